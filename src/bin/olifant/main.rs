//! The `olifant` binary: parse the command line, set up logging, run one command, and map its
//! error to an exit code. Each command family lives in its own file beside this one; the
//! work itself is in the library (`olifant::admin`, `olifant::prompt::run`, …).
#![forbid(unsafe_code)]

mod check;
mod cli;
mod clients;
mod data;
mod dates;
mod demo;
mod digest;
mod init;
mod open;
mod parse;
mod prompts;
mod run;
mod setup;
mod status;

use std::process::ExitCode;

use anyhow::Result;
use clap::Parser;

use cli::{Cli, Command};
use olifant::app::AppError;
use olifant::store::StoreError;

fn main() -> ExitCode {
    setup::quiet_broken_pipe();
    let cli = Cli::parse();
    setup::init_logging(cli.log_format, matches!(cli.command, Command::Run));
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
            eprintln!("olifant: {e:#}");
            ExitCode::from(if is_locked(&e) { 4 } else { 1 })
        }
    }
}

/// Whether the command failed because another olifant holds the data directory (exit code 4).
fn is_locked(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        matches!(
            c.downcast_ref::<StoreError>(),
            Some(StoreError::Locked { .. })
        ) || matches!(
            c.downcast_ref::<AppError>(),
            Some(AppError::Store(StoreError::Locked { .. }))
        )
    })
}

/// Runs the one command asked for. Usage errors (exit code 2) never get here: clap exits first.
async fn dispatch(cli: Cli) -> Result<ExitCode> {
    let cli = &cli;
    match &cli.command {
        Command::Run => run::run(cli).await?,
        Command::Demo { dir, lang } => demo::demo(dir.as_deref(), *lang).await?,
        Command::Init(args) => return init::init(cli, args).await,
        Command::Check => return check::check(cli).await,
        Command::Status => status::status(cli)?,
        Command::SendPrompts { dry_run } => prompts::send_prompts(cli, *dry_run).await?,
        Command::Prompt(cmd) => prompts::prompt(cli, cmd)?,
        Command::Pause { until, span } => prompts::pause(cli, until.as_deref(), span.as_deref())?,
        Command::Resume => prompts::resume(cli)?,
        Command::Parse { file, json } => parse::parse(cli, file, *json)?,
        Command::Reparse => data::reparse(cli)?,
        Command::Reingest => data::reingest(cli).await?,
        Command::Digest(args) => digest::digest(cli, args).await?,
        Command::Explain { client, as_of } => digest::explain(cli, client, as_of.as_deref())?,
        Command::Clients(cmd) => clients::clients(cli, cmd)?,
        Command::Export { format, out } => data::export(cli, *format, out.as_deref())?,
        Command::Import { file } => data::import(cli, file)?,
        Command::Completions { shell } => cli::completions(*shell),
        Command::Manpage => cli::manpage()?,
    }
    Ok(ExitCode::SUCCESS)
}
