//! Message keys and their Hindi and English texts. Texts are whole sentences kept as data
//! (`data/messages.json`), with named `{placeholders}` for values: never built from fragments.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The languages the app and the worker-facing texts come in. Hindi first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Lang {
    #[default]
    Hi,
    En,
}

/// A message to show: a stable key (also what the FFI and the wire carry) and the values for
/// its placeholders.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Message {
    pub key: String,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub params: BTreeMap<String, String>,
}
