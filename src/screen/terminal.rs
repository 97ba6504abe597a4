//! The terminal itself: entering and leaving full-screen mode, drawing frames, reading keys.

use std::io::{self, IsTerminal};
use std::time::Duration;

use ratatui::DefaultTerminal;
use ratatui::crossterm::event::{self, Event, KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

use super::draw::draw;
use crate::session::view::{Key, LiveView};

/// The terminal in full-screen mode; dropping it restores the terminal.
pub struct Tui {
    terminal: DefaultTerminal,
}

impl Tui {
    /// Enters raw mode and the alternate screen. ratatui's init also installs a panic hook that
    /// restores the terminal before the panic message is printed.
    pub fn start() -> io::Result<Tui> {
        Ok(Tui {
            terminal: ratatui::try_init()?,
        })
    }

    /// Draws one frame of `view`.
    pub fn draw(&mut self, view: &LiveView) -> io::Result<()> {
        self.terminal.draw(|f| draw(f, view)).map(|_| ())
    }

    /// Waits up to `timeout` for a key press.
    pub fn poll_key(&mut self, timeout: Duration) -> io::Result<Option<Key>> {
        if !event::poll(timeout)? {
            return Ok(None);
        }
        Ok(match event::read()? {
            Event::Key(k) if k.kind == KeyEventKind::Press => Some(map_key(&k)),
            _ => None,
        })
    }
}

impl Drop for Tui {
    fn drop(&mut self) {
        ratatui::restore();
    }
}

/// The key a key press stands for. In raw mode Ctrl-C is a key, not a signal, so it quits here.
pub fn map_key(k: &KeyEvent) -> Key {
    match k.code {
        KeyCode::Char('c') if k.modifiers.contains(KeyModifiers::CONTROL) => Key::Quit,
        KeyCode::Enter | KeyCode::Char(' ') => Key::Finish,
        KeyCode::Char('q') | KeyCode::Esc => Key::Quit,
        KeyCode::Char('r') => Key::Retry,
        KeyCode::Up | KeyCode::PageUp | KeyCode::Char('k') => Key::ScrollUp,
        KeyCode::Down | KeyCode::PageDown | KeyCode::Char('j') => Key::ScrollDown,
        _ => Key::Other,
    }
}

/// Whether both standard input and standard output are terminals: only then is the full-screen
/// view used; otherwise progress is printed as plain lines.
pub fn is_interactive() -> bool {
    io::stdin().is_terminal() && io::stdout().is_terminal()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(code: KeyCode, modifiers: KeyModifiers) -> Key {
        map_key(&KeyEvent::new(code, modifiers))
    }

    #[test]
    fn keys_map_to_what_the_screen_says() {
        let none = KeyModifiers::NONE;
        assert_eq!(key(KeyCode::Enter, none), Key::Finish);
        assert_eq!(key(KeyCode::Char(' '), none), Key::Finish);
        assert_eq!(key(KeyCode::Char('q'), none), Key::Quit);
        assert_eq!(key(KeyCode::Esc, none), Key::Quit);
        assert_eq!(key(KeyCode::Char('c'), KeyModifiers::CONTROL), Key::Quit);
        assert_eq!(key(KeyCode::Char('r'), none), Key::Retry);
        assert_eq!(key(KeyCode::Down, none), Key::ScrollDown);
        assert_eq!(key(KeyCode::Up, none), Key::ScrollUp);
        assert_eq!(key(KeyCode::Char('x'), none), Key::Other);
    }
}
