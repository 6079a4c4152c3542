//! Cursor pagination, one page at a time, for the API's three cursor styles:
//! version cursors with an envelope (`GET /products`), version cursors over a bare array
//! (`POST /inventory`), and id cursors with `page_info` (`GET /product_categories`).
//!
//! Pages are pulled by the caller, so memory holds one page however big the catalog is, and
//! the caller can commit a page before asking for the next. A page whose versions do not
//! move past the cursor is retried a few times and then reported as an error: a stuck
//! cursor must never turn into an endless loop.

use reqwest::Method;
use serde::de::DeserializeOwned;

use super::client::{Client, Req};
use super::error::{ApiError, Stuck};
pub use super::models::StockRecord;
use super::models::{CategoryPage, InventoryRecord, InventoryRequest, ProductCategory, Versioned};

/// Where a version cursor stands: `None` before the first page (no `after` is sent, which
/// the docs define as the first page), else the highest version delivered. Versions are the
/// spec's int64, so a cursor may be negative; `Option`'s order puts `None` below every
/// version, so `Some(v) > cursor` is "v is past the cursor" whatever the sign.
pub type Cursor = Option<i64>;

/// A cursor as a request shows it: `after=123`, or `start` before the first page.
pub fn cursor_text(c: Cursor) -> String {
    match c {
        Some(v) => format!("after={v}"),
        None => "at the start".to_string(),
    }
}

/// Times a non-advancing page is asked for again before giving up.
const STUCK_RETRIES: u32 = 3;

/// Most times one page is asked for again while other pagers of the same read keep moving
/// (see [`StuckCount`]), so a cursor stuck for good still ends in an error.
const STUCK_RETRIES_SHARED: u32 = 12;

/// Non-advancing answers in a row, shared by the pagers of one ranged read and reset by any
/// answer that moves one of them on. A store stuck for good is stuck for every range: the
/// read gives up once each open range has had about as many stale answers as a single
/// cursor gets ([`STUCK_RETRIES`] per open range, in a row across them), which, the ranges
/// being read side by side, takes about as long as a single cursor's giving up. A store
/// that only now and then answers stale keeps being retried: with `k` ranges open, the
/// read fails only after `3k + 1` stale answers in a row, where a single budget of 3 for
/// the whole read would fail a ranged read as often per answer as a single cursor fails
/// per page, and over its several ranges several times as often.
#[derive(Debug, Clone, Default)]
pub struct StuckCount(std::sync::Arc<StuckShared>);

#[derive(Debug, Default)]
pub struct StuckShared {
    in_a_row: std::sync::atomic::AtomicU32,
    /// Pagers still reading (a ranged read's open ranges).
    open: std::sync::atomic::AtomicU32,
    /// Pages of the read that came after stale answers (see [`advanced`]).
    recovered: std::sync::atomic::AtomicU32,
}

impl StuckCount {
    fn reset(&self) {
        self.0
            .in_a_row
            .store(0, std::sync::atomic::Ordering::Relaxed);
    }
    fn bump(&self) -> u32 {
        self.0
            .in_a_row
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed)
            + 1
    }
    /// Stale answers in a row the read bears before giving up.
    fn budget(&self) -> u32 {
        STUCK_RETRIES
            * self
                .0
                .open
                .load(std::sync::atomic::Ordering::Relaxed)
                .max(1)
    }
    fn recovered(&self) -> u32 {
        self.0.recovered.load(std::sync::atomic::Ordering::Relaxed)
    }
    fn recover(&self) {
        self.0
            .recovered
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    }
    /// A pager starts reading with this count; it counts as open until the guard is dropped
    /// (however its reader ends, a panic too).
    pub fn open(&self) -> OpenReader {
        self.0
            .open
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        OpenReader(self.clone())
    }
}

/// A reader counted as open by its [`StuckCount`] ([`StuckCount::open`]).
#[derive(Debug)]
pub struct OpenReader(StuckCount);

impl Drop for OpenReader {
    fn drop(&mut self) {
        let _ = (self.0).0.open.fetch_update(
            std::sync::atomic::Ordering::Relaxed,
            std::sync::atomic::Ordering::Relaxed,
            |n| Some(n.saturating_sub(1)),
        );
    }
}

/// Whether a page whose highest version is `max` moved the cursor past `after`. If not, waits
/// (backoff, by this page's own count) and returns `Ok(false)` so the caller asks again, up
/// to [`STUCK_RETRIES`] times in a row, plus one for each page of this pager that came after
/// stale answers (`recovered`) (with `shared`: the read's budget, counted over every
/// pager sharing it, and at most [`STUCK_RETRIES_SHARED`] for this page), then gives up with
/// [`ApiError::CursorStuck`]. `unversioned`: no item of the page carries a version (nor
/// does its envelope), which gets a message of its own.
#[allow(clippy::too_many_arguments)]
async fn advanced(
    client: &Client,
    path: &str,
    after: Cursor,
    max: i64,
    unversioned: bool,
    stuck: &mut u32,
    recovered: &mut u32,
    shared: Option<&StuckCount>,
) -> Result<bool, ApiError> {
    if Some(max) > after {
        if let Some(s) = shared {
            s.reset();
        }
        if *stuck > 0 {
            *recovered += 1;
            client.stale_recovered();
            if let Some(s) = shared {
                s.recover();
            }
        }
        return Ok(true);
    }
    *stuck += 1;
    // A store that answered stale and then moved on is slow to catch up, not stuck: each
    // time it did (in this read, or for this client), it is borne one more stale answer in
    // a row (up to
    // STUCK_RETRIES_SHARED in all). One stuck for good from the start still ends after
    // STUCK_RETRIES (per open range).
    let earned = shared
        .map_or(*recovered, StuckCount::recovered)
        .max(*recovered)
        .max(client.stale_recoveries())
        .min(STUCK_RETRIES_SHARED - STUCK_RETRIES);
    let over = match shared {
        Some(s) => s.bump() > s.budget() + earned || *stuck > STUCK_RETRIES_SHARED,
        None => *stuck > STUCK_RETRIES + earned,
    };
    if over {
        return Err(ApiError::CursorStuck {
            path: path.to_string(),
            cursor: cursor_text(after),
            why: if unversioned {
                Stuck::NoVersions
            } else {
                Stuck::Version
            },
            times: *stuck,
        });
    }
    tracing::warn!(
        path,
        ?after,
        "page did not advance the cursor; asking again"
    );
    client
        .options()
        .clock
        .sleep(client.options().retry.delay(*stuck))
        .await;
    Ok(false)
}

