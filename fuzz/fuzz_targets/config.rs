//! Any UTF-8 text as a config file: parsing and validation (what `parse_str` does) must
//! return a config or an error, never panic. The environment is fixed so runs repeat.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    let env = |k: &str| (k == "HOME").then(|| "/nonexistent-fuzz-home".to_string());
    if let Err(e) = olifant::config::parse_with(text, "fuzz", &env, None) {
        let _ = e.to_string();
    }
});
