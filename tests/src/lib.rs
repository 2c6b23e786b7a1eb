//! End-to-end test support. Empty until the sync-client issue lands.
