//! Send over SMTP with lettre's connection type, driven step by step so that a failure is
//! known to be before the message body (safe to retry) or after it (ambiguous).
//!
//! lettre's transport timeout bounds only the TCP connect (FACTS.md, lettre#1027), so the
//! connect + greeting + EHLO + AUTH phase is bounded by `connect_timeout` and the whole send
//! by `send_timeout` with `tokio::time::timeout`.

use std::path::PathBuf;
use std::time::Duration;

use futures::future::BoxFuture;
use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::{
    AsyncSmtpConnection, Certificate, CertificateStore, TlsParameters,
};
use lettre::transport::smtp::commands::{Data, Mail, Rcpt};
use lettre::transport::smtp::extension::{ClientId, Extension, MailBodyParameter, MailParameter};

use super::{
    is_loopback_host, scrub, CheckStep, MailSender, OutgoingMessage, Security, SendError,
    SendReceipt,
};

/// Everything the SMTP sender needs; the password is already resolved and never printed.
#[derive(Clone)]
pub struct SmtpSettings {
    /// Server host name (also the name checked in its certificate).
    pub host: String,
    /// Server port (465 implicit TLS, 587 STARTTLS, 25 …).
    pub port: u16,
    /// Connection security.
    pub security: Security,
    /// Login name; no AUTH when `None`.
    pub username: Option<String>,
    /// Password (resolved from the config's password source).
    pub password: Option<String>,
    /// Bound on connect + TLS + greeting + EHLO + AUTH.
    pub connect_timeout: Duration,
    /// Bound on the whole send (RFC 5321 suggests 10 minutes after DATA).
    pub send_timeout: Duration,
    /// Extra trusted root certificate(s), PEM (for private CAs).
    pub ca_file: Option<PathBuf>,
}

impl SmtpSettings {
    /// Settings with the default timeouts (30 s connect, 600 s send) and no credentials.
    pub fn new(host: impl Into<String>, port: u16, security: Security) -> Self {
        SmtpSettings {
            host: host.into(),
            port,
            security,
            username: None,
            password: None,
            connect_timeout: Duration::from_secs(30),
            send_timeout: Duration::from_secs(600),
            ca_file: None,
        }
    }
}

impl std::fmt::Debug for SmtpSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpSettings")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("security", &self.security)
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| "<redacted>"))
            .field("connect_timeout", &self.connect_timeout)
            .field("send_timeout", &self.send_timeout)
            .field("ca_file", &self.ca_file)
            .finish()
    }
}

/// The SMTP implementation of [`MailSender`]: one connection per message.
#[derive(Clone)]
pub struct SmtpSender {
    settings: SmtpSettings,
    tls: Option<TlsParameters>,
}

impl std::fmt::Debug for SmtpSender {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpSender")
            .field("settings", &self.settings)
            .finish()
    }
}

/// True when a rustls error (certificate, handshake) is somewhere in the error chain; lettre
/// reports implicit-TLS handshake failures as connection errors.
fn is_tls_failure(e: &(dyn std::error::Error + 'static)) -> bool {
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = cur {
        if err.is::<tokio_rustls::rustls::Error>() {
            return true;
        }
        if let Some(inner) = err
            .downcast_ref::<std::io::Error>()
            .and_then(|io| io.get_ref())
        {
            if inner.is::<tokio_rustls::rustls::Error>() {
                return true;
            }
        }
        cur = err.source();
    }
    false
}

/// How far a send got; decides between Transient and Ambiguous.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Connecting,
    Envelope,
    /// The message body is being (or has been) written: no longer safe to resend.
    Body,
}

fn tls_parameters(settings: &SmtpSettings) -> Result<TlsParameters, SendError> {
    let mut builder = TlsParameters::builder(settings.host.clone())
        .certificate_store(CertificateStore::WebpkiRoots);
    if let Some(path) = &settings.ca_file {
        let pem = std::fs::read(path).map_err(|e| {
            SendError::Config(format!(
                "cannot read ca_file {}: {e}; fix the path or remove ca_file",
                path.display()
            ))
        })?;
        let cert = Certificate::from_pem(&pem).map_err(|e| {
            SendError::Config(format!(
                "ca_file {} holds no usable PEM certificate ({e}); point it at the CA's PEM file",
                path.display()
            ))
        })?;
        builder = builder.add_root_certificate(cert);
    }
    builder
        .build_rustls()
        .map_err(|e| SendError::Config(format!("TLS setup failed: {e}")))
}

