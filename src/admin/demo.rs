//! `olifant demo`: the whole loop offline, in seconds, through the real code paths.
//!
//! Six example clients are tracked for six simulated months. Every simulated Monday the real
//! scheduler decides who is due and the real prompt run writes the prompts, as `.eml` files,
//! into the local outbox (the file transport). The imaginary owner answers them in the local
//! inbox (a Maildir) in the styles of real mail clients — quoted prompts, signatures, Dutch
//! or English — plus an out-of-office and a bounce, and the real ingest pass reads them.
//! Nothing bypasses the code real mail goes through; only the clock is simulated.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::{DateTime, Datelike, Duration, NaiveTime, TimeZone, Utc};

use super::demo_replies::{self, Archetype, PromptSeen};
use crate::app::{App, AppError};
use crate::config;
use crate::ingest::maildir::MaildirSource;
use crate::ingest::pipeline::Folders;
use crate::ingest::source::{MailSession, MailSource};
use crate::model::{Cadence, Client, ClientKey, ClientStatus, Lang, PromptRecord};
use crate::send::file::FileSender;

/// What the demo did and where it left its files.
#[derive(Debug, Clone)]
pub struct DemoOutcome {
    /// The working directory.
    pub dir: PathBuf,
    /// The config written there (usable with `--config`).
    pub config_path: PathBuf,
    /// Simulated weekly runs.
    pub runs: usize,
    /// Prompts sent.
    pub prompts: usize,
    /// Reminders sent.
    pub reminders: usize,
    /// Replies written by the imaginary owner.
    pub replies: usize,
    /// Reflections stored by the pipeline.
    pub stored: usize,
    /// Auto-replies and bounces recognised.
    pub auto_replies: usize,
    /// Bounces recognised.
    pub bounces: usize,
    /// The terminal digest.
    pub digest_text: String,
    /// The digest as JSON.
    pub digest_json: serde_json::Value,
    /// Where the HTML digest was written.
    pub html_path: PathBuf,
}

/// The demo's config file text for `dir`.
pub fn demo_config_toml(dir: &Path, lang: Lang) -> String {
    format!(
        "# Written by `olifant demo`: file outbox and Maildir inbox under data_dir, no mail server.\n\
data_dir = {dir:?}\n\n\
[owner]\nname = \"Demo Owner\"\naddresses = [\"owner@example.test\"]\nlanguage = \"{}\"\ntimezone = \"Europe/Amsterdam\"\n\n\
[bot]\naddress = \"olifant@example.test\"\n\n\
[schedule]\nprompt_cron = \"0 9 * * 1\"\nmax_prompts_per_run = 10\n",
        lang.code(),
        dir = dir.display().to_string()
    )
}

/// Runs the demo in `dir` (created when missing) and returns what it did.
pub async fn run_demo(
    dir: &Path,
    lang: Lang,
    real_now: DateTime<Utc>,
) -> Result<DemoOutcome, AppError> {
    let setup = write_config(dir, lang)?;
    let tz = setup.config.owner.timezone;
    let at_local = |day: chrono::NaiveDate, h: u32, m: u32| {
        tz.from_local_datetime(&day.and_time(NaiveTime::from_hms_opt(h, m, 0).unwrap_or_default()))
            .earliest()
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or(real_now)
    };
    // Six complete weeks of Mondays, 09:05 local, the last one ending when the current week
    // starts (Monday 00:00 local). Everything the simulation writes, delivers and ingests is
    // dated before that, so nothing the demo leaves behind lies after the real now, whatever
    // the day or hour it runs.
    let weeks = 26i64;
    let (first_monday, simulation_end) = simulated_weeks(real_now, tz, weeks);
    let simulation_end = at_local(simulation_end, 0, 0);
    let start = at_local(first_monday, 8, 0);

    let sender = Arc::new(FileSender::new(setup.outbox.clone()));
    let app = App::open_with_sender(setup.config, sender, start)?;
    let archetypes = add_clients(&app, start, simulation_end)?;

    let source = MaildirSource::new(setup.inbox, std::time::Duration::from_millis(10));
    let mut session = source.connect().await?;
    let (_, folders) = crate::ingest::pipeline::mail_source(&app)?;
    let mut sim = Simulation {
        app: &app,
        lang,
        outbox: setup.outbox,
        archetypes,
        cycles: BTreeMap::new(),
        seen_files: BTreeSet::new(),
        pending: Vec::new(),
        extra_id: 0,
        out: DemoOutcome {
            dir: dir.to_path_buf(),
            config_path: setup.config_path,
            runs: 0,
            prompts: 0,
            reminders: 0,
            replies: 0,
            stored: 0,
            auto_replies: 0,
            bounces: 0,
            digest_text: String::new(),
            digest_json: serde_json::Value::Null,
            html_path: dir.join("digest").join("index.html"),
        },
    };
    for w in 0..weeks {
        let monday = first_monday + Duration::weeks(w);
        let t = at_local(monday, 9, 5);
        sim.run_prompts(t).await?;
        sim.answer_prompts(w, t)?;
        sim.deliver_and_ingest(&mut *session, &folders, t).await?;
    }
    let _ = session.logout().await;

    let mut out = sim.out;
    let digest = crate::digest::run::build_digest(&app, real_now, None, Some(lang))?;
    out.digest_text = crate::digest::render_terminal(&digest, lang, false);
    out.digest_json = crate::digest::to_json(&digest);
    let rendered = crate::digest::run::render_digest(&app, &digest)?;
    write_html(&out.html_path, &rendered)?;
    Ok(out)
}

