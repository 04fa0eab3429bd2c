//! Processor state and the run loop.

use std::collections::HashSet;

use bramble_decode::{decode, Insn, Xs, Xz};
use bramble_mem::Bus;
use log::warn;

use crate::block::BlockCache;
use crate::exception::{fsc, Exception};
use crate::mmu::{MicroTlb, Tlb};
use crate::sysreg::SysRegs;
use crate::timer::{GenericTimer, TIMER_INTIDS};
use crate::timing;

/// Architecture features a CPU model implements. The ID registers report exactly these.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Features {
    /// CRC32 instructions (FEAT_CRC32; the Cortex-A72 has them).
    pub crc32: bool,
    /// Large System Extensions atomics (FEAT_LSE).
    pub lse: bool,
    /// Load-acquire RCpc (FEAT_LRCPC): LDAPR.
    pub lrcpc: bool,
    /// Privileged access never (FEAT_PAN).
    pub pan: bool,
    /// The cryptographic extension: AES and PMULL (FEAT_AES, FEAT_PMULL), SHA1 and SHA256.
    pub crypto: bool,
}

impl Features {
    /// The Raspberry Pi 4's Cortex-A72 (Armv8.0-A with CRC32).
    pub const CORTEX_A72: Self = Self { crc32: true, lse: false, lrcpc: false, pan: false, crypto: false };
    /// Everything bramble implements.
    pub const MAX: Self = Self { crc32: true, lse: true, lrcpc: true, pan: true, crypto: true };
}

/// Why [`Cpu::run`] returned. The CPU never exits the process or panics on guest input.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StopReason {
    /// The instruction budget ran out.
    Budget,
    /// A semihosting call (`HLT #0xF000` with semihosting enabled): the operation is in
    /// w0 and its parameter in x1; the caller performs it, puts the result in x0 and runs
    /// on. The PC already points past the HLT.
    Semihosting,
    /// HVC (`smc` false) or SMC executed with firmware calls routed to the emulator
    /// ([`Cpu::set_firmware_calls`]): the function ID is in x0, arguments in x1..x3; the
    /// caller writes the results to x0..x3. The PC is past the instruction.
    FirmwareCall { smc: bool, imm: u16 },
    /// WFI with no interrupt pending: the PC is past the WFI; the caller advances time
    /// to the next event (or waits for input) and runs on.
    Wfi,
    /// WFE with the event register clear: the PC is past the WFE; the caller runs the
    /// core on once a wake-up event comes ([`Cpu::wfe_wakes`]: SEV from any core, the
    /// core's exclusive reservation lost, an interrupt it would take, the event stream).
    Wfe,
    /// The guest reprogrammed a timer: the caller re-evaluates deadlines and interrupt
    /// lines before running on.
    TimerChanged,
    /// The guest accessed a device (only with [`Cpu::set_stop_on_device_access`]): device
    /// interrupt levels may have changed.
    DeviceAccess,
    /// The CPU keeps taking exceptions without retiring an instruction (for example an
    /// UNDEFINED instruction and no vector table): it can make no progress. `unimp` names
    /// the last encoding bramble does not implement, if the guest ran into one.
    ExceptionLoop { pc: u64, esr: u64, unimp: Option<(u64, u32, &'static str)> },
}

/// Event counters for `--stats`. Only slow paths and block dispatch count, so the
/// per-instruction path pays nothing.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// Decode-cache misses of the plain interpreter (instructions decoded rather than
    /// found).
    pub decode_misses: u64,
    /// Blocks the translator decoded, and block dispatches (those that found their block
    /// already translated are the difference).
    pub blocks_translated: u64,
    pub block_lookups: u64,
    /// Blocks compiled to host code by the JIT, and times its code space filled up and
    /// every compiled block was dropped.
    pub blocks_compiled: u64,
    pub jit_flushes: u64,
    /// Pages whose blocks were dropped because the page was written or named by IC IVAU,
    /// and whole-cache flushes (IC IALLU, or the cache filling up).
    pub code_invalidations: u64,
    pub block_flushes: u64,
    /// Virtual time spent idle in WFI, in core cycles.
    pub idle_cycles: u64,
    /// TLB lookups made after a micro-TLB miss, and the walks among them.
    pub tlb_lookups: u64,
    pub tlb_walks: u64,
    /// Synchronous exceptions and interrupts taken.
    pub exceptions: u64,
    pub interrupts: u64,
}

