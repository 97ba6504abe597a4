//! CTranslate2's element types, and the decoding of its variables to f32 with dequantization.
//!
//! faster-whisper models come as float16, float32 or bfloat16, or quantized to int8 (with one
//! scale per output row) or int16 (with one scale for the whole matrix). CTranslate2 quantizes
//! by multiplying with the scale and rounding, so dividing by the scale recovers the weights,
//! up to the rounding. whisper.cpp only takes f16 and f32 here, so every other type passes
//! through f32 on its way to the file.

use std::ops::Range;

use super::ct2::{Ct2Model, Variable};
use super::{DtypeProblem, ImportError, Malformation};

/// The element types CTranslate2 stores, in the order of its on-disk dtype codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DType {
    F32,
    I8,
    I16,
    I32,
    F16,
    BF16,
}

impl DType {
    /// Maps the dtype code written by binary version 4 and later.
    pub fn from_code(code: u8) -> Option<Self> {
        const ALL: [DType; 6] = [
            DType::F32,
            DType::I8,
            DType::I16,
            DType::I32,
            DType::F16,
            DType::BF16,
        ];
        ALL.get(usize::from(code)).copied()
    }

    /// Maps the item width that versions before 4 stored instead of a dtype code.
    pub fn from_item_size(size: u8) -> Option<Self> {
        match size {
            4 => Some(DType::F32),
            2 => Some(DType::I16),
            1 => Some(DType::I8),
            _ => None,
        }
    }

    /// The size of one element in bytes.
    pub fn size(self) -> usize {
        match self {
            DType::I8 => 1,
            DType::I16 | DType::F16 | DType::BF16 => 2,
            DType::F32 | DType::I32 => 4,
        }
    }

    /// The name CTranslate2 uses for this dtype, for messages.
    pub fn name(self) -> &'static str {
        match self {
            DType::F32 => "float32",
            DType::I8 => "int8",
            DType::I16 => "int16",
            DType::I32 => "int32",
            DType::F16 => "float16",
            DType::BF16 => "bfloat16",
        }
    }
}

impl Ct2Model {
    /// Decodes the elements `range` of a float or quantized variable to f32.
    ///
    /// Quantized weights are divided by their `<name>_scale` variable, which CTranslate2
    /// writes as one scale per leading-dimension row (int8) or a single scale (int16).
    pub fn values_f32(&self, var: &Variable, range: Range<usize>) -> Result<Vec<f32>, ImportError> {
        let size = var.dtype.size();
        let data = self
            .data(var)
            .get(range.start * size..range.end * size)
            .ok_or_else(|| ImportError::Malformed {
                file: self.file.clone(),
                offset: 0,
                problem: Malformation::OutOfBounds {
                    variable: var.name.clone(),
                    elements: range.clone(),
                },
            })?;
        let pairs = || data.chunks_exact(2).map(|b| [b[0], b[1]]);
        match var.dtype {
            DType::F32 => Ok(data
                .chunks_exact(4)
                .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                .collect()),
            DType::F16 => Ok(pairs()
                .map(|b| half::f16::from_le_bytes(b).to_f32())
                .collect()),
            DType::BF16 => Ok(pairs()
                .map(|b| half::bf16::from_le_bytes(b).to_f32())
                .collect()),
            DType::I8 => self.dequantize(var, range, data.iter().map(|&b| f32::from(b as i8))),
            DType::I16 => self.dequantize(
                var,
                range,
                pairs().map(|b| f32::from(i16::from_le_bytes(b))),
            ),
            DType::I32 => Err(self.unconvertible(var, DtypeProblem::Integer)),
        }
    }

    /// Divides quantized values (elements `range` of `var`) by their row's scale.
    fn dequantize(
        &self,
        var: &Variable,
        range: Range<usize>,
        ints: impl Iterator<Item = f32>,
    ) -> Result<Vec<f32>, ImportError> {
        let scales = self.scales(var)?;
        // One scale covers everything; one per row covers `row_len` consecutive elements.
        let row_len = (var.len() / scales.len().max(1)).max(1);
        let scale = |i: usize| {
            scales[if scales.len() == 1 {
                0
            } else {
                (range.start + i) / row_len
            }]
        };
        Ok(ints.enumerate().map(|(i, q)| q / scale(i)).collect())
    }

