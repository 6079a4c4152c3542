//! The list panes by keys alone: FRs filtered as you type (number, customer, SKU) and
//! sorted; History filtered (source, integration, outcome) with each attempt's end time and
//! duration; the Pool's variant options and a variant's stock per outlet. Snapshots at 80×24,
//! the size of many SSH sessions.

use crate::snap;
use crate::support::tui;
use crossterm::event::KeyCode;

const W: u16 = 80;
const H: u16 = 24;

/// The demo with its sample FRs imported through the FRs pane's prompt.
async fn demo_with_frs() -> tui::Tui {
    let mut t = tui::demo().await;
    t.press("8i").await;
    t.keys("fixtures/frs/sample.json");
    t.key(KeyCode::Enter);
    t.settle().await;
    assert!(t.screen(W, H).contains("All 5"), "{}", t.screen(W, H));
    t
}

/// The FR numbers in the list, top to bottom.
fn numbers(screen: &str) -> Vec<String> {
    screen
        .lines()
        .filter_map(|l| l.strip_prefix('│'))
        .filter_map(|l| l.split_whitespace().next())
        .filter(|w| w.starts_with("WEB-"))
        .map(str::to_string)
        .collect()
}

/// Issue 14's flow test: filter FRs by number, by keys alone, as you type.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn filter_frs_by_number() {
    let mut t = demo_with_frs().await;
    t.press("/").await;
    // Each key narrows the list at once; no Enter needed.
    t.keys("1000");
    t.settle().await;
    assert_eq!(numbers(&t.screen(W, H)).len(), 5);
    t.keys("3");
    t.settle().await;
    let typing = t.screen(W, H);
    assert_eq!(numbers(&typing), ["WEB-10003"], "{typing}");
    assert!(typing.contains("│/ 10003▏"), "{typing}");
    assert!(typing.contains("All 1"), "{typing}");
    snap!("lists_frs_filter_typing_80x24", typing);

    // Enter keeps the filter and gives the keys back to the list.
    t.key(KeyCode::Enter);
    t.settle().await;
    let kept = t.screen(W, H);
    assert_eq!(numbers(&kept), ["WEB-10003"], "{kept}");
    assert!(kept.contains("matching \"10003\""), "{kept}");
    assert!(!kept.contains("▏"), "{kept}");
    snap!("lists_frs_filtered_80x24", kept);

    // Esc clears it: every FR is back.
    t.key(KeyCode::Esc);
    t.settle().await;
    let all = t.screen(W, H);
    assert_eq!(numbers(&all).len(), 5, "{all}");
    assert!(!all.contains("matching"), "{all}");

    // A number that no FR has says so and how to clear it.
    t.press("/").await;
    t.keys("99999");
    t.settle().await;
    let none = t.screen(W, H);
    assert!(none.contains("No FR matches \"99999\""), "{none}");
    // Esc in the line clears too.
    t.key(KeyCode::Esc);
    t.settle().await;
    assert_eq!(numbers(&t.screen(W, H)).len(), 5);
}

