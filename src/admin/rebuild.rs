//! Rebuilding reflections: `olifant reparse` reruns the parser over the raw replies kept in
//! the store; `olifant reingest` rebuilds the store from the processed folder on the server
//! after the data directory was lost or corrupted.

use std::panic::{catch_unwind, AssertUnwindSafe};

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::app::{App, AppError};
use crate::config::ReceiveConfig;
use crate::ingest::source::{MailSource, Query};
use crate::model::{
    Client, ClientKey, ClientStatus, Lang, MessageKind, PromptId, PromptRecord, PromptStatus,
    Reflection, SendState,
};
use crate::parse::read_message;
use crate::prompt::compose::prompt_subject;
use crate::prompt::token;
use crate::store::RawOutcome;

/// What `olifant reingest` did.
#[derive(Debug, Default, Clone, Serialize)]
pub struct ReingestReport {
    /// Messages read from the processed folder.
    pub read: usize,
    /// Reflections stored.
    pub stored: usize,
    /// Prompts reconstructed from replies.
    pub prompts_rebuilt: usize,
    /// Messages that could not be tied to a client.
    pub unmatched: usize,
}

/// Reruns the parser over every stored raw reply and rebuilds the reflections.
pub fn reparse(app: &App, _now: DateTime<Utc>) -> Result<usize, AppError> {
    let mut items = Vec::new();
    for item in app.store.raws() {
        let (id, meta, raw) = item?;
        if matches!(meta.outcome, RawOutcome::Reflection { .. }) && !raw.is_empty() {
            items.push((meta.received_at, id, raw));
        }
    }
    items.sort();
    app.store.clear_reflections()?;
    let ctx = app.parse_context();
    let mut n = 0;
    for (received, id, raw) in items {
        let Ok(Ok(reading)) = catch_unwind(AssertUnwindSafe(|| read_message(&raw, &ctx))) else {
            continue;
        };
        let (Some(pid), MessageKind::Reflection) = (reading.prompt_id, reading.parsed.kind) else {
            continue;
        };
        let Some(prompt) = app.store.prompt(pid)? else {
            continue;
        };
        let reflection = match app.store.reflection_for_prompt(pid)? {
            Some(mut r) => {
                crate::ingest::pipeline::merge_reflection(&mut r, &reading.parsed, &id);
                r
            }
            None => Reflection {
                client: prompt.client.clone(),
                prompt: Some(pid),
                date: reading.date.unwrap_or(received).min(received),
                answers: reading.parsed.answers.clone(),
                notes: reading.parsed.notes.trim().to_string(),
                sources: vec![id.clone()],
            },
        };
        app.store.put_reflection(&reflection)?;
        n += 1;
    }
    app.store.flush()?;
    Ok(n)
}

/// The processed folder as a source of its own.
fn processed_source(app: &App) -> Result<Box<dyn MailSource>, AppError> {
    Ok(match &app.config.receive {
        ReceiveConfig::Imap(c) => {
            let mut s = crate::app::imap_settings(c)?;
            s.mailbox = c.processed_mailbox.clone();
            Box::new(crate::ingest::imap::ImapSource::new(s)?)
        }
        ReceiveConfig::Maildir { path } => Box::new(crate::ingest::maildir::MaildirSource::new(
            crate::ingest::maildir::folder_dir(path, "olifant/processed"),
            std::time::Duration::from_secs(1),
        )),
    })
}

/// Refuses to run on an empty store while the processed folder holds mail olifant handled
/// before: the data directory was lost or the config points at a new one.
///
/// When the server cannot be reached the check is skipped (the daemon retries anyway).
pub async fn guard_lost_store(app: &App) -> Result<(), AppError> {
    let fresh = app.store.prompts()?.is_empty()
        && app.store.reflections()?.is_empty()
        && app.store.checkpoints()?.is_empty();
    if !fresh {
        return Ok(());
    }
    let source = processed_source(app)?;
    let mut session = match source.connect().await {
        Ok(s) => s,
        Err(e) => {
            tracing::debug!(error = %e, "processed folder not checked");
            return Ok(());
        }
    };
    let n = session
        .list(&Query::All)
        .await
        .map(|l| l.len())
        .unwrap_or(0);
    let _ = session.logout().await;
    if n > 0 {
        return Err(AppError::Invalid(format!(
            "the data directory {} is empty, but the processed folder already holds {n} messages olifant handled:                  if the old data directory is lost, run `olifant reingest` to rebuild it from the server;                  if you moved it, point data_dir at it",
            app.config.data_dir.display()
        )));
    }
    Ok(())
}

