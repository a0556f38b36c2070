//! `olifant check`: validate the config, resolve secrets, log in to SMTP and IMAP without
//! sending anything, select the mailbox. One line per step; a failed step carries the
//! server's message and what to try.

use std::path::Path;

use crate::config::{self, Config, ReceiveConfig, SendConfig};
use crate::send::CheckStep;

/// Runs every check for `config` (loaded from `path`).
pub async fn check(path: &Path, config: &Config) -> Vec<CheckStep> {
    let mut steps = vec![CheckStep::pass(
        "config",
        format!("{} is valid", path.display()),
    )];
    for w in &config.warnings {
        steps.push(CheckStep::pass("config warning", w.clone()));
    }
    match config::check_permissions(path, config) {
        Ok(()) => {}
        Err(e) => steps.push(CheckStep::fail("permissions", e.to_string(), None)),
    }
    match &config.send {
        SendConfig::Smtp(c) => match crate::app::smtp_settings(c) {
            Ok(s) => {
                if c.credentials.is_some() {
                    steps.push(CheckStep::pass("smtp password", "resolved"));
                }
                steps.extend(prefix("smtp", crate::send::smtp::check(&s).await));
            }
            Err(e) => steps.push(CheckStep::fail(
                "smtp password",
                e.to_string(),
                Some("check password_command / password_env / password_file under [smtp]".into()),
            )),
        },
        SendConfig::File { dir } => steps.push(dir_step("outbox", dir)),
        SendConfig::Sendmail { command } => {
            if command.exists() {
                steps.push(CheckStep::pass("sendmail", command.display().to_string()));
            } else {
                steps.push(CheckStep::fail(
                    "sendmail",
                    format!("{} does not exist", command.display()),
                    Some("install msmtp-mta or set [send] command".into()),
                ));
            }
        }
    }
    match &config.receive {
        ReceiveConfig::Imap(c) => match crate::app::imap_settings(c) {
            Ok(s) => {
                steps.push(CheckStep::pass("imap password", "resolved"));
                steps.extend(prefix("imap", crate::ingest::imap::check(&s).await));
            }
            Err(e) => steps.push(CheckStep::fail(
                "imap password",
                e.to_string(),
                Some("check password_command / password_env / password_file under [imap]".into()),
            )),
        },
        ReceiveConfig::Maildir { path } => steps.push(dir_step("inbox", path)),
    }
    steps
}

fn prefix(what: &str, steps: Vec<CheckStep>) -> Vec<CheckStep> {
    steps
        .into_iter()
        .map(|mut s| {
            s.name = format!("{what} {}", s.name);
            s
        })
        .collect()
}

fn dir_step(name: &str, dir: &Path) -> CheckStep {
    match std::fs::create_dir_all(dir) {
        Ok(()) => CheckStep::pass(name, format!("{} is usable", dir.display())),
        Err(e) => CheckStep::fail(
            name,
            format!("{}: {e}", dir.display()),
            Some("check the path and its permissions".into()),
        ),
    }
}
