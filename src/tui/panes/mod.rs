//! The panes and what every pane can do. A pane owns its state, turns commands and replies
//! into state changes and requests (through [`Ctx`]), and renders from `&self` only.

pub mod connections;
pub mod frs;
pub mod jobs;
pub mod log;
pub mod mapping;
pub mod overview;
pub mod pool;
pub mod runs;
pub mod sources;
pub mod status;

use crossterm::event::KeyEvent;
use ratatui::layout::Rect;
use ratatui::Frame;

use super::action::{Effect, Tag};
use super::command::Command;
use super::keymap::{Context, Keymap};
use super::shared::Shared;
use super::theme::Theme;
use crate::engine::{EngineEvent, Request, Response};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PaneId {
    Overview,
    Sources,
    Connections,
    Status,
    Mapping,
    Jobs,
    Log,
    Pool,
    Frs,
    Runs,
}

impl PaneId {
    /// Tab order; `0`–`9` jump to these (a pane's key is its index).
    pub const ALL: [PaneId; 10] = [
        PaneId::Overview,
        PaneId::Sources,
        PaneId::Connections,
        PaneId::Status,
        PaneId::Mapping,
        PaneId::Jobs,
        PaneId::Log,
        PaneId::Pool,
        PaneId::Frs,
        PaneId::Runs,
    ];

    pub fn title(self) -> &'static str {
        match self {
            PaneId::Overview => "Overview",
            PaneId::Sources => "Sources",
            PaneId::Connections => "Connections",
            PaneId::Status => "Integrations",
            PaneId::Mapping => "Mapping",
            PaneId::Jobs => "Jobs",
            PaneId::Log => "Log",
            PaneId::Pool => "Pool",
            PaneId::Frs => "FRs",
            PaneId::Runs => "History",
        }
    }

    pub fn context(self) -> Context {
        match self {
            PaneId::Overview => Context::Overview,
            PaneId::Sources => Context::Sources,
            PaneId::Connections => Context::Connections,
            PaneId::Status => Context::Status,
            PaneId::Mapping => Context::Mapping,
            PaneId::Jobs => Context::Jobs,
            PaneId::Log => Context::Log,
            PaneId::Pool => Context::Pool,
            PaneId::Frs => Context::Frs,
            PaneId::Runs => Context::Runs,
        }
    }

    pub fn index(self) -> usize {
        PaneId::ALL.iter().position(|p| *p == self).unwrap_or(0)
    }
}

/// A question a pane asks before doing something destructive. The answer comes back as
/// [`Pane::confirmed`] with the same token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Confirm {
    pub pane: PaneId,
    pub token: u32,
    pub prompt: String,
}

/// What a pane may touch while handling something: the shared state, and the way out.
/// A pane's reply ids: one enum per pane, so a reply is matched by variant, never by a bare
/// number. The number is only how it rides through the engine call ([`Tag`]).
pub trait ReplyId: Copy + Sized {
    fn to_id(self) -> u32;
    fn from_id(id: u32) -> Option<Self>;
}

/// Declares a pane's reply enum and its [`ReplyId`] numbering.
macro_rules! reply_ids {
    ($(#[$m:meta])* $vis:vis enum $name:ident { $($(#[$vm:meta])* $variant:ident = $n:expr),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        $vis enum $name { $($(#[$vm])* $variant),+ }

        impl $crate::tui::panes::ReplyId for $name {
            fn to_id(self) -> u32 {
                match self { $($name::$variant => $n),+ }
            }
            fn from_id(id: u32) -> Option<Self> {
                $(if id == $n { return Some($name::$variant); })+
                None
            }
        }
    };
}
pub(crate) use reply_ids;

/// A reply id with the generation of the query it answers, so a reply to an older query
/// (another filter, another source) is recognised and dropped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fresh<R> {
    pub reply: R,
    pub generation: u32,
}

/// Low bits of a [`Fresh`] id hold the reply, the rest the generation.
const REPLY_BITS: u32 = 4;

impl<R> Fresh<R> {
    /// The generation after `g`, wrapping within what the id has room for.
    pub fn next_generation(g: u32) -> u32 {
        (g + 1) & (u32::MAX >> REPLY_BITS)
    }
}

impl<R: ReplyId> ReplyId for Fresh<R> {
    fn to_id(self) -> u32 {
        self.reply.to_id() | (self.generation << REPLY_BITS)
    }
    fn from_id(id: u32) -> Option<Self> {
        Some(Fresh {
            reply: R::from_id(id & ((1 << REPLY_BITS) - 1))?,
            generation: id >> REPLY_BITS,
        })
    }
}

