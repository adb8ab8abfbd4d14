/*
 * tp_cycles.h: the timing model behind "estimated cycles" (included by tp_icount.c only).
 *
 * Each executed instruction is priced with its core's cycle count from the Arm technical
 * reference manuals' instruction timing tables (Cortex-M0/M0+/M3/M4/M7/M33/M55), decoded from
 * its Thumb encoding into a timing class. Zero wait states; no caches; no bus contention;
 * one instruction issued at a time (on the dual-issue M7 this is an upper bound).
 *
 * Where a manual gives a range the middle of the range is used (SDIV/UDIV "2 to 12" → 7;
 * the M3's SMULL "3 to 5" → 4) and P, the pipeline refill after a taken branch ("1 to 3"),
 * is 2 on the three-stage cores. Neighbouring single loads/stores pipeline on M3/M4/M33/M55
 * (the second costs 1): decided within a translation block, in program order. A conditional
 * branch costs 1 when it falls through; the refill is added when the next block executed does
 * not start at its fall-through address (tp_icount.c). docs/CYCLES.md lists the table.
 */
#ifndef TP_CYCLES_H
#define TP_CYCLES_H

#include <stdint.h>

enum tp_core { TP_M0, TP_M0PLUS, TP_M3, TP_M4, TP_M7, TP_M33, TP_M55, TP_CORE_COUNT };

enum tp_class {
    TP_ALU,      /* data processing, moves, compares, extends, saturation, hints */
    TP_MUL,      /* 32-bit product: MULS, MUL, SMUL<x><y>, SMUAD, SMMUL */
    TP_MAC,      /* multiply-accumulate into 32 bits: MLA, MLS, SMLAD, SMLA<x><y>, SMMLA */
    TP_LMUL,     /* 64-bit product: SMULL, UMULL */
    TP_LMAC,     /* 64-bit accumulate: SMLAL, UMLAL, SMLALD, UMAAL */
    TP_DIV,      /* SDIV, UDIV */
    TP_LOAD,     /* single load (LDR/LDRB/LDRH/LDRSB/LDRSH, literal, exclusive) */
    TP_STORE,    /* single store */
    TP_LDRD,     /* LDRD, STRD */
    TP_MULTI,    /* LDM, STM, PUSH, POP without PC: 1 + N */
    TP_POP_PC,   /* POP / LDM that loads PC: 1 + N + refill */
    TP_B,        /* unconditional branch B */
    TP_BCOND,    /* conditional branch, CBZ/CBNZ, low-overhead loop branches: 1 + refill if taken */
    TP_BL,       /* BL */
    TP_BX,       /* BX, BLX */
    TP_PCWRITE,  /* MOV/ADD to PC */
    TP_LDRPC,    /* LDR PC */
    TP_TBB,      /* TBB, TBH */
    TP_FP,       /* single-cycle FP: VADD, VSUB, VMUL, VMOV, VCVT, VABS, VNEG, VCMP, VMRS */
    TP_FPMAC,    /* VMLA, VMLS, VNMLA, VNMLS, VFMA, VFMS, VFNMA, VFNMS */
    TP_FPDIV,    /* VDIV, VSQRT */
    TP_FPLDST,   /* VLDR, VSTR */
    TP_FPMULTI,  /* VLDM, VSTM, VPUSH, VPOP: 1 + N words */
    TP_VEC,      /* Helium (MVE) vector instructions */
    TP_CLASS_COUNT
};

