use super::*;
use std::collections::VecDeque;

/// Returns scripted answers in order and records every question; running out of
/// answers is an error, so an unexpected extra question fails the test.
struct Scripted {
    answers: VecDeque<String>,
    asked: Vec<String>,
    said: Vec<String>,
}

impl Scripted {
    fn new(answers: &[&str]) -> Scripted {
        Scripted {
            answers: answers.iter().map(|s| s.to_string()).collect(),
            asked: Vec::new(),
            said: Vec::new(),
        }
    }
}

impl Prompter for Scripted {
    fn ask(&mut self, question: &str, _default: Option<&str>) -> io::Result<String> {
        self.asked.push(question.to_string());
        self.answers
            .pop_front()
            .ok_or_else(|| io::Error::new(io::ErrorKind::UnexpectedEof, "script ended"))
    }
    fn say(&mut self, text: &str) -> io::Result<()> {
        self.said.push(text.to_string());
        Ok(())
    }
}

fn gmail_answers() -> InitAnswers {
    InitAnswers {
        owner_name: "Sanne de Vries".into(),
        addresses: vec!["sanne@gmail.com".into(), "sanne@devries.example".into()],
        language: Lang::Nl,
        timezone: "Europe/Amsterdam".into(),
        provider: Provider::Gmail,
        username: "sanne@gmail.com".into(),
        password_command: Some(DEFAULT_PASSWORD_COMMAND.into()),
        bot_address: "sanne+olifant@gmail.com".into(),
        prompts_at: "elke vrijdag 16:30".into(),
        digest_at: None,
    }
}

// ── presets ──

#[test]
fn presets_have_the_documented_hosts_ports_and_tls_modes() {
    let g = Provider::Gmail.preset();
    assert_eq!(
        (g.imap_host.as_str(), g.imap_port, g.imap_security),
        ("imap.gmail.com", 993, TlsMode::Tls)
    );
    assert_eq!(
        (g.smtp_host.as_str(), g.smtp_port, g.smtp_security),
        ("smtp.gmail.com", 465, TlsMode::Tls)
    );
    assert!(g.hint.contains("app password"));

    let o = Provider::Outlook.preset();
    assert_eq!(
        (o.imap_host.as_str(), o.imap_port, o.imap_security),
        ("outlook.office365.com", 993, TlsMode::Tls)
    );
    assert_eq!(
        (o.smtp_host.as_str(), o.smtp_port, o.smtp_security),
        ("smtp.office365.com", 587, TlsMode::StartTls)
    );
    assert!(
        o.hint.contains("OAuth"),
        "Outlook hint must be honest about OAuth"
    );

    let f = Provider::Fastmail.preset();
    assert_eq!(
        (f.imap_host.as_str(), f.imap_port, f.imap_security),
        ("imap.fastmail.com", 993, TlsMode::Tls)
    );
    assert_eq!(
        (f.smtp_host.as_str(), f.smtp_port, f.smtp_security),
        ("smtp.fastmail.com", 465, TlsMode::Tls)
    );
    assert!(f.hint.contains("app password"));

    for p in [Provider::Gmail, Provider::Outlook, Provider::Fastmail] {
        assert_eq!(p.preset().plus_separator, Some('+'), "{p:?}");
        assert_eq!(Provider::from_name(p.name()), Some(p.clone()));
    }
}

#[test]
fn provider_names_and_guesses() {
    assert_eq!(Provider::from_name(" Office365 "), Some(Provider::Outlook));
    assert_eq!(Provider::from_name("m365"), Some(Provider::Outlook));
    assert_eq!(Provider::from_name("GMAIL"), Some(Provider::Gmail));
    assert_eq!(Provider::from_name("generic"), None);
    assert_eq!(Provider::from_name("yahoo"), None);
    assert_eq!(
        Provider::guess_from_address("x@Hotmail.com"),
        Some(Provider::Outlook)
    );
    assert_eq!(
        Provider::guess_from_address("x@fastmail.fm"),
        Some(Provider::Fastmail)
    );
    assert_eq!(Provider::guess_from_address("x@devries.example"), None);
    assert_eq!(TlsMode::for_smtp_port(587), TlsMode::StartTls);
    assert_eq!(TlsMode::for_smtp_port(465), TlsMode::Tls);
    assert_eq!(TlsMode::for_imap_port(143), TlsMode::StartTls);
    assert_eq!(TlsMode::for_imap_port(993), TlsMode::Tls);
}

