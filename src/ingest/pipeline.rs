//! One ingest pass: list what is new, handle each message in isolation, flush, move, then
//! advance the checkpoint.
//!
//! The order is what makes a crash at any point harmless:
//!
//! 1. list new messages (UID after the checkpoint, narrowed server-side to mail for olifant)
//!    with their sizes; oversized ones are recorded and left on the server;
//! 2. fetch a batch with `BODY.PEEK[]` (nothing is marked \Seen);
//! 3. handle each message in order: read it (parser wrapped in `catch_unwind`; a failure
//!    quarantines that message only), look up what the store knows about it, decide what it
//!    means ([`super::plan`], pure), then make the plan's writes (unflushed). In a larger batch
//!    the messages are read on a second thread a little ahead of the one that records them;
//! 4. flush the store;
//! 5. move the batch: replies, auto-replies, bounces and commands to the processed folder,
//!    other mail to the ignored folder when one is configured (else it stays put);
//! 6. advance the checkpoint (flushed with the next batch or at the end of the pass);
//! 7. send the receipts and command confirmations the batch produced (exactly once each).
//!
//! Steps 5–6 of one batch run while step 3 of the next one does: the MOVE is sent, and
//! olifant parses and stores the next batch while the server works (moving costs the server
//! more than fetching). A crash before 4 redoes the batch; between 4 and 6 the batch is
//! fetched again and every message is recognised by its Message-ID (or raw hash) as already
//! handled, and only moved.

use std::panic::{catch_unwind, AssertUnwindSafe};

use chrono::{DateTime, Duration, NaiveDate, Utc};

use super::plan::{self, plan_unread, Known, Plan, Rules, Unread, Write};
use crate::app::{App, AppError};
use crate::ingest::source::{Fetched, Listed, MailSession, MailSource, MessageRef, Query};
use crate::model::{MessageKind, PromptStatus, QuarantineEntry};
use crate::parse::{read_message, ParseContext, Reading};
use crate::store::{Checkpoint, Event, EventKind, RawMeta, RawOutcome};

/// At most this many messages are fetched and handled per batch (one flush per batch).
pub const BATCH: usize = 1000;
/// At most this many bytes (by the server's sizes) are fetched per batch.
pub const BATCH_BYTES: u64 = 32 * 1024 * 1024;
/// A batch of at least this many messages is read on a second thread while the store writes
/// (below it, starting the thread costs more than it saves).
const READ_AHEAD_MIN: usize = 8;
/// How many messages the reader thread may be ahead of the writer.
const READ_AHEAD: usize = 32;

/// What reading one message gave, before anything is recorded.
enum Read {
    /// Read.
    Done(Box<Reading>),
    /// Not read: too large, or the parser failed (the message goes to quarantine).
    Unread(Unread),
}

/// Reads one message; a parser error or panic becomes [`Unread::Failed`], never an unwind.
fn read_guarded(raw: &[u8], ctx: &ParseContext<'_>) -> Read {
    if raw.len() > crate::parse::MAX_RAW {
        return Read::Unread(Unread::Oversized);
    }
    match catch_unwind(AssertUnwindSafe(|| read_message(raw, ctx))) {
        Ok(Ok(r)) => Read::Done(Box::new(r)),
        Ok(Err(e)) => Read::Unread(Unread::Failed(e.to_string())),
        Err(panic) => {
            let what = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".into());
            Read::Unread(Unread::Failed(format!("the parser panicked: {what}")))
        }
    }
}

pub use super::plan::{command_line, merge_reflection, Disposition, Followup, Handled, Outcome};

