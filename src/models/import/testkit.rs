//! Test-only builders shared by the import modules' tests: `model.bin` images, a tiny
//! synthetic Whisper model with a matching tokenizer, and zip archives.

use std::path::{Path, PathBuf};

/// Accumulates variables and aliases, then serializes them as binary version 6.
#[derive(Default)]
pub(crate) struct ModelBin {
    pub vars: Vec<(String, Vec<u32>, u8, Vec<u8>)>,
    pub aliases: Vec<(String, String)>,
}

fn put_string(out: &mut Vec<u8>, s: &str) {
    out.extend_from_slice(&(s.len() as u16 + 1).to_le_bytes());
    out.extend_from_slice(s.as_bytes());
    out.push(0);
}

impl ModelBin {
    pub(crate) fn var(&mut self, name: &str, shape: &[u32], dtype: u8, data: Vec<u8>) -> &mut Self {
        self.vars
            .push((name.to_owned(), shape.to_vec(), dtype, data));
        self
    }

    /// Adds a float16 variable whose element `i` holds `f(i)`.
    pub(crate) fn f16(&mut self, name: &str, shape: &[u32], f: impl Fn(usize) -> f32) -> &mut Self {
        let n: u32 = shape.iter().product();
        let data = (0..n as usize)
            .flat_map(|i| half::f16::from_f32(f(i)).to_le_bytes())
            .collect();
        self.var(name, shape, 4, data)
    }

    /// Adds a linear layer's `weight` (rows x cols) and `bias`, element `i` holding `i`.
    pub(crate) fn linear(&mut self, scope: &str, rows: u32, cols: u32) -> &mut Self {
        let id = |i: usize| i as f32;
        self.f16(&format!("{scope}/weight"), &[rows, cols], id).f16(
            &format!("{scope}/bias"),
            &[rows],
            id,
        )
    }

    /// Adds a width-4 layer norm's `gamma` and `beta`.
    pub(crate) fn norm(&mut self, scope: &str) -> &mut Self {
        let id = |i: usize| i as f32;
        self.f16(&format!("{scope}/gamma"), &[4], id)
            .f16(&format!("{scope}/beta"), &[4], id)
    }

    pub(crate) fn build(&self, spec: &str) -> Vec<u8> {
        let mut out = 6u32.to_le_bytes().to_vec();
        put_string(&mut out, spec);
        out.extend_from_slice(&3u32.to_le_bytes());
        out.extend_from_slice(&(self.vars.len() as u32).to_le_bytes());
        for (name, shape, dtype, data) in &self.vars {
            put_string(&mut out, name);
            out.push(shape.len() as u8);
            shape
                .iter()
                .for_each(|d| out.extend_from_slice(&d.to_le_bytes()));
            out.push(*dtype);
            out.extend_from_slice(&(data.len() as u32).to_le_bytes());
            out.extend_from_slice(data);
        }
        out.extend_from_slice(&(self.aliases.len() as u32).to_le_bytes());
        for (alias, target) in &self.aliases {
            put_string(&mut out, alias);
            put_string(&mut out, target);
        }
        out
    }
}

/// Width 4, 2 heads, 3 mels, 10 tokens, audio context 6, text context 5; element `i` is `i`.
pub(crate) fn synthetic_whisper(layers: usize) -> ModelBin {
    let mut m = ModelBin::default();
    for side in ["encoder", "decoder"] {
        m.var(
            &format!("{side}/num_heads"),
            &[],
            2,
            2i16.to_le_bytes().to_vec(),
        );
        m.norm(&format!("{side}/layer_norm"));
        for i in 0..layers {
            let c = format!("{side}/layer_{i}");
            m.norm(&format!("{c}/self_attention/layer_norm"));
            m.linear(&format!("{c}/self_attention/linear_0"), 12, 4);
            m.linear(&format!("{c}/self_attention/linear_1"), 4, 4);
            if side == "decoder" {
                m.norm(&format!("{c}/attention/layer_norm"));
                m.linear(&format!("{c}/attention/linear_0"), 4, 4);
                m.linear(&format!("{c}/attention/linear_1"), 8, 4);
                m.linear(&format!("{c}/attention/linear_2"), 4, 4);
            }
            m.norm(&format!("{c}/ffn/layer_norm"));
            m.linear(&format!("{c}/ffn/linear_0"), 16, 4);
            m.linear(&format!("{c}/ffn/linear_1"), 4, 16);
        }
    }
    let id = |i: usize| i as f32;
    m.f16("encoder/position_encodings/encodings", &[6, 4], id);
    m.f16("decoder/position_encodings/encodings", &[5, 4], id);
    m.f16("encoder/conv1/weight", &[4, 3, 3], id)
        .f16("encoder/conv1/bias", &[4], id);
    m.f16("encoder/conv2/weight", &[4, 4, 3], id)
        .f16("encoder/conv2/bias", &[4], id);
    m.f16("decoder/embeddings/weight", &[10, 4], id);
    let (alias, target) = ("decoder/projection/weight", "decoder/embeddings/weight");
    m.aliases.push((alias.into(), target.into()));
    m
}

/// A `tokenizer.json` for `synthetic_whisper`: three ordinary tokens, then `<|endoftext|>`.
pub(crate) fn synthetic_tokenizer() -> Vec<u8> {
    let vocab = r#"{"!":0,"Ġa":1,"Ġb":2,"<|endoftext|>":3}"#;
    let added = r#"[{"id":3,"content":"<|endoftext|>","special":true}]"#;
    format!(r#"{{"model":{{"type":"BPE","vocab":{vocab},"merges":[]}},"added_tokens":{added}}}"#)
        .into_bytes()
}

/// Writes a zip holding `files` (member name, contents) as `dir/model.whl`.
pub(crate) fn make_zip(dir: &Path, files: &[(&str, &[u8])]) -> PathBuf {
    make_zip_named(dir, "model.whl", files)
}

/// Writes a zip holding `files` (member name, contents) as `dir/name`.
pub(crate) fn make_zip_named(dir: &Path, name: &str, files: &[(&str, &[u8])]) -> PathBuf {
    let path = dir.join(name);
    crate::testkit::write_zip(&path, files);
    path
}
