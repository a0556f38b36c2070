//! Store: typed round trips, locking, schema versions, the token key, durability, corruption.

use std::collections::BTreeMap;
use std::path::Path;

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use olifant::model::{
    Answer, Cadence, Client, ClientKey, ClientStatus, Lang, PromptId, PromptRecord, PromptStatus,
    QuarantineEntry, Reflection, Reminder, SendState,
};
use olifant::store::{
    Checkpoint, Event, EventKind, OutgoingKind, OutgoingRecord, RawMeta, RawOutcome, ReflectionId,
    Store, StoreError, CURRENT_SCHEMA,
};

fn t(day: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 3, day, 9, 0, 0).unwrap()
}

fn client(name: &str) -> Client {
    Client {
        name: name.into(),
        cadence: Cadence::Monthly,
        revenue: Some(1200.0),
        tags: vec!["a".into()],
        status: ClientStatus::Paused {
            until: NaiveDate::from_ymd_opt(2025, 4, 1),
        },
        since: t(1),
    }
}

fn prompt(id: u64, name: &str, created: DateTime<Utc>) -> PromptRecord {
    PromptRecord {
        id: PromptId(id),
        client: ClientKey::from_name(name),
        client_name: name.into(),
        lang: Lang::Nl,
        occurrence: created,
        created_at: created,
        message_id: format!("olifant.tok{id}@example.test"),
        subject: format!("How is {name}?"),
        send: SendState::Intent { at: created },
        status: PromptStatus::Open,
        reminder: None,
    }
}

fn reflection(name: &str, prompt: Option<u64>, date: DateTime<Utc>, rating: u8) -> Reflection {
    Reflection {
        client: ClientKey::from_name(name),
        prompt: prompt.map(PromptId),
        date,
        answers: BTreeMap::from([(
            "payment".to_string(),
            Answer {
                rating: Some(rating),
                comment: Some("late again".into()),
            },
        )]),
        notes: "Notes.".into(),
        sources: vec![format!("msg-{rating}@x")],
    }
}

fn meta(origin: &str, outcome: RawOutcome) -> RawMeta {
    RawMeta {
        origin: origin.into(),
        received_at: t(5),
        outcome,
    }
}

fn open(dir: &Path) -> Store {
    Store::open(dir).unwrap_or_else(|e| panic!("open: {e}"))
}

#[test]
fn store_is_send_sync_and_clone() {
    fn assert_traits<T: Send + Sync + Clone + 'static>() {}
    assert_traits::<Store>();
}

#[test]
fn clients_round_trip_sorted_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let s = open(dir.path());
    s.put_client(&client("Zeta BV")).unwrap();
    s.put_client(&client("acme")).unwrap();
    s.put_client(&client("Bakkerij Jansen")).unwrap();
    let names: Vec<String> = s.clients().unwrap().into_iter().map(|c| c.name).collect();
    assert_eq!(names, ["acme", "Bakkerij Jansen", "Zeta BV"]);
    let key = ClientKey::from_name("bakkerij  JANSEN");
    assert_eq!(s.client(&key).unwrap(), Some(client("Bakkerij Jansen")));
    assert!(s.remove_client(&key).unwrap());
    assert!(!s.remove_client(&key).unwrap());
    assert_eq!(s.client(&key).unwrap(), None);
    assert_eq!(s.clients().unwrap().len(), 2);
}

#[test]
fn prompts_round_trip_and_are_found_by_message_id_and_reminder_id() {
    let dir = tempfile::tempdir().unwrap();
    let s = open(dir.path());
    let late = prompt(5, "Acme", t(10));
    let mut early = prompt(9, "Bakker", t(2));
    s.put_prompt(&late).unwrap();
    s.put_prompt(&early).unwrap();
    s.put_prompt(&prompt(7, "Acme", t(4))).unwrap();
    let ids: Vec<u64> = s.prompts().unwrap().iter().map(|p| p.id.0).collect();
    assert_eq!(ids, [9, 7, 5], "by created_at");
    let acme: Vec<u64> = s
        .prompts_for(&ClientKey::from_name("acme"))
        .unwrap()
        .iter()
        .map(|p| p.id.0)
        .collect();
    assert_eq!(acme, [7, 5]);
    assert_eq!(s.prompt(PromptId(5)).unwrap(), Some(late.clone()));
    assert_eq!(
        s.prompt_by_message_id("<olifant.tok5@example.test>")
            .unwrap(),
        Some(late)
    );
    assert_eq!(s.prompt_by_message_id("nope@x").unwrap(), None);

    early.reminder = Some(Reminder {
        message_id: "olifant.rem9@example.test".into(),
        send: SendState::Sent { at: t(5) },
    });
    s.put_prompt(&early).unwrap();
    assert_eq!(
        s.prompt_by_message_id("olifant.rem9@example.test")
            .unwrap()
            .map(|p| p.id),
        Some(PromptId(9))
    );
    assert_eq!(
        s.prompts().unwrap().len(),
        3,
        "update replaces, not duplicates"
    );
}

