//! What the store seals for a member: one record in a small fixed binary layout, because a
//! look-up decodes it every time and JSON decoding was a third of a look-up's time (issue 17).
//!
//! ```text
//! format          u8: 1 (JSON, the layout before device schema 8, starts with `{`)
//! member id       9 ASCII digits
//! family id       8 ASCII digits
//! gender, relation, caste   u8 each, the camp pack's codes
//! birth year      i32, little-endian
//! birth known     u8: bit 0 the month is known, bit 1 the day
//! birth month, day          u8 each (0 when unknown)
//! name_hi, name_en, guardian_name_hi, guardian_name_en
//!                 each: byte length (u16, little-endian), UTF-8 bytes
//! ```

use super::{FieldCipher, StoreError};
use crate::pack::codec::{
    caste_code, caste_from, gender_code, gender_from, relation_code, relation_from,
};
use crate::samagra::{BirthDate, Member};
use crate::validate::{SamagraFamilyId, SamagraMemberId};

const FORMAT: u8 = 1;

/// The sealing context of a member's row: a sealed member moved to another row fails to open.
pub(super) fn context(member_id: &str) -> String {
    format!("members:{member_id}")
}

pub(super) fn seal(cipher: &FieldCipher, m: &Member) -> Vec<u8> {
    cipher.seal(&context(m.member_id.as_str()), &encode(m))
}

pub(super) fn open(
    cipher: &FieldCipher,
    member_id: &str,
    sealed: &[u8],
) -> Result<Member, StoreError> {
    decode(&cipher.open(&context(member_id), sealed)?).ok_or(StoreError::Corrupt)
}

fn encode(m: &Member) -> Vec<u8> {
    let texts = [
        &m.name_hi,
        &m.name_en,
        &m.guardian_name_hi,
        &m.guardian_name_en,
    ];
    let mut out = Vec::with_capacity(28 + texts.iter().map(|t| 2 + t.len()).sum::<usize>());
    out.push(FORMAT);
    out.extend_from_slice(m.member_id.as_str().as_bytes());
    out.extend_from_slice(m.family_id.as_str().as_bytes());
    out.extend_from_slice(&[
        gender_code(m.gender),
        relation_code(m.relation),
        caste_code(m.caste),
    ]);
    out.extend_from_slice(&m.birth.year.to_le_bytes());
    out.push(u8::from(m.birth.month.is_some()) | u8::from(m.birth.day.is_some()) << 1);
    out.push(m.birth.month.unwrap_or(0));
    out.push(m.birth.day.unwrap_or(0));
    for t in texts {
        // Samagra's names are a few dozen bytes; a longer one is cut at a character boundary
        // rather than made unreadable.
        let mut len = t.len().min(usize::from(u16::MAX));
        while !t.is_char_boundary(len) {
            len -= 1;
        }
        out.extend_from_slice(&(len as u16).to_le_bytes());
        out.extend_from_slice(&t.as_bytes()[..len]);
    }
    out
}

fn decode(bytes: &[u8]) -> Option<Member> {
    let mut r = bytes;
    let mut take = |n: usize| -> Option<&[u8]> {
        let (head, rest) = r.split_at_checked(n)?;
        r = rest;
        Some(head)
    };
    if take(1)? != [FORMAT] {
        return None;
    }
    let member_id = SamagraMemberId::parse(std::str::from_utf8(take(9)?).ok()?).ok()?;
    let family_id = SamagraFamilyId::parse(std::str::from_utf8(take(8)?).ok()?).ok()?;
    let codes = take(3)?;
    let year = i32::from_le_bytes(take(4)?.try_into().ok()?);
    let birth = take(3)?;
    if birth[0] > 0b11 {
        return None;
    }
    let month = (birth[0] & 1 != 0).then_some(birth[1]);
    let day = (birth[0] & 2 != 0).then_some(birth[2]);
    let mut text = || -> Option<String> {
        let len = u16::from_le_bytes(take(2)?.try_into().ok()?);
        String::from_utf8(take(usize::from(len))?.to_vec()).ok()
    };
    let (name_hi, name_en, guardian_name_hi, guardian_name_en) =
        (text()?, text()?, text()?, text()?);
    if !r.is_empty() {
        return None;
    }
    Some(Member {
        member_id,
        family_id,
        name_hi,
        name_en,
        guardian_name_hi,
        guardian_name_en,
        gender: gender_from(codes[0]).ok()?,
        birth: BirthDate { year, month, day },
        relation: relation_from(codes[1]).ok()?,
        caste: caste_from(codes[2]).ok()?,
    })
}

