//! The `olifant` binary: parse the command line, set up logging, call the library, print.
#![forbid(unsafe_code)]

mod cli;

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context, Result};
use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use clap::{CommandFactory, Parser};

use cli::{Cli, ClientsCommand, Command, DigestArgs, ExportFormat, LogFormat, PromptCommand};
use olifant::app::{App, AppError};
use olifant::clock;
use olifant::config::{self, Config};
use olifant::model::Lang;
use olifant::store::StoreError;

fn main() -> ExitCode {
    quiet_broken_pipe();
    let cli = Cli::parse();
    init_logging(cli.log_format, matches!(cli.command, Command::Run));
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("olifant: cannot start the async runtime: {e}");
            return ExitCode::from(1);
        }
    };
    match runtime.block_on(dispatch(cli)) {
        Ok(code) => code,
        Err(e) => {
            let locked = e.chain().any(|c| {
                matches!(
                    c.downcast_ref::<StoreError>(),
                    Some(StoreError::Locked { .. })
                )
            }) || e.chain().any(|c| {
                matches!(
                    c.downcast_ref::<AppError>(),
                    Some(AppError::Store(StoreError::Locked { .. }))
                )
            });
            eprintln!("olifant: {e:#}");
            ExitCode::from(if locked { 4 } else { 1 })
        }
    }
}

/// `olifant … | head` closes stdout early: exit quietly like other Unix tools (status 141)
/// instead of printing a panic.
fn quiet_broken_pipe() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let msg = info
            .payload()
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| info.payload().downcast_ref::<&str>().copied())
            .unwrap_or("");
        if msg.contains("failed printing to stdout") && msg.contains("Broken pipe") {
            std::process::exit(141);
        }
        default(info);
    }));
}

fn init_logging(format: LogFormat, daemon: bool) {
    // The daemon logs olifant's own progress; the scheduler crate's start-up chatter stays out.
    let default = if daemon { "warn,olifant=info" } else { "warn" };
    // RUST_LOG filtering, with the directives that keep secrets out even at trace level.
    let filter = olifant::logging::env_filter(std::env::var("RUST_LOG").ok().as_deref(), default);
    // Colour codes only on a terminal: a log file or journald gets plain text.
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none())
        .with_writer(std::io::stderr);
    let _ = match format {
        LogFormat::Human => builder.try_init(),
        LogFormat::Json => builder.json().try_init(),
    };
}

fn config_path(cli: &Cli) -> Result<PathBuf> {
    let env = |k: &str| std::env::var(k).ok();
    Ok(config::locate(cli.config.as_deref(), &env)?)
}

fn load_config(cli: &Cli) -> Result<(PathBuf, Config)> {
    let path = config_path(cli)?;
    if !path.exists() {
        bail!(
            "no config at {}: run `olifant init` to create one, or `olifant demo` to try olifant without a mail server",
            path.display()
        );
    }
    let config = config::load(&path)?;
    for w in &config.warnings {
        tracing::warn!("{w}");
    }
    Ok((path, config))
}

fn open_app(cli: &Cli) -> Result<App> {
    let (path, config) = load_config(cli)?;
    config::check_permissions(&path, &config)?;
    Ok(App::open(config, clock::now())?)
}

fn parse_date(s: &str, what: &str) -> Result<NaiveDate> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
        .with_context(|| format!("{what} must be a date like 2026-11-02, not {s:?}"))
}

/// The end of a local date in the owner's time zone.
fn end_of_day(app: &App, d: NaiveDate) -> DateTime<Utc> {
    let tz = app.config.owner.timezone;
    d.and_hms_opt(23, 59, 59)
        .and_then(|t| tz.from_local_datetime(&t).latest())
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_else(clock::now)
}

