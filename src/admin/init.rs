//! `olifant init`: an interactive setup that writes a first real config.
//!
//! The pieces are pure where they can be:
//! * [`Provider`] presets (hosts, ports, TLS mode, plus-address separator, an honest hint);
//! * [`words_to_cron`] turns "mondays 9:00", "first monday of the month 8:00" or
//!   "elke vrijdag 16:30" into a 5-field cron in olifant's dialect (day-of-month AND
//!   day-of-week);
//! * [`render_config`] writes the commented TOML (never a plain password).
//!
//! The edges are thin: [`detect_timezone`] reads `TZ`, then asks the system (through the
//! `iana-time-zone` crate),
//! [`run_init`] asks the missing answers through a [`Prompter`] and writes the file with
//! mode 0600 (parent directories 0700).

use std::fmt::Write as _;
use std::io::{self, BufRead, Write};
use std::path::{Path, PathBuf};

use chrono_tz::Tz;

use crate::model::Lang;
use crate::prompt::token::plus_address;
use crate::schedule::cron::CronExpr;

/// The default prompt schedule, in words.
pub const DEFAULT_PROMPTS_AT: &str = "mondays 9:00";
/// The default digest schedule, in words.
pub const DEFAULT_DIGEST_AT: &str = "first monday of the month 8:00";
/// The default digest cron (same as the config default).
pub const DEFAULT_DIGEST_CRON: &str = "0 8 1-7 * 1";
/// The password command suggested when none is given.
pub const DEFAULT_PASSWORD_COMMAND: &str = "pass show mail/olifant";
/// The environment variable the rendered config reads the password from when no
/// password command is given.
pub const PASSWORD_ENV: &str = "OLIFANT_MAIL_PASSWORD";

/// How many times an interactive question is asked again after an unusable answer.
const MAX_TRIES: usize = 3;

// ── Errors ──────────────────────────────────────────────────────────────────────────────

/// A schedule written in words (or cron) could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cannot read the schedule {input:?}: {reason}; write e.g. \"mondays 9:00\", \"weekdays 8:30\", \"daily 18:00\", \"first monday of the month 8:00\", \"maandag 9:00\", \"elke vrijdag 16:30\", or a 5-field cron such as \"0 9 * * 1\"")]
pub struct ScheduleWordsError {
    /// The text as written.
    pub input: String,
    /// What is wrong with it.
    pub reason: String,
}

/// `olifant init` failed.
#[derive(Debug, thiserror::Error)]
pub enum InitError {
    /// A required value was not given with `--non-interactive`.
    #[error("{flag} is required with --non-interactive ({what}); pass it, or run `olifant init` without --non-interactive to be asked")]
    MissingFlag {
        /// The flag, e.g. `--email`.
        flag: &'static str,
        /// What the value is.
        what: &'static str,
    },
    /// A given value is unusable.
    #[error("{flag}: {reason}")]
    InvalidValue {
        /// The flag (or question) the value came from.
        flag: &'static str,
        /// What is wrong and what to give instead.
        reason: String,
    },
    /// Three unusable answers in a row.
    #[error("no usable answer for {flag} after {MAX_TRIES} tries; run `olifant init` again, or pass {flag}")]
    GaveUp {
        /// The flag the question stands for.
        flag: &'static str,
    },
    /// The config file exists already.
    #[error("{} exists already; keep it, or pass --force to replace it (or --out for another path)", path.display())]
    Exists {
        /// The existing file.
        path: PathBuf,
    },
    /// Reading an answer failed (e.g. stdin closed).
    #[error("could not read an answer for {flag}: {source}; run `olifant init` in a terminal, or pass --non-interactive with all flags")]
    Prompt {
        /// The flag the question stands for.
        flag: &'static str,
        /// The I/O error.
        source: io::Error,
    },
    /// Writing the config failed.
    #[error("could not write {}: {source}; check that the directory is writable, or pass --out", path.display())]
    Write {
        /// The path being written.
        path: PathBuf,
        /// The I/O error.
        source: io::Error,
    },
}

// ── Providers ───────────────────────────────────────────────────────────────────────────

/// How a connection is secured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TlsMode {
    /// TLS from the first byte (IMAPS 993, SMTPS 465).
    Tls,
    /// Plain connect, then a required STARTTLS upgrade (587, 143).
    StartTls,
}

impl TlsMode {
    /// The config value: `tls` or `starttls`.
    pub fn as_str(self) -> &'static str {
        match self {
            TlsMode::Tls => "tls",
            TlsMode::StartTls => "starttls",
        }
    }

    /// The usual mode for an IMAP port: 143 is STARTTLS, anything else TLS.
    pub fn for_imap_port(port: u16) -> TlsMode {
        if port == 143 {
            TlsMode::StartTls
        } else {
            TlsMode::Tls
        }
    }

    /// The usual mode for an SMTP port: 587 and 25 are STARTTLS, anything else TLS.
    pub fn for_smtp_port(port: u16) -> TlsMode {
        if port == 587 || port == 25 {
            TlsMode::StartTls
        } else {
            TlsMode::Tls
        }
    }
}

/// The mail provider olifant sends and reads through.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Provider {
    /// Gmail / Google Workspace (app password required).
    Gmail,
    /// Outlook.com / Microsoft 365.
    Outlook,
    /// Fastmail (app password).
    Fastmail,
    /// Any other provider: hosts and ports as given.
    Generic {
        /// IMAP host.
        imap_host: String,
        /// IMAP port.
        imap_port: u16,
        /// IMAP security.
        imap_security: TlsMode,
        /// SMTP host.
        smtp_host: String,
        /// SMTP port.
        smtp_port: u16,
        /// SMTP security.
        smtp_security: TlsMode,
        /// The plus-address separator, or `None` when the provider has no plus-addressing.
        plus_separator: Option<char>,
    },
}

/// The settings a [`Provider`] stands for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProviderPreset {
    /// Name shown to the owner.
    pub label: &'static str,
    /// IMAP host.
    pub imap_host: String,
    /// IMAP port.
    pub imap_port: u16,
    /// IMAP security.
    pub imap_security: TlsMode,
    /// SMTP host.
    pub smtp_host: String,
    /// SMTP port.
    pub smtp_port: u16,
    /// SMTP security.
    pub smtp_security: TlsMode,
    /// The plus-address separator, `None` without plus-addressing.
    pub plus_separator: Option<char>,
    /// One line on how to log in (app passwords etc.).
    pub hint: &'static str,
}

impl Provider {
    /// The names [`Provider::from_name`] accepts, for help texts.
    pub const NAMES: &'static str =
        "gmail, outlook (Outlook.com / Microsoft 365), fastmail, generic";

    /// Parses a provider name; `generic` needs its hosts separately, so it is not handled
    /// here (see [`run_init`]). Returns `None` for unknown names.
    pub fn from_name(name: &str) -> Option<Provider> {
        match name.trim().to_ascii_lowercase().as_str() {
            "gmail" | "google" | "googlemail" | "workspace" | "google workspace" => {
                Some(Provider::Gmail)
            }
            "outlook" | "outlook.com" | "hotmail" | "live" | "microsoft" | "microsoft 365"
            | "microsoft365" | "m365" | "office365" | "office 365" | "o365" => {
                Some(Provider::Outlook)
            }
            "fastmail" => Some(Provider::Fastmail),
            _ => None,
        }
    }

    /// Guesses the provider from an address's domain (only the public consumer domains;
    /// a custom domain could be hosted anywhere).
    pub fn guess_from_address(address: &str) -> Option<Provider> {
        let (_, domain) = address.trim().rsplit_once('@')?;
        match domain.to_ascii_lowercase().as_str() {
            "gmail.com" | "googlemail.com" => Some(Provider::Gmail),
            "outlook.com" | "hotmail.com" | "live.com" | "msn.com" | "outlook.nl"
            | "hotmail.nl" | "live.nl" => Some(Provider::Outlook),
            "fastmail.com" | "fastmail.fm" => Some(Provider::Fastmail),
            _ => None,
        }
    }

