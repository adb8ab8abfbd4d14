/*
 * Internal: the plain C row functions of every sparse format — y[r] = requant(bias[r] +
 * sum over the kept weights of row r of w * x[column]) for all rows, from one input vector.
 * FULLY_CONNECTED calls them once per batch row, CONV_2D once per output pixel (x = the
 * pixel's patch). int8: raw inputs, folded bias (tp_sparse.h); float: products added in
 * increasing column order, then the bias, as the dense reference. Zeros a format stores
 * (block and N:M padding, relative-index fillers) are multiplied like any weight: x * 0 =
 * +-0 leaves a float sum unchanged, and the sum is never -0 (it starts at +0).
 *
 * Loops walk pointers and are unrolled by hand where GCC -O2 would not (it does not unroll),
 * so that one kept weight costs about its loads and one multiply-accumulate. The dsp/ and
 * mve/ variants of a kernel replace its row function with a SIMD one; these are what every
 * other core runs, and the reference the variants are tested against.
 */
#ifndef TP_SP_ROWS_H
#define TP_SP_ROWS_H

#include "tp_sp_common.h"

#define TP_SP_BIAS_F32(bias, r) ((bias) ? (bias)[r] : 0.0f)

/* ================================================================ bitmask */

TP_SP_ROWS void tp_sp_rows_s8_bitmask(const tp_sparse_matrix *w, const int8_t *x,
                                      const int32_t *bias, const tp_sp_rq *q, int8_t *y) {
    const int32_t mb = w->aux;
    const uint8_t *mask = (const uint8_t *)w->index;
    const int8_t *v = (const int8_t *)w->values;
    int32_t r;
    for (r = 0; r < w->rows; ++r) {
        const uint8_t *mend = mask + mb;
        const int8_t *xk = x;
        int32_t acc = bias[r];
        for (; mask < mend; ++mask, xk += 8) {
            uint32_t m = *mask;
            while (m) {
                acc += (int32_t)*v++ * (int32_t)xk[tp_sp_ctz(m)];
                m &= m - 1u;
            }
        }
        y[r] = tp_sp_requant(q, acc, r);
    }
}

TP_SP_ROWS void tp_sp_rows_f32_bitmask(const tp_sparse_matrix *w, const float *x,
                                       const float *bias, float amin, float amax, float *y) {
    const int32_t mb = w->aux;
    const uint8_t *mask = (const uint8_t *)w->index;
    const float *v = (const float *)w->values;
    int32_t r;
    for (r = 0; r < w->rows; ++r) {
        const uint8_t *mend = mask + mb;
        const float *xk = x;
        float total = 0.0f;
        for (; mask < mend; ++mask, xk += 8) {
            uint32_t m = *mask;
            while (m) {
                total += *v++ * xk[tp_sp_ctz(m)];
                m &= m - 1u;
            }
        }
        y[r] = tp_clamp_f32(total + TP_SP_BIAS_F32(bias, r), amin, amax);
    }
}

/* ================================================================ CSR */

/* acc + sum v[k] * x[col[k]] for the values [v, vend), four at a time. */
#define TP_SP_CSR_DOT(ACC, V, VEND, COL, X)                                                   \
    do {                                                                                     \
        while ((V) + 4 <= (VEND)) {                                                          \
            ACC += (int32_t)(V)[0] * (int32_t)(X)[(COL)[0]] +                                \
                   (int32_t)(V)[1] * (int32_t)(X)[(COL)[1]] +                                \
                   (int32_t)(V)[2] * (int32_t)(X)[(COL)[2]] +                                \
                   (int32_t)(V)[3] * (int32_t)(X)[(COL)[3]];                                 \
            (V) += 4;                                                                        \
            (COL) += 4;                                                                      \
        }                                                                                    \
        while ((V) < (VEND)) ACC += (int32_t) * (V)++ * (int32_t)(X)[*(COL)++];              \
    } while (0)

TP_SP_ROWS void tp_sp_rows_s8_csr16(const tp_sparse_matrix *w, const int8_t *x,
                                    const int32_t *bias, const tp_sp_rq *q, int8_t *y) {
    const int8_t *v0 = (const int8_t *)w->values;
    const uint16_t *col = (const uint16_t *)w->index + tp_sp_ptr(w, 0);
    const int8_t *v = v0 + tp_sp_ptr(w, 0);
    int32_t r;
    for (r = 0; r < w->rows; ++r) {
        const int8_t *vend = v0 + tp_sp_ptr(w, r + 1);
        int32_t acc = bias[r];
        TP_SP_CSR_DOT(acc, v, vend, col, x);
        y[r] = tp_sp_requant(q, acc, r);
    }
}

