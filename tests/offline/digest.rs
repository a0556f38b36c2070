//! Scoring, verdicts, evidence and digest rendering, on histories built in code.

use chrono::{DateTime, Duration, TimeZone, Utc};
use olifant::digest::{
    build_digest, html_with_file_images, render, render_terminal, to_json, Activity, Digest,
    DigestInput, InMemoryReflections, CHART_SIZE, SPARK_SIZE,
};
use olifant::model::{
    Client, ClientKey, ClientStatus, DigestSettings, Lang, PromptId, PromptRecord, PromptStatus,
    QuarantineEntry, Questionnaire, Reflection, SendState, Verdict,
};
use olifant::prompt::questionnaire::default_questionnaire;
use olifant::score::{explain, score_client};
use olifant::templates::Templates;

use crate::common;

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 6, 1, 9, 0, 0).unwrap()
}

fn client(name: &str, revenue: Option<f64>) -> Client {
    Client {
        revenue,
        ..common::client(name, now() - Duration::days(800))
    }
}

/// Ratings in questionnaire order: energy, payment, scope, information, autonomy, price,
/// growth, again (5/3/1).
fn refl(name: &str, days_ago: i64, r: [u8; 8]) -> Reflection {
    common::reflection(
        ClientKey::from_name(name),
        now() - Duration::days(days_ago),
        r,
        "",
    )
}

fn with_comment(mut r: Reflection, key: &str, comment: &str) -> Reflection {
    if let Some(a) = r.answers.get_mut(key) {
        a.comment = Some(comment.into());
    }
    r
}

fn with_notes(mut r: Reflection, notes: &str) -> Reflection {
    r.notes = notes.into();
    r
}

fn score(c: &Client, rs: &[Reflection]) -> olifant::score::ClientScore {
    let refs: Vec<&Reflection> = rs.iter().collect();
    score_client(
        c,
        &refs,
        &default_questionnaire(),
        &DigestSettings::default(),
        now(),
        None,
    )
}

fn bad_payer() -> (Client, Vec<Reflection>) {
    let c = client("Bakkerij Jansen", Some(4000.0));
    let rs = vec![
        refl("Bakkerij Jansen", 120, [2, 1, 2, 3, 3, 3, 3, 3]),
        refl("Bakkerij Jansen", 90, [2, 2, 1, 3, 3, 3, 3, 3]),
        refl("Bakkerij Jansen", 60, [2, 1, 2, 3, 3, 3, 3, 3]),
        with_comment(
            refl("Bakkerij Jansen", 30, [2, 1, 2, 3, 3, 3, 3, 3]),
            "payment",
            "Invoice paid 60 days late, after three reminders",
        ),
    ];
    (c, rs)
}

fn loyal() -> (Client, Vec<Reflection>) {
    let c = client("Acme", Some(50000.0));
    let rs = vec![
        refl("Acme", 150, [5, 5, 4, 5, 5, 4, 5, 5]),
        refl("Acme", 90, [5, 5, 5, 4, 5, 5, 5, 5]),
        with_notes(
            refl("Acme", 20, [5, 5, 5, 5, 4, 5, 5, 5]),
            "They referred me to their sister company.\n\nGreat call.",
        ),
    ];
    (c, rs)
}

fn dropping() -> (Client, Vec<Reflection>) {
    let c = client("Studio Noord", Some(20000.0));
    let rs = vec![
        refl("Studio Noord", 150, [4, 4, 4, 4, 4, 4, 4, 5]),
        refl("Studio Noord", 120, [4, 4, 4, 4, 4, 4, 4, 5]),
        refl("Studio Noord", 90, [4, 4, 4, 4, 4, 4, 4, 5]),
        refl("Studio Noord", 60, [4, 4, 4, 4, 4, 4, 4, 5]),
        with_comment(
            refl("Studio Noord", 5, [2, 3, 2, 2, 2, 3, 2, 3]),
            "scope",
            "New manager keeps adding requests",
        ),
    ];
    (c, rs)
}