#[test]
fn a_second_reply_to_the_same_prompt_replaces_instead_of_duplicating() {
    let dir = tempfile::tempdir().unwrap();
    let s = open(dir.path());
    let first = s
        .put_reflection(&reflection("Acme", Some(42), t(3), 2))
        .unwrap();
    let second = s
        .put_reflection(&reflection("Acme", Some(42), t(3), 4))
        .unwrap();
    assert_eq!(first, ReflectionId::Prompt(PromptId(42)));
    assert_eq!(first, second);
    assert_eq!(s.reflections().unwrap().len(), 1);
    assert_eq!(
        s.reflection_for_prompt(PromptId(42))
            .unwrap()
            .unwrap()
            .answers["payment"]
            .rating,
        Some(4)
    );
}

#[test]
fn reflections_without_prompt_get_distinct_ids_and_sort_by_date() {
    let dir = tempfile::tempdir().unwrap();
    let s = open(dir.path());
    let a = s
        .put_reflection(&reflection("Acme", None, t(9), 1))
        .unwrap();
    let b = s
        .put_reflection(&reflection("Acme", None, t(1), 2))
        .unwrap();
    s.put_reflection(&reflection("Other", Some(1), t(5), 3))
        .unwrap();
    assert_ne!(a, b);
    // A prompt id never collides with a local id.
    assert_ne!(a, ReflectionId::Prompt(PromptId(1)));
    let acme = s.reflections_for(&ClientKey::from_name("ACME")).unwrap();
    let dates: Vec<_> = acme.iter().map(|r| r.date).collect();
    assert_eq!(dates, [t(1), t(9)]);
    let all: Vec<u8> = s
        .reflections()
        .unwrap()
        .iter()
        .map(|r| r.answers["payment"].rating.unwrap())
        .collect();
    assert_eq!(all, [2, 3, 1]);

    let mut changed = reflection("Acme", None, t(9), 5);
    changed.notes = "rewritten".into();
    s.replace_reflection(a, &changed).unwrap();
    let with_ids = s.reflections_with_ids().unwrap();
    let (_, r) = with_ids.iter().find(|(id, _)| *id == a).unwrap();
    assert_eq!(r.notes, "rewritten");
    assert_eq!(with_ids.len(), 3);

    s.clear_reflections().unwrap();
    assert!(s.reflections().unwrap().is_empty());
}

#[test]
fn raw_messages_round_trip_and_mark_seen() {
    let dir = tempfile::tempdir().unwrap();
    let s = open(dir.path());
    assert!(!s.seen("m1@x").unwrap());
    let m1 = meta("imap:INBOX:7:1", RawOutcome::AutoReply);
    s.put_raw("m1@x", b"Subject: hi\r\n\r\nbody", &m1).unwrap();
    let m2 = meta(
        "new/123.eml",
        RawOutcome::Ignored {
            reason: "not a reply".into(),
        },
    );
    s.put_raw("sha256:ab", b"\xff\x00binary", &m2).unwrap();
    assert!(s.seen("m1@x").unwrap());
    assert_eq!(
        s.raw("m1@x").unwrap(),
        Some((m1.clone(), b"Subject: hi\r\n\r\nbody".to_vec()))
    );
    let all: Vec<_> = s.raws().collect::<Result<_, _>>().unwrap();
    assert_eq!(all.len(), 2);
    assert!(all.contains(&("sha256:ab".to_string(), m2, b"\xff\x00binary".to_vec())));
    assert_eq!(s.raw("missing").unwrap(), None);
}

