//! The "done when" of the prompts issue, against the real private Postfix + Dovecot started by
//! `scripts/test`: a scheduling pass delivers one well-formed prompt per due client, a second
//! pass sends nothing new, the per-run cap holds, an interrupted send is never repeated, a
//! transient SMTP outage is retried exactly once, and Dutch/English names arrive intact.
//!
//! Tests that send take `SERVERS_LOCK.read()`; the Postfix-outage test takes the write lock.

use std::sync::Arc;
use std::time::Duration;

use mail_parser::MimeHeaders;
use olifant::app::App;
use olifant::model::{ClientKey, PromptRecord, PromptStatus, SendState};
use olifant::send::stub::{StubOutcome, StubSender};

use crate::support::{
    self, client_block, fixed, header, last_monday_nine, parse, reply_to, Fixture, DELIVERY,
    SERVERS_LOCK,
};

/// Messages in the owner's INBOX after a short grace period for stragglers.
async fn settled_count(f: &Fixture) -> usize {
    tokio::time::sleep(Duration::from_millis(1500)).await;
    f.s.uid_fetch_all(&f.owner, "INBOX").await.len()
}

#[tokio::test]
#[ignore = "needs the private mail servers: run bash scripts/test"]
async fn a_pass_delivers_one_wellformed_prompt_per_due_client_and_a_second_pass_sends_nothing() {
    let _g = SERVERS_LOCK.read().await;
    let f = Fixture::new("pr-pass");
    let names = ["Bakkerij Jansen", "Acme Ltd", "Studio Noord"];
    let tail = names
        .iter()
        .map(|n| client_block(n, ""))
        .collect::<String>();
    let occurrence = last_monday_nine();
    let now = occurrence + chrono::Duration::minutes(5);
    let app = f.open(f.config("en", "", &tail), now);

    let report = olifant::prompt::run::run_prompts(&app, now, &fixed(now))
        .await
        .expect("prompt run");
    assert_eq!(report.occurrence, Some(occurrence), "{report:?}");
    let mut sent = report.sent.clone();
    sent.sort();
    let mut want: Vec<String> = names.iter().map(|s| s.to_string()).collect();
    want.sort();
    assert_eq!(sent, want, "{report:?}");
    assert!(report.failed.is_empty(), "{report:?}");

    let msgs =
        f.s.wait_for_messages(&f.owner, "INBOX", names.len(), DELIVERY)
            .await;
    assert_eq!(msgs.len(), names.len());
    let (_, domain) = f.bot_parts();
    let mut ids = std::collections::BTreeSet::new();
    let mut clients_seen = std::collections::BTreeSet::new();
    for (_, raw) in &msgs {
        let m = parse(raw);
        let mid = m.message_id().expect("Message-ID").to_string();
        assert!(ids.insert(mid.clone()), "duplicate Message-ID {mid}");
        let rt = reply_to(&m).expect("Reply-To");
        let token = support::token_of_plus(&rt).unwrap_or_else(|| panic!("no token in {rt}"));
        assert_eq!(rt, f.plus(&token));
        let id = app
            .key
            .verify(&token)
            .unwrap_or_else(|| panic!("token {token} does not verify"));
        assert_eq!(mid, format!("olifant.{token}@{domain}"));
        let record: PromptRecord = app.store.prompt(id).unwrap().expect("prompt recorded");
        assert!(matches!(record.send, SendState::Sent { .. }), "{record:?}");
        assert_eq!(record.message_id, mid);
        let subject = m.subject().expect("subject");
        assert!(subject.contains(&record.client_name), "{subject}");
        let r = olifant::prompt::token::short_ref(id);
        assert!(subject.ends_with(&format!("[{r}]")), "{subject}");
        clients_seen.insert(record.client_name.clone());
        assert_eq!(
            header(&m, "Auto-Submitted").as_deref(),
            Some("auto-generated")
        );
        assert_eq!(
            header(&m, "X-Auto-Response-Suppress").as_deref(),
            Some("OOF, AutoReply")
        );
        let ct = m.content_type().expect("Content-Type");
        assert_eq!(
            (ct.ctype(), ct.subtype()),
            ("multipart", Some("alternative")),
            "{ct:?}"
        );
        assert_eq!(m.text_body.len(), 1, "one text part");
        assert_eq!(m.html_body.len(), 1, "one html part");
        assert!(m.body_text(0).unwrap().contains(&record.client_name));
        assert!(m.body_html(0).unwrap().contains("<"));
        let to = m.to().and_then(|a| a.first()).and_then(|a| a.address());
        assert_eq!(to, Some(f.owner.as_str()));
    }
    assert_eq!(clients_seen.len(), names.len());

    // The same occurrence again, a minute later: nothing new.
    let later = now + chrono::Duration::minutes(1);
    let again = olifant::prompt::run::run_prompts(&app, later, &fixed(later))
        .await
        .expect("second run");
    assert!(again.sent.is_empty(), "{again:?}");
    assert!(again.failed.is_empty(), "{again:?}");
    assert_eq!(settled_count(&f).await, names.len());
    assert_eq!(app.store.prompts().unwrap().len(), names.len());
}

