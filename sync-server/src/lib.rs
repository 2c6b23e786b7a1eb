//! panjiyan-server: the sync server. Serves camp packs, takes pushes exactly once, answers
//! status pulls, records officers' decisions. Storage is PostgreSQL or SQLite behind one trait.

pub mod storage;
