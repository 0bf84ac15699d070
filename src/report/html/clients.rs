//! The client matrix on the page: one row per predicted client — the outcome as a badge,
//! the step where it stops, how long it waits, and the reason tied to the findings.

use std::fmt::Write as _;

use super::{badge, esc};
use crate::diagnose::clients::{ClientPrediction, Prediction};

/// The badge's colour class for a prediction (the CSS has one per word).
fn word(p: Prediction) -> &'static str {
    match p {
        Prediction::Works => "works",
        Prediction::Fails => "fails",
        Prediction::Hangs => "hangs",
        Prediction::Depends => "depends",
    }
}

/// How long a hanging client waits, in words: `300 s`, `no end`, or empty.
fn wait(c: &ClientPrediction) -> String {
    match (c.prediction, c.expected_wait_s) {
        (Prediction::Hangs, Some(s)) if s >= 120.0 => format!("{s:.0} s ({:.0} min)", s / 60.0),
        (Prediction::Hangs, Some(s)) => format!("{s:.0} s"),
        (Prediction::Hangs, None) => "no end".to_string(),
        _ => String::new(),
    }
}

pub(super) fn clients(page: &mut String, clients: &[ClientPrediction]) {
    if clients.is_empty() {
        return;
    }
    page.push_str(
        "<h3>Clients</h3><p class=\"muted\">What each client would do against this server, \
         predicted from this probe with each client's default settings.</p>\
         <table class=\"clients\"><thead><tr><th>Client</th><th>Prediction</th><th>Stops at</th>\
         <th>Waits</th><th>Why</th></tr></thead><tbody>\n",
    );
    for c in clients {
        let docs_only = if c.verified {
            ""
        } else {
            " <span class=\"tag\" title=\"this client cannot run in CI\">from its docs</span>"
        };
        let _ = writeln!(
            page,
            "<tr data-client=\"{id}\"><td><b class=\"mono\">{id}</b>{docs_only}\
             <div class=\"profile\">{}</div></td><td>{}</td><td class=\"mono step\">{}</td>\
             <td class=\"num\">{}</td><td>{}</td></tr>",
            esc(c.profile),
            badge(word(c.prediction)),
            esc(c.step.map_or("", |s| s.as_str())),
            esc(&wait(c)),
            esc(&c.reason),
            id = esc(c.id.as_str()),
        );
    }
    page.push_str("</tbody></table>\n");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnose::clients::{ClientId, ClientStep};

    #[test]
    fn a_hostile_reason_in_the_client_matrix_is_text() {
        let c = ClientPrediction {
            id: ClientId::Lftp,
            profile: "lftp 4.9 default",
            prediction: Prediction::Hangs,
            step: Some(ClientStep::DataConnect),
            expected_wait_s: Some(300.0),
            reason: "follows \"227 <img src=x onerror=alert(1)>\" & hangs".to_string(),
            verified: false,
        };
        let mut page = String::new();
        clients(&mut page, &[c]);
        assert!(!page.contains("<img"), "{page}");
        assert!(
            page.contains("&lt;img src=x onerror=alert(1)&gt;"),
            "{page}"
        );
        assert!(
            page.contains("&quot;227") && page.contains("&amp; hangs"),
            "{page}"
        );
        assert!(page.contains("badge b-hangs"), "{page}");
        assert!(page.contains("300 s (5 min)"), "{page}");
        assert!(page.contains("from its docs"), "{page}");
        assert!(page.contains(">data-connect<"), "{page}");
    }

    #[test]
    fn no_prediction_no_section() {
        let mut page = String::new();
        clients(&mut page, &[]);
        assert!(page.is_empty());
    }
}
