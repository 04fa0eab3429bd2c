//! The BCM2711's EMMC2 controller: an SD Host Controller (SD Host Controller Simplified
//! Specification 3.00) as Linux's `sdhci-iproc` drives it (shared/reference/linux-boot.md
//! section 5.2), with one slot holding an [`SdCard`].
//!
//! Interface: MMIO at offsets 0x00-0xff ([`MmioDevice`], any access size; Linux uses
//! 32-bit accesses only), one level interrupt output, and an [`EventHandle`] through which
//! data transfers complete: a command with data schedules its data phase at the virtual
//! time the SD bus would need (see [`Emmc2::block_ns`]), and [`EventTarget::on_event`] then
//! moves the data, by DMA straight into or out of guest RAM or into the PIO buffer.
//!
//! Modelled: command issue and responses (R2 stored without its CRC byte, as the spec
//! says), command timeouts for commands the card does not answer, PIO through the buffer
//! data port, SDMA with its buffer boundary interrupt, ADMA2 with 32-bit (8-byte) and
//! 64-bit (12-byte) descriptors (valid, end, int, nop/tran/link), Auto CMD12 and Auto
//! CMD23, block count and size, R1b busy completion, the normal and error interrupt
//! status/enable/signal registers, software reset, clock control (the internal clock is
//! stable at once), present state (card detect, write protect from the image), and
//! capabilities that say what is modelled. Errors: ADMA errors (a descriptor or buffer
//! outside RAM, a descriptor table ending before the data) with the ADMA error status and
//! address registers; data timeouts when the card cannot send or take a block (past its
//! end, write-protected).
//!
//! Deviations: no card-insert/remove interrupts (the card is fixed for the run; the
//! device tree says `non-removable`); no tuning, UHS modes or 1.8 V (not advertised);
//! block gap control, wake-up control and the boot interface are stored only. IMPDEF: an
//! SDMA transfer to an address outside RAM ends with a data timeout error (SDHCI 3.00 has
//! no system bus error for SDMA).

use bramble_mem::{Access, EventHandle, EventTarget, IrqLine, MmioDevice, Ram};
use log::warn;

use super::card::{Response, SdCard};

const SDMA_ADDRESS: u64 = 0x00; // SDMA system address / Argument 2, RW
const BLOCK_SIZE_COUNT: u64 = 0x04; // Block size (15:0), block count (31:16), RW
const ARGUMENT: u64 = 0x08; // Argument 1, RW
const TRANSFER_MODE_COMMAND: u64 = 0x0c; // Transfer mode (15:0), command (31:16); writing the command issues it
const RESPONSE0: u64 = 0x10; // Response bits 39:8 .. 0x1c: 135:104, RO
const BUFFER_DATA_PORT: u64 = 0x20; // PIO data, RW
const PRESENT_STATE: u64 = 0x24; // RO
const HOST_CONTROL: u64 = 0x28; // Host control 1, power, block gap, wake-up, RW
const CLOCK_CONTROL: u64 = 0x2c; // Clock control (15:0), timeout (23:16), software reset (31:24)
const INT_STATUS: u64 = 0x30; // Normal (15:0) and error (31:16) interrupt status, RW1C
const INT_ENABLE: u64 = 0x34; // Status enables, RW
const INT_SIGNAL: u64 = 0x38; // Signal enables, RW
const AUTO_CMD_HOST_CONTROL2: u64 = 0x3c; // Auto CMD error status (15:0) RO, host control 2 (31:16)
const CAPABILITIES: u64 = 0x40; // RO
const CAPABILITIES1: u64 = 0x44; // RO
const MAX_CURRENT: u64 = 0x48; // RO
const ADMA_ERROR: u64 = 0x54; // ADMA error status, RO
const ADMA_ADDRESS: u64 = 0x58; // ADMA system address, 64 bits, RW
const ADMA_ADDRESS_HI: u64 = 0x5c;
const SLOT_INT_VERSION: u64 = 0xfc; // Slot interrupt status (15:0), host version (31:16), RO

// Normal interrupt status bits (2.2.17).
pub const INT_CMD_COMPLETE: u32 = 1 << 0;
pub const INT_XFER_COMPLETE: u32 = 1 << 1;
pub const INT_DMA: u32 = 1 << 3;
pub const INT_BUF_WR_READY: u32 = 1 << 4;
pub const INT_BUF_RD_READY: u32 = 1 << 5;
const INT_ERROR: u32 = 1 << 15;
// Error interrupt status bits (2.2.18), as bits 31:16 of INT_STATUS.
pub const ERR_CMD_TIMEOUT: u32 = 1 << 16;
pub const ERR_DATA_TIMEOUT: u32 = 1 << 20;
pub const ERR_AUTO_CMD: u32 = 1 << 24;
pub const ERR_ADMA: u32 = 1 << 25;

// Transfer mode bits (2.2.5).
const TM_DMA: u32 = 1 << 0;
const TM_BLOCK_COUNT: u32 = 1 << 1;
const TM_AUTO_CMD12: u32 = 1 << 2;
const TM_AUTO_CMD23: u32 = 2 << 2;
const TM_READ: u32 = 1 << 4;
const TM_MULTI: u32 = 1 << 5;

// Present state bits (2.2.9).
const PS_DAT_INHIBIT: u32 = 1 << 1;
const PS_DAT_ACTIVE: u32 = 1 << 2;
const PS_WRITE_ACTIVE: u32 = 1 << 8;
const PS_READ_ACTIVE: u32 = 1 << 9;
const PS_BUF_WR_ENABLE: u32 = 1 << 10;
const PS_BUF_RD_ENABLE: u32 = 1 << 11;
const PS_CARD: u32 = (1 << 16) | (1 << 17) | (1 << 18);
const PS_WRITABLE: u32 = 1 << 19;
const PS_LINES_HIGH: u32 = (0xf << 20) | (1 << 24);

/// Capabilities (2.2.26): timeout clock 52 MHz (unit MHz), base clock 0 (Linux takes the
/// device tree clock), 512-byte blocks, ADMA2, high speed, SDMA, 3.3 V, 64-bit system bus.
/// No 1.8 V or UHS: the model has no voltage switch or tuning.
pub const CAPS: u32 = 0x34 | (1 << 7) | (1 << 19) | (1 << 21) | (1 << 22) | (1 << 24) | (1 << 28);
/// Host controller version: SD Host Specification 3.00.
const HOST_VERSION: u32 = 2;
/// The controller's base clock, which the device tree's clock also gives Linux.
pub const BASE_CLOCK_HZ: u64 = 100_000_000;
/// A command and its 48-bit response on the CMD line, with the turnaround: about 100 bits.
const COMMAND_BITS: u64 = 100;

