//! Everything olifant remembers, in sled, behind typed methods.
//!
//! Layout of `DATA_DIR` (created 0700):
//!
//! ```text
//! DATA_DIR/lock        exclusive lock held while a Store is open (one olifant per data dir)
//! DATA_DIR/db/         the sled database (plus `olifant-initialized`, so a database that
//!                      sled reopens as empty after damage is reported, not silently reused)
//! DATA_DIR/secret.key  32 random bytes signing prompt tokens (0600)
//! ```
//!
//! Values are JSON (serde), except reflections (below); keys are encoded here so that
//! iteration order means something (prompt ids big-endian, events by time). No other module
//! sees a key. sled makes writes
//! durable only on [`Store::flush`]: callers flush before any outside effect (sending mail,
//! moving a message on the server). A prompt and its Message-ID index land together in one
//! multi-tree transaction ([`Store::put_prompt`]); the per-message ingest writes
//! ([`Store::store_reply`], [`Store::put_raw`]) are ordered instead, with the "seen" marker
//! last, because a sled transaction costs more than the rest of handling a reply.
//!
//! Reflections (schema 3) are kept per client, a few dozen to a sled item, in a compact
//! versioned binary encoding (`reflection_chunks`), with a pointer from each [`ReflectionId`]
//! to its chunk (`reflection_ids`): [`Store::reflections_for`] reads one client's ten years in
//! a few dozen reads. See `reflections.rs` for the layout and the write order; any new code
//! writing those trees must go through the reflection methods there.

mod migrations;
mod records;
mod reflections;
mod types;

use std::fs::{File, OpenOptions};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

pub use migrations::CURRENT_SCHEMA;
pub use types::{
    Checkpoint, Event, EventKind, Meta, OutgoingKind, OutgoingRecord, RawMeta, RawOutcome,
    ReflectionId,
};

use crate::prompt::token::TokenKey;

pub(crate) const META_TREE: &str = "meta";
/// Schema ≤ 2: reflections as JSON under their id (dropped by the schema 3 migration).
const OLD_REFLECTIONS_TREE: &str = "reflections";
/// Schema 2: keys only, the reflections by client (dropped by the schema 3 migration).
const OLD_REFLECTIONS_BY_CLIENT_TREE: &str = "reflections_by_client";
/// Schema 3: reflections in chunks per client (see `reflections.rs`).
const REFLECTION_CHUNKS_TREE: &str = "reflection_chunks";
/// Schema 3: reflection id → key of the chunk holding it.
const REFLECTION_IDS_TREE: &str = "reflection_ids";
pub(crate) const SCHEMA_KEY: &[u8] = b"schema_version";
const KEY_FILE: &str = "secret.key";
/// Written into `DATA_DIR/db` once the store is initialized (moves with it when set aside).
const SENTINEL_FILE: &str = "olifant-initialized";
const KEY_LEN: usize = 32;

/// Why the store could not be opened, read or written.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// Another process (or another `Store` in this one) holds the data directory.
    #[error("another olifant is using {}", data_dir.display())]
    Locked {
        /// The data directory.
        data_dir: PathBuf,
    },
    /// A file or directory could not be created, opened or read.
    #[error("cannot {action} {}: {source}; check that the path exists and is writable by this user", path.display())]
    Io {
        /// What was being done (`create`, `lock`, `read`, …).
        action: &'static str,
        /// The path.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The database is damaged.
    #[error(
        "the store in {db} is damaged ({detail}); move {db} aside (e.g. `mv {db} {db}.broken`) and run `olifant reingest` to rebuild it from the processed folder on the server",
        db = db.display()
    )]
    Corrupt {
        /// `DATA_DIR/db`.
        db: PathBuf,
        /// What sled said.
        detail: String,
    },
    /// The store was written by a newer olifant.
    #[error("the store was written by a newer olifant (schema {found}, this build reads up to {supported}): upgrade olifant")]
    NewerSchema {
        /// Schema found in the store.
        found: u32,
        /// Newest schema this build understands.
        supported: u32,
    },
    /// A stored record cannot be decoded.
    #[error("a stored {what} cannot be read ({detail}); the store may be damaged or written by another version: run `olifant reparse`, or move DATA_DIR/db aside and run `olifant reingest`")]
    Decode {
        /// Which record kind.
        what: &'static str,
        /// The decoder's message.
        detail: String,
    },
    /// The token key file is readable by group or others, or malformed.
    #[error("{}: {problem}", path.display())]
    KeyFile {
        /// `DATA_DIR/secret.key`.
        path: PathBuf,
        /// What is wrong and what to do.
        problem: String,
    },
    /// sled failed while running.
    #[error("store operation failed: {0}; if this repeats, move DATA_DIR/db aside and run `olifant reingest`")]
    Sled(#[from] sled::Error),
}

