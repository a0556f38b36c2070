//! The answer grammar: `N. V`, `N: V`, `N) V`, `N - V`, `N = V`, `N V`, `Label: V`, `Label V`,
//! several pairs per line (`energy 3, payment 4; scope 2`), inline answers under a quoted
//! question, `V/5`, yes/maybe/no (ja/misschien/nee), skip words, comments after the value,
//! and everything else as notes.

use std::borrow::Cow;
use std::collections::BTreeMap;

use crate::model::{Answer, Lang, Questionnaire, Scale};

use super::strip::{join_paragraphs, lowercase, FreshLine};

mod language;

pub use language::quoted_prompt_language;
pub(crate) use language::quoted_prompt_language_in;
use language::*;

/// At most this many answer pairs are read from one line.
const MAX_PAIRS_PER_LINE: usize = 32;

/// What the grammar read from the owner's fresh lines.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Extracted {
    /// Answers by question key.
    pub answers: BTreeMap<String, Answer>,
    /// Free notes, paragraphs kept.
    pub notes: String,
    /// What could not be understood.
    pub problems: Vec<String>,
    /// Detected language (`None` when there was nothing to go on).
    pub language: Option<Lang>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Val {
    Int(u32),
    Word(u8, Option<Lang>),
    Skip(Option<Lang>),
}

/// One answer read from a line; the comment borrows from the line.
struct Pair<'a> {
    q: usize,
    val: Val,
    comment: Option<&'a str>,
    label_lang: Option<Lang>,
}

/// The questionnaire's words, prepared once per questionnaire: the numbers and labels the
/// owner may type. Build it when the questionnaire is loaded and hand it to every parse
/// through [`ParseContext`](super::ParseContext).
pub struct Vocabulary {
    /// The questionnaire these words were prepared from.
    q: Questionnaire,
    /// Labels and keys, in the order [`Vocabulary::label_at`] tries them: by first byte,
    /// then longest first, then questionnaire order.
    labels: Vec<Label>,
    /// `labels[by_first[b]..by_first[b + 1]]` are the labels whose first byte is `b`.
    by_first: Vec<usize>,
    notes_prompts: Vec<NotesPrompt>,
    /// Per question: the start of each wording's text as [`skip_question_text`] looks for it
    /// (ASCII-lowercased, cut at `{client}`, at most 12 characters, trimmed, never empty).
    question_heads: Vec<Vec<String>>,
}

/// A word the owner may use for a question.
struct Label {
    /// Compared ASCII-case-insensitively, so lowercased here only when it is not ASCII.
    text: String,
    /// Its first byte, ASCII-lowercased (never empty).
    first: u8,
    question: usize,
    /// The language of a wording's label; `None` for the key.
    lang: Option<Lang>,
}

impl Label {
    fn new(text: &str, question: usize, lang: Option<Lang>) -> Option<Self> {
        let text = label_form(text).into_owned();
        let first = text.as_bytes().first()?.to_ascii_lowercase();
        Some(Label {
            text,
            first,
            question,
            lang,
        })
    }
}

/// A notes prompt ("Anything else about {client}?"), lowercased: its trimmed text before the
/// first `{client}` (head) and after the last one (tail); without `{client}`, both are the
/// whole trimmed text.
struct NotesPrompt {
    head: String,
    tail: String,
}

impl NotesPrompt {
    /// `None` when the head is shorter than 8 bytes: such a prompt is too vague to recognise.
    fn new(prompt: &str) -> Option<Self> {
        const CLIENT: &str = "{client}";
        let text = lowercase(prompt);
        let head = text[..text.find(CLIENT).unwrap_or(text.len())].trim();
        let tail = text[text.rfind(CLIENT).map_or(0, |i| i + CLIENT.len())..].trim();
        (head.len() >= 8).then(|| NotesPrompt {
            head: head.to_string(),
            tail: tail.to_string(),
        })
    }
}

/// A label as [`Vocabulary::label_at`] compares it: ASCII as written, anything else lowercased.
fn label_form(s: &str) -> Cow<'_, str> {
    if s.is_ascii() {
        Cow::Borrowed(s)
    } else {
        Cow::Owned(s.to_lowercase())
    }
}

impl std::fmt::Debug for Vocabulary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Vocabulary")
            .field("questions", &self.q.questions.len())
            .field("labels", &self.labels.len())
            .finish_non_exhaustive()
    }
}

