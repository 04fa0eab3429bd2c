//! Loads and stores of SIMD&FP registers (Arm ARM C4.1.88): LDR/STR of B/H/S/D/Q in every
//! addressing mode, LDP/STP/LDNP/STNP of S/D/Q, LD1-LD4/ST1-ST4 of multiple structures and
//! of a single lane, and LD1R-LD4R.
//!
//! Multiple-structure transfers move whole 8-byte chunks through a buffer and (de)interleave
//! there, so a 64-byte LD1 is eight accesses, not sixty-four. A load that faults part way
//! writes no register.

use bramble_decode::{SimdLdSt, Xs};
use bramble_mem::Bus;

use super::vreg::{elem, ones, replicate, set_elem};
use crate::alu::extend_reg;
use crate::cpu::{Cpu, ExecResult};
use crate::exception::Exception;

impl Cpu {
    pub(crate) fn exec_simd_ldst(&mut self, bus: &mut Bus, i: &SimdLdSt) -> ExecResult {
        self.check_fp_enabled()?;
        match *i {
            SimdLdSt::FpLdstUimm { rn, rt, load, scale, off } => {
                let addr = self.base(rn)?.wrapping_add(off);
                self.fp_ldst(bus, load, scale, addr, rt)
            }
            SimdLdSt::FpLdstImm9 { mode, rn, rt, load, scale, off } => {
                let base = self.base(rn)?;
                let addr = if mode == 1 { base } else { base.wrapping_add(off as u64) };
                self.fp_ldst(bus, load, scale, addr, rt)?;
                if mode & 1 == 1 {
                    self.set_xs(rn, base.wrapping_add(off as u64));
                }
                Ok(())
            }
            SimdLdSt::FpLdstRoff { rm, option, rn, rt, load, scale, shift } => {
                let offset = extend_reg(self.xz(rm), option, shift);
                let addr = self.base(rn)?.wrapping_add(offset);
                self.fp_ldst(bus, load, scale, addr, rt)
            }
            SimdLdSt::FpLdrLit { opc, rt, off } => {
                let addr = self.pc.wrapping_add(off as u64);
                self.fp_ldst(bus, true, opc + 2, addr, rt)
            }
            SimdLdSt::FpLdstPair { opc, idx, load, rt2, rn, rt, off } => {
                let base = self.base(rn)?;
                let addr = if idx == 1 { base } else { base.wrapping_add(off as u64) };
                let scale = opc + 2;
                let second = addr.wrapping_add(1 << scale);
                if load {
                    let a = self.read_v(bus, addr, scale)?;
                    let b = self.read_v(bus, second, scale)?;
                    self.set_vr(rt, a);
                    self.set_vr(rt2, b);
                } else {
                    let (a, b) = (self.vr(rt), self.vr(rt2));
                    self.write_v(bus, addr, scale, a)?;
                    self.write_v(bus, second, scale, b)?;
                }
                if idx == 1 || idx == 3 {
                    self.set_xs(rn, base.wrapping_add(off as u64));
                }
                Ok(())
            }
            SimdLdSt::LdStMulti { q, post, load, rm, opcode, size, rn, rt } => {
                self.ldst_multi(bus, q, load, opcode, size, rn, rt)?;
                if post {
                    self.post_index(rn, rm, multi_bytes(q, opcode));
                }
                Ok(())
            }
            SimdLdSt::LdStSingle { q, post, load, rm, rn, rt, replicate, selem, scale, index } => {
                self.ldst_single(bus, q, load, replicate, selem, scale, index as usize, rn, rt)?;
                if post {
                    self.post_index(rn, rm, (selem as u64) << scale);
                }
                Ok(())
            }
        }
    }

    /// Post-index writeback: by Xm, or by the transfer size when Rm is 31.
    fn post_index(&mut self, rn: Xs, rm: u8, bytes: u64) {
        let step = if rm == 31 { bytes } else { self.x[rm as usize] };
        let base = self.xs(rn);
        self.set_xs(rn, base.wrapping_add(step));
    }

    /// LDR/STR of 2^`scale` bytes (B, H, S, D, Q); loads clear the rest of the register.
    #[inline]
    fn fp_ldst(&mut self, bus: &mut Bus, load: bool, scale: u8, addr: u64, rt: u8) -> ExecResult {
        if load {
            let v = self.read_v(bus, addr, scale)?;
            self.set_vr(rt, v);
        } else {
            let v = self.vr(rt);
            self.write_v(bus, addr, scale, v)?;
        }
        Ok(())
    }

