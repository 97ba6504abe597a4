//! The rules a question file must follow beyond its TOML shape, each failure naming the key at
//! fault: ids present and unique, weights positive, levels reachable, every dimension a rule or
//! anti-pattern names defined, and every phrase something the matcher can use.

use super::{
    AntiPattern, Dimension, Evidence, MAX_PHRASE_TOKENS, OrderRule, Question, QuestionError, Sense,
};

/// The most levels an ordering rule or anti-pattern may take away.
const MAX_PENALTY: u8 = 4;

/// A problem found: the key at fault and what is wrong with it.
type Problem = (String, String);

impl Question {
    /// Checks every rule of the format; `file` names the question in errors, and the line in its
    /// `text` where the key at fault is written.
    pub(super) fn validate(&self, file: &str, text: &str) -> Result<(), QuestionError> {
        self.check()
            .map_err(|(key, problem)| QuestionError::Invalid {
                file: file.to_string(),
                line: super::lines::line_of(text, &key),
                key,
                problem,
            })
    }

    /// The rule only built-in questions follow: they carry tags, so every one can be drawn by
    /// tag. A user's file may leave `tags` out.
    pub(super) fn require_tags(&self, file: &str) -> Result<(), QuestionError> {
        match self.tags {
            Some(_) => Ok(()),
            None => Err(QuestionError::Invalid {
                file: file.to_string(),
                line: None,
                key: "tags".into(),
                problem: "is missing; every built-in question needs at least one tag".into(),
            }),
        }
    }

    /// Every rule of the format, in file order.
    fn check(&self) -> Result<(), Problem> {
        if !is_id(&self.id) {
            return Err((
                "id".into(),
                format!("is {:?}; use lower-case words joined by hyphens", self.id),
            ));
        }
        if self.text.trim().is_empty() {
            return Err(("text".into(), "is empty".into()));
        }
        if let Some(tags) = &self.tags {
            check_tags(tags)?;
        }
        self.check_targets()?;
        if self.dimensions.is_empty() {
            return Err((
                "dimension".into(),
                "is missing; a question needs at least one".into(),
            ));
        }
        for (i, d) in self.dimensions.iter().enumerate() {
            unique(&self.dimensions[..i], |e| &e.id, &d.id)
                .map_err(|p| (format!("dimension[{i}].id"), p))?;
            check_dimension(d).map_err(|(k, p)| (format!("dimension[{i}].{k}"), p))?;
        }
        for (i, id) in self.keep_in_short.iter().enumerate() {
            self.known(id)
                .map_err(|p| (format!("keep_in_short[{i}]"), p))?;
        }
        for (i, rule) in self.order.iter().enumerate() {
            self.check_order(rule)
                .map_err(|(k, p)| (format!("order[{i}].{k}"), p))?;
        }
        for (i, a) in self.anti_patterns.iter().enumerate() {
            unique(&self.anti_patterns[..i], |b| &b.id, &a.id)
                .map_err(|p| (format!("anti_pattern[{i}].id"), p))?;
            self.check_anti_pattern(a)
                .map_err(|(k, p)| (format!("anti_pattern[{i}].{k}"), p))?;
        }
        for (i, example) in self.examples.iter().enumerate() {
            if example.text.split_whitespace().next().is_none() {
                return Err((format!("examples[{i}].text"), "is empty".into()));
            }
        }
        Ok(())
    }

    /// The two targets: positive, ordered ranges, the short one shorter.
    fn check_targets(&self) -> Result<(), Problem> {
        for (name, t) in [("short", self.targets.short), ("long", self.targets.long)] {
            if t.seconds == 0 {
                return Err((format!("targets.{name}.seconds"), "must be positive".into()));
            }
            if t.words[0] == 0 || t.words[0] > t.words[1] {
                return Err((
                    format!("targets.{name}.words"),
                    format!("is {:?}; give [lowest, highest], both positive", t.words),
                ));
            }
        }
        if self.targets.short.seconds >= self.targets.long.seconds {
            return Err((
                "targets.short.seconds".into(),
                "must be less than targets.long.seconds".into(),
            ));
        }
        Ok(())
    }

