//! Time and peak memory per hostile input: `read_message` and `ingest::pipeline::handle_message` on each
//! generated monster, a 10 MiB genuine reply (the default size limit) and a 50 MiB message.
//!
//! `cargo bench --bench hostile` prints a table. Targets: under 2 s and under 200 MB peak RSS
//! per input (release build). Peak RSS is the process's VmHWM, reset before each input by
//! writing 5 to /proc/self/clear_refs (Linux); where that is refused, the column shows the
//! peak so far and says so.

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{TimeZone, Utc};
use olifant::app::App;
use olifant::config::parse_with;
use olifant::model::ClientKey;
use olifant::parse::read_message;
use olifant::send::stub::StubSender;

#[path = "../tests/offline/hostile_inputs.rs"]
mod hostile_inputs;

const TIME_TARGET: Duration = Duration::from_secs(2);
const RSS_TARGET_KB: u64 = 200 * 1024;

fn vm_hwm_kb() -> Option<u64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    s.lines()
        .find(|l| l.starts_with("VmHWM:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

fn reset_peak() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

fn main() {
    let now = Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap();
    let dir = tempfile::tempdir().expect("temp dir");
    let config = parse_with(
        "[owner]\naddresses = [\"owner@example.test\"]\ntimezone = \"Europe/Amsterdam\"\n\
         [bot]\naddress = \"olifant@example.test\"\n[[clients]]\nname = \"Acme\"\n",
        "bench",
        &|_| None,
        Some(dir.path()),
    )
    .expect("config");
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let app = App::open_with_sender(config, Arc::new(StubSender::new()), now).expect("app");
    let client = app
        .store
        .client(&ClientKey::from_name("Acme"))
        .expect("store")
        .expect("client");
    let (record, _) = rt
        .block_on(olifant::prompt::run::send_prompt(
            &app,
            &client,
            now,
            now,
            &move || now,
        ))
        .expect("prompt");
    let token = olifant::prompt::run::token_for(&app, record.id);

    let mut inputs = hostile_inputs::monsters(&token);
    let mut ten = hostile_inputs::reply(&token, "owner@example.test", "ten-mib", "", "1. 4\r\n");
    while ten.len() < 10 * 1024 * 1024 {
        ten.extend_from_slice(b"Some notes about the client, line after line.\r\n");
    }
    inputs.push(("10 MiB genuine reply (default limit)".into(), ten));
    let mut fifty = hostile_inputs::reply(&token, "owner@example.test", "fifty", "", "1. 4\r\n");
    fifty.resize(50 * 1024 * 1024, b'x');
    inputs.push(("50 MiB, one line".into(), fifty));

    let ctx = app.parse_context();
    let resettable = reset_peak();
    println!(
        "{:<44} {:>10} {:>10} {:>10} {:>10}  targets (<2 s, <200 MB)",
        "input", "bytes", "parse ms", "handle ms", "peak MB"
    );
    let mut over = 0;
    for (name, raw) in &inputs {
        reset_peak();
        let t = Instant::now();
        let kind = read_message(raw, &ctx).map(|r| r.parsed.kind);
        let parse = t.elapsed();
        let t = Instant::now();
        let handled = olifant::ingest::pipeline::handle_message(&app, raw, name, now);
        let handle = t.elapsed();
        let peak = vm_hwm_kb().unwrap_or(0);
        let ok = parse < TIME_TARGET && handle < TIME_TARGET && peak < RSS_TARGET_KB;
        if !ok {
            over += 1;
        }
        println!(
            "{:<44} {:>10} {:>10.1} {:>10.1} {:>10.1}  {}{}",
            name.chars().take(44).collect::<String>(),
            raw.len(),
            parse.as_secs_f64() * 1e3,
            handle.as_secs_f64() * 1e3,
            peak as f64 / 1024.0,
            if ok { "ok" } else { "OVER" },
            match (&kind, &handled) {
                (Err(_), _) => " (unreadable)".to_string(),
                (_, Err(e)) => format!(" (handle error: {e})"),
                (Ok(k), Ok(o)) => format!(" ({k:?} → {:?})", o.handled)
                    .chars()
                    .take(80)
                    .collect(),
            }
        );
    }
    if !resettable {
        println!("note: /proc/self/clear_refs refused; peak MB is the peak so far, not per input");
    }
    println!("{} inputs, {over} over a target", inputs.len());
}
