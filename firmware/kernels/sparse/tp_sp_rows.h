/*
 * Internal: the plain C row functions of every sparse format — y[r] = requant(bias[r] +
 * sum over the kept weights of row r of w * x[column]) for all rows, from one input vector.
 * FULLY_CONNECTED calls them once per batch row, CONV_2D once per output pixel (x = the
 * pixel's patch). int8: raw inputs, folded bias (tp_sparse.h); float: products added in
 * increasing column order, then the bias, as the dense reference. Zeros a format stores
 * (block and N:M padding, relative-index fillers) are multiplied like any weight: x * 0 =
 * +-0 leaves a float sum unchanged, and the sum is never -0 (it starts at +0).
 *
 * The dsp/ and mve/ variants of a kernel replace its row function with a SIMD one; these are
 * what every other core runs, and the reference the variants are tested against.
 */
#ifndef TP_SP_ROWS_H
#define TP_SP_ROWS_H

#include "tp_sp_common.h"

/* ================================================================ bitmask */

static inline void tp_sp_rows_s8_bitmask(const tp_sparse_matrix *w, const int8_t *x,
                                         const int32_t *bias, const tp_sp_rq *q, int8_t *y) {
    const int32_t mb = w->aux;
    const uint8_t *mask = (const uint8_t *)w->index;
    const int8_t *v = (const int8_t *)w->values;
    int32_t r, k;
    for (r = 0; r < w->rows; ++r) {
        int32_t acc = bias[r];
        for (k = 0; k < mb; ++k) {
            uint32_t m = mask[k];
            const int8_t *xk = x + 8 * k;
            while (m) {
                acc += (int32_t)*v++ * (int32_t)xk[tp_sp_ctz(m)];
                m &= m - 1u;
            }
        }
        mask += mb;
        y[r] = tp_sp_requant(q, acc, r);
    }
}

static inline void tp_sp_rows_f32_bitmask(const tp_sparse_matrix *w, const float *x,
                                          const float *bias, float amin, float amax, float *y) {
    const int32_t mb = w->aux;
    const uint8_t *mask = (const uint8_t *)w->index;
    const float *v = (const float *)w->values;
    int32_t r, k;
    for (r = 0; r < w->rows; ++r) {
        float total = 0.0f;
        for (k = 0; k < mb; ++k) {
            uint32_t m = mask[k];
            const float *xk = x + 8 * k;
            while (m) {
                total += *v++ * xk[tp_sp_ctz(m)];
                m &= m - 1u;
            }
        }
        mask += mb;
        y[r] = tp_clamp_f32(total + (bias ? bias[r] : 0.0f), amin, amax);
    }
}

/* ================================================================ CSR */

/* sum_k v[k] * x[col[k]] over [k0, k1), four at a time (the loads of one product do not wait
 * on the previous multiply). */
#define TP_SP_CSR_DOT_S8(ACC, V, COL, X, K0, K1)                                             \
    do {                                                                                     \
        int32_t k_ = (K0);                                                                   \
        const int32_t e_ = (K1);                                                             \
        for (; k_ + 4 <= e_; k_ += 4) {                                                      \
            ACC += (int32_t)(V)[k_] * (int32_t)(X)[(COL)[k_]];                               \
            ACC += (int32_t)(V)[k_ + 1] * (int32_t)(X)[(COL)[k_ + 1]];                       \
            ACC += (int32_t)(V)[k_ + 2] * (int32_t)(X)[(COL)[k_ + 2]];                       \
            ACC += (int32_t)(V)[k_ + 3] * (int32_t)(X)[(COL)[k_ + 3]];                       \
        }                                                                                    \
        for (; k_ < e_; ++k_) ACC += (int32_t)(V)[k_] * (int32_t)(X)[(COL)[k_]];             \
    } while (0)

static inline void tp_sp_rows_s8_csr16(const tp_sparse_matrix *w, const int8_t *x,
                                       const int32_t *bias, const tp_sp_rq *q, int8_t *y) {
    const uint16_t *col = (const uint16_t *)w->index;
    const int8_t *v = (const int8_t *)w->values;
    int32_t r, start = tp_sp_ptr(w, 0);
    for (r = 0; r < w->rows; ++r) {
        const int32_t end = tp_sp_ptr(w, r + 1);
        int32_t acc = bias[r];
        TP_SP_CSR_DOT_S8(acc, v, col, x, start, end);
        start = end;
        y[r] = tp_sp_requant(q, acc, r);
    }
}

