//! One profile walked through the facts, as the client would go: connect, greeting, TLS,
//! login, then its data modes in order, reacting to each failure as its profile says.

use super::facts::{Control, Event, Facts, Path, TlsOffer, request_name};
use super::fate::Fate;
use super::profile::{ActiveSource, Profile, Reaction, TlsUse, Wait};
use super::{ClientId, ClientStep, Prediction};
use crate::probe::record::Mode;

/// Seconds until a connect with this timeout gives up: the client's own timeout, or
/// sooner where the OS stops resending the SYN first.
fn connect_wait(p: &Profile) -> u32 {
    let os = p.platform.syn_give_up_s();
    match p.connect {
        Wait::Secs(s) => s.min(os),
        Wait::Unlimited => os,
    }
}

/// Seconds a client spends on an unanswered passive data port before it reacts.
fn passive_wait(p: &Profile) -> u32 {
    connect_wait(p) * p.passive_tries.max(1)
}

fn secs(w: Wait) -> Option<u32> {
    match w {
        Wait::Secs(s) => Some(s),
        Wait::Unlimited => None,
    }
}

/// "until its connect timeout, 127 s (Linux gives up the SYN before curl's 300 s)".
fn connect_words(p: &Profile) -> String {
    let wait = connect_wait(p);
    match p.connect {
        Wait::Secs(s) if s <= wait => format!("until its {s} s connect timeout"),
        Wait::Secs(s) => format!(
            "{wait} s, until the OS gives up the SYN (before {}'s own {s} s)",
            p.name
        ),
        Wait::Unlimited => format!(
            "{wait} s, until the OS gives up the SYN ({} has no connect timeout)",
            p.name
        ),
    }
}

fn wait_words(p: &Profile, w: Wait, what: &str) -> String {
    match w {
        Wait::Secs(s) => format!("until its {s} s {what} timeout"),
        Wait::Unlimited => format!("for ever ({} has no {what} timeout)", p.name),
    }
}

/// A failure the profile answers with `Retry`: how long the retries take.
fn retrying(p: &Profile, step: ClientStep, each_s: u32, reason: &str) -> Fate {
    let r = p.retries;
    let wait = r.tries.map(|n| n * each_s + r.pauses_s);
    let count = match r.tries {
        Some(n) => format!("{n} times"),
        None => "without end".to_string(),
    };
    Fate::hangs(
        step,
        wait,
        format!("{reason}; {} retries {count} ({})", p.name, r.setting),
    )
}

pub(super) fn walk(p: &Profile, facts: &Facts) -> Fate {
    match facts.control() {
        Control::Ok => {}
        Control::Fails(step, why) => return Fate::fails(step, why),
        Control::ConnectDropped(why) => {
            return Fate::hangs(
                ClientStep::Connect,
                Some(connect_wait(p)),
                format!("{why}: hangs {}", connect_words(p)),
            );
        }
        Control::Silent(step, why) => {
            return Fate::hangs(
                step,
                secs(p.reply),
                format!("{why}: waits {}", wait_words(p, p.reply, "reply")),
            );
        }
        Control::LoginRefused(reply) => return login_refused(p, &reply),
        Control::Unknown(ClientStep::Tls, _) if !wants_tls(p, facts) => {
            // The probe's TLS failure is not this client's: it never sends AUTH TLS.
            let anonymous = match p.tls {
                TlsUse::OfferedNamedOnly => " for an anonymous login",
                _ => "",
            };
            return Fate::depends(
                ClientStep::Login,
                format!(
                    "{} sends no AUTH TLS{anonymous}, so the probe's TLS failure{} is not its; \
                     the plaintext session it holds was not seen (--tls off shows it)",
                    p.name,
                    facts.cite(None)
                ),
            );
        }
        Control::Unknown(step, why) => return Fate::depends(step, why),
    }
    let path = match tls_path(p, facts) {
        Ok(path) => path,
        Err(fate) => return fate,
    };
    if path == Path::Plain {
        match facts.plaintext_login() {
            Ok(None) => {}
            Ok(Some(reply)) => {
                return login_refused(p, &format!("refused in plaintext: {reply}"));
            }
            Err(why) => return Fate::depends(ClientStep::Login, format!("plaintext: {why}")),
        }
    }
    let fate = super::draw::drawn(p, facts, path, data);
    if fate.prediction == Prediction::Works && path == Path::Tls && !p.tls_resume {
        return match facts.reuse_required() {
            Some(true) => Fate::fails(
                ClientStep::DataTls,
                format!(
                    "the server refuses data connections that do not resume the control TLS \
                     session (vsftpd require_ssl_reuse), and {} does not resume",
                    p.name
                ),
            ),
            Some(false) => fate,
            None => Fate::depends(
                ClientStep::DataTls,
                format!(
                    "{} does not resume the TLS session on data connections; the probe resumed, \
                     so whether the server requires it is unknown (probe with --no-tls-reuse)",
                    p.name
                ),
            ),
        };
    }
    fate
}

