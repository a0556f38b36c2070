//! A small cron parser and the local wall-clock arithmetic on top of it (pure).
//!
//! ## Syntax
//!
//! Five fields (`minute hour day-of-month month day-of-week`) or six with seconds first
//! (`second minute hour day-of-month month day-of-week`). Each field is `*` (or `?`), a
//! number, a range `a-b`, a step `*/n` or `a-b/n` or `a/n`, or a comma list of those.
//! Months accept `jan`–`dec`, weekdays `sun`–`sat` (0 and 7 are both Sunday). The
//! day-of-week field also accepts `D#N`, "the N-th weekday D of the month" (`1#1` is the
//! first Monday, `fri#2` the second Friday). `@hourly`, `@daily`, `@weekly`, `@monthly` and
//! `@yearly` are shorthands.
//!
//! ## olifant's day rule (differs from Vixie cron)
//!
//! Classic cron fires when the day-of-month **or** the day-of-week matches if both are
//! restricted. olifant always requires **both** to match (AND). So `0 8 1-7 * 1` means
//! "08:00 on the Monday that falls on day 1–7", i.e. the first Monday of the month, which
//! is what the digest default says. `0 8 * * 1#1` means the same.
//!
//! ## Time zones and DST
//!
//! Times are local wall-clock times in the owner's zone:
//! * a local time that does not exist (spring forward, 02:30 on 2026-03-29 in
//!   Europe/Amsterdam) fires once, at the first valid instant after the gap (03:00 local);
//! * an ambiguous local time (fall back, 02:30 on 2026-10-25) fires once, at its first
//!   occurrence (02:30 CEST).

use std::fmt;

use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;

/// How many days [`next_after`] and [`prev_at_or_before`] search before giving up
/// (enough for `29 2 * 1`-style expressions that match once in 28 years).
const SEARCH_DAYS: i64 = 366 * 30;

/// A cron expression could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid cron expression {expr:?}: {reason}; write 5 fields (minute hour day month weekday), e.g. \"0 9 * * 1\" for Mondays 09:00")]
pub struct CronError {
    /// The expression as written.
    pub expr: String,
    /// What is wrong with it.
    pub reason: String,
}

/// A parsed cron expression. Build it with [`CronExpr::parse`].
#[derive(Clone, PartialEq, Eq)]
pub struct CronExpr {
    source: String,
    seconds: u64,
    minutes: u64,
    hours: u32,
    /// Bits 1..=31.
    days: u32,
    /// Bits 1..=12.
    months: u16,
    /// Bits 0..=6, Sunday = 0.
    weekdays: u8,
    /// Per weekday (Sunday = 0): bits 1..=5 for "N-th such weekday of the month".
    nth_weekdays: [u8; 7],
}

impl fmt::Debug for CronExpr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CronExpr({:?})", self.source)
    }
}

impl fmt::Display for CronExpr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.source)
    }
}

impl std::str::FromStr for CronExpr {
    type Err = CronError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        CronExpr::parse(s)
    }
}

const MONTHS: [&str; 12] = [
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
];
const WEEKDAYS: [&str; 7] = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];

struct Field {
    name: &'static str,
    min: u32,
    max: u32,
    names: &'static [&'static str],
    /// Value of the first name (`jan` = 1, `sun` = 0).
    names_from: u32,
}

const SECOND: Field = Field {
    name: "second",
    min: 0,
    max: 59,
    names: &[],
    names_from: 0,
};
const MINUTE: Field = Field {
    name: "minute",
    min: 0,
    max: 59,
    names: &[],
    names_from: 0,
};
const HOUR: Field = Field {
    name: "hour",
    min: 0,
    max: 23,
    names: &[],
    names_from: 0,
};
const DAY: Field = Field {
    name: "day-of-month",
    min: 1,
    max: 31,
    names: &[],
    names_from: 0,
};
const MONTH: Field = Field {
    name: "month",
    min: 1,
    max: 12,
    names: &MONTHS,
    names_from: 1,
};
const WEEKDAY: Field = Field {
    name: "day-of-week",
    min: 0,
    max: 7,
    names: &WEEKDAYS,
    names_from: 0,
};

