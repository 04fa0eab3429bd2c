//! The block-caching translator.
//!
//! A guest basic block is decoded once, by the shared decoder, into a run of [`Op`]s (the
//! decoded instruction, its word and its timing charge) and executed by the interpreter's
//! own semantic functions (`Cpu::exec`): there is no second implementation of any
//! instruction, so the two engines cannot disagree on what an instruction does.
//!
//! Blocks are keyed by the physical address of their first instruction alone. Decoding
//! depends on nothing but the instruction word (EL, regime and PSTATE are checked when an
//! instruction executes), and every dispatch translates the PC through the micro-TLB, so a
//! block is valid in any context that maps to its bytes, and TLB maintenance or a change
//! of translation registers needs no invalidation here. What does need it is a change of
//! the bytes: RAM flags every 64-byte line a block was decoded from, reports the first
//! write to it from anywhere (CPU store, loader, semihosting), and the dispatcher drops
//! the blocks overlapping written lines before running the next one. IC IVAU and IC IALLU drop blocks too, so a guest
//! that maintains its caches by the book is also covered by the book.
//!
//! A block ends at any instruction that always branches, may change the translation or
//! exception state, or needs a context synchronisation (B, BL, BR, RET, exception
//! generation, ERET, MSR, SYS, ISB), at the end of its page, or after [`MAX_BLOCK`]
//! instructions. Conditional branches do not end a block: not taken, the block runs on;
//! taken, it is left there (a superblock along the fall-through path). Interrupts
//! and the cycle budget are checked after every instruction, exactly as the interpreter
//! does, so both engines retire the same instructions at the same virtual times.
//!
//! On x86-64 hosts a block dispatched `JitContext::threshold` times is compiled to host code
//! (`jit.rs`), which keeps this loop's behaviour exactly and hands back to it whatever it
//! does not model.

use bramble_decode::{decode, Branch, Insn, System};
use bramble_mem::{line_mask, Bus};

use crate::cpu::{Cpu, ExecResult, StopReason, Trap};
use crate::exception::{fsc, Exception};
#[cfg(target_arch = "x86_64")]
use crate::jit::{BlockFn, CodeBuffer, CompileError, RETIRED, TRAPPED};
use crate::timing;

/// The longest block, in instructions.
pub(crate) const MAX_BLOCK: usize = 64;
/// Direct-mapped block table slots (indexed by physical address / 4).
pub(crate) const SLOTS: usize = 1 << 18;
/// Decoded instructions the cache holds before it is flushed and refilled.
const ARENA: usize = 1 << 20;
const PAGE: u64 = 0x1000;

/// Executes one decoded instruction: `Cpu::exec` specialised for one variant.
type Handler = fn(&mut Cpu, &mut Bus, &Insn, u32) -> ExecResult;

/// One pre-decoded instruction: the decoded form, the handler for its variant, the word
/// (for syndromes) and its timing charge.
#[derive(Clone, Copy)]
pub(crate) struct Op {
    pub insn: Insn,
    pub handler: Handler,
    pub word: u32,
    pub cost: u8,
}

/// One handler per decoder variant, in `Insn::variant_index` order. Each matches its own
/// variant and calls the shared `Cpu::exec`; once `exec` is inlined the compiler knows
/// which arm runs, so a block's instruction costs one indirect call instead of a
/// dispatch per encoding-group level. The semantics are still written once.
macro_rules! handler_table {
    ($(($group:ident, $variant:ident)),* $(,)?) => {
        [
            $({
                fn handler(cpu: &mut Cpu, bus: &mut Bus, insn: &Insn, word: u32) -> ExecResult {
                    match insn {
                        Insn::$group(bramble_decode::$group::$variant { .. }) => cpu.exec(bus, insn, word),
                        // Only reached if the table and the decoder disagree on numbering,
                        // which the lockstep test would catch; UNDEFINED, never a panic.
                        _ => Err(Exception::Undefined.into()),
                    }
                }
                handler as Handler
            },)*
            (|cpu: &mut Cpu, bus: &mut Bus, insn: &Insn, word: u32| cpu.exec(bus, insn, word)) as Handler,
        ]
    };
}

static HANDLERS: [Handler; Insn::VARIANTS] = bramble_decode::for_each_insn_variant!(handler_table);

