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
    let raw_tokens: Vec<&str> = trimmed.split_whitespace().collect();
    if matches!(raw_tokens.len(), 5 | 6) {
        if let Ok(expr) = CronExpr::parse(trimmed) {
            return Ok(expr
                .as_str()
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" "));
        }
    }
    if cron_like(&raw_tokens) && raw_tokens.len() >= 3 {
        return Err(match CronExpr::parse(trimmed) {
            Err(e) => err(e.reason),
            Ok(_) => err("a cron expression needs 5 fields".into()),
        });
    }

    let lower = trimmed.to_lowercase().replace([',', '&'], " ");
    let tokens: Vec<&str> = lower
        .split_whitespace()
        .map(|t| t.trim_start_matches("'s").trim_matches('\''))
        .filter(|t| !t.is_empty())
        .collect();

    let mut days: u8 = 0;
    let mut nth: Option<u8> = None;
    let mut day_of_month = false; // "first day of the month"
    let mut monthly = false;
    let mut month_word = false;
    let mut every_day = false;
    let mut time: Option<(u32, u32)> = None;
    let mut i = 0;
    while i < tokens.len() {
        let t = tokens[i];
        i += 1;
        match t {
            "every" | "each" | "on" | "at" | "the" | "of" | "and" | "in" | "elke" | "iedere"
            | "ieder" | "op" | "om" | "de" | "het" | "van" | "en" | "uur" | "o'clock" | "s" => {
                continue
            }
            "month" | "months" | "maand" | "maanden" => {
                month_word = true;
                continue;
            }
            "monthly" | "maandelijks" => {
                monthly = true;
                continue;
            }
            "daily" | "dagelijks" | "everyday" => {
                every_day = true;
                continue;
            }
            "day" | "days" | "dag" | "dagen" => {
                if nth.is_some() {
                    day_of_month = true;
                } else {
                    every_day = true;
                }
                continue;
            }
            "weekdays" | "weekday" | "workdays" | "workday" | "werkdagen" | "werkdag"
            | "doordeweeks" => {
                days |= 0b0011_1110;
                continue;
            }
            "weekends" | "weekend" => {
                days |= 0b0100_0001;
                continue;
            }
            "am" | "pm" => {
                return Err(err(format!("\"{t}\" must follow a time, e.g. 9am or 9 am")));
            }
            _ => {}
        }
        if let Some(n) = ordinal(t) {
            if nth.replace(n).is_some() {
                return Err(err("it names two ordinals (first, second, …)".into()));
            }
            continue;
        }
        if let Some(d) = weekday(t) {
            days |= 1 << d;
            continue;
        }
        if t.starts_with(|c: char| c.is_ascii_digit()) {
            let ampm = tokens.get(i).copied().filter(|n| *n == "am" || *n == "pm");
            if ampm.is_some() {
                i += 1;
            }
            let hm = time_of(t, ampm).map_err(err)?;
            if time.replace(hm).is_some() {
                return Err(err(
                    "it names two times; olifant runs once per matching day".into(),
                ));
            }
            continue;
        }
        if matches!(t, "last" | "laatste") {
            return Err(err(
                "\"last\" is not supported; use first to fourth, or a cron day range such as \"0 8 22-28 * 5\" (a Friday in the fourth week)".into(),
            ));
        }
        return Err(err(format!("the word \"{t}\" is not understood")));
    }

    let (hour, minute) = time.ok_or_else(|| err("it names no time, e.g. 9:00".into()))?;
    let (dom, dow) = if let Some(n) = nth {
        let first = (n - 1) * 7 + 1;
        if day_of_month {
            if days != 0 {
                return Err(err("it names both a day of the month and weekdays".into()));
            }
            (n.to_string(), "*".to_string())
        } else if days != 0 {
            (format!("{}-{}", first, first + 6), weekday_field(days))
        } else {
            return Err(err(
                "an ordinal needs a weekday or \"day\", e.g. \"first monday of the month\"".into(),
            ));
        }
    } else if monthly {
        if days != 0 {
            // "monthly on monday" → the first such weekday.
            ("1-7".to_string(), weekday_field(days))
        } else {
            ("1".to_string(), "*".to_string())
        }
    } else if days != 0 {
        if month_word {
            return Err(err(
                "\"month\" needs an ordinal, e.g. \"first monday of the month\"".into(),
            ));
        }
        ("*".to_string(), weekday_field(days))
    } else if every_day {
        ("*".to_string(), "*".to_string())
    } else {
        return Err(err(
            "it names no day, e.g. mondays, weekdays, daily or first monday of the month".into(),
        ));
    };
    let cron = format!("{minute} {hour} {dom} * {dow}");
    CronExpr::parse(&cron).map_err(|e| err(e.reason))?;
    Ok(cron)
}