impl Field {
    fn value(&self, s: &str) -> Result<u32, String> {
        let lower = s.to_ascii_lowercase();
        if let Some(i) = self.names.iter().position(|n| *n == lower) {
            return Ok(i as u32 + self.names_from);
        }
        let v: u32 = s.parse().map_err(|_| match self.names.first() {
            Some(first) => format!(
                "{} {s:?} is neither a number nor a name like {first}",
                self.name
            ),
            None => format!("{} {s:?} is not a number", self.name),
        })?;
        if v < self.min || v > self.max {
            return Err(format!(
                "{} {v} is out of range {}-{}",
                self.name, self.min, self.max
            ));
        }
        Ok(v)
    }

    /// Parses one field into a bitmask (bit i set = value i allowed).
    fn parse(&self, text: &str) -> Result<u64, String> {
        let mut mask = 0u64;
        for part in text.split(',') {
            if part.is_empty() {
                return Err(format!("{} field: empty list item in {text:?}", self.name));
            }
            let (range, step) = match part.split_once('/') {
                Some((r, s)) => {
                    let step: u32 = s
                        .parse()
                        .map_err(|_| format!("{} field: step {s:?} is not a number", self.name))?;
                    if step == 0 {
                        return Err(format!("{} field: step must be at least 1", self.name));
                    }
                    (r, step)
                }
                None => (part, 1),
            };
            let (lo, hi) = if range == "*" || range == "?" {
                (self.min, self.max)
            } else if let Some((a, b)) = range.split_once('-') {
                let (a, b) = (self.value(a)?, self.value(b)?);
                if a > b {
                    return Err(format!(
                        "{} field: range {range:?} runs backwards",
                        self.name
                    ));
                }
                (a, b)
            } else {
                let a = self.value(range)?;
                // `a/n` means from a to the end in steps of n.
                if part.contains('/') {
                    (a, self.max)
                } else {
                    (a, a)
                }
            };
            let mut v = lo;
            while v <= hi {
                mask |= 1 << v;
                v += step;
            }
        }
        Ok(mask)
    }
}

impl CronExpr {
    /// Parses a 5- or 6-field expression (see the module documentation).
    pub fn parse(expr: &str) -> Result<CronExpr, CronError> {
        let err = |reason: String| CronError {
            expr: expr.to_string(),
            reason,
        };
        let trimmed = expr.trim();
        let expanded = match trimmed.to_ascii_lowercase().as_str() {
            "@hourly" => "0 * * * *".to_string(),
            "@daily" | "@midnight" => "0 0 * * *".to_string(),
            "@weekly" => "0 0 * * 0".to_string(),
            "@monthly" => "0 0 1 * *".to_string(),
            "@yearly" | "@annually" => "0 0 1 1 *".to_string(),
            _ => trimmed.to_string(),
        };
        let fields: Vec<&str> = expanded.split_whitespace().collect();
        let (sec, rest) = match fields.len() {
            5 => ("0", &fields[..]),
            6 => (fields[0], &fields[1..]),
            n => return Err(err(format!("it has {n} fields, expected 5 or 6"))),
        };
        let seconds = SECOND.parse(sec).map_err(err)?;
        let minutes = MINUTE.parse(rest[0]).map_err(err)?;
        let hours = HOUR.parse(rest[1]).map_err(err)? as u32;
        let days = DAY.parse(rest[2]).map_err(err)? as u32;
        let months = MONTH.parse(rest[3]).map_err(err)? as u16;
        let (weekdays, nth_weekdays) = parse_weekdays(rest[4]).map_err(err)?;
        Ok(CronExpr {
            // One space between fields, however it was written.
            source: trimmed.split_whitespace().collect::<Vec<_>>().join(" "),
            seconds,
            minutes,
            hours,
            days,
            months,
            weekdays,
            nth_weekdays,
        })
    }

    /// The expression as written, with one space between fields.
    pub fn as_str(&self) -> &str {
        &self.source
    }

    /// Whether the expression fires on this local date (day, month and weekday all match).
    pub fn matches_date(&self, date: NaiveDate) -> bool {
        let wd = date.weekday().num_days_from_sunday() as usize;
        let nth = (date.day() - 1) / 7 + 1;
        self.months & (1 << date.month()) != 0
            && self.days & (1 << date.day()) != 0
            && (self.weekdays & (1 << wd) != 0 || self.nth_weekdays[wd] & (1 << nth) != 0)
    }

