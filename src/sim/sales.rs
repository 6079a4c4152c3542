//! Register sales: create with a client-chosen id, update, totals, invoice numbers, and
//! stock movement (closing a sale, or with `StockMoves::OnCreate` creating a pending one,
//! takes stock out at the register's outlet; voiding puts it back). What a re-POST of an existing id does is a simulator option (`DuplicateSale`).

use rand::Rng;
use rand_chacha::ChaCha8Rng;
use serde_json::{json, Value};

use super::config::{DuplicateSale, StockMoves};
use super::reply::Reply;
use super::routes::Ctx;
use super::state::round2;
use super::table::Row;
use crate::lightspeed::models::SaleRequest;

const STATES: &[&str] = &["parked", "pending", "voided", "closed"];
const ATTRIBUTES: &[&str] = &["onaccount", "layby", "delivery", "pickup", "service"];

pub fn new_id(rng: &mut ChaCha8Rng) -> String {
    uuid::Builder::from_random_bytes(rng.gen())
        .into_uuid()
        .to_string()
}

fn parse(body: &[u8]) -> Result<(SaleRequest, Value), Reply> {
    if body.is_empty() {
        return Err(Reply::bad_request("a JSON request body is required"));
    }
    let raw: Value = serde_json::from_slice(body)
        .map_err(|e| Reply::bad_request(&format!("invalid request body: {e}")))?;
    if raw.get("source").is_none() || raw.get("state").is_none() {
        return Err(Reply::bad_request("source and state are required"));
    }
    let req: SaleRequest = serde_json::from_value(raw.clone())
        .map_err(|e| Reply::bad_request(&format!("invalid sale: {e}")))?;
    Ok((req, raw))
}

fn validate(ctx: &Ctx, req: &SaleRequest) -> Result<(), Reply> {
    if !STATES.contains(&req.state.as_str()) {
        return Err(Reply::bad_request(&format!(
            "state must be one of parked, pending, voided, closed; got {:?}",
            req.state
        )));
    }
    for a in &req.attributes {
        if !ATTRIBUTES.contains(&a.as_str()) {
            return Err(Reply::bad_request(&format!("unknown sale attribute {a:?}")));
        }
    }
    let has = |a: &str| req.attributes.iter().any(|x| x == a);
    if (has("onaccount") && has("layby")) || (has("pickup") && has("delivery")) {
        return Err(Reply::error(
            422,
            "attributes onaccount/layby and pickup/delivery are mutually exclusive",
        ));
    }
    let s = &*ctx.store;
    if s.users
        .get(&req.source.author_id)
        .is_none_or(|u| u.is_deleted())
    {
        return Err(Reply::error(422, "source.author_id: user not found"));
    }
    if let Some(r) = &req.source.register_id {
        if s.registers.get(r).is_none_or(|x| x.is_deleted()) {
            return Err(Reply::error(422, "source.register_id: register not found"));
        }
    }
    if let Some(c) = &req.customer_id {
        if s.customers.get(c).is_none() {
            return Err(Reply::error(422, "customer_id: customer not found"));
        }
    }
    for (i, l) in req.line_items.iter().enumerate() {
        match s.products.get(&l.product.id) {
            None => {
                return Err(Reply::error(
                    422,
                    &format!("line_items[{i}].product.id: product not found"),
                ))
            }
            Some(p) if p.is_deleted() => {
                return Err(Reply::error(
                    422,
                    &format!("line_items[{i}].product.id: product is deleted"),
                ))
            }
            _ => {}
        }
        if s.taxes.get(&l.tax.id).is_none() {
            return Err(Reply::error(
                422,
                &format!("line_items[{i}].tax.id: tax not found"),
            ));
        }
        if !l.quantity.is_finite() || !l.pricing.price.is_finite() {
            return Err(Reply::bad_request(&format!(
                "line_items[{i}]: quantity and price must be numbers"
            )));
        }
    }
    for (i, p) in req.payments.iter().enumerate() {
        if s.payment_types.get(&p.kind.config_id).is_none() {
            return Err(Reply::error(
                422,
                &format!("payments[{i}].type.config_id: payment type not found"),
            ));
        }
    }
    Ok(())
}

fn outlet_of(ctx: &Ctx, req: &SaleRequest) -> Option<String> {
    let reg = req.source.register_id.as_ref()?;
    ctx.store
        .registers
        .get(reg)
        .and_then(|r| r.get("outlet_id"))
        .and_then(Value::as_str)
        .map(str::to_string)
}

/// Stock effect of a sale in `state`: closed sales hold their lines out of inventory, and
/// pending ones too when stock moves on creation.
fn stock_effect(state: &str, moves: StockMoves) -> f64 {
    match (state, moves) {
        ("closed", _) | ("pending", StockMoves::OnCreate) => -1.0,
        _ => 0.0,
    }
}