/// The open store. Cheap to clone (shares one database and one lock); `Send + Sync`.
#[derive(Clone)]
pub struct Store {
    inner: Arc<Inner>,
}

struct Inner {
    data_dir: PathBuf,
    db: sled::Db,
    trees: Trees,
    /// Serializes read-modify-write of [`Meta`].
    meta_lock: Mutex<()>,
    /// Serializes reflection writes (each rewrites a chunk).
    reflections_lock: Mutex<()>,
    /// Held (locked) for the store's life; the OS releases it when the file closes.
    _lock: File,
}

pub(crate) struct Trees {
    pub(crate) meta: sled::Tree,
    pub(crate) clients: sled::Tree,
    pub(crate) prompts: sled::Tree,
    pub(crate) prompt_index: sled::Tree,
    /// Reflections in chunks per client (schema 3).
    pub(crate) reflection_chunks: sled::Tree,
    /// Reflection id → its chunk's key (schema 3).
    pub(crate) reflection_ids: sled::Tree,
    pub(crate) raw_meta: sled::Tree,
    pub(crate) raw_body: sled::Tree,
    pub(crate) quarantine: sled::Tree,
    pub(crate) checkpoints: sled::Tree,
    pub(crate) outgoing: sled::Tree,
    pub(crate) events: sled::Tree,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("data_dir", &self.inner.data_dir)
            .finish_non_exhaustive()
    }
}

fn io<'a>(action: &'static str, path: &'a Path) -> impl FnOnce(std::io::Error) -> StoreError + 'a {
    move |source| StoreError::Io {
        action,
        path: path.to_path_buf(),
        source,
    }
}

/// How many more times [`Store::open`] looks at a taken lock, 50 ms apart.
const LOCK_RETRIES: u32 = 10;

impl Store {
    /// Opens (creating if needed) the store in `data_dir`.
    ///
    /// Creates the directory (0700), takes the exclusive lock on `data_dir/lock` for the
    /// store's life, opens sled at `data_dir/db` and brings the schema up to date.
    pub fn open(data_dir: &Path) -> Result<Store, StoreError> {
        create_private_dir(data_dir)?;
        let lock_path = data_dir.join("lock");
        let lock = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(io("open", &lock_path))?;
        // A child that another thread is starting holds a copy of every open file between
        // its fork and its exec, so a lock just released by a dropped store can look taken
        // for a moment: look again for up to half a second before calling it taken (another
        // olifant holds it for as long as it runs, so this only delays that answer).
        let mut tries = 0;
        loop {
            match lock.try_lock() {
                Ok(()) => break,
                Err(std::fs::TryLockError::WouldBlock) if tries < LOCK_RETRIES => {
                    tries += 1;
                    std::thread::sleep(std::time::Duration::from_millis(50));
                }
                Err(std::fs::TryLockError::WouldBlock) => {
                    return Err(StoreError::Locked {
                        data_dir: data_dir.to_path_buf(),
                    })
                }
                Err(std::fs::TryLockError::Error(e)) => return Err(io("lock", &lock_path)(e)),
            }
        }

        let db_path = data_dir.join("db");
        let db = open_sled(&db_path)?;
        let tree = |name: &str| db.open_tree(name).map_err(|e| sled_open_error(&db_path, e));
        let trees = Trees {
            meta: tree(META_TREE)?,
            clients: tree("clients")?,
            prompts: tree("prompts")?,
            prompt_index: tree("prompt_index")?,
            reflection_chunks: tree(REFLECTION_CHUNKS_TREE)?,
            reflection_ids: tree(REFLECTION_IDS_TREE)?,
            raw_meta: tree("raw_meta")?,
            raw_body: tree("raw_body")?,
            quarantine: tree("quarantine")?,
            checkpoints: tree("checkpoints")?,
            outgoing: tree("outgoing")?,
            events: tree("events")?,
        };
        let sentinel = db_path.join(SENTINEL_FILE);
        if read_schema(&trees.meta)?.is_none() && sentinel.exists() {
            // sled 0.34 opens a data file full of garbage as an empty database: without this
            // check a damaged store would look like a new one and silently lose everything.
            return Err(StoreError::Corrupt {
                db: db_path.clone(),
                detail: "it opened empty although it held a store before".to_string(),
            });
        }
        migrate(&db, &trees.meta, &db_path)?;
        if !sentinel.exists() {
            write_synced(&sentinel, b"olifant store: its absence means a new store\n")?;
        }
        Ok(Store {
            inner: Arc::new(Inner {
                data_dir: data_dir.to_path_buf(),
                db,
                trees,
                meta_lock: Mutex::new(()),
                reflections_lock: Mutex::new(()),
                _lock: lock,
            }),
        })
    }