async fn dispatch(cli: Cli) -> Result<ExitCode> {
    let ok = ExitCode::SUCCESS;
    match &cli.command {
        Command::Run => {
            let app = open_app(&cli)?;
            let options = olifant::daemon::DaemonOptions {
                tick_seconds: std::env::var("OLIFANT_TICK_SECONDS")
                    .ok()
                    .and_then(|v| v.parse().ok())
                    .unwrap_or(60),
                ..Default::default()
            };
            olifant::daemon::run(app, options, olifant::daemon::signals()).await?;
        }
        Command::Demo { dir, lang } => {
            let dir = match dir {
                Some(d) => {
                    // A second demo in the same directory mixes two simulated histories
                    // (new tokens, old store): refuse instead of printing wrong numbers.
                    let used = std::fs::read_dir(d).map(|mut e| e.next().is_some());
                    if matches!(used, Ok(true)) {
                        bail!(
                            "{} is not empty: the demo needs a new or empty directory (remove it, or give another --dir)",
                            d.display()
                        );
                    }
                    d.clone()
                }
                None => tempfile::Builder::new()
                    .prefix("olifant-demo-")
                    .tempdir()
                    .context("cannot create a temporary directory")?
                    .keep(),
            };
            let lang: Lang = (*lang).into();
            let o = olifant::admin::demo::run_demo(&dir, lang, clock::now()).await?;
            let mut out = std::io::stdout().lock();
            writeln!(out, "olifant demo: working in {}", o.dir.display())?;
            writeln!(
                out,
                "  {} weekly runs: {} prompts and {} reminder(s) to the local outbox; {} replies, an out-of-office and a bounce in the local inbox",
                o.runs, o.prompts, o.reminders, o.replies
            )?;
            writeln!(
                out,
                "  ingested through the real pipeline: {} replies stored, {} automatic reply ignored, {} bounce recorded\n",
                o.stored, o.auto_replies, o.bounces
            )?;
            writeln!(out, "{}", o.digest_text)?;
            writeln!(out, "HTML digest:  {}", o.html_path.display())?;
            writeln!(
                out,
                "Mail files:   {}/outbox/new (sent), {}/inbox (received)",
                o.dir.display(),
                o.dir.display()
            )?;
            writeln!(
                out,
                "Look around:  olifant --config {} status | digest --preview | explain \"Bakkerij Jansen\"",
                o.config_path.display()
            )?;
        }
        Command::Init(args) => return init(&cli, args).await,
        Command::Check => {
            // An invalid config is a failed check like any other: ✗ and exit code 3.
            let (path, config) = match load_config(&cli) {
                Ok(c) => c,
                Err(e) => {
                    println!("✗ config: {e:#}");
                    println!(
                        "  try: fix the line named above (config.example.toml documents every key)"
                    );
                    return Ok(ExitCode::from(3));
                }
            };
            let steps = olifant::admin::check::check(&path, &config).await;
            let mut failed = false;
            for s in &steps {
                if s.ok {
                    println!("✓ {}: {}", s.name, s.detail);
                } else {
                    failed = true;
                    println!("✗ {}: {}", s.name, s.detail);
                    if let Some(h) = &s.hint {
                        println!("  try: {h}");
                    }
                }
            }
            if failed {
                return Ok(ExitCode::from(3));
            }
        }
        Command::Status => {
            let app = open_app(&cli)?;
            print_status(&olifant::admin::status::status(&app, clock::now())?);
        }
        Command::SendPrompts { dry_run } => {
            let app = open_app(&cli)?;
            let now = clock::now();
            if *dry_run {
                let plan = olifant::prompt::run::plan_prompts(&app, now)?;
                println!(
                    "{}",
                    serde_json::to_string_pretty(&plan_json(&app, &plan)?)?
                );
            } else {
                let report = olifant::prompt::run::run_prompts(&app, now, &clock::now).await?;
                println!("{}", serde_json::to_string_pretty(&report)?);
            }
        }
        Command::Prompt(PromptCommand::Preview { client, lang }) => {
            let app = open_app(&cli)?;
            let c = olifant::clients::find_client(&app, client)?;
            let mail = preview(&app, &c, lang.map(Into::into))?;
            println!(
                "Subject: {}\nReply-To: {}\n\n{}",
                mail.subject, mail.reply_to, mail.text
            );
        }
        Command::Pause { until, span } => {
            let app = open_app(&cli)?;
            let cmd = match (until, span) {
                (Some(d), _) => {
                    olifant::parse::command::Command::PauseUntil(parse_date(d, "--until")?)
                }
                (None, Some(s)) => {
                    match olifant::parse::command::parse_command(&format!("pause {s}")) {
                        Some(c @ olifant::parse::command::Command::Pause { .. }) => c,
                        _ => bail!("{s:?} is not a span: use e.g. 10d, 2w or 1m"),
                    }
                }
                (None, None) => olifant::parse::command::Command::Pause { span: None },
            };
            println!(
                "{}",
                olifant::ingest::commands::apply_command(&app, &cmd, clock::now())?
            );
            app.store.flush()?;
        }
        Command::Resume => {
            let app = open_app(&cli)?;
            println!(
                "{}",
                olifant::ingest::commands::apply_command(
                    &app,
                    &olifant::parse::command::Command::Resume,
                    clock::now()
                )?
            );
            app.store.flush()?;
        }
        Command::Parse { file, json } => {
            let raw =
                std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
            parse_file(&cli, &raw, *json)?;
        }
        Command::Reparse => {
            let app = open_app(&cli)?;
            let n = olifant::admin::rebuild::reparse(&app, clock::now())?;
            println!("reparsed {n} stored replies");
        }
        Command::Reingest => {
            let app = open_app(&cli)?;
            let r = olifant::admin::rebuild::reingest(&app, &clock::now).await?;
            println!("{}", serde_json::to_string_pretty(&r)?);
        }
        Command::Digest(args) => digest(&cli, args).await?,
        Command::Explain { client, as_of } => {
            let app = open_app(&cli)?;
            let c = olifant::clients::find_client(&app, client)?;
            let now = match as_of {
                Some(d) => end_of_day(&app, parse_date(d, "--as-of")?),
                None => clock::now(),
            };
            println!(
                "{}",
                olifant::ingest::commands::explain_text(&app, &c, now, None)?
            );
        }
        Command::Clients(cmd) => clients(&cli, cmd)?,
        Command::Export { format, out } => {
            let app = open_app(&cli)?;
            let text = match format {
                ExportFormat::Json => olifant::admin::export::export_json_string(&app)?,
                ExportFormat::Csv => olifant::admin::export::export_csv(&app)?,
            };
            match out {
                Some(p) => std::fs::write(p, text)
                    .with_context(|| format!("cannot write {}", p.display()))?,
                None => print!("{text}"),
            }
        }
        Command::Import { file } => {
            let app = open_app(&cli)?;
            let text = std::fs::read_to_string(file)
                .with_context(|| format!("cannot read {}", file.display()))?;
            let s = olifant::admin::export::import_json(&app, &text)?;
            app.store.flush()?;
            println!(
                "imported {} clients, {} prompts and {} reflections",
                s.clients, s.prompts, s.reflections
            );
        }
        Command::Completions { shell } => {
            clap_complete::generate(
                *shell,
                &mut Cli::command(),
                "olifant",
                &mut std::io::stdout(),
            );
        }
        Command::Manpage => {
            clap_mangen::Man::new(Cli::command()).render(&mut std::io::stdout())?;
        }
    }
    Ok(ok)
}