/// The customer and the SKU find FRs as the number does; keys typed into the filter line
/// never run as commands (r would send, x cancel, 9 switch panes, q quit).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn frs_filter_by_customer_and_sku_and_typed_keys_never_run() {
    let mut t = demo_with_frs().await;
    // The hint bar offers the filter here (it works here).
    let wide = t.screen(140, 30);
    assert!(
        wide.lines().last().unwrap_or("").contains("/ filter"),
        "{wide}"
    );
    t.press("/").await;
    t.keys("priya");
    t.settle().await;
    let by_name = t.screen(W, H);
    assert_eq!(numbers(&by_name), ["WEB-10003"], "{by_name}");
    assert!(by_name.contains("Priya Natarajan"), "{by_name}");
    t.ctrl('u');
    t.keys("hp-t");
    t.settle().await;
    // HP-TT-BLK-M and HP-THH-CHR-L (10004); not HP-MUG (10002).
    assert_eq!(numbers(&t.screen(W, H)), ["WEB-10004"]);
    // Every word must match, each in any field: customer and SKU together.
    t.ctrl('u');
    t.keys("okafor fuel");
    t.settle().await;
    assert_eq!(numbers(&t.screen(W, H)), ["WEB-10001"]);
    t.ctrl('u');
    t.keys("hp-");
    t.settle().await;
    // HP-MUG, and OHP-MAP-CAT (10005): the SKU matches anywhere in it.
    assert_eq!(
        numbers(&t.screen(W, H)),
        ["WEB-10002", "WEB-10004", "WEB-10005"]
    );

    t.ctrl('u');
    t.keys("rx9q:");
    t.settle().await;
    let typed = t.screen(W, H);
    assert!(typed.contains("│/ rx9q:▏"), "{typed}");
    assert!(!t.driver.app.should_quit());
    assert!(t.driver.app.popup().is_none());
    assert_eq!(t.driver.app.current(), lsbridge::tui::panes::PaneId::Frs);
    t.key(KeyCode::Esc);
    t.settle().await;
    // Nothing was sent or canceled: the five are still waiting to be sent.
    let after = t.screen(W, H);
    assert!(after.contains("Processing 5"), "{after}");
    assert!(!after.contains("Processed 5"), "{after}");

    // While typing, the arrows move the selection; Enter keeps the filter, Enter opens.
    t.press("/").await;
    t.keys("hp-");
    t.key(KeyCode::Down);
    t.key(KeyCode::Enter);
    t.key(KeyCode::Enter);
    t.settle().await;
    let detail = t.screen(W, H);
    assert!(detail.contains("WEB-10004"), "{detail}");
    assert!(!detail.contains("WEB-10002"), "{detail}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn frs_sort_cycles_and_reverses_by_keys() {
    let mut t = demo_with_frs().await;
    let by_number = numbers(&t.screen(W, H));
    assert_eq!(
        by_number,
        [
            "WEB-10001",
            "WEB-10002",
            "WEB-10003",
            "WEB-10004",
            "WEB-10005"
        ]
    );
    // o: created (the sample's orders were placed in number order).
    t.press("o").await;
    let created = t.screen(W, H);
    assert!(created.contains("by created"), "{created}");
    assert_eq!(numbers(&created), by_number);
    // O reverses.
    t.press("O").await;
    let newest = t.screen(W, H);
    assert!(newest.contains("by created, descending"), "{newest}");
    assert_eq!(
        numbers(&newest),
        [
            "WEB-10005",
            "WEB-10004",
            "WEB-10003",
            "WEB-10002",
            "WEB-10001"
        ]
    );
    // o o o: updated, status, customer (still descending).
    t.press("ooo").await;
    t.press("O").await;
    let customer = t.screen(W, H);
    assert!(customer.contains("by customer"), "{customer}");
    // Daniel Reyes, Elena Park, Maya Okafor, Priya Natarajan, Samuel Whitaker.
    assert_eq!(
        numbers(&customer),
        [
            "WEB-10002",
            "WEB-10005",
            "WEB-10001",
            "WEB-10003",
            "WEB-10004"
        ]
    );
    snap!("lists_frs_by_customer_80x24", customer);
    // The sort and the filter together; the selection opens the FR shown.
    t.press("/").await;
    t.keys("web-1000");
    t.key(KeyCode::Enter);
    t.press("j").await;
    t.key(KeyCode::Enter);
    t.settle().await;
    let detail = t.screen(W, H);
    assert!(detail.contains("WEB-10005"), "{detail}");
}

