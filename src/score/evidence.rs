//! Structured evidence and its wording in English and Dutch (a small phrase table).

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::{QIndex, QuestionScore, HIGH_SCORE, LOW_SCORE, MAX_QUOTES, TREND_STEADY};
use crate::model::{DigestSettings, Lang, Questionnaire, Reflection, Scale, Verdict};

/// One reason behind a verdict, before it is put into words.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Evidence {
    /// A question was low in `count` of its last `of` answers.
    PullsDown {
        /// Question key.
        question: String,
        /// Low answers.
        count: usize,
        /// Answers counted.
        of: usize,
    },
    /// A question was high in `count` of its last `of` answers.
    PullsUp {
        /// Question key.
        question: String,
        /// High answers.
        count: usize,
        /// Answers counted.
        of: usize,
    },
    /// The lowest-scoring question (when no question is clearly low).
    Weakest {
        /// Question key.
        question: String,
        /// Its score, 0–100.
        score: f64,
    },
    /// The highest-scoring question (when no question is clearly high).
    Strongest {
        /// Question key.
        question: String,
        /// Its score, 0–100.
        score: f64,
    },
    /// Health now against health at the previous digest.
    Trend {
        /// Health then.
        from: f64,
        /// Health now.
        to: f64,
    },
    /// The latest reflection scored well below the one two before it.
    Drop {
        /// The earlier reflection's score.
        from: f64,
        /// The latest reflection's score.
        to: f64,
    },
    /// The two most recent `again` answers were "no".
    AgainNoTwice,
    /// Too few reflections for a verdict.
    TooFew {
        /// Scored reflections so far.
        count: usize,
        /// Needed.
        needed: usize,
    },
}

/// The owner's own words, dated.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Quote {
    /// When the reflection was written.
    pub date: DateTime<Utc>,
    /// The text (whitespace collapsed, shortened to about 200 characters).
    pub text: String,
    /// The question it commented on; `None` for free notes.
    pub question: Option<String>,
}

/// Longest quote, in characters.
const QUOTE_CHARS: usize = 200;

#[allow(clippy::too_many_arguments)]
pub(super) fn collect(
    verdict: Verdict,
    n: usize,
    settings: &DigestSettings,
    questions: &[QuestionScore],
    again_no_twice: bool,
    drop: Option<(f64, f64)>,
    health: Option<f64>,
    previous: Option<f64>,
) -> Vec<Evidence> {
    let mut out = Vec::new();
    let clearly = |count: usize, of: usize| count >= 2 && count * 2 >= of;
    let mut downs: Vec<&QuestionScore> = questions
        .iter()
        .filter(|q| clearly(q.recent_low, q.recent_window))
        .collect();
    downs.sort_by(|a, b| {
        b.recent_low
            .cmp(&a.recent_low)
            .then(a.score.total_cmp(&b.score))
    });
    let mut ups: Vec<&QuestionScore> = questions
        .iter()
        .filter(|q| clearly(q.recent_high, q.recent_window))
        .collect();
    ups.sort_by(|a, b| {
        b.recent_high
            .cmp(&a.recent_high)
            .then(b.score.total_cmp(&a.score))
    });
    let down = |q: &QuestionScore| Evidence::PullsDown {
        question: q.key.clone(),
        count: q.recent_low,
        of: q.recent_window,
    };
    let up = |q: &QuestionScore| Evidence::PullsUp {
        question: q.key.clone(),
        count: q.recent_high,
        of: q.recent_window,
    };
    let weakest = || {
        questions
            .iter()
            .min_by(|a, b| a.score.total_cmp(&b.score))
            .map(|q| Evidence::Weakest {
                question: q.key.clone(),
                score: q.score,
            })
    };
    let strongest = || {
        questions
            .iter()
            .max_by(|a, b| a.score.total_cmp(&b.score))
            .map(|q| Evidence::Strongest {
                question: q.key.clone(),
                score: q.score,
            })
    };
    match verdict {
        Verdict::NotEnoughData => {
            out.push(Evidence::TooFew {
                count: n,
                needed: settings.min_reflections,
            });
        }
        Verdict::LetGo | Verdict::Watch => {
            if again_no_twice {
                out.push(Evidence::AgainNoTwice);
            }
            if let Some((from, to)) = drop {
                out.push(Evidence::Drop { from, to });
            }
            if downs.is_empty() {
                out.extend(weakest());
            }
            out.extend(downs.iter().take(2).map(|q| down(q)));
        }
        Verdict::Nurture => {
            if ups.is_empty() {
                out.extend(strongest());
            }
            out.extend(ups.iter().take(2).map(|q| up(q)));
        }
        Verdict::Keep => {
            match ups.first() {
                Some(q) => out.push(up(q)),
                None => out.extend(strongest()),
            }
            if let Some(q) = downs.first() {
                out.push(down(q));
            }
        }
    }
    if verdict != Verdict::NotEnoughData {
        if let (Some(to), Some(from)) = (health, previous) {
            out.push(Evidence::Trend { from, to });
        }
    }
    out
}

