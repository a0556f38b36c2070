//! Decide what is due at `now` (pure).
//!
//! * [`cron`]: the cron parser and local wall-clock arithmetic (DST handled there).
//! * [`plan_prompt_run`]: which clients get a prompt in this pass, which open prompts get
//!   their one reminder and which expire.
//! * [`digest_due`] / [`next_runs`]: the same exactly-once logic for the digest, and the
//!   next instants for `olifant status`.
//!
//! ## Exactly once per occurrence
//!
//! A pass serves the latest cron occurrence at or before `now` that is later than the
//! previous pass (`last_run`). After downtime spanning any number of occurrences, that is
//! one catch-up pass for the most recent one; the missed ones are not replayed. A second
//! pass for the same occurrence (a crash before `last_run` was stored, a clock jumping
//! back) finds the prompts already created for it: those clients are never due again for
//! it, and the per-run cap counts them. Callers should store `last_run` as the maximum of
//! the old value and `now`, so a clock jumping back does not reopen old occurrences (the
//! per-occurrence check keeps that harmless anyway).

pub mod cron;

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Days, Duration, Months, NaiveDate, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use crate::model::{
    Cadence, Client, ClientKey, ClientStatus, PromptId, PromptRecord, PromptStatus, SendState,
};

pub use cron::{next_after, occurrences_between, prev_at_or_before, CronError, CronExpr};

/// When a new client is asked for the first time (`[schedule] first_prompt`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FirstPrompt {
    /// At the first prompt run on or after the day the client was added (the default): a
    /// new user hears from olifant in the first week, not a month later.
    #[default]
    NextRun,
    /// One cadence after the client was added (a monthly client first hears a month later).
    AfterCadence,
}

/// Default for [`PlanInput::max_prompts_per_run`].
pub const DEFAULT_MAX_PROMPTS_PER_RUN: usize = 3;

/// Default for [`PlanInput::reminder_after`]: three days.
pub fn default_reminder_after() -> Duration {
    Duration::days(3)
}

/// Everything [`plan_prompt_run`] looks at.
#[derive(Debug, Clone)]
pub struct PlanInput {
    /// All clients, any status.
    pub clients: Vec<Client>,
    /// All stored prompts (any status; old answered ones are fine, only the latest per
    /// client and the open ones matter).
    pub prompts: Vec<PromptRecord>,
    /// Per client, the date of the last reflection that did NOT answer a prompt (an
    /// unprompted reflection restarts the cadence; answers to prompts are represented by
    /// their prompt, so passing them here would push the next prompt past its occurrence).
    pub last_unprompted_reflection: BTreeMap<ClientKey, DateTime<Utc>>,
    /// Global pause: no prompts and no reminders while the owner's local date is before
    /// this date (the first day olifant asks again). `None`: not paused. An indefinite
    /// pause is `Some(NaiveDate::MAX)`.
    pub global_pause: Option<NaiveDate>,
    /// At most this many prompts per occurrence (default 3).
    pub max_prompts_per_run: usize,
    /// A sent, still open prompt gets its one reminder after this long (default 3 days).
    pub reminder_after: Duration,
    /// When prompt passes are scheduled.
    pub prompt_cron: CronExpr,
    /// The owner's time zone.
    pub tz: Tz,
    /// When the previous scheduling pass ran (`None`: never).
    pub last_run: Option<DateTime<Utc>>,
    /// When a client never asked before is first due.
    pub first_prompt: FirstPrompt,
}

/// Why a client gets no prompt in this pass.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "reason")]
pub enum SkipReason {
    /// Paused (until `None`) or snoozed until a date.
    Paused {
        /// First day it is active again.
        until: Option<NaiveDate>,
    },
    /// Archived (let go).
    Archived,
    /// Due, but the owner paused all prompts.
    GloballyPaused {
        /// First day olifant asks again.
        until: NaiveDate,
    },
    /// Due, but the per-run cap was reached; it comes first next time it is more overdue.
    OverCap,
    /// A prompt was already created for this occurrence.
    AlreadyPrompted,
}

/// What a prompt pass should do.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PromptPlan {
    /// The occurrence this pass serves (`None`: nothing new to serve; then `to_send`,
    /// `expire` and `skipped` are empty). New prompts record it as their `occurrence`.
    pub occurrence: Option<DateTime<Utc>>,
    /// Clients to prompt, most overdue first, at most the cap.
    pub to_send: Vec<ClientKey>,
    /// Open, sent prompts that get their one reminder now.
    pub reminders: Vec<PromptId>,
    /// Open prompts replaced by a new prompt in `to_send` (prompts never stack up).
    pub expire: Vec<PromptId>,
    /// Clients not prompted, and why.
    pub skipped: Vec<(ClientKey, SkipReason)>,
}