// ── words → cron ──

#[test]
fn words_to_cron_table_english_and_dutch() {
    let table = [
        ("mondays 9:00", "0 9 * * 1"),
        ("monday 09:00", "0 9 * * 1"),
        ("Every Monday at 9", "0 9 * * 1"),
        ("every monday at 9am", "0 9 * * 1"),
        ("weekdays 8:30", "30 8 * * 1-5"),
        ("daily 18:00", "0 18 * * *"),
        ("every day at 6pm", "0 18 * * *"),
        ("first monday of the month 8:00", "0 8 1-7 * 1"),
        ("second tuesday of the month 10:15", "15 10 8-14 * 2"),
        ("first day of the month 9:00", "0 9 1 * *"),
        ("monthly 9:00", "0 9 1 * *"),
        ("friday 16:30", "30 16 * * 5"),
        ("monday and thursday 9:00", "0 9 * * 1,4"),
        ("mon, wed, fri 7:05", "5 7 * * 1,3,5"),
        ("weekends 10am", "0 10 * * 6,0"),
        ("sunday 12:30 pm", "30 12 * * 0"),
        ("friday 12am", "0 0 * * 5"),
        ("maandag 9:00", "0 9 * * 1"),
        ("elke vrijdag 16:30", "30 16 * * 5"),
        ("eerste maandag van de maand 8:00", "0 8 1-7 * 1"),
        ("werkdagen 8.30", "30 8 * * 1-5"),
        ("'s maandags om 9 uur", "0 9 * * 1"),
        ("dagelijks 18u30", "30 18 * * *"),
        ("elke dag om 7:45", "45 7 * * *"),
        ("dinsdag en donderdag 14:00", "0 14 * * 2,4"),
        ("tweede woensdag van de maand 9:00", "0 9 8-14 * 3"),
    ];
    for (words, cron) in table {
        assert_eq!(words_to_cron(words).as_deref(), Ok(cron), "{words:?}");
    }
}

#[test]
fn first_monday_fires_only_on_the_first_monday() {
    let expr = CronExpr::parse(&words_to_cron("first monday of the month 8:00").unwrap()).unwrap();
    let d = |y, m, d| chrono::NaiveDate::from_ymd_opt(y, m, d).unwrap();
    assert!(expr.matches_date(d(2026, 6, 1))); // Monday 1 June
    assert!(!expr.matches_date(d(2026, 6, 8))); // second Monday
    assert!(!expr.matches_date(d(2026, 6, 2))); // Tuesday in days 1–7
    assert!(expr.matches_date(d(2026, 7, 6))); // first Monday of July
    let nl = CronExpr::parse(&words_to_cron("eerste maandag van de maand 8:00").unwrap()).unwrap();
    assert!(nl.matches_date(d(2026, 7, 6)) && !nl.matches_date(d(2026, 7, 13)));
}

#[test]
fn raw_cron_is_accepted_as_written() {
    for cron in [
        "0 9 * * 1",
        "30 8 1-7 * 1-5",
        "*/15 9 * * *",
        "0 0 9 * * 1",
        "0 9 * * mon",
    ] {
        assert_eq!(words_to_cron(cron).as_deref(), Ok(cron), "{cron:?}");
    }
    assert_eq!(words_to_cron("  0  9 * *   1 ").as_deref(), Ok("0 9 * * 1"));
    let e = words_to_cron("61 9 * * 1").unwrap_err();
    assert!(
        e.reason.contains("61") || e.reason.contains("minute"),
        "{e}"
    );
    assert!(words_to_cron("0 9 * 1").is_err());
}

#[test]
fn unknown_phrasing_is_an_error_with_examples() {
    for bad in [
        "",
        "sometimes",
        "mondays",
        "9:00",
        "mondays 25:00",
        "mondays 9:61",
        "mondays 9 and 10",
        "last friday of the month 9:00",
        "first of the month 9:00",
        "mondays of the month 9:00",
        "mondays 13pm",
        "friday am",
    ] {
        let e = words_to_cron(bad).expect_err(bad);
        let msg = e.to_string();
        assert!(
            msg.contains("mondays 9:00") && msg.contains("0 9 * * 1"),
            "{msg}"
        );
        assert_eq!(e.input, bad);
    }
    assert!(words_to_cron("sometimes 9:00")
        .unwrap_err()
        .reason
        .contains("\"sometimes\""));
}

