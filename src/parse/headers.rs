//! Reading headers cheaply: one configured mail-parser pass, Message-ID lists, the
//! Subject, Authentication-Results, auto-reply flags, tokens in text and bounce reasons.

use super::*;

pub(super) fn unfold(v: &str) -> String {
    if !v.contains(['\r', '\n']) {
        // One piece: what the general case below gives.
        return v.trim().to_string();
    }
    v.split(['\r', '\n'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// The dedup id of a message without a Message-ID: `sha256:<hex of the raw bytes>`.
pub fn sha256_hex(raw: &[u8]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let d = ring::digest::digest(&ring::digest::SHA256, raw);
    let mut s = String::with_capacity(7 + 2 * d.as_ref().len());
    s.push_str("sha256:");
    for b in d.as_ref() {
        s.push(char::from(HEX[usize::from(b >> 4)]));
        s.push(char::from(HEX[usize::from(b & 0xf)]));
    }
    s
}

/// The message ids in a raw (possibly folded) header value: unfolding only turns line breaks
/// into the white space the split already cuts at.
pub(super) fn ids_in(v: &str) -> Vec<&str> {
    let cut = |c: char| c == '<' || c == '>' || c.is_whitespace() || c == ',';
    let slow = || v.split(cut).filter(|s| s.contains('@')).take(200).collect();
    // ASCII: the same cut, byte by byte (every ASCII byte is a character), noting `@`s on
    // the way; any other byte goes the character way.
    let mut ids = Vec::with_capacity(2);
    let mut start = 0;
    let mut at_sign = false;
    let b = v.as_bytes();
    for (at, &c) in b.iter().enumerate() {
        match ID_BYTES[usize::from(c)] {
            IdByte::Plain => {}
            IdByte::At => at_sign = true,
            IdByte::Cut => {
                if at_sign {
                    if ids.len() == 200 {
                        return ids;
                    }
                    ids.push(v.get(start..at).unwrap_or(""));
                }
                start = at + 1;
                at_sign = false;
            }
            IdByte::NotAscii => return slow(),
        }
    }
    if at_sign && ids.len() < 200 {
        ids.push(v.get(start..).unwrap_or(""));
    }
    ids
}

/// What a byte is to [`ids_in`].
#[derive(Clone, Copy)]
pub(super) enum IdByte {
    Plain,
    At,
    /// `<`, `>`, `,` and ASCII white space (`char::is_whitespace`).
    Cut,
    NotAscii,
}

/// [`IdByte`] of every byte value.
pub(super) const ID_BYTES: [IdByte; 256] = {
    let mut table = [IdByte::Plain; 256];
    let mut b = 0;
    while b < 256 {
        table[b] = match b as u8 {
            b'@' => IdByte::At,
            b'<' | b'>' | b',' | b'\t' | b'\n' | 0x0B | 0x0C | b'\r' | b' ' => IdByte::Cut,
            0x80..=0xFF => IdByte::NotAscii,
            _ => IdByte::Plain,
        };
        b += 1;
    }
    table
};

/// The header names [`read_message`] looks at (compared ASCII-case-insensitively).
pub(super) const READ_HEADERS: &[&str] = &[
    "In-Reply-To",
    "References",
    "Delivered-To",
    "X-Original-To",
    "Authentication-Results",
    "Return-Path",
    "Auto-Submitted",
    "X-Autoreply",
    "X-Autorespond",
    "Precedence",
];

/// The MIME parser, built once: it parses into typed values only the headers read through
/// mail-parser (MIME headers, From/To/Cc, Date, Message-ID). Every other header is skipped
/// (kept by name and offsets: [`read_message`] reads the ones it needs raw, the Subject
/// included: see [`subject_of`]).
pub(super) fn message_parser() -> &'static MessageParser {
    static PARSER: OnceLock<MessageParser> = OnceLock::new();
    PARSER.get_or_init(|| typed_headers(MessageParser::new()).default_header_ignore())
}

/// [`message_parser`] that also decodes the Subject (RFC 2047), for the rare message whose
/// Subject [`subject_of`] cannot read from its raw bytes alone.
pub(super) fn message_parser_with_subject() -> &'static MessageParser {
    static PARSER: OnceLock<MessageParser> = OnceLock::new();
    PARSER.get_or_init(|| {
        typed_headers(MessageParser::new())
            .header_text(HeaderName::Subject)
            .default_header_ignore()
    })
}

/// The headers both parsers above type: MIME, From/To/Cc, Date, Message-ID.
pub(super) fn typed_headers(parser: MessageParser) -> MessageParser {
    parser
        .with_mime_headers()
        .header_address(HeaderName::From)
        .header_address(HeaderName::To)
        .header_address(HeaderName::Cc)
        .header_date(HeaderName::Date)
        .header_id(HeaderName::MessageId)
}

/// The Subject as mail-parser's text parser reads it (`header_text`), from the raw bytes of a
/// Subject header that [`message_parser`] skipped: `None` when that is not certain to give the
/// same result (an encoded word that runs past the end of the skipped header: parse the
/// message again with [`message_parser_with_subject`]).
///
/// Without `=?` (no encoded word) the text parser keeps each line of the value trimmed of
/// spaces, tabs and CRs, drops empty ones and joins the rest with single spaces; a value cut
/// off by the end of the message (no final line break) reads as no Subject at all.
pub(super) fn subject_of<'x>(raw: &'x [u8], start: usize, end: usize) -> Option<Cow<'x, str>> {
    let value = raw.get(start..end)?;
    if value.windows(2).any(|w| w == b"=?") {
        // Encoded words: mail-parser's own parser, on the rest of the message as it saw it.
        let mut stream = MessageStream::new(raw.get(start..)?);
        let text = stream.parse_unstructured();
        let text = match text {
            HeaderValue::Text(t) => t,
            _ => Cow::Borrowed(""),
        };
        return (stream.offset() == end - start).then_some(text);
    }
    if value.last() != Some(&b'\n') {
        return Some(Cow::Borrowed(""));
    }
    let space = |b: &u8| matches!(b, b' ' | b'\t' | b'\r');
    let mut tokens = value.split(|&b| b == b'\n').filter_map(|line| {
        let first = line.iter().position(|b| !space(b))?;
        let last = line.iter().rposition(|b| !space(b)).unwrap_or(first);
        line.get(first..=last)
    });
    let Some(first) = tokens.next() else {
        return Some(Cow::Borrowed(""));
    };
    let mut text = lossy(first);
    for token in tokens {
        let text = text.to_mut();
        text.push(' ');
        text.push_str(&lossy(token));
    }
    Some(text)
}

