//! Put the digest into words: mail (text + HTML + inline PNGs) and terminal preview.

use serde::Serialize;

use super::chart::{overview_png, sparkline_png};
use super::{verdict_word, ClientDigest, Digest, TrendDirection, ORDER};
use crate::model::{Lang, Verdict};
use crate::score::{next_step, Confidence, Promoter};
/// The charts travel as the MIME composer's inline images, so they need no copying.
pub use crate::send::compose::InlineImage;
use crate::templates::{TemplateError, Templates};

/// At most this many clients get a PNG sparkline in the HTML (the rest keep the Unicode one).
pub const MAX_SPARKLINE_IMAGES: usize = 40;
/// At most this many names in one list line ("…and 12 more").
const MAX_NAMES: usize = 10;

/// Rendering failed.
#[derive(Debug, thiserror::Error)]
pub enum DigestError {
    /// A template failed (usually an owner override).
    #[error("cannot render the digest: {0}")]
    Template(#[from] TemplateError),
    /// A chart could not be drawn or encoded.
    #[error("cannot draw a digest chart: {0}; the digest is still readable without it, please report this")]
    Chart(String),
}

/// The digest ready for the MIME composer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenderedDigest {
    /// Subject line.
    pub subject: String,
    /// text/plain part.
    pub text: String,
    /// text/html part, images as `cid:` references.
    pub html: String,
    /// Inline images.
    pub images: Vec<InlineImage>,
}

/// Scores 0–100 as `▁▂▃▄▅▆▇█` (absolute scale: ▁ is 0–12, █ is 88–100).
pub fn unicode_sparkline(scores: &[u8]) -> String {
    const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
    scores
        .iter()
        .map(|s| BARS[(usize::from((*s).min(100)) * 8 / 101).min(7)])
        .collect()
}

/// The HTML with every `cid:<content_id>` replaced by the image's file name (for
/// `olifant digest --html DIR`, which writes the images next to it).
pub fn html_with_file_images(r: &RenderedDigest) -> String {
    let mut html = r.html.clone();
    for img in &r.images {
        html = html.replace(&format!("cid:{}", img.content_id), &img.filename);
    }
    html
}

fn heading(v: Verdict, lang: Lang) -> &'static str {
    match (v, lang) {
        (Verdict::Nurture, Lang::En) => "Nurture: deserve more of your energy",
        (Verdict::LetGo, Lang::En) => "Let go: draining you",
        (Verdict::Watch, Lang::En) => "Watch: something is slipping",
        (Verdict::Keep, Lang::En) => "Keep: fine as they are",
        (Verdict::NotEnoughData, Lang::En) => "Not enough data yet",
        (Verdict::Nurture, Lang::Nl) => "Koesteren: verdienen meer van je energie",
        (Verdict::LetGo, Lang::Nl) => "Loslaten: kosten je energie",
        (Verdict::Watch, Lang::Nl) => "In de gaten houden: er schuurt iets",
        (Verdict::Keep, Lang::Nl) => "Houden: prima zo",
        (Verdict::NotEnoughData, Lang::Nl) => "Nog te weinig gegevens",
    }
}

fn hex(v: Verdict) -> String {
    let (r, g, b) = super::chart::verdict_rgb(v);
    format!("#{r:02x}{g:02x}{b:02x}")
}

fn names(list: &[String], lang: Lang) -> String {
    let mut s = list
        .iter()
        .take(MAX_NAMES)
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    if list.len() > MAX_NAMES {
        let more = list.len() - MAX_NAMES;
        s.push_str(&match lang {
            Lang::En => format!(" and {more} more"),
            Lang::Nl => format!(" en nog {more}"),
        });
    }
    s
}

#[derive(Serialize)]
struct QuoteView {
    date: String,
    text: String,
    label: Option<String>,
}

