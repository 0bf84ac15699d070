//! The probe runner: resolve, connect, log in, then try each data-connection mode with a
//! real transfer. Every step has a timeout and the whole probe a deadline; outcomes are
//! data ([`ProbeOutcome`]), never printed here.
//!
//! Modes run concurrently, one control connection each, so that a server whose data
//! ports are all blackholed costs about one --timeout rather than four. The first mode
//! reuses the connection that logged in; a server that refuses the extra connections
//! gets the remaining modes in turn on that one.

mod attempt;
mod bulk;
mod from_net;
mod idle;
mod interrupt;
mod mode;
mod plaintext;
pub mod record;
mod resolve;
mod runner;
mod sample;
mod session;
mod size_check;
mod tls;
mod transfer;
mod upload;
mod watch;

use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, Instant};

use tokio::time::sleep_until;

/// What a [`ProbeConfig`] is built from, so that whoever builds one (the command line,
/// the exporter's config) needs no layer below the probe.
pub use crate::net::{Trust, resolve::Family};
pub use crate::proto::Password;
use attempt::Working;
use interrupt::mark_interrupted;
pub use record::*;
pub use resolve::{Resolution, resolve_target, resolve_with};
pub use sample::MAX_SAMPLE_PORTS;
pub use watch::{Interrupt, Interrupter, Watch};

use crate::net::Recorder;
use crate::target::{Scheme, Target};
use crate::timeline::Event;
use runner::{Sessions, run};

/// Who to log in as.
#[derive(Debug, Clone)]
pub struct Credentials {
    /// The login name.
    pub user: String,
    /// The password, masked in every output.
    pub password: Password,
}

impl Credentials {
    /// RFC 1635's convention: user `anonymous`, an e-mail-like password.
    pub fn anonymous() -> Credentials {
        Credentials {
            user: "anonymous".to_string(),
            password: Password::new("ftpdoctor@"),
        }
    }
}

/// One probe of one target, validated.
#[derive(Debug, Clone)]
pub struct ProbeConfig {
    /// What to probe.
    pub target: Target,
    /// Who to log in as.
    pub credentials: Credentials,
    /// The modes to try (--modes).
    pub modes: Vec<Mode>,
    /// Each step: connect, reply, data connect, accept, each read of a transfer.
    pub step_timeout: Duration,
    /// The whole probe.
    pub deadline: Duration,
    /// Dial the address a 227 advertises even when it is not the control peer (--follow-advertised).
    pub follow_advertised: bool,
    /// The address put in PORT/EPRT instead of the control connection's local one.
    pub active_addr: Option<IpAddr>,
    /// One control connection for all modes, in turn (--sequential), instead of one each.
    pub sequential: bool,
    /// Bytes a transfer may move before the probe stops reading.
    pub max_transfer_bytes: u64,
    /// Whether and how to use TLS (--tls, or ftps://).
    pub tls: TlsMode,
    /// Whom certificates must chain to (--ca-file), or --insecure.
    pub trust: Trust,
    /// Data connections resume the control connection's TLS session (default), as
    /// servers with vsftpd's require_ssl_reuse demand; off to see if one does.
    pub tls_reuse: bool,
    /// Ask this DNS server instead of the system's resolvers.
    pub dns_server: Option<SocketAddr>,
    /// Which address family to resolve and use (--address-family).
    pub address_family: Family,
    /// Probe every resolved address (the runner makes one probe per address).
    pub all_addresses: bool,
    /// Passive requests to sample the passive port range with (0: none).
    pub sample_ports: u16,
    /// Probe only this address, resolved beforehand (set by the runner for
    /// --all-addresses, so that every address's probe reports the same resolution).
    pub pinned: Option<Pinned>,
    /// Where every connection records its events; [`probe`] starts a fresh one per run.
    pub timeline: Recorder,
    /// When the whole probe must end (set by [`probe`]): a greeting is awaited until
    /// then, not only --timeout, to learn how late it comes. `None`: --timeout only.
    pub deadline_at: Option<Instant>,
    /// Where the caller follows the probe under way (the status line on a terminal).
    pub watch: Option<Watch>,
    /// Ends the probe early, as its deadline would, when the user interrupts.
    pub interrupt: Interrupt,
    /// The checks of long and large transfers after the modes: --size-check, --idle,
    /// --upload.
    pub transfers: TransferChecks,
}

/// What `--size-check`, `--idle` and `--upload` asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransferChecks {
    /// One transfer big enough to fill full-size packets after the modes (`--size-check
    /// auto`, the probe's default; `serve` modules default to off).
    pub size_check: bool,
    /// `--idle D`: how long the path keeps an idle control connection, tried up to D.
    pub idle: Option<Duration>,
    /// `--upload`: STOR a small and a 256 KiB file, then DELE them (writes!).
    pub upload: bool,
}

