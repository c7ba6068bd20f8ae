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

#[cfg(test)]
mod tests {
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
