//! parse: classify one raw message (reflection, auto-reply, bounce, other), decide whether it
//! is genuine, strip quotes and signatures, and read the answers.
//!
//! Pure: bytes and context in, [`Reading`] out. No clock, disk or environment. The work is
//! bounded: bodies are cut at [`strip::MAX_TEXT`] characters, HTML at 4 MiB, and every
//! scan is linear.

pub mod command;
pub mod grammar;
pub mod html;
mod mime;
pub mod strip;

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;
use std::sync::OnceLock;

use chrono::{DateTime, Utc};
use mail_parser::parsers::MessageStream;
use mail_parser::{
    DateTime as MailDateTime, HeaderName, HeaderValue, Message, MessageParser, MimeHeaders,
    PartType,
};

use crate::model::{Lang, MessageKind, ParsedMessage, PromptId};
use crate::prompt::token::{self, TokenKey, TOKEN_LEN};

pub use command::{parse_command, Command, Span};
pub use grammar::Vocabulary;
pub use strip::strip_reply_text;

/// Largest raw message read (bytes); longer input is cut before MIME parsing.
pub const MAX_RAW: usize = 32 * 1024 * 1024;

/// What the parser needs to know about the owner and olifant.
#[derive(Debug, Clone, Copy)]
pub struct ParseContext<'a> {
    /// The questions, prepared: the numbers and labels the owner may type
    /// ([`Vocabulary::new`] of the questionnaire, built once when it is loaded).
    pub vocabulary: &'a Vocabulary,
    /// The owner's addresses (compared case-insensitively).
    pub owner_addresses: &'a [String],
    /// olifant's own address (`olifant@example.test`).
    pub bot_address: &'a str,
    /// Plus-address separator (`+`).
    pub plus_separator: char,
    /// Key to verify prompt tokens; `None` means no token can be verified.
    pub key: Option<&'a TokenKey>,
    /// When set, the topmost `Authentication-Results` with this authserv-id must not say `dmarc=fail`.
    pub trusted_authserv_id: Option<&'a str>,
    /// Language used when the reply gives no clue.
    pub default_lang: Lang,
}

/// Why a message is not a genuine reply from the owner to a prompt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rejection {
    /// No prompt token in the recipients, In-Reply-To or References.
    NoToken,
    /// A token was found but does not verify under the key (altered or from another install).
    InvalidToken,
    /// No key was given, so no token can be verified.
    NoKey,
    /// The message has no usable From address.
    NoFrom,
    /// From is not one of the owner's addresses.
    NotFromOwner(String),
    /// From is olifant's own address (a loop or a forgery).
    FromBot,
    /// The trusted server recorded `dmarc=fail`.
    DmarcFail,
}

impl fmt::Display for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Rejection::NoToken => f.write_str("no prompt token (not a reply to a prompt)"),
            Rejection::InvalidToken => f.write_str("the prompt token does not verify"),
            Rejection::NoKey => f.write_str("no token key available to verify the prompt token"),
            Rejection::NoFrom => f.write_str("no From address"),
            Rejection::NotFromOwner(a) => write!(f, "sent by {a}, not by the owner"),
            Rejection::FromBot => f.write_str("sent from olifant's own address"),
            Rejection::DmarcFail => f.write_str("the trusted server recorded dmarc=fail"),
        }
    }
}

/// The message could not be read at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    /// Not a MIME message (empty, or no header/body structure).
    #[error("the message could not be parsed as email ({0}); it is kept in quarantine, inspect it with `olifant parse`")]
    Unreadable(String),
}

/// Everything read from one message.
#[derive(Debug, Clone, PartialEq)]
pub struct Reading {
    /// The `olifant parse --json` shape.
    pub parsed: ParsedMessage,
    /// Message-ID without angle brackets.
    pub message_id: Option<String>,
    /// Message-ID, else `sha256:<hex of raw>`.
    pub dedup_id: String,
    /// The prompt of the verified token; set only when the message is genuine (never for
    /// strangers, auto-replies or bounces: see `bounce_of` for those).
    pub prompt_id: Option<PromptId>,
    /// From address (lowercased).
    pub from: Option<String>,
    /// Date header.
    pub date: Option<DateTime<Utc>>,
    /// Why the message is not genuine.
    pub genuine: Result<(), Rejection>,
    /// True when From is one of the owner's addresses (not olifant's) and DMARC did not fail:
    /// what an email command needs, token or not.
    pub sender_is_owner: bool,
    /// The prompt a bounce is about.
    pub bounce_of: Option<PromptId>,
    /// What the bounce said.
    pub bounce_reason: Option<String>,
    /// The owner's new text after stripping (for email commands).
    pub fresh_text: String,
    /// In-Reply-To (first id, without angle brackets).
    pub in_reply_to: Option<String>,
}

