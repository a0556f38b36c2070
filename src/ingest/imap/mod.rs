//! The IMAP implementation of [`MailSource`] over async-imap 0.12 and tokio-rustls.
//!
//! Every command runs under `tokio::time::timeout(command_timeout)`; after a timeout or a
//! protocol/connection error the session is marked broken and refuses further use. Bodies are
//! fetched with `BODY.PEEK[]` (never sets \Seen). Moves use MOVE, or COPY + STORE \Deleted +
//! UID EXPUNGE of exactly those UIDs (UIDPLUS); plain EXPUNGE is never sent.

use std::path::PathBuf;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use async_imap::extensions::idle::IdleResponse;
use async_imap::imap_proto::{MailboxDatum, Response, Status};
use async_imap::types::{Fetch, UnsolicitedResponse};
use async_imap::{Client, Session};
use chrono::{DateTime, Utc};
use futures::future::BoxFuture;
use futures::TryStreamExt;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio_rustls::client::TlsStream;

use super::source::{
    Fetched, Listed, MailSession, MailSource, MessageRef, Query, SessionInfo, SourceError,
    SourceResult, WaitOutcome,
};
use super::tls;
use crate::send::{is_loopback_host, scrub, CheckStep, Security};

mod check;
mod connect;

pub use check::check;
use connect::*;

/// Longest single IDLE before it is re-issued (RFC 2177: servers may drop after 30 minutes).
pub const MAX_IDLE: Duration = Duration::from_secs(29 * 60);

/// UIDs per FETCH/MOVE command.
const BATCH: usize = 500;

/// Everything the IMAP source needs; the password is already resolved and never printed.
#[derive(Clone)]
pub struct ImapSettings {
    /// Server host name (also checked in its certificate).
    pub host: String,
    /// Port (993 implicit TLS, 143 STARTTLS).
    pub port: u16,
    /// Connection security.
    pub security: Security,
    /// Login name.
    pub username: String,
    /// Password (resolved).
    pub password: String,
    /// The watched mailbox, usually "INBOX".
    pub mailbox: String,
    /// Where handled messages go.
    pub processed_mailbox: String,
    /// Where messages that are not for olifant go (the pipeline decides).
    pub ignored_mailbox: String,
    /// Messages larger than this are listed but should not be downloaded.
    pub max_message_size: u64,
    /// Bound on TCP connect + TLS + greeting.
    pub connect_timeout: Duration,
    /// Bound on each command.
    pub command_timeout: Duration,
    /// Use IDLE when the server offers it.
    pub idle: bool,
    /// Sleep between polls when IDLE is off or unsupported.
    pub poll_interval: Duration,
    /// Extra trusted root certificate(s), PEM.
    pub ca_file: Option<PathBuf>,
}

impl ImapSettings {
    /// Settings with sensible defaults: INBOX, `olifant/processed`, `olifant/ignored`, 10 MB,
    /// 30 s connect, 60 s per command, IDLE on, 5 minute polls.
    pub fn new(
        host: impl Into<String>,
        port: u16,
        security: Security,
        username: impl Into<String>,
        password: impl Into<String>,
    ) -> Self {
        ImapSettings {
            host: host.into(),
            port,
            security,
            username: username.into(),
            password: password.into(),
            mailbox: "INBOX".into(),
            processed_mailbox: "olifant/processed".into(),
            ignored_mailbox: "olifant/ignored".into(),
            max_message_size: 10 * 1024 * 1024,
            connect_timeout: Duration::from_secs(30),
            command_timeout: Duration::from_secs(60),
            idle: true,
            poll_interval: Duration::from_secs(300),
            ca_file: None,
        }
    }
}

impl std::fmt::Debug for ImapSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ImapSettings")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("security", &self.security)
            .field("username", &self.username)
            .field("password", &"<redacted>")
            .field("mailbox", &self.mailbox)
            .field("processed_mailbox", &self.processed_mailbox)
            .field("ignored_mailbox", &self.ignored_mailbox)
            .field("max_message_size", &self.max_message_size)
            .field("connect_timeout", &self.connect_timeout)
            .field("command_timeout", &self.command_timeout)
            .field("idle", &self.idle)
            .field("poll_interval", &self.poll_interval)
            .field("ca_file", &self.ca_file)
            .finish()
    }
}

