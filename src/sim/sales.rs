//! Register sales: create with a client-chosen id, update, totals, invoice numbers, and
//! stock movement (closing a sale, or with `StockMoves::OnCreate` creating a pending one,
//! takes stock out at the register's outlet; voiding puts it back). What a re-POST of an existing id does is a simulator option (`DuplicateSale`).
//!
//! Money: every amount is read exactly (number or numeric string, see [`Dec`]) and each
//! line is rounded once to whole cents; the sale's totals are sums of those cents, so they
//! never drift. How a line's price, discount and tax combine is in [`line_money`]; what the
//! store does with sale-level adjustments is in [`adjustment_money`]. A body the spec's
//! shapes rule out is 400; a body that names something the store does not have (a user,
//! register, customer, product, tax, payment type or address that does not exist, is
//! deleted or is disabled) is 422 with `{"error": "<field>: <reason>", "message": …}`.

use rand::Rng;
use rand_chacha::ChaCha8Rng;
use serde_json::{json, Map, Value};

use super::config::{AdjustmentTax, DuplicateSale, InclusivePricing, LineDiscount, StockMoves};
use super::money::{cents_json, dec_json, Dec};
use super::reply::Reply;
use super::routes::Ctx;
use super::sale_money::{AdjustmentMoney, LineMoney, PaymentMoney, SaleMoney};
use super::table::Row;

const STATES: &[&str] = &["parked", "pending", "voided", "closed"];
const ATTRIBUTES: &[&str] = &["onaccount", "layby", "delivery", "pickup", "service"];
const ADJUSTMENT_TYPES: &[&str] = &["NON_CASH_FEE", "DISCOUNT", "TIP"];
const FULFILLMENT_TYPES: &[&str] = &["DISPATCH", "PICKUP"];

pub fn new_id(rng: &mut ChaCha8Rng) -> String {
    uuid::Builder::from_random_bytes(rng.gen())
        .into_uuid()
        .to_string()
}

// ---- the request, read exactly ------------------------------------------------------

struct SourceIn {
    author_id: String,
    register_id: Option<String>,
    id: Option<String>,
    kind: Option<String>,
}

struct LineIn {
    product_id: String,
    quantity: Dec,
    price: Dec,
    discount: Dec,
    cost: Option<Dec>,
    loyalty: Option<Dec>,
    tax_id: String,
    tax_amount: Dec,
    status: Option<String>,
}

struct PayIn {
    amount: Dec,
    config_id: String,
    date: Option<String>,
    billing_address_id: Option<String>,
}

struct AdjIn {
    kind: String,
    name: Option<String>,
    percent: bool,
    value: Dec,
}

struct FulfilIn {
    kind: Option<String>,
    address_id: Option<String>,
    token: Option<String>,
}

struct SaleIn {
    id: Option<String>,
    state: String,
    attributes: Vec<String>,
    customer_id: Option<String>,
    date: Option<String>,
    note: Option<String>,
    invoice_number: Option<String>,
    source: SourceIn,
    lines: Vec<LineIn>,
    payments: Vec<PayIn>,
    adjustments: Vec<AdjIn>,
    fulfillment: Vec<FulfilIn>,
}

/// Quotes at most ~60 characters of what was sent.
fn excerpt(v: &Value) -> String {
    let s = v.to_string();
    if s.chars().count() > 60 {
        format!("{}…", s.chars().take(60).collect::<String>())
    } else {
        s
    }
}

fn shape(path: &str, msg: &str) -> Reply {
    Reply::error_with(
        400,
        &format!("{path}: {msg}"),
        "the body does not match SaleRequest",
    )
}

fn refuse(field: &str, reason: &str, detail: String) -> Reply {
    Reply::error_with(422, &format!("{field}: {reason}"), &detail)
}

fn object<'a>(v: &'a Value, path: &str) -> Result<&'a Map<String, Value>, Reply> {
    v.as_object()
        .ok_or_else(|| shape(path, &format!("must be an object, got {}", excerpt(v))))
}

