//! `rehearse questions`: the question bank, built-in and the user's own.

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
    text: &'a str,
    origin: &'a str,
}

/// The bank as text, Markdown or JSON.
pub fn list(settings: &Settings) -> Result<String, Error> {
    let bank = Bank::load(settings.questions_dir.as_deref())?;
    let listed: Vec<Listed> = bank
        .all()
        .iter()
        .map(|q| Listed {
            id: &q.id,
            kind: q.kind.as_str(),
            text: &q.text,
            origin: bank.origin(&q.id).unwrap_or("built in"),
        })
        .collect();
    Ok(match settings.format {
        Format::Json => serde_json::to_string_pretty(&listed).expect("a list serialises") + "\n",
        Format::Markdown => listed
            .iter()
            .map(|q| format!("- `{}` ({}): {}\n", q.id, q.kind, q.text))
            .collect(),
        Format::Text => {
            let default = &settings.default_question;
            let mut out = String::new();
            for q in &listed {
                let mark = if q.id == default { " (default)" } else { "" };
                out += &format!("{:<28} {:<8} {}{mark}\n", q.id, q.kind, q.text);
            }
            out
        }
    })
}
