//! Send Fulfillment Requests: each due FR becomes one register sale, exactly once.
//!
//! Exactly once rests on a sale id the client chooses: UUIDv5 of (source name, FR number).
//! It is stored and flushed, with the attempt count, before the first `POST /sales`. After an
//! outcome that leaves the sale's existence unknown (timeout, dropped connection, 5xx, 429 on
//! the POST, 409, or a crash of this process) the FR is reconciled with `GET /sales/{id}`
//! before anything is sent again; a resend reuses the same id. One FR is never sent by two
//! runs at once: sled lets one process open the store, and within it a source has at most one
//! Send FRs run (see [`SendGuard`]).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{LazyLock, Mutex};
use std::time::SystemTime;

use serde::Serialize;

use super::context::{begin_run, finish_run, JobCtx, RunLog};
use super::counts::Counts;
use super::runs::{Outcome, RunRecord, Runs};
use super::sale_money::{self, show, Cents, ItemLine, MoneyPlan, OrderMoney, SaleMoney, TaxFrom};
use super::JobError;
use crate::clock;
use crate::frs::model::{fr_source_record, Fr, FrItem, FrStatus, LineState};
use crate::frs::repo::{kind, Frs};
use crate::frs::FrError;
use crate::lightspeed::models::{
    Customer, CustomerAddress, FulfillmentDetail, SaleRequest, SaleSource,
};
use crate::lightspeed::models::{Product, Sale};
use crate::lightspeed::sale_state::{self, SaleState};
use crate::lightspeed::ApiError;
use crate::mapping::{
    CompiledTemplate, FieldValue, MappedRecord, MappingSet, Outcome as FieldOutcome,
};
use crate::pool::Pool;
use crate::source::Source;

/// Sends of one FR within one run before it is left for the next run to reconcile.
const MAX_SENDS_PER_RUN: u32 = 4;
/// Processed FRs checked for acknowledgement per run (one `GET /sales/{id}` each).
const ACK_CHECKS_PER_RUN: usize = 100;
/// Written into every sale's `source.type`, so the store shows where it came from.
pub const SALE_SOURCE_TYPE: &str = "lsbridge";

/// Namespace of sale ids (a fixed, random UUID: changing it would re-send every FR).
const SALE_ID_NAMESPACE: uuid::Uuid =
    uuid::Uuid::from_u128(0x6c73_6272_6964_4765_8a1d_53a1_e5f0_2026);

/// The sale id of an FR: the same on every run, machine and reinstall, as long as the source
/// keeps its name (names, not local ids, survive `config export|import` into a new data dir).
pub fn sale_id(source_name: &str, fr_number: &str) -> String {
    uuid::Uuid::new_v5(
        &SALE_ID_NAMESPACE,
        format!("{source_name}\u{1f}{fr_number}").as_bytes(),
    )
    .to_string()
}

#[derive(Debug, Clone, Default)]
pub struct SendOptions {
    pub dry_run: bool,
    /// Dry run: how many sale bodies to return.
    pub preview_limit: usize,
}

/// What a dry run would send for one FR.
#[derive(Debug, Clone, Serialize)]
pub struct Preview {
    pub fr: String,
    pub sale: Option<SaleRequest>,
    /// What would happen instead of a send (held, Additional Info Required, …).
    pub note: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct SendSummary {
    pub run: u64,
    pub outcome: Outcome,
    pub counts: Counts,
    pub message: String,
    pub previews: Vec<Preview>,
}

/// Sources with a Send FRs run in progress in this process, by data dir.
static RUNNING: LazyLock<Mutex<HashSet<(std::path::PathBuf, u64)>>> =
    LazyLock::new(|| Mutex::new(HashSet::new()));

/// Held while a Send FRs run is in progress; a second run for the same source is refused.
struct SendGuard((std::path::PathBuf, u64));

impl SendGuard {
    fn claim(ctx: &JobCtx, source: &Source) -> Result<SendGuard, JobError> {
        let key = (ctx.store.dir().to_path_buf(), source.id);
        let mut running = RUNNING.lock().unwrap_or_else(|p| p.into_inner());
        if !running.insert(key.clone()) {
            return Err(JobError::Setup(format!(
                "Send FRs for {} is already running; wait for it to finish",
                source.name
            )));
        }
        Ok(SendGuard(key))
    }
}

impl Drop for SendGuard {
    fn drop(&mut self) {
        let mut running = RUNNING.lock().unwrap_or_else(|p| p.into_inner());
        running.remove(&self.0);
    }
}

/// Settings a send needs, checked before anything is read.
struct Ids {
    register: String,
    user: String,
    tax: String,
    payment_type: Option<String>,
    shipping_product: Option<String>,
}

fn required_ids(source: &Source) -> Result<Ids, JobError> {
    let s = &source.send_frs;
    let missing: Vec<&str> = [
        ("Register ID", &s.register_id),
        ("User ID", &s.user_id),
        ("Tax ID", &s.tax_id),
    ]
    .iter()
    .filter(|(_, v)| v.as_deref().is_none_or(|v| v.trim().is_empty()))
    .map(|(n, _)| *n)
    .collect();
    if !missing.is_empty() {
        return Err(JobError::Setup(format!(
            "Send FRs for {} is not configured: {} missing; pick them from `lsbridge source options {}` and set them with `lsbridge source set`",
            source.name,
            missing.join(", "),
            source.name
        )));
    }
    Ok(Ids {
        register: s.register_id.clone().unwrap_or_default(),
        user: s.user_id.clone().unwrap_or_default(),
        tax: s.tax_id.clone().unwrap_or_default(),
        payment_type: s.payment_type_id.clone().filter(|p| !p.trim().is_empty()),
        shipping_product: s
            .shipping_product_id
            .as_deref()
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(str::to_string),
    })
}

/// How one FR left this run.
enum Done {
    Sent {
        reconciled: bool,
    },
    Held(String),
    InfoRequired(String),
    Failed(String),
    Canceled(String),
    /// The outcome is still unknown; the next run reconciles.
    Unresolved(String),
    /// Dry run.
    Previewed,
}

struct Job<'a> {
    ctx: &'a JobCtx,
    source: &'a Source,
    template: &'a CompiledTemplate,
    opts: &'a SendOptions,
    ids: Ids,
    frs: Frs,
    pool: Pool,
    log: RunLog,
    run: u64,
    customers: HashMap<String, String>,
    previews: Vec<Preview>,
    store_money: Option<StoreMoney>,
    /// The source's payment mapping set (FR payment method → payment type).
    payment_set: Option<MappingSet>,
}

/// A resolved line: the FR line's index and the store's product id.
struct Line {
    index: usize,
    product_id: String,
    /// Stock at the source when known.
    stock: Option<f64>,
}

fn text_of(m: &MappedRecord, target: &str) -> String {
    match m.get(target) {
        Some(FieldOutcome::Set(v)) => v.as_text().trim().to_string(),
        _ => String::new(),
    }
}

