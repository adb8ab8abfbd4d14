/*
 * Sparse row function, int8, relative indices (4-bit gaps between kept columns) — plain C.
 * Declared in tp_sp_rows.h; the kernels of this format call it once per input vector.
 */
#include "tp_sp_rows.h"

void tp_sp_rows_s8_rel4(const tp_sparse_matrix *w, const int8_t *x,
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
