//! The session store: one folder per session under the sessions directory, holding each answer's
//! recording and report, its critique, the whole session record and a small summary.
//!
//! [`dir`] makes a session's folder and writes its files atomically (temporary name, sync, rename),
//! so a crash never leaves half a file; [`summary`] is the small record listings read;
//! [`catalog`] reads every folder back, rebuilding what is missing and skipping what cannot be
//! read; [`history`] follows one question across sessions; [`draw`] picks the question that most
//! needs practice; [`retention`] deletes sessions or only their recordings. The store only keeps
//! what the other layers produced: it renders nothing and judges nothing.

pub mod catalog;
pub mod dir;
pub mod draw;
pub mod history;
pub mod retention;
pub mod summary;

use std::path::PathBuf;

pub use catalog::{Catalog, Entry};
pub use dir::SessionDir;

/// What goes wrong in the store. Each message names the folder or file, or says what to do.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A session folder or one of its files could not be written.
    #[error("cannot write {}: {source}", path.display())]
    Write {
        /// The file or folder.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// The store holds no session at all.
    #[error("there are no saved sessions yet")]
    Empty,
    /// No session has that name.
    #[error("there is no session `{id}`; `rehearse history` lists them")]
    NotFound {
        /// The name asked for.
        id: String,
    },
    /// Several sessions begin with the name given.
    #[error("`{id}` matches {count} sessions ({first}, ...); give more of the name")]
    Ambiguous {
        /// The name asked for.
        id: String,
        /// How many sessions it matches.
        count: usize,
        /// The first of them.
        first: String,
    },
    /// A file of a session cannot be read back.
    #[error("{} cannot be read: {source}", path.display())]
    Unreadable {
        /// The file.
        path: PathBuf,
        /// What the system said.
        #[source]
        source: std::io::Error,
    },
    /// A file of a session is not the JSON it should be.
    #[error("{} cannot be read: {source}", path.display())]
    NotJson {
        /// The file.
        path: PathBuf,
        /// What the JSON parser said.
        #[source]
        source: serde_json::Error,
    },
    /// `delete` was given nothing to delete.
    #[error("name the sessions to delete, or give --older-than")]
    NothingNamed,
    /// A session could not be deleted.
    #[error("cannot delete {}: {source}", dir.display())]
    Delete {
        /// The session folder.
        dir: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// A session's recordings could not be deleted.
    #[error("cannot delete the recordings in {}: {source}", dir.display())]
    DeleteAudio {
        /// The session folder.
        dir: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
}
