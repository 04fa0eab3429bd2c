//! The x86-64 backend of the block translator: a hot block's ops become host code.
//!
//! The generated code does exactly what [`Cpu::exec_block`] does for the same ops, and
//! hands every case it does not model back to it:
//!
//! - The common integer forms (add/subtract, logical, move wide, bitfield, extract,
//!   conditional select, the branches) are compiled inline. They cannot fault, so they
//!   touch nothing but guest registers and NZCV, which live in `Cpu` at fixed offsets.
//! - Every other op calls its variant's handler (the interpreter's own `Cpu::exec`,
//!   through the `extern "sysv64"` wrappers in `block.rs`) with `pc` and `next_pc` set
//!   and the cycle count exact, as the block loop would.
//! - Cycle charges of inline ops are summed at compile time and added before each call
//!   and at each exit. A run of inline ops (a *segment*) only starts if the whole run
//!   fits below the cycle limit, so the budget stops at exactly the instruction it stops
//!   at in the other engines; if it does not fit, the code returns and the block loop runs
//!   the rest one op at a time. After a call, the limit is re-read: the handler may have
//!   dropped it to ask for attention.
//!
//! The generated function returns how many ops completed (the last one's `pc` and
//! `next_pc` are in the CPU, its retirement is left to the caller), with [`TRAPPED`] set
//! if the last one raised a trap, parked in `JitContext::trap`.

use std::mem::{offset_of, size_of};

use bramble_decode::{Branch, DpImm, DpReg, Insn, LdSt, System, Xs, Xz};
use bramble_mem::Bus;
use dynasmrt::{dynasm, x64::X64Relocation, DynamicLabel, DynasmApi, DynasmLabelApi, VecAssembler};

use crate::alu::condition_holds;
use crate::block::{Op, Slot, HANDLER_CALLS, SLOTS};
use crate::cpu::{Cpu, JitContext, Stats};
use crate::exec::ldst::{self, Op as LdstOp};
use crate::mmu::{MicroTlb, MICRO_ENTRIES};

/// A compiled block: (cpu, bus, the block's first op, the PC of its first instruction).
pub(crate) type BlockFn = unsafe extern "sysv64" fn(*mut Cpu, *mut Bus, *const Op, u64) -> u64;

/// Set in a compiled block's result when its last completed op trapped.
pub(crate) const TRAPPED: u64 = 1 << 32;
/// A compiled block's result when its instructions (and maybe chained blocks') retired
/// and the state is as after `Cpu::retire`: the run loop just goes on.
pub(crate) const RETIRED: u64 = 1 << 33;

/// Where chained blocks enter compiled code: past the prologue, which is padded to this.
const CHAIN_ENTRY: usize = 32;

/// Host code space. When it fills, every block is dropped and translation starts again.
const CODE_BYTES: usize = 32 << 20;
/// The most host code one block can need: 64 ops of at most ~300 bytes with their exits
/// (the largest, a register-offset store on SP with its slow path) and the chaining stub.
const MAX_BLOCK_BYTES: usize = 48 << 10;

const X: i32 = offset_of!(Cpu, x) as i32;
const SP: i32 = offset_of!(Cpu, sp) as i32;
const EL: i32 = offset_of!(Cpu, el) as i32;
const SPSEL: i32 = offset_of!(Cpu, spsel) as i32;
const NZCV: i32 = offset_of!(Cpu, nzcv) as i32;
const PC: i32 = offset_of!(Cpu, pc) as i32;
const NEXT_PC: i32 = offset_of!(Cpu, next_pc) as i32;
const CYCLES: i32 = offset_of!(Cpu, cycles) as i32;
const LIMIT: i32 = offset_of!(Cpu, limit) as i32;
const TRANSLATE_ON: i32 = offset_of!(Cpu, translate_on) as i32;
const RAM_BASE: i32 = (offset_of!(Cpu, jit_ctx) + offset_of!(JitContext, ram_base)) as i32;
const RAM_LEN: i32 = (offset_of!(Cpu, jit_ctx) + offset_of!(JitContext, ram_len)) as i32;
const CODE_MAP: i32 = (offset_of!(Cpu, jit_ctx) + offset_of!(JitContext, code_map)) as i32;
const UTLB_READ: i32 = (offset_of!(Cpu, utlb) + offset_of!(MicroTlb, read)) as i32;
const UTLB_WRITE: i32 = (offset_of!(Cpu, utlb) + offset_of!(MicroTlb, write)) as i32;
// The micro-TLB probe reads an entry as (tag, page) at +0 and +8.
const _: () =
    assert!(size_of::<(u64, u64)>() == 16 && offset_of!((u64, u64), 0) == 0 && offset_of!((u64, u64), 1) == 8);
const OP_BYTES: i32 = size_of::<Op>() as i32;
const INSNS: i32 = offset_of!(Cpu, insns) as i32;
const EXCEPTIONS_IN_A_ROW: i32 = offset_of!(Cpu, exceptions_in_a_row) as i32;
const BLOCK_LOOKUPS: i32 = (offset_of!(Cpu, stats) + offset_of!(Stats, block_lookups)) as i32;
const CODE_DIRTY: i32 = (offset_of!(Cpu, jit_ctx) + offset_of!(JitContext, code_dirty)) as i32;
const JIT_PC: i32 = (offset_of!(Cpu, jit_ctx) + offset_of!(JitContext, block_pc)) as i32;
const JIT_START: i32 = (offset_of!(Cpu, jit_ctx) + offset_of!(JitContext, block_start)) as i32;
const JIT_LEN: i32 = (offset_of!(Cpu, jit_ctx) + offset_of!(JitContext, block_len)) as i32;
const OPS_BASE: i32 = (offset_of!(Cpu, jit_ctx) + offset_of!(JitContext, ops_base)) as i32;
const SLOTS_BASE: i32 = (offset_of!(Cpu, jit_ctx) + offset_of!(JitContext, slots_base)) as i32;
const UTLB_FETCH: i32 = (offset_of!(Cpu, utlb) + offset_of!(MicroTlb, fetch)) as i32;
const SLOT_PA: i32 = offset_of!(Slot, pa) as i32;
const SLOT_START: i32 = offset_of!(Slot, start) as i32;
const SLOT_LEN: i32 = offset_of!(Slot, len) as i32;
const SLOT_SEG: i32 = offset_of!(Slot, seg) as i32;
const SLOT_JIT: i32 = offset_of!(Slot, jit) as i32;
const TAKEN_BRANCH: u32 = crate::timing::TAKEN_BRANCH as u32;
// The chaining stub indexes slots by shifting: they must be 32 bytes. An empty `jit` is
// a null pointer (Option of a function pointer).
const _: () = assert!(size_of::<Slot>() == 32 && size_of::<Option<BlockFn>>() == 8);

/// Where reading Xn or XZR (`x[31]` is always zero) finds it.
fn xread(r: Xz) -> i32 {
    X + 8 * r.num() as i32
}

/// Where writing Xn lands; XZR's writes go to the sink slot after it.
fn xwrite(r: Xz) -> i32 {
    X + 8 * (r.num() as i32 + r.is_31() as i32)
}

/// The register named by an Xs field when it is not SP.
fn xs_off(r: Xs) -> Option<i32> {
    (!r.is_31()).then(|| X + 8 * r.num() as i32)
}