/// What the version-cursor pagers share, for callers that pull pages on a task of their own.
pub trait Pager: Send + 'static {
    type Item: Send + 'static;
    fn next_page(
        &mut self,
    ) -> impl std::future::Future<Output = Result<Option<Page<Self::Item>>, ApiError>> + Send;
}

impl<T: DeserializeOwned + Versioned + Send + 'static> Pager for VersionPager<T> {
    type Item = T;
    fn next_page(
        &mut self,
    ) -> impl std::future::Future<Output = Result<Option<Page<T>>, ApiError>> + Send {
        VersionPager::next_page(self)
    }
}

impl<T: DeserializeOwned + Versioned + Send + 'static> Pager for InventoryPager<T> {
    type Item = T;
    fn next_page(
        &mut self,
    ) -> impl std::future::Future<Output = Result<Option<Page<T>>, ApiError>> + Send {
        InventoryPager::next_page(self)
    }
}

#[derive(Debug, Clone)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// The cursor after this page (the highest version in it).
    pub next_after: Cursor,
    /// Rows that were `null` (left out of `items`): the store sent something it should not
    /// have, and the caller must not treat the read as complete.
    pub null_rows: u64,
    /// The store answered `{"data": null}` (no list at all): the read ends here, and is not
    /// a complete one. Such a page has no items.
    pub null_data: bool,
    /// Entries in the answer, as sent (null rows and rows at or below the cursor included):
    /// fewer than a full page's means the store had no more at the time.
    pub rows: u64,
}

/// A version-cursor envelope as sent, so that `data: null` and null rows can be told apart
/// from an empty list (which ends the read).
#[derive(serde::Deserialize)]
#[serde(bound(deserialize = "T: DeserializeOwned"))]
struct RawCollection<T> {
    #[serde(default)]
    data: Option<Vec<Option<T>>>,
    #[serde(default)]
    version: Option<super::models::VersionRange>,
}

/// `GET <path>?after=&page_size=[&deleted=true]`, envelope `{data, version:{min,max}}`.
pub struct VersionPager<T> {
    client: Client,
    path: String,
    extra: Vec<(String, String)>,
    after: Cursor,
    /// Highest version read (a range read, [`RangedRead`]).
    upto: Option<i64>,
    page_size: u64,
    done: bool,
    stuck: Option<StuckCount>,
    /// Pages that came after stale answers (see [`advanced`]).
    recovered: u32,
    _t: std::marker::PhantomData<fn() -> T>,
}

impl<T: DeserializeOwned + Versioned> VersionPager<T> {
    /// `after`: `None` to read from the start, else a saved cursor.
    pub fn new(client: &Client, path: &str, after: Cursor) -> Self {
        Self {
            page_size: client.options().page_size,
            client: client.clone(),
            path: path.to_string(),
            extra: Vec::new(),
            after,
            upto: None,
            done: false,
            stuck: None,
            recovered: 0,
            _t: std::marker::PhantomData,
        }
    }
    /// Counts non-advancing answers together with the other pagers of one read.
    pub fn stuck_count(mut self, count: StuckCount) -> Self {
        self.stuck = Some(count);
        self
    }
    pub fn include_deleted(mut self, yes: bool) -> Self {
        if yes {
            self.extra.push(("deleted".into(), "true".into()));
        }
        self
    }
    pub fn page_size(mut self, n: u64) -> Self {
        self.page_size = n.max(1);
        self
    }
    /// Delivers only versions up to and including `upto`, and ends at the first page that
    /// reaches past it. No `before` is sent: a page cut at the bound would come back short,
    /// and only one more (empty) page could then say the range is done, where a page that
    /// runs past the bound says so itself; the rows past it are dropped (they are the next
    /// range's).
    pub fn upto(mut self, upto: Option<i64>) -> Self {
        self.upto = upto;
        self
    }
    pub fn after(&self) -> Cursor {
        self.after
    }

    /// The next page, or `None` once the store answers with an empty page.
    pub async fn next_page(&mut self) -> Result<Option<Page<T>>, ApiError> {
        if self.done {
            return Ok(None);
        }
        let mut stuck = 0;
        let endpoint = self.path.split('?').next().unwrap_or("").to_string();
        loop {
            let page: RawCollection<T> = self
                .client
                .call_paged(&endpoint, self.page_size, |n| {
                    let mut req = Req::get(self.path.clone());
                    if let Some(a) = self.after {
                        req = req.query("after", a);
                    }
                    req = req.query("page_size", n);
                    for (k, v) in &self.extra {
                        req = req.query(k, v);
                    }
                    Ok(req)
                })
                .await?;
            let Some(data) = page.data else {
                self.done = true;
                return Ok(Some(Page {
                    items: Vec::new(),
                    next_after: self.after,
                    null_rows: 0,
                    null_data: true,
                    rows: 0,
                }));
            };
            if data.is_empty() {
                self.done = true;
                return Ok(None);
            }
            let null_rows = data.iter().filter(|r| r.is_none()).count() as u64;
            let rows = data.len() as u64;
            let items_max = data.iter().flatten().map(Versioned::version).max();
            let env_max = page.version.and_then(|v| v.max);
            let seen_max = items_max.max(env_max);
            if null_rows > 0 && seen_max.is_none_or(|m| Some(m) <= self.after) {
                // Nothing but null rows, and no version to move on to: the read ends here.
                self.done = true;
                return Ok(Some(Page {
                    items: Vec::new(),
                    next_after: self.after,
                    null_rows,
                    null_data: false,
                    rows,
                }));
            }
            let max = seen_max.unwrap_or(0);
            let unversioned = env_max.is_none() && data.iter().flatten().all(|t| t.version() == 0);
            if !advanced(
                &self.client,
                &self.path,
                self.after,
                max,
                unversioned,
                &mut stuck,
                &mut self.recovered,
                self.stuck.as_ref(),
            )
            .await?
            {
                continue;
            }
            // Rows at or below the cursor were already delivered; a replayed row must not
            // be delivered twice.
            let after = self.after;
            let upto = self.upto.unwrap_or(i64::MAX);
            let items: Vec<T> = data
                .into_iter()
                .flatten()
                .filter(|t| Some(t.version()) > after && t.version() <= upto)
                .collect();
            self.after = Some(max);
            if max >= upto {
                self.done = true;
            }
            return Ok(Some(Page {
                items,
                next_after: Some(max),
                null_rows,
                null_data: false,
                rows,
            }));
        }
    }

