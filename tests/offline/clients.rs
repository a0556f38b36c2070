//! Client management (`olifant clients …`) and CSV import: the config/store source-of-truth
//! rule, refusals with messages that say what to do, persistence across reopen.

use std::cell::RefCell;
use std::path::Path;
use std::sync::Arc;

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use olifant::admin::clients_csv::import_clients_csv;
use olifant::app::{App, AppError};
use olifant::model::{Cadence, ClientKey, ClientStatus};
use olifant::send::stub::StubSender;

use crate::support;

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 10, 9, 0, 0).unwrap()
}

fn open(dir: &Path, clients_toml: &str) -> App {
    App::open_with_sender(
        support::local_config(dir, clients_toml),
        Arc::new(StubSender::new()),
        now(),
    )
    .unwrap()
}

const DECLARED: &str = r#"
[[clients]]
name = "Bakkerij Jansen"
cadence = "monthly"
revenue = 12000
tags = ["bakery"]
since = 2024-01-15
"#;

fn no_progress(_: usize, _: usize) {}

#[test]
fn store_only_client_add_edit_and_status_changes_persist() {
    let dir = tempfile::tempdir().unwrap();
    {
        let app = open(dir.path(), "");
        let c = olifant::clients::client_add(
            &app,
            "  Studio   Noord ",
            Some("every 10 days"),
            Some(800.0),
            &["design".into(), " ".into(), "design".into()],
            now(),
        )
        .unwrap();
        assert_eq!(c.name, "Studio Noord");
        assert_eq!(c.tags, vec!["design".to_string()]);
        let c = olifant::clients::client_edit(
            &app,
            "studio noord",
            Some("weekly"),
            None,
            Some(&["web".to_string()]),
        )
        .unwrap();
        assert_eq!(c.cadence, Cadence::Weekly);
        assert_eq!(c.revenue, Some(800.0));
        olifant::clients::client_snooze(
            &app,
            "Studio Noord",
            "2w",
            NaiveDate::from_ymd_opt(2026, 3, 10).unwrap(),
        )
        .unwrap();
    }
    let app = open(dir.path(), "");
    let rows = olifant::clients::clients_list(&app, now()).unwrap();
    assert_eq!(rows.len(), 1);
    let r = &rows[0];
    assert_eq!(r.name, "Studio Noord");
    assert_eq!(r.cadence, "weekly");
    assert_eq!(r.tags, vec!["web".to_string()]);
    assert_eq!(r.status, "snoozed until 2026-03-24");
    assert!(!r.declared_in_config);
    assert_eq!(r.reflections, 0);
    assert_eq!(r.last_reflection, None);

    olifant::clients::client_pause(&app, "Studio Noord", None).unwrap();
    assert_eq!(
        olifant::clients::clients_list(&app, now()).unwrap()[0].status,
        "paused"
    );
    olifant::clients::client_archive(&app, "Studio Noord", now()).unwrap();
    assert_eq!(
        olifant::clients::clients_list(&app, now()).unwrap()[0].status,
        "archived"
    );
    let err = olifant::clients::client_pause(&app, "Studio Noord", None)
        .unwrap_err()
        .to_string();
    assert!(err.contains("clients resume"), "{err}");
    olifant::clients::client_resume(&app, "Studio Noord").unwrap();
    assert_eq!(
        olifant::clients::clients_list(&app, now()).unwrap()[0].status,
        "active"
    );
}

#[test]
fn edit_of_a_config_declared_client_is_refused_and_names_the_config() {
    let dir = tempfile::tempdir().unwrap();
    let app = open(dir.path(), DECLARED);
    let err = olifant::clients::client_edit(&app, "bakkerij jansen", Some("weekly"), None, None)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("edit [[clients]] in config.toml instead"),
        "{err}"
    );
    assert_eq!(
        olifant::clients::find_client(&app, "Bakkerij Jansen")
            .unwrap()
            .cadence,
        Cadence::Monthly
    );
    let rows = olifant::clients::clients_list(&app, now()).unwrap();
    assert!(rows[0].declared_in_config);
    assert_eq!(rows[0].since, NaiveDate::from_ymd_opt(2024, 1, 15).unwrap());
    assert_eq!(rows[0].revenue, Some(12000.0));
}