/// The byte stream under the IMAP client: plain TCP (loopback only) or TLS.
#[derive(Debug)]
pub enum ImapIo {
    /// Plain TCP.
    Plain(TcpStream),
    /// TLS over TCP.
    Tls(Box<TlsStream<TcpStream>>),
}

impl AsyncRead for ImapIo {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            ImapIo::Plain(s) => Pin::new(s).poll_read(cx, buf),
            ImapIo::Tls(s) => Pin::new(s.as_mut()).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for ImapIo {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        match self.get_mut() {
            ImapIo::Plain(s) => Pin::new(s).poll_write(cx, buf),
            ImapIo::Tls(s) => Pin::new(s.as_mut()).poll_write(cx, buf),
        }
    }
    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            ImapIo::Plain(s) => Pin::new(s).poll_flush(cx),
            ImapIo::Tls(s) => Pin::new(s.as_mut()).poll_flush(cx),
        }
    }
    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            ImapIo::Plain(s) => Pin::new(s).poll_shutdown(cx),
            ImapIo::Tls(s) => Pin::new(s.as_mut()).poll_shutdown(cx),
        }
    }
}

/// The IMAP mail source.
#[derive(Debug, Clone)]
pub struct ImapSource {
    settings: ImapSettings,
}

impl ImapSource {
    /// Validate the settings (no plaintext to a remote host) and build the source.
    pub fn new(settings: ImapSettings) -> SourceResult<Self> {
        if settings.security == Security::None && !is_loopback_host(&settings.host) {
            return Err(SourceError::Config(format!(
                "security = none is only allowed for a loopback host, not {:?}; use tls (port 993) or starttls (port 143)",
                settings.host
            )));
        }
        Ok(ImapSource { settings })
    }

    /// The settings.
    pub fn settings(&self) -> &ImapSettings {
        &self.settings
    }

    /// Connect, log in, select the watched mailbox.
    pub async fn open(&self) -> SourceResult<ImapSession> {
        let client = connect_client(&self.settings).await?;
        let mut session = login(&self.settings, client).await?;
        let info = select(&self.settings, &mut session).await?;
        Ok(ImapSession {
            session: Some(session),
            info,
            settings: self.settings.clone(),
            broken: false,
            ensured: Default::default(),
        })
    }
}

impl MailSource for ImapSource {
    fn connect(&self) -> BoxFuture<'_, SourceResult<Box<dyn MailSession>>> {
        Box::pin(async move {
            let s = self.open().await?;
            Ok(Box::new(s) as Box<dyn MailSession>)
        })
    }

    fn describe(&self) -> String {
        let s = &self.settings;
        format!(
            "imap://{}@{}:{}/{} ({})",
            s.username,
            s.host,
            s.port,
            s.mailbox,
            match s.security {
                Security::Tls => "implicit TLS",
                Security::StartTls => "STARTTLS",
                Security::None => "no encryption, loopback",
            }
        )
    }
}

/// Render sorted UIDs as a compact IMAP set ("1:3,7,9:10").
pub fn uid_set(uids: &[u32]) -> String {
    let mut v = uids.to_vec();
    v.sort_unstable();
    v.dedup();
    let mut out = Vec::new();
    let mut i = 0;
    while i < v.len() {
        let start = v[i];
        let mut end = start;
        while i + 1 < v.len() && v[i + 1] == end + 1 {
            i += 1;
            end = v[i];
        }
        out.push(if start == end {
            start.to_string()
        } else {
            format!("{start}:{end}")
        });
        i += 1;
    }
    out.join(",")
}

fn uids_of(ids: &[MessageRef]) -> SourceResult<Vec<u32>> {
    ids.iter()
        .map(|r| match r {
            MessageRef::Uid(u) => Ok(*u),
            MessageRef::File(f) => Err(SourceError::Config(format!(
                "message ref {f:?} is a Maildir file, not an IMAP UID"
            ))),
        })
        .collect()
}

fn is_seen(f: &Fetch) -> bool {
    f.flags()
        .any(|fl| matches!(fl, async_imap::types::Flag::Seen))
}

