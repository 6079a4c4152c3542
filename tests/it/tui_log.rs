//! The Log and the messages by keys alone: the Log scrolled back to its first line with
//! every line drawn, a message too long for the status bar read in full (popup, message
//! history, Log), an FR import whose every rejected line is shown with its reason, the Send
//! FRs ids picked from the store's lists, a refusal of a run the user started shown whole,
//! and what a run tells the Log (retries, 429s, waits, pages, products by SKU and title).

use crate::snap;
use crate::support::tui;
use crossterm::event::KeyCode;

/// Rows of the log's list at this size: the screen minus tabs, status, hints and borders.
const W: u16 = 120;
const H: u16 = 20;
const ROWS: usize = H as usize - 5;

/// The message column of a drawn log row (after time, level, source and job).
fn drawn_messages(screen: &str) -> Vec<String> {
    screen
        .lines()
        .filter(|l| l.starts_with('│'))
        .map(|l| l.trim_start_matches('│').trim_end_matches('│').to_string())
        .filter(|l| !l.trim().is_empty())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn log_scrolls_back_to_its_first_line_and_draws_every_line() {
    let mut t = tui::demo().await;
    t.press("5r").await;
    // More lines than two screens: the run's, then the app's own.
    for n in 0..ROWS * 2 {
        t.driver.app.shared.log_lines(
            lsbridge::jobs::events::Level::Warn,
            &format!("filler line {n:03}"),
        );
    }
    t.press("6").await;
    let total = t.driver.app.shared.log.len();
    assert!(
        total > ROWS,
        "the run should log more than a screen: {total}"
    );
    let entries: Vec<String> = t
        .driver
        .app
        .shared
        .log
        .iter()
        .map(|e| e.line.clone())
        .collect();

    // g: the first line at the top, and a full screen of the lines after it (no blank rows).
    t.press("g").await;
    let top = t.screen(W, H);
    let rows = drawn_messages(&top);
    assert_eq!(rows.len(), ROWS, "{top}");
    for (row, line) in rows.iter().zip(&entries) {
        assert!(
            row.contains(&line.chars().take(40).collect::<String>()),
            "{row:?} should show {line:?}\n{top}"
        );
    }
    assert!(
        top.contains(&format!("paused at line 1 of {total}")),
        "{top}"
    );

    // Down a line at a time to the end: every line is drawn on the way, in order.
    let mut seen = vec![false; entries.len()];
    for step in 0..total {
        let screen = t.screen(W, H);
        for row in drawn_messages(&screen) {
            for (i, line) in entries.iter().enumerate() {
                let head: String = line.chars().take(40).collect();
                if !seen[i] && row.contains(&head) {
                    seen[i] = true;
                    break;
                }
            }
        }
        if step + 1 < total {
            t.key(KeyCode::Char('j'));
        }
    }
    let missing: Vec<&String> = entries
        .iter()
        .zip(&seen)
        .filter(|(_, s)| !**s)
        .map(|(l, _)| l)
        .collect();
    assert!(missing.is_empty(), "never drawn: {missing:?}");

    // Back up by pages to the first line again.
    for _ in 0..total / ROWS + 2 {
        t.key(KeyCode::PageUp);
    }
    let back = t.screen(W, H);
    assert!(
        back.contains(&format!("paused at line 1 of {total}")),
        "{back}"
    );
    assert_eq!(drawn_messages(&back).len(), ROWS, "{back}");

    // n: the error near the top with what follows it below, not on the last row.
    let i = t.driver.app.shared.log.len();
    t.driver.app.shared.flash(
        lsbridge::tui::shared::Flash::Error,
        "an error for n to find",
    );
    for n in 0..ROWS * 2 {
        t.driver
            .app
            .shared
            .log_lines(lsbridge::jobs::events::Level::Info, &format!("after {n}"));
    }
    t.press("g").await;
    // Earlier errors first, if the run had any.
    for _ in 0..20 {
        t.press("n").await;
        if t.screen(W, H)
            .contains(&format!("paused at line {} of", i + 1))
        {
            break;
        }
    }
    let at_error = t.screen(W, H);
    let rows = drawn_messages(&at_error);
    let pos = rows
        .iter()
        .position(|r| r.contains("an error for n to find"))
        .unwrap_or_else(|| panic!("the error is not drawn\n{at_error}"));
    assert!(
        pos <= 2,
        "the error should be near the top: {pos}\n{at_error}"
    );
    assert!(rows.last().unwrap().contains("after"), "{at_error}");
    assert!(
        at_error.contains(&format!("paused at line {} of", i + 1)),
        "{at_error}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_message_too_long_for_the_bar_is_readable_in_full() {
    let mut t = tui::demo().await;
    t.screen(80, 24);
    let path = "fixtures/frs/there-is-no-file-by-this-rather-long-name-anywhere-at-all.json";
    t.press("8i").await;
    // The prompt may be prefilled with the demo's sample: clear it first.
    for _ in 0..200 {
        t.key(KeyCode::Backspace);
    }
    t.keys(path);
    t.key(KeyCode::Enter);
    t.settle().await;
    let (kind, msg) = t.driver.app.shared.flash.clone().expect("a message");
    assert_eq!(kind, lsbridge::tui::shared::Flash::Error);
    assert!(msg.contains(path), "{msg}");
    assert!(
        msg.chars().count() > 80,
        "the test needs a long message: {msg}"
    );

    // It opened in a popup, wrapped: every word of it is on the screen.
    let popup = t.screen(80, 24);
    assert!(popup.contains("Message"), "{popup}");
    // Wrapping only adds line breaks: without blanks and borders the text is all there.
    let squeeze = |s: &str| -> String {
        s.chars()
            .filter(|c| !c.is_whitespace() && *c != '│')
            .collect()
    };
    assert!(squeeze(&popup).contains(&squeeze(&msg)), "{msg}\n{popup}");
    snap!("message_popup_80x24", popup);

    // Esc closes it; the bar shows the start, marked as cut.
    t.key(KeyCode::Esc);
    let closed = t.screen(80, 24);
    assert!(!closed.contains("Message"), "{closed}");
    assert!(closed.contains('…'), "{closed}");

    // m: the message history has it whole.
    t.press("m").await;
    let history = t.screen(120, 30);
    assert!(history.contains("Messages of this session"), "{history}");
    assert!(history.contains(path), "{history}");
    t.key(KeyCode::Esc);

    // :messages does the same.
    t.press(":messages").await;
    t.key(KeyCode::Enter);
    assert!(t.screen(120, 30).contains("Messages of this session"));
    t.key(KeyCode::Esc);

    // Errors go to the Log too, with the level as a word.
    t.press("6").await;
    let log = t.screen(160, 30);
    let row = log
        .lines()
        .find(|l| l.contains("there-is-no-file"))
        .unwrap_or_else(|| panic!("not in the Log\n{log}"));
    assert!(row.contains("error "), "{row}");
    assert!(row.contains(" app "), "{row}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn importing_bad_frs_shows_every_rejection_reason() {
    let mut t = tui::demo().await;
    let bytes = std::fs::read("fixtures/frs/bad.json").unwrap();
    let parsed = lsbridge::frs::intake::parse("bad.json", &bytes, None).unwrap();
    assert!(parsed.rejected.len() >= 8, "{:?}", parsed.rejected);

    t.press("8i").await;
    for _ in 0..200 {
        t.key(KeyCode::Backspace);
    }
    t.keys("fixtures/frs/bad.json");
    t.key(KeyCode::Enter);
    t.settle().await;

    let popup = t.screen(160, 50);
    assert!(popup.contains("FR import"), "{popup}");
    assert!(
        popup.contains("imported 2, duplicates 1, rejected"),
        "{popup}"
    );
    for r in &parsed.rejected {
        let head: String = r.reason.chars().take(50).collect();
        assert!(
            popup.contains(&format!("line {}: {head}", r.line)),
            "line {}: {} missing\n{popup}",
            r.line,
            r.reason
        );
    }
    assert!(popup.contains("is a Duplicate FR #"), "{popup}");
    snap!("frs_import_rejections", popup);

    // Every reason is in the Log too, as warnings.
    t.key(KeyCode::Esc);
    t.press("6").await;
    let log = t.screen(240, 50);
    for r in &parsed.rejected {
        let head: String = r.reason.chars().take(50).collect();
        let row = log
            .lines()
            .find(|l| l.contains(&format!("line {}: {head}", r.line)))
            .unwrap_or_else(|| panic!("line {} not in the Log\n{log}", r.line));
        assert!(row.contains("warn "), "{row}");
    }
}

/// The Send FRs ids and the quantity outlet picked by name from lists read live from the
/// store, by keys alone; the saved source has exactly the ids picked.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn send_frs_ids_are_picked_from_the_stores_lists() {
    use lsbridge::source::Sources;
    let mut t = tui::demo().await;
    let before = Sources::open(&t.store).unwrap().by_name("harbor").unwrap();
    let conn = before
        .connection
        .clone()
        .expect("the demo source has a connection");
    let options = t.engine.store_options(&conn).await.expect("options");
    assert!(!options.registers.is_empty() && !options.users.is_empty());
    assert!(!options.taxes.is_empty() && !options.outlets.is_empty());

    // A value other than the current one whose name's words appear together in no other
    // entry (the filter keeps the rows that have every word typed), so typing it in the
    // filter leaves one row.
    fn other<'a>(
        all: &'a [(String, String, String)],
        current: Option<&str>,
    ) -> &'a (String, String, String) {
        all.iter()
            .find(|(id, name, _)| {
                let name = name.to_lowercase();
                Some(id.as_str()) != current
                    && all
                        .iter()
                        .filter(|(i, n, d)| {
                            let hay = format!("{n} {d} {i}").to_lowercase();
                            name.split_whitespace().all(|w| hay.contains(w))
                        })
                        .count()
                        == 1
            })
            .unwrap_or(&all[0])
    }
    let registers: Vec<_> = options
        .registers
        .iter()
        .map(|r| {
            let outlet = r.outlet_name.clone().unwrap_or_else(|| r.outlet_id.clone());
            (r.id.clone(), r.name.clone(), format!("outlet {outlet}"))
        })
        .collect();
    let users: Vec<_> = options
        .users
        .iter()
        .map(|u| {
            (
                u.id.clone(),
                u.name.clone(),
                format!("{}, {}", u.username, u.account_type),
            )
        })
        .collect();
    let taxes: Vec<_> = options
        .taxes
        .iter()
        .map(|x| (x.id.clone(), x.name.clone(), String::new()))
        .collect();
    let register = other(&registers, before.send_frs.register_id.as_deref()).clone();
    let user = other(&users, before.send_frs.user_id.as_deref()).clone();
    let tax = taxes[0].clone();

    // Sources → edit → the Primary step (PgDn skips steps) → Outlet ID: the outlets by name.
    t.press("1e").await;
    for _ in 0..5 {
        t.key(KeyCode::PageDown);
    }
    for _ in 0..3 {
        t.key(KeyCode::Tab);
    }
    t.key(KeyCode::Enter);
    t.settle().await;
    let outlets = t.screen(W, 40);
    assert!(
        outlets.contains("Outlet ID · from the store of"),
        "{outlets}"
    );
    for o in &options.outlets {
        assert!(outlets.contains(o.name.as_str()), "{}\n{outlets}", o.name);
    }
    for _ in 0..options.outlets.len() {
        t.keys("k");
    }
    t.key(KeyCode::Enter);
    let outlet = options.outlets[0].id.clone();
    assert!(t.screen(W, 40).contains(&outlet));

    // On to the Send FRs step → Register ID.
    for _ in 0..2 {
        t.key(KeyCode::PageDown);
    }
    t.key(KeyCode::Tab);
    let step = t.screen(W, 40);
    assert!(step.contains("Enter lists the store's registers"), "{step}");
    assert!(!step.contains("lsbridge source options"), "{step}");

    // Enter reads the lists and opens the registers, named, with their outlets.
    t.key(KeyCode::Enter);
    t.settle().await;
    let list = t.screen(W, 40);
    assert!(list.contains("Register ID · from the store of"), "{list}");
    for (_, name, detail) in &registers {
        assert!(list.contains(name.as_str()), "{name} missing\n{list}");
        assert!(list.contains(detail.as_str()), "{detail} missing\n{list}");
    }
    snap!("wizard_pick_register", list);
    // `/` filters as you type; Enter picks.
    t.keys("/");
    t.keys(&register.1);
    t.key(KeyCode::Enter);
    let picked = t.screen(W, 40);
    assert!(picked.contains(&register.0), "{picked}");
    assert!(!picked.contains("from the store of"), "{picked}");

    // User ID: j/k move in the list.
    t.key(KeyCode::Tab);
    t.key(KeyCode::Enter);
    t.settle().await;
    let current = users
        .iter()
        .position(|(id, ..)| Some(id.as_str()) == before.send_frs.user_id.as_deref())
        .unwrap_or(0);
    let target = users.iter().position(|u| u.0 == user.0).unwrap();
    let keys = if target >= current { "j" } else { "k" };
    for _ in 0..target.abs_diff(current) {
        t.keys(keys);
    }
    t.key(KeyCode::Enter);

    // Tax ID: g to the first, Enter.
    t.key(KeyCode::Tab);
    t.key(KeyCode::Enter);
    t.settle().await;
    for _ in 0..taxes.len() {
        t.keys("k");
    }
    t.key(KeyCode::Enter);

    // Payment Type ID: a disabled one is refused with the reason.
    if let Some(off) = options.payment_types.iter().find(|p| p.disabled) {
        t.key(KeyCode::Tab);
        t.key(KeyCode::Enter);
        t.settle().await;
        t.keys("/");
        t.keys(&off.name);
        t.key(KeyCode::Enter);
        // Refused: the list stays open; Esc closes it (the filter line too).
        assert!(t.screen(W, 40).contains("from the store of"));
        t.key(KeyCode::Esc);
        let refused = t.screen(W, 40);
        assert!(!refused.contains("from the store of"), "{refused}");
        assert!(refused.contains("disabled in the store"), "{refused}");
    }

    // Saved through the engine's validation: the ids picked, by id.
    t.ctrl('s');
    t.settle().await;
    let after = Sources::open(&t.store).unwrap().by_name("harbor").unwrap();
    assert_eq!(
        after.send_frs.register_id.as_deref(),
        Some(register.0.as_str())
    );
    assert_eq!(after.send_frs.user_id.as_deref(), Some(user.0.as_str()));
    assert_eq!(after.send_frs.tax_id.as_deref(), Some(tax.0.as_str()));
    assert_eq!(
        after.primary.quantity_from,
        lsbridge::source::QuantityFrom::Outlet(outlet)
    );
    assert!(t.screen(W, 40).contains("source harbor saved"));
}

