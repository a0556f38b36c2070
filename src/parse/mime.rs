//! The MIME parse of a message, with a cheaper route for the common plain reply.
//!
//! mail-parser converts a text body with `String::from_utf8_lossy`, which checks every byte
//! one at a time; `std::str::from_utf8` checks valid UTF-8 (ASCII above all) a word at a
//! time and gives the same text. So mail-parser first reads only the headers, leaving the
//! MIME ones unparsed ([`headers_only`]). A message that is one text/plain part without
//! transfer encoding then has its body converted here, exactly as mail-parser converts it
//! ([`Body::Plain`]). Any other message has its body parsed by mail-parser behind the
//! root's MIME headers ([`Body::Parts`]): no header is parsed twice but those and a few
//! others.

use std::borrow::Cow;

use mail_parser::decoders::charsets::map::charset_decoder;
use mail_parser::parsers::MessageStream;
use mail_parser::{
    Encoding, Header, HeaderName, HeaderValue, Message, MessageParser, MessagePart, PartType,
};

/// The body of a message, as mail-parser reads it.
pub(super) enum Body<'s> {
    /// The message is one text/plain part: its text.
    Plain(Cow<'s, str>),
    /// mail-parser's reading of the MIME structure (parts, text and HTML bodies); its root
    /// part holds the root's MIME headers (and maybe other headers that came after the
    /// first of them), not all its headers.
    Parts(Message<'s>),
    /// The message returned with it is mail-parser's full reading, parts included.
    InMessage,
}

/// The parser of the first pass, as mail-parser's own builder makes it: Date typed; every
/// other header, the MIME, address and Message-ID headers included, skipped (kept by name and
/// offsets: the address headers are read with [`addresses`], Message-ID with
/// [`message_id`]). [`headers_only`] reads as this parser's `parse_headers` does. Note: a
/// `MessageParser` with no header of its own reads every header its default (typed) way,
/// whatever its default.
#[cfg(test)]
fn header_parser() -> &'static MessageParser {
    static PARSER: std::sync::OnceLock<MessageParser> = std::sync::OnceLock::new();
    PARSER.get_or_init(|| {
        MessageParser::new()
            .header_date(HeaderName::Date)
            .default_header_ignore()
    })
}

/// Room for the root headers made up front: mail-parser's own `parse_headers` starts from an
/// empty `Vec` and grows it (4, 8, 16, …), moving every header each time.
const HEADERS_ROOM: usize = 24;

/// The root headers of `raw` as mail-parser's `parse_headers` reads them with a parser that
/// types Date and skips every other header (`header_parser` in the tests): its header loop
/// with its own name, date and skipping parsers, then the message it makes when it stops
/// before the body. Without what that configuration costs per header: a hashed lookup of
/// the value parser by name (here a `match`), and a `Vec` grown from empty.
fn headers_only(raw: &[u8]) -> Option<Message<'_>> {
    let mut stream = MessageStream::new(raw);
    let mut headers = Vec::with_capacity(HEADERS_ROOM);
    'headers: loop {
        // White space up to the next header; a line break here ends the header block.
        loop {
            match stream.peek() {
                Some(b'\n') | None => break 'headers,
                Some(b) if !b.is_ascii_whitespace() => break,
                _ => {
                    stream.next();
                }
            }
        }
        let offset_field = stream.offset();
        if let Some(name) = stream.parse_header_name() {
            let offset_start = stream.offset();
            let value = if matches!(name, HeaderName::Date) {
                stream.parse_date()
            } else {
                stream.parse_and_ignore();
                HeaderValue::Empty
            };
            // (mail-parser keeps offsets as `u32`; `raw` is cut far below 4 GiB.)
            let at = |offset: usize| u32::try_from(offset).unwrap_or(u32::MAX);
            headers.push(Header {
                name,
                value,
                offset_field: at(offset_field),
                offset_start: at(offset_start),
                offset_end: at(stream.offset()),
            });
        } else if stream.is_eof() {
            break;
        }
    }
    if headers.is_empty() {
        return None;
    }
    let end = u32::try_from(raw.len()).unwrap_or(u32::MAX);
    Some(Message {
        parts: vec![MessagePart {
            headers,
            encoding: Encoding::None,
            is_encoding_problem: true,
            body: PartType::Text(Cow::Borrowed("")),
            offset_header: 0,
            offset_body: end,
            offset_end: end,
        }],
        raw_message: Cow::Borrowed(raw),
        ..Message::default()
    })
}

