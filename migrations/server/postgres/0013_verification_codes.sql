-- A worker's own channels: a code sent by SMS proves a mobile number before a worker
-- registers themselves or downloads their card. Codes and sessions are kept as hashes only.
-- A code's SMS is about no registration yet, so an outbox message may have none.
ALTER TABLE notifications ALTER COLUMN registration_id DROP NOT NULL;

CREATE TABLE verification_codes (
    id                 TEXT PRIMARY KEY,
    purpose            TEXT NOT NULL,
    member_id          TEXT NOT NULL,
    mobile             TEXT NOT NULL,
    code_hash          BYTEA NOT NULL,
    created_at         BIGINT NOT NULL,
    expires_at         BIGINT NOT NULL,
    tries              INTEGER NOT NULL DEFAULT 0,
    verified_at        BIGINT,
    session_hash       BYTEA UNIQUE,
    session_expires_at BIGINT
);
CREATE INDEX verification_codes_expiry ON verification_codes(expires_at);