    /// Every remaining row (for small collections: outlets, registers, taxes…).
    pub async fn collect_all(mut self) -> Result<Vec<T>, ApiError> {
        let mut out = Vec::new();
        while let Some(p) = self.next_page().await? {
            out.extend(p.items);
        }
        Ok(out)
    }
}

/// `POST /inventory {after, size, sort_direction:"asc", include_deleted}` → bare array.
/// The spec's default order is *descending*, which cannot be paged by `after`, so the
/// direction is always sent explicitly.
/// `T` is [`InventoryRecord`], or a leaner type such as [`StockRecord`] when only the
/// level is wanted (a catalog's stock is several records per product, and parsing fields
/// nobody reads is most of the cost).
pub struct InventoryPager<T = InventoryRecord> {
    client: Client,
    after: Cursor,
    /// Upper version bound of a range read ([`inventory_ranges`]).
    before: Option<i64>,
    /// The bound sent, when not `before` ([`InventoryPager::ask_before`]).
    ask: Option<i64>,
    size: u64,
    include_deleted: bool,
    done: bool,
    stuck: Option<StuckCount>,
    /// Pages that came after stale answers (see [`advanced`]).
    recovered: u32,
    _t: std::marker::PhantomData<fn() -> T>,
}

impl InventoryPager {
    /// `after`: `None` to read from the start, else a saved cursor.
    pub fn new(client: &Client, after: Cursor) -> Self {
        Self {
            size: inventory_size(client),
            client: client.clone(),
            after,
            before: None,
            ask: None,
            include_deleted: false,
            done: false,
            stuck: None,
            recovered: 0,
            _t: std::marker::PhantomData,
        }
    }

    /// The same pager, delivering records as `U`.
    pub fn records<U>(self) -> InventoryPager<U> {
        InventoryPager {
            client: self.client,
            after: self.after,
            before: self.before,
            ask: self.ask,
            size: self.size,
            include_deleted: self.include_deleted,
            done: self.done,
            stuck: self.stuck,
            recovered: self.recovered,
            _t: std::marker::PhantomData,
        }
    }
}

impl<T: DeserializeOwned + Versioned> InventoryPager<T> {
    pub fn include_deleted(mut self, yes: bool) -> Self {
        self.include_deleted = yes;
        self
    }
    pub fn size(mut self, n: u64) -> Self {
        self.size = n.clamp(1, 5000);
        self
    }
    /// Counts non-advancing answers together with the other pagers of one read.
    pub fn stuck_count(mut self, count: StuckCount) -> Self {
        self.stuck = Some(count);
        self
    }
    /// Reads only versions up to `before` (sent as the request's `before`). The spec does
    /// not say whether the bound is inclusive, so ranges from [`inventory_ranges`] overlap
    /// by one version; records a server sends past the bound (one that ignored it) are
    /// dropped, and the read ends there.
    pub fn before(mut self, before: Option<i64>) -> Self {
        self.before = before;
        self
    }
    /// Sends `ask` as the request's `before` instead of [`InventoryPager::before`]'s bound,
    /// which still ends the read. Asked with the next range's end, the range's last page
    /// runs past its own end, which says the range is done, where a page cut at the end
    /// would come back short and need an empty page more to say so.
    pub fn ask_before(mut self, ask: Option<i64>) -> Self {
        self.ask = ask;
        self
    }
    pub fn after(&self) -> Cursor {
        self.after
    }

    pub async fn next_page(&mut self) -> Result<Option<Page<T>>, ApiError> {
        if self.done {
            return Ok(None);
        }
        let mut stuck = 0;
        loop {
            let data: Vec<T> = self
                .client
                .call_paged("/inventory", self.size, |n| {
                    let body = InventoryRequest {
                        after: self.after,
                        before: self.ask.or(self.before),
                        size: Some(n),
                        sort_direction: Some("asc".into()),
                        include_deleted: Some(self.include_deleted),
                        ..InventoryRequest::default()
                    };
                    Req::get("/inventory").json(Method::POST, &body)
                })
                .await?;
            if data.is_empty() {
                self.done = true;
                return Ok(None);
            }
            let rows = data.len() as u64;
            let max = data.iter().map(Versioned::version).max().unwrap_or(0);
            let unversioned = data.iter().all(|r| r.version() == 0);
            if !advanced(
                &self.client,
                "/inventory",
                self.after,
                max,
                unversioned,
                &mut stuck,
                &mut self.recovered,
                self.stuck.as_ref(),
            )
            .await?
            {
                continue;
            }
            let after = self.after;
            // Past the bound only when the server ignored it: those records are the next
            // range's, which reads them as newer.
            let before = self.before.unwrap_or(i64::MAX);
            let items = data
                .into_iter()
                .filter(|r| Some(r.version()) > after && r.version() <= before)
                .collect();
            self.after = Some(max);
            if max > before {
                self.done = true;
            }
            return Ok(Some(Page {
                items,
                next_after: Some(max),
                null_rows: 0,
                null_data: false,
                rows,
            }));
        }
    }
}

/// The client's inventory page size, within the spec's 1..=5000.
fn inventory_size(client: &Client) -> u64 {
    client.options().inventory_page_size.clamp(1, 5000)
}

/// The highest (or with `desc == false`, lowest) version in the stock feed, from one
/// single-record request; `None` when the feed is empty.
async fn inventory_edge(
    client: &Client,
    desc: bool,
    include_deleted: bool,
) -> Result<Option<i64>, ApiError> {
    let body = InventoryRequest {
        size: Some(1),
        sort_direction: Some(if desc { "desc" } else { "asc" }.into()),
        include_deleted: Some(include_deleted),
        ..InventoryRequest::default()
    };
    let req = Req::get("/inventory").json(Method::POST, &body)?;
    let data: Vec<StockRecord> = client.call(req).await?;
    Ok(data.iter().map(|r| r.version).max())
}

