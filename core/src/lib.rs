//! panjiyan-core: everything a camp needs on the device and everything the server must agree
//! with it on: the domain, validation and eligibility rules, camp packs, the device store, the
//! registration outbox and the wire types of sync. No FFI and no HTTP server code lives here.

pub mod bench_line;
pub mod eligibility;
pub mod endorsement;
pub mod generator;
pub mod india_time;
pub mod keys;
pub mod location;
pub mod messages;
pub mod names;
pub mod occupation;
pub mod pack;
pub mod registration;
pub mod samagra;
pub mod statement;
pub mod store;
pub mod sync;
pub mod validate;
pub mod wire;
