use super::*;
use crate::serve::allow::{AllowedHost, Ports};

fn parse(text: &str) -> Result<Config, ConfigError> {
    Config::parse(text, Path::new("/etc/ftpdoctor/modules.yml"))
}

fn failing(text: &str) -> ConfigError {
    match parse(text) {
        Ok(c) => panic!("accepted: {:?}", c.modules.keys().collect::<Vec<_>>()),
        Err(e) => e,
    }
}

#[test]
fn spec_example_loads_with_every_key() {
    // SAFETY of the test: the variable name is this test's own.
    let var = "FTPDOCTOR_TEST_CONFIG_PW_SPEC";
    // set_var is unsafe in edition 2024 only because of other threads reading the
    // environment; this name is read by nothing else.
    unsafe { std::env::set_var(var, "s3cret") };
    let config = parse(&format!(
        "modules:
  lan:
    modes: [epsv, pasv, eprt, port]
    timeout: 2s
    deadline: 10s
    tls: auto
    fail_on: warn
    user: monitor
    password_env: {var}
    insecure: true
    sample_ports: 16
    follow_advertised: false
    sequential: true
    address_family: 4
    targets: [\"10.0.0.0/8\", \"ftp.example.com\", \"192.0.2.10:2121\"]
  anon:
    targets: any
"
    ))
    .unwrap_or_else(|e| panic!("{e}"));
    let lan = &config.modules["lan"];
    assert_eq!(lan.fail_on, Severity::Warn);
    assert_eq!(lan.deadline(), Duration::from_secs(10));
    let probe = lan.probe_config(
        Target::parse("10.1.1.1").unwrap_or_else(|e| panic!("{e}")),
        Duration::from_secs(3),
    );
    assert_eq!(probe.credentials().user, "monitor");
    assert_eq!(probe.credentials().password.expose(), "s3cret");
    assert_eq!(
        probe.options(),
        &ProbeOptions {
            step_timeout: Duration::from_secs(2),
            // The scrape's deadline, shorter than the module's.
            deadline: Duration::from_secs(3),
            tls: Some(TlsMode::Auto),
            trust: Trust::Insecure(Box::new(Trust::WebPki)),
            sample_ports: 16,
            sequential: true,
            address_family: Family::V4,
            size_check: false,
            ..ProbeOptions::default()
        }
    );
    match &lan.allow {
        Allow::Only(entries) => {
            assert_eq!(entries.len(), 3);
            assert_eq!(entries[2].ports, Ports::One(2121));
            assert!(matches!(entries[1].host, AllowedHost::Name(_)));
        }
        Allow::Any => panic!("lan allows everything"),
    }
    assert_eq!(config.modules["anon"].allow, Allow::Any);
    assert!(!lan.describe().contains("s3cret"));
}

#[test]
fn unknown_key_is_named_with_its_line() {
    let e = failing("modules:\n  lan:\n    targets: any\n    timout: 2s\n");
    assert_eq!(e.line, Some(4), "{e}");
    assert!(
        e.to_string()
            .starts_with("/etc/ftpdoctor/modules.yml line 4: "),
        "{e}"
    );
    assert!(e.message.contains("timout"), "{e}");
}

#[test]
fn bad_values_are_named_with_their_line() {
    for (text, line, words) in [
        (
            "modules:\n  a:\n    targets: any\n    timeout: 0s\n",
            4,
            "greater than zero",
        ),
        (
            "modules:\n  a:\n    targets: any\n    modes: [epsv, passive]\n",
            4,
            "passive",
        ),
        (
            "modules:\n  a:\n    targets: any\n    tls: maybe\n",
            4,
            "maybe",
        ),
        (
            "modules:\n  a:\n    targets: any\n    sample_ports: 0\n",
            4,
            "sample_ports",
        ),
        (
            "modules:\n  a:\n    targets: [\"10.0.0.0/33\"]\n",
            3,
            "prefix",
        ),
        (
            "modules:\n  a:\n    targets: [\"0.0.0.0/0\"]\n",
            3,
            "targets: any",
        ),
        ("modules:\n  a:\n    targets: all\n", 3, "any"),
        (
            "modules:\n  a:\n    user: bob\n    targets: any\n",
            3,
            "no password_file",
        ),
        (
            "modules:\n  a:\n    targets: any\n    password_env: FTPDOCTOR_SURELY_UNSET_VAR\n    user: u\n",
            4,
            "not set",
        ),
        (
            "modules:\n  a:\n    targets: any\n    user: u\n    password_file: /nonexistent/pw\n",
            5,
            "/nonexistent/pw",
        ),
        (
            "modules:\n  a:\n    targets: any\n    ca_file: /nonexistent/ca.pem\n",
            4,
            "ca_file",
        ),
        ("modules: [\n", 1, ""),
    ] {
        let e = failing(text);
        assert_eq!(e.line, Some(line), "{text}: {e}");
        assert!(e.message.contains(words), "{text}: {e}");
        assert_eq!(e.to_string().lines().count(), 1, "{e}");
    }
}

#[test]
fn module_idle_raises_the_default_deadline_and_refuses_a_shorter_one() {
    let config = parse("modules:\n  lan:\n    idle: 60s\n    targets: any\n")
        .unwrap_or_else(|e| panic!("{e}"));
    let lan = &config.modules["lan"];
    assert_eq!(lan.options().idle, Some(Duration::from_secs(60)));
    assert_eq!(lan.deadline(), Duration::from_secs(90));
    let e = failing("modules:\n  lan:\n    idle: 60s\n    deadline: 80s\n    targets: any\n");
    assert!(e.message.contains("shorter than idle 60.0 s"), "{e}");
}

#[test]
fn module_without_targets_allows_nothing_and_is_refused() {
    let e = failing("modules:\n  lan:\n    timeout: 2s\n");
    assert!(e.message.contains("targets: any"), "{e}");
    // The module's body starts on line 3.
    assert_eq!(e.line, Some(3), "{e}");
    let e = failing("modules:\n  lan:\n    targets: []\n");
    assert!(e.message.contains("empty"), "{e}");
    let e = failing("modules: {}\n");
    assert!(e.message.contains("no modules"), "{e}");
}

#[test]
fn password_file_is_one_line_relative_to_the_config() {
    let dir = std::env::temp_dir().join(format!("ftpdoctor-config-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(dir.join("monitor.pw"), "pa ss\n").unwrap_or_else(|e| panic!("{e}"));
    let text =
        "modules:\n  a:\n    user: monitor\n    password_file: monitor.pw\n    targets: any\n";
    let config = Config::parse(text, &dir.join("modules.yml"));
    let _ = std::fs::remove_dir_all(&dir);
    let config = config.unwrap_or_else(|e| panic!("{e}"));
    let probe = config.modules["a"].probe_config(
        Target::parse("127.0.0.1").unwrap_or_else(|e| panic!("{e}")),
        Duration::from_secs(1),
    );
    assert_eq!(probe.credentials().password.expose(), "pa ss");
}

#[test]
fn yaml_bombs_and_garbage_are_errors_not_panics() {
    let bomb = "a: &a [x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a]\n\
                c: &c [*b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c]\n\
                e: &e [*d, *d, *d, *d, *d, *d, *d, *d]\nmodules: {}\n";
    for text in [bomb, "\u{0}\u{1b}", "modules:\n  - x\n", "---\n...\n", ""] {
        assert!(parse(text).is_err(), "{text:?}");
    }
}

#[test]
fn module_repeat_splits_the_scrape_deadline_between_its_rounds() {
    let config = parse("modules:\n  a:\n    targets: any\n    repeat: 3\n    timeout: 5s\n")
        .unwrap_or_else(|e| panic!("{e}"));
    let a = &config.modules["a"];
    assert_eq!(a.options().repeat, 3);
    let probe = a.probe_config(
        Target::parse("10.1.1.1").unwrap_or_else(|e| panic!("{e}")),
        Duration::from_secs(9),
    );
    assert_eq!(probe.options().deadline, Duration::from_secs(3));
    assert_eq!(probe.options().step_timeout, Duration::from_secs(3));
    assert!(a.describe().contains("repeat: 3"));
    for bad in ["0", "101"] {
        let e = failing(&format!(
            "modules:\n  a:\n    targets: any\n    repeat: {bad}\n"
        ));
        assert!(e.to_string().contains("repeat"), "{e}");
    }
    failing("modules:\n  a:\n    targets: any\n    repeat: -1\n");
    let e = failing("modules:\n  a:\n    targets: any\n    repeat: 2\n    idle: 10s\n");
    assert!(e.to_string().contains("repeat and idle"), "{e}");
}
