//! `olifant run`: the daemon.

use anyhow::Result;

use crate::cli::Cli;
use crate::open::open_app;

/// Runs the daemon until a signal stops it; `$OLIFANT_TICK_SECONDS` sets its tick (default 60).
pub async fn run(cli: &Cli) -> Result<()> {
    let app = open_app(cli)?;
    let options = olifant::daemon::DaemonOptions {
        tick_seconds: std::env::var("OLIFANT_TICK_SECONDS")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(60),
        ..Default::default()
    };
    olifant::daemon::run(app, options, olifant::daemon::signals()).await?;
    Ok(())
}
