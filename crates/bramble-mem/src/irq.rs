//! Interrupt lines as levels (STYLE.md): a device drives its output with `set_level`, the
//! interrupt controller samples it. Everything runs on the board's one host thread, so
//! shared cells are enough.
//!
//! A line can carry an [`IrqSignal`]: raised whenever its level actually changes, so the
//! core that made the access stops and the board delivers the change, while accesses that
//! change nothing cost no stop.

use std::cell::Cell;
use std::rc::Rc;

/// "Some interrupt level changed": raised by lines and by the interrupt controller's
/// outputs, taken by whoever delivers interrupts. Clones share the flag.
#[derive(Clone, Debug, Default)]
pub struct IrqSignal(Rc<Cell<bool>>);

impl IrqSignal {
    /// Raises the signal.
    pub fn raise(&self) {
        self.0.set(true);
    }

    /// Whether the signal is raised.
    pub fn is_raised(&self) -> bool {
        self.0.get()
    }

    /// Lowers the signal and says whether it was raised.
    pub fn take(&self) -> bool {
        self.0.replace(false)
    }
}

/// One interrupt wire. Clones share the wire: the device keeps one end, the controller
/// (or a test) the other.
#[derive(Clone, Debug, Default)]
pub struct IrqLine {
    level: Rc<Cell<bool>>,
    signal: Option<IrqSignal>,
}

impl IrqLine {
    /// A new wire at low level.
    pub fn new() -> Self {
        Self::default()
    }

    /// A new wire at low level that raises `signal` when its level changes.
    pub fn with_signal(signal: IrqSignal) -> Self {
        Self { level: Rc::default(), signal: Some(signal) }
    }

    /// Drives the wire.
    pub fn set_level(&self, level: bool) {
        if self.level.replace(level) != level {
            if let Some(s) = &self.signal {
                s.raise();
            }
        }
    }

    /// Samples the wire.
    pub fn level(&self) -> bool {
        self.level.get()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_raises_its_signal_only_on_a_change() {
        let signal = IrqSignal::default();
        let line = IrqLine::with_signal(signal.clone());
        line.set_level(false);
        assert!(!signal.is_raised(), "low to low is no change");
        line.set_level(true);
        assert!(signal.take());
        line.set_level(true);
        assert!(!signal.is_raised(), "high to high is no change");
        line.clone().set_level(false);
        assert!(signal.take() && !line.level());
    }
}