fn preview(
    app: &App,
    c: &olifant::model::Client,
    lang: Option<Lang>,
) -> Result<olifant::prompt::compose::PromptMail> {
    let history = app.store.reflections_for(&c.key())?;
    let addressing = app.addressing();
    let input = olifant::prompt::compose::PromptInput {
        client: c,
        questionnaire: app.config.questionnaire(),
        lang: lang.unwrap_or(app.config.owner.language),
        history: &history,
        addressing: &addressing,
        now: clock::now(),
        tz: app.config.owner.timezone,
    };
    Ok(olifant::prompt::compose::preview(&app.templates, &input)?)
}

fn plan_json(app: &App, plan: &olifant::schedule::PromptPlan) -> Result<serde_json::Value> {
    let names = |ids: &[olifant::model::PromptId]| -> Result<Vec<String>> {
        let mut v = Vec::new();
        for id in ids {
            if let Some(p) = app.store.prompt(*id)? {
                v.push(p.client_name);
            }
        }
        Ok(v)
    };
    // Client names as the owner wrote them, not the lowercased keys.
    let mut would_send = Vec::new();
    for k in &plan.to_send {
        would_send.push(match app.store.client(k)? {
            Some(c) => c.name,
            None => k.to_string(),
        });
    }
    Ok(serde_json::json!({
        "dry_run": true,
        "occurrence": plan.occurrence,
        "would_send": would_send,
        "would_remind": names(&plan.reminders)?,
        "would_expire": names(&plan.expire)?,
        "skipped": plan.skipped,
    }))
}