fn opt_str(o: &Map<String, Value>, key: &str, path: &str) -> Result<Option<String>, Reply> {
    match o.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(v) => Err(shape(
            &format!("{path}{key}"),
            &format!("must be a string, got {}", excerpt(v)),
        )),
    }
}

/// A string or an integer (customer address ids are int64, the sale fields are strings).
fn opt_id(o: &Map<String, Value>, key: &str, path: &str) -> Result<Option<String>, Reply> {
    match o.get(key) {
        Some(Value::Number(n)) if n.is_u64() => Ok(Some(n.to_string())),
        _ => opt_str(o, key, path),
    }
}

fn req_str(o: &Map<String, Value>, key: &str, path: &str) -> Result<String, Reply> {
    opt_str(o, key, path)?.ok_or_else(|| shape(&format!("{path}{key}"), "is required"))
}

fn opt_dec(o: &Map<String, Value>, key: &str, path: &str) -> Result<Option<Dec>, Reply> {
    match o.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => Dec::parse(v).map(Some).ok_or_else(|| {
            shape(
                &format!("{path}{key}"),
                &format!(
                    "must be a number or a numeric string such as \"12.50\", got {}",
                    excerpt(v)
                ),
            )
        }),
    }
}

fn req_dec(o: &Map<String, Value>, key: &str, path: &str) -> Result<Dec, Reply> {
    opt_dec(o, key, path)?.ok_or_else(|| shape(&format!("{path}{key}"), "is required"))
}

fn array<'a>(o: &'a Map<String, Value>, key: &str, path: &str) -> Result<&'a [Value], Reply> {
    match o.get(key) {
        None | Some(Value::Null) => Ok(&[]),
        Some(Value::Array(a)) => Ok(a),
        Some(v) => Err(shape(
            &format!("{path}{key}"),
            &format!("must be an array, got {}", excerpt(v)),
        )),
    }
}

