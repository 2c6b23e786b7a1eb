//! Synthetic Samagra data: realistic families and members for any number of villages and
//! wards, deterministic from a seed. Used by the server's demo mode, tests and benchmarks.
//!
//! Shapes follow domain.md: households of about 4.8 people (head, spouse, children, sometimes
//! an elderly parent or a daughter-in-law), many birth dates known only as a year, MP-like
//! caste proportions, names in Devanagari with Latin spellings that vary as they do on real
//! forms (Laxmi/Lakshmi, Kushwaha/Kushwah).

use crate::location::{Hierarchy, Level, Place};
use crate::pack::PackContents;
use crate::samagra::{BirthDate, CasteCategory, Family, Gender, Member, Relation};
use crate::validate::{LgdCode, SamagraFamilyId, SamagraMemberId};

/// SplitMix64: small, fast and stable forever, so a seed means the same data in every build.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed ^ 0x5DEE_CE66_D1A4_F87B)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `lo..=hi`.
    pub fn range(&mut self, lo: i64, hi: i64) -> i64 {
        lo + (self.next_u64() % ((hi - lo + 1) as u64)) as i64
    }

    /// True with probability `p`.
    pub fn chance(&mut self, p: f64) -> bool {
        ((self.next_u64() >> 11) as f64 / (1u64 << 53) as f64) < p
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[(self.next_u64() % items.len() as u64) as usize]
    }
}

