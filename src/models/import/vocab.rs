//! The vocabulary written into a ggml model, read from a Hugging Face `tokenizer.json`.
//!
//! Whisper's tokenizer is GPT-2's byte-level BPE: every token is a byte string, spelled in
//! `tokenizer.json` with one printable character per byte (GPT-2's byte-to-unicode table,
//! so a space is `Ġ` and a newline `Ċ`). whisper.cpp wants the raw bytes, so each token is
//! mapped back through the reversed table. Only the ordinary tokens are written: the special
//! tokens (`<|endoftext|>`, languages, tasks, timestamps) are named by whisper.cpp itself
//! from the model's vocabulary size, as it does for the models OpenAI's converter produces.

use std::collections::HashMap;

use serde::Deserialize;

use super::{ImportError, TokenizerProblem};

#[derive(Deserialize)]
struct TokenizerJson {
    model: BpeModel,
    #[serde(default)]
    added_tokens: Vec<AddedToken>,
}

#[derive(Deserialize)]
struct BpeModel {
    #[serde(rename = "type")]
    kind: Option<String>,
    vocab: HashMap<String, u32>,
}

#[derive(Deserialize)]
struct AddedToken {
    id: u32,
    #[serde(default)]
    special: bool,
}

/// GPT-2's byte-to-unicode table: byte `b` is spelled as the character `table[b]`.
///
/// Printable Latin-1 bytes stand for themselves; the other 68 bytes (controls, space,
/// and a few others) are given the code points from U+0100 upwards, in byte order.
fn byte_to_char() -> [char; 256] {
    let printable = |b: u32| {
        (0x21..=0x7e).contains(&b) || (0xa1..=0xac).contains(&b) || (0xae..=0xff).contains(&b)
    };
    let mut table = ['\0'; 256];
    let mut next = 0x100;
    for (b, slot) in (0u32..).zip(table.iter_mut()) {
        let code = if printable(b) {
            b
        } else {
            next += 1;
            next - 1
        };
        *slot = char::from_u32(code).unwrap_or('\0');
    }
    table
}

/// Decodes one byte-level token to its bytes, or `None` if it uses a character outside the table.
pub fn token_bytes(token: &str, decoder: &HashMap<char, u8>) -> Option<Vec<u8>> {
    token.chars().map(|c| decoder.get(&c).copied()).collect()
}

/// The reversed byte-to-unicode table.
pub fn byte_decoder() -> HashMap<char, u8> {
    (0u8..=255)
        .zip(byte_to_char())
        .map(|(b, c)| (c, b))
        .collect()
}

/// Reads the ordinary tokens of `tokenizer.json`, as bytes, indexed by token id.
///
/// The ordinary tokens are the ids below the first special token; they must form an unbroken
/// run from 0, and their count must not exceed `n_vocab`, the model's embedding rows.
pub fn load_vocab(json: &[u8], file: &str, n_vocab: usize) -> Result<Vec<Vec<u8>>, ImportError> {
    let bad = |problem: TokenizerProblem| ImportError::Tokenizer {
        file: file.to_owned(),
        problem,
    };
    let parsed: TokenizerJson = serde_json::from_slice(json).map_err(|e| ImportError::Json {
        file: file.to_owned(),
        source: e,
    })?;
    if let Some(kind) = parsed.model.kind.as_deref().filter(|k| *k != "BPE") {
        let kind = kind.to_owned();
        return Err(bad(TokenizerProblem::NotBpe { kind }));
    }
    // The special tokens follow the ordinary ones; whisper.cpp names them itself.
    let first_special = parsed
        .added_tokens
        .iter()
        .filter(|t| t.special)
        .map(|t| t.id)
        .min();
    let by_id = ordinary_tokens(
        &parsed.model.vocab,
        first_special.unwrap_or(u32::MAX),
        n_vocab,
    )
    .map_err(bad)?;
    let decoder = byte_decoder();
    by_id
        .iter()
        .enumerate()
        .map(|(id, text)| {
            let text = text.ok_or_else(|| bad(TokenizerProblem::MissingId { id }))?;
            token_bytes(text, &decoder).ok_or_else(|| {
                let token = text.to_owned();
                bad(TokenizerProblem::NotByteLevel { id, token })
            })
        })
        .collect()
}

