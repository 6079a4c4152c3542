//! The API's endpoints over the simulated store. Each answers as the 2026-07 spec and the
//! docs describe; see `API-NOTES.md` for the sources.

use std::borrow::Cow;
use std::time::SystemTime;

use rand_chacha::ChaCha8Rng;
use serde::Serialize;
use serde_json::{json, Value};

use super::addresses;
use super::config::{
    AdjustmentTax, BeforeBound, DuplicateSale, InclusivePricing, LineDiscount, PageSizeRefusal,
    StockMoves,
};
use super::reply::{Params, Reply};
use super::sales;
use super::state::SimStore;
use super::table::{Catalog, Row, Table};
use crate::lightspeed::models::{InventoryRecord, InventoryRequest, Product, VersionRange};

/// Settings routes need (the rest of `SimConfig` is for the transport).
#[derive(Debug, Clone)]
pub struct Settings {
    pub default_page_size: u64,
    pub page_size_cap: u64,
    pub sales_page_size_cap: u64,
    pub refuse_page_size: Option<PageSizeRefusal>,
    pub duplicate_sale: DuplicateSale,
    pub before_bound: BeforeBound,
    pub inclusive_pricing: InclusivePricing,
    pub line_discount: LineDiscount,
    pub adjustment_tax: AdjustmentTax,
    pub closed_sale_paid_in_full: bool,
    pub stock_moves: StockMoves,
}

pub struct Ctx<'a> {
    pub store: &'a mut SimStore,
    pub rng: &'a mut ChaCha8Rng,
    pub settings: &'a Settings,
    pub now: SystemTime,
    /// Serve the page before the cursor again (fault injection).
    pub stuck: bool,
}

pub struct Call<'a> {
    pub method: &'a str,
    /// `2026-07`, `2.0`, …
    pub version: &'a str,
    /// Relative to the version root, e.g. `/products/abc`.
    pub path: &'a str,
    pub query: &'a Params,
    pub body: &'a [u8],
}

#[derive(Serialize)]
struct Envelope<'a, T: Clone + Serialize> {
    data: Vec<Cow<'a, T>>,
    version: VersionRange,
}

fn envelope<T: Row + Serialize>(rows: Vec<Cow<'_, T>>) -> Reply {
    let v = |r: &Cow<'_, T>| i64::try_from(r.row_version()).unwrap_or(i64::MAX);
    let version = VersionRange {
        min: rows.first().map(v),
        max: rows.last().map(v),
    };
    Reply::ok(&Envelope {
        data: rows,
        version,
    })
}

/// What a version-cursor list pages through: a [`Table`] or a [`Catalog`].
trait Pages<T: Clone> {
    fn page(&self, after: u64, before: Option<u64>, limit: usize, deleted: bool)
        -> Vec<Cow<'_, T>>;
    fn page_ending_at(&self, upto: u64, limit: usize, deleted: bool) -> Vec<Cow<'_, T>>;
}

impl<T: Row> Pages<T> for Table<T> {
    fn page(
        &self,
        after: u64,
        before: Option<u64>,
        limit: usize,
        deleted: bool,
    ) -> Vec<Cow<'_, T>> {
        let rows = Table::page(self, after, before, limit, deleted);
        rows.into_iter().map(Cow::Borrowed).collect()
    }
    fn page_ending_at(&self, upto: u64, limit: usize, deleted: bool) -> Vec<Cow<'_, T>> {
        let rows = Table::page_ending_at(self, upto, limit, deleted);
        rows.into_iter().map(Cow::Borrowed).collect()
    }
}

impl<T: Row> Pages<T> for Catalog<T> {
    fn page(
        &self,
        after: u64,
        before: Option<u64>,
        limit: usize,
        deleted: bool,
    ) -> Vec<Cow<'_, T>> {
        Catalog::page(self, after, before, limit, deleted)
    }
    fn page_ending_at(&self, upto: u64, limit: usize, deleted: bool) -> Vec<Cow<'_, T>> {
        Catalog::page_ending_at(self, upto, limit, deleted)
    }
}

