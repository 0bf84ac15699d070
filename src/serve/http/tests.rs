use super::*;

fn headers(timeout: Option<&str>) -> HeaderMap {
    let mut h = HeaderMap::new();
    if let Some(t) = timeout {
        h.insert(
            SCRAPE_TIMEOUT_HEADER,
            HeaderValue::from_str(t).unwrap_or_else(|e| panic!("{e}")),
        );
    }
    h
}

const OFFSET: Duration = Duration::from_millis(500);

#[test]
fn scrape_timeout_less_the_offset_never_past_the_module_deadline() {
    let module = Duration::from_secs(10);
    assert_eq!(deadline(&headers(None), OFFSET, module), Ok(module));
    assert_eq!(
        deadline(&headers(Some("5")), OFFSET, module),
        Ok(Duration::from_millis(4500))
    );
    assert_eq!(deadline(&headers(Some("30")), OFFSET, module), Ok(module));
    // An offset that eats the whole timeout leaves half of it.
    assert_eq!(
        deadline(&headers(Some("0.4")), OFFSET, module),
        Ok(Duration::from_millis(200))
    );
}

#[test]
fn scrape_timeout_that_is_no_number_of_seconds_is_an_error() {
    for bad in ["abc", "-1", "0", "NaN", "inf", "1e300", ""] {
        assert!(
            deadline(&headers(Some(bad)), OFFSET, Duration::from_secs(1)).is_err(),
            "{bad}"
        );
    }
}

#[test]
fn module_idle_longer_than_the_scrape_timeout_less_the_offset_is_refused() {
    let yaml = "modules:\n  idle:\n    idle: 10s\n    targets: any\n  plain:\n    targets: any\n";
    let config = super::super::config::Config::parse(yaml, std::path::Path::new("m.yml"))
        .unwrap_or_else(|e| panic!("{e}"));
    let idle = &config.modules["idle"];
    // A 15 s scrape less 500 ms: 14.5 s, long enough for 10 s idle.
    let fits = deadline(&headers(Some("15")), OFFSET, idle.deadline());
    assert_eq!(fits.and_then(|d| idle_fits(idle, d)), Ok(()));
    // Prometheus' default 10 s scrape less 500 ms: 9.5 s is not.
    let short = deadline(&headers(Some("10")), OFFSET, idle.deadline());
    let refused = short.and_then(|d| idle_fits(idle, d));
    assert!(
        refused
            .as_ref()
            .is_err_and(|e| e.contains("idle 10.0 s is longer than the scrape timeout less")),
        "{refused:?}"
    );
    // Without the header the module's own deadline (idle + 30 s) holds; no idle, no check.
    let own = deadline(&headers(None), OFFSET, idle.deadline());
    assert_eq!(own.and_then(|d| idle_fits(idle, d)), Ok(()));
    assert_eq!(
        idle_fits(&config.modules["plain"], Duration::from_secs(1)),
        Ok(())
    );
}
