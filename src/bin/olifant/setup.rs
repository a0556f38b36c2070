//! Process set-up before any command runs: a quiet broken pipe and the log subscriber.

use std::io::IsTerminal;

use crate::cli::LogFormat;

/// `olifant … | head` closes stdout early: exit quietly like other Unix tools (status 141)
/// instead of printing a panic.
pub fn quiet_broken_pipe() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let msg = info
            .payload()
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| info.payload().downcast_ref::<&str>().copied())
            .unwrap_or("");
        if msg.contains("failed printing to stdout") && msg.contains("Broken pipe") {
            std::process::exit(141);
        }
        default(info);
    }));
}

/// Logs to stderr in `format`, filtered by `RUST_LOG`; the daemon (`daemon`) also logs
/// olifant's own progress at info level.
pub fn init_logging(format: LogFormat, daemon: bool) {
    // The daemon logs olifant's own progress; the scheduler crate's start-up chatter stays out.
    let default = if daemon { "warn,olifant=info" } else { "warn" };
    // RUST_LOG filtering, with the directives that keep secrets out even at trace level.
    let filter = olifant::logging::env_filter(std::env::var("RUST_LOG").ok().as_deref(), default);
    // Colour codes only on a terminal: a log file or journald gets plain text.
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none())
        .with_writer(std::io::stderr);
    let _ = match format {
        LogFormat::Human => builder.try_init(),
        LogFormat::Json => builder.json().try_init(),
    };
}
