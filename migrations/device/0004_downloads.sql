-- Version 4: camp-pack downloads in progress, kept encrypted with the store's key (a pack holds
-- a whole village's names, guardians, birth dates, addresses and castes). Each chunk is sealed
-- on its own; `len` is its plain length, so the bytes held are known without opening them.
CREATE TABLE download_chunks (
    unit_code  TEXT NOT NULL,
    sha256     TEXT NOT NULL,
    offset     INTEGER NOT NULL,
    len        INTEGER NOT NULL,
    sealed     BLOB NOT NULL,
    written_at TEXT NOT NULL,
    PRIMARY KEY (unit_code, sha256, offset)
);
