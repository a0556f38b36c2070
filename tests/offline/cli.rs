//! The `olifant` binary end to end, offline: the demo, parse, config errors, the digest
//! commands on the demo's data, export/import round trip, help/completions/manpage, and the
//! data-directory lock. Every test runs the real binary (`CARGO_BIN_EXE_olifant`) in its own
//! temporary directory.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::common::{olifant, text};

fn run(home: &Path, args: &[&str]) -> Output {
    olifant(home)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run olifant {args:?}: {e}"))
}

/// Runs and insists on exit code 0; returns stdout.
fn ok(home: &Path, args: &[&str]) -> String {
    check_ok(run(home, args), args)
}

/// Like [`ok`], with the binary's clock pinned to `at` (test builds honour `$OLIFANT_NOW`).
fn ok_at(home: &Path, at: DateTime<Utc>, args: &[&str]) -> String {
    let out = olifant(home)
        .env(olifant::clock::PIN_ENV, at.to_rfc3339())
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run olifant {args:?}: {e}"));
    check_ok(out, args)
}

fn check_ok(out: Output, args: &[&str]) -> String {
    assert!(
        out.status.success(),
        "olifant {args:?} failed ({}):\nstdout:\n{}\nstderr:\n{}",
        out.status,
        text(&out.stdout),
        text(&out.stderr)
    );
    text(&out.stdout)
}

/// A fresh demo in `TMP/demo`; returns (tempdir, demo dir, config path, demo stdout).
fn demo(lang: &str) -> (tempfile::TempDir, PathBuf, String, String) {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().join("demo");
    let stdout = ok(
        tmp.path(),
        &[
            "demo",
            "--dir",
            dir.to_str().expect("utf-8 path"),
            "--lang",
            lang,
        ],
    );
    let config = dir.join("config.toml");
    assert!(config.exists(), "the demo wrote no {}", config.display());
    let config = config.to_str().expect("utf-8 path").to_string();
    (tmp, dir, config, stdout)
}

/// The digest's terminal sections: heading (text before the first `:`) → client names.
/// A section heading is an unindented line; a client line is indented by exactly two spaces
/// and carries `  <health word> <number>`.
fn sections(digest: &str, health_word: &str) -> BTreeMap<String, Vec<String>> {
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut current: Option<String> = None;
    let marker = format!("  {health_word} ");
    for line in digest.lines() {
        if line.trim().is_empty() {
            continue;
        }
        if !line.starts_with(' ') {
            let heading = line.split(':').next().unwrap_or(line).trim().to_string();
            current = Some(heading);
            continue;
        }
        if line.starts_with("  ") && !line.starts_with("   ") {
            if let (Some(h), Some((name, _))) = (&current, line[2..].split_once(&marker)) {
                out.entry(h.clone()).or_default().push(name.to_string());
            }
        }
    }
    out
}

/// Image files an HTML page refers to with `src="…"` (relative paths only).
fn image_sources(html: &str) -> Vec<String> {
    html.split("src=\"")
        .skip(1)
        .filter_map(|s| s.split('"').next())
        .filter(|s| !s.starts_with("data:") && !s.contains("://"))
        .map(str::to_string)
        .collect()
}

fn html_path_from_demo(stdout: &str) -> PathBuf {
    let line = stdout
        .lines()
        .find_map(|l| l.strip_prefix("HTML digest:"))
        .unwrap_or_else(|| panic!("the demo printed no `HTML digest:` line:\n{stdout}"));
    PathBuf::from(line.trim())
}

fn assert_html_with_images(index: &Path) {
    let html = std::fs::read_to_string(index)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", index.display()));
    let images = image_sources(&html);
    assert!(
        !images.is_empty(),
        "{} refers to no images (charts expected)",
        index.display()
    );
    let dir = index.parent().expect("index.html has a parent");
    for img in images {
        let p = dir.join(&img);
        let len = std::fs::metadata(&p)
            .unwrap_or_else(|e| {
                panic!("{} refers to {img}, which is missing: {e}", index.display())
            })
            .len();
        assert!(len > 0, "{} is empty", p.display());
    }
}

