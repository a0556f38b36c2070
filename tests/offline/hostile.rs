//! Hostile input, offline: every MIME file of the third-party corpus plus generated monsters
//! go through `read_message` and `App::handle_message`; no panic escapes, every outcome is one
//! of the expected kinds, and the store stays readable. Then every way of spoofing a reply
//! that we know of goes through the same pipeline: none may store a reflection.
//!
//! Speed and memory targets for the same inputs live in `benches/hostile.rs`, not here.
//!
//! Run: `OLIFANT_CORPUS_DIR=/work/shared/corpus cargo test --test offline hostile::`. A missing
//! corpus fails the test: it never skips.

use std::path::Path;
use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use olifant::app::App;
use olifant::config::{parse_with, Config};
use olifant::ingest::maildir::MaildirSource;
use olifant::ingest::pipeline::{Disposition, Folders, Handled};
use olifant::model::{Client, ClientKey, PromptRecord};
use olifant::parse::read_message;
use olifant::send::stub::StubSender;

use crate::common::{files_under, now};
use crate::hostile_inputs::{monsters, reply};
use crate::support::corpus_dir;

const CONFIG: &str = r#"
[owner]
name = "Owner"
addresses = ["owner@example.test"]
timezone = "Europe/Amsterdam"

[bot]
address = "olifant@example.test"

[ingest]
trusted_authserv_id = "mx.example.test"

[[clients]]
name = "Acme"
"#;

fn config(dir: &Path) -> Config {
    parse_with(CONFIG, "hostile test config", &|_| None, Some(dir)).expect("test config is valid")
}

struct Fixture {
    _dir: tempfile::TempDir,
    app: App,
    stub: StubSender,
}

fn open(dir: tempfile::TempDir) -> Fixture {
    let stub = StubSender::new();
    let app = App::open_with_sender(config(dir.path()), Arc::new(stub.clone()), now())
        .expect("app opens on an empty data dir");
    Fixture {
        _dir: dir,
        app,
        stub,
    }
}

fn fixture() -> Fixture {
    open(tempfile::tempdir().expect("temp dir"))
}

impl Fixture {
    fn acme(&self) -> Client {
        self.app
            .store
            .client(&ClientKey::from_name("Acme"))
            .expect("store readable")
            .expect("Acme declared in the config")
    }

    /// Sends (to the stub) one prompt about Acme, created at `at`; returns it and its token.
    async fn prompt_at(&self, at: DateTime<Utc>) -> (PromptRecord, String) {
        let client = self.acme();
        let (record, _) =
            olifant::prompt::run::send_prompt(&self.app, &client, at, at, &move || at)
                .await
                .expect("prompt sent to the stub");
        let token = olifant::prompt::run::token_for(&self.app, record.id);
        (record, token)
    }

    fn handle(&self, raw: &[u8], origin: &str) -> (Disposition, Handled) {
        let olifant::ingest::plan::Outcome {
            disposition: d,
            handled: h,
            ..
        } = olifant::ingest::pipeline::handle_message(&self.app, raw, origin, now())
            .unwrap_or_else(|e| panic!("{origin}: handle_message failed: {e}"));
        (d, h)
    }

    /// Every tree of the store can still be read back.
    fn assert_store_consistent(&self, what: &str) {
        let s = &self.app.store;
        let reflections = s
            .reflections()
            .unwrap_or_else(|e| panic!("{what}: reflections unreadable: {e}"));
        let prompts = s
            .prompts()
            .unwrap_or_else(|e| panic!("{what}: prompts unreadable: {e}"));
        s.quarantine()
            .unwrap_or_else(|e| panic!("{what}: quarantine unreadable: {e}"));
        s.clients()
            .unwrap_or_else(|e| panic!("{what}: clients unreadable: {e}"));
        s.events_since(now() - Duration::days(10_000))
            .unwrap_or_else(|e| panic!("{what}: events unreadable: {e}"));
        for r in &reflections {
            if let Some(p) = r.prompt {
                assert!(
                    prompts.iter().any(|x| x.id == p),
                    "{what}: a reflection points at prompt {p:?} that does not exist"
                );
            }
            for src in &r.sources {
                assert!(
                    s.raw(src).expect("raw readable").is_some(),
                    "{what}: reflection source {src} has no raw record"
                );
            }
        }
    }
}

