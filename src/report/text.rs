//! Text helpers for every printer, in one place: making server text safe (for a
//! terminal, HTML, XML), cutting and wrapping it to a width, painting it, and saying
//! numbers and durations the way people read them. No knowledge of reports here.

use std::borrow::Cow;

/// Server and OS text made safe for a terminal: control characters (ESC, CR, C1 CSI, …)
/// are shown escaped (`\u{1b}`), line breaks are kept for the callers that want them.
pub fn clean(text: &str) -> Cow<'_, str> {
    if !text.chars().any(|c| c.is_control() && c != '\n') {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if c.is_control() && c != '\n' {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// The text in ASCII for a terminal whose locale is not UTF-8: the table's own signs
/// become their usual stand-ins (`→` `->`, `…` `...`, dashes `-`), anything else
/// that is not ASCII (a server's UTF-8 banner) `?`, which is one column as before.
pub fn to_ascii(text: &str) -> Cow<'_, str> {
    if text.is_ascii() {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            c if c.is_ascii() => out.push(c),
            '→' => out.push_str("->"),
            '…' => out.push_str("..."),
            '—' | '–' | '─' | '╌' | '═' => out.push('-'),
            '↳' => out.push_str("`-"),
            '│' | '┆' => out.push('|'),
            '×' => out.push('x'),
            _ => out.push('?'),
        }
    }
    Cow::Owned(out)
}

/// At most `max` characters, the last one `mark` (`…`, or `~` in ASCII) when something
/// was cut. Unlike [`truncate`], line breaks are kept as they are.
pub fn cut(text: &str, max: usize, mark: char) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let mut kept: String = text.chars().take(max.saturating_sub(1)).collect();
    if max > 0 {
        kept.push(mark);
    }
    kept
}

/// Server text made safe for a grid, one column per character: control characters
/// shown escaped (line breaks too), anything that might not take exactly one column
/// replaced by `?` (in ASCII, `→` and `×` by their stand-ins).
pub fn single_width(text: &str, unicode: bool) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            c if c.is_control() => out.extend(c.escape_default()),
            ' '..='~' => out.push(c),
            '→' if !unicode => out.push_str("->"),
            '×' if !unicode => out.push('x'),
            '\u{a0}'..='\u{2ff}' | '→' | '…' if unicode => out.push(c),
            _ => out.push('?'),
        }
    }
    out
}

/// Text for HTML element content and quoted attribute values: `& < > " '` as entities,
/// other control characters than line breaks and tabs shown escaped (`\u{1b}`), never
/// passed to the browser.
pub fn html(text: &str) -> String {
    use std::fmt::Write as _;
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\n' | '\t' => out.push(c),
            c if c.is_control() => {
                let _ = write!(out, "{}", c.escape_unicode());
            }
            c => out.push(c),
        }
    }
    out
}

/// Text for XML element content: `& < >` as entities, a CR as a character reference (a
/// parser would drop it), characters XML 1.0 cannot hold shown escaped (`\u{1b}`).
pub fn xml_text(text: &str) -> String {
    xml(text, false)
}

/// Text for an XML attribute value: as [`xml_text`], and quotes and line breaks as
/// character references (a parser would fold a raw line break into a space).
pub fn xml_attr(text: &str) -> String {
    xml(text, true)
}

fn xml(text: &str, attribute: bool) -> String {
    use std::fmt::Write as _;
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' if attribute => out.push_str("&quot;"),
            '\n' if attribute => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            '\t' if attribute => out.push_str("&#9;"),
            c if !xml_char(c) => {
                let _ = write!(out, "{}", c.escape_unicode());
            }
            c => out.push(c),
        }
    }
    out
}

/// Whether XML 1.0 allows `c` in a document (its `Char` production).
fn xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{d7ff}' | '\u{e000}'..='\u{fffd}' | '\u{10000}'..)
}

/// At most `max` characters, the last one `…` when something was cut. Line breaks end the
/// text too: a cut multi-line reply would otherwise leak its next lines into the layout.
pub fn truncate(text: &str, max: usize) -> String {
    let first = text.lines().next().unwrap_or("");
    let cut_line = first.len() < text.trim_end().len();
    if first.chars().count() <= max && !cut_line {
        return first.to_string();
    }
    let keep: String = first.chars().take(max.saturating_sub(1)).collect();
    format!("{keep}…")
}

