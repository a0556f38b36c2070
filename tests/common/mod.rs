//! Fixtures both test binaries use (`tests/offline`, `tests/servers`), included by each as
//! `#[path = "../common/mod.rs"] mod common;`: the fixed now, client and reflection builders,
//! running the olifant binary, walking a directory.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use chrono::{DateTime, TimeZone, Utc};
use olifant::model::{Answer, Client, ClientKey, ClientStatus, Reflection};

/// The fixed now of the tests that need no particular date: Monday 2 March 2026, 09:00 UTC.
pub fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap()
}

/// An active monthly client `name`, known since `since`, without revenue or tags.
pub fn client(name: &str, since: DateTime<Utc>) -> Client {
    Client {
        name: name.into(),
        cadence: Default::default(),
        revenue: None,
        tags: vec![],
        status: ClientStatus::Active,
        since,
    }
}

/// The keys of the default questionnaire, in its order.
pub const QUESTIONS: [&str; 8] = [
    "energy",
    "payment",
    "scope",
    "information",
    "autonomy",
    "price",
    "growth",
    "again",
];

/// A reflection on `client` at `date` with `ratings` in questionnaire order (energy, payment,
/// scope, information, autonomy, price, growth, again), no comments, and `notes`.
pub fn reflection(
    client: ClientKey,
    date: DateTime<Utc>,
    ratings: [u8; 8],
    notes: &str,
) -> Reflection {
    Reflection {
        client,
        prompt: None,
        date,
        answers: QUESTIONS
            .iter()
            .zip(ratings)
            .map(|(k, r)| {
                (
                    k.to_string(),
                    Answer {
                        rating: Some(r),
                        comment: None,
                    },
                )
            })
            .collect::<BTreeMap<_, _>>(),
        notes: notes.into(),
        sources: vec![],
    }
}

/// The olifant binary with a clean environment and `home` as its HOME: no colour, no config
/// or data directory found by accident, no log or tick settings of the caller's.
pub fn olifant(home: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_olifant"));
    c.env("NO_COLOR", "1")
        .env("HOME", home)
        .env_remove("OLIFANT_CONFIG")
        .env_remove("XDG_CONFIG_HOME")
        .env_remove("XDG_DATA_HOME")
        .env_remove("RUST_LOG")
        .env_remove("OLIFANT_TICK_SECONDS")
        .stdin(Stdio::null());
    c
}

/// Output bytes as text (lossy).
pub fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// Every file below `dir`, recursively, appended to `out` (unreadable directories are passed
/// over).
pub fn files_under(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    for e in rd.flatten() {
        let p = e.path();
        if p.is_dir() {
            files_under(&p, out);
        } else {
            out.push(p);
        }
    }
}
