//! Build and render the digest, charts included (pure).
//!
//! [`build_digest`] scores every client ([`crate::score`]) and gathers the mail health of the
//! period (reply rate, bounces, failed and unknown sends, replies not understood,
//! quarantined messages) into a [`Digest`]. [`render`] turns it into a subject, a text part,
//! an HTML part and inline PNG charts; [`render_terminal`] into a preview for the terminal;
//! [`to_json`] into the stable JSON shape.
//!
//! ## Order
//!
//! Active clients are listed **Nurture, Let go, Watch, Keep, Not enough data**: first who
//! deserves more energy, then the decisions to make, then what needs an eye, then the quiet
//! rest. Within a group: Nurture and Keep by health (highest first), Let go and Watch by
//! health (lowest first), Not enough data by name. Archived clients are listed apart,
//! briefly.
//!
//! ## JSON shape (`olifant digest --json`)
//!
//! ```json
//! {
//!   "generated_at": "2025-06-01T12:00:00Z", "as_of": null, "since": "…", "lang": "en",
//!   "tz": "Europe/Amsterdam",
//!   "clients": [{
//!     "name": "Acme", "key": "acme",
//!     "verdict": "nurture" | "keep" | "watch" | "let_go" | "not_enough_data",
//!     "health": 0–100 | null, "previous_health": 0–100 | null, "trend": -100–100 | null,
//!     "trend_direction": "up" | "down" | "steady" | null,
//!     "confidence": "low" | "medium" | "high", "reflections": 7, "span_days": 180,
//!     "last_reflection": "2025-05-30" | null,
//!     "promoter": "promoter" | "passive" | "detractor" | null,
//!     "revenue": 12000.0 | null, "revenue_share": 0–100 | null,
//!     "evidence": ["payment rated 1–2 in 3 of the last 4 reflections", …],
//!     "reasons": [{"kind": "pulls_down", "question": "payment", "count": 3, "of": 4}, …],
//!     "next_step": "…", "quotes": [{"date": "2025-05-30", "text": "…", "question": "payment" | null}],
//!     "sparkline": "▃▄▂▁", "recent_scores": [55, 60, 40, 12]
//!   }],
//!   "archived": [{"name", "since", "health", "reflections"}],
//!   "counts": {"nurture", "keep", "watch", "let_go", "not_enough_data"},
//!   "revenue": {"total", "top", "top_share", "weakest": {"name", "share", "health"} | null} | null,
//!   "prompts": {"sent", "answered", "reply_rate": 0–100 | null,
//!               "unanswered" | "bounced" | "failed" | "unknown": [{"client", "date", "reason"}]},
//!   "not_understood": 0, "quarantined": [{"date", "origin", "reason"}],
//!   "activity": {"prompts_sent", "reminders_sent", "messages_read", "replies_stored"},
//!   "next_prompt_at": "2025-06-02 08:00" | null, "next_digest_at": "…" | null,
//!   "thresholds": {"let_go": 40, "watch_below": 60, "nurture": 75}
//! }
//! ```
//! Health, trend and shares are rounded to whole numbers; dates are in the owner's time zone.

mod chart;
mod render;
pub mod run;

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;
use serde::Serialize;

use crate::model::{
    Client, ClientKey, ClientStatus, DigestSettings, Lang, PromptRecord, PromptStatus,
    QuarantineEntry, Questionnaire, Reflection, SendState, Verdict,
};
use crate::score::{self, Confidence, Promoter, RevenueClient, TREND_STEADY};

pub use chart::{overview_png, sparkline_png, CHART_SIZE, SPARK_SIZE};
pub use render::{
    html_with_file_images, render, render_terminal, unicode_sparkline, DigestError, InlineImage,
    RenderedDigest, MAX_SPARKLINE_IMAGES,
};

/// Built-in templates of this stage, by file name.
pub const TEMPLATES: &[(&str, &str)] = &[
    ("digest.txt", include_str!("../../templates/digest.txt")),
    ("digest.html", include_str!("../../templates/digest.html")),
];

/// How many recent reflection scores a client's sparkline shows.
pub const SPARK_POINTS: usize = 12;

/// What olifant did since the previous digest (counts kept by the caller).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Activity {
    /// Prompts handed to the server.
    pub prompts_sent: usize,
    /// Reminders handed to the server.
    pub reminders_sent: usize,
    /// Messages read from the mailbox.
    pub messages_read: usize,
    /// Replies stored as reflections.
    pub replies_stored: usize,
}

