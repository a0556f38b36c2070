//! Injection and secrets against the REAL private Dovecot + Postfix (`scripts/test` starts
//! them; without them these tests fail loudly).
//!
//! - Header injection: client names, subjects, display names and notes holding CR/LF, a bare
//!   LF or a line with a single `.` go out through `compose` + `SmtpSender` and through the
//!   app (prompt and receipt); read back over IMAP, no header was added, no extra recipient
//!   got a copy (the victim's mailbox stays empty) and the body arrived complete.
//! - Secrets: a full cycle (prompt over SMTP with AUTH, reply, ingest over IMAP, receipt) with
//!   every log record at TRACE captured; the password appears in no log line, no file of the
//!   data directory and no `Debug` output.
//!
//! Run: `bash scripts/test --test servers injection::`.

use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use futures::future::BoxFuture;
use olifant::app::App;
use olifant::config::parse_with;
use olifant::ingest::maildir::MaildirSource;
use olifant::ingest::pipeline::Folders;
use olifant::send::compose::{compose, Email};
use olifant::send::smtp::{SmtpSender, SmtpSettings};
use olifant::send::{MailSender, OutgoingMessage, Security, SendError, SendReceipt};

use crate::common::{self, files_under};
use crate::support::{self, contains, unique_user, Servers, SERVERS_LOCK};

const WAIT: Duration = Duration::from_secs(20);

// ── Log capture (one global subscriber for this test binary, at TRACE) ─────────────────

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if let Ok(mut v) = self.0.lock() {
            v.extend_from_slice(buf);
        }
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Captured {
    type Writer = Captured;
    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

fn logs() -> &'static Captured {
    static LOGS: OnceLock<Captured> = OnceLock::new();
    LOGS.get_or_init(|| {
        use tracing_subscriber::util::SubscriberInitExt;
        let c = Captured::default();
        // RUST_LOG=trace through the filter the binary uses; try_init also routes the `log`
        // crate's records (lettre, async-imap) here.
        tracing_subscriber::fmt()
            .with_env_filter(olifant::logging::env_filter(Some("trace"), "trace"))
            .with_ansi(false)
            .with_writer(c.clone())
            .finish()
            .try_init()
            .expect("the only subscriber of the servers test binary");
        c
    })
}

// ── Helpers ──────────────────────────────────────────────────────────────────────────────

fn local(addr: &str) -> &str {
    addr.split('@').next().unwrap_or(addr)
}

/// The header block of a raw message (up to the first empty line), unfolded, as (name, value).
/// Any of CRLF, bare LF and bare CR counts as a line break: a receiver may honour each.
fn header_fields(raw: &[u8]) -> Vec<(String, String)> {
    let text = String::from_utf8_lossy(raw)
        .replace("\r\n", "\n")
        .replace('\r', "\n");
    let head = text.split("\n\n").next().unwrap_or("");
    let mut out: Vec<(String, String)> = Vec::new();
    for line in head.split('\n') {
        if line.starts_with([' ', '\t']) {
            if let Some(last) = out.last_mut() {
                last.1.push(' ');
                last.1.push_str(line.trim());
            }
        } else if let Some((n, v)) = line.split_once(':') {
            out.push((n.trim().to_ascii_lowercase(), v.trim().to_string()));
        } else {
            out.push((format!("<not a header: {line}>"), String::new()));
        }
    }
    out
}

/// Fails when the header block holds a field that no code path of ours writes.
fn assert_no_injected_header(what: &str, raw: &[u8]) {
    let fields = header_fields(raw);
    for (n, v) in &fields {
        assert!(
            !matches!(n.as_str(), "bcc" | "x-injected" | "cc") && !n.starts_with("<not a header"),
            "{what}: injected or broken header {n}: {v}\n{}",
            String::from_utf8_lossy(raw)
        );
        assert!(
            !v.to_ascii_lowercase().contains("victim@")
                || matches!(n.as_str(), "subject" | "to" | "from"),
            "{what}: victim address in header {n}: {v}"
        );
    }
    let tos = fields.iter().filter(|(n, _)| n == "to").count();
    assert!(tos <= 1, "{what}: {tos} To headers");
}

/// Delivered = headers the servers prepend + exactly the bytes we sent: nothing was cut
/// (a lone `.` line ends SMTP DATA early when it is not dot-stuffed) or rewritten.
fn assert_delivered_intact(what: &str, sent: &[u8], delivered: &[u8]) {
    // compose turns a bare CR in a body into a line break, so the sent bytes are plain CRLF.
    let sent_t = String::from_utf8_lossy(sent);
    assert!(
        !sent_t.replace("\r\n", "").contains('\r'),
        "{what}: a bare CR reached the wire"
    );
    let got_t = String::from_utf8_lossy(delivered);
    assert!(
        got_t.trim_end().ends_with(sent_t.trim_end()),
        "{what}: the delivered message is not the sent one with headers prepended\n--- sent ---\n{sent_t}\n--- delivered ---\n{got_t}"
    );
}

