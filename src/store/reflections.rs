//! Reflections (schema 3): kept in chunks per client, in a compact binary encoding.
//!
//! Two trees:
//!
//! ```text
//! reflection_chunks   client prefix ++ chunk number (u32 BE)  →  CHUNK_VERSION, then entries
//!                     entry = ReflectionId key (9 bytes) ++ record length (u32 LE) ++ record
//! reflection_ids      ReflectionId key                        →  the chunk key holding it
//! ```
//!
//! One client's reflections are a prefix scan over a few dozen chunks (instead of one sled
//! item per reflection: sled's cost is per item, so ten years of weekly reflections read in a
//! tenth of the time), and `reflection_ids` finds one reflection by id (a reply merged into
//! the reflection of its prompt). New reflections go into the client's last chunk until it
//! holds [`MAX_ENTRIES`] or [`MAX_BYTES`]; a reflection written again is rewritten in place,
//! in the chunk its pointer names.
//!
//! Writes are ordered, not transactional (see [`Store::store_reply`]): the pointer first, then
//! the chunk. A reader scanning a client's chunks finds only complete records; a pointer whose
//! chunk lacks the record (a crash between the two writes) is treated as absent, and the next
//! write of that id repairs it. Only a reflection moving to another client (never done by
//! ingest) takes a transaction. All reflection writes are serialized by a lock in the store
//! (each is a read-modify-write of a chunk).

use std::collections::{BTreeMap, HashMap};

use chrono::DateTime;
use sled::transaction::{ConflictableTransactionError, Transactional};

use super::{RawMeta, ReflectionId, Store, StoreError};
use crate::model::{Answer, ClientKey, PromptId, PromptRecord, Reflection};

/// First byte of every chunk value; bump (with a migration) when the encoding changes.
pub(super) const CHUNK_VERSION: u8 = 1;
/// A chunk takes new reflections until it holds this many…
pub(super) const MAX_ENTRIES: usize = 32;
/// …or this many bytes (a larger single reflection gets a chunk of its own).
pub(super) const MAX_BYTES: usize = 8 * 1024;
const ID_LEN: usize = 9;
const CHUNK_NO_LEN: usize = 4;

fn bad(detail: impl Into<String>) -> StoreError {
    StoreError::Decode {
        what: "reflection",
        detail: detail.into(),
    }
}

// ── keys ─────────────────────────────────────────────────────────────────────────────

/// The part of a chunk key shared by all of one client's chunks: the key's length (u32,
/// big-endian) and its bytes. The length makes the encoding prefix-free, so the chunks of
/// `acme` never show up in a scan for `acme-2` (or the other way round), whatever characters
/// a key holds.
pub(super) fn client_prefix(client: &ClientKey) -> Vec<u8> {
    let key = client.as_str().as_bytes();
    let mut k = Vec::with_capacity(4 + key.len() + CHUNK_NO_LEN);
    // A client key longer than 4 GiB cannot be stored in sled anyway.
    k.extend_from_slice(&(key.len() as u32).to_be_bytes());
    k.extend_from_slice(key);
    k
}

/// The key of chunk `n` of the client with this [`client_prefix`].
pub(super) fn chunk_key(prefix: &[u8], n: u32) -> Vec<u8> {
    let mut k = Vec::with_capacity(prefix.len() + CHUNK_NO_LEN);
    k.extend_from_slice(prefix);
    k.extend_from_slice(&n.to_be_bytes());
    k
}

/// Splits a chunk key into the client key and the chunk number.
fn split_chunk_key(k: &[u8]) -> Result<(ClientKey, u32), StoreError> {
    let bad = || StoreError::Decode {
        what: "reflection chunk key",
        detail: format!("{} bytes", k.len()),
    };
    let len = k
        .get(..4)
        .and_then(|b| <[u8; 4]>::try_from(b).ok())
        .map(u32::from_be_bytes)
        .ok_or_else(bad)? as usize;
    let name = k.get(4..4 + len).ok_or_else(bad)?;
    let n = k
        .get(4 + len..)
        .and_then(|b| <[u8; 4]>::try_from(b).ok())
        .map(u32::from_be_bytes)
        .ok_or_else(bad)?;
    let name = std::str::from_utf8(name).map_err(|_| bad())?;
    Ok((client_key_from_stored(name).map_err(|_| bad())?, n))
}

