//! Prompt tokens: an unguessable value bound to one prompt.
//!
//! A token is 24 lowercase base32 characters: 8 for the 40-bit [`PromptId`] and 16 for an
//! 80-bit truncated HMAC-SHA256 of that id under the owner's secret key. Lowercase base32
//! survives servers that fold the case of a local part, so the token can ride in a
//! plus-address (`olifant+TOKEN@example.com`) and in the Message-ID
//! (`olifant.TOKEN@example.com`) that replies quote in In-Reply-To / References.
//!
//! Pure: the key comes in as bytes; reading or creating the key file is the store's job.

use ring::hmac;

use crate::model::PromptId;

/// Length of a token in characters.
pub const TOKEN_LEN: usize = 24;
const ID_CHARS: usize = 8;
const MAC_BYTES: usize = 10;
const ALPHABET: &[u8; 32] = b"abcdefghijklmnopqrstuvwxyz234567";
const DOMAIN_SEPARATOR: &[u8] = b"olifant-prompt-token-v1";
/// The largest prompt id a token can carry (40 bits).
pub const MAX_PROMPT_ID: u64 = (1 << 40) - 1;

/// The secret that signs prompt tokens. Its `Debug` output never shows the key.
#[derive(Clone)]
pub struct TokenKey {
    key: hmac::Key,
    /// Accept any well-formed token without checking its MAC (reingest only).
    trust_any: bool,
}

impl std::fmt::Debug for TokenKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TokenKey(<redacted>)")
    }
}

impl TokenKey {
    /// Minimum key length in bytes.
    pub const MIN_LEN: usize = 32;

    /// Builds a key from secret bytes (at least 32).
    pub fn from_bytes(bytes: &[u8]) -> Option<TokenKey> {
        if bytes.len() < Self::MIN_LEN {
            return None;
        }
        Some(TokenKey {
            key: hmac::Key::new(hmac::HMAC_SHA256, bytes),
            trust_any: false,
        })
    }

    /// A key that accepts every well-formed token without checking it.
    ///
    /// Only for `olifant reingest`: mail in olifant's processed folder was verified when it
    /// was first read, and the key that signed it may have been lost with the data directory.
    pub fn trusting_any() -> TokenKey {
        TokenKey {
            key: hmac::Key::new(hmac::HMAC_SHA256, &[0u8; 32]),
            trust_any: true,
        }
    }

    fn mac(&self, id: PromptId) -> [u8; MAC_BYTES] {
        // The same message as signing `DOMAIN_SEPARATOR ++ id (big endian)` in one piece.
        let mut ctx = hmac::Context::with_key(&self.key);
        ctx.update(DOMAIN_SEPARATOR);
        ctx.update(&id.0.to_be_bytes());
        let tag = ctx.sign();
        let mut out = [0u8; MAC_BYTES];
        out.copy_from_slice(&tag.as_ref()[..MAC_BYTES]);
        out
    }

    /// The token for a prompt. Ids above [`MAX_PROMPT_ID`] are truncated to 40 bits.
    pub fn token(&self, id: PromptId) -> String {
        let id = PromptId(id.0 & MAX_PROMPT_ID);
        let mut out = encode_id(id.0);
        out.push_str(&encode_bytes(&self.mac(id)));
        out
    }

    /// Checks a token in constant time and returns the prompt it is bound to.
    ///
    /// Accepts either case (some servers fold local parts); anything else is `None`.
    pub fn verify(&self, token: &str) -> Option<PromptId> {
        if token.len() != TOKEN_LEN || !token.is_ascii() {
            return None;
        }
        // Lowercased on the stack: a token is always TOKEN_LEN ASCII bytes here.
        let mut lower = [0u8; TOKEN_LEN];
        lower.copy_from_slice(token.as_bytes());
        lower.make_ascii_lowercase();
        let id = decode_id(&lower[..ID_CHARS])?;
        if self.trust_any {
            return lower[ID_CHARS..]
                .iter()
                .all(|c| ALPHABET.contains(c))
                .then_some(PromptId(id));
        }
        let mut expected = [0u8; TOKEN_LEN - ID_CHARS];
        encode_into(&self.mac(PromptId(id)), &mut expected);
        if constant_time_eq(&expected, &lower[ID_CHARS..]) {
            Some(PromptId(id))
        } else {
            None
        }
    }
}

