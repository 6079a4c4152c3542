//! The one event enum the app processes, and what processing asks the outside to do.

use crossterm::event::{KeyEvent, MouseEvent};

use super::command::Command;
use super::panes::PaneId;
use crate::engine::{EngineEvent, Request, Response};

/// Who asked, so a reply goes back to the pane (and purpose) that sent the request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Tag {
    pub pane: PaneId,
    pub what: u32,
}

#[derive(Debug, Clone)]
pub enum Action {
    Key(KeyEvent),
    Mouse(MouseEvent),
    /// A command chosen some other way than a key (the palette, a test).
    Command(Command),
    Engine(EngineEvent),
    /// Events were dropped because the app fell behind; views reload.
    Lagged(u64),
    Reply {
        tag: Tag,
        response: Response,
    },
    Resize(u16, u16),
    /// SIGTERM / SIGHUP: quit without asking.
    Terminate,
    /// The daemon this TUI was attached to went away (why).
    Disconnected(String),
}

/// Effects live for one dispatch and are moved, never stored in bulk, so the size of the
/// request variant does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    Call { tag: Tag, request: Request },
    Quit,
    Bell,
    Suspend,
    SetMouse(bool),
}