/* Cycles per class and core (the refill of taken conditional branches is tp_refill[]). */
static const uint8_t tp_cost[TP_CLASS_COUNT][TP_CORE_COUNT] = {
    /*               M0  M0+  M3  M4  M7  M33  M55 */
    [TP_ALU]     = { 1,  1,   1,  1,  1,  1,   1 },
    [TP_MUL]     = { 1,  1,   1,  1,  1,  1,   1 },
    [TP_MAC]     = { 1,  1,   2,  1,  1,  1,   1 },
    [TP_LMUL]    = { 1,  1,   4,  1,  1,  1,   1 },
    [TP_LMAC]    = { 1,  1,   5,  1,  1,  1,   1 },
    [TP_DIV]     = { 1,  1,   7,  7,  7,  6,   6 },
    [TP_LOAD]    = { 2,  2,   2,  2,  1,  2,   2 },
    [TP_STORE]   = { 2,  2,   2,  2,  1,  2,   2 },
    [TP_LDRD]    = { 2,  2,   3,  3,  1,  3,   2 },
    [TP_MULTI]   = { 1,  1,   1,  1,  1,  1,   1 }, /* + N */
    [TP_POP_PC]  = { 4,  3,   3,  3,  2,  3,   3 }, /* + N */
    [TP_B]       = { 3,  2,   3,  3,  1,  3,   3 },
    [TP_BCOND]   = { 1,  1,   1,  1,  1,  1,   1 },
    [TP_BL]      = { 4,  3,   3,  3,  1,  3,   3 },
    [TP_BX]      = { 3,  2,   3,  3,  2,  3,   3 },
    [TP_PCWRITE] = { 3,  2,   3,  3,  2,  3,   3 },
    [TP_LDRPC]   = { 4,  3,   4,  4,  2,  4,   4 },
    [TP_TBB]     = { 4,  4,   4,  4,  2,  4,   4 },
    [TP_FP]      = { 1,  1,   1,  1,  1,  1,   1 },
    [TP_FPMAC]   = { 1,  1,   1,  3,  1,  3,   2 },
    [TP_FPDIV]   = { 1,  1,   1, 14, 14, 14,  16 },
    [TP_FPLDST]  = { 1,  1,   1,  2,  1,  2,   1 },
    [TP_FPMULTI] = { 1,  1,   1,  1,  1,  1,   1 }, /* + N */
    [TP_VEC]     = { 1,  1,   1,  1,  1,  1,   2 },
};

/* Pipeline refill added to a conditional branch that is taken. */
static const uint8_t tp_refill[TP_CORE_COUNT] = { 2, 1, 2, 2, 1, 2, 2 };
/* Whether neighbouring single loads/stores pipeline (the second costs 1). */
static const uint8_t tp_ldst_pipelines[TP_CORE_COUNT] = { 0, 0, 1, 1, 0, 1, 1 };

struct tp_decoded {
    enum tp_class cls;
    unsigned n; /* registers (or FP words) transferred, for the + N classes */
};

static unsigned tp_popcount(uint32_t v)
{
    unsigned n = 0;
    while (v != 0) {
        v &= v - 1;
        n++;
    }
    return n;
}

static struct tp_decoded tp_cls(enum tp_class c, unsigned n)
{
    struct tp_decoded d;
    d.cls = c;
    d.n = n;
    return d;
}

/* 16-bit Thumb instructions. */
static struct tp_decoded tp_decode16(uint16_t h)
{
    if ((h >> 11) == 0x1c) return tp_cls(TP_B, 0);                       /* 11100: B */
    if ((h >> 12) == 0xd) {                                              /* 1101: B<c>, SVC, UDF */
        unsigned cond = (h >> 8) & 0xf;
        return tp_cls(cond >= 0xe ? TP_ALU : TP_BCOND, 0);
    }
    if ((h >> 12) == 0xc) return tp_cls(TP_MULTI, tp_popcount(h & 0xff)); /* LDM/STM */
    if ((h >> 12) == 0xb) {                                              /* miscellaneous */
        if ((h & 0x0600) == 0x0400) {                                    /* PUSH/POP */
            unsigned n = tp_popcount(h & 0xff) + ((h >> 8) & 1);
            return tp_cls((h & 0x0900) == 0x0900 ? TP_POP_PC : TP_MULTI, n);
        }
        if ((h & 0x0500) == 0x0100) return tp_cls(TP_BCOND, 0);          /* CBZ/CBNZ */
        return tp_cls(TP_ALU, 0);                                        /* IT, hints, extends, REV, ADD SP */
    }
    if ((h >> 10) == 0x11) {                                             /* 010001: special data, BX */
        unsigned op = (h >> 8) & 3;
        if (op == 3) return tp_cls(TP_BX, 0);
        if (op != 1 && ((h & 7) | ((h >> 4) & 8)) == 15) return tp_cls(TP_PCWRITE, 0);
        return tp_cls(TP_ALU, 0);
    }
    if ((h >> 10) == 0x10) return tp_cls(((h >> 6) & 0xf) == 0xd ? TP_MUL : TP_ALU, 0); /* data processing */
    if ((h >> 11) == 0x9) return tp_cls(TP_LOAD, 0);                     /* LDR literal */
    if ((h >> 12) == 0x5) return tp_cls(((h >> 9) & 7) <= 2 ? TP_STORE : TP_LOAD, 0); /* register offset */
    if ((h >> 13) == 0x3 || (h >> 12) == 0x8 || (h >> 12) == 0x9)        /* immediate offset, SP-relative */
        return tp_cls((h & 0x0800) ? TP_LOAD : TP_STORE, 0);
    return tp_cls(TP_ALU, 0);
}