fn unfold(v: &str) -> String {
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
fn ids_in(v: &str) -> Vec<&str> {
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
enum IdByte {
    Plain,
    At,
    /// `<`, `>`, `,` and ASCII white space (`char::is_whitespace`).
    Cut,
    NotAscii,
}

/// [`IdByte`] of every byte value.
const ID_BYTES: [IdByte; 256] = {
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
const READ_HEADERS: &[&str] = &[
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
fn message_parser() -> &'static MessageParser {
    static PARSER: OnceLock<MessageParser> = OnceLock::new();
    PARSER.get_or_init(|| typed_headers(MessageParser::new()).default_header_ignore())
}

/// [`message_parser`] that also decodes the Subject (RFC 2047), for the rare message whose
/// Subject [`subject_of`] cannot read from its raw bytes alone.
fn message_parser_with_subject() -> &'static MessageParser {
    static PARSER: OnceLock<MessageParser> = OnceLock::new();
    PARSER.get_or_init(|| {
        typed_headers(MessageParser::new())
            .header_text(HeaderName::Subject)
            .default_header_ignore()
    })
}

/// The headers both parsers above type: MIME, From/To/Cc, Date, Message-ID.
fn typed_headers(parser: MessageParser) -> MessageParser {
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
fn subject_of<'x>(raw: &'x [u8], start: usize, end: usize) -> Option<Cow<'x, str>> {
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
fn lossy(bytes: &[u8]) -> Cow<'_, str> {
    match std::str::from_utf8(bytes) {
        Ok(text) => Cow::Borrowed(text),
        Err(_) => String::from_utf8_lossy(bytes),
    }
}

/// `authserv-id` of an Authentication-Results value and whether it says `dmarc=fail`.
fn auth_results(value: &str) -> (String, bool) {
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

fn header_flags_auto_reply(headers: &[(&str, &str)], subject: &str) -> Option<String> {
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
fn find_token_in_text(text: &str, ctx: &ParseContext) -> Option<PromptId> {
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

fn bounce_reason(text: &str) -> Option<String> {
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
struct TypedHeaders<'m, 'x> {
    from: Option<mime::Addresses<'m, 'x>>,
    to: Option<mime::Addresses<'m, 'x>>,
    cc: Option<mime::Addresses<'m, 'x>>,
    date: Option<&'m MailDateTime>,
    message_id: Option<Cow<'m, str>>,
    /// Where the raw value of the last Subject header starts and ends.
    subject: Option<(usize, usize)>,
}

impl<'m, 'x> TypedHeaders<'m, 'x> {
    /// The headers of `message`. `raw`: the message, when the parser skipped the address
    /// headers (they are read from it); `None` when it typed them.
    fn of(message: &'m Message<'x>, raw: Option<&'x [u8]>) -> Self {
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

/// Reads one raw message: kind, genuineness, answers, notes, problems.
///
/// Never panics; work is bounded on huge or deeply nested input.
pub fn read_message(raw: &[u8], ctx: &ParseContext) -> Result<Reading, ParseError> {
    let full_raw = raw;
    let raw = &raw[..raw.len().min(MAX_RAW)];
    if raw.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(ParseError::Unreadable("empty message".into()));
    }
    // `message`: the headers (and parts, for `mime::Body::InMessage`); `body`: the body.
    let mut scratch = Vec::new();
    let (mut message, mut mime_body) = mime::parse(message_parser(), raw, &mut scratch)
        .ok_or_else(|| ParseError::Unreadable("no headers found".into()))?;
    let raw_addresses = (!matches!(mime_body, mime::Body::InMessage)).then_some(raw);
    let mut typed = TypedHeaders::of(&message, raw_addresses);
    let subject = match typed.subject {
        None => Cow::Borrowed(""),
        Some((start, end)) => match subject_of(raw, start, end) {
            Some(subject) => subject,
            None => {
                // Rare: parse again, the Subject decoded by mail-parser itself.
                message = message_parser_with_subject()
                    .parse(raw)
                    .ok_or_else(|| ParseError::Unreadable("no headers found".into()))?;
                mime_body = mime::Body::InMessage;
                typed = TypedHeaders::of(&message, None);
                Cow::Borrowed(message.subject().unwrap_or(""))
            }
        },
    };
    let headers = read_headers(&message);
    let id = Identity::of(&typed, full_raw);
    let in_reply_to_ids = raw_header(&headers, "In-Reply-To")
        .map(ids_in)
        .unwrap_or_default();
    let references = raw_header(&headers, "References")
        .map(ids_in)
        .unwrap_or_default();
    let tokens = find_tokens(&typed, &headers, &in_reply_to_ids, &references, ctx);
    let sender = check_sender(&id.from, &tokens, &headers, ctx);
    let (body, structure) = body_text(&mime_body, &message);
    let lines = strip::fresh_lines(&body);
    let fresh_text = strip::join_paragraphs(lines.iter().map(|l| l.text.as_ref()));
    let is_bounce = is_bounce(id.from.as_deref(), &headers, structure);

    let prompt_token = tokens.prompt_token;
    let mut reading = Reading {
        // Set below: every way out gives its own.
        parsed: ParsedMessage {
            kind: MessageKind::Other,
            prompt_token: None,
            language: None,
            answers: BTreeMap::new(),
            notes: String::new(),
            problems: Vec::new(),
        },
        message_id: id.message_id,
        dedup_id: id.dedup_id,
        prompt_id: if sender.genuine.is_ok() {
            tokens.prompt_id
        } else {
            None
        },
        from: id.from,
        date: id.date,
        genuine: sender.genuine,
        sender_is_owner: sender.is_owner,
        bounce_of: None,
        bounce_reason: None,
        fresh_text,
        in_reply_to: in_reply_to_ids.first().map(|id| id.to_string()),
    };
    // olifant's own mail (receipts, reminders, confirmations) is never a bounce or an
    // automatic reply to act on: when the bot's address is a plus-address of the owner's
    // mailbox it sits in the INBOX olifant reads, and must stay there for the owner.
    if sender.from_bot {
        let problem = format!("not genuine: {}", Rejection::FromBot);
        reading.parsed = not_a_reply(MessageKind::Other, &prompt_token, problem);
        reading.prompt_id = None;
        return Ok(reading);
    }
    if is_bounce {
        let text = String::from_utf8_lossy(&raw[..raw.len().min(4 * 1024 * 1024)]);
        reading.bounce_of = find_token_in_text(&text, ctx);
        reading.bounce_reason = bounce_reason(&text);
        let problem = "delivery failure report".into();
        reading.parsed = not_a_reply(MessageKind::Bounce, &prompt_token, problem);
        reading.prompt_id = None;
        return Ok(reading);
    }
    if let Some(why) = header_flags_auto_reply(&headers, &subject) {
        let problem = format!("automatic reply ({why})");
        reading.parsed = not_a_reply(MessageKind::AutoReply, &prompt_token, problem);
        reading.prompt_id = None;
        return Ok(reading);
    }
    if let Err(why) = &reading.genuine {
        let problem = format!("not genuine: {why}");
        reading.parsed = not_a_reply(MessageKind::Other, &prompt_token, problem);
        return Ok(reading);
    }
    reading.parsed = reflection(&lines, &body, prompt_token, ctx);
    Ok(reading)
}

/// Only the headers [`read_message`] reads, in order: the same as the first 2,000 of
/// `headers_raw()` filtered by name, without checking every other header's UTF-8.
#[inline]
fn read_headers<'m>(message: &'m Message<'_>) -> Vec<(&'m str, &'m str)> {
    let wanted = |name: &str| {
        // Most headers start with a letter none of the read ones starts with.
        name.as_bytes()
            .first()
            .is_some_and(|b| b"adiprx".contains(&b.to_ascii_lowercase()))
            && READ_HEADERS.iter().any(|n| name.eq_ignore_ascii_case(n))
    };
    let root_headers = message.root_part().headers();
    if root_headers.len() <= 2000 {
        root_headers
            .iter()
            .filter(|h| wanted(h.name.as_str()))
            .filter_map(|h| {
                let value = message
                    .raw_message
                    .get(h.offset_start as usize..h.offset_end as usize)?;
                Some((h.name.as_str(), std::str::from_utf8(value).ok()?))
            })
            .collect()
    } else {
        message
            .headers_raw()
            .take(2000)
            .filter(|(n, _)| wanted(n))
            .collect()
    }
}

/// The raw value of the first header called `name` (case-insensitive) among `headers`.
#[inline]
fn raw_header<'h>(headers: &[(&'h str, &'h str)], name: &str) -> Option<&'h str> {
    headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| *v)
}

/// Who sent the message, when, and under which id.
struct Identity {
    message_id: Option<String>,
    dedup_id: String,
    from: Option<String>,
    date: Option<DateTime<Utc>>,
}

impl Identity {
    #[inline]
    fn of(typed: &TypedHeaders, full_raw: &[u8]) -> Identity {
        let message_id = typed
            .message_id
            .as_ref()
            .map(|m| m.trim().trim_matches(['<', '>']).to_string())
            .filter(|m| !m.is_empty());
        // The digest of the whole input (before the MAX_RAW cut), only when there is no Message-ID.
        let dedup_id = message_id.clone().unwrap_or_else(|| sha256_hex(full_raw));
        let from = typed
            .from
            .as_ref()
            .and_then(|a| a.first())
            .map(|a| a.trim().to_lowercase());
        let date = typed
            .date
            .and_then(|d| DateTime::<Utc>::from_timestamp(d.to_timestamp(), 0));
        Identity {
            message_id,
            dedup_id,
            from,
            date,
        }
    }
}

/// The prompt token the message answers, if any.
struct Tokens {
    /// The first candidate, lowercased.
    prompt_token: Option<String>,
    /// The prompt of the first candidate that verifies under the key.
    prompt_id: Option<PromptId>,
    /// Whether there was any candidate at all.
    found: bool,
}

/// Candidate tokens: plus-addresses first (To, Cc, Delivered-To, X-Original-To), then
/// message ids (In-Reply-To, References).
#[inline]
fn find_tokens(
    typed: &TypedHeaders,
    headers: &[(&str, &str)],
    in_reply_to_ids: &[&str],
    references: &[&str],
    ctx: &ParseContext,
) -> Tokens {
    let mut recipients: Vec<Cow<'_, str>> = Vec::new();
    for a in [&typed.to, &typed.cc].into_iter().flatten() {
        recipients.extend(a.take(500).map(Cow::Borrowed));
    }
    for (n, v) in headers {
        if n.eq_ignore_ascii_case("Delivered-To") || n.eq_ignore_ascii_case("X-Original-To") {
            recipients.push(Cow::Owned(unfold(v)));
        }
    }
    let mut candidates: Vec<&str> = recipients
        .iter()
        .filter_map(|r| token::token_from_address(r, ctx.bot_address, ctx.plus_separator))
        .collect();
    candidates.extend(
        in_reply_to_ids
            .iter()
            .chain(references.iter())
            .filter_map(|id| token::token_from_message_id(id)),
    );
    Tokens {
        prompt_token: candidates.first().map(|t| t.to_ascii_lowercase()),
        prompt_id: ctx
            .key
            .and_then(|k| candidates.iter().find_map(|t| k.verify(t))),
        found: !candidates.is_empty(),
    }
}

/// What the sender checks found.
struct Sender {
    /// Why the message is not a genuine reply from the owner, if it is not.
    genuine: Result<(), Rejection>,
    /// From is olifant's own address.
    from_bot: bool,
    /// From is one of the owner's addresses (not olifant's) and DMARC did not fail.
    is_owner: bool,
}

/// Sender checks: From against olifant and the owner, the token, DMARC.
#[inline]
fn check_sender(
    from: &Option<String>,
    tokens: &Tokens,
    headers: &[(&str, &str)],
    ctx: &ParseContext,
) -> Sender {
    let from_bot = from
        .as_deref()
        .is_some_and(|f| f.eq_ignore_ascii_case(ctx.bot_address.trim()));
    let from_owner = from.as_deref().is_some_and(|f| {
        ctx.owner_addresses
            .iter()
            .any(|o| o.trim().eq_ignore_ascii_case(f))
    });
    let dmarc_fail = ctx.trusted_authserv_id.is_some_and(|trusted| {
        headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case("Authentication-Results"))
            .map(|(_, v)| auth_results(v))
            .find(|(id, _)| id.eq_ignore_ascii_case(trusted.trim()))
            .is_some_and(|(_, fail)| fail)
    });
    let genuine = if from.is_none() {
        Err(Rejection::NoFrom)
    } else if from_bot {
        Err(Rejection::FromBot)
    } else if !tokens.found {
        Err(Rejection::NoToken)
    } else if ctx.key.is_none() {
        Err(Rejection::NoKey)
    } else if tokens.prompt_id.is_none() {
        Err(Rejection::InvalidToken)
    } else if !from_owner {
        Err(Rejection::NotFromOwner(from.clone().unwrap_or_default()))
    } else if dmarc_fail {
        Err(Rejection::DmarcFail)
    } else {
        Ok(())
    };
    Sender {
        genuine,
        from_bot,
        is_owner: from_owner && !from_bot && !dmarc_fail,
    }
}

/// Body text: the first text/plain body, else HTML converted here; and the MIME structure
/// it came from (`None` for a plain body).
#[inline]
fn body_text<'a, 's>(
    mime_body: &'a mime::Body<'s>,
    message: &'a Message<'s>,
) -> (Cow<'a, str>, Option<&'a Message<'s>>) {
    let mut body: Cow<'_, str> = Cow::Borrowed("");
    let structure = match mime_body {
        mime::Body::Plain(text) => {
            body = Cow::Borrowed(text.as_ref());
            None
        }
        mime::Body::Parts(parts) => Some(parts),
        mime::Body::InMessage => Some(message),
    };
    for part in structure.iter().flat_map(|m| m.text_bodies().take(20)) {
        if let PartType::Text(t) = &part.body {
            body = Cow::Borrowed(t.as_ref());
            break;
        }
    }
    if body.trim().is_empty() {
        if let Some(part) = structure.and_then(|m| m.html_bodies().next()) {
            if let PartType::Html(h) = &part.body {
                body = Cow::Owned(html::html_to_text(h));
            }
        }
    }
    (body, structure)
}

/// A bounce: a delivery-status report, an empty Return-Path, or mail from the mailer
/// daemon or the postmaster.
#[inline]
fn is_bounce(from: Option<&str>, headers: &[(&str, &str)], structure: Option<&Message>) -> bool {
    let from_local = from.unwrap_or("").split('@').next().unwrap_or("");
    let return_path_empty =
        raw_header(headers, "Return-Path").is_some_and(|v| unfold(v).trim() == "<>");
    // The root's MIME headers are read with the body (a plain body is no report).
    let root_is_report = structure
        .iter()
        .flat_map(|m| m.root_part().headers())
        .find(|h| h.name().eq_ignore_ascii_case("Content-Type"))
        .and_then(|h| h.value().as_content_type())
        .is_some_and(|c| {
            c.ctype().eq_ignore_ascii_case("multipart")
                && c.subtype().unwrap_or("").eq_ignore_ascii_case("report")
        });
    let is_report = root_is_report
        && structure.is_some_and(|m| {
            m.parts.iter().take(1000).any(|p| {
                p.content_type().is_some_and(|c| {
                    c.ctype().eq_ignore_ascii_case("message")
                        && c.subtype()
                            .is_some_and(|s| s.eq_ignore_ascii_case("delivery-status"))
                })
            })
        });
    is_report || return_path_empty || from_local == "mailer-daemon" || from_local == "postmaster"
}

/// The reading of a message that is not a reply to act on: its kind and one problem.
fn not_a_reply(kind: MessageKind, prompt_token: &Option<String>, problem: String) -> ParsedMessage {
    ParsedMessage {
        kind,
        prompt_token: prompt_token.clone(),
        language: None,
        answers: BTreeMap::new(),
        notes: String::new(),
        problems: vec![problem],
    }
}

/// The answers of a genuine reply, read from its fresh lines; the bot address and the token
/// are ignored where they appear in the text.
#[inline]
fn reflection(
    lines: &[strip::FreshLine<'_>],
    body: &str,
    prompt_token: Option<String>,
    ctx: &ParseContext,
) -> ParsedMessage {
    // The bot address (lowercased: ASCII as it is when it has no capitals) and the token.
    let bot = strip::lowercase(ctx.bot_address.trim());
    let ignore = [bot.as_ref(), prompt_token.as_deref().unwrap_or("")];
    let ignore = &ignore[..if prompt_token.is_some() { 2 } else { 1 }];
    let vocabulary = ctx.vocabulary;
    let e = grammar::extract_in(lines, vocabulary, ignore, ctx.default_lang, || {
        grammar::quoted_prompt_language_in(body, vocabulary)
    });
    ParsedMessage {
        kind: MessageKind::Reflection,
        prompt_token,
        language: e.language,
        answers: e.answers,
        notes: e.notes,
        problems: e.problems,
    }
}

#[cfg(test)]
mod tests;
