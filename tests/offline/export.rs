//! Export and import: byte-stable JSON round trip into a new data directory, refusal to
//! merge, JSON paths in errors, CSV export quoting.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use olifant::admin::clients_csv::parse_csv;
use olifant::admin::export::{export_csv, export_json, export_json_string, import_json};
use olifant::app::App;
use olifant::model::{
    Answer, ClientKey, Lang, PromptId, PromptRecord, PromptStatus, Reflection, Reminder, SendState,
};
use olifant::send::stub::StubSender;
use serde_json::Value;

use crate::support;

const CLIENTS: &str = r#"
[[clients]]
name = "Bakkerij Jansen"
cadence = "monthly"
revenue = 12000
tags = ["bakery", "local"]
since = 2024-01-15

[[clients]]
name = "Café Ümlaut"
cadence = "every 10 days"
"#;

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 2, 8, 0, 0).unwrap()
}

fn open(dir: &Path) -> App {
    let config = support::local_config(dir, CLIENTS);
    App::open_with_sender(config, Arc::new(StubSender::new()), now()).unwrap()
}

fn prompt(
    id: u64,
    client: &str,
    created: DateTime<Utc>,
    send: SendState,
    status: PromptStatus,
) -> PromptRecord {
    PromptRecord {
        id: PromptId(id),
        client: ClientKey::from_name(client),
        client_name: client.into(),
        lang: if id.is_multiple_of(2) {
            Lang::Nl
        } else {
            Lang::En
        },
        occurrence: created,
        created_at: created + Duration::milliseconds(1234),
        message_id: format!("olifant.p{id}@example.test"),
        subject: format!("How is \"{client}\" going?"),
        send,
        status,
        reminder: None,
    }
}

fn answers(pairs: &[(&str, Option<u8>, Option<&str>)]) -> BTreeMap<String, Answer> {
    pairs
        .iter()
        .map(|(k, r, c)| {
            (
                k.to_string(),
                Answer {
                    rating: *r,
                    comment: c.map(str::to_string),
                },
            )
        })
        .collect()
}

/// A store with every kind of thing the export must carry.
fn fill(app: &App) {
    let t0 = Utc.with_ymd_and_hms(2026, 9, 1, 7, 0, 0).unwrap();
    olifant::clients::client_add(
        app,
        "Studio Noord",
        Some("weekly"),
        Some(850.25),
        &["design".into()],
        t0,
    )
    .unwrap();
    olifant::clients::client_add(app, "Gone B.V.", None, None, &[], t0).unwrap();
    olifant::clients::client_add(
        app,
        "Sleepy \"Quotes\" & Co",
        Some("quarterly"),
        None,
        &[],
        t0,
    )
    .unwrap();
    olifant::clients::client_archive(app, "Gone B.V.", t0 + Duration::days(20)).unwrap();
    olifant::clients::client_pause(app, "Café Ümlaut", None).unwrap();
    olifant::clients::client_snooze(
        app,
        "Sleepy \"Quotes\" & Co",
        "1m",
        NaiveDate::from_ymd_opt(2026, 10, 1).unwrap(),
    )
    .unwrap();
    app.store
        .update_meta(|m| m.paused_until = NaiveDate::from_ymd_opt(2026, 12, 24))
        .unwrap();

    let mut p1 = prompt(
        1_099_511_627_000,
        "Bakkerij Jansen",
        t0,
        SendState::Sent {
            at: t0 + Duration::seconds(3),
        },
        PromptStatus::Answered {
            at: t0 + Duration::hours(5),
        },
    );
    p1.reminder = Some(Reminder {
        message_id: "olifant.r1@example.test".into(),
        send: SendState::Failed {
            at: t0 + Duration::days(3),
            permanent: true,
            reason: "550 mailbox unavailable".into(),
        },
    });
    let p2 = prompt(
        42,
        "Studio Noord",
        t0 + Duration::days(1),
        SendState::Unknown {
            intent_at: t0 + Duration::days(1),
            reason: "olifant stopped".into(),
        },
        PromptStatus::Expired {
            at: t0 + Duration::days(8),
        },
    );
    let p3 = prompt(
        7,
        "Café Ümlaut",
        t0 + Duration::days(2),
        SendState::Sent {
            at: t0 + Duration::days(2),
        },
        PromptStatus::Bounced {
            at: t0 + Duration::days(2),
            reason: "no such user".into(),
        },
    );
    let p4 = prompt(
        8,
        "Bakkerij Jansen",
        t0 + Duration::days(30),
        SendState::Sent {
            at: t0 + Duration::days(30),
        },
        PromptStatus::Open,
    );
    for p in [&p1, &p2, &p3, &p4] {
        app.store.put_prompt(p).unwrap();
    }

    app.store
        .put_reflection(&Reflection {
            client: ClientKey::from_name("Bakkerij Jansen"),
            prompt: Some(p1.id),
            date: t0 + Duration::hours(5) + Duration::microseconds(123_456),
            answers: answers(&[
                ("energy", Some(4), Some("goed, \"echt\" goed\nnieuwe regel")),
                ("payment", Some(2), None),
                ("growth", None, Some("onleesbaar: ✓ 🐘")),
            ]),
            notes: "Line one, with a comma.\n\nParagraph \"two\" — één olifant 🐘".into(),
            sources: vec!["<reply1@mail.test>".into(), "sha256:abc".into()],
        })
        .unwrap();
    // Two reflections without a prompt at the same instant: order must not depend on ids.
    for (client, note) in [("Studio Noord", "zebra"), ("Gone B.V.", "aardvark")] {
        app.store
            .put_reflection(&Reflection {
                client: ClientKey::from_name(client),
                prompt: None,
                date: t0 + Duration::days(10),
                answers: answers(&[("fun", Some(5), Some("a,b"))]),
                notes: note.into(),
                sources: vec![],
            })
            .unwrap();
    }
    app.store.flush().unwrap();
}

