//! Fault injection against the real private Dovecot + Postfix
//! (`scripts/test --test servers faults::`).
//!
//! Every scenario runs small here (the whole file in well under a minute of server time);
//! `scripts/faults` runs the same code with `OLIFANT_FAULTS_FULL=1` and the full sizes
//! (1,000 replies and 50 kills, long outages). Sizes can also be set one by one:
//! `OLIFANT_FAULTS_REPLIES`, `OLIFANT_FAULTS_KILLS`, `OLIFANT_FAULTS_SEED`,
//! `OLIFANT_FAULTS_DOVECOT_DOWN_SECS`, `OLIFANT_FAULTS_POSTFIX_DOWN_SECS`.
//!
//! The daemon under test is the real binary (`olifant run`), started as a child process with
//! a config pointing at the test servers. Failpoints (`OLIFANT_FAILPOINT`) need the
//! `failpoints` feature, which `scripts/test` turns on.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use olifant::admin::demo_replies::{self, Archetype, PromptSeen};
use olifant::app::App;
use olifant::model::{Lang, PromptRecord, PromptStatus, SendState};
use olifant::send::file::FileSender;
use olifant::store::{EventKind, Store};

use crate::common;
use crate::support::{self, ImapSession, Servers, SERVERS_LOCK};

const PROCESSED: &str = "olifant/processed";

// ------------------------------------------------------------------------------ knobs

fn full() -> bool {
    std::env::var("OLIFANT_FAULTS_FULL").is_ok_and(|v| v == "1")
}

fn knob(name: &str, quick: u64, full_size: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(if full() { full_size } else { quick })
}

/// A small xorshift generator: kill points are reproducible from the printed seed.
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

// ------------------------------------------------------------------------------ fixture

/// One owner, one bot mailbox, one data directory, and replies to prompts made in it.
struct Fixture {
    servers: Servers,
    _tmp: tempfile::TempDir,
    dir: PathBuf,
    data_dir: PathBuf,
    config_path: PathBuf,
    log_path: PathBuf,
    bot: String,
    owner: String,
    mailbox: String,
}

/// What the fixture's config says beyond the basics.
#[derive(Clone)]
struct Setup {
    mailbox: &'static str,
    prompt_cron: &'static str,
    digest_cron: &'static str,
}

impl Default for Setup {
    fn default() -> Self {
        Setup {
            mailbox: "INBOX",
            prompt_cron: "0 0 1 1 *",
            digest_cron: "0 0 1 1 *",
        }
    }
}

impl Fixture {
    fn new(tag: &str, setup: Setup) -> Fixture {
        let servers = Servers::get();
        let tmp = tempfile::Builder::new()
            .prefix(&format!("olifant-faults-{tag}-"))
            .tempdir()
            .expect("temp dir");
        let dir = tmp.path().to_path_buf();
        let data_dir = dir.join("data");
        let bot = support::unique_user(&format!("fbot-{tag}"));
        let owner = support::unique_user(&format!("fown-{tag}"));
        let pw = support::password_file(&dir, &servers.password);
        let config = format!(
            "data_dir = {data:?}\n\
             [owner]\nname = \"Fault Owner\"\naddresses = [{owner:?}]\nlanguage = \"en\"\ntimezone = \"UTC\"\n\
             [bot]\naddress = {bot:?}\n\
             [smtp]\nhost = \"127.0.0.1\"\nsecurity = \"none\"\nport = {smtp}\nconnect_timeout_secs = 5\nsend_timeout_secs = 30\n\
             [imap]\nhost = \"127.0.0.1\"\nsecurity = \"none\"\nport = {imap}\nusername = {bot:?}\npassword_file = {pw:?}\n\
             mailbox = {mailbox:?}\nprocessed_mailbox = {PROCESSED:?}\nconnect_timeout_secs = 5\ncommand_timeout_secs = 20\n\
             [schedule]\nprompt_cron = {pc:?}\ndigest_cron = {dc:?}\nmax_prompts_per_run = 50\n\
             [ingest]\nreceipts = false\n",
            data = data_dir.display().to_string(),
            smtp = servers.smtp_port,
            imap = servers.imap_port,
            pw = pw.display().to_string(),
            mailbox = setup.mailbox,
            pc = setup.prompt_cron,
            dc = setup.digest_cron,
        );
        let config_path = dir.join("config.toml");
        std::fs::write(&config_path, config).expect("config");
        support::chmod(&config_path, 0o600);
        Fixture {
            servers,
            log_path: dir.join("olifant.log"),
            _tmp: tmp,
            dir,
            data_dir,
            config_path,
            bot,
            owner,
            mailbox: setup.mailbox.to_string(),
        }
    }

    fn config(&self) -> olifant::config::Config {
        olifant::config::load(&self.config_path).expect("fixture config is valid")
    }

