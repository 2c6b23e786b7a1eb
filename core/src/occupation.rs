//! The occupation categories a worker may be registered under: a versioned list shipped as
//! data (`data/occupations.json`).

use serde::{Deserialize, Serialize};

/// One category of the list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Occupation {
    /// Stable code, e.g. `construction`.
    pub code: String,
    pub name_hi: String,
    pub name_en: String,
}

/// A versioned occupation list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OccupationList {
    pub version: u32,
    pub categories: Vec<Occupation>,
}

impl OccupationList {
    /// The list shipped with this build.
    pub fn builtin() -> OccupationList {
        unimplemented!("rules helper")
    }
}
