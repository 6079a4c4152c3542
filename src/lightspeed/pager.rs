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
use super::error::ApiError;
pub use super::models::StockRecord;
use super::models::{
    CategoryPage, Collection, InventoryRecord, InventoryRequest, ProductCategory, Versioned,
};

/// Times a non-advancing page is asked for again before giving up.
const STUCK_RETRIES: u32 = 3;

/// Whether a page whose highest version is `max` moved the cursor past `after`. If not, waits
/// (backoff) and returns `Ok(false)` so the caller asks again, up to [`STUCK_RETRIES`] times,
/// then gives up with [`ApiError::CursorStuck`].
async fn advanced(
    client: &Client,
    path: &str,
    after: u64,
    max: u64,
    stuck: &mut u32,
) -> Result<bool, ApiError> {
    if max > after {
        return Ok(true);
    }
    *stuck += 1;
    if *stuck > STUCK_RETRIES {
        return Err(ApiError::CursorStuck {
            path: path.to_string(),
            after,
            times: *stuck,
        });
    }
    tracing::warn!(path, after, "page did not advance the cursor; asking again");
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
    pub next_after: u64,
}

/// `GET <path>?after=&page_size=[&deleted=true]`, envelope `{data, version:{min,max}}`.
pub struct VersionPager<T> {
    client: Client,
    path: String,
    extra: Vec<(String, String)>,
    after: u64,
    /// Highest version read (a range read, [`RangedRead`]).
    upto: Option<u64>,
    page_size: u64,
    done: bool,
    _t: std::marker::PhantomData<fn() -> T>,
}