fn move_stock(ctx: &mut Ctx, outlet: &Option<String>, req: &SaleRequest, sign: f64) {
    if sign == 0.0 {
        return;
    }
    let Some(o) = outlet else { return };
    for l in &req.line_items {
        ctx.store
            .adjust_stock(&l.product.id, o, sign * l.quantity, ctx.rng);
    }
}

fn next_invoice(ctx: &mut Ctx, register: Option<&String>) -> String {
    let reg = register.cloned().or_else(|| {
        ctx.store
            .registers
            .iter()
            .next()
            .map(|r| r.row_id().to_string())
    });
    let Some(reg) = reg else {
        return format!("SIM-{}", ctx.store.sales.len() + 1);
    };
    let Some(r) = ctx.store.registers.get(&reg).cloned() else {
        return format!("SIM-{}", ctx.store.sales.len() + 1);
    };
    let seq = r
        .get("invoice_sequence")
        .and_then(Value::as_u64)
        .unwrap_or(1)
        + 1;
    let pre = r
        .get("invoice_prefix")
        .and_then(Value::as_str)
        .unwrap_or("");
    let suf = r
        .get("invoice_suffix")
        .and_then(Value::as_str)
        .unwrap_or("");
    let v = ctx.store.bump(ctx.rng);
    ctx.store.registers.update(&reg, v, |x| {
        x["invoice_sequence"] = json!(seq);
    });
    format!("{pre}{seq}{suf}")
}

fn build(ctx: &mut Ctx, id: &str, req: &SaleRequest, prev: Option<&Value>) -> Value {
    let now = crate::clock::rfc3339(ctx.now);
    let outlet = outlet_of(ctx, req);
    let invoice = match (&req.invoice_number, prev) {
        (Some(n), _) => n.clone(),
        (None, Some(p)) => p
            .get("invoice_number")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string(),
        (None, None) => next_invoice(ctx, req.source.register_id.as_ref()),
    };
    let mut price = 0.0;
    let mut tax = 0.0;
    let mut taxes: std::collections::BTreeMap<String, f64> = Default::default();
    let lines: Vec<Value> = req
        .line_items
        .iter()
        .enumerate()
        .map(|(i, l)| {
            let discount = l.pricing.discount.unwrap_or(0.0);
            let unit = l.pricing.price - discount;
            let total = round2(unit * l.quantity);
            let tax_total = round2(l.tax.amount * l.quantity);
            price += total;
            tax += tax_total;
            *taxes.entry(l.tax.id.clone()).or_default() += tax_total;
            let mut pricing = json!({
                "price": l.pricing.price, "total": total,
                "discount": discount, "discount_total": round2(discount * l.quantity),
                "loyalty_amount": 0, "loyalty_amount_total": 0
            });
            if let Some(c) = l.pricing.cost {
                pricing["cost"] = json!(c);
                pricing["cost_total"] = json!(round2(c * l.quantity));
            }
            json!({
                "id": uuid::Uuid::new_v5(&uuid::Uuid::NAMESPACE_OID, format!("{id}:{i}").as_bytes()).to_string(),
                "product": { "id": l.product.id },
                "quantity": l.quantity,
                "pricing": pricing,
                "tax": { "id": l.tax.id, "amount": l.tax.amount, "total": tax_total },
                "status": l.status.clone().unwrap_or_else(|| "CONFIRMED".into()),
                "promotions": [], "surcharges": [], "customizations": [],
                "_metadata": { "sequence": i as i64, "is_price_override": false },
                "source": { "register_id": req.source.register_id.clone().unwrap_or_default() }
            })
        })
        .collect();
    let payments: Vec<Value> = req
        .payments
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let name = ctx
                .store
                .payment_types
                .get(&p.kind.config_id)
                .and_then(|t| t.get("name").cloned())
                .unwrap_or(json!(""));
            json!({
                "id": uuid::Uuid::new_v5(&uuid::Uuid::NAMESPACE_OID, format!("{id}:pay:{i}").as_bytes()).to_string(),
                "amount": p.amount,
                "date": p.date.clone().unwrap_or_else(|| now.clone()),
                "type": { "config_id": p.kind.config_id, "id": p.kind.config_id, "name": name }
            })
        })
        .collect();
    let created = prev
        .and_then(|p| p.get("created_at").cloned())
        .unwrap_or(json!(now));
    let mut source = json!({
        "author": { "id": req.source.author_id },
        "register_id": req.source.register_id.clone().unwrap_or_default(),
    });
    if let Some(o) = &outlet {
        source["outlet_id"] = json!(o);
    }
    if let Some(x) = &req.source.id {
        source["id"] = json!(x);
    }
    if let Some(x) = &req.source.kind {
        source["type"] = json!(x);
    }
    let mut sale = json!({
        "id": id,
        "state": req.state,
        "attributes": req.attributes,
        "date": req.date.clone().unwrap_or_else(|| now.clone()),
        "created_at": created,
        "updated_at": now,
        "invoice_number": invoice,
        "receipt_number": invoice,
        "note": req.note.clone().unwrap_or_default(),
        "source": source,
        "line_items": lines,
        "payments": payments,
        "taxes": taxes.into_iter().map(|(id, t)| json!({"id": id, "tax": round2(t)})).collect::<Vec<_>>(),
        "totals": {
            "price": round2(price), "tax": round2(tax), "price_incl_tax": round2(price + tax),
            "loyalty": 0, "surcharge": 0
        },
        "adjustments": [],
        "ecom_custom_charges": [],
        "external_applications": [],
        "return": { "is_return": false, "return_sale_ids": [] },
        "_metadata": { "has_unsynced_on_account_payments": false }
    });
    if let Some(c) = &req.customer_id {
        sale["customer_id"] = json!(c);
    }
    sale
}

