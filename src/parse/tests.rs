use super::*;
use crate::prompt::questionnaire::default_questionnaire;

fn key() -> TokenKey {
    TokenKey::from_bytes(&[7u8; 32]).unwrap()
}

fn read(raw: &str) -> Reading {
    let q = Vocabulary::new(&default_questionnaire());
    let owners = vec!["owner@example.test".to_string()];
    let k = key();
    let ctx = ParseContext {
        vocabulary: &q,
        owner_addresses: &owners,
        bot_address: "olifant@example.test",
        plus_separator: '+',
        key: Some(&k),
        trusted_authserv_id: Some("mx.example.test"),
        default_lang: Lang::En,
    };
    read_message(raw.as_bytes(), &ctx).unwrap()
}

fn reply(from: &str, extra: &str, body: &str) -> String {
    let t = key().token(PromptId(42));
    format!("From: {from}\r\nTo: olifant+{t}@example.test\r\nSubject: Re: x\r\nMessage-ID: <a@b>\r\n{extra}\r\n{body}")
}

#[test]
fn ids_in_ascii_fast_path_matches_the_character_split() {
    let reference = |v: &str| -> Vec<String> {
        v.split(|c: char| c == '<' || c == '>' || c.is_whitespace() || c == ',')
            .filter(|s| s.contains('@'))
            .take(200)
            .map(str::to_string)
            .collect()
    };
    let many = "<a@b> ".repeat(300);
    for v in [
        "",
        "<a@b>",
        " <a@b>,<c@d>\r\n\t<e@f> x@y",
        "a@b\x0bc@d\x0ce@f",
        "<a@b",
        "@",
        "<olifant.abc@example.test> <é@x>",
        "a@b c@d",
        "a@b\u{85}c@d",
        "x@y\u{2003}<z@w>",
        many.as_str(),
    ] {
        assert_eq!(ids_in(v), reference(v), "{v:?}");
    }
}

proptest::proptest! {
    #[test]
    fn ids_in_agrees_with_the_character_split(
        pieces in proptest::collection::vec(
            proptest::sample::select(vec!["<", ">", ",", " ", "\t", "\r\n", "\u{b}", "@", "a", "x.y", "é", "\u{85}", "\u{2003}"]),
            0..40,
        ),
    ) {
        let v = pieces.concat();
        let reference: Vec<&str> = v
            .split(|c: char| c == '<' || c == '>' || c.is_whitespace() || c == ',')
            .filter(|s| s.contains('@'))
            .take(200)
            .collect();
        proptest::prop_assert_eq!(ids_in(&v), reference);
    }
}

#[test]
fn subject_of_reads_the_subject_as_mail_parsers_text_parser_does() {
    let subjects: &[&[u8]] = &[
        b"Subject: Re: How was Acme lately?\r\n",
        b"Subject:   Automatic reply:  away \t \r\n",
        b"Subject: Out of\r\n  the office\r\n\tuntil Monday\r\n",
        b"Subject:\r\n   \r\n",
        b"Subject: \r\n",
        b"Subject: =?utf-8?q?Automatische_Antwort?= on\r\n  holiday\r\n",
        b"Subject: =?iso-8859-1?q?R=E9ponse_automatique?=\r\n",
        b"Subject: a =?x?q?b\r\nFrom: c?= <d@e>\r\n",
        b"Subject: =?utf-8?b?QXV0b21hdGlj?=\r\n =?utf-8?b?IHJlcGx5?=\r\n",
        b"Subject: caf\xe9 \xff\r\n",
        b"Subject: = ? x =?\r\n",
        b"Subject: \xc2\xa0Afwezig\xc2\xa0\r\n",
        b"Subject: cut off at the end",
        b"Subject: =?utf-8?q?cut_off?= at the end",
    ];
    for subject in subjects {
        for tail in [&b"From: a@b\r\n\r\nbody"[..], b""] {
            for first in [true, false] {
                let mut raw = Vec::new();
                if first {
                    raw.extend_from_slice(subject);
                    raw.extend_from_slice(tail);
                } else {
                    raw.extend_from_slice(b"X-A: 1\r\n");
                    raw.extend_from_slice(tail);
                    raw.extend_from_slice(b"Subject: moved\r\n");
                    raw.extend_from_slice(subject);
                }
                let expected = message_parser_with_subject()
                    .parse(&raw)
                    .map(|m| m.subject().unwrap_or("").to_string());
                let Some(m) = message_parser().parse(&raw) else {
                    assert_eq!(expected, None);
                    continue;
                };
                let Some((start, end)) = TypedHeaders::of(&m, None).subject else {
                    assert_eq!(expected.as_deref(), Some(""), "{raw:?}");
                    continue;
                };
                if let Some(got) = subject_of(&raw, start, end) {
                    assert_eq!(Some(got.as_ref()), expected.as_deref(), "{raw:?}");
                }
            }
        }
    }
    // An encoded word running into the next header (if mail-parser's decoder lets one):
    // never answered from the skipped header alone.
    for raw in [
        &b"Subject: a =?x?q?b\r\nFrom: c?= <d@e>\r\n\r\nbody"[..],
        b"Subject: =?utf-8?b?QUJD\r\nFrom?=\r\n\r\nbody",
    ] {
        let m = message_parser().parse(raw).unwrap();
        let (start, end) = TypedHeaders::of(&m, None).subject.unwrap();
        let full = message_parser_with_subject().parse(raw).unwrap();
        if let Some(got) = subject_of(raw, start, end) {
            assert_eq!(Some(got.as_ref()), full.subject().or(Some("")));
        }
    }
}

