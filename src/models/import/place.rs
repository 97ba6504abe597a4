//! Where an import reads its files from: a folder, or a `.whl`/`.zip` archive opened once and
//! read member by member without extracting anything. A [`Place`] lists the names it holds and
//! reads one of them whole or appends it to a buffer, telling a progress hook how far it has got.

use std::fs::File;
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};

use zip::ZipArchive;

use super::ImportError;
use super::split::{self, Part, WHOLE};

/// The most a declared size may reserve ahead of reading: a header can lie, and what really
/// decompresses is what counts.
pub const RESERVE_CAP: u64 = 1 << 28;

/// One file of the model, with the name to use for it in messages.
#[derive(Debug)]
pub struct Member {
    pub label: String,
    pub bytes: Vec<u8>,
}

/// Picks the one folder (as a member-name prefix) that holds `model.bin` and `tokenizer.json`.
pub fn find_model_dir(names: &[String], archive: &Path) -> Result<String, ImportError> {
    let has = |name: String| names.contains(&name);
    let dirs: Vec<&str> = names
        .iter()
        .filter_map(|n| n.strip_suffix(WHOLE))
        .filter(|d| d.is_empty() || d.ends_with('/'))
        .filter(|d| has(format!("{d}tokenizer.json")))
        .collect();
    match dirs.as_slice() {
        [] => Err(no_model_in_archive(archive)),
        [one] => Ok((*one).to_owned()),
        many => Err(ImportError::AmbiguousArchive {
            path: archive.to_path_buf(),
            dirs: many.iter().map(|d| (*d).to_owned()).collect(),
        }),
    }
}

/// The error for an archive with no folder holding a whole model.
fn no_model_in_archive(archive: &Path) -> ImportError {
    ImportError::MissingFile {
        path: archive.to_path_buf(),
        file: "folder with both model.bin and tokenizer.json",
    }
}

/// Where files are read from: a folder, or an archive opened once for all its members.
pub enum Place {
    /// A folder and the names of the files directly in it.
    Dir { path: PathBuf, names: Vec<String> },
    /// An archive and its member names; a name that does not decode cannot be one of the files
    /// looked for, so it is left out.
    Archive {
        path: PathBuf,
        zip: ZipArchive<BufReader<File>>,
        names: Vec<String>,
    },
}

impl Place {
    /// Opens a folder, the folder of a `model.bin` path, or an archive.
    pub fn open(source: &Path) -> Result<Self, ImportError> {
        if source.is_dir() {
            return Self::dir(source);
        }
        if source.file_name().is_some_and(|n| n == WHOLE) {
            return Self::dir(source.parent().unwrap_or(Path::new(".")));
        }
        let file = File::open(source).map_err(|e| ImportError::Read {
            path: source.to_path_buf(),
            source: e,
        })?;
        let zip = ZipArchive::new(BufReader::new(file)).map_err(|e| archive_error(source, e))?;
        let names = zip
            .file_names()
            .filter_map(|n| n.ok().map(|n| n.into_owned()))
            .collect();
        Ok(Place::Archive {
            path: source.to_path_buf(),
            zip,
            names,
        })
    }

    fn dir(path: &Path) -> Result<Self, ImportError> {
        let unreadable = |e| ImportError::Read {
            path: path.to_path_buf(),
            source: e,
        };
        let mut names = Vec::new();
        for entry in std::fs::read_dir(path).map_err(unreadable)? {
            let entry = entry.map_err(unreadable)?;
            if entry.path().is_file() {
                names.extend(entry.file_name().to_str().map(str::to_owned));
            }
        }
        Ok(Place::Dir {
            path: path.to_path_buf(),
            names,
        })
    }

    pub fn path(&self) -> &Path {
        match self {
            Place::Dir { path, .. } | Place::Archive { path, .. } => path,
        }
    }

    fn names(&self) -> &[String] {
        match self {
            Place::Dir { names, .. } | Place::Archive { names, .. } => names,
        }
    }

    /// The parts of a split `model.bin` this place holds; `index` is its place in the sources.
    pub fn parts(&self, index: usize) -> Vec<Part> {
        let archive = matches!(self, Place::Archive { .. });
        split::find_parts(index, self.path(), self.names(), archive)
    }