fn clean(text: &str) -> String {
    let collapsed: Vec<&str> = text.split_whitespace().collect();
    let s = collapsed.join(" ");
    if s.chars().count() <= QUOTE_CHARS {
        return s;
    }
    let mut cut: String = s.chars().take(QUOTE_CHARS).collect();
    if let Some(sp) = cut.rfind(' ') {
        if sp > QUOTE_CHARS / 2 {
            cut.truncate(sp);
        }
    }
    cut.push('…');
    cut
}

/// Picks up to [`MAX_QUOTES`] quotes from `refl` (oldest first), most recent preferred.
pub(super) fn quotes(verdict: Verdict, refl: &[&Reflection], qi: &QIndex<'_>) -> Vec<Quote> {
    // (priority, recency rank, quote); lower priority first.
    let mut cands: Vec<(u8, usize, Quote)> = Vec::new();
    let worrying = matches!(verdict, Verdict::LetGo | Verdict::Watch);
    for (rank, r) in refl.iter().rev().enumerate() {
        for (key, answer) in &r.answers {
            let Some(comment) = answer.comment.as_deref() else {
                continue;
            };
            if comment.trim().is_empty() {
                continue;
            }
            let pct = qi.answer_score(key, answer);
            let prio = match (worrying, pct) {
                (true, Some(p)) if p <= LOW_SCORE + 25.0 => 0,
                (false, Some(p)) if p >= HIGH_SCORE => 1,
                _ => 2,
            };
            cands.push((
                prio,
                rank,
                Quote {
                    date: r.date,
                    text: clean(comment),
                    question: Some(key.clone()),
                },
            ));
        }
        if !r.notes.trim().is_empty() {
            // The first paragraph says the most.
            let para = r
                .notes
                .split("\n\n")
                .find(|p| !p.trim().is_empty())
                .unwrap_or("");
            cands.push((
                if worrying { 1 } else { 0 },
                rank,
                Quote {
                    date: r.date,
                    text: clean(para),
                    question: None,
                },
            ));
        }
    }
    cands.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.cmp(&b.1)));
    let mut out: Vec<Quote> = Vec::new();
    for (_, _, q) in cands {
        if out.len() == MAX_QUOTES {
            break;
        }
        if out.iter().any(|o| o.text == q.text) {
            continue;
        }
        out.push(q);
    }
    out
}

fn label(questionnaire: &Questionnaire, key: &str, lang: Lang) -> (String, Scale) {
    match questionnaire.questions.iter().find(|q| q.key == key) {
        Some(q) => (q.wording(lang).label.to_lowercase(), q.scale),
        None => (key.to_string(), Scale::ONE_TO_FIVE),
    }
}