/// Rebuilds reflections (and the prompts they answer) from the processed folder.
///
/// Mail in the processed folder was checked when olifant first read it, and the token
/// key may be gone with the old data directory: here a reply's token is trusted for its
/// prompt id, but the sender must still be one of the owner's addresses.
pub async fn reingest(app: &App, clock: &crate::clock::Clock) -> Result<ReingestReport, AppError> {
    let source = processed_source(app)?;
    let trusting = crate::prompt::token::TokenKey::trusting_any();
    let ctx = crate::parse::ParseContext {
        key: Some(&trusting),
        ..app.parse_context()
    };
    let mut session = source.connect().await?;
    let listed = session.list(&Query::All).await?;
    let mut report = ReingestReport::default();
    let ids: Vec<_> = listed.into_iter().map(|l| l.id).collect();
    for chunk in ids.chunks(crate::ingest::pipeline::BATCH) {
        for f in session.fetch(chunk).await? {
            report.read += 1;
            let now = clock();
            if ensure_prompt_for(app, &f.raw, now, &mut report)? {
                let origin = format!("reingest:{}", f.id);
                let out =
                    crate::ingest::pipeline::handle_message_with(app, &f.raw, &origin, now, &ctx)?;
                if matches!(out.handled, crate::ingest::pipeline::Handled::Stored { .. }) {
                    report.stored += 1;
                }
            }
        }
        app.store.flush()?;
    }
    let _ = session.logout().await;
    Ok(report)
}

/// Makes sure the prompt a processed reply answers exists in the store, reconstructing it
/// from the reply's token and subject when the data directory was lost.
fn ensure_prompt_for(
    app: &App,
    raw: &[u8],
    now: DateTime<Utc>,
    report: &mut ReingestReport,
) -> Result<bool, AppError> {
    let ctx = crate::parse::ParseContext {
        key: None,
        ..app.parse_context()
    };
    let Ok(Ok(reading)) = catch_unwind(AssertUnwindSafe(|| read_message(raw, &ctx))) else {
        return Ok(false);
    };
    let Some(tok) = reading.parsed.prompt_token.clone() else {
        return Ok(true); // commands, bounces: handled normally
    };
    if !reading.sender_is_owner {
        return Ok(true);
    }
    let Some(id) = token::unverified_prompt_id(&tok) else {
        return Ok(true);
    };
    if app.store.prompt(id)?.is_some() {
        return Ok(true);
    }
    let subject = mail_parser::MessageParser::default()
        .parse_headers(raw)
        .and_then(|m| m.subject().map(str::to_string))
        .unwrap_or_default();
    let Some((name, lang)) = client_from_subject(&subject) else {
        report.unmatched += 1;
        return Ok(false);
    };
    let key = ClientKey::from_name(&name);
    let date = reading.date.unwrap_or(now);
    if app.store.client(&key)?.is_none() {
        app.store.put_client(&Client {
            name: name.clone(),
            cadence: Default::default(),
            revenue: None,
            tags: Vec::new(),
            status: ClientStatus::Active,
            since: date,
        })?;
    }
    app.store.put_prompt(&PromptRecord {
        id,
        client: key,
        client_name: name.clone(),
        lang,
        occurrence: date,
        created_at: date,
        message_id: token::message_id(
            &app.key.token(id),
            "",
            token::message_id_domain(&app.config.bot.address),
        ),
        subject: prompt_subject(&name, lang, id),
        send: SendState::Sent { at: date },
        status: PromptStatus::Open,
        reminder: None,
    })?;
    report.prompts_rebuilt += 1;
    Ok(true)
}

/// The client name in a reply's subject (`Re: How was X lately? [REF]`), in either language.
pub fn client_from_subject(subject: &str) -> Option<(String, Lang)> {
    let mut s = subject.trim();
    loop {
        let lower = s.to_ascii_lowercase();
        let cut = ["re:", "aw:", "antw:", "sv:", "fw:", "fwd:"]
            .iter()
            .find(|p| lower.starts_with(*p))
            .map(|p| p.len());
        match cut {
            Some(n) => s = s[n..].trim_start(),
            None => break,
        }
    }
    for lang in Lang::ALL {
        let probe = prompt_subject("\u{E000}", lang, PromptId(0));
        let (pre, post) = probe.split_once('\u{E000}')?;
        let post = post.split(" [").next().unwrap_or(post);
        if let Some(rest) = s.strip_prefix(pre) {
            if let Some(idx) = rest.rfind(post) {
                let name = rest[..idx].trim();
                if !name.is_empty() {
                    return Some((name.to_string(), lang));
                }
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_names_come_back_from_reply_subjects_in_both_languages() {
        let en = prompt_subject("Café \"De Olifant\" & Zn.", Lang::En, PromptId(77));
        assert_eq!(
            client_from_subject(&format!("Re: {en}")),
            Some(("Café \"De Olifant\" & Zn.".to_string(), Lang::En))
        );
        let nl = prompt_subject("Bakkerij Jansen", Lang::Nl, PromptId(78));
        assert_eq!(
            client_from_subject(&format!("Antw: RE: {nl}")),
            Some(("Bakkerij Jansen".to_string(), Lang::Nl))
        );
        assert_eq!(client_from_subject("Re: lunch?"), None);
    }
}
