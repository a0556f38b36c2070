//! The replies the demo's imaginary owner writes: six client archetypes, English or Dutch,
//! in the styles of the mail clients people really use (Gmail, iPhone, Outlook, Thunderbird),
//! with quoted prompts and signatures — so the demo exercises the same parser real mail meets.
//!
//! Pure: the prompt that is answered and the date come in as arguments.

use chrono::{DateTime, Utc};

use crate::model::Lang;

/// The example clients of the demo.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Archetype {
    /// Pays on time, accepts quotes, refers others.
    LoyalPromoter,
    /// Haggles over every quote and is never happy.
    Haggler,
    /// Keeps adding demands.
    ScopeCreeper,
    /// Delays the work by not sending information.
    SlowSupplier,
    /// Interferes with everything.
    MicroManager,
    /// Just started.
    NewClient,
}

/// One example client: name, archetype, revenue.
#[derive(Debug, Clone)]
pub struct DemoClient {
    /// Display name.
    pub name: &'static str,
    /// Behaviour.
    pub archetype: Archetype,
    /// Yearly revenue.
    pub revenue: f64,
}

/// The demo's clients.
pub fn clients() -> Vec<DemoClient> {
    vec![
        DemoClient {
            name: "Studio Zonnebloem",
            archetype: Archetype::LoyalPromoter,
            revenue: 38_000.0,
        },
        DemoClient {
            name: "Bakkerij Jansen",
            archetype: Archetype::Haggler,
            revenue: 4_500.0,
        },
        DemoClient {
            name: "Webshop Kraai",
            archetype: Archetype::ScopeCreeper,
            revenue: 21_000.0,
        },
        DemoClient {
            name: "Architectenbureau Vos",
            archetype: Archetype::SlowSupplier,
            revenue: 12_000.0,
        },
        DemoClient {
            name: "Van Dijk Consultancy",
            archetype: Archetype::MicroManager,
            revenue: 16_000.0,
        },
        DemoClient {
            name: "Café \"De Olifant\" & Zn.",
            archetype: Archetype::NewClient,
            revenue: 3_000.0,
        },
    ]
}

/// The prompt being answered, as the owner's mail client sees it.
#[derive(Debug, Clone)]
pub struct PromptSeen<'a> {
    /// Where the reply goes (the prompt's Reply-To).
    pub reply_to: &'a str,
    /// The prompt's Message-ID, without angle brackets.
    pub message_id: &'a str,
    /// Its subject.
    pub subject: &'a str,
    /// Its text part, to be quoted.
    pub text: &'a str,
    /// Who sent it (olifant's address).
    pub from: &'a str,
    /// When it was sent.
    pub date: DateTime<Utc>,
}

/// Ratings 1–5 for questions 1–7 and the again answer (1 no, 3 maybe, 5 yes) in cycle `n`.
pub fn ratings(archetype: Archetype, n: usize) -> [u8; 8] {
    let wobble = |base: u8, i: usize| -> u8 {
        let w = [0i8, 1, 0, -1, 0, 1][(n + i) % 6];
        (base as i8 + w).clamp(1, 5) as u8
    };
    let base: [u8; 7] = match archetype {
        Archetype::LoyalPromoter => [5, 5, 4, 4, 5, 5, 5],
        Archetype::Haggler => [2, 2, 3, 3, 3, 1, 2],
        Archetype::ScopeCreeper => [2, 3, 1, 3, 3, 3, 3],
        Archetype::SlowSupplier => [3, 4, 4, 1, 4, 4, 3],
        Archetype::MicroManager => [2, 4, 3, 4, 1, 3, 3],
        Archetype::NewClient => [4, 4, 4, 4, 4, 4, 3],
    };
    let mut out = [0u8; 8];
    for (i, b) in base.iter().enumerate() {
        out[i] = wobble(*b, i);
    }
    out[7] = match archetype {
        Archetype::LoyalPromoter | Archetype::NewClient => 5,
        Archetype::Haggler => 1,
        Archetype::ScopeCreeper if n >= 2 => 1,
        Archetype::ScopeCreeper | Archetype::MicroManager => 3,
        Archetype::SlowSupplier => 3,
    };
    // The micro-manager's payment slips late in the demo: a sudden drop for "watch".
    if archetype == Archetype::MicroManager && n >= 4 {
        out[1] = 1;
        out[0] = 1;
    }
    out
}