impl SmtpSender {
    /// Validate the settings (no plaintext to a remote host, readable CA file) and build a sender.
    pub fn new(settings: SmtpSettings) -> Result<Self, SendError> {
        if settings.security == Security::None && !is_loopback_host(&settings.host) {
            return Err(SendError::Config(format!(
                "security = none is only allowed for a loopback host, not {:?}; use tls (port 465) or starttls (port 587)",
                settings.host
            )));
        }
        if settings.username.is_some() != settings.password.is_some() {
            return Err(SendError::Config(
                "username and password must be given together; set both or neither".into(),
            ));
        }
        let tls = match settings.security {
            Security::None => None,
            Security::Tls | Security::StartTls => Some(tls_parameters(&settings)?),
        };
        Ok(SmtpSender { settings, tls })
    }

    fn password(&self) -> Option<&str> {
        self.settings.password.as_deref()
    }

    fn map_err(&self, e: lettre::transport::smtp::Error, phase: Phase) -> SendError {
        let text = scrub(&e.to_string(), self.password());
        if let Some(code) = e.status() {
            let code: u16 = code.to_string().parse().unwrap_or(0);
            if phase == Phase::Connecting && (code == 535 || code == 534 || code == 530) {
                return SendError::Auth(text);
            }
            if e.is_permanent() {
                return SendError::Permanent {
                    code,
                    message: text,
                };
            }
            // A 4xx reply is a definite "not accepted", even after DATA.
            return SendError::Transient(text);
        }
        if e.is_tls() || is_tls_failure(&e) {
            return SendError::Tls(text);
        }
        if e.is_client() && phase == Phase::Connecting {
            // e.g. "No compatible authentication mechanism was found".
            return SendError::Config(format!(
                "{text}; check that this server wants a login on this port and supports AUTH PLAIN or LOGIN"
            ));
        }
        match phase {
            Phase::Body => SendError::Ambiguous(text),
            _ => SendError::Transient(text),
        }
    }

    /// Connect, secure, greet and authenticate. Bounded by `connect_timeout`.
    async fn open(&self) -> Result<AsyncSmtpConnection, SendError> {
        let s = &self.settings;
        let hello = ClientId::default();
        let fut = async {
            let implicit = match s.security {
                Security::Tls => self.tls.clone(),
                _ => None,
            };
            let mut conn = AsyncSmtpConnection::connect_tokio1(
                (s.host.as_str(), s.port),
                Some(s.connect_timeout),
                &hello,
                implicit,
                None,
            )
            .await
            .map_err(|e| self.map_err(e, Phase::Connecting))?;
            if s.security == Security::StartTls {
                if !conn.can_starttls() {
                    conn.abort().await;
                    return Err(SendError::Tls(format!(
                        "{}:{} does not offer STARTTLS; use security = tls if this is an implicit-TLS port (465)",
                        s.host, s.port
                    )));
                }
                if let Some(tls) = self.tls.clone() {
                    conn.starttls(tls, &hello)
                        .await
                        .map_err(|e| self.map_err(e, Phase::Connecting))?;
                }
            }
            if let (Some(user), Some(pass)) = (&s.username, &s.password) {
                let creds = Credentials::new(user.clone(), pass.clone());
                conn.auth(&[Mechanism::Plain, Mechanism::Login], &creds)
                    .await
                    .map_err(|e| self.map_err(e, Phase::Connecting))?;
            }
            Ok(conn)
        };
        match tokio::time::timeout(s.connect_timeout, fut).await {
            Ok(r) => r,
            Err(_) => Err(SendError::Transient(format!(
                "no answer from {}:{} within {:?} (connect, greeting or login); check host, port and security mode",
                s.host, s.port, s.connect_timeout
            ))),
        }
    }

