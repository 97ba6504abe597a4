//! Word-level normal forms: runs of number words written as digits, and a light stem.
//!
//! Whisper writes "500 errors" where a rubric may say "five hundred errors", and "rolled back"
//! where it says "roll back". Both sides of every comparison pass through these two steps, so it
//! only matters that they are consistent, not that they are linguistically right.

use crate::text::{Break, Token};

/// Number words below twenty, by value.
const SMALL_NUMBERS: [&str; 20] = [
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
];

/// Tens, from twenty.
const TENS: [&str; 8] = [
    "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety",
];

/// The kinds of number word, which decide which may follow which in one number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum NumKind {
    Unit,
    Tens,
    Hundred,
    Big,
}

/// The value of a number word and its kind.
fn number_word(w: &str) -> Option<(u64, NumKind)> {
    if let Some(i) = SMALL_NUMBERS.iter().position(|n| *n == w) {
        return Some((i as u64, NumKind::Unit));
    }
    if let Some(i) = TENS.iter().position(|n| *n == w) {
        return Some((20 + 10 * i as u64, NumKind::Tens));
    }
    match w {
        "hundred" => Some((100, NumKind::Hundred)),
        "thousand" => Some((1000, NumKind::Big)),
        "million" => Some((1_000_000, NumKind::Big)),
        _ => None,
    }
}

/// Whether `next` may continue a number whose last word was `last`: "ninety five", "five hundred",
/// "two thousand three hundred", but not "one two" (two numbers).
fn continues(last: NumKind, last_value: u64, next: NumKind) -> bool {
    match next {
        NumKind::Unit => matches!(last, NumKind::Tens | NumKind::Hundred | NumKind::Big),
        NumKind::Tens => matches!(last, NumKind::Hundred | NumKind::Big),
        NumKind::Hundred => matches!(last, NumKind::Unit | NumKind::Tens) && last_value > 0,
        NumKind::Big => last != NumKind::Big,
    }
}

/// A run of number words being added up, kept in the token of its first word.
struct Run {
    tok: Token,
    total: u64,
    current: u64,
    last: NumKind,
    last_value: u64,
}

impl Run {
    /// A run starting with `tok`.
    fn start(tok: Token, value: u64, kind: NumKind) -> Run {
        let mut run = Run {
            tok,
            total: 0,
            current: 0,
            last: kind,
            last_value: value,
        };
        run.add(value, kind);
        run
    }

    /// Adds one number word. Arithmetic saturates: "million million million..." is not a crash.
    fn add(&mut self, value: u64, kind: NumKind) {
        match kind {
            NumKind::Unit | NumKind::Tens => self.current = self.current.saturating_add(value),
            NumKind::Hundred => self.current = self.current.max(1).saturating_mul(100),
            NumKind::Big => {
                let group = self.current.max(1).saturating_mul(value);
                self.total = self.total.saturating_add(group);
                self.current = 0;
            }
        }
        (self.last, self.last_value) = (kind, value);
    }

    /// The run as one token of digits.
    fn finish(mut self) -> Token {
        self.tok.text = self.total.saturating_add(self.current).to_string();
        self.tok
    }
}

/// Replaces runs of number words with one token of digits ("five hundred" becomes "500"), so a
/// transcript that writes digits and one that writes words match the same phrases.
pub fn join_numbers(tokens: Vec<Token>) -> Vec<Token> {
    let mut out: Vec<Token> = Vec::with_capacity(tokens.len());
    let mut run: Option<Run> = None;
    for tok in tokens {
        let num = number_word(&tok.text);
        match (num, run.as_mut()) {
            (Some((value, kind)), Some(r))
                if tok.brk == Break::None && continues(r.last, r.last_value, kind) =>
            {
                r.add(value, kind);
                r.tok.last_word = tok.word;
            }
            _ => {
                out.extend(run.take().map(Run::finish));
                match num {
                    Some((value, kind)) => run = Some(Run::start(tok, value, kind)),
                    None => out.push(tok),
                }
            }
        }
    }
    out.extend(run.map(Run::finish));
    out
}

