use super::*;
use crate::model::{Answer, ClientKey, ParsedMessage, PromptId, SendState};
use chrono::TimeZone;
use std::collections::BTreeMap;

const RULES: Rules = Rules {
    receipts: true,
    token_ttl_days: 60,
};

fn t(day: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, day, 9, 0, 0).unwrap()
}

fn answer(rating: u8) -> Answer {
    Answer {
        rating: Some(rating),
        comment: None,
    }
}

/// A genuine reply from the owner to prompt 7, written on the 2nd.
fn reply(answers: &[(&str, u8)], notes: &str) -> Reading {
    Reading {
        parsed: ParsedMessage {
            kind: MessageKind::Reflection,
            prompt_token: Some("tok".into()),
            language: None,
            answers: answers
                .iter()
                .map(|(k, v)| (k.to_string(), answer(*v)))
                .collect(),
            notes: notes.into(),
            problems: vec![],
        },
        message_id: Some("reply-1@owner".into()),
        dedup_id: "reply-1@owner".into(),
        prompt_id: Some(PromptId(7)),
        from: Some("owner@example.test".into()),
        date: Some(t(2)),
        genuine: Ok(()),
        sender_is_owner: true,
        bounce_of: None,
        bounce_reason: None,
        fresh_text: notes.into(),
        in_reply_to: None,
    }
}

fn prompt() -> PromptRecord {
    PromptRecord {
        id: PromptId(7),
        client: ClientKey::from_name("Acme"),
        client_name: "Acme".into(),
        lang: crate::model::Lang::En,
        occurrence: t(1),
        created_at: t(1),
        message_id: "olifant.tok@example.test".into(),
        subject: "How was Acme lately?".into(),
        send: SendState::Sent { at: t(1) },
        status: PromptStatus::Open,
        reminder: None,
    }
}

fn known_prompt() -> Known {
    Known {
        prompt: Some(prompt()),
        ..Known::default()
    }
}

fn kinds(p: &Plan) -> Vec<&'static str> {
    p.writes
        .iter()
        .map(|w| match w {
            Write::Raw {
                keep_bytes: true, ..
            } => "raw",
            Write::Raw {
                keep_bytes: false, ..
            } => "marker",
            Write::Reply { .. } => "reply",
            Write::Prompt(_) => "prompt",
            Write::Command(_) => "command",
            Write::Quarantine(_) => "quarantine",
            Write::Event(..) => "event",
        })
        .collect()
}

#[test]
fn a_first_reply_is_stored_answers_its_prompt_and_owes_a_receipt() {
    let r = reply(&[("energy", 4)], "fine");
    let p = plan(b"", &r, known_prompt(), RULES, t(3));
    assert_eq!(kinds(&p), ["reply"]);
    let Write::Reply { reflection, prompt } = &p.writes[0] else {
        unreachable!()
    };
    assert_eq!(reflection.date, t(2), "dated when written, not when read");
    assert_eq!(reflection.answers["energy"].rating, Some(4));
    assert_eq!(prompt.status, PromptStatus::Answered { at: t(3) });
    assert_eq!(p.outcome.disposition, Disposition::Processed);
    assert_eq!(
        p.outcome.handled,
        Handled::Stored {
            client: "Acme".into(),
            merged: false
        }
    );
    assert!(matches!(
        p.outcome.followup,
        Some(Followup::Receipt {
            prompt: PromptId(7),
            ..
        })
    ));
    // Without receipts, the same reply owes nothing.
    let quiet = Rules {
        receipts: false,
        ..RULES
    };
    assert_eq!(
        plan(b"", &r, known_prompt(), quiet, t(3)).outcome.followup,
        None
    );
}

#[test]
fn a_second_reply_merges_into_the_first_and_a_replayed_one_changes_nothing() {
    let first = Reflection {
        client: ClientKey::from_name("Acme"),
        prompt: Some(PromptId(7)),
        date: t(2),
        answers: BTreeMap::from([("energy".into(), answer(2)), ("payment".into(), answer(4))]),
        notes: "first".into(),
        sources: vec!["reply-0@owner".into()],
    };
    let mut answered = prompt();
    answered.status = PromptStatus::Answered { at: t(2) };
    let known = Known {
        prompt: Some(answered),
        reflection: Some(first.clone()),
        ..Known::default()
    };
    let p = plan(
        b"",
        &reply(&[("energy", 5)], "second"),
        known.clone(),
        RULES,
        t(3),
    );
    let Write::Reply { reflection, prompt } = &p.writes[0] else {
        unreachable!()
    };
    assert_eq!(reflection.answers["energy"].rating, Some(5));
    assert_eq!(reflection.answers["payment"].rating, Some(4));
    assert_eq!(reflection.notes, "first\n\nsecond");
    assert_eq!(
        prompt.status,
        PromptStatus::Answered { at: t(2) },
        "first answer kept"
    );
    assert!(matches!(
        p.outcome.handled,
        Handled::Stored { merged: true, .. }
    ));

    // The same reply again after a crash (its id already among the sources): kept as is.
    let mut replayed = first.clone();
    replayed.sources.push("reply-1@owner".into());
    let known = Known {
        reflection: Some(replayed.clone()),
        ..known
    };
    let p = plan(b"", &reply(&[("energy", 5)], "second"), known, RULES, t(3));
    let Write::Reply { reflection, .. } = &p.writes[0] else {
        unreachable!()
    };
    assert_eq!(reflection, &replayed);
}