// ── render ──

/// Key paths the config module accepts, taken from config.example.toml (commented keys
/// included). The lead's merge test parses the output with the real config module.
const KNOWN_KEYS: &[&str] = &[
    "data_dir",
    "templates_dir",
    "owner.name",
    "owner.addresses",
    "owner.language",
    "owner.timezone",
    "bot.address",
    "bot.reply_style",
    "bot.plus_separator",
    "bot.name",
    "smtp.host",
    "smtp.security",
    "smtp.port",
    "smtp.username",
    "smtp.password_command",
    "smtp.password_env",
    "smtp.password_file",
    "smtp.connect_timeout_secs",
    "smtp.send_timeout_secs",
    "smtp.ca_file",
    "imap.host",
    "imap.security",
    "imap.port",
    "imap.username",
    "imap.password_command",
    "imap.password_env",
    "imap.password_file",
    "imap.connect_timeout_secs",
    "imap.command_timeout_secs",
    "imap.ca_file",
    "imap.mailbox",
    "imap.processed_mailbox",
    "imap.ignored_mailbox",
    "imap.max_message_size",
    "imap.idle",
    "imap.poll_interval_secs",
    "schedule.prompt_cron",
    "schedule.digest_cron",
    "schedule.reminder_after_days",
    "schedule.max_prompts_per_run",
    "schedule.token_ttl_days",
];

fn key_paths(table: &toml::Table, prefix: &str, out: &mut Vec<String>) {
    for (k, v) in table {
        let path = if prefix.is_empty() {
            k.clone()
        } else {
            format!("{prefix}.{k}")
        };
        match v {
            toml::Value::Table(t) => key_paths(t, &path, out),
            _ => out.push(path),
        }
    }
}

fn parsed(text: &str) -> toml::Table {
    text.parse::<toml::Table>()
        .unwrap_or_else(|e| panic!("generated config is not TOML: {e}\n{text}"))
}

#[test]
fn rendered_config_is_toml_with_known_keys_and_no_plain_password() {
    let generic = Provider::Generic {
        imap_host: "mail.example.org".into(),
        imap_port: 143,
        imap_security: TlsMode::StartTls,
        smtp_host: "mail.example.org".into(),
        smtp_port: 587,
        smtp_security: TlsMode::StartTls,
        plus_separator: None,
    };
    let variants = [
        gmail_answers(),
        InitAnswers {
            provider: Provider::Outlook,
            password_command: None,
            owner_name: String::new(),
            ..gmail_answers()
        },
        InitAnswers {
            provider: generic,
            digest_at: Some("weekdays 17:00".into()),
            ..gmail_answers()
        },
    ];
    for answers in &variants {
        let text = render_config(answers);
        let table = parsed(&text);
        let mut keys = Vec::new();
        key_paths(&table, "", &mut keys);
        for k in &keys {
            assert!(
                KNOWN_KEYS.contains(&k.as_str()),
                "unknown key {k} in\n{text}"
            );
        }
        for line in text.lines() {
            let l = line.trim_start_matches(['#', ' ']);
            assert!(!l.starts_with("password ="), "plain password line: {line}");
            assert!(!l.starts_with("password="), "plain password line: {line}");
        }
        let preset = answers.provider.preset();
        assert_eq!(
            table["smtp"]["host"].as_str(),
            Some(preset.smtp_host.as_str())
        );
        assert_eq!(
            table["smtp"]["port"].as_integer(),
            Some(preset.smtp_port as i64)
        );
        assert_eq!(
            table["imap"]["security"].as_str(),
            Some(preset.imap_security.as_str())
        );
        assert_eq!(
            table["owner"]["timezone"].as_str(),
            Some("Europe/Amsterdam")
        );
        assert_eq!(table["owner"]["language"].as_str(), Some("nl"));
        assert_eq!(
            table["schedule"]["prompt_cron"].as_str(),
            Some("30 16 * * 5")
        );
        let expected_digest = answers.digest_cron().unwrap();
        assert_eq!(
            table["schedule"]["digest_cron"].as_str(),
            Some(expected_digest.as_str())
        );
        assert!(!table.contains_key("clients"), "no clients yet");
        assert!(text.contains("# [[clients]]"));
        match &answers.password_command {
            Some(cmd) => {
                assert_eq!(
                    table["imap"]["password_command"].as_str(),
                    Some(cmd.as_str())
                );
                assert_eq!(
                    table["smtp"]["password_command"].as_str(),
                    Some(cmd.as_str())
                );
            }
            None => {
                assert_eq!(table["imap"]["password_env"].as_str(), Some(PASSWORD_ENV));
                assert!(table["smtp"].get("password_command").is_none());
            }
        }
        let style = table["bot"]["reply_style"].as_str();
        match preset.plus_separator {
            Some(_) => assert_eq!(style, Some("plus")),
            None => assert_eq!(style, Some("plain")),
        }
    }
    assert!(!render_config(&variants[1]).contains("name = \"Sanne"));
}