/// What one pass did, in numbers.
#[derive(Debug, Default, Clone, PartialEq, Eq, serde::Serialize)]
pub struct IngestReport {
    /// Messages downloaded.
    pub fetched: usize,
    /// New reflections stored.
    pub stored: usize,
    /// Replies merged into an earlier reflection.
    pub merged: usize,
    /// Automatic replies ignored.
    pub auto_replies: usize,
    /// Bounces recorded.
    pub bounces: usize,
    /// Commands carried out.
    pub commands: usize,
    /// Messages that were not for olifant or not genuine.
    pub ignored: usize,
    /// Already handled before.
    pub duplicates: usize,
    /// Quarantined (parse failure or panic).
    pub quarantined: usize,
    /// Skipped because larger than the limit (left on the server).
    pub too_large: usize,
    /// Messages moved on the server.
    pub moved: usize,
}

/// What handling one batch produced, before it is flushed and moved.
#[derive(Default)]
struct HandledBatch {
    report: IngestReport,
    processed: Vec<MessageRef>,
    ignored: Vec<MessageRef>,
    followups: Vec<Followup>,
    /// Client names of the replies stored (one event per batch).
    stored: Vec<String>,
}

/// A batch that is flushed but still in the watched mailbox.
struct Unmoved {
    processed: Vec<MessageRef>,
    ignored: Vec<MessageRef>,
    /// The checkpoint once it is moved.
    last_uid: u32,
}

/// The raw-entry metadata of a message from `origin` handled at `now`, given its outcome.
fn raw_meta(origin: &str, now: DateTime<Utc>) -> impl Fn(RawOutcome) -> RawMeta + '_ {
    move |outcome| RawMeta {
        origin: origin.to_string(),
        received_at: now,
        outcome,
    }
}

impl IngestReport {
    fn add(&mut self, o: &IngestReport) {
        self.fetched += o.fetched;
        self.stored += o.stored;
        self.merged += o.merged;
        self.auto_replies += o.auto_replies;
        self.bounces += o.bounces;
        self.commands += o.commands;
        self.ignored += o.ignored;
        self.duplicates += o.duplicates;
        self.quarantined += o.quarantined;
        self.too_large += o.too_large;
        self.moved += o.moved;
    }
}

/// Where a pass reads and moves mail.
#[derive(Debug, Clone)]
pub struct Folders {
    /// The watched mailbox (checkpoint key).
    pub mailbox: String,
    /// Where handled mail goes.
    pub processed: String,
    /// Where other mail goes (`None`: left in place).
    pub ignored: Option<String>,
    /// Larger messages are not downloaded.
    pub max_message_size: u64,
    /// At most this many messages per batch (at most [`BATCH`]).
    pub batch: usize,
}

/// The server-side narrowing: only mail that can concern olifant is ever listed.
pub fn narrowing_query(app: &App) -> Query {
    let bot = &app.config.bot.address;
    let local = bot.split('@').next().unwrap_or(bot);
    let plus = format!("{local}{}", app.config.bot.plus_separator);
    Query::any(vec![
        Query::To(plus.clone()),
        Query::Header("Cc".into(), plus),
        Query::To(bot.clone()),
        Query::Header("In-Reply-To".into(), "olifant.".into()),
        Query::Header("References".into(), "olifant.".into()),
    ])
    .unwrap_or(Query::All)
}

/// The date from which mail is considered on a first start or after UIDVALIDITY changed:
/// the oldest open prompt, else the first start — never the years already there.
fn horizon(app: &App, now: DateTime<Utc>) -> Result<NaiveDate, AppError> {
    let mut from = app.store.meta()?.first_start.unwrap_or(now);
    for p in app.store.prompts()? {
        if p.status == PromptStatus::Open && p.created_at < from {
            from = p.created_at;
        }
    }
    // IMAP SINCE has day granularity (server time zone): step one day back.
    Ok((from - Duration::days(1)).date_naive())
}

