//! The sync server. Empty until the sync-server issue lands: the crate exists so the
//! workspace layout is the final one from the first commit.