#[test]
fn auto_reply_subject_prefixes_match_the_lowercased_subject() {
    let reference = |subject: &str| {
        let s = subject.trim().to_lowercase();
        [
            "automatic reply",
            "auto:",
            "out of office",
            "afwezig",
            "réponse automatique",
        ]
        .into_iter()
        .find(|p| s.starts_with(p))
    };
    for subject in [
        "Automatic Reply: away",
        "  AUTO: x",
        "Out Of Office",
        "Re: out of office",
        "AFWEZIG",
        "Réponse automatique",
        "RÉPONSE AUTOMATIQUE",
        "\u{a0}Afwezig",
        "auto",
        "",
    ] {
        let ours = header_flags_auto_reply(&[], subject);
        match reference(subject) {
            Some(p) => assert_eq!(ours, Some(format!("subject starts with \"{p}\""))),
            None => assert_eq!(ours, None, "{subject:?}"),
        }
    }
}

#[test]
fn genuine_reply_is_a_reflection() {
    let r = read(&reply("Owner <OWNER@example.test>", "", "1. 4\nfine"));
    assert_eq!(r.genuine, Ok(()));
    assert_eq!(r.prompt_id, Some(PromptId(42)));
    assert_eq!(r.parsed.kind, MessageKind::Reflection);
    assert_eq!(r.parsed.answers["energy"].rating, Some(4));
    assert_eq!(r.dedup_id, "a@b");
}

#[test]
fn stranger_with_token_is_not_genuine() {
    let r = read(&reply("x@evil.test", "", "1. 4"));
    assert_eq!(
        r.genuine,
        Err(Rejection::NotFromOwner("x@evil.test".into()))
    );
    assert_eq!(r.parsed.kind, MessageKind::Other);
    assert!(r.parsed.answers.is_empty());
    assert_eq!(r.prompt_id, None);
}

#[test]
fn dmarc_fail_counts_only_from_the_trusted_topmost_header() {
    let forged_below = "Authentication-Results: mx.example.test; dmarc=pass\r\nAuthentication-Results: mx.example.test; dmarc=fail\r\n";
    assert_eq!(
        read(&reply("owner@example.test", forged_below, "1. 4")).genuine,
        Ok(())
    );
    let other_host = "Authentication-Results: evil.test; dmarc=fail\r\n";
    assert_eq!(
        read(&reply("owner@example.test", other_host, "1. 4")).genuine,
        Ok(())
    );
    let fail = "Authentication-Results: mx.example.test;\r\n dkim=none; dmarc=fail (p=reject)\r\n";
    assert_eq!(
        read(&reply("owner@example.test", fail, "1. 4")).genuine,
        Err(Rejection::DmarcFail)
    );
}

fn ctx_parts() -> (Vocabulary, Vec<String>, TokenKey) {
    (
        Vocabulary::new(&default_questionnaire()),
        vec!["owner@example.test".to_string()],
        key(),
    )
}