    /// The short name written back by `--provider`.
    pub fn name(&self) -> &'static str {
        match self {
            Provider::Gmail => "gmail",
            Provider::Outlook => "outlook",
            Provider::Fastmail => "fastmail",
            Provider::Generic { .. } => "generic",
        }
    }

    /// The hosts, ports, separator and hint of this provider.
    pub fn preset(&self) -> ProviderPreset {
        match self {
            Provider::Gmail => ProviderPreset {
                label: "Gmail",
                imap_host: "imap.gmail.com".into(),
                imap_port: 993,
                imap_security: TlsMode::Tls,
                smtp_host: "smtp.gmail.com".into(),
                smtp_port: 465,
                smtp_security: TlsMode::Tls,
                plus_separator: Some('+'),
                hint: "Gmail needs an app password (Google account → Security → 2-Step Verification → App passwords); your normal password will be refused.",
            },
            Provider::Outlook => ProviderPreset {
                label: "Outlook.com / Microsoft 365",
                imap_host: "outlook.office365.com".into(),
                imap_port: 993,
                imap_security: TlsMode::Tls,
                smtp_host: "smtp.office365.com".into(),
                smtp_port: 587,
                smtp_security: TlsMode::StartTls,
                plus_separator: Some('+'),
                hint: "Microsoft is moving IMAP/SMTP to OAuth only, which olifant does not support: a password login works only where basic authentication or app passwords are still enabled for your account (Microsoft 365 admins can switch it off). If login fails, use another mailbox for olifant.",
            },
            Provider::Fastmail => ProviderPreset {
                label: "Fastmail",
                imap_host: "imap.fastmail.com".into(),
                imap_port: 993,
                imap_security: TlsMode::Tls,
                smtp_host: "smtp.fastmail.com".into(),
                smtp_port: 465,
                smtp_security: TlsMode::Tls,
                plus_separator: Some('+'),
                hint: "Fastmail needs an app password (Settings → Privacy & Security → App passwords) with IMAP and SMTP access.",
            },
            Provider::Generic {
                imap_host,
                imap_port,
                imap_security,
                smtp_host,
                smtp_port,
                smtp_security,
                plus_separator,
            } => ProviderPreset {
                label: "your provider",
                imap_host: imap_host.clone(),
                imap_port: *imap_port,
                imap_security: *imap_security,
                smtp_host: smtp_host.clone(),
                smtp_port: *smtp_port,
                smtp_security: *smtp_security,
                plus_separator: *plus_separator,
                hint: "Use an app password if your provider offers them; check that it supports plus-addressing (you+tag@…), or set bot.reply_style = \"plain\".",
            },
        }
    }
}

// ── Answers and rendering ───────────────────────────────────────────────────────────────

/// Everything `olifant init` needs to write a config.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InitAnswers {
    /// The owner's name (empty: left out).
    pub owner_name: String,
    /// The owner's addresses, first one receives prompts.
    pub addresses: Vec<String>,
    /// Language of prompts and digests.
    pub language: Lang,
    /// IANA time zone.
    pub timezone: String,
    /// The mail provider.
    pub provider: Provider,
    /// Login name for IMAP and SMTP.
    pub username: String,
    /// Command printing the password; `None` reads it from [`PASSWORD_ENV`].
    pub password_command: Option<String>,
    /// olifant's own address.
    pub bot_address: String,
    /// When prompts go out, in words or cron.
    pub prompts_at: String,
    /// When the digest goes out, in words or cron; `None` is the default (first Monday 08:00).
    pub digest_at: Option<String>,
}

impl InitAnswers {
    /// The prompt schedule as cron.
    pub fn prompt_cron(&self) -> Result<String, ScheduleWordsError> {
        words_to_cron(&self.prompts_at)
    }

    /// The digest schedule as cron.
    pub fn digest_cron(&self) -> Result<String, ScheduleWordsError> {
        match &self.digest_at {
            Some(words) => words_to_cron(words),
            None => Ok(DEFAULT_DIGEST_CRON.to_string()),
        }
    }
}