fn store_sale(
    ctx: &mut Ctx,
    id: &str,
    req: &SaleRequest,
    raw: Value,
    prev: Option<Value>,
) -> Reply {
    let outlet = outlet_of(ctx, req);
    // Undo the previous version's stock effect, apply the new one.
    if let Some(p) = &prev {
        if let Some(old) = ctx.store.sale_requests.get(id).cloned() {
            if let Ok(old_req) = serde_json::from_value::<SaleRequest>(old) {
                let old_state = p.get("state").and_then(Value::as_str).unwrap_or("");
                let old_outlet = outlet_of(ctx, &old_req);
                let undo = -stock_effect(old_state, ctx.settings.stock_moves);
                move_stock(ctx, &old_outlet, &old_req, undo);
            }
        }
    }
    move_stock(
        ctx,
        &outlet,
        req,
        stock_effect(&req.state, ctx.settings.stock_moves),
    );
    let mut sale = build(ctx, id, req, prev.as_ref());
    let v = ctx.store.bump(ctx.rng);
    sale["_metadata"]["version"] = json!(v);
    ctx.store.sales.put(sale, v);
    ctx.store.sale_requests.insert(id.to_string(), raw);
    let mut r = Reply::ok(&json!({ "data": ctx.store.sales.get(id) }));
    r.committed = true;
    r
}

fn check_transition(prev: &Value, next: &str) -> Result<(), Reply> {
    match prev.get("state").and_then(Value::as_str) {
        Some("closed") if next != "closed" && next != "voided" => {
            Err(Reply::error(422, "a closed sale can only be voided"))
        }
        Some("voided") if next != "voided" => {
            Err(Reply::error(422, "a voided sale cannot be changed"))
        }
        _ => Ok(()),
    }
}

pub fn create(ctx: &mut Ctx, body: &[u8]) -> Result<Reply, Reply> {
    let (req, mut raw) = parse(body)?;
    validate(ctx, &req)?;
    let id = match &req.id {
        Some(id) if uuid::Uuid::parse_str(id).is_err() => {
            return Err(Reply::bad_request("id must be a UUID"))
        }
        Some(id) => id.to_lowercase(),
        None => new_id(ctx.rng),
    };
    if let Some(o) = raw.as_object_mut() {
        o.remove("id");
    }
    if let Some(prev) = ctx.store.sales.get(&id).cloned() {
        let same = ctx.store.sale_requests.get(&id) == Some(&raw);
        return match ctx.settings.duplicate_sale {
            DuplicateSale::Conflict => Err(Reply::error(409, "a sale with this id already exists")),
            DuplicateSale::ReturnExisting => Ok(Reply::ok(&json!({ "data": prev }))),
            DuplicateSale::Update if same => Ok(Reply::ok(&json!({ "data": prev }))),
            DuplicateSale::Update => {
                check_transition(&prev, &req.state)?;
                Ok(store_sale(ctx, &id, &req, raw, Some(prev)))
            }
        };
    }
    Ok(store_sale(ctx, &id, &req, raw, None))
}

pub fn update(ctx: &mut Ctx, id: &str, body: &[u8]) -> Result<Reply, Reply> {
    let Some(prev) = ctx.store.sales.get(id).cloned() else {
        return Err(Reply::not_found("sale"));
    };
    let (req, mut raw) = parse(body)?;
    validate(ctx, &req)?;
    check_transition(&prev, &req.state)?;
    if let Some(o) = raw.as_object_mut() {
        o.remove("id");
    }
    if ctx.store.sale_requests.get(id) == Some(&raw) {
        return Ok(Reply::ok(&json!({ "data": prev })));
    }
    Ok(store_sale(ctx, id, &req, raw, Some(prev)))
}