/// Like [`truncate`], but a cut falls between words when one is near the limit, and the
/// `…` sticks to the last word kept: a table cell wraps at spaces, so a lone `…` or a
/// half word would cost a line of its own for nothing.
pub fn truncate_words(text: &str, max: usize) -> String {
    let cut = truncate(text, max);
    let Some(kept) = cut.strip_suffix('…') else {
        return cut;
    };
    // `truncate` keeps a prefix of the first line, so this is what it left out of it.
    let first = text.lines().next().unwrap_or("");
    let left_out = &first[kept.len()..];
    let end = if left_out.is_empty() || left_out.starts_with(char::is_whitespace) {
        // The cut fell between words (or at the end of a line) already.
        kept.len()
    } else {
        match kept.rfind(' ') {
            // Only back off to a space in the second half: one long token (a path, an
            // address) is better cut mid-way than reduced to a stub.
            Some(space) if kept[..space].chars().count() >= max / 2 => space,
            _ => return cut,
        }
    };
    let word_end = kept[..end].trim_end_matches([' ', '.', ',', ';', ':']);
    format!("{word_end}…")
}

/// Wraps `text` by words at `width` columns: the first line starts with `first`, the
/// others with `rest`. Line breaks in the text are kept (a multi-line reply quoted in the
/// evidence stays readable); a word longer than a whole line is cut.
pub fn wrap(text: &str, width: usize, first: &str, rest: &str) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = first.to_string();
    let mut len = first.chars().count();
    // Whether `line` holds only its prefix, so the next word needs no space before it.
    let mut bare = true;
    for (i, paragraph) in text.split('\n').enumerate() {
        if i > 0 {
            lines.push(std::mem::replace(&mut line, rest.to_string()));
            len = rest.chars().count();
            bare = true;
        }
        for word in paragraph.split_whitespace() {
            let mut word = word;
            while !word.is_empty() {
                let wlen = word.chars().count();
                let need = if bare { wlen } else { wlen + 1 };
                if len + need <= width {
                    if !bare {
                        line.push(' ');
                    }
                    line.push_str(word);
                    len += need;
                    bare = false;
                    break;
                }
                if !bare {
                    lines.push(std::mem::replace(&mut line, rest.to_string()));
                    len = rest.chars().count();
                    bare = true;
                    continue;
                }
                // Alone on a line and still too long (a URL, an IPv6 address): cut it.
                // At least one character per line, so a prefix wider than `width` still
                // makes progress.
                let room = width.saturating_sub(len).max(1);
                let split = word.char_indices().nth(room).map_or(word.len(), |(i, _)| i);
                line.push_str(&word[..split]);
                word = &word[split..];
                if word.is_empty() {
                    // Only the one-character-per-line case gets here: the line is full.
                    len += room;
                    bare = false;
                } else {
                    lines.push(std::mem::replace(&mut line, rest.to_string()));
                    len = rest.chars().count();
                }
            }
        }
    }
    lines.push(line);
    lines
}

/// As many items as fit in `room` columns, then how many were left out.
pub fn comma_list(items: &[String], room: usize) -> String {
    if items.is_empty() {
        return "none".to_string();
    }
    let items: Vec<Cow<'_, str>> = items.iter().map(|i| clean(i)).collect();
    let full = items.join(", ");
    if full.chars().count() <= room {
        return full;
    }
    let mut shown = String::new();
    for (i, item) in items.iter().enumerate() {
        let sep = if i == 0 { "" } else { ", " };
        let candidate = format!("{shown}{sep}{item}");
        let left_after = items.len() - i - 1;
        // Keep room for the "… (+N more)" that has to follow this item.
        let tail = format!(", … (+{left_after} more)").chars().count();
        if left_after == 0 || candidate.chars().count() + tail > room {
            return format!("{shown}{sep}… (+{} more)", items.len() - i);
        }
        shown = candidate;
    }
    shown
}

/// A byte count as people read it.
pub fn bytes(n: u64) -> String {
    const KIB: u64 = 1024;
    match n {
        n if n < 10 * KIB => format!("{n} B"),
        n if n < 10 * KIB * KIB => format!("{:.1} KiB", n as f64 / KIB as f64),
        n => format!("{:.1} MiB", n as f64 / (KIB * KIB) as f64),
    }
}

/// Milliseconds as people read them: `0.3 ms`, `41.0 ms`, `5.0 s` (one rule for every
/// duration shown, [`crate::wire::human`]).
pub use crate::wire::human_ms;

/// `s` unless `n` is one: `{n} target{plural(n)}`.
pub fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

// ANSI SGR codes for the words outside the table (comfy-table colours only its cells).
/// Bold red: errors, failures.
pub const RED: &str = "\x1b[1;31m";
/// Bold yellow: warnings.
pub const YELLOW: &str = "\x1b[1;33m";
/// Bold green: ok.
pub const GREEN: &str = "\x1b[1;32m";
/// Bold cyan: information.
pub const CYAN: &str = "\x1b[1;36m";
const RESET: &str = "\x1b[0m";

/// `word` in the colour `code`, reset after it. Callers paint after measuring and
/// wrapping, so escapes never count as width.
pub fn paint(word: &str, code: &str) -> String {
    format!("{code}{word}{RESET}")
}
