//! Typed reads and writes, one section per kind of record.

use chrono::{DateTime, Utc};
use serde::de::DeserializeOwned;
use serde::Serialize;
use sled::transaction::{ConflictableTransactionError, TransactionError, Transactional};

use super::{Checkpoint, Event, Meta, OutgoingRecord, RawMeta, RawOutcome, Store, StoreError};
use crate::model::{Client, ClientKey, PromptId, PromptRecord, QuarantineEntry};

const META_KEY: &[u8] = b"meta";

pub(super) fn encode<T: Serialize>(what: &'static str, v: &T) -> Result<Vec<u8>, StoreError> {
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

pub(super) fn tx_error(e: TransactionError<()>) -> StoreError {
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