fn login_refused(p: &Profile, reply: &str) -> Fate {
    let reason = format!("the login is {reply}");
    match p.on.login_refused {
        Reaction::Retry => retrying(p, ClientStep::Login, 0, &reason),
        _ => Fate::fails(ClientStep::Login, reason),
    }
}

/// A TLS client meets a certificate that the check refuses: what its defaults do with it.
fn untrusted(p: &Profile, why: &str) -> Result<Path, Fate> {
    match p.id {
        // Python's FTP_TLS() uses ssl._create_stdlib_context(): no certificate check.
        ClientId::FtplibTls => Ok(Path::Tls),
        // FileZilla shows the certificate and asks whether to trust it.
        ClientId::Filezilla => Err(Fate::depends(
            ClientStep::Tls,
            format!("the certificate is not trusted ({why}): FileZilla asks the user to accept it"),
        )),
        _ => Err(Fate::fails(
            ClientStep::Tls,
            format!(
                "the certificate is not trusted ({why}), and {} checks it (tls-handshake-failed)",
                p.name
            ),
        )),
    }
}

/// Whether the client sends AUTH TLS on this login (its profile, not the probe's --tls).
fn wants_tls(p: &Profile, facts: &Facts) -> bool {
    match p.tls {
        TlsUse::Never => false,
        TlsUse::OfferedNamedOnly => !facts.anonymous(),
        TlsUse::Offered | TlsUse::Required => true,
    }
}

/// Whether the client talks TLS to this server, or how it ends before the data.
fn tls_path(p: &Profile, facts: &Facts) -> Result<Path, Fate> {
    let offer = facts.tls_offer();
    if let TlsOffer::Untrusted(why) = &offer
        && (wants_tls(p, facts) || facts.outcome.control.tls == crate::probe::record::Tls::Implicit)
    {
        return untrusted(p, why);
    }
    if offer == TlsOffer::Implicit {
        // This target is ftps://; a client that needs ftp:// on it waits for a greeting.
        return Ok(Path::Tls);
    }
    if !wants_tls(p, facts) {
        return Ok(Path::Plain);
    }
    let required = p.tls == TlsUse::Required;
    match offer {
        TlsOffer::Offered | TlsOffer::Implicit => Ok(Path::Tls),
        TlsOffer::Refused(why) if required => Err(Fate::fails(
            ClientStep::Tls,
            format!("{why}, and {} requires TLS", p.name),
        )),
        TlsOffer::Refused(_) => Ok(Path::Plain),
        TlsOffer::Broken(why) => Err(Fate::fails(
            ClientStep::Tls,
            format!("AUTH TLS is accepted, then the handshake fails: {why}"),
        )),
        TlsOffer::NotAsked if required => Err(Fate::depends(
            ClientStep::Tls,
            "the probe did not try TLS (--tls off)".to_string(),
        )),
        TlsOffer::NotAsked | TlsOffer::Untrusted(_) => Ok(Path::Plain),
    }
}