/// A Send FRs refusal of a run the user asked for is shown whole (a popup when the bar
/// would cut it), and kept in the message history and the Log; a refusal nobody asked for
/// here (a scheduled run) only uses the bar, so a monitor is never blocked by a popup.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_send_frs_refusal_is_shown_in_full() {
    use lsbridge::engine::{EngineEvent, Integration, Request, Response};
    use lsbridge::tui::action::Action;
    let mut t = tui::demo().await;
    let mut source = t.driver.app.shared.sources[0].clone();
    source.send_frs.register_id = None;
    source.send_frs.user_id = None;
    assert_eq!(
        t.engine.handle(Request::SaveSource { source }).await,
        Response::Done
    );
    let squeeze = |s: &str| -> String {
        s.chars()
            .filter(|c| !c.is_whitespace() && *c != '│')
            .collect()
    };

    // Not asked for here: the bar only.
    t.press("8").await;
    t.screen(W, 30);
    let scheduled = "Send FRs for harbor is still running: the scheduled run due 2026-01-01T00:00:00Z is skipped, not queued (a reason long enough that the bar cuts it)";
    t.driver.dispatch(Action::Engine(EngineEvent::Refused {
        source: "harbor".into(),
        kind: Integration::SendFrs,
        reason: scheduled.into(),
    }));
    let screen = t.screen(W, 30);
    assert!(!screen.contains("Refused"), "{screen}");
    assert!(
        screen.contains("Send FRs for harbor is still running"),
        "{screen}"
    );

    // r in FRs: the run is refused before it starts, and the reason opens whole.
    t.press("r").await;
    let screen = t.screen(W, 30);
    assert!(screen.contains("Refused"), "{screen}");
    let (_, reason) = t.driver.app.shared.flash.clone().expect("a message");
    assert!(
        reason.contains("Send FRs for harbor is not configured"),
        "{reason}"
    );
    assert!(reason.contains("Register ID"), "{reason}");
    assert!(squeeze(&screen).contains(&squeeze(&reason)), "{screen}");
    t.key(KeyCode::Esc);
    t.press("m").await;
    let history = squeeze(&t.screen(W, 30));
    assert!(history.contains(&squeeze(&reason)));
    assert!(history.contains(&squeeze(scheduled)));
    t.key(KeyCode::Esc);
    t.press("6").await;
    assert!(t
        .screen(200, 30)
        .contains("Send FRs for harbor is not configured"));
}

