//! Reads a whisper.cpp ggml model file without loading it, to tell a good model from a bad one.
//!
//! whisper.cpp reports a broken model file with a line on its log and a null context at best, and
//! aborts the process at worst. So before a file reaches it we walk the whole file ourselves: the magic,
//! the hyper-parameters, the mel filters, the vocabulary and every tensor's header, checking that each
//! tensor's data is really there. A truncated download or a file of another kind is named precisely.

use std::fs::File;
use std::io::{self, BufReader, Read, Seek, SeekFrom};
use std::path::Path;

use super::error::{ModelError, ModelFlaw};

/// The magic number at the start of a whisper.cpp model ("ggml" read as a little-endian u32).
pub const GGML_MAGIC: u32 = 0x6767_6d6c;

/// What a model file says about itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelInfo {
    /// `tiny`, `base`, `small`, `medium` or `large`, from the number of encoder layers.
    pub kind: String,
    /// True for the English-only models.
    pub english_only: bool,
    /// Vocabulary size.
    pub n_vocab: u32,
    /// Encoder layers.
    pub n_audio_layer: u32,
    /// Encoder width.
    pub n_audio_state: u32,
    /// Mel bands.
    pub n_mels: u32,
    /// How many tensors the file holds.
    pub tensors: usize,
    /// The file's size in bytes.
    pub bytes: u64,
}

impl ModelInfo {
    /// The conventional short name, such as `tiny.en` or `base`.
    pub fn name(&self) -> String {
        if self.english_only {
            format!("{}.en", self.kind)
        } else {
            self.kind.clone()
        }
    }
}

/// Walks the model file at `path` and returns what it holds.
pub fn inspect(path: &Path) -> Result<ModelInfo, ModelError> {
    let io_err = |source| ModelError::Unreadable {
        path: path.to_path_buf(),
        source,
    };
    let invalid = |flaw| ModelError::Invalid {
        path: path.to_path_buf(),
        flaw,
    };
    let file = File::open(path).map_err(io_err)?;
    if file.metadata().map_err(io_err)?.is_dir() {
        return Err(invalid(ModelFlaw::Directory));
    }
    let bytes = file.metadata().map_err(io_err)?.len();
    let mut r = BufReader::new(file);
    walk(&mut r, bytes).map_err(invalid)
}

/// The hyper-parameters block, in file order.
struct Hparams {
    n_vocab: u32,
    n_audio_state: u32,
    n_audio_layer: u32,
    n_text_layer: u32,
    n_mels: u32,
}

fn walk<R: Read + Seek>(r: &mut R, bytes: u64) -> Result<ModelInfo, ModelFlaw> {
    let magic = read_u32(r).map_err(|_| ModelFlaw::NoHeader)?;
    if magic != GGML_MAGIC {
        return Err(ModelFlaw::NotGgml { found: magic });
    }
    let h = read_hparams(r)?;
    skip_mel_filters(r)?;
    skip_vocab(r, h.n_vocab)?;
    let names = walk_tensors(r, bytes)?;
    check_tensor_names(&names, &h)?;
    Ok(ModelInfo {
        kind: kind_of(h.n_audio_layer).to_string(),
        english_only: h.n_vocab == 51864,
        n_vocab: h.n_vocab,
        n_audio_layer: h.n_audio_layer,
        n_audio_state: h.n_audio_state,
        n_mels: h.n_mels,
        tensors: names.len(),
        bytes,
    })
}

fn read_hparams<R: Read>(r: &mut R) -> Result<Hparams, ModelFlaw> {
    let mut v = [0u32; 11];
    for x in v.iter_mut() {
        *x = read_u32(r).map_err(|_| ModelFlaw::HparamsCut)?;
    }
    let h = Hparams {
        n_vocab: v[0],
        n_audio_state: v[2],
        n_audio_layer: v[4],
        n_text_layer: v[8],
        n_mels: v[9],
    };
    let plausible = (51_000..=52_000).contains(&h.n_vocab)
        && (1..=64).contains(&h.n_audio_layer)
        && (1..=64).contains(&h.n_text_layer)
        && (64..=4096).contains(&h.n_audio_state)
        && (h.n_mels == 80 || h.n_mels == 128);
    if !plausible {
        return Err(ModelFlaw::NotWhisper);
    }
    Ok(h)
}