fn parse_file(cli: &Cli, raw: &[u8], json: bool) -> Result<()> {
    // The configured questionnaire and addresses when there is a config; the defaults otherwise.
    // A config that exists but is wrong is an error, not a silent fall-back to the defaults.
    let exists = config_path(cli).map(|p| p.exists()).unwrap_or(false);
    let (config, key) = match load_config(cli) {
        Err(e) if exists || cli.config.is_some() => return Err(e),
        Ok((_, c)) => {
            let key = std::fs::read(c.data_dir.join("secret.key"))
                .ok()
                .and_then(|b| olifant::prompt::token::TokenKey::from_bytes(&b));
            (c, key)
        }
        Err(_) => (Config::example_local(Path::new("."))?, None),
    };
    let ctx = olifant::parse::ParseContext {
        vocabulary: config.vocabulary(),
        owner_addresses: &config.owner.addresses,
        bot_address: &config.bot.address,
        plus_separator: config.bot.plus_separator,
        key: key.as_ref(),
        trusted_authserv_id: config.ingest.trusted_authserv_id.as_deref(),
        default_lang: config.owner.language,
    };
    let reading = olifant::parse::read_message(raw, &ctx)?;
    if json {
        println!("{}", serde_json::to_string(&reading.parsed)?);
    } else {
        let p = &reading.parsed;
        println!("kind:     {:?}", p.kind);
        if let Err(r) = &reading.genuine {
            println!("genuine:  no ({r})");
        }
        println!("token:    {}", p.prompt_token.as_deref().unwrap_or("-"));
        println!(
            "language: {}",
            p.language.map_or("-".into(), |l| l.to_string())
        );
        for (k, a) in &p.answers {
            println!(
                "  {k:<12} {:>4}  {}",
                a.rating.map_or("-".into(), |r| r.to_string()),
                a.comment.as_deref().unwrap_or("")
            );
        }
        if !p.notes.is_empty() {
            println!("notes:\n{}", p.notes);
        }
        for pr in &p.problems {
            println!("problem:  {pr}");
        }
    }
    Ok(())
}

async fn digest(cli: &Cli, args: &DigestArgs) -> Result<()> {
    let app = open_app(cli)?;
    let now = clock::now();
    let as_of = match &args.as_of {
        Some(d) => Some(end_of_day(&app, parse_date(d, "--as-of")?)),
        None => None,
    };
    let lang = args.lang.map(Into::into);
    let d = olifant::digest::run::build_digest(&app, now, as_of, lang)?;
    let nothing = !args.json && args.html.is_none() && !args.send;
    if args.preview || nothing {
        let color = std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
        println!("{}", olifant::digest::render_terminal(&d, d.lang, color));
    }
    if args.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&olifant::digest::to_json(&d))?
        );
    }
    if let Some(dir) = &args.html {
        let rendered = olifant::digest::run::render_digest(&app, &d)?;
        let index = dir.join("index.html");
        olifant::admin::demo::write_html(&index, &rendered)?;
        eprintln!("wrote {}", index.display());
    }
    if args.send {
        match olifant::digest::run::send_digest(&app, now, now, &clock::now).await? {
            Some(state) => eprintln!("digest: {}", olifant::send::outbox::describe_state(&state)),
            None => eprintln!("digest: already sent for this moment"),
        }
    }
    Ok(())
}

async fn init(cli: &Cli, args: &cli::InitArgs) -> Result<ExitCode> {
    use olifant::admin::init::{run_init, InitOptions, TerminalPrompter};
    let out = match &args.out {
        Some(p) => p.clone(),
        None => config_path(cli)?,
    };
    let options = InitOptions {
        name: args.name.clone(),
        emails: args.emails.clone(),
        lang: args.lang.map(|l| Lang::from(l).code().to_string()),
        timezone: args.timezone.clone(),
        provider: args.provider.clone(),
        username: args.username.clone(),
        password_command: args.password_command.clone(),
        bot_address: args.bot_address.clone(),
        prompts_at: args.prompts_at.clone(),
        digest_at: args.digest_at.clone(),
        imap_host: args.imap_host.clone(),
        imap_port: args.imap_port,
        smtp_host: args.smtp_host.clone(),
        smtp_port: args.smtp_port,
        force: args.force,
        out: out.clone(),
        non_interactive: args.non_interactive || !std::io::stdin().is_terminal(),
    };
    let mut prompter = TerminalPrompter::stdio();
    let outcome = run_init(options, &mut prompter)?;
    println!("wrote {} (mode 0600)", outcome.path.display());
    if args.no_check {
        return Ok(ExitCode::SUCCESS);
    }
    let config = config::load(&outcome.path)?;
    let steps = olifant::admin::check::check(&outcome.path, &config).await;
    let mut failed = false;
    for s in &steps {
        println!("{} {}: {}", if s.ok { "✓" } else { "✗" }, s.name, s.detail);
        if let (false, Some(h)) = (s.ok, &s.hint) {
            println!("  try: {h}");
        }
        failed |= !s.ok;
    }
    Ok(if failed {
        ExitCode::from(3)
    } else {
        ExitCode::SUCCESS
    })
}

