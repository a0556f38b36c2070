//! Build + render a digest for 1,000 clients × 520 weekly reflections (ten years).
//!
//! `cargo bench --bench digest` prints the time (target: under 1 s in release).
//! `cargo test --bench digest` runs the same code unoptimised (slower; a smoke run).

use std::collections::BTreeMap;
use std::time::Instant;

use chrono::{Duration, TimeZone, Utc};
use olifant::digest::{build_digest, render, render_terminal, to_json, Activity, DigestInput};
use olifant::model::{Answer, Client, ClientStatus, DigestSettings, Lang, Reflection};
use olifant::prompt::questionnaire::default_questionnaire;
use olifant::templates::Templates;

const CLIENTS: usize = 1_000;
const WEEKS: i64 = 520;

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

fn main() {
    let now = Utc.with_ymd_and_hms(2025, 6, 1, 9, 0, 0).unwrap();
    let q = default_questionnaire();
    let keys: Vec<String> = q.questions.iter().map(|x| x.key.clone()).collect();
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let t0 = Instant::now();
    let mut clients = Vec::with_capacity(CLIENTS);
    let mut reflections = Vec::with_capacity(CLIENTS * WEEKS as usize);
    for i in 0..CLIENTS {
        let name = format!("Client {i:04}");
        let c = Client {
            name: name.clone(),
            cadence: Default::default(),
            revenue: (i % 3 != 0).then_some(1000.0 + (rng.next() % 50_000) as f64),
            tags: vec![],
            status: ClientStatus::Active,
            since: now - Duration::weeks(WEEKS),
        };
        let key = c.key();
        // Each client has a base mood; ratings wander around it.
        let base = 1 + (rng.next() % 5) as u8;
        for w in 0..WEEKS {
            let answers: BTreeMap<String, Answer> = keys
                .iter()
                .map(|k| {
                    let jitter = (rng.next() % 3) as i16 - 1;
                    let mut v = (i16::from(base) + jitter).clamp(1, 5) as u8;
                    if k == "again" {
                        v = [1, 3, 5][((v - 1) / 2) as usize];
                    }
                    (
                        k.clone(),
                        Answer {
                            rating: Some(v),
                            comment: (w % 13 == 0).then(|| format!("comment {w}")),
                        },
                    )
                })
                .collect();
            reflections.push(Reflection {
                client: key.clone(),
                prompt: None,
                date: now - Duration::weeks(WEEKS - w) + Duration::hours(1),
                answers,
                notes: if w % 4 == 0 {
                    format!("notes for week {w}")
                } else {
                    String::new()
                },
                sources: vec![],
            });
        }
        clients.push(c);
    }
    println!(
        "generated {} clients × {} reflections in {:.2?}",
        CLIENTS,
        WEEKS,
        t0.elapsed()
    );

    let settings = DigestSettings::default();
    let templates = Templates::builtin();
    let input = DigestInput {
        clients: &clients,
        reflections: &reflections,
        prompts: &[],
        not_understood: 0,
        quarantined: &[],
        activity: Activity::default(),
        next_prompt_at: None,
        next_digest_at: None,
        as_of: None,
        previous_digest_at: Some(now - Duration::days(30)),
        settings: &settings,
        questionnaire: &q,
        lang: Lang::En,
        tz: chrono_tz::Europe::Amsterdam,
    };
    // Memory: the generated input is held for the whole run; what building and rendering add
    // on top is measured from the peak reset here (Linux clear_refs; else the peak so far).
    let input_mb = status_kb("VmRSS:").map_or(0, |kb| kb / 1024);
    let reset = std::fs::write("/proc/self/clear_refs", "5").is_ok();
    let t1 = Instant::now();
    let digest = build_digest(&input, now);
    let built = t1.elapsed();
    let t2 = Instant::now();
    let rendered = match render(&digest, &templates, Lang::En) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("render failed: {e}");
            std::process::exit(1);
        }
    };
    let rendered_in = t2.elapsed();
    let t3 = Instant::now();
    let preview = render_terminal(&digest, Lang::En, false);
    let json = to_json(&digest);
    let other = t3.elapsed();
    println!(
        "build {built:.2?} + render {rendered_in:.2?} = {:.2?} (target < 1 s in release); \
         preview + json {other:.2?}",
        built + rendered_in
    );
    let peak_mb = status_kb("VmHWM:").map_or(0, |kb| kb / 1024);
    println!(
        "memory: {input_mb} MB held by the generated input; peak during build + render {peak_mb} MB{} (+{} MB over the input)",
        if reset { "" } else { " (peak reset refused: peak of the whole run)" },
        peak_mb.saturating_sub(input_mb)
    );
    println!(
        "text {} KB, html {} KB, {} images ({} KB), preview {} KB, json {} clients",
        rendered.text.len() / 1024,
        rendered.html.len() / 1024,
        rendered.images.len(),
        rendered.images.iter().map(|i| i.png.len()).sum::<usize>() / 1024,
        preview.len() / 1024,
        json["clients"].as_array().map_or(0, Vec::len)
    );
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
