//! parse: classify one raw message (reflection, auto-reply, bounce, other), decide whether it
//! is genuine, strip quotes and signatures, and read the answers.
//!
//! Pure: bytes and context in, [`Reading`] out. No clock, disk or environment. The work is
//! bounded: bodies are cut at [`strip::MAX_TEXT`] characters, HTML at 4 MiB, and every
//! scan is linear.

pub mod command;
pub mod grammar;
mod headers;
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

pub use headers::sha256_hex;
use headers::*;

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
