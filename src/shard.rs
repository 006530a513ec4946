//! `--shard I/N`: a stable share of the targets, so a CI matrix, a
//! Kubernetes Indexed Job or an AWS Batch array job can spread a fleet over
//! machines with no scheduler of ours. A target belongs to shard
//! `FNV-1a-64(name) mod N`: the same name lands in the same shard on every
//! machine, in every version (the hash is part of the contract), whatever
//! the other targets are.

use std::fmt;
use std::str::FromStr;

/// Shard `index` of `count`, counted from 0 as Kubernetes
/// (`JOB_COMPLETION_INDEX`) and AWS Batch (`AWS_BATCH_JOB_ARRAY_INDEX`) count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    pub index: u64,
    pub count: u64,
}

impl Shard {
    /// Whether the target named `name` is this shard's.
    pub fn holds(&self, name: &str) -> bool {
        fnv1a(name.as_bytes()) % self.count == self.index
    }
}

/// FNV-1a, 64 bits: a few lines, stable by definition, and spread well
/// enough over short names for an even share.
pub(crate) fn fnv1a(bytes: &[u8]) -> u64 {
    const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    bytes
        .iter()
        .fold(OFFSET, |hash, &b| (hash ^ u64::from(b)).wrapping_mul(PRIME))
}

impl FromStr for Shard {
    type Err = String;

    fn from_str(text: &str) -> Result<Shard, String> {
        let usage = || format!("`{text}` is not I/N (shard I of N, I from 0 to N-1: 0/4 … 3/4)");
        let (index, count) = text.split_once('/').ok_or_else(usage)?;
        let index: u64 = index.trim().parse().map_err(|_| usage())?;
        let count: u64 = count.trim().parse().map_err(|_| usage())?;
        if count == 0 {
            return Err(format!("`{text}`: N must be at least 1"));
        }
        if index >= count {
            return Err(format!(
                "`{text}`: shards are counted from 0, so I must be below N (0/{count} … {}/{count})",
                count - 1
            ));
        }
        Ok(Shard { index, count })
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_hash_is_fnv1a_64() {
        // The published test vectors: a shard must not move between versions.
        assert_eq!(fnv1a(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a(b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fnv1a(b"foobar"), 0x8594_4171_f739_67e8);
    }

    #[test]
    fn every_target_is_in_exactly_one_shard_and_shares_are_even() {
        let names: Vec<String> = (0..1000)
            .map(|i| format!("{:012}-eu-central-1", 100_000_000_000u64 + i * 7919))
            .collect();
        for count in [1, 2, 3, 7, 16] {
            let shards: Vec<Shard> = (0..count).map(|index| Shard { index, count }).collect();
            let mut sizes = vec![0usize; shards.len()];
            for name in &names {
                let holders: Vec<usize> = (0..shards.len())
                    .filter(|&i| shards[i].holds(name))
                    .collect();
                assert_eq!(holders.len(), 1, "{name} in {holders:?} of {count}");
                sizes[holders[0]] += 1;
            }
            let even = names.len() / shards.len();
            for size in sizes {
                assert!(
                    size.abs_diff(even) <= even / 4 + 5,
                    "{count} shards: {size} vs {even}"
                );
            }
        }
    }

    #[test]
    fn shards_are_read_and_refused_clearly() {
        assert_eq!("2/4".parse(), Ok(Shard { index: 2, count: 4 }));
        assert_eq!("0/1".parse(), Ok(Shard { index: 0, count: 1 }));
        assert_eq!("2/4".parse::<Shard>().unwrap().to_string(), "2/4");
        for (bad, why) in [
            ("4/4", "counted from 0"),
            ("1/0", "at least 1"),
            ("-1/4", "not I/N"),
            ("2", "not I/N"),
            ("a/b", "not I/N"),
        ] {
            let error = bad.parse::<Shard>().unwrap_err();
            assert!(error.contains(why), "{bad}: {error}");
        }
    }
}
