//! Managing clients: list, add, edit, pause, snooze, resume, archive, and CSV import.
//!
//! ## One source of truth
//!
//! A client's *declared fields* (name, cadence, revenue, tags, since) have exactly one home:
//!
//! * a client declared under `[[clients]]` in the config file is owned by the config: change
//!   it there. `olifant clients edit` refuses it and names the file to edit;
//! * a client added with `olifant clients add`, `olifant clients import` or by email
//!   (`add client …`) lives only in the store: `olifant clients edit` changes it.
//!
//! A client's *status* (active, paused, snoozed until a date, archived) always lives in the
//! store, for both kinds: `pause`, `snooze`, `resume` and `archive` work on every client.
//!
//! Every start ([`App::open`](crate::app::App::open)) syncs config → store: the config wins for
//! the declared fields, the store keeps the status. Removing a client from `[[clients]]`
//! leaves it in the store (with its history) as a store-only client.
//!
//! Every change is flushed to disk before the function returns.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};

use crate::app::{App, AppError};
use crate::model::{Cadence, Client, ClientKey, ClientStatus};

/// One line of `olifant clients list`.
#[derive(Debug, Clone, PartialEq)]
pub struct ClientRow {
    /// Display name.
    pub name: String,
    /// Cadence in words (`monthly`, `every 10 days`).
    pub cadence: String,
    /// `active`, `paused`, `snoozed until 2026-12-01` or `archived`.
    pub status: String,
    /// The status as stored.
    pub client_status: ClientStatus,
    /// Tracked since (date in the owner's time zone).
    pub since: NaiveDate,
    /// Yearly revenue, when known.
    pub revenue: Option<f64>,
    /// Free tags.
    pub tags: Vec<String>,
    /// Whether `[[clients]]` in the config declares it (then edit it there).
    pub declared_in_config: bool,
    /// Date (owner's time zone) of the latest reflection.
    pub last_reflection: Option<NaiveDate>,
    /// Number of stored reflections.
    pub reflections: usize,
}

/// The status in words; a snooze whose date has passed reads `active`.
pub fn status_text(status: &ClientStatus, today: NaiveDate) -> String {
    match status {
        ClientStatus::Active => "active".into(),
        ClientStatus::Paused { until: None } => "paused".into(),
        ClientStatus::Paused { until: Some(d) } if *d <= today => "active".into(),
        ClientStatus::Paused { until: Some(d) } if *d == NaiveDate::MAX => "paused".into(),
        ClientStatus::Paused { until: Some(d) } => format!("snoozed until {d}"),
        ClientStatus::Archived { .. } => "archived".into(),
    }
}

/// Parses a cadence given by the user, with a message that says what is accepted.
pub fn parse_cadence(text: &str) -> Result<Cadence, String> {
    Cadence::parse(text).ok_or_else(|| {
        format!(
            "{text:?} is not a cadence; use weekly, biweekly, monthly, quarterly or \"every N days\""
        )
    })
}

/// Checks a revenue given by the user.
pub fn check_revenue(revenue: f64) -> Result<f64, String> {
    if revenue.is_finite() && revenue >= 0.0 {
        Ok(revenue)
    } else {
        Err(format!(
            "revenue {revenue} is not allowed; use a number of 0 or more (yearly, no currency sign)"
        ))
    }
}

pub(crate) fn clean_tags(tags: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for t in tags {
        let t = t.trim();
        if !t.is_empty() && !out.iter().any(|o| o == t) {
            out.push(t.to_string());
        }
    }
    out
}

pub(crate) fn clean_name(name: &str) -> Result<String, AppError> {
    let collapsed = name.split_whitespace().collect::<Vec<_>>().join(" ");
    if collapsed.is_empty() {
        return Err(AppError::Invalid(
            "a client needs a name, e.g. \"Bakkerij Jansen\"".into(),
        ));
    }
    Ok(collapsed)
}

/// A client by the name the owner typed.
pub fn find_client(app: &App, name: &str) -> Result<Client, AppError> {
    app.store
        .client(&ClientKey::from_name(name))?
        .ok_or_else(|| AppError::UnknownClient(name.to_string()))
}

fn clients_today(app: &App, now: DateTime<Utc>) -> NaiveDate {
    now.with_timezone(&app.config.owner.timezone).date_naive()
}

/// Whether `[[clients]]` in the config declares a client with this name.
pub fn declared_in_config(app: &App, name: &str) -> bool {
    app.config.client(&ClientKey::from_name(name)).is_some()
}

/// All clients (config-declared and store-only), sorted by name, with their reflection
/// counts. `now` decides whether a snooze has run out.
pub fn clients_list(app: &App, now: DateTime<Utc>) -> Result<Vec<ClientRow>, AppError> {
    let today = clients_today(app, now);
    let tz = app.config.owner.timezone;
    let clients = app.store.clients()?;
    // Count per client, one client's reflections in memory at a time.
    let mut stats: HashMap<ClientKey, (usize, DateTime<Utc>)> = HashMap::new();
    for c in &clients {
        let reflections = app.store.reflections_for(&c.key())?;
        if let Some(latest) = reflections.iter().map(|r| r.date).max() {
            stats.insert(c.key(), (reflections.len(), latest));
        }
    }
    let mut rows: Vec<ClientRow> = clients
        .into_iter()
        .map(|c| {
            let key = c.key();
            let s = stats.get(&key);
            ClientRow {
                cadence: c.cadence.as_text(),
                status: status_text(&c.status, today),
                since: c.since.with_timezone(&tz).date_naive(),
                revenue: c.revenue,
                tags: c.tags.clone(),
                declared_in_config: app.config.client(&key).is_some(),
                last_reflection: s.map(|(_, d)| d.with_timezone(&tz).date_naive()),
                reflections: s.map(|(n, _)| *n).unwrap_or(0),
                client_status: c.status,
                name: c.name,
            }
        })
        .collect();
    rows.sort_by_key(|r| ClientKey::from_name(&r.name));
    Ok(rows)
}

