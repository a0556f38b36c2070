//! The one harness of the server tests (`tests/servers`): the private Dovecot + Postfix
//! started by `scripts/test` (via `scripts/mailservers`), and the end-to-end [`Fixture`] (an
//! owner, a bot and a data directory with a config pointing olifant at those servers).
//!
//! Use it with `use crate::support;` at the top of a test module, then
//! `let s = support::Servers::get();` or `let f = support::Fixture::new("tag");`.
//! Without the servers every test that calls [`Servers::get`] fails loudly: tests never skip.
//!
//! Every address `@example.test` exists and shares one password ([`Servers::password`]); use
//! [`unique_user`] so tests do not see each other's mail. Plus-addresses (`user+tag@…`) land in
//! `user`'s INBOX. Nothing is ever relayed off the machine.
#![allow(dead_code)]

use std::fmt::Debug;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use chrono::{DateTime, Utc};
use futures::TryStreamExt;
use olifant::app::App;
use olifant::config::Config;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;
use tokio_rustls::rustls;
use tokio_rustls::rustls::pki_types::pem::PemObject;

/// Upper bound for any single IMAP/SMTP step in the harness; a dead server fails the test
/// instead of hanging it.
pub const STEP_TIMEOUT: Duration = Duration::from_secs(30);

const NEED_SERVERS: &str = "these tests need the private mail servers: run scripts/test \
(it installs and starts Dovecot and Postfix)";

/// Any byte stream an IMAP session can run over (plain TCP or TLS).
pub trait AnyStream: AsyncRead + AsyncWrite + Unpin + Send + Debug {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send + Debug> AnyStream for T {}

/// A boxed stream so plain and TLS sessions share one type.
pub type BoxStream = Box<dyn AnyStream>;
/// An unauthenticated IMAP client (greeting already read).
pub type ImapClient = async_imap::Client<BoxStream>;
/// An authenticated IMAP session.
pub type ImapSession = async_imap::Session<BoxStream>;

/// The server tests are one test binary and run in parallel against the same servers. A test
/// that stops, restarts or kicks them takes `SERVERS_LOCK.write()`; every other test that
/// talks to them takes `SERVERS_LOCK.read()`, so it never sees that happen.
pub static SERVERS_LOCK: tokio::sync::RwLock<()> = tokio::sync::RwLock::const_new(());

/// How to reach the IMAP server.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Security {
    /// Plain text on the IMAP port (loopback only).
    Plain,
    /// Plain connect on the IMAP port, then `STARTTLS`.
    StartTls,
    /// Implicit TLS on the IMAPS port.
    Implicit,
}

/// Where the private servers listen and how to log in. Read from the environment that
/// `scripts/mailservers start` writes to `STATE/env`.
#[derive(Clone, Debug)]
pub struct Servers {
    /// Always 127.0.0.1.
    pub host: String,
    /// The catch-all mail domain, `example.test`.
    pub domain: String,
    /// The one password every `@example.test` user has.
    pub password: String,
    /// IMAP, plain + STARTTLS.
    pub imap_port: u16,
    /// IMAPS, implicit TLS.
    pub imaps_port: u16,
    /// SMTP, plain (STARTTLS offered, AUTH allowed), accepts mail for the domain from loopback.
    pub smtp_port: u16,
    /// Submission: STARTTLS required, AUTH required.
    pub submission_port: u16,
    /// SMTPS: implicit TLS, AUTH required.
    pub smtps_port: u16,
    /// PEM file of the throw-away CA that signed the servers' certificate.
    pub ca_file: PathBuf,
    /// The servers' state dir (config, logs, mail).
    pub state_dir: PathBuf,
    /// Absolute path of `scripts/mailservers`.
    pub script: PathBuf,
}

fn env_var(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| {
        panic!("{NEED_SERVERS} (environment variable {name} is missing or not UTF-8)")
    })
}

fn env_port(name: &str) -> u16 {
    let v = env_var(name);
    v.parse()
        .unwrap_or_else(|_| panic!("{NEED_SERVERS} ({name}={v:?} is not a port number)"))
}

static COUNTER: AtomicU64 = AtomicU64::new(0);

