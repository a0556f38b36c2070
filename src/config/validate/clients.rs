//! The `[[clients]]` and `[[questions]]` sections.

use super::super::*;
use super::Validator;

impl Validator<'_> {
    pub(super) fn clients(
        &self,
        raw: Vec<raw::RawClient>,
    ) -> Result<Vec<ClientConfig>, ConfigError> {
        let mut out: Vec<ClientConfig> = Vec::new();
        for (i, c) in raw.into_iter().enumerate() {
            let at = |k: &str| format!("clients[{i}].{k}");
            let name = c
                .name
                .map(|n| n.trim().to_string())
                .filter(|n| !n.is_empty());
            let name = self.required(
                name,
                &at("name"),
                "the client's name, e.g. name = \"Bakkerij Jansen\"",
            )?;
            let key = ClientKey::from_name(&name);
            if let Some(prev) = out.iter().position(|o| o.key == key) {
                return Err(self.err(
                    &at("name"),
                    format!("\"{name}\" is the same client as clients[{prev}] (\"{}\"); expected unique names (case and spacing are ignored)", out[prev].name),
                ));
            }
            let cadence = match c.cadence {
                None => Cadence::Monthly,
                Some(s) => Cadence::parse(&s).ok_or_else(|| {
                    self.err(&at("cadence"), format!("\"{s}\" is not a cadence; expected weekly, biweekly, monthly, quarterly or \"every N days\""))
                })?,
            };
            if let Some(r) = c.revenue {
                if !r.is_finite() || r < 0.0 {
                    return Err(self.err(
                        &at("revenue"),
                        format!("{r} is not allowed; expected a number of 0 or more"),
                    ));
                }
            }
            let since = match c.since {
                None => None,
                Some(RawDate::Toml(d)) => match d.date {
                    Some(date) if d.time.is_none() => NaiveDate::from_ymd_opt(
                        i32::from(date.year),
                        u32::from(date.month),
                        u32::from(date.day),
                    ),
                    _ => None,
                }
                .map(Some)
                .ok_or_else(|| self.err(&at("since"), "expected a date like 2024-03-01"))?,
                Some(RawDate::Text(s)) => Some(
                    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").map_err(|_| {
                        self.err(
                            &at("since"),
                            format!("\"{s}\" is not a date; expected a date like 2024-03-01"),
                        )
                    })?,
                ),
            };
            let language = match c.language {
                None => None,
                Some(l) => Some(Lang::from_code(&l).ok_or_else(|| {
                    self.err(
                        &at("language"),
                        format!("\"{l}\" is not supported; expected \"en\" or \"nl\""),
                    )
                })?),
            };
            let tags = c
                .tags
                .into_iter()
                .map(|t| t.trim().to_string())
                .filter(|t| !t.is_empty())
                .collect();
            out.push(ClientConfig {
                name,
                key,
                cadence,
                revenue: c.revenue,
                tags,
                since,
                language,
            });
        }
        Ok(out)
    }

    pub(super) fn questions(
        &self,
        raw: Option<Vec<raw::RawQuestion>>,
        notes: Option<raw::RawNotes>,
    ) -> Result<Questionnaire, ConfigError> {
        let mut q = crate::prompt::questionnaire::default_questionnaire();
        if let Some(list) = raw {
            if list.is_empty() {
                return Err(self.err("questions", "is empty; expected at least one [[questions]] entry, or leave them out for the default questionnaire"));
            }
            let mut questions: Vec<Question> = Vec::new();
            for (i, r) in list.into_iter().enumerate() {
                let at = |k: &str| format!("questions[{i}].{k}");
                let key = self.required(
                    r.key,
                    &at("key"),
                    "a short lowercase key, e.g. key = \"payment\"",
                )?;
                if key.is_empty()
                    || !key
                        .chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
                    || !key.starts_with(|c: char| c.is_ascii_lowercase())
                {
                    return Err(self.err(&at("key"), format!("\"{key}\" is not allowed; expected lowercase ascii letters, digits or _ starting with a letter, e.g. \"payment\"")));
                }
                if let Some(prev) = questions.iter().position(|q| q.key == key) {
                    return Err(self.err(
                        &at("key"),
                        format!(
                            "\"{key}\" is already used by questions[{prev}]; expected unique keys"
                        ),
                    ));
                }
                let mut wording = std::collections::BTreeMap::new();
                for (lang, label, text) in [
                    (Lang::En, r.label_en, r.question_en),
                    (Lang::Nl, r.label_nl, r.question_nl),
                ] {
                    let code = lang.code();
                    match (label, text) {
                        (Some(label), Some(text))
                            if !label.trim().is_empty() && !text.trim().is_empty() =>
                        {
                            wording.insert(
                                lang,
                                Wording {
                                    label: label.trim().to_string(),
                                    text: text.trim().to_string(),
                                },
                            );
                        }
                        (None, None) => {}
                        (Some(_), None) => {
                            return Err(self.err(
                                &at(&format!("question_{code}")),
                                format!(
                                    "missing while label_{code} is set; expected the question text"
                                ),
                            ))
                        }
                        (None, Some(_)) => {
                            return Err(self.err(
                                &at(&format!("label_{code}")),
                                format!(
                                    "missing while question_{code} is set; expected a short label"
                                ),
                            ))
                        }
                        _ => {
                            return Err(self.err(
                                &at(&format!("label_{code}")),
                                "is empty; expected a label and a question text",
                            ))
                        }
                    }
                }
                if wording.is_empty() {
                    return Err(self.err(&at("key"), format!("question \"{key}\" has no wording; expected label_en + question_en and/or label_nl + question_nl")));
                }
                let scale = match r.scale.as_deref().map(str::trim) {
                    None => Scale::ONE_TO_FIVE,
                    Some(s) if s.eq_ignore_ascii_case("yes-maybe-no") => Scale::YesMaybeNo,
                    Some(s) => {
                        let parsed = s.split_once('-').and_then(|(a, b)| {
                            Some((a.trim().parse::<u8>().ok()?, b.trim().parse::<u8>().ok()?))
                        });
                        match parsed {
                            Some((min, max)) if min < max && max <= 10 => Scale::Rating { min, max },
                            _ => return Err(self.err(&at("scale"), format!("\"{s}\" is not a scale; expected \"1-5\" (any A-B with A < B ≤ 10) or \"yes-maybe-no\""))),
                        }
                    }
                };
                let weight = self.weight(&at("weight"), r.weight.unwrap_or(1.0))?;
                questions.push(Question {
                    key,
                    wording,
                    scale,
                    weight,
                });
            }
            q.questions = questions;
        }
        if let Some(n) = notes {
            for (lang, text) in [(Lang::En, n.en), (Lang::Nl, n.nl)] {
                if let Some(t) = text {
                    if t.trim().is_empty() {
                        return Err(self.err(
                            &format!("notes.{}", lang.code()),
                            "is empty; expected the invitation to write notes, or leave it out",
                        ));
                    }
                    q.notes_prompt.insert(lang, t.trim().to_string());
                }
            }
        }
        Ok(q)
    }

    pub(super) fn weight(&self, key: &str, w: f64) -> Result<f64, ConfigError> {
        if !w.is_finite() || w < 0.0 {
            return Err(self.err(
                key,
                format!("{w} is not allowed; expected a number of 0 or more (1.0 is normal)"),
            ));
        }
        Ok(w)
    }
}