/// Everything the digest is made of. All data comes in; nothing is read.
#[derive(Debug, Clone)]
pub struct DigestInput<'a> {
    /// All clients (active, paused and archived). Their reflections come from the
    /// [`ReflectionSource`] given to [`build_digest`], one client at a time.
    pub clients: &'a [Client],
    /// All prompt records.
    pub prompts: &'a [PromptRecord],
    /// Replies since the previous digest that could not be understood.
    pub not_understood: usize,
    /// Messages quarantined since the previous digest.
    pub quarantined: &'a [QuarantineEntry],
    /// What olifant did since the previous digest.
    pub activity: Activity,
    /// When the next prompt run is due.
    pub next_prompt_at: Option<DateTime<Utc>>,
    /// When the next digest is due.
    pub next_digest_at: Option<DateTime<Utc>>,
    /// `--as-of`: pretend it is this moment; later reflections and prompts are ignored.
    pub as_of: Option<DateTime<Utc>>,
    /// When the previous digest was made (trend baseline; default `now − 30 days`).
    pub previous_digest_at: Option<DateTime<Utc>>,
    /// Thresholds.
    pub settings: &'a DigestSettings,
    /// The questionnaire (weights, labels).
    pub questionnaire: &'a Questionnaire,
    /// The owner's language.
    pub lang: Lang,
    /// The owner's time zone (dates are shown in it).
    pub tz: Tz,
}

/// Where [`build_digest`] gets the reflections from: asked once per client of
/// [`DigestInput::clients`], in that order, and done with each answer before asking for the
/// next, so only one client's history is in memory at a time (however many reflections the
/// store holds).
pub trait ReflectionSource {
    /// Why reflections could not be read.
    type Error;
    /// Every reflection about `client`, oldest first, any date ([`build_digest`] drops those
    /// after `as_of` itself).
    fn reflections_of(&mut self, client: &ClientKey) -> Result<Vec<Reflection>, Self::Error>;
}

/// Reflections already in memory (tests, previews of small data), grouped by client once.
#[derive(Debug, Clone)]
pub struct InMemoryReflections<'a> {
    by_client: HashMap<&'a ClientKey, Vec<&'a Reflection>>,
}

impl<'a> InMemoryReflections<'a> {
    /// Groups `reflections` (any clients, oldest first) by client, keeping their order.
    pub fn new(reflections: &'a [Reflection]) -> Self {
        let mut by_client: HashMap<&ClientKey, Vec<&Reflection>> = HashMap::new();
        for r in reflections {
            by_client.entry(&r.client).or_default().push(r);
        }
        InMemoryReflections { by_client }
    }
}

impl ReflectionSource for InMemoryReflections<'_> {
    type Error = std::convert::Infallible;

    fn reflections_of(&mut self, client: &ClientKey) -> Result<Vec<Reflection>, Self::Error> {
        Ok(self
            .by_client
            .get(client)
            .map(|v| v.iter().map(|r| (*r).clone()).collect())
            .unwrap_or_default())
    }
}

/// Which way health moved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TrendDirection {
    /// Up by at least [`TREND_STEADY`] points.
    Up,
    /// Down by at least [`TREND_STEADY`] points.
    Down,
    /// Within ±[`TREND_STEADY`].
    Steady,
}

/// A quote as shown.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QuoteLine {
    /// Local date, `YYYY-MM-DD`.
    pub date: String,
    /// The owner's words.
    pub text: String,
    /// The question commented on (key), `None` for notes.
    pub question: Option<String>,
    /// The question's label per language.
    #[serde(skip)]
    pub labels: BTreeMap<Lang, String>,
}