#[derive(Serialize)]
struct ClientView {
    name: String,
    verdict: &'static str,
    color: String,
    health: Option<u8>,
    health_text: String,
    sparkline: String,
    spark_cid: Option<String>,
    meta: String,
    evidence: Vec<String>,
    quotes: Vec<QuoteView>,
    next_step: &'static str,
}

#[derive(Serialize)]
struct SectionView {
    verdict: &'static str,
    heading: &'static str,
    color: String,
    detailed: bool,
    clients: Vec<ClientView>,
}

#[derive(Serialize)]
struct View {
    lang: &'static str,
    subject: String,
    period: String,
    summary: String,
    overview_cid: Option<String>,
    overview_caption: String,
    sections: Vec<SectionView>,
    revenue_line: Option<String>,
    mail_lines: Vec<String>,
    archived_line: Option<String>,
    alive_line: String,
}

fn verdict_key(v: Verdict) -> &'static str {
    match v {
        Verdict::Nurture => "nurture",
        Verdict::Keep => "keep",
        Verdict::Watch => "watch",
        Verdict::LetGo => "let_go",
        Verdict::NotEnoughData => "not_enough_data",
    }
}

fn subject(d: &Digest, lang: Lang) -> String {
    let c = &d.counts;
    let mut parts = Vec::new();
    for (n, v) in [
        (c.nurture, Verdict::Nurture),
        (c.let_go, Verdict::LetGo),
        (c.watch, Verdict::Watch),
    ] {
        if n > 0 {
            parts.push(match lang {
                Lang::En => format!("{n} to {}", verdict_word(v, lang)),
                Lang::Nl => format!("{n} {}", verdict_word(v, lang)),
            });
        }
    }
    if parts.is_empty() {
        return match lang {
            Lang::En => format!(
                "olifant digest: {} clients, nothing to act on",
                d.clients.len()
            ),
            Lang::Nl => format!(
                "olifant-overzicht: {} klanten, niets te doen",
                d.clients.len()
            ),
        };
    }
    match lang {
        Lang::En => format!("olifant digest: {}", parts.join(", ")),
        Lang::Nl => format!("olifant-overzicht: {}", parts.join(", ")),
    }
}

fn summary(d: &Digest, lang: Lang) -> String {
    let c = &d.counts;
    let items: Vec<String> = ORDER
        .iter()
        .filter_map(|v| {
            let n = match v {
                Verdict::Nurture => c.nurture,
                Verdict::Keep => c.keep,
                Verdict::Watch => c.watch,
                Verdict::LetGo => c.let_go,
                Verdict::NotEnoughData => c.not_enough_data,
            };
            (n > 0).then(|| format!("{} {n}", verdict_word(*v, lang)))
        })
        .collect();
    match lang {
        Lang::En => format!("{} active clients: {}.", d.clients.len(), items.join(", ")),
        Lang::Nl => format!("{} actieve klanten: {}.", d.clients.len(), items.join(", ")),
    }
}