/// The client's modes on this connection's family: PASV and PORT carry IPv4 only, so
/// on IPv6 every client sends EPSV and EPRT instead.
fn modes(p: &Profile, facts: &Facts) -> Vec<Mode> {
    let v6 = facts.peer().is_some_and(|a| a.is_ipv6());
    let mut out: Vec<Mode> = Vec::new();
    for &m in p.modes {
        let m = match (v6, m) {
            (true, Mode::Pasv) => Mode::Epsv,
            (true, Mode::Port) => Mode::Eprt,
            _ => m,
        };
        if !out.contains(&m) {
            out.push(m);
        }
    }
    out
}

/// The data modes in the profile's order, each failure met with its reaction.
pub(super) fn data(p: &Profile, facts: &Facts, path: Path) -> Fate {
    let modes = modes(p, facts);
    let mut trail: Vec<String> = Vec::new();
    // A stall on the way (a dropped connect before a fallback): the client hangs that
    // long even if a later mode works.
    let mut stall: Option<(ClientStep, u32)> = None;
    let mut last_failure = (ClientStep::Request, String::from("no data mode to try"));
    let mut i = 0;
    while let Some(&mode) = modes.get(i) {
        let name = request_name(mode);
        let (step, why, reaction) = match facts.event(
            mode,
            p.pasv_address,
            path,
            p.tls_resume,
            p.retries_data_in_session,
        ) {
            Event::Works(note) => {
                let how = note
                    .map(|n| format!("{name}: {n}, "))
                    .unwrap_or_else(|| format!("{name}: "));
                let done = format!("{}{how}the transfer works", prefix(&trail));
                return match stall {
                    Some((step, wait)) => {
                        Fate::hangs(step, Some(wait), format!("{done} — after a {wait} s stall"))
                    }
                    None => Fate::works(done),
                };
            }
            Event::Rejected(why) => (ClientStep::Request, why, p.on.rejected),
            Event::Refused(why) => (ClientStep::DataConnect, why, p.on.refused),
            Event::Dropped(why) => {
                let wait = passive_wait(p);
                let tries = match p.passive_tries {
                    n if n > 1 => format!(" ({n} tries: {wait} s)"),
                    _ => String::new(),
                };
                let reason = format!(
                    "{}{name}: {why}: hangs {}{tries}",
                    prefix(&trail),
                    connect_words(p)
                );
                match p.on.dropped {
                    Reaction::Fail => {
                        return Fate::hangs(ClientStep::DataConnect, Some(wait), reason);
                    }
                    Reaction::Retry => return retrying(p, ClientStep::DataConnect, wait, &reason),
                    Reaction::WaitServer | Reaction::WaitServerOrPort => {
                        return wait_server(p, ClientStep::DataConnect, &reason);
                    }
                    Reaction::Next | Reaction::Active => {
                        let (step, total) = stall.unwrap_or((ClientStep::DataConnect, 0));
                        stall = Some((step, total + wait));
                        (ClientStep::DataConnect, why, p.on.dropped)
                    }
                }
            }
            Event::NoReply(why) => {
                return Fate::hangs(
                    ClientStep::Request,
                    secs(p.reply),
                    format!(
                        "{}{name}: {why}: waits {}",
                        prefix(&trail),
                        wait_words(p, p.reply, "reply")
                    ),
                );
            }
            Event::AcceptNever(why) => {
                let reason = format!(
                    "{}{name}: {why}: waits {}",
                    prefix(&trail),
                    wait_words(p, p.accept, "accept")
                );
                return match (secs(p.accept), p.on.dropped) {
                    (Some(each), Reaction::Retry) => retrying(p, ClientStep::Accept, each, &reason),
                    (wait, _) => Fate::hangs(ClientStep::Accept, wait, reason),
                };
            }
            Event::ForeignSource(from) => {
                let why = format!("the server connects back from {from}, not the control peer");
                match p.active_source {
                    ActiveSource::Fail => (
                        ClientStep::Accept,
                        format!("{why}, which {} refuses", p.name),
                        Reaction::Fail,
                    ),
                    ActiveSource::Wait => {
                        return Fate::hangs(
                            ClientStep::Accept,
                            secs(p.accept),
                            format!(
                                "{}{name}: {why}, which {} refuses and waits for another {}",
                                prefix(&trail),
                                p.name,
                                wait_words(p, p.accept, "accept")
                            ),
                        );
                    }
                    ActiveSource::Accept => {
                        return Fate::works(format!(
                            "{}{name}: {why}; the transfer works",
                            prefix(&trail)
                        ));
                    }
                }
            }
            Event::TransferFailed(why) => (ClientStep::Transfer, why, Reaction::Fail),
            Event::TlsDeadlock(why) if path == Path::Plain || p.data_tls_at_once => {
                let how = if path == Path::Plain {
                    "sends no PROT P, so there is no data handshake to wait for"
                } else {
                    "handshakes as soon as the data connection opens"
                };
                let done = format!(
                    "{}{name}: {why}; {} {how}: the transfer works",
                    prefix(&trail),
                    p.name
                );
                return match stall {
                    Some((step, wait)) => {
                        Fate::hangs(step, Some(wait), format!("{done} — after a {wait} s stall"))
                    }
                    None => Fate::works(done),
                };
            }
            Event::TlsDeadlock(why) => {
                return Fate::hangs(
                    ClientStep::DataTls,
                    secs(p.reply),
                    format!(
                        "{}{name}: {why}, and {} waits for the 150 before its handshake: both \
                         wait, {} {}",
                        prefix(&trail),
                        p.name,
                        p.name,
                        wait_words(p, p.reply, "reply")
                    ),
                );
            }
            Event::TransferStalled(why) => {
                return Fate::hangs(
                    ClientStep::Transfer,
                    secs(p.reply),
                    format!(
                        "{}{name}: {why}: waits {}",
                        prefix(&trail),
                        wait_words(p, p.reply, "reply")
                    ),
                );
            }
            Event::Unknown(why) => {
                return Fate::depends(
                    ClientStep::Request,
                    format!("{}{name}: {why}", prefix(&trail)),
                );
            }
        };
        let (reaction, why) = match reaction {
            Reaction::WaitServerOrPort if facts.feat_lists("PASV") => (Reaction::WaitServer, why),
            Reaction::WaitServerOrPort => (
                Reaction::Active,
                format!(
                    "{why}; {} falls back to PORT, the server's FEAT not listing PASV",
                    p.name
                ),
            ),
            other => (other, why),
        };
        let reason = format!("{}{name}: {why}", prefix(&trail));
        match reaction {
            Reaction::Fail => return end(stall, step, reason),
            Reaction::Retry => return retrying(p, step, 0, &reason),
            Reaction::WaitServer | Reaction::WaitServerOrPort => {
                return wait_server(p, step, &reason);
            }
            Reaction::Next => i += 1,
            Reaction::Active => match modes.iter().skip(i + 1).position(|m| !m.is_passive()) {
                Some(k) => i += k + 1,
                None => i = modes.len(),
            },
        }
        trail.push(format!("{name}: {why}"));
        last_failure = (step, reason);
    }
    let (step, reason) = last_failure;
    end(stall, step, reason)
}

/// "EPSV: …; then " for the modes tried before this one.
fn prefix(trail: &[String]) -> String {
    trail.iter().map(|t| format!("{t}; then ")).collect()
}

/// The end of a failed walk: a plain failure, or a hang when a stall came first.
fn end(stall: Option<(ClientStep, u32)>, step: ClientStep, reason: String) -> Fate {
    match stall {
        Some((stall_step, wait)) => Fate::hangs(
            stall_step,
            Some(wait),
            format!("{reason}: fails after a {wait} s stall"),
        ),
        None => Fate::fails(step, reason),
    }
}

fn wait_server(p: &Profile, step: ClientStep, reason: &str) -> Fate {
    Fate::hangs(
        step,
        None,
        format!(
            "{reason}; {} goes on without a data connection and waits for the server's reply, \
             until the server gives up waiting for one",
            p.name
        ),
    )
}
