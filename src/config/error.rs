//! Config errors, and the translation of TOML errors into messages that name the key and line.

use std::path::PathBuf;

/// Why the configuration could not be found, read, validated or resolved.
///
/// Every message names the key (`smtp.port`, `clients[2].cadence`) and, when known, the
/// line, says what is expected, and never contains a secret.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// Neither `--config`, `$OLIFANT_CONFIG`, `$XDG_CONFIG_HOME` nor `$HOME` is set.
    #[error(
        "cannot find the config file: none of --config, $OLIFANT_CONFIG, $XDG_CONFIG_HOME or $HOME is set; pass --config PATH"
    )]
    NoConfigPath,
    /// The file could not be read.
    #[error(
        "cannot read config file {path}: {source}; create it (config.example.toml documents every key) or pass --config PATH"
    )]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The file is not valid TOML, or has an unknown key or a value of the wrong type.
    #[error("{origin}{}: {message}", line_suffix(*line))]
    Syntax {
        /// Where the text came from (the file name).
        origin: String,
        /// 1-based line, when TOML gave a position.
        line: Option<usize>,
        /// The key path, when it could be worked out.
        key: Option<String>,
        /// What is wrong and what is expected.
        message: String,
    },
    /// A value is of the right type but not acceptable.
    #[error("{origin}{}: {key}: {message}", line_suffix(*line))]
    Invalid {
        /// Where the text came from (the file name).
        origin: String,
        /// 1-based line of the key, when it could be found.
        line: Option<usize>,
        /// The key path (`smtp.security`, `clients[2].cadence`).
        key: String,
        /// What is wrong and what is expected.
        message: String,
    },
    /// The file holds a plain password and others may read it.
    #[error(
        "{path} holds a plain password and is readable by group or others (mode {mode:04o}); run `chmod 600 {path}` or use password_command / password_env / password_file instead",
        path = path.display()
    )]
    Permissions {
        /// The config file.
        path: PathBuf,
        /// Its permission bits.
        mode: u32,
    },
    /// A password source could not be resolved. Never contains the secret.
    #[error("cannot get the password for {key}: {message}")]
    Secret {
        /// The key of the password source (`imap.password_command`).
        key: String,
        /// What went wrong and what to do.
        message: String,
    },
}

fn line_suffix(line: Option<usize>) -> String {
    match line {
        Some(l) => format!(" line {l}"),
        None => String::new(),
    }
}

impl ConfigError {
    /// The key path the error is about, when there is one.
    pub fn key(&self) -> Option<&str> {
        match self {
            ConfigError::Syntax { key, .. } => key.as_deref(),
            ConfigError::Invalid { key, .. } => Some(key),
            ConfigError::Secret { key, .. } => Some(key),
            _ => None,
        }
    }

    /// The 1-based line the error is about, when known.
    pub fn line(&self) -> Option<usize> {
        match self {
            ConfigError::Syntax { line, .. } | ConfigError::Invalid { line, .. } => *line,
            _ => None,
        }
    }
}

/// Builds [`ConfigError::Invalid`] for `key`, finding its line in `text`.
pub(crate) fn invalid(
    text: &str,
    origin: &str,
    key: &str,
    message: impl Into<String>,
) -> ConfigError {
    ConfigError::Invalid {
        origin: origin.to_string(),
        line: locate_key(text, key),
        key: key.to_string(),
        message: message.into(),
    }
}

/// Turns a TOML/serde error into a message naming the key and line.
pub(crate) fn from_toml(text: &str, origin: &str, err: &toml::de::Error) -> ConfigError {
    let (line, table, key_on_line) = match err.span() {
        Some(span) => {
            let line = line_of(text, span.start);
            let (table, key) = context_at(text, line);
            (Some(line), table, key)
        }
        None => (None, String::new(), None),
    };
    let raw = err.message().trim().to_string();
    if let Some(rest) = raw.strip_prefix("unknown field `") {
        let (name, tail) = rest.split_once('`').unwrap_or((rest, ""));
        let expected = tail
            .trim_start_matches(',')
            .trim()
            .trim_start_matches("expected")
            .trim()
            .replace('`', "");
        let place = if table.is_empty() {
            "at the top level".to_string()
        } else {
            format!("in [{table}]")
        };
        let key = join(&table, name);
        let expected = if expected.is_empty() {
            String::new()
        } else {
            format!("; expected {expected}")
        };
        return ConfigError::Syntax {
            origin: origin.to_string(),
            line,
            key: Some(key),
            message: format!("unknown key \"{name}\" {place}{expected}"),
        };
    }
    let key = key_on_line.map(|k| join(&table, &k));
    let mut message = raw;
    if key
        .as_deref()
        .is_some_and(|k| k == "password" || k.ends_with(".password"))
    {
        // serde quotes the offending value; for a password that would be the secret.
        message = "expected the password as a quoted string (value not shown)".to_string();
    }
    if message.contains("untagged enum RawDate") {
        message = "expected a date like 2024-03-01".to_string();
    }
    for (rust, plain) in [
        ("expected u16", "expected a whole number from 0 to 65535"),
        ("expected u32", "expected a whole number of 0 or more"),
        ("expected u64", "expected a whole number of 0 or more"),
        ("expected usize", "expected a whole number of 0 or more"),
        ("expected f64", "expected a number"),
        ("expected a boolean", "expected true or false"),
    ] {
        if let Some(stripped) = message.strip_suffix(rust) {
            message = format!("{stripped}{plain}");
        }
    }
    let message = match &key {
        Some(k) => format!("{k}: {message}"),
        None => message,
    };
    ConfigError::Syntax {
        origin: origin.to_string(),
        line,
        key,
        message,
    }
}

