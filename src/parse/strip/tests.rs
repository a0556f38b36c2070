use super::*;

#[test]
fn top_posted_gmail_reply_keeps_only_the_new_text() {
    let t = "Energy 4\n\nOn Mon, 1 Dec 2026 at 09:00, olifant <olifant@example.test>\nwrote:\n> 1. Energy\n> 2. Payment\n";
    assert_eq!(strip_reply_text(t), "Energy 4");
}

#[test]
fn dutch_headers_and_footers_are_removed() {
    let t = "Prima klant\n\nVerzonden vanaf mijn iPhone\n\nOp 1 dec. 2026 om 09:00 heeft olifant <olifant@example.test> het volgende geschreven:\n\n> vraag\n";
    assert_eq!(strip_reply_text(t), "Prima klant");
    let t = "Ja\n\nVan: olifant <olifant@example.test>\nVerzonden: maandag 1 december 2026 09:00\nAan: ik\nOnderwerp: Hoe gaat het\n\n1. Energie\n";
    assert_eq!(strip_reply_text(t), "Ja");
}

#[test]
fn inline_answers_remember_the_question_above() {
    let t = "On Mon, olifant wrote:\n> 1. Energy — ?\n4\n> 2. Payment — ?\n\n3 late\n";
    let lines: Vec<_> = fresh_lines(t)
        .into_iter()
        .filter(|l| !l.text.is_empty())
        .collect();
    assert_eq!(lines[0].text, "4");
    assert_eq!(lines[0].quoted_above.as_deref(), Some("1. Energy — ?"));
    assert_eq!(lines[1].quoted_above.as_deref(), Some("2. Payment — ?"));
}

#[test]
fn reply_headers_in_five_languages_even_when_wrapped() {
    for header in [
        "On Tue, Dec 1, 2026 at 9:00 AM olifant <olifant@example.test> wrote:",
        "On Tue, Dec 1, 2026 at 9:00 AM olifant <\nolifant@example.test> wrote:",
        "Op di 1 dec 2026 om 09:00 schreef olifant <olifant@example.test>:",
        "Op 1 dec. 2026 om 09:00 heeft olifant <olifant@example.test> het\nvolgende geschreven:",
        "Am Di., 1. Dez. 2026 um 09:00 Uhr schrieb olifant <olifant@example.test>:",
        "Le mar. 1 déc. 2026 à 09:00, olifant <olifant@example.test> a écrit :",
        "El mar, 1 dic 2026 a las 9:00, olifant (<olifant@example.test>)\nescribió:",
        "2026-12-01 9:00 GMT+01:00 olifant <olifant@example.test>:",
    ] {
        let t = format!("Energie 4\n\n{header}\n\n> 1. Energy\n> old\n");
        assert_eq!(strip_reply_text(&t), "Energie 4", "{header}");
        // Without a quote below, everything from the header on is history.
        let t = format!("Energie 4\n\n{header}\n\n1. Energy\nold\n");
        assert_eq!(strip_reply_text(&t), "Energie 4", "{header}");
    }
}

#[test]
fn prose_that_mentions_writing_is_not_a_header() {
    let t = "Here is what I wrote:\nthe plan\nand then some";
    assert_eq!(
        strip_reply_text(t),
        "Here is what I wrote:\nthe plan\nand then some"
    );
    let t = "Sent from my desk, which is easier than my phone.";
    assert_eq!(strip_reply_text(t), t);
}

#[test]
fn a_wrapped_quoted_question_is_still_the_question_above() {
    let t = "> 1. Energy — Did working with Acme give you\n> energy?\n4\n> 8. Again — would you? (yes / maybe / no)\n> Anything else?\nNo, all good";
    let lines: Vec<_> = fresh_lines(t)
        .into_iter()
        .filter(|l| !l.text.is_empty())
        .collect();
    assert_eq!(
        lines[0].quoted_above.as_deref(),
        Some("1. Energy — Did working with Acme give you energy?")
    );
    assert_eq!(lines[1].quoted_above.as_deref(), Some("Anything else?"));
}

