//! The hyper-parameters of a converted model and the name it is saved under.
//!
//! whisper.cpp reads eleven numbers before anything else; none are stored as such in a
//! CTranslate2 model, so they are read off tensor shapes: the vocabulary and width from the
//! token embedding, the context lengths from the positional embeddings, the mel bands from the
//! first convolution, the depths from the `layer_N` scopes. Head counts come from the spec's
//! `num_heads` scalars when present (spec revision 3 and later), else `config.json`, else from
//! the width, since every Whisper size uses 64-wide heads.

use super::ct2::Ct2Model;
use super::ggml::{FTYPE_MOSTLY_F16, Hparams};
use super::{ExpectedShape, ImportError, Limit};

/// The width of one attention head in every Whisper size, for models that do not record heads.
const HEAD_WIDTH: usize = 64;

/// Looks a tensor up and checks its rank, giving the errors that name it.
fn shape_of<'a>(model: &'a Ct2Model, name: &str, rank: usize) -> Result<&'a [usize], ImportError> {
    let var = model.get(name).ok_or_else(|| ImportError::MissingTensor {
        file: model.file.clone(),
        tensor: name.to_owned(),
    })?;
    if var.shape.len() != rank {
        return Err(ImportError::ShapeMismatch {
            file: model.file.clone(),
            tensor: name.to_owned(),
            expected: ExpectedShape::Rank(rank),
            found: var.shape.clone(),
        });
    }
    Ok(&var.shape)
}

/// Counts the `layer_N` scopes under `side`; gaps surface later as missing tensors.
fn count_layers(model: &Ct2Model, side: &str) -> usize {
    let prefix = format!("{side}/layer_");
    let index = |name: &str| {
        name.strip_prefix(&prefix)?
            .split('/')
            .next()?
            .parse::<usize>()
            .ok()
    };
    model
        .variables()
        .filter_map(|v| index(&v.name))
        .map(|i| i + 1)
        .max()
        .unwrap_or(0)
}

/// Finds the attention head count: the spec's scalar, then `config.json`, then n_state / 64.
fn heads(
    model: &Ct2Model,
    config: Option<&serde_json::Value>,
    side: &'static str,
    n_state: usize,
) -> Result<usize, ImportError> {
    let from_spec = model
        .scalar_int(&format!("{side}/num_heads"))
        .and_then(|h| usize::try_from(h).ok());
    let key = format!("{side}_attention_heads");
    let from_config = config
        .and_then(|c| c.get(&key)?.as_u64())
        .and_then(|h| usize::try_from(h).ok());
    let heads = from_spec.or(from_config).unwrap_or(n_state / HEAD_WIDTH);
    if heads == 0 || !n_state.is_multiple_of(heads) {
        return Err(ImportError::Unsupported {
            file: model.file.clone(),
            problem: Limit::Heads {
                side,
                heads,
                width: n_state,
            },
        });
    }
    Ok(heads)
}

/// Reads the hyper-parameters off the tensor shapes (and head counts off the spec or config).
pub fn derive_hparams(
    model: &Ct2Model,
    config: Option<&serde_json::Value>,
) -> Result<Hparams, ImportError> {
    let audio = shape_of(model, "encoder/position_encodings/encodings", 2)?;
    let text = shape_of(model, "decoder/position_encodings/encodings", 2)?;
    let embeddings = shape_of(model, "decoder/embeddings/weight", 2)?;
    let conv1 = shape_of(model, "encoder/conv1/weight", 3)?;
    let (n_audio_state, n_text_state) = (audio[1], embeddings[1]);
    if n_audio_state != n_text_state {
        return Err(ImportError::Unsupported {
            file: model.file.clone(),
            problem: Limit::Widths {
                encoder: n_audio_state,
                decoder: n_text_state,
            },
        });
    }
    let field = |field: &'static str, value: usize| {
        let ok = i32::try_from(value).ok().filter(|&v| v > 0);
        ok.ok_or_else(|| ImportError::Unsupported {
            file: model.file.clone(),
            problem: Limit::OutOfRange { field, value },
        })
    };
    Ok(Hparams {
        n_vocab: field("n_vocab", embeddings[0])?,
        n_audio_ctx: field("n_audio_ctx", audio[0])?,
        n_audio_state: field("n_audio_state", n_audio_state)?,
        n_audio_head: field(
            "n_audio_head",
            heads(model, config, "encoder", n_audio_state)?,
        )?,
        n_audio_layer: field("n_audio_layer", count_layers(model, "encoder"))?,
        n_text_ctx: field("n_text_ctx", text[0])?,
        n_text_state: field("n_text_state", n_text_state)?,
        n_text_head: field(
            "n_text_head",
            heads(model, config, "decoder", n_text_state)?,
        )?,
        n_text_layer: field("n_text_layer", count_layers(model, "decoder"))?,
        n_mels: field("n_mels", conv1[1])?,
        ftype: FTYPE_MOSTLY_F16,
    })
}