/// The prompt id a well-formed token names, without verifying it.
pub fn unverified_prompt_id(token: &str) -> Option<PromptId> {
    TokenKey::trusting_any().verify(token)
}

/// The short, human reference shown in subjects (`[7K2Q9]`): the first five id characters, upper case.
pub fn short_ref(id: PromptId) -> String {
    encode_id(id.0 & MAX_PROMPT_ID)[..5].to_ascii_uppercase()
}

/// Compares two byte strings without an early exit on the first difference.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn encode_id(id: u64) -> String {
    (0..ID_CHARS)
        .rev()
        .map(|i| ALPHABET[((id >> (i * 5)) & 31) as usize] as char)
        .collect()
}

fn decode_id(s: &[u8]) -> Option<u64> {
    s.iter().try_fold(0u64, |acc, &c| {
        let v = ALPHABET.iter().position(|&a| a == c)? as u64;
        Some((acc << 5) | v)
    })
}

fn encode_bytes(bytes: &[u8]) -> String {
    let mut out = vec![0u8; (bytes.len() * 8).div_ceil(5)];
    encode_into(bytes, &mut out);
    out.into_iter().map(char::from).collect()
}

/// Base32 of `bytes` (most significant bits first, the last group padded with zero bits) into
/// `out`, which holds `ceil(8 * bytes.len() / 5)` bytes; any further bytes are left as they are.
fn encode_into(bytes: &[u8], out: &mut [u8]) {
    let mut slots = out.iter_mut();
    let mut buffer: u32 = 0;
    let mut bits = 0;
    for &b in bytes {
        buffer = (buffer << 8) | u32::from(b);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            if let Some(slot) = slots.next() {
                *slot = ALPHABET[((buffer >> bits) & 31) as usize];
            }
        }
    }
    if bits > 0 {
        if let Some(slot) = slots.next() {
            *slot = ALPHABET[((buffer << (5 - bits)) & 31) as usize];
        }
    }
}

/// The plus-address that carries a token: `local{sep}token@domain`.
pub fn plus_address(bot_address: &str, separator: char, token: &str) -> String {
    match bot_address.rsplit_once('@') {
        Some((local, domain)) => format!("{local}{separator}{token}@{domain}"),
        None => format!("{bot_address}{separator}{token}"),
    }
}

/// Finds a token in a recipient address of the form `local{sep}TOKEN@domain` where
/// `local@domain` is the bot address (compared case-insensitively).
pub fn token_from_address<'a>(
    address: &'a str,
    bot_address: &str,
    separator: char,
) -> Option<&'a str> {
    let address = address.trim().trim_start_matches('<').trim_end_matches('>');
    let (local, domain) = address.rsplit_once('@')?;
    let (bot_local, bot_domain) = bot_address.rsplit_once('@')?;
    if !domain.eq_ignore_ascii_case(bot_domain) {
        return None;
    }
    let (base, token) = local.rsplit_once(separator)?;
    if !base.eq_ignore_ascii_case(bot_local) || token.len() != TOKEN_LEN {
        return None;
    }
    Some(token)
}

/// The domain of olifant's Message-IDs: the bot address's, or `olifant.invalid` when the
/// address has none.
pub fn message_id_domain(bot_address: &str) -> &str {
    bot_address
        .rsplit_once('@')
        .map(|(_, d)| d.trim().trim_end_matches('>'))
        .filter(|d| !d.is_empty())
        .unwrap_or("olifant.invalid")
}

/// The Message-ID (without angle brackets) of a message olifant sends that is not about one
/// prompt: `olifant-{kind}.{id}@{domain}` (`kind` is `digest`, `cmd`, …).
pub fn own_message_id(kind: &str, id: &str, domain: &str) -> String {
    format!("olifant-{kind}.{id}@{domain}")
}

