//! A prompt run: ask the pure planner what is due, then carry it out exactly once —
//! expire stale prompts, send reminders, send new prompts (intent flushed first).

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, Utc};
use ring::rand::SecureRandom;

use crate::app::{App, AppError};
use crate::model::{Client, ClientKey, PromptId, PromptRecord, PromptStatus, Reminder, SendState};
use crate::prompt::compose::{self, PromptInput, PromptMail, ReminderInput};
use crate::prompt::token::MAX_PROMPT_ID;
use crate::schedule::{self, PlanInput, PromptPlan};
use crate::send::outbox;
use crate::store::EventKind;

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

/// The planner's input, from config and store.
pub fn plan_input(app: &App) -> Result<PlanInput, AppError> {
    let prompts = app.store.prompts()?;
    let clients = app.store.clients()?;
    // The planner looks clients up by key: one client's reflections in memory at a time.
    let mut last_unprompted: BTreeMap<ClientKey, DateTime<Utc>> = BTreeMap::new();
    for c in &clients {
        let latest = app
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
    let meta = app.store.meta()?;
    Ok(PlanInput {
        clients,
        prompts,
        last_unprompted_reflection: last_unprompted,
        global_pause: meta.paused_until,
        max_prompts_per_run: app.config.schedule.max_prompts_per_run as usize,
        first_prompt: app.config.schedule.first_prompt,
        reminder_after: Duration::days(i64::from(app.config.schedule.reminder_after_days)),
        prompt_cron: app.config.schedule.prompt_cron.clone(),
        tz: app.config.owner.timezone,
        last_run: meta.last_prompt_run,
    })
}

/// What a run at `now` would do, without doing it.
pub fn plan_prompts(app: &App, now: DateTime<Utc>) -> Result<PromptPlan, AppError> {
    Ok(schedule::plan_prompt_run(&plan_input(app)?, now))
}

/// Runs one scheduling pass at `now`: expire, remind, send. Each send is exactly once.
pub async fn run_prompts(
    app: &App,
    now: DateTime<Utc>,
    clock: &crate::clock::Clock,
) -> Result<RunReport, AppError> {
    let plan = plan_prompts(app, now)?;
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
        if let Some(mut p) = app.store.prompt(*id)? {
            p.status = PromptStatus::Expired { at: now };
            app.store.put_prompt(&p)?;
            report.expired.push(p.client_name.clone());
        }
    }
    app.store.flush()?;

    for id in &plan.reminders {
        if let Some(p) = app.store.prompt(*id)? {
            let state = send_reminder(app, p.clone(), clock).await?;
            if matches!(state, SendState::Sent { .. }) {
                report.reminded.push(p.client_name.clone());
            }
        }
    }

    let Some(occurrence) = plan.occurrence else {
        mark_run(app, now)?;
        return Ok(report);
    };
    for key in &plan.to_send {
        let Some(client) = app.store.client(key)? else {
            continue;
        };
        let (record, state) = send_prompt(app, &client, occurrence, now, clock).await?;
        match state {
            SendState::Sent { .. } => report.sent.push(record.client_name),
            other => report
                .failed
                .push((record.client_name, outbox::describe_state(&other))),
        }
    }
    mark_run(app, now)?;
    Ok(report)
}

fn mark_run(app: &App, now: DateTime<Utc>) -> Result<(), AppError> {
    app.store.update_meta(|m| {
        m.last_prompt_run = Some(m.last_prompt_run.map_or(now, |t| t.max(now)));
    })?;
    app.store.flush()?;
    Ok(())
}

/// Composes the prompt for `client` (id and token fresh), without storing or sending it.
pub fn compose_prompt_for(
    app: &App,
    client: &Client,
    id: PromptId,
    now: DateTime<Utc>,
) -> Result<PromptMail, AppError> {
    let history = app.store.reflections_for(&client.key())?;
    let lang = prompt_lang(app, client);
    let addressing = app.addressing();
    let input = PromptInput {
        client,
        questionnaire: app.config.questionnaire(),
        lang,
        history: &history,
        addressing: &addressing,
        now,
        tz: app.config.owner.timezone,
    };
    let token = app.key.token(id);
    Ok(compose::compose_prompt(&app.templates, &input, id, &token)?)
}

