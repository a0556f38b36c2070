use super::*;
use mail_parser::{MimeHeaders, PartType};

/// What olifant reads of a message's body structure: per part its content type and its
/// body (text, or the kind and length), then the text, HTML and attachment part lists.
fn structure(m: &Message<'_>) -> String {
    let mut out = String::new();
    for p in &m.parts {
        let ct = p
            .content_type()
            .map(|c| format!("{}/{:?}", c.ctype(), c.subtype()));
        let body = match &p.body {
            PartType::Text(t) => format!("text {t:?}"),
            PartType::Html(t) => format!("html {t:?}"),
            PartType::Binary(b) => format!("binary {}", b.len()),
            PartType::InlineBinary(b) => format!("inline {}", b.len()),
            PartType::Message(n) => format!("message [{}]", structure(n)),
            PartType::Multipart(ids) => format!("multipart {ids:?}"),
        };
        out.push_str(&format!("{ct:?} {body}; "));
    }
    out.push_str(&format!(
        "text {:?} html {:?} attachments {:?}",
        m.text_body, m.html_body, m.attachments
    ));
    out
}

/// The route `parse` takes gives what mail-parser's full parse gives: the same root
/// headers (by name and place; values too but for the MIME headers it leaves to the
/// body), and the same body structure and text.
fn check(raw: &[u8]) {
    assert_eq!(
        headers_only(raw),
        header_parser().parse_headers(raw),
        "{raw:?}"
    );
    let p = super::super::message_parser();
    let full = p.parse(raw);
    let mut scratch = Vec::new();
    let Some((m, body)) = parse(p, raw, &mut scratch) else {
        assert!(
            full.is_none(),
            "no reading where mail-parser has one: {raw:?}"
        );
        return;
    };
    let full = full.expect("mail-parser reads what the fast route reads");
    let (ours, theirs) = (&m.parts[0].headers, &full.parts[0].headers);
    assert_eq!(ours.len(), theirs.len(), "{raw:?}");
    for (a, b) in ours.iter().zip(theirs) {
        assert_eq!(
            (&a.name, a.offset_field, a.offset_start, a.offset_end),
            (&b.name, b.offset_field, b.offset_start, b.offset_end)
        );
        if !matches!(body, Body::InMessage) && !typed_later(&a.name) {
            assert_eq!(a.value, b.value);
        }
    }
    if !matches!(body, Body::InMessage) {
        for (a, b) in ours.iter().zip(theirs).filter(|(a, _)| is_address(&a.name)) {
            let ours = addresses(raw, a.offset_start as usize, a.offset_end as usize);
            let theirs = Addresses::Typed(&b.value);
            assert_eq!(ours.first(), theirs.first(), "{raw:?}");
            assert_eq!(
                ours.take(500).collect::<Vec<_>>(),
                theirs.take(500).collect::<Vec<_>>()
            );
        }
    }
    if !matches!(body, Body::InMessage) {
        for (a, b) in ours.iter().zip(theirs) {
            if a.name == HeaderName::MessageId {
                let ours = message_id(raw, a.offset_start as usize, a.offset_end as usize);
                assert_eq!(ours.as_deref(), b.value.as_text(), "{raw:?}");
            }
        }
    }
    match &body {
        Body::Plain(text) => {
            assert_eq!(full.parts.len(), 1, "plain route on parts: {raw:?}");
            assert_eq!(full.text_body, vec![0], "{raw:?}");
            assert_eq!(full.parts[0].body, PartType::Text(text.clone()), "{raw:?}");
        }
        Body::Parts(parts) => {
            assert_eq!(structure(parts), structure(&full), "{raw:?}");
            let first_type = |m: &Message<'_>| {
                m.parts[0]
                    .headers
                    .iter()
                    .find(|h| h.name == HeaderName::ContentType)
                    .map(|h| format!("{:?}", h.value))
            };
            assert_eq!(first_type(parts), first_type(&full));
        }
        Body::InMessage => assert_eq!(structure(&m), structure(&full)),
    }
}

