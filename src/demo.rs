//! `ftpdoctor demo`: starts every lab scenario on loopback and walks a plain client
//! through each data-connection mode against it, printing what the client sees.
//!
//! Data connections go to the control peer only: an advertised address that differs
//! from it is shown and never dialled (SPEC safety rules).

use std::fmt::Write as _;
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use tokio::io::AsyncReadExt;
use tokio::net::{TcpListener, TcpStream};
use tokio::time::timeout;

use crate::lab::{LabConfig, LabServer, Scenario};
use crate::net::control::{ControlConn, ControlError};
use crate::net::dial::{AcceptOutcome, accept, dial};
use crate::proto::passive::{parse_227, parse_229};
use crate::proto::{Command, EpsvArg, Reply};

/// Bytes of a listing the demo reads; the lab's listings are a few hundred bytes.
const MAX_LISTING: u64 = 64 * 1024;

/// Runs the tour of every scenario concurrently; returns the text in scenario order.
/// A scenario whose server cannot start gets a line saying so; the others still run.
pub async fn run(step: Duration) -> String {
    let mut servers = Vec::new();
    for scenario in Scenario::ALL {
        let mut config = LabConfig::new(scenario);
        // The lab gives up on a data connection when the client does.
        config.data_timeout = step;
        servers.push((scenario, LabServer::start(config).await));
    }
    // Every tour is bounded by its step timeouts, and all are awaited before returning.
    let tours: Vec<_> = servers
        .iter()
        .map(|(scenario, server)| match server {
            Ok(server) => Ok(tokio::spawn(tour(*scenario, server.addr(), step))),
            Err(err) => Err(format!(
                "== {scenario}: could not start the lab server: {err}\n\n"
            )),
        })
        .collect();
    let mut text = String::new();
    for tour in tours {
        match tour {
            Ok(task) => match task.await {
                Ok(section) => text.push_str(&section),
                Err(err) => text.push_str(&format!("   tour failed: {err}\n\n")),
            },
            Err(line) => text.push_str(&line),
        }
    }
    for server in servers.into_iter().filter_map(|(_, server)| server.ok()) {
        server.shutdown().await;
    }
    text
}

/// One scenario's section.
async fn tour(scenario: Scenario, addr: SocketAddr, step: Duration) -> String {
    let mut out = format!(
        "== {scenario}: {}\n   server ftp://{addr}/\n",
        scenario.description()
    );
    if let Err(err) = walk(addr, step, &mut out).await {
        let _ = writeln!(out, "   stopped: {err}");
    }
    out.push('\n');
    out
}

fn show(out: &mut String, label: &str, reply: &Reply) {
    let text = if reply.lines.len() > 1 {
        format!("{} (+{} more lines)", reply.lines[0], reply.lines.len() - 1)
    } else {
        reply.lines.join("")
    };
    let _ = writeln!(out, "   {label:<6} {text}");
}

fn note(out: &mut String, text: impl std::fmt::Display) {
    let _ = writeln!(out, "          {text}");
}

async fn walk(addr: SocketAddr, step: Duration, out: &mut String) -> Result<(), ControlError> {
    let control = dial(addr, step).await;
    let Some(stream) = control.stream else {
        let why = control.error.unwrap_or_default();
        let _ = writeln!(out, "   connect {addr}: {} {why}", control.outcome.as_str());
        return Ok(());
    };
    let local = stream.local_addr()?;
    let mut ctl = ControlConn::new(stream, step);
    show(out, "banner", &ctl.read_reply("the banner").await?);
    let user = ctl.command(&Command::User("anonymous".into())).await?;
    show(out, "USER", &user);
    if user.code == 331 {
        show(
            out,
            "PASS",
            &ctl.command(&Command::Pass("ftpdoctor@".into())).await?,
        );
    }
    ctl.command(&Command::Type(crate::proto::TransferType::Binary))
        .await?;
    for cmd in [Command::Epsv(EpsvArg::None), Command::Pasv] {
        passive(&mut ctl, addr.ip(), cmd, step, out).await?;
    }
    for eprt in [true, false] {
        active(&mut ctl, local.ip(), eprt, step, out).await?;
    }
    let _ = ctl.command(&Command::Quit).await;
    Ok(())
}

