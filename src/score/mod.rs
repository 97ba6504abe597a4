//! Pure scoring: data in, figures out. Nothing here reads files, looks at the clock or draws random
//! numbers, so the same transcript always gives byte-identical results.
//!
//! [`assess`] is the whole pipeline from an answer as heard to its [`ScoreReport`]. [`delivery`]
//! measures timing. The rubric scorer ([`Scorer`], a question prepared once) turns a transcript into
//! a [`ScoreCard`]: [`spoken`] makes its words comparable ([`crate::text`]), [`matcher`] (with
//! [`edits`] and [`modality`]) finds rubric phrases, [`senses`] keeps those used in the sense the
//! rubric's context rules ask for, [`evidence`], [`story`] and [`rubric`] judge them, [`fluency`] and [`pace`] measure how it was said, and [`card`] and [`advice`] assemble the
//! card. Rendering it is `report`'s job.

pub mod advice;
pub mod assess;
pub mod card;
pub mod delivery;
pub mod edits;
pub mod evidence;
pub mod fluency;
pub mod matcher;
pub mod modality;
pub mod pace;
pub mod rubric;
pub mod senses;
pub mod spoken;
pub mod story;

pub use assess::{AudioFormat, Heard, ModelUsed, SCHEMA, ScoreReport, Source, SourceKind, assess};
pub use card::ScoreCard;
pub use delivery::{Delivery, Pause, measure};
pub use rubric::Scorer;