impl Vocabulary {
    /// Prepares the words of `q`.
    pub fn new(q: &Questionnaire) -> Self {
        let mut labels = Vec::with_capacity(q.questions.len() * 3);
        for (i, question) in q.questions.iter().enumerate() {
            // Wordings first: a key equal to the English label counts as English.
            labels.extend(
                question
                    .wording
                    .iter()
                    .filter_map(|(lang, w)| Label::new(&w.label, i, Some(*lang))),
            );
            labels.extend(Label::new(&question.key, i, None));
        }
        // Stable: equally long labels with the same first byte keep questionnaire order.
        labels.sort_by_key(|l| (l.first, std::cmp::Reverse(l.text.len())));
        let by_first = (0..=256)
            .map(|b| labels.partition_point(|l| usize::from(l.first) < b))
            .collect();
        let question_heads = q
            .questions
            .iter()
            .map(|question| {
                question
                    .wording
                    .values()
                    .filter_map(|w| {
                        let text = w.text.to_ascii_lowercase();
                        let head: String = text
                            .split("{client}")
                            .next()
                            .unwrap_or("")
                            .chars()
                            .take(12)
                            .collect();
                        let head = head.trim();
                        (!head.is_empty()).then(|| head.to_string())
                    })
                    .collect()
            })
            .collect();
        let notes_prompts = q
            .notes_prompt
            .values()
            .filter_map(|np| NotesPrompt::new(np))
            .collect();
        Vocabulary {
            q: q.clone(),
            labels,
            by_first,
            notes_prompts,
            question_heads,
        }
    }

    /// The questionnaire these words were prepared from.
    pub fn questionnaire(&self) -> &Questionnaire {
        &self.q
    }

    /// A label at the start of `s` (compared ASCII-case-insensitively), ending at a word
    /// boundary. The longest wins, so "payment" beats a shorter label that is its prefix;
    /// among equally long ones, the first in questionnaire order.
    fn label_at(&self, s: &str) -> Option<(usize, usize, Option<Lang>)> {
        let first = usize::from(s.as_bytes().first()?.to_ascii_lowercase());
        // Longest first, so the first that matches wins.
        let candidates = self
            .labels
            .get(self.by_first[first]..self.by_first[first + 1])?;
        candidates
            .iter()
            .find(|label| {
                let len = label.text.len();
                // Both sides ASCII-lowercased: the same as comparing with the lowercased label.
                // Bytes equal to a whole label end on a character boundary of `s`.
                s.as_bytes()
                    .get(..len)
                    .is_some_and(|rest| rest.eq_ignore_ascii_case(label.text.as_bytes()))
                    && boundary(s, len)
            })
            .map(|label| (label.question, label.text.len(), label.lang))
    }

    /// The question a quoted line shows (`1. Energy — …`) and the language of its label.
    fn quoted_question(&self, line: &str) -> Option<(usize, Option<Lang>)> {
        let digits = line.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 || digits > 2 {
            return None;
        }
        let n = digits_value(&line[..digits]);
        if n == 0 || n > self.q.questions.len() {
            return None;
        }
        let rest = line[digits..]
            .trim_start_matches(['.', ')', ':'])
            .trim_start();
        let (i, _, lang) = self.label_at(rest)?;
        (i == n - 1).then_some((i, lang))
    }

    /// The question a quoted line shows (`1. Energy — …`), if any.
    fn question_in_quote(&self, line: &str) -> Option<usize> {
        self.quoted_question(line).map(|(i, _)| i)
    }
}

/// `s.trim()`, without decoding characters when `s` starts and ends with a printable ASCII
/// byte (as nearly every line does): then there is nothing to trim.
fn trim_line(s: &str) -> &str {
    let solid = |b: Option<&u8>| b.is_some_and(|&b| b.is_ascii_graphic());
    let b = s.as_bytes();
    if solid(b.first()) && solid(b.last()) {
        s
    } else {
        s.trim()
    }
}

/// Whether `a` ASCII-lowercased is `b`: the same as `a.to_ascii_lowercase() == b`, without
/// the copy. `b` is meant to be lowercase; an ASCII capital in it never matches.
fn lower_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.to_ascii_lowercase() == *y)
}

/// `s.to_ascii_lowercase().starts_with(prefix)`, without the copy.
fn lower_starts_with(s: &str, prefix: &str) -> bool {
    s.as_bytes()
        .get(..prefix.len())
        .is_some_and(|head| lower_eq(head, prefix.as_bytes()))
}

