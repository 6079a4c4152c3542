//! The Mapping pane, by key events alone against an in-process engine and the demo
//! simulator: the grid of each starter template with a live preview on a pool record, the
//! empty state, pick lists, the rule and mapping-set editors, a refused save shown on its row,
//! and an edit that reaches the pool through a Primary run.

use crate::snap;
use crossterm::event::KeyCode;
use lsbridge::engine::{Request, Response};
use lsbridge::mapping::{FieldValue, MappingSet};

use crate::support::tui;

const W: u16 = 120;
const H: u16 = 34;

/// The demo after a Primary run, on the Mapping pane's template list.
async fn demo_with_pool() -> tui::Tui {
    let mut t = tui::demo().await;
    t.press("5r").await;
    t.press("4").await;
    t
}

/// No grid row carries the ✘ marker.
fn no_row_marked(screen: &str) -> bool {
    !screen
        .lines()
        .any(|l| l.starts_with("│ ✘") || l.starts_with("│›✘"))
}

async fn enter(t: &mut tui::Tui) {
    t.key(KeyCode::Enter);
    t.settle().await;
}

async fn esc(t: &mut tui::Tui) {
    t.key(KeyCode::Esc);
    t.settle().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_starter_template_as_a_grid_with_a_live_preview() {
    let mut t = demo_with_pool().await;
    let picker = t.screen(W, H);
    assert!(picker.contains("Get Inventory [Primary]"), "{picker}");
    assert!(picker.contains("✔ valid"), "{picker}");
    snap!("mapping_picker", picker);

    enter(&mut t).await;
    let primary = t.screen(W, H);
    assert!(primary.contains("from the pool"), "{primary}");
    assert!(primary.contains("SKU *"), "{primary}");
    assert!(no_row_marked(&primary), "{primary}");
    snap!("mapping_grid_primary", primary);
    esc(&mut t).await;

    t.press("j").await;
    enter(&mut t).await;
    let secondary = t.screen(W, H);
    assert!(secondary.contains("Inventory Level"), "{secondary}");
    assert!(secondary.contains("from the pool"), "{secondary}");
    assert!(no_row_marked(&secondary), "{secondary}");
    snap!("mapping_grid_secondary", secondary);
    esc(&mut t).await;

    t.press("j").await;
    enter(&mut t).await;
    let send = t.screen(W, H);
    assert!(send.contains("Customer: First Name *"), "{send}");
    assert!(send.contains("built-in example"), "{send}");
    assert!(send.contains("FR WEB-10002"), "{send}");
    assert!(no_row_marked(&send), "{send}");
    snap!("mapping_grid_send_frs", send);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_source_the_pane_says_where_to_start() {
    let mut t = tui::empty().await;
    t.press("4").await;
    let screen = t.screen(W, H);
    assert!(screen.contains("No source yet"), "{screen}");
    snap!("mapping_empty", screen);
    // Keys do nothing harmful there.
    t.press("jjk").await;
    enter(&mut t).await;
    assert!(t.screen(W, H).contains("no source selected"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_save_is_shown_on_its_row_and_keeps_the_edit() {
    let mut t = demo_with_pool().await;
    enter(&mut t).await;
    // SKU (row 1, method column) → Skip It (Don't Map).
    enter(&mut t).await;
    t.press("don").await;
    enter(&mut t).await;
    t.ctrl('s');
    t.settle().await;
    let screen = t.screen(W, H);
    assert!(screen.contains("›✘ SKU *"), "{screen}");
    assert!(screen.contains("not saved"), "{screen}");
    assert!(
        screen.contains("✘ SKU: Get Inventory [Primary] requires this field"),
        "{screen}"
    );
    assert!(
        screen.contains("Skip It (Don't Map)"),
        "the edit is kept: {screen}"
    );
    snap!("mapping_save_refused", screen);
    // The store still has the starter template.
    let Response::Templates(list) = t.engine.handle(Request::ListTemplates).await else {
        panic!("templates");
    };
    let stored = list
        .iter()
        .find(|x| x.name.ends_with("[Primary]"))
        .expect("primary");
    assert_eq!(
        stored.field("SKU").map(|f| f.method.label()),
        Some("Match It")
    );
    // Esc asks before dropping the change; n keeps editing.
    t.key(KeyCode::Esc);
    let ask = t.screen(W, H);
    assert!(ask.contains("has unsaved changes"), "{ask}");
    t.keys("n");
    assert!(t.screen(W, H).contains("Skip It (Don't Map)"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn method_pick_list() {
    let mut t = demo_with_pool().await;
    enter(&mut t).await;
    t.press("j").await;
    enter(&mut t).await;
    let screen = t.screen(W, H);
    for m in [
        "Match It",
        "Set It",
        "Transform It",
        "Smart Rules",
        "Skip It (Don't Map)",
        "Skip It (Set to Empty)",
    ] {
        assert!(screen.contains(m), "{m}: {screen}");
    }
    snap!("mapping_pick_method", screen);
    // Esc changes nothing.
    esc(&mut t).await;
    assert!(t.screen(W, H).contains("✔ saved and valid"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn source_field_pick_list_filters_as_you_type() {
    let mut t = demo_with_pool().await;
    enter(&mut t).await;
    // Title's source field.
    t.press("jl").await;
    enter(&mut t).await;
    t.press("price").await;
    let screen = t.screen(W, H);
    assert!(screen.contains("Price Including Tax"), "{screen}");
    assert!(screen.contains("Supply Price"), "{screen}");
    snap!("mapping_pick_source_filtered", screen);
    // Choose the first match: Title now reads Price Excluding Tax.
    enter(&mut t).await;
    let grid = t.screen(W, H);
    assert!(grid.contains("Price Excluding Tax"), "{grid}");
    assert!(grid.contains("unsaved changes"), "{grid}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rule_editor_with_two_conditions() {
    let mut t = demo_with_pool().await;
    t.press("jj").await;
    enter(&mut t).await;
    // Customer: Email is Smart Rules; open its rules.
    t.press("jjl").await;
    enter(&mut t).await;
    // a: another condition on rule 1: Billing Address: Email Is Not Blank, joined by OR.
    t.press("a").await;
    t.press("billing email").await;
    enter(&mut t).await;
    t.press("not blank").await;
    enter(&mut t).await;
    t.press("o").await;
    let screen = t.screen(W, H);
    assert!(screen.contains("Shipping Address: Email"), "{screen}");
    assert!(screen.contains("Is Not Blank"), "{screen}");
    assert!(screen.contains("any of (OR)"), "{screen}");
    snap!("mapping_rule_editor", screen);
    // K moves the new condition first.
    t.press("K").await;
    let moved = t.screen(W, H);
    let a = moved.find("Billing Address: Email").unwrap_or(usize::MAX);
    let b = moved.find("Shipping Address: Email").unwrap_or(0);
    assert!(a < b, "{moved}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mapping_set_editor_makes_and_saves_a_set() {
    let mut t = demo_with_pool().await;
    t.press("jjj").await;
    enter(&mut t).await;
    t.press("a").await;
    t.press("Colors").await;
    enter(&mut t).await;
    for (from, to) in [("Red", "Rouge"), ("Blue", "Bleu"), ("Green", "Vert")] {
        t.press("a").await;
        t.press(from).await;
        enter(&mut t).await;
        t.press(to).await;
        enter(&mut t).await;
    }
    // A duplicate is refused where it is typed.
    t.press("a").await;
    t.press(" red").await;
    enter(&mut t).await;
    let dup = t.screen(W, H);
    assert!(dup.contains("already mapped in row 1"), "{dup}");
    esc(&mut t).await;
    t.ctrl('s');
    t.settle().await;
    let screen = t.screen(W, H);
    assert!(screen.contains("Rouge"), "{screen}");
    assert!(screen.contains("✔ saved"), "{screen}");
    snap!("mapping_set_editor", screen);
    let Response::MappingSets(sets) = t.engine.handle(Request::ListMappingSets).await else {
        panic!("sets");
    };
    let colors: Vec<&MappingSet> = sets.iter().filter(|s| s.name == "Colors").collect();
    assert_eq!(colors.len(), 1);
    assert_eq!(colors[0].lookup("blue"), Some("Bleu"));
    assert_eq!(colors[0].rows.len(), 3);
}

/// Title → Transform It with a prefix, by keys; saved; Primary run; the pool has it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_prefix_added_in_the_grid_reaches_the_pool() {
    let mut t = tui::demo().await;
    t.press("4").await;
    enter(&mut t).await;
    t.press("j").await;
    enter(&mut t).await;
    t.press("transform").await;
    enter(&mut t).await;
    // The Transform It editor keeps Name as the source; a adds a step.
    t.press("a").await;
    t.press("prefix").await;
    enter(&mut t).await;
    t.press("HP ").await;
    enter(&mut t).await;
    let editor = t.screen(W, H);
    assert!(editor.contains("Prefix"), "{editor}");
    assert!(
        editor.contains("\"Harbor Mug\" → HP Harbor Mug") || editor.contains("→ HP "),
        "{editor}"
    );
    snap!("mapping_transform_editor", editor);
    esc(&mut t).await;
    t.ctrl('s');
    t.settle().await;
    let saved = t.screen(W, H);
    assert!(saved.contains("✔ saved and valid"), "{saved}");
    assert!(saved.contains("Name → Prefix \"HP \""), "{saved}");

    t.press("5r").await;
    let Response::Pool(items) = t
        .engine
        .handle(Request::PoolPage {
            source: "harbor".into(),
            offset: 0,
            limit: 10_000,
            filter: None,
            archived: None,
            sort: Default::default(),
            descending: false,
        })
        .await
    else {
        panic!("pool page");
    };
    assert!(items.len() > 300, "{}", items.len());
    for item in &items {
        match item.fields.get("Title") {
            Some(FieldValue::Text(s)) => assert!(s.starts_with("HP "), "{}: {s}", item.sku),
            other => assert!(
                other.is_none_or(|v| v.is_blank()),
                "{}: {other:?}",
                item.sku
            ),
        }
    }
}

/// Thousands of keys from everything the pane reacts to, with saves and confirmations in
/// between: the app never panics and always draws.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn any_key_sequence_is_safe() {
    let mut t = demo_with_pool().await;
    let keys = [
        "j", "k", "h", "l", "g", "G", "a", "d", "e", "r", "o", "K", "J", "y", "n", " ", "x", "1.5",
        "-", "Z",
    ];
    let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
    for step in 0..3000 {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        match seed % 29 {
            0..=19 => t.keys(keys[(seed / 29) as usize % keys.len()]),
            20..=22 => t.key(KeyCode::Enter),
            23..=24 => t.key(KeyCode::Esc),
            25 => t.key(KeyCode::Tab),
            26 => t.key(KeyCode::Backspace),
            27 => t.ctrl('s'),
            _ => t.key(KeyCode::BackTab),
        }
        // Stay on the Mapping pane (Tab leaves it).
        if t.driver.app.current() != lsbridge::tui::panes::PaneId::Mapping {
            t.keys("4");
        }
        if step % 50 == 0 {
            t.settle().await;
            let _ = t.screen(W, H);
            let _ = t.screen(60, 15);
        }
    }
    t.settle().await;
    let _ = t.screen(W, H);
}

/// Smart Rules built from nothing, with a nested Transform It as a rule's result; a row
/// added for a custom field with Set It; a row deleted after confirming. All by keys.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rules_nested_editors_and_rows_by_keys() {
    use lsbridge::mapping::{Condition, Method, Op, Rule, Step};
    let mut t = tui::demo().await;
    t.press("4").await;
    enter(&mut t).await;
    t.press("j").await;
    enter(&mut t).await;
    t.press("smart").await;
    enter(&mut t).await;
    // r: a rule, then its condition Brand Equals "Harbor & Pine".
    t.press("r").await;
    t.press("brand").await;
    enter(&mut t).await;
    t.press("equals").await;
    enter(&mut t).await;
    t.press("Harbor & Pine").await;
    enter(&mut t).await;
    // The rule's result: Transform It (Name kept from the default) with Upper Case.
    t.press("kh").await;
    enter(&mut t).await;
    t.press("transform").await;
    enter(&mut t).await;
    t.press("a").await;
    t.press("upper").await;
    enter(&mut t).await;
    let nested = t.screen(W, H);
    assert!(nested.contains("Transform It · Title › rule 1"), "{nested}");
    esc(&mut t).await;
    esc(&mut t).await;
    // A custom field set to a constant.
    t.press("a").await;
    t.press("custom field 7").await;
    enter(&mut t).await;
    t.press("set it").await;
    enter(&mut t).await;
    t.press("hello").await;
    enter(&mut t).await;
    // Delete Description after saying yes.
    t.press("gjj").await;
    t.press("d").await;
    assert!(t.screen(W, H).contains("Delete the row for Description?"));
    t.press("y").await;
    t.ctrl('s');
    t.settle().await;
    let screen = t.screen(W, H);
    assert!(screen.contains("✔ saved and valid"), "{screen}");

    let Response::Templates(list) = t.engine.handle(Request::ListTemplates).await else {
        panic!("templates");
    };
    let stored = list
        .iter()
        .find(|x| x.name.ends_with("[Primary]"))
        .expect("primary");
    assert_eq!(
        stored.field("Title").map(|f| f.method.clone()),
        Some(Method::SmartRules {
            rules: vec![Rule {
                join: Default::default(),
                conditions: vec![Condition::new("Brand", Op::Equals, "Harbor & Pine")],
                then: Box::new(Method::transform("Name", vec![Step::Upper])),
            }],
            default: Box::new(Method::match_it("Name")),
        })
    );
    assert_eq!(
        stored.field("Custom Field 7").map(|f| f.method.clone()),
        Some(Method::set_it("hello"))
    );
    assert!(stored.field("Description").is_none());
}

/// The sample behind the preview, for each integration, survives the daemon's JSON.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sample_records_come_from_the_pool_store_or_an_example() {
    use lsbridge::mapping::Integration;
    let mut t = tui::demo().await;
    let ask = |i: Integration| Request::SampleRecord {
        source: "harbor".into(),
        integration: i,
    };
    let origin = |r: &Response| match r {
        Response::Record(s) => s.origin.clone(),
        other => panic!("{other:?}"),
    };
    // Empty pool: Primary reads a stocked product from the store, Secondary an example.
    let primary = t.engine.handle(ask(Integration::Primary)).await;
    assert!(origin(&primary).ends_with("from the store"), "{primary:?}");
    let secondary = t.engine.handle(ask(Integration::Secondary)).await;
    assert!(
        origin(&secondary).starts_with("built-in example"),
        "{secondary:?}"
    );
    t.press("5r").await;
    for i in Integration::ALL {
        let r = t.engine.handle(ask(i)).await;
        let wire = serde_json::to_string(&r).expect("json");
        let back: Response = serde_json::from_str(&wire).expect("back");
        assert_eq!(back, r);
        let req = serde_json::to_string(&ask(i)).expect("json");
        assert_eq!(serde_json::from_str::<Request>(&req).ok(), Some(ask(i)));
        let o = origin(&r);
        match i {
            Integration::Primary => assert!(o.ends_with("from the pool"), "{o}"),
            Integration::Secondary => assert!(o.starts_with("inventory of"), "{o}"),
            Integration::SendFrs => assert!(o.contains("no FRs yet"), "{o}"),
        }
    }
    // With FRs imported, Send FRs previews the first FR's first line.
    let path = t.store.dir().join("sample-frs.json");
    let imported = t
        .engine
        .handle(Request::ImportFrs {
            source: "harbor".into(),
            path: path.to_string_lossy().into_owned(),
        })
        .await;
    assert!(matches!(imported, Response::Message(_)), "{imported:?}");
    let send = t.engine.handle(ask(Integration::SendFrs)).await;
    assert!(
        origin(&send).starts_with("FR ") && origin(&send).ends_with("line 1"),
        "{send:?}"
    );
    let missing = t
        .engine
        .handle(Request::SampleRecord {
            source: "nope".into(),
            integration: Integration::Primary,
        })
        .await;
    assert!(matches!(missing, Response::Error(_)), "{missing:?}");
}
