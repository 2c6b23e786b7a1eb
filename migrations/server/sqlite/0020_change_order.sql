-- Status changes are placed by (ticket, number) on both databases
-- (docs/adr/0010-status-changes-by-commit-ticket.md). SQLite has one writer at a time, so
-- it keeps numbering changes from the `status_change` counter in the writing transaction,
-- and every change is transaction 0, ticket 0.
ALTER TABLE registrations ADD COLUMN change_xid INTEGER NOT NULL DEFAULT 0;
DROP INDEX registrations_change;
CREATE INDEX registrations_change ON registrations(change_xid, change_seq);
-- No query reads this one (`status_changes` filters each change by device and area).
DROP INDEX registrations_device;

CREATE TABLE change_tickets (
    xid    INTEGER PRIMARY KEY,
    ticket INTEGER UNIQUE
);
INSERT INTO change_tickets(xid, ticket) VALUES (0, 0);

ALTER TABLE counters ADD COLUMN ticket INTEGER NOT NULL DEFAULT 0;