#[test]
fn late_payments_and_scope_creep_are_let_go_with_reasons_and_a_dated_quote() {
    let (c, rs) = bad_payer();
    let s = score(&c, &rs);
    assert_eq!(s.verdict, Verdict::LetGo, "{s:?}");
    let h = s.health.unwrap();
    assert!(h < 40.0, "{h}");
    let q = default_questionnaire();
    let words: Vec<String> = s
        .evidence
        .iter()
        .map(|e| olifant::score::phrase(e, Lang::En, &q))
        .collect();
    assert!(
        words
            .iter()
            .any(|w| w == "payment rated 1–2 in 4 of the last 4 reflections"),
        "{words:?}"
    );
    assert!(
        words.iter().any(|w| w.starts_with("scope rated 1–2")),
        "{words:?}"
    );
    let quote = s.quotes.first().expect("a quote");
    assert!(quote.text.contains("60 days late"));
    assert_eq!(quote.date, now() - Duration::days(30));
    assert_eq!(quote.question.as_deref(), Some("payment"));
}

#[test]
fn a_loyal_referring_client_is_nurture() {
    let (c, rs) = loyal();
    let s = score(&c, &rs);
    assert_eq!(s.verdict, Verdict::Nurture, "{s:?}");
    assert!(s.health.unwrap() >= 75.0);
    assert_eq!(s.promoter, Some(olifant::score::Promoter::Promoter));
    assert!(s.quotes[0].text.contains("referred me"));
}

#[test]
fn a_sudden_drop_is_watch() {
    let (c, rs) = dropping();
    let s = score(&c, &rs);
    assert_eq!(s.verdict, Verdict::Watch, "{s:?}");
    assert!(s
        .evidence
        .iter()
        .any(|e| matches!(e, olifant::score::Evidence::Drop { .. })));
    assert!(s.health.unwrap() >= 40.0);
}

#[test]
fn one_reflection_is_not_enough_data() {
    let c = client("Nieuw", None);
    let s = score(&c, &[refl("Nieuw", 3, [5, 5, 5, 5, 5, 5, 5, 5])]);
    assert_eq!(s.verdict, Verdict::NotEnoughData);
    assert!(s.health.is_some());
}

#[test]
fn two_no_agains_in_a_row_are_let_go_even_with_good_ratings() {
    let c = client("Charming", None);
    let rs = [
        refl("Charming", 40, [5, 5, 5, 5, 5, 5, 5, 1]),
        refl("Charming", 10, [5, 5, 5, 5, 5, 5, 5, 1]),
    ];
    let s = score(&c, &rs);
    assert!(s.health.unwrap() > 60.0);
    assert_eq!(s.verdict, Verdict::LetGo);
    assert!(s.evidence.contains(&olifant::score::Evidence::AgainNoTwice));
}

#[test]
fn explain_lists_each_reflection_with_its_decay_weight_and_share() {
    let c = client("A", None);
    let rs = [
        refl("A", 0, [5; 8]),
        refl("A", 90, [1; 8]),
        refl("B", 1, [3; 8]),
    ];
    let refs: Vec<&Reflection> = rs.iter().collect();
    let e = explain(
        &c,
        &refs,
        &default_questionnaire(),
        &DigestSettings::default(),
        now(),
    );
    assert_eq!(e.rows.len(), 2);
    assert!((e.rows[0].weight - 0.5).abs() < 1e-9);
    assert!((e.rows[0].share - 1.0 / 3.0).abs() < 1e-9);
    assert!((e.rows[1].share - 2.0 / 3.0).abs() < 1e-9);
    assert!((e.score.health.unwrap() - 200.0 / 3.0).abs() < 1e-6);
    let text = e.to_text(Lang::Nl, &default_questionnaire());
    assert!(text.contains("gewicht") && text.contains("33.3%"), "{text}");
}

struct World {
    clients: Vec<Client>,
    reflections: Vec<Reflection>,
    prompts: Vec<PromptRecord>,
    quarantined: Vec<QuarantineEntry>,
    settings: DigestSettings,
    questionnaire: Questionnaire,
}

fn prompt(name: &str, days_ago: i64, send: SendState, status: PromptStatus) -> PromptRecord {
    PromptRecord {
        id: PromptId(days_ago as u64),
        client: ClientKey::from_name(name),
        client_name: name.into(),
        lang: Lang::En,
        occurrence: now() - Duration::days(days_ago),
        created_at: now() - Duration::days(days_ago),
        message_id: format!("{days_ago}@x"),
        subject: "s".into(),
        send,
        status,
        reminder: None,
    }
}