#[test]
fn store_reply_writes_reflection_raw_and_prompt_together() {
    let dir = tempfile::tempdir().unwrap();
    let s = open(dir.path());
    let mut p = prompt(77, "Acme", t(1));
    s.put_prompt(&p).unwrap();
    p.status = PromptStatus::Answered { at: t(3) };
    let r = reflection("Acme", Some(77), t(3), 4);
    let m = meta(
        "imap:INBOX:1:9",
        RawOutcome::Reflection {
            prompt: Some(PromptId(77)),
        },
    );
    let id = s
        .store_reply(&r, "reply-1@x", b"raw reply", &m, Some(&p))
        .unwrap();
    assert_eq!(id, ReflectionId::Prompt(PromptId(77)));
    assert_eq!(s.reflection_for_prompt(PromptId(77)).unwrap(), Some(r));
    assert_eq!(
        s.raw("reply-1@x").unwrap(),
        Some((m, b"raw reply".to_vec()))
    );
    assert_eq!(
        s.prompt(PromptId(77)).unwrap().unwrap().status,
        PromptStatus::Answered { at: t(3) }
    );
    assert!(s.seen("reply-1@x").unwrap());
}

#[test]
fn quarantine_keeps_entry_and_raw_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let s = open(dir.path());
    let late = QuarantineEntry {
        id: "q2@x".into(),
        origin: "imap:INBOX:1:3".into(),
        at: t(8),
        reason: "token valid but From is not the owner".into(),
    };
    let early = QuarantineEntry {
        id: "q1@x".into(),
        at: t(2),
        ..late.clone()
    };
    s.quarantine_message(&late, b"raw q2").unwrap();
    s.put_quarantine(&early).unwrap();
    assert_eq!(s.quarantine().unwrap(), vec![early.clone(), late.clone()]);
    let (m, body) = s.raw("q2@x").unwrap().unwrap();
    assert_eq!(body, b"raw q2");
    assert_eq!(
        m.outcome,
        RawOutcome::Quarantined {
            reason: late.reason.clone()
        }
    );
    assert!(s.remove_quarantine("q1@x").unwrap());
    assert_eq!(s.quarantine().unwrap(), vec![late]);
}

#[test]
fn checkpoints_round_trip_per_mailbox() {
    let dir = tempfile::tempdir().unwrap();
    let s = open(dir.path());
    assert_eq!(s.checkpoint("INBOX").unwrap(), None);
    let c = Checkpoint {
        uid_validity: 1700000000,
        last_uid: 42,
    };
    s.set_checkpoint("INBOX", &c).unwrap();
    s.set_checkpoint(
        "Other",
        &Checkpoint {
            uid_validity: 1,
            last_uid: 2,
        },
    )
    .unwrap();
    assert_eq!(s.checkpoint("INBOX").unwrap(), Some(c));
    s.set_checkpoint(
        "INBOX",
        &Checkpoint {
            uid_validity: 1700000000,
            last_uid: 50,
        },
    )
    .unwrap();
    assert_eq!(s.checkpoint("INBOX").unwrap().unwrap().last_uid, 50);
    assert_eq!(s.checkpoints().unwrap().len(), 2);
}

#[test]
fn outgoing_round_trips_and_is_found_by_id() {
    let dir = tempfile::tempdir().unwrap();
    let s = open(dir.path());
    let digest = OutgoingRecord {
        id: "olifant.digest1@example.test".into(),
        kind: OutgoingKind::Digest { period_end: t(3) },
        created_at: t(3),
        send: SendState::Failed {
            at: t(3),
            permanent: false,
            reason: "421 try later".into(),
        },
    };
    let receipt = OutgoingRecord {
        id: "olifant.r1@example.test".into(),
        kind: OutgoingKind::Receipt,
        created_at: t(1),
        send: SendState::Sent { at: t(1) },
    };
    s.put_outgoing(&digest).unwrap();
    s.put_outgoing(&receipt).unwrap();
    assert_eq!(s.outgoing().unwrap(), vec![receipt, digest.clone()]);
    assert_eq!(
        s.outgoing_by_id("<olifant.digest1@example.test>").unwrap(),
        Some(digest)
    );
}

