//! Port requirements as rule files write them: `tcp:9999`, `udp:2088-2091`,
//! `tcp:ssh_port` (the setup's SSH port) or `all` (every protocol and port).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protocol {
    /// IpProtocol "-1": every protocol.
    All,
    Tcp,
    Udp,
}

impl Protocol {
    /// The IpProtocol value of a permission, as AWS may print it.
    pub fn of_permission(ip_protocol: &str) -> Option<Protocol> {
        // Asked for every permission, port and source: compared in place.
        let named = |names: [&str; 2]| names.iter().any(|n| ip_protocol.eq_ignore_ascii_case(n));
        if named(["-1", "all"]) {
            Some(Protocol::All)
        } else if named(["tcp", "6"]) {
            Some(Protocol::Tcp)
        } else if named(["udp", "17"]) {
            Some(Protocol::Udp)
        } else {
            None
        }
    }

    pub fn as_aws(self) -> &'static str {
        match self {
            Protocol::All => "-1",
            Protocol::Tcp => "tcp",
            Protocol::Udp => "udp",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PortRange {
    Fixed(u16, u16),
    /// The setup's `ssh_port`, 22 unless the customer changed it.
    SshPort,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PortReq {
    pub protocol: Protocol,
    /// None for `all`.
    pub ports: Option<PortRange>,
}

impl PortReq {
    /// The concrete range for a setup's SSH port (`None`: every port).
    pub fn range(&self, ssh_port: u16) -> Option<(u16, u16)> {
        self.ports.map(|p| match p {
            PortRange::Fixed(from, to) => (from, to),
            PortRange::SshPort => (ssh_port, ssh_port),
        })
    }
}

impl FromStr for PortReq {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        if text == "all" {
            return Ok(PortReq {
                protocol: Protocol::All,
                ports: None,
            });
        }
        let usage = || {
            format!(
                "invalid port `{text}`: expected `tcp:9999`, `udp:2088-2091`, `tcp:ssh_port` or `all`"
            )
        };
        let (protocol, ports) = text.split_once(':').ok_or_else(usage)?;
        let protocol = match protocol {
            "tcp" => Protocol::Tcp,
            "udp" => Protocol::Udp,
            _ => return Err(usage()),
        };
        let ports = if ports == "ssh_port" {
            PortRange::SshPort
        } else {
            let (from, to) = ports.split_once('-').unwrap_or((ports, ports));
            let from: u16 = from.parse().map_err(|_| usage())?;
            let to: u16 = to.parse().map_err(|_| usage())?;
            if from > to {
                return Err(format!("invalid port range `{text}`: {from} is above {to}"));
            }
            PortRange::Fixed(from, to)
        };
        Ok(PortReq {
            protocol,
            ports: Some(ports),
        })
    }
}

impl fmt::Display for PortReq {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.ports {
            None => f.write_str("all traffic"),
            Some(PortRange::SshPort) => {
                write!(f, "{} ssh_port", self.protocol.as_aws().to_uppercase())
            }
            Some(PortRange::Fixed(a, b)) if a == b => {
                write!(f, "{} {a}", self.protocol.as_aws().to_uppercase())
            }
            Some(PortRange::Fixed(a, b)) => {
                write!(f, "{} {a}-{b}", self.protocol.as_aws().to_uppercase())
            }
        }
    }
}

impl<'de> Deserialize<'de> for PortReq {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer)?
            .parse()
            .map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_forms() {
        let p: PortReq = "tcp:9999".parse().unwrap();
        assert_eq!(p.range(22), Some((9999, 9999)));
        let p: PortReq = "udp:2088-2091".parse().unwrap();
        assert_eq!(
            (p.protocol, p.range(22)),
            (Protocol::Udp, Some((2088, 2091)))
        );
        let p: PortReq = "tcp:ssh_port".parse().unwrap();
        assert_eq!(p.range(2222), Some((2222, 2222)));
        let p: PortReq = "all".parse().unwrap();
        assert_eq!((p.protocol, p.range(22)), (Protocol::All, None));
    }

    #[test]
    fn rejects_nonsense() {
        for bad in ["tcp", "icmp:1", "tcp:70000", "udp:10-5", "tcp:x", ""] {
            assert!(bad.parse::<PortReq>().is_err(), "{bad}");
        }
    }

    #[test]
    fn protocol_names_and_numbers_agree() {
        assert_eq!(Protocol::of_permission("6"), Some(Protocol::Tcp));
        assert_eq!(Protocol::of_permission("TCP"), Some(Protocol::Tcp));
        assert_eq!(Protocol::of_permission("17"), Some(Protocol::Udp));
        assert_eq!(Protocol::of_permission("-1"), Some(Protocol::All));
        assert_eq!(Protocol::of_permission("icmp"), None);
    }
}
