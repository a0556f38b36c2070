//! The mail edges against the real private Dovecot + Postfix started by `scripts/test`
//! (`scripts/mailservers`). Without those servers these tests fail loudly: they never skip.

use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use chrono::TimeZone;
use olifant::ingest::imap::{self, ImapSession, ImapSettings, ImapSource};
use olifant::ingest::maildir::MaildirSource;
use olifant::ingest::source::{
    MailSession, MailSource, MessageRef, Query, SourceError, WaitOutcome,
};
use olifant::send::compose::{compose, Email};
use olifant::send::file::FileSender;
use olifant::send::smtp::{self, SmtpSender, SmtpSettings};
use olifant::send::{MailSender, OutgoingMessage, Security, SendError};

use crate::support::{contains, unique_user, Servers, SERVERS_LOCK};

/// The private servers for one test, which holds the shared [`SERVERS_LOCK`] throughout: the
/// tests that stop or restart the servers take the write lock.
struct Env {
    s: Servers,
    _shared: tokio::sync::RwLockReadGuard<'static, ()>,
}

async fn env() -> Env {
    let s = Servers::get();
    Env {
        s,
        _shared: SERVERS_LOCK.read().await,
    }
}

impl Env {
    fn user(&self, prefix: &str) -> String {
        unique_user(&format!("sr-{prefix}"))
    }

    fn smtp(&self, security: Security, user: &str) -> SmtpSettings {
        let port = match security {
            Security::None => self.s.smtp_port,
            Security::StartTls => self.s.submission_port,
            Security::Tls => self.s.smtps_port,
        };
        let mut s = SmtpSettings::new(self.s.host.clone(), port, security);
        s.username = Some(user.to_string());
        s.password = Some(self.s.password.clone());
        s.ca_file = Some(self.s.ca_file.clone());
        s.connect_timeout = Duration::from_secs(10);
        s.send_timeout = Duration::from_secs(30);
        s
    }

    fn imap(&self, security: Security, user: &str) -> ImapSettings {
        let port = match security {
            Security::None | Security::StartTls => self.s.imap_port,
            Security::Tls => self.s.imaps_port,
        };
        let mut s = ImapSettings::new(
            self.s.host.clone(),
            port,
            security,
            user,
            self.s.password.clone(),
        );
        s.ca_file = Some(self.s.ca_file.clone());
        s.connect_timeout = Duration::from_secs(10);
        s.command_timeout = Duration::from_secs(10);
        s.poll_interval = Duration::from_millis(200);
        s
    }

    async fn open(&self, security: Security, user: &str) -> ImapSession {
        ImapSource::new(self.imap(security, user))
            .expect("valid settings")
            .open()
            .await
            .unwrap_or_else(|e| panic!("IMAP open as {user} ({security:?}): {e}"))
    }
}

static COUNTER: AtomicU32 = AtomicU32::new(0);

fn message(from: &str, to: &str, subject: &str, text: &str) -> OutgoingMessage {
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let id = format!("sr{n}.{}@example.test", std::process::id());
    let email = Email {
        from: (Some("Café \"De Olifant\" & Zn.".into()), from.into()),
        to: vec![(None, to.into())],
        reply_to: None,
        subject: subject.into(),
        message_id: id.clone(),
        in_reply_to: None,
        references: vec![],
        date: chrono::Utc
            .with_ymd_and_hms(2026, 3, 2, 8, 0, 0)
            .single()
            .expect("valid date"),
        extra_headers: vec![("Auto-Submitted".into(), "auto-generated".into())],
        text: text.into(),
        html: None,
        inline_images: vec![],
    };
    OutgoingMessage {
        envelope_from: from.into(),
        recipients: vec![to.into()],
        message_id: id,
        raw: compose(&email).expect("compose"),
    }
}

