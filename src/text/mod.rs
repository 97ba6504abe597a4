//! Turning spoken words into tokens that can be compared: lower case, contractions spelled out,
//! letters and digits split, punctuation reduced to clause and sentence breaks, then number words
//! joined into digits and every token stemmed (both in [`words`]).
//!
//! Both sides of every comparison go through this module: the phrases of a rubric when a question
//! is loaded and prepared, and the words of a transcript when it is scored. Nothing here needs to be linguistically
//! right, only consistent, because a phrase matches when its normal form equals the text's. Each token
//! remembers which source word it came from, so a match can be quoted and timed.

mod words;

pub use words::{join_numbers, stem};

/// What separates a token from the one before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Break {
    /// Nothing but a space or a hyphen: the same clause.
    None,
    /// A comma or a dash: a new clause of the same sentence.
    Comma,
    /// A full stop, question mark, colon or the start of the text: a new sentence.
    Sentence,
}

/// One normalised token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    /// Lower case, contractions expanded, number words as digits.
    pub text: String,
    /// The matching form of `text` (see [`stem`]).
    pub stem: String,
    /// The index of the source word the token starts in.
    pub word: usize,
    /// The index of the source word the token ends in (differs from `word` for "five hundred").
    pub last_word: usize,
    /// What separates this token from the previous one.
    pub brk: Break,
}

/// Contractions whose expansion is not simply the stem plus `not`.
const IRREGULAR_NOT: [(&str, &str); 4] = [
    ("can't", "can"),
    ("won't", "will"),
    ("shan't", "shall"),
    ("ain't", "is"),
];

/// Words after which `'s` means `is` (or `us`, for `let's`); after any other word it is a possessive.
const IS_BEFORE_S: [&str; 18] = [
    "it",
    "that",
    "what",
    "there",
    "here",
    "he",
    "she",
    "who",
    "where",
    "how",
    "everyone",
    "nobody",
    "someone",
    "everything",
    "something",
    "nothing",
    "this",
    "let",
];

/// Tokenises source words (a transcript's words or a phrase split on spaces), in order.
pub fn tokenize<'a>(words: impl IntoIterator<Item = &'a str>) -> Vec<Token> {
    let mut out: Vec<Token> = Vec::new();
    let mut pending = Break::Sentence;
    for (index, word) in words.into_iter().enumerate() {
        let mut first = true;
        for text in word_tokens(word) {
            let brk = if first { pending } else { Break::None };
            first = false;
            out.push(Token {
                stem: String::new(),
                text,
                word: index,
                last_word: index,
                brk,
            });
        }
        // A word of punctuation alone ("-", "...") adds its break to the one already pending.
        let trailing = trailing_break(word).unwrap_or(Break::None);
        pending = if first {
            pending.max(trailing)
        } else {
            trailing
        };
    }
    let mut out = join_numbers(out);
    for t in &mut out {
        t.stem = stem(&t.text);
    }
    out
}

/// The tokens of one source word. Most words are plain ASCII letters with punctuation around them
/// and take the short way; the rest are split, expanded and lower-cased in full.
fn word_tokens(word: &str) -> Vec<String> {
    let core = word.trim_matches(|c: char| !c.is_alphanumeric());
    if !core.is_empty() && core.bytes().all(|b| b.is_ascii_alphabetic()) {
        return vec![core.to_ascii_lowercase()];
    }
    let lower = word
        .to_lowercase()
        .replace(['\u{2019}', '\u{2018}', '\u{02bc}'], "'");
    pieces(&lower).iter().flat_map(|p| expand(p)).collect()
}

/// The break a word's trailing punctuation puts before the next word, if it has any.
fn trailing_break(word: &str) -> Option<Break> {
    let tail: Vec<char> = word
        .chars()
        .rev()
        .take_while(|c| !c.is_alphanumeric())
        .collect();
    if tail
        .iter()
        .any(|c| matches!(c, '.' | '!' | '?' | ';' | ':'))
    {
        Some(Break::Sentence)
    } else if tail
        .iter()
        .any(|c| matches!(c, ',' | '-' | '\u{2013}' | '\u{2014}'))
    {
        Some(Break::Comma)
    } else {
        None
    }
}