/// One active client in the digest.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ClientDigest {
    /// Display name.
    pub name: String,
    /// Stable key.
    pub key: ClientKey,
    /// The verdict.
    pub verdict: Verdict,
    /// Health 0–100, rounded.
    pub health: Option<u8>,
    /// Health at the previous digest, rounded.
    pub previous_health: Option<u8>,
    /// Health change in points, rounded.
    pub trend: Option<i32>,
    /// Which way.
    pub trend_direction: Option<TrendDirection>,
    /// Trust in the numbers.
    pub confidence: Confidence,
    /// Scored reflections.
    pub reflections: usize,
    /// Days between first and last reflection.
    pub span_days: i64,
    /// Local date of the latest reflection.
    pub last_reflection: Option<String>,
    /// Latest `again` answer as a promoter view.
    pub promoter: Option<Promoter>,
    /// Yearly revenue.
    pub revenue: Option<f64>,
    /// Share of all revenue, 0–100 (one decimal).
    pub revenue_share: Option<f64>,
    /// Evidence in plain words, in the digest's language.
    pub evidence: Vec<String>,
    /// Structured evidence.
    pub reasons: Vec<score::Evidence>,
    /// Suggested next step, in the digest's language.
    pub next_step: String,
    /// One or two dated quotes.
    pub quotes: Vec<QuoteLine>,
    /// Unicode sparkline of the recent reflection scores.
    pub sparkline: String,
    /// The recent reflection scores, oldest first, rounded.
    pub recent_scores: Vec<u8>,
    /// Evidence in each language (for rendering in another language).
    #[serde(skip)]
    pub evidence_i18n: BTreeMap<Lang, Vec<String>>,
}

/// An archived client, listed briefly.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ArchivedClient {
    /// Display name.
    pub name: String,
    /// Local date it was archived.
    pub since: String,
    /// Health when last scored.
    pub health: Option<u8>,
    /// Scored reflections.
    pub reflections: usize,
}

/// Clients per verdict.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct VerdictCounts {
    /// Nurture.
    pub nurture: usize,
    /// Keep.
    pub keep: usize,
    /// Watch.
    pub watch: usize,
    /// Let go.
    pub let_go: usize,
    /// Not enough data.
    pub not_enough_data: usize,
}

/// The revenue client with the lowest health.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WeakRevenue {
    /// Display name.
    pub name: String,
    /// Share of revenue, 0–100 (rounded).
    pub share: u8,
    /// Health (rounded).
    pub health: u8,
}

/// The 80/20 line.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RevenueLine {
    /// Total revenue of active clients.
    pub total: f64,
    /// Top clients by revenue.
    pub top: Vec<String>,
    /// Their share, 0–100 (rounded).
    pub top_share: u8,
    /// The least healthy revenue client.
    pub weakest: Option<WeakRevenue>,
}

/// A prompt worth mentioning.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PromptLine {
    /// The client's name.
    pub client: String,
    /// Local date of the event.
    pub date: String,
    /// What the server or bounce said.
    pub reason: Option<String>,
}

/// How the prompts fared since the previous digest.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct PromptStats {
    /// Prompts created in the period and accepted by the server.
    pub sent: usize,
    /// Of those, answered.
    pub answered: usize,
    /// `answered / sent`, 0–100 (rounded).
    pub reply_rate: Option<u8>,
    /// Prompts still waiting for a reply (any age).
    pub unanswered: Vec<PromptLine>,
    /// Bounced in the period.
    pub bounced: Vec<PromptLine>,
    /// Refused or given up in the period.
    pub failed: Vec<PromptLine>,
    /// Sends whose outcome is unknown (any age): check and resend by hand.
    pub unknown: Vec<PromptLine>,
}

/// A quarantined message as shown.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QuarantineLine {
    /// Local date.
    pub date: String,
    /// Where it came from.
    pub origin: String,
    /// Why.
    pub reason: String,
}

/// Verdict thresholds (for the chart's lines and the reader).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Thresholds {
    /// Below: let go.
    pub let_go: f64,
    /// Below: watch.
    pub watch_below: f64,
    /// From: nurture.
    pub nurture: f64,
}

/// The digest: what [`render`] and [`to_json`] show.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Digest {
    /// The real `now`.
    pub generated_at: DateTime<Utc>,
    /// `--as-of`, when given.
    pub as_of: Option<DateTime<Utc>>,
    /// The period's start (previous digest or `now − 30 days`).
    pub since: DateTime<Utc>,
    /// Language of the words in here.
    pub lang: Lang,
    /// Owner's time zone name.
    pub tz: String,
    /// Active and paused clients, in reading order.
    pub clients: Vec<ClientDigest>,
    /// Archived clients.
    pub archived: Vec<ArchivedClient>,
    /// Clients per verdict.
    pub counts: VerdictCounts,
    /// The 80/20 line, when revenue is known.
    pub revenue: Option<RevenueLine>,
    /// Prompt health.
    pub prompts: PromptStats,
    /// Replies not understood.
    pub not_understood: usize,
    /// Quarantined messages.
    pub quarantined: Vec<QuarantineLine>,
    /// What olifant did.
    pub activity: Activity,
    /// Next prompt run, local time.
    pub next_prompt_at: Option<String>,
    /// Next digest, local time.
    pub next_digest_at: Option<String>,
    /// Verdict thresholds.
    pub thresholds: Thresholds,
}

