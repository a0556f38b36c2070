//! The log filter every olifant process must use: whatever `RUST_LOG` asks for, targets
//! that write credentials at their most detailed levels are capped.
//!
//! async-imap 0.12 logs every encoded command at TRACE (target `async_imap::imap_stream`),
//! the `LOGIN "user" "password"` line included: `RUST_LOG=trace` would put the IMAP password
//! into the log. The directives below are added after the user's, and a more specific target
//! wins in an `EnvFilter`, so they hold even under `RUST_LOG=trace` or `async_imap=trace`.

use tracing_subscriber::EnvFilter;

/// Targets capped below the level at which they print secrets.
pub const SECRET_SAFE_DIRECTIVES: &[&str] = &["async_imap::imap_stream=debug"];

/// `spec` (an `EnvFilter` string such as `RUST_LOG`'s, or `"info"`) with
/// [`SECRET_SAFE_DIRECTIVES`] applied. An invalid `spec` falls back to `fallback`.
pub fn env_filter(spec: Option<&str>, fallback: &str) -> EnvFilter {
    let mut filter = spec
        .and_then(|s| EnvFilter::try_new(s).ok())
        .unwrap_or_else(|| EnvFilter::new(fallback));
    for d in SECRET_SAFE_DIRECTIVES {
        if let Ok(d) = d.parse() {
            filter = filter.add_directive(d);
        }
    }
    filter
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_imap_stream_target_is_capped_even_under_trace() {
        let f = env_filter(Some("trace,async_imap=trace"), "info").to_string();
        assert!(f.contains("async_imap::imap_stream=debug"), "{f}");
        let f = env_filter(Some("not a [valid filter"), "warn").to_string();
        assert!(f.contains("warn") && f.contains("imap_stream=debug"), "{f}");
    }
}