fn again_word(v: u8, lang: Lang) -> &'static str {
    match (v, lang) {
        (5, Lang::En) => "yes",
        (3, Lang::En) => "maybe",
        (_, Lang::En) => "no",
        (5, Lang::Nl) => "ja",
        (3, Lang::Nl) => "misschien",
        (_, Lang::Nl) => "nee",
    }
}

/// A note the owner adds in cycle `n`, if any.
fn note(archetype: Archetype, n: usize, lang: Lang) -> Option<&'static str> {
    let en = match (archetype, n % 3) {
        (Archetype::LoyalPromoter, 0) => {
            Some("They introduced me to their sister company. Always a pleasure.")
        }
        (Archetype::LoyalPromoter, 1) => {
            Some("Asked us to try a new format for the spring campaign.")
        }
        (Archetype::Haggler, 0) => Some("Wanted a discount again, after agreeing to the quote."),
        (Archetype::Haggler, 2) => Some("Complained about the invoice; paid three weeks late."),
        (Archetype::ScopeCreeper, _) => {
            Some("Three extra pages 'while you are at it', none of it in the quote.")
        }
        (Archetype::SlowSupplier, 1) => {
            Some("Still waiting for the floor plans; the deadline slipped again.")
        }
        (Archetype::MicroManager, _) => Some("Six calls this week to check on progress."),
        (Archetype::NewClient, _) => Some("Good first project, clear briefing."),
        _ => None,
    };
    let nl = match (archetype, n % 3) {
        (Archetype::LoyalPromoter, 0) => {
            Some("Ze hebben me voorgesteld aan hun zusterbedrijf. Altijd prettig.")
        }
        (Archetype::LoyalPromoter, 1) => {
            Some("Vroegen ons iets nieuws te proberen voor de voorjaarscampagne.")
        }
        (Archetype::Haggler, 0) => Some("Wilde weer korting, nadat de offerte al akkoord was."),
        (Archetype::Haggler, 2) => Some("Klaagde over de factuur; drie weken te laat betaald."),
        (Archetype::ScopeCreeper, _) => {
            Some("Drie extra pagina's 'nu je toch bezig bent', niets daarvan in de offerte.")
        }
        (Archetype::SlowSupplier, 1) => {
            Some("Nog steeds geen plattegronden; de deadline schoof weer op.")
        }
        (Archetype::MicroManager, _) => {
            Some("Zes keer gebeld deze week om te vragen hoe het ervoor staat.")
        }
        (Archetype::NewClient, _) => Some("Goed eerste project, duidelijke briefing."),
        _ => None,
    };
    match lang {
        Lang::En => en,
        Lang::Nl => nl,
    }
}

fn quote(text: &str) -> String {
    text.lines()
        .map(|l| {
            if l.is_empty() {
                ">".to_string()
            } else {
                format!("> {l}")
            }
        })
        .collect::<Vec<_>>()
        .join("\r\n")
}

