//! Validation of the identifiers a registration carries (domain.md, "Identifiers and
//! validation"): each is a newtype that can only be built from a valid value.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Why an identifier was refused. Carries no part of the value, so it is safe to log and to
/// show through the FFI.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ValidationError {
    #[error("{field} must be {expected} digits")]
    WrongLength { field: Field, expected: usize },
    #[error("{field} may contain only digits")]
    NotDigits { field: Field },
    #[error("{field} has an invalid first digit")]
    BadFirstDigit { field: Field },
    #[error("{field} fails its checksum")]
    BadChecksum { field: Field },
    #[error("{field} is not in the expected format")]
    BadFormat { field: Field },
}

impl ValidationError {
    /// The field that was refused.
    pub fn field(&self) -> Field {
        match *self {
            Self::WrongLength { field, .. }
            | Self::NotDigits { field }
            | Self::BadFirstDigit { field }
            | Self::BadChecksum { field }
            | Self::BadFormat { field } => field,
        }
    }
}

/// The identifier fields, named the way forms label them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Field {
    SamagraFamilyId,
    SamagraMemberId,
    Aadhaar,
    Mobile,
    Ifsc,
    PinCode,
    EshramUan,
    LgdCode,
    Gstin,
    Udyam,
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::SamagraFamilyId => "Samagra family ID",
            Self::SamagraMemberId => "Samagra member ID",
            Self::Aadhaar => "Aadhaar number",
            Self::Mobile => "mobile number",
            Self::Ifsc => "IFSC",
            Self::PinCode => "PIN code",
            Self::EshramUan => "e-Shram UAN",
            Self::LgdCode => "LGD code",
            Self::Gstin => "GSTIN",
            Self::Udyam => "Udyam registration number",
        })
    }
}

fn digits_exact(s: &str, n: usize, field: Field) -> Result<(), ValidationError> {
    if !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(ValidationError::NotDigits { field });
    }
    if s.len() != n {
        return Err(ValidationError::WrongLength { field, expected: n });
    }
    Ok(())
}

macro_rules! text_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            /// The identifier as stored and sent: its digits, as text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl TryFrom<String> for $name {
            type Error = ValidationError;
            fn try_from(s: String) -> Result<Self, Self::Error> {
                Self::parse(&s)
            }
        }

        impl From<$name> for String {
            fn from(id: $name) -> String {
                id.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl std::str::FromStr for $name {
            type Err = ValidationError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::parse(s)
            }
        }
    };
}

text_id!(
    /// Samagra family ID: 8 digits, kept as text because leading zeros are possible.
    SamagraFamilyId
);
impl SamagraFamilyId {
    pub fn parse(s: &str) -> Result<Self, ValidationError> {
        let s = s.trim();
        digits_exact(s, 8, Field::SamagraFamilyId)?;
        Ok(Self(s.to_owned()))
    }
}

text_id!(
    /// Samagra member ID: 9 digits, no public check digit.
    SamagraMemberId
);
impl SamagraMemberId {
    pub fn parse(s: &str) -> Result<Self, ValidationError> {
        let s = s.trim();
        digits_exact(s, 9, Field::SamagraMemberId)?;
        Ok(Self(s.to_owned()))
    }
}

text_id!(
    /// Aadhaar number: 12 digits, first 2-9, last a Verhoeff check digit. Shown masked.
    Aadhaar
);
impl Aadhaar {
    /// Accepts spaces or hyphens between digit groups, as people write them.
    pub fn parse(s: &str) -> Result<Self, ValidationError> {
        let field = Field::Aadhaar;
        let s: String = s.chars().filter(|c| !matches!(c, ' ' | '-')).collect();
        digits_exact(&s, 12, field)?;
        if matches!(s.as_bytes()[0], b'0' | b'1') {
            return Err(ValidationError::BadFirstDigit { field });
        }
        if !verhoeff_valid(&s) {
            return Err(ValidationError::BadChecksum { field });
        }
        Ok(Self(s))
    }

