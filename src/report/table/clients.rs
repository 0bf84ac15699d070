//! The client matrix under the findings: one line per predicted client, the reason wrapped
//! under it for every client that does not simply work.

use crate::diagnose::clients::{ClientPrediction, Prediction};

use crate::report::text::{CYAN, GREEN, RED, YELLOW, clean, paint, wrap};

/// Width of the id column: the longest id, `curl-disable-epsv`, and a space.
const ID: usize = 18;
/// Width of the prediction column.
pub(super) const WORD: usize = 8;

/// The matrix's lines, none wider than `width` (colour escapes aside): one line per
/// distinct outcome, the clients that share it named together; with `verbose` (-v) one
/// line per client with its whole reason.
pub(super) fn client_lines(
    clients: &[ClientPrediction],
    width: usize,
    color: bool,
    verbose: bool,
) -> Vec<String> {
    if clients.is_empty() {
        return Vec::new();
    }
    let mut lines = if verbose {
        let mut lines = vec!["clients (predicted from this probe; docs/clients.md):".to_string()];
        lines.extend(per_client(clients, width, color));
        lines
    } else {
        let mut lines = vec![
            "clients (predicted from this probe; -v: each client's reason; docs/clients.md):"
                .to_string(),
        ];
        lines.extend(super::client_groups::grouped(clients, width, color));
        lines
    };
    lines.extend(unverified(clients, width));
    lines
}

/// One line per client, its reason wrapped under it (-v).
fn per_client(clients: &[ClientPrediction], width: usize, color: bool) -> Vec<String> {
    let mut lines = Vec::new();
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
        let detail = step_words(c);
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
    lines
}

/// `at transfer: `, `at connect, 300 s: `, `at accept, no end: `; empty for a client
/// that works.
pub(super) fn step_words(c: &ClientPrediction) -> String {
    match (c.prediction, c.step, c.expected_wait_s) {
        (Prediction::Works, _, _) => String::new(),
        (_, Some(step), Some(wait)) => format!("at {}, {wait:.0} s: ", step.as_str()),
        (Prediction::Hangs, Some(step), None) => format!("at {}, no end: ", step.as_str()),
        (_, Some(step), None) => format!("at {}: ", step.as_str()),
        (_, None, _) => String::new(),
    }
}

/// The clients predicted from their documentation only, in one wrapped line.
fn unverified(clients: &[ClientPrediction], width: usize) -> Vec<String> {
    let unverified: Vec<&str> = clients
        .iter()
        .filter(|c| !c.verified)
        .map(|c| c.id.as_str())
        .collect();
    if unverified.is_empty() {
        return Vec::new();
    }
    wrap(
        &format!(
            "{}: predicted from their documentation only (they cannot run in CI).",
            unverified.join(", ")
        ),
        width,
        "  ",
        "  ",
    )
}

pub(super) fn prediction_ansi(p: Prediction) -> &'static str {
    match p {
        Prediction::Works => GREEN,
        Prediction::Fails => RED,
        Prediction::Hangs => YELLOW,
        Prediction::Depends => CYAN,
    }
}