    async fn send_inner(
        &self,
        msg: &OutgoingMessage,
        phase: &mut Phase,
    ) -> Result<SendReceipt, SendError> {
        let envelope = msg.envelope()?;

        *phase = Phase::Connecting;
        let mut conn = self.open().await?;
        *phase = Phase::Envelope;

        let mut params = vec![];
        if !msg.raw.is_ascii() {
            if !conn.server_info().supports_feature(Extension::EightBitMime) {
                conn.abort().await;
                return Err(SendError::Config(
                    "the message has 8-bit content but the server lacks 8BITMIME".into(),
                ));
            }
            params.push(MailParameter::Body(MailBodyParameter::EightBitMime));
        }
        let r = async {
            conn.command(Mail::new(envelope.from().cloned(), params))
                .await?;
            for rcpt in envelope.to() {
                conn.command(Rcpt::new(rcpt.clone(), vec![])).await?;
            }
            conn.command(Data).await
        }
        .await;
        if let Err(e) = r {
            conn.abort().await;
            return Err(self.map_err(e, Phase::Envelope));
        }
        *phase = Phase::Body;
        match conn.message(&msg.raw).await {
            Ok(resp) => {
                let detail = format!(
                    "{} {}",
                    resp.code(),
                    resp.message().collect::<Vec<_>>().join(" ")
                );
                let _ = conn.quit().await;
                Ok(SendReceipt { detail })
            }
            Err(e) => {
                conn.abort().await;
                Err(self.map_err(e, Phase::Body))
            }
        }
    }
}

impl MailSender for SmtpSender {
    fn send<'a>(
        &'a self,
        msg: &'a OutgoingMessage,
    ) -> BoxFuture<'a, Result<SendReceipt, SendError>> {
        Box::pin(async move {
            let mut phase = Phase::Connecting;
            let res =
                tokio::time::timeout(self.settings.send_timeout, self.send_inner(msg, &mut phase))
                    .await;
            match res {
                Ok(r) => r,
                Err(_) if phase == Phase::Body => Err(SendError::Ambiguous(format!(
                    "no reply within {:?} after the message was sent to {}:{}",
                    self.settings.send_timeout, self.settings.host, self.settings.port
                ))),
                Err(_) => Err(SendError::Transient(format!(
                    "{}:{} did not answer within {:?} before the message was sent",
                    self.settings.host, self.settings.port, self.settings.send_timeout
                ))),
            }
        })
    }

    fn describe(&self) -> String {
        let s = &self.settings;
        format!(
            "smtp://{}{}:{} ({})",
            s.username
                .as_deref()
                .map(|u| format!("{u}@"))
                .unwrap_or_default(),
            s.host,
            s.port,
            match s.security {
                Security::Tls => "implicit TLS",
                Security::StartTls => "STARTTLS",
                Security::None => "no encryption, loopback",
            }
        )
    }
}

fn hint_for(err: &SendError, settings: &SmtpSettings, step: &str) -> Option<String> {
    match err {
        SendError::Auth(_) => Some(
            "check the username and password; many providers need an app password when two-factor login is on".into(),
        ),
        SendError::Permanent { code, .. } if step == "auth" || *code == 535 => Some(
            "check the username and password; many providers need an app password when two-factor login is on".into(),
        ),
        SendError::Tls(t) if t.contains("NotValidForName") || t.contains("name") => Some(format!(
            "the certificate is not valid for {:?}: use the host name on the server's certificate",
            settings.host
        )),
        SendError::Tls(t) if t.contains("UnknownIssuer") || t.contains("issuer") => Some(
            "the server's certificate is not signed by a trusted CA: set ca_file to your private CA's PEM file".into(),
        ),
        SendError::Tls(_) => Some(
            "check the security mode: port 465 is usually tls, 587 starttls".into(),
        ),
        SendError::Transient(t) if t.contains("refused") || t.contains("within") => Some(format!(
            "check host {:?}, port {} and any firewall; is the server running?",
            settings.host, settings.port
        )),
        SendError::Config(_) => Some("fix the [smtp] settings".into()),
        _ => None,
    }
}

/// `olifant check` for SMTP: connect, TLS, greeting/EHLO, AUTH; no mail is sent.
pub async fn check(settings: &SmtpSettings) -> Vec<CheckStep> {
    let mut steps = Vec::new();
    let _ = check_steps(settings, &mut steps).await;
    steps
}

