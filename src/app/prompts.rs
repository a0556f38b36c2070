//! A prompt run: ask the pure planner what is due, then carry it out exactly once —
//! expire stale prompts, send reminders, send new prompts (intent flushed first).

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, Utc};
use ring::rand::SecureRandom;

use super::outbox::{self, RetryPolicy};
use super::{App, AppError};
use crate::model::{Client, ClientKey, PromptId, PromptRecord, PromptStatus, Reminder, SendState};
use crate::prompt::compose::{self, PromptInput, PromptMail, ReminderInput};
use crate::prompt::token::MAX_PROMPT_ID;
use crate::schedule::{self, PlanInput, PromptPlan};
use crate::send::compose::{compose, Email};
use crate::send::OutgoingMessage;
use crate::store::{Event, EventKind, StoreError};

/// What one run did.
#[derive(Debug, Default, Clone, serde::Serialize)]
pub struct RunReport {
    /// The scheduled occurrence served, if any.
    pub occurrence: Option<DateTime<Utc>>,
    /// Prompts handed over, by client name.
    pub sent: Vec<String>,
    /// Prompts whose send failed or is unknown: (client name, state).
    pub failed: Vec<(String, String)>,
    /// Reminders handed over, by client name.
    pub reminded: Vec<String>,
    /// Prompts expired because the client came due again.
    pub expired: Vec<String>,
    /// Clients skipped and why.
    pub skipped: Vec<(String, String)>,
}

impl App {
    /// The planner's input, from config and store.
    pub fn plan_input(&self) -> Result<PlanInput, AppError> {
        let prompts = self.store.prompts()?;
        let clients = self.store.clients()?;
        // The planner looks clients up by key: one client's reflections in memory at a time.
        let mut last_unprompted: BTreeMap<ClientKey, DateTime<Utc>> = BTreeMap::new();
        for c in &clients {
            let latest = self
                .store
                .reflections_for(&c.key())?
                .into_iter()
                .filter(|r| r.prompt.is_none())
                .map(|r| r.date)
                .max();
            if let Some(latest) = latest {
                last_unprompted.insert(c.key(), latest);
            }
        }
        let meta = self.store.meta()?;
        Ok(PlanInput {
            clients,
            prompts,
            last_unprompted_reflection: last_unprompted,
            global_pause: meta.paused_until,
            max_prompts_per_run: self.config.schedule.max_prompts_per_run as usize,
            reminder_after: Duration::days(i64::from(self.config.schedule.reminder_after_days)),
            prompt_cron: self.config.schedule.prompt_cron.clone(),
            tz: self.config.owner.timezone,
            last_run: meta.last_prompt_run,
        })
    }

    /// What a run at `now` would do, without doing it.
    pub fn plan_prompts(&self, now: DateTime<Utc>) -> Result<PromptPlan, AppError> {
        Ok(schedule::plan_prompt_run(&self.plan_input()?, now))
    }

    /// Runs one scheduling pass at `now`: expire, remind, send. Each send is exactly once.
    pub async fn run_prompts(
        &self,
        now: DateTime<Utc>,
        clock: &crate::clock::Clock,
    ) -> Result<RunReport, AppError> {
        let plan = self.plan_prompts(now)?;
        let mut report = RunReport {
            occurrence: plan.occurrence,
            ..RunReport::default()
        };
        for (key, reason) in &plan.skipped {
            report.skipped.push((
                key.to_string(),
                serde_json::to_string(reason).unwrap_or_default(),
            ));
        }
        for id in &plan.expire {
            if let Some(mut p) = self.store.prompt(*id)? {
                p.status = PromptStatus::Expired { at: now };
                self.store.put_prompt(&p)?;
                report.expired.push(p.client_name.clone());
            }
        }
        self.store.flush()?;

        for id in &plan.reminders {
            if let Some(p) = self.store.prompt(*id)? {
                let state = self.send_reminder(p.clone(), clock).await?;
                if matches!(state, SendState::Sent { .. }) {
                    report.reminded.push(p.client_name.clone());
                }
            }
        }

        let Some(occurrence) = plan.occurrence else {
            self.mark_run(now)?;
            return Ok(report);
        };
        for key in &plan.to_send {
            let Some(client) = self.store.client(key)? else {
                continue;
            };
            let (record, state) = self.send_prompt(&client, occurrence, now, clock).await?;
            match state {
                SendState::Sent { .. } => report.sent.push(record.client_name),
                other => report
                    .failed
                    .push((record.client_name, describe_state(&other))),
            }
        }
        self.mark_run(now)?;
        Ok(report)
    }