fn outcome_kind(h: &Handled) -> &'static str {
    match h {
        Handled::Stored { .. } => "stored",
        Handled::AutoReply => "auto-reply",
        Handled::Bounce => "bounce",
        Handled::Command(_) => "command",
        Handled::Ignored(_) => "ignored",
        Handled::Duplicate => "duplicate",
        Handled::Quarantined(_) => "quarantined",
    }
}

#[tokio::test]
async fn corpus_and_generated_monsters_never_panic_and_leave_the_store_consistent() {
    let mut files = Vec::new();
    files_under(&corpus_dir(), &mut files);
    files.retain(|p| p.extension().is_some_and(|x| x.eq_ignore_ascii_case("eml")));
    files.sort();
    assert!(
        files.len() >= 175,
        "expected at least 175 MIME (.eml) files in the corpus, found {}",
        files.len()
    );
    let f = fixture();
    let (_, token) = f.prompt_at(now() - Duration::days(1)).await;
    let ctx = f.app.parse_context();

    let mut inputs: Vec<(String, Vec<u8>)> = files
        .iter()
        .map(|p| {
            (
                p.display().to_string(),
                std::fs::read(p).unwrap_or_else(|e| panic!("{}: {e}", p.display())),
            )
        })
        .collect();
    let corpus_count = inputs.len();
    inputs.extend(monsters(&token));

    let mut tally = std::collections::BTreeMap::<&str, usize>::new();
    for (name, raw) in &inputs {
        let parsed = std::panic::catch_unwind(|| read_message(raw, &ctx).map(|r| r.parsed.kind));
        assert!(parsed.is_ok(), "{name}: read_message panicked");
        let (d, h) = f.handle(raw, name);
        *tally.entry(outcome_kind(&h)).or_default() += 1;
        match &h {
            Handled::Quarantined(_) => assert_eq!(d, Disposition::Leave, "{name}"),
            Handled::Stored { client, .. } => {
                assert_eq!(client, "Acme", "{name}");
                assert_eq!(d, Disposition::Processed, "{name}")
            }
            _ => {}
        }
        // The same bytes again are recognised, never handled twice.
        let (_, again) = f.handle(raw, name);
        assert!(
            matches!(again, Handled::Duplicate)
                || matches!(h, Handled::Command(_) | Handled::Stored { .. }),
            "{name}: second delivery gave {again:?} after {h:?}"
        );
        f.assert_store_consistent(name);
    }
    // Those which must not be read: (name, acceptable outcomes).
    let expect: &[(&str, &[&str])] = &[
        ("empty", &["quarantined"]),
        ("whitespace only", &["quarantined"]),
        ("binary garbage", &["quarantined", "ignored"]),
        (
            "multipart nested 1,000 deep (stranger)",
            &["ignored", "quarantined"],
        ),
        (
            "message/rfc822 nested 1,000 deep",
            &["ignored", "quarantined"],
        ),
        ("1 MB header line", &["ignored", "quarantined"]),
        (
            "invalid UTF-8 and NUL in headers",
            &["ignored", "quarantined"],
        ),
        (
            "header only (no blank line)",
            &["ignored", "quarantined", "command"],
        ),
    ];
    for (want_name, allowed) in expect {
        let raw = &inputs
            .iter()
            .find(|(n, _)| n == want_name)
            .unwrap_or_else(|| panic!("monster {want_name} missing"))
            .1;
        // A fresh data dir, so the first handling is measured.
        let g = fixture();
        let (_, h) = g.handle(raw, want_name);
        assert!(
            allowed.contains(&outcome_kind(&h)),
            "{want_name}: outcome {h:?}, expected one of {allowed:?}"
        );
        assert!(g.app.store.reflections().unwrap().is_empty(), "{want_name}");
    }
    println!(
        "hostile: {corpus_count} corpus files + {} generated inputs; outcomes {tally:?}",
        inputs.len() - corpus_count
    );
    // Nothing written is lost or unreadable after a reopen.
    f.app.store.flush().expect("flush");
    let dir = f._dir;
    drop(f.app);
    let g = open(dir);
    g.assert_store_consistent("after reopen");
    assert!(!g.app.store.quarantine().unwrap().is_empty());
    let _ = g.stub;
}

