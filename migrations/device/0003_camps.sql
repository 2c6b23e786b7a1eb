-- Version 3: the camp calendar of the device's area, as the server sent it with the last sync,
-- and the unplanned camps started on this device. Venues and times only: no personal data.
-- `units` is a JSON array of the village and ward codes the camp serves.
CREATE TABLE camps (
    id         TEXT PRIMARY KEY,
    area_code  TEXT NOT NULL,
    starts_at  INTEGER NOT NULL,
    ends_at    INTEGER NOT NULL,
    venue      TEXT NOT NULL,
    units      TEXT NOT NULL,
    unplanned  INTEGER NOT NULL DEFAULT 0
);
