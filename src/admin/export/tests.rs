use super::*;

#[test]
fn dates_round_trip_including_the_indefinite_pause_date() {
    for d in [
        NaiveDate::MAX,
        NaiveDate::from_ymd_opt(2026, 2, 28).unwrap(),
    ] {
        assert_eq!(d.to_string().parse::<NaiveDate>().ok(), Some(d));
    }
}

#[test]
fn timestamps_keep_subseconds_and_midnights_print_as_dates() {
    let t = Utc.timestamp_opt(1_790_000_000, 123_456_000).unwrap();
    let s = ts(t);
    assert_eq!(DateTime::parse_from_rfc3339(&s).unwrap(), t);
    let midnight = Utc.with_ymd_and_hms(2024, 1, 15, 0, 0, 0).unwrap();
    assert_eq!(date_or_ts(midnight), "2024-01-15");
    assert_ne!(date_or_ts(t).len(), 10);
}

#[test]
fn csv_text_round_trips_awkward_fields_through_the_import_reader() {
    let awkward = [
        "plain",
        "a,b",
        "say \"hi\"",
        "two\nlines",
        "cr\r\nlf",
        " padded ",
        "",
    ];
    let rows: Vec<Vec<String>> = awkward
        .iter()
        .map(|s| vec![s.to_string(), "x".to_string()])
        .collect();
    let text = csv_text(&rows).unwrap();
    assert!(text.ends_with("x\r\n"), "{text:?}");
    let back: Vec<Vec<String>> = crate::admin::clients_csv::parse_csv(&text)
        .into_iter()
        .map(|r| r.unwrap().fields)
        .collect();
    assert_eq!(back, rows);
}

fn refused(root: Value) -> String {
    match typed::<ExportIn>(&root) {
        Ok(_) => panic!("accepted {root}"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn refused_values_are_named_by_their_json_path_down_to_list_items_and_keys() {
    let e = refused(json!({"clients": [{"name": "A"}, {"name": "B", "tags": ["x", 3]}]}));
    assert!(
        e.starts_with("import: clients[1].tags[1]: invalid type"),
        "{e}"
    );
    let e = refused(json!({"reflections": [{"answers": {"energy": {"rating": 300}}}]}));
    assert_eq!(
        e,
        "import: reflections[0].answers.energy.rating: 300 is too large for a rating"
    );
    let e = refused(json!({"prompts": [{}, {"lang": "fr"}]}));
    assert!(e.starts_with("import: prompts[1].lang: \"fr\""), "{e}");
    let e = refused(json!({"pause": {"until": "2026-02-30"}}));
    assert!(
        e.contains("pause.until: \"2026-02-30\" is not a date"),
        "{e}"
    );
}

#[test]
fn checks_across_fields_name_the_field_by_the_item_index() {
    let root =
        json!({"clients": [{"name": "A", "since": "2024-01-15", "paused_until": "2026-01-01"}]});
    let client = typed::<ExportIn>(&root).unwrap().clients.unwrap().remove(0);
    let e = client.into_client("clients[0]").unwrap_err().to_string();
    assert!(
        e.contains("import: clients[0].paused_until: given but the status is \"active\""),
        "{e}"
    );
    let root = json!({"clients": [{"name": " "}]});
    let client = typed::<ExportIn>(&root).unwrap().clients.unwrap().remove(0);
    let e = client.into_client("clients[0]").unwrap_err().to_string();
    assert!(e.contains("import: clients[0].name: empty"), "{e}");
}

#[test]
fn whole_revenues_print_without_a_fraction() {
    assert_eq!(number(12000.0).to_string(), "12000");
    assert_eq!(number(12000.5).to_string(), "12000.5");
}
