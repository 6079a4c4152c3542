//! Store foundation: keys, codec, locking across processes, permissions, migrations, data-dir resolution,
//! durability across reopen.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use lsbridge::store::codec::{self, Record};
use lsbridge::store::keys::*;
use lsbridge::store::migrations::CURRENT;
use lsbridge::store::{resolve_data_dir_with, trees, Store, StoreError, Table};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Conn {
    name: String,
    base_url: String,
    #[serde(default)]
    note: Option<String>,
}
impl Record for Conn {
    const VERSION: u16 = 1;
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Variant {
    sku: String,
    qty: i64,
}
impl Record for Variant {
    const VERSION: u16 = 3;
}

fn conn(name: &str) -> Conn {
    Conn {
        name: name.to_owned(),
        base_url: format!("https://{name}.example"),
        note: None,
    }
}

fn tmp() -> tempfile::TempDir {
    tempfile::tempdir().expect("tempdir")
}

// ---------------------------------------------------------------------------------------------- keys

#[test]
fn u64_keys_sort_numerically_past_255_and_65535() {
    let ns = [
        0u64,
        1,
        2,
        254,
        255,
        256,
        257,
        1000,
        65_534,
        65_535,
        65_536,
        1 << 32,
        u64::MAX - 1,
        u64::MAX,
    ];
    let mut encoded: Vec<[u8; 8]> = ns.iter().rev().map(|&n| u64_be(n)).collect();
    encoded.sort();
    let decoded: Vec<u64> = encoded
        .iter()
        .map(|k| from_u64_be(k).expect("8 bytes"))
        .collect();
    assert_eq!(decoded, ns);
    assert_eq!(from_u64_be(&[1, 2, 3]), None);
    assert_eq!(from_u64_be(&[0; 9]), None);
}

#[test]
fn composite_keys_group_by_prefix_and_round_trip() {
    // (u64, &str): all of source 255's SKUs sort before source 256's, whatever the SKU.
    let mut keys = [
        u64_str(256, "A"),
        u64_str(255, "zzz"),
        u64_str(255, ""),
        u64_str(1, "\u{10FFFF}"),
        u64_str(255, "AB-1"),
        u64_str(65_536, "0"),
    ];
    keys.sort();
    let decoded: Vec<(u64, &str)> = keys
        .iter()
        .map(|k| split_u64_str(k).expect("valid"))
        .collect();
    assert_eq!(
        decoded,
        [
            (1, "\u{10FFFF}"),
            (255, ""),
            (255, "AB-1"),
            (255, "zzz"),
            (256, "A"),
            (65_536, "0")
        ]
    );
    let with_prefix: Vec<_> = keys
        .iter()
        .filter(|k| k.starts_with(&u64_prefix(255)))
        .collect();
    assert_eq!(with_prefix.len(), 3);
    assert_eq!(split_u64_str(&[0; 7]), None);
    assert_eq!(split_u64_str(&[0, 0, 0, 0, 0, 0, 0, 1, 0xFF]), None);

    // (u64, u64): run 256's log lines after run 255's, seq numeric within a run.
    let mut logs = [
        u64_u64(256, 0),
        u64_u64(255, 256),
        u64_u64(255, 255),
        u64_u64(255, 65_536),
    ];
    logs.sort();
    let decoded: Vec<(u64, u64)> = logs
        .iter()
        .map(|k| split_u64_u64(k).expect("valid"))
        .collect();
    assert_eq!(decoded, [(255, 255), (255, 256), (255, 65_536), (256, 0)]);
    assert_eq!(split_u64_u64(&[0; 15]), None);

    // (u64, &str, u64): FR "A" events are contiguous and not confused with FR "A-1".
    let mut ev = [
        u64_str_u64(7, "A-1", 0),
        u64_str_u64(7, "A", 256),
        u64_str_u64(7, "A", 1),
        u64_str_u64(7, "B", 0),
        u64_str_u64(6, "Z", 9),
    ];
    ev.sort();
    let decoded: Vec<(u64, &str, u64)> = ev
        .iter()
        .map(|k| split_u64_str_u64(k).expect("valid"))
        .collect();
    assert_eq!(
        decoded,
        [
            (6, "Z", 9),
            (7, "A-1", 0),
            (7, "A", 1),
            (7, "A", 256),
            (7, "B", 0)
        ]
    );
    let fr_a = u64_str_prefix(7, "A");
    assert_eq!(ev.iter().filter(|k| k.starts_with(&fr_a)).count(), 2);

    // String keys.
    assert_eq!(from_str_key(str_key("main-store")), Some("main-store"));
    assert_eq!(from_str_key(&[0xFF]), None);
    assert_eq!(display_key(&[b'a', 0, 0xFF]), "a\\x00\\xff");
}

#[test]
fn keys_sort_the_same_way_inside_sled() -> Result<(), StoreError> {
    let store = Store::open_temporary()?;
    let logs: Table<Variant> = store.table(trees::RUN_LOGS)?;
    for seq in (0..600u64).rev() {
        logs.put(
            &u64_u64(300, seq),
            &Variant {
                sku: format!("line {seq}"),
                qty: seq as i64,
            },
        )?;
    }
    logs.put(
        &u64_u64(299, 0),
        &Variant {
            sku: "other run".into(),
            qty: 0,
        },
    )?;
    logs.put(
        &u64_u64(301, 0),
        &Variant {
            sku: "other run".into(),
            qty: 0,
        },
    )?;
    let seqs: Vec<u64> = logs
        .scan_prefix(u64_prefix(300))
        .map(|r| r.map(|(k, _)| split_u64_u64(&k).expect("key").1))
        .collect::<Result<_, _>>()?;
    assert_eq!(seqs, (0..600).collect::<Vec<_>>());
    let (last, v) = logs
        .scan_prefix(u64_prefix(300))
        .next_back()
        .expect("rows")?;
    assert_eq!(split_u64_u64(&last), Some((300, 599)));
    assert_eq!(v.qty, 599);
    let in_range = logs.range(u64_u64(300, 256)..u64_u64(300, 512)).count();
    assert_eq!(in_range, 256);
    Ok(())
}

// ---------------------------------------------------------------------------------------------- codec

#[test]
fn codec_round_trips_and_rejects_garbage() {
    let c = conn("main");
    let bytes = codec::encode(&c, 7).expect("encode");
    assert_eq!(&bytes[..2], &[0, 7]);
    assert!(bytes[2..].starts_with(b"{"), "body is plain JSON");
    let (v, back): (u16, Conn) = codec::decode(&bytes).expect("decode");
    assert_eq!((v, back), (7, c));

    for garbage in [
        &b""[..],
        b"\x00",
        b"\x00\x01",
        b"\x00\x01{",
        b"\x00\x01[1,2]",
        b"\xff\xff\xff\xfe",
        b"{\"v\":1}",
    ] {
        let r: Result<(u16, Conn), _> = codec::decode(garbage);
        let err = r.expect_err("garbage must not decode");
        assert!(!err.why().is_empty());
        let store_err = err.at("connections", b"k");
        assert!(
            matches!(store_err, StoreError::Corrupt { .. }),
            "{store_err:?}"
        );
    }
}

#[test]
fn undecodable_stored_values_surface_as_corrupt() -> Result<(), StoreError> {
    let dir = tmp();
    {
        // Write rows behind the store's back, as disk corruption or a buggy build would.
        let db = sled::open(dir.path()).expect("raw open");
        let t = db.open_tree("connections").expect("tree");
        t.insert(b"good", codec::encode(&conn("good"), 1).expect("encode"))
            .expect("insert");
        t.insert(b"short", &b"\x00"[..]).expect("insert");
        t.insert(b"notjson", &b"\x00\x01{nope"[..]).expect("insert");
        t.insert(b"newer", codec::encode(&conn("newer"), 9).expect("encode"))
            .expect("insert");
        db.flush().expect("flush");
    }
    let store = Store::open(dir.path())?;
    let conns: Table<Conn> = store.table(trees::CONNECTIONS)?;
    for key in [&b"short"[..], b"notjson", b"newer"] {
        match conns.get(key) {
            Err(StoreError::Corrupt { tree, key: k, why }) => {
                assert_eq!(tree, "connections");
                assert_eq!(k.as_bytes(), key);
                let msg = StoreError::Corrupt { tree, key: k, why }.to_string();
                assert!(!msg.contains('\n'), "{msg}");
            }
            other => panic!("expected Corrupt for {key:?}, got {other:?}"),
        }
    }
    // Iteration reports the bad rows and keeps going.
    let rows: Vec<_> = conns.iter().collect();
    assert_eq!(rows.len(), 4);
    assert_eq!(rows.iter().filter(|r| r.is_ok()).count(), 1);
    assert_eq!(conns.get(b"good")?, Some(conn("good")));
    Ok(())
}

// ---------------------------------------------------------------------------------------------- tables

#[test]
fn string_keyed_table_lists_sorted_and_counts() -> Result<(), StoreError> {
    let store = Store::open_temporary()?;
    let conns: Table<Conn> = store.table(trees::CONNECTIONS)?;
    assert!(conns.is_empty());
    for name in ["zeta", "Main", "alpha", "beta"] {
        assert!(conns.put(str_key(name), &conn(name))?);
    }
    assert!(!conns.put(
        str_key("beta"),
        &Conn {
            note: Some("edited".into()),
            ..conn("beta")
        }
    )?);
    let names: Vec<String> = conns
        .iter()
        .map(|r| r.map(|(k, _)| from_str_key(&k).expect("utf8").to_owned()))
        .collect::<Result<_, _>>()?;
    assert_eq!(names, ["Main", "alpha", "beta", "zeta"]);
    assert_eq!(
        conns.get(str_key("beta"))?.and_then(|c| c.note),
        Some("edited".into())
    );
    assert_eq!(conns.len_estimate()?, 4);
    assert!(conns.remove(str_key("alpha"))?);
    assert!(!conns.remove(str_key("alpha"))?);
    assert_eq!(conns.get(str_key("alpha"))?, None);
    assert_eq!(conns.len_estimate()?, 3);
    assert_eq!(conns.recount()?, 3);
    Ok(())
}

#[test]
fn batches_apply_atomically_and_keep_the_count() -> Result<(), StoreError> {
    let store = Store::open_temporary()?;
    let pool: Table<Variant> = store.table(trees::POOL)?;
    let mut b = pool.batch();
    for i in 0..1000u64 {
        let sku = format!("SKU-{i:05}");
        b.put(u64_str(1 + i % 2, &sku), &Variant { sku, qty: i as i64 })?;
    }
    assert_eq!(b.len(), 1000);
    pool.apply_batch(b)?;
    assert_eq!(pool.len_estimate()?, 1000);
    assert_eq!(pool.scan_prefix(u64_prefix(1)).count(), 500);

    let mut b = pool.batch();
    b.remove(u64_str(1, "SKU-00000"));
    b.remove(u64_str(1, "does-not-exist"));
    b.put(
        u64_str(2, "SKU-00001"),
        &Variant {
            sku: "SKU-00001".into(),
            qty: -1,
        },
    )?; // replace
    b.put(
        u64_str(3, "NEW"),
        &Variant {
            sku: "NEW".into(),
            qty: 5,
        },
    )?; // insert then remove then insert
    b.remove(u64_str(3, "NEW"));
    b.put(
        u64_str(3, "NEW"),
        &Variant {
            sku: "NEW".into(),
            qty: 6,
        },
    )?;
    pool.apply_batch(b)?;
    assert_eq!(pool.len_estimate()?, 1000);
    assert_eq!(pool.recount()?, 1000);
    assert_eq!(pool.get(&u64_str(1, "SKU-00000"))?, None);
    assert_eq!(pool.get(&u64_str(2, "SKU-00001"))?.map(|v| v.qty), Some(-1));
    assert_eq!(pool.get(&u64_str(3, "NEW"))?.map(|v| v.qty), Some(6));
    Ok(())
}

#[test]
fn ids_are_unique_and_increasing() -> Result<(), StoreError> {
    let store = Store::open_temporary()?;
    let a = store.generate_id()?;
    let b = store.generate_id()?;
    assert!(b > a);
    assert!(store.size_on_disk()? > 0);
    Ok(())
}

// ---------------------------------------------------------------------------------------------- durability

#[test]
fn nothing_stored_is_lost_on_reopen() -> Result<(), StoreError> {
    let dir = tmp();
    let last_id;
    {
        let store = Store::open(dir.path())?;
        let conns: Table<Conn> = store.table(trees::CONNECTIONS)?;
        let pool: Table<Variant> = store.table(trees::POOL)?;
        conns.put(str_key("main"), &conn("main"))?;
        let mut b = pool.batch();
        for i in 0..300u64 {
            b.put(
                u64_str(42, &format!("S{i}")),
                &Variant {
                    sku: format!("S{i}"),
                    qty: i as i64,
                },
            )?;
        }
        pool.apply_batch(b)?;
        last_id = store.generate_id()?;
        store.flush()?;
    }
    let store = Store::open(dir.path())?;
    assert_eq!(store.schema_version()?, CURRENT);
    let conns: Table<Conn> = store.table(trees::CONNECTIONS)?;
    let pool: Table<Variant> = store.table(trees::POOL)?;
    assert_eq!(conns.get(str_key("main"))?, Some(conn("main")));
    assert_eq!(pool.scan_prefix(u64_prefix(42)).count(), 300);
    assert_eq!(pool.get(&u64_str(42, "S299"))?.map(|v| v.qty), Some(299));
    assert_eq!(pool.len_estimate()?, 300);
    assert!(
        store.generate_id()? > last_id,
        "ids keep increasing across restarts"
    );
    Ok(())
}

#[test]
fn reopening_right_after_drop_never_reports_locked() -> Result<(), StoreError> {
    // sled's I/O threads can hold the lock for a moment after the last handle drops; open waits that out.
    let dir = tmp();
    for i in 0..30u64 {
        let store = Store::open(dir.path())?;
        let runs: Table<Variant> = store.table(trees::RUNS)?;
        assert_eq!(runs.len_estimate()?, i);
        runs.put(
            &u64_be(i),
            &Variant {
                sku: format!("run {i}"),
                qty: i as i64,
            },
        )?;
        store.flush()?;
    }
    Ok(())
}

#[test]
fn flush_async_works_from_async_code() -> Result<(), StoreError> {
    let store = Store::open_temporary()?;
    let conns: Table<Conn> = store.table(trees::CONNECTIONS)?;
    conns.put(str_key("a"), &conn("a"))?;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    fn assert_send<T: Send>(t: T) -> T {
        t
    }
    // Must be spawnable on a multi-threaded runtime.
    rt.block_on(assert_send(store.flush_async()))
}

// ---------------------------------------------------------------------------------------------- migrations

/// Build a database with raw sled (before any `Store` opened it): a schema version and some rows.
fn write_raw_schema_version(dir: &Path, version: u32, rows: &[(&str, &[u8], Vec<u8>)]) {
    let db = sled::open(dir).expect("raw open");
    let meta = db.open_tree("meta").expect("meta");
    meta.insert("schema_version", &version.to_be_bytes())
        .expect("insert");
    for (tree, k, v) in rows {
        db.open_tree(tree)
            .expect("tree")
            .insert(k, v.clone())
            .expect("insert");
    }
    db.flush().expect("flush");
}

#[test]
fn fresh_db_gets_current_schema() -> Result<(), StoreError> {
    let dir = tmp();
    let store = Store::open(dir.path())?;
    assert_eq!(store.schema_version()?, CURRENT);
    assert_eq!(store.meta().schema_version()?, Some(CURRENT));
    Ok(())
}

#[test]
fn old_schema_is_migrated_and_data_kept() -> Result<(), StoreError> {
    let dir = tmp();
    write_raw_schema_version(
        dir.path(),
        0,
        &[(
            "connections",
            &b"keep"[..],
            codec::encode(&conn("keep"), 1).expect("encode"),
        )],
    );
    let store = Store::open(dir.path())?;
    assert_eq!(store.schema_version()?, CURRENT);
    assert_eq!(store.meta().schema_version()?, Some(CURRENT));
    assert_eq!(
        store
            .table::<Conn>(trees::CONNECTIONS)?
            .get(str_key("keep"))?,
        Some(conn("keep"))
    );
    drop(store);
    // Persisted: a second open finds the current version and migrates nothing.
    let store = Store::open(dir.path())?;
    assert_eq!(store.schema_version()?, CURRENT);
    Ok(())
}

/// Version 1 kept one stock row per (product, outlet); version 2 keeps one per product. The
/// upgrade drops the old rows and the inventory jobs' positions (so the next run rebuilds
/// every level) and keeps everything else, including other checkpoints.
#[test]
fn v1_levels_are_dropped_with_inventory_positions() -> Result<(), StoreError> {
    let dir = tmp();
    let mut old_level = u64_str_prefix(7, "prod-1");
    old_level.extend_from_slice(b"outlet-a");
    write_raw_schema_version(
        dir.path(),
        1,
        &[
            ("levels", &old_level[..], b"\x00\x0112".to_vec()),
            (
                "checkpoints",
                &u64_str(7, "secondary")[..],
                b"\x00\x01{}".to_vec(),
            ),
            (
                "checkpoints",
                &u64_str(7, "primary")[..],
                b"\x00\x01{}".to_vec(),
            ),
            (
                "checkpoints",
                &u64_str(7, "send_frs")[..],
                b"\x00\x01{}".to_vec(),
            ),
            (
                "connections",
                &b"keep"[..],
                codec::encode(&conn("keep"), 1).expect("encode"),
            ),
        ],
    );
    let store = Store::open(dir.path())?;
    assert_eq!(store.schema_version()?, CURRENT);
    assert!(store
        .table::<Conn>(trees::CONNECTIONS)?
        .get(str_key("keep"))?
        .is_some());
    drop(store);
    let db = sled::open(dir.path()).expect("raw open");
    assert_eq!(db.open_tree("levels").expect("tree").len(), 0);
    let cps = db.open_tree("checkpoints").expect("tree");
    let kinds: Vec<Vec<u8>> = cps
        .iter()
        .keys()
        .map(|k| k.map(|k| k[8..].to_vec()))
        .collect::<Result<_, _>>()
        .expect("keys");
    assert_eq!(kinds, vec![b"send_frs".to_vec()]);
    Ok(())
}

#[test]
fn newer_schema_is_refused() {
    let dir = tmp();
    write_raw_schema_version(dir.path(), 99, &[]);
    for _ in 0..2 {
        // Twice: refusing must not rewrite the version.
        match Store::open(dir.path()) {
            Err(
                e @ StoreError::Newer {
                    found: 99,
                    supported: CURRENT,
                },
            ) => {
                let msg = e.to_string();
                assert!(msg.contains("newer lsbridge (schema 99"), "{msg}");
                assert!(msg.contains("upgrade lsbridge"), "{msg}");
                assert!(!msg.contains('\n'));
            }
            other => panic!("expected Newer, got {other:?}"),
        }
    }
}

#[test]
fn malformed_schema_version_is_corrupt_not_a_panic() {
    let dir = tmp();
    {
        let db = sled::open(dir.path()).expect("raw open");
        db.open_tree("meta")
            .expect("meta")
            .insert("schema_version", &b"\x01"[..])
            .expect("insert");
        db.flush().expect("flush");
    }
    assert!(matches!(
        Store::open(dir.path()),
        Err(StoreError::Corrupt { .. })
    ));
}

// ---------------------------------------------------------------------------------------------- permissions

#[cfg(unix)]
#[test]
fn every_file_is_owner_only() -> Result<(), StoreError> {
    use std::os::unix::fs::PermissionsExt;

    let parent = tmp();
    let dir = parent.path().join("data");
    // Pre-existing, too-open dir with a stray file: open must tighten both.
    std::fs::create_dir(&dir).expect("mkdir");
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    std::fs::write(dir.join("stray"), b"x").expect("write");
    std::fs::set_permissions(dir.join("stray"), std::fs::Permissions::from_mode(0o644))
        .expect("chmod");

    let store = Store::open(&dir)?;
    let pool: Table<Variant> = store.table(trees::POOL)?;
    let mut b = pool.batch();
    for i in 0..2000u64 {
        b.put(
            u64_str(1, &format!("SKU{i}")),
            &Variant {
                sku: "x".repeat(200),
                qty: i as i64,
            },
        )?;
    }
    pool.apply_batch(b)?;
    store.flush()?;

    fn check(p: &Path, seen: &mut usize) {
        let meta = std::fs::symlink_metadata(p).expect("stat");
        let mode = meta.permissions().mode() & 0o7777;
        if meta.is_dir() {
            assert_eq!(mode, 0o700, "dir {}", p.display());
            for e in std::fs::read_dir(p).expect("readdir") {
                check(&e.expect("entry").path(), seen);
            }
        } else {
            assert_eq!(mode, 0o600, "file {}", p.display());
            *seen += 1;
        }
    }
    let mut files = 0;
    check(&dir, &mut files);
    assert!(
        files >= 3,
        "expected sled's files (conf, db, snap…) plus stray, saw {files}"
    );
    Ok(())
}

// ---------------------------------------------------------------------------------------------- locking

const HOLD_ENV: &str = "LSBRIDGE_STORE_TEST_HOLD_DIR";
const OPENED: &str = "LSBRIDGE-STORE-CHILD-OPENED";

/// Not a test on its own: when re-executed by `second_process_gets_locked` with `HOLD_ENV` set, it opens the
/// store, announces it on stdout, and holds it until stdin closes (or it is killed).
#[test]
fn lock_holder_child() {
    let Some(dir) = std::env::var_os(HOLD_ENV) else {
        return;
    };
    let store = Store::open(Path::new(&dir)).expect("child open");
    println!("{OPENED}");
    let mut line = String::new();
    let _ = std::io::stdin().read_line(&mut line);
    drop(store);
}

#[test]
fn second_process_gets_locked() -> Result<(), StoreError> {
    let dir = tmp();
    let data_dir: PathBuf = dir.path().join("data");
    let mut child = Command::new(std::env::current_exe().expect("current_exe"))
        .args([
            "store_foundation::lock_holder_child",
            "--exact",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(HOLD_ENV, &data_dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("spawn child");

    // Wait (no sleeping) until the child says it holds the store.
    let stdout = child.stdout.take().expect("stdout");
    let mut seen = Vec::new();
    let mut opened = false;
    for line in BufReader::new(stdout).lines() {
        let line = line.expect("read child stdout");
        // libtest prints "test lock_holder_child ... " before the test body runs, so the marker ends a line.
        if line.contains(OPENED) {
            opened = true;
            break;
        }
        seen.push(line);
    }
    if !opened {
        let status = child.wait().expect("wait");
        panic!("child exited ({status}) without opening the store: {seen:?}");
    }

    let result = Store::open(&data_dir);
    child.kill().expect("kill child");
    child.wait().expect("reap child");

    match result {
        Err(e @ StoreError::Locked { .. }) => {
            let msg = e.to_string();
            assert!(msg.contains(&data_dir.display().to_string()), "{msg}");
            assert!(msg.contains("in use by another lsbridge process"), "{msg}");
            assert!(msg.contains("--data-dir"), "{msg}");
            assert!(!msg.contains('\n'), "{msg}");
        }
        other => panic!("expected Locked, got {other:?}"),
    }

    // The kernel drops the lock with the process: we can open now (and sled recovers the killed writer).
    let store = Store::open(&data_dir)?;
    assert_eq!(store.schema_version()?, CURRENT);
    Ok(())
}

#[test]
fn second_open_in_the_same_process_is_locked_too() -> Result<(), StoreError> {
    let dir = tmp();
    let first = Store::open(dir.path())?;
    assert!(matches!(
        Store::open(dir.path()),
        Err(StoreError::Locked { .. })
    ));
    let table: Table<Conn> = first.table(trees::CONNECTIONS)?;
    drop(first);
    // A live Table keeps the database open.
    assert!(matches!(
        Store::open(dir.path()),
        Err(StoreError::Locked { .. })
    ));
    drop(table);
    let again = Store::open(dir.path())?;
    assert_eq!(again.schema_version()?, CURRENT);
    Ok(())
}

// ---------------------------------------------------------------------------------------------- paths

#[test]
fn data_dir_precedence() {
    let cli = Some(PathBuf::from("/cli"));
    let env = Some("/env".into());
    let plat = Some(PathBuf::from("/platform"));
    assert_eq!(
        resolve_data_dir_with(cli.clone(), env.clone(), plat.clone()).ok(),
        Some("/cli".into())
    );
    assert_eq!(
        resolve_data_dir_with(None, env.clone(), plat.clone()).ok(),
        Some("/env".into())
    );
    assert_eq!(
        resolve_data_dir_with(Some(PathBuf::new()), env.clone(), None).ok(),
        Some("/env".into())
    );
    assert_eq!(
        resolve_data_dir_with(None, Some("".into()), plat.clone()).ok(),
        Some("/platform".into())
    );
    assert_eq!(
        resolve_data_dir_with(None, None, plat).ok(),
        Some("/platform".into())
    );
    match resolve_data_dir_with(None, None, None) {
        Err(e @ StoreError::NoDataDir) => {
            let msg = e.to_string();
            assert!(
                msg.contains("--data-dir") && msg.contains("LSBRIDGE_DATA_DIR"),
                "{msg}"
            );
            assert!(!msg.contains('\n'));
        }
        other => panic!("expected NoDataDir, got {other:?}"),
    }
    // The platform default on Linux ends in lsbridge.
    if let Some(p) = lsbridge::store::paths::platform_data_dir() {
        assert!(p.ends_with("lsbridge"), "{}", p.display());
    }
}

#[test]
fn every_error_displays_on_one_line() {
    let errs = [
        StoreError::Locked {
            dir: PathBuf::from("/a\nb"),
        },
        StoreError::Corrupt {
            tree: "t".into(),
            key: "k".into(),
            why: "x\ny".into(),
        },
        StoreError::Newer {
            found: 9,
            supported: 1,
        },
        StoreError::NoDataDir,
        StoreError::Encode {
            tree: "t".into(),
            why: "a\r\nb".into(),
        },
        StoreError::Io {
            path: PathBuf::from("/p"),
            source: std::io::Error::other("multi\nline"),
        },
        StoreError::Sled(sled::Error::Unsupported("u\nv".into())),
    ];
    for e in errs {
        let msg = e.to_string();
        assert!(!msg.contains('\n') && !msg.contains('\r'), "{msg:?}");
    }
}

/// Schema 3 keeps stock per outlet in the pool items: the `levels` tree is dropped with the
/// inventory jobs' positions (as in schema 2, so the next run fills the stock again), the
/// product id index is re-keyed to its compact form, and items written as version 2 (names
/// as text, no stock) still read.
#[test]
fn v2_levels_tree_goes_ids_are_rekeyed_and_v2_items_still_read() -> Result<(), StoreError> {
    use lsbridge::mapping::FieldValue;
    use lsbridge::pool::{Pool, PoolItem};
    use std::collections::{BTreeMap, VecDeque};

    let dir = tmp();
    let pid = "0a0b0c0d-1111-4222-8333-444455556666";
    let mut fields = BTreeMap::new();
    fields.insert("Title".to_string(), FieldValue::Text("Tee".into()));
    fields.insert("Quantity".to_string(), FieldValue::Number(3.0));
    let history: VecDeque<lsbridge::pool::Change> = VecDeque::new();
    // Version 2 body: postcard of the item as it was (field names as text, no stock).
    let mut v2 = vec![0u8, 2];
    v2.extend(
        postcard::to_stdvec(&(
            "SKU-1",
            pid,
            None::<String>,
            false,
            &fields,
            false,
            4u64,
            &history,
        ))
        .expect("postcard"),
    );
    write_raw_schema_version(
        dir.path(),
        2,
        &[
            ("pool", &u64_str(7, "SKU-1")[..], v2),
            (
                "pool_ids",
                &u64_str(7, pid)[..],
                b"\x00\x01\"SKU-1\"".to_vec(),
            ),
            (
                "pool_ids",
                &u64_str(7, "legacy-id")[..],
                b"\x00\x01\"SKU-2\"".to_vec(),
            ),
            ("levels", &u64_str(7, pid)[..], b"\x00\x02\x00".to_vec()),
            (
                "checkpoints",
                &u64_str(7, "secondary")[..],
                b"\x00\x01{}".to_vec(),
            ),
        ],
    );
    let store = Store::open(dir.path())?;
    assert_eq!(store.schema_version()?, CURRENT);
    let pool = Pool::open(&store)?;
    let item: PoolItem = pool.get(7, "SKU-1")?.expect("item kept");
    assert_eq!(
        item.fields
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect::<BTreeMap<_, _>>(),
        fields
    );
    assert_eq!(item.last_seen_run, 4);
    assert!(item.stock.0.is_empty());
    assert_eq!(pool.sku_of(7, pid)?.as_deref(), Some("SKU-1"));
    assert_eq!(pool.sku_of(7, "legacy-id")?.as_deref(), Some("SKU-2"));
    // Written back in the current form, read back the same.
    let mut w = pool.write();
    pool.stage(&mut w, 7, &item)?;
    pool.commit(w)?;
    assert_eq!(pool.get(7, "SKU-1")?, Some(item));
    drop(pool);
    drop(store);
    let db = sled::open(dir.path()).expect("raw open");
    assert!(!db.tree_names().iter().any(|n| &n[..] == b"levels"));
    assert_eq!(db.open_tree("checkpoints").expect("tree").len(), 0);
    let ids = db.open_tree("pool_ids").expect("tree");
    assert_eq!(ids.len(), 2);
    assert!(ids.iter().keys().all(|k| k.expect("key")[0] >= 0xA0));
    Ok(())
}