/// `s` as a TOML string value; the `toml` crate picks the quoting and escapes.
fn toml_str(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

/// Makes `s` safe inside a `#` comment (one line, no control characters).
fn comment_safe(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

/// Writes one `[smtp]` / `[imap]` password source.
fn push_password(out: &mut String, answers: &InitAnswers) {
    match &answers.password_command {
        Some(cmd) => {
            out.push_str("# Run with `sh -c`; the first line it prints is the password. Never write the password itself here.\n");
            let _ = writeln!(out, "password_command = {}", toml_str(cmd));
        }
        None => {
            out.push_str("# The password is read from this environment variable. Alternatives (exactly one):\n");
            let _ = writeln!(
                out,
                "# password_command = {}",
                toml_str(DEFAULT_PASSWORD_COMMAND)
            );
            let _ = writeln!(out, "password_env = {}", toml_str(PASSWORD_ENV));
        }
    }
}

/// Renders a commented config for `answers`.
///
/// Never writes a plain password: the password comes from `password_command`, or from the
/// environment variable [`PASSWORD_ENV`]. A schedule that cannot be read (run
/// [`InitAnswers::prompt_cron`] first; [`run_init`] does) is replaced by the default and
/// flagged in a comment.
pub fn render_config(answers: &InitAnswers) -> String {
    let preset = answers.provider.preset();
    let mut o = String::new();
    o.push_str("# olifant configuration, written by `olifant init`.\n");
    o.push_str(
        "# Every key is explained in config.example.toml; run `olifant check` after editing.\n",
    );
    o.push_str(
        "# Without a [send]/[receive] section the [smtp] and [imap] sections below are used.\n\n",
    );

    o.push_str("[owner]\n");
    if !answers.owner_name.trim().is_empty() {
        o.push_str("# Your name, used in greetings.\n");
        let _ = writeln!(o, "name = {}", toml_str(answers.owner_name.trim()));
    }
    o.push_str("# The addresses you write from. Only mail from these is read as a reply;\n");
    o.push_str("# prompts and digests go to the first one.\n");
    let addrs: Vec<String> = answers.addresses.iter().map(|a| toml_str(a)).collect();
    let _ = writeln!(o, "addresses = [{}]", addrs.join(", "));
    o.push_str("# Language of prompts and digests: \"en\" or \"nl\". Replies are read in both.\n");
    let _ = writeln!(o, "language = {}", toml_str(answers.language.code()));
    o.push_str("# Your IANA time zone: the schedule below is read in it.\n");
    let _ = writeln!(o, "timezone = {}\n", toml_str(&answers.timezone));

    o.push_str("[bot]\n");
    o.push_str("# olifant's own address: the From of everything it sends and where replies go.\n");
    let _ = writeln!(o, "address = {}", toml_str(&answers.bot_address));
    match preset.plus_separator {
        Some(sep) => {
            o.push_str(
                "# Replies go to the bot address plus the prompt's token (you+olifant+TOKEN@…),\n",
            );
            o.push_str("# so a reply is recognised even if your mail client cuts the quote.\n");
            o.push_str("# Use \"plain\" if your provider does not deliver plus-addresses.\n");
            o.push_str("reply_style = \"plus\"\n");
            let _ = writeln!(o, "plus_separator = {}\n", toml_str(&sep.to_string()));
        }
        None => {
            o.push_str("# Your provider has no plus-addressing: the token travels in the Message-ID only.\n");
            o.push_str("reply_style = \"plain\"\n\n");
        }
    }

    let _ = writeln!(o, "# {}: {}", preset.label, comment_safe(preset.hint));
    o.push_str("[smtp]\n");
    let _ = writeln!(o, "host = {}", toml_str(&preset.smtp_host));
    let _ = writeln!(o, "port = {}", preset.smtp_port);
    let _ = writeln!(o, "security = {}", toml_str(preset.smtp_security.as_str()));
    let _ = writeln!(o, "username = {}", toml_str(&answers.username));
    push_password(&mut o, answers);
    o.push('\n');

    o.push_str("[imap]\n");
    let _ = writeln!(o, "host = {}", toml_str(&preset.imap_host));
    let _ = writeln!(o, "port = {}", preset.imap_port);
    let _ = writeln!(o, "security = {}", toml_str(preset.imap_security.as_str()));
    let _ = writeln!(o, "username = {}", toml_str(&answers.username));
    push_password(&mut o, answers);
    o.push_str("# The mailbox replies arrive in, and where handled messages are moved.\n");
    o.push_str("mailbox = \"INBOX\"\n");
    o.push_str("processed_mailbox = \"olifant/processed\"\n\n");

    o.push_str("[schedule]\n");
    o.push_str(
        "# Cron (minute hour day-of-month month day-of-week) in your time zone. olifant requires\n",
    );
    o.push_str(
        "# both day fields to match, so \"0 8 1-7 * 1\" is the first Monday of the month.\n",
    );
    let prompt = answers.prompt_cron();
    let _ = writeln!(o, "# Prompts: {}", comment_safe(&answers.prompts_at));
    if prompt.is_err() {
        o.push_str(
            "# NOTE: that schedule could not be read; the default (Mondays 09:00) is used.\n",
        );
    }
    let prompt = prompt.unwrap_or_else(|_| "0 9 * * 1".to_string());
    let _ = writeln!(o, "prompt_cron = {}", toml_str(&prompt));
    let digest_words = answers.digest_at.as_deref().unwrap_or(DEFAULT_DIGEST_AT);
    let digest = answers.digest_cron();
    let _ = writeln!(o, "# Digest: {}", comment_safe(digest_words));
    if digest.is_err() {
        o.push_str(
            "# NOTE: that schedule could not be read; the default (first Monday 08:00) is used.\n",
        );
    }
    let digest = digest.unwrap_or_else(|_| DEFAULT_DIGEST_CRON.to_string());
    let _ = writeln!(o, "digest_cron = {}\n", toml_str(&digest));

    o.push_str("# No clients yet. Add one [[clients]] block per client, for example:\n");
    o.push_str("#\n");
    o.push_str("# [[clients]]\n");
    o.push_str("# name = \"Bakkerij Jansen\"\n");
    o.push_str("# # \"weekly\", \"biweekly\", \"monthly\", \"quarterly\" or \"every N days\".\n");
    o.push_str("# cadence = \"monthly\"\n");
    o.push_str("# # Optional: yearly revenue, tags, since when, and the prompt language.\n");
    o.push_str("# revenue = 18000\n");
    o.push_str("# tags = [\"retainer\"]\n");
    o.push_str("# since = 2023-04-01\n");
    let _ = writeln!(o, "# language = {}", toml_str(answers.language.code()));
    o
}

// ── Plain words → cron ──────────────────────────────────────────────────────────────────

/// Weekday word → cron number (Sunday = 0).
fn weekday(word: &str) -> Option<u8> {
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
fn ordinal(word: &str) -> Option<u8> {
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
fn time_of(token: &str, ampm: Option<&str>) -> Result<(u32, u32), String> {
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
fn cron_like(tokens: &[&str]) -> bool {
    tokens.iter().all(|t| {
        t.chars()
            .all(|c| c.is_ascii_digit() || "*/,-?#".contains(c))
    })
}

/// Renders a weekday set (bit n = weekday n, Sunday = 0) as a cron field.
fn weekday_field(mask: u8) -> String {
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

// ── Time zone detection (edge) ──────────────────────────────────────────────────────────

/// Reads an IANA name out of a `TZ` value or the system's answer (maybe a zoneinfo path).
fn tz_name(raw: &str) -> Option<Tz> {
    let s = raw.trim().trim_start_matches(':');
    let s = match s.rsplit_once("zoneinfo/") {
        Some((_, rest)) => rest,
        None => s,
    };
    let s = s
        .strip_prefix("posix/")
        .or_else(|| s.strip_prefix("right/"))
        .unwrap_or(s);
    s.parse::<Tz>().ok()
}

/// [`detect_timezone`] with its sources passed in (tests pass fakes): `env` reads an
/// environment variable, `system` gives the operating system's zone name.
pub fn detect_timezone_in(
    env: &dyn Fn(&str) -> Option<String>,
    system: &dyn Fn() -> Option<String>,
) -> String {
    env("TZ")
        .as_deref()
        .and_then(tz_name)
        .or_else(|| system().as_deref().and_then(tz_name))
        .map_or_else(|| "UTC".to_string(), |tz| tz.name().to_string())
}

/// The owner's time zone: `TZ`, else the system's zone as the `iana-time-zone` crate finds
/// it (on Linux the `/etc/localtime` symlink, then `/etc/timezone`), else `UTC`. Only
/// valid IANA names count.
pub fn detect_timezone() -> String {
    detect_timezone_in(&|name| std::env::var(name).ok(), &|| {
        iana_time_zone::get_timezone().ok()
    })
}

// ── Interactive flow (edge) ─────────────────────────────────────────────────────────────

/// Asks the owner one question at a time.
pub trait Prompter {
    /// Asks `question`; `default` is shown and used when the answer is empty. Returns the
    /// answer line without its line ending.
    fn ask(&mut self, question: &str, default: Option<&str>) -> io::Result<String>;

    /// Shows a line of information (a hint, a problem with the last answer).
    fn say(&mut self, _text: &str) -> io::Result<()> {
        Ok(())
    }
}

/// A [`Prompter`] on a terminal: questions go to `out`, answers are read from `input`.
pub struct TerminalPrompter<R, W> {
    input: R,
    out: W,
}

impl TerminalPrompter<io::StdinLock<'static>, io::Stderr> {
    /// Reads stdin and writes questions to stderr (stdout stays free for scripts).
    pub fn stdio() -> Self {
        TerminalPrompter {
            input: io::stdin().lock(),
            out: io::stderr(),
        }
    }
}

impl<R: BufRead, W: Write> TerminalPrompter<R, W> {
    /// A prompter on any reader and writer.
    pub fn new(input: R, out: W) -> Self {
        TerminalPrompter { input, out }
    }
}

impl<R: BufRead, W: Write> Prompter for TerminalPrompter<R, W> {
    fn ask(&mut self, question: &str, default: Option<&str>) -> io::Result<String> {
        match default {
            Some(d) if !d.is_empty() => write!(self.out, "{question} [{d}]: ")?,
            _ => write!(self.out, "{question}: ")?,
        }
        self.out.flush()?;
        let mut line = String::new();
        if self.input.read_line(&mut line)? == 0 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "input ended before all questions were answered",
            ));
        }
        let answer = line.trim_end_matches(['\n', '\r']).trim().to_string();
        match default {
            Some(d) if answer.is_empty() => Ok(d.to_string()),
            _ => Ok(answer),
        }
    }

    fn say(&mut self, text: &str) -> io::Result<()> {
        writeln!(self.out, "{text}")
    }
}

/// The `olifant init` flags. Any value given is used without asking; with
/// `non_interactive` nothing is asked and a missing required value is an error naming its
/// flag.
#[derive(Debug, Clone, Default)]
pub struct InitOptions {
    /// `--name`: the owner's name.
    pub name: Option<String>,
    /// `--email` (repeatable): the owner's addresses.
    pub emails: Vec<String>,
    /// `--lang`: `en` or `nl` (default `nl` for the Europe/Amsterdam or Europe/Brussels time
    /// zone, else `en`).
    pub lang: Option<String>,
    /// `--timezone`: IANA name (default: detected).
    pub timezone: Option<String>,
    /// `--provider`: gmail, outlook, fastmail or generic (default: guessed from the address).
    pub provider: Option<String>,
    /// `--imap-host` (generic provider).
    pub imap_host: Option<String>,
    /// `--imap-port` (generic provider; default 993).
    pub imap_port: Option<u16>,
    /// `--smtp-host` (generic provider; default the IMAP host with `imap.` → `smtp.`).
    pub smtp_host: Option<String>,
    /// `--smtp-port` (generic provider; default 465).
    pub smtp_port: Option<u16>,
    /// `--username`: login name (default: the mailbox the bot address belongs to).
    pub username: Option<String>,
    /// `--password-command`: prints the password (default asked: `pass show mail/olifant`;
    /// non-interactive default: read [`PASSWORD_ENV`]).
    pub password_command: Option<String>,
    /// `--bot-address`: olifant's own address (default: you+olifant@…).
    pub bot_address: Option<String>,
    /// `--prompts-at`: when prompts go out, in words or cron (default "mondays 9:00").
    pub prompts_at: Option<String>,
    /// `--digest-at`: when the digest goes out (default the first Monday of the month 8:00).
    pub digest_at: Option<String>,
    /// `--out`: where to write the config.
    pub out: PathBuf,
    /// `--non-interactive`: ask nothing.
    pub non_interactive: bool,
    /// `--force`: replace an existing config.
    pub force: bool,
}

/// What `olifant init` did.
#[derive(Debug, Clone)]
pub struct InitOutcome {
    /// The file written (mode 0600).
    pub path: PathBuf,
    /// The answers it was written from.
    pub answers: InitAnswers,
}

/// A minimal address check (the config module does the real one).
fn check_email(s: &str) -> Result<String, String> {
    let s = s.trim();
    let ok = match s.rsplit_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && !domain.is_empty()
                && !local.contains('@')
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !s
                    .chars()
                    .any(|c| c.is_whitespace() || "<>()[],;:\"\\".contains(c))
        }
        None => false,
    };
    if ok {
        Ok(s.to_ascii_lowercase())
    } else {
        Err(format!(
            "\"{s}\" is not an email address; expected e.g. you@example.com"
        ))
    }
}

