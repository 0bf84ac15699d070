//! docs/exercises.md stays true: for every exercise, start its `ftpdoctor lab ...` line,
//! run its `ftpdoctor probe ...` lines against the URL the lab printed (with
//! `--format json` added), and check the observations the workbook expects. The mystery
//! exercise's answer is checked against `lab --answers`.

use crate::common;

use serde_json::Value;

use common::bin::LabProcess;
use common::cli::ftpdoctor;

const DOC: &str = include_str!("../../docs/exercises.md");

#[derive(Debug, Default)]
struct Exercise {
    title: String,
    lab: Option<Vec<String>>,
    probes: Vec<Vec<String>>,
    /// Every other command of its code blocks: curl, lftp, ...
    clients: Vec<Vec<String>>,
    /// (which probe, from 0; the observation's text)
    expect: Vec<(usize, String)>,
}

/// The words of a shell line, without its comment; `"$URL"` stays a word of its own.
fn words(line: &str) -> Vec<String> {
    let line = line.split("  #").next().unwrap_or(line);
    line.split_whitespace()
        .map(|w| w.trim_matches('"').to_string())
        .collect()
}

fn exercises() -> Vec<Exercise> {
    let mut all: Vec<Exercise> = Vec::new();
    let mut in_code = false;
    let mut in_expect = false;
    for line in DOC.lines() {
        if let Some(title) = line.strip_prefix("## Exercise ") {
            all.push(Exercise {
                title: title.to_string(),
                ..Exercise::default()
            });
            in_expect = false;
            continue;
        }
        if line.starts_with("## ") {
            in_expect = false;
            all.push(Exercise::default());
            continue;
        }
        let Some(ex) = all.last_mut() else { continue };
        if line.starts_with("```") {
            in_code = !in_code;
            continue;
        }
        if in_code {
            if line.starts_with("ftpdoctor lab ") {
                ex.lab = Some(words(line));
            } else if line.starts_with("ftpdoctor probe ") || line.starts_with("ftpdoctor inspect ")
            {
                ex.probes.push(words(line));
            } else if !line.trim().is_empty() && !line.starts_with('#') {
                ex.clients.push(words(line));
            }
            continue;
        }
        if line.starts_with("**Expected observations**") {
            in_expect = true;
            continue;
        }
        if in_expect {
            if let Some(item) = line.strip_prefix("- ") {
                let (which, text) = match item.strip_prefix('(').and_then(|r| r.split_once(") ")) {
                    Some((n, rest)) => (n.parse::<usize>().unwrap_or(1) - 1, rest),
                    None => (0, item),
                };
                ex.expect.push((which, text.to_string()));
            } else if !line.trim().is_empty() {
                in_expect = false;
            }
        }
    }
    all.retain(|e| !e.title.is_empty());
    all
}

/// The backticked words of an observation.
fn ticks(text: &str) -> Vec<&str> {
    text.split('`').skip(1).step_by(2).collect()
}

