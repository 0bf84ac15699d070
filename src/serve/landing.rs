//! The `/` page: the modules, links, and the last probes: when (a UTC date), module,
//! target, result, the cause in a few words, and a link to the report at `/report?id=N`
//! (inlined, 32 reports made a page of hundreds of kilobytes). Targets, module names and
//! causes hold text from users and servers: all of it is escaped.

use std::fmt::Write as _;
use std::sync::Arc;
use std::time::SystemTime;

use axum::extract::State as With;
use axum::response::Html;

use super::State;

use crate::report::text::html as esc;

/// Percent-encodes a query value (everything but unreserved characters).
fn query_value(text: &str) -> String {
    let mut out = String::new();
    for b in text.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                out.push(char::from(b))
            }
            b => {
                let _ = write!(out, "%{b:02X}");
            }
        }
    }
    out
}

pub(super) async fn page(With(state): With<Arc<State>>) -> Html<String> {
    let config = state.config();
    let mut html = String::from(
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>ftpdoctor exporter</title>\
         <style>body{font-family:sans-serif;margin:2em}td,th{padding:.2em .8em;text-align:left;vertical-align:top}\
         pre{font-size:.85em}</style></head><body>\n<h1>ftpdoctor exporter</h1>\n\
         <p>FTP data-connection probes for Prometheus: <code>/probe?target=HOST[:PORT]&amp;module=NAME</code> \
         (add <code>&amp;debug=true</code> for the report). \
         <a href=\"/metrics\">Metrics</a> (the exporter's own). Reload: <code>POST /-/reload</code> or SIGHUP.</p>\n",
    );
    let _ = write!(
        html,
        "<h2>Modules</h2>\n<p>From {}</p>\n<table><tr><th>Module</th><th>Targets allowed</th><th>Deadline</th></tr>\n",
        esc(&config.path.display().to_string())
    );
    for (name, module) in &config.modules {
        let targets = module.allow.patterns();
        let _ = writeln!(
            html,
            "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(name),
            esc(&targets),
            crate::wire::human(module.deadline())
        );
    }
    html.push_str("</table>\n<h2>Recent probes</h2>\n<table><tr><th>When (UTC)</th><th>Module</th><th>Target</th><th>Result</th><th>Cause</th><th>Seconds</th><th>Report</th></tr>\n");
    let recent: Vec<super::Recent> = match state.recent.lock() {
        Ok(r) => r.iter().rev().cloned().collect(),
        Err(poisoned) => poisoned.into_inner().iter().rev().cloned().collect(),
    };
    for probe in &recent {
        let again = format!(
            "/probe?target={}&module={}&debug=true",
            query_value(&probe.target),
            query_value(&probe.module)
        );
        let _ = writeln!(
            html,
            "<tr><td>{}</td><td>{}</td><td><a href=\"{}\" title=\"probe again, with the report\">{}</a></td>\
             <td>{}</td><td>{}</td><td>{:.3}</td><td><a href=\"/report?id={}\">report</a></td></tr>",
            utc_date(probe.when),
            esc(&probe.module),
            esc(&again),
            esc(&probe.target),
            if probe.success { "success" } else { "failure" },
            esc(probe.cause.as_deref().unwrap_or("—")),
            probe.seconds,
            probe.id,
        );
    }
    html.push_str("</table>\n</body></html>\n");
    Html(html)
}

/// `2026-12-06 12:30:01`: a moment as a person reads it (UTC, as the column says).
fn utc_date(when: SystemTime) -> String {
    let t = time::OffsetDateTime::from(when);
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}:{:02}",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_utc_dates() {
        let when = std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_796_560_201);
        assert_eq!(utc_date(when), "2026-12-06 12:30:01");
    }

    #[test]
    fn markup_and_control_characters_are_escaped() {
        assert_eq!(
            esc("<script>alert('x')</script>&\"\u{1b}[2J"),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;&quot;\\u{1b}[2J"
        );
        assert_eq!(query_value("ftp://h:21/a b"), "ftp%3A%2F%2Fh%3A21%2Fa%20b");
    }
}