#[test]
fn the_token_age_counts_to_when_the_reply_was_written() {
    let mut r = reply(&[("energy", 4)], "");
    r.date = Some(t(1) + Duration::days(61));
    let p = plan(b"", &r, known_prompt(), RULES, t(1) + Duration::days(62));
    assert_eq!(
        kinds(&p),
        ["marker", "event"],
        "refused, and its bytes not kept"
    );
    assert_eq!(p.outcome.disposition, Disposition::Ignored);
    assert!(matches!(&p.outcome.handled, Handled::Ignored(r) if r.contains("token_ttl_days (60)")));

    // Read late but written in time: stored.
    r.date = Some(t(1) + Duration::days(59));
    let p = plan(b"", &r, known_prompt(), RULES, t(1) + Duration::days(90));
    assert_eq!(kinds(&p), ["reply"]);
    // A Date in the future counts as now.
    r.date = Some(t(1) + Duration::days(400));
    let p = plan(b"", &r, known_prompt(), RULES, t(2));
    assert_eq!(kinds(&p), ["reply"]);
}

#[test]
fn an_empty_reply_is_kept_and_answered_with_what_is_needed() {
    let p = plan(b"", &reply(&[], "  "), known_prompt(), RULES, t(3));
    assert_eq!(kinds(&p), ["raw", "event"]);
    assert_eq!(
        p.outcome.handled,
        Handled::Ignored("reply with nothing to record".into())
    );
    assert!(matches!(
        &p.outcome.followup,
        Some(Followup::Receipt { problems, .. }) if problems.len() == 1
    ));
}

#[test]
fn a_reply_to_an_unknown_prompt_stays_on_the_server() {
    let p = plan(
        b"",
        &reply(&[("energy", 4)], ""),
        Known::default(),
        RULES,
        t(3),
    );
    assert_eq!(kinds(&p), ["raw", "event"]);
    assert_eq!(p.outcome.disposition, Disposition::Leave);
    assert_eq!(p.outcome.followup, None);
}

#[test]
fn a_command_in_a_reply_without_answers_is_a_command_and_owes_a_confirmation() {
    let raw = b"Subject: Re: How was Acme lately?\r\n\r\npause 2w\r\n";
    let p = plan(raw, &reply(&[], "pause 2w"), known_prompt(), RULES, t(3));
    assert_eq!(kinds(&p), ["command", "raw", "event"]);
    assert!(matches!(
        p.outcome.handled,
        Handled::Command(Command::Pause { .. })
    ));
    assert!(matches!(
        &p.outcome.followup,
        Some(Followup::CommandReply { command_line, subject, .. })
            if command_line == "pause 2w" && subject == "Re: How was Acme lately?"
    ));
    // With answers, the same words are notes, not a command.
    let p = plan(
        raw,
        &reply(&[("energy", 4)], "pause 2w"),
        known_prompt(),
        RULES,
        t(3),
    );
    assert_eq!(kinds(&p), ["reply"]);
}

#[test]
fn commands_need_the_owner_and_strangers_leave_only_a_marker() {
    let mut r = reply(&[], "let go Acme");
    r.parsed.kind = MessageKind::Other;
    r.prompt_id = None;
    assert_eq!(
        kinds(&plan(b"", &r, Known::default(), RULES, t(3))),
        ["command", "raw", "event"]
    );
    r.sender_is_owner = false;
    r.genuine = Err(Rejection::NotFromOwner("eve@example.test".into()));
    let p = plan(b"", &r, Known::default(), RULES, t(3));
    assert_eq!(kinds(&p), ["marker", "event"]);
    assert_eq!(p.outcome.disposition, Disposition::Ignored);
    assert!(
        matches!(&p.outcome.handled, Handled::Ignored(r) if r.starts_with("not a genuine reply"))
    );
    // olifant's own mail stays where the owner sees it.
    r.genuine = Err(Rejection::FromBot);
    assert_eq!(
        plan(b"", &r, Known::default(), RULES, t(3))
            .outcome
            .disposition,
        Disposition::Leave
    );
}

