//! `olifant clients import FILE.csv` and the CSV export's quoting: CSV read and written with
//! the `csv` crate, every bad row named by its line.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};

use crate::app::{App, AppError};
use crate::clients::*;
use crate::model::{Cadence, Client, ClientKey, ClientStatus};

/// What `olifant clients import` did.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ImportReport {
    /// Clients added.
    pub imported: usize,
    /// Rows left out (with `--skip-bad`): 1-based line number and the reason.
    pub skipped: Vec<(usize, String)>,
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
}
