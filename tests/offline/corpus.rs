//! The third-party reply corpus (`OLIFANT_CORPUS_DIR`, default `../shared/corpus` next to the
//! crate): every file is read without a panic or a hang, and the quote stripper's agreement
//! with each upstream library's expected reply is reported per folder, with floors.
//!
//! Run: `OLIFANT_CORPUS_DIR=/work/shared/corpus cargo test --test offline corpus:: -- --nocapture`.
//! A missing corpus directory fails the test: it is never skipped silently.

use std::path::Path;
use std::time::{Duration, Instant};

use olifant::parse::html::html_to_text;
use olifant::parse::{read_message, strip_reply_text, ParseContext};
use serde_json::Value;

use crate::common::files_under;
use crate::support::{corpus_dir, Parsing};

/// A hang detector, not a speed target (those live in benches/).
const HANG_BOUND: Duration = Duration::from_secs(20);

#[test]
fn every_corpus_file_is_read_without_panic_or_hang() {
    let dir = corpus_dir();
    let mut files = Vec::new();
    files_under(&dir, &mut files);
    files.sort();
    let parsing = Parsing::new();
    let ctx = parsing.context();
    let mut read = 0;
    let mut messages = 0;
    for f in &files {
        let name = f.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if name == "LICENSE" || name.starts_with("LICENSE") || name.ends_with(".md") {
            continue;
        }
        let raw = std::fs::read(f).expect("corpus file is readable");
        let started = Instant::now();
        let result = std::panic::catch_unwind(|| {
            let parsed = read_message(&raw, &ctx).is_ok();
            let text = String::from_utf8_lossy(&raw);
            let _ = strip_reply_text(&text);
            if name.ends_with(".html") || name.ends_with(".htm") {
                let _ = strip_reply_text(&html_to_text(&text));
            }
            parsed
        });
        let took = started.elapsed();
        let parsed = result.unwrap_or_else(|_| panic!("panicked on {}", f.display()));
        assert!(took < HANG_BOUND, "{} took {took:?}", f.display());
        if parsed {
            messages += 1;
        }
        read += 1;
    }
    println!("corpus: {read} files read, {messages} parsed as messages");
    assert!(
        read > 300,
        "expected the whole corpus, read only {read} files"
    );
}

/// Whitespace-insensitive comparison (libraries differ in blank lines and wrapping).
fn squash(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

struct Tally {
    folder: &'static str,
    cases: usize,
    agree: usize,
    misses: Vec<String>,
}

impl Tally {
    fn new(folder: &'static str) -> Self {
        Tally {
            folder,
            cases: 0,
            agree: 0,
            misses: Vec::new(),
        }
    }

    fn check(&mut self, label: &str, ours: &str, expected: &str) {
        self.cases += 1;
        // mail-parser-reply keeps Outlook's trailing "-----" rule in its replies (see its
        // SOURCE.md); a rule of dashes at the very end is not text anyone wrote.
        let expected = expected.trim_end_matches(|c: char| c == '-' || c.is_whitespace());
        if squash(ours) == squash(expected) {
            self.agree += 1;
        } else {
            let cut = |s: &str| s.chars().take(300).collect::<String>();
            self.misses.push(format!(
                "{label}\n      ours: {:?}\n      want: {:?}",
                cut(ours),
                cut(expected)
            ));
        }
    }

    fn percent(&self) -> f64 {
        if self.cases == 0 {
            0.0
        } else {
            self.agree as f64 * 100.0 / self.cases as f64
        }
    }
}

fn load_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("bad JSON {}: {e}", path.display()))
}

fn read_lossy(path: &Path) -> String {
    String::from_utf8_lossy(&std::fs::read(path).unwrap_or_default()).into_owned()
}

fn apply_substitutes(text: String, entry: &Value) -> String {
    let mut text = text;
    if let Some(map) = entry.get("substitute").and_then(Value::as_object) {
        for (k, v) in map {
            text = text.replace(k.as_str(), v.as_str().unwrap_or(""));
        }
    }
    text
}

