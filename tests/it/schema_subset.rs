//! Tests of the committed Lightspeed schema subset (`fixtures/schema/subset.json`) and of the
//! `SchemaBook` helper other integration tests use to validate simulator responses and client
//! requests.

use crate::support::schema;
use schema::SchemaBook;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

const API: &str = "/api/2026-07";

fn book() -> &'static SchemaBook {
    SchemaBook::shared()
}

fn expect_err(r: Result<(), String>, needles: &[&str]) -> String {
    let msg = match r {
        Ok(()) => panic!("expected a validation error mentioning {needles:?}, got Ok"),
        Err(msg) => msg,
    };
    for n in needles {
        assert!(msg.contains(n), "error message lacks {n:?}:\n{msg}");
    }
    msg
}

fn uuid(n: u32) -> String {
    format!("{n:08x}-0183-11e4-fbb5-7988a6ed80f8")
}

fn product(n: u32) -> Value {
    json!({
        "id": uuid(n),
        "handle": "bravo",
        "name": "Bravo",
        "sku": format!("SKU-{n}"),
        "active": true,
        "is_active": true,
        "is_composite": false,
        "has_inventory": true,
        "has_variants": false,
        "version": 4_284_638_488u64,
        "variant_options": [{"name": "Color", "value": "Black"}],
        "categories": [{"id": uuid(900), "name": "tag_test", "version": 1446856, "deleted_at": null}],
        "tag_ids": [uuid(900)],
        "images": [{"id": uuid(901), "url": "https://img.example/x.png", "version": 2}],
        "skuImages": [],
        "attributes": [],
        "product_codes": [{"id": uuid(902), "code": "123456", "type": "CUSTOM"}],
        "product_suppliers": [{
            "id": uuid(903), "product_id": uuid(n), "supplier_id": null, "supplier_name": null,
            "code": null, "price": 19.0
        }],
        "packaging": {"breaks_into": [], "made_from": []},
        "customizations": [],
        "price_including_tax": 126.5,
        "price_excluding_tax": 110,
        "supply_price": 100,
        "brand": null,
        "brand_id": null,
        "supplier": null,
        "type": null,
        "product_category": null,
        "variant_parent_id": null,
        "variant_name": null,
        "variant_count": null,
        "deleted_at": null,
        "description": "<p>The best product ever.</p>",
        "weight": null,
        "weight_unit": null,
        "dimensions_unit": "CM",
        "created_at": "2014-12-01T18:34:15+00:00",
        "updated_at": "2017-08-21T23:50:39+00:00",
        "source": "USER"
    })
}

fn inventory(n: u32) -> Value {
    json!({
        "id": uuid(n + 500),
        "outlet_id": uuid(700),
        "product_id": uuid(n),
        "current_inventory_level": 10,
        "quantity_to_procure": 0,
        "average_cost": null,
        "reorder_amount": 20,
        "reorder_method": null,
        "reorder_point": 5,
        "reorder_target": null,
        "deleted_at": null,
        "version": 1639940
    })
}

fn sale_request() -> Value {
    json!({
        "id": uuid(42),
        "source": {"author_id": uuid(1), "register_id": uuid(2), "id": "order-1001", "type": "shopify"},
        "state": "closed",
        "date": "2016-05-05T23:35:34Z",
        "customer_id": uuid(3),
        "attributes": [],
        "note": "external order 1001",
        "invoice_number": "1001",
        "line_items": [{
            "product": {"id": uuid(4)},
            "quantity": 2,
            "pricing": {"price": 22.0, "cost": 20.0, "discount": 0, "loyalty_amount": 0},
            "tax": {"id": uuid(5), "amount": 3.3},
            "status": "CONFIRMED"
        }],
        "payments": [{"type": {"config_id": uuid(6)}, "amount": 50.6, "date": "2016-05-05T23:35:34Z"}]
    })
}

// ---------------------------------------------------------------------------------------------
// The subset itself