/// The steps of [`check`] in order, each noted in `steps`; `None` once one fails and the
/// rest cannot run (a failed login still ends the session politely).
async fn check_steps(settings: &SmtpSettings, steps: &mut Vec<CheckStep>) -> Option<()> {
    let sender = match SmtpSender::new(settings.clone()) {
        Ok(s) => s,
        Err(e) => {
            steps.push(CheckStep::fail(
                "settings",
                e.to_string(),
                hint_for(&e, settings, "settings"),
            ));
            return None;
        }
    };
    // 1. TCP connect
    if !push_ok(steps, check_connect(settings).await) {
        return None;
    }
    // 2. greeting + EHLO (+ implicit TLS), 3. STARTTLS
    let hello = ClientId::default();
    let mut conn = check_greeting(&sender, settings, &hello, steps).await?;
    if settings.security == Security::StartTls {
        let starttls = check_starttls(&sender, settings, &hello, &mut conn).await;
        if !push_ok(steps, starttls) {
            return None;
        }
    }
    // 4. AUTH
    steps.push(check_auth(&sender, settings, &mut conn).await);
    let _ = tokio::time::timeout(Duration::from_secs(5), conn.quit()).await;
    Some(())
}

/// Check step 1: a TCP connection to the server.
async fn check_connect(settings: &SmtpSettings) -> CheckStep {
    let addr = (settings.host.as_str(), settings.port);
    match tokio::time::timeout(
        settings.connect_timeout,
        tokio::net::TcpStream::connect(addr),
    )
    .await
    {
        Ok(Ok(_)) => CheckStep::pass(
            "connect",
            format!(
                "TCP connection to {}:{} opened",
                settings.host, settings.port
            ),
        ),
        Ok(Err(e)) => CheckStep::fail(
            "connect",
            format!("cannot connect to {}:{}: {e}", settings.host, settings.port),
            Some("check host, port and firewall; is the server running?".into()),
        ),
        Err(_) => CheckStep::fail(
            "connect",
            format!("no TCP connection within {:?}", settings.connect_timeout),
            Some("check host, port and firewall".into()),
        ),
    }
}

/// Check step 2: the greeting and EHLO (over implicit TLS when configured); the
/// connection, or `None` when it failed (noted in `steps` either way).
async fn check_greeting(
    sender: &SmtpSender,
    settings: &SmtpSettings,
    hello: &ClientId,
    steps: &mut Vec<CheckStep>,
) -> Option<AsyncSmtpConnection> {
    let addr = (settings.host.as_str(), settings.port);
    let implicit = if settings.security == Security::Tls {
        sender.tls.clone()
    } else {
        None
    };
    let fut = AsyncSmtpConnection::connect_tokio1(
        addr,
        Some(settings.connect_timeout),
        hello,
        implicit,
        None,
    );
    let name = if settings.security == Security::Tls {
        "tls"
    } else {
        "greeting"
    };
    match tokio::time::timeout(settings.connect_timeout, fut).await {
        Ok(Ok(c)) => {
            steps.push(CheckStep::pass(
                name,
                format!("EHLO answered by {}", c.server_info().name()),
            ));
            Some(c)
        }
        Ok(Err(e)) => {
            let err = sender.map_err(e, Phase::Connecting);
            let hint = hint_for(&err, settings, name);
            steps.push(CheckStep::fail(name, err.to_string(), hint));
            None
        }
        Err(_) => {
            steps.push(CheckStep::fail(
                "greeting",
                format!(
                    "the server accepted the connection but sent no greeting within {:?}",
                    settings.connect_timeout
                ),
                Some("is this an implicit-TLS port (465)? then use security = tls".into()),
            ));
            None
        }
    }
}