    fn mark_run(&self, now: DateTime<Utc>) -> Result<(), AppError> {
        self.store.update_meta(|m| {
            m.last_prompt_run = Some(m.last_prompt_run.map_or(now, |t| t.max(now)));
        })?;
        self.store.flush()?;
        Ok(())
    }

    /// Composes the prompt for `client` (id and token fresh), without storing or sending it.
    pub fn compose_prompt_for(
        &self,
        client: &Client,
        id: PromptId,
        now: DateTime<Utc>,
    ) -> Result<PromptMail, AppError> {
        let history = self.store.reflections_for(&client.key())?;
        let lang = self
            .config
            .client(&client.key())
            .and_then(|c| c.language)
            .unwrap_or(self.config.owner.language);
        let addressing = self.addressing();
        let input = PromptInput {
            client,
            questionnaire: self.config.questionnaire(),
            lang,
            history: &history,
            addressing: &addressing,
            now,
            tz: self.config.owner.timezone,
        };
        let token = self.key.token(id);
        Ok(compose::compose_prompt(
            &self.templates,
            &input,
            id,
            &token,
        )?)
    }

    /// Creates, records and sends one prompt. Returns the record and its final send state.
    pub async fn send_prompt(
        &self,
        client: &Client,
        occurrence: DateTime<Utc>,
        now: DateTime<Utc>,
        clock: &crate::clock::Clock,
    ) -> Result<(PromptRecord, SendState), AppError> {
        let id = self.fresh_prompt_id()?;
        let mail = self.compose_prompt_for(client, id, now)?;
        let lang = if mail.subject.starts_with("Hoe ") {
            crate::model::Lang::Nl
        } else {
            crate::model::Lang::En
        };
        let mut record = PromptRecord {
            id,
            client: client.key(),
            client_name: client.name.clone(),
            lang,
            occurrence,
            created_at: now,
            message_id: mail.message_id.clone(),
            subject: mail.subject.clone(),
            send: SendState::Intent { at: now },
            status: PromptStatus::Open,
            reminder: None,
        };
        let msg = self.outgoing(&mail, now, Vec::new())?;
        let name = record.client_name.clone();
        let state = self
            .hand_over(
                |s| {
                    record.send = s.clone();
                    self.store.put_prompt(&record)
                },
                &msg,
                EventKind::PromptSent,
                &name,
                clock,
            )
            .await?;
        Ok((record, state))
    }

    /// Re-sends prompts whose earlier attempt failed transiently (nothing was delivered),
    /// as long as they are still open and younger than a day.
    pub async fn retry_failed_prompts(
        &self,
        now: DateTime<Utc>,
        clock: &crate::clock::Clock,
    ) -> Result<usize, AppError> {
        let mut resent = 0;
        for p in self.store.prompts()? {
            if !outbox::retryable(&p.send)
                || p.status != PromptStatus::Open
                || now - p.created_at > Duration::days(1)
            {
                continue;
            }
            let Some(client) = self.store.client(&p.client)? else {
                continue;
            };
            let mail = self.compose_prompt_for(&client, p.id, p.created_at)?;
            let msg = self.outgoing(&mail, now, Vec::new())?;
            let mut record = p.clone();
            let state = self
                .hand_over(
                    |s| {
                        record.send = s.clone();
                        self.store.put_prompt(&record)
                    },
                    &msg,
                    EventKind::PromptSent,
                    &p.client_name,
                    clock,
                )
                .await?;
            if matches!(state, SendState::Sent { .. }) {
                resent += 1;
            }
        }
        Ok(resent)
    }

    async fn send_reminder(
        &self,
        mut prompt: PromptRecord,
        clock: &crate::clock::Clock,
    ) -> Result<SendState, AppError> {
        let token = self.key.token(prompt.id);
        let addressing = self.addressing();
        let mail = compose::compose_reminder(
            &self.templates,
            &ReminderInput {
                prompt: &prompt,
                questionnaire: self.config.questionnaire(),
                token: &token,
                addressing: &addressing,
            },
        )?;
        let now = clock();
        let msg = self.outgoing(&mail, now, Vec::new())?;
        prompt.reminder = Some(Reminder {
            message_id: mail.message_id.clone(),
            send: SendState::Intent { at: now },
        });
        let name = prompt.client_name.clone();
        self.hand_over(
            |s| {
                if let Some(r) = prompt.reminder.as_mut() {
                    r.send = s.clone();
                }
                self.store.put_prompt(&prompt)
            },
            &msg,
            EventKind::ReminderSent,
            &name,
            clock,
        )
        .await
    }