#[test]
fn signature_runs_until_the_quote() {
    let t = "Fine\n-- \nJan\nDesigner\n> old\nbottom\n";
    assert_eq!(strip_reply_text(t), "Fine\nbottom");
}

#[test]
fn no_break_spaces_and_zero_width_characters_are_normalised() {
    assert_eq!(strip_reply_text("1.\u{a0}4\u{200b}\n"), "1. 4");
}

#[test]
fn every_odd_space_and_zero_width_character_is_normalised() {
    for c in ['\u{a0}', '\u{2007}', '\u{202f}', '\u{2009}', '\u{3000}'] {
        assert_eq!(strip_reply_text(&format!("1.{c}4")), "1. 4", "{c:?}");
    }
    for c in ['\u{200b}', '\u{200c}', '\u{200d}', '\u{feff}', '\u{1427}'] {
        assert_eq!(strip_reply_text(&format!("1.{c} 4")), "1. 4", "{c:?}");
    }
    // Other characters with the same lead bytes stay.
    assert_eq!(strip_reply_text("a — b é"), "a — b é");
}

#[test]
fn odd_character_check_by_bytes_agrees_with_the_characters() {
    let odd = |c: char| {
        matches!(
            c,
            '\u{a0}'
                | '\u{2007}'
                | '\u{202f}'
                | '\u{2009}'
                | '\u{3000}'
                | '\u{200b}'
                | '\u{200c}'
                | '\u{200d}'
                | '\u{feff}'
                | '\u{1427}'
        )
    };
    // Every character whose UTF-8 starts with a lead byte the check looks at, also
    // straddling the 64-byte block boundary.
    let ranges = [0x80..0xC0u32, 0x1000..0x4000, 0xF000..0x1_0000];
    for c in ranges.into_iter().flatten().filter_map(char::from_u32) {
        for pad in [0, 1, 61, 62, 63, 64, 126, 127] {
            let t = format!("{}{c}x", "a".repeat(pad));
            assert_eq!(has_odd_char(&t), odd(c), "{c:?} after {pad}");
        }
    }
}

/// The cut [`Lines::cut_live`] makes, as it was made on the lines: how many lines there are up
/// to the last line that is neither blank nor quoted, then LOOK_AHEAD lines, any blank
/// lines and one more.
fn live_len(lines: &[&str]) -> usize {
    let Some(last) = lines.iter().rposition(|l| !is_blank(l) && !is_quoted(l)) else {
        return 0;
    };
    let from = last + 1 + LOOK_AHEAD;
    match lines.iter().skip(from).position(|l| !is_blank(l)) {
        Some(k) => from + k + 1,
        None => lines.len(),
    }
}

/// `text.lines()` with every trailing `\r` trimmed.
fn split_lines(text: &str) -> Vec<&str> {
    all_lines(text).split
}

/// Where [`Lines::cut_live`] cuts `text`.
fn live_cut(text: &str) -> usize {
    Lines::new(text).cut_live()
}

/// Every line of `text`, split at once.
fn all_lines(text: &str) -> Lines<'_> {
    let mut lines = Lines::new(text);
    lines.first(usize::MAX);
    lines
}

proptest::proptest! {
    #[test]
    fn lines_split_on_demand_are_the_lines_of_the_text(
        text in "[a\n\r>é—\u{a0} ]{0,80}",
        asks in proptest::collection::vec(0usize..40, 0..6),
    ) {
        let expected: Vec<&str> = text.lines().map(|l| l.trim_end_matches('\r')).collect();
        let mut lines = Lines::new(&text);
        for n in asks {
            let first = lines.first(n).to_vec();
            proptest::prop_assert_eq!(&first[..], &expected[..n.min(expected.len())]);
            proptest::prop_assert_eq!(lines.get(n), expected.get(n).copied());
        }
        proptest::prop_assert_eq!(split_lines(&text), expected);
    }
}

