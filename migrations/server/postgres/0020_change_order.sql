-- Status changes in commit order without a counter row that every push and decision holds
-- from its first write to its commit (docs/adr/0010-status-changes-by-commit-ticket.md).
-- Each change carries its writing transaction's id (`pg_current_xact_id()`) and a number
-- from a sequence, which no writer waits on. A transaction that changes a status also
-- inserts its id into `change_tickets`; a deferred trigger gives it the next ticket from the
-- `status_change` counter as it commits, so the counter row is held only while committing,
-- and tickets follow commit order. A change's place in the feed is (ticket, number), and a
-- cursor is that pair. Changes from before keep their numbers under transaction 0, ticket
-- 0, so a cursor of the old form (a number) reads as (0, number).
ALTER TABLE registrations ADD COLUMN change_xid BIGINT NOT NULL DEFAULT 0;
CREATE SEQUENCE status_change_seq;
DROP INDEX registrations_change;
CREATE INDEX registrations_change ON registrations(change_xid, change_seq);
-- The feed finds a device's own changes among its area's by filtering the rows of each
-- ticket (`status_changes`), so this index, which every new row paid for, served no query.
DROP INDEX registrations_device;
-- Only approved registrations have a number: the unique index need not hold every pending
-- one's NULL (one index entry less for each new registration).
ALTER TABLE registrations DROP CONSTRAINT registrations_registration_number_key;
CREATE UNIQUE INDEX registrations_number ON registrations(registration_number)
    WHERE registration_number IS NOT NULL;

CREATE TABLE change_tickets (
    xid    BIGINT PRIMARY KEY,
    ticket BIGINT UNIQUE
);
INSERT INTO change_tickets(xid, ticket) VALUES (0, 0);

CREATE FUNCTION take_change_ticket() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    WITH c AS (UPDATE counters SET value = value + 1 WHERE name = 'status_change' RETURNING value)
    UPDATE change_tickets SET ticket = c.value FROM c WHERE change_tickets.xid = NEW.xid;
    RETURN NULL;
END $$;
CREATE CONSTRAINT TRIGGER change_ticket_at_commit AFTER INSERT ON change_tickets
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN (NEW.ticket IS NULL)
    EXECUTE FUNCTION take_change_ticket();

-- The rollup's cursor is a pair too: `progress_cursor`'s ticket beside its number.
ALTER TABLE counters ADD COLUMN ticket BIGINT NOT NULL DEFAULT 0;
