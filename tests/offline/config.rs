//! Config: locating, parsing, validating, secrets and permissions.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use olifant::config::{
    self, check_permissions, locate, parse_with, Config, ConfigError, ReceiveConfig, ReplyStyle,
    SecretSource, Security, SendConfig,
};
use olifant::model::{Cadence, ClientKey, DigestSettings, Lang, Scale};

fn env_of(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
    let map: HashMap<String, String> = pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    move |k| map.get(k).cloned()
}

const MINIMAL: &str = r#"
[owner]
addresses = ["me@example.com"]
timezone = "Europe/Amsterdam"

[bot]
address = "olifant@example.com"
"#;

fn parse(text: &str) -> Result<Config, ConfigError> {
    parse_with(text, "config.toml", &env_of(&[("HOME", "/home/u")]), None)
}

fn with(extra: &str) -> String {
    format!("{MINIMAL}\n{extra}")
}

fn err(text: &str) -> ConfigError {
    match parse(text) {
        Ok(_) => panic!("expected an error for:\n{text}"),
        Err(e) => e,
    }
}

fn example_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("config.example.toml")
}

#[test]
fn example_config_parses_and_validates() {
    let text = std::fs::read_to_string(example_path()).unwrap();
    let c = parse(&text).unwrap_or_else(|e| panic!("config.example.toml: {e}"));
    assert_eq!(c.owner.language, Lang::Nl);
    assert_eq!(c.owner.timezone, chrono_tz::Europe::Amsterdam);
    assert_eq!(c.owner.addresses.len(), 2);
    assert_eq!(c.clients.len(), 2);
    assert_eq!(c.clients[1].cadence, Cadence::EveryDays(10));
    assert_eq!(
        c.clients[0].since,
        chrono::NaiveDate::from_ymd_opt(2023, 4, 1)
    );
    assert_eq!(c.questionnaire().questions.len(), 2);
    // digest.weights overrides the question's own weight.
    assert_eq!(c.questionnaire().questions[0].weight, 2.0);
    assert_eq!(c.data_dir, PathBuf::from("/home/u/.local/share/olifant"));
    assert!(c.warnings.is_empty(), "{:?}", c.warnings);
}

/// The list of accepted keys of a section, read from serde's own unknown-field message, so
/// this test follows RawConfig without a hand-kept list.
fn accepted_keys(section_header: &str) -> Vec<String> {
    let text = format!("{section_header}\nzz_not_a_key = 1\n");
    let e = toml::from_str::<config::raw::RawConfig>(&text).expect_err("unknown key must fail");
    let msg = e.message().to_string();
    let list = msg
        .split("expected")
        .nth(1)
        .unwrap_or_else(|| panic!("no expected list in {msg}"));
    list.replace("one of", "")
        .replace(" or ", ",")
        .split(',')
        .map(|s| s.trim().trim_matches('`').to_string())
        .filter(|s| !s.is_empty())
        .collect()
}

#[test]
fn example_config_documents_every_key() {
    let text = std::fs::read_to_string(example_path()).unwrap();
    let documented = |key: &str| {
        text.lines().any(|l| {
            let l = l.trim_start_matches(|c: char| c == '#' || c.is_whitespace());
            l.strip_prefix(key)
                .is_some_and(|rest| rest.trim_start().starts_with('='))
                || l == format!("[{key}]")
                || l == format!("[[{key}]]")
        })
    };
    let mut checked = 0;
    for header in [
        "",
        "[owner]",
        "[bot]",
        "[send]",
        "[receive]",
        "[smtp]",
        "[imap]",
        "[schedule]",
        "[[clients]]",
        "[[questions]]",
        "[notes]",
        "[digest]",
        "[ingest]",
    ] {
        let keys = accepted_keys(header);
        assert!(!keys.is_empty(), "{header}");
        for k in keys {
            assert!(
                documented(&k),
                "config.example.toml does not document {header} {k}"
            );
            checked += 1;
        }
    }
    assert!(checked > 60, "only {checked} keys checked");
}

