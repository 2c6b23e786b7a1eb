-- Rule sets a campaign's admin loaded (the built-in ones are in the code), kept by id and
-- version for as long as registrations judged by them exist; and which rule set and version
-- judged each registration, so the pages can say how many each judged.
CREATE TABLE rule_sets (
    id        TEXT NOT NULL,
    version   BIGINT NOT NULL,
    json      TEXT NOT NULL,
    loaded_at BIGINT NOT NULL,
    PRIMARY KEY (id, version)
);
ALTER TABLE registrations ADD COLUMN rules_id TEXT;
ALTER TABLE registrations ADD COLUMN rules_version BIGINT;
UPDATE registrations SET rules_id = payload::jsonb ->> 'rules_id',
    rules_version = CAST(payload::jsonb ->> 'rules_version' AS BIGINT);