#[test]
fn plain_body_fast_route_matches_the_full_parse_on_tricky_messages() {
    let cases: &[&[u8]] = &[
        b"From: a@b\r\nSubject: x\r\n\r\nHello \xe2\x80\x94 there\r\n",
        b"From: a@b\nContent-Type: text/plain; charset=utf-8\n\nhi\n",
        b"From: a@b\nContent-Type: text/plain; charset=iso-8859-1\n\ncaf\xe9\n",
        b"From: a@b\nContent-Type: text/plain; charset=us-ascii\n\ncaf\xe9\n",
        b"From: a@b\nContent-Type: TEXT/PLAIN\n\nupper\n",
        b"From: a@b\nContent-Type: text/html\n\n<p>hi</p>\n",
        b"From: a@b\nContent-Type: text/calendar\n\nBEGIN\n",
        b"From: a@b\nContent-Transfer-Encoding: base64\n\naGVsbG8=\n",
        b"From: a@b\nContent-Transfer-Encoding: Quoted-Printable\n\nh=C3=A9\n",
        b"From: a@b\nContent-Transfer-Encoding: 8bit\n\nbad \xff utf8\n",
        b"From: a@b\nContent-Transfer-Encoding:\n base64\n\naGVsbG8=\n",
        b"From: a@b\nContent-Disposition: attachment; filename=a.txt\n\nfile\n",
        b"From: a@b\nContent-Disposition: inline\n\ninline text\n",
        b"From: a@b\nContent-Type: multipart/mixed; boundary=zz\n\n--zz\n\npart\n--zz--\n",
        b"From: a@b\nContent-Type:\n multipart/mixed; boundary=zz\n\n--zz\n\npart\n--zz--\n",
        b"From: a@b\nContent-Type: message/rfc822\n\nFrom: c@d\n\ninner\n",
        b"From: a@b\nTo: c@d\n \n\t\nbody after folded blank lines\n",
        b"From: a@b\n   \t\nbody after a white line\n",
        b"From: a@b\r\n \r\n\r\nbody\r\n",
        b"From: a@b\nnot a header line\n\nbody\n",
        b"From: a@b\nSubject: no body",
        b"From: a@b\nSubject: no body\n",
        b"From: a@b\n\n",
        b"From: a@b\n\n\n\nbody after blank lines\n",
        b"Content-Type: text/plain\nContent-Type: text/html\n\n<b>last wins</b>\n",
        b"Content-Type: text/html\nContent-Type: text/plain\n\nlast wins\n",
        b"Content-Type: text/plain; charset=\"utf-16le\"\n\nh\0i\0\n",
        b"\n\nFrom: a@b\n\nbody\n",
        b"  From: a@b\n\nbody\n",
        b"From: a@b\nContent-Type: text/plain; name==?utf-8?q?a?=\n\nx\n",
        b"Content-ID: <a@b>\nFrom: a@b\n\nbody\n",
        b"Content-Description: =?utf-8?q?caf=C3=A9?=\nFrom: a@b\n\nbody\n",
        b"Content-Type: multipart/mixed; boundary=\"=?x\"\n\n--=?x\n\npart\n--=?x--\n",
        b"Content-Type: text/plain;\r\n charset=iso-8859-1\r\n\r\ncaf\xe9\r\n",
        b"Content-Type: text/plainish\n\nnot plain\n",
        b"Content-Type: text/plain\nContent-Disposition: attachment; filename=a\n\nx\n",
        b"Content-Type: multipart/mixed; boundary=b\nX-Long: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\nContent-Transfer-Encoding: 7bit\nX-Other: b\n\n--b\nContent-Type: text/html\n\n<p>x</p>\n--b--\n",
        b"Content-Type: text/html\nTo: c@d\nDate: Mon, 2 Mar 2026 09:00:00 +0000\n\n<p>x</p>\n",
        b"Content-Type: multipart/report; report-type=delivery-status; boundary=b\n\n--b\nContent-Type: text/plain\n\nfailed\n--b\nContent-Type: message/delivery-status\n\nStatus: 5.0.0\n--b--\n",
    ];
    for raw in cases {
        check(raw);
    }
    // More headers than the room made up front.
    let mut many: Vec<u8> = (0..HEADERS_ROOM + 7)
        .flat_map(|i| format!("X-H{i}: v{i}\r\nReceived: from h{i}\r\n").into_bytes())
        .collect();
    many.extend_from_slice(b"From: a@b\r\n\r\nbody\r\n");
    check(&many);
}

/// When [`simple_address`] reads a value, mail-parser's address parser reads it as at
/// most one address, that one.
fn check_address(value: &[u8]) {
    let Some(simple) = simple_address(value) else {
        return;
    };
    let parsed = MessageStream::new(value).parse_address();
    let all: Vec<&str> = parsed
        .as_address()
        .map(|a| a.iter().filter_map(|x| x.address()).collect())
        .unwrap_or_default();
    let first = parsed
        .as_address()
        .and_then(|a| a.first())
        .and_then(|a| a.address());
    assert_eq!(simple, first, "{:?}", String::from_utf8_lossy(value));
    assert_eq!(simple.into_iter().collect::<Vec<_>>(), all);
}