/// Event tokens.
const EV_DATA: u32 = 1;

/// How data moves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Dma {
    None,
    Sdma,
    Adma32,
    Adma64,
}

/// A data transfer in progress.
#[derive(Clone, Copy, Debug)]
struct Xfer {
    read: bool,
    dma: Dma,
    block_size: usize,
    /// Blocks left (None: until the driver stops it).
    left: Option<u32>,
    auto_cmd12: bool,
    /// PIO: bytes of the current block in the buffer; where the guest is in it.
    pio_len: usize,
    pio_pos: usize,
    /// ADMA: the next descriptor, and what is left of the current one (address, bytes).
    desc: u64,
    chunk: Option<(u64, u32)>,
    /// SDMA: waiting at a buffer boundary for the driver to write a new address.
    sdma_paused: bool,
    /// ADMA: the descriptor with the end attribute has been used.
    ended: bool,
}

/// Register state (2.2).
#[derive(Clone, Copy, Debug, Default)]
struct Regs {
    sdma: u32,
    block_size: u32,
    block_count: u32,
    argument: u32,
    transfer_mode: u32,
    command: u32,
    response: [u32; 4],
    host_control: u32,
    clock: u32,
    normal: u32,
    error: u32,
    enable: u32,
    signal: u32,
    auto_cmd_error: u32,
    host_control2: u32,
    adma_error: u32,
    adma_address: u64,
}

/// The controller.
pub struct Emmc2 {
    r: Regs,
    card: Option<SdCard>,
    irq: IrqLine,
    events: Option<EventHandle>,
    xfer: Option<Xfer>,
    buf: Vec<u8>,
}

impl std::fmt::Debug for Emmc2 {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Emmc2").field("card", &self.card).field("xfer", &self.xfer).finish()
    }
}

impl Emmc2 {
    /// A controller with `card` in its slot (or an empty slot), driving `irq`.
    pub fn new(card: Option<SdCard>, irq: IrqLine) -> Self {
        Self { r: Regs::default(), card, irq, events: None, xfer: None, buf: Vec::new() }
    }

    /// Where the controller schedules its data phases. Without one (unit tests of the
    /// registers alone) data phases wait for [`EventTarget::on_event`] to be called.
    pub fn set_events(&mut self, events: EventHandle) {
        self.events = Some(events);
    }

    /// The card, for flushing at exit.
    pub fn card_mut(&mut self) -> Option<&mut SdCard> {
        self.card.as_mut()
    }

    /// The SD clock the guest programmed (2.2.14: 10-bit divided clock mode; 0 is the base).
    fn sd_clock_hz(&self) -> u64 {
        let div = ((self.r.clock >> 8) & 0xff) | ((self.r.clock >> 6) & 0x300);
        if div == 0 {
            BASE_CLOCK_HZ
        } else {
            BASE_CLOCK_HZ / (2 * div as u64)
        }
    }

    /// Virtual nanoseconds one block of `bytes` takes on the bus at the programmed clock
    /// and width (1 or 4 bits), plus the CRC and start/end bits.
    pub fn block_ns(&self, bytes: usize) -> u64 {
        let width = if self.r.host_control & 2 != 0 { 4 } else { 1 };
        let bits = (bytes as u64 * 8 + 16 * width + 2) / width;
        bits * 1_000_000_000 / self.sd_clock_hz().max(1)
    }

    fn command_ns(&self) -> u64 {
        COMMAND_BITS * 1_000_000_000 / self.sd_clock_hz().max(1)
    }

    /// Latches status bits the guest enabled and recomputes the interrupt output.
    fn raise(&mut self, bits: u32) {
        let bits = bits & self.r.enable;
        self.r.normal |= bits & 0x7fff;
        self.r.error |= bits >> 16;
        self.update_irq();
    }

    fn update_irq(&mut self) {
        let status = self.status();
        self.irq.set_level(status & self.r.signal != 0);
    }

    fn status(&self) -> u32 {
        let summary = if self.r.error != 0 { INT_ERROR } else { 0 };
        self.r.normal | summary | (self.r.error << 16)
    }

    fn present_state(&self) -> u32 {
        let mut v = PS_LINES_HIGH;
        if let Some(card) = &self.card {
            v |= PS_CARD;
            if !card.read_only() {
                v |= PS_WRITABLE;
            }
        }
        if let Some(x) = &self.xfer {
            v |= PS_DAT_INHIBIT | PS_DAT_ACTIVE | if x.read { PS_READ_ACTIVE } else { PS_WRITE_ACTIVE };
            if x.dma == Dma::None && x.pio_len > 0 {
                v |= if x.read { PS_BUF_RD_ENABLE } else { PS_BUF_WR_ENABLE };
            }
        }
        v
    }

    fn read32(&mut self, word: u64) -> u32 {
        let r = &self.r;
        match word {
            SDMA_ADDRESS => r.sdma,
            BLOCK_SIZE_COUNT => r.block_size | (r.block_count << 16),
            ARGUMENT => r.argument,
            TRANSFER_MODE_COMMAND => r.transfer_mode | (r.command << 16),
            0x10..=0x1c => r.response[((word - RESPONSE0) / 4) as usize],
            BUFFER_DATA_PORT => self.pio_read(),
            PRESENT_STATE => self.present_state(),
            HOST_CONTROL => r.host_control,
            CLOCK_CONTROL => r.clock,
            INT_STATUS => self.status(),
            INT_ENABLE => r.enable,
            INT_SIGNAL => r.signal,
            AUTO_CMD_HOST_CONTROL2 => r.auto_cmd_error | (r.host_control2 << 16),
            CAPABILITIES => CAPS,
            CAPABILITIES1 | MAX_CURRENT | 0x4c => 0,
            ADMA_ERROR => r.adma_error,
            ADMA_ADDRESS => r.adma_address as u32,
            ADMA_ADDRESS_HI => (r.adma_address >> 32) as u32,
            SLOT_INT_VERSION => {
                let slot = (self.status() & self.r.signal != 0) as u32;
                slot | (HOST_VERSION << 16)
            }
            _ => {
                warn!(target: "guest_error", "emmc2: read of unknown register {word:#x}");
                0
            }
        }
    }

