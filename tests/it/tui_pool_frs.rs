//! The Pool and FRs panes by key events alone against an in-process engine and the demo
//! simulator: snapshots of every state (empty, loaded, filtered, detail, popups), and the
//! tour's last steps: import the sample FRs, send them, see the counts.

use crate::snap;
use crate::support::tui;
use crossterm::event::KeyCode;

const W: u16 = 120;
const H: u16 = 34;

/// The demo store's variant the detail tests change.
const SKU: &str = "SF-FUEL-230";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pool_empty_states_say_what_to_do() {
    let mut t = tui::empty().await;
    t.press("7").await;
    let screen = t.screen(W, H);
    assert!(screen.contains("Sources (1)"), "{screen}");
    snap!("pool_no_source", screen);

    let mut t = tui::demo().await;
    t.press("7").await;
    let screen = t.screen(W, H);
    assert!(
        screen.contains("Run Get Inventory (Primary) in Jobs (5)"),
        "{screen}"
    );
    snap!("pool_empty", screen);
    // Keys on an empty pool do nothing harmful.
    t.keys("jkGgAAA");
    t.key(KeyCode::Enter);
    t.key(KeyCode::PageDown);
    t.key(KeyCode::Esc);
    t.settle().await;
    assert!(t.screen(W, H).contains("is empty"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pool_shows_quantity_committed_and_available_with_commit_stock() {
    use lsbridge::engine::{Request, Response};
    let mut t = tui::demo().await;
    t.press("5r").await;
    let sources = lsbridge::source::Sources::open(&t.store).unwrap();
    let mut s = sources.by_name("harbor").unwrap();
    s.commit_stock = true;
    sources.save(&s).unwrap();
    let fr = format!(
        r#"[{{"number": "K-1", "items": [{{"sku": "{SKU}", "quantity": 5, "unit_price": 8}}]}}]"#
    );
    let r = lsbridge::frs::import_bytes(
        &t.store,
        &s,
        "k.json",
        fr.as_bytes(),
        None,
        std::time::SystemTime::now(),
    )
    .unwrap();
    assert_eq!(r.imported, 1);
    let Response::Pool(items) = t
        .engine
        .handle(Request::PoolPage {
            source: "harbor".into(),
            offset: 0,
            limit: 10,
            filter: Some(SKU.into()),
            archived: None,
            sort: Default::default(),
            descending: false,
        })
        .await
    else {
        panic!("pool page");
    };
    let item = &items[0];
    let q = item.quantity().unwrap();
    assert_eq!((item.committed, item.available()), (5.0, Some(q - 5.0)));
    // The pane shows the three side by side.
    t.press("7").await;
    t.press("/").await;
    t.keys(SKU);
    t.key(KeyCode::Enter);
    t.settle().await;
    let screen = t.screen(W, H);
    let row = screen
        .lines()
        .find(|l| l.starts_with(&format!("│{SKU} ")))
        .unwrap_or_else(|| panic!("{screen}"));
    let cells: Vec<&str> = row.split_whitespace().collect();
    let (qs, a) = (q.to_string(), (q - 5.0).to_string());
    assert!(
        cells
            .windows(3)
            .any(|w| w == [qs.as_str(), "5", a.as_str()]),
        "{row}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pool_browse_filter_archived_and_detail_with_history() {
    let mut t = tui::demo().await;
    t.press("5r").await;
    t.press("7").await;
    let screen = t.screen(W, H);
    assert!(screen.contains("323 items"), "{screen}");
    snap!("pool_normal", screen);

    // Scrolling reaches every row (windows are fetched as needed).
    t.press("G").await;
    let bottom = t.screen(W, H);
    assert!(bottom.contains("row 323 of 323"), "{bottom}");
    t.key(KeyCode::PageUp);
    t.press("g").await;
    assert!(t.screen(W, H).contains("row 1 of 323"));

    // Filter by SKU or title, as you type: the list narrows before Enter.
    t.press("/").await;
    t.keys("fuel");
    t.settle().await;
    let typing = t.screen(W, H);
    assert!(
        typing.contains("matching \"fuel\"") && !typing.contains("323 items"),
        "{typing}"
    );
    snap!("pool_filter_typing", typing);
    t.key(KeyCode::Enter);
    t.settle().await;
    let filtered = t.screen(W, H);
    assert!(filtered.contains("matching \"fuel\""), "{filtered}");
    assert!(filtered.contains(SKU), "{filtered}");
    snap!("pool_filtered", filtered);
    t.key(KeyCode::Esc);
    t.settle().await;
    assert!(t.screen(W, H).contains("323 items"));

    // Archive five products in the store; Primary archives them in the pool.
    let sim = t.sim.as_ref().expect("sim");
    let gone: Vec<String> = sim.with_store(|s, _| {
        s.products
            .iter()
            .filter(|p| p.deleted_at.is_none() && !p.has_variants && p.sku != SKU)
            // Stock items: the pool has no others.
            .filter(|p| p.has_inventory)
            .take(5)
            .map(|p| p.id.clone())
            .collect()
    });
    // And change the price of one, for the detail's history.
    sim.with_store(|s, rng| {
        for id in &gone {
            assert!(s.delete(id, rng));
        }
        let id = s
            .products
            .iter()
            .find(|p| p.sku == SKU)
            .map(|p| p.id.clone())
            .expect("demo product");
        assert!(s.set_price(&id, 8.49, rng));
    });
    t.press("5r").await;
    t.press("7").await;
    t.press("A").await;
    let archived = t.screen(W, H);
    assert!(archived.contains("only archived"), "{archived}");
    assert!(archived.contains("5 items"), "{archived}");
    snap!("pool_archived_only", archived);
    t.press("A").await;
    let hidden = t.screen(W, H);
    assert!(hidden.contains("archived hidden"), "{hidden}");
    assert!(hidden.contains("318 items"), "{hidden}");
    t.press("A").await;
    assert!(t.screen(W, H).contains("323 items"));

    // The changed variant's detail shows its history.
    t.press("/").await;
    t.keys(SKU);
    t.key(KeyCode::Enter);
    t.settle().await;
    t.key(KeyCode::Enter);
    let detail = t.screen(W, H);
    assert!(detail.contains(&format!("Variant {SKU}")), "{detail}");
    assert!(detail.contains("MSRP"), "{detail}");
    assert!(detail.contains("→"), "{detail}");
    snap!("pool_detail_history", detail);
    t.keys("G");
    let _ = t.screen(W, H);
    t.key(KeyCode::Esc);
    assert!(t.screen(W, H).contains("matching"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn frs_empty_states_say_what_to_do() {
    let mut t = tui::empty().await;
    t.press("8").await;
    let screen = t.screen(W, H);
    assert!(screen.contains("Sources (1)"), "{screen}");
    snap!("frs_no_source", screen);
    t.keys("RLxri");
    t.key(KeyCode::Enter);
    t.key(KeyCode::Right);
    t.settle().await;
    let _ = t.screen(W, H);

    let mut t = tui::demo().await;
    t.press("8").await;
    let screen = t.screen(W, H);
    assert!(screen.contains("Press i to import"), "{screen}");
    snap!("frs_empty", screen);
}

/// The tour's end by keys alone: import the sample file through the prompt, send, see the
/// counts, open one, and the Additional Info Required and cancel paths.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn frs_import_send_detail_and_cancel_by_keys() {
    let mut t = tui::demo().await;
    t.press("8").await;
    t.press("i").await;
    t.keys("fixtures/frs/sample.json");
    let prompt = t.screen(W, H);
    assert!(
        prompt.contains("path: fixtures/frs/sample.json"),
        "{prompt}"
    );
    snap!("frs_import_prompt", prompt);
    t.key(KeyCode::Enter);
    t.settle().await;
    let imported = t.screen(W, H);
    assert!(imported.contains("imported 5"), "{imported}");
    assert!(imported.contains("Processing 5"), "{imported}");
    snap!("frs_imported", imported);

    // Send now: every one Processed, with its invoice number.
    t.press("r").await;
    let sent = t.screen(W, H);
    assert!(sent.contains("Processed 5"), "{sent}");
    assert!(!sent.contains("Processing 1"), "{sent}");
    snap!("frs_sent", sent);

    // The detail: every field and the timeline.
    t.key(KeyCode::Enter);
    t.settle().await;
    let detail = t.screen(W, H);
    assert!(detail.contains("Timeline"), "{detail}");
    assert!(detail.contains("imported"), "{detail}");
    assert!(detail.contains("DW-R2P"), "{detail}");
    snap!("frs_detail", detail);
    t.press("G").await;
    let end = t.screen(W, H);
    assert!(end.contains("418 Larkspur Lane"), "{end}");
    snap!("frs_detail_addresses", end);
    // A Processed FR cannot be canceled: said at once, no question.
    t.press("x").await;
    assert!(t.driver.app.popup().is_none());
    assert!(t.screen(W, H).contains("void its sale in Lightspeed"));
    t.key(KeyCode::Esc);

    // An FR with an SKU the store does not know needs info.
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("unknown.json");
    std::fs::write(
        &path,
        r#"[{"number": "WEB-20001", "payment_method": "Credit Card",
             "shipping": {"first_name": "Ada", "last_name": "Quill", "address_line_1": "1 Pier St",
                          "city": "Portland", "state": "ME", "postal_code": "04101", "country_code": "US"},
             "items": [{"sku": "NO-SUCH-SKU", "quantity": 1, "unit_price": 10.0}]}]"#,
    )
    .expect("write");
    t.press("i").await;
    t.keys(&path.display().to_string());
    t.key(KeyCode::Enter);
    t.settle().await;
    t.press("r").await;
    // → to Additional Info Required (7 stops right of All).
    for _ in 0..7 {
        t.key(KeyCode::Right);
    }
    t.settle().await;
    let air = t.screen(W, H);
    assert!(air.contains("WEB-20001"), "{air}");
    assert!(air.contains("NO-SUCH-SKU"), "{air}");
    snap!("frs_additional_info_required", air);

    // Cancel asks first; n keeps it, y cancels.
    t.press("x").await;
    let confirm = t.screen(W, H);
    assert!(confirm.contains("Cancel FR WEB-20001?"), "{confirm}");
    snap!("frs_cancel_confirm", confirm);
    t.keys("n");
    t.settle().await;
    assert!(t.screen(W, H).contains("Additional Info Required"));
    // Enter is No: the FR stays as it was.
    t.press("x").await;
    t.key(KeyCode::Enter);
    t.settle().await;
    assert!(t.driver.app.popup().is_none());
    assert!(!t.screen(W, H).contains("Canceled 1"));
    t.press("x").await;
    t.keys("y");
    t.settle().await;
    let after = t.screen(W, H);
    assert!(after.contains("Canceled 1"), "{after}");
    assert!(after.contains("FR WEB-20001: canceled"), "{after}");
}

/// `lsbridge demo` names its sample file in the start-up notes; the prompt starts with it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn import_prompt_is_prefilled_with_the_demo_sample() {
    let mut t = tui::demo().await;
    t.driver
        .app
        .shared
        .notes
        .push("demo: data in x; sample FRs: fixtures/frs/sample.json".into());
    t.press("8i").await;
    assert!(t.screen(W, H).contains("path: fixtures/frs/sample.json"));
    t.key(KeyCode::Enter);
    t.settle().await;
    let screen = t.screen(W, H);
    assert!(screen.contains("All 5"), "{screen}");
    // Esc in the prompt cancels without importing.
    t.press("i").await;
    t.key(KeyCode::Esc);
    t.settle().await;
    assert!(t.screen(W, H).contains("All 5"));
}

/// Any key sequence on the two panes, with data loaded, leaves the app running and drawable.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn random_keys_on_pool_and_frs_never_panic() {
    let mut t = tui::demo().await;
    t.press("5r").await;
    t.press("8i").await;
    t.keys("fixtures/frs/sample.json");
    t.key(KeyCode::Enter);
    t.settle().await;
    let keys: Vec<KeyCode> = "78jkgGAAA/xR LXyniEsf?"
        .chars()
        .map(KeyCode::Char)
        .chain([
            KeyCode::Enter,
            KeyCode::Esc,
            KeyCode::Left,
            KeyCode::Right,
            KeyCode::PageUp,
            KeyCode::PageDown,
            KeyCode::Home,
            KeyCode::End,
            KeyCode::Backspace,
            KeyCode::Tab,
            KeyCode::BackTab,
        ])
        .collect();
    let mut seed: u64 = 0x5eed;
    for round in 0..60 {
        for _ in 0..25 {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let k = keys[(seed >> 33) as usize % keys.len()];
            // Leave the two panes only through their own numbers.
            if matches!(k, KeyCode::Tab | KeyCode::BackTab) && t.driver.app.popup().is_none() {
                continue;
            }
            t.key(k);
        }
        t.settle().await;
        let _ = t.screen(W, H);
        let _ = t.screen(60, 15);
        assert!(!t.driver.app.should_quit(), "round {round}");
    }
}