#[test]
fn minimal_config_gets_documented_defaults() {
    let c = parse(MINIMAL).unwrap();
    assert_eq!(c.data_dir, PathBuf::from("/home/u/.local/share/olifant"));
    assert_eq!(
        c.send,
        SendConfig::File {
            dir: PathBuf::from("/home/u/.local/share/olifant/outbox")
        }
    );
    assert_eq!(
        c.receive,
        ReceiveConfig::Maildir {
            path: PathBuf::from("/home/u/.local/share/olifant/inbox")
        }
    );
    assert_eq!(c.owner.language, Lang::En);
    assert_eq!(c.bot.reply_style, ReplyStyle::Plus);
    assert_eq!(c.bot.plus_separator, '+');
    assert_eq!(c.bot.name, "olifant");
    assert_eq!(c.schedule.prompt_cron.as_str(), "0 9 * * 1");
    assert_eq!(c.schedule.digest_cron.as_str(), "0 8 1-7 * 1");
    assert_eq!(c.schedule.reminder_after_days, 3);
    assert_eq!(c.schedule.max_prompts_per_run, 3);
    assert_eq!(c.schedule.token_ttl_days, 120);
    assert_eq!(
        c.schedule.first_prompt,
        olifant::schedule::FirstPrompt::NextRun
    );
    assert_eq!(c.digest, DigestSettings::default());
    assert!(c.ingest.receipts);
    assert_eq!(c.ingest.trusted_authserv_id, None);
    assert_eq!(
        c.questionnaire(),
        &olifant::prompt::questionnaire::default_questionnaire()
    );
    assert!(c.clients.is_empty());
}

#[test]
fn data_dir_prefers_xdg_and_expands_tilde() {
    let c = parse_with(
        MINIMAL,
        "c",
        &env_of(&[("HOME", "/h"), ("XDG_DATA_HOME", "/x")]),
        None,
    )
    .unwrap();
    assert_eq!(c.data_dir, PathBuf::from("/x/olifant"));
    let c = parse(&format!("data_dir = \"~/d\"\n{MINIMAL}")).unwrap();
    assert_eq!(c.data_dir, PathBuf::from("/home/u/d"));
}

#[test]
fn locate_follows_cli_then_env_then_xdg_then_home() {
    let cli = Path::new("/c.toml");
    let all = env_of(&[
        ("OLIFANT_CONFIG", "/o.toml"),
        ("XDG_CONFIG_HOME", "/xdg"),
        ("HOME", "/h"),
    ]);
    assert_eq!(locate(Some(cli), &all).unwrap(), PathBuf::from("/c.toml"));
    assert_eq!(locate(None, &all).unwrap(), PathBuf::from("/o.toml"));
    let no_o = env_of(&[("XDG_CONFIG_HOME", "/xdg"), ("HOME", "/h")]);
    assert_eq!(
        locate(None, &no_o).unwrap(),
        PathBuf::from("/xdg/olifant/config.toml")
    );
    let home = env_of(&[("HOME", "/h")]);
    assert_eq!(
        locate(None, &home).unwrap(),
        PathBuf::from("/h/.config/olifant/config.toml")
    );
    assert!(matches!(
        locate(None, &env_of(&[])),
        Err(ConfigError::NoConfigPath)
    ));
}

#[test]
fn typo_in_a_key_names_the_key_the_section_and_the_line() {
    let text = with("[smtp]\nhost = \"localhost\"\nprot = 25\n");
    let line = text.lines().position(|l| l.starts_with("prot")).unwrap() + 1;
    let e = err(&text);
    let msg = e.to_string();
    assert!(
        msg.starts_with(&format!(
            "config.toml line {line}: unknown key \"prot\" in [smtp]; expected one of "
        )),
        "{msg}"
    );
    assert!(msg.contains("port"), "{msg}");
    assert_eq!(e.key(), Some("smtp.prot"));
    assert_eq!(e.line(), Some(line));
}

