//! The `olifant` binary: parse the command line, set up logging, call the library.
#![forbid(unsafe_code)]

fn main() -> anyhow::Result<()> {
    Ok(())
}