/// Whether a prompt counts as "the client was asked" for the cadence: everything except
/// a send that failed or a prompt that bounced (the owner never saw those).
fn counts_as_asked(p: &PromptRecord) -> bool {
    !matches!(p.send, SendState::Failed { .. }) && !matches!(p.status, PromptStatus::Bounced { .. })
}

/// Adds one cadence to a local date.
pub fn add_cadence(date: NaiveDate, cadence: Cadence) -> Option<NaiveDate> {
    match cadence {
        Cadence::Weekly => date.checked_add_days(Days::new(7)),
        Cadence::Biweekly => date.checked_add_days(Days::new(14)),
        Cadence::Monthly => date.checked_add_months(Months::new(1)),
        Cadence::Quarterly => date.checked_add_months(Months::new(3)),
        Cadence::EveryDays(n) => date.checked_add_days(Days::new(u64::from(n.max(1)))),
    }
}

/// The local date from which `client` is due: one cadence after the latest of its
/// `since`, the occurrence of its last prompt that reached the owner, and its last
/// unprompted reflection. A client never asked and never reflected on is due from its
/// `since` with [`FirstPrompt::NextRun`]. Measured on local dates in `tz`.
pub fn client_due_date(
    client: &Client,
    prompts: &[PromptRecord],
    last_unprompted_reflection: Option<DateTime<Utc>>,
    tz: Tz,
    first: FirstPrompt,
) -> NaiveDate {
    let key = client.key();
    let last_prompt = prompts
        .iter()
        .filter(|p| p.client == key && counts_as_asked(p))
        .map(|p| p.occurrence)
        .max();
    if first == FirstPrompt::NextRun
        && last_prompt.is_none()
        && last_unprompted_reflection.is_none()
    {
        return client.since.with_timezone(&tz).date_naive();
    }
    let anchor = [Some(client.since), last_prompt, last_unprompted_reflection]
        .into_iter()
        .flatten()
        .max()
        .unwrap_or(client.since);
    let local = anchor.with_timezone(&tz).date_naive();
    add_cadence(local, client.cadence).unwrap_or(NaiveDate::MAX)
}

/// [`client_due_date`] with what `input` knows.
fn due_date_in(input: &PlanInput, client: &Client) -> NaiveDate {
    client_due_date(
        client,
        &input.prompts,
        input.last_unprompted_reflection.get(&client.key()).copied(),
        input.tz,
        input.first_prompt,
    )
}

/// Decides one prompt pass at `now`. See the module documentation for the rules.
///
/// * A client is due when active (not archived, not paused or snoozed until a later
///   date), no prompt exists for this occurrence, and today's local date is on or after
///   [`client_due_date`].
/// * `to_send` holds due clients, oldest due date first, then by name, at most
///   `max_prompts_per_run` minus the prompts already created for this occurrence.
/// * `expire` holds the open prompts of the clients in `to_send`.
/// * `reminders` holds open prompts that were sent at least `reminder_after` ago and have
///   no reminder yet, of active clients, outside a global pause, and not being expired.
///   Prompts whose send is Intent/Unknown/Failed never get a reminder.
pub fn plan_prompt_run(input: &PlanInput, now: DateTime<Utc>) -> PromptPlan {
    let tz = input.tz;
    let today = now.with_timezone(&tz).date_naive();
    let paused_until = input.global_pause.filter(|until| today < *until);
    let occurrence = prev_at_or_before(&input.prompt_cron, now, tz)
        .filter(|occ| input.last_run.is_none_or(|last| *occ > last));

    let active: BTreeMap<ClientKey, &Client> = input
        .clients
        .iter()
        .filter(|c| is_active(c, today))
        .map(|c| (c.key(), c))
        .collect();

    let mut plan = PromptPlan {
        occurrence,
        ..PromptPlan::default()
    };

    if let Some(occ) = occurrence {
        let already: BTreeSet<&ClientKey> = input
            .prompts
            .iter()
            .filter(|p| p.occurrence == occ)
            .map(|p| &p.client)
            .collect();
        let created_for_occ = input.prompts.iter().filter(|p| p.occurrence == occ).count();
        let room = input.max_prompts_per_run.saturating_sub(created_for_occ);

        let mut due: Vec<(NaiveDate, &str, ClientKey)> = Vec::new();
        let mut seen = BTreeSet::new();
        for client in &input.clients {
            let key = client.key();
            if !seen.insert(key.clone()) {
                continue; // two clients with the same key: the first one wins
            }
            match &client.status {
                ClientStatus::Archived { .. } => {
                    plan.skipped.push((key, SkipReason::Archived));
                    continue;
                }
                ClientStatus::Paused { until } if until.is_none_or(|u| today < u) => {
                    plan.skipped
                        .push((key, SkipReason::Paused { until: *until }));
                    continue;
                }
                _ => {}
            }
            if already.contains(&key) {
                plan.skipped.push((key, SkipReason::AlreadyPrompted));
                continue;
            }
            let due_date = due_date_in(input, client);
            if today < due_date {
                continue;
            }
            if let Some(until) = paused_until {
                plan.skipped
                    .push((key, SkipReason::GloballyPaused { until }));
                continue;
            }
            due.push((due_date, client.name.as_str(), key));
        }
        due.sort();
        for (i, (_, _, key)) in due.into_iter().enumerate() {
            if i < room {
                plan.to_send.push(key);
            } else {
                plan.skipped.push((key, SkipReason::OverCap));
            }
        }
        let sending: BTreeSet<&ClientKey> = plan.to_send.iter().collect();
        plan.expire = input
            .prompts
            .iter()
            .filter(|p| p.status == PromptStatus::Open && sending.contains(&p.client))
            .map(|p| p.id)
            .collect();
    }

    if paused_until.is_none() {
        let expiring: BTreeSet<PromptId> = plan.expire.iter().copied().collect();
        plan.reminders = input
            .prompts
            .iter()
            .filter(|p| {
                p.status == PromptStatus::Open
                    && p.reminder.is_none()
                    && !expiring.contains(&p.id)
                    && active.contains_key(&p.client)
                    && matches!(p.send, SendState::Sent { at } if now - at >= input.reminder_after)
            })
            .map(|p| p.id)
            .collect();
    }
    plan
}

