//! The digest sent through the real Postfix arrives in the owner's Dovecot mailbox with a
//! text part, an HTML part and inline PNG images a mail client can show (multipart/related,
//! every `cid:` in the HTML backed by an image part). Sent exactly once per occurrence.
//! (Its offline double, through the stub sender, is in `offline::digest_store`.)

use chrono::{Duration, TimeZone, Utc};
use mail_parser::{MessageParser, MimeHeaders, PartType};
use olifant::model::Client;

use crate::common;
use crate::support;

#[tokio::test]
#[ignore = "needs the private mail servers: run bash scripts/test"]
async fn a_sent_digest_arrives_with_text_html_and_inline_images_once() {
    let _guard = support::SERVERS_LOCK.read().await;
    let f = support::Fixture::new("digest");
    let now = Utc.with_ymd_and_hms(2026, 11, 2, 7, 0, 0).unwrap();
    let app = f.open(f.config("en", "", ""), now);

    let loyal = Client {
        revenue: Some(30_000.0),
        ..common::client("Studio <Zon> & \"Bloem\"", now - Duration::days(200))
    };
    let drain = Client {
        name: "Bakkerij Jansen".into(),
        revenue: Some(3_000.0),
        ..loyal.clone()
    };
    app.store.put_client(&loyal).unwrap();
    app.store.put_client(&drain).unwrap();
    for i in 0..4 {
        let d = now - Duration::days(30 * (4 - i));
        app.store
            .put_reflection(&common::reflection(
                loyal.key(),
                d,
                [5, 5, 4, 4, 5, 5, 5, 5],
                "Referred a friend.",
            ))
            .unwrap();
        app.store
            .put_reflection(&common::reflection(
                drain.key(),
                d,
                [2, 1, 1, 3, 3, 1, 2, 1],
                "Paid late, again.",
            ))
            .unwrap();
    }
    app.store.flush().unwrap();

    let clock = move || now;
    let state = olifant::digest::run::send_digest(&app, now, now, &clock)
        .await
        .unwrap();
    assert!(
        matches!(state, Some(olifant::model::SendState::Sent { .. })),
        "{state:?}"
    );
    // The same occurrence is never sent twice.
    assert_eq!(
        olifant::digest::run::send_digest(&app, now, now, &clock)
            .await
            .unwrap(),
        None
    );

    let got =
        f.s.wait_for_messages(&f.owner, "INBOX", 1, std::time::Duration::from_secs(15))
            .await;
    assert_eq!(got.len(), 1, "exactly one digest in the owner's mailbox");
    let raw = &got[0].1;
    let msg = MessageParser::default()
        .parse(raw)
        .expect("the digest parses");
    assert_eq!(
        msg.header_raw("Auto-Submitted").map(str::trim),
        Some("auto-generated")
    );

    let top = msg.root_part();
    assert_eq!(
        top.content_type().map(|c| c.subtype()),
        Some(Some("alternative"))
    );
    let text = msg.body_text(0).expect("a text part").into_owned();
    assert!(
        text.contains("Bakkerij Jansen") && text.contains("Let go"),
        "{text}"
    );
    assert!(
        text.chars().any(|c| ('▁'..='█').contains(&c)),
        "unicode sparklines in the text part"
    );
    let html = msg.body_html(0).expect("an HTML part").into_owned();
    assert!(
        html.contains("Studio &lt;Zon&gt; &amp; &quot;Bloem&quot;")
            || html.contains("Studio &lt;Zon&gt; &amp; &#34;Bloem&#34;"),
        "escaped name in HTML"
    );
    assert!(!html.contains("<Zon>"));

    // multipart/related holds the HTML and its images; every cid: resolves to an image part.
    let related = msg
        .parts
        .iter()
        .find(|p| {
            p.content_type()
                .is_some_and(|c| c.subtype() == Some("related"))
        })
        .expect("a multipart/related part");
    let PartType::Multipart(children) = &related.body else {
        panic!("related is not multipart");
    };
    let mut cids = Vec::new();
    for &i in children {
        let p = &msg.parts[i as usize];
        if p.content_type().is_some_and(|c| c.ctype() == "image") {
            assert_eq!(p.content_type().and_then(|c| c.subtype()), Some("png"));
            let body = p.contents();
            assert_eq!(&body[..8], b"\x89PNG\r\n\x1a\n", "a real PNG");
            let cid = p.content_id().expect("inline images have a Content-ID");
            cids.push(cid.trim_matches(['<', '>']).to_string());
        }
    }
    assert!(!cids.is_empty(), "at least one inline image");
    for cid in &cids {
        assert!(html.contains(&format!("cid:{cid}")), "HTML refers to {cid}");
    }
    let referenced = html.matches("cid:").count();
    assert_eq!(
        referenced,
        cids.len(),
        "every cid: in the HTML has its image part"
    );
}