    /// A write of the bytes of `value` that `mask` selects, to the 32-bit register `word`.
    fn write32(&mut self, at: Access, word: u64, value: u32, mask: u32) {
        let merge = |old: u32| (old & !mask) | (value & mask);
        match word {
            SDMA_ADDRESS => {
                self.r.sdma = merge(self.r.sdma);
                // A new address releases an SDMA transfer waiting at a boundary.
                if self.xfer.is_some_and(|x| x.sdma_paused) {
                    if let Some(x) = &mut self.xfer {
                        x.sdma_paused = false;
                    }
                    let delay = self.data_ns();
                    self.schedule(at.now_ns, delay);
                }
            }
            BLOCK_SIZE_COUNT => {
                let v = merge(self.r.block_size | (self.r.block_count << 16));
                self.r.block_size = v & 0x7fff;
                self.r.block_count = v >> 16;
            }
            ARGUMENT => self.r.argument = merge(self.r.argument),
            TRANSFER_MODE_COMMAND => {
                let v = merge(self.r.transfer_mode | (self.r.command << 16));
                self.r.transfer_mode = v & 0x3f;
                if mask & 0xffff_0000 != 0 {
                    self.r.command = v >> 16;
                    self.issue(at);
                }
            }
            BUFFER_DATA_PORT => self.pio_write(at, value),
            HOST_CONTROL => self.r.host_control = merge(self.r.host_control) & 0x0f0f_ff3f,
            CLOCK_CONTROL => {
                let v = merge(self.r.clock);
                // The internal clock is stable as soon as it is enabled.
                let stable = if v & 1 != 0 { 2 } else { 0 };
                self.r.clock = (v & 0x000f_ffc5) | stable;
                if mask & 0xff00_0000 != 0 {
                    self.software_reset((v >> 24) & 7);
                }
            }
            INT_STATUS => {
                let clear = value & mask;
                self.r.normal &= !(clear & 0x7fff);
                self.r.error &= !(clear >> 16);
                self.update_irq();
            }
            INT_ENABLE => {
                self.r.enable = merge(self.r.enable) & !INT_ERROR;
                // A status bit whose enable is cleared reads 0 (2.2.19).
                self.r.normal &= self.r.enable;
                self.r.error &= self.r.enable >> 16;
                self.update_irq();
            }
            INT_SIGNAL => {
                self.r.signal = merge(self.r.signal) & !INT_ERROR;
                self.update_irq();
            }
            AUTO_CMD_HOST_CONTROL2 => self.r.host_control2 = merge(self.r.host_control2 << 16) >> 16,
            ADMA_ADDRESS => {
                self.r.adma_address = (self.r.adma_address & !0xffff_ffff) | merge(self.r.adma_address as u32) as u64
            }
            ADMA_ADDRESS_HI => {
                self.r.adma_address =
                    (self.r.adma_address & 0xffff_ffff) | (merge((self.r.adma_address >> 32) as u32) as u64) << 32
            }
            _ => warn!(target: "guest_error", "emmc2: write to unknown or read-only register {word:#x}"),
        }
    }

    /// SOFTWARE_RESET: ALL (bit 0), CMD (1), DAT (2). Every reset completes at once.
    fn software_reset(&mut self, bits: u32) {
        if bits & 5 != 0 {
            self.xfer = None;
            self.buf.clear();
            if let Some(ev) = &self.events {
                ev.cancel(EV_DATA);
            }
        }
        if bits & 1 != 0 {
            let keep_clock = self.r.clock & 0xff00_0000;
            self.r = Regs { clock: keep_clock, ..Regs::default() };
        }
        self.r.clock &= 0x00ff_ffff;
        self.update_irq();
    }

    fn dma_mode(&self) -> Dma {
        if self.r.transfer_mode & TM_DMA == 0 {
            return Dma::None;
        }
        match (self.r.host_control >> 3) & 3 {
            0 => Dma::Sdma,
            2 => Dma::Adma32,
            3 => Dma::Adma64,
            _ => {
                warn!(target: "guest_error", "emmc2: DMA select 1 (ADMA1) is not in SDHCI 3.00; using ADMA2");
                Dma::Adma32
            }
        }
    }

    /// The guest wrote the command register.
    fn issue(&mut self, at: Access) {
        let cmd = self.r.command;
        let index = ((cmd >> 8) & 0x3f) as u8;
        let data = cmd & (1 << 5) != 0;
        let abort = (cmd >> 6) & 3 == 3;
        if data && self.xfer.is_some() {
            warn!(target: "guest_error", "emmc2: CMD{index} with data issued while a transfer is in progress");
            return;
        }
        if abort {
            self.xfer = None;
            if let Some(ev) = &self.events {
                ev.cancel(EV_DATA);
            }
        }
        let Some(card) = self.card.as_mut() else {
            self.raise(ERR_CMD_TIMEOUT);
            return;
        };
        let tm = self.r.transfer_mode;
        let multi = tm & TM_MULTI != 0;
        if data && multi && tm & 0xc == TM_AUTO_CMD23 {
            // Auto CMD23: the block count goes first, from Argument 2.
            if card.command(23, self.r.sdma).is_none() {
                self.r.auto_cmd_error |= 1 << 1;
                self.raise(ERR_AUTO_CMD);
                return;
            }
        }
        let expects_response = cmd & 3 != 0;
        let resp = match card.command(index, self.r.argument) {
            Some(r) => r,
            // A command without a response (CMD0) completes when it has been sent.
            None if !expects_response => {
                self.raise(INT_CMD_COMPLETE);
                return;
            }
            None => {
                self.raise(ERR_CMD_TIMEOUT);
                return;
            }
        };
        match resp {
            Response::Short(v) => self.r.response[0] = v,
            Response::Long(v) => {
                let v = v >> 8;
                self.r.response = [v as u32, (v >> 32) as u32, (v >> 64) as u32, (v >> 96) as u32];
            }
        }
        let busy = cmd & 3 == 3;
        let mut bits = INT_CMD_COMPLETE;
        if busy && !data {
            // R1b: the card's busy ends at once; Linux waits for transfer complete.
            bits |= INT_XFER_COMPLETE;
        }
        self.raise(bits);
        if !data {
            return;
        }
        // A data command the card refused (out of range, write-protected) starts no data
        // phase: the host times out waiting for it.
        let refused =
            matches!(resp, Response::Short(s) if s & (super::card::OUT_OF_RANGE | super::card::WP_VIOLATION) != 0);
        let count_enabled = tm & TM_BLOCK_COUNT != 0;
        let left = if !multi {
            Some(1)
        } else if count_enabled {
            Some(self.r.block_count)
        } else {
            None
        };
        if left == Some(0) {
            self.raise(INT_XFER_COMPLETE);
            return;
        }
        let dma = self.dma_mode();
        self.xfer = Some(Xfer {
            read: tm & TM_READ != 0,
            dma,
            block_size: (self.r.block_size & 0xfff).max(1) as usize,
            left,
            auto_cmd12: multi && tm & 0xc == TM_AUTO_CMD12,
            pio_len: 0,
            pio_pos: 0,
            desc: self.r.adma_address,
            chunk: None,
            sdma_paused: false,
            ended: false,
        });
        if refused {
            self.xfer = None;
            self.raise(ERR_DATA_TIMEOUT);
            return;
        }
        let delay = self.command_ns() + self.data_ns();
        self.schedule(at.now_ns, delay);
    }