#[test]
fn subset_loads_and_every_schema_compiles() {
    let book = book();
    assert_eq!(book.spec_version(), "2026-07");
    assert_eq!(
        book.spec_sha256().len(),
        64,
        "spec_sha256 should be a hex sha256"
    );

    let names = book.definition_names();
    assert!(names.len() >= 100, "only {} definitions", names.len());
    for must in [
        "Product",
        "ProductCollection",
        "ProductResponse",
        "Inventory",
        "Sale",
        "SaleRequest",
        "SaleUpdateRequest",
        "Customer",
        "CustomerBase",
        "Outlet",
        "Register",
        "User",
        "Tax",
        "PaymentType",
        "Brand",
        "ProductCategory",
        "Retailer",
        "Version",
        "ErrorBody",
    ] {
        assert!(names.iter().any(|n| n == must), "definition {must} missing");
    }
    for name in &names {
        let schema = json!({ "$ref": format!("#/definitions/{name}") });
        book.compile(&schema)
            .unwrap_or_else(|e| panic!("definition {name}: {e}"));
    }

    // Every declared response / request schema compiles too.
    let endpoints = book.endpoints();
    assert_eq!(endpoints.len(), 28, "{endpoints:?}");
    let doc: Value = serde_json::from_str(
        &std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(schema::SUBSET_PATH))
            .unwrap(),
    )
    .unwrap();
    for (key, by_status) in doc["responses"].as_object().unwrap() {
        for (status, schema) in by_status.as_object().unwrap() {
            book.compile(schema)
                .unwrap_or_else(|e| panic!("{key} {status}: {e}"));
        }
        for status in ["401", "403", "404", "429", "5XX"] {
            assert_eq!(
                by_status[status],
                json!({"$ref": "#/definitions/ErrorBody"}),
                "{key} {status} should map to ErrorBody"
            );
        }
    }
    for (key, schema) in doc["requests"].as_object().unwrap() {
        book.compile(schema)
            .unwrap_or_else(|e| panic!("{key}: {e}"));
    }

    // Exemptions are recorded and point at real fields.
    assert!(!book.exemptions().is_empty());
    for ex in book.exemptions() {
        let def = book
            .definition(&ex.definition)
            .unwrap_or_else(|| panic!("exemption for unknown definition {}", ex.definition));
        assert!(
            def["properties"].get(&ex.field).is_some(),
            "exemption {}.{} names no property",
            ex.definition,
            ex.field
        );
        assert!(!ex.why.is_empty());
        if ex.action == "not_required" {
            let required = def["required"].as_array().cloned().unwrap_or_default();
            assert!(
                !required.contains(&json!(ex.field)),
                "{}.{} still required",
                ex.definition,
                ex.field
            );
        }
    }
}

#[test]
fn validators_are_compiled_once_and_cached() {
    let book = book();
    let a = book
        .compile(&json!({"$ref": "#/definitions/ErrorBody"}))
        .unwrap();
    let b = book
        .compile(&json!({"$ref": "#/definitions/ErrorBody"}))
        .unwrap();
    assert!(Arc::ptr_eq(&a, &b));
    // Thousands of calls stay cheap (would take minutes if each compiled the schema).
    let body = json!({"data": [product(1), product(2)], "version": {"min": 1, "max": 2}});
    for _ in 0..2000 {
        book.validate_response("GET", "/api/2026-07/products", 200, &body)
            .unwrap();
    }
}

// ---------------------------------------------------------------------------------------------
// Path matching

