//! Configuration: find the file, read it, validate it in two phases.
//!
//! ```text
//! locate(--config, env) → load(path) → parse_str(text) → RawConfig (serde) → Config (validated)
//! ```
//!
//! [`raw::RawConfig`] is what the user wrote, with unknown keys refused. [`Config`] is what
//! the rest of olifant uses: time zone parsed, addresses checked, defaults filled in.
//! Passwords stay unresolved ([`SecretSource`]) until the edge that logs in calls
//! [`SecretSource::resolve`]. Every error names the key path and line.

mod error;
pub mod raw;
mod secret;
mod validate;

use validate::Validator;

use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::NaiveDate;
use chrono_tz::Tz;

pub use crate::prompt::compose::ReplyStyle;
pub use crate::send::Security;
pub use error::ConfigError;
pub use secret::{Secret, SecretSource};

use crate::model::{
    Cadence, ClientKey, DigestSettings, Lang, Question, Questionnaire, Scale, Wording,
};
use crate::schedule::CronExpr;
use error::invalid;
use raw::{RawConfig, RawDate, RawPassword};

/// The demo configuration: no mail server, everything under the data directory.
///
/// Used by [`Config::example_local`]; `data_dir` is filled in by the caller.
pub const EXAMPLE_LOCAL_TOML: &str = r#"
[owner]
name = "Demo Owner"
addresses = ["owner@example.test"]
language = "en"
timezone = "Europe/Amsterdam"

[bot]
address = "olifant@example.test"
"#;

/// The validated configuration.
#[derive(Debug, Clone)]
pub struct Config {
    /// Where the config came from (file name), for messages.
    pub origin: String,
    /// Where olifant keeps its store, outbox and inbox.
    pub data_dir: PathBuf,
    /// Owner overrides of the built-in templates.
    pub templates_dir: Option<PathBuf>,
    /// Who olifant works for.
    pub owner: OwnerConfig,
    /// olifant's own identity.
    pub bot: BotConfig,
    /// How mail goes out.
    pub send: SendConfig,
    /// How mail comes in.
    pub receive: ReceiveConfig,
    /// When things happen.
    pub schedule: ScheduleConfig,
    /// The clients as declared.
    pub clients: Vec<ClientConfig>,
    /// The questionnaire, prepared for the parser once (shared by clones of the config).
    vocabulary: std::sync::Arc<crate::parse::Vocabulary>,
    /// Scoring thresholds.
    pub digest: DigestSettings,
    /// Reading replies.
    pub ingest: IngestConfig,
    /// Things that work but deserve attention (a plain password, an unused section).
    pub warnings: Vec<String>,
}

/// `[owner]`.
#[derive(Debug, Clone, PartialEq)]
pub struct OwnerConfig {
    /// Display name (may be empty).
    pub name: String,
    /// The addresses the owner writes from (lowercased); the first one receives prompts.
    pub addresses: Vec<String>,
    /// Default language of prompts and digests.
    pub language: Lang,
    /// The owner's time zone: cron expressions are read in it.
    pub timezone: Tz,
}

/// `[bot]`.
#[derive(Debug, Clone, PartialEq)]
pub struct BotConfig {
    /// olifant's own address (From of everything it sends).
    pub address: String,
    /// How Reply-To is built.
    pub reply_style: ReplyStyle,
    /// The plus-address separator (default `+`); replies are read with it whatever the
    /// reply style, so prompts sent before a switch to `plain` still find their way back.
    pub plus_separator: char,
    /// Display name (default `olifant`).
    pub name: String,
}

/// A login: user name and where the password comes from.
#[derive(Debug, Clone, PartialEq)]
pub struct Credentials {
    /// Login name.
    pub username: String,
    /// Password source, resolved at the edge.
    pub password: SecretSource,
}

/// `[smtp]`.
#[derive(Debug, Clone, PartialEq)]
pub struct SmtpConfig {
    /// Server host.
    pub host: String,
    /// Server port (default by security: 465, 587, 25).
    pub port: u16,
    /// Transport security.
    pub security: Security,
    /// Login; `None` sends without AUTH (a local relay).
    pub credentials: Option<Credentials>,
    /// Connect + greeting timeout (default 30 s).
    pub connect_timeout: Duration,
    /// Timeout of one whole send, long enough after DATA (default 600 s, RFC 5321).
    pub send_timeout: Duration,
    /// Extra CA certificate (PEM) to trust.
    pub ca_file: Option<PathBuf>,
}

/// `[imap]`.
#[derive(Debug, Clone, PartialEq)]
pub struct ImapConfig {
    /// Server host.
    pub host: String,
    /// Server port (default by security: 993, 143, 143).
    pub port: u16,
    /// Transport security.
    pub security: Security,
    /// Login.
    pub credentials: Credentials,
    /// Connect + greeting timeout (default 30 s).
    pub connect_timeout: Duration,
    /// Timeout of one command (default 60 s); not applied to IDLE.
    pub command_timeout: Duration,
    /// Extra CA certificate (PEM) to trust.
    pub ca_file: Option<PathBuf>,
    /// Mailbox to read (default `INBOX`).
    pub mailbox: String,
    /// Where handled messages are moved (default `olifant/processed`).
    pub processed_mailbox: String,
    /// Where non-reply mail is moved; `None` leaves it in place.
    pub ignored_mailbox: Option<String>,
    /// Larger messages are quarantined without being parsed (default 10 MiB).
    pub max_message_size: u64,
    /// Use IDLE when the server offers it (default true).
    pub idle: bool,
    /// Poll interval without IDLE (default 300 s).
    pub poll_interval: Duration,
}

