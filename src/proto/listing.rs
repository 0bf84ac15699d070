//! Directory listings read for their files' sizes: MLSD lines (RFC 3659 7, facts then a
//! space then the name) and Unix `ls -l` lines, the format of LIST on nearly every server
//! (vsftpd, ProFTPD, Pure-FTPd, pyftpdlib all send it). No I/O: one line in, one entry out.

/// What a listing line names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryKind {
    /// A regular file.
    File,
    /// A directory (not `.` or `..`).
    Dir,
    /// A link, a device, `.`/`..`, or a type we cannot tell.
    Other,
}

/// One line of a listing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The name, as listed.
    pub name: String,
    /// What it is.
    pub kind: EntryKind,
    /// Its size in bytes, when the line gives one.
    pub size: Option<u64>,
}

const MONTHS: [&str; 12] = [
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
];

/// The words of `line` with where each begins, so that a name with spaces in it can be
/// taken whole from its first word's offset.
fn words(line: &str) -> Vec<(usize, &str)> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, c) in line.char_indices() {
        match (c.is_whitespace(), start) {
            (true, Some(s)) => {
                out.push((s, &line[s..i]));
                start = None;
            }
            (false, None) => start = Some(i),
            _ => {}
        }
    }
    if let Some(s) = start {
        out.push((s, &line[s..]));
    }
    out
}

/// A Unix `ls -l` line: `-rw-r--r--  1 ftp ftp  1048576 Jan 01  2026 1MiB.bin`. The size
/// is the word before the month, so lines without a group column parse too; `None` for
/// `total 8` and anything else that is not an entry.
pub fn parse_unix_line(line: &str) -> Option<Entry> {
    let line = line.trim_end_matches(['\r', '\n']);
    let words = words(line);
    let mode = words.first()?.1;
    if mode.len() < 10 {
        return None;
    }
    let month_at = words
        .iter()
        .position(|(_, w)| w.len() == 3 && MONTHS.contains(&w.to_ascii_lowercase().as_str()))?;
    // Month, day, year-or-time, then the name.
    let (name_at, _) = *words.get(month_at + 3)?;
    let size = words
        .get(month_at.checked_sub(1)?)
        .and_then(|(_, w)| w.parse().ok());
    let name = line[name_at..].to_string();
    let kind = match mode.as_bytes().first() {
        Some(b'-') => EntryKind::File,
        Some(b'd') if name != "." && name != ".." => EntryKind::Dir,
        _ => EntryKind::Other,
    };
    Some(Entry { name, kind, size })
}

/// An MLSD line: `type=file;size=1048576;modify=20260101000000; 1MiB.bin`.
pub fn parse_mlsd_line(line: &str) -> Option<Entry> {
    let line = line.trim_end_matches(['\r', '\n']);
    let (facts, name) = line.split_once(' ')?;
    if name.is_empty() {
        return None;
    }
    let mut kind = EntryKind::Other;
    let mut size = None;
    for fact in facts.split(';') {
        let Some((key, value)) = fact.split_once('=') else {
            continue;
        };
        match key.to_ascii_lowercase().as_str() {
            "type" => {
                kind = match value.to_ascii_lowercase().as_str() {
                    "file" => EntryKind::File,
                    "dir" => EntryKind::Dir,
                    _ => EntryKind::Other,
                }
            }
            "size" | "sizd" => size = value.parse().ok(),
            _ => {}
        }
    }
    Some(Entry {
        name: name.to_string(),
        kind,
        size,
    })
}

/// Every entry of a listing, MLSD or Unix lines as `mlsd` says; lines that are not
/// entries are left out.
pub fn parse_listing(text: &str, mlsd: bool) -> Vec<Entry> {
    text.lines()
        .filter_map(|l| match mlsd {
            true => parse_mlsd_line(l),
            false => parse_unix_line(l),
        })
        .collect()
}

/// The largest regular file with a known size, the first listed on a tie.
pub fn largest_file(entries: &[Entry]) -> Option<&Entry> {
    entries
        .iter()
        .filter(|e| e.kind == EntryKind::File && e.size.is_some())
        .fold(None, |best: Option<&Entry>, e| match best {
            Some(b) if b.size >= e.size => Some(b),
            _ => Some(e),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(name: &str, size: u64) -> Entry {
        Entry {
            name: name.to_string(),
            kind: EntryKind::File,
            size: Some(size),
        }
    }

    #[test]
    fn vsftpd_ls_line_with_group_column() {
        let line = "-rw-r--r--    1 ftp      ftp       1048576 Jan 01  2026 1MiB.bin";
        assert_eq!(parse_unix_line(line), Some(file("1MiB.bin", 1_048_576)));
    }

    #[test]
    fn ls_line_without_group_and_with_spaces_in_the_name() {
        let line = "-rw-r--r--   1 owner   20480 Dec 24 17:05 annual report  2025.pdf\r";
        assert_eq!(
            parse_unix_line(line),
            Some(file("annual report  2025.pdf", 20480))
        );
    }

    #[test]
    fn directories_links_and_totals() {
        let dir = parse_unix_line("drwxr-xr-x    2 ftp      ftp          4096 Jan 01  2026 pub");
        assert_eq!(dir.map(|e| e.kind), Some(EntryKind::Dir));
        let dot = parse_unix_line("drwxr-xr-x    2 ftp      ftp          4096 Jan 01  2026 ..");
        assert_eq!(dot.map(|e| e.kind), Some(EntryKind::Other));
        let link = parse_unix_line("lrwxrwxrwx 1 0 0 7 Mar 3 2024 latest -> v1.2.3");
        assert_eq!(link.map(|e| e.kind), Some(EntryKind::Other));
        assert_eq!(parse_unix_line("total 8"), None);
        assert_eq!(parse_unix_line(""), None);
        assert_eq!(parse_unix_line("-rw-r--r-- 1 ftp ftp 12 Jan"), None);
    }

    #[test]
    fn mlsd_lines_with_type_and_size_facts() {
        let line = "type=file;size=1048576;modify=20260101000000;perm=r; 1MiB.bin\r";
        assert_eq!(parse_mlsd_line(line), Some(file("1MiB.bin", 1_048_576)));
        let dir = parse_mlsd_line("type=dir;modify=20260101000000; pub");
        assert_eq!(dir.map(|e| e.kind), Some(EntryKind::Dir));
        let cdir = parse_mlsd_line("Type=cdir;Modify=20260101000000; .");
        assert_eq!(cdir.map(|e| e.kind), Some(EntryKind::Other));
        assert_eq!(parse_mlsd_line("type=file;size=1;"), None);
    }

    #[test]
    fn largest_file_skips_directories_and_unknown_sizes_first_wins_a_tie() {
        let text = "drwxr-xr-x 2 ftp ftp 999999999 Jan 01 2026 big-dir\r\n\
                    -rw-r--r-- 1 ftp ftp 95 Jan 01 2026 readme.txt\r\n\
                    -rw-r--r-- 1 ftp ftp 2048 Jan 01 2026 a.bin\r\n\
                    -rw-r--r-- 1 ftp ftp 2048 Jan 01 2026 b.bin\r\n";
        let entries = parse_listing(text, false);
        assert_eq!(entries.len(), 4);
        assert_eq!(
            largest_file(&entries).map(|e| e.name.as_str()),
            Some("a.bin")
        );
        assert_eq!(largest_file(&[]), None);
    }
}
