//! Arm PrimeCell UART (PL011), r1p5, per the PL011 Technical Reference Manual (DDI 0183G).
//!
//! Interface: `MmioDevice::read/write` at offsets 0x000..0xfff, one interrupt output (the
//! combined UARTINTR, a level), bytes out through a [`SerialOutput`] and bytes in from a
//! [`SerialInput`] that the device pulls when the guest looks at the receive side or the
//! board calls [`Pl011::poll`].
//!
//! Deviations from hardware: transmission is instantaneous (the transmit FIFO is always
//! empty, BUSY never set), so the transmit interrupt asserts as soon as a byte is
//! written; the receive timeout interrupt asserts whenever received data waits below the
//! FIFO trigger level, without modelling 32 bit periods; input is pulled from the source
//! only while the FIFO has room, so it never overruns (OE stays clear); baud rate and line
//! control are stored but have no effect; modem lines read as inactive; no DMA.

use std::collections::VecDeque;

use bramble_mem::{Access, IrqLine, MmioDevice};
use log::warn;

/// Where transmitted bytes go.
pub trait SerialOutput {
    /// Sends one byte.
    fn write_byte(&mut self, byte: u8);
    /// Makes previously written bytes visible (the board calls this between time slices).
    fn flush(&mut self) {}
}

/// Where received bytes come from.
pub trait SerialInput {
    /// The next received byte, if one has arrived.
    fn try_read(&mut self) -> Option<u8>;
}

impl SerialOutput for Vec<u8> {
    fn write_byte(&mut self, byte: u8) {
        self.push(byte);
    }
}

impl SerialInput for VecDeque<u8> {
    fn try_read(&mut self) -> Option<u8> {
        self.pop_front()
    }
}

// Register offsets (PL011 TRM 3.2, table 3-1).
const UARTDR: u64 = 0x000; // Data register, RW
const UARTRSR: u64 = 0x004; // Receive status / error clear, RW
const UARTFR: u64 = 0x018; // Flag register, RO
const UARTILPR: u64 = 0x020; // IrDA low-power counter, RW
const UARTIBRD: u64 = 0x024; // Integer baud rate divisor, RW
const UARTFBRD: u64 = 0x028; // Fractional baud rate divisor, RW
const UARTLCR_H: u64 = 0x02c; // Line control, RW
const UARTCR: u64 = 0x030; // Control, RW
const UARTIFLS: u64 = 0x034; // Interrupt FIFO level select, RW
const UARTIMSC: u64 = 0x038; // Interrupt mask set/clear, RW
const UARTRIS: u64 = 0x03c; // Raw interrupt status, RO
const UARTMIS: u64 = 0x040; // Masked interrupt status, RO
const UARTICR: u64 = 0x044; // Interrupt clear, WO
const UARTDMACR: u64 = 0x048; // DMA control, RW
const PERIPH_ID: u64 = 0xfe0; // UARTPeriphID0..3 and UARTPCellID0..3, RO

/// Peripheral and PrimeCell identification bytes (TRM 3.3.14, 3.3.15): PL011 r1p5.
const ID_BYTES: [u8; 8] = [0x11, 0x10, 0x34, 0x00, 0x0d, 0xf0, 0x05, 0xb1];

// Flag register bits (TRM 3.3.3).
const FR_BUSY: u32 = 1 << 3;
const FR_RXFE: u32 = 1 << 4;
const FR_TXFF: u32 = 1 << 5;
const FR_RXFF: u32 = 1 << 6;
const FR_TXFE: u32 = 1 << 7;

// Interrupt bits (TRM 3.3.10-3.3.14).
const INT_RX: u32 = 1 << 4;
const INT_TX: u32 = 1 << 5;
const INT_RT: u32 = 1 << 6;
const INT_ALL: u32 = 0x7ff;

const LCR_H_FEN: u32 = 1 << 4;
const CR_UARTEN: u32 = 1 << 0;
const FIFO_DEPTH: usize = 16;

/// The guest-visible register state (plain data, for snapshots).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pl011State {
    pub rx_fifo: VecDeque<u16>,
    pub rsr: u32,
    pub ilpr: u32,
    pub ibrd: u32,
    pub fbrd: u32,
    pub lcr_h: u32,
    pub cr: u32,
    pub ifls: u32,
    pub imsc: u32,
    pub ris: u32,
    pub dmacr: u32,
}

impl Default for Pl011State {
    fn default() -> Self {
        Self {
            rx_fifo: VecDeque::with_capacity(FIFO_DEPTH),
            rsr: 0,
            ilpr: 0,
            ibrd: 0,
            fbrd: 0,
            lcr_h: 0,
            // IMPDEF: the Pi's firmware hands over UART0 enabled with TX and RX on, so
            // bare-metal code can print without programming the UART first.
            cr: 0x301,
            ifls: 0x12,
            imsc: 0,
            ris: 0,
            dmacr: 0,
        }
    }
}

