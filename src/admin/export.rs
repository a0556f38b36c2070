//! `olifant export` and `olifant import`: everything olifant knows about clients, prompts
//! and reflections, as JSON (round-trips) or CSV (one row per reflection, for spreadsheets).
//!
//! ## The JSON format (version 1)
//!
//! ```text
//! {
//!   "version": 1,
//!   "pause": null | {"until": "2026-12-01" | null},     // all prompts paused; null until = until resumed
//!   "clients": [{
//!     "name": "Bakkerij Jansen",
//!     "cadence": "monthly",                              // weekly, biweekly, monthly, quarterly, "every N days"
//!     "revenue": 12000 | null,
//!     "tags": ["bakery"],
//!     "status": "active" | "paused" | "archived",
//!     "paused_until": "2026-12-01" | null,               // only with "paused": first day asked again
//!     "archived_at": "2026-11-02T08:00:00Z",             // only with "archived"
//!     "since": "2024-01-15" | "2024-01-15T09:30:00Z"
//!   }],
//!   "prompts": [{
//!     "id": 123456789, "client": "Bakkerij Jansen", "client_key": "bakkerij jansen",
//!     "lang": "en" | "nl",
//!     "occurrence": "…", "created_at": "…",               // RFC 3339
//!     "message_id": "…", "subject": "…",
//!     "send": {"state": "sent", "at": "…"}               // or intent {at}, unknown {intent_at, reason},
//!                                                        //    failed {at, permanent, reason}
//!     "status": {"state": "open"}                        // or answered {at}, expired {at}, bounced {at, reason}
//!     "reminder": null | {"message_id": "…", "send": {…}}
//!   }],
//!   "reflections": [{
//!     "client": "Bakkerij Jansen",
//!     "date": "2026-11-02",                              // in the owner's time zone, for people
//!     "at": "2026-11-02T08:14:03Z",                      // exact; wins over "date" when given
//!     "prompt": 123456789 | null,
//!     "answers": {"energy": {"rating": 4 | null, "comment": "…" | null}},
//!     "notes": "…",
//!     "sources": ["<message-id>", "sha256:…"]
//!   }]
//! }
//! ```
//!
//! Dates are ISO 8601 dates (`2026-11-02`) or RFC 3339 timestamps; a bare date means
//! midnight UTC (for `date` of a reflection without `at`: midnight in the owner's time zone).
//! The export is deterministic: keys sorted, clients by name, prompts by creation time,
//! reflections by time: exporting the same store twice gives the same bytes, and export →
//! import → export gives the same bytes too.
//!
//! Import only fills an empty data directory (nothing in it but the config's `[[clients]]`,
//! all active): it never merges. It checks the whole file first and names the JSON path of
//! the first problem (`reflections[3].date`); nothing is written unless all of it is good.
//! Unknown fields are ignored, so later versions may add fields to version 1.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{DateTime, NaiveDate, SecondsFormat, TimeZone, Utc};
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::{json, Map, Value};

use crate::app::{App, AppError};
use crate::clients::{check_revenue, parse_cadence};
use crate::model::{
    Answer, Cadence, Client, ClientKey, ClientStatus, Lang, PromptId, PromptRecord, PromptStatus,
    Reflection, Reminder, SendState,
};

/// The export format version this olifant writes and reads.
pub const EXPORT_VERSION: u64 = 1;

/// What [`import_json`] restored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ImportSummary {
    /// Clients written.
    pub clients: usize,
    /// Prompts written.
    pub prompts: usize,
    /// Reflections written.
    pub reflections: usize,
}

