//! Writer of whisper.cpp's legacy ggml model file.
//!
//! The layout is the one whisper.cpp's `whisper_model_load` reads, all little-endian: the
//! magic `0x67676d6c`, eleven i32 hyper-parameters, the mel filter bank (rows, columns, f32
//! weights), the vocabulary (count, then length-prefixed byte strings), and the tensors to the
//! end of the file. Each tensor is its rank, name length and type, its dimensions innermost
//! first (the reverse of the row-major shape), its name, and its data. The loader compares
//! every tensor's type, shape and byte count with the ones it expects, so the types chosen
//! here follow it: 2-D and 3-D weights are f16, everything else (biases, layer norms,
//! positional embeddings) is f32.

use std::io::{self, Write};
use std::ops::Range;
use std::path::Path;

use super::ImportError;
use super::ct2::{Ct2Model, DType};
use super::mel::MelFilters;

/// "ggml" read as a little-endian u32: the first four bytes of every model file.
pub const GGML_MAGIC: u32 = 0x6767_6d6c;

/// whisper.cpp's ftype for models whose weight matrices are f16 (`GGML_FTYPE_MOSTLY_F16`).
pub const FTYPE_MOSTLY_F16: i32 = 1;

/// The hyper-parameters at the head of the file, in the order whisper.cpp reads them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hparams {
    pub n_vocab: i32,
    pub n_audio_ctx: i32,
    pub n_audio_state: i32,
    pub n_audio_head: i32,
    pub n_audio_layer: i32,
    pub n_text_ctx: i32,
    pub n_text_state: i32,
    pub n_text_head: i32,
    pub n_text_layer: i32,
    pub n_mels: i32,
    pub ftype: i32,
}

impl Hparams {
    fn as_array(&self) -> [i32; 11] {
        [
            self.n_vocab,
            self.n_audio_ctx,
            self.n_audio_state,
            self.n_audio_head,
            self.n_audio_layer,
            self.n_text_ctx,
            self.n_text_state,
            self.n_text_head,
            self.n_text_layer,
            self.n_mels,
            self.ftype,
        ]
    }
}

/// The element type of a stored tensor, with ggml's type codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GgmlType {
    F32 = 0,
    F16 = 1,
}

/// One tensor to write: a run of elements of a CTranslate2 variable under a whisper.cpp name.
///
/// Splitting a fused QKV matrix by rows gives contiguous runs, so every output tensor,
/// including the split ones, is `elements` of `source` viewed with a new `shape`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TensorPlan {
    pub name: String,
    pub source: String,
    pub shape: Vec<usize>,
    pub elements: Range<usize>,
    pub ty: GgmlType,
}

impl TensorPlan {
    /// The bytes of data this tensor takes in the file.
    pub fn data_bytes(&self) -> u64 {
        let size = match self.ty {
            GgmlType::F32 => 4,
            GgmlType::F16 => 2,
        };
        self.elements.len() as u64 * size
    }
}

/// Everything a ggml file holds, apart from tensor data, which comes from the CT2 model.
#[derive(Debug)]
pub struct GgmlParts<'a> {
    pub hparams: Hparams,
    pub filters: &'a MelFilters,
    pub vocab: &'a [Vec<u8>],
    pub tensors: &'a [TensorPlan],
}

fn put_i32(out: &mut impl Write, v: i32) -> io::Result<()> {
    out.write_all(&v.to_le_bytes())
}

/// Converts a count to the i32 the format stores, refusing counts too large for it.
fn to_i32(v: usize, what: &str) -> io::Result<i32> {
    i32::try_from(v).map_err(|_| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("{what} {v} does not fit in an i32"),
        )
    })
}

/// Writes the magic, the hyper-parameters, the filters and the vocabulary.
pub fn write_preamble(out: &mut impl Write, parts: &GgmlParts<'_>) -> io::Result<()> {
    out.write_all(&GGML_MAGIC.to_le_bytes())?;
    for v in parts.hparams.as_array() {
        put_i32(out, v)?;
    }
    put_i32(out, to_i32(parts.filters.n_mels, "the mel count")?)?;
    put_i32(out, to_i32(parts.filters.n_bins, "the filter width")?)?;
    for w in &parts.filters.data {
        out.write_all(&w.to_le_bytes())?;
    }
    put_i32(out, to_i32(parts.vocab.len(), "the vocabulary size")?)?;
    for token in parts.vocab {
        put_i32(out, to_i32(token.len(), "a token length")?)?;
        out.write_all(token)?;
    }
    Ok(())
}

/// Writes one tensor's header: rank, name length, type, dimensions innermost first, name.
pub fn write_tensor_header(out: &mut impl Write, plan: &TensorPlan) -> io::Result<()> {
    put_i32(out, to_i32(plan.shape.len(), "a tensor rank")?)?;
    put_i32(out, to_i32(plan.name.len(), "a tensor name length")?)?;
    put_i32(out, plan.ty as i32)?;
    for &d in plan.shape.iter().rev() {
        put_i32(out, to_i32(d, "a tensor dimension")?)?;
    }
    out.write_all(plan.name.as_bytes())
}