    /// Reads 2^`scale` bytes (up to 16), zero-extended.
    #[inline]
    pub(crate) fn read_v(&mut self, bus: &mut Bus, addr: u64, scale: u8) -> Result<u128, Exception> {
        if scale < 4 {
            return Ok(self.read(bus, addr, 1 << scale)? as u128);
        }
        let lo = self.read(bus, addr, 8)?;
        let hi = self.read(bus, addr.wrapping_add(8), 8)?;
        Ok((hi as u128) << 64 | lo as u128)
    }

    /// Writes the low 2^`scale` bytes (up to 16) of `v`.
    #[inline]
    pub(crate) fn write_v(&mut self, bus: &mut Bus, addr: u64, scale: u8, v: u128) -> Result<(), Exception> {
        if scale < 4 {
            return self.write(bus, addr, 1 << scale, v as u64);
        }
        self.write(bus, addr, 8, v as u64)?;
        self.write(bus, addr.wrapping_add(8), 8, (v >> 64) as u64)
    }

    /// LD1-LD4/ST1-ST4 (multiple structures).
    #[allow(clippy::too_many_arguments)]
    fn ldst_multi(&mut self, bus: &mut Bus, q: bool, load: bool, opcode: u8, size: u8, rn: Xs, rt: u8) -> ExecResult {
        let (rpt, selem) = multi_shape(opcode);
        let regs = rpt * selem;
        let dbytes = if q { 16 } else { 8 };
        let esize = 8u32 << size;
        let elements = dbytes * 8 / esize as usize;
        let base = self.base(rn)?;
        let chunks = regs * dbytes / 8;
        let mut buf = [0u64; 8];
        if load {
            for (c, slot) in buf.iter_mut().enumerate().take(chunks) {
                *slot = self.read(bus, base.wrapping_add(8 * c as u64), 8)?;
            }
            let mut out = [0u128; 4];
            if selem == 1 {
                for (r, o) in out.iter_mut().enumerate().take(regs) {
                    let k = r * dbytes / 8;
                    *o = buf[k] as u128 | if q { (buf[k + 1] as u128) << 64 } else { 0 };
                }
            } else {
                let mem = chunks_to_u128s(&buf);
                for e in 0..elements {
                    for (s, o) in out.iter_mut().enumerate().take(selem) {
                        let idx = e * selem + s;
                        set_elem(o, e, esize, elem_of(&mem, idx, esize));
                    }
                }
            }
            for (r, o) in out.iter().enumerate().take(regs) {
                self.set_vr(rt.wrapping_add(r as u8) & 31, *o);
            }
        } else {
            let regs_v: [u128; 4] = std::array::from_fn(|r| self.vr(rt.wrapping_add(r as u8) & 31));
            if selem == 1 {
                for (r, v) in regs_v.iter().enumerate().take(regs) {
                    let k = r * dbytes / 8;
                    buf[k] = *v as u64;
                    if q {
                        buf[k + 1] = (*v >> 64) as u64;
                    }
                }
            } else {
                let mut mem = [0u128; 4];
                for e in 0..elements {
                    for (s, v) in regs_v.iter().enumerate().take(selem) {
                        set_elem_of(&mut mem, e * selem + s, esize, elem(*v, e, esize));
                    }
                }
                for (c, slot) in buf.iter_mut().enumerate().take(chunks) {
                    *slot = (mem[c / 2] >> (64 * (c % 2))) as u64;
                }
            }
            for (c, v) in buf.iter().enumerate().take(chunks) {
                self.write(bus, base.wrapping_add(8 * c as u64), 8, *v)?;
            }
        }
        Ok(())
    }

    /// LD1-LD4/ST1-ST4 (single structure) and LD1R-LD4R.
    #[allow(clippy::too_many_arguments)]
    fn ldst_single(
        &mut self,
        bus: &mut Bus,
        q: bool,
        load: bool,
        replicate_all: bool,
        selem: u8,
        scale: u8,
        index: usize,
        rn: Xs,
        rt: u8,
    ) -> ExecResult {
        let base = self.base(rn)?;
        let esize = 8u32 << scale;
        let ebytes = 1u64 << scale;
        if replicate_all {
            let mut vals = [0u128; 4];
            for (s, v) in vals.iter_mut().enumerate().take(selem as usize) {
                let x = self.read(bus, base.wrapping_add(s as u64 * ebytes), ebytes as u8)?;
                *v = replicate(x, esize) & super::vreg::q_mask(q);
            }
            for (s, v) in vals.iter().enumerate().take(selem as usize) {
                self.set_vr(rt.wrapping_add(s as u8) & 31, *v);
            }
            return Ok(());
        }
        if load {
            let mut vals = [0u64; 4];
            for (s, v) in vals.iter_mut().enumerate().take(selem as usize) {
                *v = self.read(bus, base.wrapping_add(s as u64 * ebytes), ebytes as u8)?;
            }
            for (s, v) in vals.iter().enumerate().take(selem as usize) {
                let t = rt.wrapping_add(s as u8) & 31;
                let mut r = self.vr(t);
                set_elem(&mut r, index, esize, *v);
                self.set_vr(t, r);
            }
        } else {
            for s in 0..selem {
                let v = elem(self.vr(rt.wrapping_add(s) & 31), index, esize);
                self.write(bus, base.wrapping_add(s as u64 * ebytes), ebytes as u8, v & ones(esize))?;
            }
        }
        Ok(())
    }
}

