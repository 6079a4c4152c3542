//! What a user can bind a key to (crates-tui's split): a small, serialisable vocabulary.
//! Internal happenings (engine events, replies, resizes) are [`super::action::Action`]s and
//! can never be bound.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum Command {
    Quit,
    /// Esc: close the popup or editor, clear the filter, go back. Never destroys anything.
    Back,
    Help,
    Palette,
    NextPane,
    PrevPane,
    /// Jump to pane 0–9.
    Pane0,
    Pane1,
    Pane2,
    Pane3,
    Pane4,
    Pane5,
    Pane6,
    Pane7,
    Pane8,
    Pane9,
    Up,
    Down,
    PageUp,
    PageDown,
    Top,
    Bottom,
    Left,
    Right,
    /// Enter: open, edit, confirm.
    Select,
    Filter,
    Refresh,
    /// Freeze the live views (the log stops scrolling, lists stop reloading).
    Freeze,
    Follow,
    New,
    Edit,
    Delete,
    Save,
    TestConnection,
    RunNow,
    DryRun,
    Cancel,
    NextError,
    CycleLevel,
    CycleJob,
    ToggleArchived,
    CycleSort,
    ReverseSort,
    Retry,
    Release,
    ImportFrs,
    Timeline,
    ToggleMouse,
    /// Smart Rules editor: a new rule.
    AddRule,
    /// Move the step, condition or rule under the cursor up / down.
    MoveUp,
    MoveDown,
    /// Switch a rule between AND and OR.
    Toggle,
    /// A confirmation's answers. Enter is No: a destructive question never defaults to yes.
    Yes,
    No,
    /// Clear the text field's line.
    ClearLine,
    /// Every status-bar message of this session (`:messages`).
    Messages,
}

impl Command {
    /// Every command, in help order.
    pub const ALL: [Command; 56] = [
        Command::Quit,
        Command::Back,
        Command::Help,
        Command::Palette,
        Command::NextPane,
        Command::PrevPane,
        Command::Pane0,
        Command::Pane1,
        Command::Pane2,
        Command::Pane3,
        Command::Pane4,
        Command::Pane5,
        Command::Pane6,
        Command::Pane7,
        Command::Pane8,
        Command::Pane9,
        Command::Up,
        Command::Down,
        Command::PageUp,
        Command::PageDown,
        Command::Top,
        Command::Bottom,
        Command::Left,
        Command::Right,
        Command::Select,
        Command::Filter,
        Command::Refresh,
        Command::Freeze,
        Command::Follow,
        Command::New,
        Command::Edit,
        Command::Delete,
        Command::Save,
        Command::TestConnection,
        Command::RunNow,
        Command::DryRun,
        Command::Cancel,
        Command::NextError,
        Command::CycleLevel,
        Command::CycleJob,
        Command::ToggleArchived,
        Command::CycleSort,
        Command::ReverseSort,
        Command::Retry,
        Command::Release,
        Command::ImportFrs,
        Command::Timeline,
        Command::ToggleMouse,
        Command::AddRule,
        Command::MoveUp,
        Command::MoveDown,
        Command::Toggle,
        Command::Yes,
        Command::No,
        Command::ClearLine,
        Command::Messages,
    ];

    /// What it does, for the help overlay, the palette and the README.
    pub fn describe(self) -> &'static str {
        match self {
            Command::Quit => "quit (asks first while jobs run)",
            Command::Back => "back / close / clear filter (never deletes)",
            Command::Help => "this help",
            Command::Palette => "command palette",
            Command::NextPane => "next pane",
            Command::PrevPane => "previous pane",
            Command::Pane0 => "go to Overview",
            Command::Pane1 => "go to Sources",
            Command::Pane2 => "go to Connections",
            Command::Pane3 => "go to Integrations (status page)",
            Command::Pane4 => "go to Mapping",
            Command::Pane5 => "go to Jobs",
            Command::Pane6 => "go to Log",
            Command::Pane7 => "go to Inventory pool",
            Command::Pane8 => "go to Fulfillment requests",
            Command::Pane9 => "go to Run history",
            Command::Up => "move up",
            Command::Down => "move down",
            Command::PageUp => "page up",
            Command::PageDown => "page down",
            Command::Top => "first row",
            Command::Bottom => "last row",
            Command::Left => "previous column / field",
            Command::Right => "next column / field",
            Command::Select => "open / edit / confirm",
            Command::Filter => "filter / search",
            Command::Refresh => "reload from the store",
            Command::Freeze => "freeze / unfreeze live views",
            Command::Follow => "follow the log on / off",
            Command::New => "new",
            Command::Edit => "edit",
            Command::Delete => "delete (asks first)",
            Command::Save => "save",
            Command::TestConnection => "Test Connection",
            Command::RunNow => "run now (Send FRs in FRs)",
            Command::DryRun => "dry run: read and compare, change nothing",
            Command::Cancel => "cancel the running job or the FR (asks first)",
            Command::NextError => "jump to the next error",
            Command::CycleLevel => "filter by level",
            Command::CycleJob => "filter by job",
            Command::ToggleArchived => "show archived: all / only / none",
            Command::CycleSort => "cycle the sort order",
            Command::ReverseSort => "reverse the sort",
            Command::Retry => "retry the FR",
            Command::Release => "release the FR's hold",
            Command::ImportFrs => "import an FR file",
            Command::Timeline => "the FR's timeline",
            Command::ToggleMouse => "mouse on / off",
            Command::AddRule => "add a rule",
            Command::MoveUp => "move the step, condition or rule up",
            Command::MoveDown => "move the step, condition or rule down",
            Command::Toggle => "switch a rule between AND and OR",
            Command::Yes => "yes, do it",
            Command::No => "no, change nothing",
            Command::ClearLine => "clear the line",
            Command::Messages => "the messages of this session, in full",
        }
    }

    /// The name used in the palette and the keys config (`run_now`).
    pub fn name(self) -> String {
        serde_json::to_value(self)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default()
    }

    pub fn from_name(s: &str) -> Option<Command> {
        // Cancelling an FR had its own command (X) before x meant cancel everywhere.
        if s.trim() == "cancel_fr" {
            return Some(Command::Cancel);
        }
        serde_json::from_value(serde_json::Value::String(s.trim().to_string())).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for c in Command::ALL {
            assert_eq!(Command::from_name(&c.name()), Some(c), "{c:?}");
        }
        let mut sorted = Command::ALL.to_vec();
        sorted.sort();
        sorted.dedup();
        assert_eq!(sorted.len(), Command::ALL.len());
    }
}
