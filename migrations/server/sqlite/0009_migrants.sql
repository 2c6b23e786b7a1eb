-- A returned migrant worker's details, as the phone recorded them, in columns of their own:
-- the officers' CSV lists them, and employer matching (Rozgar Setu) searches them.
ALTER TABLE registrations ADD COLUMN migrant_state TEXT;
ALTER TABLE registrations ADD COLUMN migrant_district TEXT;
ALTER TABLE registrations ADD COLUMN migrant_trade TEXT;
ALTER TABLE registrations ADD COLUMN migrant_months BIGINT;
ALTER TABLE registrations ADD COLUMN migrant_returned_on TEXT;
UPDATE registrations SET
    migrant_state = json_extract(payload, '$.migrant.state_worked_in'),
    migrant_district = json_extract(payload, '$.migrant.district_or_city'),
    migrant_trade = json_extract(payload, '$.migrant.trade_code'),
    migrant_months = json_extract(payload, '$.migrant.months_away'),
    migrant_returned_on = json_extract(payload, '$.migrant.returned_on')
WHERE json_type(payload, '$.migrant') = 'object';
