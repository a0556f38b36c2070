//! What a line of a reply can be besides the owner's words: attribution headers ("On … wrote:",
//! header blocks in many languages), forwarded markers, footers, signature markers and
//! wrapped quotes. Compile-time first-byte tables keep the checks cheap.

use super::*;

pub(super) const HEADER_ENDS: &[&str] = &[
    "wrote:",
    "wrote :",
    "writes:",
    "schreef:",
    "schreef :",
    "het volgende geschreven:",
    "het volgende:",
    "schrieb:",
    "schrieb :",
    "geschrieben:",
    "a écrit :",
    "a écrit:",
    "a ecrit :",
    "a ecrit:",
    "escribió:",
    "escribio:",
    "ha scritto:",
    "skrev:",
    "napisał:",
    "kirjoitti:",
    "написал:",
    "escreveu:",
];

pub(super) const HEADER_VERBS: &[&str] = &[
    " wrote",
    " schreef",
    " geschreven",
    " schrieb",
    " geschrieben",
    " a écrit",
    " a ecrit",
    " escribió",
    " escribio",
    " scritto",
    " skrev",
    " napisał",
    " kirjoitti",
    " escreveu",
];

pub(super) const HEADER_STARTS: &[&str] = &[
    "on ", "op ", "am ", "le ", "el ", "il ", "in data ", "den ", "w dniu ", "dnia ", "em ",
];
/// The first bytes of [`HEADER_STARTS`].
pub(super) const HEADER_STARTS_FIRST: [bool; 256] = first_bytes(&[HEADER_STARTS]);

/// True when `s` contains one of [`HEADER_VERBS`] (each starts with a space).
pub(super) fn contains_verb(s: &str) -> bool {
    let b = s.as_bytes();
    (0..b.len()).any(|at| b[at] == b' ' && verb_at(&b[at..]))
}

/// True when `b` (starting with a space) starts with one of [`HEADER_VERBS`]. The two bytes
/// after the space are looked at first: few words start like a verb.
pub(super) fn verb_at(b: &[u8]) -> bool {
    matches!(
        b.get(1..3),
        Some(b"wr" | b"sc" | b"sk" | b"ge" | b"a " | b"es" | b"na" | b"ki")
    ) && HEADER_VERBS.iter().any(|v| b.starts_with(v.as_bytes()))
}

/// `@` or `<`: part of an address.
pub(super) fn address_like(s: &str) -> bool {
    s.bytes().any(|b| b == b'@' || b == b'<')
}

/// `address_like(s) || contains_verb(s)` in one pass over `s`.
pub(super) fn address_or_verb(s: &str) -> bool {
    let b = s.as_bytes();
    b.iter().enumerate().any(|(at, &c)| match c {
        b'@' | b'<' => true,
        b' ' => verb_at(&b[at..]),
        _ => false,
    })
}

/// False when [`reply_header_unfiltered`] cannot find a header starting at a line whose
/// [`probe`] is `first`: every way it has to a header needs a colon at the end, one of
/// [`HEADER_STARTS`], an address or a verb (Android's "---- Name wrote ----" has " wrote").
/// Most lines have none of them.
pub(super) fn may_start_reply_header(first: &str) -> bool {
    let b = trim_end(first).as_bytes();
    b.ends_with(b":")
        || b.ends_with("：".as_bytes())
        || (first_byte_in(first, &HEADER_STARTS_FIRST) && starts_with_any(first, HEADER_STARTS))
        || address_or_verb(first)
}

/// Recognises a reply header starting at `lines[i]` (whose [`probe`] is `first`); returns how
/// many lines it spans.
pub(super) fn reply_header_len(lines: &[&str], i: usize, first: &str) -> Option<usize> {
    if !may_start_reply_header(first) {
        return None;
    }
    reply_header_unfiltered(lines, i, first)
}