async fn assert_mailbox_empty(s: &Servers, user: &str) {
    let got = s.uid_fetch_all(user, "INBOX").await;
    assert!(
        got.is_empty(),
        "{user} received {} message(s): an injected recipient got a copy:\n{}",
        got.len(),
        got.first()
            .map(|(_, r)| String::from_utf8_lossy(r).into_owned())
            .unwrap_or_default()
    );
}

fn plain_smtp(s: &Servers) -> SmtpSettings {
    let mut settings = SmtpSettings::new(s.host.clone(), s.smtp_port, Security::None);
    settings.connect_timeout = Duration::from_secs(10);
    settings.send_timeout = Duration::from_secs(30);
    settings
}

/// Forwards to the real sender and keeps what it handed over.
struct Recording {
    inner: Arc<dyn MailSender>,
    sent: Mutex<Vec<OutgoingMessage>>,
}

impl MailSender for Recording {
    fn send<'a>(
        &'a self,
        msg: &'a OutgoingMessage,
    ) -> BoxFuture<'a, Result<SendReceipt, SendError>> {
        Box::pin(async move {
            let r = self.inner.send(msg).await;
            if r.is_ok() {
                self.sent.lock().expect("lock").push(msg.clone());
            }
            r
        })
    }
    fn describe(&self) -> String {
        self.inner.describe()
    }
}

const EVIL_NAME: &str = "Evil\r\nBcc: victim@example.test";

// ── compose + SmtpSender ────────────────────────────────────────────────────────────────

#[tokio::test]
#[ignore = "needs the private mail servers: run bash scripts/test"]
async fn crlf_bare_lf_and_dot_lines_in_composed_mail_add_no_header_or_recipient_and_arrive_whole() {
    let _shared = SERVERS_LOCK.read().await;
    let _ = logs();
    let s = Servers::get();
    let owner = unique_user("inj-owner");
    let victim = unique_user("inj-victim");
    let sender = SmtpSender::new(plain_smtp(&s)).expect("smtp sender");
    let body_tail = "LAST LINE OF THE BODY";
    let dotty = format!(
        "Hello.\r\n.\r\nafter a CRLF dot line\n.\nafter a bare-LF dot line\r\n..\r\n. \r\n.\r\n\r\n.\rlone CR\r\n\r\nBcc: {victim}\r\n\r\n.\r\n{body_tail}"
    );
    let cases: Vec<(&str, Email)> = vec![
        (
            "CRLF in the subject",
            email(
                &owner,
                &format!("Hi\r\nBcc: {victim}\r\nX-Injected: yes"),
                None,
                "body\r\n",
            ),
        ),
        (
            "bare LF in the subject",
            email(
                &owner,
                &format!("Hi\nBcc: {victim}\nX-Injected: yes"),
                None,
                "body\r\n",
            ),
        ),
        (
            "bare CR in the subject",
            email(&owner, &format!("Hi\rBcc: {victim}"), None, "body\r\n"),
        ),
        (
            "CRLF in the display name",
            email(
                &owner,
                "display name",
                Some(format!("Evil\r\nBcc: {victim}\r\nX-Injected: yes")),
                "body\r\n",
            ),
        ),
        ("dot lines in the body", email(&owner, "dots", None, &dotty)),
        ("only a dot", email(&owner, "only a dot", None, ".\r\n")),
        (
            "dots in the HTML part",
            Email {
                html: Some(format!("<p>x</p>\r\n.\r\n<p>{body_tail}</p>\r\n")),
                ..email(&owner, "html dots", None, &dotty)
            },
        ),
    ];
    let mut sent = Vec::new();
    for (i, (what, e)) in cases.iter().enumerate() {
        let e = Email {
            message_id: format!("inj-{i}-{}@example.test", local(&owner)),
            ..e.clone()
        };
        let raw = compose(&e).unwrap_or_else(|err| panic!("{what}: compose: {err}"));
        assert_no_injected_header(what, &raw);
        let msg = OutgoingMessage {
            envelope_from: "olifant@example.test".into(),
            recipients: vec![owner.clone()],
            message_id: e.message_id.clone(),
            raw,
        };
        sender
            .send(&msg)
            .await
            .unwrap_or_else(|err| panic!("{what}: send: {err}"));
        sent.push((what, msg));
    }
    let got = s.wait_for_messages(&owner, "INBOX", sent.len(), WAIT).await;
    assert_eq!(got.len(), sent.len(), "one delivery per message");
    for (what, msg) in &sent {
        let (_, delivered) = got
            .iter()
            .find(|(_, r)| contains(r, &msg.message_id))
            .unwrap_or_else(|| panic!("{what}: not delivered"));
        assert_no_injected_header(what, delivered);
        assert_delivered_intact(what, &msg.raw, delivered);
        // Decoded, the text still holds everything up to its last line.
        let parsed = mail_parser::MessageParser::default()
            .parse(delivered)
            .expect("delivered mail parses");
        let text = parsed.body_text(0).unwrap_or_default();
        if what.contains("dot") && **what != "only a dot" {
            assert!(
                text.trim_end().ends_with(body_tail),
                "{what}: body cut short: {text:?}"
            );
            assert!(
                text.contains("after a bare-LF dot line"),
                "{what}: {text:?}"
            );
        }
        if **what == "only a dot" {
            assert_eq!(text.trim(), ".", "{what}");
        }
    }
    assert_mailbox_empty(&s, &victim).await;
    assert_mailbox_empty(&s, "victim@example.test").await;
}

