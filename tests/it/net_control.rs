//! The client control connection against servers that misbehave at the byte level.

use std::time::{Duration, Instant};

use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};

use ftpdoctor::net::control::{ControlConn, ControlError, Speaker};
use ftpdoctor::proto::{Command, ReplyError};

/// The step timeout for exchanges that should succeed: generous for a loaded machine.
const STEP: Duration = Duration::from_secs(5);

/// The step timeout where the test waits for the timeout itself.
const SHORT_STEP: Duration = Duration::from_millis(300);

/// A one-shot server on loopback that writes `script` and then holds the connection
/// open (or closes it when `close` is set); returns a connected client.
async fn scripted(script: &'static [u8], close: bool) -> ControlConn<TcpStream> {
    scripted_with(script, close, STEP).await
}

async fn scripted_with(
    script: &'static [u8],
    close: bool,
    step: Duration,
) -> ControlConn<TcpStream> {
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let addr = listener.local_addr().unwrap_or_else(|e| panic!("{e}"));
    tokio::spawn(async move {
        if let Ok((mut stream, _)) = listener.accept().await {
            let _ = stream.write_all(script).await;
            if !close {
                tokio::time::sleep(Duration::from_secs(10)).await;
            }
        }
    });
    let stream = TcpStream::connect(addr)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    ControlConn::new(stream, step)
}

#[tokio::test]
async fn banner_never_sent_is_a_timeout_naming_the_step() {
    let mut ctl = scripted_with(b"", false, SHORT_STEP).await;
    let started = Instant::now();
    match ctl.read_reply("the banner").await {
        Err(ControlError::Timeout {
            waiting_for,
            after,
            arrived,
        }) => {
            assert_eq!(waiting_for, "the banner");
            assert_eq!(after, SHORT_STEP);
            assert_eq!(arrived, 0);
        }
        other => panic!("{other:?}"),
    }
    assert!(started.elapsed() >= SHORT_STEP);
}

#[tokio::test]
async fn reply_cut_short_by_close_says_mid_reply() {
    let mut ctl = scripted(b"220-Welcome\r\n220-still", true).await;
    assert!(matches!(
        ctl.read_reply("the banner").await,
        Err(ControlError::Closed { mid_reply: true })
    ));
}

#[tokio::test]
async fn close_between_replies_is_not_mid_reply() {
    let mut ctl = scripted(b"220 hi\r\n", true).await;
    assert_eq!(
        ctl.read_reply("the banner").await.map(|r| r.code).ok(),
        Some(220)
    );
    assert!(matches!(
        ctl.read_reply("USER").await,
        Err(ControlError::Closed { mid_reply: false })
    ));
}

#[tokio::test]
async fn two_replies_in_one_segment_are_both_kept() {
    let mut ctl = scripted(b"220 hi\r\n331 pass please\r\n", false).await;
    assert_eq!(
        ctl.read_reply("the banner").await.map(|r| r.code).ok(),
        Some(220)
    );
    assert_eq!(
        ctl.command(&Command::User("ftp".into()))
            .await
            .map(|r| r.code)
            .ok(),
        Some(331)
    );
}

#[tokio::test]
async fn garbage_instead_of_a_reply_is_an_error_value() {
    let mut ctl = scripted(b"SSH-2.0-OpenSSH_9.2\r\n", false).await;
    assert!(matches!(
        ctl.read_reply("the banner").await,
        Err(ControlError::Reply(ReplyError::Malformed { .. }))
    ));
}

#[tokio::test]
async fn transcript_masks_the_password() {
    let mut ctl = scripted(b"220 hi\r\n331 pass please\r\n230 ok\r\n", false).await;
    let _ = ctl.read_reply("the banner").await;
    let _ = ctl.command(&Command::User("student".into())).await;
    let _ = ctl.command(&Command::Pass("lab-password".into())).await;
    let lines: Vec<_> = ctl
        .transcript()
        .iter()
        .map(|l| (l.speaker, l.text.as_str()))
        .collect();
    assert_eq!(
        lines,
        [
            (Speaker::Server, "220 hi"),
            (Speaker::Client, "USER student"),
            (Speaker::Server, "331 pass please"),
            (Speaker::Client, "PASS ****"),
            (Speaker::Server, "230 ok"),
        ]
    );
}