pub struct Ctx<'a> {
    pub shared: &'a mut Shared,
    pub(crate) effects: &'a mut Vec<Effect>,
    pub(crate) confirm: &'a mut Option<Confirm>,
    pub(crate) pane: PaneId,
    /// The registry, so messages name the keys the user has (keys.toml included).
    pub keys: &'a Keymap,
}

impl Ctx<'_> {
    /// Sends a request; the reply comes back to this pane's `reply` with `what`.
    pub fn call(&mut self, what: impl ReplyId, request: Request) {
        self.effects.push(Effect::Call {
            tag: Tag {
                pane: self.pane,
                what: what.to_id(),
            },
            request,
        });
    }

    /// Sends a request on behalf of another pane (e.g. Sources asks Status to reload).
    pub fn call_for(&mut self, pane: PaneId, what: impl ReplyId, request: Request) {
        self.effects.push(Effect::Call {
            tag: Tag {
                pane,
                what: what.to_id(),
            },
            request,
        });
    }

    pub fn info(&mut self, msg: impl Into<String>) {
        self.shared.flash(super::shared::Flash::Info, msg);
    }

    pub fn error(&mut self, msg: impl Into<String>) {
        self.shared.flash(super::shared::Flash::Error, msg);
        self.effects.push(Effect::Bell);
    }

    /// The first key of `command` in this pane's own context, as shown on screen.
    pub fn key(&self, command: Command) -> String {
        self.keys.shown(self.pane.context(), command)
    }

    /// An error the pane also shows in full where it belongs (a row, a field): the status
    /// bar, the message history and the Log get it, but no popup.
    pub fn error_shown(&mut self, msg: impl Into<String>) {
        self.error(msg);
        self.shared.shown_seq = self.shared.flash_seq;
    }

    pub fn confirm(&mut self, token: u32, prompt: impl Into<String>) {
        *self.confirm = Some(Confirm {
            pane: self.pane,
            token,
            prompt: prompt.into(),
        });
    }
}

/// What rendering may read.
pub struct Ui<'a> {
    pub theme: &'a Theme,
    pub keymap: &'a Keymap,
    pub shared: &'a Shared,
}

pub trait Pane: Send {
    fn id(&self) -> PaneId;

    /// The keymap context right now: the pane's own, `Text` while one of its fields has
    /// focus, `Popup` while it shows a detail popup.
    fn context(&self) -> Context {
        self.id().context()
    }

    /// Whether `/` filters this pane. The hint bar and the palette offer the filter only
    /// then, and a `/` elsewhere opens a line that swallows what is typed after it.
    fn has_filter(&self) -> bool {
        false
    }

    /// The pane became visible (or Ctrl-r): load what it shows.
    fn refresh(&mut self, ctx: &mut Ctx);

    /// Returns whether the pane used the command (else the app applies its global meaning).
    fn command(&mut self, cmd: Command, ctx: &mut Ctx) -> bool;

    /// A key with no binding while a text field has focus (typing).
    fn text_key(&mut self, _key: KeyEvent, _ctx: &mut Ctx) {}

    fn reply(&mut self, what: u32, response: Response, ctx: &mut Ctx);

    fn engine(&mut self, _event: &EngineEvent, _ctx: &mut Ctx) {}

    /// What quitting now would throw away (an open, changed editor), for the quit question.
    fn unsaved(&self) -> Option<&'static str> {
        None
    }

    /// The user answered yes to [`Ctx::confirm`].
    fn confirmed(&mut self, _token: u32, _ctx: &mut Ctx) {}

    fn render(&self, f: &mut Frame, area: Rect, ui: &Ui);
}

/// Every pane, in tab order.
pub fn all() -> Vec<Box<dyn Pane>> {
    vec![
        Box::new(overview::OverviewPane::default()),
        Box::new(sources::SourcesPane::default()),
        Box::new(connections::ConnectionsPane::default()),
        Box::new(status::StatusPane::default()),
        Box::new(mapping::MappingPane::default()),
        Box::new(jobs::JobsPane::default()),
        Box::new(log::LogPane::default()),
        Box::new(pool::PoolPane::default()),
        Box::new(frs::FrsPane::default()),
        Box::new(runs::RunsPane::default()),
    ]
}
