//! The one place that reads the wall clock. Everything else takes `now` as an argument
//! (clippy's `disallowed-methods` enforces it).

use chrono::{DateTime, Utc};

/// The current time.
#[allow(clippy::disallowed_methods)]
pub fn now() -> DateTime<Utc> {
    Utc::now()
}

/// A source of "now", passed down from the edge (the real one is [`now`]; tests pass a fixed or stepped one).
pub type Clock = dyn Fn() -> DateTime<Utc> + Send + Sync;
