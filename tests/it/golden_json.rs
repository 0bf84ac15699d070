//! The JSON report of every lab scenario, every fault of the fault lab and a few names
//! resolved through our own DNS server, compared byte
//! for byte with the one recorded in `tests/golden/`, after [`normalise`] has replaced
//! what changes from run to run (ports, times, certificate dates). This pins the v1
//! schema (docs/report-schema.md) to its exact text: field names, field order, which
//! fields are left out, enum names on the wire and number formats.
//!
//! To record them anew after a deliberate schema change, run
//! `FTPDOCTOR_BLESS=1 cargo test --test golden_json` and review the diff.

use crate::common;

use std::net::{IpAddr, Ipv4Addr};
use std::path::PathBuf;
use std::sync::Arc;

use tokio::sync::Semaphore;

use common::cli::{Run, ftpdoctor};
use common::dns::{Answer, DnsServer};
use common::{ca_file, start};
use ftpdoctor::lab::{Fault, FaultServer, RANGE_LEN, Scenario};

/// Set to record the golden files instead of comparing with them.
const BLESS: &str = "FTPDOCTOR_BLESS";

/// Probes run at once: enough to keep the test short, few enough that a loaded 2-core
/// machine does not turn a 1 s step timeout into a false finding.
const AT_ONCE: usize = 4;

fn golden_path(kind: &str, name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(kind)
        .join(format!("{name}.json"))
}

/// What differs between two runs of the same probe against the same server, each
/// replaced by a fixed placeholder so that everything else can be compared exactly:
/// - the value of every time field (`ms`, `*_ms`: durations and the timeline's `t_ms`)
///   and of `port`, `days_left`, `lowest`, `highest`;
/// - certificate dates (`not_before`, `not_after`, any RFC 3339 time in text);
/// - the port of any `IPv4:port` or `[IPv6]:port` in text (peer, local, dials, accepts);
/// - the port in `(|||port|)` and `|1|addr|port|` (EPSV and EPRT), and the last two
///   numbers of a six-number PASV/PORT tuple;
/// - a number in front of ` ms`, or a fraction in front of ` s`, in text (evidence that
///   quotes a time), and seconds to the nanosecond (`within 2.899177219s`, a limit
///   computed from the deadline);
/// - any other five-digit number in text: the ports of a sampled range, `port 40123`;
/// - with `unbounded_data` (a server that sends without end or past the probe's cap),
///   byte counts, which depend on how far the data got when the probe stopped reading;
/// - a line longer than [`LONG_LINE`] becomes its length and hash, so that a fault's
///   64 KiB replies do not make a golden file of half a megabyte.
fn normalise(json: &str, unbounded_data: bool) -> String {
    let lines: Vec<String> = json
        .lines()
        .map(|line| normalise_line(line, unbounded_data))
        .map(|line| shorten(&line))
        .collect();
    quit_phase_per_connection(lines).join("\n") + "\n"
}

/// The probe ends its sessions all at once (QUIT on each, then the 221s), so from the
/// first QUIT on, how the connections' timeline events interleave is the scheduler's
/// choice: those events are put in connection order, each connection's own in the order
/// they came. Everything before the first QUIT keeps its exact order.
fn quit_phase_per_connection(lines: Vec<String>) -> Vec<String> {
    let mut out = Vec::with_capacity(lines.len());
    let mut i = 0;
    while i < lines.len() {
        out.push(lines[i].clone());
        if lines[i].trim() != "\"timeline\": [" {
            i += 1;
            continue;
        }
        // The events, one `{ ... }` block each, up to the closing `]`.
        let indent = lines[i].len() - lines[i].trim_start().len();
        let close = format!("{}]", " ".repeat(indent));
        let mut events: Vec<Vec<String>> = Vec::new();
        i += 1;
        while i < lines.len() && !lines[i].starts_with(&close) {
            let mut block = vec![lines[i].trim_end_matches(',').to_string()];
            let open_indent = lines[i].len() - lines[i].trim_start().len();
            i += 1;
            while i < lines.len() {
                let line = &lines[i];
                let at_open_indent = line.len() - line.trim_start().len() == open_indent;
                i += 1;
                if at_open_indent {
                    block.push(line.trim_end_matches(',').to_string());
                    break;
                }
                block.push(line.clone());
            }
            events.push(block);
        }
        let first_quit = events
            .iter()
            .position(|e| e.iter().any(|l| l.trim() == "\"line\": \"QUIT\""));
        if let Some(from) = first_quit {
            let conn = |e: &Vec<String>| {
                e.iter()
                    .find(|l| l.trim_start().starts_with("\"conn\": "))
                    .cloned()
                    .unwrap_or_default()
            };
            events[from..].sort_by_key(conn);
        }
        let count = events.len();
        for (n, mut block) in events.into_iter().enumerate() {
            if n + 1 < count
                && let Some(last) = block.last_mut()
            {
                last.push(',');
            }
            out.extend(block);
        }
    }
    out
}

