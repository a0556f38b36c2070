//! Scheduling: exactly-once prompts per occurrence, catch-up, caps, reminders, expiry.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use chrono_tz::Europe::Amsterdam;
use chrono_tz::Tz;
use olifant::model::{
    Cadence, Client, ClientKey, ClientStatus, Lang, PromptId, PromptRecord, PromptStatus, Reminder,
    SendState,
};
use olifant::schedule::{
    digest_due, next_runs, outlook, plan_prompt_run, CronExpr, FirstPrompt, Outlook, PlanInput,
    PromptPlan, SkipReason,
};
use proptest::prelude::*;

use crate::common;

const TZ: Tz = Amsterdam;

fn at(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
    TZ.with_ymd_and_hms(y, m, d, h, min, 0)
        .single()
        .unwrap()
        .with_timezone(&Utc)
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn client(name: &str, cadence: Cadence, status: ClientStatus, since: DateTime<Utc>) -> Client {
    Client {
        cadence,
        status,
        ..common::client(name, since)
    }
}

fn input(clients: Vec<Client>, cron: &str) -> PlanInput {
    PlanInput {
        clients,
        prompts: vec![],
        last_unprompted_reflection: BTreeMap::new(),
        global_pause: None,
        max_prompts_per_run: 3,
        reminder_after: Duration::days(3),
        prompt_cron: CronExpr::parse(cron).unwrap(),
        tz: TZ,
        last_run: None,
        // The tests below were written for the cadence rule; the first-prompt tests set
        // `NextRun` themselves.
        first_prompt: FirstPrompt::AfterCadence,
    }
}

fn record(
    id: u64,
    client: &str,
    occurrence: DateTime<Utc>,
    created: DateTime<Utc>,
    send: SendState,
) -> PromptRecord {
    PromptRecord {
        id: PromptId(id),
        client: ClientKey::from_name(client),
        client_name: client.into(),
        lang: Lang::En,
        occurrence,
        created_at: created,
        message_id: format!("m{id}@example.test"),
        subject: "s".into(),
        send,
        status: PromptStatus::Open,
        reminder: None,
    }
}

/// Applies a plan the way the daemon would: new prompts (sent), expiries, reminders, last_run.
fn apply(input: &mut PlanInput, plan: &PromptPlan, now: DateTime<Utc>, next_id: &mut u64) {
    let expire: BTreeSet<PromptId> = plan.expire.iter().copied().collect();
    let remind: BTreeSet<PromptId> = plan.reminders.iter().copied().collect();
    for p in &mut input.prompts {
        if expire.contains(&p.id) {
            p.status = PromptStatus::Expired { at: now };
        }
        if remind.contains(&p.id) {
            p.reminder = Some(Reminder {
                message_id: format!("m{}.r@example.test", p.id.0),
                send: SendState::Sent { at: now },
            });
        }
    }
    for key in &plan.to_send {
        *next_id += 1;
        input.prompts.push(record(
            *next_id,
            key.as_str(),
            plan.occurrence.unwrap(),
            now,
            SendState::Sent { at: now },
        ));
    }
    input.last_run = Some(input.last_run.map_or(now, |l| l.max(now)));
}

fn keys(names: &[&str]) -> Vec<ClientKey> {
    names.iter().map(|n| ClientKey::from_name(n)).collect()
}

#[test]
fn catch_up_after_five_missed_mondays_is_one_pass_served_once() {
    let since = at(2025, 1, 1, 12, 0);
    let mut inp = input(
        vec![
            client("Alpha", Cadence::Weekly, ClientStatus::Active, since),
            client("Beta", Cadence::Weekly, ClientStatus::Active, since),
        ],
        "0 9 * * 1",
    );
    // Last pass on Monday 5 January; down until Wednesday 11 February: the Mondays of
    // 12, 19, 26 January and 2, 9 February were missed.
    inp.last_run = Some(at(2026, 1, 5, 9, 0) + Duration::seconds(30));
    let mut next_id = 0;
    let now = at(2026, 2, 11, 14, 0);
    let plan = plan_prompt_run(&inp, now);
    assert_eq!(plan.occurrence, Some(at(2026, 2, 9, 9, 0)));
    assert_eq!(plan.to_send, keys(&["Alpha", "Beta"]));

    // A crash before last_run was stored: the same occurrence comes back, nobody is due.
    let mut crashed = inp.clone();
    apply(&mut crashed, &plan, now, &mut next_id);
    crashed.last_run = inp.last_run;
    let again = plan_prompt_run(&crashed, now + Duration::minutes(1));
    assert_eq!(again.occurrence, plan.occurrence);
    assert!(again.to_send.is_empty(), "{again:?}");
    assert!(again
        .skipped
        .iter()
        .all(|(_, r)| *r == SkipReason::AlreadyPrompted));

    // Normal case: later passes before the next Monday serve nothing.
    apply(&mut inp, &plan, now, &mut next_id);
    for hours in [0, 1, 24, 100] {
        let p = plan_prompt_run(&inp, now + Duration::hours(hours));
        assert_eq!(p.occurrence, None);
        assert!(p.to_send.is_empty());
    }
    assert_eq!(inp.prompts.len(), 2);
    // The next Monday serves the weekly clients again (the catch-up prompt is anchored to
    // its occurrence, 9 February, not to the Wednesday it was created).
    let monday = at(2026, 2, 16, 9, 0);
    let p = plan_prompt_run(&inp, monday);
    assert_eq!(p.occurrence, Some(monday));
    assert_eq!(p.to_send, keys(&["Alpha", "Beta"]));
    assert_eq!(p.expire.len(), 2, "the unanswered prompts are replaced");
}

#[test]
fn cap_takes_the_most_overdue_first_then_by_name() {
    let clients = vec![
        client(
            "Echo",
            Cadence::Weekly,
            ClientStatus::Active,
            at(2025, 12, 1, 9, 0),
        ),
        client(
            "Delta",
            Cadence::Weekly,
            ClientStatus::Active,
            at(2025, 11, 1, 9, 0),
        ),
        client(
            "Charlie",
            Cadence::Weekly,
            ClientStatus::Active,
            at(2025, 12, 1, 9, 0),
        ),
        client(
            "Bravo",
            Cadence::Weekly,
            ClientStatus::Active,
            at(2025, 12, 20, 9, 0),
        ),
        client(
            "Alpha",
            Cadence::Monthly,
            ClientStatus::Active,
            at(2026, 1, 1, 9, 0),
        ),
    ];
    let inp = input(clients, "0 9 * * 1");
    let plan = plan_prompt_run(&inp, at(2026, 1, 5, 9, 0));
    assert_eq!(plan.to_send, keys(&["Delta", "Charlie", "Echo"]));
    let over: Vec<&ClientKey> = plan
        .skipped
        .iter()
        .filter(|(_, r)| *r == SkipReason::OverCap)
        .map(|(k, _)| k)
        .collect();
    assert_eq!(over, vec![&ClientKey::from_name("Bravo")]);
    // Alpha (monthly since 1 January) is simply not due: neither sent nor skipped.
    assert!(!plan.skipped.iter().any(|(k, _)| k.as_str() == "alpha"));
}

#[test]
fn paused_snoozed_archived_and_global_pause_are_skipped() {
    let since = at(2025, 1, 1, 9, 0);
    let clients = vec![
        client(
            "Paused",
            Cadence::Weekly,
            ClientStatus::Paused { until: None },
            since,
        ),
        client(
            "Snoozed",
            Cadence::Weekly,
            ClientStatus::Paused {
                until: Some(date(2026, 2, 1)),
            },
            since,
        ),
        client(
            "Woke",
            Cadence::Weekly,
            ClientStatus::Paused {
                until: Some(date(2026, 1, 5)),
            },
            since,
        ),
        client(
            "Gone",
            Cadence::Weekly,
            ClientStatus::Archived { since },
            since,
        ),
    ];
    let mut inp = input(clients, "0 9 * * 1");
    let now = at(2026, 1, 5, 9, 0);
    let plan = plan_prompt_run(&inp, now);
    assert_eq!(plan.to_send, keys(&["Woke"]));
    let skipped: BTreeMap<String, SkipReason> = plan
        .skipped
        .iter()
        .map(|(k, r)| (k.to_string(), r.clone()))
        .collect();
    assert_eq!(skipped["paused"], SkipReason::Paused { until: None });
    assert_eq!(
        skipped["snoozed"],
        SkipReason::Paused {
            until: Some(date(2026, 2, 1))
        }
    );
    assert_eq!(skipped["gone"], SkipReason::Archived);

    inp.global_pause = Some(date(2026, 1, 10));
    let plan = plan_prompt_run(&inp, now);
    assert!(plan.to_send.is_empty());
    assert!(plan.skipped.contains(&(
        ClientKey::from_name("Woke"),
        SkipReason::GloballyPaused {
            until: date(2026, 1, 10)
        }
    )));
    // The pause ends on its date.
    let plan = plan_prompt_run(&inp, at(2026, 1, 12, 9, 0));
    assert_eq!(plan.to_send, keys(&["Woke"]));
}

#[test]
fn reminders_go_once_to_sent_open_prompts_after_the_delay() {
    let since = at(2025, 1, 1, 9, 0);
    let names = ["A", "B", "C", "D", "E", "F"];
    let clients = names
        .iter()
        .map(|n| client(n, Cadence::Monthly, ClientStatus::Active, since))
        .collect();
    let mut inp = input(clients, "0 9 * * 1");
    let occ = at(2026, 1, 5, 9, 0);
    let sent = SendState::Sent { at: occ };
    inp.prompts = vec![
        record(1, "A", occ, occ, sent.clone()),
        record(2, "B", occ, occ, sent.clone()),
        record(3, "C", occ, occ, sent.clone()),
        record(4, "D", occ, occ, SendState::Intent { at: occ }),
        record(
            5,
            "E",
            occ,
            occ,
            SendState::Unknown {
                intent_at: occ,
                reason: "crash".into(),
            },
        ),
        record(6, "F", occ, occ, sent.clone()),
    ];
    inp.prompts[1].status = PromptStatus::Answered { at: occ };
    inp.prompts[2].reminder = Some(Reminder {
        message_id: "x".into(),
        send: sent.clone(),
    });
    inp.last_run = Some(occ);

    let early = plan_prompt_run(&inp, occ + Duration::days(3) - Duration::minutes(1));
    assert!(early.reminders.is_empty(), "{early:?}");
    let plan = plan_prompt_run(&inp, occ + Duration::days(3));
    assert_eq!(plan.reminders, vec![PromptId(1), PromptId(6)]);

    // No reminders during a global pause or for a paused client.
    let mut paused = inp.clone();
    paused.global_pause = Some(date(2026, 2, 1));
    assert!(plan_prompt_run(&paused, occ + Duration::days(3))
        .reminders
        .is_empty());
    let mut one_paused = inp.clone();
    one_paused.clients[5].status = ClientStatus::Paused { until: None };
    assert_eq!(
        plan_prompt_run(&one_paused, occ + Duration::days(3)).reminders,
        vec![PromptId(1)]
    );
}

#[test]
fn open_prompt_expires_when_the_client_is_due_again_but_not_when_over_cap() {
    let since = at(2025, 1, 1, 9, 0);
    let clients = vec![
        client("A", Cadence::Monthly, ClientStatus::Active, since),
        client("B", Cadence::Monthly, ClientStatus::Active, since),
    ];
    let mut inp = input(clients, "0 9 * * 1");
    let jan = at(2026, 1, 5, 9, 0);
    inp.prompts = vec![
        record(1, "A", jan, jan, SendState::Sent { at: jan }),
        record(2, "B", jan, jan, SendState::Sent { at: jan }),
    ];
    inp.prompts[0].reminder = Some(Reminder {
        message_id: "r".into(),
        send: SendState::Sent { at: jan },
    });
    inp.last_run = Some(jan);
    // 2 February: one calendar month after 5 January has not passed yet.
    let feb2 = at(2026, 2, 2, 9, 0);
    let p = plan_prompt_run(&inp, feb2);
    assert!(p.to_send.is_empty() && p.expire.is_empty(), "{p:?}");
    // 9 February: both due; cap 1 sends A and expires only A's prompt.
    inp.max_prompts_per_run = 1;
    inp.last_run = Some(feb2);
    let p = plan_prompt_run(&inp, at(2026, 2, 9, 9, 0));
    assert_eq!(p.to_send, keys(&["A"]));
    assert_eq!(p.expire, vec![PromptId(1)]);
    // B's prompt stays open and, being sent long ago without a reminder, gets one.
    assert_eq!(p.reminders, vec![PromptId(2)]);
}

#[test]
fn intent_or_unknown_prompt_for_this_occurrence_is_never_made_again() {
    let since = at(2025, 1, 1, 9, 0);
    let mut inp = input(
        vec![
            client("A", Cadence::Weekly, ClientStatus::Active, since),
            client("B", Cadence::Weekly, ClientStatus::Active, since),
        ],
        "0 9 * * 1",
    );
    let occ = at(2026, 1, 5, 9, 0);
    inp.prompts = vec![
        record(1, "A", occ, occ, SendState::Intent { at: occ }),
        record(
            2,
            "B",
            occ,
            occ,
            SendState::Unknown {
                intent_at: occ,
                reason: "timeout after DATA".into(),
            },
        ),
    ];
    let p = plan_prompt_run(&inp, occ + Duration::minutes(5));
    assert_eq!(p.occurrence, Some(occ));
    assert!(p.to_send.is_empty());
    assert!(p.expire.is_empty());
}

#[test]
fn unprompted_reflection_restarts_the_cadence() {
    let mut inp = input(
        vec![client(
            "A",
            Cadence::Biweekly,
            ClientStatus::Active,
            at(2025, 1, 1, 9, 0),
        )],
        "0 9 * * 1",
    );
    inp.last_unprompted_reflection
        .insert(ClientKey::from_name("A"), at(2026, 1, 1, 20, 0));
    assert!(plan_prompt_run(&inp, at(2026, 1, 12, 9, 0))
        .to_send
        .is_empty());
    assert_eq!(
        plan_prompt_run(&inp, at(2026, 1, 19, 9, 0)).to_send,
        keys(&["A"])
    );
}

#[test]
fn digest_first_monday_default_is_served_once_with_catch_up() {
    let cron = CronExpr::parse("0 8 1-7 * 1").unwrap();
    let last = at(2026, 1, 5, 8, 0);
    // Down from January to 20 April: February, March and April first Mondays missed.
    let due = digest_due(&cron, TZ, Some(last), at(2026, 4, 20, 12, 0));
    assert_eq!(due, Some(at(2026, 4, 6, 8, 0)));
    assert_eq!(digest_due(&cron, TZ, due, at(2026, 4, 20, 12, 0)), None);
    assert_eq!(digest_due(&cron, TZ, due, at(2026, 5, 4, 7, 59)), None);
    assert_eq!(
        digest_due(&cron, TZ, due, at(2026, 5, 4, 8, 0)),
        Some(at(2026, 5, 4, 8, 0))
    );
    // Not the 8th-14th Monday etc.: between first Mondays nothing is due.
    assert_eq!(
        digest_due(&cron, TZ, Some(at(2026, 5, 4, 8, 0)), at(2026, 5, 25, 8, 0)),
        None
    );
    let prompt = CronExpr::parse("0 9 * * 1").unwrap();
    let (p, d) = next_runs(&prompt, &cron, TZ, at(2026, 5, 5, 0, 0));
    assert_eq!(p, Some(at(2026, 5, 11, 9, 0)));
    assert_eq!(d, Some(at(2026, 6, 1, 8, 0)));
}

#[derive(Debug, Clone)]
struct Step {
    jump_minutes: i64,
    store_last_run: bool,
    answer_open: bool,
}

fn step() -> impl Strategy<Value = Step> {
    let jump = prop_oneof![
        3 => 0i64..=0,                         // repeated pass at the same instant
        4 => 1i64..(3i64 * 24 * 60),              // ordinary forward steps
        2 => (-3i64 * 24 * 60)..0i64,             // clock jumping back
        1 => (30i64 * 24 * 60)..(200i64 * 24 * 60),  // long downtime
    ];
    (jump, any::<bool>(), any::<bool>()).prop_map(|(jump_minutes, store_last_run, answer_open)| {
        Step {
            jump_minutes,
            store_last_run,
            answer_open,
        }
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    /// Protects exactly-once per (client, occurrence), the per-occurrence cap, no stacked
    /// prompts, and no prompts for paused/archived clients, under any clock behaviour.
    #[test]
    fn random_clock_jumps_never_break_scheduling_invariants(
        steps in proptest::collection::vec(step(), 1..40),
        cron in prop_oneof![Just("0 9 * * 1"), Just("30 2 * * *"), Just("0 8 1-7 * 1"), Just("0 */6 * * *")],
        max in 1usize..4,
        start_offset_h in 0i64..(24 * 14),
    ) {
        let since = at(2025, 6, 1, 12, 0);
        let snooze_until = date(2026, 3, 1);
        let clients = vec![
            client("Weekly", Cadence::Weekly, ClientStatus::Active, since),
            client("Biweekly", Cadence::Biweekly, ClientStatus::Active, since),
            client("Monthly", Cadence::Monthly, ClientStatus::Active, since),
            client("Quarterly", Cadence::Quarterly, ClientStatus::Active, since),
            client("Three", Cadence::EveryDays(3), ClientStatus::Active, since),
            client("Every1", Cadence::EveryDays(1), ClientStatus::Active, since),
            client("Paused", Cadence::Weekly, ClientStatus::Paused { until: None }, since),
            client("Snoozed", Cadence::Weekly, ClientStatus::Paused { until: Some(snooze_until) }, since),
            client("Gone", Cadence::Weekly, ClientStatus::Archived { since }, since),
        ];
        let mut inp = input(clients, cron);
        inp.max_prompts_per_run = max;
        let mut now = at(2026, 1, 1, 0, 0) + Duration::hours(start_offset_h);
        let mut next_id = 0u64;
        for s in &steps {
            now += Duration::minutes(s.jump_minutes);
            let plan = plan_prompt_run(&inp, now);
            if let Some(occ) = plan.occurrence {
                prop_assert!(occ <= now);
            } else {
                prop_assert!(plan.to_send.is_empty());
            }
            for id in &plan.reminders {
                let p = inp.prompts.iter().find(|p| p.id == *id).unwrap();
                prop_assert!(p.reminder.is_none(), "second reminder for {:?}", id);
                prop_assert_eq!(&p.status, &PromptStatus::Open);
            }
            let old_last_run = inp.last_run;
            apply(&mut inp, &plan, now, &mut next_id);
            if !s.store_last_run {
                inp.last_run = old_last_run; // crashed before storing it
            }
            if s.answer_open {
                for p in &mut inp.prompts {
                    if p.status == PromptStatus::Open {
                        p.status = PromptStatus::Answered { at: now };
                        break;
                    }
                }
            }
            // Prompts never stack up: at most one open prompt per client.
            let mut open = BTreeSet::new();
            for p in inp.prompts.iter().filter(|p| p.status == PromptStatus::Open) {
                prop_assert!(open.insert(p.client.clone()), "two open prompts for {}", p.client);
            }
        }
        let mut seen = BTreeSet::new();
        let mut per_occ: BTreeMap<DateTime<Utc>, usize> = BTreeMap::new();
        for p in &inp.prompts {
            prop_assert!(seen.insert((p.client.clone(), p.occurrence)), "duplicate {} {}", p.client, p.occurrence);
            *per_occ.entry(p.occurrence).or_default() += 1;
            prop_assert!(p.client.as_str() != "paused" && p.client.as_str() != "gone");
            if p.client.as_str() == "snoozed" {
                prop_assert!(p.created_at.with_timezone(&TZ).date_naive() >= snooze_until);
            }
        }
        for (occ, n) in per_occ {
            prop_assert!(n <= max, "{} prompts for {}", n, occ);
        }
    }
}

/// Protects against double or missing passes on DST days (tokio-cron-scheduler#107 style).
#[test]
fn dst_days_in_amsterdam_serve_exactly_one_pass_each() {
    for (day_start, expected) in [
        // 2026-03-29: 02:30 does not exist; the pass happens at 03:00 CEST.
        (at(2026, 3, 29, 0, 0), "2026-03-29T01:00:00+00:00"),
        // 2026-10-25: 02:30 happens twice; the pass happens at the first (CEST).
        (at(2026, 10, 25, 0, 0), "2026-10-25T00:30:00+00:00"),
    ] {
        let mut inp = input(vec![], "30 2 * * *");
        inp.last_run = Some(day_start);
        let mut served = Vec::new();
        let mut now = day_start;
        while now < day_start + Duration::hours(25) {
            let plan = plan_prompt_run(&inp, now);
            if let Some(occ) = plan.occurrence {
                served.push(occ.to_rfc3339());
                inp.last_run = Some(now);
            }
            now += Duration::minutes(10);
        }
        assert_eq!(served, vec![expected.to_string()]);
    }
}

/// A monthly client added on Tuesday 1 December 2026; prompt runs on Mondays at 09:00.
fn new_client_on_1_december() -> PlanInput {
    let added = at(2026, 12, 1, 15, 0);
    let mut i = input(
        vec![client(
            "Nieuw BV",
            Cadence::Monthly,
            ClientStatus::Active,
            added,
        )],
        "0 9 * * 1",
    );
    i.first_prompt = FirstPrompt::NextRun;
    i
}

#[test]
fn a_new_client_is_asked_at_the_next_run_by_default_and_after_a_cadence_when_configured() {
    let mut i = new_client_on_1_december();
    let monday = at(2026, 12, 7, 9, 0);
    let plan = plan_prompt_run(&i, monday);
    assert_eq!(plan.to_send, vec![ClientKey::from_name("Nieuw BV")]);
    // Not before it was added: the run of Monday 30 November does not ask it.
    let before = plan_prompt_run(&i, at(2026, 11, 30, 9, 0));
    assert!(before.to_send.is_empty(), "{before:?}");

    i.first_prompt = FirstPrompt::AfterCadence;
    assert!(plan_prompt_run(&i, monday).to_send.is_empty());
    let month_later = plan_prompt_run(&i, at(2027, 1, 4, 9, 0));
    assert_eq!(month_later.to_send, vec![ClientKey::from_name("Nieuw BV")]);
}

#[test]
fn once_asked_a_new_client_follows_its_cadence_either_way() {
    let mut i = new_client_on_1_december();
    let first = at(2026, 12, 7, 9, 0);
    i.prompts.push(record(
        1,
        "Nieuw BV",
        first,
        first,
        SendState::Sent { at: first },
    ));
    i.last_run = Some(first);
    for monday in [at(2026, 12, 14, 9, 0), at(2026, 12, 28, 9, 0)] {
        assert!(plan_prompt_run(&i, monday).to_send.is_empty(), "{monday}");
    }
    assert_eq!(
        plan_prompt_run(&i, at(2027, 1, 11, 9, 0)).to_send,
        vec![ClientKey::from_name("Nieuw BV")]
    );
}

#[test]
fn the_outlook_names_every_client_not_let_go_with_when_and_why() {
    let long_ago = at(2026, 1, 5, 9, 0);
    let mut i = input(
        vec![
            client("A", Cadence::Monthly, ClientStatus::Active, long_ago),
            client("B", Cadence::Monthly, ClientStatus::Active, long_ago),
            client(
                "Snoozed",
                Cadence::Monthly,
                ClientStatus::Paused {
                    until: Some(date(2027, 2, 1)),
                },
                long_ago,
            ),
            client(
                "Gone",
                Cadence::Monthly,
                ClientStatus::Archived { since: long_ago },
                long_ago,
            ),
            client("Recent", Cadence::Monthly, ClientStatus::Active, long_ago),
        ],
        "0 9 * * 1",
    );
    i.max_prompts_per_run = 1;
    // "Recent" was asked on 30 November: next due from 30 December, the run of 4 January.
    let asked = at(2026, 11, 30, 9, 0);
    i.prompts.push(record(
        1,
        "Recent",
        asked,
        asked,
        SendState::Sent { at: asked },
    ));
    let now = at(2026, 12, 7, 9, 10);
    let o: BTreeMap<String, Outlook> = outlook(&i, now)
        .into_iter()
        .map(|(k, o)| (k.to_string(), o))
        .collect();
    assert_eq!(
        o.keys().map(String::as_str).collect::<Vec<_>>(),
        ["a", "b", "recent", "snoozed"],
        "every client but the one let go"
    );
    let run = at(2026, 12, 7, 9, 0);
    assert_eq!(o["a"], Outlook::Now { run });
    assert_eq!(
        o["b"],
        Outlook::OverCap {
            run: Some(at(2026, 12, 14, 9, 0))
        }
    );
    assert_eq!(
        o["snoozed"],
        Outlook::Paused {
            until: Some(date(2027, 2, 1))
        }
    );
    assert_eq!(
        o["recent"],
        Outlook::Next {
            run: Some(at(2027, 1, 4, 9, 0)),
            due: date(2026, 12, 30)
        }
    );

    // All prompts paused: due clients say so instead.
    i.global_pause = Some(date(2027, 1, 1));
    let o = outlook(&i, now);
    assert!(
        o.iter().any(|(k, x)| k.as_str() == "a"
            && *x
                == Outlook::GloballyPaused {
                    until: date(2027, 1, 1)
                }),
        "{o:?}"
    );
}
