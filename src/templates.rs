//! Templates: the built-in ones are embedded in the binary; an owner's `templates_dir`
//! overrides any of them by file name.
//!
//! Files ending in `.html` are auto-escaped by minijinja, so owner-written text (client
//! names, notes) can never break the HTML. Reading the override directory happens once,
//! in [`Templates::load`]; rendering is pure.

use std::path::Path;

use minijinja::value::Kwargs;
use minijinja::{AutoEscape, Environment, ErrorKind, HtmlEscape, State, Value};
use serde::Serialize;

use crate::model::Lang;

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
            for name in builtin().flat_map(|(name, _)| override_names(name)) {
                let path = dir.join(&name);
                match std::fs::read_to_string(&path) {
                    Ok(text) => overrides.push((name, text)),
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
        env.add_function("t", translate);
        env.add_function("strong", |v: Value| wrap("strong", &v));
        env.add_function("em", |v: Value| wrap("em", &v));
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

    /// Renders the built-in layout `name` (`digest.html`) in `lang`: the owner's
    /// language-specific override (`digest.nl.html`) when there is one, else `name`. The
    /// template's `t("key", …)` calls read the catalog of `lang`.
    pub fn render_in<S: Serialize>(
        &self,
        lang: Lang,
        name: &str,
        ctx: S,
    ) -> Result<String, TemplateError> {
        let localized = localized_name(name, lang);
        let name = if self.env.get_template(&localized).is_ok() {
            localized.as_str()
        } else {
            name
        };
        let ctx = minijinja::context! { lang => lang.code(), ..Value::from(minijinja::value::Serde(ctx)) };
        self.render(name, ctx)
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

/// `digest.html` → `digest.nl.html`.
fn localized_name(name: &str, lang: Lang) -> String {
    match name.rsplit_once('.') {
        Some((stem, ext)) => format!("{stem}.{}.{ext}", lang.code()),
        None => format!("{name}.{}", lang.code()),
    }
}

/// The file names an owner may override a built-in with: the layout itself and, as before
/// the catalogs, one copy per language.
fn override_names(name: &str) -> impl Iterator<Item = String> + '_ {
    std::iter::once(name.to_string()).chain(Lang::ALL.iter().map(move |l| localized_name(name, *l)))
}

/// `<tag>value</tag>`, the value escaped: for a word in a sentence that the layout marks.
fn wrap(tag: &str, v: &Value) -> Value {
    let inner = if v.is_safe() {
        v.to_string()
    } else {
        HtmlEscape(&v.to_string()).to_string()
    };
    Value::from_safe_string(format!("<{tag}>{inner}</{tag}>"))
}

/// `t("area.key", name=value, …)` in a template: the catalog message of the template's
/// `lang` with its holes filled (`n=` chooses a plural). In HTML the message and each value
/// are escaped, except values the layout already marked up (`strong(client)`).
fn translate(state: &State, key: String, kwargs: Kwargs) -> Result<Value, minijinja::Error> {
    let lang = state
        .lookup("lang")
        .and_then(|v| v.as_str().and_then(Lang::from_code))
        .unwrap_or(Lang::En);
    let html = matches!(state.auto_escape(), AutoEscape::Html);
    let n = if kwargs.has("n") {
        Some(kwargs.get::<u64>("n")?)
    } else {
        None
    };
    let text = crate::i18n::catalog(lang).raw(&key, n).ok_or_else(|| {
        minijinja::Error::new(
            ErrorKind::InvalidOperation,
            format!("no message {key:?} in the {} catalog", lang.code()),
        )
    })?;
    let piece = |s: &str| {
        if html {
            HtmlEscape(s).to_string()
        } else {
            s.to_string()
        }
    };
    let mut out = String::with_capacity(text.len() + 32);
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        out.push_str(&piece(&rest[..open]));
        let after = &rest[open + 1..];
        let Some(close) = after.find('}') else {
            break;
        };
        let v: Value = kwargs.get(&after[..close])?;
        out.push_str(&if v.is_safe() {
            v.to_string()
        } else {
            piece(&v.to_string())
        });
        rest = &after[close + 1..];
    }
    out.push_str(&piece(rest));
    kwargs.assert_all_used()?;
    Ok(if html {
        Value::from_safe_string(out)
    } else {
        Value::from(out)
    })
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

    #[test]
    fn an_owners_language_specific_copy_wins_for_that_language_only() {
        let t = Templates::with_overrides(vec![("digest.nl.txt".into(), "mijn {{ lang }}".into())])
            .unwrap();
        let d = minijinja::context! {};
        assert_eq!(t.render_in(Lang::Nl, "digest.txt", &d).unwrap(), "mijn nl");
        let en = t.render_in(Lang::En, "digest.txt", &d).unwrap();
        assert!(!en.contains("mijn") && en.contains("--"), "{en}");
        assert_eq!(
            override_names("prompt.html").collect::<Vec<_>>(),
            ["prompt.html", "prompt.en.html", "prompt.nl.html"]
        );
    }

    #[test]
    fn t_fills_the_catalog_message_and_escapes_in_html_only() {
        let t = Templates::with_overrides(vec![
            (
                "x.html".into(),
                "{{ t(\"prompt.how_was\", client=strong(c)) }}".into(),
            ),
            (
                "x.txt".into(),
                "{{ t(\"prompt.how_was\", client=c) }}".into(),
            ),
            ("y.txt".into(), "{{ t(\"prompt.how_was\") }}".into()),
        ])
        .unwrap();
        let v = minijinja::context! { c => "A&B <x>" };
        assert_eq!(
            t.render_in(Lang::En, "x.html", &v).unwrap(),
            "How was <strong>A&amp;B &lt;x&gt;</strong> lately?"
        );
        assert_eq!(
            t.render_in(Lang::Nl, "x.txt", &v).unwrap(),
            "Hoe ging het met A&B <x>?"
        );
        // A hole without its value is a template error, not a silent gap.
        assert!(t.render_in(Lang::En, "y.txt", &v).is_err());
    }
}
