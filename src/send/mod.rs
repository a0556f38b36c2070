//! Hand finished messages to SMTP, a sendmail binary or a local directory (I/O).
//!
//! One trait, [`MailSender`], with one implementation per file: [`smtp::SmtpSender`],
//! [`sendmail::SendmailSender`], [`file::FileSender`] (the embedded default's outbox) and
//! [`stub::StubSender`] (the test double that records what was sent and can be told to fail).
//! [`compose`] builds the RFC 5322 bytes (pure).
//!
//! The error type says what the caller may do next: retry ([`SendError::is_transient`]), give
//! up ([`SendError::Permanent`]), or record "unknown" and never resend ([`SendError::Ambiguous`]:
//! the message body was handed over but no final answer came back).

pub mod compose;
pub mod file;
pub mod outbox;
pub mod sendmail;
pub mod smtp;
pub mod stub;

use futures::future::BoxFuture;

/// Connection security for SMTP and IMAP (`[smtp] security`, `[imap] security`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Security {
    /// Implicit TLS from the first byte (SMTPS 465, IMAPS 993).
    Tls,
    /// Plain connection upgraded with STARTTLS; refusing to continue when the server does not offer it.
    StartTls,
    /// No encryption at all: only accepted when the host is a loopback address (the config
    /// refuses it for any other host).
    None,
}

/// A finished message ready to hand over.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutgoingMessage {
    /// SMTP envelope sender (MAIL FROM).
    pub envelope_from: String,
    /// SMTP envelope recipients (RCPT TO).
    pub recipients: Vec<String>,
    /// The message's Message-ID, without angle brackets (for logs and receipts).
    pub message_id: String,
    /// The complete RFC 5322 message (CRLF line endings), as built by [`compose::compose`].
    pub raw: Vec<u8>,
}

impl OutgoingMessage {
    /// The SMTP envelope (MAIL FROM and RCPT TO), checked.
    pub fn envelope(&self) -> Result<lettre::address::Envelope, SendError> {
        use lettre::Address;
        let from: Address = self.envelope_from.parse().map_err(|e| {
            SendError::Config(format!(
                "invalid envelope sender {:?}: {e}",
                self.envelope_from
            ))
        })?;
        let to = self
            .recipients
            .iter()
            .map(|r| {
                r.parse::<Address>()
                    .map_err(|e| SendError::Config(format!("invalid recipient {r:?}: {e}")))
            })
            .collect::<Result<Vec<_>, _>>()?;
        lettre::address::Envelope::new(Some(from), to)
            .map_err(|e| SendError::Config(format!("invalid envelope: {e}")))
    }
}

/// What a sender reports after the message was accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SendReceipt {
    /// Human-readable acceptance detail (SMTP "250 2.0.0 Ok: queued as …", the file path, …).
    pub detail: String,
}

/// Why a message could not be handed over, and what to do about it.
#[derive(Debug, thiserror::Error)]
pub enum SendError {
    /// Nothing was delivered and trying again later may work (connection refused, 4xx reply,
    /// timeout before the message body was sent).
    #[error("sending failed for now, will retry later: {0}")]
    Transient(String),
    /// The server refused for good (5xx reply); its text is kept.
    #[error("the server refused the message ({code}): {message}; check the addresses and the account settings, then retry by hand")]
    Permanent {
        /// SMTP reply code (e.g. 550, 535).
        code: u16,
        /// The server's own text.
        message: String,
    },
    /// The message body was sent but no final reply arrived (timeout or connection lost after
    /// DATA): it may or may not have been delivered. Record "unknown"; do not resend.
    #[error("the message may or may not have been delivered (no reply after the message was sent): {0}; check the recipient's mailbox before sending again")]
    Ambiguous(String),
    /// The settings cannot work (no encryption to a remote host, unreadable CA file, bad address).
    #[error("the mail sending settings are not usable: {0}")]
    Config(String),
    /// The server refused the login (535 and friends).
    #[error("the SMTP server refused the login: {0}; check the username and password (many providers need an app password)")]
    Auth(String),
    /// The TLS handshake failed (untrusted certificate, name mismatch, no STARTTLS offered).
    #[error("secure connection failed: {0}; check the host name, the port's security mode (tls or starttls) and ca_file")]
    Tls(String),
    /// A local delivery (file outbox, sendmail) failed.
    #[error("local delivery failed: {0}")]
    Local(String),
}