    /// An error naming the known dimensions when `id` is not one of them.
    fn known(&self, id: &str) -> Result<&Dimension, String> {
        self.dimension(id).ok_or_else(|| {
            let ids: Vec<&str> = self.dimensions.iter().map(|d| d.id.as_str()).collect();
            format!(
                "names no dimension {id:?}; the dimensions are {}",
                ids.join(", ")
            )
        })
    }

    /// An ordering rule: both ends and the hurt dimension defined, the ends different.
    fn check_order(&self, rule: &OrderRule) -> Result<(), Problem> {
        self.known(&rule.first)
            .map_err(|p| ("first".to_string(), p))?;
        self.known(&rule.then)
            .map_err(|p| ("then".to_string(), p))?;
        self.known(&rule.hurts)
            .map_err(|p| ("hurts".to_string(), p))?;
        if rule.first == rule.then {
            return Err(("then".into(), "is the same dimension as `first`".into()));
        }
        check_penalty(rule.penalty)
    }

    /// An anti-pattern: a defined dimension, something to trigger on, known `only` and `missing`
    /// items.
    fn check_anti_pattern(&self, a: &AntiPattern) -> Result<(), Problem> {
        let dim = self.known(&a.hurts).map_err(|p| ("hurts".to_string(), p))?;
        if a.phrases.is_empty() && a.only.is_empty() && a.missing.is_empty() {
            return Err((
                "phrases".into(),
                "is empty and so are `only` and `missing`; give one of them".into(),
            ));
        }
        check_phrases(&a.phrases).map_err(|(i, p)| (format!("phrases[{i}]"), p))?;
        check_phrases(&a.near).map_err(|(i, p)| (format!("near[{i}]"), p))?;
        check_phrases(&a.not_near).map_err(|(i, p)| (format!("not_near[{i}]"), p))?;
        check_senses(&a.senses)?;
        let only = a.only.iter().enumerate().map(|(i, item)| ("only", i, item));
        let missing = a.missing.iter().enumerate().map(|(i, m)| ("missing", i, m));
        for (key, i, item) in only.chain(missing) {
            if !dim.evidence.iter().any(|e| &e.id == item) {
                return Err((
                    format!("{key}[{i}]"),
                    format!("names no evidence {item:?} of dimension {:?}", dim.id),
                ));
            }
        }
        check_penalty(a.penalty)
    }
}

/// Tags: at least one when the key is given, each an id, none repeated.
fn check_tags(tags: &[String]) -> Result<(), Problem> {
    if tags.is_empty() {
        return Err((
            "tags".into(),
            "is empty; list at least one tag or leave the key out".into(),
        ));
    }
    for (i, tag) in tags.iter().enumerate() {
        if !is_id(tag) {
            return Err((
                format!("tags[{i}]"),
                format!("is {tag:?}; use lower-case words joined by hyphens"),
            ));
        }
        if tags[..i].contains(tag) {
            return Err((format!("tags[{i}]"), format!("repeats the tag {tag:?}")));
        }
    }
    Ok(())
}

/// A dimension: id, positive weight, reachable non-decreasing levels, usable evidence.
fn check_dimension(d: &Dimension) -> Result<(), Problem> {
    if !is_id(&d.id) {
        return Err((
            "id".into(),
            format!("is {:?}; use lower-case words joined by hyphens", d.id),
        ));
    }
    if !(d.weight.is_finite() && d.weight > 0.0) {
        return Err((
            "weight".into(),
            format!("is {}; weights must be positive", d.weight),
        ));
    }
    let l = d.levels;
    if l[0] == 0 || l.windows(2).any(|w| w[0] > w[1]) {
        return Err((
            "levels".into(),
            format!("is {l:?}; give four counts, at least 1 and never decreasing"),
        ));
    }
    if l[3] as usize > d.evidence.len() {
        return Err((
            "levels".into(),
            format!(
                "asks for {} items for level 4 but only {} are defined",
                l[3],
                d.evidence.len()
            ),
        ));
    }
    for (i, e) in d.evidence.iter().enumerate() {
        check_evidence(e, &d.evidence[..i]).map_err(|(k, p)| (format!("evidence[{i}].{k}"), p))?;
    }
    Ok(())
}

