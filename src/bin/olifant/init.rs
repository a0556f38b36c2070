//! `olifant init`: write a first config, then check it.

use std::io::IsTerminal;
use std::process::ExitCode;

use anyhow::Result;

use crate::check::check_and_print;
use crate::cli::{Cli, InitArgs};
use crate::open::config_path;
use olifant::admin::init::{run_init, InitOptions, TerminalPrompter};
use olifant::config;
use olifant::model::Lang;

/// Writes the config from the flags (asking for what is missing on a terminal), then runs
/// `olifant check` on it unless `--no-check`: exit code 3 when a step fails.
pub async fn init(cli: &Cli, args: &InitArgs) -> Result<ExitCode> {
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
        out,
        non_interactive: args.non_interactive || !std::io::stdin().is_terminal(),
    };
    let mut prompter = TerminalPrompter::stdio();
    let outcome = run_init(options, &mut prompter)?;
    println!("wrote {} (mode 0600)", outcome.path.display());
    if args.no_check {
        return Ok(ExitCode::SUCCESS);
    }
    let config = config::load(&outcome.path)?;
    Ok(check_and_print(&outcome.path, &config).await)
}