/// `s.to_ascii_lowercase().ends_with(suffix)`, without the copy.
fn lower_ends_with(s: &str, suffix: &str) -> bool {
    s.len() >= suffix.len() && lower_eq(&s.as_bytes()[s.len() - suffix.len()..], suffix.as_bytes())
}

/// `hay.to_ascii_lowercase().contains(needle)`, without the copy, for a non-empty `needle`.
///
/// Only the places holding one byte of the needle are compared (found with `memchr`): the
/// first byte that is no ASCII letter (it matches only itself), else the first letter in
/// either case.
fn lower_contains(hay: &str, needle: &str) -> bool {
    let (hay, n) = (hay.as_bytes(), needle.as_bytes());
    if n.len() > hay.len() {
        return false;
    }
    let at = |start: usize| {
        hay.get(start..start + n.len())
            .is_some_and(|w| lower_eq(w, n))
    };
    match n.iter().position(|b| !b.is_ascii_alphabetic()) {
        // `k` bytes into the needle: the window starts `k` bytes before each such byte.
        Some(k) => memchr::memchr_iter(n[k], &hay[k..]).any(&at),
        None => match n.first() {
            None => true,
            // No byte lowercases to a capital.
            Some(b) if b.is_ascii_uppercase() => false,
            Some(&b) => memchr::memchr2_iter(b, b.to_ascii_uppercase(), hay).any(at),
        },
    }
}

/// The value of a run of at most three ASCII digits (what `str::parse` gives for them,
/// without its sign and overflow checks).
fn digits_value(digits: &str) -> usize {
    digits
        .bytes()
        .fold(0, |n, d| n * 10 + usize::from(d.wrapping_sub(b'0')))
}

fn skip_spaces(s: &str, mut p: usize) -> usize {
    let b = s.as_bytes();
    while p < b.len() && (b[p] == b' ' || b[p] == b'\t') {
        p += 1;
    }
    p
}

/// Byte length of a dash-like separator at `p` (`-`, `–`, `—`), if any.
fn dash_at(s: &str, p: usize) -> usize {
    let rest = &s[p..];
    for d in ["—", "–", "-"] {
        if rest.starts_with(d) {
            return d.len();
        }
    }
    0
}

/// Whether no alphanumeric character starts at `p` (a character boundary of `s`).
fn boundary(s: &str, p: usize) -> bool {
    match s.as_bytes().get(p) {
        None => true,
        // An ASCII byte is a whole character.
        Some(b) if b.is_ascii() => !b.is_ascii_alphanumeric(),
        Some(_) => !s[p..].chars().next().is_some_and(char::is_alphanumeric),
    }
}

/// A value at `p` in `l` (its words compared ASCII-case-insensitively): returns the value
/// and its end.
fn value_at(l: &str, p: usize) -> Option<(Val, usize)> {
    let rest = &l[p..];
    // No skip word, dash or yes/no word starts with a digit.
    if !rest.starts_with(|c: char| c.is_ascii_digit()) {
        for (w, lang) in [
            ("n.v.t.", Some(Lang::Nl)),
            ("n.v.t", Some(Lang::Nl)),
            ("nvt", Some(Lang::Nl)),
            ("n/a", Some(Lang::En)),
            ("skip", Some(Lang::En)),
            ("overslaan", Some(Lang::Nl)),
        ] {
            if lower_starts_with(rest, w) && boundary(l, p + w.len()) {
                return Some((Val::Skip(lang), p + w.len()));
            }
        }
        let dash = dash_at(l, p);
        if dash > 0 {
            let after = p + dash;
            if l[after..].trim().is_empty() || l[after..].starts_with([' ', ',', ';']) {
                return Some((Val::Skip(None), after));
            }
            return None;
        }
        for (w, v, lang) in [
            ("misschien", 3, Some(Lang::Nl)),
            ("maybe", 3, Some(Lang::En)),
            ("yes", 5, Some(Lang::En)),
            ("nee", 1, Some(Lang::Nl)),
            ("ja", 5, Some(Lang::Nl)),
            ("no", 1, Some(Lang::En)),
        ] {
            if lower_starts_with(rest, w) && boundary(l, p + w.len()) {
                return Some((Val::Word(v, lang), p + w.len()));
            }
        }
    }
    let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
    if digits == 0 || digits > 3 {
        return None;
    }
    let n = u32::try_from(digits_value(&rest[..digits])).ok()?;
    let mut end = p + digits;
    if l[end..].starts_with('/') {
        let d = l[end + 1..].bytes().take_while(u8::is_ascii_digit).count();
        if (1..=3).contains(&d) {
            end += 1 + d;
        }
    }
    if !boundary(l, end) {
        return None;
    }
    // "2.5 hours" is a number, not question 2 = 5.
    if l[end..].starts_with(['.', ',']) && l[end + 1..].starts_with(|c: char| c.is_ascii_digit()) {
        return None;
    }
    Some((Val::Int(n), end))
}

