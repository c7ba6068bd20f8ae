//! The process's memory as Linux reports it: resident now, the peak since
//! the last reset, and handing freed heap back to the system. Elsewhere
//! these are no-ops (None), since the figures are only ever reported.

/// Resident memory now, in bytes (`VmRSS`).
pub fn resident() -> Option<u64> {
    status_kb("VmRSS:").map(|kb| kb * 1024)
}

/// The resident high-water mark since the last `reset_peak`, in bytes
/// (`VmHWM`).
pub fn peak() -> Option<u64> {
    status_kb("VmHWM:").map(|kb| kb * 1024)
}

/// Start a new high-water mark at the current resident size. Freed heap is
/// first handed back: glibc keeps what a stage freed mapped, and the next
/// stage's peak would count it (at 100M units, gigabytes the ingest freed).
pub fn reset_peak() {
    trim();
    // Writing 5 to clear_refs resets VmHWM to the current RSS.
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

/// Return the heap's free pages to the system.
pub fn trim() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only releases free memory held by the allocator;
    // it takes no pointers and is thread-safe in glibc.
    unsafe {
        libc::malloc_trim(0);
    }
}

fn status_kb(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    line.split_whitespace().nth(1)?.parse().ok()
}
