//! Behind a load balancer with no affinity (the lb-split lab): a single-session client's
//! passive data connection is a draw between backends, so its fate "depends" unless it
//! ends alike either way (a fallback to active mode, a client that asks again).

use super::super::ClientId::*;
use super::super::ClientStep::*;
use super::super::Prediction::*;
use super::super::predict;
use crate::diagnose::testkit::*;
use crate::diagnose::{FindingId, diagnose};
use crate::probe::record::{DialResult, Mode, ProbeOutcome, SessionView};

/// The lb-split lab probed in one session: on each passive mode the first data
/// connection worked and the second was refused; the sessions greet as two backends.
fn lb_split() -> ProbeOutcome {
    let mut o = healthy();
    o.control.banner = Some("ftpdoctor lab backend A ready.".into());
    for which in [Mode::Epsv, Mode::Pasv] {
        let m = mode(&mut o, which);
        let mut second = m.clone();
        for d in &mut second.dials {
            *d = dial(d.addr, d.why, DialResult::Refused);
        }
        second.transfer = None;
        m.second_connection = Some(Box::new(second));
    }
    mode(&mut o, Mode::Pasv).session = Some(SessionView {
        banner: Some("ftpdoctor lab backend B ready.".into()),
        server_view: None,
    });
    o
}

#[test]
fn lb_no_affinity_makes_a_single_session_passive_client_depend_not_fail() {
    let o = lb_split();
    let findings = diagnose(&o);
    assert!(findings.iter().any(|f| f.id == FindingId::LbNoAffinity));
    let got = predict(&o, &findings, &super::super::ClientId::ALL);
    let fate = |id| {
        let p = got.iter().find(|p| p.id == id).expect("every id predicted");
        (p.prediction, p.step, p.reason.clone())
    };
    // lftp and ncftp too: a refused data connection sends them into their reconnect
    // pauses (lftp 15 s growing), not straight into the next draw (the clients stage saw
    // lftp still waiting at its cap).
    for id in [
        Curl,
        CurlDisableEpsv,
        Wget,
        Ftplib,
        BasicFtp,
        Winscp,
        Lftp,
        Ncftp,
    ] {
        let (prediction, step, reason) = fate(id);
        assert_eq!(
            (prediction, step),
            (Depends, Some(DataConnect)),
            "{id}: {reason}"
        );
        assert!(reason.contains("lb-no-affinity"), "{id}: {reason}");
    }
    // Falling back to active mode works on the control connection's own backend.
    for id in [Tnftp, Filezilla, CurlActive, WindowsFtp] {
        let (prediction, _, reason) = fate(id);
        assert_eq!(prediction, Works, "{id}: {reason}");
    }
}

#[test]
fn lb_no_affinity_when_the_probe_lost_every_first_draw_still_depends() {
    // The probe's first data connections were refused and no second was made, but the
    // finding came from elsewhere (the same port refused and working).
    let mut o = lb_split();
    for which in [Mode::Epsv, Mode::Pasv] {
        let m = mode(&mut o, which);
        m.second_connection = None;
    }
    passive_dial_fails(&mut o, Mode::Epsv, DialResult::Refused);
    let port = mode(&mut o, Mode::Pasv).dials[0].addr.port();
    for d in &mut mode(&mut o, Mode::Epsv).dials {
        d.addr.set_port(port);
    }
    let findings = diagnose(&o);
    assert!(findings.iter().any(|f| f.id == FindingId::LbNoAffinity));
    let got = predict(&o, &findings, &[Curl, Wget]);
    for p in got {
        assert_eq!(p.prediction, Depends, "{}: {}", p.id, p.reason);
    }
}