/// The executable memory compiled blocks live in: one anonymous mapping, readable,
/// writable and executable, so adding a block is a copy. (Flipping protection per block
/// cost a system call and a page-table walk over the region each time: it doubled the
/// boot's wall time.) Only this module writes to it, and only code it assembled.
#[derive(Debug)]
pub(crate) struct CodeBuffer {
    /// The mapping's address (an integer, so the CPU that owns it stays `Send`).
    base: usize,
    used: usize,
}

/// Why a block was not compiled.
#[derive(Debug)]
pub(crate) enum CompileError {
    /// The code space is full: drop every compiled block and start again.
    Full,
    /// The assembler failed: stop compiling.
    Failed(String),
}

impl CodeBuffer {
    /// Maps the code space; fails where the host forbids executable anonymous memory.
    pub(crate) fn new() -> Result<Self, String> {
        // SAFETY: an anonymous private mapping at an address the kernel picks aliases
        // nothing; the result is checked before use and unmapped once, in `drop`.
        let base = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                CODE_BYTES,
                libc::PROT_READ | libc::PROT_WRITE | libc::PROT_EXEC,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
                -1,
                0,
            )
        };
        if base == libc::MAP_FAILED {
            return Err(format!(
                "mmap of {} MiB of executable memory: {}",
                CODE_BYTES >> 20,
                std::io::Error::last_os_error()
            ));
        }
        Ok(Self { base: base as usize, used: 0 })
    }

    /// Forgets every compiled block (their entry points must be dropped first).
    pub(crate) fn reset(&mut self) {
        self.used = 0;
    }

    /// Compiles a block; returns its entry point and the cycles of its first run of
    /// non-call ops (what must fit below the limit before the code is entered).
    pub(crate) fn compile(&mut self, ops: &[Op]) -> Result<(BlockFn, u32), CompileError> {
        if self.used + MAX_BLOCK_BYTES > CODE_BYTES {
            return Err(CompileError::Full);
        }
        let at = self.base + self.used;
        let (code, entry_cycles) = assemble(ops, at).map_err(CompileError::Failed)?;
        if code.len() > MAX_BLOCK_BYTES {
            return Err(CompileError::Failed(format!("a block took {} bytes of host code", code.len())));
        }
        // SAFETY: [used, used + len) lies inside the mapping (checked above against
        // MAX_BLOCK_BYTES), holds no live block (blocks are only added past `used`), and
        // does not overlap `code`, a fresh Vec.
        unsafe { std::ptr::copy_nonoverlapping(code.as_ptr(), at as *mut u8, code.len()) };
        self.used = (self.used + code.len() + 15) & !15;
        // SAFETY: `at` is the start of the code just assembled for exactly this ABI
        // (`assemble` emits a sysv64 function of four pointer-sized arguments returning
        // u64), assembled for this address, and it stays mapped and unchanged until
        // `reset`, before which the caller drops every entry point. x86 needs no
        // instruction-cache maintenance after the copy.
        Ok((unsafe { std::mem::transmute::<usize, BlockFn>(at) }, entry_cycles))
    }
}

impl Drop for CodeBuffer {
    fn drop(&mut self) {
        // SAFETY: `base` came from mmap of CODE_BYTES in `new` and is unmapped only here;
        // no compiled block can run after the cache that owns this buffer is dropped.
        unsafe { libc::munmap(self.base as *mut libc::c_void, CODE_BYTES) };
    }
}

/// Whether the op is compiled inline rather than calling its handler.
fn inline(insn: &Insn) -> bool {
    match insn {
        Insn::DpImm(i) => match *i {
            DpImm::AddSubImm { .. } | DpImm::AddSubImmS { .. } | DpImm::MoveWide { .. } => true,
            DpImm::LogicImm { rd, .. } => !rd.is_31(),
            DpImm::AndsImm { .. } | DpImm::Bitfield { .. } | DpImm::Extract { .. } => true,
            DpImm::Adr { .. } | DpImm::Adrp { .. } => true,
        },
        Insn::DpReg(i) => {
            matches!(
                i,
                DpReg::LogicShift { .. }
                    | DpReg::AddSubShift { .. }
                    | DpReg::AddSubExt { .. }
                    | DpReg::AddSubExtS { .. }
                    | DpReg::CondSel { .. }
                    | DpReg::CondCmpReg { .. }
                    | DpReg::CondCmpImm { .. }
                    | DpReg::Dp3 { .. }
            ) || match *i {
                // Shifts by register (not the divides); REV, REV32 and CLZ (not RBIT, REV16, CLS).
                DpReg::Dp2 { opcode, .. } => opcode >= 8,
                DpReg::Dp1 { opcode, .. } => matches!(opcode, 2..=4),
                _ => false,
            }
        }
        Insn::Branch(b) => !matches!(b, Branch::Eret),
        // Not WFE, WFI, SEV, SEVL: they wait or touch the event register.
        Insn::System(System::Hint { crm, op2 }) => *crm != 0 || !matches!(op2, 2..=5),
        Insn::System(System::Dmb { .. } | System::Dsb { .. }) => true,
        _ => false,
    }
}

/// The 16-bit truth table of a condition over NZCV (bit `nzcv >> 28`), for `bt`.
fn condition_mask(cond: u8) -> i32 {
    (0..16u32).filter(|v| condition_holds(cond, v << 28)).fold(0, |m, v| m | 1 << v)
}

/// An exit from the middle of a block, emitted after the straight-line code.
enum Exit {
    /// `k` ops completed and their state is stored.
    Done { k: u32 },
    /// Op `k - 1` trapped.
    Trap { k: u32 },
    /// Inline conditional branch `j` was taken: flush `pending` cycles, store the PC and
    /// the target (`disp` from the block's PC).
    Taken { j: u32, pending: u32, disp: i32 },
    /// A load or store missed its fast path: call op `j`'s handler, then go `back`.
    Slow { op: Op, j: u32, seg_next: u32, last: bool, back: DynamicLabel },
}

struct Emitter {
    a: VecAssembler<X64Relocation>,
    done: DynamicLabel,
    exits: Vec<(DynamicLabel, Exit)>,
    /// The block's chaining stub, once an exit uses it.
    chain: Option<DynamicLabel>,
}

impl Emitter {
    fn exit(&mut self, exit: Exit) -> DynamicLabel {
        let l = self.a.new_dynamic_label();
        self.exits.push((l, exit));
        l
    }

    /// rcx = the address of the current SP (SP_EL0 unless SPSel, else SP_ELx).
    fn sp_addr(&mut self) {
        dynasm!(self.a
            ; movzx ecx, BYTE [rbx + EL]
            ; movzx edx, BYTE [rbx + SPSEL]
            ; neg edx
            ; and ecx, edx
            ; lea rcx, [rbx + rcx * 8 + SP]
        );
    }

    /// rax = Xs (64 bits; the caller truncates).
    fn load_xs(&mut self, r: Xs) {
        match xs_off(r) {
            Some(off) => dynasm!(self.a ; mov rax, QWORD [rbx + off]),
            None => {
                self.sp_addr();
                dynasm!(self.a ; mov rax, QWORD [rcx]);
            }
        }
    }

    /// Xs = rax.
    fn store_xs(&mut self, r: Xs) {
        match xs_off(r) {
            Some(off) => dynasm!(self.a ; mov QWORD [rbx + off], rax),
            None => {
                self.sp_addr();
                dynasm!(self.a ; mov QWORD [rcx], rax);
            }
        }
    }

