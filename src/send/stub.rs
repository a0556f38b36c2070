//! The test double: records what was "sent" and returns scripted outcomes.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use futures::future::BoxFuture;

use super::{MailSender, OutgoingMessage, SendError, SendReceipt};

/// A scripted outcome for the next [`StubSender::send`] call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StubOutcome {
    /// Accept (and record) the message.
    Ok,
    /// Fail with [`SendError::Transient`] (not recorded as sent).
    Transient,
    /// Fail with [`SendError::Permanent`] 550 (not recorded as sent).
    Permanent,
    /// Record the message as delivered but report [`SendError::Ambiguous`], like a connection
    /// that dropped after DATA when the server had in fact queued the mail.
    AmbiguousDelivered,
    /// Report [`SendError::Ambiguous`] without recording it (the server lost it).
    AmbiguousLost,
}

/// In-memory sender. Outcomes are taken from a queue; an empty queue means `Ok`.
#[derive(Debug, Clone, Default)]
pub struct StubSender {
    sent: Arc<Mutex<Vec<OutgoingMessage>>>,
    attempts: Arc<Mutex<usize>>,
    script: Arc<Mutex<VecDeque<StubOutcome>>>,
}

impl StubSender {
    /// A stub that accepts everything.
    pub fn new() -> Self {
        Self::default()
    }

    /// A stub that returns `outcomes` in order, then `Ok`.
    pub fn with_script(outcomes: impl IntoIterator<Item = StubOutcome>) -> Self {
        let s = Self::default();
        s.push_outcomes(outcomes);
        s
    }

    /// Append outcomes to the script.
    pub fn push_outcomes(&self, outcomes: impl IntoIterator<Item = StubOutcome>) {
        if let Ok(mut q) = self.script.lock() {
            q.extend(outcomes);
        }
    }

    /// Messages that reached the "recipient" (Ok and AmbiguousDelivered), in order.
    pub fn sent(&self) -> Vec<OutgoingMessage> {
        self.sent.lock().map(|v| v.clone()).unwrap_or_default()
    }

    /// Number of `send` calls so far, successful or not.
    pub fn attempts(&self) -> usize {
        self.attempts.lock().map(|a| *a).unwrap_or(0)
    }
}

impl MailSender for StubSender {
    fn send<'a>(
        &'a self,
        msg: &'a OutgoingMessage,
    ) -> BoxFuture<'a, Result<SendReceipt, SendError>> {
        Box::pin(async move {
            if let Ok(mut a) = self.attempts.lock() {
                *a += 1;
            }
            let outcome = self
                .script
                .lock()
                .ok()
                .and_then(|mut q| q.pop_front())
                .unwrap_or(StubOutcome::Ok);
            let record = || {
                if let Ok(mut v) = self.sent.lock() {
                    v.push(msg.clone());
                }
            };
            match outcome {
                StubOutcome::Ok => {
                    record();
                    Ok(SendReceipt {
                        detail: format!("stub accepted {}", msg.message_id),
                    })
                }
                StubOutcome::Transient => {
                    Err(SendError::Transient("stub: 421 try again later".into()))
                }
                StubOutcome::Permanent => Err(SendError::Permanent {
                    code: 550,
                    message: "stub: 5.1.1 mailbox unavailable".into(),
                }),
                StubOutcome::AmbiguousDelivered => {
                    record();
                    Err(SendError::Ambiguous(
                        "stub: connection lost after DATA".into(),
                    ))
                }
                StubOutcome::AmbiguousLost => Err(SendError::Ambiguous(
                    "stub: connection lost after DATA".into(),
                )),
            }
        })
    }

    fn describe(&self) -> String {
        "stub sender (tests)".into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn msg(id: &str) -> OutgoingMessage {
        OutgoingMessage {
            envelope_from: "a@x".into(),
            recipients: vec!["b@x".into()],
            message_id: id.into(),
            raw: b"x".to_vec(),
        }
    }

    #[tokio::test]
    async fn scripted_outcomes_come_in_order_then_ok() {
        let s = StubSender::with_script([
            StubOutcome::Transient,
            StubOutcome::Permanent,
            StubOutcome::AmbiguousDelivered,
        ]);
        assert!(s.send(&msg("1")).await.unwrap_err().is_transient());
        assert!(matches!(
            s.send(&msg("2")).await,
            Err(SendError::Permanent { code: 550, .. })
        ));
        assert!(s.send(&msg("3")).await.unwrap_err().is_ambiguous());
        assert!(s.send(&msg("4")).await.is_ok());
        let ids: Vec<_> = s.sent().into_iter().map(|m| m.message_id).collect();
        assert_eq!(ids, vec!["3", "4"]);
        assert_eq!(s.attempts(), 4);
    }
}