#[tokio::test]
#[ignore = "needs the private mail servers: run bash scripts/test"]
async fn max_prompts_per_run_caps_a_run() {
    let _g = SERVERS_LOCK.read().await;
    let f = Fixture::new("pr-cap");
    let names = ["Alpha BV", "Beta BV", "Gamma BV", "Delta BV"];
    let mut tail = String::from("[schedule]\nmax_prompts_per_run = 2\n\n");
    for n in names {
        tail.push_str(&client_block(n, ""));
    }
    let now = last_monday_nine() + chrono::Duration::minutes(1);
    let app = f.open(f.config("en", "", &tail), now);
    let report = olifant::prompt::run::run_prompts(&app, now, &fixed(now))
        .await
        .expect("run");
    assert_eq!(report.sent.len(), 2, "{report:?}");
    assert!(
        report
            .skipped
            .iter()
            .filter(|(_, r)| r.contains("over_cap"))
            .count()
            >= 2,
        "{report:?}"
    );
    f.s.wait_for_messages(&f.owner, "INBOX", 2, DELIVERY).await;
    // A rerun for the same occurrence counts what was already sent against the cap.
    let again =
        olifant::prompt::run::run_prompts(&app, now + chrono::Duration::minutes(2), &fixed(now))
            .await
            .expect("rerun");
    assert!(again.sent.is_empty(), "{again:?}");
    assert_eq!(settled_count(&f).await, 2);
}

#[tokio::test]
#[ignore = "needs the private mail servers: run bash scripts/test"]
async fn an_ambiguous_send_is_unknown_and_never_repeated() {
    // No servers needed for the stub, but the data dir and config are the real ones.
    let f = Fixture::new("pr-amb");
    let tail = client_block("Acme Ltd", "");
    let now = last_monday_nine() + chrono::Duration::minutes(1);
    let stub = StubSender::with_script([StubOutcome::AmbiguousLost]);
    let app = App::open_with_sender(f.config("en", "", &tail), Arc::new(stub.clone()), now)
        .expect("open");
    let report = olifant::prompt::run::run_prompts(&app, now, &fixed(now))
        .await
        .expect("run");
    assert!(report.sent.is_empty(), "{report:?}");
    assert_eq!(report.failed.len(), 1, "{report:?}");
    assert!(report.failed[0].1.starts_with("unknown"), "{report:?}");
    let prompts = app.store.prompts().unwrap();
    assert_eq!(prompts.len(), 1);
    assert!(
        matches!(prompts[0].send, SendState::Unknown { .. }),
        "{prompts:?}"
    );

    // Neither a later pass nor the retry of failed prompts sends it again.
    let later = now + chrono::Duration::hours(1);
    let again = olifant::prompt::run::run_prompts(&app, later, &fixed(later))
        .await
        .expect("rerun");
    assert!(
        again.sent.is_empty() && again.failed.is_empty(),
        "{again:?}"
    );
    assert_eq!(
        olifant::prompt::run::retry_failed_prompts(&app, later, &fixed(later))
            .await
            .unwrap(),
        0
    );
    assert_eq!(stub.attempts(), 1);
}