proptest::proptest! {
    /// `subject_of` answers only when it gives exactly what mail-parser's own decoding
    /// of the Subject gives, on arbitrary header blocks made of the bytes that matter.
    #[test]
    fn subject_of_agrees_with_mail_parser(
        pieces in proptest::collection::vec(
            proptest::sample::select(vec![&b"=?"[..], &b"?="[..], &b"=?utf-8?q?"[..], &b"=?iso-8859-1?b?"[..], &b"QUJD"[..], &b"_=E9"[..], &b"\r\n"[..], &b"\r\n "[..], &b"\n\t"[..], &b"\r\nFrom: a@b\r\n"[..], &b" "[..], &b"\t"[..], &b"\r"[..], &b"\xc3\xa9"[..], &b"\xff"[..], &b"Re: Out of office"[..], &b"?"[..], &b"="[..]]),
            0..12,
        ),
        tail in proptest::sample::select(vec![&b"\r\n\r\nbody"[..], &b"\r\nTo: c@d\r\n\r\nbody"[..], &b""[..]]),
    ) {
        let mut raw = b"Subject:".to_vec();
        for p in &pieces {
            raw.extend_from_slice(p);
        }
        raw.extend_from_slice(tail);
        let expected = message_parser_with_subject()
            .parse(&raw)
            .map(|m| m.subject().unwrap_or("").to_string());
        if let Some(m) = message_parser().parse(&raw) {
            if let Some((start, end)) = TypedHeaders::of(&m, None).subject {
                if let Some(got) = subject_of(&raw, start, end) {
                    proptest::prop_assert_eq!(Some(got.into_owned()), expected);
                }
            }
        }
    }
}

proptest::proptest! {
    #[test]
    fn read_message_never_panics_on_bytes(bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..1500)) {
        let (q, owners, k) = ctx_parts();
        let ctx = ParseContext {
            vocabulary: &q,
            owner_addresses: &owners,
            bot_address: "olifant@example.test",
            plus_separator: '+',
            key: Some(&k),
            trusted_authserv_id: Some("mx.example.test"),
            default_lang: Lang::En,
        };
        let _ = read_message(&bytes, &ctx);
    }

    #[test]
    fn reply_bodies_never_panic(lines in proptest::collection::vec(
        proptest::prop_oneof![
            proptest::strategy::Just("> 1. Energy — Did it?".to_string()),
            proptest::strategy::Just("Op 1 dec. 2026 heeft x het volgende geschreven:".to_string()),
            proptest::strategy::Just("-- ".to_string()),
            proptest::strategy::Just("Van: x".to_string()),
            proptest::strategy::Just("<div class=gmail_quote>".to_string()),
            "[0-9]{1,3}[.:)=/ -]{0,2}[0-9]{0,3}[a-zé ,;—–-]{0,12}",
            "(energy|betaling|opnieuw|payment|again)[ :—-]{0,2}(ja|nee|maybe|n.v.t.|[0-9]{1,2}/?[0-9]?)[ ,;]{0,2}.{0,10}",
            "\\PC{0,40}",
        ],
        0..25,
    )) {
        let body = lines.join("\n");
        let raw = format!(
            "From: owner@example.test\r\nTo: olifant+{}@example.test\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{body}",
            key().token(PromptId(9))
        );
        let (q, owners, k) = ctx_parts();
        let ctx = ParseContext {
            vocabulary: &q,
            owner_addresses: &owners,
            bot_address: "olifant@example.test",
            plus_separator: '+',
            key: Some(&k),
            trusted_authserv_id: None,
            default_lang: Lang::Nl,
        };
        let r = read_message(raw.as_bytes(), &ctx);
        proptest::prop_assert!(r.is_ok());
        let _ = html::html_to_text(&body);
        let _ = parse_command(&body);
        for a in r.map(|r| r.parsed.answers).unwrap_or_default().values() {
            if let Some(v) = a.rating {
                proptest::prop_assert!((1..=5).contains(&v), "stored rating {v} off the scale");
            }
        }
    }
}

#[test]
fn garbage_never_panics() {
    let q = Vocabulary::new(&default_questionnaire());
    let ctx = ParseContext {
        vocabulary: &q,
        owner_addresses: &[],
        bot_address: "olifant@example.test",
        plus_separator: '+',
        key: None,
        trusted_authserv_id: None,
        default_lang: Lang::Nl,
    };
    let mut deep = String::from("From: a@b\r\nContent-Type: multipart/mixed; boundary=b0\r\n\r\n");
    for i in 1..1000 {
        deep.push_str(&format!(
            "--b{}\r\nContent-Type: multipart/mixed; boundary=b{i}\r\n\r\n",
            i - 1
        ));
    }
    let long_line = format!("From: a@b\r\n\r\n{}", "1, ".repeat(400_000));
    for input in [
        &b""[..],
        b"\0\0\0\xff\xfe",
        b"Subject: =?x-unknown?q?abc?=\r\nFrom: \xff\xfe@x\r\n\r\nbody",
        deep.as_bytes(),
        long_line.as_bytes(),
    ] {
        let _ = read_message(input, &ctx);
    }
}
