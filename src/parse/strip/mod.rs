//! Removing what the owner did not write: quoted lines, reply headers ("On … wrote:",
//! "Op … schreef …:", …), Outlook separators and header blocks, `-- ` signatures and mobile
//! footers. What is left are the owner's fresh lines, each remembering the quoted question
//! it was written under (for inline answers).

use std::borrow::Cow;

mod markers;

use markers::*;

/// Longest body text looked at (characters); the rest is ignored.
pub const MAX_TEXT: usize = 1_000_000;
/// Only this many characters of a line are used to recognise its kind.
const MAX_PROBE: usize = 400;

/// One line the owner wrote, borrowed from the body when it can be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FreshLine<'a> {
    /// The line, trimmed at the end.
    pub text: Cow<'a, str>,
    /// The quoted line directly above it (markers removed), when there was one.
    pub quoted_above: Option<Cow<'a, str>>,
}

impl FreshLine<'_> {
    /// The same line, owning its text.
    pub fn into_owned(self) -> FreshLine<'static> {
        FreshLine {
            text: Cow::Owned(self.text.into_owned()),
            quoted_above: self.quoted_above.map(|q| Cow::Owned(q.into_owned())),
        }
    }
}

/// The first `n` characters of `s` (all of it when shorter), without copying.
pub(crate) fn first_chars(s: &str, n: usize) -> &str {
    if s.len() <= n {
        // Never more characters than bytes.
        return s;
    }
    match s.char_indices().nth(n) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}

/// `s.to_lowercase()`, borrowing when `s` has nothing to lowercase.
pub(crate) fn lowercase(s: &str) -> Cow<'_, str> {
    if !s.is_ascii() {
        return Cow::Owned(s.to_lowercase());
    }
    if s.bytes().any(|b| b.is_ascii_uppercase()) {
        Cow::Owned(s.to_ascii_lowercase())
    } else {
        Cow::Borrowed(s)
    }
}

/// ASCII white space as `char::is_whitespace` has it (with the vertical tab, which
/// `u8::is_ascii_whitespace` leaves out).
fn ascii_space(b: u8) -> bool {
    matches!(b, b'\t' | b'\n' | 0x0B | 0x0C | b'\r' | b' ')
}

/// `s.trim()`, without decoding characters when the text starts and ends (inside ASCII
/// white space) with ASCII: only a non-ASCII character there can be other white space.
fn trim(s: &str) -> &str {
    let b = s.as_bytes();
    let Some(start) = b.iter().position(|&x| !ascii_space(x)) else {
        return "";
    };
    let end = b
        .iter()
        .rposition(|&x| !ascii_space(x))
        .map_or(start, |e| e + 1);
    if b[start].is_ascii() && b[end - 1].is_ascii() {
        &s[start..end]
    } else {
        s.trim()
    }
}

/// `s.trim_start()`, without decoding characters when the first byte that is not ASCII
/// white space is ASCII.
fn trim_start(s: &str) -> &str {
    match s.bytes().position(|x| !ascii_space(x)) {
        None => "",
        Some(at) if s.as_bytes()[at].is_ascii() => &s[at..],
        Some(_) => s.trim_start(),
    }
}

/// `s.trim_end()`, without decoding characters when the last byte that is not ASCII white
/// space is ASCII.
fn trim_end(s: &str) -> &str {
    match s.bytes().rposition(|x| !ascii_space(x)) {
        None => "",
        Some(at) if s.as_bytes()[at].is_ascii() => &s[..=at],
        Some(_) => s.trim_end(),
    }
}

/// `s.trim().is_empty()`, deciding at the first byte that is not ASCII white space when
/// that byte is ASCII.
fn is_blank(s: &str) -> bool {
    match s.bytes().find(|&x| !ascii_space(x)) {
        None => true,
        Some(x) if x.is_ascii() => false,
        Some(_) => s.trim().is_empty(),
    }
}

/// The first [`MAX_PROBE`] characters of a line, trimmed and lowercased.
fn probe(line: &str) -> Cow<'_, str> {
    lowercase(first_chars(line, MAX_PROBE).trim())
}

