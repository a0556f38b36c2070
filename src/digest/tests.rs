use super::*;
use chrono::TimeZone;

/// Records what it is asked; fails on a chosen client.
struct Recording {
    asked: Vec<ClientKey>,
    fail_on: Option<ClientKey>,
}

impl ReflectionSource for Recording {
    type Error = String;

    fn reflections_of(&mut self, client: &ClientKey) -> Result<Vec<Reflection>, String> {
        self.asked.push(client.clone());
        if self.fail_on.as_ref() == Some(client) {
            return Err(format!("cannot read {client}"));
        }
        Ok(Vec::new())
    }
}

fn client(name: &str) -> Client {
    Client {
        name: name.into(),
        cadence: Default::default(),
        revenue: None,
        tags: vec![],
        status: ClientStatus::Active,
        since: Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap(),
    }
}

fn run(source: &mut Recording, clients: &[Client]) -> Result<Digest, String> {
    run_as_of(source, clients, &[], None)
}

fn run_as_of(
    source: &mut Recording,
    clients: &[Client],
    prompts: &[PromptRecord],
    as_of: Option<DateTime<Utc>>,
) -> Result<Digest, String> {
    let q = crate::prompt::questionnaire::default_questionnaire();
    let settings = DigestSettings::default();
    let input = DigestInput {
        clients,
        prompts,
        not_understood: 0,
        quarantined: &[],
        activity: Activity::default(),
        next_prompt_at: None,
        next_digest_at: None,
        as_of,
        previous_digest_at: None,
        settings: &settings,
        questionnaire: &q,
        lang: Lang::En,
        tz: chrono_tz::Europe::Amsterdam,
    };
    build_digest(
        &input,
        source,
        Utc.with_ymd_and_hms(2025, 6, 1, 9, 0, 0).unwrap(),
    )
}

#[test]
fn build_digest_asks_the_source_once_per_client_in_list_order() {
    let clients = [client("Beta"), client("Acme"), client("Gamma")];
    let mut source = Recording {
        asked: vec![],
        fail_on: None,
    };
    let d = run(&mut source, &clients).unwrap();
    let keys: Vec<&str> = source.asked.iter().map(ClientKey::as_str).collect();
    assert_eq!(keys, ["beta", "acme", "gamma"]);
    assert_eq!(d.clients.len(), 3);
}

#[test]
fn build_digest_stops_at_the_sources_error() {
    let clients = [client("Beta"), client("Acme"), client("Gamma")];
    let mut source = Recording {
        asked: vec![],
        fail_on: Some(ClientKey::from_name("Acme")),
    };
    let err = run(&mut source, &clients).unwrap_err();
    assert_eq!(err, "cannot read acme");
    assert_eq!(source.asked.len(), 2);
}

fn prompt(name: &str, created: DateTime<Utc>, status: PromptStatus) -> PromptRecord {
    PromptRecord {
        id: crate::model::PromptId(created.timestamp() as u64),
        client: ClientKey::from_name(name),
        client_name: name.into(),
        lang: Lang::En,
        occurrence: created,
        created_at: created,
        message_id: format!("p{}@x", created.timestamp()),
        subject: String::new(),
        send: SendState::Sent { at: created },
        status,
        reminder: None,
    }
}

#[test]
fn as_of_shows_clients_and_prompts_as_they_were_then() {
    let day = |d: u32| Utc.with_ymd_and_hms(2025, 3, d, 9, 0, 0).unwrap();
    let as_of = day(15);
    let mut later = client("Later");
    later.since = day(20);
    let mut gone = client("Gone");
    gone.status = ClientStatus::Archived { since: day(18) };
    let mut went = client("Went");
    went.status = ClientStatus::Archived { since: day(10) };
    let prompts = [
        prompt("Acme", day(3), PromptStatus::Answered { at: day(4) }),
        prompt("Gone", day(12), PromptStatus::Answered { at: day(16) }),
        prompt("Acme", day(17), PromptStatus::Open),
    ];
    let mut source = Recording {
        asked: vec![],
        fail_on: None,
    };
    let clients = [client("Acme"), later, gone, went];
    let d = run_as_of(&mut source, &clients, &prompts, Some(as_of)).unwrap();
    let active: Vec<&str> = d.clients.iter().map(|c| c.name.as_str()).collect();
    let archived: Vec<&str> = d.archived.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(active, ["Acme", "Gone"], "not yet added or let go later");
    assert_eq!(archived, ["Went"]);
    // The prompt of the 17th is not there yet; the one answered on the 16th was open.
    assert_eq!((d.prompts.sent, d.prompts.answered), (2, 1));
    let open: Vec<&str> = d
        .prompts
        .unanswered
        .iter()
        .map(|p| p.client.as_str())
        .collect();
    assert_eq!(open, ["Gone"]);

    // Without as_of, at the same `now`, everything counts.
    let d = run_as_of(&mut source, &clients, &prompts, None).unwrap();
    assert_eq!(d.clients.len(), 2, "Later and Acme");
    assert_eq!(d.archived.len(), 2);
}