    /// The bus time of the next data phase: one block for PIO, every block for ADMA, the
    /// blocks up to the next buffer boundary for SDMA.
    fn data_ns(&self) -> u64 {
        let Some(x) = &self.xfer else { return 0 };
        let blocks = match x.dma {
            Dma::None => 1,
            Dma::Adma32 | Dma::Adma64 => x.left.unwrap_or(1) as u64,
            Dma::Sdma => {
                let boundary = 4096u64 << ((self.r.block_size >> 12) & 7);
                let to_boundary = (boundary - self.r.sdma as u64 % boundary).div_ceil(x.block_size as u64);
                to_boundary.min(x.left.unwrap_or(u32::MAX) as u64)
            }
        };
        blocks * self.block_ns(x.block_size)
    }

    fn schedule(&mut self, now_ns: u64, delay: u64) {
        if let Some(ev) = &self.events {
            ev.cancel(EV_DATA);
            ev.schedule(now_ns.saturating_add(delay), EV_DATA);
        }
    }

    /// A PIO read of the buffer data port: the next 4 bytes of the block.
    fn pio_read(&mut self) -> u32 {
        let Some(x) = &mut self.xfer else { return 0 };
        if x.dma != Dma::None || !x.read || x.pio_len == 0 {
            warn!(target: "guest_error", "emmc2: buffer data port read with no data ready");
            return 0;
        }
        let mut w = [0u8; 4];
        for (i, b) in w.iter_mut().enumerate() {
            *b = self.buf.get(x.pio_pos + i).copied().unwrap_or(0);
        }
        x.pio_pos += 4;
        if x.pio_pos >= x.pio_len {
            x.pio_len = 0;
            self.block_done(None);
        }
        u32::from_le_bytes(w)
    }

    fn pio_write(&mut self, at: Access, value: u32) {
        let Some(x) = &mut self.xfer else {
            warn!(target: "guest_error", "emmc2: buffer data port write with no transfer");
            return;
        };
        if x.dma != Dma::None || x.read || x.pio_len == 0 {
            warn!(target: "guest_error", "emmc2: buffer data port write when the buffer is not ready");
            return;
        }
        let pos = x.pio_pos;
        for (i, b) in value.to_le_bytes().iter().enumerate() {
            if let Some(slot) = self.buf.get_mut(pos + i) {
                *slot = *b;
            }
        }
        x.pio_pos += 4;
        if x.pio_pos >= x.pio_len {
            x.pio_len = 0;
            let block = std::mem::take(&mut self.buf);
            let ok = self.card.as_mut().is_some_and(|c| c.write_block(&block).is_ok());
            self.buf = block;
            if !ok {
                self.fail(ERR_DATA_TIMEOUT);
                return;
            }
            self.block_done(Some(at.now_ns));
        }
    }

    /// A PIO block has been taken by the guest (read) or given to the card (write):
    /// the next one is due after its bus time, or the transfer is complete.
    fn block_done(&mut self, now_ns: Option<u64>) {
        let Some(x) = &mut self.xfer else { return };
        if let Some(n) = &mut x.left {
            *n = n.saturating_sub(1);
        }
        if x.left == Some(0) {
            self.finish();
            return;
        }
        let block_size = x.block_size;
        match now_ns {
            // Writes: the next buffer opens after this block's bus time.
            Some(now) => {
                let delay = self.block_ns(block_size);
                self.schedule(now, delay);
            }
            // Reads: ready at once (the card streamed it while the guest read the last).
            None => self.pio_next(),
        }
    }

    /// Loads the next PIO read block, or opens the buffer for the next write block.
    fn pio_next(&mut self) {
        let Some(x) = &mut self.xfer else { return };
        let size = x.block_size;
        self.buf.resize(size, 0);
        if x.read {
            let ok = self.card.as_mut().is_some_and(|c| c.read_block(&mut self.buf).is_ok());
            if !ok {
                self.fail(ERR_DATA_TIMEOUT);
                return;
            }
        }
        if let Some(x) = &mut self.xfer {
            x.pio_len = size;
            x.pio_pos = 0;
            let ready = if x.read { INT_BUF_RD_READY } else { INT_BUF_WR_READY };
            self.raise(ready);
        }
    }

    /// The last block moved: Auto CMD12 if asked for, then transfer complete.
    fn finish(&mut self) {
        let Some(x) = self.xfer.take() else { return };
        if x.auto_cmd12 {
            match self.card.as_mut().and_then(|c| c.command(12, 0)) {
                Some(Response::Short(v)) => self.r.response[3] = v,
                _ => {
                    self.r.auto_cmd_error |= 1 << 1;
                    self.raise(ERR_AUTO_CMD);
                }
            }
        }
        self.raise(INT_XFER_COMPLETE);
    }

    /// A data error ends the transfer.
    fn fail(&mut self, err: u32) {
        self.xfer = None;
        self.raise(err);
    }

    /// Runs the data phase that was due: PIO's next buffer, or the whole DMA transfer (up
    /// to an SDMA boundary or an ADMA interrupt descriptor).
    fn data_phase(&mut self, ram: &mut Ram) {
        let Some(x) = self.xfer else { return };
        match x.dma {
            Dma::None => self.pio_next(),
            Dma::Sdma => self.sdma(ram),
            Dma::Adma32 | Dma::Adma64 => self.adma(ram),
        }
    }