/// A handler as compiled code calls it: 0 when the instruction completed, 1 when it
/// trapped (the trap is parked in `JitContext::trap`).
#[cfg(target_arch = "x86_64")]
pub(crate) type HandlerCall = extern "sysv64" fn(*mut Cpu, *mut Bus, *const Op) -> u32;

/// The handlers again, with the C calling convention the JIT's code can call.
#[cfg(target_arch = "x86_64")]
macro_rules! handler_call_table {
    ($(($group:ident, $variant:ident)),* $(,)?) => {
        [
            $({
                extern "sysv64" fn call(cpu: *mut Cpu, bus: *mut Bus, op: *const Op) -> u32 {
                    // SAFETY: compiled blocks pass on the pointers `Cpu::run_jit` made from
                    // its `&mut Cpu` and `&mut Bus` (not used while the block runs) and a
                    // pointer into the block's ops, which nothing mutates while it runs.
                    let (cpu, bus, op) = unsafe { (&mut *cpu, &mut *bus, &*op) };
                    let r = match &op.insn {
                        Insn::$group(bramble_decode::$group::$variant { .. }) => cpu.exec(bus, &op.insn, op.word),
                        _ => Err(Exception::Undefined.into()),
                    };
                    cpu.park(r, bus)
                }
                call as HandlerCall
            },)*
            {
                extern "sysv64" fn call(cpu: *mut Cpu, bus: *mut Bus, op: *const Op) -> u32 {
                    // SAFETY: as above.
                    let (cpu, bus, op) = unsafe { (&mut *cpu, &mut *bus, &*op) };
                    let r = cpu.exec(bus, &op.insn, op.word);
                    cpu.park(r, bus)
                }
                call as HandlerCall
            },
        ]
    };
}

#[cfg(target_arch = "x86_64")]
pub(crate) static HANDLER_CALLS: [HandlerCall; Insn::VARIANTS] =
    bramble_decode::for_each_insn_variant!(handler_call_table);

/// A table entry: the block at physical address `pa` is `ops[start..start + len]`,
/// dispatched `hits` times, and compiled to host code once it is hot.
#[derive(Clone, Copy, Debug)]
#[cfg_attr(not(target_arch = "x86_64"), allow(dead_code))]
pub(crate) struct Slot {
    pub(crate) pa: u64,
    pub(crate) start: u32,
    pub(crate) len: u32,
    hits: u32,
    /// The cycles the compiled code's first run of inline ops needs below the limit.
    pub(crate) seg: u32,
    #[cfg(target_arch = "x86_64")]
    pub(crate) jit: Option<BlockFn>,
}

const EMPTY: Slot = Slot {
    pa: u64::MAX,
    start: 0,
    len: 0,
    hits: 0,
    seg: 0,
    #[cfg(target_arch = "x86_64")]
    jit: None,
};

/// Translated blocks.
pub(crate) struct BlockCache {
    slots: Box<[Slot]>,
    ops: Vec<Op>,
    /// Host code of compiled blocks, made on the first compilation; `Err` once the host
    /// refused it (blocks then keep running through the block loop).
    #[cfg(target_arch = "x86_64")]
    code: Option<Result<CodeBuffer, ()>>,
}

impl Default for BlockCache {
    fn default() -> Self {
        Self {
            slots: vec![EMPTY; SLOTS].into_boxed_slice(),
            ops: Vec::new(),
            #[cfg(target_arch = "x86_64")]
            code: None,
        }
    }
}

#[inline(always)]
fn slot_index(pa: u64) -> usize {
    (pa >> 2) as usize & (SLOTS - 1)
}

/// A block's ops in the arena (empty if the range were ever out of it).
fn ops_of(arena: &[Op], start: u32, len: u32) -> &[Op] {
    arena.get(start as usize..start as usize + len as usize).unwrap_or_default()
}

