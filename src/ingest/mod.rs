//! Read new mail from IMAP or a local Maildir and drive each message through parse → store.

pub mod commands;
pub mod imap;
pub mod maildir;
pub mod pipeline;
pub mod plan;
pub mod source;
pub mod tls;

/// Built-in templates of this stage (receipts), by file name.
pub const TEMPLATES: &[(&str, &str)] = &[];
