//! An SDHC/SDXC memory card's command layer, per the SD Physical Layer Simplified
//! Specification 3.01 (sections 4.3 card states, 4.7 commands, 4.9 responses, 4.10 card
//! status, 5 registers OCR/CID/CSD v2.0/SCR, 4.10.2 SD status, 4.3.10 CMD6).
//!
//! Interface: [`SdCard::command`] takes a command index and argument and gives the
//! response, or `None` where a real card stays silent (an illegal command, or one not
//! allowed in the current state: the host then sees a command timeout). Data moves a
//! block at a time with [`SdCard::read_block`] / [`SdCard::write_block`] after a data
//! command. The bytes live behind a [`BlockBackend`].
//!
//! Deviations: block-addressed (CCS = 1) whatever the size, as QEMU's model; no password
//! lock (CMD42), no SPI mode, no UHS voltage switch (the card is never asked for 1.8 V);
//! erase writes zeros (DATA_STAT_AFTER_ERASE = 0); CRCs are never wrong.

use log::warn;

use super::BlockBackend;

/// The block size of block-addressed cards.
pub const BLOCK: usize = 512;
/// The capacity unit of a CSD v2.0 (C_SIZE counts 512 KiB).
pub const CAPACITY_UNIT: u64 = 512 * 1024;
/// The largest SDXC card (CSD v2.0 C_SIZE is 22 bits: 2 TiB).
pub const MAX_CAPACITY: u64 = (1 << 22) * CAPACITY_UNIT;

/// Card states (4.3, Table 4-29), as CURRENT_STATE numbers them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum State {
    Idle = 0,
    Ready = 1,
    Ident = 2,
    Stby = 3,
    Tran = 4,
    Data = 5,
    Rcv = 6,
    Prg = 7,
    Dis = 8,
}

/// A response as it comes off the CMD line: 32 bits of payload, or the 128 bits of a
/// CID/CSD (R2) with its CRC7 in bits 7:1 and the end bit in bit 0.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Response {
    /// R1, R1b, R3, R6, R7: the 32 bits between the index and the CRC.
    Short(u32),
    /// R2.
    Long(u128),
}

// Card status bits (4.10.1, Table 4-42).
pub const OUT_OF_RANGE: u32 = 1 << 31;
pub const ADDRESS_ERROR: u32 = 1 << 30;
pub const BLOCK_LEN_ERROR: u32 = 1 << 29;
pub const ERASE_SEQ_ERROR: u32 = 1 << 28;
pub const WP_VIOLATION: u32 = 1 << 26;
pub const ILLEGAL_COMMAND: u32 = 1 << 22;
pub const CARD_ECC_FAILED: u32 = 1 << 21;
pub const ERROR: u32 = 1 << 19;
pub const READY_FOR_DATA: u32 = 1 << 8;
pub const APP_CMD: u32 = 1 << 5;
/// The bits cleared by reading them (type C in Table 4-42).
const CLEAR_ON_READ: u32 =
    OUT_OF_RANGE | ADDRESS_ERROR | BLOCK_LEN_ERROR | ERASE_SEQ_ERROR | WP_VIOLATION | ILLEGAL_COMMAND | ERROR;

/// OCR (5.1): powered up (bit 31), CCS (bit 30), 2.7-3.6 V (bits 23:15).
const OCR_BUSY: u32 = 1 << 31;
const OCR_CCS: u32 = 1 << 30;
const OCR_VOLTAGES: u32 = 0x00ff_8000;
/// The RCA the card publishes with CMD3.
const RCA: u16 = 0xb1a3;

/// What a data phase moves.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Transfer {
    None,
    /// A register read out on the DAT lines (SCR, SD status, switch status, ...).
    Register(Vec<u8>),
    /// Blocks from `lba`; `left` blocks (None: until CMD12).
    Read {
        lba: u64,
        left: Option<u32>,
    },
    Write {
        lba: u64,
        left: Option<u32>,
    },
}

/// Why a data block could not move.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DataError {
    /// No data phase is in progress (the host asked for data the card is not sending).
    NoTransfer,
    /// Past the end of the card (OUT_OF_RANGE is set in the status).
    OutOfRange,
    /// The card is write-protected (WP_VIOLATION).
    WriteProtected,
    /// The backend failed (the host's file); the card reports an internal error.
    Backend,
}

