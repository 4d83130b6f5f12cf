//! Which seeds an exploration runs, and how `--shard i/n` splits them between machines: seed
//! number k of the plan (counting from 0) belongs to shard `k mod n + 1`, so every shard gets
//! an even share and the shards together run exactly the unsharded seeds.

use serde::{Deserialize, Serialize};

/// The seeds of an exploration: `first`, `first + 1`, … (`count` of them, or until the time
/// budget runs out when `count` is `None`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeedPlan {
    /// The first seed.
    pub first: u64,
    /// How many seeds, or `None` for "as many as the time allows".
    pub count: Option<u64>,
}

/// One part of a split exploration: shard `index` (1-based) of `count`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shard {
    /// 1-based.
    pub index: u32,
    /// How many shards in all.
    pub count: u32,
}

impl Shard {
    /// Parse `i/n` (1 ≤ i ≤ n).
    pub fn parse(text: &str) -> Result<Shard, String> {
        let bad = || format!("'{text}': a shard is i/n with 1 ≤ i ≤ n, e.g. 2/4");
        let (i, n) = text.split_once('/').ok_or_else(bad)?;
        let (index, count): (u32, u32) = (
            i.trim().parse().map_err(|_| bad())?,
            n.trim().parse().map_err(|_| bad())?,
        );
        if index == 0 || index > count {
            return Err(bad());
        }
        Ok(Shard { index, count })
    }
}

impl std::fmt::Display for Shard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

impl SeedPlan {
    /// The `k`-th seed (from 0) that `shard` runs, or `None` past the end of the plan.
    pub fn nth(&self, shard: Option<Shard>, k: u64) -> Option<u64> {
        let (offset, stride) = match shard {
            Some(s) => (u64::from(s.index - 1), u64::from(s.count)),
            None => (0, 1),
        };
        let position = offset.checked_add(k.checked_mul(stride)?)?;
        if self.count.is_some_and(|c| position >= c) {
            return None;
        }
        self.first.checked_add(position)
    }

    /// How many seeds `shard` runs (`None` when the plan is open-ended).
    pub fn len(&self, shard: Option<Shard>) -> Option<u64> {
        let count = self.count?;
        Some(match shard {
            None => count,
            Some(s) => {
                let (offset, stride) = (u64::from(s.index - 1), u64::from(s.count));
                if count > offset {
                    (count - offset).div_ceil(stride)
                } else {
                    0
                }
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_partition_the_seeds() {
        let plan = SeedPlan {
            first: 10,
            count: Some(11),
        };
        let mut all: Vec<u64> = Vec::new();
        for index in 1..=3 {
            let shard = Some(Shard { index, count: 3 });
            let seeds: Vec<u64> = (0..).map_while(|k| plan.nth(shard, k)).collect();
            assert_eq!(seeds.len() as u64, plan.len(shard).unwrap());
            all.extend(seeds);
        }
        all.sort();
        let unsharded: Vec<u64> = (0..).map_while(|k| plan.nth(None, k)).collect();
        assert_eq!(all, unsharded);
        assert_eq!(unsharded, (10..21).collect::<Vec<_>>());
    }

    #[test]
    fn shard_syntax_is_checked() {
        assert_eq!(Shard::parse("2/4").unwrap(), Shard { index: 2, count: 4 });
        for bad in ["0/4", "5/4", "2", "a/b", "1/0"] {
            assert!(Shard::parse(bad).is_err(), "{bad}");
        }
    }
}
