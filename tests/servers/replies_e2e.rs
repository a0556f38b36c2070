//! The "done when" of the replies issue, through the real pipeline: replies travel over the
//! private Postfix/Dovecot started by `scripts/test` and olifant reads them over IMAP with
//! `App::ingest_once`. Every test takes `SERVERS_LOCK.read()`; the one that stops Dovecot
//! takes the write lock.

use std::time::Duration;

use futures::TryStreamExt;
use olifant::app::App;
use olifant::ingest::pipeline::{Handled, IngestReport};
use olifant::model::{ClientKey, PromptRecord, PromptStatus};
use olifant::store::EventKind;

use crate::support::{
    self, client_block, fixed, last_monday_nine, parse, Fixture, DELIVERY, SERVERS_LOCK,
};

const PROCESSED: &str = "olifant/processed";

/// Opens olifant as of last Monday 09:05 and runs the prompt pass for the configured clients;
/// returns the app and the prompts by client name (prompts land in the owner's INBOX).
async fn with_prompts(f: &Fixture, config: olifant::config::Config) -> (App, Vec<PromptRecord>) {
    let now = last_monday_nine() + chrono::Duration::minutes(5);
    let n = config.clients.len();
    let app = f.open(config, now);
    let report = olifant::prompt::run::run_prompts(&app, now, &fixed(now))
        .await
        .expect("prompt run");
    assert_eq!(report.sent.len(), n, "{report:?}");
    f.s.wait_for_messages(&f.owner, "INBOX", n, DELIVERY).await;
    let mut prompts = app.store.prompts().unwrap();
    prompts.sort_by(|a, b| a.client_name.cmp(&b.client_name));
    (app, prompts)
}