/// Whether `key` is a chunk key of the client with this prefix.
fn is_chunk_of(key: &[u8], prefix: &[u8]) -> bool {
    key.len() == prefix.len() + CHUNK_NO_LEN && key.starts_with(prefix)
}

/// A client key exactly as stored (no folding again), through its serde form.
fn client_key_from_stored(key: &str) -> Result<ClientKey, serde::de::value::Error> {
    use serde::de::IntoDeserializer;
    use serde::Deserialize;
    ClientKey::deserialize(key.into_deserializer())
}

// ── records ──────────────────────────────────────────────────────────────────────────

fn put_str(out: &mut Vec<u8>, s: &str) {
    // Strings in a reflection come from one mail message (≤ MAX_RAW), far below 4 GiB.
    out.extend_from_slice(&(s.len() as u32).to_le_bytes());
    out.extend_from_slice(s.as_bytes());
}

/// A reflection without its client (that is in the chunk key):
///
/// ```text
/// date seconds (i64 LE) ++ nanoseconds (u32 LE) ++ prompt (0, or 1 ++ u64 LE)
/// ++ answer count (u32 LE) ++ per answer: key, flags (1 = rating, 2 = comment), rating, [comment]
/// ++ notes ++ source count (u32 LE) ++ sources          (strings: length u32 LE ++ UTF-8)
/// ```
pub(super) fn encode_record(r: &Reflection) -> Vec<u8> {
    let mut o = Vec::with_capacity(64 + r.answers.len() * 16 + r.notes.len());
    o.extend_from_slice(&r.date.timestamp().to_le_bytes());
    o.extend_from_slice(&r.date.timestamp_subsec_nanos().to_le_bytes());
    match r.prompt {
        None => o.push(0),
        Some(p) => {
            o.push(1);
            o.extend_from_slice(&p.0.to_le_bytes());
        }
    }
    o.extend_from_slice(&(r.answers.len() as u32).to_le_bytes());
    for (key, a) in &r.answers {
        put_str(&mut o, key);
        o.push(u8::from(a.rating.is_some()) | (u8::from(a.comment.is_some()) << 1));
        o.push(a.rating.unwrap_or(0));
        if let Some(c) = &a.comment {
            put_str(&mut o, c);
        }
    }
    put_str(&mut o, &r.notes);
    o.extend_from_slice(&(r.sources.len() as u32).to_le_bytes());
    for s in &r.sources {
        put_str(&mut o, s);
    }
    o
}

struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], StoreError> {
        if self.0.len() < n {
            return Err(bad("the record ends early"));
        }
        let (a, b) = self.0.split_at(n);
        self.0 = b;
        Ok(a)
    }
    fn array<const N: usize>(&mut self) -> Result<[u8; N], StoreError> {
        let mut a = [0u8; N];
        a.copy_from_slice(self.take(N)?);
        Ok(a)
    }
    fn u8(&mut self) -> Result<u8, StoreError> {
        Ok(self.array::<1>()?[0])
    }
    fn u32(&mut self) -> Result<u32, StoreError> {
        Ok(u32::from_le_bytes(self.array()?))
    }
    fn string(&mut self) -> Result<String, StoreError> {
        let n = self.u32()? as usize;
        let b = self.take(n)?;
        Ok(std::str::from_utf8(b)
            .map_err(|_| bad("a text is not UTF-8"))?
            .to_owned())
    }
    /// A count of items each at least `min` bytes long (so a damaged count cannot make us
    /// reserve more than the record could hold).
    fn count(&mut self, min: usize) -> Result<usize, StoreError> {
        let n = self.u32()? as usize;
        if n.saturating_mul(min) > self.0.len() {
            return Err(bad(format!("a count of {n} does not fit the record")));
        }
        Ok(n)
    }
}

