//! A Bloom filter of the SKUs a run has staged: "not in it" is certain, "maybe" means ask the
//! pool. 2 MiB whatever the catalog size; at a million SKUs about one lookup in a hundred
//! is a false "maybe", which costs only the sled read it would have made anyway.

use std::hash::BuildHasher;

const BITS: usize = 1 << 24;
const HASHES: u64 = 5;

pub(super) struct SkuFilter {
    words: Vec<u64>,
    hasher: std::collections::hash_map::RandomState,
}

impl Default for SkuFilter {
    fn default() -> Self {
        SkuFilter {
            words: vec![0; BITS / 64],
            hasher: std::collections::hash_map::RandomState::new(),
        }
    }
}

impl SkuFilter {
    /// Bit positions for a SKU's hash, by double hashing one 64-bit hash.
    fn positions(hash: u64) -> impl Iterator<Item = usize> {
        let (a, b) = (hash & 0xffff_ffff, (hash >> 32) | 1);
        (0..HASHES).map(move |i| (a.wrapping_add(i.wrapping_mul(b)) as usize) % BITS)
    }

    pub(super) fn insert(&mut self, sku: &str) {
        for p in Self::positions(self.hasher.hash_one(sku)) {
            self.words[p / 64] |= 1 << (p % 64);
        }
    }

    pub(super) fn maybe(&self, sku: &str) -> bool {
        Self::positions(self.hasher.hash_one(sku))
            .all(|p| self.words[p / 64] & (1 << (p % 64)) != 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_forgets_and_rarely_guesses() {
        let mut f = SkuFilter::default();
        for i in 0..100_000 {
            f.insert(&format!("SKU-{i}"));
        }
        assert!((0..100_000).all(|i| f.maybe(&format!("SKU-{i}"))));
        let false_maybes = (0..100_000)
            .filter(|i| f.maybe(&format!("OTHER-{i}")))
            .count();
        assert!(false_maybes < 100, "{false_maybes} false positives");
    }
}
