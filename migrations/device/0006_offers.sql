-- Version 6: offers of work to the workers of this device's units, as the server sent them with
-- the last sync, and the answers workers gave here, waiting to be sent. What an offer says and
-- an answer's signed bytes are sealed with the store's key; the ids and the member id (as in
-- `registrations`) are in the clear for look-ups.
-- `state` of an answer is 'queued' (waiting to be sent), 'taken' (the server recorded it) or
-- 'refused' (the server said no, `refusal` says why, as JSON message keys).
CREATE TABLE offers (
    id          TEXT PRIMARY KEY,
    member_id   TEXT NOT NULL,
    sent_at     INTEGER NOT NULL,
    info        BLOB NOT NULL
);
CREATE INDEX offers_member ON offers(member_id);
CREATE TABLE offer_answers (
    offer_id    TEXT PRIMARY KEY,
    member_id   TEXT NOT NULL,
    accept      INTEGER NOT NULL,
    answered_at TEXT NOT NULL,
    signed      BLOB NOT NULL,
    state       TEXT NOT NULL,
    refusal     TEXT,
    updated_at  TEXT NOT NULL
);
CREATE INDEX offer_answers_state ON offer_answers(state);