    /// NZCV from the host flags of the last arithmetic instruction. `borrow`: it was a
    /// subtraction, whose Arm carry is the inverse of x86's.
    fn flags(&mut self, borrow: bool) {
        dynasm!(self.a
            ; sets cl
            ; setz dl
            ; seto r9b
        );
        if borrow {
            dynasm!(self.a ; setnc r8b);
        } else {
            dynasm!(self.a ; setc r8b);
        }
        dynasm!(self.a
            ; movzx ecx, cl
            ; shl ecx, 31
            ; movzx edx, dl
            ; shl edx, 30
            ; or ecx, edx
            ; movzx r8d, r8b
            ; shl r8d, 29
            ; or ecx, r8d
            ; movzx r9d, r9b
            ; shl r9d, 28
            ; or ecx, r9d
            ; mov DWORD [rbx + NZCV], ecx
        );
    }

    /// CF = the condition holds (the NZCV value indexes the condition's truth table).
    fn condition(&mut self, cond: u8) {
        let mask = condition_mask(cond);
        dynasm!(self.a
            ; mov edx, DWORD [rbx + NZCV]
            ; shr edx, 28
            ; mov r8d, mask
            ; bt r8d, edx
        );
    }

    /// rcx = Xm shifted by an immediate (LSL, LSR, ASR, ROR), inverted if `invert`.
    fn shifted(&mut self, sf: bool, rm: Xz, shift: u8, amount: u8, invert: bool) {
        let off = xread(rm);
        let amount = amount as i8;
        if sf {
            dynasm!(self.a ; mov rcx, QWORD [rbx + off]);
            if amount != 0 {
                match shift {
                    0 => dynasm!(self.a ; shl rcx, amount),
                    1 => dynasm!(self.a ; shr rcx, amount),
                    2 => dynasm!(self.a ; sar rcx, amount),
                    _ => dynasm!(self.a ; ror rcx, amount),
                }
            }
            if invert {
                dynasm!(self.a ; not rcx);
            }
        } else {
            dynasm!(self.a ; mov ecx, DWORD [rbx + off]);
            if amount != 0 {
                match shift {
                    0 => dynasm!(self.a ; shl ecx, amount),
                    1 => dynasm!(self.a ; shr ecx, amount),
                    2 => dynasm!(self.a ; sar ecx, amount),
                    _ => dynasm!(self.a ; ror ecx, amount),
                }
            }
            if invert {
                dynasm!(self.a ; not ecx);
            }
        }
    }

    /// rax = rax op rcx for add (0), sub (1), and (2), or (3), eor (4), in the datasize.
    fn alu(&mut self, sf: bool, op: u8) {
        match (sf, op) {
            (true, 0) => dynasm!(self.a ; add rax, rcx),
            (true, 1) => dynasm!(self.a ; sub rax, rcx),
            (true, 2) => dynasm!(self.a ; and rax, rcx),
            (true, 3) => dynasm!(self.a ; or rax, rcx),
            (true, _) => dynasm!(self.a ; xor rax, rcx),
            (false, 0) => dynasm!(self.a ; add eax, ecx),
            (false, 1) => dynasm!(self.a ; sub eax, ecx),
            (false, 2) => dynasm!(self.a ; and eax, ecx),
            (false, 3) => dynasm!(self.a ; or eax, ecx),
            (false, _) => dynasm!(self.a ; xor eax, ecx),
        }
    }

    /// rcx = a 64-bit constant.
    fn constant(&mut self, v: u64) {
        dynasm!(self.a ; mov rcx, QWORD v as i64);
    }

    /// One inline op at block position `j`; `pending` already includes its cost.
    fn inline_op(&mut self, insn: &Insn, j: u32, pending: u32) {
        let pc = 4 * j as i32;
        match insn {
            Insn::DpImm(i) => self.dp_imm(i, pc),
            Insn::DpReg(i) => self.dp_reg(i),
            Insn::Branch(b) => {
                // Unconditional branches end blocks: `finish` stores their target. A
                // conditional branch to the next instruction goes there either way: as
                // in the block loop, it neither leaves the block nor costs a taken branch.
                if let Branch::BCond { off: 4, .. } | Branch::Cb { off: 4, .. } | Branch::Tb { off: 4, .. } = b {
                    return;
                }
                let (taken, off) = match *b {
                    Branch::BCond { cond, off } => {
                        self.condition(cond);
                        (Cond::C, off)
                    }
                    Branch::Cb { sf, nz, rt, off } => {
                        if sf {
                            dynasm!(self.a ; cmp QWORD [rbx + xread(rt)], 0);
                        } else {
                            dynasm!(self.a ; cmp DWORD [rbx + xread(rt)], 0);
                        }
                        (if nz { Cond::Nz } else { Cond::Z }, off)
                    }
                    Branch::Tb { nz, rt, bit, off } => {
                        let bit = bit as i8;
                        dynasm!(self.a ; bt QWORD [rbx + xread(rt)], bit);
                        (if nz { Cond::C } else { Cond::Nc }, off)
                    }
                    _ => return,
                };
                let exit = self.exit(Exit::Taken { j, pending, disp: pc + off as i32 });
                match taken {
                    Cond::C => dynasm!(self.a ; jc =>exit),
                    Cond::Nc => dynasm!(self.a ; jnc =>exit),
                    Cond::Z => dynasm!(self.a ; jz =>exit),
                    Cond::Nz => dynasm!(self.a ; jnz =>exit),
                }
            }
            // NOP-like hints and barriers: nothing to do.
            _ => {}
        }
    }

    fn dp_imm(&mut self, i: &DpImm, pc: i32) {
        match *i {
            DpImm::Adr { rd, imm } => {
                dynasm!(self.a ; lea rax, [r14 + pc]);
                self.constant(imm as u64);
                dynasm!(self.a ; add rax, rcx ; mov QWORD [rbx + xwrite(rd)], rax);
            }
            DpImm::Adrp { rd, imm } => {
                dynasm!(self.a ; lea rax, [r14 + pc] ; and rax, -4096);
                self.constant(imm as u64);
                dynasm!(self.a ; add rax, rcx ; mov QWORD [rbx + xwrite(rd)], rax);
            }
            DpImm::AddSubImm { sf, sub, rn, rd, imm } => {
                self.load_xs(rn);
                self.add_imm(sf, sub, imm as i32);
                self.store_xs(rd);
            }
            DpImm::AddSubImmS { sf, sub, rn, rd, imm } => {
                self.load_xs(rn);
                self.add_imm(sf, sub, imm as i32);
                self.flags(sub);
                dynasm!(self.a ; mov QWORD [rbx + xwrite(rd)], rax);
            }
            DpImm::LogicImm { sf, opc, rn, rd, imm } => {
                self.load(sf, rn);
                self.constant(imm);
                self.alu(sf, 2 + opc);
                if let Some(off) = xs_off(rd) {
                    dynasm!(self.a ; mov QWORD [rbx + off], rax);
                }
            }
            DpImm::AndsImm { sf, rn, rd, imm } => {
                self.load(sf, rn);
                self.constant(imm);
                self.alu(sf, 2);
                self.flags(false);
                dynasm!(self.a ; mov QWORD [rbx + xwrite(rd)], rax);
            }
            DpImm::MoveWide { sf, opc, rd, shift, imm } => {
                let v = (imm as u64) << shift;
                let trunc = |r: u64| if sf { r } else { r as u32 as u64 };
                match opc {
                    0 => self.constant(trunc(!v)),
                    2 => self.constant(v),
                    _ => {
                        dynasm!(self.a ; mov rcx, QWORD [rbx + xread(rd)]);
                        dynasm!(self.a ; mov rax, QWORD trunc(!(0xffffu64 << shift)) as i64 ; and rcx, rax);
                        dynasm!(self.a ; mov rax, QWORD v as i64 ; or rcx, rax);
                    }
                }
                dynasm!(self.a ; mov QWORD [rbx + xwrite(rd)], rcx);
            }
            DpImm::Bitfield { sf, opc, immr, imms, rn, rd, wmask, tmask } => {
                // As the interpreter: bot = (dst & !wmask) | (ROR(src, immr) & wmask),
                // top = replicated src<imms> (SBFM), dst (BFM) or zero (UBFM), and the
                // result (top & !tmask) | (bot & tmask).
                self.load(sf, rn);
                let r = immr as i8;
                if sf {
                    dynasm!(self.a ; mov rdx, rax ; ror rdx, r);
                } else {
                    dynasm!(self.a ; mov edx, eax ; ror edx, r);
                }
                self.constant(wmask);
                dynasm!(self.a ; and rdx, rcx);
                match opc {
                    0 => {
                        let up = 63 - imms as i8;
                        dynasm!(self.a ; mov r8, rax ; shl r8, up ; sar r8, 63);
                    }
                    1 => {
                        dynasm!(self.a ; mov r8, QWORD [rbx + xread(rd)]);
                        self.constant(!wmask);
                        dynasm!(self.a ; and rcx, r8 ; or rdx, rcx);
                    }
                    _ => dynasm!(self.a ; xor r8d, r8d),
                }
                self.constant(tmask);
                dynasm!(self.a ; and rdx, rcx ; not rcx ; and r8, rcx ; or rdx, r8);
                if !sf {
                    dynasm!(self.a ; mov edx, edx);
                }
                dynasm!(self.a ; mov QWORD [rbx + xwrite(rd)], rdx);
            }
            DpImm::Extract { sf, rm, imms, rn, rd } => {
                let lsb = imms as i8;
                self.load(sf, rm);
                if lsb != 0 {
                    if sf {
                        dynasm!(self.a ; mov rdx, QWORD [rbx + xread(rn)] ; shrd rax, rdx, lsb);
                    } else {
                        dynasm!(self.a ; mov edx, DWORD [rbx + xread(rn)] ; shrd eax, edx, lsb);
                    }
                }
                dynasm!(self.a ; mov QWORD [rbx + xwrite(rd)], rax);
            }
        }
    }

