//! Parse, ingest, IDLE-latency and idle-daemon benchmarks against the real private servers.
//!
//! Run by `scripts/bench` (release build, its own Dovecot + Postfix); it prints one
//! `FIGURE name = value` line per figure and a Markdown section on stdout. Sizes:
//! `OLIFANT_BENCH_REPLIES` (default 10,000), `OLIFANT_BENCH_LATENCY` (default 200),
//! `OLIFANT_BENCH_IDLE_SECS` (default 60). `OLIFANT_BENCH_ONLY=parse` or `=ingest` runs one part.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::TryStreamExt;
use olifant::admin::demo_replies::{self, Archetype, PromptSeen};
use olifant::app::App;
use olifant::model::{
    Cadence, Client, ClientStatus, Lang, PromptId, PromptRecord, PromptStatus, SendState,
};
use olifant::send::file::FileSender;

type Session = async_imap::Session<tokio::net::TcpStream>;

fn var(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| {
        eprintln!("{name} is not set: run scripts/bench (it starts the mail servers)");
        std::process::exit(2)
    })
}

/// `cargo bench` passes `--bench`; `cargo test --all-targets` runs the same code as a smoke
/// test with small sizes, so the suite stays fast and the benchmark never rots.
fn size(name: &str, default: usize) -> usize {
    let full = std::env::args().any(|a| a == "--bench");
    let smoke = match name {
        "OLIFANT_BENCH_REPLIES" => 50,
        "OLIFANT_BENCH_LATENCY" => 3,
        "OLIFANT_BENCH_IDLE_SECS" => 2,
        _ => default,
    };
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(if full { default } else { smoke })
}

struct Env {
    port: u16,
    password: String,
    state: PathBuf,
    smtp: u16,
}

fn env() -> Env {
    Env {
        port: var("OLIFANT_TEST_IMAP_PORT").parse().expect("port"),
        password: var("OLIFANT_TEST_PASSWORD"),
        state: PathBuf::from(var("OLIFANT_TEST_STATE_DIR")),
        smtp: var("OLIFANT_TEST_SMTP_PORT").parse().expect("port"),
    }
}

fn user(tag: &str) -> String {
    format!("bench-{tag}-{}@example.test", std::process::id())
}

async fn login(e: &Env, user: &str) -> Session {
    let tcp = tokio::net::TcpStream::connect(("127.0.0.1", e.port))
        .await
        .expect("connect IMAP");
    let mut c = async_imap::Client::new(tcp);
    c.read_response()
        .await
        .expect("greeting")
        .expect("greeting");
    c.login(user, &e.password)
        .await
        .map_err(|(e, _)| e)
        .expect("login")
}

/// A data dir + config for `bot`, and the app opened on it with a file sender.
fn setup(e: &Env, dir: &Path, bot: &str, owner: &str) -> PathBuf {
    let pw = dir.join("pw");
    std::fs::write(&pw, format!("{}\n", e.password)).expect("pw");
    let config = format!(
        "data_dir = {data:?}\n[owner]\nname = \"Bench\"\naddresses = [{owner:?}]\ntimezone = \"UTC\"\n\
         [bot]\naddress = {bot:?}\n\
         [smtp]\nhost = \"127.0.0.1\"\nsecurity = \"none\"\nport = {smtp}\n\
         [imap]\nhost = \"127.0.0.1\"\nsecurity = \"none\"\nport = {port}\nusername = {bot:?}\npassword_file = {pw:?}\n\
         [schedule]\nprompt_cron = \"0 0 1 1 *\"\ndigest_cron = \"0 0 1 1 *\"\n[ingest]\nreceipts = false\n",
        data = dir.join("data").display().to_string(),
        smtp = e.smtp,
        port = e.port,
        pw = pw.display().to_string(),
    );
    let path = dir.join("config.toml");
    std::fs::write(&path, config).expect("config");
    for p in [&pw, &path] {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(p, std::fs::Permissions::from_mode(0o600)).expect("chmod");
    }
    path
}

fn open(config: &Path, file_sender: bool) -> App {
    let c = olifant::config::load(config).expect("config");
    if file_sender {
        let out = c.data_dir.join("outbox");
        App::open_with_sender(c, Arc::new(FileSender::new(out)), olifant::clock::now())
            .expect("app")
    } else {
        App::open(c, olifant::clock::now()).expect("app")
    }
}

