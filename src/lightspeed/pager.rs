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

/// Whether a page whose highest version is `max` moved the cursor past `after`. If not, waits
/// (backoff) and returns `Ok(false)` so the caller asks again, up to [`STUCK_RETRIES`] times,
/// then gives up with [`ApiError::CursorStuck`]. `unversioned`: no item of the page carries a
/// version (nor does its envelope), which gets a message of its own.
async fn advanced(
    client: &Client,
    path: &str,
    after: Cursor,
    max: i64,
    unversioned: bool,
    stuck: &mut u32,
) -> Result<bool, ApiError> {
    if Some(max) > after {
        return Ok(true);
    }
    *stuck += 1;
    if *stuck > STUCK_RETRIES {
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
                    if let Some(u) = self.upto {
                        req = req.query("before", u.saturating_add(1));
                    }
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
                }));
            };
            if data.is_empty() {
                self.done = true;
                return Ok(None);
            }
            let null_rows = data.iter().filter(|r| r.is_none()).count() as u64;
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
    size: u64,
    include_deleted: bool,
    done: bool,
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
    pub fn before(mut self, before: Option<i64>) -> Self {
        self.before = before;
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
                        before: self.before,
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
            let max = data.iter().map(Versioned::version).max().unwrap_or(0);
            let unversioned = data.iter().all(|r| r.version() == 0);
            if !advanced(
                &self.client,
                "/inventory",
                self.after,
                max,
                unversioned,
                &mut stuck,
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
    let (Some(lo), Some(hi)) = (
        inventory_edge(client, false, include_deleted).await?,
        inventory_edge(client, true, include_deleted).await?,
    ) else {
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
}

/// A version-cursor collection cut into ranges ([`version_ranges`]).
#[derive(Debug, Clone)]
pub struct RangePlan<T> {
    /// The ranges after the first page (the first starts where that page ended).
    pub ranges: Vec<ReadRange>,
    /// The highest version the probes met. A row delivered above it changed during the read,
    /// so a lower range may still hold an older copy of it.
    pub floor: Cursor,
    /// The collection's first page, read to find where it starts: the read's first page.
    /// `None` when the collection answered empty.
    pub first: Option<Page<T>>,
    /// The first page ended the read (an empty list, or `data: null`): nothing more is read.
    pub ended: bool,
    /// How the first page was read; the ranges are read the same way.
    pub page_size: u64,
    pub include_deleted: bool,
}

/// Single-record probes spread over a range, two rounds of this many (sent at once).
const PROBES: i128 = 3;

/// The version of the first row above `after`, from a one-row page; `None` when there is none.
async fn first_after<T: DeserializeOwned + Versioned>(
    client: &Client,
    path: &str,
    after: Cursor,
) -> Result<Option<i64>, ApiError> {
    let mut req = Req::get(path).query("page_size", 1);
    if let Some(a) = after {
        req = req.query("after", a);
    }
    let page: RawCollection<T> = client.call(req).await?;
    Ok(page
        .data
        .unwrap_or_default()
        .iter()
        .flatten()
        .map(Versioned::version)
        .max())
}

/// Cuts a version-cursor collection (`GET /products`) into up to `n` ranges for a
/// [`RangedRead`]. The list cannot be sorted descending, so its top is found by single-row
/// probes (`after=X&page_size=1` answers whether anything lies above X, and what comes
/// next): after the read's first page (which says where the collection starts), a round
/// under `hint` (versions are global to the store, so the highest version seen elsewhere,
/// e.g. in the stock feed, is a likely bound), then one narrower round. The cuts
/// are only a guess at equal counts: the last range is open, so whatever lies above them is
/// read anyway. Costs `2 × PROBES` one-row requests besides the first page, in two round
/// trips after it.
pub async fn version_ranges<T: DeserializeOwned + Versioned>(
    client: &Client,
    path: &str,
    n: u64,
    hint: Cursor,
    page_size: u64,
    include_deleted: bool,
) -> Result<RangePlan<T>, ApiError> {
    let size = i128::from(page_size.max(1));
    let clamp = |x: i128| x.clamp(i64::MIN.into(), i64::MAX.into()) as i64;
    let probe_round = |known: i128, bound: i128| {
        let points: Vec<i64> = (1..=PROBES)
            .map(|j| clamp(known + (bound - known) / (PROBES + 1) * j))
            .collect();
        async move {
            let answers = futures_util::future::try_join_all(
                points
                    .iter()
                    .map(|p| first_after::<T>(client, path, Some(*p))),
            )
            .await?;
            Ok::<_, ApiError>(points.into_iter().zip(answers).collect::<Vec<_>>())
        }
    };
    let mut first_pager = VersionPager::<T>::new(client, path, None)
        .page_size(page_size)
        .include_deleted(include_deleted);
    let hint = i128::from(hint.unwrap_or(0));
    // The first page before any probe: what the store answers first is the read's answer.
    let first = first_pager.next_page().await?;
    let single = |first: Option<Page<T>>, ended: bool| RangePlan {
        ranges: vec![ReadRange::open(first.as_ref().and_then(|p| p.next_after))],
        floor: first.as_ref().and_then(|p| p.next_after),
        first,
        ended,
        page_size,
        include_deleted,
    };
    let Some(first) = first else {
        return Ok(single(None, true));
    };
    if first.null_data {
        return Ok(single(Some(first), true));
    }
    let Some(start) = first.next_after else {
        return Ok(single(Some(first), false));
    };
    // Known: a row at `known`. Guessed: none above `bound`.
    let mut known = i128::from(start);
    let mut bound = hint.max(known);
    let round1 = probe_round(known, bound).await?;
    let take = |answers: Vec<(i64, Option<i64>)>, known: &mut i128, bound: &mut i128| {
        for (p, a) in answers {
            let p = i128::from(p);
            match a {
                // A store that served an older page (a stuck cursor) still says there is more.
                Some(v) => *known = (*known).max(i128::from(v).max(p + 1)),
                None if p >= *known => *bound = (*bound).min(p),
                None => {}
            }
        }
    };
    take(round1, &mut known, &mut bound);
    if bound <= known {
        // Nothing above the hint is known to be empty: look further up.
        bound = known + (known - i128::from(start)).max(size);
    }
    let round2 = probe_round(known, bound).await?;
    take(round2, &mut known, &mut bound);
    let hi = known.max(known / 2 + bound / 2);
    // Versions are not dense, so a span is only a guess at a count; a small one is not worth
    // splitting.
    let span = hi - i128::from(start);
    let n = i128::from(n).clamp(1, (span / size).max(1));
    let step = span / n;
    let mut ranges = Vec::new();
    let mut after = Some(start);
    for i in 1..n {
        let cut = clamp(i128::from(start) + step * i);
        ranges.push(ReadRange {
            after,
            upto: Some(cut),
            done: false,
        });
        after = Some(cut);
    }
    ranges.push(ReadRange::open(after));
    Ok(RangePlan {
        ranges,
        floor: Some(clamp(known)),
        first: Some(first),
        ended: false,
        page_size,
        include_deleted,
    })
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

/// Where a ranged read stands, and which rows it must no longer deliver: the part of
/// [`RangedRead`] that does not do I/O.
#[derive(Debug, Clone)]
pub struct RangeMerge {
    ranges: Vec<ReadRange>,
    floor: Cursor,
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
            top_waits: false,
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

/// Called by a reader task before each page it asks for (a test hook: the caller's may panic).
pub type ReaderHook = std::sync::Arc<dyn Fn() + Send + Sync>;

/// A version-cursor collection read as ranges side by side (one task each, every request
/// through the client's governor), then from where the last range ended once all others are
/// done (ahead of the caller if it ended before them, and a last time as the caller asks),
/// pages handed out one at a time in the order they arrive. Each row version is
/// delivered once; a row delivered again is newer than its earlier delivery. Resumes from
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
    /// A page already read, handed out before any other.
    first: Option<Page<T>>,
    /// The last pass, from where the last range ended, read a page at a time as they are
    /// asked for (see [`RangedRead::next_page`]).
    tail: Option<VersionPager<T>>,
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
            first: None,
            tail: None,
        }
    }

    /// The read as `plan` left it: its first page handed out first, and nothing more when that
    /// page ended the read.
    pub fn from_plan(client: &Client, path: &str, plan: RangePlan<T>) -> Self {
        let mut read = RangedRead::new(client, path, RangeMerge::new(plan.ranges, plan.floor))
            .page_size(plan.page_size)
            .include_deleted(plan.include_deleted);
        read.first = plan.first;
        if plan.ended {
            read.started = true;
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

    /// Reads `ranks` on a task each; their pages come on a channel of their own (every
    /// earlier task has ended, so a closed channel means a task died).
    fn spawn(&mut self, ranks: Vec<usize>) {
        let (tx, rx) = tokio::sync::mpsc::channel(2 * ranks.len().max(1));
        self.rx = Some(rx);
        for rank in ranks {
            let r = self.merge.ranges[rank];
            let mut pager = VersionPager::<T>::new(&self.client, &self.path, r.after)
                .include_deleted(self.include_deleted)
                .page_size(self.page_size)
                .upto(r.upto);
            let tx = tx.clone();
            let hook = self.hook.clone();
            let task = tokio::spawn(async move {
                loop {
                    if let Some(h) = &hook {
                        h();
                    }
                    let r = pager.next_page().await;
                    let more = matches!(r, Ok(Some(_)));
                    if tx.send((rank, r)).await.is_err() || !more {
                        break;
                    }
                }
            });
            self.tasks.push((rank, task));
        }
    }

    /// Starts reading every range not done yet (the first [`RangedRead::next_page`] does
    /// otherwise).
    pub fn start(&mut self) {
        if self.started {
            return;
        }
        self.started = true;
        let ranks = (0..self.merge.ranges.len())
            .filter(|r| !self.merge.ranges[*r].done)
            .collect();
        self.spawn(ranks);
    }

    /// The next page from whichever range has one; `None` once every range is read.
    pub async fn next_page(&mut self) -> Result<Option<RangedPage<T>>, ApiError> {
        self.start();
        if let Some(mut page) = self.first.take() {
            self.merge.page(0, page.next_after, &mut page.items);
            return Ok(Some(RangedPage {
                rank: 0,
                items: page.items,
                next_after: page.next_after,
                null_rows: page.null_rows,
                null_data: page.null_data,
            }));
        }
        loop {
            if let Some(tail) = self.tail.as_mut() {
                let top = self.merge.top();
                return Ok(match tail.next_page().await? {
                    Some(mut page) => {
                        self.merge.page(top, page.next_after, &mut page.items);
                        Some(RangedPage {
                            rank: top,
                            items: page.items,
                            next_after: page.next_after,
                            null_rows: page.null_rows,
                            null_data: page.null_data,
                        })
                    }
                    None => None,
                });
            }
            if self.tasks.is_empty() {
                return Ok(None);
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
                    return Ok(Some(RangedPage {
                        rank,
                        items: page.items,
                        next_after: page.next_after,
                        null_rows: page.null_rows,
                        null_data: page.null_data,
                    }));
                }
                None => {
                    self.tasks.retain(|t| t.0 != rank);
                    match self.merge.ended(rank) {
                        AfterEnd::Continue => {}
                        AfterEnd::CatchUp => self.spawn(vec![self.merge.top()]),
                        AfterEnd::Finished => {
                            // The ranges were read ahead of the caller, so their last requests
                            // may precede changes the caller saw happen before the read's
                            // end. One more pass from where the last range ended, one request
                            // per page asked for (one empty page when nothing changed), ends
                            // the read as a single cursor would.
                            self.tasks.clear();
                            let top = self.merge.ranges[self.merge.top()];
                            self.tail = Some(
                                VersionPager::<T>::new(&self.client, &self.path, top.after)
                                    .include_deleted(self.include_deleted)
                                    .page_size(self.page_size),
                            );
                        }
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