#[test]
fn rendered_strings_round_trip_through_toml_escaping() {
    let answers = InitAnswers {
        owner_name: "Sanne \"de\" V\\ries\nbot = 1 ☃".into(),
        password_command: Some("pass show 'mail/o\"lifant'".into()),
        prompts_at: "mondays 9:00\n[evil]".into(),
        ..gmail_answers()
    };
    let text = render_config(&answers);
    let table = parsed(&text);
    assert_eq!(
        table["owner"]["name"].as_str(),
        Some("Sanne \"de\" V\\ries\nbot = 1 ☃")
    );
    assert_eq!(
        table["imap"]["password_command"].as_str(),
        Some("pass show 'mail/o\"lifant'")
    );
    assert!(!table.contains_key("evil"));
    // The unreadable schedule falls back to the default, flagged in a comment.
    assert_eq!(table["schedule"]["prompt_cron"].as_str(), Some("0 9 * * 1"));
    assert!(text.contains("# NOTE: that schedule could not be read"));
}

// ── time zone ──

#[test]
fn timezone_detection_order_with_a_fake_environment_and_system() {
    let no_env = |_: &str| None;
    let no_system = || None;
    assert_eq!(detect_timezone_in(&no_env, &no_system), "UTC");

    let system = |v: &'static str| move || Some(v.to_string());
    // The system's answer may be a zoneinfo path's tail, posix/ included.
    assert_eq!(
        detect_timezone_in(&no_env, &system("posix/Europe/Lisbon")),
        "Europe/Lisbon"
    );
    assert_eq!(detect_timezone_in(&no_env, &system("garbage")), "UTC");

    let new_york = system("America/New_York");
    assert_eq!(detect_timezone_in(&no_env, &new_york), "America/New_York");
    let tz = |v: &'static str| move |name: &str| (name == "TZ").then(|| v.to_string());
    assert_eq!(
        detect_timezone_in(&tz("Asia/Tokyo"), &new_york),
        "Asia/Tokyo"
    );
    assert_eq!(
        detect_timezone_in(&tz(":Europe/Amsterdam"), &new_york),
        "Europe/Amsterdam"
    );
    assert_eq!(
        detect_timezone_in(&tz("/usr/share/zoneinfo/Europe/Paris"), &new_york),
        "Europe/Paris"
    );
    // An invalid TZ falls through to the system's zone, an invalid one of those to UTC.
    assert_eq!(
        detect_timezone_in(&tz("Mars/Olympus"), &new_york),
        "America/New_York"
    );
    assert_eq!(
        detect_timezone_in(&tz("Mars/Olympus"), &system("garbage")),
        "UTC"
    );
}

#[test]
fn the_real_detection_gives_a_valid_iana_name() {
    let name = detect_timezone();
    assert!(name.parse::<Tz>().is_ok(), "{name:?}");
}

// ── flow ──

fn opts(out: PathBuf) -> InitOptions {
    InitOptions {
        out,
        ..InitOptions::default()
    }
}

