//! Schema migrations, in order. The schema version is the number of migrations applied.
//!
//! To change the stored format: append a function here; it runs once on the next open, before
//! anything else touches the store, and the version is bumped after it succeeds. A migration
//! interrupted by a crash runs again from the start on the next open, so each one must be
//! safe to repeat.

use super::records::{client_index_key, ClientOf};
use super::types::ReflectionId;
use super::{REFLECTIONS_BY_CLIENT_TREE, REFLECTIONS_TREE};

/// One migration from schema `index` to `index + 1`.
pub(crate) type Migration = fn(&sled::Db) -> Result<(), sled::Error>;

/// All migrations; `MIGRATIONS[n]` takes the store from schema `n` to `n + 1`.
pub(crate) const MIGRATIONS: &[Migration] = &[v0_to_v1, v1_to_v2];

/// The schema this build writes and reads.
pub const CURRENT_SCHEMA: u32 = MIGRATIONS.len() as u32;

/// How many index entries go into one sled batch while building the index.
const BATCH: usize = 10_000;

/// v0 → v1: a new store. The trees are created on first use; nothing to convert.
fn v0_to_v1(_db: &sled::Db) -> Result<(), sled::Error> {
    Ok(())
}

/// v1 → v2: index the reflections by client (`reflections_by_client`), so one client's
/// reflections are read without reading everyone's.
///
/// Reads each record's client only. A record that cannot be decoded is left out of the index
/// (with a warning): it was already unreadable, `olifant reparse` rebuilds it, and refusing to
/// open the store would leave no way to run that.
fn v1_to_v2(db: &sled::Db) -> Result<(), sled::Error> {
    let reflections = db.open_tree(REFLECTIONS_TREE)?;
    let index = db.open_tree(REFLECTIONS_BY_CLIENT_TREE)?;
    let mut batch = sled::Batch::default();
    let mut pending = 0;
    for item in reflections.iter() {
        let (k, v) = item?;
        let (Some(id), Ok(record)) = (
            ReflectionId::from_key(&k),
            serde_json::from_slice::<ClientOf>(&v),
        ) else {
            tracing::warn!(
                key_bytes = k.len(),
                "a stored reflection cannot be read; left out of the client index (run `olifant reparse`)"
            );
            continue;
        };
        batch.insert(client_index_key(&record.client, id), &[] as &[u8]);
        pending += 1;
        if pending == BATCH {
            index.apply_batch(std::mem::take(&mut batch))?;
            pending = 0;
        }
    }
    index.apply_batch(batch)?;
    Ok(())
}