/// [`reply_header_len`] without the quick check.
pub(super) fn reply_header_unfiltered(lines: &[&str], i: usize, first: &str) -> Option<usize> {
    if first.is_empty() || is_quoted(lines[i]) || first.len() > 300 {
        return None;
    }
    let ends = |s: &str| {
        let s = s.trim_end();
        // Every header end is a colon.
        s.ends_with(':') && HEADER_ENDS.iter().any(|e| s.ends_with(e))
    };
    let starts = starts_with_any(first, HEADER_STARTS);
    let has_digit = |s: &str| s.chars().any(|c| c.is_ascii_digit());
    // "Jan de Vries schreef:" or "On …, Jan <jan@x> wrote:", but not "Here is what I wrote:".
    let evidence = |s: &str| {
        starts
            || has_digit(s)
            || address_like(s)
            || (s.split_whitespace().count() <= 4
                && !s
                    .split_whitespace()
                    .any(|w| w == "i" || w == "ik" || w == "ich"))
    };
    if ends(first) && evidence(first) {
        return Some(1);
    }
    // Android: "---- Name wrote ----"
    if first.starts_with("----") && first.contains(" wrote") {
        return Some(1);
    }
    // A header ends with a colon and names a verb ("schreef", "wrote") or, Gmail's ISO
    // style ("2014-03-20 8:48 GMT+01:00 Name <a@b>:"), an address and a date.
    let header_like = |s: &str| {
        let s = s.trim_end();
        if !(s.ends_with(':') || s.ends_with('：')) || s.len() > 400 {
            return false;
        }
        let verb = contains_verb(s);
        let address = s.contains('@');
        (verb && (starts || address || has_digit(s)))
            || (address && has_digit(s) && s.contains(' '))
    };
    if header_like(first) {
        return Some(1);
    }
    // Wrapped headers: up to 3 more lines (blank lines allowed inside when it starts like one).
    if !starts && !address_like(first) && !contains_verb(first) {
        return None;
    }
    let mut joined = first.to_string();
    let limit = if starts && has_digit(&joined) { 7 } else { 3 };
    for k in 1..limit {
        let Some(next) = lines.get(i + k) else { break };
        if is_quoted(next) && !(starts && next.trim_start().starts_with("> wrote")) {
            break;
        }
        let next = probe(next);
        if next.is_empty() {
            if starts {
                continue;
            }
            break;
        }
        joined.push(' ');
        joined.push_str(next.trim_start_matches('>').trim());
        if (ends(&joined) && evidence(&joined)) || header_like(&joined) {
            return Some(k + 1);
        }
    }
    None
}

/// What [`is_separator`] looks for after `*`s and white space; each starts with one of
/// [`SEPARATOR_FIRST`].
pub(super) const FORWARDED: &[&str] = &[
    "begin forwarded message",
    "forwarded message:",
    "begin doorgestuurd bericht",
    "doorgestuurd bericht:",
    "début du message réexpédié",
    "weitergeleitete nachricht:",
    "anfang der weitergeleiteten nachricht",
    "mensaje reenviado:",
];

/// The first bytes of [`FORWARDED`].
pub(super) const FORWARDED_FIRST: [bool; 256] = first_bytes(&[FORWARDED]);

pub(super) fn is_separator(p: &str) -> bool {
    match p.as_bytes().first() {
        Some(b'*' | b'_' | b'-') => is_separator_unfiltered(p),
        // `p` is trimmed: when it starts otherwise, only its end can be trimmed again, and
        // no marker ends in `*` or white space, so it is a separator when it starts with one.
        Some(_) => first_byte_in(p, &FORWARDED_FIRST) && starts_with_any(p, FORWARDED),
        None => false,
    }
}

/// [`is_separator`] without the check of the first byte.
pub(super) fn is_separator_unfiltered(p: &str) -> bool {
    let p = p.trim_matches('*').trim();
    if p.len() >= 2 && p.chars().all(|c| c == '_') {
        return true;
    }
    if p.len() >= 5 && p.chars().all(|c| c == '-') {
        return true;
    }
    if starts_with_any(p, FORWARDED) {
        return true;
    }
    // "-----Original Message-----", "---------- Forwarded message ---------", "----- Oorspronkelijk bericht -----"
    if p.starts_with("--") && p.ends_with("--") && p.len() > 6 {
        let inner = p.trim_matches('-').trim();
        let words = inner.split_whitespace().count();
        return (1..=6).contains(&words);
    }
    false
}

pub(super) const FROM_KEYS: &[&str] = &[
    "from", "van", "von", "de", "da", "fra", "från", "od", "от", "afzender", "sender",
];
pub(super) const OTHER_KEYS: &[&str] = &[
    "sent",
    "date",
    "to",
    "subject",
    "cc",
    "verzonden",
    "datum",
    "aan",
    "onderwerp",
    "gesendet",
    "an",
    "betreff",
    "envoyé",
    "envoye",
    "à",
    "objet",
    "enviado",
    "para",
    "asunto",
    "fecha",
    "skickat",
    "till",
    "ämne",
    "sendt",
    "til",
    "emne",
    "inviato",
    "oggetto",
    "data",
    "temat",
    "wysłano",
    "do",
    "verstuurd",
];

/// The key of a `Key: value` line (`*`s and white space around it trimmed), when short.
pub(super) fn header_key(p: &str) -> Option<&str> {
    // `*` and ` ` are ASCII: passing over them byte by byte is `trim_start_matches`.
    let from = p.bytes().position(|b| b != b'*' && b != b' ');
    let p = &p[from.unwrap_or(p.len())..];
    let colon = p.find(':')?;
    let k = trim(&p[..colon]);
    // The same for the `*`s at the end of the key.
    let stars = k.bytes().rev().take_while(|&b| b == b'*').count();
    let k = trim(&k[..k.len() - stars]);
    if k.is_empty() || k.len() > 20 {
        return None;
    }
    Some(k)
}

