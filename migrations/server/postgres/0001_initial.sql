-- The sync server's schema (PostgreSQL). Times are milliseconds since the Unix epoch (BIGINT),
-- the same on both backends so that one set of queries serves both.
CREATE TABLE places (
    code    TEXT PRIMARY KEY,
    level   TEXT NOT NULL,
    name_hi TEXT NOT NULL,
    name_en TEXT NOT NULL,
    parent  TEXT REFERENCES places(code)
);
CREATE INDEX places_parent ON places(parent);

CREATE TABLE users (
    id            BIGSERIAL PRIMARY KEY,
    username      TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    role          TEXT NOT NULL,
    jurisdiction  TEXT NOT NULL REFERENCES places(code),
    disabled      BOOLEAN NOT NULL DEFAULT FALSE,
    created_at    BIGINT NOT NULL
);

CREATE TABLE sessions (
    token_hash BYTEA PRIMARY KEY,
    user_id    BIGINT NOT NULL REFERENCES users(id),
    expires_at BIGINT NOT NULL,
    revoked    BOOLEAN NOT NULL DEFAULT FALSE
);

CREATE TABLE login_failures (
    attempt_key TEXT NOT NULL,
    at          BIGINT NOT NULL
);
CREATE INDEX login_failures_key ON login_failures(attempt_key, at);

CREATE TABLE devices (
    device_id         TEXT PRIMARY KEY,
    public_key        BYTEA NOT NULL,
    token_hash        BYTEA NOT NULL UNIQUE,
    enrolled_by       BIGINT NOT NULL REFERENCES users(id),
    jurisdiction      TEXT NOT NULL REFERENCES places(code),
    revoked           BOOLEAN NOT NULL DEFAULT FALSE,
    enrolled_at       BIGINT NOT NULL,
    last_seen_at      BIGINT,
    pending           BIGINT,
    oldest_pending_at BIGINT,
    app_version       TEXT,
    last_error        TEXT
);

CREATE TABLE families (
    family_id      TEXT PRIMARY KEY,
    unit_code      TEXT NOT NULL REFERENCES places(code),
    head_member_id TEXT NOT NULL,
    body           TEXT NOT NULL
);
CREATE INDEX families_unit ON families(unit_code);

CREATE TABLE members (
    member_id TEXT PRIMARY KEY,
    family_id TEXT NOT NULL,
    unit_code TEXT NOT NULL REFERENCES places(code),
    body      TEXT NOT NULL
);
CREATE INDEX members_unit ON members(unit_code);

-- Bumped whenever a unit's Samagra data changes; a pack of that version is then built.
CREATE TABLE unit_data (
    unit_code    TEXT PRIMARY KEY REFERENCES places(code),
    data_version BIGINT NOT NULL,
    changed_at   BIGINT NOT NULL
);

-- Immutable once written.
CREATE TABLE packs (
    unit_code TEXT NOT NULL REFERENCES places(code),
    version   BIGINT NOT NULL,
    bytes     BYTEA NOT NULL,
    sha256    TEXT NOT NULL,
    size      BIGINT NOT NULL,
    built_at  BIGINT NOT NULL,
    PRIMARY KEY (unit_code, version)
);

CREATE TABLE server_keys (
    key_id     TEXT PRIMARY KEY,
    pkcs8      BYTEA NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE counters (
    name  TEXT PRIMARY KEY,
    value BIGINT NOT NULL
);
INSERT INTO counters(name, value) VALUES ('status_change', 0);

CREATE TABLE registrations (
    id                  TEXT PRIMARY KEY,
    content_hash        TEXT NOT NULL,
    payload             TEXT NOT NULL,
    device_id           TEXT NOT NULL REFERENCES devices(device_id),
    device_seq          BIGINT NOT NULL,
    member_id           TEXT NOT NULL,
    family_id           TEXT NOT NULL,
    unit_code           TEXT NOT NULL REFERENCES places(code),
    channel             TEXT NOT NULL,
    occupation_code     TEXT NOT NULL,
    state               TEXT NOT NULL,
    registration_number TEXT UNIQUE,
    reason              TEXT,
    duplicate_of        TEXT,
    received_at         BIGINT NOT NULL,
    decided_at          BIGINT,
    decided_by          BIGINT REFERENCES users(id),
    change_seq          BIGINT NOT NULL
);
-- The business key: one Samagra member has at most one registration that counts.
CREATE UNIQUE INDEX registrations_one_per_member ON registrations(member_id)
    WHERE state IN ('pending_approval', 'approved');
CREATE INDEX registrations_change ON registrations(change_seq);
CREATE INDEX registrations_unit_state ON registrations(unit_code, state);
CREATE INDEX registrations_device ON registrations(device_id, change_seq);

-- Same id, different content: refused and recorded here (no payload, no personal data).
CREATE TABLE conflicts (
    registration_id TEXT NOT NULL,
    device_id       TEXT NOT NULL,
    received_at     BIGINT NOT NULL
);

CREATE TABLE number_sequences (
    scope TEXT PRIMARY KEY,
    next  BIGINT NOT NULL
);

CREATE TABLE targets (
    unit_code TEXT PRIMARY KEY REFERENCES places(code),
    target    BIGINT NOT NULL
);