/// The card.
pub struct SdCard {
    backend: Box<dyn BlockBackend>,
    /// Capacity in bytes: the backend's size rounded down to 512 KiB.
    capacity: u64,
    state: State,
    status: u32,
    rca: u16,
    /// The next command is an application command (CMD55 came first).
    app: bool,
    /// 4-bit bus (ACMD6).
    wide: bool,
    /// CMD6 group 1 function: 0 default speed, 1 high speed.
    high_speed: bool,
    /// CMD23: the block count for the next multi-block command.
    preset_count: Option<u32>,
    erase: (u64, u64),
    /// Blocks written by the last write command, for ACMD22.
    written: u32,
    transfer: Transfer,
    /// Whether ACMD41 was issued with a voltage window yet (the card is powering up).
    ocr_ready: bool,
}

impl std::fmt::Debug for SdCard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SdCard").field("capacity", &self.capacity).field("state", &self.state).finish()
    }
}

impl SdCard {
    /// A card over `backend`, in the idle state. Its capacity is the backend's size
    /// rounded down to the CSD's 512 KiB unit (and at most 2 TiB), as a real card's
    /// capacity is a whole number of units.
    pub fn new(backend: Box<dyn BlockBackend>) -> Self {
        let capacity = (backend.size() / CAPACITY_UNIT * CAPACITY_UNIT).min(MAX_CAPACITY);
        Self {
            backend,
            capacity,
            state: State::Idle,
            status: 0,
            rca: 0,
            app: false,
            wide: false,
            high_speed: false,
            preset_count: None,
            erase: (0, 0),
            written: 0,
            transfer: Transfer::None,
            ocr_ready: false,
        }
    }

    /// The capacity in bytes.
    pub fn capacity(&self) -> u64 {
        self.capacity
    }

    /// Whether writes are refused (the write-protect switch the host sees).
    pub fn read_only(&self) -> bool {
        self.backend.read_only()
    }

    /// The current state.
    pub fn state(&self) -> State {
        self.state
    }

    /// Makes writes durable.
    pub fn flush(&mut self) -> std::io::Result<()> {
        self.backend.flush()
    }

    /// Card status with the current state and READY_FOR_DATA, as R1 reports it.
    fn r1(&mut self) -> Response {
        let ready = if matches!(self.state, State::Tran | State::Rcv) || self.state == State::Data {
            READY_FOR_DATA
        } else {
            0
        };
        let v = self.status | ((self.state as u32) << 9) | ready | if self.app { APP_CMD } else { 0 };
        self.status &= !CLEAR_ON_READ;
        Response::Short(v)
    }

    /// A command the card does not answer: it notes ILLEGAL_COMMAND for the next status.
    fn illegal(&mut self, cmd: u8, why: &str) -> Option<Response> {
        // Linux probes SDIO (CMD5, CMD52) and MMC (CMD1) commands on every card: not worth a warning.
        log::debug!(target: "guest_error", "sd card: CMD{cmd} {why} in state {:?}", self.state);
        self.status |= ILLEGAL_COMMAND;
        self.app = false;
        None
    }