/* Coprocessor space: the FPU (coprocessors 10 and 11) and Helium. */
static struct tp_decoded tp_decode_cp(uint16_t h1, uint16_t h2)
{
    unsigned coproc = (h2 >> 8) & 0xf;
    if ((h1 & 0xef00) == 0xef00) return tp_cls(TP_VEC, 0);              /* 111x 1111: vector data processing */
    if ((coproc & 0xe) != 0xa) return tp_cls(TP_VEC, 0);                 /* not the FPU: Helium loads/stores and the rest */
    if ((h1 & 0x0e00) == 0x0c00) {                                       /* 110x: extension register load/store */
        unsigned p = (h1 >> 8) & 1, w = (h1 >> 5) & 1;
        if ((h1 & 0x01e0) == 0x0040) return tp_cls(TP_FP, 0);           /* 64-bit core <-> FP moves */
        if (p == 1 && w == 0) return tp_cls(TP_FPLDST, 0);              /* VLDR/VSTR */
        return tp_cls(TP_FPMULTI, h2 & 0xff);                            /* VLDM/VSTM/VPUSH/VPOP: imm8 words */
    }
    if ((h1 & 0x0f00) == 0x0e00 && (h2 & 0x0010) == 0) {                /* VFP data processing */
        unsigned b7 = (h1 >> 7) & 1, b54 = (h1 >> 4) & 3;
        if (!b7) return tp_cls(b54 <= 1 ? TP_FPMAC : TP_FP, 0);          /* VMLA/VNMLA | VMUL | VADD */
        if (b54 == 0) return tp_cls(TP_FPDIV, 0);                       /* VDIV */
        if (b54 != 3) return tp_cls(TP_FPMAC, 0);                        /* fused multiply-accumulate */
        if ((h1 & 0xf) == 1 && ((h2 >> 6) & 3) == 3) return tp_cls(TP_FPDIV, 0); /* VSQRT */
        return tp_cls(TP_FP, 0);
    }
    return tp_cls(TP_FP, 0);                                             /* VMOV core <-> FP, VMRS/VMSR */
}

