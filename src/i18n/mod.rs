//! Every word olifant says to the owner, one catalog per language.
//!
//! The catalogs are the TOML files beside this module (`en.toml`, `nl.toml`), embedded in the
//! binary. Code names a message by its key and fills in its arguments:
//!
//! ```text
//! tr!(lang, "digest.reply_rate", answered = 5, sent = 6, rate = 83)
//! tr_n!(lang, "digest.not_understood", n)        // a plural: { one = "…", other = "…" }
//! ```
//!
//! A message is a string with `{name}` holes, or a table `{ one, other }` chosen by the count
//! `{n}`. Formatting choices (signs, decimal commas, dates) are made in Rust before the value
//! goes in; the catalogs hold only words and their order.
//!
//! Why our own small catalog and not Fluent: the owner-facing text is a few hundred short
//! sentences in two languages with one plural rule (one/other); a typed lookup with tests
//! that every key used in the source exists in every catalog, with the same holes, catches
//! what Fluent's runtime fallbacks would hide, and adds no dependency.
//!
//! A third language is one more catalog file in [`SOURCES`] and its [`Lang`] code; the
//! tests then list every key it still lacks.

use std::collections::HashMap;
use std::fmt::Display;
use std::sync::OnceLock;

use crate::model::Lang;

/// The catalogs, by language.
pub const SOURCES: &[(Lang, &str)] = &[
    (Lang::En, include_str!("en.toml")),
    (Lang::Nl, include_str!("nl.toml")),
];

/// One message: plain, or chosen by a count.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Message {
    /// The same words for any count.
    Text(String),
    /// `one` for a count of 1, `other` otherwise (both languages olifant speaks use this rule).
    Plural {
        /// For 1.
        one: String,
        /// For 0 and 2 or more.
        other: String,
    },
}

/// One language's messages by dotted key (`digest.reply_rate`).
#[derive(Debug, Clone, Default)]
pub struct Catalog {
    messages: HashMap<String, Message>,
}

/// Why a catalog file cannot be read (a bug in the file, caught by the tests).
#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    /// Not TOML.
    #[error("the catalog is not valid TOML: {0}")]
    Toml(#[from] toml::de::Error),
    /// A value that is neither a string nor a `{ one, other }` table of strings.
    #[error("{0}: a message is a string or a table with exactly `one` and `other`")]
    Shape(String),
}

impl Catalog {
    /// Reads a catalog from its TOML text.
    pub fn parse(text: &str) -> Result<Catalog, CatalogError> {
        let table: toml::Table = text.parse()?;
        let mut messages = HashMap::new();
        flatten("", &table, &mut messages)?;
        Ok(Catalog { messages })
    }

    /// Every key, sorted.
    pub fn keys(&self) -> Vec<&str> {
        let mut keys: Vec<&str> = self.messages.keys().map(String::as_str).collect();
        keys.sort_unstable();
        keys
    }

    /// The message under `key`.
    pub fn message(&self, key: &str) -> Option<&Message> {
        self.messages.get(key)
    }

    /// The plain message under `key` (a missing key gives the key itself).
    pub fn text<'a>(&'a self, key: &'a str) -> &'a str {
        match self.messages.get(key) {
            Some(Message::Text(t)) => t,
            Some(Message::Plural { other, .. }) => other,
            None => key,
        }
    }

    /// The unfilled text under `key`: for a plural, the form for `n` (`other` without one).
    pub fn raw(&self, key: &str, n: Option<u64>) -> Option<&str> {
        Some(match (self.messages.get(key)?, n) {
            (Message::Text(t), _) => t,
            (Message::Plural { one, .. }, Some(1)) => one,
            (Message::Plural { other, .. }, _) => other,
        })
    }

    /// The message under `key` with its holes filled from `args`; a missing key gives the key
    /// itself (visible, never a crash: the tests keep every catalog complete).
    pub fn fill(&self, key: &str, args: &[(&str, &dyn Display)]) -> String {
        match self.messages.get(key) {
            Some(Message::Text(t)) => fill(t, args),
            Some(Message::Plural { other, .. }) => fill(other, args),
            None => key.to_string(),
        }
    }

