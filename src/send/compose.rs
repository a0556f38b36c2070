//! Build RFC 5322 message bytes from a plain [`Email`] (pure).
//!
//! Structure: text only → `text/plain`; text + HTML → `multipart/alternative`; HTML with
//! inline images → `multipart/alternative(text, multipart/related(html, image/png…))`.
//! Header values are sanitised (CR and LF become spaces) before lettre encodes them
//! (RFC 2047 for non-ASCII and specials), so no input can add a header or a recipient.

use chrono::{DateTime, Utc};
use lettre::message::header::{ContentType, HeaderName, HeaderValue};
use lettre::message::{Attachment, Mailbox, MultiPart, SinglePart};
use lettre::Message;

/// A display name (optional) and an address.
pub type NamedAddress = (Option<String>, String);

/// An image shown inside the HTML body, referenced as `cid:<content_id>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InlineImage {
    /// Content-ID without angle brackets (the HTML refers to it as `cid:…`).
    pub content_id: String,
    /// File name offered to mail clients.
    pub filename: String,
    /// PNG bytes.
    pub png: Vec<u8>,
}

/// Everything needed to compose one message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email {
    /// Sender.
    pub from: NamedAddress,
    /// Recipients (To).
    pub to: Vec<NamedAddress>,
    /// Optional Reply-To.
    pub reply_to: Option<NamedAddress>,
    /// Subject (any Unicode; CR/LF are replaced by spaces).
    pub subject: String,
    /// Message-ID without angle brackets.
    pub message_id: String,
    /// In-Reply-To message id, without angle brackets.
    pub in_reply_to: Option<String>,
    /// References message ids, without angle brackets, oldest first.
    pub references: Vec<String>,
    /// Date header.
    pub date: DateTime<Utc>,
    /// Extra headers, e.g. `("Auto-Submitted", "auto-generated")`.
    pub extra_headers: Vec<(String, String)>,
    /// Plain-text body.
    pub text: String,
    /// Optional HTML body.
    pub html: Option<String>,
    /// Images for the HTML body (ignored without HTML).
    pub inline_images: Vec<InlineImage>,
}

/// Why a message could not be composed.
#[derive(Debug, thiserror::Error)]
pub enum ComposeError {
    /// An address is not a valid email address.
    #[error("invalid email address {address:?} in {field}: {reason}; fix the address in the configuration")]
    Address {
        /// Which field (from, to, reply-to).
        field: &'static str,
        /// The address as given.
        address: String,
        /// lettre's reason.
        reason: String,
    },
    /// An extra header name is not a valid header name.
    #[error("invalid header name {0:?}: use ASCII letters, digits and '-'")]
    HeaderName(String),
    /// A Message-ID is empty or contains characters not allowed in one.
    #[error("invalid message id {0:?}: it must be non-empty printable ASCII without spaces or <>")]
    MessageId(String),
    /// lettre refused to build the message.
    #[error("could not build the message: {0}")]
    Build(String),
}

/// A body's line breaks as plain LF (lettre writes CRLF on the wire): a bare CR, which
/// RFC 5322 allows only before LF, becomes a line break instead of reaching the wire alone.
fn line_breaks(body: &str) -> String {
    if !body.contains('\r') {
        return body.to_string();
    }
    body.replace("\r\n", "\n").replace('\r', "\n")
}

