//! Work spread over every core: one scoped thread per core, each taking
//! every n-th item, results back in the items' order. For the loops of our
//! own code that polars does not run (hashing drops, fitting life
//! distributions, the batch tests' tail integrals); polars parallelises
//! its own queries.

/// `f` of every item, in the items' order, on every core: each worker
/// takes every n-th item (the first item is often the largest, so
/// contiguous halves would not balance).
pub fn on_every_core<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let workers = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1).clamp(1, items.len().max(1));
    let mut out: Vec<(usize, R)> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..workers)
            .map(|w| {
                let f = &f;
                scope.spawn(move || {
                    items.iter().enumerate().skip(w).step_by(workers).map(|(i, x)| (i, f(x))).collect::<Vec<_>>()
                })
            })
            .collect();
        handles.into_iter().flat_map(|h| h.join().expect("a worker panicked")).collect()
    });
    out.sort_by_key(|r| r.0);
    out.into_iter().map(|r| r.1).collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn results_come_back_in_the_items_order() {
        let items: Vec<u64> = (0..101).collect();
        assert_eq!(super::on_every_core(&items, |x| x * x), items.iter().map(|x| x * x).collect::<Vec<_>>());
        assert!(super::on_every_core(&[] as &[u64], |x| *x).is_empty());
    }
}