    /// `XXXX XXXX 1234`: the only form in which an Aadhaar number is ever displayed.
    pub fn masked(&self) -> String {
        format!("XXXX XXXX {}", &self.0[8..])
    }
}

text_id!(
    /// Indian mobile number: 10 digits starting 6-9, stored without +91 or 0 prefixes.
    Mobile
);
impl Mobile {
    /// Strips spaces, hyphens and a leading `+91`, `91` (on 12 digits) or `0` (on 11 digits).
    pub fn parse(s: &str) -> Result<Self, ValidationError> {
        let field = Field::Mobile;
        let mut s: String = s.chars().filter(|c| !matches!(c, ' ' | '-')).collect();
        if let Some(rest) = s.strip_prefix("+91") {
            s = rest.to_owned();
        } else if s.len() == 12 && s.starts_with("91") {
            s = s[2..].to_owned();
        } else if s.len() == 11 && s.starts_with('0') {
            s = s[1..].to_owned();
        }
        digits_exact(&s, 10, field)?;
        if !matches!(s.as_bytes()[0], b'6'..=b'9') {
            return Err(ValidationError::BadFirstDigit { field });
        }
        Ok(Self(s))
    }

    /// `XXXXXX1234`, for pages and logs that must not show the whole number.
    pub fn masked(&self) -> String {
        format!("XXXXXX{}", &self.0[6..])
    }
}

text_id!(
    /// Bank branch code: 4 letters, `0`, then 6 letters or digits. Stored upper-case.
    Ifsc
);
impl Ifsc {
    pub fn parse(s: &str) -> Result<Self, ValidationError> {
        let s = s.trim().to_ascii_uppercase();
        let b = s.as_bytes();
        let ok = b.len() == 11
            && b[..4].iter().all(u8::is_ascii_uppercase)
            && b[4] == b'0'
            && b[5..].iter().all(u8::is_ascii_alphanumeric);
        if !ok {
            return Err(ValidationError::BadFormat { field: Field::Ifsc });
        }
        Ok(Self(s))
    }
}

text_id!(
    /// Postal PIN code: 6 digits, the first not 0.
    PinCode
);
impl PinCode {
    pub fn parse(s: &str) -> Result<Self, ValidationError> {
        let s = s.trim();
        digits_exact(s, 6, Field::PinCode)?;
        if s.starts_with('0') {
            return Err(ValidationError::BadFirstDigit {
                field: Field::PinCode,
            });
        }
        Ok(Self(s.to_owned()))
    }

    /// Madhya Pradesh PIN codes run from 450000 to 489999.
    pub fn is_madhya_pradesh(&self) -> bool {
        matches!(&self.0[..2], "45" | "46" | "47" | "48")
    }
}

text_id!(
    /// e-Shram Universal Account Number: 12 digits.
    EshramUan
);
impl EshramUan {
    pub fn parse(s: &str) -> Result<Self, ValidationError> {
        let s: String = s.chars().filter(|c| *c != ' ').collect();
        digits_exact(&s, 12, Field::EshramUan)?;
        Ok(Self(s))
    }
}

text_id!(
    /// A Local Government Directory code, kept as text: state 2 digits, district 3, block 4,
    /// gram panchayat / village / urban body / ward up to 6 (wards may be longer in practice,
    /// so up to 8 digits are accepted).
    LgdCode
);
impl LgdCode {
    pub fn parse(s: &str) -> Result<Self, ValidationError> {
        let s = s.trim();
        let field = Field::LgdCode;
        if s.is_empty() || s.len() > 8 {
            return Err(ValidationError::BadFormat { field });
        }
        if !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(ValidationError::NotDigits { field });
        }
        Ok(Self(s.to_owned()))
    }
}