TP_SP_ROWS void tp_sp_rows_s8_csr8(const tp_sparse_matrix *w, const int8_t *x,
                                   const int32_t *bias, const tp_sp_rq *q, int8_t *y) {
    const int8_t *v0 = (const int8_t *)w->values;
    const uint8_t *col = (const uint8_t *)w->index + tp_sp_ptr(w, 0);
    const int8_t *v = v0 + tp_sp_ptr(w, 0);
    const int32_t segs = w->aux;
    int32_t r, s, p = 0;
    for (r = 0; r < w->rows; ++r) {
        int32_t acc = bias[r];
        const int8_t *xs = x;
        for (s = 0; s < segs; ++s, xs += 256) {
            const int8_t *vend = v0 + tp_sp_ptr(w, ++p);
            TP_SP_CSR_DOT(acc, v, vend, col, xs);
        }
        y[r] = tp_sp_requant(q, acc, r);
    }
}

TP_SP_ROWS void tp_sp_rows_f32_csr16(const tp_sparse_matrix *w, const float *x,
                                     const float *bias, float amin, float amax, float *y) {
    const float *v0 = (const float *)w->values;
    const uint16_t *col = (const uint16_t *)w->index + tp_sp_ptr(w, 0);
    const float *v = v0 + tp_sp_ptr(w, 0);
    int32_t r;
    for (r = 0; r < w->rows; ++r) {
        const float *vend = v0 + tp_sp_ptr(w, r + 1);
        float total = 0.0f;
        while (v < vend) total += *v++ * x[*col++];
        y[r] = tp_clamp_f32(total + TP_SP_BIAS_F32(bias, r), amin, amax);
    }
}

TP_SP_ROWS void tp_sp_rows_f32_csr8(const tp_sparse_matrix *w, const float *x,
                                    const float *bias, float amin, float amax, float *y) {
    const float *v0 = (const float *)w->values;
    const uint8_t *col = (const uint8_t *)w->index + tp_sp_ptr(w, 0);
    const float *v = v0 + tp_sp_ptr(w, 0);
    const int32_t segs = w->aux;
    int32_t r, s, p = 0;
    for (r = 0; r < w->rows; ++r) {
        float total = 0.0f;
        const float *xs = x;
        for (s = 0; s < segs; ++s, xs += 256) {
            const float *vend = v0 + tp_sp_ptr(w, ++p);
            while (v < vend) total += *v++ * xs[*col++];
        }
        y[r] = tp_clamp_f32(total + TP_SP_BIAS_F32(bias, r), amin, amax);
    }
}

/* ================================================================ relative index (4-bit gaps) */

TP_SP_ROWS void tp_sp_rows_s8_rel4(const tp_sparse_matrix *w, const int8_t *x,
                                   const int32_t *bias, const tp_sp_rq *q, int8_t *y) {
    const uint8_t *gaps = (const uint8_t *)w->index;
    const int8_t *v = (const int8_t *)w->values;
    int32_t r, k = tp_sp_ptr(w, 0);
    for (r = 0; r < w->rows; ++r) {
        const int32_t end = tp_sp_ptr(w, r + 1);
        int32_t acc = bias[r];
        const int8_t *xp = x; /* the next position if the gap is 0 */
        /* An odd first entry sits in the high nibble of a shared byte. */
        if ((k & 1) && k < end) {
            xp += gaps[k >> 1] >> 4;
            acc += (int32_t)v[k] * (int32_t)*xp++;
            ++k;
        }
        for (; k + 2 <= end; k += 2) {
            const uint32_t g = gaps[k >> 1];
            xp += g & 15u;
            acc += (int32_t)v[k] * (int32_t)*xp++;
            xp += g >> 4;
            acc += (int32_t)v[k + 1] * (int32_t)*xp++;
        }
        if (k < end) {
            xp += gaps[k >> 1] & 15u;
            acc += (int32_t)v[k] * (int32_t)*xp;
            ++k;
        }
        y[r] = tp_sp_requant(q, acc, r);
    }
}