    /// Issues command `cmd` with `arg`. `None` is no response (the host times out).
    pub fn command(&mut self, cmd: u8, arg: u32) -> Option<Response> {
        if std::mem::take(&mut self.app) {
            if let Some(r) = self.app_command(cmd, arg) {
                return r;
            }
        }
        use State::*;
        let st = self.state;
        match cmd {
            0 => {
                self.reset();
                None
            }
            // SEND_IF_COND: echo the voltage and check pattern (R7).
            8 if st == Idle => Some(Response::Short(arg & 0xfff)),
            2 if st == Ready => {
                self.state = Ident;
                Some(Response::Long(self.cid()))
            }
            3 if matches!(st, Ident | Stby) => {
                self.rca = RCA;
                self.state = Stby;
                // R6: RCA, then status bits 23, 22, 19 and 12:0.
                let s = self.status | ((self.state as u32) << 9);
                let bits = ((s >> 8) & 0xc000) | ((s >> 6) & 0x2000) | (s & 0x1fff);
                self.status &= !CLEAR_ON_READ;
                Some(Response::Short(((self.rca as u32) << 16) | bits))
            }
            // SWITCH_FUNC: 64 bytes of status; mode 1 switches group 1 (access mode).
            6 if st == Tran => {
                let group1 = arg & 0xf;
                if arg >> 31 == 1 && group1 <= 1 {
                    self.high_speed = group1 == 1;
                }
                self.transfer = Transfer::Register(self.switch_status(arg));
                self.state = Data;
                Some(self.r1())
            }
            // SELECT/DESELECT_CARD: R1b from the selected card, nothing from the others.
            7 => {
                let mine = (arg >> 16) as u16 == self.rca && self.rca != 0;
                match (mine, st) {
                    (true, Stby) => {
                        let r = self.r1();
                        self.state = Tran;
                        Some(r)
                    }
                    // The card is never left programming (writes complete at once).
                    (true, Dis) => {
                        let r = self.r1();
                        self.state = Tran;
                        Some(r)
                    }
                    (false, Tran | Data | Prg) => {
                        self.state = Stby;
                        None
                    }
                    _ => self.illegal(cmd, "does not select this card"),
                }
            }
            9 | 10 if st == Stby && (arg >> 16) as u16 == self.rca => {
                Some(Response::Long(if cmd == 9 { self.csd() } else { self.cid() }))
            }
            // STOP_TRANSMISSION.
            12 if matches!(st, Data | Rcv) => {
                let r = self.r1();
                self.transfer = Transfer::None;
                self.state = Tran;
                Some(r)
            }
            13 if matches!(st, Stby | Tran | Data | Rcv | Prg | Dis) && (arg >> 16) as u16 == self.rca => {
                Some(self.r1())
            }
            // SET_BLOCKLEN: block-addressed cards move 512 bytes whatever it says.
            16 if st == Tran => {
                if arg as usize > BLOCK {
                    self.status |= BLOCK_LEN_ERROR;
                }
                Some(self.r1())
            }
            17 | 18 if st == Tran => {
                let left = if cmd == 17 { Some(1) } else { self.preset_count.take() };
                self.start(true, arg, left)
            }
            // SET_BLOCK_COUNT for the next CMD18/CMD25.
            23 if st == Tran => {
                self.preset_count = Some(arg);
                Some(self.r1())
            }
            24 | 25 if st == Tran => {
                let left = if cmd == 24 { Some(1) } else { self.preset_count.take() };
                if self.read_only() {
                    self.status |= WP_VIOLATION;
                    return Some(self.r1());
                }
                self.written = 0;
                self.start(false, arg, left)
            }
            32 if st == Tran => {
                self.erase.0 = arg as u64;
                Some(self.r1())
            }
            33 if st == Tran => {
                self.erase.1 = arg as u64;
                Some(self.r1())
            }
            38 if st == Tran => {
                let r = self.r1();
                self.do_erase();
                Some(r)
            }
            55 if st != Ident && st != Ready && (st == Idle || (arg >> 16) as u16 == self.rca) => {
                self.app = true;
                Some(self.r1())
            }
            // CMD1 (MMC), CMD5 (SDIO) and everything else: not an SD memory card command.
            _ => self.illegal(cmd, "is illegal or not allowed"),
        }
    }

    /// ACMDs. `None` means "not an application command": it runs as the plain command.
    fn app_command(&mut self, cmd: u8, arg: u32) -> Option<Option<Response>> {
        use State::*;
        let st = self.state;
        let r = match cmd {
            6 if st == Tran => {
                self.wide = arg & 3 == 2;
                Some(self.r1_app())
            }
            13 if st == Tran => {
                self.transfer = Transfer::Register(self.sd_status());
                self.state = Data;
                Some(self.r1_app())
            }
            22 if st == Tran => {
                self.transfer = Transfer::Register(self.written.to_be_bytes().to_vec());
                self.state = Data;
                Some(self.r1_app())
            }
            23 | 42 if st == Tran => Some(self.r1_app()),
            41 if st == Idle => {
                // An inquiry (no voltage window) leaves the card idle; a window starts its
                // power-up, which bramble's card finishes at once.
                if arg & OCR_VOLTAGES != 0 {
                    self.ocr_ready = true;
                }
                let busy = if self.ocr_ready { OCR_BUSY | OCR_CCS } else { 0 };
                if self.ocr_ready {
                    self.state = Ready;
                }
                Some(Response::Short(OCR_VOLTAGES | busy))
            }
            51 if st == Tran => {
                self.transfer = Transfer::Register(self.scr().to_vec());
                self.state = Data;
                Some(self.r1_app())
            }
            _ => return None,
        };
        Some(r)
    }

