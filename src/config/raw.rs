//! Phase one: what the user wrote, as serde reads it. Unknown keys are refused everywhere.
//!
//! Nothing here is checked beyond TOML types; `config::validate` turns a [`RawConfig`]
//! into a [`super::Config`].

use serde::Deserialize;

/// The whole file as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawConfig {
    /// Where olifant keeps its store.
    pub data_dir: Option<String>,
    /// Owner template overrides.
    pub templates_dir: Option<String>,
    /// `[owner]`.
    pub owner: Option<RawOwner>,
    /// `[bot]`.
    pub bot: Option<RawBot>,
    /// `[send]`.
    pub send: Option<RawSend>,
    /// `[receive]`.
    pub receive: Option<RawReceive>,
    /// `[smtp]`.
    pub smtp: Option<RawSmtp>,
    /// `[imap]`.
    pub imap: Option<RawImap>,
    /// `[schedule]`.
    pub schedule: Option<RawSchedule>,
    /// `[[clients]]`.
    #[serde(default)]
    pub clients: Vec<RawClient>,
    /// `[[questions]]`.
    pub questions: Option<Vec<RawQuestion>>,
    /// `[notes]`.
    pub notes: Option<RawNotes>,
    /// `[digest]`.
    pub digest: Option<RawDigest>,
    /// `[ingest]`.
    pub ingest: Option<RawIngest>,
}

/// `[owner]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawOwner {
    /// Display name.
    pub name: Option<String>,
    /// The owner's addresses.
    pub addresses: Option<Vec<String>>,
    /// `en` or `nl`.
    pub language: Option<String>,
    /// IANA time zone.
    pub timezone: Option<String>,
}

/// `[bot]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawBot {
    /// olifant's own address.
    pub address: Option<String>,
    /// `plus` or `plain`.
    pub reply_style: Option<String>,
    /// One character.
    pub plus_separator: Option<String>,
    /// Display name.
    pub name: Option<String>,
}

/// `[send]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSend {
    /// `smtp`, `file` or `sendmail`.
    pub kind: Option<String>,
    /// Directory for `file`.
    pub dir: Option<String>,
    /// Binary for `sendmail`.
    pub command: Option<String>,
}

/// `[receive]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawReceive {
    /// `imap` or `maildir`.
    pub kind: Option<String>,
    /// Maildir path for `maildir`.
    pub path: Option<String>,
}

/// The secret fields shared by `[smtp]` and `[imap]`.
#[derive(Debug, Default, Clone)]
pub struct RawPassword {
    /// Plain text.
    pub password: Option<String>,
    /// Shell command.
    pub password_command: Option<String>,
    /// Environment variable name.
    pub password_env: Option<String>,
    /// File path.
    pub password_file: Option<String>,
}

/// `[smtp]`.
#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSmtp {
    /// Server host name.
    pub host: Option<String>,
    /// Port.
    pub port: Option<u16>,
    /// `tls`, `starttls` or `none`.
    pub security: Option<String>,
    /// Login name.
    pub username: Option<String>,
    /// Plain password.
    pub password: Option<String>,
    /// Command printing the password.
    pub password_command: Option<String>,
    /// Variable holding the password.
    pub password_env: Option<String>,
    /// File holding the password.
    pub password_file: Option<String>,
    /// TCP connect + greeting timeout.
    pub connect_timeout_secs: Option<u64>,
    /// Timeout for one whole send.
    pub send_timeout_secs: Option<u64>,
    /// Extra CA certificate (PEM).
    pub ca_file: Option<String>,
}

/// `[imap]`.
#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawImap {
    /// Server host name.
    pub host: Option<String>,
    /// Port.
    pub port: Option<u16>,
    /// `tls`, `starttls` or `none`.
    pub security: Option<String>,
    /// Login name.
    pub username: Option<String>,
    /// Plain password.
    pub password: Option<String>,
    /// Command printing the password.
    pub password_command: Option<String>,
    /// Variable holding the password.
    pub password_env: Option<String>,
    /// File holding the password.
    pub password_file: Option<String>,
    /// TCP connect + greeting timeout.
    pub connect_timeout_secs: Option<u64>,
    /// Timeout for one command.
    pub command_timeout_secs: Option<u64>,
    /// Extra CA certificate (PEM).
    pub ca_file: Option<String>,
    /// Mailbox to read.
    pub mailbox: Option<String>,
    /// Where handled mail goes.
    pub processed_mailbox: Option<String>,
    /// Where non-reply mail goes.
    pub ignored_mailbox: Option<String>,
    /// Larger messages are quarantined unread.
    pub max_message_size: Option<u64>,
    /// Use IDLE.
    pub idle: Option<bool>,
    /// Poll interval without IDLE.
    pub poll_interval_secs: Option<u64>,
}

