-- Rozgar Setu: returned migrants' skill register, employers, their requirements, the state's
-- minimum wages, shortlists, offers and joining, and the funnel the district cell reads.

-- A returned migrant who may be matched: made when a registration with migrant details is
-- approved; the place columns are the unit's, copied so that matching is an index range.
CREATE TABLE job_seekers (
    member_id        TEXT PRIMARY KEY,
    registration_id  TEXT NOT NULL REFERENCES registrations(id),
    unit_code        TEXT NOT NULL REFERENCES places(code),
    block_code       TEXT NOT NULL,
    district_code    TEXT NOT NULL,
    state_code       TEXT NOT NULL,
    trade_code       TEXT NOT NULL,
    experience_years BIGINT NOT NULL DEFAULT 0,
    worked_in        TEXT,
    certificate      TEXT,
    willing          TEXT NOT NULL,
    -- consent to be contacted about jobs: when and by which channel; NULL when not given or
    -- withdrawn (withdrawn_at says when)
    consent_at       BIGINT,
    consent_channel  TEXT,
    withdrawn_at     BIGINT,
    -- available | holding (an accepted offer not yet joined) | placed (joined)
    standing         TEXT NOT NULL DEFAULT 'available',
    offers_made      BIGINT NOT NULL DEFAULT 0,
    shortlisted_at   BIGINT,
    offered_at       BIGINT,
    accepted_at      BIGINT,
    joined_at        BIGINT,
    updated_at       BIGINT NOT NULL
);
CREATE INDEX job_seekers_match_district ON job_seekers(trade_code, district_code)
    WHERE consent_at IS NOT NULL AND standing = 'available';
CREATE INDEX job_seekers_match_state ON job_seekers(trade_code, state_code)
    WHERE consent_at IS NOT NULL AND standing = 'available' AND willing = 'state';

CREATE TABLE employers (
    id             BIGSERIAL PRIMARY KEY,
    kind           TEXT NOT NULL,
    name           TEXT NOT NULL,
    gstin          TEXT UNIQUE,
    udyam          TEXT UNIQUE,
    place_code     TEXT NOT NULL REFERENCES places(code),
    district_code  TEXT NOT NULL REFERENCES places(code),
    address        TEXT NOT NULL,
    contact_name   TEXT NOT NULL,
    contact_mobile TEXT NOT NULL,
    -- awaiting | verified | refused
    standing       TEXT NOT NULL DEFAULT 'awaiting',
    registered_by  BIGINT REFERENCES users(id),
    verified_by    BIGINT REFERENCES users(id),
    verified_at    BIGINT,
    refused_reason TEXT,
    created_at     BIGINT NOT NULL
);
CREATE INDEX employers_district ON employers(district_code, standing);
-- an employer's own sign-in
ALTER TABLE users ADD COLUMN employer_id BIGINT REFERENCES employers(id);

-- The state's notified minimum daily wage per trade, from a day on (revised twice a year).
CREATE TABLE min_wages (
    state_code    TEXT NOT NULL,
    trade_code    TEXT NOT NULL,
    from_day      BIGINT NOT NULL,
    daily_rupees  BIGINT NOT NULL,
    set_by        BIGINT REFERENCES users(id),
    set_at        BIGINT NOT NULL,
    PRIMARY KEY (state_code, trade_code, from_day)
);

-- Districts that border each other, for "nearness" in matching.
CREATE TABLE district_neighbours (
    district_code  TEXT NOT NULL REFERENCES places(code),
    neighbour_code TEXT NOT NULL REFERENCES places(code),
    PRIMARY KEY (district_code, neighbour_code)
);

CREATE TABLE requirements (
    id            BIGSERIAL PRIMARY KEY,
    employer_id   BIGINT NOT NULL REFERENCES employers(id),
    trade_code    TEXT NOT NULL,
    workers       BIGINT NOT NULL,
    daily_rupees  BIGINT NOT NULL,
    place_code    TEXT NOT NULL REFERENCES places(code),
    block_code    TEXT NOT NULL,
    district_code TEXT NOT NULL,
    state_code    TEXT NOT NULL,
    starts_on     BIGINT NOT NULL,
    duration_days BIGINT NOT NULL,
    food          BOOLEAN NOT NULL,
    stay          BOOLEAN NOT NULL,
    closes_on     BIGINT NOT NULL,
    posted_by     BIGINT NOT NULL REFERENCES users(id),
    posted_at     BIGINT NOT NULL
);
CREATE INDEX requirements_employer ON requirements(employer_id);
CREATE INDEX requirements_district ON requirements(district_code, trade_code);

-- Who a requirement's shortlist showed, with the rank and its reasons as shown.
CREATE TABLE shortlists (
    requirement_id BIGINT NOT NULL REFERENCES requirements(id),
    member_id      TEXT NOT NULL,
    rank           BIGINT NOT NULL,
    reasons        TEXT NOT NULL,
    at             BIGINT NOT NULL,
    PRIMARY KEY (requirement_id, member_id)
);

CREATE TABLE offers (
    id             TEXT PRIMARY KEY,
    -- what the worker answers with: "HAAN 123456" or "NA 123456"
    reply_code     TEXT NOT NULL UNIQUE,
    requirement_id BIGINT NOT NULL REFERENCES requirements(id),
    member_id      TEXT NOT NULL REFERENCES job_seekers(member_id),
    -- sent | accepted | declined | joined | withdrawn
    state          TEXT NOT NULL,
    sent_by        BIGINT NOT NULL REFERENCES users(id),
    sent_at        BIGINT NOT NULL,
    answered_at    BIGINT,
    -- sms | web | camp | staff
    answered_via   TEXT,
    joined_on      BIGINT,
    joined_via     TEXT,
    UNIQUE (requirement_id, member_id)
);
CREATE INDEX offers_member ON offers(member_id, state);
CREATE INDEX offers_open ON offers(state, sent_at);

-- The funnel, counted as it moves: people per district, block and trade at each stage
-- (registered, consent, shortlisted, offered, accepted, joined), and days from a
-- requirement's posting to joining summed over joinings (stage join_days).
CREATE TABLE job_funnel (
    district_code TEXT NOT NULL,
    block_code    TEXT NOT NULL,
    trade_code    TEXT NOT NULL,
    stage         TEXT NOT NULL,
    n             BIGINT NOT NULL,
    PRIMARY KEY (district_code, block_code, trade_code, stage)
);