    fn dp_reg(&mut self, i: &DpReg) {
        match *i {
            DpReg::LogicShift { sf, opc, shift, n, rm, imm6, rn, rd } => {
                self.shifted(sf, rm, shift, imm6, n);
                self.load(sf, rn);
                self.alu(sf, if opc == 0 || opc == 3 { 2 } else { 2 + opc });
                if opc == 3 {
                    self.flags(false);
                }
                dynasm!(self.a ; mov QWORD [rbx + xwrite(rd)], rax);
            }
            DpReg::AddSubShift { sf, sub, s, shift, rm, imm6, rn, rd } => {
                self.shifted(sf, rm, shift, imm6, false);
                self.load(sf, rn);
                self.alu(sf, sub as u8);
                if s {
                    self.flags(sub);
                }
                dynasm!(self.a ; mov QWORD [rbx + xwrite(rd)], rax);
            }
            DpReg::AddSubExt { sf, sub, rm, option, imm3, rn, rd } => {
                self.extended(rm, option, imm3);
                // rcx survives load_xs only when Rn is not SP (sp_addr uses rcx).
                dynasm!(self.a ; mov r10, rcx);
                self.load_xs(rn);
                dynasm!(self.a ; mov rcx, r10);
                self.alu(sf, sub as u8);
                self.store_xs(rd);
            }
            DpReg::AddSubExtS { sf, sub, rm, option, imm3, rn, rd } => {
                self.extended(rm, option, imm3);
                // rcx survives load_xs only when Rn is not SP (sp_addr uses rcx).
                dynasm!(self.a ; mov r10, rcx);
                self.load_xs(rn);
                dynasm!(self.a ; mov rcx, r10);
                self.alu(sf, sub as u8);
                self.flags(sub);
                dynasm!(self.a ; mov QWORD [rbx + xwrite(rd)], rax);
            }
            DpReg::CondCmpReg { sf, cmp, rm, cond, rn, nzcv } => {
                self.cond_compare(sf, cmp, rn, Some(rm), 0, cond, nzcv)
            }
            DpReg::CondCmpImm { sf, cmp, imm5, cond, rn, nzcv } => {
                self.cond_compare(sf, cmp, rn, None, imm5, cond, nzcv)
            }
            DpReg::Dp2 { sf, rm, opcode, rn, rd } => {
                // x86 masks the count to the datasize as LSLV & co. do (amount mod 64/32).
                self.load(sf, rn);
                dynasm!(self.a ; mov rcx, QWORD [rbx + xread(rm)]);
                match (sf, opcode) {
                    (true, 8) => dynasm!(self.a ; shl rax, cl),
                    (true, 9) => dynasm!(self.a ; shr rax, cl),
                    (true, 10) => dynasm!(self.a ; sar rax, cl),
                    (true, _) => dynasm!(self.a ; ror rax, cl),
                    (false, 8) => dynasm!(self.a ; shl eax, cl),
                    (false, 9) => dynasm!(self.a ; shr eax, cl),
                    (false, 10) => dynasm!(self.a ; sar eax, cl),
                    (false, _) => dynasm!(self.a ; ror eax, cl),
                }
                dynasm!(self.a ; mov QWORD [rbx + xwrite(rd)], rax);
            }
            DpReg::Dp1 { sf, opcode, rn, rd } => {
                self.load(sf, rn);
                match (opcode, sf) {
                    // REV32: the bytes of each word reversed.
                    (2, true) => dynasm!(self.a ; bswap rax ; ror rax, 32),
                    (2 | 3, false) => dynasm!(self.a ; bswap eax),
                    (3, true) => dynasm!(self.a ; bswap rax),
                    // CLZ: 63 - (index of the top set bit); BSR leaves ZF for zero, and
                    // 127 ^ 63 = 64 (63 ^ 31 = 32 in 32 bits).
                    (_, true) => dynasm!(self.a ; mov ecx, 127 ; bsr rax, rax ; cmovz rax, rcx ; xor eax, 63),
                    (_, false) => dynasm!(self.a ; mov ecx, 63 ; bsr eax, eax ; cmovz eax, ecx ; xor eax, 31),
                }
                dynasm!(self.a ; mov QWORD [rbx + xwrite(rd)], rax);
            }
            DpReg::Dp3 { sf, op31, rm, o0, ra, rn, rd } => {
                match op31 {
                    // MADD/MSUB: the low bits of the product, in the datasize.
                    0 => dynasm!(self.a ; mov rax, QWORD [rbx + xread(rn)] ; imul rax, QWORD [rbx + xread(rm)]),
                    // SMADDL/SMSUBL, UMADDL/UMSUBL: 32 x 32 -> 64.
                    1 => dynasm!(self.a
                        ; movsxd rax, DWORD [rbx + xread(rn)]
                        ; movsxd rcx, DWORD [rbx + xread(rm)]
                        ; imul rax, rcx
                    ),
                    5 => dynasm!(self.a
                        ; mov eax, DWORD [rbx + xread(rn)]
                        ; mov ecx, DWORD [rbx + xread(rm)]
                        ; imul rax, rcx
                    ),
                    // SMULH/UMULH: the high half of the 128-bit product.
                    2 => dynasm!(self.a
                        ; mov rax, QWORD [rbx + xread(rn)]
                        ; imul QWORD [rbx + xread(rm)]
                        ; mov QWORD [rbx + xwrite(rd)], rdx
                    ),
                    _ => dynasm!(self.a
                        ; mov rax, QWORD [rbx + xread(rn)]
                        ; mul QWORD [rbx + xread(rm)]
                        ; mov QWORD [rbx + xwrite(rd)], rdx
                    ),
                }
                if matches!(op31, 0 | 1 | 5) {
                    dynasm!(self.a ; mov rcx, QWORD [rbx + xread(ra)]);
                    if o0 {
                        dynasm!(self.a ; sub rcx, rax);
                    } else {
                        dynasm!(self.a ; add rcx, rax);
                    }
                    if !sf {
                        dynasm!(self.a ; mov ecx, ecx);
                    }
                    dynasm!(self.a ; mov QWORD [rbx + xwrite(rd)], rcx);
                }
            }
            DpReg::CondSel { sf, op, rm, cond, o2, rn, rd } => {
                dynasm!(self.a ; mov rax, QWORD [rbx + xread(rn)] ; mov rcx, QWORD [rbx + xread(rm)]);
                match (op, o2) {
                    (false, false) => {}
                    (false, true) => dynasm!(self.a ; add rcx, 1),
                    (true, false) => dynasm!(self.a ; not rcx),
                    (true, true) => dynasm!(self.a ; neg rcx),
                }
                self.condition(cond);
                dynasm!(self.a ; cmovnc rax, rcx);
                if !sf {
                    dynasm!(self.a ; mov eax, eax);
                }
                dynasm!(self.a ; mov QWORD [rbx + xwrite(rd)], rax);
            }
            _ => {}
        }
    }

