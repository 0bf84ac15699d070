//! `lab --mystery`: K servers drawn from the lab's scenarios (plain and TLS) and the fault
//! lab's broken servers, for a class to diagnose; `lab --answers` names them. The draw is
//! a small PRNG of our own (SplitMix64) and a partial Fisher–Yates shuffle, so one seed
//! gives the same draw on every machine and every run of the same ftpdoctor version
//! (a version that adds scenarios draws from a longer list).

use std::fmt;

use super::{Fault, Scenario};

/// Servers served when --count is not given.
pub const DEFAULT_COUNT: usize = 3;

/// One drawn server: a lab scenario or a fault.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pick {
    /// A scenario of the lab (`lab --scenario`).
    Scenario(Scenario),
    /// A broken or hostile server (`lab --fault`).
    Fault(Fault),
}

impl Pick {
    /// The name `lab --scenario` / `lab --fault` takes.
    pub fn name(self) -> &'static str {
        match self {
            Pick::Scenario(s) => s.name(),
            Pick::Fault(f) => f.name(),
        }
    }

    /// One line on what is wrong with it.
    pub fn description(self) -> &'static str {
        match self {
            Pick::Scenario(s) => s.description(),
            Pick::Fault(f) => f.description(),
        }
    }
}

impl fmt::Display for Pick {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Pick::Scenario(_) => write!(f, "--scenario {}", self.name()),
            Pick::Fault(_) => write!(f, "--fault {}", self.name()),
        }
    }
}

/// Everything a draw picks from: the scenarios in their listed order, then the faults.
pub fn pool() -> Vec<Pick> {
    Scenario::ALL
        .into_iter()
        .map(Pick::Scenario)
        .chain(Fault::ALL.into_iter().map(Pick::Fault))
        .collect()
}

/// SplitMix64 (Steele, Lea, Flood 2014): 64 bits of state, fixed arithmetic, the same
/// sequence everywhere.
#[derive(Debug, Clone)]
pub struct SplitMix64(u64);

impl SplitMix64 {
    /// The generator for `seed`.
    pub fn new(seed: u64) -> SplitMix64 {
        SplitMix64(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number below `n` (n > 0), without modulo bias (Lemire's rejection).
    pub fn below(&mut self, n: u64) -> u64 {
        let threshold = n.wrapping_neg() % n;
        loop {
            let wide = u128::from(self.next_u64()) * u128::from(n);
            if (wide as u64) >= threshold {
                return (wide >> 64) as u64;
            }
        }
    }
}

/// `count` different servers drawn by `seed` (all of them when `count` is larger).
pub fn draw(seed: u64, count: usize) -> Vec<Pick> {
    let mut pool = pool();
    let mut rng = SplitMix64::new(seed);
    let count = count.min(pool.len());
    for i in 0..count {
        let left = (pool.len() - i) as u64;
        let j = i + rng.below(left) as usize;
        pool.swap(i, j);
    }
    pool.truncate(count);
    pool
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splitmix_matches_the_reference_sequence() {
        // The first outputs for seed 1234567 from the reference C implementation.
        let mut rng = SplitMix64::new(1_234_567);
        assert_eq!(rng.next_u64(), 6_457_827_717_110_365_317);
        assert_eq!(rng.next_u64(), 3_203_168_211_198_807_973);
        assert_eq!(rng.next_u64(), 9_817_491_932_198_370_423);
    }

    #[test]
    fn a_seed_draws_the_same_servers_every_time_and_none_twice() {
        let a = draw(42, 5);
        assert_eq!(a, draw(42, 5));
        assert_eq!(a.len(), 5);
        for (i, p) in a.iter().enumerate() {
            assert!(!a[i + 1..].contains(p), "{p} twice in {a:?}");
        }
        assert_ne!(a, draw(43, 5));
    }

    #[test]
    fn a_smaller_count_is_a_prefix_of_a_larger_one() {
        assert_eq!(draw(7, 2)[..], draw(7, 4)[..2]);
    }

    #[test]
    fn a_count_past_the_pool_draws_everything_once() {
        let all = draw(1, 10_000);
        assert_eq!(all.len(), pool().len());
    }

    #[test]
    fn below_stays_below() {
        let mut rng = SplitMix64::new(9);
        for n in [1, 2, 3, 17, 1000] {
            for _ in 0..200 {
                assert!(rng.below(n) < n);
            }
        }
    }
}