impl std::ops::AddAssign for Stats {
    /// Sums counters, as over the cores of a machine.
    fn add_assign(&mut self, o: Self) {
        let Stats {
            decode_misses,
            blocks_translated,
            block_lookups,
            blocks_compiled,
            jit_flushes,
            code_invalidations,
            block_flushes,
            idle_cycles,
            tlb_lookups,
            tlb_walks,
            exceptions,
            interrupts,
        } = o;
        self.decode_misses += decode_misses;
        self.blocks_translated += blocks_translated;
        self.block_lookups += block_lookups;
        self.blocks_compiled += blocks_compiled;
        self.jit_flushes += jit_flushes;
        self.code_invalidations += code_invalidations;
        self.block_flushes += block_flushes;
        self.idle_cycles += idle_cycles;
        self.tlb_lookups += tlb_lookups;
        self.tlb_walks += tlb_walks;
        self.exceptions += exceptions;
        self.interrupts += interrupts;
    }
}

/// What one core's instructions do to the others, collected for the board to deliver
/// before the others run again (cores take turns, so none runs meanwhile).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Broadcast {
    /// TLBI ... IS: the same invalidation in every core's TLB.
    Tlbi(crate::translate::TlbOp),
    /// SEV: every core's event register is set.
    Sev,
}

/// What interrupts an instruction: an architectural exception, or a reason to stop.
/// Small on purpose: `ExecResult` then fits in two registers, and every instruction
/// returns one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Trap {
    Exception(Exception),
    Stop(Stop),
}

/// The stop reasons an instruction itself can raise.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Stop {
    Semihosting,
    FirmwareCall { smc: bool, imm: u16 },
    Wfi,
    Wfe,
    TimerChanged,
}

impl From<Stop> for StopReason {
    fn from(s: Stop) -> Self {
        match s {
            Stop::Semihosting => StopReason::Semihosting,
            Stop::FirmwareCall { smc, imm } => StopReason::FirmwareCall { smc, imm },
            Stop::Wfi => StopReason::Wfi,
            Stop::Wfe => StopReason::Wfe,
            Stop::TimerChanged => StopReason::TimerChanged,
        }
    }
}

impl From<Exception> for Trap {
    fn from(e: Exception) -> Self {
        Trap::Exception(e)
    }
}

pub(crate) type ExecResult = Result<(), Trap>;

const ICACHE_ENTRIES: usize = 1 << 16;
/// The exclusives reservation granule: CTR_EL0.ERG = 4 (16 words), as on the A72.
const EXCLUSIVE_GRANULE: u64 = 64;

/// The translated-code cache, handed from core to core by the board.
pub struct CodeCache(Box<BlockCache>);

impl std::fmt::Debug for CodeCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CodeCache")
    }
}
/// Dispatches before a block is compiled to host code: enough to skip code that runs a
/// few times (boot, exec of short-lived programs), few enough to catch loops early.
pub const JIT_THRESHOLD: u32 = 8;
/// Exceptions in a row without a retired instruction before the CPU gives up.
const EXCEPTION_LOOP_LIMIT: u32 = 16;

/// The state the JIT shares with the CPU; compiled code reads and writes it at fixed
/// offsets. Only the JIT reads most of it, and the JIT exists on x86-64 hosts only.
#[derive(Debug, Default)]
#[cfg_attr(not(target_arch = "x86_64"), allow(dead_code))]
pub(crate) struct JitContext {
    /// Dispatches after which a block is compiled to host code (0: never, `--no-jit`).
    pub(crate) threshold: u32,
    /// The trap a handler called from compiled code raised, until the run loop takes it.
    pub(crate) trap: Option<Trap>,
    /// Low RAM's host address and length and the code map's host address
    /// (`Ram::low_raw`), refreshed whenever blocks run, for compiled loads and stores.
    pub(crate) ram_base: usize,
    pub(crate) ram_len: u64,
    pub(crate) code_map: usize,
    /// A handler called from compiled code wrote translated code: blocks must not chain
    /// until the run loop has dropped the stale ones.
    pub(crate) code_dirty: bool,
    /// The compiled block running (its PC, first op and length in the arena), kept up to
    /// date when blocks chain, and the arena and block table they chain through.
    pub(crate) block_pc: u64,
    pub(crate) block_start: u32,
    pub(crate) block_len: u32,
    pub(crate) ops_base: usize,
    pub(crate) slots_base: usize,
}

