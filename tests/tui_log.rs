//! The Log and the messages by keys alone: the Log scrolled back to its first line with
//! every line drawn, a message too long for the status bar read in full (popup, message
//! history, Log), and an FR import whose every rejected line is shown with its reason.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use crossterm::event::KeyCode;
use support::tui;

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