fn refuse_existing(app: &App, name: &str) -> Result<(), AppError> {
    if let Some(c) = app.store.client(&ClientKey::from_name(name))? {
        let how = if declared_in_config(app, &c.name) {
            format!("it is declared in [[clients]] of {}", app.config.origin)
        } else {
            format!("change it with `olifant clients edit \"{}\"`", c.name)
        };
        return Err(AppError::Invalid(format!(
            "\"{}\" is already a client (names ignore case and spacing); {how}",
            c.name
        )));
    }
    Ok(())
}

/// `olifant clients add`: a new store-only client, active from `now`. Refused when a
/// client with the same name (case and spacing ignored) exists.
pub fn client_add(
    app: &App,
    name: &str,
    cadence: Option<&str>,
    revenue: Option<f64>,
    tags: &[String],
    now: DateTime<Utc>,
) -> Result<Client, AppError> {
    let name = clean_name(name)?;
    refuse_existing(app, &name)?;
    let cadence = match cadence {
        Some(c) => parse_cadence(c).map_err(AppError::Invalid)?,
        None => Cadence::default(),
    };
    let revenue = revenue
        .map(check_revenue)
        .transpose()
        .map_err(AppError::Invalid)?;
    let client = Client {
        name,
        cadence,
        revenue,
        tags: clean_tags(tags),
        status: ClientStatus::Active,
        since: now,
    };
    app.store.put_client(&client)?;
    app.store.flush()?;
    Ok(client)
}

/// `olifant clients edit`: changes the given fields of a store-only client (`None` keeps
/// a field; `Some(&[])` clears the tags). Config-declared clients are refused: edit
/// `[[clients]]` in the config instead.
pub fn client_edit(
    app: &App,
    name: &str,
    cadence: Option<&str>,
    revenue: Option<f64>,
    tags: Option<&[String]>,
) -> Result<Client, AppError> {
    let mut c = find_client(app, name)?;
    if declared_in_config(app, &c.name) {
        return Err(AppError::Invalid(format!(
            "\"{}\" is declared in the config: edit [[clients]] in {} instead (olifant reads it at the next start)",
            c.name, app.config.origin
        )));
    }
    if cadence.is_none() && revenue.is_none() && tags.is_none() {
        return Err(AppError::Invalid(
            "nothing to change: give --cadence, --revenue or --tag".into(),
        ));
    }
    if let Some(cad) = cadence {
        c.cadence = parse_cadence(cad).map_err(AppError::Invalid)?;
    }
    if let Some(r) = revenue {
        c.revenue = Some(check_revenue(r).map_err(AppError::Invalid)?);
    }
    if let Some(t) = tags {
        c.tags = clean_tags(t);
    }
    app.store.put_client(&c)?;
    app.store.flush()?;
    Ok(c)
}

fn set_status(
    app: &App,
    name: &str,
    verb: &str,
    status: impl FnOnce(&Client) -> ClientStatus,
) -> Result<Client, AppError> {
    let mut c = find_client(app, name)?;
    if matches!(c.status, ClientStatus::Archived { .. }) && verb != "resume" {
        return Err(AppError::Invalid(format!(
            "\"{}\" is archived; to {verb} it, first run `olifant clients resume \"{}\"`",
            c.name, c.name
        )));
    }
    c.status = status(&c);
    app.store.put_client(&c)?;
    app.store.flush()?;
    Ok(c)
}

/// `olifant clients pause`: no prompts for the client until `until` (the first day it is
/// asked about again), or until resumed when `None`.
pub fn client_pause(app: &App, name: &str, until: Option<NaiveDate>) -> Result<Client, AppError> {
    set_status(app, name, "pause", |_| ClientStatus::Paused { until })
}

/// `olifant clients snooze NAME 2w`: paused until `span` after `today` (owner's date).
pub fn client_snooze(
    app: &App,
    name: &str,
    span: &str,
    today: NaiveDate,
) -> Result<Client, AppError> {
    let until = crate::schedule::parse_span(span)
        .and_then(|s| s.after(today))
        .ok_or_else(|| {
            AppError::Invalid(format!(
                "{span:?} is not a span; use e.g. 10d, 2w, 1m or 1y"
            ))
        })?;
    set_status(app, name, "snooze", |_| ClientStatus::Paused {
        until: Some(until),
    })
}

/// `olifant clients resume`: active again (also un-archives).
pub fn client_resume(app: &App, name: &str) -> Result<Client, AppError> {
    set_status(app, name, "resume", |_| ClientStatus::Active)
}

/// `olifant clients archive` (let go): no more prompts, history kept. Archiving an
/// archived client keeps the original date.
pub fn client_archive(app: &App, name: &str, now: DateTime<Utc>) -> Result<Client, AppError> {
    let c = find_client(app, name)?;
    if matches!(c.status, ClientStatus::Archived { .. }) {
        return Ok(c);
    }
    set_status(app, name, "archive", |_| ClientStatus::Archived {
        since: now,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_text_reads_expired_snooze_as_active() {
        let d = NaiveDate::from_ymd_opt(2026, 5, 1).unwrap();
        let s = ClientStatus::Paused { until: Some(d) };
        assert_eq!(
            status_text(&s, d.pred_opt().unwrap()),
            "snoozed until 2026-05-01"
        );
        assert_eq!(status_text(&s, d), "active");
        assert_eq!(
            status_text(&ClientStatus::Paused { until: None }, d),
            "paused"
        );
    }
}