/// The inverse of [`encode_record`], for the client whose chunk it came from.
pub(super) fn decode_record(client: &ClientKey, bytes: &[u8]) -> Result<Reflection, StoreError> {
    let mut r = Reader(bytes);
    let secs = i64::from_le_bytes(r.array()?);
    let nanos = r.u32()?;
    let date = DateTime::from_timestamp(secs, nanos).ok_or_else(|| bad("date out of range"))?;
    let prompt = match r.u8()? {
        0 => None,
        1 => Some(PromptId(u64::from_le_bytes(r.array()?))),
        t => return Err(bad(format!("prompt tag {t}"))),
    };
    let n = r.count(6)?;
    let mut answers = Vec::with_capacity(n);
    for _ in 0..n {
        let key = r.string()?;
        let flags = r.u8()?;
        let rating = r.u8()?;
        let comment = if flags & 2 != 0 {
            Some(r.string()?)
        } else {
            None
        };
        answers.push((
            key,
            Answer {
                rating: (flags & 1 != 0).then_some(rating),
                comment,
            },
        ));
    }
    let notes = r.string()?;
    let n = r.count(4)?;
    let mut sources = Vec::with_capacity(n);
    for _ in 0..n {
        sources.push(r.string()?);
    }
    if !r.0.is_empty() {
        return Err(bad(format!("{} bytes after the record", r.0.len())));
    }
    Ok(Reflection {
        client: client.clone(),
        prompt,
        date,
        // Written from a BTreeMap, so already sorted: collecting builds it in bulk.
        answers: answers.into_iter().collect::<BTreeMap<_, _>>(),
        notes,
        sources,
    })
}

// ── chunks ───────────────────────────────────────────────────────────────────────────

/// The entries of a chunk as (id, record bytes), in stored order.
pub(super) fn entries(chunk: &[u8]) -> Result<Vec<(ReflectionId, &[u8])>, StoreError> {
    let bad = |d: &str| StoreError::Decode {
        what: "reflection chunk",
        detail: d.to_string(),
    };
    match chunk.first() {
        Some(&CHUNK_VERSION) => {}
        Some(v) => {
            return Err(bad(&format!(
                "encoding version {v}, this build reads {CHUNK_VERSION}"
            )))
        }
        None => return Err(bad("empty")),
    }
    let mut rest = &chunk[1..];
    let mut v = Vec::with_capacity(MAX_ENTRIES);
    while !rest.is_empty() {
        let head = rest
            .get(..ID_LEN + 4)
            .ok_or_else(|| bad("an entry ends early"))?;
        let id = ReflectionId::from_key(&head[..ID_LEN]).ok_or_else(|| bad("a bad id"))?;
        let mut len = [0u8; 4];
        len.copy_from_slice(&head[ID_LEN..]);
        let len = u32::from_le_bytes(len) as usize;
        let record = rest
            .get(ID_LEN + 4..ID_LEN + 4 + len)
            .ok_or_else(|| bad("a record ends early"))?;
        v.push((id, record));
        rest = &rest[ID_LEN + 4 + len..];
    }
    Ok(v)
}

fn push_entry(chunk: &mut Vec<u8>, id: ReflectionId, record: &[u8]) {
    chunk.extend_from_slice(&id.to_key());
    chunk.extend_from_slice(&(record.len() as u32).to_le_bytes());
    chunk.extend_from_slice(record);
}

/// `chunk` with the entry for `id` replaced by `record` (or dropped when `None`); `None`
/// when the chunk holds no entry for `id`.
fn splice(
    chunk: &[u8],
    id: ReflectionId,
    record: Option<&[u8]>,
) -> Result<Option<Vec<u8>>, StoreError> {
    let list = entries(chunk)?;
    if !list.iter().any(|(i, _)| *i == id) {
        return Ok(None);
    }
    let mut out = Vec::with_capacity(chunk.len() + record.map_or(0, <[u8]>::len));
    out.push(CHUNK_VERSION);
    for (i, r) in list {
        if i != id {
            push_entry(&mut out, i, r);
        } else if let Some(new) = record {
            push_entry(&mut out, i, new);
        }
    }
    Ok(Some(out))
}

/// A chunk key and its value.
pub(super) type Chunk = (Vec<u8>, Vec<u8>);

