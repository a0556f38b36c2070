//! The daemon: the one place that waits on timers, IDLE and signals.
//!
//! Two loops share one [`App`]:
//!
//! * the **scheduler loop** wakes on a UTC tick from tokio-cron-scheduler (every minute by
//!   default) and once at start. On each wake it asks the pure planner what is due (prompts,
//!   reminders, the digest) and carries it out exactly once. Local times, DST and catch-up
//!   after downtime are decided by [`crate::schedule`], not by the ticker: the ticker's own
//!   time-zone jobs fire an hour off after a DST change.
//! * the **ingest loop** keeps a session to the mailbox, runs an ingest pass, then waits in
//!   IDLE (re-issued every 25 minutes) or polls. Any error drops the session and reconnects
//!   with capped exponential backoff; a failure streak is logged once, not in a loop.
//!
//! Neither loop dies of one failed job: errors are logged and recorded as events. SIGINT or
//! SIGTERM (or the `shutdown` future) ends both: the message in hand is finished, the store
//! flushed, IMAP logged out.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::sync::{mpsc, watch};
use tokio_cron_scheduler::{Job, JobScheduler};

use crate::app::{App, AppError};
use crate::clock;
use crate::ingest::source::WaitOutcome;
use crate::schedule;
use crate::store::{Event, EventKind};

/// Daemon timing knobs (defaults suit a real mailbox; tests shorten them).
#[derive(Debug, Clone, Copy)]
pub struct DaemonOptions {
    /// Seconds between scheduler ticks (1–60; 60 = every minute).
    pub tick_seconds: u32,
    /// Longest single IDLE wait before it is re-issued.
    pub idle_max: Duration,
    /// First reconnect delay; doubled per failure.
    pub backoff_first: Duration,
    /// Longest reconnect delay.
    pub backoff_max: Duration,
}

impl Default for DaemonOptions {
    fn default() -> Self {
        DaemonOptions {
            tick_seconds: 60,
            idle_max: Duration::from_secs(25 * 60),
            // Capped low on purpose: a reconnect is one cheap TCP connect, logged once per
            // outage, and the owner's replies should be read within seconds of the server's
            // return.
            backoff_first: Duration::from_millis(500),
            backoff_max: Duration::from_secs(4),
        }
    }
}

/// Resolves on SIGINT or SIGTERM.
pub async fn signals() {
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(e) => {
                tracing::warn!(error = %e, "cannot listen for SIGTERM");
                std::future::pending::<()>().await
            }
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => tracing::info!("SIGINT: shutting down"),
        _ = term => tracing::info!("SIGTERM: shutting down"),
    }
}

/// Runs the daemon until `shutdown` resolves.
pub async fn run(
    app: App,
    options: DaemonOptions,
    shutdown: impl Future<Output = ()>,
) -> Result<(), AppError> {
    crate::admin::rebuild::guard_lost_store(&app).await?;
    let app = Arc::new(app);
    let (stop_tx, stop_rx) = watch::channel(false);
    let (tick_tx, tick_rx) = mpsc::channel::<()>(4);

    let mut scheduler = JobScheduler::new()
        .await
        .map_err(|e| AppError::Invalid(format!("cannot start the scheduler: {e}")))?;
    let every = options.tick_seconds.clamp(1, 60);
    let spec = if every >= 60 {
        "0 * * * * *".to_string()
    } else {
        format!("*/{every} * * * * *")
    };
    let tx = tick_tx.clone();
    let job = Job::new_async(spec.as_str(), move |_, _| {
        let tx = tx.clone();
        Box::pin(async move {
            // A full channel means a pass is already pending: dropping this tick loses nothing.
            let _ = tx.try_send(());
        })
    })
    .map_err(|e| AppError::Invalid(format!("cannot create the scheduler tick: {e}")))?;
    scheduler
        .add(job)
        .await
        .map_err(|e| AppError::Invalid(format!("cannot add the scheduler tick: {e}")))?;
    scheduler
        .start()
        .await
        .map_err(|e| AppError::Invalid(format!("cannot start the scheduler: {e}")))?;
    // One pass at start: the catch-up after downtime.
    let _ = tick_tx.try_send(());

    tracing::info!(
        data_dir = %app.config.data_dir.display(),
        sender = %app.sender.describe(),
        "olifant is running"
    );
    let sched = tokio::spawn(scheduler_loop(app.clone(), tick_rx, stop_rx.clone()));
    let ingest = tokio::spawn(ingest_loop(app.clone(), options, stop_rx));

    shutdown.await;
    let _ = stop_tx.send(true);
    let _ = scheduler.shutdown().await;
    let _ = sched.await;
    let _ = ingest.await;
    app.store.flush()?;
    tracing::info!("olifant stopped");
    Ok(())
}

