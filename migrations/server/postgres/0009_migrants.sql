-- A returned migrant worker's details, as the phone recorded them, in columns of their own:
-- the officers' CSV lists them, and employer matching (Rozgar Setu) searches them.
ALTER TABLE registrations ADD COLUMN migrant_state TEXT;
ALTER TABLE registrations ADD COLUMN migrant_district TEXT;
ALTER TABLE registrations ADD COLUMN migrant_trade TEXT;
ALTER TABLE registrations ADD COLUMN migrant_months BIGINT;
ALTER TABLE registrations ADD COLUMN migrant_returned_on TEXT;
UPDATE registrations SET
    migrant_state = payload::jsonb -> 'migrant' ->> 'state_worked_in',
    migrant_district = payload::jsonb -> 'migrant' ->> 'district_or_city',
    migrant_trade = payload::jsonb -> 'migrant' ->> 'trade_code',
    migrant_months = CAST(payload::jsonb -> 'migrant' ->> 'months_away' AS BIGINT),
    migrant_returned_on = payload::jsonb -> 'migrant' ->> 'returned_on'
WHERE payload::jsonb -> 'migrant' IS NOT NULL AND jsonb_typeof(payload::jsonb -> 'migrant') = 'object';
