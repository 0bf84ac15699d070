//! The client matrix under the findings: one line per predicted client, the reason wrapped
//! under it for every client that does not simply work.

use crate::diagnose::clients::{ClientPrediction, Prediction};

use crate::report::text::{CYAN, GREEN, RED, YELLOW, clean, paint, wrap};

/// Width of the id column: the longest id, `curl-disable-epsv`, and a space.
const ID: usize = 18;
/// Width of the prediction column.
const WORD: usize = 8;

/// The matrix's lines, none wider than `width` (colour escapes aside).
pub(super) fn client_lines(clients: &[ClientPrediction], width: usize, color: bool) -> Vec<String> {
    if clients.is_empty() {
        return Vec::new();
    }
    let mut lines = vec!["clients (predicted from this probe; docs/clients.md):".to_string()];
    let indent = " ".repeat(2 + ID + WORD);
    for c in clients {
        let word = c.prediction.as_str();
        let padded = format!("{word:<WORD$}");
        let shown = if color {
            padded.replacen(word, &paint(word, prediction_ansi(c.prediction)), 1)
        } else {
            padded
        };
        let head = format!("  {:<ID$}{shown}", c.id.as_str());
        let detail = match (c.prediction, c.step, c.expected_wait_s) {
            (Prediction::Works, _, _) => String::new(),
            (_, Some(step), Some(wait)) => format!("at {}, {wait:.0} s: ", step.as_str()),
            (Prediction::Hangs, Some(step), None) => format!("at {}, no end: ", step.as_str()),
            (_, Some(step), None) => format!("at {}: ", step.as_str()),
            (_, None, _) => String::new(),
        };
        if detail.is_empty() {
            lines.push(head);
            continue;
        }
        // The prefix is measured without its escapes, so wrapping stays in the width.
        let plain = format!("  {:<ID$}{word:<WORD$}", c.id.as_str());
        let text = format!("{detail}{}", clean(&c.reason));
        let mut wrapped = wrap(&text, width, &plain, &indent);
        if let Some(first) = wrapped.first_mut() {
            *first = first.replacen(&plain, &head, 1);
        }
        lines.extend(wrapped);
    }
    let unverified: Vec<&str> = clients
        .iter()
        .filter(|c| !c.verified)
        .map(|c| c.id.as_str())
        .collect();
    if !unverified.is_empty() {
        lines.extend(wrap(
            &format!(
                "{}: predicted from their documentation only (they cannot run in CI).",
                unverified.join(", ")
            ),
            width,
            "  ",
            "  ",
        ));
    }
    lines
}

fn prediction_ansi(p: Prediction) -> &'static str {
    match p {
        Prediction::Works => GREEN,
        Prediction::Fails => RED,
        Prediction::Hangs => YELLOW,
        Prediction::Depends => CYAN,
    }
}