/// During a run the Log says what the client is doing and names products as people know
/// them: a 5xx retried, a 429 with the time it waits until, the rate-limit wait, a product
/// not in the pool by SKU and title (not its UUID), and a progress line per page.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_log_shows_retries_429s_waits_and_names_products_by_sku_and_title() {
    use lsbridge::engine::{Request, Response};
    use lsbridge::sim::{Fault, Faults};
    let mut t = tui::demo().await;
    let mut source = t.driver.app.shared.sources[0].clone();
    source.secondary.allow_create_variant = false;
    assert_eq!(
        t.engine.handle(Request::SaveSource { source }).await,
        Response::Done
    );
    t.press("5r").await;
    let sim = t.sim.as_ref().expect("the demo simulator");
    // A product the store gains after the Primary run: Secondary sees its stock first.
    let id = sim.with_store(|s, rng| {
        let mut p = s
            .products
            .iter()
            .find(|p| p.deleted_at.is_none() && !p.has_variants && p.has_inventory)
            .map(std::borrow::Cow::into_owned)
            .unwrap();
        p.id = "0a0a0a0a-0000-4000-8000-0000000000aa".into();
        p.sku = "NEW-IN-STORE-1".into();
        p.name = "Trail Lantern XL".into();
        p.variant_parent_id = None;
        s.add_product(p, 4.0, rng)
    });
    sim.set_faults(Faults {
        script: [Fault::Status(503)].into(),
        storm: 1,
        storm_retry_after_secs: 1,
        ..Faults::none()
    });
    t.press("jr").await;
    let lines: Vec<(String, String)> = t
        .driver
        .app
        .shared
        .log
        .iter()
        .map(|e| (format!("{:?}", e.level), e.line.clone()))
        .collect();
    let find = |needle: &str| {
        lines
            .iter()
            .find(|(_, l)| l.contains(needle))
            .unwrap_or_else(|| panic!("no line with {needle:?} in {lines:#?}"))
            .clone()
    };
    let retry = find("retry 1 in");
    assert_eq!(retry.0, "Warn", "{retry:?}");
    assert!(retry.1.contains("503"), "{retry:?}");
    let limited = find("429 Too Many Requests on ");
    assert_eq!(limited.0, "Warn", "{limited:?}");
    assert!(limited.1.contains("waiting until"), "{limited:?}");
    find("rate limit: waiting until");
    let named = find("NEW-IN-STORE-1");
    assert!(
        named
            .1
            .contains("product NEW-IN-STORE-1 (Trail Lantern XL) is not in the pool"),
        "{named:?}"
    );
    assert!(!named.1.contains(&id), "{named:?}");
    find("stock changes: page ");
    // The Primary run before it: a line per phase at least, not only start and finish.
    find("stock levels: ");
    find("products: ");

    // On screen, with the level as a word.
    t.press("6").await;
    let log = t.screen(200, 60);
    let row = log
        .lines()
        .find(|l| l.contains("429 Too Many Requests"))
        .unwrap_or_else(|| panic!("{log}"));
    assert!(row.contains("warn "), "{row}");
    assert!(row.contains("secondary"), "{row}");
}

