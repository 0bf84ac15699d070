//! Black-box: the pictures of what happened — `--explain` ladder diagrams in the terminal,
//! `--format mermaid` and `--format html` — against the lab and the fault lab.

use crate::common;

use common::cli::{Run, ftpdoctor};
use common::start;
use ftpdoctor::lab::{Fault, FaultServer, LabConfig, LabServer, Scenario};

async fn run(args: &[&str], env: Vec<(&'static str, String)>) -> Run {
    ftpdoctor(args.iter().map(ToString::to_string).collect(), env).await
}

fn utf8() -> Vec<(&'static str, String)> {
    vec![("LC_ALL", "C.UTF-8".to_string())]
}

fn lines_fit(text: &str, width: usize) -> Result<(), String> {
    match text.lines().find(|l| l.chars().count() > width) {
        Some(l) => Err(format!("{} wide: {l}", l.chars().count())),
        None => Ok(()),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn blackholed_passive_port_is_drawn_as_a_crossed_out_syn_with_a_note() {
    let server = start(Scenario::BlockedData).await;
    let url = server.url();
    let args = [
        "probe",
        &url,
        "--tls",
        "off",
        "--timeout",
        "1s",
        "--modes",
        "pasv",
        "--explain",
    ];
    let r = run(&args, utf8()).await;
    assert_eq!(r.code, 1, "{}", r.shown);
    let diagram = r
        .stdout
        .split("▸ PASV fail")
        .nth(1)
        .unwrap_or_else(|| panic!("{}", r.shown));
    assert!(diagram.contains("SYN → port"), "{}", r.shown);
    assert!(diagram.contains('✕'), "{}", r.shown);
    assert!(diagram.contains("no answer after 1000 ms"), "{}", r.shown);
    assert!(diagram.contains("firewall"), "a firewall lane: {}", r.shown);
    assert!(diagram.contains("RFC 9293 3.5"), "{}", r.shown);
    assert_eq!(lines_fit(diagram, 100), Ok(()));
}

#[tokio::test(flavor = "multi_thread")]
async fn refused_data_port_is_drawn_as_refused_by_rst_or_icmp_not_as_a_firewall_reset() {
    let server = start(Scenario::RefusedData).await;
    let url = server.url();
    let args = [
        "probe",
        &url,
        "--tls",
        "off",
        "--modes",
        "epsv",
        "--explain",
        "--ascii",
    ];
    let r = run(&args, utf8()).await;
    let diagram = r
        .stdout
        .split("> EPSV fail")
        .nth(1)
        .unwrap_or_else(|| panic!("{}", r.shown));
    // A firewall's reject sends ICMP port-unreachable by default, a RST only when told
    // to: the probe sees "connection refused" either way and must not claim a reset.
    assert!(diagram.contains("refused (RST or ICMP)"), "{}", r.shown);
    assert!(diagram.contains("ICMP port-unreachable"), "{}", r.shown);
    assert!(diagram.contains("reject with tcp reset"), "{}", r.shown);
    assert!(!diagram.contains("answered with a reset"), "{}", r.shown);
    assert!(diagram.contains("RFC 9293 3.5.2"), "{}", r.shown);
    assert!(diagram.is_ascii(), "--ascii: {diagram}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_locale_that_is_not_utf8_gets_ascii_diagrams() {
    let server = start(Scenario::PrivatePasv).await;
    let url = server.url();
    let args = [
        "probe",
        &url,
        "--tls",
        "off",
        "--modes",
        "pasv",
        "--explain",
    ];
    let r = run(&args, vec![("LC_ALL", "C".to_string())]).await;
    let diagram = r
        .stdout
        .split("> PASV fail")
        .nth(1)
        .unwrap_or_else(|| panic!("{}", r.shown));
    assert!(diagram.is_ascii(), "{diagram}");
    // The private address behind NAT: its own lane, the NAT between, the note for learners.
    assert!(
        diagram.contains("advertised") && diagram.contains("10.0.0.5"),
        "{diagram}"
    );
    assert!(diagram.contains("NAT"), "{diagram}");
    assert!(diagram.contains("private address (RFC 1918)"), "{diagram}");
    assert!(diagram.contains("not dialled: 10.0.0.5:"), "{diagram}");
}

#[tokio::test(flavor = "multi_thread")]
async fn hostile_replies_stay_inside_the_grid_and_out_of_mermaid_syntax() {
    let listen = "127.0.0.1:0".parse().unwrap_or_else(|e| panic!("{e}"));
    let server = FaultServer::start(Fault::NulUtf8, listen)
        .await
        .unwrap_or_else(|e| panic!("starting the fault: {e}"));
    let url = format!("ftp://{}/", server.addr());
    let base = ["probe", &url, "--tls", "off", "--modes", "epsv,pasv"];
    let explain = run(&[&base[..], &["--explain"]].concat(), utf8()).await;
    assert!(!explain.stdout.contains('\x1b'), "{}", explain.shown);
    assert_eq!(lines_fit(&explain.stdout, 100), Ok(()), "{}", explain.shown);

    let mermaid = run(&[&base[..], &["--format", "mermaid"]].concat(), utf8()).await;
    let blocks = mermaid
        .stdout
        .matches("```mermaid\nsequenceDiagram\n")
        .count();
    assert_eq!(blocks, 2, "{}", mermaid.shown);
    for line in mermaid.stdout.lines().filter(|l| l.starts_with("    ")) {
        // Inside a diagram, the server's text: no markup, comment or line break of its own
        // (Mermaid's entity codes, `#60;`, stand for them).
        let text = line.split_once(": ").map_or("", |(_, t)| t);
        assert!(
            !text.contains(['<', '>', '%', '"', '{', '}', '\u{0}', '\u{1b}']),
            "{line}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn html_page_is_one_self_contained_document_per_run() {
    let a = start(Scenario::Healthy).await;
    let b = start(Scenario::RefusedData).await;
    let (ua, ub) = (a.url(), b.url());
    let args = [
        "probe",
        &ua,
        &ub,
        "--tls",
        "off",
        "--timeout",
        "1s",
        "--format",
        "html",
    ];
    let r = run(&args, utf8()).await;
    assert_eq!(r.code, 1, "{}", r.shown);
    let page = &r.stdout;
    assert_eq!(page.matches("<!DOCTYPE html>").count(), 1);
    assert!(
        page.contains("<h2>Summary</h2>"),
        "two targets: a summary on top"
    );
    assert_eq!(page.matches("<section class=\"target\"").count(), 2);
    assert_eq!(page.matches("<figure class=\"ladder\"").count(), 8);
    assert!(page.contains("content=\"default-src 'none'"));
}

#[tokio::test(flavor = "multi_thread")]
async fn demo_explain_draws_every_scenario() {
    let r = run(&["demo", "--explain", "--timeout", "500ms"], utf8()).await;
    assert_eq!(r.code, 0, "{}", r.shown);
    for scenario in Scenario::ALL {
        let section = r
            .stdout
            .split(&format!("== {scenario}\n"))
            .nth(1)
            .and_then(|rest| rest.split("\n== ").next())
            .unwrap_or_else(|| panic!("no section for {scenario}:\n{}", r.shown));
        assert!(section.contains("▸ "), "{scenario}: no diagram:\n{section}");
        assert!(
            section.contains("  (1) "),
            "{scenario}: no notes:\n{section}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn server_that_never_connects_back_is_noted_and_clients_are_placed_on_that_step() {
    // The lab's own connect-back gives up (425) long after our timeout: we are the ones
    // who wait in vain, as behind a real client firewall.
    let config = LabConfig::new(Scenario::ActiveBlocked);
    let server = LabServer::start(config)
        .await
        .unwrap_or_else(|e| panic!("starting active-blocked: {e}"));
    let url = server.url();
    let args = [
        "probe",
        &url,
        "--tls",
        "off",
        "--timeout",
        "500ms",
        "--modes",
        "port",
        "--clients",
        "windows-ftp,lftp-active",
        "--explain",
    ];
    let r = run(&args, utf8()).await;
    assert_eq!(r.code, 1, "{}", r.shown);
    let after = r
        .stdout
        .split("▸ PORT fail")
        .nth(1)
        .unwrap_or_else(|| panic!("{}", r.shown));
    let (diagram, clients) = after
        .split_once("▸ Real clients")
        .unwrap_or_else(|| panic!("no client section: {}", r.shown));
    assert!(diagram.contains("listens on port"), "{}", r.shown);
    // The connection that never came: from the server, crossed out before the client.
    let row = diagram
        .lines()
        .find(|l| l.contains("no connect-back in 500 ms"))
        .unwrap_or_else(|| panic!("{}", r.shown));
    assert!(row.contains('✕'), "{row}");
    assert!(
        diagram.contains("The server never connected back") && diagram.contains("RFC 1579"),
        "{}",
        r.shown
    );
    let flat = clients.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        flat.contains(
            "hangs at waiting for the server to connect back in active mode (RFC 959 3.2): \
             windows-ftp* (no end), lftp-active (no end)"
        ),
        "{}",
        r.shown
    );
    assert!(flat.contains("* predicted from the client's documentation only"));
    assert_eq!(lines_fit(&r.stdout, 100), Ok(()), "{}", r.shown);
}

#[tokio::test(flavor = "multi_thread")]
async fn html_page_carries_the_client_matrix() {
    let server = start(Scenario::PrivatePasv).await;
    let url = server.url();
    let args = [
        "probe",
        &url,
        "--tls",
        "off",
        "--timeout",
        "1s",
        "--clients",
        "curl,wget",
        "--format",
        "html",
    ];
    let r = run(&args, utf8()).await;
    let page = &r.stdout;
    assert_eq!(
        page.matches("<table class=\"clients\">").count(),
        1,
        "{}",
        r.shown
    );
    let row = |id: &str| {
        page.split(&format!("<tr data-client=\"{id}\">"))
            .nth(1)
            .and_then(|rest| rest.split("</tr>").next())
            .unwrap_or_else(|| panic!("no row for {id}: {}", r.shown))
            .to_string()
    };
    // curl ignores the private PASV address; wget follows it and waits.
    assert!(row("curl").contains("badge b-works"), "{}", row("curl"));
    let wget = row("wget");
    assert!(wget.contains("badge b-hangs"), "{wget}");
    assert!(wget.contains(">data-connect<"), "{wget}");
    assert!(wget.contains("10.0.0.5"), "{wget}");
}
