//! `olifant check` and `olifant run` (the real binary) against the private Dovecot + Postfix
//! started by `scripts/test`. Without those servers these tests fail loudly.
//!
//! The daemon test walks the whole loop: a client that is due at start gets its prompt
//! (seen in the owner's mailbox over IMAP), the owner's reply is picked up through IDLE and
//! moved to the processed folder, a receipt follows, a `pause 1w` mail is confirmed, SIGTERM
//! stops the daemon with exit code 0, and `olifant status` afterwards shows it all stored.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use async_imap::extensions::idle::IdleResponse;
use chrono::Days;

use crate::common::{olifant, text};
use crate::support::{self, Servers, SERVERS_LOCK};

/// How a config reaches a server.
#[derive(Clone, Copy, Debug)]
enum Mode {
    None,
    StartTls,
    Tls,
}

impl Mode {
    fn name(self) -> &'static str {
        match self {
            Mode::None => "none",
            Mode::StartTls => "starttls",
            Mode::Tls => "tls",
        }
    }
    fn smtp_port(self, s: &Servers) -> u16 {
        match self {
            Mode::None => s.smtp_port,
            Mode::StartTls => s.submission_port,
            Mode::Tls => s.smtps_port,
        }
    }
    fn imap_port(self, s: &Servers) -> u16 {
        match self {
            Mode::None | Mode::StartTls => s.imap_port,
            Mode::Tls => s.imaps_port,
        }
    }
}

struct Setup {
    _tmp: tempfile::TempDir,
    home: PathBuf,
    config: String,
    owner: String,
    bot: String,
}

/// Writes a 0600 config for `bot` (the IMAP/SMTP account) and `owner`, with the password in
/// a 0600 file; `extra` is appended (schedule, clients).
fn setup(s: &Servers, mode: Mode, password: &str, extra: &str) -> Setup {
    let owner = support::unique_user("owner");
    let bot = support::unique_user("bot");
    setup_accounts(s, mode, password, extra, owner, bot.clone(), &bot)
}

/// Like [`setup`] with given addresses and the IMAP/SMTP login `account`.
fn setup_accounts(
    s: &Servers,
    mode: Mode,
    password: &str,
    extra: &str,
    owner: String,
    bot: String,
    account: &str,
) -> Setup {
    let tmp = tempfile::tempdir().expect("tempdir");
    let home = tmp.path().to_path_buf();
    let pw = support::password_file(&home, password);
    let ca = s.ca_file.to_str().expect("utf-8 CA path");
    let pw = pw.to_str().expect("utf-8 path");
    let ca_line = match mode {
        Mode::None => String::new(),
        _ => format!("ca_file = {ca:?}\n"),
    };
    let config = format!(
        "data_dir = {data:?}\n\
         [owner]\naddresses = [{owner:?}]\ntimezone = \"Europe/Amsterdam\"\nlanguage = \"en\"\n\
         [bot]\naddress = {bot:?}\n\
         [smtp]\nhost = {host:?}\nport = {sport}\nsecurity = {sec:?}\nusername = {account:?}\n\
         password_file = {pw:?}\nconnect_timeout_secs = 10\nsend_timeout_secs = 30\n{ca_line}\
         [imap]\nhost = {host:?}\nport = {iport}\nsecurity = {sec:?}\nusername = {account:?}\n\
         password_file = {pw:?}\nconnect_timeout_secs = 10\ncommand_timeout_secs = 20\n\
         idle = true\npoll_interval_secs = 300\n{ca_line}\
         {extra}",
        data = home.join("data").to_str().expect("utf-8 path"),
        host = s.host,
        sport = mode.smtp_port(s),
        iport = mode.imap_port(s),
        sec = mode.name(),
    );
    let path = home.join("config.toml");
    std::fs::write(&path, config).expect("write config");
    support::chmod(&path, 0o600);
    Setup {
        config: path.to_str().expect("utf-8 path").to_string(),
        _tmp: tmp,
        home,
        owner,
        bot,
    }
}

