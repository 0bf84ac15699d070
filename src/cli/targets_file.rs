//! --targets-file: a fleet's targets, one per line, read with bounds (line length, target
//! count, file size) so that a wrong path (`/dev/zero`) is refused, not swallowed.

use std::path::Path;

use super::ProbeArgsError;
use crate::diagnose::Allow;

/// Longest line read from --targets-file: a URL longer than this is no target.
pub(super) const MAX_TARGET_LINE: usize = 4096;

/// Most targets a --targets-file may list: each becomes a probe configuration up front,
/// and a fleet larger than this is better split into several runs.
pub(super) const MAX_TARGETS: usize = 10_000;

/// Largest --targets-file read: MAX_TARGETS lines of a few hundred bytes, with comments.
/// Anything bigger (or `/dev/zero`) is refused before it is read into memory.
pub(super) const MAX_TARGETS_FILE_BYTES: u64 = 4 * 1024 * 1024;

/// The targets of a --targets-file: one per line, blank lines and `#` comments skipped.
/// A `#` starts a comment only at the start of a line or after white space, so that one
/// inside a URL (a password, say) is not cut off, and then shown, in an error.
pub(super) fn read_targets_file(path: &Path) -> Result<Vec<(usize, String)>, ProbeArgsError> {
    use std::io::Read as _;
    let unreadable = |source| ProbeArgsError::TargetsFile {
        path: path.to_path_buf(),
        source,
    };
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .and_then(|file| {
            file.take(MAX_TARGETS_FILE_BYTES + 1)
                .read_to_end(&mut bytes)
        })
        .map_err(unreadable)?;
    if bytes.len() as u64 > MAX_TARGETS_FILE_BYTES {
        return Err(ProbeArgsError::TargetsFileTooLarge {
            path: path.to_path_buf(),
        });
    }
    let text = String::from_utf8(bytes)
        .map_err(|e| unreadable(std::io::Error::new(std::io::ErrorKind::InvalidData, e)))?;
    let mut targets = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = strip_comment(line).trim();
        if line.is_empty() {
            continue;
        }
        if line.len() > MAX_TARGET_LINE {
            return Err(ProbeArgsError::TargetsFileLine {
                path: path.to_path_buf(),
                line: n + 1,
            });
        }
        if targets.len() == MAX_TARGETS {
            return Err(ProbeArgsError::TargetsFileTooLarge {
                path: path.to_path_buf(),
            });
        }
        targets.push((n + 1, line.to_string()));
    }
    Ok(targets)
}

/// The line up to a `#` that starts it or follows white space.
pub(super) fn strip_comment(line: &str) -> &str {
    let mut prev_space = true;
    for (i, c) in line.char_indices() {
        if c == '#' && prev_space {
            return &line[..i];
        }
        prev_space = c.is_whitespace();
    }
    line
}

pub(super) fn parse_allow(s: &str) -> Result<Allow, String> {
    s.parse()
        .map_err(|e: crate::diagnose::AllowError| e.to_string())
}

/// Largest --allow-file read: a few hundred accepted findings with their comments.
const MAX_ALLOW_FILE_BYTES: u64 = 64 * 1024;

/// The entries of an --allow-file: one per line, blank lines and `#` comments skipped; a
/// bad line is refused with its number, as a typo would otherwise waive nothing.
pub(super) fn read_allow_file(path: &std::path::Path) -> Result<Vec<Allow>, ProbeArgsError> {
    use std::io::Read as _;
    let unreadable = |source| ProbeArgsError::AllowFile {
        path: path.to_path_buf(),
        source,
    };
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .and_then(|file| file.take(MAX_ALLOW_FILE_BYTES + 1).read_to_end(&mut bytes))
        .map_err(unreadable)?;
    if bytes.len() as u64 > MAX_ALLOW_FILE_BYTES {
        return Err(unreadable(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!("larger than {MAX_ALLOW_FILE_BYTES} bytes"),
        )));
    }
    let text = String::from_utf8(bytes)
        .map_err(|e| unreadable(std::io::Error::new(std::io::ErrorKind::InvalidData, e)))?;
    let mut allow = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = strip_comment(line).trim();
        if line.is_empty() {
            continue;
        }
        allow.push(
            line.parse()
                .map_err(|source| ProbeArgsError::AllowFileLine {
                    path: path.to_path_buf(),
                    line: n + 1,
                    source,
                })?,
        );
    }
    Ok(allow)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_file_skips_blank_lines_and_comments_even_after_a_target() {
        let path = std::env::temp_dir().join(format!("ftpdoctor-targets-{}", std::process::id()));
        std::fs::write(
            &path,
            "# fleet\n\n  ftp://a.example/  # primary\nb.example:2121\n#x\n",
        )
        .unwrap();
        let targets = read_targets_file(&path);
        let _ = std::fs::remove_file(&path);
        assert_eq!(
            targets.unwrap(),
            [
                (3, "ftp://a.example/".to_string()),
                (4, "b.example:2121".to_string())
            ]
        );
    }

    #[test]
    fn hash_inside_a_url_is_no_comment_so_a_password_is_not_cut_and_shown() {
        assert_eq!(
            strip_comment("ftp://alice:s3cr#etpw@127.0.0.1:1/ # note"),
            "ftp://alice:s3cr#etpw@127.0.0.1:1/ "
        );
        assert_eq!(strip_comment("#all of it"), "");
        assert_eq!(strip_comment("host\t#tab"), "host\t");
    }

    #[test]
    fn endless_targets_file_is_refused_without_reading_it_all() {
        let refused = read_targets_file(Path::new("/dev/zero"));
        assert!(
            matches!(refused, Err(ProbeArgsError::TargetsFileTooLarge { .. })),
            "{refused:?}"
        );
    }
}