fn ts(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

fn date_or_ts(at: DateTime<Utc>) -> String {
    if at.timestamp_subsec_nanos() == 0 && at.timestamp().rem_euclid(86_400) == 0 {
        at.date_naive().to_string()
    } else {
        ts(at)
    }
}

fn number(x: f64) -> Value {
    if x.fract() == 0.0 && x.abs() < 9_007_199_254_740_992.0 {
        json!(x as i64)
    } else {
        json!(x)
    }
}

fn to_value<T: serde::Serialize>(v: &T) -> Result<Value, AppError> {
    serde_json::to_value(v).map_err(|e| AppError::Invalid(format!("cannot write the export: {e}")))
}

fn client_json(c: &Client) -> Value {
    let mut m = Map::new();
    m.insert("name".into(), json!(c.name));
    m.insert("cadence".into(), json!(c.cadence.as_text()));
    m.insert(
        "revenue".into(),
        c.revenue.map(number).unwrap_or(Value::Null),
    );
    m.insert("tags".into(), json!(c.tags));
    m.insert("since".into(), json!(date_or_ts(c.since)));
    match &c.status {
        ClientStatus::Active => {
            m.insert("status".into(), json!("active"));
        }
        ClientStatus::Paused { until } => {
            m.insert("status".into(), json!("paused"));
            m.insert(
                "paused_until".into(),
                until.map(|d| json!(d.to_string())).unwrap_or(Value::Null),
            );
        }
        ClientStatus::Archived { since } => {
            m.insert("status".into(), json!("archived"));
            m.insert("archived_at".into(), json!(ts(*since)));
        }
    }
    Value::Object(m)
}

fn prompt_json(p: &PromptRecord) -> Result<Value, AppError> {
    Ok(json!({
        "id": p.id.0,
        "client": p.client_name,
        "client_key": p.client.as_str(),
        "lang": p.lang.code(),
        "occurrence": ts(p.occurrence),
        "created_at": ts(p.created_at),
        "message_id": p.message_id,
        "subject": p.subject,
        "send": to_value(&p.send)?,
        "status": to_value(&p.status)?,
        "reminder": match &p.reminder {
            None => Value::Null,
            Some(r) => json!({"message_id": r.message_id, "send": to_value(&r.send)?}),
        },
    }))
}

fn reflection_json(app: &App, r: &Reflection, names: &HashMap<ClientKey, String>) -> Value {
    let tz = app.config.owner.timezone;
    let answers: Map<String, Value> = r
        .answers
        .iter()
        .map(|(k, a)| (k.clone(), json!({"rating": a.rating, "comment": a.comment})))
        .collect();
    json!({
        "client": names.get(&r.client).cloned().unwrap_or_else(|| r.client.as_str().to_string()),
        "date": r.date.with_timezone(&tz).date_naive().to_string(),
        "at": ts(r.date),
        "prompt": r.prompt.map(|p| p.0),
        "answers": answers,
        "notes": r.notes,
        "sources": r.sources,
    })
}

/// Reflections in export order: by time, ties broken by their JSON text (store-local ids
/// differ between stores, so they must not decide the order).
fn sorted_reflections(app: &App) -> Result<Vec<(Reflection, Value)>, AppError> {
    let names: HashMap<ClientKey, String> = app
        .store
        .clients()?
        .into_iter()
        .map(|c| (c.key(), c.name))
        .collect();
    let mut v: Vec<(Reflection, Value, String)> = app
        .store
        .reflections()?
        .into_iter()
        .map(|r| {
            let j = reflection_json(app, &r, &names);
            let s = j.to_string();
            (r, j, s)
        })
        .collect();
    v.sort_by(|a, b| a.0.date.cmp(&b.0.date).then_with(|| a.2.cmp(&b.2)));
    Ok(v.into_iter().map(|(r, j, _)| (r, j)).collect())
}

/// The whole store as the documented JSON value (see the module docs).
pub fn export_json(app: &App) -> Result<Value, AppError> {
    let mut clients = app.store.clients()?;
    clients.sort_by(|a, b| a.key().cmp(&b.key()).then_with(|| a.name.cmp(&b.name)));
    let prompts = app.store.prompts()?;
    let pause = match app.store.meta()?.paused_until {
        None => Value::Null,
        Some(d) if d == NaiveDate::MAX => json!({"until": null}),
        Some(d) => json!({"until": d.to_string()}),
    };
    Ok(json!({
        "version": EXPORT_VERSION,
        "pause": pause,
        "clients": clients.iter().map(client_json).collect::<Vec<_>>(),
        "prompts": prompts.iter().map(prompt_json).collect::<Result<Vec<_>, _>>()?,
        "reflections": sorted_reflections(app)?.into_iter().map(|(_, j)| j).collect::<Vec<_>>(),
    }))
}

/// [`export_json`] pretty-printed, with a final newline: the bytes `olifant export` writes.
pub fn export_json_string(app: &App) -> Result<String, AppError> {
    let v = export_json(app)?;
    let mut s = serde_json::to_string_pretty(&v)
        .map_err(|e| AppError::Invalid(format!("cannot write the export: {e}")))?;
    s.push('\n');
    Ok(s)
}

/// One CSV row per reflection (oldest first): `date` (owner's time zone), `client`, then per
/// question key its rating and `<key>_comment` (questionnaire order, then any other keys
/// found, sorted), then `notes`. RFC 4180 quoting, CRLF line ends.
pub fn export_csv(app: &App) -> Result<String, AppError> {
    let rows = sorted_reflections(app)?;
    let mut keys: Vec<String> = app
        .config
        .questionnaire()
        .questions
        .iter()
        .map(|q| q.key.clone())
        .collect();
    let extra: BTreeSet<&String> = rows
        .iter()
        .flat_map(|(r, _)| r.answers.keys())
        .filter(|k| !keys.contains(k))
        .collect();
    let extra: Vec<String> = extra.into_iter().cloned().collect();
    keys.extend(extra);
    let mut header = vec!["date".to_string(), "client".to_string()];
    for k in &keys {
        header.push(k.clone());
        header.push(format!("{k}_comment"));
    }
    header.push("notes".into());
    let mut lines = vec![header];
    for (r, j) in &rows {
        let mut f = vec![
            j["date"].as_str().unwrap_or_default().to_string(),
            j["client"].as_str().unwrap_or_default().to_string(),
        ];
        for k in &keys {
            let a = r.answers.get(k);
            f.push(
                a.and_then(|a| a.rating)
                    .map(|n| n.to_string())
                    .unwrap_or_default(),
            );
            f.push(a.and_then(|a| a.comment.clone()).unwrap_or_default());
        }
        f.push(r.notes.clone());
        lines.push(f);
    }
    csv_text(&lines)
}

/// Rows as CSV text written by the `csv` crate: fields quoted where needed, CRLF line ends.
fn csv_text(rows: &[Vec<String>]) -> Result<String, AppError> {
    let failed = |e: &dyn std::fmt::Display| {
        AppError::Invalid(format!(
            "cannot write the CSV export: {e}; export as JSON (--format json) instead"
        ))
    };
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    for row in rows {
        w.write_record(row).map_err(|e| failed(&e))?;
    }
    let bytes = w.into_inner().map_err(|e| failed(&e))?;
    String::from_utf8(bytes).map_err(|e| failed(&e))
}

// ── import ────────────────────────────────────────────────────────────────────────────
//
// The file is read into typed structs by serde; `serde_path_to_error` names the JSON path
// of a value serde refuses. Checks that span several fields (or a required field that is
// missing) name their path from the item's index.

fn bad(path: &str, problem: impl std::fmt::Display) -> AppError {
    AppError::Invalid(format!("import: {path}: {problem}"))
}

/// Reads `T` out of `root`; a refused value is reported with its JSON path.
fn typed<T: DeserializeOwned>(root: &Value) -> Result<T, AppError> {
    serde_path_to_error::deserialize(root).map_err(|e| bad(&e.path().to_string(), e.inner()))
}

/// A required field: `None` (missing or null) is an error that says what to give.
fn need<T>(v: Option<T>, path: &str, what: &str) -> Result<T, AppError> {
    v.ok_or_else(|| bad(path, format!("missing; expected {what}")))
}

/// A date written `YYYY-MM-DD`.
#[derive(Deserialize)]
#[serde(try_from = "String")]
struct Day(NaiveDate);

impl TryFrom<String> for Day {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        s.parse()
            .map(Day)
            .map_err(|_| format!("{s:?} is not a date; write YYYY-MM-DD"))
    }
}

