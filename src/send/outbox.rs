//! Exactly-once hand-over of one message: intent recorded and flushed before the send,
//! the answer recorded and flushed after it.
//!
//! A crash between the two leaves the intent behind; on the next start it is turned into
//! [`SendState::Unknown`] (see `App::open`) and never resent automatically. Transient
//! failures are retried here with capped backoff; a refusal (5xx) is recorded with the
//! server's text; an ambiguous failure (no answer after DATA) is recorded as unknown.

use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::config::BotConfig;
use crate::model::SendState;
use crate::prompt::compose::PromptMail;
use crate::send::compose::{compose, ComposeError, Email};
use crate::send::{MailSender, OutgoingMessage, SendError};
use crate::store::{Event, EventKind, OutgoingRecord, Store, StoreError};

/// How often and how patiently transient failures are retried within one hand-over.
#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    /// Attempts in total (at least 1).
    pub attempts: u32,
    /// Wait before the second attempt; doubled each time.
    pub first_backoff: Duration,
    /// Longest wait between attempts.
    pub max_backoff: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            attempts: 4,
            first_backoff: Duration::from_secs(2),
            max_backoff: Duration::from_secs(30),
        }
    }
}

/// Where the send state of one message lives (a prompt record, a reminder, a digest record…).
///
/// `record` writes the state; `flush` makes every write so far durable.
pub trait Ledger {
    /// The error of the underlying store.
    type Error;
    /// Persist `state` for the message.
    fn record(&mut self, state: &SendState) -> Result<(), Self::Error>;
    /// Make it durable.
    fn flush(&mut self) -> Result<(), Self::Error>;
}

/// The usual ledger: `write` puts the state into its record in the store; flushing flushes
/// the store.
pub struct StoreLedger<'a, F> {
    /// The store.
    pub store: &'a crate::store::Store,
    /// Writes the state into its record.
    pub write: F,
}

impl<F> Ledger for StoreLedger<'_, F>
where
    F: FnMut(&SendState) -> Result<(), crate::store::StoreError>,
{
    type Error = crate::store::StoreError;
    fn record(&mut self, state: &SendState) -> Result<(), Self::Error> {
        (self.write)(state)
    }
    fn flush(&mut self) -> Result<(), Self::Error> {
        self.store.flush()
    }
}

/// Hands `msg` over exactly once and returns the final state.
///
/// `now` is called for each timestamp (the clock lives at the edge that calls this).
pub async fn send_once<L: Ledger>(
    ledger: &mut L,
    sender: &dyn MailSender,
    msg: &OutgoingMessage,
    policy: RetryPolicy,
    now: &crate::clock::Clock,
) -> Result<SendState, L::Error> {
    let intent_at = now();
    ledger.record(&SendState::Intent { at: intent_at })?;
    ledger.flush()?;
    crate::failpoint!("outbox.after_intent");

    let mut backoff = policy.first_backoff;
    let mut attempt = 1;
    let state = loop {
        match sender.send(msg).await {
            Ok(_) => break SendState::Sent { at: now() },
            Err(e) if e.is_transient() && attempt < policy.attempts.max(1) => {
                tracing::warn!(message_id = %msg.message_id, attempt, error = %e, "send failed, retrying");
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(policy.max_backoff);
                attempt += 1;
            }
            Err(SendError::Ambiguous(reason)) => {
                break SendState::Unknown { intent_at, reason };
            }
            Err(SendError::Permanent { code, message }) => {
                break SendState::Failed {
                    at: now(),
                    permanent: true,
                    reason: format!("{code} {message}"),
                };
            }
            Err(e) => {
                break SendState::Failed {
                    at: now(),
                    permanent: false,
                    reason: e.to_string(),
                };
            }
        }
    };
    crate::failpoint!("outbox.after_send");
    ledger.record(&state)?;
    ledger.flush()?;
    Ok(state)
}

/// True when a failed send may be tried again without any risk of a duplicate.
pub fn retryable(state: &SendState) -> bool {
    matches!(
        state,
        SendState::Failed {
            permanent: false,
            ..
        }
    )
}

/// Records the outcome of a hand-over as an event and the last SMTP contact.
pub fn after_send(
    store: &Store,
    state: &SendState,
    kind: EventKind,
    what: &str,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let (kind, detail) = match state {
        SendState::Sent { .. } => {
            store.update_meta(|m| m.last_smtp_ok = Some(now))?;
            (kind, what.to_string())
        }
        other => (
            EventKind::SendFailed,
            format!("{what}: {}", describe_state(other)),
        ),
    };
    store.record_event(&Event::new(now, kind, detail))?;
    store.flush()?;
    Ok(())
}

/// Hands `msg` over exactly once (see [`send_once`]) through `sender`; `write` stores each
/// send state in the message's record in `store`. The outcome is recorded as an event.
pub async fn hand_over(
    store: &Store,
    sender: &dyn MailSender,
    write: impl FnMut(&SendState) -> Result<(), StoreError>,
    msg: &OutgoingMessage,
    kind: EventKind,
    what: &str,
    clock: &crate::clock::Clock,
) -> Result<SendState, StoreError> {
    let mut ledger = StoreLedger { store, write };
    let state = send_once(&mut ledger, sender, msg, RetryPolicy::default(), clock).await?;
    after_send(store, &state, kind, what, clock())?;
    Ok(state)
}

