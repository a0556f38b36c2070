//! Records only the store keeps (the shared ones live in [`crate::model`]).

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::model::{PromptId, SendState};

/// The identity of a stored reflection.
///
/// A reflection that answers a prompt is stored under that prompt's id, so a second reply
/// to the same prompt lands on the same record instead of a duplicate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReflectionId {
    /// The reflection answering this prompt.
    Prompt(PromptId),
    /// A reflection without a prompt (e.g. a `log` command); a store-unique number.
    Local(u64),
}

impl ReflectionId {
    pub(crate) fn to_key(self) -> [u8; 9] {
        let (tag, n) = match self {
            ReflectionId::Prompt(p) => (0u8, p.0),
            ReflectionId::Local(n) => (1u8, n),
        };
        let mut k = [0u8; 9];
        k[0] = tag;
        k[1..].copy_from_slice(&n.to_be_bytes());
        k
    }

    /// The inverse of [`ReflectionId::to_key`]; `None` for anything else.
    pub(crate) fn from_key(k: &[u8]) -> Option<ReflectionId> {
        let n = u64::from_be_bytes(k.get(1..9)?.try_into().ok()?);
        match (k.len(), k.first()) {
            (9, Some(0)) => Some(ReflectionId::Prompt(PromptId(n))),
            (9, Some(1)) => Some(ReflectionId::Local(n)),
            _ => None,
        }
    }
}

impl std::fmt::Display for ReflectionId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ReflectionId::Prompt(p) => write!(f, "p{}", p.0),
            ReflectionId::Local(n) => write!(f, "r{n}"),
        }
    }
}

/// What ingestion decided about a raw message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "outcome")]
pub enum RawOutcome {
    /// Stored as (part of) a reflection.
    Reflection {
        /// The prompt it answered, if any.
        prompt: Option<PromptId>,
    },
    /// An automatic reply, ignored.
    AutoReply,
    /// A bounce, recorded on its prompt.
    Bounce,
    /// A command from the owner (pause, log, …).
    Command,
    /// Not for olifant.
    Ignored {
        /// Why.
        reason: String,
    },
    /// Kept aside for the owner to look at.
    Quarantined {
        /// Why.
        reason: String,
    },
}

/// What is known about a raw message besides its bytes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RawMeta {
    /// Where it came from (`imap:INBOX:1234:17`, a Maildir file name).
    pub origin: String,
    /// When olifant read it.
    pub received_at: DateTime<Utc>,
    /// What was decided.
    pub outcome: RawOutcome,
}

/// How far an IMAP mailbox has been read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Checkpoint {
    /// The mailbox's UIDVALIDITY when `last_uid` was read.
    pub uid_validity: u32,
    /// The highest UID fully handled.
    pub last_uid: u32,
}

/// Kinds of outgoing mail other than prompts and reminders (those live in
/// [`crate::model::PromptRecord`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum OutgoingKind {
    /// A digest covering up to `period_end`.
    Digest {
        /// End of the covered period.
        period_end: DateTime<Utc>,
    },
    /// A receipt for a stored reply.
    Receipt,
    /// The answer to a command.
    CommandReply,
}

/// One outgoing message other than a prompt, with its send progress.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutgoingRecord {
    /// Message-ID (without angle brackets).
    pub id: String,
    /// What it is.
    pub kind: OutgoingKind,
    /// When it was made.
    pub created_at: DateTime<Utc>,
    /// How far its send got.
    pub send: SendState,
}

/// Small global state. New fields must be `Option` or have a default.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Meta {
    /// When olifant first ran against this store.
    pub first_start: Option<DateTime<Utc>>,
    /// All prompts paused until this day (inclusive).
    pub paused_until: Option<NaiveDate>,
    /// Last scheduled prompt run.
    pub last_prompt_run: Option<DateTime<Utc>>,
    /// Last digest run.
    pub last_digest_run: Option<DateTime<Utc>>,
    /// Last successful IMAP session.
    pub last_imap_ok: Option<DateTime<Utc>>,
    /// Last successful SMTP send.
    pub last_smtp_ok: Option<DateTime<Utc>>,
    /// Receipts and confirmations owed for ingested messages, not yet sent.
    pub owed: Vec<crate::model::OwedMail>,
}

/// What happened, for the digest's "what olifant did since the last digest".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    /// A prompt was sent.
    PromptSent,
    /// A reminder was sent.
    ReminderSent,
    /// A reply was stored.
    ReplyStored,
    /// An automatic reply was ignored.
    AutoReplyIgnored,
    /// A bounce was recorded.
    BounceRecorded,
    /// A message was quarantined.
    Quarantined,
    /// A digest was sent.
    DigestSent,
    /// A send failed.
    SendFailed,
    /// A command was handled.
    CommandHandled,
    /// A connection was re-established after a failure.
    Reconnected,
    /// Mail that was not for olifant was left alone.
    Ignored,
    /// Anything else worth telling the owner.
    Other,
}

/// One event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    /// When it happened.
    pub at: DateTime<Utc>,
    /// What happened.
    pub kind: EventKind,
    /// A short human description (no secrets).
    pub detail: String,
    /// How many happenings of `kind` this event stands for: the replies stored in one ingest
    /// batch are one event (one write instead of one per reply).
    #[serde(default = "one")]
    pub count: u32,
}

fn one() -> u32 {
    1
}

impl Event {
    /// One happening.
    pub fn new(at: DateTime<Utc>, kind: EventKind, detail: impl Into<String>) -> Event {
        Event {
            at,
            kind,
            detail: detail.into(),
            count: 1,
        }
    }
}