/// An RFC 3339 timestamp, or a date meaning midnight UTC.
#[derive(Deserialize)]
#[serde(try_from = "String")]
struct Time(DateTime<Utc>);

impl TryFrom<String> for Time {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        if let Ok(t) = DateTime::parse_from_rfc3339(&s) {
            return Ok(Time(t.with_timezone(&Utc)));
        }
        s.parse::<NaiveDate>()
            .ok()
            .and_then(|d| d.and_hms_opt(0, 0, 0))
            .map(|d| Time(d.and_utc()))
            .ok_or_else(|| {
                format!("{s:?} is not a date or time; write 2026-11-02 or 2026-11-02T08:00:00Z")
            })
    }
}

/// A cadence in words.
#[derive(Deserialize)]
#[serde(try_from = "String")]
struct CadenceIn(Cadence);

impl TryFrom<String> for CadenceIn {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        parse_cadence(&s).map(CadenceIn)
    }
}

/// A yearly revenue of 0 or more.
#[derive(Deserialize)]
#[serde(try_from = "f64")]
struct Revenue(f64);

impl TryFrom<f64> for Revenue {
    type Error = String;
    fn try_from(x: f64) -> Result<Self, String> {
        check_revenue(x).map(Revenue)
    }
}

/// A language code.
#[derive(Deserialize)]
#[serde(try_from = "String")]
struct LangIn(Lang);

