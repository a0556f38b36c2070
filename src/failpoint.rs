//! Test-only failpoints: crash the process at a named step, the way mbsync tests itself.
//!
//! Compiled in only with the `failpoints` feature (the test command enables it; release
//! builds never have it). `OLIFANT_FAILPOINT=name` aborts at the first hit of `name`;
//! `OLIFANT_FAILPOINT=name:N` at the N-th hit.

#[cfg(feature = "failpoints")]
use std::sync::atomic::{AtomicU64, Ordering};

#[cfg(feature = "failpoints")]
static HITS: AtomicU64 = AtomicU64::new(0);

/// Called by [`failpoint!`](crate::failpoint): aborts when the environment names this point.
#[cfg(feature = "failpoints")]
pub fn hit(name: &str) {
    let Ok(spec) = std::env::var("OLIFANT_FAILPOINT") else {
        return;
    };
    let (want, nth) = match spec.split_once(':') {
        Some((n, k)) => (n.to_string(), k.parse::<u64>().unwrap_or(1)),
        None => (spec.clone(), 1),
    };
    if want != name {
        return;
    }
    if HITS.fetch_add(1, Ordering::SeqCst) + 1 == nth {
        eprintln!("failpoint {name} hit: aborting");
        std::process::abort();
    }
}

/// Marks a step where a test may crash the process (no-op without the `failpoints` feature).
#[macro_export]
macro_rules! failpoint {
    ($name:expr) => {{
        #[cfg(feature = "failpoints")]
        $crate::failpoint::hit($name);
    }};
}
