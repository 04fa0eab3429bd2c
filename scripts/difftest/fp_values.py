"""Random SIMD&FP machine state for the differential tests: V register contents biased to
the edge cases of the element type an instruction reads, FPCR and FPSR.

A V register is built lane by lane from a pool of values per (element size, kind):

  kind "f": IEEE 754 half/single/double bit patterns: +-0, smallest/largest subnormal,
            smallest/largest normal, +-1, +-inf, quiet and signalling NaNs with random
            payloads, the default NaN, numbers near 1.0 with random or sparse mantissas
            (sparse ones make sums and products land on ties), small multiples of 1/4
            (x.5 and x.25 for the float->int conversions), powers of two next to the
            integer limits (2^31, 2^32, 2^63, 2^64 and their neighbours), values at the
            rounding boundary of the next narrower format, random subnormals, random bits;
  kind "i": integers: 0, 1, -1, the signed/unsigned limits (0x7f.., 0x80.., 0xff..) and
            their neighbours, small positive and negative values, single bits and masks,
            random bits;
  kind "sh": shift counts for SSHL and friends (the low byte of each element, signed,
            mostly within +-(esize + 2));
  kind "idx": TBL/TBX byte indexes, mostly inside the table (0..63) or just past it.

Each pool holds POOL values drawn from these distributions; every draw also replaces one
pool entry with a fresh value, so the pool keeps changing over a run while a register of
16 lanes costs 16 cheap look-ups instead of 16 calls of the distribution.
"""

# (exponent bits, fraction bits) per format
FMT = {16: (5, 10), 32: (8, 23), 64: (11, 52)}
POOL_BITS = 10
POOL = 1 << POOL_BITS

FPCR_AHP, FPCR_DN, FPCR_FZ = 1 << 26, 1 << 25, 1 << 24
FPCR_RMODE_SHIFT = 22
FPCR_MASK = 0x07C0_0000  # AHP DN FZ RMode: the FPCR bits bramble models
FPSR_MASK = 0x0800_009F  # QC IDC IXC UFC OFC DZC IOC


def fp_bits(n, shift, e):
    """The format-`e` encoding of the positive value n * 2^-shift (exact when n has at
    most fraction+1 significant bits and the result is a normal number)."""
    ebits, mbits = FMT[e]
    if n == 0:
        return 0
    msb = n.bit_length() - 1
    bias = (1 << (ebits - 1)) - 1
    exp = bias + msb - shift
    frac = ((n << mbits) >> msb) & ((1 << mbits) - 1)
    return (exp << mbits) | frac


