//! The location hierarchy (LGD): state → district → block → gram panchayat → village, and
//! district → urban body → ward. It is data, versioned; nothing here knows real places.

use crate::validate::LgdCode;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    State,
    District,
    Block,
    GramPanchayat,
    Village,
    UrbanBody,
    Ward,
}

impl Level {
    /// The level a node of this level must hang under.
    pub fn parent_level(self) -> Option<Level> {
        match self {
            Level::State => None,
            Level::District => Some(Level::State),
            Level::Block => Some(Level::District),
            Level::GramPanchayat => Some(Level::Block),
            Level::Village => Some(Level::GramPanchayat),
            Level::UrbanBody => Some(Level::District),
            Level::Ward => Some(Level::UrbanBody),
        }
    }

    /// Villages and wards are the units a camp pack covers.
    pub fn is_camp_unit(self) -> bool {
        matches!(self, Level::Village | Level::Ward)
    }
}

/// One place in the hierarchy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Place {
    pub code: LgdCode,
    pub level: Level,
    pub name_hi: String,
    pub name_en: String,
    pub parent: Option<LgdCode>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HierarchyError {
    #[error("place {code} appears twice")]
    DuplicateCode { code: String },
    #[error("place {code} names parent {parent}, which is not in the hierarchy")]
    MissingParent { code: String, parent: String },
    #[error("place {code} is a {level:?} but its parent {parent} is a {parent_level:?}")]
    WrongParentLevel {
        code: String,
        level: Level,
        parent: String,
        parent_level: Level,
    },
    #[error("place {code} is a {level:?} and must have a parent")]
    NoParent { code: String, level: Level },
}

/// A versioned set of places, checked so that every parent exists at the right level.
#[derive(Debug, Clone, Default)]
pub struct Hierarchy {
    pub version: u32,
    places: Vec<Place>,
    by_code: HashMap<LgdCode, usize>,
}

impl Hierarchy {
    pub fn new(version: u32, places: Vec<Place>) -> Result<Self, HierarchyError> {
        let mut by_code = HashMap::with_capacity(places.len());
        for (i, p) in places.iter().enumerate() {
            if by_code.insert(p.code.clone(), i).is_some() {
                return Err(HierarchyError::DuplicateCode {
                    code: p.code.to_string(),
                });
            }
        }
        for p in &places {
            match (&p.parent, p.level.parent_level()) {
                (None, None) => {}
                (None, Some(_)) => {
                    return Err(HierarchyError::NoParent {
                        code: p.code.to_string(),
                        level: p.level,
                    });
                }
                (Some(parent), expected) => {
                    let Some(&pi) = by_code.get(parent) else {
                        return Err(HierarchyError::MissingParent {
                            code: p.code.to_string(),
                            parent: parent.to_string(),
                        });
                    };
                    let parent_level = places[pi].level;
                    if Some(parent_level) != expected {
                        return Err(HierarchyError::WrongParentLevel {
                            code: p.code.to_string(),
                            level: p.level,
                            parent: parent.to_string(),
                            parent_level,
                        });
                    }
                }
            }
        }
        Ok(Self {
            version,
            places,
            by_code,
        })
    }

    pub fn get(&self, code: &LgdCode) -> Option<&Place> {
        self.by_code.get(code).map(|&i| &self.places[i])
    }

    pub fn places(&self) -> &[Place] {
        &self.places
    }

    pub fn children<'a>(&'a self, code: &'a LgdCode) -> impl Iterator<Item = &'a Place> + 'a {
        self.places
            .iter()
            .filter(move |p| p.parent.as_ref() == Some(code))
    }

    /// The place and every place above it, nearest first.
    pub fn ancestors(&self, code: &LgdCode) -> Vec<&Place> {
        let mut out = Vec::new();
        let mut next = self.get(code);
        while let Some(p) = next {
            out.push(p);
            next = p.parent.as_ref().and_then(|c| self.get(c));
        }
        out
    }

    /// True when `code` is `area` or lies below it: the test of a jurisdiction.
    pub fn is_within(&self, code: &LgdCode, area: &LgdCode) -> bool {
        self.ancestors(code).iter().any(|p| &p.code == area)
    }

    /// Every village and ward at or below `area`.
    pub fn camp_units_within<'a>(
        &'a self,
        area: &'a LgdCode,
    ) -> impl Iterator<Item = &'a Place> + 'a {
        self.places
            .iter()
            .filter(move |p| p.level.is_camp_unit() && self.is_within(&p.code, area))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn place(code: &str, level: Level, parent: Option<&str>) -> Place {
        Place {
            code: LgdCode::parse(code).unwrap(),
            level,
            name_hi: String::new(),
            name_en: code.into(),
            parent: parent.map(|c| LgdCode::parse(c).unwrap()),
        }
    }

    #[test]
    fn a_ward_under_a_block_is_refused() {
        let err = Hierarchy::new(
            1,
            vec![
                place("23", Level::State, None),
                place("401", Level::District, Some("23")),
                place("4001", Level::Block, Some("401")),
                place("900001", Level::Ward, Some("4001")),
            ],
        )
        .unwrap_err();
        assert!(
            matches!(err, HierarchyError::WrongParentLevel { .. }),
            "{err}"
        );
    }

    #[test]
    fn villages_and_wards_are_found_within_a_district() {
        let h = Hierarchy::new(
            1,
            vec![
                place("23", Level::State, None),
                place("401", Level::District, Some("23")),
                place("4001", Level::Block, Some("401")),
                place("100001", Level::GramPanchayat, Some("4001")),
                place("500001", Level::Village, Some("100001")),
                place("800001", Level::UrbanBody, Some("401")),
                place("900001", Level::Ward, Some("800001")),
            ],
        )
        .unwrap();
        let district = LgdCode::parse("401").unwrap();
        let units: Vec<_> = h
            .camp_units_within(&district)
            .map(|p| p.code.as_str())
            .collect();
        assert_eq!(units, ["500001", "900001"]);
        let block = LgdCode::parse("4001").unwrap();
        assert!(!h.is_within(&LgdCode::parse("900001").unwrap(), &block));
    }
}