#[test]
fn typo_at_top_level_and_in_array_tables_is_reported() {
    let e = err(&format!("data_dri = \"/x\"\n{MINIMAL}"));
    assert!(
        e.to_string()
            .contains("unknown key \"data_dri\" at the top level"),
        "{e}"
    );
    let e = err(&with(
        "[[clients]]\nname = \"A\"\n[[clients]]\nname = \"B\"\ncadnce = \"weekly\"\n",
    ));
    assert_eq!(e.key(), Some("clients[1].cadnce"), "{e}");
}

#[test]
fn wrong_type_names_the_key() {
    let text = with("[smtp]\nhost = \"localhost\"\nport = \"twenty-five\"\n");
    let e = err(&text);
    assert_eq!(e.key(), Some("smtp.port"), "{e}");
    let line = text.lines().position(|l| l.starts_with("port")).unwrap() + 1;
    assert_eq!(e.line(), Some(line), "{e}");
}

#[test]
fn bad_timezone_names_the_key_and_gives_an_example() {
    let e = err(&MINIMAL.replace("Europe/Amsterdam", "Europe/Amsterdan"));
    let msg = e.to_string();
    assert_eq!(e.key(), Some("owner.timezone"));
    assert!(msg.contains("Europe/Amsterdan"), "{msg}");
    assert!(msg.contains("e.g. \"Europe/Amsterdam\""), "{msg}");
    assert!(
        msg.starts_with("config.toml line 4: owner.timezone:"),
        "{msg}"
    );
}

#[test]
fn security_none_is_refused_for_a_remote_host() {
    let e = err(&with(
        "[smtp]\nhost = \"smtp.example.com\"\nsecurity = \"none\"\n",
    ));
    assert_eq!(e.key(), Some("smtp.security"), "{e}");
    let e = err(&with(
        "[imap]\nhost = \"10.1.2.3\"\nsecurity = \"none\"\nusername = \"u\"\npassword_env = \"P\"\n",
    ));
    assert_eq!(e.key(), Some("imap.security"), "{e}");
    for host in ["127.0.0.1", "localhost", "::1"] {
        let c = parse(&with(&format!(
            "[smtp]\nhost = \"{host}\"\nsecurity = \"none\"\n"
        )))
        .unwrap();
        match c.send {
            SendConfig::Smtp(s) => {
                assert_eq!(s.security, Security::None);
                assert_eq!(s.port, 25);
            }
            other => panic!("{other:?}"),
        }
    }
}

#[test]
fn two_password_sources_name_both_keys() {
    let e = err(&with(
        "[imap]\nhost = \"imap.example.com\"\nusername = \"u\"\npassword = \"hunter2\"\npassword_command = \"pass show x\"\n",
    ));
    let msg = e.to_string();
    assert!(msg.contains("imap.password "), "{msg}");
    assert!(msg.contains("imap.password_command"), "{msg}");
    assert!(!msg.contains("hunter2"), "{msg}");
}

#[test]
fn smtp_and_imap_defaults_follow_security() {
    let c = parse(&with(
        "[smtp]\nhost = \"smtp.example.com\"\nsecurity = \"starttls\"\nusername = \"u\"\npassword_env = \"SMTP_PW\"\n\
         [imap]\nhost = \"imap.example.com\"\nusername = \"u\"\npassword_file = \"~/pw\"\n",
    ))
    .unwrap();
    let SendConfig::Smtp(s) = &c.send else {
        panic!("{:?}", c.send)
    };
    assert_eq!(s.port, 587);
    assert_eq!(s.connect_timeout, Duration::from_secs(30));
    assert_eq!(s.send_timeout, Duration::from_secs(600));
    let ReceiveConfig::Imap(i) = &c.receive else {
        panic!("{:?}", c.receive)
    };
    assert_eq!(i.port, 993);
    assert_eq!(i.mailbox, "INBOX");
    assert_eq!(i.processed_mailbox, "olifant/processed");
    assert_eq!(i.ignored_mailbox, None);
    assert_eq!(i.max_message_size, 10 * 1024 * 1024);
    assert!(i.idle);
    assert_eq!(i.poll_interval, Duration::from_secs(300));
    assert_eq!(i.command_timeout, Duration::from_secs(60));
    assert_eq!(
        i.credentials.password,
        SecretSource::File {
            key: "imap.password_file".into(),
            path: PathBuf::from("/home/u/pw")
        }
    );
}

