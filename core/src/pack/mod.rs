//! Camp packs: one village's or ward's Samagra records, versioned, compressed and signed by
//! the server (Ed25519), verified on the device before anything touches the store.
//!
//! # File layout (format 1)
//!
//! ```text
//! offset      bytes  field
//! 0           8      magic: ASCII "PANJPACK"
//! 8           2      format version, u16 little-endian (1)
//! 10          4      manifest length M, u32 little-endian (at most 64 KiB)
//! 14          M      manifest: UTF-8 JSON of `PackManifest`
//! 14+M        64     Ed25519 signature over exactly those M manifest bytes
//! 78+M        B      body: one zstd frame, B = manifest.body_bytes
//! ```
//!
//! The whole file is 78 + M + B bytes. The manifest states the body's compressed size, its
//! size once decompressed and the SHA-256 of the compressed bytes, so the signature over the
//! manifest covers the body too. The manifest comes first so that `read_manifest` can show
//! size and counts from the head of a download; nothing in it is trusted before `verify`.
//!
//! The body, once decompressed, is the columnar encoding described in `codec.rs`.
//!
//! # Canonical order
//!
//! Families sorted by family ID, members and registered entries by member ID, no ID twice.
//! `build_full` and `build_delta` sort what they are given, `verify` refuses anything else and
//! `apply_delta` returns it, so that a unit's contents compare equal however they were reached.
//!
//! # Deltas
//!
//! A delta pack carries `base_version = Some(v)`: it turns version `v` of the unit into
//! `version`. Its `family_count` and `member_count` count the delta's own records (upserted
//! plus removed), not the unit's totals.

mod check;
pub(crate) mod codec;
mod columns;
mod delta;
mod envelope;

pub use check::Inconsistency;
pub use envelope::{FORMAT, HEADER_BYTES, MAX_MANIFEST_BYTES};

use crate::location::Level;
use crate::registration::RegistrationState;
use crate::samagra::{Family, Member};
use crate::validate::{LgdCode, SamagraFamilyId, SamagraMemberId};
use serde::{Deserialize, Serialize};

/// What a pack says about itself. Readable (unverified) before download completes, so a UI can
/// show size and counts; trusted only after `verify`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PackManifest {
    /// Pack format version.
    pub format: u32,
    pub unit_code: LgdCode,
    pub unit_level: Level,
    pub unit_name_hi: String,
    pub unit_name_en: String,
    /// Version of this unit's data; a full pack carries it whole.
    pub version: u64,
    /// For a delta pack: the version it applies to.
    pub base_version: Option<u64>,
    pub family_count: u64,
    pub member_count: u64,
    /// Bytes of the compressed body.
    pub body_bytes: u64,
    /// Bytes of the body once decompressed (a ceiling against decompression bombs).
    pub body_uncompressed_bytes: u64,
    /// Hex SHA-256 of the compressed body.
    pub body_sha256: String,
    pub signing_key_id: String,
    pub rules_id: String,
    pub rules_version: u32,
    pub occupations_version: u32,
    /// RFC 3339.
    pub built_at: String,
    /// The rule set itself when it is not one the app has built in (a campaign's own, loaded
    /// by its admin); absent for the built-in ones, so their manifests are as before.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rules: Option<crate::eligibility::RuleSet>,
}

/// A member the server already holds a registration for, so that the camp can see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegisteredMember {
    pub member_id: SamagraMemberId,
    pub state: RegistrationState,
    pub registration_number: Option<String>,
}

/// Everything in a full pack: the unit's families, members and who is already registered.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PackContents {
    pub families: Vec<Family>,
    pub members: Vec<Member>,
    pub registered: Vec<RegisteredMember>,
}

/// The change from one version of a unit to a later one.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PackDelta {
    pub upsert_families: Vec<Family>,
    pub upsert_members: Vec<Member>,
    pub removed_families: Vec<SamagraFamilyId>,
    pub removed_members: Vec<SamagraMemberId>,
    /// Registered-member entries added or changed.
    pub upsert_registered: Vec<RegisteredMember>,
    /// Members no longer registered (e.g. a rejected registration withdrawn).
    pub removed_registered: Vec<SamagraMemberId>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PackBody {
    Full(PackContents),
    Delta(PackDelta),
}

