//! Golden tests for the reply parser: every `tests/golden/*.eml` is read with a fixed context
//! and must produce exactly the `ParsedMessage` JSON in the `.json` beside it.
//!
//! On a mismatch the actual output is written to `<name>.actual.json` and the test fails
//! listing the files. `OLIFANT_BLESS=1 cargo test --test offline parse_golden::` (re)writes the
//! `.json` files; review each one by hand before committing it.
//!
//! The fixtures' prompt tokens are made with the fixed key `[7u8; 32]` for prompt ids 1
//! (Acme, English), 2 (Bakkerij Jansen, Dutch) and 3 (a bounced prompt);
//! `fixture_tokens_are_made_with_the_fixed_key` pins them.

use std::path::{Path, PathBuf};

use olifant::model::{MessageKind, PromptId};
use olifant::parse::{parse_command, read_message, Command, Reading, Rejection, Span};

use crate::support::{golden_key, Parsing};

const TOKENS: [(u64, &str); 3] = [
    (1, "aaaaaaabaudcbyozhvhjfu7u"),
    (2, "aaaaaaacx73jamh3unj22ttq"),
    (3, "aaaaaaad7mg2zxqad5nlqo2m"),
];

fn golden_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden")
}

fn read(raw: &[u8]) -> Reading {
    read_message(raw, &Parsing::new().context())
        .expect("every golden fixture is a readable message")
}

fn fixture(name: &str) -> Reading {
    let raw = std::fs::read(golden_dir().join(format!("{name}.eml"))).expect("fixture exists");
    read(&raw)
}

#[test]
fn fixture_tokens_are_made_with_the_fixed_key() {
    for (id, token) in TOKENS {
        assert_eq!(golden_key().token(PromptId(id)), token);
    }
}

#[test]
fn golden_fixtures_match_their_json() {
    let bless = std::env::var("OLIFANT_BLESS").is_ok_and(|v| v == "1");
    let mut entries: Vec<PathBuf> = std::fs::read_dir(golden_dir())
        .expect("tests/golden exists")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "eml"))
        .collect();
    entries.sort();
    assert!(
        !entries.is_empty(),
        "no .eml fixtures found in tests/golden"
    );
    let mut failed = Vec::new();
    for eml in &entries {
        let raw = std::fs::read(eml).expect("fixture is readable");
        let actual = serde_json::to_string_pretty(&read(&raw).parsed).expect("serialises") + "\n";
        let expected_path = eml.with_extension("json");
        let actual_path = eml.with_extension("actual.json");
        if bless {
            std::fs::write(&expected_path, &actual).expect("write json");
            let _ = std::fs::remove_file(&actual_path);
            continue;
        }
        match std::fs::read_to_string(&expected_path) {
            Ok(expected) if expected == actual => {
                let _ = std::fs::remove_file(&actual_path);
            }
            _ => {
                std::fs::write(&actual_path, &actual).expect("write actual");
                failed.push(actual_path.display().to_string());
            }
        }
    }
    assert!(
        failed.is_empty(),
        "{} golden mismatches, see:\n{}",
        failed.len(),
        failed.join("\n")
    );
}

#[test]
fn genuine_replies_carry_their_prompt_id() {
    assert_eq!(
        fixture("grammar_number_dot_en_gmail").prompt_id,
        Some(PromptId(1))
    );
    assert_eq!(
        fixture("grammar_label_space_nl").prompt_id,
        Some(PromptId(2))
    );
    assert_eq!(
        fixture("client_reply_via_in_reply_to_only").prompt_id,
        Some(PromptId(1))
    );
    assert_eq!(
        fixture("client_delivered_to_only").prompt_id,
        Some(PromptId(1))
    );
    assert_eq!(
        fixture("client_reply_to_reminder_references").genuine,
        Ok(())
    );
}

#[test]
fn spoof_attempts_say_why_they_are_not_genuine() {
    let cases: &[(&str, Rejection)] = &[
        (
            "spoof_stranger_with_valid_token",
            Rejection::NotFromOwner("mallory@evil.test".into()),
        ),
        ("spoof_owner_without_token", Rejection::NoToken),
        ("spoof_token_in_subject_only", Rejection::NoToken),
        ("spoof_altered_token", Rejection::InvalidToken),
        ("spoof_dmarc_fail_from_trusted_server", Rejection::DmarcFail),
        (
            "spoof_other_host_pass_does_not_rescue",
            Rejection::DmarcFail,
        ),
        ("spoof_from_olifant_itself", Rejection::FromBot),
        ("spoof_reply_to_digest", Rejection::NoToken),
    ];
    for (name, why) in cases {
        let r = fixture(name);
        assert_eq!(r.genuine.as_ref(), Err(why), "{name}");
        assert_eq!(r.parsed.kind, MessageKind::Other, "{name}");
        assert!(r.parsed.answers.is_empty(), "{name}");
        assert_eq!(r.prompt_id, None, "{name}");
    }
    assert_eq!(
        fixture("spoof_forged_auth_results_below_is_ignored").genuine,
        Ok(())
    );
}

#[test]
fn bounces_are_matched_to_their_prompt() {
    let r = fixture("bounce_postfix_dsn");
    assert_eq!(r.parsed.kind, MessageKind::Bounce);
    assert_eq!(r.bounce_of, Some(PromptId(3)));
    let reason = r.bounce_reason.unwrap_or_default();
    assert!(reason.contains("550 5.1.1"), "{reason}");
    let r = fixture("bounce_empty_return_path");
    assert_eq!(r.parsed.kind, MessageKind::Bounce);
    assert_eq!(r.bounce_of, Some(PromptId(1)));
}

#[test]
fn fresh_text_is_what_commands_are_read_from() {
    let r = fixture("client_iphone_nl");
    assert_eq!(r.fresh_text, "1. 4\n2. 5");
    assert!(r.sender_is_owner);
    assert!(!fixture("spoof_stranger_with_valid_token").sender_is_owner);
}

#[test]
fn an_owner_command_without_token_is_readable_from_fresh_text() {
    let r = fixture("command_from_owner_without_token");
    assert_eq!(r.genuine, Err(Rejection::NoToken));
    assert!(r.sender_is_owner);
    assert_eq!(
        parse_command(&r.fresh_text),
        Some(Command::Pause {
            span: Some(Span::Duration(chrono::Duration::days(14)))
        })
    );
}
