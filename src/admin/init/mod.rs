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

mod providers;
mod render;
mod timezone;
mod words;

pub use providers::*;
pub use render::*;
pub use timezone::*;
pub use words::*;

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
        let addresses = self.addresses()?;
        let (owner_name, timezone, language) = self.owner()?;
        let (provider, sep) = self.provider(&addresses)?;
        let (bot_address, username, password_command) = self.mailbox(&addresses, sep)?;
        let (prompts_at, digest_at) = self.times()?;
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

    /// The addresses the owner writes from (at least one, no repeats).
    fn addresses(&mut self) -> Result<Vec<String>, InitError> {
        let opts = self.opts;
        let emails_given = (!opts.emails.is_empty()).then(|| opts.emails.join(","));
        self.value(
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
        )
    }

    /// The owner's name, time zone and language (Dutch by default in a Dutch or Belgian zone).
    fn owner(&mut self) -> Result<(String, String, Lang), InitError> {
        let opts = self.opts;
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
        Ok((owner_name, timezone, language))
    }

    /// The mail provider (guessed from the first address; a generic one asks for its
    /// servers) and its plus-address separator.
    fn provider(&mut self, addresses: &[String]) -> Result<(Provider, Option<char>), InitError> {
        let opts = self.opts;
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
        Ok((provider, preset.plus_separator))
    }

    /// olifant's own address (a plus-address of the first by default), the login name and
    /// the command that prints the password.
    fn mailbox(
        &mut self,
        addresses: &[String],
        sep: Option<char>,
    ) -> Result<(String, String, Option<String>), InitError> {
        let opts = self.opts;
        let bot_default = match (sep, addresses.first()) {
            (Some(sep), Some(first)) => Some(plus_address(first, sep, "olifant")),
            _ => None,
        };
        let bot_address = self.value(
            "--bot-address",
            "olifant's own address, e.g. you+olifant@example.com",
            opts.bot_address.as_deref(),
            "olifant's own address (From of its mail; replies go here)",
            bot_default,
            &|s| {
                let a = check_email(s)?;
                if addresses.contains(&a) {
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
            Some(mailbox_of(&bot_address, addresses, sep)),
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
        Ok((bot_address, username, password_command))
    }

    /// When prompts and the digest go out (as the owner wrote it, checked).
    fn times(&mut self) -> Result<(String, String), InitError> {
        let opts = self.opts;
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
        Ok((prompts_at, digest_at))
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
mod tests;