/// [`probe`] without a new string per line: ASCII with an uppercase letter is lowercased
/// into `buf` (reused from line to line), other ASCII is borrowed as it is.
fn probe_in<'a>(line: &'a str, buf: &'a mut String) -> &'a str {
    let s = trim(first_chars(line, MAX_PROBE));
    if !s.is_ascii() {
        *buf = s.to_lowercase();
    } else if s.bytes().any(|b| b.is_ascii_uppercase()) {
        buf.clear();
        buf.push_str(s);
        buf.make_ascii_lowercase();
    } else {
        return s;
    }
    buf
}

/// `list.iter().any(|m| p.starts_with(m))`, comparing the first two bytes before calling
/// out to compare the rest.
fn starts_with_any(p: &str, list: &[&str]) -> bool {
    let p = p.as_bytes();
    let Some(&first) = p.first() else {
        return false;
    };
    list.iter().any(|m| {
        let m = m.as_bytes();
        // The first two bytes before the rest: most lines differ there.
        m.first() == Some(&first) && (m.len() < 2 || m.get(1) == p.get(1)) && p.starts_with(m)
    })
}

/// Which bytes start one of the strings in the `lists`: a table made at compile time, so
/// that most lines are turned away by one look-up instead of a pass over a list.
const fn first_bytes(lists: &[&[&str]]) -> [bool; 256] {
    let mut table = [false; 256];
    let mut l = 0;
    while l < lists.len() {
        let mut k = 0;
        while k < lists[l].len() {
            let b = lists[l][k].as_bytes();
            if !b.is_empty() {
                table[b[0] as usize] = true;
            }
            k += 1;
        }
        l += 1;
    }
    table
}

/// True when `p` starts with a byte marked in `table` (made by [`first_bytes`]).
fn first_byte_in(p: &str, table: &[bool; 256]) -> bool {
    p.as_bytes().first().is_some_and(|&b| table[usize::from(b)])
}

/// True when the line starts with `>` after white space (decided at the first byte that is
/// not ASCII white space when that byte is ASCII).
fn is_quoted(line: &str) -> bool {
    match line.bytes().find(|&x| !ascii_space(x)) {
        Some(b'>') => true,
        Some(x) if x.is_ascii() => false,
        None => false,
        Some(_) => line.trim_start().starts_with('>'),
    }
}

/// The text of a quoted line: without the white space and the `>`, ` `, `\t` before it,
/// and trimmed.
fn unquote(line: &str) -> &str {
    let t = trim_start(line);
    // The markers are ASCII: passing over them byte by byte is `trim_start_matches`.
    let markers = t
        .bytes()
        .take_while(|b| matches!(b, b'>' | b' ' | b'\t'))
        .count();
    trim(&t[markers..])
}

/// `line` without the `\r`s at its end (`trim_end_matches('\r')`, byte by byte).
fn trim_cr(line: &str) -> &str {
    let mut b = line.as_bytes();
    while let [rest @ .., b'\r'] = b {
        b = rest;
    }
    // Only ASCII '\r's were cut: the end is a character boundary.
    &line[..b.len()]
}

/// Offsets of every `\n` in `b`, found eight bytes at a time: one pass over the text, not
/// a search per line.
fn newlines(b: &[u8]) -> Vec<usize> {
    const LOW7: u64 = u64::from_ne_bytes([0x7F; 8]);
    const NEWLINES: u64 = u64::from_ne_bytes([b'\n'; 8]);
    // Room for lines of 16 bytes on average: replies have many short lines.
    let mut out = Vec::with_capacity(b.len() / 16 + 8);
    let (words, rest) = b.as_chunks::<8>();
    for (k, word) in words.iter().enumerate() {
        // Zero bytes where `word` has '\n'; a byte of `t` has its high bit set exactly when
        // that byte of `x` is not zero (no carry crosses bytes: 0x7F + 0x7F < 0x100).
        let x = u64::from_le_bytes(*word) ^ NEWLINES;
        let t = ((x & LOW7) + LOW7) | x;
        let mut found = !t & !LOW7;
        while found != 0 {
            out.push(k * 8 + found.trailing_zeros() as usize / 8);
            found &= found - 1;
        }
    }
    let done = words.len() * 8;
    out.extend(
        (done..)
            .zip(rest)
            .filter(|(_, &c)| c == b'\n')
            .map(|(at, _)| at),
    );
    out
}

