//! The device store: camp packs, registrations and the outbox in one SQLite database, with
//! personal data encrypted at rest under a key the app supplies.