/// `n` clients with an open prompt each, and the owner's reply to each.
fn replies(app: &App, n: usize, owner: &str, tag: &str) -> Vec<(PromptId, Vec<u8>)> {
    let now = olifant::clock::now();
    let kinds = [
        Archetype::LoyalPromoter,
        Archetype::Haggler,
        Archetype::ScopeCreeper,
        Archetype::SlowSupplier,
        Archetype::MicroManager,
        Archetype::NewClient,
    ];
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        let client = Client {
            name: format!("Client {i:05}"),
            cadence: Cadence::Monthly,
            revenue: None,
            tags: vec![],
            status: ClientStatus::Active,
            since: now - chrono::Duration::days(300),
        };
        app.store.put_client(&client).expect("client");
        let id = olifant::prompt::run::fresh_prompt_id(app).expect("id");
        let mail =
            olifant::prompt::run::compose_prompt_for(app, &client, id, now).expect("compose");
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
            from: &app.config.bot.address,
            date: now,
        };
        out.push((
            id,
            demo_replies::reply_message(
                kinds[i % kinds.len()],
                i / kinds.len(),
                if i % 3 == 0 { Lang::Nl } else { Lang::En },
                &seen,
                owner,
                now,
                &format!("bench-{tag}-{i}@owner.example.test"),
            ),
        ));
    }
    app.store.flush().expect("flush");
    out
}

fn corpus() -> Vec<Vec<u8>> {
    let dir = std::env::var("OLIFANT_CORPUS_DIR").unwrap_or_else(|_| "/work/shared/corpus".into());
    let mut out = Vec::new();
    let mut stack = vec![PathBuf::from(dir)];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "eml") {
                out.extend(std::fs::read(&p).ok());
            }
        }
    }
    out
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

fn pct(v: &[f64], p: f64) -> f64 {
    let mut v = v.to_vec();
    v.sort_by(|a, b| a.total_cmp(b));
    v[((v.len() as f64 - 1.0) * p).round() as usize]
}

fn figure(name: &str, value: String) {
    println!("FIGURE {name} = {value}");
}

/// Messages per second for olifant's `read_message` and for mail-parser's `parse` +
/// `body_text(0)` over `msgs`: seven rounds of five passes each, alternating, medians.
fn parse_rates(ctx: &olifant::parse::ParseContext<'_>, msgs: &[Vec<u8>]) -> (f64, f64) {
    let mut ours = Vec::new();
    let mut theirs = Vec::new();
    let mut sink = 0usize;
    const PASSES: usize = 5;
    for _ in 0..7 {
        let t = Instant::now();
        for m in msgs.iter().cycle().take(PASSES * msgs.len()) {
            if let Ok(r) = olifant::parse::read_message(m, ctx) {
                sink += r.parsed.answers.len();
            }
        }
        ours.push((PASSES * msgs.len()) as f64 / t.elapsed().as_secs_f64());
        let t = Instant::now();
        for m in msgs.iter().cycle().take(PASSES * msgs.len()) {
            if let Some(p) = mail_parser::MessageParser::default().parse(m.as_slice()) {
                sink += p.body_text(0).map_or(0, |b| b.len());
            }
        }
        theirs.push((PASSES * msgs.len()) as f64 / t.elapsed().as_secs_f64());
    }
    eprintln!("(sink {sink})");
    (median(ours), median(theirs))
}

/// Parse: olifant's read_message vs mail-parser parse + body_text on the same messages (the
/// first `corpus` of them are the corpus files, the rest generated replies); the two parts
/// are also reported on their own.
fn parse_bench(app: &App, msgs: &[Vec<u8>], corpus: usize) {
    let ctx = app.parse_context();
    let (o, t) = parse_rates(&ctx, msgs);
    figure("parse_messages", msgs.len().to_string());
    figure("parse_olifant_per_s", format!("{o:.0}"));
    figure("parse_mailparser_per_s", format!("{t:.0}"));
    figure("parse_ratio_pct", format!("{:.1}", 100.0 * o / t));
    let (corpus_part, replies_part) = msgs.split_at(corpus.min(msgs.len()));
    for (name, part) in [("corpus", corpus_part), ("replies", replies_part)] {
        if part.is_empty() {
            continue;
        }
        let (o, t) = parse_rates(&ctx, part);
        figure(
            &format!("parse_{name}_olifant_us"),
            format!("{:.2}", 1e6 / o),
        );
        figure(
            &format!("parse_{name}_mailparser_us"),
            format!("{:.2}", 1e6 / t),
        );
        figure(
            &format!("parse_{name}_ratio_pct"),
            format!("{:.1}", 100.0 * o / t),
        );
    }
}

