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
//! Every start ([`App::open`](super::App::open)) syncs config → store: the config wins for
//! the declared fields, the store keeps the status. Removing a client from `[[clients]]`
//! leaves it in the store (with its history) as a store-only client.
//!
//! Every change is flushed to disk before the function returns.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, NaiveDate, Utc};

use super::{App, AppError};
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

/// What `olifant clients import` did.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ImportReport {
    /// Clients added.
    pub imported: usize,
    /// Rows left out (with `--skip-bad`): 1-based line number and the reason.
    pub skipped: Vec<(usize, String)>,
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

fn clean_tags(tags: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for t in tags {
        let t = t.trim();
        if !t.is_empty() && !out.iter().any(|o| o == t) {
            out.push(t.to_string());
        }
    }
    out
}

fn clean_name(name: &str) -> Result<String, AppError> {
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

impl App {
    fn clients_today(&self, now: DateTime<Utc>) -> NaiveDate {
        now.with_timezone(&self.config.owner.timezone).date_naive()
    }

    /// Whether `[[clients]]` in the config declares a client with this name.
    pub fn declared_in_config(&self, name: &str) -> bool {
        self.config.client(&ClientKey::from_name(name)).is_some()
    }

    /// All clients (config-declared and store-only), sorted by name, with their reflection
    /// counts. `now` decides whether a snooze has run out.
    pub fn clients_list(&self, now: DateTime<Utc>) -> Result<Vec<ClientRow>, AppError> {
        let today = self.clients_today(now);
        let tz = self.config.owner.timezone;
        let clients = self.store.clients()?;
        // Count per client, one client's reflections in memory at a time.
        let mut stats: HashMap<ClientKey, (usize, DateTime<Utc>)> = HashMap::new();
        for c in &clients {
            let reflections = self.store.reflections_for(&c.key())?;
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
                    declared_in_config: self.config.client(&key).is_some(),
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

    fn refuse_existing(&self, name: &str) -> Result<(), AppError> {
        if let Some(c) = self.store.client(&ClientKey::from_name(name))? {
            let how = if self.declared_in_config(&c.name) {
                format!("it is declared in [[clients]] of {}", self.config.origin)
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
        &self,
        name: &str,
        cadence: Option<&str>,
        revenue: Option<f64>,
        tags: &[String],
        now: DateTime<Utc>,
    ) -> Result<Client, AppError> {
        let name = clean_name(name)?;
        self.refuse_existing(&name)?;
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
        self.store.put_client(&client)?;
        self.store.flush()?;
        Ok(client)
    }

    /// `olifant clients edit`: changes the given fields of a store-only client (`None` keeps
    /// a field; `Some(&[])` clears the tags). Config-declared clients are refused: edit
    /// `[[clients]]` in the config instead.
    pub fn client_edit(
        &self,
        name: &str,
        cadence: Option<&str>,
        revenue: Option<f64>,
        tags: Option<&[String]>,
    ) -> Result<Client, AppError> {
        let mut c = find_client(self, name)?;
        if self.declared_in_config(&c.name) {
            return Err(AppError::Invalid(format!(
                "\"{}\" is declared in the config: edit [[clients]] in {} instead (olifant reads it at the next start)",
                c.name, self.config.origin
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
        self.store.put_client(&c)?;
        self.store.flush()?;
        Ok(c)
    }

    fn set_status(
        &self,
        name: &str,
        verb: &str,
        status: impl FnOnce(&Client) -> ClientStatus,
    ) -> Result<Client, AppError> {
        let mut c = find_client(self, name)?;
        if matches!(c.status, ClientStatus::Archived { .. }) && verb != "resume" {
            return Err(AppError::Invalid(format!(
                "\"{}\" is archived; to {verb} it, first run `olifant clients resume \"{}\"`",
                c.name, c.name
            )));
        }
        c.status = status(&c);
        self.store.put_client(&c)?;
        self.store.flush()?;
        Ok(c)
    }

    /// `olifant clients pause`: no prompts for the client until `until` (the first day it is
    /// asked about again), or until resumed when `None`.
    pub fn client_pause(&self, name: &str, until: Option<NaiveDate>) -> Result<Client, AppError> {
        self.set_status(name, "pause", |_| ClientStatus::Paused { until })
    }

    /// `olifant clients snooze NAME 2w`: paused until `span` after `today` (owner's date).
    pub fn client_snooze(
        &self,
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
        self.set_status(name, "snooze", |_| ClientStatus::Paused {
            until: Some(until),
        })
    }

    /// `olifant clients resume`: active again (also un-archives).
    pub fn client_resume(&self, name: &str) -> Result<Client, AppError> {
        self.set_status(name, "resume", |_| ClientStatus::Active)
    }

    /// `olifant clients archive` (let go): no more prompts, history kept. Archiving an
    /// archived client keeps the original date.
    pub fn client_archive(&self, name: &str, now: DateTime<Utc>) -> Result<Client, AppError> {
        let c = find_client(self, name)?;
        if matches!(c.status, ClientStatus::Archived { .. }) {
            return Ok(c);
        }
        self.set_status(name, "archive", |_| ClientStatus::Archived { since: now })
    }
}

/// The text of [`AppError::BadRows`]: one line per bad row, then what to do.
pub fn bad_rows_message(rows: &[(usize, String)]) -> String {
    let mut s = format!(
        "{} bad row{}; nothing was imported:",
        rows.len(),
        if rows.len() == 1 { "" } else { "s" }
    );
    for (line, reason) in rows {
        s.push_str(&format!("\n  line {line}: {reason}"));
    }
    s.push_str("\nfix these rows and import again, or pass --skip-bad to import the good rows");
    s
}

/// Columns `olifant clients import` understands.
pub const CSV_COLUMNS: [&str; 5] = ["name", "cadence", "revenue", "tags", "since"];

/// Imports clients from CSV text (`name,cadence,revenue,tags,since`; only `name` is
/// required, columns in any order; tags separated by `|`; since as `YYYY-MM-DD`; RFC 4180
/// quoting). Bad rows (empty name, bad cadence, negative revenue, bad date, a name twice in
/// the file, an existing client) are reported with their line numbers. When any row is bad,
/// nothing is imported ([`AppError::BadRows`]) unless `skip_bad`, which imports the good rows
/// and lists the bad ones in [`ImportReport::skipped`]. `progress(done, total)` is called as
/// clients are written.
pub fn import_clients_csv(
    app: &App,
    text: &str,
    skip_bad: bool,
    progress: &dyn Fn(usize, usize),
    now: DateTime<Utc>,
) -> Result<ImportReport, AppError> {
    let mut records = parse_csv(text).into_iter();
    let header = loop {
        match records.next() {
            None => return Ok(ImportReport::default()),
            Some(Ok(r)) if r.fields.iter().all(|f| f.trim().is_empty()) => continue,
            Some(Ok(r)) => break r,
            Some(Err((line, e))) => {
                return Err(AppError::Invalid(format!(
                    "line {line}: {e}; the first line must be the header name,cadence,revenue,tags,since"
                )))
            }
        }
    };
    let mut columns: Vec<usize> = Vec::new();
    for (i, h) in header.fields.iter().enumerate() {
        let h = h.trim().to_ascii_lowercase();
        let Some(c) = CSV_COLUMNS.iter().position(|c| *c == h) else {
            return Err(AppError::Invalid(format!(
                "line {}: unknown column {h:?} (column {}); the columns are name,cadence,revenue,tags,since",
                header.line,
                i + 1
            )));
        };
        if columns.contains(&c) {
            return Err(AppError::Invalid(format!(
                "line {}: column {h:?} appears twice; give each column once",
                header.line
            )));
        }
        columns.push(c);
    }
    if !columns.contains(&0) {
        return Err(AppError::Invalid(format!(
            "line {}: the header has no name column; the first line must be e.g. name,cadence,revenue,tags,since",
            header.line
        )));
    }

    let mut good: Vec<Client> = Vec::new();
    let mut bad: Vec<(usize, String)> = Vec::new();
    let mut seen: BTreeMap<ClientKey, usize> = BTreeMap::new();
    for rec in records {
        let rec = match rec {
            Ok(r) => r,
            Err(e) => {
                bad.push(e);
                continue;
            }
        };
        if rec.fields.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        match csv_client(app, &rec, &columns, now) {
            Err(reason) => bad.push((rec.line, reason)),
            Ok(c) => {
                if let Some(first) = seen.get(&c.key()) {
                    bad.push((
                        rec.line,
                        format!("\"{}\" is already on line {first} of this file", c.name),
                    ));
                    continue;
                }
                seen.insert(c.key(), rec.line);
                good.push(c);
            }
        }
    }
    bad.sort_by_key(|(line, _)| *line);
    if !bad.is_empty() && !skip_bad {
        return Err(AppError::BadRows { rows: bad });
    }
    let total = good.len();
    progress(0, total);
    for (i, c) in good.iter().enumerate() {
        app.store.put_client(c)?;
        progress(i + 1, total);
    }
    app.store.flush()?;
    Ok(ImportReport {
        imported: total,
        skipped: bad,
    })
}

fn csv_client(
    app: &App,
    rec: &CsvRecord,
    columns: &[usize],
    now: DateTime<Utc>,
) -> Result<Client, String> {
    if rec.fields.len() > columns.len() {
        return Err(format!(
            "{} fields but the header has {}; quote fields that contain commas (\"a, b\")",
            rec.fields.len(),
            columns.len()
        ));
    }
    let mut v: [&str; 5] = [""; 5];
    for (i, f) in rec.fields.iter().enumerate() {
        v[columns[i]] = f.trim();
    }
    let name = v[0].split_whitespace().collect::<Vec<_>>().join(" ");
    if name.is_empty() {
        return Err("empty name".into());
    }
    if let Some(existing) = app
        .store
        .client(&ClientKey::from_name(&name))
        .map_err(|e| e.to_string())?
    {
        return Err(format!("\"{}\" is already a client", existing.name));
    }
    let cadence = if v[1].is_empty() {
        Cadence::default()
    } else {
        parse_cadence(v[1])?
    };
    let revenue = if v[2].is_empty() {
        None
    } else {
        let r: f64 = v[2].parse().map_err(|_| {
            format!(
                "revenue {:?} is not a number; write e.g. 12000 or 12000.50",
                v[2]
            )
        })?;
        Some(check_revenue(r)?)
    };
    let tags: Vec<String> = v[3].split('|').map(str::to_string).collect();
    let since = if v[4].is_empty() {
        now
    } else {
        NaiveDate::parse_from_str(v[4], "%Y-%m-%d")
            .ok()
            .and_then(|d| d.and_hms_opt(0, 0, 0))
            .map(|d| d.and_utc())
            .ok_or_else(|| format!("since {:?} is not a date; write YYYY-MM-DD", v[4]))?
    };
    Ok(Client {
        name,
        cadence,
        revenue,
        tags: clean_tags(&tags),
        status: ClientStatus::Active,
        since,
    })
}

/// One CSV record and the (1-based) line it starts on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsvRecord {
    /// Line of the record's first character.
    pub line: usize,
    /// The fields, unquoted.
    pub fields: Vec<String>,
}

/// What the csv crate reads after a complete record from [`PARSE_CSV_SENTINEL`]: one field.
const SENTINEL_FIELD: &str = ",\n";

/// Appended to the text by [`parse_csv`]. The csv crate ends a quoted field that is never
/// closed at the end of the input without a word; these bytes tell. After a complete
/// record they read as one more record, a quoted field holding `,` and a line break
/// ([`SENTINEL_FIELD`]); inside an open quote they close it and end that record.
const PARSE_CSV_SENTINEL: &str = "\n\",\n";

/// Reads CSV text into records with the `csv` crate (RFC 4180: `,` separates, `"` quotes,
/// `""` is a quote inside quotes, quoted fields may hold commas and line breaks; CRLF, LF
/// or CR ends a record; blank lines and a leading UTF-8 byte order mark are skipped).
/// A quote that is never closed is an error with the line its record starts on.
pub fn parse_csv(text: &str) -> Vec<Result<CsvRecord, (usize, String)>> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let input = format!("{text}{PARSE_CSV_SENTINEL}");
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(input.as_bytes());
    // The csv crate's position of a record is where it began reading, before the line
    // breaks it skips (the LF of a CRLF, blank lines): count lines from the first byte
    // after them. Records come in order, so counting goes forward only.
    let bytes = input.as_bytes();
    let (mut counted_to, mut line) = (0usize, 1usize);
    let mut line_of = |p: Option<&csv::Position>| {
        let mut at = p.map_or(counted_to, |p| p.byte() as usize).max(counted_to);
        while matches!(bytes.get(at), Some(b'\r' | b'\n')) {
            at += 1;
        }
        line += memchr::memchr_iter(b'\n', &bytes[counted_to..at]).count();
        counted_to = at;
        line
    };
    let mut out: Vec<Result<CsvRecord, (usize, String)>> = Vec::new();
    // Byte records: the fields are cut from UTF-8 text at ASCII bytes, so they are UTF-8.
    for r in reader.byte_records() {
        out.push(match r {
            Ok(r) => Ok(CsvRecord {
                line: line_of(r.position()),
                fields: r
                    .iter()
                    .map(|f| String::from_utf8_lossy(f).into_owned())
                    .collect(),
            }),
            Err(e) => Err((
                line_of(e.position()),
                format!("cannot read this row ({e}); check its quotes"),
            )),
        });
    }
    match out.pop() {
        Some(Ok(r)) if r.fields == [SENTINEL_FIELD] => {}
        Some(Ok(r)) => out.push(Err((
            r.line,
            format!(
                "a quote opened on line {} is never closed; close it with \"",
                r.line
            ),
        ))),
        Some(Err(e)) => out.push(Err(e)),
        None => {}
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(text: &str) -> Vec<(usize, Vec<String>)> {
        parse_csv(text)
            .into_iter()
            .map(|r| {
                let r = r.unwrap();
                (r.line, r.fields)
            })
            .collect()
    }

    #[test]
    fn csv_quoted_fields_hold_commas_quotes_and_newlines() {
        let recs = ok("a,b\r\n\"x, y\",\"say \"\"hi\"\"\"\n\"two\nlines\",z\nlast,\n");
        assert_eq!(recs.len(), 4);
        assert_eq!(recs[1], (2, vec!["x, y".into(), "say \"hi\"".into()]));
        assert_eq!(recs[2], (3, vec!["two\nlines".into(), "z".into()]));
        assert_eq!(recs[3], (5, vec!["last".into(), "".into()]));
    }

    #[test]
    fn csv_unterminated_quote_names_its_line() {
        let r = parse_csv("a\nb\n\"open,\nmore");
        assert_eq!(r.len(), 3);
        assert_eq!(r[2].as_ref().unwrap_err().0, 3);
    }

    #[test]
    fn csv_text_after_a_closing_quote_is_read_on_as_the_csv_crate_does() {
        let recs = ok("\"a\"b,c\nd\n");
        assert_eq!(recs[0], (1, vec!["ab".into(), "c".into()]));
        assert_eq!(recs[1], (2, vec!["d".into()]));
    }

    #[test]
    fn csv_byte_order_mark_and_blank_lines_are_skipped_and_lines_still_count() {
        let recs = ok("\u{feff}name,tags\n\n  \r\nAcme,a|b\r\n\nLast");
        assert_eq!(recs[0], (1, vec!["name".into(), "tags".into()]));
        assert_eq!(recs[1], (3, vec!["  ".into()]));
        assert_eq!(recs[2], (4, vec!["Acme".into(), "a|b".into()]));
        assert_eq!(recs[3], (6, vec!["Last".into()]));
        assert_eq!(recs.len(), 4);
    }

    #[test]
    fn csv_a_last_record_like_the_sentinel_is_kept() {
        let recs = ok("name\n\",\n\"\n");
        assert_eq!(recs.len(), 2);
        assert_eq!(recs[1], (2, vec![SENTINEL_FIELD.to_string()]));
        assert!(ok("").is_empty());
    }

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
