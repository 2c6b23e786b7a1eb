-- A department list belongs to the area of the admin who imported it: only an admin of that
-- same area may replace it, and each admin sees the lists of their area, above and below.
-- Lists from before this are given to the top of the hierarchy.
ALTER TABLE target_groups ADD COLUMN owner_area TEXT REFERENCES places(code);
UPDATE target_groups SET owner_area = (SELECT code FROM places WHERE parent IS NULL ORDER BY code LIMIT 1);