/// Runs one ingest pass over an open session.
pub async fn ingest_pass(
    app: &App,
    session: &mut dyn MailSession,
    folders: &Folders,
    clock: &crate::clock::Clock,
) -> Result<IngestReport, AppError> {
    let mut report = IngestReport::default();
    // Mail owed from before a crash goes out first.
    send_owed(app, clock).await;
    let info = session.info().clone();
    let checkpoint = app.store.checkpoint(&folders.mailbox)?;
    let narrowing = narrowing_query(app);
    let query = match checkpoint {
        Some(cp) if cp.uid_validity == info.uid_validity => Query::And(vec![
            Query::UidFrom(cp.last_uid.saturating_add(1)),
            narrowing,
        ]),
        _ => {
            if checkpoint.is_some() {
                tracing::warn!(
                    mailbox = %folders.mailbox,
                    "UIDVALIDITY changed: rescanning, duplicates are recognised by Message-ID"
                );
            }
            Query::And(vec![Query::Since(horizon(app, clock())?), narrowing])
        }
    };
    let min_uid = query.min_uid();
    let mut listed: Vec<Listed> = session.list(&query).await?;
    if let Some(min) = min_uid {
        // `UID n:*` always matches the highest UID, even when it is below n.
        listed.retain(|l| !matches!(l.id, MessageRef::Uid(u) if u < min));
    }
    crate::failpoint!("ingest.after_list");
    let mut last_uid = checkpoint
        .filter(|c| c.uid_validity == info.uid_validity)
        .map_or(0, |c| c.last_uid);
    // The last batch handled and flushed but not yet moved.
    let mut unmoved: Option<Unmoved> = None;

    for chunk in batches(&listed, folders.batch) {
        let mut wanted = Vec::new();
        for l in chunk {
            if l.size > folders.max_message_size {
                report.too_large += 1;
                note_too_large(
                    app,
                    &folders.mailbox,
                    info.uid_validity,
                    l,
                    folders.max_message_size,
                    clock(),
                )?;
            } else {
                wanted.push(l.id.clone());
            }
        }
        let fetched: Vec<Fetched> = session.fetch(&wanted).await?;
        report.fetched += fetched.len();
        crate::failpoint!("ingest.after_fetch");
        let batch_last_uid = chunk
            .iter()
            .filter_map(|l| match l.id {
                MessageRef::Uid(u) => Some(u),
                MessageRef::File(_) => None,
            })
            .max();
        // The server moves the previous batch while this one is parsed and stored: the
        // MOVE is sent first, and the handling (no awaits) runs while the server works.
        let (moved, handled) = futures::join!(
            finish_batch(app, session, folders, info.uid_validity, unmoved.take()),
            async { handle_batch(app, &fetched, folders, info.uid_validity, clock,) }
        );
        report.moved += moved?;
        let batch = handled?;
        send_owed(app, clock).await;
        report.add(&batch.report);
        record_stored(app, clock(), &batch.stored)?;
        if !batch.followups.is_empty() {
            app.store
                .update_meta(|m| m.owed.extend(batch.followups.iter().cloned()))?;
        }
        app.store.flush()?;
        crate::failpoint!("ingest.after_flush");
        last_uid = last_uid.max(batch_last_uid.unwrap_or(0));
        unmoved = Some(Unmoved {
            processed: batch.processed,
            ignored: batch.ignored,
            last_uid,
        });
    }
    report.moved += finish_batch(app, session, folders, info.uid_validity, unmoved.take()).await?;
    send_owed(app, clock).await;
    // Everything below UIDNEXT (as of SELECT) was covered by this pass's search: the
    // checkpoint can move past unrelated mail, so the next search range stays small.
    if let Some(next) = info.uid_next {
        let covered = next.saturating_sub(1);
        if covered > last_uid {
            app.store.set_checkpoint(
                &folders.mailbox,
                &Checkpoint {
                    uid_validity: info.uid_validity,
                    last_uid: covered,
                },
            )?;
        }
    }
    app.store.update_meta(|m| m.last_imap_ok = Some(clock()))?;
    app.store.flush()?;
    Ok(report)
}

