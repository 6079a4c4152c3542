//! The one keymap registry (gitui's habit): it answers "what does this key do here", and the
//! same table feeds the hint bar, the `?` help overlay, the `:` palette and the README's
//! keyboard reference. Users override bindings in `keys.toml` in the data dir:
//!
//! ```toml
//! [global]
//! quit = ["q", "ctrl-c"]
//! [jobs]
//! run_now = ["r", "f5"]
//! ```

use std::collections::BTreeMap;
use std::fmt;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use serde::{Deserialize, Serialize};

use super::command::Command;

/// Where a binding applies. Pane contexts are tried first, then `Global`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Context {
    Global,
    Sources,
    Overview,
    Connections,
    Status,
    Mapping,
    Jobs,
    Log,
    Pool,
    Frs,
    Runs,
    /// A popup (help, confirm, palette, detail view) has focus.
    Popup,
    /// A text field has focus: printable keys go to the field, only these bindings apply.
    Text,
    /// The mapping grid's Transform It and Smart Rules editors (then Global).
    Editor,
    /// A pick list with the list focused: other printable keys start its filter line.
    Pick,
    /// A yes / no question: only these bindings apply, and Enter is No.
    Confirm,
}

impl Context {
    pub const ALL: [Context; 16] = [
        Context::Global,
        Context::Overview,
        Context::Sources,
        Context::Connections,
        Context::Status,
        Context::Mapping,
        Context::Jobs,
        Context::Log,
        Context::Pool,
        Context::Frs,
        Context::Runs,
        Context::Popup,
        Context::Text,
        Context::Editor,
        Context::Pick,
        Context::Confirm,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Context::Global => "global",
            Context::Overview => "overview",
            Context::Sources => "sources",
            Context::Connections => "connections",
            Context::Status => "status",
            Context::Mapping => "mapping",
            Context::Jobs => "jobs",
            Context::Log => "log",
            Context::Pool => "pool",
            Context::Frs => "frs",
            Context::Runs => "runs",
            Context::Popup => "popup",
            Context::Text => "text",
            Context::Editor => "editor",
            Context::Pick => "pick",
            Context::Confirm => "confirm",
        }
    }
}

/// A key with its modifiers, as written in `keys.toml` (`ctrl-r`, `shift-tab`, `G`, `f5`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Key {
    pub code: KeyCode,
    pub mods: KeyModifiers,
}

impl Key {
    pub const fn plain(code: KeyCode) -> Key {
        Key {
            code,
            mods: KeyModifiers::NONE,
        }
    }
    pub const fn ch(c: char) -> Key {
        Key::plain(KeyCode::Char(c))
    }
    pub const fn ctrl(c: char) -> Key {
        Key {
            code: KeyCode::Char(c),
            mods: KeyModifiers::CONTROL,
        }
    }

    /// Normalises what terminals send: shift is implied by an upper-case letter, and
    /// Shift-Tab arrives as BackTab.
    pub fn from_event(e: &KeyEvent) -> Key {
        let mut mods =
            e.modifiers & (KeyModifiers::CONTROL | KeyModifiers::ALT | KeyModifiers::SHIFT);
        if let KeyCode::Char(_) | KeyCode::BackTab = e.code {
            mods.remove(KeyModifiers::SHIFT);
        }
        let code = match e.code {
            KeyCode::Char(c) if mods.contains(KeyModifiers::CONTROL) => {
                KeyCode::Char(c.to_ascii_lowercase())
            }
            c => c,
        };
        Key { code, mods }
    }