impl<T: DeserializeOwned + Versioned> VersionPager<T> {
    pub fn new(client: &Client, path: &str, after: u64) -> Self {
        Self {
            page_size: client.options().page_size,
            client: client.clone(),
            path: path.to_string(),
            extra: Vec::new(),
            after,
            upto: None,
            done: false,
            _t: std::marker::PhantomData,
        }
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
    /// Reads only versions up to and including `upto`. The spec does not say whether the
    /// request's `before` is inclusive, so `upto + 1` is sent (either reading keeps `upto`
    /// in), anything past `upto` is dropped, and the read ends at the first page that reaches
    /// `upto`, without asking for an empty page when the bound is a version the store has.
    pub fn upto(mut self, upto: Option<u64>) -> Self {
        self.upto = upto;
        self
    }
    pub fn after(&self) -> u64 {
        self.after
    }

    /// The next page, or `None` once the store answers with an empty page.
    pub async fn next_page(&mut self) -> Result<Option<Page<T>>, ApiError> {
        if self.done {
            return Ok(None);
        }
        let mut stuck = 0;
        loop {
            let mut req = Req::get(self.path.clone())
                .query("after", self.after)
                .query("page_size", self.page_size);
            if let Some(u) = self.upto {
                req = req.query("before", u.saturating_add(1));
            }
            for (k, v) in &self.extra {
                req = req.query(k, v);
            }
            let page: Collection<T> = self.client.call(req).await?;
            if page.data.is_empty() {
                self.done = true;
                return Ok(None);
            }
            let items_max = page.data.iter().map(Versioned::version).max().unwrap_or(0);
            let env_max = page.version.and_then(|v| v.max).unwrap_or(0);
            let max = items_max.max(env_max);
            if !advanced(&self.client, &self.path, self.after, max, &mut stuck).await? {
                continue;
            }
            // Rows at or below the cursor were already delivered; a replayed row must not
            // be delivered twice.
            let after = self.after;
            let upto = self.upto.unwrap_or(u64::MAX);
            let items: Vec<T> = page
                .data
                .into_iter()
                .filter(|t| t.version() > after && t.version() <= upto)
                .collect();
            self.after = max;
            if max >= upto {
                self.done = true;
            }
            return Ok(Some(Page {
                items,
                next_after: max,
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
    after: u64,
    /// Upper version bound of a range read ([`inventory_ranges`]).
    before: Option<u64>,
    size: u64,
    include_deleted: bool,
    done: bool,
    _t: std::marker::PhantomData<fn() -> T>,
}

impl InventoryPager {
    pub fn new(client: &Client, after: u64) -> Self {
        Self {
            size: inventory_size(client),
            client: client.clone(),
            after,
            before: None,
            include_deleted: false,
            done: false,
            _t: std::marker::PhantomData,
        }
    }

    /// The same pager, delivering records as `U`.
    pub fn records<U>(self) -> InventoryPager<U> {
        InventoryPager {
            client: self.client,
            after: self.after,
            before: self.before,
            size: self.size,
            include_deleted: self.include_deleted,
            done: self.done,
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
    /// Reads only versions up to `before` (sent as the request's `before`). The spec does
    /// not say whether the bound is inclusive, so ranges from [`inventory_ranges`] overlap
    /// by one version; records a server sends past the bound (one that ignored it) are
    /// dropped, and the read ends there.
    pub fn before(mut self, before: Option<u64>) -> Self {
        self.before = before;
        self
    }
    pub fn after(&self) -> u64 {
        self.after
    }

    pub async fn next_page(&mut self) -> Result<Option<Page<T>>, ApiError> {
        if self.done {
            return Ok(None);
        }
        let mut stuck = 0;
        loop {
            let body = InventoryRequest {
                after: Some(self.after),
                before: self.before,
                size: Some(self.size),
                sort_direction: Some("asc".into()),
                include_deleted: Some(self.include_deleted),
                ..InventoryRequest::default()
            };
            let req = Req::get("/inventory").json(Method::POST, &body)?;
            let data: Vec<T> = self.client.call(req).await?;
            if data.is_empty() {
                self.done = true;
                return Ok(None);
            }
            let max = data.iter().map(Versioned::version).max().unwrap_or(0);
            if !advanced(&self.client, "/inventory", self.after, max, &mut stuck).await? {
                continue;
            }
            let after = self.after;
            // Past the bound only when the server ignored it: those records are the next
            // range's, which reads them as newer.
            let before = self.before.unwrap_or(u64::MAX);
            let items = data
                .into_iter()
                .filter(|r| r.version() > after && r.version() <= before)
                .collect();
            self.after = max;
            if max > before {
                self.done = true;
            }
            return Ok(Some(Page {
                items,
                next_after: max,
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
) -> Result<Option<u64>, ApiError> {
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
/// find the feed's first and last versions; the ranges are equal slices of that span, and
/// the last has no upper bound. Adjacent ranges share one version, whichever way the server
/// reads `before`, so a record read twice must be harmless to the caller (the later range's
/// read wins). The last range can end while an earlier one still reads; a record changed
/// after that has left the earlier range's span, so the caller reads on from where the last
/// range ended once all are done.
pub async fn inventory_ranges(
    client: &Client,
    n: u64,
    include_deleted: bool,
) -> Result<Vec<(u64, Option<u64>)>, ApiError> {
    let size = inventory_size(client);
    let (Some(lo), Some(hi)) = (
        inventory_edge(client, false, include_deleted).await?,
        inventory_edge(client, true, include_deleted).await?,
    ) else {
        return Ok(vec![(0, None)]);
    };
    // Versions are not dense (they are global to the store), so a span is only a guess at
    // a count; a small span is not worth splitting.
    let span = hi.saturating_sub(lo);
    let n = n.clamp(1, (span / size).max(1));
    let step = span / n;
    let mut ranges = Vec::new();
    let mut after = 0;
    for i in 1..n {
        let cut = lo + step * i;
        ranges.push((after, Some(cut + 1)));
        after = cut;
    }
    ranges.push((after, None));
    Ok(ranges)
}

/// `GET /product_categories?after=<last id>&page_size=` with `page_info{has_next,last_seen}`.
pub struct CategoryPager {
    client: Client,
    after: Option<String>,
    page_size: u64,
    done: bool,
}

impl CategoryPager {
    pub fn new(client: &Client) -> Self {
        Self {
            client: client.clone(),
            after: None,
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
        let mut req = Req::get("/product_categories").query("page_size", self.page_size);
        if let Some(a) = &self.after {
            req = req.query("after", a);
        }
        let page: CategoryPage = self.client.call(req).await?;
        let cats = page.data.categories;
        match page.page_info.last_seen {
            Some(last) if page.page_info.has_next => {
                if self.after.as_deref() == Some(last.as_str()) {
                    return Err(ApiError::CursorStuck {
                        path: "/product_categories".into(),
                        after: 0,
                        times: 1,
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
    pub after: u64,
    pub upto: Option<u64>,
    /// Read to its end (the last range is only ever done when the whole read is).
    pub done: bool,
}

impl ReadRange {
    pub fn open(after: u64) -> ReadRange {
        ReadRange {
            after,
            upto: None,
            done: false,
        }
    }
}

/// A version-cursor collection cut into ranges ([`version_ranges`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RangePlan {
    pub ranges: Vec<ReadRange>,
    /// The highest version the probes met. A row delivered above it changed during the read,
    /// so a lower range may still hold an older copy of it.
    pub floor: u64,
}

/// Single-record probes spread over a range, two rounds of this many (sent at once).
const PROBES: u64 = 3;

/// The version of the first row above `after`, from a one-row page; `None` when there is none.
async fn first_after<T: DeserializeOwned + Versioned>(
    client: &Client,
    path: &str,
    after: u64,
) -> Result<Option<u64>, ApiError> {
    let req = Req::get(path).query("after", after).query("page_size", 1);
    let page: Collection<T> = client.call(req).await?;
    Ok(page.data.iter().map(Versioned::version).max())
}

/// Cuts a version-cursor collection (`GET /products`) into up to `n` ranges for a
/// [`RangedRead`]. The list cannot be sorted descending, so its top is found by single-row
/// probes (`after=X&page_size=1` answers whether anything lies above X, and what comes
/// next): the first row and a first round of probes under `hint` (versions are global to the
/// store, so the highest version seen elsewhere, e.g. in the stock feed, is a likely bound)
/// go together, then one narrower round. The cuts are only a guess at equal counts: the last
/// range is open, so whatever lies above them is read anyway. Costs `1 + 2 × PROBES`
/// requests in two round trips.
pub async fn version_ranges<T: DeserializeOwned + Versioned>(
    client: &Client,
    path: &str,
    n: u64,
    hint: u64,
) -> Result<RangePlan, ApiError> {
    let size = client.options().page_size.max(1);
    let mut known = 0u64;
    let mut bound = hint;
    let mut lo = None;
    for round in 0..2 {
        if bound <= known {
            // Nothing above the hint is known to be empty: look further up.
            bound = known.saturating_mul(2).max(known.saturating_add(size));
        }
        let points: Vec<u64> = (1..=PROBES)
            .map(|j| known + (bound - known) / (PROBES + 1) * j)
            .collect();
        let first = async {
            if round == 0 {
                first_after::<T>(client, path, 0).await
            } else {
                Ok(lo)
            }
        };
        let probes = futures_util::future::try_join_all(
            points.iter().map(|p| first_after::<T>(client, path, *p)),
        );
        let (first, answers) = futures_util::future::try_join(first, probes).await?;
        let Some(first) = first else {
            return Ok(RangePlan {
                ranges: vec![ReadRange::open(0)],
                floor: 0,
            });
        };
        lo = Some(first);
        known = known.max(first);
        for (p, a) in points.iter().zip(answers) {
            match a {
                // A store that served an older page (a stuck cursor) still says there is more.
                Some(v) => known = known.max(v.max(p + 1)),
                None => bound = bound.min(*p),
            }
        }
    }
    let lo = lo.unwrap_or(0);
    let hi = known.max(known / 2 + bound / 2);
    // Versions are not dense, so a span is only a guess at a count; a small one is not worth
    // splitting.
    let span = hi.saturating_sub(lo);
    let n = n.clamp(1, (span / size).max(1));
    let step = span / n;
    let mut ranges = Vec::new();
    let mut after = 0;
    for i in 1..n {
        let cut = lo + step * i;
        ranges.push(ReadRange {
            after,
            upto: Some(cut),
            done: false,
        });
        after = cut;
    }
    ranges.push(ReadRange::open(after));
    Ok(RangePlan {
        ranges,
        floor: known,
    })
}

/// A page of a [`RangedRead`], with the range it came from.
#[derive(Debug)]
pub struct RangedPage<T> {
    pub rank: usize,
    pub items: Vec<T>,
}

/// Where a ranged read stands, and which rows it must no longer deliver: the part of
/// [`RangedRead`] that does not do I/O.
#[derive(Debug, Clone)]
pub struct RangeMerge {
    ranges: Vec<ReadRange>,
    floor: u64,
    /// Ids the last range delivered above `floor`: changed during the read, so an older
    /// copy still on its way from a lower range must be dropped.
    moved: rustc_hash::FxHashSet<String>,
    /// The last range ended while a lower one was still reading.
    top_waits: bool,
}

/// What [`RangeMerge::ended`] asks of the reader.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AfterEnd {
    /// Carry on with the ranges still reading.
    Continue,
    /// Every lower range is done and the last one ended before they did: read it again
    /// from where it ended (a row changed after that moved past its end).
    CatchUp,
    /// The whole read is done.
    Finished,
}

impl RangeMerge {
    pub fn new(ranges: Vec<ReadRange>, floor: u64) -> RangeMerge {
        let mut ranges = ranges;
        if ranges.is_empty() {
            ranges.push(ReadRange::open(0));
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
            top_waits: false,
        }
    }

    pub fn ranges(&self) -> &[ReadRange] {
        &self.ranges
    }

    pub fn floor(&self) -> u64 {
        self.floor
    }

    fn top(&self) -> usize {
        self.ranges.len() - 1
    }

    /// Takes a page of range `rank` whose cursor is now `next_after`; keeps the rows to
    /// deliver. A row meets two ranges only when it changed during the read: its newer copy
    /// is in the last range, and whichever copy comes second, the higher version stays.
    pub fn page<T: Versioned>(&mut self, rank: usize, next_after: u64, items: &mut Vec<T>) {
        let top = self.top();
        if let Some(r) = self.ranges.get_mut(rank) {
            r.after = r.after.max(next_after);
        }
        if rank == top {
            for t in items.iter() {
                if t.version() > self.floor {
                    self.moved.insert(t.id().to_string());
                }
            }
        } else if !self.moved.is_empty() {
            items.retain(|t| !self.moved.contains(t.id()));
        }
    }

    /// Range `rank` has no more pages.
    pub fn ended(&mut self, rank: usize) -> AfterEnd {
        let top = self.top();
        if rank != top {
            if let Some(r) = self.ranges.get_mut(rank) {
                r.done = true;
            }
        }
        let lower_done = self.ranges[..top].iter().all(|r| r.done);
        if rank == top {
            if lower_done {
                self.ranges[top].done = true;
                return AfterEnd::Finished;
            }
            self.top_waits = true;
            return AfterEnd::Continue;
        }
        if lower_done && self.top_waits {
            self.top_waits = false;
            return AfterEnd::CatchUp;
        }
        AfterEnd::Continue
    }
}

type RangeMsg<T> = (usize, Result<Option<Page<T>>, ApiError>);

/// A version-cursor collection read as ranges side by side (one task each, every request
/// through the client's governor), then from where the last range ended once all others are
/// done, pages handed out one at a time in the order they arrive. Each row version is
/// delivered once; a row delivered again is newer than its earlier delivery. Resumes from
/// [`RangedRead::ranges`] saved after any page.
pub struct RangedRead<T> {
    client: Client,
    path: String,
    include_deleted: bool,
    page_size: u64,
    merge: RangeMerge,
    tx: tokio::sync::mpsc::Sender<RangeMsg<T>>,
    rx: tokio::sync::mpsc::Receiver<RangeMsg<T>>,
    running: usize,
    started: bool,
}

impl<T: DeserializeOwned + Versioned + Send + 'static> RangedRead<T> {
    pub fn new(client: &Client, path: &str, merge: RangeMerge) -> Self {
        let (tx, rx) = tokio::sync::mpsc::channel(2 * merge.ranges.len());
        RangedRead {
            client: client.clone(),
            path: path.to_string(),
            include_deleted: false,
            page_size: client.options().page_size,
            merge,
            tx,
            rx,
            running: 0,
            started: false,
        }
    }
    pub fn include_deleted(mut self, yes: bool) -> Self {
        self.include_deleted = yes;
        self
    }
    pub fn page_size(mut self, n: u64) -> Self {
        self.page_size = n.max(1);
        self
    }

    /// Cursors as of the pages handed out so far: what a checkpoint saves.
    pub fn ranges(&self) -> &[ReadRange] {
        self.merge.ranges()
    }

    fn spawn(&mut self, rank: usize) {
        let r = self.merge.ranges[rank];
        let mut pager = VersionPager::<T>::new(&self.client, &self.path, r.after)
            .include_deleted(self.include_deleted)
            .page_size(self.page_size)
            .upto(r.upto);
        let tx = self.tx.clone();
        self.running += 1;
        tokio::spawn(async move {
            loop {
                let r = pager.next_page().await;
                let more = matches!(r, Ok(Some(_)));
                if tx.send((rank, r)).await.is_err() || !more {
                    break;
                }
            }
        });
    }

    /// Starts reading every range not done yet (the first [`RangedRead::next_page`] does
    /// otherwise).
    pub fn start(&mut self) {
        if self.running > 0 || self.started {
            return;
        }
        self.started = true;
        for rank in 0..self.merge.ranges.len() {
            if !self.merge.ranges[rank].done {
                self.spawn(rank);
            }
        }
    }

    /// The next page from whichever range has one; `None` once every range is read.
    pub async fn next_page(&mut self) -> Result<Option<RangedPage<T>>, ApiError> {
        self.start();
        if self.running == 0 {
            return Ok(None);
        }
        loop {
            let Some((rank, r)) = self.rx.recv().await else {
                // Unreachable while `self.tx` lives; an error rather than a quiet end.
                return Err(ApiError::Config(format!(
                    "the read of {} stopped before its end; run again to resume",
                    self.path
                )));
            };
            match r? {
                Some(mut page) => {
                    self.merge.page(rank, page.next_after, &mut page.items);
                    return Ok(Some(RangedPage {
                        rank,
                        items: page.items,
                    }));
                }
                None => {
                    self.running -= 1;
                    match self.merge.ended(rank) {
                        AfterEnd::Continue => {}
                        AfterEnd::CatchUp => self.spawn(self.merge.top()),
                        AfterEnd::Finished => return Ok(None),
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Row(&'static str, u64);
    impl Versioned for Row {
        fn version(&self) -> u64 {
            self.1
        }
        fn id(&self) -> &str {
            self.0
        }
    }

    fn ids(rows: &[Row]) -> Vec<(&'static str, u64)> {
        rows.iter().map(|r| (r.0, r.1)).collect()
    }

    fn plan() -> RangeMerge {
        let r = |after, upto| ReadRange {
            after,
            upto,
            done: false,
        };
        RangeMerge::new(vec![r(0, Some(100)), r(100, Some(200)), r(200, None)], 300)
    }

    #[test]
    fn an_older_copy_arriving_after_the_newer_one_is_dropped() {
        let mut m = plan();
        // The top range already delivered "a" as changed during the read (above the floor).
        let mut top = vec![Row("z", 250), Row("a", 301)];
        m.page(2, 301, &mut top);
        assert_eq!(ids(&top), vec![("z", 250), ("a", 301)]);
        // The low range's page was fetched before the change and handed out after.
        let mut low = vec![Row("a", 10), Row("b", 20)];
        m.page(0, 20, &mut low);
        assert_eq!(ids(&low), vec![("b", 20)], "the older copy of a is dropped");
        // A row the top range delivered at its original version never came from a lower range,
        // and an older copy arriving first stays (the newer one overwrites it later).
        let mut mid = vec![Row("z", 150), Row("c", 160)];
        m.page(1, 160, &mut mid);
        assert_eq!(ids(&mid), vec![("z", 150), ("c", 160)]);
        assert_eq!(m.ranges()[0].after, 20);
        assert_eq!(m.ranges()[1].after, 160);
        assert_eq!(m.ranges()[2].after, 301);
    }

    #[test]
    fn the_top_range_is_read_again_when_it_ended_before_the_lower_ones() {
        let mut m = plan();
        assert_eq!(m.ended(2), AfterEnd::Continue);
        assert_eq!(m.ended(0), AfterEnd::Continue);
        assert!(m.ranges()[0].done);
        assert_eq!(m.ended(1), AfterEnd::CatchUp);
        assert!(!m.ranges()[2].done);
        assert_eq!(m.ended(2), AfterEnd::Finished);
        assert!(m.ranges().iter().all(|r| r.done));

        // Ending after the lower ones needs no second pass.
        let mut m = plan();
        assert_eq!(m.ended(1), AfterEnd::Continue);
        assert_eq!(m.ended(0), AfterEnd::Continue);
        assert_eq!(m.ended(2), AfterEnd::Finished);
    }

    #[test]
    fn a_checkpoints_last_range_is_open_and_read_again() {
        let saved = vec![
            ReadRange {
                after: 100,
                upto: Some(100),
                done: true,
            },
            ReadRange {
                after: 400,
                upto: Some(7),
                done: true,
            },
        ];
        let m = RangeMerge::new(saved, 50);
        assert_eq!(m.ranges()[1], ReadRange::open(400));
        assert!(m.ranges()[0].done);
        assert_eq!(RangeMerge::new(vec![], 0).ranges(), &[ReadRange::open(0)]);
    }
}