/// One AArch64 processing element.
pub struct Cpu {
    /// X0..X30; index 31 always reads zero (XZR) and writes to XZR land in index 32.
    pub(crate) x: [u64; 33],
    /// V0..V31, the SIMD&FP registers; B/H/S/D views are the low bits.
    pub(crate) v: [u128; 32],
    pub(crate) pc: u64,
    pub(crate) next_pc: u64,
    /// N, Z, C, V in bits 31..28, as the NZCV system register holds them.
    pub(crate) nzcv: u32,
    /// SP_EL0..SP_EL3.
    pub(crate) sp: [u64; 4],
    pub(crate) el: u8,
    pub(crate) spsel: bool,
    /// D, A, I, F in bits 9..6, as the DAIF system register holds them.
    pub(crate) daif: u32,
    /// PSTATE.PAN (FEAT_PAN).
    pub(crate) pan: bool,
    pub sys: SysRegs,
    pub(crate) features: Features,
    /// The local exclusive monitor: the (address, size) an LDXR/LDAXR/LDXP marked, and the
    /// physical address, which the board's global monitor watches for other cores' stores.
    pub(crate) monitor: Option<(u64, u8)>,
    pub(crate) monitor_pa: u64,
    /// The event register WFE waits on (set by SEV, SEVL, a lost reservation).
    pub(crate) event_register: bool,
    /// Broadcast operations since the board last collected them.
    pub(crate) broadcasts: Vec<Broadcast>,
    /// Whether broadcasts are recorded at all (not on a machine of one core).
    pub(crate) broadcasting: bool,
    /// The highest virtual time (cycles) any core has read the system counter at: a read
    /// never returns less, so the counter never goes backwards from one core to the next
    /// although cores take turns in quanta (the board carries it from core to core).
    pub(crate) counter_floor: u64,
    pub(crate) semihosting: bool,
    /// HVC / SMC are served by the emulator instead of a guest EL2/EL3.
    pub(crate) emulate_hvc: bool,
    pub(crate) emulate_smc: bool,
    pub(crate) insns: u64,
    /// Virtual time in core cycles: every retired instruction's charge from the timing
    /// table, penalties, and idle time.
    pub(crate) cycles: u64,
    pub(crate) timer: GenericTimer,
    pub(crate) tlb: Tlb,
    pub(crate) utlb: MicroTlb,
    /// Stage 1 translation is on for the current regime (SCTLR_ELx.M), kept up to date on
    /// every EL and SCTLR change so the access path tests one flag.
    pub(crate) translate_on: bool,
    /// The next access is unprivileged (LDTR/STTR): permissions are checked as at EL0.
    pub(crate) unprivileged: bool,
    /// The interrupt controller's outputs to this PE.
    pub(crate) irq_line: bool,
    pub(crate) fiq_line: bool,
    /// Something needs a look between instructions: an interrupt may be deliverable (lines
    /// or masks changed) or a device was accessed. Keeps the per-instruction cost to one
    /// test of one flag.
    pub(crate) attention: bool,
    /// The cycle count the hot loop runs to; zeroed to break out early.
    pub(crate) limit: u64,
    pub(crate) device_touched: bool,
    stop_on_device_access: bool,
    pub(crate) exceptions_in_a_row: u32,
    /// The plain interpreter's decoded instructions with their timing charge, direct-mapped
    /// by PC and tagged by the instruction word, so a hit is exact whatever wrote the code.
    icache: Box<[(u32, u8, Insn)]>,
    /// Run the block translator (`false`: the plain interpreter, `--no-translate`).
    pub(crate) translate: bool,
    /// The translator's cache; taken out while blocks run, so they can be read in place
    /// while instructions borrow the CPU.
    pub(crate) blocks: Option<Box<BlockCache>>,
    /// IC maintenance since the last dispatch: pages named by IC IVAU, and IC IALLU.
    pub(crate) ic_pages: Vec<u64>,
    pub(crate) ic_all: bool,
    /// What the JIT and its compiled code share with the CPU.
    pub(crate) jit_ctx: JitContext,
    logged: HashSet<(u64, u32)>,
    pub(crate) stats: Stats,
    last_unimp: Option<(u64, u32, &'static str)>,
}

impl std::fmt::Debug for Cpu {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cpu")
            .field("pc", &format_args!("{:#x}", self.pc))
            .field("el", &self.el)
            .field("x", &&self.x[..31])
            .field("nzcv", &format_args!("{:#x}", self.nzcv))
            .finish()
    }
}