    /// rcx = ExtendReg(Xm, option, shift).
    fn extended(&mut self, rm: Xz, option: u8, shift: u8) {
        let at = xread(rm);
        match option {
            0 => dynasm!(self.a ; movzx ecx, BYTE [rbx + at]),
            1 => dynasm!(self.a ; movzx ecx, WORD [rbx + at]),
            2 => dynasm!(self.a ; mov ecx, DWORD [rbx + at]),
            4 => dynasm!(self.a ; movsx rcx, BYTE [rbx + at]),
            5 => dynasm!(self.a ; movsx rcx, WORD [rbx + at]),
            6 => dynasm!(self.a ; movsxd rcx, DWORD [rbx + at]),
            _ => dynasm!(self.a ; mov rcx, QWORD [rbx + at]),
        }
        if shift != 0 {
            dynasm!(self.a ; shl rcx, shift as i8);
        }
    }

    /// CCMP/CCMN: the flags of Xn - (or +) Xm/imm5 if the condition holds, else `nzcv`.
    #[allow(clippy::too_many_arguments)]
    fn cond_compare(&mut self, sf: bool, sub: bool, rn: Xz, rm: Option<Xz>, imm5: u8, cond: u8, nzcv: u8) {
        let otherwise = self.a.new_dynamic_label();
        let end = self.a.new_dynamic_label();
        self.condition(cond);
        dynasm!(self.a ; jnc =>otherwise);
        match rm {
            Some(rm) => dynasm!(self.a ; mov rcx, QWORD [rbx + xread(rm)]),
            None => dynasm!(self.a ; mov ecx, imm5 as i32),
        }
        self.load(sf, rn);
        self.alu(sf, sub as u8);
        self.flags(sub);
        dynasm!(self.a
            ; jmp =>end
            ; =>otherwise
            ; mov DWORD [rbx + NZCV], ((nzcv as u32) << 28) as i32
            ; =>end
        );
    }

    /// rax = Xn or XZR in the datasize (a 32-bit load zero-extends).
    fn load(&mut self, sf: bool, r: Xz) {
        if sf {
            dynasm!(self.a ; mov rax, QWORD [rbx + xread(r)]);
        } else {
            dynasm!(self.a ; mov eax, DWORD [rbx + xread(r)]);
        }
    }

    /// rax += or -= an immediate (at most 24 bits) in the datasize.
    fn add_imm(&mut self, sf: bool, sub: bool, imm: i32) {
        match (sf, sub) {
            (true, false) => dynasm!(self.a ; add rax, imm),
            (true, true) => dynasm!(self.a ; sub rax, imm),
            (false, false) => dynasm!(self.a ; add eax, imm),
            (false, true) => dynasm!(self.a ; sub eax, imm),
        }
    }
}

#[derive(Clone, Copy)]
enum Cond {
    C,
    Nc,
    Z,
    Nz,
}

/// How an op is compiled.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// Inline, and it cannot fault, add cycles of its own or lower the limit.
    Pure,
    /// A load or store: inline when the micro-TLB hits low RAM, else its handler.
    Mem,
    /// Its handler, always.
    Call,
}

fn kind(insn: &Insn) -> Kind {
    if inline(insn) {
        Kind::Pure
    } else if Access::of(insn).is_some() {
        Kind::Mem
    } else {
        Kind::Call
    }
}

/// A load or store the fast path handles: integer LDR/STR of every size and sign
/// (unsigned offset, unscaled, pre/post-indexed, register offset) and LDP/STP/LDPSW.
#[derive(Clone, Copy)]
struct Access {
    rn: Xs,
    rt: Xz,
    /// The second register of a pair.
    rt2: Option<Xz>,
    /// Bytes per register.
    bytes: u8,
    /// Store, load, or load sign-extended to 64 or 32 bits, as the interpreter reads it.
    op: LdstOp,
    offset: Offset,
    /// Write `base + imm` back to Rn after the access.
    writeback: bool,
}

#[derive(Clone, Copy)]
enum Offset {
    /// The address is `base + imm` (pre-indexed and plain offsets), or `base` with
    /// `post` (post-indexed; the writeback adds `imm`).
    Imm { imm: i32, post: bool },
    /// `base + ExtendReg(Xm, option, shift)`.
    Reg { rm: Xz, option: u8, shift: u8 },
}

impl Access {
    fn of(insn: &Insn) -> Option<Self> {
        let Insn::LdSt(i) = insn else { return None };
        let reg = |size: u8, opc: u8, rn: Xs, rt: Xz, offset: Offset, writeback: bool| {
            let op = ldst::op(size, opc);
            // PRFM goes to its handler.
            (op != LdstOp::Prefetch).then_some(Access { rn, rt, rt2: None, bytes: 1 << size, op, offset, writeback })
        };
        match *i {
            LdSt::LdstUimm { size, opc, rn, rt, off } => {
                reg(size, opc, rn, rt, Offset::Imm { imm: i32::try_from(off).ok()?, post: false }, false)
            }
            // Mode 2 is LDTR/STTR: permissions as at EL0, left to the handler.
            LdSt::LdstImm9 { size, opc, mode, rn, rt, off } if mode != 2 => {
                reg(size, opc, rn, rt, Offset::Imm { imm: off as i32, post: mode == 1 }, mode & 1 == 1)
            }
            LdSt::LdstRoff { size, opc, rm, option, rn, rt, shift } => {
                reg(size, opc, rn, rt, Offset::Reg { rm, option, shift }, false)
            }
            LdSt::LdstPair { opc, idx, load, rt2, rn, rt, off } => Some(Access {
                rn,
                rt,
                rt2: Some(rt2),
                bytes: if opc == 2 { 8 } else { 4 },
                op: match (load, opc) {
                    (false, _) => LdstOp::Store,
                    (true, 1) => LdstOp::LoadSx64,
                    (true, _) => LdstOp::Load,
                },
                offset: Offset::Imm { imm: off as i32, post: idx == 1 },
                writeback: idx == 1 || idx == 3,
            }),
            _ => None,
        }
    }