#[test]
fn demo_prints_a_digest_with_nurture_and_let_go_and_writes_html_with_images() {
    let (_tmp, dir, _config, stdout) = demo("en");
    let s = sections(&stdout, "health");
    let nurture = s.get("Nurture").cloned().unwrap_or_default();
    let let_go = s.get("Let go").cloned().unwrap_or_default();
    assert!(
        !nurture.is_empty(),
        "no client under Nurture; sections {s:?}\n{stdout}"
    );
    assert!(
        !let_go.is_empty(),
        "no client under Let go; sections {s:?}\n{stdout}"
    );
    let html = html_path_from_demo(&stdout);
    assert!(
        html.starts_with(&dir),
        "HTML {} is outside the demo dir {}",
        html.display(),
        dir.display()
    );
    assert_html_with_images(&html);
}

#[test]
fn demo_in_dutch_prints_dutch_headings() {
    let (_tmp, _dir, _config, stdout) = demo("nl");
    let s = sections(&stdout, "gezondheid");
    assert!(
        s.get("Koesteren").is_some_and(|v| !v.is_empty()),
        "no client under Koesteren; sections {s:?}\n{stdout}"
    );
    assert!(
        s.get("Loslaten").is_some_and(|v| !v.is_empty()),
        "no client under Loslaten; sections {s:?}\n{stdout}"
    );
    assert!(
        !stdout.contains("Nurture") && !stdout.contains("Let go"),
        "English headings in the Dutch demo:\n{stdout}"
    );
    assert_html_with_images(&html_path_from_demo(&stdout));
}

fn golden(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(name)
}

/// A config matching the golden fixtures' context: owner@example.test, olifant@example.test,
/// the fixed token key `[7; 32]`, trusted authserv-id mx.example.test.
fn golden_config(tmp: &Path) -> PathBuf {
    let data = tmp.join("data");
    std::fs::create_dir_all(&data).expect("data dir");
    std::fs::write(data.join("secret.key"), [7u8; 32]).expect("key");
    let path = tmp.join("config.toml");
    std::fs::write(
        &path,
        format!(
            "data_dir = {data:?}\n\
             [owner]\naddresses = [\"owner@example.test\"]\ntimezone = \"Europe/Amsterdam\"\n\
             [bot]\naddress = \"olifant@example.test\"\n\
             [ingest]\ntrusted_authserv_id = \"mx.example.test\"\n",
            data = data.to_str().expect("utf-8 path")
        ),
    )
    .expect("config");
    path
}

const PARSED_KEYS: [&str; 6] = [
    "kind",
    "prompt_token",
    "language",
    "answers",
    "notes",
    "problems",
];

fn one_json_object(stdout: &str) -> serde_json::Map<String, Value> {
    let mut stream = serde_json::Deserializer::from_str(stdout).into_iter::<Value>();
    let first = stream
        .next()
        .unwrap_or_else(|| panic!("no JSON on stdout: {stdout:?}"))
        .unwrap_or_else(|e| panic!("stdout is not JSON ({e}): {stdout:?}"));
    assert!(
        stream.next().is_none(),
        "more than one JSON value on stdout: {stdout:?}"
    );
    match first {
        Value::Object(m) => m,
        other => panic!("expected a JSON object, got {other}"),
    }
}

#[test]
fn parse_json_prints_exactly_one_object_equal_to_the_golden_output() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let config = golden_config(tmp.path());
    let mut checked = 0;
    for name in ["client_apple_mail_en", "grammar_pairs_one_line_nl"] {
        let eml = golden(&format!("{name}.eml"));
        let stdout = ok(
            tmp.path(),
            &[
                "--config",
                config.to_str().expect("utf-8"),
                "parse",
                eml.to_str().expect("utf-8"),
                "--json",
            ],
        );
        let obj = one_json_object(&stdout);
        let keys: BTreeSet<&str> = obj.keys().map(String::as_str).collect();
        assert_eq!(keys, PARSED_KEYS.into_iter().collect(), "keys of {name}");
        let expected: Value = serde_json::from_str(
            &std::fs::read_to_string(golden(&format!("{name}.json"))).expect("golden json"),
        )
        .expect("golden json parses");
        assert_eq!(
            Value::Object(obj),
            expected,
            "`olifant parse {name}.eml --json` differs from tests/golden/{name}.json"
        );
        checked += 1;
    }
    assert!(checked > 0);
}

