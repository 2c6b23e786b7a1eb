//! panjiyan-server: the sync server. Serves camp packs, takes pushes exactly once, answers
//! status pulls, records officers' decisions. Storage is PostgreSQL or SQLite, queries written once for both.
//!
//! | module | owns |
//! |---|---|
//! | `app` | settings, shared state, the router, `launch` |
//! | `api` | HTTP handlers, one module per concept |
//! | `auth` | passwords, tokens, the user/device extractors |
//! | `storage` | the database by concept, each query written once for PostgreSQL and SQLite |
//! | `texts` | the server's own texts (pages) in Hindi and English, before core's shared ones |
//! | `decisions` | an officer's decision as one transaction: state, number, messages, audit |
//! | `intake` | push intake: checks per record, storing exactly once, duplicates |
//! | `codes` | codes by SMS that prove a worker's mobile number: hashed, expiring, limited |
//! | `self_service` | workers registering themselves: the camp's form and checks, through `intake` |
//! | `client_addr` | the client's address as rate limits count it: past trusted proxies, IPv6 by /64 |
//! | `roles` | `Role` and what each role may do |
//! | `packs` | building and signing camp packs, deltas |
//! | `camps` | who may staff a camp, camp times and ids, whether a device's pack is ready |
//! | `campaign` | the campaign's rules: payout per approved registration, completion projection |
//! | `import` | parsing LGD and Samagra files |
//! | `demo` | the synthetic demo district |
//! | `harness` | (feature `test-harness`) a real server on loopback over a fresh database, and shared test fixtures |
//! | `background` | the loop every instance runs: rollup, missing packs, old rate-limit rows |
//! | `rollup` | the progress rollup: counts per place, day, channel and state for the dashboards |
//! | `notify` | SMS and voice messages to workers: templates, the outbox dispatcher, gateways |
//! | `web` | server-rendered pages for officers and admins: sign-in, queue, decisions, audit |
//! | `print` | PDFs: workers' registration cards (with a QR code) and a camp's pre-filled application forms |
//! | `metrics`, `openapi`, `error` | /metrics, /api/openapi.json, the JSON error shape |

pub mod api;
pub mod app;
pub mod auth;
pub mod background;
pub mod campaign;
pub mod camps;
pub mod cards;
pub mod client_addr;
pub mod codes;
pub mod config;
pub mod csv_file;
pub mod decisions;
pub mod demo;
pub mod error;
#[cfg(feature = "test-harness")]
pub mod harness;
pub mod import;
pub mod intake;
pub mod metrics;
pub mod notify;
pub mod openapi;
pub mod packs;
pub mod print;
pub mod roles;
pub mod rollup;
pub mod rozgar;
pub mod self_service;
pub mod storage;
pub mod texts;
pub mod web;