/// Handles every message of a fetched batch, in order (store writes unflushed).
///
/// Reading is pure and the store's writes are serial, so a batch of some size is read on
/// a second thread while this one records the messages already read: the two overlap
/// instead of taking turns on one core.
fn handle_batch(
    app: &App,
    fetched: &[Fetched],
    folders: &Folders,
    uid_validity: u32,
    clock: &crate::clock::Clock,
) -> Result<HandledBatch, AppError> {
    let ctx = app.parse_context();
    if fetched.len() < READ_AHEAD_MIN {
        return record_batch(app, fetched, folders, uid_validity, clock, |f| {
            read_guarded(&f.raw, &ctx)
        });
    }
    std::thread::scope(|scope| {
        let (tx, rx) = std::sync::mpsc::sync_channel::<Read>(READ_AHEAD);
        let ctx = &ctx;
        let reader = std::thread::Builder::new()
            .name("olifant-read".into())
            .spawn_scoped(scope, move || {
                for f in fetched {
                    // The receiver is gone only when recording stopped on an error.
                    if tx.send(read_guarded(&f.raw, ctx)).is_err() {
                        break;
                    }
                }
            });
        if let Err(e) = &reader {
            tracing::debug!(error = %e, "no reader thread: reading the batch on this one");
        }
        let rx = reader.is_ok().then_some(rx);
        // A message the reader did not send (it cannot stop early, but if it did) is read
        // here: every message of the batch is recorded, in order.
        record_batch(app, fetched, folders, uid_validity, clock, |f| {
            rx.as_ref()
                .and_then(|rx| rx.recv().ok())
                .unwrap_or_else(|| read_guarded(&f.raw, ctx))
        })
    })
}

/// Records each message of a batch, in order, with what `read` gives for it.
fn record_batch(
    app: &App,
    fetched: &[Fetched],
    folders: &Folders,
    uid_validity: u32,
    clock: &crate::clock::Clock,
    mut read: impl FnMut(&Fetched) -> Read,
) -> Result<HandledBatch, AppError> {
    let mut batch = HandledBatch::default();
    for f in fetched {
        let origin = format!("{}:{}:{}", folders.mailbox, uid_validity, f.id);
        let outcome = handle_read(app, &f.raw, read(f), &origin, clock())?;
        crate::failpoint!("ingest.after_handle");
        count(&mut batch.report, &outcome.handled);
        if let Handled::Stored { client, .. } = outcome.handled {
            batch.stored.push(client);
        }
        batch.followups.extend(outcome.followup);
        match outcome.disposition {
            Disposition::Processed => batch.processed.push(f.id.clone()),
            Disposition::Ignored => batch.ignored.push(f.id.clone()),
            Disposition::Leave => {}
        }
    }
    Ok(batch)
}

/// Moves a flushed batch out of the mailbox, then advances the checkpoint past it.
/// Returns how many messages were moved.
async fn finish_batch(
    app: &App,
    session: &mut dyn MailSession,
    folders: &Folders,
    uid_validity: u32,
    batch: Option<Unmoved>,
) -> Result<usize, AppError> {
    let Some(batch) = batch else {
        return Ok(0);
    };
    let mut moved = 0;
    if !batch.processed.is_empty() {
        session
            .move_to(&batch.processed, &folders.processed)
            .await?;
        moved += batch.processed.len();
    }
    if let (Some(folder), false) = (&folders.ignored, batch.ignored.is_empty()) {
        session.move_to(&batch.ignored, folder).await?;
        moved += batch.ignored.len();
    }
    crate::failpoint!("ingest.after_move");
    app.store.set_checkpoint(
        &folders.mailbox,
        &Checkpoint {
            uid_validity,
            last_uid: batch.last_uid,
        },
    )?;
    // No flush of its own: a checkpoint lost in a crash only makes the next pass list
    // messages that are gone (moved) or recognised as duplicates. The next flush — the
    // next batch's, a send's intent, or the one at the end of the pass — keeps it.
    crate::failpoint!("ingest.after_checkpoint");
    Ok(moved)
}

