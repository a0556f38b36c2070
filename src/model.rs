//! Plain data shared by every stage of the flow.
//!
//! Nothing in here does I/O or reads the clock. The store persists these types
//! (serde), the pure stages take them as arguments.

use std::collections::BTreeMap;
use std::fmt;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

/// The owner's language. Both are first-class.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, Default,
)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    /// English.
    #[default]
    En,
    /// Dutch.
    Nl,
}

impl Lang {
    /// Both languages, English first.
    pub const ALL: [Lang; 2] = [Lang::En, Lang::Nl];

    /// The ISO 639-1 code (`en`, `nl`).
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Nl => "nl",
        }
    }

    /// Parses `en` / `nl` (case-insensitive).
    pub fn from_code(code: &str) -> Option<Lang> {
        match code.trim().to_ascii_lowercase().as_str() {
            "en" => Some(Lang::En),
            "nl" => Some(Lang::Nl),
            _ => None,
        }
    }
}

impl fmt::Display for Lang {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// The stable identity of a client: its name, trimmed, whitespace collapsed, lowercased.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ClientKey(String);

impl ClientKey {
    /// Derives the key from a display name (`"  Bakkerij  Jansen "` → `bakkerij jansen`).
    pub fn from_name(name: &str) -> ClientKey {
        let collapsed: Vec<&str> = name.split_whitespace().collect();
        ClientKey(collapsed.join(" ").to_lowercase())
    }

    /// The key as a string.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ClientKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// How often a client is due for a reflection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Cadence {
    /// Every 7 days.
    Weekly,
    /// Every 14 days.
    Biweekly,
    /// Every calendar month (the default).
    #[default]
    Monthly,
    /// Every three calendar months.
    Quarterly,
    /// Every N days.
    EveryDays(u32),
}

impl Cadence {
    /// Parses `weekly`, `biweekly`, `monthly`, `quarterly`, or `every N days` / `Nd`.
    pub fn parse(s: &str) -> Option<Cadence> {
        let s = s.trim().to_ascii_lowercase();
        match s.as_str() {
            "weekly" => return Some(Cadence::Weekly),
            "biweekly" | "fortnightly" => return Some(Cadence::Biweekly),
            "monthly" => return Some(Cadence::Monthly),
            "quarterly" => return Some(Cadence::Quarterly),
            _ => {}
        }
        let n = if let Some(rest) = s.strip_prefix("every ") {
            rest.trim_end_matches("days").trim_end_matches("day").trim()
        } else {
            s.strip_suffix('d')?
        };
        match n.parse::<u32>() {
            Ok(n) if n > 0 => Some(Cadence::EveryDays(n)),
            _ => None,
        }
    }

    /// The canonical text form, the inverse of [`Cadence::parse`].
    pub fn as_text(&self) -> String {
        match self {
            Cadence::Weekly => "weekly".into(),
            Cadence::Biweekly => "biweekly".into(),
            Cadence::Monthly => "monthly".into(),
            Cadence::Quarterly => "quarterly".into(),
            Cadence::EveryDays(n) => format!("every {n} days"),
        }
    }
}

/// Whether a client is being asked about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case", tag = "state")]
pub enum ClientStatus {
    /// Prompted by cadence.
    #[default]
    Active,
    /// Not prompted until the date (inclusive), or until resumed when `until` is `None`.
    Paused {
        /// First day on which the client is active again.
        until: Option<NaiveDate>,
    },
    /// Let go: no prompts, not in the active digest list, history kept.
    Archived {
        /// When the owner let the client go.
        since: DateTime<Utc>,
    },
}

/// A client as the owner declared it plus the state olifant keeps for it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Client {
    /// Display name, as the owner writes it.
    pub name: String,
    /// How often to ask.
    pub cadence: Cadence,
    /// Yearly revenue in the owner's currency, when known.
    pub revenue: Option<f64>,
    /// Free tags.
    pub tags: Vec<String>,
    /// Active, paused/snoozed or archived.
    pub status: ClientStatus,
    /// Since when the client is tracked.
    pub since: DateTime<Utc>,
}

impl Client {
    /// The client's stable key.
    pub fn key(&self) -> ClientKey {
        ClientKey::from_name(&self.name)
    }
}

/// The answer scale of a question.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "type")]
pub enum Scale {
    /// An integer rating from `min` (not at all) to `max` (completely).
    Rating {
        /// Lowest value.
        min: u8,
        /// Highest value.
        max: u8,
    },
    /// yes / maybe / no (ja / misschien / nee), stored as 5 / 3 / 1.
    YesMaybeNo,
}

impl Scale {
    /// The usual 1–5 rating.
    pub const ONE_TO_FIVE: Scale = Scale::Rating { min: 1, max: 5 };

    /// Lowest and highest stored value.
    pub fn bounds(&self) -> (u8, u8) {
        match *self {
            Scale::Rating { min, max } => (min, max),
            Scale::YesMaybeNo => (1, 5),
        }
    }

