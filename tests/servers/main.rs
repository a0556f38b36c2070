//! Every integration test against the private Dovecot + Postfix that `scripts/test` installs
//! and starts, as one test binary. Each module is one subject; a test's name is
//! `module::name`, e.g. `bash scripts/test --test servers faults::`.
//!
//! A plain `cargo test` has no servers. So that it passes for a newcomer without pretending,
//! every server test is `#[ignore = "needs the private mail servers: …"]` (libtest lists each
//! as ignored with that reason and counts them), and
//! [`without_servers_the_server_tests_are_ignored_run_bash_scripts_test`] says on stderr how
//! many did not run and how to run them. `scripts/test` runs this binary with
//! `--include-ignored`: then every server test runs, and a missing server fails it loudly
//! (`support::Servers::get` panics). In this crate `#[ignore]` means "needs the servers" and
//! nothing else.

#[path = "../common/mod.rs"]
mod common;
mod support;

mod daemon;
mod digest_e2e;
mod faults;
mod injection;
mod mailservers;
mod prompts_e2e;
mod replies_e2e;
mod send_receive;

use std::io::Write;

/// With `--include-ignored` (`scripts/test`): the servers must be up, or this fails with what
/// is missing. Without it, where servers are expected (`OLIFANT_TEST_SERVERS` or `CI` set),
/// running none of the server tests is an error; elsewhere (a plain `cargo test`) it says
/// plainly that they did not run and how to run them.
#[test]
fn without_servers_the_server_tests_are_ignored_run_bash_scripts_test() {
    if std::env::args().any(|a| a == "--include-ignored" || a == "--ignored") {
        support::Servers::get();
        return;
    }
    let tests = ignored_tests();
    if let Some(var) = ["OLIFANT_TEST_SERVERS", "CI"]
        .into_iter()
        .find(|v| std::env::var_os(v).is_some())
    {
        panic!(
            "{var} is set, so the server tests must run, but the {tests} were ignored: pass \
             `-- --include-ignored` (as `bash scripts/test` does)"
        );
    }
    let note = format!(
        "\nnote: the {tests} were not run: run `bash scripts/test` (it installs and \
         starts private Dovecot and Postfix)\n\n"
    );
    // Straight to stderr: libtest keeps `eprintln!` of a passing test to itself.
    let _ = std::io::stderr().write_all(note.as_bytes());
}

/// "N server tests": the `#[ignore]`d tests of this binary (it lists them with
/// `--list --ignored`).
fn ignored_tests() -> String {
    std::env::current_exe()
        .and_then(|exe| {
            std::process::Command::new(exe)
                .args(["--list", "--ignored"])
                .output()
        })
        .map(|out| {
            String::from_utf8_lossy(&out.stdout)
                .lines()
                .filter(|l| l.ends_with(": test"))
                .count()
        })
        .map_or_else(|_| "server tests".into(), |n| format!("{n} server tests"))
}