fn email(to: &str, subject: &str, to_name: Option<String>, text: &str) -> Email {
    Email {
        from: (Some("olifant".into()), "olifant@example.test".into()),
        to: vec![(to_name, to.into())],
        reply_to: None,
        subject: subject.into(),
        message_id: "placeholder@example.test".into(),
        in_reply_to: None,
        references: vec![],
        date: common::now(),
        extra_headers: vec![],
        text: text.into(),
        html: None,
        inline_images: vec![],
    }
}

// ── The app: prompt about an evil client, reply with evil notes, receipt ────────────────

fn app_config_text(s: &Servers, owner: &str, bot: &str, extra: &str) -> String {
    format!(
        r#"
[owner]
name = "Owner\r\nBcc: victim@example.test"
addresses = ["{owner}"]
timezone = "Europe/Amsterdam"

[bot]
address = "{bot}"

[smtp]
host = "{host}"
port = {port}
security = "none"
connect_timeout_secs = 10
send_timeout_secs = 30

[receive]
kind = "maildir"

[[clients]]
name = "Evil\r\nBcc: victim@example.test"
{extra}
"#,
        host = s.host,
        port = s.smtp_port,
    )
}

#[tokio::test]
#[ignore = "needs the private mail servers: run bash scripts/test"]
async fn a_client_named_with_crlf_and_notes_with_dot_lines_inject_nothing_through_the_app() {
    let _shared = SERVERS_LOCK.read().await;
    let _ = logs();
    let s = Servers::get();
    let owner = unique_user("inj-app-owner");
    let bot = unique_user("inj-app-bot");
    let dir = tempfile::tempdir().expect("temp dir");
    let config = parse_with(
        &app_config_text(&s, &owner, &bot, ""),
        "injection test",
        &|_| None,
        Some(dir.path()),
    )
    .expect("config with a CR/LF client name is accepted (it is only text)");
    let real = olifant::app::build_sender(&config).expect("smtp sender from config");
    let rec = Arc::new(Recording {
        inner: real,
        sent: Mutex::new(Vec::new()),
    });
    let now = common::now();
    let app = App::open_with_sender(config, rec.clone(), now).expect("app opens");
    // A second client added the way the CLI or an email command would.
    let other = common::client("Dot\n.\nLine\r\n.\r\nX-Injected: yes", now);
    app.store.put_client(&other).expect("put client");
    let clients = app.store.clients().expect("clients");
    assert_eq!(clients.len(), 2);
    let mut tokens = Vec::new();
    for c in &clients {
        let (record, state) = olifant::prompt::run::send_prompt(&app, c, now, now, &move || now)
            .await
            .expect("prompt sent");
        assert!(
            matches!(state, olifant::model::SendState::Sent { .. }),
            "{state:?}"
        );
        tokens.push((
            c.name.clone(),
            olifant::prompt::run::token_for(&app, record.id),
        ));
    }
    // The owner replies to the evil client's prompt with hostile notes.
    let (evil, token) = tokens
        .iter()
        .find(|(n, _)| n == EVIL_NAME)
        .expect("the evil client was prompted");
    assert_eq!(evil, EVIL_NAME);
    let notes_tail = "END OF MY NOTES";
    let reply = format!(
        "From: {owner}\r\nTo: {}+{token}@{}\r\nSubject: Re: prompt\r\n\
         Message-ID: <inj-reply-{}@example.test>\r\nIn-Reply-To: <olifant.{token}@{}>\r\n\
         Content-Type: text/plain; charset=utf-8\r\n\r\n\
         1. 4\r\n2. 5\r\n\r\nNotes first line\r\n.\r\nBcc: victim@example.test\r\n..\r\n.\r\n{notes_tail}\r\n",
        local(&bot),
        bot.split('@').nth(1).unwrap_or(""),
        local(&owner),
        bot.split('@').nth(1).unwrap_or(""),
    );
    let inbox = app.config.data_dir.join("inbox");
    let source = MaildirSource::new(&inbox, Duration::from_secs(1));
    let mut session = source.open().expect("maildir");
    std::fs::write(inbox.join("new").join("1772441000.inj.reply"), &reply).expect("deliver");
    let folders = Folders {
        mailbox: "INBOX".into(),
        processed: "olifant/processed".into(),
        ignored: None,
        max_message_size: 10 * 1024 * 1024,
        batch: olifant::ingest::pipeline::BATCH,
    };
    let report = olifant::ingest::pipeline::ingest_pass(&app, &mut session, &folders, &move || now)
        .await
        .expect("ingest pass");
    assert_eq!(report.stored, 1, "{report:?}");
    let stored = app.store.reflections().expect("reflections");
    assert!(
        stored[0].notes.contains(notes_tail),
        "{:?}",
        stored[0].notes
    );

    let sent = rec.sent.lock().expect("lock").clone();
    assert_eq!(sent.len(), 3, "two prompts and one receipt handed to SMTP");
    let got = s.wait_for_messages(&owner, "INBOX", 3, WAIT).await;
    assert_eq!(got.len(), 3, "exactly the three messages, once each");
    for msg in &sent {
        assert_eq!(msg.recipients, vec![owner.clone()], "envelope recipients");
        let (_, delivered) = got
            .iter()
            .find(|(_, r)| contains(r, &msg.message_id))
            .unwrap_or_else(|| panic!("{} not delivered", msg.message_id));
        assert_no_injected_header(&msg.message_id, delivered);
        assert_delivered_intact(&msg.message_id, &msg.raw, delivered);
        let parsed = mail_parser::MessageParser::default()
            .parse(delivered)
            .expect("parses");
        let text = parsed.body_text(0).unwrap_or_default();
        let sent_text = mail_parser::MessageParser::default()
            .parse(&msg.raw)
            .and_then(|m| m.body_text(0).map(|t| t.into_owned()))
            .unwrap_or_default();
        assert_eq!(text.trim_end(), sent_text.trim_end(), "{}", msg.message_id);
        assert!(!text.trim().is_empty());
    }
    assert_mailbox_empty(&s, "victim@example.test").await;
    drop(dir);
}

