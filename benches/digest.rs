//! Build + render a digest for 1,000 clients × 520 weekly reflections (ten years), twice:
//!
//! 1. **Generated:** [`build_digest`] asks a generator for each client's reflections as it
//!    goes (nothing holds all 520,000 at once), then [`render`]. Time and peak RSS of that
//!    phase (peak reset through `/proc/self/clear_refs` first).
//! 2. **Store:** the same data written into a temporary store (seeding timed apart), then a
//!    child process opens it as olifant does and runs `digest::run::build_digest` + `digest::run::render_digest`.
//!    Its time, and the peak RSS of the whole child (open, build, render).
//!
//! Targets: under 1 s in release, peak RSS under 200 MB.
//!
//! Size: full (1,000 clients) with `--bench` (`cargo bench --bench digest`) or in any
//! optimised build (`scripts/bench` runs the release executable without arguments); a small
//! smoke run under `cargo test --bench digest`. `OLIFANT_BENCH_DIGEST_CLIENTS=N` overrides.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use chrono::{DateTime, Duration, TimeZone, Utc};
use olifant::app::App;
use olifant::config::Config;
use olifant::digest::{
    build_digest, render, render_terminal, to_json, Activity, DigestInput, ReflectionSource,
};
use olifant::model::{Answer, Client, ClientKey, ClientStatus, DigestSettings, Lang, Reflection};
use olifant::prompt::questionnaire::default_questionnaire;
use olifant::send::stub::StubSender;
use olifant::templates::Templates;

const FULL_CLIENTS: usize = 1_000;
const SMOKE_CLIENTS: usize = 20;
const WEEKS: i64 = 520;
/// Runs the store phase in this process (the parent starts itself with it).
const CHILD_FLAG: &str = "--store-phase";

/// A small deterministic generator (xorshift), so runs are comparable.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 6, 1, 9, 0, 0).unwrap()
}

/// The generated world: clients up front, each client's reflections on demand (the same ones
/// every time: each client has its own seed).
struct World {
    clients: Vec<Client>,
    /// Client key → (index, base mood).
    index: HashMap<ClientKey, (usize, u8)>,
    question_keys: Vec<String>,
}

impl World {
    fn new(n: usize) -> World {
        let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
        let mut clients = Vec::with_capacity(n);
        let mut index = HashMap::with_capacity(n);
        for i in 0..n {
            let c = Client {
                name: format!("Client {i:04}"),
                cadence: Default::default(),
                revenue: (i % 3 != 0).then_some(1000.0 + (rng.next() % 50_000) as f64),
                tags: vec![],
                status: ClientStatus::Active,
                since: now() - Duration::weeks(WEEKS),
            };
            // Each client has a base mood; ratings wander around it.
            let base = 1 + (rng.next() % 5) as u8;
            index.insert(c.key(), (i, base));
            clients.push(c);
        }
        let question_keys = default_questionnaire()
            .questions
            .iter()
            .map(|q| q.key.clone())
            .collect();
        World {
            clients,
            index,
            question_keys,
        }
    }

    /// Ten years of weekly reflections about client `i`, oldest first.
    fn reflections(&self, key: &ClientKey, i: usize, base: u8) -> Vec<Reflection> {
        let mut rng = Rng(0x2545_F491_4F6C_DD1D ^ ((i as u64 + 1) * 0x9E37_79B9));
        (0..WEEKS)
            .map(|w| {
                let answers: BTreeMap<String, Answer> = self
                    .question_keys
                    .iter()
                    .map(|k| {
                        let jitter = (rng.next() % 3) as i16 - 1;
                        let mut v = (i16::from(base) + jitter).clamp(1, 5) as u8;
                        if k == "again" {
                            v = [1, 3, 5][((v - 1) / 2) as usize];
                        }
                        let answer = Answer {
                            rating: Some(v),
                            comment: (w % 13 == 0).then(|| format!("comment {w}")),
                        };
                        (k.clone(), answer)
                    })
                    .collect();
                Reflection {
                    client: key.clone(),
                    prompt: None,
                    date: now() - Duration::weeks(WEEKS - w) + Duration::hours(1),
                    answers,
                    notes: if w % 4 == 0 {
                        format!("notes for week {w}")
                    } else {
                        String::new()
                    },
                    sources: vec![],
                }
            })
            .collect()
    }
}

