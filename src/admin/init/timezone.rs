//! Time zone detection (edge): `TZ`, then the system.

use super::*;

/// Reads an IANA name out of a `TZ` value or the system's answer (maybe a zoneinfo path).
pub(super) fn tz_name(raw: &str) -> Option<Tz> {
    let s = raw.trim().trim_start_matches(':');
    let s = match s.rsplit_once("zoneinfo/") {
        Some((_, rest)) => rest,
        None => s,
    };
    let s = s
        .strip_prefix("posix/")
        .or_else(|| s.strip_prefix("right/"))
        .unwrap_or(s);
    s.parse::<Tz>().ok()
}

/// [`detect_timezone`] with its sources passed in (tests pass fakes): `env` reads an
/// environment variable, `system` gives the operating system's zone name.
pub fn detect_timezone_in(
    env: &dyn Fn(&str) -> Option<String>,
    system: &dyn Fn() -> Option<String>,
) -> String {
    env("TZ")
        .as_deref()
        .and_then(tz_name)
        .or_else(|| system().as_deref().and_then(tz_name))
        .map_or_else(|| "UTC".to_string(), |tz| tz.name().to_string())
}

/// The owner's time zone: `TZ`, else the system's zone as the `iana-time-zone` crate finds
/// it (on Linux the `/etc/localtime` symlink, then `/etc/timezone`), else `UTC`. Only
/// valid IANA names count.
pub fn detect_timezone() -> String {
    detect_timezone_in(&|name| std::env::var(name).ok(), &|| {
        iana_time_zone::get_timezone().ok()
    })
}
