//! A reply is stored with ordered writes instead of a sled transaction (the raw bytes, the
//! reflection, the prompt, then the "seen" marker): these tests build the states a crash can
//! leave between those writes and check that handling the message again repairs them without
//! undoing anything. Plus: the replies stored by one ingest batch are one event that counts
//! them all.
//!
//! Offline: a Maildir inbox and the stub sender (the real-server crash tests live in
//! tests/servers/faults.rs and tests/servers/replies_e2e.rs).

use chrono::Duration;
use olifant::app::App;
use olifant::ingest::maildir::MaildirSource;
use olifant::ingest::pipeline::{Handled, IngestReport};
use olifant::ingest::source::MailSource;
use olifant::model::{Answer, PromptRecord, Reflection};
use olifant::send::stub::StubSender;
use olifant::store::{EventKind, ReflectionId};

use crate::support::{self, now, prompt};

fn app(dir: &std::path::Path) -> App {
    support::app(
        &dir.join("data"),
        &StubSender::new(),
        "[ingest]\nreceipts = false\n",
    )
}

fn reply(app: &App, p: &PromptRecord, message_id: &str, answers: &str) -> Vec<u8> {
    support::reply(
        app,
        p,
        message_id,
        &format!("{answers}\r\n\r\nNotes of {message_id}."),
    )
}

/// Writes `messages` into a fresh Maildir inbox under `dir`, in this order, and runs one
/// ingest pass over it.
async fn pass_over(app: &App, dir: &std::path::Path, messages: &[Vec<u8>]) -> IngestReport {
    let inbox = dir.join("inbox");
    for d in ["new", "cur", "tmp"] {
        std::fs::create_dir_all(inbox.join(d)).unwrap();
    }
    for (i, raw) in messages.iter().enumerate() {
        std::fs::write(
            inbox.join("new").join(format!("{:04}.x.test", 1000 + i)),
            raw,
        )
        .unwrap();
    }
    let source = MaildirSource::new(inbox, std::time::Duration::from_millis(50));
    let mut session = source.connect().await.unwrap();
    let folders = olifant::ingest::pipeline::Folders {
        mailbox: "INBOX".into(),
        processed: "olifant/processed".into(),
        ignored: None,
        max_message_size: 64 << 20,
        batch: olifant::ingest::pipeline::BATCH,
    };
    olifant::ingest::pipeline::ingest_pass(app, &mut *session, &folders, &|| now())
        .await
        .unwrap()
}

#[test]
fn a_seen_marker_without_its_reflection_is_handled_again_not_skipped() {
    let dir = tempfile::tempdir().unwrap();
    let app = app(dir.path());
    let p = prompt(&app, "Acme");
    let raw = reply(&app, &p, "a@example.test", "1 4, 2 5, 8 yes");
    let olifant::ingest::plan::Outcome { handled: first, .. } =
        olifant::ingest::pipeline::handle_message(&app, &raw, "test:1", now()).unwrap();
    assert!(
        matches!(first, Handled::Stored { merged: false, .. }),
        "{first:?}"
    );
    // A crash after the seen marker reached the disk but before the reflection did.
    app.store.clear_reflections().unwrap();
    assert!(!app.store.reply_recorded(p.id, "a@example.test").unwrap());

    let olifant::ingest::plan::Outcome { handled: again, .. } =
        olifant::ingest::pipeline::handle_message(&app, &raw, "test:1", now()).unwrap();
    assert!(
        matches!(again, Handled::Stored { .. }),
        "the lost reflection must be rebuilt, got {again:?}"
    );
    let r = app
        .store
        .reflection_for_prompt(p.id)
        .unwrap()
        .expect("reflection");
    assert_eq!(r.sources, vec!["a@example.test".to_string()]);
    assert!(!r.answers.is_empty());
    // Now complete: a third delivery is a plain duplicate.
    let olifant::ingest::plan::Outcome { handled: third, .. } =
        olifant::ingest::pipeline::handle_message(&app, &raw, "test:1", now()).unwrap();
    assert_eq!(third, Handled::Duplicate);
}