#[tokio::test]
async fn a_50_mib_message_is_skipped_by_size_and_reported() {
    let f = fixture();
    let (_, token) = f.prompt_at(now() - Duration::days(1)).await;
    let inbox = f.app.config.data_dir.join("hostile-inbox");
    let source = MaildirSource::new(&inbox, std::time::Duration::from_secs(1));
    let mut session = source.open().expect("maildir opens");
    let mut big = reply(&token, "owner@example.test", "huge", "", "1. 4\r\n");
    big.resize(50 * 1024 * 1024, b'x');
    let path = inbox.join("new").join("1700000000.huge.hostile");
    std::fs::write(&path, &big).expect("write the 50 MiB message");
    let folders = Folders {
        mailbox: "INBOX".into(),
        processed: "olifant/processed".into(),
        ignored: None,
        max_message_size: 1024 * 1024,
        batch: olifant::ingest::pipeline::BATCH,
    };
    let report = olifant::ingest::pipeline::ingest_pass(&f.app, &mut session, &folders, &now)
        .await
        .expect("ingest pass");
    assert_eq!(report.too_large, 1, "{report:?}");
    assert_eq!(report.fetched, 0, "{report:?}");
    assert_eq!(report.stored, 0, "{report:?}");
    assert!(
        path.exists(),
        "the oversized message must stay where it was"
    );
    assert!(f.app.store.reflections().unwrap().is_empty());
    let events = f
        .app
        .store
        .events_since(now() - Duration::days(1))
        .expect("events");
    let reported: Vec<_> = events
        .iter()
        .filter(|e| e.detail.contains("larger than max_message_size"))
        .collect();
    assert_eq!(reported.len(), 1, "events: {events:?}");
    assert!(reported[0].detail.contains(&big.len().to_string()));
    // A second pass reports it again in its counts but records it only once.
    let again = olifant::ingest::pipeline::ingest_pass(&f.app, &mut session, &folders, &now)
        .await
        .expect("second pass");
    assert_eq!(again.fetched, 0);
    let events = f.app.store.events_since(now() - Duration::days(1)).unwrap();
    assert_eq!(
        events
            .iter()
            .filter(|e| e.detail.contains("larger than max_message_size"))
            .count(),
        1
    );
    f.assert_store_consistent("after the 50 MiB message");
}

// ── Spoofing ────────────────────────────────────────────────────────────────────────────

/// Handles `raw` on `f` and asserts it was ignored, left no reflection and asks for no receipt.
fn assert_spoof_ignored(f: &Fixture, name: &str, raw: &[u8]) -> String {
    let olifant::ingest::plan::Outcome {
        disposition: d,
        handled: h,
        followup,
    } = olifant::ingest::pipeline::handle_message(&f.app, raw, name, now())
        .unwrap_or_else(|e| panic!("{name}: {e}"));
    let reason = match h {
        Handled::Ignored(r) => r,
        other => panic!("{name}: expected Ignored, got {other:?}"),
    };
    assert_ne!(d, Disposition::Processed, "{name}: moved as if handled");
    assert!(followup.is_none(), "{name}: would send a receipt");
    assert!(
        f.app.store.reflections().unwrap().is_empty(),
        "{name}: a reflection was stored"
    );
    assert!(
        f.stub.sent().len() <= 1,
        "{name}: something besides the prompt was sent"
    );
    reason
}

const ANSWERS: &str = "1. 4\r\n2. 5\r\n3. 3\r\n8. yes\r\nAll good.\r\n";

#[tokio::test]
async fn a_genuine_reply_is_stored_which_is_what_the_spoof_tests_are_measured_against() {
    let f = fixture();
    let (_, token) = f.prompt_at(now() - Duration::days(1)).await;
    let (_, h) = f.handle(
        &reply(&token, "Owner <owner@example.test>", "control", "", ANSWERS),
        "control",
    );
    assert!(matches!(h, Handled::Stored { .. }), "{h:?}");
    assert_eq!(f.app.store.reflections().unwrap().len(), 1);
}