/// Whether a block must end after `insn`.
fn ends_block(insn: &Insn) -> bool {
    match insn {
        // A conditional branch does not end a block: when it is not taken the block runs
        // on (its successor is the next op); when it is, the block is left there.
        Insn::Branch(Branch::BCond { .. } | Branch::Cb { .. } | Branch::Tb { .. }) => false,
        Insn::Branch(_) | Insn::Exception(_) | Insn::Unallocated => true,
        Insn::System(s) => match s {
            // Hints (WFI stops the run loop by itself), barriers that order memory only,
            // and reads of system registers change nothing a block depends on.
            System::Hint { .. } | System::Clrex | System::Dsb { .. } | System::Dmb { .. } => false,
            System::Mrs { .. } | System::Sysl { .. } => false,
            System::Isb | System::MsrImm { .. } | System::Msr { .. } | System::Sys { .. } => true,
        },
        _ => false,
    }
}

impl BlockCache {
    /// Forgets every block.
    fn flush(&mut self) {
        self.slots.fill(EMPTY);
        self.ops.clear();
        #[cfg(target_arch = "x86_64")]
        if let Some(Ok(code)) = &mut self.code {
            code.reset();
        }
    }

    /// Drops the blocks of the physical page `page` that overlap the 64-byte `lines`
    /// (a bit per line). Blocks never leave their page, so only its slots are looked at.
    fn invalidate_lines(&mut self, page: u64, lines: u64) {
        let first = slot_index(page);
        for k in 0..(PAGE / 4) as usize {
            let slot = &mut self.slots[(first + k) & (SLOTS - 1)];
            if slot.pa & !(PAGE - 1) != page {
                continue;
            }
            if line_mask(slot.pa & (PAGE - 1), 4 * slot.len as u64) & lines != 0 {
                *slot = EMPTY;
            }
        }
    }

    /// Counts a dispatch of the block at `pa` and compiles it when it turns hot. Returns
    /// the slot to run (compiled or not).
    #[cfg(target_arch = "x86_64")]
    #[inline(never)]
    fn heat(&mut self, pa: u64, threshold: u32, stats: &mut crate::cpu::Stats) -> Slot {
        let i = slot_index(pa);
        let slot = &mut self.slots[i];
        slot.hits += 1;
        if slot.hits < threshold {
            return *slot;
        }
        let slot = *slot;
        let code = match self.code.get_or_insert_with(|| CodeBuffer::new().map_err(|e| log::warn!("JIT disabled: {e}")))
        {
            Ok(code) => code,
            Err(()) => return slot,
        };
        match code.compile(ops_of(&self.ops, slot.start, slot.len)) {
            Ok((f, entry_cycles)) => {
                stats.blocks_compiled += 1;
                self.slots[i].jit = Some(f);
                self.slots[i].seg = entry_cycles;
                self.slots[i]
            }
            Err(CompileError::Full) => {
                // Every compiled block goes (their blocks stay translated); this one is
                // compiled again when it is next dispatched.
                self.slots.iter_mut().for_each(|s| s.jit = None);
                code.reset();
                stats.jit_flushes += 1;
                slot
            }
            Err(CompileError::Failed(e)) => {
                log::warn!("JIT disabled: {e}");
                self.slots.iter_mut().for_each(|s| s.jit = None);
                self.code = Some(Err(()));
                slot
            }
        }
    }

    /// Decodes the block at `pa` into the cache; `None` if `pa` is not RAM.
    #[cold]
    fn translate(&mut self, bus: &mut Bus, pa: u64) -> Option<Slot> {
        let first = bus.ram.read(pa, 4)? as u32;
        if self.ops.len() + MAX_BLOCK > ARENA {
            // Full: start again. Every slot points into the arena, so all go at once.
            self.flush();
        }
        let start = self.ops.len();
        let mut word = first;
        let mut at = pa;
        loop {
            let insn = decode(word);
            let handler = HANDLERS.get(insn.variant_index()).copied().unwrap_or(HANDLERS[Insn::VARIANTS - 1]);
            self.ops.push(Op { insn, handler, word, cost: timing::cost(&insn) });
            at += 4;
            if ends_block(&insn) || self.ops.len() - start == MAX_BLOCK || at & (PAGE - 1) == 0 {
                break;
            }
            // The rest of the page is RAM too (the first word was, and RAM regions are
            // page-aligned); stop rather than assume it.
            match bus.ram.read(at, 4) {
                Some(w) => word = w as u32,
                None => break,
            }
        }
        bus.ram.mark_code(pa, 4 * (self.ops.len() - start) as u64);
        let slot = Slot { pa, start: start as u32, len: (self.ops.len() - start) as u32, ..EMPTY };
        self.slots[slot_index(pa)] = slot;
        Some(slot)
    }
}