/// A light suffix-stripping stem: plurals, `-ed`, `-ing`, `-ly`, `-tion`, `-ment` and a final `e`
/// go, and a doubled final consonant left behind is undoubled. "rolled", "rolling" and "rolls" all
/// become "roll"; "mitigation" and "mitigate" both become "mitigat". Words that are not plain ASCII
/// letters are returned unchanged. A word whose stem would be one of the [`RESERVED_STEMS`] that
/// contractions spell out ("notes" would be "not") gets a stem of its own, so "won't" never
/// matches "notes".
pub fn stem(word: &str) -> String {
    if word.len() <= 3 || !word.bytes().all(|b| b.is_ascii_lowercase()) {
        return word.to_string();
    }
    let mut s = word.to_string();
    strip_plural(&mut s);
    strip_tense(&mut s);
    for (suffix, cut, longer_than) in [("ly", 2, 5), ("tion", 3, 6), ("ment", 4, 7), ("e", 1, 3)] {
        if s.len() > longer_than && s.ends_with(suffix) {
            s.truncate(s.len() - cut);
        }
    }
    if RESERVED_STEMS.contains(&s.as_str()) && s != word {
        s.push('e');
    }
    s
}

/// Stems only the word itself may have: the words contractions spell out, which other words must
/// never match by stemming down to them.
pub const RESERVED_STEMS: [&str; 2] = ["not", "will"];

/// Removes a plural `-s`, `-es` or `-ies`.
fn strip_plural(s: &mut String) {
    if s.len() > 4 && s.ends_with("ies") {
        s.truncate(s.len() - 3);
        s.push('y');
    } else if s.ends_with("sses") {
        s.truncate(s.len() - 2);
    } else if s.len() > 3 && s.ends_with('s') && !["ss", "us", "is"].iter().any(|e| s.ends_with(e))
    {
        s.pop();
    }
}

/// Removes `-ied`, `-ed` or `-ing`, undoubling what is left ("stopped" gives "stop", "called" keeps
/// its double l).
fn strip_tense(s: &mut String) {
    if s.len() > 4 && s.ends_with("ied") {
        s.truncate(s.len() - 3);
        s.push('y');
        return;
    }
    let cut = if s.len() > 4 && s.ends_with("ed") {
        2
    } else if s.len() > 5 && s.ends_with("ing") {
        3
    } else {
        return;
    };
    s.truncate(s.len() - cut);
    let b = s.as_bytes();
    let n = b.len();
    let kept_double = matches!(
        b[n - 1],
        b'l' | b's' | b'z' | b'a' | b'e' | b'i' | b'o' | b'u'
    );
    if n >= 4 && b[n - 1] == b[n - 2] && !kept_double {
        s.pop();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::tokenize;

    fn texts(s: &str) -> Vec<String> {
        tokenize(s.split_whitespace())
            .into_iter()
            .map(|t| t.text)
            .collect()
    }

    #[test]
    fn words_never_stem_to_what_contractions_spell_out() {
        for w in ["note", "notes", "noted", "noting"] {
            assert_eq!(stem(w), "note", "{w}");
        }
        assert_eq!(stem("willing"), "wille");
        assert_eq!(stem("will"), "will");
        assert_eq!(stem("not"), "not");
    }

    #[test]
    fn number_words_become_digits() {
        assert_eq!(texts("five hundred errors"), ["500", "errors"]);
        assert_eq!(texts("p ninety five latency"), ["p", "95", "latency"]);
        assert_eq!(
            texts("two thousand three hundred and one"),
            ["2300", "and", "1"]
        );
        assert_eq!(texts("one two, three"), ["1", "2", "3"]);
        assert_eq!(
            texts("a hundred million million"),
            ["a", "100000000", "1000000"]
        );
        assert_eq!(
            texts("P95 went to 1,000 ms, 99.9% of 500s"),
            [
                "p", "95", "went", "to", "1000", "ms", "99.9", "percent", "of", "500"
            ]
        );
        let t = tokenize("five hundred".split_whitespace());
        assert_eq!((t[0].word, t[0].last_word), (0, 1));
    }

    #[test]
    fn inflections_share_a_stem() {
        for group in [
            ["rolled", "rolling", "rolls"],
            ["logs", "logged", "logging"],
            ["mitigation", "mitigate", "mitigated"],
        ] {
            let s: Vec<String> = group.iter().map(|w| stem(w)).collect();
            assert!(s.iter().all(|x| *x == s[0]), "{group:?} gave {s:?}");
        }
        assert_eq!(stem("stopped"), "stop");
        assert_eq!(stem("called"), "call");
        assert_eq!(stem("retries"), "retry");
        assert_eq!(stem("status"), "status");
        assert_eq!(stem("deployment"), stem("deploy"));
    }
}