TP_SP_ROWS void tp_sp_rows_f32_rel4(const tp_sparse_matrix *w, const float *x,
                                    const float *bias, float amin, float amax, float *y) {
    const uint8_t *gaps = (const uint8_t *)w->index;
    const float *v = (const float *)w->values;
    int32_t r, k = tp_sp_ptr(w, 0);
    for (r = 0; r < w->rows; ++r) {
        const int32_t end = tp_sp_ptr(w, r + 1);
        float total = 0.0f;
        int32_t pos = -1;
        for (; k < end; ++k) {
            pos += 1 + ((gaps[k >> 1] >> ((k & 1) * 4)) & 15);
            total += v[k] * x[pos]; /* a filler adds x * 0 = +-0: no change */
        }
        y[r] = tp_clamp_f32(total + TP_SP_BIAS_F32(bias, r), amin, amax);
    }
}

/* ================================================================ blocks 1 x C */

/* The block at column c holds min(bc, cols - c) real columns (the last one may be short). */
TP_SP_ROWS void tp_sp_rows_s8_block1xc(const tp_sparse_matrix *w, const int8_t *x,
                                       const int32_t *bias, const tp_sp_rq *q, int8_t *y) {
    const int32_t bc = w->aux2;
    const int32_t full = w->cols / bc; /* blocks b < full are whole */
    const int8_t *v = (const int8_t *)w->values;
    int32_t r, k, j, start = tp_sp_ptr(w, 0);
    for (r = 0; r < w->rows; ++r) {
        const int32_t end = tp_sp_ptr(w, r + 1);
        int32_t acc = bias[r];
        for (k = start; k < end; ++k, v += bc) {
            const int32_t b = tp_sp_index(w, k);
            const int8_t *xb = x + b * bc;
            if (b < full) {
                for (j = 0; j < bc; j += 4) {
                    acc += (int32_t)v[j] * xb[j] + (int32_t)v[j + 1] * xb[j + 1] +
                           (int32_t)v[j + 2] * xb[j + 2] + (int32_t)v[j + 3] * xb[j + 3];
                }
            } else {
                for (j = 0; j < w->cols - b * bc; ++j) acc += (int32_t)v[j] * xb[j];
            }
        }
        start = end;
        y[r] = tp_sp_requant(q, acc, r);
    }
}

TP_SP_ROWS void tp_sp_rows_f32_block1xc(const tp_sparse_matrix *w, const float *x,
                                        const float *bias, float amin, float amax, float *y) {
    const int32_t bc = w->aux2;
    const float *v = (const float *)w->values;
    int32_t r, k, j, start = tp_sp_ptr(w, 0);
    for (r = 0; r < w->rows; ++r) {
        const int32_t end = tp_sp_ptr(w, r + 1);
        float total = 0.0f;
        for (k = start; k < end; ++k, v += bc) {
            const int32_t c = tp_sp_index(w, k) * bc;
            const int32_t n = w->cols - c < bc ? w->cols - c : bc;
            for (j = 0; j < n; ++j) total += v[j] * x[c + j];
        }
        start = end;
        y[r] = tp_clamp_f32(total + TP_SP_BIAS_F32(bias, r), amin, amax);
    }
}

/* ================================================================ blocks 4 x 1 */

TP_SP_ROWS void tp_sp_rows_s8_block4x1(const tp_sparse_matrix *w, const int8_t *x,
                                       const int32_t *bias, const tp_sp_rq *q, int8_t *y) {
    const int8_t *v = (const int8_t *)w->values;
    const int32_t groups = (w->rows + 3) / 4;
    int32_t g, k, i, start = tp_sp_ptr(w, 0);
    for (g = 0; g < groups; ++g) {
        const int32_t end = tp_sp_ptr(w, g + 1);
        const int32_t r0 = 4 * g;
        const int32_t nr = w->rows - r0 < 4 ? w->rows - r0 : 4;
        int32_t acc[4] = {0, 0, 0, 0};
        int32_t a0 = 0, a1 = 0, a2 = 0, a3 = 0;
        for (k = start; k + 2 <= end; k += 2) {
            /* [a0 a1 b0 b1 a2 a3 b2 b3] */
            const int32_t xa = x[tp_sp_index(w, k)];
            const int32_t xb = x[tp_sp_index(w, k + 1)];
            a0 += v[0] * xa + v[2] * xb;
            a1 += v[1] * xa + v[3] * xb;
            a2 += v[4] * xa + v[6] * xb;
            a3 += v[5] * xa + v[7] * xb;
            v += 8;
        }
        if (k < end) {
            const int32_t xa = x[tp_sp_index(w, k)];
            a0 += v[0] * xa;
            a1 += v[1] * xa;
            a2 += v[2] * xa;
            a3 += v[3] * xa;
            v += 4;
        }
        start = end;
        acc[0] = a0;
        acc[1] = a1;
        acc[2] = a2;
        acc[3] = a3;
        for (i = 0; i < nr; ++i) y[r0 + i] = tp_sp_requant(q, bias[r0 + i] + acc[i], r0 + i);
    }
}

