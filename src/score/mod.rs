//! Turn reflections into health, trend, confidence and a verdict with evidence (pure).
//!
//! Everything here takes its data and `now` as arguments; the same input always gives the
//! same output.
//!
//! ## Formulas
//!
//! * **Reflection weight.** A reflection written `age` days before `now` weighs
//!   `w = 0.5^(age / half_life_days)` (half-life from `[digest] half_life_days`, default 90):
//!   today's reflection weighs 1, one from 90 days ago 0.5, one from 180 days ago 0.25.
//!   Reflections dated after `now` are ignored (that is how `--as-of` works).
//! * **Answer score.** A stored value is mapped to 0–100 with [`Scale::to_percent`]
//!   (1–5: 1 → 0, 3 → 50, 5 → 100; yes/maybe/no → 100/50/0). Rejected values (`rating: None`)
//!   and answers to questions no longer in the questionnaire are ignored.
//! * **Question score.** Per client and question: `Σ wᵢ·scoreᵢ / Σ wᵢ` over the reflections
//!   that answered the question.
//! * **Health (0–100).** `Σ W_q·score_q / Σ W_q` over the questions answered at least once,
//!   `W_q` being the question's weight (defaults: energy, payment, scope, again 1.5;
//!   information, autonomy, price 1; growth 0.75). `None` when nothing was ever rated.
//! * **Reflection score.** The same weighted mean over one reflection's own answers (no
//!   decay): the points of the trend sparkline.
//! * **Trend.** `health(now) − health(previous)`, where `previous` is the previous digest's
//!   time (or `now − 30 days`) and `health(previous)` uses only reflections up to `previous`,
//!   decayed relative to `previous`. Within ±[`TREND_STEADY`] points it reads "steady".
//! * **Confidence.** From the number `n` of scored reflections and the days `span` between
//!   the first and the last: *low* when `n < 3` or `span < 28`; *high* when `n ≥ 6` and
//!   `span ≥ 90`; *medium* otherwise.
//! * **Promoter view.** The latest answer to `again`: yes (5) → promoter, maybe (3) →
//!   passive, no (1) → detractor.
//!
//! ## Verdict (first rule that matches wins; thresholds from [`DigestSettings`])
//!
//! 1. **Not enough data**: fewer than `min_reflections` (2) scored reflections.
//! 2. **Let go**: health `< let_go_health` (40) with at least `let_go_min_reflections` (3)
//!    reflections, or the two most recent answers to `again` were both "no".
//! 3. **Watch**: the latest reflection's score is at least `watch_drop` (15) points below the
//!    score of the reflection two before it (the first one when there are only two), or
//!    health `< watch_below` (60) (this includes low health with too few reflections for
//!    "let go").
//! 4. **Nurture**: health `≥ nurture_health` (75) and the `growth` or `again` question score
//!    `≥ high_score` (75).
//! 5. **Keep**: everything else.
//!
//! ## Evidence
//!
//! A question is *low* in a reflection when its score is ≤ 25 (1–2 on 1–5, "no"), *high*
//! when ≥ 75 (4–5, "yes"). Over the last [`EVIDENCE_WINDOW`] reflections that answered a
//! question, it is reported as pulling health down (up) when at least 2 and at least half of
//! them were low (high): "payment rated 1–2 in 3 of the last 4 reflections". Quotes come from
//! the most recent [`QUOTE_LOOKBACK`] reflections: for let go and watch, comments on low
//! answers first, then notes; otherwise notes first, then comments on high answers.

mod evidence;
mod explain;
mod revenue;

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

use crate::model::{Client, ClientKey, DigestSettings, Questionnaire, Reflection, Scale, Verdict};

pub use evidence::{next_step, phrase, Evidence, Quote};
pub use explain::{explain, ExplainRow, Explanation};
pub use revenue::{revenue_summary, RevenueClient, RevenueSummary};

/// Trend within this many points either way reads "steady".
pub const TREND_STEADY: f64 = 5.0;
/// How many of a question's most recent answers the evidence counts over.
pub const EVIDENCE_WINDOW: usize = 4;
/// How many of the most recent reflections quotes are taken from.
pub const QUOTE_LOOKBACK: usize = 8;
/// Most quotes shown per client.
pub const MAX_QUOTES: usize = 2;
/// Default look-back for the trend when there was no previous digest.
pub const DEFAULT_TREND_DAYS: i64 = 30;
/// A question score at or below this is "low" in evidence.
pub const LOW_SCORE: f64 = 25.0;
/// A question score at or above this is "high" in evidence.
pub const HIGH_SCORE: f64 = 75.0;

