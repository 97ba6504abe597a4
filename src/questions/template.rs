//! Templates for a new question file, one per kind (story, process, design), and the two guesses
//! a new question starts from without a model: its kind, from its wording, and its id, from its
//! text.
//!
//! The templates are data (`prompts/templates/*.toml`): generic dimensions with phrases that fit
//! any answer of their kind, an ordering rule, a mistake and two example answers, with comments
//! saying what to edit. Each passes the bank's checks as written, so a file made from one is
//! usable at once and only gets better as its owner edits it.

use super::Kind;

/// The template of each kind, in the order of [`Kind`].
const TEMPLATES: [(Kind, &str); 3] = [
    (
        Kind::Story,
        include_str!("../../prompts/templates/story.toml"),
    ),
    (
        Kind::Process,
        include_str!("../../prompts/templates/process.toml"),
    ),
    (
        Kind::Design,
        include_str!("../../prompts/templates/design.toml"),
    ),
];

/// The most words of the question's text an id made from it keeps.
const ID_WORDS: usize = 6;

/// Words an id made from a question's text leaves out: they are in every question.
const ID_STOP_WORDS: [&str; 33] = [
    "a", "an", "the", "how", "do", "does", "did", "would", "could", "should", "you", "your", "me",
    "tell", "about", "time", "when", "what", "why", "which", "of", "for", "to", "in", "on", "with",
    "is", "are", "was", "were", "and", "or", "i",
];

/// The template for `kind` with its `id` and `text` lines set to the given ones.
pub fn template(kind: Kind, id: &str, text: &str) -> String {
    let (_, raw) = TEMPLATES
        .iter()
        .find(|(k, _)| *k == kind)
        .expect("every kind has a template");
    let mut out = String::with_capacity(raw.len() + text.len());
    let (mut id_done, mut text_done) = (false, false);
    for line in raw.lines() {
        if !id_done && line.starts_with("id = ") {
            out += &format!("id = {}", quoted(id));
            id_done = true;
        } else if !text_done && line.starts_with("text = ") {
            out += &format!("text = {}", quoted(text));
            text_done = true;
        } else {
            out += line;
        }
        out.push('\n');
    }
    out
}

/// `s` as a TOML basic string, quotes and control characters escaped.
fn quoted(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

impl Kind {
    /// The kind a question's wording suggests: "Tell me about a time..." asks for a story, "How
    /// would you design..." for a design, anything else for a process.
    pub fn guess(text: &str) -> Kind {
        Kind::evident(text).unwrap_or(Kind::Process)
    }

    /// The kind a question's wording makes plain, if it does: a story for "Tell me about a
    /// time...", a design for "How would you design...", a process for "How do you...". `None`
    /// for wording that could be any ("What is your approach to...").
    pub fn evident(text: &str) -> Option<Kind> {
        let t = text.to_lowercase();
        let story = [
            "tell me about",
            "describe a time",
            "describe a situation",
            "give me an example",
            "give an example",
            "a time when",
            "a time you",
            "walk me through a time",
            "share an experience",
        ];
        let design = [
            "design",
            "architect",
            "how would you build",
            "how would you scale",
        ];
        let process = [
            "how do you",
            "how would you",
            "how should",
            "what steps",
            "what would you do",
            "walk me through how",
        ];
        if story.iter().any(|s| t.contains(s)) {
            Some(Kind::Story)
        } else if design.iter().any(|s| t.contains(s)) {
            Some(Kind::Design)
        } else if process.iter().any(|s| t.contains(s)) {
            Some(Kind::Process)
        } else {
            None
        }
    }

    /// The kind named `name` ("story", "process" or "design"), in any case.
    pub fn from_name(name: &str) -> Option<Kind> {
        match name.trim().to_lowercase().as_str() {
            "story" => Some(Kind::Story),
            "process" => Some(Kind::Process),
            "design" | "system-design" => Some(Kind::Design),
            _ => None,
        }
    }

    /// The tag of the answer's shape that the built-in questions of this kind carry.
    pub fn shape_tag(self) -> &'static str {
        match self {
            Kind::Story => "story",
            Kind::Process => "process",
            Kind::Design => "system-design",
        }
    }
}

/// An id made from a question's text: its telling words, lower-case, joined by hyphens
/// ("How would you design a caching layer?" gives `design-caching-layer`). `None` when the text
/// has no letters or digits to make one from.
pub fn slug(text: &str) -> Option<String> {
    let words: Vec<String> = text
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_ascii_lowercase)
        .collect();
    let telling: Vec<&String> = words
        .iter()
        .filter(|w| !ID_STOP_WORDS.contains(&w.as_str()))
        .take(ID_WORDS)
        .collect();
    let chosen: Vec<&String> = if telling.is_empty() {
        words.iter().take(ID_WORDS).collect()
    } else {
        telling
    };
    (!chosen.is_empty()).then(|| {
        chosen
            .iter()
            .map(|w| w.as_str())
            .collect::<Vec<_>>()
            .join("-")
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::questions::Question;

    #[test]
    fn every_template_passes_the_checks_with_any_id_and_text() {
        for (kind, _) in TEMPLATES {
            let text = "Tell me about \"quotes\" and a backslash \\ here?";
            let file = template(kind, "my-new-one", text);
            let q = Question::from_toml(&file, "t.toml")
                .unwrap_or_else(|e| panic!("{}: {e}", kind.as_str()));
            assert_eq!((q.id.as_str(), q.text.as_str()), ("my-new-one", text));
            assert_eq!(q.kind, kind);
            assert!(q.has_tag(kind.shape_tag()));
            assert!(file.starts_with("# A template"), "{file}");
        }
    }

    #[test]
    fn the_kind_is_guessed_from_the_wording() {
        assert_eq!(
            Kind::guess("Tell me about a time you mentored someone."),
            Kind::Story
        );
        assert_eq!(
            Kind::guess("How would you design a cache for a read-heavy API?"),
            Kind::Design
        );
        assert_eq!(
            Kind::guess("How do you plan a database migration?"),
            Kind::Process
        );
        assert_eq!(
            Kind::evident("How do you estimate how long a project will take?"),
            Some(Kind::Process)
        );
        assert_eq!(Kind::evident("What is your approach to estimates?"), None);
        assert_eq!(Kind::from_name(" Design "), Some(Kind::Design));
        assert_eq!(Kind::from_name("essay"), None);
    }

    #[test]
    fn an_id_keeps_the_telling_words() {
        assert_eq!(
            slug("How would you design a caching layer?").as_deref(),
            Some("design-caching-layer")
        );
        assert_eq!(
            slug("Tell me about a time you mentored someone.").as_deref(),
            Some("mentored-someone")
        );
        assert_eq!(slug("Why?").as_deref(), Some("why"));
        assert_eq!(slug("?!").as_deref(), None);
    }
}
