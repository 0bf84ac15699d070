//! Every lab scenario, started in-process on 127.0.0.1:0 and spoken to in raw FTP.
//! Advertised non-loopback addresses (10.0.0.5, 198.51.100.7, 0.0.0.0) are asserted as
//! text and never dialled: data connections always go to the control peer.

use crate::common;

use std::io::ErrorKind;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::{Duration, Instant};

use tokio::net::{TcpListener, TcpStream};
use tokio::time::timeout;

use common::{LAB_DATA_TIMEOUT, RawFtp, STEP, dial, epsv_port, pasv_port, read_all, start};
use ftpdoctor::lab::fs::{BIG_FILE_SIZE, README_TEXT, big_file_byte};
use ftpdoctor::lab::{Blackhole, ClosedPort, LAB_PASSWORD, LAB_USER, Scenario};

const LOOPBACK: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);

fn on_loopback(port: u16) -> SocketAddr {
    SocketAddr::new(LOOPBACK, port)
}

/// Starts a transfer over a data connection `data` and returns (1yz line, bytes, 226 line).
async fn transfer(ftp: &mut RawFtp, data: TcpStream, command: &str) -> (String, Vec<u8>, String) {
    ftp.send(command).await;
    let opening = ftp.reply().await;
    let bytes = read_all(data, 2 * BIG_FILE_SIZE as u64).await;
    let closing = ftp.reply().await;
    (opening.join("\n"), bytes, closing.join("\n"))
}

/// Sends PASV, checks the reply is exactly the vsftpd form with `advertised` as h1-h4,
/// and returns the port.
async fn pasv_advertising(ftp: &mut RawFtp, advertised: &str) -> u16 {
    let reply = ftp.cmd("PASV").await;
    let port = pasv_port(&reply[0]);
    let (p1, p2) = (port >> 8, port & 0xff);
    assert_eq!(
        reply,
        [format!(
            "227 Entering Passive Mode ({advertised},{p1},{p2})."
        )]
    );
    port
}

/// A connect to `addr` with a short timeout: the outcome a probe would record.
async fn connect_outcome(addr: SocketAddr, wait: Duration) -> Result<(), ErrorKind> {
    match timeout(wait, TcpStream::connect(addr)).await {
        Ok(Ok(_)) => Ok(()),
        Ok(Err(e)) => Err(e.kind()),
        Err(_) => Err(ErrorKind::TimedOut),
    }
}

#[tokio::test]
async fn healthy_banner_feat_and_login_replies() {
    let lab = start(Scenario::Healthy).await;
    let (mut ftp, banner) = RawFtp::connect(lab.addr()).await;
    assert_eq!(banner, ["220 ftpdoctor lab FTP server ready."]);
    assert_eq!(ftp.cmd("SYST").await, ["215 UNIX Type: L8"]);
    assert_eq!(
        ftp.cmd("FEAT").await,
        [
            "211-Features:",
            " EPRT",
            " EPSV",
            " PASV",
            " SIZE",
            " UTF8",
            "211 End"
        ]
    );
    let size = format!("213 {}", README_TEXT.len());
    let user = format!("USER {LAB_USER}");
    let pass = format!("PASS {LAB_PASSWORD}");
    ftp.converse(&[
        ("PWD", "530 Please login with USER and PASS."),
        ("PASV", "530 Please login with USER and PASS."),
        ("PASS x", "503 Login with USER first."),
        (&user, "331 Please specify the password."),
        ("PASS wrong", "530 Login incorrect."),
        (&user, "331 Please specify the password."),
        (&pass, "230 Login successful."),
        ("PWD", "257 \"/\" is the current directory"),
        ("CWD pub", "250 Directory successfully changed."),
        ("PWD", "257 \"/pub\" is the current directory"),
        ("CWD nowhere", "550 Failed to change directory."),
        ("CDUP", "250 Directory successfully changed."),
        ("PWD", "257 \"/\" is the current directory"),
        ("TYPE I", "200 Type set."),
        ("SIZE /pub/1MiB.bin", "213 1048576"),
        ("SIZE /pub/readme.txt", &size),
        ("SIZE missing", "550 Could not get file size."),
        ("NOOP", "200 NOOP ok."),
        ("MLSD", "502 Command not implemented."),
        ("RETR", "501 Syntax error in parameters or arguments."),
        ("LIST", "425 Use PORT or PASV first."),
        ("QUIT", "221 Goodbye."),
    ])
    .await;
    ftp.expect_closed().await;
}

