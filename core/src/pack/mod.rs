//! Camp packs: one village's or ward's Samagra records, versioned, compressed and signed by
//! the server (Ed25519), verified on the device before anything touches the store.

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
    #[error("not a camp pack")]
    NotAPack,
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
}

/// Builds and signs a full pack.
pub fn build_full(
    info: &PackInfo,
    contents: &PackContents,
    key: &SigningKey,
) -> Result<Vec<u8>, PackError> {
    let _ = (info, contents, key);
    unimplemented!("pack helper")
}

/// Builds and signs a delta from `base` (at `base_version`) to `current` (at `info.version`).
pub fn build_delta(
    info: &PackInfo,
    base_version: u64,
    base: &PackContents,
    current: &PackContents,
    key: &SigningKey,
) -> Result<Vec<u8>, PackError> {
    let _ = (info, base_version, base, current, key);
    unimplemented!("pack helper")
}

/// Applies a delta to the contents it was made from.
pub fn apply_delta(base: &PackContents, delta: &PackDelta) -> PackContents {
    let _ = (base, delta);
    unimplemented!("pack helper")
}

/// Reads the manifest without trusting it (for showing size and counts).
pub fn read_manifest(bytes: &[u8]) -> Result<PackManifest, PackError> {
    let _ = bytes;
    unimplemented!("pack helper")
}

/// Checks format, signature (by one of `trusted`), hash, size and contents, then decodes.
pub fn verify(bytes: &[u8], trusted: &[PublicKey]) -> Result<VerifiedPack, PackError> {
    let _ = (bytes, trusted);
    unimplemented!("pack helper")
}