    /// Bytes the access covers.
    fn span(&self) -> i32 {
        self.bytes as i32 * if self.rt2.is_some() { 2 } else { 1 }
    }
}

/// Assembles `ops` into a function that will run at `base`; also returns the cycles of
/// its first run of non-call ops.
///
/// Registers: rbx the CPU, r12 the bus, r13 the block's first op, r14 the block's PC,
/// r15 the cycle count (stored back before every call and exit).
fn assemble(ops: &[Op], base: usize) -> Result<(Vec<u8>, u32), String> {
    let mut a = VecAssembler::<X64Relocation>::new(base);
    let done = a.new_dynamic_label();
    let mut e = Emitter { a, done, exits: Vec::new(), chain: None };
    let kinds: Vec<Kind> = ops.iter().map(|op| kind(&op.insn)).collect();
    // seg[j]: the cycles of the run of non-call ops starting at op j.
    let mut seg = vec![0u32; ops.len() + 1];
    for j in (0..ops.len()).rev() {
        seg[j] = if kinds[j] == Kind::Call { 0 } else { seg[j + 1] + ops[j].cost as u32 };
    }
    dynasm!(e.a
        ; push rbx
        ; push r12
        ; push r13
        ; push r14
        ; push r15
        ; mov rbx, rdi
        ; mov r12, rsi
        ; mov r13, rdx
        ; mov r14, rcx
        ; mov r15, QWORD [rbx + CYCLES]
    );
    // Chained blocks are entered here, with the registers set (see `chain`).
    while e.a.offset().0 < CHAIN_ENTRY {
        dynasm!(e.a ; nop);
    }
    if e.a.offset().0 != CHAIN_ENTRY {
        return Err(format!("the prologue is {} bytes, not {CHAIN_ENTRY}", e.a.offset().0));
    }
    let start = e.exit(Exit::Done { k: 0 });
    e.segment_check(seg[0], start);
    let mut pending = 0u32;
    for (j, op) in ops.iter().enumerate() {
        let last = j + 1 == ops.len();
        let j = j as u32;
        pending += op.cost as u32;
        match kinds[j as usize] {
            Kind::Pure => {
                e.inline_op(&op.insn, j, pending);
                continue;
            }
            Kind::Mem | Kind::Call if pending != 0 => dynasm!(e.a ; add r15, pending as i32),
            _ => {}
        }
        pending = 0;
        let seg_next = seg[j as usize + 1];
        match Access::of(&op.insn).filter(|_| kinds[j as usize] == Kind::Mem) {
            Some(access) => {
                let slow = e.a.new_dynamic_label();
                let back = e.a.new_dynamic_label();
                e.exits.push((slow, Exit::Slow { op: *op, j, seg_next, last, back }));
                e.access(&access, slow);
                dynasm!(e.a ; =>back);
            }
            None => e.call(op, j, seg_next, last),
        }
    }
    e.finish(ops, kinds.last().copied(), pending);
    while let Some((label, exit)) = e.exits.pop() {
        dynasm!(e.a ; =>label);
        match exit {
            Exit::Done { k } => dynasm!(e.a ; mov eax, k as i32 ; jmp =>done),
            Exit::Trap { k } => dynasm!(e.a ; mov rax, QWORD (TRAPPED | k as u64) as i64 ; jmp =>done),
            Exit::Taken { j, pending, disp } => {
                dynasm!(e.a
                    ; add r15, (pending + TAKEN_BRANCH) as i32
                    ; add QWORD [rbx + INSNS], j as i32 + 1
                    ; lea rax, [r14 + disp]
                );
                e.chain();
            }
            Exit::Slow { op, j, seg_next, last, back } => {
                e.call(&op, j, seg_next, last);
                dynasm!(e.a ; jmp =>back);
            }
        }
    }
    if let Some(chain) = e.chain {
        e.emit_chain(chain);
    }
    dynasm!(e.a
        ; =>done
        ; pop r15
        ; pop r14
        ; pop r13
        ; pop r12
        ; pop rbx
        ; ret
    );
    Ok((e.a.finalize().map_err(|err| err.to_string())?, seg[0]))
}

impl Emitter {
    /// Leaves by `out` unless `cycles + seg` stays below the limit.
    fn segment_check(&mut self, seg: u32, out: DynamicLabel) {
        dynasm!(self.a
            ; lea rax, [r15 + seg as i32]
            ; cmp rax, QWORD [rbx + LIMIT]
            ; jae =>out
        );
    }

    /// Calls op `j`'s handler as the block loop would: cycles stored, `pc` and `next_pc`
    /// set; then leaves on a trap, on a taken branch, or if the next run of non-call ops
    /// (`seg_next` cycles) would not fit below the limit.
    fn call(&mut self, op: &Op, j: u32, seg_next: u32, last: bool) {
        let pc = 4 * j as i32;
        let call =
            HANDLER_CALLS.get(op.insn.variant_index()).copied().unwrap_or(HANDLER_CALLS[HANDLER_CALLS.len() - 1]);
        let trap = self.exit(Exit::Trap { k: j + 1 });
        dynasm!(self.a
            ; mov QWORD [rbx + CYCLES], r15
            ; lea rax, [r14 + pc]
            ; mov QWORD [rbx + PC], rax
            ; add rax, 4
            ; mov QWORD [rbx + NEXT_PC], rax
            ; mov rdi, rbx
            ; mov rsi, r12
            ; lea rdx, [r13 + OP_BYTES * j as i32]
            ; mov rax, QWORD call as usize as i64
            ; call rax
            ; test eax, eax
            ; jnz =>trap
            ; mov r15, QWORD [rbx + CYCLES]
        );
        if !last {
            let out = self.exit(Exit::Done { k: j + 1 });
            self.segment_check(seg_next, out);
            // As the block loop: a branch leaves, and so does a store into translated
            // code, which may be this block's own.
            dynasm!(self.a
                ; lea rax, [r14 + pc + 4]
                ; cmp QWORD [rbx + NEXT_PC], rax
                ; jne =>out
                ; cmp BYTE [rbx + CODE_DIRTY], 0
                ; jne =>out
            );
        }
    }

