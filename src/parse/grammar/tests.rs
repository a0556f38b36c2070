use super::*;
use crate::parse::strip::fresh_lines;
use crate::prompt::questionnaire::default_questionnaire;

fn run(text: &str) -> Extracted {
    extract(&fresh_lines(text), &default_questionnaire(), &[], Lang::En)
}

fn rating(e: &Extracted, key: &str) -> Option<u8> {
    e.answers.get(key).and_then(|a| a.rating)
}

#[test]
fn digits_value_is_what_parse_gives() {
    for n in 0..1000usize {
        for text in [n.to_string(), format!("{n:02}"), format!("{n:03}")] {
            assert_eq!(digits_value(&text), n, "{text}");
        }
    }
}

#[test]
fn vocabulary_reads_the_labels_of_its_own_questionnaire() {
    let q = default_questionnaire();
    let mut renamed = q.clone();
    if let Some(w) = renamed.questions[0].wording.get_mut(&Lang::En) {
        w.label = "Vigour".into();
    }
    let (plain, other) = (Vocabulary::new(&q), Vocabulary::new(&renamed));
    assert_eq!(other.label_at("vigour 4").map(|(i, _, _)| i), Some(0));
    assert_eq!(plain.label_at("vigour 4"), None);
    assert_eq!(plain.label_at("energy 4").map(|(i, _, _)| i), Some(0));
    assert!(other.questionnaire() == &renamed && plain.questionnaire() == &q);
}

/// The label search before labels were sorted: every label, longest match wins, ties
/// go to the first in questionnaire order.
fn label_at_by_scanning_all(v: &Vocabulary, s: &str) -> Option<(usize, usize, Option<Lang>)> {
    let mut labels: Vec<&Label> = v.labels.iter().collect();
    labels.sort_by_key(|l| (l.question, l.lang.is_none()));
    let mut best: Option<(usize, usize, Option<Lang>)> = None;
    for label in labels {
        let len = label.text.len();
        let matches = s
            .get(..len)
            .is_some_and(|rest| rest.eq_ignore_ascii_case(&label.text))
            && !s[len..].chars().next().is_some_and(char::is_alphanumeric);
        if matches && best.is_none_or(|(_, best_len, _)| len > best_len) {
            best = Some((label.question, len, label.lang));
        }
    }
    best
}

#[test]
fn sorted_labels_pick_the_longest_then_the_first_in_questionnaire_order() {
    let mut q = default_questionnaire();
    // "Pay" is a prefix of "Payment"; "Scope" now labels two questions.
    if let Some(w) = q.questions[0].wording.get_mut(&Lang::En) {
        w.label = "Pay".into();
    }
    if let Some(w) = q.questions[3].wording.get_mut(&Lang::En) {
        w.label = "Scope".into();
    }
    let v = Vocabulary::new(&q);
    assert_eq!(v.label_at("PAYMENT 4").map(|(i, _, _)| i), Some(1));
    assert_eq!(v.label_at("pay 4").map(|(i, _, _)| i), Some(0));
    assert_eq!(v.label_at("payments 4"), None);
    assert_eq!(v.label_at("scope: 3").map(|(i, _, _)| i), Some(2));
    for s in [
        "",
        "p",
        "pay",
        "Pay-4",
        "payment",
        "paymentx",
        "Scope",
        "scope—3",
        "energie 4",
        "Energy: 2",
        "betaling",
        "groei 3",
        "opnieuw ja",
        "again",
        "x",
        "é 4",
    ] {
        assert_eq!(v.label_at(s), label_at_by_scanning_all(&v, s), "{s:?}");
    }
}

#[test]
fn boundary_equals_the_next_character_check() {
    for s in [
        "",
        "a",
        "4",
        " x",
        ":",
        "é",
        "—",
        "\u{a0}",
        "١",
        "x\u{212A}",
        "ab",
    ] {
        for p in (0..=s.len()).filter(|&p| s.is_char_boundary(p)) {
            let slow = !s[p..].chars().next().is_some_and(char::is_alphanumeric);
            assert_eq!(boundary(s, p), slow, "{s:?} {p}");
        }
    }
}

