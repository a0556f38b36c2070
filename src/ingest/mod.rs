//! Read new mail from IMAP or a local Maildir and drive each message through parse → store.

/// Built-in templates of this stage (receipts), by file name.
pub const TEMPLATES: &[(&str, &str)] = &[];
