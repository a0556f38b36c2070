//! Prompt, reminder and receipt rendering in both languages.

use std::collections::BTreeMap;

use chrono::{DateTime, TimeZone, Utc};
use chrono_tz::Europe::Amsterdam;
use olifant::model::{
    Answer, Client, ClientKey, Lang, PromptId, PromptRecord, PromptStatus, Questionnaire,
    Reflection, SendState,
};
use olifant::prompt::questionnaire::default_questionnaire;
use olifant::prompt::token::{self, TokenKey};
use olifant::prompt::{
    compose_prompt, compose_receipt, compose_reminder, preview, Addressing, PromptInput,
    ReceiptInput, ReminderInput, ReplyStyle,
};
use olifant::templates::Templates;

use crate::common;

const TRICKY: &str = "Café \"De Olifant\" & Zn.";

fn utc(y: i32, m: u32, d: u32, h: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, h, 0, 0).unwrap()
}

fn client(name: &str) -> Client {
    common::client(name, utc(2025, 3, 3, 10))
}

fn addressing(style: ReplyStyle) -> Addressing {
    Addressing {
        bot_address: "olifant@example.test".into(),
        reply_style: style,
        plus_separator: '+',
        owner_name: "Sanne".into(),
        owner_address: "sanne@example.test".into(),
    }
}

/// The prompt input for a client with no history yet, on Monday 5 January 2026.
fn fresh_input<'a>(
    c: &'a Client,
    q: &'a Questionnaire,
    a: &'a Addressing,
    lang: Lang,
) -> PromptInput<'a> {
    PromptInput {
        client: c,
        questionnaire: q,
        lang,
        history: &[],
        addressing: a,
        now: utc(2026, 1, 5, 8),
        tz: Amsterdam,
    }
}

fn reflection(date: DateTime<Utc>, ratings: &[(&str, u8)], notes: &str) -> Reflection {
    Reflection {
        client: ClientKey::from_name(TRICKY),
        prompt: None,
        date,
        answers: ratings
            .iter()
            .map(|(k, v)| {
                (
                    k.to_string(),
                    Answer {
                        rating: Some(*v),
                        comment: None,
                    },
                )
            })
            .collect(),
        notes: notes.into(),
        sources: vec![],
    }
}

fn key() -> TokenKey {
    TokenKey::from_bytes(&[3u8; 32]).unwrap()
}

#[test]
fn tricky_client_name_renders_safely_in_both_languages() {
    let templates = Templates::builtin();
    let q = default_questionnaire();
    let c = client(TRICKY);
    let a = addressing(ReplyStyle::Plus);
    let id = PromptId(0x0001_2345_6789);
    let tok = key().token(id);
    for lang in Lang::ALL {
        let input = fresh_input(&c, &q, &a, lang);
        let mail = compose_prompt(&templates, &input, id, &tok).unwrap();
        let r = token::short_ref(id);
        let expected_subject = match lang {
            Lang::En => format!("How was {TRICKY} lately? [{r}]"),
            Lang::Nl => format!("Hoe ging het met {TRICKY}? [{r}]"),
        };
        assert_eq!(mail.subject, expected_subject);
        assert!(mail.text.contains(TRICKY), "{lang}: {}", mail.text);
        assert!(
            mail.html.contains("Café &quot;De Olifant&quot; &amp; Zn."),
            "{lang}: {}",
            mail.html
        );
        assert!(!mail.html.contains(TRICKY));
        assert_eq!(mail.message_id, token::message_id(&tok, "", "example.test"));
        assert_eq!(mail.reply_to, format!("olifant+{tok}@example.test"));
        assert_eq!(
            token::token_from_address(&mail.reply_to, "olifant@example.test", '+'),
            Some(tok.as_str())
        );
        assert!(mail
            .extra_headers
            .contains(&("Auto-Submitted".into(), "auto-generated".into())));
        assert!(mail
            .extra_headers
            .contains(&("X-Auto-Response-Suppress".into(), "OOF, AutoReply".into())));
    }
}

#[test]
fn line_breaks_and_script_in_a_name_never_reach_the_subject_or_the_html() {
    let templates = Templates::builtin();
    let q = default_questionnaire();
    let c = client("Evil\r\nBcc: x@y.test <script>alert(1)</script>");
    let a = addressing(ReplyStyle::Plain);
    for lang in Lang::ALL {
        let input = fresh_input(&c, &q, &a, lang);
        let mail = preview(&templates, &input).unwrap();
        assert!(!mail.subject.contains('\r') && !mail.subject.contains('\n'));
        assert!(mail.subject.contains("Evil Bcc: x@y.test"));
        assert!(!mail.html.contains("<script>"));
        assert!(mail.html.contains("&lt;script&gt;"));
        assert!(!mail.text.contains("Evil\r") && !mail.text.contains("Evil\n"));
        assert_eq!(mail.reply_to, "olifant@example.test");
    }
}