TP_SP_ROWS void tp_sp_rows_f32_block4x1(const tp_sparse_matrix *w, const float *x,
                                        const float *bias, float amin, float amax, float *y) {
    const float *v = (const float *)w->values;
    const int32_t groups = (w->rows + 3) / 4;
    int32_t g, k, i, start = tp_sp_ptr(w, 0);
    for (g = 0; g < groups; ++g) {
        const int32_t end = tp_sp_ptr(w, g + 1);
        const int32_t r0 = 4 * g;
        const int32_t nr = w->rows - r0 < 4 ? w->rows - r0 : 4;
        float t0 = 0.0f, t1 = 0.0f, t2 = 0.0f, t3 = 0.0f;
        for (k = start; k + 2 <= end; k += 2) {
            /* Column a before column b in every row: the reference's order. */
            const float xa = x[tp_sp_index(w, k)];
            const float xb = x[tp_sp_index(w, k + 1)];
            t0 += v[0] * xa;
            t0 += v[2] * xb;
            t1 += v[1] * xa;
            t1 += v[3] * xb;
            t2 += v[4] * xa;
            t2 += v[6] * xb;
            t3 += v[5] * xa;
            t3 += v[7] * xb;
            v += 8;
        }
        if (k < end) {
            const float xa = x[tp_sp_index(w, k)];
            t0 += v[0] * xa;
            t1 += v[1] * xa;
            t2 += v[2] * xa;
            t3 += v[3] * xa;
            v += 4;
        }
        start = end;
        {
            const float t[4] = {t0, t1, t2, t3};
            for (i = 0; i < nr; ++i) y[r0 + i] = tp_clamp_f32(t[i] + TP_SP_BIAS_F32(bias, r0 + i), amin, amax);
        }
    }
}

/* ================================================================ blocks 4 x 2 */

/* Per block [r0c0 r1c0 r0c1 r1c1 r2c0 r3c0 r2c1 r3c1] against (x[2b], x[2b+1]); a last block
 * whose second column lies past the matrix (odd cols) holds zeros there and is read as one
 * column. */
TP_SP_ROWS void tp_sp_rows_s8_block4x2(const tp_sparse_matrix *w, const int8_t *x,
                                       const int32_t *bias, const tp_sp_rq *q, int8_t *y) {
    const int8_t *v = (const int8_t *)w->values;
    const int32_t groups = (w->rows + 3) / 4;
    const int32_t full = w->cols / 2;
    int32_t g, k, i, start = tp_sp_ptr(w, 0);
    for (g = 0; g < groups; ++g) {
        const int32_t end = tp_sp_ptr(w, g + 1);
        const int32_t r0 = 4 * g;
        int32_t a[4] = {0, 0, 0, 0};
        for (k = start; k < end; ++k, v += 8) {
            const int32_t b = tp_sp_index(w, k);
            const int32_t x0 = x[2 * b];
            const int32_t x1 = b < full ? x[2 * b + 1] : 0;
            a[0] += v[0] * x0 + v[2] * x1;
            a[1] += v[1] * x0 + v[3] * x1;
            a[2] += v[4] * x0 + v[6] * x1;
            a[3] += v[5] * x0 + v[7] * x1;
        }
        start = end;
        for (i = 0; i < 4 && r0 + i < w->rows; ++i) y[r0 + i] = tp_sp_requant(q, bias[r0 + i] + a[i], r0 + i);
    }
}

TP_SP_ROWS void tp_sp_rows_f32_block4x2(const tp_sparse_matrix *w, const float *x,
                                        const float *bias, float amin, float amax, float *y) {
    static const int8_t c0[4] = {0, 1, 4, 5}, c1[4] = {2, 3, 6, 7};
    const float *v = (const float *)w->values;
    const int32_t groups = (w->rows + 3) / 4;
    const int32_t full = w->cols / 2;
    int32_t g, k, i, start = tp_sp_ptr(w, 0);
    for (g = 0; g < groups; ++g) {
        const int32_t end = tp_sp_ptr(w, g + 1);
        const int32_t r0 = 4 * g;
        float t[4] = {0.0f, 0.0f, 0.0f, 0.0f};
        for (k = start; k < end; ++k, v += 8) {
            const int32_t b = tp_sp_index(w, k);
            const float x0 = x[2 * b];
            for (i = 0; i < 4; ++i) t[i] += v[c0[i]] * x0; /* column 2b, then 2b + 1 */
            if (b < full) {
                const float x1 = x[2 * b + 1];
                for (i = 0; i < 4; ++i) t[i] += v[c1[i]] * x1;
            }
        }
        start = end;
        for (i = 0; i < 4 && r0 + i < w->rows; ++i) y[r0 + i] = tp_clamp_f32(t[i] + TP_SP_BIAS_F32(bias, r0 + i), amin, amax);
    }
}

