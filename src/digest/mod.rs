//! Render the digest, charts included (pure).

/// Built-in templates of this stage, by file name.
pub const TEMPLATES: &[(&str, &str)] = &[];