#[tokio::test]
async fn healthy_epsv_retr_delivers_the_whole_1mib_file() {
    let lab = start(Scenario::Healthy).await;
    let mut ftp = RawFtp::login(lab.addr()).await;
    let reply = ftp.cmd("EPSV").await;
    assert!(
        reply[0].starts_with("229 Entering Extended Passive Mode (|||"),
        "{reply:?}"
    );
    let data = dial(on_loopback(epsv_port(&reply[0]))).await;
    let (opening, bytes, closing) = transfer(&mut ftp, data, "RETR /pub/1MiB.bin").await;
    assert_eq!(
        opening,
        "150 Opening BINARY mode data connection for /pub/1MiB.bin (1048576 bytes)."
    );
    assert_eq!(bytes.len(), BIG_FILE_SIZE);
    assert!(
        bytes
            .iter()
            .enumerate()
            .all(|(i, &b)| b == big_file_byte(i)),
        "content differs"
    );
    assert_eq!(closing, "226 Transfer complete.");
}

#[tokio::test]
async fn healthy_pasv_list_and_nlst() {
    let lab = start(Scenario::Healthy).await;
    let mut ftp = RawFtp::login(lab.addr()).await;
    let port = pasv_advertising(&mut ftp, "127,0,0,1").await;
    let data = dial(on_loopback(port)).await;
    let (opening, bytes, closing) = transfer(&mut ftp, data, "LIST -la /pub").await;
    assert_eq!(opening, "150 Here comes the directory listing.");
    let listing = String::from_utf8_lossy(&bytes);
    assert!(
        listing.contains(" readme.txt\r\n")
            && listing.contains(" 1048576 Jan 01  2026 1MiB.bin\r\n"),
        "{listing}"
    );
    assert_eq!(closing, "226 Directory send OK.");

    let port = pasv_port(&ftp.cmd("PASV").await[0]);
    let data = dial(on_loopback(port)).await;
    let (_, bytes, _) = transfer(&mut ftp, data, "NLST /pub").await;
    assert_eq!(bytes, b"readme.txt\r\n1MiB.bin\r\n");

    let port = pasv_port(&ftp.cmd("PASV").await[0]);
    let _data = dial(on_loopback(port)).await;
    assert_eq!(ftp.cmd("RETR /nope").await, ["550 Failed to open file."]);
}

#[tokio::test]
async fn healthy_port_and_eprt_connect_back_to_loopback() {
    let lab = start(Scenario::Healthy).await;
    let mut ftp = RawFtp::login(lab.addr()).await;
    for (verb, expected) in [
        ("PORT", "200 PORT command successful. Consider using PASV."),
        ("EPRT", "200 EPRT command successful. Consider using EPSV."),
    ] {
        let listener = TcpListener::bind((LOOPBACK, 0))
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let port = listener
            .local_addr()
            .map(|a| a.port())
            .unwrap_or_else(|e| panic!("{e}"));
        let arg = match verb {
            "PORT" => format!("PORT 127,0,0,1,{},{}", port >> 8, port & 0xff),
            _ => format!("EPRT |1|127.0.0.1|{port}|"),
        };
        assert_eq!(ftp.cmd(&arg).await, [expected]);
        ftp.send("RETR /pub/readme.txt").await;
        let (data, from) = match timeout(STEP, listener.accept()).await {
            Ok(Ok(accepted)) => accepted,
            other => panic!("{verb}: server did not connect back: {other:?}"),
        };
        assert_eq!(from.ip(), LOOPBACK);
        assert!(ftp.reply().await[0].starts_with("150 "));
        assert_eq!(read_all(data, 1 << 20).await, README_TEXT.as_bytes());
        assert_eq!(ftp.reply().await, ["226 Transfer complete."]);
    }
}