/* ================================================================ N:M */

/* The three layouts, unrolled: 2:4 (8 groups of two 2-bit positions per word), 1:4 (16 groups
 * of one 2-bit position) and 1:8 (10 groups of one 3-bit position). */
TP_SP_ROWS void tp_sp_rows_s8_nm(const tp_sparse_matrix *w, const int8_t *x,
                                 const int32_t *bias, const tp_sp_rq *q, int8_t *y) {
    const int32_t n = w->aux, m = w->aux2;
    const int32_t bits = m == 4 ? 2 : 3;
    const int32_t gpw = 32 / (n * bits);
    const int32_t groups = (w->cols + m - 1) / m;
    const uint32_t *meta = (const uint32_t *)w->index;
    const int8_t *v = (const int8_t *)w->values;
    int32_t r, g, i;
    for (r = 0; r < w->rows; ++r) {
        int32_t acc = bias[r];
        const int8_t *xg = x;
        for (g = 0; g < groups;) {
            uint32_t word = *meta++;
            const int32_t left = groups - g < gpw ? groups - g : gpw;
            const int8_t *vend = v + left * n;
            g += left;
            if (n == 2 && m == 4) {
                for (; v < vend; v += 2, xg += 4, word >>= 4) {
                    acc += (int32_t)v[0] * xg[word & 3u] + (int32_t)v[1] * xg[(word >> 2) & 3u];
                }
            } else if (n == 1 && m == 4) {
                for (; v < vend; ++v, xg += 4, word >>= 2) acc += (int32_t)*v * xg[word & 3u];
            } else if (n == 1 && m == 8) {
                for (; v < vend; ++v, xg += 8, word >>= 3) acc += (int32_t)*v * xg[word & 7u];
            } else {
                for (; v < vend; xg += m) {
                    for (i = 0; i < n; ++i, word >>= bits) {
                        acc += (int32_t)*v++ * xg[word & (uint32_t)(m - 1)];
                    }
                }
            }
        }
        y[r] = tp_sp_requant(q, acc, r);
    }
}

TP_SP_ROWS void tp_sp_rows_f32_nm(const tp_sparse_matrix *w, const float *x,
                                  const float *bias, float amin, float amax, float *y) {
    const int32_t n = w->aux, m = w->aux2;
    const int32_t bits = m == 4 ? 2 : 3;
    const int32_t gpw = 32 / (n * bits);
    const int32_t groups = (w->cols + m - 1) / m;
    const uint32_t pos_mask = (uint32_t)m - 1u;
    const uint32_t *meta = (const uint32_t *)w->index;
    const float *v = (const float *)w->values;
    int32_t r, g, i;
    for (r = 0; r < w->rows; ++r) {
        float total = 0.0f;
        for (g = 0; g < groups;) {
            uint32_t word = *meta++;
            int32_t left = groups - g < gpw ? groups - g : gpw;
            for (; left > 0; --left, ++g) {
                const float *xg = x + g * m;
                for (i = 0; i < n; ++i) {
                    total += *v++ * xg[word & pos_mask];
                    word >>= bits;
                }
            }
        }
        y[r] = tp_clamp_f32(total + TP_SP_BIAS_F32(bias, r), amin, amax);
    }
}

/* ================================================================ pattern (int8 convolution) */

TP_SP_ROWS void tp_sp_rows_s8_pattern(const tp_sparse_matrix *w, const int8_t *x,
                                      const int32_t *bias, const tp_sp_rq *q, int8_t *y) {
    const int32_t cin = w->cols / w->taps;
    const uint8_t *id = (const uint8_t *)w->index;
    const uint32_t *table = w->table;
    const int8_t *v = (const int8_t *)w->values;
    int32_t r, ci;
    for (r = 0; r < w->rows; ++r) {
        int32_t acc = bias[r];
        for (ci = 0; ci < cin; ++ci) {
            uint32_t m = table[*id++];
            const int8_t *xc = x + ci;
            while (m) {
                acc += (int32_t)*v++ * (int32_t)xc[tp_sp_ctz(m) * cin];
                m &= m - 1u;
            }
        }
        y[r] = tp_sp_requant(q, acc, r);
    }
}