/// Lines longer than this are kept as their length and hash.
const LONG_LINE: usize = 1024;

fn shorten(line: &str) -> String {
    if line.len() <= LONG_LINE {
        return line.to_string();
    }
    // FNV-1a: stable across runs and Rust versions, unlike std's hasher.
    let hash = line.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    });
    let keep: String = line.chars().take(80).collect();
    format!("{keep}... [{} bytes, fnv1a {hash:016x}]", line.len())
}

/// Keys whose number value is volatile, besides every `ms` and `*_ms`.
const VOLATILE_NUMBERS: [&str; 4] = ["port", "days_left", "lowest", "highest"];

/// `"t_ms": 12.5,` → `t_ms`.
fn key_of(trimmed: &str) -> Option<&str> {
    trimmed
        .strip_prefix('"')?
        .split_once("\": ")
        .map(|(key, _)| key)
}

/// Keys whose string value is volatile.
const VOLATILE_STRINGS: [&str; 2] = ["not_before", "not_after"];

fn normalise_line(line: &str, unbounded_data: bool) -> String {
    let trimmed = line.trim_start();
    let indent = &line[..line.len() - trimmed.len()];
    let bytes_key = unbounded_data.then_some("bytes");
    let time_key = key_of(trimmed).filter(|k| *k == "ms" || k.ends_with("_ms"));
    for key in VOLATILE_NUMBERS
        .into_iter()
        .chain(bytes_key)
        .chain(time_key)
    {
        let prefix = format!("\"{key}\": ");
        if let Some(value) = trimmed.strip_prefix(&prefix) {
            let comma = if value.ends_with(',') { "," } else { "" };
            return format!("{indent}{prefix}0{comma}");
        }
    }
    for key in VOLATILE_STRINGS {
        let prefix = format!("\"{key}\": ");
        if let Some(value) = trimmed.strip_prefix(&prefix) {
            let comma = if value.ends_with(',') { "," } else { "" };
            return format!("{indent}{prefix}\"DATE\"{comma}");
        }
    }
    let text = socket_ports(line);
    let text = epsv_and_eprt_ports(&text);
    let text = tuple_ports(&text);
    let text = quoted_times(&text);
    let text = arrived_bytes(&computed_seconds(&text));
    let text = rfc3339_dates(&text);
    let text = five_digit_numbers(&text);
    if unbounded_data {
        byte_counts(&text)
    } else {
        text
    }
}

/// `ports seen 22465–22474` → `ports seen NNNNN–NNNNN`.
fn five_digit_numbers(s: &str) -> String {
    tokens(s)
        .into_iter()
        .map(|t| {
            if is_number(t) && t.len() == 5 {
                "NNNNN"
            } else {
                t
            }
        })
        .collect()
}

/// `4194816 bytes` → `N bytes`.
fn byte_counts(s: &str) -> String {
    let t = tokens(s);
    let mut out = String::new();
    for (i, tok) in t.iter().enumerate() {
        let bytes_follow = t.get(i + 1).is_some_and(|n| n.starts_with(" bytes"));
        out.push_str(if is_number(tok) && bytes_follow {
            "N"
        } else {
            tok
        });
    }
    out
}

/// Splits `s` into runs of ASCII digits and runs of anything else.
fn tokens(s: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let bytes = s.as_bytes();
    for i in 1..=bytes.len() {
        if i == bytes.len() || bytes[i].is_ascii_digit() != bytes[start].is_ascii_digit() {
            out.push(&s[start..i]);
            start = i;
        }
    }
    out
}

