//! The `olifant` binary: parse the command line, set up logging, call the library.
#![forbid(unsafe_code)]

mod cli;

use clap::Parser;

fn main() -> anyhow::Result<()> {
    let _cli = cli::Cli::parse();
    Ok(())
}