/// Values on `scale` whose score is ≤ 25 (`low`) or ≥ 75, as text ("1–2", "4–5").
fn range(scale: Scale, low: bool) -> String {
    let (lo, hi) = scale.bounds();
    let q = (hi.saturating_sub(lo)) / 4;
    let (a, b) = if low { (lo, lo + q) } else { (hi - q, hi) };
    if a == b {
        a.to_string()
    } else {
        format!("{a}–{b}")
    }
}

fn n0(x: f64) -> i64 {
    x.round() as i64
}

/// Puts one piece of evidence into words.
pub fn phrase(e: &Evidence, lang: Lang, questionnaire: &Questionnaire) -> String {
    match e {
        Evidence::PullsDown {
            question,
            count,
            of,
        }
        | Evidence::PullsUp {
            question,
            count,
            of,
        } => {
            let low = matches!(e, Evidence::PullsDown { .. });
            let (l, scale) = label(questionnaire, question, lang);
            match scale {
                Scale::YesMaybeNo => {
                    let answer = if low {
                        tr!(lang, "evidence.no")
                    } else {
                        tr!(lang, "evidence.yes")
                    };
                    tr!(
                        lang,
                        "evidence.answered_often",
                        label = l,
                        answer = answer,
                        count = count,
                        of = of
                    )
                }
                _ => tr!(
                    lang,
                    "evidence.rated_often",
                    label = l,
                    range = range(scale, low),
                    count = count,
                    of = of
                ),
            }
        }
        Evidence::Weakest { question, score } => tr!(
            lang,
            "evidence.weakest",
            label = label(questionnaire, question, lang).0,
            score = n0(*score)
        ),
        Evidence::Strongest { question, score } => tr!(
            lang,
            "evidence.strongest",
            label = label(questionnaire, question, lang).0,
            score = n0(*score)
        ),
        Evidence::Trend { from, to } => {
            let (f, t) = (n0(*from), n0(*to));
            let d = to - from;
            if d.abs() < TREND_STEADY {
                tr!(lang, "evidence.trend_steady", to = t)
            } else if d < 0.0 {
                tr!(lang, "evidence.trend_down", from = f, to = t)
            } else {
                tr!(lang, "evidence.trend_up", from = f, to = t)
            }
        }
        Evidence::Drop { from, to } => {
            tr!(lang, "evidence.drop", from = n0(*from), to = n0(*to))
        }
        Evidence::AgainNoTwice => tr!(lang, "evidence.again_no_twice").to_string(),
        Evidence::TooFew { count, needed } => {
            tr_n!(lang, "evidence.too_few", *count, needed = needed)
        }
    }
}

/// One suggested next step per verdict.
pub fn next_step(verdict: Verdict, lang: Lang) -> &'static str {
    match verdict {
        Verdict::LetGo => tr!(lang, "next_step.let_go"),
        Verdict::Watch => tr!(lang, "next_step.watch"),
        Verdict::Nurture => tr!(lang, "next_step.nurture"),
        Verdict::Keep => tr!(lang, "next_step.keep"),
        Verdict::NotEnoughData => tr!(lang, "next_step.not_enough_data"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::prompt::questionnaire::default_questionnaire;

    #[test]
    fn phrases_name_the_rating_range_in_both_languages() {
        let q = default_questionnaire();
        let e = Evidence::PullsDown {
            question: "payment".into(),
            count: 3,
            of: 4,
        };
        assert_eq!(
            phrase(&e, Lang::En, &q),
            "payment rated 1–2 in 3 of the last 4 reflections"
        );
        assert_eq!(
            phrase(&e, Lang::Nl, &q),
            "betaling 3 van de laatste 4 keer met 1–2 beoordeeld"
        );
    }

    #[test]
    fn long_quotes_are_shortened_on_a_word() {
        let long = "word ".repeat(100);
        let c = clean(&long);
        assert!(c.ends_with('…'));
        assert!(c.chars().count() <= QUOTE_CHARS + 1);
    }
}
