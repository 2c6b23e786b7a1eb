-- Deltas between two stored versions of a unit's pack, built once and kept: every phone of a
-- village asks for the same one after the village's data changes.
CREATE TABLE pack_deltas (
    unit_code    TEXT NOT NULL REFERENCES places(code),
    from_version BIGINT NOT NULL,
    to_version   BIGINT NOT NULL,
    bytes        BYTEA NOT NULL,
    built_at     BIGINT NOT NULL,
    PRIMARY KEY (unit_code, from_version, to_version)
);