#[test]
fn trim_line_equals_str_trim() {
    for s in [
        "",
        "a",
        " a",
        "a ",
        "\u{b}x\u{b}",
        "\u{a0}energy 4\u{a0}",
        "\u{2003}x",
        "x\u{3000}",
        "é",
        "1. 4",
        "\t4\t",
        "~x~",
    ] {
        assert_eq!(trim_line(s), s.trim(), "{s:?}");
    }
}

#[test]
fn lower_matching_equals_lowercasing_then_matching() {
    let needles = [
        "",
        "o",
        "O",
        "olifant@example.test",
        "evufssvwd42tku3lwpu3mgy4",
        "é@",
        "aab",
        "ab",
        "ref evufs",
        "anything else on your mind about",
    ];
    let lines = [
        String::new(),
        "olifant@example.test".into(),
        "Write to OLIFANT@Example.test".into(),
        "olifant@example.tes".into(),
        "ooolifant@example.test!".into(),
        "Ref EVUFSSVWD42TKU3LWPU3MGY4 é".into(),
        "é@é@".into(),
        "aaab".into(),
        "AaAB".into(),
        format!("{}aAb", "a".repeat(40)),
        format!("{}olifant@example.test", "x".repeat(50)),
        "Anything else on your mind about Acme?".into(),
    ];
    for line in &lines {
        let lower = line.to_ascii_lowercase();
        for needle in needles {
            let what = format!("{line:?} {needle:?}");
            assert_eq!(
                lower_contains(line, needle),
                lower.contains(needle),
                "{what}"
            );
            let starts = lower_starts_with(line, needle);
            assert_eq!(starts, lower.starts_with(needle), "{what}");
            let ends = lower_ends_with(line, needle);
            assert_eq!(ends, lower.ends_with(needle), "{what}");
        }
    }
}

proptest::proptest! {
    #[test]
    fn lower_contains_equals_lowercasing_then_contains(
        hay in proptest::collection::vec(proptest::sample::select(CONTAINS_PIECES), 0..12),
        needle in proptest::collection::vec(proptest::sample::select(CONTAINS_PIECES), 1..4),
    ) {
        let (hay, needle) = (hay.concat(), needle.concat());
        let lower = hay.to_ascii_lowercase();
        proptest::prop_assert_eq!(lower_contains(&hay, &needle), lower.contains(&needle));
    }
}

const CONTAINS_PIECES: &[&str] = &["a", "A", "b", "B", "@", ".", "é", "É", "4", " ", "ab"];

#[test]
fn notes_prompt_head_and_tail_around_the_client() {
    let np = |s: &str| NotesPrompt::new(s).map(|np| (np.head, np.tail));
    let own = |h: &str, t: &str| Some((h.to_string(), t.to_string()));
    assert_eq!(
        np("Anything else on your mind about {client}?"),
        own("anything else on your mind about", "?")
    );
    // A head under 8 bytes is too vague.
    assert_eq!(np(" Over {client} en {client}:  NOG IETS "), None);
    assert_eq!(
        np("Tell me about {client} and {client}: more "),
        own("tell me about", ": more")
    );
    assert_eq!(
        np("  Any other notes  "),
        own("any other notes", "any other notes")
    );
    assert_eq!(np("{client}: anything else?"), None);
}

#[test]
fn sign_offs_match_in_any_case_and_after_unicode_lowercasing() {
    for closing in [
        "Thanks,",
        "THANKS!",
        "Met vriendelijke groet.",
        "than\u{212A}s",
    ] {
        let mut notes = vec!["fine", closing, "Name"];
        drop_sign_off(&mut notes);
        assert_eq!(notes, ["fine"], "{closing:?}");
    }
    let mut notes = vec!["fine", "Thanks for the work", "Name"];
    drop_sign_off(&mut notes);
    assert_eq!(notes.len(), 3);
    // The length filter lets every sign-off through, and a near miss of each length fails.
    for s in SIGN_OFFS {
        let upper = format!("{},", s.to_ascii_uppercase());
        let mut notes = vec!["fine", upper.as_str(), "Name"];
        drop_sign_off(&mut notes);
        assert_eq!(notes, ["fine"], "{s:?}");
        let near = format!("{s}x");
        let mut notes = vec!["fine", near.as_str(), "Name"];
        drop_sign_off(&mut notes);
        assert_eq!(notes.len(), 3, "{near:?}");
    }
}