/// A version-cursor list: `after < version ≤ before` (or `< before`, see [`BeforeBound`]),
/// ascending, capped page size.
fn list<T: Row + Serialize>(
    t: &impl Pages<T>,
    q: &Params,
    ctx: &Ctx,
    cap: u64,
    deleted_param: bool,
) -> Result<Reply, Reply> {
    let after = q.u64("after")?.unwrap_or(0);
    let before = ctx.settings.before_bound.upper(q.u64("before")?);
    let size = q
        .u64("page_size")?
        .unwrap_or(ctx.settings.default_page_size);
    if size == 0 {
        return Err(Reply::bad_request("page_size must be at least 1"));
    }
    refuse_size(ctx, "page_size", size)?;
    let limit = size.min(cap) as usize;
    let deleted = deleted_param && q.bool("deleted")?;
    let rows = if ctx.stuck && after > 0 {
        t.page_ending_at(after, limit, deleted)
    } else {
        t.page(after, before, limit, deleted)
    };
    Ok(envelope(rows))
}

/// With [`PageSizeRefusal`] on, a page size above its limit is refused, not capped.
fn refuse_size(ctx: &Ctx, param: &str, size: u64) -> Result<(), Reply> {
    match ctx.settings.refuse_page_size {
        Some(r) if size > r.above => Err(Reply::error_with(
            r.status,
            if r.status == 422 {
                "Unprocessable Entity"
            } else {
                "Bad Request"
            },
            &format!("{param} must be at most {}, got {size}", r.above),
        )),
        _ => Ok(()),
    }
}

fn single<T: Serialize>(t: Option<&T>, what: &str) -> Reply {
    match t {
        Some(v) => Reply::ok(&json!({ "data": v })),
        None => Reply::not_found(what),
    }
}

fn parse_body<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, Reply> {
    if body.is_empty() {
        return Err(Reply::bad_request("a JSON request body is required"));
    }
    serde_json::from_slice(body)
        .map_err(|e| Reply::bad_request(&format!("invalid request body: {e}")))
}

pub fn route(ctx: &mut Ctx, call: &Call) -> Reply {
    match dispatch(ctx, call) {
        Ok(r) | Err(r) => r,
    }
}

fn dispatch(ctx: &mut Ctx, call: &Call) -> Result<Reply, Reply> {
    let segs: Vec<&str> = call
        .path
        .trim_matches('/')
        .split('/')
        .filter(|s| !s.is_empty())
        .collect();
    let q = call.query;
    let cap = ctx.settings.page_size_cap;
    let legacy = call.version == "2.0" || call.version == "2.1";
    match (call.method, segs.as_slice()) {
        ("GET", ["retailer"]) => Ok(Reply::ok(&json!({ "data": ctx.store.retailer }))),
        ("GET", ["outlets"]) => list(&ctx.store.outlets, q, ctx, cap, true),
        ("GET", ["outlets", id]) => Ok(single(ctx.store.outlets.get(id), "outlet")),
        ("GET", ["registers"]) => list(&ctx.store.registers, q, ctx, cap, true),
        ("GET", ["registers", id]) => Ok(single(ctx.store.registers.get(id), "register")),
        ("GET", ["users"]) => list(&ctx.store.users, q, ctx, cap, false),
        ("GET", ["users", id]) => Ok(single(ctx.store.users.get(id), "user")),
        ("GET", ["user"]) => {
            let u = ctx
                .store
                .users
                .iter()
                .find(|u| u.get("is_primary_user").and_then(Value::as_bool) == Some(true));
            Ok(single(u, "user"))
        }
        ("GET", ["taxes"]) => list(&ctx.store.taxes, q, ctx, cap, false),
        ("GET", ["taxes", id]) => Ok(single(ctx.store.taxes.get(id), "tax")),
        ("GET", ["payment_types"]) => list(&ctx.store.payment_types, q, ctx, cap, true),
        ("GET", ["brands"]) => list(&ctx.store.brands, q, ctx, cap, true),
        ("GET", ["product_categories"]) => categories(ctx, q),
        ("GET", ["products"]) => products(ctx, q),
        ("GET", ["products", id]) => Ok(single(ctx.store.products.get(id).as_deref(), "product")),
        ("POST", ["inventory"]) if !legacy => inventory(ctx, call.body),
        ("GET", ["inventory"]) if legacy => list(&ctx.store.inventory, q, ctx, cap, true),
        ("GET", ["inventory", id]) => inventory_of(ctx, id, q),
        ("GET", ["customers"]) => list(&ctx.store.customers, q, ctx, cap, true),
        ("POST", ["customers"]) => create_customer(ctx, call.body),
        ("GET", ["customers", id]) => Ok(single(ctx.store.customers.get(id), "customer")),
        ("GET", ["customers", id, "addresses"]) => addresses::list(ctx, id),
        ("POST", ["customers", id, "addresses"]) => addresses::create(ctx, id, call.body),
        ("GET", ["customers", id, "addresses", a]) => addresses::get(ctx, id, a),
        ("PUT", ["customers", id, "addresses", a]) => addresses::update(ctx, id, a, call.body),
        ("DELETE", ["customers", id, "addresses", a]) => addresses::delete(ctx, id, a),
        ("GET", ["search"]) => search(ctx, q),
        ("GET", ["sales"]) => {
            let cap = ctx.settings.sales_page_size_cap;
            list(&ctx.store.sales, q, ctx, cap, false)
        }
        ("POST", ["sales"]) => sales::create(ctx, call.body),
        ("GET", ["sales", id]) => Ok(single(ctx.store.sales.get(id), "sale")),
        ("PUT", ["sales", id]) => sales::update(ctx, id, call.body),
        (_, [first, ..])
            if matches!(
                *first,
                "retailer"
                    | "outlets"
                    | "registers"
                    | "users"
                    | "user"
                    | "taxes"
                    | "payment_types"
                    | "brands"
                    | "product_categories"
                    | "products"
                    | "inventory"
                    | "customers"
                    | "search"
                    | "sales"
            ) =>
        {
            Err(Reply::error(405, "method not allowed"))
        }
        _ => Err(Reply::not_found("endpoint")),
    }
}