/// Check step 4: logging in, when a username is configured.
async fn check_auth(
    sender: &SmtpSender,
    settings: &SmtpSettings,
    conn: &mut AsyncSmtpConnection,
) -> CheckStep {
    let (Some(user), Some(pass)) = (&settings.username, &settings.password) else {
        return CheckStep::pass("auth", "no username configured: not logging in");
    };
    let creds = Credentials::new(user.clone(), pass.clone());
    let r = tokio::time::timeout(
        settings.connect_timeout,
        conn.auth(&[Mechanism::Plain, Mechanism::Login], &creds),
    )
    .await;
    match r {
        Ok(Ok(resp)) => CheckStep::pass(
            "auth",
            format!(
                "logged in as {user}: {}",
                resp.message().collect::<Vec<_>>().join(" ")
            ),
        ),
        Ok(Err(e)) => {
            let err = sender.map_err(e, Phase::Connecting);
            let hint = hint_for(&err, settings, "auth");
            CheckStep::fail("auth", err.to_string(), hint)
        }
        Err(_) => CheckStep::fail("auth", "login timed out", None),
    }
}

/// Check step 3: the upgrade to TLS.
async fn check_starttls(
    sender: &SmtpSender,
    settings: &SmtpSettings,
    hello: &ClientId,
    conn: &mut AsyncSmtpConnection,
) -> CheckStep {
    let r = match (&sender.tls, conn.can_starttls()) {
        (Some(tls), true) => {
            tokio::time::timeout(settings.connect_timeout, conn.starttls(tls.clone(), hello))
                .await
                .map_err(|_| SendError::Transient("STARTTLS timed out".into()))
                .and_then(|r| r.map_err(|e| sender.map_err(e, Phase::Connecting)))
        }
        _ => Err(SendError::Tls("the server does not offer STARTTLS".into())),
    };
    match r {
        Ok(()) => CheckStep::pass("starttls", "connection upgraded to TLS"),
        Err(e) => {
            let hint = hint_for(&e, settings, "starttls");
            CheckStep::fail("starttls", e.to_string(), hint)
        }
    }
}