fn world() -> World {
    let mut clients = Vec::new();
    let mut reflections = Vec::new();
    for (c, rs) in [bad_payer(), loyal(), dropping()] {
        clients.push(c);
        reflections.extend(rs);
    }
    let tricky = r#"<script>alert("x")</script> & 'Zoon'"#;
    clients.push(client(tricky, Some(1000.0)));
    reflections.push(with_notes(
        refl(tricky, 50, [3, 3, 3, 4, 4, 4, 3, 3]),
        r#"<b>"Quotes" & ampersands</b>"#,
    ));
    reflections.push(refl(tricky, 20, [3, 4, 3, 4, 4, 4, 3, 3]));
    clients.push(client("Nieuw", None));
    reflections.push(refl("Nieuw", 2, [4; 8]));
    let mut old = client("Oud & Co", None);
    old.status = ClientStatus::Archived {
        since: now() - Duration::days(100),
    };
    clients.push(old);
    reflections.push(refl("Oud & Co", 200, [1; 8]));
    let sent = |d: i64| SendState::Sent {
        at: now() - Duration::days(d),
    };
    let prompts = vec![
        prompt(
            "Acme",
            20,
            sent(20),
            PromptStatus::Answered {
                at: now() - Duration::days(19),
            },
        ),
        prompt("Studio Noord", 4, sent(4), PromptStatus::Open),
        prompt(
            "Nieuw",
            6,
            sent(6),
            PromptStatus::Bounced {
                at: now() - Duration::days(6),
                reason: "550 no such user".into(),
            },
        ),
        prompt(
            "Bakkerij Jansen",
            3,
            SendState::Unknown {
                intent_at: now() - Duration::days(3),
                reason: "crash after DATA".into(),
            },
            PromptStatus::Open,
        ),
    ];
    World {
        clients,
        reflections,
        prompts,
        quarantined: vec![QuarantineEntry {
            id: "x".into(),
            origin: "imap:INBOX:1:2".into(),
            at: now() - Duration::days(2),
            reason: "reply not from the owner".into(),
        }],
        settings: DigestSettings::default(),
        questionnaire: default_questionnaire(),
    }
}

fn input<'a>(w: &'a World, lang: Lang, as_of: Option<DateTime<Utc>>) -> DigestInput<'a> {
    DigestInput {
        clients: &w.clients,
        prompts: &w.prompts,
        not_understood: 2,
        quarantined: &w.quarantined,
        activity: Activity {
            prompts_sent: 12,
            reminders_sent: 3,
            messages_read: 15,
            replies_stored: 9,
        },
        next_prompt_at: Some(now() + Duration::days(1)),
        next_digest_at: Some(now() + Duration::days(30)),
        as_of,
        previous_digest_at: Some(now() - Duration::days(30)),
        settings: &w.settings,
        questionnaire: &w.questionnaire,
        lang,
        tz: chrono_tz::Europe::Amsterdam,
    }
}

fn digest(w: &World, lang: Lang) -> Digest {
    build_digest(
        &input(w, lang, None),
        &mut InMemoryReflections::new(&w.reflections),
        now(),
    )
    .unwrap()
}

#[test]
fn digest_orders_nurture_let_go_watch_keep_not_enough_data_and_lists_archived_apart() {
    let w = world();
    let d = digest(&w, Lang::En);
    let verdicts: Vec<(String, Verdict)> = d
        .clients
        .iter()
        .map(|c| (c.name.clone(), c.verdict))
        .collect();
    let order: Vec<Verdict> = verdicts.iter().map(|v| v.1).collect();
    let mut sorted = order.clone();
    sorted.sort_by_key(|v| olifant::digest::ORDER.iter().position(|o| o == v));
    assert_eq!(order, sorted, "{verdicts:?}");
    assert_eq!(order.first(), Some(&Verdict::Nurture));
    assert_eq!(order.last(), Some(&Verdict::NotEnoughData));
    assert!(!d.clients.iter().any(|c| c.name == "Oud & Co"));
    assert_eq!(d.archived.len(), 1);
    assert_eq!(d.archived[0].name, "Oud & Co");
}