static inline void tp_sp_rows_s8_csr8(const tp_sparse_matrix *w, const int8_t *x,
                                      const int32_t *bias, const tp_sp_rq *q, int8_t *y) {
    const uint8_t *col = (const uint8_t *)w->index;
    const int8_t *v = (const int8_t *)w->values;
    const int32_t segs = w->aux;
    int32_t r, s, p = 0, start = tp_sp_ptr(w, 0);
    for (r = 0; r < w->rows; ++r) {
        int32_t acc = bias[r];
        for (s = 0; s < segs; ++s) {
            const int32_t end = tp_sp_ptr(w, ++p);
            const int8_t *xs = x + 256 * s;
            TP_SP_CSR_DOT_S8(acc, v, col, xs, start, end);
            start = end;
        }
        y[r] = tp_sp_requant(q, acc, r);
    }
}

static inline void tp_sp_rows_f32_csr16(const tp_sparse_matrix *w, const float *x,
                                        const float *bias, float amin, float amax, float *y) {
    const uint16_t *col = (const uint16_t *)w->index;
    const float *v = (const float *)w->values;
    int32_t r, k, start = tp_sp_ptr(w, 0);
    for (r = 0; r < w->rows; ++r) {
        const int32_t end = tp_sp_ptr(w, r + 1);
        float total = 0.0f;
        for (k = start; k < end; ++k) total += v[k] * x[col[k]];
        start = end;
        y[r] = tp_clamp_f32(total + (bias ? bias[r] : 0.0f), amin, amax);
    }
}

static inline void tp_sp_rows_f32_csr8(const tp_sparse_matrix *w, const float *x,
                                       const float *bias, float amin, float amax, float *y) {
    const uint8_t *col = (const uint8_t *)w->index;
    const float *v = (const float *)w->values;
    const int32_t segs = w->aux;
    int32_t r, s, k, p = 0, start = tp_sp_ptr(w, 0);
    for (r = 0; r < w->rows; ++r) {
        float total = 0.0f;
        for (s = 0; s < segs; ++s) {
            const int32_t end = tp_sp_ptr(w, ++p);
            const float *xs = x + 256 * s;
            for (k = start; k < end; ++k) total += v[k] * xs[col[k]];
            start = end;
        }
        y[r] = tp_clamp_f32(total + (bias ? bias[r] : 0.0f), amin, amax);
    }
}

/* ================================================================ relative index (4-bit gaps) */

static inline void tp_sp_rows_s8_rel4(const tp_sparse_matrix *w, const int8_t *x,
                                      const int32_t *bias, const tp_sp_rq *q, int8_t *y) {
    const uint8_t *gaps = (const uint8_t *)w->index;
    const int8_t *v = (const int8_t *)w->values;
    int32_t r, k = tp_sp_ptr(w, 0);
    for (r = 0; r < w->rows; ++r) {
        const int32_t end = tp_sp_ptr(w, r + 1);
        int32_t acc = bias[r];
        int32_t pos = -1;
        /* An odd first entry sits in the high nibble of a shared byte. */
        if ((k & 1) && k < end) {
            pos += 1 + (gaps[k >> 1] >> 4);
            acc += (int32_t)v[k] * (int32_t)x[pos];
            ++k;
        }
        for (; k + 2 <= end; k += 2) {
            const uint32_t g = gaps[k >> 1];
            pos += 1 + (int32_t)(g & 15u);
            acc += (int32_t)v[k] * (int32_t)x[pos];
            pos += 1 + (int32_t)(g >> 4);
            acc += (int32_t)v[k + 1] * (int32_t)x[pos];
        }
        if (k < end) {
            pos += 1 + (gaps[k >> 1] & 15);
            acc += (int32_t)v[k] * (int32_t)x[pos];
            ++k;
        }
        y[r] = tp_sp_requant(q, acc, r);
    }
}

static inline void tp_sp_rows_f32_rel4(const tp_sparse_matrix *w, const float *x,
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
        y[r] = tp_clamp_f32(total + (bias ? bias[r] : 0.0f), amin, amax);
    }
}

/* ================================================================ blocks 1 x C */

static inline void tp_sp_rows_s8_block1xc(const tp_sparse_matrix *w, const int8_t *x,
                                          const int32_t *bias, const tp_sp_rq *q, int8_t *y) {
    const int32_t bc = w->aux2;
    const int8_t *v = (const int8_t *)w->values;
    int32_t r, k, j, start = tp_sp_ptr(w, 0);
    for (r = 0; r < w->rows; ++r) {
        const int32_t end = tp_sp_ptr(w, r + 1);
        int32_t acc = bias[r];
        for (k = start; k < end; ++k) {
            const int32_t c = tp_sp_index(w, k) * bc;
            const int32_t n = w->cols - c < bc ? w->cols - c : bc; /* the last block may be short */
            const int8_t *vb = v + (size_t)k * (size_t)bc;
            for (j = 0; j < n; ++j) acc += (int32_t)vb[j] * (int32_t)x[c + j];
        }
        start = end;
        y[r] = tp_sp_requant(q, acc, r);
    }
}