/// Notes `step` in `steps`; whether it succeeded.
fn push_ok(steps: &mut Vec<CheckStep>, step: CheckStep) -> bool {
    let ok = step.ok;
    steps.push(step);
    ok
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plaintext_to_a_remote_host_is_refused() {
        let s = SmtpSettings::new("smtp.example.com", 25, Security::None);
        let e = SmtpSender::new(s).unwrap_err();
        assert!(matches!(e, SendError::Config(_)), "{e}");
        assert!(e.to_string().contains("loopback"));
        assert!(SmtpSender::new(SmtpSettings::new("127.0.0.1", 25, Security::None)).is_ok());
    }

    #[test]
    fn debug_output_hides_the_password() {
        let mut s = SmtpSettings::new("smtp.example.com", 465, Security::Tls);
        s.username = Some("me".into());
        s.password = Some("hunter2-secret".into());
        let d = format!("{s:?}");
        assert!(!d.contains("hunter2-secret"));
        let sender = SmtpSender::new(s).unwrap();
        assert!(!format!("{sender:?}").contains("hunter2-secret"));
        assert!(!sender.describe().contains("hunter2-secret"));
    }

    #[test]
    fn unreadable_ca_file_is_a_config_error_naming_the_file() {
        let mut s = SmtpSettings::new("smtp.example.com", 465, Security::Tls);
        s.ca_file = Some("/nonexistent/ca.pem".into());
        let e = SmtpSender::new(s).unwrap_err();
        assert!(matches!(e, SendError::Config(_)));
        assert!(e.to_string().contains("/nonexistent/ca.pem"));
    }

    /// How the fake server ends the DATA phase.
    #[derive(Clone, Copy)]
    enum AfterBody {
        Reply(&'static str),
        Hang,
        Close,
    }

    /// A scripted SMTP server on loopback: accepts the envelope, reads the body, then behaves
    /// as told. Returns the port.
    async fn fake_server(after: AfterBody, data_reply: &'static str) -> u16 {
        use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
        let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = l.local_addr().unwrap().port();
        tokio::spawn(async move {
            let Ok((sock, _)) = l.accept().await else {
                return;
            };
            let (r, mut w) = sock.into_split();
            let mut r = BufReader::new(r);
            let _ = w.write_all(b"220 fake ESMTP\r\n").await;
            let mut line = String::new();
            let mut in_data = false;
            loop {
                line.clear();
                if r.read_line(&mut line).await.unwrap_or(0) == 0 {
                    return;
                }
                if in_data {
                    if line == ".\r\n" {
                        match after {
                            AfterBody::Reply(t) => {
                                let _ = w.write_all(t.as_bytes()).await;
                                in_data = false;
                                continue;
                            }
                            AfterBody::Hang => {
                                tokio::time::sleep(Duration::from_secs(3600)).await;
                                return;
                            }
                            AfterBody::Close => return,
                        }
                    }
                    continue;
                }
                let cmd = line.to_ascii_uppercase();
                let reply: &str = if cmd.starts_with("EHLO") {
                    "250-fake\r\n250 8BITMIME\r\n"
                } else if cmd.starts_with("DATA") {
                    if data_reply.starts_with('3') {
                        in_data = true;
                    }
                    data_reply
                } else if cmd.starts_with("QUIT") {
                    let _ = w.write_all(b"221 bye\r\n").await;
                    return;
                } else {
                    "250 ok\r\n"
                };
                let _ = w.write_all(reply.as_bytes()).await;
            }
        });
        port
    }

    fn fake_settings(port: u16) -> SmtpSettings {
        let mut s = SmtpSettings::new("127.0.0.1", port, Security::None);
        s.connect_timeout = Duration::from_secs(5);
        s.send_timeout = Duration::from_millis(800);
        s
    }

    fn outgoing() -> OutgoingMessage {
        OutgoingMessage {
            envelope_from: "a@example.test".into(),
            recipients: vec!["b@example.test".into()],
            message_id: "m@x".into(),
            raw: b"Subject: x\r\n\r\nbody\r\n".to_vec(),
        }
    }

    async fn outcome(after: AfterBody, data_reply: &'static str) -> Result<SendReceipt, SendError> {
        let port = fake_server(after, data_reply).await;
        SmtpSender::new(fake_settings(port))
            .unwrap()
            .send(&outgoing())
            .await
    }

    #[tokio::test]
    async fn accepted_after_data_is_ok_with_the_server_reply() {
        let r = outcome(
            AfterBody::Reply("250 2.0.0 queued as ABC\r\n"),
            "354 go\r\n",
        )
        .await;
        assert!(r.unwrap().detail.contains("queued as ABC"));
    }

    #[tokio::test]
    async fn no_reply_after_the_body_is_ambiguous_never_transient() {
        let e = outcome(AfterBody::Hang, "354 go\r\n").await.unwrap_err();
        assert!(e.is_ambiguous(), "{e:?}");
        assert!(!e.is_transient());
    }

    #[tokio::test]
    async fn connection_lost_after_the_body_is_ambiguous() {
        let e = outcome(AfterBody::Close, "354 go\r\n").await.unwrap_err();
        assert!(e.is_ambiguous(), "{e:?}");
    }

    #[tokio::test]
    async fn a_4xx_after_the_body_is_transient_and_5xx_permanent_with_text() {
        let e = outcome(AfterBody::Reply("451 4.3.0 try later\r\n"), "354 go\r\n")
            .await
            .unwrap_err();
        assert!(e.is_transient(), "{e:?}");
        let e = outcome(
            AfterBody::Reply("554 5.7.1 spam rejected\r\n"),
            "354 go\r\n",
        )
        .await
        .unwrap_err();
        match e {
            SendError::Permanent { code, message } => {
                assert_eq!(code, 554);
                assert!(message.contains("spam rejected"), "{message}");
            }
            other => panic!("{other:?}"),
        }
    }

    #[tokio::test]
    async fn credentials_for_a_server_without_auth_are_a_config_error() {
        let port = fake_server(AfterBody::Hang, "354 go\r\n").await;
        let mut st = fake_settings(port);
        st.username = Some("me".into());
        st.password = Some("pw-never-shown".into());
        let e = SmtpSender::new(st)
            .unwrap()
            .send(&outgoing())
            .await
            .unwrap_err();
        assert!(matches!(e, SendError::Config(_)), "{e:?}");
        assert!(!e.to_string().contains("pw-never-shown"));
    }

    #[tokio::test]
    async fn refusal_at_data_is_before_the_body_so_transient() {
        let e = outcome(AfterBody::Hang, "452 4.3.1 no space\r\n")
            .await
            .unwrap_err();
        assert!(e.is_transient(), "{e:?}");
    }
}