    /// Checks that `values_f32` can decode `var`, so conversion fails before writing starts.
    pub fn check_convertible(&self, var: &Variable) -> Result<(), ImportError> {
        match var.dtype {
            DType::I8 | DType::I16 => self.scales(var).map(drop),
            DType::I32 => Err(self.unconvertible(var, DtypeProblem::Integer)),
            _ => Ok(()),
        }
    }

    /// Loads and checks the dequantization scales of a quantized variable.
    fn scales(&self, var: &Variable) -> Result<Vec<f32>, ImportError> {
        let name = format!("{}_scale", var.name);
        let scale = self
            .get(&name)
            .ok_or_else(|| self.unconvertible(var, DtypeProblem::NoScale))?;
        let rows = var.shape.first().copied().unwrap_or(1);
        let float = matches!(scale.dtype, DType::F32 | DType::F16 | DType::BF16);
        if !float || !(scale.len() == 1 || scale.len() == rows) {
            return Err(self.unconvertible(var, DtypeProblem::ScaleShape));
        }
        let values = self.values_f32(scale, 0..scale.len())?;
        if values.iter().any(|s| !s.is_finite() || *s == 0.0) {
            return Err(self.unconvertible(var, DtypeProblem::ScaleValues));
        }
        Ok(values)
    }

    fn unconvertible(&self, var: &Variable, problem: DtypeProblem) -> ImportError {
        ImportError::UnsupportedDtype {
            file: self.file.clone(),
            tensor: var.name.clone(),
            dtype: var.dtype.name(),
            problem,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testkit::ModelBin;
    use super::*;

    fn model(m: &ModelBin) -> Ct2Model {
        Ct2Model::parse(m.build("WhisperSpec"), "model.bin").unwrap()
    }

    #[test]
    fn decodes_float_types() {
        let mut m = ModelBin::default();
        m.var(
            "f32",
            &[2],
            0,
            [1.5f32, -2.0]
                .iter()
                .flat_map(|v| v.to_le_bytes())
                .collect(),
        );
        m.var(
            "bf16",
            &[1],
            5,
            half::bf16::from_f32(0.25).to_le_bytes().to_vec(),
        );
        m.f16("f16", &[3], |i| i as f32 - 1.0);
        let model = model(&m);
        let values = |name: &str, r| model.values_f32(model.get(name).unwrap(), r).unwrap();
        assert_eq!(values("f32", 0..2), vec![1.5, -2.0]);
        assert_eq!(values("bf16", 0..1), vec![0.25]);
        assert_eq!(values("f16", 1..3), vec![0.0, 1.0]);
    }

    #[test]
    fn dequantizes_int8_by_row_and_int16_globally() {
        let mut m = ModelBin::default();
        m.var(
            "w",
            &[2, 2],
            1,
            [10i8, -20, 30, 40].iter().map(|&b| b as u8).collect(),
        );
        m.var(
            "w_scale",
            &[2],
            0,
            [10f32, 20.0].iter().flat_map(|v| v.to_le_bytes()).collect(),
        );
        m.var(
            "v",
            &[2],
            2,
            [512i16, -1024]
                .iter()
                .flat_map(|v| v.to_le_bytes())
                .collect(),
        );
        m.var("v_scale", &[], 0, 1024f32.to_le_bytes().to_vec());
        let model = model(&m);
        let w = model.get("w").unwrap();
        model.check_convertible(w).unwrap();
        assert_eq!(
            model.values_f32(w, 0..4).unwrap(),
            vec![1.0, -2.0, 1.5, 2.0]
        );
        assert_eq!(model.values_f32(w, 3..4).unwrap(), vec![2.0]);
        assert_eq!(
            model.values_f32(model.get("v").unwrap(), 0..2).unwrap(),
            vec![0.5, -1.0]
        );
    }

    #[test]
    fn refuses_what_it_cannot_decode() {
        let mut m = ModelBin::default();
        m.var("q", &[1], 1, vec![1]);
        m.var("i", &[1], 3, vec![0; 4]);
        m.f16("h", &[2], |_| 0.0);
        let model = model(&m);
        let err = model
            .check_convertible(model.get("q").unwrap())
            .unwrap_err();
        assert!(
            err.to_string().contains("tensor q as int8") && err.to_string().contains("no scale"),
            "{err}"
        );
        assert!(model.check_convertible(model.get("i").unwrap()).is_err());
        assert!(model.values_f32(model.get("h").unwrap(), 1..3).is_err());
    }
}