fn skip_mel_filters<R: Read + Seek>(r: &mut R) -> Result<(), ModelFlaw> {
    let n_mel = read_u32(r).map_err(|_| ModelFlaw::MelCut)? as i64;
    let n_fft = read_u32(r).map_err(|_| ModelFlaw::MelCut)? as i64;
    if !(1..=256).contains(&n_mel) || !(1..=1024).contains(&n_fft) {
        return Err(ModelFlaw::MelShape {
            bands: n_mel,
            bins: n_fft,
        });
    }
    r.seek(SeekFrom::Current(n_mel * n_fft * 4))
        .map_err(ModelFlaw::Seek)?;
    Ok(())
}

fn skip_vocab<R: Read + Seek>(r: &mut R, n_vocab: u32) -> Result<(), ModelFlaw> {
    let n = read_u32(r).map_err(|_| ModelFlaw::VocabMissing)?;
    if n > n_vocab {
        return Err(ModelFlaw::VocabTooLarge {
            entries: n,
            declared: n_vocab,
        });
    }
    // The tokens are read, not seeked over: a seek empties the reader's buffer, and 51,864 of them
    // cost two system calls each, a tenth of a second before every transcription.
    let mut token = [0u8; 1024];
    for _ in 0..n {
        let len = read_u32(r).map_err(|_| ModelFlaw::VocabCut)? as usize;
        if len > token.len() {
            return Err(ModelFlaw::ImpossibleToken);
        }
        r.read_exact(&mut token[..len])
            .map_err(|_| ModelFlaw::VocabCut)?;
    }
    Ok(())
}

/// Reads every tensor header, checks its data lies inside the file, and returns the names.
fn walk_tensors<R: Read + Seek>(r: &mut R, bytes: u64) -> Result<Vec<String>, ModelFlaw> {
    let mut names = Vec::new();
    loop {
        let pos = r.stream_position().map_err(ModelFlaw::Seek)?;
        if pos == bytes {
            return Ok(names);
        }
        let (name, size) = read_tensor_header(r)?;
        let data_end = r.stream_position().map_err(ModelFlaw::Seek)? + size;
        if data_end > bytes {
            return Err(ModelFlaw::Truncated {
                tensor: name,
                missing: data_end - bytes,
            });
        }
        r.seek(SeekFrom::Start(data_end)).map_err(ModelFlaw::Seek)?;
        names.push(name);
    }
}

fn read_tensor_header<R: Read>(r: &mut R) -> Result<(String, u64), ModelFlaw> {
    let broken = |_| ModelFlaw::TensorHeaderCut;
    let n_dims = read_u32(r).map_err(broken)?;
    let name_len = read_u32(r).map_err(broken)?;
    let ttype = read_u32(r).map_err(broken)?;
    if !(1..=4).contains(&n_dims) || !(1..=256).contains(&name_len) {
        return Err(ModelFlaw::TensorHeaderNonsense);
    }
    let mut elements: u64 = 1;
    for _ in 0..n_dims {
        elements = elements.saturating_mul(read_u32(r).map_err(broken)? as u64);
    }
    let mut name = vec![0u8; name_len as usize];
    r.read_exact(&mut name).map_err(broken)?;
    let name = String::from_utf8_lossy(&name).into_owned();
    match tensor_bytes(ttype, elements) {
        Some(size) => Ok((name, size)),
        None => Err(ModelFlaw::UnknownTensorType {
            tensor: name,
            ttype,
        }),
    }
}

/// Bytes of data for `elements` values of ggml type `ttype`: plain floats, or quantised blocks of 32.
fn tensor_bytes(ttype: u32, elements: u64) -> Option<u64> {
    let block = |bytes_per_block: u64| elements.div_ceil(32) * bytes_per_block;
    Some(match ttype {
        0 => elements * 4,
        1 => elements * 2,
        2 => block(18),
        3 => block(20),
        6 => block(22),
        7 => block(24),
        8 => block(34),
        _ => return None,
    })
}

fn check_tensor_names(names: &[String], h: &Hparams) -> Result<(), ModelFlaw> {
    let last_enc = h.n_audio_layer - 1;
    let last_dec = h.n_text_layer - 1;
    let required = [
        "encoder.conv1.weight".to_string(),
        "decoder.token_embedding.weight".to_string(),
        format!("encoder.blocks.{last_enc}.attn.query.weight"),
        format!("decoder.blocks.{last_dec}.cross_attn.value.weight"),
        "decoder.ln.weight".to_string(),
    ];
    match required.iter().find(|n| !names.contains(n)) {
        Some(missing) => Err(ModelFlaw::MissingTensor(missing.clone())),
        None => Ok(()),
    }
}

