//! Cryptographic extension (C4.1.95.7-.9, pseudocode C7.2 and J1.3 "crypto"): AESE, AESD,
//! AESMC, AESIMC (FEAT_AES), SHA1C/P/M/H/SU0/SU1 (FEAT_SHA1), SHA256H/H2/SU0/SU1
//! (FEAT_SHA256). The Cortex-A72 of the Pi 4 has none of them: they are UNDEFINED unless
//! the CPU model advertises them.

use crate::cpu::{Cpu, ExecResult};
use crate::exception::Exception;
use crate::exec::vreg::{elem, set_elem};

/// The AES S-box, computed at build time from its definition (multiplicative inverse in
/// GF(2^8) followed by the affine transform), and its inverse.
const SBOX: [u8; 256] = sbox();
const INV_SBOX: [u8; 256] = inv_sbox();

const fn gf_mul(mut a: u8, mut b: u8) -> u8 {
    let mut p = 0u8;
    while b != 0 {
        if b & 1 != 0 {
            p ^= a;
        }
        let hi = a & 0x80;
        a <<= 1;
        if hi != 0 {
            a ^= 0x1b;
        }
        b >>= 1;
    }
    p
}

const fn sbox() -> [u8; 256] {
    let mut t = [0u8; 256];
    let mut x = 0usize;
    while x < 256 {
        // inverse: x^254
        let mut inv = 1u8;
        let mut i = 0;
        while i < 254 {
            inv = gf_mul(inv, x as u8);
            i += 1;
        }
        if x == 0 {
            inv = 0;
        }
        let b = inv;
        t[x] = b ^ b.rotate_left(1) ^ b.rotate_left(2) ^ b.rotate_left(3) ^ b.rotate_left(4) ^ 0x63;
        x += 1;
    }
    t
}

const fn inv_sbox() -> [u8; 256] {
    let s = sbox();
    let mut t = [0u8; 256];
    let mut i = 0;
    while i < 256 {
        t[s[i] as usize] = i as u8;
        i += 1;
    }
    t
}

/// ShiftRows (or its inverse) then SubBytes (or its inverse) on a column-major state.
fn aes_round(state: u128, decrypt: bool) -> u128 {
    let s = state.to_le_bytes();
    let mut o = [0u8; 16];
    for c in 0..4 {
        for r in 0..4 {
            let src = if decrypt { (c + 4 - r) % 4 } else { (c + r) % 4 };
            let b = s[r + 4 * src];
            o[r + 4 * c] = if decrypt { INV_SBOX[b as usize] } else { SBOX[b as usize] };
        }
    }
    u128::from_le_bytes(o)
}

/// MixColumns, or InvMixColumns.
fn mix_columns(state: u128, inverse: bool) -> u128 {
    let s = state.to_le_bytes();
    let k: [u8; 4] = if inverse { [14, 11, 13, 9] } else { [2, 3, 1, 1] };
    let mut o = [0u8; 16];
    for c in 0..4 {
        for r in 0..4 {
            let mut v = 0;
            for i in 0..4 {
                v ^= gf_mul(s[4 * c + (r + i) % 4], k[i]);
            }
            o[4 * c + r] = v;
        }
    }
    u128::from_le_bytes(o)
}

fn lane(v: u128, i: usize) -> u32 {
    elem(v, i, 32) as u32
}

fn set_lane(v: &mut u128, i: usize, x: u32) {
    set_elem(v, i, 32, x as u64);
}

/// `ROL(Y:X, 32)` for a 128-bit X and a 32-bit Y (SHA1) : returns (X, Y).
fn rol_160(x: u128, y: u32) -> (u128, u32) {
    ((x << 32) | y as u128, (x >> 96) as u32)
}

