//! Every endpoint the simulator serves, called through the client (or raw where the client
//! would refuse), asserting behaviour and that every exchange matches the spec subset.

mod support;

use lsbridge::lightspeed::client::Req;
use lsbridge::lightspeed::models::{
    Brand, Collection, Customer, IdRef, InventoryRecord, LinePricing, LineTax, PaymentType,
    PaymentTypeRef, Product, Register, SaleLineItem, SalePayment, SaleRequest, SaleSource, Single,
    Tax, User,
};
use lsbridge::lightspeed::pager::{CategoryPager, VersionPager};
use lsbridge::lightspeed::ApiError;
use lsbridge::sim::{DuplicateSale, SimHandle, StoreSpec, TokenSpec};
use reqwest::Method;
use serde_json::{json, Value};
use support::simkit;

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
    assert_eq!(with_deleted.len(), 341);
    assert_eq!(live.len(), 341 - 10);
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

/// The spec's own examples for `GET /users/{id}` and `GET /user` wrap the record in an
/// array, and versions are int64: every single-record read takes an object or a
/// one-element array, negative versions included; any other shape is an error naming the
/// endpoint, the field and the value, in one line.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn single_records_as_one_element_arrays_with_negative_versions() {
    use lsbridge::lightspeed::models::{Outlet, Retailer};
    use support::canned::{json, Canned};
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
    let settings = lsbridge::sources::SendFrsSettings {
        register_id: Some("r1".into()),
        user_id: Some("u1".into()),
        tax_id: Some("t1".into()),
        ..Default::default()
    };
    let checked = lsbridge::send_settings::validate(&c, &settings)
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
    use support::canned::Canned;
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