/// When one client's next prompt goes out, as [`outlook`] sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "when")]
pub enum Outlook {
    /// A prompt pass now sends it (for the run at `run`).
    Now {
        /// The occurrence served.
        run: DateTime<Utc>,
    },
    /// At the prompt run at `run` (`None`: the cron never comes).
    Next {
        /// That run.
        run: Option<DateTime<Utc>>,
        /// Due from this local date (the run is the first one on or after it).
        due: NaiveDate,
    },
    /// Due, but this run's cap (`max_prompts_per_run`) is reached: at the run after.
    OverCap {
        /// That run.
        run: Option<DateTime<Utc>>,
    },
    /// Paused or snoozed until this first day (`None`: until resumed).
    Paused {
        /// First day asked again.
        until: Option<NaiveDate>,
    },
    /// All prompts are paused until this first day.
    GloballyPaused {
        /// First day asked again (`NaiveDate::MAX`: until resumed).
        until: NaiveDate,
    },
}

/// For every client not let go, when its next prompt goes out and why (for
/// `send-prompts --dry-run` and `olifant status`), in the order of `input.clients`.
pub fn outlook(input: &PlanInput, now: DateTime<Utc>) -> Vec<(ClientKey, Outlook)> {
    let tz = input.tz;
    let today = now.with_timezone(&tz).date_naive();
    let plan = plan_prompt_run(input, now);
    let paused_until = input.global_pause.filter(|until| today < *until);
    let after_this = next_after(
        &input.prompt_cron,
        plan.occurrence.unwrap_or(now).max(now),
        tz,
    );
    let first_run_from = |due: NaiveDate| {
        let start = resolve_midnight(due, tz).unwrap_or(now).max(now);
        next_after(&input.prompt_cron, start - Duration::seconds(1), tz)
    };
    let mut out = Vec::new();
    let mut seen = BTreeSet::new();
    for client in &input.clients {
        let key = client.key();
        if !seen.insert(key.clone()) {
            continue;
        }
        let o = match &client.status {
            ClientStatus::Archived { .. } => continue,
            ClientStatus::Paused { until } if until.is_none_or(|u| today < u) => {
                Outlook::Paused { until: *until }
            }
            _ if plan.to_send.contains(&key) => Outlook::Now {
                run: plan.occurrence.unwrap_or(now),
            },
            _ if plan
                .skipped
                .iter()
                .any(|(k, r)| k == &key && *r == SkipReason::OverCap) =>
            {
                Outlook::OverCap { run: after_this }
            }
            _ if paused_until.is_some() => Outlook::GloballyPaused {
                until: paused_until.unwrap_or(NaiveDate::MAX),
            },
            _ => {
                let due = due_date_in(input, client);
                // Due already, but this run is served (or none is pending): the next one.
                let run = if due <= today {
                    after_this
                } else {
                    first_run_from(due)
                };
                Outlook::Next { run, due }
            }
        };
        out.push((key, o));
    }
    out
}