/// A chunk being filled while building them all at once (the schema 3 migration).
#[derive(Default)]
pub(super) struct ChunkBuilder {
    /// Client prefix → (chunk number, bytes, entries).
    open: HashMap<Vec<u8>, (u32, Vec<u8>, usize)>,
}

impl ChunkBuilder {
    /// Adds a record; returns a chunk that is full (key, value) to write, and the key of the
    /// chunk the record went into.
    pub(super) fn add(
        &mut self,
        client: &ClientKey,
        id: ReflectionId,
        record: &[u8],
    ) -> (Option<Chunk>, Vec<u8>) {
        let prefix = client_prefix(client);
        let slot = self
            .open
            .entry(prefix.clone())
            .or_insert_with(|| (0, vec![CHUNK_VERSION], 0));
        let mut full = None;
        if slot.2 > 0 && !has_room(slot.1.len(), slot.2, record.len()) {
            let done = std::mem::replace(&mut slot.1, vec![CHUNK_VERSION]);
            full = Some((chunk_key(&prefix, slot.0), done));
            slot.0 += 1;
            slot.2 = 0;
        }
        push_entry(&mut slot.1, id, record);
        slot.2 += 1;
        (full, chunk_key(&prefix, slot.0))
    }

    /// The chunks still open (key, value).
    pub(super) fn finish(self) -> impl Iterator<Item = Chunk> {
        self.open
            .into_iter()
            .map(|(prefix, (n, bytes, _))| (chunk_key(&prefix, n), bytes))
    }
}

fn has_room(chunk_len: usize, count: usize, record_len: usize) -> bool {
    count < MAX_ENTRIES && chunk_len + ID_LEN + 4 + record_len <= MAX_BYTES
}

// ── the store's reflection methods ───────────────────────────────────────────────────

impl Store {
    fn reflection_id(&self, reflection: &Reflection) -> Result<ReflectionId, StoreError> {
        Ok(match reflection.prompt {
            Some(p) => ReflectionId::Prompt(p),
            None => ReflectionId::Local(self.db().generate_id()?),
        })
    }

    /// Stores a reflection and returns its id: the prompt's id when it answers one (so a
    /// second reply replaces the record: merge with [`Store::reflection_for_prompt`] first),
    /// else a fresh id.
    pub fn put_reflection(&self, reflection: &Reflection) -> Result<ReflectionId, StoreError> {
        let id = self.reflection_id(reflection)?;
        self.replace_reflection(id, reflection)?;
        Ok(id)
    }

    /// Writes `reflection` under `id` (reparse uses this to rewrite in place).
    pub fn replace_reflection(
        &self,
        id: ReflectionId,
        reflection: &Reflection,
    ) -> Result<(), StoreError> {
        let _guard = self.reflections_lock();
        self.write_reflection(id, reflection)
    }

    /// Writes one reflection: the pointer (when new), then its chunk. The caller holds the
    /// reflections lock.
    fn write_reflection(
        &self,
        id: ReflectionId,
        reflection: &Reflection,
    ) -> Result<(), StoreError> {
        let t = self.trees();
        let record = encode_record(reflection);
        let prefix = client_prefix(&reflection.client);
        let id_key = id.to_key();
        let old = t.reflection_ids.get(id_key)?;
        if let Some(old_key) = &old {
            if is_chunk_of(old_key, &prefix) {
                // Rewritten in place (a merged reply, a reparse): one write.
                if let Some(chunk) = t.reflection_chunks.get(old_key)? {
                    if let Some(new) = splice(&chunk, id, Some(&record))? {
                        t.reflection_chunks.insert(old_key, new)?;
                        return Ok(());
                    }
                }
                // Else the pointer dangles (a crash before its chunk was written): append.
            } else {
                return self.move_reflection(id, old_key, &prefix, &record);
            }
        }
        let (key, mut chunk) = self.open_chunk(&prefix, record.len())?;
        if old.as_deref() != Some(key.as_slice()) {
            t.reflection_ids.insert(id_key, key.as_slice())?;
        }
        push_entry(&mut chunk, id, &record);
        t.reflection_chunks.insert(key, chunk)?;
        Ok(())
    }