#[test]
fn parse_json_without_a_config_still_prints_one_object_with_every_key() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let eml = golden("client_outlook_desktop_nl.eml");
    let stdout = ok(
        tmp.path(),
        &["parse", eml.to_str().expect("utf-8"), "--json"],
    );
    let obj = one_json_object(&stdout);
    let keys: BTreeSet<&str> = obj.keys().map(String::as_str).collect();
    assert_eq!(keys, PARSED_KEYS.into_iter().collect());
}

#[test]
fn parse_with_a_broken_config_fails_instead_of_using_defaults() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let config = tmp.path().join("config.toml");
    std::fs::write(&config, "[owner]\nadresses = [\"a@example.test\"]\n").expect("write");
    let eml = golden("client_apple_mail_en.eml");
    let out = run(
        tmp.path(),
        &[
            "--config",
            config.to_str().expect("utf-8"),
            "parse",
            eml.to_str().expect("utf-8"),
            "--json",
        ],
    );
    assert_eq!(out.status.code(), Some(1), "stdout: {}", text(&out.stdout));
    assert!(
        text(&out.stderr).contains("adresses"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn a_typo_in_a_config_key_is_reported_with_the_key_and_its_line() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let config = tmp.path().join("config.toml");
    // Line 5 holds the typo.
    std::fs::write(
        &config,
        format!(
            "data_dir = {:?}\n\
             [owner]\n\
             addresses = [\"owner@example.test\"]\n\
             timezone = \"Europe/Amsterdam\"\n\
             languge = \"nl\"\n\
             [bot]\n\
             address = \"olifant@example.test\"\n",
            tmp.path().join("data").to_str().expect("utf-8")
        ),
    )
    .expect("write");
    let out = run(
        tmp.path(),
        &["--config", config.to_str().expect("utf-8"), "status"],
    );
    let err = text(&out.stderr);
    assert_eq!(
        out.status.code(),
        Some(1),
        "`olifant status` with a typo in the config:\n{}",
        text(&out.stdout)
    );
    assert!(err.contains("languge"), "stderr names no key: {err}");
    assert!(err.contains("line 5"), "stderr names no line: {err}");
    assert!(
        !tmp.path().join("data").exists(),
        "a data directory was created from a bad config"
    );

    // `check` reports it as a failed check: ✗ and exit code 3.
    let out = run(
        tmp.path(),
        &["--config", config.to_str().expect("utf-8"), "check"],
    );
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(3), "{stdout}{}", text(&out.stderr));
    let line = stdout
        .lines()
        .find(|l| l.starts_with("✗ config"))
        .unwrap_or_else(|| panic!("no ✗ config line:\n{stdout}"));
    assert!(
        line.contains("languge") && line.contains("line 5"),
        "{line}"
    );
}

#[test]
fn usage_errors_exit_2() {
    let tmp = tempfile::tempdir().expect("tempdir");
    for args in [
        &["frobnicate"][..],
        &["digest", "--no-such-flag"],
        &["parse"],
    ] {
        let out = run(tmp.path(), args);
        assert_eq!(
            out.status.code(),
            Some(2),
            "olifant {args:?}: {}",
            text(&out.stderr)
        );
    }
}

