//! Advanced SIMD floating-point forms (placeholder until the softfloat core lands).

use crate::cpu::{Cpu, ExecResult};
use crate::exception::Exception;

#[allow(clippy::too_many_arguments, unused_variables)]
impl Cpu {
    pub(super) fn simd_fp_3same(
        &mut self,
        scalar: bool,
        q: bool,
        u: bool,
        size: u8,
        rm: u8,
        opcode: u8,
        rn: u8,
        rd: u8,
    ) -> ExecResult {
        Err(Exception::Undefined.into())
    }
    pub(super) fn simd_fp_2misc(
        &mut self,
        scalar: bool,
        q: bool,
        u: bool,
        size: u8,
        opcode: u8,
        rn: u8,
        rd: u8,
    ) -> ExecResult {
        Err(Exception::Undefined.into())
    }
    pub(super) fn simd_fp_across(&mut self, size: u8, opcode: u8, rn: u8, rd: u8) -> ExecResult {
        Err(Exception::Undefined.into())
    }
    pub(super) fn simd_fp_spair(&mut self, size: u8, opcode: u8, rn: u8, rd: u8) -> ExecResult {
        Err(Exception::Undefined.into())
    }
    pub(super) fn simd_fp_fixed(
        &mut self,
        scalar: bool,
        q: bool,
        u: bool,
        size: u8,
        fbits: u32,
        opcode: u8,
        rn: u8,
        rd: u8,
    ) -> ExecResult {
        Err(Exception::Undefined.into())
    }
    pub(super) fn simd_fp_elem(
        &mut self,
        scalar: bool,
        q: bool,
        u: bool,
        size: u8,
        index: usize,
        rm: u8,
        opcode: u8,
        rn: u8,
        rd: u8,
    ) -> ExecResult {
        Err(Exception::Undefined.into())
    }
}