    /// The client's chunk that takes a record of `len` bytes: its last one when it has room,
    /// else a new one (key, current bytes).
    fn open_chunk(&self, prefix: &[u8], len: usize) -> Result<(Vec<u8>, Vec<u8>), StoreError> {
        let last = self
            .trees()
            .reflection_chunks
            .scan_prefix(prefix)
            .next_back()
            .transpose()?;
        let Some((key, value)) = last else {
            return Ok((chunk_key(prefix, 0), vec![CHUNK_VERSION]));
        };
        let (_, n) = split_chunk_key(&key)?;
        if has_room(value.len(), entries(&value)?.len(), len) {
            return Ok((key.to_vec(), value.to_vec()));
        }
        let next = n.checked_add(1).ok_or_else(|| StoreError::Decode {
            what: "reflection chunk key",
            detail: "no chunk number left for this client".into(),
        })?;
        Ok((chunk_key(prefix, next), vec![CHUNK_VERSION]))
    }

    /// A reflection whose client changed (an import or reparse, never ingest): out of the old
    /// client's chunk, into the new client's, pointer updated, in one transaction.
    fn move_reflection(
        &self,
        id: ReflectionId,
        old_key: &[u8],
        prefix: &[u8],
        record: &[u8],
    ) -> Result<(), StoreError> {
        let t = self.trees();
        let old_chunk = match t.reflection_chunks.get(old_key)? {
            Some(c) => splice(&c, id, None)?,
            None => None,
        };
        let (key, mut chunk) = self.open_chunk(prefix, record.len())?;
        push_entry(&mut chunk, id, record);
        (&t.reflection_chunks, &t.reflection_ids)
            .transaction(|(chunks, ids)| {
                match &old_chunk {
                    Some(c) if c.len() > 1 => {
                        chunks.insert(old_key, c.as_slice())?;
                    }
                    Some(_) => {
                        chunks.remove(old_key)?;
                    }
                    None => {}
                }
                chunks.insert(key.as_slice(), chunk.as_slice())?;
                ids.insert(&id.to_key(), key.as_slice())?;
                Ok::<_, ConflictableTransactionError<()>>(())
            })
            .map_err(super::records::tx_error)
    }

    /// The reflection stored under `id`, if any (a pointer whose chunk lacks it counts as
    /// none).
    fn reflection_by_id(&self, id: ReflectionId) -> Result<Option<Reflection>, StoreError> {
        let t = self.trees();
        let Some(key) = t.reflection_ids.get(id.to_key())? else {
            return Ok(None);
        };
        let Some(chunk) = t.reflection_chunks.get(&key)? else {
            return Ok(None);
        };
        let (client, _) = split_chunk_key(&key)?;
        match entries(&chunk)?.into_iter().find(|(i, _)| *i == id) {
            Some((_, record)) => decode_record(&client, record).map(Some),
            None => Ok(None),
        }
    }

    /// The reflection answering this prompt.
    pub fn reflection_for_prompt(
        &self,
        prompt: PromptId,
    ) -> Result<Option<Reflection>, StoreError> {
        self.reflection_by_id(ReflectionId::Prompt(prompt))
    }

    /// All reflections with their ids, oldest first (by `date`).
    ///
    /// Holds every reflection in memory: for one client use [`Store::reflections_for`].
    pub fn reflections_with_ids(&self) -> Result<Vec<(ReflectionId, Reflection)>, StoreError> {
        let mut v = Vec::new();
        for item in self.trees().reflection_chunks.iter() {
            let (k, chunk) = item?;
            let (client, _) = split_chunk_key(&k)?;
            for (id, record) in entries(&chunk)? {
                v.push((id, decode_record(&client, record)?));
            }
        }
        v.sort_by(|a, b| a.1.date.cmp(&b.1.date).then(a.0.cmp(&b.0)));
        Ok(v)
    }

    /// All reflections, oldest first.
    ///
    /// Holds every reflection in memory: for one client use [`Store::reflections_for`].
    pub fn reflections(&self) -> Result<Vec<Reflection>, StoreError> {
        Ok(self
            .reflections_with_ids()?
            .into_iter()
            .map(|(_, r)| r)
            .collect())
    }

