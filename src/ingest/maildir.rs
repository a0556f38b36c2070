//! A local Maildir as a [`MailSource`]: the embedded default's inbox, and for people who sync
//! their mail with mbsync or offlineimap.
//!
//! Messages are identified by their base file name (without the `:2,flags` suffix). Moving a
//! message renames it into a sibling Maildir++ folder (`<root>/.<folder>/cur/`), created when
//! missing; nothing is ever deleted. Reading never changes flags.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use chrono::{DateTime, Utc};
use futures::future::BoxFuture;

use super::source::{
    Fetched, Listed, MailSession, MailSource, MessageRef, Query, SessionInfo, SourceError,
    SourceResult, WaitOutcome,
};
use crate::send::file::{deliver_to_maildir, unique_name};

/// Reads a Maildir (`root/new`, `root/cur`).
#[derive(Debug, Clone)]
pub struct MaildirSource {
    root: PathBuf,
    poll_interval: Duration,
}

impl MaildirSource {
    /// A source on the Maildir at `root` (created when missing), polled every `poll_interval`.
    pub fn new(root: impl Into<PathBuf>, poll_interval: Duration) -> Self {
        MaildirSource {
            root: root.into(),
            poll_interval,
        }
    }

    /// Open a session (creates `tmp/`, `new/`, `cur/` when missing).
    pub fn open(&self) -> SourceResult<MaildirSession> {
        for sub in ["tmp", "new", "cur"] {
            let p = self.root.join(sub);
            std::fs::create_dir_all(&p).map_err(|e| io_err(&p, e))?;
        }
        let mut s = MaildirSession {
            root: self.root.clone(),
            poll_interval: self.poll_interval,
            info: SessionInfo {
                uid_validity: 1,
                uid_next: None,
                exists: 0,
                idle: false,
                move_supported: true,
                uidplus: false,
            },
            counter: AtomicU64::new(0),
        };
        s.info.exists = u32::try_from(s.scan()?.len()).unwrap_or(u32::MAX);
        Ok(s)
    }
}

impl MailSource for MaildirSource {
    fn connect(&self) -> BoxFuture<'_, SourceResult<Box<dyn MailSession>>> {
        Box::pin(async move { Ok(Box::new(self.open()?) as Box<dyn MailSession>) })
    }

    fn describe(&self) -> String {
        format!("maildir {}", self.root.display())
    }
}

fn io_err(path: &Path, e: std::io::Error) -> SourceError {
    SourceError::Io {
        path: path.display().to_string(),
        detail: e.to_string(),
    }
}

/// One file in the Maildir.
#[derive(Debug, Clone)]
struct Entry {
    path: PathBuf,
    /// The `2,` info flags (only for files in cur/).
    flags: String,
}

fn split_name(name: &str) -> (&str, &str) {
    match name.split_once(":2,") {
        Some((base, flags)) => (base, flags),
        None => (name.split_once(':').map(|(b, _)| b).unwrap_or(name), ""),
    }
}

/// The Maildir++ directory of `folder` ("INBOX" or "" is the root itself).
pub fn folder_dir(root: &Path, folder: &str) -> PathBuf {
    let f = folder.trim_matches('/');
    if f.is_empty() || f.eq_ignore_ascii_case("INBOX") {
        return root.to_path_buf();
    }
    let safe: String = f
        .chars()
        .map(|c| match c {
            '/' | '\\' => '.',
            c if c.is_control() => '_',
            c => c,
        })
        .collect();
    root.join(format!(".{}", safe.trim_start_matches('.')))
}

/// Header lines (unfolded) of a raw message, as (lower-cased name, raw value).
fn headers(raw: &[u8]) -> Vec<(String, String)> {
    let text = String::from_utf8_lossy(raw);
    let mut out: Vec<(String, String)> = Vec::new();
    for line in text.split('\n') {
        let line = line.strip_suffix('\r').unwrap_or(line);
        if line.is_empty() {
            break;
        }
        if line.starts_with(' ') || line.starts_with('\t') {
            if let Some(last) = out.last_mut() {
                last.1.push(' ');
                last.1.push_str(line.trim());
            }
            continue;
        }
        if let Some((name, value)) = line.split_once(':') {
            out.push((name.trim().to_ascii_lowercase(), value.trim().to_string()));
        }
    }
    out
}