    pub fn parse(s: &str) -> Result<Key, String> {
        let s = s.trim();
        let mut mods = KeyModifiers::NONE;
        let mut rest = s;
        loop {
            let lower = rest.to_ascii_lowercase();
            if let Some(r) = lower
                .strip_prefix("ctrl-")
                .or_else(|| lower.strip_prefix("c-"))
            {
                mods |= KeyModifiers::CONTROL;
                rest = &rest[rest.len() - r.len()..];
            } else if let Some(r) = lower.strip_prefix("alt-") {
                mods |= KeyModifiers::ALT;
                rest = &rest[rest.len() - r.len()..];
            } else if let Some(r) = lower.strip_prefix("shift-") {
                mods |= KeyModifiers::SHIFT;
                rest = &rest[rest.len() - r.len()..];
            } else {
                break;
            }
        }
        let named = match rest.to_ascii_lowercase().as_str() {
            "enter" | "return" => Some(KeyCode::Enter),
            "esc" | "escape" => Some(KeyCode::Esc),
            "tab" if mods.contains(KeyModifiers::SHIFT) => {
                mods.remove(KeyModifiers::SHIFT);
                Some(KeyCode::BackTab)
            }
            "tab" => Some(KeyCode::Tab),
            "backtab" => Some(KeyCode::BackTab),
            "up" => Some(KeyCode::Up),
            "down" => Some(KeyCode::Down),
            "left" => Some(KeyCode::Left),
            "right" => Some(KeyCode::Right),
            "pageup" | "pgup" => Some(KeyCode::PageUp),
            "pagedown" | "pgdn" => Some(KeyCode::PageDown),
            "home" => Some(KeyCode::Home),
            "end" => Some(KeyCode::End),
            "delete" | "del" => Some(KeyCode::Delete),
            "backspace" => Some(KeyCode::Backspace),
            "space" => Some(KeyCode::Char(' ')),
            f if f.len() >= 2
                && f.starts_with('f')
                && f[1..].chars().all(|c| c.is_ascii_digit()) =>
            {
                f[1..].parse().ok().map(KeyCode::F)
            }
            _ => None,
        };
        let code = match named {
            Some(c) => c,
            None => {
                let mut chars = rest.chars();
                match (chars.next(), chars.next()) {
                    (Some(c), None) => KeyCode::Char(if mods.contains(KeyModifiers::CONTROL) {
                        c.to_ascii_lowercase()
                    } else {
                        c
                    }),
                    _ => {
                        return Err(format!(
                            "key {s:?} is not one lsbridge knows: write e.g. \"r\", \"G\", \"ctrl-r\", \"shift-tab\", \"enter\", \"f5\""
                        ))
                    }
                }
            }
        };
        if let KeyCode::Char(_) = code {
            mods.remove(KeyModifiers::SHIFT);
        }
        Ok(Key { code, mods })
    }
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.mods.contains(KeyModifiers::CONTROL) {
            f.write_str("Ctrl-")?;
        }
        if self.mods.contains(KeyModifiers::ALT) {
            f.write_str("Alt-")?;
        }
        if self.mods.contains(KeyModifiers::SHIFT) {
            f.write_str("Shift-")?;
        }
        match self.code {
            KeyCode::Char(' ') => f.write_str("Space"),
            KeyCode::Char(c) => write!(f, "{c}"),
            KeyCode::Enter => f.write_str("Enter"),
            KeyCode::Esc => f.write_str("Esc"),
            KeyCode::Tab => f.write_str("Tab"),
            KeyCode::BackTab => f.write_str("Shift-Tab"),
            KeyCode::Up => f.write_str("↑"),
            KeyCode::Down => f.write_str("↓"),
            KeyCode::Left => f.write_str("←"),
            KeyCode::Right => f.write_str("→"),
            KeyCode::PageUp => f.write_str("PgUp"),
            KeyCode::PageDown => f.write_str("PgDn"),
            KeyCode::Home => f.write_str("Home"),
            KeyCode::End => f.write_str("End"),
            KeyCode::Delete => f.write_str("Del"),
            KeyCode::Backspace => f.write_str("Backspace"),
            KeyCode::F(n) => write!(f, "F{n}"),
            other => write!(f, "{other:?}"),
        }
    }
}

/// One row of the registry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Binding {
    pub context: Context,
    pub command: Command,
    pub keys: Vec<Key>,
    /// Shown in the hint bar of its context.
    pub hint: bool,
}

