//! From the raw TOML to a validated [`Config`]: every value checked, every error naming
//! its key and line.

use super::*;

mod clients;
mod mail;

pub(super) struct Validator<'a> {
    pub(super) text: &'a str,
    pub(super) origin: &'a str,
    pub(super) env: &'a dyn Fn(&str) -> Option<String>,
}

impl Validator<'_> {
    pub(super) fn err(&self, key: &str, message: impl Into<String>) -> ConfigError {
        invalid(self.text, self.origin, key, message)
    }

    pub(super) fn required<T>(
        &self,
        v: Option<T>,
        key: &str,
        what: &str,
    ) -> Result<T, ConfigError> {
        v.ok_or_else(|| self.err(key, format!("missing; expected {what}")))
    }

    pub(super) fn path(&self, p: &str) -> PathBuf {
        expand_tilde(p.trim(), self.env)
    }

    pub(super) fn validate(
        &self,
        raw: RawConfig,
        data_dir: Option<&Path>,
    ) -> Result<Config, ConfigError> {
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

        let send = self.send(raw.send, raw.smtp, &data_dir, &mut warnings)?;
        let receive = self.receive(raw.receive, raw.imap, &data_dir, &mut warnings)?;
        let schedule = self.schedule(raw.schedule)?;
        let clients = self.clients(raw.clients)?;
        let mut questionnaire = self.questions(raw.questions, raw.notes)?;
        let digest = self.digest(raw.digest, &mut questionnaire)?;
        let ingest = self.ingest(raw.ingest)?;

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

    /// How mail goes out: `send.kind` (by default smtp when there is an [smtp] section,
    /// else file) and its settings.
    fn send(
        &self,
        send: Option<raw::RawSend>,
        smtp: Option<raw::RawSmtp>,
        data_dir: &Path,
        warnings: &mut Vec<String>,
    ) -> Result<SendConfig, ConfigError> {
        let send_kind = match send.as_ref().and_then(|s| s.kind.as_deref()) {
            Some(k) => k.trim().to_ascii_lowercase(),
            None if smtp.is_some() => "smtp".into(),
            None => "file".into(),
        };
        let send_raw = send.unwrap_or_default();
        let config = match send_kind.as_str() {
            "smtp" => match smtp {
                Some(s) => SendConfig::Smtp(self.smtp(s, warnings)?),
                None => {
                    return Err(self.err(
                        "send.kind",
                        "is \"smtp\" but there is no [smtp] section; add one (host, security, username, password_command) or use kind = \"file\"",
                    ))
                }
            },
            "file" => {
                if smtp.is_some() {
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
        Ok(config)
    }

    /// How mail comes in: `receive.kind` (by default imap when there is an [imap] section,
    /// else maildir) and its settings.
    fn receive(
        &self,
        receive: Option<raw::RawReceive>,
        imap: Option<raw::RawImap>,
        data_dir: &Path,
        warnings: &mut Vec<String>,
    ) -> Result<ReceiveConfig, ConfigError> {
        let receive_kind = match receive.as_ref().and_then(|s| s.kind.as_deref()) {
            Some(k) => k.trim().to_ascii_lowercase(),
            None if imap.is_some() => "imap".into(),
            None => "maildir".into(),
        };
        let receive_raw = receive.unwrap_or_default();
        let config = match receive_kind.as_str() {
            "imap" => match imap {
                Some(i) => ReceiveConfig::Imap(self.imap(i, warnings)?),
                None => {
                    return Err(self.err(
                        "receive.kind",
                        "is \"imap\" but there is no [imap] section; add one (host, security, username, password_command) or use kind = \"maildir\"",
                    ))
                }
            },
            "maildir" => {
                if imap.is_some() {
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
        Ok(config)
    }

    /// The [ingest] section.
    fn ingest(&self, ingest: Option<raw::RawIngest>) -> Result<IngestConfig, ConfigError> {
        let i = ingest.unwrap_or_default();
        let trusted = i.trusted_authserv_id.map(|s| s.trim().to_string());
        if trusted.as_deref() == Some("") {
            return Err(self.err(
                "ingest.trusted_authserv_id",
                "is empty; expected your provider's authserv-id (e.g. \"mx.example.com\") or leave the key out",
            ));
        }
        Ok(IngestConfig {
            trusted_authserv_id: trusted,
            receipts: i.receipts.unwrap_or(true),
        })
    }

    pub(super) fn default_data_dir(&self) -> Result<PathBuf, ConfigError> {
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

    pub(super) fn owner(&self, raw: Option<raw::RawOwner>) -> Result<OwnerConfig, ConfigError> {
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

    pub(super) fn bot(
        &self,
        raw: Option<raw::RawBot>,
        owner: &OwnerConfig,
    ) -> Result<BotConfig, ConfigError> {
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

    pub(super) fn secs(
        &self,
        key: &str,
        v: Option<u64>,
        default: u64,
    ) -> Result<Duration, ConfigError> {
        match v {
            Some(0) => Err(self.err(key, "is 0; expected a number of seconds above 0")),
            Some(n) => Ok(Duration::from_secs(n)),
            None => Ok(Duration::from_secs(default)),
        }
    }

    /// Parses a cron key fully, so nothing after loading meets an unparsed expression.
    pub(super) fn cron(
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

    pub(super) fn schedule(
        &self,
        raw: Option<raw::RawSchedule>,
    ) -> Result<ScheduleConfig, ConfigError> {
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
            first_prompt: match r.first_prompt.as_deref() {
                None | Some("next_run") => crate::schedule::FirstPrompt::NextRun,
                Some("after_cadence") => crate::schedule::FirstPrompt::AfterCadence,
                Some(other) => {
                    return Err(self.err(
                        "schedule.first_prompt",
                        format!("is {other:?}; expected \"next_run\" (ask a new client at the next prompt run) or \"after_cadence\" (one cadence after adding it)"),
                    ))
                }
            },
        })
    }

    pub(super) fn digest(
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