/// The reply parser matches `N. Label` at the start of a line: protect that format.
#[test]
fn every_question_is_one_numbered_line_with_its_label() {
    let templates = Templates::builtin();
    let q = default_questionnaire();
    let c = client("Bakkerij Jansen");
    let a = addressing(ReplyStyle::Plain);
    for lang in Lang::ALL {
        let input = fresh_input(&c, &q, &a, lang);
        let mail = preview(&templates, &input).unwrap();
        let numbered: Vec<&str> = mail
            .text
            .lines()
            .filter(|l| {
                l.split_once(". ")
                    .is_some_and(|(n, _)| n.parse::<u32>().is_ok())
            })
            .collect();
        assert_eq!(numbered.len(), q.questions.len(), "{}", mail.text);
        for (i, (line, question)) in numbered.iter().zip(&q.questions).enumerate() {
            let w = question.wording(lang);
            let prefix = format!("{}. {} — ", i + 1, w.label);
            assert!(
                line.starts_with(&prefix),
                "{line:?} should start {prefix:?}"
            );
            assert!(line.contains("Bakkerij Jansen") || !w.text.contains("{client}"));
            assert!(!line.contains("{client}"));
        }
        let (notes, yes_no) = match lang {
            Lang::En => ("Notes — Anything else", "yes, maybe or no after question 8"),
            Lang::Nl => (
                "Notities — Wat wil je",
                "ja, misschien of nee achter vraag 8",
            ),
        };
        assert!(mail.text.contains(notes), "{}", mail.text);
        assert!(mail.text.contains(yes_no), "{}", mail.text);
        assert!(mail.html.contains("<strong>1. "), "{}", mail.html);
    }
}

#[test]
fn history_shows_since_last_date_last_note_and_changes_in_local_dates() {
    let templates = Templates::builtin();
    let q = default_questionnaire();
    let c = client("Bakkerij Jansen");
    let a = addressing(ReplyStyle::Plain);
    // 23:30 UTC on 1 November is 2 November in Amsterdam.
    let last = Utc.with_ymd_and_hms(2025, 11, 1, 23, 30, 0).unwrap();
    let history = vec![
        reflection(
            utc(2025, 10, 1, 9),
            &[("payment", 4), ("again", 5), ("scope", 3)],
            "",
        ),
        reflection(
            last,
            &[("payment", 2), ("again", 3), ("scope", 3)],
            "Paid  late\nagain, and asked for a discount.",
        ),
    ];
    let cases = [
        (
            Lang::En,
            [
                "since 3 March 2025",
                "last reflection 2 November",
                "Last time (2 November) you wrote: \"Paid late again, and asked for a discount.\"",
                "Payment 4 → 2, Again yes → maybe.",
            ],
        ),
        (
            Lang::Nl,
            [
                "sinds 3 maart 2025",
                "laatste reflectie 2 november",
                "Vorige keer (2 november) schreef je: \"Paid late again, and asked for a discount.\"",
                "Betaling 4 → 2, Opnieuw ja → misschien.",
            ],
        ),
    ];
    for (lang, expected) in cases {
        let input = PromptInput {
            client: &c,
            questionnaire: &q,
            lang,
            history: &history,
            addressing: &a,
            now: utc(2025, 12, 1, 8),
            tz: Amsterdam,
        };
        let mail = preview(&templates, &input).unwrap();
        for e in expected {
            assert!(
                mail.text.contains(e),
                "{lang}: missing {e:?} in\n{}",
                mail.text
            );
        }
        assert!(
            !mail.text.contains("Afspraken 3"),
            "unchanged ratings are not listed"
        );
    }
}

fn record(lang: Lang, id: PromptId, tok: &str) -> PromptRecord {
    PromptRecord {
        id,
        client: ClientKey::from_name(TRICKY),
        client_name: TRICKY.into(),
        lang,
        occurrence: utc(2026, 1, 5, 8),
        created_at: utc(2026, 1, 5, 8),
        message_id: token::message_id(tok, "", "example.test"),
        subject: olifant::prompt::compose::prompt_subject(TRICKY, lang, id),
        send: SendState::Sent {
            at: utc(2026, 1, 5, 8),
        },
        status: PromptStatus::Open,
        reminder: None,
    }
}

