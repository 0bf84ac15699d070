//! Where the writable scenarios keep uploaded files: a temporary directory of the lab's
//! own, named by nothing the client sends, and deleted with the server.
//!
//! The client's path is only a key: each file on disk is named by a counter, so no
//! client path can reach outside the directory.

use std::collections::HashMap;
use std::io;
use std::path::PathBuf;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Most bytes one upload may have: the probe's largest is 256 KiB; the cap keeps a
/// runaway client from filling the disk.
pub const MAX_UPLOAD: usize = 4 * 1024 * 1024;

/// Most files kept at once, for the same reason.
pub const MAX_FILES: usize = 64;

/// Temporary directories made so far by this process, to name the next one.
static DIRS_MADE: AtomicUsize = AtomicUsize::new(0);

/// Why an upload was not kept.
#[derive(Debug, thiserror::Error)]
pub enum UploadError {
    /// A file by that name exists already.
    #[error("a file by that name exists")]
    Exists,
    /// [`MAX_FILES`] are kept already.
    #[error("too many files")]
    Full,
    /// The disk said no.
    #[error("{0}")]
    Io(#[from] io::Error),
}

/// The uploaded files: FTP path to the file on disk. Dropping it deletes the directory.
#[derive(Debug)]
pub struct UploadDir {
    dir: PathBuf,
    files: Mutex<HashMap<String, PathBuf>>,
    next: AtomicUsize,
}

impl UploadDir {
    /// A fresh directory under the system's temporary directory.
    pub fn create() -> io::Result<UploadDir> {
        let n = DIRS_MADE.fetch_add(1, Ordering::SeqCst);
        let dir = std::env::temp_dir().join(format!("ftpdoctor-lab-{}-{n}", std::process::id()));
        std::fs::create_dir_all(&dir)?;
        Ok(UploadDir {
            dir,
            files: Mutex::new(HashMap::new()),
            next: AtomicUsize::new(0),
        })
    }

    /// The directory on disk (tests check that it goes away).
    pub fn path(&self) -> &std::path::Path {
        &self.dir
    }

    fn files(&self) -> std::sync::MutexGuard<'_, HashMap<String, PathBuf>> {
        // A panic while holding the lock leaves a map that is still whole.
        self.files.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The size of an uploaded file, if there is one at `path`.
    pub fn size(&self, path: &str) -> Option<u64> {
        let on_disk = self.files().get(path)?.clone();
        std::fs::metadata(on_disk).ok().map(|m| m.len())
    }

    /// Keeps `bytes` as `path`; never replaces a file.
    pub fn store(&self, path: &str, bytes: &[u8]) -> Result<(), UploadError> {
        let mut files = self.files();
        if files.contains_key(path) {
            return Err(UploadError::Exists);
        }
        if files.len() >= MAX_FILES {
            return Err(UploadError::Full);
        }
        let n = self.next.fetch_add(1, Ordering::SeqCst);
        let on_disk = self.dir.join(format!("upload-{n}"));
        std::fs::write(&on_disk, bytes)?;
        files.insert(path.to_string(), on_disk);
        Ok(())
    }

    /// Deletes the file at `path`; `false` when there is none.
    pub fn delete(&self, path: &str) -> bool {
        match self.files().remove(path) {
            Some(on_disk) => {
                let _ = std::fs::remove_file(on_disk);
                true
            }
            None => false,
        }
    }
}

impl Drop for UploadDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stores_never_replaces_deletes_and_cleans_up() {
        let uploads = UploadDir::create().unwrap();
        let dir = uploads.path().to_path_buf();
        assert!(dir.is_dir());
        uploads.store("/pub/a.tmp", b"hello").unwrap();
        assert_eq!(uploads.size("/pub/a.tmp"), Some(5));
        assert!(matches!(
            uploads.store("/pub/a.tmp", b"again"),
            Err(UploadError::Exists)
        ));
        assert!(uploads.delete("/pub/a.tmp"));
        assert!(!uploads.delete("/pub/a.tmp"));
        assert_eq!(uploads.size("/pub/a.tmp"), None);
        uploads.store("/../../etc/x", b"key only").unwrap();
        drop(uploads);
        assert!(!dir.exists());
    }
}
