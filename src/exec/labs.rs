//! The lab's long-running commands: a scenario's server, a fault's, a mystery set; each
//! prints its URL on stdout and serves until SIGINT or SIGTERM.

use std::path::PathBuf;

use super::{Doing, ExecError, print_stdout};
use crate::lab::{Fault, FaultServer, LAB_PASSWORD, LAB_USER, LabConfig, LabServer};

pub(super) async fn serve_lab(config: LabConfig, ca_out: Option<PathBuf>) -> Result<(), ExecError> {
    let listen = config.listen;
    // Handlers first: a caller may signal as soon as it has read the URL.
    let signals = Signals::install()?;
    let server = LabServer::start(config)
        .await
        .doing(|| format!("starting the lab server on {listen}"))?;
    // Written before the URL goes out: a caller may use the file as soon as it has that.
    if let (Some(pem), Some(path)) = (server.ca_pem(), &ca_out) {
        std::fs::write(path, pem)
            .doing(|| format!("writing the CA certificate to {}", path.display()))?;
    }
    print_stdout(&format!("{}\n", server.url())).doing(|| "writing the URL".into())?;
    if server.contained() {
        eprintln!(
            "contained: a wrong address in a 227 is moved into 127.0.0.0/8, where nothing listens \
             (10.0.0.5 → 127.0.0.5); a client that follows it is refused at once"
        );
    }
    eprintln!(
        "ftpdoctor lab: scenario {} — {}\nlogins: anonymous (any password) or {LAB_USER} / {LAB_PASSWORD}; \
         files under /pub; stop with Ctrl-C",
        server.scenario(),
        server.scenario().description()
    );
    match (server.ca_pem(), ca_out) {
        (Some(_), Some(path)) => eprintln!(
            "TLS: certificate from the lab's own CA, written to {0}; probe with --ca-file {0}",
            path.display()
        ),
        (Some(_), None) => eprintln!(
            "TLS: certificate from the lab's own CA; get it with --ca-out FILE for probe --ca-file, \
             or probe with --insecure"
        ),
        (None, Some(_)) => eprintln!("ftpdoctor lab: --ca-out ignored: this scenario has no TLS"),
        (None, None) => {}
    }
    if let Some(v6) = server.v6_addr() {
        eprintln!(
            "also listening on {v6} (ftp://localhost:{}/ reaches both)",
            v6.port()
        );
    }
    if !server.addr().ip().is_loopback() {
        eprintln!(
            "ftpdoctor lab: warning: listening on {}, reachable beyond this machine",
            server.addr()
        );
    }
    signals.wait().await;
    server.shutdown().await;
    Ok(())
}

pub(super) async fn serve_fault(
    fault: Fault,
    listen: std::net::SocketAddr,
) -> Result<(), ExecError> {
    let signals = Signals::install()?;
    let server = FaultServer::start(fault, listen)
        .await
        .doing(|| format!("starting the fault lab on {listen}"))?;
    print_stdout(&format!("{}\n", server.url())).doing(|| "writing the URL".into())?;
    eprintln!(
        "ftpdoctor lab: fault {fault} — {}\nserves EPSV and PASV only (probe with --modes epsv,pasv); stop with Ctrl-C",
        fault.description()
    );
    signals.wait().await;
    server.shutdown().await;
    Ok(())
}

/// `lab --mystery`: every drawn server on loopback, their URLs on stdout in the draw's
/// order (what `lab --answers` names), nothing else there.
/// What `lab --mystery` serves: the draw and how each scenario server runs.
pub(super) struct MysteryDraw {
    pub seed: u64,
    pub chosen: bool,
    pub count: usize,
    pub data_timeout: std::time::Duration,
    pub contain: bool,
}

pub(super) async fn serve_mystery(drawn: MysteryDraw) -> Result<(), ExecError> {
    let MysteryDraw {
        seed,
        chosen,
        count,
        data_timeout,
        contain,
    } = drawn;
    use crate::lab::mystery::{Pick, draw};
    let signals = Signals::install()?;
    let listen: std::net::SocketAddr = ([127, 0, 0, 1], 0).into();
    let mut labs = Vec::new();
    let mut faults = Vec::new();
    let mut urls = String::new();
    for pick in draw(seed, count) {
        match pick {
            Pick::Scenario(scenario) => {
                let mut config = LabConfig::new(scenario);
                config.listen = listen;
                config.data_timeout = data_timeout;
                config.contain = contain;
                let server = LabServer::start(config)
                    .await
                    .doing(|| format!("starting a mystery server ({pick})"))?;
                urls.push_str(&format!("{}\n", server.url()));
                labs.push(server);
            }
            Pick::Fault(fault) => {
                let server = FaultServer::start(fault, listen)
                    .await
                    .doing(|| format!("starting a mystery server ({pick})"))?;
                urls.push_str(&format!("{}\n", server.url()));
                faults.push(server);
            }
        }
    }
    print_stdout(&urls).doing(|| "writing the URLs".into())?;
    let seed_note = if chosen {
        String::new()
    } else {
        format!(
            " (seed {seed}: `ftpdoctor lab --answers --seed {seed} --count {count}` names them)"
        )
    };
    eprintln!(
        "ftpdoctor lab: {count} mystery servers on loopback{seed_note}\nlogins: anonymous (any \
         password) or {LAB_USER} / {LAB_PASSWORD}; TLS ones have a certificate from the lab's own \
         CA (probe with --insecure); stop with Ctrl-C"
    );
    signals.wait().await;
    for server in labs {
        server.shutdown().await;
    }
    for server in faults {
        server.shutdown().await;
    }
    Ok(())
}

/// SIGINT and SIGTERM, listened for from the moment of `install`.
pub(super) struct Signals {
    interrupt: tokio::signal::unix::Signal,
    terminate: tokio::signal::unix::Signal,
}

impl Signals {
    pub(super) fn install() -> Result<Signals, ExecError> {
        use tokio::signal::unix::{SignalKind, signal};
        Ok(Signals {
            interrupt: signal(SignalKind::interrupt())
                .doing(|| "installing the SIGINT handler".into())?,
            terminate: signal(SignalKind::terminate())
                .doing(|| "installing the SIGTERM handler".into())?,
        })
    }

    pub(super) async fn wait(mut self) {
        tokio::select! {
            _ = self.interrupt.recv() => {}
            _ = self.terminate.recv() => {}
        }
    }
}