#[test]
fn reminder_threads_under_the_prompt_and_lists_the_questions() {
    let templates = Templates::builtin();
    let q = default_questionnaire();
    let a = addressing(ReplyStyle::Plus);
    let id = PromptId(77);
    let tok = key().token(id);
    for lang in Lang::ALL {
        let p = record(lang, id, &tok);
        let mail = compose_reminder(
            &templates,
            &ReminderInput {
                prompt: &p,
                questionnaire: &q,
                token: &tok,
                addressing: &a,
            },
        )
        .unwrap();
        assert_eq!(mail.subject, format!("Re: {}", p.subject));
        assert_eq!(
            mail.message_id,
            token::message_id(&tok, "r", "example.test")
        );
        assert_eq!(mail.in_reply_to.as_deref(), Some(p.message_id.as_str()));
        assert_eq!(mail.references, vec![p.message_id.clone()]);
        assert_eq!(
            token::token_from_message_id(&mail.message_id),
            Some(tok.as_str())
        );
        for (i, question) in q.questions.iter().enumerate() {
            let line = format!("\n{}. {}\n", i + 1, question.wording(lang).label);
            assert!(mail.text.contains(&line), "{line:?} in\n{}", mail.text);
        }
        assert!(mail.text.contains(TRICKY));
        assert!(mail.html.contains("&quot;De Olifant&quot;"));
    }
}

#[test]
fn receipt_lists_recorded_missing_and_not_understood() {
    let templates = Templates::builtin();
    let q = default_questionnaire();
    let a = addressing(ReplyStyle::Plus);
    let id = PromptId(78);
    let tok = key().token(id);
    let answers: BTreeMap<String, Answer> = [
        ("energy", Some(4), None),
        ("payment", Some(2), Some("late <again>")),
        ("again", Some(1), None),
        ("scope", None, None),
    ]
    .into_iter()
    .map(|(k, r, c)| {
        (
            k.to_string(),
            Answer {
                rating: r,
                comment: c.map(String::from),
            },
        )
    })
    .collect();
    let problems = vec!["Scope: \"7\" is not between 1 and 5".to_string()];
    for (lang, recorded, missing, not_understood) in [
        (
            Lang::En,
            ["- Energy: 4", "- Payment: 2 (late <again>)", "- Again: no"],
            "Not answered: Information, Autonomy, Price, Growth",
            "Not understood:\n- Scope: \"7\" is not between 1 and 5",
        ),
        (
            Lang::Nl,
            [
                "- Energie: 4",
                "- Betaling: 2 (late <again>)",
                "- Opnieuw: nee",
            ],
            "Niet beantwoord: Informatie, Vrijheid, Prijs, Groei",
            "Niet begrepen:\n- Scope: \"7\" is not between 1 and 5",
        ),
    ] {
        let p = record(lang, id, &tok);
        let mail = compose_receipt(
            &templates,
            &ReceiptInput {
                prompt: &p,
                questionnaire: &q,
                answers: &answers,
                notes: "They were\nfriendly.",
                problems: &problems,
                reply_message_id: "<reply-1@mail.example.test>",
                receipt_number: 2,
                token: &tok,
                addressing: &a,
            },
        )
        .unwrap();
        for r in recorded {
            assert!(mail.text.contains(r), "{lang}: {r:?} in\n{}", mail.text);
        }
        assert!(
            mail.text.contains(missing),
            "{lang}: {missing:?} in\n{}",
            mail.text
        );
        assert!(
            mail.text.contains(not_understood),
            "{lang}: {not_understood:?} in\n{}",
            mail.text
        );
        assert!(mail.text.contains("They were friendly."));
        assert!(mail.html.contains("late &lt;again&gt;"));
        assert_eq!(
            mail.message_id,
            token::message_id(&tok, "c2", "example.test")
        );
        assert_eq!(
            mail.in_reply_to.as_deref(),
            Some("reply-1@mail.example.test")
        );
        assert_eq!(
            mail.references,
            vec![
                p.message_id.clone(),
                "reply-1@mail.example.test".to_string()
            ]
        );
        assert!(!mail.subject.contains('\n'));
        assert!(mail
            .extra_headers
            .contains(&("Auto-Submitted".into(), "auto-replied".into())));
    }
}

#[test]
fn the_owner_is_greeted_by_first_name_and_addressed_by_full_name() {
    let templates = Templates::builtin();
    let q = default_questionnaire();
    let c = client("Bakkerij Jansen");
    let a = Addressing {
        owner_name: "Sanne de Vries".into(),
        ..addressing(ReplyStyle::Plain)
    };
    for (lang, hi) in [(Lang::En, "Hi Sanne,"), (Lang::Nl, "Hoi Sanne,")] {
        let input = fresh_input(&c, &q, &a, lang);
        let mail = preview(&templates, &input).unwrap();
        assert_eq!(mail.text.lines().next(), Some(hi), "{}", mail.text);
        assert!(mail.html.contains(&format!("<p>{hi}</p>")), "{}", mail.html);
        assert_eq!(mail.to_name, "Sanne de Vries");
    }
}