/// Writes `raws` straight into `user`'s Maildir as the mail uid, then force-resyncs.
/// Puts `raws` into `user`'s INBOX the way delivered mail gets there: written to a scratch
/// Maildir, then `doveadm import`, which saves each message through Dovecot's own storage
/// (whatever the server's format) and fills its index and cache as a delivery does.
async fn fill_mailbox(e: &Env, user: &str, raws: &[Vec<u8>]) {
    // Log in once so Dovecot creates the mailbox.
    let mut s = login(e, user).await;
    s.select("INBOX").await.expect("select");
    let _ = s.logout().await;
    use std::os::unix::fs::MetadataExt;
    let meta = std::fs::metadata(e.state.join("mail")).expect("mail dir exists");
    let (uid, gid) = (meta.uid(), meta.gid());
    let scratch = e.state.join(format!("import-{user}"));
    for d in ["cur", "new", "tmp"] {
        std::fs::create_dir_all(scratch.join(d)).expect("scratch Maildir");
    }
    let t = Instant::now();
    for (i, raw) in raws.iter().enumerate() {
        let p = scratch
            .join("new")
            .join(format!("1700000000.M{i}P{}.bench", std::process::id()));
        std::fs::write(&p, raw).expect("write mail");
    }
    let st = Command::new("chown")
        .arg("-R")
        .arg(format!("{uid}:{gid}"))
        .arg(&scratch)
        .status()
        .expect("chown");
    assert!(st.success(), "chown of the scratch Maildir failed");
    let st = Command::new("doveadm")
        .arg("-c")
        .arg(e.state.join("dovecot.conf"))
        .args(["import", "-u", user])
        .arg(format!("maildir:{}:INDEX=MEMORY", scratch.display()))
        .args(["", "all"])
        .status()
        .expect("doveadm");
    assert!(st.success(), "doveadm import failed");
    std::fs::remove_dir_all(&scratch).expect("remove the scratch Maildir");
    eprintln!("filled {} messages in {:?}", raws.len(), t.elapsed());
}

/// `UID FETCH set (BODY.PEEK[])`, counting the bodies, as a bare client does it.
async fn bare_fetch(s: &mut Session, set: &str) -> usize {
    s.uid_fetch(set, "(BODY.PEEK[])")
        .await
        .expect("fetch")
        .try_fold(
            0usize,
            |n, f| async move { Ok(n + f.body().map_or(0, |_| 1)) },
        )
        .await
        .expect("fetch stream")
}

/// [`bare_fetch`] with olifant's parser run on each body as it arrives, storing nothing and
/// moving nothing: the least CPU a client spends that reads the replies it fetches.
async fn fetch_and_parse(
    s: &mut Session,
    set: &str,
    ctx: &olifant::parse::ParseContext<'_>,
) -> usize {
    s.uid_fetch(set, "(BODY.PEEK[])")
        .await
        .expect("fetch")
        .try_fold(0usize, |n, f| async move {
            let read = f
                .body()
                .and_then(|b| olifant::parse::read_message(b, ctx).ok())
                .is_some_and(|r| r.prompt_id.is_some());
            Ok(n + usize::from(read))
        })
        .await
        .expect("fetch stream")
}

