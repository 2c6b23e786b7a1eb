//! End-to-end test support: a fault-injecting, link-shaping TCP proxy for loopback, and a
//! real sync server that can be crashed and restarted under the proxy.

pub mod link;
pub mod loopback;
pub mod proxy;
pub mod server;
