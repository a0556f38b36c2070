//! Typed reads and writes, one section per kind of record.

use chrono::{DateTime, Utc};
use serde::de::DeserializeOwned;
use serde::Serialize;
use sled::transaction::{
    ConflictableTransactionError, TransactionError, Transactional, TransactionalTree,
};

use super::{
    Checkpoint, Event, Meta, OutgoingRecord, RawMeta, RawOutcome, ReflectionId, Store, StoreError,
};
use crate::model::{Client, ClientKey, PromptId, PromptRecord, QuarantineEntry, Reflection};

const META_KEY: &[u8] = b"meta";

fn encode<T: Serialize>(what: &'static str, v: &T) -> Result<Vec<u8>, StoreError> {
    serde_json::to_vec(v).map_err(|e| StoreError::Decode {
        what,
        detail: format!("cannot encode: {e}"),
    })
}

fn decode<T: DeserializeOwned>(what: &'static str, bytes: &[u8]) -> Result<T, StoreError> {
    serde_json::from_slice(bytes).map_err(|e| StoreError::Decode {
        what,
        detail: e.to_string(),
    })
}

fn all<T: DeserializeOwned>(what: &'static str, tree: &sled::Tree) -> Result<Vec<T>, StoreError> {
    tree.iter().values().map(|v| decode(what, &v?)).collect()
}

fn get<T: DeserializeOwned>(
    what: &'static str,
    tree: &sled::Tree,
    key: &[u8],
) -> Result<Option<T>, StoreError> {
    tree.get(key)?.map(|v| decode(what, &v)).transpose()
}

/// Time as a key that sorts chronologically (microseconds, sign bit flipped, big-endian).
fn time_key(at: DateTime<Utc>) -> [u8; 8] {
    ((at.timestamp_micros() as u64) ^ (1 << 63)).to_be_bytes()
}

fn message_id_key(id: &str) -> Vec<u8> {
    id.trim()
        .trim_start_matches('<')
        .trim_end_matches('>')
        .as_bytes()
        .to_vec()
}

/// The part of [`client_index_key`] shared by all of one client's reflections: the key's
/// length (u32, big-endian) and its bytes. The length makes the encoding prefix-free, so the
/// reflections of `acme` never show up in a scan for `acme-2` (or the other way round),
/// whatever characters a key holds.
pub(super) fn client_prefix(client: &ClientKey) -> Vec<u8> {
    let key = client.as_str().as_bytes();
    let mut k = Vec::with_capacity(4 + key.len() + 9);
    // A client key longer than 4 GiB cannot be stored in sled anyway.
    k.extend_from_slice(&(key.len() as u32).to_be_bytes());
    k.extend_from_slice(key);
    k
}

/// Key in `reflections_by_client`: [`client_prefix`] then [`ReflectionId::to_key`].
pub(super) fn client_index_key(client: &ClientKey, id: ReflectionId) -> Vec<u8> {
    let mut k = client_prefix(client);
    k.extend_from_slice(&id.to_key());
    k
}

/// A client key exactly as stored (no folding again), through its serde form.
fn client_key_from_stored(key: &str) -> Result<ClientKey, serde::de::value::Error> {
    use serde::de::IntoDeserializer;
    use serde::Deserialize;
    ClientKey::deserialize(key.into_deserializer())
}

/// Just the client of a stored reflection (cheaper than decoding all of it).
#[derive(serde::Deserialize)]
pub(super) struct ClientOf {
    pub(super) client: ClientKey,
}

/// Writes a reflection and its index entry inside a transaction over
/// (`reflections`, `reflections_by_client`). When the id held a reflection about another
/// client, that client's index entry goes.
fn write_reflection_tx(
    reflections: &TransactionalTree,
    by_client: &TransactionalTree,
    id: ReflectionId,
    client: &ClientKey,
    value: &[u8],
) -> Result<(), ConflictableTransactionError<()>> {
    if let Some(old) = reflections.insert(&id.to_key(), value)? {
        // An undecodable old record leaves at most a stale index entry, which
        // `reflections_for` skips (it checks each record's client).
        if let Ok(old) = serde_json::from_slice::<ClientOf>(&old) {
            if &old.client != client {
                by_client.remove(client_index_key(&old.client, id))?;
            }
        }
    }
    by_client.insert(client_index_key(client, id), &[])?;
    Ok(())
}