/// A pack whose signature, hash and contents have all been checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedPack {
    pub manifest: PackManifest,
    pub body: PackBody,
}

use crate::keys::{PublicKey, SigningKey};

/// Why a pack was refused. Says what is wrong without any personal data.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PackError {
    #[error("not a camp pack: the file does not start with the camp pack marker")]
    NotAPack,
    #[error("camp pack format {found} is not supported; this app reads format {supported}")]
    UnsupportedFormat { found: u32, supported: u32 },
    #[error("the camp pack is incomplete: {expected} bytes expected, {present} present")]
    Truncated { expected: u64, present: u64 },
    #[error("the camp pack manifest claims {bytes} bytes, more than the {limit} allowed")]
    ManifestTooLarge { bytes: u64, limit: u64 },
    #[error("the camp pack manifest cannot be read (line {line}, column {column})")]
    ManifestUnreadable { line: usize, column: usize },
    #[error("the camp pack manifest says format {manifest} but its header says {header}")]
    FormatMismatch { header: u32, manifest: u32 },
    #[error("the camp pack is signed by key {key_id}, which this device does not trust")]
    UnknownSigningKey { key_id: String },
    #[error("the camp pack signature does not match its manifest")]
    BadSignature,
    #[error("the camp pack body is {present} bytes but its manifest says {stated}")]
    BodySizeMismatch { stated: u64, present: u64 },
    #[error("the camp pack body does not match the SHA-256 in its manifest")]
    BodyHashMismatch,
    #[error("the camp pack body decompresses to more than the {stated} bytes its manifest states")]
    BodyTooLarge { stated: u64 },
    #[error("the camp pack body cannot be decoded: {reason}")]
    BodyUndecodable { reason: &'static str },
    #[error("the camp pack contents are inconsistent: {0}")]
    Inconsistent(#[from] Inconsistency),
    #[error("the camp pack body could not be compressed")]
    Compression,
}

/// What the server says about the pack it builds (everything in the manifest that is not
/// derived from the contents).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackInfo {
    pub unit_code: LgdCode,
    pub unit_level: Level,
    pub unit_name_hi: String,
    pub unit_name_en: String,
    pub version: u64,
    pub rules_id: String,
    pub rules_version: u32,
    pub occupations_version: u32,
    /// The rule set, when the app does not have it built in (see `PackManifest::rules`).
    pub rules: Option<crate::eligibility::RuleSet>,
}

impl PackContents {
    /// The same contents in canonical order (see the module docs). Sorting is stable, so
    /// duplicate IDs stay side by side for the checks to find.
    pub fn into_canonical(mut self) -> Self {
        self.families.sort_by(|a, b| a.family_id.cmp(&b.family_id));
        self.members.sort_by(|a, b| a.member_id.cmp(&b.member_id));
        self.registered
            .sort_by(|a, b| a.member_id.cmp(&b.member_id));
        self
    }
}

/// Builds and signs a full pack.
pub fn build_full(
    info: &PackInfo,
    contents: &PackContents,
    key: &SigningKey,
) -> Result<Vec<u8>, PackError> {
    let body = PackBody::Full(contents.clone().into_canonical());
    seal(info, None, &body, key)
}

/// Builds and signs a delta from `base` (at `base_version`) to `current` (at `info.version`).
pub fn build_delta(
    info: &PackInfo,
    base_version: u64,
    base: &PackContents,
    current: &PackContents,
    key: &SigningKey,
) -> Result<Vec<u8>, PackError> {
    let base = base.clone().into_canonical();
    let current = current.clone().into_canonical();
    // Both sides must be packs a device could hold, or the delta would not lead from one
    // to the other.
    check::contents(&info.unit_code, &base)?;
    check::contents(&info.unit_code, &current)?;
    let body = PackBody::Delta(delta::diff(&base, &current));
    seal(info, Some(base_version), &body, key)
}

/// Applies a delta to the contents it was made from. The result is in canonical order.
pub fn apply_delta(base: &PackContents, delta: &PackDelta) -> PackContents {
    delta::apply(base, delta)
}

