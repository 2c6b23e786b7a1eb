//! panjiyan-ffi: the Kotlin-facing surface of panjiyan-core through uniffi (proc-macros,
//! library mode). It only adapts: one module per concept, conversions at the edge, one small
//! error type with stable codes and messages safe to show a person.

mod camp;
mod error;
mod records;

pub use camp::{CampStore, ProgressListener};
pub use error::PanjiyanError;
pub use records::*;

uniffi::setup_scaffolding!();