fn kind_of(n_audio_layer: u32) -> &'static str {
    match n_audio_layer {
        4 => "tiny",
        6 => "base",
        12 => "small",
        24 => "medium",
        32 => "large",
        _ => "custom",
    }
}

fn read_u32<R: Read>(r: &mut R) -> io::Result<u32> {
    let mut b = [0u8; 4];
    r.read_exact(&mut b)?;
    Ok(u32::from_le_bytes(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Writes a miniature but well-formed ggml file: tiny hyper-parameters that pass the checks,
    /// a 2 x 3 mel bank, a two-token vocabulary and the required tensors of 4 floats each.
    fn tiny_model(tensors: &[&str], truncate_last_by: usize) -> Vec<u8> {
        let mut b = Vec::new();
        let put = |v: u32, b: &mut Vec<u8>| b.extend_from_slice(&v.to_le_bytes());
        put(GGML_MAGIC, &mut b);
        for v in [51864, 1500, 384, 6, 1, 448, 384, 6, 1, 80, 1] {
            put(v, &mut b);
        }
        put(2, &mut b);
        put(3, &mut b);
        b.extend(std::iter::repeat_n(0u8, 2 * 3 * 4));
        put(2, &mut b);
        for tok in [b"a".as_slice(), b" b"] {
            put(tok.len() as u32, &mut b);
            b.extend_from_slice(tok);
        }
        for name in tensors {
            put(1, &mut b);
            put(name.len() as u32, &mut b);
            put(0, &mut b);
            put(4, &mut b);
            b.extend_from_slice(name.as_bytes());
            b.extend(std::iter::repeat_n(0u8, 16));
        }
        b.truncate(b.len() - truncate_last_by);
        b
    }

    const REQUIRED: [&str; 5] = [
        "encoder.conv1.weight",
        "decoder.token_embedding.weight",
        "encoder.blocks.0.attn.query.weight",
        "decoder.blocks.0.cross_attn.value.weight",
        "decoder.ln.weight",
    ];

    fn check(bytes: &[u8]) -> Result<ModelInfo, ModelError> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ggml-test.bin");
        std::fs::write(&path, bytes).unwrap();
        inspect(&path)
    }

    #[test]
    fn a_whole_file_is_described() {
        let info = check(&tiny_model(&REQUIRED, 0)).unwrap();
        assert_eq!(info.name(), "custom.en");
        assert_eq!(info.tensors, 5);
    }

    #[test]
    fn a_truncated_file_is_called_truncated() {
        let msg = check(&tiny_model(&REQUIRED, 3)).unwrap_err().to_string();
        assert!(msg.contains("truncated"), "{msg}");
        assert!(msg.contains("ggml-test.bin"), "{msg}");
    }

    #[test]
    fn a_file_cut_inside_the_vocabulary_says_so() {
        let whole = tiny_model(&REQUIRED, 0);
        // Magic, 11 hyper-parameters, the 2 x 3 mel bank with its shape, the token count, then
        // the first token's length and one byte of the second token.
        let cut = 4 + 11 * 4 + 8 + 2 * 3 * 4 + 4 + 4 + 1 + 4 + 1;
        let msg = check(&whole[..cut]).unwrap_err().to_string();
        assert!(msg.contains("breaks off inside the vocabulary"), "{msg}");
    }

    #[test]
    fn a_missing_tensor_is_named() {
        let msg = check(&tiny_model(&REQUIRED[..4], 0))
            .unwrap_err()
            .to_string();
        assert!(msg.contains("decoder.ln.weight"), "{msg}");
    }

    #[test]
    fn other_files_are_not_models() {
        for bytes in [
            &b""[..],
            b"GGUF\x03\x00\x00\x00",
            b"hello world, not a model",
        ] {
            let msg = check(bytes).unwrap_err().to_string();
            assert!(msg.contains("not a usable whisper.cpp model"), "{msg}");
        }
    }

    #[test]
    fn quantised_tensor_sizes_follow_ggml_blocks() {
        assert_eq!(tensor_bytes(8, 64), Some(68));
        assert_eq!(tensor_bytes(2, 33), Some(36));
        assert_eq!(tensor_bytes(99, 1), None);
    }
}
