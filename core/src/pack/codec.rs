//! The body of a camp pack before compression: a columnar encoding (each field of all records
//! stored together) that zstd squeezes far better than the same records row by row.
//!
//! Body, all integers unsigned LEB128 varints unless said otherwise:
//!
//! ```text
//! kind            u8: 1 = full, 2 = delta
//! full            families table, members table, registered table
//! delta           families table (upserted), members table (upserted),
//!                 id list (removed families), id list (removed members),
//!                 registered table (upserted), id list (removed registered)
//! ```
//!
//! - *id list*: count, then each id as a zigzag delta from the previous one (the first from 0).
//!   Samagra IDs are fixed-width digit strings (8 for families, 9 for members), so the number
//!   gives the text back exactly, leading zeros included.
//! - *families table*: count; family ids (id list body); unit codes (a dictionary of whole
//!   strings); addresses in Devanagari and Latin (one word group); head member ids (zigzag
//!   deltas from the previous family's head).
//! - *members table*: count; member ids; family ids (zigzag deltas from the previous member's
//!   family, mostly 0); names, then guardian names, as one bilingual group; one byte each for gender, relation and caste; birth year as the table's lowest
//!   year (zigzag) then each year's distance from it; birth month and day (0 = unknown,
//!   otherwise the value + 1).
//! - *registered table*: count; member ids; one byte of state each; registration numbers
//!   (0 = none, otherwise byte length + 1), then their bytes.
//! - *word group*: texts split on single spaces into words. A dictionary of the distinct words,
//!   most frequent first (so common words get one-byte indexes): word count, each word's byte
//!   length, the words' bytes; then each text's word count (column by column); then each
//!   word's dictionary index.
//! - *bilingual group*: (Devanagari, Latin) texts split into words and paired by position,
//!   because a word's Latin spelling mostly follows from its Devanagari one: the Devanagari
//!   and Latin word dictionaries as above; the pair dictionary, most frequent first (count,
//!   then each pair's Devanagari word index + 1, then each pair's Latin word index + 1, 0 where
//!   one text has fewer words); each text's Devanagari word count, then each Latin word count;
//!   then for each text as many pair indexes as its longer spelling has words.

use super::columns::{Reader, Writer, unzigzag, zigzag};
use super::{PackBody, PackContents, PackDelta, RegisteredMember};
use crate::registration::RegistrationState;
use crate::samagra::{BirthDate, CasteCategory, Family, Gender, Member, Relation};
use crate::validate::{LgdCode, SamagraFamilyId, SamagraMemberId};

const KIND_FULL: u8 = 1;
const KIND_DELTA: u8 = 2;

/// Why a body could not be decoded: a fixed reason, never a piece of the data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Undecodable(pub &'static str);

pub(crate) type Decoded<T> = Result<T, Undecodable>;

pub(crate) fn encode(body: &PackBody) -> Vec<u8> {
    let mut w = Writer::default();
    match body {
        PackBody::Full(c) => {
            w.byte(KIND_FULL);
            write_families(&mut w, &c.families);
            write_members(&mut w, &c.members);
            write_registered(&mut w, &c.registered);
        }
        PackBody::Delta(d) => {
            w.byte(KIND_DELTA);
            write_families(&mut w, &d.upsert_families);
            write_members(&mut w, &d.upsert_members);
            write_ids(&mut w, d.removed_families.iter().map(family_number));
            write_ids(&mut w, d.removed_members.iter().map(member_number));
            write_registered(&mut w, &d.upsert_registered);
            write_ids(&mut w, d.removed_registered.iter().map(member_number));
        }
    }
    w.out
}

pub(crate) fn decode(bytes: &[u8]) -> Decoded<PackBody> {
    let mut r = Reader { bytes, pos: 0 };
    let body = match r.byte()? {
        KIND_FULL => PackBody::Full(PackContents {
            families: read_families(&mut r)?,
            members: read_members(&mut r)?,
            registered: read_registered(&mut r)?,
        }),
        KIND_DELTA => PackBody::Delta(PackDelta {
            upsert_families: read_families(&mut r)?,
            upsert_members: read_members(&mut r)?,
            removed_families: read_id_list(&mut r, family_id)?,
            removed_members: read_id_list(&mut r, member_id)?,
            upsert_registered: read_registered(&mut r)?,
            removed_registered: read_id_list(&mut r, member_id)?,
        }),
        _ => return Err(Undecodable("unknown body kind")),
    };
    if r.pos != bytes.len() {
        return Err(Undecodable("bytes left over after the last table"));
    }
    Ok(body)
}

