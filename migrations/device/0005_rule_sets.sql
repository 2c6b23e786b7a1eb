-- Version 5: rule sets a camp pack carried because the app does not have them built in (a
-- campaign's own, loaded by its admin), by id and version, as signed in the pack's manifest.
CREATE TABLE rule_sets (
    id      TEXT NOT NULL,
    version INTEGER NOT NULL,
    json    TEXT NOT NULL,
    PRIMARY KEY (id, version)
);