impl Cpu {
    /// The translator's run loop: dispatch a block, run it, repeat until the limit.
    pub(crate) fn run_blocks(&mut self, bus: &mut Bus, blocks: &mut BlockCache) -> Option<StopReason> {
        let jit = &mut self.jit_ctx;
        (jit.ram_base, jit.ram_len, jit.code_map) = bus.ram.low_raw();
        while self.cycles < self.limit {
            if bus.ram.code_was_written() || self.ic_all || !self.ic_pages.is_empty() {
                self.apply_invalidations(bus, blocks);
            }
            let pc = self.pc;
            let pa = match self.fetch_pa(bus, pc) {
                Ok(pa) => pa,
                Err(e) => {
                    self.insns += 1;
                    if let Some(stop) = self.fault(e) {
                        return Some(stop);
                    }
                    continue;
                }
            };
            let cached = blocks.slots[slot_index(pa)];
            let slot = if cached.pa == pa {
                cached
            } else if let Some(slot) = blocks.translate(bus, pa) {
                self.stats.blocks_translated += 1;
                slot
            } else {
                // IMPDEF: execution from MMIO space is treated as an external abort.
                self.insns += 1;
                self.cycles += timing::FETCH_ABORT;
                if let Some(stop) = self.fault(Exception::InstructionAbort { va: pc, fsc: fsc::EXTERNAL_ABORT }) {
                    return Some(stop);
                }
                continue;
            };
            // Counted once a block is found: hits are lookups less blocks translated.
            self.stats.block_lookups += 1;
            #[cfg(target_arch = "x86_64")]
            let slot = match slot.jit {
                None if self.jit_ctx.threshold != 0 => blocks.heat(pa, self.jit_ctx.threshold, &mut self.stats),
                _ => slot,
            };
            let stop = match slot {
                #[cfg(target_arch = "x86_64")]
                Slot { jit: Some(code), .. } => self.run_jit(bus, blocks, pc, slot, code),
                _ => self.exec_block(bus, pc, ops_of(&blocks.ops, slot.start, slot.len)),
            };
            if let Some(stop) = stop {
                return Some(stop);
            }
        }
        None
    }

    /// Runs a compiled block (and the compiled blocks it chains to), then whatever part
    /// of the last one the compiled code handed back.
    #[cfg(target_arch = "x86_64")]
    #[inline(always)]
    fn run_jit(
        &mut self,
        bus: &mut Bus,
        blocks: &BlockCache,
        pc: u64,
        slot: Slot,
        code: BlockFn,
    ) -> Option<StopReason> {
        let jit = &mut self.jit_ctx;
        (jit.block_pc, jit.block_start, jit.block_len) = (pc, slot.start, slot.len);
        jit.ops_base = blocks.ops.as_ptr() as usize;
        jit.slots_base = blocks.slots.as_ptr() as usize;
        jit.code_dirty = false;
        let first = blocks.ops.get(slot.start as usize..).map_or(std::ptr::null(), <[Op]>::as_ptr);
        // SAFETY: `code` was compiled from exactly this slot's ops (a slot's code and ops
        // are replaced together) and is still mapped (the code space is only reset
        // together with every slot). It follows the contract in `jit.rs`: it reads and
        // writes the CPU through the pointer, calls handlers that take `&mut` from the
        // same pointers, keeps within the arena's ops, and chains only to blocks of the
        // table `slots_base` names, whose code and ops are as valid. `self` and `bus` are
        // not touched while it runs, and neither the table nor the arena changes.
        let r = unsafe { code(self, bus, first, pc) };
        if r == RETIRED {
            return None;
        }
        // The block the code left from (the first, or one it chained to).
        let jit = &self.jit_ctx;
        let (pc, ops) = (jit.block_pc, ops_of(&blocks.ops, jit.block_start, jit.block_len));
        let k = (r as u32 as usize).min(ops.len());
        if r & TRAPPED != 0 {
            self.insns += k as u64;
            return match self.jit_ctx.trap.take() {
                Some(Trap::Stop(s)) => {
                    self.retire();
                    self.exceptions_in_a_row = 0;
                    Some(s.into())
                }
                Some(Trap::Exception(e)) => {
                    if k > 1 {
                        self.exceptions_in_a_row = 0;
                    }
                    self.fault(e)
                }
                None => self.fault(Exception::Undefined),
            };
        }
        if k == 0 {
            // The first run of inline ops would cross the cycle limit (only the first
            // block can stop here: chaining checks the same before entering one).
            return self.exec_block(bus, pc, ops);
        }
        self.insns += k as u64;
        self.retire();
        self.exceptions_in_a_row = 0;
        let next = pc.wrapping_add(4 * k as u64);
        if k < ops.len() && self.cycles < self.limit && self.pc == next && !bus.ram.code_was_written() {
            // Handed back mid-block: the rest does not fit below the limit.
            return self.exec_block(bus, next, &ops[k..]);
        }
        None
    }

