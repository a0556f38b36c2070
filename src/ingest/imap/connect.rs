//! Connecting: TCP and TLS with timeouts, the greeting, LOGIN, SELECT.

use super::*;

pub(super) fn what_addr(s: &ImapSettings) -> String {
    format!("{}:{}", s.host, s.port)
}

pub(super) async fn with_timeout<T, F>(d: Duration, what: &str, f: F) -> SourceResult<T>
where
    F: std::future::Future<Output = SourceResult<T>>,
{
    match tokio::time::timeout(d, f).await {
        Ok(r) => r,
        Err(_) => Err(SourceError::Timeout {
            what: what.to_string(),
            timeout: d,
        }),
    }
}

pub(super) async fn read_greeting(
    client: &mut Client<ImapIo>,
    s: &ImapSettings,
) -> SourceResult<()> {
    let r = with_timeout(s.connect_timeout, "the greeting", async {
        client
            .read_response()
            .await
            .map_err(|e| SourceError::Broken {
                what: "the greeting".into(),
                detail: e.to_string(),
            })
    })
    .await?;
    match r {
        Some(resp) => match resp.parsed() {
            Response::Data {
                status: Status::Bye,
                ..
            } => Err(SourceError::Connect {
                what: what_addr(s),
                detail: "the server said BYE instead of a greeting".into(),
            }),
            _ => Ok(()),
        },
        None => Err(SourceError::Connect {
            what: what_addr(s),
            detail: "the server closed the connection before greeting".into(),
        }),
    }
}

/// TCP connect, TLS (implicit or STARTTLS), greeting. Bounded by `connect_timeout` per step.
pub(super) async fn connect_client(s: &ImapSettings) -> SourceResult<Client<ImapIo>> {
    if s.security == Security::None && !is_loopback_host(&s.host) {
        return Err(SourceError::Config(format!(
            "security = none is only allowed for a loopback host, not {:?}",
            s.host
        )));
    }
    let tls_config = match s.security {
        Security::None => None,
        _ => Some(tls::client_config(s.ca_file.as_deref())?),
    };
    let tcp = with_timeout(s.connect_timeout, "the TCP connect", async {
        TcpStream::connect((s.host.as_str(), s.port))
            .await
            .map_err(|e| SourceError::Connect {
                what: what_addr(s),
                detail: e.to_string(),
            })
    })
    .await?;
    match (s.security, tls_config) {
        (Security::Tls, Some(cfg)) => {
            let t = with_timeout(
                s.connect_timeout,
                "the TLS handshake",
                tls::handshake(cfg, &s.host, tcp),
            )
            .await?;
            let mut client = Client::new(ImapIo::Tls(Box::new(t)));
            read_greeting(&mut client, s).await?;
            Ok(client)
        }
        (Security::StartTls, Some(cfg)) => {
            let mut client = Client::new(ImapIo::Plain(tcp));
            read_greeting(&mut client, s).await?;
            with_timeout(s.connect_timeout, "STARTTLS", async {
                client
                    .run_command_and_check_ok("STARTTLS", None)
                    .await
                    .map_err(|e| {
                        SourceError::Tls(format!(
                            "the server refused STARTTLS ({e}); use security = tls if this is port 993"
                        ))
                    })
            })
            .await?;
            let tcp = match client.into_inner() {
                ImapIo::Plain(t) => t,
                ImapIo::Tls(_) => {
                    return Err(SourceError::Tls(
                        "unexpected TLS state before STARTTLS".into(),
                    ))
                }
            };
            let t = with_timeout(
                s.connect_timeout,
                "the TLS handshake",
                tls::handshake(cfg, &s.host, tcp),
            )
            .await?;
            Ok(Client::new(ImapIo::Tls(Box::new(t))))
        }
        _ => {
            let mut client = Client::new(ImapIo::Plain(tcp));
            read_greeting(&mut client, s).await?;
            Ok(client)
        }
    }
}

/// The server's own words from async-imap's `code: …, info: Some("…")` error text.
pub(super) fn server_text(text: &str) -> String {
    let Some(start) = text.find("info: Some(\"") else {
        return text.to_string();
    };
    let rest = &text[start + "info: Some(\"".len()..];
    let end = rest.rfind("\")").unwrap_or(rest.len());
    rest[..end].replace("\\\"", "\"")
}

pub(super) async fn login(
    s: &ImapSettings,
    client: Client<ImapIo>,
) -> SourceResult<Session<ImapIo>> {
    with_timeout(s.command_timeout, "LOGIN", async {
        match client.login(&s.username, &s.password).await {
            Ok(sess) => Ok(sess),
            Err((async_imap::error::Error::No(text), _))
            | Err((async_imap::error::Error::Bad(text), _)) => Err(SourceError::Auth(scrub(
                &server_text(&text),
                Some(&s.password),
            ))),
            Err((e, _)) => Err(SourceError::Broken {
                what: "LOGIN".into(),
                detail: scrub(&e.to_string(), Some(&s.password)),
            }),
        }
    })
    .await
}

pub(super) async fn list_mailboxes(s: &ImapSettings, session: &mut Session<ImapIo>) -> Vec<String> {
    let r = tokio::time::timeout(s.command_timeout, async {
        let stream = session.list(Some(""), Some("*")).await?;
        let names: Vec<async_imap::types::Name> = stream.try_collect().await?;
        Ok::<_, async_imap::error::Error>(names.iter().map(|n| n.name().to_string()).collect())
    })
    .await;
    match r {
        Ok(Ok(v)) => v,
        _ => Vec::new(),
    }
}

pub(super) async fn select(
    s: &ImapSettings,
    session: &mut Session<ImapIo>,
) -> SourceResult<SessionInfo> {
    let caps = with_timeout(s.command_timeout, "CAPABILITY", async {
        session
            .capabilities()
            .await
            .map_err(|e| SourceError::Broken {
                what: "CAPABILITY".into(),
                detail: e.to_string(),
            })
    })
    .await?;
    let r = tokio::time::timeout(s.command_timeout, session.select(&s.mailbox)).await;
    let mbox = match r {
        Err(_) => {
            return Err(SourceError::Timeout {
                what: "SELECT".into(),
                timeout: s.command_timeout,
            })
        }
        Ok(Ok(m)) => m,
        Ok(Err(async_imap::error::Error::No(detail)))
        | Ok(Err(async_imap::error::Error::Bad(detail))) => {
            let existing = list_mailboxes(s, session).await;
            return Err(SourceError::Mailbox {
                name: s.mailbox.clone(),
                detail,
                existing,
            });
        }
        Ok(Err(e)) => {
            return Err(SourceError::Broken {
                what: "SELECT".into(),
                detail: e.to_string(),
            })
        }
    };
    drain(session);
    Ok(SessionInfo {
        uid_validity: mbox.uid_validity.unwrap_or(0),
        uid_next: mbox.uid_next,
        exists: mbox.exists,
        idle: caps.has_str("IDLE"),
        move_supported: caps.has_str("MOVE"),
        uidplus: caps.has_str("UIDPLUS"),
    })
}

/// Empty the bounded unsolicited-response channel (it silently drops overflow); true when
/// it held news of new messages.
pub(super) fn drain(session: &mut Session<ImapIo>) -> bool {
    let mut news = false;
    while let Ok(r) = session.unsolicited_responses.try_recv() {
        if matches!(
            r,
            UnsolicitedResponse::Exists(_) | UnsolicitedResponse::Recent(_)
        ) {
            news = true;
        }
    }
    news
}
