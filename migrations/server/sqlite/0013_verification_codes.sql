-- A worker's own channels: a code sent by SMS proves a mobile number before a worker
-- registers themselves or downloads their card. Codes and sessions are kept as hashes only.
-- A code's SMS is about no registration yet, so an outbox message may have none: SQLite
-- cannot drop NOT NULL, so the outbox is rebuilt with its rows, ids and indexes.
CREATE TABLE notifications_new (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    registration_id TEXT REFERENCES registrations(id),
    kind            TEXT NOT NULL,
    channel         TEXT NOT NULL,
    language        TEXT NOT NULL,
    recipient       TEXT NOT NULL,
    template_id     TEXT NOT NULL,
    body            TEXT NOT NULL,
    state           TEXT NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    last_error      TEXT,
    provider_ref    TEXT,
    created_at      BIGINT NOT NULL,
    sent_at         BIGINT,
    UNIQUE (registration_id, kind, channel)
);
INSERT INTO notifications_new(id, registration_id, kind, channel, language, recipient,
    template_id, body, state, attempts, next_attempt_at, last_error, provider_ref, created_at,
    sent_at)
SELECT id, registration_id, kind, channel, language, recipient, template_id, body, state,
    attempts, next_attempt_at, last_error, provider_ref, created_at, sent_at FROM notifications;
DROP TABLE notifications;
ALTER TABLE notifications_new RENAME TO notifications;
CREATE INDEX notifications_due ON notifications(state, next_attempt_at);

CREATE TABLE verification_codes (
    id                 TEXT PRIMARY KEY,
    purpose            TEXT NOT NULL,
    member_id          TEXT NOT NULL,
    mobile             TEXT NOT NULL,
    code_hash          BLOB NOT NULL,
    created_at         BIGINT NOT NULL,
    expires_at         BIGINT NOT NULL,
    tries              INTEGER NOT NULL DEFAULT 0,
    verified_at        BIGINT,
    session_hash       BLOB UNIQUE,
    session_expires_at BIGINT
);
CREATE INDEX verification_codes_expiry ON verification_codes(expires_at);
