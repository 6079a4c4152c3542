//! Send FRs against the simulator over loopback: SKU resolution, customers, holds, business
//! hours, backorders, and exactly one sale per FR under commit-then-drop, 5xx and 429 storms.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use lsbridge::clock::{Clock, ManualClock, SharedClock};
use lsbridge::frs::intake::import_bytes;
use lsbridge::frs::{FrStatus, Frs};
use lsbridge::jobs::commit::Commitments;
use lsbridge::jobs::primary::PrimaryOptions;
use lsbridge::jobs::send_frs::{self, SendOptions, SendSummary};
use lsbridge::jobs::Outcome;
use lsbridge::lightspeed::models::SaleRequest;
use lsbridge::mapping::Integration;
use lsbridge::pool::Pool;
use lsbridge::sim::{
    AdjustmentTax, DuplicateSale, Faults, InclusivePricing, SimHandle, StockMoves, StoreSpec,
};
use lsbridge::source::{BusinessHours, CommitRelease, Source, Sources};
use lsbridge::templates::Templates;
use serde_json::{json, Value};

use crate::support::engine::{engine, engine_at, Engine};
use crate::support::lying::{Answer, Asked, LyingStore};
use crate::support::simkit;

const REGISTER: &str = "4372d80f-c820-5aaa-9268-14f03f6f643e";
const USER: &str = "4b8b8288-fe37-584b-b1c8-b60bf9d0b2c9";
const TAX: &str = "26bc762a-15e1-510d-8dce-cfb5f80720f6";
const CARD: &str = "884cf03f-7148-5d83-8465-976ce0a625c0";
const WEB_ORDER: &str = "e377a737-d0ec-5c95-8c86-c06069ba9035";
/// The demo store's shipping service (SKU SHIPPING).
const SHIPPING: &str = "4ccad2cd-c787-548f-aab8-e03644d744b5";
/// The demo retailer's discount_product_id.
const DISCOUNT_PRODUCT: &str = "7ac69e25-8bd2-53cb-bf2e-cfea1875d260";

fn configured(s: &mut Source) {
    s.send_frs.register_id = Some(REGISTER.into());
    s.send_frs.user_id = Some(USER.into());
    s.send_frs.tax_id = Some(TAX.into());
    s.send_frs.shipping_product_id = Some(SHIPPING.into());
    s.allow_backorders = true;
}

/// Item lines of a recorded sale (the shipping product's line left out).
fn item_lines(sale: &Value) -> Vec<Value> {
    sale["line_items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|l| {
            l["product"]["id"] != json!(SHIPPING) && l["product"]["id"] != json!(DISCOUNT_PRODUCT)
        })
        .cloned()
        .collect()
}

async fn sim_with(clock: Option<SharedClock>) -> SimHandle {
    let mut cfg = simkit::config(StoreSpec::Demo);
    if let Some(c) = clock {
        cfg.clock = c;
    }
    SimHandle::start(cfg).await.expect("sim starts")
}

async fn send(e: &Engine, dry_run: bool) -> SendSummary {
    let t = Templates::open(&e.store)
        .unwrap()
        .compiled(e.source.send_frs.template.as_deref(), Integration::SendFrs)
        .unwrap();
    send_frs::run(
        &e.ctx,
        &e.source,
        &t,
        &SendOptions {
            dry_run,
            preview_limit: 10,
        },
    )
    .await
    .expect("send runs")
}

fn import(e: &Engine, body: &Value) {
    let bytes = serde_json::to_vec(body).unwrap();
    let r = import_bytes(
        &e.store,
        &e.source,
        "test.json",
        &bytes,
        None,
        e.ctx.clock.now(),
    )
    .expect("import");
    assert!(r.rejected.is_empty(), "{:?}", r.rejected);
}

fn fr(number: &str, email: &str, items: &[(&str, f64, f64)]) -> Value {
    let addr = json!({
        "first_name": "Ada", "last_name": "Lovelace", "address_line_1": "1 Analytical Way",
        "city": "Ithaca", "state": "NY", "postal_code": "14850", "country": "United States",
        "country_code": "US", "email": email, "phone": "607-555-0100"
    });
    json!({
        "number": number,
        "payment_method": "Credit Card",
        "shipping_method": "UPS Ground",
        "shipping_cost": 9.5,
        "billing": addr, "shipping": addr,
        "items": items.iter().map(|(s, q, p)| json!({"sku": s, "quantity": q, "unit_price": p})).collect::<Vec<_>>()
    })
}

fn sales(sim: &SimHandle) -> Vec<Value> {
    sim.with_store(|s, _| s.sales.iter().cloned().collect())
}

fn status_of(e: &Engine, number: &str) -> FrStatus {
    Frs::open(&e.store)
        .unwrap()
        .get(e.source.id, number)
        .unwrap()
        .expect("fr exists")
        .status
}

#[tokio::test]
async fn sample_file_is_sent_once_with_the_chosen_ids() {
    let sim = sim_with(None).await;
    // PayPal is no payment type in the demo store: those FRs are paid as Web Order.
    let e = engine(&sim, |s| {
        configured(s);
        s.send_frs.payment_type_id = Some(WEB_ORDER.into());
    });
    let bytes = std::fs::read("fixtures/frs/sample.json").unwrap();
    let r = import_bytes(
        &e.store,
        &e.source,
        "sample.json",
        &bytes,
        None,
        e.ctx.clock.now(),
    )
    .unwrap();
    assert_eq!(r.imported, 5);

    let s = send(&e, false).await;
    assert_eq!(s.outcome, Outcome::Ok, "{}", s.message);
    assert_eq!(s.counts.sent, 5);
    let in_store = sales(&sim);
    assert_eq!(in_store.len(), 5);
    let frs = Frs::open(&e.store).unwrap();
    for f in frs.list(Some(e.source.id), None).unwrap() {
        assert_eq!(f.status, FrStatus::Processed, "{}: {}", f.number, f.reason);
        let id = send_frs::sale_id("hp", &f.number);
        assert_eq!(f.sale_id.as_deref(), Some(id.as_str()));
        let sale = in_store
            .iter()
            .find(|s| s["id"] == json!(id))
            .expect("sale with the FR's id");
        assert_eq!(sale["source"]["id"], json!(f.number));
        assert!(f.invoice_number.is_some());
        // Every FR line is sold in full (a line may be split in two to carry its tax to
        // the cent, so quantities are summed per product).
        let lines = item_lines(sale);
        assert!(lines.len() >= f.items.len());
        let sold: f64 = lines.iter().map(|l| l["quantity"].as_f64().unwrap()).sum();
        assert_eq!(sold, f.items.iter().map(|i| i.quantity).sum::<f64>());
        // The shipping method is in the note; the cost is a line of the shipping product.
        assert!(sale["note"].as_str().unwrap_or("").contains("Shipping"));
    }
    // Nothing is due any more: a second run sends nothing.
    let again = send(&e, false).await;
    assert_eq!(again.counts.sent, 0);
    assert_eq!(sales(&sim).len(), 5);
    // Every sale body the client sent validates against the spec's SaleRequest.
    assert!(simkit::assert_conformant(&sim.exchanges()) > 0);
}

