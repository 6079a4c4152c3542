//! Simulator settings. Where the spec and docs leave a behaviour open, it is an option here
//! so the client can be tested against each plausible answer.

use std::collections::VecDeque;
use std::path::PathBuf;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::clock::{self, SharedClock};

/// Which catalog the simulator serves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreSpec {
    /// The committed demo store (`fixtures/stores/demo`, compiled in). Tax-exclusive.
    Demo,
    /// `demo-inclusive`: the same store set up tax-inclusive (`fixtures/stores/demo-inclusive`
    /// holds the retailer and outlets that differ; every other file is the demo's).
    DemoInclusive,
    /// `synthetic:N[:seed]`: N generated product rows, deterministic for a seed.
    Synthetic { products: u64, seed: u64 },
    /// A directory with the same files as the demo store.
    Dir(PathBuf),
    /// Reference data only, no products.
    Empty,
}

impl std::str::FromStr for StoreSpec {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        if s == "demo" {
            return Ok(StoreSpec::Demo);
        }
        if s == "demo-inclusive" {
            return Ok(StoreSpec::DemoInclusive);
        }
        if s == "empty" {
            return Ok(StoreSpec::Empty);
        }
        if let Some(rest) = s.strip_prefix("synthetic:") {
            let mut parts = rest.split(':');
            let n = parts.next().unwrap_or("").replace('_', "");
            let products: u64 = n.parse().map_err(|_| {
                format!("{s:?}: expected synthetic:N[:SEED] with N a whole number, e.g. synthetic:10000")
            })?;
            if products > 5_000_000 {
                return Err(format!("{s:?}: at most 5000000 products"));
            }
            let seed = match parts.next() {
                None => 1,
                Some(x) => x
                    .parse()
                    .map_err(|_| format!("{s:?}: the seed must be a whole number"))?,
            };
            if parts.next().is_some() {
                return Err(format!("{s:?}: expected synthetic:N[:SEED]"));
            }
            return Ok(StoreSpec::Synthetic { products, seed });
        }
        if let Some(dir) = s.strip_prefix("dir:") {
            return Ok(StoreSpec::Dir(PathBuf::from(dir)));
        }
        Err(format!(
            "{s:?} is not a store: use demo, empty, synthetic:N[:SEED] or dir:PATH (or demo-inclusive, the demo store set up tax-inclusive)"
        ))
    }
}

/// What a second `POST /sales` with an id that already exists does. The docs do not say.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum DuplicateSale {
    /// Treat it as an update of that sale (the legacy v0.9 semantics).
    #[default]
    Update,
    /// Answer 409 Conflict.
    Conflict,
    /// Answer 200 with the existing sale, unchanged.
    ReturnExisting,
}

impl std::str::FromStr for DuplicateSale {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "update" => Ok(Self::Update),
            "conflict" => Ok(Self::Conflict),
            "existing" | "return-existing" => Ok(Self::ReturnExisting),
            _ => Err(format!(
                "{s:?}: expected update, conflict or existing for --duplicate-sale"
            )),
        }
    }
}

/// How a sale line's `pricing.price` and `tax.amount` relate in a tax-inclusive store
/// (`Retailer.tax_exclusive: false`). The spec calls `price` the "unit price" and
/// `tax.amount` "the unit tax value" without saying whether the price holds the tax there.
/// In a tax-exclusive store both readings agree: price is before tax, tax is added.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum InclusivePricing {
    /// `price` is before tax in every store and `tax.amount` is added on top. The docs'
    /// only sale example comes from a GST store (NZ, 15 %) and sends price 22, tax 3.3 and a
    /// payment of 25.3; `SaleTotals.price` is "tax exclusive"; price books "always" return
    /// tax-exclusive prices. The store's mode only decides which figure is rounded: the
    /// tax-inclusive line total (price + tax) × quantity is the figure of record, and the
    /// tax-exclusive total is that minus the rounded tax.
    #[default]
    PriceExcludesTax,
    /// `price` already includes `tax.amount` (Retailer.tax_exclusive: "Whether Prices should
    /// be interpreted as Tax-Exclusive"): the line's tax-inclusive total is price × quantity
    /// and its tax-exclusive total is that minus the tax.
    PriceIncludesTax,
}

