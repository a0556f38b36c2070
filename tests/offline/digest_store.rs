//! The digest built from the store (`App::build_digest`, one client's reflections at a time)
//! says the same as the pure digest over every reflection in memory. And `App::send_digest`
//! through the stub sender: the offline double of `servers::digest_e2e`.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{DateTime, Duration, TimeZone, Utc};
use mail_parser::MessageParser;
use olifant::app::App;
use olifant::config::Config;
use olifant::digest::{build_digest, Activity, DigestInput, InMemoryReflections};
use olifant::model::SendState;
use olifant::model::{Answer, Client, ClientKey, ClientStatus, Reflection};
use olifant::prompt::questionnaire::default_questionnaire;
use olifant::send::stub::StubSender;
use olifant::store::{OutgoingKind, OutgoingRecord};

use crate::common;

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 6, 1, 9, 0, 0).unwrap()
}

fn client(name: &str, revenue: Option<f64>, status: ClientStatus) -> Client {
    Client {
        revenue,
        status,
        ..common::client(name, now() - Duration::days(400))
    }
}

fn reflection(name: &str, days_ago: i64, rating: u8, understood: bool) -> Reflection {
    let mut answers: BTreeMap<String, Answer> = default_questionnaire()
        .questions
        .iter()
        .map(|q| &q.key)
        .map(|k| {
            (
                k.to_string(),
                Answer {
                    rating: Some(if k == "again" { 5 } else { rating }),
                    comment: (rating == 1).then(|| format!("{k} was hard")),
                },
            )
        })
        .collect();
    if !understood {
        answers.insert(
            "scope".into(),
            Answer {
                rating: None,
                comment: None,
            },
        );
    }
    Reflection {
        client: ClientKey::from_name(name),
        prompt: None,
        date: now() - Duration::days(days_ago),
        answers,
        notes: format!("{name}, {days_ago} days ago"),
        sources: vec![],
    }
}

#[test]
fn the_store_backed_digest_matches_the_in_memory_digest() {
    let dir = tempfile::tempdir().unwrap();
    let config = Config::example_local(&dir.path().join("data")).unwrap();
    let app = App::open_with_sender(config, Arc::new(StubSender::new()), now()).unwrap();
    let clients = [
        client("Acme", Some(20_000.0), ClientStatus::Active),
        client("Acme-2", Some(5_000.0), ClientStatus::Active),
        client("Bakkerij Jansen", None, ClientStatus::Active),
        client(
            "Oud & Co",
            Some(1_000.0),
            ClientStatus::Archived {
                since: now() - Duration::days(20),
            },
        ),
        client("Nieuw", None, ClientStatus::Active),
    ];
    for c in &clients {
        app.store.put_client(c).unwrap();
    }
    let mut written = Vec::new();
    for (name, base) in [
        ("Acme", 5),
        ("Acme-2", 2),
        ("Bakkerij Jansen", 3),
        ("Oud & Co", 1),
    ] {
        for i in 0..8i64 {
            let rating = (base + (i % 3) as u8).clamp(1, 5);
            written.push(reflection(
                name,
                7 * (8 - i),
                rating,
                i != 3 || name != "Acme",
            ));
        }
    }
    // A client removed from the list keeps its reflections; its not-understood one counts.
    written.push(reflection("Gone", 3, 4, false));
    for r in &written {
        app.store.put_reflection(r).unwrap();
    }

    let from_store = olifant::digest::run::build_digest(&app, now(), None, None).unwrap();

    let everything = app.store.reflections().unwrap();
    assert_eq!(everything.len(), written.len());
    let stored_clients = app.store.clients().unwrap();
    let input = DigestInput {
        clients: &stored_clients,
        prompts: &[],
        not_understood: 2,
        quarantined: &[],
        activity: Activity::default(),
        next_prompt_at: None,
        next_digest_at: None,
        as_of: None,
        previous_digest_at: None,
        settings: &app.config.digest,
        questionnaire: app.config.questionnaire(),
        lang: app.config.owner.language,
        tz: app.config.owner.timezone,
    };
    let in_memory =
        build_digest(&input, &mut InMemoryReflections::new(&everything), now()).unwrap();

    assert_eq!(from_store.clients, in_memory.clients);
    assert_eq!(from_store.archived, in_memory.archived);
    assert_eq!(from_store.counts, in_memory.counts);
    assert_eq!(from_store.revenue, in_memory.revenue);
    // Gone's not-understood reflection (3 days ago); Acme's is 35 days old, before the
    // window (no previous digest: the last 30 days). No raw messages in this store.
    assert_eq!(from_store.not_understood, 1);
    assert_eq!(from_store.clients.len(), 4);
    let acme = from_store
        .clients
        .iter()
        .find(|c| c.name == "Acme")
        .unwrap();
    assert_eq!(acme.reflections, 8);
    let nieuw = from_store
        .clients
        .iter()
        .find(|c| c.name == "Nieuw")
        .unwrap();
    assert_eq!(nieuw.reflections, 0);
    assert_eq!(from_store.archived[0].reflections, 8);
}