/// A PL011 UART.
pub struct Pl011<O: SerialOutput, I: SerialInput> {
    state: Pl011State,
    out: O,
    input: I,
    irq: IrqLine,
    warned_disabled: bool,
}

impl<O: SerialOutput, I: SerialInput> std::fmt::Debug for Pl011<O, I> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pl011").field("state", &self.state).finish()
    }
}

impl<O: SerialOutput, I: SerialInput> Pl011<O, I> {
    /// A UART in its reset state.
    pub fn new(out: O, input: I, irq: IrqLine) -> Self {
        Self { state: Pl011State::default(), out, input, irq, warned_disabled: false }
    }

    /// The register state.
    pub fn state(&self) -> &Pl011State {
        &self.state
    }

    /// The output sink (tests read what was transmitted).
    pub fn output(&mut self) -> &mut O {
        &mut self.out
    }

    fn fifo_depth(&self) -> usize {
        if self.state.lcr_h & LCR_H_FEN != 0 {
            FIFO_DEPTH
        } else {
            1
        }
    }

    fn rx_trigger(&self) -> usize {
        // IFLS.RXIFLSEL: 1/8, 1/4, 1/2, 3/4, 7/8 full.
        match (self.state.ifls >> 3) & 7 {
            0 => 2,
            1 => 4,
            2 => 8,
            3 => 12,
            _ => 14,
        }
    }

    /// Whether the guest is waiting for input: a receive interrupt is enabled and the FIFO
    /// is empty. Scripted input (`--serial-input`) is fed only then, so none of it is lost
    /// to a driver that drains the FIFO when it starts.
    pub fn wants_input(&self) -> bool {
        self.state.imsc & (INT_RX | INT_RT) != 0 && self.state.rx_fifo.is_empty()
    }

    /// Puts `bytes` into the receive FIFO as if they had arrived on the line; returns how
    /// many fitted.
    pub fn receive(&mut self, bytes: &[u8]) -> usize {
        let room = self.fifo_depth().saturating_sub(self.state.rx_fifo.len());
        let n = bytes.len().min(room);
        self.state.rx_fifo.extend(bytes[..n].iter().map(|&b| b as u16));
        self.update_rx_status();
        n
    }

    /// Pulls waiting input into the receive FIFO and updates the interrupt output.
    pub fn poll(&mut self) {
        while self.state.rx_fifo.len() < self.fifo_depth() {
            match self.input.try_read() {
                Some(b) => self.state.rx_fifo.push_back(b as u16),
                None => break,
            }
        }
        self.update_rx_status();
        self.out.flush();
    }

    fn update_rx_status(&mut self) {
        let len = self.state.rx_fifo.len();
        let s = &mut self.state;
        s.ris &= !(INT_RX | INT_RT);
        if len > 0 {
            if s.lcr_h & LCR_H_FEN == 0 || len >= self.rx_trigger() {
                self.state.ris |= INT_RX;
            } else {
                self.state.ris |= INT_RT;
            }
        }
        self.update_irq();
    }

    fn update_irq(&mut self) {
        self.irq.set_level(self.state.ris & self.state.imsc != 0);
    }

    fn flags(&self) -> u32 {
        let len = self.state.rx_fifo.len();
        let mut fr = FR_TXFE;
        if len == 0 {
            fr |= FR_RXFE;
        }
        if len >= self.fifo_depth() {
            fr |= FR_RXFF;
        }
        // Transmission is instantaneous: never full, never busy.
        debug_assert_eq!(fr & (FR_TXFF | FR_BUSY), 0);
        fr
    }

    fn guest_error(&self, what: &str, offset: u64) {
        warn!(target: "guest_error", "pl011: {what} at offset {offset:#x}");
    }
}

impl<O: SerialOutput, I: SerialInput> MmioDevice for Pl011<O, I> {
    fn read(&mut self, _: Access, offset: u64, _size: u8) -> u64 {
        let v = match offset {
            UARTDR => {
                self.poll();
                match self.state.rx_fifo.pop_front() {
                    Some(entry) => {
                        self.state.rsr = ((entry >> 8) & 0xf) as u32;
                        // Refill from the source before recomputing RX/RT.
                        self.poll();
                        entry as u32
                    }
                    None => 0,
                }
            }
            UARTRSR => self.state.rsr,
            UARTFR => {
                self.poll();
                self.flags()
            }
            UARTILPR => self.state.ilpr,
            UARTIBRD => self.state.ibrd,
            UARTFBRD => self.state.fbrd,
            UARTLCR_H => self.state.lcr_h,
            UARTCR => self.state.cr,
            UARTIFLS => self.state.ifls,
            UARTIMSC => self.state.imsc,
            UARTRIS => self.state.ris,
            UARTMIS => self.state.ris & self.state.imsc,
            UARTDMACR => self.state.dmacr,
            o if (PERIPH_ID..0x1000).contains(&o) && o & 3 == 0 => ID_BYTES[((o - PERIPH_ID) / 4) as usize] as u32,
            _ => {
                self.guest_error("read of unknown register", offset);
                0
            }
        };
        v as u64
    }

