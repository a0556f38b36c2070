//! Email commands: the owner writes `pause 2w`, `snooze Acme 1m`, `hervat`, … as the first
//! line of a message to olifant. Pure: text in, [`Command`] out.

use chrono::{Duration, Months, NaiveDate};

/// How long a pause or snooze lasts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Span {
    /// A fixed number of days (from `3d`, `2w`).
    Duration(Duration),
    /// Calendar months (from `1m`, `1y` = 12 months).
    Months(Months),
}

/// A command the owner sent by email.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// Pause all prompts, for a span or (without one) until resumed.
    Pause {
        /// How long; `None` = until `resume`.
        span: Option<Span>,
    },
    /// Pause all prompts until the date (first day active again).
    PauseUntil(NaiveDate),
    /// Resume prompting.
    Resume,
    /// Do not prompt about one client for a span.
    Snooze {
        /// The client's name as written.
        client: String,
        /// How long.
        span: Span,
    },
    /// Archive a client (`let go`, `archive`, `afscheid`).
    LetGo {
        /// The client's name as written.
        client: String,
    },
    /// Start tracking a new client.
    AddClient {
        /// The new client's name as written.
        name: String,
    },
    /// Explain the verdict about one client.
    Explain {
        /// The client's name as written.
        client: String,
    },
    /// Send the digest now.
    Digest,
    /// Send the command overview.
    Help,
    /// Starts like a command but could not be understood (the line as written).
    Unknown(String),
}

/// Parses a duration like `2w`, `10 days`, `1m`, `3 maanden`.
pub fn parse_span(text: &str) -> Option<Span> {
    let t = text.trim().to_lowercase();
    let digits: String = t.chars().take_while(|c| c.is_ascii_digit()).collect();
    if digits.is_empty() || digits.len() > 4 {
        return None;
    }
    let n: u32 = digits.parse().ok()?;
    if n == 0 {
        return None;
    }
    let unit = t[digits.len()..].trim();
    match unit {
        "d" | "day" | "days" | "dag" | "dagen" => {
            Some(Span::Duration(Duration::days(i64::from(n))))
        }
        "w" | "wk" | "wks" | "week" | "weeks" | "weken" => {
            Some(Span::Duration(Duration::days(i64::from(n) * 7)))
        }
        "m" | "mo" | "mon" | "month" | "months" | "mnd" | "maand" | "maanden" => {
            Some(Span::Months(Months::new(n)))
        }
        "y" | "yr" | "year" | "years" | "j" | "jaar" | "jaren" => {
            Some(Span::Months(Months::new(n.checked_mul(12)?)))
        }
        _ => None,
    }
}

fn strip_word<'a>(line: &'a str, lower: &str, word: &str) -> Option<&'a str> {
    // `lower` is `line` lowercased with the same byte layout for ASCII prefixes.
    if !lower.starts_with(word) {
        return None;
    }
    let rest = line.get(word.len()..)?;
    if rest.is_empty() || rest.starts_with(char::is_whitespace) {
        Some(rest.trim())
    } else {
        None
    }
}

fn clean_name(s: &str) -> String {
    s.trim()
        .trim_end_matches(['.', '!'])
        .trim()
        .trim_matches(['"', '\''])
        .to_string()
}

/// Reads a command from the first non-empty line of the owner's fresh text.
///
/// Returns `None` when the line does not start with a command word, and
/// [`Command::Unknown`] when it does but the rest is malformed.
pub fn parse_command(text: &str) -> Option<Command> {
    let line = text.lines().map(str::trim).find(|l| !l.is_empty())?;
    let line: String = line.chars().take(500).collect();
    let line = line.trim_end_matches(['.', '!']).trim();
    let lower = line.to_lowercase();
    if lower.len() != line.len() {
        // Non-ASCII case mapping changed lengths: only compare on an ASCII-lowered copy.
        return parse_command_ascii(line);
    }
    parse_inner(line, &lower)
}

fn parse_command_ascii(line: &str) -> Option<Command> {
    let lower = line.to_ascii_lowercase();
    parse_inner(line, &lower)
}

