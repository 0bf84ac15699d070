use super::*;

/// The probe options of `ftpdoctor probe ARGS 127.0.0.1`.
fn cli_options(args: &[&str]) -> ProbeOptions {
    use clap::Parser as _;
    let argv = ["ftpdoctor", "probe"]
        .iter()
        .chain(args)
        .chain(&["127.0.0.1"]);
    let cli = crate::cli::Cli::try_parse_from(argv).unwrap_or_else(|e| panic!("{e}"));
    match cli.into_action() {
        Ok(crate::cli::Action::Probe { run, .. }) => run.probes[0].options().clone(),
        Ok(_) => panic!("not a probe"),
        Err(e) => panic!("{e}"),
    }
}

#[test]
fn flags_and_serve_module_keys_ask_for_the_same_probe() {
    let flags = cli_options(&[
        "--modes=pasv,epsv",
        "--timeout=2s",
        "--deadline=9s",
        "--tls=explicit",
        "--insecure",
        "--no-tls-reuse",
        "--follow-advertised",
        "--active-addr=192.0.2.1",
        "--sequential",
        "--dns-server=192.0.2.53",
        "--address-family=4",
        "--sample-ports=8",
        // A serve module never runs the full-size packet check.
        "--size-check=off",
    ]);
    let yaml = "modules:\n  m:\n    modes: [pasv, epsv]\n    timeout: 2s\n    deadline: 9s\n    \
                tls: explicit\n    insecure: true\n    tls_reuse: false\n    \
                follow_advertised: true\n    active_addr: 192.0.2.1\n    sequential: true\n    \
                dns_server: 192.0.2.53:53\n    address_family: 4\n    sample_ports: 8\n    \
                targets: any\n";
    let config = crate::serve::config::Config::parse(yaml, std::path::Path::new("m.yml"))
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(config.modules["m"].options(), &flags);
    assert_eq!(
        flags,
        ProbeOptions {
            modes: vec![Mode::Epsv, Mode::Pasv],
            step_timeout: Duration::from_secs(2),
            deadline: Duration::from_secs(9),
            tls: Some(TlsMode::Explicit),
            trust: Trust::Insecure(Box::new(Trust::WebPki)),
            tls_reuse: false,
            follow_advertised: true,
            active_addr: Some([192, 0, 2, 1].into()),
            sequential: true,
            dns_server: Some(([192, 0, 2, 53], 53).into()),
            address_family: Family::V4,
            sample_ports: 8,
            size_check: false,
            ..ProbeOptions::default()
        }
    );
    assert_eq!(cli_options(&[]), ProbeOptions::default());
}

#[test]
fn dns_server_takes_port_53_unless_given_and_brackets_for_ipv6() {
    assert_eq!(
        parse_dns_server("192.0.2.53"),
        Ok("192.0.2.53:53".parse().unwrap())
    );
    assert_eq!(parse_dns_server("::1"), Ok("[::1]:53".parse().unwrap()));
    assert_eq!(
        parse_dns_server("[::1]:5353"),
        Ok("[::1]:5353".parse().unwrap())
    );
    assert!(parse_dns_server("dns.example").is_err());
    assert!(parse_family("5").is_err());
}