#[test]
fn add_of_an_existing_name_is_refused_whatever_the_case_and_spacing() {
    let dir = tempfile::tempdir().unwrap();
    let app = open(dir.path(), DECLARED);
    let err = olifant::clients::client_add(&app, "BAKKERIJ  jansen", None, None, &[], now())
        .unwrap_err()
        .to_string();
    assert!(err.contains("already a client"), "{err}");
    olifant::clients::client_add(&app, "Studio Noord", None, None, &[], now()).unwrap();
    let err = olifant::clients::client_add(&app, "studio noord", None, None, &[], now())
        .unwrap_err()
        .to_string();
    assert!(err.contains("clients edit"), "{err}");
    assert_eq!(
        olifant::clients::clients_list(&app, now()).unwrap().len(),
        2
    );
}

#[test]
fn bad_input_is_refused_with_what_to_do() {
    let dir = tempfile::tempdir().unwrap();
    let app = open(dir.path(), "");
    let e = olifant::clients::client_add(&app, "X", Some("sometimes"), None, &[], now())
        .unwrap_err()
        .to_string();
    assert!(e.contains("weekly, biweekly"), "{e}");
    let e = olifant::clients::client_add(&app, "X", None, Some(-5.0), &[], now())
        .unwrap_err()
        .to_string();
    assert!(e.contains("0 or more"), "{e}");
    let e = olifant::clients::client_add(&app, "   ", None, None, &[], now()).unwrap_err();
    assert!(matches!(e, AppError::Invalid(_)));
    olifant::clients::client_add(&app, "X", None, None, &[], now()).unwrap();
    let e = olifant::clients::client_snooze(
        &app,
        "X",
        "forever",
        NaiveDate::from_ymd_opt(2026, 3, 10).unwrap(),
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("2w"), "{e}");
    let e = olifant::clients::client_edit(&app, "X", None, None, None)
        .unwrap_err()
        .to_string();
    assert!(e.contains("nothing to change"), "{e}");
    let e = olifant::clients::client_resume(&app, "Nobody").unwrap_err();
    assert!(matches!(e, AppError::UnknownClient(_)));
}

#[test]
fn sync_rule_status_survives_reopen_and_config_fields_win() {
    let dir = tempfile::tempdir().unwrap();
    {
        let app = open(dir.path(), DECLARED);
        olifant::clients::client_pause(
            &app,
            "Bakkerij Jansen",
            NaiveDate::from_ymd_opt(2026, 6, 1),
        )
        .unwrap();
    }
    // The owner changes the cadence and revenue in the config.
    let changed = DECLARED
        .replace("cadence = \"monthly\"", "cadence = \"quarterly\"")
        .replace("revenue = 12000", "revenue = 15000");
    let app = open(dir.path(), &changed);
    let c = olifant::clients::find_client(&app, "Bakkerij Jansen").unwrap();
    assert_eq!(c.cadence, Cadence::Quarterly);
    assert_eq!(c.revenue, Some(15000.0));
    assert_eq!(
        c.status,
        ClientStatus::Paused {
            until: NaiveDate::from_ymd_opt(2026, 6, 1)
        }
    );
    drop(app);
    // Removed from the config: stays in the store, now editable.
    let app = open(dir.path(), "");
    let rows = olifant::clients::clients_list(&app, now()).unwrap();
    assert_eq!(rows.len(), 1);
    assert!(!rows[0].declared_in_config);
    olifant::clients::client_edit(&app, "Bakkerij Jansen", Some("weekly"), None, None).unwrap();
}

#[test]
fn csv_import_of_a_good_file_with_quoted_fields() {
    let dir = tempfile::tempdir().unwrap();
    let app = open(dir.path(), "");
    let csv = "name,cadence,revenue,tags,since\r\n\
               \"Jansen, Bakkerij\",quarterly,12000.50,bakery|local,2024-01-15\r\n\
               \"Het \"\"Blauwe\"\" Huis\",,,,\r\n\
               Studio Noord,every 10 days,0,,\r\n";
    let calls = RefCell::new(Vec::new());
    let report = import_clients_csv(
        &app,
        csv,
        false,
        &|done, total| calls.borrow_mut().push((done, total)),
        now(),
    )
    .unwrap();
    assert_eq!(report.imported, 3);
    assert!(report.skipped.is_empty());
    assert_eq!(calls.borrow().last(), Some(&(3, 3)));
    let j = olifant::clients::find_client(&app, "jansen, bakkerij").unwrap();
    assert_eq!(j.cadence, Cadence::Quarterly);
    assert_eq!(j.revenue, Some(12000.5));
    assert_eq!(j.tags, vec!["bakery".to_string(), "local".to_string()]);
    assert_eq!(j.since, Utc.with_ymd_and_hms(2024, 1, 15, 0, 0, 0).unwrap());
    let h = olifant::clients::find_client(&app, "Het \"Blauwe\" Huis").unwrap();
    assert_eq!(h.cadence, Cadence::Monthly);
    assert_eq!(h.since, now());
    assert_eq!(
        olifant::clients::find_client(&app, "studio noord")
            .unwrap()
            .cadence,
        Cadence::EveryDays(10)
    );
}

