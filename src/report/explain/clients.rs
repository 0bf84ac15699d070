//! Under the diagrams, the client matrix for a learner: the clients grouped by the step of
//! the conversation where each would stop, in the order the diagrams run, each step in
//! plain words with its RFC section. The table above already gives every client's reason;
//! this says where in the pictures that reason lies.

use std::io::{self, Write};

use super::{CYAN, ExplainStyle, GREEN, RED, YELLOW, tint, wrap};
use crate::diagnose::clients::{ClientPrediction, ClientStep, Prediction};

/// The steps in the order a session meets them, each with what happens there.
const STEPS: [(ClientStep, &str); 10] = [
    (
        ClientStep::Resolve,
        "looking up the server's name, before the first SYN (RFC 1034 5)",
    ),
    (
        ClientStep::Connect,
        "the control connection's TCP handshake (RFC 9293 3.5)",
    ),
    (
        ClientStep::Banner,
        "waiting for the 220 greeting (RFC 959 5.4)",
    ),
    (
        ClientStep::Tls,
        "AUTH TLS and the control connection's TLS handshake (RFC 4217 4)",
    ),
    (ClientStep::Login, "USER and PASS (RFC 959 4.1.1)"),
    (
        ClientStep::Request,
        "the reply to PASV, EPSV, PORT or EPRT (RFC 959 4.1.2; RFC 2428)",
    ),
    (
        ClientStep::DataConnect,
        "the client's SYN to the passive data port (RFC 959 3.2)",
    ),
    (
        ClientStep::Accept,
        "waiting for the server to connect back in active mode (RFC 959 3.2)",
    ),
    (
        ClientStep::DataTls,
        "the data connection's own TLS handshake under PROT P (RFC 4217 7)",
    ),
    (
        ClientStep::Transfer,
        "LIST or RETR, the data and the 226 (RFC 959 4.1.3)",
    ),
];

const PREDICTIONS: [Prediction; 4] = [
    Prediction::Works,
    Prediction::Depends,
    Prediction::Fails,
    Prediction::Hangs,
];

fn colour(p: Prediction) -> &'static str {
    match p {
        Prediction::Works => GREEN,
        Prediction::Fails => RED,
        Prediction::Hangs => YELLOW,
        Prediction::Depends => CYAN,
    }
}

/// `curl`, `wget (900 s)`, `tnftp (no end)`, `filezilla*` (predicted from its docs only).
fn named(c: &ClientPrediction) -> String {
    let star = if c.verified { "" } else { "*" };
    match (c.prediction, c.expected_wait_s) {
        (Prediction::Hangs, Some(s)) => format!("{}{star} ({s:.0} s)", c.id),
        (Prediction::Hangs, None) => format!("{}{star} (no end)", c.id),
        _ => format!("{}{star}", c.id),
    }
}

/// Writes the grouped matrix; nothing when no client was predicted.
pub(super) fn write_clients(
    clients: &[ClientPrediction],
    style: &ExplainStyle,
    out: &mut impl Write,
) -> io::Result<()> {
    if clients.is_empty() {
        return Ok(());
    }
    let width = usize::from(style.width).max(40);
    let (rule, bullet) = if style.unicode {
        ('─', '▸')
    } else {
        ('-', '>')
    };
    let title = format!("{bullet} Real clients");
    writeln!(
        out,
        "\n{title} {}",
        rule.to_string()
            .repeat(width.saturating_sub(title.chars().count() + 1))
    )?;
    let intro = "Where each client would stop in the conversations drawn above, predicted \
                 from this probe (docs/clients.md; the reasons are in the table).";
    for l in wrap(intro, width, "  ", style.unicode) {
        writeln!(out, "{l}")?;
    }
    for (p, step, members) in groups(clients) {
        let word = p.as_str();
        let head = match step {
            Some(words) => format!("{word} at {words}:"),
            None => format!("{word}:"),
        };
        let names: Vec<String> = members.iter().map(|c| named(c)).collect();
        let mut items: Vec<String> = head.split(' ').map(str::to_string).collect();
        let last = names.len().saturating_sub(1);
        items.extend(names.into_iter().enumerate().map(|(i, n)| match i == last {
            true => n,
            false => format!("{n},"),
        }));
        for (i, l) in fill(&items, width - 4).iter().enumerate() {
            let lead = if i == 0 { "  " } else { "    " };
            let shown = match (i, style.color) {
                (0, true) => l.replacen(word, &tint(word, colour(p), true), 1),
                _ => l.clone(),
            };
            writeln!(out, "{lead}{shown}")?;
        }
    }
    if clients.iter().any(|c| !c.verified) {
        for l in wrap(
            "* predicted from the client's documentation only: it cannot run in CI.",
            width,
            "  ",
            style.unicode,
        ) {
            writeln!(out, "{l}")?;
        }
    }
    Ok(())
}