/// How much to trust a client's numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Confidence {
    /// Fewer than 3 reflections or under 28 days of history.
    Low,
    /// Between low and high.
    Medium,
    /// At least 6 reflections over at least 90 days.
    High,
}

impl Confidence {
    /// The cut-offs documented in the module doc.
    pub fn from_counts(reflections: usize, span_days: i64) -> Confidence {
        if reflections < 3 || span_days < 28 {
            Confidence::Low
        } else if reflections >= 6 && span_days >= 90 {
            Confidence::High
        } else {
            Confidence::Medium
        }
    }
}

/// The owner's own net-promoter view of a client (latest `again` answer).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Promoter {
    /// "yes, again".
    Promoter,
    /// "maybe".
    Passive,
    /// "no".
    Detractor,
}

/// One question's recency-weighted score for one client.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QuestionScore {
    /// Question key.
    pub key: String,
    /// 0–100.
    pub score: f64,
    /// Question weight in health.
    pub weight: f64,
    /// How many reflections answered it.
    pub answered: usize,
    /// Low answers among the last [`EVIDENCE_WINDOW`] answers.
    pub recent_low: usize,
    /// High answers among the last [`EVIDENCE_WINDOW`] answers.
    pub recent_high: usize,
    /// How many recent answers were counted (≤ [`EVIDENCE_WINDOW`]).
    pub recent_window: usize,
}

/// One point of a client's history: a reflection's own score.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Point {
    /// When the reflection was written.
    pub date: DateTime<Utc>,
    /// Its score, 0–100.
    pub score: f64,
}

/// Everything the digest knows about one client's numbers.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ClientScore {
    /// The client's key.
    pub key: ClientKey,
    /// Display name.
    pub name: String,
    /// Reflections with at least one rated answer, up to `now`.
    pub reflections: usize,
    /// Days between the first and the last of them.
    pub span_days: i64,
    /// Date of the latest one.
    pub last_reflection: Option<DateTime<Utc>>,
    /// 0–100, `None` when nothing was rated.
    pub health: Option<f64>,
    /// Health as of the previous digest.
    pub previous_health: Option<f64>,
    /// `health − previous_health`.
    pub trend: Option<f64>,
    /// How much to trust it.
    pub confidence: Confidence,
    /// Latest `again` answer as a promoter view.
    pub promoter: Option<Promoter>,
    /// Per-question scores, questionnaire order, answered questions only.
    pub questions: Vec<QuestionScore>,
    /// Each scored reflection's own score, oldest first.
    pub series: Vec<Point>,
    /// The verdict.
    pub verdict: Verdict,
    /// Why, most important first.
    pub evidence: Vec<Evidence>,
    /// One or two of the owner's own words.
    pub quotes: Vec<Quote>,
}

/// `0.5^(age_days / half_life_days)`; 1 for a non-positive or non-finite half-life, 0 for
/// reflections in the future of `now`.
pub fn decay_weight(date: DateTime<Utc>, now: DateTime<Utc>, half_life_days: f64) -> f64 {
    let age_days = age_days(date, now);
    if age_days < 0.0 {
        return 0.0;
    }
    if !(half_life_days.is_finite() && half_life_days > 0.0) {
        return 1.0;
    }
    0.5f64.powf(age_days / half_life_days)
}

/// Age of `date` at `now`, in (fractional) days.
pub fn age_days(date: DateTime<Utc>, now: DateTime<Utc>) -> f64 {
    (now - date).num_seconds() as f64 / 86_400.0
}

/// The questionnaire as a small lookup table: key, scale and weight per question.
///
/// Eight-ish short keys: a linear scan beats hashing here.
pub(crate) struct QIndex<'q> {
    keys: Vec<&'q str>,
    scales: Vec<Scale>,
    weights: Vec<f64>,
}

