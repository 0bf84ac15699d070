//! The NAT pool, the rejection texts and the load balancer, from hand-built records whose
//! replies are the real servers' (measured behind the netns-pool stage's routers).

use super::super::testkit::*;
use super::super::{FindingId, diagnose};
use super::{KNOWN_REJECTIONS, known_rejection};
use crate::probe::record::{
    DialResult, Mode, ProbeOutcome, ReplyRecord, ServerView, SessionView, Stage,
};

use FindingId::*;

/// A client at 192.168.50.2 talking to vsftpd at 10.77.0.2 through the pool's router.
fn pooled() -> ProbeOutcome {
    healthy_between("192.168.50.2:40000", "10.77.0.2:21")
}

fn stat_sees(o: &mut ProbeOutcome, which: Option<Mode>, client: &str) {
    let view = ServerView {
        reply: reply(
            211,
            &format!("FTP server status:\n     Connected to {client}\nEnd"),
        ),
        client: Some(ip(client)),
    };
    match which {
        None => o.control.server_view = Some(view),
        Some(m) => {
            mode(o, m).session = Some(SessionView {
                banner: Some("(vsFTPd 3.0.3)".into()),
                server_view: Some(view),
            })
        }
    }
}

fn greeted(o: &mut ProbeOutcome, which: Mode, banner: &str) {
    let m = mode(o, which);
    m.session.get_or_insert_with(SessionView::default).banner = Some(banner.into());
}

fn ids(o: &ProbeOutcome) -> Vec<(FindingId, Option<Mode>)> {
    diagnose(o).iter().map(|f| (f.id, f.mode)).collect()
}

#[test]
fn every_known_rejection_text_matches_itself_and_names_its_source() {
    for k in KNOWN_REJECTIONS {
        let r = ReplyRecord {
            code: k.code,
            text: format!("{}.", k.text),
        };
        assert_eq!(known_rejection(&r), Some(k));
        assert!(k.source.contains("measured"), "{}", k.server);
    }
    let other = ReplyRecord {
        code: 425,
        text: "Can't open data connection.".into(),
    };
    assert_eq!(known_rejection(&other), None);
}

#[test]
fn vsftpd_bad_ip_connecting_is_data_source_rejected_and_egress_varies_as_error() {
    let mut o = pooled();
    stat_sees(&mut o, None, "10.77.0.1");
    transfer_fails(&mut o, Mode::Epsv, 425, "Security: Bad IP connecting.");
    let found = ids(&o);
    assert!(found.contains(&(DataSourceRejected, EPSV)), "{found:?}");
    assert!(!found.contains(&(TransferFailed, EPSV)), "{found:?}");
    let egress = only(&o, EgressAddressVaries);
    assert_eq!(egress.severity, E);
    assert_eq!(egress.mode, None);
    assert!(egress.evidence.contains("10.77.0.1"), "{}", egress.evidence);
    let rejected = only(&o, DataSourceRejected);
    assert!(
        rejected.evidence.contains("vsftpd"),
        "{}",
        rejected.evidence
    );
}

#[test]
fn pyftpdlib_foreign_address_425_names_the_second_egress_address() {
    let mut o = pooled();
    transfer_fails(
        &mut o,
        Mode::Pasv,
        425,
        "Rejected data connection from foreign address 10.77.0.3:46844.",
    );
    stat_sees(&mut o, Some(Mode::Epsv), "10.77.0.1");
    let egress = only(&o, EgressAddressVaries);
    assert!(
        egress.summary.contains("10.77.0.1, 10.77.0.3"),
        "{}",
        egress.summary
    );
    let rejected = only(&o, DataSourceRejected);
    assert!(
        rejected.summary.contains("10.77.0.3"),
        "{}",
        rejected.summary
    );
}

#[test]
fn proftpd_permission_denied_425_is_a_source_rejection() {
    let mut o = pooled();
    transfer_fails(
        &mut o,
        Mode::Epsv,
        425,
        "Unable to build data connection: Permission denied",
    );
    assert!(ids(&o).contains(&(DataSourceRejected, EPSV)));
}

#[test]
fn stat_on_two_sessions_naming_two_addresses_warns_when_every_transfer_worked() {
    let mut o = pooled();
    stat_sees(&mut o, None, "10.77.0.1");
    stat_sees(&mut o, Some(Mode::Pasv), "10.77.0.3");
    let egress = only(&o, EgressAddressVaries);
    assert_eq!(egress.severity, W);
    assert!(
        egress
            .evidence
            .contains("STAT on the pasv session: 10.77.0.3")
    );
}

#[test]
fn pureftpd_refusals_naming_two_addresses_vary() {
    let mut o = pooled();
    refuse_request(
        &mut o,
        Mode::Eprt,
        500,
        "I won't open a connection to 192.168.50.2 (only to 10.77.0.1)",
    );
    refuse_request(
        &mut o,
        Mode::Port,
        500,
        "I won't open a connection to 192.168.50.2 (only to 10.77.0.3)",
    );
    let egress = only(&o, EgressAddressVaries);
    assert!(
        egress.evidence.contains("EPRT refusal: 10.77.0.1"),
        "{}",
        egress.evidence
    );
}