fn meta(c: &ClientDigest, lang: Lang) -> String {
    let mut parts = Vec::new();
    if let (Some(t), Some(dir)) = (c.trend, c.trend_direction) {
        parts.push(match (dir, lang) {
            (TrendDirection::Up, Lang::En) => format!("↑ {t:+} since the last digest"),
            (TrendDirection::Down, Lang::En) => format!("↓ {t:+} since the last digest"),
            (TrendDirection::Steady, Lang::En) => "→ steady".to_string(),
            (TrendDirection::Up, Lang::Nl) => format!("↑ {t:+} sinds het vorige overzicht"),
            (TrendDirection::Down, Lang::Nl) => format!("↓ {t:+} sinds het vorige overzicht"),
            (TrendDirection::Steady, Lang::Nl) => "→ stabiel".to_string(),
        });
    }
    let conf = match (c.confidence, lang) {
        (Confidence::Low, Lang::En) => "low",
        (Confidence::Medium, Lang::En) => "medium",
        (Confidence::High, Lang::En) => "high",
        (Confidence::Low, Lang::Nl) => "laag",
        (Confidence::Medium, Lang::Nl) => "redelijk",
        (Confidence::High, Lang::Nl) => "hoog",
    };
    parts.push(match lang {
        Lang::En => format!(
            "confidence {conf} ({} reflections over {} days)",
            c.reflections, c.span_days
        ),
        Lang::Nl => format!(
            "betrouwbaarheid {conf} ({} reflecties over {} dagen)",
            c.reflections, c.span_days
        ),
    });
    if let Some(p) = c.promoter {
        parts.push(
            match (p, lang) {
                (Promoter::Promoter, Lang::En) => "would take on again (promoter)",
                (Promoter::Passive, Lang::En) => "maybe again (passive)",
                (Promoter::Detractor, Lang::En) => "not again (detractor)",
                (Promoter::Promoter, Lang::Nl) => "opnieuw: ja (promotor)",
                (Promoter::Passive, Lang::Nl) => "opnieuw: misschien (passief)",
                (Promoter::Detractor, Lang::Nl) => "opnieuw: nee (criticus)",
            }
            .to_string(),
        );
    }
    if let Some(s) = c.revenue_share {
        let s = decimal(s, lang);
        parts.push(match lang {
            Lang::En => format!("{s}% of revenue"),
            Lang::Nl => format!("{s}% van de omzet"),
        });
    }
    parts.join(" · ")
}

/// A number as the owner's language writes it: `40.2` in English, `40,2` in Dutch.
fn decimal(x: f64, lang: Lang) -> String {
    let s = x.to_string();
    match lang {
        Lang::En => s,
        Lang::Nl => s.replace('.', ","),
    }
}

fn health_text(c: &ClientDigest, lang: Lang) -> String {
    match (c.health, lang) {
        (Some(h), Lang::En) => format!("health {h}"),
        (Some(h), Lang::Nl) => format!("gezondheid {h}"),
        (None, Lang::En) => "no score yet".into(),
        (None, Lang::Nl) => "nog geen score".into(),
    }
}

fn client_view(c: &ClientDigest, lang: Lang, spark_cid: Option<String>) -> ClientView {
    ClientView {
        name: c.name.clone(),
        verdict: verdict_key(c.verdict),
        color: hex(c.verdict),
        health: c.health,
        health_text: health_text(c, lang),
        sparkline: c.sparkline.clone(),
        spark_cid,
        meta: meta(c, lang),
        evidence: c
            .evidence_i18n
            .get(&lang)
            .cloned()
            .unwrap_or_else(|| c.evidence.clone()),
        quotes: c
            .quotes
            .iter()
            .map(|q| QuoteView {
                date: q.date.clone(),
                text: q.text.clone(),
                label: q.labels.get(&lang).cloned().or_else(|| q.question.clone()),
            })
            .collect(),
        next_step: next_step(c.verdict, lang),
    }
}

fn detailed(v: Verdict) -> bool {
    matches!(v, Verdict::Nurture | Verdict::LetGo | Verdict::Watch)
}

fn revenue_line(d: &Digest, lang: Lang) -> Option<String> {
    let r = d.revenue.as_ref()?;
    let n = r.top.len();
    let mut s = match (lang, n) {
        (Lang::En, 1) => format!(
            "Your top client ({}) brings {}% of revenue",
            r.top[0], r.top_share
        ),
        (Lang::En, _) => format!(
            "Your top {n} clients ({}) bring {}% of revenue",
            r.top.join(", "),
            r.top_share
        ),
        (Lang::Nl, 1) => format!(
            "Je grootste klant ({}) brengt {}% van de omzet",
            r.top[0], r.top_share
        ),
        (Lang::Nl, _) => format!(
            "Je top {n} klanten ({}) brengen {}% van de omzet",
            r.top.join(", "),
            r.top_share
        ),
    };
    if let Some(w) = &r.weakest {
        s.push_str(&match lang {
            Lang::En => format!("; {} brings {}% and scores {}", w.name, w.share, w.health),
            Lang::Nl => format!("; {} brengt {}% en scoort {}", w.name, w.share, w.health),
        });
    }
    s.push('.');
    Some(s)
}