#[test]
fn export_import_export_is_byte_identical() {
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    let first = {
        let app = open(a.path());
        fill(&app);
        let s = export_json_string(&app).unwrap();
        assert_eq!(s, export_json_string(&app).unwrap(), "export is not stable");
        s
    };
    let v: Value = serde_json::from_str(&first).unwrap();
    assert_eq!(v["version"], 1);
    assert_eq!(v["clients"].as_array().unwrap().len(), 5);
    assert_eq!(v["prompts"].as_array().unwrap().len(), 4);
    assert_eq!(v["reflections"].as_array().unwrap().len(), 3);
    assert_eq!(v["pause"]["until"], "2026-12-24");
    let jansen = &v["clients"][0];
    assert_eq!(jansen["name"], "Bakkerij Jansen");
    assert_eq!(jansen["revenue"], 12000);
    assert_eq!(jansen["since"], "2024-01-15");
    assert!(first.contains("🐘"));

    let app = open(b.path());
    let summary = import_json(&app, &first).unwrap();
    assert_eq!(
        (summary.clients, summary.prompts, summary.reflections),
        (5, 4, 3)
    );
    let second = export_json_string(&app).unwrap();
    assert_eq!(first, second);
    drop(app);
    // And after a reopen (config sync runs again) nothing changes either.
    let app = open(b.path());
    assert_eq!(export_json_string(&app).unwrap(), first);
    // The restored store works: reminder Message-IDs are indexed again.
    assert_eq!(
        app.store
            .prompt_by_message_id("olifant.r1@example.test")
            .unwrap()
            .map(|p| p.id),
        Some(PromptId(1_099_511_627_000))
    );
}

#[test]
fn import_into_a_non_empty_store_is_refused() {
    let a = tempfile::tempdir().unwrap();
    let app = open(a.path());
    fill(&app);
    let text = export_json_string(&app).unwrap();
    let before = export_json(&app).unwrap();
    let err = import_json(&app, &text).unwrap_err().to_string();
    assert!(
        err.contains("not empty") && err.contains("data_dir"),
        "{err}"
    );
    assert_eq!(export_json(&app).unwrap(), before);

    // A store holding only one paused config client is not empty either.
    let b = tempfile::tempdir().unwrap();
    let app = open(b.path());
    olifant::clients::client_pause(&app, "Bakkerij Jansen", None).unwrap();
    assert!(import_json(&app, &text).is_err());
}

fn import_error(edit: impl FnOnce(&mut Value)) -> String {
    let a = tempfile::tempdir().unwrap();
    let text = {
        let app = open(a.path());
        fill(&app);
        export_json_string(&app).unwrap()
    };
    let mut v: Value = serde_json::from_str(&text).unwrap();
    edit(&mut v);
    let b = tempfile::tempdir().unwrap();
    let app = open(b.path());
    let err = import_json(&app, &v.to_string()).unwrap_err().to_string();
    // Nothing was written: the good file still imports.
    import_json(&app, &text).unwrap();
    err
}

