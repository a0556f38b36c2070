//! The context every use case runs in: [`App`] holds the validated config, the open store
//! (which holds the data-directory lock), the templates, the token key and the mail sender,
//! and maps the config to what the stages take (addressing, the parser's context, the mail
//! source). It has no use cases of its own: those are free functions beside their stage
//! (`prompt::run`, `ingest::pipeline`, `ingest::commands`, `digest::run`, `send::outbox`)
//! and, for the owner's admin commands, in `admin`.

use std::path::PathBuf;
use std::sync::Arc;

use chrono::{DateTime, Utc};

use crate::config::{Config, ConfigError, SendConfig};
use crate::model::{Client, ClientStatus, SendState};
use crate::parse::ParseContext;
use crate::prompt::compose::Addressing;
use crate::prompt::token::TokenKey;
use crate::send::{file::FileSender, sendmail::SendmailSender, smtp, MailSender};
use crate::store::{Store, StoreError};
use crate::templates::{TemplateError, Templates};

/// A use case could not be carried out.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// The configuration is wrong or a secret could not be resolved.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A template failed.
    #[error(transparent)]
    Template(#[from] TemplateError),
    /// Sending could not even be set up.
    #[error(transparent)]
    Send(#[from] crate::send::SendError),
    /// A message could not be composed.
    #[error(transparent)]
    Compose(#[from] crate::send::compose::ComposeError),
    /// Reading mail failed.
    #[error(transparent)]
    Ingest(#[from] crate::ingest::source::SourceError),
    /// The command names a client olifant does not know.
    #[error("no client named {0:?}: see `olifant clients list`")]
    UnknownClient(String),
    /// Something the user asked for cannot be done as asked.
    #[error("{0}")]
    Invalid(String),
    /// Rows of an imported file are wrong (line number, reason); nothing was imported.
    #[error("{}", bad_rows_message(rows))]
    BadRows {
        /// 1-based line number and what is wrong with it.
        rows: Vec<(usize, String)>,
    },
    /// A local file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
}

/// Everything a use case needs.
pub struct App {
    /// The validated configuration.
    pub config: Config,
    /// The open store (holds the data-directory lock).
    pub store: Store,
    /// Built-in templates with the owner's overrides.
    pub templates: Templates,
    /// Signs and checks prompt tokens.
    pub key: TokenKey,
    /// Where outgoing mail goes.
    pub sender: Arc<dyn MailSender>,
}

impl std::fmt::Debug for App {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("App")
            .field("data_dir", &self.config.data_dir)
            .field("sender", &self.sender.describe())
            .finish_non_exhaustive()
    }
}

impl App {
    /// The parser's view of the config.
    pub fn parse_context(&self) -> ParseContext<'_> {
        ParseContext {
            vocabulary: self.config.vocabulary(),
            owner_addresses: &self.config.owner.addresses,
            bot_address: &self.config.bot.address,
            plus_separator: self.config.bot.plus_separator,
            key: Some(&self.key),
            trusted_authserv_id: self.config.ingest.trusted_authserv_id.as_deref(),
            default_lang: self.config.owner.language,
        }
    }

    /// Opens the store, loads templates, resolves secrets and builds the configured sender.
    pub fn open(config: Config, now: DateTime<Utc>) -> Result<App, AppError> {
        let sender = build_sender(&config)?;
        Self::open_with_sender(config, sender, now)
    }

    /// Like [`App::open`] with a given sender (tests use the stub).
    pub fn open_with_sender(
        config: Config,
        sender: Arc<dyn MailSender>,
        now: DateTime<Utc>,
    ) -> Result<App, AppError> {
        let store = Store::open(&config.data_dir)?;
        let templates = Templates::load(config.templates_dir.as_deref())?;
        let key = store.token_key()?;
        let app = App {
            config,
            store,
            templates,
            key,
            sender,
        };
        app.settle_interrupted_sends()?;
        app.sync_clients(now)?;
        if app.store.meta()?.first_start.is_none() {
            // A new data directory owes no digest for the past.
            app.store.update_meta(|m| {
                m.first_start = Some(now);
                m.last_digest_run.get_or_insert(now);
            })?;
        }
        app.store.flush()?;
        Ok(app)
    }

    /// The addressing of everything olifant sends.
    pub fn addressing(&self) -> Addressing {
        Addressing {
            bot_address: self.config.bot.address.clone(),
            reply_style: self.config.bot.reply_style,
            plus_separator: self.config.bot.plus_separator,
            owner_name: self.config.owner.name.clone(),
            owner_address: self.config.owner.addresses[0].clone(),
        }
    }

    /// A send that was in flight when the previous process stopped may or may not have been
    /// delivered: mark it unknown, never resend it automatically (it is reported instead).
    fn settle_interrupted_sends(&self) -> Result<(), AppError> {
        let unknown = |at: DateTime<Utc>| SendState::Unknown {
            intent_at: at,
            reason: "olifant stopped between recording the send and the server's answer".into(),
        };
        for mut p in self.store.prompts()? {
            let mut changed = false;
            if let SendState::Intent { at } = p.send {
                p.send = unknown(at);
                changed = true;
            }
            if let Some(r) = p.reminder.as_mut() {
                if let SendState::Intent { at } = r.send {
                    r.send = unknown(at);
                    changed = true;
                }
            }
            if changed {
                tracing::warn!(prompt = %p.message_id, "send interrupted earlier: marked unknown, not resent");
                self.store.put_prompt(&p)?;
            }
        }
        for mut o in self.store.outgoing()? {
            if let SendState::Intent { at } = o.send {
                o.send = unknown(at);
                tracing::warn!(message = %o.id, "send interrupted earlier: marked unknown, not resent");
                self.store.put_outgoing(&o)?;
            }
        }
        Ok(())
    }

    /// `[[clients]]` in the config declare clients (name, cadence, revenue, tags, since); the
    /// store keeps their state (paused, snoozed, archived) and the clients added from the
    /// command line or by email. The config wins for the fields it declares; the store wins
    /// for status.
    fn sync_clients(&self, now: DateTime<Utc>) -> Result<(), AppError> {
        for declared in &self.config.clients {
            let existing = self.store.client(&declared.key)?;
            let since = declared
                .since
                .and_then(|d| d.and_hms_opt(0, 0, 0))
                .map(|d| d.and_utc())
                .or(existing.as_ref().map(|c| c.since))
                .unwrap_or(now);
            let client = Client {
                name: declared.name.clone(),
                cadence: declared.cadence,
                revenue: declared.revenue,
                tags: declared.tags.clone(),
                status: existing
                    .as_ref()
                    .map(|c| c.status.clone())
                    .unwrap_or(ClientStatus::Active),
                since,
            };
            if existing.as_ref() != Some(&client) {
                self.store.put_client(&client)?;
            }
        }
        Ok(())
    }
}

/// Builds the configured sender, resolving its password.
pub fn build_sender(config: &Config) -> Result<Arc<dyn MailSender>, AppError> {
    Ok(match &config.send {
        SendConfig::File { dir } => Arc::new(FileSender::new(dir.clone())),
        SendConfig::Sendmail { command } => Arc::new(SendmailSender::new(
            command.clone(),
            std::time::Duration::from_secs(600),
        )),
        SendConfig::Smtp(c) => Arc::new(smtp::SmtpSender::new(smtp_settings(c)?)?),
    })
}

/// Maps `[smtp]` onto the sender's settings, resolving the password.
pub fn smtp_settings(c: &crate::config::SmtpConfig) -> Result<smtp::SmtpSettings, AppError> {
    let mut s = smtp::SmtpSettings::new(c.host.clone(), c.port, c.security);
    s.connect_timeout = c.connect_timeout;
    s.send_timeout = c.send_timeout;
    s.ca_file = c.ca_file.clone();
    if let Some(cred) = &c.credentials {
        s.username = Some(cred.username.clone());
        s.password = Some(cred.password.resolve()?.expose().to_string());
    }
    Ok(s)
}

/// Maps `[imap]` onto the source's settings, resolving the password.
pub fn imap_settings(
    c: &crate::config::ImapConfig,
) -> Result<crate::ingest::imap::ImapSettings, AppError> {
    let password = c.credentials.password.resolve()?;
    let mut s = crate::ingest::imap::ImapSettings::new(
        c.host.clone(),
        c.port,
        c.security,
        c.credentials.username.clone(),
        password.expose().to_string(),
    );
    s.mailbox = c.mailbox.clone();
    s.processed_mailbox = c.processed_mailbox.clone();
    if let Some(i) = &c.ignored_mailbox {
        s.ignored_mailbox = i.clone();
    }
    s.max_message_size = c.max_message_size;
    s.connect_timeout = c.connect_timeout;
    s.command_timeout = c.command_timeout;
    s.idle = c.idle;
    s.poll_interval = c.poll_interval;
    s.ca_file = c.ca_file.clone();
    Ok(s)
}

/// The text of [`AppError::BadRows`]: one line per bad row, then what to do.
pub fn bad_rows_message(rows: &[(usize, String)]) -> String {
    let mut s = format!(
        "{} bad row{}; nothing was imported:",
        rows.len(),
        if rows.len() == 1 { "" } else { "s" }
    );
    for (line, reason) in rows {
        s.push_str(&format!("\n  line {line}: {reason}"));
    }
    s.push_str("\nfix these rows and import again, or pass --skip-bad to import the good rows");
    s
}
