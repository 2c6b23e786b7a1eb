-- SMS and voice messages to workers, written in the same transaction as the decision that
-- causes them, and delivered by the dispatcher; and the audit log of decisions.
CREATE TABLE notifications (
    id              BIGSERIAL PRIMARY KEY,
    registration_id TEXT NOT NULL REFERENCES registrations(id),
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
CREATE INDEX notifications_due ON notifications(state, next_attempt_at);

CREATE TABLE audit_log (
    id              BIGSERIAL PRIMARY KEY,
    at              BIGINT NOT NULL,
    user_id         BIGINT NOT NULL REFERENCES users(id),
    action          TEXT NOT NULL,
    registration_id TEXT NOT NULL,
    reason          TEXT
);
CREATE INDEX audit_log_registration ON audit_log(registration_id);

CREATE TABLE status_lookups (
    client TEXT NOT NULL,
    at     BIGINT NOT NULL
);
CREATE INDEX status_lookups_client ON status_lookups(client, at);