/// [`hand_over`] for a mail kept in the outgoing tree (digest, receipt, confirmation):
/// `record`'s send state follows the hand-over.
pub async fn hand_over_outgoing(
    store: &Store,
    sender: &dyn MailSender,
    record: &mut OutgoingRecord,
    msg: &OutgoingMessage,
    kind: EventKind,
    what: &str,
    clock: &crate::clock::Clock,
) -> Result<SendState, StoreError> {
    let write = |s: &SendState| {
        record.send = s.clone();
        store.put_outgoing(record)
    };
    hand_over(store, sender, write, msg, kind, what, clock).await
}

/// Composes MIME bytes for a mail from olifant (`bot`) to the owner.
pub fn outgoing(
    bot: &BotConfig,
    mail: &PromptMail,
    now: DateTime<Utc>,
    images: Vec<crate::send::compose::InlineImage>,
) -> Result<OutgoingMessage, ComposeError> {
    let email = Email {
        from: (Some(bot.name.clone()), bot.address.clone()),
        to: vec![(
            (!mail.to_name.is_empty()).then(|| mail.to_name.clone()),
            mail.to.clone(),
        )],
        reply_to: Some((Some(bot.name.clone()), mail.reply_to.clone())),
        subject: mail.subject.clone(),
        message_id: mail.message_id.clone(),
        in_reply_to: mail.in_reply_to.clone(),
        references: mail.references.clone(),
        date: now,
        extra_headers: mail.extra_headers.clone(),
        text: mail.text.clone(),
        html: (!mail.html.is_empty()).then(|| mail.html.clone()),
        inline_images: images,
    };
    Ok(OutgoingMessage {
        envelope_from: bot.address.clone(),
        recipients: vec![mail.to.clone()],
        message_id: mail.message_id.clone(),
        raw: compose(&email)?,
    })
}

/// A short human description of a send state.
pub fn describe_state(s: &SendState) -> String {
    match s {
        SendState::Intent { .. } => "in progress".into(),
        SendState::Sent { .. } => "sent".into(),
        SendState::Unknown { reason, .. } => format!("unknown: {reason}"),
        SendState::Failed {
            permanent, reason, ..
        } => {
            if *permanent {
                format!("refused: {reason}")
            } else {
                format!("failed for now: {reason}")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::send::stub::{StubOutcome, StubSender};

    #[derive(Default)]
    struct Log {
        states: Vec<SendState>,
        flushes: usize,
        flushed_before_send: Vec<bool>,
    }

    impl Ledger for Log {
        type Error = std::convert::Infallible;
        fn record(&mut self, s: &SendState) -> Result<(), Self::Error> {
            self.states.push(s.clone());
            Ok(())
        }
        fn flush(&mut self) -> Result<(), Self::Error> {
            self.flushes += 1;
            self.flushed_before_send.push(true);
            Ok(())
        }
    }

    fn msg() -> OutgoingMessage {
        OutgoingMessage {
            envelope_from: "olifant@example.test".into(),
            recipients: vec!["owner@example.test".into()],
            message_id: "m1@example.test".into(),
            raw: b"Subject: x\r\n\r\nhi\r\n".to_vec(),
        }
    }

    fn fast() -> RetryPolicy {
        RetryPolicy {
            attempts: 3,
            first_backoff: Duration::from_millis(1),
            max_backoff: Duration::from_millis(2),
        }
    }

    fn t() -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000, 0).unwrap()
    }

    #[tokio::test]
    async fn intent_is_flushed_before_the_send_and_sent_after() {
        let stub = StubSender::new();
        let mut log = Log::default();
        let s = send_once(&mut log, &stub, &msg(), fast(), &t)
            .await
            .unwrap();
        assert_eq!(s, SendState::Sent { at: t() });
        assert!(matches!(log.states[0], SendState::Intent { .. }));
        assert_eq!(log.flushes, 2);
        assert_eq!(stub.sent().len(), 1);
    }

    #[tokio::test]
    async fn transient_failures_are_retried_then_sent_once() {
        let stub = StubSender::with_script([StubOutcome::Transient, StubOutcome::Transient]);
        let mut log = Log::default();
        let s = send_once(&mut log, &stub, &msg(), fast(), &t)
            .await
            .unwrap();
        assert!(matches!(s, SendState::Sent { .. }));
        assert_eq!(stub.attempts(), 3);
        assert_eq!(stub.sent().len(), 1);
    }

    #[tokio::test]
    async fn exhausted_retries_are_a_retryable_failure() {
        let stub = StubSender::with_script(vec![StubOutcome::Transient; 3]);
        let mut log = Log::default();
        let s = send_once(&mut log, &stub, &msg(), fast(), &t)
            .await
            .unwrap();
        assert!(retryable(&s), "{s:?}");
        assert!(stub.sent().is_empty());
    }

    #[tokio::test]
    async fn a_refusal_is_permanent_and_keeps_the_server_text() {
        let stub = StubSender::with_script([StubOutcome::Permanent]);
        let mut log = Log::default();
        let s = send_once(&mut log, &stub, &msg(), fast(), &t)
            .await
            .unwrap();
        match s {
            SendState::Failed {
                permanent: true,
                reason,
                ..
            } => assert!(reason.starts_with("550")),
            other => panic!("expected a permanent failure, got {other:?}"),
        }
        assert!(!retryable(&log.states[1]));
        assert_eq!(stub.attempts(), 1);
    }

    #[tokio::test]
    async fn an_ambiguous_failure_is_unknown_and_never_retried() {
        let stub = StubSender::with_script([StubOutcome::AmbiguousDelivered]);
        let mut log = Log::default();
        let s = send_once(&mut log, &stub, &msg(), fast(), &t)
            .await
            .unwrap();
        assert!(matches!(s, SendState::Unknown { .. }), "{s:?}");
        assert!(!retryable(&s));
        assert_eq!(stub.attempts(), 1);
    }
}