fn is_number(t: &str) -> bool {
    t.bytes().next().is_some_and(|b| b.is_ascii_digit())
}

/// `127.0.0.1:40123` → `127.0.0.1:PORT`, `[::1]:40123` → `[::1]:PORT`.
fn socket_ports(s: &str) -> String {
    let t = tokens(s);
    let mut out = String::new();
    for (i, tok) in t.iter().enumerate() {
        let after_ipv4 = i >= 8
            && t[i - 1].ends_with(':')
            && t[i - 1].len() == 1
            && is_number(t[i - 2])
            && t[i - 3] == "."
            && is_number(t[i - 4])
            && t[i - 5] == "."
            && is_number(t[i - 6])
            && t[i - 7] == "."
            && is_number(t[i - 8]);
        let after_ipv6 = i >= 1 && t[i - 1].ends_with("]:");
        if is_number(tok) && (after_ipv4 || after_ipv6) {
            out.push_str("PORT");
        } else {
            out.push_str(tok);
        }
    }
    out
}

/// `(|||40123|)` → `(|||PORT|)` (and `(|||40123!)`, a fault's bad delimiter), `|1|127.0.0.1|40123|` → `|1|127.0.0.1|PORT|`.
fn epsv_and_eprt_ports(s: &str) -> String {
    let t = tokens(s);
    let mut out = String::new();
    for (i, tok) in t.iter().enumerate() {
        let after_epsv = i >= 1 && t[i - 1].ends_with("|||");
        let next_is_bar = t.get(i + 1).is_some_and(|n| n.starts_with('|'));
        // An EPRT port follows `|<family>|<address>|`: the address ends in a digit
        // (IPv4) or a hex digit or colon (IPv6), then one bar.
        let after_eprt_addr = i >= 1 && t[i - 1] == "|" && next_is_bar && s_before_is_eprt(&t[..i]);
        if is_number(tok) && (after_epsv || after_eprt_addr) {
            out.push_str("PORT");
        } else {
            out.push_str(tok);
        }
    }
    out
}

/// Whether the tokens end with `|1|a.b.c.d|` or `|2|...|`.
fn s_before_is_eprt(t: &[&str]) -> bool {
    let joined: String = t.concat();
    let Some(rest) = joined.strip_suffix('|') else {
        return false;
    };
    let Some((head, addr)) = rest.rsplit_once('|') else {
        return false;
    };
    let family_ok = head.ends_with("|1") || head.ends_with("|2");
    let addr_ok = !addr.is_empty()
        && addr
            .chars()
            .all(|c| c.is_ascii_hexdigit() || c == '.' || c == ':');
    family_ok && addr_ok
}

/// `127,0,0,1,156,64` → `127,0,0,1,P,P`: the port half of a PASV/PORT tuple (negative
/// numbers included, as a fault lab sends them).
fn tuple_ports(s: &str) -> String {
    let t = tokens(s);
    let mut out: Vec<String> = t.iter().map(ToString::to_string).collect();
    let mut i = 0;
    while i + 10 < t.len() + 1 {
        let run = &t[i..(i + 11).min(t.len())];
        let is_tuple = run.len() == 11
            && (0..11).all(|k| {
                if k % 2 == 0 {
                    is_number(run[k])
                } else {
                    run[k] == "," || run[k] == ",-"
                }
            })
            && (i == 0 || !t[i - 1].ends_with(','))
            && t.get(i + 11).is_none_or(|n| !n.starts_with(','));
        if is_tuple {
            out[i + 8] = "P".to_string();
            out[i + 10] = "P".to_string();
            i += 11;
        } else {
            i += 1;
        }
    }
    out.concat()
}