#[test]
fn digest_counts_prompt_health() {
    let w = world();
    let d = digest(&w, Lang::En);
    assert_eq!(d.prompts.sent, 3);
    assert_eq!(d.prompts.answered, 1);
    assert_eq!(d.prompts.reply_rate, Some(33));
    assert_eq!(d.prompts.unanswered.len(), 1);
    assert_eq!(d.prompts.bounced[0].client, "Nieuw");
    assert_eq!(d.prompts.unknown[0].client, "Bakkerij Jansen");
    let r = d.revenue.as_ref().expect("revenue line");
    assert_eq!(r.weakest.as_ref().unwrap().name, "Bakkerij Jansen");
}

#[test]
fn as_of_ignores_later_reflections() {
    let w = world();
    // Before Studio Noord's drop (5 days ago) it was a steady client.
    let as_of = now() - Duration::days(10);
    let d = build_digest(
        &input(&w, Lang::En, Some(as_of)),
        &mut InMemoryReflections::new(&w.reflections),
        now(),
    )
    .unwrap();
    let noord = d.clients.iter().find(|c| c.name == "Studio Noord").unwrap();
    assert_eq!(noord.reflections, 4);
    assert_ne!(noord.verdict, Verdict::Watch);
    let nieuw = d.clients.iter().find(|c| c.name == "Nieuw").unwrap();
    assert_eq!(nieuw.reflections, 0);
    assert_eq!(nieuw.health, None);
    let live = digest(&w, Lang::En);
    let noord_live = live
        .clients
        .iter()
        .find(|c| c.name == "Studio Noord")
        .unwrap();
    assert_eq!(noord_live.reflections, 5);
    assert_eq!(noord_live.verdict, Verdict::Watch);
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#x27;")
        .replace('/', "&#x2f;")
}

#[test]
fn preview_html_text_and_json_agree() {
    let w = world();
    let d = digest(&w, Lang::En);
    let json = to_json(&d);
    let preview = render_terminal(&d, Lang::En, false);
    let r = render(&d, &Templates::builtin(), Lang::En).unwrap();
    let clients = json["clients"].as_array().unwrap();
    assert_eq!(clients.len(), 5);
    for c in clients {
        let name = c["name"].as_str().unwrap();
        let verdict = c["verdict"].as_str().unwrap();
        assert!(
            ["nurture", "keep", "watch", "let_go", "not_enough_data"].contains(&verdict),
            "{verdict}"
        );
        let health = match c["health"].as_u64() {
            Some(h) => format!("health {h}"),
            None => "no score yet".into(),
        };
        let line = format!("{name}: {health}");
        assert!(r.text.contains(&line), "text lacks {line}:\n{}", r.text);
        assert!(
            preview.contains(name) && preview.contains(&health),
            "{preview}"
        );
        assert!(r.html.contains(&html_escape(name)), "html lacks {name}");
        assert!(r.html.contains(&health));
        for e in c["evidence"].as_array().unwrap() {
            let e = e.as_str().unwrap();
            assert!(r.text.contains(e) || verdict == "keep", "text lacks {e}");
            assert!(
                preview.contains(e) || verdict == "keep",
                "preview lacks {e}"
            );
        }
    }
    // The same verdict headings appear in the same order everywhere.
    let headings = ["Nurture:", "Let go:", "Watch:", "Keep:", "Not enough data"];
    for doc in [&r.text, &preview, &r.html] {
        let pos: Vec<usize> = headings.iter().filter_map(|h| doc.find(h)).collect();
        assert!(pos.len() >= 4, "{doc}");
        assert!(pos.windows(2).all(|p| p[0] < p[1]));
    }
    assert!(r
        .text
        .contains("Reply rate: 1 of 3 prompts answered (33%)."));
    assert!(r.text.contains("crash after DATA"));
    assert!(r.text.contains("2 replies could not be understood"));
    assert!(r.text.contains("Since 2025-05-02 olifant sent 12 prompts"));
    assert!(r.text.contains("Archived, history kept: Oud & Co"));
    assert!(r
        .subject
        .starts_with("olifant digest: 1 to nurture, 1 to let go"));
}