/// The verdict as a word.
pub fn verdict_word(v: Verdict, lang: Lang) -> &'static str {
    match v {
        Verdict::Nurture => tr!(lang, "verdict.nurture"),
        Verdict::Keep => tr!(lang, "verdict.keep"),
        Verdict::Watch => tr!(lang, "verdict.watch"),
        Verdict::LetGo => tr!(lang, "verdict.let_go"),
        Verdict::NotEnoughData => tr!(lang, "verdict.not_enough_data"),
    }
}

/// Reading order of the verdict groups.
pub const ORDER: [Verdict; 5] = [
    Verdict::Nurture,
    Verdict::LetGo,
    Verdict::Watch,
    Verdict::Keep,
    Verdict::NotEnoughData,
];

fn rank(v: Verdict) -> usize {
    ORDER.iter().position(|x| *x == v).unwrap_or(ORDER.len())
}

fn round_pct(x: f64) -> u8 {
    if x.is_finite() {
        x.round().clamp(0.0, 100.0) as u8
    } else {
        0
    }
}

fn local_date(t: DateTime<Utc>, tz: Tz) -> String {
    t.with_timezone(&tz).format("%Y-%m-%d").to_string()
}

fn local_time(t: DateTime<Utc>, tz: Tz) -> String {
    t.with_timezone(&tz).format("%Y-%m-%d %H:%M").to_string()
}

/// Scores every client and gathers the period's mail health.
///
/// Each client's reflections are asked from `reflections` in turn and dropped once the client
/// is scored: memory grows with the number of clients, not with the number of reflections.
/// The only error is the source's.
pub fn build_digest<S: ReflectionSource + ?Sized>(
    input: &DigestInput<'_>,
    reflections: &mut S,
    now: DateTime<Utc>,
) -> Result<Digest, S::Error> {
    let at = input.as_of.map_or(now, |a| a.min(now));
    let since = input
        .previous_digest_at
        .filter(|p| *p < at)
        .unwrap_or(at - Duration::days(score::DEFAULT_TREND_DAYS));
    let tz = input.tz;

    let (scores, archived) = score_clients(input, reflections, at, since)?;
    let rev_in: Vec<RevenueClient> = scores
        .iter()
        .filter_map(|(c, s)| {
            Some(RevenueClient {
                name: c.name.clone(),
                revenue: c.revenue?,
                health: s.health,
            })
        })
        .collect();
    let rev = score::revenue_summary(&rev_in);
    let total_rev = rev.as_ref().map(|r| r.total);
    let mut clients: Vec<ClientDigest> = scores
        .into_iter()
        .map(|(c, s)| client_digest(input, &c, &s, total_rev))
        .collect();
    sort_clients(&mut clients);
    let counts = count_verdicts(&clients);

    Ok(Digest {
        generated_at: now,
        as_of: input.as_of,
        since,
        lang: input.lang,
        tz: tz.name().to_string(),
        clients,
        archived,
        counts,
        revenue: rev.map(revenue_line),
        prompts: prompt_stats(input.prompts, since, at, tz),
        not_understood: input.not_understood,
        quarantined: quarantine_lines(input.quarantined, at, tz),
        activity: input.activity.clone(),
        next_prompt_at: input.next_prompt_at.map(|t| local_time(t, tz)),
        next_digest_at: input.next_digest_at.map(|t| local_time(t, tz)),
        thresholds: Thresholds {
            let_go: input.settings.let_go_health,
            watch_below: input.settings.watch_below,
            nurture: input.settings.nurture_health,
        },
    })
}

/// A tracked client as it was, and its score.
type Scored = (Client, score::ClientScore);