fn read(raw: &Value) -> Result<SaleIn, Reply> {
    let o = object(raw, "body")?;
    if !o.contains_key("source") || !o.contains_key("state") {
        return Err(Reply::bad_request("source and state are required"));
    }
    let src = object(&o["source"], "source")?;
    let source = SourceIn {
        author_id: req_str(src, "author_id", "source.")?,
        register_id: opt_str(src, "register_id", "source.")?,
        id: opt_str(src, "id", "source.")?,
        kind: opt_str(src, "type", "source.")?,
    };
    let mut attributes = Vec::new();
    for (i, a) in array(o, "attributes", "")?.iter().enumerate() {
        match a.as_str() {
            Some(s) => attributes.push(s.to_string()),
            None => return Err(shape(&format!("attributes[{i}]"), "must be a string")),
        }
    }
    let mut lines = Vec::new();
    for (i, l) in array(o, "line_items", "")?.iter().enumerate() {
        let p = format!("line_items[{i}].");
        let l = object(l, &format!("line_items[{i}]"))?;
        let product = object(
            l.get("product")
                .ok_or_else(|| shape(&format!("{p}product"), "is required"))?,
            &format!("{p}product"),
        )?;
        let pricing = object(
            l.get("pricing")
                .ok_or_else(|| shape(&format!("{p}pricing"), "is required"))?,
            &format!("{p}pricing"),
        )?;
        let tax = object(
            l.get("tax")
                .ok_or_else(|| shape(&format!("{p}tax"), "is required"))?,
            &format!("{p}tax"),
        )?;
        let pp = format!("{p}pricing.");
        if !array(pricing, "adjustments", &pp)?.is_empty() {
            // The simulator does not model per-line adjustments (targets, EACH/PROPORTIONED
            // methods); saying so beats recording totals that silently ignore them.
            return Err(refuse(
                &format!("{pp}adjustments"),
                "line-level adjustments are not supported by this simulator",
                "send a sale-level adjustment in pricing.adjustments, a line of the retailer's discount product, or pricing.discount".into(),
            ));
        }
        lines.push(LineIn {
            product_id: req_str(product, "id", &format!("{p}product."))?,
            quantity: req_dec(l, "quantity", &p)?,
            price: req_dec(pricing, "price", &pp)?,
            discount: opt_dec(pricing, "discount", &pp)?.unwrap_or(Dec::ZERO),
            cost: opt_dec(pricing, "cost", &pp)?,
            loyalty: opt_dec(pricing, "loyalty_amount", &pp)?,
            tax_id: req_str(tax, "id", &format!("{p}tax."))?,
            tax_amount: req_dec(tax, "amount", &format!("{p}tax."))?,
            status: opt_str(l, "status", &p)?,
        });
    }
    let mut payments = Vec::new();
    for (i, x) in array(o, "payments", "")?.iter().enumerate() {
        let p = format!("payments[{i}].");
        let x = object(x, &format!("payments[{i}]"))?;
        let kind = object(
            x.get("type")
                .ok_or_else(|| shape(&format!("{p}type"), "is required"))?,
            &format!("{p}type"),
        )?;
        payments.push(PayIn {
            amount: req_dec(x, "amount", &p)?,
            config_id: req_str(kind, "config_id", &format!("{p}type."))?,
            date: opt_str(x, "date", &p)?,
            billing_address_id: opt_id(x, "billing_address_id", &p)?,
        });
    }
    let mut adjustments = Vec::new();
    if let Some(pricing) = o.get("pricing").filter(|v| !v.is_null()) {
        let pricing = object(pricing, "pricing")?;
        for (i, a) in array(pricing, "adjustments", "pricing.")?
            .iter()
            .enumerate()
        {
            let p = format!("pricing.adjustments[{i}].");
            let a = object(a, &format!("pricing.adjustments[{i}]"))?;
            let kind = req_str(a, "type", &p)?;
            if !ADJUSTMENT_TYPES.contains(&kind.as_str()) {
                return Err(shape(
                    &format!("{p}type"),
                    &format!("must be NON_CASH_FEE, DISCOUNT or TIP, got {kind:?}"),
                ));
            }
            // SaleAdjustment requires only `type`; an adjustment without an amount changes
            // nothing.
            let (percent, value) = match a.get("amount").filter(|v| !v.is_null()) {
                None => (false, Dec::ZERO),
                Some(amount) => {
                    let am = object(amount, &format!("{p}amount"))?;
                    let t = req_str(am, "type", &format!("{p}amount."))?;
                    let percent = match t.as_str() {
                        "FIXED" => false,
                        "PERCENT" => true,
                        _ => {
                            return Err(shape(
                                &format!("{p}amount.type"),
                                &format!("must be FIXED or PERCENT, got {t:?}"),
                            ))
                        }
                    };
                    (percent, req_dec(am, "value", &format!("{p}amount."))?)
                }
            };
            adjustments.push(AdjIn {
                kind,
                name: opt_str(a, "name", &p)?,
                percent,
                value,
            });
        }
    }
    let mut fulfillment = Vec::new();
    for (i, f) in array(o, "fulfillment_details", "")?.iter().enumerate() {
        let p = format!("fulfillment_details[{i}].");
        let f = object(f, &format!("fulfillment_details[{i}]"))?;
        let kind = opt_str(f, "type", &p)?;
        if let Some(k) = &kind {
            if !FULFILLMENT_TYPES.contains(&k.as_str()) {
                return Err(shape(
                    &format!("{p}type"),
                    &format!("must be DISPATCH or PICKUP, got {k:?}"),
                ));
            }
        }
        opt_str(f, "note", &p)?;
        fulfillment.push(FulfilIn {
            kind,
            address_id: opt_id(f, "shipping_address_id", &p)?,
            token: opt_str(f, "shipping_address_token", &p)?,
        });
    }
    Ok(SaleIn {
        id: opt_str(o, "id", "")?,
        state: req_str(o, "state", "")?,
        attributes,
        customer_id: opt_str(o, "customer_id", "")?,
        date: opt_str(o, "date", "")?,
        note: opt_str(o, "note", "")?,
        invoice_number: opt_str(o, "invoice_number", "")?,
        source,
        lines,
        payments,
        adjustments,
        fulfillment,
    })
}