async fn passive(
    ctl: &mut ControlConn<TcpStream>,
    peer: IpAddr,
    cmd: Command,
    step: Duration,
    out: &mut String,
) -> Result<(), ControlError> {
    let reply = ctl.command(&cmd).await?;
    show(out, cmd.verb(), &reply);
    let parsed = match &cmd {
        Command::Pasv => parse_227(&reply).map(|advertised| {
            if IpAddr::V4(*advertised.ip()) != peer {
                note(
                    out,
                    format!("advertised {advertised} is not the control peer: not dialled"),
                );
            }
            advertised.port()
        }),
        _ => parse_229(&reply),
    };
    let port = match parsed {
        Ok(port) => port,
        Err(err) => {
            note(out, format!("no usable address: {err}"));
            return Ok(());
        }
    };
    let target = SocketAddr::new(peer, port);
    let dialled = dial(target, step).await;
    note(
        out,
        format!(
            "dial {target}: {} in {:.1} ms",
            dialled.outcome.as_str(),
            ms(dialled.elapsed)
        ),
    );
    match dialled.stream {
        Some(data) => transfer(ctl, data, step, out).await,
        None => Ok(()),
    }
}

async fn active(
    ctl: &mut ControlConn<TcpStream>,
    local: IpAddr,
    eprt: bool,
    step: Duration,
    out: &mut String,
) -> Result<(), ControlError> {
    let listener = TcpListener::bind(SocketAddr::new(local, 0)).await?;
    let ours = listener.local_addr()?;
    // PORT carries IPv4 only; over IPv6 EPRT is the one active command there is.
    let cmd = match ours {
        SocketAddr::V4(v4) if !eprt => Command::Port(v4),
        _ => Command::Eprt(ours),
    };
    let reply = ctl.command(&cmd).await?;
    show(out, cmd.verb(), &reply);
    if !reply.is_positive_completion() {
        return Ok(());
    }
    ctl.send(&Command::Nlst(None)).await?;
    let accepted = accept(&listener, step).await;
    match accepted.outcome {
        AcceptOutcome::Accepted { from, stream } => {
            let took = ms(accepted.elapsed);
            note(
                out,
                format!("server connected back from {from} in {took:.1} ms"),
            );
            finish_transfer(ctl, stream, step, out).await
        }
        AcceptOutcome::Timeout => {
            note(out, format!("server never connected back ({step:?})"));
            read_unconnected_reply(ctl, out).await
        }
        AcceptOutcome::Failed(err) => {
            note(out, format!("our listener failed: {err}"));
            read_unconnected_reply(ctl, out).await
        }
    }
}

/// The server's answer to a transfer whose data connection never came (a 425, usually).
async fn read_unconnected_reply(
    ctl: &mut ControlConn<TcpStream>,
    out: &mut String,
) -> Result<(), ControlError> {
    let reply = ctl.read_reply("NLST").await?;
    show(out, "NLST", &reply);
    // A late connection after all: the completion reply follows and must be read here,
    // or it would pass for the answer to the next command.
    if reply.is_positive_preliminary() {
        show(out, "NLST", &ctl.read_reply("the end of NLST").await?);
    }
    Ok(())
}

/// NLST over an open data connection: the 1yz, the bytes, the final reply.
async fn transfer(
    ctl: &mut ControlConn<TcpStream>,
    data: TcpStream,
    step: Duration,
    out: &mut String,
) -> Result<(), ControlError> {
    ctl.send(&Command::Nlst(None)).await?;
    finish_transfer(ctl, data, step, out).await
}

async fn finish_transfer(
    ctl: &mut ControlConn<TcpStream>,
    mut data: TcpStream,
    step: Duration,
    out: &mut String,
) -> Result<(), ControlError> {
    let first = ctl.read_reply("NLST").await?;
    if !first.is_positive_preliminary() {
        show(out, "NLST", &first);
        return Ok(());
    }
    let mut listing = Vec::new();
    let read = timeout(
        step,
        (&mut data).take(MAX_LISTING).read_to_end(&mut listing),
    )
    .await;
    let last = ctl.read_reply("the end of NLST").await?;
    let status = match read {
        Ok(Ok(_)) => format!("{} bytes", listing.len()),
        Ok(Err(err)) => format!("data error after {} bytes: {err}", listing.len()),
        Err(_) => format!("data timed out after {} bytes", listing.len()),
    };
    note(
        out,
        format!(
            "NLST: {} / {} ({status})",
            first.lines.join(" "),
            last.lines.join(" ")
        ),
    );
    Ok(())
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}
