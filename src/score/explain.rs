//! `olifant explain CLIENT`: every reflection behind a client's health, with its weight.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::{age_days, decay_weight, relevant, score_client, ClientScore, QIndex};
use crate::model::{Client, DigestSettings, Lang, Questionnaire, Reflection};

/// One answer as it entered the score.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExplainAnswer {
    /// Question key.
    pub question: String,
    /// The stored value.
    pub rating: u8,
    /// The value on 0–100.
    pub score: f64,
}

/// One reflection's contribution.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExplainRow {
    /// When it was written.
    pub date: DateTime<Utc>,
    /// Age at `now`, in days.
    pub age_days: f64,
    /// `0.5^(age_days / half_life_days)`.
    pub weight: f64,
    /// `weight / Σ weight` over all scored reflections: how much it counted.
    pub share: f64,
    /// The reflection's own score; `None` when it rated nothing (then it did not count).
    pub score: Option<f64>,
    /// Its usable answers.
    pub answers: Vec<ExplainAnswer>,
}

/// Why a client scores what it scores.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Explanation {
    /// The scoring `now`.
    pub now: DateTime<Utc>,
    /// Half-life used.
    pub half_life_days: f64,
    /// The full score (health, per-question scores, verdict, evidence).
    pub score: ClientScore,
    /// Every reflection up to `now`, oldest first.
    pub rows: Vec<ExplainRow>,
}

/// Explains one client's score; `reflections` may include other clients' (ignored).
pub fn explain(
    client: &Client,
    reflections: &[&Reflection],
    questionnaire: &Questionnaire,
    settings: &DigestSettings,
    now: DateTime<Utc>,
) -> Explanation {
    let score = score_client(client, reflections, questionnaire, settings, now, None);
    let qi = QIndex::new(questionnaire);
    let refl = relevant(client, reflections, now);
    let mut rows: Vec<ExplainRow> = refl
        .iter()
        .map(|r| {
            let s = qi.reflection_score(r);
            let answers = r
                .answers
                .iter()
                .filter_map(|(k, a)| {
                    Some(ExplainAnswer {
                        question: k.clone(),
                        rating: a.rating?,
                        score: qi.answer_score(k, a)?,
                    })
                })
                .collect();
            ExplainRow {
                date: r.date,
                age_days: age_days(r.date, now),
                weight: if s.is_some() {
                    decay_weight(r.date, now, settings.half_life_days)
                } else {
                    0.0
                },
                share: 0.0,
                score: s,
                answers,
            }
        })
        .collect();
    let total: f64 = rows.iter().map(|r| r.weight).sum();
    if total > 0.0 {
        for r in &mut rows {
            r.share = r.weight / total;
        }
    }
    Explanation {
        now,
        half_life_days: settings.half_life_days,
        score,
        rows,
    }
}

impl Explanation {
    /// A plain-text table for the terminal.
    pub fn to_text(&self, lang: Lang, questionnaire: &Questionnaire) -> String {
        use std::fmt::Write;
        let s = &self.score;
        let mut out = String::new();
        let health = s
            .health
            .map(|h| format!("{h:.0}"))
            .unwrap_or_else(|| "–".into());
        let (h_word, hl_word, date_w, age_w, weight_w, share_w, score_w) = (
            tr!(lang, "explain.health"),
            tr!(lang, "explain.half_life"),
            tr!(lang, "explain.date"),
            tr!(lang, "explain.age"),
            tr!(lang, "explain.weight"),
            tr!(lang, "explain.counted"),
            tr!(lang, "explain.score"),
        );
        let _ = writeln!(
            out,
            "{} — {h_word} {health} ({}), {hl_word} {} d",
            s.name,
            super::super::digest::verdict_word(s.verdict, lang),
            self.half_life_days
        );
        for q in &s.questions {
            let label = questionnaire
                .questions
                .iter()
                .find(|x| x.key == q.key)
                .map(|x| x.wording(lang).label.clone())
                .unwrap_or_else(|| q.key.clone());
            let _ = writeln!(
                out,
                "  {label:<14} {:>5.1}  (× {}, {} ×)",
                q.score, q.weight, q.answered
            );
        }
        for e in &s.evidence {
            let _ = writeln!(out, "  • {}", super::phrase(e, lang, questionnaire));
        }
        let _ = writeln!(
            out,
            "\n{date_w:<10}  {age_w:>12}  {weight_w:>7}  {share_w:>9}  {score_w:>5}  answers"
        );
        for r in &self.rows {
            let answers: Vec<String> = r
                .answers
                .iter()
                .map(|a| format!("{}={}", a.question, a.rating))
                .collect();
            let _ = writeln!(
                out,
                "{:<10}  {:>12.1}  {:>7.3}  {:>8.1}%  {:>5}  {}",
                r.date.format("%Y-%m-%d"),
                r.age_days,
                r.weight,
                r.share * 100.0,
                r.score
                    .map(|x| format!("{x:.0}"))
                    .unwrap_or_else(|| "–".into()),
                answers.join(" ")
            );
        }
        out
    }
}