#[test]
fn owner_text_never_breaks_the_html() {
    let w = world();
    let d = digest(&w, Lang::En);
    let r = render(&d, &Templates::builtin(), Lang::En).unwrap();
    assert!(!r.html.contains("<script>"), "raw script tag in html");
    assert!(
        r.html
            .contains("&lt;script&gt;alert(&quot;x&quot;)&lt;&#x2f;script&gt;")
            || r.html
                .contains("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;"),
        "{}",
        r.html
    );
    assert!(!r.html.contains("<b>"));
    assert!(r.html.contains("Oud &amp; Co"));
    // The text part keeps the owner's words as written.
    assert!(r.text.contains(r#"<script>alert("x")</script> & 'Zoon'"#));
    let colored = render_terminal(&d, Lang::En, true);
    assert!(colored.contains("\x1b[1;32m"));
    assert!(!render_terminal(&d, Lang::En, false).contains('\x1b'));
}

fn ihdr(png: &[u8]) -> (u32, u32) {
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n", "PNG signature");
    assert_eq!(&png[12..16], b"IHDR");
    let w = u32::from_be_bytes(png[16..20].try_into().unwrap());
    let h = u32::from_be_bytes(png[20..24].try_into().unwrap());
    (w, h)
}

#[test]
fn charts_are_png_images_the_html_refers_to() {
    let w = world();
    let d = digest(&w, Lang::En);
    let r = render(&d, &Templates::builtin(), Lang::En).unwrap();
    let overview = r
        .images
        .iter()
        .find(|i| i.filename == "overview.png")
        .expect("overview chart");
    assert_eq!(ihdr(&overview.png), CHART_SIZE);
    let sparks: Vec<_> = r
        .images
        .iter()
        .filter(|i| i.filename.starts_with("spark-"))
        .collect();
    // Nurture, let go and watch clients each have ≥ 2 points.
    let expected = d
        .clients
        .iter()
        .filter(|c| {
            matches!(
                c.verdict,
                Verdict::Nurture | Verdict::LetGo | Verdict::Watch
            ) && c.recent_scores.len() >= 2
        })
        .count();
    assert!(expected >= 3);
    assert_eq!(sparks.len(), expected);
    for img in &r.images {
        assert!(r.html.contains(&format!("cid:{}", img.content_id)));
        // Decodes fully, and is not a blank canvas.
        let dec = png::Decoder::new(std::io::Cursor::new(&img.png));
        let mut reader = dec.read_info().unwrap();
        let mut buf = vec![0; reader.output_buffer_size()];
        let info = reader.next_frame(&mut buf).unwrap();
        assert!(buf[..info.buffer_size()].iter().any(|b| *b != 255));
    }
    assert_eq!(ihdr(&sparks[0].png), SPARK_SIZE);
    let files = html_with_file_images(&r);
    assert!(!files.contains("cid:"));
    assert!(files.contains("src=\"overview.png\""));
}

#[test]
fn english_and_dutch_both_render() {
    let w = world();
    let en = render(&digest(&w, Lang::En), &Templates::builtin(), Lang::En).unwrap();
    let nl_digest = digest(&w, Lang::Nl);
    let nl = render(&nl_digest, &Templates::builtin(), Lang::Nl).unwrap();
    assert!(en.text.contains("Next step: Raise the price"));
    assert!(en
        .text
        .contains("payment rated 1–2 in 4 of the last 4 reflections"));
    assert!(nl.text.contains("Volgende stap: Verhoog je prijs"));
    assert!(nl
        .text
        .contains("betaling 4 van de laatste 4 keer met 1–2 beoordeeld"));
    assert!(nl.html.contains("Loslaten"));
    assert!(nl.subject.starts_with("olifant-overzicht:"));
    let json = to_json(&nl_digest);
    let jansen = json["clients"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "Bakkerij Jansen")
        .unwrap();
    assert_eq!(jansen["verdict"], "let_go");
    assert!(jansen["evidence"][0]
        .as_str()
        .unwrap()
        .contains("van de laatste"));
    // A digest built in English still renders Dutch evidence when asked.
    let cross = render(&digest(&w, Lang::En), &Templates::builtin(), Lang::Nl).unwrap();
    assert!(cross.text.contains("betaling 4 van de laatste 4 keer"));
}