impl Cpu {
    /// A CPU in its reset state at `el` (MMU off, all interrupts masked, SP_ELx selected).
    pub fn new(features: Features, el: u8) -> Self {
        let el = el.min(3);
        Self {
            x: [0; 33],
            v: [0; 32],
            pc: 0,
            next_pc: 0,
            nzcv: 0,
            sp: [0; 4],
            el,
            spsel: true,
            daif: 0xf << 6,
            pan: false,
            sys: SysRegs::reset(el),
            features,
            monitor: None,
            monitor_pa: 0,
            event_register: false,
            broadcasts: Vec::new(),
            broadcasting: true,
            counter_floor: 0,
            semihosting: false,
            emulate_hvc: false,
            emulate_smc: false,
            insns: 0,
            cycles: 0,
            timer: GenericTimer::default(),
            tlb: Tlb::default(),
            utlb: MicroTlb::default(),
            translate_on: false,
            unprivileged: false,
            irq_line: false,
            fiq_line: false,
            attention: true,
            limit: 0,
            device_touched: false,
            stop_on_device_access: false,
            exceptions_in_a_row: 0,
            icache: vec![(0, 1, decode(0)); ICACHE_ENTRIES].into_boxed_slice(),
            translate: true,
            blocks: Some(Box::default()),
            ic_pages: Vec::new(),
            ic_all: false,
            jit_ctx: JitContext {
                threshold: if cfg!(target_arch = "x86_64") { JIT_THRESHOLD } else { 0 },
                ..JitContext::default()
            },
            logged: HashSet::new(),
            stats: Stats::default(),
            last_unimp: None,
        }
    }

    /// Chooses the execution engine: the block translator (the default) or the plain
    /// interpreter, which decodes every instruction it fetches. Both retire the same
    /// instructions and charge the same cycles.
    pub fn set_translate(&mut self, on: bool) {
        self.translate = on;
        self.blocks = on.then(Box::default);
    }

    /// Compiles hot blocks to host code (x86-64 hosts only; the default there). Off, the
    /// translator runs every block through its block loop (`--no-jit`). Either way the
    /// same instructions retire at the same cycle counts.
    pub fn set_jit(&mut self, on: bool) {
        self.set_jit_threshold(if on { JIT_THRESHOLD } else { 0 });
    }

    /// Compiles a block once it has been dispatched `dispatches` times (0: never; 1:
    /// before its first run, which tests use to put every block through the JIT).
    pub fn set_jit_threshold(&mut self, dispatches: u32) {
        self.jit_ctx.threshold = if cfg!(target_arch = "x86_64") { dispatches } else { 0 };
    }

    /// Whether hot blocks are compiled to host code.
    pub fn jit(&self) -> bool {
        self.jit_ctx.threshold != 0 && self.translate
    }

    /// Parks the trap of a handler called from compiled code: 0 if it completed. Notes
    /// whether it wrote translated code, which stops chaining.
    #[cfg(target_arch = "x86_64")]
    pub(crate) fn park(&mut self, r: ExecResult, bus: &Bus) -> u32 {
        self.jit_ctx.code_dirty |= bus.ram.code_was_written();
        match r {
            Ok(()) => 0,
            Err(t) => {
                self.jit_ctx.trap = Some(t);
                1
            }
        }
    }

    /// Enables the `HLT #0xF000` semihosting convention.
    pub fn set_semihosting(&mut self, on: bool) {
        self.semihosting = on;
    }

    /// Routes HVC and/or SMC to the emulator ([`StopReason::FirmwareCall`]), as QEMU does
    /// for PSCI when no guest firmware runs at EL2/EL3.
    pub fn set_firmware_calls(&mut self, hvc: bool, smc: bool) {
        self.emulate_hvc = hvc;
        self.emulate_smc = smc;
    }

    /// The program counter.
    pub fn pc(&self) -> u64 {
        self.pc
    }

    /// Sets the program counter.
    pub fn set_pc(&mut self, pc: u64) {
        self.pc = pc;
    }

    /// Reads X`n` (0..=30); 31 reads the zero register.
    pub fn xreg(&self, n: usize) -> u64 {
        self.x[n.min(31)]
    }

    /// Writes X`n` (0..=30); writes to 31 are discarded.
    pub fn set_xreg(&mut self, n: usize, v: u64) {
        if n < 31 {
            self.x[n] = v;
        }
    }

