//! The generated hostile inputs, shared by `tests/offline/hostile.rs` and `benches/hostile.rs`.
#![allow(dead_code)]

/// A reply from `from` to the prompt with `token`, with extra header lines and a body.
pub fn reply(token: &str, from: &str, mid: &str, extra: &str, body: &str) -> Vec<u8> {
    format!(
        "From: {from}\r\nTo: olifant+{token}@example.test\r\nSubject: Re: How is Acme?\r\n\
         Date: Mon, 02 Mar 2026 08:30:00 +0000\r\nMessage-ID: <{mid}@owner.example.test>\r\n\
         In-Reply-To: <olifant.{token}@example.test>\r\n{extra}\r\n{body}"
    )
    .into_bytes()
}

/// The generated monsters: (name, bytes, addressed as a genuine reply?).
pub fn monsters(token: &str) -> Vec<(String, Vec<u8>)> {
    let mut out: Vec<(String, Vec<u8>)> = Vec::new();
    out.push(("empty".into(), Vec::new()));
    out.push(("whitespace only".into(), b" \r\n\t\r\n".to_vec()));
    // Deterministic binary garbage (xorshift).
    let mut x: u64 = 0x2545_F491_4F6C_DD1D;
    let garbage: Vec<u8> = (0..256 * 1024)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect();
    out.push(("binary garbage".into(), garbage.clone()));
    let mut g = reply(token, "owner@example.test", "garbage-body", "", "");
    g.extend_from_slice(&garbage);
    out.push(("genuine headers, binary garbage body".into(), g));

    // Multipart nested 1,000 deep (never closed), then the same closed properly.
    for (genuine, name) in [(false, "stranger"), (true, "genuine")] {
        let mut deep = if genuine {
            reply(
                token,
                "owner@example.test",
                "deep",
                "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b0\r\n",
                "",
            )
        } else {
            b"From: a@b.test\r\nContent-Type: multipart/mixed; boundary=b0\r\n\r\n".to_vec()
        };
        for i in 1..1000 {
            deep.extend_from_slice(
                format!(
                    "--b{}\r\nContent-Type: multipart/mixed; boundary=b{i}\r\n\r\n",
                    i - 1
                )
                .as_bytes(),
            );
        }
        deep.extend_from_slice(b"--b999\r\nContent-Type: text/plain\r\n\r\n1. 4\r\n");
        for i in (0..1000).rev() {
            deep.extend_from_slice(format!("--b{i}--\r\n").as_bytes());
        }
        out.push((format!("multipart nested 1,000 deep ({name})"), deep));
    }
    // message/rfc822 nested 1,000 deep.
    let mut rfc = Vec::new();
    for _ in 0..1000 {
        rfc.extend_from_slice(b"From: a@b.test\r\nContent-Type: message/rfc822\r\n\r\n");
    }
    rfc.extend_from_slice(b"From: a@b.test\r\n\r\nend\r\n");
    out.push(("message/rfc822 nested 1,000 deep".into(), rfc));

    // 1 MB line without a newline: in a header, and as the body of a genuine reply.
    let line: String = "1, 4 x ".repeat(150_000);
    out.push((
        "1 MB header line".into(),
        format!("From: a@b.test\r\nSubject: {line}").into_bytes(),
    ));
    out.push((
        "1 MB body line, genuine".into(),
        reply(token, "owner@example.test", "long-line", "", &line),
    ));
    out.push((
        "1 MB of digits, genuine".into(),
        reply(
            token,
            "owner@example.test",
            "digits",
            "",
            &"9".repeat(1 << 20),
        ),
    ));

    // Invalid UTF-8 and NUL bytes in headers.
    let mut bad = b"From: \xff\xfe\x00owner@example.test\r\nTo: olifant+".to_vec();
    bad.extend_from_slice(token.as_bytes());
    bad.extend_from_slice(
        b"@example.test\r\nSubject: \xc3\x28\x00\x00 \xed\xa0\x80\r\nMessage-ID: <\x00nul@x>\r\n\r\n1. 4\r\n",
    );
    out.push(("invalid UTF-8 and NUL in headers".into(), bad));
    let mut nul_body = reply(token, "owner@example.test", "nul-body", "", "1. 4\r\n");
    nul_body.extend_from_slice(b"\x00\x00\xff\xfe notes \x00\r\n");
    out.push(("NUL and invalid UTF-8 in a genuine body".into(), nul_body));

    // A declared charset that does not exist.
    out.push((
        "unknown charset (genuine)".into(),
        reply(
            token,
            "owner@example.test",
            "charset",
            "Subject: =?x-no-such-charset?q?=FF=FE?=\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=\"x-no-such-charset\"\r\nContent-Transfer-Encoding: quoted-printable\r\n",
            "1. =FF=FE 4\r\n2. 5\r\n",
        ),
    ));
    out.push((
        "broken base64 and encoded-word".into(),
        reply(
            token,
            "owner@example.test",
            "b64",
            "Subject: =?utf-8?b?!!!not base64?=\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n",
            "@@@@====\r\n\x01\x02\r\n",
        ),
    ));
    // Header only, with and without the separating blank line.
    out.push((
        "header only (no blank line)".into(),
        b"From: owner@example.test\r\nTo: olifant@example.test\r\nSubject: hi".to_vec(),
    ));
    let mut header_only = reply(token, "owner@example.test", "header-only", "", "");
    header_only.truncate(header_only.len() - 2);
    out.push(("header only, genuine".into(), header_only));
    // Many headers, many recipients, many references.
    let mut many = String::from("From: owner@example.test\r\n");
    for i in 0..20_000 {
        many.push_str(&format!(
            "X-Junk-{i}: {i}\r\nReferences: <olifant.{i:024}@x>\r\n"
        ));
    }
    many.push_str("To: ");
    for i in 0..20_000 {
        many.push_str(&format!("u{i}@example.test, "));
    }
    many.push_str("\r\n\r\n1. 4\r\n");
    out.push((
        "40,000 headers and 20,000 recipients".into(),
        many.into_bytes(),
    ));
    // HTML bomb: deep tags, no text.
    let html = format!(
        "<html><body>{}1. 4{}</body></html>",
        "<div><table><tr><td>".repeat(50_000),
        "</td></tr></table></div>".repeat(50_000)
    );
    out.push((
        "HTML 200,000 tags deep (genuine)".into(),
        reply(
            token,
            "owner@example.test",
            "html-bomb",
            "MIME-Version: 1.0\r\nContent-Type: text/html; charset=utf-8\r\n",
            &html,
        ),
    ));
    // Bare CR and bare LF line ends mixed.
    out.push((
        "bare CR line ends (genuine)".into(),
        reply(
            token,
            "owner@example.test",
            "bare-cr",
            "",
            "1. 4\r2. 3\r\r> quoted\r",
        ),
    ));
    out
}
