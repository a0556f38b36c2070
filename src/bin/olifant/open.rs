//! Finding and loading the config, and opening the app, for the commands that need them.

use std::path::PathBuf;

use anyhow::{bail, Result};

use crate::cli::Cli;
use olifant::app::App;
use olifant::clock;
use olifant::config::{self, Config};

/// Where the config is: `--config`, else `$OLIFANT_CONFIG`, else the usual location.
pub fn config_path(cli: &Cli) -> Result<PathBuf> {
    let env = |k: &str| std::env::var(k).ok();
    Ok(config::locate(cli.config.as_deref(), &env)?)
}

/// Loads and validates the config, logging its warnings; a missing file says how to make one.
pub fn load_config(cli: &Cli) -> Result<(PathBuf, Config)> {
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

/// Loads the config, checks its file permissions and opens the app (and its data directory).
pub fn open_app(cli: &Cli) -> Result<App> {
    let (path, config) = load_config(cli)?;
    config::check_permissions(&path, &config)?;
    Ok(App::open(config, clock::now())?)
}