/// The lines of a text as `text.lines()` has them, every trailing `\r` trimmed. Its line
/// breaks are found in one pass (eight bytes at a time: faster here than a search per
/// line), the lines themselves are made on demand: [`fresh_lines_of`] reads from the top
/// and often stops early (at an Outlook separator, a header block or a reply header with no
/// quote below), and the quoted tail is looked at only from the end.
struct Lines<'a> {
    /// The text the lines are in.
    text: &'a str,
    /// Offsets of the `\n`s in `text`.
    ends: Vec<usize>,
    /// How many lines are read: all of them, or those up to the live cut.
    count: usize,
    /// The lines made so far.
    split: Vec<&'a str>,
}

impl<'a> Lines<'a> {
    /// The lines of `text`, none made yet.
    fn new(text: &'a str) -> Self {
        let ends = newlines(text.as_bytes());
        // `lines` leaves out an empty last line (a text ending in a line break).
        let last_start = ends.last().map_or(0, |e| e + 1);
        let count = ends.len() + usize::from(last_start < text.len());
        Lines {
            text,
            ends,
            count,
            split: Vec::with_capacity(count.min(64)),
        }
    }

    /// Line `k` (one of the `count`), made from the offsets of the line breaks.
    fn line_at(&self, k: usize) -> &'a str {
        let start = k.checked_sub(1).map_or(0, |p| self.ends[p] + 1);
        let end = self.ends.get(k).copied().unwrap_or(self.text.len());
        trim_cr(&self.text[start..end])
    }

    /// Keeps only the lines [`fresh_lines_of`] can learn anything from: up to the last line
    /// that is neither blank nor quoted, then the lines its look-ahead reads from there
    /// ([`LOOK_AHEAD`] lines, any blank lines after them, and one more). All that is cut is
    /// quoted history and blank lines, which yield no fresh text: at most blank lines at
    /// the end, which change neither the fresh text nor the answers and notes.
    ///
    /// Odd spaces and zero-width characters cannot make such a line fresh: odd spaces are
    /// white space, and a zero-width character before `>` already makes the line unquoted
    /// here.
    ///
    /// Returns where the last line kept ends in the text (at its `\n`, or at the end).
    fn cut_live(&mut self) -> usize {
        let live = |k: &usize| {
            let line = self.line_at(*k);
            !is_blank(line) && !is_quoted(line)
        };
        let kept = match (0..self.count).rev().find(live) {
            None => 0,
            Some(last) => {
                let from = last + 1 + LOOK_AHEAD;
                match (from..self.count).find(|&k| !is_blank(self.line_at(k))) {
                    Some(k) => k + 1,
                    None => self.count,
                }
            }
        };
        self.count = kept;
        match kept.checked_sub(1) {
            Some(last) => self.ends.get(last).copied().unwrap_or(self.text.len()),
            None => 0,
        }
    }

    /// The first `n` lines (all of them when there are fewer), made as needed.
    fn first(&mut self, n: usize) -> &[&'a str] {
        let n = n.min(self.count);
        while self.split.len() < n {
            let line = self.line_at(self.split.len());
            self.split.push(line);
        }
        &self.split[..n]
    }

    /// Line `i`, when there is one.
    fn get(&mut self, i: usize) -> Option<&'a str> {
        self.first(i + 1).get(i).copied()
    }
}