#[derive(Debug, Clone)]
pub struct Keymap {
    bindings: Vec<Binding>,
}

fn b(context: Context, command: Command, keys: &[Key], hint: bool) -> Binding {
    Binding {
        context,
        command,
        keys: keys.to_vec(),
        hint,
    }
}

use Command as C;
use Context as X;

impl Default for Keymap {
    fn default() -> Self {
        use KeyCode::*;
        let k = Key::plain;
        let c = Key::ch;
        let bindings = vec![
            b(X::Global, C::Quit, &[c('q'), Key::ctrl('c')], true),
            b(X::Global, C::Back, &[k(Esc)], false),
            b(X::Global, C::Help, &[c('?')], true),
            b(X::Global, C::Palette, &[c(':')], true),
            b(X::Global, C::NextPane, &[k(Tab)], false),
            b(X::Global, C::PrevPane, &[k(BackTab)], false),
            b(X::Global, C::Pane0, &[c('0')], false),
            b(X::Global, C::Pane1, &[c('1')], false),
            b(X::Global, C::Pane2, &[c('2')], false),
            b(X::Global, C::Pane3, &[c('3')], false),
            b(X::Global, C::Pane4, &[c('4')], false),
            b(X::Global, C::Pane5, &[c('5')], false),
            b(X::Global, C::Pane6, &[c('6')], false),
            b(X::Global, C::Pane7, &[c('7')], false),
            b(X::Global, C::Pane8, &[c('8')], false),
            b(X::Global, C::Pane9, &[c('9')], false),
            b(X::Global, C::Up, &[c('k'), k(Up)], false),
            b(X::Global, C::Down, &[c('j'), k(Down)], false),
            b(X::Global, C::PageUp, &[k(PageUp), Key::ctrl('u')], false),
            b(
                X::Global,
                C::PageDown,
                &[k(PageDown), Key::ctrl('d')],
                false,
            ),
            b(X::Global, C::Top, &[c('g'), k(Home)], false),
            b(X::Global, C::Bottom, &[c('G'), k(End)], false),
            b(X::Global, C::Left, &[c('h'), k(Left)], false),
            b(X::Global, C::Right, &[c('l'), k(Right)], false),
            b(X::Global, C::Select, &[k(Enter)], false),
            b(X::Global, C::Filter, &[c('/')], true),
            b(X::Global, C::Refresh, &[Key::ctrl('r')], false),
            b(X::Global, C::Freeze, &[c('f')], false),
            b(X::Global, C::ToggleMouse, &[c('M')], false),
            b(X::Global, C::Messages, &[c('m')], false),
            b(X::Overview, C::Select, &[k(Enter)], true),
            b(X::Sources, C::New, &[c('a')], true),
            b(X::Sources, C::Edit, &[c('e'), k(Enter)], true),
            b(X::Sources, C::Delete, &[c('d')], true),
            b(X::Connections, C::New, &[c('a')], true),
            b(X::Connections, C::TestConnection, &[c('t')], true),
            b(X::Connections, C::Edit, &[c('e')], true),
            b(X::Connections, C::Delete, &[c('d')], true),
            b(X::Status, C::TestConnection, &[c('t')], true),
            b(X::Mapping, C::Edit, &[k(Enter), c('e')], true),
            b(X::Mapping, C::Save, &[Key::ctrl('s')], true),
            b(X::Mapping, C::New, &[c('a')], true),
            b(X::Mapping, C::Delete, &[c('d')], true),
            b(X::Jobs, C::RunNow, &[c('r')], true),
            b(X::Jobs, C::DryRun, &[c('D')], true),
            b(X::Jobs, C::Cancel, &[c('x')], true),
            b(X::Log, C::Follow, &[c('F')], true),
            b(X::Log, C::NextError, &[c('n')], true),
            b(X::Log, C::CycleLevel, &[c('v')], true),
            b(X::Log, C::CycleJob, &[c('J')], true),
            b(X::Pool, C::ToggleArchived, &[c('A')], true),
            b(X::Pool, C::CycleSort, &[c('o')], true),
            b(X::Pool, C::ReverseSort, &[c('O')], false),
            b(X::Pool, C::Select, &[k(Enter)], true),
            b(X::Frs, C::Retry, &[c('R')], true),
            b(X::Frs, C::Release, &[c('L')], true),
            b(X::Frs, C::Cancel, &[c('x')], true),
            b(X::Frs, C::ImportFrs, &[c('i')], true),
            b(X::Frs, C::Timeline, &[k(Enter)], true),
            b(X::Frs, C::RunNow, &[c('r')], true),
            b(X::Frs, C::DryRun, &[c('D')], true),
            b(X::Frs, C::CycleSort, &[c('o')], true),
            b(X::Frs, C::ReverseSort, &[c('O')], false),
            b(X::Runs, C::Select, &[k(Enter)], true),
            b(X::Popup, C::Back, &[k(Esc), c('q')], true),
            b(X::Popup, C::Select, &[k(Enter)], true),
            b(X::Popup, C::Up, &[c('k'), k(Up)], false),
            b(X::Popup, C::Down, &[c('j'), k(Down)], false),
            b(X::Popup, C::Filter, &[c('/')], false),
            b(X::Text, C::Back, &[k(Esc)], true),
            b(X::Text, C::Select, &[k(Enter)], true),
            b(X::Text, C::Right, &[k(Tab)], true),
            b(X::Text, C::Left, &[k(BackTab)], false),
            b(X::Text, C::Save, &[Key::ctrl('s')], true),
            b(X::Text, C::Quit, &[Key::ctrl('c')], false),
            b(X::Text, C::ClearLine, &[Key::ctrl('u')], false),
            b(X::Editor, C::Up, &[c('k'), k(Up)], false),
            b(X::Editor, C::Down, &[c('j'), k(Down)], false),
            b(X::Editor, C::Left, &[c('h'), k(Left)], false),
            b(X::Editor, C::Right, &[c('l'), k(Right)], false),
            b(X::Editor, C::Top, &[c('g'), k(Home)], false),
            b(X::Editor, C::Bottom, &[c('G'), k(End)], false),
            b(X::Editor, C::PageUp, &[k(PageUp)], false),
            b(X::Editor, C::PageDown, &[k(PageDown)], false),
            b(X::Editor, C::Edit, &[k(Enter), c('e')], true),
            b(X::Editor, C::New, &[c('a')], true),
            b(X::Editor, C::AddRule, &[c('r')], true),
            b(X::Editor, C::Delete, &[c('d'), k(Delete)], true),
            b(X::Editor, C::MoveUp, &[c('K')], false),
            b(X::Editor, C::MoveDown, &[c('J')], false),
            b(X::Editor, C::Toggle, &[c('o'), c(' ')], false),
            b(X::Editor, C::Back, &[k(Esc)], true),
            b(X::Editor, C::Save, &[Key::ctrl('s')], true),
            b(X::Pick, C::Up, &[c('k'), k(Up)], false),
            b(X::Pick, C::Down, &[c('j'), k(Down)], false),
            b(X::Pick, C::Left, &[k(BackTab)], false),
            b(X::Pick, C::Right, &[k(Tab)], false),
            b(X::Pick, C::Top, &[k(Home)], false),
            b(X::Pick, C::Bottom, &[k(End)], false),
            b(X::Pick, C::PageUp, &[k(PageUp)], false),
            b(X::Pick, C::PageDown, &[k(PageDown)], false),
            b(X::Pick, C::Select, &[k(Enter)], true),
            b(X::Pick, C::Filter, &[c('/')], true),
            b(X::Pick, C::Back, &[k(Esc)], true),
            b(X::Pick, C::Save, &[Key::ctrl('s')], false),
            b(X::Pick, C::ClearLine, &[Key::ctrl('u')], false),
            b(X::Pick, C::Quit, &[Key::ctrl('c')], false),
            b(X::Confirm, C::Yes, &[c('y'), c('Y')], true),
            b(X::Confirm, C::No, &[c('n'), c('N'), k(Esc), k(Enter)], true),
            b(X::Confirm, C::Quit, &[Key::ctrl('c')], false),
        ];
        Keymap { bindings }
    }
}