text_id!(
    /// A Goods and Services Tax Identification Number: 15 characters, the 2-digit state
    /// code, the holder's 10-character PAN, the entity number, `Z`, and a check character
    /// by the GSTIN mod-36 algorithm. Kept in capitals.
    Gstin
);
impl Gstin {
    pub fn parse(s: &str) -> Result<Self, ValidationError> {
        let s = s.trim().to_ascii_uppercase();
        let field = Field::Gstin;
        if s.len() != 15 || !s.is_ascii() {
            return Err(ValidationError::WrongLength {
                field,
                expected: 15,
            });
        }
        let b = s.as_bytes();
        let shape = b[..2].iter().all(u8::is_ascii_digit)
            && b[2..7].iter().all(u8::is_ascii_uppercase)
            && b[7..11].iter().all(u8::is_ascii_digit)
            && b[11].is_ascii_uppercase()
            && (b[12].is_ascii_uppercase() || (b'1'..=b'9').contains(&b[12]))
            && b[13] == b'Z'
            && b[14].is_ascii_alphanumeric();
        if !shape {
            return Err(ValidationError::BadFormat { field });
        }
        if gstin_check_char(&s[..14]) != Some(b[14] as char) {
            return Err(ValidationError::BadChecksum { field });
        }
        Ok(Self(s))
    }

    /// The 2-digit state code it begins with.
    pub fn state_code(&self) -> &str {
        &self.0[..2]
    }
}

/// The GSTIN check character of its first 14 characters: each character's value (0-9, A-Z
/// as 10-35) times 1 or 2 alternately from the left, the product's quotient and remainder by
/// 36 summed, and the check is what brings the sum to a multiple of 36. `None` when a
/// character is neither a digit nor a capital letter.
pub fn gstin_check_char(first14: &str) -> Option<char> {
    const ALPHABET: &[u8; 36] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    let mut sum = 0u32;
    for (i, c) in first14.bytes().enumerate() {
        let value = ALPHABET.iter().position(|a| *a == c)? as u32;
        let product = value * if i % 2 == 0 { 1 } else { 2 };
        sum += product / 36 + product % 36;
    }
    Some(ALPHABET[((36 - sum % 36) % 36) as usize] as char)
}

text_id!(
    /// An Udyam (MSME) registration number: `UDYAM-`, the state's two letters, the 2-digit
    /// district, and 7 digits, e.g. `UDYAM-MP-23-0001234`. Kept in capitals.
    Udyam
);
impl Udyam {
    pub fn parse(s: &str) -> Result<Self, ValidationError> {
        let s = s.trim().to_ascii_uppercase();
        let parts: Vec<&str> = s.split('-').collect();
        let ok = matches!(parts.as_slice(), ["UDYAM", state, district, number]
            if state.len() == 2 && state.bytes().all(|b| b.is_ascii_uppercase())
                && district.len() == 2 && district.bytes().all(|b| b.is_ascii_digit())
                && number.len() == 7 && number.bytes().all(|b| b.is_ascii_digit()));
        if !ok {
            return Err(ValidationError::BadFormat {
                field: Field::Udyam,
            });
        }
        Ok(Self(s))
    }
}

// Verhoeff: multiplication table of the dihedral group D5, the permutation table, and
// the inverse table.
const VERHOEFF_D: [[u8; 10]; 10] = [
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
    [1, 2, 3, 4, 0, 6, 7, 8, 9, 5],
    [2, 3, 4, 0, 1, 7, 8, 9, 5, 6],
    [3, 4, 0, 1, 2, 8, 9, 5, 6, 7],
    [4, 0, 1, 2, 3, 9, 5, 6, 7, 8],
    [5, 9, 8, 7, 6, 0, 4, 3, 2, 1],
    [6, 5, 9, 8, 7, 1, 0, 4, 3, 2],
    [7, 6, 5, 9, 8, 2, 1, 0, 4, 3],
    [8, 7, 6, 5, 9, 3, 2, 1, 0, 4],
    [9, 8, 7, 6, 5, 4, 3, 2, 1, 0],
];
const VERHOEFF_P: [[u8; 10]; 8] = [
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
    [1, 5, 7, 6, 2, 8, 3, 0, 9, 4],
    [5, 8, 0, 3, 7, 9, 6, 1, 4, 2],
    [8, 9, 1, 6, 0, 4, 3, 5, 2, 7],
    [9, 4, 5, 3, 1, 2, 6, 8, 7, 0],
    [4, 2, 8, 6, 5, 7, 3, 9, 0, 1],
    [2, 7, 9, 3, 8, 0, 6, 4, 1, 5],
    [7, 0, 4, 6, 9, 1, 3, 2, 5, 8],
];
const VERHOEFF_INV: [u8; 10] = [0, 4, 3, 2, 1, 5, 6, 7, 8, 9];