/// Where the demo's config was written, the config, and its outbox and inbox.
struct Setup {
    config_path: PathBuf,
    config: config::Config,
    outbox: PathBuf,
    inbox: PathBuf,
}

/// Creates `dir` and writes the demo's config into it.
fn write_config(dir: &Path, lang: Lang) -> Result<Setup, AppError> {
    let io = |path: &Path, source| AppError::Io {
        path: path.to_path_buf(),
        source,
    };
    std::fs::create_dir_all(dir).map_err(|e| io(dir, e))?;
    let config_path = dir.join("config.toml");
    let text = demo_config_toml(dir, lang);
    std::fs::write(&config_path, &text).map_err(|e| io(&config_path, e))?;
    let config = config::parse_str(&text, &config_path.display().to_string())?;
    let outbox = match &config.send {
        config::SendConfig::File { dir } => dir.clone(),
        _ => dir.join("outbox"),
    };
    let inbox = match &config.receive {
        config::ReceiveConfig::Maildir { path } => path.clone(),
        _ => dir.join("inbox"),
    };
    Ok(Setup {
        config_path,
        config,
        outbox,
        inbox,
    })
}

/// Stores the example clients (the new one since shortly before the end, the others since
/// before the start) and returns each one's archetype.
fn add_clients(
    app: &App,
    start: DateTime<Utc>,
    simulation_end: DateTime<Utc>,
) -> Result<BTreeMap<ClientKey, Archetype>, AppError> {
    let demo_clients = demo_replies::clients();
    let mut archetypes: BTreeMap<ClientKey, Archetype> = BTreeMap::new();
    for (i, c) in demo_clients.iter().enumerate() {
        let since = if c.archetype == Archetype::NewClient {
            simulation_end - Duration::days(40)
        } else {
            start - Duration::days(35 + i as i64)
        };
        let client = Client {
            name: c.name.to_string(),
            cadence: Cadence::Monthly,
            revenue: Some(c.revenue),
            tags: vec!["demo".into()],
            status: ClientStatus::Active,
            since,
        };
        archetypes.insert(client.key(), c.archetype);
        app.store.put_client(&client)?;
    }
    app.store.flush()?;
    Ok(archetypes)
}

/// The simulation from week to week.
struct Simulation<'a> {
    app: &'a App,
    lang: Lang,
    /// Where the prompts arrive.
    outbox: PathBuf,
    /// Each client's archetype.
    archetypes: BTreeMap<ClientKey, Archetype>,
    /// Prompts answered (or bounced) so far, per client.
    cycles: BTreeMap<ClientKey, usize>,
    /// Outbox files already read.
    seen_files: BTreeSet<PathBuf>,
    /// The owner's mail not delivered yet, and when it arrives.
    pending: Vec<(DateTime<Utc>, Vec<u8>)>,
    /// Numbers the owner's Message-IDs.
    extra_id: u32,
    out: DemoOutcome,
}

