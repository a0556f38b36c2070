//! The owner's admin commands: `init`, `check`, `status`, `export`/`import`, clients CSV,
//! `demo`, `reparse`/`reingest`.
//! They use the stages and the context; no stage imports them.

pub mod check;
pub mod clients_csv;
pub mod demo;
pub mod demo_replies;
pub mod export;
pub mod init;
pub mod rebuild;
pub mod status;
