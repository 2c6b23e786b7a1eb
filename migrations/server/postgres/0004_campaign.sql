-- What collectors and admins watch: progress rolled up the hierarchy, camps, department lists,
-- pack downloads per device.

-- Every place with itself (depth 0) and each of its ancestors: counts roll up through it.
CREATE TABLE place_ancestors (
    code     TEXT NOT NULL,
    ancestor TEXT NOT NULL,
    depth    INTEGER NOT NULL,
    PRIMARY KEY (code, ancestor)
);
CREATE INDEX place_ancestors_ancestor ON place_ancestors(ancestor, depth);
INSERT INTO place_ancestors(code, ancestor, depth)
WITH RECURSIVE up(code, ancestor, depth) AS (
    SELECT code, code, 0 FROM places
    UNION ALL SELECT up.code, p.parent, up.depth + 1 FROM up JOIN places p ON p.code = up.ancestor
    WHERE p.parent IS NOT NULL)
SELECT code, ancestor, depth FROM up;

-- The day a registration arrived (days since 1970-01-01 in India Standard Time), and the state
-- it is counted under in progress (NULL until the rollup has counted it).
ALTER TABLE registrations ADD COLUMN received_day BIGINT;
ALTER TABLE registrations ADD COLUMN counted_state TEXT;
UPDATE registrations SET received_day = (received_at + 19800000) / 86400000;
CREATE INDEX registrations_received ON registrations(received_at);

-- Registrations per place (at every level), day, channel and state. Kept by the rollup, which
-- follows the status-change sequence from its cursor: one writer, no hot rows in the push path.
CREATE TABLE progress (
    place_code TEXT NOT NULL,
    day        BIGINT NOT NULL,
    channel    TEXT NOT NULL,
    state      TEXT NOT NULL,
    n          BIGINT NOT NULL,
    PRIMARY KEY (place_code, day, channel, state)
);
INSERT INTO counters(name, value) VALUES ('progress_cursor', 0);

CREATE TABLE camps (
    id         TEXT PRIMARY KEY,
    area_code  TEXT NOT NULL REFERENCES places(code),
    starts_at  BIGINT NOT NULL,
    ends_at    BIGINT NOT NULL,
    venue      TEXT NOT NULL,
    created_by BIGINT NOT NULL REFERENCES users(id),
    updated_at BIGINT NOT NULL
);
CREATE INDEX camps_starts ON camps(starts_at);
CREATE TABLE camp_units (
    camp_id   TEXT NOT NULL REFERENCES camps(id),
    unit_code TEXT NOT NULL REFERENCES places(code),
    PRIMARY KEY (camp_id, unit_code)
);
CREATE TABLE camp_staff (
    camp_id TEXT NOT NULL REFERENCES camps(id),
    user_id BIGINT NOT NULL REFERENCES users(id),
    PRIMARY KEY (camp_id, user_id)
);

-- The newest pack version each device has downloaded, per unit.
CREATE TABLE pack_downloads (
    device_id TEXT NOT NULL REFERENCES devices(device_id),
    unit_code TEXT NOT NULL REFERENCES places(code),
    version   BIGINT NOT NULL,
    at        BIGINT NOT NULL,
    PRIMARY KEY (device_id, unit_code)
);

-- Lists other departments keep (ASHA and anganwadi workers, MGNREGA workers, mid-day-meal
-- cooks …), as target groups of Samagra members.
CREATE TABLE target_groups (
    id          BIGSERIAL PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    department  TEXT NOT NULL,
    imported_at BIGINT NOT NULL
);
CREATE TABLE target_group_members (
    group_id  BIGINT NOT NULL REFERENCES target_groups(id),
    member_id TEXT NOT NULL,
    PRIMARY KEY (group_id, member_id)
);
CREATE INDEX target_group_members_member ON target_group_members(member_id);
