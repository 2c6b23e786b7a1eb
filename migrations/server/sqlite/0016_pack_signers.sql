-- The key id of the key each stored pack is signed with, so that after a pack-key rotation the
-- packs still signed by the previous key are found without reading them (NULL: stored before
-- this column, read once to find out).
ALTER TABLE packs ADD COLUMN signing_key_id TEXT;
