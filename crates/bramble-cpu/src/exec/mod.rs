//! Instruction semantics, one file per encoding group (Arm ARM C4.1), dispatched from the
//! shared decoder's `Insn`.

mod atomic;
mod branch;
mod dp_imm;
mod dp_reg;
pub(crate) mod fp;
pub(crate) mod ldst;
mod ldst_excl;
pub(crate) mod simd;
mod simd_ldst;
mod system;
pub(crate) mod vreg;

use bramble_decode::{Insn, Xs};
use bramble_mem::Bus;

use crate::cpu::{Cpu, ExecResult};
use crate::exception::{fsc, Exception};
use crate::mmu::Access;
use crate::sysreg::CPTR_TFP;

impl Cpu {
    #[inline(always)]
    pub(crate) fn exec(&mut self, bus: &mut Bus, insn: &Insn, word: u32) -> ExecResult {
        // By reference all the way down: the block translator's instructions are read in
        // place, never copied to the stack (a copy re-read at other offsets stalls store
        // forwarding, measured at a fifth of the run time).
        match insn {
            Insn::DpImm(i) => {
                self.exec_dp_imm(i);
                Ok(())
            }
            Insn::DpReg(i) => self.exec_dp_reg(i, word),
            Insn::Branch(i) => self.exec_branch(i),
            Insn::LdSt(i) => self.exec_ldst(bus, i, word),
            Insn::Exception(i) => self.exec_exception(i, word),
            Insn::System(i) => self.exec_system(bus, i, word),
            Insn::SimdLdSt(i) => self.exec_simd_ldst(bus, i),
            Insn::Simd(i) => self.exec_simd(i),
            Insn::Fp(i) => self.exec_fp(i),
            Insn::Unallocated => Err(self.unallocated(word).into()),
        }
    }

    /// The UNDEFINED path for encodings the decoder does not allocate, logging the ones
    /// that belong to groups or extensions bramble does not implement yet.
    fn unallocated(&mut self, word: u32) -> Exception {
        let op0 = (word >> 25) & 0xf;
        let what = if op0 & 0x7 == 0x7 || (op0 & 0x5 == 0x4 && word & (1 << 26) != 0) {
            Some("FP/Advanced SIMD instruction")
        } else if word >> 16 == 0 {
            None // UDF: permanently undefined, used on purpose
        } else {
            Some("unallocated or unimplemented encoding")
        };
        if let Some(what) = what {
            self.log_unimp(word, what, &"");
        }
        Exception::Undefined
    }

    /// The single SIMD&FP access check (AArch64.CheckFPAdvSIMDEnabled): every FP and
    /// Advanced SIMD instruction, and FPCR/FPSR accesses, pass through here first.
    #[inline(always)]
    pub(crate) fn check_fp_enabled(&self) -> Result<(), Exception> {
        const FPEN: u64 = 3 << 20;
        if self.sys.cpacr_el1 & FPEN == FPEN && (self.sys.cptr_el2 | self.sys.cptr_el3) & CPTR_TFP == 0 {
            return Ok(());
        }
        self.fp_access_trap()
    }

    /// The trap checks in priority order: CPACR_EL1.FPEN (EL0/EL1, to EL1; FPEN = 01 traps
    /// EL0 only), CPTR_EL2.TFP (EL0..EL2, to EL2), CPTR_EL3.TFP (every EL, to EL3).
    #[cold]
    fn fp_access_trap(&self) -> Result<(), Exception> {
        let fpen = (self.sys.cpacr_el1 >> 20) & 3;
        if self.el <= 1 && (fpen == 0 || fpen == 2 || (fpen == 1 && self.el == 0)) {
            return Err(Exception::FpAccessTrap { el: 1 });
        }
        if self.el <= 2 && self.sys.cptr_el2 & CPTR_TFP != 0 {
            return Err(Exception::FpAccessTrap { el: 2 });
        }
        if self.sys.cptr_el3 & CPTR_TFP != 0 {
            return Err(Exception::FpAccessTrap { el: 3 });
        }
        Ok(())
    }

    /// Whether SP alignment checking applies at the current EL (SCTLR_ELx.SA/SA0).
    #[inline(always)]
    fn sp_align_check(&self) -> bool {
        if self.el == 0 {
            self.sys.sctlr[1] & (1 << 4) != 0
        } else {
            self.sys.sctlr[self.el as usize] & (1 << 3) != 0
        }
    }

    /// Reads a base register for an address, checking SP alignment when it is SP.
    #[inline(always)]
    pub(crate) fn base(&self, rn: Xs) -> Result<u64, Exception> {
        let v = self.xs(rn);
        if rn.is_31() && v & 0xf != 0 && self.sp_align_check() {
            return Err(Exception::SpAlignment);
        }
        Ok(v)
    }

    /// Loads `size` (1, 2, 4, 8) bytes, little-endian, zero-extended.
    #[inline(always)]
    pub(crate) fn read(&mut self, bus: &mut Bus, va: u64, size: u8) -> Result<u64, Exception> {
        if self.translate_on {
            return self.read_translated(bus, va, size);
        }
        match bus.ram.read_low(va, size as usize) {
            Some(v) => Ok(v),
            None => self.read_phys_slow(bus, va, va, size),
        }
    }

    /// Stores the low `size` bytes of `v`.
    #[inline(always)]
    pub(crate) fn write(&mut self, bus: &mut Bus, va: u64, size: u8, v: u64) -> Result<(), Exception> {
        if self.translate_on {
            return self.write_translated(bus, va, size, v);
        }
        if bus.ram.write_low(va, size as usize, v) {
            return Ok(());
        }
        self.write_phys_slow(bus, va, va, size, v)
    }