def fp_value(rng, e):
    """One random format-`e` value (16, 32 or 64 bits) biased to the edge cases."""
    ebits, mbits = FMT[e]
    emax = (1 << ebits) - 1
    bias = emax >> 1
    fmask = (1 << mbits) - 1
    sign = rng.getrandbits(1) << (e - 1)
    k = rng.randrange(100)
    if k < 10:
        return rng.getrandbits(e)
    if k < 32:  # ordinary numbers around 1.0
        exp = bias + rng.randrange(-12, 13)
        return sign | (exp << mbits) | rng.getrandbits(mbits)
    if k < 38:  # anywhere in the normal range
        return sign | (rng.randrange(1, emax) << mbits) | rng.getrandbits(mbits)
    if k < 48:  # sparse fraction: results of + - * often fall on a tie
        exp = min(max(bias + rng.randrange(-mbits - 2, mbits + 3), 1), emax - 1)
        j = rng.randrange(4)
        if j == 0:
            frac = 1 << rng.randrange(mbits)
        elif j == 1:
            frac = (1 << rng.randrange(mbits)) | (1 << rng.randrange(mbits))
        elif j == 2:
            frac = fmask ^ ((1 << rng.randrange(mbits)) - 1)
        else:
            frac = (1 << rng.randrange(mbits + 1)) - 1
        return sign | (exp << mbits) | frac
    if k < 56:  # n/4: the x.5 and x.25 cases of the float -> integer conversions
        return sign | fp_bits(rng.randrange(0, 80), 2, e)
    if k < 78:  # the special values
        j = rng.randrange(14)
        if j == 0:
            return sign                                         # +-0
        if j == 1:
            return sign | 1                                     # smallest subnormal
        if j == 2:
            return sign | fmask                                 # largest subnormal
        if j == 3:
            return sign | (1 << mbits)                          # smallest normal
        if j == 4:
            return sign | ((emax - 1) << mbits) | fmask         # largest normal
        if j == 5:
            return sign | (bias << mbits)                       # +-1
        if j in (6, 7):
            return sign | (emax << mbits)                       # +-inf
        if j in (8, 9):                                         # quiet NaN, random payload
            return sign | (emax << mbits) | (1 << (mbits - 1)) | rng.getrandbits(mbits - 1)
        if j in (10, 11):                                       # signalling NaN
            return sign | (emax << mbits) | (rng.getrandbits(mbits - 1) or 1)
        if j == 12:
            return (emax << mbits) | (1 << (mbits - 1))         # the default NaN
        return sign | ((emax - 1) << mbits) | rng.getrandbits(mbits)  # near overflow
    if k < 84:  # subnormals
        return sign | rng.getrandbits(mbits)
    if k < 94:  # powers of two at the integer limits, and their neighbours
        p = rng.choice((7, 8, 15, 16, 31, 32, 63, 64))
        if bias + p >= emax:
            return sign | (emax << mbits)
        j = rng.randrange(4)
        if j == 0:
            return sign | ((bias + p) << mbits)                 # 2^p
        if j == 1:
            return sign | ((bias + p - 1) << mbits) | fmask     # 2^p - ulp
        if j == 2:
            return sign | ((bias + p) << mbits) | 1             # 2^p + ulp
        if p <= mbits:
            return sign | fp_bits((1 << (p + 1)) - 1, 1, e)     # 2^p - 0.5
        return sign | ((bias + p) << mbits)
    # the rounding boundary of the next narrower format (double -> single, single -> half,
    # half -> nothing narrower: random fraction), with the neighbours
    drop = {64: 29, 32: 13, 16: 0}[e]
    exp = min(max(bias + rng.randrange(-20, 21), 1), emax - 1) if rng.getrandbits(2) else \
        rng.randrange(1, emax)
    if drop:
        frac = (rng.getrandbits(mbits - drop) << drop) | (1 << (drop - 1))
        frac += rng.choice((0, 0, 1, -1))
        frac &= fmask
    else:
        frac = rng.getrandbits(mbits)
    return sign | (exp << mbits) | frac


