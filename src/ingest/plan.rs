//! What one message means: decided here, written by `ingest::pipeline::apply`.
//!
//! [`plan`] is pure. It takes the parser's [`Reading`], what the store already knows about
//! that message ([`Known`], looked up beforehand) and the owner's [`Rules`], and returns a
//! [`Plan`]: the writes to make, in order, and the named [`Outcome`] (where the message goes
//! on the server, what happened, what to send once the batch is flushed). Every business
//! rule of ingest lives here: duplicates and the receipts they still owe, the token's age
//! limit, merging a second reply into the first, empty replies, bounces, auto-replies and
//! commands. They are tested without sled or a mail server.

use chrono::{DateTime, Duration, Utc};

use crate::model::{MessageKind, PromptRecord, PromptStatus, Reflection};
use crate::parse::command::{parse_command, Command};
use crate::parse::{Reading, Rejection};
use crate::store::{EventKind, RawOutcome};

/// Where a handled message goes on the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Disposition {
    /// To the processed folder.
    Processed,
    /// To the ignored folder when configured, else left where it is.
    Ignored,
    /// Left where it is (quarantine, too large).
    Leave,
}

/// What happened to one message.
#[derive(Debug, Clone, PartialEq)]
pub enum Handled {
    /// A reflection was stored or updated.
    Stored {
        /// Client name.
        client: String,
        /// Whether it merged into an earlier reply to the same prompt.
        merged: bool,
    },
    /// An automatic reply, recorded and otherwise ignored.
    AutoReply,
    /// A bounce, recorded on its prompt when it could be matched.
    Bounce,
    /// A command from the owner, carried out.
    Command(Command),
    /// Not for olifant (or not genuine): the reason.
    Ignored(String),
    /// Handled before (same Message-ID or raw hash).
    Duplicate,
    /// Kept aside: the reason.
    Quarantined(String),
}

/// Something to send once the batch is flushed and moved (kept in the store until sent).
pub use crate::model::OwedMail as Followup;

/// The named result of handling one message.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    /// Where it goes on the server.
    pub disposition: Disposition,
    /// What happened.
    pub handled: Handled,
    /// The receipt or confirmation it owes, sent after the flush.
    pub followup: Option<Followup>,
}

impl Outcome {
    fn new(disposition: Disposition, handled: Handled, followup: Option<Followup>) -> Self {
        Outcome {
            disposition,
            handled,
            followup,
        }
    }
}

/// One write a plan asks for. `ingest::pipeline::apply` makes them in order, unflushed.
#[derive(Debug, Clone, PartialEq)]
pub enum Write {
    /// The raw message's record under its dedup id: the bytes too, or only a marker (mail
    /// that is not olifant's is never kept).
    Raw {
        /// What it was.
        outcome: RawOutcome,
        /// Keep the bytes (for `reparse`/`reingest`), or an empty marker.
        keep_bytes: bool,
    },
    /// A reply: the reflection (new or merged), the prompt's new status, and the raw record,
    /// in the store's crash-safe order.
    Reply {
        /// The reflection to write.
        reflection: Reflection,
        /// The prompt it answers, with its status.
        prompt: PromptRecord,
    },
    /// A prompt's new status (a bounce).
    Prompt(PromptRecord),
    /// Carry out an email command's effect.
    Command(Command),
    /// Keep the message aside for the owner to look at.
    Quarantine(String),
    /// An entry in the event log.
    Event(EventKind, String),
}

/// The writes to make and the outcome to report.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    /// In order.
    pub writes: Vec<Write>,
    /// What it comes to.
    pub outcome: Outcome,
}

/// What the store knows about a reading, looked up before [`plan`] decides.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Known {
    /// How the message was handled before, when it was (a reply whose writes a crash cut
    /// short counts as not handled).
    pub seen: Option<RawOutcome>,
    /// The prompt the reading names: the reply's token, else the bounce's prompt.
    pub prompt: Option<PromptRecord>,
    /// The reflection already stored for that prompt.
    pub reflection: Option<Reflection>,
}

/// The owner's settings that the rules read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rules {
    /// Send a receipt for each stored reply (`[ingest] receipts`).
    pub receipts: bool,
    /// A reply written later than this after its prompt is refused (`[schedule] token_ttl_days`).
    pub token_ttl_days: u32,
}

/// Decides what one read message means. `raw` is only read (for the command's subject).
pub fn plan(raw: &[u8], reading: &Reading, known: Known, rules: Rules, now: DateTime<Utc>) -> Plan {
    if let Some(outcome) = &known.seen {
        return duplicate(raw, reading, outcome, rules);
    }
    match reading.parsed.kind {
        MessageKind::Reflection => reflection(raw, reading, known, rules, now),
        MessageKind::AutoReply => Plan {
            writes: vec![
                Write::Raw {
                    outcome: RawOutcome::AutoReply,
                    keep_bytes: true,
                },
                Write::Event(
                    EventKind::AutoReplyIgnored,
                    reading.from.as_deref().unwrap_or("?").to_string(),
                ),
            ],
            outcome: Outcome::new(Disposition::Processed, Handled::AutoReply, None),
        },
        MessageKind::Bounce => bounce(reading, known, now),
        MessageKind::Other => other(raw, reading),
    }
}