#[test]
fn meta_defaults_then_updates() {
    let dir = tempfile::tempdir().unwrap();
    let s = open(dir.path());
    assert_eq!(s.meta().unwrap(), Default::default());
    let after = s
        .update_meta(|m| {
            m.paused_until = NaiveDate::from_ymd_opt(2025, 5, 1);
            m.last_imap_ok = Some(t(4));
        })
        .unwrap();
    assert_eq!(s.meta().unwrap(), after);
    s.clone()
        .update_meta(|m| m.last_prompt_run = Some(t(6)))
        .unwrap();
    let m = s.meta().unwrap();
    assert_eq!(m.last_imap_ok, Some(t(4)));
    assert_eq!(m.last_prompt_run, Some(t(6)));
}

#[test]
fn events_since_returns_later_events_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let s = open(dir.path());
    for (day, kind) in [
        (9, EventKind::DigestSent),
        (2, EventKind::PromptSent),
        (5, EventKind::ReplyStored),
        (5, EventKind::Quarantined),
    ] {
        s.record_event(&Event::new(t(day), kind, format!("day {day}")))
            .unwrap();
    }
    let kinds: Vec<_> = s
        .events_since(t(5))
        .unwrap()
        .iter()
        .map(|e| e.kind)
        .collect();
    assert_eq!(
        kinds,
        [
            EventKind::ReplyStored,
            EventKind::Quarantined,
            EventKind::DigestSent
        ]
    );
    assert_eq!(
        s.events_since(t(1) - Duration::days(3650)).unwrap().len(),
        4
    );
    assert!(s.events_since(t(10)).unwrap().is_empty());
}

#[test]
fn second_open_of_the_same_data_dir_is_refused_while_the_first_lives() {
    let dir = tempfile::tempdir().unwrap();
    let first = open(dir.path());
    let clone = first.clone();
    match Store::open(dir.path()) {
        Err(e @ StoreError::Locked { .. }) => assert_eq!(
            e.to_string(),
            format!("another olifant is using {}", dir.path().display())
        ),
        other => panic!("expected Locked, got {other:?}"),
    }
    drop(first);
    // A clone keeps the lock.
    assert!(matches!(
        Store::open(dir.path()),
        Err(StoreError::Locked { .. })
    ));
    drop(clone);
    open(dir.path());
}

#[test]
fn data_survives_reopen_after_flush() {
    let dir = tempfile::tempdir().unwrap();
    {
        let s = open(dir.path());
        s.put_client(&client("Acme")).unwrap();
        s.put_prompt(&prompt(3, "Acme", t(2))).unwrap();
        s.put_raw("m@x", b"raw", &meta("o", RawOutcome::Bounce))
            .unwrap();
        s.flush().unwrap();
    }
    let s = open(dir.path());
    assert_eq!(s.clients().unwrap(), vec![client("Acme")]);
    assert_eq!(
        s.prompt(PromptId(3)).unwrap(),
        Some(prompt(3, "Acme", t(2)))
    );
    assert!(s.seen("m@x").unwrap());
    assert_eq!(s.schema_version().unwrap(), CURRENT_SCHEMA);
}

#[cfg(unix)]
#[test]
fn data_dir_is_created_private() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("nested").join("olifant");
    open(&data);
    let mode = std::fs::metadata(&data).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o700);
}

/// sled itself, bypassing the store, once the dropped store's background flusher has let go
/// of sled's file lock (as `Store::open` waits for it).
fn raw_sled(path: &std::path::Path) -> sled::Db {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(2);
    loop {
        match sled::open(path) {
            Ok(db) => return db,
            Err(_) if std::time::Instant::now() < deadline => {
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
            Err(e) => panic!("cannot open {}: {e}", path.display()),
        }
    }
}

#[test]
fn a_store_from_a_newer_olifant_is_refused_with_upgrade_advice() {
    let dir = tempfile::tempdir().unwrap();
    drop(open(dir.path()));
    {
        // Simulate a newer olifant: it bumped the schema in the meta tree (u32 big-endian).
        let db = raw_sled(&dir.path().join("db"));
        db.open_tree("meta")
            .unwrap()
            .insert("schema_version", &(CURRENT_SCHEMA + 4).to_be_bytes())
            .unwrap();
        db.flush().unwrap();
    }
    let e = Store::open(dir.path()).unwrap_err();
    assert_eq!(
        e.to_string(),
        format!(
            "the store was written by a newer olifant (schema {}, this build reads up to {CURRENT_SCHEMA}): upgrade olifant",
            CURRENT_SCHEMA + 4
        )
    );
}

#[cfg(unix)]
#[test]
fn token_key_is_created_private_and_stable_across_reopen() {
    use olifant::model::PromptId;
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let token = {
        let s = open(dir.path());
        let key = s.token_key().unwrap();
        key.token(PromptId(12345))
    };
    let path = dir.path().join("secret.key");
    let meta = std::fs::metadata(&path).unwrap();
    assert_eq!(meta.permissions().mode() & 0o777, 0o600);
    assert_eq!(meta.len(), 32);
    let s = open(dir.path());
    let key = s.token_key().unwrap();
    assert_eq!(key.verify(&token), Some(PromptId(12345)));

    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).unwrap();
    let e = s.token_key().unwrap_err();
    assert!(
        e.to_string()
            .contains(&format!("chmod 600 {}", path.display())),
        "{e}"
    );
}