    /// The folder holding a whole `model.bin` (with its tokenizer, in an archive), if any.
    pub fn whole_model_folder(&self) -> Result<Option<String>, ImportError> {
        match self {
            Place::Dir { names, .. } => Ok(names.iter().any(|n| n == WHOLE).then(String::new)),
            Place::Archive { path, names, .. } => match find_model_dir(names, path) {
                Ok(folder) => Ok(Some(folder)),
                Err(ImportError::MissingFile { .. }) => Ok(None),
                Err(e) => Err(e),
            },
        }
    }

    /// Why this place holds no model, in the words a single source has always had.
    pub fn no_model(&self) -> ImportError {
        match self {
            Place::Dir { path, .. } => ImportError::MissingFile {
                path: path.clone(),
                file: WHOLE,
            },
            Place::Archive { path, .. } => no_model_in_archive(path),
        }
    }

    /// How a file of this place is named in messages.
    pub fn label(&self, name: &str) -> String {
        match self {
            Place::Dir { path, .. } => path.join(name).display().to_string(),
            Place::Archive { path, .. } => format!("{name} in {}", path.display()),
        }
    }

    /// The size a file declares: a folder's file its length, an archive member its header's.
    pub fn size(&mut self, name: &str) -> Result<u64, ImportError> {
        match self {
            Place::Dir { path, .. } => {
                let file = path.join(name);
                let meta = std::fs::metadata(&file).map_err(|e| ImportError::Read {
                    path: file,
                    source: e,
                })?;
                Ok(meta.len())
            }
            Place::Archive { path, zip, .. } => {
                let entry = zip.by_name(name).map_err(|e| archive_error(path, e))?;
                Ok(entry.size())
            }
        }
    }

    /// Appends the file `name` to `out`, telling `progress` the bytes of it read so far.
    pub fn read_into(
        &mut self,
        name: &str,
        out: &mut Vec<u8>,
        progress: &dyn Fn(u64),
    ) -> Result<(), ImportError> {
        match self {
            Place::Dir { path, .. } => {
                let file = path.join(name);
                let read =
                    File::open(&file).and_then(|f| Counted::new(f, progress).read_to_end(out));
                read.map(drop).map_err(|e| ImportError::Read {
                    path: file,
                    source: e,
                })
            }
            Place::Archive { path, zip, .. } => {
                let entry = zip.by_name(name).map_err(|e| archive_error(path, e))?;
                let read = Counted::new(entry, progress).read_to_end(out);
                read.map(drop).map_err(|e| archive_error(path, e.into()))
            }
        }
    }

    /// The file `name`, read whole.
    pub fn read(&mut self, name: &str) -> Result<Member, ImportError> {
        self.read_reporting(name, &|_| {})
    }

    /// The file `name`, read whole, telling `progress` the bytes read so far.
    pub fn read_reporting(
        &mut self,
        name: &str,
        progress: &dyn Fn(u64),
    ) -> Result<Member, ImportError> {
        // The declared size only sizes the buffer; the real length is whatever is read.
        let reserve = self.size(name)?.min(RESERVE_CAP) as usize;
        let mut bytes = Vec::with_capacity(reserve);
        self.read_into(name, &mut bytes, progress)?;
        Ok(Member {
            label: self.label(name),
            bytes,
        })
    }

    /// The file `name`, or `None` when this place has no such file.
    pub fn read_optional(&mut self, name: &str) -> Result<Option<Member>, ImportError> {
        if !self.names().iter().any(|n| n == name) {
            return Ok(None);
        }
        self.read(name).map(Some)
    }

    /// The file `file` of `folder`, which must be there.
    pub fn read_required(
        &mut self,
        folder: &str,
        file: &'static str,
    ) -> Result<Member, ImportError> {
        let name = format!("{folder}{file}");
        self.read_optional(&name)?
            .ok_or_else(|| ImportError::MissingFile {
                path: self.path().to_path_buf(),
                file,
            })
    }
}

/// A reader that tells `progress` how many bytes have come through it so far.
struct Counted<'a, R> {
    inner: R,
    done: u64,
    progress: &'a dyn Fn(u64),
}

impl<'a, R: Read> Counted<'a, R> {
    fn new(inner: R, progress: &'a dyn Fn(u64)) -> Self {
        Counted {
            inner,
            done: 0,
            progress,
        }
    }
}

impl<R: Read> Read for Counted<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.done += n as u64;
        (self.progress)(self.done);
        Ok(n)
    }
}

fn archive_error(path: &Path, source: zip::result::ZipError) -> ImportError {
    ImportError::Archive {
        path: path.to_path_buf(),
        source,
    }
}