/// A message handled before: only moved again, with the receipt or confirmation it owed
/// (the sender skips one already sent: its Message-ID is stable per reply).
fn duplicate(raw: &[u8], reading: &Reading, seen: &RawOutcome, rules: Rules) -> Plan {
    let disposition = match seen {
        RawOutcome::Quarantined { .. } => Disposition::Leave,
        // olifant's own mail stays where the owner sees it, as on the first pass.
        RawOutcome::Ignored { .. } if is_from_bot(reading) => Disposition::Leave,
        RawOutcome::Ignored { .. } => Disposition::Ignored,
        _ => Disposition::Processed,
    };
    let followup = match seen {
        RawOutcome::Reflection { prompt: Some(id) } if rules.receipts => {
            Some(receipt(*id, reading, reading.parsed.problems.clone()))
        }
        RawOutcome::Command => {
            parse_command(&reading.fresh_text).map(|_| command_reply(raw, reading))
        }
        _ => None,
    };
    Plan {
        writes: Vec::new(),
        outcome: Outcome::new(disposition, Handled::Duplicate, followup),
    }
}

fn is_from_bot(reading: &Reading) -> bool {
    matches!(reading.genuine, Err(Rejection::FromBot))
}

fn receipt(prompt: crate::model::PromptId, reading: &Reading, problems: Vec<String>) -> Followup {
    Followup::Receipt {
        prompt,
        reply_message_id: reading.message_id.clone().unwrap_or_default(),
        problems,
    }
}

fn command_reply(raw: &[u8], reading: &Reading) -> Followup {
    Followup::CommandReply {
        command_line: command_line(&reading.fresh_text),
        reply_to_message_id: reading.message_id.clone(),
        subject: subject_of(raw),
    }
}

/// An email command: its effect, the raw record and an event; the confirmation follows the
/// flush. An effect that fails (unknown client) is reported in the confirmation.
fn command(raw: &[u8], reading: &Reading, command: Command) -> Plan {
    Plan {
        writes: vec![
            Write::Command(command.clone()),
            Write::Raw {
                outcome: RawOutcome::Command,
                keep_bytes: true,
            },
            Write::Event(EventKind::CommandHandled, format!("{command:?}")),
        ],
        outcome: Outcome::new(
            Disposition::Processed,
            Handled::Command(command),
            Some(command_reply(raw, reading)),
        ),
    }
}

/// Recorded as ignored (with the bytes or as a marker), with an event.
fn ignored(reason: String, keep_bytes: bool, disposition: Disposition) -> Plan {
    Plan {
        writes: vec![
            Write::Raw {
                outcome: RawOutcome::Ignored {
                    reason: reason.clone(),
                },
                keep_bytes,
            },
            Write::Event(EventKind::Ignored, reason.clone()),
        ],
        outcome: Outcome::new(disposition, Handled::Ignored(reason), None),
    }
}

fn reflection(
    raw: &[u8],
    reading: &Reading,
    known: Known,
    rules: Rules,
    now: DateTime<Utc>,
) -> Plan {
    let parsed = &reading.parsed;
    // A reply that carries no answers but starts with a command is a command.
    if parsed.answers.is_empty() {
        if let Some(cmd) =
            parse_command(&reading.fresh_text).filter(|c| !matches!(c, Command::Unknown(_)))
        {
            return command(raw, reading, cmd);
        }
    }
    let Some(mut prompt) = known.prompt else {
        let reason = "reply to a prompt this data directory does not know (run `olifant reingest` after restoring)";
        return ignored(reason.into(), true, Disposition::Leave);
    };
    // Measured to when the reply was written, so `olifant reingest` can rebuild old history.
    let written = reading.date.unwrap_or(now).min(now);
    if written - prompt.created_at > Duration::days(i64::from(rules.token_ttl_days)) {
        let reason = format!(
            "reply to a prompt older than token_ttl_days ({}); not stored",
            rules.token_ttl_days
        );
        return ignored(reason, false, Disposition::Ignored);
    }
    if parsed.answers.is_empty() && parsed.notes.trim().is_empty() {
        let mut p = ignored(
            "reply with nothing to record".into(),
            true,
            Disposition::Processed,
        );
        p.outcome.followup = rules.receipts.then(|| {
            let problem = "nothing in this reply could be read as an answer";
            receipt(prompt.id, reading, vec![problem.into()])
        });
        return p;
    }
    let merged = known.reflection.is_some();
    let reflection = match known.reflection {
        // Already in there (handled again after a crash): merging again could undo a
        // newer reply's answers.
        Some(r) if r.sources.contains(&reading.dedup_id) => r,
        Some(mut r) => {
            merge_reflection(&mut r, parsed, &reading.dedup_id);
            r
        }
        None => Reflection {
            client: prompt.client.clone(),
            prompt: Some(prompt.id),
            date: written,
            answers: parsed.answers.clone(),
            notes: parsed.notes.trim().to_string(),
            sources: vec![reading.dedup_id.clone()],
        },
    };
    if matches!(
        prompt.status,
        PromptStatus::Open | PromptStatus::Expired { .. }
    ) {
        prompt.status = PromptStatus::Answered { at: now };
    }
    let followup = rules
        .receipts
        .then(|| receipt(prompt.id, reading, parsed.problems.clone()));
    let handled = Handled::Stored {
        client: prompt.client_name.clone(),
        merged,
    };
    Plan {
        writes: vec![Write::Reply { reflection, prompt }],
        outcome: Outcome::new(Disposition::Processed, handled, followup),
    }
}