impl ReflectionSource for &World {
    type Error = std::convert::Infallible;

    fn reflections_of(&mut self, client: &ClientKey) -> Result<Vec<Reflection>, Self::Error> {
        Ok(match self.index.get(client) {
            Some(&(i, base)) => self.reflections(client, i, base),
            None => Vec::new(),
        })
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(pos) = args.iter().position(|a| a == CHILD_FLAG) {
        let Some(dir) = args.get(pos + 1) else {
            fail("--store-phase needs the data directory");
        };
        store_phase(Path::new(dir));
        return;
    }
    let full = args.iter().any(|a| a == "--bench") || !cfg!(debug_assertions);
    let clients = std::env::var("OLIFANT_BENCH_DIGEST_CLIENTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(if full { FULL_CLIENTS } else { SMOKE_CLIENTS });
    println!(
        "{clients} clients × {WEEKS} weekly reflections ({} in all){}",
        clients * WEEKS as usize,
        if clients == FULL_CLIENTS {
            ""
        } else {
            " — smoke size"
        }
    );
    generated_phase(clients);
    seeded_store_phase(clients);
}

/// Phase 1: the pure digest over lazily generated reflections.
fn generated_phase(n: usize) {
    let world = World::new(n);
    // The generator's own cost, for reading the build time below (it is included there).
    let t = Instant::now();
    let mut generated = 0;
    for c in &world.clients {
        generated += (&world).reflections_of(&c.key()).map_or(0, |v| v.len());
    }
    let generate = t.elapsed();

    let q = default_questionnaire();
    let settings = DigestSettings::default();
    let templates = Templates::builtin();
    let input = DigestInput {
        clients: &world.clients,
        prompts: &[],
        not_understood: 0,
        quarantined: &[],
        activity: Activity::default(),
        next_prompt_at: None,
        next_digest_at: None,
        as_of: None,
        previous_digest_at: Some(now() - Duration::days(30)),
        settings: &settings,
        questionnaire: &q,
        lang: Lang::En,
        tz: chrono_tz::Europe::Amsterdam,
    };
    let before_mb = status_kb("VmRSS:").map_or(0, |kb| kb / 1024);
    let reset = reset_peak();
    let t1 = Instant::now();
    let Ok(digest) = build_digest(&input, &mut &world, now());
    let built = t1.elapsed();
    let t2 = Instant::now();
    let rendered = match render(&digest, &templates, Lang::En) {
        Ok(r) => r,
        Err(e) => fail(&format!("render failed: {e}")),
    };
    let rendered_in = t2.elapsed();
    let peak_mb = status_kb("VmHWM:").map_or(0, |kb| kb / 1024);
    let t3 = Instant::now();
    let preview = render_terminal(&digest, Lang::En, false);
    let json = to_json(&digest);
    let other = t3.elapsed();
    // The one line scripts/bench reads (`^build `).
    println!(
        "build {built:.2?} + render {rendered_in:.2?} = {:.2?} (target < 1 s in release); \
         preview + json {other:.2?}",
        built + rendered_in
    );
    println!(
        "  generated data: the build includes making {generated} reflections on demand \
         ({generate:.2?} when timed alone)"
    );
    println!(
        "  generated data: peak RSS during build + render {peak_mb} MB{} (process at {before_mb} MB before)",
        if reset {
            ""
        } else {
            " (peak reset refused: peak of the whole run so far)"
        },
    );
    println!(
        "  text {} KB, html {} KB, {} images ({} KB), preview {} KB, json {} clients",
        rendered.text.len() / 1024,
        rendered.html.len() / 1024,
        rendered.images.len(),
        rendered.images.iter().map(|i| i.png.len()).sum::<usize>() / 1024,
        preview.len() / 1024,
        json["clients"].as_array().map_or(0, Vec::len)
    );
}

/// Phase 2: seed a store, then time the real path in a child process.
fn seeded_store_phase(n: usize) {
    let dir = match tempfile::tempdir() {
        Ok(d) => d,
        Err(e) => fail(&format!("cannot create a temporary directory: {e}")),
    };
    let data_dir = dir.path().join("data");
    let world = World::new(n);
    let t = Instant::now();
    {
        let app = open_app(&data_dir);
        for (i, c) in world.clients.iter().enumerate() {
            let key = c.key();
            or_fail(app.store.put_client(c), "put_client");
            for r in (&world).reflections_of(&key).unwrap_or_default() {
                or_fail(app.store.put_reflection(&r), "put_reflection");
            }
            // sled keeps written pages in memory until a flush: flush as ingest does.
            if i % 10 == 9 {
                or_fail(app.store.flush(), "flush");
            }
        }
        or_fail(app.store.flush(), "flush");
    }
    let seeded = t.elapsed();
    let db_mb = dir_bytes(&data_dir.join("db")) / (1024 * 1024);
    println!(
        "store: seeded {} reflections one put_reflection at a time in {seeded:.2?} ({db_mb} MB on disk)",
        n * WEEKS as usize
    );
    let exe = match std::env::current_exe() {
        Ok(e) => e,
        Err(e) => fail(&format!("cannot find this executable: {e}")),
    };
    let out = match std::process::Command::new(exe)
        .arg(CHILD_FLAG)
        .arg(&data_dir)
        .output()
    {
        Ok(o) => o,
        Err(e) => fail(&format!("cannot start the store phase: {e}")),
    };
    print!("{}", String::from_utf8_lossy(&out.stdout));
    eprint!("{}", String::from_utf8_lossy(&out.stderr));
    if !out.status.success() {
        fail(&format!("the store phase failed: {}", out.status));
    }
    println!(
        "  (this process, generated phase and seeding: peak RSS {} MB)",
        status_kb("VmHWM:").map_or(0, |kb| kb / 1024)
    );
}

/// The child: open the seeded store as olifant does, build and render the digest.
fn store_phase(data_dir: &Path) {
    let t0 = Instant::now();
    let app = open_app(data_dir);
    let opened = t0.elapsed();
    let open_mb = status_kb("VmRSS:").map_or(0, |kb| kb / 1024);
    let t1 = Instant::now();
    let digest = or_fail(
        olifant::digest::run::build_digest(&app, now(), None, None),
        "digest::run::build_digest",
    );
    let built = t1.elapsed();
    let t2 = Instant::now();
    let rendered = or_fail(
        olifant::digest::run::render_digest(&app, &digest),
        "digest::run::render_digest",
    );
    let rendered_in = t2.elapsed();
    let peak_mb = status_kb("VmHWM:").map_or(0, |kb| kb / 1024);
    // Afterwards (so it cannot warm anything for the figures above): how much of the build is
    // reading and decoding the reflections.
    let t3 = Instant::now();
    let mut read = 0;
    for c in or_fail(app.store.clients(), "clients") {
        read += or_fail(app.store.reflections_for(&c.key()), "reflections_for").len();
    }
    let reading = t3.elapsed();
    println!(
        "store: digest::run::build_digest {built:.2?} + render {rendered_in:.2?} = {:.2?} \
         (open {opened:.2?}, {open_mb} MB after); peak RSS of the whole process {peak_mb} MB; {} clients, \
         html {} KB",
        built + rendered_in,
        digest.clients.len(),
        rendered.html.len() / 1024
    );
    println!(
        "  of which reading: Store::reflections_for over every client alone takes {reading:.2?} \
         ({read} reflections, read and decoded once more)"
    );
}

fn open_app(data_dir: &Path) -> App {
    let config = or_fail(Config::example_local(data_dir), "example config");
    or_fail(
        App::open_with_sender(config, Arc::new(StubSender::new()), now()),
        "App::open",
    )
}

fn or_fail<T, E: std::fmt::Display>(r: Result<T, E>, what: &str) -> T {
    match r {
        Ok(v) => v,
        Err(e) => fail(&format!("{what}: {e}")),
    }
}

fn fail(msg: &str) -> ! {
    eprintln!("digest bench: {msg}");
    std::process::exit(1);
}

/// Resets this process's peak RSS (`VmHWM`) to the current RSS (Linux).
fn reset_peak() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

fn dir_bytes(dir: &Path) -> u64 {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    entries
        .flatten()
        .map(|e| match e.metadata() {
            Ok(m) if m.is_dir() => dir_bytes(&e.path()),
            Ok(m) => m.len(),
            Err(_) => 0,
        })
        .sum()
}

/// A `/proc/self/status` field in kB (Linux), e.g. `VmRSS:` or `VmHWM:`.
fn status_kb(field: &str) -> Option<u64> {
    std::fs::read_to_string("/proc/self/status")
        .ok()?
        .lines()
        .find(|l| l.starts_with(field))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}
