//! Plain words ("mondays 9:00", "elke vrijdag 16:30") → a 5-field cron.

use super::*;

/// Weekday word → cron number (Sunday = 0).
pub(super) fn weekday(word: &str) -> Option<u8> {
    let w = word.trim_end_matches('s');
    // "maandags" → "maandag"; English plural "mondays" → "monday"; "tues"/"thurs" → base.
    Some(match w {
        "monday" | "mon" | "maandag" | "ma" => 1,
        "tuesday" | "tue" | "tu" | "dinsdag" | "di" => 2,
        "wednesday" | "wed" | "woensdag" | "wo" => 3,
        "thursday" | "thu" | "thur" | "donderdag" | "do" => 4,
        "friday" | "fri" | "vrijdag" | "vr" => 5,
        "saturday" | "sat" | "zaterdag" | "za" => 6,
        "sunday" | "sun" | "zondag" | "zo" => 0,
        _ => return None,
    })
}

/// Ordinal word → N (first = 1 … fourth = 4).
pub(super) fn ordinal(word: &str) -> Option<u8> {
    Some(match word {
        "first" | "1st" | "eerste" | "1e" | "1ste" => 1,
        "second" | "2nd" | "tweede" | "2e" | "2de" => 2,
        "third" | "3rd" | "derde" | "3e" | "3de" => 3,
        "fourth" | "4th" | "vierde" | "4e" | "4de" => 4,
        _ => return None,
    })
}

/// Parses a time token: `9`, `09:00`, `9.30`, `16u30`, `16h30`, `9am`, `4:30pm`.
/// `ampm` is a following `am`/`pm` token, if any. Returns (hour, minute).
pub(super) fn time_of(token: &str, ampm: Option<&str>) -> Result<(u32, u32), String> {
    let (body, suffix) = if let Some(b) = token.strip_suffix("am") {
        (b, Some("am"))
    } else if let Some(b) = token.strip_suffix("pm") {
        (b, Some("pm"))
    } else {
        (token, ampm)
    };
    let body = body.trim_end_matches(['u', 'h']);
    let (h, m) = match body.split_once([':', '.', 'u', 'h']) {
        Some((h, m)) => {
            if m.len() != 2 {
                return Err(format!(
                    "\"{token}\" is not a time; write e.g. 9:00 or 16:30"
                ));
            }
            (h, m)
        }
        None => (body, "0"),
    };
    let bad = || format!("\"{token}\" is not a time; write e.g. 9:00 or 16:30");
    if h.is_empty() || !h.bytes().all(|b| b.is_ascii_digit()) || h.len() > 2 {
        return Err(bad());
    }
    if !m.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    let mut hour: u32 = h.parse().map_err(|_| bad())?;
    let minute: u32 = m.parse().map_err(|_| bad())?;
    if minute > 59 {
        return Err(format!("\"{token}\": minutes go up to 59"));
    }
    match suffix {
        Some(s) => {
            if !(1..=12).contains(&hour) {
                return Err(format!("\"{token}\": with am/pm the hour is 1 to 12"));
            }
            hour %= 12;
            if s == "pm" {
                hour += 12;
            }
        }
        None if hour > 23 => return Err(format!("\"{token}\": hours go up to 23")),
        None => {}
    }
    Ok((hour, minute))
}

/// Whether `text` looks like a cron expression rather than words.
pub(super) fn cron_like(tokens: &[&str]) -> bool {
    tokens.iter().all(|t| {
        t.chars()
            .all(|c| c.is_ascii_digit() || "*/,-?#".contains(c))
    })
}

/// Renders a weekday set (bit n = weekday n, Sunday = 0) as a cron field.
pub(super) fn weekday_field(mask: u8) -> String {
    match mask {
        0x7f => "*".to_string(),
        0b0011_1110 => "1-5".to_string(),
        _ => {
            // Monday first, Sunday last (as people read a week).
            let order = [1u8, 2, 3, 4, 5, 6, 0];
            order
                .iter()
                .filter(|d| mask & (1 << **d) != 0)
                .map(|d| d.to_string())
                .collect::<Vec<_>>()
                .join(",")
        }
    }
}

/// Turns a schedule in plain words (English or Dutch) into a 5-field cron expression in
/// olifant's dialect (day-of-month and day-of-week are ANDed).
///
/// Accepted: "mondays 9:00", "monday 09:00", "every monday at 9", "weekdays 8:30",
/// "daily 18:00", "friday 16:30", "monday and thursday 9:00", "first monday of the month
/// 8:00", "first day of the month 9:00", "monthly 9:00", "weekends 10am", "maandag 9:00",
/// "elke vrijdag 16:30", "werkdagen 8.30", "eerste maandag van de maand 8:00". A cron
/// expression (5 or 6 fields) is accepted as written, once it parses.
pub fn words_to_cron(text: &str) -> Result<String, ScheduleWordsError> {
    let err = |reason: String| ScheduleWordsError {
        input: text.to_string(),
        reason,
    };
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Err(err("it is empty".into()));
    }
    if let Some(cron) = cron_expression(trimmed) {
        return cron.map_err(err);
    }

    let lower = trimmed.to_lowercase().replace([',', '&'], " ");
    let tokens: Vec<&str> = lower
        .split_whitespace()
        .map(|t| t.trim_start_matches("'s").trim_matches('\''))
        .filter(|t| !t.is_empty())
        .collect();
    let words = ScheduleWords::read(&tokens).map_err(err)?;
    let (hour, minute) = words
        .time
        .ok_or_else(|| err("it names no time, e.g. 9:00".into()))?;
    let (dom, dow) = words.day_fields().map_err(err)?;
    let cron = format!("{minute} {hour} {dom} * {dow}");
    CronExpr::parse(&cron).map_err(|e| err(e.reason))?;
    Ok(cron)
}

