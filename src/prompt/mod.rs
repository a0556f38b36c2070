//! Compose the prompt for one client: questionnaire, wording, tokens (pure).
//!
//! [`compose`] builds the prompt, its reminder and the receipt of a reply from the
//! templates below; [`token`] makes the unguessable per-prompt token; [`dates`] formats
//! dates in the owner's language and time zone.

pub mod compose;
pub mod dates;
pub mod questionnaire;
pub mod run;
pub mod token;

pub use compose::{
    compose_prompt, compose_receipt, compose_reminder, preview, Addressing, PromptInput,
    PromptMail, ReceiptInput, ReminderInput, RenderedMail, ReplyStyle,
};

/// Built-in templates of this stage (prompt, reminder, receipt), by file name.
pub const TEMPLATES: &[(&str, &str)] = &[
    (
        "prompt.en.txt",
        include_str!("../../templates/prompt.en.txt"),
    ),
    (
        "prompt.en.html",
        include_str!("../../templates/prompt.en.html"),
    ),
    (
        "prompt.nl.txt",
        include_str!("../../templates/prompt.nl.txt"),
    ),
    (
        "prompt.nl.html",
        include_str!("../../templates/prompt.nl.html"),
    ),
    (
        "reminder.en.txt",
        include_str!("../../templates/reminder.en.txt"),
    ),
    (
        "reminder.en.html",
        include_str!("../../templates/reminder.en.html"),
    ),
    (
        "reminder.nl.txt",
        include_str!("../../templates/reminder.nl.txt"),
    ),
    (
        "reminder.nl.html",
        include_str!("../../templates/reminder.nl.html"),
    ),
    (
        "receipt.en.txt",
        include_str!("../../templates/receipt.en.txt"),
    ),
    (
        "receipt.en.html",
        include_str!("../../templates/receipt.en.html"),
    ),
    (
        "receipt.nl.txt",
        include_str!("../../templates/receipt.nl.txt"),
    ),
    (
        "receipt.nl.html",
        include_str!("../../templates/receipt.nl.html"),
    ),
];
