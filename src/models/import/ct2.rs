//! Reader for CTranslate2's `model.bin` format, the weights file of faster-whisper models.
//!
//! The file is a little-endian stream: a binary version, the spec name and revision, a
//! list of variables (name, shape, dtype, raw row-major bytes) and a list of aliases that
//! point one name at another variable's data. Everything is checked against the file's
//! length before use, so a truncated or corrupt file gives an `ImportError`, never a panic.

use std::collections::BTreeMap;
use std::ops::Range;

pub use super::ct2_dtype::DType;
use super::{ImportError, Malformation};

/// The newest binary version this reader understands; CTranslate2 bumps it on layout changes.
pub const MAX_BINARY_VERSION: u32 = 6;

/// One stored variable; its bytes live in the owning `Ct2Model`.
#[derive(Debug, Clone)]
pub struct Variable {
    pub name: String,
    pub shape: Vec<usize>,
    pub dtype: DType,
    range: Range<usize>,
}

impl Variable {
    /// The number of elements, which the parser has already checked fits the byte count.
    pub fn len(&self) -> usize {
        self.shape.iter().product()
    }
}

/// A parsed `model.bin`, owning the file's bytes.
///
/// The header's binary version decides how the records are read and is not kept; its spec
/// revision is skipped, since the names and shapes of the tensors are what the import checks.
#[derive(Debug)]
pub struct Ct2Model {
    pub file: String,
    pub spec: String,
    variables: BTreeMap<String, Variable>,
    aliases: BTreeMap<String, String>,
    bytes: Vec<u8>,
}

/// A bounds-checked reading position in the file.
struct Cursor<'a> {
    bytes: &'a [u8],
    pos: usize,
    file: &'a str,
}