#[test]
fn a_second_demo_in_the_same_dir_is_refused_and_changes_nothing() {
    let (tmp, dir, config, _) = demo("en");
    let before = outbox_count(&dir);
    let export_before = ok(tmp.path(), &["--config", &config, "export"]);
    let out = run(tmp.path(), &["demo", "--dir", dir.to_str().expect("utf-8")]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stdout));
    assert!(
        text(&out.stderr).contains("not empty"),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(outbox_count(&dir), before);
    assert_eq!(
        ok(tmp.path(), &["--config", &config, "export"]),
        export_before
    );
}

fn verdict_of_heading(h: &str) -> Option<&'static str> {
    match h {
        "Nurture" => Some("nurture"),
        "Keep" => Some("keep"),
        "Watch" => Some("watch"),
        "Let go" => Some("let_go"),
        "Not enough data yet" => Some("not_enough_data"),
        _ => None,
    }
}

#[test]
fn digest_json_agrees_with_the_preview() {
    let (tmp, _dir, config, _) = demo("en");
    let preview = ok(tmp.path(), &["--config", &config, "digest", "--preview"]);
    let json: Value =
        serde_json::from_str(&ok(tmp.path(), &["--config", &config, "digest", "--json"]))
            .expect("digest --json is JSON");
    let from_json: BTreeSet<(String, String)> = json["clients"]
        .as_array()
        .expect("clients array")
        .iter()
        .map(|c| {
            (
                c["name"].as_str().expect("name").to_string(),
                c["verdict"].as_str().expect("verdict").to_string(),
            )
        })
        .collect();
    let mut from_preview = BTreeSet::new();
    for (heading, names) in sections(&preview, "health") {
        let verdict = verdict_of_heading(&heading)
            .unwrap_or_else(|| panic!("unknown section {heading:?} with clients {names:?}"));
        for n in names {
            from_preview.insert((n, verdict.to_string()));
        }
    }
    assert!(
        from_json.len() >= 4,
        "the demo should show several clients: {from_json:?}"
    );
    assert_eq!(from_preview, from_json, "preview:\n{preview}");
}

fn json_of(home: &Path, args: &[&str]) -> Value {
    let out = ok(home, args);
    serde_json::from_str(&out)
        .unwrap_or_else(|e| panic!("olifant {args:?}: not JSON ({e}):\n{out}"))
}

fn instant(v: &Value) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(v.as_str()?)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

/// Every RFC 3339 instant anywhere in `v`, with its JSON path.
fn instants_in(v: &Value, path: String, out: &mut Vec<(String, DateTime<Utc>)>) {
    match v {
        Value::Array(items) => {
            for (i, x) in items.iter().enumerate() {
                instants_in(x, format!("{path}[{i}]"), out);
            }
        }
        Value::Object(m) => {
            for (k, x) in m {
                instants_in(x, format!("{path}.{k}"), out);
            }
        }
        _ => out.extend(instant(v).map(|t| (path, t))),
    }
}

/// The digest's activity line and its reply rate describe the same prompts.
fn assert_activity_agrees_with_reply_rate(d: &Value) {
    let (a, p) = (&d["activity"], &d["prompts"]);
    let n = |v: &Value| v.as_u64().unwrap_or_else(|| panic!("not a count: {v}"));
    assert_eq!(
        n(&a["prompts_sent"]),
        n(&p["sent"]),
        "activity and reply rate count different prompts:\n{a}\n{p}"
    );
    assert!(
        n(&p["answered"]) <= n(&a["replies_stored"]),
        "more prompts answered than replies stored:\n{a}\n{p}"
    );
}