/// Issue 14 item 7: `/` in the Log filters as you type (before Enter), what is typed runs no
/// command, Enter keeps the search and Esc on the line drops it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn log_search_narrows_as_you_type() {
    let mut t = tui::demo().await;
    for n in 0..5 {
        t.driver.app.shared.log_lines(
            lsbridge::jobs::events::Level::Info,
            &format!("alpha line {n}"),
        );
        t.driver.app.shared.log_lines(
            lsbridge::jobs::events::Level::Info,
            &format!("bravo line {n}"),
        );
    }
    t.press("6").await;
    let before = drawn_messages(&t.screen(W, H));
    assert!(
        before.iter().any(|r| r.contains("alpha line 0")),
        "{before:?}"
    );
    t.press("/").await;
    // `b`, `r` and `a` typed here are text, whatever they are bound to in the Log.
    t.keys("bravo");
    t.settle().await;
    let typing = t.screen(W, H);
    let count = |screen: &str, what: &str| {
        drawn_messages(screen)
            .iter()
            .filter(|r| r.contains(what))
            .count()
    };
    assert_eq!(count(&typing, "bravo line"), 5, "{typing}");
    assert_eq!(count(&typing, "alpha line"), 0, "{typing}");
    assert!(typing.contains("/ bravo"), "{typing}");
    t.key(KeyCode::Enter);
    t.settle().await;
    let kept = t.screen(W, H);
    assert_eq!(count(&kept, "bravo line"), 5, "{kept}");
    assert_eq!(count(&kept, "alpha line"), 0, "{kept}");
    t.press("/").await;
    t.key(KeyCode::Esc);
    t.settle().await;
    let cleared = t.screen(W, H);
    assert_eq!(count(&cleared, "alpha line"), 5, "{cleared}");
}
