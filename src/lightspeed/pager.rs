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
            let items: Vec<T> = data
                .into_iter()
                .flatten()
                .filter(|t| Some(t.version()) > after)
                .collect();
            self.after = Some(max);
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
