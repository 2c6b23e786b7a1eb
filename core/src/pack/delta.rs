//! The difference between two versions of a unit's contents, and applying it: records keyed
//! by their Samagra ID, compared whole, results always in canonical order.

use super::{PackContents, PackDelta};
use std::collections::{BTreeMap, BTreeSet};

/// The change from `base` to `current`; both must be in canonical order.
pub(crate) fn diff(base: &PackContents, current: &PackContents) -> PackDelta {
    let (upsert_families, removed_families) =
        diff_records(&base.families, &current.families, |f| &f.family_id);
    let (upsert_members, removed_members) =
        diff_records(&base.members, &current.members, |m| &m.member_id);
    let (upsert_registered, removed_registered) =
        diff_records(&base.registered, &current.registered, |r| &r.member_id);
    PackDelta {
        upsert_families,
        upsert_members,
        removed_families,
        removed_members,
        upsert_registered,
        removed_registered,
    }
}

/// `base` with the delta's removals and upserts, in canonical order.
pub(crate) fn apply(base: &PackContents, delta: &PackDelta) -> PackContents {
    PackContents {
        families: apply_records(
            &base.families,
            &delta.upsert_families,
            &delta.removed_families,
            |f| &f.family_id,
        ),
        members: apply_records(
            &base.members,
            &delta.upsert_members,
            &delta.removed_members,
            |m| &m.member_id,
        ),
        registered: apply_records(
            &base.registered,
            &delta.upsert_registered,
            &delta.removed_registered,
            |r| &r.member_id,
        ),
    }
}

/// Records new or changed in `current`, and keys of records gone from it, both ascending.
fn diff_records<T: Clone + PartialEq, K: Ord + Clone>(
    base: &[T],
    current: &[T],
    key: impl Fn(&T) -> &K,
) -> (Vec<T>, Vec<K>) {
    let before: BTreeMap<&K, &T> = base.iter().map(|r| (key(r), r)).collect();
    let now: BTreeSet<&K> = current.iter().map(&key).collect();
    let upserted = current
        .iter()
        .filter(|r| before.get(key(r)) != Some(r))
        .cloned()
        .collect();
    let removed = before
        .keys()
        .filter(|k| !now.contains(*k))
        .map(|k| (*k).clone())
        .collect();
    (upserted, removed)
}

fn apply_records<T: Clone, K: Ord>(
    base: &[T],
    upserted: &[T],
    removed: &[K],
    key: impl Fn(&T) -> &K,
) -> Vec<T> {
    let mut records: BTreeMap<&K, &T> = base.iter().map(|r| (key(r), r)).collect();
    for k in removed {
        records.remove(k);
    }
    for r in upserted {
        records.insert(key(r), r);
    }
    records.into_values().cloned().collect()
}
