//! Rows matched by key: each row paired with the next row of its key, for
//! "later row wins" in a load and "latest load wins" in the lake. Keys are
//! matched by sorting (hash, row) pairs once, not by a hash table probed
//! row by row: every probe missed the cache, and at 100M units the probes
//! of one 34M-row file cost more than the rest of its validation.

/// Call `next(prev, row)` for each row whose key an earlier row had, with
/// `prev` the latest such row. `hashes` holds (hash of the key, row) for
/// every row that has a key; `same(a, b)` compares two rows' keys, so rows
/// whose hashes collide are still told apart.
pub fn each_next(mut hashes: Vec<(u64, u32)>, same: impl Fn(usize, usize) -> bool, mut next: impl FnMut(usize, usize)) {
    hashes.sort_unstable();
    // The latest row of each key in a run of equal hashes (one key, but
    // for a collision).
    let mut latest: Vec<usize> = Vec::new();
    for run in hashes.chunk_by(|a, b| a.0 == b.0).filter(|run| run.len() > 1) {
        latest.clear();
        for &(_, row) in run {
            let row = row as usize;
            match latest.iter_mut().find(|l| same(**l, row)) {
                Some(l) => next(std::mem::replace(l, row), row),
                None => latest.push(row),
            }
        }
    }
}

/// A set of keys as one bit per hash (a one-hash Bloom filter): `maybe`
/// is true for every key of the set and for about one other key in
/// sixteen. It thins a large probe side before an exact join: at 100M
/// units against 8M repaired serials, a hash-join probe per unit missed
/// the cache every time, where the sieve's bits (two bytes per key) stay
/// in it.
pub struct Sieve {
    bits: Vec<u64>,
    mask: u64,
}

impl Sieve {
    pub fn new(keys: &[&str]) -> Sieve {
        let size = (keys.len() * 16).next_power_of_two().max(1 << 10) as u64;
        let mut sieve = Sieve { bits: vec![0; (size / 64) as usize], mask: size - 1 };
        for k in keys {
            let b = sieve.bit(k);
            sieve.bits[(b / 64) as usize] |= 1 << (b % 64);
        }
        sieve
    }

    fn bit(&self, key: &str) -> u64 {
        use std::hash::BuildHasher;
        foldhash::fast::FixedState::with_seed(0x5eed).hash_one(key) & self.mask
    }

    /// False only for a key that is not in the set.
    pub fn maybe(&self, key: &str) -> bool {
        let b = self.bit(key);
        self.bits[(b / 64) as usize] & (1 << (b % 64)) != 0
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_sieve_keeps_every_key_and_few_others() {
        let keys: Vec<String> = (0..10_000).map(|i| format!("SN{i:09}")).collect();
        let sieve = super::Sieve::new(&keys.iter().map(String::as_str).collect::<Vec<_>>());
        assert!(keys.iter().all(|k| sieve.maybe(k)));
        let others = (0..100_000).filter(|i| sieve.maybe(&format!("XN{i:09}"))).count();
        // 10,000 keys in 2^18 bits: about 3.8% of other keys pass.
        assert!((2_000..6_000).contains(&others), "{others}");
    }

    #[test]
    fn each_row_is_paired_with_the_next_of_its_key_even_when_hashes_collide() {
        let keys = ["a", "b", "a", "c", "a", "b"];
        for hash in [|k: &str| k.as_bytes()[0] as u64, |_: &str| 7] {
            let hashes = keys.iter().enumerate().map(|(r, k)| (hash(k), r as u32)).collect();
            let mut pairs = Vec::new();
            super::each_next(hashes, |a, b| keys[a] == keys[b], |p, r| pairs.push((p, r)));
            pairs.sort();
            assert_eq!(pairs, [(0, 2), (1, 5), (2, 4)]);
        }
    }
}
