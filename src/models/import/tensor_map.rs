//! Maps a CTranslate2 Whisper model onto the tensors whisper.cpp loads.
//!
//! CTranslate2 names variables by layer scope (`encoder/layer_0/self_attention/linear_0/weight`)
//! and fuses projections: self-attention stores query, key and value as one `3n x n` matrix,
//! and the decoder's cross-attention stores key and value as one `2n x n` matrix. whisper.cpp
//! wants PyTorch's names (`encoder.blocks.0.attn.query.weight`) and separate matrices, so the
//! fused ones are split by rows. Whisper's key projections have no bias; CTranslate2 stores
//! zeros in their place, which are dropped (a key bias would add the same amount to every
//! score of a query, so softmax would ignore it anyway). Shapes are checked against the ones
//! the hyper-parameters imply, so a mismatch names the tensor instead of failing in whisper.cpp.

use std::collections::HashSet;

use super::ct2::{Ct2Model, Variable};
use super::ggml::{GgmlType, Hparams, TensorPlan};
use super::{ExpectedShape, ImportError};

/// The type whisper.cpp expects: f16 for weight matrices and convolutions, f32 for the rest.
fn ggml_type(name: &str, rank: usize) -> GgmlType {
    if rank >= 2 && !name.ends_with(".bias") && !name.ends_with("positional_embedding") {
        GgmlType::F16
    } else {
        GgmlType::F32
    }
}

/// Collects the tensor plans and remembers which variables were consumed.
struct Planner<'a> {
    model: &'a Ct2Model,
    n: usize,
    out: Vec<TensorPlan>,
    used: HashSet<String>,
}

impl<'a> Planner<'a> {
    /// Fetches a variable, checks its exact shape and dtype, and marks it used.
    fn expect(&mut self, name: &str, shape: &[usize]) -> Result<&'a Variable, ImportError> {
        let var = self
            .model
            .get(name)
            .ok_or_else(|| ImportError::MissingTensor {
                file: self.model.file.clone(),
                tensor: name.to_owned(),
            })?;
        if var.shape != shape {
            return Err(ImportError::ShapeMismatch {
                file: self.model.file.clone(),
                tensor: name.to_owned(),
                expected: ExpectedShape::Exact(shape.to_vec()),
                found: var.shape.clone(),
            });
        }
        self.model.check_convertible(var)?;
        self.used.insert(name.to_owned());
        Ok(var)
    }

    /// Plans a tensor copied whole, stored under `ggml` with the shape `out_shape`.
    fn reshaped(
        &mut self,
        ct2: &str,
        ggml: &str,
        shape: &[usize],
        out_shape: &[usize],
    ) -> Result<(), ImportError> {
        let var = self.expect(ct2, shape)?;
        let ty = ggml_type(ggml, out_shape.len());
        self.out.push(TensorPlan {
            name: ggml.to_owned(),
            source: var.name.clone(),
            shape: out_shape.to_vec(),
            elements: 0..var.len(),
            ty,
        });
        Ok(())
    }

    fn whole(&mut self, ct2: &str, ggml: &str, shape: &[usize]) -> Result<(), ImportError> {
        self.reshaped(ct2, ggml, shape, shape)
    }

    fn layer_norm(&mut self, ct2: &str, ggml: &str) -> Result<(), ImportError> {
        self.whole(
            &format!("{ct2}/gamma"),
            &format!("{ggml}.weight"),
            &[self.n],
        )?;
        self.whole(&format!("{ct2}/beta"), &format!("{ggml}.bias"), &[self.n])
    }

    fn linear(
        &mut self,
        ct2: &str,
        ggml: &str,
        rows: usize,
        cols: usize,
    ) -> Result<(), ImportError> {
        self.whole(
            &format!("{ct2}/weight"),
            &format!("{ggml}.weight"),
            &[rows, cols],
        )?;
        self.whole(&format!("{ct2}/bias"), &format!("{ggml}.bias"), &[rows])
    }

    /// Splits a row-fused projection into one `n x n` matrix (and bias) per part; keys get no bias.
    fn fused(&mut self, ct2: &str, parts: &[String]) -> Result<(), ImportError> {
        let (n, k) = (self.n, parts.len());
        let weight = self.expect(&format!("{ct2}/weight"), &[k * n, n])?;
        let bias = self.expect(&format!("{ct2}/bias"), &[k * n])?;
        for (i, part) in parts.iter().enumerate() {
            let (name, ty) = (format!("{part}.weight"), GgmlType::F16);
            self.out.push(TensorPlan {
                name,
                source: weight.name.clone(),
                shape: vec![n, n],
                elements: i * n * n..(i + 1) * n * n,
                ty,
            });
            if !part.ends_with(".key") {
                let (name, ty) = (format!("{part}.bias"), GgmlType::F32);
                self.out.push(TensorPlan {
                    name,
                    source: bias.name.clone(),
                    shape: vec![n],
                    elements: i * n..(i + 1) * n,
                    ty,
                });
            }
        }
        Ok(())
    }

    /// Plans one encoder or decoder block; decoder blocks also have cross-attention.
    fn block(&mut self, side: &str, i: usize) -> Result<(), ImportError> {
        let (c, g, n) = (
            format!("{side}/layer_{i}"),
            format!("{side}.blocks.{i}"),
            self.n,
        );
        self.attention(&format!("{c}/self_attention"), &format!("{g}.attn"))?;
        if side == "decoder" {
            self.attention(&format!("{c}/attention"), &format!("{g}.cross_attn"))?;
        }
        self.layer_norm(&format!("{c}/ffn/layer_norm"), &format!("{g}.mlp_ln"))?;
        self.linear(
            &format!("{c}/ffn/linear_0"),
            &format!("{g}.mlp.0"),
            4 * n,
            n,
        )?;
        self.linear(
            &format!("{c}/ffn/linear_1"),
            &format!("{g}.mlp.2"),
            n,
            4 * n,
        )
    }

    /// Plans an attention layer and its layer norm (`attn_ln` or `cross_attn_ln`).
    ///
    /// Self-attention fuses query, key and value in `linear_0`, then projects out in
    /// `linear_1`; cross-attention has the query alone in `linear_0`, because it reads the
    /// encoder output for keys and values, which are fused in `linear_1`.
    fn attention(&mut self, ct2: &str, g: &str) -> Result<(), ImportError> {
        let n = self.n;
        self.layer_norm(&format!("{ct2}/layer_norm"), &format!("{g}_ln"))?;
        let cross = g.ends_with("cross_attn");
        let fused: &[&str] = if cross {
            &["key", "value"]
        } else {
            &["query", "key", "value"]
        };
        if cross {
            self.linear(&format!("{ct2}/linear_0"), &format!("{g}.query"), n, n)?;
        }
        let parts: Vec<String> = fused.iter().map(|p| format!("{g}.{p}")).collect();
        let (fused_at, out_at) = if cross { (1, 2) } else { (0, 1) };
        self.fused(&format!("{ct2}/linear_{fused_at}"), &parts)?;
        self.linear(&format!("{ct2}/linear_{out_at}"), &format!("{g}.out"), n, n)
    }

    /// Fails on any tensor that was not consumed, since whisper.cpp could not represent it.
    fn check_leftovers(&self) -> Result<(), ImportError> {
        let tied = |v: &Variable| {
            v.name == "decoder/projection/weight"
                && self
                    .model
                    .get("decoder/embeddings/weight")
                    .is_some_and(|e| self.model.data(e) == self.model.data(v))
        };
        for var in self.model.variables() {
            // Rank-0 variables are options such as `pre_norm` or `num_heads`, not weights.
            let scale_of_used = var
                .name
                .strip_suffix("_scale")
                .is_some_and(|base| self.used.contains(base));
            if var.shape.is_empty() || self.used.contains(&var.name) || scale_of_used || tied(var) {
                continue;
            }
            return Err(ImportError::UnexpectedTensor {
                file: self.model.file.clone(),
                tensor: var.name.clone(),
            });
        }
        Ok(())
    }
}

