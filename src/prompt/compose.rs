//! Compose the prompt, its reminder and the receipt of a reply (pure).
//!
//! ## The text part's format (the reply parser relies on it)
//!
//! Each question is one line of the text part, in questionnaire order:
//!
//! ```text
//! N. Label — Question text
//! ```
//!
//! `N` is the 1-based question number, followed by `. `, the label in the prompt's
//! language, a space, an em dash (U+2014) and a space. Nothing else on the text part
//! starts with a number and a dot. The notes invitation follows on its own line as
//! `Notes — …` (English) or `Notities — …` (Dutch). An owner answering inline types the
//! value after the question line or on the line under it. The reminder lists the same
//! questions as `N. Label` lines (no dash, no question text). The HTML part shows the same
//! `N. Label` in a paragraph per question (no `<ol>`), so mail clients that quote the HTML
//! as text keep the numbers.
//!
//! Client names are made single-line (CR, LF and other control characters become spaces)
//! everywhere, so they can never break a header or the line format; the HTML part is
//! escaped by the template engine.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde::Serialize;

use crate::model::{
    Answer, Client, Lang, PromptId, PromptRecord, Questionnaire, Reflection, Scale,
};
use crate::prompt::dates::{format_date, format_relative};
use crate::prompt::token;
use crate::templates::{TemplateError, Templates};

/// How the owner's reply finds its way back to olifant (`[bot] reply_style`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ReplyStyle {
    /// Reply-To is `local{separator}TOKEN@domain` (the token also rides in the Message-ID);
    /// the default.
    #[default]
    Plus,
    /// Reply-To is the bot address itself; the token travels only in the Message-ID
    /// (In-Reply-To / References) and the subject's short reference.
    Plain,
}

/// Who sends and who receives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Addressing {
    /// olifant's own address (`olifant@example.com`); its domain names the Message-IDs.
    pub bot_address: String,
    /// Plus-address or plain Reply-To.
    pub reply_style: ReplyStyle,
    /// The plus-address separator (usually `+`), used with [`ReplyStyle::Plus`].
    pub plus_separator: char,
    /// The owner's name for the greeting (may be empty).
    pub owner_name: String,
    /// The owner's address (the `To`).
    pub owner_address: String,
}

impl Addressing {
    /// The Reply-To for a prompt with this token.
    pub fn reply_to(&self, token: &str) -> String {
        match self.reply_style {
            ReplyStyle::Plus => token::plus_address(&self.bot_address, self.plus_separator, token),
            ReplyStyle::Plain => self.bot_address.clone(),
        }
    }

    /// The domain used in Message-IDs: the bot address's domain, or `olifant.invalid`.
    pub fn domain(&self) -> &str {
        token::message_id_domain(&self.bot_address)
    }
}

/// Subject and bodies of one message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenderedMail {
    /// Subject (single line).
    pub subject: String,
    /// text/plain part.
    pub text: String,
    /// text/html part.
    pub html: String,
}

/// A finished message for the MIME composer: prompt, reminder or receipt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PromptMail {
    /// Subject (never contains CR or LF).
    pub subject: String,
    /// Message-ID without angle brackets.
    pub message_id: String,
    /// In-Reply-To (without angle brackets), for reminders and receipts.
    pub in_reply_to: Option<String>,
    /// References (without angle brackets), oldest first.
    pub references: Vec<String>,
    /// From: the bot address.
    pub from: String,
    /// To: the owner's address.
    pub to: String,
    /// The owner's display name for To (may be empty; the MIME composer encodes it).
    pub to_name: String,
    /// Reply-To.
    pub reply_to: String,
    /// text/plain part.
    pub text: String,
    /// text/html part.
    pub html: String,
    /// Further headers, e.g. `("Auto-Submitted", "auto-generated")`.
    pub extra_headers: Vec<(String, String)>,
}

/// What a prompt is composed from.
#[derive(Debug, Clone, Copy)]
pub struct PromptInput<'a> {
    /// The client asked about.
    pub client: &'a Client,
    /// The questions.
    pub questionnaire: &'a Questionnaire,
    /// The prompt's language.
    pub lang: Lang,
    /// The client's earlier reflections (any order; the latest two are used).
    pub history: &'a [Reflection],
    /// Sender, recipient, reply style.
    pub addressing: &'a Addressing,
    /// The current instant (for "since" and year display only).
    pub now: DateTime<Utc>,
    /// The owner's time zone: every date shown is a local date.
    pub tz: Tz,
}

