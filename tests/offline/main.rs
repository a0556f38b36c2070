//! Every integration test that needs no mail server, as one test binary: `cargo test` runs
//! it (`cargo test --test offline` alone). Each module is one subject; a test's name is
//! `module::name`, e.g. `cargo test --test offline cli::`.
//!
//! The tests against the private Dovecot + Postfix are the other binary, `tests/servers`
//! (see `tests/README.md`).

#[path = "../common/mod.rs"]
mod common;
mod hostile_inputs;
mod support;

mod cli;
mod clients;
mod config;
mod corpus;
mod digest;
mod digest_store;
mod export;
mod hostile;
mod init;
mod ordered_writes;
mod owed;
mod parse_golden;
mod prompt_render;
mod schedule;
mod store;