fn mail_lines(d: &Digest, lang: Lang) -> Vec<String> {
    let p = &d.prompts;
    let mut out = Vec::new();
    let list = |v: &[super::PromptLine]| {
        let items: Vec<String> = v
            .iter()
            .map(|l| match &l.reason {
                Some(r) => format!("{} ({}, {})", l.client, l.date, r),
                None => format!("{} ({})", l.client, l.date),
            })
            .collect();
        names(&items, lang)
    };
    if let Some(rate) = p.reply_rate {
        out.push(match lang {
            Lang::En => format!(
                "Reply rate: {} of {} prompts answered ({rate}%).",
                p.answered, p.sent
            ),
            Lang::Nl => format!(
                "Antwoorden: {} van {} vragen beantwoord ({rate}%).",
                p.answered, p.sent
            ),
        });
    }
    if !p.unanswered.is_empty() {
        out.push(match lang {
            Lang::En => format!("Waiting for your reply: {}.", list(&p.unanswered)),
            Lang::Nl => format!("Wacht nog op je antwoord: {}.", list(&p.unanswered)),
        });
    }
    if !p.bounced.is_empty() {
        out.push(match lang {
            Lang::En => format!("Bounced: {}.", list(&p.bounced)),
            Lang::Nl => format!("Teruggekomen: {}.", list(&p.bounced)),
        });
    }
    if !p.failed.is_empty() {
        out.push(match lang {
            Lang::En => format!("Could not be sent: {}.", list(&p.failed)),
            Lang::Nl => format!("Niet verstuurd: {}.", list(&p.failed)),
        });
    }
    if !p.unknown.is_empty() {
        out.push(match lang {
            Lang::En => format!(
                "Unknown whether these were sent (check your Sent folder): {}.",
                list(&p.unknown)
            ),
            Lang::Nl => format!(
                "Onbekend of deze zijn verstuurd (kijk in je map Verzonden): {}.",
                list(&p.unknown)
            ),
        });
    }
    if d.not_understood > 0 {
        out.push(match lang {
            Lang::En => format!(
                "{} repl{} could not be understood; olifant answered with what it needs.",
                d.not_understood,
                if d.not_understood == 1 { "y" } else { "ies" }
            ),
            Lang::Nl => format!(
                "{} antwoord{} niet begrepen; olifant heeft gemeld wat er nodig is.",
                d.not_understood,
                if d.not_understood == 1 { "" } else { "en" }
            ),
        });
    }
    if !d.quarantined.is_empty() {
        let items: Vec<String> = d
            .quarantined
            .iter()
            .map(|q| format!("{} ({})", q.reason, q.date))
            .collect();
        out.push(match lang {
            Lang::En => format!("Quarantined messages: {}.", names(&items, lang)),
            Lang::Nl => format!("Berichten in quarantaine: {}.", names(&items, lang)),
        });
    }
    out
}

fn alive_line(d: &Digest, lang: Lang) -> String {
    let a = &d.activity;
    let since = super::local_date(d.since, d.tz.parse().unwrap_or(chrono_tz::UTC));
    let unknown = match lang {
        Lang::En => "not scheduled",
        Lang::Nl => "niet gepland",
    };
    let np = d.next_prompt_at.as_deref().unwrap_or(unknown);
    let nd = d.next_digest_at.as_deref().unwrap_or(unknown);
    match lang {
        Lang::En => format!(
            "Since {since} olifant sent {} prompts and {} reminders, read {} messages and stored {} replies. Next prompts: {np}; next digest: {nd}.",
            a.prompts_sent, a.reminders_sent, a.messages_read, a.replies_stored
        ),
        Lang::Nl => format!(
            "Sinds {since} verstuurde olifant {} vragen en {} herinneringen, las {} berichten en sloeg {} antwoorden op. Volgende vragen: {np}; volgende overzicht: {nd}.",
            a.prompts_sent, a.reminders_sent, a.messages_read, a.replies_stored
        ),
    }
}