/// True when `text` has one of the characters [`fresh_lines`] rewrites: the odd spaces
/// (U+00A0, U+2007, U+2009, U+202F, U+3000) and the zero-width ones (U+200B, U+200C, U+200D,
/// U+FEFF, U+1427), compared as UTF-8 bytes.
///
/// Each of them has a byte that common text seldom has (a lead byte 0xC2, 0xE1, 0xE3 or
/// 0xEF, or as third byte one of 0x87..=0x8D and 0xAF), at most two bytes after its lead
/// byte; em dashes (E2 80 94) and curly quotes (E2 80 98..9D) have none. Blocks without such
/// a byte are passed over with a loop the compiler can vectorise; only the others (from two
/// bytes before them) are looked at character by character.
fn has_odd_char(text: &str) -> bool {
    const BLOCK: usize = 64;
    let b = text.as_bytes();
    let rare = |x: u8| matches!(x, 0xC2 | 0xE1 | 0xE3 | 0xEF | 0x87..=0x8D | 0xAF);
    let lead = |x: u8| matches!(x, 0xC2 | 0xE1 | 0xE2 | 0xE3 | 0xEF);
    let odd_at = |at: usize| {
        matches!(
            b[at..],
            [0xC2, 0xA0, ..]
                | [0xE2, 0x80, 0x87 | 0x89 | 0x8B | 0x8C | 0x8D | 0xAF, ..]
                | [0xE1, 0x90, 0xA7, ..]
                | [0xE3, 0x80, 0x80, ..]
                | [0xEF, 0xBB, 0xBF, ..]
        )
    };
    b.chunks(BLOCK).enumerate().any(|(k, block)| {
        // No short cut inside the block: the whole fold vectorises.
        block.iter().fold(false, |seen, &x| seen | rare(x))
            // A character whose rare byte is here starts at most two bytes earlier.
            && ((k * BLOCK).saturating_sub(2)..k * BLOCK + block.len())
                .any(|at| lead(b[at]) && odd_at(at))
    })
}

/// Lines [`fresh_lines_of`] looks ahead at most, past the line it is at (a wrapped reply
/// header spans up to 7 lines; a header block looks 6 lines further).
const LOOK_AHEAD: usize = 8;

/// Splits a reply body into the owner's fresh lines, dropping quotes, reply headers,
/// Outlook separators/header blocks (and everything after them), signatures and footers.
pub fn fresh_lines(text: &str) -> Vec<FreshLine<'_>> {
    let text = first_chars(text, MAX_TEXT);
    let mut lines = Lines::new(text);
    let text = &text[..lines.cut_live()];
    // No-break and other odd spaces become plain spaces; zero-width characters go.
    let dropped = |c: char| {
        matches!(
            c,
            '\u{200b}' | '\u{200c}' | '\u{200d}' | '\u{feff}' | '\u{1427}'
        )
    };
    let odd_space = |c: char| {
        matches!(
            c,
            '\u{a0}' | '\u{2007}' | '\u{202f}' | '\u{2009}' | '\u{3000}'
        )
    };
    if has_odd_char(text) {
        let normal: String = text
            .chars()
            .filter(|c| !dropped(*c))
            .map(|c| if odd_space(c) { ' ' } else { c })
            .collect();
        return fresh_lines_of(&mut Lines::new(&normal))
            .into_iter()
            .map(FreshLine::into_owned)
            .collect();
    }
    fresh_lines_of(&mut lines)
}