/// What `[smtp]` and `[imap]` share beyond their keys: a `Debug` that never shows a plain
/// password, and [`RawPassword`] from the four password keys. A macro because serde needs
/// the keys written out in each struct (`deny_unknown_fields` does not work with `flatten`).
macro_rules! server_section {
    ($section:ident) => {
        impl std::fmt::Debug for $section {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.debug_struct(stringify!($section))
                    .field("host", &self.host)
                    .field("port", &self.port)
                    .field("security", &self.security)
                    .field("username", &self.username)
                    .field("password", &self.password.as_ref().map(|_| "<redacted>"))
                    .finish_non_exhaustive()
            }
        }

        impl $section {
            /// The password fields.
            pub fn password_fields(&self) -> RawPassword {
                RawPassword {
                    password: self.password.clone(),
                    password_command: self.password_command.clone(),
                    password_env: self.password_env.clone(),
                    password_file: self.password_file.clone(),
                }
            }
        }
    };
}

server_section!(RawSmtp);
server_section!(RawImap);

/// `[schedule]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSchedule {
    /// When prompts go out.
    pub prompt_cron: Option<String>,
    /// When the digest goes out.
    pub digest_cron: Option<String>,
    /// Days before the one reminder.
    pub reminder_after_days: Option<u32>,
    /// Cap per run.
    pub max_prompts_per_run: Option<u32>,
    /// `next_run` (default) or `after_cadence`.
    pub first_prompt: Option<String>,
    /// How long a prompt token is accepted.
    pub token_ttl_days: Option<u32>,
}

/// A date written either as a TOML date or as a string.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum RawDate {
    /// `since = 2024-03-01`.
    Toml(toml::value::Datetime),
    /// `since = "2024-03-01"`.
    Text(String),
}

/// One `[[clients]]` entry.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawClient {
    /// Display name.
    pub name: Option<String>,
    /// `monthly`, `every 10 days`, …
    pub cadence: Option<String>,
    /// Yearly revenue.
    pub revenue: Option<f64>,
    /// Free tags.
    #[serde(default)]
    pub tags: Vec<String>,
    /// Tracked since.
    pub since: Option<RawDate>,
    /// Prompt language override.
    pub language: Option<String>,
}

/// One `[[questions]]` entry.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawQuestion {
    /// Fixed key.
    pub key: Option<String>,
    /// English label.
    pub label_en: Option<String>,
    /// English question.
    pub question_en: Option<String>,
    /// Dutch label.
    pub label_nl: Option<String>,
    /// Dutch question.
    pub question_nl: Option<String>,
    /// `1-5` or `yes-maybe-no`.
    pub scale: Option<String>,
    /// Health weight.
    pub weight: Option<f64>,
}

/// `[notes]`: the free-notes invitation.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawNotes {
    /// English.
    pub en: Option<String>,
    /// Dutch.
    pub nl: Option<String>,
}

/// `[digest]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawDigest {
    /// See [`crate::model::DigestSettings`].
    pub half_life_days: Option<f64>,
    /// See [`crate::model::DigestSettings`].
    pub min_reflections: Option<usize>,
    /// See [`crate::model::DigestSettings`].
    pub let_go_health: Option<f64>,
    /// See [`crate::model::DigestSettings`].
    pub let_go_min_reflections: Option<usize>,
    /// See [`crate::model::DigestSettings`].
    pub watch_drop: Option<f64>,
    /// See [`crate::model::DigestSettings`].
    pub watch_below: Option<f64>,
    /// See [`crate::model::DigestSettings`].
    pub nurture_health: Option<f64>,
    /// See [`crate::model::DigestSettings`].
    pub high_score: Option<f64>,
    /// Question weight overrides by key.
    pub weights: Option<std::collections::BTreeMap<String, f64>>,
}

/// `[ingest]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawIngest {
    /// authserv-id whose Authentication-Results header is trusted.
    pub trusted_authserv_id: Option<String>,
    /// Send a receipt after each stored reply.
    pub receipts: Option<bool>,
}
