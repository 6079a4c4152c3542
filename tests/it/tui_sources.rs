//! The Sources and Connections panes: the list, the source wizard (every step of the seed's
//! wizard), the connection form with its masked token, Test Connection inline, and the
//! whole first-run flow by keys alone, against the simulator.

use crate::snap;
use crate::support::simkit;
use crate::support::tui::Tui;
use crossterm::event::KeyCode;
use lsbridge::sim::{SimHandle, StoreSpec};

const W: u16 = 100;
const H: u16 = 30;

/// The wizard's steps, in order (snapshot names).
const STEPS: [&str; 8] = [
    "1_source",
    "2_order_processing",
    "3_shipping",
    "4_ship_from",
    "5_connection",
    "6_primary",
    "7_secondary",
    "8_send_frs",
];

async fn key(t: &mut Tui, code: KeyCode) {
    t.key(code);
    t.settle().await;
}

async fn keys(t: &mut Tui, codes: &[KeyCode]) {
    for c in codes {
        t.key(*c);
    }
    t.settle().await;
}

async fn ctrl(t: &mut Tui, c: char) {
    t.ctrl(c);
    t.settle().await;
}

fn screen(t: &mut Tui) -> String {
    t.screen(W, H)
}

/// Ids of the first register, user and tax of the simulator's store.
fn sim_ids(sim: &SimHandle) -> (String, String, String) {
    sim.with_store(|s, _| {
        let first = |t: &lsbridge::sim::table::Table<serde_json::Value>| {
            t.iter()
                .find(|v| v.get("deleted_at").is_none_or(|d| d.is_null()))
                .and_then(|v| v.get("id").and_then(|i| i.as_str()).map(str::to_string))
                .expect("an id")
        };
        (first(&s.registers), first(&s.users), first(&s.taxes))
    })
}

/// From the Connections pane: `a`, then the five fields, then Ctrl-s.
async fn add_connection(t: &mut Tui, name: &str, prefix: &str, token: &str, root: &str) {
    t.press("a").await;
    t.keys(name);
    t.key(KeyCode::Tab);
    t.keys(prefix);
    t.key(KeyCode::Tab);
    t.keys(token);
    t.key(KeyCode::Tab);
    t.keys(root);
    ctrl(t, 's').await;
}

// ---------------------------------------------------------------- Sources: list

#[tokio::test(flavor = "multi_thread")]
async fn sources_list_demo() {
    let mut t = crate::support::tui::demo().await;
    snap!("sources_list_demo", screen(&mut t));
}

#[tokio::test(flavor = "multi_thread")]
async fn sources_list_empty() {
    let mut t = crate::support::tui::empty().await;
    let s = screen(&mut t);
    assert!(s.contains("Press a to add one"), "{s}");
    snap!("sources_list_empty", s);
}

// ---------------------------------------------------------------- Sources: wizard

