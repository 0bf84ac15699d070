//! docker-compose YAML: each service's `ports` (short `"[ip:]host:container[/proto]"` and
//! long `{target, published}` syntax), `network_mode`, and `environment` (list or map).

use super::deploy::{Deploy, Published, tcp_range};
use super::model::Loc;
use super::yaml::{self, Node};

/// Every service of the compose file `file` with text `text`.
pub fn parse(file: &str, text: &str) -> Result<Vec<Deploy>, String> {
    let docs = yaml::parse(text)?;
    let doc = docs.first().ok_or("an empty compose file")?;
    let services = doc.get("services").ok_or("no `services:` in it")?;
    let mut out = Vec::new();
    for (name, svc) in services.pairs() {
        let mut d = Deploy::new("compose", file, name.str().unwrap_or("?"));
        d.host_network = svc.get("network_mode").and_then(Node::str) == Some("host");
        for port in svc.get("ports").map(Node::items).unwrap_or_default() {
            port_entry(&mut d, file, port);
        }
        match svc.get("environment") {
            Some(Node::Seq(items, _)) => {
                for item in items {
                    if let Some((k, v)) = item.str().and_then(|s| s.split_once('=')) {
                        d.env_var(k, v, Loc::at(file, item.line()));
                    }
                }
            }
            Some(Node::Map(pairs, _)) => {
                for (k, v) in pairs {
                    if let (Some(key), Some(value)) = (k.str(), v.str()) {
                        d.env_var(key, value, Loc::at(file, v.line()));
                    }
                }
            }
            _ => {}
        }
        out.push(d);
    }
    Ok(out)
}

fn port_entry(d: &mut Deploy, file: &str, port: &Node) {
    let loc = Loc::at(file, port.line());
    match port {
        Node::Scalar(text, plain, _) => {
            if *plain && let Some(value) = yaml::base60(text) {
                d.base60.push((text.clone(), value, loc.clone()));
            }
            if let Some(p) = short(text, loc) {
                d.published.push(p);
            }
        }
        Node::Map(..) => {
            let target = port.get("target").and_then(Node::str);
            let published = port.get("published").and_then(Node::str);
            let proto = port.get("protocol").and_then(Node::str).unwrap_or("tcp");
            if !proto.eq_ignore_ascii_case("tcp") {
                return;
            }
            if let Some(Some(container)) = target.map(|t| tcp_range(t).flatten()) {
                let host = published.and_then(|p| tcp_range(p).flatten());
                d.published.push(Published {
                    host,
                    container,
                    loc,
                });
            }
        }
        Node::Seq(..) => {}
    }
}

/// `[ip:]host[-range]:container[-range][/proto]`, or `container[-range][/proto]`.
fn short(text: &str, loc: Loc) -> Option<Published> {
    let (body, proto) = text.split_once('/').unwrap_or((text, "tcp"));
    if !proto.eq_ignore_ascii_case("tcp") {
        return None;
    }
    // An IPv6 host address is bracketed: drop it first.
    let body = match body.rfind(']') {
        Some(end) => body[end + 1..].trim_start_matches(':'),
        None => body,
    };
    let parts: Vec<&str> = body.split(':').collect();
    let container = super::model::PortRange::parse(parts.last()?)?;
    let host = match parts.len() {
        1 => None,
        n => super::model::PortRange::parse(parts[n - 2]),
    };
    Some(Published {
        host,
        container,
        loc,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inspect::model::PortRange;

    const COMPOSE: &str = "services:\n  ftp:\n    image: x\n    ports:\n      - 21:21\n      - \"31000-31009:30000-30009\"\n      - target: 990\n        published: \"990\"\n    environment:\n      - PASV_ADDRESS=203.0.113.4\n      - PASV_MIN_PORT=30000\n      - PASV_MAX_PORT=30009\n";

    #[test]
    fn compose_short_long_and_base60() {
        let d = &parse("c.yml", COMPOSE).expect("compose")[0];
        assert_eq!(d.base60, vec![("21:21".into(), 1281, Loc::at("c.yml", 5))]);
        assert_eq!(d.published.len(), 3);
        assert_eq!(d.published[1].host, PortRange::new(31000, 31009));
        assert_eq!(
            d.published[1].container,
            PortRange::new(30000, 30009).expect("r")
        );
        assert_eq!(d.published[2].loc.line, Some(7));
        assert_eq!(
            d.env.range.as_ref().map(|r| r.value),
            PortRange::new(30000, 30009)
        );
        assert_eq!(
            d.env.public_address.as_ref().map(|a| a.loc.line),
            Some(Some(10))
        );
    }

    #[test]
    fn compose_env_map_and_ipv6_host() {
        let text = "services:\n  f:\n    ports: [\"[::1]:2121:21\", \"127.0.0.1:30000-30009:30000-30009/tcp\", \"53:53/udp\"]\n    environment:\n      FTP_PASSIVE_PORTS: \"30000:30009\"\n      PUBLICHOST: ftp.example.com\n";
        let d = &parse("c", text).expect("compose")[0];
        assert_eq!(d.published.len(), 2);
        assert_eq!(d.published[0].host, PortRange::new(2121, 2121));
        assert_eq!(d.env.range.as_ref().map(|r| r.loc.line), Some(Some(5)));
    }
}