fn products(ctx: &Ctx, q: &Params) -> Result<Reply, Reply> {
    // `sku`, `name` and `family_name` short-circuit every other parameter.
    let deleted = q.bool("deleted")?;
    if let Some(sku) = q.get("sku") {
        let rows: Vec<Cow<'_, Product>> = ctx
            .store
            .products_by_sku(sku)
            .into_iter()
            .filter(|p| deleted || !p.is_deleted())
            .collect();
        return Ok(envelope(rows));
    }
    if let Some(name) = q.get("name").or_else(|| q.get("family_name")) {
        let rows: Vec<Cow<'_, Product>> = ctx
            .store
            .products
            .iter()
            .filter(|p| p.name == name && (deleted || !p.is_deleted()))
            .collect();
        return Ok(envelope(rows));
    }
    list(
        &ctx.store.products,
        q,
        ctx,
        ctx.settings.page_size_cap,
        true,
    )
}

fn categories(ctx: &Ctx, q: &Params) -> Result<Reply, Reply> {
    let size = q.u64("page_size")?.unwrap_or(1000);
    refuse_size(ctx, "page_size", size)?;
    let size = size.clamp(1, 1000) as usize;
    let parent = q.get("parent");
    let after = q.get("after");
    let all: Vec<&Value> = ctx
        .store
        .categories
        .iter()
        .filter(|c| match parent {
            None => true,
            Some("none") => c.get("parent_category_id").is_none(),
            Some(p) => c.get("parent_category_id").and_then(Value::as_str) == Some(p),
        })
        .collect();
    let start = match after {
        None => 0,
        Some(a) => match all.iter().position(|c| c.row_id() == a) {
            Some(i) => i + 1,
            None => {
                return Err(Reply::bad_request(&format!(
                    "unknown category id {a:?} in after"
                )))
            }
        },
    };
    let page: Vec<&Value> = all.iter().skip(start).take(size).copied().collect();
    let has_next = start + page.len() < all.len();
    let mut page_info = json!({ "has_next": has_next });
    if has_next {
        if let Some(last) = page.last() {
            page_info["last_seen"] = json!(last.row_id());
        }
    }
    Ok(Reply::ok(
        &json!({ "data": { "categories": page }, "page_info": page_info }),
    ))
}