#[tokio::test]
async fn port_and_eprt_to_other_than_the_clients_loopback_address_are_refused() {
    let lab = start(Scenario::Healthy).await;
    let mut ftp = RawFtp::login(lab.addr()).await;
    let refused = |verb: &str| {
        format!(
            "500 Illegal {verb} command: this lab only connects back to the client's own loopback address."
        )
    };
    let (port, eprt) = (refused("PORT"), refused("EPRT"));
    ftp.converse(&[
        ("PORT 10,0,0,1,4,1", &port),
        ("EPRT |1|198.51.100.7|1025|", &eprt),
        // Loopback, but not the client's address: no bouncing to other local addresses.
        ("PORT 127,0,0,2,4,1", &port),
        (
            "EPRT |2|::1|1025|",
            "522 Network protocol not supported, use (1)",
        ),
        (
            "EPRT |3|127.0.0.1|1025|",
            "522 Network protocol not supported, use (1)",
        ),
        ("PORT 1,2,3", "501 Syntax error in parameters or arguments."),
    ])
    .await;
    // The refused PORTs left no data plan behind.
    assert_eq!(ftp.cmd("LIST").await, ["425 Use PORT or PASV first."]);
}

#[tokio::test]
async fn epsv_all_forbids_other_data_commands() {
    let lab = start(Scenario::Healthy).await;
    let mut ftp = RawFtp::login(lab.addr()).await;
    ftp.converse(&[
        ("EPSV 2", "522 Network protocol not supported, use (1)"),
        ("EPSV ALL", "200 EPSV ALL ok."),
        ("PASV", "503 PASV not allowed after EPSV ALL."),
        ("PORT 127,0,0,1,4,1", "503 PORT not allowed after EPSV ALL."),
        (
            "EPRT |1|127.0.0.1|1025|",
            "503 EPRT not allowed after EPSV ALL.",
        ),
    ])
    .await;
    assert!(ftp.cmd("EPSV 1").await[0].starts_with("229 "));
}

/// The three scenarios whose 227 lies about the address: the text says `advertised`,
/// the port is real and open on the control peer, and EPSV works.
async fn pasv_lie_is_advertised_but_port_is_on_loopback(scenario: Scenario, advertised: &str) {
    let lab = start(scenario).await;
    let mut ftp = RawFtp::login(lab.addr()).await;
    let port = pasv_advertising(&mut ftp, advertised).await;
    let data = dial(on_loopback(port)).await;
    let (opening, bytes, closing) = transfer(&mut ftp, data, "RETR /pub/readme.txt").await;
    assert!(opening.starts_with("150 "), "{opening}");
    assert_eq!(bytes, README_TEXT.as_bytes());
    assert_eq!(closing, "226 Transfer complete.");

    let reply = ftp.cmd("EPSV").await;
    let data = dial(on_loopback(epsv_port(&reply[0]))).await;
    let (_, bytes, closing) = transfer(&mut ftp, data, "LIST").await;
    assert!(String::from_utf8_lossy(&bytes).contains(" pub\r\n"));
    assert_eq!(closing, "226 Directory send OK.");
}

#[tokio::test]
async fn private_pasv_advertises_10_0_0_5() {
    pasv_lie_is_advertised_but_port_is_on_loopback(Scenario::PrivatePasv, "10,0,0,5").await;
}

#[tokio::test]
async fn zero_pasv_advertises_0_0_0_0() {
    pasv_lie_is_advertised_but_port_is_on_loopback(Scenario::ZeroPasv, "0,0,0,0").await;
}

#[tokio::test]
async fn mismatch_pasv_advertises_documentation_address() {
    pasv_lie_is_advertised_but_port_is_on_loopback(Scenario::MismatchPasv, "198,51,100,7").await;
}