    /// The data directory this store lives in.
    pub fn data_dir(&self) -> &Path {
        &self.inner.data_dir
    }

    /// The schema version recorded in the store.
    pub fn schema_version(&self) -> Result<u32, StoreError> {
        Ok(read_schema(&self.inner.trees.meta)?.unwrap_or(0))
    }

    /// Makes every write so far durable (fsync). Call before any outside effect.
    pub fn flush(&self) -> Result<(), StoreError> {
        self.inner.db.flush()?;
        Ok(())
    }

    /// The key that signs prompt tokens: `DATA_DIR/secret.key`, 32 random bytes created
    /// (0600, fsynced) on first use.
    ///
    /// Refuses a key file that group or others may read, or that has the wrong length.
    pub fn token_key(&self) -> Result<TokenKey, StoreError> {
        let path = self.inner.data_dir.join(KEY_FILE);
        let bytes = match read_key_file(&path)? {
            Some(b) => b,
            None => create_key_file(&path)?,
        };
        TokenKey::from_bytes(&bytes).ok_or_else(|| StoreError::KeyFile {
            path: path.clone(),
            problem: format!(
                "holds {} bytes, expected {KEY_LEN}; if olifant never sent prompts with it, delete it and it is recreated (prompts already sent then stop matching)",
                bytes.len()
            ),
        })
    }

    pub(crate) fn trees(&self) -> &Trees {
        &self.inner.trees
    }

    pub(crate) fn db(&self) -> &sled::Db {
        &self.inner.db
    }

    pub(crate) fn reflections_lock(&self) -> std::sync::MutexGuard<'_, ()> {
        // As for the meta lock: the data is in sled, a panic elsewhere changes nothing.
        self.inner
            .reflections_lock
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub(crate) fn meta_lock(&self) -> std::sync::MutexGuard<'_, ()> {
        // A poisoned lock only means another thread panicked mid-update; the data is in sled.
        self.inner
            .meta_lock
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

fn create_private_dir(dir: &Path) -> Result<(), StoreError> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(dir).map_err(io("create", dir))
}

/// Opens sled, waiting briefly while its own file lock is still held.
///
/// Called only with `DATA_DIR/lock` held, so no other olifant has the store: a held sled lock
/// then means a previous `Store` in this process was just dropped and sled's background
/// flusher has not let go yet. Give it up to two seconds instead of failing.
fn open_sled(db_path: &Path) -> Result<sled::Db, StoreError> {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(2);
    loop {
        match open_sled_once(db_path) {
            Err(StoreError::Io { source, .. })
                if source.kind() == std::io::ErrorKind::Other
                    && source.to_string().contains("could not acquire lock")
                    && std::time::Instant::now() < deadline =>
            {
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
            other => return other,
        }
    }
}

/// sled's page cache. Its default (1 GiB) lets a scan over every reflection (export, reparse, a
/// migration) grow the process by as much as the data read; olifant's working set (clients,
/// prompts, one client's reflections at a time) is far smaller, and a miss only costs a read
/// from the OS page cache.
const SLED_CACHE_BYTES: u64 = 64 * 1024 * 1024;

fn open_sled_once(db_path: &Path) -> Result<sled::Db, StoreError> {
    let config = sled::Config::new()
        .path(db_path)
        .cache_capacity(SLED_CACHE_BYTES);
    // sled 0.34 can panic on some damaged files instead of returning an error.
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| config.open())) {
        Ok(Ok(db)) => Ok(db),
        Ok(Err(e)) => Err(sled_open_error(db_path, e)),
        Err(panic) => {
            let detail = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_else(|| "sled panicked while opening".to_string());
            Err(StoreError::Corrupt {
                db: db_path.to_path_buf(),
                detail,
            })
        }
    }
}

