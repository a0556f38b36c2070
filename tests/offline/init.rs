//! `olifant init` output against the real config module.
//!
//! MERGE NOTE (for the lead): this file needs `olifant::config::parse_str` from the
//! config-store branch; it does not compile on branch `init` alone. The unit tests in
//! src/app/init.rs cover everything else.

use olifant::admin::init::{
    render_config, run_init, InitAnswers, InitOptions, Prompter, Provider, TlsMode,
    DEFAULT_PASSWORD_COMMAND, PASSWORD_ENV,
};
use olifant::config::{parse_str, ReceiveConfig, ReplyStyle, SecretSource, Security, SendConfig};
use olifant::model::Lang;

struct NoQuestions;

impl Prompter for NoQuestions {
    fn ask(&mut self, question: &str, _default: Option<&str>) -> std::io::Result<String> {
        Err(std::io::Error::other(format!(
            "unexpected question: {question}"
        )))
    }
}

fn answers(provider: Provider, password_command: Option<&str>) -> InitAnswers {
    InitAnswers {
        owner_name: "Sanne \"de\" Vries".into(),
        addresses: vec!["sanne@gmail.com".into(), "sanne@devries.example".into()],
        language: Lang::Nl,
        timezone: "Europe/Amsterdam".into(),
        provider,
        username: "sanne@gmail.com".into(),
        password_command: password_command.map(str::to_string),
        bot_address: "sanne+olifant@gmail.com".into(),
        prompts_at: "eerste maandag van de maand 8:00".into(),
        digest_at: Some("weekdays 17:30".into()),
    }
}

#[test]
fn init_output_parses_with_the_config_module_for_every_provider() {
    let generic = Provider::Generic {
        imap_host: "imap.devries.example".into(),
        imap_port: 143,
        imap_security: TlsMode::StartTls,
        smtp_host: "smtp.devries.example".into(),
        smtp_port: 587,
        smtp_security: TlsMode::StartTls,
        plus_separator: None,
    };
    let cases = [
        answers(Provider::Gmail, Some(DEFAULT_PASSWORD_COMMAND)),
        answers(Provider::Outlook, None),
        answers(Provider::Fastmail, Some("pass show fastmail")),
        answers(generic, None),
    ];
    for a in &cases {
        let text = render_config(a);
        let config =
            parse_str(&text, "init").unwrap_or_else(|e| panic!("{:?}: {e}\n{text}", a.provider));
        let preset = a.provider.preset();
        assert!(!config.has_plain_password());
        assert_eq!(config.owner.name, "Sanne \"de\" Vries");
        assert_eq!(config.owner.addresses, a.addresses);
        assert_eq!(config.owner.language, Lang::Nl);
        assert_eq!(config.owner.timezone, chrono_tz::Europe::Amsterdam);
        assert_eq!(config.bot.address, "sanne+olifant@gmail.com");
        let style = match preset.plus_separator {
            Some(_) => ReplyStyle::Plus,
            None => ReplyStyle::Plain,
        };
        assert_eq!(config.bot.reply_style, style);
        assert_eq!(config.schedule.prompt_cron.as_str(), "0 8 1-7 * 1");
        assert_eq!(config.schedule.digest_cron.as_str(), "30 17 * * 1-5");
        assert!(config.clients.is_empty());
        let SendConfig::Smtp(smtp) = &config.send else {
            panic!("[smtp] not used for sending: {:?}", config.send)
        };
        assert_eq!(smtp.host, preset.smtp_host);
        assert_eq!(smtp.port, preset.smtp_port);
        let sec = match preset.smtp_security {
            TlsMode::Tls => Security::Tls,
            TlsMode::StartTls => Security::StartTls,
        };
        assert_eq!(smtp.security, sec);
        let ReceiveConfig::Imap(imap) = &config.receive else {
            panic!("[imap] not used for receiving: {:?}", config.receive)
        };
        assert_eq!(imap.host, preset.imap_host);
        assert_eq!(imap.port, preset.imap_port);
        assert_eq!(imap.credentials.username, "sanne@gmail.com");
        match (&a.password_command, &imap.credentials.password) {
            (Some(cmd), SecretSource::Command { command, .. }) => assert_eq!(command, cmd),
            (None, SecretSource::Env { var, .. }) => assert_eq!(var, PASSWORD_ENV),
            (want, got) => panic!("password source {got:?}, expected from {want:?}"),
        }
    }
}

#[test]
fn non_interactive_init_file_passes_config_load() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("olifant/config.toml");
    let opts = InitOptions {
        emails: vec!["sanne@fastmail.com".into()],
        timezone: Some("Europe/Amsterdam".into()),
        prompts_at: Some("elke vrijdag 16:30".into()),
        password_command: Some(DEFAULT_PASSWORD_COMMAND.into()),
        out: out.clone(),
        non_interactive: true,
        ..InitOptions::default()
    };
    let outcome = run_init(opts, &mut NoQuestions).unwrap();
    let config = olifant::config::load(&outcome.path).unwrap();
    olifant::config::check_permissions(&outcome.path, &config).unwrap();
    assert_eq!(config.schedule.prompt_cron.as_str(), "30 16 * * 5");
    assert_eq!(config.owner.language, Lang::Nl);
    assert_eq!(config.bot.address, "sanne+olifant@fastmail.com");
}

#[test]
fn awkward_strings_round_trip_through_the_written_config() {
    let name = "Sanne \"de\" V\\ries\nline two\ttab \u{7} ☃ Åse 🐘 '''\"\"\"";
    let command = "pass show 'mail/o\"lifant' \\\n --clip";
    let username = "sännе\\\"x\"@example.com";
    let a = InitAnswers {
        owner_name: name.into(),
        username: username.into(),
        ..answers(Provider::Fastmail, Some(command))
    };
    let text = render_config(&a);
    let config = parse_str(&text, "init").unwrap_or_else(|e| panic!("{e}\n{text}"));
    assert_eq!(config.owner.name, name);
    let ReceiveConfig::Imap(imap) = &config.receive else {
        panic!("[imap] not used for receiving: {:?}", config.receive)
    };
    assert_eq!(imap.credentials.username, username);
    match &imap.credentials.password {
        SecretSource::Command { command: c, .. } => assert_eq!(c, command),
        other => panic!("password source {other:?}, expected the command"),
    }
}