/// `not_understood` counts the replies since the previous digest (as documented), not every
/// stored one: of listed clients and of clients no longer listed alike.
#[test]
fn not_understood_counts_only_replies_since_the_previous_digest() {
    let dir = tempfile::tempdir().unwrap();
    let config = Config::example_local(&dir.path().join("data")).unwrap();
    let app = App::open_with_sender(config, Arc::new(StubSender::new()), now()).unwrap();
    app.store
        .put_client(&client("Acme", None, ClientStatus::Active))
        .unwrap();
    let previous = now() - Duration::days(10);
    app.store
        .put_outgoing(&OutgoingRecord {
            id: "olifant-digest.1@example.test".into(),
            kind: OutgoingKind::Digest {
                period_end: previous,
            },
            created_at: previous,
            send: SendState::Sent { at: previous },
        })
        .unwrap();
    for (name, days_ago, understood) in [
        ("Acme", 12, false), // before the previous digest
        ("Acme", 9, false),
        ("Acme", 8, true),
        ("Acme", 2, false),
        ("Gone", 20, false), // a removed client, before
        ("Gone", 1, false),
    ] {
        app.store
            .put_reflection(&reflection(name, days_ago, 3, understood))
            .unwrap();
    }
    let d = olifant::digest::run::build_digest(&app, now(), None, None).unwrap();
    assert_eq!(d.not_understood, 3);
    // Without that digest the window is the last 30 days: all five count.
    let dir2 = tempfile::tempdir().unwrap();
    let config = Config::example_local(&dir2.path().join("data")).unwrap();
    let fresh = App::open_with_sender(config, Arc::new(StubSender::new()), now()).unwrap();
    for r in app.store.reflections().unwrap() {
        fresh.store.put_reflection(&r).unwrap();
    }
    assert_eq!(
        olifant::digest::run::build_digest(&fresh, now(), None, None)
            .unwrap()
            .not_understood,
        5
    );
}

#[test]
fn stub_sender_is_the_offline_double_for_the_same_path() {
    // The real-server test (servers::digest_e2e) covers the wire; this guards the offline seam used by the
    // rest of the suite: a digest composed for the stub has the same MIME shape.
    let dir = tempfile::tempdir().unwrap();
    let cfg = olifant::config::Config::example_local(dir.path()).unwrap();
    let now = Utc.with_ymd_and_hms(2026, 11, 2, 7, 0, 0).unwrap();
    let stub = StubSender::new();
    let app = App::open_with_sender(cfg, Arc::new(stub.clone()), now).unwrap();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let clock = move || now;
    rt.block_on(olifant::digest::run::send_digest(&app, now, now, &clock))
        .unwrap();
    let sent = stub.sent();
    assert_eq!(sent.len(), 1);
    let msg = MessageParser::default().parse(&sent[0].raw).unwrap();
    assert!(msg.body_text(0).is_some());
    assert!(msg.body_html(0).is_some());
}

#[tokio::test(start_paused = true)]
async fn a_digest_that_failed_for_now_is_sent_at_a_later_tick_and_only_once() {
    use olifant::send::stub::StubOutcome;
    let dir = tempfile::tempdir().unwrap();
    let cfg = olifant::config::Config::example_local(dir.path()).unwrap();
    let now = Utc.with_ymd_and_hms(2026, 11, 2, 7, 0, 0).unwrap();
    // Every attempt of the first hand-over fails for now (server down).
    let stub = StubSender::with_script(vec![StubOutcome::Transient; 4]);
    let app = App::open_with_sender(cfg, Arc::new(stub.clone()), now - Duration::days(40)).unwrap();
    let clock = move || now;
    let first = olifant::digest::run::send_digest(&app, now, now, &clock)
        .await
        .unwrap();
    assert!(
        matches!(
            first,
            Some(olifant::model::SendState::Failed {
                permanent: false,
                ..
            })
        ),
        "{first:?}"
    );
    assert_ne!(
        app.store.meta().unwrap().last_digest_run,
        Some(now),
        "the occurrence stays open"
    );
    assert!(stub.sent().is_empty());
    let second = olifant::digest::run::send_digest(&app, now, now, &clock)
        .await
        .unwrap();
    assert!(
        matches!(second, Some(olifant::model::SendState::Sent { .. })),
        "{second:?}"
    );
    assert_eq!(app.store.meta().unwrap().last_digest_run, Some(now));
    assert_eq!(
        olifant::digest::run::send_digest(&app, now, now, &clock)
            .await
            .unwrap(),
        None
    );
    assert_eq!(stub.sent().len(), 1);
}