/// Splits a whole read of the stock feed into up to `n` version ranges `(after, before)`
/// that can be read at the same time, each with [`InventoryPager::before`]. A catalog's
/// stock is several records per product, and a cursor can only be followed one page at a
/// time; reading ranges side by side lets the store serve one while another is parsed (and,
/// against a distant store, overlaps the round trips). Costs two single-record requests to
/// find the feed's first and last versions; the ranges are equal slices of that span, the
/// first starts at the start (`None`) and the last has no upper bound. Adjacent ranges share
/// one version, whichever way the server reads `before`, so a record read twice must be
/// harmless to the caller (the later range's read wins). The last range can end while an
/// earlier one still reads; a record changed after that has left the earlier range's span,
/// so the caller reads on from where the last range ended once all are done.
pub async fn inventory_ranges(
    client: &Client,
    n: u64,
    include_deleted: bool,
) -> Result<Vec<(Cursor, Option<i64>)>, ApiError> {
    let size = inventory_size(client);
    let edges = tokio::try_join!(
        inventory_edge(client, false, include_deleted),
        inventory_edge(client, true, include_deleted),
    )?;
    let (Some(lo), Some(hi)) = edges else {
        return Ok(vec![(None, None)]);
    };
    // Versions are not dense (they are global to the store), so a span is only a guess at
    // a count; a small span is not worth splitting. Versions may be negative: the span is
    // an unsigned distance.
    let span = hi.abs_diff(lo);
    let n = n.clamp(1, (span / size).max(1));
    let step = span / n;
    let mut ranges = Vec::new();
    let mut after = None;
    for i in 1..n {
        // lo + step·i ≤ hi, so it fits in an i64.
        let cut = (i128::from(lo) + i128::from(step) * i128::from(i)) as i64;
        ranges.push((after, Some(cut.saturating_add(1))));
        after = Some(cut);
    }
    ranges.push((after, None));
    Ok(ranges)
}

/// What [`inventory_plan`] found: the feed's first page and the ranges after it.
pub struct StockPlan<T> {
    /// The feed's first page (ascending, a full page's size); `None` when the feed is empty.
    pub first: Option<Page<T>>,
    /// `(after, before)` ranges above the first page, as [`inventory_ranges`] cuts them;
    /// none when the first page held the whole feed (it came back short).
    pub ranges: Vec<(Cursor, Option<i64>)>,
    /// The feed's highest version, from the descending probe.
    pub top: Option<i64>,
}

/// [`inventory_ranges`] for a read that starts now: its ascending probe is the feed's whole
/// first page (what a single-record probe would learn, plus a page of records), sent
/// together with the descending probe, and the ranges cut what lies above it. A request
/// less than [`inventory_ranges`] and the first page's range, in the same round trip.
pub async fn inventory_plan<T: DeserializeOwned + Versioned>(
    client: &Client,
    n: u64,
    include_deleted: bool,
) -> Result<StockPlan<T>, ApiError> {
    let size = inventory_size(client);
    let mut pager = InventoryPager::new(client, None)
        .include_deleted(include_deleted)
        .records::<T>();
    let (first, hi) = tokio::try_join!(
        pager.next_page(),
        inventory_edge(client, true, include_deleted),
    )?;
    let Some(first) = first else {
        return Ok(StockPlan {
            first: None,
            ranges: Vec::new(),
            top: hi,
        });
    };
    let lo = first.next_after;
    // A store that refused the size asked for: the size it took is a full page.
    let size = client
        .page_size_for("/inventory")
        .map_or(size, |k| k.min(size));
    if first.rows < size {
        return Ok(StockPlan {
            first: Some(first),
            ranges: Vec::new(),
            top: hi,
        });
    }
    let (Some(lo_v), Some(hi)) = (lo, hi) else {
        return Ok(StockPlan {
            first: Some(first),
            ranges: vec![(lo, None)],
            top: hi,
        });
    };
    let span = hi.saturating_sub(lo_v).max(0) as u64;
    let n = n.clamp(1, (span / size).max(1));
    let step = span / n;
    let mut ranges = Vec::new();
    let mut after = lo;
    for i in 1..n {
        // lo + step·i ≤ hi, so it fits in an i64.
        let cut = (i128::from(lo_v) + i128::from(step) * i128::from(i)) as i64;
        ranges.push((after, Some(cut.saturating_add(1))));
        after = Some(cut);
    }
    ranges.push((after, None));
    Ok(StockPlan {
        first: Some(first),
        ranges,
        top: Some(hi),
    })
}

/// `GET /product_categories?after=<last id>&page_size=` with `page_info{has_next,last_seen}`.
pub struct CategoryPager {
    client: Client,
    after: Option<String>,
    /// Every `last_seen` answered so far: one answered again means the store went back.
    seen: std::collections::HashSet<String>,
    page_size: u64,
    done: bool,
}

impl CategoryPager {
    pub fn new(client: &Client) -> Self {
        Self {
            client: client.clone(),
            after: None,
            seen: std::collections::HashSet::new(),
            page_size: 1000,
            done: false,
        }
    }
    pub fn page_size(mut self, n: u64) -> Self {
        self.page_size = n.max(1);
        self
    }

    pub async fn next_page(&mut self) -> Result<Option<Vec<ProductCategory>>, ApiError> {
        if self.done {
            return Ok(None);
        }
        let page: CategoryPage = self
            .client
            .call_paged("/product_categories", self.page_size, |n| {
                let mut req = Req::get("/product_categories").query("page_size", n);
                if let Some(a) = &self.after {
                    req = req.query("after", a);
                }
                Ok(req)
            })
            .await?;
        let cats = page.data.categories;
        match page.page_info.last_seen {
            Some(last) if page.page_info.has_next => {
                // An id cursor cannot be checked for progress by order (ids are not
                // sorted); a page that ends at an id a page already ended at is a repeat.
                if !self.seen.insert(last.clone()) {
                    return Err(ApiError::CursorStuck {
                        path: "/product_categories".into(),
                        cursor: format!("last_seen={}", super::error::excerpt(&last, 80)),
                        why: Stuck::SameId,
                        times: 2,
                    });
                }
                self.after = Some(last);
            }
            _ => self.done = true,
        }
        if cats.is_empty() && self.done {
            return Ok(None);
        }
        Ok(Some(cats))
    }