/// What a reminder is composed from.
#[derive(Debug, Clone, Copy)]
pub struct ReminderInput<'a> {
    /// The prompt being reminded of (its subject, Message-ID, language and client name).
    pub prompt: &'a PromptRecord,
    /// The questions.
    pub questionnaire: &'a Questionnaire,
    /// The prompt's token.
    pub token: &'a str,
    /// Sender, recipient, reply style.
    pub addressing: &'a Addressing,
}

/// What a receipt is composed from.
#[derive(Debug, Clone, Copy)]
pub struct ReceiptInput<'a> {
    /// The prompt that was answered.
    pub prompt: &'a PromptRecord,
    /// The questions.
    pub questionnaire: &'a Questionnaire,
    /// The answers this reply recorded, by question key.
    pub answers: &'a BTreeMap<String, Answer>,
    /// The notes this reply added.
    pub notes: &'a str,
    /// What could not be understood, in plain words (from the parser).
    pub problems: &'a [String],
    /// Message-ID of the owner's reply (angle brackets optional).
    pub reply_message_id: &'a str,
    /// 1 for the first receipt of this prompt, 2 for the next, …
    pub receipt_number: u32,
    /// The prompt's token.
    pub token: &'a str,
    /// Sender, recipient, reply style.
    pub addressing: &'a Addressing,
}

/// The id used by [`preview`].
pub const PREVIEW_ID: PromptId = PromptId(0);
/// The token used by [`preview`] (well-formed, but no key signs it).
pub const PREVIEW_TOKEN: &str = "aaaaaaaapreviewpreviewpr";

/// Makes text safe for a single line: CR, LF, tabs and other control characters become
/// spaces, runs of spaces collapse, the ends are trimmed.
pub fn one_line(s: &str) -> String {
    let replaced: String = s
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    replaced
        .split(' ')
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

fn excerpt(s: &str, max_chars: usize) -> String {
    let flat = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() <= max_chars {
        flat
    } else {
        let cut: String = flat.chars().take(max_chars).collect();
        let cut = match cut.rfind(' ') {
            Some(i) if i > max_chars / 2 => cut[..i].to_string(),
            _ => cut,
        };
        format!("{}…", cut.trim_end())
    }
}

/// The subject of a prompt: `How was {client} lately? [REF]` / `Hoe ging het met {client}? [REF]`.
pub fn prompt_subject(client_name: &str, lang: Lang, id: PromptId) -> String {
    let name = one_line(client_name);
    let r = token::short_ref(id);
    tr!(lang, "prompt.subject", client = name, code = r)
}

/// The name a mail greets the owner by: the first word of the configured name ("Hi Sanne",
/// not "Hi Sanne de Vries"); the To header keeps the whole name.
pub fn greeting_name(full: &str) -> String {
    one_line(full)
        .split_whitespace()
        .next()
        .unwrap_or_default()
        .to_string()
}

/// The subject of a reply in the prompt's thread (`Re: …`, not doubled).
pub fn reply_subject(prompt_subject: &str) -> String {
    let s = one_line(prompt_subject);
    if s.get(..3).is_some_and(|p| p.eq_ignore_ascii_case("re:")) {
        s
    } else {
        format!("Re: {s}")
    }
}

/// A stored value as the owner would write it (`yes`, `misschien`, `4`).
pub fn value_text(scale: Scale, value: u8, lang: Lang) -> String {
    match (scale, value) {
        (Scale::YesMaybeNo, 5) => tr!(lang, "prompt.yes").into(),
        (Scale::YesMaybeNo, 3) => tr!(lang, "prompt.maybe").into(),
        (Scale::YesMaybeNo, 1) => tr!(lang, "prompt.no").into(),
        _ => value.to_string(),
    }
}

#[derive(Serialize)]
struct QuestionCtx {
    number: usize,
    label: String,
    text: String,
    /// Set when the question's range differs from the one in the instructions.
    range: Option<String>,
}

#[derive(Serialize)]
struct RatingCtx {
    min: u8,
    max: u8,
}

#[derive(Serialize)]
struct ChangeCtx {
    label: String,
    from: String,
    to: String,
}

#[derive(Serialize, Default)]
struct HistoryCtx {
    tracked: String,
    last_date: Option<String>,
    last_note: Option<String>,
    changes: Vec<ChangeCtx>,
}

#[derive(Serialize)]
struct PromptCtx<'a> {
    subject: &'a str,
    owner_name: String,
    client: String,
    questions: Vec<QuestionCtx>,
    rating: Option<RatingCtx>,
    ymn: Option<String>,
    notes_prompt: String,
    context: HistoryCtx,
    r#ref: String,
}