/// One line of the matrix: a prediction, the step's words, the clients.
type Group<'a> = (Prediction, Option<&'static str>, Vec<&'a ClientPrediction>);

/// The clients grouped: works first; then each step in the order of the conversation,
/// and within a step the kinder outcome first.
fn groups(clients: &[ClientPrediction]) -> Vec<Group<'_>> {
    let mut groups: Vec<Group<'_>> = Vec::new();
    let mut group = |p: Prediction, step: Option<(ClientStep, &'static str)>| {
        let here: Vec<&ClientPrediction> = clients
            .iter()
            .filter(|c| c.prediction == p && c.step == step.map(|(s, _)| s))
            .collect();
        if !here.is_empty() {
            groups.push((p, step.map(|(_, words)| words), here));
        }
    };
    group(Prediction::Works, None);
    for step in STEPS {
        for p in PREDICTIONS {
            group(p, Some(step));
        }
    }
    // A prediction without a step (none today besides works) still gets its line.
    for p in PREDICTIONS.into_iter().filter(|&p| p != Prediction::Works) {
        group(p, None);
    }
    groups
}

/// Items on lines of at most `width` characters, never split (a client's name and its
/// wait stay together); an item longer than the width gets a line of its own.
fn fill(items: &[String], width: usize) -> Vec<String> {
    let mut lines = vec![String::new()];
    for item in items {
        let len = lines.last().map_or(0, |l| l.chars().count());
        if len > 0 && len + 1 + item.chars().count() > width {
            lines.push(String::new());
        }
        if let Some(l) = lines.last_mut() {
            if !l.is_empty() {
                l.push(' ');
            }
            l.push_str(item);
        }
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnose::clients::ClientId;

    fn client(id: ClientId, prediction: Prediction, step: Option<ClientStep>) -> ClientPrediction {
        ClientPrediction {
            id,
            profile: "a profile",
            prediction,
            step,
            expected_wait_s: (prediction == Prediction::Hangs).then_some(300.0),
            reason: "<script>alert(1)</script>\x1b[2J".to_string(),
            verified: id != ClientId::WindowsFtp,
        }
    }

    fn render(clients: &[ClientPrediction], style: ExplainStyle) -> String {
        let mut out = Vec::new();
        assert!(write_clients(clients, &style, &mut out).is_ok());
        String::from_utf8(out).unwrap_or_default()
    }

    #[test]
    fn clients_are_grouped_by_the_step_they_stop_at_in_conversation_order() {
        let clients = [
            client(
                ClientId::WindowsFtp,
                Prediction::Hangs,
                Some(ClientStep::Accept),
            ),
            client(ClientId::Curl, Prediction::Works, None),
            client(
                ClientId::Lftp,
                Prediction::Hangs,
                Some(ClientStep::DataConnect),
            ),
            client(
                ClientId::Wget,
                Prediction::Hangs,
                Some(ClientStep::DataConnect),
            ),
            client(ClientId::Ftplib, Prediction::Works, None),
        ];
        let text = render(&clients, ExplainStyle::default());
        let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
        let at = |s: &str| flat.find(s).unwrap_or(usize::MAX);
        let works = at("works: curl, ftplib");
        let data = at(
            "hangs at the client's SYN to the passive data port (RFC 959 3.2): \
             lftp (300 s), wget (300 s)",
        );
        let accept = at(
            "waiting for the server to connect back in active mode (RFC 959 3.2): \
             windows-ftp* (300 s)",
        );
        assert!(works < data && data < accept, "{text}");
        assert!(text.contains("* predicted from the client's documentation only"));
        // The reasons stay in the table: no server text reaches this section.
        assert!(!text.contains("script") && !text.contains('\x1b'), "{text}");
    }

    #[test]
    fn the_client_section_fits_the_width_in_ascii_and_colours_only_when_asked() {
        let clients: Vec<ClientPrediction> = ClientId::ALL
            .into_iter()
            .map(|id| client(id, Prediction::Hangs, Some(ClientStep::DataTls)))
            .collect();
        for unicode in [true, false] {
            let style = ExplainStyle {
                unicode,
                width: 80,
                ..ExplainStyle::default()
            };
            let text = render(&clients, style);
            for l in text.lines() {
                assert!(l.chars().count() <= 80, "{} wide: {l}", l.chars().count());
            }
            assert_eq!(text.is_ascii(), !unicode, "{text}");
            // A client's name and its wait stay on one line.
            assert!(!text.lines().any(|l| l.ends_with("(300")), "{text}");
        }
        let coloured = render(
            &clients,
            ExplainStyle {
                color: true,
                ..ExplainStyle::default()
            },
        );
        assert!(coloured.contains("\x1b[33mhangs\x1b[0m"), "{coloured}");
    }

    #[test]
    fn no_clients_no_section() {
        assert_eq!(render(&[], ExplainStyle::default()), "");
    }
}