fn inventory(ctx: &Ctx, body: &[u8]) -> Result<Reply, Reply> {
    let req: InventoryRequest = if body.is_empty() {
        InventoryRequest::default()
    } else {
        parse_body(body)?
    };
    let size = req.size.unwrap_or(1000);
    if !(1..=5000).contains(&size) {
        return Err(Reply::bad_request("size must be between 1 and 5000"));
    }
    refuse_size(ctx, "size", size)?;
    let desc = match req.sort_direction.as_deref() {
        None | Some("desc") => true,
        Some("asc") => false,
        Some(other) => {
            return Err(Reply::bad_request(&format!(
                "sort_direction must be asc or desc, got {other:?}"
            )))
        }
    };
    // The simulator's versions are all positive: a negative bound is 0.
    let after = req.after.map_or(0, |a| u64::try_from(a).unwrap_or(0));
    let before = ctx
        .settings
        .before_bound
        .upper(req.before.map(|b| u64::try_from(b).unwrap_or(0)));
    let deleted = req.include_deleted.unwrap_or(false);
    let limit = size as usize;
    let t = &ctx.store.inventory;
    let rows: Vec<Cow<'_, InventoryRecord>> = if let Some(pid) = &req.product_id {
        let ids = ctx.store.family_ids(pid, req.variants.unwrap_or(false));
        let mut v: Vec<Cow<'_, InventoryRecord>> = ids
            .iter()
            .flat_map(|id| ctx.store.inventory_of(id))
            .filter(|r| r.row_version() > after && before.is_none_or(|b| r.row_version() <= b))
            .filter(|r| deleted || r.deleted_at.is_none())
            .collect();
        v.sort_by_key(|r| r.version);
        if desc {
            v.reverse();
        }
        v.truncate(limit);
        v
    } else if ctx.stuck && after > 0 && !desc {
        t.page_ending_at(after, limit, deleted)
    } else if desc {
        t.page_desc(after, before, limit, deleted)
    } else {
        t.page(after, before, limit, deleted)
    };
    Ok(Reply::ok(&rows))
}

fn inventory_of(ctx: &Ctx, pid: &str, q: &Params) -> Result<Reply, Reply> {
    let size = q.u64("page_size")?.unwrap_or(1000);
    if !(1..=5000).contains(&size) {
        return Err(Reply::bad_request("page_size must be between 1 and 5000"));
    }
    refuse_size(ctx, "page_size", size)?;
    let after = q.u64("after")?.unwrap_or(0);
    let before = ctx.settings.before_bound.upper(q.u64("before")?);
    let deleted = q.bool("include_deleted")?;
    let desc = match q.get("order_direction") {
        None | Some("asc") => false,
        Some("desc") => true,
        Some(o) => {
            return Err(Reply::bad_request(&format!(
                "order_direction must be asc or desc, got {o:?}"
            )))
        }
    };
    if ctx.store.products.get(pid).is_none() {
        return Err(Reply::not_found("product"));
    }
    let mut v: Vec<Cow<'_, InventoryRecord>> = ctx
        .store
        .family_ids(pid, q.bool("variants")?)
        .iter()
        .flat_map(|id| ctx.store.inventory_of(id))
        .filter(|r| r.row_version() > after && before.is_none_or(|b| r.row_version() <= b))
        .filter(|r| deleted || r.deleted_at.is_none())
        .collect();
    v.sort_by_key(|r| r.version);
    if desc {
        v.reverse();
    }
    v.truncate(size as usize);
    Ok(Reply::ok(&v))
}

const CUSTOMER_FIELDS: &[&str] = &[
    "company_name",
    "custom_field_1",
    "custom_field_2",
    "custom_field_3",
    "custom_field_4",
    "customer_code",
    "customer_group_id",
    "date_of_birth",
    "do_not_email",
    "email",
    "enable_loyalty",
    "enable_promotional_sms",
    "fax",
    "first_name",
    "gender",
    "last_name",
    "mobile",
    "note",
    "on_account_limit",
    "phone",
    "physical_address_1",
    "physical_address_2",
    "physical_city",
    "physical_country_id",
    "physical_postcode",
    "physical_state",
    "physical_suburb",
    "postal_address_1",
    "postal_address_2",
    "postal_city",
    "postal_country_id",
    "postal_postcode",
    "postal_state",
    "postal_suburb",
    "tax_id",
    "twitter",
    "website",
];