#[test]
fn template_matching() {
    let b = book();
    let t = |m: &str, p: &str| b.template_for(m, p);
    let some = |s: &str| Some(s.to_owned());

    assert_eq!(t("GET", "/api/2026-07/products"), some("/products"));
    assert_eq!(
        t(
            "GET",
            "/api/2026-07/products/0a1b2c3d-0183-11e4-fbb5-7988a6ed80f8?page_size=5"
        ),
        some("/products/{product_id}")
    );
    assert_eq!(
        t("get", "/api/2026-07/products?after=0&page_size=1000"),
        some("/products")
    );
    // Trailing slash, fragment.
    assert_eq!(t("GET", "/api/2026-07/products/"), some("/products"));
    assert_eq!(
        t("GET", "/api/2026-07/products/abc/?x=1"),
        some("/products/{product_id}")
    );
    assert_eq!(t("GET", "/api/2026-07/outlets#frag"), some("/outlets"));
    // Legacy and other version aliases.
    assert_eq!(t("GET", "/api/2.0/products"), some("/products"));
    assert_eq!(
        t("GET", "/api/2.1/products/abc"),
        some("/products/{product_id}")
    );
    assert_eq!(t("GET", "/api/2025-10/sales/abc"), some("/sales/{sale_id}"));
    assert_eq!(t("GET", "/api/2.0/users"), some("/users"));
    // Already relative, or a full URL.
    assert_eq!(t("GET", "/taxes"), some("/taxes"));
    assert_eq!(
        t(
            "GET",
            "http://127.0.0.1:38080/api/2026-07/customers/x?deleted=true"
        ),
        some("/customers/{customer_id}")
    );
    // /user and /users are different endpoints.
    assert_eq!(t("GET", "/api/2026-07/user"), some("/user"));
    assert_eq!(t("GET", "/api/2026-07/users"), some("/users"));
    // Method matters.
    assert_eq!(t("POST", "/api/2026-07/inventory"), some("/inventory"));
    assert_eq!(t("GET", "/api/2026-07/inventory"), None);
    assert_eq!(
        t("GET", "/api/2026-07/inventory/abc"),
        some("/inventory/{product_id}")
    );
    assert_eq!(t("PUT", "/api/2026-07/sales/abc"), some("/sales/{sale_id}"));
    assert_eq!(t("POST", "/api/2026-07/sales"), some("/sales"));
    assert_eq!(t("DELETE", "/api/2026-07/sales/abc"), None);
    assert_eq!(
        t("GET", "/api/2026-07/search?type=products&sku=abc"),
        some("/search")
    );
    assert_eq!(
        t("GET", "/api/2026-07/product_categories?parent=none"),
        some("/product_categories")
    );
    // Unknown endpoints / bad prefixes.
    assert_eq!(t("GET", "/api/2026-07/webhooks"), None);
    assert_eq!(t("GET", "/api/2026-07/products/abc/extra"), None);
    assert_eq!(t("GET", "/api/v9/products"), None);
    assert_eq!(t("GET", "/api/register_sales"), None);
    assert_eq!(t("GET", "/"), None);
    assert_eq!(t("GET", ""), None);

    assert_eq!(
        schema::relative_path("/api/2026-07/products/?a=1"),
        "/products"
    );
    assert_eq!(schema::relative_path("/api/2026-07"), "/");
}

// ---------------------------------------------------------------------------------------------
// Valid bodies