#[test]
fn the_demo_leaves_nothing_dated_after_now_and_its_digest_agrees_with_itself() {
    let (tmp, _dir, config, _) = demo("en");
    let now = olifant::clock::now();
    let export = json_of(tmp.path(), &["--config", &config, "export"]);
    let mut found = Vec::new();
    instants_in(&export, String::new(), &mut found);
    assert!(found.len() > 50, "too few instants in the export: {export}");
    let late: Vec<_> = found.iter().filter(|(_, t)| *t > now).collect();
    assert!(late.is_empty(), "dated after {now}: {late:?}");

    let status = ok(tmp.path(), &["--config", &config, "status"]);
    let tz = chrono_tz::Europe::Amsterdam;
    for key in ["last IMAP contact:", "last SMTP send:"] {
        let line = status
            .lines()
            .find_map(|l| l.strip_prefix(key))
            .unwrap_or_else(|| panic!("no {key:?} in status:\n{status}"));
        let local = chrono::NaiveDateTime::parse_from_str(
            line.trim().get(..16).unwrap_or(""),
            "%Y-%m-%d %H:%M",
        )
        .unwrap_or_else(|e| panic!("{key} {line:?}: {e}"));
        assert!(
            local <= now.with_timezone(&tz).naive_local(),
            "{key}{line} is after {now}"
        );
    }

    let d = json_of(tmp.path(), &["--config", &config, "digest", "--json"]);
    assert!(
        d["prompts"]["sent"].as_u64() > Some(0),
        "no prompt in the window: {d}"
    );
    assert_activity_agrees_with_reply_rate(&d);
}

#[test]
fn digest_as_of_sees_the_store_as_it_was_then() {
    let (tmp, _dir, config, _) = demo("en");
    let export = json_of(tmp.path(), &["--config", &config, "export"]);
    let clients = export["clients"].as_array().expect("clients");
    let added = |c: &Value| instant(&c["since"]).expect("client since");
    let newest = clients.iter().max_by_key(|c| added(c)).expect("a client");
    let tz = chrono_tz::Europe::Amsterdam;
    // Three weeks before the newest client was added: it must not be there yet.
    let as_of = (added(newest) - chrono::Duration::days(21))
        .with_timezone(&tz)
        .date_naive();
    let day = as_of.format("%Y-%m-%d").to_string();
    let d = json_of(
        tmp.path(),
        &["--config", &config, "digest", "--json", "--as-of", &day],
    );
    let end = instant(&d["as_of"]).expect("as_of in the digest");
    assert_eq!(end.with_timezone(&tz).date_naive(), as_of);

    let listed: BTreeSet<&str> = d["clients"]
        .as_array()
        .expect("clients")
        .iter()
        .chain(d["archived"].as_array().expect("archived"))
        .map(|c| c["name"].as_str().expect("name"))
        .collect();
    let then: BTreeSet<&str> = clients
        .iter()
        .filter(|c| added(c) <= end)
        .map(|c| c["name"].as_str().expect("name"))
        .collect();
    assert!(then.len() >= 4 && then.len() < clients.len(), "{then:?}");
    assert_eq!(listed, then, "clients as of {day}");

    // Nothing after the day: no reflection, and the activity counts only what came before.
    for c in d["clients"].as_array().expect("clients") {
        if let Some(last) = c["last_reflection"].as_str() {
            assert!(last <= day.as_str(), "{} reflected on {last}", c["name"]);
        }
    }
    let since = instant(&d["since"]).expect("since");
    let sent_then = export["prompts"]
        .as_array()
        .expect("prompts")
        .iter()
        .filter(|p| p["send"]["state"] == "sent")
        .filter(|p| instant(&p["created_at"]).is_some_and(|t| t > since && t <= end))
        .count() as u64;
    assert!(sent_then > 0, "no prompt in the window up to {day}");
    assert_eq!(
        d["activity"]["prompts_sent"].as_u64(),
        Some(sent_then),
        "{d}"
    );
    assert_activity_agrees_with_reply_rate(&d);
}

#[test]
fn digest_html_writes_index_and_images() {
    let (tmp, _dir, config, _) = demo("en");
    let out_dir = tmp.path().join("html-out");
    ok(
        tmp.path(),
        &[
            "--config",
            &config,
            "digest",
            "--html",
            out_dir.to_str().expect("utf-8"),
        ],
    );
    let index = out_dir.join("index.html");
    assert!(index.exists(), "digest --html wrote no index.html");
    let html = std::fs::read_to_string(&index).expect("read index");
    assert!(
        html.contains("Bakkerij Jansen"),
        "index.html names no client"
    );
    assert_html_with_images(&index);
}