/// The prompt's text as the owner's phone quotes it.
async fn quoted_prompt(f: &Fixture, p: &PromptRecord) -> String {
    let msgs = f.s.uid_fetch_all(&f.owner, "INBOX").await;
    let raw = msgs
        .iter()
        .map(|(_, r)| r)
        .find(|r| parse(r).message_id() == Some(p.message_id.as_str()))
        .unwrap_or_else(|| panic!("prompt {} not in the owner's INBOX", p.message_id));
    let text = parse(raw).body_text(0).expect("text part").into_owned();
    text.lines()
        .map(|l| {
            if l.is_empty() {
                ">".to_string()
            } else {
                format!("> {l}")
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// A reply as an iPhone writes it: fresh text, sign-off, attribution line, quoted prompt.
fn phone_reply(
    f: &Fixture,
    p: &PromptRecord,
    from: &str,
    message_id: &str,
    body: &str,
    quoted: &str,
    extra_headers: &str,
) -> Vec<u8> {
    let token = token_of(p);
    let to = f.plus(&token);
    let date = olifant::clock::now().to_rfc2822();
    let text = format!(
        "{extra_headers}From: Sanne de Vries <{from}>\n\
         To: olifant <{to}>\n\
         Subject: Re: {subject}\n\
         Date: {date}\n\
         Message-ID: <{message_id}>\n\
         In-Reply-To: <{mid}>\n\
         References: <{mid}>\n\
         MIME-Version: 1.0\n\
         Content-Type: text/plain; charset=utf-8\n\
         Content-Transfer-Encoding: 8bit\n\
         \n\
         {body}\n\
         \n\
         Verstuurd vanaf mijn iPhone\n\
         \n\
         Op 23 nov. 2026 om 09:05 heeft olifant <{to}> het volgende geschreven:\n\
         \n\
         {quoted}\n",
        subject = p.subject,
        mid = p.message_id,
    );
    text.replace('\n', "\r\n").into_bytes()
}

/// A plain message with given headers (each line `Name: value`) and body.
fn plain(headers: &[String], body: &str) -> Vec<u8> {
    let mut s = headers.join("\r\n");
    s.push_str(&format!(
        "\r\nDate: {}\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n",
        olifant::clock::now().to_rfc2822()
    ));
    s.push_str(&body.replace('\n', "\r\n"));
    s.push_str("\r\n");
    s.into_bytes()
}

fn token_of(p: &PromptRecord) -> String {
    p.message_id
        .strip_prefix("olifant.")
        .and_then(|s| s.split('@').next())
        .expect("prompt Message-ID is olifant.TOKEN@domain")
        .to_string()
}

async fn ingest(app: &App) -> IngestReport {
    olifant::ingest::pipeline::ingest_once(app, &olifant::clock::now)
        .await
        .unwrap_or_else(|e| panic!("ingest failed: {e}"))
}

fn mid_set(msgs: &[(u32, Vec<u8>)]) -> Vec<String> {
    let mut v: Vec<String> = msgs
        .iter()
        .filter_map(|(_, r)| parse(r).message_id().map(str::to_string))
        .collect();
    v.sort();
    v
}

/// The message in `msgs` whose In-Reply-To is `<id>`.
fn answer_to(msgs: &[(u32, Vec<u8>)], id: &str) -> Option<Vec<u8>> {
    msgs.iter()
        .map(|(_, r)| r)
        .find(|r| {
            let m = parse(r);
            support::header(&m, "In-Reply-To").as_deref() == Some(&format!("<{id}>"))
        })
        .cloned()
}

async fn wait_for_answer(f: &Fixture, id: &str) -> Vec<u8> {
    let deadline = tokio::time::Instant::now() + DELIVERY;
    loop {
        let msgs = f.s.uid_fetch_all(&f.owner, "INBOX").await;
        if let Some(r) = answer_to(&msgs, id) {
            return r;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "no mail answering <{id}> in the owner's INBOX within {DELIVERY:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
#[ignore = "needs the private mail servers: run bash scripts/test"]
async fn an_owner_reply_is_stored_once_moved_and_receipted_and_a_second_reply_merges() {
    let _g = SERVERS_LOCK.read().await;
    let f = Fixture::new("rp-one");
    let config = f.config("nl", "", &client_block("Bakkerij Jansen", ""));
    let (app, prompts) = with_prompts(&f, config).await;
    let p = &prompts[0];
    let quoted = quoted_prompt(&f, p).await;
    let reply_id = format!("phone-1-{}@icloud.example", std::process::id());
    let raw = phone_reply(
        &f,
        p,
        &f.owner,
        &reply_id,
        "1. 4\n2. 5\n3. 3\n8. ja\n\nFijne klant, maar de laatste oplevering was krap.",
        &quoted,
        "",
    );
    f.s.send_raw_smtp(&f.owner, &[&f.plus(&token_of(p))], &raw)
        .await
        .expect("SMTP accepted the reply");
    f.s.wait_for_messages(&f.bot, "INBOX", 1, DELIVERY).await;

    let report = ingest(&app).await;
    assert_eq!(
        (report.stored, report.merged, report.moved),
        (1, 0, 1),
        "{report:?}"
    );
    let refl = app.store.reflections().unwrap();
    assert_eq!(refl.len(), 1, "{refl:?}");
    let r = &refl[0];
    assert_eq!(r.prompt, Some(p.id));
    assert_eq!(r.client, ClientKey::from_name("Bakkerij Jansen"));
    let rating = |k: &str| r.answers.get(k).and_then(|a| a.rating);
    assert_eq!(rating("energy"), Some(4), "{r:?}");
    assert_eq!(rating("payment"), Some(5), "{r:?}");
    assert_eq!(rating("scope"), Some(3), "{r:?}");
    assert_eq!(rating("again"), Some(5), "{r:?}");
    assert_eq!(r.answers.len(), 4, "{r:?}");
    assert!(r.notes.contains("oplevering was krap"), "{r:?}");
    assert!(!r.notes.contains("iPhone"), "sign-off kept: {r:?}");
    assert!(!r.notes.contains("Energie"), "quote kept: {r:?}");
    assert!(matches!(
        app.store.prompt(p.id).unwrap().unwrap().status,
        PromptStatus::Answered { .. }
    ));

    // Moved out of INBOX into the processed folder.
    assert!(f
        .s
        .list_mailboxes(&f.bot)
        .await
        .iter()
        .any(|m| m == PROCESSED));
    assert!(f.s.uid_fetch_all(&f.bot, "INBOX").await.is_empty());
    let processed = f.s.uid_fetch_all(&f.bot, PROCESSED).await;
    assert_eq!(mid_set(&processed), vec![reply_id.clone()]);

    // A receipt arrives threaded under the reply.
    let receipt = wait_for_answer(&f, &reply_id).await;
    let m = parse(&receipt);
    let refs = support::header(&m, "References").unwrap_or_default();
    assert!(refs.contains(&reply_id), "References: {refs}");
    assert!(
        m.subject().unwrap().contains("Bakkerij Jansen"),
        "{:?}",
        m.subject()
    );

    // A second reply to the same prompt merges into the same reflection.
    let second_id = format!("phone-2-{}@icloud.example", std::process::id());
    let raw2 = phone_reply(
        &f,
        p,
        &f.owner,
        &second_id,
        "7. 2\n\nNog vergeten: ze brachten dit jaar geen nieuw werk.",
        &quoted,
        "",
    );
    f.s.send_raw_smtp(&f.owner, &[&f.plus(&token_of(p))], &raw2)
        .await
        .expect("SMTP accepted the second reply");
    f.s.wait_for_messages(&f.bot, "INBOX", 1, DELIVERY).await;
    let report = ingest(&app).await;
    assert_eq!((report.stored, report.merged), (0, 1), "{report:?}");
    let refl = app.store.reflections().unwrap();
    assert_eq!(refl.len(), 1, "{refl:?}");
    let r = &refl[0];
    assert_eq!(r.answers.get("growth").and_then(|a| a.rating), Some(2));
    assert_eq!(r.answers.get("energy").and_then(|a| a.rating), Some(4));
    assert!(
        r.notes.contains("krap") && r.notes.contains("geen nieuw werk"),
        "{r:?}"
    );
    wait_for_answer(&f, &second_id).await;

    // The first reply delivered once more (a server redelivery): recognised, only moved.
    f.s.append(&f.bot, "INBOX", &raw).await;
    let report = ingest(&app).await;
    assert_eq!(
        (report.duplicates, report.stored, report.merged),
        (1, 0, 0),
        "{report:?}"
    );
    assert!(f.s.uid_fetch_all(&f.bot, "INBOX").await.is_empty());
    assert_eq!(app.store.reflections().unwrap().len(), 1);
}

#[tokio::test]
#[ignore = "needs the private mail servers: run bash scripts/test"]
async fn a_restart_mid_batch_stores_each_reply_exactly_once_and_moves_all() {
    let _g = SERVERS_LOCK.read().await;
    let f = Fixture::new("rp-restart");
    let tail = client_block("Acme Ltd", "") + &client_block("Bakkerij Jansen", "");
    let config = f.config("en", "", &tail);
    let (app, prompts) = with_prompts(&f, config.clone()).await;
    let mut ids = Vec::new();
    for (i, p) in prompts.iter().enumerate() {
        let id = format!("restart-{i}-{}@mail.example", std::process::id());
        let raw = phone_reply(&f, p, &f.owner, &id, "1. 2\n2. 3\n\nFine.", "> quoted", "");
        f.s.send_raw_smtp(&f.owner, &[&f.plus(&token_of(p))], &raw)
            .await
            .expect("SMTP");
        ids.push(id);
    }
    let inbox = f.s.wait_for_messages(&f.bot, "INBOX", 2, DELIVERY).await;

    // The first message handled and flushed, then a crash before the move.
    let olifant::ingest::plan::Outcome {
        disposition,
        handled,
        followup: _receipt,
    } = olifant::ingest::pipeline::handle_message(
        &app,
        &inbox[0].1,
        "INBOX:crash:1",
        olifant::clock::now(),
    )
    .expect("handle");
    assert!(
        matches!(handled, Handled::Stored { merged: false, .. }),
        "{handled:?}"
    );
    assert_eq!(
        disposition,
        olifant::ingest::pipeline::Disposition::Processed
    );
    app.store.flush().unwrap();
    drop(app);

    let now = olifant::clock::now();
    let app = f.open(config.clone(), now);
    let report = ingest(&app).await;
    assert_eq!(report.fetched, 2, "{report:?}");
    assert_eq!(
        (report.duplicates, report.stored, report.moved),
        (1, 1, 2),
        "{report:?}"
    );
    drop(app);

    let app = f.open(config, now);
    let report = ingest(&app).await;
    assert_eq!(
        report,
        IngestReport::default(),
        "nothing new after the restart"
    );
    let refl = app.store.reflections().unwrap();
    assert_eq!(refl.len(), 2, "{refl:?}");
    let mut clients: Vec<_> = refl.iter().map(|r| r.client.clone()).collect();
    clients.sort();
    clients.dedup();
    assert_eq!(clients.len(), 2);
    assert!(f.s.uid_fetch_all(&f.bot, "INBOX").await.is_empty());
    let mut want = ids.clone();
    want.sort();
    assert_eq!(mid_set(&f.s.uid_fetch_all(&f.bot, PROCESSED).await), want);
    // The receipt of the reply handled before the crash is not lost with it.
    for id in &ids {
        wait_for_answer(&f, id).await;
    }
}

#[tokio::test]
#[ignore = "needs the private mail servers: run bash scripts/test"]
async fn a_pass_of_several_batches_stores_and_moves_each_reply_once_with_its_receipt() {
    // Batches of two: each batch is moved while the next one is handled.
    let _g = SERVERS_LOCK.read().await;
    let f = Fixture::new("rp-batches");
    let names = [
        "Acme Ltd",
        "Bakkerij Jansen",
        "Café Noir",
        "De Boer",
        "Eikhout",
    ];
    let mut tail = String::from("[schedule]\nmax_prompts_per_run = 10\n\n");
    tail.extend(names.iter().map(|n| client_block(n, "")));
    let config = f.config("en", "", &tail);
    let (app, prompts) = with_prompts(&f, config).await;
    let mut ids = Vec::new();
    for (i, p) in prompts.iter().enumerate() {
        let id = format!("batch-{i}-{}@mail.example", std::process::id());
        let raw = phone_reply(
            &f,
            p,
            &f.owner,
            &id,
            "1. 4\n2. 3\n\nSteady.",
            "> quoted",
            "",
        );
        f.s.send_raw_smtp(&f.owner, &[&f.plus(&token_of(p))], &raw)
            .await
            .expect("SMTP");
        ids.push(id);
    }
    let inbox =
        f.s.wait_for_messages(&f.bot, "INBOX", names.len(), DELIVERY)
            .await;
    let last_uid = inbox.iter().map(|(u, _)| *u).max().unwrap();

    let (source, mut folders) = olifant::ingest::pipeline::mail_source(&app).expect("source");
    folders.batch = 2;
    let mut session = source.connect().await.expect("connect");
    let report =
        olifant::ingest::pipeline::ingest_pass(&app, &mut *session, &folders, &olifant::clock::now)
            .await
            .expect("pass");
    let _ = session.logout().await;
    assert_eq!(
        (
            report.fetched,
            report.stored,
            report.moved,
            report.duplicates
        ),
        (5, 5, 5, 0),
        "{report:?}"
    );
    assert!(f.s.uid_fetch_all(&f.bot, "INBOX").await.is_empty());
    let mut want = ids.clone();
    want.sort();
    assert_eq!(mid_set(&f.s.uid_fetch_all(&f.bot, PROCESSED).await), want);
    let cp = app.store.checkpoint("INBOX").unwrap().expect("checkpoint");
    assert!(cp.last_uid >= last_uid, "{cp:?} < {last_uid}");
    assert_eq!(app.store.reflections().unwrap().len(), 5);
    let stored: Vec<_> = app
        .store
        .events_since(olifant::clock::now() - chrono::Duration::hours(1))
        .unwrap()
        .into_iter()
        .filter(|e| e.kind == EventKind::ReplyStored)
        .collect();
    assert_eq!(stored.len(), 3, "one event per batch: {stored:?}");
    assert_eq!(stored.iter().map(|e| e.count).sum::<u32>(), 5);
    for id in &ids {
        wait_for_answer(&f, id).await;
    }
    // Exactly one receipt each, also after another pass.
    assert_eq!(ingest(&app).await, IngestReport::default());
    let owner_inbox = f.s.uid_fetch_all(&f.owner, "INBOX").await;
    for id in &ids {
        let n = owner_inbox
            .iter()
            .filter(|(_, r)| {
                support::header(&parse(r), "In-Reply-To").as_deref() == Some(&format!("<{id}>"))
            })
            .count();
        assert_eq!(n, 1, "receipts answering {id}");
    }
}

#[tokio::test]
#[ignore = "needs the private mail servers: run bash scripts/test"]
async fn two_replies_to_one_prompt_in_one_batch_each_get_their_receipt() {
    let _g = SERVERS_LOCK.read().await;
    let f = Fixture::new("rp-tworeceipts");
    let config = f.config("en", "", &client_block("Acme Ltd", ""));
    let (app, prompts) = with_prompts(&f, config).await;
    let p = &prompts[0];
    let pid = std::process::id();
    let first = format!("two-1-{pid}@mail.example");
    let second = format!("two-2-{pid}@mail.example");
    f.s.append(
        &f.bot,
        "INBOX",
        &phone_reply(&f, p, &f.owner, &first, "1. 2", "> q", ""),
    )
    .await;
    f.s.append(
        &f.bot,
        "INBOX",
        &phone_reply(&f, p, &f.owner, &second, "2. 5", "> q", ""),
    )
    .await;
    let report = ingest(&app).await;
    assert_eq!((report.stored, report.merged), (1, 1), "{report:?}");
    wait_for_answer(&f, &first).await;
    wait_for_answer(&f, &second).await;
}

#[tokio::test]
#[ignore = "needs the private mail servers: run bash scripts/test"]
async fn a_uidvalidity_change_rescans_without_duplicates() {
    let _g = SERVERS_LOCK.read().await;
    let f = Fixture::new("rp-uidv");
    let tail = client_block("Acme Ltd", "") + &client_block("Bakkerij Jansen", "");
    let config = f.config("en", "mailbox = \"Replies\"", &tail);
    let (app, prompts) = with_prompts(&f, config).await;
    let first = phone_reply(
        &f,
        &prompts[0],
        &f.owner,
        &format!("uidv-1-{}@mail.example", std::process::id()),
        "1. 5\n\nGreat month.",
        "> quoted",
        "",
    );
    f.s.append(&f.bot, "Replies", &first).await;
    let report = ingest(&app).await;
    assert_eq!((report.stored, report.moved), (1, 1), "{report:?}");
    let uv1 = app
        .store
        .checkpoint("Replies")
        .unwrap()
        .expect("checkpoint")
        .uid_validity;

    // The mailbox is recreated (a server migration) holding the same message plus a new one.
    let mut s = f.s.login(&f.bot).await;
    s.delete("Replies").await.expect("DELETE Replies");
    s.create("Replies").await.expect("CREATE Replies");
    let _ = s.logout().await;
    let second = phone_reply(
        &f,
        &prompts[1],
        &f.owner,
        &format!("uidv-2-{}@mail.example", std::process::id()),
        "1. 3\n\nOkay.",
        "> quoted",
        "",
    );
    f.s.append(&f.bot, "Replies", &first).await;
    f.s.append(&f.bot, "Replies", &second).await;

    let report = ingest(&app).await;
    let uv2 = app
        .store
        .checkpoint("Replies")
        .unwrap()
        .expect("checkpoint")
        .uid_validity;
    assert_ne!(
        uv1, uv2,
        "the server did not change UIDVALIDITY; the test proves nothing"
    );
    assert_eq!(
        (report.duplicates, report.stored, report.moved),
        (1, 1, 2),
        "{report:?}"
    );
    let refl = app.store.reflections().unwrap();
    assert_eq!(refl.len(), 2, "{refl:?}");
    assert_eq!(
        refl.iter()
            .filter(|r| r.prompt == Some(prompts[0].id))
            .count(),
        1
    );
}

#[tokio::test]
#[ignore = "needs the private mail servers: run bash scripts/test"]
async fn spoofed_replies_store_nothing_through_the_real_pipeline() {
    let _g = SERVERS_LOCK.read().await;
    let f = Fixture::new("rp-spoof");
    let tail =
        client_block("Acme Ltd", "") + "[ingest]\ntrusted_authserv_id = \"mx.example.test\"\n";
    let config = f.config("en", "", &tail);
    let (app, prompts) = with_prompts(&f, config).await;
    let p = &prompts[0];
    let token = token_of(p);
    let (_, domain) = f.bot_parts();
    let pid = std::process::id();
    let body = "1. 1\n2. 1\n\nTerrible, let them go.";
    let mid = |n: &str| format!("spoof-{n}-{pid}@evil.example");

    // A valid token, a stranger's From.
    let stranger = phone_reply(
        &f,
        p,
        "mallory@evil.example",
        &mid("stranger"),
        body,
        "> q",
        "",
    );
    // The owner's From, no token anywhere.
    let no_token = plain(
        &[
            format!("From: <{}>", f.owner),
            format!("To: <{}>", f.bot),
            format!("Subject: Re: {}", p.subject),
            format!("Message-ID: <{}>", mid("notoken")),
        ],
        body,
    );
    // The token only in the subject.
    let in_subject = plain(
        &[
            format!("From: <{}>", f.owner),
            format!("To: <{}>", f.bot),
            format!("Subject: Re: {} {}", p.subject, f.plus(&token)),
            format!("Message-ID: <{}>", mid("subject")),
        ],
        body,
    );
    // An altered token (last character changed) in To and In-Reply-To.
    let mut altered = token.clone();
    let last = altered.pop().unwrap();
    altered.push(if last == 'a' { 'b' } else { 'a' });
    let altered_msg = plain(
        &[
            format!("From: <{}>", f.owner),
            format!("To: <{}>", f.plus(&altered)),
            format!("Subject: Re: {}", p.subject),
            format!("Message-ID: <{}>", mid("altered")),
            format!("In-Reply-To: <olifant.{altered}@{domain}>"),
        ],
        body,
    );
    // From olifant's own address, with the valid token.
    let from_bot = phone_reply(&f, p, &f.bot, &mid("bot"), body, "> q", "");
    // A reply to the digest.
    let to_digest = plain(
        &[
            format!("From: <{}>", f.owner),
            format!("To: <{}>", f.bot),
            "Subject: Re: Your olifant digest".to_string(),
            format!("Message-ID: <{}>", mid("digest")),
            format!("In-Reply-To: <olifant-digest.1795000000@{domain}>"),
            format!("References: <olifant-digest.1795000000@{domain}>"),
        ],
        body,
    );
    // DMARC failed at the trusted server.
    let dmarc_fail = phone_reply(
        &f,
        p,
        &f.owner,
        &mid("dmarc"),
        body,
        "> q",
        "Authentication-Results: mx.example.test; spf=fail smtp.mailfrom=evil.example;\n\tdmarc=fail (p=reject) header.from=example.test\n",
    );
    // A forged pass with the trusted id below the trusted server's own fail.
    let forged_pass = phone_reply(
        &f,
        p,
        &f.owner,
        &mid("forgedpass"),
        body,
        "> q",
        "Authentication-Results: mx.example.test; dmarc=fail header.from=example.test\nAuthentication-Results: mx.example.test; dmarc=pass header.from=example.test\n",
    );
    let spoofs = [
        ("stranger", &stranger),
        ("no token", &no_token),
        ("token in subject", &in_subject),
        ("altered token", &altered_msg),
        ("from bot", &from_bot),
        ("reply to digest", &to_digest),
        ("dmarc fail", &dmarc_fail),
        ("forged pass below fail", &forged_pass),
    ];
    for (_, raw) in &spoofs {
        f.s.append(&f.bot, "INBOX", raw).await;
    }
    let report = ingest(&app).await;
    // Every spoof went through the parser (none was filtered out before it).
    assert_eq!(report.fetched, spoofs.len(), "{report:?}");
    assert_eq!((report.stored, report.merged), (0, 0), "{report:?}");
    assert!(app.store.reflections().unwrap().is_empty());
    let p_now = app.store.prompt(p.id).unwrap().unwrap();
    assert_eq!(p_now.status, PromptStatus::Open, "{p_now:?}");
    // A stranger's mail is not kept: at most a marker without the bytes.
    if let Some((_, bytes)) = app.store.raw(&mid("stranger")).unwrap() {
        assert!(bytes.is_empty(), "a stranger's message was stored");
    }
    // Nothing that claimed the valid token was filed as processed.
    let processed = if f
        .s
        .list_mailboxes(&f.bot)
        .await
        .iter()
        .any(|m| m == PROCESSED)
    {
        mid_set(&f.s.uid_fetch_all(&f.bot, PROCESSED).await)
    } else {
        Vec::new()
    };
    for n in ["stranger", "altered", "bot", "dmarc", "forgedpass"] {
        assert!(!processed.contains(&mid(n)), "{n} was moved as processed");
    }

    // Judged by the topmost trusted header: a genuine pass above a forged fail from another id.
    let genuine = phone_reply(
        &f,
        p,
        &f.owner,
        &mid("genuine"),
        "1. 4\n2. 4",
        "> q",
        "Authentication-Results: mx.example.test;\n\tdkim=pass header.d=example.test;\n\tdmarc=pass (p=reject) header.from=example.test\nAuthentication-Results: evil.example; dmarc=fail\n",
    );
    f.s.append(&f.bot, "INBOX", &genuine).await;
    let report = ingest(&app).await;
    assert_eq!(report.stored, 1, "{report:?}");
    let refl = app.store.reflections().unwrap();
    assert_eq!(refl.len(), 1);
    assert_eq!(
        refl[0].answers.get("energy").and_then(|a| a.rating),
        Some(4)
    );
}

async fn flags_by_uid(f: &Fixture, mailbox: &str) -> Vec<(u32, Vec<String>)> {
    let mut s = f.s.select(&f.bot, mailbox).await;
    let fetched: Vec<_> = s
        .uid_fetch("1:*", "(UID FLAGS)")
        .await
        .expect("UID FETCH FLAGS")
        .try_collect()
        .await
        .expect("FLAGS");
    let mut out: Vec<(u32, Vec<String>)> = fetched
        .iter()
        .filter_map(|m| {
            Some((
                m.uid?,
                // \Recent belongs to the session that first sees a message, not to it.
                m.flags()
                    .filter(|fl| !matches!(fl, async_imap::types::Flag::Recent))
                    .map(|fl| format!("{fl:?}"))
                    .collect::<Vec<_>>(),
            ))
        })
        .collect();
    out.sort();
    let _ = s.logout().await;
    out
}

#[tokio::test]
#[ignore = "needs the private mail servers: run bash scripts/test"]
async fn unrelated_and_old_mail_is_never_downloaded_moved_or_flagged() {
    let _g = SERVERS_LOCK.read().await;
    let f = Fixture::new("rp-unrel");
    let config = f.config("en", "", &client_block("Acme Ltd", ""));
    let (app, prompts) = with_prompts(&f, config).await;
    let p = &prompts[0];
    let pid = std::process::id();
    let newsletter = plain(
        &[
            "From: Shop <news@shop.example>".into(),
            "To: <list@shop.example>".into(),
            "Subject: Big sale".into(),
            format!("Message-ID: <news-{pid}@shop.example>"),
        ],
        "50% off everything.",
    );
    let personal = plain(
        &[
            format!("From: <{}>", f.owner),
            "To: <friend@elsewhere.example>".into(),
            "Cc: <someone@elsewhere.example>".into(),
            "Subject: Dinner?".into(),
            format!("Message-ID: <dinner-{pid}@mail.example>"),
        ],
        "1. 4\nSee you at 7.",
    );
    // A reply-like message to the very prompt, but older than olifant's first start.
    let old = phone_reply(
        &f,
        p,
        &f.owner,
        &format!("old-{pid}@mail.example"),
        "1. 1\n2. 1",
        "> q",
        "",
    );
    {
        let mut s = f.s.login(&f.bot).await;
        s.append("INBOX", None, None, &newsletter)
            .await
            .expect("APPEND");
        s.append("INBOX", None, None, &personal)
            .await
            .expect("APPEND");
        s.append("INBOX", None, Some("\"05-Jan-2026 10:00:00 +0000\""), &old)
            .await
            .expect("APPEND with an old date");
        let _ = s.logout().await;
    }
    let genuine_id = format!("genuine-{pid}@mail.example");
    let genuine = phone_reply(&f, p, &f.owner, &genuine_id, "1. 5\n2. 4", "> q", "");
    f.s.append(&f.bot, "INBOX", &genuine).await;
    let before = flags_by_uid(&f, "INBOX").await;
    assert_eq!(before.len(), 4);

    let report = ingest(&app).await;
    assert_eq!(
        report.fetched, 1,
        "only the genuine reply is downloaded: {report:?}"
    );
    assert_eq!((report.stored, report.moved), (1, 1), "{report:?}");
    let refl = app.store.reflections().unwrap();
    assert_eq!(refl.len(), 1);
    assert_eq!(
        refl[0].answers.get("energy").and_then(|a| a.rating),
        Some(5)
    );

    let after = flags_by_uid(&f, "INBOX").await;
    assert_eq!(
        after,
        before[..3].to_vec(),
        "the other three stay, flags unchanged"
    );
    assert!(
        after
            .iter()
            .all(|(_, fl)| !fl.iter().any(|x| x.contains("Seen"))),
        "{after:?}"
    );
    assert_eq!(
        mid_set(&f.s.uid_fetch_all(&f.bot, PROCESSED).await),
        vec![genuine_id]
    );

    // A second pass (checkpoint set) does not look at them either.
    let report = ingest(&app).await;
    assert_eq!(report.fetched, 0, "{report:?}");
    assert_eq!(flags_by_uid(&f, "INBOX").await, after);
}

#[tokio::test]
#[ignore = "needs the private mail servers: run bash scripts/test"]
async fn an_out_of_office_and_a_bounce_are_recorded_not_stored() {
    let _g = SERVERS_LOCK.read().await;
    let f = Fixture::new("rp-auto");
    let tail = client_block("Acme Ltd", "") + &client_block("Bakkerij Jansen", "");
    let config = f.config("en", "", &tail);
    let (app, prompts) = with_prompts(&f, config).await;
    let (a, b) = (&prompts[0], &prompts[1]);
    let pid = std::process::id();
    let oof = plain(
        &[
            format!("From: Sanne de Vries <{}>", f.owner),
            format!("To: <{}>", f.plus(&token_of(a))),
            format!("Subject: Automatisch antwoord: {}", a.subject),
            "Auto-Submitted: auto-replied".into(),
            format!("In-Reply-To: <{}>", a.message_id),
            format!("Message-ID: <oof-{pid}@mail.example>"),
        ],
        "Ik ben afwezig tot 1 december. 1. Voor spoed: bel 06-12345678.",
    );
    let bounce = format!(
        "From: MAILER-DAEMON@mx.example.test (Mail Delivery System)\r\n\
         To: <{bot}>\r\n\
         Subject: Undelivered Mail Returned to Sender\r\n\
         Auto-Submitted: auto-replied\r\n\
         Date: {date}\r\n\
         Message-ID: <bounce-{pid}@mx.example.test>\r\n\
         MIME-Version: 1.0\r\n\
         Content-Type: multipart/report; report-type=delivery-status; boundary=\"DSN\"\r\n\
         \r\n\
         --DSN\r\n\
         Content-Type: text/plain; charset=us-ascii\r\n\
         \r\n\
         Your message could not be delivered.\r\n\
         <{owner}>: 550 5.1.1 User unknown\r\n\
         \r\n\
         --DSN\r\n\
         Content-Type: message/delivery-status\r\n\
         \r\n\
         Reporting-MTA: dns; mx.example.test\r\n\
         \r\n\
         Final-Recipient: rfc822; {owner}\r\n\
         Action: failed\r\n\
         Status: 5.1.1\r\n\
         Diagnostic-Code: smtp; 550 5.1.1 User unknown\r\n\
         \r\n\
         --DSN\r\n\
         Content-Type: text/rfc822-headers\r\n\
         \r\n\
         From: olifant <{bot}>\r\n\
         To: {owner}\r\n\
         Subject: {subject}\r\n\
         Message-ID: <{mid}>\r\n\
         Reply-To: {plus}\r\n\
         \r\n\
         --DSN--\r\n",
        bot = f.bot,
        owner = f.owner,
        date = olifant::clock::now().to_rfc2822(),
        subject = b.subject,
        mid = b.message_id,
        plus = f.plus(&token_of(b)),
    )
    .into_bytes();
    f.s.append(&f.bot, "INBOX", &oof).await;
    f.s.append(&f.bot, "INBOX", &bounce).await;
    let since = olifant::clock::now() - chrono::Duration::minutes(1);
    let report = ingest(&app).await;
    assert_eq!((report.auto_replies, report.bounces), (1, 1), "{report:?}");
    assert_eq!((report.stored, report.merged), (0, 0), "{report:?}");
    assert!(app.store.reflections().unwrap().is_empty());
    assert_eq!(
        app.store.prompt(a.id).unwrap().unwrap().status,
        PromptStatus::Open
    );
    assert!(
        matches!(
            app.store.prompt(b.id).unwrap().unwrap().status,
            PromptStatus::Bounced { .. }
        ),
        "the bounce is recorded on its prompt"
    );
    let events = app.store.events_since(since).unwrap();
    assert!(
        events.iter().any(|e| e.kind == EventKind::AutoReplyIgnored),
        "{events:?}"
    );
    assert!(
        events.iter().any(|e| e.kind == EventKind::BounceRecorded),
        "{events:?}"
    );
    assert_eq!(f.s.uid_fetch_all(&f.bot, PROCESSED).await.len(), 2);
}

#[tokio::test]
#[ignore = "needs the private mail servers: run bash scripts/test"]
async fn an_oversized_message_is_skipped_left_on_the_server_and_reported() {
    let _g = SERVERS_LOCK.read().await;
    let f = Fixture::new("rp-big");
    let tail = client_block("Acme Ltd", "") + &client_block("Bakkerij Jansen", "");
    let config = f.config("en", "max_message_size = 2048", &tail);
    let (app, prompts) = with_prompts(&f, config).await;
    let pid = std::process::id();
    let big_body = format!("1. 2\n\n{}", "A long story about the project. ".repeat(200));
    let big_id = format!("big-{pid}@mail.example");
    let big = phone_reply(&f, &prompts[0], &f.owner, &big_id, &big_body, "> q", "");
    assert!(big.len() > 4096);
    let small = phone_reply(
        &f,
        &prompts[1],
        &f.owner,
        &format!("small-{pid}@mail.example"),
        "1. 4",
        "> q",
        "",
    );
    assert!(small.len() < 2048, "{}", small.len());
    f.s.append(&f.bot, "INBOX", &big).await;
    f.s.append(&f.bot, "INBOX", &small).await;
    let since = olifant::clock::now() - chrono::Duration::minutes(1);
    let report = ingest(&app).await;
    assert_eq!(
        (report.too_large, report.stored, report.fetched),
        (1, 1, 1),
        "{report:?}"
    );
    let refl = app.store.reflections().unwrap();
    assert_eq!(refl.len(), 1);
    assert_eq!(refl[0].prompt, Some(prompts[1].id));
    assert_eq!(
        mid_set(&f.s.uid_fetch_all(&f.bot, "INBOX").await),
        vec![big_id]
    );
    let events = app.store.events_since(since).unwrap();
    assert!(
        events
            .iter()
            .any(|e| e.kind == EventKind::Ignored && e.detail.contains("max_message_size")),
        "{events:?}"
    );
}

#[tokio::test]
#[ignore = "needs the private mail servers: run bash scripts/test"]
async fn a_pause_command_by_mail_sets_the_pause_and_is_confirmed() {
    let _g = SERVERS_LOCK.read().await;
    let f = Fixture::new("rp-pause");
    let config = f.config("en", "", &client_block("Acme Ltd", ""));
    let app = f.open(config, olifant::clock::now());
    let cmd_id = format!("pause-{}@mail.example", std::process::id());
    let raw = plain(
        &[
            format!("From: Sanne de Vries <{}>", f.owner),
            format!("To: <{}>", f.bot),
            "Subject: pause".into(),
            format!("Message-ID: <{cmd_id}>"),
        ],
        "pause 2w\n\nVerstuurd vanaf mijn iPhone",
    );
    f.s.send_raw_smtp(&f.owner, &[&f.bot], &raw)
        .await
        .expect("SMTP");
    f.s.wait_for_messages(&f.bot, "INBOX", 1, DELIVERY).await;
    let report = ingest(&app).await;
    assert_eq!((report.commands, report.moved), (1, 1), "{report:?}");
    let today = olifant::clock::now()
        .with_timezone(&chrono_tz::Europe::Amsterdam)
        .date_naive();
    let until = today + chrono::Duration::days(14);
    assert_eq!(app.store.meta().unwrap().paused_until, Some(until));

    let confirmation = wait_for_answer(&f, &cmd_id).await;
    let m = parse(&confirmation);
    let text = m.body_text(0).expect("text").into_owned();
    assert!(text.contains(&until.to_string()), "{text}");
    assert!(
        m.subject().unwrap().starts_with("Re: pause"),
        "{:?}",
        m.subject()
    );

    // The pause holds: a due client is skipped.
    let plan = olifant::prompt::run::plan_prompts(&app, olifant::clock::now()).unwrap();
    assert!(plan.to_send.is_empty(), "{plan:?}");
    assert!(
        plan.skipped
            .iter()
            .any(|(_, r)| matches!(r, olifant::schedule::SkipReason::GloballyPaused { .. })),
        "{plan:?}"
    );
}

#[tokio::test]
#[ignore = "needs the private mail servers: run bash scripts/test"]
async fn a_digest_command_handled_before_a_crash_is_answered_once_and_never_twice() {
    let _g = SERVERS_LOCK.read().await;
    let f = Fixture::new("rp-cmdcrash");
    let config = f.config("en", "", &client_block("Acme Ltd", ""));
    let cmd_id = format!("digest-cmd-{}@mail.example", std::process::id());
    let raw = plain(
        &[
            format!("From: Sanne de Vries <{}>", f.owner),
            format!("To: <{}>", f.bot),
            "Subject: digest please".into(),
            format!("Message-ID: <{cmd_id}>"),
        ],
        "digest",
    );
    f.s.append(&f.bot, "INBOX", &raw).await;
    {
        // Handled and flushed, then a crash before the move and the confirmation.
        let app = f.open(config.clone(), olifant::clock::now());
        let olifant::ingest::plan::Outcome {
            handled, followup, ..
        } = olifant::ingest::pipeline::handle_message(
            &app,
            &raw,
            "INBOX:crash:1",
            olifant::clock::now(),
        )
        .expect("handle");
        assert!(matches!(handled, Handled::Command(_)), "{handled:?}");
        assert!(followup.is_some());
        app.store.flush().unwrap();
    }
    let app = f.open(config, olifant::clock::now());
    let report = ingest(&app).await;
    assert_eq!((report.duplicates, report.moved), (1, 1), "{report:?}");
    wait_for_answer(&f, &cmd_id).await;
    // The digest and the confirmation, nothing more, even when the command shows up again.
    let msgs = f.s.wait_for_messages(&f.owner, "INBOX", 2, DELIVERY).await;
    assert_eq!(msgs.len(), 2, "{:?}", mid_set(&msgs));
    f.s.append(&f.bot, "INBOX", &raw).await;
    let report = ingest(&app).await;
    assert_eq!(report.duplicates, 1, "{report:?}");
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let msgs = f.s.uid_fetch_all(&f.owner, "INBOX").await;
    assert_eq!(msgs.len(), 2, "{:?}", mid_set(&msgs));
}

#[tokio::test]
#[ignore = "needs the private mail servers: run bash scripts/test"]
async fn with_plain_reply_to_a_reply_is_matched_by_in_reply_to_alone() {
    let _g = SERVERS_LOCK.read().await;
    let f = Fixture::new("rp-plain");
    let text = f
        .config_text("en", "", &client_block("Acme Ltd", ""))
        .replace("[bot]\n", "[bot]\nreply_style = \"plain\"\n");
    let config = olifant::config::parse_str(&text, "e2e.toml").expect("config");
    let (app, prompts) = with_prompts(&f, config).await;
    let p = &prompts[0];
    let prompt_raw = f.s.uid_fetch_all(&f.owner, "INBOX").await.remove(0).1;
    assert_eq!(
        support::reply_to(&parse(&prompt_raw)).as_deref(),
        Some(f.bot.as_str()),
        "plain style replies to the bare address"
    );
    let id = format!("plain-{}@mail.example", std::process::id());
    let raw = plain(
        &[
            format!("From: Sanne de Vries <{}>", f.owner),
            format!("To: olifant <{}>", f.bot),
            format!("Subject: Re: {}", p.subject),
            format!("Message-ID: <{id}>"),
            format!("In-Reply-To: <{}>", p.message_id),
        ],
        "1. 3\n2. 4\n\nOkay month.",
    );
    f.s.send_raw_smtp(&f.owner, &[&f.bot], &raw)
        .await
        .expect("SMTP");
    f.s.wait_for_messages(&f.bot, "INBOX", 1, DELIVERY).await;
    let report = ingest(&app).await;
    assert_eq!(report.stored, 1, "{report:?}");
    let refl = app.store.reflections().unwrap();
    assert_eq!(refl[0].prompt, Some(p.id));
    assert_eq!(
        refl[0].answers.get("payment").and_then(|a| a.rating),
        Some(4)
    );
    wait_for_answer(&f, &id).await;
}

#[tokio::test]
#[ignore = "needs the private mail servers: run bash scripts/test"]
async fn olifants_own_mail_stays_put_with_an_ignored_folder_even_when_seen_again() {
    let _g = SERVERS_LOCK.read().await;
    let f = Fixture::new("rp-own");
    let config = f.config(
        "en",
        "ignored_mailbox = \"olifant/ignored\"",
        &client_block("Acme Ltd", ""),
    );
    let (app, prompts) = with_prompts(&f, config.clone()).await;
    let p = &prompts[0];
    let own_id = format!("own-{}@mail.example", std::process::id());
    let own = phone_reply(&f, p, &f.bot, &own_id, "1. 1", "> q", "");
    let stranger_id = format!("stranger-{}@mail.example", std::process::id());
    let stranger = phone_reply(
        &f,
        p,
        "mallory@evil.example",
        &stranger_id,
        "1. 1",
        "> q",
        "",
    );
    f.s.append(&f.bot, "INBOX", &own).await;
    f.s.append(&f.bot, "INBOX", &stranger).await;
    // Handled and flushed, then a crash before the moves.
    for raw in [&own, &stranger] {
        olifant::ingest::pipeline::handle_message(
            &app,
            raw,
            "INBOX:crash:1",
            olifant::clock::now(),
        )
        .expect("handle");
    }
    app.store.flush().unwrap();
    drop(app);
    let app = f.open(config, olifant::clock::now());
    let report = ingest(&app).await;
    assert_eq!(report.duplicates, 2, "{report:?}");
    assert_eq!(
        mid_set(&f.s.uid_fetch_all(&f.bot, "INBOX").await),
        vec![own_id]
    );
    assert_eq!(
        mid_set(&f.s.uid_fetch_all(&f.bot, "olifant/ignored").await),
        vec![stranger_id]
    );
    assert!(app.store.reflections().unwrap().is_empty());
}

#[tokio::test]
#[ignore = "needs the private mail servers: run bash scripts/test"]
async fn an_imap_outage_fails_the_pass_and_the_next_pass_stores_the_reply_once() {
    let _g = SERVERS_LOCK.write().await;
    let f = Fixture::new("rp-imapdown");
    let config = f.config("en", "", &client_block("Acme Ltd", ""));
    let (app, prompts) = with_prompts(&f, config).await;
    let id = format!("down-{}@mail.example", std::process::id());
    let raw = phone_reply(&f, &prompts[0], &f.owner, &id, "1. 4", "> q", "");
    f.s.append(&f.bot, "INBOX", &raw).await;

    let s = f.s.clone();
    tokio::task::spawn_blocking(move || s.ctl("stop-dovecot"))
        .await
        .unwrap();
    let failed = olifant::ingest::pipeline::ingest_once(&app, &olifant::clock::now).await;
    let s = f.s.clone();
    tokio::task::spawn_blocking(move || s.ctl("start-dovecot"))
        .await
        .unwrap();
    assert!(failed.is_err(), "a pass without IMAP must fail: {failed:?}");
    assert!(app.store.reflections().unwrap().is_empty());

    let report = ingest(&app).await;
    assert_eq!((report.stored, report.moved), (1, 1), "{report:?}");
    let report = ingest(&app).await;
    assert_eq!(report.fetched, 0, "{report:?}");
    assert_eq!(app.store.reflections().unwrap().len(), 1);
    wait_for_answer(&f, &id).await;
}