#[tokio::test(flavor = "multi_thread")]
async fn wizard_every_step_with_defaults() {
    let mut t = crate::support::tui::demo().await;
    t.press("a").await;
    for (i, name) in STEPS.iter().enumerate() {
        let s = screen(&mut t);
        assert!(s.contains(&format!("Step {} of 8", i + 1)), "{s}");
        snap!(format!("wizard_step_{name}"), s);
        key(&mut t, KeyCode::PageDown).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn wizard_is_reachable_with_no_sources_and_no_connections() {
    let mut t = crate::support::tui::empty().await;
    t.press("a").await;
    let s = screen(&mut t);
    assert!(s.contains("Add source"), "{s}");
    // Connection step: says where connections are added.
    keys(&mut t, &[KeyCode::PageDown; 4]).await;
    snap!("wizard_connection_step_without_connections", screen(&mut t));
}

#[tokio::test(flavor = "multi_thread")]
async fn wizard_validation_error_name_required() {
    let mut t = crate::support::tui::empty().await;
    t.press("a").await;
    key(&mut t, KeyCode::Enter).await;
    let s = screen(&mut t);
    assert!(s.contains("A source needs a name."), "{s}");
    assert!(
        s.contains("Step 1 of 8"),
        "Enter must not leave a step with errors: {s}"
    );
    snap!("wizard_error_name_required", s);
}

#[tokio::test(flavor = "multi_thread")]
async fn wizard_validation_errors_at_their_fields_on_save() {
    let mut t = crate::support::tui::empty().await;
    t.press("a").await;
    t.keys("north");
    // Send FRs: a bad id, bad hold hours, bad business hours, bad schedule.
    keys(&mut t, &[KeyCode::PageDown; 7]).await;
    t.key(KeyCode::Tab);
    t.keys("not an id");
    keys(&mut t, &[KeyCode::Tab; 4]).await;
    t.key(KeyCode::End);
    t.keys("x");
    t.key(KeyCode::Tab);
    t.keys("mon-fri 09:00-17:00 America/New_Yrok");
    t.key(KeyCode::Tab);
    t.keys("every 0m");
    ctrl(&mut t, 's').await;
    let s = screen(&mut t);
    assert!(s.contains("not a known time zone"), "{s}");
    assert!(s.contains("Not a Lightspeed id"), "{s}");
    assert!(s.contains("Fix the marked fields first."), "{s}");
    snap!("wizard_error_send_frs_fields", s);
    // Nothing was saved.
    assert!(t.driver.app.shared.sources.is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn wizard_shows_the_engines_message_for_a_clashing_name() {
    let mut t = crate::support::tui::demo().await;
    t.press("a").await;
    t.keys("harbor");
    ctrl(&mut t, 's').await;
    let s = screen(&mut t);
    assert!(s.contains("already exists"), "{s}");
    snap!("wizard_error_name_clash", s);
    assert_eq!(t.driver.app.shared.sources.len(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn wizard_esc_asks_before_discarding_and_never_destroys_input() {
    let mut t = crate::support::tui::empty().await;
    t.press("a").await;
    // Untouched: Esc just closes.
    key(&mut t, KeyCode::Esc).await;
    assert!(screen(&mut t).contains("No sources yet"));
    t.press("a").await;
    t.keys("keep me");
    key(&mut t, KeyCode::Esc).await;
    let s = screen(&mut t);
    assert!(s.contains("Discard the changes"), "{s}");
    snap!("wizard_discard_confirm", s);
    // No: back in the wizard with the text.
    t.press("n").await;
    assert!(screen(&mut t).contains("keep me"));
    key(&mut t, KeyCode::Esc).await;
    t.press("y").await;
    let s = screen(&mut t);
    assert!(s.contains("No sources yet"), "{s}");
    assert!(t.driver.app.shared.sources.is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn wizard_edits_every_kind_of_field_and_keeps_it() {
    let mut t = crate::support::tui::demo().await;
    t.press("e").await;
    // Step 1: type Internal Warehouse (Right on the type), fulfills orders stays.
    t.key(KeyCode::Tab);
    key(&mut t, KeyCode::Right).await;
    // Step 3: rules, one method.
    keys(&mut t, &[KeyCode::PageDown, KeyCode::PageDown]).await;
    t.press(" ").await;
    t.key(KeyCode::Tab);
    t.keys("Ground, UPS, GND; Pickup");
    // Step 4: address.
    key(&mut t, KeyCode::PageDown).await;
    t.keys("1 Harbor St");
    t.key(KeyCode::Tab);
    t.keys("Portland");
    // Step 6: Primary schedule, one outlet.
    keys(&mut t, &[KeyCode::PageDown, KeyCode::PageDown]).await;
    keys(
        &mut t,
        &[KeyCode::Tab, KeyCode::Tab, KeyCode::Right, KeyCode::Tab],
    )
    .await;
    // An outlet the store has: the engine checks it against the store when saved.
    t.keys("8ed0bab8-e4b0-510f-8898-f79d5cf53fb9");
    keys(&mut t, &[KeyCode::Tab, KeyCode::Tab]).await;
    t.keys("every 15m");
    // Step 8: business hours.
    keys(&mut t, &[KeyCode::PageDown, KeyCode::PageDown]).await;
    keys(&mut t, &[KeyCode::Tab; 6]).await;
    t.keys("mon-fri 09:00-17:00 America/New_York");
    ctrl(&mut t, 's').await;
    let s = screen(&mut t);
    assert!(s.contains("source harbor saved"), "{s}");
    snap!("sources_list_after_edit", s);
    let src = t.driver.app.shared.sources[0].clone();
    assert_eq!(
        src.source_type,
        lsbridge::source::SourceType::InternalWarehouse
    );
    assert_eq!(
        src.shipping_estimation,
        lsbridge::source::ShippingEstimation::Rules
    );
    assert_eq!(src.shipping_methods.len(), 2);
    assert_eq!(src.shipping_methods[0].carrier.as_deref(), Some("UPS"));
    assert_eq!(src.ship_from.city, "Portland");
    assert_eq!(
        src.primary.quantity_from,
        lsbridge::source::QuantityFrom::Outlet("8ed0bab8-e4b0-510f-8898-f79d5cf53fb9".into())
    );
    assert_eq!(
        src.primary.schedule,
        Some(lsbridge::source::Schedule::EveryMinutes(15))
    );
    let hours = src.send_frs.business_hours.expect("hours");
    assert_eq!(hours.time_zone, "America/New_York");
    // The ids the demo set are kept.
    assert!(src.send_frs.register_id.is_some());
    // Editing again shows what was saved.
    t.press("e").await;
    keys(&mut t, &[KeyCode::PageDown; 7]).await;
    let s = screen(&mut t);
    assert!(s.contains("mon-fri 09:00-17:00 America/New_York"), "{s}");
}

#[tokio::test(flavor = "multi_thread")]
async fn wizard_sets_commit_stock_its_release_point_and_not_stock_items() {
    let mut t = crate::support::tui::demo().await;
    t.press("e").await;
    // Step 2: Commit Stock yes, released when the sale is created.
    key(&mut t, KeyCode::PageDown).await;
    keys(
        &mut t,
        &[KeyCode::Tab, KeyCode::Left, KeyCode::Tab, KeyCode::Left],
    )
    .await;
    let s = screen(&mut t);
    assert!(s.contains("stock out when a sale is created"), "{s}");
    // Step 6: import not-stock items.
    keys(&mut t, &[KeyCode::PageDown; 4]).await;
    keys(&mut t, &[KeyCode::Tab; 6]).await;
    key(&mut t, KeyCode::Left).await;
    ctrl(&mut t, 's').await;
    let s = screen(&mut t);
    assert!(s.contains("source harbor saved"), "{s}");
    let src = t.driver.app.shared.sources[0].clone();
    assert!(src.commit_stock);
    assert_eq!(
        src.commit_release,
        lsbridge::source::CommitRelease::SaleCreated
    );
    assert!(src.primary.include_not_stock);
}

#[tokio::test(flavor = "multi_thread")]
async fn wizard_survives_every_key() {
    let mut t = crate::support::tui::demo().await;
    t.press("a").await;
    let specials = [
        KeyCode::Up,
        KeyCode::Down,
        KeyCode::Left,
        KeyCode::Right,
        KeyCode::Home,
        KeyCode::End,
        KeyCode::PageUp,
        KeyCode::PageDown,
        KeyCode::Backspace,
        KeyCode::Delete,
        KeyCode::Tab,
        KeyCode::BackTab,
        KeyCode::Insert,
        KeyCode::F(5),
    ];
    for round in 0..40 {
        for (i, k) in specials.iter().enumerate() {
            if (round + i) % 3 == 0 {
                t.key(*k);
            }
        }
        t.keys("é 1/;,\u{7f}x");
        for c in ['a', 'e', 'u', 'k', 'w', 'h', 'd', 'm', 'j', 'y', 'v'] {
            t.ctrl(c);
        }
        for (w, h) in [(100, 30), (60, 15), (200, 50)] {
            let _ = t.screen(w, h);
        }
    }
    t.settle().await;
    assert!(screen(&mut t).contains("source"));
}

// ---------------------------------------------------------------- Connections

#[tokio::test(flavor = "multi_thread")]
async fn connections_list_demo_tested() {
    let mut t = crate::support::tui::demo().await;
    t.press("2").await;
    t.press("t").await;
    let s = screen(&mut t);
    assert!(s.contains("✔ Harbor & Pine Outfitters"), "{s}");
    snap!("connections_list_demo", s);
}

#[tokio::test(flavor = "multi_thread")]
async fn connections_list_empty() {
    let mut t = crate::support::tui::empty().await;
    t.press("2").await;
    snap!("connections_list_empty", screen(&mut t));
}

#[tokio::test(flavor = "multi_thread")]
async fn connections_failed_test_shows_the_reason_inline() {
    let mut t = crate::support::tui::demo().await;
    let origin = t.sim.as_ref().expect("sim").origin();
    t.press("2").await;
    add_connection(&mut t, "bad", "harborpine", "wrong-token", &origin).await;
    // The new connection is selected.
    t.press("t").await;
    let s = screen(&mut t);
    assert!(s.contains("✘"), "{s}");
    snap!("connections_failed_test", s);
}

#[tokio::test(flavor = "multi_thread")]
async fn connections_failed_test_when_the_store_is_down() {
    let mut t = crate::support::tui::demo().await;
    if let Some(sim) = t.sim.take() {
        sim.stop().await;
    }
    t.press("2").await;
    t.press("t").await;
    let s = screen(&mut t);
    assert!(s.contains("✘"), "{s}");
    assert!(!s.contains("✔"), "{s}");
}

#[tokio::test(flavor = "multi_thread")]
async fn connection_form_empty_and_half_filled() {
    let mut t = crate::support::tui::empty().await;
    t.press("2a").await;
    snap!("connection_form_empty", screen(&mut t));
    t.keys("main store");
    t.key(KeyCode::Tab);
    t.keys("mystore");
    t.key(KeyCode::Tab);
    t.keys("lsxs_pt_s3cr3t");
    t.settle().await;
    let s = screen(&mut t);
    assert!(s.contains("••••••••••••••"), "{s}");
    assert!(!s.contains("s3cr3t"), "{s}");
    snap!("connection_form_half_filled", s);
}

#[tokio::test(flavor = "multi_thread")]
async fn connection_form_errors_at_their_fields() {
    let mut t = crate::support::tui::empty().await;
    t.press("2a").await;
    ctrl(&mut t, 's').await;
    let s = screen(&mut t);
    assert!(s.contains("A connection needs a name."), "{s}");
    assert!(s.contains("Paste the personal token"), "{s}");
    // The engine's refusal (a bad API root) lands at the API root field.
    t.keys("x");
    t.key(KeyCode::Tab);
    t.keys("mystore");
    t.key(KeyCode::Tab);
    t.keys("tok");
    t.key(KeyCode::Tab);
    t.keys("http://example.com");
    ctrl(&mut t, 's').await;
    let s = screen(&mut t);
    assert!(s.contains("plain http is only allowed to loopback"), "{s}");
    snap!("connection_form_engine_error", s);
}

/// The token is typed, moved past, refused, saved, listed and tested: it is never drawn.
#[tokio::test(flavor = "multi_thread")]
async fn the_token_never_appears_on_screen() {
    const TOKEN: &str = "sekrit-Token-9f8e7d";
    let mut t = crate::support::tui::demo().await;
    let origin = t.sim.as_ref().expect("sim").origin();
    let mut screens = Vec::new();
    t.press("2a").await;
    t.keys("leak");
    t.key(KeyCode::Tab);
    t.keys("harborpine");
    t.key(KeyCode::Tab);
    for c in TOKEN.chars() {
        t.keys(&c.to_string());
        screens.push(screen(&mut t));
    }
    // Cursor moves inside the field, then away from it.
    keys(&mut t, &[KeyCode::Home, KeyCode::Right]).await;
    screens.push(screen(&mut t));
    key(&mut t, KeyCode::Tab).await;
    screens.push(screen(&mut t));
    t.keys("http://example.com");
    ctrl(&mut t, 's').await;
    screens.push(screen(&mut t));
    for _ in 0.."http://example.com".len() {
        t.key(KeyCode::Backspace);
    }
    t.keys(&origin);
    ctrl(&mut t, 's').await;
    screens.push(screen(&mut t));
    t.press("t").await;
    screens.push(screen(&mut t));
    for (w, h) in [(60, 15), (200, 50)] {
        screens.push(t.screen(w, h));
    }
    for s in &screens {
        assert!(!s.contains(TOKEN), "token on screen:\n{s}");
        assert!(!s.contains("sekrit"), "part of the token on screen:\n{s}");
        assert!(!s.contains("9f8e7d"), "part of the token on screen:\n{s}");
    }
    assert!(screens.iter().any(|s| s.contains("leak")));
}

/// Issue 14, Connections: rotate a connection's token by keys alone. The change is tested
/// before it is saved: a token the store refuses saves nothing (the "save anyway" question
/// is answered No); the new token is tested, saved, and the pane shows that test's time and
/// what it found. No token is ever drawn.
#[tokio::test(flavor = "multi_thread")]
async fn rotate_a_connections_token_tested_before_saving() {
    const NEW: &str = "lsxs_pt_R0tat3dT0kenAa1Bb2Cc3Dd4Ee5Ff6Gg7";
    const REFUSED: &str = "lsxs_pt_RefusedT0kenZz9Yy8Xx7Ww6Vv5Uu4Tt3";
    let mut cfg = simkit::config(StoreSpec::Demo);
    cfg.tokens.push(lsbridge::sim::TokenSpec {
        token: NEW.into(),
        scopes: None,
    });
    let mut t = crate::support::tui::demo_with(cfg).await;
    let stored = |t: &Tui| {
        lsbridge::connections::Connections::open(&t.store)
            .unwrap()
            .get("demo")
            .unwrap()
    };
    let before = stored(&t).token.reveal().unwrap();
    let mut screens = Vec::new();
    t.press("2").await;
    t.press("e").await;
    let s = screen(&mut t);
    assert!(
        s.contains("Edit connection demo") && s.contains("leave empty to keep the current token"),
        "{s}"
    );
    // Name and prefix stay as they are; on to the token.
    keys(&mut t, &[KeyCode::Tab, KeyCode::Tab]).await;
    t.keys(REFUSED);
    ctrl(&mut t, 's').await;
    let s = screen(&mut t);
    assert!(
        s.contains("┌ Confirm")
            && s.contains("rejected the personal token")
            && s.contains("anyway?"),
        "{s}"
    );
    screens.push(s);
    t.press("n").await;
    let s = screen(&mut t);
    assert!(
        s.contains("not saved: Test Connection of the change failed"),
        "{s}"
    );
    screens.push(s);
    assert_eq!(
        stored(&t).token.reveal().unwrap(),
        before,
        "a token that failed its test is not saved"
    );

    // The new token: tested, then saved.
    for _ in 0..REFUSED.len() {
        t.key(KeyCode::Backspace);
    }
    t.keys(NEW);
    ctrl(&mut t, 's').await;
    let s = screen(&mut t);
    assert!(
        s.contains("connection demo saved; tested: connected to Harbor"),
        "{s}"
    );
    let c = stored(&t);
    assert_eq!(c.token.reveal().unwrap(), NEW);
    let last = c.last_test.expect("the test of the change is recorded");
    assert!(last.ok, "{last:?}");
    let report = last.report.expect("what the test found");
    assert_eq!((report.outlets, report.registers), (Some(3), Some(2)));
    // The pane: the last test's time and result, and what it found.
    let when = format!(
        "{} UTC",
        last.at.trim_end_matches("+00:00").replacen('T', " ", 1)
    );
    assert!(
        s.contains(&format!(
            "last Test Connection {when} ✔ Harbor & Pine Outfitters"
        )),
        "{s}"
    );
    assert!(
        s.contains("found outlets 3 · registers 2 · rate limit not reported · scopes "),
        "{s}"
    );
    screens.push(s);
    for s in &screens {
        assert!(
            !s.contains(NEW) && !s.contains(REFUSED),
            "token on screen:\n{s}"
        );
    }
}

// ---------------------------------------------------------------- The flow

/// From nothing: a connection to the simulator, Test Connection, a source through the
/// wizard on that connection, and the Integrations page; then the Send FRs ids by editing
/// the source.
#[tokio::test(flavor = "multi_thread")]
async fn first_run_connection_source_and_integrations_by_keys() {
    let sim = SimHandle::start(simkit::config(StoreSpec::Demo))
        .await
        .expect("sim");
    let (register, user, tax) = sim_ids(&sim);
    let mut t = crate::support::tui::empty().await;

    // Connection to the simulator, then Test Connection.
    t.press("2").await;
    add_connection(&mut t, "sim", "harborpine", simkit::TOKEN, &sim.origin()).await;
    let s = screen(&mut t);
    assert!(s.contains("connection sim saved"), "{s}");
    assert!(s.contains("press t to Test Connection"), "{s}");
    t.press("t").await;
    let s = screen(&mut t);
    assert!(s.contains("✔ Harbor & Pine Outfitters"), "{s}");

    // A source through the wizard, step by step with Enter.
    t.press("1a").await;
    t.keys("outfitters");
    key(&mut t, KeyCode::Enter).await; // -> order processing
    key(&mut t, KeyCode::Enter).await; // -> shipping
    key(&mut t, KeyCode::Enter).await; // -> ship from
    t.keys("1 Harbor St");
    key(&mut t, KeyCode::Enter).await; // -> connection
    let s = screen(&mut t);
    assert!(s.contains("● sim"), "the new connection is picked: {s}");
    assert!(s.contains("passed its last Test Connection"), "{s}");
    for _ in 0..3 {
        key(&mut t, KeyCode::Enter).await; // primary, secondary, send FRs
    }
    assert!(screen(&mut t).contains("Step 8 of 8"));
    key(&mut t, KeyCode::Enter).await; // saves
    let s = screen(&mut t);
    assert!(s.contains("source outfitters added"), "{s}");
    assert_eq!(t.driver.app.shared.source.as_deref(), Some("outfitters"));

    // Integrations: Primary and Secondary ready; Send FRs not configured.
    t.press("3").await;
    let s = screen(&mut t);
    assert!(s.contains("Register ID, User ID, Tax ID not set"), "{s}");
    assert_eq!(s.matches("✔ Connected").count(), 3, "{s}");
    assert_eq!(s.matches("✔ Mapped").count(), 3, "{s}");
    assert_eq!(s.matches("✔ Configured").count(), 2, "{s}");
    snap!("integrations_after_wizard", s);

    // Set the ids by editing the source.
    t.press("1e").await;
    keys(&mut t, &[KeyCode::PageDown; 7]).await;
    t.key(KeyCode::Tab);
    t.keys(&register);
    t.key(KeyCode::Tab);
    t.keys(&user);
    t.key(KeyCode::Tab);
    t.keys(&tax);
    ctrl(&mut t, 's').await;
    assert!(screen(&mut t).contains("source outfitters saved"));
    t.press("3").await;
    let s = screen(&mut t);
    assert_eq!(s.matches("✔ Configured").count(), 3, "{s}");
    assert!(!s.contains("✘"), "{s}");
    sim.stop().await;
}