#[test]
fn an_inline_answer_wins_over_answers_on_a_copied_question_line() {
    let e = run("> 1. Energy — Did it?\n2. Payment — Did they pay on time, without discussion? 4");
    assert_eq!(rating(&e, "energy"), Some(2));
    assert_eq!(e.answers.get("payment"), None);
    // Without the quoted question above, the answer on the copied line counts.
    let e = run("2. Payment — Did they pay on time, without discussion? 4\n3. Scope — Did they?");
    assert_eq!(rating(&e, "payment"), Some(4));
    assert_eq!(e.answers.len(), 1, "{:?}", e.answers);
    assert_eq!(e.notes, "");
}

#[test]
fn language_words_count_the_same_in_ascii_and_other_text() {
    let ascii = "Ze betaalden ALTIJD te laat, but the work was good";
    assert_eq!(language_words(ascii), (5, 4));
    // One non-ASCII character sends the text down the char-by-char path.
    assert_eq!(language_words(&format!("{ascii} é")), (5, 4));
    assert_eq!(language_words("café klant—prima"), (2, 0));
    // The Kelvin sign lowercases to an ASCII 'k'.
    assert_eq!(language_words("\u{212A}lant"), (1, 0));
    assert_eq!(language_words("averyveryverylongword the"), (0, 1));
    // Only the first 2000 words count, in both paths.
    let many = format!("{}de the", "x ".repeat(1999));
    assert_eq!(language_words(&many), (1, 0));
    assert_eq!(language_words(&format!("é {many}")), (0, 0));
}

/// [`language_words`] as it was before its one-pass ASCII loop: split, take 2000 words,
/// lowercase each.
fn language_words_by_splitting(t: &str) -> (i32, i32) {
    let (mut nl, mut en) = (0, 0);
    for w in t
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .take(2000)
    {
        let lower = w.to_lowercase();
        nl += i32::from(is_dutch_word(lower.as_bytes()));
        en += i32::from(is_english_word(lower.as_bytes()));
    }
    (nl, en)
}

const LANGUAGE_PIECES: &[&str] = &[
    "de",
    "The",
    "KLANT",
    "altijd",
    "betaalden",
    "work",
    "werk",
    " ",
    ",",
    "-",
    "—",
    "é",
    "\u{212A}",
    "lant",
    "x",
    "9",
    "averyveryverylongword",
    "ze",
    "\u{a0}",
    "'",
    "İ",
];

proptest::proptest! {
    #[test]
    fn language_words_equals_splitting_and_lowercasing(
        pieces in proptest::collection::vec(proptest::sample::select(LANGUAGE_PIECES), 0..30),
    ) {
        let t = pieces.concat();
        proptest::prop_assert_eq!(language_words(&t), language_words_by_splitting(&t));
    }
}

#[test]
fn a_copied_notes_prompt_is_not_a_note() {
    let e = run("ANYTHING ELSE on your mind about Acme?\nfine\nWat wil je verder kwijt over Acme?");
    assert_eq!(e.notes, "fine");
    // Only the prompt's head and tail count, not a line that merely starts like it.
    let e = run("Anything else on your mind about Acme? No.");
    assert_eq!(e.notes, "Anything else on your mind about Acme? No.");
}

