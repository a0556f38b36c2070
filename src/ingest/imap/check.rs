//! `olifant check` for IMAP: log in, select the mailbox, list what is there; hints per failure.

use super::*;

pub(super) fn hint(e: &SourceError) -> Option<String> {
    Some(match e {
        SourceError::Connect { .. } => "check host, port and firewall; is the server running?".into(),
        SourceError::Tls(t) if t.contains("NotValidForName") => {
            "the certificate does not match the host name: use the name on the server's certificate".into()
        }
        SourceError::Tls(t) if t.contains("UnknownIssuer") => {
            "the certificate is not signed by a trusted CA: set ca_file to your private CA's PEM file".into()
        }
        SourceError::Tls(_) => "check the security mode: port 993 is usually tls, 143 starttls".into(),
        SourceError::Auth(_) => "check the username and password; many providers (Gmail, Outlook, iCloud) need an app password".into(),
        SourceError::Timeout { .. } => {
            "the server accepted the connection but did not answer: check the port and security mode".into()
        }
        SourceError::Mailbox { existing, .. } => {
            format!("set mailbox to one of: {}", existing.join(", "))
        }
        SourceError::Config(_) => "fix the [imap] settings".into(),
        _ => return None,
    })
}

/// `olifant check` for IMAP: connect, TLS, login, select. Nothing is changed on the server.
pub async fn check(settings: &ImapSettings) -> Vec<CheckStep> {
    let mut steps = Vec::new();
    if let Err(e) = ImapSource::new(settings.clone()) {
        steps.push(CheckStep::fail("settings", e.to_string(), hint(&e)));
        return steps;
    }
    match tokio::time::timeout(
        settings.connect_timeout,
        TcpStream::connect((settings.host.as_str(), settings.port)),
    )
    .await
    {
        Ok(Ok(_)) => steps.push(CheckStep::pass(
            "connect",
            format!("TCP connection to {} opened", what_addr(settings)),
        )),
        Ok(Err(e)) => {
            let e = SourceError::Connect {
                what: what_addr(settings),
                detail: e.to_string(),
            };
            steps.push(CheckStep::fail("connect", e.to_string(), hint(&e)));
            return steps;
        }
        Err(_) => {
            steps.push(CheckStep::fail(
                "connect",
                format!("no TCP connection within {:?}", settings.connect_timeout),
                Some("check host, port and firewall".into()),
            ));
            return steps;
        }
    }
    let tls_name = match settings.security {
        Security::Tls => "tls",
        Security::StartTls => "starttls",
        Security::None => "greeting",
    };
    let client = match connect_client(settings).await {
        Ok(c) => {
            steps.push(CheckStep::pass(
                tls_name,
                match settings.security {
                    Security::None => "greeting received (no encryption, loopback)".to_string(),
                    _ => "TLS established, certificate verified".to_string(),
                },
            ));
            c
        }
        Err(e) => {
            steps.push(CheckStep::fail(tls_name, e.to_string(), hint(&e)));
            return steps;
        }
    };
    let mut session = match login(settings, client).await {
        Ok(s) => {
            steps.push(CheckStep::pass(
                "login",
                format!("logged in as {}", settings.username),
            ));
            s
        }
        Err(e) => {
            steps.push(CheckStep::fail("login", e.to_string(), hint(&e)));
            return steps;
        }
    };
    match select(settings, &mut session).await {
        Ok(info) => steps.push(CheckStep::pass(
            "select",
            format!(
                "mailbox {:?}: {} messages, UIDVALIDITY {}, IDLE {}, MOVE {}",
                settings.mailbox,
                info.exists,
                info.uid_validity,
                if info.idle { "yes" } else { "no" },
                if info.move_supported { "yes" } else { "no" }
            ),
        )),
        Err(e) => steps.push(CheckStep::fail("select", e.to_string(), hint(&e))),
    }
    let _ = tokio::time::timeout(settings.command_timeout, session.logout()).await;
    steps
}
