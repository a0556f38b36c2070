//! A small HTML-to-text converter for HTML-only replies: block elements become newlines,
//! `<blockquote>` becomes `> ` prefixed lines, entities are decoded, script/style dropped, and
//! the text is cut where a mail client's quote marker starts (Gmail, Outlook, Apple,
//! Thunderbird, Yahoo). Linear in the input; never recurses.

/// Largest HTML input converted (longer input is cut first).
const MAX_HTML: usize = 4 * 1024 * 1024;

/// Converts HTML to plain text, cutting at the first quoted-history marker.
pub fn html_to_text(html: &str) -> String {
    // (No more characters than bytes: only a longer input can hold more than MAX_HTML.)
    let html = match html.len() > MAX_HTML {
        true => match html.char_indices().nth(MAX_HTML) {
            Some((i, _)) => &html[..i],
            None => html,
        },
        false => html,
    };
    let mut out = Lines::default();
    let bytes = html.as_bytes();
    let mut i = 0;
    let mut skip_until: Option<&'static str> = None;
    // The tag being read, lowercased (one buffer for all of them).
    let mut lower = String::new();
    while i < bytes.len() {
        if let Some(end_tag) = skip_until {
            match find_ci(&html[i..], end_tag) {
                Some(p) => {
                    i += p;
                    skip_until = None;
                }
                None => break,
            }
            continue;
        }
        let c = bytes[i];
        if c == b'<' {
            if html[i..].starts_with("<!--") {
                match html[i + 4..].find("-->") {
                    Some(p) => i += 4 + p + 3,
                    None => break,
                }
                continue;
            }
            let Some(end) = tag_end(&html[i..]) else {
                break;
            };
            let tag = &html[i + 1..i + end];
            i += end + 1;
            let closing = tag.starts_with('/');
            let mut name_buf = [0u8; MAX_NAME];
            let name = tag_name(tag, &mut name_buf);
            if !closing && is_quote_marker(name, tag, &mut lower) {
                break;
            }
            match name {
                "script" | "style" | "head" | "title" if !closing => {
                    skip_until = Some(match name {
                        "script" => "</script",
                        "style" => "</style",
                        "head" => "</head",
                        _ => "</title",
                    });
                }
                "br" => out.newline(),
                "p" => {
                    out.flush();
                    out.blank();
                }
                "blockquote" => {
                    out.flush();
                    if closing {
                        out.depth = out.depth.saturating_sub(1);
                    } else {
                        out.depth = out.depth.saturating_add(1).min(50);
                    }
                }
                "div" | "tr" | "li" | "ul" | "ol" | "table" | "h1" | "h2" | "h3" | "h4" | "h5"
                | "h6" | "pre" | "hr" | "dl" | "dt" | "dd" | "section" | "article" | "header"
                | "footer" => out.flush(),
                "td" | "th" if !closing => out.push_str(" "),
                _ => {}
            }
        } else if c == b'&' {
            let (text, len) = entity(&html[i..]);
            out.push_char(text);
            i += len;
        } else {
            // (`<` and `&` are ASCII: no byte of another character equals them.)
            let next = bytes[i..]
                .iter()
                .position(|&b| b == b'<' || b == b'&')
                .map_or(html.len(), |p| i + p);
            out.push_text(&html[i..next]);
            i = next;
        }
    }
    out.finish()
}

/// Longest tag name [`tag_name`] keeps: longer than any name [`html_to_text`] acts on.
const MAX_NAME: usize = 16;

/// The name of a tag (`tag` without its `<` and `>`; `/` of a closing tag skipped): its
/// leading ASCII letters and digits, lowercased into `buf`. A name longer than `buf` is
/// none the converter acts on, and reads as `"-"` (which no name is).
fn tag_name<'b>(tag: &str, buf: &'b mut [u8; MAX_NAME]) -> &'b str {
    let tag = tag.trim_start_matches('/').as_bytes();
    let len = tag.iter().take_while(|b| b.is_ascii_alphanumeric()).count();
    let Some(name) = tag.get(..len).filter(|_| len <= MAX_NAME) else {
        return "-";
    };
    buf[..len].copy_from_slice(name);
    buf[..len].make_ascii_lowercase();
    std::str::from_utf8(&buf[..len]).unwrap_or("-")
}

/// Where `needle` (an end tag such as `</script`: it must start with `<`) first occurs in
/// `hay`, ASCII case ignored.
fn find_ci(hay: &str, needle: &str) -> Option<usize> {
    debug_assert!(needle.starts_with('<'), "find_ci looks only where a `<` is");
    // Every needle starts with `<`: only where a `<` is can it start.
    let n = needle.len();
    let hb = hay.as_bytes();
    let mut from = 0;
    while let Some(p) = hay.get(from..)?.find('<') {
        let at = from + p;
        if hb.len() - at < n {
            return None;
        }
        if hb[at..at + n].eq_ignore_ascii_case(needle.as_bytes()) {
            return Some(at);
        }
        from = at + 1;
    }
    None
}