impl SendError {
    /// True when trying again later may succeed and cannot cause a duplicate.
    pub fn is_transient(&self) -> bool {
        matches!(self, SendError::Transient(_))
    }

    /// True when the message may have been delivered: never resend automatically.
    pub fn is_ambiguous(&self) -> bool {
        matches!(self, SendError::Ambiguous(_))
    }
}

/// One capability: hand a finished message to a mail system.
pub trait MailSender: Send + Sync {
    /// Hand `msg` over. Resolves once the message was accepted or refused.
    fn send<'a>(
        &'a self,
        msg: &'a OutgoingMessage,
    ) -> BoxFuture<'a, Result<SendReceipt, SendError>>;

    /// One line saying where messages go (no secrets), for logs and `olifant check`.
    fn describe(&self) -> String;
}

/// One step of `olifant check` against a mail server (SMTP or IMAP). No mail is sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckStep {
    /// Short step name: "connect", "tls", "greeting", "starttls", "login", "select", …
    pub name: String,
    /// Whether the step succeeded.
    pub ok: bool,
    /// What happened, with the server's own words where there are any (never a password).
    pub detail: String,
    /// What to try when the step failed.
    pub hint: Option<String>,
}

impl CheckStep {
    /// A successful step.
    pub fn pass(name: &str, detail: impl Into<String>) -> Self {
        CheckStep {
            name: name.to_string(),
            ok: true,
            detail: detail.into(),
            hint: None,
        }
    }

    /// A failed step with an optional hint.
    pub fn fail(name: &str, detail: impl Into<String>, hint: Option<String>) -> Self {
        CheckStep {
            name: name.to_string(),
            ok: false,
            detail: detail.into(),
            hint,
        }
    }
}

/// True when `host` names the local machine (`localhost`, 127.0.0.0/8, ::1).
pub fn is_loopback_host(host: &str) -> bool {
    let h = host.trim().trim_start_matches('[').trim_end_matches(']');
    if h.eq_ignore_ascii_case("localhost") {
        return true;
    }
    h.parse::<std::net::IpAddr>()
        .map(|ip| ip.is_loopback())
        .unwrap_or(false)
}

/// Removes `password` from `text` (servers sometimes echo input), so that it never reaches a
/// log line or error message.
pub(crate) fn scrub(text: &str, password: Option<&str>) -> String {
    match password {
        Some(p) if p.len() >= 3 => text.replace(p, "********"),
        _ => text.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_hosts_are_recognised_and_remote_ones_are_not() {
        assert!(is_loopback_host("127.0.0.1"));
        assert!(is_loopback_host("127.1.2.3"));
        assert!(is_loopback_host("::1"));
        assert!(is_loopback_host("[::1]"));
        assert!(is_loopback_host("LocalHost"));
        assert!(!is_loopback_host("mail.example.com"));
        assert!(!is_loopback_host("10.0.0.1"));
        assert!(!is_loopback_host("localhost.evil.com"));
    }

    #[test]
    fn scrub_removes_the_password_from_server_text() {
        assert_eq!(
            scrub("535 bad creds for s3cret!", Some("s3cret!")),
            "535 bad creds for ********"
        );
        assert_eq!(scrub("nothing here", None), "nothing here");
    }

    #[test]
    fn only_transient_errors_are_retryable() {
        assert!(SendError::Transient("x".into()).is_transient());
        assert!(!SendError::Ambiguous("x".into()).is_transient());
        assert!(SendError::Ambiguous("x".into()).is_ambiguous());
        assert!(!SendError::Permanent {
            code: 550,
            message: "no".into()
        }
        .is_transient());
    }
}