#[test]
fn newlines_and_lines_next_to_every_byte_are_found() {
    // Every byte value next to a '\n', at every place in a text of several words; the
    // lines of the ASCII ones as `str::lines` has them.
    for byte in (0..=255u8).filter(|&b| b != b'\n') {
        for at in 0..70 {
            let mut b = vec![byte; 70];
            b[at] = b'\n';
            assert_eq!(newlines(&b), vec![at], "{byte:#x} at {at}");
            if let Ok(t) = String::from_utf8(b) {
                let expected: Vec<&str> = t.lines().map(|l| l.trim_end_matches('\r')).collect();
                assert_eq!(split_lines(&t), expected, "{byte:#x} at {at}");
            }
        }
    }
}

/// The lines without the blank ones at the end (which change no result).
fn without_trailing_blanks(mut lines: Vec<FreshLine<'_>>) -> Vec<FreshLine<'_>> {
    while lines.last().is_some_and(|l| l.text.is_empty()) {
        lines.pop();
    }
    lines
}

#[test]
fn an_empty_last_line_kept_by_the_live_cut_has_no_text_in_the_cut_text() {
    let text = "On Mon, 1 Mar 2026, Jan\n\n";
    let mut lines = Lines::new(text);
    let end = lines.cut_live();
    assert_eq!(lines.first(usize::MAX), ["On Mon, 1 Mar 2026, Jan", ""]);
    assert_eq!(&text[..end], "On Mon, 1 Mar 2026, Jan\n");
    // With CRLF the empty line has its '\r' in the cut text.
    let text = "On Mon\r\n\r\n";
    let mut lines = Lines::new(text);
    let end = lines.cut_live();
    assert_eq!(lines.first(usize::MAX), ["On Mon", ""]);
    assert_eq!(&text[..end], "On Mon\r\n\r");
}

#[test]
fn a_reply_header_wrapped_into_the_quote_is_still_read_after_the_cut() {
    let text = "4\nOn Mon, 1 Mar 2026, Jan\n> wrote\n> wrote:\n> 1. Energy";
    assert_eq!(fresh_lines(text), fresh_lines_of(&mut all_lines(text)));
    assert_eq!(strip_reply_text(text), "4");
}

proptest::proptest! {
    #[test]
    fn cutting_the_quoted_tail_changes_no_fresh_line(lines in proptest::collection::vec(
        proptest::prop_oneof![
            proptest::strategy::Just("> 1. Energy — Did it?".to_string()),
            proptest::strategy::Just("> wrote:".to_string()),
            proptest::strategy::Just("> wrote".to_string()),
            proptest::strategy::Just("> Jan <jan@example.test>".to_string()),
            proptest::strategy::Just(">".to_string()),
            proptest::strategy::Just("".to_string()),
            proptest::strategy::Just("  \r".to_string()),
            proptest::strategy::Just("On Mon, 1 Mar 2026, Jan".to_string()),
            proptest::strategy::Just("Op 1 dec. 2026 heeft x het volgende geschreven:".to_string()),
            proptest::strategy::Just("jan@example.test wrote:".to_string()),
            proptest::strategy::Just("From: x".to_string()),
            proptest::strategy::Just("Sent: y".to_string()),
            proptest::strategy::Just("-- ".to_string()),
            proptest::strategy::Just("\u{200b}> zero-width".to_string()),
            proptest::strategy::Just("\u{a0}> odd space".to_string()),
            "[0-9]{1,2}[.:]? ?[0-9a-z ]{0,8}",
        ],
        0..30,
    ), crlf in proptest::bool::ANY) {
        let text = lines.join(if crlf { "\r\n" } else { "\n" });
        let full = without_trailing_blanks(
            fresh_lines_of(&mut all_lines(&text)).into_iter().map(FreshLine::into_owned).collect(),
        );
        let cut = without_trailing_blanks(
            fresh_lines_of(&mut Lines::new(&text[..live_cut(&text)])).into_iter().map(FreshLine::into_owned).collect(),
        );
        proptest::prop_assert_eq!(cut, full);
        // The cut made on the offsets is the cut by lines as it was.
        let mut lines = split_lines(&text);
        lines.truncate(live_len(&lines));
        let mut live = Lines::new(&text);
        let end = live.cut_live();
        proptest::prop_assert_eq!(live.first(usize::MAX), &lines[..]);
        // The text kept ends where the last line kept ends, so an empty last line has
        // no text of its own there (and `lines` leaves it out).
        let kept = split_lines(&text[..end]);
        proptest::prop_assert_eq!(&lines[..kept.len()], &kept[..]);
        proptest::prop_assert!(lines[kept.len()..].iter().all(|l| l.is_empty()));
        proptest::prop_assert!(lines.len() - kept.len() <= 1);
        // The public path (with the odd characters normalised) agrees too.
        let normal: String = text
            .chars()
            .filter(|c| *c != '\u{200b}')
            .map(|c| if c == '\u{a0}' { ' ' } else { c })
            .collect();
        proptest::prop_assert_eq!(
            without_trailing_blanks(fresh_lines(&text)),
            without_trailing_blanks(fresh_lines_of(&mut all_lines(&normal)))
        );
    }
}

/// Pieces of reply headers, separators, footers and plain text, in both cases, for
/// lines that get close to every check.
const PIECES: &[&str] = &[
    "On ",
    "op ",
    "Am ",
    "in data ",
    " wrote",
    " Schreef",
    " a écrit",
    " a ecrit",
    " skrev",
    " escribió",
    " napisał",
    " geschrieben",
    ":",
    "：",
    " :",
    "@",
    "<",
    ">",
    "----",
    "--",
    "-",
    "_",
    "*",
    " ",
    "\t",
    "Jan",
    "2026",
    " i ",
    " ik",
    "Sent from my ",
    "Verzonden vanaf mijn ",
    "Get Outlook for iOS",
    "<https://aka.ms/x>",
    "Begin forwarded message",
    "Forwarded message:",
    "From:",
    "Van:",
    "Sent:",
    "Date:",
    "Aan:",
    "От:",
    "\u{2003}",
    "\u{a0}",
    "—",
    "é",
    "Σ",
    "wrote:",
    " het volgende geschreven:",
    ",",
    ".",
    "x",
    "w",
    "s",
    "a",
    "e",
];

/// A line of 0 to 9 [`PIECES`].
fn piece_line() -> impl proptest::strategy::Strategy<Value = String> {
    use proptest::strategy::Strategy;
    proptest::collection::vec(proptest::sample::select(PIECES), 0..10).prop_map(|v| v.concat())
}

proptest::proptest! {
    #[test]
    fn quick_trims_agree_with_the_standard_ones(
        s in "[ \t\n\u{b}\u{c}\r\u{85}\u{a0}\u{2028}\u{3000}>a—é]{0,12}",
    ) {
        proptest::prop_assert_eq!(trim(&s), s.trim());
        proptest::prop_assert_eq!(trim_start(&s), s.trim_start());
        proptest::prop_assert_eq!(trim_end(&s), s.trim_end());
        proptest::prop_assert_eq!(is_blank(&s), s.trim().is_empty());
        proptest::prop_assert_eq!(is_quoted(&s), s.trim_start().starts_with('>'));
        proptest::prop_assert_eq!(
            unquote(&s),
            s.trim_start().trim_start_matches(['>', ' ', '\t']).trim()
        );
    }
}

/// `header_key` as it was, with the standard trims.
fn header_key_by_std(p: &str) -> Option<&str> {
    let p = p.trim_start_matches(['*', ' ']);
    let (k, _) = p.split_once(':')?;
    let k = k.trim().trim_end_matches('*').trim();
    (!k.is_empty() && k.len() <= 20).then_some(k)
}

/// `contains_verb` as it was: every space compared with every verb.
fn contains_verb_by_every_space(s: &str) -> bool {
    s.bytes()
        .enumerate()
        .any(|(at, b)| b == b' ' && HEADER_VERBS.iter().any(|v| s[at..].starts_with(v)))
}

proptest::proptest! {
    #![proptest_config(proptest::test_runner::Config::with_cases(2000))]
    #[test]
    fn quick_checks_pass_over_no_line_the_full_checks_accept(
        lines in proptest::collection::vec(piece_line(), 1..5),
    ) {
        let lines: Vec<&str> = lines.iter().map(String::as_str).collect();
        let first = probe(lines[0]);
        let mut buf = String::new();
        proptest::prop_assert_eq!(probe_in(lines[0], &mut buf), first.as_ref());
        proptest::prop_assert_eq!(contains_verb(&first), contains_verb_by_every_space(&first));
        proptest::prop_assert_eq!(header_key(lines[0]), header_key_by_std(lines[0]));
        proptest::prop_assert_eq!(header_key(&first), header_key_by_std(&first));
        proptest::prop_assert_eq!(
            address_or_verb(&first),
            address_like(&first) || contains_verb(&first)
        );
        if !may_start_reply_header(&first) {
            proptest::prop_assert_eq!(reply_header_unfiltered(&lines, 0, &first), None);
        }
        proptest::prop_assert_eq!(is_separator(&first), is_separator_unfiltered(&first));
        proptest::prop_assert_eq!(is_footer(&first), is_footer_unfiltered(&first));
        if is_signature_marker(lines[0]) {
            proptest::prop_assert!(matches!(first.as_ref(), "--" | "—"));
        }
        proptest::prop_assert_eq!(
            is_header_block(&lines, 0, &first),
            is_header_block_unfiltered(&lines, 0, &first)
        );
    }
}

#[test]
fn quick_checks_know_every_first_byte() {
    for m in FORWARDED {
        assert!(is_separator(m), "{m}");
        assert!(first_byte_in(m, &FORWARDED_FIRST), "{m}");
    }
    for f in FOOTERS {
        assert!(first_byte_in(f, &FOOTERS_FIRST), "{f}");
        assert!(starts_with_any(&format!("{f}x"), FOOTERS), "{f}");
    }
    for h in HEADER_STARTS {
        assert!(may_start_reply_header(&format!("{h}x")), "{h}");
    }
    for v in HEADER_VERBS {
        assert!(contains_verb(&format!("x{v}")), "{v}");
        assert!(may_start_reply_header(&format!("x{v} y")), "{v}");
    }
    for e in HEADER_ENDS {
        assert!(may_start_reply_header(&format!("x {e}")), "{e}");
    }
    for k in FROM_KEYS.iter().chain(BLOCK_KEYS) {
        let other = if *k == "to" { "subject" } else { "to" };
        for line in [format!("{k}: x"), format!("** \t{k} *: x")] {
            let lines = [line.as_str(), &format!("{other}: y")];
            assert!(is_header_block(&lines, 0, &probe(&line)), "{line}");
        }
    }
}

#[test]
fn split_lines_is_lines_without_carriage_returns() {
    for t in [
        "",
        "a",
        "a\n",
        "a\r\nb",
        "a\r\r\n\nb\r",
        "\n\n",
        "\r",
        "x\ny\r\n",
    ] {
        let expected: Vec<&str> = t.lines().map(|l| l.trim_end_matches('\r')).collect();
        assert_eq!(split_lines(t), expected, "{t:?}");
    }
}

#[test]
fn outlook_separators_cut_the_rest() {
    assert_eq!(
        strip_reply_text("ok\n-----Original Message-----\nFrom: x\nhi"),
        "ok"
    );
    assert_eq!(
        strip_reply_text("ok\n________________________________\nFrom: x"),
        "ok"
    );
}
