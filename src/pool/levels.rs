//! Stock per product and outlet. Each pool item keeps its product's levels (so a change
//! reported for one outlet can be summed with the others without asking the store again);
//! [`StockMap`] holds them in memory while Get Inventory (Primary) reads the stock feed.

use std::fs::{File, OpenOptions};
use std::io::{self, BufReader, BufWriter, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use rustc_hash::FxHashMap;

use serde::{Deserialize, Serialize};

use crate::store::keys::canonical_uuid;

/// A product's stock: (outlet id, level), sorted by outlet id.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct StockLevels(pub Vec<(String, f64)>);

impl StockLevels {
    /// The sum over outlets, or one outlet's level. `None` when nothing is known.
    pub fn quantity(&self, outlet: Option<&str>) -> Option<f64> {
        match outlet {
            Some(o) => self.0.iter().find(|(x, _)| x == o).map(|(_, l)| *l),
            None if self.0.is_empty() => None,
            None => Some(self.0.iter().map(|(_, l)| l).sum()),
        }
    }

    /// Sets (or with `None`, forgets) one outlet's level.
    pub fn set(&mut self, outlet: &str, level: Option<f64>) {
        match (
            self.0.binary_search_by(|(o, _)| o.as_str().cmp(outlet)),
            level,
        ) {
            (Ok(i), Some(l)) => self.0[i].1 = l,
            (Ok(i), None) => {
                self.0.remove(i);
            }
            (Err(i), Some(l)) => self.0.insert(i, (outlet.to_string(), l)),
            (Err(_), None) => {}
        }
    }
}

/// One level as the stock feed gave it, before the feed is sealed.
#[derive(Clone, Copy)]
struct Rec {
    key: [u8; 16],
    outlet: u16,
    rank: u8,
    /// Arrival order: of two records of one rank, the later wins.
    seq: u32,
    /// NaN = forgotten (a deleted record).
    level: f64,
}

impl Rec {
    const BYTES: usize = 16 + 2 + 1 + 4 + 8;

    fn order(&self) -> ([u8; 16], u16, u8, u32) {
        (self.key, self.outlet, self.rank, self.seq)
    }

    fn write(&self, w: &mut impl Write) -> io::Result<()> {
        w.write_all(&self.key)?;
        w.write_all(&self.outlet.to_le_bytes())?;
        w.write_all(&[self.rank])?;
        w.write_all(&self.seq.to_le_bytes())?;
        w.write_all(&self.level.to_le_bytes())
    }

    fn read(r: &mut impl Read) -> io::Result<Option<Rec>> {
        let mut b = [0u8; Rec::BYTES];
        match r.read_exact(&mut b) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return Ok(None),
            Err(e) => return Err(e),
        }
        let mut key = [0u8; 16];
        key.copy_from_slice(&b[..16]);
        let mut level = [0u8; 8];
        level.copy_from_slice(&b[23..31]);
        Ok(Some(Rec {
            key,
            outlet: u16::from_le_bytes([b[16], b[17]]),
            rank: b[18],
            seq: u32::from_le_bytes([b[19], b[20], b[21], b[22]]),
            level: f64::from_le_bytes(level),
        }))
    }
}

/// Records held in memory before a sorted run of them goes to a scratch file (8 MB).
const RUN_RECORDS: usize = 1 << 18;
/// Rows per block of the sealed table: one read finds a product.
const BLOCK_ROWS: usize = 32;

/// A scratch file in the data dir, unlinked as soon as it is open: it goes with the
/// process, however that ends.
fn scratch(dir: &Path) -> io::Result<File> {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let path = dir.join(format!(".stock-{}-{n}.tmp", std::process::id()));
    let mut o = OpenOptions::new();
    o.read(true).write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.mode(0o600);
    }
    let f = o.open(&path)?;
    std::fs::remove_file(&path)?;
    Ok(f)
}

/// The sealed table: one row per product, sorted by id, `16 + 8 × outlets` bytes each.
enum Sealed {
    Memory(Vec<u8>),
    /// On disk, with every [`BLOCK_ROWS`]th key in memory.
    Disk {
        file: File,
        index: Vec<[u8; 16]>,
    },
}