/// An open IMAP session on the watched mailbox.
#[derive(Debug)]
pub struct ImapSession {
    session: Option<Session<ImapIo>>,
    info: SessionInfo,
    settings: ImapSettings,
    broken: bool,
    /// Folders this session found or created, so later moves skip the LIST round trip (and
    /// a MOVE starts at once, overlapping olifant's handling of the next batch). A folder
    /// removed meanwhile makes the MOVE fail; the next session looks again.
    ensured: std::collections::HashSet<String>,
}

impl ImapSession {
    /// Move with COPY + STORE \Deleted + UID EXPUNGE (needs UIDPLUS) even when the server
    /// offers MOVE: for servers whose MOVE misbehaves, and to test that path.
    pub fn prefer_copy_expunge(&mut self) {
        self.info.move_supported = false;
    }

    fn sess(&mut self, what: &str) -> SourceResult<&mut Session<ImapIo>> {
        if self.broken {
            return Err(SourceError::Broken {
                what: what.into(),
                detail: "the session broke earlier; reconnect".into(),
            });
        }
        self.session.as_mut().ok_or_else(|| SourceError::Broken {
            what: what.into(),
            detail: "no session".into(),
        })
    }

    /// Turn a timed command's result into ours, marking the session broken when needed.
    fn finish<T>(
        &mut self,
        what: &str,
        r: Result<Result<T, async_imap::error::Error>, tokio::time::error::Elapsed>,
    ) -> SourceResult<T> {
        match r {
            Ok(Ok(v)) => Ok(v),
            Ok(Err(async_imap::error::Error::No(detail)))
            | Ok(Err(async_imap::error::Error::Bad(detail))) => Err(SourceError::Refused {
                what: what.into(),
                detail,
            }),
            Ok(Err(e)) => {
                self.broken = true;
                Err(SourceError::Broken {
                    what: what.into(),
                    detail: e.to_string(),
                })
            }
            Err(_) => {
                self.broken = true;
                Err(SourceError::Timeout {
                    what: what.into(),
                    timeout: self.settings.command_timeout,
                })
            }
        }
    }

    async fn uid_search(&mut self, query: &Query) -> SourceResult<Vec<u32>> {
        let text = query.to_imap()?;
        let t = self.settings.command_timeout;
        let s = self.sess("UID SEARCH")?;
        let r = tokio::time::timeout(t, s.uid_search(&text)).await;
        let set = self.finish("UID SEARCH", r)?;
        let min = query.min_uid().unwrap_or(0);
        let mut v: Vec<u32> = set.into_iter().filter(|u| *u >= min).collect();
        v.sort_unstable();
        Ok(v)
    }

    async fn uid_fetch(&mut self, uids: &[u32], items: &str) -> SourceResult<Vec<Fetch>> {
        let mut all = Vec::new();
        let t = self.settings.command_timeout;
        for chunk in uids.chunks(BATCH) {
            let set = uid_set(chunk);
            let s = self.sess("UID FETCH")?;
            let r = tokio::time::timeout(t, async {
                let stream = s.uid_fetch(&set, items).await?;
                stream.try_collect::<Vec<Fetch>>().await
            })
            .await;
            all.extend(self.finish("UID FETCH", r)?);
            if let Some(s) = self.session.as_mut() {
                drain(s);
            }
        }
        Ok(all)
    }

    async fn ensure_mailbox(&mut self, folder: &str) -> SourceResult<()> {
        if self.ensured.contains(folder) {
            return Ok(());
        }
        self.look_up_or_create(folder).await?;
        self.ensured.insert(folder.to_string());
        Ok(())
    }

    async fn look_up_or_create(&mut self, folder: &str) -> SourceResult<()> {
        let t = self.settings.command_timeout;
        let s = self.sess("LIST")?;
        let r = tokio::time::timeout(t, async {
            let stream = s.list(Some(""), Some(folder)).await?;
            stream.try_collect::<Vec<async_imap::types::Name>>().await
        })
        .await;
        let existing = self.finish("LIST", r)?;
        if existing.iter().any(|n| n.name() == folder) {
            return Ok(());
        }
        let s = self.sess("CREATE")?;
        let r = tokio::time::timeout(t, s.create(folder)).await;
        self.finish(&format!("CREATE {folder}"), r)
    }