/// A fresh address `PREFIX-<pid>-<counter>-<nanos>@example.test`, unique per call, so each
/// test owns its own mailbox.
pub fn unique_user(prefix: &str) -> String {
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    let domain = std::env::var("OLIFANT_TEST_DOMAIN").unwrap_or_else(|_| "example.test".into());
    format!("{prefix}-{}-{n}-{nanos}@{domain}", std::process::id())
}

/// A small, valid RFC 5322 message (CRLF line ends) for tests.
pub fn simple_message(from: &str, to: &str, subject: &str, body: &str) -> Vec<u8> {
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    format!(
        "From: {from}\r\nTo: {to}\r\nSubject: {subject}\r\n\
         Date: Mon, 02 Mar 2026 09:00:00 +0000\r\n\
         Message-ID: <harness-{}-{n}@example.test>\r\n\
         MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n",
        std::process::id()
    )
    .into_bytes()
}

async fn step<F: std::future::Future>(what: &str, fut: F) -> F::Output {
    match tokio::time::timeout(STEP_TIMEOUT, fut).await {
        Ok(v) => v,
        Err(_) => panic!("{what}: no answer within {STEP_TIMEOUT:?} (is the server hung?)"),
    }
}

impl Servers {
    /// Reads the servers from the environment; panics loudly when they are not running.
    pub fn get() -> Servers {
        if std::env::var_os("OLIFANT_TEST_SERVERS").is_none() {
            panic!("{NEED_SERVERS} (OLIFANT_TEST_SERVERS is not set)");
        }
        Servers {
            host: env_var("OLIFANT_TEST_HOST"),
            domain: env_var("OLIFANT_TEST_DOMAIN"),
            password: env_var("OLIFANT_TEST_PASSWORD"),
            imap_port: env_port("OLIFANT_TEST_IMAP_PORT"),
            imaps_port: env_port("OLIFANT_TEST_IMAPS_PORT"),
            smtp_port: env_port("OLIFANT_TEST_SMTP_PORT"),
            submission_port: env_port("OLIFANT_TEST_SUBMISSION_PORT"),
            smtps_port: env_port("OLIFANT_TEST_SMTPS_PORT"),
            ca_file: PathBuf::from(env_var("OLIFANT_TEST_CA_FILE")),
            state_dir: PathBuf::from(env_var("OLIFANT_TEST_STATE_DIR")),
            script: PathBuf::from(env_var("OLIFANT_TEST_MAILSERVERS")),
        }
    }

    /// Runs `scripts/mailservers SUBCOMMAND` against these servers (`stop-dovecot`,
    /// `start-dovecot`, `stop-postfix`, `start-postfix`, `kick`, `status`); panics with the
    /// script's output when it fails. Blocking: call it from `spawn_blocking` in async code if
    /// the runtime must keep serving other tasks meanwhile.
    pub fn ctl(&self, subcommand: &str) {
        let out = Command::new("bash")
            .arg(&self.script)
            .arg(subcommand)
            .env("OLIFANT_MAILSERVERS_DIR", &self.state_dir)
            .stdin(Stdio::null())
            .output()
            .unwrap_or_else(|e| panic!("could not run {}: {e}", self.script.display()));
        if !out.status.success() {
            panic!(
                "`{} {subcommand}` failed ({}):\n{}{}",
                self.script.display(),
                out.status,
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
        }
    }

    /// The test CA's certificates (DER), for a client's root store.
    pub fn ca_certs(&self) -> Vec<rustls::pki_types::CertificateDer<'static>> {
        let pem = std::fs::read(&self.ca_file)
            .unwrap_or_else(|e| panic!("cannot read test CA {}: {e}", self.ca_file.display()));
        let certs: Vec<_> = rustls::pki_types::CertificateDer::pem_slice_iter(&pem)
            .collect::<Result<_, _>>()
            .unwrap_or_else(|e| panic!("bad PEM in {}: {e}", self.ca_file.display()));
        assert!(
            !certs.is_empty(),
            "no certificate in {}",
            self.ca_file.display()
        );
        certs
    }

