//! Any bytes as a reply: `read_message` (classification, genuineness, quote and signature
//! stripping, answer extraction) must return, never panic or hang.
#![no_main]

use libfuzzer_sys::fuzz_target;
use olifant::model::{Lang, PromptId};
use olifant::parse::{read_message, ParseContext};
use olifant::prompt::questionnaire::default_questionnaire;
use olifant::prompt::token::TokenKey;

fuzz_target!(|data: &[u8]| {
    let q = default_questionnaire();
    let owners = ["owner@example.test".to_string()];
    let key = TokenKey::from_bytes(&[7u8; 32]).expect("32-byte key");
    let ctx = ParseContext {
        questionnaire: &q,
        owner_addresses: &owners,
        bot_address: "olifant@example.test",
        plus_separator: '+',
        key: Some(&key),
        trusted_authserv_id: Some("mx.example.test"),
        default_lang: Lang::En,
    };
    let _ = read_message(data, &ctx);
    // The same bytes as the body of a genuine reply, so extraction always runs.
    let token = key.token(PromptId(42));
    let mut genuine = format!(
        "From: owner@example.test\r\nTo: olifant+{token}@example.test\r\nSubject: Re: x\r\n\r\n"
    )
    .into_bytes();
    genuine.extend_from_slice(data);
    let _ = read_message(&genuine, &ctx);
});