    pub async fn collect_all(mut self) -> Result<Vec<ProductCategory>, ApiError> {
        let mut out = Vec::new();
        while let Some(p) = self.next_page().await? {
            out.extend(p);
        }
        Ok(out)
    }
}

/// One version range of a [`RangedRead`], as a checkpoint keeps it: versions above `after`
/// and up to `upto` (the last range has no upper end).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ReadRange {
    #[serde(default)]
    pub after: Cursor,
    #[serde(default)]
    pub upto: Option<i64>,
    /// Read to its end (the last range is only ever done when the whole read is).
    #[serde(default)]
    pub done: bool,
}

impl ReadRange {
    pub fn open(after: Cursor) -> ReadRange {
        ReadRange {
            after,
            upto: None,
            done: false,
        }
    }

    /// A lower range that ended on an empty page below its end (the feed had nothing above
    /// its cursor then): a row changed later can take a version in what is left of its span,
    /// so the last pass reads that part too.
    fn unread(&self, v: i64) -> bool {
        self.done && Some(v) > self.after && self.upto.is_some_and(|u| v <= u)
    }
}

/// A version-cursor collection cut into ranges ([`version_ranges`]).
#[derive(Debug, Clone)]
pub struct RangePlan<T> {
    /// The ranges after the first page (the first starts where that page ended).
    pub ranges: Vec<ReadRange>,
    /// A version every row had reached when the read began (the hint, or the first page's
    /// top if higher). A row delivered above it by the last range may have changed during
    /// the read, so a lower range may still hold an older copy of it.
    pub floor: Cursor,
    /// The collection's first page, read to find where it starts: the read's first page.
    /// `None` when the collection answered empty.
    pub first: Option<Page<T>>,
    /// The first page ended the read (an empty list, or `data: null`): nothing more is read.
    pub ended: bool,
    /// Nothing is read ahead: the first page looked like all there is, so the read goes on
    /// with its last pass, one page as the caller asks (one empty page, as a single cursor).
    pub last_pass: bool,
    /// How the first page was read; the ranges are read the same way.
    pub page_size: u64,
    pub include_deleted: bool,
}

/// Cuts `(start, …)` into up to `n` ranges of about equal row counts: `rows` more rows are
/// expected (estimated by the caller), spaced as the first page's were (`gap` versions a
/// row), and not above `hint` (versions are global to the store, so its top so far is a
/// likely bound). Without an estimate the span up to `hint` is cut in equal slices. The
/// last range is open, so rows above the cuts are read anyway: the cuts only balance the
/// work. Each range gets at least a page's worth of rows.
fn cut(
    start: i64,
    gap: Option<f64>,
    rows: Option<u64>,
    hint: Cursor,
    n: u64,
    full: u64,
) -> Vec<ReadRange> {
    let clamp = |x: i128| x.clamp(i64::MIN.into(), i64::MAX.into()) as i64;
    let start_w = i128::from(start);
    let top = match (rows, gap) {
        (Some(r), Some(g)) => Some(start_w + (g * r as f64) as i128),
        _ => None,
    };
    let top = match (top, hint) {
        (Some(t), Some(h)) if i128::from(h) > start_w => Some(t.min(h.into())),
        (Some(t), _) => Some(t),
        (None, Some(h)) if i128::from(h) > start_w => Some(h.into()),
        (None, _) => None,
    };
    let span = top.map_or(0, |t| t - start_w);
    let pages = match (rows, gap) {
        (Some(r), _) => r / full.max(1),
        // Only a span: a row a version, at most.
        (None, _) => u64::try_from(span / i128::from(full.max(1))).unwrap_or(u64::MAX),
    };
    let n = n.clamp(1, pages.max(1));
    if span <= 0 || n == 1 {
        return vec![ReadRange::open(Some(start))];
    }
    let mut ranges = Vec::new();
    let mut after = Some(start);
    for i in 1..n {
        let c = clamp(start_w + span * i128::from(i) / i128::from(n));
        ranges.push(ReadRange {
            after,
            upto: Some(c),
            done: false,
        });
        after = Some(c);
    }
    ranges.push(ReadRange::open(after));
    ranges
}

/// The first page of a version-cursor collection, as [`plan_ranges`] wants it (it can be
/// read while other things are, e.g. the stock feed that gives the plan its estimate).
pub async fn first_page<T: DeserializeOwned + Versioned>(
    client: &Client,
    path: &str,
    page_size: u64,
    include_deleted: bool,
) -> Result<Option<Page<T>>, ApiError> {
    VersionPager::<T>::new(client, path, None)
        .page_size(page_size)
        .include_deleted(include_deleted)
        .next_page()
        .await
}

/// [`first_page`] then [`plan_ranges`].
pub async fn version_ranges<T: DeserializeOwned + Versioned>(
    client: &Client,
    path: &str,
    n: u64,
    hint: Cursor,
    estimate: impl FnOnce(&Page<T>) -> Option<u64>,
    page_size: u64,
    include_deleted: bool,
) -> Result<RangePlan<T>, ApiError> {
    let first = first_page(client, path, page_size, include_deleted).await?;
    Ok(plan_ranges(
        first,
        n,
        hint,
        estimate,
        page_size,
        include_deleted,
    ))
}

