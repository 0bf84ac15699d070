//! `--proxy`: every connection of the probe through one SOCKS5 or HTTP CONNECT proxy.
//! The proxy's host is resolved once, before the first session; each dial then goes
//! through [`dial`], direct when no proxy was asked; active modes ask a SOCKS5 proxy
//! for BIND ([`bind`]) and are skipped through an HTTP one.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use super::attempt::Working;
use super::context::Run;
use super::record::{
    BindSupport, ErrorKind, ModeOutcome, ProxyAnswer, ProxyKind, ProxyRecord, ProxyVerdict,
    SkipReason, Stage, StepError,
};
use crate::net::proxy::{self, Proxy, ProxyError, ProxySpec, Refusal};
use crate::net::{Dial, Tap, dial as dial_direct};

/// How long the proxy's name may take to resolve when the deadline allows: a name that
/// takes longer is not one a user can wait for on every connection either.
const PROXY_RESOLVE_LIMIT: Duration = Duration::from_secs(5);

/// The proxy's record for the report, before anything was dialled.
pub(super) fn record(spec: &ProxySpec) -> ProxyRecord {
    ProxyRecord {
        url: spec.url(),
        kind: match spec.kind {
            proxy::ProxyKind::Socks5 => ProxyKind::Socks5,
            proxy::ProxyKind::Http => ProxyKind::Http,
        },
        bind: BindSupport::Untested,
        addr: None,
        failure: None,
        bind_answer: None,
    }
}

/// The run with its proxy resolved, when one was asked; `Err` (recorded as the control
/// connection's error) when the proxy's name does not resolve.
pub(super) async fn attach<'a>(run: &Run<'a>, out: &mut Working) -> Result<Run<'a>, ()> {
    let Some(spec) = &run.options.proxy else {
        return Ok(run.clone());
    };
    out.control.proxy = Some(record(spec));
    let addr = match spec.host.parse::<IpAddr>() {
        Ok(ip) => Some(SocketAddr::new(ip, spec.port)),
        Err(_) => {
            let limit = PROXY_RESOLVE_LIMIT.min(run.step());
            let lookup = tokio::time::timeout(
                limit,
                tokio::net::lookup_host((spec.host.as_str(), spec.port)),
            );
            match run.budget.run(lookup).await {
                Ok(Ok(Ok(mut addrs))) => addrs.next(),
                _ => None,
            }
        }
    };
    let Some(addr) = addr else {
        let words = format!("the proxy's name {:?} did not resolve", spec.host);
        if let Some(p) = out.control.proxy.as_mut() {
            p.failure = Some(ProxyAnswer {
                verdict: ProxyVerdict::Broken,
                answer: words.clone(),
            });
        }
        out.control.error = Some(StepError::new(Stage::Connect, ErrorKind::Io, words));
        return Err(());
    };
    if let Some(p) = out.control.proxy.as_mut() {
        p.addr = Some(addr);
    }
    let mut proxied = run.clone();
    proxied.proxy = Some(Arc::new(Proxy {
        spec: spec.clone(),
        addr,
    }));
    skip_active_through_http(&proxied, out);
    Ok(proxied)
}

/// A TCP connection to `addr`: through the run's proxy when there is one (the dial's
/// `error` then carries the proxy's words, and the answer comes beside it).
pub(super) async fn dial(
    via: Option<&Proxy>,
    addr: SocketAddr,
    limit: Duration,
    tap: &Tap,
    purpose: &'static str,
) -> (Dial, Option<ProxyAnswer>) {
    match via {
        None => (dial_direct(addr, limit, tap, purpose).await, None),
        Some(proxy) => {
            let got = proxy::dial_via(proxy, addr, limit, tap, purpose).await;
            (got.dial, got.failure.as_ref().map(answer))
        }
    }
}

/// A proxy's failure in the record's terms.
pub(super) fn answer(err: &ProxyError) -> ProxyAnswer {
    let verdict = match err {
        ProxyError::Refused { refusal, .. } => match refusal {
            Refusal::Denied => ProxyVerdict::Denied,
            Refusal::Login => ProxyVerdict::Login,
            Refusal::Unsupported => ProxyVerdict::Unsupported,
            Refusal::TargetRefused | Refusal::TargetTimeout | Refusal::TargetUnreachable => {
                ProxyVerdict::TargetFailed
            }
        },
        _ => ProxyVerdict::Broken,
    };
    ProxyAnswer {
        verdict,
        answer: err.to_string(),
    }
}

/// Active modes through an HTTP proxy: CONNECT opens outgoing tunnels only, so the
/// server has nowhere to connect back to.
pub(super) fn skip_active_through_http(run: &Run<'_>, out: &mut Working) {
    let http = run
        .proxy
        .as_ref()
        .is_some_and(|p| p.spec.kind == proxy::ProxyKind::Http);
    if !http {
        return;
    }
    for m in &mut out.modes {
        if !m.mode.is_passive() && m.skipped.is_none() {
            *m = ModeOutcome::skipped(
                m.mode,
                SkipReason::ProxyNoInbound,
                "proxy-no-inbound: an HTTP CONNECT proxy carries outgoing connections only, \
                 so the server cannot connect back (use passive mode, or a SOCKS5 proxy with \
                 BIND)",
            );
        }
    }
}

/// What the modes learnt of the proxy's BIND, for `control.proxy.bind`.
pub(super) fn settle_bind(out: &mut Working) {
    let no_bind = out
        .modes
        .iter()
        .find(|m| m.skip_reason() == Some(SkipReason::ProxyNoBind))
        .and_then(|m| m.skipped.as_ref().map(|s| s.text.clone()));
    let granted = out
        .modes
        .iter()
        .any(|m| !m.mode.is_passive() && m.sent.is_some() && m.skipped.is_none());
    let Some(record) = out.control.proxy.as_mut() else {
        return;
    };
    record.bind = match (record.kind, granted, &no_bind) {
        (ProxyKind::Http, _, _) => BindSupport::Unsupported,
        (_, true, _) => BindSupport::Supported,
        (_, false, Some(_)) => BindSupport::Unsupported,
        _ => BindSupport::Untested,
    };
    record.bind_answer = no_bind;
}

/// SOCKS5 BIND for an active mode: the proxy listens for `server`; the address to tell
/// the server, and whether it is the proxy's own address standing in for an
/// unspecified one (0.0.0.0, which names no host).
pub(super) async fn bind(
    proxy: &Proxy,
    server: IpAddr,
    limit: Duration,
) -> Result<(proxy::BindWait, SocketAddr, bool), ProxyError> {
    let wait = proxy::bind_via(proxy, server, limit).await?;
    let (tell, substituted) = match &wait.bound {
        proxy::Bound::Ip(addr) if addr.ip().is_unspecified() => {
            (SocketAddr::new(proxy.addr.ip(), addr.port()), true)
        }
        proxy::Bound::Ip(addr) => (*addr, false),
        proxy::Bound::Name(_, port) => (SocketAddr::new(proxy.addr.ip(), *port), true),
    };
    Ok((wait, tell, substituted))
}
