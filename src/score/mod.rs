//! Pure scoring: data in, figures out. Nothing here reads files, looks at the clock or draws random
//! numbers, so the same transcript always gives byte-identical results.

pub mod delivery;

pub use delivery::{Delivery, Pause, measure};