fn sha256_hash(mut x: u128, mut y: u128, w: u128, part1: bool) -> u128 {
    for e in 0..4 {
        let (y0, y1, y2, y3) = (lane(y, 0), lane(y, 1), lane(y, 2), lane(y, 3));
        let (x0, x1, x2, x3) = (lane(x, 0), lane(x, 1), lane(x, 2), lane(x, 3));
        let chs = (y0 & y1) ^ (!y0 & y2);
        let maj = (x0 & x1) ^ (x0 & x2) ^ (x1 & x2);
        let sigma1 = y0.rotate_right(6) ^ y0.rotate_right(11) ^ y0.rotate_right(25);
        let sigma0 = x0.rotate_right(2) ^ x0.rotate_right(13) ^ x0.rotate_right(22);
        let t = y3.wrapping_add(sigma1).wrapping_add(chs).wrapping_add(lane(w, e));
        set_lane(&mut x, 3, t.wrapping_add(x3));
        set_lane(&mut y, 3, t.wrapping_add(sigma0).wrapping_add(maj));
        // ROL(Y:X, 32) of the 256-bit concatenation.
        let (nx, ny) = ((x << 32) | (y >> 96), (y << 32) | (x >> 96));
        x = nx;
        y = ny;
    }
    if part1 {
        x
    } else {
        y
    }
}

impl Cpu {
    fn check_crypto(&self) -> Result<(), Exception> {
        if self.features.crypto {
            Ok(())
        } else {
            Err(Exception::Undefined)
        }
    }

    pub(super) fn crypto_aes(&mut self, opcode: u8, rn: u8, rd: u8) -> ExecResult {
        self.check_crypto()?;
        let (n, d) = (self.vr(rn), self.vr(rd));
        let r = match opcode {
            4 => aes_round(d ^ n, false),
            5 => aes_round(d ^ n, true),
            6 => mix_columns(n, false),
            _ => mix_columns(n, true),
        };
        self.set_vr(rd, r);
        Ok(())
    }

    pub(super) fn crypto_sha3(&mut self, rm: u8, opcode: u8, rn: u8, rd: u8) -> ExecResult {
        self.check_crypto()?;
        let (n, m, d) = (self.vr(rn), self.vr(rm), self.vr(rd));
        let r = match opcode {
            0..=2 => {
                let (mut x, mut y) = (d, lane(n, 0));
                for e in 0..4 {
                    let (b, c, dd) = (lane(x, 1), lane(x, 2), lane(x, 3));
                    let t = match opcode {
                        0 => (b & c) | (!b & dd),
                        1 => b ^ c ^ dd,
                        _ => (b & c) | (b & dd) | (c & dd),
                    };
                    y = y.wrapping_add(lane(x, 0).rotate_left(5)).wrapping_add(t).wrapping_add(lane(m, e));
                    set_lane(&mut x, 1, b.rotate_left(30));
                    (x, y) = rol_160(x, y);
                }
                x
            }
            3 => ((n << 64) | (d >> 64)) ^ d ^ m,
            4 => sha256_hash(d, n, m, true),
            5 => sha256_hash(n, d, m, false),
            _ => {
                let t0 = (m << 96) | (n >> 32);
                let mut r = 0u128;
                for e in 0..4 {
                    let src = if e < 2 { lane(m, e + 2) } else { lane(r, e - 2) };
                    let s = src.rotate_right(17) ^ src.rotate_right(19) ^ (src >> 10);
                    set_lane(&mut r, e, s.wrapping_add(lane(d, e)).wrapping_add(lane(t0, e)));
                }
                r
            }
        };
        self.set_vr(rd, r);
        Ok(())
    }

    pub(super) fn crypto_sha2(&mut self, opcode: u8, rn: u8, rd: u8) -> ExecResult {
        self.check_crypto()?;
        let (n, d) = (self.vr(rn), self.vr(rd));
        let r = match opcode {
            0 => lane(n, 0).rotate_left(30) as u128,
            1 => {
                let t = d ^ (n >> 32);
                let mut r = 0u128;
                for e in 0..3 {
                    set_lane(&mut r, e, lane(t, e).rotate_left(1));
                }
                set_lane(&mut r, 3, lane(t, 3).rotate_left(1) ^ lane(t, 0).rotate_left(2));
                r
            }
            _ => {
                let t = (n << 96) | (d >> 32);
                let mut r = 0u128;
                for e in 0..4 {
                    let x = lane(t, e);
                    let s = x.rotate_right(7) ^ x.rotate_right(18) ^ (x >> 3);
                    set_lane(&mut r, e, s.wrapping_add(lane(d, e)));
                }
                r
            }
        };
        self.set_vr(rd, r);
        Ok(())
    }
}
