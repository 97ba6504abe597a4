//! The HTML pages' templates: files under `report/templates/`, built into the binary, rendered by
//! one minijinja environment with HTML autoescaping. A designer changes the layout, the markup or
//! the CSS there without touching Rust; [`super::html`] only prepares the data.
//!
//! Every value a template prints is escaped by the environment, so nothing user-derived (transcript
//! words, question text, critique, labels) is escaped by hand. The one exception is markup a
//! template marks `|safe` itself: the SVG charts, which [`super::charts`] builds from escaped values.

use std::sync::LazyLock;

use minijinja::value::Serde;
use minijinja::{AutoEscape, Environment, Error, Output, State, Value};
use serde::Serialize;

use super::charts::esc;

/// Every template, by the name the others use for it, with its text.
const TEMPLATES: [(&str, &str); 5] = [
    ("base.html", include_str!("templates/base.html")),
    ("session.html", include_str!("templates/session.html")),
    ("answer.html", include_str!("templates/answer.html")),
    ("history.html", include_str!("templates/history.html")),
    ("report.css", include_str!("templates/report.css")),
];

/// The environment, built once: the templates are fixed at build time, and a test checks that
/// each of them parses, so building it cannot fail at a user's run.
static ENV: LazyLock<Environment<'static>> =
    LazyLock::new(|| environment().expect("templates parse"));

fn environment() -> Result<Environment<'static>, Error> {
    let mut env = Environment::new();
    // The CSS file's last newline is part of the page, as it was when the CSS was pasted in
    // whole; templates that only define macros print nothing, so keeping newlines costs nothing.
    env.set_syntax(
        minijinja::syntax::SyntaxConfig::builder()
            .keep_trailing_newline(true)
            .build()?,
    );
    // A misspelt field is a bug to catch in the tests, never a blank on the page.
    env.set_undefined_behavior(minijinja::UndefinedBehavior::Strict);
    env.set_auto_escape_callback(|name| {
        if name.ends_with(".html") {
            AutoEscape::Html
        } else {
            AutoEscape::None
        }
    });
    env.set_formatter(escape);
    for (name, source) in TEMPLATES {
        env.add_template(name, source)?;
    }
    Ok(env)
}

/// Prints a value, escaping `&`, `<`, `>` and `"` in HTML templates.
///
/// minijinja's own HTML escaping would also turn every apostrophe into `&#x27;` and every slash
/// into `&#x2f;`, changing the bytes of nearly every page (transcripts are full of "it's") for no
/// gain: those characters are harmless in text and in double-quoted attributes, and the templates
/// quote every attribute with double quotes (a test checks). Safe values, numbers and everything
/// in other templates go through minijinja's formatter unchanged.
fn escape(out: &mut Output, state: &mut State, value: &Value) -> Result<(), Error> {
    if matches!(state.auto_escape(), AutoEscape::Html)
        && !value.is_safe()
        && let Some(text) = value.as_str()
    {
        return out.write_str(&esc(text)).map_err(Error::from);
    }
    minijinja::escape_formatter(out, state, value)
}

/// Renders the template `name` with `context`.
pub fn render(name: &str, context: impl Serialize) -> String {
    ENV.get_template(name)
        .and_then(|t| t.render(Serde(context)))
        .unwrap_or_else(|e| panic!("the template {name} cannot render its page: {e:#}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_template_parses() {
        let env = environment().expect("the environment builds");
        for (name, _) in TEMPLATES {
            env.get_template(name)
                .unwrap_or_else(|e| panic!("{name} does not parse: {e:#}"));
        }
    }

    #[test]
    fn a_broken_template_is_an_error() {
        let mut env = Environment::new();
        assert!(env.add_template("broken.html", "{% if x %}<p>").is_err());
    }

    #[test]
    fn attributes_are_double_quoted() {
        // The escaping leaves apostrophes alone, which is only safe outside single-quoted
        // attributes.
        for (name, source) in TEMPLATES.iter().filter(|(n, _)| n.ends_with(".html")) {
            assert!(
                !source.contains("='") && !source.contains("= '"),
                "{name} has a single-quoted attribute"
            );
        }
    }

    #[test]
    fn values_are_escaped_in_html_and_left_alone_elsewhere() {
        let mut env = environment().unwrap();
        env.add_template("t.html", "<p title=\"{{ x }}\">{{ x }}{{ s|safe }}</p>")
            .unwrap();
        env.add_template("t.txt", "{{ x }}").unwrap();
        let ctx = minijinja::context! { x => "<a href=\"/\">it's & b</a>", s => "<br>" };
        let html = env.get_template("t.html").unwrap().render(&ctx).unwrap();
        assert_eq!(
            html,
            "<p title=\"&lt;a href=&quot;/&quot;&gt;it's &amp; b&lt;/a&gt;\">&lt;a href=&quot;/&quot;&gt;it's &amp; b&lt;/a&gt;<br></p>"
        );
        let text = env.get_template("t.txt").unwrap().render(&ctx).unwrap();
        assert_eq!(text, "<a href=\"/\">it's & b</a>");
    }
}
