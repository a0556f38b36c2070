use super::*;
use std::collections::BTreeSet;
use std::path::Path;

fn holes(m: &Message) -> BTreeSet<String> {
    let texts: Vec<&str> = match m {
        Message::Text(t) => vec![t],
        Message::Plural { one, other } => vec![one, other],
    };
    let mut out = BTreeSet::new();
    for t in texts {
        let mut rest = t;
        while let Some(open) = rest.find('{') {
            let after = &rest[open + 1..];
            let Some(close) = after.find('}') else { break };
            out.insert(after[..close].to_string());
            rest = &after[close + 1..];
        }
    }
    out
}

fn parsed() -> Vec<(Lang, Catalog)> {
    SOURCES
        .iter()
        .map(|(l, text)| {
            let c = Catalog::parse(text).unwrap_or_else(|e| panic!("{}.toml: {e}", l.code()));
            (*l, c)
        })
        .collect()
}

#[test]
fn every_language_has_a_catalog_and_every_catalog_parses() {
    let all = parsed();
    for l in Lang::ALL {
        let c = all.iter().find(|(x, _)| *x == l).map(|(_, c)| c);
        assert!(c.is_some_and(|c| c.keys().len() > 20), "{}", l.code());
    }
}

#[test]
fn every_catalog_has_the_same_keys_kinds_and_holes_as_english() {
    let all = parsed();
    let en = &all.iter().find(|(l, _)| *l == Lang::En).expect("en").1;
    for (lang, c) in &all {
        let (a, b): (BTreeSet<&str>, BTreeSet<&str>) = (
            en.keys().into_iter().collect(),
            c.keys().into_iter().collect(),
        );
        assert_eq!(
            a.difference(&b).collect::<Vec<_>>(),
            Vec::<&&str>::new(),
            "missing in {}.toml",
            lang.code()
        );
        assert_eq!(
            b.difference(&a).collect::<Vec<_>>(),
            Vec::<&&str>::new(),
            "only in {}.toml",
            lang.code()
        );
        for k in en.keys() {
            let (m, n) = (en.message(k).unwrap(), c.message(k).unwrap());
            assert_eq!(
                matches!(m, Message::Plural { .. }),
                matches!(n, Message::Plural { .. }),
                "{k}: plural in one catalog only ({})",
                lang.code()
            );
            assert_eq!(
                holes(m),
                holes(n),
                "{k}: other holes in {}.toml",
                lang.code()
            );
        }
    }
}

/// Every `tr!`/`tr_n!` key in the source, with whether it is a plural lookup.
fn keys_used(dir: &Path, out: &mut Vec<(String, bool, String)>) {
    for e in std::fs::read_dir(dir).expect("read src") {
        let p = e.expect("entry").path();
        if p.is_dir() {
            keys_used(&p, out);
        } else if p.ends_with("i18n/mod.rs") || p.ends_with("i18n/tests.rs") {
            // The catalog's own docs and tests show made-up keys.
        } else if p.extension().is_some_and(|x| x == "rs") {
            let text = std::fs::read_to_string(&p).expect("read");
            for (mac, plural) in [("tr!(", false), ("tr_n!(", true)] {
                let mut rest = text.as_str();
                while let Some(i) = rest.find(mac) {
                    // `include_str!(` is not `tr!(`: the macro name starts a word.
                    let word_start = rest[..i]
                        .chars()
                        .next_back()
                        .is_none_or(|c| !(c.is_alphanumeric() || c == '_'));
                    rest = &rest[i + mac.len()..];
                    if !word_start {
                        continue;
                    }
                    let Some(q) = rest.find('"') else { break };
                    let Some(end) = rest[q + 1..].find('"') else {
                        break;
                    };
                    let key = &rest[q + 1..q + 1 + end];
                    if key.contains('.') && !key.contains(' ') {
                        out.push((key.to_string(), plural, p.display().to_string()));
                    }
                }
            }
        }
    }
}

#[test]
fn every_key_the_source_uses_is_in_every_catalog_with_the_right_kind() {
    let mut used = Vec::new();
    keys_used(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
        &mut used,
    );
    assert!(used.len() > 20, "too few keys found: {used:?}");
    for (lang, c) in parsed() {
        for (key, plural, file) in &used {
            let m = c.message(key).unwrap_or_else(|| {
                panic!("{key} (used in {file}) is missing in {}.toml", lang.code())
            });
            assert_eq!(
                matches!(m, Message::Plural { .. }),
                *plural,
                "{key} in {file}: tr_n! needs a {{ one, other }} message, tr! a plain one"
            );
        }
    }
}

#[test]
fn every_key_a_built_in_template_uses_is_in_every_catalog() {
    let mut used = Vec::new();
    for (name, source) in crate::templates::builtin() {
        let mut rest: &str = source;
        while let Some(i) = rest.find("t(\"") {
            let ident_before = rest[..i]
                .chars()
                .next_back()
                .is_some_and(|c| c.is_alphanumeric() || c == '_');
            rest = &rest[i + 3..];
            let Some(end) = rest.find('"') else { break };
            if !ident_before {
                used.push((rest[..end].to_string(), *name));
            }
        }
    }
    assert!(used.len() > 20, "too few template keys: {used:?}");
    for (lang, c) in parsed() {
        for (key, name) in &used {
            assert!(
                c.message(key).is_some(),
                "{key} (used in template {name}) is missing in {}.toml",
                lang.code()
            );
        }
    }
}

#[test]
fn fill_replaces_named_holes_and_keeps_unknown_ones() {
    let n = 3;
    assert_eq!(fill("{a} of {b}", &[("a", &1), ("b", &"x")]), "1 of x");
    assert_eq!(fill("{a} {zz} {", &[("a", &n)]), "3 {zz} {");
    let c = Catalog::parse(
        "[x]\nr = { one = \"{n} reply\", other = \"{n} replies\" }\nt = \"hi {who}\"\n",
    )
    .unwrap();
    assert_eq!(c.count("x.r", 1, &[]), "1 reply");
    assert_eq!(c.count("x.r", 0, &[]), "0 replies");
    assert_eq!(c.fill("x.t", &[("who", &"Sanne")]), "hi Sanne");
    assert_eq!(c.fill("x.missing", &[]), "x.missing");
    assert!(Catalog::parse("[x]\nr = { one = \"a\" }\n").is_err());
    assert!(Catalog::parse("[x]\nr = 3\n").is_err());
}