fn number_of(m: &MappedRecord, target: &str) -> Result<Option<f64>, String> {
    match m.get(target) {
        Some(FieldOutcome::Set(FieldValue::Number(n))) => Ok(Some(*n)),
        Some(FieldOutcome::Set(v)) if v.is_blank() => Ok(None),
        Some(FieldOutcome::Set(v)) => v
            .as_text()
            .trim()
            .parse::<f64>()
            .map(Some)
            .map_err(|_| format!("{target} is {:?}, not a number", v.as_text())),
        _ => Ok(None),
    }
}

/// An amount in cents, or why it cannot be one.
fn money_cents(x: f64, what: &str) -> Result<Cents, String> {
    sale_money::cents(x).ok_or_else(|| format!("{what} {x} is not an amount"))
}

/// An order-level money target: `None` when the template does not map it; `Some(0)` when it
/// maps it to nothing on purpose (blank, Set to Empty, Skip It).
fn adjustment(m: &MappedRecord, target: &str) -> Result<Option<Cents>, String> {
    match m.get(target) {
        None => Ok(None),
        Some(FieldOutcome::Set(_)) => match number_of(m, target)? {
            Some(x) => money_cents(x, target).map(Some),
            None => Ok(Some(0)),
        },
        Some(FieldOutcome::Keep | FieldOutcome::Clear) => Ok(Some(0)),
    }
}