/// Folders whose `expected.json` is a list of `{file, expected_reply}` on plain-text bodies.
fn plain_folder(dir: &Path, folder: &'static str, accept: impl Fn(&Value) -> bool) -> Tally {
    let mut t = Tally::new(folder);
    let v = load_json(&dir.join(folder).join("expected.json"));
    for e in v.as_array().into_iter().flatten() {
        let (Some(file), Some(expected)) = (
            e.get("file").and_then(Value::as_str),
            e.get("expected_reply").and_then(Value::as_str),
        ) else {
            continue;
        };
        if !accept(e) {
            continue;
        }
        let text = apply_substitutes(read_lossy(&dir.join(folder).join(file)), e);
        let label = match e.get("substitute") {
            Some(s) => format!("{file} {s}"),
            None => file.to_string(),
        };
        t.check(&label, &strip_reply_text(text.trim()), expected);
    }
    t
}

fn talon(dir: &Path) -> Tally {
    let folder = "mailgun-talon";
    let mut t = Tally::new(folder);
    let base = dir.join(folder);
    let v = load_json(&base.join("expected.json"));
    for e in v["standard_replies"].as_array().into_iter().flatten() {
        let (Some(file), Some(expected)) = (e["file"].as_str(), e["expected_reply"].as_str())
        else {
            continue;
        };
        let raw = std::fs::read(base.join(file)).unwrap_or_default();
        let body = mail_parser::MessageParser::default()
            .parse(&raw)
            .and_then(|m| m.body_text(0).map(|b| b.into_owned()))
            .unwrap_or_default();
        t.check(file, &strip_reply_text(&body), expected);
    }
    for section in ["html_replies", "html_files"] {
        for e in v[section].as_array().into_iter().flatten() {
            let (Some(file), Some(expected)) = (e["file"].as_str(), e["expected_reply"].as_str())
            else {
                continue;
            };
            let html = read_lossy(&base.join(file));
            t.check(file, &strip_reply_text(&html_to_text(&html)), expected);
        }
    }
    let inline = load_json(&base.join("inline_cases.json"));
    for (src, s) in inline["sources"].as_object().into_iter().flatten() {
        for c in s["cases"].as_array().into_iter().flatten() {
            let (Some(input), Some(expected)) = (c["input"].as_str(), c["expected"].as_str())
            else {
                continue;
            };
            if c.get("upstream_patches").is_some() {
                continue;
            }
            let label = format!("{src}::{}", c["name"].as_str().unwrap_or("?"));
            let ours = if c["api"].as_str() == Some("extract_from_html") {
                strip_reply_text(&html_to_text(input))
            } else {
                strip_reply_text(input)
            };
            let expected = if c["api"].as_str() == Some("extract_from_html") {
                html_to_text(expected)
            } else {
                expected.to_string()
            };
            t.check(&label, &ours, &expected);
        }
    }
    t
}

fn quotequail(dir: &Path) -> Tally {
    let folder = "closeio-quotequail";
    let mut t = Tally::new(folder);
    let base = dir.join(folder);
    let v = load_json(&base.join("expected.json"));
    for c in v["cases"].as_array().into_iter().flatten() {
        let (Some(file), Some(expected)) = (c["file"].as_str(), c["expected_reply_html"].as_str())
        else {
            continue;
        };
        let html = read_lossy(&base.join(file));
        t.check(
            file,
            &strip_reply_text(&html_to_text(&html)),
            &html_to_text(expected),
        );
    }
    let inline = load_json(&base.join("inline_cases.json"));
    if let Some(rows) = inline["cases"]["test_unwrap.py::test_unwrap"]["rows"].as_array() {
        for (i, r) in rows.iter().enumerate() {
            let (Some(text), Some(expected)) = (r["text"].as_str(), r["expected_reply"].as_str())
            else {
                continue;
            };
            t.check(
                &format!("test_unwrap[{i}]"),
                &strip_reply_text(text),
                expected,
            );
        }
    }
    t
}

