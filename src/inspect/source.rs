//! Reading the user's files: bounded in size, text checked, every failure a reason.

use std::io::Read;
use std::path::Path;

use super::InspectError;

/// Files larger than this are refused unread: no config, ruleset or manifest comes near it,
/// and reading one keeps peak memory far below 256 MiB even with the parsed form.
pub const MAX_FILE_BYTES: u64 = 64 * 1024 * 1024;

/// Reads `path` (`-` is stdin) as text: refused over [`MAX_FILE_BYTES`], and when it holds NUL
/// bytes (a binary file). Invalid UTF-8 is replaced (configs are ASCII; a stray byte must not
/// hide the rest), and [`Text::lossy`] says so.
pub fn read_text(path: &str) -> Result<Text, InspectError> {
    let mut bytes = Vec::new();
    let limit = MAX_FILE_BYTES + 1;
    let read = if path == "-" {
        std::io::stdin().lock().take(limit).read_to_end(&mut bytes)
    } else {
        let file = std::fs::File::open(Path::new(path)).map_err(|e| InspectError::io(path, &e))?;
        if let Ok(meta) = file.metadata()
            && meta.len() > MAX_FILE_BYTES
        {
            return Err(InspectError::TooLarge {
                path: path.to_string(),
                bytes: meta.len(),
            });
        }
        file.take(limit).read_to_end(&mut bytes)
    };
    read.map_err(|e| InspectError::io(path, &e))?;
    text_of(path, bytes)
}

/// The checks of [`read_text`] on bytes already read.
pub fn text_of(path: &str, bytes: Vec<u8>) -> Result<Text, InspectError> {
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(InspectError::TooLarge {
            path: path.to_string(),
            bytes: bytes.len() as u64,
        });
    }
    if bytes.contains(&0) {
        return Err(InspectError::Binary {
            path: path.to_string(),
        });
    }
    match String::from_utf8(bytes) {
        Ok(text) => Ok(Text { text, lossy: false }),
        Err(e) => Ok(Text {
            text: String::from_utf8_lossy(e.as_bytes()).into_owned(),
            lossy: true,
        }),
    }
}

/// A file's text.
#[derive(Debug)]
pub struct Text {
    /// The text (invalid UTF-8 replaced by U+FFFD).
    pub text: String,
    /// Whether some bytes were not UTF-8.
    pub lossy: bool,
}