/// Ingest: ingest::pipeline::ingest_pass over IMAP vs a bare UID FETCH 1:* (BODY.PEEK[]).
async fn ingest_bench(e: &Env, dir: &Path, n: usize) {
    let bot = user("ingest");
    let owner = user("ingest-owner");
    let config = setup(e, dir, &bot, &owner);
    let raws: Vec<Vec<u8>> = {
        let app = open(&config, true);
        replies(&app, n, &owner, "ingest")
            .into_iter()
            .map(|(_, r)| r)
            .collect()
    };
    let bytes: usize = raws.iter().map(Vec::len).sum();
    fill_mailbox(e, &bot, &raws).await;
    // The bare client and the same fetch with every reply parsed (nothing stored or moved)
    // take turns, five times each, so that a slower spell of the machine weighs on both.
    let app = open(&config, false);
    let (mut bare, mut parsed) = (Vec::new(), Vec::new());
    {
        let ctx = app.parse_context();
        for _ in 0..5 {
            let mut s = login(e, &bot).await;
            s.select("INBOX").await.expect("select");
            let t = Instant::now();
            let got = bare_fetch(&mut s, "1:*").await;
            bare.push(got as f64 / t.elapsed().as_secs_f64());
            assert_eq!(got, n, "bare fetch saw {got} of {n}");
            let _ = s.logout().await;
            let mut s = login(e, &bot).await;
            s.select("INBOX").await.expect("select");
            let t = Instant::now();
            let got = fetch_and_parse(&mut s, "1:*", &ctx).await;
            parsed.push(got as f64 / t.elapsed().as_secs_f64());
            assert_eq!(got, n, "fetch + parse read {got} genuine replies of {n}");
            let _ = s.logout().await;
        }
    }
    // The least work the issue asks of any client, on a second mailbox holding the same
    // replies: the server-side narrowing SEARCH (olifant's own query), the sizes of what it
    // found (checked before downloading), then per batch of the pipeline's size a FETCH of the
    // bodies and a MOVE to the processed folder. Each phase is timed apart.
    let mover = user("ingest-bare-move");
    fill_mailbox(e, &mover, &raws).await;
    let floor = {
        let mut s = login(e, &mover).await;
        s.create("Processed").await.expect("create");
        s.select("INBOX").await.expect("select");
        let narrowing = olifant::ingest::pipeline::narrowing_query(&app)
            .to_imap()
            .expect("query");
        let t = Instant::now();
        let mut uids: Vec<u32> = s
            .uid_search(&narrowing)
            .await
            .expect("search")
            .into_iter()
            .collect();
        uids.sort_unstable();
        let search = t.elapsed();
        assert_eq!(
            uids.len(),
            n,
            "the narrowing search found {} of {n}",
            uids.len()
        );
        let t1 = Instant::now();
        let sized = s
            .uid_fetch("1:*", "(RFC822.SIZE)")
            .await
            .expect("sizes")
            .try_fold(0usize, |n, f| async move {
                Ok(n + usize::from(f.size.is_some()))
            })
            .await
            .expect("sizes stream");
        assert_eq!(sized, n, "sizes of {sized} of {n}");
        let sizes = t1.elapsed();
        let (mut fetch, mut moving) = (Duration::ZERO, Duration::ZERO);
        let mut got = 0usize;
        for chunk in uids.chunks(olifant::ingest::pipeline::BATCH) {
            let set = format!("{}:{}", chunk[0], chunk[chunk.len() - 1]);
            let t2 = Instant::now();
            got += bare_fetch(&mut s, &set).await;
            fetch += t2.elapsed();
            let t3 = Instant::now();
            s.uid_mv(&set, "Processed").await.expect("move");
            moving += t3.elapsed();
        }
        assert_eq!(got, n, "floor fetch saw {got} of {n}");
        let total = t.elapsed();
        let _ = s.logout().await;
        for (name, d) in [
            ("floor_search_ms", search),
            ("floor_sizes_ms", sizes),
            ("floor_fetch_ms", fetch),
            ("floor_move_ms", moving),
        ] {
            figure(name, format!("{:.0}", d.as_secs_f64() * 1e3));
        }
        n as f64 / total.as_secs_f64()
    };
    let (source, folders) = olifant::ingest::pipeline::mail_source(&app).expect("source");
    let mut session = source.connect().await.expect("connect");
    let t = Instant::now();
    let r =
        olifant::ingest::pipeline::ingest_pass(&app, &mut *session, &folders, &olifant::clock::now)
            .await
            .expect("ingest pass");
    let secs = t.elapsed().as_secs_f64();
    assert_eq!(r.stored, n, "{r:?}");
    let ours = n as f64 / secs;
    let b = median(bare);
    figure(
        "mail_format",
        std::env::var("OLIFANT_TEST_MAIL_FORMAT").unwrap_or_else(|_| "maildir".into()),
    );
    figure("ingest_messages", n.to_string());
    figure(
        "ingest_median_bytes",
        format!("{}", {
            let mut l: Vec<usize> = raws.iter().map(Vec::len).collect();
            l.sort();
            l[l.len() / 2]
        }),
    );
    figure("ingest_total_mb", format!("{:.1}", bytes as f64 / 1e6));
    figure("ingest_olifant_secs", format!("{secs:.2}"));
    figure("ingest_olifant_per_s", format!("{ours:.0}"));
    figure("ingest_bare_fetch_per_s", format!("{b:.0}"));
    figure("ingest_ratio_pct", format!("{:.1}", 100.0 * ours / b));
    let p = median(parsed);
    figure("ingest_fetch_parse_per_s", format!("{p:.0}"));
    figure(
        "ingest_fetch_parse_of_bare_pct",
        format!("{:.1}", 100.0 * p / b),
    );
    figure("ingest_floor_per_s", format!("{floor:.0}"));
    figure(
        "ingest_floor_of_bare_pct",
        format!("{:.1}", 100.0 * floor / b),
    );
    figure(
        "ingest_ratio_floor_pct",
        format!("{:.1}", 100.0 * ours / floor),
    );
    let _ = session.logout().await;
}