fn write_families(w: &mut Writer, families: &[Family]) {
    w.varint(families.len() as u64);
    w.deltas(families.iter().map(|f| family_number(&f.family_id)));
    let units: Vec<&str> = families.iter().map(|f| f.unit_code.as_str()).collect();
    w.dictionary(&units);
    w.word_group(&[
        families.iter().map(|f| f.address_hi.as_str()).collect(),
        families.iter().map(|f| f.address_en.as_str()).collect(),
    ]);
    w.deltas(families.iter().map(|f| member_number(&f.head_member_id)));
}

fn read_families(r: &mut Reader) -> Decoded<Vec<Family>> {
    let n = r.count()?;
    let ids = r.deltas(n)?;
    let units = r.dictionary(n)?;
    let [address_hi, address_en] = r.word_group::<2>(n)?;
    let heads = r.deltas(n)?;
    let mut texts = units.into_iter().zip(address_hi).zip(address_en);
    let mut families = Vec::with_capacity(n);
    for i in 0..n {
        let ((unit, address_hi), address_en) =
            texts.next().ok_or(Undecodable("a text column is short"))?;
        families.push(Family {
            family_id: family_id(ids[i])?,
            unit_code: LgdCode::parse(&unit).map_err(|_| Undecodable("invalid LGD code"))?,
            address_hi,
            address_en,
            head_member_id: member_id(heads[i])?,
        });
    }
    Ok(families)
}

fn write_members(w: &mut Writer, members: &[Member]) {
    w.varint(members.len() as u64);
    w.deltas(members.iter().map(|m| member_number(&m.member_id)));
    w.deltas(members.iter().map(|m| family_number(&m.family_id)));
    let names = members
        .iter()
        .map(|m| (m.name_hi.as_str(), m.name_en.as_str()));
    let guardians = members
        .iter()
        .map(|m| (m.guardian_name_hi.as_str(), m.guardian_name_en.as_str()));
    w.bilingual(&names.chain(guardians).collect::<Vec<_>>());
    members.iter().for_each(|m| w.byte(gender_code(m.gender)));
    members
        .iter()
        .for_each(|m| w.byte(relation_code(m.relation)));
    members.iter().for_each(|m| w.byte(caste_code(m.caste)));
    let lowest_year = members
        .iter()
        .map(|m| i64::from(m.birth.year))
        .min()
        .unwrap_or(0);
    w.varint(zigzag(lowest_year));
    members
        .iter()
        .for_each(|m| w.varint((i64::from(m.birth.year) - lowest_year) as u64));
    members.iter().for_each(|m| w.optional_small(m.birth.month));
    members.iter().for_each(|m| w.optional_small(m.birth.day));
}

fn read_members(r: &mut Reader) -> Decoded<Vec<Member>> {
    let n = r.count()?;
    let ids = r.deltas(n)?;
    let families = r.deltas(n)?;
    let mut texts = r.bilingual(n * 2)?;
    let guardians = texts.split_off(n);
    let genders = r.take(n)?;
    let relations = r.take(n)?;
    let castes = r.take(n)?;
    let lowest_year = unzigzag(r.varint()?);
    let mut years = Vec::with_capacity(n);
    for _ in 0..n {
        let year = lowest_year
            .checked_add_unsigned(r.varint()?)
            .and_then(|y| i32::try_from(y).ok())
            .ok_or(Undecodable("birth year out of range"))?;
        years.push(year);
    }
    let months = r.optional_smalls(n)?;
    let days = r.optional_smalls(n)?;
    let mut texts = texts.into_iter().zip(guardians);
    let mut members = Vec::with_capacity(n);
    for i in 0..n {
        let ((name_hi, name_en), (guardian_name_hi, guardian_name_en)) =
            texts.next().ok_or(Undecodable("a text column is short"))?;
        members.push(Member {
            member_id: member_id(ids[i])?,
            family_id: family_id(families[i])?,
            name_hi,
            name_en,
            guardian_name_hi,
            guardian_name_en,
            gender: gender_from(genders[i])?,
            birth: BirthDate {
                year: years[i],
                month: months[i],
                day: days[i],
            },
            relation: relation_from(relations[i])?,
            caste: caste_from(castes[i])?,
        });
    }
    Ok(members)
}

fn write_registered(w: &mut Writer, registered: &[RegisteredMember]) {
    w.varint(registered.len() as u64);
    w.deltas(registered.iter().map(|e| member_number(&e.member_id)));
    registered.iter().for_each(|e| w.byte(state_code(e.state)));
    for e in registered {
        w.varint(
            e.registration_number
                .as_ref()
                .map_or(0, |s| s.len() as u64 + 1),
        );
    }
    for number in registered
        .iter()
        .filter_map(|e| e.registration_number.as_ref())
    {
        w.out.extend_from_slice(number.as_bytes());
    }
}