    fn r1_app(&mut self) -> Response {
        self.app = true;
        let r = self.r1();
        self.app = false;
        r
    }

    /// CMD0: back to idle; the RCA and bus settings are forgotten.
    fn reset(&mut self) {
        self.state = State::Idle;
        self.status = 0;
        self.rca = 0;
        self.wide = false;
        self.high_speed = false;
        self.preset_count = None;
        self.transfer = Transfer::None;
        self.ocr_ready = false;
    }

    /// A read or write command at block address `arg`.
    fn start(&mut self, read: bool, arg: u32, left: Option<u32>) -> Option<Response> {
        let lba = arg as u64;
        if lba >= self.capacity / BLOCK as u64 {
            self.status |= OUT_OF_RANGE;
            return Some(self.r1());
        }
        let r = self.r1();
        self.transfer = if read { Transfer::Read { lba, left } } else { Transfer::Write { lba, left } };
        self.state = if read { State::Data } else { State::Rcv };
        Some(r)
    }

    /// Sends the next data block into `buf` (a register's bytes, or 512 bytes of the card).
    pub fn read_block(&mut self, buf: &mut [u8]) -> Result<(), DataError> {
        match &mut self.transfer {
            Transfer::Register(bytes) => {
                let n = buf.len().min(bytes.len());
                buf[..n].copy_from_slice(&bytes[..n]);
                buf[n..].fill(0);
                self.transfer = Transfer::None;
                self.state = State::Tran;
                Ok(())
            }
            Transfer::Read { lba, .. } => {
                let at = *lba * BLOCK as u64;
                if at + buf.len() as u64 > self.capacity {
                    self.status |= OUT_OF_RANGE;
                    self.transfer = Transfer::None;
                    return Err(DataError::OutOfRange);
                }
                self.advance(1);
                self.backend.read_at(at, buf).map_err(|e| self.backend_error(e))
            }
            _ => Err(DataError::NoTransfer),
        }
    }

    /// Sends as many whole blocks as `buf` holds (of a block read in progress) in one
    /// backend access: the DMA path's fast form of [`SdCard::read_block`]. Returns how
    /// many bytes of `buf` are valid, and the error that stopped it short, if any (the
    /// blocks before the end of the card still arrive, as from a real card).
    pub fn read_blocks(&mut self, buf: &mut [u8]) -> (usize, Result<(), DataError>) {
        let (n, at) = match &self.transfer {
            Transfer::Read { lba, left } => {
                let mut n = (buf.len() / BLOCK) as u64;
                if let Some(l) = left {
                    n = n.min(*l as u64);
                }
                (n, *lba * BLOCK as u64)
            }
            // Registers (SCR, SD status, ...) and errors: as one read_block.
            _ => {
                let r = self.read_block(buf);
                return (if r.is_ok() { buf.len() } else { 0 }, r);
            }
        };
        let fits = at + n * BLOCK as u64 <= self.capacity;
        if n <= 1 || !fits {
            let mut done = 0;
            for chunk in buf.chunks_exact_mut(BLOCK).take(n.max(1) as usize) {
                if let Err(e) = self.read_block(chunk) {
                    return (done, Err(e));
                }
                done += BLOCK;
            }
            return (done, Ok(()));
        }
        self.advance(n);
        let len = n as usize * BLOCK;
        match self.backend.read_at(at, &mut buf[..len]) {
            Ok(()) => (len, Ok(())),
            Err(e) => (0, Err(self.backend_error(e))),
        }
    }

    /// Takes the next data block from `buf` (512 bytes onto the card).
    pub fn write_block(&mut self, buf: &[u8]) -> Result<(), DataError> {
        let Transfer::Write { lba, .. } = &self.transfer else { return Err(DataError::NoTransfer) };
        let at = *lba * BLOCK as u64;
        if at + buf.len() as u64 > self.capacity {
            self.status |= OUT_OF_RANGE;
            self.transfer = Transfer::None;
            return Err(DataError::OutOfRange);
        }
        if self.backend.read_only() {
            self.status |= WP_VIOLATION;
            self.transfer = Transfer::None;
            return Err(DataError::WriteProtected);
        }
        self.advance(1);
        self.backend.write_at(at, buf).map_err(|e| self.backend_error(e))?;
        self.written = self.written.wrapping_add(1);
        Ok(())
    }