/// The first instant of the local date `d` in `tz` (the end of the gap when midnight is
/// skipped).
fn resolve_midnight(d: NaiveDate, tz: Tz) -> Option<DateTime<Utc>> {
    use chrono::TimeZone;
    let t = d.and_hms_opt(0, 0, 0)?;
    match tz.from_local_datetime(&t) {
        chrono::LocalResult::Single(x) | chrono::LocalResult::Ambiguous(x, _) => {
            Some(x.with_timezone(&Utc))
        }
        chrono::LocalResult::None => tz
            .from_local_datetime(&(t + Duration::hours(1)))
            .earliest()
            .map(|x| x.with_timezone(&Utc)),
    }
}

fn is_active(client: &Client, today: NaiveDate) -> bool {
    match &client.status {
        ClientStatus::Active => true,
        ClientStatus::Paused { until } => until.is_some_and(|u| today >= u),
        ClientStatus::Archived { .. } => false,
    }
}

/// The digest occurrence to serve at `now`: the latest occurrence at or before `now`
/// that is later than `last_digest_run` (`None` when there is nothing new). After
/// downtime it returns only the most recent missed occurrence: one catch-up digest.
pub fn digest_due(
    digest_cron: &CronExpr,
    tz: Tz,
    last_digest_run: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Option<DateTime<Utc>> {
    prev_at_or_before(digest_cron, now, tz).filter(|occ| last_digest_run.is_none_or(|l| *occ > l))
}

/// The next prompt pass and the next digest strictly after `now` (for `olifant status`).
pub fn next_runs(
    prompt_cron: &CronExpr,
    digest_cron: &CronExpr,
    tz: Tz,
    now: DateTime<Utc>,
) -> (Option<DateTime<Utc>>, Option<DateTime<Utc>>) {
    (
        next_after(prompt_cron, now, tz),
        next_after(digest_cron, now, tz),
    )
}

/// A length of time written by the owner (`pause 2w`, `snooze 1m`): days or calendar months.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Span {
    /// A number of days (`10d`, `2w` = 14 days).
    Days(u32),
    /// A number of calendar months (`1m`, `1y` = 12 months).
    Months(u32),
}

impl Span {
    /// The local date `self` after `from` (for "paused until").
    pub fn after(self, from: NaiveDate) -> Option<NaiveDate> {
        match self {
            Span::Days(n) => from.checked_add_days(Days::new(u64::from(n))),
            Span::Months(n) => from.checked_add_months(Months::new(n)),
        }
    }
}

/// Parses `10d`, `2w`, `1m`, `3mo`, `1y` (also `2 weeks`, `3 days`, `1 month`, and Dutch
/// `2 weken`, `3 dagen`, `1 maand`, `1 jaar`). Zero and overflow are `None`.
pub fn parse_span(s: &str) -> Option<Span> {
    let s = s.trim().to_ascii_lowercase();
    let split = s.find(|c: char| !c.is_ascii_digit())?;
    let n: u32 = s[..split].parse().ok()?;
    if n == 0 {
        return None;
    }
    match s[split..].trim() {
        "d" | "day" | "days" | "dag" | "dagen" => Some(Span::Days(n)),
        "w" | "week" | "weeks" | "wk" | "weken" => n.checked_mul(7).map(Span::Days),
        "m" | "mo" | "month" | "months" | "maand" | "maanden" => Some(Span::Months(n)),
        "y" | "year" | "years" | "j" | "jaar" | "jaren" => n.checked_mul(12).map(Span::Months),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_parse_in_both_languages() {
        assert_eq!(parse_span("2w"), Some(Span::Days(14)));
        assert_eq!(parse_span("10d"), Some(Span::Days(10)));
        assert_eq!(parse_span("1m"), Some(Span::Months(1)));
        assert_eq!(parse_span("3 maanden"), Some(Span::Months(3)));
        assert_eq!(parse_span("1y"), Some(Span::Months(12)));
        assert_eq!(parse_span("0d"), None);
        assert_eq!(parse_span("w"), None);
        assert_eq!(parse_span("5 fortnights"), None);
        let d = NaiveDate::from_ymd_opt(2026, 1, 31).unwrap();
        assert_eq!(
            Span::Months(1).after(d),
            NaiveDate::from_ymd_opt(2026, 2, 28)
        );
    }

    #[test]
    fn cadence_months_are_calendar_months() {
        let d = NaiveDate::from_ymd_opt(2026, 1, 15).unwrap();
        assert_eq!(
            add_cadence(d, Cadence::Monthly),
            NaiveDate::from_ymd_opt(2026, 2, 15)
        );
        assert_eq!(
            add_cadence(d, Cadence::Quarterly),
            NaiveDate::from_ymd_opt(2026, 4, 15)
        );
        assert_eq!(
            add_cadence(d, Cadence::EveryDays(10)),
            NaiveDate::from_ymd_opt(2026, 1, 25)
        );
    }
}