    /// Opens the app in this process (file sender: nothing leaves), e.g. to make prompts.
    fn app(&self) -> App {
        App::open_with_sender(
            self.config(),
            Arc::new(FileSender::new(self.dir.join("outbox"))),
            olifant::clock::now(),
        )
        .expect("open app")
    }

    /// Opens the app in this process with the configured (real) transports.
    fn real_app(&self) -> App {
        App::open(self.config(), olifant::clock::now()).expect("open app")
    }

    /// Makes `n` clients with one open prompt each and returns the owner's replies (the
    /// way a mail client writes them: quoted prompt, answers inline).
    fn prompts_and_replies(&self, n: usize) -> Vec<Vec<u8>> {
        let app = self.app();
        let now = olifant::clock::now();
        // Replies carry one Date for the whole test binary, so scenarios that run at different
        // moments compare equal (the reflection date comes from the reply's Date header).
        let written = replies_date();
        app.store
            .update_meta(|m| m.last_prompt_run = Some(now))
            .expect("meta");
        let archetypes = [
            Archetype::LoyalPromoter,
            Archetype::Haggler,
            Archetype::ScopeCreeper,
            Archetype::SlowSupplier,
            Archetype::MicroManager,
            Archetype::NewClient,
        ];
        let mut replies = Vec::with_capacity(n);
        for i in 0..n {
            let client =
                common::client(&format!("Client {i:05}"), now - chrono::Duration::days(400));
            app.store.put_client(&client).expect("client");
            let id = olifant::prompt::run::fresh_prompt_id(&app).expect("prompt id");
            let mail =
                olifant::prompt::run::compose_prompt_for(&app, &client, id, now).expect("compose");
            app.store
                .put_prompt(&PromptRecord {
                    id,
                    client: client.key(),
                    client_name: client.name.clone(),
                    lang: Lang::En,
                    occurrence: now,
                    created_at: now,
                    message_id: mail.message_id.clone(),
                    subject: mail.subject.clone(),
                    send: SendState::Sent { at: now },
                    status: PromptStatus::Open,
                    reminder: None,
                })
                .expect("prompt");
            let seen = PromptSeen {
                reply_to: &mail.reply_to,
                message_id: &mail.message_id,
                subject: &mail.subject,
                text: &mail.text,
                from: &self.bot,
                date: now,
            };
            replies.push(demo_replies::reply_message(
                archetypes[i % archetypes.len()],
                i / archetypes.len(),
                Lang::En,
                &seen,
                &self.owner,
                written,
                &format!("fault-reply-{i}@owner.example.test"),
            ));
        }
        app.store.flush().expect("flush");
        replies
    }

    fn daemon(&self, failpoint: Option<&str>) -> Daemon {
        self.daemon_with(failpoint, None)
    }

    /// [`Fixture::daemon`] with ingest batches of `batch` messages (`OLIFANT_INGEST_BATCH`).
    fn daemon_with(&self, failpoint: Option<&str>, batch: Option<usize>) -> Daemon {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.log_path)
            .expect("log file");
        let mut cmd = common::olifant(&self.dir);
        cmd.arg("--config")
            .arg(&self.config_path)
            .arg("run")
            .env("OLIFANT_TICK_SECONDS", "1")
            .env("RUST_LOG", "info")
            .env_remove("OLIFANT_FAILPOINT")
            .stdout(log.try_clone().expect("log"))
            .stderr(log);
        if let Some(fp) = failpoint {
            cmd.env("OLIFANT_FAILPOINT", fp);
        }
        match batch {
            Some(n) => cmd.env("OLIFANT_INGEST_BATCH", n.to_string()),
            None => cmd.env_remove("OLIFANT_INGEST_BATCH"),
        };
        Daemon {
            runs_before: running_lines(&self.log_path),
            log_path: self.log_path.clone(),
            child: cmd.spawn().expect("spawn olifant run"),
        }
    }

    /// Runs the olifant binary once with `args` and returns (success, stdout, stderr).
    fn cli(&self, args: &[&str]) -> (bool, String, String) {
        let out = common::olifant(&self.dir)
            .arg("--config")
            .arg(&self.config_path)
            .args(args)
            .env_remove("OLIFANT_FAILPOINT")
            .output()
            .expect("run olifant");
        (
            out.status.success(),
            common::text(&out.stdout),
            common::text(&out.stderr),
        )
    }

    async fn session(&self) -> ImapSession {
        self.servers.login(&self.bot).await
    }

    async fn append_all(&self, replies: &[Vec<u8>]) {
        let mut s = self.session().await;
        if !support::session_list(&mut s).await.contains(&self.mailbox) {
            s.create(&self.mailbox).await.expect("create mailbox");
        }
        for raw in replies {
            tokio::time::timeout(
                support::STEP_TIMEOUT,
                s.append(&self.mailbox, None, None, raw),
            )
            .await
            .expect("APPEND in time")
            .expect("APPEND");
        }
        let _ = s.logout().await;
    }

    /// (messages in the watched mailbox, messages in the processed folder).
    async fn counts(&self) -> (u32, u32) {
        let mut s = self.session().await;
        let a = s.select(&self.mailbox).await.map(|m| m.exists).unwrap_or(0);
        let b = s.select(PROCESSED).await.map(|m| m.exists).unwrap_or(0);
        let _ = s.logout().await;
        (a, b)
    }

    /// Waits until the watched mailbox is empty and `n` messages are in the processed folder.
    async fn wait_all_moved(&self, n: u32, timeout: Duration) {
        let deadline = Instant::now() + timeout;
        loop {
            let (inbox, processed) = self.counts().await;
            if inbox == 0 && processed >= n {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "{}: after {timeout:?} {inbox} message(s) still in {} and {processed}/{n} processed; log: {}",
                self.bot,
                self.mailbox,
                self.log_tail()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(&self.log_path).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(15)..].join("\n")
    }

    /// Opens the store (no daemon may be running) and reads the golden state.
    fn golden(&self) -> Golden {
        let store = Store::open(&self.data_dir).expect("open store after the daemon stopped");
        golden_of(&store, &self.mailbox)
    }
}

