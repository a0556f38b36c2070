//! Receipts and command confirmations survive a crash after the batch was moved: they are
//! recorded in the store with the batch and sent by the next pass, exactly once.
//!
//! Offline: a Maildir inbox and the stub sender stand in for the servers (the real-server
//! versions of the crash scenarios live in tests/servers/faults.rs and
//! tests/servers/replies_e2e.rs).

use olifant::app::App;
use olifant::ingest::maildir::MaildirSource;
use olifant::ingest::source::MailSource;
use olifant::model::{OwedMail, PromptRecord};
use olifant::send::stub::StubSender;

use crate::support::{self, now, prompt};

fn app(dir: &std::path::Path, stub: &StubSender) -> App {
    support::app(dir, stub, "")
}

fn reply(app: &App, p: &PromptRecord) -> Vec<u8> {
    support::reply(
        app,
        p,
        "reply-1@example.test",
        "1 4, 2 5, 8 yes\r\n\r\nGood month.",
    )
}

#[tokio::test]
async fn a_receipt_owed_when_olifant_stopped_is_sent_by_the_next_pass_once() {
    let dir = tempfile::tempdir().unwrap();
    let stub = StubSender::new();
    let app = app(dir.path(), &stub);
    let p = prompt(&app, "Acme");
    // The state a crash right after "move + checkpoint" leaves: the reply is stored, the
    // message is gone from the inbox, the receipt is owed but was never handed over.
    let olifant::ingest::plan::Outcome { followup: owed, .. } =
        olifant::ingest::pipeline::handle_message(&app, &reply(&app, &p), "test:1", now()).unwrap();
    let owed = owed.expect("a stored reply owes a receipt");
    assert!(matches!(owed, OwedMail::Receipt { .. }));
    app.store.update_meta(|m| m.owed.push(owed)).unwrap();
    app.store.flush().unwrap();
    // (The same App goes on: reopening sled in-process right after a drop can race its
    // background flusher for the file lock; the owed mail is in the store either way.)
    let (_, folders) = olifant::ingest::pipeline::mail_source(&app).unwrap();
    let source = MaildirSource::new(
        dir.path().join("inbox"),
        std::time::Duration::from_millis(10),
    );
    let mut session = source.connect().await.unwrap();
    let clock = || now();
    olifant::ingest::pipeline::ingest_pass(&app, &mut *session, &folders, &clock)
        .await
        .unwrap();
    assert_eq!(stub.sent().len(), 1, "the owed receipt went out");
    assert!(stub.sent()[0].message_id.contains(".c"), "it is a receipt");
    assert!(
        app.store.meta().unwrap().owed.is_empty(),
        "and is no longer owed"
    );

    olifant::ingest::pipeline::ingest_pass(&app, &mut *session, &folders, &clock)
        .await
        .unwrap();
    assert_eq!(stub.sent().len(), 1, "a second pass sends nothing more");
}

#[tokio::test]
async fn a_command_confirmation_owed_is_sent_once_and_the_command_applied_once() {
    let dir = tempfile::tempdir().unwrap();
    let stub = StubSender::new();
    let app = app(dir.path(), &stub);
    let raw = b"From: owner@example.test\r\nTo: olifant@example.test\r\nSubject: vacation\r\nMessage-ID: <cmd-1@example.test>\r\nDate: Mon, 02 Mar 2026 08:00:00 +0000\r\n\r\npause 2w\r\n";
    let olifant::ingest::plan::Outcome { followup: owed, .. } =
        olifant::ingest::pipeline::handle_message(&app, raw, "test:2", now()).unwrap();
    let owed = owed.expect("a command owes a confirmation");
    assert!(
        matches!(&owed, OwedMail::CommandReply { command_line, .. } if command_line == "pause 2w"),
        "{owed:?}"
    );
    let paused = app.store.meta().unwrap().paused_until;
    assert!(paused.is_some(), "the command took effect with the batch");
    app.store.update_meta(|m| m.owed.push(owed)).unwrap();
    app.store.flush().unwrap();
    olifant::ingest::pipeline::send_owed(&app, &|| now()).await;
    olifant::ingest::pipeline::send_owed(&app, &|| now()).await;
    assert_eq!(stub.sent().len(), 1);
    let text = String::from_utf8_lossy(&stub.sent()[0].raw).to_string();
    assert!(text.contains("Paused"), "{text}");
    assert_eq!(app.store.meta().unwrap().paused_until, paused);
}
