//! Dates as the owner reads them: `2 November` / `2 november`, in the owner's time zone.

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use chrono_tz::Tz;

use crate::model::Lang;

/// The month's name (1 = January) in `lang`; Dutch month names are lower case.
pub fn month_name(month: u32, lang: Lang) -> &'static str {
    match month.clamp(1, 12) {
        1 => tr!(lang, "dates.month_1"),
        2 => tr!(lang, "dates.month_2"),
        3 => tr!(lang, "dates.month_3"),
        4 => tr!(lang, "dates.month_4"),
        5 => tr!(lang, "dates.month_5"),
        6 => tr!(lang, "dates.month_6"),
        7 => tr!(lang, "dates.month_7"),
        8 => tr!(lang, "dates.month_8"),
        9 => tr!(lang, "dates.month_9"),
        10 => tr!(lang, "dates.month_10"),
        11 => tr!(lang, "dates.month_11"),
        _ => tr!(lang, "dates.month_12"),
    }
}

/// `2 November 2025` / `2 november 2025`, or without the year when `with_year` is false.
pub fn format_date(date: NaiveDate, lang: Lang, with_year: bool) -> String {
    let base = format!("{} {}", date.day(), month_name(date.month(), lang));
    if with_year {
        format!("{base} {}", date.year())
    } else {
        base
    }
}

/// An instant as a local date in `tz`, with the year only when it differs from `now`'s.
pub fn format_relative(at: DateTime<Utc>, now: DateTime<Utc>, tz: Tz, lang: Lang) -> String {
    let date = at.with_timezone(&tz).date_naive();
    let this_year = now.with_timezone(&tz).year();
    format_date(date, lang, date.year() != this_year)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn dutch_month_names_and_local_dates() {
        let d = NaiveDate::from_ymd_opt(2025, 3, 3).unwrap();
        assert_eq!(format_date(d, Lang::Nl, true), "3 maart 2025");
        assert_eq!(format_date(d, Lang::En, false), "3 March");
        // 23:30 UTC on 1 November is 2 November in Amsterdam.
        let at = Utc.with_ymd_and_hms(2025, 11, 1, 23, 30, 0).unwrap();
        let now = Utc.with_ymd_and_hms(2025, 12, 1, 0, 0, 0).unwrap();
        let tz = chrono_tz::Europe::Amsterdam;
        assert_eq!(format_relative(at, now, tz, Lang::Nl), "2 november");
        let next_year = Utc.with_ymd_and_hms(2026, 2, 1, 0, 0, 0).unwrap();
        assert_eq!(
            format_relative(at, next_year, tz, Lang::En),
            "2 November 2025"
        );
    }
}
