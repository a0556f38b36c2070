//! The one place that reads the wall clock. Everything else takes `now` as an argument
//! (clippy's `disallowed-methods` enforces it).
//!
//! Test builds can pin it: with the `test-clock` feature (which `cargo test` turns on through
//! the crate's dev-dependency on itself; release and `cargo install` builds never have it),
//! `OLIFANT_NOW=2027-03-28T02:30:00+02:00` makes the process start at that instant. The pinned
//! clock then runs on at the real pace, so timeouts and ordering still behave.

use chrono::{DateTime, Utc};

/// The environment variable a `test-clock` build reads its starting instant from (RFC 3339).
pub const PIN_ENV: &str = "OLIFANT_NOW";

/// The current time.
#[allow(clippy::disallowed_methods)]
pub fn now() -> DateTime<Utc> {
    #[cfg(feature = "test-clock")]
    if let Some(t) = pinned::now() {
        return t;
    }
    Utc::now()
}

/// A source of "now", passed down from the edge (the real one is [`now`]; tests pass a fixed or stepped one).
pub type Clock = dyn Fn() -> DateTime<Utc> + Send + Sync;

#[cfg(feature = "test-clock")]
mod pinned {
    use std::sync::OnceLock;
    use std::time::Instant;

    use chrono::{DateTime, Utc};

    /// The pinned instant and the moment it was read, once per process.
    static START: OnceLock<Option<(DateTime<Utc>, Instant)>> = OnceLock::new();

    pub(super) fn now() -> Option<DateTime<Utc>> {
        let (at, read) = START
            .get_or_init(|| {
                let v = std::env::var(super::PIN_ENV).ok()?;
                let v = v.trim();
                if v.is_empty() {
                    return None;
                }
                let at = DateTime::parse_from_rfc3339(v).unwrap_or_else(|e| {
                    // Test builds only: a wrong pin must stop the run, not test the real date.
                    panic!(
                        "{}={v:?} is not an RFC 3339 instant ({e}); write e.g. 2027-03-28T02:30:00+02:00",
                        super::PIN_ENV
                    )
                });
                Some((at.with_timezone(&Utc), Instant::now()))
            })
            .as_ref()?;
        let elapsed = chrono::Duration::from_std(read.elapsed()).unwrap_or_default();
        Some(*at + elapsed)
    }
}