#[test]
fn two_data_dirs_get_different_token_keys() {
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    let ka = open(a.path()).token_key().unwrap();
    let kb = open(b.path()).token_key().unwrap();
    let tok = ka.token(PromptId(1));
    assert_eq!(kb.verify(&tok), None);
}

#[test]
fn garbage_in_the_db_files_is_reported_as_corrupt_with_the_way_out() {
    let dir = tempfile::tempdir().unwrap();
    {
        let s = open(dir.path());
        for i in 0..50 {
            s.put_client(&client(&format!("client {i}"))).unwrap();
        }
        s.flush().unwrap();
    }
    let db = dir.path().join("db");
    let mut files = Vec::new();
    let mut stack = vec![db.clone()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                files.push(p);
            }
        }
    }
    assert!(!files.is_empty());
    for f in &files {
        let len = std::fs::metadata(f).unwrap().len().max(64) as usize;
        let garbage: Vec<u8> = (0..len).map(|i| (i * 7 + 13) as u8).collect();
        std::fs::write(f, garbage).unwrap();
    }
    match Store::open(dir.path()) {
        Err(e @ StoreError::Corrupt { .. }) => {
            let msg = e.to_string();
            assert!(msg.contains(&format!("move {}", db.display())), "{msg}");
            assert!(msg.contains("olifant reingest"), "{msg}");
        }
        other => panic!("expected Corrupt, got {other:?}"),
    }
}

/// sled 0.34 reopens a garbage data file as an empty database; this protects against a
/// damaged store silently looking like a new, empty one.
#[test]
fn a_store_whose_data_file_was_overwritten_is_corrupt_not_empty() {
    let dir = tempfile::tempdir().unwrap();
    {
        let s = open(dir.path());
        for i in 0..50 {
            s.put_client(&client(&format!("client {i}"))).unwrap();
        }
        s.flush().unwrap();
    }
    // Reopening an intact store works (the marker file does not trip it).
    drop(open(dir.path()));
    let db = dir.path().join("db");
    let f = db.join("db");
    let len = std::fs::metadata(&f).unwrap().len() as usize;
    assert!(len > 0);
    let garbage: Vec<u8> = (0..len).map(|i| (i * 7 + 13) as u8).collect();
    std::fs::write(&f, garbage).unwrap();
    match Store::open(dir.path()) {
        Err(e @ StoreError::Corrupt { .. }) => assert!(e.to_string().contains("olifant reingest")),
        Err(e) => panic!("expected Corrupt, got {e:?}"),
        Ok(s) => panic!("opened with {} clients", s.clients().unwrap().len()),
    }
    // Following the advice works: move it aside, a fresh store opens.
    std::fs::rename(&db, dir.path().join("db.broken")).unwrap();
    let s = open(dir.path());
    assert!(s.clients().unwrap().is_empty());
}

