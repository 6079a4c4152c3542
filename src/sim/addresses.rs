//! Customer addresses (`/customers/{customer_id}/addresses[/{address_id}]`), as the spec's
//! Customer Addresses operations describe them: int64 ids, 400 for the listed validation
//! rules, 404 for an unknown customer or address, 201 with an `id_token` on create (the
//! token a sale's `fulfillment_details[].shipping_address_token` may name), 204 on delete.

use serde_json::{json, Map, Value};

use super::reply::Reply;
use super::routes::Ctx;
use super::table::Row;

const US_STATES: &[&str] = &[
    "AL", "AK", "AZ", "AR", "CA", "CO", "CT", "DE", "FL", "GA", "HI", "ID", "IL", "IN", "IA", "KS",
    "KY", "LA", "ME", "MD", "MA", "MI", "MN", "MS", "MO", "MT", "NE", "NV", "NH", "NJ", "NM", "NY",
    "NC", "ND", "OH", "OK", "OR", "PA", "RI", "SC", "SD", "TN", "TX", "UT", "VT", "VA", "WA", "WV",
    "WI", "WY", "DC", "PR", "GU", "VI", "AS", "MP", "AA", "AE", "AP",
];
const CA_PROVINCES: &[&str] = &[
    "AB", "BC", "MB", "NB", "NL", "NS", "NT", "NU", "ON", "PE", "QC", "SK", "YT",
];
/// Names for `country_name` ("Full country name derived from the country code"); other
/// well-formed codes are answered with the code itself.
const COUNTRIES: &[(&str, &str)] = &[
    ("US", "United States"),
    ("CA", "Canada"),
    ("NZ", "New Zealand"),
    ("AU", "Australia"),
    ("GB", "United Kingdom"),
    ("IE", "Ireland"),
    ("FR", "France"),
    ("DE", "Germany"),
    ("NL", "Netherlands"),
    ("BE", "Belgium"),
    ("ES", "Spain"),
    ("IT", "Italy"),
    ("MX", "Mexico"),
];

fn customer_ok(ctx: &Ctx, customer: &str) -> Result<(), Reply> {
    match ctx.store.customers.get(customer) {
        Some(c) if !c.is_deleted() => Ok(()),
        _ => Err(Reply::not_found("customer")),
    }
}

fn find<'a>(ctx: &'a Ctx, customer: &str, id: &str) -> Result<(u64, &'a Value), Reply> {
    customer_ok(ctx, customer)?;
    id.parse::<u64>()
        .ok()
        .and_then(|n| ctx.store.customer_addresses.get(&n).map(|a| (n, a)))
        .filter(|(_, a)| a.get("customer_id").and_then(Value::as_str) == Some(customer))
        .ok_or_else(|| Reply::not_found("address"))
}

fn bad(field: &str, msg: &str) -> Reply {
    Reply::error_with(
        400,
        &format!("{field}: {msg}"),
        "see the Validation Rules of CreateCustomerAddress",
    )
}

fn text(
    o: &Map<String, Value>,
    key: &str,
    required: bool,
    max: Option<usize>,
) -> Result<Option<String>, Reply> {
    let v = match o.get(key) {
        None | Some(Value::Null) if required => return Err(bad(key, "is required")),
        None | Some(Value::Null) => return Ok(None),
        Some(Value::String(s)) => s.trim().to_string(),
        Some(_) => return Err(bad(key, "must be a string")),
    };
    if required && v.is_empty() {
        return Err(bad(key, "is required"));
    }
    if let Some(m) = max {
        if v.chars().count() > m {
            return Err(bad(key, &format!("at most {m} characters")));
        }
    }
    Ok(Some(v))
}