#[test]
fn valid_bodies_validate() {
    let b = book();
    let ok = |r: Result<(), String>| r.unwrap_or_else(|e| panic!("{e}"));

    ok(b.validate_response(
        "GET",
        &format!("{API}/products/{}", uuid(1)),
        200,
        &json!({"data": product(1)}),
    ));
    ok(b.validate_response(
        "GET",
        &format!("{API}/products?page_size=2"),
        200,
        &json!({"data": [product(1), product(2)], "version": {"min": 10, "max": 11}}),
    ));
    // Empty page: version bounds are null.
    ok(b.validate_response(
        "GET",
        "/api/2.0/products?after=11",
        200,
        &json!({"data": [], "version": {"min": null, "max": null}}),
    ));
    // Inventory is a bare array.
    ok(b.validate_response(
        "POST",
        &format!("{API}/inventory"),
        200,
        &json!([inventory(1), inventory(2)]),
    ));
    ok(b.validate_response(
        "GET",
        &format!("{API}/inventory/{}", uuid(1)),
        200,
        &json!([inventory(1)]),
    ));
    ok(b.validate_request(
        "POST",
        &format!("{API}/inventory"),
        &json!({"after": 0, "size": 5000, "sort_direction": "asc", "include_deleted": true}),
    ));
    // Sale request (numbers) and the docs' example style (numeric strings, exempted).
    ok(b.validate_request("POST", &format!("{API}/sales"), &sale_request()));
    let mut docs_style = sale_request();
    docs_style["line_items"][0]["pricing"] =
        json!({"price": "22", "cost": "20", "discount": "0", "loyalty_amount": "0"});
    docs_style["line_items"][0]["tax"]["amount"] = json!("3.3");
    docs_style["payments"][0]["amount"] = json!("25.3");
    ok(b.validate_request("POST", &format!("{API}/sales"), &docs_style));
    let mut update = sale_request();
    update.as_object_mut().unwrap().remove("id");
    ok(b.validate_request("PUT", &format!("{API}/sales/{}", uuid(42)), &update));
    // Sale response.
    let sale = json!({"data": {
        "id": uuid(42), "state": "closed", "attributes": [], "invoice_number": "1001",
        "date": "2016-05-05T23:35:34Z", "created_at": "2016-05-05T23:35:34+00:00",
        "updated_at": "2016-05-05T23:35:34+00:00", "customer_id": uuid(3), "note": "",
        "short_code": "mlzs94", "receipt_number": "1001",
        "source": {"id": "order-1001", "type": "shopify", "register_id": uuid(2), "outlet_id": uuid(700),
                   "author": {"id": uuid(1)}},
        "line_items": [{"id": uuid(77), "product": {"id": uuid(4)}, "quantity": 2,
                        "pricing": {"price": 22, "total": 44, "cost": 20, "cost_total": 40,
                                    "discount": 0, "discount_total": 0, "loyalty_amount": 0,
                                    "loyalty_amount_total": 0},
                        "tax": {"id": uuid(5), "amount": 3.3, "total": 6.6}, "status": "CONFIRMED"}],
        "payments": [{"id": uuid(78), "amount": 50.6, "date": "2016-05-05T23:35:34+00:00",
                      "type": {"config_id": uuid(6), "id": uuid(6), "name": "Cash"}}],
        "taxes": [{"id": uuid(5), "tax": 6.6}],
        "totals": {"price": 44, "price_incl_tax": 50.6, "tax": 6.6, "loyalty": 0, "surcharge": 0},
        "_metadata": {"version": 123}
    }});
    ok(b.validate_response("POST", &format!("{API}/sales"), 200, &sale));
    ok(b.validate_response("GET", &format!("{API}/sales/{}", uuid(42)), 200, &sale));
    // Error bodies: string or {code,message} error, optional message; 429 and 5xx mapped.
    for (status, body) in [
        (401, json!({"error": "Access token is not valid"})),
        (
            404,
            json!({"error": "Not Found", "message": "product not found"}),
        ),
        (
            422,
            json!({"error": {"code": 422, "message": "update can't be processed"}}),
        ),
        (
            429,
            json!({"error": "Too Many Requests", "message": "Rate limiting enforced"}),
        ),
        (503, json!({"error": "Service Unavailable"})),
    ] {
        ok(b.validate_response("GET", &format!("{API}/products"), status, &body));
        ok(b.validate_response("POST", &format!("{API}/sales"), status, &body));
    }
    // Customer create.
    ok(b.validate_request(
        "POST",
        &format!("{API}/customers"),
        &json!({"first_name": "Tony", "last_name": "Stark", "email": "tony@starkinc.com", "tax_id": null}),
    ));
    // Formats: the spec's own non-RFC-variant ids are accepted as uuids.
    let mut p = product(1);
    p["id"] = json!("0242ac12-0002-11e9-e8c4-659494e33101");
    ok(b.validate_definition("Product", &p));
}