/// `keys.toml`: context → command name → keys.
pub type Overrides = BTreeMap<String, BTreeMap<String, Vec<String>>>;

impl Keymap {
    /// The defaults with a user's overrides applied. Every problem is named; a bad entry
    /// leaves that binding at its default.
    pub fn with_overrides(text: &str) -> (Keymap, Vec<String>) {
        let mut map = Keymap::default();
        let mut problems = Vec::new();
        let parsed: Overrides = match toml::from_str(text) {
            Ok(p) => p,
            Err(e) => {
                let first = e.to_string();
                let first = first.lines().next().unwrap_or("").to_string();
                return (
                    map,
                    vec![format!("keys.toml: {first}; using the default keys")],
                );
            }
        };
        for (ctx_name, commands) in parsed {
            let Some(ctx) = Context::ALL.iter().copied().find(|c| c.name() == ctx_name) else {
                problems.push(format!(
                    "keys.toml: unknown section [{ctx_name}]; use one of {}",
                    Context::ALL.map(|c| c.name()).join(", ")
                ));
                continue;
            };
            for (cmd_name, keys) in commands {
                let Some(cmd) = Command::from_name(&cmd_name) else {
                    problems.push(format!(
                        "keys.toml [{ctx_name}]: unknown command {cmd_name:?}; see the keyboard reference in the README"
                    ));
                    continue;
                };
                let parsed: Result<Vec<Key>, String> = keys.iter().map(|k| Key::parse(k)).collect();
                match parsed {
                    Ok(keys) => map.bind(ctx, cmd, keys),
                    Err(e) => problems.push(format!("keys.toml [{ctx_name}] {cmd_name}: {e}")),
                }
            }
        }
        (map, problems)
    }