#[tokio::test]
async fn blackhole_connect_times_out_rather_than_being_refused() {
    let hole = Blackhole::bind(LOOPBACK)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    // Longer than the first SYN retransmission (1 s): a retried SYN is dropped too.
    let outcome = connect_outcome(hole.addr(), Duration::from_millis(1500)).await;
    assert_eq!(outcome, Err(ErrorKind::TimedOut));
    // And again: the queue stays full, it does not drain.
    assert_eq!(
        connect_outcome(hole.addr(), Duration::from_millis(300)).await,
        Err(ErrorKind::TimedOut)
    );
}

#[tokio::test]
async fn closed_port_connect_is_refused_at_once() {
    let closed = ClosedPort::bind(LOOPBACK).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        connect_outcome(closed.addr(), STEP).await,
        Err(ErrorKind::ConnectionRefused)
    );
}

#[tokio::test]
async fn blocked_data_port_times_out_and_transfer_gets_425() {
    let lab = start(Scenario::BlockedData).await;
    let mut ftp = RawFtp::login(lab.addr()).await;
    let pasv = ftp.cmd("PASV").await;
    assert!(
        pasv[0].starts_with("227 Entering Passive Mode (127,0,0,1,"),
        "{pasv:?}"
    );
    let port = pasv_port(&pasv[0]);
    assert_eq!(
        connect_outcome(on_loopback(port), Duration::from_millis(700)).await,
        Err(ErrorKind::TimedOut)
    );
    let started = Instant::now();
    assert_eq!(
        ftp.cmd("LIST").await,
        ["425 Failed to establish connection."]
    );
    assert!(
        started.elapsed() >= LAB_DATA_TIMEOUT,
        "the server should wait out its timeout"
    );

    let epsv = ftp.cmd("EPSV").await;
    assert_eq!(epsv_port(&epsv[0]), port);
    assert_eq!(
        connect_outcome(on_loopback(port), Duration::from_millis(300)).await,
        Err(ErrorKind::TimedOut)
    );
}

#[tokio::test]
async fn refused_data_port_is_closed_and_transfer_gets_425() {
    let lab = start(Scenario::RefusedData).await;
    let mut ftp = RawFtp::login(lab.addr()).await;
    let port = pasv_port(&ftp.cmd("PASV").await[0]);
    assert_eq!(
        connect_outcome(on_loopback(port), STEP).await,
        Err(ErrorKind::ConnectionRefused)
    );
    assert_eq!(
        ftp.cmd("RETR /pub/readme.txt").await,
        ["425 Failed to establish connection."]
    );
    let port = epsv_port(&ftp.cmd("EPSV").await[0]);
    assert_eq!(
        connect_outcome(on_loopback(port), STEP).await,
        Err(ErrorKind::ConnectionRefused)
    );
}

#[tokio::test]
async fn no_epsv_answers_502_and_leaves_it_out_of_feat() {
    let lab = start(Scenario::NoEpsv).await;
    let mut ftp = RawFtp::login(lab.addr()).await;
    assert_eq!(
        ftp.cmd("FEAT").await,
        [
            "211-Features:",
            " EPRT",
            " PASV",
            " SIZE",
            " UTF8",
            "211 End"
        ]
    );
    assert_eq!(ftp.cmd("EPSV").await, ["502 Command not implemented."]);
    let port = pasv_port(&ftp.cmd("PASV").await[0]);
    let data = dial(on_loopback(port)).await;
    let (_, bytes, _) = transfer(&mut ftp, data, "RETR /pub/readme.txt").await;
    assert_eq!(bytes, README_TEXT.as_bytes());
}

#[tokio::test]
async fn port_rejected_answers_like_vsftpd_behind_nat() {
    let lab = start(Scenario::PortRejected).await;
    let mut ftp = RawFtp::login(lab.addr()).await;
    assert_eq!(
        ftp.cmd("PORT 127,0,0,1,4,1").await,
        ["500 Illegal PORT command."]
    );
    assert_eq!(
        ftp.cmd("EPRT |1|127.0.0.1|1025|").await,
        ["500 Illegal EPRT command."]
    );
    assert!(ftp.cmd("EPSV").await[0].starts_with("229 "));
}

