-- Push intake stores a registration only after establishing what these two foreign keys
-- checked again, row by row, in triggers that cost as much as the rest of the insert (a
-- 4,000-row batch: 46 ms with the indexes alone, 88 ms with the two triggers): the device is
-- the enrolled one that signed the push, and the unit is the member's own from `members`,
-- whose unit_code references places. Devices and places are never deleted. Intake is the
-- only writer of new registrations (docs/adr/0009-one-insert-per-push.md). SQLite keeps
-- them: its checks are index look-ups inside the insert, and it has one writer anyway.
ALTER TABLE registrations DROP CONSTRAINT registrations_device_id_fkey;
ALTER TABLE registrations DROP CONSTRAINT registrations_unit_code_fkey;
