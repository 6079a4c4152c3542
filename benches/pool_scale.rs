//! Pool pane queries at scale: a pool of N items (1,000,000 by default; `ITEMS=100000` to
//! choose) in an on-disk store, asked through the engine exactly as the Pool pane asks:
//! `PoolCount` then one 50-row `PoolPage`. Each query is timed on its own (median and worst
//! of 7, after the index is built) for: jumping to the end, a SKU prefix filter, a substring
//! filter, the archived filter, and each sort both ways. The index build (one pass over the
//! pool, the first query after a write pays it) is reported on its own line. Prints one JSON
//! line per figure and a last line naming the machine.
//!
//! `cargo bench --bench pool_scale` (release profile).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::Instant;

use lsbridge::engine::{Engine, EngineOptions, Request, Response};
use lsbridge::mapping::FieldValue;
use lsbridge::pool::{Change, Pool, PoolItem, PoolSort};
use lsbridge::source::{Source, Sources};
use lsbridge::store::Store;

const WORDS: [&str; 12] = [
    "harbor", "pine", "anchor", "mug", "lantern", "tee", "canvas", "rope", "cedar", "tide",
    "beacon", "wool",
];

fn item(i: usize) -> PoolItem {
    let mut it = PoolItem {
        sku: format!("HP-{i:07}"),
        product_id: format!("00000000-0000-4000-8000-{i:012}"),
        archived: i % 10 == 0,
        ..PoolItem::default()
    };
    let title = format!(
        "{} {} {} #{}",
        WORDS[i % 12],
        WORDS[(i / 12) % 12],
        WORDS[(i / 144) % 12],
        i % 9973
    );
    it.fields
        .insert("Title".into(), FieldValue::Text(title.clone()));
    it.fields.insert(
        "Quantity".into(),
        FieldValue::Number((i * 7919 % 500) as f64),
    );
    if i % 3 == 0 {
        it.history.push_back(Change {
            run: (i % 40) as u64,
            field: "Title".into(),
            old: FieldValue::Empty,
            new: FieldValue::Text(title),
        });
    }
    it
}

fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|c| {
            c.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, m)| m.trim().to_string())
        })
        .unwrap_or_else(|| "unknown".into())
}

struct Query {
    name: &'static str,
    filter: Option<&'static str>,
    archived: Option<bool>,
    sort: PoolSort,
    descending: bool,
    /// Rows from the end (jump to the end) rather than the start.
    from_end: bool,
}

fn q(
    name: &'static str,
    filter: Option<&'static str>,
    archived: Option<bool>,
    sort: PoolSort,
    descending: bool,
    from_end: bool,
) -> Query {
    Query {
        name,
        filter,
        archived,
        sort,
        descending,
        from_end,
    }
}

async fn ask(engine: &Engine, query: &Query) -> (usize, usize) {
    let Response::Count(total) = engine
        .handle(Request::PoolCount {
            source: "bench".into(),
            filter: query.filter.map(str::to_string),
            archived: query.archived,
        })
        .await
    else {
        panic!("count");
    };
    let offset = if query.from_end {
        total.saturating_sub(50)
    } else {
        0
    };
    let Response::Pool(rows) = engine
        .handle(Request::PoolPage {
            source: "bench".into(),
            offset,
            limit: 50,
            filter: query.filter.map(str::to_string),
            archived: query.archived,
            sort: query.sort,
            descending: query.descending,
        })
        .await
    else {
        panic!("page");
    };
    (total, rows.len())
}

fn main() {
    let n: usize = std::env::var("ITEMS")
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(1_000_000);
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Store::open(&dir.path().join("data")).expect("store");
    let source = Sources::open(&store)
        .expect("sources")
        .add(Source {
            name: "bench".into(),
            ..Source::default()
        })
        .expect("source");
    let started = Instant::now();
    let pool = Pool::open(&store).expect("pool");
    for chunk in (0..n).collect::<Vec<_>>().chunks(10_000) {
        let mut w = pool.write();
        for &i in chunk {
            pool.stage(&mut w, source.id, &item(i)).expect("stage");
        }
        pool.commit(w).expect("commit");
    }
    let fill_s = started.elapsed().as_secs_f64();
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let engine = Engine::new(store.clone(), EngineOptions::default());
    let all = q("jump_to_end", None, None, PoolSort::Sku, false, true);
    let started = Instant::now();
    let (total, rows) = rt.block_on(ask(&engine, &all));
    let build_ms = started.elapsed().as_secs_f64() * 1000.0;
    assert_eq!((total, rows), (n, 50.min(n)));
    println!(
        "{}",
        serde_json::json!({"bench": "pool_scale", "items": n, "fill_s": (fill_s * 10.0).round() / 10.0,
            "first_query_with_index_build_ms": (build_ms * 10.0).round() / 10.0})
    );
    let queries = [
        all,
        q(
            "sku_prefix_filter",
            Some("HP-00123"),
            None,
            PoolSort::Sku,
            false,
            false,
        ),
        q(
            "substring_filter",
            Some("lantern cedar"),
            None,
            PoolSort::Sku,
            false,
            false,
        ),
        q(
            "archived_only",
            None,
            Some(true),
            PoolSort::Sku,
            false,
            false,
        ),
        q(
            "archived_hidden_end",
            None,
            Some(false),
            PoolSort::Sku,
            false,
            true,
        ),
        q("sort_sku_desc", None, None, PoolSort::Sku, true, false),
        q("sort_title", None, None, PoolSort::Title, false, false),
        q(
            "sort_title_desc_end",
            None,
            None,
            PoolSort::Title,
            true,
            true,
        ),
        q(
            "sort_quantity",
            None,
            None,
            PoolSort::Quantity,
            false,
            false,
        ),
        q(
            "sort_quantity_desc",
            None,
            None,
            PoolSort::Quantity,
            true,
            false,
        ),
        q("sort_updated", None, None, PoolSort::Updated, false, false),
        q(
            "sort_updated_desc_end",
            None,
            None,
            PoolSort::Updated,
            true,
            true,
        ),
        q(
            "filter_and_sort_title",
            Some("mug"),
            Some(false),
            PoolSort::Title,
            false,
            true,
        ),
    ];
    let mut worst_all: f64 = 0.0;
    for query in &queries {
        let mut ms = Vec::new();
        let mut matched = 0;
        for _ in 0..7 {
            let t = Instant::now();
            matched = rt.block_on(ask(&engine, query)).0;
            ms.push(t.elapsed().as_secs_f64() * 1000.0);
        }
        ms.sort_by(f64::total_cmp);
        worst_all = worst_all.max(ms[6]);
        println!(
            "{}",
            serde_json::json!({"bench": "pool_scale", "items": n, "query": query.name, "matched": matched,
                "median_ms": (ms[3] * 100.0).round() / 100.0, "worst_ms": (ms[6] * 100.0).round() / 100.0})
        );
    }
    println!(
        "{}",
        serde_json::json!({"bench": "pool_scale", "items": n, "worst_ms_of_all_queries": (worst_all * 100.0).round() / 100.0})
    );
    println!(
        "{}",
        serde_json::json!({
            "machine": {
                "cpu": cpu_model(),
                "cores": std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0),
                "os": std::env::consts::OS,
            }
        })
    );
}