    /// The reflections about one client, oldest first (by `date`, then id, as in
    /// [`Store::reflections`]). Reads only that client's chunks.
    pub fn reflections_for(&self, client: &ClientKey) -> Result<Vec<Reflection>, StoreError> {
        let prefix = client_prefix(client);
        let mut v = Vec::new();
        for item in self.trees().reflection_chunks.scan_prefix(&prefix) {
            let (_, chunk) = item?;
            for (id, record) in entries(&chunk)? {
                v.push((id, decode_record(client, record)?));
            }
        }
        v.sort_by(|a, b| a.1.date.cmp(&b.1.date).then(a.0.cmp(&b.0)));
        Ok(v.into_iter().map(|(_, r)| r).collect())
    }

    /// Every client key that has reflections, in key order, including clients no longer in
    /// the client list. Reads one key per client.
    pub fn reflection_clients(&self) -> Result<Vec<ClientKey>, StoreError> {
        let tree = &self.trees().reflection_chunks;
        let mut keys = Vec::new();
        let mut from: Option<Vec<u8>> = None;
        loop {
            let next = match &from {
                None => tree.first()?,
                Some(after) => tree
                    .range::<&[u8], _>((
                        std::ops::Bound::Excluded(after.as_slice()),
                        std::ops::Bound::Unbounded,
                    ))
                    .next()
                    .transpose()?,
            };
            let Some((k, _)) = next else {
                return Ok(keys);
            };
            let (client, _) = split_chunk_key(&k)?;
            // This client's last possible chunk key.
            from = Some(chunk_key(&client_prefix(&client), u32::MAX));
            keys.push(client);
        }
    }

    /// Deletes every reflection (before a reparse or reingest rebuilds them).
    pub fn clear_reflections(&self) -> Result<(), StoreError> {
        let _guard = self.reflections_lock();
        // Chunks first: a pointer without its record is treated as absent.
        self.trees().reflection_chunks.clear()?;
        self.trees().reflection_ids.clear()?;
        Ok(())
    }

    /// Stores a reply: the raw message, the reflection and, when given, the updated prompt
    /// (e.g. status answered), then the raw message's meta. Returns the reflection's id.
    ///
    /// Not one multi-tree transaction: sled's costs ~40 µs a reply on the reference machine
    /// (measured), more than everything else olifant does with a reply. Instead the meta —
    /// the marker by which a message counts as seen — is written last, and a reader that
    /// finds it checks that the reflection lists this raw id ([`Store::reply_recorded`]), so
    /// a crash between the writes means the reply is simply handled again. Merging a reply
    /// into its reflection is idempotent per raw id. The prompt's Message-ID index is not
    /// rewritten: a prompt's ids never change after [`Store::put_prompt`] indexed them.
    ///
    /// Writes: the raw bytes, the reflection's pointer (only for a new reflection), its chunk,
    /// the prompt (when given), the meta.
    pub fn store_reply(
        &self,
        reflection: &Reflection,
        raw_id: &str,
        raw: &[u8],
        meta: &RawMeta,
        prompt: Option<&PromptRecord>,
    ) -> Result<ReflectionId, StoreError> {
        let id = self.reflection_id(reflection)?;
        let meta_value = super::records::encode("raw message meta", meta)?;
        let prompt_value = prompt
            .map(|p| super::records::encode("prompt", p))
            .transpose()?;
        let t = self.trees();
        t.raw_body.insert(raw_id.as_bytes(), raw)?;
        {
            let _guard = self.reflections_lock();
            self.write_reflection(id, reflection)?;
        }
        if let (Some(p), Some(value)) = (prompt, prompt_value) {
            t.prompts.insert(p.id.0.to_be_bytes(), value)?;
        }
        t.raw_meta.insert(raw_id.as_bytes(), meta_value)?;
        Ok(id)
    }

    /// Whether the reflection answering `prompt` includes the raw message `raw_id` (see
    /// [`Store::store_reply`]: a seen marker without it means a crash cut the writes short).
    pub fn reply_recorded(&self, prompt: PromptId, raw_id: &str) -> Result<bool, StoreError> {
        Ok(self
            .reflection_for_prompt(prompt)?
            .is_some_and(|r| r.sources.iter().any(|s| s == raw_id)))
    }
}

#[cfg(test)]
mod tests;