/// `1000.7 ms` → `N ms`, `0.4 ms` → `N ms`.
fn quoted_times(s: &str) -> String {
    let t = tokens(s);
    let mut out = String::new();
    let mut i = 0;
    while i < t.len() {
        // number, or number "." number, followed by " ms"; or number "." number
        // followed by " s" (a late greeting's time, to the tenth of a second)
        let (len, next) = if is_number(t[i]) && t.get(i + 1) == Some(&".") {
            (3, t.get(i + 3))
        } else {
            (1, t.get(i + 1))
        };
        let fraction_ok = len == 1 || t.get(i + 2).is_some_and(|f| is_number(f));
        let unit_follows = next.is_some_and(|n| {
            let unit = |u: &str| {
                n.strip_prefix(u)
                    .is_some_and(|rest| !rest.starts_with(|c: char| c.is_alphanumeric()))
            };
            // Whole seconds are fixed figures (a client's own timeout), not measured.
            unit(" ms") || (len == 3 && unit(" s"))
        });
        if is_number(t[i]) && fraction_ok && unit_follows {
            out.push('N');
            i += len;
        } else {
            out.push_str(t[i]);
            i += 1;
        }
    }
    out
}

/// `; 3 bytes of it had arrived` → `; N bytes of it had arrived`: how far a trickling reply
/// got before the deadline depends on the machine's timing.
fn arrived_bytes(s: &str) -> String {
    const TAIL: &str = " of it had arrived";
    let Some(end) = s.find(TAIL) else {
        return s.to_string();
    };
    let head = &s[..end];
    let Some(start) = head.rfind("; ") else {
        return s.to_string();
    };
    format!("{}; N bytes{}", &s[..start], &s[end..])
}

/// `within 2.899177219s` → `within Ns`: a limit computed from what is left of the
/// deadline (the wait for a late greeting), to the nanosecond. A configured limit
/// (`1s`, `1.5s`) has fewer decimals and stays.
fn computed_seconds(s: &str) -> String {
    let t = tokens(s);
    let mut out = String::new();
    let mut i = 0;
    while i < t.len() {
        let computed = is_number(t[i])
            && t.get(i + 1) == Some(&".")
            && t.get(i + 2).is_some_and(|f| is_number(f) && f.len() >= 4)
            && t.get(i + 3).is_some_and(|n| n.starts_with('s'));
        if computed {
            out.push('N');
            i += 3;
        } else {
            out.push_str(t[i]);
            i += 1;
        }
    }
    out
}

/// `2026-12-01T00:10:00Z` → `DATE`.
fn rfc3339_dates(s: &str) -> String {
    let bytes = s.as_bytes();
    let shape = b"dddd-dd-ddTdd:dd:ddZ";
    let mut out = String::new();
    let mut i = 0;
    while i < bytes.len() {
        let fits = bytes.len() - i >= shape.len()
            && shape.iter().zip(&bytes[i..]).all(|(want, got)| match want {
                b'd' => got.is_ascii_digit(),
                other => other == got,
            });
        if fits {
            out.push_str("DATE");
            i += shape.len();
        } else {
            let ch = s[i..].chars().next().unwrap_or(' ');
            out.push(ch);
            i += ch.len_utf8();
        }
    }
    out
}

/// Compares a run's normalised stdout with its golden file, or records it under BLESS.
fn check_golden(kind: &str, name: &str, run: &Run, unbounded_data: bool) -> Result<(), String> {
    if run.stdout.is_empty() || !run.stdout.starts_with('{') {
        return Err(format!("{kind}/{name}: no JSON report:\n{}", run.shown));
    }
    let got = normalise(&run.stdout, unbounded_data);
    let path = golden_path(kind, name);
    if std::env::var_os(BLESS).is_some() {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        }
        return std::fs::write(&path, &got).map_err(|e| format!("{}: {e}", path.display()));
    }
    let want = std::fs::read_to_string(&path)
        .map_err(|e| format!("{}: {e} (record it with {BLESS}=1)", path.display()))?;
    if got == want {
        return Ok(());
    }
    let first_diff = got
        .lines()
        .zip(want.lines())
        .enumerate()
        .find(|(_, (g, w))| g != w)
        .map(|(n, (g, w))| format!("line {}:\n  got:  {g}\n  want: {w}", n + 1))
        .unwrap_or_else(|| {
            format!(
                "lengths differ: {} vs {} lines",
                got.lines().count(),
                want.lines().count()
            )
        });
    Err(format!(
        "{kind}/{name} differs from {}: {first_diff}\n{}",
        path.display(),
        run.shown
    ))
}

