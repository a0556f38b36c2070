//! `olifant status`: what olifant did and will do.

use anyhow::Result;
use chrono::{DateTime, Utc};

use crate::cli::Cli;
use crate::open::open_app;
use olifant::admin::status::Status;
use olifant::clock;

/// Prints the next runs, the clients, the last mail contact, unanswered prompts, send problems
/// and the quarantine.
pub fn status(cli: &Cli) -> Result<()> {
    let app = open_app(cli)?;
    print_status(&olifant::admin::status::status(&app, clock::now())?);
    Ok(())
}

/// Prints `s`, times in the owner's time zone.
fn print_status(s: &Status) {
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
    if !s.next_prompts.is_empty() {
        println!("next prompts:");
        let width = s
            .next_prompts
            .iter()
            .map(|(n, _)| n.chars().count())
            .max()
            .unwrap_or(0);
        for (name, o) in &s.next_prompts {
            let pad = " ".repeat(width - name.chars().count());
            println!(
                "  {name}{pad}  {}",
                olifant::admin::status::describe_outlook(o, s.timezone, s.max_prompts_per_run)
            );
        }
    }
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
