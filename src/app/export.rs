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
use serde_json::{json, Map, Value};

use super::clients::{check_revenue, parse_cadence};
use super::{App, AppError};
use crate::model::{
    Answer, Client, ClientKey, ClientStatus, Lang, PromptId, PromptRecord, PromptStatus,
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

fn bad(path: &str, problem: impl std::fmt::Display) -> AppError {
    AppError::Invalid(format!("import: {path}: {problem}"))
}

/// A JSON value with the path that leads to it, for error messages.
#[derive(Clone, Copy)]
struct At<'a> {
    v: &'a Value,
    path: &'a str,
}

impl<'a> At<'a> {
    fn obj(&self) -> Result<&'a Map<String, Value>, AppError> {
        self.v.as_object().ok_or_else(|| {
            bad(
                self.path,
                format!("expected an object {{…}}, found {}", kind(self.v)),
            )
        })
    }

    fn str(&self) -> Result<&'a str, AppError> {
        self.v.as_str().ok_or_else(|| {
            bad(
                self.path,
                format!("expected a string, found {}", kind(self.v)),
            )
        })
    }

    fn u64(&self) -> Result<u64, AppError> {
        self.v.as_u64().ok_or_else(|| {
            bad(
                self.path,
                format!(
                    "expected a whole number of 0 or more, found {}",
                    kind(self.v)
                ),
            )
        })
    }

    fn arr(&self) -> Result<&'a Vec<Value>, AppError> {
        self.v.as_array().ok_or_else(|| {
            bad(
                self.path,
                format!("expected a list […], found {}", kind(self.v)),
            )
        })
    }

    fn date(&self) -> Result<NaiveDate, AppError> {
        let s = self.str()?;
        s.parse::<NaiveDate>()
            .map_err(|_| bad(self.path, format!("{s:?} is not a date; write YYYY-MM-DD")))
    }

    /// An RFC 3339 timestamp, or a date meaning midnight UTC.
    fn time(&self) -> Result<DateTime<Utc>, AppError> {
        let s = self.str()?;
        if let Ok(t) = DateTime::parse_from_rfc3339(s) {
            return Ok(t.with_timezone(&Utc));
        }
        if let Some(d) = s
            .parse::<NaiveDate>()
            .ok()
            .and_then(|d| d.and_hms_opt(0, 0, 0))
        {
            return Ok(d.and_utc());
        }
        Err(bad(
            self.path,
            format!("{s:?} is not a date or time; write 2026-11-02 or 2026-11-02T08:00:00Z"),
        ))
    }

    fn serde<T: serde::de::DeserializeOwned>(&self) -> Result<T, AppError> {
        serde_json::from_value(self.v.clone()).map_err(|e| bad(self.path, e))
    }
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "true/false",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

/// Fields of one object, with paths.
struct Obj<'a> {
    m: &'a Map<String, Value>,
    path: String,
}

