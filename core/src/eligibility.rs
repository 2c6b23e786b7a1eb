//! Eligibility rules as versioned data (`data/rules/*.json`) and their evaluation to a result
//! that names every failed rule. The same code runs on the device and on the server.

use crate::messages::Message;
use serde::{Deserialize, Serialize};

/// A versioned rule set, loaded from data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleSet {
    pub id: String,
    pub version: u32,
}

impl RuleSet {
    /// The MP 2018 scheme's rules, as shipped.
    pub fn mp_2018() -> RuleSet {
        unimplemented!("rules helper")
    }
}

/// One rule that failed or is doubtful.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleOutcome {
    /// Stable rule code, e.g. `age_range`.
    pub rule: String,
    pub message: Message,
}

/// The result of evaluating a rule set: every failed rule named.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Eligibility {
    pub rules_id: String,
    pub rules_version: u32,
    pub eligible: bool,
    pub failed: Vec<RuleOutcome>,
    /// Rules that pass only on an estimate (e.g. age from an estimated birth year near a limit).
    pub doubtful: Vec<RuleOutcome>,
}