#[test]
fn plain_password_is_warned_about_and_never_in_debug() {
    let c = parse(&with(
        "[imap]\nhost = \"imap.example.com\"\nusername = \"u\"\npassword = \"hunter2-secret\"\n",
    ))
    .unwrap();
    assert_eq!(c.warnings.len(), 1, "{:?}", c.warnings);
    assert!(c.warnings[0].contains("imap.password"));
    let debug = format!("{c:?}");
    assert!(!debug.contains("hunter2-secret"), "{debug}");
    assert!(debug.contains("Secret(<redacted>)"), "{debug}");
    assert!(c.has_plain_password());
}

#[test]
fn password_command_gives_the_first_line() {
    let source = SecretSource::Command {
        key: "imap.password_command".into(),
        command: "printf 's3cret-line\\nsecond line\\n'".into(),
    };
    let secret = source.resolve().unwrap();
    assert_eq!(secret.expose(), "s3cret-line");
    assert_eq!(format!("{secret:?}"), "Secret(<redacted>)");
}

#[test]
fn failing_password_command_reports_stderr_but_not_stdout() {
    let source = SecretSource::Command {
        key: "smtp.password_command".into(),
        command: "echo leaked-secret; echo 'gpg: decryption failed' >&2; exit 3".into(),
    };
    let e = source.resolve().unwrap_err();
    let msg = e.to_string();
    assert!(msg.contains("smtp.password_command"), "{msg}");
    assert!(msg.contains("gpg: decryption failed"), "{msg}");
    assert!(!msg.contains("leaked-secret"), "{msg}");
}

#[test]
fn password_env_and_file_resolve() {
    let env = env_of(&[("PW", "from-env\n")]);
    let s = SecretSource::Env {
        key: "imap.password_env".into(),
        var: "PW".into(),
    };
    assert_eq!(s.resolve_with(&env).unwrap().expose(), "from-env");
    let missing = SecretSource::Env {
        key: "imap.password_env".into(),
        var: "NOPE".into(),
    };
    assert!(missing
        .resolve_with(&env)
        .unwrap_err()
        .to_string()
        .contains("NOPE"));

    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("pw");
    std::fs::write(&f, "file-secret\nignored\n").unwrap();
    let s = SecretSource::File {
        key: "imap.password_file".into(),
        path: f,
    };
    assert_eq!(s.resolve().unwrap().expose(), "file-secret");
}

#[cfg(unix)]
#[test]
fn plain_password_in_a_readable_file_is_refused_with_the_chmod_to_run() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config.toml");
    let text =
        with("[smtp]\nhost = \"smtp.example.com\"\nusername = \"u\"\npassword = \"pw-in-file\"\n");
    std::fs::write(&path, &text).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    let c = config::load(&path).unwrap();
    let e = check_permissions(&path, &c).unwrap_err();
    let msg = e.to_string();
    assert!(
        msg.contains(&format!("chmod 600 {}", path.display())),
        "{msg}"
    );
    assert!(!msg.contains("pw-in-file"), "{msg}");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    check_permissions(&path, &c).unwrap();

    // Without a plain password a readable file is fine.
    std::fs::write(&path, MINIMAL).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    let c = config::load(&path).unwrap();
    check_permissions(&path, &c).unwrap();
}

#[test]
fn missing_file_says_what_to_do() {
    let e = config::load(Path::new("/nonexistent/olifant.toml")).unwrap_err();
    assert!(e.to_string().contains("--config"), "{e}");
}