impl TryFrom<String> for LangIn {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        Lang::from_code(&s)
            .map(LangIn)
            .ok_or_else(|| format!("{s:?}: expected \"en\" or \"nl\""))
    }
}

/// An answer's rating.
#[derive(Deserialize)]
#[serde(try_from = "u64")]
struct Rating(u8);

impl TryFrom<u64> for Rating {
    type Error = String;
    fn try_from(n: u64) -> Result<Self, String> {
        u8::try_from(n)
            .map(Rating)
            .map_err(|_| format!("{n} is too large for a rating"))
    }
}

#[derive(Deserialize)]
struct ExportIn {
    pause: Option<PauseIn>,
    clients: Option<Vec<ClientIn>>,
    prompts: Option<Vec<PromptIn>>,
    reflections: Option<Vec<ReflectionIn>>,
}

#[derive(Deserialize)]
struct PauseIn {
    until: Option<Day>,
}

#[derive(Deserialize, Clone, Copy, PartialEq)]
#[serde(rename_all = "lowercase")]
enum StatusIn {
    Active,
    Paused,
    Archived,
}

#[derive(Deserialize)]
struct ClientIn {
    name: Option<String>,
    cadence: Option<CadenceIn>,
    revenue: Option<Revenue>,
    tags: Option<Vec<String>>,
    since: Option<Time>,
    status: Option<StatusIn>,
    paused_until: Option<Day>,
    archived_at: Option<Time>,
}

impl ClientIn {
    fn into_client(self, path: &str) -> Result<Client, AppError> {
        let at = |key: &str| format!("{path}.{key}");
        let name = need(self.name, &at("name"), "the client's name")?;
        let name = name.split_whitespace().collect::<Vec<_>>().join(" ");
        if name.is_empty() {
            return Err(bad(&at("name"), "empty; give the client's name"));
        }
        let since = need(self.since, &at("since"), "a date like \"2024-01-15\"")?.0;
        let status_in = self.status.unwrap_or(StatusIn::Active);
        let status = match status_in {
            StatusIn::Active => ClientStatus::Active,
            StatusIn::Paused => ClientStatus::Paused {
                until: self.paused_until.as_ref().map(|d| d.0),
            },
            StatusIn::Archived => ClientStatus::Archived {
                since: need(
                    self.archived_at,
                    &at("archived_at"),
                    "when the client was let go, e.g. \"2026-11-02T08:00:00Z\"",
                )?
                .0,
            },
        };
        if status_in != StatusIn::Paused && self.paused_until.is_some() {
            let word = if status_in == StatusIn::Active {
                "active"
            } else {
                "archived"
            };
            return Err(bad(
                &at("paused_until"),
                format!("given but the status is {word:?}; set \"status\": \"paused\" or drop it"),
            ));
        }
        Ok(Client {
            name,
            cadence: self.cadence.map(|c| c.0).unwrap_or_default(),
            revenue: self.revenue.map(|r| r.0),
            tags: self.tags.unwrap_or_default(),
            status,
            since,
        })
    }
}

#[derive(Deserialize)]
struct PromptIn {
    id: Option<u64>,
    client: Option<String>,
    client_key: Option<String>,
    lang: Option<LangIn>,
    occurrence: Option<Time>,
    created_at: Option<Time>,
    message_id: Option<String>,
    subject: Option<String>,
    send: Option<SendState>,
    status: Option<PromptStatus>,
    reminder: Option<Reminder>,
}

impl PromptIn {
    fn into_prompt(self, path: &str) -> Result<PromptRecord, AppError> {
        let at = |key: &str| format!("{path}.{key}");
        let id = need(self.id, &at("id"), "the prompt's number")?;
        let client_name = need(self.client, &at("client"), "the client's name")?;
        let client = ClientKey::from_name(self.client_key.as_deref().unwrap_or(&client_name));
        if client.as_str().is_empty() {
            return Err(bad(&at("client"), "empty; give the client's name"));
        }
        let lang = need(self.lang, &at("lang"), "\"en\" or \"nl\"")?.0;
        let occurrence = need(self.occurrence, &at("occurrence"), "an RFC 3339 time")?.0;
        let created_at = need(self.created_at, &at("created_at"), "an RFC 3339 time")?.0;
        let message_id = need(
            self.message_id,
            &at("message_id"),
            "the prompt's Message-ID",
        )?;
        if message_id.trim().is_empty() {
            return Err(bad(
                &at("message_id"),
                "empty; give the prompt's Message-ID",
            ));
        }
        let send = need(
            self.send,
            &at("send"),
            "e.g. {\"state\": \"sent\", \"at\": \"…\"}",
        )?;
        let status = need(self.status, &at("status"), "e.g. {\"state\": \"open\"}")?;
        Ok(PromptRecord {
            id: PromptId(id),
            client,
            client_name,
            lang,
            occurrence,
            created_at,
            message_id,
            subject: self.subject.unwrap_or_default(),
            send,
            status,
            reminder: self.reminder,
        })
    }
}

