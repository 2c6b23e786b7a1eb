//! Name matching that tolerates how Indian names vary in spelling and script: Devanagari and
//! Latin spellings of a name reduce to the same phonetic key (Laxmi, Lakshmi, लक्ष्मी).