    /// Reads V`n` (0..=31) as a 128-bit value (lane 0 in the low bits).
    pub fn vreg(&self, n: usize) -> u128 {
        self.v[n & 31]
    }

    /// Writes V`n` (0..=31).
    pub fn set_vreg(&mut self, n: usize, v: u128) {
        self.v[n & 31] = v;
    }

    /// FPCR, as `MRS Xt, FPCR` reads it.
    pub fn fpcr(&self) -> u32 {
        self.sys.fpcr as u32
    }

    /// Sets FPCR (reserved bits are ignored, as by `MSR FPCR, Xt`).
    pub fn set_fpcr(&mut self, v: u32) {
        self.sys.fpcr = v as u64 & crate::sysreg::FPCR_MASK;
    }

    /// FPSR, as `MRS Xt, FPSR` reads it.
    pub fn fpsr(&self) -> u32 {
        self.sys.fpsr as u32
    }

    /// Sets FPSR (reserved bits are ignored).
    pub fn set_fpsr(&mut self, v: u32) {
        self.sys.fpsr = v as u64 & crate::sysreg::FPSR_MASK;
    }

    /// The stack pointer currently selected.
    pub fn sp(&self) -> u64 {
        self.sp[self.sp_index()]
    }

    /// Writes the stack pointer currently selected.
    pub fn set_sp(&mut self, v: u64) {
        let i = self.sp_index();
        self.sp[i] = v;
    }

    /// NZCV as the NZCV register holds it (bits 31..28).
    pub fn nzcv(&self) -> u32 {
        self.nzcv
    }

    /// Sets NZCV (bits 31..28; other bits are ignored).
    pub fn set_nzcv(&mut self, v: u32) {
        self.nzcv = v & 0xf000_0000;
    }

    /// The current exception level.
    pub fn el(&self) -> u8 {
        self.el
    }

    /// Instructions executed so far (including ones that raised an exception).
    pub fn insns(&self) -> u64 {
        self.insns
    }

    /// Event counters so far.
    pub fn stats(&self) -> Stats {
        self.stats
    }

    /// Virtual time in core cycles: what the retired instructions cost by the timing
    /// model ([`crate::timing`]) plus idle time.
    pub fn cycles(&self) -> u64 {
        self.cycles
    }

    /// The core clock in Hz: how many cycles make a second of virtual time.
    pub fn cpu_hz(&self) -> u64 {
        self.timer.cpu_hz
    }

    /// Sets the core clock (`--cpu-mhz`); the generic timer's 54 MHz count follows it.
    pub fn set_cpu_hz(&mut self, hz: u64) {
        self.timer.cpu_hz = hz.max(1);
    }

    /// Advances virtual time while idle (WFI) without executing anything.
    pub fn skip_idle(&mut self, cycles: u64) {
        self.cycles = self.cycles.saturating_add(cycles);
        self.stats.idle_cycles = self.stats.idle_cycles.saturating_add(cycles);
    }

    /// Makes this core number `n` of the cluster (MPIDR_EL1.Aff0).
    pub fn set_core_id(&mut self, n: u8) {
        self.sys.mpidr = crate::sysreg::MPIDR_CORE0 | n as u64;
    }

    /// MPIDR_EL1.
    pub fn mpidr(&self) -> u64 {
        self.sys.mpidr
    }

    /// Powers the core on, as PSCI CPU_ON or a spin-table release does: every register to
    /// its reset value at `el` (MMU off, interrupts masked), the PC at `entry`, x0 =
    /// `context`. What is not architectural state stays: the clock, the engine, counters,
    /// virtual time.
    pub fn power_on(&mut self, el: u8, entry: u64, context: u64) {
        let el = el.min(3);
        let mpidr = self.sys.mpidr;
        self.x = [0; 33];
        self.v = [0; 32];
        self.nzcv = 0;
        self.sp = [0; 4];
        self.el = el;
        self.spsel = true;
        self.daif = 0xf << 6;
        self.pan = false;
        self.sys = SysRegs::reset(el);
        self.sys.mpidr = mpidr;
        self.monitor = None;
        self.event_register = false;
        let cpu_hz = self.timer.cpu_hz;
        self.timer = GenericTimer { cpu_hz, ..GenericTimer::default() };
        self.tlb.flush_all();
        self.utlb.clear();
        self.unprivileged = false;
        self.exceptions_in_a_row = 0;
        self.update_translation();
        self.pc = entry;
        self.next_pc = entry;
        self.x[0] = context;
        self.request_attention();
    }

