//! Command-line definitions (each command's doc comment is its `--help`), and the
//! completions and man page made from them.

use std::path::PathBuf;

use clap::{Args, CommandFactory, Parser, Subcommand, ValueEnum};

/// olifant asks you, by email and on a schedule, how each client is going, reads your replies,
/// and tells you which clients to nurture, keep, watch or let go.
///
/// Start with `olifant demo` (no mail server needed), then `olifant init` for your own mailbox.
#[derive(Debug, Parser)]
#[command(name = "olifant", version, propagate_version = true, after_help = EXIT_CODES)]
pub struct Cli {
    /// Config file (default: $OLIFANT_CONFIG, else ~/.config/olifant/config.toml).
    #[arg(long, global = true, value_name = "PATH")]
    pub config: Option<PathBuf>,

    /// Log format on stderr.
    #[arg(long, global = true, value_enum, default_value_t = LogFormat::Human)]
    pub log_format: LogFormat,

    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Exit codes, shown under `--help`.
pub const EXIT_CODES: &str = "Exit codes: 0 success, 1 error (the message says what to do), \
2 usage error, 3 a check failed (`olifant check`), 4 another olifant is using the data directory.";

/// Log output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines.
    Human,
    /// One JSON object per line, for log collectors.
    Json,
}

/// Language of generated mail and demo replies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LangArg {
    /// English.
    En,
    /// Dutch.
    Nl,
}

impl From<LangArg> for olifant::model::Lang {
    fn from(l: LangArg) -> Self {
        match l {
            LangArg::En => olifant::model::Lang::En,
            LangArg::Nl => olifant::model::Lang::Nl,
        }
    }
}

/// The commands.
#[allow(clippy::large_enum_variant)] // parsed once per process
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the daemon: prompt schedule, reminders, digest schedule and mail ingestion.
    ///
    /// Example: `olifant run` (stop with Ctrl-C or SIGTERM).
    Run,

    /// Run the whole loop offline in seconds and print a digest.
    ///
    /// Creates example clients, sends their prompts to a local outbox, writes realistic
    /// replies into a local inbox over several simulated months, ingests them through the
    /// real pipeline and prints the digest.
    ///
    /// Example: `olifant demo --lang nl`
    Demo {
        /// Directory to work in (default: a new temporary directory, printed).
        #[arg(long)]
        dir: Option<PathBuf>,
        /// Language of the owner's replies and the digest.
        #[arg(long, value_enum, default_value_t = LangArg::En)]
        lang: LangArg,
    },

    /// Create a first config interactively (or from flags) and check it.
    ///
    /// Example: `olifant init --provider fastmail --name "Ada" --email ada@example.com`
    Init(InitArgs),

    /// Validate the config, resolve secrets, log in to SMTP and IMAP without sending anything.
    ///
    /// Example: `olifant check`
    Check,

    /// Show what olifant did and will do: next runs, unanswered prompts, unknown sends, quarantine.
    ///
    /// Example: `olifant status`
    Status,

    /// Run one prompt scheduling pass now.
    ///
    /// Example: `olifant send-prompts --dry-run`
    SendPrompts {
        /// Print what would be sent; send nothing.
        #[arg(long)]
        dry_run: bool,
    },

    /// Prompt tools.
    ///
    /// Example: `olifant prompt preview "Bakkerij Jansen"`
    #[command(subcommand)]
    Prompt(PromptCommand),

    /// Pause all prompts (vacation), until a date or for a span.
    ///
    /// Example: `olifant pause --until 2027-01-04` or `olifant pause 2w`
    Pause {
        /// First day prompts resume (YYYY-MM-DD).
        #[arg(long, value_name = "DATE")]
        until: Option<String>,
        /// A span such as `10d`, `2w` or `1m`.
        span: Option<String>,
    },

    /// Resume prompts after `olifant pause`.
    ///
    /// Example: `olifant resume`
    Resume,

    /// Parse one message file without touching the store or the network.
    ///
    /// Example: `olifant parse reply.eml --json`
    Parse {
        /// The .eml file.
        file: PathBuf,
        /// Print exactly one JSON object.
        #[arg(long)]
        json: bool,
    },

    /// Rerun the parser over every stored raw reply and rebuild the reflections.
    ///
    /// Example: `olifant reparse`
    Reparse,

    /// Rebuild the reflections from the processed folder on the server (after losing the data directory).
    ///
    /// Example: `olifant reingest`
    Reingest,

    /// Build the digest now: preview it, write HTML, print JSON, or send it.
    ///
    /// Example: `olifant digest --preview --as-of 2026-10-01`
    Digest(DigestArgs),

    /// Print the full reasoning behind one client's verdict.
    ///
    /// Example: `olifant explain "Bakkerij Jansen"`
    Explain {
        /// Client name.
        client: String,
        /// Compute as of this date (YYYY-MM-DD).
        #[arg(long, value_name = "DATE")]
        as_of: Option<String>,
    },

    /// Manage clients: list, add, edit, pause, snooze, resume, archive, import.
    ///
    /// Example: `olifant clients add "Bakkerij Jansen" --cadence monthly`
    #[command(subcommand)]
    Clients(ClientsCommand),

    /// Export clients, prompts and reflections.
    ///
    /// Example: `olifant export --format json --out backup.json`
    Export {
        /// Output format.
        #[arg(long, value_enum, default_value_t = ExportFormat::Json)]
        format: ExportFormat,
        /// Write to this file instead of stdout.
        #[arg(long)]
        out: Option<PathBuf>,
    },

    /// Restore a JSON export into an empty data directory.
    ///
    /// Example: `olifant import backup.json`
    Import {
        /// The export file.
        file: PathBuf,
    },

    /// Print shell completions.
    ///
    /// Example: `olifant completions bash > /etc/bash_completion.d/olifant`
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },

    /// Print the man page (roff).
    ///
    /// Example: `olifant manpage > olifant.1`
    Manpage,
}