impl std::str::FromStr for InclusivePricing {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "excludes-tax" | "price-excludes-tax" => Ok(Self::PriceExcludesTax),
            "includes-tax" | "price-includes-tax" => Ok(Self::PriceIncludesTax),
            _ => Err(format!(
                "{s:?}: expected excludes-tax or includes-tax for --inclusive-pricing"
            )),
        }
    }
}

/// What a line's `pricing.discount` means. The spec: "Discount value of the line item", and
/// the response's `discount_total` is `discount` × `quantity`; whether `price` is before or
/// after that discount is not said.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum LineDiscount {
    /// `price` is the list price; the line is charged `price − discount` per unit.
    #[default]
    Subtract,
    /// `price` is already the discounted unit price; `discount` only records how much was
    /// taken off (as the legacy register_sale_products `price` was).
    Informational,
}

impl std::str::FromStr for LineDiscount {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "subtract" => Ok(Self::Subtract),
            "informational" => Ok(Self::Informational),
            _ => Err(format!(
                "{s:?}: expected subtract or informational for --line-discount"
            )),
        }
    }
}

/// Whether a sale-level adjustment (`pricing.adjustments`) carries tax. `SaleAdjustment`
/// has no tax field; the response's `SaleResponseAdjustment` has `tax_components`, so a
/// store may work out tax on it. Neither the spec nor the docs say how.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum AdjustmentTax {
    /// The adjustment moves the total by its amount and the sale's tax is what its lines
    /// say (`totals.tax` = Σ line tax totals).
    #[default]
    Untaxed,
    /// The store taxes the adjustment at the lines' average rate: its tax is the amount ×
    /// lines' tax ÷ lines' tax-exclusive total (tax-exclusive store; the amount is before
    /// tax) or ÷ lines' tax-inclusive total (tax-inclusive store; the amount includes it),
    /// so a DISCOUNT also lowers `totals.tax`.
    Proportional,
}

impl std::str::FromStr for AdjustmentTax {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "untaxed" => Ok(Self::Untaxed),
            "proportional" => Ok(Self::Proportional),
            _ => Err(format!(
                "{s:?}: expected untaxed or proportional for --adjustment-tax"
            )),
        }
    }
}

/// When a sale takes its lines' stock out of the register's outlet. The docs do not say
/// whether a pending sale (awaiting dispatch or pickup, layby, on account) moves stock when
/// it is created or only when it is closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum StockMoves {
    /// Only a closed sale holds its lines out of stock.
    #[default]
    OnClose,
    /// A pending sale holds them out from its creation (closing it changes nothing more).
    OnCreate,
}

impl std::str::FromStr for StockMoves {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "on-close" => Ok(Self::OnClose),
            "on-create" => Ok(Self::OnCreate),
            _ => Err(format!(
                "{s:?}: expected on-close or on-create for --stock-moves"
            )),
        }
    }
}

/// How a list's `before` bounds versions. The spec calls it the "upper limit" and does not
/// say whether a row at exactly that version is included.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum BeforeBound {
    /// `version <= before`.
    #[default]
    Inclusive,
    /// `version < before`.
    Exclusive,
}

impl BeforeBound {
    /// The highest version a list bounded by `before` includes.
    pub fn upper(self, before: Option<u64>) -> Option<u64> {
        match self {
            BeforeBound::Inclusive => before,
            BeforeBound::Exclusive => before.map(|b| b.saturating_sub(1)),
        }
    }
}

impl std::str::FromStr for BeforeBound {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "inclusive" => Ok(Self::Inclusive),
            "exclusive" => Ok(Self::Exclusive),
            _ => Err(format!(
                "{s:?}: expected inclusive or exclusive for --before-bound"
            )),
        }
    }
}