async fn scheduler_loop(
    app: Arc<App>,
    mut ticks: mpsc::Receiver<()>,
    mut stop: watch::Receiver<bool>,
) {
    loop {
        tokio::select! {
            t = ticks.recv() => if t.is_none() { return },
            _ = stop.changed() => return,
        }
        if *stop.borrow() {
            return;
        }
        if let Err(e) = scheduled_work(&app, clock::now()).await {
            tracing::error!(error = %e, "scheduled work failed; will try again at the next tick");
            let _ = app.store.record_event(&Event::new(
                clock::now(),
                EventKind::Other,
                format!("scheduled work failed: {e}"),
            ));
        }
    }
}

/// Everything the scheduler does at one tick; public for tests.
pub async fn scheduled_work(app: &App, now: DateTime<Utc>) -> Result<(), AppError> {
    let plan = crate::prompt::run::plan_prompts(app, now)?;
    if plan.occurrence.is_some() || !plan.reminders.is_empty() || !plan.expire.is_empty() {
        let report = crate::prompt::run::run_prompts(app, now, &clock::now).await?;
        if !report.sent.is_empty() || !report.reminded.is_empty() || !report.failed.is_empty() {
            tracing::info!(sent = ?report.sent, reminded = ?report.reminded, failed = ?report.failed, "prompt run");
        }
    }
    let resent = crate::prompt::run::retry_failed_prompts(app, now, &clock::now).await?;
    if resent > 0 {
        tracing::info!(resent, "prompts sent after an earlier transient failure");
    }
    let last = app.store.meta()?.last_digest_run;
    if let Some(occurrence) = schedule::digest_due(
        &app.config.schedule.digest_cron,
        app.config.owner.timezone,
        last,
        now,
    ) {
        match crate::digest::run::send_digest(app, occurrence, now, &clock::now).await? {
            Some(state) => tracing::info!(state = ?state, "digest run"),
            None => {
                app.store
                    .update_meta(|m| m.last_digest_run = Some(occurrence))?;
                app.store.flush()?;
            }
        }
    }
    Ok(())
}

async fn ingest_loop(app: Arc<App>, options: DaemonOptions, mut stop: watch::Receiver<bool>) {
    let mut backoff = options.backoff_first;
    let mut failing_since: Option<DateTime<Utc>> = None;
    'connect: loop {
        if *stop.borrow() {
            return;
        }
        let (source, folders) = match crate::ingest::pipeline::mail_source(&app) {
            Ok(s) => s,
            Err(e) => {
                tracing::error!(error = %e, "mail source unusable; ingestion stopped until restart");
                return;
            }
        };
        let connected = tokio::select! {
            r = source.connect() => r,
            _ = stop.changed() => return,
        };
        let mut session = match connected {
            Ok(s) => s,
            Err(e) => {
                if failing_since.is_none() {
                    tracing::warn!(error = %e, "cannot reach the mailbox; retrying with backoff");
                    failing_since = Some(clock::now());
                }
                tokio::select! {
                    _ = tokio::time::sleep(backoff) => {}
                    _ = stop.changed() => return,
                }
                backoff = (backoff * 2).min(options.backoff_max);
                continue 'connect;
            }
        };
        if let Some(since) = failing_since.take() {
            tracing::info!(since = %since, "mailbox reachable again");
            let _ = app.store.record_event(&Event::new(
                clock::now(),
                EventKind::Reconnected,
                format!("mailbox unreachable since {since}"),
            ));
        }
        backoff = options.backoff_first;
        loop {
            match crate::ingest::pipeline::ingest_pass(&app, &mut *session, &folders, &clock::now)
                .await
            {
                Ok(r) => {
                    if r.fetched > 0 || r.too_large > 0 {
                        tracing::info!(report = ?r, "ingest pass");
                    }
                }
                Err(e) => {
                    tracing::warn!(error = %e, "ingest pass failed; reconnecting");
                    failing_since.get_or_insert_with(clock::now);
                    break;
                }
            }
            if *stop.borrow() || session.is_broken() {
                break;
            }
            let waited = tokio::select! {
                w = session.wait(options.idle_max) => Some(w),
                _ = stop.changed() => None,
            };
            match waited {
                None => break,
                Some(Ok(WaitOutcome::NewMail | WaitOutcome::Timeout)) => {}
                Some(Ok(WaitOutcome::Reconnect)) => {
                    tracing::info!("server ended the session; reconnecting");
                    break;
                }
                Some(Err(e)) => {
                    tracing::warn!(error = %e, "waiting for mail failed; reconnecting");
                    failing_since.get_or_insert_with(clock::now);
                    break;
                }
            }
        }
        if !session.is_broken() {
            let _ = tokio::time::timeout(Duration::from_secs(2), session.logout()).await;
        }
        if *stop.borrow() {
            return;
        }
        if failing_since.is_some() {
            tokio::select! {
                _ = tokio::time::sleep(backoff) => {}
                _ = stop.changed() => return,
            }
            backoff = (backoff * 2).min(options.backoff_max);
        }
    }
}