fn parse(body: &[u8]) -> Result<(SaleIn, Value), Reply> {
    if body.is_empty() {
        return Err(Reply::bad_request("a JSON request body is required"));
    }
    let raw: Value = serde_json::from_slice(body)
        .map_err(|e| Reply::bad_request(&format!("invalid request body: {e}")))?;
    let req = read(&raw)?;
    Ok((req, raw))
}

// ---- what the store refuses ---------------------------------------------------------

fn validate(ctx: &Ctx, req: &SaleIn) -> Result<(), Reply> {
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
        return Err(refuse(
            "attributes",
            "onaccount/layby and pickup/delivery are mutually exclusive",
            format!("got {:?}", req.attributes),
        ));
    }
    let s = &*ctx.store;
    match s.users.get(&req.source.author_id) {
        None => {
            return Err(refuse(
                "source.author_id",
                "user not found",
                format!(
                    "no user {:?} in this store (GET /users lists them)",
                    req.source.author_id
                ),
            ))
        }
        Some(u) if u.is_deleted() => {
            return Err(refuse(
                "source.author_id",
                "user is deleted",
                format!("user {:?} was deleted", req.source.author_id),
            ))
        }
        _ => {}
    }
    if let Some(r) = &req.source.register_id {
        match s.registers.get(r) {
            None => {
                return Err(refuse(
                    "source.register_id",
                    "register not found",
                    format!("no register {r:?} in this store (GET /registers lists them)"),
                ))
            }
            Some(x) if x.is_deleted() => {
                return Err(refuse(
                    "source.register_id",
                    "register is deleted",
                    format!("register {r:?} was deleted"),
                ))
            }
            _ => {}
        }
    }
    if let Some(c) = &req.customer_id {
        match s.customers.get(c) {
            None => {
                return Err(refuse(
                    "customer_id",
                    "customer not found",
                    format!("no customer {c:?} in this store"),
                ))
            }
            Some(x) if x.is_deleted() => {
                return Err(refuse(
                    "customer_id",
                    "customer is deleted",
                    format!("customer {c:?} was deleted"),
                ))
            }
            _ => {}
        }
    }
    for (i, l) in req.lines.iter().enumerate() {
        let field = format!("line_items[{i}].product.id");
        match s.products.get(&l.product_id) {
            None => {
                return Err(refuse(
                    &field,
                    "product not found",
                    format!("no product {:?} in this store", l.product_id),
                ))
            }
            Some(p) if p.is_deleted() => {
                return Err(refuse(
                    &field,
                    "product is deleted",
                    format!("product {:?} ({}) was deleted", l.product_id, p.sku),
                ))
            }
            _ => {}
        }
        let field = format!("line_items[{i}].tax.id");
        match s.taxes.get(&l.tax_id) {
            None => {
                return Err(refuse(
                    &field,
                    "tax not found",
                    format!(
                        "no tax {:?} in this store (GET /taxes lists them; tax-free lines use the tax named \"No Tax\")",
                        l.tax_id
                    ),
                ))
            }
            Some(t) if t.is_deleted() => {
                return Err(refuse(
                    &field,
                    "tax is deleted",
                    format!("tax {:?} was deleted", l.tax_id),
                ))
            }
            _ => {}
        }
    }
    for (i, p) in req.payments.iter().enumerate() {
        let field = format!("payments[{i}].type.config_id");
        match s.payment_types.get(&p.config_id) {
            None => {
                return Err(refuse(
                    &field,
                    "payment type not found",
                    format!(
                        "no payment type {:?} in this store (GET /payment_types lists them)",
                        p.config_id
                    ),
                ))
            }
            Some(t) if t.is_deleted() => {
                return Err(refuse(
                    &field,
                    "payment type is deleted",
                    format!("payment type {:?} was deleted", p.config_id),
                ))
            }
            Some(t) if t.get("disabled").and_then(Value::as_bool) == Some(true) => {
                return Err(refuse(
                    &field,
                    "payment type is disabled",
                    format!(
                        "payment type {:?} ({}) is disabled in this store",
                        p.config_id,
                        t.get("name").and_then(Value::as_str).unwrap_or("")
                    ),
                ))
            }
            _ => {}
        }
        if let Some(a) = &p.billing_address_id {
            address_of(ctx, req, a, &format!("payments[{i}].billing_address_id"))?;
        }
    }
    for (i, f) in req.fulfillment.iter().enumerate() {
        let p = format!("fulfillment_details[{i}]");
        if let Some(a) = &f.address_id {
            address_of(ctx, req, a, &format!("{p}.shipping_address_id"))?;
        }
        if let Some(t) = &f.token {
            let field = format!("{p}.shipping_address_token");
            let Some(id) = s.address_tokens.get(t) else {
                return Err(refuse(
                    &field,
                    "address token not found",
                    "use the id_token POST /customers/{customer_id}/addresses returned".into(),
                ));
            };
            address_of(ctx, req, &id.to_string(), &field)?;
        }
        // FulfillmentDetail: "Either this or shipping_address_token must be provided for
        // DISPATCH."
        if f.kind.as_deref() == Some("DISPATCH") && f.address_id.is_none() && f.token.is_none() {
            return Err(refuse(
                &format!("{p}.shipping_address_id"),
                "a DISPATCH fulfillment needs a shipping address",
                "give shipping_address_id (or shipping_address_token) of an address of the sale's customer".into(),
            ));
        }
    }
    Ok(())
}