/// Writes one tensor's data, copying bytes when the source already has the target type.
fn write_tensor_data(
    out: &mut impl Write,
    plan: &TensorPlan,
    model: &Ct2Model,
    path: &Path,
) -> Result<(), ImportError> {
    let io_err = |source| ImportError::Write {
        path: path.to_path_buf(),
        source,
    };
    let missing = || ImportError::MissingTensor {
        file: model.file.clone(),
        tensor: plan.source.clone(),
    };
    let var = model.get(&plan.source).ok_or_else(missing)?;
    let size = var.dtype.size();
    let raw = || {
        model
            .data(var)
            .get(plan.elements.start * size..plan.elements.end * size)
    };
    match (var.dtype, plan.ty) {
        (DType::F16, GgmlType::F16) | (DType::F32, GgmlType::F32) => {
            out.write_all(raw().ok_or_else(missing)?).map_err(io_err)
        }
        (_, ty) => {
            let values = model.values_f32(var, plan.elements.clone())?;
            let bytes: Vec<u8> = match ty {
                GgmlType::F32 => values.iter().flat_map(|v| v.to_le_bytes()).collect(),
                GgmlType::F16 => values
                    .iter()
                    .flat_map(|v| half::f16::from_f32(*v).to_le_bytes())
                    .collect(),
            };
            out.write_all(&bytes).map_err(io_err)
        }
    }
}

/// Writes a complete model file to `out`; `path` names the file in error messages. After each
/// tensor, `progress` hears the bytes of tensor data written so far.
pub fn write_model(
    out: &mut impl Write,
    parts: &GgmlParts<'_>,
    model: &Ct2Model,
    path: &Path,
    progress: &dyn Fn(u64),
) -> Result<(), ImportError> {
    let io_err = |source| ImportError::Write {
        path: path.to_path_buf(),
        source,
    };
    write_preamble(out, parts).map_err(io_err)?;
    let mut written = 0;
    for plan in parts.tensors {
        write_tensor_header(out, plan).map_err(io_err)?;
        write_tensor_data(out, plan, model, path)?;
        written += plan.data_bytes();
        progress(written);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::testkit::ModelBin;
    use super::*;

    fn i32s(bytes: &[u8]) -> Vec<i32> {
        bytes
            .chunks_exact(4)
            .map(|b| i32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .collect()
    }

    fn hparams() -> Hparams {
        let [a, b, c, d, e, f, g, h, i, j, k] =
            [5, 6, 7, 8, 9, 10, 11, 12, 13, 2, FTYPE_MOSTLY_F16];
        Hparams {
            n_vocab: a,
            n_audio_ctx: b,
            n_audio_state: c,
            n_audio_head: d,
            n_audio_layer: e,
            n_text_ctx: f,
            n_text_state: g,
            n_text_head: h,
            n_text_layer: i,
            n_mels: j,
            ftype: k,
        }
    }

    #[test]
    fn writes_the_preamble_in_loader_order() {
        let filters = MelFilters {
            n_mels: 2,
            n_bins: 2,
            data: vec![0.5, 1.0, 1.5, 2.0],
        };
        let vocab = vec![b"!".to_vec(), b" the".to_vec()];
        let parts = GgmlParts {
            hparams: hparams(),
            filters: &filters,
            vocab: &vocab,
            tensors: &[],
        };
        let mut out = Vec::new();
        write_preamble(&mut out, &parts).unwrap();
        assert_eq!(&out[..4], b"lmgg");
        assert_eq!(i32s(&out[4..48]), vec![5, 6, 7, 8, 9, 10, 11, 12, 13, 2, 1]);
        assert_eq!(i32s(&out[48..56]), vec![2, 2]);
        assert_eq!(
            f32::from_le_bytes([out[60], out[61], out[62], out[63]]),
            1.0
        );
        assert_eq!(i32s(&out[72..80]), vec![2, 1]);
        assert_eq!(&out[80..81], b"!");
        assert_eq!(i32s(&out[81..85]), vec![4]);
        assert_eq!(&out[85..], b" the");
    }

    #[test]
    fn writes_tensors_with_reversed_dims_and_converted_data() {
        let mut m = ModelBin::default();
        m.f16("w", &[2, 3], |i| i as f32);
        let model = Ct2Model::parse(m.build("WhisperSpec"), "model.bin").unwrap();
        let plan = |ty, elements| TensorPlan {
            name: "enc.w".into(),
            source: "w".into(),
            shape: vec![1, 3],
            elements,
            ty,
        };
        let filters = MelFilters {
            n_mels: 0,
            n_bins: 0,
            data: vec![],
        };
        let tensors = [plan(GgmlType::F16, 3..6), plan(GgmlType::F32, 0..3)];
        let parts = GgmlParts {
            hparams: hparams(),
            filters: &filters,
            vocab: &[],
            tensors: &tensors,
        };
        let mut out = Vec::new();
        let done = std::cell::Cell::new(0);
        let progress = |bytes| done.set(bytes);
        write_model(&mut out, &parts, &model, Path::new("out.bin"), &progress).unwrap();
        assert_eq!(done.get(), 3 * 2 + 3 * 4, "three f16 and three f32 values");
        let t = &out[60..];
        assert_eq!(i32s(&t[..20]), vec![2, 5, 1, 3, 1]);
        assert_eq!(&t[20..25], b"enc.w");
        let halves: Vec<f32> = t[25..31]
            .chunks(2)
            .map(|b| half::f16::from_le_bytes([b[0], b[1]]).to_f32())
            .collect();
        assert_eq!(halves, vec![3.0, 4.0, 5.0]);
        let t = &t[31..];
        assert_eq!(i32s(&t[..20]), vec![2, 5, 0, 3, 1]);
        assert_eq!(
            i32s(&t[25..])
                .iter()
                .map(|&b| f32::from_bits(b as u32))
                .collect::<Vec<_>>(),
            vec![0.0, 1.0, 2.0]
        );
    }
}