fn clients(cli: &Cli, cmd: &ClientsCommand) -> Result<()> {
    let app = open_app(cli)?;
    let now = clock::now();
    let today = now.with_timezone(&app.config.owner.timezone).date_naive();
    match cmd {
        ClientsCommand::List => {
            for r in olifant::clients::clients_list(&app, now)? {
                println!(
                    "{:<32} {:<14} {:<22} {:>3} reflections{}",
                    r.name,
                    r.cadence,
                    r.status,
                    r.reflections,
                    if r.declared_in_config {
                        "  (config)"
                    } else {
                        ""
                    }
                );
            }
        }
        ClientsCommand::Add(a) => {
            olifant::clients::client_add(
                &app,
                &a.name,
                a.cadence.as_deref(),
                a.revenue,
                &a.tags,
                now,
            )?;
            println!("added {}", a.name);
        }
        ClientsCommand::Edit(a) => {
            olifant::clients::client_edit(
                &app,
                &a.name,
                a.cadence.as_deref(),
                a.revenue,
                (!a.tags.is_empty()).then_some(a.tags.as_slice()),
            )?;
            println!("updated {}", a.name);
        }
        ClientsCommand::Pause { name, until } => {
            let until = until
                .as_deref()
                .map(|d| parse_date(d, "--until"))
                .transpose()?;
            olifant::clients::client_pause(&app, name, until)?;
            println!("paused {name}");
        }
        ClientsCommand::Snooze { name, span } => {
            olifant::clients::client_snooze(&app, name, span, today)?;
            println!("snoozed {name}");
        }
        ClientsCommand::Resume { name } => {
            olifant::clients::client_resume(&app, name)?;
            println!("resumed {name}");
        }
        ClientsCommand::Archive { name } => {
            olifant::clients::client_archive(&app, name, now)?;
            println!("let go of {name}; the history stays");
        }
        ClientsCommand::Import { file, skip_bad } => {
            let text = std::fs::read_to_string(file)
                .with_context(|| format!("cannot read {}", file.display()))?;
            let bar = indicatif::ProgressBar::new(0);
            if !std::io::stderr().is_terminal() {
                bar.set_draw_target(indicatif::ProgressDrawTarget::hidden());
            }
            let progress = |done: usize, total: usize| {
                bar.set_length(total as u64);
                bar.set_position(done as u64);
            };
            let report = olifant::admin::clients_csv::import_clients_csv(
                &app, &text, *skip_bad, &progress, now,
            )?;
            bar.finish_and_clear();
            println!("imported {} clients", report.imported);
            for (line, reason) in &report.skipped {
                println!("  line {line}: {reason}");
            }
        }
    }
    Ok(())
}

fn print_status(s: &olifant::admin::status::Status) {
    let t = |d: Option<DateTime<Utc>>| {
        d.map_or("never".to_string(), |d| {
            d.with_timezone(&s.timezone)
                .format("%Y-%m-%d %H:%M %Z")
                .to_string()
        })
    };
    println!("data dir:          {}", s.data_dir);
    println!("next prompt run:   {}", t(s.next_prompt_run));
    println!("next digest run:   {}", t(s.next_digest_run));
    if let Some(p) = s.paused_until {
        println!("paused until:      {p}");
    }
    println!(
        "clients:           {} active, {} paused, {} let go",
        s.clients.0, s.clients.1, s.clients.2
    );
    println!("last IMAP contact: {}", t(s.last_imap_ok));
    println!("last SMTP send:    {}", t(s.last_smtp_ok));
    println!("unanswered prompts: {}", s.unanswered.len());
    for (c, at) in &s.unanswered {
        println!("  {c} (sent {})", t(Some(*at)));
    }
    println!("send problems:     {}", s.send_problems.len());
    for (what, state) in &s.send_problems {
        println!("  {what}: {state}");
    }
    println!("quarantined:       {}", s.quarantined.len());
    for (origin, reason) in &s.quarantined {
        println!("  {origin}: {reason}");
    }
}