/// The headers of `raw` and its body, as `parser` (which must parse the MIME headers and
/// type the headers [`headers_only`] types: Date) reads them. `scratch` holds the copy that
/// [`Body::Parts`] is read from. `None` when mail-parser finds no headers.
pub(super) fn parse<'x: 's, 's>(
    parser: &MessageParser,
    raw: &'x [u8],
    scratch: &'s mut Vec<u8>,
) -> Option<(Message<'x>, Body<'s>)> {
    let whole = || Some((parser.parse(raw)?, Body::InMessage));
    let Some(message) = headers_only(raw) else {
        return whole();
    };
    let Some(root) = message.parts.first().map(|p| p.headers.as_slice()) else {
        return whole();
    };
    let Some(mime) = RootMime::of(root, raw) else {
        return whole();
    };
    let Some(body_start) = body_start(root, raw) else {
        return whole();
    };
    if let Some(text) = mime.plain_text(raw, &raw[body_start..]) {
        return Some((message, Body::Plain(text)));
    }
    match parts(parser, raw, root, body_start, scratch) {
        Some(parts) => Some((message, Body::Parts(parts))),
        None => whole(),
    }
}

/// mail-parser's reading of the body of `raw` (whose root headers are `root`), behind the
/// root headers that decide how to read it (all of them, in order: it reads the last of
/// each name). When few other headers sit among and after them, and none that is typed:
/// behind the headers from the first of them on, as they stand; otherwise behind a copy of
/// them alone, in `scratch`.
fn parts<'x: 's, 's>(
    parser: &MessageParser,
    raw: &'x [u8],
    root: &[Header<'_>],
    body_start: usize,
    scratch: &'s mut Vec<u8>,
) -> Option<Message<'s>> {
    let first = root.iter().position(|h| decides_body(&h.name))?;
    // Others that mail-parser only skips: few bytes to read again.
    let mut others = 0;
    for h in root[first..].iter().filter(|h| !decides_body(&h.name)) {
        others += if typed_later(&h.name) || matches!(h.name, HeaderName::Date) {
            MAX_REREAD + 1
        } else {
            h.offset_end.saturating_sub(h.offset_field) as usize
        };
    }
    if others <= MAX_REREAD {
        return parser.parse(raw.get(root[first].offset_field as usize..)?);
    }
    for h in root[first..].iter().filter(|h| decides_body(&h.name)) {
        scratch.extend_from_slice(raw.get(h.offset_field as usize..h.offset_end as usize)?);
    }
    scratch.push(b'\n');
    scratch.extend_from_slice(raw.get(body_start..)?);
    let scratch: &'s Vec<u8> = scratch;
    parser.parse(scratch.as_slice())
}

/// Bytes of other headers [`parts`] lets mail-parser skip again rather than copy the body.
const MAX_REREAD: usize = 256;

/// Whether the parser given to [`parse`] types a header that [`headers_only`] skips.
fn typed_later(name: &HeaderName<'_>) -> bool {
    // (`matches!` compares the kind only; `==` on names is a call.)
    RootMime::is_typed_mime(name) || is_address(name) || matches!(name, HeaderName::MessageId)
}

/// The address headers [`read_message`](super::read_message) reads.
pub(super) fn is_address(name: &HeaderName<'_>) -> bool {
    matches!(name, HeaderName::From | HeaderName::To | HeaderName::Cc)
}

