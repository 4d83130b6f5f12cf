//! The simulation's event queue, ordered by (time, sequence number). Events at any time go to a
//! binary heap. Events scheduled a fixed delay after "now" (every execution budget's timeout,
//! every idle check) go to a lane of their own instead: the clock never goes back, so their times
//! never decrease and a first-in first-out lane is already in order. A lane costs a push and a
//! pop where the heap pays a walk through tens of thousands of entries (most timeouts are
//! scheduled, outlive their segment and are ignored). The (time, sequence) pairs are unique,
//! so which structure holds an event never changes the order events come out in.
//!
//! (A radix heap was tried for the other events, 32 000 users waiting at a redirect: its share
//! of the profile was a point lower, the run's CPU time no lower measurably, and it added 9 MB
//! of resident memory at 100 000 logins, its buckets' vectors growing and shrinking; the binary
//! heap stayed. A heap of (time, sequence, slot) keys with the events in a slab beside it, 24
//! bytes an entry instead of 56, was no faster either: 8.12 s against 7.96 s on the redirect
//! benchmark, 5 interleaved runs.)

use std::cmp::{Ordering, Reverse};
use std::collections::{BinaryHeap, VecDeque};

/// Lanes for events scheduled a fixed delay ahead.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Lane {
    /// Execution budget timeouts (`now + 20 s`).
    Budget,
    /// Idle checks (`now + idle_timeout`).
    Idle,
}

/// An event with its time and sequence number.
#[derive(Debug)]
struct Queued<E> {
    at: i64,
    seq: u64,
    event: E,
}

impl<E> Queued<E> {
    fn key(&self) -> (i64, u64) {
        (self.at, self.seq)
    }
}

impl<E> PartialEq for Queued<E> {
    fn eq(&self, other: &Self) -> bool {
        self.key() == other.key()
    }
}

impl<E> Eq for Queued<E> {}

impl<E> PartialOrd for Queued<E> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl<E> Ord for Queued<E> {
    fn cmp(&self, other: &Self) -> Ordering {
        self.key().cmp(&other.key())
    }
}

/// Events in (time, sequence) order; the sequence numbers are given by the queue, in the order
/// events are pushed.
#[derive(Debug)]
pub(crate) struct EventQueue<E> {
    heap: BinaryHeap<Reverse<Queued<E>>>,
    lanes: [VecDeque<Queued<E>>; 2],
    seq: u64,
}

impl<E> EventQueue<E> {
    /// An empty queue.
    pub(crate) fn new() -> Self {
        EventQueue {
            heap: BinaryHeap::new(),
            lanes: [VecDeque::new(), VecDeque::new()],
            seq: 0,
        }
    }

    /// Add `event` at time `at`.
    pub(crate) fn push(&mut self, at: i64, event: E) {
        self.seq += 1;
        let seq = self.seq;
        self.heap.push(Reverse(Queued { at, seq, event }));
    }

    /// Add `event` at time `at` to `lane`. An event earlier than the lane's last goes to the
    /// heap (it never happens when the lane's events are a fixed delay after a clock that does
    /// not go back), so the order is right whatever the caller does.
    pub(crate) fn push_lane(&mut self, lane: Lane, at: i64, event: E) {
        let fifo = &mut self.lanes[lane as usize];
        if fifo.back().is_some_and(|last| last.at > at) {
            self.push(at, event);
            return;
        }
        self.seq += 1;
        let seq = self.seq;
        fifo.push_back(Queued { at, seq, event });
    }

    /// Remove the earliest event: its time and the event.
    pub(crate) fn pop(&mut self) -> Option<(i64, E)> {
        let mut best: Option<(i64, u64)> = self.heap.peek().map(|Reverse(q)| q.key());
        let mut from = None;
        for (i, fifo) in self.lanes.iter().enumerate() {
            if let Some(front) = fifo.front() {
                if best.is_none_or(|b| front.key() < b) {
                    best = Some(front.key());
                    from = Some(i);
                }
            }
        }
        let q = match from {
            Some(i) => self.lanes[i].pop_front(),
            None => self.heap.pop().map(|Reverse(q)| q),
        }?;
        Some((q.at, q.event))
    }

    /// Events waiting.
    #[cfg(test)]
    fn len(&self) -> usize {
        self.heap.len() + self.lanes.iter().map(VecDeque::len).sum::<usize>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    /// Events pushed at pseudo-random times, to the heap and to lanes (in order or not), come
    /// out exactly as a map keyed by (time, sequence) gives them.
    #[test]
    fn pops_in_time_then_sequence_order() {
        let mut q = EventQueue::new();
        let mut reference = BTreeMap::new();
        let mut seq = 0u64;
        let mut x = 0x9E37_79B9_7F4A_7C15_u64;
        let mut now = 0i64;
        let mut popped = Vec::new();
        let mut want = Vec::new();
        for step in 0..20_000u64 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            match x % 5 {
                0 | 1 => {
                    let at = now + (x >> 8) as i64 % 50;
                    seq += 1;
                    reference.insert((at, seq), step);
                    q.push(at, step);
                }
                2 => {
                    seq += 1;
                    reference.insert((now + 20, seq), step);
                    q.push_lane(Lane::Budget, now + 20, step);
                }
                3 if x.is_multiple_of(7) => {
                    // Before the last event taken out.
                    let at = now - (x >> 8) as i64 % 10;
                    seq += 1;
                    reference.insert((at, seq), step);
                    q.push(at, step);
                }
                3 => {
                    // Out of order on purpose: falls back to the heap.
                    let at = now + (x >> 8) as i64 % 30;
                    seq += 1;
                    reference.insert((at, seq), step);
                    q.push_lane(Lane::Idle, at, step);
                }
                _ => {
                    if let Some((at, e)) = q.pop() {
                        now = now.max(at);
                        popped.push((at, e));
                        let ((at, _), e) = reference.pop_first().expect("same length");
                        want.push((at, e));
                    }
                }
            }
            assert_eq!(q.len(), reference.len());
        }
        while let Some(p) = q.pop() {
            popped.push(p);
        }
        want.extend(reference.into_iter().map(|((at, _), e)| (at, e)));
        assert!(popped.len() > 10_000);
        assert_eq!(popped, want);
    }
}