    async fn do_move(&mut self, ids: &[MessageRef], folder: &str) -> SourceResult<()> {
        let uids = uids_of(ids)?;
        if uids.is_empty() {
            return Ok(());
        }
        if !self.info.move_supported && !self.info.uidplus {
            return Err(SourceError::Unsupported(
                "the server has neither MOVE nor UIDPLUS, so messages cannot be moved without risking others; move them by hand".into(),
            ));
        }
        self.ensure_mailbox(folder).await?;
        let t = self.settings.command_timeout;
        for chunk in uids.chunks(BATCH) {
            let set = uid_set(chunk);
            if self.info.move_supported {
                let s = self.sess("UID MOVE")?;
                let r = tokio::time::timeout(t, s.uid_mv(&set, folder)).await;
                self.finish("UID MOVE", r)?;
            } else {
                let s = self.sess("UID COPY")?;
                let r = tokio::time::timeout(t, s.uid_copy(&set, folder)).await;
                self.finish("UID COPY", r)?;
                let s = self.sess("UID STORE")?;
                let r = tokio::time::timeout(t, async {
                    let st = s.uid_store(&set, "+FLAGS.SILENT (\\Deleted)").await?;
                    st.try_collect::<Vec<Fetch>>().await
                })
                .await;
                self.finish("UID STORE", r)?;
                let s = self.sess("UID EXPUNGE")?;
                let r = tokio::time::timeout(t, async {
                    let st = s.uid_expunge(&set).await?;
                    st.try_collect::<Vec<u32>>().await
                })
                .await;
                self.finish("UID EXPUNGE", r)?;
            }
            if let Some(s) = self.session.as_mut() {
                drain(s);
            }
        }
        Ok(())
    }

    async fn do_wait(&mut self, max: Duration) -> SourceResult<WaitOutcome> {
        if self.broken {
            return Ok(WaitOutcome::Reconnect);
        }
        let t = self.settings.command_timeout;
        if !(self.settings.idle && self.info.idle) {
            let nap = max.min(self.settings.poll_interval);
            tokio::time::sleep(nap).await;
            let s = self.sess("NOOP")?;
            let r = tokio::time::timeout(t, s.noop()).await;
            self.finish("NOOP", r)?;
            let news = self.session.as_mut().map(drain).unwrap_or(false);
            return Ok(if news {
                WaitOutcome::NewMail
            } else {
                WaitOutcome::Timeout
            });
        }
        let Some(mut session) = self.session.take() else {
            return Ok(WaitOutcome::Reconnect);
        };
        // Messages that arrived since the last command are already announced.
        if drain(&mut session) {
            self.session = Some(session);
            return Ok(WaitOutcome::NewMail);
        }
        let mut handle = session.idle();
        match tokio::time::timeout(t, handle.init()).await {
            Ok(Ok(())) => {}
            _ => {
                self.broken = true;
                return Ok(WaitOutcome::Reconnect);
            }
        }
        let dur = max.min(MAX_IDLE);
        let outcome = {
            let (fut, _stop) = handle.wait_with_timeout(dur);
            // The inner timeout resets on keepalives; bound the whole wait as well.
            match tokio::time::timeout(dur + t, fut).await {
                Ok(Ok(IdleResponse::Timeout)) | Err(_) => WaitOutcome::Timeout,
                Ok(Ok(IdleResponse::NewData(data))) => match data.parsed() {
                    Response::Data {
                        status: Status::Bye,
                        ..
                    } => WaitOutcome::Reconnect,
                    Response::MailboxData(MailboxDatum::Exists(_))
                    | Response::MailboxData(MailboxDatum::Recent(_)) => WaitOutcome::NewMail,
                    _ => WaitOutcome::NewMail,
                },
                // EOF looks like an interrupt: the server went away.
                Ok(Ok(IdleResponse::ManualInterrupt)) | Ok(Err(_)) => WaitOutcome::Reconnect,
            }
        };
        if outcome == WaitOutcome::Reconnect {
            self.broken = true;
            return Ok(WaitOutcome::Reconnect);
        }
        match tokio::time::timeout(t, handle.done()).await {
            Ok(Ok(mut s)) => {
                drain(&mut s);
                self.session = Some(s);
                Ok(outcome)
            }
            _ => {
                self.broken = true;
                Ok(WaitOutcome::Reconnect)
            }
        }
    }
}