/// The body of the owner's reply in cycle `n`, in one of several mail-client styles.
pub fn reply_body(archetype: Archetype, n: usize, lang: Lang, prompt: &PromptSeen<'_>) -> String {
    let r = ratings(archetype, n);
    let again = again_word(r[7], lang);
    let note = note(archetype, n, lang);
    let when = prompt.date.format("%-d %b %Y %H:%M");
    let style = (n + archetype as usize) % 4;
    let mut body = String::new();
    match style {
        // Gmail-like: compact pairs on one line, then a note, then the quoted prompt.
        0 => {
            body.push_str(&format!(
                "1 {}, 2 {}, 3 {}; 4 {}, 5 {}, 6 {}, 7 {}, 8 {}\r\n\r\n",
                r[0], r[1], r[2], r[3], r[4], r[5], r[6], again
            ));
            if let Some(n) = note {
                body.push_str(n);
                body.push_str("\r\n\r\n");
            }
            let header = match lang {
                Lang::En => format!("On {when}, olifant <{}> wrote:", prompt.from),
                Lang::Nl => format!("Op {when} schreef olifant <{}>:", prompt.from),
            };
            body.push_str(&header);
            body.push_str("\r\n");
            body.push_str(&quote(prompt.text));
        }
        // iPhone: one answer per line with comments, mobile footer, quoted prompt.
        1 => {
            for (i, v) in r.iter().take(7).enumerate() {
                body.push_str(&format!("{}. {}\r\n", i + 1, v));
            }
            body.push_str(&format!("8. {again}\r\n"));
            if let Some(n) = note {
                body.push_str(&format!("\r\n{n}\r\n"));
            }
            let (footer, header) = match lang {
                Lang::En => (
                    "Sent from my iPhone",
                    format!("On {when}, olifant <{}> wrote:", prompt.from),
                ),
                Lang::Nl => (
                    "Verstuurd vanaf mijn iPhone",
                    format!(
                        "Op {when} heeft olifant <{}> het volgende geschreven:",
                        prompt.from
                    ),
                ),
            };
            body.push_str(&format!("\r\n{footer}\r\n\r\n{header}\r\n\r\n"));
            body.push_str(&quote(prompt.text));
        }
        // Outlook: label-first answers, signature, then an Outlook header block (unquoted).
        2 => {
            let labels = outlook_labels(lang);
            for (i, label) in labels.iter().enumerate() {
                if i == 7 {
                    body.push_str(&format!("{label}: {again}\r\n"));
                } else {
                    body.push_str(&format!("{label}: {}\r\n", r[i]));
                }
            }
            if let Some(n) = note {
                body.push_str(&format!("\r\n{n}\r\n"));
            }
            body.push_str("\r\n-- \r\nDemo Owner\r\nDemo Studio | +31 6 1234 5678\r\n\r\n");
            let block = match lang {
                Lang::En => format!(
                    "-----Original Message-----\r\nFrom: olifant <{}>\r\nSent: {when}\r\nTo: Demo Owner <owner@example.test>\r\nSubject: {}\r\n\r\n",
                    prompt.from, prompt.subject
                ),
                Lang::Nl => format!(
                    "________________________________\r\nVan: olifant <{}>\r\nVerzonden: {when}\r\nAan: Demo Owner <owner@example.test>\r\nOnderwerp: {}\r\n\r\n",
                    prompt.from, prompt.subject
                ),
            };
            body.push_str(&block);
            body.push_str(&prompt.text.replace('\n', "\r\n").replace("\r\r\n", "\r\n"));
        }
        // Thunderbird, inline: each answer typed under its quoted question.
        _ => {
            let header = match lang {
                Lang::En => format!("On {when}, olifant wrote:"),
                Lang::Nl => format!("Op {when} schreef olifant:"),
            };
            body.push_str(&header);
            body.push_str("\r\n");
            let mut q = 0usize;
            for line in prompt.text.lines() {
                body.push_str(&format!("> {line}\r\n"));
                let t = line.trim_start();
                let numbered = t
                    .split_once('.')
                    .map(|(d, _)| !d.is_empty() && d.chars().all(|c| c.is_ascii_digit()))
                    .unwrap_or(false);
                if numbered && q < 8 {
                    if q == 7 {
                        body.push_str(&format!("{again}\r\n"));
                    } else {
                        body.push_str(&format!("{}\r\n", r[q]));
                    }
                    q += 1;
                }
            }
            if let Some(n) = note {
                body.push_str(&format!("\r\n{n}\r\n"));
            }
        }
    }
    body.push_str("\r\n");
    body
}

/// The question labels an Outlook-style reply puts before its answers.
fn outlook_labels(lang: Lang) -> [&'static str; 8] {
    match lang {
        Lang::En => [
            "Energy",
            "Payment",
            "Scope",
            "Information",
            "Autonomy",
            "Price",
            "Growth",
            "Again",
        ],
        Lang::Nl => [
            "Energie",
            "Betaling",
            "Afspraken",
            "Informatie",
            "Vrijheid",
            "Prijs",
            "Groei",
            "Opnieuw",
        ],
    }
}

/// A complete reply message (RFC 5322, CRLF) from the owner to the prompt.
pub fn reply_message(
    archetype: Archetype,
    n: usize,
    lang: Lang,
    prompt: &PromptSeen<'_>,
    owner: &str,
    date: DateTime<Utc>,
    message_id: &str,
) -> Vec<u8> {
    let body = reply_body(archetype, n, lang, prompt);
    format!(
        "From: Demo Owner <{owner}>\r\nTo: {}\r\nSubject: Re: {}\r\nDate: {}\r\nMessage-ID: <{message_id}>\r\nIn-Reply-To: <{}>\r\nReferences: <{}>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n{body}",
        prompt.reply_to,
        prompt.subject.replace(['\r', '\n'], " "),
        date.to_rfc2822(),
        prompt.message_id,
        prompt.message_id,
    )
    .into_bytes()
}

