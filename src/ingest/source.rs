//! Where incoming mail comes from: one trait pair, [`MailSource`] (connects) and
//! [`MailSession`] (one open, selected mailbox), with an IMAP and a Maildir implementation.
//!
//! A session yields opaque [`MessageRef`]s (an IMAP UID, or a Maildir file name) with their
//! sizes, so a pipeline can skip oversized messages without downloading them, fetch the rest in
//! batches without marking them read, and move handled ones to another folder. Nothing is ever
//! deleted.

use std::time::Duration;

use chrono::{DateTime, NaiveDate, Utc};
use futures::future::BoxFuture;

/// A message inside a session's mailbox.
#[derive(
    Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub enum MessageRef {
    /// IMAP UID (valid together with [`SessionInfo::uid_validity`]).
    Uid(u32),
    /// Maildir base name (without the `:2,…` info suffix).
    File(String),
}

impl std::fmt::Display for MessageRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            MessageRef::Uid(u) => write!(f, "uid {u}"),
            MessageRef::File(n) => write!(f, "file {n}"),
        }
    }
}

/// A message found by [`MailSession::list`], before its body is downloaded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listed {
    /// Which message.
    pub id: MessageRef,
    /// Its size in bytes (IMAP RFC822.SIZE, or the file size).
    pub size: u64,
    /// Whether it carries the \Seen flag.
    pub seen: bool,
}

/// A downloaded message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fetched {
    /// Which message.
    pub id: MessageRef,
    /// Its complete raw bytes.
    pub raw: Vec<u8>,
}

/// What a session learned when it opened the mailbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionInfo {
    /// IMAP UIDVALIDITY: when it changes, all stored UIDs are meaningless. Maildir: always 1.
    pub uid_validity: u32,
    /// IMAP UIDNEXT (the UID the next message will get, if the server said).
    pub uid_next: Option<u32>,
    /// Number of messages in the mailbox when it was opened.
    pub exists: u32,
    /// The server supports IDLE (else [`MailSession::wait`] polls).
    pub idle: bool,
    /// The server supports MOVE (else COPY + STORE \Deleted + UID EXPUNGE of exactly those UIDs).
    pub move_supported: bool,
    /// The server supports UIDPLUS (UID EXPUNGE).
    pub uidplus: bool,
}

/// The outcome of [`MailSession::wait`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WaitOutcome {
    /// Something changed in the mailbox: list again.
    NewMail,
    /// Nothing was reported within the wait time (a cheap list is still fine).
    Timeout,
    /// The connection is gone or unusable (server BYE, EOF, error): reconnect.
    Reconnect,
}

/// Server-side search criteria, rendered to IMAP with correct quoting; the Maildir source
/// evaluates the same criteria locally.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Query {
    /// Every message.
    All,
    /// UID ≥ n (`UID n:*`; results below n are filtered out, since `n:*` always matches the
    /// highest UID). Maildir has no UIDs: matches everything.
    UidFrom(u32),
    /// `TO "…"` (substring, case-insensitive).
    To(String),
    /// `FROM "…"`.
    From(String),
    /// `SUBJECT "…"`.
    Subject(String),
    /// `HEADER name "…"`, e.g. `In-Reply-To`, `<id@host>`.
    Header(String, String),
    /// `SINCE d-Mon-yyyy` (internal date, or the file's modification date for Maildir).
    Since(NaiveDate),
    /// Messages without \Seen.
    Unseen,
    /// All of these.
    And(Vec<Query>),
    /// Either.
    Or(Box<Query>, Box<Query>),
    /// Not this.
    Not(Box<Query>),
}

/// A value that cannot go into an IMAP search.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("search text {0:?} cannot be sent to the server: only printable ASCII is allowed")]
pub struct QueryError(pub String);

fn quote(s: &str) -> Result<String, QueryError> {
    if !s.bytes().all(|b| (0x20..0x7f).contains(&b)) {
        return Err(QueryError(s.to_string()));
    }
    Ok(format!(
        "\"{}\"",
        s.replace('\\', "\\\\").replace('"', "\\\"")
    ))
}

fn atom(s: &str) -> Result<String, QueryError> {
    if s.is_empty()
        || !s
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        return Err(QueryError(s.to_string()));
    }
    Ok(s.to_string())
}