    /// Moves a block transfer on by `n` blocks; after its last block the card is back in
    /// tran.
    fn advance(&mut self, n: u64) {
        let done = match &mut self.transfer {
            Transfer::Read { lba, left } | Transfer::Write { lba, left } => {
                *lba += n;
                match left {
                    Some(l) => {
                        *l = l.saturating_sub(n as u32);
                        *l == 0
                    }
                    None => false,
                }
            }
            _ => false,
        };
        if done {
            self.transfer = Transfer::None;
            self.state = State::Tran;
        }
    }

    fn backend_error(&mut self, e: std::io::Error) -> DataError {
        warn!("sd card: the image could not be accessed: {e}");
        self.status |= ERROR;
        DataError::Backend
    }

    /// CMD38: zeros over the blocks from CMD32 to CMD33.
    fn do_erase(&mut self) {
        let blocks = self.capacity / BLOCK as u64;
        let (start, end) = self.erase;
        if start > end || end >= blocks {
            self.status |= if end >= blocks { OUT_OF_RANGE } else { ERASE_SEQ_ERROR };
            return;
        }
        if self.read_only() {
            self.status |= WP_VIOLATION;
            return;
        }
        let zeros = vec![0u8; 64 * BLOCK];
        let mut lba = start;
        while lba <= end {
            let n = (end - lba + 1).min(64);
            if self.backend.write_at(lba * BLOCK as u64, &zeros[..n as usize * BLOCK]).is_err() {
                self.status |= ERROR;
                return;
            }
            lba += n;
        }
    }

    /// CID (5.2): manufacturer 0x42 'B', OEM "BR", product "BRMBL", revision 1.0.
    fn cid(&self) -> u128 {
        let mut v: u128 = 0x42 << 120;
        v |= (u16::from_be_bytes(*b"BR") as u128) << 104;
        v |= (u64::from_be_bytes(*b"\0\0\0BRMBL") as u128 & 0xff_ffff_ffff) << 64;
        v |= 0x10 << 56; // PRV 1.0
        v |= 0x0b1a_3b1a << 24; // PSN
        v |= 0x1ac << 8; // MDT: 2026-12
        with_crc(v)
    }

    /// CSD version 2.0 (5.3.3).
    fn csd(&self) -> u128 {
        let c_size = (self.capacity / CAPACITY_UNIT).saturating_sub(1) as u128;
        let speed: u128 = if self.high_speed { 0x5a } else { 0x32 }; // 50 / 25 MHz
        let mut v: u128 = 1 << 126; // CSD_STRUCTURE = 1
        v |= 0x0e << 112; // TAAC: 1 ms
        v |= speed << 96; // TRAN_SPEED
        v |= 0x5b5 << 84; // CCC: classes 0, 2, 4, 5, 7, 8, 10
        v |= 9 << 80; // READ_BL_LEN: 512
        v |= c_size << 48;
        v |= 1 << 46; // ERASE_BLK_EN
        v |= 0x7f << 39; // SECTOR_SIZE
        v |= 2 << 26; // R2W_FACTOR
        v |= 9 << 22; // WRITE_BL_LEN: 512
        if self.read_only() {
            v |= 1 << 12; // TMP_WRITE_PROTECT
        }
        with_crc(v)
    }

    /// SCR (5.6): SD 3.0x, 1- and 4-bit buses, CMD23 supported, erased data reads 0.
    fn scr(&self) -> [u8; 8] {
        let v: u64 = (2 << 56) // SD_SPEC 2
            | (3 << 52) // SD_SECURITY: SDHC
            | (0x5 << 48) // SD_BUS_WIDTHS: 1 and 4 bit
            | (1 << 47) // SD_SPEC3
            | (1 << 33); // CMD_SUPPORT: CMD23
        v.to_be_bytes()
    }

    /// SD status (4.10.2): bus width, speed class 10.
    fn sd_status(&self) -> Vec<u8> {
        let mut s = vec![0u8; 64];
        s[0] = if self.wide { 0x80 } else { 0 }; // DAT_BUS_WIDTH
        s[8] = 4; // SPEED_CLASS 10
        s[10] = 0x90; // AU_SIZE 4 MiB (bits 431:428 = 9)
        s
    }