impl MailSession for ImapSession {
    fn info(&self) -> &SessionInfo {
        &self.info
    }

    fn is_broken(&self) -> bool {
        self.broken || self.session.is_none()
    }

    fn search<'a>(&'a mut self, query: &'a Query) -> BoxFuture<'a, SourceResult<Vec<MessageRef>>> {
        Box::pin(async move {
            Ok(self
                .uid_search(query)
                .await?
                .into_iter()
                .map(MessageRef::Uid)
                .collect())
        })
    }

    fn list<'a>(&'a mut self, query: &'a Query) -> BoxFuture<'a, SourceResult<Vec<Listed>>> {
        Box::pin(async move {
            let uids = self.uid_search(query).await?;
            if uids.is_empty() {
                return Ok(Vec::new());
            }
            let fetched = self.uid_fetch(&uids, "(UID RFC822.SIZE FLAGS)").await?;
            let mut out: Vec<Listed> = fetched
                .iter()
                .filter_map(|f| {
                    Some(Listed {
                        id: MessageRef::Uid(f.uid?),
                        size: u64::from(f.size?),
                        seen: is_seen(f),
                    })
                })
                .filter(|l| matches!(l.id, MessageRef::Uid(u) if uids.binary_search(&u).is_ok()))
                .collect();
            out.sort_by(|a, b| a.id.cmp(&b.id));
            out.dedup_by(|a, b| a.id == b.id);
            Ok(out)
        })
    }

    fn fetch<'a>(&'a mut self, ids: &'a [MessageRef]) -> BoxFuture<'a, SourceResult<Vec<Fetched>>> {
        Box::pin(async move {
            let uids = uids_of(ids)?;
            if uids.is_empty() {
                return Ok(Vec::new());
            }
            let fetched = self.uid_fetch(&uids, "(UID BODY.PEEK[])").await?;
            let mut out: Vec<Fetched> = fetched
                .iter()
                .filter_map(|f| {
                    Some(Fetched {
                        id: MessageRef::Uid(f.uid?),
                        raw: f.body()?.to_vec(),
                    })
                })
                .collect();
            out.sort_by(|a, b| a.id.cmp(&b.id));
            out.dedup_by(|a, b| a.id == b.id);
            Ok(out)
        })
    }

    fn move_to<'a>(
        &'a mut self,
        ids: &'a [MessageRef],
        folder: &'a str,
    ) -> BoxFuture<'a, SourceResult<()>> {
        Box::pin(self.do_move(ids, folder))
    }

    fn append_received<'a>(
        &'a mut self,
        folder: &'a str,
        raw: &'a [u8],
        received: Option<DateTime<Utc>>,
    ) -> BoxFuture<'a, SourceResult<()>> {
        Box::pin(async move {
            self.ensure_mailbox(folder).await?;
            let t = self.settings.command_timeout;
            // RFC 3501 date-time: a quoted "dd-Mon-yyyy hh:mm:ss +zzzz".
            let date = received.map(|d| d.format("\"%d-%b-%Y %H:%M:%S +0000\"").to_string());
            let s = self.sess("APPEND")?;
            let r = tokio::time::timeout(t, s.append(folder, None, date.as_deref(), raw)).await;
            self.finish("APPEND", r)
        })
    }

    fn wait(&mut self, max: Duration) -> BoxFuture<'_, SourceResult<WaitOutcome>> {
        Box::pin(self.do_wait(max))
    }

    fn logout(&mut self) -> BoxFuture<'_, SourceResult<()>> {
        Box::pin(async move {
            let t = self.settings.command_timeout;
            let Some(mut s) = self.session.take() else {
                return Ok(());
            };
            self.broken = true;
            let r = tokio::time::timeout(t, s.logout()).await;
            match r {
                Ok(Ok(())) => Ok(()),
                Ok(Err(e)) => Err(SourceError::Broken {
                    what: "LOGOUT".into(),
                    detail: e.to_string(),
                }),
                Err(_) => Err(SourceError::Timeout {
                    what: "LOGOUT".into(),
                    timeout: t,
                }),
            }
        })
    }
}

#[cfg(test)]
mod tests;