impl Query {
    /// Any of `queries` (nested ORs); `None` matches nothing → use `All` yourself if wanted.
    pub fn any(queries: Vec<Query>) -> Option<Query> {
        let mut it = queries.into_iter().rev();
        let last = it.next()?;
        Some(it.fold(last, |acc, q| Query::Or(Box::new(q), Box::new(acc))))
    }

    /// Render as an IMAP SEARCH key.
    pub fn to_imap(&self) -> Result<String, QueryError> {
        Ok(match self {
            Query::All => "ALL".into(),
            Query::UidFrom(n) => format!("UID {}:*", (*n).max(1)),
            Query::To(s) => format!("TO {}", quote(s)?),
            Query::From(s) => format!("FROM {}", quote(s)?),
            Query::Subject(s) => format!("SUBJECT {}", quote(s)?),
            Query::Header(h, s) => format!("HEADER {} {}", atom(h)?, quote(s)?),
            Query::Since(d) => format!("SINCE {}", d.format("%-d-%b-%Y")),
            Query::Unseen => "UNSEEN".into(),
            Query::And(qs) if qs.is_empty() => "ALL".into(),
            Query::And(qs) => format!(
                "({})",
                qs.iter()
                    .map(Query::to_imap)
                    .collect::<Result<Vec<_>, _>>()?
                    .join(" ")
            ),
            Query::Or(a, b) => format!("OR {} {}", a.to_imap()?, b.to_imap()?),
            Query::Not(q) => format!("NOT {}", q.to_imap()?),
        })
    }

    /// The lowest UID this query can match, when it requires one (top level or inside `And`).
    pub fn min_uid(&self) -> Option<u32> {
        match self {
            Query::UidFrom(n) => Some(*n),
            Query::And(qs) => qs.iter().filter_map(Query::min_uid).max(),
            _ => None,
        }
    }
}

/// Why a mail source failed, and what to do.
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    /// Could not reach the server (refused, DNS, network): retry later.
    #[error("cannot reach {what}: {detail}; check host, port and firewall, olifant will retry")]
    Connect {
        /// host:port
        what: String,
        /// The underlying error.
        detail: String,
    },
    /// TLS setup or handshake failed.
    #[error("secure connection failed: {0}; check the host name, the security mode (tls/starttls) and ca_file")]
    Tls(String),
    /// The server refused the login; its text is kept (never the password).
    #[error("login refused by the server: {0}; check the username and password (many providers need an app password)")]
    Auth(String),
    /// The mailbox does not exist or cannot be selected.
    #[error("cannot open mailbox {name:?}: {detail}; existing mailboxes: {existing:?}")]
    Mailbox {
        /// The mailbox asked for.
        name: String,
        /// The server's text.
        detail: String,
        /// Mailboxes that do exist (when they could be listed).
        existing: Vec<String>,
    },
    /// A command did not finish in time; the session is broken, reconnect.
    #[error("the server did not answer {what} within {timeout:?}; reconnecting")]
    Timeout {
        /// The command.
        what: String,
        /// The bound that fired.
        timeout: Duration,
    },
    /// The server answered NO/BAD to a command; the session is still usable.
    #[error("the server refused {what}: {detail}")]
    Refused {
        /// The command.
        what: String,
        /// The server's text.
        detail: String,
    },
    /// The connection broke or the protocol went wrong; the session is broken, reconnect.
    #[error("connection problem during {what}: {detail}; reconnecting")]
    Broken {
        /// The command.
        what: String,
        /// What went wrong.
        detail: String,
    },
    /// The server lacks something required.
    #[error("the server cannot do this: {0}")]
    Unsupported(String),
    /// Invalid search criteria.
    #[error(transparent)]
    Query(#[from] QueryError),
    /// Settings that cannot work.
    #[error("the mail source settings are not usable: {0}")]
    Config(String),
    /// Local file system error (Maildir).
    #[error(
        "cannot access {path}: {detail}; check the directory exists and is readable and writable"
    )]
    Io {
        /// The path involved.
        path: String,
        /// The OS error.
        detail: String,
    },
}

impl SourceError {
    /// True when reconnecting or retrying later may help.
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            SourceError::Connect { .. } | SourceError::Timeout { .. } | SourceError::Broken { .. }
        )
    }
}

