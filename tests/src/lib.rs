//! End-to-end test support: a fault-injecting, link-shaping TCP proxy for loopback, a headless
//! Chromium driven through ChromeDriver for the pages, real nginx in front of real servers, camp
//! phones, and a camp over a shaped link. The real sync server they run against is
//! `panjiyan_server::harness`.

pub mod browser;
pub mod laptop;
pub mod link;
pub mod loopback;
pub mod nginx;
pub mod phone;
pub mod proxy;