fn sled_open_error(db_path: &Path, e: sled::Error) -> StoreError {
    match e {
        sled::Error::Io(source)
            if !matches!(
                source.kind(),
                std::io::ErrorKind::InvalidData | std::io::ErrorKind::UnexpectedEof
            ) =>
        {
            StoreError::Io {
                action: "open",
                path: db_path.to_path_buf(),
                source,
            }
        }
        other => StoreError::Corrupt {
            db: db_path.to_path_buf(),
            detail: other.to_string(),
        },
    }
}

fn read_schema(meta: &sled::Tree) -> Result<Option<u32>, StoreError> {
    match meta.get(SCHEMA_KEY)? {
        None => Ok(None),
        Some(v) => {
            let bytes: [u8; 4] = v.as_ref().try_into().map_err(|_| StoreError::Decode {
                what: "schema version",
                detail: format!("{} bytes, expected 4", v.len()),
            })?;
            Ok(Some(u32::from_be_bytes(bytes)))
        }
    }
}

fn migrate(db: &sled::Db, meta: &sled::Tree, db_path: &Path) -> Result<(), StoreError> {
    let found = read_schema(meta)?.unwrap_or(0);
    if found > CURRENT_SCHEMA {
        return Err(StoreError::NewerSchema {
            found,
            supported: CURRENT_SCHEMA,
        });
    }
    for (from, step) in migrations::MIGRATIONS
        .iter()
        .enumerate()
        .skip(found as usize)
    {
        step(db).map_err(|e| StoreError::Corrupt {
            db: db_path.to_path_buf(),
            detail: format!("migration from schema {from} failed: {e}"),
        })?;
        let to = from as u32 + 1;
        meta.insert(SCHEMA_KEY, &to.to_be_bytes())?;
        db.flush()?;
    }
    Ok(())
}

fn write_synced(path: &Path, bytes: &[u8]) -> Result<(), StoreError> {
    let mut f = File::create(path).map_err(io("create", path))?;
    f.write_all(bytes).map_err(io("write", path))?;
    f.sync_all().map_err(io("sync", path))?;
    Ok(())
}

fn read_key_file(path: &Path) -> Result<Option<Vec<u8>>, StoreError> {
    let mut file = match File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(io("read", path)(e)),
    };
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = file
            .metadata()
            .map_err(io("read", path))?
            .permissions()
            .mode()
            & 0o7777;
        if mode & 0o077 != 0 {
            return Err(StoreError::KeyFile {
                path: path.to_path_buf(),
                problem: format!(
                    "is readable by group or others (mode {mode:04o}); run `chmod 600 {}`",
                    path.display()
                ),
            });
        }
    }
    let mut bytes = Vec::new();
    file.read_to_end(&mut bytes).map_err(io("read", path))?;
    Ok(Some(bytes))
}

fn create_key_file(path: &Path) -> Result<Vec<u8>, StoreError> {
    use ring::rand::SecureRandom;
    let mut bytes = vec![0u8; KEY_LEN];
    ring::rand::SystemRandom::new()
        .fill(&mut bytes)
        .map_err(|_| StoreError::KeyFile {
            path: path.to_path_buf(),
            problem: "the system random generator failed; try again".to_string(),
        })?;
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = match options.open(path) {
        Ok(f) => f,
        // Someone else created it between our read and now: use theirs.
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            return read_key_file(path)?.ok_or_else(|| io("read", path)(e));
        }
        Err(e) => return Err(io("create", path)(e)),
    };
    file.write_all(&bytes).map_err(io("write", path))?;
    file.sync_all().map_err(io("sync", path))?;
    if let Some(dir) = path.parent() {
        // Make the new directory entry durable too.
        if let Ok(d) = File::open(dir) {
            let _ = d.sync_all();
        }
    }
    Ok(bytes)
}