fn note_too_large(
    app: &App,
    mailbox: &str,
    uid_validity: u32,
    l: &Listed,
    limit: u64,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let id = format!("too-large:{mailbox}:{uid_validity}:{}", l.id);
    if app.store.seen(&id)? {
        return Ok(());
    }
    let reason = format!(
        "message of {} bytes is larger than max_message_size ({limit}); left on the server",
        l.size
    );
    tracing::warn!(message = %l.id, "{reason}");
    let origin = format!("{mailbox}:{uid_validity}:{}", l.id);
    record_ignored(app, &id, &[], raw_meta(&origin, now), &reason, now)
}

/// Reads one message and records what it means. Writes go to the store unflushed.
pub fn handle_message(
    app: &App,
    raw: &[u8],
    origin: &str,
    now: DateTime<Utc>,
) -> Result<Outcome, AppError> {
    handle_message_with(app, raw, origin, now, &app.parse_context())
}

/// [`handle_message`] with a given parser context (reingest trusts old tokens).
pub fn handle_message_with(
    app: &App,
    raw: &[u8],
    origin: &str,
    now: DateTime<Utc>,
    ctx: &ParseContext<'_>,
) -> Result<Outcome, AppError> {
    let out = handle_read(app, raw, read_guarded(raw, ctx), origin, now)?;
    if let Handled::Stored { client, .. } = &out.handled {
        record_stored(app, now, std::slice::from_ref(client))?;
    }
    Ok(out)
}

/// Decides what a read message means ([`plan::plan`]) from what the store knows, then
/// writes it ([`apply`]). Writes go to the store unflushed; the "reply stored" event
/// is the caller's ([`record_stored`], once per batch in a pass).
fn handle_read(
    app: &App,
    raw: &[u8],
    read: Read,
    origin: &str,
    now: DateTime<Utc>,
) -> Result<Outcome, AppError> {
    let (id, plan) = match read {
        Read::Done(reading) => {
            let known = known(app, &reading)?;
            let rules = Rules {
                receipts: app.config.ingest.receipts,
                token_ttl_days: app.config.schedule.token_ttl_days,
            };
            let plan = plan::plan(raw, &reading, known, rules, now);
            (reading.dedup_id, plan)
        }
        Read::Unread(unread) => {
            let hash = crate::parse::sha256_hex(raw);
            let id = match unread {
                Unread::Oversized => format!("too-large:{hash}"),
                Unread::Failed(_) => hash,
            };
            let plan = plan_unread(&unread, raw.len(), app.store.seen(&id)?);
            if plan.outcome.handled != Handled::Duplicate {
                match &unread {
                    Unread::Oversized => {
                        tracing::warn!(origin, "message too large to read; left where it is")
                    }
                    Unread::Failed(reason) => {
                        tracing::warn!(origin, reason, "message quarantined")
                    }
                }
            }
            (id, plan)
        }
    };
    apply(app, raw, &id, origin, now, plan)
}

/// What the store knows about `reading`, for [`plan::plan`].
fn known(app: &App, reading: &Reading) -> Result<Known, AppError> {
    let mut seen = app.store.raw_meta(&reading.dedup_id)?.map(|m| m.outcome);
    if let Some(RawOutcome::Reflection { prompt: Some(id) }) = &seen {
        // A seen marker whose reply is missing from its reflection: a crash cut
        // `store_reply`'s ordered writes short. Handle the message again.
        if !app.store.reply_recorded(*id, &reading.dedup_id)? {
            seen = None;
        }
    }
    if seen.is_some() {
        return Ok(Known {
            seen,
            ..Known::default()
        });
    }
    let prompt_id = match reading.parsed.kind {
        MessageKind::Reflection => reading.prompt_id,
        MessageKind::Bounce => reading.bounce_of,
        MessageKind::AutoReply | MessageKind::Other => None,
    };
    let prompt = prompt_id
        .map(|id| app.store.prompt(id))
        .transpose()?
        .flatten();
    let reflection = match (&reading.parsed.kind, &prompt) {
        (MessageKind::Reflection, Some(p)) => app.store.reflection_for_prompt(p.id)?,
        _ => None,
    };
    Ok(Known {
        seen: None,
        prompt,
        reflection,
    })
}

