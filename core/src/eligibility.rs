//! Eligibility rules as versioned data (`data/rules/*.json`) and their evaluation to a result
//! that names every failed rule. The same code runs on the device and on the server.

use crate::messages::Message;
use crate::registration::ApplicantFacts;
use crate::samagra::BirthDate;
use serde::{Deserialize, Serialize};

/// A declaration that excludes a worker when it is true.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Flag {
    GovernmentServant,
    IncomeTaxPayer,
    EpfoEsicMember,
}

impl Flag {
    fn is_set(self, facts: &ApplicantFacts) -> bool {
        match self {
            Flag::GovernmentServant => facts.government_servant,
            Flag::IncomeTaxPayer => facts.income_tax_payer,
            Flag::EpfoEsicMember => facts.epfo_esic_member,
        }
    }

    fn code(self) -> &'static str {
        match self {
            Flag::GovernmentServant => "government_servant",
            Flag::IncomeTaxPayer => "income_tax_payer",
            Flag::EpfoEsicMember => "epfo_esic_member",
        }
    }

    fn message_key(self) -> &'static str {
        match self {
            Flag::GovernmentServant => "eligibility.government_servant",
            Flag::IncomeTaxPayer => "eligibility.income_tax_payer",
            Flag::EpfoEsicMember => "eligibility.epfo_esic_member",
        }
    }
}

/// Which land a land limit counts. Sources disagree for the MP scheme (*assumed* irrigated),
/// so it is a setting of the rule set, never code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LandKind {
    All,
    Irrigated,
}

/// One rule of a rule set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Rule {
    /// Age in completed years on the day of registration, both ends included.
    AgeRange { min: i32, max: i32 },
    /// The declaration must be false.
    Not { flag: Flag },
    /// Land held, in ares (1 hectare = 100 ares), at most this much.
    LandAtMost { ares: u32, land: LandKind },
}

