//! The embedded default's outbox: each message becomes a file in a Maildir-style directory.
//!
//! Written to `dir/tmp/`, fsynced, then renamed into `dir/new/` (atomic on one file system),
//! and the directory fsynced: a crash leaves either no file in `new/` or the whole message.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use futures::future::BoxFuture;

use super::{MailSender, OutgoingMessage, SendError, SendReceipt};

/// Writes each message as `dir/new/<unique>.eml`.
#[derive(Debug)]
pub struct FileSender {
    dir: PathBuf,
    counter: AtomicU64,
}

impl FileSender {
    /// An outbox in `dir` (its `tmp/`, `new/` and `cur/` are created on first send).
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        FileSender {
            dir: dir.into(),
            counter: AtomicU64::new(0),
        }
    }

    /// The outbox directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }
}

/// A file name unique on this host: time, process id, a per-process counter and the
/// message id's safe characters.
pub(crate) fn unique_name(counter: u64, message_id: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    let safe: String = message_id
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '.' || *c == '-' || *c == '_')
        .take(60)
        .collect();
    format!("{nanos}.P{}Q{counter}.{safe}", std::process::id())
}

/// Write `raw` to `root/tmp/<name>`, fsync, rename to `root/new/<name>`, fsync the directory.
pub(crate) fn deliver_to_maildir(root: &Path, name: &str, raw: &[u8]) -> std::io::Result<PathBuf> {
    for sub in ["tmp", "new", "cur"] {
        std::fs::create_dir_all(root.join(sub))?;
    }
    let tmp = root.join("tmp").join(name);
    let dest = root.join("new").join(name);
    {
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)?;
        f.write_all(raw)?;
        f.sync_all()?;
    }
    std::fs::rename(&tmp, &dest)?;
    std::fs::File::open(root.join("new"))?.sync_all()?;
    Ok(dest)
}

impl MailSender for FileSender {
    fn send<'a>(
        &'a self,
        msg: &'a OutgoingMessage,
    ) -> BoxFuture<'a, Result<SendReceipt, SendError>> {
        Box::pin(async move {
            let n = self.counter.fetch_add(1, Ordering::Relaxed);
            let name = format!("{}.eml", unique_name(n, &msg.message_id));
            let dir = self.dir.clone();
            let raw = msg.raw.clone();
            let res = tokio::task::spawn_blocking(move || deliver_to_maildir(&dir, &name, &raw))
                .await
                .map_err(|e| SendError::Local(format!("outbox writer stopped: {e}")))?;
            match res {
                Ok(path) => Ok(SendReceipt {
                    detail: format!("written to {}", path.display()),
                }),
                Err(e) => Err(SendError::Local(format!(
                    "cannot write to the outbox {}: {e}; check that the directory is writable and the disk not full",
                    self.dir.display()
                ))),
            }
        })
    }

    fn describe(&self) -> String {
        format!("file outbox {}", self.dir.display())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn msg(id: &str) -> OutgoingMessage {
        OutgoingMessage {
            envelope_from: "a@example.test".into(),
            recipients: vec!["b@example.test".into()],
            message_id: id.into(),
            raw: format!("Message-ID: <{id}>\r\nSubject: x\r\n\r\nbody\r\n").into_bytes(),
        }
    }

    #[tokio::test]
    async fn each_message_becomes_one_complete_file_in_new() {
        let dir = tempfile::tempdir().unwrap();
        let s = FileSender::new(dir.path().join("outbox"));
        s.send(&msg("one@x")).await.unwrap();
        s.send(&msg("two@x")).await.unwrap();
        let mut files: Vec<_> = std::fs::read_dir(dir.path().join("outbox/new"))
            .unwrap()
            .map(|e| std::fs::read(e.unwrap().path()).unwrap())
            .collect();
        files.sort();
        assert_eq!(files, vec![msg("one@x").raw, msg("two@x").raw]);
        assert_eq!(
            std::fs::read_dir(dir.path().join("outbox/tmp"))
                .unwrap()
                .count(),
            0
        );
    }

    #[tokio::test]
    async fn unwritable_outbox_is_a_local_error() {
        let dir = tempfile::tempdir().unwrap();
        let blocker = dir.path().join("file");
        std::fs::write(&blocker, b"x").unwrap();
        let s = FileSender::new(blocker.join("outbox"));
        let e = s.send(&msg("a@x")).await.unwrap_err();
        assert!(matches!(e, SendError::Local(_)), "{e}");
        assert!(!e.is_transient());
    }
}