/// Scores every client as it was at `at` on its reflections up to then: the tracked ones
/// with their scores, and the archived ones (sorted by name) as their own lines.
fn score_clients<S: ReflectionSource + ?Sized>(
    input: &DigestInput<'_>,
    reflections: &mut S,
    at: DateTime<Utc>,
    since: DateTime<Utc>,
) -> Result<(Vec<Scored>, Vec<ArchivedClient>), S::Error> {
    let mut scores = Vec::new();
    let mut archived = Vec::new();
    for c in input.clients.iter().filter_map(|c| as_it_was(c, at)) {
        let history = reflections.reflections_of(&c.key())?;
        let refl: Vec<&Reflection> = history.iter().filter(|r| r.date <= at).collect();
        let s = score::score_client(
            &c,
            &refl,
            input.questionnaire,
            input.settings,
            at,
            Some(since),
        );
        match c.status {
            ClientStatus::Archived { since: when } => archived.push(ArchivedClient {
                name: c.name.clone(),
                since: local_date(when, input.tz),
                health: s.health.map(round_pct),
                reflections: s.reflections,
            }),
            _ => scores.push((c, s)),
        }
    }
    archived.sort_by_key(|a| a.name.to_lowercase());
    Ok((scores, archived))
}

/// One client's part of the digest; `total_rev`: the revenue of all tracked clients.
fn client_digest(
    input: &DigestInput<'_>,
    c: &Client,
    s: &score::ClientScore,
    total_rev: Option<f64>,
) -> ClientDigest {
    let (q, tz) = (input.questionnaire, input.tz);
    let evidence_i18n: BTreeMap<Lang, Vec<String>> = Lang::ALL
        .iter()
        .map(|l| {
            (
                *l,
                s.evidence.iter().map(|e| score::phrase(e, *l, q)).collect(),
            )
        })
        .collect();
    let start = s.series.len().saturating_sub(SPARK_POINTS);
    let recent: Vec<u8> = s.series[start..]
        .iter()
        .map(|p| round_pct(p.score))
        .collect();
    let revenue_share = match (c.revenue, total_rev) {
        (Some(r), Some(t)) if r.is_finite() && r > 0.0 && t > 0.0 => {
            Some((r * 1000.0 / t).round() / 10.0)
        }
        _ => None,
    };
    ClientDigest {
        name: c.name.clone(),
        key: s.key.clone(),
        verdict: s.verdict,
        health: s.health.map(round_pct),
        previous_health: s.previous_health.map(round_pct),
        trend: s.trend.map(|t| t.round() as i32),
        trend_direction: s.trend.map(|t| {
            if t >= TREND_STEADY {
                TrendDirection::Up
            } else if t <= -TREND_STEADY {
                TrendDirection::Down
            } else {
                TrendDirection::Steady
            }
        }),
        confidence: s.confidence,
        reflections: s.reflections,
        span_days: s.span_days,
        last_reflection: s.last_reflection.map(|d| local_date(d, tz)),
        promoter: s.promoter,
        revenue: c.revenue,
        revenue_share,
        evidence: evidence_i18n.get(&input.lang).cloned().unwrap_or_default(),
        reasons: s.evidence.clone(),
        next_step: score::next_step(s.verdict, input.lang).to_string(),
        quotes: s
            .quotes
            .iter()
            .map(|qt| QuoteLine {
                date: local_date(qt.date, tz),
                text: qt.text.clone(),
                question: qt.question.clone(),
                labels: qt
                    .question
                    .as_deref()
                    .map(|key| labels_of(q, key))
                    .unwrap_or_default(),
            })
            .collect(),
        sparkline: unicode_sparkline(&recent),
        recent_scores: recent,
        evidence_i18n,
    }
}

/// A question's label in every language (none for a question no longer asked).
fn labels_of(q: &Questionnaire, key: &str) -> BTreeMap<Lang, String> {
    q.questions
        .iter()
        .find(|x| x.key == key)
        .map(|x| {
            Lang::ALL
                .iter()
                .map(|l| (*l, x.wording(*l).label.clone()))
                .collect()
        })
        .unwrap_or_default()
}

/// Orders the clients by verdict; within one, the healthiest first where health is good
/// news (nurture, keep), the weakest first where it is not (let go, watch); then by name.
fn sort_clients(clients: &mut [ClientDigest]) {
    clients.sort_by(|a, b| {
        rank(a.verdict).cmp(&rank(b.verdict)).then_with(|| {
            let (ha, hb) = (a.health.unwrap_or(0), b.health.unwrap_or(0));
            match a.verdict {
                Verdict::Nurture | Verdict::Keep => hb.cmp(&ha),
                Verdict::LetGo | Verdict::Watch => ha.cmp(&hb),
                Verdict::NotEnoughData => std::cmp::Ordering::Equal,
            }
            .then_with(|| a.name.to_lowercase().cmp(&b.name.to_lowercase()))
        })
    });
}

