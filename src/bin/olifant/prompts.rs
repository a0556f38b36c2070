//! The prompt commands: `send-prompts`, `prompt preview`, `pause` and `resume`.

use anyhow::{bail, Result};

use crate::cli::{Cli, PromptCommand};
use crate::dates::parse_date;
use crate::open::open_app;
use olifant::app::App;
use olifant::clock;
use olifant::model::{Client, Lang, PromptId};
use olifant::parse::command::{parse_command, Command as MailCommand};
use olifant::prompt::compose::{PromptInput, PromptMail};
use olifant::schedule::PromptPlan;

/// Runs one prompt pass now and prints its report as JSON; `--dry-run` prints the plan and
/// sends nothing.
pub async fn send_prompts(cli: &Cli, dry_run: bool) -> Result<()> {
    let app = open_app(cli)?;
    let now = clock::now();
    if dry_run {
        let plan = olifant::prompt::run::plan_prompts(&app, now)?;
        let mut json = plan_json(&app, &plan)?;
        json["clients"] = outlook_json(&app, now)?;
        println!("{}", serde_json::to_string_pretty(&json)?);
    } else {
        let report = olifant::prompt::run::run_prompts(&app, now, &clock::now).await?;
        println!("{}", serde_json::to_string_pretty(&report)?);
    }
    Ok(())
}

/// `olifant prompt preview`: prints the prompt a client would get now.
pub fn prompt(cli: &Cli, cmd: &PromptCommand) -> Result<()> {
    let PromptCommand::Preview { client, lang } = cmd;
    let app = open_app(cli)?;
    let c = olifant::clients::find_client(&app, client)?;
    let mail = preview(&app, &c, lang.map(Into::into))?;
    println!(
        "Subject: {}\nReply-To: {}\n\n{}",
        mail.subject, mail.reply_to, mail.text
    );
    Ok(())
}

/// Pauses all prompts until a date, for a span, or until resumed, as the mail command would.
pub fn pause(cli: &Cli, until: Option<&str>, span: Option<&str>) -> Result<()> {
    let app = open_app(cli)?;
    let cmd = match (until, span) {
        (Some(d), _) => MailCommand::PauseUntil(parse_date(d, "--until")?),
        (None, Some(s)) => match parse_command(&format!("pause {s}")) {
            Some(c @ MailCommand::Pause { .. }) => c,
            _ => bail!("{s:?} is not a span: use e.g. 10d, 2w or 1m"),
        },
        (None, None) => MailCommand::Pause { span: None },
    };
    apply(&app, &cmd)
}

/// Resumes prompts after `olifant pause`.
pub fn resume(cli: &Cli) -> Result<()> {
    apply(&open_app(cli)?, &MailCommand::Resume)
}

/// Carries out `cmd` as if it had come by mail, prints the receipt and flushes the store.
fn apply(app: &App, cmd: &MailCommand) -> Result<()> {
    println!(
        "{}",
        olifant::ingest::commands::apply_command(app, cmd, clock::now())?
    );
    app.store.flush()?;
    Ok(())
}

/// The prompt `c` would get now, in `lang` (default: the owner's).
fn preview(app: &App, c: &Client, lang: Option<Lang>) -> Result<PromptMail> {
    let history = app.store.reflections_for(&c.key())?;
    let addressing = app.addressing();
    let input = PromptInput {
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

/// Every client not let go: when its next prompt goes out and why, in words and as data.
fn outlook_json(app: &App, now: chrono::DateTime<chrono::Utc>) -> Result<serde_json::Value> {
    let input = olifant::prompt::run::plan_input(app)?;
    let tz = app.config.owner.timezone;
    let cap = app.config.schedule.max_prompts_per_run;
    let mut rows = Vec::new();
    for (key, o) in olifant::schedule::outlook(&input, now) {
        let name = app.store.client(&key)?.map_or(key.to_string(), |c| c.name);
        rows.push(serde_json::json!({
            "name": name,
            "next_prompt": olifant::admin::status::describe_outlook(&o, tz, cap),
            "outlook": o,
        }));
    }
    Ok(serde_json::Value::Array(rows))
}

/// The dry-run plan as JSON, with client names as the owner wrote them.
fn plan_json(app: &App, plan: &PromptPlan) -> Result<serde_json::Value> {
    let names = |ids: &[PromptId]| -> Result<Vec<String>> {
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
