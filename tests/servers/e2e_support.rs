//! Shared set-up for the end-to-end tests (`prompts_e2e`, `replies_e2e`): an owner and a bot
//! user of their own on the private servers, a config that points olifant at them (SMTP on
//! the plain loopback port without AUTH, IMAP as the bot user with a 0600 password file), and
//! helpers to read what arrived.
#![allow(dead_code)]

use std::io::Write;
use std::path::PathBuf;
use std::time::Duration;

use chrono::{DateTime, Utc};
use olifant::app::App;
use olifant::config::Config;

use crate::support::{unique_user, Servers};

/// How long a message may take from SMTP to the mailbox in these tests.
pub const DELIVERY: Duration = Duration::from_secs(20);

/// One test's owner, bot and data directory.
pub struct Fixture {
    /// The private servers.
    pub s: Servers,
    /// The owner's address (prompts, receipts and digests land in its INBOX).
    pub owner: String,
    /// olifant's address (replies land in its INBOX; olifant logs in as it over IMAP).
    pub bot: String,
    /// Holds the data dir and the password file.
    pub dir: tempfile::TempDir,
}

impl Fixture {
    /// Fresh users and a fresh data directory.
    pub fn new(tag: &str) -> Fixture {
        let s = Servers::get();
        let dir = tempfile::tempdir().expect("tempdir");
        let pw = dir.path().join("imap.pass");
        let mut f = std::fs::File::create(&pw).expect("create password file");
        writeln!(f, "{}", s.password).expect("write password file");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&pw, std::fs::Permissions::from_mode(0o600))
                .expect("chmod 600 password file");
        }
        Fixture {
            owner: unique_user(&format!("{tag}-owner")),
            bot: unique_user(&format!("{tag}-bot")),
            s,
            dir,
        }
    }

    /// The data directory.
    pub fn data_dir(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    /// Config text: `lang` for [owner], `imap_extra` lines inside [imap], `tail` after all
    /// sections ([schedule], [[clients]], [ingest] …).
    pub fn config_text(&self, lang: &str, imap_extra: &str, tail: &str) -> String {
        format!(
            r#"data_dir = "{data}"

[owner]
name = "Sanne de Vries"
addresses = ["{owner}"]
language = "{lang}"
timezone = "Europe/Amsterdam"

[bot]
address = "{bot}"

[smtp]
host = "127.0.0.1"
port = {smtp}
security = "none"
connect_timeout_secs = 10
send_timeout_secs = 30

[imap]
host = "127.0.0.1"
port = {imap}
security = "none"
username = "{bot}"
password_file = "{pw}"
connect_timeout_secs = 10
command_timeout_secs = 20
{imap_extra}

{tail}
"#,
            data = self.data_dir().display(),
            owner = self.owner,
            bot = self.bot,
            smtp = self.s.smtp_port,
            imap = self.s.imap_port,
            pw = self.dir.path().join("imap.pass").display(),
        )
    }

    /// Parses and validates a config text.
    pub fn config(&self, lang: &str, imap_extra: &str, tail: &str) -> Config {
        let text = self.config_text(lang, imap_extra, tail);
        olifant::config::parse_str(&text, "e2e.toml")
            .unwrap_or_else(|e| panic!("test config is invalid: {e}\n{text}"))
    }

    /// Opens olifant with the real SMTP sender.
    pub fn open(&self, config: Config, now: DateTime<Utc>) -> App {
        App::open(config, now).unwrap_or_else(|e| panic!("App::open failed: {e}"))
    }

    /// The local part of the bot's address and its domain.
    pub fn bot_parts(&self) -> (&str, &str) {
        self.bot.split_once('@').expect("bot address has a domain")
    }

    /// `bot+TOKEN@domain`.
    pub fn plus(&self, token: &str) -> String {
        let (local, domain) = self.bot_parts();
        format!("{local}+{token}@{domain}")
    }
}

/// The most recent Monday 09:00 Europe/Amsterdam at or before the real clock.
pub fn last_monday_nine() -> DateTime<Utc> {
    let cron = olifant::schedule::CronExpr::parse("0 9 * * 1").expect("cron");
    olifant::schedule::prev_at_or_before(&cron, olifant::clock::now(), chrono_tz::Europe::Amsterdam)
        .expect("a Monday 09:00 in the past")
}

/// A `[[clients]]` block, monthly, known since long enough to be due.
pub fn client_block(name: &str, extra: &str) -> String {
    let name = name.replace('\\', "\\\\").replace('"', "\\\"");
    format!("[[clients]]\nname = \"{name}\"\ncadence = \"monthly\"\nsince = 2025-01-06\n{extra}\n")
}

/// A parsed view of a raw message.
pub fn parse(raw: &[u8]) -> mail_parser::Message<'_> {
    mail_parser::MessageParser::default()
        .parse(raw)
        .expect("a parsable message")
}

/// The raw value of a header (first occurrence), trimmed.
pub fn header<'a>(m: &'a mail_parser::Message<'a>, name: &str) -> Option<String> {
    m.header_raw(name).map(|v| v.trim().to_string())
}

/// The first address of the Reply-To header.
pub fn reply_to(m: &mail_parser::Message<'_>) -> Option<String> {
    m.reply_to()
        .and_then(|a| a.first())
        .and_then(|a| a.address())
        .map(str::to_string)
}

/// `olifant.TOKEN@domain` → `TOKEN`; the token from a plus-address.
pub fn token_of_plus(addr: &str) -> Option<String> {
    let local = addr.split('@').next()?;
    local.split_once('+').map(|(_, t)| t.to_string())
}