/// The language `client`'s prompts are written in: the client's own, else the owner's.
fn prompt_lang(app: &App, client: &Client) -> crate::model::Lang {
    app.config
        .client(&client.key())
        .and_then(|c| c.language)
        .unwrap_or(app.config.owner.language)
}

/// Creates, records and sends one prompt. Returns the record and its final send state.
pub async fn send_prompt(
    app: &App,
    client: &Client,
    occurrence: DateTime<Utc>,
    now: DateTime<Utc>,
    clock: &crate::clock::Clock,
) -> Result<(PromptRecord, SendState), AppError> {
    let id = fresh_prompt_id(app)?;
    let mail = compose_prompt_for(app, client, id, now)?;
    let lang = prompt_lang(app, client);
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
    let state = hand_over_prompt(app, &mut record, &mail, now, clock).await?;
    Ok((record, state))
}

/// Composes `mail` and hands it over exactly once, keeping `record`'s send state.
async fn hand_over_prompt(
    app: &App,
    record: &mut PromptRecord,
    mail: &PromptMail,
    now: DateTime<Utc>,
    clock: &crate::clock::Clock,
) -> Result<SendState, AppError> {
    let msg = outbox::outgoing(&app.config.bot, mail, now, Vec::new())?;
    let name = record.client_name.clone();
    let state = outbox::hand_over(
        &app.store,
        &*app.sender,
        |s| {
            record.send = s.clone();
            app.store.put_prompt(record)
        },
        &msg,
        EventKind::PromptSent,
        &name,
        clock,
    )
    .await?;
    Ok(state)
}

/// Re-sends prompts whose earlier attempt failed transiently (nothing was delivered),
/// as long as they are still open and younger than a day.
pub async fn retry_failed_prompts(
    app: &App,
    now: DateTime<Utc>,
    clock: &crate::clock::Clock,
) -> Result<usize, AppError> {
    let mut resent = 0;
    for p in app.store.prompts()? {
        if !outbox::retryable(&p.send)
            || p.status != PromptStatus::Open
            || now - p.created_at > Duration::days(1)
        {
            continue;
        }
        let Some(client) = app.store.client(&p.client)? else {
            continue;
        };
        let mail = compose_prompt_for(app, &client, p.id, p.created_at)?;
        let mut record = p.clone();
        let state = hand_over_prompt(app, &mut record, &mail, now, clock).await?;
        if matches!(state, SendState::Sent { .. }) {
            resent += 1;
        }
    }
    Ok(resent)
}

async fn send_reminder(
    app: &App,
    mut prompt: PromptRecord,
    clock: &crate::clock::Clock,
) -> Result<SendState, AppError> {
    let token = app.key.token(prompt.id);
    let addressing = app.addressing();
    let mail = compose::compose_reminder(
        &app.templates,
        &ReminderInput {
            prompt: &prompt,
            questionnaire: app.config.questionnaire(),
            token: &token,
            addressing: &addressing,
        },
    )?;
    let now = clock();
    let msg = outbox::outgoing(&app.config.bot, &mail, now, Vec::new())?;
    prompt.reminder = Some(Reminder {
        message_id: mail.message_id.clone(),
        send: SendState::Intent { at: now },
    });
    let name = prompt.client_name.clone();
    outbox::hand_over(
        &app.store,
        &*app.sender,
        |s| {
            if let Some(r) = prompt.reminder.as_mut() {
                r.send = s.clone();
            }
            app.store.put_prompt(&prompt)
        },
        &msg,
        EventKind::ReminderSent,
        &name,
        clock,
    )
    .await
    .map_err(Into::into)
}

/// A random prompt id not used before.
pub fn fresh_prompt_id(app: &App) -> Result<PromptId, AppError> {
    let rng = ring::rand::SystemRandom::new();
    loop {
        let mut b = [0u8; 8];
        rng.fill(&mut b)
            .map_err(|_| AppError::Invalid("the system random generator failed".into()))?;
        let id = PromptId(u64::from_be_bytes(b) & MAX_PROMPT_ID);
        if id.0 != 0 && app.store.prompt(id)?.is_none() {
            return Ok(id);
        }
    }
}

/// The token of a prompt (for tests and previews).
pub fn token_for(app: &App, id: PromptId) -> String {
    app.key.token(id)
}
