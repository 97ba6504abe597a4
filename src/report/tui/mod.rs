//! The full-screen terminal interface of `rehearse practice`.
//!
//! [`view`] is the state to show, [`draw`] renders it with ratatui, and [`terminal`] owns the
//! terminal: raw mode, the alternate screen, keys, and restoring everything on the way out, even
//! after a panic.

pub mod draw;
pub mod terminal;
pub mod view;

pub use terminal::{Key, Tui, is_interactive};
pub use view::{CheckItem, LiveView, Phase};
