//! Passwords: where they come from, and a wrapper that never prints them.
//!
//! Validation only records the source; [`SecretSource::resolve`] runs at the edge (just
//! before logging in), so `olifant check` and the daemon see errors at the same place.

use std::path::PathBuf;
use std::process::{Command, Stdio};

use super::ConfigError;

/// A resolved password. `Debug` shows `Secret(<redacted>)`; there is no `Display`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret value.
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(value.into())
    }

    /// The secret itself, for the one call that needs it (a login).
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

/// Where a password comes from (exactly one of the four `password*` keys).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecretSource {
    /// `password = "…"`: written in the config (warned about).
    Plain {
        /// The key (`smtp.password`).
        key: String,
        /// The value.
        secret: Secret,
    },
    /// `password_command = "pass show mail/olifant"`: run with `sh -c`, first line of stdout.
    Command {
        /// The key (`smtp.password_command`).
        key: String,
        /// The shell command.
        command: String,
    },
    /// `password_env = "OLIFANT_IMAP_PASSWORD"`: read from the environment.
    Env {
        /// The key (`imap.password_env`).
        key: String,
        /// The variable name.
        var: String,
    },
    /// `password_file = "~/.config/olifant/imap.pass"`: first line of the file.
    File {
        /// The key (`imap.password_file`).
        key: String,
        /// The file.
        path: PathBuf,
    },
}

impl SecretSource {
    /// The config key this source was written under.
    pub fn key(&self) -> &str {
        match self {
            SecretSource::Plain { key, .. }
            | SecretSource::Command { key, .. }
            | SecretSource::Env { key, .. }
            | SecretSource::File { key, .. } => key,
        }
    }

    /// Fetches the password (runs the command, reads the variable or file).
    ///
    /// Errors name the key and never contain the secret or the command's output.
    pub fn resolve(&self) -> Result<Secret, ConfigError> {
        self.resolve_with(&|name| std::env::var(name).ok())
    }

    /// [`SecretSource::resolve`] with the environment passed in (for tests).
    pub fn resolve_with(
        &self,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Secret, ConfigError> {
        let err = |message: String| ConfigError::Secret {
            key: self.key().to_string(),
            message,
        };
        let secret = match self {
            SecretSource::Plain { secret, .. } => secret.clone(),
            SecretSource::Command { command, .. } => {
                let output = Command::new("sh")
                    .arg("-c")
                    .arg(command)
                    .stdin(Stdio::null())
                    .stdout(Stdio::piped())
                    .stderr(Stdio::piped())
                    .output()
                    .map_err(|e| err(format!("cannot run the command with sh -c: {e}")))?;
                if !output.status.success() {
                    let stderr = String::from_utf8_lossy(&output.stderr);
                    let stderr = stderr.trim();
                    let stderr = if stderr.is_empty() {
                        "(no error output)".to_string()
                    } else {
                        stderr.to_string()
                    };
                    // The command line is not repeated: it may hold a secret itself.
                    return Err(err(format!(
                        "the command failed ({}): {stderr}; run it by hand to see what it needs",
                        output.status
                    )));
                }
                let stdout = String::from_utf8(output.stdout).map_err(|_| {
                    err("the command printed something that is not UTF-8".to_string())
                })?;
                Secret(first_line(&stdout))
            }
            SecretSource::Env { var, .. } => match env(var) {
                Some(v) => Secret(first_line(&v)),
                None => {
                    return Err(err(format!(
                    "the environment variable {var} is not set; export it before starting olifant"
                )))
                }
            },
            SecretSource::File { path, .. } => {
                let text = std::fs::read_to_string(path).map_err(|e| {
                    err(format!(
                        "cannot read {}: {e}; create it with the password on its first line",
                        path.display()
                    ))
                })?;
                Secret(first_line(&text))
            }
        };
        if secret.0.is_empty() {
            return Err(err(
                "the password is empty; check the source gives the password on its first line"
                    .to_string(),
            ));
        }
        Ok(secret)
    }
}

fn first_line(s: &str) -> String {
    s.lines()
        .next()
        .unwrap_or("")
        .trim_end_matches('\r')
        .to_string()
}