#[tokio::test]
#[ignore = "needs the private mail servers: run bash scripts/test"]
async fn a_send_interrupted_between_intent_and_answer_is_unknown_after_restart_and_not_resent() {
    let _g = SERVERS_LOCK.read().await;
    let f = Fixture::new("pr-crash");
    let tail = client_block("Acme Ltd", "") + &client_block("Bakkerij Jansen", "");
    let occurrence = last_monday_nine();
    let now = occurrence + chrono::Duration::minutes(1);
    let config = f.config("en", "", &tail);
    {
        // What a crash right after the intent was flushed leaves behind.
        let app = f.open(config.clone(), now);
        let id = olifant::prompt::run::fresh_prompt_id(&app).unwrap();
        let client = app
            .store
            .client(&ClientKey::from_name("Acme Ltd"))
            .unwrap()
            .unwrap();
        let mail = olifant::prompt::run::compose_prompt_for(&app, &client, id, now).unwrap();
        app.store
            .put_prompt(&PromptRecord {
                id,
                client: client.key(),
                client_name: client.name.clone(),
                lang: olifant::model::Lang::En,
                occurrence,
                created_at: now,
                message_id: mail.message_id.clone(),
                subject: mail.subject.clone(),
                send: SendState::Intent { at: now },
                status: PromptStatus::Open,
                reminder: None,
            })
            .unwrap();
        app.store.flush().unwrap();
    }
    let app = f.open(config, now + chrono::Duration::minutes(1));
    let acme = app
        .store
        .prompts_for(&ClientKey::from_name("Acme Ltd"))
        .unwrap();
    assert_eq!(acme.len(), 1);
    assert!(
        matches!(acme[0].send, SendState::Unknown { .. }),
        "{acme:?}"
    );

    let t = now + chrono::Duration::minutes(2);
    let report = olifant::prompt::run::run_prompts(&app, t, &fixed(t))
        .await
        .expect("run");
    assert_eq!(
        report.sent,
        vec!["Bakkerij Jansen".to_string()],
        "{report:?}"
    );
    assert_eq!(
        olifant::prompt::run::retry_failed_prompts(&app, t, &fixed(t))
            .await
            .unwrap(),
        0
    );
    let msgs = f.s.wait_for_messages(&f.owner, "INBOX", 1, DELIVERY).await;
    assert_eq!(settled_count(&f).await, 1);
    let m = parse(&msgs[0].1);
    assert!(m.subject().unwrap().contains("Bakkerij Jansen"));
    let acme = app
        .store
        .prompts_for(&ClientKey::from_name("Acme Ltd"))
        .unwrap();
    assert_eq!(acme.len(), 1, "no second prompt for the unknown one");
}

#[tokio::test]
#[ignore = "needs the private mail servers: run bash scripts/test"]
async fn a_postfix_outage_is_a_transient_failure_and_the_retry_sends_each_prompt_once() {
    let _g = SERVERS_LOCK.write().await;
    let f = Fixture::new("pr-outage");
    let tail = client_block("Acme Ltd", "");
    let now = last_monday_nine() + chrono::Duration::minutes(1);
    let app = f.open(f.config("en", "", &tail), now);

    let s = f.s.clone();
    tokio::task::spawn_blocking(move || s.ctl("stop-postfix"))
        .await
        .unwrap();
    // RetryPolicy::default(): 4 attempts, 2 + 4 + 8 s apart (~14 s).
    let report = olifant::prompt::run::run_prompts(&app, now, &fixed(now)).await;
    let s = f.s.clone();
    tokio::task::spawn_blocking(move || s.ctl("start-postfix"))
        .await
        .unwrap();
    let report = report.expect("run");
    assert!(report.sent.is_empty(), "{report:?}");
    assert_eq!(report.failed.len(), 1, "{report:?}");
    assert!(
        report.failed[0].1.starts_with("failed for now"),
        "{report:?}"
    );
    let p = &app.store.prompts().unwrap()[0];
    assert!(olifant::send::outbox::retryable(&p.send), "{p:?}");

    let t = now + chrono::Duration::minutes(10);
    assert_eq!(
        olifant::prompt::run::retry_failed_prompts(&app, t, &fixed(t))
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        olifant::prompt::run::retry_failed_prompts(&app, t, &fixed(t))
            .await
            .unwrap(),
        0
    );
    let again = olifant::prompt::run::run_prompts(&app, t, &fixed(t))
        .await
        .expect("rerun");
    assert!(again.sent.is_empty(), "{again:?}");
    f.s.wait_for_messages(&f.owner, "INBOX", 1, DELIVERY).await;
    assert_eq!(settled_count(&f).await, 1);
    let p = &app.store.prompts().unwrap()[0];
    assert!(matches!(p.send, SendState::Sent { .. }), "{p:?}");
}