/// Makes a plan's writes, in order, for the raw message `raw` recorded under `id`.
fn apply(
    app: &App,
    raw: &[u8],
    id: &str,
    origin: &str,
    now: DateTime<Utc>,
    plan: Plan,
) -> Result<Outcome, AppError> {
    let meta = raw_meta(origin, now);
    for write in plan.writes {
        match write {
            Write::Raw {
                outcome,
                keep_bytes,
            } => {
                let bytes = if keep_bytes { raw } else { &[] };
                app.store.put_raw(id, bytes, &meta(outcome))?;
            }
            Write::Reply { reflection, prompt } => {
                let outcome = RawOutcome::Reflection {
                    prompt: Some(prompt.id),
                };
                app.store
                    .store_reply(&reflection, id, raw, &meta(outcome), Some(&prompt))?;
            }
            Write::Prompt(p) => app.store.put_prompt(&p)?,
            // An effect that fails (unknown client) is told in the confirmation.
            Write::Command(c) => {
                let _ = crate::ingest::commands::apply_command(app, &c, now);
            }
            Write::Quarantine(reason) => app.store.quarantine_message(
                &QuarantineEntry {
                    id: id.to_string(),
                    origin: origin.to_string(),
                    at: now,
                    reason,
                },
                raw,
            )?,
            Write::Event(kind, detail) => event(app, now, kind, &detail)?,
        }
    }
    Ok(plan.outcome)
}

/// Records a message olifant leaves alone: its raw entry under `dedup_id` (`kept` is what
/// it keeps of the bytes, empty for a deduplication marker only) and an `Ignored` event,
/// both giving `reason`.
fn record_ignored(
    app: &App,
    dedup_id: &str,
    kept: &[u8],
    meta: impl FnOnce(RawOutcome) -> RawMeta,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let outcome = RawOutcome::Ignored {
        reason: reason.to_string(),
    };
    app.store.put_raw(dedup_id, kept, &meta(outcome))?;
    event(app, now, EventKind::Ignored, reason)
}

pub(crate) fn event(
    app: &App,
    at: DateTime<Utc>,
    kind: EventKind,
    detail: &str,
) -> Result<(), AppError> {
    app.store.record_event(&Event::new(at, kind, detail))?;
    Ok(())
}

/// Records the replies stored by one batch as one event (one write, not one per reply).
fn record_stored(app: &App, at: DateTime<Utc>, clients: &[String]) -> Result<(), AppError> {
    if clients.is_empty() {
        return Ok(());
    }
    let mut detail = match clients {
        [one] => one.clone(),
        _ => format!("{} replies: ", clients.len()),
    };
    if clients.len() > 1 {
        const NAMED: usize = 10;
        detail.push_str(&clients[..clients.len().min(NAMED)].join(", "));
        if clients.len() > NAMED {
            detail.push_str(&format!(" and {} more", clients.len() - NAMED));
        }
    }
    app.store.record_event(&Event {
        count: u32::try_from(clients.len()).unwrap_or(u32::MAX),
        ..Event::new(at, EventKind::ReplyStored, detail)
    })?;
    Ok(())
}

/// Splits a listing into batches of at most `max` (and [`BATCH`]) messages and
/// [`BATCH_BYTES`] bytes.
fn batches(listed: &[Listed], max: usize) -> Vec<&[Listed]> {
    let max = max.clamp(1, BATCH);
    let mut out = Vec::new();
    let mut start = 0;
    let mut bytes = 0u64;
    for (i, l) in listed.iter().enumerate() {
        if i > start && (i - start >= max || bytes + l.size > BATCH_BYTES) {
            out.push(&listed[start..i]);
            start = i;
            bytes = 0;
        }
        bytes += l.size;
    }
    if start < listed.len() {
        out.push(&listed[start..]);
    }
    out
}