/// True when the digit string ends in a correct Verhoeff check digit.
pub fn verhoeff_valid(digits: &str) -> bool {
    let mut c = 0u8;
    for (i, b) in digits.bytes().rev().enumerate() {
        if !b.is_ascii_digit() {
            return false;
        }
        c = VERHOEFF_D[c as usize][VERHOEFF_P[i % 8][(b - b'0') as usize] as usize];
    }
    c == 0
}

/// The Verhoeff check digit to append to `digits` (which must be all ASCII digits).
pub fn verhoeff_check_digit(digits: &str) -> u8 {
    let mut c = 0u8;
    for (i, b) in digits.bytes().rev().enumerate() {
        c = VERHOEFF_D[c as usize][VERHOEFF_P[(i + 1) % 8][(b - b'0') as usize] as usize];
    }
    VERHOEFF_INV[c as usize]
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn gstin_is_checked_by_its_mod_36_check_character() {
        // A GSTIN published as an example by the GST portal's validators.
        let good = Gstin::parse(" 27aapfu0939f1zv ").unwrap();
        assert_eq!(good.as_str(), "27AAPFU0939F1ZV");
        assert_eq!(good.state_code(), "27");
        assert_eq!(
            Gstin::parse("27AAPFU0939F1ZW"),
            Err(ValidationError::BadChecksum {
                field: Field::Gstin
            })
        );
        assert_eq!(
            Gstin::parse("27AAPFU0939F1Z"),
            Err(ValidationError::WrongLength {
                field: Field::Gstin,
                expected: 15
            })
        );
        assert_eq!(
            Gstin::parse("2AAAPFU0939F1ZV"),
            Err(ValidationError::BadFormat {
                field: Field::Gstin
            })
        );
        // Every 14-character start has exactly one check character.
        let start = "23ABCDE1234F1Z";
        let check = gstin_check_char(start).unwrap();
        assert!(Gstin::parse(&format!("{start}{check}")).is_ok());
    }

    #[test]
    fn udyam_numbers_have_their_published_shape() {
        assert_eq!(
            Udyam::parse("udyam-mp-23-0001234").unwrap().as_str(),
            "UDYAM-MP-23-0001234"
        );
        for bad in [
            "UDYAM-MP-23-001234",
            "UDYAM-M1-23-0001234",
            "UDYOG-MP-23-0001234",
            "",
        ] {
            assert_eq!(
                Udyam::parse(bad),
                Err(ValidationError::BadFormat {
                    field: Field::Udyam
                }),
                "{bad}"
            );
        }
    }

    #[test]
    fn verhoeff_accepts_the_published_example_and_rejects_a_changed_digit() {
        // 236 -> check digit 3 is the textbook example.
        assert_eq!(verhoeff_check_digit("236"), 3);
        assert!(verhoeff_valid("2363"));
        assert!(!verhoeff_valid("2364"));
    }

    #[test]
    fn aadhaar_is_masked_to_its_last_four_digits() {
        let body = "23456789012";
        let full = format!("{body}{}", verhoeff_check_digit(body));
        let a = Aadhaar::parse(&full).unwrap();
        assert_eq!(a.masked(), format!("XXXX XXXX {}", &full[8..]));
        assert!(!format!("{:?}", a.masked()).contains(body));
    }

    #[test]
    fn aadhaar_starting_with_0_or_1_is_refused() {
        let body = "12345678901";
        let full = format!("{body}{}", verhoeff_check_digit(body));
        assert_eq!(
            Aadhaar::parse(&full),
            Err(ValidationError::BadFirstDigit {
                field: Field::Aadhaar
            })
        );
    }

    #[test]
    fn mobile_prefixes_are_stripped() {
        for raw in [
            "+91 98765 43210",
            "919876543210",
            "09876543210",
            "98765-43210",
        ] {
            assert_eq!(Mobile::parse(raw).unwrap().as_str(), "9876543210", "{raw}");
        }
        assert!(Mobile::parse("5876543210").is_err());
        assert!(Mobile::parse("987654321").is_err());
    }

    #[test]
    fn ifsc_pin_and_samagra_ids_follow_their_formats() {
        assert_eq!(Ifsc::parse("sbin0001234").unwrap().as_str(), "SBIN0001234");
        assert!(Ifsc::parse("SBIN1001234").is_err());
        assert!(Ifsc::parse("SBI00012345").is_err());
        assert!(PinCode::parse("462001").unwrap().is_madhya_pradesh());
        assert!(!PinCode::parse("110001").unwrap().is_madhya_pradesh());
        assert!(PinCode::parse("062001").is_err());
        assert_eq!(
            SamagraFamilyId::parse("00123456").unwrap().as_str(),
            "00123456"
        );
        assert!(SamagraFamilyId::parse("0012345").is_err());
        assert!(SamagraMemberId::parse("12345678a").is_err());
        assert!(serde_json::from_str::<SamagraMemberId>("\"12345\"").is_err());
    }

    proptest! {
        #[test]
        fn every_aadhaar_built_with_its_check_digit_is_accepted(body in "[2-9][0-9]{10}") {
            let full = format!("{body}{}", verhoeff_check_digit(&body));
            prop_assert!(Aadhaar::parse(&full).is_ok());
        }

        #[test]
        fn any_single_digit_change_breaks_the_aadhaar_checksum(
            body in "[2-9][0-9]{10}", pos in 1usize..12, delta in 1u8..10
        ) {
            let full = format!("{body}{}", verhoeff_check_digit(&body));
            let mut bytes = full.into_bytes();
            bytes[pos] = b'0' + (bytes[pos] - b'0' + delta) % 10;
            let changed = String::from_utf8(bytes).unwrap();
            prop_assert!(Aadhaar::parse(&changed).is_err());
        }

        #[test]
        fn adjacent_transpositions_break_the_aadhaar_checksum(body in "[2-9][0-9]{10}", pos in 1usize..11) {
            let full = format!("{body}{}", verhoeff_check_digit(&body));
            let mut bytes = full.into_bytes();
            prop_assume!(bytes[pos] != bytes[pos + 1]);
            bytes.swap(pos, pos + 1);
            prop_assert!(!verhoeff_valid(std::str::from_utf8(&bytes).unwrap()));
        }

        #[test]
        fn mobile_normalisation_is_idempotent(n in "[6-9][0-9]{9}", prefix in prop::sample::select(vec!["", "+91", "91", "0", "+91 "])) {
            let m = Mobile::parse(&format!("{prefix}{n}")).unwrap();
            prop_assert_eq!(m.as_str(), n.as_str());
            prop_assert_eq!(Mobile::parse(m.as_str()).unwrap(), m);
        }

        #[test]
        fn samagra_member_ids_round_trip_through_json(id in "[0-9]{9}") {
            let parsed = SamagraMemberId::parse(&id).unwrap();
            let json = serde_json::to_string(&parsed).unwrap();
            prop_assert_eq!(serde_json::from_str::<SamagraMemberId>(&json).unwrap(), parsed);
        }

        #[test]
        fn wrong_length_digit_strings_are_never_member_ids(id in "[0-9]{0,8}|[0-9]{10,14}") {
            prop_assert!(SamagraMemberId::parse(&id).is_err());
        }

        #[test]
        fn parsers_never_panic_on_arbitrary_text(s in "\\PC{0,20}") {
            let _ = (Aadhaar::parse(&s), Mobile::parse(&s), Ifsc::parse(&s), PinCode::parse(&s),
                     SamagraFamilyId::parse(&s), SamagraMemberId::parse(&s), EshramUan::parse(&s), LgdCode::parse(&s));
        }
    }
}