#[test]
fn import_errors_name_the_json_path() {
    let e = import_error(|v| {
        let r = v["reflections"][2].as_object_mut().unwrap();
        r.remove("at");
        r.insert("date".into(), "2026-13-01".into());
    });
    assert!(e.contains("reflections[2].date"), "{e}");

    let e = import_error(|v| v["clients"][1]["status"] = "gone".into());
    assert!(e.contains("clients[1].status"), "{e}");

    let e = import_error(|v| v["clients"][0]["revenue"] = (-1).into());
    assert!(e.contains("clients[0].revenue"), "{e}");

    let e = import_error(|v| v["prompts"][3]["send"]["state"] = "teleported".into());
    assert!(e.contains("prompts[3].send"), "{e}");

    let e = import_error(|v| v["reflections"][0]["answers"]["energy"]["rating"] = 300.into());
    assert!(e.contains("reflections[0].answers.energy.rating"), "{e}");

    let e = import_error(|v| v["version"] = 2.into());
    assert!(e.contains("version") && e.contains("2"), "{e}");

    let e = import_error(|v| {
        let name = v["clients"][0]["name"].clone();
        v["clients"][2]["name"] = name;
    });
    assert!(e.contains("clients[2].name"), "{e}");

    let e = import_error(|v| {
        v["prompts"][1]["id"] = v["prompts"][0]["id"].clone();
    });
    assert!(e.contains("prompts[1].id"), "{e}");
}

#[test]
fn import_rejects_text_that_is_not_an_export() {
    let b = tempfile::tempdir().unwrap();
    let app = open(b.path());
    let e = import_json(&app, "{not json").unwrap_err().to_string();
    assert!(e.contains("not valid JSON"), "{e}");
    let e = import_json(&app, "[]").unwrap_err().to_string();
    assert!(e.contains("not a JSON object"), "{e}");
    let e = import_json(&app, "{}").unwrap_err().to_string();
    assert!(e.contains("version: missing"), "{e}");
}

#[test]
fn minimal_hand_written_import_uses_defaults() {
    let b = tempfile::tempdir().unwrap();
    let app = open(b.path());
    let text = r#"{"version": 1,
        "clients": [{"name": "Acme", "since": "2025-05-01"}],
        "reflections": [{"client": "Acme", "date": "2026-11-02",
                         "answers": {"energy": {"rating": 4, "comment": null}},
                         "notes": "ok"}]}"#;
    let s = import_json(&app, text).unwrap();
    assert_eq!((s.clients, s.prompts, s.reflections), (1, 0, 1));
    let r = app.store.reflections().unwrap();
    // A bare date is midnight in the owner's time zone (Europe/Amsterdam, UTC+1 in November).
    assert_eq!(
        r[0].date,
        Utc.with_ymd_and_hms(2026, 11, 1, 23, 0, 0).unwrap()
    );
    let v = export_json(&app).unwrap();
    assert_eq!(v["reflections"][0]["date"], "2026-11-02");
}

#[test]
fn csv_export_has_one_quoted_row_per_reflection() {
    let a = tempfile::tempdir().unwrap();
    let app = open(a.path());
    fill(&app);
    let csv = export_csv(&app).unwrap();
    let rows: Vec<Vec<String>> = parse_csv(&csv)
        .into_iter()
        .map(|r| r.unwrap().fields)
        .collect();
    assert_eq!(rows.len(), 4);
    let header = &rows[0];
    assert_eq!(header[0], "date");
    assert_eq!(header[1], "client");
    assert_eq!(header.last().unwrap(), "notes");
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let jansen = &rows[1];
    assert_eq!(jansen[1], "Bakkerij Jansen");
    assert_eq!(jansen[0], "2026-09-01");
    assert_eq!(jansen[col("energy")], "4");
    assert_eq!(
        jansen[col("energy_comment")],
        "goed, \"echt\" goed\nnieuwe regel"
    );
    assert_eq!(jansen[col("payment")], "2");
    assert_eq!(jansen[col("growth")], "");
    assert_eq!(
        jansen[col("notes")],
        "Line one, with a comma.\n\nParagraph \"two\" — één olifant 🐘"
    );
    // Every row has the header's width.
    assert!(rows.iter().all(|r| r.len() == header.len()));
    // Same-instant rows come in a fixed order (by content), not by store ids.
    assert_eq!(rows[2][col("notes")], "aardvark");
    assert_eq!(rows[3][col("notes")], "zebra");
}