/* ================================================================ dense dot products */

static inline int32_t tp_sp_dot_s8(const int8_t *a, const int8_t *b, int32_t n, int32_t acc) {
    const int8_t *end = a + n;
    while (a + 4 <= end) {
        acc += (int32_t)a[0] * b[0] + (int32_t)a[1] * b[1] + (int32_t)a[2] * b[2] + (int32_t)a[3] * b[3];
        a += 4;
        b += 4;
    }
    while (a < end) acc += (int32_t)*a++ * *b++;
    return acc;
}

/* ================================================================ filterlet */

TP_SP_ROWS void tp_sp_rows_s8_filterlet(const tp_sparse_matrix *w, const int8_t *x,
                                        const int32_t *bias, const tp_sp_rq *q, int8_t *y) {
    const int32_t cin = w->aux;
    const uint8_t *tap = (const uint8_t *)w->index + tp_sp_ptr(w, 0);
    const int8_t *v = (const int8_t *)w->values + (size_t)tp_sp_ptr(w, 0) * (size_t)cin;
    int32_t r, f, start = tp_sp_ptr(w, 0);
    for (r = 0; r < w->rows; ++r) {
        const int32_t end = tp_sp_ptr(w, r + 1);
        int32_t acc = bias[r];
        for (f = start; f < end; ++f, v += cin) acc = tp_sp_dot_s8(v, x + (size_t)*tap++ * (size_t)cin, cin, acc);
        start = end;
        y[r] = tp_sp_requant(q, acc, r);
    }
}

TP_SP_ROWS void tp_sp_rows_f32_filterlet(const tp_sparse_matrix *w, const float *x,
                                         const float *bias, float amin, float amax, float *y) {
    const int32_t cin = w->aux;
    const uint8_t *tap = (const uint8_t *)w->index;
    const float *v = (const float *)w->values;
    int32_t r, f, j, start = tp_sp_ptr(w, 0);
    for (r = 0; r < w->rows; ++r) {
        const int32_t end = tp_sp_ptr(w, r + 1);
        float total = 0.0f;
        for (f = start; f < end; ++f) {
            const float *xt = x + (size_t)tap[f] * (size_t)cin;
            const float *vf = v + (size_t)f * (size_t)cin;
            for (j = 0; j < cin; ++j) total += vf[j] * xt[j];
        }
        start = end;
        y[r] = tp_clamp_f32(total + TP_SP_BIAS_F32(bias, r), amin, amax);
    }
}

/* ================================================================ channel (smaller dense) */

/* x is the gathered input: taps * aux2 values. Rows not kept get their bias alone. */
TP_SP_ROWS void tp_sp_rows_s8_channel(const tp_sparse_matrix *w, const int8_t *x,
                                      const int32_t *bias, const tp_sp_rq *q, int8_t *y) {
    const uint16_t *rows = (const uint16_t *)w->ptr;
    const int32_t kept = w->aux;
    const int32_t n = w->taps * w->aux2;
    const int8_t *v = (const int8_t *)w->values;
    int32_t r, i = 0;
    for (r = 0; r < w->rows; ++r) {
        int32_t acc = bias[r];
        if (i < kept && rows[i] == r) {
            acc = tp_sp_dot_s8(v, x, n, acc);
            v += n;
            ++i;
        }
        y[r] = tp_sp_requant(q, acc, r);
    }
}

TP_SP_ROWS void tp_sp_rows_f32_channel(const tp_sparse_matrix *w, const float *x,
                                       const float *bias, float amin, float amax, float *y) {
    const uint16_t *rows = (const uint16_t *)w->ptr;
    const int32_t kept = w->aux;
    const int32_t n = w->taps * w->aux2;
    const float *v = (const float *)w->values;
    int32_t r, i = 0, j;
    for (r = 0; r < w->rows; ++r) {
        float total = 0.0f;
        if (i < kept && rows[i] == r) {
            for (j = 0; j < n; ++j) total += v[j] * x[j];
            v += n;
            ++i;
        }
        y[r] = tp_clamp_f32(total + TP_SP_BIAS_F32(bias, r), amin, amax);
    }
}

#endif /* TP_SP_ROWS_H */