fn view(d: &Digest, lang: Lang, with_images: bool) -> View {
    let mut sparks = 0usize;
    let sections = ORDER
        .iter()
        .filter_map(|&v| {
            let clients: Vec<ClientView> = d
                .clients
                .iter()
                .filter(|c| c.verdict == v)
                .map(|c| {
                    let cid = (with_images
                        && detailed(v)
                        && sparks < MAX_SPARKLINE_IMAGES
                        && c.recent_scores.len() >= 2)
                        .then(|| {
                            sparks += 1;
                            format!("spark-{sparks}@olifant")
                        });
                    client_view(c, lang, cid)
                })
                .collect();
            (!clients.is_empty()).then(|| SectionView {
                verdict: verdict_key(v),
                heading: heading(v, lang),
                color: hex(v),
                detailed: detailed(v),
                clients,
            })
        })
        .collect();
    let by_revenue = d.clients.iter().any(|c| c.revenue_share.is_some());
    let (lg, wb, nu) = (
        d.thresholds.let_go,
        d.thresholds.watch_below,
        d.thresholds.nurture,
    );
    let overview_caption = match (lang, by_revenue) {
        (Lang::En, true) => format!("Each dot is a client: higher is healthier, further right brings more revenue. Green nurture, blue keep, orange watch, red let go; dashed lines at health {lg}, {wb} and {nu}."),
        (Lang::En, false) => format!("Each dot is a client: higher is healthier, right of the middle is improving, left is slipping. Green nurture, blue keep, orange watch, red let go; dashed lines at health {lg}, {wb} and {nu}."),
        (Lang::Nl, true) => format!("Elke stip is een klant: hoger is gezonder, verder naar rechts brengt meer omzet. Groen koesteren, blauw houden, oranje in de gaten houden, rood loslaten; stippellijnen bij gezondheid {lg}, {wb} en {nu}."),
        (Lang::Nl, false) => format!("Elke stip is een klant: hoger is gezonder, rechts van het midden gaat vooruit, links gaat achteruit. Groen koesteren, blauw houden, oranje in de gaten houden, rood loslaten; stippellijnen bij gezondheid {lg}, {wb} en {nu}."),
    };
    let tz: chrono_tz::Tz = d.tz.parse().unwrap_or(chrono_tz::UTC);
    let mut period = match lang {
        Lang::En => format!("since {}", super::local_date(d.since, tz)),
        Lang::Nl => format!("sinds {}", super::local_date(d.since, tz)),
    };
    if let Some(a) = d.as_of {
        period.push_str(&match lang {
            Lang::En => format!(", as of {}", super::local_time(a, tz)),
            Lang::Nl => format!(", per {}", super::local_time(a, tz)),
        });
    }
    View {
        lang: lang.code(),
        subject: subject(d, lang),
        period,
        summary: summary(d, lang),
        overview_cid: (with_images && d.clients.iter().any(|c| c.health.is_some()))
            .then(|| "overview@olifant".to_string()),
        overview_caption,
        sections,
        revenue_line: revenue_line(d, lang),
        mail_lines: mail_lines(d, lang),
        archived_line: (!d.archived.is_empty()).then(|| {
            let items: Vec<String> = d
                .archived
                .iter()
                .map(|a| format!("{} ({})", a.name, a.since))
                .collect();
            match lang {
                Lang::En => format!("Archived, history kept: {}.", names(&items, lang)),
                Lang::Nl => format!(
                    "Gearchiveerd, geschiedenis bewaard: {}.",
                    names(&items, lang)
                ),
            }
        }),
        alive_line: alive_line(d, lang),
    }
}