#[test]
fn explain_prints_one_row_per_reflection() {
    let (tmp, _dir, config, _) = demo("en");
    let out = ok(
        tmp.path(),
        &["--config", &config, "explain", "Bakkerij Jansen"],
    );
    assert!(out.starts_with("Bakkerij Jansen"), "{out}");
    let rows: Vec<&str> = out
        .lines()
        .filter(|l| {
            let b = l.as_bytes();
            b.len() > 10
                && b[..4].iter().all(u8::is_ascii_digit)
                && b[4] == b'-'
                && b[7] == b'-'
                && l.contains("energy=")
        })
        .collect();
    // The same count `clients list` reports for this client.
    let list = ok(tmp.path(), &["--config", &config, "clients", "list"]);
    let line = list
        .lines()
        .find(|l| l.starts_with("Bakkerij Jansen"))
        .unwrap_or_else(|| panic!("clients list lacks Bakkerij Jansen:\n{list}"));
    let n: usize = line
        .split_whitespace()
        .rev()
        .nth(1)
        .and_then(|w| w.parse().ok())
        .unwrap_or_else(|| panic!("no reflection count in {line:?}"));
    assert!(n >= 2, "{line}");
    assert_eq!(rows.len(), n, "explain rows vs clients list:\n{out}");

    let unknown = run(tmp.path(), &["--config", &config, "explain", "Nobody BV"]);
    assert_eq!(unknown.status.code(), Some(1));
    assert!(text(&unknown.stderr).contains("Nobody BV"));
}

#[test]
fn status_reports_the_demo_data() {
    let (tmp, dir, config, _) = demo("en");
    let out = ok(tmp.path(), &["--config", &config, "status"]);
    assert!(
        out.contains(&format!("data dir:          {}", dir.display())),
        "{out}"
    );
    let list = ok(tmp.path(), &["--config", &config, "clients", "list"]);
    let n = list.lines().filter(|l| !l.trim().is_empty()).count();
    assert!(
        out.contains(&format!("clients:           {n} active")),
        "status disagrees with `clients list` ({n} clients):\n{out}"
    );
    assert!(out.contains("next prompt run:   20"), "{out}");
    // The binary runs on the clock the test gives it (test builds honour $OLIFANT_NOW):
    // the Sunday of the spring DST change, so the next run is on summer time.
    let dst = DateTime::parse_from_rfc3339("2027-03-28T02:30:00+02:00")
        .expect("instant")
        .with_timezone(&Utc);
    let then = ok_at(tmp.path(), dst, &["--config", &config, "status"]);
    assert!(
        then.contains("next prompt run:   2027-03-29 09:00 CEST"),
        "{then}"
    );
    // The demo's bounce shows as a send problem.
    assert!(out.contains("bounced"), "{out}");
}

fn outbox_count(dir: &Path) -> usize {
    std::fs::read_dir(dir.join("outbox/new"))
        .expect("outbox/new exists")
        .count()
}

/// The `unanswered prompts: N` figure of `status`.
fn unanswered(status: &str) -> usize {
    status
        .lines()
        .find_map(|l| l.trim().strip_prefix("unanswered prompts:"))
        .and_then(|n| n.split_whitespace().next()?.parse().ok())
        .unwrap_or_else(|| panic!("status has no `unanswered prompts: N` line:\n{status}"))
}