/// Index of the `>` that closes the tag starting at `s[0] == '<'`, honouring quotes.
fn tag_end(s: &str) -> Option<usize> {
    let mut quote: Option<u8> = None;
    for (i, &b) in s.as_bytes().iter().enumerate().skip(1) {
        match quote {
            Some(q) if b == q => quote = None,
            Some(_) => {}
            None if b == b'"' || b == b'\'' => quote = Some(b),
            None if b == b'>' => return Some(i),
            None => {}
        }
    }
    None
}

/// Whether an opening tag starts a mail client's quoted history. `lower`: a buffer for the
/// lowercased tag.
fn is_quote_marker(name: &str, tag: &str, lower: &mut String) -> bool {
    // Shorter than the shortest marker (`type=cite`): none.
    if tag.len() < "type=cite".len() {
        return false;
    }
    lower.clear();
    lower.push_str(tag);
    lower.make_ascii_lowercase();
    let t = lower.as_str();
    if name == "blockquote" && (t.contains("type=\"cite\"") || t.contains("type=cite")) {
        return true;
    }
    [
        "gmail_quote",
        "divrplyfwdmsg",
        "appendonsend",
        "moz-cite-prefix",
        "yahoo_quoted",
        "olk_src_body_section",
        "x_divrplyfwdmsg",
        "mail_android_quote",
    ]
    .iter()
    .any(|m| t.contains(m))
}

