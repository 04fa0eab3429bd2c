//! The board's device event queue: a device asks to be called back at a virtual time
//! ("transfer complete in 20 us"), the board's run loop ends its time slices at the next
//! deadline and calls the device there.
//!
//! Time is virtual nanoseconds, the unit [`crate::Access::now_ns`] carries. Events with the
//! same deadline fire in the order they were scheduled, so a run is reproducible.

use std::cell::RefCell;
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::rc::Rc;

use crate::Ram;

/// Something the queue can call back: a device model, or the board itself.
pub trait EventTarget {
    /// The deadline of an event this target scheduled with `token` has come. `ram` is
    /// guest RAM, for a device's DMA (no core runs meanwhile).
    fn on_event(&mut self, now_ns: u64, token: u32, ram: &mut Ram);
}

/// (deadline, sequence number, target, token); the sequence keeps equal deadlines in
/// scheduling order.
type Entry = Reverse<(u64, u64, usize, u32)>;

#[derive(Debug, Default)]
struct Inner {
    heap: BinaryHeap<Entry>,
    seq: u64,
}

/// The queue. Clones share it: the board keeps one and hands out [`EventHandle`]s.
#[derive(Clone, Debug, Default)]
pub struct EventQueue(Rc<RefCell<Inner>>);

impl EventQueue {
    /// A handle that schedules events for target number `target` (the board's index).
    pub fn handle(&self, target: usize) -> EventHandle {
        EventHandle { queue: self.clone(), target }
    }

    /// The earliest deadline, if anything is scheduled.
    pub fn next_deadline(&self) -> Option<u64> {
        self.0.borrow().heap.peek().map(|Reverse((t, ..))| *t)
    }

    /// Removes and returns the earliest event due at or before `now_ns`: (deadline,
    /// target, token).
    pub fn pop_due(&self, now_ns: u64) -> Option<(u64, usize, u32)> {
        let mut q = self.0.borrow_mut();
        match q.heap.peek() {
            Some(Reverse((t, ..))) if *t <= now_ns => {
                q.heap.pop().map(|Reverse((t, _, target, token))| (t, target, token))
            }
            _ => None,
        }
    }

    /// How many events are scheduled.
    pub fn len(&self) -> usize {
        self.0.borrow().heap.len()
    }

    /// Whether nothing is scheduled.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// One target's way into the queue.
#[derive(Clone, Debug)]
pub struct EventHandle {
    queue: EventQueue,
    target: usize,
}

impl EventHandle {
    /// Calls the target back with `token` at virtual time `at_ns` (at once, at the next
    /// slice boundary, if that is already past).
    pub fn schedule(&self, at_ns: u64, token: u32) {
        let mut q = self.queue.0.borrow_mut();
        let seq = q.seq;
        q.seq += 1;
        q.heap.push(Reverse((at_ns, seq, self.target, token)));
    }

    /// Drops every pending event of this target with `token`.
    pub fn cancel(&self, token: u32) {
        let target = self.target;
        self.queue.0.borrow_mut().heap.retain(|Reverse((_, _, t, k))| !(*t == target && *k == token));
    }

    /// Whether an event of this target with `token` is pending.
    pub fn is_pending(&self, token: u32) -> bool {
        let target = self.target;
        self.queue.0.borrow().heap.iter().any(|Reverse((_, _, t, k))| *t == target && *k == token)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_fire_in_deadline_then_scheduling_order() {
        let q = EventQueue::default();
        let (a, b) = (q.handle(0), q.handle(1));
        a.schedule(300, 1);
        b.schedule(100, 7);
        a.schedule(100, 2);
        b.schedule(200, 8);
        assert_eq!(q.next_deadline(), Some(100));
        assert_eq!(q.pop_due(99), None, "nothing due yet");
        assert_eq!(q.pop_due(150), Some((100, 1, 7)));
        assert_eq!(q.pop_due(150), Some((100, 0, 2)), "same deadline: scheduling order");
        assert_eq!(q.pop_due(150), None);
        b.cancel(8);
        assert!(!b.is_pending(8) && a.is_pending(1));
        assert_eq!(q.pop_due(u64::MAX), Some((300, 0, 1)));
        assert!(q.is_empty());
    }
}
