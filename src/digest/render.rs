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
    match v {
        Verdict::Nurture => tr!(lang, "heading.nurture"),
        Verdict::LetGo => tr!(lang, "heading.let_go"),
        Verdict::Watch => tr!(lang, "heading.watch"),
        Verdict::Keep => tr!(lang, "heading.keep"),
        Verdict::NotEnoughData => tr!(lang, "heading.not_enough_data"),
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
        s.push_str(&tr!(lang, "digest.and_more", more = more));
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
            parts.push(tr!(
                lang,
                "digest.subject_count",
                n = n,
                verdict = verdict_word(v, lang)
            ));
        }
    }
    if parts.is_empty() {
        return tr!(lang, "digest.subject_quiet", clients = d.clients.len());
    }
    tr!(lang, "digest.subject", parts = parts.join(", "))
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
    tr!(
        lang,
        "digest.summary",
        clients = d.clients.len(),
        counts = items.join(", ")
    )
}

fn meta(c: &ClientDigest, lang: Lang) -> String {
    let mut parts = Vec::new();
    if let (Some(t), Some(dir)) = (c.trend, c.trend_direction) {
        let delta = format!("{t:+}");
        parts.push(match dir {
            TrendDirection::Up => tr!(lang, "digest.trend_up", delta = delta),
            TrendDirection::Down => tr!(lang, "digest.trend_down", delta = delta),
            TrendDirection::Steady => tr!(lang, "digest.trend_steady").to_string(),
        });
    }
    let level = match c.confidence {
        Confidence::Low => tr!(lang, "digest.confidence_low"),
        Confidence::Medium => tr!(lang, "digest.confidence_medium"),
        Confidence::High => tr!(lang, "digest.confidence_high"),
    };
    parts.push(tr!(
        lang,
        "digest.confidence",
        level = level,
        reflections = c.reflections,
        days = c.span_days
    ));
    if let Some(p) = c.promoter {
        parts.push(
            match p {
                Promoter::Promoter => tr!(lang, "digest.promoter"),
                Promoter::Passive => tr!(lang, "digest.passive"),
                Promoter::Detractor => tr!(lang, "digest.detractor"),
            }
            .to_string(),
        );
    }
    if let Some(s) = c.revenue_share {
        parts.push(tr!(lang, "digest.revenue_share", share = decimal(s, lang)));
    }
    parts.join(" · ")
}

/// A number as the owner's language writes it: `40.2` in English, `40,2` in Dutch.
fn decimal(x: f64, lang: Lang) -> String {
    x.to_string()
        .replace('.', tr!(lang, "format.decimal_point"))
}

fn health_text(c: &ClientDigest, lang: Lang) -> String {
    match c.health {
        Some(h) => tr!(lang, "digest.health", health = h),
        None => tr!(lang, "digest.no_score").to_string(),
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
    let mut s = match n {
        1 => tr!(
            lang,
            "digest.top_one",
            names = r.top[0],
            share = r.top_share
        ),
        _ => tr!(
            lang,
            "digest.top_many",
            n = n,
            names = r.top.join(", "),
            share = r.top_share
        ),
    };
    if let Some(w) = &r.weakest {
        s.push_str(&tr!(
            lang,
            "digest.weakest_revenue",
            name = w.name,
            share = w.share,
            health = w.health
        ));
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
        out.push(tr!(
            lang,
            "digest.reply_rate",
            answered = p.answered,
            sent = p.sent,
            rate = rate
        ));
    }
    if !p.unanswered.is_empty() {
        out.push(tr!(lang, "digest.unanswered", list = list(&p.unanswered)));
    }
    if !p.bounced.is_empty() {
        out.push(tr!(lang, "digest.bounced", list = list(&p.bounced)));
    }
    if !p.failed.is_empty() {
        out.push(tr!(lang, "digest.failed", list = list(&p.failed)));
    }
    if !p.unknown.is_empty() {
        out.push(tr!(lang, "digest.unknown", list = list(&p.unknown)));
    }
    if d.not_understood > 0 {
        out.push(tr_n!(lang, "digest.not_understood", d.not_understood));
    }
    if !d.quarantined.is_empty() {
        let items: Vec<String> = d
            .quarantined
            .iter()
            .map(|q| format!("{} ({})", q.reason, q.date))
            .collect();
        out.push(tr!(lang, "digest.quarantined", list = names(&items, lang)));
    }
    out
}

fn alive_line(d: &Digest, lang: Lang) -> String {
    let a = &d.activity;
    let since = super::local_date(d.since, d.tz.parse().unwrap_or(chrono_tz::UTC));
    let unknown = tr!(lang, "digest.not_scheduled");
    let np = d.next_prompt_at.as_deref().unwrap_or(unknown);
    let nd = d.next_digest_at.as_deref().unwrap_or(unknown);
    tr!(
        lang,
        "digest.alive",
        since = since,
        prompts = a.prompts_sent,
        reminders = a.reminders_sent,
        read = a.messages_read,
        stored = a.replies_stored,
        next_prompts = np,
        next_digest = nd
    )
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
    let overview_caption = if by_revenue {
        tr!(
            lang,
            "digest.caption_revenue",
            let_go = lg,
            watch = wb,
            nurture = nu
        )
    } else {
        tr!(
            lang,
            "digest.caption_trend",
            let_go = lg,
            watch = wb,
            nurture = nu
        )
    };
    let tz: chrono_tz::Tz = d.tz.parse().unwrap_or(chrono_tz::UTC);
    let mut period = tr!(lang, "digest.period", date = super::local_date(d.since, tz));
    if let Some(a) = d.as_of {
        period.push_str(&tr!(lang, "digest.as_of", time = super::local_time(a, tz)));
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
            tr!(lang, "digest.archived", list = names(&items, lang))
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
    let text = templates.render_in(lang, "digest.txt", &v)?;
    let html = templates.render_in(lang, "digest.html", &v)?;
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