    /// A rustls client config (ring provider) that trusts only the test CA.
    pub fn tls_config(&self) -> Arc<rustls::ClientConfig> {
        let mut roots = rustls::RootCertStore::empty();
        for c in self.ca_certs() {
            roots
                .add(c)
                .expect("test CA certificate is acceptable to rustls");
        }
        let config = rustls::ClientConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .expect("ring supports the default TLS versions")
        .with_root_certificates(roots)
        .with_no_client_auth();
        Arc::new(config)
    }

    async fn tls_wrap(&self, tcp: TcpStream) -> BoxStream {
        let connector = tokio_rustls::TlsConnector::from(self.tls_config());
        let name = rustls::pki_types::ServerName::try_from("localhost")
            .expect("localhost is a valid server name");
        let tls = step("TLS handshake", connector.connect(name, tcp))
            .await
            .unwrap_or_else(|e| panic!("TLS handshake with the test server failed: {e}"));
        Box::new(tls)
    }

    /// Connects to IMAP and reads the greeting (and does STARTTLS when asked).
    pub async fn imap_connect(&self, security: Security) -> ImapClient {
        let port = match security {
            Security::Implicit => self.imaps_port,
            Security::Plain | Security::StartTls => self.imap_port,
        };
        let tcp = step(
            "IMAP connect",
            TcpStream::connect((self.host.as_str(), port)),
        )
        .await
        .unwrap_or_else(|e| panic!("cannot connect to IMAP {}:{port}: {e}", self.host));
        let stream: BoxStream = match security {
            Security::Plain => Box::new(tcp),
            Security::Implicit => self.tls_wrap(tcp).await,
            Security::StartTls => {
                let mut c = async_imap::Client::new(tcp);
                step("IMAP greeting", c.read_response())
                    .await
                    .expect("IMAP greeting")
                    .expect("server closed before the greeting");
                step("STARTTLS", c.run_command_and_check_ok("STARTTLS", None))
                    .await
                    .expect("STARTTLS accepted");
                let tcp = c.into_inner();
                let tls = self.tls_wrap(tcp).await;
                // No greeting after STARTTLS.
                return async_imap::Client::new(tls);
            }
        };
        let mut client = async_imap::Client::new(stream);
        step("IMAP greeting", client.read_response())
            .await
            .expect("IMAP greeting")
            .expect("server closed before the greeting");
        client
    }

    /// Logs `user` in with `password`; returns the server's refusal as an error.
    pub async fn try_login(
        &self,
        security: Security,
        user: &str,
        password: &str,
    ) -> Result<ImapSession, async_imap::error::Error> {
        let client = self.imap_connect(security).await;
        step("IMAP LOGIN", client.login(user, password))
            .await
            .map_err(|(e, _client)| e)
    }

    /// Logs `user` in over plain IMAP with the shared password; panics on failure.
    pub async fn login(&self, user: &str) -> ImapSession {
        self.login_with(Security::Plain, user).await
    }

    /// Logs `user` in over the given transport with the shared password; panics on failure.
    pub async fn login_with(&self, security: Security, user: &str) -> ImapSession {
        self.try_login(security, user, &self.password)
            .await
            .unwrap_or_else(|e| panic!("IMAP login as {user} ({security:?}) failed: {e}"))
    }

    /// Logs `user` in over plain IMAP and SELECTs `mailbox`; panics on failure.
    pub async fn select(&self, user: &str, mailbox: &str) -> ImapSession {
        let mut s = self.login(user).await;
        step("IMAP SELECT", s.select(mailbox))
            .await
            .unwrap_or_else(|e| panic!("SELECT {mailbox} as {user} failed: {e}"));
        s
    }

    /// The Maildir of `user` (`STATE/mail/<domain>/<local part>`), for benchmarks that fill a
    /// mailbox directly. Files there must belong to the `olifant-test` user (the mail uid).
    pub fn maildir(&self, user: &str) -> PathBuf {
        let (local, domain) = user.split_once('@').unwrap_or((user, ""));
        self.state_dir.join("mail").join(domain).join(local)
    }