    /// Maps a stored value to 0–100 (bottom of the scale 0, top 100).
    pub fn to_percent(&self, value: u8) -> f64 {
        let (lo, hi) = self.bounds();
        if hi <= lo {
            return 100.0;
        }
        let v = value.clamp(lo, hi);
        f64::from(v - lo) * 100.0 / f64::from(hi - lo)
    }
}

/// What the owner sees of a question in one language.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Wording {
    /// Short label the owner may type back (`Payment`, `Betaling`).
    pub label: String,
    /// The question; `{client}` is replaced by the client's name.
    pub text: String,
}

/// One question of the questionnaire.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Question {
    /// Fixed key: the data model and the answer grammar's vocabulary (`payment`).
    pub key: String,
    /// Label and text per language.
    pub wording: BTreeMap<Lang, Wording>,
    /// Answer scale.
    pub scale: Scale,
    /// Weight in the health score.
    pub weight: f64,
}

impl Question {
    /// The wording in `lang`, falling back to English, then to any.
    pub fn wording(&self, lang: Lang) -> &Wording {
        self.wording
            .get(&lang)
            .or_else(|| self.wording.get(&Lang::En))
            .or_else(|| self.wording.values().next())
            .expect("a question always has at least one wording (checked by config validation)")
    }
}

/// The questions asked about every client, in order (question 1 first), plus the notes prompt.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Questionnaire {
    /// Rated questions; the number the owner types is the index + 1.
    pub questions: Vec<Question>,
    /// The free-notes invitation per language; `{client}` is replaced.
    pub notes_prompt: BTreeMap<Lang, String>,
}

/// A random identifier of one prompt (40 bits used).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct PromptId(pub u64);

/// How far a message handed to SMTP got.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "state")]
pub enum SendState {
    /// Intent recorded and flushed; not (yet) accepted. Found after a crash this means *unknown*.
    Intent {
        /// When the intent was recorded.
        at: DateTime<Utc>,
    },
    /// The server accepted it.
    Sent {
        /// When the server accepted it.
        at: DateTime<Utc>,
    },
    /// A crash or an ambiguous timeout happened between intent and acceptance: not resent automatically.
    Unknown {
        /// When the intent was recorded.
        intent_at: DateTime<Utc>,
        /// What is known.
        reason: String,
    },
    /// The server refused it, or transient retries ran out.
    Failed {
        /// When it was given up.
        at: DateTime<Utc>,
        /// 5xx (true) or retries exhausted (false).
        permanent: bool,
        /// The server's text.
        reason: String,
    },
}

/// Where a prompt stands in its life.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "state")]
pub enum PromptStatus {
    /// Waiting for the owner's reply.
    Open,
    /// At least one genuine reply was stored.
    Answered {
        /// First reply.
        at: DateTime<Utc>,
    },
    /// The client came due again before a reply arrived.
    Expired {
        /// When it was expired.
        at: DateTime<Utc>,
    },
    /// A bounce matched it.
    Bounced {
        /// When the bounce was read.
        at: DateTime<Utc>,
        /// What the bounce said.
        reason: String,
    },
}

/// The one reminder a prompt may get.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reminder {
    /// Message-ID of the reminder.
    pub message_id: String,
    /// How far its send got.
    pub send: SendState,
}

/// A prompt olifant sent (or meant to send) about one client.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PromptRecord {
    /// Random id.
    pub id: PromptId,
    /// About which client.
    pub client: ClientKey,
    /// The client's name when the prompt was made.
    pub client_name: String,
    /// Language of the prompt.
    pub lang: Lang,
    /// The scheduled occurrence that made this prompt due (for exactly-once per occurrence).
    pub occurrence: DateTime<Utc>,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// Message-ID header value without angle brackets.
    pub message_id: String,
    /// Subject line.
    pub subject: String,
    /// Send progress.
    pub send: SendState,
    /// Reply progress.
    pub status: PromptStatus,
    /// The reminder, once one was made.
    pub reminder: Option<Reminder>,
}

/// One rated answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Answer {
    /// Value on the question's scale (yes/maybe/no as 5/3/1); `None` when the value was rejected.
    pub rating: Option<u8>,
    /// Text the owner wrote after the value.
    pub comment: Option<String>,
}

/// A stored reflection: the owner's answers about one client at one time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Reflection {
    /// The client.
    pub client: ClientKey,
    /// The prompt it answers, when it answers one.
    pub prompt: Option<PromptId>,
    /// When the (first) reply was written.
    pub date: DateTime<Utc>,
    /// Answers by question key; a second reply updates key by key.
    pub answers: BTreeMap<String, Answer>,
    /// Free notes, paragraphs kept; a second reply appends.
    pub notes: String,
    /// Dedup ids (Message-ID or `sha256:<hex>`) of the messages merged into it.
    pub sources: Vec<String>,
}

