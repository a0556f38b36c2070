//! `olifant parse`: read one message file without touching the store or the network.

use std::path::Path;

use anyhow::{Context, Result};

use crate::cli::Cli;
use crate::open::{config_path, load_config};
use olifant::config::Config;
use olifant::parse::{ParseContext, Reading};

/// Parses `file` with the configured questionnaire and addresses (the defaults without a
/// config) and prints what it read: one JSON object with `--json`, else a summary.
pub fn parse(cli: &Cli, file: &Path, json: bool) -> Result<()> {
    let raw = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
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
    let ctx = ParseContext {
        vocabulary: config.vocabulary(),
        owner_addresses: &config.owner.addresses,
        bot_address: &config.bot.address,
        plus_separator: config.bot.plus_separator,
        key: key.as_ref(),
        trusted_authserv_id: config.ingest.trusted_authserv_id.as_deref(),
        default_lang: config.owner.language,
    };
    let reading = olifant::parse::read_message(&raw, &ctx)?;
    if json {
        println!("{}", serde_json::to_string(&reading.parsed)?);
    } else {
        print_reading(&reading);
    }
    Ok(())
}

/// The human summary: kind, genuineness, token, language, answers, notes and problems.
fn print_reading(reading: &Reading) {
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
