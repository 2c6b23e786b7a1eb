-- What the officer pages need: the camp a registration came from (for the queue's filter and
-- the camp results), the officer's own note beside a coded rejection reason, and the audit
-- log read newest first by admins.
ALTER TABLE registrations ADD COLUMN camp_id TEXT;
ALTER TABLE registrations ADD COLUMN reason_note TEXT;
ALTER TABLE audit_log ADD COLUMN note TEXT;
CREATE INDEX registrations_camp ON registrations(camp_id) WHERE camp_id IS NOT NULL;
CREATE INDEX audit_log_at ON audit_log(at);