/// Poll the session until `n` messages match `q` (deliveries take a few ms; allow 10 s).
async fn wait_for(s: &mut ImapSession, q: &Query, n: usize) -> Vec<MessageRef> {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let found = s.search(q).await.expect("search");
        if found.len() >= n || Instant::now() > deadline {
            assert_eq!(found.len(), n, "expected {n} messages for {q:?}");
            return found;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
#[ignore = "needs the private mail servers: run bash scripts/test"]
async fn smtp_in_every_security_mode_delivers_and_imap_in_every_mode_reads_it_back() {
    let e = env().await;
    let user = e.user("modes");
    for (security, tag) in [
        (Security::None, "plain"),
        (Security::StartTls, "starttls"),
        (Security::Tls, "implicit"),
    ] {
        let sender = SmtpSender::new(e.smtp(security, &user)).expect("settings");
        // A lone "." line must be dot-stuffed on the wire, not end the message early.
        let text = format!("mode {tag}\r\n.\r\nafter the dot line {tag}\r\n");
        let receipt = sender
            .send(&message(&user, &user, &format!("mode {tag}"), &text))
            .await
            .unwrap_or_else(|err| panic!("send with {security:?}: {err}"));
        assert!(receipt.detail.starts_with("250"), "{}", receipt.detail);
    }
    for security in [Security::None, Security::StartTls, Security::Tls] {
        let mut s = e.open(security, &user).await;
        assert!(s.info().uid_validity > 0);
        let ids = wait_for(&mut s, &Query::Subject("mode ".into()), 3).await;
        let bodies = s.fetch(&ids).await.expect("fetch");
        assert_eq!(bodies.len(), 3);
        for tag in ["plain", "starttls", "implicit"] {
            let b = bodies
                .iter()
                .find(|f| contains(&f.raw, &format!("Subject: mode {tag}")))
                .unwrap_or_else(|| panic!("message sent with {tag} not found via {security:?}"));
            assert!(
                contains(&b.raw, &format!("after the dot line {tag}")),
                "body cut short at the dot line"
            );
            let parsed = mail_parser::MessageParser::default()
                .parse(&b.raw)
                .expect("parse");
            let from = parsed.from().and_then(|a| a.first()).expect("from");
            assert_eq!(from.name(), Some("Café \"De Olifant\" & Zn."));
        }
        s.logout().await.expect("logout");
    }
}

#[tokio::test]
#[ignore = "needs the private mail servers: run bash scripts/test"]
async fn smtp_wrong_password_is_permanent_with_server_text_and_no_password() {
    let e = env().await;
    let user = e.user("badpw");
    let wrong = "wrong-Pa55word-xyz";
    for security in [Security::StartTls, Security::Tls] {
        let mut settings = e.smtp(security, &user);
        settings.password = Some(wrong.into());
        let err = SmtpSender::new(settings)
            .expect("settings")
            .send(&message(&user, &user, "x", "x"))
            .await
            .expect_err("a wrong password must fail");
        let text = err.to_string();
        assert!(
            matches!(&err, SendError::Auth(t) if t.contains("535")),
            "{security:?}: {err:?}"
        );
        assert!(!text.contains(wrong), "password leaked: {text}");
        assert!(
            text.to_lowercase().contains("auth"),
            "server text missing: {text}"
        );
    }
}

#[tokio::test]
#[ignore = "needs the private mail servers: run bash scripts/test"]
async fn imap_wrong_password_is_an_auth_error_without_the_password() {
    let e = env().await;
    let user = e.user("badpw-imap");
    let wrong = "wrong-Pa55word-imap";
    let mut settings = e.imap(Security::Tls, &user);
    settings.password = wrong.into();
    let err = ImapSource::new(settings)
        .expect("settings")
        .open()
        .await
        .expect_err("must fail");
    assert!(matches!(err, SourceError::Auth(_)), "{err:?}");
    let text = err.to_string();
    assert!(!text.contains(wrong), "password leaked: {text}");
    assert!(text.contains("app password"), "no hint: {text}");
}

#[tokio::test]
#[ignore = "needs the private mail servers: run bash scripts/test"]
async fn tls_to_a_server_signed_by_an_unknown_ca_is_refused() {
    let e = env().await;
    let user = e.user("noca");
    for security in [Security::Tls, Security::StartTls] {
        let mut s = e.smtp(security, &user);
        s.ca_file = None;
        let err = SmtpSender::new(s)
            .expect("settings")
            .send(&message(&user, &user, "x", "x"))
            .await
            .expect_err("an untrusted certificate must never be accepted");
        assert!(
            matches!(err, SendError::Tls(_)),
            "SMTP {security:?}: {err:?}"
        );
        assert!(err.to_string().contains("ca_file"), "{err}");

        let mut s = e.imap(security, &user);
        s.ca_file = None;
        let err = ImapSource::new(s)
            .expect("settings")
            .open()
            .await
            .expect_err("untrusted");
        assert!(
            matches!(err, SourceError::Tls(_)),
            "IMAP {security:?}: {err:?}"
        );
        assert!(
            err.to_string().contains("UnknownIssuer") || err.to_string().contains("certificate"),
            "{err}"
        );
    }
}

#[tokio::test]
#[ignore = "needs the private mail servers: run bash scripts/test"]
async fn security_none_is_refused_for_a_non_loopback_host() {
    let e = env().await;
    let mut s = e.smtp(Security::None, "x@example.test");
    s.host = "mail.example.test".into();
    assert!(matches!(SmtpSender::new(s), Err(SendError::Config(_))));
    let mut s = e.imap(Security::None, "x@example.test");
    s.host = "mail.example.test".into();
    assert!(matches!(ImapSource::new(s), Err(SourceError::Config(_))));
}

/// A server that accepts TCP and then never says a word (lettre#1027 hung here forever).
async fn silent_listener() -> (u16, tokio::task::JoinHandle<()>) {
    let l = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let port = l.local_addr().expect("addr").port();
    let h = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((sock, _)) = l.accept().await {
            held.push(sock);
        }
    });
    (port, h)
}