// ---------------------------------------------------------------------------------------------
// Broken bodies

#[test]
fn broken_bodies_are_rejected_with_useful_messages() {
    let b = book();
    let path = format!("{API}/products/{}?page_size=5", uuid(1));

    // Missing required field.
    let mut p = product(1);
    p.as_object_mut().unwrap().remove("sku");
    let msg = expect_err(
        b.validate_response("GET", &path, 200, &json!({"data": p})),
        &["GET", "/products/{product_id}", "200", "/data", "sku"],
    );
    assert!(msg.lines().count() >= 2, "{msg}");

    // Wrong type.
    let mut p = product(1);
    p["price_excluding_tax"] = json!("110.00");
    expect_err(
        b.validate_response("GET", &path, 200, &json!({"data": p})),
        &["/data/price_excluding_tax", "number"],
    );

    // Null where not nullable (and where nullable it is fine).
    let mut p = product(1);
    p["name"] = Value::Null;
    expect_err(
        b.validate_response("GET", &path, 200, &json!({"data": p})),
        &["/data/name", "null"],
    );
    let mut p = product(1);
    p["price_including_tax"] = Value::Null;
    b.validate_response("GET", &path, 200, &json!({"data": p}))
        .unwrap();

    // Collection: envelope and item errors, with the item index in the path.
    expect_err(
        b.validate_response(
            "GET",
            &format!("{API}/products"),
            200,
            &json!({"data": [product(1)]}),
        ),
        &["GET /products", "version"],
    );
    let mut p2 = product(2);
    p2["active"] = json!("yes");
    expect_err(
        b.validate_response(
            "GET",
            &format!("{API}/products"),
            200,
            &json!({"data": [product(1), p2], "version": {"min": 1, "max": 2}}),
        ),
        &["/data/1/active"],
    );

    // Inventory: not an envelope, wrong type, bad enum, bad date-time.
    expect_err(
        b.validate_response(
            "POST",
            &format!("{API}/inventory"),
            200,
            &json!({"data": [inventory(1)]}),
        ),
        &["POST /inventory", "200", "array"],
    );
    let mut inv = inventory(1);
    inv["current_inventory_level"] = json!("10");
    expect_err(
        b.validate_response("POST", &format!("{API}/inventory"), 200, &json!([inv])),
        &["/0/current_inventory_level"],
    );
    let mut inv = inventory(1);
    inv["reorder_method"] = json!("SOMETIMES");
    expect_err(
        b.validate_response(
            "GET",
            &format!("{API}/inventory/{}", uuid(1)),
            200,
            &json!([inv]),
        ),
        &["/0/reorder_method"],
    );
    let mut inv = inventory(1);
    inv["deleted_at"] = json!("yesterday");
    expect_err(
        b.validate_response("POST", &format!("{API}/inventory"), 200, &json!([inv])),
        &["/0/deleted_at", "date-time"],
    );

    // uuid format.
    let mut p = product(1);
    p["id"] = json!("not-a-uuid");
    expect_err(b.validate_definition("Product", &p), &["/id", "uuid"]);

    // Sale requests.
    let mut s = sale_request();
    s["source"].as_object_mut().unwrap().remove("author_id");
    expect_err(
        b.validate_request("POST", &format!("{API}/sales"), &s),
        &["POST /sales", "request", "/source", "author_id"],
    );
    let mut s = sale_request();
    s["state"] = json!("done");
    expect_err(
        b.validate_request("POST", &format!("{API}/sales"), &s),
        &["/state"],
    );
    let mut s = sale_request();
    s["line_items"][0]["pricing"]["price"] = json!("twenty-two");
    expect_err(
        b.validate_request("POST", &format!("{API}/sales"), &s),
        &["/line_items/0/pricing/price"],
    );
    let mut s = sale_request();
    s["line_items"][0]["quantity"] = json!("2");
    expect_err(
        b.validate_request("POST", &format!("{API}/sales"), &s),
        &["/line_items/0/quantity"],
    );

    // Error bodies.
    expect_err(
        b.validate_response(
            "GET",
            &format!("{API}/products"),
            429,
            &json!({"message": "slow down"}),
        ),
        &["GET /products", "429", "error"],
    );
    expect_err(
        b.validate_response(
            "GET",
            &format!("{API}/products"),
            500,
            &json!({"error": 500}),
        ),
        &["500", "5XX", "/error"],
    );
    expect_err(
        b.validate_response("GET", &format!("{API}/products"), 404, &json!("not found")),
        &["404"],
    );
}