/// Reads the manifest without trusting it (for showing size and counts). Needs only the
/// head of the file up to the manifest's end; with less, says how many bytes it needs.
pub fn read_manifest(bytes: &[u8]) -> Result<PackManifest, PackError> {
    envelope::parse_manifest(envelope::locate(bytes)?.manifest)
}

/// Checks format, signature (by one of `trusted`), hash, size and contents, then decodes.
pub fn verify(bytes: &[u8], trusted: &[PublicKey]) -> Result<VerifiedPack, PackError> {
    let parts = envelope::locate(bytes)?;
    let manifest = envelope::parse_manifest(parts.manifest)?;
    let key = trusted
        .iter()
        .find(|k| k.key_id == manifest.signing_key_id)
        .ok_or_else(|| PackError::UnknownSigningKey {
            // The id comes from an unverified manifest: bound what reaches a log.
            key_id: manifest.signing_key_id.chars().take(32).collect(),
        })?;
    let (signature, body) = envelope::split_signature_and_body(bytes, &parts, &manifest)?;
    key.verify(parts.manifest, signature)
        .map_err(|_| PackError::BadSignature)?;
    if envelope::sha256_hex(body) != manifest.body_sha256 {
        return Err(PackError::BodyHashMismatch);
    }
    let raw = envelope::decompress(body, manifest.body_uncompressed_bytes)?;
    let body = codec::decode(&raw).map_err(|e| PackError::BodyUndecodable { reason: e.0 })?;
    check::check(&manifest, &body)?;
    Ok(VerifiedPack { manifest, body })
}

/// The same pack signed with `key`: the manifest names `key` and is signed again, the body
/// untouched (a pack already signed with `key` comes back as it was). The pack must verify
/// against `trusted` first, so that only what this server signed is ever signed again. Ed25519
/// is deterministic: every server re-signing the same pack writes the same bytes.
pub fn resign(bytes: &[u8], trusted: &[PublicKey], key: &SigningKey) -> Result<Vec<u8>, PackError> {
    let verified = verify(bytes, trusted)?;
    if verified.manifest.signing_key_id == key.key_id() {
        return Ok(bytes.to_vec());
    }
    let parts = envelope::locate(bytes)?;
    let (_, body) = envelope::split_signature_and_body(bytes, &parts, &verified.manifest)?;
    let manifest = PackManifest {
        signing_key_id: key.key_id().to_owned(),
        ..verified.manifest
    };
    envelope::seal(&manifest, body, key)
}

fn seal(
    info: &PackInfo,
    base_version: Option<u64>,
    body: &PackBody,
    key: &SigningKey,
) -> Result<Vec<u8>, PackError> {
    let raw = codec::encode(body);
    let compressed = envelope::compress(&raw)?;
    let manifest = manifest_for(info, base_version, body, &raw, &compressed, key);
    // The same rules as `verify`: the server never signs a pack its devices would refuse.
    check::check(&manifest, body)?;
    envelope::seal(&manifest, &compressed, key)
}

fn manifest_for(
    info: &PackInfo,
    base_version: Option<u64>,
    body: &PackBody,
    raw: &[u8],
    compressed: &[u8],
    key: &SigningKey,
) -> PackManifest {
    let (family_count, member_count) = check::counts(body);
    PackManifest {
        format: FORMAT,
        unit_code: info.unit_code.clone(),
        unit_level: info.unit_level,
        unit_name_hi: info.unit_name_hi.clone(),
        unit_name_en: info.unit_name_en.clone(),
        version: info.version,
        base_version,
        family_count,
        member_count,
        body_bytes: compressed.len() as u64,
        body_uncompressed_bytes: raw.len() as u64,
        body_sha256: envelope::sha256_hex(compressed),
        signing_key_id: key.key_id().to_owned(),
        rules_id: info.rules_id.clone(),
        rules_version: info.rules_version,
        occupations_version: info.occupations_version,
        built_at: built_at(),
        rules: info.rules.clone(),
    }
}

fn built_at() -> String {
    let now = crate::india_time::now_utc();
    let now = now.replace_nanosecond(0).unwrap_or(now);
    // Formatting as RFC 3339 fails only for years beyond 9999.
    now.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

#[cfg(test)]
mod tests;
