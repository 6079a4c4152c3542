//! The full-screen TUI. [`Driver`] runs the app against a [`Backend`] without a terminal
//! (tests and benches use it with ratatui's `TestBackend`); [`run`] adds the real terminal:
//! raw mode, the alternate screen, synchronized output, signals, suspend, and drawing only
//! when something changed.

pub mod action;
pub mod app;
pub mod command;
pub mod keymap;
pub mod log_buffer;
pub mod panes;
pub mod shared;
pub mod theme;
pub mod view;
pub mod widgets;

use std::time::{Duration, Instant};

use tokio::sync::{broadcast, mpsc};

use crate::backend::Backend;
use crate::clock::SharedClock;
use crate::engine::EngineEvent;
use action::{Action, Effect};
use app::App;
use theme::Theme;

/// At most this many frames per second while things change; none while idle.
pub const MAX_FPS: u64 = 20;

/// The app plus its connection to the engine: dispatches actions, performs effects, and
/// collects replies and engine events as new actions.
pub struct Driver {
    pub app: App,
    backend: Backend,
    tx: mpsc::UnboundedSender<Action>,
    rx: mpsc::UnboundedReceiver<Action>,
    events: broadcast::Receiver<EngineEvent>,
    /// Requests sent whose reply has not been dispatched yet (counted here, not in the
    /// task, so "no reply pending" is exact).
    in_flight: usize,
    clock: SharedClock,
    /// Set once the event stream closed (the daemon went away), so it is reported once.
    closed: bool,
    /// Frames drawn (the idle test counts them).
    pub draws: u64,
    pub bells: u64,
    /// Effects only a real terminal can perform (mouse, bell, suspend).
    pub terminal_effects: Vec<Effect>,
}

impl Driver {
    pub fn new(app: App, backend: Backend, clock: SharedClock) -> Driver {
        let (tx, rx) = mpsc::unbounded_channel();
        let events = backend.subscribe();
        let mut d = Driver {
            app,
            backend,
            tx,
            rx,
            events,
            in_flight: 0,
            closed: false,
            clock,
            draws: 0,
            bells: 0,
            terminal_effects: Vec::new(),
        };
        let effects = d.app.start();
        d.perform(effects);
        d
    }

    pub fn backend(&self) -> &Backend {
        &self.backend
    }

    fn perform(&mut self, effects: Vec<Effect>) {
        for e in effects {
            match e {
                Effect::Call { tag, request } => {
                    let backend = self.backend.clone();
                    let tx = self.tx.clone();
                    self.in_flight += 1;
                    tokio::spawn(async move {
                        let response = backend.call(request).await;
                        let _ = tx.send(Action::Reply { tag, response });
                    });
                }
                Effect::Bell => {
                    self.bells += 1;
                    self.terminal_effects.push(Effect::Bell);
                }
                other => self.terminal_effects.push(other),
            }
        }
    }

    pub fn dispatch(&mut self, a: Action) {
        if let Action::Reply { .. } = a {
            self.in_flight = self.in_flight.saturating_sub(1);
        }
        self.app.shared.now = crate::clock::rfc3339(self.clock.now());
        let effects = self.app.update(a);
        self.perform(effects);
    }

    /// The next reply or engine event.
    pub async fn next(&mut self) -> Action {
        tokio::select! {
            Some(a) = self.rx.recv() => a,
            e = self.events.recv() => match e {
                Ok(e) => Action::Engine(e),
                Err(broadcast::error::RecvError::Lagged(n)) => Action::Lagged(n),
                Err(broadcast::error::RecvError::Closed) if !self.closed => {
                    self.closed = true;
                    let why = match &self.backend {
                        Backend::Remote(c) => c.closed_reason(),
                        Backend::Local(_) => None,
                    };
                    Action::Disconnected(why.unwrap_or_else(|| "the daemon went away".into()))
                }
                Err(broadcast::error::RecvError::Closed) => std::future::pending().await,
            },
        }
    }

