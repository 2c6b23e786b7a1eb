//! Whether a pack's contents agree with its manifest and with themselves: counts, canonical
//! order, no duplicates, every family in the pack's unit, every member's family present.

use super::{PackBody, PackContents, PackDelta, PackManifest};
use crate::validate::LgdCode;
use std::cmp::Ordering;

/// How a pack's contents disagree with its manifest or with themselves. Names the rule that
/// failed, never the record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Inconsistency {
    #[error("the manifest counts {stated} families but the body holds {found}")]
    FamilyCount { stated: u64, found: u64 },
    #[error("the manifest counts {stated} members but the body holds {found}")]
    MemberCount { stated: u64, found: u64 },
    #[error("a member's family is not in the pack")]
    MemberWithoutFamily,
    #[error("a family belongs to another village or ward than the pack")]
    FamilyOfAnotherUnit,
    #[error("a family ID appears more than once")]
    DuplicateFamily,
    #[error("a member ID appears more than once")]
    DuplicateMember,
    #[error("a member has more than one registered entry")]
    DuplicateRegistered,
    #[error("records are not in canonical order (ascending ID)")]
    NotInCanonicalOrder,
    #[error("a delta both changes and removes the same record")]
    UpsertedAndRemoved,
    #[error("the manifest and the body disagree on whether this is a full pack or a delta")]
    BodyKindMismatch,
    #[error("a delta's base version {base} is not older than its version {version}")]
    BaseNotOlder { base: u64, version: u64 },
}

/// The manifest's counts for a body: records it holds (for a delta, changed plus removed).
pub(crate) fn counts(body: &PackBody) -> (u64, u64) {
    match body {
        PackBody::Full(c) => (c.families.len() as u64, c.members.len() as u64),
        PackBody::Delta(d) => (
            (d.upsert_families.len() + d.removed_families.len()) as u64,
            (d.upsert_members.len() + d.removed_members.len()) as u64,
        ),
    }
}

pub(crate) fn check(manifest: &PackManifest, body: &PackBody) -> Result<(), Inconsistency> {
    match (body, manifest.base_version) {
        (PackBody::Full(_), None) => {}
        (PackBody::Delta(_), Some(base)) if base < manifest.version => {}
        (PackBody::Delta(_), Some(base)) => {
            return Err(Inconsistency::BaseNotOlder {
                base,
                version: manifest.version,
            });
        }
        _ => return Err(Inconsistency::BodyKindMismatch),
    }
    let (families, members) = counts(body);
    if families != manifest.family_count {
        return Err(Inconsistency::FamilyCount {
            stated: manifest.family_count,
            found: families,
        });
    }
    if members != manifest.member_count {
        return Err(Inconsistency::MemberCount {
            stated: manifest.member_count,
            found: members,
        });
    }
    match body {
        PackBody::Full(c) => contents(&manifest.unit_code, c),
        PackBody::Delta(d) => delta(&manifest.unit_code, d),
    }
}

/// The rules a whole unit's contents follow, in a full pack and on both sides of a delta.
pub(crate) fn contents(unit: &LgdCode, c: &PackContents) -> Result<(), Inconsistency> {
    ascending(
        &c.families,
        |f| &f.family_id,
        Inconsistency::DuplicateFamily,
    )?;
    ascending(&c.members, |m| &m.member_id, Inconsistency::DuplicateMember)?;
    ascending(
        &c.registered,
        |r| &r.member_id,
        Inconsistency::DuplicateRegistered,
    )?;
    if c.families.iter().any(|f| f.unit_code != *unit) {
        return Err(Inconsistency::FamilyOfAnotherUnit);
    }
    let family_present = |m: &crate::samagra::Member| {
        c.families
            .binary_search_by(|f| f.family_id.cmp(&m.family_id))
            .is_ok()
    };
    if !c.members.iter().all(family_present) {
        return Err(Inconsistency::MemberWithoutFamily);
    }
    Ok(())
}

/// What can be checked of a delta without its base: a member's family may live in the base,
/// so that rule waits for the applied result.
fn delta(unit: &LgdCode, d: &PackDelta) -> Result<(), Inconsistency> {
    use Inconsistency::{DuplicateFamily, DuplicateMember, DuplicateRegistered};
    ascending(&d.upsert_families, |f| &f.family_id, DuplicateFamily)?;
    ascending(&d.removed_families, |id| id, DuplicateFamily)?;
    ascending(&d.upsert_members, |m| &m.member_id, DuplicateMember)?;
    ascending(&d.removed_members, |id| id, DuplicateMember)?;
    ascending(&d.upsert_registered, |r| &r.member_id, DuplicateRegistered)?;
    ascending(&d.removed_registered, |id| id, DuplicateRegistered)?;
    if d.upsert_families.iter().any(|f| f.unit_code != *unit) {
        return Err(Inconsistency::FamilyOfAnotherUnit);
    }
    let upserted_and_removed = overlap(&d.upsert_families, |f| &f.family_id, &d.removed_families)
        || overlap(&d.upsert_members, |m| &m.member_id, &d.removed_members)
        || overlap(
            &d.upsert_registered,
            |r| &r.member_id,
            &d.removed_registered,
        );
    if upserted_and_removed {
        return Err(Inconsistency::UpsertedAndRemoved);
    }
    Ok(())
}

/// Records strictly ascending by key: the canonical order, which also rules out duplicates.
fn ascending<T, K: Ord>(
    records: &[T],
    key: impl Fn(&T) -> &K,
    duplicate: Inconsistency,
) -> Result<(), Inconsistency> {
    for pair in records.windows(2) {
        match key(&pair[0]).cmp(key(&pair[1])) {
            Ordering::Less => {}
            Ordering::Equal => return Err(duplicate),
            Ordering::Greater => return Err(Inconsistency::NotInCanonicalOrder),
        }
    }
    Ok(())
}

fn overlap<T, K: Ord>(upserted: &[T], key: impl Fn(&T) -> &K, removed: &[K]) -> bool {
    upserted
        .iter()
        .any(|record| removed.binary_search(key(record)).is_ok())
}