/// `String::from_utf8_lossy(bytes)`, checking valid UTF-8 the faster way first (the same
/// text: nothing is replaced in valid UTF-8).
pub(super) fn lossy(bytes: &[u8]) -> Cow<'_, str> {
    match std::str::from_utf8(bytes) {
        Ok(text) => Cow::Borrowed(text),
        Err(_) => String::from_utf8_lossy(bytes),
    }
}

/// `authserv-id` of an Authentication-Results value and whether it says `dmarc=fail`.
pub(super) fn auth_results(value: &str) -> (String, bool) {
    let v = unfold(value).to_ascii_lowercase();
    let id = v
        .split(';')
        .next()
        .unwrap_or("")
        .split_whitespace()
        .next()
        .unwrap_or("")
        .to_string();
    let fail = v.split([';', ' ', '\t']).any(|t| t.trim() == "dmarc=fail");
    (id, fail)
}

pub(super) fn header_flags_auto_reply(headers: &[(&str, &str)], subject: &str) -> Option<String> {
    const FLAGS: &[&str] = &[
        "auto-submitted",
        "x-autoreply",
        "x-autorespond",
        "precedence",
    ];
    for (name, value) in headers {
        // Only the flag headers are unfolded and lowercased.
        if !FLAGS.iter().any(|f| name.eq_ignore_ascii_case(f)) {
            continue;
        }
        let v = unfold(value).to_ascii_lowercase();
        let v = v.trim();
        match name.to_ascii_lowercase().as_str() {
            "auto-submitted" if !v.is_empty() && !v.starts_with("no") => {
                return Some(format!("Auto-Submitted: {v}"));
            }
            "x-autoreply" if v == "yes" || v == "true" => return Some("X-Autoreply".into()),
            "x-autorespond" => return Some("X-Autorespond".into()),
            "precedence" if matches!(v, "auto_reply" | "bulk" | "junk" | "list") => {
                return Some(format!("Precedence: {v}"));
            }
            _ => {}
        }
    }
    let s = subject.trim();
    const PREFIXES: &[&str] = &[
        "automatic reply",
        "auto:",
        "auto reply",
        "autoreply",
        "auto-reply",
        "auto response",
        "out of office",
        "out of the office",
        "automatisch antwoord",
        "automatische beantwoording",
        "afwezig",
        "niet aanwezig",
        "abwesenheitsnotiz",
        "automatische antwort",
        "abwesend",
        "réponse automatique",
        "reponse automatique",
        "absence",
        "respuesta automática",
        "fuera de la oficina",
    ];
    let found = if s.is_ascii() {
        // The prefixes are lowercase: comparing ASCII-case-insensitively is comparing with
        // the lowercased subject.
        PREFIXES.iter().find(|p| {
            s.as_bytes()
                .get(..p.len())
                .is_some_and(|head| head.eq_ignore_ascii_case(p.as_bytes()))
        })
    } else {
        let s = s.to_lowercase();
        PREFIXES.iter().find(|p| s.starts_with(*p))
    };
    found.map(|p| format!("subject starts with \"{p}\""))
}

