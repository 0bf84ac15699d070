use super::super::diagnose;
use super::super::testkit::*;
use crate::probe::record::{
    BindSupport, DialResult, ErrorKind, Mode, ModeOutcome, ProxyAnswer, ProxyKind, ProxyRecord,
    ProxyVerdict, SkipReason, Stage,
};

fn through(o: &mut crate::probe::record::ProbeOutcome, kind: ProxyKind) {
    o.control.proxy = Some(ProxyRecord {
        url: "socks5://127.0.0.1:1080".to_string(),
        kind,
        bind: BindSupport::Untested,
        addr: Some(sa("127.0.0.1:1080")),
        failure: None,
        bind_answer: None,
    });
}

fn denied(answer: &str) -> Option<ProxyAnswer> {
    Some(ProxyAnswer {
        verdict: ProxyVerdict::Denied,
        answer: answer.to_string(),
    })
}

#[test]
fn connect_port_without_the_passive_range_blocks_the_data_port() {
    let mut o = healthy();
    through(&mut o, ProxyKind::Http);
    for which in [Mode::Epsv, Mode::Pasv] {
        passive_dial_fails(&mut o, which, DialResult::Refused);
        for d in &mut mode(&mut o, which).dials {
            d.proxy = denied("the proxy answered HTTP/1.0 403 Access violation");
        }
    }
    let found = rows(&diagnose(&o));
    assert!(found.contains(&(crate::diagnose::FindingId::ProxyBlocksDataPort, E, EPSV)));
    assert!(found.contains(&(crate::diagnose::FindingId::ProxyBlocksDataPort, E, PASV)));
    let refused = crate::diagnose::FindingId::DataConnectRefused;
    assert!(!found.iter().any(|r| r.0 == refused), "{found:?}");
    let all = diagnose(&o);
    let blocks = crate::diagnose::FindingId::ProxyBlocksDataPort;
    let f = all.iter().find(|f| f.id == blocks).expect("checked above");
    assert!(f.fix.contains("ConnectPort") && f.fix.contains("SSL_ports"));
}

#[test]
fn proxy_refusing_the_control_connection_is_proxy_refused() {
    let mut o = healthy();
    not_connected(&mut o);
    through(&mut o, ProxyKind::Socks5);
    if let Some(p) = o.control.proxy.as_mut() {
        p.failure = denied("the proxy answered SOCKS5 reply 2 (connection not allowed by ruleset)");
    }
    session_failed(&mut o, err(Stage::Connect, ErrorKind::Io, "connect failed"));
    let f = only(&o, crate::diagnose::FindingId::ProxyRefused);
    assert_eq!((f.severity, f.mode), (E, CONTROL));
    assert!(f.evidence.contains("reply 2"), "{}", f.evidence);
    let unreachable = crate::diagnose::FindingId::ControlUnreachable;
    assert!(!diagnose(&o).iter().any(|f| f.id == unreachable));
}

#[test]
fn proxy_that_reached_a_closed_server_port_is_the_server_being_unreachable() {
    let mut o = healthy();
    not_connected(&mut o);
    through(&mut o, ProxyKind::Socks5);
    if let Some(p) = o.control.proxy.as_mut() {
        p.failure = Some(ProxyAnswer {
            verdict: ProxyVerdict::TargetFailed,
            answer: "the proxy answered SOCKS5 reply 5 (connection refused)".to_string(),
        });
    }
    session_failed(&mut o, err(Stage::Connect, ErrorKind::Io, "connect failed"));
    let ids: Vec<_> = diagnose(&o).iter().map(|f| f.id).collect();
    assert!(
        !ids.contains(&crate::diagnose::FindingId::ProxyRefused),
        "{ids:?}"
    );
}

#[test]
fn socks_proxy_without_bind_warns_once() {
    let mut o = healthy();
    through(&mut o, ProxyKind::Socks5);
    for which in [Mode::Eprt, Mode::Port] {
        *mode(&mut o, which) = ModeOutcome::skipped(
            which,
            SkipReason::ProxyNoBind,
            "proxy-no-bind: SOCKS5 reply 7 (command not supported)",
        );
    }
    let f = only(&o, crate::diagnose::FindingId::ProxyNoBind);
    assert_eq!((f.severity, f.mode), (W, CONTROL));
}

#[test]
fn client_behind_nat_is_left_out_through_a_proxy() {
    // Our address toward the proxy is private; the server sees the proxy.
    let mut o = healthy_between("10.0.0.9:40000", "203.0.113.1:21");
    let nat = crate::diagnose::FindingId::ClientBehindNat;
    let direct = diagnose(&o).iter().any(|f| f.id == nat);
    through(&mut o, ProxyKind::Socks5);
    assert!(
        !diagnose(&o).iter().any(|f| f.id == nat),
        "direct: {direct}"
    );
}

#[test]
fn active_only_client_fails_where_the_proxy_has_no_bind() {
    use crate::diagnose::clients::{ClientId, Prediction, predict};
    let mut o = healthy();
    through(&mut o, ProxyKind::Socks5);
    for which in [Mode::Eprt, Mode::Port] {
        *mode(&mut o, which) = ModeOutcome::skipped(
            which,
            SkipReason::ProxyNoBind,
            "proxy-no-bind: SOCKS5 reply 7 (command not supported)",
        );
    }
    let found = diagnose(&o);
    let ids = [ClientId::WindowsFtp, ClientId::Curl];
    let p = predict(&o, &found, &ids);
    assert_eq!(p[0].prediction, Prediction::Fails, "{}", p[0].reason);
    assert!(p[0].reason.contains("proxy-no-bind"), "{}", p[0].reason);
    assert_eq!(p[1].prediction, Prediction::Works, "{}", p[1].reason);
}