#[test]
fn pureftpd_silence_after_connect_with_two_addresses_seen_is_data_source_rejected() {
    let mut o = pooled();
    refuse_request(
        &mut o,
        Mode::Eprt,
        500,
        "I won't open a connection to 192.168.50.2 (only to 10.77.0.1)",
    );
    refuse_request(
        &mut o,
        Mode::Port,
        500,
        "I won't open a connection to 192.168.50.2 (only to 10.77.0.3)",
    );
    transfer_stalls(&mut o, Mode::Epsv, Stage::TransferStart);
    let found = ids(&o);
    assert!(found.contains(&(DataSourceRejected, EPSV)), "{found:?}");
    assert!(!found.contains(&(TransferTimeout, EPSV)), "{found:?}");
    assert_eq!(only(&o, EgressAddressVaries).severity, E);
}

#[test]
fn silence_after_connect_from_one_address_stays_a_transfer_timeout() {
    let mut o = pooled();
    stat_sees(&mut o, None, "10.77.0.1");
    transfer_stalls(&mut o, Mode::Epsv, Stage::TransferStart);
    let found = ids(&o);
    assert!(found.contains(&(TransferTimeout, EPSV)), "{found:?}");
    assert!(
        !found.iter().any(|(id, _)| *id == DataSourceRejected),
        "{found:?}"
    );
    assert!(
        !found.iter().any(|(id, _)| *id == EgressAddressVaries),
        "{found:?}"
    );
}

#[test]
fn one_stat_address_is_no_pool() {
    let mut o = pooled();
    stat_sees(&mut o, None, "10.77.0.1");
    stat_sees(&mut o, Some(Mode::Epsv), "10.77.0.1");
    assert!(!ids(&o).iter().any(|(id, _)| *id == EgressAddressVaries));
}

#[test]
fn lb_split_refused_on_one_session_with_another_greeting_is_lb_no_affinity() {
    let mut o = healthy_between("203.0.113.2:40000", "203.0.113.1:21");
    o.control.banner = Some("lab backend A".into());
    greeted(&mut o, Mode::Pasv, "lab backend B");
    passive_dial_fails(&mut o, Mode::Epsv, DialResult::Refused);
    let lb = only(&o, LbNoAffinity);
    assert_eq!((lb.severity, lb.mode), (E, None));
    assert!(lb.evidence.contains("lab backend B"), "{}", lb.evidence);
}

#[test]
fn partly_blocked_range_from_one_server_is_not_lb_no_affinity() {
    // The partial-range lab: one greeting, a refused port that never works.
    let mut o = healthy();
    passive_dial_fails(&mut o, Mode::Epsv, DialResult::Refused);
    let found = ids(&o);
    assert!(found.contains(&(DataConnectRefused, EPSV)), "{found:?}");
    assert!(
        !found.iter().any(|(id, _)| *id == LbNoAffinity),
        "{found:?}"
    );
}

#[test]
fn the_same_port_refused_then_working_is_lb_no_affinity_even_with_cloned_backends() {
    let mut o = healthy_between("203.0.113.2:40000", "203.0.113.1:21");
    passive_dial_fails(&mut o, Mode::Epsv, DialResult::Refused);
    let port = mode(&mut o, Mode::Pasv).dials[0].addr.port();
    for d in &mut mode(&mut o, Mode::Epsv).dials {
        d.addr.set_port(port);
    }
    only(&o, LbNoAffinity);
}

#[test]
fn every_mode_refused_is_a_closed_range_not_a_load_balancer() {
    let mut o = healthy_between("203.0.113.2:40000", "203.0.113.1:21");
    greeted(&mut o, Mode::Pasv, "another greeting");
    passive_dial_fails(&mut o, Mode::Epsv, DialResult::Refused);
    passive_dial_fails(&mut o, Mode::Pasv, DialResult::Refused);
    assert!(!ids(&o).iter().any(|(id, _)| *id == LbNoAffinity));
}

#[test]
fn refused_then_working_in_one_session_in_both_modes_is_lb_no_affinity() {
    // The lb-split lab in one session when the first draw of each mode was lost: the
    // retry after the refusal landed on the backend that opened the port.
    let mut o = healthy_between("203.0.113.2:40000", "203.0.113.1:21");
    for which in [Mode::Epsv, Mode::Pasv] {
        let worked = mode(&mut o, which).clone();
        passive_dial_fails(&mut o, which, DialResult::Refused);
        mode(&mut o, which).second_connection = Some(Box::new(worked));
    }
    only(&o, LbNoAffinity);
    // The retry's success is no "second data connection failed" finding.
    assert!(
        !diagnose(&o)
            .iter()
            .any(|f| f.summary.contains("so the first was luck")),
        "{:?}",
        ids(&o)
    );
}
