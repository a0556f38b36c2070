//! Commands by email (`pause 2w`, `afscheid Bakkerij Jansen`, …) and the mail olifant
//! sends after ingesting: receipts and command confirmations.
//!
//! A command is obeyed only when the parser found the sender to be the owner (one of the
//! owner's addresses, not olifant's own, and no DMARC failure from the trusted server).
//! Its effect is written with the rest of the batch; the confirmation is sent after the
//! batch is flushed, exactly once (recorded in the outgoing tree by Message-ID).

use chrono::{DateTime, NaiveDate, Utc};

use crate::app::{App, AppError};
use crate::ingest::plan::Followup;
use crate::model::{Client, ClientKey, ClientStatus, Lang, SendState};
use crate::parse::command::{Command, Span};
use crate::prompt::compose::{self, PromptMail, ReceiptInput};
use crate::prompt::token;
use crate::store::{EventKind, OutgoingKind, OutgoingRecord};

/// Applies a command's effect to the store. Returns what to tell the owner.
pub fn apply_command(app: &App, command: &Command, now: DateTime<Utc>) -> Result<String, AppError> {
    let lang = app.config.owner.language;
    let today = now.with_timezone(&app.config.owner.timezone).date_naive();
    match command {
        Command::Pause { span } => {
            let until = match span {
                Some(s) => span_after(s, today),
                None => Some(NaiveDate::MAX),
            };
            app.store.update_meta(|m| m.paused_until = until)?;
            Ok(match until {
                Some(d) if d != NaiveDate::MAX => tr!(lang, "commands.paused_until", date = d),
                _ => tr!(lang, "commands.paused").to_string(),
            })
        }
        Command::PauseUntil(d) => {
            app.store.update_meta(|m| m.paused_until = Some(*d))?;
            Ok(tr!(lang, "commands.paused_until", date = d))
        }
        Command::Resume => {
            app.store.update_meta(|m| m.paused_until = None)?;
            Ok(tr!(lang, "commands.resumed").to_string())
        }
        Command::Snooze { client, span } => {
            let mut c = crate::clients::find_client(app, client)?;
            let until = span_after(span, today);
            c.status = ClientStatus::Paused { until };
            app.store.put_client(&c)?;
            Ok(tr!(
                lang,
                "commands.snoozed",
                client = c.name,
                until = fmt_date(until, lang)
            ))
        }
        Command::LetGo { client } => {
            let mut c = crate::clients::find_client(app, client)?;
            c.status = ClientStatus::Archived { since: now };
            app.store.put_client(&c)?;
            Ok(tr!(lang, "commands.let_go", client = c.name))
        }
        Command::AddClient { name } => {
            if let Some(c) = app.store.client(&ClientKey::from_name(name))? {
                return Ok(tr!(lang, "commands.already_a_client", client = c.name));
            }
            let c = crate::clients::client_add(app, name, None, None, &[], now)?;
            Ok(tr!(lang, "commands.added", client = c.name))
        }
        Command::Explain { client } => {
            let c = crate::clients::find_client(app, client)?;
            explain_text(app, &c, now, None)
        }
        Command::Digest => Ok(tr!(lang, "commands.digest_follows").to_string()),
        Command::Help | Command::Unknown(_) => Ok(help_text(lang)),
    }
}

/// `olifant explain` as text.
pub fn explain_text(
    app: &App,
    client: &Client,
    now: DateTime<Utc>,
    lang: Option<Lang>,
) -> Result<String, AppError> {
    let reflections = app.store.reflections_for(&client.key())?;
    let refs: Vec<&_> = reflections.iter().collect();
    let e = crate::score::explain(
        client,
        &refs,
        app.config.questionnaire(),
        &app.config.digest,
        now,
    );
    Ok(e.to_text(
        lang.unwrap_or(app.config.owner.language),
        app.config.questionnaire(),
    ))
}