/// Stock read by Get Inventory (Primary), held between its two phases: the stock feed and
/// the product feed come in unrelated orders, and nothing of it is written until the product
/// it belongs to is.
///
/// Memory stays flat in the catalog's size: records are kept as sorted runs in a scratch
/// file in the data dir (when one is given) once there are more than [`RUN_RECORDS`];
/// [`StockMap::seal`] merges them into one table sorted by product, of which memory keeps
/// one key in [`BLOCK_ROWS`] (half a megabyte at a million products) and a lookup reads one
/// block. Product ids are UUIDs in practice and are kept as 16 bytes; any other id is kept
/// in memory.
#[derive(Default)]
pub struct StockMap {
    dir: Option<PathBuf>,
    outlets: Vec<String>,
    /// Not yet in a run.
    recent: Vec<Rec>,
    /// Sorted runs, each a scratch file.
    runs: Vec<File>,
    seq: u32,
    /// (product, outlet) → (rank, level) for ids that are not UUIDs.
    other: FxHashMap<(String, u16), (u8, f64)>,
    sealed: Option<Sealed>,
    rows: usize,
    known: usize,
}

impl StockMap {
    /// A map that spills to scratch files in `dir` (the data dir).
    pub fn spilling_to(dir: &Path) -> StockMap {
        StockMap {
            dir: Some(dir.to_path_buf()),
            ..StockMap::default()
        }
    }

    fn outlet(&mut self, id: &str) -> u16 {
        if let Some(i) = self.outlets.iter().position(|o| o == id) {
            return i as u16;
        }
        self.outlets.push(id.to_string());
        (self.outlets.len() - 1) as u16
    }

    /// Records one (product, outlet) level; `None` forgets it (a deleted record).
    pub fn set(&mut self, product: &str, outlet: &str, level: Option<f64>) -> io::Result<()> {
        self.set_ranked(0, product, outlet, level)
    }

    /// [`StockMap::set`] for a feed read as version ranges side by side: `rank` is the
    /// range's place in version order. A record that changed during the read can be met in
    /// two ranges, and the higher range holds the newer version, so a level set from a
    /// higher range is never overwritten from a lower one.
    pub fn set_ranked(
        &mut self,
        rank: u8,
        product: &str,
        outlet: &str,
        level: Option<f64>,
    ) -> io::Result<()> {
        let outlet = self.outlet(outlet);
        let level = level.unwrap_or(f64::NAN);
        let Some(u) = canonical_uuid(product) else {
            let slot = self
                .other
                .entry((product.to_string(), outlet))
                .or_insert((rank, f64::NAN));
            if slot.0 <= rank {
                *slot = (rank, level);
            }
            return Ok(());
        };
        self.seq += 1;
        self.recent.push(Rec {
            key: u.to_be_bytes(),
            outlet,
            rank,
            seq: self.seq,
            level,
        });
        if self.recent.len() >= RUN_RECORDS {
            if let Some(dir) = self.dir.clone() {
                self.spill(&dir)?;
            }
        }
        Ok(())
    }

    fn spill(&mut self, dir: &Path) -> io::Result<()> {
        self.recent.sort_unstable_by_key(Rec::order);
        let mut w = BufWriter::new(scratch(dir)?);
        for r in &self.recent {
            r.write(&mut w)?;
        }
        let mut f = w.into_inner().map_err(io::IntoInnerError::into_error)?;
        f.seek(SeekFrom::Start(0))?;
        self.runs.push(f);
        self.recent.clear();
        self.recent.shrink_to(RUN_RECORDS);
        Ok(())
    }

    fn width(&self) -> usize {
        16 + 8 * self.outlets.len()
    }