/// Skips a copied question text (`Did they pay on time …? (yes / maybe / no)`) at `p`;
/// `heads` are the question's [`Vocabulary::question_heads`].
fn skip_question_text(l: &str, p: usize, heads: &[String]) -> usize {
    let rest = &l[p..];
    if !heads.iter().any(|head| lower_starts_with(rest, head)) {
        return p;
    }
    let Some(qm) = rest.find('?') else { return p };
    let mut end = p + qm + 1;
    let after = skip_spaces(l, end);
    if l[after..].starts_with('(') {
        if let Some(close) = l[after..].find(')') {
            end = after + close + 1;
        }
    }
    end
}

fn pair_at<'a>(v: &Vocabulary, l: &str, p: usize) -> Option<(Pair<'a>, usize)> {
    let p = skip_spaces(l, p);
    let rest = &l[p..];
    let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
    if (1..=2).contains(&digits) {
        let n = digits_value(&rest[..digits]);
        if n == 0 || n > v.q.questions.len() {
            return None;
        }
        let q = n - 1;
        let mut c = p + digits;
        let after_num = c;
        c = skip_spaces(l, c);
        let mut sep = c > after_num;
        let mut dot = false;
        if let Some(ch) = l[c..].chars().next() {
            if matches!(ch, '.' | ':' | ')' | '=') {
                dot = ch == '.' && c == after_num;
                c += 1;
                sep = true;
            } else {
                let d = dash_at(l, c);
                if d > 0 && c > after_num {
                    c += d;
                }
            }
        }
        if !sep {
            return None;
        }
        let before_value = c;
        c = skip_spaces(l, c);
        let mut label_lang = None;
        if let Some((i, len, lang)) = v.label_at(&l[c..]) {
            if i == q {
                label_lang = lang;
                c = skip_spaces(l, c + len);
                let d = dash_at(l, c);
                if d > 0 || l[c..].starts_with(':') {
                    c = skip_spaces(l, c + d.max(1));
                }
                c = skip_spaces(l, skip_question_text(l, c, &v.question_heads[q]));
                if l[c..].starts_with([':', '=']) {
                    c = skip_spaces(l, c + 1);
                }
            }
        }
        let (val, end) = value_at(l, c)?;
        // "1.4" is fine, "2.5 hours" was refused in value_at; "1.four" never gets here.
        if dot && c == before_value && !l[end..].trim().is_empty() {
            return None;
        }
        return Some((finish_pair(q, val, label_lang), end));
    }
    let (q, len, label_lang) = v.label_at(rest)?;
    let mut c = skip_spaces(l, p + len);
    if l[c..].starts_with([':', '=']) {
        c += 1;
    } else {
        let d = dash_at(l, c);
        if d > 0 {
            let after = skip_spaces(l, c + d);
            // "energy - 4" (dash as separator) vs "energy -" (skip)
            if value_at(l, after).is_some_and(|(v, _)| !matches!(v, Val::Skip(None))) {
                c = after;
            }
        }
    }
    c = skip_spaces(l, c);
    if c == p + len && !l[c..].is_empty() {
        return None;
    }
    let (val, end) = value_at(l, c)?;
    Some((finish_pair(q, val, label_lang), end))
}

fn finish_pair<'a>(q: usize, val: Val, label_lang: Option<Lang>) -> Pair<'a> {
    Pair {
        q,
        val,
        comment: None,
        label_lang,
    }
}

fn comment_from(original: &str, start: usize) -> Option<&str> {
    let rest = original.get(start..)?.trim();
    let rest = rest
        .strip_prefix(['-', ',', ':', ';', '–', '—'])
        .unwrap_or(rest)
        .trim();
    (!rest.is_empty()).then_some(rest)
}