/// A customer address the sale may use: it exists and belongs to the sale's customer.
fn address_of(ctx: &Ctx, req: &SaleIn, id: &str, field: &str) -> Result<(), Reply> {
    let addr = id
        .parse::<u64>()
        .ok()
        .and_then(|n| ctx.store.customer_addresses.get(&n));
    let Some(addr) = addr else {
        return Err(refuse(
            field,
            "address not found",
            format!("no customer address {id:?} in this store"),
        ));
    };
    let owner = addr.get("customer_id").and_then(Value::as_str);
    match &req.customer_id {
        None => Err(refuse(
            field,
            "the sale has no customer",
            format!("address {id:?} belongs to a customer; set the sale's customer_id to it"),
        )),
        Some(c) if owner != Some(c.as_str()) => Err(refuse(
            field,
            "address belongs to another customer",
            format!("address {id:?} is not an address of customer {c:?}"),
        )),
        _ => Ok(()),
    }
}

// ---- money ---------------------------------------------------------------------------

/// One line's tax-exclusive total, tax total and tax-inclusive total, in cents.
///
/// In a tax-exclusive store `price` is before tax: the line costs round(net × qty) and its
/// tax is round(tax × qty) on top. In a tax-inclusive store the tax-inclusive figure is the
/// one a customer sees and pays, so it is the one rounded, and the tax-exclusive total is
/// what is left after the rounded tax; with [`InclusivePricing::PriceExcludesTax`] (the
/// default) it is round((net + tax) × qty), with `PriceIncludesTax` round(net × qty).
fn line_money(ctx: &Ctx, l: &LineIn, tax_exclusive: bool) -> (i64, i64, i64) {
    let net = match ctx.settings.line_discount {
        LineDiscount::Subtract => l.price - l.discount,
        LineDiscount::Informational => l.price,
    };
    let tax = l.tax_amount.mul_cents(l.quantity);
    if tax_exclusive {
        let excl = net.mul_cents(l.quantity);
        return (excl, tax, excl + tax);
    }
    let incl = match ctx.settings.inclusive_pricing {
        InclusivePricing::PriceExcludesTax => (net + l.tax_amount).mul_cents(l.quantity),
        InclusivePricing::PriceIncludesTax => net.mul_cents(l.quantity),
    };
    (incl - tax, tax, incl)
}

