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
mod tests {
    use super::*;
    use crate::model::{Answer, ClientKey, ParsedMessage, PromptId, SendState};
    use chrono::TimeZone;
    use std::collections::BTreeMap;

    const RULES: Rules = Rules {
        receipts: true,
        token_ttl_days: 60,
    };

    fn t(day: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, day, 9, 0, 0).unwrap()
    }

    fn answer(rating: u8) -> Answer {
        Answer {
            rating: Some(rating),
            comment: None,
        }
    }

    /// A genuine reply from the owner to prompt 7, written on the 2nd.
    fn reply(answers: &[(&str, u8)], notes: &str) -> Reading {
        Reading {
            parsed: ParsedMessage {
                kind: MessageKind::Reflection,
                prompt_token: Some("tok".into()),
                language: None,
                answers: answers
                    .iter()
                    .map(|(k, v)| (k.to_string(), answer(*v)))
                    .collect(),
                notes: notes.into(),
                problems: vec![],
            },
            message_id: Some("reply-1@owner".into()),
            dedup_id: "reply-1@owner".into(),
            prompt_id: Some(PromptId(7)),
            from: Some("owner@example.test".into()),
            date: Some(t(2)),
            genuine: Ok(()),
            sender_is_owner: true,
            bounce_of: None,
            bounce_reason: None,
            fresh_text: notes.into(),
            in_reply_to: None,
        }
    }

    fn prompt() -> PromptRecord {
        PromptRecord {
            id: PromptId(7),
            client: ClientKey::from_name("Acme"),
            client_name: "Acme".into(),
            lang: crate::model::Lang::En,
            occurrence: t(1),
            created_at: t(1),
            message_id: "olifant.tok@example.test".into(),
            subject: "How was Acme lately?".into(),
            send: SendState::Sent { at: t(1) },
            status: PromptStatus::Open,
            reminder: None,
        }
    }

    fn known_prompt() -> Known {
        Known {
            prompt: Some(prompt()),
            ..Known::default()
        }
    }

    fn kinds(p: &Plan) -> Vec<&'static str> {
        p.writes
            .iter()
            .map(|w| match w {
                Write::Raw {
                    keep_bytes: true, ..
                } => "raw",
                Write::Raw {
                    keep_bytes: false, ..
                } => "marker",
                Write::Reply { .. } => "reply",
                Write::Prompt(_) => "prompt",
                Write::Command(_) => "command",
                Write::Quarantine(_) => "quarantine",
                Write::Event(..) => "event",
            })
            .collect()
    }

    #[test]
    fn a_first_reply_is_stored_answers_its_prompt_and_owes_a_receipt() {
        let r = reply(&[("energy", 4)], "fine");
        let p = plan(b"", &r, known_prompt(), RULES, t(3));
        assert_eq!(kinds(&p), ["reply"]);
        let Write::Reply { reflection, prompt } = &p.writes[0] else {
            unreachable!()
        };
        assert_eq!(reflection.date, t(2), "dated when written, not when read");
        assert_eq!(reflection.answers["energy"].rating, Some(4));
        assert_eq!(prompt.status, PromptStatus::Answered { at: t(3) });
        assert_eq!(p.outcome.disposition, Disposition::Processed);
        assert_eq!(
            p.outcome.handled,
            Handled::Stored {
                client: "Acme".into(),
                merged: false
            }
        );
        assert!(matches!(
            p.outcome.followup,
            Some(Followup::Receipt {
                prompt: PromptId(7),
                ..
            })
        ));
        // Without receipts, the same reply owes nothing.
        let quiet = Rules {
            receipts: false,
            ..RULES
        };
        assert_eq!(
            plan(b"", &r, known_prompt(), quiet, t(3)).outcome.followup,
            None
        );
    }

    #[test]
    fn a_second_reply_merges_into_the_first_and_a_replayed_one_changes_nothing() {
        let first = Reflection {
            client: ClientKey::from_name("Acme"),
            prompt: Some(PromptId(7)),
            date: t(2),
            answers: BTreeMap::from([("energy".into(), answer(2)), ("payment".into(), answer(4))]),
            notes: "first".into(),
            sources: vec!["reply-0@owner".into()],
        };
        let mut answered = prompt();
        answered.status = PromptStatus::Answered { at: t(2) };
        let known = Known {
            prompt: Some(answered),
            reflection: Some(first.clone()),
            ..Known::default()
        };
        let p = plan(
            b"",
            &reply(&[("energy", 5)], "second"),
            known.clone(),
            RULES,
            t(3),
        );
        let Write::Reply { reflection, prompt } = &p.writes[0] else {
            unreachable!()
        };
        assert_eq!(reflection.answers["energy"].rating, Some(5));
        assert_eq!(reflection.answers["payment"].rating, Some(4));
        assert_eq!(reflection.notes, "first\n\nsecond");
        assert_eq!(
            prompt.status,
            PromptStatus::Answered { at: t(2) },
            "first answer kept"
        );
        assert!(matches!(
            p.outcome.handled,
            Handled::Stored { merged: true, .. }
        ));

        // The same reply again after a crash (its id already among the sources): kept as is.
        let mut replayed = first.clone();
        replayed.sources.push("reply-1@owner".into());
        let known = Known {
            reflection: Some(replayed.clone()),
            ..known
        };
        let p = plan(b"", &reply(&[("energy", 5)], "second"), known, RULES, t(3));
        let Write::Reply { reflection, .. } = &p.writes[0] else {
            unreachable!()
        };
        assert_eq!(reflection, &replayed);
    }

    #[test]
    fn the_token_age_counts_to_when_the_reply_was_written() {
        let mut r = reply(&[("energy", 4)], "");
        r.date = Some(t(1) + Duration::days(61));
        let p = plan(b"", &r, known_prompt(), RULES, t(1) + Duration::days(62));
        assert_eq!(
            kinds(&p),
            ["marker", "event"],
            "refused, and its bytes not kept"
        );
        assert_eq!(p.outcome.disposition, Disposition::Ignored);
        assert!(
            matches!(&p.outcome.handled, Handled::Ignored(r) if r.contains("token_ttl_days (60)"))
        );

        // Read late but written in time: stored.
        r.date = Some(t(1) + Duration::days(59));
        let p = plan(b"", &r, known_prompt(), RULES, t(1) + Duration::days(90));
        assert_eq!(kinds(&p), ["reply"]);
        // A Date in the future counts as now.
        r.date = Some(t(1) + Duration::days(400));
        let p = plan(b"", &r, known_prompt(), RULES, t(2));
        assert_eq!(kinds(&p), ["reply"]);
    }

    #[test]
    fn an_empty_reply_is_kept_and_answered_with_what_is_needed() {
        let p = plan(b"", &reply(&[], "  "), known_prompt(), RULES, t(3));
        assert_eq!(kinds(&p), ["raw", "event"]);
        assert_eq!(
            p.outcome.handled,
            Handled::Ignored("reply with nothing to record".into())
        );
        assert!(matches!(
            &p.outcome.followup,
            Some(Followup::Receipt { problems, .. }) if problems.len() == 1
        ));
    }

    #[test]
    fn a_reply_to_an_unknown_prompt_stays_on_the_server() {
        let p = plan(
            b"",
            &reply(&[("energy", 4)], ""),
            Known::default(),
            RULES,
            t(3),
        );
        assert_eq!(kinds(&p), ["raw", "event"]);
        assert_eq!(p.outcome.disposition, Disposition::Leave);
        assert_eq!(p.outcome.followup, None);
    }

    #[test]
    fn a_command_in_a_reply_without_answers_is_a_command_and_owes_a_confirmation() {
        let raw = b"Subject: Re: How was Acme lately?\r\n\r\npause 2w\r\n";
        let p = plan(raw, &reply(&[], "pause 2w"), known_prompt(), RULES, t(3));
        assert_eq!(kinds(&p), ["command", "raw", "event"]);
        assert!(matches!(
            p.outcome.handled,
            Handled::Command(Command::Pause { .. })
        ));
        assert!(matches!(
            &p.outcome.followup,
            Some(Followup::CommandReply { command_line, subject, .. })
                if command_line == "pause 2w" && subject == "Re: How was Acme lately?"
        ));
        // With answers, the same words are notes, not a command.
        let p = plan(
            raw,
            &reply(&[("energy", 4)], "pause 2w"),
            known_prompt(),
            RULES,
            t(3),
        );
        assert_eq!(kinds(&p), ["reply"]);
    }

    #[test]
    fn commands_need_the_owner_and_strangers_leave_only_a_marker() {
        let mut r = reply(&[], "let go Acme");
        r.parsed.kind = MessageKind::Other;
        r.prompt_id = None;
        assert_eq!(
            kinds(&plan(b"", &r, Known::default(), RULES, t(3))),
            ["command", "raw", "event"]
        );
        r.sender_is_owner = false;
        r.genuine = Err(Rejection::NotFromOwner("eve@example.test".into()));
        let p = plan(b"", &r, Known::default(), RULES, t(3));
        assert_eq!(kinds(&p), ["marker", "event"]);
        assert_eq!(p.outcome.disposition, Disposition::Ignored);
        assert!(
            matches!(&p.outcome.handled, Handled::Ignored(r) if r.starts_with("not a genuine reply"))
        );
        // olifant's own mail stays where the owner sees it.
        r.genuine = Err(Rejection::FromBot);
        assert_eq!(
            plan(b"", &r, Known::default(), RULES, t(3))
                .outcome
                .disposition,
            Disposition::Leave
        );
    }

    #[test]
    fn a_bounce_marks_its_prompt_and_one_without_a_prompt_is_still_recorded() {
        let mut r = reply(&[], "");
        r.parsed.kind = MessageKind::Bounce;
        r.prompt_id = None;
        r.bounce_of = Some(PromptId(7));
        r.bounce_reason = Some("552 mailbox full".into());
        let p = plan(b"", &r, known_prompt(), RULES, t(3));
        assert_eq!(kinds(&p), ["prompt", "event", "raw"]);
        let Write::Prompt(bounced) = &p.writes[0] else {
            unreachable!()
        };
        assert_eq!(
            bounced.status,
            PromptStatus::Bounced {
                at: t(3),
                reason: "552 mailbox full".into()
            }
        );
        let p = plan(b"", &r, Known::default(), RULES, t(3));
        assert_eq!(kinds(&p), ["event", "raw"]);
        assert_eq!(p.outcome.handled, Handled::Bounce);
    }

    #[test]
    fn an_auto_reply_is_recorded_and_changes_nothing_else() {
        let mut r = reply(&[("energy", 1)], "out of office");
        r.parsed.kind = MessageKind::AutoReply;
        let p = plan(b"", &r, known_prompt(), RULES, t(3));
        assert_eq!(kinds(&p), ["raw", "event"]);
        assert_eq!(p.outcome.handled, Handled::AutoReply);
    }

    #[test]
    fn a_duplicate_writes_nothing_and_hands_back_what_it_owed() {
        let r = reply(&[("energy", 4)], "");
        let seen = |o: RawOutcome| Known {
            seen: Some(o),
            ..known_prompt()
        };
        let p = plan(
            b"",
            &r,
            seen(RawOutcome::Reflection {
                prompt: Some(PromptId(7)),
            }),
            RULES,
            t(3),
        );
        assert!(p.writes.is_empty());
        assert_eq!(p.outcome.handled, Handled::Duplicate);
        assert_eq!(p.outcome.disposition, Disposition::Processed);
        assert!(matches!(p.outcome.followup, Some(Followup::Receipt { .. })));

        let quarantined = seen(RawOutcome::Quarantined { reason: "x".into() });
        let p = plan(b"", &r, quarantined, RULES, t(3));
        assert_eq!(
            (p.outcome.disposition, p.outcome.followup),
            (Disposition::Leave, None)
        );
        let ignored = seen(RawOutcome::Ignored { reason: "x".into() });
        assert_eq!(
            plan(b"", &r, ignored, RULES, t(3)).outcome.disposition,
            Disposition::Ignored
        );
    }

    #[test]
    fn unread_mail_is_left_on_the_server_once_and_quarantine_keeps_the_bytes() {
        let p = plan_unread(&Unread::Oversized, 99, false);
        assert_eq!(kinds(&p), ["marker", "event"]);
        assert_eq!(p.outcome.disposition, Disposition::Leave);
        let p = plan_unread(&Unread::Failed("boom".into()), 99, false);
        assert_eq!(kinds(&p), ["quarantine", "event"]);
        assert_eq!(p.outcome.handled, Handled::Quarantined("boom".into()));
        for u in [Unread::Oversized, Unread::Failed("boom".into())] {
            let p = plan_unread(&u, 99, true);
            assert!(p.writes.is_empty());
            assert_eq!(p.outcome.handled, Handled::Duplicate);
        }
    }

    #[test]
    fn a_second_reply_updates_key_by_key_and_appends_notes() {
        let mut r = Reflection {
            client: ClientKey::from_name("X"),
            prompt: Some(PromptId(1)),
            date: t(1),
            answers: BTreeMap::from([
                (
                    "energy".into(),
                    Answer {
                        rating: Some(2),
                        comment: None,
                    },
                ),
                (
                    "payment".into(),
                    Answer {
                        rating: Some(4),
                        comment: None,
                    },
                ),
            ]),
            notes: "first".into(),
            sources: vec!["a".into()],
        };
        let newer = ParsedMessage {
            kind: MessageKind::Reflection,
            prompt_token: None,
            language: None,
            answers: BTreeMap::from([(
                "energy".into(),
                Answer {
                    rating: Some(5),
                    comment: Some("better".into()),
                },
            )]),
            notes: "second".into(),
            problems: vec![],
        };
        merge_reflection(&mut r, &newer, "b");
        merge_reflection(&mut r, &newer, "b");
        assert_eq!(r.answers["energy"].rating, Some(5));
        assert_eq!(r.answers["payment"].rating, Some(4));
        assert_eq!(r.notes, "first\n\nsecond");
        assert_eq!(r.sources, vec!["a".to_string(), "b".to_string()]);
    }
}