fn create_customer(ctx: &mut Ctx, body: &[u8]) -> Result<Reply, Reply> {
    let v: Value = parse_body(body)?;
    let Some(obj) = v.as_object() else {
        return Err(Reply::bad_request("the customer must be a JSON object"));
    };
    for k in ["first_name", "last_name"] {
        if !obj.contains_key(k) {
            return Err(Reply::error(422, &format!("{k} is required")));
        }
    }
    let id = sales::new_id(ctx.rng);
    let stamp = crate::clock::rfc3339(ctx.now);
    let mut c = serde_json::Map::new();
    for k in CUSTOMER_FIELDS {
        if let Some(x) = obj.get(*k) {
            c.insert((*k).to_string(), x.clone());
        }
    }
    let first = obj.get("first_name").and_then(Value::as_str).unwrap_or("");
    let last = obj.get("last_name").and_then(Value::as_str).unwrap_or("");
    c.entry("customer_code")
        .or_insert_with(|| json!(format!("{}-{}", first, &id[..4]).to_uppercase()));
    c.insert("id".into(), json!(id));
    c.insert(
        "name".into(),
        json!(format!("{first} {last}").trim().to_string()),
    );
    c.insert("balance".into(), json!(0));
    c.insert("loyalty_balance".into(), json!(0));
    c.insert("year_to_date".into(), json!(0));
    c.insert("created_at".into(), json!(stamp));
    c.insert("updated_at".into(), json!(stamp));
    let v = ctx.store.bump(ctx.rng);
    ctx.store.customers.put(Value::Object(c), v);
    Ok(Reply::json(
        201,
        &json!({ "data": ctx.store.customers.get(&id) }),
    ))
}

fn eq_ci(a: Option<&Value>, b: &str) -> bool {
    a.and_then(Value::as_str)
        .is_some_and(|x| x.eq_ignore_ascii_case(b))
}

fn search(ctx: &Ctx, q: &Params) -> Result<Reply, Reply> {
    let size = q.u64("page_size")?.unwrap_or(100).clamp(1, 1000) as usize;
    let offset = q.u64("offset")?.unwrap_or(0) as usize;
    let deleted = q.bool("deleted")?;
    let data: Vec<Value> = match q.get("type") {
        Some("products") => {
            let skus = q.all("sku");
            let not_skus = q.all("-sku");
            let parent = q.get("variant_parent_id");
            let brand = q.get("brand_id");
            ctx.store
                .products
                .iter()
                .filter(|p| deleted || !p.is_deleted())
                .filter(|p| skus.is_empty() || skus.iter().any(|s| s.eq_ignore_ascii_case(&p.sku)))
                .filter(|p| !not_skus.iter().any(|s| s.eq_ignore_ascii_case(&p.sku)))
                .filter(|p| parent.is_none_or(|x| p.variant_parent_id.as_deref() == Some(x)))
                .filter(|p| brand.is_none_or(|x| p.brand_id.as_deref() == Some(x)))
                .skip(offset)
                .take(size)
                .filter_map(|p| serde_json::to_value(p).ok())
                .collect()
        }
        Some("customers") => {
            let keys = [
                "email",
                "customer_code",
                "first_name",
                "last_name",
                "company_name",
                "mobile",
                "phone",
            ];
            ctx.store
                .customers
                .iter()
                .filter(|c| deleted || !c.is_deleted())
                .filter(|c| {
                    keys.iter()
                        .all(|k| q.get(k).is_none_or(|v| eq_ci(c.get(*k), v)))
                })
                .skip(offset)
                .take(size)
                .cloned()
                .collect()
        }
        Some("sales") => {
            let states = q.all("state");
            ctx.store
                .sales
                .iter()
                .filter(|s| {
                    q.get("invoice_number")
                        .is_none_or(|v| eq_ci(s.get("invoice_number"), v))
                })
                .filter(|s| {
                    q.get("customer_id")
                        .is_none_or(|v| eq_ci(s.get("customer_id"), v))
                })
                .filter(|s| states.is_empty() || states.iter().any(|v| eq_ci(s.get("state"), v)))
                .filter(|s| {
                    q.get("register_id").is_none_or(|v| {
                        eq_ci(s.get("source").and_then(|x| x.get("register_id")), v)
                    })
                })
                .skip(offset)
                .take(size)
                .cloned()
                .collect()
        }
        Some(other) => {
            return Err(Reply::bad_request(&format!(
                "type must be sales, products or customers, got {other:?}"
            )))
        }
        None => {
            return Err(Reply::bad_request(
                "type is required (sales, products or customers)",
            ))
        }
    };
    Ok(Reply::ok(&json!({ "data": data })))
}