/// Splits a lower-case word into alphanumeric pieces, keeping apostrophes inside a piece (for
/// contractions) and dots or commas between digits (for "99.9" and "1,000", commas dropped).
/// `%` and `&` become words because people say them.
fn pieces(word: &str) -> Vec<String> {
    let chars: Vec<char> = word.chars().collect();
    let mut out = Vec::new();
    let mut cur = String::new();
    for (i, &c) in chars.iter().enumerate() {
        let digit_sep = matches!(c, '.' | ',')
            && i > 0
            && chars[i - 1].is_ascii_digit()
            && chars.get(i + 1).is_some_and(|n| n.is_ascii_digit());
        if c.is_alphanumeric() || (c == '\'' && !cur.is_empty()) || digit_sep {
            if c != ',' {
                cur.push(c);
            }
            continue;
        }
        if !cur.is_empty() {
            out.push(std::mem::take(&mut cur));
        }
        match c {
            '%' => out.push("percent".to_string()),
            '&' => out.push("and".to_string()),
            _ => {}
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// Expands one piece into tokens: contractions spelled out, letters and digits split ("p95" is
/// "p" "95", so it matches "p 95"), ordinal and plural endings on numbers dropped ("500s", "1st").
fn expand(piece: &str) -> Vec<String> {
    let piece = piece.trim_end_matches('\'');
    let mut words = contraction(piece);
    words.retain(|w| !w.is_empty());
    words.iter().flat_map(|w| split_digits(w)).collect()
}

/// Spells out a contraction; other apostrophes are dropped.
fn contraction(piece: &str) -> Vec<String> {
    if let Some(&(_, base)) = IRREGULAR_NOT.iter().find(|(c, _)| *c == piece) {
        return vec![base.to_string(), "not".to_string()];
    }
    if let Some(base) = piece.strip_suffix("n't") {
        return vec![base.to_string(), "not".to_string()];
    }
    let expansions = [
        ("'re", "are"),
        ("'ve", "have"),
        ("'ll", "will"),
        ("'d", "would"),
        ("'m", "am"),
    ];
    for (suffix, full) in expansions {
        if let Some(base) = piece.strip_suffix(suffix) {
            return vec![base.to_string(), full.to_string()];
        }
    }
    if let Some(base) = piece.strip_suffix("'s") {
        return match base {
            "let" => vec!["let".to_string(), "us".to_string()],
            b if IS_BEFORE_S.contains(&b) => vec![b.to_string(), "is".to_string()],
            b => vec![b.to_string()],
        };
    }
    vec![piece.replace('\'', "")]
}

/// Splits at every change between letters and digits, dropping "s", "st", "nd", "rd" and "th"
/// after a number.
fn split_digits(word: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut cur = String::new();
    let mut cur_digit = false;
    for c in word.chars() {
        let is_digit = c.is_ascii_digit() || (c == '.' && cur_digit);
        if !cur.is_empty() && is_digit != cur_digit {
            out.push(std::mem::take(&mut cur));
        }
        cur_digit = is_digit;
        cur.push(c);
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    let after_number = |i: usize| i > 0 && out[i - 1].starts_with(|c: char| c.is_ascii_digit());
    let drop: Vec<bool> = (0..out.len())
        .map(|i| after_number(i) && matches!(out[i].as_str(), "s" | "st" | "nd" | "rd" | "th"))
        .collect();
    out.into_iter()
        .zip(drop)
        .filter(|(_, d)| !d)
        .map(|(w, _)| w)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(s: &str) -> Vec<String> {
        tokenize(s.split_whitespace())
            .into_iter()
            .map(|t| t.text)
            .collect()
    }

    #[test]
    fn contractions_are_spelled_out() {
        assert_eq!(
            texts("We didn't roll back, it's fine"),
            ["we", "did", "not", "roll", "back", "it", "is", "fine"]
        );
        assert_eq!(
            texts("I won't; we'd; canary\u{2019}s users'"),
            ["i", "will", "not", "we", "would", "canary", "users"]
        );
        let stems: Vec<String> = tokenize(["Canary's"]).into_iter().map(|t| t.stem).collect();
        assert_eq!(stems, ["canary"]);
    }

    #[test]
    fn hyphens_and_dots_split_words_without_breaking_clauses() {
        let toks = tokenize("post-mortem, S.R.E. team".split_whitespace());
        let t: Vec<&str> = toks.iter().map(|t| t.text.as_str()).collect();
        assert_eq!(t, ["post", "mortem", "s", "r", "e", "team"]);
        let brks: Vec<Break> = toks.iter().map(|t| t.brk).collect();
        use Break::*;
        assert_eq!(brks, [Sentence, None, Comma, None, None, Sentence]);
    }

    #[test]
    fn odd_input_does_not_panic() {
        for s in [
            "",
            "   ",
            "'",
            "''s",
            "n't",
            "\u{0}",
            "ß\u{301}",
            "1.2.3",
            "..,,",
            "9999999999999999999999 thousand",
        ] {
            let _ = tokenize(s.split_whitespace());
        }
    }
}
