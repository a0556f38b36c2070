//! The default questionnaire, from the article olifant is built on.
//!
//! Eight rated questions plus free notes, in English and Dutch. The keys are fixed: they are
//! the data model and the answer grammar's vocabulary. The config can reword, drop, reorder
//! or add questions; this is what a new user gets.

use crate::model::{Lang, Question, Questionnaire, Scale, Wording};

/// Default weights favour what the article says matters most: being paid, agreements kept,
/// the owner's energy and "would you take them on again"; growth counts least because a
/// good client need not bring referrals. The words are in the catalogs (`questions.*`).
const DEFAULT: &[(&str, Scale, f64)] = &[
    ("energy", Scale::ONE_TO_FIVE, 1.5),
    ("payment", Scale::ONE_TO_FIVE, 1.5),
    ("scope", Scale::ONE_TO_FIVE, 1.5),
    ("information", Scale::ONE_TO_FIVE, 1.0),
    ("autonomy", Scale::ONE_TO_FIVE, 1.0),
    ("price", Scale::ONE_TO_FIVE, 1.0),
    ("growth", Scale::ONE_TO_FIVE, 0.75),
    ("again", Scale::YesMaybeNo, 1.5),
];

/// The default label and question of `key` in `lang`.
fn default_wording(key: &str, lang: Lang) -> Wording {
    let (label, text) = match key {
        "energy" => (
            tr!(lang, "questions.energy_label"),
            tr!(lang, "questions.energy"),
        ),
        "payment" => (
            tr!(lang, "questions.payment_label"),
            tr!(lang, "questions.payment"),
        ),
        "scope" => (
            tr!(lang, "questions.scope_label"),
            tr!(lang, "questions.scope"),
        ),
        "information" => (
            tr!(lang, "questions.information_label"),
            tr!(lang, "questions.information"),
        ),
        "autonomy" => (
            tr!(lang, "questions.autonomy_label"),
            tr!(lang, "questions.autonomy"),
        ),
        "price" => (
            tr!(lang, "questions.price_label"),
            tr!(lang, "questions.price"),
        ),
        "growth" => (
            tr!(lang, "questions.growth_label"),
            tr!(lang, "questions.growth"),
        ),
        "again" => (
            tr!(lang, "questions.again_label"),
            tr!(lang, "questions.again"),
        ),
        _ => (key, key),
    };
    Wording {
        label: label.into(),
        text: text.into(),
    }
}

/// The questionnaire a new user gets, worded in every language olifant speaks.
pub fn default_questionnaire() -> Questionnaire {
    let questions = DEFAULT
        .iter()
        .map(|&(key, scale, weight)| Question {
            key: key.to_string(),
            wording: Lang::ALL
                .iter()
                .map(|l| (*l, default_wording(key, *l)))
                .collect(),
            scale,
            weight,
        })
        .collect();
    Questionnaire {
        questions,
        notes_prompt: Lang::ALL
            .iter()
            .map(|l| (*l, tr!(*l, "questions.notes").to_string()))
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_has_eight_questions_in_both_languages_with_again_last() {
        let q = default_questionnaire();
        assert_eq!(q.questions.len(), 8);
        assert!(q.questions.iter().all(|q| q.wording.len() == 2));
        assert_eq!(q.questions[7].key, "again");
        assert_eq!(q.questions[7].scale, Scale::YesMaybeNo);
        assert_eq!(q.questions[1].wording(Lang::Nl).label, "Betaling");
    }
}