#[test]
fn quote_stripping_agrees_with_upstream_expectations() {
    let dir = corpus_dir();
    let any = |_: &Value| true;
    let tallies = vec![
        plain_folder(&dir, "discourse-email_reply_trimmer", any),
        plain_folder(&dir, "github-email_reply_parser", any),
        plain_folder(&dir, "zapier-email-reply-parser", any),
        plain_folder(&dir, "willdurand-EmailReplyParser", |e| {
            e.get("requires_custom_quote_header_regex_appended")
                .is_none()
        }),
        plain_folder(&dir, "crisp-oss-email-reply-parser", any),
        // Only the fork's whole-reply expectations; `cut_off_at_signature` is another question.
        plain_folder(&dir, "edgetier-email-reply-parser", |e| {
            matches!(
                e.get("expected_reply_from").and_then(Value::as_str),
                Some("parse_reply(text)") | Some("email.reply.strip()")
            )
        }),
        plain_folder(&dir, "alfonsrv-mail-parser-reply", any),
        talon(&dir),
        quotequail(&dir),
    ];
    // Floors sit a little below what the stripper achieves; raise them, never lower them.
    let floors: &[(&str, f64)] = &[
        ("discourse-email_reply_trimmer", 82.0),
        ("github-email_reply_parser", 95.0),
        ("zapier-email-reply-parser", 95.0),
        ("willdurand-EmailReplyParser", 85.0),
        ("crisp-oss-email-reply-parser", 83.0),
        ("edgetier-email-reply-parser", 95.0),
        ("alfonsrv-mail-parser-reply", 95.0),
        ("mailgun-talon", 80.0),
        ("closeio-quotequail", 85.0),
    ];
    println!("\n| folder | cases | agree | % | floor |");
    println!("|---|---:|---:|---:|---:|");
    let mut below = Vec::new();
    for t in &tallies {
        let floor = floors
            .iter()
            .find(|(f, _)| *f == t.folder)
            .map(|(_, f)| *f)
            .unwrap_or(0.0);
        println!(
            "| {} | {} | {} | {:.1} | {:.0} |",
            t.folder,
            t.cases,
            t.agree,
            t.percent(),
            floor
        );
        if std::env::var("OLIFANT_CORPUS_MISSES").is_ok() {
            for m in &t.misses {
                println!("    miss: {m}");
            }
        }
        assert!(t.cases > 0, "{}: no comparable cases found", t.folder);
        if t.percent() < floor {
            below.push(format!("{} {:.1}% < {floor}%", t.folder, t.percent()));
        }
    }
    assert!(
        below.is_empty(),
        "agreement fell below the floor: {below:?}"
    );
}

#[test]
fn delivery_reports_in_the_corpus_are_bounces() {
    let dir = corpus_dir();
    let parsing = Parsing::new();
    let ctx = ParseContext {
        key: None,
        trusted_authserv_id: None,
        ..parsing.context()
    };
    let files = [
        "mikel-mail/multipart_report_emails/multi_address_bounce1.eml",
        "mikel-mail/multipart_report_emails/multi_address_bounce2.eml",
        "mikel-mail/multipart_report_emails/multipart_report_multiple_status.eml",
        "mikel-mail/multipart_report_emails/report_422.eml",
        "mikel-mail/multipart_report_emails/report_530.eml",
        "jstedfast-MimeKit/delivery-status.txt",
        "jstedfast-MimeKit/delivery-status2.txt",
        "jstedfast-MimeKit/delivery-status-no-blank-line.txt",
        "jstedfast-MimeKit/delivery-status-multiple-blank-lines.txt",
        "jstedfast-MimeKit/bounce.txt",
    ];
    let mut with_reason = 0;
    for f in files {
        let raw = std::fs::read(dir.join(f)).unwrap_or_else(|e| panic!("{f}: {e}"));
        let r = read_message(&raw, &ctx).unwrap_or_else(|e| panic!("{f}: {e}"));
        println!("{f}: {:?} reason={:?}", r.parsed.kind, r.bounce_reason);
        assert_eq!(r.parsed.kind, olifant::model::MessageKind::Bounce, "{f}");
        if r.bounce_reason.is_some() {
            with_reason += 1;
        }
    }
    assert!(with_reason >= 8, "only {with_reason} bounces gave a reason");
}