/// `CustomerAddressBase` checked by the rules the spec lists for POST and PUT.
fn validated(body: &[u8]) -> Result<Map<String, Value>, Reply> {
    if body.is_empty() {
        return Err(Reply::bad_request("a JSON request body is required"));
    }
    let v: Value = serde_json::from_slice(body)
        .map_err(|e| Reply::bad_request(&format!("invalid request body: {e}")))?;
    let Some(o) = v.as_object() else {
        return Err(Reply::bad_request("the address must be a JSON object"));
    };
    let line1 = text(o, "address_line_1", true, Some(50))?;
    let line2 = text(o, "address_line_2", false, Some(50))?;
    let city = text(o, "city", true, Some(28))?;
    let state = text(o, "state", false, Some(35))?;
    let suburb = text(o, "suburb", false, None)?;
    let country = text(o, "country_code", true, None)?
        .unwrap_or_default()
        .to_uppercase();
    if country.len() != 2 || !country.bytes().all(|b| b.is_ascii_uppercase()) {
        return Err(bad(
            "country_code",
            "must be an ISO 3166-1 alpha-2 code such as US, NZ or AU",
        ));
    }
    let postcode = text(o, "postcode", true, None)?.unwrap_or_default();
    let postcode_ok = match country.as_str() {
        "US" => {
            let b = postcode.as_bytes();
            (b.len() == 5 && b.iter().all(u8::is_ascii_digit))
                || (b.len() == 10
                    && b[5] == b'-'
                    && b[..5].iter().chain(&b[6..]).all(u8::is_ascii_digit))
        }
        "CA" => {
            let p: Vec<u8> = postcode.bytes().filter(|b| *b != b' ').collect();
            p.len() == 6
                && p.iter().enumerate().all(|(i, b)| {
                    if i % 2 == 0 {
                        b.is_ascii_alphabetic()
                    } else {
                        b.is_ascii_digit()
                    }
                })
        }
        _ => true,
    };
    if !postcode_ok {
        return Err(bad(
            "postcode",
            &format!("{postcode:?} is not a valid postcode for {country}"),
        ));
    }
    let state_code = text(o, "state_code", false, None)?.map(|s| s.to_uppercase());
    let codes = match country.as_str() {
        "US" => Some(US_STATES),
        "CA" => Some(CA_PROVINCES),
        _ => None,
    };
    if let Some(codes) = codes {
        match &state_code {
            None => return Err(bad("state_code", &format!("is required for {country}"))),
            Some(s) if !codes.contains(&s.as_str()) => {
                return Err(bad(
                    "state_code",
                    &format!("{s:?} is not a state of {country}"),
                ))
            }
            _ => {}
        }
    }
    let kind = text(o, "type", true, None)?.unwrap_or_default();
    if kind != "BILLING" && kind != "SHIPPING" {
        return Err(bad("type", "must be BILLING or SHIPPING"));
    }
    let name = COUNTRIES
        .iter()
        .find(|(c, _)| *c == country)
        .map(|(_, n)| n.to_string())
        .unwrap_or_else(|| country.clone());
    let mut a = Map::new();
    a.insert("address_line_1".into(), json!(line1));
    a.insert("address_line_2".into(), json!(line2));
    a.insert("city".into(), json!(city));
    a.insert("state".into(), json!(state));
    a.insert("state_code".into(), json!(state_code));
    a.insert("suburb".into(), json!(suburb));
    a.insert("postcode".into(), json!(postcode));
    a.insert("country_code".into(), json!(country));
    a.insert("country_name".into(), json!(name));
    a.insert("type".into(), json!(kind));
    Ok(a)
}

pub fn list(ctx: &Ctx, customer: &str) -> Result<Reply, Reply> {
    customer_ok(ctx, customer)?;
    let rows: Vec<&Value> = ctx
        .store
        .customer_addresses
        .values()
        .filter(|a| a.get("customer_id").and_then(Value::as_str) == Some(customer))
        .collect();
    Ok(Reply::ok(&json!({ "data": rows })))
}

pub fn get(ctx: &Ctx, customer: &str, id: &str) -> Result<Reply, Reply> {
    let (_, a) = find(ctx, customer, id)?;
    Ok(Reply::ok(&json!({ "data": a })))
}

pub fn create(ctx: &mut Ctx, customer: &str, body: &[u8]) -> Result<Reply, Reply> {
    customer_ok(ctx, customer)?;
    let mut a = validated(body)?;
    let id = ctx.store.new_address_id();
    let stamp = crate::clock::rfc3339(ctx.now);
    a.insert("id".into(), json!(id));
    a.insert("customer_id".into(), json!(customer));
    a.insert("created_at".into(), json!(stamp));
    a.insert("updated_at".into(), json!(stamp));
    let token = super::sales::new_id(ctx.rng).replace('-', "");
    ctx.store
        .customer_addresses
        .insert(id, Value::Object(a.clone()));
    ctx.store.address_tokens.insert(token.clone(), id);
    a.insert("id_token".into(), json!(token));
    Ok(Reply::json(201, &json!({ "data": a })))
}

pub fn update(ctx: &mut Ctx, customer: &str, id: &str, body: &[u8]) -> Result<Reply, Reply> {
    let (n, old) = find(ctx, customer, id)?;
    let created = old.get("created_at").cloned().unwrap_or(Value::Null);
    let mut a = validated(body)?;
    a.insert("id".into(), json!(n));
    a.insert("customer_id".into(), json!(customer));
    a.insert("created_at".into(), created);
    a.insert("updated_at".into(), json!(crate::clock::rfc3339(ctx.now)));
    let a = Value::Object(a);
    ctx.store.customer_addresses.insert(n, a.clone());
    Ok(Reply::ok(&json!({ "data": a })))
}

pub fn delete(ctx: &mut Ctx, customer: &str, id: &str) -> Result<Reply, Reply> {
    let (n, _) = find(ctx, customer, id)?;
    ctx.store.customer_addresses.remove(&n);
    ctx.store.address_tokens.retain(|_, v| *v != n);
    Ok(Reply {
        status: 204,
        body: Vec::new(),
        committed: false,
    })
}