/// A versioned rule set, loaded from data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleSet {
    pub id: String,
    pub version: u32,
    pub name_hi: String,
    pub name_en: String,
    pub rules: Vec<Rule>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RulesError {
    #[error("the rule set is not valid JSON of the expected shape: {0}")]
    Malformed(String),
    #[error("rule set {id}: age range {min}..{max} is empty or negative")]
    BadAgeRange { id: String, min: i32, max: i32 },
    #[error("rule set has an empty id")]
    NoId,
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

impl RuleSet {
    /// The MP 2018 scheme's rules, as shipped.
    pub fn mp_2018() -> RuleSet {
        Self::from_json(include_str!("../data/rules/mp-2018.json")).expect("checked by the tests")
    }

    /// The e-Shram rules, as shipped.
    pub fn eshram() -> RuleSet {
        Self::from_json(include_str!("../data/rules/eshram.json")).expect("checked by the tests")
    }

    /// A shipped rule set by id.
    pub fn builtin(id: &str) -> Option<RuleSet> {
        match id {
            "mp-2018" => Some(Self::mp_2018()),
            "eshram" => Some(Self::eshram()),
            _ => None,
        }
    }

    pub fn from_json(text: &str) -> Result<Self, RulesError> {
        let set: RuleSet =
            serde_json::from_str(text).map_err(|e| RulesError::Malformed(e.to_string()))?;
        if set.id.trim().is_empty() {
            return Err(RulesError::NoId);
        }
        for rule in &set.rules {
            if let Rule::AgeRange { min, max } = *rule
                && (min < 0 || min > max)
            {
                return Err(RulesError::BadAgeRange {
                    id: set.id.clone(),
                    min,
                    max,
                });
            }
        }
        Ok(set)
    }

    /// Evaluates every rule; each failure is named, none stops the others.
    pub fn evaluate(
        &self,
        birth: &BirthDate,
        facts: &ApplicantFacts,
        on: time::Date,
    ) -> Eligibility {
        let mut failed = Vec::new();
        let mut doubtful = Vec::new();
        for rule in &self.rules {
            match *rule {
                Rule::AgeRange { min, max } => {
                    let age = birth.age_on(on);
                    let outcome = |key: &str| RuleOutcome {
                        rule: "age_range".into(),
                        message: Message::new(key)
                            .with("age", age)
                            .with("min", min)
                            .with("max", max),
                    };
                    if age < min {
                        failed.push(outcome("eligibility.age_below_min"));
                    } else if age > max {
                        failed.push(outcome("eligibility.age_above_max"));
                    } else if birth.is_estimated() && (age - min < 1 || max - age < 1) {
                        doubtful.push(outcome("eligibility.age_estimated_near_limit"));
                    }
                }
                Rule::Not { flag } => {
                    if flag.is_set(facts) {
                        failed.push(RuleOutcome {
                            rule: flag.code().into(),
                            message: Message::new(flag.message_key()),
                        });
                    }
                }
                Rule::LandAtMost { ares, land } => {
                    let held = match land {
                        LandKind::All => facts.land_ares,
                        LandKind::Irrigated => facts.irrigated_land_ares,
                    };
                    match held {
                        Some(held) if held > ares => failed.push(RuleOutcome {
                            rule: "land_at_most".into(),
                            message: Message::new("eligibility.land_above_limit")
                                .with("held", held)
                                .with("limit", ares),
                        }),
                        Some(_) => {}
                        None => doubtful.push(RuleOutcome {
                            rule: "land_at_most".into(),
                            message: Message::new("eligibility.land_not_declared")
                                .with("limit", ares),
                        }),
                    }
                }
            }
        }
        Eligibility {
            rules_id: self.id.clone(),
            rules_version: self.version,
            eligible: failed.is_empty(),
            failed,
            doubtful,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    const DAY: time::Date = date!(2018 - 04 - 15);

    fn born(year: i32) -> BirthDate {
        BirthDate {
            year,
            month: Some(1),
            day: Some(1),
        }
    }

    fn landless() -> ApplicantFacts {
        ApplicantFacts {
            land_ares: Some(0),
            irrigated_land_ares: Some(0),
            ..Default::default()
        }
    }

    fn failed_rules(e: &Eligibility) -> Vec<&str> {
        e.failed.iter().map(|f| f.rule.as_str()).collect()
    }

    #[test]
    fn seventeen_and_sixty_one_year_olds_fail_the_mp_age_rule() {
        let rules = RuleSet::mp_2018();
        let young = rules.evaluate(&born(2001), &landless(), DAY);
        assert!(!young.eligible);
        assert_eq!(young.failed[0].message.key, "eligibility.age_below_min");
        let old = rules.evaluate(&born(1957), &landless(), DAY);
        assert_eq!(failed_rules(&old), ["age_range"]);
        assert_eq!(old.failed[0].message.key, "eligibility.age_above_max");
        assert!(rules.evaluate(&born(1980), &landless(), DAY).eligible);
    }

    #[test]
    fn every_failed_rule_is_named_not_just_the_first() {
        let facts = ApplicantFacts {
            government_servant: true,
            income_tax_payer: true,
            irrigated_land_ares: Some(250),
            ..Default::default()
        };
        let e = RuleSet::mp_2018().evaluate(&born(1950), &facts, DAY);
        assert_eq!(
            failed_rules(&e),
            [
                "age_range",
                "government_servant",
                "income_tax_payer",
                "land_at_most"
            ]
        );
    }

    #[test]
    fn eshram_accepts_sixteen_and_refuses_sixty() {
        let rules = RuleSet::eshram();
        assert!(rules.evaluate(&born(2002), &landless(), DAY).eligible);
        assert!(!rules.evaluate(&born(1958), &landless(), DAY).eligible);
        let epfo = ApplicantFacts {
            epfo_esic_member: true,
            ..landless()
        };
        assert_eq!(
            failed_rules(&rules.evaluate(&born(1990), &epfo, DAY)),
            ["epfo_esic_member"]
        );
    }

    #[test]
    fn an_estimated_birth_year_at_a_limit_is_doubtful_not_failed() {
        let e = RuleSet::mp_2018().evaluate(&BirthDate::year_only(1999), &landless(), DAY);
        assert!(e.eligible);
        assert_eq!(
            e.doubtful[0].message.key,
            "eligibility.age_estimated_near_limit"
        );
    }

    #[test]
    fn undeclared_land_is_doubtful_and_the_land_kind_is_data() {
        let e = RuleSet::mp_2018().evaluate(&born(1980), &ApplicantFacts::default(), DAY);
        assert!(e.eligible);
        assert_eq!(e.doubtful[0].rule, "land_at_most");
        let all_land = RuleSet::from_json(
            r#"{"id":"x","version":1,"name_hi":"क","name_en":"x","rules":[{"kind":"land_at_most","ares":100,"land":"all"}]}"#,
        )
        .unwrap();
        let facts = ApplicantFacts {
            land_ares: Some(150),
            irrigated_land_ares: Some(50),
            ..Default::default()
        };
        assert!(!all_land.evaluate(&born(1980), &facts, DAY).eligible);
        assert!(
            RuleSet::mp_2018()
                .evaluate(&born(1980), &facts, DAY)
                .eligible
        );
    }

    #[test]
    fn malformed_rule_sets_are_refused_with_the_reason() {
        let bad_range = r#"{"id":"x","version":1,"name_hi":"क","name_en":"x","rules":[{"kind":"age_range","min":60,"max":18}]}"#;
        assert!(matches!(
            RuleSet::from_json(bad_range),
            Err(RulesError::BadAgeRange { .. })
        ));
        let unknown = r#"{"id":"x","version":1,"name_hi":"क","name_en":"x","rules":[{"kind":"caste_is","value":"sc"}]}"#;
        assert!(matches!(
            RuleSet::from_json(unknown),
            Err(RulesError::Malformed(_))
        ));
        assert_eq!(RuleSet::builtin("eshram").unwrap().id, "eshram");
        assert!(RuleSet::builtin("nope").is_none());
    }
}
