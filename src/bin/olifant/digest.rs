//! `olifant digest` and `olifant explain`: the verdicts, now or as of a date.

use std::io::IsTerminal;

use anyhow::Result;

use crate::cli::{Cli, DigestArgs};
use crate::dates::{end_of_day, parse_date};
use crate::open::open_app;
use olifant::clock;

/// Builds the digest now (or as of `--as-of`) and previews it, prints it as JSON, writes its
/// HTML and/or sends it; with none of those flags, previews it.
pub async fn digest(cli: &Cli, args: &DigestArgs) -> Result<()> {
    let app = open_app(cli)?;
    let now = clock::now();
    let as_of = match &args.as_of {
        Some(d) => Some(end_of_day(&app, parse_date(d, "--as-of")?)),
        None => None,
    };
    let lang = args.lang.map(Into::into);
    let d = olifant::digest::run::build_digest(&app, now, as_of, lang)?;
    let nothing = !args.json && args.html.is_none() && !args.send;
    if args.preview || nothing {
        let color = std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
        println!("{}", olifant::digest::render_terminal(&d, d.lang, color));
    }
    if args.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&olifant::digest::to_json(&d))?
        );
    }
    if let Some(dir) = &args.html {
        let rendered = olifant::digest::run::render_digest(&app, &d)?;
        let index = dir.join("index.html");
        olifant::admin::demo::write_html(&index, &rendered)?;
        eprintln!("wrote {}", index.display());
    }
    if args.send {
        match olifant::digest::run::send_digest(&app, now, now, &clock::now).await? {
            Some(state) => eprintln!("digest: {}", olifant::send::outbox::describe_state(&state)),
            None => eprintln!("digest: already sent for this moment"),
        }
    }
    Ok(())
}

/// Prints the full reasoning behind one client's verdict, now or at the end of `as_of`.
pub fn explain(cli: &Cli, client: &str, as_of: Option<&str>) -> Result<()> {
    let app = open_app(cli)?;
    let c = olifant::clients::find_client(&app, client)?;
    let now = match as_of {
        Some(d) => end_of_day(&app, parse_date(d, "--as-of")?),
        None => clock::now(),
    };
    println!(
        "{}",
        olifant::ingest::commands::explain_text(&app, &c, now, None)?
    );
    Ok(())
}
