//! The data commands: `export`, `import`, `reparse` and `reingest`.

use std::path::Path;

use anyhow::{Context, Result};

use crate::cli::{Cli, ExportFormat};
use crate::open::open_app;
use olifant::clock;

/// Writes clients, prompts and reflections as JSON or CSV to `out`, or to stdout.
pub fn export(cli: &Cli, format: ExportFormat, out: Option<&Path>) -> Result<()> {
    let app = open_app(cli)?;
    let text = match format {
        ExportFormat::Json => olifant::admin::export::export_json_string(&app)?,
        ExportFormat::Csv => olifant::admin::export::export_csv(&app)?,
    };
    match out {
        Some(p) => std::fs::write(p, text).with_context(|| format!("cannot write {}", p.display())),
        None => {
            print!("{text}");
            Ok(())
        }
    }
}

/// Restores a JSON export into an empty data directory and says how much it restored.
pub fn import(cli: &Cli, file: &Path) -> Result<()> {
    let app = open_app(cli)?;
    let text =
        std::fs::read_to_string(file).with_context(|| format!("cannot read {}", file.display()))?;
    let s = olifant::admin::export::import_json(&app, &text)?;
    app.store.flush()?;
    println!(
        "imported {} clients, {} prompts and {} reflections",
        s.clients, s.prompts, s.reflections
    );
    Ok(())
}

/// Reparses every stored raw reply and rebuilds the reflections.
pub fn reparse(cli: &Cli) -> Result<()> {
    let app = open_app(cli)?;
    let n = olifant::admin::rebuild::reparse(&app, clock::now())?;
    println!("reparsed {n} stored replies");
    Ok(())
}

/// Rebuilds the reflections from the processed folder on the server; prints the report as JSON.
pub async fn reingest(cli: &Cli) -> Result<()> {
    let app = open_app(cli)?;
    let r = olifant::admin::rebuild::reingest(&app, &clock::now).await?;
    println!("{}", serde_json::to_string_pretty(&r)?);
    Ok(())
}