/* 32-bit Thumb-2 instructions (ARMv7-M / ARMv8-M encodings). */
static struct tp_decoded tp_decode32(uint16_t h1, uint16_t h2)
{
    unsigned op1 = (h1 >> 11) & 3, op2 = (h1 >> 4) & 0x7f;
    if (op1 == 1) {
        if ((op2 & 0x64) == 0x00) {                                      /* LDM/STM/PUSH.W/POP.W */
            unsigned n = tp_popcount(h2);
            return tp_cls((h1 & 0x0010) && (h2 & 0x8000) ? TP_POP_PC : TP_MULTI, n);
        }
        if ((op2 & 0x64) == 0x04) {                                      /* dual, exclusive, table branch */
            if ((h1 & 0xfff0) == 0xe8d0 && (h2 & 0xffe0) == 0xf000) return tp_cls(TP_TBB, 0);
            if ((h1 & 0x0120) == 0 && (op2 & 0x02) == 0) return tp_cls((h1 & 0x0010) ? TP_LOAD : TP_STORE, 0); /* exclusive */
            return tp_cls(TP_LDRD, 0);
        }
        if ((op2 & 0x60) == 0x20) return tp_cls(TP_ALU, 0);              /* data processing, shifted register */
        return tp_decode_cp(h1, h2);
    }
    if (op1 == 2) {
        if ((h2 & 0x8000) == 0) return tp_cls(TP_ALU, 0);                /* data processing, immediate */
        unsigned b = (h2 >> 12) & 7;
        if ((b & 5) == 5) return tp_cls(TP_BL, 0);
        if ((b & 5) == 1) return tp_cls(TP_B, 0);                        /* B.W */
        if ((b & 5) == 4) return tp_cls(TP_BCOND, 0);                    /* v8.1-M loop branches (LE, WLS; DLS falls through) */
        if ((op2 & 0x38) != 0x38) return tp_cls(TP_BCOND, 0);            /* B<c>.W */
        return tp_cls(TP_ALU, 0);                                        /* MSR, MRS, hints, barriers */
    }
    /* op1 == 3 */
    if ((op2 & 0x71) == 0x00) return tp_cls(TP_STORE, 0);                /* STRB/STRH/STR */
    if ((op2 & 0x60) == 0x00 && (op2 & 1)) {                             /* LDRB/LDRH/LDR, PLD */
        if ((op2 & 0x07) == 0x05 && (h2 >> 12) == 15) return tp_cls(TP_LDRPC, 0);
        return tp_cls(TP_LOAD, 0);
    }
    if ((op2 & 0x70) == 0x20) return tp_cls(TP_ALU, 0);                  /* data processing, register */
    if ((op2 & 0x78) == 0x30) return tp_cls(((h2 >> 12) & 0xf) == 15 ? TP_MUL : TP_MAC, 0); /* Ra == PC: no accumulate */
    if ((op2 & 0x78) == 0x38) {                                          /* long multiply, divide */
        unsigned lo = op2 & 7, hi = (h2 >> 4) & 0xf;
        if ((lo == 1 || lo == 3) && hi == 0xf) return tp_cls(TP_DIV, 0);
        return tp_cls(lo == 0 || lo == 2 ? TP_LMUL : TP_LMAC, 0);
    }
    if ((op2 & 0x40) == 0x40) return tp_decode_cp(h1, h2);
    return tp_cls(TP_VEC, 0);
}

/* Decodes one instruction from its little-endian bytes (2 or 4). */
static struct tp_decoded tp_decode(const uint8_t *bytes, size_t size)
{
    uint16_t h1 = (uint16_t)(bytes[0] | (bytes[1] << 8));
    if (size < 4) return tp_decode16(h1);
    return tp_decode32(h1, (uint16_t)(bytes[2] | (bytes[3] << 8)));
}

/* Static cycles of one instruction; `prev_ldst` says the previous one was a single load/store. */
static unsigned tp_static_cycles(enum tp_core core, struct tp_decoded d, int prev_ldst)
{
    unsigned c = tp_cost[d.cls][core];
    if ((d.cls == TP_LOAD || d.cls == TP_STORE) && prev_ldst && tp_ldst_pipelines[core]) c = 1;
    if (d.cls == TP_MULTI || d.cls == TP_POP_PC || d.cls == TP_FPMULTI) c += d.n;
    return c;
}

static int tp_core_from_name(const char *s, enum tp_core *out)
{
    static const char *const names[TP_CORE_COUNT] = { "cortex-m0", "cortex-m0plus", "cortex-m3", "cortex-m4", "cortex-m7", "cortex-m33", "cortex-m55" };
    int i;
    for (i = 0; i < TP_CORE_COUNT; i++) {
        const char *a = names[i], *b = s;
        while (*a != '\0' && *a == *b) {
            a++;
            b++;
        }
        if (*a == '\0' && *b == '\0') {
            *out = (enum tp_core)i;
            return 1;
        }
    }
    return 0;
}

#endif