/// Appends all answer pairs on `line` to `out`; false, with nothing appended, when the line
/// does not start with one.
fn pairs_on_line<'a>(v: &Vocabulary, line: &'a str, out: &mut Vec<Pair<'a>>) -> bool {
    let l = line;
    let Some((mut first, mut end)) = pair_at(v, l, 0) else {
        return false;
    };
    let mut found = 0;
    loop {
        let after = skip_spaces(l, end);
        if found + 1 < MAX_PAIRS_PER_LINE && l[after..].starts_with([',', ';']) {
            if let Some((next, next_end)) = pair_at(v, l, after + 1) {
                out.push(first);
                found += 1;
                first = next;
                end = next_end;
                continue;
            }
        }
        first.comment = comment_from(line, end);
        out.push(first);
        return true;
    }
}

/// An inline answer (value first) for question `q`.
fn inline_answer(line: &str, q: usize, scale: Scale) -> Option<Pair<'_>> {
    let p = skip_spaces(line, 0);
    let (val, end) = value_at(line, p)?;
    // "No notes here" under a 1–5 question is prose, not an answer.
    if matches!(val, Val::Word(..)) && scale != Scale::YesMaybeNo {
        return None;
    }
    let mut pair = finish_pair(q, val, None);
    pair.comment = comment_from(line, end);
    Some(pair)
}

const SIGN_OFFS: &[&str] = &[
    "regards",
    "kind regards",
    "best regards",
    "warm regards",
    "best",
    "cheers",
    "thanks",
    "thank you",
    "many thanks",
    "greetings",
    "groet",
    "groeten",
    "groetjes",
    "met vriendelijke groet",
    "vriendelijke groet",
    "vriendelijke groeten",
    "met vriendelijke groeten",
    "hartelijke groet",
    "hartelijke groeten",
    "mvg",
    "gr",
    "liefs",
    "dank",
    "bedankt",
    "dank je",
    "dankjewel",
];

/// Bit `n` is set when some sign-off is `n` bytes long (all are shorter than 64 bytes).
const SIGN_OFF_LENGTHS: u64 = {
    let mut bits = 0u64;
    let mut i = 0;
    while i < SIGN_OFFS.len() {
        assert!(SIGN_OFFS[i].len() < 64);
        bits |= 1 << SIGN_OFFS[i].len();
        i += 1;
    }
    bits
};

/// Drops a closing like "Regards,\nName" at the end of the notes (at most 3 short lines after it).
/// The notes are trimmed lines, empty for a blank line.
fn drop_sign_off(notes: &mut Vec<&str>) {
    let last = notes.iter().rposition(|n| !n.is_empty());
    let Some(last) = last else { return };
    let start = last.saturating_sub(3);
    for i in start..=last {
        let l = notes[i].trim_end_matches([',', '.', '!']);
        // The sign-offs are lowercase ASCII: an ASCII line is compared without a lowercased
        // copy, and only when some sign-off is as long as it.
        let sign_off = if l.is_ascii() {
            l.len() < 64
                && SIGN_OFF_LENGTHS & (1 << l.len()) != 0
                && SIGN_OFFS.iter().any(|s| s.eq_ignore_ascii_case(l))
        } else {
            SIGN_OFFS.contains(&l.to_lowercase().as_str())
        };
        if sign_off && notes[i + 1..=last].iter().all(|n| n.len() <= 60) {
            notes.truncate(i);
            return;
        }
    }
}

/// Whether the trimmed line `t` is only a number (`4`, `4/5`).
fn is_bare_number(t: &str) -> bool {
    !t.is_empty() && t.len() <= 5 && t.chars().all(|c| c.is_ascii_digit() || c == '/')
}

/// Whether `line` is olifant's own (it holds an `ignore` string, or is a copied notes prompt),
/// comparing with `line` lowercased. Copied question lines are told apart in [`extract_in`].
fn is_own_line(v: &Vocabulary, line: &str, ignore: &[&str]) -> bool {
    // Only a line with non-ASCII letters needs more than ASCII lowercasing; an ASCII line is
    // compared in place.
    if !line.is_ascii() {
        let l = line.to_lowercase();
        return ignore.iter().any(|i| !i.is_empty() && l.contains(i))
            || v.notes_prompts
                .iter()
                .any(|np| l.starts_with(&np.head) && l.ends_with(&np.tail));
    }
    ignore
        .iter()
        .any(|i| !i.is_empty() && lower_contains(line, i))
        || v.notes_prompts
            .iter()
            .any(|np| lower_starts_with(line, &np.head) && lower_ends_with(line, &np.tail))
}

