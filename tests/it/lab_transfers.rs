//! The lab scenarios of long and large transfers, on the wire: mtu-blackhole (a full MSS
//! stalls after the first KiB, a lowered one passes), idle-timeout and idle-reset (the
//! path forgets an idle control connection), writable (STOR and DELE in a temporary
//! directory).

use crate::common;

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::timeout;

use common::{LAB_DATA_TIMEOUT, RawFtp, STEP, dial, epsv_port, read_all, start};
use ftpdoctor::lab::fs::{BIG_FILE_SIZE, big_file_byte};
use ftpdoctor::lab::{HOLE_PASSES_BYTES, LabConfig, LabServer, Scenario};
use ftpdoctor::net::mss::{connect_with_mss, read_mss};

/// How long a test waits to call a transfer stalled: nothing moves on loopback for this
/// long unless the lab holds it back.
const STALL: Duration = Duration::from_millis(500);

/// The idle limit the idle tests give the lab, instead of its 4 s default.
const IDLE_AFTER: Duration = Duration::from_millis(300);

async fn epsv_addr(ftp: &mut RawFtp) -> SocketAddr {
    let reply = ftp.cmd("EPSV").await;
    SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), epsv_port(&reply[0]))
}

/// Reads until `STALL` passes with no byte, or the end; returns what came and whether
/// the connection ended.
async fn read_until_stall(data: &mut TcpStream) -> (Vec<u8>, bool) {
    let mut got = Vec::new();
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        match timeout(STALL, data.read(&mut buf)).await {
            Ok(Ok(0)) => return (got, true),
            Ok(Ok(n)) => got.extend_from_slice(&buf[..n]),
            Ok(Err(e)) => panic!("reading data: {e}"),
            Err(_) => return (got, false),
        }
    }
}

async fn start_with(scenario: Scenario, change: impl FnOnce(&mut LabConfig)) -> LabServer {
    let mut config = LabConfig::new(scenario);
    config.data_timeout = LAB_DATA_TIMEOUT;
    change(&mut config);
    LabServer::start(config)
        .await
        .unwrap_or_else(|e| panic!("starting {scenario}: {e}"))
}

#[tokio::test]
async fn mtu_blackhole_stalls_a_full_mss_download_after_one_kib_and_a_lowered_mss_passes() {
    let lab = start(Scenario::MtuBlackhole).await;
    let mut ftp = RawFtp::login(lab.addr()).await;
    let mut data = dial(epsv_addr(&mut ftp).await).await;
    assert!(read_mss(&data).unwrap_or_default() > 1200);
    ftp.send("RETR /pub/1MiB.bin").await;
    assert!(ftp.reply().await[0].starts_with("150 "));
    let (got, ended) = read_until_stall(&mut data).await;
    assert_eq!((got.len(), ended), (HOLE_PASSES_BYTES, false));
    // The client gives up: the server's write fails and it says so.
    drop(data);
    assert_eq!(ftp.reply().await, ["426 Failure writing network stream."]);

    let at = epsv_addr(&mut ftp).await;
    let data = connect_with_mss(at, 1200, STEP).await.unwrap();
    assert!(read_mss(&data).unwrap_or_default() <= 1200);
    ftp.send("RETR /pub/1MiB.bin").await;
    assert!(ftp.reply().await[0].starts_with("150 "));
    let bytes = read_all(data, 2 * BIG_FILE_SIZE as u64).await;
    assert_eq!(bytes.len(), BIG_FILE_SIZE);
    assert!(
        bytes
            .iter()
            .enumerate()
            .all(|(i, &b)| b == big_file_byte(i))
    );
    assert_eq!(ftp.reply().await, ["226 Transfer complete."]);
}

#[tokio::test]
async fn mtu_blackhole_lets_a_small_listing_through_at_full_mss() {
    let lab = start(Scenario::MtuBlackhole).await;
    let mut ftp = RawFtp::login(lab.addr()).await;
    let data = dial(epsv_addr(&mut ftp).await).await;
    ftp.send("LIST /pub").await;
    assert!(ftp.reply().await[0].starts_with("150 "));
    let listing = read_all(data, 64 * 1024).await;
    assert!(String::from_utf8_lossy(&listing).contains("1MiB.bin"));
    assert_eq!(ftp.reply().await, ["226 Directory send OK."]);
}

#[tokio::test]
async fn mtu_blackhole_upload_at_full_mss_never_gets_its_226_and_a_lowered_mss_does() {
    let lab = start(Scenario::MtuBlackhole).await;
    let big = vec![7u8; 256 * 1024];
    let mut ftp = RawFtp::login(lab.addr()).await;
    let mut data = dial(epsv_addr(&mut ftp).await).await;
    ftp.send("STOR /pub/full.tmp").await;
    assert_eq!(ftp.reply().await, ["150 Ok to send data."]);
    let _ = timeout(STALL, data.write_all(&big)).await;
    drop(data);
    assert!(
        timeout(STALL, ftp.line()).await.is_err(),
        "a reply came through the hole"
    );
    assert_eq!(lab.uploaded_size("/pub/full.tmp"), None);

    let mut ftp = RawFtp::login(lab.addr()).await;
    let at = epsv_addr(&mut ftp).await;
    let mut data = connect_with_mss(at, 536, STEP).await.unwrap();
    ftp.send("STOR /pub/lowered.tmp").await;
    assert_eq!(ftp.reply().await, ["150 Ok to send data."]);
    data.write_all(&big).await.unwrap();
    drop(data);
    assert_eq!(ftp.reply().await, ["226 Transfer complete."]);
    assert_eq!(
        lab.uploaded_size("/pub/lowered.tmp"),
        Some(big.len() as u64)
    );
}

