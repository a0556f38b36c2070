//! `olifant demo`: the whole loop offline, in a new or empty directory.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};

use crate::cli::LangArg;
use olifant::clock;

/// Runs the demo in `dir` (default: a new temporary directory) and prints what it did, the
/// digest, and where to look next.
pub async fn demo(dir: Option<&Path>, lang: LangArg) -> Result<()> {
    let dir = demo_dir(dir)?;
    let o = olifant::admin::demo::run_demo(&dir, lang.into(), clock::now()).await?;
    let mut out = std::io::stdout().lock();
    writeln!(out, "olifant demo: working in {}", o.dir.display())?;
    writeln!(
        out,
        "  {} weekly runs: {} prompts and {} reminder(s) to the local outbox; {} replies, an out-of-office and a bounce in the local inbox",
        o.runs, o.prompts, o.reminders, o.replies
    )?;
    writeln!(
        out,
        "  ingested through the real pipeline: {} replies stored, {} automatic reply ignored, {} bounce recorded\n",
        o.stored, o.auto_replies, o.bounces
    )?;
    writeln!(out, "{}", o.digest_text)?;
    writeln!(out, "HTML digest:  {}", o.html_path.display())?;
    writeln!(
        out,
        "Mail files:   {}/outbox/new (sent), {}/inbox (received)",
        o.dir.display(),
        o.dir.display()
    )?;
    writeln!(
        out,
        "Look around:  olifant --config {} status | digest --preview | explain \"Bakkerij Jansen\"",
        o.config_path.display()
    )?;
    Ok(())
}

/// The directory to work in: the one given if it is new or empty, else a new temporary one.
fn demo_dir(dir: Option<&Path>) -> Result<PathBuf> {
    match dir {
        Some(d) => {
            // A second demo in the same directory mixes two simulated histories
            // (new tokens, old store): refuse instead of printing wrong numbers.
            let used = std::fs::read_dir(d).map(|mut e| e.next().is_some());
            if matches!(used, Ok(true)) {
                bail!(
                    "{} is not empty: the demo needs a new or empty directory (remove it, or give another --dir)",
                    d.display()
                );
            }
            Ok(d.to_path_buf())
        }
        None => Ok(tempfile::Builder::new()
            .prefix("olifant-demo-")
            .tempdir()
            .context("cannot create a temporary directory")?
            .keep()),
    }
}
