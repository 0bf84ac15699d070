//! The JSON printers: schema `ftpdoctor.report/v1` (docs/report-schema.md), as a pretty
//! document (`--format json`) or one compact line per target (`--format jsonl`).
//!
//! The report types derive `Serialize` in the shape of the schema, so these functions only
//! choose the framing; a field is added to the schema by adding it to the types.

use std::io::{self, Write};

use super::Report;

/// Writes `reports` as one pretty-printed document: a single report as an object, any
/// other number of them as an array (so `--format json` with one target stays the plain
/// object docs/report-schema.md shows, and several targets stay one valid document). Ends with a newline.
///
/// ```
/// # use ftpdoctor::report::json::write_json;
/// let mut out = Vec::new();
/// write_json(&[], &mut out)?;
/// assert_eq!(out, b"[]\n");
/// # Ok::<(), std::io::Error>(())
/// ```
pub fn write_json(reports: &[Report], out: &mut impl Write) -> io::Result<()> {
    // `?` goes through serde_json's `From<Error> for io::Error`, which hands back the
    // writer's own io::Error untouched (so a broken pipe stays ErrorKind::BrokenPipe).
    match reports {
        [one] => serde_json::to_writer_pretty(&mut *out, one)?,
        many => serde_json::to_writer_pretty(&mut *out, many)?,
    }
    out.write_all(b"\n")
}

/// Writes one report as a single compact line and a newline (JSON Lines), so that a fleet
/// run can print each target as it finishes and a consumer can read line by line.
pub fn write_jsonl(report: &Report, out: &mut impl Write) -> io::Result<()> {
    // serde_json escapes control characters inside strings, so a reply text with a
    // newline in it cannot break the one-object-per-line framing.
    serde_json::to_writer(&mut *out, report)?;
    out.write_all(b"\n")
}

#[cfg(test)]
mod tests;