/// An evidence item: a fresh id and usable phrases.
fn check_evidence(e: &Evidence, earlier: &[Evidence]) -> Result<(), Problem> {
    if !is_id(&e.id) {
        return Err((
            "id".into(),
            format!("is {:?}; use lower-case words joined by hyphens", e.id),
        ));
    }
    unique(earlier, |x| &x.id, &e.id).map_err(|p| ("id".to_string(), p))?;
    if e.phrases.is_empty() {
        return Err(("phrases".into(), "is empty".into()));
    }
    check_phrases(&e.phrases).map_err(|(j, p)| (format!("phrases[{j}]"), p))?;
    check_phrases(&e.misheard).map_err(|(j, p)| (format!("misheard[{j}]"), p))?;
    check_phrases(&e.near).map_err(|(j, p)| (format!("near[{j}]"), p))?;
    check_phrases(&e.not_near).map_err(|(j, p)| (format!("not_near[{j}]"), p))?;
    check_senses(&e.senses)
}

/// Every `sense` table has phrases, and all its phrases are usable.
fn check_senses(senses: &[Sense]) -> Result<(), Problem> {
    for (i, sense) in senses.iter().enumerate() {
        if sense.phrases.is_empty() {
            return Err((format!("sense[{i}].phrases"), "is empty".into()));
        }
        let lists = [
            ("phrases", &sense.phrases),
            ("near", &sense.near),
            ("not_near", &sense.not_near),
        ];
        for (key, list) in lists {
            check_phrases(list).map_err(|(j, p)| (format!("sense[{i}].{key}[{j}]"), p))?;
        }
    }
    Ok(())
}

/// Every phrase has between one and [`MAX_PHRASE_TOKENS`] words once normalised.
fn check_phrases(phrases: &[String]) -> Result<(), (usize, String)> {
    for (i, p) in phrases.iter().enumerate() {
        let words = crate::text::tokenize(p.split_whitespace()).len();
        if words == 0 || words > MAX_PHRASE_TOKENS {
            return Err((
                i,
                format!("is {p:?}; a phrase needs 1 to {MAX_PHRASE_TOKENS} words"),
            ));
        }
    }
    Ok(())
}

/// A penalty between 1 and [`MAX_PENALTY`] levels.
fn check_penalty(p: u8) -> Result<(), Problem> {
    if p == 0 || p > MAX_PENALTY {
        return Err((
            "penalty".into(),
            format!("is {p}; give 1 to {MAX_PENALTY} levels"),
        ));
    }
    Ok(())
}

/// An error when `id` repeats one of `earlier`'s ids.
fn unique<T>(earlier: &[T], id_of: impl Fn(&T) -> &String, id: &str) -> Result<(), String> {
    match earlier.iter().any(|e| id_of(e) == id) {
        true => Err(format!("repeats the id {id:?}")),
        false => Ok(()),
    }
}

/// Lower-case ASCII letters and digits in words joined by single hyphens.
pub(crate) fn is_id(s: &str) -> bool {
    !s.is_empty()
        && s.split('-').all(|w| {
            !w.is_empty()
                && w.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        })
}

#[cfg(test)]
mod tests {
    use super::super::{Bank, FLAGSHIP, Kind, Question, QuestionError, TAGS};

    const MINIMAL: &str = r#"
id = "tiny"
text = "Why?"
kind = "process"
keep_in_short = ["a"]
[[dimension]]
id = "a"
name = "A"
weight = 1
means = "Says a."
advice = "Say a."
levels = [1, 1, 1, 1]
[[dimension.evidence]]
id = "x"
label = "x"
phrases = ["x ray"]
"#;

    fn error(text: &str) -> String {
        match Question::from_toml(text, "t.toml") {
            Err(e @ QuestionError::Invalid { .. }) => e.to_string(),
            other => panic!("expected a validation error, got {other:?}"),
        }
    }

    #[test]
    fn the_builtin_bank_is_valid_and_has_the_flagship() {
        let bank = Bank::builtin().expect("built-in questions are valid");
        assert!(bank.all().len() >= 8);
        assert_eq!(bank.all()[0].id, FLAGSHIP);
        assert_eq!(bank.all()[0].kind.as_str(), "process");
        assert!(bank.get(FLAGSHIP).is_some());
    }

