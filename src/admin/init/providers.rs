//! Provider presets: hosts, ports, TLS mode, plus-address separator and an honest hint.

/// How a connection is secured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TlsMode {
    /// TLS from the first byte (IMAPS 993, SMTPS 465).
    Tls,
    /// Plain connect, then a required STARTTLS upgrade (587, 143).
    StartTls,
}

impl TlsMode {
    /// The config value: `tls` or `starttls`.
    pub fn as_str(self) -> &'static str {
        match self {
            TlsMode::Tls => "tls",
            TlsMode::StartTls => "starttls",
        }
    }

    /// The usual mode for an IMAP port: 143 is STARTTLS, anything else TLS.
    pub fn for_imap_port(port: u16) -> TlsMode {
        if port == 143 {
            TlsMode::StartTls
        } else {
            TlsMode::Tls
        }
    }

    /// The usual mode for an SMTP port: 587 and 25 are STARTTLS, anything else TLS.
    pub fn for_smtp_port(port: u16) -> TlsMode {
        if port == 587 || port == 25 {
            TlsMode::StartTls
        } else {
            TlsMode::Tls
        }
    }
}

/// The mail provider olifant sends and reads through.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Provider {
    /// Gmail / Google Workspace (app password required).
    Gmail,
    /// Outlook.com / Microsoft 365.
    Outlook,
    /// Fastmail (app password).
    Fastmail,
    /// Any other provider: hosts and ports as given.
    Generic {
        /// IMAP host.
        imap_host: String,
        /// IMAP port.
        imap_port: u16,
        /// IMAP security.
        imap_security: TlsMode,
        /// SMTP host.
        smtp_host: String,
        /// SMTP port.
        smtp_port: u16,
        /// SMTP security.
        smtp_security: TlsMode,
        /// The plus-address separator, or `None` when the provider has no plus-addressing.
        plus_separator: Option<char>,
    },
}

/// The settings a [`Provider`] stands for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProviderPreset {
    /// Name shown to the owner.
    pub label: &'static str,
    /// IMAP host.
    pub imap_host: String,
    /// IMAP port.
    pub imap_port: u16,
    /// IMAP security.
    pub imap_security: TlsMode,
    /// SMTP host.
    pub smtp_host: String,
    /// SMTP port.
    pub smtp_port: u16,
    /// SMTP security.
    pub smtp_security: TlsMode,
    /// The plus-address separator, `None` without plus-addressing.
    pub plus_separator: Option<char>,
    /// One line on how to log in (app passwords etc.).
    pub hint: &'static str,
}

impl Provider {
    /// The names [`Provider::from_name`] accepts, for help texts.
    pub const NAMES: &'static str =
        "gmail, outlook (Outlook.com / Microsoft 365), fastmail, generic";

    /// Parses a provider name; `generic` needs its hosts separately, so it is not handled
    /// here (see [`run_init`](super::run_init)). Returns `None` for unknown names.
    pub fn from_name(name: &str) -> Option<Provider> {
        match name.trim().to_ascii_lowercase().as_str() {
            "gmail" | "google" | "googlemail" | "workspace" | "google workspace" => {
                Some(Provider::Gmail)
            }
            "outlook" | "outlook.com" | "hotmail" | "live" | "microsoft" | "microsoft 365"
            | "microsoft365" | "m365" | "office365" | "office 365" | "o365" => {
                Some(Provider::Outlook)
            }
            "fastmail" => Some(Provider::Fastmail),
            _ => None,
        }
    }

    /// Guesses the provider from an address's domain (only the public consumer domains;
    /// a custom domain could be hosted anywhere).
    pub fn guess_from_address(address: &str) -> Option<Provider> {
        let (_, domain) = address.trim().rsplit_once('@')?;
        match domain.to_ascii_lowercase().as_str() {
            "gmail.com" | "googlemail.com" => Some(Provider::Gmail),
            "outlook.com" | "hotmail.com" | "live.com" | "msn.com" | "outlook.nl"
            | "hotmail.nl" | "live.nl" => Some(Provider::Outlook),
            "fastmail.com" | "fastmail.fm" => Some(Provider::Fastmail),
            _ => None,
        }
    }

    /// The short name written back by `--provider`.
    pub fn name(&self) -> &'static str {
        match self {
            Provider::Gmail => "gmail",
            Provider::Outlook => "outlook",
            Provider::Fastmail => "fastmail",
            Provider::Generic { .. } => "generic",
        }
    }

    /// The hosts, ports, separator and hint of this provider.
    pub fn preset(&self) -> ProviderPreset {
        match self {
            Provider::Gmail => ProviderPreset {
                label: "Gmail",
                imap_host: "imap.gmail.com".into(),
                imap_port: 993,
                imap_security: TlsMode::Tls,
                smtp_host: "smtp.gmail.com".into(),
                smtp_port: 465,
                smtp_security: TlsMode::Tls,
                plus_separator: Some('+'),
                hint: "Gmail needs an app password (Google account → Security → 2-Step Verification → App passwords); your normal password will be refused.",
            },
            Provider::Outlook => ProviderPreset {
                label: "Outlook.com / Microsoft 365",
                imap_host: "outlook.office365.com".into(),
                imap_port: 993,
                imap_security: TlsMode::Tls,
                smtp_host: "smtp.office365.com".into(),
                smtp_port: 587,
                smtp_security: TlsMode::StartTls,
                plus_separator: Some('+'),
                hint: "Microsoft is moving IMAP/SMTP to OAuth only, which olifant does not support: a password login works only where basic authentication or app passwords are still enabled for your account (Microsoft 365 admins can switch it off). If login fails, use another mailbox for olifant.",
            },
            Provider::Fastmail => ProviderPreset {
                label: "Fastmail",
                imap_host: "imap.fastmail.com".into(),
                imap_port: 993,
                imap_security: TlsMode::Tls,
                smtp_host: "smtp.fastmail.com".into(),
                smtp_port: 465,
                smtp_security: TlsMode::Tls,
                plus_separator: Some('+'),
                hint: "Fastmail needs an app password (Settings → Privacy & Security → App passwords) with IMAP and SMTP access.",
            },
            Provider::Generic {
                imap_host,
                imap_port,
                imap_security,
                smtp_host,
                smtp_port,
                smtp_security,
                plus_separator,
            } => ProviderPreset {
                label: "your provider",
                imap_host: imap_host.clone(),
                imap_port: *imap_port,
                imap_security: *imap_security,
                smtp_host: smtp_host.clone(),
                smtp_port: *smtp_port,
                smtp_security: *smtp_security,
                plus_separator: *plus_separator,
                hint: "Use an app password if your provider offers them; check that it supports plus-addressing (you+tag@…), or set bot.reply_style = \"plain\".",
            },
        }
    }
}