#[test]
fn a_reply_already_in_its_reflection_is_not_merged_again_over_a_newer_one() {
    let dir = tempfile::tempdir().unwrap();
    let app = app(dir.path());
    let p = prompt(&app, "Acme");
    let raw = reply(&app, &p, "old@example.test", "1 2, 2 2");
    let reading = olifant::parse::read_message(&raw, &app.parse_context()).unwrap();
    let (key, old) = reading
        .parsed
        .answers
        .iter()
        .find_map(|(k, a)| a.rating.map(|r| (k.clone(), r)))
        .expect("the old reply answers something");
    let newer = if old == 5 { 4 } else { 5 };
    // The state a crash leaves when the old reply's reflection write landed but its seen
    // marker did not, and a newer reply was merged afterwards.
    let stored = Reflection {
        client: p.client.clone(),
        prompt: Some(p.id),
        date: now() - Duration::hours(2),
        answers: [(
            key.clone(),
            Answer {
                rating: Some(newer),
                comment: None,
            },
        )]
        .into_iter()
        .collect(),
        notes: "Notes of old@example.test.\n\nNotes of new@example.test.".into(),
        sources: vec![reading.dedup_id.clone(), "new@example.test".into()],
    };
    app.store
        .replace_reflection(ReflectionId::Prompt(p.id), &stored)
        .unwrap();

    let olifant::ingest::plan::Outcome { handled, .. } =
        olifant::ingest::pipeline::handle_message(&app, &raw, "test:1", now()).unwrap();
    assert!(
        matches!(handled, Handled::Stored { merged: true, .. }),
        "{handled:?}"
    );
    let r = app.store.reflection_for_prompt(p.id).unwrap().unwrap();
    assert_eq!(
        r.answers[&key].rating,
        Some(newer),
        "the newer reply's answer must survive the old reply being handled again"
    );
    assert_eq!(r.notes, stored.notes);
    assert_eq!(r.sources, stored.sources);
    // And now it is marked seen.
    let olifant::ingest::plan::Outcome { handled: again, .. } =
        olifant::ingest::pipeline::handle_message(&app, &raw, "test:1", now()).unwrap();
    assert_eq!(again, Handled::Duplicate);
}

#[tokio::test]
async fn the_replies_of_one_batch_are_one_event_that_counts_them_all() {
    let dir = tempfile::tempdir().unwrap();
    let app = app(dir.path());
    let names = ["Acme", "Bakkerij Jansen", "Café de Olifant"];
    let messages: Vec<Vec<u8>> = names
        .iter()
        .enumerate()
        .map(|(i, name)| {
            let p = prompt(&app, name);
            reply(&app, &p, &format!("r{i}@example.test"), "1 4, 2 3")
        })
        .collect();
    let report = pass_over(&app, dir.path(), &messages).await;
    assert_eq!(report.stored, names.len(), "{report:?}");
    let stored: Vec<_> = app
        .store
        .events_since(now() - Duration::days(1))
        .unwrap()
        .into_iter()
        .filter(|e| e.kind == EventKind::ReplyStored)
        .collect();
    assert_eq!(stored.len(), 1, "one event per batch: {stored:?}");
    assert_eq!(stored[0].count, names.len() as u32);
    for name in names {
        assert!(stored[0].detail.contains(name), "{}", stored[0].detail);
    }
    // The digest counts the replies, not the events.
    let digest = olifant::digest::run::build_digest(&app, now(), None, None).unwrap();
    assert_eq!(digest.activity.replies_stored, names.len());
}

/// A batch large enough to be read on a second thread while the store writes: every message
/// is still recorded once, in the order it arrived (a later reply to the same prompt wins),
/// a message too large to read is refused, and a copy is a duplicate.
#[tokio::test]
async fn a_batch_read_ahead_records_every_message_once_and_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let app = app(dir.path());
    let mut messages = Vec::new();
    let prompts: Vec<PromptRecord> = (0..20)
        .map(|i| prompt(&app, &format!("Client {i:02}")))
        .collect();
    for (i, p) in prompts.iter().enumerate() {
        messages.push(reply(&app, p, &format!("r{i}@example.test"), "1 2, 2 3"));
    }
    // The same prompt answered again later: newest wins, so order matters.
    let later = reply(&app, &prompts[0], "later@example.test", "1 5");
    messages.push(later.clone());
    // Addressed like a reply, but larger than the parser reads: refused and left in place.
    let mut huge = format!("To: {}\r\nSubject: huge\r\n\r\n", app.config.bot.address).into_bytes();
    huge.resize(olifant::parse::MAX_RAW + 1, b'x');
    messages.push(huge);
    messages.push(messages[3].clone()); // a copy of an earlier reply
    let report = pass_over(&app, dir.path(), &messages).await;
    assert_eq!(report.fetched, messages.len(), "{report:?}");
    assert_eq!(report.stored, prompts.len(), "{report:?}");
    assert_eq!(report.merged, 1, "{report:?}");
    assert_eq!(report.ignored, 1, "{report:?}");
    assert_eq!(report.duplicates, 1, "{report:?}");
    assert_eq!(
        report.moved,
        messages.len() - 1,
        "the refused message stays: {report:?}"
    );
    for p in &prompts {
        assert!(
            app.store.reflection_for_prompt(p.id).unwrap().is_some(),
            "{} has no reflection",
            p.client_name
        );
    }
    let first = app
        .store
        .reflection_for_prompt(prompts[0].id)
        .unwrap()
        .unwrap();
    let newer = olifant::parse::read_message(&later, &app.parse_context()).unwrap();
    assert!(!newer.parsed.answers.is_empty());
    for (key, answer) in &newer.parsed.answers {
        assert_eq!(
            first.answers.get(key),
            Some(answer),
            "the later reply's answer to {key} must win"
        );
    }
    assert_eq!(first.sources.len(), 2, "{:?}", first.sources);
    assert_eq!(
        first.sources[1], newer.dedup_id,
        "recorded in arrival order"
    );
}
