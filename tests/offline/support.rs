//! Shared fixture for offline integration tests: an app on a temp data dir with the stub
//! sender, a client with an open prompt, and the owner's reply to it (no servers needed).
#![allow(dead_code)]

use std::sync::Arc;

use chrono::{DateTime, Duration, TimeZone, Utc};
use olifant::app::App;
use olifant::model::{Client, ClientStatus, PromptRecord, PromptStatus, SendState};
use olifant::send::stub::StubSender;

/// The fixed "now" of these tests.
pub fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap()
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
    let client = Client {
        name: name.into(),
        cadence: Default::default(),
        revenue: None,
        tags: vec![],
        status: ClientStatus::Active,
        since: now() - Duration::days(60),
    };
    app.store.put_client(&client).unwrap();
    let id = app.fresh_prompt_id().unwrap();
    let token = app.token_for(id);
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
    let token = app.token_for(p.id);
    format!(
        "From: owner@example.test\r\nTo: olifant+{token}@example.test\r\nSubject: Re: {}\r\nMessage-ID: <{message_id}>\r\nIn-Reply-To: <{}>\r\nDate: Mon, 02 Mar 2026 08:00:00 +0000\r\n\r\n{body}\r\n",
        p.subject, p.message_id
    )
    .into_bytes()
}