/// `probe --format json --sequential` with `extra`: one connection, modes in turn, so
/// that the order of events (and so the report) does not depend on scheduling.
async fn probe(url: &str, extra: &[String]) -> Run {
    let mut args: Vec<String> = ["probe", url, "--format", "json", "--sequential"]
        .iter()
        .map(ToString::to_string)
        .collect();
    args.extend_from_slice(extra);
    ftpdoctor(args, Vec::new()).await
}

/// A lab scenario probed as the demo does: `--tls off` without TLS, the lab's CA with
/// it, the whole passive range sampled for partial-range; with `--transcript`, so that
/// the transcript's shape is pinned too.
async fn scenario_report(scenario: Scenario) -> Result<(), String> {
    let server = start(scenario).await;
    let mut extra: Vec<String> = ["--timeout", "1s", "--transcript"]
        .iter()
        .map(ToString::to_string)
        .collect();
    match ca_file(&server) {
        Some(ca) => extra.extend(["--ca-file".to_string(), ca.display().to_string()]),
        None => extra.extend(["--tls".to_string(), "off".to_string()]),
    }
    if scenario == Scenario::PartialRange {
        extra.extend(["--sample-ports".to_string(), RANGE_LEN.to_string()]);
    }
    let run = probe(&server.url(), &extra).await;
    server.shutdown().await;
    check_golden("lab", scenario.name(), &run, false)
}

/// A fault probed as tests/hostile_servers.rs does: passive modes only (the fault lab
/// serves no active mode), plain FTP, 1 s steps within a 3 s deadline.
async fn fault_report(fault: Fault) -> Result<(), String> {
    let listen = "127.0.0.1:0".parse().map_err(|e| format!("{e}"))?;
    let server = FaultServer::start(fault, listen)
        .await
        .map_err(|e| format!("starting fault {fault}: {e}"))?;
    let extra: Vec<String> = [
        "--timeout",
        "1s",
        "--deadline",
        "3s",
        "--tls",
        "off",
        "--modes",
        "epsv,pasv",
    ]
    .iter()
    .map(ToString::to_string)
    .collect();
    let run = probe(&server.url(), &extra).await;
    server.shutdown().await;
    // capped-no-reply sends past the probe's 4 MiB cap: how far past depends on when the
    // probe stopped reading.
    let unbounded_data = matches!(
        fault,
        Fault::EndlessData | Fault::TrickleData | Fault::CappedNoReply
    );
    check_golden("fault", fault.name(), &run, unbounded_data)
}

/// A name resolved through our DNS server (tests/common/dns.rs), so that the report's
/// `target.dns` part is pinned too: records with --all-addresses, and two failures.
async fn dns_report(case: &'static str, answer: Answer) -> Result<(), String> {
    let lab = start(Scenario::Healthy).await;
    let dns = DnsServer::start(&[("ftp.lab.test", answer)]).await;
    let url = format!("ftp://ftp.lab.test:{}/", lab.addr().port());
    let extra: Vec<String> = [
        "--timeout",
        "1s",
        "--tls",
        "off",
        "--all-addresses",
        "--dns-server",
        &dns.addr.to_string(),
    ]
    .iter()
    .map(ToString::to_string)
    .collect();
    let run = probe(&url, &extra).await;
    lab.shutdown().await;
    check_golden("dns", case, &run, false)
}