fn join_numbers(numbers: &[usize], lang: Lang) -> Option<String> {
    let and = tr!(lang, "prompt.and");
    match numbers {
        [] => None,
        [one] => Some(one.to_string()),
        [init @ .., last] => Some(format!(
            "{} {and} {last}",
            init.iter()
                .map(|n| n.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
}

/// Questions, common rating range and the yes/maybe/no question numbers.
fn question_ctx(
    questionnaire: &Questionnaire,
    lang: Lang,
    client: &str,
) -> (Vec<QuestionCtx>, Option<RatingCtx>, Option<String>) {
    let common = questionnaire.questions.iter().find_map(|q| match q.scale {
        Scale::Rating { min, max } => Some((min, max)),
        Scale::YesMaybeNo => None,
    });
    let questions = questionnaire
        .questions
        .iter()
        .enumerate()
        .map(|(i, q)| {
            let w = q.wording(lang);
            let range = match q.scale {
                Scale::Rating { min, max } if Some((min, max)) != common => {
                    Some(format!("{min}–{max}"))
                }
                _ => None,
            };
            QuestionCtx {
                number: i + 1,
                label: one_line(&w.label),
                text: one_line(&w.text.replace("{client}", client)),
                range,
            }
        })
        .collect();
    let ymn: Vec<usize> = questionnaire
        .questions
        .iter()
        .enumerate()
        .filter(|(_, q)| q.scale == Scale::YesMaybeNo)
        .map(|(i, _)| i + 1)
        .collect();
    (
        questions,
        common.map(|(min, max)| RatingCtx { min, max }),
        join_numbers(&ymn, lang),
    )
}

fn history_ctx(input: &PromptInput<'_>, client: &str) -> HistoryCtx {
    let lang = input.lang;
    let since_local = input.client.since.with_timezone(&input.tz).date_naive();
    let since = format_date(since_local, lang, true);
    let mut sorted: Vec<&Reflection> = input.history.iter().collect();
    sorted.sort_by_key(|r| r.date);
    let last = sorted.last().copied();
    let last_date = last.map(|r| format_relative(r.date, input.now, input.tz, lang));
    let tracked = match &last_date {
        Some(d) => tr!(
            lang,
            "prompt.tracked",
            client = client,
            since = since,
            last = d
        ),
        None => tr!(lang, "prompt.tracked_new", client = client, since = since),
    };
    let last_note = last
        .map(|r| excerpt(&r.notes, 200))
        .filter(|n| !n.is_empty());
    let mut changes = Vec::new();
    if let [.., prev, last] = sorted.as_slice() {
        for q in &input.questionnaire.questions {
            let before = prev.answers.get(&q.key).and_then(|a| a.rating);
            let after = last.answers.get(&q.key).and_then(|a| a.rating);
            if let (Some(b), Some(a)) = (before, after) {
                if a != b {
                    changes.push(ChangeCtx {
                        label: one_line(&q.wording(lang).label),
                        from: value_text(q.scale, b, lang),
                        to: value_text(q.scale, a, lang),
                    });
                }
            }
        }
    }
    HistoryCtx {
        tracked,
        last_date,
        last_note,
        changes,
    }
}

fn render_pair<S: Serialize>(
    templates: &Templates,
    kind: &str,
    lang: Lang,
    ctx: &S,
) -> Result<(String, String), TemplateError> {
    let text = templates.render_in(lang, &format!("{kind}.txt"), ctx)?;
    let html = templates.render_in(lang, &format!("{kind}.html"), ctx)?;
    Ok((text, html))
}

fn auto_headers(kind: &str) -> Vec<(String, String)> {
    vec![
        ("Auto-Submitted".to_string(), kind.to_string()),
        (
            "X-Auto-Response-Suppress".to_string(),
            "OOF, AutoReply".to_string(),
        ),
    ]
}

/// Renders subject and bodies of a prompt (no headers).
pub fn render_prompt(
    templates: &Templates,
    input: &PromptInput<'_>,
    id: PromptId,
) -> Result<RenderedMail, TemplateError> {
    let lang = input.lang;
    let client = one_line(&input.client.name);
    let subject = prompt_subject(&input.client.name, lang, id);
    let (questions, rating, ymn) = question_ctx(input.questionnaire, lang, &client);
    let notes_prompt = input
        .questionnaire
        .notes_prompt
        .get(&lang)
        .or_else(|| input.questionnaire.notes_prompt.get(&Lang::En))
        .map(|s| one_line(&s.replace("{client}", &client)))
        .unwrap_or_default();
    let ctx = PromptCtx {
        subject: &subject,
        owner_name: greeting_name(&input.addressing.owner_name),
        client: client.clone(),
        questions,
        rating,
        ymn,
        notes_prompt,
        context: history_ctx(input, &client),
        r#ref: token::short_ref(id),
    };
    let (text, html) = render_pair(templates, "prompt", lang, &ctx)?;
    Ok(RenderedMail {
        subject,
        text,
        html,
    })
}

/// Composes the prompt for one client. `id` is random (chosen by the caller) and `token`
/// is `TokenKey::token(id)`.
pub fn compose_prompt(
    templates: &Templates,
    input: &PromptInput<'_>,
    id: PromptId,
    token: &str,
) -> Result<PromptMail, TemplateError> {
    let rendered = render_prompt(templates, input, id)?;
    let a = input.addressing;
    Ok(PromptMail {
        subject: rendered.subject,
        message_id: token::message_id(token, "", a.domain()),
        in_reply_to: None,
        references: Vec::new(),
        from: a.bot_address.clone(),
        to: a.owner_address.clone(),
        to_name: one_line(&a.owner_name),
        reply_to: a.reply_to(token),
        text: rendered.text,
        html: rendered.html,
        extra_headers: auto_headers("auto-generated"),
    })
}

/// [`compose_prompt`] with [`PREVIEW_ID`] and [`PREVIEW_TOKEN`], for `olifant prompt preview`.
pub fn preview(
    templates: &Templates,
    input: &PromptInput<'_>,
) -> Result<PromptMail, TemplateError> {
    compose_prompt(templates, input, PREVIEW_ID, PREVIEW_TOKEN)
}

#[derive(Serialize)]
struct ReminderCtx<'a> {
    subject: &'a str,
    owner_name: String,
    client: String,
    questions: Vec<QuestionCtx>,
    rating: Option<RatingCtx>,
    ymn: Option<String>,
    r#ref: String,
}

/// Composes the one reminder of a prompt: same thread (In-Reply-To/References = the
/// prompt's Message-ID), Message-ID suffix `r`, subject `Re: <prompt subject>`.
pub fn compose_reminder(
    templates: &Templates,
    input: &ReminderInput<'_>,
) -> Result<PromptMail, TemplateError> {
    let p = input.prompt;
    let lang = p.lang;
    let client = one_line(&p.client_name);
    let subject = reply_subject(&p.subject);
    let (questions, rating, ymn) = question_ctx(input.questionnaire, lang, &client);
    let ctx = ReminderCtx {
        subject: &subject,
        owner_name: greeting_name(&input.addressing.owner_name),
        client,
        questions,
        rating,
        ymn,
        r#ref: token::short_ref(p.id),
    };
    let (text, html) = render_pair(templates, "reminder", lang, &ctx)?;
    let a = input.addressing;
    let prompt_mid = bare_id(&p.message_id);
    Ok(PromptMail {
        subject,
        message_id: token::message_id(input.token, "r", a.domain()),
        in_reply_to: Some(prompt_mid.clone()),
        references: vec![prompt_mid],
        from: a.bot_address.clone(),
        to: a.owner_address.clone(),
        to_name: one_line(&a.owner_name),
        reply_to: a.reply_to(input.token),
        text,
        html,
        extra_headers: auto_headers("auto-generated"),
    })
}

fn bare_id(mid: &str) -> String {
    one_line(mid)
        .trim_start_matches('<')
        .trim_end_matches('>')
        .to_string()
}

#[derive(Serialize)]
struct RecordedCtx {
    label: String,
    value: String,
    comment: Option<String>,
}

#[derive(Serialize)]
struct ReceiptCtx<'a> {
    subject: &'a str,
    owner_name: String,
    client: String,
    recorded: Vec<RecordedCtx>,
    missing: Vec<String>,
    notes: String,
    problems: Vec<String>,
    example: String,
    r#ref: String,
}

/// Composes the receipt for a stored reply: what was recorded, what was not answered,
/// what was not understood (the `problems`), and how to correct it. In-Reply-To is the
/// owner's reply; References are the prompt and the reply; Message-ID suffix `c<n>`.
pub fn compose_receipt(
    templates: &Templates,
    input: &ReceiptInput<'_>,
) -> Result<PromptMail, TemplateError> {
    let p = input.prompt;
    let lang = p.lang;
    let client = one_line(&p.client_name);
    let subject = reply_subject(&p.subject);
    let mut recorded = Vec::new();
    let mut missing = Vec::new();
    for q in &input.questionnaire.questions {
        let label = one_line(&q.wording(lang).label);
        match input.answers.get(&q.key) {
            Some(Answer {
                rating: Some(v),
                comment,
            }) => recorded.push(RecordedCtx {
                label,
                value: value_text(q.scale, *v, lang),
                comment: comment
                    .as_deref()
                    .map(|c| excerpt(c, 120))
                    .filter(|c| !c.is_empty()),
            }),
            Some(Answer { rating: None, .. }) => {} // explained by a problem
            None => missing.push(label),
        }
    }
    let example = input
        .questionnaire
        .questions
        .iter()
        .enumerate()
        .find(|(_, q)| matches!(q.scale, Scale::Rating { .. }))
        .map(|(i, q)| {
            let v = match q.scale {
                Scale::Rating { max, .. } => max.saturating_sub(1).max(1),
                Scale::YesMaybeNo => 5,
            };
            format!("{}. {} {v}", i + 1, one_line(&q.wording(lang).label))
        })
        .unwrap_or_else(|| "1. 4".to_string());
    let ctx = ReceiptCtx {
        subject: &subject,
        owner_name: greeting_name(&input.addressing.owner_name),
        client,
        recorded,
        missing,
        notes: excerpt(input.notes, 300),
        problems: input.problems.iter().map(|s| one_line(s)).collect(),
        example,
        r#ref: token::short_ref(p.id),
    };
    let (text, html) = render_pair(templates, "receipt", lang, &ctx)?;
    let a = input.addressing;
    let reply_mid = bare_id(input.reply_message_id);
    let prompt_mid = bare_id(&p.message_id);
    let mut references = vec![prompt_mid];
    if !reply_mid.is_empty() && !references.contains(&reply_mid) {
        references.push(reply_mid.clone());
    }
    Ok(PromptMail {
        subject,
        message_id: token::message_id(
            input.token,
            &format!("c{}", input.receipt_number),
            a.domain(),
        ),
        in_reply_to: (!reply_mid.is_empty()).then_some(reply_mid),
        references,
        from: a.bot_address.clone(),
        to: a.owner_address.clone(),
        to_name: one_line(&a.owner_name),
        reply_to: a.reply_to(input.token),
        text,
        html,
        extra_headers: auto_headers("auto-replied"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_line_removes_line_breaks_and_controls() {
        assert_eq!(one_line("a\r\nb\tc\u{0}  d "), "a b c d");
        assert_eq!(
            one_line("Café \"De Olifant\" & Zn."),
            "Café \"De Olifant\" & Zn."
        );
    }

    #[test]
    fn reply_subject_is_not_doubled() {
        assert_eq!(
            reply_subject("Hoe ging het? [AB]"),
            "Re: Hoe ging het? [AB]"
        );
        assert_eq!(reply_subject("RE: x"), "RE: x");
    }

    #[test]
    fn excerpt_cuts_at_a_word_and_marks_it() {
        let long = "word ".repeat(100);
        let e = excerpt(&long, 50);
        assert!(e.ends_with('…'));
        assert!(e.chars().count() <= 51);
        assert_eq!(excerpt("  short\n\nnote ", 50), "short note");
    }
}
