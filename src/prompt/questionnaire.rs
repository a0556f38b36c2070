//! The default questionnaire, from the article olifant is built on.
//!
//! Eight rated questions plus free notes, in English and Dutch. The keys are fixed: they are
//! the data model and the answer grammar's vocabulary. The config can reword, drop, reorder
//! or add questions; this is what a new user gets.

use std::collections::BTreeMap;

use crate::model::{Lang, Question, Questionnaire, Scale, Wording};

/// `(key, scale, weight, en label, en question, nl label, nl question)`.
type Row = (
    &'static str,
    Scale,
    f64,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
);

/// Default weights favour what the article says matters most: being paid, agreements kept,
/// the owner's energy and "would you take them on again"; growth counts least because a
/// good client need not bring referrals.
const DEFAULT: &[Row] = &[
    (
        "energy",
        Scale::ONE_TO_FIVE,
        1.5,
        "Energy",
        "Did working with {client} give you energy?",
        "Energie",
        "Gaf het werken met {client} je energie?",
    ),
    (
        "payment",
        Scale::ONE_TO_FIVE,
        1.5,
        "Payment",
        "Did they pay on time, without discussion?",
        "Betaling",
        "Betaalden ze op tijd en zonder discussie?",
    ),
    (
        "scope",
        Scale::ONE_TO_FIVE,
        1.5,
        "Scope",
        "Did they stick to what was agreed, without extra demands?",
        "Afspraken",
        "Hielden ze zich aan de afspraken, zonder extra eisen?",
    ),
    (
        "information",
        Scale::ONE_TO_FIVE,
        1.0,
        "Information",
        "Did they deliver what you needed on time?",
        "Informatie",
        "Leverden ze op tijd aan wat je nodig had?",
    ),
    (
        "autonomy",
        Scale::ONE_TO_FIVE,
        1.0,
        "Autonomy",
        "Did they let you do your work without interfering?",
        "Vrijheid",
        "Lieten ze je je werk doen zonder zich ermee te bemoeien?",
    ),
    (
        "price",
        Scale::ONE_TO_FIVE,
        1.0,
        "Price",
        "Did they accept your price without haggling?",
        "Prijs",
        "Accepteerden ze je prijs zonder af te dingen?",
    ),
    (
        "growth",
        Scale::ONE_TO_FIVE,
        0.75,
        "Growth",
        "Did they bring new work, ideas or referrals?",
        "Groei",
        "Brachten ze nieuw werk, ideeën of aanbevelingen?",
    ),
    (
        "again",
        Scale::YesMaybeNo,
        1.5,
        "Again",
        "Knowing what you know now, would you take them on again? (yes / maybe / no)",
        "Opnieuw",
        "Zou je ze met wat je nu weet opnieuw als klant aannemen? (ja / misschien / nee)",
    ),
];

/// The questionnaire a new user gets.
pub fn default_questionnaire() -> Questionnaire {
    let questions = DEFAULT
        .iter()
        .map(
            |&(key, scale, weight, en_label, en_text, nl_label, nl_text)| Question {
                key: key.to_string(),
                wording: BTreeMap::from([
                    (
                        Lang::En,
                        Wording {
                            label: en_label.into(),
                            text: en_text.into(),
                        },
                    ),
                    (
                        Lang::Nl,
                        Wording {
                            label: nl_label.into(),
                            text: nl_text.into(),
                        },
                    ),
                ]),
                scale,
                weight,
            },
        )
        .collect();
    Questionnaire {
        questions,
        notes_prompt: BTreeMap::from([
            (
                Lang::En,
                "Anything else on your mind about {client}?".to_string(),
            ),
            (
                Lang::Nl,
                "Wat wil je verder kwijt over {client}?".to_string(),
            ),
        ]),
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