fn parse_inner(line: &str, lower: &str) -> Option<Command> {
    let unknown = || Some(Command::Unknown(line.to_string()));
    let whole = lower.trim();
    match whole {
        "resume" | "hervat" | "hervatten" => return Some(Command::Resume),
        "digest" | "overzicht" => return Some(Command::Digest),
        "help" | "hulp" | "?" => return Some(Command::Help),
        "pause" | "pauze" => return Some(Command::Pause { span: None }),
        _ => {}
    }
    for word in ["pause", "pauze"] {
        if let Some(rest) = strip_word(line, lower, word) {
            let rl = rest.to_lowercase();
            for until in ["until ", "tot ", "t/m "] {
                if let Some(date) = rl.strip_prefix(until) {
                    return match NaiveDate::parse_from_str(date.trim(), "%Y-%m-%d") {
                        Ok(d) => Some(Command::PauseUntil(d)),
                        Err(_) => unknown(),
                    };
                }
            }
            return match parse_span(rest) {
                Some(span) => Some(Command::Pause { span: Some(span) }),
                None => unknown(),
            };
        }
    }
    for word in ["resume", "hervat", "digest", "overzicht", "help", "hulp"] {
        if strip_word(line, lower, word).is_some() {
            return unknown();
        }
    }
    for word in ["snooze", "sluimer"] {
        if let Some(rest) = strip_word(line, lower, word) {
            let Some((client, span)) = rest.rsplit_once(char::is_whitespace) else {
                return unknown();
            };
            let client = clean_name(client);
            // `snooze Acme 2 weeks`: the unit may be a separate word.
            let (client, span) = match parse_span(span) {
                Some(s) => (client, Some(s)),
                None => match client.rsplit_once(char::is_whitespace) {
                    Some((c, n)) => (clean_name(c), parse_span(&format!("{n}{span}"))),
                    None => (client, None),
                },
            };
            return match span {
                Some(span) if !client.is_empty() => Some(Command::Snooze { client, span }),
                _ => unknown(),
            };
        }
    }
    for word in ["let go of", "let go", "archive", "afscheid van", "afscheid"] {
        if let Some(rest) = strip_word(line, lower, word) {
            let client = clean_name(rest);
            return if client.is_empty() {
                unknown()
            } else {
                Some(Command::LetGo { client })
            };
        }
    }
    for word in ["add client", "klant toevoegen"] {
        if let Some(rest) = strip_word(line, lower, word) {
            let name = clean_name(rest);
            return if name.is_empty() {
                unknown()
            } else {
                Some(Command::AddClient { name })
            };
        }
    }
    if let Some(rest) = strip_word(line, lower, "voeg klant toe") {
        let name = clean_name(rest.trim_start_matches(':'));
        return if name.is_empty() {
            unknown()
        } else {
            Some(Command::AddClient { name })
        };
    }
    if let Some(rest) = strip_word(line, lower, "voeg klant") {
        // `voeg klant Bakkerij Jansen toe`
        let cut = rest.len().saturating_sub(4);
        if let (Some(name), Some(tail)) = (rest.get(..cut), rest.get(cut..)) {
            if tail.eq_ignore_ascii_case(" toe") {
                let name = clean_name(name);
                if !name.is_empty() {
                    return Some(Command::AddClient { name });
                }
            }
        }
        return unknown();
    }
    for word in ["explain", "uitleg"] {
        if let Some(rest) = strip_word(line, lower, word) {
            let client = clean_name(rest.trim_start_matches(':'));
            return if client.is_empty() {
                unknown()
            } else {
                Some(Command::Explain { client })
            };
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(n: i64) -> Span {
        Span::Duration(Duration::days(n))
    }

    #[test]
    fn pause_forms_in_english_and_dutch() {
        assert_eq!(
            parse_command("pause 2w"),
            Some(Command::Pause { span: Some(d(14)) })
        );
        assert_eq!(
            parse_command("Pauze 3 dagen"),
            Some(Command::Pause { span: Some(d(3)) })
        );
        assert_eq!(parse_command("pause"), Some(Command::Pause { span: None }));
        let date = NaiveDate::from_ymd_opt(2027, 1, 4);
        assert_eq!(
            parse_command("\n\npause until 2027-01-04\nthanks"),
            date.map(Command::PauseUntil)
        );
        assert_eq!(
            parse_command("pauze tot 2027-01-04"),
            date.map(Command::PauseUntil)
        );
        assert!(matches!(
            parse_command("pause forever"),
            Some(Command::Unknown(_))
        ));
        assert!(matches!(
            parse_command("pause until someday"),
            Some(Command::Unknown(_))
        ));
    }

    #[test]
    fn client_commands_keep_the_name_as_written() {
        assert_eq!(
            parse_command("snooze Bakkerij Jansen 1m"),
            Some(Command::Snooze {
                client: "Bakkerij Jansen".into(),
                span: Span::Months(Months::new(1))
            })
        );
        assert_eq!(
            parse_command("sluimer Acme 2 weken"),
            Some(Command::Snooze {
                client: "Acme".into(),
                span: d(14)
            })
        );
        assert_eq!(
            parse_command("let go Acme BV"),
            Some(Command::LetGo {
                client: "Acme BV".into()
            })
        );
        assert_eq!(
            parse_command("archive Acme"),
            Some(Command::LetGo {
                client: "Acme".into()
            })
        );
        assert_eq!(
            parse_command("afscheid Acme"),
            Some(Command::LetGo {
                client: "Acme".into()
            })
        );
        assert_eq!(
            parse_command("add client New Co"),
            Some(Command::AddClient {
                name: "New Co".into()
            })
        );
        assert_eq!(
            parse_command("voeg klant toe De Bakker"),
            Some(Command::AddClient {
                name: "De Bakker".into()
            })
        );
        assert_eq!(
            parse_command("klant toevoegen De Bakker"),
            Some(Command::AddClient {
                name: "De Bakker".into()
            })
        );
        assert_eq!(
            parse_command("explain Acme"),
            Some(Command::Explain {
                client: "Acme".into()
            })
        );
        assert_eq!(
            parse_command("Uitleg Acme"),
            Some(Command::Explain {
                client: "Acme".into()
            })
        );
    }

    #[test]
    fn bare_words_and_malformed_commands() {
        assert_eq!(parse_command("resume"), Some(Command::Resume));
        assert_eq!(parse_command("Hervat"), Some(Command::Resume));
        assert_eq!(parse_command("digest"), Some(Command::Digest));
        assert_eq!(parse_command("overzicht"), Some(Command::Digest));
        assert_eq!(parse_command("HELP"), Some(Command::Help));
        assert_eq!(parse_command("hulp"), Some(Command::Help));
        assert!(matches!(parse_command("snooze"), Some(Command::Unknown(_))));
        assert!(matches!(
            parse_command("snooze Acme"),
            Some(Command::Unknown(_))
        ));
        assert!(matches!(parse_command("let go"), Some(Command::Unknown(_))));
        assert_eq!(parse_command("Energy 4, payment 3"), None);
        assert_eq!(parse_command(""), None);
        assert_eq!(parse_command("Pausecafé"), None);
        assert_eq!(
            parse_command("voeg klant De Bakker toe"),
            Some(Command::AddClient {
                name: "De Bakker".into()
            })
        );
        assert!(matches!(
            parse_command("voeg klant ÉÉN"),
            Some(Command::Unknown(_))
        ));
    }
}