    /// The fast path of a load or store: the address, the micro-TLB (with the MMU on),
    /// low RAM's bounds and, for a store, the code map; any miss goes to `slow`.
    fn access(&mut self, m: &Access, slow: DynamicLabel) {
        let span = m.span();
        // r10 = base. SP must be 16-byte aligned here; the handler decides what a
        // misaligned one does (SCTLR_ELx.SA).
        match xs_off(m.rn) {
            Some(off) => dynasm!(self.a ; mov r10, QWORD [rbx + off]),
            None => {
                self.sp_addr();
                dynasm!(self.a ; mov r10, QWORD [rcx] ; test r10b, 15 ; jnz =>slow);
            }
        }
        // r11 = the virtual address.
        match m.offset {
            Offset::Imm { post: true, .. } => dynasm!(self.a ; mov r11, r10),
            Offset::Imm { imm, .. } => dynasm!(self.a ; lea r11, [r10 + imm]),
            Offset::Reg { rm, option, shift } => {
                let at = xread(rm);
                match option {
                    2 => dynasm!(self.a ; mov eax, DWORD [rbx + at]),
                    6 => dynasm!(self.a ; movsxd rax, DWORD [rbx + at]),
                    _ => dynasm!(self.a ; mov rax, QWORD [rbx + at]),
                }
                if shift != 0 {
                    dynasm!(self.a ; shl rax, shift as i8);
                }
                dynasm!(self.a ; lea r11, [r10 + rax]);
            }
        }
        // The access must stay within its page (then one translation and one code-map
        // word cover it); rax = the offset in the page.
        let phys = self.a.new_dynamic_label();
        dynasm!(self.a
            ; mov eax, r11d
            ; and eax, 0xfff
            ; cmp eax, 0x1000 - span
            ; ja =>slow
            ; mov rdx, r11
            ; cmp BYTE [rbx + TRANSLATE_ON], 0
            ; je =>phys
        );
        // rdx = the physical address through the micro-TLB: a (tag, page) pair per entry.
        let store = m.op == LdstOp::Store;
        let table = if store { UTLB_WRITE } else { UTLB_READ };
        dynasm!(self.a
            ; shr rdx, 12
            ; mov ecx, edx
            ; and ecx, (MICRO_ENTRIES - 1) as i32
            ; shl ecx, 4
            ; cmp rdx, QWORD [rbx + rcx + table]
            ; jne =>slow
            ; mov rdx, QWORD [rbx + rcx + table + 8]
            ; or rdx, rax
            ; =>phys
            // Within low RAM: pa < len first, so pa + span cannot wrap (with the MMU
            // off, pa is any 64-bit value the guest computed).
            ; cmp rdx, QWORD [rbx + RAM_LEN]
            ; jae =>slow
            ; lea rax, [rdx + span]
            ; cmp rax, QWORD [rbx + RAM_LEN]
            ; ja =>slow
            ; mov r9, QWORD [rbx + RAM_BASE]
        );
        let b = m.bytes as i32;
        if store {
            // Stores to lines holding translated code are reported by the slow path.
            dynasm!(self.a
                ; mov rax, QWORD [rbx + CODE_MAP]
                ; mov rcx, rdx
                ; shr rcx, 12
                ; mov r8, QWORD [rax + rcx * 8]
                ; mov rcx, rdx
                ; shr rcx, 6
                ; bt r8, rcx
                ; jc =>slow
                ; lea rcx, [rdx + span - 1]
                ; shr rcx, 6
                ; bt r8, rcx
                ; jc =>slow
            );
            self.store_ram(b, m.rt, 0);
            if let Some(rt2) = m.rt2 {
                self.store_ram(b, rt2, b);
            }
        } else {
            match m.rt2 {
                None => {
                    self.load_ram(m, 0);
                    dynasm!(self.a ; mov QWORD [rbx + xwrite(m.rt)], rax);
                }
                Some(rt2) => {
                    // Both loads before either register is written, as the handler does.
                    self.load_ram(m, 0);
                    dynasm!(self.a ; mov r8, rax);
                    self.load_ram(m, b);
                    dynasm!(self.a
                        ; mov QWORD [rbx + xwrite(m.rt)], r8
                        ; mov QWORD [rbx + xwrite(rt2)], rax
                    );
                }
            }
        }
        if m.writeback {
            let Offset::Imm { imm, .. } = m.offset else { return };
            dynasm!(self.a ; lea rax, [r10 + imm]);
            self.store_xs(m.rn);
        }
    }

    /// rax = the value at host [r9 + rdx + at], extended as the access says.
    fn load_ram(&mut self, m: &Access, at: i32) {
        match (m.bytes, m.op) {
            (1, LdstOp::LoadSx64) => dynasm!(self.a ; movsx rax, BYTE [r9 + rdx + at]),
            (2, LdstOp::LoadSx64) => dynasm!(self.a ; movsx rax, WORD [r9 + rdx + at]),
            (_, LdstOp::LoadSx64) => dynasm!(self.a ; movsxd rax, DWORD [r9 + rdx + at]),
            (1, LdstOp::LoadSx32) => dynasm!(self.a ; movsx eax, BYTE [r9 + rdx + at]),
            (_, LdstOp::LoadSx32) => dynasm!(self.a ; movsx eax, WORD [r9 + rdx + at]),
            (1, _) => dynasm!(self.a ; movzx eax, BYTE [r9 + rdx + at]),
            (2, _) => dynasm!(self.a ; movzx eax, WORD [r9 + rdx + at]),
            (4, _) => dynasm!(self.a ; mov eax, DWORD [r9 + rdx + at]),
            (_, _) => dynasm!(self.a ; mov rax, QWORD [r9 + rdx + at]),
        }
    }

    /// Host [r9 + rdx + at] = the low `bytes` of Xt.
    fn store_ram(&mut self, bytes: i32, rt: Xz, at: i32) {
        dynasm!(self.a ; mov rax, QWORD [rbx + xread(rt)]);
        match bytes {
            1 => dynasm!(self.a ; mov BYTE [r9 + rdx + at], al),
            2 => dynasm!(self.a ; mov WORD [r9 + rdx + at], ax),
            4 => dynasm!(self.a ; mov DWORD [r9 + rdx + at], eax),
            _ => dynasm!(self.a ; mov QWORD [r9 + rdx + at], rax),
        }
    }

    /// The end of the block. After a non-call last op, its instructions retire and the
    /// block chains to its successor (or its branch target); a called one stored its own
    /// state and returns.
    fn finish(&mut self, ops: &[Op], last_kind: Option<Kind>, pending: u32) {
        let n = ops.len() as u32;
        let Some(last) = ops.last() else {
            dynasm!(self.a ; xor eax, eax ; jmp =>self.done);
            return;
        };
        if last_kind == Some(Kind::Call) {
            dynasm!(self.a ; mov eax, n as i32 ; jmp =>self.done);
            return;
        }
        let pc = 4 * (n as i32 - 1);
        // rax = the next PC; `taken` when that is not the fall-through (a taken branch
        // costs TAKEN_BRANCH, as `Cpu::retire` charges).
        let taken = match last.insn {
            Insn::Branch(Branch::B { off }) => {
                dynasm!(self.a ; lea rax, [r14 + pc + off as i32]);
                Some(off != 4)
            }
            Insn::Branch(Branch::Bl { off }) => {
                dynasm!(self.a
                    ; lea rax, [r14 + pc + 4]
                    ; mov QWORD [rbx + X + 8 * 30], rax
                    ; lea rax, [r14 + pc + off as i32]
                );
                Some(off != 4)
            }
            Insn::Branch(Branch::Br { rn } | Branch::Ret { rn }) => {
                dynasm!(self.a ; mov rax, QWORD [rbx + xread(rn)]);
                None
            }
            Insn::Branch(Branch::Blr { rn }) => {
                dynasm!(self.a
                    ; mov rax, QWORD [rbx + xread(rn)]
                    ; lea rcx, [r14 + pc + 4]
                    ; mov QWORD [rbx + X + 8 * 30], rcx
                );
                None
            }
            _ => {
                dynasm!(self.a ; lea rax, [r14 + pc + 4]);
                Some(false)
            }
        };
        let charge = pending + if taken == Some(true) { TAKEN_BRANCH } else { 0 };
        if charge != 0 {
            dynasm!(self.a ; add r15, charge as i32);
        }
        if taken.is_none() {
            dynasm!(self.a
                ; lea rcx, [r14 + pc + 4]
                ; cmp rax, rcx
                ; setne cl
                ; movzx ecx, cl
                ; add r15, rcx
            );
        }
        dynasm!(self.a ; add QWORD [rbx + INSNS], n as i32);
        self.chain();
    }

    /// Jumps to the chaining stub with the block's instructions retired (their cycles
    /// in r15, counted in `insns`) and the next PC in rax.
    fn chain(&mut self) {
        let chain = *self.chain.get_or_insert_with(|| self.a.new_dynamic_label());
        dynasm!(self.a ; jmp =>chain);
    }

