//! Eligibility rules as versioned data (`data/rules/*.json`) and their evaluation to a result
//! that names every failed rule. The same code runs on the device and on the server.

use crate::messages::{Message, format_indian_number};
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

/// The `kind` of every rule this version understands, as the JSON spells it.
const RULE_KINDS: [&str; 3] = ["age_range", "not", "land_at_most"];

/// The shipped rule sets (MP 2018, e-Shram), read from their data once per process: a
/// server judges every pushed record by one of them.
static SHIPPED: std::sync::LazyLock<(RuleSet, RuleSet)> = std::sync::LazyLock::new(|| {
    let shipped = |text| RuleSet::from_json(text).expect("checked by the tests");
    (
        shipped(include_str!("../data/rules/mp-2018.json")),
        shipped(include_str!("../data/rules/eshram.json")),
    )
});

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
    #[error(
        "rule set {id}: age range {min}-{max} is not valid (minimum above maximum, or negative)"
    )]
    BadAgeRange { id: String, min: i32, max: i32 },
    #[error("rule set {id}: rule kind {kind:?} is unknown to this version of the app")]
    UnknownKind { id: String, kind: String },
    #[error("rule set has an empty id")]
    NoId,
    #[error("rule set {id} version {version} is unknown to this version of the app")]
    Unknown { id: String, version: u32 },
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
    /// The ages, in completed years, the rule set accepts (its age rule), if it has one.
    pub fn age_range(&self) -> Option<(i32, i32)> {
        self.rules.iter().find_map(|r| match r {
            Rule::AgeRange { min, max } => Some((*min, *max)),
            _ => None,
        })
    }

    /// The MP 2018 scheme's rules, as shipped.
    pub fn mp_2018() -> RuleSet {
        SHIPPED.0.clone()
    }

    /// The e-Shram rules, as shipped.
    pub fn eshram() -> RuleSet {
        SHIPPED.1.clone()
    }

    /// A shipped rule set by id.
    pub fn builtin(id: &str) -> Option<RuleSet> {
        match id {
            "mp-2018" => Some(Self::mp_2018()),
            "eshram" => Some(Self::eshram()),
            _ => None,
        }
    }

    /// Rule set `id` at exactly `version`: what a pack names and a registration was judged
    /// by. Anything else is an error, never another rule set in its place.
    pub fn find(id: &str, version: u32) -> Result<RuleSet, RulesError> {
        Self::builtin(id)
            .filter(|r| r.version == version)
            .ok_or_else(|| RulesError::Unknown {
                id: id.to_owned(),
                version,
            })
    }

    pub fn from_json(text: &str) -> Result<Self, RulesError> {
        let malformed = |e: serde_json::Error| RulesError::Malformed(e.to_string());
        let value: serde_json::Value = serde_json::from_str(text).map_err(malformed)?;
        // Named on its own: a rule kind from a newer app is the likeliest way data goes wrong.
        let id = value.get("id").and_then(|v| v.as_str()).unwrap_or_default();
        let kinds = value
            .get("rules")
            .and_then(|r| r.as_array())
            .into_iter()
            .flatten()
            .filter_map(|rule| rule.get("kind").and_then(|k| k.as_str()));
        for kind in kinds {
            if !RULE_KINDS.contains(&kind) {
                return Err(RulesError::UnknownKind {
                    id: id.to_owned(),
                    kind: kind.to_owned(),
                });
            }
        }
        let set: RuleSet = serde_json::from_value(value).map_err(malformed)?;
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
                    let (youngest, oldest) = possible_ages(birth, on);
                    let outcome = |key: &str| RuleOutcome {
                        rule: "age_range".into(),
                        message: Message::new(key)
                            .with("age", age)
                            .with("min", min)
                            .with("max", max),
                    };
                    if oldest < min {
                        failed.push(outcome("eligibility.age_below_min"));
                    } else if youngest > max {
                        failed.push(outcome("eligibility.age_above_max"));
                    } else if youngest < min || oldest > max {
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
                    let (held, over_key, undeclared_key) = match land {
                        LandKind::All => (
                            facts.land_ares,
                            "eligibility.land_above_limit",
                            "eligibility.land_not_declared",
                        ),
                        // Irrigated land is part of all land: a small total settles it.
                        LandKind::Irrigated => (
                            facts
                                .irrigated_land_ares
                                .or(facts.land_ares.filter(|all| *all <= ares)),
                            "eligibility.irrigated_land_above_limit",
                            "eligibility.irrigated_land_not_declared",
                        ),
                    };
                    let outcome = |message: Message| RuleOutcome {
                        rule: "land_at_most".into(),
                        message: message.with("limit", hectares(ares)),
                    };
                    match held {
                        Some(held) if held > ares => failed
                            .push(outcome(Message::new(over_key).with("held", hectares(held)))),
                        Some(_) => {}
                        None => doubtful.push(outcome(Message::new(undeclared_key))),
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

/// Ares as hectares for people to read: 100 -> "1", 150 -> "1.5", 125 -> "1.25".
fn hectares(ares: u32) -> String {
    let whole = format_indian_number(u64::from(ares / 100));
    match ares % 100 {
        0 => whole,
        part if part % 10 == 0 => format!("{whole}.{}", part / 10),
        part => format!("{whole}.{part:02}"),
    }
}

/// The youngest and oldest the person can be on `on`: the same age when the date of birth is
/// known, a range up to a year wide when Samagra holds only the year (or year and month). A
/// worker whose possible ages straddle a limit is given the benefit of the doubt and flagged,
/// never refused on an estimate.
fn possible_ages(birth: &BirthDate, on: time::Date) -> (i32, i32) {
    if !birth.is_estimated() {
        let age = birth.age_on(on);
        return (age, age);
    }
    let earliest_month = birth.month.unwrap_or(1);
    let latest_month = birth.month.unwrap_or(12);
    let latest_day = time::Month::try_from(latest_month)
        .map(|m| m.length(birth.year))
        .unwrap_or(31);
    let earliest = BirthDate {
        year: birth.year,
        month: Some(earliest_month),
        day: Some(1),
    };
    let latest = BirthDate {
        year: birth.year,
        month: Some(latest_month),
        day: Some(latest_day),
    };
    (latest.age_on(on), earliest.age_on(on))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::messages::Lang;
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

    fn keys(outcomes: &[RuleOutcome]) -> Vec<&str> {
        outcomes.iter().map(|o| o.message.key.as_str()).collect()
    }

    fn rule_set(rules: &str) -> Result<RuleSet, RulesError> {
        RuleSet::from_json(&format!(
            r#"{{"id":"x","version":1,"name_hi":"क","name_en":"x","rules":[{rules}]}}"#
        ))
    }

    #[test]
    fn seventeen_and_sixty_one_year_olds_fail_the_mp_age_rule() {
        let rules = RuleSet::mp_2018();
        let young = rules.evaluate(&born(2001), &landless(), DAY);
        assert!(!young.eligible);
        assert_eq!(failed_rules(&young), ["age_range"]);
        assert_eq!(
            young.failed[0].message.text(Lang::En),
            "Age 17 is below the minimum age of 18 years for this scheme."
        );
        let old = rules.evaluate(&born(1957), &landless(), DAY);
        assert_eq!(failed_rules(&old), ["age_range"]);
        assert_eq!(keys(&old.failed), ["eligibility.age_above_max"]);
        assert!(old.failed[0].message.text(Lang::Hi).contains("61"));
        assert!(rules.evaluate(&born(2000), &landless(), DAY).eligible);
        assert!(rules.evaluate(&born(1958), &landless(), DAY).eligible);
    }

    #[test]
    fn a_sixty_year_old_income_tax_paying_government_servant_fails_both_flag_rules() {
        let facts = ApplicantFacts {
            government_servant: true,
            income_tax_payer: true,
            ..landless()
        };
        let e = RuleSet::mp_2018().evaluate(&born(1958), &facts, DAY);
        assert!(!e.eligible);
        assert_eq!(failed_rules(&e), ["government_servant", "income_tax_payer"]);
        assert_eq!(
            keys(&e.failed),
            [
                "eligibility.government_servant",
                "eligibility.income_tax_payer"
            ]
        );
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
        assert_eq!(
            e.failed[3].message.text(Lang::En),
            "The worker holds 2.5 ha of irrigated land, more than this scheme's limit of 1 ha."
        );
    }

    #[test]
    fn eshram_accepts_sixteen_and_refuses_sixty() {
        let rules = RuleSet::eshram();
        assert!(rules.evaluate(&born(2002), &landless(), DAY).eligible);
        let sixty = rules.evaluate(&born(1958), &landless(), DAY);
        assert_eq!(keys(&sixty.failed), ["eligibility.age_above_max"]);
        let member = ApplicantFacts {
            epfo_esic_member: true,
            income_tax_payer: true,
            ..landless()
        };
        assert_eq!(
            failed_rules(&rules.evaluate(&born(1990), &member, DAY)),
            ["epfo_esic_member", "income_tax_payer"]
        );
        let government_servant = ApplicantFacts {
            government_servant: true,
            ..Default::default()
        };
        let e = rules.evaluate(&born(1990), &government_servant, DAY);
        assert!(e.eligible && e.doubtful.is_empty(), "{e:?}");
    }

    #[test]
    fn an_estimated_birth_year_that_may_be_either_side_of_a_limit_is_doubtful_not_failed() {
        let rules = RuleSet::mp_2018();
        let estimated = |year| rules.evaluate(&BirthDate::year_only(year), &landless(), DAY);
        // On 15 April 2018 someone born in 2000 is 17 or 18, someone born in 1957 is 60 or 61.
        for year in [2000, 1957] {
            let e = estimated(year);
            assert!(e.eligible, "{year}");
            assert_eq!(
                keys(&e.doubtful),
                ["eligibility.age_estimated_near_limit"],
                "{year}"
            );
        }
        // Born in 1999 means at least 18; born in 1958 at most 60: no doubt either way.
        for year in [1999, 1958] {
            let e = estimated(year);
            assert!(e.eligible && e.doubtful.is_empty(), "{year}");
        }
        // Born in 2001 means at most 17; born in 1956 at least 61: refused even on an estimate.
        assert_eq!(keys(&estimated(2001).failed), ["eligibility.age_below_min"]);
        assert_eq!(keys(&estimated(1956).failed), ["eligibility.age_above_max"]);
    }

    #[test]
    fn a_known_birth_month_narrows_the_doubt() {
        let rules = RuleSet::mp_2018();
        let month = |year, month| BirthDate {
            year,
            month: Some(month),
            day: None,
        };
        let e = rules.evaluate(&month(2000, 3), &landless(), DAY);
        assert!(
            e.eligible && e.doubtful.is_empty(),
            "born March 2000: 18 on 15 April"
        );
        let e = rules.evaluate(&month(2000, 4), &landless(), DAY);
        assert_eq!(keys(&e.doubtful), ["eligibility.age_estimated_near_limit"]);
        let e = rules.evaluate(&month(2000, 5), &landless(), DAY);
        assert_eq!(keys(&e.failed), ["eligibility.age_below_min"]);
    }

    #[test]
    fn undeclared_land_is_doubtful_and_the_land_kind_is_data() {
        let e = RuleSet::mp_2018().evaluate(&born(1980), &ApplicantFacts::default(), DAY);
        assert!(e.eligible);
        assert_eq!(
            keys(&e.doubtful),
            ["eligibility.irrigated_land_not_declared"]
        );
        let all_land = rule_set(r#"{"kind":"land_at_most","ares":100,"land":"all"}"#).unwrap();
        let facts = ApplicantFacts {
            land_ares: Some(150),
            irrigated_land_ares: Some(50),
            ..Default::default()
        };
        assert_eq!(
            keys(&all_land.evaluate(&born(1980), &facts, DAY).failed),
            ["eligibility.land_above_limit"]
        );
        assert!(
            RuleSet::mp_2018()
                .evaluate(&born(1980), &facts, DAY)
                .eligible
        );
        assert_eq!(
            keys(
                &all_land
                    .evaluate(&born(1980), &ApplicantFacts::default(), DAY)
                    .doubtful
            ),
            ["eligibility.land_not_declared"]
        );
    }

    #[test]
    fn a_small_total_holding_settles_the_irrigated_land_rule() {
        let small = ApplicantFacts {
            land_ares: Some(80),
            ..Default::default()
        };
        let e = RuleSet::mp_2018().evaluate(&born(1980), &small, DAY);
        assert!(e.eligible && e.doubtful.is_empty(), "{e:?}");
        let large = ApplicantFacts {
            land_ares: Some(300),
            ..Default::default()
        };
        let e = RuleSet::mp_2018().evaluate(&born(1980), &large, DAY);
        assert!(e.eligible);
        assert_eq!(
            keys(&e.doubtful),
            ["eligibility.irrigated_land_not_declared"]
        );
    }

    #[test]
    fn land_is_shown_in_hectares() {
        assert_eq!(hectares(0), "0");
        assert_eq!(hectares(100), "1");
        assert_eq!(hectares(150), "1.5");
        assert_eq!(hectares(125), "1.25");
        assert_eq!(hectares(105), "1.05");
        assert_eq!(hectares(12_345_600), "1,23,456");
    }

    #[test]
    fn every_outcome_reads_whole_in_both_languages() {
        let facts = ApplicantFacts {
            government_servant: true,
            income_tax_payer: true,
            epfo_esic_member: true,
            land_ares: Some(900),
            irrigated_land_ares: Some(900),
        };
        let all_rules = rule_set(
            r#"{"kind":"age_range","min":18,"max":60},
               {"kind":"not","flag":"government_servant"},
               {"kind":"not","flag":"income_tax_payer"},
               {"kind":"not","flag":"epfo_esic_member"},
               {"kind":"land_at_most","ares":100,"land":"all"},
               {"kind":"land_at_most","ares":100,"land":"irrigated"}"#,
        )
        .unwrap();
        let mut outcomes = Vec::new();
        for (birth, facts) in [
            (born(2005), facts.clone()),
            (born(1940), facts),
            (BirthDate::year_only(2000), ApplicantFacts::default()),
        ] {
            let e = all_rules.evaluate(&birth, &facts, DAY);
            outcomes.extend(e.failed);
            outcomes.extend(e.doubtful);
        }
        let mut seen: Vec<&str> = keys(&outcomes);
        seen.sort();
        seen.dedup();
        assert_eq!(seen.len(), 10, "{seen:?}");
        for o in &outcomes {
            assert!(o.message.is_known(), "{}", o.message.key);
            for lang in [Lang::Hi, Lang::En] {
                let text = o.message.text(lang);
                assert!(!text.contains('{'), "{lang:?} {}: {text}", o.message.key);
            }
        }
    }

    #[test]
    fn malformed_rule_sets_are_refused_with_the_reason() {
        assert_eq!(
            rule_set(r#"{"kind":"age_range","min":60,"max":18}"#),
            Err(RulesError::BadAgeRange {
                id: "x".into(),
                min: 60,
                max: 18
            })
        );
        assert_eq!(
            rule_set(r#"{"kind":"caste_is","value":"sc"}"#),
            Err(RulesError::UnknownKind {
                id: "x".into(),
                kind: "caste_is".into()
            })
        );
        let Err(RulesError::Malformed(reason)) = rule_set(r#"{"kind":"not","flag":"pensioner"}"#)
        else {
            panic!("an unknown flag must be refused");
        };
        assert!(reason.contains("pensioner"), "{reason}");
        assert!(matches!(
            RuleSet::from_json(r#"{"id":" ","version":1,"name_hi":"क","name_en":"x","rules":[]}"#),
            Err(RulesError::NoId)
        ));
        assert!(matches!(
            RuleSet::from_json("not json"),
            Err(RulesError::Malformed(_))
        ));
    }

    #[test]
    fn builtin_rule_sets_are_found_by_id() {
        assert_eq!(RuleSet::builtin("eshram"), Some(RuleSet::eshram()));
        assert_eq!(RuleSet::builtin("mp-2018").unwrap().version, 1);
        assert!(RuleSet::builtin("nope").is_none());
        assert_eq!(
            RuleSet::find("eshram", RuleSet::eshram().version).unwrap(),
            RuleSet::eshram()
        );
        assert_eq!(
            RuleSet::find("mp-2018", 99).unwrap_err().to_string(),
            "rule set mp-2018 version 99 is unknown to this version of the app"
        );
        assert!(matches!(
            RuleSet::find("nope", 1),
            Err(RulesError::Unknown { .. })
        ));
    }
}