/// Latency: reply arrival (APPEND done) → reflection stored, with the daemon in IDLE,
/// beside a bare IDLE client's APPEND → EXISTS on another mailbox of the same server.
async fn latency_bench(e: &Env, dir: &Path, n: usize) {
    let bot = user("latency");
    let owner = user("latency-owner");
    let plain = user("latency-bare");
    let config = setup(e, dir, &bot, &owner);
    let replies = {
        let app = open(&config, true);
        replies(&app, n, &owner, "latency")
    };
    let app = open(&config, false);
    let store = app.store.clone();
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let options = olifant::daemon::DaemonOptions {
        tick_seconds: 60,
        ..Default::default()
    };
    let daemon = tokio::spawn(olifant::daemon::run(app, options, async {
        let _ = stop_rx.await;
    }));
    tokio::time::sleep(Duration::from_secs(2)).await;
    let mut appender = login(e, &bot).await;
    let mut appender_bare = login(e, &plain).await;
    let mut ours = Vec::new();
    let mut bare = Vec::new();
    for (i, (id, raw)) in replies.iter().enumerate() {
        // Bare client: IDLE on `plain`, APPEND there, time to EXISTS.
        let mut s = login(e, &plain).await;
        s.select("INBOX").await.expect("select");
        let mut idle = s.idle();
        idle.init().await.expect("idle");
        let (wait, _stop) = idle.wait_with_timeout(Duration::from_secs(10));
        let waiter = async move {
            let r = wait.await;
            (Instant::now(), r.is_ok())
        };
        let append = async {
            tokio::time::sleep(Duration::from_millis(20)).await;
            appender_bare
                .append("INBOX", None, None, raw)
                .await
                .expect("append bare");
            Instant::now()
        };
        let ((t1, ok), t0) = tokio::join!(waiter, append);
        assert!(ok, "bare IDLE failed");
        bare.push(t1.saturating_duration_since(t0).as_secs_f64() * 1000.0);
        let _ = idle.done().await;

        // olifant: APPEND to the watched INBOX, poll the store for the reflection.
        appender
            .append("INBOX", None, None, raw)
            .await
            .expect("append");
        let t0 = Instant::now();
        loop {
            if store.reflection_for_prompt(*id).expect("store").is_some() {
                break;
            }
            assert!(
                t0.elapsed() < Duration::from_secs(30),
                "reply {i} never stored"
            );
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        ours.push(t0.elapsed().as_secs_f64() * 1000.0);
    }
    let _ = stop_tx.send(());
    let _ = daemon.await;
    figure("latency_replies", n.to_string());
    for (name, v) in [("olifant", &ours), ("bare", &bare)] {
        figure(
            &format!("latency_{name}_p50_ms"),
            format!("{:.0}", pct(v, 0.5)),
        );
        figure(
            &format!("latency_{name}_p95_ms"),
            format!("{:.0}", pct(v, 0.95)),
        );
        figure(
            &format!("latency_{name}_p99_ms"),
            format!("{:.0}", pct(v, 0.99)),
        );
    }
    figure(
        "latency_p95_over_bare_ms",
        format!("{:.0}", pct(&ours, 0.95) - pct(&bare, 0.95)),
    );
}

fn proc_cpu_ticks(pid: u32) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // Fields after the command name (which may contain spaces) start after ") ".
    let rest = stat.rsplit_once(") ").map_or("", |(_, r)| r);
    let f: Vec<&str> = rest.split_whitespace().collect();
    // utime and stime are fields 14 and 15 (1-based) = index 11 and 12 here.
    f.get(11).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0)
        + f.get(12).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0)
}