/// How many clients got each verdict.
fn count_verdicts(clients: &[ClientDigest]) -> VerdictCounts {
    let mut counts = VerdictCounts::default();
    for c in clients {
        *match c.verdict {
            Verdict::Nurture => &mut counts.nurture,
            Verdict::Keep => &mut counts.keep,
            Verdict::Watch => &mut counts.watch,
            Verdict::LetGo => &mut counts.let_go,
            Verdict::NotEnoughData => &mut counts.not_enough_data,
        } += 1;
    }
    counts
}

/// The digest's revenue line.
fn revenue_line(r: score::RevenueSummary) -> RevenueLine {
    RevenueLine {
        total: r.total,
        top: r.top,
        top_share: round_pct(r.top_share),
        weakest: r.weakest.map(|(name, share, health)| WeakRevenue {
            name,
            share: round_pct(share),
            health: round_pct(health),
        }),
    }
}

/// The quarantined messages up to `at`.
fn quarantine_lines(
    quarantined: &[QuarantineEntry],
    at: DateTime<Utc>,
    tz: Tz,
) -> Vec<QuarantineLine> {
    quarantined
        .iter()
        .filter(|e| e.at <= at)
        .map(|e| QuarantineLine {
            date: local_date(e.at, tz),
            origin: e.origin.clone(),
            reason: e.reason.clone(),
        })
        .collect()
}

/// `c` as it stood at `at`: `None` before it was tracked, active again when it was let go
/// only later.
fn as_it_was(c: &Client, at: DateTime<Utc>) -> Option<Client> {
    if c.since > at {
        return None;
    }
    let mut c = c.clone();
    if matches!(c.status, ClientStatus::Archived { since } if since > at) {
        c.status = ClientStatus::Active;
    }
    Some(c)
}

fn prompt_stats(
    prompts: &[PromptRecord],
    since: DateTime<Utc>,
    at: DateTime<Utc>,
    tz: Tz,
) -> PromptStats {
    let mut st = PromptStats::default();
    let line = |p: &PromptRecord, when: DateTime<Utc>, reason: Option<&str>| PromptLine {
        client: p.client_name.clone(),
        date: local_date(when, tz),
        reason: reason.map(str::to_string),
    };
    for p in prompts.iter().filter(|p| p.created_at <= at) {
        let in_period = p.created_at > since;
        let accepted = matches!(p.send, SendState::Sent { .. });
        if in_period && accepted {
            st.sent += 1;
            if matches!(p.status, PromptStatus::Answered { at: a } if a <= at) {
                st.answered += 1;
            }
        }
        match &p.send {
            SendState::Unknown { intent_at, reason } => {
                st.unknown.push(line(p, *intent_at, Some(reason)))
            }
            SendState::Failed { at: f, reason, .. } if in_period => {
                st.failed.push(line(p, *f, Some(reason)))
            }
            _ => {}
        }
        // The status it had at `at`: a reply or bounce read later had not come yet.
        let open_then = match &p.status {
            PromptStatus::Open => true,
            PromptStatus::Answered { at: t }
            | PromptStatus::Expired { at: t }
            | PromptStatus::Bounced { at: t, .. } => *t > at,
        };
        match &p.status {
            _ if open_then && accepted => st.unanswered.push(line(p, p.created_at, None)),
            _ if open_then => {}
            PromptStatus::Bounced { at: b, reason } if in_period => {
                st.bounced.push(line(p, *b, Some(reason)))
            }
            _ => {}
        }
    }
    st.reply_rate = (st.sent > 0).then(|| round_pct(st.answered as f64 * 100.0 / st.sent as f64));
    for v in [
        &mut st.unanswered,
        &mut st.bounced,
        &mut st.failed,
        &mut st.unknown,
    ] {
        v.sort_by(|a, b| a.date.cmp(&b.date).then(a.client.cmp(&b.client)));
    }
    st
}

/// The stable JSON shape documented in the module doc.
pub fn to_json(digest: &Digest) -> serde_json::Value {
    serde_json::to_value(digest).unwrap_or(serde_json::Value::Null)
}

#[cfg(test)]
mod tests;