#[test]
fn every_number_first_form() {
    let e = run("1. 4\n2: 3\n3) 2\n4 - 5\n5 = 1\n6 4\n7. 2/5\n8. yes");
    let got: Vec<_> = e
        .answers
        .iter()
        .map(|(k, a)| (k.as_str(), a.rating))
        .collect();
    assert_eq!(got.len(), 8, "{got:?}");
    assert_eq!(rating(&e, "energy"), Some(4));
    assert_eq!(rating(&e, "payment"), Some(3));
    assert_eq!(rating(&e, "scope"), Some(2));
    assert_eq!(rating(&e, "information"), Some(5));
    assert_eq!(rating(&e, "autonomy"), Some(1));
    assert_eq!(rating(&e, "price"), Some(4));
    assert_eq!(rating(&e, "growth"), Some(2));
    assert_eq!(rating(&e, "again"), Some(5));
    assert_eq!(e.notes, "");
}

#[test]
fn label_first_forms_in_english_and_dutch() {
    let e = run("Energie: 4\nbetaling 2 altijd te laat\nScope - 3\nOpnieuw: misschien");
    assert_eq!(rating(&e, "energy"), Some(4));
    assert_eq!(rating(&e, "payment"), Some(2));
    assert_eq!(
        e.answers["payment"].comment.as_deref(),
        Some("altijd te laat")
    );
    assert_eq!(rating(&e, "scope"), Some(3));
    assert_eq!(rating(&e, "again"), Some(3));
    assert_eq!(e.language, Some(Lang::Nl));
}

#[test]
fn several_pairs_on_one_line() {
    let e = run("energy 3, payment 4; scope 2");
    assert_eq!(rating(&e, "energy"), Some(3));
    assert_eq!(rating(&e, "payment"), Some(4));
    assert_eq!(rating(&e, "scope"), Some(2));
    assert_eq!(e.answers["energy"].comment, None);
}

#[test]
fn digits_in_a_comment_never_change_the_rating() {
    let e = run("2. 3 they paid 2 weeks late");
    assert_eq!(rating(&e, "payment"), Some(3));
    assert_eq!(
        e.answers["payment"].comment.as_deref(),
        Some("they paid 2 weeks late")
    );
}

#[test]
fn out_of_scale_is_reported_not_stored() {
    let e = run("energy 7");
    assert_eq!(e.answers["energy"].rating, None);
    assert_eq!(e.problems.len(), 1, "{:?}", e.problems);
}

#[test]
fn skip_words_mean_no_answer() {
    let e = run("3. -\nprice: n/a\nGroei nvt\n1. skip");
    assert!(e.answers.is_empty(), "{:?}", e.answers);
    assert_eq!(e.notes, "");
}

#[test]
fn inline_answer_under_a_quoted_question() {
    let e = run("> 1. Energy — Did it?\n4\n> 2. Payment — Did they pay?\n2 always late\n> 3. Scope — ?\nno notes here");
    assert_eq!(rating(&e, "energy"), Some(4));
    assert_eq!(rating(&e, "payment"), Some(2));
    assert_eq!(e.answers["payment"].comment.as_deref(), Some("always late"));
    assert_eq!(e.notes, "no notes here");
}

#[test]
fn prose_with_numbers_stays_notes() {
    let e = run(
        "2 weeks ago they called.\n2.5 hours of meetings\nEnergy was great\n\nSecond paragraph",
    );
    assert!(e.answers.is_empty(), "{:?}", e.answers);
    assert_eq!(
        e.notes,
        "2 weeks ago they called.\n2.5 hours of meetings\nEnergy was great\n\nSecond paragraph"
    );
}

#[test]
fn copied_question_line_with_answer_appended() {
    let e = run("2. Payment — Did they pay on time, without discussion? 4\n8. Again — Knowing what you know now, would you take them on again? (yes / maybe / no) nee");
    assert_eq!(rating(&e, "payment"), Some(4));
    assert_eq!(rating(&e, "again"), Some(1));
}

#[test]
fn a_bare_number_is_kept_as_notes_and_reported() {
    let e = run("4");
    assert!(e.answers.is_empty());
    assert_eq!(e.notes, "4");
    assert_eq!(e.problems.len(), 1, "{:?}", e.problems);
}

#[test]
fn yes_on_a_rating_question_is_a_problem() {
    let e = run("energy yes");
    assert_eq!(e.answers["energy"].rating, None);
    assert!(!e.problems.is_empty());
}