    /// Every message in `mailbox` of `user` as (UID, raw bytes), by `UID FETCH 1:* BODY.PEEK[]`.
    pub async fn uid_fetch_all(&self, user: &str, mailbox: &str) -> Vec<(u32, Vec<u8>)> {
        self.uid_fetch_all_with(Security::Plain, user, mailbox)
            .await
    }

    /// Like [`Servers::uid_fetch_all`] over a chosen transport.
    pub async fn uid_fetch_all_with(
        &self,
        security: Security,
        user: &str,
        mailbox: &str,
    ) -> Vec<(u32, Vec<u8>)> {
        let mut s = self.login_with(security, user).await;
        let out = session_fetch_all(&mut s, mailbox).await;
        let _ = step("IMAP LOGOUT", s.logout()).await;
        out
    }

    /// Polls (every 50 ms) until `mailbox` of `user` holds at least `n` messages; returns them
    /// all. Panics after `timeout` with what it saw.
    pub async fn wait_for_messages(
        &self,
        user: &str,
        mailbox: &str,
        n: usize,
        timeout: Duration,
    ) -> Vec<(u32, Vec<u8>)> {
        let deadline = tokio::time::Instant::now() + timeout;
        let mut s = self.login(user).await;
        loop {
            let msgs = session_fetch_all(&mut s, mailbox).await;
            if msgs.len() >= n {
                let _ = step("IMAP LOGOUT", s.logout()).await;
                return msgs;
            }
            if tokio::time::Instant::now() >= deadline {
                panic!(
                    "{user}/{mailbox}: expected at least {n} messages within {timeout:?}, found {}",
                    msgs.len()
                );
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Names of all mailboxes of `user` (`LIST "" "*"`).
    pub async fn list_mailboxes(&self, user: &str) -> Vec<String> {
        let mut s = self.login(user).await;
        let names = session_list(&mut s).await;
        let _ = step("IMAP LOGOUT", s.logout()).await;
        names
    }

    /// APPENDs `raw` to `mailbox` of `user` (creating the mailbox when it is missing).
    pub async fn append(&self, user: &str, mailbox: &str, raw: &[u8]) {
        let mut s = self.login(user).await;
        if !session_list(&mut s).await.iter().any(|m| m == mailbox) {
            step("IMAP CREATE", s.create(mailbox))
                .await
                .unwrap_or_else(|e| panic!("CREATE {mailbox} failed: {e}"));
        }
        step("IMAP APPEND", s.append(mailbox, None, None, raw))
            .await
            .unwrap_or_else(|e| panic!("APPEND to {mailbox} failed: {e}"));
        let _ = step("IMAP LOGOUT", s.logout()).await;
    }

    /// Sends `raw` from `from` to `to` over the plain SMTP port (no TLS, no AUTH), as any
    /// mail arriving at the owner's server would. Returns the server's refusal as an error.
    pub async fn send_raw_smtp(
        &self,
        from: &str,
        to: &[&str],
        raw: &[u8],
    ) -> Result<(), lettre::transport::smtp::Error> {
        use lettre::AsyncTransport;
        let transport =
            lettre::AsyncSmtpTransport::<lettre::Tokio1Executor>::builder_dangerous(&self.host)
                .port(self.smtp_port)
                .timeout(Some(STEP_TIMEOUT))
                .build();
        let envelope = envelope(from, to);
        step("SMTP send", transport.send_raw(&envelope, raw))
            .await
            .map(|_| ())
    }

    /// Sends `raw` as an authenticated user over submission (STARTTLS required) or, with
    /// `implicit_tls`, over SMTPS, trusting only the test CA.
    pub async fn send_authenticated(
        &self,
        user: &str,
        password: &str,
        implicit_tls: bool,
        from: &str,
        to: &[&str],
        raw: &[u8],
    ) -> Result<(), lettre::transport::smtp::Error> {
        use lettre::transport::smtp::authentication::Credentials;
        use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
        use lettre::AsyncTransport;
        let pem = std::fs::read(&self.ca_file).expect("read test CA");
        let params = TlsParameters::builder("localhost".to_owned())
            .add_root_certificate(Certificate::from_pem(&pem).expect("test CA is valid PEM"))
            .build_rustls()
            .expect("TLS parameters");
        let (port, tls) = if implicit_tls {
            (self.smtps_port, Tls::Wrapper(params))
        } else {
            (self.submission_port, Tls::Required(params))
        };
        let transport =
            lettre::AsyncSmtpTransport::<lettre::Tokio1Executor>::builder_dangerous(&self.host)
                .port(port)
                .tls(tls)
                .credentials(Credentials::new(user.to_owned(), password.to_owned()))
                .timeout(Some(STEP_TIMEOUT))
                .build();
        step("SMTP send", transport.send_raw(&envelope(from, to), raw))
            .await
            .map(|_| ())
    }
}

fn envelope(from: &str, to: &[&str]) -> lettre::address::Envelope {
    let from = from
        .parse()
        .unwrap_or_else(|e| panic!("bad sender {from:?}: {e}"));
    let to = to
        .iter()
        .map(|t| {
            t.parse()
                .unwrap_or_else(|e| panic!("bad recipient {t:?}: {e}"))
        })
        .collect();
    lettre::address::Envelope::new(Some(from), to).expect("envelope with recipients")
}

/// SELECTs `mailbox` and fetches every message as (UID, raw) sorted by UID.
pub async fn session_fetch_all(s: &mut ImapSession, mailbox: &str) -> Vec<(u32, Vec<u8>)> {
    let mb = step("IMAP SELECT", s.select(mailbox))
        .await
        .unwrap_or_else(|e| panic!("SELECT {mailbox} failed: {e}"));
    if mb.exists == 0 {
        return Vec::new();
    }
    let fetches: Vec<_> = step("IMAP UID FETCH", async {
        let stream = s.uid_fetch("1:*", "(UID BODY.PEEK[])").await?;
        stream.try_collect::<Vec<_>>().await
    })
    .await
    .unwrap_or_else(|e| panic!("UID FETCH in {mailbox} failed: {e}"));
    let mut out: Vec<(u32, Vec<u8>)> = fetches
        .iter()
        .filter_map(|f| Some((f.uid?, f.body()?.to_vec())))
        .collect();
    out.sort_by_key(|(uid, _)| *uid);
    out
}

/// `LIST "" "*"` on an open session.
pub async fn session_list(s: &mut ImapSession) -> Vec<String> {
    step("IMAP LIST", async {
        let stream = s.list(Some(""), Some("*")).await?;
        stream.try_collect::<Vec<_>>().await
    })
    .await
    .unwrap_or_else(|e| panic!("LIST failed: {e}"))
    .iter()
    .map(|n| n.name().to_owned())
    .collect()
}

/// True when `needle` occurs in `haystack` (for checking raw messages).
pub fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len().max(1))
        .any(|w| w == needle.as_bytes())
}

/// Writes `password` to the 0600 file `DIR/password` (as olifant's `password_file` wants it);
/// returns its path.
pub fn password_file(dir: &Path, password: &str) -> PathBuf {
    let path = dir.join("password");
    std::fs::write(&path, format!("{password}\n")).expect("write password file");
    chmod(&path, 0o600);
    path
}

/// Sets the permission bits of `path`.
pub fn chmod(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
        .unwrap_or_else(|e| panic!("chmod {mode:o} {}: {e}", path.display()));
}

// ------------------------------------------------------------------ end-to-end fixture

/// How long a message may take from SMTP to the mailbox in these tests.
pub const DELIVERY: Duration = Duration::from_secs(20);

/// One test's owner, bot and data directory.
pub struct Fixture {
    /// The private servers.
    pub s: Servers,
    /// The owner's address (prompts, receipts and digests land in its INBOX).
    pub owner: String,
    /// olifant's address (replies land in its INBOX; olifant logs in as it over IMAP).
    pub bot: String,
    /// Holds the data dir and the password file.
    pub dir: tempfile::TempDir,
    /// The bot's password, in a 0600 file in `dir`.
    pub password_file: PathBuf,
}

impl Fixture {
    /// Fresh users and a fresh data directory.
    pub fn new(tag: &str) -> Fixture {
        let s = Servers::get();
        let dir = tempfile::tempdir().expect("tempdir");
        let password_file = password_file(dir.path(), &s.password);
        Fixture {
            owner: unique_user(&format!("{tag}-owner")),
            bot: unique_user(&format!("{tag}-bot")),
            s,
            dir,
            password_file,
        }
    }

