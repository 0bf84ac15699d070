//! STOR and DELE: refused as vsftpd with write_enable=NO refuses them, or, in the
//! writable scenarios, kept in the lab's temporary directory. Files of the read-only tree
//! are never replaced or deleted.

use std::io;

use tokio::io::AsyncReadExt;
use tokio::time::timeout;

use super::Session;
use super::mtu::receive_from_hole;
use crate::lab::fs::Node;
use crate::lab::uploads::{MAX_UPLOAD, UploadError};
use crate::proto::Reply;

/// vsftpd's words for a login that may not write.
const NO_WRITE: &str = "Permission denied.";

impl Session {
    /// STOR: receives the file over the data connection and keeps it, or says why not.
    pub(super) async fn stor(&mut self, path: String) -> io::Result<bool> {
        if self.shared.uploads.is_none() {
            self.data = super::data::DataPlan::None;
            self.send(&Reply::new(550, NO_WRITE)).await?;
            return Ok(true);
        }
        if !self.may_create(&path) {
            self.data = super::data::DataPlan::None;
            self.send(&Reply::new(553, "Could not create file."))
                .await?;
            return Ok(true);
        }
        let plan = std::mem::replace(&mut self.data, super::data::DataPlan::None);
        let Some(tcp) = self.connect_data(plan).await? else {
            return Ok(true);
        };
        let stalls = self.hole_stalls(&tcp);
        self.send(&Reply::new(150, "Ok to send data.")).await?;
        let mut data = match self.secure_data(tcp, self.shared.config.data_timeout).await {
            Ok(data) => data,
            Err(reply) => {
                self.send(&reply).await?;
                return Ok(true);
            }
        };
        let limit = self.shared.config.transfer_timeout;
        let received = match stalls {
            true => receive_from_hole(&mut data, limit).await,
            false => match timeout(limit, read_upload(&mut data)).await {
                Ok(got) => got,
                Err(_) => Err(io::ErrorKind::TimedOut.into()),
            },
        };
        drop(data);
        let reply = match received {
            Ok(bytes) if bytes.len() > MAX_UPLOAD => {
                Reply::new(552, "Exceeded storage allocation.")
            }
            Ok(bytes) => self.keep(&path, &bytes),
            Err(e) => {
                self.log(&format!("data: receiving failed: {e}"));
                Reply::new(426, "Failure reading network stream.")
            }
        };
        self.send(&reply).await?;
        Ok(true)
    }

    /// A new file may go where its directory exists and no file is yet.
    fn may_create(&self, path: &str) -> bool {
        let parent = match path.rsplit_once('/') {
            Some(("", _)) | None => "/",
            Some((dir, _)) => dir,
        };
        let uploaded = self.shared.uploads.as_ref().and_then(|u| u.size(path));
        matches!(self.shared.tree.get(parent), Some(Node::Dir(_)))
            && self.shared.tree.get(path).is_none()
            && uploaded.is_none()
    }

    fn keep(&self, path: &str, bytes: &[u8]) -> Reply {
        let Some(uploads) = &self.shared.uploads else {
            return Reply::new(550, NO_WRITE);
        };
        match uploads.store(path, bytes) {
            Ok(()) => {
                self.log(&format!("data: {} bytes received, kept", bytes.len()));
                Reply::new(226, "Transfer complete.")
            }
            Err(UploadError::Exists) => Reply::new(553, "Could not create file."),
            Err(UploadError::Full) => Reply::new(552, "Exceeded storage allocation."),
            Err(UploadError::Io(_)) => Reply::new(451, "Failure writing to local file."),
        }
    }

    /// DELE: only an uploaded file, and only where deleting is allowed.
    pub(super) fn dele(&self, path: &str) -> Reply {
        match &self.shared.uploads {
            Some(_) if self.shared.config.refuse_dele => Reply::new(550, NO_WRITE),
            Some(uploads) if uploads.delete(path) => {
                Reply::new(250, "Delete operation successful.")
            }
            Some(_) => Reply::new(550, "Delete operation failed."),
            None => Reply::new(550, NO_WRITE),
        }
    }
}

/// The whole upload, up to one byte more than [`MAX_UPLOAD`] (which is then refused).
async fn read_upload<S: tokio::io::AsyncRead + Unpin>(data: &mut S) -> io::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    data.take(MAX_UPLOAD as u64 + 1)
        .read_to_end(&mut bytes)
        .await?;
    Ok(bytes)
}