/// (repeat, structure elements) of a multiple-structure opcode.
fn multi_shape(opcode: u8) -> (usize, usize) {
    match opcode {
        0b0000 => (1, 4),
        0b0010 => (4, 1),
        0b0100 => (1, 3),
        0b0110 => (3, 1),
        0b0111 => (1, 1),
        0b1000 => (1, 2),
        _ => (2, 1),
    }
}

/// Bytes a multiple-structure transfer moves (the post-index immediate).
fn multi_bytes(q: bool, opcode: u8) -> u64 {
    let (rpt, selem) = multi_shape(opcode);
    (rpt * selem) as u64 * if q { 16 } else { 8 }
}

fn chunks_to_u128s(buf: &[u64; 8]) -> [u128; 4] {
    std::array::from_fn(|i| buf[2 * i] as u128 | (buf[2 * i + 1] as u128) << 64)
}

/// Element `idx` of a 64-byte buffer viewed as consecutive `esize`-bit elements.
fn elem_of(mem: &[u128; 4], idx: usize, esize: u32) -> u64 {
    let per = (128 / esize) as usize;
    elem(mem[idx / per], idx % per, esize)
}

fn set_elem_of(mem: &mut [u128; 4], idx: usize, esize: u32, x: u64) {
    let per = (128 / esize) as usize;
    set_elem(&mut mem[idx / per], idx % per, esize, x);
}

#[cfg(test)]
mod tests {
    use crate::exec::testutil::run_with;

    fn enable_fp(cpu: &mut crate::Cpu) {
        cpu.sys.cpacr_el1 = 3 << 20;
    }

    #[test]
    fn ldr_str_q_and_pairs() {
        let (cpu, bus) = run_with(
            &[
                0x3dc00020, // ldr q0, [x1]
                0x3d800420, // str q0, [x1, #16]
                0x6dff8c22, // ldp d2, d3, [x1, #-8]!
                0xbc404424, // ldr s4, [x1], #4
            ],
            &[(1, 0x4008)],
            |cpu, bus| {
                enable_fp(cpu);
                bus.ram.write(0x4000, 8, 0x1111_2222_3333_4444);
                bus.ram.write(0x4008, 8, 0x0001_0203_0405_0607);
                bus.ram.write(0x4010, 8, 0x0809_0a0b_0c0d_0e0f);
            },
        );
        assert_eq!(cpu.vreg(0), 0x0809_0a0b_0c0d_0e0f_0001_0203_0405_0607);
        assert_eq!(bus.ram.read(0x4018, 8), Some(0x0001_0203_0405_0607));
        assert_eq!(bus.ram.read(0x4020, 8), Some(0x0809_0a0b_0c0d_0e0f));
        assert_eq!(cpu.vreg(2), 0x1111_2222_3333_4444);
        assert_eq!(cpu.vreg(3), 0x0001_0203_0405_0607);
        assert_eq!(cpu.vreg(4), 0x3333_4444);
        assert_eq!(cpu.xreg(1), 0x4004);
    }

    #[test]
    fn ld2_deinterleaves_and_st1_single_lane() {
        let (cpu, bus) = run_with(
            &[
                0x4cdf8420, // ld2 {v0.8h, v1.8h}, [x1], #32
                0x0d004840, // st1 {v0.h}[1], [x2]
            ],
            &[(1, 0x4000), (2, 0x5000)],
            |cpu, bus| {
                enable_fp(cpu);
                for i in 0..16u64 {
                    bus.ram.write(0x4000 + 2 * i, 2, i);
                }
            },
        );
        assert_eq!(cpu.vreg(0), 0x000e_000c_000a_0008_0006_0004_0002_0000);
        assert_eq!(cpu.vreg(1), 0x000f_000d_000b_0009_0007_0005_0003_0001);
        assert_eq!(cpu.xreg(1), 0x4020);
        assert_eq!(bus.ram.read(0x5000, 2), Some(2));
    }

    #[test]
    fn fp_disabled_traps() {
        let (cpu, _) = run_with(&[0x3dc00020], &[(1, 0x4000)], |cpu, _| {
            cpu.sys.vbar[1] = 0x10000;
        });
        // EC 0x07 (SIMD&FP access), taken to EL1.
        assert_eq!(cpu.sys.esr[1] >> 26, 0x07);
        assert_eq!(cpu.pc(), 0x10200);
    }
}