#[tokio::test]
async fn spoof_valid_token_from_a_stranger_is_ignored() {
    let f = fixture();
    let (_, token) = f.prompt_at(now() - Duration::days(1)).await;
    let r = assert_spoof_ignored(
        &f,
        "stranger",
        &reply(&token, "Owner <mallory@evil.test>", "s1", "", ANSWERS),
    );
    assert!(r.contains("mallory@evil.test"), "{r}");
    // A display name that looks like the owner's address changes nothing.
    assert_spoof_ignored(
        &f,
        "owner address as display name",
        &reply(
            &token,
            "\"owner@example.test\" <mallory@evil.test>",
            "s2",
            "",
            ANSWERS,
        ),
    );
    // Sender: owner, From: stranger.
    assert_spoof_ignored(
        &f,
        "Sender header",
        &reply(
            &token,
            "mallory@evil.test",
            "s3",
            "Sender: owner@example.test\r\nReply-To: owner@example.test\r\n",
            ANSWERS,
        ),
    );
}

#[tokio::test]
async fn spoof_owner_from_without_a_token_is_ignored() {
    let f = fixture();
    let _ = f.prompt_at(now() - Duration::days(1)).await;
    let raw = format!(
        "From: owner@example.test\r\nTo: olifant@example.test\r\nSubject: Re: How is Acme?\r\n\
         Message-ID: <notoken@owner.example.test>\r\n\r\n{ANSWERS}"
    );
    assert_spoof_ignored(&f, "no token", raw.as_bytes());
}

#[tokio::test]
async fn spoof_token_in_the_subject_or_body_only_is_ignored() {
    let f = fixture();
    let (_, token) = f.prompt_at(now() - Duration::days(1)).await;
    let raw = format!(
        "From: owner@example.test\r\nTo: olifant@example.test\r\n\
         Subject: Re: olifant+{token}@example.test <olifant.{token}@example.test>\r\n\
         Message-ID: <subject@owner.example.test>\r\n\r\n{ANSWERS}\r\n\
         > From olifant+{token}@example.test\r\n> Message-ID: <olifant.{token}@example.test>\r\n"
    );
    assert_spoof_ignored(&f, "token in subject", raw.as_bytes());
}

#[tokio::test]
async fn spoof_altered_token_is_ignored() {
    let f = fixture();
    let (_, token) = f.prompt_at(now() - Duration::days(1)).await;
    let mut altered = 0;
    for i in [0, 7, 8, 23] {
        let mut t: Vec<u8> = token.clone().into_bytes();
        t[i] = if t[i] == b'a' { b'b' } else { b'a' };
        let t = String::from_utf8(t).unwrap();
        let r = assert_spoof_ignored(
            &f,
            &format!("altered at {i}"),
            &reply(&t, "owner@example.test", &format!("alt{i}"), "", ANSWERS),
        );
        assert!(r.contains("does not verify"), "{r}");
        altered += 1;
    }
    // Upper case is the same token (servers fold case); a truncated or extended one is not.
    for (n, t) in [
        ("short", token[..23].to_string()),
        ("long", format!("{token}a")),
    ] {
        assert_spoof_ignored(&f, n, &reply(&t, "owner@example.test", n, "", ANSWERS));
    }
    assert_eq!(altered, 4);
}

#[tokio::test]
async fn spoof_expired_token_is_ignored() {
    let f = fixture();
    let ttl = i64::from(f.app.config.schedule.token_ttl_days);
    let (_, token) = f.prompt_at(now() - Duration::days(ttl + 1)).await;
    let r = assert_spoof_ignored(
        &f,
        "expired",
        &reply(&token, "owner@example.test", "expired", "", ANSWERS),
    );
    assert!(r.contains("token_ttl_days"), "{r}");
}