    fn bind(&mut self, context: Context, command: Command, keys: Vec<Key>) {
        // A key means one thing per context: rebinding it removes it from other commands.
        for other in self.bindings.iter_mut().filter(|b| b.context == context) {
            other.keys.retain(|k| !keys.contains(k));
        }
        match self
            .bindings
            .iter_mut()
            .find(|b| b.context == context && b.command == command)
        {
            Some(b) => b.keys = keys,
            None => self.bindings.push(Binding {
                context,
                command,
                keys,
                hint: true,
            }),
        }
    }

    /// The command `key` means in `context` (falling back to Global, except in text fields
    /// and popups, which only know their own bindings plus quit).
    pub fn lookup(&self, context: Context, key: Key) -> Option<Command> {
        let find = |ctx: Context| {
            self.bindings
                .iter()
                .find(|b| b.context == ctx && b.keys.contains(&key))
                .map(|b| b.command)
        };
        match context {
            Context::Text | Context::Popup | Context::Pick | Context::Confirm => find(context),
            c => find(c).or_else(|| find(Context::Global)),
        }
    }

    /// The first key of `command` in `context` (or Global), for hints and messages.
    pub fn key_for(&self, context: Context, command: Command) -> Option<Key> {
        let in_ctx = |ctx: Context| {
            self.bindings
                .iter()
                .find(|b| b.context == ctx && b.command == command)
                .and_then(|b| b.keys.first().copied())
        };
        in_ctx(context).or_else(|| in_ctx(Context::Global))
    }

    /// (key, label) pairs for the hint bar of `context`.
    pub fn hints(&self, context: Context) -> Vec<(String, &'static str)> {
        self.hints_where(context, |_| true)
    }