/// `olifant init` flags (all optional: missing ones are asked for on a terminal).
#[derive(Debug, Args)]
pub struct InitArgs {
    /// Your name.
    #[arg(long)]
    pub name: Option<String>,
    /// Your email address (repeat for more).
    #[arg(long = "email")]
    pub emails: Vec<String>,
    /// Language: en or nl.
    #[arg(long, value_enum)]
    pub lang: Option<LangArg>,
    /// IANA time zone (default: detected).
    #[arg(long)]
    pub timezone: Option<String>,
    /// Provider preset: gmail, outlook, fastmail, generic.
    #[arg(long)]
    pub provider: Option<String>,
    /// IMAP/SMTP login (default: your first address).
    #[arg(long)]
    pub username: Option<String>,
    /// Command that prints the password, e.g. `pass show mail/olifant`.
    #[arg(long)]
    pub password_command: Option<String>,
    /// olifant's own address (default: your address; replies come back by plus-address).
    #[arg(long)]
    pub bot_address: Option<String>,
    /// IMAP server (generic provider).
    #[arg(long)]
    pub imap_host: Option<String>,
    /// IMAP port (generic provider; 993 = TLS, 143 = STARTTLS).
    #[arg(long)]
    pub imap_port: Option<u16>,
    /// SMTP server (generic provider).
    #[arg(long)]
    pub smtp_host: Option<String>,
    /// SMTP port (generic provider; 465 = TLS, 587 = STARTTLS).
    #[arg(long)]
    pub smtp_port: Option<u16>,
    /// When to send prompts, in plain words (e.g. "mondays 9:00").
    #[arg(long)]
    pub prompts_at: Option<String>,
    /// When to send the digest, in plain words (e.g. "first monday of the month 8:00").
    #[arg(long)]
    pub digest_at: Option<String>,
    /// Replace an existing config file.
    #[arg(long)]
    pub force: bool,
    /// Where to write the config (default: the usual location).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Never ask; fail when something is missing.
    #[arg(long)]
    pub non_interactive: bool,
    /// Do not run `olifant check` afterwards.
    #[arg(long)]
    pub no_check: bool,
}

