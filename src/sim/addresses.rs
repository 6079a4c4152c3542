//! `/customers/{id}/addresses` (ListCustomerAddresses, CreateCustomerAddress): what a sale's
//! `fulfillment_details[].shipping_address_id` refers to. Validated by the rules the spec's
//! CreateCustomerAddress lists.

use serde_json::{json, Value};

use super::reply::Reply;
use super::routes::Ctx;

pub fn list(ctx: &Ctx, customer: &str) -> Result<Reply, Reply> {
    if ctx.store.customers.get(customer).is_none() {
        return Err(Reply::not_found("customer"));
    }
    let rows: Vec<&Value> = ctx
        .store
        .customer_addresses
        .iter()
        .filter(|a| a["customer_id"] == json!(customer))
        .collect();
    Ok(Reply::ok(&json!({ "data": rows })))
}

pub fn create(ctx: &mut Ctx, customer: &str, body: &[u8]) -> Result<Reply, Reply> {
    if ctx.store.customers.get(customer).is_none() {
        return Err(Reply::not_found("customer"));
    }
    let v: Value = serde_json::from_slice(body)
        .map_err(|e| Reply::bad_request(&format!("invalid request body: {e}")))?;
    let Some(obj) = v.as_object() else {
        return Err(Reply::bad_request("the address must be a JSON object"));
    };
    let text = |k: &str| obj.get(k).and_then(Value::as_str).unwrap_or("").trim();
    let country = text("country_code");
    let problem = if country.len() != 2 || !country.chars().all(|c| c.is_ascii_uppercase()) {
        Some("country_code must be an ISO 3166-1 alpha-2 code")
    } else if matches!(country, "US" | "CA") && text("state_code").is_empty() {
        Some("state_code is required for US and CA")
    } else if text("postcode").is_empty() {
        Some("postcode is required")
    } else if !matches!(text("type"), "BILLING" | "SHIPPING") {
        Some("type must be BILLING or SHIPPING")
    } else if text("address_line_1").is_empty() || text("address_line_1").chars().count() > 50 {
        Some("address_line_1 is required (at most 50 characters)")
    } else if text("city").is_empty() || text("city").chars().count() > 28 {
        Some("city is required (at most 28 characters)")
    } else if text("state").chars().count() > 35 {
        Some("state is at most 35 characters")
    } else {
        None
    };
    if let Some(p) = problem {
        return Err(Reply::error(400, p));
    }
    let id = ctx.store.customer_addresses.len() as u64 + 100_000_001;
    let mut a = obj.clone();
    a.insert("id".into(), json!(id));
    a.insert("customer_id".into(), json!(customer));
    let stamp = crate::clock::rfc3339(ctx.now);
    a.insert("created_at".into(), json!(stamp));
    a.insert("updated_at".into(), json!(stamp));
    let a = Value::Object(a);
    ctx.store.customer_addresses.push(a.clone());
    Ok(Reply::json(201, &json!({ "data": a })))
}

/// Whether `id` (as a sale sends it, a string) is a SHIPPING address of `customer`.
pub fn is_shipping_address_of(store: &super::SimStore, customer: Option<&str>, id: &str) -> bool {
    store.customer_addresses.iter().any(|a| {
        a["id"].to_string().trim_matches('"') == id
            && a["type"] == json!("SHIPPING")
            && customer.is_some_and(|c| a["customer_id"] == json!(c))
    })
}