#[test]
fn reflections_for_keeps_clients_apart_when_one_key_is_a_prefix_of_another() {
    let dir = tempfile::tempdir().unwrap();
    let s = open(dir.path());
    s.put_reflection(&reflection("acme", None, t(4), 1))
        .unwrap();
    s.put_reflection(&reflection("acme-2", None, t(2), 2))
        .unwrap();
    s.put_reflection(&reflection("acme", Some(7), t(1), 3))
        .unwrap();
    s.put_reflection(&reflection("acme 2", None, t(3), 4))
        .unwrap();
    s.put_reflection(&reflection("ac", None, t(5), 5)).unwrap();
    let ratings = |name: &str| -> Vec<u8> {
        s.reflections_for(&ClientKey::from_name(name))
            .unwrap()
            .iter()
            .map(|r| r.answers["payment"].rating.unwrap())
            .collect()
    };
    // Oldest first, only that client's.
    assert_eq!(ratings("acme"), [3, 1]);
    assert_eq!(ratings("acme-2"), [2]);
    assert_eq!(ratings("acme 2"), [4]);
    assert_eq!(ratings("ac"), [5]);
    assert!(ratings("acm").is_empty());
    let mut clients: Vec<String> = s
        .reflection_clients()
        .unwrap()
        .iter()
        .map(|k| k.to_string())
        .collect();
    clients.sort();
    assert_eq!(clients, ["ac", "acme", "acme 2", "acme-2"]);
}

#[test]
fn reflections_for_orders_like_reflections_and_follows_a_replaced_client() {
    let dir = tempfile::tempdir().unwrap();
    let s = open(dir.path());
    // Same date: the id breaks the tie (prompt ids before local ids), as in reflections().
    let local = s
        .put_reflection(&reflection("Acme", None, t(3), 1))
        .unwrap();
    s.put_reflection(&reflection("Acme", Some(9), t(3), 2))
        .unwrap();
    s.put_reflection(&reflection("Acme", Some(4), t(2), 3))
        .unwrap();
    let acme = ClientKey::from_name("Acme");
    let all_for_acme: Vec<Reflection> = s
        .reflections()
        .unwrap()
        .into_iter()
        .filter(|r| r.client == acme)
        .collect();
    assert_eq!(s.reflections_for(&acme).unwrap(), all_for_acme);
    assert_eq!(all_for_acme.len(), 3);

    // Rewriting a reflection under another client moves it in the index.
    s.replace_reflection(local, &reflection("Beta", None, t(3), 4))
        .unwrap();
    assert_eq!(s.reflections_for(&acme).unwrap().len(), 2);
    let beta = s.reflections_for(&ClientKey::from_name("Beta")).unwrap();
    assert_eq!(beta.len(), 1);
    assert_eq!(beta[0].answers["payment"].rating, Some(4));
    // Rewriting in place keeps one entry.
    s.replace_reflection(local, &reflection("Beta", None, t(3), 5))
        .unwrap();
    assert_eq!(
        s.reflections_for(&ClientKey::from_name("Beta")).unwrap()[0].answers["payment"].rating,
        Some(5)
    );
    assert_eq!(s.reflections().unwrap().len(), 3);
}

#[test]
fn store_reply_indexes_and_clear_reflections_empties_the_index() {
    let dir = tempfile::tempdir().unwrap();
    let s = open(dir.path());
    s.store_reply(
        &reflection("Acme", Some(3), t(2), 2),
        "m3@x",
        b"raw",
        &meta("imap:INBOX:1:3", RawOutcome::Reflection { prompt: None }),
        None,
    )
    .unwrap();
    let acme = ClientKey::from_name("Acme");
    assert_eq!(s.reflections_for(&acme).unwrap().len(), 1);
    assert_eq!(s.reflection_clients().unwrap(), std::slice::from_ref(&acme));
    s.clear_reflections().unwrap();
    assert!(s.reflections_for(&acme).unwrap().is_empty());
    assert!(s.reflection_clients().unwrap().is_empty());
    // And the index keeps working after a clear (reparse writes everything again).
    s.put_reflection(&reflection("Acme", Some(3), t(2), 4))
        .unwrap();
    assert_eq!(s.reflections_for(&acme).unwrap().len(), 1);
}

#[test]
fn the_reflection_index_survives_reopen() {
    let dir = tempfile::tempdir().unwrap();
    {
        let s = open(dir.path());
        s.put_reflection(&reflection("Acme", None, t(2), 2))
            .unwrap();
        s.flush().unwrap();
    }
    let s = open(dir.path());
    assert_eq!(s.schema_version().unwrap(), CURRENT_SCHEMA);
    assert_eq!(
        s.reflections_for(&ClientKey::from_name("Acme"))
            .unwrap()
            .len(),
        1
    );
}