/// Plans a [`RangedRead`] of a version-cursor collection (`GET /products`) from its first
/// page (what the store answered first is the read's answer): cuts the rest into up to `n`
/// ranges without asking the store anything more. `estimate` says, from that page, how
/// many rows the whole collection has (e.g. from the stock feed already read); the first
/// page's spacing of versions turns that into a span, bounded by `hint`, the highest
/// version seen elsewhere. The cuts are a guess at equal counts: the last range is open,
/// so whatever lies above them is read anyway, and a guess too high leaves a range empty
/// (one request) but loses nothing.
pub fn plan_ranges<T: Versioned>(
    first: Option<Page<T>>,
    n: u64,
    hint: Cursor,
    estimate: impl FnOnce(&Page<T>) -> Option<u64>,
    page_size: u64,
    include_deleted: bool,
) -> RangePlan<T> {
    let plan = |first: Option<Page<T>>, ranges: Option<Vec<ReadRange>>, ended, last_pass| {
        let start = first.as_ref().and_then(|p| p.next_after);
        RangePlan {
            ranges: ranges.unwrap_or_else(|| vec![ReadRange::open(start)]),
            floor: start.max(hint),
            first,
            ended,
            last_pass,
            page_size,
            include_deleted,
        }
    };
    let Some(first) = first else {
        return plan(None, None, true, false);
    };
    if first.null_data {
        return plan(Some(first), None, true, false);
    }
    let Some(start) = first.next_after else {
        return plan(Some(first), None, false, false);
    };
    let total = estimate(&first);
    let rest = total.map(|t| t.saturating_sub(first.rows));
    if rest == Some(0) || (total.is_none() && first.rows < page_size) {
        return plan(Some(first), None, false, true);
    }
    let lowest = first.items.iter().map(Versioned::version).min();
    let gap = match (lowest, first.items.len()) {
        (Some(lo), k) if k >= 2 && start > lo => {
            Some((i128::from(start) - i128::from(lo)) as f64 / (k - 1) as f64)
        }
        _ => None,
    };
    let ranges = cut(start, gap, rest, hint, n, first.rows.max(1));
    plan(Some(first), Some(ranges), false, false)
}

/// A page of a [`RangedRead`], with the range it came from.
#[derive(Debug)]
pub struct RangedPage<T> {
    pub rank: usize,
    pub items: Vec<T>,
    /// The range's cursor after this page.
    pub next_after: Cursor,
    /// As in [`Page`]: rows that were `null`, and a page answered with no list.
    pub null_rows: u64,
    pub null_data: bool,
}

impl<T> RangedPage<T> {
    fn of(rank: usize, page: Page<T>) -> Self {
        RangedPage {
            rank,
            items: page.items,
            next_after: page.next_after,
            null_rows: page.null_rows,
            null_data: page.null_data,
        }
    }
}

/// Where a ranged read stands, and which rows it must no longer deliver: the part of
/// [`RangedRead`] that does not do I/O.
#[derive(Debug, Clone)]
pub struct RangeMerge {
    ranges: Vec<ReadRange>,
    floor: Cursor,
    /// Ids the last range delivered above `floor`: changed during the read, so an older
    /// copy still on its way from a lower range must be dropped.
    moved: rustc_hash::FxHashSet<String>,
}

impl RangeMerge {
    pub fn new(ranges: Vec<ReadRange>, floor: Cursor) -> RangeMerge {
        let mut ranges = ranges;
        if ranges.is_empty() {
            ranges.push(ReadRange::open(None));
        }
        // Only the last range is open; a checkpoint's last range is read again (its end is
        // only known once every other range is done).
        if let Some(top) = ranges.last_mut() {
            top.upto = None;
            top.done = false;
        }
        RangeMerge {
            ranges,
            floor,
            moved: Default::default(),
        }
    }

    pub fn ranges(&self) -> &[ReadRange] {
        &self.ranges
    }

    pub fn floor(&self) -> Cursor {
        self.floor
    }

    fn top(&self) -> usize {
        self.ranges.len() - 1
    }

    /// Takes a page of range `rank` whose cursor is now `next_after`; keeps the rows to
    /// deliver. A row meets two ranges only when it changed during the read: its newer copy
    /// is in the last range, and whichever copy comes second, the higher version stays.
    pub fn page<T: Versioned>(&mut self, rank: usize, next_after: Cursor, items: &mut Vec<T>) {
        let top = self.top();
        if let Some(r) = self.ranges.get_mut(rank) {
            r.after = r.after.max(next_after);
        }
        if rank == top {
            for t in items.iter() {
                if Some(t.version()) > self.floor {
                    self.moved.insert(t.id().to_string());
                }
            }
        } else if !self.moved.is_empty() {
            items.retain(|t| !self.moved.contains(t.id()));
        }
    }

    /// Lower range `rank` has no more pages. Whether every lower range is done.
    pub fn ended(&mut self, rank: usize) -> bool {
        let top = self.top();
        if rank < top {
            self.ranges[rank].done = true;
        }
        self.ranges[..top].iter().all(|r| r.done)
    }

    /// The last pass: where it starts, and which versions it delivers (those above where
    /// the last range got to, and those in what lower ranges that ended early left unread).
    pub fn last_pass(&self) -> LastPass {
        let top = self.ranges[self.top()];
        let lower: Vec<ReadRange> = self.ranges[..self.top()]
            .iter()
            .filter(|r| r.done && r.upto.is_some_and(|u| Some(u) > r.after))
            .copied()
            .collect();
        let from = lower.iter().map(|r| r.after).fold(top.after, Cursor::min);
        LastPass {
            from,
            above: top.after,
            lower,
        }
    }

    fn finish(&mut self) {
        for r in &mut self.ranges {
            r.done = true;
        }
    }
}

/// What the last pass of a [`RangedRead`] reads ([`RangeMerge::last_pass`]).
#[derive(Debug, Clone, PartialEq)]
pub struct LastPass {
    pub from: Cursor,
    above: Cursor,
    lower: Vec<ReadRange>,
}

impl LastPass {
    /// Whether the pass delivers version `v`: not one a range already read past.
    pub fn keeps(&self, v: i64) -> bool {
        Some(v) > self.above || self.lower.iter().any(|r| r.unread(v))
    }
}

type RangeMsg<T> = (usize, Result<Option<Page<T>>, ApiError>);

/// Called by a reader task before each page it asks for (a test hook: the caller's may panic).
pub type ReaderHook = std::sync::Arc<dyn Fn() + Send + Sync>;

