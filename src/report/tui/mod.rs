//! Placeholder until the terminal UI lands.
pub mod view;
pub use view::{CheckItem, LiveView, Phase};
/// A key the session reacts to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Key {
    Finish,
    Quit,
    Retry,
    ScrollUp,
    ScrollDown,
    Other,
}