/// The start of a message file, enough for its header (a search never needs the body):
/// a 50 MiB message is not read whole just to be listed.
fn read_head(path: &Path) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    const HEAD: u64 = 256 * 1024;
    let mut buf = Vec::new();
    std::fs::File::open(path)?
        .take(HEAD)
        .read_to_end(&mut buf)?;
    Ok(buf)
}

fn needs_headers(q: &Query) -> bool {
    match q {
        Query::To(_) | Query::From(_) | Query::Subject(_) | Query::Header(..) => true,
        Query::And(qs) => qs.iter().any(needs_headers),
        Query::Or(a, b) => needs_headers(a) || needs_headers(b),
        Query::Not(q) => needs_headers(q),
        _ => false,
    }
}

struct Facts<'a> {
    headers: &'a [(String, String)],
    seen: bool,
    modified: Option<DateTime<Utc>>,
}

fn header_contains(h: &[(String, String)], names: &[&str], needle: &str) -> bool {
    let needle = needle.to_lowercase();
    h.iter()
        .filter(|(n, _)| names.iter().any(|want| n == want))
        .any(|(_, v)| v.to_lowercase().contains(&needle))
}

/// Evaluate `q` locally. Maildir has no UIDs, so `UidFrom` matches everything.
fn matches(q: &Query, f: &Facts<'_>) -> bool {
    match q {
        Query::All | Query::UidFrom(_) => true,
        Query::To(s) => header_contains(f.headers, &["to", "cc"], s),
        Query::From(s) => header_contains(f.headers, &["from"], s),
        Query::Subject(s) => header_contains(f.headers, &["subject"], s),
        Query::Header(name, s) => header_contains(f.headers, &[&name.to_ascii_lowercase()], s),
        Query::Since(d) => f.modified.map(|m| m.date_naive() >= *d).unwrap_or(true),
        Query::Unseen => !f.seen,
        Query::And(qs) => qs.iter().all(|q| matches(q, f)),
        Query::Or(a, b) => matches(a, f) || matches(b, f),
        Query::Not(q) => !matches(q, f),
    }
}

/// An open Maildir "session".
#[derive(Debug)]
pub struct MaildirSession {
    root: PathBuf,
    poll_interval: Duration,
    info: SessionInfo,
    counter: AtomicU64,
}

impl MaildirSession {
    /// All messages in new/ and cur/, by base name.
    fn scan(&self) -> SourceResult<BTreeMap<String, Entry>> {
        let mut out = BTreeMap::new();
        for sub in ["new", "cur"] {
            let dir = self.root.join(sub);
            let rd = std::fs::read_dir(&dir).map_err(|e| io_err(&dir, e))?;
            for entry in rd {
                let entry = entry.map_err(|e| io_err(&dir, e))?;
                let name = entry.file_name().to_string_lossy().into_owned();
                if name.starts_with('.') || !entry.file_type().map(|t| t.is_file()).unwrap_or(false)
                {
                    continue;
                }
                let (base, flags) = split_name(&name);
                out.insert(
                    base.to_string(),
                    Entry {
                        path: entry.path(),
                        flags: if sub == "cur" {
                            flags.to_string()
                        } else {
                            String::new()
                        },
                    },
                );
            }
        }
        Ok(out)
    }

    fn do_list(&self, query: &Query) -> SourceResult<Vec<Listed>> {
        let want_headers = needs_headers(query);
        let mut out = Vec::new();
        for (base, e) in self.scan()? {
            let meta = match std::fs::metadata(&e.path) {
                Ok(m) => m,
                // Moved away by another program between scan and stat: not ours any more.
                Err(err) if err.kind() == std::io::ErrorKind::NotFound => continue,
                Err(err) => return Err(io_err(&e.path, err)),
            };
            let hs = if want_headers {
                match read_head(&e.path) {
                    Ok(raw) => headers(&raw),
                    Err(err) if err.kind() == std::io::ErrorKind::NotFound => continue,
                    Err(err) => return Err(io_err(&e.path, err)),
                }
            } else {
                Vec::new()
            };
            let seen = e.flags.contains('S');
            let facts = Facts {
                headers: &hs,
                seen,
                modified: meta.modified().ok().map(DateTime::<Utc>::from),
            };
            if matches(query, &facts) {
                out.push(Listed {
                    id: MessageRef::File(base),
                    size: meta.len(),
                    seen,
                });
            }
        }
        Ok(out)
    }