    /// The hint bar of `context`, keeping only the commands `applies` accepts (e.g. no
    /// filter hint in a pane without a filter).
    pub fn hints_where(
        &self,
        context: Context,
        applies: impl Fn(Command) -> bool,
    ) -> Vec<(String, &'static str)> {
        let own = |ctx: Context| {
            self.bindings
                .iter()
                .filter(move |b| b.context == ctx && b.hint)
                .filter(|b| applies(b.command))
                .filter_map(|b| b.keys.first().map(|k| (k.to_string(), short(b.command))))
                .collect::<Vec<_>>()
        };
        let mut out = own(context);
        if !matches!(
            context,
            Context::Text | Context::Popup | Context::Pick | Context::Confirm
        ) {
            out.extend(own(Context::Global));
        }
        out
    }

    /// The first key of `command` in `context` as shown on screen, for hint strings
    /// ("Ctrl-s saves"); "(unbound)" when keys.toml took every key away.
    pub fn shown(&self, context: Context, command: Command) -> String {
        self.key_for(context, command)
            .map(|k| k.to_string())
            .unwrap_or_else(|| "(unbound)".into())
    }

    /// Every key of `command` in `context` (or Global), joined by " / ".
    pub fn shown_all(&self, context: Context, command: Command) -> String {
        let keys = self
            .bindings
            .iter()
            .find(|b| b.context == context && b.command == command && !b.keys.is_empty())
            .or_else(|| {
                self.bindings.iter().find(|b| {
                    b.context == Context::Global && b.command == command && !b.keys.is_empty()
                })
            })
            .map(|b| b.keys.iter().map(|k| k.to_string()).collect::<Vec<_>>());
        match keys {
            Some(k) => k.join(" / "),
            None => "(unbound)".into(),
        }
    }

    /// A key line such as "j k move · Enter edit · Esc done", from the registry: for each
    /// group, the first key of each of its commands, then what the group does here.
    pub fn line(&self, context: Context, groups: &[(&[Command], &str)]) -> String {
        groups
            .iter()
            .map(|(cmds, what)| {
                let keys: Vec<String> = cmds.iter().map(|c| self.shown(context, *c)).collect();
                format!("{} {what}", keys.join(" "))
            })
            .collect::<Vec<_>>()
            .join(" · ")
    }

    pub fn bindings(&self) -> &[Binding] {
        &self.bindings
    }

    /// The keyboard reference as a Markdown table (the README embeds it; a test checks it
    /// matches).
    pub fn markdown(&self) -> String {
        let mut s = String::from("| where | keys | does |\n|---|---|---|\n");
        for ctx in Context::ALL {
            for b in self.bindings.iter().filter(|b| b.context == ctx) {
                if b.keys.is_empty() {
                    continue;
                }
                let keys: Vec<String> = b.keys.iter().map(|k| format!("`{k}`")).collect();
                s.push_str(&format!(
                    "| {} | {} | {} |\n",
                    ctx.name(),
                    keys.join(" "),
                    b.command.describe()
                ));
            }
        }
        s
    }
}