/// A sale-level adjustment's amount (in cents, as the adjustment states it) and its
/// signed effect on the sale's total and tax.
///
/// The spec's `SaleAdjustment` has a type (DISCOUNT, NON_CASH_FEE, TIP) and an amount
/// (FIXED or PERCENT, value a string) and says nothing of sign or tax. Read here: a
/// DISCOUNT takes its amount off, a fee or a tip adds it; a PERCENT value is a percentage of
/// the lines' total as the store prices (tax-exclusive in a tax-exclusive store,
/// tax-inclusive in a tax-inclusive one). Whether the adjustment carries tax is the
/// [`AdjustmentTax`] option: by default it does not, so it moves `totals.price` and
/// `totals.price_incl_tax` alike and `totals.tax` is the lines'.
fn adjustment_money(
    ctx: &Ctx,
    a: &AdjIn,
    lines: &[LineMoney],
    tax_exclusive: bool,
) -> AdjustmentMoney {
    let excl: i64 = lines.iter().map(|l| l.price_cents).sum();
    let tax: i64 = lines.iter().map(|l| l.tax_cents).sum();
    let base = if tax_exclusive { excl } else { excl + tax };
    let amount = if a.percent {
        a.value.percent_of_cents(base)
    } else {
        a.value.cents()
    };
    let signed = if a.kind == "DISCOUNT" {
        -amount
    } else {
        amount
    };
    let adj_tax = match ctx.settings.adjustment_tax {
        AdjustmentTax::Untaxed => 0,
        AdjustmentTax::Proportional if base == 0 => 0,
        AdjustmentTax::Proportional => ratio_cents(signed, tax, base),
    };
    AdjustmentMoney {
        kind: a.kind.clone(),
        name: a.name.clone(),
        amount_type: if a.percent { "PERCENT" } else { "FIXED" }.into(),
        value: a.value.to_f64(),
        amount_cents: amount,
        // Before tax in a tax-exclusive store, so its tax comes on top; tax-inclusive
        // otherwise, so its tax is inside it.
        effect_cents: if tax_exclusive {
            signed + adj_tax
        } else {
            signed
        },
        tax_cents: adj_tax,
    }
}

/// `x × num ÷ den` rounded half away from zero (`den` ≠ 0).
fn ratio_cents(x: i64, num: i64, den: i64) -> i64 {
    let n = i128::from(x) * i128::from(num);
    let d = i128::from(den);
    let (n, d) = if d < 0 { (-n, -d) } else { (n, d) };
    let q = n / d;
    let r = n % d;
    (if r.abs() * 2 >= d { q + n.signum() } else { q }) as i64
}

fn line_id(sale: &str, i: usize) -> String {
    uuid::Uuid::new_v5(&uuid::Uuid::NAMESPACE_OID, format!("{sale}:{i}").as_bytes()).to_string()
}

fn payment_id(sale: &str, i: usize) -> String {
    uuid::Uuid::new_v5(
        &uuid::Uuid::NAMESPACE_OID,
        format!("{sale}:pay:{i}").as_bytes(),
    )
    .to_string()
}

