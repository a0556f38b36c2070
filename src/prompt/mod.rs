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
    ("prompt.txt", include_str!("../../templates/prompt.txt")),
    ("prompt.html", include_str!("../../templates/prompt.html")),
    ("receipt.txt", include_str!("../../templates/receipt.txt")),
    ("receipt.html", include_str!("../../templates/receipt.html")),
    ("reminder.txt", include_str!("../../templates/reminder.txt")),
    (
        "reminder.html",
        include_str!("../../templates/reminder.html"),
    ),
];
