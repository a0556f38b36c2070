use super::*;

#[test]
fn server_words_are_taken_out_of_async_imap_error_text() {
    assert_eq!(
        server_text(r#"code: None, info: Some("[AUTHENTICATIONFAILED] Authentication failed.")"#),
        "[AUTHENTICATIONFAILED] Authentication failed."
    );
    assert_eq!(server_text("plain words"), "plain words");
}

#[test]
fn uid_sets_are_compact_sorted_and_deduplicated() {
    assert_eq!(uid_set(&[9, 1, 2, 3, 7, 10, 3]), "1:3,7,9:10");
    assert_eq!(uid_set(&[5]), "5");
    assert_eq!(uid_set(&[]), "");
}

#[test]
fn plaintext_imap_to_a_remote_host_is_refused() {
    let s = ImapSettings::new("imap.example.com", 143, Security::None, "u", "p");
    assert!(matches!(ImapSource::new(s), Err(SourceError::Config(_))));
}

#[test]
fn debug_hides_the_password() {
    let s = ImapSettings::new("h", 993, Security::Tls, "u", "topsecret-pw");
    assert!(!format!("{s:?}").contains("topsecret-pw"));
    let src = ImapSource::new(s).unwrap();
    assert!(!format!("{src:?}").contains("topsecret-pw"));
    assert!(!src.describe().contains("topsecret-pw"));
}

/// An IMAP server that logs in and selects fine, then never answers anything else.
async fn hanging_server() -> u16 {
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = l.local_addr().unwrap().port();
    tokio::spawn(async move {
        let Ok((sock, _)) = l.accept().await else {
            return;
        };
        let (r, mut w) = sock.into_split();
        let mut r = BufReader::new(r);
        let _ = w.write_all(b"* OK fake ready\r\n").await;
        let mut line = String::new();
        loop {
            line.clear();
            if r.read_line(&mut line).await.unwrap_or(0) == 0 {
                return;
            }
            let mut parts = line.split_whitespace();
            let tag = parts.next().unwrap_or("*").to_string();
            let cmd = parts.next().unwrap_or("").to_ascii_uppercase();
            let reply = match cmd.as_str() {
                "LOGIN" => format!("{tag} OK logged in\r\n"),
                "CAPABILITY" => format!("* CAPABILITY IMAP4rev1 IDLE UIDPLUS\r\n{tag} OK done\r\n"),
                "SELECT" => format!(
                    "* 3 EXISTS\r\n* OK [UIDVALIDITY 77] v\r\n* OK [UIDNEXT 9] n\r\n{tag} OK [READ-WRITE] selected\r\n"
                ),
                _ => {
                    tokio::time::sleep(Duration::from_secs(3600)).await;
                    return;
                }
            };
            let _ = w.write_all(reply.as_bytes()).await;
        }
    });
    port
}

#[tokio::test]
async fn a_command_timeout_breaks_the_session_for_good() {
    let port = hanging_server().await;
    let mut st = ImapSettings::new("127.0.0.1", port, Security::None, "u", "p");
    st.command_timeout = Duration::from_millis(300);
    let mut s = ImapSource::new(st).unwrap().open().await.unwrap();
    assert_eq!(s.info().uid_validity, 77);
    assert_eq!(s.info().uid_next, Some(9));
    assert_eq!(s.info().exists, 3);
    assert!(s.info().idle && s.info().uidplus && !s.info().move_supported);
    let e = s.search(&Query::All).await.unwrap_err();
    assert!(matches!(e, SourceError::Timeout { .. }), "{e:?}");
    assert!(e.is_transient());
    assert!(s.is_broken());
    let e = s.search(&Query::All).await.unwrap_err();
    assert!(matches!(e, SourceError::Broken { .. }), "{e:?}");
    assert_eq!(
        s.wait(Duration::from_secs(1)).await.unwrap(),
        WaitOutcome::Reconnect
    );
}
