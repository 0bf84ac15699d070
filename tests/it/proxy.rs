//! `--proxy`: the probe through small proxies written here, on 127.0.0.1, against the
//! embedded lab: a SOCKS5 proxy with and without BIND, an HTTP CONNECT proxy that
//! allows only the control port, one that answers garbage, one that closes in the middle
//! of its handshake and one that never answers.

use std::net::{Ipv4Addr, SocketAddr};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt, copy_bidirectional};
use tokio::net::{TcpListener, TcpStream};

use crate::common::bin::LabProcess;
use crate::common::cli::{Run, findings, mode, probe_json, statuses};

/// How the in-test proxy behaves.
#[derive(Clone, Copy)]
enum Kind {
    /// SOCKS5 CONNECT; BIND when `bind`, answered from 0.0.0.0 (as dante may).
    Socks { bind: bool },
    /// SOCKS5 CONNECT after an RFC 1929 login as `alice` with this password.
    SocksLogin { password: &'static str },
    /// HTTP CONNECT to `allowed` only; anything else 403 (tinyproxy's ConnectPort).
    Connect { allowed: u16 },
    /// An HTTP answer with escape sequences in its status line.
    HostileStatus,
    /// Not SOCKS5 at all.
    Garbage,
    /// The method byte, then a close.
    ClosesMidHandshake,
    /// Accepts and says nothing.
    Silent,
}

async fn start(kind: Kind) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            tokio::spawn(serve(kind, stream));
        }
    });
    addr
}

async fn serve(kind: Kind, mut client: TcpStream) -> Option<()> {
    match kind {
        Kind::Socks { bind } => socks(bind, client).await,
        Kind::SocksLogin { password } => {
            socks_login(password, &mut client).await?;
            socks_request(false, client).await
        }
        Kind::Connect { allowed } => connect(allowed, client).await,
        Kind::HostileStatus => {
            read_head(&mut client).await?;
            let answer = b"HTTP/1.1 403 \x1b]0;pwned\x07\x1b[2J<script>\r\n\r\n";
            client.write_all(answer).await.ok()
        }
        Kind::Garbage => {
            client.write_all(b"\x1b[31mHELLO\r\n").await.ok()?;
            tokio::time::sleep(Duration::from_secs(30)).await;
            Some(())
        }
        Kind::ClosesMidHandshake => {
            let mut greeting = [0u8; 3];
            client.read_exact(&mut greeting).await.ok()?;
            client.write_all(&[5]).await.ok()
        }
        Kind::Silent => {
            tokio::time::sleep(Duration::from_secs(30)).await;
            drop(client);
            Some(())
        }
    }
}

async fn socks(bind: bool, mut client: TcpStream) -> Option<()> {
    let mut head = [0u8; 2];
    client.read_exact(&mut head).await.ok()?;
    let mut methods = vec![0u8; usize::from(head[1])];
    client.read_exact(&mut methods).await.ok()?;
    client.write_all(&[5, 0]).await.ok()?;
    socks_request(bind, client).await
}

/// RFC 1929: method 2 chosen (0xFF when not offered), then `alice` and the password
/// checked.
async fn socks_login(password: &str, client: &mut TcpStream) -> Option<()> {
    let mut head = [0u8; 2];
    client.read_exact(&mut head).await.ok()?;
    let mut methods = vec![0u8; usize::from(head[1])];
    client.read_exact(&mut methods).await.ok()?;
    if !methods.contains(&2) {
        client.write_all(&[5, 0xff]).await.ok()?;
        return None;
    }
    client.write_all(&[5, 2]).await.ok()?;
    let mut version = [0u8; 1];
    client.read_exact(&mut version).await.ok()?;
    let user = read_field(client).await?;
    let given = read_field(client).await?;
    let ok = user == "alice" && given == password;
    client.write_all(&[1, u8::from(!ok)]).await.ok()?;
    ok.then_some(())
}

async fn read_field(client: &mut TcpStream) -> Option<String> {
    let mut len = [0u8; 1];
    client.read_exact(&mut len).await.ok()?;
    let mut bytes = vec![0u8; usize::from(len[0])];
    client.read_exact(&mut bytes).await.ok()?;
    String::from_utf8(bytes).ok()
}