#[tokio::test]
async fn active_blocked_accepts_port_but_never_connects_back() {
    let lab = start(Scenario::ActiveBlocked).await;
    let mut ftp = RawFtp::login(lab.addr()).await;
    let listener = TcpListener::bind((LOOPBACK, 0))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let port = listener
        .local_addr()
        .map(|a| a.port())
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        ftp.cmd(&format!("EPRT |1|127.0.0.1|{port}|")).await,
        ["200 EPRT command successful. Consider using EPSV."]
    );
    ftp.send("LIST").await;
    // Wait past the lab's own data timeout: no connection may arrive.
    let accepted = timeout(LAB_DATA_TIMEOUT * 2, listener.accept()).await;
    assert!(accepted.is_err(), "the server connected back: {accepted:?}");
    assert_eq!(ftp.reply().await, ["425 Failed to establish connection."]);
}

#[tokio::test]
async fn garbled_pasv_sends_hostname_labels_and_epsv_still_works() {
    let lab = start(Scenario::GarbledPasv).await;
    let mut ftp = RawFtp::login(lab.addr()).await;
    assert_eq!(
        ftp.cmd("PASV").await,
        ["227 Entering Passive Mode (ftp,example,com,1,2)"]
    );
    assert_eq!(ftp.cmd("LIST").await, ["425 Use PORT or PASV first."]);
    let data = dial(on_loopback(epsv_port(&ftp.cmd("EPSV").await[0]))).await;
    let (_, bytes, closing) = transfer(&mut ftp, data, "NLST").await;
    assert_eq!(bytes, b"pub\r\n");
    assert_eq!(closing, "226 Directory send OK.");
}

#[tokio::test]
async fn multiline_banner_six_lines_login_without_pass_and_125() {
    let lab = start(Scenario::MultilineBanner).await;
    let (mut ftp, banner) = RawFtp::connect(lab.addr()).await;
    assert_eq!(banner.len(), 6);
    assert_eq!(
        banner[0],
        "220---------- Welcome to Pure-FTPd [privsep] [TLS] ----------"
    );
    assert!(
        banner[1..5].iter().all(|l| l.starts_with("220-")),
        "{banner:?}"
    );
    assert_eq!(
        banner[5],
        "220 You will be disconnected after 15 minutes of inactivity."
    );
    assert_eq!(
        ftp.cmd("USER anonymous").await,
        ["230 Anonymous user logged in"]
    );
    let data = dial(on_loopback(pasv_port(&ftp.cmd("PASV").await[0]))).await;
    let (opening, bytes, closing) = transfer(&mut ftp, data, "RETR /pub/readme.txt").await;
    assert_eq!(
        opening,
        "125 Data connection already open. Transfer starting."
    );
    assert_eq!(bytes, README_TEXT.as_bytes());
    assert_eq!(closing, "226 Transfer complete.");
}

#[tokio::test]
async fn overlong_command_line_is_refused_and_skipped() {
    let lab = start(Scenario::Healthy).await;
    let (mut ftp, _) = RawFtp::connect(lab.addr()).await;
    ftp.send(&format!("USER {}", "x".repeat(100_000))).await;
    assert_eq!(ftp.reply().await, ["500 Command line too long."]);
    // Nothing of the long line is taken as a command; the session goes on.
    assert_eq!(ftp.cmd("NOOP").await, ["200 NOOP ok."]);
}

#[tokio::test]
async fn sessions_are_independent() {
    let lab = start(Scenario::Healthy).await;
    let mut one = RawFtp::login(lab.addr()).await;
    let (mut two, _) = RawFtp::connect(lab.addr()).await;
    assert_eq!(
        one.cmd("CWD pub").await,
        ["250 Directory successfully changed."]
    );
    assert_eq!(
        two.cmd("PWD").await,
        ["530 Please login with USER and PASS."]
    );
    assert_eq!(
        one.cmd("PWD").await,
        ["257 \"/pub\" is the current directory"]
    );
}

