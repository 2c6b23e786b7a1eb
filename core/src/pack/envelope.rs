//! The signed envelope around a pack body: header, manifest, signature and the compressed
//! body, laid out as the module docs of `pack` describe, read with every length checked.

use super::{PackError, PackManifest};
use crate::keys::SigningKey;
use std::io::Read;

pub(crate) const MAGIC: [u8; 8] = *b"PANJPACK";
/// The format this code writes and reads.
pub const FORMAT: u32 = 1;
/// Magic, format version (u16) and manifest length (u32).
pub const HEADER_BYTES: usize = 14;
pub(crate) const SIGNATURE_BYTES: usize = 64;
/// A manifest is a few hundred bytes; anything near this limit is not one of ours, and the
/// limit keeps a hostile length from driving allocation.
pub const MAX_MANIFEST_BYTES: usize = 64 * 1024;
/// zstd's level 19 is the highest below the "ultra" levels, whose larger windows would cost a
/// phone memory for no gain on bodies of a few hundred kilobytes.
const COMPRESSION_LEVEL: i32 = 19;

/// The parts of a pack file, located but not yet trusted.
pub(crate) struct Parts<'a> {
    pub manifest: &'a [u8],
    /// Everything after the manifest: signature, then body.
    pub rest: &'a [u8],
}

/// Locates the manifest; needs only the head of the file, up to the manifest's end.
pub(crate) fn locate(bytes: &[u8]) -> Result<Parts<'_>, PackError> {
    let known = bytes.len().min(MAGIC.len());
    if bytes[..known] != MAGIC[..known] {
        return Err(PackError::NotAPack);
    }
    if bytes.len() < HEADER_BYTES {
        return Err(truncated(HEADER_BYTES, bytes.len()));
    }
    let found = u32::from(u16::from_le_bytes([bytes[8], bytes[9]]));
    if found != FORMAT {
        return Err(PackError::UnsupportedFormat {
            found,
            supported: FORMAT,
        });
    }
    let manifest_len = u32::from_le_bytes([bytes[10], bytes[11], bytes[12], bytes[13]]) as usize;
    if manifest_len > MAX_MANIFEST_BYTES {
        return Err(PackError::ManifestTooLarge {
            bytes: manifest_len as u64,
            limit: MAX_MANIFEST_BYTES as u64,
        });
    }
    let manifest_end = HEADER_BYTES + manifest_len;
    if bytes.len() < manifest_end {
        return Err(truncated(manifest_end, bytes.len()));
    }
    Ok(Parts {
        manifest: &bytes[HEADER_BYTES..manifest_end],
        rest: &bytes[manifest_end..],
    })
}

pub(crate) fn parse_manifest(json: &[u8]) -> Result<PackManifest, PackError> {
    let manifest: PackManifest =
        serde_json::from_slice(json).map_err(|e| PackError::ManifestUnreadable {
            line: e.line(),
            column: e.column(),
        })?;
    if manifest.format != FORMAT {
        return Err(PackError::FormatMismatch {
            header: FORMAT,
            manifest: manifest.format,
        });
    }
    Ok(manifest)
}

/// Splits what follows the manifest into signature and body, checking the body's length
/// against the (already verified) manifest.
pub(crate) fn split_signature_and_body<'a>(
    bytes: &[u8],
    parts: &Parts<'a>,
    manifest: &PackManifest,
) -> Result<(&'a [u8], &'a [u8]), PackError> {
    let before_rest = bytes.len() - parts.rest.len();
    if parts.rest.len() < SIGNATURE_BYTES {
        return Err(truncated(before_rest + SIGNATURE_BYTES, bytes.len()));
    }
    let (signature, body) = parts.rest.split_at(SIGNATURE_BYTES);
    let stated = manifest.body_bytes;
    let present = body.len() as u64;
    if present < stated {
        return Err(PackError::Truncated {
            expected: (before_rest + SIGNATURE_BYTES) as u64 + stated,
            present: bytes.len() as u64,
        });
    }
    if present > stated {
        return Err(PackError::BodySizeMismatch { stated, present });
    }
    Ok((signature, body))
}

/// Lays out a pack: header, manifest JSON, signature over the manifest JSON, body.
pub(crate) fn seal(
    manifest: &PackManifest,
    body: &[u8],
    key: &SigningKey,
) -> Result<Vec<u8>, PackError> {
    let json = serde_json::to_vec(manifest).expect("a manifest (strings and numbers) serializes");
    if json.len() > MAX_MANIFEST_BYTES {
        return Err(PackError::ManifestTooLarge {
            bytes: json.len() as u64,
            limit: MAX_MANIFEST_BYTES as u64,
        });
    }
    let signature = key.sign(&json);
    let mut out = Vec::with_capacity(HEADER_BYTES + json.len() + SIGNATURE_BYTES + body.len());
    out.extend_from_slice(&MAGIC);
    out.extend_from_slice(&(FORMAT as u16).to_le_bytes());
    out.extend_from_slice(&(json.len() as u32).to_le_bytes());
    out.extend_from_slice(&json);
    out.extend_from_slice(&signature);
    out.extend_from_slice(body);
    Ok(out)
}

pub(crate) fn compress(raw: &[u8]) -> Result<Vec<u8>, PackError> {
    zstd::bulk::compress(raw, COMPRESSION_LEVEL).map_err(|_| PackError::Compression)
}

/// Decompresses at most `stated` bytes: a body that would grow past what its manifest says is
/// refused as soon as it does, so a hostile body cannot exhaust a phone's memory.
pub(crate) fn decompress(body: &[u8], stated: u64) -> Result<Vec<u8>, PackError> {
    let undecodable = |reason| PackError::BodyUndecodable { reason };
    let decoder =
        zstd::stream::read::Decoder::new(body).map_err(|_| undecodable("not a zstd stream"))?;
    // Reserve up front only what a large ward could need; beyond that the vector grows as
    // bytes actually arrive.
    let mut raw = Vec::with_capacity(stated.min(16 << 20) as usize);
    decoder
        .take(stated.saturating_add(1))
        .read_to_end(&mut raw)
        .map_err(|_| undecodable("the zstd stream is corrupt"))?;
    if raw.len() as u64 > stated {
        return Err(PackError::BodyTooLarge { stated });
    }
    if (raw.len() as u64) < stated {
        return Err(undecodable(
            "the body decompresses to fewer bytes than its manifest states",
        ));
    }
    Ok(raw)
}

pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    crate::keys::to_hex(ring::digest::digest(&ring::digest::SHA256, bytes).as_ref())
}

fn truncated(expected: usize, present: usize) -> PackError {
    PackError::Truncated {
        expected: expected as u64,
        present: present as u64,
    }
}