static inline void tp_sp_rows_f32_block1xc(const tp_sparse_matrix *w, const float *x,
                                           const float *bias, float amin, float amax, float *y) {
    const int32_t bc = w->aux2;
    const float *v = (const float *)w->values;
    int32_t r, k, j, start = tp_sp_ptr(w, 0);
    for (r = 0; r < w->rows; ++r) {
        const int32_t end = tp_sp_ptr(w, r + 1);
        float total = 0.0f;
        for (k = start; k < end; ++k) {
            const int32_t c = tp_sp_index(w, k) * bc;
            const int32_t n = w->cols - c < bc ? w->cols - c : bc;
            const float *vb = v + (size_t)k * (size_t)bc;
            for (j = 0; j < n; ++j) total += vb[j] * x[c + j];
        }
        start = end;
        y[r] = tp_clamp_f32(total + (bias ? bias[r] : 0.0f), amin, amax);
    }
}

/* ================================================================ blocks 4 x 1 */

static inline void tp_sp_rows_s8_block4x1(const tp_sparse_matrix *w, const int8_t *x,
                                          const int32_t *bias, const tp_sp_rq *q, int8_t *y) {
    const int8_t *v = (const int8_t *)w->values;
    const int32_t groups = (w->rows + 3) / 4;
    int32_t g, k, i, start = tp_sp_ptr(w, 0);
    for (g = 0; g < groups; ++g) {
        const int32_t end = tp_sp_ptr(w, g + 1);
        const int32_t r0 = 4 * g;
        const int32_t nr = w->rows - r0 < 4 ? w->rows - r0 : 4;
        int32_t a0 = bias[r0];
        int32_t a1 = nr > 1 ? bias[r0 + 1] : 0;
        int32_t a2 = nr > 2 ? bias[r0 + 2] : 0;
        int32_t a3 = nr > 3 ? bias[r0 + 3] : 0;
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
        {
            const int32_t acc[4] = {a0, a1, a2, a3};
            for (i = 0; i < nr; ++i) y[r0 + i] = tp_sp_requant(q, acc[i], r0 + i);
        }
    }
}

static inline void tp_sp_rows_f32_block4x1(const tp_sparse_matrix *w, const float *x,
                                           const float *bias, float amin, float amax, float *y) {
    const float *v = (const float *)w->values;
    const int32_t groups = (w->rows + 3) / 4;
    int32_t g, k, i, start = tp_sp_ptr(w, 0);
    for (g = 0; g < groups; ++g) {
        const int32_t end = tp_sp_ptr(w, g + 1);
        const int32_t r0 = 4 * g;
        const int32_t nr = w->rows - r0 < 4 ? w->rows - r0 : 4;
        float t[4] = {0.0f, 0.0f, 0.0f, 0.0f};
        for (k = start; k + 2 <= end; k += 2) {
            /* Column a before column b in every row: the reference's order. */
            static const int8_t slot_a[4] = {0, 1, 4, 5}, slot_b[4] = {2, 3, 6, 7};
            const float xa = x[tp_sp_index(w, k)];
            const float xb = x[tp_sp_index(w, k + 1)];
            for (i = 0; i < 4; ++i) {
                t[i] += v[slot_a[i]] * xa;
                t[i] += v[slot_b[i]] * xb;
            }
            v += 8;
        }
        if (k < end) {
            const float xa = x[tp_sp_index(w, k)];
            for (i = 0; i < 4; ++i) t[i] += v[i] * xa;
            v += 4;
        }
        start = end;
        for (i = 0; i < nr; ++i) y[r0 + i] = tp_clamp_f32(t[i] + (bias ? bias[r0 + i] : 0.0f), amin, amax);
    }
}

/* ================================================================ N:M */

static inline void tp_sp_rows_s8_nm(const tp_sparse_matrix *w, const int8_t *x,
                                    const int32_t *bias, const tp_sp_rq *q, int8_t *y) {
    const int32_t n = w->aux, m = w->aux2;
    const int32_t bits = m == 4 ? 2 : 3;
    const int32_t gpw = 32 / (n * bits);
    const int32_t groups = (w->cols + m - 1) / m;
    const uint32_t pos_mask = (uint32_t)m - 1u;
    const uint32_t *meta = (const uint32_t *)w->index;
    const int8_t *v = (const int8_t *)w->values;
    int32_t r, g, i;
    for (r = 0; r < w->rows; ++r) {
        int32_t acc = bias[r];
        for (g = 0; g < groups;) {
            uint32_t word = *meta++;
            int32_t left = groups - g < gpw ? groups - g : gpw;
            for (; left > 0; --left, ++g) {
                const int8_t *xg = x + g * m;
                for (i = 0; i < n; ++i) {
                    acc += (int32_t)*v++ * (int32_t)xg[word & pos_mask];
                    word >>= bits;
                }
            }
        }
        y[r] = tp_sp_requant(q, acc, r);
    }
}

