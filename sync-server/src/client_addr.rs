//! Who is asking, as the rate limits count it: the socket's address, or, when the socket is a
//! configured trusted proxy (the nginx in front), the address that proxy saw, read from
//! `X-Forwarded-For` right to left past the trusted hops; an IPv6 client by its /64, the block
//! one phone or household is given, so that rotating addresses within it counts as one.

use crate::app::App;
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use std::net::{IpAddr, SocketAddr};

/// An address block, `10.0.0.0/8` or `2001:db8::/32`; a bare address is a block of one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cidr {
    net: IpAddr,
    bits: u8,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("{0:?} is not an IP address or address block (like 10.0.0.0/8 or 2001:db8::/32)")]
pub struct BadCidr(String);

impl std::str::FromStr for Cidr {
    type Err = BadCidr;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || BadCidr(s.to_owned());
        let (addr, bits) = match s.trim().split_once('/') {
            Some((a, b)) => (a, Some(b.parse::<u8>().map_err(|_| bad())?)),
            None => (s.trim(), None),
        };
        let net: IpAddr = addr.parse().map_err(|_| bad())?;
        let most = if net.is_ipv4() { 32 } else { 128 };
        let bits = bits.unwrap_or(most);
        if bits > most {
            return Err(bad());
        }
        Ok(Cidr { net, bits })
    }
}

impl Cidr {
    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.net, ip) {
            (IpAddr::V4(n), IpAddr::V4(a)) => {
                prefix(u32::from(n).into(), 32, self.bits)
                    == prefix(u32::from(a).into(), 32, self.bits)
            }
            (IpAddr::V6(n), IpAddr::V6(a)) => {
                prefix(u128::from(n), 128, self.bits) == prefix(u128::from(a), 128, self.bits)
            }
            _ => false,
        }
    }
}

/// The top `bits` of a `width`-bit address.
/// Whether `ip` is one of the trusted proxies (whose forwarded headers are believed).
pub fn is_trusted(ip: IpAddr, trusted: &[Cidr]) -> bool {
    trusted.iter().any(|c| c.contains(ip))
}

fn prefix(addr: u128, width: u32, bits: u8) -> u128 {
    if bits == 0 {
        0
    } else {
        addr >> (width - u32::from(bits))
    }
}

/// The client a request comes from, as the rate limits count it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientAddr(pub IpAddr);

impl ClientAddr {
    /// The client behind `socket`: itself, unless it is one of `trusted`; then the nearest
    /// address in `forwarded_for` (all `X-Forwarded-For` values, in order) that is not.
    pub fn of(socket: IpAddr, forwarded_for: &[&str], trusted: &[Cidr]) -> ClientAddr {
        let is_trusted = |ip: IpAddr| is_trusted(ip, trusted);
        if !is_trusted(socket) {
            return ClientAddr(socket);
        }
        let hops: Vec<&str> = forwarded_for
            .iter()
            .flat_map(|v| v.split(','))
            .map(str::trim)
            .filter(|h| !h.is_empty())
            .collect();
        let mut client = socket;
        for hop in hops.iter().rev() {
            // A hop that is not an address was written by someone we cannot trust: the last
            // trusted proxy is who we know.
            let Ok(ip) = hop.parse::<IpAddr>() else {
                break;
            };
            client = ip;
            if !is_trusted(ip) {
                break;
            }
        }
        ClientAddr(client)
    }

    /// What the limits count under: an IPv4 address whole, an IPv6 address by its /64.
    pub fn limit_key(&self) -> String {
        match self.0 {
            IpAddr::V4(a) => a.to_string(),
            IpAddr::V6(a) => match a.to_ipv4_mapped() {
                Some(v4) => v4.to_string(),
                None => {
                    let s = a.segments();
                    format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
                }
            },
        }
    }
}

impl FromRequestParts<App> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, app: &App) -> Result<Self, Self::Rejection> {
        let socket = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map_or(IpAddr::from([0, 0, 0, 0]), |c| c.0.ip());
        let forwarded: Vec<&str> = parts
            .headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .collect();
        Ok(ClientAddr::of(
            socket,
            &forwarded,
            &app.settings.trusted_proxies,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn blocks_hold_what_they_say() {
        let lan: Cidr = "10.0.0.0/8".parse().unwrap();
        assert!(lan.contains(ip("10.200.3.4")) && !lan.contains(ip("11.0.0.1")));
        let one: Cidr = "127.0.0.1".parse().unwrap();
        assert!(one.contains(ip("127.0.0.1")) && !one.contains(ip("127.0.0.2")));
        let v6: Cidr = "2001:db8::/32".parse().unwrap();
        assert!(v6.contains(ip("2001:db8:ffff::1")) && !v6.contains(ip("2001:db9::1")));
        assert!(!v6.contains(ip("10.0.0.1")));
        assert!("0.0.0.0/0".parse::<Cidr>().unwrap().contains(ip("8.8.8.8")));
        for bad in ["10.0.0.0/33", "nginx", "::1/129", ""] {
            assert!(bad.parse::<Cidr>().is_err(), "{bad}");
        }
    }

    #[test]
    fn the_client_is_read_past_trusted_proxies_only() {
        let trusted: Vec<Cidr> = vec!["127.0.0.1".parse().unwrap(), "10.0.0.0/8".parse().unwrap()];
        // Straight from the internet: its own address, whatever it claims.
        assert_eq!(
            ClientAddr::of(ip("203.0.113.9"), &["1.2.3.4"], &trusted).0,
            ip("203.0.113.9")
        );
        // Through nginx: the address nginx saw (the rightmost untrusted hop); a forged
        // left part is ignored.
        assert_eq!(
            ClientAddr::of(ip("127.0.0.1"), &["6.6.6.6, 198.51.100.7"], &trusted).0,
            ip("198.51.100.7")
        );
        // Through two proxies of ours.
        assert_eq!(
            ClientAddr::of(ip("127.0.0.1"), &["198.51.100.7", "10.1.2.3"], &trusted).0,
            ip("198.51.100.7")
        );
        // A proxy of ours without the header: the proxy is all we know.
        assert_eq!(
            ClientAddr::of(ip("10.1.2.3"), &[], &trusted).0,
            ip("10.1.2.3")
        );
        assert_eq!(
            ClientAddr::of(ip("10.1.2.3"), &["garbage, 10.9.9.9"], &trusted).0,
            ip("10.9.9.9")
        );
    }

    #[test]
    fn ipv6_clients_count_by_their_64() {
        let a = ClientAddr(ip("2001:db8:1:2::1")).limit_key();
        let b = ClientAddr(ip("2001:db8:1:2:ffff:ffff:ffff:ffff")).limit_key();
        let c = ClientAddr(ip("2001:db8:1:3::1")).limit_key();
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert_eq!(a, "2001:db8:1:2::/64");
        assert_eq!(ClientAddr(ip("::ffff:192.0.2.1")).limit_key(), "192.0.2.1");
        assert_eq!(ClientAddr(ip("192.0.2.1")).limit_key(), "192.0.2.1");
    }
}