/// The character an entity at the start of `s` (`s[0] == '&'`) stands for, and its length
/// in bytes; a lone `&` (length 1) when it is none this converter knows.
fn entity(s: &str) -> (char, usize) {
    let end = s
        .char_indices()
        .take(12)
        .find(|&(_, c)| c == ';')
        .map(|(i, _)| i);
    let Some(end) = end else {
        return ('&', 1);
    };
    let name = &s[1..end];
    let decoded = if let Some(num) = name.strip_prefix('#') {
        let code = if let Some(hex) = num.strip_prefix(['x', 'X']) {
            u32::from_str_radix(hex, 16).ok()
        } else {
            num.parse::<u32>().ok()
        };
        code.and_then(char::from_u32)
            .map(|c| if c == '\u{a0}' { ' ' } else { c })
    } else {
        match name {
            "nbsp" => Some(' '),
            "amp" => Some('&'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            "eacute" => Some('é'),
            "egrave" => Some('è'),
            "euml" => Some('ë'),
            "iuml" => Some('ï'),
            "ouml" => Some('ö'),
            "uuml" => Some('ü'),
            "auml" => Some('ä'),
            "agrave" => Some('à'),
            "ccedil" => Some('ç'),
            "szlig" => Some('ß'),
            "mdash" => Some('—'),
            "ndash" => Some('–'),
            "hellip" => Some('…'),
            "rsquo" | "lsquo" => Some('\''),
            "ldquo" | "rdquo" => Some('"'),
            "euro" => Some('€'),
            "copy" => Some('©'),
            _ => None,
        }
    };
    match decoded {
        Some(c) => (c, end + 1),
        None => ('&', 1),
    }
}

#[derive(Default)]
struct Lines {
    done: Vec<String>,
    current: String,
    depth: usize,
}

impl Lines {
    /// Appends text, each run of white space as one space (none after a space).
    fn push_text(&mut self, raw: &str) {
        let mut last_space = self.current.is_empty() || self.current.ends_with(' ');
        let mut rest = raw;
        while !rest.is_empty() {
            let word = rest.find(char::is_whitespace).unwrap_or(rest.len());
            if word > 0 {
                self.current.push_str(&rest[..word]);
                last_space = false;
            }
            rest = &rest[word..];
            let space = rest
                .find(|c: char| !c.is_whitespace())
                .unwrap_or(rest.len());
            if space > 0 && !last_space {
                self.current.push(' ');
                last_space = true;
            }
            rest = &rest[space..];
        }
    }

    fn push_str(&mut self, s: &str) {
        self.current.push_str(s);
    }

    fn push_char(&mut self, c: char) {
        self.current.push(c);
    }

    fn newline(&mut self) {
        let line = self.current.trim().to_string();
        self.current.clear();
        let prefix = "> ".repeat(self.depth);
        self.done
            .push(format!("{prefix}{line}").trim_end().to_string());
    }

    fn flush(&mut self) {
        if !self.current.trim().is_empty() {
            self.newline();
        } else {
            self.current.clear();
        }
    }

    fn blank(&mut self) {
        if self.done.last().is_some_and(|l| !l.is_empty()) {
            self.done.push(String::new());
        }
    }

    fn finish(mut self) -> String {
        self.newline();
        let mut out = String::new();
        let mut blank = 0;
        for l in &self.done {
            if l.is_empty() {
                blank += 1;
                if blank > 1 {
                    continue;
                }
            } else {
                blank = 0;
            }
            out.push_str(l);
            out.push('\n');
        }
        out.trim().to_string()
    }
}

/// The converter as it was before it was made faster, kept to check that the fast one gives
/// the same text. Its tag and text-run handling are the old ones; entities are decoded by the
/// live [`entity`](super::entity) (the table did not change, only the old copy allocated).
#[cfg(test)]
mod reference {
    use super::Lines;

    const MAX_HTML: usize = 4 * 1024 * 1024;

    /// Converts HTML to plain text, cutting at the first quoted-history marker.
    pub(super) fn html_to_text(html: &str) -> String {
        let html = match html.char_indices().nth(MAX_HTML) {
            Some((i, _)) => &html[..i],
            None => html,
        };
        let mut out = Lines::default();
        let bytes = html.as_bytes();
        let mut i = 0;
        let mut skip_until: Option<&'static str> = None;
        while i < bytes.len() {
            if let Some(end_tag) = skip_until {
                match find_ci(&html[i..], end_tag) {
                    Some(p) => {
                        i += p;
                        skip_until = None;
                    }
                    None => break,
                }
                continue;
            }
            let c = bytes[i];
            if c == b'<' {
                if html[i..].starts_with("<!--") {
                    match html[i + 4..].find("-->") {
                        Some(p) => i += 4 + p + 3,
                        None => break,
                    }
                    continue;
                }
                let Some(end) = tag_end(&html[i..]) else {
                    break;
                };
                let tag = &html[i + 1..i + end];
                i += end + 1;
                let closing = tag.starts_with('/');
                let name: String = tag
                    .trim_start_matches('/')
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric())
                    .collect::<String>()
                    .to_ascii_lowercase();
                if !closing && is_quote_marker(&name, tag) {
                    break;
                }
                match name.as_str() {
                    "script" | "style" | "head" | "title" if !closing => {
                        skip_until = Some(match name.as_str() {
                            "script" => "</script",
                            "style" => "</style",
                            "head" => "</head",
                            _ => "</title",
                        });
                    }
                    "br" => out.newline(),
                    "p" => {
                        out.flush();
                        out.blank();
                    }
                    "blockquote" => {
                        out.flush();
                        if closing {
                            out.depth = out.depth.saturating_sub(1);
                        } else {
                            out.depth = out.depth.saturating_add(1).min(50);
                        }
                    }
                    "div" | "tr" | "li" | "ul" | "ol" | "table" | "h1" | "h2" | "h3" | "h4"
                    | "h5" | "h6" | "pre" | "hr" | "dl" | "dt" | "dd" | "section" | "article"
                    | "header" | "footer" => out.flush(),
                    "td" | "th" if !closing => out.push_str(" "),
                    _ => {}
                }
            } else if c == b'&' {
                let (c, len) = super::entity(&html[i..]);
                out.push_char(c);
                i += len;
            } else {
                let next = html[i..]
                    .find(['<', '&'])
                    .map(|p| i + p)
                    .unwrap_or(html.len());
                push_text(&mut out, &html[i..next]);
                i = next;
            }
        }
        out.finish()
    }

    fn find_ci(hay: &str, needle: &str) -> Option<usize> {
        let n = needle.len();
        let hb = hay.as_bytes();
        if hb.len() < n {
            return None;
        }
        (0..=hb.len() - n).find(|&p| hb[p..p + n].eq_ignore_ascii_case(needle.as_bytes()))
    }

    /// Index of the `>` that closes the tag starting at `s[0] == '<'`, honouring quotes.
    fn tag_end(s: &str) -> Option<usize> {
        let mut quote: Option<u8> = None;
        for (i, &b) in s.as_bytes().iter().enumerate().skip(1) {
            match quote {
                Some(q) if b == q => quote = None,
                Some(_) => {}
                None if b == b'"' || b == b'\'' => quote = Some(b),
                None if b == b'>' => return Some(i),
                None => {}
            }
        }
        None
    }

    fn is_quote_marker(name: &str, tag: &str) -> bool {
        let t = tag.to_ascii_lowercase();
        if name == "blockquote" && (t.contains("type=\"cite\"") || t.contains("type=cite")) {
            return true;
        }
        [
            "gmail_quote",
            "divrplyfwdmsg",
            "appendonsend",
            "moz-cite-prefix",
            "yahoo_quoted",
            "olk_src_body_section",
            "x_divrplyfwdmsg",
            "mail_android_quote",
        ]
        .iter()
        .any(|m| t.contains(m))
    }

    /// The text run handling as it was (the rest of [`Lines`] did not change).
    fn push_text(out: &mut Lines, raw: &str) {
        let mut last_space = out.current.is_empty() || out.current.ends_with(' ');
        for c in raw.chars() {
            if c.is_whitespace() {
                if !last_space {
                    out.current.push(' ');
                    last_space = true;
                }
            } else {
                out.current.push(c);
                last_space = false;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_breaks_and_entities_become_text() {
        let t = html_to_text("<html><head><style>p{}</style></head><body><div>Energy 4</div><div>Payment&nbsp;3 &amp; late<br>ok &#233;&eacute;</div></body></html>");
        assert_eq!(t, "Energy 4\nPayment 3 & late\nok éé");
    }

    #[test]
    fn cuts_at_gmail_quote_and_cite_blockquote() {
        let t = html_to_text("<div>1. 4</div><div class=\"gmail_quote\">On Mon wrote:<blockquote>old</blockquote></div>");
        assert_eq!(t, "1. 4");
        let t = html_to_text("<p>yes</p><blockquote type=\"cite\">old</blockquote>");
        assert_eq!(t, "yes");
    }

    #[test]
    fn plain_blockquote_is_prefixed() {
        let t = html_to_text("<p>new</p><blockquote>quoted<br>two</blockquote><p>after</p>");
        assert_eq!(t, "new\n\n> quoted\n> two\n\nafter");
    }

    #[test]
    fn fast_converter_matches_the_reference_on_tricky_html() {
        let cases = [
            "<html><head><STYLE>p{}</Style></head><body><DIV>Energy 4</DIV></body></html>",
            "<p>a\u{a0}b\u{2003}c\t\r\n d</p>  <br/>  x",
            "<blockquote TYPE=CITE>old</blockquote>",
            "<div id=\"divRplyFwdMsg\">From: x</div>",
            "<abcdefghijklmnopqrstuvwxyzblockquote>x</abcdefghijklmnopqrstuvwxyzblockquote>y",
            "<script>if (a < b && c) {}</script>after<scr",
            "<style>x</styl</STYLE >z",
            "<title>t<",
            "&amp;&#233;&#x41;&bogus;&;& &nbsp;&#xD800;&hellip;",
            "<td>1</td><td>2</td><a href='x>y'>link</a>",
            "<!-- c --><p>é — ü</p><!-- open",
            "<p>ends &",
            "<p>new</p><gmail_quote>old",
            "",
        ];
        for c in cases {
            assert_eq!(html_to_text(c), reference::html_to_text(c), "{c:?}");
        }
    }

    proptest::proptest! {
        #[test]
        fn fast_converter_matches_the_reference(
            pieces in proptest::collection::vec(
                proptest::prop_oneof![
                    proptest::strategy::Just("<p>"),
                    proptest::strategy::Just("</P>"),
                    proptest::strategy::Just("<br>"),
                    proptest::strategy::Just("<div class=\"Gmail_Quote\">"),
                    proptest::strategy::Just("<blockquote>"),
                    proptest::strategy::Just("<blockquote type=\"cite\">"),
                    proptest::strategy::Just("</blockquote>"),
                    proptest::strategy::Just("<style>"),
                    proptest::strategy::Just("</style>"),
                    proptest::strategy::Just("<Script type='a>b'>"),
                    proptest::strategy::Just("</sCript"),
                    proptest::strategy::Just("<td>"),
                    proptest::strategy::Just("<Gmail_Quote>"),
                    proptest::strategy::Just("<!--"),
                    proptest::strategy::Just("-->"),
                    proptest::strategy::Just("<"),
                    proptest::strategy::Just(">"),
                    proptest::strategy::Just("'"),
                    proptest::strategy::Just("\""),
                    proptest::strategy::Just("&amp;"),
                    proptest::strategy::Just("&#233;"),
                    proptest::strategy::Just("&"),
                    proptest::strategy::Just(";"),
                    proptest::strategy::Just(" "),
                    proptest::strategy::Just("\n"),
                    proptest::strategy::Just("\u{a0}"),
                    proptest::strategy::Just("\u{3000}"),
                    proptest::strategy::Just("é"),
                    proptest::strategy::Just("1. 4"),
                    proptest::strategy::Just("word"),
                ],
                0..40,
            ),
        ) {
            let html = pieces.concat();
            proptest::prop_assert_eq!(html_to_text(&html), reference::html_to_text(&html));
        }
    }

    #[test]
    fn unterminated_tags_and_entities_do_not_panic() {
        assert_eq!(html_to_text("a &"), "a &");
        assert_eq!(html_to_text("a <div"), "a");
        let _ = html_to_text("&#xFFFFFFFF; &#99999999999; <!-- x");
    }
}
