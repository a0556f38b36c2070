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
//! * [`daemon`] is the one place that waits on timers, IDLE and signals.
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

pub mod clock;
pub mod config;
pub mod failpoint;
pub mod logging;
pub mod model;
pub mod templates;

pub mod daemon;

pub mod app;
pub mod digest;
pub mod ingest;
pub mod parse;
pub mod prompt;
pub mod schedule;
pub mod score;
pub mod send;
pub mod store;
