//! Audit: did every item a producer made reach exactly one consumer?
//!
//! The producer / consumer examples (condition, queue) tag each item with
//! who made it and its sequence number, each consumer keeps what it got,
//! and this module counts what was produced, consumed, lost, duplicated and
//! received out of order. The examples print the counts; their tests assert
//! them, so a broken queue fails a test instead of just printing a wrong
//! number.

use std::collections::HashMap;
use std::fmt;

/// One item: producer `producer`'s `seq`-th item (both from 0).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Item {
    pub producer: usize,
    pub seq: usize,
}

/// `1.3`: producer 1's fourth item.
impl fmt::Display for Item {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.producer, self.seq)
    }
}

/// What happened to the items.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Audit {
    /// Items the producers made.
    pub produced: usize,
    /// Items the consumers received (duplicates included).
    pub consumed: usize,
    /// Items made but never received.
    pub lost: usize,
    /// Extra copies received of an item already received.
    pub duplicated: usize,
    /// Times a consumer got a producer's item after a later one of the same
    /// producer. A FIFO queue never does this: each consumer takes items in
    /// queue order, and each producer put its items in order.
    pub out_of_order: usize,
    /// Received items no producer made (a corrupted item).
    pub unknown: usize,
}

impl Audit {
    /// True when every item arrived exactly once and in order.
    pub fn is_perfect(&self) -> bool {
        self.lost == 0
            && self.duplicated == 0
            && self.out_of_order == 0
            && self.unknown == 0
            && self.consumed == self.produced
    }
}

impl fmt::Display for Audit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "produced: {}, consumed: {}, lost: {}, duplicated: {}, out of order: {}",
            self.produced, self.consumed, self.lost, self.duplicated, self.out_of_order
        )?;
        if self.unknown > 0 {
            write!(f, ", unknown: {}", self.unknown)?;
        }
        Ok(())
    }
}

/// Audits `received` (one list per consumer, in the order it got them)
/// against `producers` producers that made `per_producer` items each.
pub fn audit(producers: usize, per_producer: usize, received: &[Vec<Item>]) -> Audit {
    let mut seen: HashMap<Item, usize> = HashMap::new();
    let mut out_of_order = 0;
    let mut unknown = 0;
    for consumer in received {
        let mut last_seq: HashMap<usize, usize> = HashMap::new();
        for item in consumer {
            if item.producer >= producers || item.seq >= per_producer {
                unknown += 1;
                continue;
            }
            *seen.entry(*item).or_default() += 1;
            if let Some(&last) = last_seq.get(&item.producer)
                && item.seq <= last
            {
                out_of_order += 1;
            }
            last_seq.insert(item.producer, item.seq);
        }
    }
    let produced = producers * per_producer;
    Audit {
        produced,
        consumed: received.iter().map(Vec::len).sum(),
        lost: produced - seen.len(),
        duplicated: seen.values().map(|&n| n - 1).sum(),
        out_of_order,
        unknown,
    }
}

/// Prints the result block: `first`, then for each named audit
/// `<name>_consumed`, `_lost`, `_duplicated`, `_in_order` and `_ms`.
pub fn print_results(first: &[(&str, &dyn fmt::Display)], audits: &[(&str, Audit, u128)]) {
    let mut lines: Vec<(String, String)> = first
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    for (name, a, ms) in audits {
        lines.push((format!("{name}_consumed"), a.consumed.to_string()));
        lines.push((format!("{name}_lost"), a.lost.to_string()));
        lines.push((format!("{name}_duplicated"), a.duplicated.to_string()));
        lines.push((
            format!("{name}_in_order"),
            (a.out_of_order == 0).to_string(),
        ));
        lines.push((format!("{name}_ms"), ms.to_string()));
    }
    let pairs: Vec<(&str, &dyn fmt::Display)> =
        lines.iter().map(|(k, v)| (k.as_str(), v as _)).collect();
    shared::output::results(&pairs);
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    fn item(producer: usize, seq: usize) -> Item {
        Item { producer, seq }
    }

    #[test]
    fn a_perfect_run() {
        let received = vec![
            vec![item(0, 0), item(1, 0), item(0, 2)],
            vec![item(0, 1), item(1, 1)],
        ];
        let a = audit(2, 3, &received);
        assert_eq!(a.produced, 6);
        assert_eq!(a.consumed, 5);
        assert_eq!(a.lost, 1); // item(1, 2) never came
        assert!(!a.is_perfect());
        let mut all = received;
        all[1].push(item(1, 2));
        assert!(audit(2, 3, &all).is_perfect());
    }

    #[test]
    fn counts_duplicates_disorder_and_strangers() {
        let received = vec![
            vec![item(0, 1), item(0, 0), item(0, 1)],
            vec![item(0, 0), item(5, 0)],
        ];
        let a = audit(1, 2, &received);
        assert_eq!(a.lost, 0);
        assert_eq!(a.duplicated, 2);
        assert_eq!(a.out_of_order, 1); // consumer 0 got seq 0 after seq 1
        assert_eq!(a.unknown, 1);
        assert!(a.to_string().contains("duplicated: 2"));
    }
}