#[tokio::test]
async fn shutdown_closes_sessions_and_the_port() {
    let lab = start(Scenario::Healthy).await;
    let addr = lab.addr();
    let mut ftp = RawFtp::login(addr).await;
    lab.shutdown().await;
    assert_stopped(addr, &mut ftp).await;
}

/// The session `ftp` was in is closed and nothing listens at `addr` any more.
async fn assert_stopped(addr: SocketAddr, ftp: &mut RawFtp) {
    ftp.expect_closed().await;
    assert_eq!(
        connect_outcome(addr, STEP).await,
        Err(ErrorKind::ConnectionRefused)
    );
}

#[tokio::test]
async fn drop_stops_the_server() {
    let lab = start(Scenario::BlockedData).await;
    let addr = lab.addr();
    let mut ftp = RawFtp::login(addr).await;
    drop(lab);
    assert_stopped(addr, &mut ftp).await;
}

#[tokio::test]
async fn lab_on_ipv6_loopback_serves_epsv_and_refuses_pasv() {
    let mut config = ftpdoctor::lab::LabConfig::new(Scenario::Healthy);
    config.listen = "[::1]:0".parse().unwrap_or_else(|e| panic!("{e}"));
    let lab = match ftpdoctor::lab::LabServer::start(config).await {
        Ok(lab) => lab,
        Err(e) => panic!("the lab must serve on ::1 (IPv6 loopback): {e}"),
    };
    assert!(lab.url().starts_with("ftp://[::1]:"), "{}", lab.url());
    let mut ftp = RawFtp::login(lab.addr()).await;
    assert_eq!(
        ftp.cmd("PASV").await,
        ["500 PASV is IPv4 only; use EPSV on IPv6."]
    );
    assert_eq!(
        ftp.cmd("EPSV 1").await,
        ["522 Network protocol not supported, use (2)"]
    );
    let port = epsv_port(&ftp.cmd("EPSV").await[0]);
    let data = dial(SocketAddr::new("::1".parse().unwrap_or(LOOPBACK), port)).await;
    let (_, bytes, _) = transfer(&mut ftp, data, "RETR /pub/readme.txt").await;
    assert_eq!(bytes, README_TEXT.as_bytes());
}

#[tokio::test]
async fn idle_control_connection_gets_421_and_is_closed() {
    let mut config = ftpdoctor::lab::LabConfig::new(Scenario::Healthy);
    config.idle_timeout = Duration::from_millis(300);
    let lab = ftpdoctor::lab::LabServer::start(config)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    // The server's timer starts after the accept, so after this instant.
    let started = Instant::now();
    let (mut ftp, _) = RawFtp::connect(lab.addr()).await;
    assert_eq!(ftp.reply().await, ["421 Timeout."]);
    assert!(started.elapsed() >= Duration::from_millis(300));
    ftp.expect_closed().await;
}

#[tokio::test]
async fn sessions_over_the_cap_get_421_too_many_connections() {
    let mut config = ftpdoctor::lab::LabConfig::new(Scenario::Healthy);
    config.max_sessions = 2;
    let lab = ftpdoctor::lab::LabServer::start(config)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let (mut first, _) = RawFtp::connect(lab.addr()).await;
    let (_second, _) = RawFtp::connect(lab.addr()).await;
    let (mut third, banner) = RawFtp::connect(lab.addr()).await;
    assert_eq!(
        banner,
        ["421 Too many connections (2 max); try again later."]
    );
    third.expect_closed().await;
    // A slot frees when a session ends.
    assert_eq!(first.cmd("QUIT").await, ["221 Goodbye."]);
    first.expect_closed().await;
    for attempt in 0.. {
        let (_ftp, banner) = RawFtp::connect(lab.addr()).await;
        if banner[0].starts_with("220 ") {
            break;
        }
        assert!(attempt < 40, "the slot never freed: {banner:?}");
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}