    fn names(ids: &[MessageRef]) -> SourceResult<Vec<&str>> {
        ids.iter()
            .map(|r| match r {
                MessageRef::File(f) => Ok(f.as_str()),
                MessageRef::Uid(u) => Err(SourceError::Config(format!(
                    "message ref uid {u} is an IMAP UID, not a Maildir file"
                ))),
            })
            .collect()
    }

    fn do_fetch(&self, ids: &[MessageRef]) -> SourceResult<Vec<Fetched>> {
        let names = Self::names(ids)?;
        let all = self.scan()?;
        let mut out = Vec::new();
        for n in names {
            if let Some(e) = all.get(n) {
                match std::fs::read(&e.path) {
                    Ok(raw) => out.push(Fetched {
                        id: MessageRef::File(n.to_string()),
                        raw,
                    }),
                    Err(err) if err.kind() == std::io::ErrorKind::NotFound => {}
                    Err(err) => return Err(io_err(&e.path, err)),
                }
            }
        }
        Ok(out)
    }

    fn do_move(&self, ids: &[MessageRef], folder: &str) -> SourceResult<()> {
        let names = Self::names(ids)?;
        let dest = folder_dir(&self.root, folder);
        if dest == self.root {
            return Ok(());
        }
        for sub in ["tmp", "new", "cur"] {
            let p = dest.join(sub);
            std::fs::create_dir_all(&p).map_err(|e| io_err(&p, e))?;
        }
        let all = self.scan()?;
        for n in names {
            let Some(e) = all.get(n) else { continue };
            let target = dest.join("cur").join(format!("{n}:2,{}", e.flags));
            match std::fs::rename(&e.path, &target) {
                Ok(()) => {}
                Err(err) if err.kind() == std::io::ErrorKind::NotFound => {}
                Err(err) => return Err(io_err(&e.path, err)),
            }
        }
        let cur = dest.join("cur");
        std::fs::File::open(&cur)
            .and_then(|f| f.sync_all())
            .map_err(|e| io_err(&cur, e))?;
        Ok(())
    }

    fn do_append(
        &self,
        folder: &str,
        raw: &[u8],
        received: Option<DateTime<Utc>>,
    ) -> SourceResult<()> {
        let dir = folder_dir(&self.root, folder);
        let n = self.counter.fetch_add(1, Ordering::Relaxed);
        let path = deliver_to_maildir(&dir, &unique_name(n, "append"), raw)
            .map_err(|e| io_err(&dir, e))?;
        if let Some(at) = received {
            // A Maildir's "received" date is the file's modification time.
            std::fs::File::options()
                .write(true)
                .open(&path)
                .and_then(|f| f.set_modified(at.into()))
                .map_err(|e| io_err(&path, e))?;
        }
        Ok(())
    }
}

impl MailSession for MaildirSession {
    fn info(&self) -> &SessionInfo {
        &self.info
    }

    fn is_broken(&self) -> bool {
        false
    }

    fn search<'a>(&'a mut self, query: &'a Query) -> BoxFuture<'a, SourceResult<Vec<MessageRef>>> {
        Box::pin(async move { Ok(self.do_list(query)?.into_iter().map(|l| l.id).collect()) })
    }

    fn list<'a>(&'a mut self, query: &'a Query) -> BoxFuture<'a, SourceResult<Vec<Listed>>> {
        Box::pin(async move { self.do_list(query) })
    }

    fn fetch<'a>(&'a mut self, ids: &'a [MessageRef]) -> BoxFuture<'a, SourceResult<Vec<Fetched>>> {
        Box::pin(async move { self.do_fetch(ids) })
    }

