//! Ward data for the pack tests, built here so that they do not depend on the generator:
//! families of about five, names from common north Indian names in both scripts, guardians
//! named after the head, mostly estimated birth years, a tenth of members registered.

#![allow(dead_code)]

use panjiyan_core::keys::SigningKey;
use panjiyan_core::location::Level;
use panjiyan_core::pack::{PackContents, PackInfo, RegisteredMember};
use panjiyan_core::registration::RegistrationState;
use panjiyan_core::samagra::{BirthDate, CasteCategory, Family, Gender, Member, Relation};
use panjiyan_core::validate::{LgdCode, SamagraFamilyId, SamagraMemberId};

const MEN: &[(&str, &str)] = &[
    ("राम", "Ram"),
    ("श्याम", "Shyam"),
    ("मोहन", "Mohan"),
    ("सोहन", "Sohan"),
    ("रमेश", "Ramesh"),
    ("सुरेश", "Suresh"),
    ("महेश", "Mahesh"),
    ("दिनेश", "Dinesh"),
    ("राजेश", "Rajesh"),
    ("मुकेश", "Mukesh"),
    ("गणेश", "Ganesh"),
    ("कमलेश", "Kamlesh"),
    ("संतोष", "Santosh"),
    ("प्रकाश", "Prakash"),
    ("विनोद", "Vinod"),
    ("अशोक", "Ashok"),
    ("राजू", "Raju"),
    ("कैलाश", "Kailash"),
    ("नारायण", "Narayan"),
    ("बाबूलाल", "Babulal"),
    ("रामप्रसाद", "Ramprasad"),
    ("शिवराम", "Shivram"),
    ("हरिओम", "Hariom"),
    ("मनोज", "Manoj"),
    ("अनिल", "Anil"),
    ("सुनील", "Sunil"),
    ("राकेश", "Rakesh"),
    ("दीपक", "Deepak"),
    ("अजय", "Ajay"),
    ("विजय", "Vijay"),
    ("संजय", "Sanjay"),
    ("धर्मेंद्र", "Dharmendra"),
    ("जितेंद्र", "Jitendra"),
    ("लखन", "Lakhan"),
    ("भगवान दास", "Bhagwan Das"),
    ("गोविंद", "Govind"),
];
const WOMEN: &[(&str, &str)] = &[
    ("सीता", "Sita"),
    ("गीता", "Geeta"),
    ("लक्ष्मी", "Laxmi"),
    ("सरस्वती", "Saraswati"),
    ("कमला", "Kamla"),
    ("विमला", "Vimla"),
    ("शांति", "Shanti"),
    ("सुनीता", "Sunita"),
    ("अनीता", "Anita"),
    ("ममता", "Mamta"),
    ("रेखा", "Rekha"),
    ("पूजा", "Pooja"),
    ("राधा", "Radha"),
    ("रानी", "Rani"),
    ("मीरा", "Meera"),
    ("कविता", "Kavita"),
    ("सविता", "Savita"),
    ("उषा", "Usha"),
    ("आशा", "Asha"),
    ("गुड्डी", "Guddi"),
    ("रामकली", "Ramkali"),
    ("फूलवती", "Phoolwati"),
    ("प्रेमबाई", "Prembai"),
    ("सरोज", "Saroj"),
];
const SURNAMES: &[(&str, &str)] = &[
    ("कुशवाहा", "Kushwaha"),
    ("यादव", "Yadav"),
    ("अहिरवार", "Ahirwar"),
    ("पटेल", "Patel"),
    ("लोधी", "Lodhi"),
    ("शर्मा", "Sharma"),
    ("साहू", "Sahu"),
    ("राठौर", "Rathore"),
    ("प्रजापति", "Prajapati"),
    ("विश्वकर्मा", "Vishwakarma"),
    ("जाटव", "Jatav"),
    ("मीणा", "Meena"),
    ("भील", "Bhil"),
    ("गोंड", "Gond"),
    ("रजक", "Rajak"),
    ("केवट", "Kewat"),
    ("चौरसिया", "Chaurasia"),
    ("सेन", "Sen"),
    ("नामदेव", "Namdev"),
    ("बघेल", "Baghel"),
];
const MOHALLAS: &[(&str, &str)] = &[
    ("गांधी नगर", "Gandhi Nagar"),
    ("नेहरू कॉलोनी", "Nehru Colony"),
    ("पुराना बाजार", "Purana Bazar"),
    ("आंबेडकर नगर", "Ambedkar Nagar"),
    ("शिवाजी वार्ड", "Shivaji Ward"),
    ("इंदिरा कॉलोनी", "Indira Colony"),
];

/// A small deterministic generator (xorshift64*), enough for varied but repeatable data.
pub struct Dice(u64);

impl Dice {
    pub fn new(seed: u64) -> Self {
        Self(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    pub fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len() as u64) as usize]
    }
}

pub fn ward_code() -> LgdCode {
    LgdCode::parse("802417").unwrap()
}

pub fn info(version: u64) -> PackInfo {
    PackInfo {
        unit_code: ward_code(),
        unit_level: Level::Ward,
        unit_name_hi: "वार्ड 12, सागर".into(),
        unit_name_en: "Ward 12, Sagar".into(),
        version,
        rules_id: "mp-2018".into(),
        rules_version: 1,
        occupations_version: 1,
        rules: None,
    }
}

pub fn server_key() -> SigningKey {
    SigningKey::generate().unwrap()
}