async fn socks_request(bind: bool, mut client: TcpStream) -> Option<()> {
    let mut req = [0u8; 10];
    client.read_exact(&mut req).await.ok()?;
    let ip = Ipv4Addr::new(req[4], req[5], req[6], req[7]);
    let target = SocketAddr::new(ip.into(), u16::from_be_bytes([req[8], req[9]]));
    match req[1] {
        1 => {
            let mut upstream = TcpStream::connect(target).await.ok()?;
            client.write_all(&reply(0, target)).await.ok()?;
            copy_bidirectional(&mut client, &mut upstream).await.ok()?;
        }
        2 if bind => {
            let listener = TcpListener::bind("127.0.0.1:0").await.ok()?;
            let port = listener.local_addr().ok()?.port();
            let any = SocketAddr::new(Ipv4Addr::UNSPECIFIED.into(), port);
            client.write_all(&reply(0, any)).await.ok()?;
            let (mut server, from) = listener.accept().await.ok()?;
            client.write_all(&reply(0, from)).await.ok()?;
            copy_bidirectional(&mut client, &mut server).await.ok()?;
        }
        _ => client.write_all(&reply(7, target)).await.ok()?,
    }
    Some(())
}

fn reply(code: u8, addr: SocketAddr) -> Vec<u8> {
    let mut out = vec![5, code, 0, 1];
    match addr {
        SocketAddr::V4(v4) => out.extend_from_slice(&v4.ip().octets()),
        SocketAddr::V6(_) => out.extend_from_slice(&[0, 0, 0, 0]),
    }
    out.extend_from_slice(&addr.port().to_be_bytes());
    out
}

async fn read_head(client: &mut TcpStream) -> Option<String> {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") && head.len() < 4096 {
        client.read_exact(&mut byte).await.ok()?;
        head.push(byte[0]);
    }
    Some(String::from_utf8_lossy(&head).into_owned())
}

async fn connect(allowed: u16, mut client: TcpStream) -> Option<()> {
    let head = read_head(&mut client).await?;
    let target: SocketAddr = head.split_whitespace().nth(1)?.parse().ok()?;
    if target.port() != allowed {
        let refusal = b"HTTP/1.0 403 Access violation\r\nContent-Length: 0\r\n\r\n";
        return client.write_all(refusal).await.ok();
    }
    let mut upstream = TcpStream::connect(target).await.ok()?;
    client
        .write_all(b"HTTP/1.1 200 Connection established\r\n\r\n")
        .await
        .ok()?;
    copy_bidirectional(&mut client, &mut upstream).await.ok()?;
    Some(())
}

fn healthy_lab() -> LabProcess {
    LabProcess::spawn(&["lab", "--scenario", "healthy", "--listen", "127.0.0.1:0"])
}

fn port_of(url: &str) -> u16 {
    url.trim_end_matches('/')
        .rsplit(':')
        .next()
        .and_then(|p| p.parse().ok())
        .expect("the lab's URL has a port")
}