/// [`fresh_lines`] of the lines of a text already cut and normalised, borrowing from it.
/// Lines are split as they are read: at most [`LOOK_AHEAD`] lines past the one at hand
/// (all the checks look at), more only to find the line after a reply header.
fn fresh_lines_of<'a>(src: &mut Lines<'a>) -> Vec<FreshLine<'a>> {
    let mut out: Vec<FreshLine> = Vec::with_capacity(32);
    let mut last_quoted: Option<Cow<'_, str>> = None;
    let mut prev_quoted = false;
    let mut in_signature = false;
    // Room for the lowercased probes (ASCII: one byte per character).
    let mut probe_buf = String::with_capacity(MAX_PROBE);
    // The last line read as a quoted line with text (`None` before the first).
    let mut last_quote_line = None;
    let mut i = 0;
    loop {
        let lines = src.first(i + LOOK_AHEAD + 1);
        let Some(&line) = lines.get(i) else { break };
        if is_quoted(line) {
            in_signature = false;
            let inner = unquote(line);
            if !inner.is_empty() {
                // Quoted text directly above: known when that line was read as a quote (it
                // may also have been passed over inside a reply header).
                let quote_above = i > 0
                    && (last_quote_line == Some(i - 1)
                        || (is_quoted(lines[i - 1]) && !unquote(lines[i - 1]).is_empty()));
                // A long quoted question wrapped by the client continues on the next quoted
                // line: "> 1. Energy — Did working with Acme give you" / "> energy?".
                let continues = quote_above
                    && last_quoted.as_deref().is_some_and(|prev| {
                        (!prev.ends_with(['?', '.', ')', ':', '!']) || inner.starts_with('('))
                            && !inner.starts_with(|c: char| c.is_ascii_digit())
                            && (prev.len() < MAX_PROBE || prev.chars().count() < MAX_PROBE)
                    });
                last_quote_line = Some(i);
                let text = first_chars(inner, MAX_PROBE);
                last_quoted = match (continues, last_quoted.take()) {
                    (true, Some(prev)) => Some(Cow::Owned(format!("{prev} {text}"))),
                    _ => Some(Cow::Borrowed(text)),
                };
                prev_quoted = true;
            }
            i += 1;
            continue;
        }
        if prev_quoted && is_wrapped_quote(lines, i, last_quoted.as_deref()) {
            i += 1;
            continue;
        }
        if is_blank(line) {
            // Blank lines keep paragraphs; clients put them around inline answers. (Every
            // check below passes a blank line over.)
            if !in_signature {
                out.push(FreshLine {
                    text: Cow::Borrowed(""),
                    quoted_above: None,
                });
            }
            i += 1;
            continue;
        }
        let p = probe_in(line, &mut probe_buf);
        if let Some(n) = reply_header_len(lines, i, p) {
            // Quoted history follows: drop the header, keep reading (inline answers).
            let next = (i + n..).map_while(|k| src.get(k)).find(|l| !is_blank(l));
            if next.is_some_and(is_quoted) {
                in_signature = false;
                i += n;
                continue;
            }
            break;
        }
        if is_separator(p) || is_header_block(lines, i, p) {
            break;
        }
        // A marker's probe is "--" or "—": only then is the line itself looked at.
        if matches!(p, "--" | "—") && is_signature_marker(line) {
            in_signature = true;
            i += 1;
            continue;
        }
        if is_footer(p) {
            // Like a signature: what follows until the quote is the device's, not the owner's.
            in_signature = true;
            i += 1;
            continue;
        }
        if in_signature {
            i += 1;
            continue;
        }
        if p.is_empty() {
            // Only white space in the first MAX_PROBE characters: kept as a blank line.
            out.push(FreshLine {
                text: Cow::Borrowed(""),
                quoted_above: None,
            });
            i += 1;
            continue;
        }
        out.push(FreshLine {
            text: Cow::Borrowed(trim_end(line)),
            quoted_above: if prev_quoted {
                last_quoted.clone()
            } else {
                None
            },
        });
        prev_quoted = false;
        i += 1;
    }
    out
}

/// Joins lines, trims them, collapses runs of blank lines and trims the whole.
pub fn join_paragraphs<'a>(lines: impl Iterator<Item = &'a str> + Clone) -> String {
    // Room for every line and its break up front: the text is built without regrowing.
    let room = lines.clone().map(|l| l.len() + 2).sum();
    let mut out = String::with_capacity(room);
    let mut pending_blank = false;
    for l in lines {
        let l = trim(l);
        if l.is_empty() {
            pending_blank = !out.is_empty();
            continue;
        }
        if pending_blank {
            out.push_str("\n\n");
        } else if !out.is_empty() {
            out.push('\n');
        }
        pending_blank = false;
        out.push_str(l);
    }
    out
}

/// The reply text with quoted history, reply headers, signatures and mobile footers removed
/// (the plain-text agreement check against other reply parsers uses this).
pub fn strip_reply_text(text: &str) -> String {
    let lines = fresh_lines(text);
    join_paragraphs(lines.iter().map(|l| l.text.as_ref()))
}

#[cfg(test)]
mod tests;
