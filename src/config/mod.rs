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

struct Validator<'a> {
    text: &'a str,
    origin: &'a str,
    env: &'a dyn Fn(&str) -> Option<String>,
}

impl Validator<'_> {
    fn err(&self, key: &str, message: impl Into<String>) -> ConfigError {
        invalid(self.text, self.origin, key, message)
    }

    fn required<T>(&self, v: Option<T>, key: &str, what: &str) -> Result<T, ConfigError> {
        v.ok_or_else(|| self.err(key, format!("missing; expected {what}")))
    }

    fn path(&self, p: &str) -> PathBuf {
        expand_tilde(p.trim(), self.env)
    }

    fn validate(&self, raw: RawConfig, data_dir: Option<&Path>) -> Result<Config, ConfigError> {
        let mut warnings = Vec::new();
        let data_dir = match (data_dir, &raw.data_dir) {
            (Some(d), _) => d.to_path_buf(),
            (None, Some(d)) if !d.trim().is_empty() => self.path(d),
            (None, Some(_)) => return Err(self.err("data_dir", "is empty; expected a directory")),
            (None, None) => self.default_data_dir()?,
        };
        let templates_dir = raw.templates_dir.as_deref().map(|p| self.path(p));

        let owner = self.owner(raw.owner)?;
        let bot = self.bot(raw.bot, &owner)?;

        // Transports.
        let send_kind = match raw.send.as_ref().and_then(|s| s.kind.as_deref()) {
            Some(k) => k.trim().to_ascii_lowercase(),
            None if raw.smtp.is_some() => "smtp".into(),
            None => "file".into(),
        };
        let send_raw = raw.send.unwrap_or_default();
        let send = match send_kind.as_str() {
            "smtp" => match raw.smtp {
                Some(s) => SendConfig::Smtp(self.smtp(s, &mut warnings)?),
                None => {
                    return Err(self.err(
                        "send.kind",
                        "is \"smtp\" but there is no [smtp] section; add one (host, security, username, password_command) or use kind = \"file\"",
                    ))
                }
            },
            "file" => {
                if raw.smtp.is_some() {
                    warnings.push("[smtp] is ignored because send.kind = \"file\"".into());
                }
                SendConfig::File {
                    dir: send_raw
                        .dir
                        .as_deref()
                        .map(|d| self.path(d))
                        .unwrap_or_else(|| data_dir.join("outbox")),
                }
            }
            "sendmail" => SendConfig::Sendmail {
                command: send_raw
                    .command
                    .as_deref()
                    .map(|d| self.path(d))
                    .unwrap_or_else(|| PathBuf::from("/usr/sbin/sendmail")),
            },
            other => {
                return Err(self.err(
                    "send.kind",
                    format!("unknown kind \"{other}\"; expected one of smtp, file, sendmail"),
                ))
            }
        };
        if send_raw.dir.is_some() && send_kind != "file" {
            return Err(self.err("send.dir", "only applies to kind = \"file\""));
        }
        if send_raw.command.is_some() && send_kind != "sendmail" {
            return Err(self.err("send.command", "only applies to kind = \"sendmail\""));
        }

        let receive_kind = match raw.receive.as_ref().and_then(|s| s.kind.as_deref()) {
            Some(k) => k.trim().to_ascii_lowercase(),
            None if raw.imap.is_some() => "imap".into(),
            None => "maildir".into(),
        };
        let receive_raw = raw.receive.unwrap_or_default();
        let receive = match receive_kind.as_str() {
            "imap" => match raw.imap {
                Some(i) => ReceiveConfig::Imap(self.imap(i, &mut warnings)?),
                None => {
                    return Err(self.err(
                        "receive.kind",
                        "is \"imap\" but there is no [imap] section; add one (host, security, username, password_command) or use kind = \"maildir\"",
                    ))
                }
            },
            "maildir" => {
                if raw.imap.is_some() {
                    warnings.push("[imap] is ignored because receive.kind = \"maildir\"".into());
                }
                ReceiveConfig::Maildir {
                    path: receive_raw
                        .path
                        .as_deref()
                        .map(|d| self.path(d))
                        .unwrap_or_else(|| data_dir.join("inbox")),
                }
            }
            other => {
                return Err(self.err(
                    "receive.kind",
                    format!("unknown kind \"{other}\"; expected one of imap, maildir"),
                ))
            }
        };
        if receive_raw.path.is_some() && receive_kind != "maildir" {
            return Err(self.err("receive.path", "only applies to kind = \"maildir\""));
        }

        let schedule = self.schedule(raw.schedule)?;
        let clients = self.clients(raw.clients)?;
        let mut questionnaire = self.questions(raw.questions, raw.notes)?;
        let digest = self.digest(raw.digest, &mut questionnaire)?;
        let ingest = {
            let i = raw.ingest.unwrap_or_default();
            let trusted = i.trusted_authserv_id.map(|s| s.trim().to_string());
            if trusted.as_deref() == Some("") {
                return Err(self.err(
                    "ingest.trusted_authserv_id",
                    "is empty; expected your provider's authserv-id (e.g. \"mx.example.com\") or leave the key out",
                ));
            }
            IngestConfig {
                trusted_authserv_id: trusted,
                receipts: i.receipts.unwrap_or(true),
            }
        };

        Ok(Config {
            origin: self.origin.to_string(),
            data_dir,
            templates_dir,
            owner,
            bot,
            send,
            receive,
            schedule,
            clients,
            vocabulary: std::sync::Arc::new(crate::parse::Vocabulary::new(&questionnaire)),
            digest,
            ingest,
            warnings,
        })
    }

    fn default_data_dir(&self) -> Result<PathBuf, ConfigError> {
        if let Some(x) = (self.env)("XDG_DATA_HOME").filter(|v| !v.is_empty()) {
            return Ok(PathBuf::from(x).join("olifant"));
        }
        if let Some(h) = (self.env)("HOME").filter(|v| !v.is_empty()) {
            return Ok(PathBuf::from(h)
                .join(".local")
                .join("share")
                .join("olifant"));
        }
        Err(self.err(
            "data_dir",
            "not set and neither $XDG_DATA_HOME nor $HOME is set; expected a directory, e.g. data_dir = \"/var/lib/olifant\"",
        ))
    }

    fn owner(&self, raw: Option<raw::RawOwner>) -> Result<OwnerConfig, ConfigError> {
        let raw = self.required(
            raw,
            "owner",
            "an [owner] section with addresses and timezone",
        )?;
        let list = self.required(
            raw.addresses,
            "owner.addresses",
            "one or more email addresses, e.g. addresses = [\"you@example.com\"]",
        )?;
        if list.is_empty() {
            return Err(self.err(
                "owner.addresses",
                "is empty; expected one or more email addresses, e.g. [\"you@example.com\"]",
            ));
        }
        let mut addresses = Vec::new();
        for (i, a) in list.iter().enumerate() {
            let key = format!("owner.addresses[{i}]");
            let addr = check_address(a).ok_or_else(|| {
                self.err(
                    &key,
                    format!("\"{a}\" is not an email address; expected e.g. \"you@example.com\""),
                )
            })?;
            if !addresses.contains(&addr) {
                addresses.push(addr);
            }
        }
        let language = match raw.language {
            None => Lang::En,
            Some(l) => Lang::from_code(&l).ok_or_else(|| {
                self.err(
                    "owner.language",
                    format!("\"{l}\" is not supported; expected \"en\" or \"nl\""),
                )
            })?,
        };
        let tz_text = self.required(
            raw.timezone,
            "owner.timezone",
            "an IANA time zone, e.g. timezone = \"Europe/Amsterdam\"",
        )?;
        let timezone: Tz = tz_text.trim().parse().map_err(|_| {
            self.err(
                "owner.timezone",
                format!("\"{tz_text}\" is not an IANA time zone; expected e.g. \"Europe/Amsterdam\" or \"America/New_York\""),
            )
        })?;
        Ok(OwnerConfig {
            name: raw.name.unwrap_or_default().trim().to_string(),
            addresses,
            language,
            timezone,
        })
    }

    fn bot(&self, raw: Option<raw::RawBot>, owner: &OwnerConfig) -> Result<BotConfig, ConfigError> {
        let raw = self.required(raw, "bot", "a [bot] section with olifant's own address")?;
        let a = self.required(
            raw.address,
            "bot.address",
            "olifant's own email address, e.g. address = \"olifant@example.com\"",
        )?;
        let address = check_address(&a).ok_or_else(|| {
            self.err(
                "bot.address",
                format!("\"{a}\" is not an email address; expected e.g. \"olifant@example.com\""),
            )
        })?;
        if owner.addresses.contains(&address) {
            return Err(self.err(
                "bot.address",
                "is one of owner.addresses; olifant needs its own address (or a plus-address of yours, e.g. you+olifant@example.com) to tell replies from other mail",
            ));
        }
        let reply_style = match raw
            .reply_style
            .as_deref()
            .map(|s| s.trim().to_ascii_lowercase())
        {
            None => ReplyStyle::Plus,
            Some(s) if s == "plus" => ReplyStyle::Plus,
            Some(s) if s == "plain" => ReplyStyle::Plain,
            Some(s) => {
                return Err(self.err(
                    "bot.reply_style",
                    format!("\"{s}\" is not a reply style; expected \"plus\" or \"plain\""),
                ))
            }
        };
        let plus_separator = match raw.plus_separator {
            None => '+',
            Some(s) => {
                let mut chars = s.chars();
                match (chars.next(), chars.next()) {
                    (Some(c), None) if !c.is_alphanumeric() && !c.is_whitespace() && c != '@' && c.is_ascii() => c,
                    _ => {
                        return Err(self.err(
                            "bot.plus_separator",
                            format!("\"{s}\" is not usable; expected one punctuation character such as \"+\" or \"-\""),
                        ))
                    }
                }
            }
        };
        let name = raw
            .name
            .map(|n| n.trim().to_string())
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| "olifant".to_string());
        Ok(BotConfig {
            address,
            reply_style,
            plus_separator,
            name,
        })
    }

    fn security(&self, section: &str, raw: Option<&str>) -> Result<Security, ConfigError> {
        match raw.map(|s| s.trim().to_ascii_lowercase()).as_deref() {
            None | Some("tls") => Ok(Security::Tls),
            Some("starttls") => Ok(Security::StartTls),
            Some("none") => Ok(Security::None),
            Some(other) => Err(self.err(
                &format!("{section}.security"),
                format!("\"{other}\" is not a security mode; expected \"tls\", \"starttls\" or \"none\""),
            )),
        }
    }

    fn host(
        &self,
        section: &str,
        host: Option<String>,
        security: Security,
    ) -> Result<String, ConfigError> {
        let host = self.required(
            host.map(|h| h.trim().to_string()).filter(|h| !h.is_empty()),
            &format!("{section}.host"),
            "the server's host name, e.g. host = \"mail.example.com\"",
        )?;
        if security == Security::None && !is_loopback(&host) {
            return Err(self.err(
                &format!("{section}.security"),
                format!("\"none\" would send your password in clear text to {host}; it is only allowed for localhost/127.0.0.1/::1; expected \"tls\" or \"starttls\""),
            ));
        }
        Ok(host)
    }

    fn password(
        &self,
        section: &str,
        p: RawPassword,
        warnings: &mut Vec<String>,
    ) -> Result<Option<SecretSource>, ConfigError> {
        let mut set: Vec<(&str, String)> = Vec::new();
        if let Some(v) = p.password {
            set.push(("password", v));
        }
        if let Some(v) = p.password_command {
            set.push(("password_command", v));
        }
        if let Some(v) = p.password_env {
            set.push(("password_env", v));
        }
        if let Some(v) = p.password_file {
            set.push(("password_file", v));
        }
        if set.len() > 1 {
            let names: Vec<String> = set.iter().map(|(k, _)| format!("{section}.{k}")).collect();
            return Err(self.err(
                &format!("{section}.{}", set[1].0),
                format!(
                    "{} are all set; expected exactly one password source",
                    names.join(" and ")
                ),
            ));
        }
        let Some((name, value)) = set.pop() else {
            return Ok(None);
        };
        let key = format!("{section}.{name}");
        if value.trim().is_empty() {
            return Err(self.err(&key, "is empty"));
        }
        Ok(Some(match name {
            "password" => {
                warnings.push(format!(
                    "{key} is written in the config file; prefer password_command (e.g. \"pass show mail/olifant\"), password_env or password_file, and keep the file private (chmod 600)"
                ));
                SecretSource::Plain {
                    key,
                    secret: Secret::new(value),
                }
            }
            "password_command" => SecretSource::Command {
                key,
                command: value,
            },
            "password_env" => SecretSource::Env {
                key,
                var: value.trim().to_string(),
            },
            _ => SecretSource::File {
                key,
                path: self.path(&value),
            },
        }))
    }

    fn credentials(
        &self,
        section: &str,
        username: Option<String>,
        p: RawPassword,
        required: bool,
        warnings: &mut Vec<String>,
    ) -> Result<Option<Credentials>, ConfigError> {
        let source = self.password(section, p, warnings)?;
        let username = username
            .map(|u| u.trim().to_string())
            .filter(|u| !u.is_empty());
        match (username, source) {
            (Some(username), Some(password)) => Ok(Some(Credentials { username, password })),
            (Some(_), None) => Err(self.err(
                &format!("{section}.username"),
                "is set but no password source is; expected one of password_command, password_env, password_file, password",
            )),
            (None, Some(p)) => Err(self.err(
                &format!("{section}.username"),
                format!("missing while {} is set; expected the login name", p.key()),
            )),
            (None, None) if required => Err(self.err(
                &format!("{section}.username"),
                "missing; expected the login name and one of password_command, password_env, password_file, password",
            )),
            (None, None) => Ok(None),
        }
    }

    fn smtp(&self, s: raw::RawSmtp, warnings: &mut Vec<String>) -> Result<SmtpConfig, ConfigError> {
        let security = self.security("smtp", s.security.as_deref())?;
        let host = self.host("smtp", s.host.clone(), security)?;
        let port = match s.port {
            Some(0) => {
                return Err(self.err("smtp.port", "is 0; expected a port such as 465 or 587"))
            }
            Some(p) => p,
            None => match security {
                Security::Tls => 465,
                Security::StartTls => 587,
                Security::None => 25,
            },
        };
        let credentials = self.credentials(
            "smtp",
            s.username.clone(),
            s.password_fields(),
            false,
            warnings,
        )?;
        Ok(SmtpConfig {
            host,
            port,
            security,
            credentials,
            connect_timeout: self.secs("smtp.connect_timeout_secs", s.connect_timeout_secs, 30)?,
            send_timeout: self.secs("smtp.send_timeout_secs", s.send_timeout_secs, 600)?,
            ca_file: s.ca_file.as_deref().map(|p| self.path(p)),
        })
    }

    fn imap(&self, s: raw::RawImap, warnings: &mut Vec<String>) -> Result<ImapConfig, ConfigError> {
        let security = self.security("imap", s.security.as_deref())?;
        let host = self.host("imap", s.host.clone(), security)?;
        let port = match s.port {
            Some(0) => return Err(self.err("imap.port", "is 0; expected a port such as 993")),
            Some(p) => p,
            None => match security {
                Security::Tls => 993,
                Security::StartTls | Security::None => 143,
            },
        };
        let credentials = self
            .credentials(
                "imap",
                s.username.clone(),
                s.password_fields(),
                true,
                warnings,
            )?
            .ok_or_else(|| self.err("imap.username", "missing; expected the login name"))?;
        let mailbox_name =
            |key: &str, v: Option<String>, default: &str| -> Result<String, ConfigError> {
                let v = v.unwrap_or_else(|| default.to_string());
                if v.trim().is_empty() {
                    return Err(self.err(key, "is empty; expected a mailbox name"));
                }
                Ok(v)
            };
        let mailbox = mailbox_name("imap.mailbox", s.mailbox, "INBOX")?;
        let processed_mailbox = mailbox_name(
            "imap.processed_mailbox",
            s.processed_mailbox,
            "olifant/processed",
        )?;
        let ignored_mailbox = match s.ignored_mailbox {
            None => None,
            Some(v) => Some(mailbox_name("imap.ignored_mailbox", Some(v), "")?),
        };
        if processed_mailbox == mailbox {
            return Err(self.err(
                "imap.processed_mailbox",
                "is the same as imap.mailbox; expected a separate mailbox such as \"olifant/processed\"",
            ));
        }
        let max_message_size = s.max_message_size.unwrap_or(10 * 1024 * 1024);
        if max_message_size < 1024 {
            return Err(self.err(
                "imap.max_message_size",
                "is below 1024 bytes; expected a size in bytes such as 10485760 (10 MiB)",
            ));
        }
        Ok(ImapConfig {
            host,
            port,
            security,
            credentials,
            connect_timeout: self.secs("imap.connect_timeout_secs", s.connect_timeout_secs, 30)?,
            command_timeout: self.secs("imap.command_timeout_secs", s.command_timeout_secs, 60)?,
            ca_file: s.ca_file.as_deref().map(|p| self.path(p)),
            mailbox,
            processed_mailbox,
            ignored_mailbox,
            max_message_size,
            idle: s.idle.unwrap_or(true),
            poll_interval: self.secs("imap.poll_interval_secs", s.poll_interval_secs, 300)?,
        })
    }

    fn secs(&self, key: &str, v: Option<u64>, default: u64) -> Result<Duration, ConfigError> {
        match v {
            Some(0) => Err(self.err(key, "is 0; expected a number of seconds above 0")),
            Some(n) => Ok(Duration::from_secs(n)),
            None => Ok(Duration::from_secs(default)),
        }
    }

    /// Parses a cron key fully, so nothing after loading meets an unparsed expression.
    fn cron(
        &self,
        key: &str,
        v: Option<String>,
        default: &CronExpr,
    ) -> Result<CronExpr, ConfigError> {
        let Some(v) = v else {
            return Ok(default.clone());
        };
        CronExpr::parse(&v).map_err(|e| {
            self.err(
                key,
                format!("\"{v}\" is not a valid cron expression: {}; expected 5 fields (minute hour day-of-month month day-of-week, e.g. \"{default}\") or 6 with seconds first", e.reason),
            )
        })
    }

    fn schedule(&self, raw: Option<raw::RawSchedule>) -> Result<ScheduleConfig, ConfigError> {
        let d = ScheduleConfig::default();
        let Some(r) = raw else { return Ok(d) };
        let positive = |key: &str, v: Option<u32>, default: u32| -> Result<u32, ConfigError> {
            match v {
                Some(0) => Err(self.err(key, "is 0; expected a number above 0")),
                Some(n) => Ok(n),
                None => Ok(default),
            }
        };
        Ok(ScheduleConfig {
            prompt_cron: self.cron("schedule.prompt_cron", r.prompt_cron, &d.prompt_cron)?,
            digest_cron: self.cron("schedule.digest_cron", r.digest_cron, &d.digest_cron)?,
            reminder_after_days: positive(
                "schedule.reminder_after_days",
                r.reminder_after_days,
                d.reminder_after_days,
            )?,
            max_prompts_per_run: positive(
                "schedule.max_prompts_per_run",
                r.max_prompts_per_run,
                d.max_prompts_per_run,
            )?,
            token_ttl_days: positive(
                "schedule.token_ttl_days",
                r.token_ttl_days,
                d.token_ttl_days,
            )?,
        })
    }

    fn clients(&self, raw: Vec<raw::RawClient>) -> Result<Vec<ClientConfig>, ConfigError> {
        let mut out: Vec<ClientConfig> = Vec::new();
        for (i, c) in raw.into_iter().enumerate() {
            let at = |k: &str| format!("clients[{i}].{k}");
            let name = c
                .name
                .map(|n| n.trim().to_string())
                .filter(|n| !n.is_empty());
            let name = self.required(
                name,
                &at("name"),
                "the client's name, e.g. name = \"Bakkerij Jansen\"",
            )?;
            let key = ClientKey::from_name(&name);
            if let Some(prev) = out.iter().position(|o| o.key == key) {
                return Err(self.err(
                    &at("name"),
                    format!("\"{name}\" is the same client as clients[{prev}] (\"{}\"); expected unique names (case and spacing are ignored)", out[prev].name),
                ));
            }
            let cadence = match c.cadence {
                None => Cadence::Monthly,
                Some(s) => Cadence::parse(&s).ok_or_else(|| {
                    self.err(&at("cadence"), format!("\"{s}\" is not a cadence; expected weekly, biweekly, monthly, quarterly or \"every N days\""))
                })?,
            };
            if let Some(r) = c.revenue {
                if !r.is_finite() || r < 0.0 {
                    return Err(self.err(
                        &at("revenue"),
                        format!("{r} is not allowed; expected a number of 0 or more"),
                    ));
                }
            }
            let since = match c.since {
                None => None,
                Some(RawDate::Toml(d)) => match d.date {
                    Some(date) if d.time.is_none() => NaiveDate::from_ymd_opt(
                        i32::from(date.year),
                        u32::from(date.month),
                        u32::from(date.day),
                    ),
                    _ => None,
                }
                .map(Some)
                .ok_or_else(|| self.err(&at("since"), "expected a date like 2024-03-01"))?,
                Some(RawDate::Text(s)) => Some(
                    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").map_err(|_| {
                        self.err(
                            &at("since"),
                            format!("\"{s}\" is not a date; expected a date like 2024-03-01"),
                        )
                    })?,
                ),
            };
            let language = match c.language {
                None => None,
                Some(l) => Some(Lang::from_code(&l).ok_or_else(|| {
                    self.err(
                        &at("language"),
                        format!("\"{l}\" is not supported; expected \"en\" or \"nl\""),
                    )
                })?),
            };
            let tags = c
                .tags
                .into_iter()
                .map(|t| t.trim().to_string())
                .filter(|t| !t.is_empty())
                .collect();
            out.push(ClientConfig {
                name,
                key,
                cadence,
                revenue: c.revenue,
                tags,
                since,
                language,
            });
        }
        Ok(out)
    }

    fn questions(
        &self,
        raw: Option<Vec<raw::RawQuestion>>,
        notes: Option<raw::RawNotes>,
    ) -> Result<Questionnaire, ConfigError> {
        let mut q = crate::prompt::questionnaire::default_questionnaire();
        if let Some(list) = raw {
            if list.is_empty() {
                return Err(self.err("questions", "is empty; expected at least one [[questions]] entry, or leave them out for the default questionnaire"));
            }
            let mut questions: Vec<Question> = Vec::new();
            for (i, r) in list.into_iter().enumerate() {
                let at = |k: &str| format!("questions[{i}].{k}");
                let key = self.required(
                    r.key,
                    &at("key"),
                    "a short lowercase key, e.g. key = \"payment\"",
                )?;
                if key.is_empty()
                    || !key
                        .chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
                    || !key.starts_with(|c: char| c.is_ascii_lowercase())
                {
                    return Err(self.err(&at("key"), format!("\"{key}\" is not allowed; expected lowercase ascii letters, digits or _ starting with a letter, e.g. \"payment\"")));
                }
                if let Some(prev) = questions.iter().position(|q| q.key == key) {
                    return Err(self.err(
                        &at("key"),
                        format!(
                            "\"{key}\" is already used by questions[{prev}]; expected unique keys"
                        ),
                    ));
                }
                let mut wording = std::collections::BTreeMap::new();
                for (lang, label, text) in [
                    (Lang::En, r.label_en, r.question_en),
                    (Lang::Nl, r.label_nl, r.question_nl),
                ] {
                    let code = lang.code();
                    match (label, text) {
                        (Some(label), Some(text))
                            if !label.trim().is_empty() && !text.trim().is_empty() =>
                        {
                            wording.insert(
                                lang,
                                Wording {
                                    label: label.trim().to_string(),
                                    text: text.trim().to_string(),
                                },
                            );
                        }
                        (None, None) => {}
                        (Some(_), None) => {
                            return Err(self.err(
                                &at(&format!("question_{code}")),
                                format!(
                                    "missing while label_{code} is set; expected the question text"
                                ),
                            ))
                        }
                        (None, Some(_)) => {
                            return Err(self.err(
                                &at(&format!("label_{code}")),
                                format!(
                                    "missing while question_{code} is set; expected a short label"
                                ),
                            ))
                        }
                        _ => {
                            return Err(self.err(
                                &at(&format!("label_{code}")),
                                "is empty; expected a label and a question text",
                            ))
                        }
                    }
                }
                if wording.is_empty() {
                    return Err(self.err(&at("key"), format!("question \"{key}\" has no wording; expected label_en + question_en and/or label_nl + question_nl")));
                }
                let scale = match r.scale.as_deref().map(str::trim) {
                    None => Scale::ONE_TO_FIVE,
                    Some(s) if s.eq_ignore_ascii_case("yes-maybe-no") => Scale::YesMaybeNo,
                    Some(s) => {
                        let parsed = s.split_once('-').and_then(|(a, b)| {
                            Some((a.trim().parse::<u8>().ok()?, b.trim().parse::<u8>().ok()?))
                        });
                        match parsed {
                            Some((min, max)) if min < max && max <= 10 => Scale::Rating { min, max },
                            _ => return Err(self.err(&at("scale"), format!("\"{s}\" is not a scale; expected \"1-5\" (any A-B with A < B ≤ 10) or \"yes-maybe-no\""))),
                        }
                    }
                };
                let weight = self.weight(&at("weight"), r.weight.unwrap_or(1.0))?;
                questions.push(Question {
                    key,
                    wording,
                    scale,
                    weight,
                });
            }
            q.questions = questions;
        }
        if let Some(n) = notes {
            for (lang, text) in [(Lang::En, n.en), (Lang::Nl, n.nl)] {
                if let Some(t) = text {
                    if t.trim().is_empty() {
                        return Err(self.err(
                            &format!("notes.{}", lang.code()),
                            "is empty; expected the invitation to write notes, or leave it out",
                        ));
                    }
                    q.notes_prompt.insert(lang, t.trim().to_string());
                }
            }
        }
        Ok(q)
    }

    fn weight(&self, key: &str, w: f64) -> Result<f64, ConfigError> {
        if !w.is_finite() || w < 0.0 {
            return Err(self.err(
                key,
                format!("{w} is not allowed; expected a number of 0 or more (1.0 is normal)"),
            ));
        }
        Ok(w)
    }

    fn digest(
        &self,
        raw: Option<raw::RawDigest>,
        questionnaire: &mut Questionnaire,
    ) -> Result<DigestSettings, ConfigError> {
        let mut d = DigestSettings::default();
        let Some(r) = raw else { return Ok(d) };
        let num =
            |key: &str, v: Option<f64>, slot: &mut f64, max: f64| -> Result<(), ConfigError> {
                if let Some(v) = v {
                    if !v.is_finite() || v < 0.0 || v > max {
                        return Err(self.err(
                            key,
                            format!("{v} is out of range; expected a number from 0 to {max}"),
                        ));
                    }
                    *slot = v;
                }
                Ok(())
            };
        num(
            "digest.half_life_days",
            r.half_life_days,
            &mut d.half_life_days,
            36_500.0,
        )?;
        if d.half_life_days == 0.0 {
            return Err(self.err(
                "digest.half_life_days",
                "is 0; expected a number of days above 0 (90 is normal)",
            ));
        }
        num(
            "digest.let_go_health",
            r.let_go_health,
            &mut d.let_go_health,
            100.0,
        )?;
        num("digest.watch_drop", r.watch_drop, &mut d.watch_drop, 100.0)?;
        num(
            "digest.watch_below",
            r.watch_below,
            &mut d.watch_below,
            100.0,
        )?;
        num(
            "digest.nurture_health",
            r.nurture_health,
            &mut d.nurture_health,
            100.0,
        )?;
        num("digest.high_score", r.high_score, &mut d.high_score, 100.0)?;
        if let Some(n) = r.min_reflections {
            d.min_reflections = n;
        }
        if let Some(n) = r.let_go_min_reflections {
            d.let_go_min_reflections = n;
        }
        if d.let_go_health > d.watch_below {
            return Err(self.err(
                "digest.let_go_health",
                format!(
                    "{} is above digest.watch_below ({}); expected let_go_health ≤ watch_below",
                    d.let_go_health, d.watch_below
                ),
            ));
        }
        if let Some(weights) = r.weights {
            for (key, w) in weights {
                let k = format!("digest.weights.{key}");
                let w = self.weight(&k, w)?;
                match questionnaire.questions.iter_mut().find(|q| q.key == key) {
                    Some(q) => q.weight = w,
                    None => {
                        let known: Vec<&str> = questionnaire
                            .questions
                            .iter()
                            .map(|q| q.key.as_str())
                            .collect();
                        return Err(self.err(
                            &k,
                            format!(
                                "\"{key}\" is not a question key; expected one of {}",
                                known.join(", ")
                            ),
                        ));
                    }
                }
            }
        }
        Ok(d)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_detection_accepts_only_loopback() {
        for h in ["localhost", "127.0.0.1", "127.8.9.1", "::1", "[::1]"] {
            assert!(is_loopback(h), "{h}");
        }
        for h in [
            "mail.example.com",
            "10.0.0.1",
            "128.0.0.1",
            "localhost.example.com",
        ] {
            assert!(!is_loopback(h), "{h}");
        }
    }

    #[test]
    fn address_check_rejects_non_addresses() {
        assert_eq!(
            check_address(" Me@Example.COM "),
            Some("me@example.com".into())
        );
        for a in ["me", "@x", "me@", "a b@c.d", "<me@x.y>", "me@x..y", "a@b@c"] {
            assert_eq!(check_address(a), None, "{a}");
        }
    }
}
