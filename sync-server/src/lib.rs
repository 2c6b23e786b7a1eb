//! panjiyan-server: the sync server. Serves camp packs, takes pushes exactly once, answers
//! status pulls, records officers' decisions. Storage is PostgreSQL or SQLite behind one trait.
//!
//! | module | owns |
//! |---|---|
//! | `app` | settings, shared state, the router, `launch` |
//! | `api` | HTTP handlers, one module per concept |
//! | `auth` | passwords, tokens, the user/device extractors |
//! | `storage` | the `Storage` trait and its PostgreSQL and SQLite backends |
//! | `packs` | building and signing camp packs, deltas |
//! | `camps` | who may staff a camp, camp times and ids, whether a device's pack is ready |
//! | `campaign` | the campaign's rules: payout per approved registration, completion projection |
//! | `import` | parsing LGD and Samagra files |
//! | `demo` | the synthetic demo district |
//! | `rollup` | the progress rollup: counts per place, day, channel and state for the dashboards |
//! | `notify` | SMS and voice messages to workers: templates, the outbox dispatcher, gateways |
//! | `web` | server-rendered pages for officers and admins: sign-in, queue, decisions, audit |
//! | `metrics`, `openapi`, `error` | /metrics, /api/openapi.json, the JSON error shape |

pub mod api;
pub mod app;
pub mod auth;
pub mod campaign;
pub mod camps;
pub mod demo;
pub mod error;
pub mod import;
pub mod metrics;
pub mod notify;
pub mod openapi;
pub mod packs;
pub mod rollup;
pub mod storage;
pub mod web;