    /// Takes the translated-code cache away (to hand it to the next core: cores share
    /// it, since blocks are keyed by physical address), applying this core's pending IC
    /// maintenance first so no other core runs code it invalidated.
    pub fn detach_code_cache(&mut self, bus: &mut Bus) -> Option<CodeCache> {
        let mut blocks = self.blocks.take()?;
        if self.ic_all || !self.ic_pages.is_empty() {
            self.apply_invalidations(bus, &mut blocks);
        }
        Some(CodeCache(blocks))
    }

    /// Gives this core the shared translated-code cache (see [`Cpu::detach_code_cache`]).
    /// A translating core without one runs the interpreter.
    pub fn attach_code_cache(&mut self, cache: Option<CodeCache>) {
        if self.translate {
            self.blocks = cache.map(|c| c.0);
        }
    }

    /// The broadcasts this core made since the last call (TLBI ... IS, SEV).
    pub fn take_broadcasts(&mut self) -> Vec<Broadcast> {
        std::mem::take(&mut self.broadcasts)
    }

    /// Hands back the list [`Cpu::take_broadcasts`] gave, emptied, so the next
    /// broadcasts reuse its memory.
    pub fn recycle_broadcasts(&mut self, mut list: Vec<Broadcast>) {
        list.clear();
        if self.broadcasts.is_empty() {
            self.broadcasts = list;
        }
    }

    /// Records broadcasts for other cores (the default); a core alone on its machine
    /// has nobody to tell.
    pub fn set_broadcasting(&mut self, on: bool) {
        self.broadcasting = on;
    }

    /// Records a broadcast for the board to deliver.
    #[inline]
    pub(crate) fn broadcast(&mut self, b: Broadcast) {
        if self.broadcasting {
            self.broadcasts.push(b);
        }
    }

    /// Whether this core made broadcasts the board has not collected yet.
    pub fn has_broadcasts(&self) -> bool {
        !self.broadcasts.is_empty()
    }

    /// Applies another core's broadcast to this one.
    pub fn receive(&mut self, b: Broadcast) {
        match b {
            Broadcast::Tlbi(op) => self.apply_tlb_op(op),
            Broadcast::Sev => self.event_register = true,
        }
    }

    /// The physical address of the 64-byte granule (CTR_EL0.ERG) this core holds an
    /// exclusive reservation on, if any.
    pub fn exclusive_granule(&self) -> Option<u64> {
        self.monitor.map(|_| self.monitor_pa & !(EXCLUSIVE_GRANULE - 1))
    }

    /// Another core wrote this core's reserved granule: the global monitor drops the
    /// reservation, which is a WFE wake-up event.
    pub fn lose_reservation(&mut self) {
        if self.monitor.take().is_some() {
            self.event_register = true;
        }
    }

    /// Whether a core stopped in WFE may run on: its event register is set (which the
    /// wake-up consumes) or it has an interrupt it would take.
    pub fn wfe_wakes(&mut self) -> bool {
        std::mem::take(&mut self.event_register) || self.deliverable_interrupt().is_some()
    }

    /// Whether a core stopped in WFI may run on: an interrupt is asserted, masked or not.
    pub fn wfi_wakes(&self) -> bool {
        self.interrupt_asserted()
    }

    /// Cycles until this core's event stream (CNTKCTL_EL1.EVNTEN) wakes a WFE.
    pub fn cycles_to_event_stream(&self) -> Option<u64> {
        self.timer.cycles_to_event_stream(self.cycles)
    }

    /// Sets the event register (the board's own wake-up events).
    pub fn send_event(&mut self) {
        self.event_register = true;
    }

    /// The system counter floor: see [`Cpu::set_counter_floor`].
    pub fn counter_floor(&self) -> u64 {
        self.counter_floor
    }

    /// Makes counter reads return at least the count at `cycles` (the highest time
    /// another core has read the counter at), so the counter is monotonic across cores.
    pub fn set_counter_floor(&mut self, cycles: u64) {
        self.counter_floor = self.counter_floor.max(cycles);
    }

    /// The virtual time a counter read sees: this core's, or the floor if that is later.
    pub(crate) fn counter_cycles(&mut self) -> u64 {
        self.counter_floor = self.counter_floor.max(self.cycles);
        self.counter_floor
    }