#[test]
fn csv_columns_may_be_reordered_and_left_out() {
    let dir = tempfile::tempdir().unwrap();
    let app = open(dir.path(), "");
    let report =
        import_clients_csv(&app, "tags,name\na|b,Acme\n", false, &no_progress, now()).unwrap();
    assert_eq!(report.imported, 1);
    assert_eq!(
        olifant::clients::find_client(&app, "acme")
            .unwrap()
            .tags
            .len(),
        2
    );
    let e = import_clients_csv(&app, "naam,cadence\nX,weekly\n", false, &no_progress, now())
        .unwrap_err()
        .to_string();
    assert!(e.contains("unknown column"), "{e}");
}

const BAD: &str = "name,cadence,revenue,tags,since
Good One,monthly,100,,
,weekly,,,
Bad Cadence,sometimes,,,
\"Multi
Line\",monthly,-3,,
Bad Date,,,,2024-02-30
Good One,,,,
Existing,,,,
Not A Number,,NaN,,
Good Two,weekly,,,
";

#[test]
fn csv_bad_rows_are_reported_with_line_numbers_and_nothing_is_imported() {
    let dir = tempfile::tempdir().unwrap();
    let app = open(dir.path(), "[[clients]]\nname = \"Existing\"\n");
    let err = import_clients_csv(&app, BAD, false, &no_progress, now()).unwrap_err();
    let AppError::BadRows { rows } = &err else {
        panic!("expected BadRows, got {err}");
    };
    let lines: Vec<usize> = rows.iter().map(|(l, _)| *l).collect();
    assert_eq!(lines, vec![3, 4, 5, 7, 8, 9, 10]);
    let reason = |line: usize| rows.iter().find(|(l, _)| *l == line).unwrap().1.clone();
    assert!(reason(3).contains("empty name"));
    assert!(reason(4).contains("not a cadence"));
    assert!(reason(5).contains("0 or more"));
    assert!(reason(7).contains("not a date"));
    assert!(reason(8).contains("line 2"), "{}", reason(8));
    assert!(reason(9).contains("already a client"));
    assert!(reason(10).contains("0 or more") || reason(10).contains("not a number"));
    let text = err.to_string();
    assert!(
        text.contains("line 4:") && text.contains("--skip-bad"),
        "{text}"
    );
    // All or nothing: only the config's client is there.
    assert_eq!(
        olifant::clients::clients_list(&app, now()).unwrap().len(),
        1
    );
}

#[test]
fn csv_skip_bad_imports_the_good_rows_and_lists_the_rest() {
    let dir = tempfile::tempdir().unwrap();
    let app = open(dir.path(), "[[clients]]\nname = \"Existing\"\n");
    let report = import_clients_csv(&app, BAD, true, &no_progress, now()).unwrap();
    assert_eq!(report.imported, 2);
    assert_eq!(report.skipped.len(), 7);
    drop(app);
    let app = open(dir.path(), "[[clients]]\nname = \"Existing\"\n");
    let names: Vec<String> = olifant::clients::clients_list(&app, now())
        .unwrap()
        .into_iter()
        .map(|r| r.name)
        .collect();
    assert_eq!(names, vec!["Existing", "Good One", "Good Two"]);
    assert!(app
        .store
        .client(&ClientKey::from_name("bad cadence"))
        .unwrap()
        .is_none());
}

#[test]
fn csv_unterminated_quote_is_a_bad_row() {
    let dir = tempfile::tempdir().unwrap();
    let app = open(dir.path(), "");
    let err =
        import_clients_csv(&app, "name\nA\n\"B\nC\n", false, &no_progress, now()).unwrap_err();
    let AppError::BadRows { rows } = err else {
        panic!("expected BadRows");
    };
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].0, 3);
}