#[test]
fn send_prompts_dry_run_sends_nothing() {
    let (tmp, dir, config, _) = demo("en");
    // Prompts every minute, so the run is due now and a real run would send.
    let cfg = std::fs::read_to_string(&config).expect("read config");
    let due = cfg.replace("prompt_cron = \"0 9 * * 1\"", "prompt_cron = \"* * * * *\"");
    assert_ne!(
        cfg, due,
        "the demo config's prompt_cron changed; adapt this test"
    );
    std::fs::write(&config, due).expect("write config");

    // Forty days on, every monthly client is due, whatever day the demo ran.
    let later = olifant::clock::now() + chrono::Duration::days(40);
    let before = outbox_count(&dir);
    let unanswered_before = unanswered(&ok_at(tmp.path(), later, &["--config", &config, "status"]));
    let plan: Value = serde_json::from_str(&ok_at(
        tmp.path(),
        later,
        &["--config", &config, "send-prompts", "--dry-run"],
    ))
    .expect("dry run prints JSON");
    assert_eq!(plan["dry_run"], Value::Bool(true));
    let would: Vec<String> = plan["would_send"]
        .as_array()
        .expect("would_send")
        .iter()
        .map(|v| v.as_str().expect("name").to_string())
        .collect();
    assert!(
        !would.is_empty(),
        "nothing due, the test proves nothing: {plan}"
    );
    assert_eq!(
        outbox_count(&dir),
        before,
        "the dry run wrote to the outbox"
    );
    assert_eq!(
        unanswered(&ok_at(tmp.path(), later, &["--config", &config, "status"])),
        unanswered_before,
        "the dry run changed the open prompts"
    );

    // The same pass for real sends exactly what the dry run named.
    let report: Value = serde_json::from_str(&ok_at(
        tmp.path(),
        later,
        &["--config", &config, "send-prompts"],
    ))
    .expect("report JSON");
    let sent: Vec<String> = report["sent"]
        .as_array()
        .expect("sent")
        .iter()
        .map(|v| v.as_str().expect("name").to_string())
        .collect();
    assert_eq!(sent, would, "dry run and real run disagree");
    assert_eq!(outbox_count(&dir), before + would.len());
}

#[test]
fn export_import_export_round_trips_byte_identical() {
    let (tmp, _dir, config, _) = demo("en");
    let first = tmp.path().join("first.json");
    ok(
        tmp.path(),
        &[
            "--config",
            &config,
            "export",
            "--format",
            "json",
            "--out",
            first.to_str().expect("utf-8"),
        ],
    );
    // A second config: the same owner and clients, another data directory.
    let second_dir = tmp.path().join("second");
    std::fs::create_dir_all(&second_dir).expect("mkdir");
    let cfg = std::fs::read_to_string(&config).expect("read config");
    let data_line = cfg
        .lines()
        .find(|l| l.starts_with("data_dir"))
        .expect("demo config has data_dir")
        .to_string();
    let second_config = second_dir.join("config.toml");
    std::fs::write(
        &second_config,
        cfg.replace(
            &data_line,
            &format!(
                "data_dir = {:?}",
                second_dir.join("data").to_str().expect("utf-8")
            ),
        ),
    )
    .expect("write config");
    let second_config = second_config.to_str().expect("utf-8");
    let imported = ok(
        tmp.path(),
        &[
            "--config",
            second_config,
            "import",
            first.to_str().expect("utf-8"),
        ],
    );
    assert!(imported.contains("imported"), "{imported}");
    let again = ok(
        tmp.path(),
        &["--config", second_config, "export", "--format", "json"],
    );
    let first_bytes = std::fs::read(&first).expect("read export");
    let v: Value = serde_json::from_slice(&first_bytes).expect("export is JSON");
    assert!(
        v["reflections"].as_array().is_some_and(|r| r.len() > 5),
        "the export holds too little to prove anything"
    );
    assert!(
        first_bytes == again.as_bytes(),
        "second export differs from the first ({} vs {} bytes)",
        first_bytes.len(),
        again.len()
    );

    // Importing into a store that is no longer empty is refused.
    let twice = run(
        tmp.path(),
        &[
            "--config",
            second_config,
            "import",
            first.to_str().expect("utf-8"),
        ],
    );
    assert_eq!(twice.status.code(), Some(1), "{}", text(&twice.stdout));
}

#[test]
fn completions_and_manpage_are_not_empty() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let bash = ok(tmp.path(), &["completions", "bash"]);
    assert!(
        bash.contains("olifant") && bash.contains("send-prompts"),
        "{bash}"
    );
    let man = ok(tmp.path(), &["manpage"]);
    assert!(man.contains(".TH") && man.contains("olifant"), "{man}");
}