    /// Virtual time in nanoseconds, as devices see it.
    pub fn now_ns(&self) -> u64 {
        match self.cycles.checked_mul(1_000_000_000) {
            Some(p) => p / self.timer.cpu_hz,
            None => (self.cycles as u128 * 1_000_000_000 / self.timer.cpu_hz as u128) as u64,
        }
    }

    /// Sets the interrupt controller's IRQ and FIQ outputs to this PE.
    pub fn set_interrupt_lines(&mut self, irq: bool, fiq: bool) {
        if (irq, fiq) != (self.irq_line, self.fiq_line) {
            self.irq_line = irq;
            self.fiq_line = fiq;
            self.request_attention();
        }
    }

    /// Makes [`Cpu::run`] return [`StopReason::DeviceAccess`] after an instruction that
    /// touched a device, so the board can re-sample interrupt levels.
    pub fn set_stop_on_device_access(&mut self, on: bool) {
        self.stop_on_device_access = on;
    }

    /// The generic timer's outputs as (GIC INTID, level) pairs.
    pub fn timer_outputs(&self) -> [(u32, bool); 4] {
        let levels = self.timer.outputs(self.cycles());
        std::array::from_fn(|i| (TIMER_INTIDS[i], levels[i]))
    }

    /// Cycles until a timer output next rises, if one is armed.
    pub fn cycles_to_timer_event(&self) -> Option<u64> {
        self.timer.cycles_to_next_event(self.cycles())
    }

    /// Whether an interrupt line is asserted (WFI wakes on these even when masked).
    pub fn interrupt_asserted(&self) -> bool {
        self.irq_line || self.fiq_line
    }

    #[inline(always)]
    pub(crate) fn sp_index(&self) -> usize {
        if self.spsel {
            self.el as usize
        } else {
            0
        }
    }

    #[inline(always)]
    pub(crate) fn xz(&self, r: Xz) -> u64 {
        self.x[r.num()]
    }

    #[inline(always)]
    pub(crate) fn set_xz(&mut self, r: Xz, v: u64) {
        // Index 31 must stay zero: redirect its writes to the sink slot without a branch.
        let n = r.num() + r.is_31() as usize;
        self.x[n] = v;
    }

    #[inline(always)]
    pub(crate) fn xs(&self, r: Xs) -> u64 {
        if r.is_31() {
            self.sp[self.sp_index()]
        } else {
            self.x[r.num()]
        }
    }

    #[inline(always)]
    pub(crate) fn set_xs(&mut self, r: Xs, v: u64) {
        if r.is_31() {
            let i = self.sp_index();
            self.sp[i] = v;
        } else {
            self.x[r.num()] = v;
        }
    }

    /// Logs an emulator gap once per (PC, instruction word) under target `unimp`.
    pub(crate) fn log_unimp(&mut self, insn: u32, what: &'static str, detail: &dyn std::fmt::Display) {
        self.last_unimp = Some((self.pc, insn, what));
        if self.logged.len() < 4096 && self.logged.insert((self.pc, insn)) {
            warn!(target: "unimp", "{what}{detail} at pc={:#x} insn={insn:#010x}: UNDEFINED", self.pc);
        }
    }

    /// Runs until `budget` more cycles have passed (or something stops it). Both engines
    /// stop at the same instruction: the budget is checked before every instruction.
    pub fn run(&mut self, bus: &mut Bus, budget: u64) -> StopReason {
        let end = self.cycles.saturating_add(budget);
        loop {
            if self.attention {
                if let Some(stop) = self.service_attention() {
                    return stop;
                }
            }
            if self.cycles >= end {
                return StopReason::Budget;
            }
            // The hot loops test only their limit: whatever needs attention between
            // instructions also drops the limit to zero (`request_attention`).
            self.limit = end;
            let stop = match self.blocks.take() {
                Some(mut blocks) => {
                    let stop = self.run_blocks(bus, &mut blocks);
                    self.blocks = Some(blocks);
                    stop
                }
                None => self.run_interpreter(bus),
            };
            if let Some(stop) = stop {
                return stop;
            }
        }
    }