/// Replace CR and LF (and other control characters) with spaces: a header value is one line.
pub fn sanitize_header_value(value: &str) -> String {
    value
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

fn check_message_id(id: &str) -> Result<String, ComposeError> {
    let id = id.trim();
    let id = id.strip_prefix('<').unwrap_or(id);
    let id = id.strip_suffix('>').unwrap_or(id);
    if id.is_empty()
        || !id
            .bytes()
            .all(|b| b.is_ascii_graphic() && b != b'<' && b != b'>')
    {
        return Err(ComposeError::MessageId(id.to_string()));
    }
    Ok(id.to_string())
}

fn mailbox(field: &'static str, (name, addr): &NamedAddress) -> Result<Mailbox, ComposeError> {
    let address = addr
        .trim()
        .parse()
        .map_err(|e: lettre::address::AddressError| ComposeError::Address {
            field,
            address: addr.clone(),
            reason: e.to_string(),
        })?;
    let name = name
        .as_deref()
        .map(sanitize_header_value)
        .map(|n| n.trim().to_string())
        .filter(|n| !n.is_empty());
    Ok(Mailbox::new(name, address))
}

/// Compose the message. Returns the complete bytes with CRLF line endings.
pub fn compose(email: &Email) -> Result<Vec<u8>, ComposeError> {
    let message_id = check_message_id(&email.message_id)?;
    let mut b = Message::builder()
        .from(mailbox("from", &email.from)?)
        .subject(sanitize_header_value(&email.subject))
        .message_id(Some(format!("<{message_id}>")))
        .date(std::time::SystemTime::from(email.date));
    for to in &email.to {
        b = b.to(mailbox("to", to)?);
    }
    if let Some(rt) = &email.reply_to {
        b = b.reply_to(mailbox("reply-to", rt)?);
    }
    if let Some(irt) = &email.in_reply_to {
        b = b.in_reply_to(format!("<{}>", check_message_id(irt)?));
    }
    if !email.references.is_empty() {
        let refs = email
            .references
            .iter()
            .map(|r| check_message_id(r).map(|r| format!("<{r}>")))
            .collect::<Result<Vec<_>, _>>()?;
        b = b.references(refs.join(" "));
    }
    for (name, value) in &email.extra_headers {
        let header_name = HeaderName::new_from_ascii(name.clone())
            .map_err(|_| ComposeError::HeaderName(name.clone()))?;
        if name.is_empty() || !name.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'-') {
            return Err(ComposeError::HeaderName(name.clone()));
        }
        b = b.raw_header(HeaderValue::new(header_name, sanitize_header_value(value)));
    }

    let text = SinglePart::plain(line_breaks(&email.text));
    let message = match &email.html {
        None => b.singlepart(text),
        Some(html) => {
            let html_part = SinglePart::html(line_breaks(html));
            if email.inline_images.is_empty() {
                b.multipart(
                    MultiPart::alternative()
                        .singlepart(text)
                        .singlepart(html_part),
                )
            } else {
                let png = ContentType::parse("image/png")
                    .map_err(|e| ComposeError::Build(e.to_string()))?;
                let mut related = MultiPart::related().singlepart(html_part);
                for img in &email.inline_images {
                    let cid = check_message_id(&img.content_id)?;
                    related = related.singlepart(
                        Attachment::new_inline_with_name(cid, sanitize_header_value(&img.filename))
                            .body(img.png.clone(), png.clone()),
                    );
                }
                b.multipart(MultiPart::alternative().singlepart(text).multipart(related))
            }
        }
    }
    .map_err(|e| ComposeError::Build(e.to_string()))?;
    Ok(message.formatted())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use mail_parser::{MessageParser, MimeHeaders};

    fn base() -> Email {
        Email {
            from: (Some("olifant".into()), "olifant@example.test".into()),
            to: vec![(Some("Anna de Vries".into()), "anna@example.test".into())],
            reply_to: Some((None, "olifant+tok123@example.test".into())),
            subject: "How is Acme going?".into(),
            message_id: "abc.123@example.test".into(),
            in_reply_to: None,
            references: vec![],
            date: Utc
                .with_ymd_and_hms(2026, 3, 2, 8, 0, 0)
                .single()
                .unwrap_or_default(),
            extra_headers: vec![
                ("Auto-Submitted".into(), "auto-generated".into()),
                ("X-Auto-Response-Suppress".into(), "OOF, AutoReply".into()),
            ],
            text: "Rate 1-5.\r\n".into(),
            html: None,
            inline_images: vec![],
        }
    }

    fn parse(raw: &[u8]) -> mail_parser::Message<'_> {
        MessageParser::default()
            .parse(raw)
            .expect("composed message parses")
    }

    /// Header names of the top-level message, lower-cased, in order.
    fn header_names(raw: &[u8]) -> Vec<String> {
        parse(raw)
            .headers()
            .iter()
            .map(|h| h.name().to_ascii_lowercase())
            .collect()
    }

    #[test]
    fn text_only_message_has_headers_and_plain_body() {
        let raw = compose(&base()).unwrap();
        let m = parse(&raw);
        assert_eq!(m.message_id(), Some("abc.123@example.test"));
        assert_eq!(m.subject(), Some("How is Acme going?"));
        assert_eq!(m.content_type().map(|c| c.ctype()), Some("text"));
        assert_eq!(m.content_type().and_then(|c| c.subtype()), Some("plain"));
        assert_eq!(m.body_text(0).as_deref().map(str::trim), Some("Rate 1-5."));
        assert_eq!(
            m.header_raw("Auto-Submitted").map(str::trim),
            Some("auto-generated")
        );
        assert_eq!(
            m.header_raw("X-Auto-Response-Suppress").map(str::trim),
            Some("OOF, AutoReply")
        );
        assert_eq!(
            m.reply_to()
                .and_then(|a| a.first())
                .and_then(|a| a.address()),
            Some("olifant+tok123@example.test")
        );
        assert_eq!(
            m.date().map(|d| d.to_timestamp()),
            Some(base().date.timestamp())
        );
    }

    #[test]
    fn accented_and_quoted_names_round_trip() {
        let mut e = base();
        e.from.0 = Some("Café \"De Olifant\" & Zn.".into());
        e.subject = "Hoe gaat het met Café \"De Olifant\"? — één vraag".into();
        let raw = compose(&e).unwrap();
        assert!(raw.is_ascii(), "headers must be encoded to ASCII");
        let m = parse(&raw);
        let from = m.from().and_then(|a| a.first()).unwrap();
        assert_eq!(from.name(), Some("Café \"De Olifant\" & Zn."));
        assert_eq!(from.address(), Some("olifant@example.test"));
        assert_eq!(
            m.subject(),
            Some("Hoe gaat het met Café \"De Olifant\"? — één vraag")
        );
    }

    #[test]
    fn header_injection_via_crlf_never_adds_a_header_or_recipient() {
        let clean = header_names(&compose(&base()).unwrap());
        for evil in [
            "Hi\r\nBcc: victim@evil.test",
            "Hi\nBcc: victim@evil.test",
            "Hi\rBcc: victim@evil.test",
            "Hi\r\n\r\nInjected body",
            "Hi\n.\nMAIL FROM:<x@evil.test>",
        ] {
            let mut e = base();
            e.subject = evil.into();
            e.from.0 = Some(evil.into());
            e.to[0].0 = Some(evil.into());
            e.extra_headers.push(("X-Client".into(), evil.into()));
            let raw = compose(&e).unwrap();
            let mut names = header_names(&raw);
            names.retain(|n| n != "x-client");
            assert_eq!(names, clean, "header set changed for {evil:?}");
            let m = parse(&raw);
            assert!(m.bcc().is_none(), "a Bcc appeared for {evil:?}");
            assert_eq!(m.to().map(|t| t.iter().count()), Some(1));
            assert_eq!(m.body_text(0).as_deref().map(str::trim), Some("Rate 1-5."));
        }
    }

    #[test]
    fn crlf_in_a_message_id_is_refused() {
        let mut e = base();
        e.message_id = "a@b\r\nBcc: x@evil.test".into();
        assert!(matches!(compose(&e), Err(ComposeError::MessageId(_))));
        let mut e = base();
        e.in_reply_to = Some("x y@z".into());
        assert!(matches!(compose(&e), Err(ComposeError::MessageId(_))));
    }

    #[test]
    fn bad_addresses_and_header_names_are_refused() {
        let mut e = base();
        e.to[0].1 = "anna@example.test\r\nBcc: x@evil.test".into();
        assert!(matches!(compose(&e), Err(ComposeError::Address { .. })));
        let mut e = base();
        e.extra_headers.push(("Bad Name:".into(), "v".into()));
        assert!(matches!(compose(&e), Err(ComposeError::HeaderName(_))));
    }

    #[test]
    fn lone_dot_lines_in_the_body_survive_and_do_not_end_the_message() {
        let mut e = base();
        e.text = "line one\r\n.\r\nline three after a lone dot\n.\nend\rafter a bare CR".into();
        let raw = compose(&e).unwrap();
        let m = parse(&raw);
        let body = m.body_text(0).unwrap_or_default().replace("\r\n", "\n");
        assert!(body.contains("line three after a lone dot"), "{body:?}");
        assert!(
            body.trim_end().ends_with("end\nafter a bare CR"),
            "{body:?}"
        );
        let wire = String::from_utf8_lossy(&raw);
        assert!(
            !wire.replace("\r\n", "").contains('\r'),
            "no bare CR reaches the wire"
        );
    }

    #[test]
    fn threading_headers_are_bracketed() {
        let mut e = base();
        e.in_reply_to = Some("p1@example.test".into());
        e.references = vec!["p0@example.test".into(), "<p1@example.test>".into()];
        let raw = compose(&e).unwrap();
        let m = parse(&raw);
        assert_eq!(m.in_reply_to().as_text(), Some("p1@example.test"));
        let refs: Vec<&str> = m
            .references()
            .as_text_list()
            .map(|l| l.iter().map(|s| s.as_ref()).collect())
            .unwrap_or_default();
        assert_eq!(refs, vec!["p0@example.test", "p1@example.test"]);
    }

    #[test]
    fn text_and_html_make_multipart_alternative() {
        let mut e = base();
        e.html = Some("<p>Rate 1-5.</p>".into());
        let raw = compose(&e).unwrap();
        let m = parse(&raw);
        assert_eq!(
            m.content_type().and_then(|c| c.subtype()),
            Some("alternative")
        );
        assert_eq!(
            m.body_html(0).as_deref().map(str::trim),
            Some("<p>Rate 1-5.</p>")
        );
        assert_eq!(m.body_text(0).as_deref().map(str::trim), Some("Rate 1-5."));
        assert_eq!(m.attachment_count(), 0);
    }

    #[test]
    fn html_with_images_nests_related_inside_alternative() {
        let mut e = base();
        e.html = Some("<p>Chart: <img src=\"cid:chart1@olifant\"></p>".into());
        let png = vec![0x89, b'P', b'N', b'G', 0, 1, 2, 3, 255];
        e.inline_images = vec![InlineImage {
            content_id: "chart1@olifant".into(),
            filename: "health.png".into(),
            png: png.clone(),
        }];
        let raw = compose(&e).unwrap();
        let m = parse(&raw);
        assert_eq!(
            m.content_type().and_then(|c| c.subtype()),
            Some("alternative")
        );
        // part 0 = root, 1 = text, 2 = related, 3 = html, 4 = image
        let related = m
            .parts
            .iter()
            .find(|p| p.content_type().and_then(|c| c.subtype()) == Some("related"))
            .expect("a multipart/related part");
        assert_eq!(related.content_type().map(|c| c.ctype()), Some("multipart"));
        let img = m
            .parts
            .iter()
            .find(|p| p.content_type().map(|c| c.ctype()) == Some("image"))
            .expect("an image part");
        assert_eq!(img.content_type().and_then(|c| c.subtype()), Some("png"));
        assert_eq!(img.content_id(), Some("chart1@olifant"));
        assert_eq!(img.contents(), &png[..]);
        assert!(m
            .body_html(0)
            .unwrap_or_default()
            .contains("cid:chart1@olifant"));
    }
}