/// Subcommand names listed under `Commands:` in a `--help` output (without `help`).
fn subcommands(help: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut inside = false;
    for line in help.lines() {
        if line.trim_end() == "Commands:" {
            inside = true;
            continue;
        }
        if inside {
            if !line.starts_with("  ") {
                break;
            }
            if let Some(name) = line.split_whitespace().next() {
                if name != "help" && !line.starts_with("   ") {
                    out.push(name.to_string());
                }
            }
        }
    }
    out
}

#[test]
fn every_subcommand_help_has_an_example() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let top = ok(tmp.path(), &["--help"]);
    assert!(top.contains("Exit codes"), "{top}");
    let mut todo: Vec<Vec<String>> = subcommands(&top).into_iter().map(|c| vec![c]).collect();
    assert!(todo.len() >= 15, "too few commands found in --help:\n{top}");
    let mut missing = Vec::new();
    let mut seen = 0;
    while let Some(path) = todo.pop() {
        let mut args: Vec<&str> = path.iter().map(String::as_str).collect();
        args.push("--help");
        let help = ok(tmp.path(), &args);
        seen += 1;
        if !help.contains("Example") {
            missing.push(path.join(" "));
        }
        for sub in subcommands(&help) {
            let mut p = path.clone();
            p.push(sub);
            todo.push(p);
        }
    }
    assert!(seen >= 25, "only {seen} help pages visited");
    assert!(missing.is_empty(), "no Example in --help of: {missing:?}");
}

/// Kills the child when the test ends early.
struct Daemon(Child);

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn a_second_olifant_on_the_same_data_dir_exits_4_at_once() {
    let (tmp, dir, config, _) = demo("en");
    let mut child = olifant(tmp.path())
        .args(["--config", &config, "run"])
        .env("OLIFANT_TICK_SECONDS", "1")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn olifant run");
    let stderr = child.stderr.take().expect("stderr is piped");
    let mut daemon = Daemon(child);
    let (tx, rx) = mpsc::channel::<String>();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut log = Vec::new();
    loop {
        match rx.recv_timeout(Duration::from_secs(20)) {
            Ok(l) => {
                let running = l.contains("olifant is running");
                log.push(l);
                if running {
                    break;
                }
            }
            Err(e) => panic!(
                "`olifant run` did not log \"olifant is running\" ({e}):\n{}",
                log.join("\n")
            ),
        }
    }
    assert!(
        !log.iter().any(|l| l.contains('\u{1b}')),
        "colour codes in a log that is not a terminal:\n{}",
        log.join("\n")
    );

    let started = std::time::Instant::now();
    let second = run(tmp.path(), &["--config", &config, "status"]);
    let took = started.elapsed();
    let err = text(&second.stderr);
    assert_eq!(second.status.code(), Some(4), "stderr: {err}");
    assert!(err.contains("another olifant is using"), "{err}");
    assert!(err.contains(dir.to_str().expect("utf-8")), "{err}");
    // "At once": it does not wait for the lock (the daemon holds it for as long as it runs).
    assert!(took < Duration::from_secs(10), "status took {took:?}");

    // SIGTERM ends the daemon cleanly; then the data dir is free again.
    let pid = daemon.0.id().to_string();
    let kill = Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .expect("run kill");
    assert!(kill.success());
    let status = wait_with_timeout(&mut daemon.0, Duration::from_secs(10));
    assert_eq!(status.code(), Some(0), "daemon exit after SIGTERM");
    ok(tmp.path(), &["--config", &config, "status"]);
}

fn wait_with_timeout(child: &mut Child, limit: Duration) -> std::process::ExitStatus {
    let start = std::time::Instant::now();
    loop {
        if let Some(s) = child.try_wait().expect("try_wait") {
            return s;
        }
        if start.elapsed() > limit {
            panic!("process {} did not exit within {limit:?}", child.id());
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}
