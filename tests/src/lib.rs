//! End-to-end test support: a fault-injecting, link-shaping TCP proxy for loopback, a headless
//! Chromium driven through ChromeDriver for the pages, and a
//! real sync server that can be crashed and restarted under the proxy.

pub mod browser;
pub mod link;
pub mod loopback;
pub mod phone;
pub mod proxy;
pub mod server;