fn check_host(s: &str) -> Result<String, String> {
    let s = s.trim();
    if s.is_empty() || s.chars().any(|c| c.is_whitespace() || c == '/' || c == ':') {
        Err(format!(
            "\"{s}\" is not a host name; expected e.g. imap.example.com"
        ))
    } else {
        Ok(s.to_ascii_lowercase())
    }
}

fn check_port(s: &str) -> Result<u16, String> {
    match s.trim().parse::<u16>() {
        Ok(p) if p > 0 => Ok(p),
        _ => Err(format!(
            "\"{}\" is not a port; expected a number such as 993",
            s.trim()
        )),
    }
}

/// The mailbox a bot address belongs to: `you+olifant@x` → `you@x` when that is one of the
/// owner's addresses, else the bot address itself.
fn mailbox_of(bot: &str, owner: &[String], sep: Option<char>) -> String {
    if let (Some(sep), Some((local, domain))) = (sep, bot.rsplit_once('@')) {
        if let Some((base, _)) = local.split_once(sep) {
            let candidate = format!("{base}@{domain}");
            if owner.iter().any(|a| a.eq_ignore_ascii_case(&candidate)) {
                return candidate;
            }
        }
    }
    bot.to_string()
}

struct Flow<'a> {
    opts: &'a InitOptions,
    io: &'a mut dyn Prompter,
}

impl Flow<'_> {
    /// Gets one value: from its flag, else (non-interactive) its default or an error, else
    /// by asking (up to [`MAX_TRIES`] times).
    fn value<T>(
        &mut self,
        flag: &'static str,
        what: &'static str,
        given: Option<&str>,
        question: &str,
        default: Option<String>,
        parse: &dyn Fn(&str) -> Result<T, String>,
    ) -> Result<T, InitError> {
        if let Some(g) = given {
            return parse(g).map_err(|reason| InitError::InvalidValue { flag, reason });
        }
        if self.opts.non_interactive {
            return match default {
                Some(d) => parse(&d).map_err(|reason| InitError::InvalidValue { flag, reason }),
                None => Err(InitError::MissingFlag { flag, what }),
            };
        }
        for _ in 0..MAX_TRIES {
            let answer = self
                .io
                .ask(question, default.as_deref())
                .map_err(|source| InitError::Prompt { flag, source })?;
            let answer = match (&default, answer.trim().is_empty()) {
                (Some(d), true) => d.clone(),
                _ => answer.trim().to_string(),
            };
            match parse(&answer) {
                Ok(v) => return Ok(v),
                Err(reason) => self
                    .io
                    .say(&format!("  {reason}"))
                    .map_err(|source| InitError::Prompt { flag, source })?,
            }
        }
        Err(InitError::GaveUp { flag })
    }

    fn say(&mut self, text: &str) -> Result<(), InitError> {
        if self.opts.non_interactive {
            return Ok(());
        }
        self.io.say(text).map_err(|source| InitError::Prompt {
            flag: "--provider",
            source,
        })
    }

    fn answers(&mut self) -> Result<InitAnswers, InitError> {
        let opts = self.opts;
        let emails_given = (!opts.emails.is_empty()).then(|| opts.emails.join(","));
        let addresses = self.value(
            "--email",
            "the address(es) you write from",
            emails_given.as_deref(),
            "Your email address(es), comma-separated (replies are only read from these)",
            None,
            &|s| {
                let mut out: Vec<String> = Vec::new();
                for part in s.split([',', ' ', ';']).filter(|p| !p.trim().is_empty()) {
                    let a = check_email(part)?;
                    if !out.contains(&a) {
                        out.push(a);
                    }
                }
                if out.is_empty() {
                    return Err("give at least one email address, e.g. you@example.com".into());
                }
                Ok(out)
            },
        )?;
        let owner_name = self.value(
            "--name",
            "your name",
            opts.name.as_deref(),
            "Your name, for greetings (empty to skip)",
            Some(String::new()),
            &|s| Ok(s.trim().to_string()),
        )?;
        let timezone = self.value(
            "--timezone",
            "your IANA time zone",
            opts.timezone.as_deref(),
            "Your time zone (IANA name)",
            Some(detect_timezone()),
            &|s| {
                s.trim()
                    .parse::<Tz>()
                    .map(|tz| tz.name().to_string())
                    .map_err(|_| {
                        format!(
                            "\"{}\" is not an IANA time zone; expected e.g. Europe/Amsterdam or UTC",
                            s.trim()
                        )
                    })
            },
        )?;
        let lang_default = if matches!(timezone.as_str(), "Europe/Amsterdam" | "Europe/Brussels") {
            "nl"
        } else {
            "en"
        };
        let language = self.value(
            "--lang",
            "en or nl",
            opts.lang.as_deref(),
            "Language of prompts and digests (en/nl)",
            Some(lang_default.to_string()),
            &|s| {
                Lang::from_code(s)
                    .ok_or_else(|| format!("\"{}\" is not a language; expected en or nl", s.trim()))
            },
        )?;

        let guess = addresses
            .first()
            .and_then(|a| Provider::guess_from_address(a))
            .map(|p| p.name().to_string());
        let provider_name = self.value(
            "--provider",
            "gmail, outlook, fastmail or generic",
            opts.provider.as_deref(),
            &format!("Mail provider ({})", Provider::NAMES),
            guess,
            &|s| {
                let l = s.trim().to_ascii_lowercase();
                if matches!(l.as_str(), "generic" | "other" | "custom")
                    || Provider::from_name(&l).is_some()
                {
                    Ok(l)
                } else {
                    Err(format!(
                        "\"{}\" is not a provider; expected one of {}",
                        s.trim(),
                        Provider::NAMES
                    ))
                }
            },
        )?;
        let provider = match Provider::from_name(&provider_name) {
            Some(p) => p,
            None => self.generic()?,
        };
        let preset = provider.preset();
        self.say(&format!("  {}: {}", preset.label, preset.hint))?;
        let sep = preset.plus_separator;

        let bot_default = match (sep, addresses.first()) {
            (Some(sep), Some(first)) => Some(plus_address(first, sep, "olifant")),
            _ => None,
        };
        let owner = addresses.clone();
        let bot_address = self.value(
            "--bot-address",
            "olifant's own address, e.g. you+olifant@example.com",
            opts.bot_address.as_deref(),
            "olifant's own address (From of its mail; replies go here)",
            bot_default,
            &|s| {
                let a = check_email(s)?;
                if owner.contains(&a) {
                    return Err(format!(
                        "\"{a}\" is one of your own addresses; olifant needs its own (a plus-address such as you+olifant@… works)"
                    ));
                }
                Ok(a)
            },
        )?;
        let username = self.value(
            "--username",
            "the login name of the mailbox",
            opts.username.as_deref(),
            "Login name for IMAP and SMTP",
            Some(mailbox_of(&bot_address, &addresses, sep)),
            &|s| {
                let s = s.trim();
                if s.is_empty() {
                    Err("the login name is empty".into())
                } else {
                    Ok(s.to_string())
                }
            },
        )?;
        let password_command = if opts.non_interactive && opts.password_command.is_none() {
            None
        } else {
            self.value(
                "--password-command",
                "a command printing the password",
                opts.password_command.as_deref(),
                &format!("Command that prints the (app) password; \"-\" to read it from ${PASSWORD_ENV} instead"),
                Some(DEFAULT_PASSWORD_COMMAND.to_string()),
                &|s| {
                    let s = s.trim();
                    match s {
                        "" => Err("the command is empty; give one, or \"-\" for the environment variable".into()),
                        "-" => Ok(None),
                        _ => Ok(Some(s.to_string())),
                    }
                },
            )?
        };
        let prompts_at = self.value(
            "--prompts-at",
            "when prompts go out, e.g. \"mondays 9:00\"",
            opts.prompts_at.as_deref(),
            "When should prompts go out? (e.g. mondays 9:00, weekdays 8:30, elke vrijdag 16:30)",
            Some(DEFAULT_PROMPTS_AT.to_string()),
            &|s| {
                words_to_cron(s)
                    .map(|_| s.trim().to_string())
                    .map_err(|e| e.to_string())
            },
        )?;
        let digest_at = self.value(
            "--digest-at",
            "when the digest goes out",
            opts.digest_at.as_deref(),
            "When should the digest go out?",
            Some(DEFAULT_DIGEST_AT.to_string()),
            &|s| {
                words_to_cron(s)
                    .map(|_| s.trim().to_string())
                    .map_err(|e| e.to_string())
            },
        )?;
        Ok(InitAnswers {
            owner_name,
            addresses,
            language,
            timezone,
            provider,
            username,
            password_command,
            bot_address,
            prompts_at,
            digest_at: Some(digest_at),
        })
    }

    fn generic(&mut self) -> Result<Provider, InitError> {
        let opts = self.opts;
        let imap_host = self.value(
            "--imap-host",
            "the IMAP server of a generic provider",
            opts.imap_host.as_deref(),
            "IMAP server host",
            None,
            &check_host,
        )?;
        let imap_port = self.value(
            "--imap-port",
            "the IMAP port",
            opts.imap_port.map(|p| p.to_string()).as_deref(),
            "IMAP port (993 = TLS, 143 = STARTTLS)",
            Some("993".into()),
            &check_port,
        )?;
        let smtp_default = match imap_host.strip_prefix("imap.") {
            Some(rest) => format!("smtp.{rest}"),
            None => imap_host.clone(),
        };
        let smtp_host = self.value(
            "--smtp-host",
            "the SMTP server of a generic provider",
            opts.smtp_host.as_deref(),
            "SMTP server host",
            Some(smtp_default),
            &check_host,
        )?;
        let smtp_port = self.value(
            "--smtp-port",
            "the SMTP port",
            opts.smtp_port.map(|p| p.to_string()).as_deref(),
            "SMTP port (465 = TLS, 587 = STARTTLS)",
            Some("465".into()),
            &check_port,
        )?;
        Ok(Provider::Generic {
            imap_host,
            imap_port,
            imap_security: TlsMode::for_imap_port(imap_port),
            smtp_host,
            smtp_port,
            smtp_security: TlsMode::for_smtp_port(smtp_port),
            plus_separator: Some('+'),
        })
    }
}