    /// Ends the feed: from here on [`StockMap::get`] answers. Later `set`s are not seen.
    pub fn seal(&mut self) -> io::Result<()> {
        self.recent.sort_unstable_by_key(Rec::order);
        let outlets = self.outlets.len();
        let recent = std::mem::take(&mut self.recent);
        let mut sources: Vec<Box<dyn Iterator<Item = io::Result<Rec>>>> =
            vec![Box::new(recent.into_iter().map(Ok))];
        for f in std::mem::take(&mut self.runs) {
            let mut r = BufReader::with_capacity(64 * 1024, f);
            sources.push(Box::new(std::iter::from_fn(move || {
                Rec::read(&mut r).transpose()
            })));
        }
        let file = match &self.dir {
            Some(dir) if sources.len() > 1 => Some(scratch(dir)?),
            _ => None,
        };
        let mut w = file.as_ref().map(BufWriter::new);
        let mut memory = Vec::new();
        let mut index = Vec::new();
        let mut rows = 0usize;
        let mut known = 0usize;
        let mut emit = |key: &[u8; 16], levels: &[f64]| -> io::Result<()> {
            if levels.iter().any(|l| !l.is_nan()) {
                known += 1;
            }
            if rows % BLOCK_ROWS == 0 {
                index.push(*key);
            }
            rows += 1;
            let out: &mut dyn Write = match w.as_mut() {
                Some(w) => w,
                None => &mut memory,
            };
            out.write_all(key)?;
            for l in levels {
                out.write_all(&l.to_le_bytes())?;
            }
            Ok(())
        };
        let mut heads: Vec<Option<Rec>> = Vec::with_capacity(sources.len());
        for s in sources.iter_mut() {
            heads.push(s.next().transpose()?);
        }
        // The last record of each (product, outlet) in sorted order is the one that counts:
        // the highest rank's latest.
        let mut row: Option<([u8; 16], Vec<f64>)> = None;
        while let Some(i) = (0..heads.len())
            .filter(|i| heads[*i].is_some())
            .min_by_key(|i| heads[*i].map(|r| r.order()))
        {
            let Some(rec) = heads[i] else { break };
            heads[i] = sources[i].next().transpose()?;
            match &mut row {
                Some((k, levels)) if *k == rec.key => levels[rec.outlet as usize] = rec.level,
                _ => {
                    if let Some((k, levels)) = row.take() {
                        emit(&k, &levels)?;
                    }
                    let mut levels = vec![f64::NAN; outlets];
                    levels[rec.outlet as usize] = rec.level;
                    row = Some((rec.key, levels));
                }
            }
        }
        if let Some((k, levels)) = row.take() {
            emit(&k, &levels)?;
        }
        if let Some(w) = w.as_mut() {
            w.flush()?;
        }
        drop(w);
        self.rows = rows;
        self.known = known
            + self
                .other
                .iter()
                .filter(|(_, (_, l))| !l.is_nan())
                .map(|((p, _), _)| p)
                .collect::<std::collections::HashSet<_>>()
                .len();
        self.sealed = Some(match file {
            Some(file) => Sealed::Disk { file, index },
            None => Sealed::Memory(memory),
        });
        Ok(())
    }

    /// Products with at least one level (after [`StockMap::seal`]).
    pub fn len(&self) -> usize {
        self.known
    }

    pub fn is_empty(&self) -> bool {
        self.known == 0
    }

    fn levels_of(&self, key: &[u8; 16]) -> io::Result<Option<Vec<f64>>> {
        let width = self.width();
        let find = |rows: &[u8]| -> Option<Vec<f64>> {
            let n = rows.len() / width;
            let (mut lo, mut hi) = (0, n);
            while lo < hi {
                let mid = lo + (hi - lo) / 2;
                let k = &rows[mid * width..mid * width + 16];
                match k.cmp(key.as_slice()) {
                    std::cmp::Ordering::Less => lo = mid + 1,
                    std::cmp::Ordering::Greater => hi = mid,
                    std::cmp::Ordering::Equal => {
                        let row = &rows[mid * width + 16..(mid + 1) * width];
                        return Some(
                            row.chunks_exact(8)
                                .map(|c| {
                                    let mut b = [0u8; 8];
                                    b.copy_from_slice(c);
                                    f64::from_le_bytes(b)
                                })
                                .collect(),
                        );
                    }
                }
            }
            None
        };
        match &self.sealed {
            None => Err(io::Error::other(
                "the stock levels were read before the stock feed ended",
            )),
            Some(Sealed::Memory(rows)) => Ok(find(rows)),
            Some(Sealed::Disk { file, index }) => {
                let block = index.partition_point(|k| k <= key);
                if block == 0 {
                    return Ok(None);
                }
                let first = (block - 1) * BLOCK_ROWS;
                let count = BLOCK_ROWS.min(self.rows - first);
                let mut buf = vec![0u8; count * width];
                read_at(file, &mut buf, (first * width) as u64)?;
                Ok(find(&buf))
            }
        }
    }

    /// A product's stock, sorted by outlet id (empty when the feed had none).
    pub fn get(&self, product: &str) -> io::Result<StockLevels> {
        let levels: Vec<f64> = match canonical_uuid(product) {
            Some(u) => self.levels_of(&u.to_be_bytes())?.unwrap_or_default(),
            None => (0..self.outlets.len())
                .map(|o| {
                    self.other
                        .get(&(product.to_string(), o as u16))
                        .map_or(f64::NAN, |(_, l)| *l)
                })
                .collect(),
        };
        let mut out: Vec<(String, f64)> = levels
            .iter()
            .zip(&self.outlets)
            .filter(|(l, _)| !l.is_nan())
            .map(|(l, o)| (o.clone(), *l))
            .collect();
        out.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(StockLevels(out))
    }
}