/// The FR's shipping address as a customer SHIPPING address (the spec's
/// CreateCustomerAddress rules: country code, postcode, line 1 and city required; a state
/// code for US and CA).
fn shipping_address(fr: &Fr) -> Result<CustomerAddress, String> {
    let s = &fr.shipping;
    let t = |x: &str| x.trim().to_string();
    let country = t(&s.country_code).to_ascii_uppercase();
    let state = t(&s.state);
    let mut missing = Vec::new();
    for (label, v) in [
        ("Address Line 1", &s.address_line_1),
        ("City", &s.city),
        ("Postal Code", &s.postal_code),
        ("Country Code", &s.country_code),
    ] {
        if v.trim().is_empty() {
            missing.push(label);
        }
    }
    if matches!(country.as_str(), "US" | "CA") && state.is_empty() {
        missing.push("State");
    }
    if !missing.is_empty() {
        return Err(format!(
            "the delivery needs the FR's shipping address, which lacks {}",
            missing
                .iter()
                .map(|m| format!("Shipping Address: {m}"))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    let line2: Vec<String> = [&s.address_line_2, &s.address_line_3]
        .iter()
        .map(|x| t(x))
        .filter(|x| !x.is_empty())
        .collect();
    let state_code = (state.len() == 2 && state.chars().all(|c| c.is_ascii_alphabetic()))
        .then(|| state.to_ascii_uppercase());
    if matches!(country.as_str(), "US" | "CA") && state_code.is_none() {
        return Err(format!(
            "the delivery needs a two-letter state code in Shipping Address: State, not {:?}",
            state.chars().take(40).collect::<String>()
        ));
    }
    let line2 = line2.join(", ");
    // The spec's CreateCustomerAddress limits; cutting an address could misdirect a parcel.
    for (label, v, max) in [
        ("Address Line 1", s.address_line_1.trim(), 50),
        ("Address Line 2 (with Line 3)", line2.as_str(), 50),
        ("City", s.city.trim(), 28),
        ("State", state.as_str(), 35),
    ] {
        if v.chars().count() > max {
            return Err(format!(
                "Shipping Address: {label} is longer than the {max} characters a store address holds; shorten it in the FR"
            ));
        }
    }
    Ok(CustomerAddress {
        id: None,
        kind: "SHIPPING".into(),
        address_line_1: t(&s.address_line_1),
        address_line_2: Some(line2).filter(|x| !x.is_empty()),
        city: t(&s.city),
        state: Some(state).filter(|x| !x.is_empty()),
        state_code,
        postcode: t(&s.postal_code),
        country_code: country,
        suburb: None,
    })
}

/// A figure of the store's `totals` (number or numeric string) in cents.
fn total_cents(totals: &serde_json::Value, key: &str) -> Option<Cents> {
    let v = totals.get(key)?;
    let x = v
        .as_f64()
        .or_else(|| v.as_str().and_then(|s| s.trim().parse().ok()))?;
    sale_money::cents(x)
}

/// `Some(why)` when the created sale's `totals` (tax-inclusive total and tax) differ from
/// what was sent by a cent or more. A store that reports no totals is taken at its word.
fn store_totals_differ(
    sale: &crate::lightspeed::models::Sale,
    body: &SaleRequest,
) -> Option<String> {
    let totals = sale.totals.as_ref()?;
    let sent = SaleMoney::of_request(body).ok()?;
    let total = total_cents(totals, "price_incl_tax");
    let tax = total_cents(totals, "tax");
    let off = total.is_some_and(|t| t != sent.total) || tax.is_some_and(|t| t != sent.tax);
    off.then(|| {
        format!(
            "the store recorded sale {} with total {} (tax {}) but the order totals {} (tax {}); correct or void it in Lightspeed, then `lsbridge fr retry`",
            sale.id,
            total.map_or("?".into(), show),
            tax.map_or("?".into(), show),
            show(sent.total),
            show(sent.tax)
        )
    })
}

/// What the money needs from the store, read once per run.
struct StoreMoney {
    /// The retailer's 0 % tax, for untaxed lines (shipping, discount).
    no_tax_id: String,
    /// The retailer's discount product (sale-level discounts are lines of it).
    discount_product: Option<String>,
    /// Live, enabled payment types.
    payment_types: Vec<crate::lightspeed::models::PaymentType>,
    /// The Tax ID's rate, when the store returned that tax.
    tax_rate: Option<f64>,
}

/// Required customer fields (the seed marks them Required) and where they usually come from.
const REQUIRED_CUSTOMER: [(&str, &str); 7] = [
    ("Customer: First Name", "shipping First Name"),
    ("Customer: Last Name", "shipping Last Name"),
    ("Customer: Physical Address 1", "shipping Address Line 1"),
    ("Customer: Physical City", "shipping City"),
    ("Customer: Physical State", "shipping State"),
    ("Customer: Physical Postcode", "shipping Postal Code"),
    ("Customer: Physical Country Id", "shipping Country Code"),
];

impl Job<'_> {
    fn now(&self) -> SystemTime {
        self.ctx.clock.now()
    }

    fn event(&self, fr: &Fr, k: &str, reason: &str) -> Result<(), JobError> {
        if self.opts.dry_run {
            return Ok(());
        }
        self.frs
            .record_event(fr.source, &fr.number, k, reason, Some(self.run), self.now())
            .map_err(fr_err)
    }

    fn to_status(&self, fr: &Fr, to: FrStatus, reason: &str) -> Result<Fr, JobError> {
        if self.opts.dry_run {
            return Ok(fr.clone());
        }
        self.frs
            .transition_and_record(
                fr.source,
                &fr.number,
                to,
                reason,
                Some(self.run),
                self.now(),
            )
            .map_err(fr_err)
    }

    /// Changes the stored FR and records why, in one transaction.
    fn update(
        &self,
        fr: &Fr,
        k: &str,
        change: impl Fn(&mut Fr) -> Result<String, FrError>,
    ) -> Result<Fr, JobError> {
        if self.opts.dry_run {
            let mut f = fr.clone();
            change(&mut f).map_err(fr_err)?;
            return Ok(f);
        }
        self.frs
            .update_with_event(fr.source, &fr.number, k, Some(self.run), self.now(), change)
            .map_err(fr_err)
    }

    /// SKU → product id, from the pool or else the store. Unknown and inactive SKUs are named,
    /// and so is a SKU that several live products answer to (by SKU or product code): which
    /// one was meant is for a person to decide, so the FR needs more information.
    async fn resolve(&self, fr: &Fr) -> Result<Result<Vec<Line>, String>, JobError> {
        let mut lines = Vec::new();
        let mut problems = Vec::new();
        for (index, item) in fr.pending_items() {
            match self.pool.get(self.source.id, item.sku.trim())? {
                Some(p) if p.archived => problems.push(format!(
                    "SKU {} is archived in the pool (gone from the store's feed)",
                    item.sku
                )),
                Some(p) if !p.product_id.is_empty() => lines.push(Line {
                    index,
                    product_id: p.product_id.clone(),
                    stock: p.quantity(),
                }),
                _ => {
                    // The client keeps only products this SKU names (by SKU or product
                    // code); whatever else the store answered with is never a candidate.
                    let found = self.ctx.client.products_by_sku(item.sku.trim()).await?;
                    let live: Vec<_> = found.iter().filter(|p| !p.is_deleted()).collect();
                    match live.as_slice() {
                        [] => problems
                            .push(format!("SKU {} is not in the pool or the store", item.sku)),
                        [p] if p.active => {
                            let stock = if p.has_inventory {
                                let recs = self.ctx.client.inventory_for_product(&p.id).await?;
                                Some(recs.iter().map(|r| r.current_inventory_level).sum())
                            } else {
                                None
                            };
                            lines.push(Line {
                                index,
                                product_id: p.id.clone(),
                                stock,
                            })
                        }
                        [_] => problems.push(format!("SKU {} is inactive in the store", item.sku)),
                        several => problems.push(several_products(&item.sku, several)),
                    }
                }
            }
        }
        Ok(if problems.is_empty() {
            Ok(lines)
        } else {
            Err(problems.join("; "))
        })
    }

    /// Finds the customer by email, or creates them. An unclear create is reconciled by
    /// searching again, so a retry does not make a second customer. Only a customer with
    /// exactly this email (trimmed, without case) is ever taken: a search answer or a create
    /// answer about anyone else is not a match.
    async fn customer(&mut self, m: &MappedRecord) -> Result<Result<String, String>, JobError> {
        let email = text_of(m, "Customer: Email");
        let key = email.to_ascii_lowercase();
        if !key.is_empty() {
            if let Some(id) = self.customers.get(&key) {
                return Ok(Ok(id.clone()));
            }
            if let Some(id) = self.customer_by_email(&email).await? {
                self.customers.insert(key, id.clone());
                return Ok(Ok(id));
            }
        }
        if self.opts.dry_run {
            return Ok(Ok("(new customer)".into()));
        }
        let opt = |t: &str| Some(text_of(m, t)).filter(|s| !s.is_empty());
        let c = Customer {
            first_name: opt("Customer: First Name"),
            last_name: opt("Customer: Last Name"),
            email: opt("Customer: Email"),
            phone: opt("Customer: Phone"),
            company_name: opt("Customer: Company Name"),
            physical_address_1: opt("Customer: Physical Address 1"),
            physical_address_2: opt("Customer: Physical Address 2"),
            physical_city: opt("Customer: Physical City"),
            physical_state: opt("Customer: Physical State"),
            physical_postcode: opt("Customer: Physical Postcode"),
            physical_country_id: opt("Customer: Physical Country Id"),
            custom_field_1: opt("Customer: Custom Field 1"),
            custom_field_2: opt("Customer: Custom Field 2"),
            custom_field_3: opt("Customer: Custom Field 3"),
            custom_field_4: opt("Customer: Custom Field 4"),
            ..Customer::default()
        };
        // The client answers `Ambiguous` when the created customer carries another email.
        match self.ctx.client.create_customer(&c).await {
            Ok(c) => match c.id {
                Some(id) => {
                    if !key.is_empty() {
                        self.customers.insert(key, id.clone());
                    }
                    Ok(Ok(id))
                }
                None => Ok(Err("the store created the customer but sent no id".into())),
            },
            Err(ApiError::Ambiguous { cause, .. }) if !key.is_empty() => {
                match self.customer_by_email(&email).await? {
                    Some(id) => {
                        self.customers.insert(key, id.clone());
                        Ok(Ok(id))
                    }
                    None => Ok(Err(format!(
                        "creating the customer had no clear outcome ({cause}), and the store has no customer with email {email}; the next run looks again before creating one"
                    ))),
                }
            }
            Err(ApiError::Ambiguous { cause, .. }) => Ok(Err(format!(
                "creating the customer had no clear outcome ({cause})"
            ))),
            Err(ApiError::Rejected { status, detail, .. }) => Ok(Err(format!(
                "the store refused the customer ({status}: {detail}); check the customer fields in the Send FRs template"
            ))),
            Err(e) => Err(e.into()),
        }
    }

    /// The id of a live store customer whose email is exactly `email`.
    async fn customer_by_email(&self, email: &str) -> Result<Option<String>, JobError> {
        let found = self.ctx.client.find_customers_by_email(email).await?;
        Ok(found
            .into_iter()
            .filter(|c| c.deleted_at.is_none() && c.has_email(email))
            .find_map(|c| c.id))
    }

    /// Maps every line, builds the sale body with the order's money, or says what is
    /// missing. The body is checked against the FR's own figures before it is returned.
    fn build(
        &self,
        fr: &Fr,
        lines: &[Line],
        mapped: &[MappedRecord],
        customer_id: Option<String>,
        id: &str,
        dispatch: Vec<FulfillmentDetail>,
    ) -> Result<SaleRequest, String> {
        let head = mapped.first().ok_or("no line to send")?;
        let facts = self
            .store_money
            .as_ref()
            .ok_or("the store's tax settings were not read")?;
        let state: SaleState = sale_state::parse(&text_of(head, "Register Sale: Status"))?;
        let mut items = Vec::new();
        let mut order_items: Cents = 0;
        for (line, m) in lines.iter().zip(mapped) {
            let item = &fr.items[line.index];
            let price = number_of(m, "Register Sale Item: Price")?.ok_or_else(|| {
                format!("SKU {}: Register Sale Item: Price is empty; map it (usually from FR Item: Unit Price)", item.sku)
            })?;
            let quantity = number_of(m, "Register Sale Item: Quantity")?.ok_or_else(|| {
                format!("SKU {}: Register Sale Item: Quantity is empty; map it (usually from FR Item: Quantity)", item.sku)
            })?;
            if quantity <= 0.0 || !quantity.is_finite() {
                return Err(format!(
                    "SKU {}: quantity {quantity} is not positive",
                    item.sku
                ));
            }
            let unit_price = money_cents(price, &format!("SKU {}: price", item.sku))?;
            let unit_tax = number_of(m, "Register Sale Item: Tax")?
                .map(|t| money_cents(t, &format!("SKU {}: tax", item.sku)))
                .transpose()?;
            order_items += money_cents(
                item.quantity * item.unit_price,
                &format!("SKU {}: line value", item.sku),
            )?;
            items.push(ItemLine {
                sku: item.sku.clone(),
                product_id: line.product_id.clone(),
                quantity,
                unit_price,
                unit_tax,
            });
        }
        // Order-level money: what the template maps, else the FR's own (tax: the rate).
        let discount = match adjustment(head, "Adjustments: Total Discount")? {
            Some(d) => d,
            None => money_cents(fr.discount, "the FR's discount")?,
        };
        let shipping = match adjustment(head, "Adjustments: Total Shipping Cost")? {
            Some(c) => c,
            None => money_cents(fr.shipping_cost, "the FR's shipping cost")?,
        };
        let tax = match adjustment(head, "Adjustments: Total Tax")? {
            Some(t) => TaxFrom::Total(t),
            None if items.iter().any(|l| l.unit_tax.is_some()) => TaxFrom::PerLine,
            None => TaxFrom::Rate(facts.tax_rate.ok_or("the Tax ID's rate was not read")?),
        };
        let shipping_line = if shipping > 0 {
            let Some(p) = &self.ids.shipping_product else {
                return Err(format!(
                    "the FR has a shipping cost of {} but Send FRs has no Shipping Product ID: pick the store's shipping product from `lsbridge source options {name}` and set it with `lsbridge source set {name} --shipping-product-id ID` (or map Adjustments: Total Shipping Cost to Set It 0 to not charge shipping)",
                    show(shipping),
                    name = self.source.name
                ));
            };
            Some((p.clone(), shipping))
        } else {
            None
        };
        let payment_type = self.payment_type_for(fr)?;
        if state.is_closed() && payment_type.is_none() {
            return Err("the sale status is closed, which needs a payment, but the FR has no payment method: set a payment type with `lsbridge source set --payment-type-id` or send it unclosed".into());
        }
        let date = if self.source.send_frs.sale_date_from_fr {
            Some(
                crate::frs::model::parse_time(&fr.created_at)
                    .map(clock::rfc3339)
                    .ok_or_else(|| {
                        format!(
                            "Sale Date From FR is on but the FR's created-at {:?} is not a time",
                            fr.created_at
                        )
                    })?,
            )
        } else {
            Some(clock::rfc3339(self.now()))
        };
        let plan = MoneyPlan {
            lines: items,
            tax,
            tax_id: self.ids.tax.clone(),
            no_tax_id: facts.no_tax_id.clone(),
            discount,
            discount_product: facts.discount_product.clone(),
            shipping: shipping_line,
            payment_type: payment_type.clone(),
            payment_date: date.clone(),
        };
        let parts = plan.build()?;
        let body_money = SaleMoney::of(
            &parts.line_items,
            parts.pricing.as_ref(),
            &parts.payments,
            facts.discount_product.as_deref(),
        )?;
        let order_tax = match tax {
            TaxFrom::Total(t) => t,
            // The template chose the rate or per-line tax: the lines are the intended tax.
            TaxFrom::PerLine | TaxFrom::Rate(_) => body_money.tax,
        };
        let order = OrderMoney {
            items: order_items,
            discount,
            shipping,
            tax: order_tax,
            paid: payment_type.is_some(),
        };
        sale_money::check(&body_money, &order)?;
        let mut note = text_of(head, "Register Sale: Note");
        if !fr.shipping_method.is_empty() {
            let ship = format!("Shipping: {}", fr.shipping_method);
            note = if note.is_empty() {
                ship
            } else {
                format!("{note} | {ship}")
            };
        }
        let source_id = Some(text_of(head, "Register Sale: Source Id")).filter(|s| !s.is_empty());
        Ok(SaleRequest {
            id: Some(id.to_string()),
            source: SaleSource {
                author_id: self.ids.user.clone(),
                register_id: Some(self.ids.register.clone()),
                id: Some(source_id.unwrap_or_else(|| fr.number.clone())),
                kind: Some(SALE_SOURCE_TYPE.to_string()),
            },
            state: state.state,
            attributes: state.attributes,
            customer_id,
            date,
            note: Some(note).filter(|n| !n.is_empty()),
            invoice_number: None,
            line_items: parts.line_items,
            payments: parts.payments,
            pricing: parts.pricing,
            fulfillment_details: dispatch,
        })
    }

    /// The store payment type of a paid FR: through the source's payment mapping set, else
    /// the payment type named like the FR's payment method, else the Payment Type ID. `None`
    /// when the FR has no payment method (it is sent unpaid).
    fn payment_type_for(&self, fr: &Fr) -> Result<Option<String>, String> {
        let method = fr.payment_method.trim();
        if method.is_empty() {
            return Ok(None);
        }
        let facts = self
            .store_money
            .as_ref()
            .ok_or("the store's payment types were not read")?;
        let usable = |key: &str| {
            let key = key.trim();
            facts
                .payment_types
                .iter()
                .find(|p| p.id == key)
                .or_else(|| {
                    facts
                        .payment_types
                        .iter()
                        .find(|p| p.name.trim().eq_ignore_ascii_case(key))
                })
        };
        if let Some(set) = &self.payment_set {
            if let Some(to) = set.lookup(method) {
                return match usable(to) {
                    Some(p) => Ok(Some(p.id.clone())),
                    None => Err(format!(
                        "mapping set {:?} maps payment method {method:?} to {to:?}, which is not an enabled payment type in the store; fix the set (see `lsbridge source options {}`)",
                        set.name, self.source.name
                    )),
                };
            }
        }
        if let Some(p) = usable(method) {
            return Ok(Some(p.id.clone()));
        }
        match &self.ids.payment_type {
            Some(pt) => Ok(Some(pt.clone())),
            None => Err(format!(
                "the FR was paid by {method:?}, which is not a payment type in the store, and no Payment Type ID is set: set a payment type with `lsbridge source set {} --payment-type-id ID`{}",
                self.source.name,
                if self.payment_set.is_none() {
                    " or name a payment mapping set with --payment-mapping-set"
                } else {
                    " or add the method to the payment mapping set"
                }
            )),
        }
    }

    /// Reads what the money needs from the store once per run: `tax_exclusive` and the
    /// no-tax group (`GET /retailer`), the payment types, and the Tax ID's rate.
    async fn load_store_money(&mut self) -> Result<(), JobError> {
        if self.store_money.is_some() {
            return Ok(());
        }
        let r = self.ctx.client.retailer().await?;
        // Prices go out before tax either way (see `sale_money`); the store's totals are
        // compared with the order's after each POST.
        self.log.info(match r.tax_exclusive {
            Some(true) => "the store is tax-exclusive".to_string(),
            Some(false) => "the store is tax-inclusive: sale prices are sent before tax with the unit tax, as in the docs' GST example, and the store's totals are checked".to_string(),
            None => "the store does not say whether it is tax-exclusive; the store's totals are checked after each sale".to_string(),
        });
        let payment_types = match crate::lightspeed::pager::VersionPager::<
            crate::lightspeed::models::PaymentType,
        >::new(&self.ctx.client, "/payment_types", None)
        .collect_all()
        .await
        {
            Ok(all) => all
                .into_iter()
                .filter(|p| p.deleted_at.is_none() && !p.disabled && !p.id.is_empty())
                .collect(),
            Err(ApiError::Forbidden { .. }) => {
                self.log.warn(
                    "the token may not read payment types (payment_types:read): paid FRs use the Payment Type ID",
                );
                Vec::new()
            }
            Err(e) => return Err(e.into()),
        };
        // The list, not `GET /taxes/{id}`: a tax read by id could come back as another.
        let tax_rate =
            crate::lightspeed::pager::VersionPager::<crate::lightspeed::models::Tax>::new(
                &self.ctx.client,
                "/taxes",
                None,
            )
            .collect_all()
            .await?
            .into_iter()
            .find(|t| t.id == self.ids.tax && t.deleted_at.is_none())
            .map(|t| t.rate());
        self.store_money = Some(StoreMoney {
            discount_product: r
                .discount_product_id
                .clone()
                .filter(|d| !d.trim().is_empty()),
            no_tax_id: r
                .no_tax_group_id
                .filter(|t| !t.trim().is_empty())
                .unwrap_or_else(|| self.ids.tax.clone()),
            payment_types,
            tax_rate,
        });
        Ok(())
    }

    /// `fulfillment_details` for a delivery (the FR's shipping address as a SHIPPING address
    /// of the customer, reused when the customer already has it) or a pickup sale.
    async fn dispatch(
        &self,
        fr: &Fr,
        attributes: &[String],
        customer: &str,
    ) -> Result<Result<Vec<FulfillmentDetail>, (bool, String)>, JobError> {
        if attributes.iter().any(|a| a == "pickup") {
            return Ok(Ok(vec![FulfillmentDetail {
                kind: "PICKUP".into(),
                ..FulfillmentDetail::default()
            }]));
        }
        if !attributes.iter().any(|a| a == "delivery") {
            return Ok(Ok(Vec::new()));
        }
        let a = match shipping_address(fr) {
            Ok(a) => a,
            Err(why) => return Ok(Err((true, why))),
        };
        let note = Some(fr.shipping_method.clone()).filter(|m| !m.trim().is_empty());
        if self.opts.dry_run {
            return Ok(Ok(vec![FulfillmentDetail {
                kind: "DISPATCH".into(),
                shipping_address_id: None,
                note,
            }]));
        }
        let same = |x: &CustomerAddress| {
            x.kind == "SHIPPING"
                && x.address_line_1
                    .trim()
                    .eq_ignore_ascii_case(&a.address_line_1)
                && x.address_line_2
                    .as_deref()
                    .unwrap_or("")
                    .trim()
                    .eq_ignore_ascii_case(a.address_line_2.as_deref().unwrap_or(""))
                && x.city.trim().eq_ignore_ascii_case(&a.city)
                && x.postcode.trim().eq_ignore_ascii_case(&a.postcode)
                && x.country_code.trim().eq_ignore_ascii_case(&a.country_code)
        };
        let existing = self.ctx.client.customer_addresses(customer).await?;
        let found = existing.iter().find(|x| same(x)).and_then(|x| x.id_text());
        let id = match found {
            Some(id) => id,
            None => match self.ctx.client.create_customer_address(customer, &a).await {
                Ok(c) => match c.id_text() {
                    Some(id) => id,
                    None => {
                        return Ok(Err((
                            false,
                            "the store created the shipping address but sent no id".into(),
                        )))
                    }
                },
                Err(ApiError::Ambiguous { cause, .. }) => {
                    // Look again rather than create a second address.
                    let again = self.ctx.client.customer_addresses(customer).await?;
                    match again.iter().find(|x| same(x)).and_then(|x| x.id_text()) {
                        Some(id) => id,
                        None => {
                            return Ok(Err((
                                false,
                                format!("creating the shipping address had no clear outcome ({cause})"),
                            )))
                        }
                    }
                }
                Err(ApiError::Rejected { status, detail, .. }) => {
                    return Ok(Err((
                        true,
                        format!(
                            "the store refused the FR's shipping address ({status}: {detail}); fix the address and `lsbridge fr retry {}`",
                            fr.number
                        ),
                    )))
                }
                Err(e) => return Err(e.into()),
            },
        };
        Ok(Ok(vec![FulfillmentDetail {
            kind: "DISPATCH".into(),
            shipping_address_id: Some(id),
            note,
        }]))
    }

    /// Stock check when backorders are off: returns the lines to send, or why the FR waits.
    fn stock_check(&self, fr: &Fr, lines: Vec<Line>) -> (Vec<Line>, Vec<(usize, String)>) {
        if self.source.allow_backorders {
            return (lines, Vec::new());
        }
        let mut ok = Vec::new();
        let mut short = Vec::new();
        for l in lines {
            let item: &FrItem = &fr.items[l.index];
            match l.stock {
                Some(s) if s < item.quantity => short.push((
                    l.index,
                    format!(
                        "SKU {}: {} ordered, {} in stock at the source",
                        item.sku, item.quantity, s
                    ),
                )),
                _ => ok.push(l),
            }
        }
        (ok, short)
    }

    async fn send_one(&mut self, fr: Fr) -> Result<Done, JobError> {
        let mut fr = fr;
        // A sale id and attempts mean an earlier send may have reached the store: ask first.
        if let (Some(id), true) = (fr.sale_id.clone(), fr.attempts > 0) {
            if let Some(done) = self.reconcile(&fr, &id).await? {
                return Ok(done);
            }
        }
        let lines = match self.resolve(&fr).await? {
            Ok(l) => l,
            Err(why) => {
                self.to_status(&fr, FrStatus::AdditionalInfoRequired, &why)?;
                return Ok(Done::InfoRequired(why));
            }
        };
        let (lines, short) = self.stock_check(&fr, lines);
        if !short.is_empty() {
            let why = short
                .iter()
                .map(|(_, r)| r.as_str())
                .collect::<Vec<_>>()
                .join("; ");
            if !self.source.cancel_unacknowledged_items {
                self.event(
                    &fr,
                    kind::NOTE,
                    &format!("held: {why} (Allow Backorders is off)"),
                )?;
                return Ok(Done::Held(why));
            }
            fr = self.update(&fr, kind::NOTE, |f| {
                for (i, r) in &short {
                    if let Some(item) = f.items.get_mut(*i) {
                        item.line = LineState::Canceled {
                            reason: format!("{r} (Allow Backorders is off)"),
                        };
                    }
                }
                Ok(format!("canceled lines without stock: {why}"))
            })?;
            if lines.is_empty() {
                let reason = format!("every line was canceled: {why}");
                self.to_status(&fr, FrStatus::Canceled, &reason)?;
                return Ok(Done::Canceled(reason));
            }
        }
        let mut mapped = Vec::new();
        let mut errors = Vec::new();
        for l in &lines {
            let mut m = MappedRecord::new();
            self.template
                .apply_into(&fr_source_record(&fr, &fr.items[l.index]), &mut m);
            errors.extend(
                m.errors()
                    .iter()
                    .map(|e| format!("SKU {}: {e}", fr.items[l.index].sku)),
            );
            mapped.push(m);
        }
        if let Some(head) = mapped.first() {
            for (target, from) in REQUIRED_CUSTOMER {
                if text_of(head, target).is_empty() {
                    errors.push(format!(
                        "{target} is empty: map it (usually from the {from}) or fill it in the FR"
                    ));
                }
            }
        }
        if !errors.is_empty() {
            let why = errors.join("; ");
            self.to_status(&fr, FrStatus::AdditionalInfoRequired, &why)?;
            return Ok(Done::InfoRequired(why));
        }
        let id = fr
            .sale_id
            .clone()
            .unwrap_or_else(|| sale_id(&self.source.name, &fr.number));
        self.load_store_money().await?;
        // Check the body (and its money) before creating a customer, so a bad FR leaves
        // nothing behind.
        let draft = match self.build(&fr, &lines, &mapped, None, &id, Vec::new()) {
            Ok(b) => b,
            Err(why) => {
                self.to_status(&fr, FrStatus::AdditionalInfoRequired, &why)?;
                return Ok(Done::InfoRequired(why));
            }
        };
        if draft.attributes.iter().any(|a| a == "delivery") {
            if let Err(why) = shipping_address(&fr) {
                self.to_status(&fr, FrStatus::AdditionalInfoRequired, &why)?;
                return Ok(Done::InfoRequired(why));
            }
        }
        let customer = match self.customer(&mapped[0]).await? {
            Ok(c) => c,
            Err(why) => {
                self.event(&fr, kind::NOTE, &why)?;
                return Ok(Done::Unresolved(why));
            }
        };
        let dispatch = match self.dispatch(&fr, &draft.attributes, &customer).await? {
            Ok(d) => d,
            Err((true, why)) => {
                self.to_status(&fr, FrStatus::AdditionalInfoRequired, &why)?;
                return Ok(Done::InfoRequired(why));
            }
            Err((false, why)) => {
                self.event(&fr, kind::NOTE, &why)?;
                return Ok(Done::Unresolved(why));
            }
        };
        let body = match self.build(&fr, &lines, &mapped, Some(customer), &id, dispatch) {
            Ok(b) => b,
            Err(why) => {
                self.to_status(&fr, FrStatus::AdditionalInfoRequired, &why)?;
                return Ok(Done::InfoRequired(why));
            }
        };
        if self.opts.dry_run {
            if self.previews.len() < self.opts.preview_limit {
                self.previews.push(Preview {
                    fr: fr.number.clone(),
                    sale: Some(body),
                    note: "would be sent".into(),
                });
            }
            return Ok(Done::Previewed);
        }
        let sent_lines: Vec<usize> = lines.iter().map(|l| l.index).collect();
        for _ in 0..MAX_SENDS_PER_RUN {
            // The id and the attempt are durable before the request leaves.
            let sid = id.clone();
            fr = self.update(&fr, kind::ATTEMPT, |f| {
                f.sale_id = Some(sid.clone());
                f.attempts += 1;
                Ok(format!(
                    "attempt {}: POST /sales with sale id {sid}",
                    f.attempts
                ))
            })?;
            self.ctx.store.flush_async().await?;
            match self.ctx.client.create_sale(&body).await {
                Ok(sale) => {
                    if let Some(why) = store_totals_differ(&sale, &body) {
                        return self
                            .sent_wrong(&fr, &sent_lines, sale.invoice_number, why)
                            .await;
                    }
                    return self
                        .processed(&fr, &sent_lines, sale.invoice_number, false)
                        .await;
                }
                Err(ApiError::Ambiguous { cause, .. }) => {
                    self.event(
                        &fr,
                        kind::RECONCILE,
                        &format!("outcome unknown ({cause}); checking GET /sales/{id}"),
                    )?;
                    if let Some(done) = self.reconcile(&fr, &id).await? {
                        return Ok(done);
                    }
                    self.event(
                        &fr,
                        kind::RETRY,
                        "the sale is not in the store; sending again with the same id",
                    )?;
                }
                Err(ApiError::Rejected {
                    status: 409,
                    detail,
                    ..
                }) => {
                    self.event(
                        &fr,
                        kind::RECONCILE,
                        &format!("409 ({detail}): the id exists; checking GET /sales/{id}"),
                    )?;
                    if let Some(done) = self.reconcile(&fr, &id).await? {
                        return Ok(done);
                    }
                    let why = format!("the store refused sale id {id} as taken, yet has no such sale; check the store");
                    self.to_status(&fr, FrStatus::Failed, &why)?;
                    return Ok(Done::Failed(why));
                }
                Err(ApiError::Rejected { status, detail, .. }) => {
                    let why = format!(
                        "the store refused the sale ({status}: {detail}); confirm the Register ID, User ID and Tax ID are valid (`lsbridge source options {}`) and the template's fields, then `lsbridge fr retry {}`",
                        self.source.name, fr.number
                    );
                    self.to_status(&fr, FrStatus::Failed, &why)?;
                    return Ok(Done::Failed(why));
                }
                Err(e @ (ApiError::Unauthorized { .. } | ApiError::Forbidden { .. })) => {
                    return Err(e.into());
                }
                Err(e) => {
                    // Not sent at all (connection refused, …): safe to try again next run.
                    let why = format!("not sent: {e}");
                    self.event(&fr, kind::NOTE, &why)?;
                    return Ok(Done::Unresolved(why));
                }
            }
        }
        let why = format!("outcome still unknown after {MAX_SENDS_PER_RUN} sends; the next run checks the store first");
        self.event(&fr, kind::NOTE, &why)?;
        Ok(Done::Unresolved(why))
    }

    /// `GET /sales/{id}`: if this FR's sale is there, the FR is Processed (nothing is sent
    /// again). The answer must be the sale asked for (the client checks its id) and carry
    /// the FR's reference as `source.id`; any other answer leaves it unclear whether the
    /// sale exists, so the FR stays Processing, neither Processed nor sent again, and the
    /// next run asks again.
    async fn reconcile(&mut self, fr: &Fr, id: &str) -> Result<Option<Done>, JobError> {
        match self.ctx.client.sale(id).await {
            Ok(Some(sale)) => match self.sale_is_for(fr, &sale) {
                Ok(()) => {
                    let lines: Vec<usize> = fr.pending_items().map(|(i, _)| i).collect();
                    self.processed(fr, &lines, sale.invoice_number, true)
                        .await
                        .map(Some)
                }
                Err(why) => {
                    let why = format!(
                        "GET /sales/{id} answered with {why}: unclear whether this FR's sale exists; it stays Processing and the next run checks again before sending"
                    );
                    self.event(fr, kind::RECONCILE, &why)?;
                    Ok(Some(Done::Unresolved(why)))
                }
            },
            Ok(None) => Ok(None),
            Err(e @ (ApiError::Unauthorized { .. } | ApiError::Forbidden { .. })) => Err(e.into()),
            Err(e) => {
                let why = format!(
                    "cannot check sale {id} ({e}); the next run checks again before sending"
                );
                self.event(fr, kind::RECONCILE, &why)?;
                Ok(Some(Done::Unresolved(why)))
            }
        }
    }

    /// Whether `sale` (already known to carry the FR's sale id) was made from this FR: its
    /// `source.id` is the reference the send sets. `Err` says what the sale is instead.
    fn sale_is_for(&self, fr: &Fr, sale: &Sale) -> Result<(), String> {
        let refs = self.sale_refs(fr);
        let expected = refs
            .iter()
            .map(|r| format!("{r:?}"))
            .collect::<Vec<_>>()
            .join(" or ");
        match sale.source_id().map(str::trim) {
            Some(r) if refs.iter().any(|x| x.eq_ignore_ascii_case(r)) => Ok(()),
            Some(r) => Err(format!(
                "a sale whose source.id is {:?}, not this FR's {expected}",
                r.chars().take(80).collect::<String>()
            )),
            None => Err(format!(
                "a sale with no source.id (this FR's is {expected})"
            )),
        }
    }

    /// What a sale made from `fr` carries as `source.id`: the template's Register Sale:
    /// Source Id, else the FR number (as [`Job::build`] sets it). Every line is mapped,
    /// because the sale's head is whichever line was sent first.
    fn sale_refs(&self, fr: &Fr) -> Vec<String> {
        let mut refs: Vec<String> = Vec::new();
        let mut m = MappedRecord::new();
        for item in &fr.items {
            self.template
                .apply_into(&fr_source_record(fr, item), &mut m);
            let r = text_of(&m, "Register Sale: Source Id");
            let r = if r.is_empty() {
                fr.number.trim().to_string()
            } else {
                r
            };
            if !refs.contains(&r) {
                refs.push(r);
            }
        }
        if refs.is_empty() {
            refs.push(fr.number.trim().to_string());
        }
        refs
    }

    /// The store made the sale but recorded other money than was sent: Failed, naming both
    /// figures, never Processed. `fr retry` after the sale is corrected in the store finds it.
    async fn sent_wrong(
        &mut self,
        fr: &Fr,
        lines: &[usize],
        invoice: Option<String>,
        why: String,
    ) -> Result<Done, JobError> {
        self.record_sale(fr, lines, invoice, FrStatus::Failed, &why)
            .await?;
        Ok(Done::Failed(why))
    }

    /// A sale exists for `fr`: its `lines` are marked sent, the invoice kept, and the FR moved
    /// to `to` with `reason`, in one transaction, flushed before the run goes on.
    async fn record_sale(
        &mut self,
        fr: &Fr,
        lines: &[usize],
        invoice: Option<String>,
        to: FrStatus,
        reason: &str,
    ) -> Result<(), JobError> {
        let now = self.now();
        self.frs
            .update_with_event(
                fr.source,
                &fr.number,
                kind::STATUS,
                Some(self.run),
                now,
                |f| {
                    for i in lines {
                        if let Some(item) = f.items.get_mut(*i) {
                            item.line = LineState::Sent;
                        }
                    }
                    if invoice.is_some() {
                        f.invoice_number = invoice.clone();
                    }
                    crate::frs::status::transition(f, to, reason, now)?;
                    Ok(reason.to_string())
                },
            )
            .map_err(fr_err)?;
        self.ctx.store.flush_async().await?;
        Ok(())
    }

    async fn processed(
        &mut self,
        fr: &Fr,
        lines: &[usize],
        invoice: Option<String>,
        reconciled: bool,
    ) -> Result<Done, JobError> {
        let reason = match (&invoice, reconciled) {
            (Some(i), false) => format!(
                "sent: sale {} invoice {i}",
                fr.sale_id.as_deref().unwrap_or("")
            ),
            (None, false) => format!("sent: sale {}", fr.sale_id.as_deref().unwrap_or("")),
            (_, true) => format!(
                "found sale {} in the store: already sent",
                fr.sale_id.as_deref().unwrap_or("")
            ),
        };
        self.record_sale(fr, lines, invoice, FrStatus::Processed, &reason)
            .await?;
        Ok(Done::Sent { reconciled })
    }

    /// Processed FRs whose sale the store has closed become Acknowledged. Only an answer
    /// about the FR's own sale counts; anything else is logged and the FR is asked about
    /// again next run.
    async fn acknowledge(&mut self) -> Result<u64, JobError> {
        let mut n = 0;
        let done = self
            .frs
            .list(Some(self.source.id), Some(FrStatus::Processed))?;
        for fr in done.into_iter().take(ACK_CHECKS_PER_RUN) {
            let Some(id) = fr.sale_id.clone() else {
                continue;
            };
            match self.ctx.client.sale(&id).await {
                Ok(Some(sale)) => match self.sale_is_for(&fr, &sale) {
                    Ok(()) if sale.state.as_deref() == Some("closed") => {
                        self.to_status(&fr, FrStatus::Acknowledged, "the store closed the sale")?;
                        n += 1;
                    }
                    Ok(()) => {}
                    Err(why) => self.log.warn(format!(
                        "FR {}: not acknowledged: GET /sales/{id} answered with {why}",
                        fr.number
                    )),
                },
                Ok(None) => self.log.warn(format!(
                    "FR {}: sale {id} is no longer in the store (404); check it in Lightspeed",
                    fr.number
                )),
                Err(e @ ApiError::Unclear { .. }) => self
                    .log
                    .warn(format!("FR {}: not acknowledged: {e}", fr.number)),
                Err(e) => {
                    // The store is not answering; the rest would fail the same way.
                    self.log
                        .warn(format!("acknowledgements not checked this run: {e}"));
                    break;
                }
            }
        }
        Ok(n)
    }
}

/// An FR line's SKU that several store products answer to, with the products named.
fn several_products(sku: &str, products: &[&Product]) -> String {
    const NAMED: usize = 5;
    let mut named: Vec<String> = products
        .iter()
        .take(NAMED)
        .map(|p| {
            // Names and SKUs come from the store: quoted short.
            let short = |s: &str| s.trim().chars().take(60).collect::<String>();
            let how = if p.sku.trim().eq_ignore_ascii_case(sku.trim()) {
                format!("SKU {}", short(&p.sku))
            } else {
                format!("SKU {}, by product code", short(&p.sku))
            };
            format!("{:?} ({how}, id {})", short(&p.name), short(&p.id))
        })
        .collect();
    if products.len() > NAMED {
        named.push(format!("and {} more", products.len() - NAMED));
    }
    format!(
        "SKU {sku} matches {} products in the store: {}; make it name one product in Lightspeed (its SKU or product codes), then `lsbridge fr retry`",
        products.len(),
        named.join(", ")
    )
}

fn fr_err(e: FrError) -> JobError {
    match e {
        FrError::Store(s) => JobError::Store(s),
        other => JobError::Setup(other.to_string()),
    }
}

/// Runs Send FRs for `source`: every due FR (Processing, past its hold), within business hours.
pub async fn run(
    ctx: &JobCtx,
    source: &Source,
    template: &CompiledTemplate,
    opts: &SendOptions,
) -> Result<SendSummary, JobError> {
    let ids = required_ids(source)?;
    let _guard = SendGuard::claim(ctx, source)?;
    let runs = Runs::open(&ctx.store)?;
    let run = ctx.store.generate_id()? + 1;
    let mut record = RunRecord::new(
        run,
        "send-frs",
        source,
        opts.dry_run,
        clock::rfc3339(ctx.clock.now()),
    );
    let log = begin_run(ctx, &runs, &mut record)?;
    let mut job = Job {
        ctx,
        source,
        template,
        opts,
        ids,
        frs: Frs::open(&ctx.store)?,
        pool: Pool::open(&ctx.store)?,
        log,
        run,
        customers: HashMap::new(),
        previews: Vec::new(),
        store_money: None,
        payment_set: None,
    };
    if let Some(name) = source
        .send_frs
        .payment_mapping_set
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty())
    {
        let sets: crate::store::Table<MappingSet> =
            ctx.store.table(crate::store::trees::MAPPING_SETS)?;
        job.payment_set = Some(sets.get(name.as_bytes())?.ok_or_else(|| {
            JobError::Setup(format!(
                "Send FRs for {} names payment mapping set {name:?}, which does not exist: create it or clear --payment-mapping-set",
                source.name
            ))
        })?);
    }
    let mut counts = Counts::default();
    let result = super::context::guarded(drive(&mut job, &mut counts)).await;
    let (outcome, message) = match result {
        Ok(msg) => {
            let o = if counts.failed + counts.info_required + counts.unresolved > 0 {
                Outcome::Partial
            } else {
                Outcome::Ok
            };
            (o, msg)
        }
        Err(JobError::Setup(m)) if m == "cancelled" => (
            Outcome::Cancelled,
            "cancelled; FRs not yet sent stay Processing for the next run".to_string(),
        ),
        Err(e) => {
            job.log.error(e.to_string());
            (Outcome::Failed, e.to_string())
        }
    };
    let counts = finish_run(ctx, &runs, &job.log, &mut record, outcome, counts, &message).await?;
    Ok(SendSummary {
        run,
        outcome,
        counts,
        message,
        previews: job.previews,
    })
}

async fn drive(job: &mut Job<'_>, counts: &mut Counts) -> Result<String, JobError> {
    let now = job.now();
    job.log.info(format!(
        "Send FRs for {}{}",
        job.source.name,
        if job.opts.dry_run {
            " (dry run: nothing is sent or written)"
        } else {
            ""
        }
    ));
    let due = job.frs.due(job.source.id, now)?;
    if let Some(hours) = &job.source.send_frs.business_hours {
        let hours = hours.validate().map_err(|e| {
            JobError::Setup(format!(
                "Only Send During Business Hours is on but its hours are invalid ({e}); fix them with `lsbridge source set {} --business-hours`",
                job.source.name
            ))
        })?;
        let now_utc: chrono::DateTime<chrono::Utc> = now.into();
        if !hours.is_open(now_utc) {
            counts.held = due.len() as u64;
            let msg = format!(
                "outside business hours ({}); {} due FR(s) wait until {}",
                hours.describe(),
                due.len(),
                hours.next_open(now_utc).format("%Y-%m-%d %H:%M UTC")
            );
            job.log.info(msg.clone());
            return Ok(msg);
        }
    }
    job.log.info(format!("{} FR(s) due", due.len()));
    let mut by_status: BTreeMap<&'static str, u64> = BTreeMap::new();
    for fr in due {
        super::PanicPoint::SendFr.check(job.ctx.panic_at);
        let number = fr.number.clone();
        let done = job.send_one(fr).await?;
        let (label, line) = match &done {
            Done::Sent { reconciled: false } => ("sent", None),
            Done::Sent { reconciled: true } => ("reconciled", None),
            Done::Held(w) => ("held", Some(w)),
            Done::InfoRequired(w) => ("additional info required", Some(w)),
            Done::Failed(w) => ("failed", Some(w)),
            Done::Canceled(w) => ("canceled", Some(w)),
            Done::Unresolved(w) => ("unresolved", Some(w)),
            Done::Previewed => ("would send", None),
        };
        match done {
            Done::Sent { reconciled } => {
                counts.sent += 1;
                if reconciled {
                    counts.reconciled += 1;
                }
            }
            Done::Held(_) => counts.held += 1,
            Done::InfoRequired(_) => counts.info_required += 1,
            Done::Failed(_) => counts.failed += 1,
            Done::Canceled(_) => counts.canceled += 1,
            Done::Unresolved(_) => counts.unresolved += 1,
            Done::Previewed => counts.sent += 1,
        }
        *by_status.entry(label).or_default() += 1;
        match line {
            Some(w) if label == "held" => job.log.info(format!("FR {number}: {label}: {w}")),
            Some(w) => job.log.warn(format!("FR {number}: {label}: {w}")),
            None => job.log.info(format!("FR {number}: {label}")),
        }
        job.ctx.events.send(super::JobEvent::Progress {
            run: job.run,
            phase: "sending FRs".into(),
            done: by_status.values().sum(),
            counts: *counts,
        });
        if job.ctx.cancelled() {
            return Err(JobError::Setup("cancelled".into()));
        }
    }
    if !job.opts.dry_run {
        counts.acknowledged = job.acknowledge().await?;
    }
    Ok(counts.send_line())
}