/// A run whose process died and a later process resumed: two attempts, each with its end.
fn resumed_run(t: &tui::Tui) -> u64 {
    use lsbridge::jobs::events::Level;
    use lsbridge::jobs::runs::{LogLine, RunRecord, Runs};
    use lsbridge::jobs::Outcome;
    let runs = Runs::open(&t.store).unwrap();
    let source = lsbridge::source::Sources::open(&t.store)
        .unwrap()
        .by_name("harbor")
        .unwrap();
    let id = 900;
    let mut r = RunRecord::new(
        id,
        lsbridge::integration::Integration::Primary,
        &source,
        false,
        "2026-03-02T10:00:00Z".into(),
    );
    r.begin_attempt("2026-03-02T10:00:00Z".into(), None);
    r.owner = 0;
    runs.save(&r).unwrap();
    let line = |at: &str, s: &str| LogLine {
        at: at.into(),
        level: Level::Info,
        line: s.into(),
    };
    runs.log(
        id,
        0,
        &line("2026-03-02T10:00:00Z", "Get Inventory (Primary) for harbor"),
    )
    .unwrap();
    runs.log(id, 1, &line("2026-03-02T10:00:42Z", "committed page 3"))
        .unwrap();
    // The next process resumes it, as `begin_run` does, and it ends.
    let mut again = runs.get(id).unwrap().unwrap();
    let last = runs.last_line(id).unwrap().map(|l| l.at);
    again.begin_attempt("2026-03-02T10:05:00Z".into(), last);
    again.outcome = Outcome::Ok;
    again.message = "new 323, updated 0".into();
    again.ended_at = Some("2026-03-02T10:07:05Z".into());
    again.end_attempt();
    runs.save(&again).unwrap();
    id
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn history_filters_as_you_type_and_shows_each_attempt_with_its_duration() {
    let mut t = tui::demo().await;
    t.press("5r").await;
    let id = resumed_run(&t);
    t.press("8i").await;
    t.keys("fixtures/frs/sample.json");
    t.key(KeyCode::Enter);
    t.settle().await;
    t.press("r").await;
    t.press("9").await;
    let all = t.screen(W, H);
    assert!(all.contains("ended"), "{all}");
    assert!(all.contains("took"), "{all}");
    // The resumed run: one row per attempt, newest first, each with its end and duration.
    let row = |screen: &str, start: &str| {
        screen
            .lines()
            .find(|l| l.starts_with(&format!("│{start}")))
            .unwrap_or_else(|| panic!("no row {start}:\n{screen}"))
            .to_string()
    };
    let second = row(&all, &format!("{id}.2"));
    assert!(
        second.contains("10:07:05") && second.contains("2m05s"),
        "{second}"
    );
    assert!(second.contains("Ok"), "{second}");
    let first = row(&all, &format!("{id}.1"));
    assert!(
        first.contains("10:00:42") && first.contains("42.0s"),
        "{first}"
    );
    assert!(first.contains("Interrupted"), "{first}");
    // The demo's own runs have an end and a duration too ("0.3s" and the like).
    let send = all
        .lines()
        .find(|l| l.contains("send-frs"))
        .unwrap_or_else(|| panic!("{all}"));
    let took = |l: &str| {
        l.split_whitespace().any(|w| {
            w.strip_suffix('s')
                .is_some_and(|n| n.parse::<f64>().is_ok())
        })
    };
    assert!(took(send), "{send}");
    snap!("lists_history_attempts_80x24", all);

    // Filter by integration as you type; keys typed never run (r, 5 stay in the line).
    t.press("/").await;
    t.keys("send");
    t.settle().await;
    let send_only = t.screen(W, H);
    assert!(send_only.contains("send-frs"), "{send_only}");
    assert!(!send_only.contains("primary"), "{send_only}");
    assert!(send_only.contains("1 of 3 runs"), "{send_only}");
    snap!("lists_history_filter_typing_80x24", send_only);
    // By outcome: the interrupted attempt's run.
    t.ctrl('u');
    t.keys("interr");
    t.settle().await;
    let interrupted = t.screen(W, H);
    assert!(interrupted.contains(&format!("{id}.1")), "{interrupted}");
    assert!(!interrupted.contains("send-frs"), "{interrupted}");
    // By source, then a filter nothing matches.
    t.ctrl('u');
    t.keys("harbor");
    t.settle().await;
    assert!(t.screen(W, H).contains("3 of 3 runs"));
    t.keys("r5x");
    t.settle().await;
    let none = t.screen(W, H);
    assert!(none.contains("No run matches \"harborr5x\""), "{none}");
    assert_eq!(t.driver.app.current(), lsbridge::tui::panes::PaneId::Runs);
    // Enter keeps the filter, Esc clears it.
    t.ctrl('u');
    t.keys("primary");
    t.key(KeyCode::Enter);
    t.settle().await;
    assert!(t.screen(W, H).contains("matching \"primary\""));
    t.press("G").await;
    t.key(KeyCode::Enter);
    t.settle().await;
    // The last row's run log opens.
    assert!(t.screen(W, H).contains("log ("), "{}", t.screen(W, H));
    t.key(KeyCode::Esc);
    t.key(KeyCode::Esc);
    t.settle().await;
    let back = t.screen(W, H);
    assert!(!back.contains("matching"), "{back}");
    assert!(back.contains("send-frs"), "{back}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pool_lists_variant_options_and_the_detail_has_stock_per_outlet() {
    let mut t = tui::demo().await;
    t.press("5r").await;
    t.press("7/").await;
    t.keys("HP-TT-BLK-S");
    t.key(KeyCode::Enter);
    t.settle().await;
    let list = t.screen(W, H);
    let row = list
        .lines()
        .find(|l| l.starts_with("│HP-TT-BLK-S "))
        .unwrap_or_else(|| panic!("{list}"));
    // At 80 columns the values alone; with room, each option's name too.
    assert!(row.contains("Black / S"), "{row}");
    snap!("lists_pool_options_80x24", list);
    let wide = t.screen(120, 30);
    assert!(wide.contains("Color: Black / Size: S"), "{wide}");

    // The store's levels for this variant: 12 at Main Street, 43 at the Warehouse, 1 at
    // the Chelsea pop-up (fixtures/stores/demo/inventory.json).
    t.key(KeyCode::Enter);
    t.settle().await;
    let detail = t.screen(W, H);
    assert!(detail.contains("Stock per outlet"), "{detail}");
    let level = |name: &str| {
        detail
            .lines()
            .find(|l| l.contains(name))
            .and_then(|l| l.trim_end_matches('│').split_whitespace().last())
            .map(str::to_string)
            .unwrap_or_else(|| panic!("no {name}:\n{detail}"))
    };
    assert_eq!(level("Main Street Store"), "12");
    assert_eq!(level("Warehouse"), "43");
    assert_eq!(level("Chelsea Market Pop-up"), "1");
    assert_eq!(level("Total"), "56");
    assert!(!detail.contains("unavailable"), "{detail}");
    snap!("lists_pool_detail_outlets_80x24", detail);
}

/// With the store unreachable the detail still shows every level, by outlet id, and says
/// why the names are missing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pool_detail_without_the_store_shows_outlet_ids_and_why() {
    let mut t = tui::demo().await;
    t.press("5r").await;
    t.sim.take().expect("sim").stop().await;
    t.press("7/").await;
    t.keys("HP-TT-BLK-S");
    t.key(KeyCode::Enter);
    t.settle().await;
    t.key(KeyCode::Enter);
    t.settle().await;
    let detail = t.screen(120, 40);
    assert!(
        detail.contains("8ed0bab8-e4b0-510f-8898-f79d5cf53fb9"),
        "{detail}"
    );
    assert!(detail.contains("outlet names unavailable"), "{detail}");
}