#[cfg(unix)]
fn read_at(file: &File, buf: &mut [u8], offset: u64) -> io::Result<()> {
    use std::os::unix::fs::FileExt;
    file.read_exact_at(buf, offset)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_keeps_outlets_sorted_and_forgets_deleted() {
        let mut s = StockLevels::default();
        s.set("b", Some(2.0));
        s.set("a", Some(1.0));
        s.set("c", Some(4.0));
        assert_eq!(s.quantity(None), Some(7.0));
        s.set("c", None);
        s.set("a", Some(5.0));
        assert_eq!(s.0, vec![("a".to_string(), 5.0), ("b".to_string(), 2.0)]);
        assert_eq!(s.quantity(Some("b")), Some(2.0));
        assert_eq!(s.quantity(Some("z")), None);
        s.set("a", None);
        s.set("b", None);
        assert_eq!(s.quantity(None), None);
    }

    #[test]
    fn stock_map_widens_for_new_outlets_and_forgets_deleted_records() {
        let p1 = "0a0b0c0d-1111-4222-8333-444455556666";
        let mut m = StockMap::default();
        m.set(p1, "o2", Some(2.0)).unwrap();
        m.set("legacy", "o2", Some(7.0)).unwrap();
        m.set(p1, "o1", Some(1.0)).unwrap();
        m.set(p1, "o3", Some(4.0)).unwrap();
        m.set(p1, "o3", None).unwrap();
        m.set("absent", "o1", None).unwrap();
        m.seal().unwrap();
        assert_eq!(m.len(), 2);
        assert_eq!(
            m.get(p1).unwrap().0,
            vec![("o1".to_string(), 1.0), ("o2".to_string(), 2.0)]
        );
        assert_eq!(m.get("legacy").unwrap().0, vec![("o2".to_string(), 7.0)]);
        assert!(m.get("absent").unwrap().0.is_empty());
        assert_eq!(m.get(p1).unwrap().quantity(None), Some(3.0));
    }

    #[test]
    fn a_lower_range_never_overwrites_a_higher_ones_level() {
        let p = "0a0b0c0d-1111-4222-8333-444455556666";
        let mut m = StockMap::default();
        m.set_ranked(1, p, "o1", Some(5.0)).unwrap();
        m.set_ranked(0, p, "o1", Some(9.0)).unwrap();
        m.set_ranked(1, p, "o2", None).unwrap();
        m.set_ranked(0, p, "o2", Some(3.0)).unwrap();
        m.set_ranked(0, p, "o3", Some(1.0)).unwrap();
        m.set_ranked(2, p, "o3", Some(2.0)).unwrap();
        m.set_ranked(2, p, "o3", Some(4.0)).unwrap();
        let q = "legacy-id";
        m.set_ranked(1, q, "o1", None).unwrap();
        m.set_ranked(0, q, "o1", Some(8.0)).unwrap();
        m.seal().unwrap();
        assert!(m.get(q).unwrap().0.is_empty());
        assert_eq!(
            m.get(p).unwrap().0,
            vec![("o1".to_string(), 5.0), ("o3".to_string(), 4.0)]
        );
    }

    /// The same feed, held in memory and spilled as many runs to a scratch file, gives the
    /// same levels; the scratch files leave nothing in the dir.
    #[test]
    fn a_spilled_map_answers_as_one_held_in_memory() {
        let dir = tempfile::tempdir().unwrap();
        let mut spilled = StockMap::spilling_to(dir.path());
        let mut held = StockMap::default();
        let id = |i: u64| format!("00000000-0000-4000-8000-{i:012x}");
        let n = (RUN_RECORDS as u64) * 3 / 2;
        for i in 0..n {
            // Two ranges' worth, out of order, some deleted, some overwritten by a higher
            // rank and some by a lower one (which must not win).
            let p = id((i * 7919) % (n / 3));
            let o = ["o2", "o1", "o3"][(i % 3) as usize];
            let rank = (i % 5 == 0) as u8;
            let level = (i % 11 != 0).then_some(i as f64);
            spilled.set_ranked(rank, &p, o, level).unwrap();
            held.set_ranked(rank, &p, o, level).unwrap();
        }
        spilled.set("legacy", "o1", Some(3.0)).unwrap();
        held.set("legacy", "o1", Some(3.0)).unwrap();
        spilled.seal().unwrap();
        held.seal().unwrap();
        assert!(matches!(spilled.sealed, Some(Sealed::Disk { .. })));
        assert!(matches!(held.sealed, Some(Sealed::Memory(_))));
        assert_eq!(spilled.len(), held.len());
        for i in (0..n / 3 + 2).chain([u64::MAX >> 16]) {
            assert_eq!(
                spilled.get(&id(i)).unwrap(),
                held.get(&id(i)).unwrap(),
                "{i}"
            );
        }
        assert_eq!(
            spilled.get("legacy").unwrap().0,
            vec![("o1".to_string(), 3.0)]
        );
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }
}
