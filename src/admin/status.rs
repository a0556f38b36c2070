//! `olifant status`: what the daemon did and will do.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

use crate::app::{App, AppError};
use crate::model::{PromptStatus, SendState};
use crate::schedule;

/// A snapshot for `olifant status`.
#[derive(Debug, Clone, Serialize)]
pub struct Status {
    /// The data directory.
    pub data_dir: String,
    /// The owner's time zone (times are shown in it).
    #[serde(skip)]
    pub timezone: chrono_tz::Tz,
    /// Next prompt run.
    pub next_prompt_run: Option<DateTime<Utc>>,
    /// Next digest run.
    pub next_digest_run: Option<DateTime<Utc>>,
    /// Global pause (first day prompts resume).
    pub paused_until: Option<NaiveDate>,
    /// Active / paused / archived client counts.
    pub clients: (usize, usize, usize),
    /// Open prompts: (client, sent at).
    pub unanswered: Vec<(String, DateTime<Utc>)>,
    /// Sends whose outcome is unknown or failed: (what, state).
    pub send_problems: Vec<(String, String)>,
    /// Quarantined messages: (origin, reason).
    pub quarantined: Vec<(String, String)>,
    /// Last successful IMAP contact.
    pub last_imap_ok: Option<DateTime<Utc>>,
    /// Last successful SMTP hand-over.
    pub last_smtp_ok: Option<DateTime<Utc>>,
    /// Last prompt run.
    pub last_prompt_run: Option<DateTime<Utc>>,
    /// Last digest run.
    pub last_digest_run: Option<DateTime<Utc>>,
    /// Every client not let go, with when its next prompt goes out and why.
    pub next_prompts: Vec<(String, schedule::Outlook)>,
    /// `[schedule] max_prompts_per_run`, for the words.
    pub max_prompts_per_run: u32,
}

/// An [`Outlook`](schedule::Outlook) in words, times in `tz`: when and why.
pub fn describe_outlook(o: &schedule::Outlook, tz: chrono_tz::Tz, max_per_run: u32) -> String {
    use schedule::Outlook;
    let at = |d: Option<DateTime<Utc>>| {
        d.map_or("no run scheduled".to_string(), |d| {
            d.with_timezone(&tz).format("%Y-%m-%d %H:%M %Z").to_string()
        })
    };
    let until = |d: Option<NaiveDate>| match d {
        Some(d) if d != NaiveDate::MAX => format!("until {d}"),
        _ => "until you resume".to_string(),
    };
    match o {
        Outlook::Now { run } => {
            format!("due now: the run of {} has not sent it yet", at(Some(*run)))
        }
        Outlook::Next { run, due } => format!("{} (due from {due})", at(*run)),
        Outlook::OverCap { run } => format!(
            "{} (due, but this run already sends max_prompts_per_run = {max_per_run})",
            at(*run)
        ),
        Outlook::Paused { until: u } => format!("snoozed {}", until(*u)),
        Outlook::GloballyPaused { until: u } => {
            format!("all prompts paused {}", until(Some(*u)))
        }
    }
}

/// Collects the status at `now`.
pub fn status(app: &App, now: DateTime<Utc>) -> Result<Status, AppError> {
    let meta = app.store.meta()?;
    let (next_prompt_run, next_digest_run) = schedule::next_runs(
        &app.config.schedule.prompt_cron,
        &app.config.schedule.digest_cron,
        app.config.owner.timezone,
        now,
    );
    let clients = app.store.clients()?;
    let mut counts = (0, 0, 0);
    for c in &clients {
        match c.status {
            crate::model::ClientStatus::Active => counts.0 += 1,
            crate::model::ClientStatus::Paused { .. } => counts.1 += 1,
            crate::model::ClientStatus::Archived { .. } => counts.2 += 1,
        }
    }
    let mut unanswered = Vec::new();
    let mut send_problems = Vec::new();
    for p in app.store.prompts()? {
        if p.status == PromptStatus::Open {
            if let SendState::Sent { at } = p.send {
                unanswered.push((p.client_name.clone(), at));
            }
        }
        if let PromptStatus::Bounced { reason, .. } = &p.status {
            send_problems.push((
                format!("prompt about {}", p.client_name),
                format!("bounced: {reason}"),
            ));
        }
        if matches!(p.send, SendState::Unknown { .. } | SendState::Failed { .. }) {
            send_problems.push((
                format!("prompt about {}", p.client_name),
                crate::send::outbox::describe_state(&p.send),
            ));
        }
    }
    for o in app.store.outgoing()? {
        if matches!(o.send, SendState::Unknown { .. } | SendState::Failed { .. }) {
            send_problems.push((o.id.clone(), crate::send::outbox::describe_state(&o.send)));
        }
    }
    let names: std::collections::HashMap<_, _> =
        clients.iter().map(|c| (c.key(), c.name.clone())).collect();
    let next_prompts = schedule::outlook(&crate::prompt::run::plan_input(app)?, now)
        .into_iter()
        .map(|(k, o)| (names.get(&k).cloned().unwrap_or_else(|| k.to_string()), o))
        .collect();
    let quarantined = app
        .store
        .quarantine()?
        .into_iter()
        .map(|q| (q.origin, q.reason))
        .collect();
    Ok(Status {
        data_dir: app.config.data_dir.display().to_string(),
        timezone: app.config.owner.timezone,
        next_prompt_run,
        next_digest_run,
        paused_until: meta.paused_until,
        clients: counts,
        unanswered,
        send_problems,
        quarantined,
        last_imap_ok: meta.last_imap_ok,
        last_smtp_ok: meta.last_smtp_ok,
        last_prompt_run: meta.last_prompt_run,
        last_digest_run: meta.last_digest_run,
        next_prompts,
        max_prompts_per_run: app.config.schedule.max_prompts_per_run,
    })
}