fn read_registered(r: &mut Reader) -> Decoded<Vec<RegisteredMember>> {
    let n = r.count()?;
    let ids = r.deltas(n)?;
    let states = r.take(n)?;
    let mut lengths = Vec::with_capacity(n);
    for _ in 0..n {
        lengths.push(r.varint()?);
    }
    let mut registered = Vec::with_capacity(n);
    for i in 0..n {
        let registration_number = match lengths[i] {
            0 => None,
            len => Some(r.text(len - 1)?),
        };
        registered.push(RegisteredMember {
            member_id: member_id(ids[i])?,
            state: state_from(states[i])?,
            registration_number,
        });
    }
    Ok(registered)
}

fn write_ids(w: &mut Writer, ids: impl ExactSizeIterator<Item = u64>) {
    w.varint(ids.len() as u64);
    w.deltas(ids);
}

fn read_id_list<T>(r: &mut Reader, make: fn(u64) -> Decoded<T>) -> Decoded<Vec<T>> {
    let n = r.count()?;
    r.deltas(n)?.into_iter().map(make).collect()
}

// Samagra IDs are validated fixed-width digit strings, so they always parse as numbers.
fn family_number(id: &SamagraFamilyId) -> u64 {
    id.as_str().parse().unwrap_or(0)
}

fn member_number(id: &SamagraMemberId) -> u64 {
    id.as_str().parse().unwrap_or(0)
}

fn family_id(n: u64) -> Decoded<SamagraFamilyId> {
    SamagraFamilyId::parse(&format!("{n:08}")).map_err(|_| Undecodable("family ID out of range"))
}

fn member_id(n: u64) -> Decoded<SamagraMemberId> {
    SamagraMemberId::parse(&format!("{n:09}")).map_err(|_| Undecodable("member ID out of range"))
}

// Fixed codes, independent of declaration order in the domain types: they are the file format.
pub(crate) fn gender_code(g: Gender) -> u8 {
    match g {
        Gender::Male => 0,
        Gender::Female => 1,
        Gender::Other => 2,
    }
}

pub(crate) fn gender_from(code: u8) -> Decoded<Gender> {
    Ok(match code {
        0 => Gender::Male,
        1 => Gender::Female,
        2 => Gender::Other,
        _ => return Err(Undecodable("unknown gender code")),
    })
}

const RELATIONS: [Relation; 12] = [
    Relation::Head,
    Relation::Spouse,
    Relation::Son,
    Relation::Daughter,
    Relation::DaughterInLaw,
    Relation::SonInLaw,
    Relation::Father,
    Relation::Mother,
    Relation::Brother,
    Relation::Sister,
    Relation::Grandchild,
    Relation::Other,
];

pub(crate) fn relation_code(r: Relation) -> u8 {
    RELATIONS
        .iter()
        .position(|x| *x == r)
        .unwrap_or(RELATIONS.len() - 1) as u8
}

pub(crate) fn relation_from(code: u8) -> Decoded<Relation> {
    RELATIONS
        .get(usize::from(code))
        .copied()
        .ok_or(Undecodable("unknown relation code"))
}

const CASTES: [CasteCategory; 4] = [
    CasteCategory::Sc,
    CasteCategory::St,
    CasteCategory::Obc,
    CasteCategory::General,
];

pub(crate) fn caste_code(c: CasteCategory) -> u8 {
    CASTES
        .iter()
        .position(|x| *x == c)
        .unwrap_or(CASTES.len() - 1) as u8
}

pub(crate) fn caste_from(code: u8) -> Decoded<CasteCategory> {
    CASTES
        .get(usize::from(code))
        .copied()
        .ok_or(Undecodable("unknown caste code"))
}

const STATES: [RegistrationState; 7] = [
    RegistrationState::Draft,
    RegistrationState::Queued,
    RegistrationState::Synced,
    RegistrationState::PendingApproval,
    RegistrationState::Approved,
    RegistrationState::Rejected,
    RegistrationState::Duplicate,
];

fn state_code(s: RegistrationState) -> u8 {
    STATES.iter().position(|x| *x == s).unwrap_or(0) as u8
}

fn state_from(code: u8) -> Decoded<RegistrationState> {
    STATES
        .get(usize::from(code))
        .copied()
        .ok_or(Undecodable("unknown registration state code"))
}
