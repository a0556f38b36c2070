//! Schema migrations, in order. The schema version is the number of migrations applied.
//!
//! To change the stored format: append a function here; it runs once on the next open, before
//! anything else touches the store, and the version is bumped after it succeeds.

/// One migration from schema `index` to `index + 1`.
pub(crate) type Migration = fn(&sled::Db) -> Result<(), sled::Error>;

/// All migrations; `MIGRATIONS[n]` takes the store from schema `n` to `n + 1`.
pub(crate) const MIGRATIONS: &[Migration] = &[v0_to_v1];

/// The schema this build writes and reads.
pub const CURRENT_SCHEMA: u32 = MIGRATIONS.len() as u32;

/// v0 → v1: a new store. The trees are created on first use; nothing to convert.
fn v0_to_v1(_db: &sled::Db) -> Result<(), sled::Error> {
    Ok(())
}