    /// Hands `msg` over exactly once (see [`outbox::send_once`]); `write` stores each send
    /// state in the message's record. The outcome is recorded as an event.
    pub(crate) async fn hand_over(
        &self,
        write: impl FnMut(&SendState) -> Result<(), StoreError>,
        msg: &OutgoingMessage,
        kind: EventKind,
        what: &str,
        clock: &crate::clock::Clock,
    ) -> Result<SendState, AppError> {
        let mut ledger = outbox::StoreLedger {
            store: &self.store,
            write,
        };
        let state = outbox::send_once(
            &mut ledger,
            &*self.sender,
            msg,
            RetryPolicy::default(),
            clock,
        )
        .await?;
        self.after_send(&state, kind, what, clock())?;
        Ok(state)
    }

    /// Records the outcome of a hand-over as an event and the last SMTP contact.
    pub(crate) fn after_send(
        &self,
        state: &SendState,
        kind: EventKind,
        what: &str,
        now: DateTime<Utc>,
    ) -> Result<(), AppError> {
        let (kind, detail) = match state {
            SendState::Sent { .. } => {
                self.store.update_meta(|m| m.last_smtp_ok = Some(now))?;
                (kind, what.to_string())
            }
            other => (
                EventKind::SendFailed,
                format!("{what}: {}", describe_state(other)),
            ),
        };
        self.store.record_event(&Event::new(now, kind, detail))?;
        self.store.flush()?;
        Ok(())
    }

    /// Composes MIME bytes for a mail to the owner.
    pub fn outgoing(
        &self,
        mail: &PromptMail,
        now: DateTime<Utc>,
        images: Vec<crate::send::compose::InlineImage>,
    ) -> Result<OutgoingMessage, AppError> {
        let email = Email {
            from: (
                Some(self.config.bot.name.clone()),
                self.config.bot.address.clone(),
            ),
            to: vec![(
                (!mail.to_name.is_empty()).then(|| mail.to_name.clone()),
                mail.to.clone(),
            )],
            reply_to: Some((Some(self.config.bot.name.clone()), mail.reply_to.clone())),
            subject: mail.subject.clone(),
            message_id: mail.message_id.clone(),
            in_reply_to: mail.in_reply_to.clone(),
            references: mail.references.clone(),
            date: now,
            extra_headers: mail.extra_headers.clone(),
            text: mail.text.clone(),
            html: (!mail.html.is_empty()).then(|| mail.html.clone()),
            inline_images: images,
        };
        Ok(OutgoingMessage {
            envelope_from: self.config.bot.address.clone(),
            recipients: vec![mail.to.clone()],
            message_id: mail.message_id.clone(),
            raw: compose(&email)?,
        })
    }

    /// A random prompt id not used before.
    pub fn fresh_prompt_id(&self) -> Result<PromptId, AppError> {
        let rng = ring::rand::SystemRandom::new();
        loop {
            let mut b = [0u8; 8];
            rng.fill(&mut b)
                .map_err(|_| AppError::Invalid("the system random generator failed".into()))?;
            let id = PromptId(u64::from_be_bytes(b) & MAX_PROMPT_ID);
            if id.0 != 0 && self.store.prompt(id)?.is_none() {
                return Ok(id);
            }
        }
    }

    /// The token of a prompt (for tests and previews).
    pub fn token_for(&self, id: PromptId) -> String {
        self.key.token(id)
    }
}

/// A short human description of a send state.
pub fn describe_state(s: &SendState) -> String {
    match s {
        SendState::Intent { .. } => "in progress".into(),
        SendState::Sent { .. } => "sent".into(),
        SendState::Unknown { reason, .. } => format!("unknown: {reason}"),
        SendState::Failed {
            permanent, reason, ..
        } => {
            if *permanent {
                format!("refused: {reason}")
            } else {
                format!("failed for now: {reason}")
            }
        }
    }
}