#[tokio::test]
async fn after_a_timeout_the_connection_refuses_to_go_on() {
    // The reply comes late: taken after the timeout it would answer the wrong command.
    let mut ctl = scripted_with(b"", false, SHORT_STEP).await;
    assert!(matches!(
        ctl.read_reply("the banner").await,
        Err(ControlError::Timeout { .. })
    ));
    assert!(matches!(
        ctl.command(&Command::Noop).await,
        Err(ControlError::Unusable { .. })
    ));
    assert!(matches!(
        ctl.read_reply("NOOP").await,
        Err(ControlError::Unusable { .. })
    ));
}

#[tokio::test]
async fn transcript_shows_what_was_not_a_reply() {
    let mut ctl = scripted(b"SSH-2.0-OpenSSH_9.2\r\n", false).await;
    let _ = ctl.read_reply("the banner").await;
    let texts: Vec<_> = ctl.transcript().iter().map(|l| l.text.as_str()).collect();
    assert_eq!(texts.len(), 1, "{texts:?}");
    assert!(texts[0].contains("SSH-2.0-OpenSSH_9.2"), "{texts:?}");
}

#[tokio::test]
async fn a_command_with_crlf_is_refused_before_anything_is_sent() {
    let mut ctl = scripted(b"220 hi\r\n", false).await;
    let _ = ctl.read_reply("the banner").await;
    assert!(matches!(
        ctl.send(&Command::Retr("x\r\nDELE y".into())).await,
        Err(ControlError::Command(_))
    ));
    // Nothing went out, so the conversation is still in step.
    assert_eq!(ctl.transcript().len(), 1);
}

#[tokio::test]
async fn garbled_reply_takes_the_connection_out_of_service() {
    // The real 227 follows the garbage; read by the next command, it would be paired
    // with the wrong request.
    let mut ctl = scripted(
        b"Entering passive mode\r\n227 Entering Passive Mode (127,0,0,1,4,1)\r\n",
        false,
    )
    .await;
    assert!(matches!(
        ctl.read_reply("PASV").await,
        Err(ControlError::Reply(ReplyError::Malformed { .. }))
    ));
    assert!(!ctl.is_usable());
    assert!(matches!(
        ctl.command(&Command::Noop).await,
        Err(ControlError::Unusable { .. })
    ));
}

#[tokio::test]
async fn plaintext_after_234_is_refused_before_the_tls_handshake() {
    // The STARTTLS injection (CVE-2011-0411): a reply queued behind the 234 would be
    // read as if it came inside TLS.
    let mut conn = scripted(b"220 hi\r\n234 go ahead\r\n230 injected\r\n", false).await;
    let banner = conn.read_reply("banner").await;
    assert!(matches!(banner, Ok(r) if r.code == 220));
    let auth = conn.read_reply("AUTH").await;
    assert!(matches!(auth, Ok(r) if r.code == 234));
    // Both replies came in one read; the parser still holds the injected one.
    let refused = conn.stream_for_tls();
    assert!(
        matches!(refused, Err(ControlError::PlaintextBeforeTls)),
        "{refused:?}"
    );
    assert!(!conn.is_usable());
}

#[tokio::test]
async fn clean_234_hands_over_the_stream() {
    let mut conn = scripted(b"220 hi\r\n234 go ahead\r\n", false).await;
    for step in ["banner", "AUTH"] {
        assert!(conn.read_reply(step).await.is_ok());
    }
    assert!(conn.stream_for_tls().is_ok());
}

#[tokio::test]
async fn transcript_stops_growing_past_its_limit() {
    use ftpdoctor::net::control::MAX_TRANSCRIPT_BYTES;
    // Twenty replies of about 56 KiB each (14 lines of 4000 bytes, within the line
    // limit): 1.1 MB on the wire, more than the transcript keeps.
    let middle = format!(" {}\r\n", "x".repeat(4000)).repeat(14);
    let reply = format!("211-status\r\n{middle}211 End\r\n");
    let script: &'static [u8] = Box::leak(reply.repeat(20).into_bytes().into_boxed_slice());
    let mut conn = scripted(script, false).await;
    for i in 0..20 {
        let reply = conn.read_reply("STAT").await;
        assert!(matches!(reply, Ok(r) if r.code == 211), "reply {i}");
    }
    let kept: usize = conn.transcript().iter().map(|l| l.text.len()).sum();
    assert!(kept <= MAX_TRANSCRIPT_BYTES + 200, "{kept}");
    let last = conn
        .transcript()
        .last()
        .map(|l| l.text.clone())
        .unwrap_or_default();
    assert!(last.contains("transcript cut"), "{last}");
}