#[tokio::test]
#[ignore = "needs the private mail servers: run bash scripts/test"]
async fn a_server_that_never_greets_times_out_within_the_configured_bound() {
    let _ = env().await;
    let (port, h) = silent_listener().await;
    let mut s = SmtpSettings::new("127.0.0.1", port, Security::None);
    s.connect_timeout = Duration::from_secs(1);
    s.send_timeout = Duration::from_secs(3);
    let started = Instant::now();
    let r = tokio::time::timeout(
        Duration::from_secs(20),
        SmtpSender::new(s).expect("settings").send(&message(
            "a@example.test",
            "b@example.test",
            "x",
            "x",
        )),
    )
    .await
    .expect("the sender's own timeout must fire, not the test's");
    let err = r.expect_err("no greeting");
    assert!(
        err.is_transient(),
        "before DATA it is safe to retry: {err:?}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "took {:?}",
        started.elapsed()
    );

    let mut s = ImapSettings::new("127.0.0.1", port, Security::None, "u", "p");
    s.connect_timeout = Duration::from_secs(1);
    s.command_timeout = Duration::from_secs(1);
    let started = Instant::now();
    let r = tokio::time::timeout(
        Duration::from_secs(20),
        ImapSource::new(s).expect("settings").open(),
    )
    .await
    .expect("the source's own timeout must fire, not the test's");
    assert!(matches!(r, Err(SourceError::Timeout { .. })), "{r:?}");
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "took {:?}",
        started.elapsed()
    );
    h.abort();
}

#[tokio::test]
#[ignore = "needs the private mail servers: run bash scripts/test"]
async fn file_sender_output_is_read_back_by_the_maildir_source() {
    let _ = env().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let sender = FileSender::new(dir.path().join("outbox"));
    let m1 = message("a@example.test", "olifant+t1@example.test", "first", "one");
    let m2 = message("a@example.test", "b@example.test", "second", "two");
    sender.send(&m1).await.expect("send 1");
    sender.send(&m2).await.expect("send 2");
    let src = MaildirSource::new(dir.path().join("outbox"), Duration::from_millis(50));
    let mut s = src.connect().await.expect("open");
    let listed = s.list(&Query::All).await.expect("list");
    assert_eq!(listed.len(), 2);
    let ids: Vec<_> = listed.iter().map(|l| l.id.clone()).collect();
    let mut raws: Vec<_> = s
        .fetch(&ids)
        .await
        .expect("fetch")
        .into_iter()
        .map(|f| f.raw)
        .collect();
    raws.sort();
    let mut expected = vec![m1.raw.clone(), m2.raw.clone()];
    expected.sort();
    assert_eq!(raws, expected);
    let mine = s
        .search(&Query::To("olifant+".into()))
        .await
        .expect("search");
    assert_eq!(mine.len(), 1);
    s.move_to(&mine, "olifant/processed").await.expect("move");
    assert_eq!(s.list(&Query::All).await.expect("list").len(), 1);
    let processed = MaildirSource::new(
        dir.path().join("outbox/.olifant.processed"),
        Duration::from_millis(50),
    );
    let mut p = processed.connect().await.expect("open processed");
    let moved = p.fetch(&mine).await.expect("fetch moved");
    assert_eq!(moved.len(), 1);
    assert_eq!(moved[0].raw, m1.raw);
}