fn money(ctx: &Ctx, id: &str, req: &SaleIn) -> SaleMoney {
    let tax_exclusive = ctx.store.tax_exclusive();
    let discount_product = ctx
        .store
        .retailer
        .get("discount_product_id")
        .and_then(Value::as_str)
        .unwrap_or("");
    let lines: Vec<LineMoney> = req
        .lines
        .iter()
        .enumerate()
        .map(|(i, l)| {
            let (price, tax, total) = line_money(ctx, l, tax_exclusive);
            LineMoney {
                id: line_id(id, i),
                product_id: l.product_id.clone(),
                quantity: l.quantity.to_f64(),
                unit_price: l.price.to_f64(),
                unit_discount: l.discount.to_f64(),
                unit_tax: l.tax_amount.to_f64(),
                tax_id: l.tax_id.clone(),
                price_cents: price,
                tax_cents: tax,
                total_cents: total,
                discount_cents: l.discount.mul_cents(l.quantity),
                is_discount_product: !discount_product.is_empty()
                    && l.product_id == discount_product,
            }
        })
        .collect();
    let adjustments: Vec<AdjustmentMoney> = req
        .adjustments
        .iter()
        .map(|a| adjustment_money(ctx, a, &lines, tax_exclusive))
        .collect();
    let voided = req.state == "voided";
    let payments: Vec<PaymentMoney> = req
        .payments
        .iter()
        .enumerate()
        .map(|(i, p)| PaymentMoney {
            id: payment_id(id, i),
            config_id: p.config_id.clone(),
            name: ctx
                .store
                .payment_types
                .get(&p.config_id)
                .and_then(|t| t.get("name"))
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string(),
            amount_cents: p.amount.cents(),
            deleted: voided,
        })
        .collect();
    let mut m = SaleMoney {
        sale_id: id.to_string(),
        state: req.state.clone(),
        tax_exclusive,
        discount_cents: adjustments
            .iter()
            .filter(|a| a.kind == "DISCOUNT")
            .map(|a| a.amount_cents)
            .sum::<i64>()
            - lines
                .iter()
                .filter(|l| l.is_discount_product)
                .map(|l| l.price_cents)
                .sum::<i64>()
            + lines.iter().map(|l| l.discount_cents).sum::<i64>(),
        lines,
        adjustments,
        payments,
        ..SaleMoney::default()
    };
    let (price, tax, total, balance) = m.recomputed();
    m.price_cents = price;
    m.tax_cents = tax;
    m.total_cents = total;
    m.paid_cents = m
        .payments
        .iter()
        .filter(|p| !p.deleted)
        .map(|p| p.amount_cents)
        .sum();
    m.balance_cents = balance;
    m
}

fn money_text(c: i64) -> String {
    let sign = if c < 0 { "-" } else { "" };
    format!("{sign}{}.{:02}", (c / 100).abs(), (c % 100).abs())
}

/// The undocumented rule a store may apply (a simulator option, off by default).
fn check_paid(ctx: &Ctx, m: &SaleMoney) -> Result<(), Reply> {
    if ctx.settings.closed_sale_paid_in_full && m.state == "closed" && m.balance_cents > 0 {
        return Err(refuse(
            "payments",
            "a closed sale must be paid in full",
            format!(
                "total {}, paid {}, balance {}",
                money_text(m.total_cents),
                money_text(m.paid_cents),
                money_text(m.balance_cents)
            ),
        ));
    }
    Ok(())
}

// ---- the recorded sale ----------------------------------------------------------------

