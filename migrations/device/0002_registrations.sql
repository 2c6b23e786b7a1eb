-- Version 2: registrations made on this device and the outbox that carries them to the server.
-- `outbox` is 'queued' (waiting to be sent), 'refused' (the server said no; kept for fixing)
-- or NULL (a draft, or acknowledged by the server).
CREATE TABLE registrations (
    id                  TEXT PRIMARY KEY,
    member_id           TEXT NOT NULL,
    state               TEXT NOT NULL,
    outbox              TEXT,
    device_seq          INTEGER UNIQUE,
    form                BLOB NOT NULL,
    signed              BLOB,
    refusal             TEXT,
    registration_number TEXT,
    reason              TEXT,
    duplicate_of        TEXT,
    created_at          TEXT NOT NULL,
    updated_at          TEXT NOT NULL,
    finalised_at        TEXT,
    acknowledged_at     TEXT
);
CREATE INDEX registrations_member ON registrations(member_id);
CREATE INDEX registrations_outbox ON registrations(outbox, device_seq);