/// Sends a receipt or command confirmation, exactly once per Message-ID.
pub(crate) async fn send_followup(
    app: &App,
    followup: Followup,
    clock: &crate::clock::Clock,
) -> Result<(), AppError> {
    let now = clock();
    let (mail, kind) = match followup {
        Followup::Receipt {
            prompt,
            reply_message_id,
            problems,
        } => {
            let Some(p) = app.store.prompt(prompt)? else {
                return Ok(());
            };
            let Some(r) = app.store.reflection_for_prompt(prompt)? else {
                return Ok(());
            };
            let token = app.key.token(p.id);
            let addressing = app.addressing();
            let mail = compose::compose_receipt(
                &app.templates,
                &ReceiptInput {
                    prompt: &p,
                    questionnaire: app.config.questionnaire(),
                    answers: &r.answers,
                    notes: &r.notes,
                    problems: &problems,
                    reply_message_id: &reply_message_id,
                    // This reply's place among the prompt's replies, so each reply
                    // has its own receipt id even when several share a batch.
                    receipt_number: r
                        .sources
                        .iter()
                        .position(|s| !reply_message_id.is_empty() && *s == reply_message_id)
                        .map_or(r.sources.len(), |i| i + 1)
                        as u32,
                    token: &token,
                    addressing: &addressing,
                },
            )?;
            (mail, OutgoingKind::Receipt)
        }
        Followup::CommandReply {
            command_line,
            reply_to_message_id,
            subject,
        } => {
            let command = crate::parse::command::parse_command(&command_line)
                .unwrap_or(Command::Unknown(command_line.clone()));
            let domain = token::message_id_domain(&app.config.bot.address);
            let seed = reply_to_message_id
                .clone()
                .unwrap_or_else(|| now.timestamp_millis().to_string());
            let digest = ring::digest::digest(&ring::digest::SHA256, seed.as_bytes());
            let tag: String = digest.as_ref()[..8]
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect();
            let message_id = token::own_message_id("cmd", &tag, domain);
            // A command seen again (after a crash) whose confirmation went out is done:
            // above all, a `digest` command must not send a second digest.
            if app.store.outgoing_by_id(&message_id)?.is_some() {
                return Ok(());
            }
            if matches!(command, Command::Digest) {
                crate::digest::run::send_digest(app, now, now, clock).await?;
            }
            let body = match apply_command_text(app, &command, now) {
                Ok(text) => text,
                Err(e) => e.to_string(),
            };
            let mail = PromptMail {
                subject: compose::reply_subject(&compose::one_line(&subject)),
                message_id,
                in_reply_to: reply_to_message_id.clone(),
                references: reply_to_message_id.into_iter().collect(),
                from: app.config.bot.address.clone(),
                to: app.config.owner.addresses[0].clone(),
                to_name: app.config.owner.name.clone(),
                reply_to: app.config.bot.address.clone(),
                text: format!("{body}\n"),
                html: String::new(),
                extra_headers: vec![("Auto-Submitted".into(), "auto-replied".into())],
            };
            (mail, OutgoingKind::CommandReply)
        }
    };
    if app.store.outgoing_by_id(&mail.message_id)?.is_some() {
        return Ok(());
    }
    let msg = crate::send::outbox::outgoing(&app.config.bot, &mail, now, Vec::new())?;
    let mut record = OutgoingRecord {
        id: mail.message_id.clone(),
        kind,
        created_at: now,
        send: SendState::Intent { at: now },
    };
    crate::send::outbox::hand_over_outgoing(
        &app.store,
        &*app.sender,
        &mut record,
        &msg,
        EventKind::Other,
        "receipt or confirmation",
        clock,
    )
    .await?;
    Ok(())
}

/// The confirmation text of a command that was already applied (no second effect).
fn apply_command_text(
    app: &App,
    command: &Command,
    now: DateTime<Utc>,
) -> Result<String, AppError> {
    let lang = app.config.owner.language;
    Ok(match command {
        Command::Explain { client } => {
            let c = crate::clients::find_client(app, client)?;
            explain_text(app, &c, now, None)?
        }
        Command::Help | Command::Unknown(_) => {
            let mut s = String::new();
            if let Command::Unknown(line) = command {
                s.push_str(&tr!(lang, "commands.not_understood", line = line));
                s.push_str("\n\n");
            }
            s.push_str(&help_text(lang));
            s
        }
        Command::Pause { .. } | Command::PauseUntil(_) | Command::Resume => {
            match app.store.meta()?.paused_until {
                Some(d) if d == NaiveDate::MAX => tr!(lang, "commands.paused").into(),
                Some(d) => tr!(lang, "commands.paused_until", date = d),
                None => tr!(lang, "commands.resumed").into(),
            }
        }
        Command::Snooze { client, .. } | Command::LetGo { client } => {
            let c = crate::clients::find_client(app, client)?;
            match c.status {
                ClientStatus::Archived { .. } => tr!(lang, "commands.let_go", client = c.name),
                ClientStatus::Paused { until } => tr!(
                    lang,
                    "commands.snoozed",
                    client = c.name,
                    until = fmt_date(until, lang)
                ),
                ClientStatus::Active => tr!(lang, "commands.active", client = c.name),
            }
        }
        Command::AddClient { name } => {
            let c = crate::clients::find_client(app, name)?;
            tr!(lang, "commands.in_client_list", client = c.name)
        }
        Command::Digest => tr!(lang, "commands.digest_sent").into(),
    })
}

/// The local date a span after `from` ends.
fn span_after(span: &Span, from: NaiveDate) -> Option<NaiveDate> {
    match span {
        Span::Duration(d) => from.checked_add_signed(*d),
        Span::Months(m) => from.checked_add_months(*m),
    }
}

fn fmt_date(d: Option<NaiveDate>, lang: Lang) -> String {
    d.map_or_else(
        || tr!(lang, "commands.further_notice").to_string(),
        |d| d.to_string(),
    )
}

/// The commands olifant understands by email.
pub fn help_text(lang: Lang) -> String {
    tr!(lang, "commands.help").to_string()
}