/// Sends every receipt and confirmation still owed, each exactly once, and drops it from
/// the store once it was handed over (or refused for good).
pub async fn send_owed(app: &App, clock: &crate::clock::Clock) {
    let owed = match app.store.meta() {
        Ok(m) => m.owed,
        Err(e) => {
            tracing::warn!(error = %e, "cannot read the owed receipts");
            return;
        }
    };
    for f in owed {
        match crate::ingest::commands::send_followup(app, f.clone(), clock).await {
            Ok(()) => {
                let done = app
                    .store
                    .update_meta(|m| m.owed.retain(|o| o != &f))
                    .and_then(|_| app.store.flush());
                if let Err(e) = done {
                    tracing::warn!(error = %e, "cannot record a sent receipt");
                }
            }
            Err(e) => {
                tracing::warn!(error = %e, "could not send a receipt or confirmation; will retry")
            }
        }
    }
}

fn count(report: &mut IngestReport, h: &Handled) {
    match h {
        Handled::Stored { merged: false, .. } => report.stored += 1,
        Handled::Stored { merged: true, .. } => report.merged += 1,
        Handled::AutoReply => report.auto_replies += 1,
        Handled::Bounce => report.bounces += 1,
        Handled::Command(_) => report.commands += 1,
        Handled::Ignored(_) => report.ignored += 1,
        Handled::Duplicate => report.duplicates += 1,
        Handled::Quarantined(_) => report.quarantined += 1,
    }
}

/// Connects to the mail source and runs one ingest pass.
pub async fn ingest_once(
    app: &App,
    clock: &crate::clock::Clock,
) -> Result<crate::ingest::pipeline::IngestReport, AppError> {
    let (source, folders) = mail_source(app)?;
    let mut session = source.connect().await?;
    let report = ingest_pass(app, &mut *session, &folders, clock).await;
    let _ = session.logout().await;
    report
}

/// The configured mail source (IMAP or Maildir) and the folders an ingest pass uses.
pub fn mail_source(app: &App) -> Result<(Box<dyn MailSource>, Folders), AppError> {
    use crate::config::ReceiveConfig;
    Ok(match &app.config.receive {
        ReceiveConfig::Imap(c) => {
            let settings = crate::app::imap_settings(c)?;
            let folders = Folders {
                mailbox: c.mailbox.clone(),
                processed: c.processed_mailbox.clone(),
                ignored: c.ignored_mailbox.clone(),
                max_message_size: c.max_message_size,
                batch: ingest_batch(),
            };
            (
                Box::new(crate::ingest::imap::ImapSource::new(settings)?),
                folders,
            )
        }
        ReceiveConfig::Maildir { path } => (
            Box::new(crate::ingest::maildir::MaildirSource::new(
                path.clone(),
                std::time::Duration::from_secs(2),
            )),
            Folders {
                mailbox: "INBOX".into(),
                processed: "olifant/processed".into(),
                ignored: None,
                max_message_size: 10 * 1024 * 1024,
                batch: ingest_batch(),
            },
        ),
    })
}

/// Messages per ingest batch: [`crate::ingest::pipeline::BATCH`], or `OLIFANT_INGEST_BATCH`
/// (a test hook, like `OLIFANT_TICK_SECONDS`: the fault tests crash passes of many small
/// batches, so a move overlaps the next batch's handling at every failpoint).
fn ingest_batch() -> usize {
    std::env::var("OLIFANT_INGEST_BATCH")
        .ok()
        .and_then(|v| v.parse::<usize>().ok())
        .filter(|n| *n > 0)
        .unwrap_or(crate::ingest::pipeline::BATCH)
        .min(crate::ingest::pipeline::BATCH)
}

#[cfg(test)]
mod tests;
