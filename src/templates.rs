//! Templates: the built-in ones are embedded in the binary; an owner's `templates_dir`
//! overrides any of them by file name.
//!
//! Files ending in `.html` are auto-escaped by minijinja, so owner-written text (client
//! names, notes) can never break the HTML. Reading the override directory happens once,
//! in [`Templates::load`]; rendering is pure.

use std::path::Path;

use minijinja::Environment;
use serde::Serialize;

/// A template could not be loaded or rendered.
#[derive(Debug, thiserror::Error)]
pub enum TemplateError {
    /// The override directory could not be read.
    #[error("cannot read templates_dir {path}: {source}; check the path in [templates] or remove the key to use the built-in templates")]
    Io {
        /// The directory or file.
        path: String,
        /// The cause.
        source: std::io::Error,
    },
    /// A template has a syntax error or failed to render.
    #[error("template {name} failed: {source}; fix your copy in templates_dir or remove it to use the built-in one")]
    Render {
        /// The template name.
        name: String,
        /// The cause.
        source: minijinja::Error,
    },
}

/// Every built-in template, by file name.
pub fn builtin() -> impl Iterator<Item = &'static (&'static str, &'static str)> {
    crate::prompt::TEMPLATES
        .iter()
        .chain(crate::ingest::TEMPLATES.iter())
        .chain(crate::digest::TEMPLATES.iter())
}

/// The template set in use.
#[derive(Debug)]
pub struct Templates {
    env: Environment<'static>,
}

impl Templates {
    /// Only the built-in templates.
    pub fn builtin() -> Templates {
        Self::with_overrides(Vec::new()).expect("built-in templates compile (checked by tests)")
    }

    /// The built-in templates, overridden by same-named files in `dir` when given.
    pub fn load(dir: Option<&Path>) -> Result<Templates, TemplateError> {
        let mut overrides = Vec::new();
        if let Some(dir) = dir {
            for (name, _) in builtin() {
                let path = dir.join(name);
                match std::fs::read_to_string(&path) {
                    Ok(text) => overrides.push((name.to_string(), text)),
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                    Err(source) => {
                        return Err(TemplateError::Io {
                            path: path.display().to_string(),
                            source,
                        })
                    }
                }
            }
        }
        Self::with_overrides(overrides)
    }

    /// Built-in templates with the given `(name, source)` pairs replacing or adding to them.
    pub fn with_overrides(overrides: Vec<(String, String)>) -> Result<Templates, TemplateError> {
        let mut env = Environment::new();
        env.set_syntax(
            minijinja::syntax::SyntaxConfig::builder()
                .trim_blocks(true)
                .lstrip_blocks(true)
                .keep_trailing_newline(true)
                .build()
                .expect("the default delimiters are valid"),
        );
        for (name, source) in builtin() {
            if overrides.iter().any(|(n, _)| n == name) {
                continue;
            }
            env.add_template(name, source)
                .map_err(|source| TemplateError::Render {
                    name: name.to_string(),
                    source,
                })?;
        }
        for (name, source) in overrides {
            env.add_template_owned(name.clone(), source)
                .map_err(|source| TemplateError::Render { name, source })?;
        }
        Ok(Templates { env })
    }

    /// Renders `name` with `ctx`.
    pub fn render<S: Serialize>(&self, name: &str, ctx: S) -> Result<String, TemplateError> {
        self.env
            .get_template(name)
            .and_then(|t| t.render(minijinja::Value::from(minijinja::value::Serde(ctx))))
            .map_err(|source| TemplateError::Render {
                name: name.to_string(),
                source,
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_templates_compile() {
        let _ = Templates::builtin();
    }

    #[test]
    fn html_templates_escape_and_text_templates_do_not() {
        let t = Templates::with_overrides(vec![
            ("x.html".into(), "{{ v }}".into()),
            ("x.txt".into(), "{{ v }}".into()),
        ])
        .unwrap();
        let v = minijinja::context! { v => "<script>\"&" };
        assert_eq!(t.render("x.html", &v).unwrap(), "&lt;script&gt;&quot;&amp;");
        assert_eq!(t.render("x.txt", &v).unwrap(), "<script>\"&");
    }
}
