//! Which language the owner wrote in: word tallies against short English and Dutch lists,
//! and the language of a quoted prompt.

use super::*;

/// A common Dutch word (lowercase).
pub(super) fn is_dutch_word(word: &[u8]) -> bool {
    matches!(
        word,
        b"altijd"
            | b"betaald"
            | b"betaalden"
            | b"dat"
            | b"de"
            | b"dus"
            | b"een"
            | b"en"
            | b"erg"
            | b"fijn"
            | b"geen"
            | b"goed"
            | b"heel"
            | b"het"
            | b"hun"
            | b"ik"
            | b"je"
            | b"klant"
            | b"laat"
            | b"leuk"
            | b"maar"
            | b"met"
            | b"mijn"
            | b"niet"
            | b"nog"
            | b"nooit"
            | b"ook"
            | b"op"
            | b"prima"
            | b"te"
            | b"voor"
            | b"weer"
            | b"wel"
            | b"werk"
            | b"ze"
            | b"zij"
            | b"zijn"
    )
}
/// A common English word (lowercase).
pub(super) fn is_english_word(word: &[u8]) -> bool {
    matches!(
        word,
        b"again"
            | b"always"
            | b"and"
            | b"but"
            | b"client"
            | b"fine"
            | b"for"
            | b"good"
            | b"great"
            | b"is"
            | b"it"
            | b"late"
            | b"my"
            | b"never"
            | b"nice"
            | b"not"
            | b"of"
            | b"on"
            | b"paid"
            | b"so"
            | b"that"
            | b"the"
            | b"their"
            | b"they"
            | b"this"
            | b"time"
            | b"very"
            | b"with"
            | b"work"
            | b"you"
    )
}

/// At most this many words of one text are looked up by [`language_words`].
pub(super) const MAX_LANGUAGE_WORDS: usize = 2000;

/// Per byte of ASCII text: the byte ASCII-lowercased when it is a letter or digit (in ASCII
/// text exactly the alphanumeric characters), else 0 (the byte separates words).
pub(super) const WORD_BYTES: [u8; 256] = {
    let mut table = [0u8; 256];
    let mut b = 0;
    while b < 256 {
        let byte = b as u8;
        if byte.is_ascii_alphanumeric() {
            table[b] = byte.to_ascii_lowercase();
        }
        b += 1;
    }
    table
};

/// Counts common Dutch and English words, one word at a time (see [`language_words`]).
#[derive(Default)]
pub(super) struct WordTally {
    nl: i32,
    en: i32,
    words: usize,
}

impl WordTally {
    /// Counts one lowercase word; `None` stands for a word longer than 16 bytes, which is in
    /// no list. False once [`MAX_LANGUAGE_WORDS`] words were seen: stop then.
    fn word(&mut self, lower: Option<&[u8]>) -> bool {
        if let Some(w) = lower {
            self.nl += i32::from(is_dutch_word(w));
            self.en += i32::from(is_english_word(w));
        }
        self.words += 1;
        self.words < MAX_LANGUAGE_WORDS
    }
}

/// How many of the first 2000 words of `t` are common Dutch and common English words.
///
/// ASCII text (nearly every note) is read in one pass over its bytes, lowercasing each word
/// on the stack as it goes; other text is split by characters and lowercased per word.
pub(super) fn language_words(t: &str) -> (i32, i32) {
    let mut tally = WordTally::default();
    if t.is_ascii() {
        let mut word = [0u8; 16];
        let mut len = 0;
        for &b in t.as_bytes() {
            let lower = WORD_BYTES[usize::from(b)];
            if lower != 0 {
                if let Some(slot) = word.get_mut(len) {
                    *slot = lower;
                }
                len += 1;
            } else if len > 0 {
                if !tally.word(word.get(..len)) {
                    return (tally.nl, tally.en);
                }
                len = 0;
            }
        }
        if len > 0 {
            tally.word(word.get(..len));
        }
    } else {
        let mut word = [0u8; 16];
        for w in t
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
        {
            let go_on = if w.is_ascii() {
                let lower = word.get_mut(..w.len()).map(|buf| {
                    buf.copy_from_slice(w.as_bytes());
                    buf.make_ascii_lowercase();
                    &*buf
                });
                tally.word(lower)
            } else {
                let lower = w.to_lowercase();
                tally.word(Some(lower.as_bytes()).filter(|l| l.len() <= 16))
            };
            if !go_on {
                break;
            }
        }
    }
    (tally.nl, tally.en)
}

/// `default` is asked only on a tie; empty `notes` lines are not counted.
pub(super) fn detect_language(
    pairs: &[Pair],
    notes: &[&str],
    default: impl FnOnce() -> Lang,
) -> Option<Lang> {
    let (mut nl, mut en) = (0i32, 0i32);
    for p in pairs {
        for lang in [
            p.label_lang,
            match p.val {
                Val::Word(_, l) | Val::Skip(l) => l,
                Val::Int(_) => None,
            },
        ]
        .into_iter()
        .flatten()
        {
            match lang {
                Lang::Nl => nl += 2,
                Lang::En => en += 2,
            }
        }
    }
    let texts = notes
        .iter()
        .copied()
        .filter(|n| !n.is_empty())
        .chain(pairs.iter().filter_map(|p| p.comment));
    for t in texts {
        let (d, e) = language_words(t);
        nl += d;
        en += e;
    }
    if pairs.is_empty() && notes.iter().all(|n| n.is_empty()) {
        return None;
    }
    Some(match nl.cmp(&en) {
        std::cmp::Ordering::Greater => Lang::Nl,
        std::cmp::Ordering::Less => Lang::En,
        std::cmp::Ordering::Equal => default(),
    })
}

/// The language of the prompt as quoted in the reply (labels of quoted question lines).
pub fn quoted_prompt_language(body: &str, q: &Questionnaire) -> Option<Lang> {
    quoted_prompt_language_in(body, &Vocabulary::new(q))
}

/// [`quoted_prompt_language`] with the vocabulary already built.
pub(crate) fn quoted_prompt_language_in(body: &str, v: &Vocabulary) -> Option<Lang> {
    let (mut nl, mut en) = (0, 0);
    for line in body
        .lines()
        .take(5000)
        .filter(|l| l.trim_start().starts_with('>'))
    {
        let inner = line.trim_start().trim_start_matches(['>', ' ', '\t']);
        match v.quoted_question(inner).and_then(|(_, lang)| lang) {
            Some(Lang::Nl) => nl += 1,
            Some(Lang::En) => en += 1,
            None => {}
        }
    }
    match nl.cmp(&en) {
        std::cmp::Ordering::Greater => Some(Lang::Nl),
        std::cmp::Ordering::Less => Some(Lang::En),
        std::cmp::Ordering::Equal => None,
    }
}