fn bounce(reading: &Reading, known: Known, now: DateTime<Utc>) -> Plan {
    let mut writes = Vec::new();
    match known.prompt {
        Some(mut p) => {
            p.status = PromptStatus::Bounced {
                at: now,
                reason: reading
                    .bounce_reason
                    .clone()
                    .unwrap_or_else(|| "bounced".into()),
            };
            let detail = format!("prompt about {} bounced", p.client_name);
            writes.push(Write::Prompt(p));
            writes.push(Write::Event(EventKind::BounceRecorded, detail));
        }
        None => writes.push(Write::Event(
            EventKind::BounceRecorded,
            "a bounce that matches no prompt".into(),
        )),
    }
    writes.push(Write::Raw {
        outcome: RawOutcome::Bounce,
        keep_bytes: true,
    });
    Plan {
        writes,
        outcome: Outcome::new(Disposition::Processed, Handled::Bounce, None),
    }
}

fn other(raw: &[u8], reading: &Reading) -> Plan {
    if reading.sender_is_owner {
        if let Some(cmd) = parse_command(&reading.fresh_text) {
            return command(raw, reading, cmd);
        }
    }
    let reason = match &reading.genuine {
        Err(r) => format!("not a genuine reply: {r}"),
        Ok(()) => reading
            .parsed
            .problems
            .first()
            .cloned()
            .unwrap_or_else(|| "not a reply to a prompt".into()),
    };
    // olifant's own mail (receipts, reminders in a shared mailbox) stays where the owner can
    // see it, even when an ignored folder is configured. Only a marker is kept (for
    // deduplication): never the bytes of mail that is not olifant's.
    let disposition = if is_from_bot(reading) {
        Disposition::Leave
    } else {
        Disposition::Ignored
    };
    ignored(reason, false, disposition)
}

/// A message the parser did not read: too large, or the parser failed. `seen` tells whether
/// it was recorded before (by its raw hash).
pub fn plan_unread(unread: &Unread, raw_len: usize, seen: bool) -> Plan {
    if seen {
        return Plan {
            writes: Vec::new(),
            outcome: Outcome::new(Disposition::Leave, Handled::Duplicate, None),
        };
    }
    match unread {
        Unread::Oversized => {
            let reason = format!(
                "message of {raw_len} bytes is larger than olifant reads ({} bytes); left where it is",
                crate::parse::MAX_RAW
            );
            ignored(reason, false, Disposition::Leave)
        }
        Unread::Failed(reason) => Plan {
            writes: vec![
                Write::Quarantine(reason.clone()),
                Write::Event(EventKind::Quarantined, reason.clone()),
            ],
            outcome: Outcome::new(
                Disposition::Leave,
                Handled::Quarantined(reason.clone()),
                None,
            ),
        },
    }
}

/// Why a message was not read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unread {
    /// Larger than the parser reads ([`crate::parse::MAX_RAW`]).
    Oversized,
    /// The parser failed or panicked: why (the message goes to quarantine).
    Failed(String),
}

/// A second reply to the same prompt updates the answers key by key (newest wins) and
/// appends its notes; it never creates a second reflection.
pub fn merge_reflection(r: &mut Reflection, newer: &crate::model::ParsedMessage, source: &str) {
    for (k, a) in &newer.answers {
        if a.rating.is_some() || a.comment.is_some() {
            r.answers.insert(k.clone(), a.clone());
        }
    }
    let notes = newer.notes.trim();
    if !notes.is_empty() && !r.notes.contains(notes) {
        if !r.notes.is_empty() {
            r.notes.push_str("\n\n");
        }
        r.notes.push_str(notes);
    }
    if !r.sources.iter().any(|s| s == source) {
        r.sources.push(source.to_string());
    }
}

/// The first non-empty line of the owner's text: the command as written.
pub fn command_line(text: &str) -> String {
    text.lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or_default()
        .chars()
        .take(500)
        .collect()
}

/// The Subject of a raw message (for the confirmation's "Re:"), else "olifant".
pub fn subject_of(raw: &[u8]) -> String {
    mail_parser::MessageParser::default()
        .parse_headers(raw)
        .and_then(|m| m.subject().map(str::to_string))
        .unwrap_or_else(|| "olifant".into())
}

#[cfg(test)]
mod tests;
