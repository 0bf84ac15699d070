//! The HTML page read back as text: escaping, cuts, the summary, no outside resource.

use super::*;
use crate::report::sample;

fn page(report: Report) -> String {
    let mut out = Vec::new();
    assert!(write_html(&[report], &mut out).is_ok());
    String::from_utf8(out).unwrap_or_default()
}

#[test]
fn a_hostile_banner_is_text_not_markup() {
    let mut report = sample::report();
    report.control.banner = Some("<script>alert(1)</script><img src=x onerror=alert(2)>".into());
    report.findings[0].evidence = "\"><svg onload=alert(3)>".to_string();
    let html = page(report);
    assert!(!html.contains("<script"), "{html}");
    assert!(!html.contains("<img"), "{html}");
    assert!(!html.contains("<svg onload"), "{html}");
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
}

#[test]
fn a_banner_of_many_kilobytes_is_cut_on_the_page_and_says_so() {
    let mut report = sample::report();
    report.control.banner = Some(format!("{}<b>", "x".repeat(16_000)));
    let html = page(report);
    assert!(!html.contains(&"x".repeat(FIELD_CHARS + 1)), "not cut");
    assert!(html.contains(&format!("{}…", "x".repeat(FIELD_CHARS))));
    assert!(html.contains("(15603 more characters; the JSON report has them all)"));
}

#[test]
fn summary_table_names_each_finding_once_with_its_modes() {
    let mut one = sample::report();
    let mut again = one.findings[0].clone();
    again.mode = Some(crate::probe::Mode::Pasv);
    one.findings[0].mode = Some(crate::probe::Mode::Epsv);
    one.findings.push(again);
    let id = one.findings[0].id.to_string();
    let mut out = Vec::new();
    assert!(write_html(&[one.clone(), one], &mut out).is_ok());
    let html = String::from_utf8(out).unwrap_or_default();
    let overview = html.split("</section>").next().unwrap_or_default();
    assert_eq!(
        overview
            .matches(&format!("<span class=\"id\">{id}</span> (epsv, pasv)"))
            .count(),
        2,
        "{overview}"
    );
}

#[test]
fn the_page_names_no_outside_resource() {
    let html = page(sample::report());
    for bad in ["http://", "https://", "src=", "href=\"/", "@import", "url("] {
        let hits: Vec<&str> = html
            .lines()
            .filter(|l| l.contains(bad) && !l.contains("http://www.w3.org/2000/svg"))
            .collect();
        assert!(hits.is_empty(), "{bad}: {hits:?}");
    }
    assert_eq!(html.matches("<figure class=\"ladder\"").count(), 4);
}

#[test]
fn a_fix_already_shown_is_named_not_repeated() {
    let mut report = sample::report();
    assert!(report.findings.len() >= 2);
    let fix = "set pasv_address to the public address".to_string();
    report.findings[0].fix = fix.clone();
    report.findings[1].fix = fix.clone();
    let html = page(report);
    assert_eq!(html.matches(&fix).count(), 1, "{html}");
    assert!(html.contains("<dt>Fix</dt><dd>as for "), "{html}");
}
