//! Every integration test against the private Dovecot + Postfix that `scripts/test` installs
//! and starts, as one test binary. Each module is one subject; a test's name is
//! `module::name`, e.g. `bash scripts/test --test servers faults::`.

mod e2e_support;
mod support;

mod daemon;
mod digest_e2e;
mod faults;
mod injection;
mod mailservers;
mod prompts_e2e;
mod replies_e2e;
mod send_receive;
