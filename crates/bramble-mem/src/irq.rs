//! Interrupt lines as levels (STYLE.md): a device drives its output with `set_level`, the
//! interrupt controller samples it. Everything runs on the vCPU thread, so a shared cell
//! is enough.

use std::cell::Cell;
use std::rc::Rc;

/// One interrupt wire. Clones share the wire: the device keeps one end, the controller
/// (or a test) the other.
#[derive(Clone, Debug, Default)]
pub struct IrqLine(Rc<Cell<bool>>);

impl IrqLine {
    /// A new wire at low level.
    pub fn new() -> Self {
        Self::default()
    }

    /// Drives the wire.
    pub fn set_level(&self, level: bool) {
        self.0.set(level);
    }

    /// Samples the wire.
    pub fn level(&self) -> bool {
        self.0.get()
    }
}
