//! Building camp packs on the server: when a unit's Samagra data changes, a new version is
//! built, signed and stored, immutable. Deltas are built from a stored version on request.

use crate::app::App;
use crate::storage::{StorageError, now_ms};
use panjiyan_core::occupation::OccupationList;
use panjiyan_core::pack::{self, PackBody, PackInfo};

#[derive(Debug, thiserror::Error)]
pub enum PackBuildError {
    #[error(transparent)]
    Storage(#[from] StorageError),
    #[error("unit {0} is not a village or ward in the hierarchy")]
    NotAUnit(String),
    #[error("the pack could not be built: {0}")]
    Pack(#[from] pack::PackError),
}

async fn info(app: &App, unit: &str, version: i64) -> Result<PackInfo, PackBuildError> {
    let place = app
        .db
        .place(unit)
        .await?
        .ok_or_else(|| PackBuildError::NotAUnit(unit.to_owned()))?;
    if !place.level.is_camp_unit() {
        return Err(PackBuildError::NotAUnit(unit.to_owned()));
    }
    let rules = &app.settings.rules;
    Ok(PackInfo {
        unit_code: place.code,
        unit_level: place.level,
        unit_name_hi: place.name_hi,
        unit_name_en: place.name_en,
        version: version as u64,
        rules_id: rules.id.clone(),
        // A rule set the phone does not have built in travels, signed, in the manifest.
        rules: panjiyan_core::eligibility::RuleSet::builtin(&rules.id)
            .is_none()
            .then(|| rules.clone()),
        rules_version: rules.version,
        occupations_version: OccupationList::builtin().version,
    })
}

/// Builds and stores the pack of the unit's current data version, if not built yet.
pub async fn ensure_current(app: &App, unit: &str) -> Result<Option<i64>, PackBuildError> {
    let Some(version) = app.db.unit_data_version(unit).await? else {
        return Ok(None);
    };
    if app.db.pack(unit, Some(version)).await?.is_some() {
        return Ok(Some(version));
    }
    let contents = app.db.unit_contents(unit).await?;
    let bytes = pack::build_full(&info(app, unit, version).await?, &contents, &app.pack_key)?;
    app.db
        .store_pack(
            unit,
            version,
            &bytes,
            &sha256(&bytes),
            app.pack_key.key_id(),
            now_ms(),
        )
        .await?;
    Ok(Some(version))
}

fn sha256(bytes: &[u8]) -> String {
    panjiyan_core::keys::to_hex(ring::digest::digest(&ring::digest::SHA256, bytes).as_ref())
}

/// What a pass of `resign_current` did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Resigned {
    /// Packs now signed with the current key that were signed with a previous one.
    pub resigned: usize,
    /// Packs found already signed with the current key (stored before their signer was kept).
    pub already: usize,
    /// Packs signed by no key this server trusts: logged by unit, left as they are.
    pub untrusted: usize,
}

/// After a pack-key rotation, signs every unit's current pack again with the current key (the
/// manifest only: the same contents, version and body), so that a phone enrolled after the
/// rotation, which trusts only the new key, can download every village, and a phone that
/// pinned the previous key follows the endorsement at its next download. `serve` runs it
/// before it listens when a previous key is given, and the background loop after, for packs
/// another server built meanwhile with the previous key.
pub async fn resign_current(app: &App) -> Result<Resigned, PackBuildError> {
    let trusted = app.trusted_pack_keys();
    let current = app.pack_key.key_id();
    let mut done = Resigned::default();
    let mut after = String::new();
    loop {
        let batch = app.db.packs_signed_otherwise(current, &after, 20).await?;
        let Some(last) = batch.last() else {
            return Ok(done);
        };
        after = last.unit_code.clone();
        for row in &batch {
            let bytes = match pack::resign(&row.bytes, &trusted, &app.pack_key) {
                Ok(bytes) => bytes,
                Err(e) => {
                    tracing::error!(unit = %row.unit_code, version = row.version, error = %e,
                        "a stored pack is signed by no key this server trusts; it is left as it is");
                    done.untrusted += 1;
                    continue;
                }
            };
            if bytes == row.bytes {
                done.already += 1;
            } else {
                done.resigned += 1;
            }
            app.db
                .replace_pack_signature(row, &bytes, &sha256(&bytes), current)
                .await?;
        }
    }
}

/// Builds the packs of up to `limit` units whose current data has none yet; how many it built.
/// The background loop calls it, so no request waits for a build (a second server building
/// the same pack at the same time stores nothing twice).
pub async fn build_missing(app: &App, limit: i64) -> Result<usize, PackBuildError> {
    let units = app.db.units_without_current_pack(limit).await?;
    for unit in &units {
        ensure_current(app, unit).await?;
    }
    Ok(units.len())
}

/// A delta from a stored version to the current one (None when that version is unknown),
/// built once and kept: every phone of the village asks for the same one.
pub async fn delta(app: &App, unit: &str, from: i64) -> Result<Option<Vec<u8>>, PackBuildError> {
    let Some(current) = ensure_current(app, unit).await? else {
        return Ok(None);
    };
    // A delta kept from before a rotation is built again: a phone enrolled since trusts only
    // the current key.
    if let Some(kept) = app.db.pack_delta(unit, from, current).await?
        && pack::read_manifest(&kept)?.signing_key_id == app.pack_key.key_id()
    {
        return Ok(Some(kept));
    }
    let Some(base) = app.db.pack(unit, Some(from)).await? else {
        return Ok(None);
    };
    let Some(now) = app.db.pack(unit, Some(current)).await? else {
        return Ok(None);
    };
    // Versions built before a rotation are signed with the previous key; once that key is no
    // longer trusted, a phone holding one of them takes the whole pack instead.
    let trusted = app.trusted_pack_keys();
    let base = match pack::verify(&base.bytes, &trusted) {
        Err(pack::PackError::UnknownSigningKey { .. }) => return Ok(None),
        verified => verified?.body,
    };
    let (PackBody::Full(base_contents), PackBody::Full(current_contents)) =
        (base, pack::verify(&now.bytes, &trusted)?.body)
    else {
        return Ok(None);
    };
    let bytes = pack::build_delta(
        &info(app, unit, current).await?,
        from as u64,
        &base_contents,
        &current_contents,
        &app.pack_key,
    )?;
    app.db
        .store_pack_delta(unit, from, current, &bytes, now_ms())
        .await?;
    Ok(Some(bytes))
}