impl Simulation<'_> {
    /// One weekly run of the real scheduler and prompt run, at `t`.
    async fn run_prompts(&mut self, t: DateTime<Utc>) -> Result<(), AppError> {
        self.out.runs += 1;
        let fixed = move || t;
        let report = crate::prompt::run::run_prompts(self.app, t, &fixed).await?;
        self.out.prompts += report.sent.len();
        self.out.reminders += report.reminded.len();
        Ok(())
    }

    /// Answers this run's prompts (and reminders) the way the owner would.
    fn answer_prompts(&mut self, w: i64, t: DateTime<Utc>) -> Result<(), AppError> {
        for (path, raw) in new_files(&self.outbox, &mut self.seen_files) {
            let _ = path;
            let Some(seen) = Seen::read(&raw) else {
                continue;
            };
            let Some(prompt) = prompt_of(self.app, &seen.message_id)? else {
                continue;
            };
            let is_reminder = seen.message_id.ends_with(&format!(
                ".r@{}",
                crate::prompt::token::message_id_domain(&self.app.config.bot.address)
            ));
            if seen.message_id != prompt.message_id && !is_reminder {
                continue; // a receipt, not something to answer
            }
            self.answer(w, t, &seen, &prompt, is_reminder);
        }
        Ok(())
    }

    /// The owner's answer to one prompt or reminder, by the client's archetype and cycle.
    fn answer(
        &mut self,
        w: i64,
        t: DateTime<Utc>,
        seen: &Seen,
        prompt: &PromptRecord,
        is_reminder: bool,
    ) {
        let app = self.app;
        let lang = self.lang;
        let archetype = self
            .archetypes
            .get(&prompt.client)
            .copied()
            .unwrap_or(Archetype::NewClient);
        let n = *self.cycles.get(&prompt.client).unwrap_or(&0);
        self.extra_id += 1;
        let extra_id = self.extra_id;
        let mid = |kind: &str| format!("demo-{kind}-{w}-{extra_id}@owner.example.test");
        let view = PromptSeen {
            reply_to: &seen.reply_to,
            message_id: &seen.message_id,
            subject: &seen.subject,
            text: &seen.text,
            from: &app.config.bot.address,
            date: t,
        };
        let owner = app.config.owner.addresses[0].clone();
        match (archetype, n, is_reminder) {
            // The slow supplier's prompt meets an out-of-office first; the answer follows.
            (Archetype::SlowSupplier, 1, false) => {
                self.pending.push((
                    t + Duration::hours(1),
                    demo_replies::out_of_office(lang, &view, &owner, t, &mid("ooo")),
                ));
                self.pending.push((
                    t + Duration::days(2),
                    demo_replies::reply_message(
                        archetype,
                        n,
                        lang,
                        &view,
                        &owner,
                        t + Duration::days(2),
                        &mid("re"),
                    ),
                ));
                self.cycles.insert(prompt.client.clone(), n + 1);
                self.out.replies += 1;
            }
            // One prompt to the micro-manager bounces (mailbox full): no answer that month.
            (Archetype::MicroManager, 2, false) => {
                self.pending.push((
                    t + Duration::minutes(5),
                    demo_replies::bounce(&view, &app.config.bot.address, t, &mid("dsn")),
                ));
                self.cycles.insert(prompt.client.clone(), n + 1);
            }
            // The scope creeper's third prompt waits for its reminder.
            (Archetype::ScopeCreeper, 3, false) => {}
            _ => {
                let when = t + Duration::hours(20);
                self.pending.push((
                    when,
                    demo_replies::reply_message(
                        archetype,
                        n,
                        lang,
                        &view,
                        &owner,
                        when,
                        &mid("re"),
                    ),
                ));
                self.cycles.insert(prompt.client.clone(), n + 1);
                self.out.replies += 1;
            }
        }
    }

    /// Delivers what is due before the next Monday, then ingests, a day at a time.
    async fn deliver_and_ingest(
        &mut self,
        session: &mut dyn MailSession,
        folders: &Folders,
        t: DateTime<Utc>,
    ) -> Result<(), AppError> {
        for day in 1..7 {
            let now = t + Duration::days(day);
            let (due, later): (Vec<_>, Vec<_>) =
                self.pending.drain(..).partition(|(when, _)| *when <= now);
            self.pending = later;
            if due.is_empty() {
                continue;
            }
            for (when, raw) in &due {
                session.append_received("INBOX", raw, Some(*when)).await?;
            }
            let fixed = move || now;
            let r =
                crate::ingest::pipeline::ingest_pass(self.app, session, folders, &fixed).await?;
            self.out.stored += r.stored + r.merged;
            self.out.auto_replies += r.auto_replies;
            self.out.bounces += r.bounces;
        }
        Ok(())
    }
}