fn join(table: &str, key: &str) -> String {
    if table.is_empty() {
        key.to_string()
    } else {
        format!("{table}.{key}")
    }
}

/// 1-based line number of a byte offset.
fn line_of(text: &str, offset: usize) -> usize {
    let offset = offset.min(text.len());
    text.as_bytes()[..offset]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

/// One header or key line, as the scanner sees it.
enum LineKind {
    /// `[a.b]` or `[[a]]` (the path already carries the array index).
    Header(String),
    /// `key = …` (the key path relative to the current table).
    Key(String),
    Other,
}

/// Walks the lines, tracking the current table (`clients[1]`, `digest.weights`).
fn scan(text: &str) -> Vec<(usize, String, LineKind)> {
    let mut out = Vec::new();
    let mut table = String::new();
    let mut array_counts: std::collections::HashMap<String, usize> = Default::default();
    for (i, line) in text.lines().enumerate() {
        let t = line.trim();
        let kind = if let Some(inner) = t.strip_prefix("[[") {
            let name = clean_key(inner.split("]]").next().unwrap_or(""));
            let n = array_counts.entry(name.clone()).or_insert(0);
            table = format!("{name}[{n}]");
            *n += 1;
            LineKind::Header(table.clone())
        } else if let Some(inner) = t.strip_prefix('[') {
            let name = clean_key(inner.split(']').next().unwrap_or(""));
            // A sub-table of an array element, e.g. [clients.extra] after [[clients]].
            table = name;
            LineKind::Header(table.clone())
        } else if t.starts_with('#') || t.is_empty() {
            LineKind::Other
        } else if let Some((k, _)) = t.split_once('=') {
            LineKind::Key(clean_key(k))
        } else {
            LineKind::Other
        };
        out.push((i + 1, table.clone(), kind));
    }
    out
}

fn clean_key(k: &str) -> String {
    k.split('.')
        .map(|part| part.trim().trim_matches('"').trim_matches('\''))
        .collect::<Vec<_>>()
        .join(".")
}

/// The table in force at `line` and the key written on it, if any.
fn context_at(text: &str, line: usize) -> (String, Option<String>) {
    for (n, table, kind) in scan(text) {
        if n == line {
            return match kind {
                LineKind::Key(k) => (table, Some(k)),
                LineKind::Header(h) => (h, None),
                LineKind::Other => (table, None),
            };
        }
    }
    (String::new(), None)
}

/// Finds the line of a key path; falls back to its closest written ancestor (an inline table,
/// a section header).
pub(crate) fn locate_key(text: &str, path: &str) -> Option<usize> {
    let lines = scan(text);
    let mut wanted = path.to_string();
    loop {
        for (n, table, kind) in &lines {
            let full = match kind {
                LineKind::Key(k) => join(table, k),
                LineKind::Header(h) => h.clone(),
                LineKind::Other => continue,
            };
            if full == wanted {
                return Some(*n);
            }
        }
        match wanted.rfind(['.', '[']) {
            Some(i) if i > 0 => wanted.truncate(i),
            _ => return None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locate_key_counts_array_tables_and_falls_back_to_inline_tables() {
        let text = "a = 1\n[smtp]\nport = 2\n[[clients]]\nname = \"x\"\n[[clients]]\nname = \"y\"\ncadence = \"z\"\n[digest]\nweights = { p = 1 }\n";
        assert_eq!(locate_key(text, "a"), Some(1));
        assert_eq!(locate_key(text, "smtp.port"), Some(3));
        assert_eq!(locate_key(text, "clients[1].cadence"), Some(8));
        assert_eq!(locate_key(text, "clients[0].cadence"), Some(4));
        assert_eq!(locate_key(text, "digest.weights.p"), Some(10));
        assert_eq!(locate_key(text, "imap.host"), None);
    }
}
