-- Version 7: a look-up asks for a member's newest registration on this device. Indexed by
-- member alone, SQLite sorted each member's registrations in a temporary b-tree on every
-- look-up (most of its time, issue 17); by member and creation time it reads the newest first.
DROP INDEX registrations_member;
CREATE INDEX registrations_member ON registrations(member_id, created_at);