/// The first simulated Monday and the day the simulation ends (the Monday that starts the
/// week of `real_now` in `tz`): `weeks` whole weeks, none of them reaching `real_now`.
fn simulated_weeks(
    real_now: DateTime<Utc>,
    tz: chrono_tz::Tz,
    weeks: i64,
) -> (chrono::NaiveDate, chrono::NaiveDate) {
    let today = real_now.with_timezone(&tz).date_naive();
    let this_monday = today - Duration::days(i64::from(today.weekday().num_days_from_monday()));
    (this_monday - Duration::weeks(weeks), this_monday)
}

/// Writes the HTML digest and its images into the directory of `index`.
pub fn write_html(index: &Path, rendered: &crate::digest::RenderedDigest) -> Result<(), AppError> {
    let dir = index.parent().unwrap_or(Path::new("."));
    let io = |path: &Path, source| AppError::Io {
        path: path.to_path_buf(),
        source,
    };
    std::fs::create_dir_all(dir).map_err(|e| io(dir, e))?;
    for img in &rendered.images {
        let p = dir.join(&img.filename);
        std::fs::write(&p, &img.png).map_err(|e| io(&p, e))?;
    }
    let html = crate::digest::html_with_file_images(rendered);
    std::fs::write(index, html).map_err(|e| io(index, e))?;
    Ok(())
}

fn prompt_of(app: &App, message_id: &str) -> Result<Option<PromptRecord>, AppError> {
    let Some(token) = crate::prompt::token::token_from_message_id(message_id) else {
        return Ok(None);
    };
    let Some(id) = app.key.verify(token) else {
        return Ok(None);
    };
    Ok(app.store.prompt(id)?)
}

fn new_files(outbox: &Path, seen: &mut BTreeSet<PathBuf>) -> Vec<(PathBuf, Vec<u8>)> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(outbox.join("new"))
        .map(|rd| rd.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    files.sort();
    files
        .into_iter()
        .filter(|p| seen.insert(p.clone()))
        .filter_map(|p| std::fs::read(&p).ok().map(|raw| (p, raw)))
        .collect()
}

/// What the owner's mail client shows of a prompt.
struct Seen {
    message_id: String,
    reply_to: String,
    subject: String,
    text: String,
}

impl Seen {
    fn read(raw: &[u8]) -> Option<Seen> {
        let m = mail_parser::MessageParser::default().parse(raw)?;
        let reply_to = m
            .reply_to()
            .and_then(|a| a.first())
            .and_then(|a| a.address())
            .map(str::to_string)?;
        Some(Seen {
            message_id: m.message_id()?.to_string(),
            reply_to,
            subject: m.subject().unwrap_or_default().to_string(),
            text: m.body_text(0).map(|t| t.into_owned()).unwrap_or_default(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Weekday;
    use chrono_tz::Europe::Amsterdam;

    #[test]
    fn the_simulated_weeks_are_whole_and_end_before_now_on_every_day_and_hour() {
        // Two weeks of hours around the spring DST change, and the turn of a year in UTC.
        let starts = [
            Utc.with_ymd_and_hms(2027, 3, 21, 0, 30, 0).unwrap(),
            Utc.with_ymd_and_hms(2027, 12, 24, 0, 59, 0).unwrap(),
        ];
        for start in starts {
            for h in 0..24 * 14 {
                let now = start + Duration::hours(h);
                let (first, end) = simulated_weeks(now, Amsterdam, 26);
                assert_eq!(first.weekday(), Weekday::Mon, "{now}");
                assert_eq!(end.weekday(), Weekday::Mon, "{now}");
                assert_eq!(end - first, Duration::weeks(26), "{now}");
                let end_local = Amsterdam
                    .from_local_datetime(&end.and_hms_opt(0, 0, 0).unwrap())
                    .earliest()
                    .unwrap();
                assert!(
                    end_local <= now,
                    "the simulation ends after {now}: {end_local}"
                );
                assert!(
                    now - end_local.with_timezone(&Utc) < Duration::weeks(1),
                    "a whole week between the simulation's end {end_local} and {now}"
                );
            }
        }
    }
}