/// `[send]`: how mail goes out.
#[allow(clippy::large_enum_variant)] // one per process; keeps matching simple
#[derive(Debug, Clone, PartialEq)]
pub enum SendConfig {
    /// Over SMTP.
    Smtp(SmtpConfig),
    /// Written as `.eml` files into a directory (the default: no mail server needed).
    File {
        /// The directory (default `DATA_DIR/outbox`).
        dir: PathBuf,
    },
    /// Piped to a sendmail-compatible binary.
    Sendmail {
        /// The binary (default `/usr/sbin/sendmail`).
        command: PathBuf,
    },
}

/// `[receive]`: how mail comes in.
#[allow(clippy::large_enum_variant)] // one per process; keeps matching simple
#[derive(Debug, Clone, PartialEq)]
pub enum ReceiveConfig {
    /// Over IMAP.
    Imap(ImapConfig),
    /// From a local Maildir (the default: no mail server needed).
    Maildir {
        /// The Maildir (default `DATA_DIR/inbox`).
        path: PathBuf,
    },
}

/// `[schedule]`.
#[derive(Debug, Clone, PartialEq)]
pub struct ScheduleConfig {
    /// When prompts go out (5- or 6-field cron in the owner's time zone; default
    /// [`DEFAULT_PROMPT_CRON`]). Parsed when the config is loaded.
    pub prompt_cron: CronExpr,
    /// When the digest goes out (default [`DEFAULT_DIGEST_CRON`]: first Monday, 08:00).
    /// Parsed when the config is loaded.
    pub digest_cron: CronExpr,
    /// Days without a reply before the one reminder (default 3).
    pub reminder_after_days: u32,
    /// Most prompts sent in one run (default 3).
    pub max_prompts_per_run: u32,
    /// When a new client is first asked (`first_prompt`, default `next_run`).
    pub first_prompt: crate::schedule::FirstPrompt,
    /// How long a prompt's token is accepted, in days (default 120).
    pub token_ttl_days: u32,
}

/// `[schedule] prompt_cron` when the key is left out: Mondays 09:00.
pub const DEFAULT_PROMPT_CRON: &str = "0 9 * * 1";

/// `[schedule] digest_cron` when the key is left out: the first Monday of the month, 08:00.
pub const DEFAULT_DIGEST_CRON: &str = "0 8 1-7 * 1";

impl Default for ScheduleConfig {
    fn default() -> Self {
        ScheduleConfig {
            prompt_cron: CronExpr::parse(DEFAULT_PROMPT_CRON)
                .expect("the default prompt_cron parses (checked by tests)"),
            digest_cron: CronExpr::parse(DEFAULT_DIGEST_CRON)
                .expect("the default digest_cron parses (checked by tests)"),
            reminder_after_days: 3,
            max_prompts_per_run: 3,
            first_prompt: crate::schedule::FirstPrompt::NextRun,
            token_ttl_days: 120,
        }
    }
}

/// One `[[clients]]` entry.
#[derive(Debug, Clone, PartialEq)]
pub struct ClientConfig {
    /// Display name.
    pub name: String,
    /// Its key ([`ClientKey::from_name`]).
    pub key: ClientKey,
    /// How often to ask (default monthly).
    pub cadence: Cadence,
    /// Yearly revenue, when given.
    pub revenue: Option<f64>,
    /// Free tags.
    pub tags: Vec<String>,
    /// Tracked since, when given.
    pub since: Option<NaiveDate>,
    /// Prompt language for this client, overriding the owner's.
    pub language: Option<Lang>,
}

/// `[ingest]`.
#[derive(Debug, Clone, PartialEq)]
pub struct IngestConfig {
    /// Trust `Authentication-Results` headers from this authserv-id only (DMARC check);
    /// `None` skips the check.
    pub trusted_authserv_id: Option<String>,
    /// Send a short receipt after each stored reply (default true).
    pub receipts: bool,
}

impl Config {
    /// The questionnaire: `[[questions]]` when given, else the default one, with
    /// `[digest.weights]` and `[notes]` applied.
    pub fn questionnaire(&self) -> &Questionnaire {
        self.vocabulary.questionnaire()
    }

    /// The questionnaire prepared for the parser (see [`crate::parse::ParseContext`]).
    pub fn vocabulary(&self) -> &crate::parse::Vocabulary {
        &self.vocabulary
    }