impl Default for TransferChecks {
    /// The probe's defaults: the size check on, no idle measurement, no upload.
    fn default() -> TransferChecks {
        TransferChecks {
            size_check: true,
            idle: None,
            upload: false,
        }
    }
}

/// One address of an already resolved target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pinned {
    /// `None` when the resolution failed: the probe then reports that failure.
    pub address: Option<IpAddr>,
    /// The resolution the address came from.
    pub resolution: Resolution,
}

/// The TLS a target gets: `ftps://` is implicit TLS whatever was chosen for the run (a
/// fleet may mix schemes); `ftp://` takes the chosen mode, or `auto`.
pub fn tls_for(scheme: Scheme, chosen: Option<TlsMode>) -> TlsMode {
    match (scheme, chosen) {
        (Scheme::Ftps, _) => TlsMode::Implicit,
        (Scheme::Ftp, Some(tls)) => tls,
        (Scheme::Ftp, None) => TlsMode::Auto,
    }
}

impl ProbeConfig {
    /// A probe of `target` with the command line's defaults: anonymous, every mode, TLS if
    /// offered, 5 s steps within a 30 s deadline.
    pub fn new(target: Target) -> ProbeConfig {
        ProbeConfig {
            target,
            credentials: Credentials::anonymous(),
            modes: Mode::ALL.to_vec(),
            step_timeout: Duration::from_secs(5),
            deadline: Duration::from_secs(30),
            follow_advertised: false,
            active_addr: None,
            sequential: false,
            max_transfer_bytes: transfer::MAX_TRANSFER_BYTES,
            tls: TlsMode::Auto,
            trust: Trust::WebPki,
            tls_reuse: true,
            dns_server: None,
            address_family: Family::Any,
            all_addresses: false,
            sample_ports: 0,
            pinned: None,
            timeline: Recorder::new(),
            deadline_at: None,
            watch: None,
            interrupt: Interrupt::default(),
            transfers: TransferChecks::default(),
        }
    }
}

/// Probes one target. Never fails: whatever happened is in the outcome.
pub async fn probe(config: &ProbeConfig) -> ProbeOutcome {
    let started = Instant::now();
    // Each run its own clock and log, even when one config is probed twice.
    let config = &ProbeConfig {
        timeline: Recorder::new(),
        deadline_at: Some(started + config.deadline),
        ..config.clone()
    };
    if let Some(watch) = &config.watch {
        watch.started(&config.timeline);
    }
    let target = &config.target;
    let record = ProbeOutcome {
        target: TargetInfo {
            input: target.display_input(),
            host: target.host_string(),
            port: target.port,
            resolved: Vec::new(),
            path: target.path.clone(),
            dns: None,
            address: None,
        },
        control: ControlOutcome::new(&config.credentials.user),
        modes: Vec::new(),
        strategy: if config.sequential {
            Strategy::Sequential
        } else {
            Strategy::Concurrent
        },
        fallback_reply: None,
        fallback_error: None,
        plaintext_check: None,
        deadline_hit: false,
        interrupted: false,
        deadline: config.deadline,
        transcript: Vec::new(),
        timeline: Vec::new(),
        timeline_dropped: 0,
        elapsed: Duration::ZERO,
        sample: None,
        reuse_check: None,
        size_check: None,
        idle: None,
        upload: None,
    };
    let modes = Mode::ALL.map(|m| match config.modes.contains(&m) {
        true => ModeOutcome::new(m),
        false => ModeOutcome::skipped(m, SkipReason::NotSelected, "not selected (--modes)"),
    });
    let mut out = Working::new(record, modes);
    let mut sessions = Sessions::default();
    let deadline = tokio::time::Instant::from_std(started + config.deadline);
    (out.deadline_hit, out.interrupted) = tokio::select! {
        _ = async {
            run(config, &mut out, &mut sessions).await;
            plaintext::check(config, &mut out, &mut sessions.plaintext).await;
            sample::run(config, &mut out, &mut sessions).await;
            size_check::run(config, &mut out, &mut sessions).await;
            upload::run(config, &mut out, &mut sessions).await;
            idle::run(config, &mut out, &mut sessions).await;
        } => (false, false),
        _ = sleep_until(deadline) => (true, false),
        // Cut short as by the deadline; the report says by whom.
        _ = config.interrupt.wait() => (true, true),
    };
    if out.deadline_hit {
        config.timeline.probe().record(Event::Deadline);
        mark_interrupted(&mut out);
    } else {
        // Past the deadline the probe ends at once; the connections close without QUIT.
        sessions.quit_all(config.step_timeout).await;
    }
    out.transcript = sessions.into_transcript();
    // After the sessions are dropped, so that our closes are in it.
    out.timeline = config.timeline.events();
    out.timeline_dropped = config.timeline.dropped();
    out.elapsed = started.elapsed();
    out.into_record()
}