impl<'a> Cursor<'a> {
    fn take(&mut self, n: usize, what: &'static str) -> Result<&'a [u8], ImportError> {
        let end = self
            .pos
            .checked_add(n)
            .filter(|&end| end <= self.bytes.len());
        let end = end.ok_or_else(|| ImportError::Truncated {
            file: self.file.to_owned(),
            offset: self.pos,
            what,
        })?;
        let slice = &self.bytes[self.pos..end];
        self.pos = end;
        Ok(slice)
    }

    fn u8(&mut self, what: &'static str) -> Result<u8, ImportError> {
        Ok(self.take(1, what)?[0])
    }

    fn u16(&mut self, what: &'static str) -> Result<u16, ImportError> {
        let b = self.take(2, what)?;
        Ok(u16::from_le_bytes([b[0], b[1]]))
    }

    fn u32(&mut self, what: &'static str) -> Result<u32, ImportError> {
        let b = self.take(4, what)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    /// Reads a length-prefixed string whose length counts a trailing NUL byte.
    fn string(&mut self, what: &'static str) -> Result<String, ImportError> {
        let len = usize::from(self.u16(what)?);
        let start = self.pos;
        let raw = self.take(len, what)?;
        let raw = raw.strip_suffix(&[0]).unwrap_or(raw);
        String::from_utf8(raw.to_vec())
            .map_err(|_| self.malformed(start, Malformation::NotUtf8 { what }))
    }

    fn malformed(&self, offset: usize, problem: Malformation) -> ImportError {
        ImportError::Malformed {
            file: self.file.to_owned(),
            offset,
            problem,
        }
    }
}

impl Ct2Model {
    /// Parses a whole `model.bin`; `file` names it in error messages.
    pub fn parse(bytes: Vec<u8>, file: &str) -> Result<Self, ImportError> {
        let mut cur = Cursor {
            bytes: &bytes,
            pos: 0,
            file,
        };
        let (binary_version, spec) = read_header(&mut cur)?;
        let variables = read_variables(&mut cur, binary_version)?;
        let aliases = if binary_version >= 3 {
            read_aliases(&mut cur, &variables)?
        } else {
            BTreeMap::new()
        };
        if cur.pos != bytes.len() {
            let extra = bytes.len() - cur.pos;
            return Err(cur.malformed(cur.pos, Malformation::TrailingBytes { extra }));
        }
        Ok(Ct2Model {
            file: file.to_owned(),
            spec,
            variables,
            aliases,
            bytes,
        })
    }

    /// Looks a variable up by name, following an alias to the variable it points at.
    pub fn get(&self, name: &str) -> Option<&Variable> {
        let target = self.aliases.get(name).map_or(name, String::as_str);
        self.variables.get(target)
    }

    /// The stored variables in name order (aliases excluded).
    pub fn variables(&self) -> impl Iterator<Item = &Variable> {
        self.variables.values()
    }

    /// The raw little-endian bytes of a variable.
    pub fn data(&self, var: &Variable) -> &[u8] {
        &self.bytes[var.range.clone()]
    }

    /// Reads a rank-0 integer variable (CTranslate2 stores flags and head counts this way).
    pub fn scalar_int(&self, name: &str) -> Option<i64> {
        let var = self.get(name).filter(|v| v.shape.is_empty())?;
        let b = self.data(var);
        match var.dtype {
            DType::I8 => Some(i64::from(b[0] as i8)),
            DType::I16 => Some(i64::from(i16::from_le_bytes([b[0], b[1]]))),
            DType::I32 => Some(i64::from(i32::from_le_bytes([b[0], b[1], b[2], b[3]]))),
            _ => None,
        }
    }
}

/// Reads the binary version and, from version 2 on, the spec name, skipping its revision.
fn read_header(cur: &mut Cursor<'_>) -> Result<(u32, String), ImportError> {
    let version = cur.u32("the binary version")?;
    if version == 0 || version > MAX_BINARY_VERSION {
        let file = cur.file.to_owned();
        return Err(ImportError::UnsupportedVersion { file, version });
    }
    // Version 1 files predate spec names; their weights are read like any other's.
    if version >= 2 {
        let spec = cur.string("the spec name")?;
        cur.u32("the spec revision")?;
        Ok((version, spec))
    } else {
        Ok((version, String::new()))
    }
}

fn read_variables(
    cur: &mut Cursor<'_>,
    version: u32,
) -> Result<BTreeMap<String, Variable>, ImportError> {
    let count = cur.u32("the variable count")?;
    let mut variables = BTreeMap::new();
    for _ in 0..count {
        let start = cur.pos;
        let var = read_variable(cur, version)?;
        if variables.contains_key(&var.name) {
            let variable = var.name;
            return Err(cur.malformed(start, Malformation::DuplicateVariable { variable }));
        }
        variables.insert(var.name.clone(), var);
    }
    Ok(variables)
}

/// Reads a variable's dtype and byte count, which versions before 4 stored differently.
fn read_dtype(
    cur: &mut Cursor<'_>,
    version: u32,
    name: &str,
) -> Result<(DType, usize), ImportError> {
    let (code, dtype) = if version >= 4 {
        let code = cur.u8("a variable dtype")?;
        (code, DType::from_code(code))
    } else {
        let code = cur.u8("a variable item size")?;
        (code, DType::from_item_size(code))
    };
    let unknown = || ImportError::UnknownDtype {
        file: cur.file.to_owned(),
        variable: name.to_owned(),
        code,
    };
    let dtype = dtype.ok_or_else(unknown)?;
    let count = cur.u32("a variable size")? as usize;
    // Older files gave an element count; newer ones give bytes.
    Ok((
        dtype,
        if version >= 4 {
            count
        } else {
            count.saturating_mul(dtype.size())
        },
    ))
}

fn read_variable(cur: &mut Cursor<'_>, version: u32) -> Result<Variable, ImportError> {
    let name = cur.string("a variable name")?;
    let rank = cur.u8("a variable rank")?;
    let mut shape = Vec::with_capacity(usize::from(rank));
    for _ in 0..rank {
        shape.push(cur.u32("a variable dimension")? as usize);
    }
    let at = cur.pos;
    let (dtype, num_bytes) = read_dtype(cur, version, &name)?;
    let expected = shape
        .iter()
        .try_fold(dtype.size(), |acc, &d| acc.checked_mul(d));
    if expected != Some(num_bytes) {
        let problem = Malformation::SizeMismatch {
            variable: name,
            shape,
            dtype: dtype.name(),
            bytes: num_bytes,
        };
        return Err(cur.malformed(at, problem));
    }
    let start = cur.pos;
    cur.take(num_bytes, "variable data")?;
    Ok(Variable {
        name,
        shape,
        dtype,
        range: start..cur.pos,
    })
}

fn read_aliases(
    cur: &mut Cursor<'_>,
    variables: &BTreeMap<String, Variable>,
) -> Result<BTreeMap<String, String>, ImportError> {
    let count = cur.u32("the alias count")?;
    let mut aliases = BTreeMap::new();
    for _ in 0..count {
        let at = cur.pos;
        let alias = cur.string("an alias name")?;
        let target = cur.string("an alias target")?;
        if !variables.contains_key(&target) {
            return Err(cur.malformed(at, Malformation::DanglingAlias { alias, target }));
        }
        aliases.insert(alias, target);
    }
    Ok(aliases)
}

#[cfg(test)]
mod tests {
    use super::super::testkit::ModelBin;
    use super::*;

    fn sample() -> Vec<u8> {
        let mut m = ModelBin::default();
        m.var("a/num_heads", &[], 2, 6i16.to_le_bytes().to_vec());
        m.f16("a/weight", &[2, 3], |i| i as f32);
        m.aliases.push(("b/weight".into(), "a/weight".into()));
        m.build("WhisperSpec")
    }

    #[test]
    fn parses_a_valid_file() {
        let model = Ct2Model::parse(sample(), "model.bin").unwrap();
        assert_eq!(model.spec, "WhisperSpec");
        let w = model.get("a/weight").unwrap();
        assert_eq!(
            (w.shape.as_slice(), w.dtype, w.len()),
            (&[2, 3][..], DType::F16, 6)
        );
        assert_eq!(
            half::f16::from_le_bytes([model.data(w)[10], model.data(w)[11]]).to_f32(),
            5.0
        );
        assert_eq!(model.get("b/weight").unwrap().name, "a/weight");
        assert_eq!(model.scalar_int("a/num_heads"), Some(6));
        assert_eq!(model.variables().count(), 2);
    }

    #[test]
    fn every_truncation_is_an_error() {
        let bytes = sample();
        for len in 0..bytes.len() {
            let err = Ct2Model::parse(bytes[..len].to_vec(), "model.bin").unwrap_err();
            assert!(
                matches!(err, ImportError::Truncated { .. }),
                "length {len}: {err}"
            );
        }
    }

    #[test]
    fn rejects_a_bad_magic() {
        let mut bytes = sample();
        bytes[..4].copy_from_slice(b"PK\x03\x04");
        let err = Ct2Model::parse(bytes, "model.bin").unwrap_err();
        assert!(matches!(err, ImportError::UnsupportedVersion { .. }));
        assert!(err.to_string().starts_with("model.bin "), "{err}");
    }

    #[test]
    fn rejects_an_unknown_dtype() {
        let mut m = ModelBin::default();
        m.var("x", &[1], 9, vec![0]);
        let err = Ct2Model::parse(m.build("WhisperSpec"), "model.bin").unwrap_err();
        assert!(
            matches!(err, ImportError::UnknownDtype { code: 9, .. }),
            "{err}"
        );
    }

    #[test]
    fn rejects_a_size_that_does_not_match_the_shape() {
        let mut m = ModelBin::default();
        m.var("x", &[2, 2], 0, vec![0; 12]);
        let err = Ct2Model::parse(m.build("WhisperSpec"), "model.bin").unwrap_err();
        assert!(err.to_string().contains("variable x"), "{err}");
    }

    #[test]
    fn rejects_trailing_bytes_and_dangling_aliases() {
        let mut bytes = sample();
        bytes.push(0);
        assert!(matches!(
            Ct2Model::parse(bytes, "m").unwrap_err(),
            ImportError::Malformed { .. }
        ));
        let mut m = ModelBin::default();
        m.aliases.push(("x".into(), "missing".into()));
        let err = Ct2Model::parse(m.build("WhisperSpec"), "m").unwrap_err();
        assert!(err.to_string().contains("missing"), "{err}");
    }
}