    /// The chaining stub: what the run loop does between two blocks, for the case where
    /// the next one is compiled, needs no invalidation and fits below the limit. Then
    /// its code is entered directly; otherwise the state is stored and the run loop
    /// takes over (`RETIRED`).
    fn emit_chain(&mut self, chain: DynamicLabel) {
        let out = self.a.new_dynamic_label();
        let phys = self.a.new_dynamic_label();
        dynasm!(self.a
            ; =>chain
            ; mov DWORD [rbx + EXCEPTIONS_IN_A_ROW], 0
            ; mov QWORD [rbx + PC], rax
            ; mov QWORD [rbx + NEXT_PC], rax
            ; cmp r15, QWORD [rbx + LIMIT]
            ; jae =>out
            // A handler wrote translated code: the run loop drops those blocks first.
            ; cmp BYTE [rbx + CODE_DIRTY], 0
            ; jne =>out
            ; test al, 3
            ; jnz =>out
            ; mov rdx, rax
            ; cmp BYTE [rbx + TRANSLATE_ON], 0
            ; je =>phys
            ; shr rdx, 12
            ; mov ecx, edx
            ; and ecx, (MICRO_ENTRIES - 1) as i32
            ; shl ecx, 4
            ; cmp rdx, QWORD [rbx + rcx + UTLB_FETCH]
            ; jne =>out
            ; mov rdx, QWORD [rbx + rcx + UTLB_FETCH + 8]
            ; mov r8d, eax
            ; and r8d, 0xfff
            ; or rdx, r8
            ; =>phys
            ; mov rcx, rdx
            ; shr rcx, 2
            ; and ecx, (SLOTS - 1) as i32
            ; shl rcx, 5
            ; add rcx, QWORD [rbx + SLOTS_BASE]
            ; cmp rdx, QWORD [rcx + SLOT_PA]
            ; jne =>out
            ; mov r8, QWORD [rcx + SLOT_JIT]
            ; test r8, r8
            ; jz =>out
            ; mov edx, DWORD [rcx + SLOT_SEG]
            ; add rdx, r15
            ; cmp rdx, QWORD [rbx + LIMIT]
            ; jae =>out
            ; add QWORD [rbx + BLOCK_LOOKUPS], 1
            ; mov QWORD [rbx + JIT_PC], rax
            ; mov edx, DWORD [rcx + SLOT_START]
            ; mov DWORD [rbx + JIT_START], edx
            ; mov r13d, DWORD [rcx + SLOT_LEN]
            ; mov DWORD [rbx + JIT_LEN], r13d
            ; imul r13, rdx, OP_BYTES
            ; add r13, QWORD [rbx + OPS_BASE]
            ; mov r14, rax
            ; add r8, CHAIN_ENTRY as i32
            ; jmp r8
            ; =>out
            ; mov QWORD [rbx + CYCLES], r15
            ; mov rax, QWORD RETIRED as i64
            ; jmp =>self.done
        );
    }
}

#[cfg(test)]
mod tests {
    use bramble_mem::{Bus, Ram};

    /// A machine can move to another thread, compiled code and all.
    #[test]
    fn the_cpu_stays_send() {
        fn send<T: Send>() {}
        send::<Cpu>();
    }

    use crate::{Cpu, Features, StopReason};

    const CODE: u64 = 0x1000;

    /// Runs `code` (then a semihosting HLT) at EL1 in one budget, every block compiled
    /// before its first run when `jit`. A synchronous exception stops at the HLT in its
    /// vector.
    fn run(code: &[u32], regs: &[(usize, u64)], jit: bool) -> (Cpu, StopReason) {
        let mut bus = Bus::new(Ram::new(1 << 20).expect("1 MiB of RAM"));
        for (i, w) in code.iter().chain(&[0xd45e_0000]).enumerate() {
            bus.ram.write(CODE + 4 * i as u64, 4, *w as u64);
        }
        bus.ram.write(0x200, 4, 0xd45e_0000);
        let mut cpu = Cpu::new(Features::MAX, 1);
        cpu.set_semihosting(true);
        cpu.set_jit_threshold(jit as u32);
        cpu.set_pc(CODE);
        cpu.set_sp(0x8000);
        for &(r, v) in regs {
            cpu.set_xreg(r, v);
        }
        let stop = cpu.run(&mut bus, 10_000);
        (cpu, stop)
    }

    #[test]
    fn loads_and_stores_outside_ram_fault_instead_of_touching_the_host() {
        // With the MMU off the address is the guest's own 64-bit value: near 2^64 it must
        // not wrap the bounds check, and past RAM it is an external abort.
        for base in [u64::MAX - 3, u64::MAX - 15, 1 << 40, 0x10_0000 - 4] {
            for word in [0xf940_0020u32, 0xf900_0020, 0xa940_0c22, 0xa900_0c22] {
                // ldr x0, [x1]; str x0, [x1]; ldp x2, x3, [x1]; stp x2, x3, [x1]
                let (cpu, stop) = run(&[word], &[(1, base)], true);
                assert_eq!(stop, StopReason::Semihosting);
                assert!(cpu.stats().blocks_compiled >= 1);
                assert_eq!(cpu.sys.esr[1] >> 26, 0x25, "{word:#x} at {base:#x}: a data abort");
                assert_eq!(cpu.sys.far[1], base, "{word:#x} at {base:#x}");
            }
        }
    }

    #[test]
    fn compare_and_branch_in_both_widths() {
        // cbz/cbnz w1/x1 over a `movz x0, #1`, for values zero in 32 bits only, in both,
        // and in neither.
        for word in [0x3400_0041u32, 0x3500_0041, 0xb400_0041, 0xb500_0041] {
            for v in [0, 1 << 32, 1, 0xffff_ffff_0000_0000, 0x8000_0000] {
                let code = [word, 0xd280_0020];
                let (a, _) = run(&code, &[(1, v)], true);
                let (b, _) = run(&code, &[(1, v)], false);
                assert_eq!((a.xreg(0), a.cycles()), (b.xreg(0), b.cycles()), "{word:#x} with x1 = {v:#x}");
            }
        }
    }

    #[test]
    fn compiled_code_computes_what_the_interpreter_does() {
        let code = [
            0x8b010c40, // add x0, x2, x1, lsl #3
            0x4b813043, // sub w3, w2, w1, asr #12
            0xab010044, // adds x4, x2, x1
            0x9a843465, // csinc x5, x3, x4, cc
            0xd3431c46, // ubfx x6, x2, #3, #5
            0x93c21027, // extr x7, x1, x2, #4
            0xf9000fe0, // str x0, [sp, #24]
            0xf8418fe8, // ldr x8, [sp, #24]!
        ];
        let regs = [(1, 0x8000_0000_0000_1234), (2, 0xffff_ffff_0000_00f8)];
        let (a, stop_a) = run(&code, &regs, true);
        let (b, stop_b) = run(&code, &regs, false);
        assert_eq!((stop_a, stop_b), (StopReason::Semihosting, StopReason::Semihosting));
        assert_eq!(a.stats().blocks_compiled, 1);
        for n in 0..9 {
            assert_eq!(a.xreg(n), b.xreg(n), "x{n}");
        }
        assert_eq!((a.nzcv(), a.sp(), a.cycles(), a.insns()), (b.nzcv(), b.sp(), b.cycles(), b.insns()));
        assert_eq!(a.xreg(8), a.xreg(0));
    }
}
