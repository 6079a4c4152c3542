//! Send FRs against the simulator over loopback: SKU resolution, customers, holds, business
//! hours, backorders, and exactly one sale per FR under commit-then-drop, 5xx and 429 storms.

mod support;

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use lsbridge::clock::{Clock, ManualClock, SharedClock};
use lsbridge::frs::intake::import_bytes;
use lsbridge::frs::{FrStatus, Frs};
use lsbridge::jobs::send_frs::{self, SendOptions, SendSummary};
use lsbridge::jobs::Outcome;
use lsbridge::mapping::Integration;
use lsbridge::sim::{DuplicateSale, Faults, SimHandle, StoreSpec};
use lsbridge::sources::{BusinessHours, Source};
use lsbridge::templates::Templates;
use serde_json::{json, Value};

use support::engine::{engine, Engine};
use support::simkit;

const REGISTER: &str = "4372d80f-c820-5aaa-9268-14f03f6f643e";
const USER: &str = "4b8b8288-fe37-584b-b1c8-b60bf9d0b2c9";
const TAX: &str = "26bc762a-15e1-510d-8dce-cfb5f80720f6";
const CARD: &str = "884cf03f-7148-5d83-8465-976ce0a625c0";
const WEB_ORDER: &str = "e377a737-d0ec-5c95-8c86-c06069ba9035";
/// The demo store's shipping service (SKU SHIPPING).
const SHIPPING: &str = "4ccad2cd-c787-548f-aab8-e03644d744b5";

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
        .filter(|l| l["product"]["id"] != json!(SHIPPING) && l["product_id"] != json!(SHIPPING))
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
    assert!(simkit::assert_conformant(&sim.exchanges()) > 0);
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
