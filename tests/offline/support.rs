//! The one harness of the offline tests (`tests/offline`): an app on a temp data dir with the
//! stub sender, a client with an open prompt and the owner's reply to it; the parse context of
//! the golden files and the corpus; where the corpus is. (What the server tests use too is in
//! `tests/common`.)
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::Duration;
use olifant::app::App;
use olifant::config::{parse_with, Config, EXAMPLE_LOCAL_TOML};
use olifant::model::{Lang, PromptRecord, PromptStatus, SendState};
use olifant::parse::{ParseContext, Vocabulary};
use olifant::prompt::questionnaire::default_questionnaire;
use olifant::prompt::token::TokenKey;
use olifant::send::stub::StubSender;

use crate::common;

pub use crate::common::now;

/// The example local config (file outbox, Maildir inbox under `dir`) with `extra` appended
/// (`[[clients]]` blocks, other sections).
pub fn local_config(dir: &Path, extra: &str) -> Config {
    let text = format!("{EXAMPLE_LOCAL_TOML}\n{extra}");
    parse_with(&text, "config.toml", &|_| None, Some(dir)).unwrap()
}

/// An app whose data dir is `data_dir`, sending through `stub`; `extra` is appended to the
/// config (e.g. `"[ingest]\nreceipts = false\n"`).
pub fn app(data_dir: &std::path::Path, stub: &StubSender, extra: &str) -> App {
    let text = format!(
        "data_dir = {:?}\n[owner]\naddresses = [\"owner@example.test\"]\ntimezone = \"Europe/Amsterdam\"\n[bot]\naddress = \"olifant@example.test\"\n{extra}",
        data_dir.display().to_string()
    );
    let config = olifant::config::parse_str(&text, "offline").unwrap();
    App::open_with_sender(config, Arc::new(stub.clone()), now()).unwrap()
}

/// Adds the client `name` and an open prompt about it, sent yesterday; flushed.
pub fn prompt(app: &App, name: &str) -> PromptRecord {
    let client = common::client(name, now() - Duration::days(60));
    app.store.put_client(&client).unwrap();
    let id = olifant::prompt::run::fresh_prompt_id(app).unwrap();
    let token = olifant::prompt::run::token_for(app, id);
    let p = PromptRecord {
        id,
        client: client.key(),
        client_name: client.name.clone(),
        lang: olifant::model::Lang::En,
        occurrence: now() - Duration::days(1),
        created_at: now() - Duration::days(1),
        message_id: olifant::prompt::token::message_id(&token, "", "example.test"),
        subject: format!("How was {name} lately? [AAAAA]"),
        send: SendState::Sent {
            at: now() - Duration::days(1),
        },
        status: PromptStatus::Open,
        reminder: None,
    };
    app.store.put_prompt(&p).unwrap();
    app.store.flush().unwrap();
    p
}

/// The owner's reply to `p` with Message-ID `message_id` and `body`.
pub fn reply(app: &App, p: &PromptRecord, message_id: &str, body: &str) -> Vec<u8> {
    let token = olifant::prompt::run::token_for(app, p.id);
    format!(
        "From: owner@example.test\r\nTo: olifant+{token}@example.test\r\nSubject: Re: {}\r\nMessage-ID: <{message_id}>\r\nIn-Reply-To: <{}>\r\nDate: Mon, 02 Mar 2026 08:00:00 +0000\r\n\r\n{body}\r\n",
        p.subject, p.message_id
    )
    .into_bytes()
}

/// The fixed token key of the golden files and the corpus tests.
pub fn golden_key() -> TokenKey {
    TokenKey::from_bytes(&[7u8; 32]).expect("32 bytes is a valid key")
}

/// What a [`ParseContext`] borrows, for the golden files and the corpus: the default
/// questionnaire, owner@example.test, olifant@example.test, [`golden_key`] and the trusted
/// authentication server mx.example.test.
pub struct Parsing {
    vocabulary: Vocabulary,
    owners: Vec<String>,
    key: TokenKey,
}

impl Parsing {
    pub fn new() -> Parsing {
        Parsing {
            vocabulary: Vocabulary::new(&default_questionnaire()),
            owners: vec!["owner@example.test".to_string()],
            key: golden_key(),
        }
    }

    /// The context, English by default.
    pub fn context(&self) -> ParseContext<'_> {
        ParseContext {
            vocabulary: &self.vocabulary,
            owner_addresses: &self.owners,
            bot_address: "olifant@example.test",
            plus_separator: '+',
            key: Some(&self.key),
            trusted_authserv_id: Some("mx.example.test"),
            default_lang: Lang::En,
        }
    }
}

/// The third-party reply corpus: `$OLIFANT_CORPUS_DIR`, else `../shared/corpus` next to the
/// crate. A missing corpus fails the test: it never skips.
pub fn corpus_dir() -> PathBuf {
    let dir = std::env::var("OLIFANT_CORPUS_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|_| Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus"));
    assert!(
        dir.is_dir(),
        "corpus directory {} is missing: set OLIFANT_CORPUS_DIR to the shared corpus (e.g. /work/shared/corpus)",
        dir.display()
    );
    dir
}
