//! Schema migrations, in order. The schema version is the number of migrations applied.
//!
//! To change the stored format: append a function here; it runs once on the next open, before
//! anything else touches the store, and the version is bumped after it succeeds. A migration
//! interrupted by a crash runs again from the start on the next open, so each one must be
//! safe to repeat.

use super::reflections::{encode_record, ChunkBuilder};
use super::types::ReflectionId;
use super::{
    OLD_REFLECTIONS_BY_CLIENT_TREE, OLD_REFLECTIONS_TREE, REFLECTION_CHUNKS_TREE,
    REFLECTION_IDS_TREE,
};
use crate::model::Reflection;

/// One migration from schema `index` to `index + 1`.
pub(crate) type Migration = fn(&sled::Db) -> Result<(), sled::Error>;

/// All migrations; `MIGRATIONS[n]` takes the store from schema `n` to `n + 1`.
pub(crate) const MIGRATIONS: &[Migration] = &[v0_to_v1, v1_to_v2, v2_to_v3];

/// The schema this build writes and reads.
pub const CURRENT_SCHEMA: u32 = MIGRATIONS.len() as u32;

/// How many writes go into one sled batch while converting.
const BATCH: usize = 10_000;

/// v0 → v1: a new store. The trees are created on first use; nothing to convert.
fn v0_to_v1(_db: &sled::Db) -> Result<(), sled::Error> {
    Ok(())
}

/// v1 → v2 indexed the reflections by client (`reflections_by_client`). Schema 3 reads the
/// reflections tree itself and drops that index, so there is nothing left to do here.
fn v1_to_v2(_db: &sled::Db) -> Result<(), sled::Error> {
    Ok(())
}

