-- The sync backlog and the approval queue at state scale, read a page at a time.
-- Devices holding data, oldest unsent first (a device that never said how old is last):
-- the order of the backlog's device pages and their keyset `after`.
CREATE INDEX devices_backlog_oldest
    ON devices(coalesce(oldest_pending_at, 9223372036854775807), device_id)
    WHERE pending > 0 AND NOT revoked;
-- The same devices by where they work, with what the summary by area adds up.
CREATE INDEX devices_backlog_place
    ON devices(jurisdiction, pending, oldest_pending_at, last_seen_at)
    WHERE pending > 0 AND NOT revoked;
-- Pending registrations of a village or ward in the queue's order (received, id).
CREATE INDEX registrations_pending_queue
    ON registrations(unit_code, received_at, id)
    WHERE state = 'pending_approval';