/// Writes `text` to `path` with mode 0600, creating missing parent directories with mode
/// 0700. Refuses to replace an existing file unless `force`; the write is atomic (a
/// temporary file in the same directory, synced, then renamed).
pub fn write_config_file(path: &Path, text: &str, force: bool) -> Result<(), InitError> {
    let werr = |source: io::Error| InitError::Write {
        path: path.to_path_buf(),
        source,
    };
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    if !dir.exists() {
        let mut builder = std::fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
        builder.create(&dir).map_err(werr)?;
    }
    if !force && path.exists() {
        return Err(InitError::Exists {
            path: path.to_path_buf(),
        });
    }
    // tempfile creates the file with mode 0600.
    let mut tmp = tempfile::NamedTempFile::new_in(&dir).map_err(werr)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        tmp.as_file()
            .set_permissions(std::fs::Permissions::from_mode(0o600))
            .map_err(werr)?;
    }
    tmp.write_all(text.as_bytes()).map_err(werr)?;
    tmp.as_file().sync_all().map_err(werr)?;
    if force {
        tmp.persist(path).map_err(|e| werr(e.error))?;
    } else {
        tmp.persist_noclobber(path).map_err(|e| {
            if e.error.kind() == io::ErrorKind::AlreadyExists {
                InitError::Exists {
                    path: path.to_path_buf(),
                }
            } else {
                werr(e.error)
            }
        })?;
    }
    Ok(())
}