/// A version-cursor collection read as ranges side by side (one task each, every request
/// through the client's governor), pages handed out one at a time in the order they
/// arrive; then a last pass, read a page at a time as the caller asks, from where the last
/// range got to. The last range reads ahead only while its pages come back full: a short
/// page is most likely the feed's end, and the last pass's one empty page then ends the
/// read as a single cursor's would, after every other page was handed out, so a row changed
/// before that is read (it moved past every range's end). Each row version is delivered
/// once; a row delivered again is newer than its earlier delivery. Resumes from
/// [`RangedRead::ranges`] saved after any page.
pub struct RangedRead<T> {
    client: Client,
    path: String,
    include_deleted: bool,
    page_size: u64,
    merge: RangeMerge,
    rx: Option<tokio::sync::mpsc::Receiver<RangeMsg<T>>>,
    /// Reader tasks that have not reported their end, by rank.
    tasks: Vec<(usize, tokio::task::JoinHandle<()>)>,
    /// A reader that stopped without reporting its end (it panicked).
    failed: Option<tokio::task::JoinHandle<()>>,
    hook: Option<ReaderHook>,
    started: bool,
    /// The last range's reader stopped (a short or an empty page), or never starts.
    top_stopped: bool,
    /// The read is over.
    finished: bool,
    /// A page already read, handed out before any other.
    first: Option<Page<T>>,
    /// Most entries a page has had in this read: a full page.
    full: std::sync::Arc<std::sync::atomic::AtomicU64>,
    stuck: StuckCount,
    /// The last pass (see [`RangedRead::next_page`]).
    tail: Option<(VersionPager<T>, LastPass)>,
}