    #[test]
    fn errors_name_the_file_and_key() {
        assert!(Question::from_toml(MINIMAL, "t.toml").is_ok());
        let e = error(&MINIMAL.replace("weight = 1", "weight = 0"));
        assert_eq!(
            e,
            "question file t.toml, line 9: `dimension[0].weight` is 0; weights must be positive"
        );
        let e = error(&format!(
            "{MINIMAL}\n[[order]]\nname = \"n\"\nfirst = \"a\"\nthen = \"b\"\nhurts = \"a\"\npenalty = 1\nadvice = \"x\"\n"
        ));
        assert!(e.contains("order[0].then") && e.contains("\"b\""), "{e}");
        let e = error(&MINIMAL.replace("keep_in_short = [\"a\"]", "keep_in_short = [\"zz\"]"));
        assert!(e.contains("keep_in_short[0]"), "{e}");
        let e = error(&MINIMAL.replace("[1, 1, 1, 1]", "[1, 1, 1, 2]"));
        assert!(e.contains("levels"), "{e}");
    }

    #[test]
    fn builtin_questions_use_the_documented_tags_and_their_kind() {
        let bank = Bank::builtin().unwrap();
        for q in bank.all() {
            assert!(!q.tags().is_empty(), "{}", q.id);
            for tag in q.tags() {
                assert!(TAGS.contains(&tag.as_str()), "{}: {tag}", q.id);
            }
            let shape = match q.kind {
                Kind::Story => "story",
                Kind::Process => "process",
                Kind::Design => "system-design",
            };
            assert!(q.has_tag(shape), "{} lacks {shape}", q.id);
        }
        assert!(bank.tags().contains(&"behavioural"));
        let design = bank.tagged("system-design").unwrap();
        assert!(design.iter().all(|q| q.kind == Kind::Design) && design.len() >= 2);
        assert!(bank.tagged("no-such-tag").is_none());
    }

    #[test]
    fn tags_are_checked_and_may_be_left_out_of_a_users_file() {
        let tagged = |tags: &str| MINIMAL.replace("kind = ", &format!("tags = {tags}\nkind = "));
        let q = Question::from_toml(&tagged(r#"["data", "on-call"]"#), "t.toml").unwrap();
        assert_eq!(q.tags(), ["data", "on-call"]);
        assert!(
            Question::from_toml(MINIMAL, "t.toml")
                .unwrap()
                .tags()
                .is_empty()
        );
        let e = error(&tagged("[]"));
        assert!(e.contains("`tags` is empty"), "{e}");
        let e = error(&tagged(r#"["data", "Data Stuff"]"#));
        assert!(e.contains("`tags[1]`") && e.contains("lower-case"), "{e}");
        let e = error(&tagged(r#"["data", "data"]"#));
        assert!(e.contains("`tags[1]` repeats the tag \"data\""), "{e}");
        let untagged = Question::from_toml(MINIMAL, "t.toml").unwrap();
        let e = untagged.require_tags("t.toml").unwrap_err().to_string();
        assert!(
            e.contains("t.toml") && e.contains("`tags` is missing"),
            "{e}"
        );
    }

    #[test]
    fn examples_are_labelled_answers() {
        let with = |label: &str, text: &str| {
            format!("{MINIMAL}\n[[examples]]\nlabel = \"{label}\"\ntext = \"{text}\"\n")
        };
        let q = Question::from_toml(&with("strong", "I x ray it."), "t.toml").unwrap();
        assert_eq!(q.examples[0].label.as_str(), "strong");
        let e = error(&with("weak", "  "));
        assert_eq!(
            e,
            "question file t.toml, line 20: `examples[0].text` is empty"
        );
        let e = Question::from_toml(&with("great", "x"), "t.toml").unwrap_err();
        assert!(
            matches!(e, QuestionError::Parse { line: Some(19), .. }),
            "{e}"
        );
    }

    #[test]
    fn unknown_keys_are_rejected() {
        let text = MINIMAL.replace("kind = \"process\"", "kind = \"process\"\ncolour = \"red\"");
        let e = Question::from_toml(&text, "t.toml").unwrap_err();
        assert!(
            matches!(e, QuestionError::Parse { line: Some(5), .. }),
            "{e:?}"
        );
        let e = e.to_string();
        assert!(
            e.starts_with("question file t.toml, line 5: unknown field `colour`")
                && !e.contains('\n'),
            "{e}"
        );
    }
}
