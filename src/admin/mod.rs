//! The owner's admin commands: `init`, `check`, `status`, `demo`, `reparse`/`reingest`.
//! They use the stages and the context; no stage imports them.

pub mod check;
pub mod demo;
pub mod demo_replies;
pub mod rebuild;
pub mod status;