/// What kind of message the parser saw.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MessageKind {
    /// A genuine reply from the owner to a prompt.
    Reflection,
    /// An out-of-office or other automatic reply.
    AutoReply,
    /// A delivery failure report.
    Bounce,
    /// Anything else (including replies that are not genuine).
    Other,
}

/// The result of reading one message: the stable shape `olifant parse --json` prints.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ParsedMessage {
    /// What it is.
    pub kind: MessageKind,
    /// The prompt token found (valid or not), if any.
    pub prompt_token: Option<String>,
    /// The language the answers were read in.
    pub language: Option<Lang>,
    /// Answers by question key (only questions the owner answered or tried to).
    pub answers: BTreeMap<String, Answer>,
    /// Free notes.
    pub notes: String,
    /// What could not be understood, in plain words.
    pub problems: Vec<String>,
}

/// Mail olifant owes the owner after ingesting a message: recorded with the batch that
/// produced it and sent after the batch is flushed and moved, so a crash in between loses
/// nothing (and the stable Message-ID of each keeps it from going out twice).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum OwedMail {
    /// A receipt for a stored reply.
    Receipt {
        /// The prompt answered.
        prompt: PromptId,
        /// The reply's Message-ID (threading).
        reply_message_id: String,
        /// Problems found in this reply.
        problems: Vec<String>,
    },
    /// A confirmation of an email command.
    CommandReply {
        /// The command line as the owner wrote it (parsed again when the reply is made).
        command_line: String,
        /// The command message's Message-ID (threading).
        reply_to_message_id: Option<String>,
        /// Its subject.
        subject: String,
    },
}

/// One of the five digest verdicts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Deserves more of the owner's energy.
    Nurture,
    /// Fine as it is.
    Keep,
    /// Something is slipping.
    Watch,
    /// Draining: raise the price, tighten scope or end it.
    LetGo,
    /// Fewer reflections than the minimum.
    NotEnoughData,
}

/// A message quarantined by ingestion: raw bytes kept, reason recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuarantineEntry {
    /// Dedup id of the message (Message-ID or `sha256:<hex>`).
    pub id: String,
    /// Where it came from (`imap:INBOX:1234:17` or a Maildir file name).
    pub origin: String,
    /// When it was quarantined.
    pub at: DateTime<Utc>,
    /// Why.
    pub reason: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_key_normalises_whitespace_and_case() {
        assert_eq!(
            ClientKey::from_name("  Bakkerij \t Jansen ").as_str(),
            "bakkerij jansen"
        );
    }

    #[test]
    fn cadence_round_trips_through_text() {
        for c in [
            Cadence::Weekly,
            Cadence::Biweekly,
            Cadence::Monthly,
            Cadence::Quarterly,
            Cadence::EveryDays(10),
        ] {
            assert_eq!(Cadence::parse(&c.as_text()), Some(c));
        }
        assert_eq!(Cadence::parse("10d"), Some(Cadence::EveryDays(10)));
        assert_eq!(Cadence::parse("0d"), None);
        assert_eq!(Cadence::parse("sometimes"), None);
    }

    #[test]
    fn scale_percent_puts_the_middle_at_fifty() {
        assert_eq!(Scale::ONE_TO_FIVE.to_percent(3), 50.0);
        assert_eq!(Scale::ONE_TO_FIVE.to_percent(1), 0.0);
        assert_eq!(Scale::ONE_TO_FIVE.to_percent(5), 100.0);
        assert_eq!(Scale::YesMaybeNo.to_percent(3), 50.0);
    }
}

/// Scoring and verdict thresholds (all configurable under `[digest]`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DigestSettings {
    /// Half-life of a reflection's weight, in days (default 90).
    pub half_life_days: f64,
    /// Fewer reflections than this: "not enough data" (default 2).
    pub min_reflections: usize,
    /// Health below this (with enough reflections) is "let go" (default 40).
    pub let_go_health: f64,
    /// Reflections needed before low health alone means "let go" (default 3).
    pub let_go_min_reflections: usize,
    /// A latest reflection this many points below the one two before it is "watch" (default 15).
    pub watch_drop: f64,
    /// Health below this (and at least `let_go_health`) is "watch" (default 60).
    pub watch_below: f64,
    /// Health from this up, with growth or again high, is "nurture" (default 75).
    pub nurture_health: f64,
    /// A question score (0–100) from this up counts as "high" (default 75).
    pub high_score: f64,
}

impl Default for DigestSettings {
    fn default() -> Self {
        DigestSettings {
            half_life_days: 90.0,
            min_reflections: 2,
            let_go_health: 40.0,
            let_go_min_reflections: 3,
            watch_drop: 15.0,
            watch_below: 60.0,
            nurture_health: 75.0,
            high_score: 75.0,
        }
    }
}
