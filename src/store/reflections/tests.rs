use super::*;
use chrono::{TimeZone, Utc};

fn sample() -> Reflection {
    let mut answers = BTreeMap::new();
    answers.insert(
        "energy".to_string(),
        Answer {
            rating: Some(4),
            comment: Some("good — ✓".into()),
        },
    );
    answers.insert(
        "scope".to_string(),
        Answer {
            rating: None,
            comment: None,
        },
    );
    answers.insert(
        "again".to_string(),
        Answer {
            rating: Some(0),
            comment: None,
        },
    );
    Reflection {
        client: ClientKey::from_name("Bakkerij Jansen"),
        prompt: Some(PromptId(u64::MAX)),
        date: Utc.with_ymd_and_hms(1969, 7, 20, 20, 17, 40).unwrap()
            + chrono::Duration::nanoseconds(123_456_789),
        answers,
        notes: "two\n\nparagraphs".into(),
        sources: vec!["<a@b>".into(), "sha256:00".into()],
    }
}

#[test]
fn records_round_trip_exactly() {
    let r = sample();
    let bytes = encode_record(&r);
    assert_eq!(decode_record(&r.client, &bytes).unwrap(), r);
    let empty = Reflection {
        prompt: None,
        answers: BTreeMap::new(),
        notes: String::new(),
        sources: vec![],
        ..r
    };
    assert_eq!(
        decode_record(&empty.client, &encode_record(&empty)).unwrap(),
        empty
    );
}

#[test]
fn damaged_records_are_decode_errors_not_panics() {
    let bytes = encode_record(&sample());
    for cut in 0..bytes.len() {
        assert!(
            decode_record(&sample().client, &bytes[..cut]).is_err(),
            "cut at {cut}"
        );
    }
    let mut long = bytes.clone();
    long.push(0);
    assert!(decode_record(&sample().client, &long).is_err());
    // A huge answer count is refused before anything is reserved.
    let mut huge = bytes[..21].to_vec();
    huge.extend_from_slice(&u32::MAX.to_le_bytes());
    assert!(decode_record(&sample().client, &huge).is_err());
}

#[test]
fn chunks_splice_and_refuse_another_version() {
    let mut chunk = vec![CHUNK_VERSION];
    push_entry(&mut chunk, ReflectionId::Local(1), b"one");
    push_entry(&mut chunk, ReflectionId::Prompt(PromptId(2)), b"two");
    let replaced = splice(&chunk, ReflectionId::Local(1), Some(b"ONE!"))
        .unwrap()
        .unwrap();
    let e = entries(&replaced).unwrap();
    assert_eq!(e[0], (ReflectionId::Local(1), b"ONE!".as_slice()));
    assert_eq!(e[1], (ReflectionId::Prompt(PromptId(2)), b"two".as_slice()));
    let dropped = splice(&chunk, ReflectionId::Local(1), None)
        .unwrap()
        .unwrap();
    assert_eq!(entries(&dropped).unwrap().len(), 1);
    assert!(splice(&chunk, ReflectionId::Local(9), None)
        .unwrap()
        .is_none());
    let mut other = chunk.clone();
    other[0] = CHUNK_VERSION + 1;
    assert!(entries(&other).is_err());
    assert!(entries(&chunk[..chunk.len() - 1]).is_err());
}

#[test]
fn chunk_keys_are_prefix_free_and_split_back() {
    let names = ["", "a", "acme", "acme-2", "acme 2", "acme\0x"];
    for a in names {
        let ka = ClientKey::from_name(a);
        let k = chunk_key(&client_prefix(&ka), 7);
        assert_eq!(split_chunk_key(&k).unwrap(), (ka.clone(), 7));
        for b in names {
            if a != b {
                let pa = client_prefix(&ka);
                let kb = chunk_key(&client_prefix(&ClientKey::from_name(b)), 0);
                assert!(!kb.starts_with(&pa), "{a:?} is a prefix of {b:?}");
            }
        }
    }
}