fn outlet_of(ctx: &Ctx, req: &SaleIn) -> Option<String> {
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

fn move_stock(ctx: &mut Ctx, outlet: &Option<String>, req: &SaleIn, sign: f64) {
    if sign == 0.0 {
        return;
    }
    let Some(o) = outlet else { return };
    for l in &req.lines {
        ctx.store
            .adjust_stock(&l.product_id, o, sign * l.quantity.to_f64(), ctx.rng);
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

fn build(ctx: &mut Ctx, id: &str, req: &SaleIn, m: &SaleMoney, prev: Option<&Value>) -> Value {
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
    let mut taxes: std::collections::BTreeMap<String, i64> = Default::default();
    let lines: Vec<Value> = req
        .lines
        .iter()
        .zip(&m.lines)
        .enumerate()
        .map(|(i, (l, lm))| {
            *taxes.entry(l.tax_id.clone()).or_default() += lm.tax_cents;
            let loyalty = l.loyalty.unwrap_or(Dec::ZERO);
            let mut pricing = json!({
                "price": dec_json(l.price), "total": cents_json(lm.price_cents),
                "discount": dec_json(l.discount), "discount_total": cents_json(lm.discount_cents),
                "loyalty_amount": dec_json(loyalty),
                "loyalty_amount_total": cents_json(loyalty.mul_cents(l.quantity))
            });
            if let Some(c) = l.cost {
                pricing["cost"] = dec_json(c);
                pricing["cost_total"] = cents_json(c.mul_cents(l.quantity));
            }
            json!({
                "id": lm.id,
                "product": { "id": l.product_id },
                "quantity": dec_json(l.quantity),
                "pricing": pricing,
                "tax": { "id": l.tax_id, "amount": dec_json(l.tax_amount), "total": cents_json(lm.tax_cents) },
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
        .zip(&m.payments)
        .map(|(p, pm)| {
            let mut x = json!({
                "id": pm.id,
                "amount": cents_json(pm.amount_cents),
                "date": p.date.clone().unwrap_or_else(|| now.clone()),
                "type": { "config_id": p.config_id, "id": p.config_id, "name": pm.name }
            });
            if pm.deleted {
                // Docs (sales_statuses): voiding a sale deletes all its payments.
                x["deleted_at"] = json!(now);
            }
            x
        })
        .collect();
    // Adjustment tax (AdjustmentTax::Proportional) is spread over the sale's taxes by
    // their line tax, in cents, the remainder to the largest, so `taxes` sums to
    // `totals.tax`.
    let adj_tax: i64 = m.adjustments.iter().map(|a| a.tax_cents).sum();
    let line_tax: i64 = taxes.values().sum();
    let largest = taxes
        .iter()
        .max_by_key(|(_, t)| t.abs())
        .map(|(id, _)| id.clone());
    if adj_tax != 0 && line_tax != 0 {
        let mut given = 0;
        for t in taxes.values_mut() {
            let share = ratio_cents(adj_tax, *t, line_tax);
            *t += share;
            given += share;
        }
        if let Some(t) = largest.as_ref().and_then(|id| taxes.get_mut(id)) {
            *t += adj_tax - given;
        }
    }
    let rate_id = largest
        .and_then(|id| ctx.store.taxes.get(&id))
        .and_then(|t| t.pointer("/rates/0/id"))
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    // Sale.adjustments: "Sale-level adjustment totals compounded by adjustment type"; the
    // total is the sum of the adjustments' values.
    let mut groups: Vec<(String, Option<String>, i64, i64)> = Vec::new();
    for a in &m.adjustments {
        match groups.iter_mut().find(|g| g.0 == a.kind) {
            Some(g) => {
                g.2 += a.amount_cents;
                g.3 += a.tax_cents;
            }
            None => groups.push((a.kind.clone(), a.name.clone(), a.amount_cents, a.tax_cents)),
        }
    }
    let adjustments: Vec<Value> = groups
        .into_iter()
        .map(|(kind, name, total, tax)| {
            let components = if tax == 0 {
                json!([])
            } else {
                json!([{ "rate_id": rate_id, "total_tax": cents_json(tax) }])
            };
            let mut x = json!({ "adjustment_type": kind, "tax_components": components, "total": cents_json(total) });
            if let Some(n) = name {
                x["name"] = json!(n);
            }
            x
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
        "taxes": taxes.into_iter().map(|(id, t)| json!({"id": id, "tax": cents_json(t)})).collect::<Vec<_>>(),
        "totals": {
            "price": cents_json(m.price_cents), "tax": cents_json(m.tax_cents),
            "price_incl_tax": cents_json(m.total_cents),
            "loyalty": 0, "surcharge": 0
        },
        "adjustments": adjustments,
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
    req: &SaleIn,
    raw: Value,
    prev: Option<Value>,
) -> Result<Reply, Reply> {
    let m = money(ctx, id, req);
    check_paid(ctx, &m)?;
    let outlet = outlet_of(ctx, req);
    // Undo the previous version's stock effect, apply the new one.
    if let Some(p) = &prev {
        if let Some(old) = ctx.store.sale_requests.get(id).cloned() {
            if let Ok(old_req) = read(&old) {
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
    let mut sale = build(ctx, id, req, &m, prev.as_ref());
    let v = ctx.store.bump(ctx.rng);
    sale["_metadata"]["version"] = json!(v);
    ctx.store.sales.put(sale, v);
    ctx.store.sale_requests.insert(id.to_string(), raw);
    ctx.store.sale_money.insert(id.to_string(), m);
    let mut r = Reply::ok(&json!({ "data": ctx.store.sales.get(id) }));
    r.committed = true;
    Ok(r)
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
                store_sale(ctx, &id, &req, raw, Some(prev))
            }
        };
    }
    store_sale(ctx, &id, &req, raw, None)
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
    store_sale(ctx, id, &req, raw, Some(prev))
}