/// Orders the tokens with ids below `limit` by id, refusing ids past `n_vocab` and duplicates.
fn ordinary_tokens(
    vocab: &HashMap<String, u32>,
    limit: u32,
    n_vocab: usize,
) -> Result<Vec<Option<&str>>, TokenizerProblem> {
    let mut by_id: Vec<Option<&str>> = Vec::new();
    for (text, &id) in vocab.iter().filter(|(_, id)| **id < limit) {
        let slot = usize::try_from(id).map_err(|_| TokenizerProblem::IdTooLarge { id })?;
        if slot >= n_vocab {
            return Err(TokenizerProblem::BeyondVocab { id, n_vocab });
        }
        if by_id.len() <= slot {
            by_id.resize(slot + 1, None);
        }
        if by_id[slot].replace(text).is_some() {
            return Err(TokenizerProblem::SharedId { id });
        }
    }
    Ok(by_id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_covers_every_byte_once() {
        let table = byte_to_char();
        let decoder = byte_decoder();
        assert_eq!(decoder.len(), 256);
        assert_eq!(
            (table[b' ' as usize], table[b'\n' as usize], table[0]),
            ('Ġ', 'Ċ', 'Ā')
        );
        assert_eq!(
            (table[b'A' as usize], table[0xad], table[0xff]),
            ('A', 'Ń', 'ÿ')
        );
    }

    #[test]
    fn decodes_byte_level_tokens() {
        let d = byte_decoder();
        assert_eq!(token_bytes("Ġthe", &d).unwrap(), b" the");
        assert_eq!(token_bytes("ĊĊ", &d).unwrap(), b"\n\n");
        // "é" in UTF-8 is C3 A9, spelled with the Latin-1 characters for those bytes.
        assert_eq!(token_bytes("Ã©", &d).unwrap(), "é".as_bytes());
        assert_eq!(token_bytes("<|日本|>", &d), None);
    }

    fn tokenizer(vocab: &str, added: &str) -> Vec<u8> {
        format!(r#"{{"model":{{"type":"BPE","vocab":{{{vocab}}},"merges":[]}},"added_tokens":[{added}]}}"#)
            .into_bytes()
    }

    #[test]
    fn keeps_the_ordinary_tokens_in_id_order() {
        let json = tokenizer(
            r#""Ġa":1,"!":0,"Ġb":2,"<|endoftext|>":3"#,
            r#"{"id":3,"content":"<|endoftext|>","special":true}"#,
        );
        let vocab = load_vocab(&json, "tokenizer.json", 10).unwrap();
        assert_eq!(vocab, vec![b"!".to_vec(), b" a".to_vec(), b" b".to_vec()]);
    }

    #[test]
    fn rejects_gaps_foreign_characters_and_oversized_vocabularies() {
        let gap = load_vocab(&tokenizer(r#""a":0,"c":2"#, ""), "tokenizer.json", 10).unwrap_err();
        assert!(gap.to_string().contains("token id 1 is missing"), "{gap}");
        let foreign = load_vocab(&tokenizer(r#""日":0"#, ""), "tokenizer.json", 10).unwrap_err();
        assert!(foreign.to_string().contains("not byte-level"), "{foreign}");
        let big = load_vocab(&tokenizer(r#""a":0,"b":1"#, ""), "tokenizer.json", 1).unwrap_err();
        assert!(big.to_string().starts_with("tokenizer.json "), "{big}");
        let json = load_vocab(b"{", "tokenizer.json", 1).unwrap_err();
        assert!(matches!(json, ImportError::Json { .. }));
    }
}
