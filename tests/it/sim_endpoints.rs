//! Every endpoint the simulator serves, called through the client (or raw where the client
//! would refuse), asserting behaviour and that every exchange matches the spec subset.

use crate::support::simkit;
use lsbridge::lightspeed::client::Req;
use lsbridge::lightspeed::models::{
    Brand, Collection, Customer, IdRef, InventoryRecord, LinePricing, LineTax, PaymentType,
    PaymentTypeRef, Product, Register, SaleLineItem, SalePayment, SaleRequest, SaleSource, Single,
    Tax, User,
};
use lsbridge::lightspeed::pager::{CategoryPager, VersionPager};
use lsbridge::lightspeed::ApiError;
use lsbridge::sim::{DuplicateSale, InclusivePricing, SimHandle, StoreSpec, TokenSpec};
use reqwest::Method;
use serde_json::{json, Value};

async fn demo() -> SimHandle {
    let mut cfg = simkit::config(StoreSpec::Demo);
    cfg.tokens.push(TokenSpec {
        token: "catalog-only".into(),
        scopes: Some(vec!["products:read".into()]),
    });
    SimHandle::start(cfg).await.expect("simulator")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reference_data_and_catalog() {
    let sim = demo().await;
    let c = simkit::default_client(&sim);
    let r = c.retailer().await.unwrap();
    assert_eq!(r.name.as_deref(), Some("Harbor & Pine Outfitters"));

    let outlets: Vec<lsbridge::lightspeed::models::Outlet> =
        VersionPager::new(&c, "/outlets", None)
            .collect_all()
            .await
            .unwrap();
    assert_eq!(outlets.len(), 3);
    let one: Single<Value> = c
        .call(Req::get(format!("/outlets/{}", outlets[0].id)))
        .await
        .unwrap();
    assert_eq!(one.data["id"], json!(outlets[0].id));
    let registers: Vec<Register> = VersionPager::new(&c, "/registers", None)
        .collect_all()
        .await
        .unwrap();
    assert_eq!(registers.len(), 2);
    let _: Single<Value> = c
        .call(Req::get(format!("/registers/{}", registers[0].id)))
        .await
        .unwrap();
    let users: Vec<User> = VersionPager::new(&c, "/users", None)
        .collect_all()
        .await
        .unwrap();
    assert!(users.len() >= 3);
    let me: Single<User> = c.call(Req::get("/user")).await.unwrap();
    assert!(users.iter().any(|u| u.id == me.data.id));
    let taxes: Vec<Tax> = VersionPager::new(&c, "/taxes", None)
        .collect_all()
        .await
        .unwrap();
    assert!(taxes.iter().any(|t| t.name == "No Tax" && t.rate() == 0.0));
    let pts: Vec<PaymentType> = VersionPager::new(&c, "/payment_types", None)
        .collect_all()
        .await
        .unwrap();
    assert!(!pts.is_empty());
    let live: Vec<Brand> = VersionPager::new(&c, "/brands", None)
        .collect_all()
        .await
        .unwrap();
    let all: Vec<Brand> = VersionPager::new(&c, "/brands", None)
        .include_deleted(true)
        .collect_all()
        .await
        .unwrap();
    assert_eq!(all.len(), live.len() + 1, "one brand is soft-deleted");
    assert!(all.iter().any(|b| b.deleted_at.is_some()));

    // Categories page by id with page_info, two levels.
    let cats = CategoryPager::new(&c)
        .page_size(5)
        .collect_all()
        .await
        .unwrap();
    assert_eq!(cats.len(), 35);
    assert!(cats.iter().any(|c| c.category_path.len() == 2));

    // Soft deletes only with deleted=true.
    let live: Vec<Product> = VersionPager::new(&c, "/products", None)
        .collect_all()
        .await
        .unwrap();
    let with_deleted: Vec<Product> = VersionPager::new(&c, "/products", None)
        .include_deleted(true)
        .collect_all()
        .await
        .unwrap();
    assert_eq!(
        with_deleted.len(),
        342,
        "341 products and the Shipping service"
    );
    assert_eq!(live.len(), 342 - 10);
    assert!(live.iter().all(|p| p.deleted_at.is_none()));
    // Variants are rows of their own, linked to the family parent.
    let variant = live.iter().find(|p| p.variant_parent_id.is_some()).unwrap();
    let parent = live
        .iter()
        .find(|p| Some(&p.id) == variant.variant_parent_id.as_ref())
        .unwrap();
    assert!(parent.has_variants);
    assert_eq!(variant.family_id, parent.family_id);
    assert!(!variant.variant_options.is_empty());

    // sku= short-circuits, by id, 404 for unknown.
    let by_sku = c
        .products_by_sku(&variant.sku.to_lowercase())
        .await
        .unwrap();
    assert_eq!(by_sku.len(), 1);
    assert_eq!(by_sku[0].id, variant.id);
    assert_eq!(
        c.product(&variant.id).await.unwrap().unwrap().sku,
        variant.sku
    );
    assert!(c
        .product("00000000-0000-0000-0000-000000000000")
        .await
        .unwrap()
        .is_none());

    // Inventory: one record per product and outlet; family lookup with variants=true.
    let recs = c.inventory_for_product(&variant.id).await.unwrap();
    assert_eq!(recs.len(), 3);
    let fam: Vec<InventoryRecord> = c
        .call(
            Req::get("/inventory")
                .json(
                    Method::POST,
                    &json!({"product_id": parent.id, "variants": true, "sort_direction": "asc"}),
                )
                .unwrap(),
        )
        .await
        .unwrap();
    let n_variants = live
        .iter()
        .filter(|p| p.variant_parent_id.as_ref() == Some(&parent.id))
        .count();
    assert_eq!(fam.len(), 3 * n_variants);

    // Search.
    let found: Value = c
        .call(
            Req::get("/search")
                .query("type", "products")
                .query("sku", &variant.sku),
        )
        .await
        .unwrap();
    assert_eq!(found["data"].as_array().unwrap().len(), 1);
    assert_eq!(
        simkit::assert_conformant(&sim.exchanges()),
        sim.exchanges().len()
    );
}

fn sale(sim: &SimHandle, id: Option<String>, qty: f64, state: &str) -> SaleRequest {
    sim.with_store(|s, _| {
        let user = s.users.iter().next().unwrap()["id"]
            .as_str()
            .unwrap()
            .to_string();
        let reg = s.registers.iter().next().unwrap()["id"]
            .as_str()
            .unwrap()
            .to_string();
        let tax = s.taxes.iter().find(|t| t["name"] == "No Tax").unwrap()["id"]
            .as_str()
            .unwrap()
            .to_string();
        let pay = s.payment_types.iter().next().unwrap()["id"]
            .as_str()
            .unwrap()
            .to_string();
        let product = s
            .products
            .iter()
            .find(|p| {
                p.active
                    && p.has_inventory
                    && !p.has_variants
                    && p.deleted_at.is_none()
                    && p.variant_parent_id.is_some()
            })
            .unwrap()
            .id
            .clone();
        SaleRequest {
            id,
            source: SaleSource {
                author_id: user,
                register_id: Some(reg),
                id: Some("FR-1001".into()),
                kind: Some("lsbridge".into()),
            },
            state: state.into(),
            note: Some("FR-1001".into()),
            line_items: vec![SaleLineItem {
                product: IdRef { id: product },
                quantity: qty,
                pricing: LinePricing {
                    price: 20.0,
                    ..LinePricing::default()
                },
                tax: LineTax {
                    id: tax,
                    amount: 0.0,
                },
                status: None,
            }],
            payments: vec![SalePayment {
                amount: 20.0 * qty,
                kind: PaymentTypeRef { config_id: pay },
                date: None,
            }],
            ..SaleRequest::default()
        }
    })
}

/// Stock of `product` at the outlet of the sale's register.
fn stock(sim: &SimHandle, product: &str, body: &SaleRequest) -> f64 {
    sim.with_store(|s, _| {
        let reg = s
            .registers
            .get(body.source.register_id.as_ref().unwrap())
            .unwrap();
        let outlet = reg["outlet_id"].as_str().unwrap().to_string();
        s.inventory_of(product)
            .iter()
            .filter(|r| r.outlet_id == outlet)
            .map(|r| r.current_inventory_level)
            .sum()
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sales_with_client_ids_never_duplicate() {
    let sim = demo().await;
    let c = simkit::default_client(&sim);
    let id = uuid::Uuid::new_v5(&uuid::Uuid::NAMESPACE_OID, b"src:FR-1001").to_string();
    let body = sale(&sim, Some(id.clone()), 2.0, "closed");
    let product = body.line_items[0].product.id.clone();
    let before = stock(&sim, &product, &body);

    let created = c.create_sale(&body).await.unwrap();
    assert_eq!(created.id, id);
    assert!(created
        .invoice_number
        .as_deref()
        .is_some_and(|n| !n.is_empty()));
    assert_eq!(
        stock(&sim, &product, &body),
        before - 2.0,
        "closing takes stock out"
    );

    // Re-POST (default: update semantics) — still one sale, stock moved once.
    let again = c.create_sale(&body).await.unwrap();
    assert_eq!(again.id, id);
    assert_eq!(sim.with_store(|s, _| s.sales.len()), 1);
    assert_eq!(stock(&sim, &product, &body), before - 2.0);

    // 409 mode.
    sim.set_duplicate_sale(DuplicateSale::Conflict);
    let err = c.create_sale(&body).await.unwrap_err();
    assert!(
        matches!(err, ApiError::Rejected { status: 409, .. }),
        "{err}"
    );
    // Return-existing mode.
    sim.set_duplicate_sale(DuplicateSale::ReturnExisting);
    let mut changed = body.clone();
    changed.note = Some("changed".into());
    let same = c.create_sale(&changed).await.unwrap();
    assert_eq!(same.note.as_deref(), Some("FR-1001"));
    assert_eq!(sim.with_store(|s, _| s.sales.len()), 1);

    // GET by id; unknown id is None.
    assert_eq!(c.sale(&id).await.unwrap().unwrap().id, id);
    assert!(c
        .sale(&uuid::Uuid::nil().to_string())
        .await
        .unwrap()
        .is_none());

    // PUT: closed → voided puts the stock back; voided cannot change again.
    let mut void = body.clone();
    void.state = "voided".into();
    let v = c.update_sale(&id, &void).await.unwrap();
    assert_eq!(v.state.as_deref(), Some("voided"));
    assert_eq!(stock(&sim, &product, &body), before);
    let mut reopen = body.clone();
    reopen.state = "parked".into();
    let err = c.update_sale(&id, &reopen).await.unwrap_err();
    assert!(
        matches!(err, ApiError::Rejected { status: 422, .. }),
        "{err}"
    );

    // List and search by invoice number.
    let list: Collection<Value> = c.call(Req::get("/sales")).await.unwrap();
    assert_eq!(list.data.len(), 1);
    let inv = created.invoice_number.unwrap();
    let found: Value = c
        .call(
            Req::get("/search")
                .query("type", "sales")
                .query("invoice_number", &inv),
        )
        .await
        .unwrap();
    assert_eq!(found["data"][0]["id"], json!(id));

    // A sale for an unknown product is refused with 422 and creates nothing.
    let mut bad = sale(&sim, None, 1.0, "parked");
    bad.line_items[0].product.id = uuid::Uuid::nil().to_string();
    let err = c.create_sale(&bad).await.unwrap_err();
    assert!(
        matches!(err, ApiError::Rejected { status: 422, .. }),
        "{err}"
    );
    assert_eq!(sim.with_store(|s, _| s.sales.len()), 1);
    simkit::assert_conformant(&sim.exchanges());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn customers_create_find_and_reuse() {
    let sim = demo().await;
    let c = simkit::default_client(&sim);
    let created = c
        .create_customer(&Customer {
            first_name: Some("Ada".into()),
            last_name: Some("Lovelace".into()),
            email: Some("ada@example.com".into()),
            physical_city: Some("London".into()),
            ..Customer::default()
        })
        .await
        .unwrap();
    let id = created.id.clone().unwrap();
    let found = c.find_customers_by_email("ADA@example.com").await.unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].id.as_deref(), Some(id.as_str()));
    let one: Single<Customer> = c.call(Req::get(format!("/customers/{id}"))).await.unwrap();
    assert_eq!(one.data.physical_city.as_deref(), Some("London"));
    let all: Vec<Value> = c.peek::<Value>("/customers", 1000).await.unwrap().data;
    assert_eq!(
        all.len(),
        12 + 1 - 1,
        "demo has 12 customers, one soft-deleted, plus ours"
    );
    simkit::assert_conformant(&sim.exchanges());
    // Deliberately outside the request schema from here on.
    // Missing last name: 422, nothing created.
    let req = Req::get("/customers")
        .json(Method::POST, &json!({"first_name": "Solo"}))
        .unwrap()
        .idempotent(false);
    let err = c.call::<Value>(req).await.unwrap_err();
    assert!(
        matches!(err, ApiError::Rejected { status: 422, .. }),
        "{err}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn auth_scopes_and_errors_have_the_spec_shapes() {
    let sim = demo().await;
    let http = reqwest::Client::new();
    let base = format!("{}/api/2026-07", sim.origin());
    // Missing and unknown tokens: 401 {"error": …}.
    let r = http.get(format!("{base}/products")).send().await.unwrap();
    assert_eq!(r.status(), 401);
    let r = http
        .get(format!("{base}/products"))
        .bearer_auth("nope")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"], "Access token is not valid");
    // Missing scope: 403, and the client names the scope.
    let limited = simkit::client(&sim, "catalog-only", simkit::client_opts(sim.clock()));
    assert!(limited.peek::<Value>("/products", 1).await.is_ok());
    let err = limited.peek::<Value>("/sales", 1).await.unwrap_err();
    match &err {
        ApiError::Forbidden { scope, .. } => assert_eq!(scope, "sales:read"),
        e => panic!("expected 403, got {e}"),
    }
    let r = http
        .get(format!("{base}/search?type=customers&email=x"))
        .bearer_auth("catalog-only")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    // Bad parameters: 400 with a message.
    let c = simkit::default_client(&sim);
    let err = c
        .call::<Value>(Req::get("/products").query("page_size", "lots"))
        .await
        .unwrap_err();
    assert!(
        matches!(err, ApiError::Rejected { status: 400, .. }),
        "{err}"
    );
    assert!(err.to_string().contains("page_size"));
    let err = c.call::<Value>(Req::get("/search")).await.unwrap_err();
    assert!(
        matches!(err, ApiError::Rejected { status: 400, .. }),
        "{err}"
    );
    // Versions past end-of-life are served by the oldest supported one (docs); a segment
    // that is no version at all is 404.
    let get = |url: String| http.get(url).bearer_auth(simkit::TOKEN).send();
    let r = get(format!("{}/api/2024-01/retailer", sim.origin()))
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let r = get(format!("{}/api/latest/products", sim.origin()))
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    let r = get(format!("{base}/not_a_thing")).await.unwrap();
    assert_eq!(r.status(), 404);
    // Every API answer is JSON with the budget headers when rate limiting is on (it is off
    // here), and always a Date.
    let r = get(format!("{base}/retailer")).await.unwrap();
    assert!(r.headers().get("date").is_some());
    assert_eq!(r.headers()["content-type"], "application/json");
    let ex: Vec<_> = sim
        .exchanges()
        .into_iter()
        .filter(|x| x.path.starts_with("/api/2026-07/") && !x.path.ends_with("/not_a_thing"))
        .collect();
    simkit::assert_conformant(&ex);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn commit_then_drop_leaves_a_sale_the_client_must_reconcile() {
    let sim = demo().await;
    let c = simkit::default_client(&sim);
    let id = uuid::Uuid::new_v5(&uuid::Uuid::NAMESPACE_OID, b"src:FR-2002").to_string();
    let body = sale(&sim, Some(id.clone()), 1.0, "parked");
    sim.set_faults(lsbridge::sim::Faults {
        script: [lsbridge::sim::Fault::CommitDrop].into(),
        ..Default::default()
    });
    let err = c.create_sale(&body).await.unwrap_err();
    assert!(matches!(err, ApiError::Ambiguous { .. }), "{err}");
    assert!(!err.certainly_not_applied());
    // The store did commit it; a GET by the client-chosen id finds it, so nothing is resent.
    let found = c
        .sale(&id)
        .await
        .unwrap()
        .expect("sale exists despite the dropped answer");
    assert_eq!(found.id, id);
    assert_eq!(sim.with_store(|s, _| s.sales.len()), 1);

    // A 5xx on POST is ambiguous too (the client never resends a sale by itself) …
    sim.set_faults(lsbridge::sim::Faults {
        script: [lsbridge::sim::Fault::Status(503)].into(),
        ..Default::default()
    });
    let other = sale(&sim, Some(uuid::Uuid::new_v4().to_string()), 1.0, "parked");
    let err = c.create_sale(&other).await.unwrap_err();
    assert!(matches!(err, ApiError::Ambiguous { .. }), "{err}");
    // … and a connection reset before any answer is as well.
    sim.set_faults(lsbridge::sim::Faults {
        script: [lsbridge::sim::Fault::Reset].into(),
        ..Default::default()
    });
    let err = c.create_sale(&other).await.unwrap_err();
    assert!(matches!(err, ApiError::Ambiguous { .. }), "{err}");
    // Idempotent reads under the same faults are simply retried.
    sim.set_faults(lsbridge::sim::Faults {
        script: [
            lsbridge::sim::Fault::Reset,
            lsbridge::sim::Fault::Status(502),
        ]
        .into(),
        ..Default::default()
    });
    assert!(c.sale(&id).await.unwrap().is_some());
}

// ---- sale money, refusals, addresses ---------------------------------------------------
//
// Bodies are raw JSON, as the spec and the docs shape them (money as numeric strings where
// the docs' sales_101 example sends strings), so these tests do not depend on the client's
// request model.

// The demo store (fixtures/stores/demo); demo-inclusive has the same ids.
const MAIN_REGISTER: &str = "4372d80f-c820-5aaa-9268-14f03f6f643e";
const MAYA: &str = "4b8b8288-fe37-584b-b1c8-b60bf9d0b2c9";
const LUIS: &str = "9e738f21-1e34-5f9e-b376-30cf7ca2e14b";
const NO_TAX: &str = "8a90642b-e8d4-5ea4-b1ac-4e1122bf6d9d";
const NY_TAX: &str = "26bc762a-15e1-510d-8dce-cfb5f80720f6";
const NJ_TAX: &str = "665d33db-91c5-540c-baaf-6889356d67dc";
const CASH: &str = "384be9a1-1683-57da-a5e1-91aee9225b0b";
const CREDIT_CARD: &str = "884cf03f-7148-5d83-8465-976ce0a625c0";
const GIFT_CARD: &str = "39dface4-7e58-5398-b423-465c15facf49";
/// Disabled in the demo store.
const CHECK: &str = "072ac531-a8d9-5854-b2eb-ef1daf6a3186";
const SPORK: &str = "0dd84083-684c-53ea-ab37-ac996b50777d";
const MUG: &str = "3cf667f4-9aeb-5334-89a2-47b40a6253c5";
/// `sku: SHIPPING`, not tracked.
const SHIPPING: &str = "4ccad2cd-c787-548f-aab8-e03644d744b5";
/// `retailer.discount_product_id`.
const DISCOUNT: &str = "7ac69e25-8bd2-53cb-bf2e-cfea1875d260";
/// Soft-deleted in the demo store.
const DELETED_PRODUCT: &str = "33f32f70-e7db-5676-a9d0-b9f3f971ae7a";
const ELENA: &str = "e0ae9e3c-a9ec-5712-a2c3-83ca2b6d5d9d";
const DARNELL: &str = "fe282948-fedf-5f56-836d-ec84388ef1d4";
const NIL: &str = "00000000-0000-0000-0000-000000000000";

async fn store(spec: StoreSpec) -> SimHandle {
    SimHandle::start(simkit::config(spec))
        .await
        .expect("simulator")
}

/// One request over loopback; the status and the JSON body (`null` when there is none).
async fn call(sim: &SimHandle, method: Method, path: &str, body: Option<&Value>) -> (u16, Value) {
    let url = if path.starts_with("/__sim/") {
        format!("{}{path}", sim.origin())
    } else {
        format!("{}/api/2026-07{path}", sim.origin())
    };
    let mut req = reqwest::Client::new()
        .request(method, url)
        .bearer_auth(simkit::TOKEN);
    if let Some(b) = body {
        req = req.json(b);
    }
    let r = req.send().await.expect("simulator answers");
    let status = r.status().as_u16();
    let text = r.text().await.expect("body");
    let v = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).expect("JSON body")
    };
    (status, v)
}

fn line(product: &str, qty: f64, price: Value, tax: &str, amount: Value) -> Value {
    json!({
        "product": {"id": product}, "quantity": qty,
        "pricing": {"price": price}, "tax": {"id": tax, "amount": amount}
    })
}

fn sale_body(id: &str, state: &str, lines: Vec<Value>, payments: Vec<Value>) -> Value {
    json!({
        "id": id, "state": state,
        "source": {"author_id": MAYA, "register_id": MAIN_REGISTER, "id": "WEB-1", "type": "lsbridge"},
        "line_items": lines, "payments": payments
    })
}

fn pay(config_id: &str, amount: &str) -> Value {
    json!({"type": {"config_id": config_id}, "amount": amount})
}

fn new_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// The sale's money as the simulator reports it over HTTP; it must equal the in-process
/// report and agree with the figures recomputed from its parts.
async fn money_of(sim: &SimHandle, id: &str) -> lsbridge::sim::SaleMoney {
    let (status, body) = call(sim, Method::GET, &format!("/__sim/sales/{id}/money"), None).await;
    assert_eq!(status, 200, "{body}");
    let m: lsbridge::sim::SaleMoney = serde_json::from_value(body["data"].clone()).unwrap();
    assert_eq!(Some(&m), sim.sale_money(id).as_ref());
    assert_eq!(
        m.recomputed(),
        (m.price_cents, m.tax_cents, m.total_cents, m.balance_cents)
    );
    m
}

fn cents(v: &Value) -> i64 {
    (v.as_f64().unwrap_or_else(|| panic!("not a number: {v}")) * 100.0).round() as i64
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sale_totals_in_a_tax_exclusive_store() {
    let sim = store(StoreSpec::Demo).await;
    let (_, r) = call(&sim, Method::GET, "/retailer", None).await;
    assert_eq!(r["data"]["tax_exclusive"], json!(true));
    assert_eq!(r["data"]["discount_product_id"], json!(DISCOUNT));
    let (_, p) = call(&sim, Method::GET, "/products?sku=SHIPPING", None).await;
    assert_eq!(p["data"][0]["id"], json!(SHIPPING));
    assert_eq!(p["data"][0]["has_inventory"], json!(false));

    // The docs' own example (sales_101): strings, price 22 + tax 3.3 paid with 25.3.
    let id = new_id();
    let body = sale_body(
        &id,
        "closed",
        vec![line(MUG, 1.0, json!("22"), NY_TAX, json!("3.3"))],
        vec![pay(CASH, "25.3")],
    );
    let (status, s) = call(&sim, Method::POST, "/sales", Some(&body)).await;
    assert_eq!(status, 200, "{s}");
    let t = &s["data"]["totals"];
    assert_eq!(
        (
            cents(&t["price"]),
            cents(&t["tax"]),
            cents(&t["price_incl_tax"])
        ),
        (2200, 330, 2530)
    );
    assert_eq!(money_of(&sim, &id).await.balance_cents, 0);

    // Two sporks, a mug, shipping, a discount line, a sale-level discount and a 2 % fee,
    // part paid.
    let id = new_id();
    let mut body = sale_body(
        &id,
        "pending",
        vec![
            line(SPORK, 2.0, json!("12.00"), NY_TAX, json!("1.065")),
            line(MUG, 1.0, json!(16), NY_TAX, json!(1.42)),
            line(SHIPPING, 1.0, json!("12.50"), NO_TAX, json!("0")),
            line(DISCOUNT, 1.0, json!("-5.00"), NO_TAX, json!("0")),
        ],
        vec![pay(CREDIT_CARD, "30.00"), pay(CASH, "5")],
    );
    body["pricing"] = json!({"adjustments": [
        {"type": "DISCOUNT", "name": "WELCOME10", "amount": {"type": "FIXED", "value": "10.00"}},
        {"type": "NON_CASH_FEE", "name": "Card fee", "amount": {"type": "PERCENT", "value": "2"}}
    ]});
    let (status, s) = call(&sim, Method::POST, "/sales", Some(&body)).await;
    assert_eq!(status, 200, "{s}");
    let sale = &s["data"];
    // Lines: 24.00 + 2.13 tax, 16.00 + 1.42, 12.50, -5.00.
    let totals: Vec<(i64, i64)> = sale["line_items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| (cents(&l["pricing"]["total"]), cents(&l["tax"]["total"])))
        .collect();
    assert_eq!(totals, vec![(2400, 213), (1600, 142), (1250, 0), (-500, 0)]);
    // Lines 47.50; fee 2 % of 47.50 = 0.95; discount 10: price 38.45, tax 3.55.
    let t = &sale["totals"];
    assert_eq!(
        (
            cents(&t["price"]),
            cents(&t["tax"]),
            cents(&t["price_incl_tax"])
        ),
        (3845, 355, 4200)
    );
    let taxes: Vec<(String, i64)> = sale["taxes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| (x["id"].as_str().unwrap().to_string(), cents(&x["tax"])))
        .collect();
    assert!(taxes.contains(&(NY_TAX.to_string(), 355)), "{taxes:?}");
    let adj: Vec<(String, i64)> = sale["adjustments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["adjustment_type"].as_str().unwrap().to_string(),
                cents(&a["total"]),
            )
        })
        .collect();
    assert_eq!(
        adj,
        vec![
            ("DISCOUNT".to_string(), 1000),
            ("NON_CASH_FEE".to_string(), 95)
        ]
    );
    assert_eq!(cents(&sale["payments"][0]["amount"]), 3000);

    let m = money_of(&sim, &id).await;
    assert!(m.tax_exclusive);
    assert_eq!(
        (m.price_cents, m.tax_cents, m.total_cents),
        (3845, 355, 4200)
    );
    assert_eq!((m.paid_cents, m.balance_cents), (3500, 700));
    assert_eq!(m.discount_cents, 1000 + 500);
    let ship: Vec<_> = m.lines_of(SHIPPING).collect();
    assert_eq!((ship.len(), ship[0].total_cents), (1, 1250));
    assert!(m.lines_of(DISCOUNT).all(|l| l.is_discount_product));
    assert_eq!(
        m.adjustments
            .iter()
            .map(|a| a.effect_cents)
            .collect::<Vec<_>>(),
        vec![-1000, 95]
    );
    assert_eq!(m.payments[0].name, "Credit Card");

    // PUT with the rest paid: recomputed, balance 0; stock left once when closed.
    let before = sim.with_store(|s, _| {
        s.inventory_of(SPORK)
            .iter()
            .map(|r| r.current_inventory_level)
            .sum::<f64>()
    });
    body["state"] = json!("closed");
    body["payments"] = json!([pay(CREDIT_CARD, "30.00"), pay(CASH, "12")]);
    body.as_object_mut().unwrap().remove("id");
    let (status, s) = call(&sim, Method::PUT, &format!("/sales/{id}"), Some(&body)).await;
    assert_eq!(status, 200, "{s}");
    let m = money_of(&sim, &id).await;
    assert_eq!(
        (m.total_cents, m.paid_cents, m.balance_cents),
        (4200, 4200, 0)
    );
    let after = sim.with_store(|s, _| {
        s.inventory_of(SPORK)
            .iter()
            .map(|r| r.current_inventory_level)
            .sum::<f64>()
    });
    assert_eq!(after, before - 2.0);

    // Voiding deletes the payments (docs: sales_statuses); nothing is owed.
    body["state"] = json!("voided");
    let (status, s) = call(&sim, Method::PUT, &format!("/sales/{id}"), Some(&body)).await;
    assert_eq!(status, 200, "{s}");
    assert!(s["data"]["payments"][0]["deleted_at"].is_string());
    let m = money_of(&sim, &id).await;
    assert_eq!((m.paid_cents, m.balance_cents), (0, 0));
    assert!(m.payments.iter().all(|p| p.deleted));

    let api: Vec<_> = sim
        .exchanges()
        .into_iter()
        .filter(|x| x.path.starts_with("/api/"))
        .collect();
    simkit::assert_conformant(&api);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sale_totals_in_a_tax_inclusive_store() {
    let sim = store(StoreSpec::DemoInclusive).await;
    let (_, r) = call(&sim, Method::GET, "/retailer", None).await;
    assert_eq!(r["data"]["tax_exclusive"], json!(false));
    let (_, o) = call(&sim, Method::GET, "/outlets", None).await;
    assert!(o["data"]
        .as_array()
        .unwrap()
        .iter()
        .all(|o| o["display_prices"] == "inclusive"));
    let (_, p) = call(&sim, Method::GET, "/products?sku=SHIPPING", None).await;
    assert_eq!(
        p["data"][0]["id"],
        json!(SHIPPING),
        "same catalog as the demo"
    );

    // Default reading: price before tax, tax on top; the tax-inclusive line total is the
    // one rounded. 9.185 + 0.815 = 10.00 exactly (a tax-exclusive store rounds each: 10.01).
    let id = new_id();
    let mut body = sale_body(
        &id,
        "closed",
        vec![
            line(SPORK, 1.0, json!("9.185"), NY_TAX, json!("0.815")),
            line(DISCOUNT, 1.0, json!("-2.00"), NO_TAX, json!("0")),
        ],
        vec![pay(CASH, "7.00")],
    );
    body["pricing"] = json!({"adjustments": [
        {"type": "DISCOUNT", "amount": {"type": "PERCENT", "value": "10"}}
    ]});
    let (status, s) = call(&sim, Method::POST, "/sales", Some(&body)).await;
    assert_eq!(status, 200, "{s}");
    // Lines: 10.00 incl (tax 0.82, so 9.18 excl) and -2.00; 10 % of 8.00 incl = 0.80 off.
    let t = &s["data"]["totals"];
    assert_eq!(
        (
            cents(&t["price"]),
            cents(&t["tax"]),
            cents(&t["price_incl_tax"])
        ),
        (638, 82, 720)
    );
    let m = money_of(&sim, &id).await;
    assert!(!m.tax_exclusive);
    assert_eq!(
        m.lines
            .iter()
            .map(|l| (l.price_cents, l.tax_cents, l.total_cents))
            .collect::<Vec<_>>(),
        vec![(918, 82, 1000), (-200, 0, -200)]
    );
    assert_eq!((m.discount_cents, m.balance_cents), (200 + 80, 20));

    // The same line in the tax-exclusive demo rounds price and tax separately.
    let excl = store(StoreSpec::Demo).await;
    let id2 = new_id();
    let b2 = sale_body(
        &id2,
        "parked",
        vec![line(SPORK, 1.0, json!("9.185"), NY_TAX, json!("0.815"))],
        vec![],
    );
    assert_eq!(call(&excl, Method::POST, "/sales", Some(&b2)).await.0, 200);
    let m2 = money_of(&excl, &id2).await;
    assert_eq!(
        (m2.price_cents, m2.tax_cents, m2.total_cents),
        (919, 82, 1001)
    );

    // The other reading, as an option: price includes the tax in a tax-inclusive store.
    sim.set_inclusive_pricing(InclusivePricing::PriceIncludesTax);
    let id3 = new_id();
    let b3 = sale_body(
        &id3,
        "closed",
        vec![line(SPORK, 3.0, json!("10.00"), NY_TAX, json!("0.815"))],
        vec![pay(CASH, "30")],
    );
    let (status, s) = call(&sim, Method::POST, "/sales", Some(&b3)).await;
    assert_eq!(status, 200, "{s}");
    let m3 = money_of(&sim, &id3).await;
    // 30.00 incl, tax 2.445 -> 2.45, so 27.55 excl; paid in full.
    assert_eq!(
        (
            m3.price_cents,
            m3.tax_cents,
            m3.total_cents,
            m3.balance_cents
        ),
        (2755, 245, 3000, 0)
    );
    // A tax-exclusive store reads price as before tax whatever the option.
    excl.set_inclusive_pricing(InclusivePricing::PriceIncludesTax);
    let id4 = new_id();
    let b4 = sale_body(
        &id4,
        "parked",
        vec![line(SPORK, 3.0, json!("10.00"), NY_TAX, json!("0.8875"))],
        vec![],
    );
    assert_eq!(call(&excl, Method::POST, "/sales", Some(&b4)).await.0, 200);
    assert_eq!(money_of(&excl, &id4).await.total_cents, 3266);

    // Switching the store's mode at run time (as its owner could) takes effect for new sales.
    excl.set_tax_exclusive(false);
    let (_, r) = call(&excl, Method::GET, "/retailer", None).await;
    assert_eq!(r["data"]["tax_exclusive"], json!(false));
    let api: Vec<_> = sim
        .exchanges()
        .into_iter()
        .filter(|x| x.path.starts_with("/api/"))
        .collect();
    simkit::assert_conformant(&api);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_closed_sale_paid_in_full_is_an_option() {
    let sim = store(StoreSpec::Demo).await;
    let body = |id: &str, state: &str, paid: &str| {
        sale_body(
            id,
            state,
            vec![line(MUG, 1.0, json!("16"), NY_TAX, json!("1.42"))],
            vec![pay(CASH, paid)],
        )
    };
    // Default (undocumented either way): accepted, with a balance.
    let id = new_id();
    let (status, _) = call(
        &sim,
        Method::POST,
        "/sales",
        Some(&body(&id, "closed", "10")),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(money_of(&sim, &id).await.balance_cents, 742);

    sim.set_closed_sale_paid_in_full(true);
    let id = new_id();
    let (status, e) = call(
        &sim,
        Method::POST,
        "/sales",
        Some(&body(&id, "closed", "17.41")),
    )
    .await;
    assert_eq!(status, 422, "{e}");
    assert_eq!(e["error"], "payments: a closed sale must be paid in full");
    assert_eq!(e["message"], "total 17.42, paid 17.41, balance 0.01");
    assert!(sim.sale_money(&id).is_none(), "nothing recorded");
    // Paid in full, or not closed: accepted.
    let (status, _) = call(
        &sim,
        Method::POST,
        "/sales",
        Some(&body(&id, "closed", "17.42")),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(money_of(&sim, &id).await.balance_cents, 0);
    let id = new_id();
    let (status, _) = call(
        &sim,
        Method::POST,
        "/sales",
        Some(&body(&id, "pending", "5")),
    )
    .await;
    assert_eq!(status, 200);
    // Closing it later without the rest is refused; the pending sale is unchanged.
    let (status, _) = call(
        &sim,
        Method::PUT,
        &format!("/sales/{id}"),
        Some(&body(&id, "closed", "5")),
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(money_of(&sim, &id).await.state, "pending");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sales_the_store_would_refuse_are_422_naming_the_field() {
    let sim = store(StoreSpec::Demo).await;
    // Things the store's staff deleted.
    sim.with_store(|s, rng| {
        let stamp = json!("2026-06-01T00:00:00+00:00");
        let v = s.bump(rng);
        s.taxes
            .update(NJ_TAX, v, |t| t["deleted_at"] = stamp.clone());
        let v = s.bump(rng);
        s.payment_types
            .update(GIFT_CARD, v, |t| t["deleted_at"] = stamp.clone());
        let v = s.bump(rng);
        s.users.update(LUIS, v, |t| t["deleted_at"] = stamp.clone());
    });
    let good = || {
        let mut b = sale_body(
            &new_id(),
            "parked",
            vec![line(MUG, 1.0, json!("16"), NY_TAX, json!("1.42"))],
            vec![pay(CASH, "17.42")],
        );
        b["customer_id"] = json!(ELENA);
        b
    };
    let (status, e) = call(&sim, Method::POST, "/sales", Some(&good())).await;
    assert_eq!(status, 200, "{e}");

    type Edit = fn(&mut Value);
    let cases: Vec<(&str, Edit)> = vec![
        ("line_items[0].tax.id: tax not found", |b| b["line_items"][0]["tax"]["id"] = json!(NIL)),
        ("line_items[0].tax.id: tax is deleted", |b| b["line_items"][0]["tax"]["id"] = json!(NJ_TAX)),
        ("line_items[0].product.id: product not found", |b| b["line_items"][0]["product"]["id"] = json!(NIL)),
        ("line_items[0].product.id: product is deleted", |b| {
            b["line_items"][0]["product"]["id"] = json!(DELETED_PRODUCT)
        }),
        ("payments[0].type.config_id: payment type not found", |b| {
            b["payments"][0]["type"]["config_id"] = json!(NIL)
        }),
        ("payments[0].type.config_id: payment type is disabled", |b| {
            b["payments"][0]["type"]["config_id"] = json!(CHECK)
        }),
        ("payments[0].type.config_id: payment type is deleted", |b| {
            b["payments"][0]["type"]["config_id"] = json!(GIFT_CARD)
        }),
        ("source.register_id: register not found", |b| b["source"]["register_id"] = json!(NIL)),
        ("source.author_id: user not found", |b| b["source"]["author_id"] = json!(NIL)),
        ("source.author_id: user is deleted", |b| b["source"]["author_id"] = json!(LUIS)),
        ("customer_id: customer not found", |b| b["customer_id"] = json!(NIL)),
        ("fulfillment_details[0].shipping_address_id: a DISPATCH fulfillment needs a shipping address", |b| {
            b["fulfillment_details"] = json!([{"type": "DISPATCH"}])
        }),
        ("fulfillment_details[0].shipping_address_id: address not found", |b| {
            b["fulfillment_details"] = json!([{"type": "DISPATCH", "shipping_address_id": "999"}])
        }),
        ("fulfillment_details[0].shipping_address_token: address token not found", |b| {
            b["fulfillment_details"] = json!([{"type": "DISPATCH", "shipping_address_token": "nope"}])
        }),
        ("line_items[0].pricing.adjustments: line-level adjustments are not supported by this simulator", |b| {
            b["line_items"][0]["pricing"]["adjustments"] =
                json!([{"type": "DISCOUNT", "target": {"method": "SINGLE"}}])
        }),
        ("payments[0].billing_address_id: address not found", |b| {
            b["payments"][0]["billing_address_id"] = json!("4100999")
        }),
        ("attributes: onaccount/layby and pickup/delivery are mutually exclusive", |b| {
            b["attributes"] = json!(["pickup", "delivery"])
        }),
    ];
    for (want, edit) in cases {
        let mut b = good();
        edit(&mut b);
        let (status, e) = call(&sim, Method::POST, "/sales", Some(&b)).await;
        assert_eq!(status, 422, "{want}: {e}");
        assert_eq!(e["error"], json!(want), "{e}");
        assert!(e["message"].as_str().is_some_and(|m| !m.is_empty()), "{e}");
    }
    // Shapes the spec rules out are 400, naming the field.
    let bad: Vec<(&str, Edit)> = vec![
        ("line_items[0].pricing.price", |b| {
            b["line_items"][0]["pricing"]["price"] = json!("12,50")
        }),
        ("line_items[0].tax.amount", |b| {
            b["line_items"][0]["tax"]
                .as_object_mut()
                .unwrap()
                .remove("amount");
        }),
        ("payments[0].amount", |b| {
            b["payments"][0]["amount"] = json!(true)
        }),
        (
            "pricing.adjustments[0].type",
            |b| b["pricing"] = json!({"adjustments": [{"type": "GIFT", "amount": {"type": "FIXED", "value": "1"}}]}),
        ),
        (
            "pricing.adjustments[0].amount.value",
            |b| b["pricing"] = json!({"adjustments": [{"type": "DISCOUNT", "amount": {"type": "FIXED", "value": "ten"}}]}),
        ),
    ];
    for (field, edit) in bad {
        let mut b = good();
        edit(&mut b);
        let (status, e) = call(&sim, Method::POST, "/sales", Some(&b)).await;
        assert_eq!(status, 400, "{field}: {e}");
        assert!(e["error"].as_str().unwrap().starts_with(field), "{e}");
    }
    assert_eq!(
        sim.with_store(|s, _| s.sales.len()),
        1,
        "no refused sale was kept"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn customer_addresses_and_dispatch_details() {
    let sim = store(StoreSpec::Demo).await;
    let base = format!("/customers/{ELENA}/addresses");
    let addr = json!({
        "address_line_1": "12 Harbor St", "city": "Brooklyn", "state": "New York",
        "state_code": "NY", "postcode": "11201", "country_code": "US", "type": "SHIPPING"
    });
    let (status, c) = call(&sim, Method::POST, &base, Some(&addr)).await;
    assert_eq!(status, 201, "{c}");
    let a = &c["data"];
    let id = a["id"].as_u64().expect("int64 id");
    let token = a["id_token"].as_str().unwrap().to_string();
    assert_eq!(a["customer_id"], json!(ELENA));
    assert_eq!(a["country_name"], json!("United States"));
    let (status, l) = call(&sim, Method::GET, &base, None).await;
    assert_eq!(status, 200);
    assert_eq!(l["data"].as_array().unwrap().len(), 1);
    let mut moved = addr.clone();
    moved["address_line_1"] = json!("14 Harbor St");
    let (status, u) = call(&sim, Method::PUT, &format!("{base}/{id}"), Some(&moved)).await;
    assert_eq!(status, 200, "{u}");
    let (_, g) = call(&sim, Method::GET, &format!("{base}/{id}"), None).await;
    assert_eq!(g["data"]["address_line_1"], json!("14 Harbor St"));
    assert_eq!(g["data"]["created_at"], a["created_at"]);

    // The spec's validation rules: 400 naming the field; unknown customer or address 404.
    for (edit, field) in [
        (json!({"city": null}), "city"),
        (json!({"state_code": null}), "state_code"),
        (json!({"state_code": "ZZ"}), "state_code"),
        (json!({"type": "HOME"}), "type"),
        (json!({"country_code": "USA"}), "country_code"),
        (json!({"postcode": "1120"}), "postcode"),
        (json!({"address_line_1": "x".repeat(51)}), "address_line_1"),
    ] {
        let mut b = addr.clone();
        for (k, v) in edit.as_object().unwrap() {
            b[k] = v.clone();
        }
        let (status, e) = call(&sim, Method::POST, &base, Some(&b)).await;
        assert_eq!(status, 400, "{field}: {e}");
        assert!(e["error"].as_str().unwrap().starts_with(field), "{e}");
    }
    let (status, _) = call(
        &sim,
        Method::POST,
        &format!("/customers/{NIL}/addresses"),
        Some(&addr),
    )
    .await;
    assert_eq!(status, 404);
    let (status, _) = call(
        &sim,
        Method::GET,
        &format!("/customers/{DARNELL}/addresses/{id}"),
        None,
    )
    .await;
    assert_eq!(status, 404, "another customer's address");

    // A dispatch sale names the address by id (or by the token create returned).
    let sale = |customer: &str, detail: Value| {
        let mut b = sale_body(
            &new_id(),
            "pending",
            vec![line(MUG, 1.0, json!("16"), NY_TAX, json!("1.42"))],
            vec![],
        );
        b["customer_id"] = json!(customer);
        b["attributes"] = json!(["delivery"]);
        b["fulfillment_details"] = json!([detail]);
        b
    };
    let by_id =
        json!({"type": "DISPATCH", "shipping_address_id": id.to_string(), "note": "leave at door"});
    let (status, s) = call(
        &sim,
        Method::POST,
        "/sales",
        Some(&sale(ELENA, by_id.clone())),
    )
    .await;
    assert_eq!(status, 200, "{s}");
    let by_token = json!({"type": "DISPATCH", "shipping_address_token": token});
    let (status, s) = call(&sim, Method::POST, "/sales", Some(&sale(ELENA, by_token))).await;
    assert_eq!(status, 200, "{s}");
    let (status, e) = call(
        &sim,
        Method::POST,
        "/sales",
        Some(&sale(DARNELL, by_id.clone())),
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(
        e["error"],
        "fulfillment_details[0].shipping_address_id: address belongs to another customer"
    );
    let mut no_customer = sale(ELENA, by_id.clone());
    no_customer.as_object_mut().unwrap().remove("customer_id");
    let (status, e) = call(&sim, Method::POST, "/sales", Some(&no_customer)).await;
    assert_eq!(status, 422, "{e}");

    let (status, d) = call(&sim, Method::DELETE, &format!("{base}/{id}"), None).await;
    assert_eq!((status, d), (204, Value::Null));
    let (status, _) = call(&sim, Method::GET, &format!("{base}/{id}"), None).await;
    assert_eq!(status, 404);
    let (status, e) = call(&sim, Method::POST, "/sales", Some(&sale(ELENA, by_id))).await;
    assert_eq!(status, 422);
    assert_eq!(
        e["error"],
        "fulfillment_details[0].shipping_address_id: address not found"
    );
    let sales: Vec<_> = sim
        .exchanges()
        .into_iter()
        .filter(|x| x.path == "/api/2026-07/sales")
        .collect();
    simkit::assert_conformant(&sales);
    // The address answers match the spec's CustomerAddress schemas (the refused bodies above
    // are outside CustomerAddressBase on purpose; a 204 has no body to check).
    let addresses: Vec<_> = sim
        .exchanges()
        .into_iter()
        .filter(|x| x.path.contains("/addresses") && x.status < 300 && x.method != "DELETE")
        .collect();
    assert_eq!(simkit::assert_conformant(&addresses), 4);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tax_on_sale_level_adjustments_is_an_option() {
    for (spec, want) in [
        // 16.00 + 1.42 tax; 10 off before tax takes 10 × 1.42 / 16 = 0.89 of tax with it.
        (StoreSpec::Demo, (600, 53, 653, -1089, -89)),
        // 17.42 incl; 10 off incl holds 10 × 1.42 / 17.42 = 0.82 of tax.
        (StoreSpec::DemoInclusive, (682, 60, 742, -1000, -82)),
    ] {
        let sim = store(spec).await;
        let body = |id: &str| {
            let mut b = sale_body(
                id,
                "parked",
                vec![line(MUG, 1.0, json!("16"), NY_TAX, json!("1.42"))],
                vec![],
            );
            b["pricing"] = json!({"adjustments": [
                {"type": "DISCOUNT", "amount": {"type": "FIXED", "value": "10"}}
            ]});
            b
        };
        // Default: the adjustment is untaxed; the tax is the lines'.
        let id = new_id();
        assert_eq!(
            call(&sim, Method::POST, "/sales", Some(&body(&id))).await.0,
            200
        );
        let m = money_of(&sim, &id).await;
        assert_eq!(m.tax_cents, 142);
        assert_eq!(m.total_cents, 742);

        sim.set_adjustment_tax(lsbridge::sim::AdjustmentTax::Proportional);
        let id = new_id();
        let (status, s) = call(&sim, Method::POST, "/sales", Some(&body(&id))).await;
        assert_eq!(status, 200, "{s}");
        let m = money_of(&sim, &id).await;
        let a = &m.adjustments[0];
        assert_eq!(
            (
                m.price_cents,
                m.tax_cents,
                m.total_cents,
                a.effect_cents,
                a.tax_cents
            ),
            want
        );
        assert_eq!((a.amount_cents, m.discount_cents), (1000, 1000));
        let sale = &s["data"];
        assert_eq!(cents(&sale["totals"]["tax"]), want.1);
        assert_eq!(cents(&sale["taxes"][0]["tax"]), want.1);
        assert_eq!(cents(&sale["adjustments"][0]["total"]), 1000);
        assert_eq!(
            cents(&sale["adjustments"][0]["tax_components"][0]["total_tax"]),
            want.4
        );
        let api: Vec<_> = sim
            .exchanges()
            .into_iter()
            .filter(|x| x.path.starts_with("/api/"))
            .collect();
        simkit::assert_conformant(&api);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn line_discount_reading_is_an_option() {
    let sim = store(StoreSpec::Demo).await;
    let body = |id: &str| {
        let mut l = line(MUG, 2.0, json!("16"), NY_TAX, json!("1.2425"));
        l["pricing"]["discount"] = json!("2");
        sale_body(id, "parked", vec![l], vec![])
    };
    // Default: price is the list price, the line is charged price − discount.
    let id = new_id();
    let (status, s) = call(&sim, Method::POST, "/sales", Some(&body(&id))).await;
    assert_eq!(status, 200, "{s}");
    let l = &s["data"]["line_items"][0];
    assert_eq!(
        (
            cents(&l["pricing"]["total"]),
            cents(&l["pricing"]["discount_total"]),
            cents(&l["tax"]["total"])
        ),
        (2800, 400, 249)
    );
    let m = money_of(&sim, &id).await;
    assert_eq!((m.total_cents, m.discount_cents), (3049, 400));
    // The other reading: price is already the discounted price.
    sim.set_line_discount(lsbridge::sim::LineDiscount::Informational);
    let id = new_id();
    assert_eq!(
        call(&sim, Method::POST, "/sales", Some(&body(&id))).await.0,
        200
    );
    let m = money_of(&sim, &id).await;
    assert_eq!(
        (m.price_cents, m.total_cents, m.discount_cents),
        (3200, 3449, 400)
    );
}

/// The spec's own examples for `GET /users/{id}` and `GET /user` wrap the record in an
/// array, and versions are int64: every single-record read takes an object or a
/// one-element array, negative versions included; any other shape is an error naming the
/// endpoint, the field and the value, in one line.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn single_records_as_one_element_arrays_with_negative_versions() {
    use crate::support::canned::{json, Canned};
    use lsbridge::lightspeed::models::{Outlet, Retailer};
    let record = |path: &str| -> Option<Value> {
        let id = path.rsplit('/').next().unwrap_or("");
        let v = -3_561_360_546_574_695i64;
        Some(match path {
            "/retailer" => json!({"id": "ret", "name": "Shop", "domain_prefix": "shop"}),
            "/user" => {
                json!({"id": "u-me", "username": "me", "account_type": "admin", "version": v})
            }
            p if p.starts_with("/users/") => {
                json!({"id": id, "username": "clerk", "account_type": "cashier", "version": v})
            }
            p if p.starts_with("/registers/") => {
                json!({"id": id, "name": "Front", "outlet_id": "o1", "version": v})
            }
            p if p.starts_with("/taxes/") => {
                json!({"id": id, "name": "GST", "display_name": "GST", "rates": [{"id": "r", "name": "GST", "rate": 0.15}], "version": v})
            }
            p if p.starts_with("/outlets/") => json!({"id": id, "name": "Main", "version": v}),
            p if p.starts_with("/products/") => {
                json!({"id": id, "name": "Tee", "sku": "T-1", "version": v})
            }
            p if p.starts_with("/sales/") => json!({"id": id, "state": "saved"}),
            _ => return None,
        })
    };
    let server = Canned::start(move |r| {
        if r.path == "/users/two" {
            return json(200, json!({"data": [{"id": "a"}, {"id": "b"}]}));
        }
        if r.path == "/users/bad-version" {
            return json(
                200,
                json!({"data": [{"id": "bad-version", "version": 1.5}]}),
            );
        }
        match record(&r.path) {
            Some(rec) => json(200, json!({ "data": [rec] })),
            None => json(404, json!({"error": "not found"})),
        }
    })
    .await;
    let c = server.client();

    let p = c.product("p1").await.unwrap().expect("product");
    assert_eq!((p.id.as_str(), p.version), ("p1", -3_561_360_546_574_695));
    assert_eq!(c.sale("s1").await.unwrap().expect("sale").id, "s1");
    let r: Retailer = c.retailer().await.unwrap();
    assert_eq!(r.name.as_deref(), Some("Shop"));
    let me: Single<User> = c.call(Req::get("/user")).await.unwrap();
    assert_eq!(me.data.id, "u-me");
    let o: Single<Outlet> = c.call(Req::get("/outlets/o1")).await.unwrap();
    assert_eq!(o.data.version, -3_561_360_546_574_695);

    // A verified `source set`: register, user and tax read by id.
    let settings = lsbridge::source::SendFrsSettings {
        register_id: Some("r1".into()),
        user_id: Some("u1".into()),
        tax_id: Some("t1".into()),
        ..Default::default()
    };
    let checked = lsbridge::source::send_settings::validate(&c, &settings)
        .await
        .expect("settings verified");
    assert_eq!(
        (checked.register.as_str(), checked.tax.as_str()),
        ("Front", "GST")
    );

    let before = server.requests().len();
    let err = c
        .call::<Single<User>>(Req::get("/users/two"))
        .await
        .unwrap_err();
    let msg = err.to_string();
    assert!(matches!(err, ApiError::BadResponse { .. }), "{msg}");
    assert!(msg.starts_with("GET /users/two answered with a body that is not the expected JSON after 10 attempts: field data: expected one record, got an array of 2"), "{msg}");
    assert!(!msg.contains('\n'));
    let err = c
        .call::<Single<User>>(Req::get("/users/bad-version"))
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("GET /users/bad-version")
            && err.contains("field data[0].version: ")
            && err.contains("(value: 1.5)"),
        "{err}"
    );
    assert_eq!(
        server.requests().len() - before,
        20,
        "idempotent reads are asked again (fast_retry: 10 attempts each)"
    );
}

/// An error body is kept whole where it names the bad field: a problem+json answer with a
/// `validation` list, whose first 300 characters are a long `detail`, reaches the error
/// (and so FR timelines, run logs and CLI messages, which show it) with every entry.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn problem_json_errors_keep_their_validation_list() {
    use crate::support::canned::Canned;
    let detail =
        "The request could not be processed because one or more fields are invalid. ".repeat(4);
    let body = json!({
        "type": "https://developers.example.com/problems/validation-error",
        "title": "Validation Failed",
        "status": 422,
        "detail": detail.trim(),
        "validation": [
            {"location": "line_items[0].quantity", "message": "must be greater than 0"},
            {"location": "source.register_id", "message": "register is closed"}
        ]
    })
    .to_string();
    let server = Canned::start(move |_| (422, "application/problem+json", body.clone())).await;
    let c = server.client();
    let sale = SaleRequest {
        id: Some("0b9c4b36-1d36-4a0e-8f3a-7d6f0b1d2e3f".into()),
        source: SaleSource {
            author_id: "u1".into(),
            ..Default::default()
        },
        state: "saved".into(),
        ..Default::default()
    };
    let err = c.create_sale(&sale).await.unwrap_err();
    assert!(err.certainly_not_applied(), "{err}");
    let msg = err.to_string();
    assert!(
        msg.starts_with("POST /sales was rejected (422): Validation Failed: The request could not"),
        "{msg}"
    );
    assert!(
        msg.contains("validation: line_items[0].quantity: must be greater than 0; source.register_id: register is closed"),
        "{msg}"
    );
    assert!(msg.len() > 400 && !msg.contains('\n'), "{msg}");
}

/// FNV-1a: a digest of response bodies that any build computes alike.
fn fnv(acc: &mut u64, bytes: &[u8]) {
    for b in bytes {
        *acc ^= u64::from(*b);
        *acc = acc.wrapping_mul(0x0100_0000_01b3);
    }
}

/// One request's raw body over loopback (the bytes, not a re-serialized parse).
async fn raw(sim: &SimHandle, method: Method, path: &str, body: Option<&Value>) -> String {
    let mut req = reqwest::Client::new()
        .request(method, format!("{}/api/2026-07{path}", sim.origin()))
        .bearer_auth(simkit::TOKEN);
    if let Some(b) = body {
        req = req.json(b);
    }
    let r = req.send().await.expect("simulator answers");
    assert_eq!(r.status().as_u16(), 200, "{path}");
    r.text().await.expect("body")
}

/// The highest `version` among a page's rows (`data` of an envelope, or a bare array).
fn top_version(body: &str) -> Option<u64> {
    let v: Value = serde_json::from_str(body).expect("JSON body");
    let rows = v.get("data").unwrap_or(&v).as_array()?.clone();
    rows.iter().filter_map(|r| r["version"].as_u64()).max()
}

/// Every page of the synthetic store's catalog and stock, walked as a client would, plus
/// single-record, SKU, family and search answers: (digest, bytes served, a product id
/// from each end of the catalog, a family parent's id).
async fn synthetic_walk(sim: &SimHandle) -> (u64, usize, Vec<String>) {
    let mut acc = 0xcbf2_9ce4_8422_2325u64;
    let mut bytes = 0;
    let mut ids = Vec::new();
    let mut parent = None;
    for (size, deleted) in [(40, true), (1000, false)] {
        let mut after = 0;
        loop {
            let b = raw(
                sim,
                Method::GET,
                &format!("/products?page_size={size}&after={after}&deleted={deleted}"),
                None,
            )
            .await;
            fnv(&mut acc, b.as_bytes());
            bytes += b.len();
            let v: Value = serde_json::from_str(&b).unwrap();
            for p in v["data"].as_array().unwrap() {
                if ids.is_empty() || size == 1000 {
                    ids.push(p["id"].as_str().unwrap().to_string());
                }
                if parent.is_none() && p["has_variants"] == json!(true) {
                    parent = p["id"].as_str().map(str::to_string);
                }
            }
            match top_version(&b) {
                Some(v) => after = v,
                None => break,
            }
        }
    }
    for dir in ["asc", "desc"] {
        let mut after = 0;
        loop {
            let body = json!({"size": 150, "after": after, "sort_direction": dir, "include_deleted": true});
            let b = raw(sim, Method::POST, "/inventory", Some(&body)).await;
            fnv(&mut acc, b.as_bytes());
            bytes += b.len();
            // Descending pages are not walked by cursor: the first is enough.
            match top_version(&b) {
                Some(v) if dir == "asc" => after = v,
                _ => break,
            }
        }
    }
    let parent = parent.expect("a family in the store");
    let first = ids[0].clone();
    let last = ids.last().unwrap().clone();
    for path in [
        format!("/products/{first}"),
        format!("/products/{last}"),
        format!("/inventory/{first}"),
        format!("/inventory/{parent}?variants=true"),
        "/products?sku=syn-0000010".to_string(),
        "/products?sku=SYN-0000003&deleted=true".to_string(),
        "/search?type=products&page_size=20&offset=5".to_string(),
        format!("/search?type=products&variant_parent_id={parent}"),
    ] {
        let b = raw(sim, Method::GET, &path, None).await;
        fnv(&mut acc, b.as_bytes());
        bytes += b.len();
    }
    let body = json!({"product_id": parent, "variants": true, "sort_direction": "asc"});
    let b = raw(sim, Method::POST, "/inventory", Some(&body)).await;
    fnv(&mut acc, b.as_bytes());
    bytes += b.len();
    (acc, bytes, vec![first, last, parent])
}

/// The synthetic store builds its rows on demand (a million products start in seconds, in
/// well under a gigabyte); what it serves is what the store built row by row served, before
/// and after live changes. The digests were taken from that earlier build.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn synthetic_store_serves_the_pages_it_always_served() {
    let mut cfg = simkit::config(StoreSpec::Synthetic {
        products: 237,
        seed: 11,
    });
    cfg.record = false;
    let sim = SimHandle::start(cfg).await.expect("simulator");
    let before = synthetic_walk(&sim).await;
    let summary = sim.with_store(|s, _| s.summary());
    // Every kind of change, several times over, then one of each by hand.
    let changes = sim.mutate_random(80);
    let [first, last, parent] = <[String; 3]>::try_from(before.2.clone()).unwrap();
    sim.with_store(|s, rng| {
        assert!(s.set_sku(&last, "RENAMED-1", rng));
        assert!(s.delete(&first, rng));
        assert!(s.restore(&first, rng));
        assert!(s.archive(&parent, rng));
        let outlet = s.outlets.iter().next().unwrap()["id"]
            .as_str()
            .unwrap()
            .to_string();
        assert!(s.set_stock(&last, &outlet, 42.0, rng));
        s.adjust_stock(&last, &outlet, -2.0, rng);
    });
    let after = synthetic_walk(&sim).await;
    let summary_after = sim.with_store(|s, _| s.summary());
    assert_eq!((before.0, before.1), (0xc317_eee7_42f3_b8ba, 1_060_410));
    assert_eq!(changes.len(), 80);
    assert_eq!((after.0, after.1), (0xbf28_0fff_6799_aa61, 1_062_296));
    assert_eq!(
        summary,
        json!({"customers":0,"inventory_records":618,"outlets":3,"products":237,"registers":2,"sales":0,"version":1_001_754})
    );
    assert_eq!(
        summary_after,
        json!({"customers":0,"inventory_records":645,"outlets":3,"products":246,"registers":2,"sales":0,"version":1_002_002})
    );
}