/// Whether `report` shows the observation; `Err` says why not.
fn check(report: &Value, text: &str) -> Result<(), String> {
    let t = ticks(text);
    let modes = report["modes"].as_array().cloned().unwrap_or_default();
    let findings: Vec<&str> = report["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|f| f["id"].as_str())
        .collect();
    let timeline = report["timeline"].as_array().cloned().unwrap_or_default();
    let on = |conn: &str| -> Vec<String> {
        timeline
            .iter()
            .filter(|e| e["conn"] == conn)
            .filter_map(|e| e["event"].as_str().map(str::to_string))
            .collect()
    };
    let ok = if text.starts_with("verdict ") {
        report["verdict"] == t[0]
    } else if text.starts_with("finding ") {
        findings.contains(&t[0])
    } else if text.starts_with("timeline: ") && text.contains(" ends with ") {
        on(t[0]).last().map(String::as_str) == Some(t[1])
    } else if text.starts_with("timeline: ") && text.contains(" has ") {
        on(t[0]).iter().any(|e| e == t[1])
    } else if text.contains(" is ") && t.len() == 2 {
        modes
            .iter()
            .any(|m| m["mode"] == t[0] && m["status"] == t[1])
    } else {
        return Err(format!("cannot read the observation {text:?}"));
    };
    if ok {
        Ok(())
    } else {
        Err(format!(
            "not observed: {text}\nverdict {}, modes {:?}, findings {findings:?}",
            report["verdict"],
            modes
                .iter()
                .map(|m| format!("{}={}", m["mode"], m["status"]))
                .collect::<Vec<_>>()
        ))
    }
}

/// A lab started as the workbook says, killed when dropped.
fn start_lab(line: &[String]) -> LabProcess {
    let lab = LabProcess::spawn(&line[1..]);
    assert!(lab.url.starts_with("ftp"), "{line:?} printed {:?}", lab.url);
    lab
}

async fn run_exercise(ex: Exercise) -> Result<(), String> {
    // `inspect` exercises read files in the repository and need no lab.
    let files_only = ex
        .probes
        .iter()
        .all(|p| p.get(1).is_some_and(|w| w == "inspect"));
    let lab = match (&ex.lab, files_only && !ex.probes.is_empty()) {
        (Some(line), _) => Some(start_lab(line)),
        (None, true) => None,
        (None, false) => return Err("no `ftpdoctor lab` line".to_string()),
    };
    let url = lab.as_ref().map(|l| l.url.clone()).unwrap_or_default();
    if ex.probes.is_empty() {
        return Err("no `ftpdoctor probe` line".to_string());
    }
    let mut reports = Vec::new();
    for probe in &ex.probes {
        let mut args: Vec<String> = probe[1..]
            .iter()
            .map(|w| if w == "$URL" { url.clone() } else { w.clone() })
            .collect();
        args.extend(["--format".to_string(), "json".to_string()]);
        let run = ftpdoctor(args, Vec::new()).await;
        if run.code != 0 && run.code != 1 {
            return Err(run.shown);
        }
        reports.push(run.json());
    }
    for (which, text) in &ex.expect {
        let report = reports
            .get(*which)
            .ok_or_else(|| format!("({}) names no command", which + 1))?;
        check(report, text)?;
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn every_exercise_observes_what_the_workbook_says() {
    let all = exercises();
    assert!(all.len() >= 10, "{} exercises", all.len());
    let mut running = tokio::task::JoinSet::new();
    let mut checked = 0;
    for ex in all {
        if ex.lab.is_none() && ex.probes.is_empty() {
            continue;
        }
        assert!(
            !ex.expect.is_empty(),
            "exercise {}: nothing to observe",
            ex.title
        );
        checked += 1;
        running.spawn(async move {
            let title = ex.title.clone();
            (title, run_exercise(ex).await)
        });
    }
    assert!(checked >= 10, "{checked} exercises with commands");
    let mut failures = Vec::new();
    while let Some(done) = running.join_next().await {
        match done {
            Ok((title, Err(why))) => failures.push(format!("exercise {title}: {why}")),
            Ok((_, Ok(()))) => {}
            Err(e) => failures.push(format!("a task died: {e}")),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[tokio::test(flavor = "multi_thread")]
async fn the_mystery_answer_is_what_lab_answers_prints() {
    let exercise = DOC
        .split("## Exercise ")
        .find(|e| e.contains("--mystery"))
        .unwrap_or_else(|| panic!("no mystery exercise"));
    // The instructor's command, as the exercise shows it in backticks.
    let command = exercise
        .split('`')
        .skip(1)
        .step_by(2)
        .find(|t| t.starts_with("ftpdoctor lab --answers"))
        .unwrap_or_else(|| panic!("no `ftpdoctor lab --answers` in:\n{exercise}"));
    let args: Vec<String> = words(command).into_iter().skip(1).collect();
    let run = ftpdoctor(args, Vec::new()).await;
    assert_eq!(run.code, 0, "{}", run.shown);
    // `1  --scenario tls-required  — ...`: the name is the third word.
    let drawn: Vec<String> = run
        .stdout
        .lines()
        .filter_map(|l| l.split_whitespace().nth(2).map(str::to_string))
        .collect();
    let answer = DOC
        .split("\n\n")
        .find(|p| p.starts_with("**13.**"))
        .unwrap_or_else(|| panic!("no answer 13"));
    let said: Vec<&str> = ticks(answer)
        .into_iter()
        .filter(|t| !t.contains(' '))
        .collect();
    assert_eq!(said, drawn, "{}", run.shown);
}

#[tokio::test(flavor = "multi_thread")]
async fn mystery_prints_only_the_urls_of_servers_that_answer() {
    let line: Vec<String> = [
        "ftpdoctor",
        "lab",
        "--mystery",
        "--seed",
        "3",
        "--count",
        "4",
    ]
    .map(String::from)
    .to_vec();
    let lab = LabProcess::spawn(&line[1..]);
    let mut urls = vec![lab.url.clone()];
    urls.extend((1..4).map(|_| lab.next_line()));
    for url in &urls {
        let addr = url
            .split("://")
            .nth(1)
            .and_then(|rest| rest.split('/').next())
            .and_then(|a| a.parse::<std::net::SocketAddr>().ok())
            .unwrap_or_else(|| panic!("not a URL with an address: {url:?} in {urls:?}"));
        assert!(addr.ip().is_loopback(), "{url}");
        let connected =
            tokio::time::timeout(common::STEP, tokio::net::TcpStream::connect(addr)).await;
        assert!(matches!(connected, Ok(Ok(_))), "{url}: {connected:?}");
    }
    drop(lab);
    let answers = ["lab", "--answers", "--seed", "3", "--count", "4"].map(String::from);
    let first = ftpdoctor(answers.to_vec(), Vec::new()).await;
    let again = ftpdoctor(answers.to_vec(), Vec::new()).await;
    assert_eq!(first.stdout, again.stdout);
    assert_eq!(first.stdout.lines().count(), 4, "{}", first.shown);
}

/// The address a lab's 227 advertises, asked over a raw control connection.
async fn advertised_by(lab: &LabProcess) -> std::net::Ipv4Addr {
    let mut ftp = common::RawFtp::login(lab.addr()).await;
    let reply = ftp.cmd("PASV").await;
    let line = reply.last().cloned().unwrap_or_default();
    let inside = line
        .split_once('(')
        .and_then(|(_, rest)| rest.split_once(')'))
        .map_or("", |(inside, _)| inside);
    let n: Vec<u8> = inside
        .split(',')
        .filter_map(|v| v.trim().parse().ok())
        .collect();
    assert!(n.len() == 6, "{line}");
    std::net::Ipv4Addr::new(n[0], n[1], n[2], n[3])
}

/// What a student types must not send a packet off the machine: every client command
/// talks to "$URL" only (a lab on loopback), no probe follows an advertised address, and
/// where a client may follow the 227 (curl, lftp, ...) the lab's address is on loopback,
/// which `lab --contain` makes so for the scenarios whose 227 names another network.
#[tokio::test(flavor = "multi_thread")]
async fn no_exercise_command_can_dial_outside_loopback() {
    let mut checked = 0;
    for ex in exercises() {
        for command in ex.clients.iter().chain(&ex.probes) {
            for word in command {
                let host_like = word.contains("://") || word.parse::<std::net::IpAddr>().is_ok();
                assert!(
                    !host_like || word == "$URL",
                    "exercise {}: {command:?} names {word}, not the lab's $URL",
                    ex.title
                );
            }
            assert!(
                !command.iter().any(|w| w == "--follow-advertised"),
                "exercise {}: {command:?} follows the advertised address",
                ex.title
            );
        }
        let Some(lab_line) = &ex.lab else { continue };
        if ex.clients.is_empty() || lab_line.iter().any(|w| w == "--fault") {
            continue;
        }
        let lab = start_lab(lab_line);
        if !lab.url.starts_with("ftp://127.") {
            // IPv6 labs: PASV is IPv4 only there, and EPSV carries no address.
            continue;
        }
        let ip = advertised_by(&lab).await;
        assert!(
            ip.is_loopback() || ip.is_unspecified(),
            "exercise {}: the lab advertises {ip}, and {:?} may follow it off the machine \
             (start the lab with --contain)",
            ex.title,
            ex.clients
        );
        checked += 1;
    }
    assert!(
        checked >= 5,
        "{checked} exercises with client commands checked"
    );
    // The mystery servers are diagnosed with curl and lftp too.
    let mystery = DOC
        .lines()
        .find(|l| l.contains("lab --mystery"))
        .unwrap_or_else(|| panic!("no mystery exercise"));
    assert!(mystery.contains("--contain"), "{mystery}");
}