/// Reads answers and notes from the owner's fresh lines.
///
/// `ignore` holds lowercase strings (the bot address, the token) whose lines are olifant's own.
pub fn extract(
    lines: &[FreshLine],
    q: &Questionnaire,
    ignore: &[String],
    default_lang: Lang,
) -> Extracted {
    extract_with_hint(lines, q, ignore, default_lang, None)
}

/// [`extract`], with the quoted prompt's language as a tie-breaker for language detection.
pub fn extract_with_hint(
    lines: &[FreshLine],
    q: &Questionnaire,
    ignore: &[String],
    default_lang: Lang,
    hint: Option<Lang>,
) -> Extracted {
    let ignore: Vec<&str> = ignore.iter().map(String::as_str).collect();
    extract_in(lines, &Vocabulary::new(q), &ignore, default_lang, || hint)
}

/// [`extract_with_hint`] with the vocabulary already built and the hint computed only when
/// the language is a tie (the quoted prompt need not be read otherwise).
pub(crate) fn extract_in(
    lines: &[FreshLine],
    v: &Vocabulary,
    ignore: &[&str],
    default_lang: Lang,
    hint: impl FnOnce() -> Option<Lang>,
) -> Extracted {
    let q = &v.q;
    let mut pairs: Vec<Pair> = Vec::with_capacity(lines.len());
    let mut notes: Vec<&str> = Vec::with_capacity(lines.len());
    let mut problems = Vec::new();
    for fl in lines {
        let text = trim_line(&fl.text);
        if text.is_empty() {
            notes.push("");
            continue;
        }
        if is_own_line(v, text, ignore) {
            continue;
        }
        // A copied question line ("2. Payment — Did they …?") is the prompt's own, unless an
        // answer was written on it; those answers are kept unless an inline answer wins.
        let mark = pairs.len();
        let shows_question = v.question_in_quote(text).is_some();
        if shows_question && !pairs_on_line(v, text, &mut pairs) {
            continue;
        }
        let inline = fl
            .quoted_above
            .as_deref()
            .and_then(|above| v.question_in_quote(above))
            .and_then(|qi| inline_answer(text, qi, q.questions[qi].scale));
        if let Some(p) = inline {
            pairs.truncate(mark);
            pairs.push(p);
            continue;
        }
        if shows_question || pairs_on_line(v, text, &mut pairs) {
            continue;
        }
        if is_bare_number(text) {
            problems.push(format!(
                "\"{text}\" does not say which question it answers; write \"1. {text}\" or \"energy {text}\""
            ));
        }
        notes.push(text);
    }
    let mut answers: BTreeMap<String, Answer> = BTreeMap::new();
    for p in &pairs {
        let question = &q.questions[p.q];
        let label = || &question.wording(default_lang).label;
        let rating = match (p.val, question.scale) {
            (Val::Skip(_), _) => continue,
            (Val::Int(n), scale) => {
                let (lo, hi) = scale.bounds();
                if n >= u32::from(lo) && n <= u32::from(hi) {
                    u8::try_from(n).ok()
                } else {
                    problems.push(format!(
                        "{}: {n} is not on the {lo}–{hi} scale, so it was not stored",
                        label()
                    ));
                    None
                }
            }
            (Val::Word(w, _), Scale::YesMaybeNo) => Some(w),
            (Val::Word(_, _), Scale::Rating { min, max }) => {
                problems.push(format!(
                    "{}: yes/maybe/no is not a rating; answer with a number from {min} to {max}",
                    label()
                ));
                None
            }
        };
        let answer = Answer {
            rating,
            comment: p.comment.map(str::to_string),
        };
        if answers.insert(question.key.clone(), answer).is_some() {
            problems.push(format!(
                "{} was answered more than once; the last answer counts",
                label()
            ));
        }
    }
    drop_sign_off(&mut notes);
    let language = detect_language(&pairs, &notes, || hint().unwrap_or(default_lang));
    let notes = join_paragraphs(notes.iter().copied());
    if answers.is_empty() && notes.is_empty() {
        problems.push("no answers or notes found in the reply".to_string());
    }
    Extracted {
        answers,
        notes,
        problems,
        language,
    }
}

#[cfg(test)]
mod tests;
