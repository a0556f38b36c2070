//! # olifant
//!
//! olifant asks a freelancer, by email and on a schedule, how each client is going, reads
//! the replies, and periodically sends a digest of which clients to nurture, keep, watch or
//! let go.
//!
//! ## The flow
//!
//! ```text
//! schedule → prompt → send → ingest → parse → store → score → digest
//! ```
//!
//! * [`schedule`] decides what is due at `now` (pure).
//! * [`prompt`] composes the prompt for one client: questionnaire, wording, tokens (pure).
//! * [`send`] hands finished messages to SMTP, a sendmail binary or a local directory (I/O).
//! * [`ingest`] reads new mail from IMAP or a local Maildir and drives each message through
//!   parse → store, exactly once (I/O).
//! * [`parse`] classifies a message, strips quotes and signatures and extracts the answers (pure).
//! * [`store`] keeps everything in sled behind typed methods, flushed before any outside effect.
//! * [`score`] turns reflections into health, trend and a verdict with evidence (pure).
//! * [`digest`] renders the digest, charts included (pure).
//! * [`app`] holds the use cases that tie the stages together (a prompt run, an ingest
//!   pass, a digest run, the demo, export/import), each an edge over the pure stages.
//! * [`daemon`] is the one place that waits on timers, IDLE and signals.
//!
//! Around them: [`config`] (raw TOML → validated config; secrets resolved at the edge),
//! [`model`] (the plain data every stage shares), [`templates`] (embedded templates with the
//! owner's overrides), [`logging`] (filters that keep secrets out of traces) and
//! [`failpoint`] (test-only crash points).
//!
//! ## The pure/edge rule
//!
//! `schedule`, `prompt`, `parse`, `score` and `digest` never read the clock, a socket, the
//! disk or the environment: time and data come in as arguments. I/O lives at the edges
//! (`send`, `ingest`, `store`, `config` loading, `daemon`), each capability behind one trait
//! with the real and test implementations side by side. [`clock`] is the only place that
//! reads the wall clock.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

// Shared plumbing.
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

// The use cases that tie the stages together, and the daemon that runs them.
pub mod admin;
pub mod app;
pub mod daemon;