fn proc_status_kb(pid: u32, key: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix(key))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

/// The idle daemon (release binary, IDLE on an empty mailbox) over `secs` seconds.
async fn idle_bench(e: &Env, dir: &Path, secs: u64) {
    let bot = user("idle");
    let owner = user("idle-owner");
    let config = setup(e, dir, &bot, &owner);
    drop(open(&config, true));
    // The olifant binary cargo built beside this bench (release under `cargo bench`).
    let bin = std::env::var("OLIFANT_BIN").unwrap_or_else(|_| env!("CARGO_BIN_EXE_olifant").into());
    let mut child = Command::new(&bin)
        .arg("--config")
        .arg(&config)
        .arg("run")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|err| panic!("cannot start {bin}: {err}"));
    let pid = child.id();
    tokio::time::sleep(Duration::from_secs(5)).await;
    let before = proc_cpu_ticks(pid);
    tokio::time::sleep(Duration::from_secs(secs)).await;
    let after = proc_cpu_ticks(pid);
    let rss = proc_status_kb(pid, "VmRSS:");
    let hwm = proc_status_kb(pid, "VmHWM:");
    let _ = Command::new("kill")
        .arg("-TERM")
        .arg(pid.to_string())
        .status();
    let _ = child.wait();
    // USER_HZ is 100 on Linux.
    figure("idle_secs", secs.to_string());
    figure("idle_cpu_ms", format!("{}", (after - before) * 10));
    figure("idle_rss_mb", format!("{:.1}", rss as f64 / 1024.0));
    figure("idle_peak_rss_mb", format!("{:.1}", hwm as f64 / 1024.0));
}

fn main() {
    // `OLIFANT_BENCH_ONLY=parse`: only the parse figures, which need no mail server;
    // `OLIFANT_BENCH_ONLY=ingest`: only the ingest figures.
    let only = std::env::var("OLIFANT_BENCH_ONLY").ok();
    let parse_only = only.as_deref() == Some("parse");
    let ingest_only = only.as_deref() == Some("ingest");
    let e = if parse_only {
        Env {
            port: 1,
            password: "unused".into(),
            state: PathBuf::new(),
            smtp: 1,
        }
    } else {
        env()
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let tmp = tempfile::tempdir().expect("tmp");
    let n = size("OLIFANT_BENCH_REPLIES", 10_000);
    let lat = size("OLIFANT_BENCH_LATENCY", 200);
    let idle = size("OLIFANT_BENCH_IDLE_SECS", 60) as u64;

    // 1. Parse.
    if !ingest_only {
        let d = tmp.path().join("parse");
        std::fs::create_dir_all(&d).expect("dir");
        let config = setup(&e, &d, &user("parse"), &user("parse-owner"));
        let app = open(&config, true);
        let mut msgs = corpus();
        let c = msgs.len();
        msgs.extend(
            replies(&app, 2000, &user("parse-owner"), "parse")
                .into_iter()
                .map(|(_, r)| r),
        );
        figure("parse_corpus_files", c.to_string());
        parse_bench(&app, &msgs, c);
    }
    if parse_only {
        return;
    }
    let sub = |name: &str| {
        let d = tmp.path().join(name);
        std::fs::create_dir_all(&d).expect("dir");
        d
    };
    rt.block_on(ingest_bench(&e, &sub("ingest"), n));
    if ingest_only {
        return;
    }
    rt.block_on(latency_bench(&e, &sub("latency"), lat));
    rt.block_on(idle_bench(&e, &sub("idle"), idle));
}