    pub fn try_next(&mut self) -> Option<Action> {
        if let Ok(a) = self.rx.try_recv() {
            return Some(a);
        }
        match self.events.try_recv() {
            Ok(e) => Some(Action::Engine(e)),
            Err(broadcast::error::TryRecvError::Lagged(n)) => Some(Action::Lagged(n)),
            Err(_) => None,
        }
    }

    /// Sends a key (tests).
    pub fn key(&mut self, code: crossterm::event::KeyCode) {
        self.dispatch(Action::Key(crossterm::event::KeyEvent::new(
            code,
            crossterm::event::KeyModifiers::NONE,
        )));
    }

    /// Types text into whatever has focus (tests).
    pub fn type_text(&mut self, s: &str) {
        for c in s.chars() {
            self.key(crossterm::event::KeyCode::Char(c));
        }
    }

    fn idle(&self) -> bool {
        self.in_flight == 0 && self.backend.local().is_none_or(|e| e.running().is_empty())
    }

    /// Processes replies and events until no request is in flight, no job runs, and nothing
    /// is queued. Tests call this instead of sleeping.
    pub async fn settle(&mut self) {
        loop {
            while let Some(a) = self.try_next() {
                self.dispatch(a);
            }
            if self.idle() {
                // Events a finishing job sent just before going idle.
                match self.try_next() {
                    Some(a) => {
                        self.dispatch(a);
                        continue;
                    }
                    None => return,
                }
            }
            let a = self.next().await;
            self.dispatch(a);
        }
    }

    /// Draws if something changed. Returns whether it drew.
    pub fn render<B: ratatui::backend::Backend>(
        &mut self,
        term: &mut ratatui::Terminal<B>,
        theme: &Theme,
    ) -> std::io::Result<bool> {
        if !self.app.take_dirty() {
            return Ok(false);
        }
        // Whether a message fits the status bar depends on the width drawn at.
        if let Ok(size) = term.size() {
            self.app.shared.width = size.width;
        }
        term.draw(|f| view::draw(f, &self.app, theme))?;
        self.draws += 1;
        Ok(true)
    }
}

/// Options of the full-screen app.
#[derive(Clone)]
pub struct TuiOptions {
    pub theme: Theme,
    pub keymap: keymap::Keymap,
    pub mouse: bool,
}

/// Leaves raw mode and the alternate screen. Safe to call twice.
pub fn restore_terminal() {
    use crossterm::{cursor, event, execute, terminal};
    let mut out = std::io::stdout();
    let _ = execute!(
        out,
        event::DisableMouseCapture,
        terminal::LeaveAlternateScreen,
        cursor::Show
    );
    let _ = terminal::disable_raw_mode();
}

fn enter_terminal(mouse: bool) -> std::io::Result<()> {
    use crossterm::{event, execute, terminal};
    terminal::enable_raw_mode()?;
    let mut out = std::io::stdout();
    execute!(out, terminal::EnterAlternateScreen)?;
    if mouse {
        execute!(out, event::EnableMouseCapture)?;
    }
    Ok(())
}

/// Where frames and terminal effects go: the real terminal, or a `TestBackend` in tests.
pub trait FrameSink {
    /// Draws if the app is dirty.
    fn frame(&mut self, driver: &mut Driver, theme: &Theme) -> std::io::Result<()>;
    fn effect(&mut self, e: Effect) -> std::io::Result<()>;
    fn suspend(&mut self) -> std::io::Result<()>;
}