async fn move_test(copy_expunge: bool) {
    let e = env().await;
    let user = e.user(if copy_expunge { "move-uidplus" } else { "move" });
    let sender = SmtpSender::new(e.smtp(Security::None, &user)).expect("settings");
    let (local, domain) = user.split_once('@').expect("address");
    let plus = format!("{local}+tok1@{domain}");
    sender
        .send(&message(&user, &plus, "reply", "for olifant"))
        .await
        .expect("send 1");
    sender
        .send(&message(&user, &user, "other", "not for olifant"))
        .await
        .expect("send 2");
    let mut s = e.open(Security::None, &user).await;
    if copy_expunge {
        s.prefer_copy_expunge();
    }
    wait_for(&mut s, &Query::All, 2).await;
    let folder = "olifant/processed";
    let mine = s
        .search(&Query::And(vec![
            Query::UidFrom(1),
            Query::To(format!("{local}+")),
        ]))
        .await
        .expect("search");
    assert_eq!(mine.len(), 1, "only the plus-addressed message matches");
    s.move_to(&mine, folder)
        .await
        .expect("move (folder created when missing)");
    let left = s.list(&Query::All).await.expect("list");
    assert_eq!(left.len(), 1, "exactly one message left in INBOX: {left:?}");
    assert_ne!(left[0].id, mine[0]);
    s.logout().await.expect("logout");

    let mut settings = e.imap(Security::None, &user);
    settings.mailbox = folder.into();
    let mut p = ImapSource::new(settings)
        .expect("settings")
        .open()
        .await
        .expect("open processed");
    let ids = p.search(&Query::All).await.expect("search processed");
    assert_eq!(ids.len(), 1);
    let raw = p.fetch(&ids).await.expect("fetch");
    assert!(contains(&raw[0].raw, "for olifant"));
}

#[tokio::test]
#[ignore = "needs the private mail servers: run bash scripts/test"]
async fn move_to_processed_creates_the_folder_and_the_message_leaves_inbox() {
    move_test(false).await;
}

#[tokio::test]
#[ignore = "needs the private mail servers: run bash scripts/test"]
async fn move_without_move_uses_uid_expunge_of_exactly_those_uids() {
    move_test(true).await;
}

#[tokio::test]
#[ignore = "needs the private mail servers: run bash scripts/test"]
async fn fetching_with_body_peek_leaves_seen_unset() {
    let e = env().await;
    let user = e.user("peek");
    let mut s = e.open(Security::None, &user).await;
    s.append("INBOX", &message(&user, &user, "peek", "body").raw)
        .await
        .expect("append");
    let listed = s.list(&Query::All).await.expect("list");
    assert_eq!(listed.len(), 1);
    assert!(!listed[0].seen);
    let ids: Vec<_> = listed.iter().map(|l| l.id.clone()).collect();
    assert_eq!(s.fetch(&ids).await.expect("fetch").len(), 1);
    s.logout().await.expect("logout");
    let mut s = e.open(Security::None, &user).await;
    let listed = s.list(&Query::All).await.expect("list");
    assert!(!listed[0].seen, "fetch must not set \\Seen");
    assert_eq!(s.search(&Query::Unseen).await.expect("search").len(), 1);
}

#[tokio::test]
#[ignore = "needs the private mail servers: run bash scripts/test"]
async fn idle_sees_a_delivery() {
    let e = env().await;
    let user = e.user("idle");
    let mut s = e.open(Security::Tls, &user).await;
    assert!(s.info().idle, "Dovecot offers IDLE");
    let settings = e.smtp(Security::None, &user);
    let to = user.clone();
    let delivery = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(300)).await;
        SmtpSender::new(settings)
            .expect("settings")
            .send(&message(&to, &to, "idle", "ping"))
            .await
    });
    // Dovecot pushes EXISTS ~0.5 s after delivery; 10 s is far more than needed.
    let outcome = s.wait(Duration::from_secs(10)).await.expect("wait");
    delivery.await.expect("join").expect("send");
    assert_eq!(outcome, WaitOutcome::NewMail);
    assert!(!s.is_broken(), "the session is reusable after IDLE");
    assert_eq!(s.list(&Query::All).await.expect("list after idle").len(), 1);
    // Nothing more arrives: the wait times out and the session stays usable.
    assert_eq!(
        s.wait(Duration::from_secs(1)).await.expect("wait"),
        WaitOutcome::Timeout
    );
    assert_eq!(s.search(&Query::All).await.expect("search").len(), 1);
}