#[derive(Deserialize)]
struct AnswerIn {
    rating: Option<Rating>,
    comment: Option<String>,
}

#[derive(Deserialize)]
struct ReflectionIn {
    client: Option<String>,
    date: Option<Day>,
    at: Option<Time>,
    prompt: Option<u64>,
    answers: Option<BTreeMap<String, AnswerIn>>,
    notes: Option<String>,
    sources: Option<Vec<String>>,
}

impl ReflectionIn {
    fn into_reflection(self, path: &str, tz: chrono_tz::Tz) -> Result<Reflection, AppError> {
        let at = |key: &str| format!("{path}.{key}");
        let client = ClientKey::from_name(&need(self.client, &at("client"), "the client's name")?);
        if client.as_str().is_empty() {
            return Err(bad(&at("client"), "empty; give the client's name"));
        }
        // Both are checked (by serde); the exact time wins.
        let date = match (self.at, self.date) {
            (Some(t), _) => t.0,
            (None, Some(d)) => {
                d.0.and_hms_opt(0, 0, 0)
                    .and_then(|n| tz.from_local_datetime(&n).earliest())
                    .map(|t| t.with_timezone(&Utc))
                    .ok_or_else(|| bad(&at("date"), "no such day in the owner's time zone"))?
            }
            (None, None) => {
                return Err(bad(
                    &at("date"),
                    "missing; expected the reflection's date like \"2026-11-02\"",
                ))
            }
        };
        let answers = self
            .answers
            .unwrap_or_default()
            .into_iter()
            .map(|(k, a)| {
                let answer = Answer {
                    rating: a.rating.map(|r| r.0),
                    comment: a.comment,
                };
                (k, answer)
            })
            .collect();
        Ok(Reflection {
            client,
            prompt: self.prompt.map(PromptId),
            date,
            answers,
            notes: self.notes.unwrap_or_default(),
            sources: self.sources.unwrap_or_default(),
        })
    }
}

/// Refuses a store with anything in it besides the config's `[[clients]]` (all active).
fn ensure_empty(app: &App) -> Result<(), AppError> {
    let clients = app
        .store
        .clients()?
        .into_iter()
        .filter(|c| app.config.client(&c.key()).is_none() || c.status != ClientStatus::Active)
        .count();
    let prompts = app.store.prompts()?.len();
    let reflections = app.store.reflections()?.len();
    let paused = app.store.meta()?.paused_until.is_some();
    if clients + prompts + reflections > 0 || paused {
        let dir = app.store.data_dir().display().to_string();
        return Err(AppError::Invalid(format!(
            "the data directory {dir} is not empty ({clients} clients besides [[clients]] in the config, \
             {prompts} prompts, {reflections} reflections{}); import never merges: set data_dir in {} \
             to a new directory (or move {dir} aside) and run import again",
            if paused { ", a pause" } else { "" },
            app.config.origin
        )));
    }
    Ok(())
}

/// Restores a JSON export (see the module docs) into an empty data directory. The whole file
/// is checked first; the first problem is reported with its JSON path and nothing is
/// written. The config's `[[clients]]` still win for their declared fields at the next start.
pub fn import_json(app: &App, text: &str) -> Result<ImportSummary, AppError> {
    let file = read_export(text)?;
    let pause = file.pause.map(|p| p.until.map_or(NaiveDate::MAX, |d| d.0));

    let clients = each_of(file.clients, "clients", |c, path| c.into_client(path))?;
    check_clients_unique(&clients)?;

    let prompts = each_of(file.prompts, "prompts", |p, path| p.into_prompt(path))?;
    check_prompts_unique(&prompts)?;

    let tz = app.config.owner.timezone;
    let reflections = each_of(file.reflections, "reflections", |r, path| {
        r.into_reflection(path, tz)
    })?;
    check_one_reflection_per_prompt(&reflections)?;

    ensure_empty(app)?;
    if let Some(until) = pause {
        app.store.update_meta(|m| m.paused_until = Some(until))?;
    }
    for c in &clients {
        app.store.put_client(c)?;
    }
    for p in &prompts {
        app.store.put_prompt(p)?;
    }
    for r in &reflections {
        app.store.put_reflection(r)?;
    }
    app.store.flush()?;
    Ok(ImportSummary {
        clients: clients.len(),
        prompts: prompts.len(),
        reflections: reflections.len(),
    })
}