#[test]
fn clients_are_validated_with_their_index() {
    let e = err(&with(
        "[[clients]]\nname = \"Acme\"\n[[clients]]\nname = \"Bakker\"\ncadence = \"sometimes\"\n",
    ));
    assert_eq!(e.key(), Some("clients[1].cadence"));
    assert!(e.to_string().contains("every N days"), "{e}");
    let e = err(&with(
        "[[clients]]\nname = \"Acme  Ltd\"\n[[clients]]\nname = \"acme ltd\"\n",
    ));
    assert_eq!(e.key(), Some("clients[1].name"));
    let e = err(&with("[[clients]]\nname = \"A\"\nrevenue = -5.0\n"));
    assert_eq!(e.key(), Some("clients[0].revenue"));
    let c = parse(&with(
        "[[clients]]\nname = \"Acme\"\nsince = \"2024-02-29\"\nlanguage = \"nl\"\n",
    ))
    .unwrap();
    assert_eq!(c.clients[0].key, ClientKey::from_name("acme"));
    assert_eq!(c.clients[0].cadence, Cadence::Monthly);
    assert_eq!(c.clients[0].language, Some(Lang::Nl));
    assert!(c.client(&ClientKey::from_name("ACME")).is_some());
}

#[test]
fn custom_questions_replace_the_default() {
    let c = parse(&with(
        "[[questions]]\nkey = \"fun\"\nlabel_nl = \"Plezier\"\nquestion_nl = \"Leuk?\"\nscale = \"0-10\"\n\
         [[questions]]\nkey = \"again\"\nlabel_en = \"Again\"\nquestion_en = \"Again?\"\nscale = \"yes-maybe-no\"\nweight = 2.0\n",
    ))
    .unwrap();
    let q = c.questionnaire();
    assert_eq!(q.questions.len(), 2);
    assert_eq!(q.questions[0].scale, Scale::Rating { min: 0, max: 10 });
    assert_eq!(q.questions[0].wording(Lang::En).label, "Plezier");
    assert_eq!(q.questions[1].scale, Scale::YesMaybeNo);
    assert_eq!(q.questions[1].weight, 2.0);

    let e = err(&with(
        "[[questions]]\nkey = \"Fun\"\nlabel_en = \"x\"\nquestion_en = \"y\"\n",
    ));
    assert_eq!(e.key(), Some("questions[0].key"));
    let e = err(&with("[[questions]]\nkey = \"fun\"\n"));
    assert!(e.to_string().contains("no wording"), "{e}");
    let e = err(&with(
        "[[questions]]\nkey = \"fun\"\nlabel_en = \"x\"\nquestion_en = \"y\"\nscale = \"5-1\"\n",
    ));
    assert_eq!(e.key(), Some("questions[0].scale"));
}

#[test]
fn digest_weights_for_an_unknown_question_name_it() {
    let e = err(&with("[digest]\nweights = { paymnet = 2.0 }\n"));
    assert_eq!(e.key(), Some("digest.weights.paymnet"));
    assert!(e.to_string().contains("payment"), "{e}");
    let c = parse(&with(
        "[digest]\nhalf_life_days = 30\nweights = { payment = 3.0 }\n",
    ))
    .unwrap();
    assert_eq!(c.digest.half_life_days, 30.0);
    let pay = c
        .questionnaire()
        .questions
        .iter()
        .find(|q| q.key == "payment")
        .unwrap();
    assert_eq!(pay.weight, 3.0);
}

#[test]
fn cron_needs_five_or_six_fields() {
    let e = err(&with("[schedule]\nprompt_cron = \"0 9 * *\"\n"));
    assert_eq!(e.key(), Some("schedule.prompt_cron"));
    let c = parse(&with("[schedule]\nprompt_cron = \"0 30 9 * * Mon\"\n")).unwrap();
    assert_eq!(c.schedule.prompt_cron.as_str(), "0 30 9 * * Mon");
}

