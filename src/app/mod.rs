//! The use cases that tie the stages together: a prompt run, an ingest pass, a digest run,
//! the demo, export and import. Each one is an edge: it reads the clock, the store and the
//! network, and hands the pure stages their inputs.

pub mod demo_replies;
pub mod init;
pub mod outbox;