fn birth(dice: &mut Dice, age: u64) -> BirthDate {
    let year = 2024 - age as i32;
    if dice.below(10) < 7 {
        BirthDate::year_only(year)
    } else {
        BirthDate {
            year,
            month: Some(1 + dice.below(12) as u8),
            day: Some(1 + dice.below(28) as u8),
        }
    }
}

/// A ward of about `members` people, in no particular order.
pub fn ward(seed: u64, members: usize) -> PackContents {
    let mut dice = Dice::new(seed);
    let mut contents = PackContents::default();
    let mut family_number = 21_000_000 + dice.below(1_000_000);
    while contents.members.len() < members {
        family_number += 1 + dice.below(4_000);
        let family_id = SamagraFamilyId::parse(&format!("{family_number:08}")).unwrap();
        let mut member_number = 100_000_000 + dice.below(800_000_000);
        let mut next_member = |dice: &mut Dice| {
            member_number += 1 + dice.below(3);
            SamagraMemberId::parse(&format!("{member_number:09}")).unwrap()
        };
        let surname = dice.pick(SURNAMES);
        let caste = dice.pick(&[
            CasteCategory::Sc,
            CasteCategory::St,
            CasteCategory::Obc,
            CasteCategory::Obc,
            CasteCategory::General,
        ]);
        let head_first = dice.pick(MEN);
        let father_first = dice.pick(MEN);
        let head_hi = format!("{} {}", head_first.0, surname.0);
        let head_en = format!("{} {}", head_first.1, surname.1);
        let head_id = next_member(&mut dice);
        let head_age = 25 + dice.below(45);
        let person = |id,
                      first: (&str, &str),
                      gender,
                      relation,
                      age,
                      guardian: (&str, &str),
                      dice: &mut Dice| Member {
            member_id: id,
            family_id: family_id.clone(),
            name_hi: format!("{} {}", first.0, surname.0),
            name_en: format!("{} {}", first.1, surname.1),
            guardian_name_hi: guardian.0.to_owned(),
            guardian_name_en: guardian.1.to_owned(),
            gender,
            birth: birth(dice, age),
            relation,
            caste,
        };
        let father = (
            format!("{} {}", father_first.0, surname.0),
            format!("{} {}", father_first.1, surname.1),
        );
        let head_as_guardian = (head_hi.as_str(), head_en.as_str());
        let mut people = vec![person(
            head_id.clone(),
            head_first,
            Gender::Male,
            Relation::Head,
            head_age,
            (&father.0, &father.1),
            &mut dice,
        )];
        if dice.below(10) < 9 {
            let id = next_member(&mut dice);
            let wife = dice.pick(WOMEN);
            let age = head_age.saturating_sub(dice.below(6)).max(19);
            people.push(person(
                id,
                wife,
                Gender::Female,
                Relation::Spouse,
                age,
                head_as_guardian,
                &mut dice,
            ));
        }
        for _ in 0..dice.below(5) {
            let id = next_member(&mut dice);
            let age = head_age.saturating_sub(20 + dice.below(15)).max(1);
            let (first, gender, relation) = if dice.below(2) == 0 {
                (dice.pick(MEN), Gender::Male, Relation::Son)
            } else {
                (dice.pick(WOMEN), Gender::Female, Relation::Daughter)
            };
            people.push(person(
                id,
                first,
                gender,
                relation,
                age,
                head_as_guardian,
                &mut dice,
            ));
        }
        if dice.below(5) == 0 {
            let id = next_member(&mut dice);
            let mother = dice.pick(WOMEN);
            let age = head_age + 20 + dice.below(10);
            people.push(person(
                id,
                mother,
                Gender::Female,
                Relation::Mother,
                age,
                (&father.0, &father.1),
                &mut dice,
            ));
        }
        let mohalla = dice.pick(MOHALLAS);
        let house = 1 + dice.below(400);
        contents.families.push(Family {
            family_id,
            unit_code: ward_code(),
            address_hi: format!("मकान नं. {house}, {}, वार्ड 12", mohalla.0),
            address_en: format!("House No. {house}, {}, Ward 12", mohalla.1),
            head_member_id: head_id,
        });
        for m in &people {
            if dice.below(10) == 0 {
                let approved = dice.below(3) > 0;
                contents.registered.push(RegisteredMember {
                    member_id: m.member_id.clone(),
                    state: if approved {
                        RegistrationState::Approved
                    } else {
                        RegistrationState::PendingApproval
                    },
                    registration_number: approved
                        .then(|| format!("MP/2018/{:07}", dice.below(10_000_000))),
                });
            }
        }
        contents.members.extend(people);
    }
    // Most recently added first, as a database might return them: not canonical order.
    contents.families.reverse();
    contents.members.reverse();
    contents
}

/// A pack laid out by hand from its parts, as the module docs describe the format.
pub fn assemble(version: u16, manifest_json: &[u8], signature: &[u8], body: &[u8]) -> Vec<u8> {
    let mut out = b"PANJPACK".to_vec();
    out.extend_from_slice(&version.to_le_bytes());
    out.extend_from_slice(&(manifest_json.len() as u32).to_le_bytes());
    out.extend_from_slice(manifest_json);
    out.extend_from_slice(signature);
    out.extend_from_slice(body);
    out
}

/// The manifest JSON, signature and body of a pack, split by the documented layout.
pub fn split(pack: &[u8]) -> (Vec<u8>, Vec<u8>, Vec<u8>) {
    let len = u32::from_le_bytes(pack[10..14].try_into().unwrap()) as usize;
    let manifest = pack[14..14 + len].to_vec();
    let signature = pack[14 + len..78 + len].to_vec();
    let body = pack[78 + len..].to_vec();
    (manifest, signature, body)
}
