//! The client matrix without repeats: the clients that share an outcome (prediction,
//! step, wait and the reason's first clause) are one line, "all six: fails at connect",
//! so a refused port no longer prints the same line six times and the findings stay on
//! the first screen. Each client's whole reason is for -v and the HTML page.

use crate::diagnose::clients::{ClientPrediction, Prediction};
use crate::report::text::{clean, paint, wrap};

use super::clients::{WORD, prediction_ansi, step_words};

/// `all three` … `all twelve`; more clients than that are named one by one.
const ALL_WORDS: [&str; 13] = [
    "", "", "", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve",
];

/// One outcome and the clients that share it, in the matrix's order.
struct Group<'a> {
    key: (String, String),
    members: Vec<&'a ClientPrediction>,
}

/// The reason's first clause: what the probe saw. What follows a `; ` is the client's
/// own reaction (wget's 20 tries), which -v shows.
fn main_clause(reason: &str) -> &str {
    reason.split("; ").next().unwrap_or(reason)
}

/// The matrix's lines, one per distinct outcome.
pub(super) fn grouped(clients: &[ClientPrediction], width: usize, color: bool) -> Vec<String> {
    let mut groups: Vec<Group> = Vec::new();
    for c in clients {
        // A client that works shows no reason, so every one of them shares a line.
        let clause = match c.prediction {
            Prediction::Works => String::new(),
            _ => main_clause(&clean(&c.reason)).to_string(),
        };
        let key = (
            format!("{}{}", c.prediction.as_str(), step_words(c)),
            clause,
        );
        match groups.iter_mut().find(|g| g.key == key) {
            Some(g) => g.members.push(c),
            None => groups.push(Group {
                key,
                members: vec![c],
            }),
        }
    }
    let indent = " ".repeat(2 + WORD);
    let mut lines = Vec::new();
    for g in &groups {
        let first = g.members[0];
        let word = first.prediction.as_str();
        let who = match g.members.len() {
            n if n == clients.len() && n >= 3 && n < ALL_WORDS.len() => {
                format!("all {}", ALL_WORDS[n])
            }
            _ => g
                .members
                .iter()
                .map(|c| c.id.as_str())
                .collect::<Vec<_>>()
                .join(", "),
        };
        let steps = step_words(first);
        // A lone client keeps its whole reason; a group says what they share.
        let reason = match g.members.len() {
            1 => clean(&first.reason).into_owned(),
            _ => g.key.1.clone(),
        };
        let text = match steps.is_empty() {
            true => who,
            false => format!("{who}: {steps}{reason}"),
        };
        let plain = format!("  {word:<WORD$}");
        let mut wrapped = wrap(&text, width, &plain, &indent);
        if color && let Some(line) = wrapped.first_mut() {
            *line = line.replacen(word, &paint(word, prediction_ansi(first.prediction)), 1);
        }
        lines.extend(wrapped);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnose::clients::{ClientId, ClientStep};

    fn client(id: ClientId, prediction: Prediction, reason: &str) -> ClientPrediction {
        ClientPrediction {
            id,
            profile: "",
            prediction,
            step: (prediction != Prediction::Works).then_some(ClientStep::Connect),
            expected_wait_s: None,
            reason: reason.to_string(),
            verified: true,
        }
    }

    #[test]
    fn refused_port_prints_one_line_for_all_six_clients_not_six_lines() {
        use ClientId::*;
        let refused = "the control connection is refused";
        let six: Vec<ClientPrediction> = [Curl, Lftp, Wget, Ftplib, Filezilla, WindowsFtp]
            .into_iter()
            .map(|id| client(id, Prediction::Fails, refused))
            .collect();
        let lines = grouped(&six, 80, false);
        assert_eq!(
            lines,
            ["  fails   all six: at connect: the control connection is refused"]
        );
    }

    #[test]
    fn clients_that_differ_keep_a_line_per_outcome_in_order() {
        use ClientId::*;
        let list = vec![
            client(Curl, Prediction::Fails, "EPSV: refused"),
            client(Lftp, Prediction::Fails, "PASV: refused; lftp retries"),
            client(
                Wget,
                Prediction::Fails,
                "PASV: refused; wget retries 20 times",
            ),
            client(Filezilla, Prediction::Works, "PASV: works"),
            client(WindowsFtp, Prediction::Works, "PORT: works"),
        ];
        let lines = grouped(&list, 80, false);
        assert_eq!(
            lines,
            [
                "  fails   curl: at connect: EPSV: refused",
                "  fails   lftp, wget: at connect: PASV: refused",
                "  works   filezilla, windows-ftp",
            ]
        );
    }
}
