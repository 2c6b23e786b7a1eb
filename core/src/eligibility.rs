//! Eligibility rules as versioned data (`data/rules/*.json`) and their evaluation to a result
//! that names every failed rule. The same code runs on the device and on the server.