/// A name in Devanagari with the Latin spellings it is written in, commonest first.
type Name = (&'static str, &'static [&'static str]);

const MALE: &[Name] = &[
    ("राम", &["Ram"]),
    ("श्याम", &["Shyam", "Syam"]),
    ("रमेश", &["Ramesh"]),
    ("सुरेश", &["Suresh"]),
    ("महेश", &["Mahesh"]),
    ("दिनेश", &["Dinesh"]),
    ("राजेश", &["Rajesh"]),
    ("मुकेश", &["Mukesh"]),
    ("विजय", &["Vijay", "Vijai"]),
    ("अजय", &["Ajay", "Ajai"]),
    ("संजय", &["Sanjay"]),
    ("मोहन", &["Mohan"]),
    ("सोहन", &["Sohan"]),
    ("राजू", &["Raju", "Rajoo"]),
    ("गोपाल", &["Gopal"]),
    ("कृष्ण", &["Krishna", "Krishan"]),
    ("लखन", &["Lakhan"]),
    ("भगवान दास", &["Bhagwan Das", "Bhagwandas"]),
    ("रामलाल", &["Ramlal", "Ram Lal"]),
    ("हरिराम", &["Hariram"]),
    ("कमलेश", &["Kamlesh"]),
    ("प्रकाश", &["Prakash"]),
    ("अनिल", &["Anil"]),
    ("सुनील", &["Sunil", "Suneel"]),
    ("मनोज", &["Manoj"]),
    ("संतोष", &["Santosh"]),
    ("दीपक", &["Deepak", "Dipak"]),
    ("पप्पू", &["Pappu"]),
    ("बबलू", &["Bablu"]),
    ("गोविंद", &["Govind", "Gobind"]),
    ("लक्ष्मण", &["Laxman", "Lakshman"]),
    ("शिवराज", &["Shivraj", "Sivraj"]),
    ("नरेंद्र", &["Narendra", "Narendr"]),
    ("धर्मेंद्र", &["Dharmendra"]),
];

const FEMALE: &[Name] = &[
    ("लक्ष्मी", &["Laxmi", "Lakshmi", "Luxmi"]),
    ("सुनीता", &["Sunita", "Suneeta"]),
    ("सीता", &["Sita", "Seeta"]),
    ("गीता", &["Gita", "Geeta"]),
    ("कमला", &["Kamla", "Kamala"]),
    ("विमला", &["Vimla", "Vimala"]),
    ("राधा", &["Radha"]),
    ("सरिता", &["Sarita"]),
    ("अनीता", &["Anita", "Aneeta"]),
    ("ममता", &["Mamta", "Mamata"]),
    ("पूजा", &["Pooja", "Puja"]),
    ("रेखा", &["Rekha"]),
    ("ऊषा", &["Usha"]),
    ("मीना", &["Meena", "Mina"]),
    ("शांति", &["Shanti", "Santi"]),
    ("सावित्री", &["Savitri"]),
    ("पार्वती", &["Parvati", "Parwati"]),
    ("कुसुम", &["Kusum"]),
    ("रानी", &["Rani"]),
    ("सुमन", &["Suman"]),
    ("ज्योति", &["Jyoti", "Jyothi"]),
    ("प्रियंका", &["Priyanka"]),
    ("रजनी", &["Rajni", "Rajani"]),
    ("लीला", &["Leela", "Lila"]),
    ("कला बाई", &["Kala Bai", "Kalabai"]),
    ("गुड्डी", &["Guddi"]),
    ("संगीता", &["Sangeeta", "Sangita"]),
];

/// Surnames with the caste category they are most often found in here.
const SURNAMES: &[(Name, CasteCategory)] = &[
    (("कुशवाहा", &["Kushwaha", "Kushwah"]), CasteCategory::Obc),
    (("यादव", &["Yadav", "Yaadav"]), CasteCategory::Obc),
    (("लोधी", &["Lodhi", "Lodi"]), CasteCategory::Obc),
    (("पटेल", &["Patel"]), CasteCategory::Obc),
    (("साहू", &["Sahu", "Saahu"]), CasteCategory::Obc),
    (("कुर्मी", &["Kurmi"]), CasteCategory::Obc),
    (("प्रजापति", &["Prajapati"]), CasteCategory::Obc),
    (
        ("विश्वकर्मा", &["Vishwakarma", "Vishvakarma"]),
        CasteCategory::Obc,
    ),
    (
        ("चौधरी", &["Choudhary", "Chaudhary", "Chaudhari"]),
        CasteCategory::Obc,
    ),
    (("अहिरवार", &["Ahirwar"]), CasteCategory::Sc),
    (("जाटव", &["Jatav", "Jatao"]), CasteCategory::Sc),
    (("बंसल", &["Bansal"]), CasteCategory::General),
    (("वंशकार", &["Vanshkar", "Banshkar"]), CasteCategory::Sc),
    (("भील", &["Bhil", "Bheel"]), CasteCategory::St),
    (("गोंड", &["Gond"]), CasteCategory::St),
    (("बारेला", &["Barela"]), CasteCategory::St),
    (("मीणा", &["Meena", "Mina"]), CasteCategory::St),
    (("उइके", &["Uikey", "Uike"]), CasteCategory::St),
    (("शर्मा", &["Sharma"]), CasteCategory::General),
    (("तिवारी", &["Tiwari", "Tiwary"]), CasteCategory::General),
    (("ठाकुर", &["Thakur"]), CasteCategory::General),
    (("जैन", &["Jain"]), CasteCategory::General),
];

const MOHALLAS: &[(&str, &str)] = &[
    ("पुराना मोहल्ला", "Purana Mohalla"),
    ("हनुमान चौक", "Hanuman Chowk"),
    ("बस स्टैंड के पास", "Near Bus Stand"),
    ("स्कूल मोहल्ला", "School Mohalla"),
    ("नई बस्ती", "Nai Basti"),
    ("तालाब पार", "Talab Par"),
    ("मंदिर गली", "Mandir Gali"),
    ("खेड़ापति", "Khedapati"),
];

const PLACES: &[(&str, &str)] = &[
    ("रामपुर", "Rampur"),
    ("सिरोंज", "Sironj"),
    ("बरखेड़ा", "Barkheda"),
    ("पिपलिया", "Piplia"),
    ("खजूरी", "Khajuri"),
    ("देवगढ़", "Devgarh"),
    ("नयागांव", "Nayagaon"),
    ("सेमरी", "Semri"),
    ("बिलखेड़ी", "Bilkhedi"),
    ("हिनोतिया", "Hinotia"),
    ("कोलुआ", "Kolua"),
    ("बमोरी", "Bamori"),
    ("गुलाबगंज", "Gulabganj"),
    ("सुमेर", "Sumer"),
    ("कचनारिया", "Kachnaria"),
    ("मुंडेला", "Mundela"),
    ("भैंसा", "Bhainsa"),
    ("चांदपुर", "Chandpur"),
    ("पठारी", "Pathari"),
    ("धनोरा", "Dhanora"),
];

/// Allocates Samagra IDs: 8-digit family IDs and 9-digit member IDs, unique per allocator.
#[derive(Debug, Clone)]
struct IdAllocator {
    next_family: u64,
    next_member: u64,
}

impl IdAllocator {
    fn family(&mut self) -> SamagraFamilyId {
        self.next_family += 1;
        SamagraFamilyId::parse(&format!("{:08}", self.next_family)).expect("8 digits")
    }

    fn member(&mut self) -> SamagraMemberId {
        self.next_member += 1;
        SamagraMemberId::parse(&format!("{:09}", self.next_member)).expect("9 digits")
    }
}

fn spelling(rng: &mut Rng, name: &Name) -> String {
    // The first spelling is the commonest; the others turn up on about a third of forms.
    let latin = if name.1.len() > 1 && rng.chance(0.35) {
        *rng.pick(&name.1[1..])
    } else {
        name.1[0]
    };
    latin.to_owned()
}

fn birth(rng: &mut Rng, age: i64, today_year: i32) -> BirthDate {
    let year = today_year - age as i32;
    if rng.chance(0.4) {
        BirthDate::year_only(year)
    } else {
        BirthDate {
            year,
            month: Some(rng.range(1, 12) as u8),
            day: Some(rng.range(1, 28) as u8),
        }
    }
}

fn household_size(rng: &mut Rng) -> usize {
    // Mean ≈ 4.8, as in the Samagra register.
    const WEIGHTS: &[(usize, u32)] = &[
        (1, 4),
        (2, 9),
        (3, 13),
        (4, 20),
        (5, 19),
        (6, 14),
        (7, 9),
        (8, 6),
        (9, 3),
        (10, 2),
        (11, 1),
    ];
    let total: u32 = WEIGHTS.iter().map(|w| w.1).sum();
    let mut roll = (rng.next_u64() % total as u64) as u32;
    for &(size, w) in WEIGHTS {
        if roll < w {
            return size;
        }
        roll -= w;
    }
    5
}

fn caste_surname(rng: &mut Rng) -> (Name, CasteCategory) {
    // Roughly MP's shares: OBC 50%, ST 21%, SC 16%, General 13%.
    let roll = rng.range(0, 99);
    let want = match roll {
        0..=49 => CasteCategory::Obc,
        50..=70 => CasteCategory::St,
        71..=86 => CasteCategory::Sc,
        _ => CasteCategory::General,
    };
    let options: Vec<_> = SURNAMES.iter().filter(|s| s.1 == want).collect();
    let s = rng.pick(&options);
    (s.0, s.1)
}

struct Person {
    first: Name,
    gender: Gender,
    age: i64,
    relation: Relation,
}

/// Builds one family of `size` people living in `unit`.
fn family(
    rng: &mut Rng,
    ids: &mut IdAllocator,
    unit: &LgdCode,
    size: usize,
    out: &mut PackContents,
) {
    const YEAR: i32 = 2026;
    let (surname, caste) = caste_surname(rng);
    let head_male = rng.chance(0.86);
    let head_age = rng.range(22, 72);
    let mut people = vec![Person {
        first: *rng.pick(if head_male { MALE } else { FEMALE }),
        gender: if head_male {
            Gender::Male
        } else {
            Gender::Female
        },
        age: head_age,
        relation: Relation::Head,
    }];
    if size >= 2 && head_male {
        people.push(Person {
            first: *rng.pick(FEMALE),
            gender: Gender::Female,
            age: (head_age - rng.range(0, 7)).max(18),
            relation: Relation::Spouse,
        });
    }
    if size >= 5 && head_age < 50 && rng.chance(0.5) {
        let father = rng.chance(0.4);
        people.push(Person {
            first: *rng.pick(if father { MALE } else { FEMALE }),
            gender: if father { Gender::Male } else { Gender::Female },
            age: (head_age + rng.range(20, 30)).min(99),
            relation: if father {
                Relation::Father
            } else {
                Relation::Mother
            },
        });
    }
    let mut married_son = false;
    while people.len() < size {
        let eldest_possible = (head_age - 19).max(0);
        let age = rng.range(0, eldest_possible.max(0));
        if !married_son && age >= 22 && people.len() + 2 <= size && rng.chance(0.6) {
            married_son = true;
            people.push(Person {
                first: *rng.pick(MALE),
                gender: Gender::Male,
                age,
                relation: Relation::Son,
            });
            people.push(Person {
                first: *rng.pick(FEMALE),
                gender: Gender::Female,
                age: (age - rng.range(0, 4)).max(18),
                relation: Relation::DaughterInLaw,
            });
            continue;
        }
        let male = rng.chance(0.51);
        people.push(Person {
            first: *rng.pick(if male { MALE } else { FEMALE }),
            gender: if male { Gender::Male } else { Gender::Female },
            age,
            relation: if male {
                Relation::Son
            } else {
                Relation::Daughter
            },
        });
    }

    let family_id = ids.family();
    let member_ids: Vec<SamagraMemberId> = people.iter().map(|_| ids.member()).collect();
    let surname_en = spelling(rng, &surname);
    // The family's own spellings, used for everyone in it, with an occasional odd one out.
    let full = |rng: &mut Rng, first: &Name| {
        let sur_en = if rng.chance(0.1) {
            spelling(rng, &surname)
        } else {
            surname_en.clone()
        };
        (
            format!("{} {}", first.0, surname.0),
            format!("{} {}", spelling(rng, first), sur_en),
        )
    };
    let head_father: Name = *rng.pick(MALE);
    let (head_hi, head_en) = full(rng, &people[0].first);
    let (head_father_hi, head_father_en) = full(rng, &head_father);
    let husband = people
        .iter()
        .find(|p| p.relation == Relation::Son)
        .map(|p| p.first);
    for (p, id) in people.iter().zip(&member_ids) {
        let (name_hi, name_en) = if p.relation == Relation::Head {
            (head_hi.clone(), head_en.clone())
        } else {
            full(rng, &p.first)
        };
        let (guardian_hi, guardian_en) = match p.relation {
            Relation::Head => (head_father_hi.clone(), head_father_en.clone()),
            Relation::Spouse | Relation::Son | Relation::Daughter => {
                (head_hi.clone(), head_en.clone())
            }
            Relation::DaughterInLaw => full(rng, &husband.unwrap_or(people[0].first)),
            _ => full(rng, rng.clone().pick(MALE)),
        };
        out.members.push(Member {
            member_id: id.clone(),
            family_id: family_id.clone(),
            name_hi,
            name_en,
            guardian_name_hi: guardian_hi,
            guardian_name_en: guardian_en,
            gender: p.gender,
            birth: birth(rng, p.age, YEAR),
            relation: p.relation,
            caste,
        });
    }
    let house = rng.range(1, 400);
    let mohalla = rng.pick(MOHALLAS);
    out.families.push(Family {
        family_id,
        unit_code: unit.clone(),
        address_hi: format!("मकान नं. {house}, {}", mohalla.0),
        address_en: format!("House {house}, {}", mohalla.1),
        head_member_id: member_ids[0].clone(),
    });
}

fn fill_unit(
    rng: &mut Rng,
    ids: &mut IdAllocator,
    unit: &LgdCode,
    members: usize,
    out: &mut PackContents,
) {
    let start = out.members.len();
    while out.members.len() - start < members {
        let left = members - (out.members.len() - start);
        let size = household_size(rng).min(left.max(1));
        family(rng, ids, unit, size, out);
    }
}

/// One village or ward with about `members` people in realistic families.
pub fn generate_unit(seed: u64, unit_code: &LgdCode, members: usize) -> PackContents {
    let mut rng = Rng::new(seed);
    // IDs start from a block chosen by the unit code, so separately generated units rarely
    // share IDs; generate_district guarantees uniqueness across a whole district.
    let base = 10 + unit_code.as_str().parse::<u64>().unwrap_or(0) % 80;
    let mut ids = IdAllocator {
        next_family: base * 1_000_000,
        next_member: base * 10_000_000,
    };
    let mut out = PackContents::default();
    fill_unit(&mut rng, &mut ids, unit_code, members, &mut out);
    out
}

/// The shape of a synthetic district.
#[derive(Debug, Clone)]
pub struct DistrictSpec {
    pub seed: u64,
    pub state_code: String,
    pub district_code: String,
    pub district_name_hi: String,
    pub district_name_en: String,
    pub blocks: u32,
    pub gram_panchayats_per_block: u32,
    pub villages_per_gram_panchayat: u32,
    pub urban_bodies: u32,
    pub wards_per_urban_body: u32,
    /// Mean households per village (domain.md: about 200).
    pub households_per_village: u32,
    pub households_per_ward: u32,
}

impl Default for DistrictSpec {
    /// A small district: 2 blocks × 3 GPs × 2 villages and one urban body of 4 wards.
    fn default() -> Self {
        Self {
            seed: 1,
            state_code: "23".into(),
            district_code: "401".into(),
            district_name_hi: "नमूना ज़िला".into(),
            district_name_en: "Sample District".into(),
            blocks: 2,
            gram_panchayats_per_block: 3,
            villages_per_gram_panchayat: 2,
            urban_bodies: 1,
            wards_per_urban_body: 4,
            households_per_village: 200,
            households_per_ward: 250,
        }
    }
}

/// A generated district: its hierarchy and everyone in it.
#[derive(Debug, Clone)]
pub struct SyntheticDistrict {
    pub hierarchy: Hierarchy,
    pub families: Vec<Family>,
    pub members: Vec<Member>,
}

/// A whole district with LGD-shaped codes, Hindi and English place names, and its people.
pub fn generate_district(spec: &DistrictSpec) -> SyntheticDistrict {
    let mut rng = Rng::new(spec.seed);
    let code = |s: String| LgdCode::parse(&s).expect("generated codes are digits");
    let state = code(spec.state_code.clone());
    let district = code(spec.district_code.clone());
    let dnum: u64 = spec.district_code.parse().unwrap_or(1);
    let mut places = vec![
        Place {
            code: state.clone(),
            level: Level::State,
            name_hi: "मध्य प्रदेश".into(),
            name_en: "Madhya Pradesh".into(),
            parent: None,
        },
        Place {
            code: district.clone(),
            level: Level::District,
            name_hi: spec.district_name_hi.clone(),
            name_en: spec.district_name_en.clone(),
            parent: Some(state),
        },
    ];
    let place_name = |rng: &mut Rng, n: u32, suffix: (&str, &str)| {
        let p = rng.pick(PLACES);
        (
            format!("{}{} {n}", p.0, suffix.0),
            format!("{}{} {n}", p.1, suffix.1),
        )
    };
    let mut ids = IdAllocator {
        next_family: (dnum % 90 + 10) * 1_000_000,
        next_member: (dnum % 90 + 10) * 10_000_000,
    };
    let mut out = PackContents::default();
    let mut serial = 0u64;
    let mut next_code = |digits: usize| {
        serial += 1;
        code(format!(
            "{:0width$}",
            dnum * 10u64.pow(digits as u32 - 3) + serial,
            width = digits
        ))
    };
    for b in 1..=spec.blocks {
        let block = next_code(4);
        let (hi, en) = place_name(&mut rng, b, ("", " Block"));
        places.push(Place {
            code: block.clone(),
            level: Level::Block,
            name_hi: hi,
            name_en: en,
            parent: Some(district.clone()),
        });
        for g in 1..=spec.gram_panchayats_per_block {
            let gp = next_code(6);
            let (hi, en) = place_name(&mut rng, g, (" पंचायत", " Panchayat"));
            places.push(Place {
                code: gp.clone(),
                level: Level::GramPanchayat,
                name_hi: hi,
                name_en: en,
                parent: Some(block.clone()),
            });
            for v in 1..=spec.villages_per_gram_panchayat {
                let village = next_code(6);
                let p = *rng.pick(PLACES);
                places.push(Place {
                    code: village.clone(),
                    level: Level::Village,
                    name_hi: format!("{} {v}", p.0),
                    name_en: format!("{} {v}", p.1),
                    parent: Some(gp.clone()),
                });
                let households = vary(&mut rng, spec.households_per_village);
                fill_unit(
                    &mut rng,
                    &mut ids,
                    &village,
                    (households as f64 * 4.8) as usize,
                    &mut out,
                );
            }
        }
    }
    for u in 1..=spec.urban_bodies {
        let body = next_code(6);
        let p = *rng.pick(PLACES);
        places.push(Place {
            code: body.clone(),
            level: Level::UrbanBody,
            name_hi: format!("नगर परिषद {} {u}", p.0),
            name_en: format!("{} {u} Nagar Parishad", p.1),
            parent: Some(district.clone()),
        });
        for w in 1..=spec.wards_per_urban_body {
            let ward = next_code(6);
            places.push(Place {
                code: ward.clone(),
                level: Level::Ward,
                name_hi: format!("वार्ड {w}"),
                name_en: format!("Ward {w}"),
                parent: Some(body.clone()),
            });
            let households = vary(&mut rng, spec.households_per_ward);
            fill_unit(
                &mut rng,
                &mut ids,
                &ward,
                (households as f64 * 4.8) as usize,
                &mut out,
            );
        }
    }
    let hierarchy = Hierarchy::new(1, places).expect("generated hierarchies are well formed");
    SyntheticDistrict {
        hierarchy,
        families: out.families,
        members: out.members,
    }
}

/// A count within ±30% of `mean`.
fn vary(rng: &mut Rng, mean: u32) -> u32 {
    let spread = (mean as i64 * 3 / 10).max(1);
    (mean as i64 + rng.range(-spread, spread)).max(1) as u32
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::{HashMap, HashSet};

    fn unit() -> LgdCode {
        LgdCode::parse("500123").unwrap()
    }

    #[test]
    fn the_same_seed_gives_the_same_village_and_another_seed_does_not() {
        assert_eq!(
            generate_unit(7, &unit(), 500),
            generate_unit(7, &unit(), 500)
        );
        assert_ne!(
            generate_unit(7, &unit(), 500),
            generate_unit(8, &unit(), 500)
        );
    }

    #[test]
    fn a_village_has_realistic_families() {
        let v = generate_unit(3, &unit(), 10_000);
        assert_eq!(v.members.len(), 10_000);
        let mean = v.members.len() as f64 / v.families.len() as f64;
        assert!((4.3..5.3).contains(&mean), "mean household {mean}");
        let ids: HashSet<_> = v.members.iter().map(|m| &m.member_id).collect();
        assert_eq!(ids.len(), v.members.len(), "member ids are unique");
        let families: HashMap<_, _> = v.families.iter().map(|f| (&f.family_id, f)).collect();
        for m in &v.members {
            let f = families[&m.family_id];
            assert!((0..=100).contains(&m.birth.age_on(time::macros::date!(2026 - 12 - 31))));
            assert_eq!(
                m.relation == Relation::Head,
                m.member_id == f.head_member_id
            );
            assert!(
                !m.name_en.is_empty()
                    && m.name_hi
                        .chars()
                        .any(|c| ('\u{900}'..='\u{97f}').contains(&c))
            );
        }
        let estimated = v.members.iter().filter(|m| m.birth.is_estimated()).count();
        assert!(
            estimated > 2_000 && estimated < 6_000,
            "{estimated} estimated birth dates"
        );
    }

    #[test]
    fn devanagari_and_latin_names_of_a_member_meet_in_search() {
        let v = generate_unit(5, &unit(), 2_000);
        let meet = v
            .members
            .iter()
            .filter(|m| {
                crate::names::search_tokens(&m.name_hi) == crate::names::search_tokens(&m.name_en)
            })
            .count();
        assert!(
            meet * 100 >= v.members.len() * 90,
            "only {meet} of {} meet",
            v.members.len()
        );
    }

    #[test]
    fn a_district_has_a_valid_hierarchy_and_everyone_lives_in_a_village_or_ward() {
        let d = generate_district(&DistrictSpec::default());
        let units: HashSet<_> = d
            .hierarchy
            .places()
            .iter()
            .filter(|p| p.level.is_camp_unit())
            .map(|p| p.code.clone())
            .collect();
        assert_eq!(units.len(), 2 * 3 * 2 + 4);
        assert!(d.families.iter().all(|f| units.contains(&f.unit_code)));
        let ids: HashSet<_> = d.members.iter().map(|m| &m.member_id).collect();
        assert_eq!(ids.len(), d.members.len());
        assert!(d.members.len() > 10_000, "{} members", d.members.len());
    }
}