#[tokio::test]
#[ignore = "needs the private mail servers: run bash scripts/test"]
async fn dutch_and_english_prompts_for_a_name_with_quotes_and_ampersand_arrive_intact() {
    let _g = SERVERS_LOCK.read().await;
    let name = "Café \"De Olifant\" & Zn.";
    for lang in ["nl", "en"] {
        let f = Fixture::new(&format!("pr-{lang}"));
        let now = last_monday_nine() + chrono::Duration::minutes(1);
        let app = f.open(f.config(lang, "", &client_block(name, "")), now);
        let report = olifant::prompt::run::run_prompts(&app, now, &fixed(now))
            .await
            .expect("run");
        assert_eq!(report.sent, vec![name.to_string()], "{report:?}");
        let msgs = f.s.wait_for_messages(&f.owner, "INBOX", 1, DELIVERY).await;
        let m = parse(&msgs[0].1);
        let subject = m.subject().expect("subject");
        let expect_start = if lang == "nl" {
            format!("Hoe ging het met {name}? [")
        } else {
            format!("How was {name} lately? [")
        };
        assert!(subject.starts_with(&expect_start), "{lang}: {subject:?}");
        let text = m.body_text(0).expect("text part");
        assert!(text.contains(name), "{lang}: {text}");
        let html = m.body_html(0).expect("html part");
        assert!(html.contains("Café"), "{lang}: {html}");
        assert!(html.contains("&amp; Zn."), "{lang}: {html}");
        assert!(
            !html.contains("\"De Olifant\" & Zn."),
            "{lang}: unescaped name in HTML"
        );
        if lang == "nl" {
            assert!(text.contains("Energie"), "{text}");
        } else {
            assert!(text.contains("Energy"), "{text}");
        }
    }
}

#[tokio::test]
#[ignore = "needs the private mail servers: run bash scripts/test"]
async fn an_unanswered_prompt_gets_one_threaded_reminder_over_smtp() {
    let _g = SERVERS_LOCK.read().await;
    let f = Fixture::new("pr-remind");
    let now = last_monday_nine() + chrono::Duration::minutes(5);
    let app = f.open(f.config("en", "", &client_block("Acme Ltd", "")), now);
    let report = olifant::prompt::run::run_prompts(&app, now, &fixed(now))
        .await
        .expect("run");
    assert_eq!(report.sent.len(), 1, "{report:?}");
    let prompt = app.store.prompts().unwrap().remove(0);

    // reminder_after_days = 3 (default): a pass three days and an hour later reminds once.
    let later = now + chrono::Duration::days(3) + chrono::Duration::hours(1);
    let report = olifant::prompt::run::run_prompts(&app, later, &fixed(later))
        .await
        .expect("run");
    assert_eq!(report.reminded, vec!["Acme Ltd".to_string()], "{report:?}");
    let again = later + chrono::Duration::hours(2);
    let report = olifant::prompt::run::run_prompts(&app, again, &fixed(again))
        .await
        .expect("run");
    assert!(report.reminded.is_empty(), "{report:?}");

    let msgs = f.s.wait_for_messages(&f.owner, "INBOX", 2, DELIVERY).await;
    assert_eq!(settled_count(&f).await, 2);
    let reminder = msgs
        .iter()
        .map(|(_, r)| parse(r))
        .find(|m| m.message_id() != Some(prompt.message_id.as_str()))
        .expect("a second message");
    assert_eq!(
        header(&reminder, "In-Reply-To").as_deref(),
        Some(format!("<{}>", prompt.message_id).as_str())
    );
    let token = support::token_of_plus(&reply_to(&reminder).expect("Reply-To")).unwrap();
    assert_eq!(app.key.verify(&token), Some(prompt.id));
    assert_eq!(
        header(&reminder, "Auto-Submitted").as_deref(),
        Some("auto-generated")
    );
    let p = app.store.prompt(prompt.id).unwrap().unwrap();
    let r = p.reminder.expect("reminder recorded");
    assert!(matches!(r.send, SendState::Sent { .. }), "{r:?}");
    assert_eq!(reminder.message_id(), Some(r.message_id.as_str()));
}