/// Device schema 8's data step: every member sealed as JSON is sealed again in this layout
/// (one already in it is left alone); anything else is `Corrupt` and the step rolls back.
pub(super) fn reseal_json_members(
    tx: &rusqlite::Transaction<'_>,
    cipher: &FieldCipher,
) -> Result<u64, StoreError> {
    let rows: Vec<(String, Vec<u8>)> = tx
        .prepare("SELECT member_id, sealed FROM members")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    let mut update = tx.prepare("UPDATE members SET sealed = ?2 WHERE member_id = ?1")?;
    let mut resealed = 0;
    for (id, sealed) in rows {
        let plain = cipher.open(&context(&id), &sealed)?;
        if plain.first() == Some(&FORMAT) && decode(&plain).is_some() {
            continue;
        }
        let member: Member = serde_json::from_slice(&plain).map_err(|_| StoreError::Corrupt)?;
        update.execute(rusqlite::params![id, seal(cipher, &member)])?;
        resealed += 1;
    }
    Ok(resealed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::generator::generate_unit;
    use crate::store::schema;
    use crate::validate::LgdCode;

    #[test]
    fn schema_8_seals_json_members_again_and_they_read_the_same() {
        let cipher = FieldCipher::new(&[2; 32]).unwrap();
        let contents = generate_unit(4, &LgdCode::parse("500001").unwrap(), 300);
        let mut c = rusqlite::Connection::open_in_memory().unwrap();
        for version in 0..7 {
            schema::upgrade_from(&mut c, version, &cipher).unwrap();
        }
        // A version-7 store: members sealed as JSON, as builds before schema 8 wrote them.
        c.execute(
            "INSERT INTO units VALUES ('500001', 'village', 'x', 'x', 1, 0, 0, 'mp-2018', 1, 1, 'k', 't', 't')",
            [],
        )
        .unwrap();
        for m in &contents.members {
            let id = m.member_id.as_str();
            c.execute(
                "INSERT INTO members VALUES (?1, ?2, '500001', ?3)",
                rusqlite::params![id, m.family_id.as_str(), cipher.seal_json(&context(id), m)],
            )
            .unwrap();
        }
        schema::upgrade(&mut c, &cipher).unwrap();
        for m in &contents.members {
            let sealed: Vec<u8> = c
                .query_row(
                    "SELECT sealed FROM members WHERE member_id = ?1",
                    [m.member_id.as_str()],
                    |r| r.get(0),
                )
                .unwrap();
            assert_eq!(
                cipher
                    .open(&context(m.member_id.as_str()), &sealed)
                    .unwrap()[0],
                FORMAT
            );
            assert_eq!(&open(&cipher, m.member_id.as_str(), &sealed).unwrap(), m);
        }
        let tx = c.transaction().unwrap();
        assert_eq!(
            reseal_json_members(&tx, &cipher).unwrap(),
            0,
            "nothing left to re-seal"
        );
    }

    #[test]
    fn every_generated_member_comes_back_as_it_was_sealed() {
        let cipher = FieldCipher::new(&[1; 32]).unwrap();
        let contents = generate_unit(5, &LgdCode::parse("500001").unwrap(), 500);
        for m in &contents.members {
            let sealed = seal(&cipher, m);
            assert_eq!(&open(&cipher, m.member_id.as_str(), &sealed).unwrap(), m);
            assert!(
                !sealed
                    .windows(m.name_en.len())
                    .any(|w| w == m.name_en.as_bytes())
            );
        }
    }

    #[test]
    fn a_damaged_or_truncated_record_is_corrupt_not_a_panic() {
        let contents = generate_unit(6, &LgdCode::parse("500001").unwrap(), 20);
        let bytes = encode(&contents.members[0]);
        assert_eq!(decode(&bytes).as_ref(), Some(&contents.members[0]));
        for n in 0..bytes.len() {
            assert!(decode(&bytes[..n]).is_none(), "cut at {n}");
        }
        let mut longer = bytes.clone();
        longer.push(0);
        assert!(decode(&longer).is_none());
        let mut bad_code = bytes;
        bad_code[18] = 200;
        assert!(decode(&bad_code).is_none());
    }
}