/// The 1-based line of the first line of `text` that starts with `prefix`.
fn line_starting(text: &str, prefix: &str) -> usize {
    text.lines()
        .position(|l| l.starts_with(prefix))
        .unwrap_or_else(|| panic!("no line starts with {prefix:?} in:\n{text}"))
        + 1
}

/// One bad cron expression per kind of mistake, with what the error must say about it.
const BAD_CRONS: [(&str, &str); 9] = [
    ("61 9 * * 1", "minute 61 is out of range 0-59"),
    ("0 24 * * 1", "hour 24 is out of range 0-23"),
    ("0 9 0 * 1", "day-of-month 0 is out of range 1-31"),
    ("0 9 * 13 1", "month 13 is out of range 1-12"),
    ("0 9 * * 8", "day-of-week 8 is out of range 0-7"),
    ("0 9 * *", "it has 4 fields, expected 5 or 6"),
    ("0 0 0 9 * * 1", "it has 7 fields, expected 5 or 6"),
    ("every monday at nine", "it has 4 fields, expected 5 or 6"),
    ("nine am * * mon", "minute \"nine\" is not a number"),
];

#[test]
fn every_cron_key_is_parsed_at_load_and_a_bad_field_names_key_and_line() {
    for key in ["prompt_cron", "digest_cron"] {
        for (cron, what) in BAD_CRONS {
            let text = with(&format!(
                "[schedule]\nreminder_after_days = 2\n{key} = \"{cron}\"\n"
            ));
            let line = line_starting(&text, key);
            let e = err(&text);
            let full = format!("schedule.{key}");
            assert_eq!(e.key(), Some(full.as_str()), "{e}");
            assert_eq!(e.line(), Some(line), "{e}");
            let msg = e.to_string();
            assert!(
                msg.starts_with(&format!("config.toml line {line}: {full}: \"{cron}\"")),
                "{msg}"
            );
            assert!(msg.contains(what), "{cron:?}: {msg}");
        }
    }
    // A good one is kept parsed: the schedule holds the expression, not its text.
    let c = parse(&with(
        "[schedule]\nprompt_cron = \"*/15  8-18 * jan-jun mon#1\"\n",
    ))
    .unwrap();
    let monday = chrono::NaiveDate::from_ymd_opt(2026, 3, 2).unwrap();
    let tuesday = chrono::NaiveDate::from_ymd_opt(2026, 3, 3).unwrap();
    let second_monday = chrono::NaiveDate::from_ymd_opt(2026, 3, 9).unwrap();
    assert!(c.schedule.prompt_cron.matches_date(monday));
    assert!(!c.schedule.prompt_cron.matches_date(tuesday));
    assert!(!c.schedule.prompt_cron.matches_date(second_monday));
    assert_eq!(c.schedule.prompt_cron.as_str(), "*/15 8-18 * jan-jun mon#1");
}

#[test]
fn check_reports_a_bad_cron_with_its_key_line_and_reason() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let data = tmp.path().join("data");
    let text = format!(
        "data_dir = {data:?}\n{MINIMAL}\n[schedule]\nprompt_cron = \"0 9 * * 1\"\ndigest_cron = \"0 25 * * 1\"\n"
    );
    let line = line_starting(&text, "digest_cron");
    let path = tmp.path().join("config.toml");
    std::fs::write(&path, &text).expect("write config");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_olifant"))
        .env("NO_COLOR", "1")
        .env("HOME", tmp.path())
        .env_remove("OLIFANT_CONFIG")
        .env_remove("XDG_CONFIG_HOME")
        .env_remove("XDG_DATA_HOME")
        .env_remove("RUST_LOG")
        .stdin(std::process::Stdio::null())
        .args(["--config", path.to_str().expect("utf-8"), "check"])
        .output()
        .expect("run olifant check");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(3),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let failed = stdout
        .lines()
        .find(|l| l.starts_with("✗ config"))
        .unwrap_or_else(|| panic!("no ✗ config line:\n{stdout}"));
    for needle in [
        format!("line {line}"),
        "schedule.digest_cron".to_string(),
        "hour 25 is out of range 0-23".to_string(),
    ] {
        assert!(failed.contains(&needle), "{needle:?} missing in {failed}");
    }
    assert!(
        !data.exists(),
        "a data directory was created from a bad config"
    );
}