impl<'q> QIndex<'q> {
    pub(crate) fn new(q: &'q Questionnaire) -> QIndex<'q> {
        QIndex {
            keys: q.questions.iter().map(|x| x.key.as_str()).collect(),
            scales: q.questions.iter().map(|x| x.scale).collect(),
            weights: q
                .questions
                .iter()
                .map(|x| {
                    if x.weight.is_finite() && x.weight > 0.0 {
                        x.weight
                    } else {
                        0.0
                    }
                })
                .collect(),
        }
    }

    fn index(&self, key: &str) -> Option<usize> {
        self.keys.iter().position(|k| *k == key)
    }

    fn len(&self) -> usize {
        self.keys.len()
    }

    /// The 0–100 score of one answer, `None` when unusable.
    pub(crate) fn answer_score(&self, key: &str, a: &crate::model::Answer) -> Option<f64> {
        let i = self.index(key)?;
        Some(self.scales[i].to_percent(a.rating?))
    }

    /// Fills `row` (one slot per question, NaN = not answered) from `r`; returns the
    /// reflection's own score (weighted mean of its answers), `None` when nothing rated.
    fn fill(&self, r: &Reflection, row: &mut [f64]) -> Option<f64> {
        row.fill(f64::NAN);
        let (mut num, mut den, mut any) = (0.0, 0.0, false);
        for (k, a) in &r.answers {
            let (Some(i), Some(v)) = (self.index(k), a.rating) else {
                continue;
            };
            let pct = self.scales[i].to_percent(v);
            row[i] = pct;
            any = true;
            num += self.weights[i] * pct;
            den += self.weights[i];
        }
        match (any, den > 0.0) {
            (false, _) => None,
            (true, true) => Some(num / den),
            (true, false) => Some(0.0),
        }
    }

    /// The reflection's own score, `None` when nothing rated.
    pub(crate) fn reflection_score(&self, r: &Reflection) -> Option<f64> {
        let mut row = vec![f64::NAN; self.len()];
        self.fill(r, &mut row)
    }
}

/// The scored reflections of one client as a dense matrix (rows oldest first).
struct Matrix {
    qn: usize,
    dates: Vec<DateTime<Utc>>,
    /// `rows × qn`, NaN where a question was not answered.
    vals: Vec<f64>,
}

impl Matrix {
    fn build(qi: &QIndex<'_>, refl: &[&Reflection]) -> (Matrix, Vec<Point>) {
        let qn = qi.len();
        let mut m = Matrix {
            qn,
            dates: Vec::with_capacity(refl.len()),
            vals: Vec::with_capacity(refl.len() * qn),
        };
        let mut series = Vec::with_capacity(refl.len());
        let mut row = vec![f64::NAN; qn];
        for r in refl {
            if let Some(score) = qi.fill(r, &mut row) {
                m.dates.push(r.date);
                m.vals.extend_from_slice(&row);
                series.push(Point {
                    date: r.date,
                    score,
                });
            }
        }
        (m, series)
    }

    fn row(&self, i: usize) -> &[f64] {
        &self.vals[i * self.qn..(i + 1) * self.qn]
    }

    /// Per-question decayed sums over rows `..upto`, relative to `at`.
    fn sums(&self, upto: usize, at: DateTime<Utc>, half_life: f64) -> Sums {
        let mut s = Sums {
            num: vec![0.0; self.qn],
            den: vec![0.0; self.qn],
            cnt: vec![0; self.qn],
        };
        for i in 0..upto {
            let w = decay_weight(self.dates[i], at, half_life);
            for (q, v) in self.row(i).iter().enumerate() {
                if !v.is_nan() {
                    s.num[q] += w * v;
                    s.den[q] += w;
                    s.cnt[q] += 1;
                }
            }
        }
        s
    }
}

struct Sums {
    num: Vec<f64>,
    den: Vec<f64>,
    cnt: Vec<usize>,
}

impl Sums {
    fn score(&self, q: usize) -> f64 {
        if self.den[q] > 0.0 {
            self.num[q] / self.den[q]
        } else {
            0.0
        }
    }

    fn health(&self, qi: &QIndex<'_>) -> Option<f64> {
        let (mut h, mut hw, mut any) = (0.0, 0.0, false);
        for q in 0..qi.len() {
            if self.cnt[q] == 0 {
                continue;
            }
            any = true;
            h += qi.weights[q] * self.score(q);
            hw += qi.weights[q];
        }
        match (any, hw > 0.0) {
            (false, _) => None,
            (true, true) => Some(h / hw),
            (true, false) => Some(0.0),
        }
    }
}

/// Health of the reflections up to `at`, decayed relative to `at`.
pub fn health_at(
    reflections: &[&Reflection],
    questionnaire: &Questionnaire,
    half_life_days: f64,
    at: DateTime<Utc>,
) -> Option<f64> {
    let qi = QIndex::new(questionnaire);
    let mut upto: Vec<&Reflection> = reflections
        .iter()
        .copied()
        .filter(|r| r.date <= at)
        .collect();
    upto.sort_by_key(|r| r.date);
    let (m, _) = Matrix::build(&qi, &upto);
    m.sums(m.dates.len(), at, half_life_days).health(&qi)
}

/// The client's reflections up to `now`, oldest first.
pub(crate) fn relevant<'r>(
    client: &Client,
    reflections: &[&'r Reflection],
    now: DateTime<Utc>,
) -> Vec<&'r Reflection> {
    let key = client.key();
    let mut v: Vec<&Reflection> = reflections
        .iter()
        .copied()
        .filter(|r| r.client == key && r.date <= now)
        .collect();
    if !v.is_sorted_by_key(|r| r.date) {
        v.sort_by_key(|r| r.date);
    }
    v
}