static inline void tp_sp_rows_f32_nm(const tp_sparse_matrix *w, const float *x,
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
        y[r] = tp_clamp_f32(total + (bias ? bias[r] : 0.0f), amin, amax);
    }
}

/* ================================================================ pattern (int8 convolution) */

static inline void tp_sp_rows_s8_pattern(const tp_sparse_matrix *w, const int8_t *x,
                                         const int32_t *bias, const tp_sp_rq *q, int8_t *y) {
    const int32_t cin = w->cols / w->taps;
    const uint8_t *id = (const uint8_t *)w->index;
    const int8_t *v = (const int8_t *)w->values;
    int32_t r, ci;
    for (r = 0; r < w->rows; ++r) {
        int32_t acc = bias[r];
        for (ci = 0; ci < cin; ++ci) {
            uint32_t m = w->table[*id++];
            while (m) {
                acc += (int32_t)*v++ * (int32_t)x[tp_sp_ctz(m) * cin + ci];
                m &= m - 1u;
            }
        }
        y[r] = tp_sp_requant(q, acc, r);
    }
}

/* ================================================================ filterlet */

static inline void tp_sp_rows_s8_filterlet(const tp_sparse_matrix *w, const int8_t *x,
                                           const int32_t *bias, const tp_sp_rq *q, int8_t *y) {
    const int32_t cin = w->aux;
    const uint8_t *tap = (const uint8_t *)w->index;
    const int8_t *v = (const int8_t *)w->values;
    int32_t r, f, j, start = tp_sp_ptr(w, 0);
    for (r = 0; r < w->rows; ++r) {
        const int32_t end = tp_sp_ptr(w, r + 1);
        int32_t acc = bias[r];
        for (f = start; f < end; ++f) {
            const int8_t *xt = x + (size_t)tap[f] * (size_t)cin;
            const int8_t *vf = v + (size_t)f * (size_t)cin;
            for (j = 0; j < cin; ++j) acc += (int32_t)vf[j] * (int32_t)xt[j];
        }
        start = end;
        y[r] = tp_sp_requant(q, acc, r);
    }
}

static inline void tp_sp_rows_f32_filterlet(const tp_sparse_matrix *w, const float *x,
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
        y[r] = tp_clamp_f32(total + (bias ? bias[r] : 0.0f), amin, amax);
    }
}

/* ================================================================ channel (smaller dense) */

/* x is the gathered input: taps * aux2 values. Rows not kept get their bias alone. */
static inline void tp_sp_rows_s8_channel(const tp_sparse_matrix *w, const int8_t *x,
                                         const int32_t *bias, const tp_sp_rq *q, int8_t *y) {
    const uint16_t *rows = (const uint16_t *)w->ptr;
    const int32_t kept = w->aux;
    const int32_t n = w->taps * w->aux2;
    const int8_t *v = (const int8_t *)w->values;
    int32_t r, i = 0, j;
    for (r = 0; r < w->rows; ++r) {
        int32_t acc = bias[r];
        if (i < kept && rows[i] == r) {
            const int8_t *vr = v + (size_t)i * (size_t)n;
            for (j = 0; j < n; ++j) acc += (int32_t)vr[j] * (int32_t)x[j];
            ++i;
        }
        y[r] = tp_sp_requant(q, acc, r);
    }
}

static inline void tp_sp_rows_f32_channel(const tp_sparse_matrix *w, const float *x,
                                          const float *bias, float amin, float amax, float *y) {
    const uint16_t *rows = (const uint16_t *)w->ptr;
    const int32_t kept = w->aux;
    const int32_t n = w->taps * w->aux2;
    const float *v = (const float *)w->values;
    int32_t r, i = 0, j;
    for (r = 0; r < w->rows; ++r) {
        float total = 0.0f;
        if (i < kept && rows[i] == r) {
            const float *vr = v + (size_t)i * (size_t)n;
            for (j = 0; j < n; ++j) total += vr[j] * x[j];
            ++i;
        }
        y[r] = tp_clamp_f32(total + (bias ? bias[r] : 0.0f), amin, amax);
    }
}

#endif /* TP_SP_ROWS_H */