fn loopback4() -> Vec<IpAddr> {
    vec![IpAddr::V4(Ipv4Addr::LOCALHOST)]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_report_of_every_scenario_and_fault_matches_its_golden_file() {
    let limit = Arc::new(Semaphore::new(AT_ONCE));
    let mut tasks = Vec::new();
    for scenario in Scenario::ALL {
        let limit = Arc::clone(&limit);
        tasks.push(tokio::spawn(async move {
            let _permit = limit.acquire_owned().await;
            scenario_report(scenario).await
        }));
    }
    for fault in Fault::ALL {
        let limit = Arc::clone(&limit);
        tasks.push(tokio::spawn(async move {
            let _permit = limit.acquire_owned().await;
            fault_report(fault).await
        }));
    }
    let dns_cases = [
        ("records", Answer::Records(loopback4())),
        ("nxdomain", Answer::NxDomain),
        ("servfail", Answer::ServFail),
    ];
    for (case, answer) in dns_cases {
        let limit = Arc::clone(&limit);
        tasks.push(tokio::spawn(async move {
            let _permit = limit.acquire_owned().await;
            dns_report(case, answer).await
        }));
    }
    let mut failures = Vec::new();
    for task in tasks {
        match task.await {
            Ok(Ok(())) => {}
            Ok(Err(failure)) => failures.push(failure),
            Err(e) => failures.push(format!("a probe task died: {e}")),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn normaliser_replaces_ports_times_and_dates_and_nothing_else() {
    let raw = r#"{
  "peer": "127.0.0.1:40123",
  "addr": "[::1]:5021",
  "port": 40123,
  "ms": 1002.4,
  "elapsed_ms": 3.1,
  "t_ms": 0.4,
  "not_after": "2027-01-01T00:00:00Z",
  "text": "Entering Extended Passive Mode (|||51234|)",
  "request": "EPRT |1|127.0.0.1|4242|",
  "v6": "EPRT |2|::1|4242|",
  "pasv": "Entering Passive Mode (127,0,0,1,156,64).",
  "evidence": "timed out after 1000.7 ms, then 3 ms; 220 after 1.5 s; 3 servers; 120 s",
  "garbled": "(ftp,example,com,1,2) and 10.0.0.5 and code 227",
  "expires": "at 2027-01-01T00:00:00Z",
  "negative": "(127,0,0,-1,138,163) and (|||33557!)",
  "range": "22474 filtered; 22472–22473 refused; port 38973; RFC 1918",
  "detail": "no reply within 2.899177219s (--timeout 1.5s, TLSv1.3)"
}"#;
    let want = r#"{
  "peer": "127.0.0.1:PORT",
  "addr": "[::1]:PORT",
  "port": 0,
  "ms": 0,
  "elapsed_ms": 0,
  "t_ms": 0,
  "not_after": "DATE",
  "text": "Entering Extended Passive Mode (|||PORT|)",
  "request": "EPRT |1|127.0.0.1|PORT|",
  "v6": "EPRT |2|::1|PORT|",
  "pasv": "Entering Passive Mode (127,0,0,1,P,P).",
  "evidence": "timed out after N ms, then N ms; 220 after N s; 3 servers; 120 s",
  "garbled": "(ftp,example,com,1,2) and 10.0.0.5 and code 227",
  "expires": "at DATE",
  "negative": "(127,0,0,-1,P,P) and (|||PORT!)",
  "range": "NNNNN filtered; NNNNN–NNNNN refused; port NNNNN; RFC 1918",
  "detail": "no reply within Ns (--timeout 1.5s, TLSv1.3)"
}
"#;
    assert_eq!(normalise(raw, false), want);
}

#[test]
fn concurrent_quits_are_compared_per_connection_and_nothing_before_them() {
    let event = |conn: &str, what: &str| {
        format!("    {{\n      \"conn\": \"{conn}\",\n      \"line\": \"{what}\"\n    }}")
    };
    let report = |events: &[(&str, &str)]| {
        let events: Vec<String> = events.iter().map(|(c, w)| event(c, w)).collect();
        format!("{{\n  \"timeline\": [\n{}\n  ]\n}}\n", events.join(",\n"))
    };
    let raced = report(&[
        ("control-2", "USER"),
        ("control-1", "USER"),
        ("control-2", "QUIT"),
        ("control-1", "QUIT"),
        ("control-2", "221"),
        ("control-1", "221"),
    ]);
    let other_race = report(&[
        ("control-2", "USER"),
        ("control-1", "USER"),
        ("control-1", "QUIT"),
        ("control-2", "QUIT"),
        ("control-1", "221"),
        ("control-2", "221"),
    ]);
    let want = report(&[
        ("control-2", "USER"),
        ("control-1", "USER"),
        ("control-1", "QUIT"),
        ("control-1", "221"),
        ("control-2", "QUIT"),
        ("control-2", "221"),
    ]);
    assert_eq!(normalise(&raced, false), want);
    assert_eq!(normalise(&other_race, false), want);
    // Before the first QUIT, order is pinned.
    let early = report(&[("control-1", "USER"), ("control-2", "USER")]);
    assert_ne!(normalise(&early, false), normalise(&raced, false));
    assert_eq!(normalise(&early, false), early);
}