    /// A load with translation on: the micro-TLB first, then the TLB and walker.
    #[inline(always)]
    fn read_translated(&mut self, bus: &mut Bus, va: u64, size: u8) -> Result<u64, Exception> {
        let pa = match self.utlb.read(va, size) {
            Some(pa) => pa,
            None if Self::crosses_page(va, size) => return self.read_split(bus, va, size),
            None => self.translate_data(bus, va, size, Access::Read)?,
        };
        match bus.ram.read_low(pa, size as usize) {
            Some(v) => Ok(v),
            None => self.read_phys_slow(bus, va, pa, size),
        }
    }

    #[inline(always)]
    fn write_translated(&mut self, bus: &mut Bus, va: u64, size: u8, v: u64) -> Result<(), Exception> {
        let pa = match self.utlb.write(va, size) {
            Some(pa) => pa,
            None if Self::crosses_page(va, size) => return self.write_split(bus, va, size, v),
            None => self.translate_data(bus, va, size, Access::Write)?,
        };
        if bus.ram.write_low(pa, size as usize, v) {
            return Ok(());
        }
        self.write_phys_slow(bus, va, pa, size, v)
    }

    /// Everything but low RAM: high RAM and devices; an abort where nothing answers.
    #[cold]
    fn read_phys_slow(&mut self, bus: &mut Bus, va: u64, pa: u64, size: u8) -> Result<u64, Exception> {
        if let Some(v) = bus.ram.read(pa, size as usize) {
            return Ok(v);
        }
        self.touch_device(bus);
        let v = bus.read(pa, size);
        self.after_device_access(bus);
        v.ok_or(Exception::DataAbort { va, write: false, fsc: fsc::EXTERNAL_ABORT })
    }

    #[cold]
    fn write_phys_slow(&mut self, bus: &mut Bus, va: u64, pa: u64, size: u8, v: u64) -> Result<(), Exception> {
        if bus.ram.write(pa, size as usize, v) {
            return Ok(());
        }
        self.touch_device(bus);
        let done = bus.write(pa, size, v);
        self.after_device_access(bus);
        if done {
            Ok(())
        } else {
            Err(Exception::DataAbort { va, write: true, fsc: fsc::EXTERNAL_ABORT })
        }
    }

    #[inline(always)]
    fn crosses_page(va: u64, size: u8) -> bool {
        (va & 0xfff) + size as u64 > 0x1000
    }

    /// An unaligned access across a page boundary, a byte at a time (each byte translated;
    /// IMPDEF: bytes before a faulting one may already be written, as hardware allows).
    #[cold]
    fn read_split(&mut self, bus: &mut Bus, va: u64, size: u8) -> Result<u64, Exception> {
        let mut v = 0;
        for i in 0..size as u64 {
            v |= self.read(bus, va.wrapping_add(i), 1)? << (8 * i);
        }
        Ok(v)
    }

    #[cold]
    fn write_split(&mut self, bus: &mut Bus, va: u64, size: u8, v: u64) -> Result<(), Exception> {
        for i in 0..size as u64 {
            self.write(bus, va.wrapping_add(i), 1, v >> (8 * i))?;
        }
        Ok(())
    }

    /// Before a device access: its cost, and the virtual time the device sees.
    #[cold]
    fn touch_device(&mut self, bus: &mut Bus) {
        self.cycles += crate::timing::DEVICE_ACCESS;
        bus.set_now_ns(self.now_ns());
    }

    /// After a device access: if it changed an interrupt level, the core stops after
    /// this instruction so the board can deliver the change (other accesses run on).
    #[inline]
    fn after_device_access(&mut self, bus: &Bus) {
        if bus.irq_signal_raised() {
            self.device_touched = true;
            self.request_attention();
        }
    }

    /// Checks natural alignment for exclusives, atomics and acquire/release accesses.
    #[inline(always)]
    pub(crate) fn check_aligned(va: u64, size: u64, write: bool) -> Result<(), Exception> {
        if va & (size - 1) != 0 {
            Err(Exception::Alignment { va, write })
        } else {
            Ok(())
        }
    }
}

#[cfg(test)]
pub(crate) mod testutil {
    //! A tiny CPU with flat RAM for instruction tests.
    use bramble_mem::{Bus, Ram};

    use crate::{Cpu, Features};

    pub const CODE: u64 = 0x1000;

    /// Runs `code` at EL1 from 0x1000 until the PC leaves it, with X registers preset.
    pub fn run(code: &[u32], regs: &[(usize, u64)]) -> (Cpu, Bus) {
        run_with(code, regs, |_, _| {})
    }

    /// [`run`], with `setup` applied to the CPU and RAM before the first instruction.
    pub fn run_with(code: &[u32], regs: &[(usize, u64)], setup: impl FnOnce(&mut Cpu, &mut Bus)) -> (Cpu, Bus) {
        let mut bus = Bus::new(Ram::new(1 << 20).expect("1 MiB of RAM"));
        for (i, w) in code.iter().enumerate() {
            bus.ram.write(CODE + 4 * i as u64, 4, *w as u64);
        }
        let mut cpu = Cpu::new(Features::MAX, 1);
        cpu.set_pc(CODE);
        cpu.set_sp(0x8000);
        for &(r, v) in regs {
            cpu.set_xreg(r, v);
        }
        setup(&mut cpu, &mut bus);
        let end = CODE + 4 * code.len() as u64;
        while cpu.pc() >= CODE && cpu.pc() < end {
            cpu.run(&mut bus, 1);
        }
        (cpu, bus)
    }
}