/// Finds `olifant.TOKEN@` message-ids and `local+TOKEN@domain` addresses anywhere in `text`
/// and returns the first prompt whose token verifies.
pub(super) fn find_token_in_text(text: &str, ctx: &ParseContext) -> Option<PromptId> {
    let key = ctx.key?;
    let lower = text.to_ascii_lowercase();
    let (bot_local, _) = ctx.bot_address.rsplit_once('@')?;
    let mut needles = vec!["olifant.".to_string()];
    needles.push(format!(
        "{}{}",
        bot_local.to_ascii_lowercase(),
        ctx.plus_separator
    ));
    for needle in &needles {
        let mut from = 0;
        let mut tries = 0;
        while let Some(p) = lower[from..].find(needle.as_str()) {
            let start = from + p + needle.len();
            if let Some(cand) = lower.get(start..start + TOKEN_LEN) {
                if let Some(id) = key.verify(cand) {
                    return Some(id);
                }
            }
            from = start;
            tries += 1;
            if tries > 1000 {
                break;
            }
        }
    }
    None
}

pub(super) fn bounce_reason(text: &str) -> Option<String> {
    let mut status = None;
    let mut lines = text.lines().peekable();
    while let Some(line) = lines.next() {
        let l = line.trim_start();
        let lower = l.to_ascii_lowercase();
        if lower.starts_with("diagnostic-code:") {
            let mut v = l["diagnostic-code:".len()..].trim().to_string();
            while let Some(next) = lines.peek() {
                if next.starts_with([' ', '\t']) && !next.trim().is_empty() {
                    v.push(' ');
                    v.push_str(next.trim());
                    lines.next();
                } else {
                    break;
                }
            }
            return Some(v.chars().take(500).collect());
        }
        if status.is_none() && lower.starts_with("status:") {
            status = Some(format!("status {}", l["status:".len()..].trim()));
        }
    }
    status
}

/// The root headers read through mail-parser, found in one pass: of each name the last one,
/// as mail-parser's own accessors (`from()`, `to()`, …) pick them.
#[derive(Default)]
pub(super) struct TypedHeaders<'m, 'x> {
    pub(super) from: Option<mime::Addresses<'m, 'x>>,
    pub(super) to: Option<mime::Addresses<'m, 'x>>,
    pub(super) cc: Option<mime::Addresses<'m, 'x>>,
    pub(super) date: Option<&'m MailDateTime>,
    pub(super) message_id: Option<Cow<'m, str>>,
    /// Where the raw value of the last Subject header starts and ends.
    pub(super) subject: Option<(usize, usize)>,
}

impl<'m, 'x> TypedHeaders<'m, 'x> {
    /// The headers of `message`. `raw`: the message, when the parser skipped the address
    /// headers (they are read from it); `None` when it typed them.
    pub(super) fn of(message: &'m Message<'x>, raw: Option<&'x [u8]>) -> Self {
        let mut t = TypedHeaders::default();
        for h in message.root_part().headers() {
            let value = &h.value;
            let addresses = || match raw {
                Some(raw) => Some(mime::addresses(
                    raw,
                    h.offset_start as usize,
                    h.offset_end as usize,
                )),
                None => value
                    .as_address()
                    .is_some()
                    .then_some(mime::Addresses::Typed(value)),
            };
            match h.name {
                HeaderName::From => t.from = addresses(),
                HeaderName::To => t.to = addresses(),
                HeaderName::Cc => t.cc = addresses(),
                HeaderName::Date => t.date = value.as_datetime(),
                HeaderName::MessageId => {
                    t.message_id = match raw {
                        Some(raw) => {
                            mime::message_id(raw, h.offset_start as usize, h.offset_end as usize)
                        }
                        None => value.as_text().map(Cow::Borrowed),
                    }
                }
                HeaderName::Subject => {
                    t.subject = Some((h.offset_start as usize, h.offset_end as usize));
                }
                _ => {}
            }
        }
        t
    }
}