fn tx_error(e: TransactionError<()>) -> StoreError {
    match e {
        TransactionError::Storage(e) => StoreError::Sled(e),
        // Our closures never abort.
        TransactionError::Abort(()) => StoreError::Decode {
            what: "transaction",
            detail: "aborted".into(),
        },
    }
}

impl Store {
    // ── clients ──────────────────────────────────────────────────────────────────────

    /// Inserts or replaces a client (keyed by [`Client::key`]).
    pub fn put_client(&self, client: &Client) -> Result<(), StoreError> {
        self.trees()
            .clients
            .insert(client.key().as_str(), encode("client", client)?)?;
        Ok(())
    }

    /// The client with this key.
    pub fn client(&self, key: &ClientKey) -> Result<Option<Client>, StoreError> {
        get("client", &self.trees().clients, key.as_str().as_bytes())
    }

    /// All clients, sorted by key (the name, case and spacing folded).
    pub fn clients(&self) -> Result<Vec<Client>, StoreError> {
        all("client", &self.trees().clients)
    }

    /// Removes a client; its prompts and reflections stay. Returns whether it existed.
    pub fn remove_client(&self, key: &ClientKey) -> Result<bool, StoreError> {
        Ok(self.trees().clients.remove(key.as_str())?.is_some())
    }

    // ── prompts ──────────────────────────────────────────────────────────────────────

    /// Inserts or replaces a prompt, indexing its Message-ID and its reminder's.
    pub fn put_prompt(&self, prompt: &PromptRecord) -> Result<(), StoreError> {
        let value = encode("prompt", prompt)?;
        let id = prompt.id.0.to_be_bytes();
        let t = self.trees();
        (&t.prompts, &t.prompt_index)
            .transaction(|(prompts, index)| {
                prompts.insert(&id, value.as_slice())?;
                index.insert(message_id_key(&prompt.message_id), &id)?;
                if let Some(r) = &prompt.reminder {
                    index.insert(message_id_key(&r.message_id), &id)?;
                }
                Ok::<_, ConflictableTransactionError<()>>(())
            })
            .map_err(tx_error)
    }

    /// The prompt with this id.
    pub fn prompt(&self, id: PromptId) -> Result<Option<PromptRecord>, StoreError> {
        get("prompt", &self.trees().prompts, &id.0.to_be_bytes())
    }

    /// All prompts, oldest first (by `created_at`).
    pub fn prompts(&self) -> Result<Vec<PromptRecord>, StoreError> {
        let mut v: Vec<PromptRecord> = all("prompt", &self.trees().prompts)?;
        v.sort_by(|a, b| a.created_at.cmp(&b.created_at).then(a.id.cmp(&b.id)));
        Ok(v)
    }

    /// The prompts about one client, oldest first.
    pub fn prompts_for(&self, client: &ClientKey) -> Result<Vec<PromptRecord>, StoreError> {
        let mut v = self.prompts()?;
        v.retain(|p| &p.client == client);
        Ok(v)
    }

    /// The prompt whose Message-ID (or whose reminder's) is `message_id` (angle brackets
    /// optional).
    pub fn prompt_by_message_id(
        &self,
        message_id: &str,
    ) -> Result<Option<PromptRecord>, StoreError> {
        let Some(id) = self.trees().prompt_index.get(message_id_key(message_id))? else {
            return Ok(None);
        };
        let bytes: [u8; 8] = id.as_ref().try_into().map_err(|_| StoreError::Decode {
            what: "prompt index",
            detail: format!("{} bytes, expected 8", id.len()),
        })?;
        self.prompt(PromptId(u64::from_be_bytes(bytes)))
    }

