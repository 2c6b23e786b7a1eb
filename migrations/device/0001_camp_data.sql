-- Version 1: the camp's data from its packs. Samagra IDs and unit codes stay plain so they can
-- be indexed; everything personal sits in `sealed` (AES-256-GCM, see docs/adr/0001).
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value BLOB NOT NULL
);

CREATE TABLE units (
    code                TEXT PRIMARY KEY,
    level               TEXT NOT NULL,
    name_hi             TEXT NOT NULL,
    name_en             TEXT NOT NULL,
    version             INTEGER NOT NULL,
    family_count        INTEGER NOT NULL,
    member_count        INTEGER NOT NULL,
    rules_id            TEXT NOT NULL,
    rules_version       INTEGER NOT NULL,
    occupations_version INTEGER NOT NULL,
    signing_key_id      TEXT NOT NULL,
    built_at            TEXT NOT NULL,
    imported_at         TEXT NOT NULL
);

CREATE TABLE families (
    family_id      TEXT PRIMARY KEY,
    unit_code      TEXT NOT NULL REFERENCES units(code),
    head_member_id TEXT NOT NULL,
    sealed         BLOB NOT NULL
);
CREATE INDEX families_unit ON families(unit_code);

CREATE TABLE members (
    member_id TEXT PRIMARY KEY,
    family_id TEXT NOT NULL,
    unit_code TEXT NOT NULL REFERENCES units(code),
    sealed    BLOB NOT NULL
);
CREATE INDEX members_family ON members(family_id);
CREATE INDEX members_unit ON members(unit_code);

-- Blind index for name search: keyed HMAC of each phonetic key (and its short prefixes).
CREATE TABLE name_tokens (
    token     BLOB NOT NULL,
    member_id TEXT NOT NULL,
    unit_code TEXT NOT NULL,
    PRIMARY KEY (token, member_id)
) WITHOUT ROWID;
CREATE INDEX name_tokens_member ON name_tokens(member_id);

-- Who the server already holds a registration for, per the pack (and later status pulls).
CREATE TABLE pack_registered (
    member_id           TEXT PRIMARY KEY,
    unit_code           TEXT NOT NULL,
    state               TEXT NOT NULL,
    registration_number TEXT
);