#[tokio::test]
async fn spoof_forged_authentication_results_below_the_trusted_one_is_ignored() {
    let f = fixture();
    let (_, token) = f.prompt_at(now() - Duration::days(1)).await;
    // The trusted server prepends its verdict; the forger's lines are below it.
    let headers = "Authentication-Results: mx.example.test;\r\n\tspf=fail smtp.mailfrom=evil.test;\r\n\tdmarc=fail (p=none) header.from=example.test\r\n\
                   Authentication-Results: mx.example.test; dmarc=pass header.from=example.test\r\n\
                   Authentication-Results: evil.test; dmarc=pass\r\n";
    let r = assert_spoof_ignored(
        &f,
        "forged A-R",
        &reply(&token, "owner@example.test", "forged-ar", headers, ANSWERS),
    );
    assert!(r.contains("dmarc"), "{r}");
}

#[tokio::test]
async fn spoof_dmarc_fail_from_the_trusted_authserv_id_is_ignored() {
    let f = fixture();
    let (_, token) = f.prompt_at(now() - Duration::days(1)).await;
    for (i, header) in [
        "Authentication-Results: mx.example.test; dmarc=fail header.from=example.test\r\n",
        "Authentication-Results: MX.EXAMPLE.TEST; DMARC=FAIL\r\n",
        "Authentication-Results: mx.example.test 1;\r\n dkim=fail;\r\n dmarc=fail\r\n",
    ]
    .iter()
    .enumerate()
    {
        assert_spoof_ignored(
            &f,
            &format!("dmarc fail {i}"),
            &reply(
                &token,
                "owner@example.test",
                &format!("dm{i}"),
                header,
                ANSWERS,
            ),
        );
    }
}

#[tokio::test]
async fn spoof_reply_to_the_digest_is_ignored() {
    let f = fixture();
    let _ = f.prompt_at(now() - Duration::days(1)).await;
    let raw = format!(
        "From: owner@example.test\r\nTo: olifant@example.test\r\nSubject: Re: Your clients this month\r\n\
         Message-ID: <digest-reply@owner.example.test>\r\n\
         In-Reply-To: <olifant-digest.1772409600@example.test>\r\n\
         References: <olifant-digest.1772409600@example.test>\r\n\r\n{ANSWERS}\r\n\
         > Acme: keep\r\n"
    );
    assert_spoof_ignored(&f, "digest reply", raw.as_bytes());
}

#[tokio::test]
async fn spoof_mail_from_olifants_own_address_is_ignored() {
    let f = fixture();
    let (_, token) = f.prompt_at(now() - Duration::days(1)).await;
    for (i, from) in [
        "olifant@example.test",
        "OLIFANT@Example.Test",
        "Owner <olifant@example.test>",
    ]
    .iter()
    .enumerate()
    {
        let r = assert_spoof_ignored(
            &f,
            from,
            &reply(&token, from, &format!("own{i}"), "", ANSWERS),
        );
        assert!(r.contains("olifant's own address"), "{r}");
    }
    // olifant's own prompt, delivered back to it (a loop).
    let sent = f.stub.sent();
    let prompt = &sent.first().expect("the prompt reached the stub").raw;
    let (_, h) = f.handle(prompt, "own prompt looped back");
    assert!(
        matches!(h, Handled::Ignored(_) | Handled::AutoReply),
        "{h:?}"
    );
    assert!(f.app.store.reflections().unwrap().is_empty());
}

#[tokio::test]
async fn a_message_larger_than_the_parser_reads_is_not_stored_when_the_size_limit_lets_it_through()
{
    let f = fixture();
    let (_, token) = f.prompt_at(now() - Duration::days(1)).await;
    let mut big = reply(&token, "owner@example.test", "over-max-raw", "", "1. 4\r\n");
    big.resize(olifant::parse::MAX_RAW + 1, b'x');
    let (d, h) = f.handle(&big, "over MAX_RAW");
    assert_eq!(d, Disposition::Leave);
    assert!(
        matches!(&h, Handled::Ignored(r) if r.contains("larger than olifant reads")),
        "{h:?}"
    );
    assert!(f.app.store.reflections().unwrap().is_empty());
    assert_eq!(f.handle(&big, "again").1, Handled::Duplicate);
    // Only a marker is kept, never the bytes.
    let kept: usize = f
        .app
        .store
        .raws()
        .map(|r| r.expect("raw readable").2.len())
        .max()
        .unwrap_or(0);
    assert!(
        kept < 1024 * 1024,
        "{kept} raw bytes kept for an unread message"
    );
    f.assert_store_consistent("after an oversized message");
}