    fn write(&mut self, _: Access, offset: u64, _size: u8, value: u64) {
        let v = value as u32;
        match offset {
            UARTDR => {
                if self.state.cr & CR_UARTEN == 0 && !self.warned_disabled {
                    self.warned_disabled = true;
                    self.guest_error("data written while the UART is disabled (sent anyway)", offset);
                }
                self.out.write_byte(v as u8);
                self.state.ris |= INT_TX;
                self.update_irq();
            }
            UARTRSR => self.state.rsr = 0,
            UARTILPR => self.state.ilpr = v & 0xff,
            UARTIBRD => self.state.ibrd = v & 0xffff,
            UARTFBRD => self.state.fbrd = v & 0x3f,
            UARTLCR_H => {
                // Turning the FIFOs off or on flushes the receive FIFO's excess.
                self.state.lcr_h = v & 0xff;
                let depth = self.fifo_depth();
                self.state.rx_fifo.truncate(depth);
                self.update_rx_status();
            }
            UARTCR => self.state.cr = v & 0xff87,
            UARTIFLS => self.state.ifls = v & 0x3f,
            UARTIMSC => {
                self.state.imsc = v & INT_ALL;
                self.update_irq();
            }
            UARTICR => {
                self.state.ris &= !(v & INT_ALL);
                // Receive conditions that still hold re-assert at once.
                self.update_rx_status();
            }
            UARTDMACR => self.state.dmacr = v & 7,
            _ => self.guest_error("write to unknown or read-only register", offset),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn uart(input: &[u8]) -> (Pl011<Vec<u8>, VecDeque<u8>>, IrqLine) {
        let irq = IrqLine::new();
        (Pl011::new(Vec::new(), input.iter().copied().collect(), irq.clone()), irq)
    }

    #[test]
    fn transmits_and_raises_tx_interrupt_when_unmasked() {
        let (mut u, irq) = uart(&[]);
        u.write(Access::default(), UARTDR, 4, b'h' as u64);
        u.write(Access::default(), UARTDR, 4, b'i' as u64);
        assert_eq!(u.output().as_slice(), b"hi");
        assert!(!irq.level());
        u.write(Access::default(), UARTIMSC, 4, INT_TX as u64);
        assert!(irq.level());
        assert_eq!(u.read(Access::default(), UARTMIS, 4), INT_TX as u64);
        u.write(Access::default(), UARTICR, 4, INT_TX as u64);
        assert!(!irq.level());
    }

    #[test]
    fn receive_fifo_flags_and_levels() {
        let (mut u, irq) = uart(b"abc");
        u.write(Access::default(), UARTLCR_H, 4, LCR_H_FEN as u64);
        u.write(Access::default(), UARTIMSC, 4, (INT_RX | INT_RT) as u64);
        assert_eq!(u.read(Access::default(), UARTFR, 4) as u32 & FR_RXFE, 0);
        // 3 bytes < trigger (8, the 1/2 reset level): receive timeout, not RX.
        assert_eq!(u.read(Access::default(), UARTRIS, 4) as u32 & (INT_RX | INT_RT), INT_RT);
        assert!(irq.level());
        assert_eq!(u.read(Access::default(), UARTDR, 4), b'a' as u64);
        assert_eq!(u.read(Access::default(), UARTDR, 4), b'b' as u64);
        assert_eq!(u.read(Access::default(), UARTDR, 4), b'c' as u64);
        assert_ne!(u.read(Access::default(), UARTFR, 4) as u32 & FR_RXFE, 0);
        assert!(!irq.level());
        assert_eq!(u.read(Access::default(), UARTDR, 4), 0);
    }

    #[test]
    fn fifo_disabled_holds_one_byte() {
        let (mut u, _) = uart(b"xy");
        assert_ne!(u.read(Access::default(), UARTFR, 4) as u32 & FR_RXFF, 0);
        assert_eq!(u.read(Access::default(), UARTDR, 4), b'x' as u64);
        assert_eq!(u.read(Access::default(), UARTDR, 4), b'y' as u64);
    }

    #[test]
    fn identifies_as_pl011() {
        let (mut u, _) = uart(&[]);
        let id: Vec<u64> = (0..8).map(|i| u.read(Access::default(), PERIPH_ID + 4 * i, 4)).collect();
        assert_eq!(id, vec![0x11, 0x10, 0x34, 0x00, 0x0d, 0xf0, 0x05, 0xb1]);
    }

    #[test]
    fn unknown_offsets_are_harmless() {
        let (mut u, _) = uart(&[]);
        assert_eq!(u.read(Access::default(), 0x800, 4), 0);
        u.write(Access::default(), UARTFR, 4, 0xffff_ffff);
        u.write(Access::default(), 0x7fc, 1, 1);
        assert_eq!(u.read(Access::default(), UARTFR, 4) as u32, FR_TXFE | FR_RXFE);
    }
}
