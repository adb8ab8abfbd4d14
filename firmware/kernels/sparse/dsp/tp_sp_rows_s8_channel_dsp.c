/*
 * Sparse row function, int8, channel (a smaller dense matrix over the kept rows and input
 * channels) — DSP extension (SMLAD). Declared in tp_sp_rows_dsp.h; the kernels of this format
 * call it once per input vector.
 */
#include "tp_sp_rows_dsp.h"

/* acc[k] += dot(w_k, x) for the rows w_k = w0 + k * n, k = 0..3: each input word is split once
 * into its even and odd bytes and shared by the four rows. */
static inline void tp_sp_dot4_s8_dsp(const int8_t *x, const int8_t *w0, int32_t n, int32_t *acc) {
    const int8_t *w1 = w0 + n, *w2 = w1 + n, *w3 = w2 + n;
    int32_t a0 = acc[0], a1 = acc[1], a2 = acc[2], a3 = acc[3];
    const int8_t *end4 = x + (n & ~3), *end = x + n;
    while (x < end4) {
        const uint32_t xw = tp_sp_ld32(x);
        const uint32_t xe = tp_sp_sxtb16(xw), xo = tp_sp_sxtb16_ror8(xw);
        uint32_t ww;
        ww = tp_sp_ld32(w0);
        a0 = tp_sp_smlad(tp_sp_sxtb16(ww), xe, a0);
        a0 = tp_sp_smlad(tp_sp_sxtb16_ror8(ww), xo, a0);
        ww = tp_sp_ld32(w1);
        a1 = tp_sp_smlad(tp_sp_sxtb16(ww), xe, a1);
        a1 = tp_sp_smlad(tp_sp_sxtb16_ror8(ww), xo, a1);
        ww = tp_sp_ld32(w2);
        a2 = tp_sp_smlad(tp_sp_sxtb16(ww), xe, a2);
        a2 = tp_sp_smlad(tp_sp_sxtb16_ror8(ww), xo, a2);
        ww = tp_sp_ld32(w3);
        a3 = tp_sp_smlad(tp_sp_sxtb16(ww), xe, a3);
        a3 = tp_sp_smlad(tp_sp_sxtb16_ror8(ww), xo, a3);
        x += 4;
        w0 += 4;
        w1 += 4;
        w2 += 4;
        w3 += 4;
    }
    for (; x < end; ++x) {
        const int32_t xv = *x;
        a0 += (int32_t)*w0++ * xv;
        a1 += (int32_t)*w1++ * xv;
        a2 += (int32_t)*w2++ * xv;
        a3 += (int32_t)*w3++ * xv;
    }
    acc[0] = a0;
    acc[1] = a1;
    acc[2] = a2;
    acc[3] = a3;
}

void tp_sp_rows_s8_channel_dsp(const tp_sparse_matrix *w, const int8_t *x,
                               const int32_t *bias, const tp_sp_rq *q, int8_t *y) {
    TP_SP_CHANNEL_S8_ROWS4(tp_sp_dot4_s8_dsp, tp_sp_dot_s8_dsp);
}