#[test]
fn simple_addresses_are_read_as_mail_parser_reads_them() {
    let cases: &[&[u8]] = &[
        b" Demo Owner <owner@example.test>\r\n",
        b" olifant+abc@example.test\n",
        b" owner@example.test \t\r\n",
        b" Owner\n",
        b" <>\n",
        b" Name < a b@c >\n",
        b" a@b <c@d>\n",
        b"\n",
        b" x\t@ y\n",
    ];
    for v in cases {
        check_address(v);
        assert!(simple_address(v).is_some(), "{v:?}");
    }
    for v in [
        &b" \"Owner, Demo\" <o@e>\n"[..],
        b" a@b, c@d\n",
        b" =?utf-8?q?x?= <o@e>\n",
        b" o@e (comment)\n",
        b" <a@b> <c@d>\n",
        b" a@b> <c\n",
        b" Name\r\n <o@e>\r\n",
        b" no line end",
        b" caf\xc3\xa9 <o@e>\n",
    ] {
        assert_eq!(simple_address(v), None, "{v:?}");
    }
}

/// When [`simple_content_type`] and [`simple_token`] read a value, mail-parser's parsers
/// read it the same.
fn check_simple_values(value: &[u8]) {
    if let Some(charset) = simple_content_type(value) {
        let parsed = MessageStream::new(value).parse_content_type();
        let ct = parsed.as_content_type().expect("a content type");
        assert_eq!((ct.ctype(), ct.subtype()), ("text", Some("plain")));
        assert_eq!(
            ct.attribute("charset").map(str::as_bytes),
            charset,
            "{:?}",
            String::from_utf8_lossy(value)
        );
    }
    if let Some(token) = simple_token(value) {
        let parsed = MessageStream::new(value).parse_unstructured();
        assert_eq!(parsed.as_text(), Some(token), "{value:?}");
    }
}

#[test]
fn simple_content_types_and_tokens_are_read_as_mail_parser_reads_them() {
    let simple: &[&[u8]] = &[
        b" text/plain; charset=utf-8\r\n",
        b" TEXT/Plain;charset=\"ISO-8859-1\"\n",
        b" text/plain; format=flowed; charset=us-ascii; delsp=yes\n",
        b" text/plain\n",
        b"\ttext/plain ; charset=windows-1252 \r\n",
    ];
    for v in simple {
        assert!(simple_content_type(v).is_some(), "{v:?}");
        check_simple_values(v);
    }
    for v in [
        &b" text/plain; Charset=iso-8859-1\n"[..],
        b" text/plain; charset=a; charset=b\n",
        b" text/plain; charset*=utf-8''x\n",
        b" text/plain; charset=\"a b\"\n",
        b" text/plain;\n",
        b" text/plainer\n",
        b" text/html\n",
        b" text/plain; charset=utf-8",
        b" text/plain;\r\n charset=utf-8\r\n",
    ] {
        assert_eq!(simple_content_type(v), None, "{v:?}");
    }
    for v in [&b" 8bit\r\n"[..], b"7bit\n", b" Quoted-Printable \n"] {
        assert!(simple_token(v).is_some());
        check_simple_values(v);
    }
    for v in [&b" 8 bit\n"[..], b" =?utf-8?q?x?=\n", b"\n", b" base64"] {
        assert_eq!(simple_token(v), None, "{v:?}");
    }
}

/// A raw one-line header value: fewer than `max` of `pieces`, in any order, then a line
/// end (LF or CRLF).
fn header_value(
    pieces: Vec<&'static [u8]>,
    max: usize,
) -> impl proptest::strategy::Strategy<Value = Vec<u8>> {
    use proptest::strategy::Strategy;
    (
        proptest::collection::vec(proptest::sample::select(pieces), 0..max),
        proptest::sample::select(vec![&b"\n"[..], &b"\r\n"[..]]),
    )
        .prop_map(|(pieces, end)| [pieces.concat(), end.to_vec()].concat())
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(1024))]
    #[test]
    fn simple_values_agree_with_mail_parsers_parsers(
        value in header_value(vec![&b"text/plain"[..], &b"TEXT/PLAIN"[..], &b";"[..], &b" "[..], &b"\t"[..], &b"charset"[..], &b"Charset"[..], &b"format"[..], &b"="[..], &b"\""[..], &b"utf-8"[..], &b"ISO-8859-1"[..], &b"8bit"[..], &b"*"[..], &b"'"[..], &b"\r"[..]], 10),
    ) {
        check_simple_values(&value);
    }
}