// ── Secrets ─────────────────────────────────────────────────────────────────────────────

#[tokio::test]
#[ignore = "needs the private mail servers: run bash scripts/test"]
async fn a_full_cycle_leaks_the_password_into_no_log_file_or_debug_output() {
    let _shared = SERVERS_LOCK.read().await;
    let captured = logs();
    let s = Servers::get();
    let owner = unique_user("sec-owner");
    let bot_user = unique_user("sec-bot");
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().join("data");
    let pw_file = dir.path().join("password");
    std::fs::write(&pw_file, format!("{}\n", s.password)).expect("write password file");
    assert!(
        s.password.len() >= 8,
        "the test password is too short to search for"
    );
    let text = format!(
        r#"
[owner]
name = "Owner"
addresses = ["{owner}"]
timezone = "Europe/Amsterdam"

[bot]
address = "{bot_user}"

[smtp]
host = "localhost"
port = {sub}
security = "starttls"
username = "{bot_user}"
password_file = "{pw}"
ca_file = "{ca}"
connect_timeout_secs = 10
send_timeout_secs = 30

[imap]
host = "localhost"
port = {imap}
security = "starttls"
username = "{bot_user}"
password_file = "{pw}"
ca_file = "{ca}"
connect_timeout_secs = 10
command_timeout_secs = 20

[[clients]]
name = "Acme"
"#,
        sub = s.submission_port,
        imap = s.imap_port,
        pw = pw_file.display(),
        ca = s.ca_file.display(),
    );
    let config = parse_with(&text, "secrets test", &|_| None, Some(&data)).expect("config");
    let now = olifant::clock::now();
    let app = App::open(config.clone(), now).expect("app with real SMTP opens");
    let client = app
        .store
        .clients()
        .expect("clients")
        .into_iter()
        .next()
        .expect("Acme");
    let (record, state) =
        olifant::prompt::run::send_prompt(&app, &client, now, now, &olifant::clock::now)
            .await
            .expect("prompt");
    assert!(
        matches!(state, olifant::model::SendState::Sent { .. }),
        "{state:?}"
    );
    let got = s.wait_for_messages(&owner, "INBOX", 1, WAIT).await;
    assert!(contains(&got[0].1, &record.message_id));
    // The owner replies (to the bot's plus-address over plain SMTP, as any mail arrives).
    let token = olifant::prompt::run::token_for(&app, record.id);
    let (bl, bd) = bot_user.split_once('@').expect("bot address");
    let to = format!("{bl}+{token}@{bd}");
    let reply = support::simple_message(&owner, &to, "Re: prompt", "1. 4\r\n2. 3\r\nFine.");
    s.send_raw_smtp(&owner, &[&to], &reply)
        .await
        .expect("reply delivered");
    s.wait_for_messages(&bot_user, "INBOX", 1, WAIT).await;
    let report = olifant::ingest::pipeline::ingest_once(&app, &olifant::clock::now)
        .await
        .expect("ingest over IMAP");
    assert_eq!(report.stored, 1, "{report:?}");
    // The receipt went out over authenticated SMTP.
    s.wait_for_messages(&owner, "INBOX", 2, WAIT).await;
    // A failed login must not echo it either.
    let mut bad = config.clone();
    if let olifant::config::ReceiveConfig::Imap(i) = &mut bad.receive {
        i.credentials.password = olifant::config::SecretSource::Plain {
            key: "imap.password".into(),
            secret: olifant::config::Secret::new(format!("{}-wrong", s.password)),
        };
    }
    let debug_app = format!("{app:?}");
    let debug_config = format!("{config:?} {bad:?}");
    app.store.flush().expect("flush");
    drop(app);
    if let Ok(a) = App::open(bad, olifant::clock::now()) {
        let e = olifant::ingest::pipeline::ingest_once(&a, &olifant::clock::now).await;
        assert!(e.is_err(), "a wrong password must not log in");
        let shown = format!(
            "{:?} {}",
            e,
            e.as_ref().err().map(|x| x.to_string()).unwrap_or_default()
        );
        assert!(
            !shown.contains(&s.password),
            "error shows the password: {shown}"
        );
    }

    let log_bytes = captured.0.lock().expect("lock").clone();
    let log_text = String::from_utf8_lossy(&log_bytes);
    assert!(
        log_text.contains("TRACE") || log_text.contains("DEBUG"),
        "the capture saw no detailed records; the test would prove nothing"
    );
    assert!(
        !log_text.contains(&s.password),
        "the password appears in the logs:\n{}",
        log_text
            .lines()
            .filter(|l| l.contains(&s.password))
            .take(5)
            .collect::<Vec<_>>()
            .join("\n")
    );
    // AUTH PLAIN carries it base64-encoded: look for that too.
    for encoded in plain_auth_forms(&bot_user, &s.password) {
        assert!(
            !log_text.contains(&encoded),
            "the base64 AUTH PLAIN credentials appear in the logs"
        );
    }
    assert!(!debug_app.contains(&s.password), "{debug_app}");
    assert!(
        !debug_config.contains(&s.password),
        "Debug of the config shows the password"
    );
    let mut files = Vec::new();
    files_under(&data, &mut files);
    assert!(files.len() > 3, "data dir suspiciously empty: {files:?}");
    for f in &files {
        let bytes = std::fs::read(f).unwrap_or_else(|e| panic!("{}: {e}", f.display()));
        assert!(
            !contains(&bytes, &s.password),
            "{} contains the password",
            f.display()
        );
    }
}

/// Base64 of `\0user\0password` (AUTH PLAIN) and of the password alone (AUTH LOGIN).
fn plain_auth_forms(user: &str, password: &str) -> Vec<String> {
    fn b64(bytes: &[u8]) -> String {
        const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        let mut out = String::new();
        for chunk in bytes.chunks(3) {
            let b = [
                chunk[0],
                *chunk.get(1).unwrap_or(&0),
                *chunk.get(2).unwrap_or(&0),
            ];
            let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
            for i in 0..4 {
                if i <= chunk.len() {
                    out.push(A[((n >> (18 - 6 * i)) & 63) as usize] as char);
                } else {
                    out.push('=');
                }
            }
        }
        out
    }
    vec![
        b64(format!("\0{user}\0{password}").as_bytes()),
        b64(password.as_bytes()),
    ]
}