/// What must be identical however ingestion was interrupted.
#[derive(Debug, PartialEq)]
struct Golden {
    /// Client name → (answers, notes, date, sources) of its reflections.
    reflections: BTreeMap<String, Vec<String>>,
    /// Reflections in total.
    count: usize,
    /// Prompts answered.
    answered: usize,
    /// The checkpoint's last UID.
    last_uid: u32,
}

/// The Date of every generated reply in this test binary: a minute before its first use,
/// whole seconds (what a Date header can carry).
fn replies_date() -> chrono::DateTime<chrono::Utc> {
    static DATE: std::sync::OnceLock<chrono::DateTime<chrono::Utc>> = std::sync::OnceLock::new();
    *DATE.get_or_init(|| {
        let t = olifant::clock::now() - chrono::Duration::minutes(1);
        chrono::DateTime::from_timestamp(t.timestamp(), 0).unwrap_or(t)
    })
}

fn golden_of(store: &Store, mailbox: &str) -> Golden {
    let mut reflections: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let prompts = store.prompts().expect("prompts");
    let names: BTreeMap<_, _> = prompts
        .iter()
        .map(|p| (p.id, p.client_name.clone()))
        .collect();
    let all = store.reflections().expect("reflections");
    for r in &all {
        let name = r
            .prompt
            .and_then(|id| names.get(&id).cloned())
            .unwrap_or_else(|| r.client.to_string());
        reflections.entry(name).or_default().push(format!(
            "{}|{:?}|{}|{:?}",
            serde_json::to_string(&r.answers).expect("json"),
            r.notes,
            r.date,
            r.sources
        ));
    }
    Golden {
        reflections,
        count: all.len(),
        answered: prompts
            .iter()
            .filter(|p| matches!(p.status, PromptStatus::Answered { .. }))
            .count(),
        last_uid: store
            .checkpoint(mailbox)
            .expect("checkpoint")
            .map_or(0, |c| c.last_uid),
    }
}

/// A running `olifant run`.
struct Daemon {
    child: Child,
    log_path: PathBuf,
    /// "olifant is running" lines in the shared log before this one started.
    runs_before: usize,
}

fn running_lines(log: &Path) -> usize {
    std::fs::read_to_string(log)
        .unwrap_or_default()
        .matches("olifant is running")
        .count()
}

impl Daemon {
    fn pid(&self) -> u32 {
        self.child.id()
    }