    /// The plural message under `key` for the count `n` (also available as `{n}`).
    pub fn count(&self, key: &str, n: u64, args: &[(&str, &dyn Display)]) -> String {
        let mut all: Vec<(&str, &dyn Display)> = Vec::with_capacity(args.len() + 1);
        all.push(("n", &n));
        all.extend_from_slice(args);
        match self.messages.get(key) {
            Some(Message::Plural { one, .. }) if n == 1 => fill(one, &all),
            Some(Message::Plural { other, .. }) => fill(other, &all),
            Some(Message::Text(t)) => fill(t, &all),
            None => key.to_string(),
        }
    }
}

fn flatten(
    prefix: &str,
    table: &toml::Table,
    out: &mut HashMap<String, Message>,
) -> Result<(), CatalogError> {
    for (k, v) in table {
        let key = if prefix.is_empty() {
            k.clone()
        } else {
            format!("{prefix}.{k}")
        };
        match v {
            toml::Value::String(s) => {
                out.insert(key, Message::Text(s.clone()));
            }
            toml::Value::Table(t) if t.contains_key("one") || t.contains_key("other") => {
                let get = |name: &str| t.get(name).and_then(|v| v.as_str()).map(str::to_string);
                match (get("one"), get("other"), t.len()) {
                    (Some(one), Some(other), 2) => {
                        out.insert(key, Message::Plural { one, other });
                    }
                    _ => return Err(CatalogError::Shape(key)),
                }
            }
            toml::Value::Table(t) => flatten(&key, t, out)?,
            _ => return Err(CatalogError::Shape(key)),
        }
    }
    Ok(())
}

/// `text` with every `{name}` replaced by its argument; unknown holes stay as written.
pub fn fill(text: &str, args: &[(&str, &dyn Display)]) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        match after.find('}') {
            Some(close) => {
                let name = &after[..close];
                match args.iter().find(|(n, _)| *n == name) {
                    Some((_, v)) => out.push_str(&v.to_string()),
                    None => {
                        out.push('{');
                        out.push_str(name);
                        out.push('}');
                    }
                }
                rest = &after[close + 1..];
            }
            None => {
                out.push_str(&rest[open..]);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

/// The catalog of `lang` (parsed once; an unreadable file gives an empty catalog, which the
/// tests rule out).
pub fn catalog(lang: Lang) -> &'static Catalog {
    static ALL: OnceLock<Vec<(Lang, Catalog)>> = OnceLock::new();
    static EMPTY: OnceLock<Catalog> = OnceLock::new();
    ALL.get_or_init(|| {
        SOURCES
            .iter()
            .map(|(l, text)| (*l, Catalog::parse(text).unwrap_or_default()))
            .collect()
    })
    .iter()
    .find(|(l, _)| *l == lang)
    .map(|(_, c)| c)
    .unwrap_or_else(|| EMPTY.get_or_init(Catalog::default))
}

/// `tr!(lang, "area.key")`: the plain message; `tr!(lang, "area.key", name = value, …)`: the
/// message with its holes filled.
#[macro_export]
macro_rules! tr {
    ($lang:expr, $key:literal $(,)?) => {
        $crate::i18n::catalog($lang).text($key)
    };
    ($lang:expr, $key:literal $(, $name:ident = $value:expr)+ $(,)?) => {
        $crate::i18n::catalog($lang).fill($key, &[$((stringify!($name), &$value as &dyn ::std::fmt::Display)),*])
    };
}

/// `tr_n!(lang, "area.key", n, name = value, …)`: the plural message for the count `n`.
#[macro_export]
macro_rules! tr_n {
    ($lang:expr, $key:literal, $n:expr $(, $name:ident = $value:expr)* $(,)?) => {
        $crate::i18n::catalog($lang).count($key, ($n) as u64, &[$((stringify!($name), &$value as &dyn ::std::fmt::Display)),*])
    };
}

#[cfg(test)]
mod tests;