fn run(setup: &Setup, args: &[&str]) -> Output {
    olifant(&setup.home)
        .arg("--config")
        .arg(&setup.config)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run olifant {args:?}: {e}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs the private mail servers: run bash scripts/test"]
async fn check_passes_in_every_security_mode() {
    let _g = SERVERS_LOCK.read().await;
    let s = Servers::get();
    for mode in [Mode::None, Mode::StartTls, Mode::Tls] {
        let setup = setup(&s, mode, &s.password, "");
        let out = tokio::task::spawn_blocking({
            let setup_config = setup.config.clone();
            let home = setup.home.clone();
            move || {
                olifant(&home)
                    .args(["--config", &setup_config, "check"])
                    .output()
                    .expect("run olifant check")
            }
        })
        .await
        .expect("join");
        let stdout = text(&out.stdout);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{mode:?}: check failed:\n{stdout}\n{}",
            text(&out.stderr)
        );
        let lines: Vec<&str> = stdout.lines().filter(|l| !l.trim().is_empty()).collect();
        assert!(
            lines.iter().all(|l| l.starts_with('✓')),
            "{mode:?}: a line that is not ✓:\n{stdout}"
        );
        for step in ["smtp auth", "imap login", "imap select"] {
            assert!(
                lines.iter().any(|l| l.starts_with(&format!("✓ {step}:"))),
                "{mode:?}: no passed {step} step:\n{stdout}"
            );
        }
        if !matches!(mode, Mode::None) {
            assert!(
                stdout.contains("TLS"),
                "{mode:?}: no TLS step reported:\n{stdout}"
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs the private mail servers: run bash scripts/test"]
async fn check_with_a_wrong_password_shows_the_servers_reason_and_exits_3() {
    let _g = SERVERS_LOCK.read().await;
    let s = Servers::get();
    for mode in [Mode::None, Mode::Tls] {
        let setup = setup(&s, mode, "not-the-password", "");
        let out = tokio::task::spawn_blocking({
            let config = setup.config.clone();
            let home = setup.home.clone();
            move || {
                olifant(&home)
                    .args(["--config", &config, "check"])
                    .output()
                    .expect("run olifant check")
            }
        })
        .await
        .expect("join");
        let stdout = text(&out.stdout);
        assert_eq!(out.status.code(), Some(3), "{mode:?}:\n{stdout}");
        let failed: Vec<&str> = stdout.lines().filter(|l| l.starts_with('✗')).collect();
        // The servers' own words: Postfix "authentication failed", Dovecot "[AUTHENTICATIONFAILED]".
        assert!(
            failed
                .iter()
                .any(|l| l.starts_with("✗ smtp auth") && l.contains("authentication failed")),
            "{mode:?}: no SMTP refusal with the server's reason:\n{stdout}"
        );
        assert!(
            failed
                .iter()
                .any(|l| l.starts_with("✗ imap login") && l.contains("AUTHENTICATIONFAILED")),
            "{mode:?}: no IMAP refusal with the server's reason:\n{stdout}"
        );
        assert!(
            !stdout.contains("not-the-password") && !text(&out.stderr).contains("not-the-password"),
            "the password appears in the output"
        );
    }
}

/// The daemon's stderr, collected by a thread.
struct Daemon {
    child: Child,
    log: Arc<Mutex<Vec<String>>>,
}

impl Daemon {
    fn start(setup: &Setup) -> Daemon {
        let mut child = olifant(&setup.home)
            .args(["--config", &setup.config, "run"])
            .env("OLIFANT_TICK_SECONDS", "1")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn olifant run");
        let stderr = child.stderr.take().expect("stderr is piped");
        let log = Arc::new(Mutex::new(Vec::new()));
        let sink = log.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if let Ok(mut l) = sink.lock() {
                    l.push(line);
                }
            }
        });
        Daemon { child, log }
    }

    fn log(&self) -> String {
        self.log.lock().map(|l| l.join("\n")).unwrap_or_default()
    }

    async fn wait_for_log(&self, needle: &str, limit: Duration) {
        let start = Instant::now();
        while !self.log().contains(needle) {
            assert!(
                start.elapsed() < limit,
                "the daemon did not log {needle:?} within {limit:?}:\n{}",
                self.log()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn header(raw: &[u8], name: &str) -> Option<String> {
    let text = String::from_utf8_lossy(raw);
    let head = text.split("\r\n\r\n").next().unwrap_or("");
    let head = head.split("\n\n").next().unwrap_or("");
    let prefix = format!("{}:", name.to_ascii_lowercase());
    let mut lines = head.lines().peekable();
    while let Some(l) = lines.next() {
        if l.to_ascii_lowercase().starts_with(&prefix) {
            let mut v = l[prefix.len()..].trim().to_string();
            while let Some(next) = lines.peek() {
                if next.starts_with(' ') || next.starts_with('\t') {
                    v.push(' ');
                    v.push_str(next.trim());
                    lines.next();
                } else {
                    break;
                }
            }
            return Some(v);
        }
    }
    None
}

fn angle_addr(v: &str) -> String {
    match (v.rfind('<'), v.rfind('>')) {
        (Some(a), Some(b)) if a < b => v[a + 1..b].to_string(),
        _ => v.trim().to_string(),
    }
}

/// Polls `mailbox` (which may not exist yet) until it holds `n` messages.
async fn wait_in_folder(
    s: &Servers,
    user: &str,
    mailbox: &str,
    n: usize,
    limit: Duration,
) -> Vec<(u32, Vec<u8>)> {
    let start = Instant::now();
    loop {
        if s.list_mailboxes(user).await.iter().any(|m| m == mailbox) {
            let msgs = s.uid_fetch_all(user, mailbox).await;
            if msgs.len() >= n {
                return msgs;
            }
        }
        assert!(
            start.elapsed() < limit,
            "{user}/{mailbox}: fewer than {n} messages after {limit:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs the private mail servers: run bash scripts/test"]
async fn daemon_prompts_reads_replies_over_idle_obeys_commands_and_stops_on_sigterm() {
    let _g = SERVERS_LOCK.read().await;
    let s = Servers::get();
    let today = olifant::clock::now()
        .with_timezone(&chrono_tz::Europe::Amsterdam)
        .date_naive();
    let since = today
        .checked_sub_days(Days::new(40))
        .expect("a date 40 days ago");
    let extra = format!(
        "[schedule]\nprompt_cron = \"* * * * *\"\n\
         [[clients]]\nname = \"Bakkerij Jansen\"\ncadence = \"monthly\"\nsince = {since}\n"
    );
    let setup = setup(&s, Mode::StartTls, &s.password, &extra);
    let daemon = Daemon::start(&setup);
    daemon
        .wait_for_log("olifant is running", Duration::from_secs(20))
        .await;

    // 1. The catch-up pass at start sends the due prompt to the owner.
    let inbox = s
        .wait_for_messages(&setup.owner, "INBOX", 1, Duration::from_secs(20))
        .await;
    let prompt = &inbox[0].1;
    let subject = header(prompt, "Subject").expect("prompt has a Subject");
    assert!(
        subject.contains("Bakkerij Jansen"),
        "prompt subject: {subject}"
    );
    let reply_to = angle_addr(&header(prompt, "Reply-To").expect("prompt has a Reply-To"));
    let (local, domain) = setup.bot.split_once('@').expect("bot address");
    assert!(
        reply_to.starts_with(&format!("{local}+")) && reply_to.ends_with(&format!("@{domain}")),
        "Reply-To {reply_to} is not a plus-address of {}",
        setup.bot
    );
    let prompt_id = header(prompt, "Message-ID").expect("prompt has a Message-ID");

    // 2. The owner replies. The same delivery also goes to a witness mailbox watched by a bare
    //    IDLE client: its notification marks when the server announces the mail (Dovecot
    //    batches notifications, ~0.5 s). Watching the bot's own INBOX would race the daemon,
    //    which may move the message away before a second session is told about it.
    let witness = support::unique_user("witness");
    let mut idle = s.select(&witness, "INBOX").await.idle();
    idle.init().await.expect("IDLE accepted");
    let reply = format!(
        "From: Owner <{owner}>\r\nTo: {reply_to}\r\nSubject: Re: {subject}\r\n\
         Date: Fri, 27 Nov 2026 10:00:00 +0100\r\n\
         Message-ID: <daemon-reply-{pid}@example.test>\r\n\
         In-Reply-To: {prompt_id}\r\nReferences: {prompt_id}\r\n\
         MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n\
         Energy 4\r\nPayment 5\r\nAgain yes\r\n\r\nPaid early, lovely people.\r\n\r\n\
         > How was Bakkerij Jansen lately?\r\n",
        owner = setup.owner,
        pid = std::process::id(),
    );
    s.send_raw_smtp(&setup.owner, &[&reply_to, &witness], reply.as_bytes())
        .await
        .expect("reply accepted by SMTP");
    let sent_at = Instant::now();
    let (wait, _stop) = idle.wait_with_timeout(Duration::from_secs(15));
    match wait.await.expect("IDLE wait") {
        IdleResponse::NewData(_) => {}
        other => panic!("the bare IDLE client saw no new mail: {other:?}"),
    }
    let notified_at = Instant::now();
    let processed = wait_in_folder(
        &s,
        &setup.bot,
        "olifant/processed",
        1,
        Duration::from_secs(15),
    )
    .await;
    let stored_after = notified_at.elapsed();
    eprintln!(
        "IDLE notification {:?} after delivery; reply in the processed folder {:?} after it",
        notified_at - sent_at,
        stored_after
    );
    // IDLE, not the 300 s poll, picked it up: a second or two after the notification (with
    // room for a loaded machine).
    assert!(
        stored_after < Duration::from_secs(4),
        "reply reached the processed folder {stored_after:?} after the IDLE notification"
    );
    assert!(support::contains(&processed[0].1, "Paid early"));
    let _ = idle.done().await;

    // 3. A receipt for the stored reply.
    let inbox = s
        .wait_for_messages(&setup.owner, "INBOX", 2, Duration::from_secs(15))
        .await;
    let receipt = &inbox[1].1;
    assert!(
        header(receipt, "In-Reply-To")
            .is_some_and(|v| v.contains(&format!("daemon-reply-{}", std::process::id()))),
        "the second mail to the owner is not a receipt for the reply:\n{}",
        text(receipt)
    );

    // 4. A command mail from the owner to the bot: `pause 1w`, confirmed by mail.
    let command = format!(
        "From: Owner <{owner}>\r\nTo: {bot}\r\nSubject: pause 1w\r\n\
         Date: Fri, 27 Nov 2026 10:05:00 +0100\r\n\
         Message-ID: <daemon-command-{pid}@example.test>\r\n\
         MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\npause 1w\r\n",
        owner = setup.owner,
        bot = setup.bot,
        pid = std::process::id(),
    );
    s.send_raw_smtp(&setup.owner, &[&setup.bot], command.as_bytes())
        .await
        .expect("command accepted by SMTP");
    let inbox = s
        .wait_for_messages(&setup.owner, "INBOX", 3, Duration::from_secs(15))
        .await;
    let confirmation = &inbox[2].1;
    assert!(
        header(confirmation, "In-Reply-To")
            .is_some_and(|v| v.contains(&format!("daemon-command-{}", std::process::id()))),
        "the third mail to the owner is not the command's confirmation:\n{}",
        text(confirmation)
    );
    assert!(
        support::contains(confirmation, "Paused"),
        "confirmation does not say it paused:\n{}",
        text(confirmation)
    );
    wait_in_folder(
        &s,
        &setup.bot,
        "olifant/processed",
        2,
        Duration::from_secs(15),
    )
    .await;
    assert!(
        s.uid_fetch_all(&setup.bot, "INBOX").await.is_empty(),
        "messages left in the bot's INBOX"
    );

    // 5. SIGTERM: exit 0 within a few seconds.
    let mut daemon = daemon;
    let pid = daemon.child.id().to_string();
    let killed = Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .expect("run kill");
    assert!(killed.success());
    let start = Instant::now();
    let status = loop {
        if let Some(st) = daemon.child.try_wait().expect("try_wait") {
            break st;
        }
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "the daemon did not exit within 10 s of SIGTERM:\n{}",
            daemon.log()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(
        status.code(),
        Some(0),
        "exit after SIGTERM:\n{}",
        daemon.log()
    );
    let log = daemon.log();
    assert!(log.contains("olifant stopped"), "{log}");
    assert!(
        !log.contains("ERROR") && !log.contains(" WARN "),
        "the daemon logged problems:\n{log}"
    );

    // 6. Afterwards the store shows the reply and the pause.
    let status = run(&setup, &["status"]);
    let out = text(&status.stdout);
    assert!(
        status.status.success(),
        "status failed: {}",
        text(&status.stderr)
    );
    let week_later = today.checked_add_days(Days::new(7)).expect("date");
    let day_after = today.checked_add_days(Days::new(8)).expect("date");
    assert!(
        out.contains(&format!("paused until:      {week_later}"))
            || out.contains(&format!("paused until:      {day_after}")),
        "no pause of one week in status:\n{out}"
    );
    assert!(out.contains("unanswered prompts: 0"), "{out}");
    let explain = run(&setup, &["explain", "Bakkerij Jansen"]);
    let explain = text(&explain.stdout);
    let rows: Vec<&str> = explain
        .lines()
        .filter(|l| l.contains("energy=4") && l.contains("payment=5"))
        .collect();
    assert_eq!(rows.len(), 1, "the reply is not stored once:\n{explain}");
}

/// Sends SIGTERM and waits (at most 10 s) for the daemon to exit; returns its exit code.
async fn sigterm(daemon: &mut Daemon) -> Option<i32> {
    let pid = daemon.child.id().to_string();
    let killed = Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .expect("run kill");
    assert!(killed.success());
    let start = Instant::now();
    loop {
        if let Some(st) = daemon.child.try_wait().expect("try_wait") {
            return st.code();
        }
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "the daemon did not exit within 10 s of SIGTERM:\n{}",
            daemon.log()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The common setup where olifant's address is a plus-address of the owner's own mailbox
/// (`sanne+olifant@…`): prompts and receipts land in the very INBOX the daemon reads. It
/// must leave them there, take only the reply, and not answer its own mail.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs the private mail servers: run bash scripts/test"]
async fn daemon_on_the_owners_own_mailbox_takes_only_the_reply() {
    let _g = SERVERS_LOCK.read().await;
    let s = Servers::get();
    let today = olifant::clock::now()
        .with_timezone(&chrono_tz::Europe::Amsterdam)
        .date_naive();
    let since = today
        .checked_sub_days(Days::new(40))
        .expect("a date 40 days ago");
    let extra = format!(
        "[schedule]\nprompt_cron = \"* * * * *\"\n\
         [[clients]]\nname = \"Studio Zonnebloem\"\ncadence = \"monthly\"\nsince = {since}\n"
    );
    let owner = support::unique_user("solo");
    let (local, domain) = owner.split_once('@').expect("address");
    let bot = format!("{local}+olifant@{domain}");
    let setup = setup_accounts(
        &s,
        Mode::Tls,
        &s.password,
        &extra,
        owner.clone(),
        bot,
        &owner,
    );
    let mut daemon = Daemon::start(&setup);
    daemon
        .wait_for_log("olifant is running", Duration::from_secs(20))
        .await;

    let inbox = s
        .wait_for_messages(&owner, "INBOX", 1, Duration::from_secs(20))
        .await;
    let prompt = &inbox[0].1;
    let subject = header(prompt, "Subject").expect("Subject");
    assert!(subject.contains("Studio Zonnebloem"), "{subject}");
    let reply_to = angle_addr(&header(prompt, "Reply-To").expect("Reply-To"));
    let prompt_id = header(prompt, "Message-ID").expect("Message-ID");
    let reply = format!(
        "From: {owner}\r\nTo: {reply_to}\r\nSubject: Re: {subject}\r\n\
         Date: Fri, 27 Nov 2026 10:00:00 +0100\r\n\
         Message-ID: <solo-reply-{pid}@example.test>\r\n\
         In-Reply-To: {prompt_id}\r\nReferences: {prompt_id}\r\n\
         MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n\
         1. 5\r\n2. 5\r\n8. yes\r\n\r\nThey sent a referral.\r\n",
        pid = std::process::id(),
    );
    s.send_raw_smtp(&owner, &[&reply_to], reply.as_bytes())
        .await
        .expect("reply accepted by SMTP");
    let processed =
        wait_in_folder(&s, &owner, "olifant/processed", 1, Duration::from_secs(15)).await;
    assert!(support::contains(&processed[0].1, "They sent a referral"));

    // The receipt arrives in the same INBOX; prompt and receipt stay there.
    let inbox = s
        .wait_for_messages(&owner, "INBOX", 2, Duration::from_secs(15))
        .await;
    // A few more scheduler ticks and IDLE rounds: nothing else may happen.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let inbox_later = s.uid_fetch_all(&owner, "INBOX").await;
    let folders = s.list_mailboxes(&owner).await;
    assert_eq!(
        inbox_later.len(),
        2,
        "the INBOX should hold the prompt and one receipt, no more (folders {folders:?}; log:\n{}):\n{}",
        daemon.log(),
        inbox_later
            .iter()
            .map(|(_, m)| header(m, "Subject").unwrap_or_default())
            .collect::<Vec<_>>()
            .join("\n")
    );
    assert_eq!(inbox_later[0].0, inbox[0].0, "the prompt was moved");
    assert!(
        header(&inbox_later[1].1, "In-Reply-To")
            .is_some_and(|v| v.contains(&format!("solo-reply-{}", std::process::id()))),
        "the second message is not the receipt:\n{}",
        text(&inbox_later[1].1)
    );
    assert_eq!(
        s.uid_fetch_all(&owner, "olifant/processed").await.len(),
        1,
        "olifant took more than the reply"
    );

    assert_eq!(sigterm(&mut daemon).await, Some(0), "{}", daemon.log());
    let out = text(&run(&setup, &["status"]).stdout);
    assert!(out.contains("unanswered prompts: 0"), "{out}");
    assert!(out.contains("quarantined:       0"), "{out}");

    // A restart (catch-up pass, fresh ingest session) sends nothing twice and takes nothing
    // more: the client is not due again, the receipt was sent once.
    let mut again = Daemon::start(&setup);
    again
        .wait_for_log("olifant is running", Duration::from_secs(20))
        .await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(sigterm(&mut again).await, Some(0), "{}", again.log());
    assert_eq!(
        s.uid_fetch_all(&owner, "INBOX").await.len(),
        2,
        "mail sent again after a restart:\n{}",
        again.log()
    );
    assert_eq!(s.uid_fetch_all(&owner, "olifant/processed").await.len(), 1);
}
