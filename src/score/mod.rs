//! Pure scoring: data in, figures out. Nothing here reads files, looks at the clock or draws random
//! numbers, so the same transcript always gives byte-identical results.
//!
//! [`delivery`] measures timing. The rubric scorer turns a transcript into a [`ScoreCard`]:
//! [`normalize`] and [`words`] make words comparable, [`matcher`] (with [`edits`] and
//! [`modality`]) finds rubric phrases, [`evidence`], [`story`] and [`rubric`] judge them,
//! [`fluency`] and [`pace`] measure how it was said, [`card`] and [`advice`] assemble the report,
//! and [`render`] and [`markdown`] print it.

pub mod advice;
pub mod card;
pub mod delivery;
pub mod edits;
pub mod evidence;
pub mod fluency;
pub mod markdown;
pub mod matcher;
pub mod modality;
pub mod normalize;
pub mod pace;
pub mod render;
pub mod rubric;
pub mod story;
pub mod words;

pub use card::{ScoreCard, score};
pub use delivery::{Delivery, Pause, measure};
pub use markdown::render_markdown;
pub use render::render_text;