/// Renders the digest in `lang` with `digest.<lang>.txt` and `digest.<lang>.html`, drawing
/// the overview chart and up to [`MAX_SPARKLINE_IMAGES`] sparklines (clients listed in
/// detail: nurture, let go, watch).
pub fn render(
    d: &Digest,
    templates: &Templates,
    lang: Lang,
) -> Result<RenderedDigest, DigestError> {
    let v = view(d, lang, true);
    let mut images = Vec::new();
    if v.overview_cid.is_some() {
        if let Some(png) = overview_png(d)? {
            images.push(InlineImage {
                content_id: "overview@olifant".into(),
                filename: "overview.png".into(),
                png,
            });
        }
    }
    let mut n = 0usize;
    for s in &v.sections {
        for c in &s.clients {
            let Some(cid) = &c.spark_cid else { continue };
            n += 1;
            let Some(cd) = d.clients.iter().find(|x| x.name == c.name) else {
                continue;
            };
            if let Some(png) = sparkline_png(&cd.recent_scores, cd.verdict)? {
                images.push(InlineImage {
                    content_id: cid.clone(),
                    filename: format!("spark-{n}.png"),
                    png,
                });
            }
        }
    }
    let text = templates.render(&format!("digest.{}.txt", lang.code()), &v)?;
    let html = templates.render(&format!("digest.{}.html", lang.code()), &v)?;
    Ok(RenderedDigest {
        subject: v.subject,
        text,
        html,
        images,
    })
}

/// A preview for the terminal (`olifant digest --preview`); ANSI colour only when `color`.
pub fn render_terminal(d: &Digest, lang: Lang, color: bool) -> String {
    use std::fmt::Write;
    let v = view(d, lang, false);
    let paint = |code: &str, s: &str| {
        if color {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_string()
        }
    };
    let ansi = |verdict: &str| match verdict {
        "nurture" => "1;32",
        "keep" => "1;34",
        "watch" => "1;33",
        "let_go" => "1;31",
        _ => "1;90",
    };
    let mut out = String::new();
    let _ = writeln!(out, "{}", paint("1", &v.subject));
    let _ = writeln!(out, "{} — {}\n", v.summary, v.period);
    for s in &v.sections {
        let _ = writeln!(out, "{}", paint(ansi(s.verdict), s.heading));
        for c in &s.clients {
            let _ = writeln!(
                out,
                "  {}  {}  {}",
                paint("1", &c.name),
                c.health_text,
                c.sparkline
            );
            if s.detailed {
                let _ = writeln!(out, "    {}", c.meta);
                for e in &c.evidence {
                    let _ = writeln!(out, "    • {e}");
                }
                for q in &c.quotes {
                    let label = q
                        .label
                        .as_deref()
                        .map(|l| format!(" ({l})"))
                        .unwrap_or_default();
                    let _ = writeln!(out, "    “{}” — {}{label}", q.text, q.date);
                }
                let _ = writeln!(out, "    → {}", c.next_step);
            } else if let Some(e) = c.evidence.first() {
                let _ = writeln!(out, "    {e}");
            }
        }
        out.push('\n');
    }
    if let Some(r) = &v.revenue_line {
        let _ = writeln!(out, "{r}");
    }
    for l in &v.mail_lines {
        let _ = writeln!(out, "{l}");
    }
    if let Some(a) = &v.archived_line {
        let _ = writeln!(out, "{a}");
    }
    let _ = writeln!(out, "{}", paint("2", &v.alive_line));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unicode_sparkline_uses_an_absolute_scale() {
        assert_eq!(unicode_sparkline(&[0, 50, 100]), "▁▄█");
        assert_eq!(unicode_sparkline(&[]), "");
    }

    #[test]
    fn dutch_digests_write_a_decimal_comma() {
        assert_eq!(decimal(40.2, Lang::Nl), "40,2");
        assert_eq!(decimal(40.2, Lang::En), "40.2");
        assert_eq!(decimal(5.0, Lang::Nl), "5");
    }
}