    /// The local times of day at which it fires, in increasing order.
    fn times(&self) -> impl DoubleEndedIterator<Item = NaiveTime> + '_ {
        bits(u64::from(self.hours), 24).flat_map(move |h| {
            bits(self.minutes, 60).flat_map(move |m| {
                bits(self.seconds, 60).filter_map(move |s| NaiveTime::from_hms_opt(h, m, s))
            })
        })
    }
}

fn bits(mask: u64, n: u32) -> impl DoubleEndedIterator<Item = u32> {
    (0..n).filter(move |i| mask & (1 << i) != 0)
}

fn parse_weekdays(text: &str) -> Result<(u8, [u8; 7]), String> {
    let mut plain = Vec::new();
    let mut nth = [0u8; 7];
    for part in text.split(',') {
        if let Some((d, n)) = part.split_once('#') {
            let d = WEEKDAY.value(d)? % 7;
            let n: u32 = n
                .parse()
                .map_err(|_| format!("day-of-week field: {part:?} needs a number 1-5 after #"))?;
            if !(1..=5).contains(&n) {
                return Err(format!(
                    "day-of-week field: {part:?} needs a number 1-5 after #"
                ));
            }
            nth[d as usize] |= 1 << n;
        } else {
            plain.push(part);
        }
    }
    let mut mask = 0u8;
    if !plain.is_empty() {
        let m = WEEKDAY.parse(&plain.join(","))?;
        // 7 is Sunday too.
        let m = (m | (m >> 7)) & 0x7f;
        mask = m as u8;
    }
    Ok((mask, nth))
}

/// Resolves a local wall-clock time to an instant, following the DST rules above.
fn resolve(tz: Tz, local: NaiveDateTime) -> Option<DateTime<Utc>> {
    match tz.from_local_datetime(&local) {
        chrono::LocalResult::Single(t) => Some(t.with_timezone(&Utc)),
        chrono::LocalResult::Ambiguous(a, b) => Some(a.min(b).with_timezone(&Utc)),
        chrono::LocalResult::None => first_instant_at_or_after(tz, local),
    }
}

