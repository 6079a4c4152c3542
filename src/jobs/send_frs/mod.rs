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

mod customer;
mod exactly_once;
mod resolve;
mod sale;

use customer::shipping_address;
use sale::{store_totals_differ, text_of};

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
            "Send FRs for {} is not configured: {} missing; pick them from the store's lists on the source's Send FRs step (TUI: e in Sources, Enter on each id), or from `lsbridge source options {}` and set them with `lsbridge source set`",
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
        crate::integration::Integration::SendFrs,
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
    let total = due.len() as u64;
    // The total is known before the first send: front ends show a percentage from the start.
    job.ctx.events.send(super::JobEvent::Progress {
        run: job.run,
        phase: super::Phase::SendingFrs,
        done: 0,
        total: Some(total),
        counts: *counts,
    });
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
            phase: super::Phase::SendingFrs,
            done: by_status.values().sum(),
            total: Some(total),
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