/// The addresses of an address header, as mail-parser reads them.
pub(super) enum Addresses<'m, 'x> {
    /// A simple value, read here: its one address, if it has one.
    Simple(Option<&'x str>),
    /// mail-parser's reading, in the message.
    Typed(&'m HeaderValue<'x>),
    /// mail-parser's reading, made here.
    Parsed(HeaderValue<'x>),
}

impl<'x> Addresses<'_, 'x> {
    /// The address of the first mailbox (`Address::first`), if it has one.
    pub(super) fn first(&self) -> Option<&str> {
        match self {
            Addresses::Simple(address) => *address,
            Addresses::Typed(value) => value.as_address()?.first()?.address(),
            Addresses::Parsed(value) => value.as_address()?.first()?.address(),
        }
    }

    /// The addresses of the first `n` mailboxes.
    pub(super) fn take(&self, n: usize) -> impl Iterator<Item = &str> {
        let (simple, parsed) = match self {
            Addresses::Simple(address) => (*address, None),
            Addresses::Typed(value) => (None, value.as_address()),
            Addresses::Parsed(value) => (None, value.as_address()),
        };
        simple.into_iter().take(n).chain(
            parsed
                .into_iter()
                .flat_map(move |a| a.iter().take(n).filter_map(|x| x.address())),
        )
    }
}

/// The addresses of the address header whose raw value is `raw[start..end]` in a message
/// read with [`headers_only`] (which skipped it): read here when the value is simple
/// ([`simple_address`]), else by mail-parser's address parser.
pub(super) fn addresses<'m, 'x>(raw: &'x [u8], start: usize, end: usize) -> Addresses<'m, 'x> {
    match raw.get(start..end).and_then(simple_address) {
        Some(address) => Addresses::Simple(address),
        None => Addresses::Parsed(
            typed(raw, start, end, MessageStream::parse_address).unwrap_or(HeaderValue::Empty),
        ),
    }
}

/// The one address mail-parser's address parser reads in a simple raw value (`None` when the
/// value is not simple; `Some(None)` when it holds no address): one line of printable ASCII,
/// spaces and tabs without any of `\\ , " ( ) : ;` or an encoded word (`=?`), holding either
/// no angle brackets, or one `<` and then one `>` with only white space after it.
///
/// The parser reads such a value as one mailbox: without brackets the whole value (white
/// space trimmed) is the address when it holds an `@`, else a name; with them the text
/// between them, trimmed, is the address (none when empty).
fn simple_address(value: &[u8]) -> Option<Option<&str>> {
    let line = value.strip_suffix(b"\n")?;
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    // One pass: where the brackets are, and whether anything is not simple.
    let (mut open, mut close) = (None, None);
    let mut prev = 0;
    for (at, &b) in line.iter().enumerate() {
        match ADDRESS_BYTES[usize::from(b)] {
            Byte::Plain if close.is_none() => {}
            Byte::Space => {}
            Byte::Open if open.is_none() => open = Some(at),
            Byte::Close if open.is_some() && close.is_none() => close = Some(at),
            Byte::Question if prev != b'=' && close.is_none() => {}
            _ => return None,
        }
        prev = b;
    }
    fn trim(s: &[u8]) -> Option<&str> {
        Some(std::str::from_utf8(s).ok()?.trim_matches([' ', '\t']))
    }
    match (open, close) {
        (None, _) => {
            let text = trim(line)?;
            Some(text.contains('@').then_some(text))
        }
        (Some(lt), Some(gt)) => {
            let inner = trim(line.get(lt + 1..gt)?)?;
            Some((!inner.is_empty()).then_some(inner))
        }
        (Some(_), None) => None,
    }
}

/// The Message-ID as mail-parser's id parser reads it (`as_text` of its value), from the raw
/// value `raw[start..end]` of a header [`headers_only`] skipped (the id parser ends where
/// skipping ends: at a line break not followed by white space). A simple value, one line
/// holding `<id>` and white space, with no `<`, `>` or white space in `id`, reads as `id`;
/// any other is read by the id parser itself.
pub(super) fn message_id<'x>(raw: &'x [u8], start: usize, end: usize) -> Option<Cow<'x, str>> {
    let value = raw.get(start..end)?;
    let line = value.strip_suffix(b"\n").unwrap_or(b"");
    let space = |b: &u8| matches!(b, b' ' | b'\t' | b'\r');
    let first = line.iter().position(|b| !space(b)).unwrap_or(line.len());
    let last = line
        .iter()
        .rposition(|b| !space(b))
        .map_or(first, |l| l + 1);
    let id = line
        .get(first..last)
        .and_then(|t| t.strip_prefix(b"<"))
        .and_then(|t| t.strip_suffix(b">"))
        .filter(|id| {
            !id.is_empty()
                && !id
                    .iter()
                    .any(|b| matches!(b, b'<' | b'>' | b'\n') || space(b))
        });
    if let Some(id) = id {
        // mail-parser takes the bytes with `from_utf8_lossy`.
        return Some(super::lossy(id));
    }
    let parsed = typed(raw, start, end, MessageStream::parse_id)?;
    parsed.as_text().map(|id| Cow::Owned(id.to_string()))
}

/// What a byte is to [`simple_address`].
#[derive(Clone, Copy, PartialEq)]
enum Byte {
    /// Printable ASCII with no meaning of its own there.
    Plain,
    Space,
    Open,
    Close,
    /// `?`: an encoded word when it follows `=`.
    Question,
    /// Anything that makes the value not simple.
    Other,
}

