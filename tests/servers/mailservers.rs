//! Proves the test harness against the real private Dovecot + Postfix: delivery, every IMAP
//! transport, plus-addressing, APPEND, IDLE, authentication, relay refusal and restarts.
//! Run through `scripts/test --test servers mailservers::`.

use std::time::Duration;

use async_imap::extensions::idle::IdleResponse;
use async_imap::imap_proto::{MailboxDatum, Response};

use crate::support::{contains, simple_message, unique_user, Security, Servers, SERVERS_LOCK};

const WAIT: Duration = Duration::from_secs(10);

#[tokio::test]
#[ignore = "needs the private mail servers: run bash scripts/test"]
async fn smtp_delivery_is_readable_over_plain_imaps_and_starttls() {
    let _g = SERVERS_LOCK.read().await;
    let s = Servers::get();
    let user = unique_user("deliver");
    let subject = format!("hello {user}");
    s.send_raw_smtp(
        "sender@example.test",
        &[&user],
        &simple_message("sender@example.test", &user, &subject, "first body"),
    )
    .await
    .expect("plain SMTP accepts mail for example.test from loopback");

    let msgs = s.wait_for_messages(&user, "INBOX", 1, WAIT).await;
    assert_eq!(msgs.len(), 1, "exactly one delivery");
    assert!(contains(&msgs[0].1, &subject), "subject survives delivery");
    assert!(contains(&msgs[0].1, "first body"));

    for security in [Security::Plain, Security::Implicit, Security::StartTls] {
        let seen = s.uid_fetch_all_with(security, &user, "INBOX").await;
        assert_eq!(seen, msgs, "{security:?} sees the same message and UID");
    }
}

#[tokio::test]
#[ignore = "needs the private mail servers: run bash scripts/test"]
async fn plus_address_lands_in_the_base_users_inbox() {
    let _g = SERVERS_LOCK.read().await;
    let s = Servers::get();
    let user = unique_user("plus");
    let (local, domain) = user.split_once('@').expect("address has a domain");
    let plus = format!("{local}+tok123@{domain}");
    s.send_raw_smtp(
        "sender@example.test",
        &[&plus],
        &simple_message("sender@example.test", &plus, "plus addressed", "reply body"),
    )
    .await
    .expect("plus-address accepted");

    let msgs = s.wait_for_messages(&user, "INBOX", 1, WAIT).await;
    assert_eq!(msgs.len(), 1);
    assert!(contains(&msgs[0].1, &plus), "To header keeps the +token");
    let boxes = s.list_mailboxes(&user).await;
    assert_eq!(
        boxes,
        vec!["INBOX".to_owned()],
        "no detail mailbox is created"
    );
}

#[tokio::test]
#[ignore = "needs the private mail servers: run bash scripts/test"]
async fn append_stores_the_exact_bytes_in_a_new_mailbox() {
    let _g = SERVERS_LOCK.read().await;
    let s = Servers::get();
    let user = unique_user("append");
    let raw = simple_message(&user, &user, "appended", "kept verbatim");
    s.append(&user, "Olifant/Processed", &raw).await;
    s.append(&user, "INBOX", &raw).await;

    let boxes = s.list_mailboxes(&user).await;
    assert!(boxes.iter().any(|b| b == "Olifant/Processed"), "{boxes:?}");
    let got = s.uid_fetch_all(&user, "Olifant/Processed").await;
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].1, raw, "APPEND then FETCH returns the same bytes");
    assert_eq!(s.uid_fetch_all(&user, "INBOX").await.len(), 1);
}

#[tokio::test]
#[ignore = "needs the private mail servers: run bash scripts/test"]
async fn idle_session_sees_a_new_delivery() {
    let _g = SERVERS_LOCK.read().await;
    let s = Servers::get();
    let user = unique_user("idle");
    let session = s.select(&user, "INBOX").await;
    let mut idle = session.idle();
    idle.init().await.expect("IDLE accepted");

    let sender = s.clone();
    let to = user.clone();
    let send = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(200)).await;
        sender
            .send_raw_smtp(
                "sender@example.test",
                &[&to],
                &simple_message("sender@example.test", &to, "wake up", "idle body"),
            )
            .await
    });

    let (wait, _stop) = idle.wait_with_timeout(Duration::from_secs(15));
    let resp = wait.await.expect("IDLE wait");
    match resp {
        IdleResponse::NewData(data) => match data.parsed() {
            Response::MailboxData(MailboxDatum::Exists(n)) => assert_eq!(*n, 1),
            other => panic!("expected EXISTS during IDLE, got {other:?}"),
        },
        other => panic!("expected new data during IDLE, got {other:?}"),
    }
    send.await.expect("sender task").expect("delivery accepted");
    let mut session = idle.done().await.expect("DONE ends IDLE");
    session.logout().await.expect("logout");
}

