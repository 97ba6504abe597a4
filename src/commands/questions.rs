//! `rehearse questions`: the question bank, built-in and the user's own, all of it or one tag's.

use serde::Serialize;

use crate::Error;
use crate::questions::Bank;
use crate::report::Format;
use crate::settings::Settings;

/// One question as listed.
#[derive(Serialize)]
struct Listed<'a> {
    id: &'a str,
    kind: &'a str,
    tags: &'a [String],
    text: &'a str,
    origin: &'a str,
}

/// The bank, or its questions tagged `tag`, as text, Markdown or JSON.
pub fn list(settings: &Settings, tag: Option<&str>) -> Result<String, Error> {
    let bank = Bank::load(settings.questions_dir.as_deref())?;
    let listed: Vec<Listed> = super::tagged(&bank, tag)?
        .into_iter()
        .map(|q| Listed {
            id: &q.id,
            kind: q.kind.as_str(),
            tags: q.tags(),
            text: &q.text,
            origin: bank.origin(&q.id).unwrap_or("built in"),
        })
        .collect();
    Ok(match settings.format {
        Format::Json => serde_json::to_string_pretty(&listed).expect("a list serialises") + "\n",
        Format::Markdown => listed
            .iter()
            .map(|q| {
                let tags = q.tags.join(", ");
                format!("- `{}` ({}; {tags}): {}\n", q.id, q.kind, q.text)
            })
            .collect(),
        Format::Text => text(&listed, &settings.default_question),
    })
}

/// One line per question: id, kind, tags and text, the default marked.
fn text(listed: &[Listed], default: &str) -> String {
    let tags: Vec<String> = listed.iter().map(|q| q.tags.join(",")).collect();
    let width = tags.iter().map(String::len).max().unwrap_or(0);
    let mut out = String::new();
    for (q, tags) in listed.iter().zip(&tags) {
        let mark = if q.id == default { " (default)" } else { "" };
        out += &format!(
            "{:<28} {:<8} {tags:<width$} {}{mark}\n",
            q.id, q.kind, q.text
        );
    }
    out
}