/// Scores one client.
///
/// `reflections` may hold other clients' reflections and ones after `now`; both are ignored.
/// `previous` is when the previous digest was made (the trend's baseline); `None` means
/// `now − 30 days`.
pub fn score_client(
    client: &Client,
    reflections: &[&Reflection],
    questionnaire: &Questionnaire,
    settings: &DigestSettings,
    now: DateTime<Utc>,
    previous: Option<DateTime<Utc>>,
) -> ClientScore {
    let qi = QIndex::new(questionnaire);
    let refl = relevant(client, reflections, now);
    // Only reflections with at least one usable rating count.
    let (m, series) = Matrix::build(&qi, &refl);
    let n = m.dates.len();
    let hl = settings.half_life_days;
    let sums = m.sums(n, now, hl);
    let health = sums.health(&qi);

    let previous = previous
        .filter(|p| *p < now)
        .unwrap_or(now - Duration::days(DEFAULT_TREND_DAYS));
    let split = m.dates.partition_point(|d| *d <= previous);
    let previous_health = m.sums(split, previous, hl).health(&qi);
    let trend = match (health, previous_health) {
        (Some(h), Some(p)) => Some(h - p),
        _ => None,
    };

    let questions = question_scores(&qi, &m, &sums);
    let agains = last_agains(&qi, &m);
    let promoter = agains.first().map(|&p| {
        if p >= 100.0 {
            Promoter::Promoter
        } else if p <= 0.0 {
            Promoter::Detractor
        } else {
            Promoter::Passive
        }
    });

    let span_days = match (m.dates.first(), m.dates.last()) {
        (Some(a), Some(b)) => (*b - *a).num_days(),
        _ => 0,
    };
    let confidence = Confidence::from_counts(n, span_days);

    let again_no_twice = agains.len() == 2 && agains.iter().all(|&p| p <= 0.0);
    let drop = recent_drop(&series, settings);
    let verdict = verdict_of(n, health, again_no_twice, drop, &questions, settings);

    let evidence = evidence::collect(
        verdict,
        n,
        settings,
        &questions,
        again_no_twice,
        drop,
        health,
        previous_health,
    );
    let lookback = &scored_or_all(&refl)[..];
    let quotes = evidence::quotes(verdict, lookback, &qi);

    ClientScore {
        key: client.key(),
        name: client.name.clone(),
        reflections: n,
        span_days,
        last_reflection: m.dates.last().copied(),
        health,
        previous_health,
        trend,
        confidence,
        promoter,
        questions,
        series,
        verdict,
        evidence,
        quotes,
    }
}

/// Per-question scores and recent low/high counts (walking back from the newest), for
/// the questions answered at least once.
fn question_scores(qi: &QIndex<'_>, m: &Matrix, sums: &Sums) -> Vec<QuestionScore> {
    let n = m.dates.len();
    let mut questions = Vec::new();
    for (q, key) in qi.keys.iter().enumerate() {
        if sums.cnt[q] == 0 {
            continue;
        }
        let (mut low, mut high, mut window) = (0, 0, 0);
        for i in (0..n).rev() {
            if window == EVIDENCE_WINDOW {
                break;
            }
            let pct = m.row(i)[q];
            if pct.is_nan() {
                continue;
            }
            window += 1;
            if pct <= LOW_SCORE {
                low += 1;
            }
            if pct >= HIGH_SCORE {
                high += 1;
            }
        }
        questions.push(QuestionScore {
            key: (*key).to_string(),
            score: sums.score(q),
            weight: qi.weights[q],
            answered: sums.cnt[q],
            recent_low: low,
            recent_high: high,
            recent_window: window,
        });
    }
    questions
}

/// The two most recent `again` answers, newest first.
fn last_agains(qi: &QIndex<'_>, m: &Matrix) -> Vec<f64> {
    let mut agains: Vec<f64> = Vec::with_capacity(2);
    if let Some(ai) = qi.index("again") {
        for i in (0..m.dates.len()).rev() {
            let pct = m.row(i)[ai];
            if !pct.is_nan() {
                agains.push(pct);
                if agains.len() == 2 {
                    break;
                }
            }
        }
    }
    agains
}

/// The score two reflections back and the latest, when it fell by at least the watch drop.
fn recent_drop(series: &[Point], settings: &DigestSettings) -> Option<(f64, f64)> {
    let n = series.len();
    if n >= 2 {
        let latest = series[n - 1].score;
        let before = series[n.saturating_sub(3)].score;
        (before - latest >= settings.watch_drop).then_some((before, latest))
    } else {
        None
    }
}