    /// CMD6's status block (4.3.10.4): group 1 supports default and high speed.
    fn switch_status(&self, arg: u32) -> Vec<u8> {
        let mut s = vec![0u8; 64];
        s[1] = 100; // max current 100 mA
        for g in 0..5 {
            s[2 + 2 * g] = 0x80;
            s[3 + 2 * g] = 0x01;
        }
        s[12] = 0x80;
        s[13] = 0x03;
        let want = arg & 0xf;
        let g1 = if want <= 1 {
            want
        } else if want == 0xf {
            self.high_speed as u32
        } else {
            0xf
        };
        s[16] = g1 as u8;
        s[17] = 1; // data structure version 1
        s
    }
}

/// A 128-bit register with its CRC7 (over bits 127:8) in bits 7:1 and the end bit.
fn with_crc(v: u128) -> u128 {
    let bytes = v.to_be_bytes();
    let mut crc = 0u8;
    for &b in &bytes[..15] {
        for i in (0..8).rev() {
            let bit = (b >> i) & 1;
            let top = (crc >> 6) & 1;
            crc = (crc << 1) & 0x7f;
            if bit ^ top == 1 {
                crc ^= 0x09;
            }
        }
    }
    (v & !0xff) | ((crc as u128) << 1) | 1
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sd::MemDisk;

    pub(crate) fn card(mib: usize, read_only: bool) -> SdCard {
        let bytes: Vec<u8> = (0..mib << 20).map(|i| (i / BLOCK) as u8 ^ (i as u8)).collect();
        SdCard::new(Box::new(MemDisk { bytes, read_only }))
    }

    fn short(r: Option<Response>) -> u32 {
        match r {
            Some(Response::Short(v)) => v,
            other => panic!("expected a short response, got {other:?}"),
        }
    }

    /// The identification sequence Linux's mmc core runs; leaves the card in tran.
    pub(crate) fn bring_up(c: &mut SdCard) {
        assert_eq!(c.command(0, 0), None);
        assert_eq!(short(c.command(8, 0x1aa)), 0x1aa, "R7 echoes the pattern");
        assert_eq!(c.command(5, 0), None, "SDIO CMD5: no response");
        assert_eq!(c.command(1, 0), None, "MMC CMD1: no response");
        short(c.command(55, 0));
        assert_eq!(short(c.command(41, 0)) & OCR_BUSY, 0, "inquiry: still powering up");
        short(c.command(55, 0));
        let ocr = short(c.command(41, 0x40ff_8000));
        assert_eq!(ocr & (OCR_BUSY | OCR_CCS), OCR_BUSY | OCR_CCS, "ready, block-addressed");
        assert!(matches!(c.command(2, 0), Some(Response::Long(_))));
        let r6 = short(c.command(3, 0));
        assert_eq!(r6 >> 16, RCA as u32);
        assert!(matches!(c.command(9, (RCA as u32) << 16), Some(Response::Long(_))));
        short(c.command(7, (RCA as u32) << 16));
        assert_eq!(c.state(), State::Tran);
    }

    #[test]
    fn identification_and_registers() {
        let mut c = card(8, false);
        assert_eq!(c.command(2, 0), None, "CMD2 before ACMD41: illegal, no answer");
        bring_up(&mut c);
        assert_eq!(c.command(2, 0), None, "CMD2 in tran: illegal, no answer");
        assert_ne!(short(c.command(13, (RCA as u32) << 16)) & ILLEGAL_COMMAND, 0, "reported once");
        assert_eq!(short(c.command(13, (RCA as u32) << 16)) & ILLEGAL_COMMAND, 0, "then cleared");
        // CSD v2: C_SIZE + 1 = capacity / 512 KiB, CRC7 and end bit in place.
        let csd = match c.command(7, 0) {
            None => {
                assert_eq!(c.state(), State::Stby, "deselected");
                match c.command(9, (RCA as u32) << 16) {
                    Some(Response::Long(v)) => v,
                    r => panic!("{r:?}"),
                }
            }
            r => panic!("{r:?}"),
        };
        assert_eq!(csd >> 126, 1);
        assert_eq!(((csd >> 48) & 0x3f_ffff) + 1, 16, "8 MiB is 16 units");
        assert_eq!(csd & 1, 1);
        assert_eq!(with_crc(csd), csd);
        short(c.command(7, (RCA as u32) << 16));
        short(c.command(55, (RCA as u32) << 16));
        short(c.command(51, 0));
        let mut scr = [0u8; 8];
        c.read_block(&mut scr).unwrap();
        assert_eq!(scr[1] & 0xf, 5, "1- and 4-bit buses");
        assert_eq!(scr[3] & 2, 2, "CMD23 supported");
        // CMD6: switch to high speed.
        short(c.command(6, 0x80ff_fff1));
        let mut sw = [0u8; 64];
        c.read_block(&mut sw).unwrap();
        assert_eq!(sw[16] & 0xf, 1, "group 1 switched to high speed");
        assert_eq!(c.state(), State::Tran);
    }

    #[test]
    fn a_known_crc7() {
        // CMD0's token 0x40 00 00 00 00 has CRC7 0x4a: check the polynomial on a register
        // whose first bytes are that token.
        let v: u128 = 0x40 << 120;
        let mut crc = 0u8;
        for &b in &[0x40u8, 0, 0, 0, 0] {
            for i in (0..8).rev() {
                let top = (crc >> 6) & 1;
                crc = (crc << 1) & 0x7f;
                if ((b >> i) & 1) ^ top == 1 {
                    crc ^= 0x09;
                }
            }
        }
        assert_eq!(crc, 0x4a);
        assert_eq!(with_crc(v) & 1, 1);
    }

    #[test]
    fn reads_writes_and_their_errors() {
        let mut c = card(2, false);
        bring_up(&mut c);
        let mut b = [0u8; BLOCK];
        short(c.command(17, 3));
        assert_eq!(c.state(), State::Data);
        c.read_block(&mut b).unwrap();
        assert_eq!(b[0], 3, "block 3's first byte");
        assert_eq!(c.state(), State::Tran, "single block: back to tran");
        assert_eq!(c.read_block(&mut b), Err(DataError::NoTransfer));
        // CMD23 + CMD25: exactly two blocks.
        short(c.command(23, 2));
        short(c.command(25, 10));
        c.write_block(&[0xaa; BLOCK]).unwrap();
        c.write_block(&[0xbb; BLOCK]).unwrap();
        assert_eq!(c.state(), State::Tran);
        short(c.command(18, 10));
        c.read_block(&mut b).unwrap();
        assert_eq!(b, [0xaa; BLOCK]);
        c.read_block(&mut b).unwrap();
        assert_eq!(b, [0xbb; BLOCK]);
        short(c.command(12, 0));
        assert_eq!(c.state(), State::Tran);
        // Past the end: the command reports OUT_OF_RANGE and no data phase starts.
        let blocks = (2 << 20) / BLOCK as u32;
        assert_ne!(short(c.command(17, blocks)) & OUT_OF_RANGE, 0);
        assert_eq!(c.state(), State::Tran, "no data phase");
        // A multi-block read that runs off the end stops there.
        short(c.command(18, blocks - 1));
        c.read_block(&mut b).unwrap();
        assert_eq!(c.read_block(&mut b), Err(DataError::OutOfRange));
        short(c.command(12, 0));
        // Commands in the wrong state get no answer.
        assert_eq!(c.command(2, 0), None);
        assert_eq!(c.command(3, 0), None);
    }

    #[test]
    fn write_protection_refuses_writes() {
        let mut c = card(1, true);
        bring_up(&mut c);
        let r = short(c.command(24, 0));
        assert_ne!(r & WP_VIOLATION, 0);
        assert_eq!(c.state(), State::Tran);
        assert_eq!(c.write_block(&[0; BLOCK]), Err(DataError::NoTransfer));
    }

    #[test]
    fn capacity_rounds_down_to_whole_units() {
        let c = SdCard::new(Box::new(MemDisk { bytes: vec![0; 3 * 512 * 1024 + 4096], read_only: false }));
        assert_eq!(c.capacity(), 3 * 512 * 1024);
    }

    #[test]
    fn erase_zeroes_the_range() {
        let mut c = card(1, false);
        bring_up(&mut c);
        short(c.command(32, 1));
        short(c.command(33, 2));
        short(c.command(38, 0));
        let mut b = [0xffu8; BLOCK];
        short(c.command(17, 2));
        c.read_block(&mut b).unwrap();
        assert_eq!(b, [0; BLOCK]);
        short(c.command(17, 3));
        c.read_block(&mut b).unwrap();
        assert_eq!(b[0], 3, "outside the range: untouched");
    }
}
