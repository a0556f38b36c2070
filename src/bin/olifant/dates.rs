//! Dates given on the command line.

use anyhow::{Context, Result};
use chrono::{DateTime, NaiveDate, TimeZone, Utc};

use olifant::app::App;
use olifant::clock;

/// Reads a `YYYY-MM-DD` date given for the option `what`.
pub fn parse_date(s: &str, what: &str) -> Result<NaiveDate> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
        .with_context(|| format!("{what} must be a date like 2026-11-02, not {s:?}"))
}

/// The end of a local date in the owner's time zone.
pub fn end_of_day(app: &App, d: NaiveDate) -> DateTime<Utc> {
    let tz = app.config.owner.timezone;
    d.and_hms_opt(23, 59, 59)
        .and_then(|t| tz.from_local_datetime(&t).latest())
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_else(clock::now)
}