/// Converts each entry of the array `name` (none when it is absent), naming the entry
/// `name[i]` in errors.
fn each_of<T, U>(
    items: Option<Vec<T>>,
    name: &str,
    into: impl Fn(T, &str) -> Result<U, AppError>,
) -> Result<Vec<U>, AppError> {
    items
        .unwrap_or_default()
        .into_iter()
        .enumerate()
        .map(|(i, item)| into(item, &format!("{name}[{i}]")))
        .collect()
}

/// The export file: a JSON object of the version this olifant reads, typed.
fn read_export(text: &str) -> Result<ExportIn, AppError> {
    let root: Value = serde_json::from_str(text).map_err(|e| {
        AppError::Invalid(format!(
            "import: not valid JSON (line {}, column {}): {e}; give a file written by `olifant export --format json`",
            e.line(),
            e.column()
        ))
    })?;
    if !root.is_object() {
        return Err(AppError::Invalid(
            "import: the file is not a JSON object; give a file written by `olifant export --format json`".into(),
        ));
    }
    // The version first: a file of another version may fail the checks below.
    let version = match root.get("version").filter(|v| !v.is_null()) {
        None => {
            return Err(bad(
                "version",
                "missing; expected 1 (this is not an olifant export?)",
            ))
        }
        Some(v) => v.as_u64().ok_or_else(|| {
            bad(
                "version",
                format!("{v} is not a version; expected 1 (this is not an olifant export?)"),
            )
        })?,
    };
    if version != EXPORT_VERSION {
        return Err(bad(
            "version",
            format!("{version} is not supported: this olifant reads version {EXPORT_VERSION}; import with the olifant that wrote it, or a newer one"),
        ));
    }
    typed(&root)
}

/// No client twice (by key).
fn check_clients_unique(clients: &[Client]) -> Result<(), AppError> {
    let mut keys: HashMap<ClientKey, usize> = HashMap::new();
    for (i, c) in clients.iter().enumerate() {
        if let Some(prev) = keys.insert(c.key(), i) {
            return Err(bad(
                &format!("clients[{i}].name"),
                format!(
                    "{:?} is the same client as clients[{prev}]; give each client once",
                    c.name
                ),
            ));
        }
    }
    Ok(())
}

/// No prompt id or Message-ID (of a prompt or its reminder) twice.
fn check_prompts_unique(prompts: &[PromptRecord]) -> Result<(), AppError> {
    let mut ids: HashMap<PromptId, usize> = HashMap::new();
    let mut mids: HashMap<String, usize> = HashMap::new();
    for (i, p) in prompts.iter().enumerate() {
        if let Some(prev) = ids.insert(p.id, i) {
            return Err(bad(
                &format!("prompts[{i}].id"),
                format!(
                    "{} is also the id of prompts[{prev}]; ids are unique",
                    p.id.0
                ),
            ));
        }
        let mut message_ids = vec![(p.message_id.clone(), "message_id")];
        if let Some(r) = &p.reminder {
            message_ids.push((r.message_id.clone(), "reminder.message_id"));
        }
        for (m, field) in message_ids {
            let m = m
                .trim()
                .trim_start_matches('<')
                .trim_end_matches('>')
                .to_string();
            if let Some(prev) = mids.insert(m.clone(), i) {
                return Err(bad(
                    &format!("prompts[{i}].{field}"),
                    format!("{m:?} is also used by prompts[{prev}]; Message-IDs are unique"),
                ));
            }
        }
    }
    Ok(())
}

/// No prompt answered by two reflections.
fn check_one_reflection_per_prompt(reflections: &[Reflection]) -> Result<(), AppError> {
    let mut answered: HashMap<PromptId, usize> = HashMap::new();
    for (i, r) in reflections.iter().enumerate() {
        if let Some(p) = r.prompt {
            if let Some(prev) = answered.insert(p, i) {
                return Err(bad(
                    &format!("reflections[{i}].prompt"),
                    format!("prompt {} is also answered by reflections[{prev}]; one reflection per prompt", p.0),
                ));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests;