/// Shorthand for results of this module.
pub type SourceResult<T> = Result<T, SourceError>;

/// One capability: open sessions on a mailbox.
pub trait MailSource: Send + Sync {
    /// Connect, log in and select the watched mailbox.
    fn connect(&self) -> BoxFuture<'_, SourceResult<Box<dyn MailSession>>>;
    /// One line saying where mail is read from (no secrets).
    fn describe(&self) -> String;
}

/// An open session on the watched mailbox. After an error for which
/// [`SourceError::is_transient`] is true, [`MailSession::is_broken`] is true and the session
/// must be dropped (reconnect).
pub trait MailSession: Send {
    /// What the session learned when it opened the mailbox.
    fn info(&self) -> &SessionInfo;
    /// True once a timeout or protocol error happened: do not reuse.
    fn is_broken(&self) -> bool;
    /// Message refs matching `query`, ascending.
    fn search<'a>(&'a mut self, query: &'a Query) -> BoxFuture<'a, SourceResult<Vec<MessageRef>>>;
    /// Like [`MailSession::search`] but with each message's size and \Seen flag (no bodies).
    fn list<'a>(&'a mut self, query: &'a Query) -> BoxFuture<'a, SourceResult<Vec<Listed>>>;
    /// Download these messages without setting \Seen. Refs that no longer exist are absent.
    fn fetch<'a>(&'a mut self, ids: &'a [MessageRef]) -> BoxFuture<'a, SourceResult<Vec<Fetched>>>;
    /// Move these messages to `folder` (created when missing). Never deletes anything else.
    fn move_to<'a>(
        &'a mut self,
        ids: &'a [MessageRef],
        folder: &'a str,
    ) -> BoxFuture<'a, SourceResult<()>>;
    /// Add a message to `folder` ("INBOX" for the watched mailbox of a Maildir), received now.
    fn append<'a>(&'a mut self, folder: &'a str, raw: &'a [u8]) -> BoxFuture<'a, SourceResult<()>> {
        self.append_received(folder, raw, None)
    }
    /// Add a message to `folder` as received at `received` (the IMAP INTERNALDATE, a Maildir
    /// file's modification time), or now when `None`.
    fn append_received<'a>(
        &'a mut self,
        folder: &'a str,
        raw: &'a [u8],
        received: Option<DateTime<Utc>>,
    ) -> BoxFuture<'a, SourceResult<()>>;
    /// Wait up to `max` (IDLE is re-issued under 29 minutes; without IDLE: poll).
    fn wait(&mut self, max: Duration) -> BoxFuture<'_, SourceResult<WaitOutcome>>;
    /// Log out politely (errors ignored by most callers).
    fn logout(&mut self) -> BoxFuture<'_, SourceResult<()>>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_render_with_quoting() {
        let q = Query::And(vec![
            Query::UidFrom(42),
            Query::any(vec![
                Query::To("olifant+".into()),
                Query::Header("In-Reply-To".into(), "<a\"b\\c@x>".into()),
                Query::Since(NaiveDate::from_ymd_opt(2026, 3, 2).unwrap()),
            ])
            .unwrap(),
        ]);
        assert_eq!(
            q.to_imap().unwrap(),
            r#"(UID 42:* OR TO "olifant+" OR HEADER In-Reply-To "<a\"b\\c@x>" SINCE 2-Mar-2026)"#
        );
        assert_eq!(q.min_uid(), Some(42));
        assert_eq!(
            Query::Not(Box::new(Query::Unseen)).to_imap().unwrap(),
            "NOT UNSEEN"
        );
    }

    #[test]
    fn search_text_with_crlf_or_non_ascii_is_refused_not_sent() {
        assert!(Query::To("a\r\nb".into()).to_imap().is_err());
        assert!(Query::Subject("café".into()).to_imap().is_err());
        assert!(Query::Header("X Y".into(), "v".into()).to_imap().is_err());
    }

    #[test]
    fn any_of_nothing_is_none_and_of_one_is_itself() {
        assert_eq!(Query::any(vec![]), None);
        assert_eq!(Query::any(vec![Query::Unseen]), Some(Query::Unseen));
    }
}