/// Plans every tensor of the ggml file, checking that each exists with the expected shape.
pub fn plan_tensors(model: &Ct2Model, hp: &Hparams) -> Result<Vec<TensorPlan>, ImportError> {
    let u = |v: i32| v as usize;
    let (n, mels) = (u(hp.n_audio_state), u(hp.n_mels));
    let mut p = Planner {
        model,
        n,
        out: Vec::new(),
        used: HashSet::new(),
    };
    p.whole(
        "encoder/position_encodings/encodings",
        "encoder.positional_embedding",
        &[u(hp.n_audio_ctx), n],
    )?;
    p.whole(
        "encoder/conv1/weight",
        "encoder.conv1.weight",
        &[n, mels, 3],
    )?;
    // whisper.cpp stores conv biases as n x 1 matrices so they broadcast over time.
    p.reshaped("encoder/conv1/bias", "encoder.conv1.bias", &[n], &[n, 1])?;
    p.whole("encoder/conv2/weight", "encoder.conv2.weight", &[n, n, 3])?;
    p.reshaped("encoder/conv2/bias", "encoder.conv2.bias", &[n], &[n, 1])?;
    p.layer_norm("encoder/layer_norm", "encoder.ln_post")?;
    for i in 0..u(hp.n_audio_layer) {
        p.block("encoder", i)?;
    }
    p.whole(
        "decoder/position_encodings/encodings",
        "decoder.positional_embedding",
        &[u(hp.n_text_ctx), n],
    )?;
    p.whole(
        "decoder/embeddings/weight",
        "decoder.token_embedding.weight",
        &[u(hp.n_vocab), n],
    )?;
    p.layer_norm("decoder/layer_norm", "decoder.ln")?;
    for i in 0..u(hp.n_text_layer) {
        p.block("decoder", i)?;
    }
    p.check_leftovers()?;
    Ok(p.out)
}

#[cfg(test)]
mod tests {
    use super::super::hparams::derive_hparams;
    use super::super::testkit::{ModelBin, synthetic_whisper};
    use super::*;