    /// kill -9.
    fn kill9(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// SIGTERM, then waits for a clean exit. Waits first until the daemon is up (its signal
    /// handlers installed) and has had time for one ingest pass.
    fn stop(mut self) {
        let deadline = Instant::now() + Duration::from_secs(20);
        while running_lines(&self.log_path) <= self.runs_before {
            assert!(
                Instant::now() < deadline,
                "the daemon never said it was running"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        std::thread::sleep(Duration::from_millis(1500));
        let ok = Command::new("kill")
            .arg("-TERM")
            .arg(self.pid().to_string())
            .status()
            .is_ok_and(|s| s.success());
        assert!(ok, "could not send SIGTERM to the daemon");
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(status) = self.child.try_wait().expect("wait") {
                assert!(
                    status.success(),
                    "the daemon exited with {status} on SIGTERM"
                );
                return;
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                panic!("the daemon did not stop within 20 s of SIGTERM");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Waits for the process to end by itself (a failpoint abort); returns whether it did.
    fn wait_exit(&mut self, timeout: Duration) -> Option<std::process::ExitStatus> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(status) = self.child.try_wait().expect("wait") {
                return Some(status);
            }
            if Instant::now() > deadline {
                return None;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        // A panicking test must not leave its daemon behind.
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

async fn uid_next(f: &Fixture) -> u32 {
    let mut s = f.session().await;
    let mb = s.select(&f.mailbox).await.expect("select");
    let _ = s.logout().await;
    mb.uid_next.expect("UIDNEXT")
}

fn assert_each_stored_once(g: &Golden, n: usize, what: &str) {
    assert_eq!(
        g.count, n,
        "{what}: reflections stored (lost or duplicated)"
    );
    assert_eq!(g.reflections.len(), n, "{what}: clients with a reflection");
    for (client, rs) in &g.reflections {
        assert_eq!(rs.len(), 1, "{what}: {client} has {} reflections", rs.len());
        assert!(
            rs[0].ends_with("\"]") && rs[0].matches("fault-reply-").count() == 1,
            "{what}: {client}: not exactly one source: {}",
            rs[0]
        );
    }
    assert_eq!(g.answered, n, "{what}: prompts marked answered");
}

/// Message-IDs in the processed folder: every reply there exactly once.
async fn assert_processed_exactly_once(f: &Fixture, n: usize) {
    let all = f.servers.uid_fetch_all(&f.bot, PROCESSED).await;
    let mut ids = BTreeSet::new();
    for (_, raw) in &all {
        let text = String::from_utf8_lossy(raw);
        let id = text
            .lines()
            .find_map(|l| l.strip_prefix("Message-ID: "))
            .unwrap_or("?")
            .to_string();
        assert!(ids.insert(id.clone()), "{id} is twice in {PROCESSED}");
    }
    assert_eq!(ids.len(), n, "replies in {PROCESSED}");
}

// ------------------------------------------------------------------------------ 1. kill -9

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs the private mail servers: run bash scripts/test"]
async fn kill_9_at_random_points_loses_and_duplicates_no_reply() {
    let _shared = SERVERS_LOCK.read().await;
    let n = knob("OLIFANT_FAULTS_REPLIES", 100, 1000) as usize;
    let kills = knob("OLIFANT_FAULTS_KILLS", 5, 50) as usize;
    let seed = knob(
        "OLIFANT_FAULTS_SEED",
        olifant::clock::now().timestamp_nanos_opt().unwrap_or(7) as u64 | 1,
        olifant::clock::now().timestamp_nanos_opt().unwrap_or(7) as u64 | 1,
    );
    println!("kill -9 scenario: {n} replies, {kills} kills, OLIFANT_FAULTS_SEED={seed}");
    let mut rng = XorShift(seed);
    let f = Fixture::new("kill", Setup::default());
    let replies = f.prompts_and_replies(n);
    let waves = kills.max(1);
    let per_wave = n.div_ceil(waves);
    let mut delivered = 0;
    for k in 0..kills {
        // New mail arrives while olifant is down and while it runs.
        let wave_end = (delivered + per_wave).min(n);
        let (before, during) = replies[delivered..wave_end].split_at((wave_end - delivered) / 2);
        f.append_all(before).await;
        let d = f.daemon(None);
        f.append_all(during).await;
        delivered = wave_end;
        // Kill somewhere between start-up and well into the batch.
        let delay = Duration::from_millis(rng.below(1200));
        tokio::time::sleep(delay).await;
        d.kill9();
        let (left, processed) = f.counts().await;
        println!("kill {k}: after {delay:?}; {left} waiting, {processed} processed of {delivered} delivered");
    }
    f.append_all(&replies[delivered..]).await;
    let d = f.daemon(None);
    f.wait_all_moved(n as u32, Duration::from_secs(60 + n as u64 / 10))
        .await;
    d.stop();
    let g = f.golden();
    assert_each_stored_once(&g, n, &format!("seed {seed}"));
    assert_eq!(g.last_uid, uid_next(&f).await - 1, "checkpoint advanced");
    assert_processed_exactly_once(&f, n).await;
}

// ------------------------------------------------------------------------------ 2. every step

/// Failpoints on the ingest path and hits to crash at; `name:2` crashes in the second batch.
const INGEST_FAILPOINTS: &[&str] = &[
    "ingest.after_list",
    "ingest.after_fetch",
    "ingest.after_handle",
    "ingest.after_handle:7",
    "ingest.after_flush",
    "ingest.after_flush:2",
    "ingest.after_move",
    "ingest.after_move:2",
    "ingest.after_checkpoint",
    "ingest.after_checkpoint:2",
];

/// Failpoints hit inside one pass of batches of [`SMALL_BATCH`] messages, where each batch
/// is moved while the next one is handled: `name:k` crashes at the k-th hit of that pass.
const SMALL_BATCH_FAILPOINTS: &[&str] = &[
    "ingest.after_handle:8",
    "ingest.after_flush:3",
    "ingest.after_move",
    "ingest.after_move:4",
    "ingest.after_checkpoint:3",
];
const SMALL_BATCH: usize = 3;

/// Crashes one ingestion at `fp`, resumes, and returns the state after one more run.
async fn crash_at_and_resume(fp: Option<&'static str>, n: usize) -> (Golden, String) {
    crash_at_and_resume_in(fp, n, None).await
}

/// [`crash_at_and_resume`] with ingest batches of `batch` messages, all replies in one pass.
async fn crash_at_and_resume_in(
    fp: Option<&'static str>,
    n: usize,
    batch: Option<usize>,
) -> (Golden, String) {
    let f = Fixture::new("step", Setup::default());
    let replies = f.prompts_and_replies(n);
    let second_batch = batch.is_none() && fp.is_some_and(|s| s.ends_with(":2"));
    let (first, second) = if second_batch {
        replies.split_at(n / 2)
    } else {
        replies.split_at(n)
    };
    f.append_all(first).await;
    let mut d = f.daemon_with(fp, batch);
    if second_batch {
        f.wait_all_moved(first.len() as u32, Duration::from_secs(60))
            .await;
        f.append_all(second).await;
    }
    if let Some(fp) = fp {
        let status = d
            .wait_exit(Duration::from_secs(60))
            .unwrap_or_else(|| panic!("failpoint {fp} was never hit; log: {}", f.log_tail()));
        assert!(
            status.code().is_none(),
            "{fp}: expected an abort, got {status}"
        );
        drop(d);
        // The resumed run.
        let d = f.daemon_with(None, batch);
        f.wait_all_moved(n as u32, Duration::from_secs(60)).await;
        d.stop();
    } else {
        f.wait_all_moved(n as u32, Duration::from_secs(60)).await;
        d.stop();
    }
    let after_resume = f.golden();
    assert_each_stored_once(&after_resume, n, fp.unwrap_or("no failpoint"));
    let last = uid_next(&f).await - 1;
    if fp.is_some_and(|s| s.starts_with("ingest.after_move")) {
        // Finding: after a crash between the move and the checkpoint the resumed pass lists
        // nothing (all moved) and leaves the checkpoint behind until the next message
        // arrives. Harmless (the moved mail is gone from the mailbox), but not "advanced".
        assert!(
            after_resume.last_uid <= last,
            "{fp:?}: checkpoint beyond UIDNEXT"
        );
        println!(
            "{fp:?}: checkpoint {} of {last} after resuming",
            after_resume.last_uid
        );
    } else {
        assert_eq!(
            after_resume.last_uid, last,
            "{fp:?}: checkpoint advanced to the last UID"
        );
    }
    assert_processed_exactly_once(&f, n).await;
    // One more run changes nothing.
    let d = f.daemon_with(None, batch);
    tokio::time::sleep(Duration::from_millis(2500)).await;
    d.stop();
    let again = f.golden();
    assert_eq!(
        again, after_resume,
        "{fp:?}: one more run changed the store"
    );
    assert_eq!(f.counts().await, (0, n as u32), "{fp:?}: mailboxes changed");
    (after_resume, fp.unwrap_or("none").to_string())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs the private mail servers: run bash scripts/test"]
async fn a_crash_at_every_ingest_step_resumes_to_the_same_state() {
    let _shared = SERVERS_LOCK.read().await;
    let n = knob("OLIFANT_FAULTS_STEP_REPLIES", 20, 20) as usize;
    let mut runs = vec![tokio::spawn(crash_at_and_resume(None, n))];
    for fp in INGEST_FAILPOINTS {
        runs.push(tokio::spawn(crash_at_and_resume(Some(fp), n)));
    }
    for fp in SMALL_BATCH_FAILPOINTS {
        runs.push(tokio::spawn(crash_at_and_resume_in(
            Some(fp),
            n,
            Some(SMALL_BATCH),
        )));
    }
    let mut results = Vec::new();
    for r in runs {
        results.push(r.await.expect("scenario task"));
    }
    let (reference, _) = &results[0];
    for (g, fp) in &results[1..] {
        assert_eq!(
            g.reflections, reference.reflections,
            "crash at {fp}: reflections differ from an uninterrupted run"
        );
        assert_eq!(g.count, reference.count, "crash at {fp}");
    }
}

// ------------------------------------------------------------------------------ 3. Dovecot down

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs the private mail servers: run bash scripts/test"]
async fn dovecot_down_while_idle_reconnects_and_stores_what_arrived_meanwhile() {
    let _exclusive = SERVERS_LOCK.write().await;
    let down = knob("OLIFANT_FAULTS_DOVECOT_DOWN_SECS", 3, 10);
    let f = Fixture::new("dovecot", Setup::default());
    let replies = f.prompts_and_replies(6);
    f.append_all(&replies[..2]).await;
    let d = f.daemon(None);
    f.wait_all_moved(2, Duration::from_secs(30)).await;
    tokio::time::sleep(Duration::from_secs(1)).await; // now in IDLE
    let servers = f.servers.clone();
    let _restart = Restart(f.servers.clone(), "start-dovecot");
    tokio::task::spawn_blocking(move || servers.ctl("stop-dovecot"))
        .await
        .expect("stop dovecot");
    let stopped = Instant::now();
    // This Dovecot's master leaves running imap workers serving their clients after it stops
    // (the daemon's IDLE then never notices). End the workers of this user's sessions, by
    // the pids Dovecot logged for them, so the connection really drops.
    end_imap_workers(&f.servers, &f.bot);
    // Delivered while Dovecot is down: Postfix queues them. (Through `sendmail`: the test
    // Postfix's smtpd needs Dovecot's SASL socket and exits without it.)
    for raw in &replies[2..] {
        postfix_sendmail(&f.servers, &f.owner, &plus_address_of(raw), raw);
    }
    let rest = Duration::from_secs(down).saturating_sub(stopped.elapsed());
    tokio::time::sleep(rest).await;
    let servers = f.servers.clone();
    tokio::task::spawn_blocking(move || servers.ctl("start-dovecot"))
        .await
        .expect("start dovecot");
    let back = olifant::clock::now();
    let back_instant = Instant::now();
    f.wait_all_moved(6, Duration::from_secs(30)).await;
    println!(
        "Dovecot down {down} s; all replies stored {:?} after it returned",
        back_instant.elapsed()
    );
    d.stop();
    let g = f.golden();
    assert_each_stored_once(&g, 6, "after the outage");
    let store = Store::open(&f.data_dir).expect("store");
    let reconnected = store
        .events_since(back - chrono::Duration::seconds(1))
        .expect("events")
        .into_iter()
        .find(|e| e.kind == EventKind::Reconnected)
        .unwrap_or_else(|| panic!("no Reconnected event; log: {}", f.log_tail()));
    let lag = reconnected.at - back;
    println!(
        "reconnected {} ms after Dovecot returned",
        lag.num_milliseconds()
    );
    assert!(
        lag <= chrono::Duration::seconds(5),
        "the daemon reconnected {} ms after Dovecot returned (limit 5 s)",
        lag.num_milliseconds()
    );
}

/// Restarts a server when a test ends, even by panic (`ctl` is idempotent).
struct Restart(Servers, &'static str);

impl Drop for Restart {
    fn drop(&mut self) {
        self.0.ctl(self.1);
    }
}

/// Sends SIGTERM to the imap worker processes Dovecot logged for `user`'s logins.
fn end_imap_workers(s: &Servers, user: &str) {
    let log = std::fs::read_to_string(s.state_dir.join("dovecot.log")).unwrap_or_default();
    let needle = format!("Login: user=<{user}>");
    for line in log.lines().filter(|l| l.contains(&needle)) {
        let Some(pid) = line
            .split("mpid=")
            .nth(1)
            .and_then(|r| r.split(',').next())
            .and_then(|p| p.trim().parse::<u32>().ok())
        else {
            continue;
        };
        let _ = Command::new("kill")
            .arg("-TERM")
            .arg(pid.to_string())
            .stderr(Stdio::null())
            .status();
    }
}

/// Queues `raw` through the test Postfix's `sendmail` (pickup), not its SMTP listener.
fn postfix_sendmail(s: &Servers, from: &str, to: &str, raw: &[u8]) {
    use std::io::Write;
    let mut child = Command::new("/usr/sbin/sendmail")
        .arg("-C")
        .arg(s.state_dir.join("postfix"))
        .arg("-f")
        .arg(from)
        .arg("--")
        .arg(to)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run Postfix sendmail");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(raw)
        .expect("write to sendmail");
    let out = child.wait_with_output().expect("sendmail");
    assert!(
        out.status.success(),
        "sendmail failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The Reply-To plus-address a reply is written to (its `To:` header).
fn plus_address_of(raw: &[u8]) -> String {
    let text = String::from_utf8_lossy(raw);
    let to = text
        .lines()
        .find_map(|l| l.strip_prefix("To: "))
        .expect("reply has To:");
    to.trim_matches(|c| c == '<' || c == '>' || c == ' ')
        .to_string()
}

// ------------------------------------------------------------------------------ 4. Postfix down

/// Owner-inbox messages from olifant: Message-ID → count.
async fn received_by_owner(f: &Fixture) -> BTreeMap<String, usize> {
    let mut s = f.servers.login(&f.owner).await;
    let all = support::session_fetch_all(&mut s, "INBOX").await;
    let _ = s.logout().await;
    let mut out = BTreeMap::new();
    for (_, raw) in all {
        let text = String::from_utf8_lossy(&raw);
        let id = text
            .lines()
            .find_map(|l| {
                let lower = l.to_ascii_lowercase();
                lower
                    .starts_with("message-id:")
                    .then(|| l[11..].trim().to_string())
            })
            .unwrap_or_default();
        *out.entry(id).or_insert(0) += 1;
    }
    out
}

/// A fixture whose `clients` are due for a prompt at the first tick (and a digest, with
/// `digest`): the last runs were a day ago and the crons fire daily at midnight UTC.
fn due_fixture(tag: &str, clients: usize, digest: bool) -> Fixture {
    let f = Fixture::new(
        tag,
        Setup {
            prompt_cron: "0 0 * * *",
            digest_cron: if digest { "0 0 * * *" } else { "0 0 1 1 *" },
            ..Setup::default()
        },
    );
    let app = f.app();
    let now = olifant::clock::now();
    for i in 0..clients {
        app.store
            .put_client(&common::client(
                &format!("Due Client {i}"),
                now - chrono::Duration::days(90),
            ))
            .expect("client");
    }
    app.store
        .update_meta(|m| {
            m.last_prompt_run = Some(now - chrono::Duration::hours(25));
            m.last_digest_run = Some(now - chrono::Duration::hours(25));
        })
        .expect("meta");
    app.store.flush().expect("flush");
    f
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs the private mail servers: run bash scripts/test"]
async fn postfix_down_during_a_prompt_run_sends_each_prompt_exactly_once() {
    let _exclusive = SERVERS_LOCK.write().await;
    let down = knob("OLIFANT_FAULTS_POSTFIX_DOWN_SECS", 4, 20);
    let clients = if full() { 3 } else { 2 };
    let f = due_fixture("postfix", clients, false);
    let servers = f.servers.clone();
    let _restart = Restart(f.servers.clone(), "start-postfix");
    tokio::task::spawn_blocking(move || servers.ctl("stop-postfix"))
        .await
        .expect("stop postfix");
    let d = f.daemon(None);
    tokio::time::sleep(Duration::from_secs(down)).await;
    let servers = f.servers.clone();
    tokio::task::spawn_blocking(move || servers.ctl("start-postfix"))
        .await
        .expect("start postfix");
    let deadline = Instant::now() + Duration::from_secs(90);
    loop {
        let got = received_by_owner(&f).await;
        if got.len() >= clients {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "only {} of {clients} prompts arrived after Postfix returned; log: {}",
            got.len(),
            f.log_tail()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // A few more ticks: nothing may be sent twice.
    tokio::time::sleep(Duration::from_secs(3)).await;
    d.stop();
    let got = received_by_owner(&f).await;
    assert_eq!(got.len(), clients, "prompts received: {got:?}");
    assert!(
        got.values().all(|&c| c == 1),
        "a prompt arrived twice: {got:?}"
    );
    let store = Store::open(&f.data_dir).expect("store");
    let prompts = store.prompts().expect("prompts");
    assert_eq!(prompts.len(), clients, "one prompt per client");
    for p in &prompts {
        assert!(
            matches!(p.send, SendState::Sent { .. }),
            "{}: {:?}",
            p.client_name,
            p.send
        );
        assert!(
            got.contains_key(&format!("<{}>", p.message_id)),
            "{} not received",
            p.message_id
        );
    }
}

// ------------------------------------------------------------------------------ 5. crash after intent

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs the private mail servers: run bash scripts/test"]
async fn a_crash_after_the_intent_is_never_resent_and_reported_unknown() {
    let _shared = SERVERS_LOCK.read().await;
    let f = due_fixture("intent", 1, true);
    // First the prompt's send crashes after its intent; the next start crashes at the digest's.
    for what in ["prompt", "digest"] {
        let mut d = f.daemon(Some("outbox.after_intent"));
        let status = d
            .wait_exit(Duration::from_secs(30))
            .unwrap_or_else(|| panic!("{what}: failpoint not hit; log: {}", f.log_tail()));
        assert!(
            status.code().is_none(),
            "{what}: expected an abort, got {status}"
        );
    }
    let d = f.daemon(None);
    tokio::time::sleep(Duration::from_secs(4)).await;
    d.stop();
    let got = received_by_owner(&f).await;
    assert!(got.is_empty(), "an interrupted send was resent: {got:?}");
    let (ok, out, err) = f.cli(&["status"]);
    assert!(ok, "status failed: {err}");
    let problems: Vec<&str> = out.lines().filter(|l| l.contains("unknown")).collect();
    assert!(
        problems
            .iter()
            .any(|l| l.contains("prompt about Due Client 0")),
        "prompt not reported unknown:\n{out}"
    );
    assert!(
        problems.iter().any(|l| l.to_lowercase().contains("digest")),
        "digest not reported unknown:\n{out}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs the private mail servers: run bash scripts/test"]
async fn a_crash_after_the_server_accepted_is_not_resent_either() {
    let _shared = SERVERS_LOCK.read().await;
    let f = due_fixture("accepted", 1, false);
    let mut d = f.daemon(Some("outbox.after_send"));
    let status = d
        .wait_exit(Duration::from_secs(30))
        .unwrap_or_else(|| panic!("failpoint not hit; log: {}", f.log_tail()));
    assert!(status.code().is_none(), "expected an abort, got {status}");
    let d = f.daemon(None);
    tokio::time::sleep(Duration::from_secs(4)).await;
    d.stop();
    let got = received_by_owner(&f).await;
    assert_eq!(
        got.len(),
        1,
        "the prompt was delivered once before the crash: {got:?}"
    );
    assert!(got.values().all(|&c| c == 1), "resent: {got:?}");
    let (ok, out, err) = f.cli(&["status"]);
    assert!(ok, "status failed: {err}");
    assert!(
        out.lines()
            .any(|l| l.contains("prompt about Due Client 0") && l.contains("unknown")),
        "not reported unknown:\n{out}"
    );
}

// ------------------------------------------------------------------------------ 6. UIDVALIDITY

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs the private mail servers: run bash scripts/test"]
async fn a_recreated_mailbox_with_the_same_messages_stores_no_duplicates() {
    let _shared = SERVERS_LOCK.read().await;
    let f = Fixture::new(
        "uidv",
        Setup {
            mailbox: "Replies",
            ..Setup::default()
        },
    );
    let replies = f.prompts_and_replies(15);
    let (old, new) = replies.split_at(10);
    f.append_all(old).await;
    let uidv_before = {
        let mut s = f.session().await;
        let mb = s.select("Replies").await.expect("select");
        let _ = s.logout().await;
        mb.uid_validity.expect("UIDVALIDITY")
    };
    {
        let app = f.real_app();
        let r = olifant::ingest::pipeline::ingest_once(&app, &olifant::clock::now)
            .await
            .expect("ingest");
        assert_eq!(r.stored, 10, "{r:?}");
    }
    // Recreate the mailbox (new UIDVALIDITY) holding the same messages again, plus new ones.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    {
        let mut s = f.session().await;
        s.delete("Replies").await.expect("delete mailbox");
        s.create("Replies").await.expect("create mailbox");
        let mb = s.select("Replies").await.expect("select");
        assert_ne!(
            mb.uid_validity,
            Some(uidv_before),
            "Dovecot kept UIDVALIDITY: the scenario needs a new one"
        );
        let _ = s.logout().await;
    }
    f.append_all(old).await;
    f.append_all(new).await;
    let app = f.real_app();
    let r = olifant::ingest::pipeline::ingest_once(&app, &olifant::clock::now)
        .await
        .expect("ingest");
    assert_eq!((r.stored, r.duplicates), (5, 10), "{r:?}");
    let g = golden_of(&app.store, "Replies");
    assert_each_stored_once(&g, 15, "after UIDVALIDITY changed");
    drop(app);
    assert_eq!(f.counts().await.0, 0, "everything moved");
}

// ------------------------------------------------------------------------------ 7. data dir

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs the private mail servers: run bash scripts/test"]
async fn a_corrupt_store_is_refused_and_reingest_rebuilds_it_from_the_server() {
    let _shared = SERVERS_LOCK.read().await;
    let f = Fixture::new("datadir", Setup::default());
    let replies = f.prompts_and_replies(12);
    f.append_all(&replies).await;
    let before = {
        let app = f.real_app();
        let r = olifant::ingest::pipeline::ingest_once(&app, &olifant::clock::now)
            .await
            .expect("ingest");
        assert_eq!(r.stored, 12, "{r:?}");
        golden_of(&app.store, "INBOX")
    };
    assert_each_stored_once(&before, 12, "before");

    // Moved aside: reingest rebuilds the same reflections from the processed folder.
    let db = f.data_dir.join("db");
    std::fs::rename(&db, f.dir.join("db.aside")).expect("move db aside");
    let (ok, out, err) = f.cli(&["reingest"]);
    assert!(ok, "reingest failed: {err}");
    let report: serde_json::Value = serde_json::from_str(&out).expect("reingest prints JSON");
    assert_eq!(report["stored"], 12, "{out}\nlog: {err}");
    let after = f.golden();
    assert_eq!(
        after.reflections, before.reflections,
        "rebuilt reflections differ"
    );

    // Garbage in the database files: a clear refusal naming the way out.
    let mut damaged = 0;
    for entry in walk(&db) {
        std::fs::write(&entry, b"\x00garbage\xffnot a sled file\x13\x37".repeat(64))
            .expect("damage");
        damaged += 1;
    }
    assert!(damaged > 0, "no files in {}", db.display());
    let (ok, _out, err) = f.cli(&["status"]);
    assert!(!ok, "a damaged store was accepted");
    assert!(
        err.contains("damaged") && err.contains("olifant reingest") && err.contains("db"),
        "unclear error: {err}"
    );

    // The whole data directory gone (token key included): reingest still rebuilds the
    // history, trusting the tokens of mail in the processed folder.
    std::fs::remove_dir_all(&f.data_dir).expect("remove data dir");
    let (ok, _, err) = f.cli(&["reingest"]);
    assert!(ok, "reingest into a fresh data dir failed: {err}");
    assert_eq!(f.golden().reflections, before.reflections);
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).expect("read dir").flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else if p.file_name().is_some_and(|n| n != "olifant-initialized") {
            out.push(p);
        }
    }
    out
}