/// Hint-bar label: short enough for an 80-column bar.
fn short(c: Command) -> &'static str {
    match c {
        Command::Quit => "quit",
        Command::Help => "help",
        Command::Palette => "commands",
        Command::Filter => "filter",
        Command::New => "add",
        Command::Edit => "edit",
        Command::Delete => "delete",
        Command::Save => "save",
        Command::TestConnection => "test",
        Command::RunNow => "run",
        Command::DryRun => "dry run",
        Command::Cancel => "cancel",
        Command::Follow => "follow",
        Command::NextError => "next error",
        Command::CycleLevel => "level",
        Command::CycleJob => "job",
        Command::ToggleArchived => "archived",
        Command::CycleSort => "sort",
        Command::ReverseSort => "reverse",
        Command::Retry => "retry",
        Command::Release => "release",
        Command::AddRule => "add rule",
        Command::Yes => "yes",
        Command::No => "no",
        Command::ClearLine => "clear",
        Command::ImportFrs => "import",
        Command::Timeline => "timeline",
        Command::Messages => "messages",
        Command::Back => "back",
        Command::Select => "ok",
        Command::Right => "next field",
        other => other.describe(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_parse_and_print() {
        for (s, shown) in [
            ("q", "q"),
            ("G", "G"),
            ("ctrl-r", "Ctrl-r"),
            ("C-R", "Ctrl-r"),
            ("shift-tab", "Shift-Tab"),
            ("enter", "Enter"),
            ("f5", "F5"),
            ("space", "Space"),
        ] {
            assert_eq!(
                Key::parse(s).map(|k| k.to_string()),
                Ok(shown.to_string()),
                "{s}"
            );
        }
        assert!(Key::parse("ctrl-").is_err());
        assert!(Key::parse("hyper-x").is_err());
    }

    #[test]
    fn no_key_means_two_things_in_one_context() {
        let m = Keymap::default();
        for ctx in Context::ALL {
            let mut seen = std::collections::HashMap::new();
            for b in m.bindings().iter().filter(|b| b.context == ctx) {
                for k in &b.keys {
                    if let Some(prev) = seen.insert(*k, b.command) {
                        panic!("{ctx:?}: {k} is both {prev:?} and {:?}", b.command);
                    }
                }
            }
        }
    }

    #[test]
    fn questions_default_to_no_and_verbs_share_keys() {
        let m = Keymap::default();
        let enter = Key::plain(KeyCode::Enter);
        assert_eq!(m.lookup(Context::Confirm, enter), Some(Command::No));
        assert_eq!(m.lookup(Context::Confirm, Key::ch('y')), Some(Command::Yes));
        // A question knows only its own keys: q or a pane number does nothing there.
        assert_eq!(m.lookup(Context::Confirm, Key::ch('q')), None);
        for ctx in [Context::Jobs, Context::Frs] {
            assert_eq!(
                m.lookup(ctx, Key::ch('r')),
                Some(Command::RunNow),
                "{ctx:?}"
            );
            assert_eq!(
                m.lookup(ctx, Key::ch('D')),
                Some(Command::DryRun),
                "{ctx:?}"
            );
            assert_eq!(
                m.lookup(ctx, Key::ch('x')),
                Some(Command::Cancel),
                "{ctx:?}"
            );
        }
        // The editors' keys are bound, and the old name of FR cancel still loads.
        assert_eq!(
            m.lookup(Context::Editor, Key::ch('K')),
            Some(Command::MoveUp)
        );
        assert_eq!(m.lookup(Context::Pick, Key::ch('j')), Some(Command::Down));
        assert_eq!(m.lookup(Context::Pick, Key::ch('x')), None);
        assert_eq!(
            m.lookup(Context::Text, Key::ctrl('u')),
            Some(Command::ClearLine)
        );
        let (old, problems) = Keymap::with_overrides("[frs]\ncancel_fr = [\"X\"]\n");
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(
            old.lookup(Context::Frs, Key::ch('X')),
            Some(Command::Cancel)
        );
    }

    #[test]
    fn overrides_rebind_and_report_problems() {
        let (m, problems) = Keymap::with_overrides(
            "[jobs]\nrun_now = [\"f5\"]\n[global]\nquit = [\"ctrl-q\"]\nwarp = [\"w\"]\n[nowhere]\nx = [\"x\"]\n",
        );
        assert_eq!(
            m.lookup(Context::Jobs, Key::parse("f5").unwrap()),
            Some(Command::RunNow)
        );
        assert_eq!(m.lookup(Context::Jobs, Key::ch('r')), None);
        assert_eq!(m.lookup(Context::Log, Key::ctrl('q')), Some(Command::Quit));
        assert_eq!(problems.len(), 2, "{problems:?}");
        let (_, bad) = Keymap::with_overrides("[jobs\n");
        assert_eq!(bad.len(), 1);
    }
}