    /// Moves one block between the card and `ram` at `addr`; false on an error (raised).
    fn dma_block(&mut self, ram: &mut Ram, addr: u64, len: usize, read: bool, bus_error: u32) -> bool {
        let ok = if read {
            let Some(card) = self.card.as_mut() else { return false };
            self.buf.resize(len, 0);
            let (got, result) = card.read_blocks(&mut self.buf);
            let copied = match ram.slice_mut(addr, got as u64) {
                Some(dst) => {
                    dst.copy_from_slice(&self.buf[..got]);
                    true
                }
                None => false,
            };
            if result.is_err() {
                self.fail(ERR_DATA_TIMEOUT);
                return false;
            }
            copied
        } else {
            match ram.slice(addr, len as u64) {
                Some(src) => {
                    self.buf.clear();
                    self.buf.extend_from_slice(src);
                    let Some(card) = self.card.as_mut() else { return false };
                    if card.write_block(&self.buf).is_err() {
                        self.fail(ERR_DATA_TIMEOUT);
                        return false;
                    }
                    true
                }
                None => false,
            }
        };
        if !ok && self.xfer.is_some() {
            warn!(target: "guest_error", "emmc2: DMA to {addr:#x}+{len:#x}, outside RAM");
            self.fail(bus_error);
        }
        ok
    }

    /// SDMA: blocks at the system address, pausing with a DMA interrupt at each buffer
    /// boundary (4 KiB << BLOCK_SIZE[14:12]) until the driver writes a new address.
    fn sdma(&mut self, ram: &mut Ram) {
        let boundary = 4096u64 << ((self.r.block_size >> 12) & 7);
        loop {
            let Some(x) = self.xfer else { return };
            let addr = self.r.sdma as u64;
            if !self.dma_block(ram, addr, x.block_size, x.read, ERR_DATA_TIMEOUT) {
                return;
            }
            let next = addr + x.block_size as u64;
            self.r.sdma = next as u32;
            let Some(x) = &mut self.xfer else { return };
            if let Some(n) = &mut x.left {
                *n -= 1;
            }
            if x.left == Some(0) {
                self.finish();
                return;
            }
            if next.is_multiple_of(boundary) {
                x.sdma_paused = true;
                self.raise(INT_DMA);
                return;
            }
        }
    }

    /// ADMA2 (1.13): walks the descriptor table from the ADMA address; each transfer
    /// descriptor's buffer takes or gives the card's blocks in order.
    fn adma(&mut self, ram: &mut Ram) {
        loop {
            let Some(x) = self.xfer else { return };
            let (addr, len) = match x.chunk {
                Some(c) => c,
                None if x.ended => {
                    // The table ended before the data did.
                    self.adma_error(x.desc, 1 << 2);
                    return;
                }
                None => match self.next_descriptor(ram) {
                    Some(Some(c)) => c,
                    Some(None) => continue, // nop or link
                    None => return,         // an error (raised)
                },
            };
            if (len as usize) < x.block_size {
                // IMPDEF: a descriptor shorter than a block is not split across
                // descriptors; it is a length mismatch.
                self.adma_error(x.desc, 1 << 2);
                return;
            }
            // Reads move every whole block the descriptor holds in one go (the card reads
            // them in one backend access); writes a block at a time.
            let mut blocks = (len as usize / x.block_size) as u32;
            if let Some(left) = x.left {
                blocks = blocks.min(left);
            }
            if !x.read || x.block_size != super::card::BLOCK {
                blocks = 1;
            }
            let n = blocks as usize * x.block_size;
            if !self.dma_block(ram, addr, n, x.read, ERR_ADMA) {
                // ST_TFR: the error came while transferring the buffer.
                self.r.adma_error = 3;
                return;
            }
            let Some(x) = &mut self.xfer else { return };
            let rest = len - n as u32;
            x.chunk = (rest > 0).then_some((addr + n as u64, rest));
            if let Some(b) = &mut x.left {
                *b -= blocks;
            }
            if x.left == Some(0) {
                self.finish();
                return;
            }
        }
    }

    /// Fetches the next descriptor: `Some(Some(buffer))` for a transfer descriptor,
    /// `Some(None)` after a nop or link, `None` when the transfer stopped (an error, or
    /// the table's end reached before the data).
    fn next_descriptor(&mut self, ram: &mut Ram) -> Option<Option<(u64, u32)>> {
        let x = self.xfer?;
        let wide = x.dma == Dma::Adma64;
        let size = if wide { 12 } else { 8 };
        let Some(d) = ram.slice(x.desc, size) else {
            warn!(target: "guest_error", "emmc2: ADMA descriptor at {:#x}, outside RAM", x.desc);
            self.adma_error(x.desc, 1);
            return None;
        };
        let attr = u16::from_le_bytes([d[0], d[1]]);
        let len = u16::from_le_bytes([d[2], d[3]]);
        let addr = if wide {
            u64::from_le_bytes(d[4..12].try_into().unwrap_or([0; 8]))
        } else {
            u32::from_le_bytes(d[4..8].try_into().unwrap_or([0; 4])) as u64
        };
        if attr & 1 == 0 {
            // Not valid: the ADMA stops with an error (1.13.4).
            self.adma_error(x.desc, 1);
            return None;
        }
        let end = attr & 2 != 0;
        let int = attr & 4 != 0;
        let act = (attr >> 4) & 3;
        let here = x.desc;
        let next = if act == 3 { addr } else { here + size };
        if let Some(x) = &mut self.xfer {
            x.desc = next;
        }
        self.r.adma_address = next;
        let out = match act {
            2 => Some((addr, if len == 0 { 65536 } else { len as u32 })),
            _ => None, // nop (0, and reserved 1) or link (3)
        };
        if int {
            self.raise(INT_DMA);
        }
        if end && out.is_none() {
            // The table ended before the data did.
            self.adma_error(here, 1 << 2);
            return None;
        }
        if end {
            if let Some(x) = &mut self.xfer {
                x.ended = true;
                // Without a block count the table's end is the transfer's end.
                if x.left.is_none() {
                    let blocks = out.map_or(0, |(_, l)| l as usize / x.block_size.max(1)) as u32;
                    x.left = Some(blocks.max(1));
                }
            }
        }
        Some(out)
    }

    /// An ADMA error: state (ST_FDS = 1 fetching, ST_TFR = 3 transferring) and a length
    /// mismatch flag in ADMA_ERROR, the descriptor's address in ADMA_ADDRESS.
    fn adma_error(&mut self, desc: u64, flags: u32) {
        self.r.adma_error = flags;
        self.r.adma_address = desc;
        self.fail(ERR_ADMA);
    }
}

impl MmioDevice for Emmc2 {
    fn read(&mut self, _: Access, offset: u64, size: u8) -> u64 {
        let word = offset & !3;
        let v = self.read32(word) >> (8 * (offset & 3));
        (match size {
            1 => v & 0xff,
            2 => v & 0xffff,
            _ => v,
        }) as u64
    }