impl<T: DeserializeOwned + Versioned + Send + 'static> RangedRead<T> {
    pub fn new(client: &Client, path: &str, merge: RangeMerge) -> Self {
        RangedRead {
            client: client.clone(),
            path: path.to_string(),
            include_deleted: false,
            page_size: client.options().page_size,
            merge,
            rx: None,
            tasks: Vec::new(),
            failed: None,
            hook: None,
            started: false,
            top_stopped: false,
            finished: false,
            first: None,
            full: Default::default(),
            stuck: StuckCount::default(),
            tail: None,
        }
    }

    /// The read as `plan` left it: its first page handed out first, and nothing more when that
    /// page ended the read.
    pub fn from_plan(client: &Client, path: &str, plan: RangePlan<T>) -> Self {
        let mut read = RangedRead::new(client, path, RangeMerge::new(plan.ranges, plan.floor))
            .page_size(plan.page_size)
            .include_deleted(plan.include_deleted);
        if let Some(p) = &plan.first {
            read.full
                .store(p.rows, std::sync::atomic::Ordering::Relaxed);
        }
        read.first = plan.first;
        read.top_stopped = plan.last_pass;
        if plan.ended {
            read.started = true;
            read.finished = true;
        }
        read
    }
    pub fn include_deleted(mut self, yes: bool) -> Self {
        self.include_deleted = yes;
        self
    }
    pub fn page_size(mut self, n: u64) -> Self {
        self.page_size = n.max(1);
        self
    }
    pub fn hook(mut self, hook: Option<ReaderHook>) -> Self {
        self.hook = hook;
        self
    }

    /// Cursors as of the pages handed out so far: what a checkpoint saves.
    pub fn ranges(&self) -> &[ReadRange] {
        self.merge.ranges()
    }

    pub fn floor(&self) -> Cursor {
        self.merge.floor()
    }

    /// After an error from [`RangedRead::next_page`]: the reader task that stopped without
    /// reporting its end, if that was the cause (await it for its panic).
    pub fn take_failed(&mut self) -> Option<tokio::task::JoinHandle<()>> {
        self.failed.take()
    }

    /// Starts reading every range not done yet (the first [`RangedRead::next_page`] does
    /// otherwise), each on a task of its own.
    pub fn start(&mut self) {
        if self.started {
            return;
        }
        self.started = true;
        let top = self.merge.top();
        let ranks: Vec<usize> = (0..self.merge.ranges.len())
            .filter(|r| {
                let stopped = *r == top && self.top_stopped;
                !self.merge.ranges[*r].done && !stopped
            })
            .collect();
        let (tx, rx) = tokio::sync::mpsc::channel(2 * ranks.len().max(1));
        self.rx = Some(rx);
        for rank in ranks {
            let r = self.merge.ranges[rank];
            let mut pager = VersionPager::<T>::new(&self.client, &self.path, r.after)
                .include_deleted(self.include_deleted)
                .page_size(self.page_size)
                .upto(r.upto)
                .stuck_count(self.stuck.clone());
            let tx = tx.clone();
            let hook = self.hook.clone();
            let full = self.full.clone();
            let open = self.stuck.open();
            let task = tokio::spawn(async move {
                let _open = open;
                loop {
                    if let Some(h) = &hook {
                        h();
                    }
                    let r = pager.next_page().await;
                    let (more, short) = match &r {
                        Ok(Some(p)) => {
                            let most = full.fetch_max(p.rows, std::sync::atomic::Ordering::Relaxed);
                            (true, p.rows < most)
                        }
                        _ => (false, false),
                    };
                    if tx.send((rank, r)).await.is_err() || !more {
                        break;
                    }
                    // The last range stops at a short page: the last pass asks for what
                    // follows once everything else is handed out. (Empty, that page ends
                    // the read; read ahead, it would need asking again.)
                    if rank == top && short {
                        let _ = tx.send((rank, Ok(None))).await;
                        break;
                    }
                }
            });
            self.tasks.push((rank, task));
        }
    }

    /// The next page from whichever range has one; `None` once every range is read.
    pub async fn next_page(&mut self) -> Result<Option<RangedPage<T>>, ApiError> {
        self.start();
        if let Some(mut page) = self.first.take() {
            self.merge.page(0, page.next_after, &mut page.items);
            return Ok(Some(RangedPage::of(0, page)));
        }
        loop {
            if self.finished {
                return Ok(None);
            }
            let top = self.merge.top();
            if let Some((pager, pass)) = self.tail.as_mut() {
                return Ok(match pager.next_page().await? {
                    Some(mut page) => {
                        page.items.retain(|t| pass.keeps(t.version()));
                        self.merge.page(top, page.next_after, &mut page.items);
                        Some(RangedPage::of(top, page))
                    }
                    None => {
                        self.merge.finish();
                        self.finished = true;
                        None
                    }
                });
            }
            if self.tasks.is_empty() {
                // Every lower range is done and the last one has stopped.
                let pass = self.merge.last_pass();
                // The last pass keeps the read's count (what its recoveries earned).
                let pager = VersionPager::<T>::new(&self.client, &self.path, pass.from)
                    .include_deleted(self.include_deleted)
                    .page_size(self.page_size)
                    .stuck_count(self.stuck.clone());
                self.tail = Some((pager, pass));
                continue;
            }
            let msg = match self.rx.as_mut() {
                Some(rx) => rx.recv().await,
                None => None,
            };
            let Some((rank, r)) = msg else {
                // Every sender is gone, yet a task never reported its end.
                self.failed = self.tasks.pop().map(|t| t.1);
                self.tasks.clear();
                return Err(ApiError::Config(format!(
                    "the read of {} stopped before its end; run again to resume",
                    self.path
                )));
            };
            match r? {
                Some(mut page) => {
                    self.merge.page(rank, page.next_after, &mut page.items);
                    return Ok(Some(RangedPage::of(rank, page)));
                }
                None => {
                    self.tasks.retain(|t| t.0 != rank);
                    if rank == top {
                        self.top_stopped = true;
                    } else {
                        self.merge.ended(rank);
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Row(&'static str, i64);
    impl Versioned for Row {
        fn version(&self) -> i64 {
            self.1
        }
        fn id(&self) -> &str {
            self.0
        }
    }

    fn ids(rows: &[Row]) -> Vec<(&'static str, i64)> {
        rows.iter().map(|r| (r.0, r.1)).collect()
    }

    fn plan() -> RangeMerge {
        let r = |after, upto| ReadRange {
            after,
            upto,
            done: false,
        };
        RangeMerge::new(
            vec![
                r(None, Some(100)),
                r(Some(100), Some(200)),
                r(Some(200), None),
            ],
            Some(300),
        )
    }

    #[test]
    fn an_older_copy_arriving_after_the_newer_one_is_dropped() {
        let mut m = plan();
        // The top range already delivered "a" as changed during the read (above the floor).
        let mut top = vec![Row("z", 250), Row("a", 301)];
        m.page(2, Some(301), &mut top);
        assert_eq!(ids(&top), vec![("z", 250), ("a", 301)]);
        // The low range's page was fetched before the change and handed out after.
        let mut low = vec![Row("a", 10), Row("b", 20)];
        m.page(0, Some(20), &mut low);
        assert_eq!(ids(&low), vec![("b", 20)], "the older copy of a is dropped");
        // A row the top range delivered at its original version never came from a lower
        // range, and an older copy arriving first stays (the newer one overwrites it later).
        let mut mid = vec![Row("z", 150), Row("c", 160)];
        m.page(1, Some(160), &mut mid);
        assert_eq!(ids(&mid), vec![("z", 150), ("c", 160)]);
        assert_eq!(m.ranges()[0].after, Some(20));
        assert_eq!(m.ranges()[1].after, Some(160));
        assert_eq!(m.ranges()[2].after, Some(301));
    }

    #[test]
    fn the_last_pass_reads_above_the_last_range_and_what_early_ends_left() {
        let mut m = plan();
        // Range 1 read past its end (a page ran over 200): nothing of its span is left.
        m.page(1, Some(230), &mut Vec::<Row>::new());
        assert!(!m.ended(1));
        m.page(2, Some(260), &mut Vec::<Row>::new());
        // Range 0 met the feed's end at 40 (an empty page), short of its end at 100.
        m.page(0, Some(40), &mut Vec::<Row>::new());
        assert!(m.ended(0), "every lower range is done");
        let pass = m.last_pass();
        assert_eq!(pass.from, Some(40));
        for (v, kept) in [
            (40, false),
            (41, true),
            (100, true),
            (101, false),
            (230, false),
            (260, false),
            (261, true),
        ] {
            assert_eq!(pass.keeps(v), kept, "{v}");
        }
        // Lower ranges that read past their ends: the pass starts where the last one got to.
        let mut m = plan();
        m.page(0, Some(120), &mut Vec::<Row>::new());
        m.page(1, Some(200), &mut Vec::<Row>::new());
        m.page(2, Some(250), &mut Vec::<Row>::new());
        m.ended(0);
        m.ended(1);
        let pass = m.last_pass();
        assert_eq!(pass.from, Some(250));
        assert!(!pass.keeps(250) && pass.keeps(251));
    }

    #[test]
    fn cuts_share_the_expected_rows_out_and_stay_under_the_hint() {
        // 4,000 rows expected two versions apart above 1,000: cuts every 2,000 versions.
        let r = cut(1_000, Some(2.0), Some(4_000), Some(1_000_000), 4, 1_000);
        let ends: Vec<_> = r.iter().map(|r| (r.after, r.upto)).collect();
        assert_eq!(
            ends,
            vec![
                (Some(1_000), Some(3_000)),
                (Some(3_000), Some(5_000)),
                (Some(5_000), Some(7_000)),
                (Some(7_000), None)
            ]
        );
        // Bounded by the hint.
        let r = cut(1_000, Some(2.0), Some(4_000), Some(5_000), 4, 1_000);
        assert_eq!(r[0].upto, Some(2_000));
        // A range gets at least a page: 2,500 rows make two ranges.
        assert_eq!(cut(0, Some(1.0), Some(2_500), None, 4, 1_000).len(), 2);
        // Nothing to cut: one open range.
        assert_eq!(
            cut(0, None, None, None, 4, 1_000),
            vec![ReadRange::open(Some(0))]
        );
        // No estimate: equal slices up to the hint.
        let r = cut(0, None, None, Some(8_000), 4, 1_000);
        assert_eq!(r[1].after, Some(2_000));
        // Negative versions.
        let r = cut(-10_000, Some(1.0), Some(8_000), None, 4, 1_000);
        assert_eq!(r[1].after, Some(-8_000));
    }

    #[test]
    fn a_checkpoints_last_range_is_open_and_read_again() {
        let saved = vec![
            ReadRange {
                after: Some(-100),
                upto: Some(-100),
                done: true,
            },
            ReadRange {
                after: Some(400),
                upto: Some(7),
                done: true,
            },
        ];
        let m = RangeMerge::new(saved, Some(50));
        assert_eq!(m.ranges()[1], ReadRange::open(Some(400)));
        assert!(m.ranges()[0].done);
        assert_eq!(
            RangeMerge::new(vec![], None).ranges(),
            &[ReadRange::open(None)]
        );
    }
}
