//! Hand messages to a local sendmail-compatible binary (`sendmail -i -f from -- rcpt…`).

use std::path::PathBuf;
use std::time::Duration;

use futures::future::BoxFuture;
use lettre::{AsyncSendmailTransport, AsyncTransport, Tokio1Executor};

use super::{MailSender, OutgoingMessage, SendError, SendReceipt};

/// Sends through a sendmail binary.
pub struct SendmailSender {
    command: PathBuf,
    timeout: Duration,
    transport: AsyncSendmailTransport<Tokio1Executor>,
}

impl std::fmt::Debug for SendmailSender {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SendmailSender")
            .field("command", &self.command)
            .field("timeout", &self.timeout)
            .finish()
    }
}

impl SendmailSender {
    /// Use the binary at `command`; a send taking longer than `timeout` is reported as ambiguous.
    pub fn new(command: impl Into<PathBuf>, timeout: Duration) -> Self {
        let command = command.into();
        let transport =
            AsyncSendmailTransport::<Tokio1Executor>::new_with_command(command.as_os_str());
        SendmailSender {
            command,
            timeout,
            transport,
        }
    }
}

impl MailSender for SendmailSender {
    fn send<'a>(
        &'a self,
        msg: &'a OutgoingMessage,
    ) -> BoxFuture<'a, Result<SendReceipt, SendError>> {
        Box::pin(async move {
            let envelope = msg.envelope()?;
            match tokio::time::timeout(self.timeout, self.transport.send_raw(&envelope, &msg.raw))
                .await
            {
                Ok(Ok(())) => Ok(SendReceipt {
                    detail: format!("accepted by {}", self.command.display()),
                }),
                // sendmail exits non-zero when it did not take the message: try again later.
                Ok(Err(e)) => Err(SendError::Transient(format!(
                    "{} failed: {e}; check that the command exists and works from a shell",
                    self.command.display()
                ))),
                Err(_) => Err(SendError::Ambiguous(format!(
                    "{} did not finish within {:?}",
                    self.command.display(),
                    self.timeout
                ))),
            }
        })
    }

    fn describe(&self) -> String {
        format!("sendmail command {}", self.command.display())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn msg() -> OutgoingMessage {
        OutgoingMessage {
            envelope_from: "a@example.test".into(),
            recipients: vec!["b@example.test".into()],
            message_id: "m@x".into(),
            raw: b"Subject: x\r\n\r\nbody\r\n".to_vec(),
        }
    }

    #[tokio::test]
    async fn a_fake_sendmail_receives_the_message_on_stdin() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out");
        let script = dir.path().join("sendmail");
        std::fs::write(
            &script,
            format!(
                "#!/bin/sh\necho \"$@\" > {0}.args\ncat > {0}\n",
                out.display()
            ),
        )
        .unwrap();
        let mut perm = std::fs::metadata(&script).unwrap().permissions();
        std::os::unix::fs::PermissionsExt::set_mode(&mut perm, 0o755);
        std::fs::set_permissions(&script, perm).unwrap();
        let s = SendmailSender::new(&script, Duration::from_secs(30));
        s.send(&msg()).await.unwrap();
        assert_eq!(std::fs::read(&out).unwrap(), msg().raw);
        let args = std::fs::read_to_string(dir.path().join("out.args")).unwrap();
        assert!(
            args.contains("a@example.test") && args.contains("b@example.test"),
            "{args}"
        );
    }

    #[tokio::test]
    async fn a_failing_sendmail_is_transient() {
        let s = SendmailSender::new("/bin/false", Duration::from_secs(30));
        let e = s.send(&msg()).await.unwrap_err();
        assert!(e.is_transient(), "{e}");
    }
}