/// The keys other than [`FROM_KEYS`] a header block can start with.
pub(super) const BLOCK_KEYS: &[&str] = &["date", "datum", "sent", "verzonden", "gesendet"];
/// The first bytes of the keys a header block starts with.
pub(super) const BLOCK_START_FIRST: [bool; 256] = first_bytes(&[FROM_KEYS, BLOCK_KEYS]);

/// `From: …` followed within a few lines by `Sent:`/`To:`/`Subject:` (any language);
/// `first` is the [`probe`] of `lines[i]`.
pub(super) fn is_header_block(lines: &[&str], i: usize, first: &str) -> bool {
    // The key starts at the first byte that is neither `*` nor white space: when that byte
    // is ASCII, it must start one of the keys a block starts with (few lines do).
    let key_start = first.bytes().find(|&b| b != b'*' && !ascii_space(b));
    if key_start.is_some_and(|b| b.is_ascii() && !BLOCK_START_FIRST[usize::from(b)]) {
        return false;
    }
    is_header_block_unfiltered(lines, i, first)
}

/// [`is_header_block`] without the check of the first byte of the key.
pub(super) fn is_header_block_unfiltered(lines: &[&str], i: usize, first: &str) -> bool {
    let Some(k) = header_key(first) else {
        return false;
    };
    let starts_block = FROM_KEYS.contains(&k) || BLOCK_KEYS.contains(&k);
    if !starts_block {
        return false;
    }
    lines.iter().skip(i + 1).take(6).any(|l| {
        let p = probe(l);
        header_key(&p).is_some_and(|other| {
            other != k && (OTHER_KEYS.contains(&other) || FROM_KEYS.contains(&other))
        })
    })
}

pub(super) const FOOTERS: &[&str] = &[
    "sent from my",
    "sent from outlook",
    "sent from mail for",
    "sent from yahoo",
    "sent from samsung",
    "sent with ",
    "sent via ",
    "get outlook for",
    "verzonden vanaf mijn",
    "verstuurd vanaf mijn",
    "verzonden vanuit",
    "verstuurd vanuit",
    "verzonden met",
    "verstuurd met",
    "verzonden van mijn",
    "verstuurd van mijn",
    "von meinem",
    "gesendet von",
    "gesendet mit",
    "envoyé de mon",
    "envoyé depuis",
    "enviado desde mi",
    "enviado desde",
    "inviato da",
    "skickat från",
    "sendt fra",
];

/// The first bytes of [`FOOTERS`].
pub(super) const FOOTERS_FIRST: [bool; 256] = first_bytes(&[FOOTERS]);

pub(super) fn is_footer(p: &str) -> bool {
    // `p` is trimmed: with or without the link it starts with the same byte (or is empty).
    first_byte_in(p, &FOOTERS_FIRST) && is_footer_unfiltered(p)
}

/// [`is_footer`] without the check of the first byte.
pub(super) fn is_footer_unfiltered(p: &str) -> bool {
    // "Get Outlook for iOS<https://aka.ms/o0ukef>": drop the link first.
    let p = match p.ends_with('>').then(|| p.find('<')).flatten() {
        Some(i) => p[..i].trim(),
        None => p,
    };
    // "Sent from my iPhone", not "Sent from my desk, which is easier than my phone."
    starts_with_any(p, FOOTERS)
        && p.len() < 100
        && p.split_whitespace().count() <= 8
        && !p.trim_end_matches('.').contains([',', '.'])
}

pub(super) fn is_signature_marker(line: &str) -> bool {
    let t = line.trim_end_matches(['\r', '\n']);
    t == "-- " || t == "--" || t == "-- \u{a0}" || t.trim() == "—"
}

/// A client that wraps quoted text after adding `> ` leaves the tail of a long quoted line
/// unquoted ("…Nullam pharetra d\nignissim odio?\n> …"): a short lowercase line between two
/// quoted lines, right after a long one, is part of the quote, not an inline answer.
pub(super) fn is_wrapped_quote(lines: &[&str], i: usize, above: Option<&str>) -> bool {
    let Some(prev) = i.checked_sub(1).and_then(|p| lines.get(p)) else {
        return false;
    };
    let next_quoted = lines.get(i + 1).is_some_and(|l| is_quoted(l));
    let line = lines[i].trim();
    let first_word = || {
        lowercase(
            line.split(|c: char| !c.is_alphanumeric())
                .next()
                .unwrap_or(""),
        )
    };
    // Cheapest first: inline answers start with a digit or capital.
    line.starts_with(|c: char| c.is_lowercase())
        && is_quoted(prev)
        && next_quoted
        // Never more characters than bytes.
        && above.is_some_and(|a| a.len() >= 60 && a.chars().count() >= 60)
        && !matches!(
            first_word().as_ref(),
            "yes" | "no" | "maybe" | "ja" | "nee" | "misschien" | "skip" | "nvt" | "n"
        )
}
