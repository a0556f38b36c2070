//! `olifant clients …`: the client book.

use std::io::IsTerminal;
use std::path::Path;

use anyhow::{Context, Result};
use chrono::{DateTime, Utc};

use crate::cli::{Cli, ClientsCommand};
use crate::dates::parse_date;
use crate::open::open_app;
use olifant::app::App;
use olifant::clock;

/// Runs one `clients` subcommand and says what it did.
pub fn clients(cli: &Cli, cmd: &ClientsCommand) -> Result<()> {
    let app = open_app(cli)?;
    let now = clock::now();
    let today = now.with_timezone(&app.config.owner.timezone).date_naive();
    match cmd {
        ClientsCommand::List => list(&app, now)?,
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
        ClientsCommand::Import { file, skip_bad } => import(&app, file, *skip_bad, now)?,
    }
    Ok(())
}

/// One line per client: name, cadence, status, reflections, and whether the config declares it.
fn list(app: &App, now: DateTime<Utc>) -> Result<()> {
    for r in olifant::clients::clients_list(app, now)? {
        println!(
            "{:<32} {:<14} {:<22} {:>3} {}{}",
            r.name,
            r.cadence,
            r.status,
            r.reflections,
            if r.reflections == 1 {
                "reflection"
            } else {
                "reflections"
            },
            if r.declared_in_config {
                "  (config)"
            } else {
                ""
            }
        );
    }
    Ok(())
}

/// Imports clients from a CSV file, with a progress bar on a terminal, and lists skipped rows.
fn import(app: &App, file: &Path, skip_bad: bool, now: DateTime<Utc>) -> Result<()> {
    let text =
        std::fs::read_to_string(file).with_context(|| format!("cannot read {}", file.display()))?;
    let bar = indicatif::ProgressBar::new(0);
    if !std::io::stderr().is_terminal() {
        bar.set_draw_target(indicatif::ProgressDrawTarget::hidden());
    }
    let progress = |done: usize, total: usize| {
        bar.set_length(total as u64);
        bar.set_position(done as u64);
    };
    let report =
        olifant::admin::clients_csv::import_clients_csv(app, &text, skip_bad, &progress, now)?;
    bar.finish_and_clear();
    println!("imported {} clients", report.imported);
    for (line, reason) in &report.skipped {
        println!("  line {line}: {reason}");
    }
    Ok(())
}