    /// Runs one block from `pc`, reading its instructions in place. Returns a stop reason,
    /// or `None` when the block ended (the PC then names the next block).
    #[inline(always)]
    fn exec_block(&mut self, bus: &mut Bus, pc: u64, ops: &[Op]) -> Option<StopReason> {
        let mut pc = pc;
        // Instructions are counted when the block is left: nothing reads the count while
        // one runs, and this saves a memory increment per instruction.
        let mut retired = 0;
        for op in ops {
            self.pc = pc;
            self.next_pc = pc.wrapping_add(4);
            self.cycles += op.cost as u64;
            retired += 1;
            match (op.handler)(self, bus, &op.insn, op.word) {
                Ok(()) => {}
                Err(Trap::Exception(e)) => {
                    self.insns += retired;
                    if retired > 1 {
                        self.exceptions_in_a_row = 0;
                    }
                    return self.fault(e);
                }
                Err(Trap::Stop(s)) => {
                    self.insns += retired;
                    self.retire();
                    self.exceptions_in_a_row = 0;
                    return Some(s.into());
                }
            }
            // A store into translated code (maybe this block's own next instructions)
            // ends the block: the next dispatch drops the stale blocks and decodes what
            // is there now, as the interpreter, which fetches every instruction, sees it.
            if self.cycles >= self.limit || bus.ram.code_was_written() {
                break;
            }
            // A taken conditional branch leaves the block (its target is another block).
            let next = pc.wrapping_add(4);
            if self.next_pc != next {
                break;
            }
            pc = next;
        }
        self.insns += retired;
        self.retire();
        self.exceptions_in_a_row = 0;
        None
    }

    /// Drops blocks whose bytes were written, and applies IC maintenance.
    #[cold]
    pub(crate) fn apply_invalidations(&mut self, bus: &mut Bus, blocks: &mut BlockCache) {
        let stats = &mut self.stats;
        if std::mem::take(&mut self.ic_all) {
            blocks.flush();
            self.ic_pages.clear();
            bus.ram.unmark_all_code();
            stats.block_flushes += 1;
            return;
        }
        bus.ram.take_code_writes(|page, lines| {
            blocks.invalidate_lines(page, lines);
            stats.code_invalidations += 1;
        });
        for page in self.ic_pages.drain(..) {
            if bus.ram.unmark_code(page) {
                blocks.invalidate_lines(page, u64::MAX);
                stats.code_invalidations += 1;
            }
        }
    }

    /// IC IALLU / IC IALLUIS: every translated block goes before the next dispatch.
    pub(crate) fn ic_invalidate_all(&mut self) {
        self.ic_all = self.translate;
    }

    /// IC IVAU: the blocks of the page holding `va` go before the next dispatch (the whole
    /// page: Linux names every line of a page it made executable, and one pass is enough).
    /// A VA without a translation has no blocks to drop (IMPDEF: no fault is raised).
    pub(crate) fn ic_invalidate_va(&mut self, bus: &Bus, va: u64) {
        // Translated whichever engine runs: a walk costs cycles, and both engines must
        // charge the same.
        let Some(pa) = self.translate_quietly(bus, va) else { return };
        let page = pa & !(PAGE - 1);
        if !self.translate || self.ic_pages.contains(&page) {
            return;
        }
        if self.ic_pages.len() < 64 {
            self.ic_pages.push(page);
        } else {
            self.ic_all = true; // a long list costs more than starting again
        }
    }
}