impl FrameSink for ratatui::Terminal<ratatui::backend::TestBackend> {
    fn frame(&mut self, driver: &mut Driver, theme: &Theme) -> std::io::Result<()> {
        driver.render(self, theme).map(|_| ())
    }
    fn effect(&mut self, _e: Effect) -> std::io::Result<()> {
        Ok(())
    }
    fn suspend(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The real terminal: synchronized output around every frame.
pub struct CrosstermSink {
    term: ratatui::Terminal<ratatui::backend::CrosstermBackend<std::io::Stdout>>,
    mouse: bool,
}

impl FrameSink for CrosstermSink {
    fn frame(&mut self, driver: &mut Driver, theme: &Theme) -> std::io::Result<()> {
        draw_synchronized(driver, &mut self.term, theme)
    }
    fn effect(&mut self, e: Effect) -> std::io::Result<()> {
        if let Effect::SetMouse(on) = e {
            self.mouse = on;
        }
        apply_terminal_effect(e, &mut self.term)
    }
    fn suspend(&mut self) -> std::io::Result<()> {
        suspend(&mut self.term, self.mouse)
    }
}

/// What reaches the loop from outside the app.
// One value per key press or job event, moved once: boxing the action would buy nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
pub enum Input {
    Action(Action),
    /// Ctrl-z.
    Suspend,
}

/// The loop: actions in, frames out — drawn only when something changed, at most
/// [`MAX_FPS`] a second, and never on a timer while idle. Ends when the app quits or the
/// input closes.
pub async fn event_loop<S: FrameSink>(
    driver: &mut Driver,
    sink: &mut S,
    theme: &Theme,
    input: &mut mpsc::UnboundedReceiver<Input>,
) -> std::io::Result<()> {
    let frame_gap = Duration::from_millis(1000 / MAX_FPS);
    let mut last_draw: Option<Instant> = None;
    loop {
        if driver.app.is_dirty() && last_draw.is_none_or(|t| t.elapsed() >= frame_gap) {
            sink.frame(driver, theme)?;
            last_draw = Some(Instant::now());
        }
        for e in std::mem::take(&mut driver.terminal_effects) {
            sink.effect(e)?;
        }
        if driver.app.should_quit() {
            return Ok(());
        }
        // Only a pending frame sets a deadline; idle waits on input alone.
        let deadline = match (driver.app.is_dirty(), last_draw) {
            (true, Some(t)) => Some(frame_gap.saturating_sub(t.elapsed())),
            (true, None) => Some(Duration::ZERO),
            (false, _) => None,
        };
        tokio::select! {
            i = input.recv() => match i {
                Some(Input::Action(a)) => driver.dispatch(a),
                Some(Input::Suspend) => {
                    sink.suspend()?;
                    driver.app.mark_dirty();
                }
                None => return Ok(()),
            },
            a = driver.next() => driver.dispatch(a),
            _ = async {
                match deadline {
                    Some(d) => tokio::time::sleep(d).await,
                    None => std::future::pending().await,
                }
            } => {}
        }
        while let Some(a) = driver.try_next() {
            driver.dispatch(a);
        }
    }
}

/// Keys, mouse, resizes and signals, as [`Input`]s.
fn spawn_input() -> std::io::Result<mpsc::UnboundedReceiver<Input>> {
    use crossterm::event::{Event, EventStream, KeyCode, KeyModifiers};
    use futures_util::StreamExt;
    use tokio::signal::unix::{signal, SignalKind};
    let (tx, rx) = mpsc::unbounded_channel();
    let mut term_sig = signal(SignalKind::terminate())?;
    let mut hup_sig = signal(SignalKind::hangup())?;
    tokio::spawn(async move {
        let mut keys = EventStream::new();
        loop {
            let input = tokio::select! {
                ev = keys.next() => match ev {
                    Some(Ok(Event::Key(k))) if k.code == KeyCode::Char('z') && k.modifiers.contains(KeyModifiers::CONTROL) => Input::Suspend,
                    Some(Ok(Event::Key(k))) => Input::Action(Action::Key(k)),
                    Some(Ok(Event::Mouse(m))) => Input::Action(Action::Mouse(m)),
                    Some(Ok(Event::Resize(w, h))) => Input::Action(Action::Resize(w, h)),
                    Some(Ok(_)) => continue,
                    Some(Err(_)) | None => Input::Action(Action::Terminate),
                },
                _ = term_sig.recv() => Input::Action(Action::Terminate),
                _ = hup_sig.recv() => Input::Action(Action::Terminate),
            };
            let last = matches!(input, Input::Action(Action::Terminate));
            if tx.send(input).is_err() || last {
                break;
            }
        }
    });
    Ok(rx)
}

/// Runs the TUI on the real terminal until the user quits or a signal arrives.
pub async fn run(backend: Backend, clock: SharedClock, opts: TuiOptions) -> color_eyre::Result<()> {
    run_with_notes(backend, clock, opts, Vec::new()).await
}

/// [`run`], showing `notes` (config problems, where the demo lives) in the status bar first.
pub async fn run_with_notes(
    backend: Backend,
    clock: SharedClock,
    opts: TuiOptions,
    notes: Vec<String>,
) -> color_eyre::Result<()> {
    // crossterm's own NO_COLOR handling resets REVERSED/BOLD; the theme handles NO_COLOR.
    crossterm::style::Colored::set_ansi_color_disabled(false);
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        restore_terminal();
        previous(info);
    }));
    enter_terminal(opts.mouse)?;
    let mut term =
        ratatui::Terminal::new(ratatui::backend::CrosstermBackend::new(std::io::stdout()))?;
    term.clear()?;
    let mut sink = CrosstermSink {
        term,
        mouse: opts.mouse,
    };
    let mut app = App::new(opts.keymap.clone(), backend.mode());
    app.shared.mouse = opts.mouse;
    if let Some(n) = notes.last() {
        app.shared.flash(shared::Flash::Info, n.clone());
    }
    app.shared.notes = notes;
    let mut driver = Driver::new(app, backend.clone(), clock);
    let mut input = spawn_input()?;
    let r = event_loop(&mut driver, &mut sink, &opts.theme, &mut input).await;
    restore_terminal();
    r?;
    // Jobs stop at their next page boundary (they checkpoint), then the store is flushed.
    if let Some(engine) = backend.local() {
        engine.cancel_all();
        engine.wait_idle().await;
        engine.store().flush_async().await?;
    }
    Ok(())
}