#[test]
fn non_interactive_missing_flag_names_the_flag() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("config.toml");
    let mut io = Scripted::new(&[]);

    let o = InitOptions {
        non_interactive: true,
        ..opts(out.clone())
    };
    let e = run_init(o, &mut io).unwrap_err();
    assert!(
        matches!(
            e,
            InitError::MissingFlag {
                flag: "--email",
                ..
            }
        ),
        "{e:?}"
    );
    assert!(e.to_string().contains("--email"));

    // A custom domain cannot be guessed: the provider must be named.
    let o = InitOptions {
        non_interactive: true,
        emails: vec!["sanne@devries.example".into()],
        ..opts(out.clone())
    };
    let e = run_init(o, &mut io).unwrap_err();
    assert!(e.to_string().contains("--provider"), "{e}");

    let o = InitOptions {
        non_interactive: true,
        emails: vec!["sanne@devries.example".into()],
        provider: Some("generic".into()),
        ..opts(out.clone())
    };
    let e = run_init(o, &mut io).unwrap_err();
    assert!(e.to_string().contains("--imap-host"), "{e}");

    let o = InitOptions {
        non_interactive: true,
        emails: vec!["sanne@gmail.com".into()],
        prompts_at: Some("sometimes".into()),
        ..opts(out.clone())
    };
    let e = run_init(o, &mut io).unwrap_err();
    assert!(
        matches!(
            e,
            InitError::InvalidValue {
                flag: "--prompts-at",
                ..
            }
        ),
        "{e:?}"
    );

    assert!(io.asked.is_empty(), "non-interactive asked {:?}", io.asked);
    assert!(!out.exists());
}

#[test]
fn non_interactive_with_flags_writes_defaults() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("config.toml");
    let o = InitOptions {
        non_interactive: true,
        emails: vec!["Sanne@Gmail.com".into()],
        timezone: Some("Europe/Amsterdam".into()),
        ..opts(out.clone())
    };
    let outcome = run_init(o, &mut Scripted::new(&[])).unwrap();
    let a = &outcome.answers;
    assert_eq!(a.addresses, vec!["sanne@gmail.com".to_string()]);
    assert_eq!(a.provider, Provider::Gmail);
    assert_eq!(a.bot_address, "sanne+olifant@gmail.com");
    assert_eq!(a.username, "sanne@gmail.com");
    assert_eq!(a.language, Lang::Nl); // from the Amsterdam time zone
    assert_eq!(a.password_command, None); // non-interactive: read from the environment
    let table = parsed(&std::fs::read_to_string(&out).unwrap());
    assert_eq!(table["smtp"]["password_env"].as_str(), Some(PASSWORD_ENV));
}

#[cfg(unix)]
fn mode(p: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p).unwrap().permissions().mode() & 0o777
}

#[test]
fn scripted_interactive_run_writes_a_private_file() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("new/olifant/config.toml");
    let mut io = Scripted::new(&[
        "not-an-address",        // re-asked
        "sanne@devries.example", // email
        "Sanne de Vries",        // name
        "Europe/Amsterdam",      // timezone
        "",                      // language: default (nl for Amsterdam)
        "yahoo",                 // re-asked
        "generic",               // provider
        "imap.devries.example",  // imap host
        "",                      // imap port 993
        "",                      // smtp host: smtp.devries.example
        "587",                   // smtp port
        "",                      // bot: sanne+olifant@devries.example
        "",                      // username: sanne@devries.example
        "",                      // password command: default
        "elke vrijdag 16:30",    // prompts
        "",                      // digest: default
    ]);
    let outcome = run_init(opts(out.clone()), &mut io).unwrap();
    assert_eq!(outcome.path, out);
    assert!(io.answers.is_empty(), "unused answers: {:?}", io.answers);
    let a = &outcome.answers;
    assert_eq!(a.bot_address, "sanne+olifant@devries.example");
    assert_eq!(a.username, "sanne@devries.example");
    assert_eq!(a.language, Lang::Nl);
    assert_eq!(
        a.password_command.as_deref(),
        Some(DEFAULT_PASSWORD_COMMAND)
    );
    assert_eq!(
        a.provider,
        Provider::Generic {
            imap_host: "imap.devries.example".into(),
            imap_port: 993,
            imap_security: TlsMode::Tls,
            smtp_host: "smtp.devries.example".into(),
            smtp_port: 587,
            smtp_security: TlsMode::StartTls,
            plus_separator: Some('+'),
        }
    );
    assert!(io.said.iter().any(|s| s.contains("not an email address")));
    assert!(io.said.iter().any(|s| s.contains("not a provider")));

    let text = std::fs::read_to_string(&out).unwrap();
    assert_eq!(text, render_config(a));
    let table = parsed(&text);
    assert_eq!(
        table["schedule"]["prompt_cron"].as_str(),
        Some("30 16 * * 5")
    );
    assert_eq!(
        table["schedule"]["digest_cron"].as_str(),
        Some("0 8 1-7 * 1")
    );
    assert_eq!(table["smtp"]["security"].as_str(), Some("starttls"));
    #[cfg(unix)]
    {
        assert_eq!(mode(&out), 0o600);
        assert_eq!(mode(&dir.path().join("new")), 0o700);
        assert_eq!(mode(&dir.path().join("new/olifant")), 0o700);
    }

    // A second run refuses to overwrite before asking anything.
    let mut again = Scripted::new(&["x@y.example"]);
    let e = run_init(opts(out.clone()), &mut again).unwrap_err();
    assert!(matches!(e, InitError::Exists { .. }), "{e:?}");
    assert!(e.to_string().contains("--force"));
    assert!(again.asked.is_empty());
    assert_eq!(std::fs::read_to_string(&out).unwrap(), text);
}