/// [`message_id`] reads a value as mail-parser's id parser does.
fn check_message_id(value: &[u8]) {
    let raw = [b"Message-ID:", value, b"X: y\n"].concat();
    let start = b"Message-ID:".len();
    let mut stream = MessageStream::new(&raw[start..]);
    let parsed = stream.parse_id();
    let end = start + stream.offset();
    let ours = message_id(&raw, start, end);
    assert_eq!(
        ours.as_deref(),
        parsed.as_text(),
        "{:?}",
        String::from_utf8_lossy(value)
    );
}

#[test]
fn message_ids_are_read_as_mail_parser_reads_them() {
    for v in [
        &b" <r-1@owner.example.test>\r\n"[..],
        b"<a@b>\n",
        b" <a@b> \t\r\n",
        b" <>\n",
        b" a@b\n",
        b" <a@b> <c@d>\n",
        b" <a b@c>\n",
        b"\r\n <folded@x>\r\n",
        b" <caf\xc3\xa9@x>\n",
        b" <bad\xff@x>\n",
        b" <a@b",
    ] {
        check_message_id(v);
    }
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(1024))]
    #[test]
    fn message_id_agrees_with_the_id_parser(
        value in header_value(vec![&b"<"[..], &b">"[..], &b"a@b"[..], &b" "[..], &b"\t"[..], &b"\r"[..], &b"\r\n "[..], &b"\xff"[..], &b"x"[..]], 10),
    ) {
        check_message_id(&value);
    }
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(1024))]
    #[test]
    fn simple_address_agrees_with_the_address_parser(
        value in header_value(vec![&b"Name"[..], &b" "[..], &b"\t"[..], &b"<"[..], &b">"[..], &b"a@b.test"[..], &b"@"[..], &b"+"[..], &b"x"[..], &b"="[..], &b"?"[..], &b"'"[..], &b"["[..], &b"\r"[..]], 12),
    ) {
        check_address(&value);
    }
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(512))]
    #[test]
    fn plain_body_fast_route_agrees_with_the_full_parse(
        pieces in proptest::collection::vec(
            proptest::sample::select(vec![&b"From: a@b\r\n"[..], &b"To: Name <x+t@y>\r\n"[..], &b"Message-ID: <m@x>\r\n"[..], &b"Message-ID: <m@x> <n@y>\n"[..], &b"Cc: \"a, b\" <c@d>, e@f\n"[..], &b"From: =?utf-8?q?N?= <n@m>\r\n"[..], &b"Subject: x\n"[..], &b"Content-Type: text/plain; charset=utf-8\r\n"[..], &b"Content-Type: TEXT/plain; format=flowed; charset=\"iso-8859-1\"\n"[..], &b"Content-Transfer-Encoding: BASE64 \r\n"[..], &b"Content-Type: text/plain; charset=windows-1252\n"[..], &b"Content-Type: text/html\r\n"[..], &b"Content-Type: multipart/alternative; boundary=b\r\n"[..], &b"Content-Transfer-Encoding: base64\r\n"[..], &b"Content-Transfer-Encoding: 7bit\r\n"[..], &b"Content-Disposition: attachment\r\n"[..], &b"\r\n"[..], &b"\n"[..], &b" "[..], &b"\t"[..], &b"--b\r\n"[..], &b"--b--\r\n"[..], &b"text \xe2\x80\x94 "[..], &b"\xff\xe9"[..], &b"aGVsbG8="[..], &b"garbage"[..], &b"X-Long: 0123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789\r\n"[..], &b"Content-ID: <x@y>\r\n"[..], &b"Content-Description: =?utf-8?q?a?=\r\n"[..], &b"content-type: TEXT/PLAIN\r\n"[..], &b"Content-Type: text/plain;\r\n charset=iso-8859-1\r\n"[..], &b"Content-Type:\r\n text/html\r\n"[..], &b"Content-Type: message/rfc822\r\n"[..]]),
            0..24,
        ),
    ) {
        check(&pieces.concat());
    }
}
