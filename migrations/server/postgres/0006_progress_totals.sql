-- Counts per place, channel and state over all days: what a place's "by area" table reads, so
-- that a state's page adds up 52 districts' dozen rows, not a row per district and day.
CREATE TABLE progress_totals (
    place_code TEXT NOT NULL,
    channel    TEXT NOT NULL,
    state      TEXT NOT NULL,
    n          BIGINT NOT NULL,
    PRIMARY KEY (place_code, channel, state)
);
INSERT INTO progress_totals(place_code, channel, state, n)
SELECT place_code, channel, state, sum(n) FROM progress GROUP BY place_code, channel, state;