impl<'a> Obj<'a> {
    fn new(at: At<'a>) -> Result<Obj<'a>, AppError> {
        Ok(Obj {
            m: at.obj()?,
            path: at.path.to_string(),
        })
    }

    fn sub(&self, key: &str) -> String {
        if self.path.is_empty() {
            key.to_string()
        } else {
            format!("{}.{key}", self.path)
        }
    }

    /// The field, or `None` when missing or null.
    fn opt<R>(
        &self,
        key: &str,
        f: impl FnOnce(At<'_>) -> Result<R, AppError>,
    ) -> Result<Option<R>, AppError> {
        match self.m.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(v) => {
                let p = self.sub(key);
                f(At { v, path: &p }).map(Some)
            }
        }
    }

    fn req<R>(
        &self,
        key: &str,
        what: &str,
        f: impl FnOnce(At<'_>) -> Result<R, AppError>,
    ) -> Result<R, AppError> {
        self.opt(key, f)?
            .ok_or_else(|| bad(&self.sub(key), format!("missing; expected {what}")))
    }

    /// A list field (missing = empty), each item with its indexed path.
    fn list<R>(
        &self,
        key: &str,
        mut f: impl FnMut(At<'_>) -> Result<R, AppError>,
    ) -> Result<Vec<R>, AppError> {
        let Some(v) = self.m.get(key).filter(|v| !v.is_null()) else {
            return Ok(Vec::new());
        };
        let p = self.sub(key);
        let items = At { v, path: &p }.arr()?;
        let mut out = Vec::with_capacity(items.len());
        for (i, item) in items.iter().enumerate() {
            let ip = format!("{p}[{i}]");
            out.push(f(At { v: item, path: &ip })?);
        }
        Ok(out)
    }
}

fn read_client(at: At<'_>) -> Result<Client, AppError> {
    let o = Obj::new(at)?;
    let name = o.req("name", "the client's name", |a| a.str().map(str::to_string))?;
    let name = name.split_whitespace().collect::<Vec<_>>().join(" ");
    if name.is_empty() {
        return Err(bad(&o.sub("name"), "empty; give the client's name"));
    }
    let cadence = o
        .opt("cadence", |a| {
            let s = a.str()?;
            parse_cadence(s).map_err(|e| bad(a.path, e))
        })?
        .unwrap_or_default();
    let revenue = o.opt("revenue", |a| {
        let x = a.v.as_f64().ok_or_else(|| {
            bad(
                a.path,
                format!("expected a number or null, found {}", kind(a.v)),
            )
        })?;
        check_revenue(x).map_err(|e| bad(a.path, e))
    })?;
    let tags = o.list("tags", |a| a.str().map(str::to_string))?;
    let since = o.req("since", "a date like \"2024-01-15\"", |a| a.time())?;
    let status_text = o
        .opt("status", |a| a.str().map(str::to_string))?
        .unwrap_or_else(|| "active".into());
    let status = match status_text.as_str() {
        "active" => ClientStatus::Active,
        "paused" => ClientStatus::Paused {
            until: o.opt("paused_until", |a| a.date())?,
        },
        "archived" => ClientStatus::Archived {
            since: o.req(
                "archived_at",
                "when the client was let go, e.g. \"2026-11-02T08:00:00Z\"",
                |a| a.time(),
            )?,
        },
        other => {
            return Err(bad(
                &o.sub("status"),
                format!(
                    "{other:?} is not a status; expected \"active\", \"paused\" or \"archived\""
                ),
            ))
        }
    };
    if status_text != "paused" && o.opt("paused_until", |_| Ok(()))?.is_some() {
        return Err(bad(
            &o.sub("paused_until"),
            format!(
                "given but the status is {status_text:?}; set \"status\": \"paused\" or drop it"
            ),
        ));
    }
    Ok(Client {
        name,
        cadence,
        revenue,
        tags,
        status,
        since,
    })
}

fn read_prompt(at: At<'_>) -> Result<PromptRecord, AppError> {
    let o = Obj::new(at)?;
    let id = o.req("id", "the prompt's number", |a| a.u64())?;
    let client_name = o.req("client", "the client's name", |a| {
        a.str().map(str::to_string)
    })?;
    let client = o
        .opt("client_key", |a| a.str().map(str::to_string))?
        .map(|k| ClientKey::from_name(&k))
        .unwrap_or_else(|| ClientKey::from_name(&client_name));
    if client.as_str().is_empty() {
        return Err(bad(&o.sub("client"), "empty; give the client's name"));
    }
    let lang = o.req("lang", "\"en\" or \"nl\"", |a| {
        let s = a.str()?;
        Lang::from_code(s).ok_or_else(|| bad(a.path, format!("{s:?}: expected \"en\" or \"nl\"")))
    })?;
    let occurrence = o.req("occurrence", "an RFC 3339 time", |a| a.time())?;
    let created_at = o.req("created_at", "an RFC 3339 time", |a| a.time())?;
    let message_id = o.req("message_id", "the prompt's Message-ID", |a| {
        a.str().map(str::to_string)
    })?;
    if message_id.trim().is_empty() {
        return Err(bad(
            &o.sub("message_id"),
            "empty; give the prompt's Message-ID",
        ));
    }
    let subject = o
        .opt("subject", |a| a.str().map(str::to_string))?
        .unwrap_or_default();
    let send: SendState = o.req("send", "e.g. {\"state\": \"sent\", \"at\": \"…\"}", |a| {
        a.serde()
    })?;
    let status: PromptStatus = o.req("status", "e.g. {\"state\": \"open\"}", |a| a.serde())?;
    let reminder: Option<Reminder> = o.opt("reminder", |a| a.serde())?;
    Ok(PromptRecord {
        id: PromptId(id),
        client,
        client_name,
        lang,
        occurrence,
        created_at,
        message_id,
        subject,
        send,
        status,
        reminder,
    })
}

fn read_reflection(at: At<'_>, tz: chrono_tz::Tz) -> Result<Reflection, AppError> {
    let o = Obj::new(at)?;
    let client = o.req("client", "the client's name", |a| {
        a.str().map(ClientKey::from_name)
    })?;
    if client.as_str().is_empty() {
        return Err(bad(&o.sub("client"), "empty; give the client's name"));
    }
    // Both are checked; the exact time wins.
    let date = o.opt("date", |a| a.date())?;
    let exact = o.opt("at", |a| a.time())?;
    let date = match (exact, date) {
        (Some(t), _) => t,
        (None, Some(d)) => d
            .and_hms_opt(0, 0, 0)
            .and_then(|n| tz.from_local_datetime(&n).earliest())
            .map(|t| t.with_timezone(&Utc))
            .ok_or_else(|| bad(&o.sub("date"), "no such day in the owner's time zone"))?,
        (None, None) => {
            return Err(bad(
                &o.sub("date"),
                "missing; expected the reflection's date like \"2026-11-02\"",
            ))
        }
    };
    let prompt = o.opt("prompt", |a| a.u64().map(PromptId))?;
    let mut answers = BTreeMap::new();
    let answers_path = o.sub("answers");
    if let Some(v) = o.m.get("answers").filter(|v| !v.is_null()) {
        let m = At {
            v,
            path: &answers_path,
        }
        .obj()?;
        for (k, v) in m {
            let p = format!("{answers_path}.{k}");
            let a = Obj::new(At { v, path: &p })?;
            let rating = a.opt("rating", |r| {
                let n = r.u64()?;
                u8::try_from(n).map_err(|_| bad(r.path, format!("{n} is too large for a rating")))
            })?;
            let comment = a.opt("comment", |c| c.str().map(str::to_string))?;
            answers.insert(k.clone(), Answer { rating, comment });
        }
    }
    let notes = o
        .opt("notes", |a| a.str().map(str::to_string))?
        .unwrap_or_default();
    let sources = o.list("sources", |a| a.str().map(str::to_string))?;
    Ok(Reflection {
        client,
        prompt,
        date,
        answers,
        notes,
        sources,
    })
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
    let root: Value = serde_json::from_str(text).map_err(|e| {
        AppError::Invalid(format!(
            "import: not valid JSON (line {}, column {}): {e}; give a file written by `olifant export --format json`",
            e.line(),
            e.column()
        ))
    })?;
    let top = Obj::new(At { v: &root, path: "" }).map_err(|_| {
        AppError::Invalid(
            "import: the file is not a JSON object; give a file written by `olifant export --format json`".into(),
        )
    })?;
    let version = top.req("version", "1 (this is not an olifant export?)", |a| a.u64())?;
    if version != EXPORT_VERSION {
        return Err(bad(
            "version",
            format!("{version} is not supported: this olifant reads version {EXPORT_VERSION}; import with the olifant that wrote it, or a newer one"),
        ));
    }
    let pause = top.opt("pause", |a| {
        let o = Obj::new(a)?;
        Ok(o.opt("until", |u| u.date())?.unwrap_or(NaiveDate::MAX))
    })?;

    let clients = top.list("clients", read_client)?;
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

    let prompts = top.list("prompts", read_prompt)?;
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

    let tz = app.config.owner.timezone;
    let reflections = top.list("reflections", |a| read_reflection(a, tz))?;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_round_trip_including_the_indefinite_pause_date() {
        for d in [
            NaiveDate::MAX,
            NaiveDate::from_ymd_opt(2026, 2, 28).unwrap(),
        ] {
            assert_eq!(d.to_string().parse::<NaiveDate>().ok(), Some(d));
        }
    }

    #[test]
    fn timestamps_keep_subseconds_and_midnights_print_as_dates() {
        let t = Utc.timestamp_opt(1_790_000_000, 123_456_000).unwrap();
        let s = ts(t);
        assert_eq!(DateTime::parse_from_rfc3339(&s).unwrap(), t);
        let midnight = Utc.with_ymd_and_hms(2024, 1, 15, 0, 0, 0).unwrap();
        assert_eq!(date_or_ts(midnight), "2024-01-15");
        assert_ne!(date_or_ts(t).len(), 10);
    }

    #[test]
    fn csv_text_round_trips_awkward_fields_through_the_import_reader() {
        let awkward = [
            "plain",
            "a,b",
            "say \"hi\"",
            "two\nlines",
            "cr\r\nlf",
            " padded ",
            "",
        ];
        let rows: Vec<Vec<String>> = awkward
            .iter()
            .map(|s| vec![s.to_string(), "x".to_string()])
            .collect();
        let text = csv_text(&rows).unwrap();
        assert!(text.ends_with("x\r\n"), "{text:?}");
        let back: Vec<Vec<String>> = super::super::clients::parse_csv(&text)
            .into_iter()
            .map(|r| r.unwrap().fields)
            .collect();
        assert_eq!(back, rows);
    }

    #[test]
    fn whole_revenues_print_without_a_fraction() {
        assert_eq!(number(12000.0).to_string(), "12000");
        assert_eq!(number(12000.5).to_string(), "12000.5");
    }
}