#[test]
fn raw_server_sections_hide_a_plain_password_and_hand_over_their_password_keys() {
    let text = "[smtp]\nhost = \"smtp.example.com\"\npassword = \"hunter2-smtp\"\n\
                [imap]\nhost = \"imap.example.com\"\npassword = \"hunter2-imap\"\npassword_env = \"IMAP_PW\"\n";
    let raw: config::raw::RawConfig = toml::from_str(text).unwrap();
    let debug = format!("{raw:?}");
    assert!(!debug.contains("hunter2"), "{debug}");
    for needle in ["RawSmtp", "RawImap", "<redacted>", "smtp.example.com"] {
        assert!(debug.contains(needle), "{needle:?} missing in {debug}");
    }
    let smtp = raw.smtp.expect("[smtp]").password_fields();
    assert_eq!(smtp.password.as_deref(), Some("hunter2-smtp"));
    assert_eq!(smtp.password_env, None);
    let imap = raw.imap.expect("[imap]").password_fields();
    assert_eq!(imap.password.as_deref(), Some("hunter2-imap"));
    assert_eq!(imap.password_env.as_deref(), Some("IMAP_PW"));
    assert_eq!(imap.password_command, None);
}

#[test]
fn bot_address_must_differ_from_the_owner() {
    let e = err(&MINIMAL.replace("olifant@example.com", "ME@example.com"));
    assert_eq!(e.key(), Some("bot.address"));
}

#[test]
fn send_kind_smtp_without_section_is_an_error() {
    let e = err(&with("[send]\nkind = \"smtp\"\n"));
    assert_eq!(e.key(), Some("send.kind"));
    let e = err(&with("[send]\nkind = \"pigeon\"\n"));
    assert!(e.to_string().contains("smtp, file, sendmail"), "{e}");
}

#[test]
fn example_local_runs_without_a_mail_server() {
    let dir = Path::new("/tmp/olifant-demo");
    let c = Config::example_local(dir).unwrap();
    assert_eq!(c.owner.name, "Demo Owner");
    assert_eq!(c.owner.addresses, vec!["owner@example.test".to_string()]);
    assert_eq!(c.bot.address, "olifant@example.test");
    assert_eq!(c.owner.timezone, chrono_tz::Europe::Amsterdam);
    assert_eq!(
        c.send,
        SendConfig::File {
            dir: dir.join("outbox")
        }
    );
    assert_eq!(
        c.receive,
        ReceiveConfig::Maildir {
            path: dir.join("inbox")
        }
    );
    assert_eq!(c.data_dir, dir);
}

#[test]
fn a_password_of_the_wrong_type_is_not_echoed() {
    let e = err(&with(
        "[imap]\nhost = \"imap.example.com\"\nusername = \"u\"\npassword = 98765432\n",
    ));
    assert_eq!(e.key(), Some("imap.password"));
    assert!(!e.to_string().contains("98765432"), "{e}");
}

#[test]
fn first_prompt_is_next_run_or_after_cadence_and_anything_else_names_the_key() {
    let c = parse(&with("[schedule]\nfirst_prompt = \"after_cadence\"\n")).expect("valid");
    assert_eq!(
        c.schedule.first_prompt,
        olifant::schedule::FirstPrompt::AfterCadence
    );
    let e = err(&with("[schedule]\nfirst_prompt = \"tomorrow\"\n"));
    assert_eq!(e.key(), Some("schedule.first_prompt"));
    let msg = e.to_string();
    assert!(
        msg.contains("\"tomorrow\"") && msg.contains("next_run"),
        "{msg}"
    );
}