#[test]
fn a_bounce_marks_its_prompt_and_one_without_a_prompt_is_still_recorded() {
    let mut r = reply(&[], "");
    r.parsed.kind = MessageKind::Bounce;
    r.prompt_id = None;
    r.bounce_of = Some(PromptId(7));
    r.bounce_reason = Some("552 mailbox full".into());
    let p = plan(b"", &r, known_prompt(), RULES, t(3));
    assert_eq!(kinds(&p), ["prompt", "event", "raw"]);
    let Write::Prompt(bounced) = &p.writes[0] else {
        unreachable!()
    };
    assert_eq!(
        bounced.status,
        PromptStatus::Bounced {
            at: t(3),
            reason: "552 mailbox full".into()
        }
    );
    let p = plan(b"", &r, Known::default(), RULES, t(3));
    assert_eq!(kinds(&p), ["event", "raw"]);
    assert_eq!(p.outcome.handled, Handled::Bounce);
}

#[test]
fn an_auto_reply_is_recorded_and_changes_nothing_else() {
    let mut r = reply(&[("energy", 1)], "out of office");
    r.parsed.kind = MessageKind::AutoReply;
    let p = plan(b"", &r, known_prompt(), RULES, t(3));
    assert_eq!(kinds(&p), ["raw", "event"]);
    assert_eq!(p.outcome.handled, Handled::AutoReply);
}

#[test]
fn a_duplicate_writes_nothing_and_hands_back_what_it_owed() {
    let r = reply(&[("energy", 4)], "");
    let seen = |o: RawOutcome| Known {
        seen: Some(o),
        ..known_prompt()
    };
    let p = plan(
        b"",
        &r,
        seen(RawOutcome::Reflection {
            prompt: Some(PromptId(7)),
        }),
        RULES,
        t(3),
    );
    assert!(p.writes.is_empty());
    assert_eq!(p.outcome.handled, Handled::Duplicate);
    assert_eq!(p.outcome.disposition, Disposition::Processed);
    assert!(matches!(p.outcome.followup, Some(Followup::Receipt { .. })));

    let quarantined = seen(RawOutcome::Quarantined { reason: "x".into() });
    let p = plan(b"", &r, quarantined, RULES, t(3));
    assert_eq!(
        (p.outcome.disposition, p.outcome.followup),
        (Disposition::Leave, None)
    );
    let ignored = seen(RawOutcome::Ignored { reason: "x".into() });
    assert_eq!(
        plan(b"", &r, ignored, RULES, t(3)).outcome.disposition,
        Disposition::Ignored
    );
}

#[test]
fn unread_mail_is_left_on_the_server_once_and_quarantine_keeps_the_bytes() {
    let p = plan_unread(&Unread::Oversized, 99, false);
    assert_eq!(kinds(&p), ["marker", "event"]);
    assert_eq!(p.outcome.disposition, Disposition::Leave);
    let p = plan_unread(&Unread::Failed("boom".into()), 99, false);
    assert_eq!(kinds(&p), ["quarantine", "event"]);
    assert_eq!(p.outcome.handled, Handled::Quarantined("boom".into()));
    for u in [Unread::Oversized, Unread::Failed("boom".into())] {
        let p = plan_unread(&u, 99, true);
        assert!(p.writes.is_empty());
        assert_eq!(p.outcome.handled, Handled::Duplicate);
    }
}

#[test]
fn a_second_reply_updates_key_by_key_and_appends_notes() {
    let mut r = Reflection {
        client: ClientKey::from_name("X"),
        prompt: Some(PromptId(1)),
        date: t(1),
        answers: BTreeMap::from([
            (
                "energy".into(),
                Answer {
                    rating: Some(2),
                    comment: None,
                },
            ),
            (
                "payment".into(),
                Answer {
                    rating: Some(4),
                    comment: None,
                },
            ),
        ]),
        notes: "first".into(),
        sources: vec!["a".into()],
    };
    let newer = ParsedMessage {
        kind: MessageKind::Reflection,
        prompt_token: None,
        language: None,
        answers: BTreeMap::from([(
            "energy".into(),
            Answer {
                rating: Some(5),
                comment: Some("better".into()),
            },
        )]),
        notes: "second".into(),
        problems: vec![],
    };
    merge_reflection(&mut r, &newer, "b");
    merge_reflection(&mut r, &newer, "b");
    assert_eq!(r.answers["energy"].rating, Some(5));
    assert_eq!(r.answers["payment"].rating, Some(4));
    assert_eq!(r.notes, "first\n\nsecond");
    assert_eq!(r.sources, vec!["a".to_string(), "b".to_string()]);
}