/// The Message-ID (without angle brackets) of a message about a prompt.
/// `suffix` distinguishes the prompt (`""`), its reminder (`"r"`) and receipts (`"c1"`, …).
pub fn message_id(token: &str, suffix: &str, domain: &str) -> String {
    if suffix.is_empty() {
        format!("olifant.{token}@{domain}")
    } else {
        format!("olifant.{token}.{suffix}@{domain}")
    }
}

/// Recovers the token from a Message-ID made by [`message_id`] (angle brackets optional).
pub fn token_from_message_id(message_id: &str) -> Option<&str> {
    let mid = message_id
        .trim()
        .trim_start_matches('<')
        .trim_end_matches('>');
    let (local, _domain) = mid.rsplit_once('@')?;
    let rest = local.strip_prefix("olifant.")?;
    let token = rest.split('.').next()?;
    (token.len() == TOKEN_LEN).then_some(token)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> TokenKey {
        TokenKey::from_bytes(&[7u8; 32]).unwrap()
    }

    #[test]
    fn token_round_trips_and_is_bound_to_the_key() {
        let id = PromptId(0x12_3456_789a);
        let token = key().token(id);
        assert_eq!(token.len(), TOKEN_LEN);
        assert_eq!(key().verify(&token), Some(id));
        assert_eq!(key().verify(&token.to_ascii_uppercase()), Some(id));
        let other = TokenKey::from_bytes(&[8u8; 32]).unwrap();
        assert_eq!(other.verify(&token), None);
    }

    #[test]
    fn any_altered_character_is_rejected() {
        let token = key().token(PromptId(42));
        for i in 0..token.len() {
            let mut bytes = token.clone().into_bytes();
            bytes[i] = if bytes[i] == b'a' { b'b' } else { b'a' };
            let altered = String::from_utf8(bytes).unwrap();
            assert_eq!(key().verify(&altered), None, "altered at {i}: {altered}");
        }
        assert_eq!(key().verify(""), None);
        assert_eq!(key().verify(&token[..23]), None);
    }

    #[test]
    fn short_keys_are_refused() {
        assert!(TokenKey::from_bytes(&[1u8; 31]).is_none());
    }

    #[test]
    fn debug_never_shows_the_key() {
        assert_eq!(format!("{:?}", key()), "TokenKey(<redacted>)");
    }

    #[test]
    fn message_ids_carry_the_bot_domain_and_are_never_mistaken_for_a_prompt() {
        assert_eq!(message_id_domain("olifant@example.test"), "example.test");
        assert_eq!(
            message_id_domain("a@b@mail.example.test"),
            "mail.example.test"
        );
        assert_eq!(message_id_domain("<olifant@example.test>"), "example.test");
        assert_eq!(message_id_domain("olifant"), "olifant.invalid");
        assert_eq!(message_id_domain("olifant@"), "olifant.invalid");
        let digest = own_message_id("digest", "1772409600", "example.test");
        assert_eq!(digest, "olifant-digest.1772409600@example.test");
        assert_eq!(token_from_message_id(&digest), None);
        let token = key().token(PromptId(7));
        let cmd = own_message_id("cmd", &token, "example.test");
        assert_eq!(token_from_message_id(&cmd), None);
    }

    #[test]
    fn token_travels_in_plus_address_and_message_id() {
        let token = key().token(PromptId(99));
        let addr = plus_address("olifant@example.test", '+', &token);
        assert_eq!(
            token_from_address(&addr, "olifant@example.test", '+'),
            Some(token.as_str())
        );
        assert_eq!(token_from_address(&addr, "other@example.test", '+'), None);
        assert_eq!(
            token_from_address("olifant@example.test", "olifant@example.test", '+'),
            None
        );
        let mid = message_id(&token, "r", "example.test");
        assert_eq!(
            token_from_message_id(&format!("<{mid}>")),
            Some(token.as_str())
        );
        assert_eq!(token_from_message_id("<abc@example.test>"), None);
    }

    #[test]
    fn short_ref_is_five_upper_case_characters() {
        let r = short_ref(PromptId(0x12_3456_789a));
        assert_eq!(r.len(), 5);
        assert_eq!(r, r.to_ascii_uppercase());
    }
}
