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