/// Names a model the way whisper.cpp's files are named, from its dimensions and vocabulary.
///
/// Sizes are told apart by encoder depth and width; a decoder shallower than the encoder marks
/// a distilled model, except large-v3-turbo's four layers. Large v1 and v2 have the same shape,
/// so both are called large-v2; 128 mel bands mean large-v3. A 51864-token vocabulary is
/// English-only (`.en`); multilingual models have 51865 (51866 from large-v3 on).
pub fn model_name(hp: &Hparams) -> String {
    let base = match (hp.n_audio_layer, hp.n_audio_state) {
        (4, 384) => "tiny",
        (6, 512) => "base",
        (12, 768) => "small",
        (24, 1024) => "medium",
        (32, 1280) if hp.n_mels == 128 => "large-v3",
        (32, 1280) => "large-v2",
        (layers, width) => return format!("whisper-{layers}x{width}{}", english_suffix(hp)),
    };
    let distilled = hp.n_text_layer < hp.n_audio_layer;
    match base {
        "large-v3" if hp.n_text_layer == 4 => "large-v3-turbo".to_owned(),
        _ if distilled => format!("distil-{base}{}", english_suffix(hp)),
        _ => format!("{base}{}", english_suffix(hp)),
    }
}

fn english_suffix(hp: &Hparams) -> &'static str {
    if hp.n_vocab == 51864 { ".en" } else { "" }
}

#[cfg(test)]
mod tests {
    use super::super::testkit::{ModelBin, synthetic_whisper};
    use super::*;

    fn parse(m: &ModelBin) -> Ct2Model {
        Ct2Model::parse(m.build("WhisperSpec"), "model.bin").unwrap()
    }

    #[test]
    fn reads_the_dimensions_off_the_shapes() {
        let hp = derive_hparams(&parse(&synthetic_whisper(2)), None).unwrap();
        let expected = Hparams {
            n_vocab: 10,
            n_audio_ctx: 6,
            n_audio_state: 4,
            n_audio_head: 2,
            n_audio_layer: 2,
            n_text_ctx: 5,
            n_text_state: 4,
            n_text_head: 2,
            n_text_layer: 2,
            n_mels: 3,
            ftype: 1,
        };
        assert_eq!(hp, expected);
    }

    #[test]
    fn takes_heads_from_the_config_when_the_spec_has_none() {
        let mut m = synthetic_whisper(1);
        m.vars.retain(|v| !v.0.ends_with("num_heads"));
        let model = parse(&m);
        let config =
            serde_json::json!({"encoder_attention_heads": 4, "decoder_attention_heads": 1});
        let hp = derive_hparams(&model, Some(&config)).unwrap();
        assert_eq!((hp.n_audio_head, hp.n_text_head), (4, 1));
        // Width 4 gives no 64-wide head, so without a config the count is unusable.
        let err = derive_hparams(&model, None).unwrap_err();
        assert!(err.to_string().contains("0 attention heads"), "{err}");
    }

    #[test]
    fn names_the_tensor_that_is_missing_or_misshapen() {
        let mut m = synthetic_whisper(1);
        m.vars.retain(|v| v.0 != "encoder/conv1/weight");
        let err = derive_hparams(&parse(&m), None).unwrap_err();
        assert!(
            err.to_string()
                .ends_with("lacks the tensor encoder/conv1/weight"),
            "{err}"
        );
        m.f16("encoder/conv1/weight", &[4, 3], |_| 0.0);
        let err = derive_hparams(&parse(&m), None).unwrap_err();
        assert!(matches!(err, ImportError::ShapeMismatch { .. }), "{err}");
    }

    #[test]
    fn names_models_like_whisper_cpp() {
        let hp = |layers, width, text_layers, mels, n_vocab| Hparams {
            n_audio_layer: layers,
            n_audio_state: width,
            n_text_layer: text_layers,
            n_mels: mels,
            n_vocab,
            ..derive_hparams(&parse(&synthetic_whisper(1)), None).unwrap()
        };
        let cases = [
            (hp(4, 384, 4, 80, 51864), "tiny.en"),
            (hp(6, 512, 6, 80, 51865), "base"),
            (hp(24, 1024, 2, 80, 51864), "distil-medium.en"),
            (hp(32, 1280, 32, 80, 51865), "large-v2"),
            (hp(32, 1280, 32, 128, 51866), "large-v3"),
            (hp(32, 1280, 4, 128, 51866), "large-v3-turbo"),
            (hp(32, 1280, 2, 128, 51866), "distil-large-v3"),
            (hp(3, 100, 3, 80, 51864), "whisper-3x100.en"),
        ];
        for (hp, name) in cases {
            assert_eq!(model_name(&hp), name);
        }
    }
}