    fn write(&mut self, at: Access, offset: u64, size: u8, value: u64) {
        let word = offset & !3;
        let shift = 8 * (offset & 3) as u32;
        let mask = match size {
            1 => 0xffu32,
            2 => 0xffff,
            _ => u32::MAX,
        } << shift;
        self.write32(at, word, (value as u32) << shift, mask);
    }
}

impl EventTarget for Emmc2 {
    fn on_event(&mut self, _now_ns: u64, token: u32, ram: &mut Ram) {
        if token == EV_DATA {
            self.data_phase(ram);
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::sd::card::BLOCK;
    use crate::sd::MemDisk;

    const AT: Access = Access { cpu: 0, now_ns: 0 };
    // Command register flags (2.2.6): response type, CRC and index checks, data present.
    const R_NONE: u32 = 0;
    const R2: u32 = 1 | (1 << 3);
    const R1: u32 = 2 | (3 << 3);
    const R3: u32 = 2;
    const R1B: u32 = 3 | (3 << 3);
    const DATA: u32 = 1 << 5;

    /// The controller with a card of `blocks` blocks whose byte i of block b is b ^ i,
    /// 1 MiB of RAM, every interrupt enabled and signalled.
    struct Host {
        e: Emmc2,
        irq: IrqLine,
        ram: Ram,
    }

    impl Host {
        fn new(blocks: usize, read_only: bool) -> Self {
            let bytes = (0..blocks * BLOCK).map(|i| ((i / BLOCK) ^ i) as u8).collect();
            let card = SdCard::new(Box::new(MemDisk { bytes, read_only }));
            let irq = IrqLine::new();
            let mut h = Self { e: Emmc2::new(Some(card), irq.clone()), irq, ram: Ram::new(1 << 20).unwrap() };
            h.w(INT_ENABLE, u32::MAX);
            h.w(INT_SIGNAL, u32::MAX);
            h.w(CLOCK_CONTROL, 1 | (1 << 8) | 4); // internal clock on, /2, SD clock on
            h.w(HOST_CONTROL, 2 | (1 << 8)); // 4-bit bus, power on
            h
        }
        fn w(&mut self, off: u64, v: u32) {
            self.e.write(AT, off, 4, v as u64);
        }
        fn r(&mut self, off: u64) -> u32 {
            self.e.read(AT, off, 4) as u32
        }
        /// Issues a command and returns the interrupt status it left, cleared.
        fn cmd(&mut self, index: u32, arg: u32, flags: u32, mode: u32) -> u32 {
            self.w(ARGUMENT, arg);
            self.w(TRANSFER_MODE_COMMAND, mode | ((index << 8 | flags) << 16));
            self.take_status()
        }
        /// Lets the scheduled data phase run.
        fn due(&mut self) {
            self.e.on_event(0, EV_DATA, &mut self.ram);
        }
        fn take_status(&mut self) -> u32 {
            let st = self.r(INT_STATUS);
            self.w(INT_STATUS, st);
            st
        }
        /// Linux's identification sequence, through the controller.
        fn bring_up(&mut self) {
            assert_eq!(self.cmd(0, 0, R_NONE, 0), INT_CMD_COMPLETE);
            assert_eq!(self.cmd(8, 0x1aa, R1, 0), INT_CMD_COMPLETE);
            assert_eq!(self.r(RESPONSE0), 0x1aa);
            assert_eq!(self.cmd(5, 0, R1, 0), INT_ERROR | ERR_CMD_TIMEOUT, "SDIO probe times out");
            self.w(INT_STATUS, u32::MAX);
            self.cmd(55, 0, R1, 0);
            self.cmd(41, 0x40ff_8000, R3, 0);
            assert_ne!(self.r(RESPONSE0) & (1 << 31), 0, "powered up");
            assert_eq!(self.cmd(2, 0, R2, 0), INT_CMD_COMPLETE);
            assert_eq!(self.r(RESPONSE0 + 12) >> 16, 0x42, "CID's MID in the top byte, CRC stripped");
            self.cmd(3, 0, R1, 0);
            let rca = self.r(RESPONSE0) >> 16;
            assert_eq!(self.cmd(7, rca << 16, R1B, 0), INT_CMD_COMPLETE | INT_XFER_COMPLETE, "R1b: busy ends");
            self.w(INT_STATUS, u32::MAX);
        }
        fn expect_block(&self, addr: u64, block: usize) {
            let got = self.ram.slice(addr, BLOCK as u64).unwrap();
            let want: Vec<u8> = (0..BLOCK).map(|i| (block ^ (block * BLOCK + i)) as u8).collect();
            assert_eq!(got, &want[..], "block {block} at {addr:#x}");
        }
        /// An ADMA2 descriptor: 8 bytes (32-bit address) or 12 (64-bit).
        fn desc(&mut self, at: u64, attr: u16, len: u16, addr: u64, wide: bool) {
            let d = self.ram.slice_mut(at, if wide { 12 } else { 8 }).unwrap();
            d[0..2].copy_from_slice(&attr.to_le_bytes());
            d[2..4].copy_from_slice(&len.to_le_bytes());
            if wide {
                d[4..12].copy_from_slice(&addr.to_le_bytes());
            } else {
                d[4..8].copy_from_slice(&(addr as u32).to_le_bytes());
            }
        }
        fn desc32(&mut self, at: u64, attr: u16, len: u16, addr: u32) {
            self.desc(at, attr, len, addr as u64, false);
        }
        fn desc64(&mut self, at: u64, attr: u16, len: u16, addr: u64) {
            self.desc(at, attr, len, addr, true);
        }
    }

    // ADMA2 attributes (1.13.3).
    const VALID: u16 = 1;
    const END: u16 = 2;
    const INT: u16 = 4;
    const NOP: u16 = 0;
    const TRAN: u16 = 2 << 4;
    const LINK: u16 = 3 << 4;
    const READ_MULTI: u32 = TM_DMA | TM_BLOCK_COUNT | TM_READ | TM_MULTI;

    #[test]
    fn identifies_itself_and_the_card() {
        let mut h = Host::new(2048, false);
        assert_eq!(h.r(SLOT_INT_VERSION) >> 16, 2, "SDHCI 3.00");
        assert_eq!(h.r(CAPABILITIES), CAPS);
        assert_eq!(h.r(CLOCK_CONTROL) & 2, 2, "internal clock stable");
        let ps = h.r(PRESENT_STATE);
        assert_eq!(ps & (PS_CARD | PS_WRITABLE), PS_CARD | PS_WRITABLE);
        h.bring_up();
        // A command the card refuses in its state: no response, a command timeout.
        h.w(TRANSFER_MODE_COMMAND, (2 << 8 | R2) << 16);
        assert_eq!(h.r(INT_STATUS), INT_ERROR | ERR_CMD_TIMEOUT);
        assert!(h.irq.level(), "the error is signalled");
        h.w(INT_STATUS, u32::MAX);
        assert!(!h.irq.level());
        // Signal enables gate the line; status enables gate the status.
        h.w(INT_SIGNAL, 0);
        assert_eq!(h.cmd(13, 0, R1, 0), INT_ERROR | ERR_CMD_TIMEOUT, "wrong RCA: no answer");
        assert!(!h.irq.level());
        h.w(INT_ENABLE, 0);
        assert_eq!(h.r(INT_STATUS), 0, "disabled status reads 0");
    }

    #[test]
    fn adma2_32_walks_every_attribute_and_crosses_descriptors() {
        let mut h = Host::new(2048, false);
        h.bring_up();
        h.desc32(0x1000, VALID | TRAN, 1024, 0x10000); // blocks 10, 11
        h.desc32(0x1008, VALID | NOP, 0, 0);
        h.desc32(0x1010, VALID | LINK, 0, 0x2000);
        h.desc32(0x2000, VALID | TRAN | INT, 512, 0x20000); // block 12
        h.desc32(0x2008, VALID | TRAN | END, 1536, 0x30000); // blocks 13-15
        h.w(HOST_CONTROL, 2 | (2 << 3) | (1 << 8)); // ADMA2 32-bit
        h.w(ADMA_ADDRESS, 0x1000);
        h.w(ADMA_ADDRESS_HI, 0);
        h.w(BLOCK_SIZE_COUNT, 512 | (6 << 16));
        let st = h.cmd(18, 10, R1 | DATA, READ_MULTI | TM_AUTO_CMD12);
        assert_eq!(st, INT_CMD_COMPLETE);
        assert_ne!(h.r(PRESENT_STATE) & PS_DAT_INHIBIT, 0, "data phase pending");
        h.due();
        assert_eq!(h.take_status(), INT_XFER_COMPLETE | INT_DMA, "the int descriptor and completion");
        for (addr, b) in [(0x10000, 10), (0x10200, 11), (0x20000, 12), (0x30000, 13), (0x30200, 14), (0x30400, 15)] {
            h.expect_block(addr, b);
        }
        assert_eq!(h.r(PRESENT_STATE) & PS_DAT_INHIBIT, 0);
        assert_eq!((h.r(RESPONSE0 + 12) >> 9) & 0xf, 5, "Auto CMD12's R1 (state data) in RESPONSE3");
        assert_eq!(h.e.card.as_ref().unwrap().state(), super::super::card::State::Tran);
    }

    #[test]
    fn register_reads_by_dma_bring_their_bytes() {
        // ACMD51 (SCR, 8 bytes) by ADMA, as Linux reads it.
        let mut h = Host::new(2048, false);
        h.bring_up();
        h.desc32(0x1000, VALID | TRAN | END, 8, 0x5000);
        h.w(HOST_CONTROL, 2 | (2 << 3) | (1 << 8));
        h.w(ADMA_ADDRESS, 0x1000);
        h.w(BLOCK_SIZE_COUNT, 8 | (1 << 16));
        let rca = 0xb1a3u32;
        h.cmd(55, rca << 16, R1, 0);
        assert_eq!(h.cmd(51, 0, R1 | DATA, TM_DMA | TM_READ), INT_CMD_COMPLETE);
        h.due();
        assert_eq!(h.take_status(), INT_XFER_COMPLETE);
        let scr = h.ram.slice(0x5000, 8).unwrap();
        assert_eq!(scr[1] & 0xf, 5, "SD_BUS_WIDTHS: 1 and 4 bit");
    }

    #[test]
    fn adma2_64_and_auto_cmd23_writes() {
        let mut h = Host::new(2048, false);
        h.bring_up();
        for i in 0..3u64 {
            h.ram.slice_mut(0x40000 + i * 512, 512).unwrap().fill(0xa0 + i as u8);
        }
        h.desc64(0x3000, VALID | TRAN, 512, 0x40000);
        h.desc64(0x300c, VALID | TRAN | END, 1024, 0x40200);
        h.w(HOST_CONTROL, 2 | (3 << 3) | (1 << 8)); // ADMA2 64-bit
        h.w(ADMA_ADDRESS, 0x3000);
        h.w(SDMA_ADDRESS, 3); // Argument 2: Auto CMD23's block count
        h.w(BLOCK_SIZE_COUNT, 512 | (3 << 16));
        let write = TM_DMA | TM_BLOCK_COUNT | TM_MULTI | TM_AUTO_CMD23;
        assert_eq!(h.cmd(25, 100, R1 | DATA, write), INT_CMD_COMPLETE);
        h.due();
        assert_eq!(h.take_status(), INT_XFER_COMPLETE);
        // Read them back by PIO.
        h.w(BLOCK_SIZE_COUNT, 512 | (1 << 16));
        for i in 0..3u32 {
            assert_eq!(h.cmd(17, 100 + i, R1 | DATA, TM_READ), INT_CMD_COMPLETE);
            h.due();
            assert_eq!(h.take_status(), INT_BUF_RD_READY);
            assert_ne!(h.r(PRESENT_STATE) & PS_BUF_RD_ENABLE, 0);
            let words: Vec<u32> = (0..128).map(|_| h.r(BUFFER_DATA_PORT)).collect();
            assert!(words.iter().all(|&w| w == u32::from_ne_bytes([0xa0 + i as u8; 4])), "block {i}");
            assert_eq!(h.take_status(), INT_XFER_COMPLETE);
        }
    }

    #[test]
    fn adma2_errors_stop_the_transfer_without_harm() {
        let mut h = Host::new(2048, false);
        h.bring_up();
        h.w(HOST_CONTROL, 2 | (2 << 3) | (1 << 8));
        h.w(BLOCK_SIZE_COUNT, 512 | (2 << 16));
        // A descriptor table outside RAM.
        h.w(ADMA_ADDRESS, 0xdead_0000);
        h.cmd(18, 0, R1 | DATA, READ_MULTI | TM_AUTO_CMD12);
        h.due();
        assert_eq!(h.take_status(), INT_ERROR | ERR_ADMA);
        assert_eq!(h.r(ADMA_ERROR) & 3, 1, "ST_FDS: while fetching");
        assert_eq!(h.r(ADMA_ADDRESS), 0xdead_0000);
        assert_eq!(h.r(PRESENT_STATE) & PS_DAT_INHIBIT, 0, "the transfer ended");
        h.cmd(12, 0, R1B, 0);
        // A buffer outside RAM.
        h.desc32(0x1000, VALID | TRAN | END, 1024, 0xfff_0000);
        h.w(ADMA_ADDRESS, 0x1000);
        h.cmd(18, 0, R1 | DATA, READ_MULTI);
        h.due();
        assert_eq!(h.take_status(), INT_ERROR | ERR_ADMA);
        assert_eq!(h.r(ADMA_ERROR) & 3, 3, "ST_TFR: while transferring");
        h.cmd(12, 0, R1B, 0);
        // A table that ends before the data: a length mismatch.
        h.desc32(0x1000, VALID | TRAN | END, 512, 0x10000);
        h.w(ADMA_ADDRESS, 0x1000);
        h.cmd(18, 0, R1 | DATA, READ_MULTI);
        h.due();
        assert_eq!(h.take_status(), INT_ERROR | ERR_ADMA);
        assert_ne!(h.r(ADMA_ERROR) & 4, 0, "length mismatch");
        h.cmd(12, 0, R1B, 0);
        // An invalid descriptor.
        h.desc32(0x1000, TRAN, 512, 0x10000);
        h.w(ADMA_ADDRESS, 0x1000);
        h.cmd(18, 0, R1 | DATA, READ_MULTI);
        h.due();
        assert_eq!(h.take_status(), INT_ERROR | ERR_ADMA);
    }

    #[test]
    fn sdma_pauses_at_each_buffer_boundary() {
        let mut h = Host::new(2048, false);
        h.bring_up();
        h.w(HOST_CONTROL, 2 | (1 << 8)); // SDMA
        h.w(SDMA_ADDRESS, 0x4000 - 512);
        h.w(BLOCK_SIZE_COUNT, 512 | (3 << 16)); // 4 KiB boundary
        h.cmd(18, 20, R1 | DATA, READ_MULTI | TM_AUTO_CMD12);
        h.due();
        assert_eq!(h.take_status(), INT_DMA, "stopped at the 16 KiB boundary");
        h.expect_block(0x4000 - 512, 20);
        assert_eq!(h.r(SDMA_ADDRESS), 0x4000);
        h.w(SDMA_ADDRESS, 0x8000);
        h.due();
        assert_eq!(h.take_status(), INT_XFER_COMPLETE);
        h.expect_block(0x8000, 21);
        h.expect_block(0x8200, 22);
    }

    #[test]
    fn reads_past_the_end_and_writes_to_a_protected_card_fail_cleanly() {
        let mut h = Host::new(1024, true);
        assert_eq!(h.r(PRESENT_STATE) & PS_WRITABLE, 0, "write-protect reported");
        h.bring_up();
        h.w(BLOCK_SIZE_COUNT, 512 | (1 << 16));
        assert_eq!(h.cmd(24, 0, R1 | DATA, 0), INT_CMD_COMPLETE | INT_ERROR | ERR_DATA_TIMEOUT);
        assert_ne!(h.r(RESPONSE0) & super::super::card::WP_VIOLATION, 0);
        h.w(INT_STATUS, u32::MAX);
        // 1024 blocks: block 1024 is past the end.
        assert_eq!(h.cmd(17, 1024, R1 | DATA, TM_READ), INT_CMD_COMPLETE | INT_ERROR | ERR_DATA_TIMEOUT);
        assert_ne!(h.r(RESPONSE0) & super::super::card::OUT_OF_RANGE, 0);
        h.w(INT_STATUS, u32::MAX);
        // A multi-block read that runs off the end: data timeout at the edge.
        h.w(HOST_CONTROL, 2 | (2 << 3) | (1 << 8));
        h.desc32(0x1000, VALID | TRAN | END, 1024, 0x10000);
        h.w(ADMA_ADDRESS, 0x1000);
        h.w(BLOCK_SIZE_COUNT, 512 | (2 << 16));
        h.cmd(18, 1023, R1 | DATA, READ_MULTI);
        h.due();
        assert_eq!(h.take_status(), INT_ERROR | ERR_DATA_TIMEOUT);
        h.expect_block(0x10000, 1023);
    }

    #[test]
    fn software_reset_aborts_a_transfer_and_an_empty_slot_times_out() {
        let mut h = Host::new(1024, false);
        h.bring_up();
        h.w(BLOCK_SIZE_COUNT, 512 | (1 << 16));
        h.cmd(17, 0, R1 | DATA, TM_READ);
        assert_ne!(h.r(PRESENT_STATE) & PS_DAT_INHIBIT, 0);
        let clock = h.r(CLOCK_CONTROL);
        h.w(CLOCK_CONTROL, clock | (4 << 24)); // DAT reset
        assert_eq!(h.r(CLOCK_CONTROL) >> 24, 0, "self-clearing");
        assert_eq!(h.r(PRESENT_STATE) & PS_DAT_INHIBIT, 0);
        h.due();
        assert_eq!(h.take_status() & INT_BUF_RD_READY, 0, "nothing arrives after the reset");
        let mut empty = Emmc2::new(None, IrqLine::new());
        empty.write(AT, INT_ENABLE, 4, u32::MAX as u64);
        empty.write(AT, TRANSFER_MODE_COMMAND, 4, ((8 << 8 | R1) << 16) as u64);
        assert_eq!(empty.read(AT, INT_STATUS, 4) as u32, INT_ERROR | ERR_CMD_TIMEOUT);
        assert_eq!(empty.read(AT, PRESENT_STATE, 4) as u32 & PS_CARD, 0);
    }

    #[test]
    fn narrow_accesses_merge_into_the_registers() {
        let mut h = Host::new(1024, false);
        h.e.write(AT, BLOCK_SIZE_COUNT, 2, 512);
        h.e.write(AT, BLOCK_SIZE_COUNT + 2, 2, 7);
        assert_eq!(h.r(BLOCK_SIZE_COUNT), 512 | (7 << 16));
        assert_eq!(h.e.read(AT, SLOT_INT_VERSION + 2, 2), 2);
        h.e.write(AT, ARGUMENT + 1, 1, 0xab);
        assert_eq!(h.r(ARGUMENT), 0xab00);
        // A 16-bit write of TRANSFER_MODE alone issues nothing; COMMAND's does.
        h.e.write(AT, TRANSFER_MODE_COMMAND, 2, 0);
        assert_eq!(h.r(INT_STATUS), 0);
        h.e.write(AT, TRANSFER_MODE_COMMAND + 2, 2, 0);
        assert_eq!(h.r(INT_STATUS), INT_CMD_COMPLETE, "CMD0 issued");
    }
}