#[tokio::test]
#[ignore = "needs the private mail servers: run bash scripts/test"]
async fn wrong_password_is_refused_on_every_transport() {
    let _g = SERVERS_LOCK.read().await;
    let s = Servers::get();
    let user = unique_user("badpw");
    for security in [Security::Plain, Security::Implicit, Security::StartTls] {
        let r = s.try_login(security, &user, "not-the-password").await;
        assert!(r.is_err(), "{security:?}: wrong password must be refused");
        // And the right one works on the same transport.
        s.try_login(security, &user, &s.password)
            .await
            .unwrap_or_else(|e| panic!("{security:?}: right password refused: {e}"));
    }
}

#[tokio::test]
#[ignore = "needs the private mail servers: run bash scripts/test"]
async fn relay_to_an_outside_domain_is_refused() {
    let _g = SERVERS_LOCK.read().await;
    let s = Servers::get();
    let err = s
        .send_raw_smtp(
            "sender@example.test",
            &["someone@example.com"],
            &simple_message("sender@example.test", "someone@example.com", "x", "y"),
        )
        .await
        .expect_err("relaying off the machine must be refused");
    assert!(err.is_permanent(), "refused permanently at RCPT: {err}");

    // Authenticated senders cannot relay either.
    let user = unique_user("relay");
    let err = s
        .send_authenticated(
            &user,
            &s.password,
            false,
            &user,
            &["someone@example.com"],
            &simple_message(&user, "someone@example.com", "x", "y"),
        )
        .await
        .expect_err("authenticated relaying off the machine must be refused");
    assert!(err.is_permanent(), "{err}");
}

#[tokio::test]
#[ignore = "needs the private mail servers: run bash scripts/test"]
async fn submission_and_smtps_deliver_for_authenticated_users_only() {
    let _g = SERVERS_LOCK.read().await;
    let s = Servers::get();
    let sender = unique_user("sub-sender");
    let owner = unique_user("sub-owner");
    for implicit in [false, true] {
        let subject = format!("authenticated implicit={implicit}");
        s.send_authenticated(
            &sender,
            &s.password,
            implicit,
            &sender,
            &[&owner],
            &simple_message(&sender, &owner, &subject, "via submission"),
        )
        .await
        .unwrap_or_else(|e| panic!("authenticated send (implicit TLS {implicit}) failed: {e}"));
        let bad = s
            .send_authenticated(
                &sender,
                "wrong-password",
                implicit,
                &sender,
                &[&owner],
                &simple_message(&sender, &owner, "must not arrive", "x"),
            )
            .await;
        assert!(bad.is_err(), "wrong SMTP password must be refused");
    }
    let msgs = s.wait_for_messages(&owner, "INBOX", 2, WAIT).await;
    assert_eq!(msgs.len(), 2);
    assert!(msgs.iter().all(|(_, m)| !contains(m, "must not arrive")));
}

#[tokio::test]
#[ignore = "needs the private mail servers: run bash scripts/test"]
async fn dovecot_restart_keeps_ports_and_mail_and_kick_ends_sessions() {
    let _g = SERVERS_LOCK.write().await;
    let s = Servers::get();
    let user = unique_user("restart");
    s.append(&user, "INBOX", &simple_message(&user, &user, "before", "b"))
        .await;

    // kick: an IDLE session gets BYE / EOF.
    let mut session = s.login(&user).await;
    session.select("INBOX").await.expect("select");
    let mut idle = session.idle();
    idle.init().await.expect("IDLE");
    let (wait, _stop) = idle.wait_with_timeout(Duration::from_secs(15));
    let ctl = s.clone();
    let kicker = tokio::task::spawn_blocking(move || ctl.ctl("kick"));
    let resp = wait.await.expect("IDLE wait ends cleanly on kick");
    kicker.await.expect("kick ran");
    assert!(
        !matches!(resp, IdleResponse::Timeout),
        "kick must end the IDLE session, got {resp:?}"
    );

    let ctl = s.clone();
    tokio::task::spawn_blocking(move || ctl.ctl("stop-dovecot"))
        .await
        .expect("stop-dovecot ran");
    assert!(
        tokio::net::TcpStream::connect((s.host.as_str(), s.imap_port))
            .await
            .is_err(),
        "IMAP port closed while Dovecot is stopped"
    );
    let ctl = s.clone();
    tokio::task::spawn_blocking(move || ctl.ctl("start-dovecot"))
        .await
        .expect("start-dovecot ran");
    let msgs = s.uid_fetch_all(&user, "INBOX").await;
    assert_eq!(
        msgs.len(),
        1,
        "mail survives a Dovecot restart on the same port"
    );
    let maildir = s.maildir(&user);
    assert!(
        maildir.join("cur").is_dir() && maildir.join("new").is_dir(),
        "maildir() points at the user's Maildir: {}",
        maildir.display()
    );
}