#[test]
fn undeclared_things_are_errors() {
    let b = book();
    // Undeclared status.
    expect_err(
        b.validate_response("GET", &format!("{API}/products"), 204, &Value::Null),
        &["GET /products", "204", "not declared"],
    );
    expect_err(
        b.validate_response(
            "GET",
            &format!("{API}/products"),
            418,
            &json!({"error": "teapot"}),
        ),
        &["418", "not declared"],
    );
    // POST /customers declares 201, not 200.
    expect_err(
        b.validate_response(
            "POST",
            &format!("{API}/customers"),
            200,
            &json!({"data": {}}),
        ),
        &["POST /customers", "200", "not declared"],
    );
    // Unknown endpoint.
    expect_err(
        b.validate_response("GET", &format!("{API}/webhooks"), 200, &json!({})),
        &["GET", "/webhooks", "unknown endpoint"],
    );
    // No request body for GETs.
    expect_err(
        b.validate_request("GET", &format!("{API}/products"), &json!({})),
        &["GET /products", "no request body"],
    );
    expect_err(
        b.validate_definition("NoSuchThing", &json!({})),
        &["NoSuchThing"],
    );
}

// ---------------------------------------------------------------------------------------------
// Regeneration

#[test]
fn committed_subset_matches_a_fresh_regeneration() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let spec = root.join("../shared/lightspeed/openapi-2026-07.json");
    if !spec.exists() {
        eprintln!(
            "NOTE: {} not found; skipping the regeneration check (the committed subset is used as is)",
            spec.display()
        );
        return;
    }
    let python_ok = Command::new("python3")
        .arg("--version")
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    if !python_ok {
        eprintln!("NOTE: python3 not available; skipping the regeneration check");
        return;
    }
    let out = tempfile::tempdir().expect("tempdir");
    let run = Command::new("python3")
        .arg(root.join("scripts/gen_schema_subset.py"))
        .arg(&spec)
        .arg(out.path())
        .output()
        .expect("run gen_schema_subset.py");
    assert!(
        run.status.success(),
        "gen_schema_subset.py failed ({}):\n{}\n{}",
        run.status,
        String::from_utf8_lossy(&run.stdout),
        String::from_utf8_lossy(&run.stderr)
    );
    for file in ["subset.json", "DEVIATIONS.md"] {
        let fresh = std::fs::read(out.path().join(file)).unwrap();
        let committed = std::fs::read(root.join("fixtures/schema").join(file)).unwrap();
        if fresh != committed {
            let (f, c) = (
                String::from_utf8_lossy(&fresh),
                String::from_utf8_lossy(&committed),
            );
            let line = f
                .lines()
                .zip(c.lines())
                .position(|(a, b)| a != b)
                .unwrap_or_else(|| f.lines().count().min(c.lines().count()));
            panic!(
                "fixtures/schema/{file} is stale: line {} differs (fresh: {:?}, committed: {:?}). \
                 Run `python3 scripts/gen_schema_subset.py` and commit the result.",
                line + 1,
                f.lines().nth(line),
                c.lines().nth(line)
            );
        }
    }
}
