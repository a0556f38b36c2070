//! Building the digest from the store, and sending it exactly once.

use chrono::{DateTime, Utc};

use super::outbox;
use super::{App, AppError};
use crate::digest::{build_digest, Activity, Digest, DigestInput};
use crate::digest::{render, RenderedDigest};
use crate::model::{Lang, SendState};
use crate::prompt::compose::PromptMail;
use crate::schedule;
use crate::send::compose::InlineImage;
use crate::store::{EventKind, OutgoingKind, OutgoingRecord, RawOutcome};

impl App {
    /// Builds the digest at `now`, as it would have been at `as_of` when given.
    pub fn build_digest(
        &self,
        now: DateTime<Utc>,
        as_of: Option<DateTime<Utc>>,
        lang: Option<Lang>,
    ) -> Result<Digest, AppError> {
        let clients = self.store.clients()?;
        let reflections = self.store.reflections()?;
        let prompts = self.store.prompts()?;
        let quarantined = self.store.quarantine()?;
        let previous = self
            .store
            .outgoing()?
            .into_iter()
            .filter(|o| matches!(o.kind, OutgoingKind::Digest { .. }))
            .filter(|o| matches!(o.send, SendState::Sent { .. }))
            .map(|o| o.created_at)
            .max();
        // The same window the digest reports on: since the previous digest, else the last 30 days.
        let since = previous.unwrap_or(now - chrono::Duration::days(30));

        let mut activity = Activity::default();
        let mut not_understood = 0;
        for e in self.store.events_since(since)? {
            match e.kind {
                EventKind::PromptSent => activity.prompts_sent += 1,
                EventKind::ReminderSent => activity.reminders_sent += 1,
                EventKind::ReplyStored => activity.replies_stored += e.count as usize,
                _ => {}
            }
        }
        for item in self.store.raws() {
            let (_, meta, _) = item?;
            if meta.received_at < since {
                continue;
            }
            activity.messages_read += 1;
            if let RawOutcome::Ignored { reason } = &meta.outcome {
                if reason.contains("nothing to record") {
                    not_understood += 1;
                }
            }
        }
        not_understood += reflections
            .iter()
            .filter(|r| {
                r.answers
                    .values()
                    .any(|a| a.rating.is_none() && a.comment.is_none())
            })
            .count();
        let tz = self.config.owner.timezone;
        let (next_prompt_at, next_digest_at) =
            schedule::next_runs(&self.prompt_cron()?, &self.digest_cron()?, tz, now);
        let input = DigestInput {
            clients: &clients,
            reflections: &reflections,
            prompts: &prompts,
            not_understood,
            quarantined: &quarantined,
            activity,
            next_prompt_at,
            next_digest_at,
            as_of,
            previous_digest_at: previous,
            settings: &self.config.digest,
            questionnaire: self.config.questionnaire(),
            lang: lang.unwrap_or(self.config.owner.language),
            tz,
        };
        Ok(build_digest(&input, now))
    }

    /// Renders a digest with the owner's templates.
    pub fn render_digest(&self, d: &Digest) -> Result<RenderedDigest, AppError> {
        render(d, &self.templates, d.lang)
            .map_err(|e| AppError::Invalid(format!("could not render the digest: {e}")))
    }

    /// Builds, renders and sends the digest for the occurrence `period_end`, exactly once:
    /// a digest already recorded for that occurrence (sent, failed or unknown) is not sent again.
    pub async fn send_digest(
        &self,
        period_end: DateTime<Utc>,
        now: DateTime<Utc>,
        clock: &crate::clock::Clock,
    ) -> Result<Option<SendState>, AppError> {
        let already = self.store.outgoing()?.into_iter().any(|o| {
            matches!(o.kind, OutgoingKind::Digest { period_end: p } if p == period_end)
                && !outbox::retryable(&o.send)
        });
        if already {
            return Ok(None);
        }
        let digest = self.build_digest(now, None, None)?;
        let rendered = self.render_digest(&digest)?;
        let domain = self
            .config
            .bot
            .address
            .rsplit('@')
            .next()
            .unwrap_or("olifant.invalid");
        let message_id = format!("olifant-digest.{}@{domain}", period_end.timestamp());
        let mail = PromptMail {
            subject: rendered.subject.clone(),
            message_id: message_id.clone(),
            in_reply_to: None,
            references: Vec::new(),
            from: self.config.bot.address.clone(),
            to: self.config.owner.addresses[0].clone(),
            to_name: self.config.owner.name.clone(),
            reply_to: self.config.bot.address.clone(),
            text: rendered.text.clone(),
            html: rendered.html.clone(),
            extra_headers: vec![("Auto-Submitted".into(), "auto-generated".into())],
        };
        let images = rendered
            .images
            .iter()
            .map(|i| InlineImage {
                content_id: i.content_id.clone(),
                filename: i.filename.clone(),
                png: i.png.clone(),
            })
            .collect();
        let msg = self.outgoing(&mail, now, images)?;
        let mut record = OutgoingRecord {
            id: message_id,
            kind: OutgoingKind::Digest { period_end },
            created_at: now,
            send: SendState::Intent { at: now },
        };
        let state = self
            .hand_over(
                |s| {
                    record.send = s.clone();
                    self.store.put_outgoing(&record)
                },
                &msg,
                EventKind::DigestSent,
                "digest",
                clock,
            )
            .await?;
        // A transient failure leaves the occurrence open: the next tick tries again (nothing
        // was delivered, so that cannot duplicate it).
        if !outbox::retryable(&state) {
            self.store
                .update_meta(|m| m.last_digest_run = Some(period_end))?;
        }
        self.store.flush()?;
        Ok(Some(state))
    }
}