#[tokio::test(flavor = "multi_thread")]
async fn socks5_with_bind_carries_every_mode() {
    let lab = healthy_lab();
    let proxy = start(Kind::Socks { bind: true }).await;
    let url = format!("socks5://{proxy}");
    let run = probe_json(&lab.url, &["--proxy", &url]).await;
    let r = run.json();
    assert_eq!(
        statuses(&r),
        ["epsv=ok", "pasv=ok", "eprt=ok", "port=ok"],
        "{}",
        run.shown
    );
    assert_eq!(r["control"]["proxy"]["url"], url.as_str());
    assert_eq!(r["control"]["proxy"]["kind"], "socks5");
    assert_eq!(r["control"]["proxy"]["bind"], "supported");
    assert_eq!(
        r["control"]["peer"],
        lab.url.trim_start_matches("ftp://").trim_end_matches('/')
    );
    // The proxy bound 0.0.0.0: its own address was told instead.
    let request = mode(&r, "eprt")["request"]
        .as_str()
        .unwrap_or("")
        .to_string();
    assert!(request.starts_with("EPRT |1|127.0.0.1|"), "{request}");
    let said = r["timeline"].as_array().into_iter().flatten().any(|e| {
        e["event"] == "substitute"
            && e["why"] == "names-no-host"
            && e["advertised"]
                .as_str()
                .is_some_and(|a| a.starts_with("0.0.0.0:"))
    });
    assert!(
        said,
        "no substitute event for the 0.0.0.0 BIND: {}",
        run.shown
    );
    assert!(
        !findings(&r)
            .iter()
            .any(|f| f.starts_with("client-behind-nat"))
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn socks5_without_bind_is_proxy_no_bind() {
    let lab = healthy_lab();
    let proxy = start(Kind::Socks { bind: false }).await;
    let run = probe_json(&lab.url, &["--proxy", &format!("socks5://{proxy}")]).await;
    let r = run.json();
    assert_eq!(
        statuses(&r),
        ["epsv=ok", "pasv=ok", "eprt=skipped", "port=skipped"],
        "{}",
        run.shown
    );
    assert_eq!(r["control"]["proxy"]["bind"], "unsupported");
    assert!(
        findings(&r).contains(&"proxy-no-bind@-".to_string()),
        "{}",
        run.shown
    );
    assert_eq!(r["verdict"], "warn");
}

#[tokio::test(flavor = "multi_thread")]
async fn connect_proxy_allowing_only_the_control_port_blocks_the_data_port() {
    let lab = healthy_lab();
    let proxy = start(Kind::Connect {
        allowed: port_of(&lab.url),
    })
    .await;
    let run = probe_json(&lab.url, &["--proxy", &format!("http://{proxy}")]).await;
    let r = run.json();
    assert_eq!(
        statuses(&r),
        ["epsv=fail", "pasv=fail", "eprt=skipped", "port=skipped"],
        "{}",
        run.shown
    );
    let ids = findings(&r);
    assert!(
        ids.contains(&"proxy-blocks-data-port@epsv".to_string()),
        "{ids:?}"
    );
    assert!(
        ids.contains(&"proxy-blocks-data-port@pasv".to_string()),
        "{ids:?}"
    );
    assert!(
        !ids.iter().any(|f| f.starts_with("data-connect-refused")),
        "{ids:?}"
    );
    assert_eq!(r["control"]["proxy"]["kind"], "http");
    let skipped = mode(&r, "port")["skipped"]
        .as_str()
        .unwrap_or("")
        .to_string();
    assert!(skipped.starts_with("proxy-no-inbound"), "{skipped}");
}

#[tokio::test(flavor = "multi_thread")]
async fn connect_proxy_refusing_the_control_port_is_proxy_refused() {
    let lab = healthy_lab();
    let proxy = start(Kind::Connect { allowed: 1 }).await;
    let run = probe_json(&lab.url, &["--proxy", &format!("http://{proxy}")]).await;
    let r = run.json();
    assert_eq!(findings(&r), ["proxy-refused@-"], "{}", run.shown);
    assert_eq!(run.code, 1);
}

/// Each broken proxy ends in proxy-refused within --timeout, never a hang.
#[tokio::test(flavor = "multi_thread")]
async fn broken_proxies_are_proxy_refused_within_the_timeout() {
    let lab = healthy_lab();
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        l.local_addr().expect("addr")
    };
    let cases = [
        ("unreachable", closed, "could not be reached"),
        ("garbage", start(Kind::Garbage).await, "not SOCKS5"),
        (
            "closes",
            start(Kind::ClosesMidHandshake).await,
            "closed the connection",
        ),
        (
            "silent",
            start(Kind::Silent).await,
            "no answer from the proxy",
        ),
    ];
    for (name, proxy, says) in cases {
        let run = probe_json(&lab.url, &["--proxy", &format!("socks5://{proxy}")]).await;
        let r = run.json();
        assert_eq!(findings(&r), ["proxy-refused@-"], "{name}: {}", run.shown);
        let evidence = r["findings"][0]["evidence"].as_str().unwrap_or("");
        assert!(evidence.contains(says), "{name}: {evidence}");
        assert!(
            run.elapsed < Duration::from_secs(5),
            "{name}: {:?}",
            run.elapsed
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn hostile_proxy_status_line_is_escaped_in_every_format() {
    let lab = healthy_lab();
    let proxy = start(Kind::HostileStatus).await;
    let url = format!("http://{proxy}");
    for format in ["json", "table", "html", "nagios", "junit"] {
        let args = ["--proxy", url.as_str(), "--format", format];
        let run = probe_json(&lab.url, &args).await;
        assert!(!run.stdout.contains('\x1b'), "{format}: {}", run.stdout);
        assert!(!run.stdout.contains('\x07'), "{format}");
        if format == "html" {
            assert!(!run.stdout.contains("<script>"), "{}", run.stdout);
        }
        assert!(
            run.stdout.contains("\\x1b") || format == "nagios",
            "{format}: {}",
            run.stdout
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn proxy_url_with_a_password_is_refused_with_the_reason() {
    let run = probe_json(
        "ftp://127.0.0.1:1/",
        &["--proxy", "socks5://alice:s3cret@127.0.0.1:1080"],
    )
    .await;
    assert_eq!(run.code, 2, "{}", run.shown);
    assert!(
        run.stderr.contains("--proxy-password-env"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("s3cret"), "{}", run.stderr);
}

async fn check_config(name: &str, module: &str, env: Vec<(&'static str, String)>) -> Run {
    let dir = crate::common::exporter::temp_dir(name);
    let path = dir.join("modules.yml");
    let config = format!("modules:\n  via:\n    targets: [\"127.0.0.0/8\"]\n{module}");
    std::fs::write(&path, config).unwrap_or_else(|e| panic!("{e}"));
    let args = vec![
        "serve".to_string(),
        "--check-config".to_string(),
        path.display().to_string(),
    ];
    crate::common::cli::ftpdoctor(args, env).await
}

#[tokio::test]
async fn serve_module_proxy_takes_its_password_from_the_environment_only() {
    let good = "    proxy: socks5://127.0.0.1:1080\n    proxy_user: monitor\n    \
                proxy_password_env: FTPDOCTOR_TEST_PROXY_PW\n";
    let env = vec![("FTPDOCTOR_TEST_PROXY_PW", "pw".to_string())];
    let run = check_config("proxy-good", good, env).await;
    assert_eq!(run.code, 0, "{}", run.shown);
    let bad = "    proxy: http://monitor:s3cret@127.0.0.1:3128\n";
    let run = check_config("proxy-bad", bad, Vec::new()).await;
    assert_eq!(run.code, 2, "{}", run.shown);
    assert!(run.stderr.contains("proxy_password") || run.stderr.contains("password"));
    assert!(!run.stderr.contains("s3cret"), "{}", run.shown);
}

#[tokio::test(flavor = "multi_thread")]
async fn socks5_login_comes_from_the_environment() {
    let lab = healthy_lab();
    let proxy = start(Kind::SocksLogin {
        password: "pw-right",
    })
    .await;
    let url = format!("socks5://{proxy}");
    let login = [
        "--proxy-user",
        "alice",
        "--proxy-password-env",
        "FTPDOCTOR_TEST_PROXY",
    ];
    let mut args: Vec<String> = ["probe", &lab.url, "--format", "json", "--timeout", "1s"]
        .iter()
        .map(ToString::to_string)
        .collect();
    args.extend(["--modes", "epsv", "--proxy", &url].map(String::from));
    args.extend(login.map(String::from));
    for (password, want) in [("pw-right", "epsv=ok"), ("pw-wrong", "epsv=skipped")] {
        let env = vec![("FTPDOCTOR_TEST_PROXY", password.to_string())];
        let run = crate::common::cli::ftpdoctor(args.clone(), env).await;
        let r = run.json();
        assert_eq!(statuses(&r)[0], want, "{}", run.shown);
        assert!(!run.stdout.contains(password), "{}", run.shown);
    }
    // Without a login the proxy answers 0xFF: proxy-refused, naming the flags.
    let run = probe_json(&lab.url, &["--modes", "epsv", "--proxy", &url]).await;
    let r = run.json();
    assert_eq!(findings(&r), ["proxy-refused@-"], "{}", run.shown);
    let evidence = r["findings"][0]["evidence"].as_str().unwrap_or("");
    assert!(evidence.contains("--proxy-user"), "{evidence}");
}

/// The probe resolves the name with --dns-server and asks the proxy for the address
/// (the in-test proxy reads an IPv4 request only: a name sent to it would fail).
#[tokio::test(flavor = "multi_thread")]
async fn the_name_is_resolved_by_the_probe_not_the_proxy() {
    use crate::common::dns::{Answer, DnsServer};
    let lab = healthy_lab();
    let name = "ftp.proxied.test";
    let dns = DnsServer::start(&[(
        name,
        Answer::Records(vec!["127.0.0.1".parse().expect("ip")]),
    )])
    .await;
    let proxy = start(Kind::Socks { bind: false }).await;
    let url = format!("ftp://{name}:{}/", port_of(&lab.url));
    let dns_server = dns.addr.to_string();
    let proxy_url = format!("socks5://{proxy}");
    let args = [
        "--dns-server",
        dns_server.as_str(),
        "--modes",
        "epsv,pasv",
        "--proxy",
        proxy_url.as_str(),
    ];
    let run = probe_json(&url, &args).await;
    let r = run.json();
    assert_eq!(statuses(&r)[..2], ["epsv=ok", "pasv=ok"], "{}", run.shown);
    assert_eq!(r["target"]["resolved"][0], "127.0.0.1", "{}", run.shown);
}
