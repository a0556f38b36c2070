//! Compose the prompt for one client: questionnaire, wording, tokens (pure).

pub mod questionnaire;
pub mod token;

/// Built-in templates of this stage, by file name.
pub const TEMPLATES: &[(&str, &str)] = &[];