/// The first instant whose local time is at or after `local` (used inside DST gaps: the
/// answer is the end of the gap). Binary search over a two-day window; local time is
/// monotonic around a gap.
fn first_instant_at_or_after(tz: Tz, local: NaiveDateTime) -> Option<DateTime<Utc>> {
    let at = |secs: i64| DateTime::<Utc>::from_timestamp(secs, 0);
    let local_at = |secs: i64| at(secs).map(|t| t.with_timezone(&tz).naive_local());
    let base = local.and_utc().timestamp();
    // Invariant: local(lo) < local <= local(hi), on whole seconds.
    let mut lo = base - 30 * 3600;
    let mut hi = base + 30 * 3600;
    if local_at(hi)? < local {
        return None;
    }
    if local_at(lo)? >= local {
        return at(lo);
    }
    while hi - lo > 1 {
        let mid = lo + (hi - lo) / 2;
        if local_at(mid)? >= local {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    at(hi)
}

/// The first firing strictly after `after`, or `None` if there is none within 30 years.
pub fn next_after(expr: &CronExpr, after: DateTime<Utc>, tz: Tz) -> Option<DateTime<Utc>> {
    // Start a day early: a time on the previous local date can resolve after `after` only
    // across a gap, and the check below filters everything else.
    let start = after.with_timezone(&tz).date_naive().pred_opt()?;
    let mut day = start;
    for _ in 0..SEARCH_DAYS {
        if expr.matches_date(day) {
            for t in expr.times() {
                if let Some(at) = resolve(tz, day.and_time(t)) {
                    if at > after {
                        return Some(at);
                    }
                }
            }
        }
        day = day.succ_opt()?;
    }
    None
}

/// The last firing at or before `at`, or `None` if there is none within 30 years.
pub fn prev_at_or_before(expr: &CronExpr, at: DateTime<Utc>, tz: Tz) -> Option<DateTime<Utc>> {
    let start = at.with_timezone(&tz).date_naive().succ_opt()?;
    let mut day = start;
    for _ in 0..SEARCH_DAYS {
        if expr.matches_date(day) {
            for t in expr.times().rev() {
                if let Some(fire) = resolve(tz, day.and_time(t)) {
                    if fire <= at {
                        return Some(fire);
                    }
                }
            }
        }
        day = day.pred_opt()?;
    }
    None
}

/// Most firings [`occurrences_between`] returns.
pub const MAX_OCCURRENCES: usize = 100_000;

/// Every firing in `from < t <= to`, in order (at most [`MAX_OCCURRENCES`]).
pub fn occurrences_between(
    expr: &CronExpr,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    tz: Tz,
) -> Vec<DateTime<Utc>> {
    let mut out = Vec::new();
    let mut cursor = from;
    while out.len() < MAX_OCCURRENCES {
        match next_after(expr, cursor, tz) {
            Some(t) if t <= to => {
                out.push(t);
                cursor = t;
            }
            _ => break,
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;
    use chrono_tz::Europe::Amsterdam;

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn local(tz: Tz, s: &str) -> String {
        let t = tz.from_utc_datetime(&utc(s).naive_utc());
        t.format("%Y-%m-%d %H:%M:%S %Z").to_string()
    }

    #[test]
    fn parses_fields_names_steps_and_rejects_nonsense() {
        assert!(CronExpr::parse("0 9 * * 1").is_ok());
        assert!(CronExpr::parse("30 0 9 * * mon-fri").is_ok());
        assert!(CronExpr::parse("*/15 8-18/2 1,15 jan-jun,dec sun").is_ok());
        assert!(CronExpr::parse("@weekly").is_ok());
        for bad in [
            "",
            "0 9 * *",
            "60 9 * * 1",
            "0 24 * * *",
            "0 9 0 * *",
            "0 9 * 13 *",
            "0 9 * * 8",
            "0 9 * * 1#6",
            "0 9 * * 1#",
            "0 9 5-1 * *",
            "0 9 */0 * *",
            "0 9 * * funday",
            "0 9 1,,2 * *",
            "a b c d e",
            "0 0 0 9 * * 1",
        ] {
            let e = CronExpr::parse(bad);
            assert!(e.is_err(), "{bad:?} should be rejected");
            assert!(e
                .unwrap_err()
                .to_string()
                .starts_with("invalid cron expression"));
        }
    }

    #[test]
    fn errors_name_the_field_the_value_and_the_range() {
        for (bad, reason) in [
            ("61 9 * * 1", "minute 61 is out of range 0-59"),
            ("0 24 * * 1", "hour 24 is out of range 0-23"),
            ("0 9 32 * *", "day-of-month 32 is out of range 1-31"),
            ("0 9 * 13 *", "month 13 is out of range 1-12"),
            ("0 9 * * 8", "day-of-week 8 is out of range 0-7"),
            ("60 0 9 * * *", "second 60 is out of range 0-59"),
            ("0 9 * *", "it has 4 fields, expected 5 or 6"),
            ("x 9 * * 1", "minute \"x\" is not a number"),
            (
                "0 9 * * funday",
                "day-of-week \"funday\" is neither a number nor a name like sun",
            ),
        ] {
            assert_eq!(CronExpr::parse(bad).unwrap_err().reason, reason, "{bad:?}");
        }
    }

    #[test]
    fn the_source_keeps_one_space_between_fields() {
        let e = CronExpr::parse("  0  9 *\t* 1 ").unwrap();
        assert_eq!(e.as_str(), "0 9 * * 1");
        assert_eq!(e.to_string(), "0 9 * * 1");
        assert_eq!(e, CronExpr::parse("0 9 * * 1").unwrap());
    }

    #[test]
    fn sunday_is_both_zero_and_seven() {
        let a = CronExpr::parse("0 9 * * 0").unwrap();
        let b = CronExpr::parse("0 9 * * 7").unwrap();
        let after = utc("2026-01-01T00:00:00Z");
        let na = next_after(&a, after, Amsterdam);
        assert_eq!(na, next_after(&b, after, Amsterdam));
        assert_eq!(
            local(Amsterdam, &na.unwrap().to_rfc3339()),
            "2026-01-04 09:00:00 CET"
        );
    }

    #[test]
    fn weekly_monday_follows_local_time_across_dst() {
        let e = CronExpr::parse("0 9 * * 1").unwrap();
        let all = occurrences_between(
            &e,
            utc("2026-03-20T00:00:00Z"),
            utc("2026-04-10T00:00:00Z"),
            Amsterdam,
        );
        let shown: Vec<String> = all
            .iter()
            .map(|t| local(Amsterdam, &t.to_rfc3339()))
            .collect();
        assert_eq!(
            shown,
            [
                "2026-03-23 09:00:00 CET",
                "2026-03-30 09:00:00 CEST",
                "2026-04-06 09:00:00 CEST"
            ]
        );
    }

    #[test]
    fn first_monday_of_the_month_uses_and_semantics() {
        for expr in ["0 8 1-7 * 1", "0 8 * * 1#1", "0 0 8 * * mon#1"] {
            let e = CronExpr::parse(expr).unwrap();
            let all = occurrences_between(
                &e,
                utc("2026-01-01T00:00:00Z"),
                utc("2027-01-01T00:00:00Z"),
                Amsterdam,
            );
            assert_eq!(all.len(), 12, "{expr}: one per month");
            for t in &all {
                let l = t.with_timezone(&Amsterdam);
                assert_eq!(l.weekday(), chrono::Weekday::Mon, "{expr}: {l}");
                assert!(l.day() <= 7, "{expr}: {l}");
                assert_eq!(l.format("%H:%M").to_string(), "08:00");
            }
        }
    }

    #[test]
    fn nonexistent_local_time_fires_once_at_end_of_gap() {
        let e = CronExpr::parse("30 2 * * *").unwrap();
        let day = occurrences_between(
            &e,
            utc("2026-03-28T23:00:00Z"), // 2026-03-29 00:00 CET
            utc("2026-03-29T22:00:00Z"), // 2026-03-30 00:00 CEST
            Amsterdam,
        );
        assert_eq!(day.len(), 1, "{day:?}");
        assert_eq!(
            local(Amsterdam, &day[0].to_rfc3339()),
            "2026-03-29 03:00:00 CEST"
        );
        // Every minute of the missing hour collapses into that one instant too.
        let hourly = CronExpr::parse("*/10 2 * * *").unwrap();
        let gap = occurrences_between(
            &hourly,
            utc("2026-03-28T23:00:00Z"),
            utc("2026-03-29T22:00:00Z"),
            Amsterdam,
        );
        assert_eq!(gap, vec![utc("2026-03-29T01:00:00Z")]);
    }

    #[test]
    fn ambiguous_local_time_fires_once_at_first_occurrence() {
        let e = CronExpr::parse("30 2 * * *").unwrap();
        let day = occurrences_between(
            &e,
            utc("2026-10-24T22:00:00Z"), // 2026-10-25 00:00 CEST
            utc("2026-10-25T23:00:00Z"), // 2026-10-26 00:00 CET
            Amsterdam,
        );
        assert_eq!(day.len(), 1, "{day:?}");
        assert_eq!(day[0], utc("2026-10-25T00:30:00Z"));
        assert_eq!(
            local(Amsterdam, &day[0].to_rfc3339()),
            "2026-10-25 02:30:00 CEST"
        );
    }

    #[test]
    fn prev_and_next_agree() {
        let e = CronExpr::parse("0 9 * * 1").unwrap();
        let t = utc("2026-03-31T12:00:00Z");
        let prev = prev_at_or_before(&e, t, Amsterdam).unwrap();
        assert_eq!(prev, utc("2026-03-30T07:00:00Z"));
        assert_eq!(prev_at_or_before(&e, prev, Amsterdam), Some(prev));
        let next = next_after(&e, prev, Amsterdam).unwrap();
        assert_eq!(next, utc("2026-04-06T07:00:00Z"));
        assert_eq!(
            next_after(&e, prev - Duration::seconds(1), Amsterdam),
            Some(prev)
        );
        // Across the gap: prev of the day after spring forward at 02:30 → 03:00 CEST.
        let g = CronExpr::parse("30 2 * * *").unwrap();
        assert_eq!(
            prev_at_or_before(&g, utc("2026-03-29T12:00:00Z"), Amsterdam),
            Some(utc("2026-03-29T01:00:00Z"))
        );
        assert_eq!(
            prev_at_or_before(&g, utc("2026-10-25T12:00:00Z"), Amsterdam),
            Some(utc("2026-10-25T00:30:00Z"))
        );
    }

    #[test]
    fn impossible_date_has_no_occurrence() {
        let e = CronExpr::parse("0 0 31 2 *").unwrap();
        assert_eq!(next_after(&e, utc("2026-01-01T00:00:00Z"), Amsterdam), None);
    }
}