/// [`Byte`] of every byte value.
const ADDRESS_BYTES: [Byte; 256] = {
    let mut table = [Byte::Other; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        table[b] = match c {
            b' ' | b'\t' => Byte::Space,
            b'<' => Byte::Open,
            b'>' => Byte::Close,
            b'?' => Byte::Question,
            b'\\' | b',' | b'"' | b'(' | b')' | b':' | b';' => Byte::Other,
            _ if c.is_ascii_graphic() => Byte::Plain,
            _ => Byte::Other,
        };
        b += 1;
    }
    table
};

/// Where the body of a message read with `parse_headers` starts: after the line break that
/// ends the header block (mail-parser skips white space up to it). `None` when anything
/// else follows the last header (a line mail-parser could not read as a header) or the
/// message ends first.
fn body_start(root: &[Header<'_>], raw: &[u8]) -> Option<usize> {
    let end = root.last()?.offset_end as usize;
    let newline = raw
        .get(end..)?
        .iter()
        .position(|&b| b == b'\n' || !b.is_ascii_whitespace())?;
    (raw[end + newline] == b'\n').then_some(end + newline + 1)
}

/// The root headers mail-parser reads to decide how to read the body.
fn decides_body(name: &HeaderName<'_>) -> bool {
    matches!(
        name,
        HeaderName::ContentType
            | HeaderName::ContentTransferEncoding
            | HeaderName::ContentDisposition
    )
}

/// Where the raw values of the root headers that decide how to read the body start and end:
/// of each name the last one.
#[derive(Default)]
struct RootMime {
    content_type: Option<(usize, usize)>,
    transfer_encoding: Option<(usize, usize)>,
    disposition: Option<(usize, usize)>,
}

impl RootMime {
    /// The headers mail-parser types as MIME headers (`with_mime_headers`).
    fn is_typed_mime(name: &HeaderName<'_>) -> bool {
        decides_body(name)
            || matches!(
                name,
                HeaderName::ContentId
                    | HeaderName::ContentDescription
                    | HeaderName::ContentLocation
            )
    }

    /// The MIME headers of `root`; `None` when one of the headers that [`headers_only`]
    /// skipped and mail-parser types (MIME and address headers) holds `=?`: only then can
    /// its typed parser (which decodes encoded words) end elsewhere than the skipping parser
    /// did, so that the headers after it would be cut differently.
    fn of(root: &[Header<'_>], raw: &[u8]) -> Option<Self> {
        let mut mime = RootMime::default();
        let mut unread = None;
        for h in root {
            let at = (h.offset_start as usize, h.offset_end as usize);
            let slot = match h.name {
                HeaderName::ContentType => &mut mime.content_type,
                HeaderName::ContentTransferEncoding => &mut mime.transfer_encoding,
                HeaderName::ContentDisposition => &mut mime.disposition,
                _ if typed_later(&h.name) => &mut unread,
                _ => continue,
            };
            let value = raw.get(at.0..at.1)?;
            // (`contains` finds a byte quickly; few values hold a `?`.)
            if value.contains(&b'?') && value.windows(2).any(|w| w == b"=?") {
                return None;
            }
            *slot = Some(at);
        }
        Some(mime)
    }

    /// The text of `body` when mail-parser reads the message as one text/plain part decoded
    /// from the bytes as they stand (else `None`): as mail-parser decides it, the content
    /// type is absent or `text/plain`, the transfer encoding is not base64 or
    /// quoted-printable, and the disposition is not an attachment. The text is converted as
    /// mail-parser converts it: with the decoder of the charset when mail-parser has one,
    /// else as UTF-8 with invalid sequences replaced.
    fn plain_text<'b>(&self, raw: &[u8], body: &'b [u8]) -> Option<Cow<'b, str>> {
        // The charset (as mail-parser reads its value) of a text/plain content type.
        let parsed;
        let charset: Option<&[u8]> = match self.content_type {
            Some((start, end)) => {
                let value = raw.get(start..end)?;
                match simple_content_type(value) {
                    Some(charset) => charset,
                    None => {
                        // Most other types are plain to see (a folded value is left to
                        // mail-parser).
                        let head = &value[value
                            .iter()
                            .take_while(|&&b| b == b' ' || b == b'\t')
                            .count()..];
                        if !head
                            .get(..10)
                            .is_some_and(|v| v.eq_ignore_ascii_case(b"text/plain"))
                        {
                            return None;
                        }
                        parsed = typed(raw, start, end, MessageStream::parse_content_type)?;
                        match parsed.as_content_type() {
                            Some(c) if c.ctype() != "text" || c.subtype() != Some("plain") => {
                                return None;
                            }
                            Some(c) => c.attribute("charset").map(str::as_bytes),
                            None => None,
                        }
                    }
                }
            }
            None => None,
        };
        if let Some((start, end)) = self.transfer_encoding {
            let value = raw.get(start..end)?;
            let encoding = match simple_token(value) {
                Some(token) => Some(Cow::Borrowed(token)),
                None => match typed(raw, start, end, MessageStream::parse_unstructured)? {
                    HeaderValue::Text(encoding) => Some(encoding),
                    _ => None,
                },
            };
            if encoding.is_some_and(|e| {
                e.eq_ignore_ascii_case("base64") || e.eq_ignore_ascii_case("quoted-printable")
            }) {
                return None;
            }
        }
        if let Some((start, end)) = self.disposition {
            let disposition = typed(raw, start, end, MessageStream::parse_content_type)?;
            if disposition
                .as_content_type()
                .is_some_and(|d| d.is_attachment())
            {
                return None;
            }
        }
        Some(match charset.and_then(charset_decoder) {
            Some(decode) => Cow::Owned(decode(body)),
            None => super::lossy(body),
        })
    }
}