/// v2 → v3: the reflections move from JSON under their id (`reflections`, plus the
/// `reflections_by_client` index) into binary chunks per client (`reflection_chunks`) with a
/// pointer per id (`reflection_ids`).
///
/// Safe to repeat: while the old `reflections` tree holds anything, the new trees are
/// cleared and rebuilt from it; the old trees are dropped only after that (the index first,
/// so a crash in between still finds the records). Memory: one open chunk per client.
/// A record that cannot be decoded is left out (with a warning): it was already unreadable,
/// `olifant reparse` rebuilds it, and refusing to open the store would leave no way to run that.
fn v2_to_v3(db: &sled::Db) -> Result<(), sled::Error> {
    let old = db.open_tree(OLD_REFLECTIONS_TREE)?;
    let chunks = db.open_tree(REFLECTION_CHUNKS_TREE)?;
    let ids = db.open_tree(REFLECTION_IDS_TREE)?;
    if !old.is_empty() {
        chunks.clear()?;
        ids.clear()?;
        let mut builder = ChunkBuilder::default();
        let mut chunk_batch = sled::Batch::default();
        let mut id_batch = sled::Batch::default();
        let mut pending = 0;
        for item in old.iter() {
            let (k, v) = item?;
            let (Some(id), Ok(r)) = (
                ReflectionId::from_key(&k),
                serde_json::from_slice::<Reflection>(&v),
            ) else {
                tracing::warn!(
                    key_bytes = k.len(),
                    "a stored reflection cannot be read; left out of the new layout (run `olifant reparse`)"
                );
                continue;
            };
            let (full, key) = builder.add(&r.client, id, &encode_record(&r));
            if let Some((ck, cv)) = full {
                chunk_batch.insert(ck, cv);
            }
            id_batch.insert(&id.to_key(), key);
            pending += 1;
            if pending == BATCH {
                chunks.apply_batch(std::mem::take(&mut chunk_batch))?;
                ids.apply_batch(std::mem::take(&mut id_batch))?;
                pending = 0;
            }
        }
        for (ck, cv) in builder.finish() {
            chunk_batch.insert(ck, cv);
        }
        chunks.apply_batch(chunk_batch)?;
        ids.apply_batch(id_batch)?;
        db.flush()?;
    }
    db.drop_tree(OLD_REFLECTIONS_BY_CLIENT_TREE)?;
    db.drop_tree(OLD_REFLECTIONS_TREE)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{ClientKey, PromptId};
    use crate::store::reflections::MAX_ENTRIES;
    use crate::store::{Store, META_TREE, SCHEMA_KEY};
    use chrono::{TimeZone, Utc};

    fn reflection(name: &str, day: u32) -> Reflection {
        Reflection {
            client: ClientKey::from_name(name),
            prompt: None,
            date: Utc.with_ymd_and_hms(2025, 3, 1, 9, 0, 0).unwrap()
                + chrono::Duration::days(day.into()),
            answers: Default::default(),
            notes: format!("day {day}"),
            sources: vec![],
        }
    }

    /// Writes the schema ≤ 2 layout by hand: JSON under the id, plus the schema-2 index keys
    /// (their content does not matter: schema 3 reads the records themselves).
    fn old_store(dir: &std::path::Path, schema: u32, rows: &[(ReflectionId, Reflection)]) {
        let db = super::super::open_sled(&dir.join("db")).unwrap();
        db.open_tree(META_TREE)
            .unwrap()
            .insert(SCHEMA_KEY, &schema.to_be_bytes())
            .unwrap();
        let tree = db.open_tree(OLD_REFLECTIONS_TREE).unwrap();
        let index = db.open_tree(OLD_REFLECTIONS_BY_CLIENT_TREE).unwrap();
        for (id, r) in rows {
            tree.insert(id.to_key(), serde_json::to_vec(r).unwrap())
                .unwrap();
            if schema == 2 {
                index.insert(id.to_key(), &[]).unwrap();
            }
        }
        // One record no build could read: left out, the open still works.
        tree.insert(
            ReflectionId::Local(5_000_000).to_key(),
            b"{not json".as_slice(),
        )
        .unwrap();
        db.flush().unwrap();
    }

    fn rows() -> Vec<(ReflectionId, Reflection)> {
        let mut rows = vec![
            (ReflectionId::Prompt(PromptId(2)), reflection("acme-2", 1)),
            (ReflectionId::Local(6), reflection("acme", 3)),
        ];
        // More than one chunk's worth for acme, ids out of date order.
        for day in 0..(MAX_ENTRIES as u32 * 2 + 5) {
            rows.push((
                ReflectionId::Local(1000 - u64::from(day)),
                reflection("acme", 10 + day),
            ));
        }
        rows
    }

    fn check(s: &Store) {
        assert_eq!(s.schema_version().unwrap(), CURRENT_SCHEMA);
        let notes = |name: &str| -> Vec<String> {
            s.reflections_for(&ClientKey::from_name(name))
                .unwrap()
                .into_iter()
                .map(|r| r.notes)
                .collect()
        };
        let mut acme: Vec<(u32, String)> = vec![(3, "day 3".into())];
        acme.extend((0..(MAX_ENTRIES as u32 * 2 + 5)).map(|d| (10 + d, format!("day {}", 10 + d))));
        assert_eq!(
            notes("acme"),
            acme.into_iter().map(|(_, n)| n).collect::<Vec<_>>()
        );
        assert_eq!(notes("acme-2"), ["day 1"]);
        assert_eq!(
            s.reflection_for_prompt(PromptId(2))
                .unwrap()
                .map(|r| r.notes),
            Some("day 1".to_string())
        );
        assert_eq!(s.reflections().unwrap().len(), rows().len());
        assert!(s.trees().reflection_chunks.len() > 2, "acme spans chunks");
        let names = s.db().tree_names();
        assert!(!names.iter().any(|n| n == OLD_REFLECTIONS_TREE.as_bytes()
            || n == OLD_REFLECTIONS_BY_CLIENT_TREE.as_bytes()));
    }

    #[test]
    fn opening_a_schema_2_store_moves_the_reflections_into_chunks() {
        let dir = tempfile::tempdir().unwrap();
        old_store(dir.path(), 2, &rows());
        check(&Store::open(dir.path()).unwrap());
    }

    #[test]
    fn opening_a_schema_1_store_moves_the_reflections_into_chunks() {
        let dir = tempfile::tempdir().unwrap();
        old_store(dir.path(), 1, &rows());
        check(&Store::open(dir.path()).unwrap());
    }

    /// A crash after the new trees were (partly) written but before the schema was bumped:
    /// the migration runs again from the start and ends in the same state.
    #[test]
    fn the_schema_3_migration_can_run_twice() {
        let dir = tempfile::tempdir().unwrap();
        old_store(dir.path(), 2, &rows());
        {
            let db = super::super::open_sled(&dir.path().join("db")).unwrap();
            v2_to_v3(&db).unwrap();
            // The crash: old trees still there (as if dropping them never happened), and a
            // stray chunk from a run that did not finish.
            let again: Vec<_> = rows();
            let tree = db.open_tree(OLD_REFLECTIONS_TREE).unwrap();
            for (id, r) in &again {
                tree.insert(id.to_key(), serde_json::to_vec(r).unwrap())
                    .unwrap();
            }
            db.flush().unwrap();
        }
        check(&Store::open(dir.path()).unwrap());
        // And once migrated, reopening changes nothing.
        check(&Store::open(dir.path()).unwrap());
    }
}