    /// The demo configuration: owner "Demo Owner <owner@example.test>", bot
    /// `olifant@example.test`, file + Maildir transports under `data_dir`, Europe/Amsterdam.
    pub fn example_local(data_dir: &Path) -> Result<Config, ConfigError> {
        parse_with(
            EXAMPLE_LOCAL_TOML,
            "built-in demo config",
            &|_| None,
            Some(data_dir),
        )
    }

    /// Whether any password is written in the config itself.
    pub fn has_plain_password(&self) -> bool {
        let smtp = match &self.send {
            SendConfig::Smtp(s) => s
                .credentials
                .as_ref()
                .is_some_and(|c| matches!(c.password, SecretSource::Plain { .. })),
            _ => false,
        };
        let imap = match &self.receive {
            ReceiveConfig::Imap(i) => matches!(i.credentials.password, SecretSource::Plain { .. }),
            _ => false,
        };
        smtp || imap
    }

    /// The client declared under `key`.
    pub fn client(&self, key: &ClientKey) -> Option<&ClientConfig> {
        self.clients.iter().find(|c| &c.key == key)
    }
}

/// Finds the config file: `--config PATH`, else `$OLIFANT_CONFIG`, else
/// `$XDG_CONFIG_HOME/olifant/config.toml`, else `~/.config/olifant/config.toml`.
///
/// The environment is passed in so tests need not touch the process environment.
pub fn locate(
    cli: Option<&Path>,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<PathBuf, ConfigError> {
    if let Some(p) = cli {
        return Ok(p.to_path_buf());
    }
    let set = |name: &str| env(name).filter(|v| !v.is_empty());
    if let Some(p) = set("OLIFANT_CONFIG") {
        return Ok(expand_tilde(&p, env));
    }
    if let Some(x) = set("XDG_CONFIG_HOME") {
        return Ok(PathBuf::from(x).join("olifant").join("config.toml"));
    }
    if let Some(home) = set("HOME") {
        return Ok(PathBuf::from(home)
            .join(".config")
            .join("olifant")
            .join("config.toml"));
    }
    Err(ConfigError::NoConfigPath)
}

/// Reads and validates the config file at `path` (the edge; [`parse_str`] does the work).
pub fn load(path: &Path) -> Result<Config, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let origin = path.display().to_string();
    parse_str(&text, &origin)
}

/// Parses and validates config text; `origin` names it in messages (`config.toml`).
///
/// Reads `$HOME`, `$XDG_DATA_HOME` for the default data directory and `~`; use
/// [`parse_with`] to pass the environment in.
pub fn parse_str(text: &str, origin: &str) -> Result<Config, ConfigError> {
    parse_with(text, origin, &|name| std::env::var(name).ok(), None)
}

/// [`parse_str`] with the environment passed in, and optionally the data directory forced
/// (it then overrides `data_dir` in the text).
pub fn parse_with(
    text: &str,
    origin: &str,
    env: &dyn Fn(&str) -> Option<String>,
    data_dir: Option<&Path>,
) -> Result<Config, ConfigError> {
    let raw: RawConfig = toml::from_str(text).map_err(|e| error::from_toml(text, origin, &e))?;
    Validator { text, origin, env }.validate(raw, data_dir)
}

/// Refuses a config that holds a plain `password` while group or others may read it.
///
/// The error gives the exact `chmod 600 PATH` to run.
pub fn check_permissions(path: &Path, config: &Config) -> Result<(), ConfigError> {
    if !config.has_plain_password() {
        return Ok(());
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let meta = std::fs::metadata(path).map_err(|source| ConfigError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        let mode = meta.permissions().mode() & 0o7777;
        if mode & 0o077 != 0 {
            return Err(ConfigError::Permissions {
                path: path.to_path_buf(),
                mode,
            });
        }
    }
    Ok(())
}

/// Replaces a leading `~` or `~/` with `$HOME`.
fn expand_tilde(p: &str, env: &dyn Fn(&str) -> Option<String>) -> PathBuf {
    if p == "~" {
        if let Some(h) = env("HOME") {
            return PathBuf::from(h);
        }
    } else if let Some(rest) = p.strip_prefix("~/") {
        if let Some(h) = env("HOME") {
            return PathBuf::from(h).join(rest);
        }
    }
    PathBuf::from(p)
}

/// Minimal address check: one `@`, a non-empty local part, a dotted-or-not domain, no
/// spaces or brackets. Returns the address lowercased.
fn check_address(s: &str) -> Option<String> {
    let s = s.trim();
    let (local, domain) = s.rsplit_once('@')?;
    let bad = |c: char| c.is_whitespace() || "<>()[],;:\"\\".contains(c);
    if local.is_empty()
        || domain.is_empty()
        || local.contains('@')
        || s.chars().any(bad)
        || domain.starts_with('.')
        || domain.ends_with('.')
        || domain.contains("..")
    {
        return None;
    }
    Some(s.to_ascii_lowercase())
}

/// Whether `host` is a loopback address or `localhost`.
fn is_loopback(host: &str) -> bool {
    let h = host.trim().trim_start_matches('[').trim_end_matches(']');
    if h.eq_ignore_ascii_case("localhost") || h.to_ascii_lowercase().ends_with(".localhost") {
        return true;
    }
    h.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests;