fn draw_synchronized<B: ratatui::backend::Backend + std::io::Write>(
    driver: &mut Driver,
    term: &mut ratatui::Terminal<B>,
    theme: &Theme,
) -> std::io::Result<()> {
    use crossterm::{execute, terminal};
    execute!(term.backend_mut(), terminal::BeginSynchronizedUpdate)?;
    let r = driver.render(term, theme);
    execute!(term.backend_mut(), terminal::EndSynchronizedUpdate)?;
    r.map(|_| ())
}

fn apply_terminal_effect<B: ratatui::backend::Backend + std::io::Write>(
    e: Effect,
    term: &mut ratatui::Terminal<B>,
) -> std::io::Result<()> {
    use crossterm::{event, execute};
    match e {
        Effect::Bell => {
            std::io::Write::write_all(term.backend_mut(), b"\x07")?;
            std::io::Write::flush(term.backend_mut())?;
        }
        Effect::SetMouse(true) => execute!(term.backend_mut(), event::EnableMouseCapture)?,
        Effect::SetMouse(false) => execute!(term.backend_mut(), event::DisableMouseCapture)?,
        Effect::Suspend => {}
        Effect::Quit | Effect::Call { .. } => {}
    }
    Ok(())
}

/// Ctrl-z: give the terminal back, stop, and take it again on `fg`.
fn suspend<B: ratatui::backend::Backend>(
    term: &mut ratatui::Terminal<B>,
    mouse: bool,
) -> std::io::Result<()> {
    restore_terminal();
    // SAFETY: raise only sends a signal to this process; SIGTSTP's default action stops it
    // until SIGCONT, after which execution continues here.
    unsafe {
        libc::raise(libc::SIGTSTP);
    }
    enter_terminal(mouse)?;
    term.clear()?;
    Ok(())
}
