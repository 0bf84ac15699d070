//! `--with REPORT.json`: an outside probe's report (`ftpdoctor probe --format json|jsonl`),
//! read through small structs of its own that take only the fields the reconciliation
//! needs. One object, an array (pick with `--target`), or JSON lines.

use serde::Deserialize;

/// The schema a report must declare.
pub const REPORT_SCHEMA: &str = "ftpdoctor.report/v1";

/// What `inspect` reads of a probe report.
#[derive(Debug, Deserialize, Default, Clone)]
#[serde(default)]
pub struct Seen {
    /// Must be [`REPORT_SCHEMA`].
    pub schema: String,
    /// The target as given.
    pub target: Target,
    /// The control connection.
    pub control: Option<Control>,
    /// Each mode.
    pub modes: Vec<Mode>,
}

/// `target`.
#[derive(Debug, Deserialize, Default, Clone)]
#[serde(default)]
pub struct Target {
    /// As typed.
    pub input: String,
    /// The host part.
    pub host: String,
}

/// `control`.
#[derive(Debug, Deserialize, Default, Clone)]
#[serde(default)]
pub struct Control {
    /// `ip:port` the probe reached.
    pub peer: Option<String>,
}

/// One of `modes`.
#[derive(Debug, Deserialize, Default, Clone)]
#[serde(default)]
pub struct Mode {
    /// epsv, pasv, eprt, port.
    pub mode: String,
    /// What the 227 (or 229) advertised.
    pub advertised: Option<Advertised>,
    /// The data dials.
    pub dials: Vec<Dial>,
}

/// `advertised`.
#[derive(Debug, Deserialize, Default, Clone)]
#[serde(default)]
pub struct Advertised {
    /// The address (absent for EPSV).
    pub ip: Option<String>,
    /// The port.
    pub port: Option<u16>,
}

/// One of `dials`.
#[derive(Debug, Deserialize, Default, Clone)]
#[serde(default)]
pub struct Dial {
    /// `ip:port`.
    pub addr: String,
    /// connected, refused, timeout, ...
    pub outcome: String,
}

impl Seen {
    /// The control peer's address, without the port.
    pub fn peer_ip(&self) -> Option<String> {
        let peer = self.control.as_ref()?.peer.as_ref()?;
        let sock: std::net::SocketAddr = peer.parse().ok()?;
        Some(sock.ip().to_string())
    }
}

/// Picks the report for `target` (or the only one) out of `text`.
pub fn read(text: &str, target: Option<&str>) -> Result<Seen, String> {
    let trimmed = text.trim_start();
    let all: Vec<Seen> = if trimmed.starts_with('[') {
        serde_json::from_str(trimmed).map_err(|e| format!("not a probe report array: {e}"))?
    } else {
        match serde_json::from_str::<Seen>(trimmed) {
            Ok(one) => vec![one],
            Err(_) => trimmed
                .lines()
                .filter(|l| !l.trim().is_empty())
                .map(|l| {
                    serde_json::from_str(l)
                        .map_err(|e| format!("not a probe report (JSON, array or JSON lines): {e}"))
                })
                .collect::<Result<_, _>>()?,
        }
    };
    if let Some(bad) = all.iter().find(|s| s.schema != REPORT_SCHEMA) {
        return Err(format!(
            "schema {:?}, expected {REPORT_SCHEMA:?}",
            bad.schema
        ));
    }
    let mut matching: Vec<Seen> = all
        .into_iter()
        .filter(|s| target.is_none_or(|t| s.target.input == t || s.target.host == t))
        .collect();
    match (matching.len(), target) {
        (1, _) => Ok(matching.remove(0)),
        (0, Some(t)) => Err(format!("no report for target {t:?} in it")),
        (0, None) => Err("no report in it".into()),
        (n, _) => Err(format!("{n} reports in it: choose one with --target")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ONE: &str = r#"{"schema":"ftpdoctor.report/v1","target":{"input":"ftp://a/","host":"a"},"control":{"peer":"203.0.113.1:21"},"modes":[{"mode":"pasv","advertised":{"ip":"10.0.0.2","port":30001,"class":"private"},"dials":[{"addr":"203.0.113.1:30001","outcome":"timeout","ms":1.0}]}],"verdict":"fail"}"#;

    #[test]
    fn with_report_single_array_and_jsonl() {
        let one = read(ONE, None).expect("one");
        assert_eq!(one.peer_ip().as_deref(), Some("203.0.113.1"));
        assert_eq!(
            one.modes[0].advertised.as_ref().and_then(|a| a.port),
            Some(30001)
        );
        let array = format!(
            "[{ONE},{}]",
            ONE.replace("ftp://a/", "ftp://b/")
                .replace("\"a\"", "\"b\"")
        );
        assert!(read(&array, None).is_err(), "two reports need --target");
        assert_eq!(read(&array, Some("b")).expect("b").target.host, "b");
        let lines = format!("{ONE}\n{}\n", ONE.replace("\"a\"", "\"c\""));
        assert_eq!(read(&lines, Some("c")).expect("c").target.host, "c");
    }

    #[test]
    fn with_report_refuses_other_schemas() {
        let err = read(&ONE.replace("report/v1", "report/v9"), None).expect_err("v9");
        assert!(err.contains("expected"), "{err}");
    }
}