/// The verdict: not enough data, let go, watch, nurture or keep, in that order.
fn verdict_of(
    n: usize,
    health: Option<f64>,
    again_no_twice: bool,
    drop: Option<(f64, f64)>,
    questions: &[QuestionScore],
    settings: &DigestSettings,
) -> Verdict {
    let q_score = |k: &str| questions.iter().find(|q| q.key == k).map(|q| q.score);
    let h = health.unwrap_or(0.0);
    if n < settings.min_reflections || health.is_none() {
        Verdict::NotEnoughData
    } else if (h < settings.let_go_health && n >= settings.let_go_min_reflections) || again_no_twice
    {
        Verdict::LetGo
    } else if drop.is_some() || h < settings.watch_below {
        Verdict::Watch
    } else if h >= settings.nurture_health
        && (q_score("growth").is_some_and(|s| s >= settings.high_score)
            || q_score("again").is_some_and(|s| s >= settings.high_score))
    {
        Verdict::Nurture
    } else {
        Verdict::Keep
    }
}

/// The last [`QUOTE_LOOKBACK`] reflections (notes-only ones included), oldest first.
fn scored_or_all<'r>(refl: &[&'r Reflection]) -> Vec<&'r Reflection> {
    let start = refl.len().saturating_sub(QUOTE_LOOKBACK);
    refl[start..].to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Answer, ClientStatus};
    use crate::prompt::questionnaire::default_questionnaire;
    use chrono::TimeZone;
    use std::collections::BTreeMap;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2025, 6, 1, 12, 0, 0).unwrap()
    }

    fn client(name: &str) -> Client {
        Client {
            name: name.into(),
            cadence: Default::default(),
            revenue: None,
            tags: vec![],
            status: ClientStatus::Active,
            since: now() - Duration::days(1000),
        }
    }

    fn refl(name: &str, days_ago: i64, answers: &[(&str, u8)]) -> Reflection {
        Reflection {
            client: ClientKey::from_name(name),
            prompt: None,
            date: now() - Duration::days(days_ago),
            answers: answers
                .iter()
                .map(|(k, v)| {
                    (
                        k.to_string(),
                        Answer {
                            rating: Some(*v),
                            comment: None,
                        },
                    )
                })
                .collect::<BTreeMap<_, _>>(),
            notes: String::new(),
            sources: vec![],
        }
    }

    #[test]
    fn a_rating_ninety_days_old_weighs_half() {
        let w = decay_weight(now() - Duration::days(90), now(), 90.0);
        assert!((w - 0.5).abs() < 1e-9, "{w}");
        let rs = [
            refl("A", 0, &[("payment", 5)]),
            refl("A", 90, &[("payment", 1)]),
        ];
        let refs: Vec<&Reflection> = rs.iter().collect();
        let s = score_client(
            &client("A"),
            &refs,
            &default_questionnaire(),
            &DigestSettings::default(),
            now(),
            None,
        );
        // (1·100 + 0.5·0) / 1.5
        let h = s.health.unwrap();
        assert!((h - 200.0 / 3.0).abs() < 1e-6, "{h}");
    }

    #[test]
    fn health_weights_questions_by_their_weight() {
        // payment (1.5) = 100, growth (0.75) = 0 → 1.5·100 / 2.25
        let rs = [refl("A", 0, &[("payment", 5), ("growth", 1)])];
        let refs: Vec<&Reflection> = rs.iter().collect();
        let h = health_at(&refs, &default_questionnaire(), 90.0, now()).unwrap();
        assert!((h - 150.0 / 2.25).abs() < 1e-6, "{h}");
    }

    #[test]
    fn unknown_questions_and_rejected_values_do_not_count() {
        let mut r = refl("A", 0, &[("payment", 5), ("dropped_question", 1)]);
        r.answers.insert(
            "scope".into(),
            Answer {
                rating: None,
                comment: Some("?".into()),
            },
        );
        let h = health_at(&[&r], &default_questionnaire(), 90.0, now()).unwrap();
        assert_eq!(h, 100.0);
    }

    #[test]
    fn confidence_cut_offs() {
        assert_eq!(Confidence::from_counts(2, 400), Confidence::Low);
        assert_eq!(Confidence::from_counts(5, 20), Confidence::Low);
        assert_eq!(Confidence::from_counts(5, 60), Confidence::Medium);
        assert_eq!(Confidence::from_counts(6, 90), Confidence::High);
    }
}