    /// The data directory.
    pub fn data_dir(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    /// Config text: `lang` for [owner], `imap_extra` lines inside [imap], `tail` after all
    /// sections ([schedule], [[clients]], [ingest] …).
    pub fn config_text(&self, lang: &str, imap_extra: &str, tail: &str) -> String {
        format!(
            r#"data_dir = "{data}"

[owner]
name = "Sanne de Vries"
addresses = ["{owner}"]
language = "{lang}"
timezone = "Europe/Amsterdam"

[bot]
address = "{bot}"

[smtp]
host = "127.0.0.1"
port = {smtp}
security = "none"
connect_timeout_secs = 10
send_timeout_secs = 30

[imap]
host = "127.0.0.1"
port = {imap}
security = "none"
username = "{bot}"
password_file = "{pw}"
connect_timeout_secs = 10
command_timeout_secs = 20
{imap_extra}

{tail}
"#,
            data = self.data_dir().display(),
            owner = self.owner,
            bot = self.bot,
            smtp = self.s.smtp_port,
            imap = self.s.imap_port,
            pw = self.password_file.display(),
        )
    }

    /// Parses and validates a config text.
    pub fn config(&self, lang: &str, imap_extra: &str, tail: &str) -> Config {
        let text = self.config_text(lang, imap_extra, tail);
        olifant::config::parse_str(&text, "e2e.toml")
            .unwrap_or_else(|e| panic!("test config is invalid: {e}\n{text}"))
    }

    /// Opens olifant with the real SMTP sender.
    pub fn open(&self, config: Config, now: DateTime<Utc>) -> App {
        App::open(config, now).unwrap_or_else(|e| panic!("App::open failed: {e}"))
    }

    /// The local part of the bot's address and its domain.
    pub fn bot_parts(&self) -> (&str, &str) {
        self.bot.split_once('@').expect("bot address has a domain")
    }

    /// `bot+TOKEN@domain`.
    pub fn plus(&self, token: &str) -> String {
        let (local, domain) = self.bot_parts();
        format!("{local}+{token}@{domain}")
    }
}

/// A clock that stands still at `t`.
pub fn fixed(t: DateTime<Utc>) -> impl Fn() -> DateTime<Utc> {
    move || t
}

/// The most recent Monday 09:00 Europe/Amsterdam at or before the real clock.
pub fn last_monday_nine() -> DateTime<Utc> {
    let cron = olifant::schedule::CronExpr::parse("0 9 * * 1").expect("cron");
    olifant::schedule::prev_at_or_before(&cron, olifant::clock::now(), chrono_tz::Europe::Amsterdam)
        .expect("a Monday 09:00 in the past")
}

/// A `[[clients]]` block, monthly, known since long enough to be due.
pub fn client_block(name: &str, extra: &str) -> String {
    let name = name.replace('\\', "\\\\").replace('"', "\\\"");
    format!("[[clients]]\nname = \"{name}\"\ncadence = \"monthly\"\nsince = 2025-01-06\n{extra}\n")
}

/// A parsed view of a raw message.
pub fn parse(raw: &[u8]) -> mail_parser::Message<'_> {
    mail_parser::MessageParser::default()
        .parse(raw)
        .expect("a parsable message")
}

/// The raw value of a header (first occurrence), trimmed.
pub fn header<'a>(m: &'a mail_parser::Message<'a>, name: &str) -> Option<String> {
    m.header_raw(name).map(|v| v.trim().to_string())
}

/// The first address of the Reply-To header.
pub fn reply_to(m: &mail_parser::Message<'_>) -> Option<String> {
    m.reply_to()
        .and_then(|a| a.first())
        .and_then(|a| a.address())
        .map(str::to_string)
}

/// `olifant.TOKEN@domain` → `TOKEN`; the token from a plus-address.
pub fn token_of_plus(addr: &str) -> Option<String> {
    let local = addr.split('@').next()?;
    local.split_once('+').map(|(_, t)| t.to_string())
}