#[tokio::test]
async fn idle_timeout_forgets_an_idle_control_connection_silently() {
    let lab = start_with(Scenario::IdleTimeout, |c| c.idle_after = IDLE_AFTER).await;
    let mut ftp = RawFtp::login(lab.addr()).await;
    // Busy: commands inside the limit keep it.
    for _ in 0..3 {
        tokio::time::sleep(IDLE_AFTER / 3).await;
        assert_eq!(ftp.cmd("NOOP").await, ["200 NOOP ok."]);
    }
    tokio::time::sleep(IDLE_AFTER + IDLE_AFTER / 2).await;
    ftp.send("NOOP").await;
    assert!(
        timeout(STALL, ftp.line()).await.is_err(),
        "NOOP was answered"
    );
}

#[tokio::test]
async fn idle_reset_answers_the_next_command_after_an_idle_period_with_a_rst() {
    let lab = start_with(Scenario::IdleReset, |c| c.idle_after = IDLE_AFTER).await;
    let (ftp, _) = RawFtp::connect(lab.addr()).await;
    drop(ftp);
    let mut stream = TcpStream::connect(lab.addr()).await.unwrap();
    let mut banner = [0u8; 256];
    let _ = timeout(STEP, stream.read(&mut banner)).await;
    tokio::time::sleep(IDLE_AFTER + IDLE_AFTER / 2).await;
    stream.write_all(b"NOOP\r\n").await.unwrap();
    let mut reply = [0u8; 256];
    let got = timeout(STEP, stream.read(&mut reply)).await;
    assert!(
        matches!(&got, Ok(Err(e)) if e.kind() == std::io::ErrorKind::ConnectionReset),
        "{got:?}"
    );
}

#[tokio::test]
async fn writable_stores_refuses_to_overwrite_deletes_and_removes_its_directory() {
    let lab = start(Scenario::Writable).await;
    let dir = lab.upload_dir().map(|d| d.to_path_buf()).unwrap();
    let mut ftp = RawFtp::login(lab.addr()).await;
    let data = dial(epsv_addr(&mut ftp).await).await;
    ftp.send("STOR ftpdoctor-test.tmp").await;
    assert_eq!(ftp.reply().await, ["150 Ok to send data."]);
    let mut data = data;
    data.write_all(b"hello").await.unwrap();
    drop(data);
    assert_eq!(ftp.reply().await, ["226 Transfer complete."]);
    ftp.converse(&[
        ("SIZE /ftpdoctor-test.tmp", "213 5"),
        ("STOR ftpdoctor-test.tmp", "553 Could not create file."),
        ("STOR /pub/readme.txt", "553 Could not create file."),
        ("DELE /pub/readme.txt", "550 Delete operation failed."),
        (
            "DELE ftpdoctor-test.tmp",
            "250 Delete operation successful.",
        ),
        ("SIZE ftpdoctor-test.tmp", "550 Could not get file size."),
    ])
    .await;
    assert!(dir.is_dir());
    lab.shutdown().await;
    assert!(!dir.exists(), "{} left behind", dir.display());
}

#[tokio::test]
async fn healthy_refuses_stor_and_dele_as_vsftpd_without_write_enable() {
    let lab = start(Scenario::Healthy).await;
    assert!(lab.upload_dir().is_none());
    let mut ftp = RawFtp::login(lab.addr()).await;
    ftp.converse(&[
        ("STOR x.tmp", "550 Permission denied."),
        ("DELE x.tmp", "550 Permission denied."),
    ])
    .await;
}

#[tokio::test]
async fn writable_with_refuse_dele_keeps_the_upload_as_vsftpd_without_anon_other_write() {
    let lab = start_with(Scenario::Writable, |c| c.refuse_dele = true).await;
    let mut ftp = RawFtp::login(lab.addr()).await;
    let mut data = dial(epsv_addr(&mut ftp).await).await;
    ftp.send("STOR kept.tmp").await;
    assert_eq!(ftp.reply().await, ["150 Ok to send data."]);
    data.write_all(b"x").await.unwrap();
    drop(data);
    assert_eq!(ftp.reply().await, ["226 Transfer complete."]);
    ftp.converse(&[("DELE kept.tmp", "550 Permission denied.")])
        .await;
    assert_eq!(lab.uploaded_size("/kept.tmp"), Some(1));
}