/// `olifant digest` flags.
#[derive(Debug, Args)]
pub struct DigestArgs {
    /// Print it in the terminal (colour when stdout is a terminal and NO_COLOR is unset).
    #[arg(long)]
    pub preview: bool,
    /// Write the HTML version and its images into this directory.
    #[arg(long, value_name = "DIR")]
    pub html: Option<PathBuf>,
    /// Print scores, verdicts and evidence as JSON.
    #[arg(long)]
    pub json: bool,
    /// Send it now (exactly once: intent recorded first).
    #[arg(long)]
    pub send: bool,
    /// Compute it as it would have been on this date (YYYY-MM-DD).
    #[arg(long, value_name = "DATE")]
    pub as_of: Option<String>,
    /// Language (default: the owner's).
    #[arg(long, value_enum)]
    pub lang: Option<LangArg>,
}

/// `olifant prompt …`
#[derive(Debug, Subcommand)]
pub enum PromptCommand {
    /// Print the prompt a client would get now.
    ///
    /// Example: `olifant prompt preview "Bakkerij Jansen" --lang nl`
    Preview {
        /// Client name.
        client: String,
        /// Language (default: the owner's).
        #[arg(long, value_enum)]
        lang: Option<LangArg>,
    },
}

/// `olifant clients …`
#[derive(Debug, Subcommand)]
pub enum ClientsCommand {
    /// List clients with their status and cadence.
    ///
    /// Example: `olifant clients list`
    List,
    /// Add a client.
    ///
    /// Example: `olifant clients add "Bakkerij Jansen" --cadence monthly --revenue 12000`
    Add(ClientArgs),
    /// Change a client added with `clients add` (config-declared clients are edited in the config).
    ///
    /// Example: `olifant clients edit "Bakkerij Jansen" --cadence quarterly`
    Edit(ClientArgs),
    /// Pause a client until resumed (or until a date).
    ///
    /// Example: `olifant clients pause "Bakkerij Jansen" --until 2027-02-01`
    Pause {
        /// Client name.
        name: String,
        /// First day the client is asked about again (YYYY-MM-DD).
        #[arg(long)]
        until: Option<String>,
    },
    /// Snooze a client for a span (`2w`, `1m`, `10d`).
    ///
    /// Example: `olifant clients snooze "Bakkerij Jansen" 1m`
    Snooze {
        /// Client name.
        name: String,
        /// How long.
        span: String,
    },
    /// Resume a paused or snoozed client.
    ///
    /// Example: `olifant clients resume "Bakkerij Jansen"`
    Resume {
        /// Client name.
        name: String,
    },
    /// Let a client go: no more prompts; history kept.
    ///
    /// Example: `olifant clients archive "Bakkerij Jansen"`
    #[command(alias = "let-go")]
    Archive {
        /// Client name.
        name: String,
    },
    /// Import clients from CSV (`name,cadence,revenue,tags,since`; tags separated by `|`).
    ///
    /// Example: `olifant clients import clients.csv --skip-bad`
    Import {
        /// The CSV file.
        file: PathBuf,
        /// Import the good rows even when some rows are bad.
        #[arg(long)]
        skip_bad: bool,
    },
}

/// Fields of a client on the command line.
#[derive(Debug, Args)]
pub struct ClientArgs {
    /// Client name.
    pub name: String,
    /// weekly, biweekly, monthly, quarterly, or `every N days`.
    #[arg(long)]
    pub cadence: Option<String>,
    /// Yearly revenue.
    #[arg(long)]
    pub revenue: Option<f64>,
    /// Tags (repeat).
    #[arg(long = "tag")]
    pub tags: Vec<String>,
}

/// Export formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExportFormat {
    /// The documented JSON format (round-trips through `olifant import`).
    Json,
    /// One row per reflection.
    Csv,
}

/// `olifant completions`: prints the completions for `shell`.
pub fn completions(shell: clap_complete::Shell) {
    clap_complete::generate(
        shell,
        &mut Cli::command(),
        "olifant",
        &mut std::io::stdout(),
    );
}

/// `olifant manpage`: prints the man page (roff).
pub fn manpage() -> std::io::Result<()> {
    clap_mangen::Man::new(Cli::command()).render(&mut std::io::stdout())
}