#[tokio::test]
#[ignore = "needs the private mail servers: run bash scripts/test"]
async fn size_listing_lets_an_oversized_message_be_skipped_without_download() {
    let e = env().await;
    let user = e.user("size");
    let mut s = e.open(Security::None, &user).await;
    let small = message(&user, &user, "small", "tiny");
    let big = message(&user, &user, "big", &"0123456789abcdef\r\n".repeat(20_000));
    s.append("INBOX", &small.raw).await.expect("append small");
    s.append("INBOX", &big.raw).await.expect("append big");
    let limit = 100 * 1024;
    let listed = s.list(&Query::All).await.expect("list");
    assert_eq!(listed.len(), 2);
    let (keep, skip): (Vec<_>, Vec<_>) = listed.into_iter().partition(|l| l.size <= limit);
    assert_eq!(skip.len(), 1, "the big one is over the limit");
    assert_eq!(skip[0].size, big.raw.len() as u64);
    let ids: Vec<_> = keep.iter().map(|l| l.id.clone()).collect();
    let fetched = s.fetch(&ids).await.expect("fetch");
    assert_eq!(fetched.len(), 1);
    assert_eq!(fetched[0].raw, small.raw);
}

#[tokio::test]
#[ignore = "needs the private mail servers: run bash scripts/test"]
async fn check_passes_every_step_and_a_wrong_password_gets_a_hint() {
    let e = env().await;
    let user = e.user("check");
    for security in [Security::None, Security::StartTls, Security::Tls] {
        let steps = smtp::check(&e.smtp(security, &user)).await;
        assert!(
            steps.len() >= 3 && steps.iter().all(|s| s.ok),
            "SMTP {security:?}: {steps:#?}"
        );
        let steps = imap::check(&e.imap(security, &user)).await;
        assert_eq!(
            steps
                .iter()
                .map(|s| s.name.as_str())
                .collect::<Vec<_>>()
                .last(),
            Some(&"select")
        );
        assert!(steps.iter().all(|s| s.ok), "IMAP {security:?}: {steps:#?}");
    }
    let mut bad = e.smtp(Security::StartTls, &user);
    bad.password = Some("nope-wrong-1".into());
    let steps = smtp::check(&bad).await;
    let last = steps.last().expect("steps");
    assert_eq!(last.name, "auth");
    assert!(!last.ok);
    assert!(
        last.hint.as_deref().unwrap_or("").contains("app password"),
        "{last:?}"
    );
    assert!(!format!("{steps:?}").contains("nope-wrong-1"));

    let mut bad = e.imap(Security::Tls, &user);
    bad.password = "nope-wrong-2".into();
    let steps = imap::check(&bad).await;
    let last = steps.last().expect("steps");
    assert_eq!((last.name.as_str(), last.ok), ("login", false));
    assert!(
        last.hint.as_deref().unwrap_or("").contains("app password"),
        "{last:?}"
    );
    assert!(!format!("{steps:?}").contains("nope-wrong-2"));

    let mut bad = e.imap(Security::None, &user);
    bad.mailbox = "NoSuchBox".into();
    let steps = imap::check(&bad).await;
    let last = steps.last().expect("steps");
    assert_eq!((last.name.as_str(), last.ok), ("select", false));
    assert!(
        last.hint.as_deref().unwrap_or("").contains("INBOX"),
        "{last:?}"
    );
}

/// Regression for the async-imap IDLE quirk (FACTS.md): a server-side disconnect shows up as
/// BYE, then a "manual interrupt"; it must come out as Reconnect, never as NewMail/Timeout.
#[tokio::test]
#[ignore = "needs the private mail servers: run bash scripts/test"]
async fn a_server_disconnect_during_idle_asks_for_a_reconnect() {
    let e = env().await;
    let user = e.user("kick");
    let mut s = e.open(Security::None, &user).await;
    let state = e.s.state_dir.clone();
    let who = user.clone();
    let kicker = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(500)).await;
        // Kick only this test's user, so parallel tests keep their sessions.
        tokio::process::Command::new("doveadm")
            .arg("-c")
            .arg(state.join("dovecot.conf"))
            .args(["kick", &who])
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status()
            .await
    });
    let outcome = s.wait(Duration::from_secs(20)).await.expect("wait");
    let status = kicker.await.expect("join").expect("run doveadm");
    assert!(status.success(), "doveadm kick failed: {status}");
    assert_eq!(outcome, WaitOutcome::Reconnect);
    assert!(s.is_broken());
    // A fresh session works.
    let mut again = e.open(Security::None, &user).await;
    assert!(again.search(&Query::All).await.expect("search").is_empty());
}
