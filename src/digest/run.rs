//! Building the digest from the store, and sending it exactly once.

use chrono::{DateTime, Utc};

use crate::app::{App, AppError};
use crate::digest::{render, RenderedDigest};
use crate::digest::{Activity, Digest, DigestInput, ReflectionSource};
use crate::model::{ClientKey, Lang, Reflection, SendState};
use crate::prompt::compose::PromptMail;
use crate::prompt::token;
use crate::schedule;
use crate::send::outbox;
use crate::store::{EventKind, OutgoingKind, OutgoingRecord, RawOutcome, Store, StoreError};

/// A reflection with an answer that has neither a rating nor a comment: the parser saw the
/// question but could not read the answer.
fn is_not_understood(r: &Reflection) -> bool {
    r.answers
        .values()
        .any(|a| a.rating.is_none() && a.comment.is_none())
}

/// Serves [`build_digest`] one client's reflections at a time from the store, counting the
/// not-understood ones dated in the window on the way (so no second pass over the reflections
/// is needed).
struct StoreReflections<'a> {
    store: &'a Store,
    /// The window the digest reports on.
    window: std::ops::RangeInclusive<DateTime<Utc>>,
    not_understood: usize,
    served: std::collections::HashSet<ClientKey>,
}

/// The reflections dated in `window` that hold an answer not understood.
fn count_not_understood(
    reflections: &[Reflection],
    window: &std::ops::RangeInclusive<DateTime<Utc>>,
) -> usize {
    reflections
        .iter()
        .filter(|r| window.contains(&r.date) && is_not_understood(r))
        .count()
}

impl ReflectionSource for StoreReflections<'_> {
    type Error = StoreError;

    fn reflections_of(&mut self, client: &ClientKey) -> Result<Vec<Reflection>, StoreError> {
        let v = self.store.reflections_for(client)?;
        // A key asked twice (never from the store's client list) is counted once.
        if self.served.insert(client.clone()) {
            self.not_understood += count_not_understood(&v, &self.window);
        }
        Ok(v)
    }
}

/// Builds the digest at `now`, as it would have been at `as_of` when given: nothing that
/// happened after `as_of` (clients added, prompts, replies, mail, earlier digests) counts.
pub fn build_digest(
    app: &App,
    now: DateTime<Utc>,
    as_of: Option<DateTime<Utc>>,
    lang: Option<Lang>,
) -> Result<Digest, AppError> {
    let at = as_of.map_or(now, |a| a.min(now));
    let clients = app.store.clients()?;
    let prompts = app.store.prompts()?;
    let quarantined = app.store.quarantine()?;
    let previous = app
        .store
        .outgoing()?
        .into_iter()
        .filter(|o| matches!(o.kind, OutgoingKind::Digest { .. }))
        .filter(|o| matches!(o.send, SendState::Sent { .. }))
        .map(|o| o.created_at)
        .filter(|t| *t < at)
        .max();
    // The same window the digest reports on: since the previous digest, else the last 30 days.
    let since = previous.unwrap_or(at - chrono::Duration::days(30));
    let window = since..=at;

    let mut activity = Activity::default();
    let mut not_understood = 0;
    for e in app.store.events_since(since)? {
        if !window.contains(&e.at) {
            continue;
        }
        match e.kind {
            EventKind::PromptSent => activity.prompts_sent += 1,
            EventKind::ReminderSent => activity.reminders_sent += 1,
            EventKind::ReplyStored => activity.replies_stored += e.count as usize,
            _ => {}
        }
    }
    for meta in app.store.raw_metas() {
        let meta = meta?;
        if !window.contains(&meta.received_at) {
            continue;
        }
        activity.messages_read += 1;
        if let RawOutcome::Ignored { reason } = &meta.outcome {
            if reason.contains("nothing to record") {
                not_understood += 1;
            }
        }
    }
    let tz = app.config.owner.timezone;
    let (next_prompt_at, next_digest_at) = schedule::next_runs(
        &app.config.schedule.prompt_cron,
        &app.config.schedule.digest_cron,
        tz,
        at,
    );
    let input = DigestInput {
        clients: &clients,
        prompts: &prompts,
        not_understood,
        quarantined: &quarantined,
        activity,
        next_prompt_at,
        next_digest_at,
        as_of,
        previous_digest_at: previous,
        settings: &app.config.digest,
        questionnaire: app.config.questionnaire(),
        lang: lang.unwrap_or(app.config.owner.language),
        tz,
    };
    let mut source = StoreReflections {
        store: &app.store,
        window: window.clone(),
        not_understood: 0,
        served: Default::default(),
    };
    let mut digest = crate::digest::build_digest(&input, &mut source, now)?;
    // Not-understood replies since the previous digest (the same window as above), of
    // any client: those of the listed clients were counted while they were served; add
    // those of clients no longer listed (removed clients keep their reflections).
    let mut reflections_not_understood = source.not_understood;
    for key in app.store.reflection_clients()? {
        if !source.served.contains(&key) {
            reflections_not_understood +=
                count_not_understood(&app.store.reflections_for(&key)?, &window);
        }
    }
    digest.not_understood += reflections_not_understood;
    Ok(digest)
}

/// Renders a digest with the owner's templates.
pub fn render_digest(app: &App, d: &Digest) -> Result<RenderedDigest, AppError> {
    render(d, &app.templates, d.lang)
        .map_err(|e| AppError::Invalid(format!("could not render the digest: {e}")))
}

/// Builds, renders and sends the digest for the occurrence `period_end`, exactly once:
/// a digest already recorded for that occurrence (sent, failed or unknown) is not sent again.
pub async fn send_digest(
    app: &App,
    period_end: DateTime<Utc>,
    now: DateTime<Utc>,
    clock: &crate::clock::Clock,
) -> Result<Option<SendState>, AppError> {
    let already = app.store.outgoing()?.into_iter().any(|o| {
        matches!(o.kind, OutgoingKind::Digest { period_end: p } if p == period_end)
            && !outbox::retryable(&o.send)
    });
    if already {
        return Ok(None);
    }
    let digest = build_digest(app, now, None, None)?;
    let rendered = render_digest(app, &digest)?;
    let message_id = token::own_message_id(
        "digest",
        &period_end.timestamp().to_string(),
        token::message_id_domain(&app.config.bot.address),
    );
    let mail = PromptMail {
        subject: rendered.subject.clone(),
        message_id: message_id.clone(),
        in_reply_to: None,
        references: Vec::new(),
        from: app.config.bot.address.clone(),
        to: app.config.owner.addresses[0].clone(),
        to_name: app.config.owner.name.clone(),
        reply_to: app.config.bot.address.clone(),
        text: rendered.text.clone(),
        html: rendered.html.clone(),
        extra_headers: vec![("Auto-Submitted".into(), "auto-generated".into())],
    };
    let msg = crate::send::outbox::outgoing(&app.config.bot, &mail, now, rendered.images)?;
    let mut record = OutgoingRecord {
        id: message_id,
        kind: OutgoingKind::Digest { period_end },
        created_at: now,
        send: SendState::Intent { at: now },
    };
    let state = crate::send::outbox::hand_over_outgoing(
        &app.store,
        &*app.sender,
        &mut record,
        &msg,
        EventKind::DigestSent,
        "digest",
        clock,
    )
    .await?;
    // A transient failure leaves the occurrence open: the next tick tries again (nothing
    // was delivered, so that cannot duplicate it).
    if !outbox::retryable(&state) {
        app.store
            .update_meta(|m| m.last_digest_run = Some(period_end))?;
    }
    app.store.flush()?;
    Ok(Some(state))
}