    /// The plain interpreter: fetch, decode (through the decode cache) and execute one
    /// instruction at a time until the limit.
    fn run_interpreter(&mut self, bus: &mut Bus) -> Option<StopReason> {
        while self.cycles < self.limit {
            self.insns += 1;
            match self.step(bus) {
                Ok(()) => {
                    self.retire();
                    self.exceptions_in_a_row = 0;
                }
                Err(Trap::Exception(e)) => {
                    if let Some(stop) = self.fault(e) {
                        return Some(stop);
                    }
                }
                Err(Trap::Stop(s)) => {
                    // Every stop but a stuck CPU completes its instruction first.
                    self.retire();
                    self.exceptions_in_a_row = 0;
                    return Some(s.into());
                }
            }
        }
        None
    }

    /// Completes an instruction: moves to the next PC, charging a taken branch.
    #[inline(always)]
    pub(crate) fn retire(&mut self) {
        if self.next_pc != self.pc.wrapping_add(4) {
            self.cycles += timing::TAKEN_BRANCH;
        }
        self.pc = self.next_pc;
    }

    /// Takes a synchronous exception, unless the CPU keeps faulting without progress.
    #[inline]
    pub(crate) fn fault(&mut self, e: Exception) -> Option<StopReason> {
        self.exceptions_in_a_row += 1;
        if self.exceptions_in_a_row > EXCEPTION_LOOP_LIMIT {
            return Some(StopReason::ExceptionLoop { pc: self.pc, esr: e.syndrome().esr(), unimp: self.last_unimp });
        }
        self.take_exception(e);
        None
    }

    /// Between instructions: reports a device access if asked to, or takes a deliverable
    /// interrupt.
    #[cold]
    #[inline(never)]
    fn service_attention(&mut self) -> Option<StopReason> {
        self.attention = false;
        if std::mem::take(&mut self.device_touched) && self.stop_on_device_access {
            self.request_attention(); // look at interrupts again on re-entry
            return Some(StopReason::DeviceAccess);
        }
        if let Some((fiq, target)) = self.deliverable_interrupt() {
            self.take_interrupt(fiq, target);
        }
        None
    }

    /// Makes the run loop look at interrupts and device accesses before the next
    /// instruction.
    #[inline(always)]
    pub(crate) fn request_attention(&mut self) {
        self.attention = true;
        self.limit = 0;
    }

    /// Executes one instruction and returns the exception it raises instead of taking it.
    /// For differential testing against a reference CPU; stops (semihosting) count as
    /// UNDEFINED here.
    pub fn step_no_exception(&mut self, bus: &mut Bus) -> Result<(), Exception> {
        self.insns += 1;
        match self.step(bus) {
            Ok(()) => {
                self.retire();
                Ok(())
            }
            Err(Trap::Exception(e)) => Err(e),
            Err(Trap::Stop(_)) => Err(Exception::Undefined),
        }
    }

    #[inline(always)]
    fn step(&mut self, bus: &mut Bus) -> ExecResult {
        let pc = self.pc;
        let pa = self.fetch_pa(bus, pc)?;
        let word = match bus.ram.read_low(pa, 4) {
            Some(w) => w as u32,
            None => match bus.ram.read(pa, 4) {
                Some(w) => w as u32,
                // IMPDEF: execution from MMIO space is treated as an external abort.
                None => {
                    self.cycles += timing::FETCH_ABORT;
                    return Err(Exception::InstructionAbort { va: pc, fsc: fsc::EXTERNAL_ABORT }.into());
                }
            },
        };
        let slot = &mut self.icache[(pc >> 2) as usize & (ICACHE_ENTRIES - 1)];
        let (cost, insn) = if slot.0 == word {
            (slot.1, slot.2)
        } else {
            let d = decode(word);
            let cost = timing::cost(&d);
            *slot = (word, cost, d);
            self.stats.decode_misses += 1;
            (cost, d)
        };
        self.cycles += cost as u64;
        self.next_pc = pc.wrapping_add(4);
        self.exec(bus, &insn, word)
    }

    /// The physical address of the instruction at `pc`, checking its alignment and
    /// translating it when the MMU is on; a fault costs [`timing::FETCH_ABORT`].
    #[inline(always)]
    pub(crate) fn fetch_pa(&mut self, bus: &Bus, pc: u64) -> Result<u64, Exception> {
        let pa = if pc & 3 != 0 {
            Err(Exception::PcAlignment { va: pc })
        } else if self.translate_on {
            self.translate_fetch(bus, pc)
        } else {
            Ok(pc)
        };
        if pa.is_err() {
            self.cycles += timing::FETCH_ABORT;
        }
        pa
    }
}