    fn move_to<'a>(
        &'a mut self,
        ids: &'a [MessageRef],
        folder: &'a str,
    ) -> BoxFuture<'a, SourceResult<()>> {
        Box::pin(async move { self.do_move(ids, folder) })
    }

    fn append_received<'a>(
        &'a mut self,
        folder: &'a str,
        raw: &'a [u8],
        received: Option<DateTime<Utc>>,
    ) -> BoxFuture<'a, SourceResult<()>> {
        Box::pin(async move { self.do_append(folder, raw, received) })
    }

    fn wait(&mut self, max: Duration) -> BoxFuture<'_, SourceResult<WaitOutcome>> {
        Box::pin(async move {
            let before: BTreeSet<String> = self.scan()?.into_keys().collect();
            let start = tokio::time::Instant::now();
            loop {
                let left = max.saturating_sub(start.elapsed());
                if left.is_zero() {
                    return Ok(WaitOutcome::Timeout);
                }
                tokio::time::sleep(left.min(self.poll_interval)).await;
                if self.scan()?.keys().any(|k| !before.contains(k)) {
                    return Ok(WaitOutcome::NewMail);
                }
            }
        })
    }

    fn logout(&mut self) -> BoxFuture<'_, SourceResult<()>> {
        Box::pin(async { Ok(()) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn msg(to: &str, subject: &str) -> Vec<u8> {
        format!("From: a@x\r\nTo: {to}\r\nSubject: {subject}\r\n\r\nbody\r\n").into_bytes()
    }

    #[tokio::test]
    async fn append_list_fetch_move_round_trip_never_deletes() {
        let dir = tempfile::tempdir().unwrap();
        let src = MaildirSource::new(dir.path().join("inbox"), Duration::from_millis(10));
        let mut s = src.connect().await.unwrap();
        s.append("INBOX", &msg("olifant+t1@x", "one"))
            .await
            .unwrap();
        s.append("INBOX", &msg("someone@x", "two")).await.unwrap();
        let all = s.list(&Query::All).await.unwrap();
        assert_eq!(all.len(), 2);
        assert!(all.iter().all(|l| l.size > 0 && !l.seen));
        let mine = s.search(&Query::To("OLIFANT+".into())).await.unwrap();
        assert_eq!(mine.len(), 1);
        let fetched = s.fetch(&mine).await.unwrap();
        assert_eq!(fetched[0].raw, msg("olifant+t1@x", "one"));
        s.move_to(&mine, "olifant/processed").await.unwrap();
        let left = s.list(&Query::All).await.unwrap();
        assert_eq!(left.len(), 1);
        let processed = dir.path().join("inbox/.olifant.processed/cur");
        let moved: Vec<_> = std::fs::read_dir(&processed).unwrap().collect();
        assert_eq!(moved.len(), 1);
        // Fetching a moved ref yields nothing rather than an error.
        assert!(s.fetch(&mine).await.unwrap().is_empty());
    }

    #[tokio::test]
    async fn seen_flag_and_headers_are_read_from_cur() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("m");
        let src = MaildirSource::new(&root, Duration::from_millis(10));
        let mut s = src.connect().await.unwrap();
        let raw = b"In-Reply-To:\r\n <p1@olifant>\r\nTo: x@y\r\n\r\nhi";
        std::fs::write(root.join("cur/123.abc:2,S"), raw).unwrap();
        let l = s.list(&Query::All).await.unwrap();
        let expected = Listed {
            id: MessageRef::File("123.abc".into()),
            size: raw.len() as u64,
            seen: true,
        };
        assert_eq!(l, vec![expected]);
        assert!(s.list(&Query::Unseen).await.unwrap().is_empty());
        let q = Query::Header("In-Reply-To".into(), "<p1@olifant>".into());
        assert_eq!(s.search(&q).await.unwrap().len(), 1);
        let q = Query::Header("In-Reply-To".into(), "<p2@olifant>".into());
        assert!(s.search(&q).await.unwrap().is_empty());
    }

    #[tokio::test]
    async fn wait_reports_new_mail_and_times_out_otherwise() {
        let dir = tempfile::tempdir().unwrap();
        let src = MaildirSource::new(dir.path().join("m"), Duration::from_millis(10));
        let mut s = src.connect().await.unwrap();
        assert_eq!(
            s.wait(Duration::from_millis(50)).await.unwrap(),
            WaitOutcome::Timeout
        );
        let root = dir.path().join("m");
        let writer = tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(30)).await;
            std::fs::write(root.join("new/999.x"), b"Subject: x\r\n\r\n").unwrap();
        });
        assert_eq!(
            s.wait(Duration::from_secs(5)).await.unwrap(),
            WaitOutcome::NewMail
        );
        writer.await.unwrap();
    }

    #[test]
    fn folder_names_map_to_maildirpp_siblings_without_escaping_the_root() {
        let r = Path::new("/m");
        assert_eq!(folder_dir(r, "INBOX"), PathBuf::from("/m"));
        assert_eq!(
            folder_dir(r, "olifant/processed"),
            PathBuf::from("/m/.olifant.processed")
        );
        assert_eq!(folder_dir(r, "../etc"), PathBuf::from("/m/.etc"));
    }
}