#[tokio::test]
async fn customers_are_found_by_email_or_created_once() {
    let sim = sim_with(None).await;
    let e = engine(&sim, configured);
    import(
        &e,
        &json!([
            fr("C-1", "repeat@example.com", &[("HP-MUG", 1.0, 18.0)]),
            fr("C-2", "repeat@example.com", &[("HP-MUG", 2.0, 18.0)]),
            fr("C-3", "other@example.com", &[("HP-MUG", 1.0, 18.0)]),
        ]),
    );
    let before = sim.with_store(|s, _| s.customers.len());
    let s = send(&e, false).await;
    assert_eq!(s.counts.sent, 3, "{}", s.message);
    let after = sim.with_store(|s, _| s.customers.len());
    assert_eq!(after, before + 2, "one new customer per new email");
    let by_fr: HashMap<String, String> = sales(&sim)
        .iter()
        .map(|s| {
            (
                s["source"]["id"].as_str().unwrap().to_string(),
                s["customer_id"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    assert_eq!(by_fr["C-1"], by_fr["C-2"]);
    assert_ne!(by_fr["C-1"], by_fr["C-3"]);

    // An existing store customer is reused, not duplicated.
    let existing_email = sim.with_store(|s, _| {
        s.customers
            .iter()
            .find_map(|c| c["email"].as_str().map(str::to_string))
            .unwrap()
    });
    import(
        &e,
        &json!([fr("C-4", &existing_email, &[("HP-MUG", 1.0, 18.0)])]),
    );
    let n = sim.with_store(|s, _| s.customers.len());
    send(&e, false).await;
    assert_eq!(sim.with_store(|s, _| s.customers.len()), n);
}

#[tokio::test]
async fn unknown_and_inactive_skus_need_info_and_nothing_is_sent() {
    let sim = sim_with(None).await;
    let e = engine(&sim, configured);
    import(
        &e,
        &json!([
            fr(
                "U-1",
                "u@example.com",
                &[("HP-MUG", 1.0, 18.0), ("NO-SUCH-SKU", 1.0, 5.0)]
            ),
            fr("U-2", "u@example.com", &[("CT-PF25", 1.0, 5.0)]),
        ]),
    );
    let s = send(&e, false).await;
    assert_eq!(s.outcome, Outcome::Partial);
    assert_eq!(s.counts.info_required, 2);
    assert!(sales(&sim).is_empty());
    let frs = Frs::open(&e.store).unwrap();
    let u1 = frs.get(e.source.id, "U-1").unwrap().unwrap();
    assert_eq!(u1.status, FrStatus::AdditionalInfoRequired);
    assert!(u1.reason.contains("NO-SUCH-SKU"), "{}", u1.reason);
    let u2 = frs.get(e.source.id, "U-2").unwrap().unwrap();
    assert!(
        u2.reason.contains("CT-PF25") && u2.reason.contains("inactive"),
        "{}",
        u2.reason
    );
    // Retried after the catalog is fixed, it goes out.
    sim.with_store(|s, _| {
        let id = s
            .products
            .iter()
            .find(|p| p.sku == "CT-PF25")
            .unwrap()
            .id
            .clone();
        s.products.update(&id, 1, |p| p.active = true);
    });
    frs.retry(e.source.id, "U-2", e.ctx.clock.now()).unwrap();
    let s = send(&e, false).await;
    assert_eq!(s.counts.sent, 1, "{}", s.message);
    assert_eq!(status_of(&e, "U-2"), FrStatus::Processed);
}

#[tokio::test]
async fn missing_required_fields_and_settings_are_named() {
    let sim = sim_with(None).await;
    let mut e = engine(&sim, |s| {
        configured(s);
        s.send_frs.tax_id = None;
    });
    let t = Templates::open(&e.store)
        .unwrap()
        .compiled(None, Integration::SendFrs)
        .unwrap();
    let err = send_frs::run(&e.ctx, &e.source, &t, &SendOptions::default())
        .await
        .expect_err("refused");
    assert!(err.to_string().contains("Tax ID"), "{err}");

    e.source.send_frs.tax_id = Some(TAX.into());
    let mut bad = fr("R-1", "r@example.com", &[("HP-MUG", 1.0, 18.0)]);
    bad["shipping"]["city"] = json!("");
    bad["shipping"]["postal_code"] = json!("");
    import(&e, &json!([bad]));
    let s = send(&e, false).await;
    assert_eq!(s.counts.info_required, 1);
    let f = Frs::open(&e.store)
        .unwrap()
        .get(e.source.id, "R-1")
        .unwrap()
        .unwrap();
    assert!(f.reason.contains("Customer: Physical City"), "{}", f.reason);
    assert!(
        f.reason.contains("Customer: Physical Postcode"),
        "{}",
        f.reason
    );
    assert!(sales(&sim).is_empty());
}

#[tokio::test]
async fn hold_and_business_hours_follow_the_clock() {
    // Thursday 2026-11-26 20:00 UTC = 15:00 in New York.
    let start = SystemTime::UNIX_EPOCH + Duration::from_secs(1_795_723_200);
    let clock = Arc::new(ManualClock::new(start));
    let shared: SharedClock = clock.clone();
    let sim = sim_with(Some(shared)).await;
    let mut e = engine(&sim, |s| {
        configured(s);
        s.send_frs.hold_hours = 2;
    });
    import(
        &e,
        &json!([fr("H-1", "h@example.com", &[("HP-MUG", 1.0, 18.0)])]),
    );
    let f = Frs::open(&e.store)
        .unwrap()
        .get(e.source.id, "H-1")
        .unwrap()
        .unwrap();
    assert_eq!(
        lsbridge::frs::model::parse_time(&f.earliest_send),
        Some(start + Duration::from_secs(7200))
    );
    // Held: not due yet.
    let s = send(&e, false).await;
    assert_eq!(s.counts.sent, 0);
    assert!(sales(&sim).is_empty());

    // Business hours 09:00-17:00 New York on weekdays; at 22:30 UTC (17:30 NY) it is closed.
    e.source.send_frs.business_hours = Some(BusinessHours {
        weekdays: vec![0, 1, 2, 3, 4],
        start: "09:00".into(),
        end: "17:00".into(),
        time_zone: "America/New_York".into(),
    });
    clock.advance(Duration::from_secs(9000));
    let s = send(&e, false).await;
    assert_eq!(s.counts.held, 1, "{}", s.message);
    assert!(s.message.contains("2026-11-27 14:00 UTC"), "{}", s.message);
    assert!(sales(&sim).is_empty());
    // Friday 09:30 New York: open, sent.
    clock.advance(Duration::from_secs(16 * 3600));
    let s = send(&e, false).await;
    assert_eq!(s.counts.sent, 1, "{}", s.message);
    assert_eq!(sales(&sim).len(), 1);

    // Released early: a held FR goes at once.
    e.source.send_frs.business_hours = None;
    import(
        &e,
        &json!([fr("H-2", "h@example.com", &[("HP-MUG", 1.0, 18.0)])]),
    );
    assert_eq!(send(&e, false).await.counts.sent, 0);
    Frs::open(&e.store)
        .unwrap()
        .release(e.source.id, "H-2", clock.now())
        .unwrap();
    assert_eq!(send(&e, false).await.counts.sent, 1);
}

// ---- Commit Stock -------------------------------------------------------------------------

/// Quantity, Committed and Available of `sku` as the Pool pane and export show them.
fn stock_view(e: &Engine, sku: &str) -> (f64, f64, f64) {
    let source = Sources::open(&e.store).unwrap().by_name("hp").unwrap();
    let commitments = Commitments::load(&e.store, &source).unwrap();
    let mut item = Pool::open(&e.store)
        .unwrap()
        .get(e.source.id, sku)
        .unwrap()
        .expect("in the pool");
    commitments.apply(&mut item);
    (
        item.quantity().unwrap(),
        item.committed,
        item.available().unwrap(),
    )
}

/// The store's own stock of `sku`, summed over outlets.
fn store_stock(sim: &SimHandle, sku: &str) -> f64 {
    sim.with_store(|s, _| {
        let p = s.products.iter().find(|p| p.sku == sku).unwrap().clone();
        s.inventory_of(&p.id)
            .iter()
            .map(|r| r.current_inventory_level)
            .sum()
    })
}

/// The store's staff close (dispatch) the sale: the same sale, state closed.
async fn close_sale(e: &Engine, sim: &SimHandle, id: &str) {
    let raw = sim.with_store(|s, _| s.sale_requests.get(id).cloned().expect("sale"));
    let mut req: SaleRequest = serde_json::from_value(raw).unwrap();
    req.state = "closed".into();
    e.ctx.client.update_sale(id, &req).await.expect("closed");
}

/// FR imported → committed; canceled → released; sent → still committed until a stock read
/// shows the sale, at the release point the source names, with the simulator moving stock at
/// that point. Available stays the same at every step.
async fn commit_stock_cycle(release: CommitRelease, moves: StockMoves) {
    const SKU: &str = "HP-MUG";
    let mut cfg = simkit::config(StoreSpec::Demo);
    cfg.stock_moves = moves;
    let sim = SimHandle::start(cfg).await.expect("sim starts");
    let e = engine(&sim, |s| {
        configured(s);
        s.commit_stock = true;
        s.commit_release = release;
    });
    e.primary(PrimaryOptions::default()).await;
    let q = store_stock(&sim, SKU);
    assert!(q >= 3.0, "{q}");
    assert_eq!(stock_view(&e, SKU), (q, 0.0, q));

    import(
        &e,
        &json!([
            fr("K-1", "k1@example.com", &[(SKU, 2.0, 18.0)]),
            fr("K-2", "k2@example.com", &[(SKU, 1.0, 18.0)]),
        ]),
    );
    assert_eq!(
        stock_view(&e, SKU),
        (q, 3.0, q - 3.0),
        "imported: committed"
    );
    // Commit Stock off: nothing is committed.
    let mut off = e.source.clone();
    off.commit_stock = false;
    assert_eq!(Commitments::load(&e.store, &off).unwrap().of(SKU), 0.0);

    let frs = Frs::open(&e.store).unwrap();
    frs.cancel(e.source.id, "K-2", None, e.ctx.clock.now())
        .unwrap();
    assert_eq!(stock_view(&e, SKU), (q, 2.0, q - 2.0), "canceled: released");

    let s = send(&e, false).await;
    assert_eq!(s.counts.sent, 1, "{}", s.message);
    assert_eq!(status_of(&e, "K-1"), FrStatus::Processed);
    let moved = match moves {
        StockMoves::OnCreate => q - 2.0,
        StockMoves::OnClose => q,
    };
    assert_eq!(store_stock(&sim, SKU), moved);
    // Sent, but no stock read has shown the sale yet: still committed.
    assert_eq!(stock_view(&e, SKU), (q, 2.0, q - 2.0), "sent, not yet read");

    let r = e.primary(PrimaryOptions::default()).await;
    assert_eq!(r.outcome, Outcome::Ok, "{}", r.message);
    match release {
        CommitRelease::SaleCreated => {
            assert_eq!(stock_view(&e, SKU), (q - 2.0, 0.0, q - 2.0), "released")
        }
        CommitRelease::SaleClosed => {
            assert_eq!(stock_view(&e, SKU), (q, 2.0, q - 2.0), "open sale")
        }
    }

    // The store closes the sale; the next Send FRs run sees it (Acknowledged).
    let id = frs
        .get(e.source.id, "K-1")
        .unwrap()
        .unwrap()
        .sale_id
        .unwrap();
    close_sale(&e, &sim, &id).await;
    assert_eq!(store_stock(&sim, SKU), q - 2.0);
    send(&e, false).await;
    assert_eq!(status_of(&e, "K-1"), FrStatus::Acknowledged);
    let before_read = match release {
        CommitRelease::SaleCreated => (q - 2.0, 0.0, q - 2.0),
        CommitRelease::SaleClosed => (q, 2.0, q - 2.0),
    };
    assert_eq!(stock_view(&e, SKU), before_read, "closed, not yet read");
    let r = e.secondary().await;
    assert_eq!(r.outcome, Outcome::Ok, "{}", r.message);
    assert_eq!(stock_view(&e, SKU), (q - 2.0, 0.0, q - 2.0), "released");
}

#[tokio::test]
async fn commit_stock_released_when_the_sale_is_created() {
    commit_stock_cycle(CommitRelease::SaleCreated, StockMoves::OnCreate).await;
}

#[tokio::test]
async fn commit_stock_released_when_the_sale_is_closed() {
    commit_stock_cycle(CommitRelease::SaleClosed, StockMoves::OnClose).await;
}

#[tokio::test]
async fn backorders_off_holds_or_cancels_lines_without_stock() {
    let sim = sim_with(None).await;
    let mut e = engine(&sim, |s| {
        configured(s);
        s.allow_backorders = false;
    });
    // Stock of HP-MUG comes from the store (the pool is empty); ask for far more.
    import(
        &e,
        &json!([fr(
            "B-1",
            "b@example.com",
            &[("HP-MUG", 1.0, 18.0), ("SF-FLD", 100000.0, 4.0)]
        )]),
    );
    let s = send(&e, false).await;
    assert_eq!(s.counts.held, 1, "{}", s.message);
    assert_eq!(status_of(&e, "B-1"), FrStatus::Processing);
    assert!(sales(&sim).is_empty());

    e.source.cancel_unacknowledged_items = true;
    let s = send(&e, false).await;
    assert_eq!(s.counts.sent, 1, "{}", s.message);
    let f = Frs::open(&e.store)
        .unwrap()
        .get(e.source.id, "B-1")
        .unwrap()
        .unwrap();
    assert!(matches!(
        f.items[1].line,
        lsbridge::frs::LineState::Canceled { .. }
    ));
    let all = sales(&sim);
    assert_eq!(all.len(), 1);
    assert_eq!(item_lines(&all[0]).len(), 1);
}

#[tokio::test]
async fn dry_run_sends_and_writes_nothing() {
    let sim = sim_with(None).await;
    let e = engine(&sim, configured);
    import(
        &e,
        &json!([fr("D-1", "d@example.com", &[("HP-MUG", 2.0, 18.0)])]),
    );
    let customers = sim.with_store(|s, _| s.customers.len());
    let s = send(&e, true).await;
    assert_eq!(s.previews.len(), 1);
    let body = s.previews[0].sale.as_ref().expect("body");
    assert_eq!(body.line_items[0].quantity, 2.0);
    assert!(sales(&sim).is_empty());
    assert_eq!(sim.with_store(|s, _| s.customers.len()), customers);
    let f = Frs::open(&e.store)
        .unwrap()
        .get(e.source.id, "D-1")
        .unwrap()
        .unwrap();
    assert_eq!(f.attempts, 0);
    assert!(f.sale_id.is_none());
}

#[tokio::test]
async fn closed_sales_carry_a_payment_and_need_a_payment_type() {
    let sim = sim_with(None).await;
    // A store that refuses closed sales with a balance (an undocumented, plausible rule).
    sim.set_closed_sale_paid_in_full(true);
    let mut e = engine(&sim, configured);
    let mut t = Templates::open(&e.store)
        .unwrap()
        .get(lsbridge::mapping::defaults::SEND_FRS_TEMPLATE_NAME)
        .unwrap();
    t.name = "closed".into();
    t = t.with(
        "Register Sale: Status",
        lsbridge::mapping::Method::set_it("CLOSED"),
    );
    Templates::open(&e.store).unwrap().save(&t).unwrap();
    e.source.send_frs.template = Some("closed".into());
    // Paid by a method the store has no payment type for, and no Payment Type ID.
    let mut p1 = fr("P-1", "p@example.com", &[("HP-MUG", 2.0, 18.0)]);
    p1["payment_method"] = json!("Wire Transfer");
    import(&e, &json!([p1]));
    let s = send(&e, false).await;
    assert_eq!(s.counts.info_required, 1);
    assert!(Frs::open(&e.store)
        .unwrap()
        .get(e.source.id, "P-1")
        .unwrap()
        .unwrap()
        .reason
        .contains("payment type"));

    e.source.send_frs.payment_type_id = Some(CARD.into());
    Frs::open(&e.store)
        .unwrap()
        .retry(e.source.id, "P-1", e.ctx.clock.now())
        .unwrap();
    let s = send(&e, false).await;
    assert_eq!(s.counts.sent, 1, "{}", s.message);
    let sale = &sales(&sim)[0];
    assert_eq!(sale["state"], json!("closed"));
    assert_eq!(sale["payments"].as_array().map(Vec::len), Some(1));
    // Paid in full: a store that refuses a closed sale with a balance takes it too.
    let m = sim.sale_money(sale["id"].as_str().unwrap()).unwrap();
    assert_eq!(m.balance_cents, 0);
    assert!(simkit::assert_conformant(&sim.exchanges()) > 0);
}

// ---- a lying store ------------------------------------------------------------------------
//
// The client talks to a proxy in front of the simulator that rewrites chosen answers. The
// simulator records what really happened, so each test compares the FRs' statuses and
// timelines with the sales and customers the store holds.

/// A demo simulator, a lying store in front of it, and an engine that talks to the liar.
async fn lying_store() -> (SimHandle, LyingStore, Engine) {
    let sim = sim_with(None).await;
    let liar = LyingStore::start(&sim.origin()).await;
    let e = engine_at(&sim, &liar.origin(), configured);
    (sim, liar, e)
}

/// The sales the store holds for FR `number` (by the reference the send sets).
fn sales_of(sim: &SimHandle, number: &str) -> Vec<Value> {
    sales(sim)
        .into_iter()
        .filter(|s| s["source"]["id"] == json!(number))
        .collect()
}

fn timeline(e: &Engine, number: &str) -> Vec<lsbridge::frs::FrEvent> {
    Frs::open(&e.store)
        .unwrap()
        .timeline(e.source.id, number)
        .unwrap()
}

fn product(sim: &SimHandle, sku: &str) -> Value {
    sim.with_store(|s, _| {
        let p = s
            .products
            .iter()
            .find(|p| p.sku == sku)
            .expect("sku in store");
        serde_json::to_value(p).unwrap()
    })
}

fn customers_with_email(sim: &SimHandle, email: &str) -> Vec<Value> {
    sim.with_store(|s, _| {
        s.customers
            .iter()
            .filter(|c| {
                c["email"]
                    .as_str()
                    .is_some_and(|m| m.trim().eq_ignore_ascii_case(email))
            })
            .cloned()
            .collect()
    })
}

/// An answer to `GET /sales/{id}`, given the id asked for.
type Lie = Arc<dyn Fn(&str) -> Answer + Send + Sync>;

/// Every way `GET /sales/{id}` can answer about something other than the sale asked for.
fn sale_lies(other: &Value) -> Vec<(&'static str, Lie)> {
    let another = other.clone();
    let renamed = other.clone();
    vec![
        (
            "another sale",
            Arc::new(move |_| Answer::ok(&json!({ "data": another }))),
        ),
        (
            "another FR's sale under the id asked for",
            Arc::new(move |id| {
                let mut s = renamed.clone();
                s["id"] = json!(id);
                Answer::ok(&json!({ "data": s }))
            }),
        ),
        ("an empty object", Arc::new(|_| Answer::ok(&json!({})))),
        (
            "empty data",
            Arc::new(|_| Answer::ok(&json!({ "data": {} }))),
        ),
        (
            "null data",
            Arc::new(|_| Answer::ok(&json!({ "data": null }))),
        ),
        (
            "not JSON",
            Arc::new(|_| Answer::raw(200, "application/json", "OK")),
        ),
        ("HTML", Arc::new(|_| Answer::html())),
    ]
}

/// After a POST with no clear outcome, `GET /sales/{id}` answers 200 about something else.
/// Whether or not the sale reached the store, the FR stays Processing with the reason on its
/// timeline, is never Processed and is not sent again; once the store answers truly, it
/// is Processed with exactly its own sale.
#[tokio::test]
async fn reconciliation_trusts_only_the_frs_own_sale() {
    let (sim, liar, e) = lying_store().await;
    import(
        &e,
        &json!([fr("L-0", "l0@example.com", &[("HP-MUG", 1.0, 18.0)])]),
    );
    assert_eq!(send(&e, false).await.counts.sent, 1);
    let other = sales_of(&sim, "L-0").pop().expect("L-0's sale");

    for (n, (lie, answer)) in sale_lies(&other).into_iter().enumerate() {
        for reached in [false, true] {
            let number = format!("L-{n}-{}", if reached { "in" } else { "out" });
            let sid = send_frs::sale_id("hp", &number);
            import(
                &e,
                &json!([fr(&number, "l@example.com", &[("SF-FLD", 1.0, 4.0)])]),
            );
            let post_name = format!("{number} POST");
            let get_name = format!("{number} GET");
            // The POST's outcome is unclear: answered 503, before or after the store acted.
            let posted = sid.clone();
            let is_post = move |a: &Asked| {
                a.is("POST", "/sales") && String::from_utf8_lossy(&a.body).contains(&posted)
            };
            if reached {
                liar.rewrite(&post_name, move |a, _| {
                    is_post(a).then(|| Answer::json(503, &json!({"error": "upstream timeout"})))
                });
            } else {
                liar.intercept(&post_name, move |a| {
                    is_post(a).then(|| Answer::json(503, &json!({"error": "upstream timeout"})))
                });
            }
            let asked = sid.clone();
            let answer = answer.clone();
            liar.rewrite(&get_name, move |a, _| {
                (a.is("GET", "/sales/") && a.last_segment() == asked).then(|| answer(&asked))
            });

            let s = send(&e, false).await;
            assert!(liar.told(&get_name) >= 1, "{lie}: the lie was told");
            assert_eq!(s.counts.unresolved, 1, "{lie}: {}", s.message);
            assert_eq!(s.counts.sent, 0, "{lie}: {}", s.message);
            assert_eq!(
                status_of(&e, &number),
                FrStatus::Processing,
                "{lie}, reached: {reached}"
            );
            let tl = timeline(&e, &number);
            assert!(
                !tl.iter().any(|ev| ev.status == "Processed"),
                "{lie}: never Processed"
            );
            let why = tl
                .iter()
                .rev()
                .find(|ev| ev.kind == "reconcile")
                .expect("reconcile event");
            assert!(
                why.reason.contains(&format!("sale {sid}"))
                    || why.reason.contains(&format!("/sales/{sid}")),
                "{lie}: {}",
                why.reason
            );
            assert!(
                why.reason.contains("next run"),
                "{lie}: says what happens next: {}",
                why.reason
            );
            let attempts = tl.iter().filter(|ev| ev.kind == "attempt").count();
            assert_eq!(attempts, 1, "{lie}: not sent again while unclear");
            assert_eq!(
                sales_of(&sim, &number).len(),
                usize::from(reached),
                "{lie}: the store holds what really happened"
            );

            // A second run that still gets the lie changes nothing.
            let s = send(&e, false).await;
            assert_eq!(s.counts.unresolved, 1, "{lie}: {}", s.message);
            // The run's log says it asked the store, and why the FR stays unresolved.
            let lines = lsbridge::jobs::Runs::open(&e.store)
                .unwrap()
                .lines(s.run)
                .unwrap();
            let asked = format!("FR {number}: reconciling: asking the store for sale {sid}");
            assert!(
                lines.iter().any(|l| l.line.contains(&asked)),
                "{lie}: {:?}",
                lines.iter().map(|l| &l.line).collect::<Vec<_>>()
            );
            assert!(
                lines
                    .iter()
                    .any(|l| l.level == lsbridge::jobs::events::Level::Warn
                        && l.line.starts_with(&format!("FR {number}: "))
                        && l.line.contains("next run")),
                "{lie}: {:?}",
                lines.iter().map(|l| &l.line).collect::<Vec<_>>()
            );
            assert_eq!(status_of(&e, &number), FrStatus::Processing, "{lie}");
            assert_eq!(sales_of(&sim, &number).len(), usize::from(reached));

            // The truth: the FR is Processed with exactly its own sale.
            liar.honest();
            let s = send(&e, false).await;
            assert_eq!(s.counts.sent, 1, "{lie}: {}", s.message);
            assert_eq!(s.counts.reconciled, u64::from(reached), "{lie}");
            assert_eq!(status_of(&e, &number), FrStatus::Processed, "{lie}");
            let mine = sales_of(&sim, &number);
            assert_eq!(mine.len(), 1, "{lie}: one sale");
            assert_eq!(mine[0]["id"], json!(sid), "{lie}");
        }
    }
    assert_eq!(sales_of(&sim, "L-0").len(), 1);
}

/// `POST /sales` answered 201 about another sale: the outcome is unknown, so the FR is
/// reconciled by its own id, never Processed on the strength of that answer.
#[tokio::test]
async fn a_create_answered_about_another_sale_is_reconciled() {
    let (sim, liar, e) = lying_store().await;
    import(
        &e,
        &json!([fr("P-0", "p@example.com", &[("HP-MUG", 1.0, 18.0)])]),
    );
    assert_eq!(send(&e, false).await.counts.sent, 1);
    let other = sales_of(&sim, "P-0").pop().unwrap();

    // The store made the sale but answered about P-0's: found by its id, Processed.
    let theirs = other.clone();
    liar.rewrite("made, answered about another", move |a, _| {
        a.is("POST", "/sales")
            .then(|| Answer::json(201, &json!({ "data": theirs })))
    });
    import(
        &e,
        &json!([fr("P-1", "p@example.com", &[("SF-FLD", 1.0, 4.0)])]),
    );
    let s = send(&e, false).await;
    assert_eq!(liar.told("made, answered about another"), 1);
    assert_eq!(
        (s.counts.sent, s.counts.reconciled),
        (1, 1),
        "{}",
        s.message
    );
    assert_eq!(status_of(&e, "P-1"), FrStatus::Processed);
    let mine = sales_of(&sim, "P-1");
    assert_eq!(mine.len(), 1);
    let f = Frs::open(&e.store)
        .unwrap()
        .get(e.source.id, "P-1")
        .unwrap()
        .unwrap();
    assert_ne!(
        f.invoice_number,
        other["invoice_number"].as_str().map(str::to_string)
    );
    assert!(timeline(&e, "P-1")
        .iter()
        .any(|ev| ev.kind == "reconcile" && ev.reason.contains("not about the sale sent")));

    // The store never saw it, and answered about P-0's: not Processed, sent again under
    // the same id until the run gives up; then the truth sends it once.
    liar.honest();
    let theirs = other.clone();
    liar.intercept("not made, answered about another", move |a| {
        a.is("POST", "/sales")
            .then(|| Answer::json(201, &json!({ "data": theirs })))
    });
    import(
        &e,
        &json!([fr("P-2", "p@example.com", &[("SF-FLD", 1.0, 4.0)])]),
    );
    let s = send(&e, false).await;
    assert!(liar.told("not made, answered about another") >= 1);
    assert_eq!(s.counts.unresolved, 1, "{}", s.message);
    assert_eq!(status_of(&e, "P-2"), FrStatus::Processing);
    assert!(sales_of(&sim, "P-2").is_empty());
    liar.honest();
    let s = send(&e, false).await;
    assert_eq!(s.counts.sent, 1, "{}", s.message);
    let mine = sales_of(&sim, "P-2");
    assert_eq!(mine.len(), 1);
    assert_eq!(mine[0]["id"], json!(send_frs::sale_id("hp", "P-2")));

    // Made, and answered with an HTML page: found by its id, Processed once.
    liar.rewrite("made, answered with HTML", |a, _| {
        a.is("POST", "/sales").then(Answer::html)
    });
    import(
        &e,
        &json!([fr("P-3", "p@example.com", &[("SF-FLD", 1.0, 4.0)])]),
    );
    let s = send(&e, false).await;
    assert_eq!(liar.told("made, answered with HTML"), 1);
    assert_eq!(
        (s.counts.sent, s.counts.reconciled),
        (1, 1),
        "{}",
        s.message
    );
    assert_eq!(sales_of(&sim, "P-3").len(), 1);
    assert_eq!(sales_of(&sim, "P-0").len(), 1);
}

/// A Processed FR is Acknowledged only when its own sale is closed, not on an answer about
/// another sale that is.
#[tokio::test]
async fn acknowledgement_trusts_only_the_frs_own_sale() {
    let (sim, liar, e) = lying_store().await;
    import(
        &e,
        &json!([
            fr("A-1", "a@example.com", &[("HP-MUG", 1.0, 18.0)]),
            fr("A-2", "a@example.com", &[("SF-FLD", 1.0, 4.0)]),
        ]),
    );
    assert_eq!(send(&e, false).await.counts.sent, 2);
    // The store closes A-2's sale; it answers about it when asked for A-1's.
    let a1 = send_frs::sale_id("hp", "A-1");
    let a2 = send_frs::sale_id("hp", "A-2");
    sim.with_store(|s, rng| {
        let v = s.bump(rng);
        s.sales.update(&a2, v, |x| x["state"] = json!("closed"));
    });
    let closed = sales_of(&sim, "A-2").pop().unwrap();
    for (name, body) in [
        ("another sale", closed.clone()),
        ("another FR's sale under the id asked for", {
            let mut c = closed.clone();
            c["id"] = json!(a1);
            c
        }),
    ] {
        let asked = a1.clone();
        liar.rewrite(name, move |a, _| {
            (a.is("GET", "/sales/") && a.last_segment() == asked)
                .then(|| Answer::ok(&json!({ "data": body })))
        });
    }
    let s = send(&e, false).await;
    assert!(liar.told("another sale") >= 1);
    assert_eq!(s.counts.acknowledged, 1, "{}", s.message);
    assert_eq!(status_of(&e, "A-2"), FrStatus::Acknowledged);
    assert_eq!(status_of(&e, "A-1"), FrStatus::Processed);
    liar.honest();
    liar.rewrite("another FR's sale under the id asked for", {
        let asked = a1.clone();
        move |a, _| {
            let mut c = closed.clone();
            c["id"] = json!(asked);
            (a.is("GET", "/sales/") && a.last_segment() == asked)
                .then(|| Answer::ok(&json!({ "data": c })))
        }
    });
    send(&e, false).await;
    assert!(liar.told("another FR's sale under the id asked for") >= 1);
    assert_eq!(status_of(&e, "A-1"), FrStatus::Processed);
}

/// `GET /products?sku=` answers with products of other SKUs, with one whose product code
/// (not its SKU) is the SKU asked for, or with only strangers. Every line is sent with its
/// own SKU's product or not at all.
#[tokio::test]
async fn a_sku_resolves_only_to_its_own_product() {
    let (sim, liar, e) = lying_store().await;
    let skus = [
        "HP-MUG",
        "SF-FLD",
        "DW-R2P",
        "LT-H400",
        "HP-TT-BLK-M",
        "HP-TT-BLK-S",
        "HP-TT-BLK-L",
        "HP-TT-HGR-S",
        "HP-TT-HGR-M",
        "HP-TT-HGR-L",
    ];
    let catalog: Vec<Value> = skus.iter().map(|s| product(&sim, s)).collect();
    // Every SKU lookup answers with all ten products, the one asked for last.
    let all = catalog.clone();
    liar.rewrite("ten products", move |a, _| {
        let sku = a.param("sku")?.to_string();
        if !a.is("GET", "/products") {
            return None;
        }
        let mut rows: Vec<Value> = all
            .iter()
            .filter(|p| !p["sku"].as_str().unwrap().eq_ignore_ascii_case(&sku))
            .cloned()
            .collect();
        rows.extend(
            all.iter()
                .filter(|p| p["sku"].as_str().unwrap().eq_ignore_ascii_case(&sku))
                .cloned(),
        );
        Some(Answer::ok(&json!({ "data": rows })))
    });
    let frs: Vec<Value> = skus
        .iter()
        .enumerate()
        .map(|(i, s)| fr(&format!("S-{i}"), "s@example.com", &[(s, 1.0, 10.0)]))
        .collect();
    import(&e, &Value::Array(frs));
    let s = send(&e, false).await;
    assert!(liar.told("ten products") >= skus.len());
    assert_eq!(s.counts.sent, skus.len() as u64, "{}", s.message);
    for (i, p) in catalog.iter().enumerate() {
        let sold = sales_of(&sim, &format!("S-{i}"));
        assert_eq!(sold.len(), 1);
        let lines = item_lines(&sold[0]);
        assert_eq!(lines.len(), 1);
        assert_eq!(
            lines[0]["product"]["id"], p["id"],
            "S-{i} is sold as {}",
            skus[i]
        );
    }

    // A product whose code (not its SKU) is the SKU asked for, next to the SKU's own
    // product and a stranger: two products answer to it, so a person must choose.
    liar.honest();
    let mug = product(&sim, "HP-MUG");
    let mut coded = product(&sim, "SF-FLD");
    coded["product_codes"] = json!([{ "id": "pc-1", "code": " hp-mug ", "type": "CUSTOM" }]);
    let stranger = product(&sim, "DW-R2P");
    let rows = json!([stranger, coded, mug]);
    liar.rewrite("a code matches too", move |a, _| {
        (a.is("GET", "/products") && a.param("sku") == Some("HP-MUG"))
            .then(|| Answer::ok(&json!({ "data": rows })))
    });
    // And a SKU the store answers with strangers only.
    let strangers = json!([product(&sim, "SF-FLD"), product(&sim, "LT-H400")]);
    liar.rewrite("only strangers", move |a, _| {
        (a.is("GET", "/products") && a.param("sku") == Some("DW-R2P"))
            .then(|| Answer::ok(&json!({ "data": strangers })))
    });
    import(
        &e,
        &json!([
            fr("M-1", "s@example.com", &[("HP-MUG", 1.0, 18.0)]),
            fr("M-2", "s@example.com", &[("DW-R2P", 1.0, 30.0)]),
        ]),
    );
    let before = sales(&sim).len();
    let s = send(&e, false).await;
    assert_eq!(liar.told("a code matches too"), 1);
    assert_eq!(liar.told("only strangers"), 1);
    assert_eq!(s.counts.info_required, 2, "{}", s.message);
    assert_eq!(sales(&sim).len(), before, "nothing sent");
    let frs = Frs::open(&e.store).unwrap();
    let m1 = frs.get(e.source.id, "M-1").unwrap().unwrap();
    assert_eq!(m1.status, FrStatus::AdditionalInfoRequired);
    assert!(m1.reason.contains("matches 2 products"), "{}", m1.reason);
    for p in [&coded_id(&sim, "SF-FLD"), &coded_id(&sim, "HP-MUG")] {
        assert!(m1.reason.contains(p.as_str()), "names {p}: {}", m1.reason);
    }
    assert!(m1.reason.contains("by product code"), "{}", m1.reason);
    assert!(
        !m1.reason.contains(&coded_id(&sim, "DW-R2P")),
        "the stranger is not named: {}",
        m1.reason
    );
    let m2 = frs.get(e.source.id, "M-2").unwrap().unwrap();
    assert_eq!(m2.status, FrStatus::AdditionalInfoRequired);
    assert!(
        m2.reason.contains("DW-R2P is not in the pool or the store"),
        "{}",
        m2.reason
    );
    let tl = timeline(&e, "M-1");
    assert!(tl
        .iter()
        .any(|ev| ev.status == "Additional Info Required" && ev.reason.contains("matches 2")));

    // HTML instead of JSON: nothing is taken from it; the run fails with one line and
    // the FR waits, unsent.
    liar.honest();
    liar.rewrite("html", |a, _| a.is("GET", "/products").then(Answer::html));
    import(
        &e,
        &json!([fr("M-3", "s@example.com", &[("LT-H400", 1.0, 5.0)])]),
    );
    let s = send(&e, false).await;
    assert!(liar.told("html") >= 1);
    assert_eq!(s.outcome, Outcome::Failed, "{}", s.message);
    assert!(!s.message.contains('\n'), "{}", s.message);
    assert!(s.message.contains("not the expected JSON"), "{}", s.message);
    assert_eq!(status_of(&e, "M-3"), FrStatus::Processing);
    assert!(sales_of(&sim, "M-3").is_empty());
}

fn coded_id(sim: &SimHandle, sku: &str) -> String {
    product(sim, sku)["id"].as_str().unwrap().to_string()
}

/// The customer search answers with someone else first (or only), a create answers with
/// someone else's record, or a create has no clear outcome and the search finds only
/// someone else. No FR's sale is ever made for a customer with another email, and no
/// second customer is made for one email.
#[tokio::test]
async fn a_customer_is_reused_only_on_its_exact_email() {
    let (sim, liar, e) = lying_store().await;
    let elena = sim.with_store(|s, _| {
        s.customers
            .iter()
            .find(|c| c["email"] == json!("elena.marsh@example.com"))
            .cloned()
            .unwrap()
    });
    // Every search puts Elena first, before what the store really found.
    let first = elena.clone();
    liar.rewrite("elena first", move |a, up| {
        if !(a.is("GET", "/search") && a.param("type") == Some("customers")) {
            return None;
        }
        let mut rows = vec![first.clone()];
        rows.extend(up.json()?["data"].as_array().cloned().unwrap_or_default());
        Some(Answer::ok(&json!({ "data": rows })))
    });
    import(
        &e,
        &json!([fr("E-1", "New.Buyer@example.com", &[("HP-MUG", 1.0, 18.0)])]),
    );
    let s = send(&e, false).await;
    assert_eq!(s.counts.sent, 1, "{}", s.message);
    assert!(liar.told("elena first") >= 1);
    let made = customers_with_email(&sim, "new.buyer@example.com");
    assert_eq!(made.len(), 1, "a customer with the FR's email was created");
    let sale = sales_of(&sim, "E-1").pop().unwrap();
    assert_eq!(sale["customer_id"], made[0]["id"]);
    assert_ne!(sale["customer_id"], elena["id"]);

    // Next run, same email in another case and with spaces: found behind Elena, reused.
    import(
        &e,
        &json!([fr(
            "E-2",
            " new.buyer@EXAMPLE.com ",
            &[("HP-MUG", 1.0, 18.0)]
        )]),
    );
    let s = send(&e, false).await;
    assert_eq!(s.counts.sent, 1, "{}", s.message);
    assert_eq!(customers_with_email(&sim, "new.buyer@example.com").len(), 1);
    assert_eq!(sales_of(&sim, "E-2")[0]["customer_id"], made[0]["id"]);

    // A create answered with Elena's record: the customer made is found by its email.
    let theirs = elena.clone();
    liar.rewrite("created elena", move |a, _| {
        (a.is("POST", "/customers") && a.endpoint() == "/customers")
            .then(|| Answer::json(201, &json!({ "data": theirs })))
    });
    import(
        &e,
        &json!([fr("E-3", "third@example.com", &[("HP-MUG", 1.0, 18.0)])]),
    );
    let s = send(&e, false).await;
    assert_eq!(liar.told("created elena"), 1);
    assert_eq!(s.counts.sent, 1, "{}", s.message);
    let third = customers_with_email(&sim, "third@example.com");
    assert_eq!(third.len(), 1);
    assert_eq!(sales_of(&sim, "E-3")[0]["customer_id"], third[0]["id"]);

    // A create with no clear outcome (it never reached the store), and a search that
    // finds only Elena: unclear, so the FR waits; then the customer is created once.
    liar.honest();
    liar.intercept("create lost", |a| {
        (a.is("POST", "/customers") && a.endpoint() == "/customers")
            .then(|| Answer::json(503, &json!({"error": "upstream timeout"})))
    });
    let only = elena.clone();
    liar.rewrite("only elena", move |a, _| {
        (a.is("GET", "/search") && a.param("type") == Some("customers"))
            .then(|| Answer::ok(&json!({ "data": [only] })))
    });
    import(
        &e,
        &json!([fr("E-4", "fourth@example.com", &[("HP-MUG", 1.0, 18.0)])]),
    );
    let s = send(&e, false).await;
    assert_eq!(liar.told("create lost"), 1);
    assert_eq!(s.counts.unresolved, 1, "{}", s.message);
    assert_eq!(status_of(&e, "E-4"), FrStatus::Processing);
    assert!(sales_of(&sim, "E-4").is_empty());
    assert!(timeline(&e, "E-4")
        .iter()
        .any(|ev| ev.kind == "note" && ev.reason.contains("no customer with email")));
    liar.honest();
    let s = send(&e, false).await;
    assert_eq!(s.counts.sent, 1, "{}", s.message);
    let fourth = customers_with_email(&sim, "fourth@example.com");
    assert_eq!(fourth.len(), 1);
    assert_eq!(sales_of(&sim, "E-4")[0]["customer_id"], fourth[0]["id"]);

    // A search answered with HTML: nothing is taken from it and nobody is created; the
    // run fails with one line and the FR waits.
    liar.rewrite("html", |a, _| a.is("GET", "/search").then(Answer::html));
    import(
        &e,
        &json!([fr("E-5", "fifth@example.com", &[("HP-MUG", 1.0, 18.0)])]),
    );
    let s = send(&e, false).await;
    assert!(liar.told("html") >= 1);
    assert_eq!(s.outcome, Outcome::Failed, "{}", s.message);
    assert!(s.message.contains("not the expected JSON"), "{}", s.message);
    assert_eq!(status_of(&e, "E-5"), FrStatus::Processing);
    assert!(customers_with_email(&sim, "fifth@example.com").is_empty());
    assert!(sales_of(&sim, "E-5").is_empty());

    // No sale anywhere went to Elena.
    assert!(sales(&sim).iter().all(|s| s["customer_id"] != elena["id"]));
}

/// The store refuses a sale body (a tax that does not exist, then a payment type that does
/// not): the FR is Failed with the store's reason on its timeline, and nothing is sold.
#[tokio::test]
async fn a_sale_the_store_refuses_fails_with_the_stores_reason() {
    let sim = sim_with(None).await;
    let mut e = engine(&sim, |s| {
        configured(s);
        s.send_frs.tax_id = Some("00000000-dead-beef-0000-000000000000".into());
        s.send_frs.payment_type_id = Some(WEB_ORDER.into());
    });
    // Paid by a method the store has no payment type of, so the Payment Type ID is used.
    let mut x1 = fr("X-1", "x@example.com", &[("HP-MUG", 1.0, 18.0)]);
    x1["payment_method"] = json!("Wire Transfer");
    import(&e, &json!([x1]));
    let s = send(&e, false).await;
    assert_eq!(s.counts.failed, 1, "{}", s.message);
    assert_eq!(s.outcome, Outcome::Partial);
    assert_eq!(status_of(&e, "X-1"), FrStatus::Failed);
    let tl = timeline(&e, "X-1");
    let failed = tl
        .iter()
        .find(|ev| ev.kind == "status" && ev.status == "Failed")
        .expect("a Failed event");
    assert!(
        failed.reason.contains("422") && failed.reason.contains("tax not found"),
        "{}",
        failed.reason
    );
    assert!(sales(&sim).is_empty());

    // Fixed tax, closed sales paid by a payment type the store does not have.
    e.source.send_frs.tax_id = Some(TAX.into());
    e.source.send_frs.payment_type_id = Some("00000000-dead-beef-0000-00000000beef".into());
    let mut t = Templates::open(&e.store)
        .unwrap()
        .get(lsbridge::mapping::defaults::SEND_FRS_TEMPLATE_NAME)
        .unwrap();
    t.name = "closed".into();
    t = t.with(
        "Register Sale: Status",
        lsbridge::mapping::Method::set_it("CLOSED"),
    );
    Templates::open(&e.store).unwrap().save(&t).unwrap();
    e.source.send_frs.template = Some("closed".into());
    Frs::open(&e.store)
        .unwrap()
        .retry(e.source.id, "X-1", e.ctx.clock.now())
        .unwrap();
    let s = send(&e, false).await;
    assert_eq!(s.counts.failed, 1, "{}", s.message);
    let f = Frs::open(&e.store)
        .unwrap()
        .get(e.source.id, "X-1")
        .unwrap()
        .unwrap();
    assert_eq!(f.status, FrStatus::Failed);
    assert!(f.reason.contains("payment type not found"), "{}", f.reason);
    assert!(timeline(&e, "X-1")
        .iter()
        .any(|ev| ev.status == "Failed" && ev.reason.contains("payment type not found")));
    assert!(sales(&sim).is_empty());

    // A 400 with the store's JSON error, as a store that checks what the simulator does
    // not would send: Failed with its message.
    let liar = LyingStore::start(&sim.origin()).await;
    let e = engine_at(&sim, &liar.origin(), configured);
    liar.intercept("400", |a| {
        a.is("POST", "/sales").then(|| {
            Answer::json(
                400,
                &json!({"error": "Bad Request", "message": "line_items[0].pricing.price: below the product's minimum price"}),
            )
        })
    });
    import(
        &e,
        &json!([fr("X-2", "x@example.com", &[("HP-MUG", 1.0, 18.0)])]),
    );
    let s = send(&e, false).await;
    assert_eq!(liar.told("400"), 1);
    assert_eq!(s.counts.failed, 1, "{}", s.message);
    assert_eq!(status_of(&e, "X-2"), FrStatus::Failed);
    assert!(timeline(&e, "X-2").iter().any(|ev| ev.status == "Failed"
        && ev.reason.contains("400")
        && ev.reason.contains("below the product's minimum price")));
    assert!(sales(&sim).is_empty());
}

/// 200 FRs while the simulator drops the connection after committing 10% of sale POSTs,
/// answers 5xx, and throws 429 storms. Exactly one sale per FR, each FR Processed once, and
/// the timelines show the reconciliations.
async fn exactly_once_under_faults(mode: DuplicateSale) {
    let clock = simkit::scaled_clock(200.0);
    let sim = sim_with(Some(clock)).await;
    sim.set_duplicate_sale(mode);
    let e = engine(&sim, configured);
    let skus = ["HP-MUG", "SF-FLD", "DW-R2P", "LT-H400", "HP-TT-BLK-M"];
    let frs: Vec<Value> = (0..200)
        .map(|i| {
            fr(
                &format!("F-{i:04}"),
                &format!("buyer{}@example.com", i % 37),
                &[(skus[i % skus.len()], 1.0 + (i % 3) as f64, 10.0)],
            )
        })
        .collect();
    import(&e, &Value::Array(frs));
    sim.set_faults(Faults {
        p_commit_drop: 0.10,
        p_5xx: 0.05,
        p_429: 0.03,
        storm: 5,
        storm_retry_after_secs: 2,
        ..Faults::none()
    });
    let mut runs = 0;
    loop {
        runs += 1;
        let s = send(&e, false).await;
        let due = Frs::open(&e.store)
            .unwrap()
            .list(Some(e.source.id), Some(FrStatus::Processing))
            .unwrap()
            .len();
        if due == 0 {
            break;
        }
        assert!(
            runs < 10,
            "still {due} FRs after {runs} runs: {}",
            s.message
        );
    }
    sim.set_faults(Faults::none());
    let all = sales(&sim);
    assert_eq!(all.len(), 200, "one sale per FR");
    let ids: HashSet<&str> = all.iter().map(|s| s["id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), 200);
    let store = Frs::open(&e.store).unwrap();
    let mut reconciled = 0;
    for f in store.list(Some(e.source.id), None).unwrap() {
        assert_eq!(f.status, FrStatus::Processed, "{}: {}", f.number, f.reason);
        assert_eq!(
            f.sale_id.as_deref(),
            Some(send_frs::sale_id("hp", &f.number).as_str())
        );
        let tl = store.timeline(e.source.id, &f.number).unwrap();
        let processed = tl
            .iter()
            .filter(|ev| ev.kind == "status" && ev.status == "Processed")
            .count();
        assert_eq!(processed, 1, "{} processed once", f.number);
        if tl.iter().any(|ev| ev.kind == "reconcile") {
            reconciled += 1;
            assert!(tl.iter().filter(|ev| ev.kind == "attempt").count() >= 1);
        }
    }
    assert!(
        reconciled >= 5,
        "faults should have forced reconciliations ({reconciled})"
    );
    assert!(simkit::assert_conformant(&sim.exchanges()) > 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exactly_once_when_a_reposted_id_updates() {
    exactly_once_under_faults(DuplicateSale::Update).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exactly_once_when_a_reposted_id_conflicts() {
    exactly_once_under_faults(DuplicateSale::Conflict).await;
}

/// A crash after the sale reached the store: the next run finds it and sends nothing.
#[tokio::test]
async fn a_sale_already_in_the_store_is_reconciled_not_resent() {
    let sim = sim_with(None).await;
    let e = engine(&sim, configured);
    import(
        &e,
        &json!([fr("K-1", "k@example.com", &[("HP-MUG", 1.0, 18.0)])]),
    );
    // Simulate "attempt written, POST committed, crash before the answer was stored".
    sim.set_faults(Faults {
        p_commit_drop: 1.0,
        only_path: Some("sales".into()),
        ..Faults::none()
    });
    let s = send(&e, false).await;
    sim.set_faults(Faults::none());
    assert_eq!(s.counts.sent, 1, "{}", s.message);
    assert_eq!(s.counts.reconciled, 1);
    assert_eq!(sales(&sim).len(), 1);
    // One attempt (the dropped POST); the sale was found, so nothing was posted again.
    let f = Frs::open(&e.store)
        .unwrap()
        .get(e.source.id, "K-1")
        .unwrap()
        .unwrap();
    assert_eq!(f.attempts, 1);
    let reposts = sim
        .exchanges()
        .iter()
        .filter(|x| x.method == "POST" && x.path.ends_with("/sales"))
        .count();
    assert_eq!(reposts, 0, "never re-posted once found");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_source_is_never_sent_by_two_runs_at_once() {
    let sim = sim_with(None).await;
    let e = engine(&sim, configured);
    import(
        &e,
        &json!([fr("T-1", "t@example.com", &[("HP-MUG", 1.0, 18.0)])]),
    );
    sim.set_faults(Faults {
        latency_ms: 300,
        ..Faults::none()
    });
    let t = Templates::open(&e.store)
        .unwrap()
        .compiled(None, Integration::SendFrs)
        .unwrap();
    let opts = SendOptions::default();
    let (a, b) = tokio::join!(send_frs::run(&e.ctx, &e.source, &t, &opts), async {
        // Start the second once the first holds the source.
        let mut first = sim.counters().requests;
        while first == 0 {
            tokio::task::yield_now().await;
            first = sim.counters().requests;
        }
        send_frs::run(&e.ctx, &e.source, &t, &opts).await
    });
    sim.set_faults(Faults::none());
    let a = a.expect("first run");
    let err = b.expect_err("second run refused");
    assert!(err.to_string().contains("already running"), "{err}");
    assert_eq!(a.counts.sent, 1);
    assert_eq!(sales(&sim).len(), 1);
}

/// A panic inside Send FRs fails the run with a one-line reason (never Ok), sends nothing
/// more, and leaves the FRs Processing for the next run.
#[tokio::test]
async fn a_panic_in_send_frs_fails_the_run_and_leaves_frs_processing() {
    use lsbridge::jobs::{PanicPoint, Runs};
    let sim = sim_with(None).await;
    let mut e = engine(&sim, configured);
    import(
        &e,
        &json!([fr("PANIC-1", "ada@example.com", &[("HP-MUG", 1.0, 18.0)])]),
    );
    e.ctx.panic_at = Some(PanicPoint::SendFr);
    let s = send(&e, false).await;
    assert_eq!(s.outcome, Outcome::Failed, "{}", s.message);
    assert!(
        s.message.contains("internal error") && !s.message.contains('\n'),
        "{}",
        s.message
    );
    let stored = Runs::open(&e.store).unwrap().get(s.run).unwrap().unwrap();
    assert_eq!(stored.outcome, Outcome::Failed);
    assert!(sales(&sim).is_empty());
    assert_eq!(status_of(&e, "PANIC-1"), FrStatus::Processing);
}

// ---- money -------------------------------------------------------------------------------

fn cents(x: f64) -> i64 {
    (x * 100.0).round() as i64
}

/// A number the store sent as a number or a numeric string.
fn num(v: &Value) -> f64 {
    v.as_f64()
        .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
        .unwrap_or_else(|| panic!("not a number: {v}"))
}

/// The FR's own figures in cents: (items, discount, shipping, tax, total).
fn fr_money(f: &lsbridge::frs::Fr) -> (i64, i64, i64, i64, i64) {
    let items: i64 = f
        .items
        .iter()
        .map(|i| cents(i.quantity * i.unit_price))
        .sum();
    let (d, s, t) = (cents(f.discount), cents(f.shipping_cost), cents(f.tax));
    (items, d, s, t, items - d + s + t)
}

/// The sale's money worked out here from the recorded sale's lines, adjustments and
/// payments, without the simulator's report: (items, discount, shipping, tax, total, paid).
fn recorded_money(sale: &Value) -> (i64, i64, i64, i64, i64, i64) {
    let (mut items, mut discount, mut shipping, mut tax) = (0, 0, 0, 0);
    for l in sale["line_items"].as_array().unwrap() {
        let q = num(&l["quantity"]);
        let value = cents(num(&l["pricing"]["price"]) * q);
        tax += cents(num(&l["tax"]["amount"]) * q);
        match l["product"]["id"].as_str().unwrap() {
            SHIPPING => shipping += value,
            DISCOUNT_PRODUCT => discount -= value,
            _ => items += value,
        }
    }
    for a in sale["adjustments"].as_array().into_iter().flatten() {
        // Sale-level adjustments (none expected with a discount product).
        if a["type"] == json!("DISCOUNT") {
            discount += cents(num(&a["amount"]));
        }
    }
    let paid: i64 = sale["payments"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|p| p["deleted_at"].is_null())
        .map(|p| cents(num(&p["amount"])))
        .sum();
    let total = items - discount + shipping + tax;
    (items, discount, shipping, tax, total, paid)
}

/// Sends every FR of both sample files to a store of `spec` and checks each sale's money
/// against the FR's, to the cent: from the simulator's report and independently from the
/// recorded lines, adjustments and payments. Every request validates against the schema.
async fn sample_money_matches(spec: StoreSpec, adjustment_tax: AdjustmentTax) {
    let sim = SimHandle::start(simkit::config(spec))
        .await
        .expect("sim starts");
    sim.set_adjustment_tax(adjustment_tax);
    if adjustment_tax == AdjustmentTax::Proportional {
        sim.set_line_discount(lsbridge::sim::LineDiscount::Informational);
        sim.set_closed_sale_paid_in_full(true);
    }
    let e = engine(&sim, |s| {
        configured(s);
        s.send_frs.payment_type_id = Some(WEB_ORDER.into());
    });
    for file in ["sample.json", "sample.csv"] {
        let bytes = std::fs::read(format!("fixtures/frs/{file}")).unwrap();
        let r = import_bytes(&e.store, &e.source, file, &bytes, None, e.ctx.clock.now()).unwrap();
        assert!(r.rejected.is_empty(), "{:?}", r.rejected);
    }
    let s = send(&e, false).await;
    assert_eq!(s.outcome, Outcome::Ok, "{}", s.message);
    assert_eq!(s.counts.sent, 8, "{}", s.message);
    let recorded = sales(&sim);
    let frs = Frs::open(&e.store).unwrap();
    for f in frs.list(Some(e.source.id), None).unwrap() {
        assert_eq!(f.status, FrStatus::Processed, "{}: {}", f.number, f.reason);
        let id = f.sale_id.clone().unwrap();
        let (items, discount, shipping, tax, total) = fr_money(&f);
        let m = sim
            .sale_money(&id)
            .expect("the simulator recorded the sale");
        assert_eq!(m.total_cents, total, "{} total", f.number);
        assert_eq!(m.tax_cents, tax, "{} tax", f.number);
        assert_eq!(m.discount_cents, discount, "{} discount", f.number);
        assert_eq!(m.paid_cents, total, "{} payments", f.number);
        assert_eq!(m.balance_cents, 0, "{} balance", f.number);
        let ship: i64 = m.lines_of(SHIPPING).map(|l| l.price_cents).sum();
        assert_eq!(ship, shipping, "{} shipping", f.number);
        let (_, r_tax, r_total, r_balance) = m.recomputed();
        assert_eq!((r_total, r_tax, r_balance), (total, tax, 0), "{}", f.number);
        // Independently of the simulator's arithmetic.
        let sale = recorded.iter().find(|s| s["id"] == json!(id)).unwrap();
        assert_eq!(
            recorded_money(sale),
            (items, discount, shipping, tax, total, total),
            "{}",
            f.number
        );
        // No line carries the taxable tax with a zero amount while the order has tax.
        if tax > 0 {
            for l in item_lines(sale) {
                assert!(num(&l["tax"]["amount"]) > 0.0, "{}: {l}", f.number);
            }
        }
        // Paid with the payment type named like the FR's method, else the Payment Type ID.
        let config = &sale["payments"][0]["type"]["config_id"];
        match f.payment_method.as_str() {
            "Credit Card" => assert_eq!(config, &json!(CARD)),
            "Gift Card" => assert_eq!(config, &json!("39dface4-7e58-5398-b423-465c15facf49")),
            _ => assert_eq!(config, &json!(WEB_ORDER)),
        }
        // A delivery: dispatched to the FR's shipping address, an address of the customer.
        let sent = sim
            .with_store(|s, _| s.sale_requests.get(&id).cloned())
            .expect("the request is recorded");
        let fd = &sent["fulfillment_details"][0];
        assert_eq!(fd["type"], json!("DISPATCH"), "{}: {sale}", f.number);
        let addr_id = fd["shipping_address_id"].as_str().expect("address id");
        let customer = sale["customer_id"].as_str().unwrap();
        let c = simkit::default_client(&sim);
        let addrs = c.customer_addresses(customer).await.unwrap();
        let a = addrs
            .iter()
            .find(|a| a.id_text().as_deref() == Some(addr_id))
            .expect("the sale's shipping address is the customer's");
        assert_eq!(a.kind, "SHIPPING");
        assert_eq!(a.address_line_1, f.shipping.address_line_1);
        assert_eq!(a.postcode, f.shipping.postal_code);
    }
    assert!(simkit::assert_conformant(&sim.exchanges()) > 0);
}

#[tokio::test]
async fn sample_money_to_the_cent_in_a_tax_exclusive_store() {
    sample_money_matches(StoreSpec::Demo, AdjustmentTax::Untaxed).await;
}

#[tokio::test]
async fn sample_money_to_the_cent_in_a_tax_inclusive_store() {
    sample_money_matches(StoreSpec::DemoInclusive, AdjustmentTax::Untaxed).await;
}

/// The discount is a line of the discount product with its own (zero) tax, and no line
/// uses `pricing.discount`, so a store that taxes sale-level adjustments or reads line
/// discounts the other way changes nothing; nor does one that refuses a closed sale not
/// paid in full.
#[tokio::test]
async fn sample_money_holds_whatever_the_store_does_with_adjustments_and_line_discounts() {
    sample_money_matches(StoreSpec::Demo, AdjustmentTax::Proportional).await;
}

/// A tax-inclusive store that reads `pricing.price` as tax-inclusive records other totals
/// than were sent: the FR is Failed naming both figures, never Processed.
#[tokio::test]
async fn a_store_that_records_other_totals_fails_the_fr_with_both_figures() {
    let sim = SimHandle::start(simkit::config(StoreSpec::DemoInclusive))
        .await
        .unwrap();
    sim.set_inclusive_pricing(InclusivePricing::PriceIncludesTax);
    let e = engine(&sim, configured);
    let mut x = fr("X-1", "x@example.com", &[("HP-MUG", 2.0, 16.0)]);
    x["tax"] = json!(2.84);
    import(&e, &json!([x]));
    let s = send(&e, false).await;
    assert_eq!(s.counts.failed, 1, "{}", s.message);
    let f = Frs::open(&e.store)
        .unwrap()
        .get(e.source.id, "X-1")
        .unwrap()
        .unwrap();
    assert_eq!(f.status, FrStatus::Failed);
    // 32.00 + 2.84 tax + 9.50 shipping = 44.34 sent; the store read 32.00 as tax-inclusive.
    assert!(
        f.reason.contains("the order totals 44.34 (tax 2.84)") && f.reason.contains("total 41.50"),
        "{}",
        f.reason
    );
}

#[tokio::test]
async fn shipping_needs_a_shipping_product_unless_the_template_says_otherwise() {
    let sim = sim_with(None).await;
    let mut e = engine(&sim, |s| {
        configured(s);
        s.send_frs.shipping_product_id = None;
    });
    import(
        &e,
        &json!([fr("S-1", "s@example.com", &[("HP-MUG", 1.0, 16.0)])]),
    );
    let s = send(&e, false).await;
    assert_eq!(s.counts.info_required, 1);
    let f = Frs::open(&e.store)
        .unwrap()
        .get(e.source.id, "S-1")
        .unwrap()
        .unwrap();
    assert!(
        f.reason.contains("shipping cost of 9.50") && f.reason.contains("--shipping-product-id"),
        "{}",
        f.reason
    );
    assert!(sales(&sim).is_empty());

    // Set It 0: shipping is not charged on purpose; the sale is items + tax only.
    let templates = Templates::open(&e.store).unwrap();
    let mut t = templates
        .get(lsbridge::mapping::defaults::SEND_FRS_TEMPLATE_NAME)
        .unwrap();
    t.name = "free shipping".into();
    t = t.with(
        "Adjustments: Total Shipping Cost",
        lsbridge::mapping::Method::set_it("0"),
    );
    templates.save(&t).unwrap();
    e.source.send_frs.template = Some("free shipping".into());
    Frs::open(&e.store)
        .unwrap()
        .retry(e.source.id, "S-1", e.ctx.clock.now())
        .unwrap();
    let s = send(&e, false).await;
    assert_eq!(s.counts.sent, 1, "{}", s.message);
    let sale = &sales(&sim)[0];
    let m = sim.sale_money(sale["id"].as_str().unwrap()).unwrap();
    assert_eq!(m.total_cents, 1600);
    assert_eq!(m.paid_cents, 1600);
}

#[tokio::test]
async fn payment_types_come_from_a_mapping_set_a_name_or_the_setting_and_unpaid_is_unpaid() {
    let sim = sim_with(None).await;
    let e = engine(&sim, |s| {
        configured(s);
        s.send_frs.payment_mapping_set = Some("payments".into());
    });
    let templates = Templates::open(&e.store).unwrap();
    templates
        .save_set(
            &lsbridge::mapping::MappingSet::from_pairs("payments", [("PayPal", "Web Order")])
                .unwrap(),
        )
        .unwrap();
    let mut paypal = fr("M-1", "m@example.com", &[("HP-MUG", 1.0, 16.0)]);
    paypal["payment_method"] = json!("paypal");
    let mut unpaid = fr("M-2", "m@example.com", &[("HP-MUG", 1.0, 16.0)]);
    unpaid["payment_method"] = json!("");
    let card = fr("M-3", "m@example.com", &[("HP-MUG", 1.0, 16.0)]);
    import(&e, &json!([paypal, unpaid, card]));
    let s = send(&e, false).await;
    assert_eq!(s.counts.sent, 3, "{}", s.message);
    let by_fr: HashMap<String, Value> = sales(&sim)
        .into_iter()
        .map(|s| (s["source"]["id"].as_str().unwrap().to_string(), s))
        .collect();
    assert_eq!(
        by_fr["M-1"]["payments"][0]["type"]["config_id"],
        json!(WEB_ORDER)
    );
    assert_eq!(
        by_fr["M-3"]["payments"][0]["type"]["config_id"],
        json!(CARD)
    );
    assert!(by_fr["M-2"]["payments"]
        .as_array()
        .is_none_or(|p| p.is_empty()));
    let unpaid_money = sim
        .sale_money(by_fr["M-2"]["id"].as_str().unwrap())
        .unwrap();
    assert_eq!(unpaid_money.balance_cents, 1600 + 950);
    for k in ["M-1", "M-3"] {
        let m = sim.sale_money(by_fr[k]["id"].as_str().unwrap()).unwrap();
        assert_eq!((m.paid_cents, m.balance_cents), (2550, 0), "{k}");
    }
}

#[tokio::test]
async fn tax_comes_from_the_rate_when_the_template_maps_no_order_tax() {
    let sim = sim_with(None).await;
    let mut e = engine(&sim, configured);
    let templates = Templates::open(&e.store).unwrap();
    let mut t = templates
        .get(lsbridge::mapping::defaults::SEND_FRS_TEMPLATE_NAME)
        .unwrap();
    t.name = "rate tax".into();
    t.remove("Adjustments: Total Tax");
    templates.save(&t).unwrap();
    e.source.send_frs.template = Some("rate tax".into());
    // Quantity 3 at 12.99: 38.97 × 8.875 % = 3.4585875 → 3.46, which 3 units cannot share
    // evenly: the line is split (2 × 1.15 + 1 × 1.16).
    import(
        &e,
        &json!([fr("T-1", "t@example.com", &[("CP-FD-CHM", 3.0, 12.99)])]),
    );
    let s = send(&e, false).await;
    assert_eq!(s.counts.sent, 1, "{}", s.message);
    let sale = &sales(&sim)[0];
    let m = sim.sale_money(sale["id"].as_str().unwrap()).unwrap();
    assert_eq!(m.tax_cents, 346);
    assert_eq!(m.total_cents, 3897 + 346 + 950);
    let lines = item_lines(sale);
    let parts: Vec<(f64, f64)> = lines
        .iter()
        .map(|l| (num(&l["quantity"]), num(&l["tax"]["amount"])))
        .collect();
    assert_eq!(parts, vec![(2.0, 1.15), (1.0, 1.16)]);
}

#[tokio::test]
async fn a_body_that_differs_from_the_fr_is_held_with_both_figures() {
    let sim = sim_with(None).await;
    let mut e = engine(&sim, configured);
    let templates = Templates::open(&e.store).unwrap();
    let mut t = templates
        .get(lsbridge::mapping::defaults::SEND_FRS_TEMPLATE_NAME)
        .unwrap();
    t.name = "wrong price".into();
    t = t.with(
        "Register Sale Item: Price",
        lsbridge::mapping::Method::set_it("1"),
    );
    templates.save(&t).unwrap();
    e.source.send_frs.template = Some("wrong price".into());
    let mut w = fr("W-1", "w@example.com", &[("HP-MUG", 2.0, 16.0)]);
    w["tax"] = json!(2.84);
    import(&e, &json!([w]));
    let s = send(&e, false).await;
    assert_eq!(s.counts.info_required, 1);
    let f = Frs::open(&e.store)
        .unwrap()
        .get(e.source.id, "W-1")
        .unwrap()
        .unwrap();
    assert_eq!(f.status, FrStatus::AdditionalInfoRequired);
    // Sale: 2 × 1.00 + 2.84 + 9.50 = 14.34; FR: 32.00 + 9.50 + 2.84 = 44.34.
    assert!(
        f.reason.contains("the sale would total 14.34") && f.reason.contains("the FR totals 44.34"),
        "{}",
        f.reason
    );
    assert!(sales(&sim).is_empty());
}

#[tokio::test]
async fn the_sale_date_is_the_send_time_unless_the_fr_date_is_chosen() {
    let start = SystemTime::UNIX_EPOCH + Duration::from_secs(1_795_723_200);
    let clock: SharedClock = Arc::new(ManualClock::new(start));
    let sim = sim_with(Some(clock)).await;
    let mut e = engine(&sim, configured);
    let mut a = fr("DT-1", "dt@example.com", &[("HP-MUG", 1.0, 16.0)]);
    a["created_at"] = json!("2026-03-02T14:05:00Z");
    import(&e, &json!([a]));
    send(&e, false).await;
    let mut b = fr("DT-2", "dt@example.com", &[("HP-MUG", 1.0, 16.0)]);
    b["created_at"] = json!("2026-03-02T14:05:00Z");
    import(&e, &json!([b]));
    e.source.send_frs.sale_date_from_fr = true;
    send(&e, false).await;
    let by_fr: HashMap<String, Value> = sales(&sim)
        .into_iter()
        .map(|s| (s["source"]["id"].as_str().unwrap().to_string(), s))
        .collect();
    let date =
        |k: &str| lsbridge::frs::model::parse_time(by_fr[k]["date"].as_str().unwrap()).unwrap();
    assert_eq!(date("DT-1"), start);
    assert_eq!(
        date("DT-2"),
        lsbridge::frs::model::parse_time("2026-03-02T14:05:00Z").unwrap()
    );
}

#[tokio::test]
async fn the_starter_template_is_upgraded_only_when_unchanged() {
    use lsbridge::mapping::defaults::{earlier_send_frs_templates, SEND_FRS_TEMPLATE_NAME};
    use lsbridge::mapping::Method;
    let store = lsbridge::store::Store::open_temporary().unwrap();
    // An older version installed the earlier starter.
    let t = Templates::open(&store).unwrap();
    let old = earlier_send_frs_templates().remove(0);
    t.save(&old).unwrap();
    let t = Templates::open(&store).unwrap();
    let now = t.get(SEND_FRS_TEMPLATE_NAME).unwrap();
    assert_eq!(now, lsbridge::mapping::defaults::send_frs_template());
    assert!(t
        .lacks(SEND_FRS_TEMPLATE_NAME, Integration::SendFrs)
        .is_empty());
    // A starter the user changed is left alone, and what it lacks is said.
    let changed = old.with("Register Sale: Note", Method::set_it("web order"));
    t.save(&changed).unwrap();
    let t = Templates::open(&store).unwrap();
    assert_eq!(t.get(SEND_FRS_TEMPLATE_NAME).unwrap(), changed);
    let notes = t.lacks(SEND_FRS_TEMPLATE_NAME, Integration::SendFrs);
    assert_eq!(notes.len(), 1);
    assert!(notes[0].contains("Adjustments: Total Tax"), "{notes:?}");
    // A template mapping the order's tax from the FR saves (the source field exists).
    let mut tax = lsbridge::mapping::Template::new("tax only", Integration::SendFrs);
    for (target, source) in [
        ("Customer: First Name", "Shipping Address: First Name"),
        ("Customer: Last Name", "Shipping Address: Last Name"),
        (
            "Customer: Physical Address 1",
            "Shipping Address: Address Line 1",
        ),
        ("Customer: Physical City", "Shipping Address: City"),
        ("Customer: Physical State", "Shipping Address: State"),
        (
            "Customer: Physical Postcode",
            "Shipping Address: Postal Code",
        ),
        (
            "Customer: Physical Country Id",
            "Shipping Address: Country Code",
        ),
        ("Register Sale Item: Price", "FR Item: Unit Price"),
        ("Register Sale Item: Quantity", "FR Item: Quantity"),
        ("Adjustments: Total Tax", "Fulfillment Request: Total Tax"),
    ] {
        tax.set(target, Method::match_it(source));
    }
    t.save(&tax).unwrap();
}

/// `lsbridge demo` selects the demo store's shipping product, its default tax and a payment
/// type for methods the store lacks, so the sample FRs go out with their money.
#[tokio::test]
async fn the_demo_setup_sends_the_sample_frs_with_their_money() {
    let sim = sim_with(None).await;
    let store = lsbridge::store::Store::open_temporary().unwrap();
    let name = lsbridge::cli::tui::prepare_demo(&store, &sim)
        .await
        .unwrap();
    let source = lsbridge::source::Sources::open(&store)
        .unwrap()
        .by_name(&name)
        .unwrap();
    assert_eq!(
        source.send_frs.shipping_product_id.as_deref(),
        Some(SHIPPING)
    );
    assert_eq!(source.send_frs.tax_id.as_deref(), Some(TAX));
    let client = simkit::client(&sim, simkit::TOKEN, simkit::client_opts(sim.clock()));
    let ctx = lsbridge::jobs::JobCtx::new(store.clone(), client, lsbridge::jobs::Events::none());
    let bytes = std::fs::read(store.dir().join("sample-frs.json")).unwrap();
    import_bytes(
        &store,
        &source,
        "sample-frs.json",
        &bytes,
        None,
        ctx.clock.now(),
    )
    .unwrap();
    let t = Templates::open(&store)
        .unwrap()
        .compiled(source.send_frs.template.as_deref(), Integration::SendFrs)
        .unwrap();
    let s = send_frs::run(&ctx, &source, &t, &SendOptions::default())
        .await
        .unwrap();
    assert_eq!(
        (s.outcome, s.counts.sent),
        (Outcome::Ok, 5),
        "{}",
        s.message
    );
    for f in Frs::open(&store)
        .unwrap()
        .list(Some(source.id), None)
        .unwrap()
    {
        let m = sim.sale_money(f.sale_id.as_deref().unwrap()).unwrap();
        assert_eq!(m.total_cents, fr_money(&f).4, "{}", f.number);
        assert_eq!(m.balance_cents, 0, "{}", f.number);
    }
}

#[tokio::test]
async fn a_pickup_sale_says_pickup_and_creates_no_address() {
    let sim = sim_with(None).await;
    let mut e = engine(&sim, configured);
    let templates = Templates::open(&e.store).unwrap();
    let mut t = templates
        .get(lsbridge::mapping::defaults::SEND_FRS_TEMPLATE_NAME)
        .unwrap();
    t.name = "pickup".into();
    t = t.with(
        "Register Sale: Status",
        lsbridge::mapping::Method::set_it("AWAITING_PICKUP"),
    );
    templates.save(&t).unwrap();
    e.source.send_frs.template = Some("pickup".into());
    import(
        &e,
        &json!([fr("PU-1", "pu@example.com", &[("HP-MUG", 1.0, 16.0)])]),
    );
    let s = send(&e, false).await;
    assert_eq!(s.counts.sent, 1, "{}", s.message);
    let id = sales(&sim)[0]["id"].as_str().unwrap().to_string();
    let sent = sim
        .with_store(|s, _| s.sale_requests.get(&id).cloned())
        .unwrap();
    assert_eq!(sent["attributes"], json!(["pickup"]));
    assert_eq!(sent["fulfillment_details"], json!([{"type": "PICKUP"}]));
    assert_eq!(sim.with_store(|s, _| s.customer_addresses.len()), 0);
}