/// A store that refuses a page size above `above` (answering `status`, 400 or 422, with an
/// error body) instead of capping it. The spec gives no maximum; the legacy docs say 200.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PageSizeRefusal {
    pub above: u64,
    pub status: u16,
}

impl std::str::FromStr for PageSizeRefusal {
    type Err = String;
    /// `N` (400) or `N:STATUS` with STATUS 400 or 422.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || format!("{s:?}: expected N or N:STATUS (400 or 422), e.g. 200:422");
        let (n, status) = match s.trim().split_once(':') {
            Some((n, st)) => (n, st.trim().parse::<u16>().map_err(|_| bad())?),
            None => (s.trim(), 400),
        };
        let above: u64 = n.trim().parse().map_err(|_| bad())?;
        if above == 0 || !(status == 400 || status == 422) {
            return Err(bad());
        }
        Ok(PageSizeRefusal { above, status })
    }
}

/// Whose requests share a rate-limit window. Current docs: per retailer per application;
/// older docs: one bucket for the whole retailer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum RateScope {
    #[default]
    PerToken,
    PerStore,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RateLimit {
    /// `None`: the documented `300 × registers + 50`.
    pub limit: Option<u64>,
    pub window: Duration,
    pub scope: RateScope,
}

impl Default for RateLimit {
    fn default() -> Self {
        Self {
            limit: None,
            window: Duration::from_secs(300),
            scope: RateScope::PerToken,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenSpec {
    pub token: String,
    /// `None`: every scope.
    pub scopes: Option<Vec<String>>,
}

/// One injected failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Fault {
    /// Answer with this 5xx status.
    Status(u16),
    /// Reset the TCP connection without answering.
    Reset,
    /// 200 with a body that is not JSON.
    Malformed,
    /// 200 with a JSON body cut in half (Content-Length matches the cut body).
    Truncated,
    /// Serve the page before the cursor again.
    Stuck,
    /// 429 regardless of budget.
    TooMany,
    /// `POST /sales`: commit the sale, then drop the connection without answering.
    CommitDrop,
    /// 200 with `{"data": null}` (a list answered with no list).
    NullData,
    /// A list's answer with a `null` row inserted before its first row.
    NullRows,
    /// 200 with an empty list (`{"data": []}`), whatever the store holds.
    EmptyList,
}

/// Failure injection. Probabilities are per request; `script` faults are used first, in
/// order, one per matching request. Admin endpoints are never faulted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(default)]
pub struct Faults {
    pub latency_ms: u64,
    pub p_5xx: f64,
    pub p_reset: f64,
    pub p_malformed: f64,
    pub p_truncated: f64,
    pub p_stuck: f64,
    pub p_429: f64,
    pub p_commit_drop: f64,
    /// Answer the next N requests with 429 (a storm).
    pub storm: u32,
    /// Retry-After of injected 429s, in seconds of simulator time.
    pub storm_retry_after_secs: u64,
    /// Sent as is as the Retry-After of injected 429s (instead of a date from
    /// `storm_retry_after_secs`), e.g. a huge number of seconds or a far-future date.
    pub retry_after_raw: Option<String>,
    /// Only requests whose path contains this are faulted.
    pub only_path: Option<String>,
    pub script: VecDeque<Fault>,
}

impl Faults {
    pub fn none() -> Self {
        Self::default()
    }
    pub fn is_quiet(&self) -> bool {
        *self == Self::default()
    }
    /// Parses `k=v[,k=v…]`, e.g. `p_5xx=0.1,latency_ms=5,storm=3`.
    pub fn parse_kv(&mut self, spec: &str) -> Result<(), String> {
        for part in spec.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (k, v) = part
                .split_once('=')
                .ok_or_else(|| format!("{part:?}: expected key=value, e.g. p_5xx=0.1"))?;
            let p = || -> Result<f64, String> {
                let x: f64 = v
                    .parse()
                    .map_err(|_| format!("{k}={v}: expected a probability between 0 and 1"))?;
                if (0.0..=1.0).contains(&x) {
                    Ok(x)
                } else {
                    Err(format!("{k}={v}: expected a probability between 0 and 1"))
                }
            };
            let n = || -> Result<u64, String> {
                v.parse()
                    .map_err(|_| format!("{k}={v}: expected a whole number"))
            };
            match k {
                "latency_ms" => self.latency_ms = n()?,
                "p_5xx" => self.p_5xx = p()?,
                "p_reset" => self.p_reset = p()?,
                "p_malformed" => self.p_malformed = p()?,
                "p_truncated" => self.p_truncated = p()?,
                "p_stuck" => self.p_stuck = p()?,
                "p_429" => self.p_429 = p()?,
                "p_commit_drop" => self.p_commit_drop = p()?,
                "storm" => self.storm = n()? as u32,
                "storm_retry_after_secs" => self.storm_retry_after_secs = n()?,
                "retry_after_raw" => self.retry_after_raw = Some(v.to_string()),
                "only_path" => self.only_path = Some(v.to_string()),
                _ => return Err(format!(
                    "unknown fault {k:?}: use latency_ms, p_5xx, p_reset, p_malformed, p_truncated, p_stuck, p_429, p_commit_drop, storm, storm_retry_after_secs, retry_after_raw, only_path"
                )),
            }
        }
        Ok(())
    }
}

#[derive(Debug, Clone)]
pub struct SimConfig {
    pub store: StoreSpec,
    pub tokens: Vec<TokenSpec>,
    /// `None`: no rate limiting.
    pub rate_limit: Option<RateLimit>,
    /// `page_size` used when a list request gives none (the 2.0 spec's default).
    pub default_page_size: u64,
    /// Largest `page_size` honoured by version-cursor lists; larger requests are clamped.
    pub page_size_cap: u64,
    /// Largest page for `GET /sales` (Vend's own client: 500).
    pub sales_page_size_cap: u64,
    /// Refuse larger page sizes (every list, `POST /inventory`'s `size` included) instead
    /// of capping them. Checked before the caps.
    pub refuse_page_size: Option<PageSizeRefusal>,
    pub duplicate_sale: DuplicateSale,
    pub before_bound: BeforeBound,
    /// See [`InclusivePricing`]; only matters in a tax-inclusive store.
    pub inclusive_pricing: InclusivePricing,
    /// See [`LineDiscount`].
    pub line_discount: LineDiscount,
    /// See [`AdjustmentTax`].
    pub adjustment_tax: AdjustmentTax,
    /// Refuse (422) a sale saved `closed` whose payments do not cover its total. The docs do
    /// not say a store requires this; by default a closed sale is accepted with a balance.
    pub closed_sale_paid_in_full: bool,
    pub stock_moves: StockMoves,
    /// Versions advance by a random step in 1..=gap, so clients cannot assume +1.
    pub version_gap: u64,
    pub faults: Faults,
    pub clock: SharedClock,
    pub seed: u64,
    /// Keep every exchange for inspection (tests). Costs memory on big runs.
    pub record: bool,
}

pub const DEFAULT_TOKEN: &str = "sim-demo-token";

impl Default for SimConfig {
    fn default() -> Self {
        Self {
            store: StoreSpec::Demo,
            tokens: vec![TokenSpec {
                token: DEFAULT_TOKEN.to_string(),
                scopes: None,
            }],
            rate_limit: Some(RateLimit::default()),
            default_page_size: 100,
            page_size_cap: 10_000,
            sales_page_size_cap: 500,
            refuse_page_size: None,
            duplicate_sale: DuplicateSale::default(),
            before_bound: BeforeBound::default(),
            inclusive_pricing: InclusivePricing::default(),
            line_discount: LineDiscount::default(),
            adjustment_tax: AdjustmentTax::default(),
            closed_sale_paid_in_full: false,
            stock_moves: StockMoves::default(),
            version_gap: 3,
            faults: Faults::default(),
            clock: clock::system(),
            seed: 7,
            record: false,
        }
    }
}
