//! The `[smtp]` and `[imap]` sections: hosts, ports, TLS, credentials.

use super::super::*;
use super::Validator;

impl Validator<'_> {
    pub(super) fn security(
        &self,
        section: &str,
        raw: Option<&str>,
    ) -> Result<Security, ConfigError> {
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

    pub(super) fn host(
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

    pub(super) fn password(
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

    pub(super) fn credentials(
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

    pub(super) fn smtp(
        &self,
        s: raw::RawSmtp,
        warnings: &mut Vec<String>,
    ) -> Result<SmtpConfig, ConfigError> {
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

    pub(super) fn imap(
        &self,
        s: raw::RawImap,
        warnings: &mut Vec<String>,
    ) -> Result<ImapConfig, ConfigError> {
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
}