    // ── reflections ──────────────────────────────────────────────────────────────────

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
        let value = encode("reflection", reflection)?;
        let t = self.trees();
        (&t.reflections, &t.reflections_by_client)
            .transaction(|(reflections, by_client)| {
                write_reflection_tx(reflections, by_client, id, &reflection.client, &value)
            })
            .map_err(tx_error)
    }

    /// The reflection answering this prompt.
    pub fn reflection_for_prompt(
        &self,
        prompt: PromptId,
    ) -> Result<Option<Reflection>, StoreError> {
        get(
            "reflection",
            &self.trees().reflections,
            &ReflectionId::Prompt(prompt).to_key(),
        )
    }

    /// All reflections with their ids, oldest first (by `date`).
    ///
    /// Holds every reflection in memory: for one client use [`Store::reflections_for`].
    pub fn reflections_with_ids(&self) -> Result<Vec<(ReflectionId, Reflection)>, StoreError> {
        let mut v = Vec::new();
        for item in self.trees().reflections.iter() {
            let (k, value) = item?;
            let id = ReflectionId::from_key(&k).ok_or_else(|| StoreError::Decode {
                what: "reflection key",
                detail: format!("{} bytes", k.len()),
            })?;
            v.push((id, decode::<Reflection>("reflection", &value)?));
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
    /// [`Store::reflections`]). Reads only that client's records, through the index.
    pub fn reflections_for(&self, client: &ClientKey) -> Result<Vec<Reflection>, StoreError> {
        let t = self.trees();
        let prefix = client_prefix(client);
        let mut v = Vec::new();
        for item in t.reflections_by_client.scan_prefix(&prefix) {
            let (k, _) = item?;
            let Some(id) = k.get(prefix.len()..).and_then(ReflectionId::from_key) else {
                return Err(StoreError::Decode {
                    what: "reflection index key",
                    detail: format!("{} bytes", k.len()),
                });
            };
            // The index may lag a record only after a crash mid-clear or an undecodable old
            // record: trust the record itself.
            let Some(value) = t.reflections.get(id.to_key())? else {
                continue;
            };
            let r: Reflection = decode("reflection", &value)?;
            if &r.client == client {
                v.push((id, r));
            }
        }
        v.sort_by(|a, b| a.1.date.cmp(&b.1.date).then(a.0.cmp(&b.0)));
        Ok(v.into_iter().map(|(_, r)| r).collect())
    }

    /// Every client key that has reflections (per the index), in index order, including
    /// clients no longer in the client list. Reads keys only, one per client.
    pub fn reflection_clients(&self) -> Result<Vec<ClientKey>, StoreError> {
        let tree = &self.trees().reflections_by_client;
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
            let bad = || StoreError::Decode {
                what: "reflection index key",
                detail: format!("{} bytes", k.len()),
            };
            let len = k
                .get(..4)
                .and_then(|b| <[u8; 4]>::try_from(b).ok())
                .map(u32::from_be_bytes)
                .ok_or_else(bad)? as usize;
            let name = k.get(4..4 + len).ok_or_else(bad)?;
            let name = std::str::from_utf8(name).map_err(|_| bad())?;
            // Every key of this client is at most its prefix followed by nine 0xFF bytes.
            let mut last = k[..4 + len].to_vec();
            last.extend_from_slice(&[0xFF; 9]);
            keys.push(client_key_from_stored(name).map_err(|_| bad())?);
            from = Some(last);
        }
    }

    /// Deletes every reflection (before a reparse or reingest rebuilds them).
    pub fn clear_reflections(&self) -> Result<(), StoreError> {
        // Records first: an index entry without its record is skipped when read.
        self.trees().reflections.clear()?;
        self.trees().reflections_by_client.clear()?;
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
    pub fn store_reply(
        &self,
        reflection: &Reflection,
        raw_id: &str,
        raw: &[u8],
        meta: &RawMeta,
        prompt: Option<&PromptRecord>,
    ) -> Result<ReflectionId, StoreError> {
        let id = self.reflection_id(reflection)?;
        let reflection_value = encode("reflection", reflection)?;
        let meta_value = encode("raw message meta", meta)?;
        let prompt_value = prompt.map(|p| encode("prompt", p)).transpose()?;
        let t = self.trees();
        t.raw_body.insert(raw_id.as_bytes(), raw)?;
        // The index entry first: `reflections_for` skips an entry whose record is missing,
        // but could never find a record without its entry.
        t.reflections_by_client
            .insert(client_index_key(&reflection.client, id), &[])?;
        if let Some(old) = t.reflections.insert(id.to_key(), reflection_value)? {
            if let Ok(old) = serde_json::from_slice::<ClientOf>(&old) {
                if old.client != reflection.client {
                    t.reflections_by_client
                        .remove(client_index_key(&old.client, id))?;
                }
            }
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

    // ── raw messages ─────────────────────────────────────────────────────────────────

    /// Keeps a raw message and what was decided about it, under its dedup id
    /// (Message-ID or `sha256:<hex>`). Replaces an earlier entry with the same id.
    ///
    /// The bytes are written before the meta, which marks the message as seen (no
    /// transaction, see [`Store::store_reply`]): a crash in between leaves bytes nobody
    /// points at, which the next handling of that message overwrites.
    pub fn put_raw(&self, dedup_id: &str, raw: &[u8], meta: &RawMeta) -> Result<(), StoreError> {
        let meta_value = encode("raw message meta", meta)?;
        let t = self.trees();
        t.raw_body.insert(dedup_id.as_bytes(), raw)?;
        t.raw_meta.insert(dedup_id.as_bytes(), meta_value)?;
        Ok(())
    }

    /// What was decided about a raw message (without reading its bytes).
    pub fn raw_meta(&self, dedup_id: &str) -> Result<Option<RawMeta>, StoreError> {
        get(
            "raw message meta",
            &self.trees().raw_meta,
            dedup_id.as_bytes(),
        )
    }

    /// A raw message and its meta.
    pub fn raw(&self, dedup_id: &str) -> Result<Option<(RawMeta, Vec<u8>)>, StoreError> {
        let Some(meta) = get::<RawMeta>(
            "raw message meta",
            &self.trees().raw_meta,
            dedup_id.as_bytes(),
        )?
        else {
            return Ok(None);
        };
        let body = self
            .trees()
            .raw_body
            .get(dedup_id)?
            .map(|b| b.to_vec())
            .unwrap_or_default();
        Ok(Some((meta, body)))
    }

    /// Every raw message as `(dedup id, meta, bytes)`, in dedup-id order (for reparse).
    pub fn raws(
        &self,
    ) -> impl Iterator<Item = Result<(String, RawMeta, Vec<u8>), StoreError>> + '_ {
        self.trees().raw_meta.iter().map(move |item| {
            let (k, v) = item?;
            let id = String::from_utf8(k.to_vec()).map_err(|_| StoreError::Decode {
                what: "raw message id",
                detail: "not UTF-8".into(),
            })?;
            let meta: RawMeta = decode("raw message meta", &v)?;
            let body = self
                .trees()
                .raw_body
                .get(&k)?
                .map(|b| b.to_vec())
                .unwrap_or_default();
            Ok((id, meta, body))
        })
    }

    /// What was decided about every raw message, without the bytes, in dedup-id order.
    pub fn raw_metas(&self) -> impl Iterator<Item = Result<RawMeta, StoreError>> + '_ {
        self.trees()
            .raw_meta
            .iter()
            .values()
            .map(|v| decode("raw message meta", &v?))
    }

    /// Whether a message with this dedup id was already handled.
    pub fn seen(&self, dedup_id: &str) -> Result<bool, StoreError> {
        Ok(self.trees().raw_meta.contains_key(dedup_id)?)
    }

    // ── quarantine ───────────────────────────────────────────────────────────────────

    /// Records a quarantine entry (the raw bytes go in via [`Store::quarantine_message`] or
    /// [`Store::put_raw`]).
    pub fn put_quarantine(&self, entry: &QuarantineEntry) -> Result<(), StoreError> {
        self.trees()
            .quarantine
            .insert(entry.id.as_bytes(), encode("quarantine entry", entry)?)?;
        Ok(())
    }

    /// Records a quarantine entry and keeps the raw bytes (outcome quarantined), atomically.
    pub fn quarantine_message(
        &self,
        entry: &QuarantineEntry,
        raw: &[u8],
    ) -> Result<(), StoreError> {
        let entry_value = encode("quarantine entry", entry)?;
        let meta = RawMeta {
            origin: entry.origin.clone(),
            received_at: entry.at,
            outcome: RawOutcome::Quarantined {
                reason: entry.reason.clone(),
            },
        };
        let meta_value = encode("raw message meta", &meta)?;
        let t = self.trees();
        (&t.quarantine, &t.raw_meta, &t.raw_body)
            .transaction(|(q, m, b)| {
                q.insert(entry.id.as_bytes(), entry_value.as_slice())?;
                m.insert(entry.id.as_bytes(), meta_value.as_slice())?;
                b.insert(entry.id.as_bytes(), raw)?;
                Ok::<_, ConflictableTransactionError<()>>(())
            })
            .map_err(tx_error)
    }

    /// All quarantined messages, oldest first.
    pub fn quarantine(&self) -> Result<Vec<QuarantineEntry>, StoreError> {
        let mut v: Vec<QuarantineEntry> = all("quarantine entry", &self.trees().quarantine)?;
        v.sort_by(|a, b| a.at.cmp(&b.at).then_with(|| a.id.cmp(&b.id)));
        Ok(v)
    }

    /// Drops a quarantine entry (the raw message stays). Returns whether it existed.
    pub fn remove_quarantine(&self, id: &str) -> Result<bool, StoreError> {
        Ok(self.trees().quarantine.remove(id)?.is_some())
    }

    // ── checkpoints ──────────────────────────────────────────────────────────────────

    /// How far `mailbox` has been read.
    pub fn checkpoint(&self, mailbox: &str) -> Result<Option<Checkpoint>, StoreError> {
        get("checkpoint", &self.trees().checkpoints, mailbox.as_bytes())
    }

    /// Records how far `mailbox` has been read.
    pub fn set_checkpoint(&self, mailbox: &str, checkpoint: &Checkpoint) -> Result<(), StoreError> {
        self.trees()
            .checkpoints
            .insert(mailbox, encode("checkpoint", checkpoint)?)?;
        Ok(())
    }

    /// All checkpoints by mailbox name.
    pub fn checkpoints(&self) -> Result<Vec<(String, Checkpoint)>, StoreError> {
        self.trees()
            .checkpoints
            .iter()
            .map(|item| {
                let (k, v) = item?;
                Ok((
                    String::from_utf8_lossy(&k).into_owned(),
                    decode("checkpoint", &v)?,
                ))
            })
            .collect()
    }

    // ── outgoing ─────────────────────────────────────────────────────────────────────

    /// Inserts or replaces an outgoing record (keyed by Message-ID).
    pub fn put_outgoing(&self, record: &OutgoingRecord) -> Result<(), StoreError> {
        self.trees().outgoing.insert(
            message_id_key(&record.id),
            encode("outgoing message", record)?,
        )?;
        Ok(())
    }

    /// All outgoing records, oldest first.
    pub fn outgoing(&self) -> Result<Vec<OutgoingRecord>, StoreError> {
        let mut v: Vec<OutgoingRecord> = all("outgoing message", &self.trees().outgoing)?;
        v.sort_by(|a, b| {
            a.created_at
                .cmp(&b.created_at)
                .then_with(|| a.id.cmp(&b.id))
        });
        Ok(v)
    }

    /// The outgoing record with this Message-ID (angle brackets optional).
    pub fn outgoing_by_id(&self, id: &str) -> Result<Option<OutgoingRecord>, StoreError> {
        get(
            "outgoing message",
            &self.trees().outgoing,
            &message_id_key(id),
        )
    }

    // ── meta ─────────────────────────────────────────────────────────────────────────

    /// The global state (defaults when never written).
    pub fn meta(&self) -> Result<Meta, StoreError> {
        Ok(get("meta", &self.trees().meta, META_KEY)?.unwrap_or_default())
    }

    /// Changes the global state with `f` and returns the result. Updates through one
    /// `Store` (and its clones) are serialized.
    pub fn update_meta(&self, f: impl FnOnce(&mut Meta)) -> Result<Meta, StoreError> {
        let _guard = self.meta_lock();
        let mut meta = self.meta()?;
        f(&mut meta);
        self.trees().meta.insert(META_KEY, encode("meta", &meta)?)?;
        Ok(meta)
    }

    // ── events ───────────────────────────────────────────────────────────────────────

    /// Appends an event.
    pub fn record_event(&self, event: &Event) -> Result<(), StoreError> {
        let mut key = time_key(event.at).to_vec();
        key.extend_from_slice(&self.db().generate_id()?.to_be_bytes());
        self.trees().events.insert(key, encode("event", event)?)?;
        Ok(())
    }

    /// Events at or after `since`, oldest first.
    pub fn events_since(&self, since: DateTime<Utc>) -> Result<Vec<Event>, StoreError> {
        self.trees()
            .events
            .range(time_key(since).to_vec()..)
            .values()
            .map(|v| decode("event", &v?))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn reflection(name: &str, day: u32) -> Reflection {
        Reflection {
            client: ClientKey::from_name(name),
            prompt: None,
            date: Utc.with_ymd_and_hms(2025, 3, day, 9, 0, 0).unwrap(),
            answers: Default::default(),
            notes: format!("day {day}"),
            sources: vec![],
        }
    }

    /// A store written before the client index (schema 1) gets it on open.
    #[test]
    fn opening_a_schema_1_store_builds_the_reflection_index() {
        let dir = tempfile::tempdir().unwrap();
        {
            // The schema-1 layout, written by hand: reflections only, no index.
            let db = sled::open(dir.path().join("db")).unwrap();
            db.open_tree(super::super::META_TREE)
                .unwrap()
                .insert(super::super::SCHEMA_KEY, &1u32.to_be_bytes())
                .unwrap();
            let tree = db.open_tree(super::super::REFLECTIONS_TREE).unwrap();
            let rows = [
                (ReflectionId::Local(5), reflection("acme", 9)),
                (ReflectionId::Prompt(PromptId(2)), reflection("acme-2", 1)),
                (ReflectionId::Local(6), reflection("acme", 3)),
            ];
            for (id, r) in &rows {
                tree.insert(id.to_key(), serde_json::to_vec(r).unwrap())
                    .unwrap();
            }
            // One record no build could read: left out of the index, the open still works.
            tree.insert(ReflectionId::Local(7).to_key(), b"{not json".as_slice())
                .unwrap();
            db.flush().unwrap();
        }
        let s = Store::open(dir.path()).unwrap();
        assert_eq!(s.schema_version().unwrap(), 2);
        let notes = |name: &str| -> Vec<String> {
            s.reflections_for(&ClientKey::from_name(name))
                .unwrap()
                .into_iter()
                .map(|r| r.notes)
                .collect()
        };
        assert_eq!(notes("acme"), ["day 3", "day 9"]);
        assert_eq!(notes("acme-2"), ["day 1"]);
        assert_eq!(s.trees().reflections_by_client.len(), 3);
    }

    #[test]
    fn client_index_keys_are_prefix_free() {
        let id = ReflectionId::Local(1);
        let names = ["", "a", "acme", "acme-2", "acme 2", "acme\0x"];
        for a in names {
            for b in names {
                if a != b {
                    let pa = client_prefix(&ClientKey::from_name(a));
                    let kb = client_index_key(&ClientKey::from_name(b), id);
                    assert!(!kb.starts_with(&pa), "{a:?} is a prefix of {b:?}");
                }
            }
        }
    }

    #[test]
    fn time_keys_sort_like_times_across_the_epoch() {
        let times = [
            Utc.with_ymd_and_hms(1960, 1, 1, 0, 0, 0).unwrap(),
            Utc.with_ymd_and_hms(1969, 12, 31, 23, 59, 59).unwrap(),
            Utc.with_ymd_and_hms(1970, 1, 1, 0, 0, 0).unwrap(),
            Utc.with_ymd_and_hms(2025, 3, 1, 9, 0, 0).unwrap(),
            Utc.with_ymd_and_hms(2100, 1, 1, 0, 0, 0).unwrap(),
        ];
        for pair in times.windows(2) {
            assert!(time_key(pair[0]) < time_key(pair[1]), "{pair:?}");
        }
    }
}