#[test]
fn force_replaces_an_existing_file_and_keeps_it_private() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("config.toml");
    std::fs::write(&out, "old").unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&out, std::fs::Permissions::from_mode(0o644)).unwrap();
    }
    let o = InitOptions {
        non_interactive: true,
        force: true,
        emails: vec!["sanne@fastmail.com".into()],
        timezone: Some("UTC".into()),
        password_command: Some("pass show fastmail".into()),
        ..opts(out.clone())
    };
    run_init(o, &mut Scripted::new(&[])).unwrap();
    let table = parsed(&std::fs::read_to_string(&out).unwrap());
    assert_eq!(table["imap"]["host"].as_str(), Some("imap.fastmail.com"));
    assert_eq!(table["owner"]["language"].as_str(), Some("en"));
    #[cfg(unix)]
    assert_eq!(mode(&out), 0o600);
}

#[test]
fn bot_address_equal_to_owner_address_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let o = InitOptions {
        non_interactive: true,
        emails: vec!["sanne@gmail.com".into()],
        bot_address: Some("SANNE@gmail.com".into()),
        ..opts(dir.path().join("c.toml"))
    };
    let e = run_init(o, &mut Scripted::new(&[])).unwrap_err();
    assert!(
        matches!(
            e,
            InitError::InvalidValue {
                flag: "--bot-address",
                ..
            }
        ),
        "{e:?}"
    );
}

#[test]
fn three_bad_answers_give_up_naming_the_flag() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("c.toml");
    let mut io = Scripted::new(&["a", "b", "c"]);
    let e = run_init(opts(out.clone()), &mut io).unwrap_err();
    assert!(matches!(e, InitError::GaveUp { flag: "--email" }), "{e:?}");
    assert!(!out.exists());
    // Input ending early is a prompt error, not a panic.
    let e = run_init(opts(out), &mut Scripted::new(&[])).unwrap_err();
    assert!(
        matches!(
            e,
            InitError::Prompt {
                flag: "--email",
                ..
            }
        ),
        "{e:?}"
    );
}

#[test]
fn terminal_prompter_shows_defaults_and_returns_them_on_empty_lines() {
    let input = io::Cursor::new("\n  typed  \n");
    let mut out = Vec::new();
    let mut p = TerminalPrompter::new(input, &mut out);
    assert_eq!(p.ask("Q1", Some("dflt")).unwrap(), "dflt");
    assert_eq!(p.ask("Q2", Some("dflt")).unwrap(), "typed");
    let e = p.ask("Q3", None).unwrap_err();
    assert_eq!(e.kind(), io::ErrorKind::UnexpectedEof);
    let shown = String::from_utf8(out).unwrap();
    assert!(
        shown.contains("Q1 [dflt]: ") && shown.contains("Q3: "),
        "{shown}"
    );
}