/// `trimmed` as a cron expression: `Some(Ok)` with its fields when it is one (5 or 6
/// fields), `Some(Err)` with the reason when it looks like one but is not, `None` for words.
fn cron_expression(trimmed: &str) -> Option<Result<String, String>> {
    let raw_tokens: Vec<&str> = trimmed.split_whitespace().collect();
    if matches!(raw_tokens.len(), 5 | 6) {
        if let Ok(expr) = CronExpr::parse(trimmed) {
            return Some(Ok(expr
                .as_str()
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")));
        }
    }
    if cron_like(&raw_tokens) && raw_tokens.len() >= 3 {
        return Some(Err(match CronExpr::parse(trimmed) {
            Err(e) => e.reason,
            Ok(_) => "a cron expression needs 5 fields".into(),
        }));
    }
    None
}

/// What the words of a schedule named.
#[derive(Default)]
struct ScheduleWords {
    /// Weekdays, bit 0 = Sunday.
    days: u8,
    /// "first", "second", …
    nth: Option<u8>,
    /// "first day of the month".
    day_of_month: bool,
    monthly: bool,
    /// "month" (without "monthly").
    month_word: bool,
    every_day: bool,
    time: Option<(u32, u32)>,
}

impl ScheduleWords {
    /// Reads the lowercased words one by one; the reason when one is not understood.
    fn read(tokens: &[&str]) -> Result<ScheduleWords, String> {
        let mut w = ScheduleWords::default();
        let mut i = 0;
        while i < tokens.len() {
            let t = tokens[i];
            i += 1;
            if w.keyword(t)? {
                continue;
            }
            if let Some(n) = ordinal(t) {
                if w.nth.replace(n).is_some() {
                    return Err("it names two ordinals (first, second, …)".into());
                }
                continue;
            }
            if let Some(d) = weekday(t) {
                w.days |= 1 << d;
                continue;
            }
            if t.starts_with(|c: char| c.is_ascii_digit()) {
                let ampm = tokens.get(i).copied().filter(|n| *n == "am" || *n == "pm");
                if ampm.is_some() {
                    i += 1;
                }
                let hm = time_of(t, ampm)?;
                if w.time.replace(hm).is_some() {
                    return Err("it names two times; olifant runs once per matching day".into());
                }
                continue;
            }
            if matches!(t, "last" | "laatste") {
                return Err(
                    "\"last\" is not supported; use first to fourth, or a cron day range such as \"0 8 22-28 * 5\" (a Friday in the fourth week)".into(),
                );
            }
            return Err(format!("the word \"{t}\" is not understood"));
        }
        Ok(w)
    }

    /// Notes the keyword `t` (fillers included): `true` when it is one.
    fn keyword(&mut self, t: &str) -> Result<bool, String> {
        match t {
            "every" | "each" | "on" | "at" | "the" | "of" | "and" | "in" | "elke" | "iedere"
            | "ieder" | "op" | "om" | "de" | "het" | "van" | "en" | "uur" | "o'clock" | "s" => {}
            "month" | "months" | "maand" | "maanden" => self.month_word = true,
            "monthly" | "maandelijks" => self.monthly = true,
            "daily" | "dagelijks" | "everyday" => self.every_day = true,
            "day" | "days" | "dag" | "dagen" => {
                if self.nth.is_some() {
                    self.day_of_month = true;
                } else {
                    self.every_day = true;
                }
            }
            "weekdays" | "weekday" | "workdays" | "workday" | "werkdagen" | "werkdag"
            | "doordeweeks" => self.days |= 0b0011_1110,
            "weekends" | "weekend" => self.days |= 0b0100_0001,
            "am" | "pm" => return Err(format!("\"{t}\" must follow a time, e.g. 9am or 9 am")),
            _ => return Ok(false),
        }
        Ok(true)
    }

    /// The day-of-month and day-of-week fields; the reason when the days named do not
    /// make a schedule.
    fn day_fields(&self) -> Result<(String, String), String> {
        let days = self.days;
        Ok(if let Some(n) = self.nth {
            let first = (n - 1) * 7 + 1;
            if self.day_of_month {
                if days != 0 {
                    return Err("it names both a day of the month and weekdays".into());
                }
                (n.to_string(), "*".to_string())
            } else if days != 0 {
                (format!("{}-{}", first, first + 6), weekday_field(days))
            } else {
                return Err(
                    "an ordinal needs a weekday or \"day\", e.g. \"first monday of the month\""
                        .into(),
                );
            }
        } else if self.monthly {
            if days != 0 {
                // "monthly on monday" → the first such weekday.
                ("1-7".to_string(), weekday_field(days))
            } else {
                ("1".to_string(), "*".to_string())
            }
        } else if days != 0 {
            if self.month_word {
                return Err(
                    "\"month\" needs an ordinal, e.g. \"first monday of the month\"".into(),
                );
            }
            ("*".to_string(), weekday_field(days))
        } else if self.every_day {
            ("*".to_string(), "*".to_string())
        } else {
            return Err(
                "it names no day, e.g. mondays, weekdays, daily or first monday of the month"
                    .into(),
            );
        })
    }
}
