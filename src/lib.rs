//! # olifant
//!
//! olifant asks a freelancer, by email and on a schedule, how each client is going, reads
//! the replies, and periodically sends a digest of which clients to nurture, keep, watch or
//! let go.
//!
//! ## The map
//!
//! ```text
//! schedule → prompt → send → ingest → parse → store → score → digest     the flow, in folders
//!  (pure)   (pure)   (I/O)   (I/O)    (pure)  (I/O)   (pure)  (pure)
//!           prompt::run       ingest::pipeline                  digest::run   use cases (edges)
//!           send::outbox      ingest::plan (pure) + commands
//! app      the context every use case takes: config, store, templates, key, sender
//! clients  the client book (add, edit, pause, let go), used by the CLI and by mail commands
//! admin    the owner's commands: init, check, status, export/import, CSV, demo, rebuild
//! daemon   the one place that waits on timers, IDLE and signals; src/bin/olifant/ is the CLI
//! ```
//!
//! * [`schedule`] decides what is due at `now`; [`prompt`] composes a prompt for one client;
//!   [`prompt::run`] carries a prompt run out exactly once through [`send::outbox`].
//! * [`ingest::pipeline`] is one pass (list, fetch, batch, flush, move, checkpoint, with the
//!   failpoints); for each message [`parse`] reads it, [`ingest::plan`] decides what it means
//!   from what the [`store`] knows (pure), and the pass applies the writes.
//!   [`ingest::commands`] carries out commands by mail and sends receipts.
//! * [`score`] turns reflections into health, trend and a verdict with evidence;
//!   [`digest`] builds and renders the digest; [`digest::run`] reads it from the store and
//!   sends it exactly once.
//! * No stage imports [`admin`] or the CLI, and no file imports one that imports it back.
//!
//! Around them: [`config`] (raw TOML → validated config; secrets resolved at the edge),
//! [`model`] (the plain data every stage shares), [`templates`] (embedded templates with the
//! owner's overrides), [`logging`] (filters that keep secrets out of traces), [`clock`] and
//! [`failpoint`](mod@failpoint) (test-only crash points).
//!
//! ## The pure/edge rule
//!
//! `schedule`, `prompt` (but `prompt::run`), `parse`, `ingest::plan`, `score` and `digest`
//! (but `digest::run`) never read the clock, a socket, the disk or the environment: time and
//! data come in as arguments. I/O lives at the edges (the `run` use cases, `send`, `ingest`,
//! `store`, `config` loading, `daemon`), each capability behind one trait
//! with the real and test implementations side by side. [`clock`] is the only place that
//! reads the wall clock.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

// Shared plumbing (the words first: their `tr!` macros are used everywhere).
#[macro_use]
pub mod i18n;
pub mod clock;
pub mod config;
pub mod failpoint;
pub mod logging;
pub mod model;
pub mod templates;

// The flow, in order (a comment between each keeps rustfmt from sorting them).
// 1. what is due
pub mod schedule;
// 2. what to ask
pub mod prompt;
// 3. out
pub mod send;
// 4. in
pub mod ingest;
// 5. what the owner meant
pub mod parse;
// 6. kept
pub mod store;
// 7. judged
pub mod score;
// 8. told
pub mod digest;

// The context the use cases run in, the client book, the owner's admin commands, and the
// daemon that runs the flow.
pub mod admin;
pub mod app;
pub mod clients;
pub mod daemon;