def int_value(rng, e):
    """One random e-bit integer biased to the edge cases."""
    m = (1 << e) - 1
    k = rng.randrange(20)
    if k < 6:
        return rng.getrandbits(e)
    if k == 6:
        return 0
    if k == 7:
        return 1
    if k == 8:
        return m                          # -1 / all ones
    if k == 9:
        return m >> 1                     # signed max 0x7f..
    if k == 10:
        return 1 << (e - 1)               # signed min 0x80..
    if k == 11:
        return rng.choice(((1 << (e - 1)) + 1, (m >> 1) - 1, m - 1, 2))
    if k in (12, 13):                     # small positive / negative
        v = rng.randrange(0, 17)
        return v if k == 12 else (-v) & m
    if k == 14:
        return 1 << rng.randrange(e)
    if k == 15:
        return (1 << rng.randrange(e + 1)) - 1
    if k == 16:                           # near the half-width limits (saturating narrow)
        h = e // 2
        return rng.choice(((1 << (h - 1)) - 1, 1 << (h - 1), (1 << h) - 1, 1 << h,
                           m ^ ((1 << (h - 1)) - 1), m ^ ((1 << h) - 1))) if h >= 4 else 0x7
    if k == 17:
        return rng.getrandbits(e) & rng.getrandbits(e)
    if k == 18:
        return rng.getrandbits(e) | rng.getrandbits(e)
    return rng.getrandbits(e // 2)


def shift_value(rng, e):
    """An element whose low (signed) byte is a shift count for SSHL/USHL/SQSHL/...:
    mostly within +-(esize + 2), sometimes anything; the upper bits are ignored by the
    instruction and random here half of the time."""
    k = rng.randrange(8)
    if k < 6:
        s = rng.randrange(-(e + 2), e + 3)
    elif k == 6:
        s = rng.choice((127, -128, 64, -64, 128 - e, e - 128))
    else:
        s = rng.getrandbits(8)
    s &= 0xFF
    if e > 8 and rng.getrandbits(1):
        s |= rng.getrandbits(e) & ~0xFF
    return s


def idx_value(rng, e):
    """A TBL/TBX index byte: mostly 0..63 (inside a 1-4 register table), sometimes just
    past 16/32/48/64 or anything."""
    k = rng.randrange(8)
    if k < 5:
        return rng.randrange(64)
    if k < 7:
        return rng.choice((16, 17, 32, 33, 48, 49, 64, 65, 15, 31, 47, 63, 127, 128, 255))
    return rng.getrandbits(8)


KINDS = {"f": fp_value, "i": int_value, "sh": shift_value, "idx": idx_value}


class VGen:
    """V register values. One instance per generator (it holds the pools)."""

    def __init__(self, rng):
        self.rng = rng
        self.pools = {}
        self.whole = None

    def _pool(self, e, kind):
        p = self.pools.get((e, kind))
        if p is None:
            fn = KINDS[kind]
            p = self.pools[(e, kind)] = [fn(self.rng, e) for _ in range(POOL)]
        return p

    def lane(self, e, kind):
        """One fresh lane value (not from the pool)."""
        return KINDS[kind](self.rng, e)

    def reg(self, e, kind):
        """A 128-bit register of (128/e) lanes of `kind` (see the module comment)."""
        rng = self.rng
        k = rng.getrandbits(4)
        if k == 0:
            return rng.getrandbits(128)
        if k == 1:  # every lane the same value
            v = KINDS[kind](rng, e)
            out = 0
            for i in range(128 // e):
                out |= v << (e * i)
            return out
        pool = self._pool(e, kind)
        pool[rng.getrandbits(POOL_BITS)] = KINDS[kind](rng, e)
        out = 0
        for i in range(128 // e):
            out |= pool[rng.getrandbits(POOL_BITS)] << (e * i)
        return out

    def any_reg(self):
        """A register nothing hinted at: random bits, or FP or integer lanes of a random
        size (so values written by one instruction of a case and read by another with a
        different view still meet interesting inputs). The lane-built ones come from a
        pool of whole registers (one entry renewed every 8 calls on average): a case has
        ~30 of these, and nothing reads most of them."""
        rng = self.rng
        if rng.getrandbits(1):
            return rng.getrandbits(128)
        pool = self.whole
        if pool is None:
            pool = self.whole = [self._any_lanes() for _ in range(POOL)]
        if rng.getrandbits(3) == 0:
            pool[rng.getrandbits(POOL_BITS)] = self._any_lanes()
        return pool[rng.getrandbits(POOL_BITS)]

    def _any_lanes(self):
        rng = self.rng
        if rng.getrandbits(2):
            return self.reg(rng.choice((32, 64, 16, 32, 64)), "f")
        return self.reg(rng.choice((8, 16, 32, 64)), "i")

    def mix_lanes(self, regs, hints):
        """Make hinted registers of the same element size share some lanes (equal, negated
        or absolute values), so comparisons, min/max and x - x see equal operands."""
        rng = self.rng
        by_size = {}
        for r, (e, kind) in hints.items():
            by_size.setdefault(e, []).append(r)
        for e, rs in by_size.items():
            if len(rs) < 2:
                continue
            for r in rs:
                if rng.getrandbits(2):
                    continue
                src = rng.choice(rs)
                if src == r:
                    continue
                m = (1 << e) - 1
                sbit = 1 << (e - 1)
                a, b = regs[r], regs[src]
                for i in range(128 // e):
                    if rng.getrandbits(1):
                        x = (b >> (e * i)) & m
                        j = rng.getrandbits(2)
                        if j == 1:
                            x ^= sbit
                        elif j == 2:
                            x &= ~sbit
                        a = (a & ~(m << (e * i))) | (x << (e * i))
                regs[r] = a


def fpcr_value(rng):
    """FPCR with only the modelled bits: RMode (all four, round-to-nearest most often),
    FZ, DN, AHP."""
    k = rng.getrandbits(3)
    if k < 3:
        return 0
    rmode = rng.getrandbits(2) if rng.getrandbits(1) else 0
    v = rmode << FPCR_RMODE_SHIFT
    if rng.random() < 0.35:
        v |= FPCR_FZ
    if rng.random() < 0.3:
        v |= FPCR_DN
    if rng.random() < 0.25:
        v |= FPCR_AHP
    return v


def fpsr_value(rng):
    """Initial FPSR: clear three quarters of the time, else a random set of flags."""
    if rng.getrandbits(2):
        return 0
    return rng.getrandbits(32) & FPSR_MASK
