//! `olifant check`, and the report `olifant init` prints after writing a config.

use std::path::Path;
use std::process::ExitCode;

use anyhow::Result;

use crate::cli::Cli;
use crate::open::load_config;
use olifant::config::Config;

/// Checks the config and the mail servers; a failed step, or an invalid config, is exit code 3.
pub async fn check(cli: &Cli) -> Result<ExitCode> {
    // An invalid config is a failed check like any other: ✗ and exit code 3.
    let (path, config) = match load_config(cli) {
        Ok(c) => c,
        Err(e) => {
            println!("✗ config: {e:#}");
            println!("  try: fix the line named above (config.example.toml documents every key)");
            return Ok(ExitCode::from(3));
        }
    };
    Ok(check_and_print(&path, &config).await)
}

/// Runs every check for `config` (loaded from `path`) and prints one line per step, with what
/// to try under a failed one. Exit code 3 when a step failed.
pub async fn check_and_print(path: &Path, config: &Config) -> ExitCode {
    let steps = olifant::admin::check::check(path, config).await;
    let mut failed = false;
    for s in &steps {
        println!("{} {}: {}", if s.ok { "✓" } else { "✗" }, s.name, s.detail);
        if let (false, Some(h)) = (s.ok, &s.hint) {
            println!("  try: {h}");
        }
        failed |= !s.ok;
    }
    if failed {
        ExitCode::from(3)
    } else {
        ExitCode::SUCCESS
    }
}
