//! `--format mermaid`: each mode's ladder diagram as a Mermaid `sequenceDiagram`, in
//! Markdown (a heading and a ```` ```mermaid ```` block per mode, the learner's notes as a
//! list), which GitHub, GitLab and most wikis render as it is.
//!
//! Every character of a label that is not plainly safe is written as a Mermaid entity
//! code (`#59;`), so server text cannot end a statement, open a comment or inject markup.

use std::io::{self, Write};

use super::Report;
use super::ladder::{Arrow, Ladder, LaneKind, ladders};

/// Writes every report's diagrams.
///
/// ```
/// use ftpdoctor::report::mermaid::write_mermaid;
/// let mut out = Vec::new();
/// write_mermaid(&[], &mut out)?;
/// assert!(out.is_empty());
/// # Ok::<(), std::io::Error>(())
/// ```
pub fn write_mermaid(reports: &[Report], out: &mut impl Write) -> io::Result<()> {
    for report in reports {
        writeln!(
            out,
            "# {} — verdict {}\n",
            one_line(&report.target.input),
            report.verdict.as_str()
        )?;
        for ladder in ladders(report) {
            write_diagram(&ladder, out)?;
        }
    }
    Ok(())
}

fn write_diagram(ladder: &Ladder, out: &mut impl Write) -> io::Result<()> {
    writeln!(out, "## {}: {}\n", ladder.title, ladder.status.as_str())?;
    writeln!(out, "```mermaid\nsequenceDiagram")?;
    let ids: Vec<String> = ladder
        .lanes
        .iter()
        .enumerate()
        .map(|(i, lane)| match lane.kind {
            LaneKind::Client => "C".to_string(),
            LaneKind::Middlebox => "M".to_string(),
            LaneKind::Server => "S".to_string(),
            LaneKind::Advertised => format!("A{i}"),
        })
        .collect();
    for (lane, id) in ladder.lanes.iter().zip(&ids) {
        let name = match lane.addr.is_empty() {
            true => lane.title.clone(),
            false => format!("{} {}", lane.title, lane.addr),
        };
        writeln!(out, "    participant {id} as {}", escape(&name))?;
    }
    for step in &ladder.steps {
        let note = step.note.map(|n| format!(" ({n})")).unwrap_or_default();
        let text = escape(&format!("{:.1} ms: {}{note}", step.t_ms, step.label));
        let (from, to) = (&ids[step.from], &ids[step.to]);
        let arrow = match step.arrow {
            Arrow::Command | Arrow::Connect | Arrow::Tls => "->>",
            Arrow::Reply => "-->>",
            Arrow::Dropped | Arrow::Refused => "-x",
            Arrow::NotDialled => "--x",
            Arrow::Data => "-)",
            Arrow::Close => "--)",
            Arrow::Note => "",
        };
        if arrow.is_empty() || from == to {
            writeln!(out, "    Note right of {from}: {text}")?;
        } else {
            writeln!(out, "    {from}{arrow}{to}: {text}")?;
        }
    }
    writeln!(out, "```\n")?;
    for (i, note) in ladder.notes.iter().enumerate() {
        writeln!(out, "{}. {}", i + 1, one_line(note))?;
    }
    if !ladder.notes.is_empty() {
        writeln!(out)?;
    }
    Ok(())
}

/// Mermaid text with everything but letters, digits and harmless punctuation written as
/// `#NNN;` entity codes.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            'a'..='z'
            | 'A'..='Z'
            | '0'..='9'
            | ' '
            | '.'
            | ','
            | ':'
            | '('
            | ')'
            | '|'
            | '/'
            | '_'
            | '-'
            | '+'
            | '='
            | '*'
            | '@'
            | '!'
            | '?'
            | '\''
            | '['
            | ']' => out.push(c),
            c => out.push_str(&format!("#{};", u32::from(c))),
        }
    }
    out
}

fn one_line(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_text_cannot_end_the_statement_or_open_markup() {
        let e = escape("226 ok;\nS->>C: pwned %% <script>alert(1)</script> #x;");
        assert!(
            !e.contains(';')
                || e.split(';')
                    .all(|part| part.is_empty() || part.contains('#'))
        );
        for bad in ['\n', '<', '>', '%', '"', '{', '}'] {
            assert!(!e.contains(bad), "{bad:?} in {e}");
        }
        assert!(e.starts_with("226 ok#59;#10;S-#62;#62;C: pwned #37;#37; #60;script#62;"));
    }

    #[test]
    fn the_sample_report_gives_one_block_per_attempted_mode() {
        let report = crate::report::sample::report();
        let mut out = Vec::new();
        assert!(write_mermaid(&[report], &mut out).is_ok());
        let text = String::from_utf8(out).unwrap_or_default();
        let blocks = text.matches("```mermaid\nsequenceDiagram\n").count();
        assert_eq!(blocks, 4, "{text}");
        assert!(text.contains("participant C as client"), "{text}");
    }
}