/// Runs `olifant init`: takes the values given in `args`, asks the rest through `io`
/// (nothing with `non_interactive`), and writes the config to `args.out` (mode 0600).
/// Refuses an existing file unless `args.force`, before asking anything.
pub fn run_init(args: InitOptions, io: &mut dyn Prompter) -> Result<InitOutcome, InitError> {
    if !args.force && args.out.exists() {
        return Err(InitError::Exists { path: args.out });
    }
    let answers = Flow {
        opts: &args,
        io: &mut *io,
    }
    .answers()?;
    let text = render_config(&answers);
    write_config_file(&args.out, &text, args.force)?;
    if !args.non_interactive {
        let _ = io.say(&format!(
            "Wrote {} (mode 0600). Next: add your clients, then run `olifant check`.",
            args.out.display()
        ));
    }
    Ok(InitOutcome {
        path: args.out,
        answers,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::VecDeque;

    /// Returns scripted answers in order and records every question; running out of
    /// answers is an error, so an unexpected extra question fails the test.
    struct Scripted {
        answers: VecDeque<String>,
        asked: Vec<String>,
        said: Vec<String>,
    }

    impl Scripted {
        fn new(answers: &[&str]) -> Scripted {
            Scripted {
                answers: answers.iter().map(|s| s.to_string()).collect(),
                asked: Vec::new(),
                said: Vec::new(),
            }
        }
    }

    impl Prompter for Scripted {
        fn ask(&mut self, question: &str, _default: Option<&str>) -> io::Result<String> {
            self.asked.push(question.to_string());
            self.answers
                .pop_front()
                .ok_or_else(|| io::Error::new(io::ErrorKind::UnexpectedEof, "script ended"))
        }
        fn say(&mut self, text: &str) -> io::Result<()> {
            self.said.push(text.to_string());
            Ok(())
        }
    }

    fn gmail_answers() -> InitAnswers {
        InitAnswers {
            owner_name: "Sanne de Vries".into(),
            addresses: vec!["sanne@gmail.com".into(), "sanne@devries.example".into()],
            language: Lang::Nl,
            timezone: "Europe/Amsterdam".into(),
            provider: Provider::Gmail,
            username: "sanne@gmail.com".into(),
            password_command: Some(DEFAULT_PASSWORD_COMMAND.into()),
            bot_address: "sanne+olifant@gmail.com".into(),
            prompts_at: "elke vrijdag 16:30".into(),
            digest_at: None,
        }
    }

    // ── presets ──

    #[test]
    fn presets_have_the_documented_hosts_ports_and_tls_modes() {
        let g = Provider::Gmail.preset();
        assert_eq!(
            (g.imap_host.as_str(), g.imap_port, g.imap_security),
            ("imap.gmail.com", 993, TlsMode::Tls)
        );
        assert_eq!(
            (g.smtp_host.as_str(), g.smtp_port, g.smtp_security),
            ("smtp.gmail.com", 465, TlsMode::Tls)
        );
        assert!(g.hint.contains("app password"));

        let o = Provider::Outlook.preset();
        assert_eq!(
            (o.imap_host.as_str(), o.imap_port, o.imap_security),
            ("outlook.office365.com", 993, TlsMode::Tls)
        );
        assert_eq!(
            (o.smtp_host.as_str(), o.smtp_port, o.smtp_security),
            ("smtp.office365.com", 587, TlsMode::StartTls)
        );
        assert!(
            o.hint.contains("OAuth"),
            "Outlook hint must be honest about OAuth"
        );

        let f = Provider::Fastmail.preset();
        assert_eq!(
            (f.imap_host.as_str(), f.imap_port, f.imap_security),
            ("imap.fastmail.com", 993, TlsMode::Tls)
        );
        assert_eq!(
            (f.smtp_host.as_str(), f.smtp_port, f.smtp_security),
            ("smtp.fastmail.com", 465, TlsMode::Tls)
        );
        assert!(f.hint.contains("app password"));

        for p in [Provider::Gmail, Provider::Outlook, Provider::Fastmail] {
            assert_eq!(p.preset().plus_separator, Some('+'), "{p:?}");
            assert_eq!(Provider::from_name(p.name()), Some(p.clone()));
        }
    }

    #[test]
    fn provider_names_and_guesses() {
        assert_eq!(Provider::from_name(" Office365 "), Some(Provider::Outlook));
        assert_eq!(Provider::from_name("m365"), Some(Provider::Outlook));
        assert_eq!(Provider::from_name("GMAIL"), Some(Provider::Gmail));
        assert_eq!(Provider::from_name("generic"), None);
        assert_eq!(Provider::from_name("yahoo"), None);
        assert_eq!(
            Provider::guess_from_address("x@Hotmail.com"),
            Some(Provider::Outlook)
        );
        assert_eq!(
            Provider::guess_from_address("x@fastmail.fm"),
            Some(Provider::Fastmail)
        );
        assert_eq!(Provider::guess_from_address("x@devries.example"), None);
        assert_eq!(TlsMode::for_smtp_port(587), TlsMode::StartTls);
        assert_eq!(TlsMode::for_smtp_port(465), TlsMode::Tls);
        assert_eq!(TlsMode::for_imap_port(143), TlsMode::StartTls);
        assert_eq!(TlsMode::for_imap_port(993), TlsMode::Tls);
    }

    // ── words → cron ──

    #[test]
    fn words_to_cron_table_english_and_dutch() {
        let table = [
            ("mondays 9:00", "0 9 * * 1"),
            ("monday 09:00", "0 9 * * 1"),
            ("Every Monday at 9", "0 9 * * 1"),
            ("every monday at 9am", "0 9 * * 1"),
            ("weekdays 8:30", "30 8 * * 1-5"),
            ("daily 18:00", "0 18 * * *"),
            ("every day at 6pm", "0 18 * * *"),
            ("first monday of the month 8:00", "0 8 1-7 * 1"),
            ("second tuesday of the month 10:15", "15 10 8-14 * 2"),
            ("first day of the month 9:00", "0 9 1 * *"),
            ("monthly 9:00", "0 9 1 * *"),
            ("friday 16:30", "30 16 * * 5"),
            ("monday and thursday 9:00", "0 9 * * 1,4"),
            ("mon, wed, fri 7:05", "5 7 * * 1,3,5"),
            ("weekends 10am", "0 10 * * 6,0"),
            ("sunday 12:30 pm", "30 12 * * 0"),
            ("friday 12am", "0 0 * * 5"),
            ("maandag 9:00", "0 9 * * 1"),
            ("elke vrijdag 16:30", "30 16 * * 5"),
            ("eerste maandag van de maand 8:00", "0 8 1-7 * 1"),
            ("werkdagen 8.30", "30 8 * * 1-5"),
            ("'s maandags om 9 uur", "0 9 * * 1"),
            ("dagelijks 18u30", "30 18 * * *"),
            ("elke dag om 7:45", "45 7 * * *"),
            ("dinsdag en donderdag 14:00", "0 14 * * 2,4"),
            ("tweede woensdag van de maand 9:00", "0 9 8-14 * 3"),
        ];
        for (words, cron) in table {
            assert_eq!(words_to_cron(words).as_deref(), Ok(cron), "{words:?}");
        }
    }

    #[test]
    fn first_monday_fires_only_on_the_first_monday() {
        let expr =
            CronExpr::parse(&words_to_cron("first monday of the month 8:00").unwrap()).unwrap();
        let d = |y, m, d| chrono::NaiveDate::from_ymd_opt(y, m, d).unwrap();
        assert!(expr.matches_date(d(2026, 6, 1))); // Monday 1 June
        assert!(!expr.matches_date(d(2026, 6, 8))); // second Monday
        assert!(!expr.matches_date(d(2026, 6, 2))); // Tuesday in days 1–7
        assert!(expr.matches_date(d(2026, 7, 6))); // first Monday of July
        let nl =
            CronExpr::parse(&words_to_cron("eerste maandag van de maand 8:00").unwrap()).unwrap();
        assert!(nl.matches_date(d(2026, 7, 6)) && !nl.matches_date(d(2026, 7, 13)));
    }

    #[test]
    fn raw_cron_is_accepted_as_written() {
        for cron in [
            "0 9 * * 1",
            "30 8 1-7 * 1-5",
            "*/15 9 * * *",
            "0 0 9 * * 1",
            "0 9 * * mon",
        ] {
            assert_eq!(words_to_cron(cron).as_deref(), Ok(cron), "{cron:?}");
        }
        assert_eq!(words_to_cron("  0  9 * *   1 ").as_deref(), Ok("0 9 * * 1"));
        let e = words_to_cron("61 9 * * 1").unwrap_err();
        assert!(
            e.reason.contains("61") || e.reason.contains("minute"),
            "{e}"
        );
        assert!(words_to_cron("0 9 * 1").is_err());
    }

    #[test]
    fn unknown_phrasing_is_an_error_with_examples() {
        for bad in [
            "",
            "sometimes",
            "mondays",
            "9:00",
            "mondays 25:00",
            "mondays 9:61",
            "mondays 9 and 10",
            "last friday of the month 9:00",
            "first of the month 9:00",
            "mondays of the month 9:00",
            "mondays 13pm",
            "friday am",
        ] {
            let e = words_to_cron(bad).expect_err(bad);
            let msg = e.to_string();
            assert!(
                msg.contains("mondays 9:00") && msg.contains("0 9 * * 1"),
                "{msg}"
            );
            assert_eq!(e.input, bad);
        }
        assert!(words_to_cron("sometimes 9:00")
            .unwrap_err()
            .reason
            .contains("\"sometimes\""));
    }

    // ── render ──

    /// Key paths the config module accepts, taken from config.example.toml (commented keys
    /// included). The lead's merge test parses the output with the real config module.
    const KNOWN_KEYS: &[&str] = &[
        "data_dir",
        "templates_dir",
        "owner.name",
        "owner.addresses",
        "owner.language",
        "owner.timezone",
        "bot.address",
        "bot.reply_style",
        "bot.plus_separator",
        "bot.name",
        "smtp.host",
        "smtp.security",
        "smtp.port",
        "smtp.username",
        "smtp.password_command",
        "smtp.password_env",
        "smtp.password_file",
        "smtp.connect_timeout_secs",
        "smtp.send_timeout_secs",
        "smtp.ca_file",
        "imap.host",
        "imap.security",
        "imap.port",
        "imap.username",
        "imap.password_command",
        "imap.password_env",
        "imap.password_file",
        "imap.connect_timeout_secs",
        "imap.command_timeout_secs",
        "imap.ca_file",
        "imap.mailbox",
        "imap.processed_mailbox",
        "imap.ignored_mailbox",
        "imap.max_message_size",
        "imap.idle",
        "imap.poll_interval_secs",
        "schedule.prompt_cron",
        "schedule.digest_cron",
        "schedule.reminder_after_days",
        "schedule.max_prompts_per_run",
        "schedule.token_ttl_days",
    ];

    fn key_paths(table: &toml::Table, prefix: &str, out: &mut Vec<String>) {
        for (k, v) in table {
            let path = if prefix.is_empty() {
                k.clone()
            } else {
                format!("{prefix}.{k}")
            };
            match v {
                toml::Value::Table(t) => key_paths(t, &path, out),
                _ => out.push(path),
            }
        }
    }

    fn parsed(text: &str) -> toml::Table {
        text.parse::<toml::Table>()
            .unwrap_or_else(|e| panic!("generated config is not TOML: {e}\n{text}"))
    }

    #[test]
    fn rendered_config_is_toml_with_known_keys_and_no_plain_password() {
        let generic = Provider::Generic {
            imap_host: "mail.example.org".into(),
            imap_port: 143,
            imap_security: TlsMode::StartTls,
            smtp_host: "mail.example.org".into(),
            smtp_port: 587,
            smtp_security: TlsMode::StartTls,
            plus_separator: None,
        };
        let variants = [
            gmail_answers(),
            InitAnswers {
                provider: Provider::Outlook,
                password_command: None,
                owner_name: String::new(),
                ..gmail_answers()
            },
            InitAnswers {
                provider: generic,
                digest_at: Some("weekdays 17:00".into()),
                ..gmail_answers()
            },
        ];
        for answers in &variants {
            let text = render_config(answers);
            let table = parsed(&text);
            let mut keys = Vec::new();
            key_paths(&table, "", &mut keys);
            for k in &keys {
                assert!(
                    KNOWN_KEYS.contains(&k.as_str()),
                    "unknown key {k} in\n{text}"
                );
            }
            for line in text.lines() {
                let l = line.trim_start_matches(['#', ' ']);
                assert!(!l.starts_with("password ="), "plain password line: {line}");
                assert!(!l.starts_with("password="), "plain password line: {line}");
            }
            let preset = answers.provider.preset();
            assert_eq!(
                table["smtp"]["host"].as_str(),
                Some(preset.smtp_host.as_str())
            );
            assert_eq!(
                table["smtp"]["port"].as_integer(),
                Some(preset.smtp_port as i64)
            );
            assert_eq!(
                table["imap"]["security"].as_str(),
                Some(preset.imap_security.as_str())
            );
            assert_eq!(
                table["owner"]["timezone"].as_str(),
                Some("Europe/Amsterdam")
            );
            assert_eq!(table["owner"]["language"].as_str(), Some("nl"));
            assert_eq!(
                table["schedule"]["prompt_cron"].as_str(),
                Some("30 16 * * 5")
            );
            let expected_digest = answers.digest_cron().unwrap();
            assert_eq!(
                table["schedule"]["digest_cron"].as_str(),
                Some(expected_digest.as_str())
            );
            assert!(!table.contains_key("clients"), "no clients yet");
            assert!(text.contains("# [[clients]]"));
            match &answers.password_command {
                Some(cmd) => {
                    assert_eq!(
                        table["imap"]["password_command"].as_str(),
                        Some(cmd.as_str())
                    );
                    assert_eq!(
                        table["smtp"]["password_command"].as_str(),
                        Some(cmd.as_str())
                    );
                }
                None => {
                    assert_eq!(table["imap"]["password_env"].as_str(), Some(PASSWORD_ENV));
                    assert!(table["smtp"].get("password_command").is_none());
                }
            }
            let style = table["bot"]["reply_style"].as_str();
            match preset.plus_separator {
                Some(_) => assert_eq!(style, Some("plus")),
                None => assert_eq!(style, Some("plain")),
            }
        }
        assert!(!render_config(&variants[1]).contains("name = \"Sanne"));
    }

    #[test]
    fn rendered_strings_round_trip_through_toml_escaping() {
        let answers = InitAnswers {
            owner_name: "Sanne \"de\" V\\ries\nbot = 1 ☃".into(),
            password_command: Some("pass show 'mail/o\"lifant'".into()),
            prompts_at: "mondays 9:00\n[evil]".into(),
            ..gmail_answers()
        };
        let text = render_config(&answers);
        let table = parsed(&text);
        assert_eq!(
            table["owner"]["name"].as_str(),
            Some("Sanne \"de\" V\\ries\nbot = 1 ☃")
        );
        assert_eq!(
            table["imap"]["password_command"].as_str(),
            Some("pass show 'mail/o\"lifant'")
        );
        assert!(!table.contains_key("evil"));
        // The unreadable schedule falls back to the default, flagged in a comment.
        assert_eq!(table["schedule"]["prompt_cron"].as_str(), Some("0 9 * * 1"));
        assert!(text.contains("# NOTE: that schedule could not be read"));
    }

    // ── time zone ──

    #[test]
    fn timezone_detection_order_with_a_fake_environment_and_system() {
        let no_env = |_: &str| None;
        let no_system = || None;
        assert_eq!(detect_timezone_in(&no_env, &no_system), "UTC");

        let system = |v: &'static str| move || Some(v.to_string());
        // The system's answer may be a zoneinfo path's tail, posix/ included.
        assert_eq!(
            detect_timezone_in(&no_env, &system("posix/Europe/Lisbon")),
            "Europe/Lisbon"
        );
        assert_eq!(detect_timezone_in(&no_env, &system("garbage")), "UTC");

        let new_york = system("America/New_York");
        assert_eq!(detect_timezone_in(&no_env, &new_york), "America/New_York");
        let tz = |v: &'static str| move |name: &str| (name == "TZ").then(|| v.to_string());
        assert_eq!(
            detect_timezone_in(&tz("Asia/Tokyo"), &new_york),
            "Asia/Tokyo"
        );
        assert_eq!(
            detect_timezone_in(&tz(":Europe/Amsterdam"), &new_york),
            "Europe/Amsterdam"
        );
        assert_eq!(
            detect_timezone_in(&tz("/usr/share/zoneinfo/Europe/Paris"), &new_york),
            "Europe/Paris"
        );
        // An invalid TZ falls through to the system's zone, an invalid one of those to UTC.
        assert_eq!(
            detect_timezone_in(&tz("Mars/Olympus"), &new_york),
            "America/New_York"
        );
        assert_eq!(
            detect_timezone_in(&tz("Mars/Olympus"), &system("garbage")),
            "UTC"
        );
    }

    #[test]
    fn the_real_detection_gives_a_valid_iana_name() {
        let name = detect_timezone();
        assert!(name.parse::<Tz>().is_ok(), "{name:?}");
    }

    // ── flow ──

    fn opts(out: PathBuf) -> InitOptions {
        InitOptions {
            out,
            ..InitOptions::default()
        }
    }

    #[test]
    fn non_interactive_missing_flag_names_the_flag() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("config.toml");
        let mut io = Scripted::new(&[]);

        let o = InitOptions {
            non_interactive: true,
            ..opts(out.clone())
        };
        let e = run_init(o, &mut io).unwrap_err();
        assert!(
            matches!(
                e,
                InitError::MissingFlag {
                    flag: "--email",
                    ..
                }
            ),
            "{e:?}"
        );
        assert!(e.to_string().contains("--email"));

        // A custom domain cannot be guessed: the provider must be named.
        let o = InitOptions {
            non_interactive: true,
            emails: vec!["sanne@devries.example".into()],
            ..opts(out.clone())
        };
        let e = run_init(o, &mut io).unwrap_err();
        assert!(e.to_string().contains("--provider"), "{e}");

        let o = InitOptions {
            non_interactive: true,
            emails: vec!["sanne@devries.example".into()],
            provider: Some("generic".into()),
            ..opts(out.clone())
        };
        let e = run_init(o, &mut io).unwrap_err();
        assert!(e.to_string().contains("--imap-host"), "{e}");

        let o = InitOptions {
            non_interactive: true,
            emails: vec!["sanne@gmail.com".into()],
            prompts_at: Some("sometimes".into()),
            ..opts(out.clone())
        };
        let e = run_init(o, &mut io).unwrap_err();
        assert!(
            matches!(
                e,
                InitError::InvalidValue {
                    flag: "--prompts-at",
                    ..
                }
            ),
            "{e:?}"
        );

        assert!(io.asked.is_empty(), "non-interactive asked {:?}", io.asked);
        assert!(!out.exists());
    }

    #[test]
    fn non_interactive_with_flags_writes_defaults() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("config.toml");
        let o = InitOptions {
            non_interactive: true,
            emails: vec!["Sanne@Gmail.com".into()],
            timezone: Some("Europe/Amsterdam".into()),
            ..opts(out.clone())
        };
        let outcome = run_init(o, &mut Scripted::new(&[])).unwrap();
        let a = &outcome.answers;
        assert_eq!(a.addresses, vec!["sanne@gmail.com".to_string()]);
        assert_eq!(a.provider, Provider::Gmail);
        assert_eq!(a.bot_address, "sanne+olifant@gmail.com");
        assert_eq!(a.username, "sanne@gmail.com");
        assert_eq!(a.language, Lang::Nl); // from the Amsterdam time zone
        assert_eq!(a.password_command, None); // non-interactive: read from the environment
        let table = parsed(&std::fs::read_to_string(&out).unwrap());
        assert_eq!(table["smtp"]["password_env"].as_str(), Some(PASSWORD_ENV));
    }

    #[cfg(unix)]
    fn mode(p: &Path) -> u32 {
        use std::os::unix::fs::PermissionsExt;
        std::fs::metadata(p).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn scripted_interactive_run_writes_a_private_file() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("new/olifant/config.toml");
        let mut io = Scripted::new(&[
            "not-an-address",        // re-asked
            "sanne@devries.example", // email
            "Sanne de Vries",        // name
            "Europe/Amsterdam",      // timezone
            "",                      // language: default (nl for Amsterdam)
            "yahoo",                 // re-asked
            "generic",               // provider
            "imap.devries.example",  // imap host
            "",                      // imap port 993
            "",                      // smtp host: smtp.devries.example
            "587",                   // smtp port
            "",                      // bot: sanne+olifant@devries.example
            "",                      // username: sanne@devries.example
            "",                      // password command: default
            "elke vrijdag 16:30",    // prompts
            "",                      // digest: default
        ]);
        let outcome = run_init(opts(out.clone()), &mut io).unwrap();
        assert_eq!(outcome.path, out);
        assert!(io.answers.is_empty(), "unused answers: {:?}", io.answers);
        let a = &outcome.answers;
        assert_eq!(a.bot_address, "sanne+olifant@devries.example");
        assert_eq!(a.username, "sanne@devries.example");
        assert_eq!(a.language, Lang::Nl);
        assert_eq!(
            a.password_command.as_deref(),
            Some(DEFAULT_PASSWORD_COMMAND)
        );
        assert_eq!(
            a.provider,
            Provider::Generic {
                imap_host: "imap.devries.example".into(),
                imap_port: 993,
                imap_security: TlsMode::Tls,
                smtp_host: "smtp.devries.example".into(),
                smtp_port: 587,
                smtp_security: TlsMode::StartTls,
                plus_separator: Some('+'),
            }
        );
        assert!(io.said.iter().any(|s| s.contains("not an email address")));
        assert!(io.said.iter().any(|s| s.contains("not a provider")));

        let text = std::fs::read_to_string(&out).unwrap();
        assert_eq!(text, render_config(a));
        let table = parsed(&text);
        assert_eq!(
            table["schedule"]["prompt_cron"].as_str(),
            Some("30 16 * * 5")
        );
        assert_eq!(
            table["schedule"]["digest_cron"].as_str(),
            Some("0 8 1-7 * 1")
        );
        assert_eq!(table["smtp"]["security"].as_str(), Some("starttls"));
        #[cfg(unix)]
        {
            assert_eq!(mode(&out), 0o600);
            assert_eq!(mode(&dir.path().join("new")), 0o700);
            assert_eq!(mode(&dir.path().join("new/olifant")), 0o700);
        }

        // A second run refuses to overwrite before asking anything.
        let mut again = Scripted::new(&["x@y.example"]);
        let e = run_init(opts(out.clone()), &mut again).unwrap_err();
        assert!(matches!(e, InitError::Exists { .. }), "{e:?}");
        assert!(e.to_string().contains("--force"));
        assert!(again.asked.is_empty());
        assert_eq!(std::fs::read_to_string(&out).unwrap(), text);
    }

    #[test]
    fn force_replaces_an_existing_file_and_keeps_it_private() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("config.toml");
        std::fs::write(&out, "old").unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&out, std::fs::Permissions::from_mode(0o644)).unwrap();
        }
        let o = InitOptions {
            non_interactive: true,
            force: true,
            emails: vec!["sanne@fastmail.com".into()],
            timezone: Some("UTC".into()),
            password_command: Some("pass show fastmail".into()),
            ..opts(out.clone())
        };
        run_init(o, &mut Scripted::new(&[])).unwrap();
        let table = parsed(&std::fs::read_to_string(&out).unwrap());
        assert_eq!(table["imap"]["host"].as_str(), Some("imap.fastmail.com"));
        assert_eq!(table["owner"]["language"].as_str(), Some("en"));
        #[cfg(unix)]
        assert_eq!(mode(&out), 0o600);
    }

    #[test]
    fn bot_address_equal_to_owner_address_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let o = InitOptions {
            non_interactive: true,
            emails: vec!["sanne@gmail.com".into()],
            bot_address: Some("SANNE@gmail.com".into()),
            ..opts(dir.path().join("c.toml"))
        };
        let e = run_init(o, &mut Scripted::new(&[])).unwrap_err();
        assert!(
            matches!(
                e,
                InitError::InvalidValue {
                    flag: "--bot-address",
                    ..
                }
            ),
            "{e:?}"
        );
    }

    #[test]
    fn three_bad_answers_give_up_naming_the_flag() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("c.toml");
        let mut io = Scripted::new(&["a", "b", "c"]);
        let e = run_init(opts(out.clone()), &mut io).unwrap_err();
        assert!(matches!(e, InitError::GaveUp { flag: "--email" }), "{e:?}");
        assert!(!out.exists());
        // Input ending early is a prompt error, not a panic.
        let e = run_init(opts(out), &mut Scripted::new(&[])).unwrap_err();
        assert!(
            matches!(
                e,
                InitError::Prompt {
                    flag: "--email",
                    ..
                }
            ),
            "{e:?}"
        );
    }

    #[test]
    fn terminal_prompter_shows_defaults_and_returns_them_on_empty_lines() {
        let input = io::Cursor::new("\n  typed  \n");
        let mut out = Vec::new();
        let mut p = TerminalPrompter::new(input, &mut out);
        assert_eq!(p.ask("Q1", Some("dflt")).unwrap(), "dflt");
        assert_eq!(p.ask("Q2", Some("dflt")).unwrap(), "typed");
        let e = p.ask("Q3", None).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::UnexpectedEof);
        let shown = String::from_utf8(out).unwrap();
        assert!(
            shown.contains("Q1 [dflt]: ") && shown.contains("Q3: "),
            "{shown}"
        );
    }
}
