//! The answers and the commented TOML written from them (never a plain password).

use super::*;

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
pub(super) fn toml_str(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

/// Makes `s` safe inside a `#` comment (one line, no control characters).
pub(super) fn comment_safe(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

/// Writes one `[smtp]` / `[imap]` password source.
pub(super) fn push_password(out: &mut String, answers: &InitAnswers) {
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