fn at(client: &str, day: i64, prompt: Option<u64>) -> Reflection {
    Reflection {
        client: ClientKey::from_name(client),
        prompt: prompt.map(PromptId),
        date: Utc.with_ymd_and_hms(2020, 1, 1, 9, 0, 0).unwrap() + chrono::Duration::days(day),
        answers: BTreeMap::new(),
        notes: format!("{client} {day}"),
        sources: vec![],
    }
}

fn notes(s: &Store, client: &str) -> Vec<String> {
    s.reflections_for(&ClientKey::from_name(client))
        .unwrap()
        .into_iter()
        .map(|r| r.notes)
        .collect()
}

/// Many reflections per client fill several chunks; a rewrite lands in its own chunk,
/// a client change moves the record, and every read sees each reflection once.
#[test]
fn reflections_spanning_chunks_are_read_rewritten_and_moved_once() {
    let dir = tempfile::tempdir().unwrap();
    let s = Store::open(dir.path()).unwrap();
    let n = MAX_ENTRIES as i64 * 3 + 1;
    for day in (0..n).rev() {
        s.put_reflection(&at("acme", day, Some(day as u64)))
            .unwrap();
        s.put_reflection(&at("other", day, None)).unwrap();
    }
    assert!(s.trees().reflection_chunks.len() >= 8);
    let expected: Vec<String> = (0..n).map(|d| format!("acme {d}")).collect();
    assert_eq!(notes(&s, "acme"), expected);
    // A rewrite of a reflection in the first (full) chunk stays in place.
    let mut r = at("acme", n - 1, Some(n as u64 - 1));
    r.notes = "rewritten".into();
    s.put_reflection(&r).unwrap();
    assert_eq!(
        s.reflection_for_prompt(PromptId(n as u64 - 1)).unwrap(),
        Some(r)
    );
    assert_eq!(notes(&s, "acme").len(), n as usize);
    // A client change moves it.
    s.put_reflection(&at("other", 5, Some(5))).unwrap();
    assert_eq!(notes(&s, "acme").len(), n as usize - 1);
    assert_eq!(notes(&s, "other").len(), n as usize + 1);
    assert_eq!(
        s.reflection_for_prompt(PromptId(5))
            .unwrap()
            .map(|r| r.client),
        Some(ClientKey::from_name("other"))
    );
    assert_eq!(
        s.reflection_clients().unwrap(),
        [ClientKey::from_name("acme"), ClientKey::from_name("other")]
    );
    assert_eq!(s.reflections().unwrap().len(), 2 * n as usize);
}

/// A crash between the pointer and the chunk write leaves a pointer to a chunk without
/// the record: it reads as absent, and writing the reflection again repairs it.
#[test]
fn a_dangling_pointer_reads_as_absent_and_the_next_write_repairs_it() {
    let dir = tempfile::tempdir().unwrap();
    let s = Store::open(dir.path()).unwrap();
    s.put_reflection(&at("acme", 1, Some(1))).unwrap();
    let prefix = client_prefix(&ClientKey::from_name("acme"));
    // The state the crash leaves: pointer written, chunk not.
    s.trees()
        .reflection_ids
        .insert(
            ReflectionId::Prompt(PromptId(2)).to_key(),
            chunk_key(&prefix, 0),
        )
        .unwrap();
    s.trees()
        .reflection_ids
        .insert(
            ReflectionId::Prompt(PromptId(3)).to_key(),
            chunk_key(&prefix, 9),
        )
        .unwrap();
    assert_eq!(s.reflection_for_prompt(PromptId(2)).unwrap(), None);
    assert_eq!(s.reflection_for_prompt(PromptId(3)).unwrap(), None);
    assert!(!s.reply_recorded(PromptId(2), "m@x").unwrap());
    s.put_reflection(&at("acme", 2, Some(2))).unwrap();
    s.put_reflection(&at("acme", 3, Some(3))).unwrap();
    assert_eq!(notes(&s, "acme"), ["acme 1", "acme 2", "acme 3"]);
    assert!(s.reflection_for_prompt(PromptId(3)).unwrap().is_some());
}