/// Where a one-line raw value holds one token of letters, digits, `-`, `_` and `.` between
/// spaces and tabs: that token, as mail-parser's text parser reads it.
fn simple_token(value: &[u8]) -> Option<&str> {
    let line = value.strip_suffix(b"\n")?;
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    let token = std::str::from_utf8(line).ok()?.trim_matches([' ', '\t']);
    let plain = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.');
    (!token.is_empty() && token.bytes().all(plain)).then_some(token)
}

/// For a simple raw Content-Type value of `text/plain` (any case), the value of its charset
/// parameter, if any, as mail-parser's content type parser reads them: one line of
/// `text/plain` and `; name=value` parameters with lowercase names of letters, digits and
/// `-`, values of letters, digits, `-`, `_` and `.` (bare or in double quotes), at most one
/// charset, spaces and tabs around them. `None` when the value is not that simple.
fn simple_content_type(value: &[u8]) -> Option<Option<&[u8]>> {
    let line = value.strip_suffix(b"\n")?;
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    let blank = |b: &u8| *b == b' ' || *b == b'\t';
    let trim = |s: &'_ [u8]| -> (usize, usize) {
        let start = s.iter().position(|b| !blank(b)).unwrap_or(s.len());
        let end = s.iter().rposition(|b| !blank(b)).map_or(start, |e| e + 1);
        (start, end)
    };
    let mut params = line.split(|&b| b == b';');
    let (start, end) = trim(params.next()?);
    if !line[start..end].eq_ignore_ascii_case(b"text/plain") {
        return None;
    }
    let name_byte = |b: &u8| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'-';
    let value_byte = |b: &u8| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.');
    let mut charset = None;
    for param in params {
        let (start, end) = trim(param);
        let param = &param[start..end];
        let eq = param.iter().position(|&b| b == b'=')?;
        let (name, value) = (&param[..eq], &param[eq + 1..]);
        let value = match value {
            [b'"', inner @ .., b'"'] => inner,
            _ => value,
        };
        if name.is_empty()
            || value.is_empty()
            || !name.iter().all(name_byte)
            || !value.iter().all(value_byte)
        {
            return None;
        }
        if name == b"charset" {
            if charset.is_some() {
                return None;
            }
            charset = Some(value);
        }
    }
    Some(charset)
}

/// The value of the header whose raw value is `raw[start..end]`, read by `parse` as
/// mail-parser reads it in the message; `None` if it ends elsewhere (never, as
/// [`RootMime::of`] checks).
fn typed<'x>(
    raw: &'x [u8],
    start: usize,
    end: usize,
    parse: fn(&mut MessageStream<'x>) -> HeaderValue<'x>,
) -> Option<HeaderValue<'x>> {
    let mut stream = MessageStream::new(raw.get(start..)?);
    let value = parse(&mut stream);
    (stream.offset() == end - start).then_some(value)
}

#[cfg(test)]
mod tests;