/// An out-of-office reply from the owner's own mail system to a prompt.
pub fn out_of_office(
    lang: Lang,
    prompt: &PromptSeen<'_>,
    owner: &str,
    date: DateTime<Utc>,
    message_id: &str,
) -> Vec<u8> {
    let (subject, text) = match lang {
        Lang::En => (
            "Automatic reply: ",
            "I am out of the office until Monday and will read your message then.",
        ),
        Lang::Nl => (
            "Automatisch antwoord: ",
            "Ik ben tot maandag afwezig en lees je bericht daarna.",
        ),
    };
    format!(
        "From: Demo Owner <{owner}>\r\nTo: {}\r\nSubject: {subject}{}\r\nDate: {}\r\nMessage-ID: <{message_id}>\r\nIn-Reply-To: <{}>\r\nAuto-Submitted: auto-replied\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{text}\r\n",
        prompt.reply_to,
        prompt.subject.replace(['\r', '\n'], " "),
        date.to_rfc2822(),
        prompt.message_id,
    )
    .into_bytes()
}

/// A delivery-status bounce for a prompt, as Postfix writes them.
pub fn bounce(prompt: &PromptSeen<'_>, to: &str, date: DateTime<Utc>, message_id: &str) -> Vec<u8> {
    format!(
        "From: MAILER-DAEMON@example.test (Mail Delivery System)\r\nTo: {to}\r\nSubject: Undelivered Mail Returned to Sender\r\nDate: {date}\r\nMessage-ID: <{message_id}>\r\nAuto-Submitted: auto-replied\r\nMIME-Version: 1.0\r\nContent-Type: multipart/report; report-type=delivery-status; boundary=\"BOUNDARY\"\r\n\r\n--BOUNDARY\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\nI'm sorry to have to inform you that your message could not be delivered.\r\n<owner@example.test>: mailbox full\r\n\r\n--BOUNDARY\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.example.test\r\n\r\nFinal-Recipient: rfc822; owner@example.test\r\nAction: failed\r\nStatus: 5.2.2\r\nDiagnostic-Code: smtp; 552 5.2.2 mailbox full\r\n\r\n--BOUNDARY\r\nContent-Type: text/rfc822-headers\r\n\r\nFrom: olifant <{}>\r\nSubject: {}\r\nMessage-ID: <{}>\r\n\r\n--BOUNDARY--\r\n",
        prompt.from,
        prompt.subject.replace(['\r', '\n'], " "),
        prompt.message_id,
        date = date.to_rfc2822(),
    )
    .into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ratings_stay_on_the_scale_and_separate_the_archetypes() {
        for a in [
            Archetype::LoyalPromoter,
            Archetype::Haggler,
            Archetype::ScopeCreeper,
            Archetype::SlowSupplier,
            Archetype::MicroManager,
            Archetype::NewClient,
        ] {
            for n in 0..8 {
                assert!(ratings(a, n).iter().all(|v| (1..=5).contains(v)));
            }
        }
        let sum = |a| {
            (0..6)
                .map(|n| ratings(a, n).iter().map(|&v| v as u32).sum::<u32>())
                .sum::<u32>()
        };
        assert!(sum(Archetype::LoyalPromoter) > sum(Archetype::Haggler) + 60);
    }

    #[test]
    fn every_style_mentions_all_eight_answers() {
        let text = "How was X lately?\n\n1. Energy — a?\n2. Payment — b?\n3. Scope — c?\n4. Information — d?\n5. Autonomy — e?\n6. Price — f?\n7. Growth — g?\n8. Again — h?\n";
        let p = PromptSeen {
            reply_to: "olifant+abc@example.test",
            message_id: "m@example.test",
            subject: "How was X lately? [ABCDE]",
            text,
            from: "olifant@example.test",
            date: DateTime::from_timestamp(1_700_000_000, 0).unwrap(),
        };
        for n in 0..4 {
            let body = reply_body(Archetype::Haggler, n, Lang::En, &p);
            assert!(body.contains("no"), "style {n}: {body}");
        }
    }
}