    fn plan(m: &ModelBin) -> Result<Vec<TensorPlan>, ImportError> {
        let model = Ct2Model::parse(m.build("WhisperSpec"), "model.bin").unwrap();
        plan_tensors(&model, &derive_hparams(&model, None)?)
    }

    fn find<'a>(plans: &'a [TensorPlan], name: &str) -> &'a TensorPlan {
        plans
            .iter()
            .find(|p| p.name == name)
            .unwrap_or_else(|| panic!("no {name}"))
    }

    #[test]
    fn plans_every_tensor_whisper_cpp_loads_once() {
        let plans = plan(&synthetic_whisper(2)).unwrap();
        // whisper.cpp's count: 7 + 15 per encoder block, 4 + 24 per decoder block.
        assert_eq!(plans.len(), 7 + 15 * 2 + 4 + 24 * 2);
        let names: HashSet<&str> = plans.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names.len(), plans.len());
        assert!(!names.iter().any(|n| n.ends_with("key.bias")));
        let te = find(&plans, "decoder.token_embedding.weight");
        assert_eq!((te.shape.as_slice(), te.ty), (&[10, 4][..], GgmlType::F16));
        let conv = find(&plans, "encoder.conv2.bias");
        assert_eq!(
            (conv.shape.as_slice(), conv.ty),
            (&[4, 1][..], GgmlType::F32)
        );
        assert_eq!(
            find(&plans, "encoder.positional_embedding").ty,
            GgmlType::F32
        );
        assert_eq!(
            find(&plans, "decoder.blocks.1.mlp.2.weight").shape,
            vec![4, 16]
        );
        assert_eq!(
            find(&plans, "decoder.blocks.1.cross_attn_ln.bias").ty,
            GgmlType::F32
        );
    }

    #[test]
    fn splits_fused_projections_by_rows() {
        let plans = plan(&synthetic_whisper(1)).unwrap();
        let qkv = "encoder/layer_0/self_attention/linear_0";
        for (part, i) in [("query", 0), ("key", 1), ("value", 2)] {
            let w = find(&plans, &format!("encoder.blocks.0.attn.{part}.weight"));
            assert_eq!(
                (w.source.as_str(), w.elements.clone()),
                (&*format!("{qkv}/weight"), i * 16..(i + 1) * 16)
            );
            assert_eq!((w.shape.as_slice(), w.ty), (&[4, 4][..], GgmlType::F16));
        }
        assert_eq!(
            find(&plans, "encoder.blocks.0.attn.value.bias").elements,
            8..12
        );
        let kv = find(&plans, "decoder.blocks.0.cross_attn.value.weight");
        assert_eq!(kv.source, "decoder/layer_0/attention/linear_1/weight");
        assert_eq!(kv.elements, 16..32);
        let q = find(&plans, "decoder.blocks.0.cross_attn.query.weight");
        assert_eq!(
            (q.source.as_str(), q.elements.clone()),
            ("decoder/layer_0/attention/linear_0/weight", 0..16)
        );
    }

    #[test]
    fn names_missing_misshapen_and_unexpected_tensors() {
        let mut m = synthetic_whisper(2);
        m.vars
            .retain(|v| v.0 != "decoder/layer_1/attention/linear_2/bias");
        let err = plan(&m).unwrap_err().to_string();
        assert!(
            err.ends_with("lacks the tensor decoder/layer_1/attention/linear_2/bias"),
            "{err}"
        );

        let mut m = synthetic_whisper(1);
        m.vars
            .retain(|v| v.0 != "encoder/layer_0/self_attention/linear_0/weight");
        m.f16(
            "encoder/layer_0/self_attention/linear_0/weight",
            &[8, 4],
            |_| 0.0,
        );
        let err = plan(&m).unwrap_err().to_string();
        assert!(err.contains("tensor encoder/layer_0/self_attention/linear_0/weight the shape [8, 4], expected [12, 4]"), "{err}");

        let mut m = synthetic_whisper(1);
        m.f16("encoder/extra/weight", &[2], |_| 0.0);
        let err = plan(&m).unwrap_err().to_string();
        assert!(
            err.ends_with("holds the unexpected tensor encoder/extra/weight"),
            "{err}"
        );
    }

    #[test]
    fn accepts_quantized_weights_with_scales_and_a_stored_copy_of_the_tied_embeddings() {
        let mut m = synthetic_whisper(1);
        let name = "encoder/layer_0/ffn/linear_0/weight";
        m.vars.retain(|v| v.0 != name);
        m.var(name, &[16, 4], 1, vec![1; 64]).var(
            &format!("{name}_scale"),
            &[16],
            0,
            [0, 0, 128, 63].repeat(16),
        );
        m.aliases.clear();
        m.f16("decoder/projection/weight", &[10, 4], |i| i as f32);
        assert_eq!(plan(&m).unwrap().len(), 7 + 15 + 4 + 24);
        m.vars.retain(|v| v.0 != format!("{name}_scale"));
        let err = plan(&m).unwrap_err().to_string();
        assert!(err.contains(&format!("tensor {name} as int8")), "{err}");
    }
}
