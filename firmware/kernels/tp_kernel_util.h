/*
 * Internal helpers shared by the kernel files (not part of the public API): argument checks,
 * float clamping with TFLM's exact semantics, and N-D shape walking for broadcasting.
 * All static inline; include only from the files under firmware/kernels/.
 */
#ifndef TP_KERNEL_UTIL_H
#define TP_KERNEL_UTIL_H

#include <stdint.h>

#include "tp_types.h"

/* A generated library says in tp_config.h whether its kernel calls were checked on the host. */
#if defined(__has_include)
#if __has_include("tp_config.h")
#include "tp_config.h"
#endif
#endif
#ifndef TP_KERNEL_CHECKS
#define TP_KERNEL_CHECKS 1
#endif
/* 1 when every int8 CONV_2D call is pointwise (src/codegen/kernel-config.ts): a conv kernel
 * may then compile only its pointwise path. */
#ifndef TP_CONV_2D_S8_ALL_POINTWISE
#define TP_CONV_2D_S8_ALL_POINTWISE 0
#endif
/* 0 when no int8 DEPTHWISE_CONV_2D call has a depth multiplier >= 4: a depthwise kernel may
 * then leave out its paths for those. */
#ifndef TP_DEPTHWISE_CONV_2D_S8_MULTIPLIER_GE4
#define TP_DEPTHWISE_CONV_2D_S8_MULTIPLIER_GE4 1
#endif
/* 1 when every int8 DEPTHWISE_CONV_2D call is 3x3, depth multiplier 1, dilation 1, with at
 * least 4 channels: a depthwise kernel may then compile only that path. */
#ifndef TP_DEPTHWISE_CONV_2D_S8_ALL_3X3
#define TP_DEPTHWISE_CONV_2D_S8_ALL_3X3 0
#endif
/* 0 when no int8 DEPTHWISE_CONV_2D call has more than 128 channels (the dsp kernel's 3x3
 * border patch, TP_DW3_PATCH_C): its border path for wider layers may drop out. */
#ifndef TP_DEPTHWISE_CONV_2D_S8_WIDE
#define TP_DEPTHWISE_CONV_2D_S8_WIDE 1
#endif
/* 0 when every int8 DEPTHWISE_CONV_2D call's channel count is a multiple of 4: no channels
 * after the last 4-channel block. */
#ifndef TP_DEPTHWISE_CONV_2D_S8_CHANNEL_TAIL
#define TP_DEPTHWISE_CONV_2D_S8_CHANNEL_TAIL 1
#endif
/* 0 when no int8 CONV_2D call has more than 256 input channels (the dsp pointwise kernel's
 * expanded pixel pair, TP_PW_XMAX): its path for deeper inputs may drop out. */
#ifndef TP_CONV_2D_S8_DEEP
#define TP_CONV_2D_S8_DEEP 1
#endif
/* 0 when every int8 CONV_2D call has a multiple of 4 input channels and an even number of
 * output channels: no channel tails. */
#ifndef TP_CONV_2D_S8_CHANNEL_TAIL
#define TP_CONV_2D_S8_CHANNEL_TAIL 1
#endif
/* 0 when no int8 CONV_2D call has a filter packed in channel pairs (tp_conv_s8_params.pw_pairs):
 * the dsp pointwise kernel's packed path may drop out. */
#ifndef TP_CONV_2D_S8_PW_PAIRS
#define TP_CONV_2D_S8_PW_PAIRS 1
#endif
/* 0 when every pointwise int8 CONV_2D call has a packed filter: the dsp pointwise kernel's
 * row-major paths may drop out. */
#ifndef TP_CONV_2D_S8_PW_ROW_MAJOR
#define TP_CONV_2D_S8_PW_ROW_MAJOR 1
#endif
/* 0 when no packed int8 CONV_2D call has a last pair of channels after its quads
 * (output.c % 4 >= 2): the dsp pointwise kernel's one-pair loop may drop out. */
/* 0 when no dsp int8 CONV_2D / DEPTHWISE_CONV_2D call requantises in the TP_RQ_FULL
 * (TP_RQ_RIGHT) form of tp_requant_dsp.h (src/codegen/kernel-config.ts mirrors tp_rq_mode): its
 * loops may drop out; such a call would take TP_RQ_ANY, exact for every call. */
#ifndef TP_RQ_FULL_USED
#define TP_RQ_FULL_USED 1
#endif
#ifndef TP_RQ_RIGHT_USED
#define TP_RQ_RIGHT_USED 1
#endif
#ifndef TP_CONV_2D_S8_PW_LAST_PAIR
#define TP_CONV_2D_S8_PW_LAST_PAIR 1
#endif

#if TP_KERNEL_CHECKS
/* Return early with a status when a condition fails. */
#define TP_CHECK(cond, status) \
    do {                       \
        if (!(cond)) return (status); \
    } while (0)
#else
/* Checked when the code was generated (tp_config.h); sizeof keeps the operands "used"
 * without evaluating them. */
#define TP_CHECK(cond, status) \
    do {                       \
        (void)sizeof(cond);    \
        (void)(status);        \
    } while (0)
#endif

/* Keeps a helper out of line where inlining it at each call site only costs flash. */
#if defined(__GNUC__) || defined(__clang__)
#define TP_NOINLINE __attribute__((noinline))
#else
#define TP_NOINLINE
#endif

/* On a kernel entry point: -flto neither inlines it into its caller nor clones it with the
 * caller's constant parameters, so one compiled body serves every call and its instruction
 * count follows the cost model's per-shape counts (src/sparse/cost.ts). Specialised per layer
 * shape, the float depthwise loops were up to 33% off the model. GCC only (clang has no noipa
 * and does not clone with constants this way). */
#if defined(__GNUC__) && !defined(__clang__)
#define TP_NO_IPA __attribute__((noipa))
#else
#define TP_NO_IPA
#endif

/* On a function whose loops fill a few words once per layer (a zero bias chunk): GCC would turn
 * them into calls to newlib's memset, 162 bytes of flash (issue #14). Not on the 3x3 border
 * patch's copy: without memcpy kws took 0.4% more instructions for 312 bytes. */
#if defined(__GNUC__) && !defined(__clang__)
#define TP_NO_LIBCALL_LOOPS __attribute__((optimize("no-tree-loop-distribute-patterns")))
#else
#define TP_NO_LIBCALL_LOOPS
#endif

static inline int tp_dims4_ok(const tp_dims4 *d) {
    return d->n >= 1 && d->h >= 1 && d->w >= 1 && d->c >= 1;
}

/* Requantisation parameter ranges (see tp_kernels.h): shift in [-31, 30]. */
static inline int tp_shift_ok(int32_t shift) { return shift >= -31 && shift <= 30; }

static inline int tp_s8_range_ok(int32_t lo, int32_t hi) {
    return lo >= -128 && hi <= 127 && lo <= hi;
}

/* Checks per-channel multiplier/shift arrays. Multipliers must be >= 0 (Q0.31). */
static inline int tp_requant_arrays_ok(const int32_t *mult, const int32_t *shift, int32_t n) {
    int32_t i;
    for (i = 0; i < n; ++i) {
        if (mult[i] < 0 || !tp_shift_ok(shift[i])) return 0;
    }
    return 1;
}

/* ActivationFunctionWithMinMax for float: std::min(std::max(x, lo), hi), where
 * std::max(a, b) = (a < b) ? b : a and std::min(a, b) = (b < a) ? b : a. Written out so NaN
 * and signed zeros behave exactly as in TFLM (NaN passes through, max(-0, +0) = -0). */
static inline float tp_clamp_f32(float x, float lo, float hi) {
    const float y = (x < lo) ? lo : x;
    return (hi < y) ? hi : y;
}

/* Number of elements of a shape (1 for rank 0); -1 if a dim < 1 or the rank is invalid. */
static inline int32_t tp_shape_size(const tp_shape *s) {
    int32_t n = 1;
    int32_t i;
    if (s->rank < 0 || s->rank > TP_MAX_DIMS) return -1;
    for (i = 0; i < s->rank; ++i) {
        if (s->dims[i] < 1) return -1;
        if (n > INT32_MAX / s->dims[i]) return -1;
        n *= s->dims[i];
    }
    return n;
}

/* Broadcast plan for two inputs against one output, all padded on the left to TP_MAX_DIMS:
 * out[d] extents and, per input, the element stride for each output dimension (0 where the
 * input is broadcast). Mirrors TFLM's NdArrayDescsForElementwiseBroadcast. */
typedef struct {
    int32_t out[TP_MAX_DIMS];
    int32_t stride1[TP_MAX_DIMS];
    int32_t stride2[TP_MAX_DIMS];
} tp_broadcast_plan;

/* Extends s to TP_MAX_DIMS dims with leading 1s. */
static inline void tp_extend_shape(const tp_shape *s, int32_t ext[TP_MAX_DIMS]) {
    const int32_t lead = TP_MAX_DIMS - s->rank;
    int32_t i;
    for (i = 0; i < TP_MAX_DIMS; ++i) ext[i] = i < lead ? 1 : s->dims[i - lead];
}

/* Validates shapes for a broadcasting binary op and fills the plan. Returns TP_OK or
 * TP_ERR_SHAPE. */
static inline tp_status tp_broadcast_prepare(const tp_shape *in1, const tp_shape *in2,
                                             const tp_shape *out, tp_broadcast_plan *plan) {
    int32_t e1[TP_MAX_DIMS], e2[TP_MAX_DIMS];
    int32_t s1 = 1, s2 = 1;
    int32_t d;
    if (tp_shape_size(in1) < 0 || tp_shape_size(in2) < 0 || tp_shape_size(out) < 0) {
        return TP_ERR_SHAPE;
    }
    if (out->rank < in1->rank || out->rank < in2->rank) return TP_ERR_SHAPE;
    tp_extend_shape(in1, e1);
    tp_extend_shape(in2, e2);
    tp_extend_shape(out, plan->out);
    for (d = TP_MAX_DIMS - 1; d >= 0; --d) {
        const int32_t o = plan->out[d];
        if (!(e1[d] == o || e1[d] == 1) || !(e2[d] == o || e2[d] == 1)) return TP_ERR_SHAPE;
        if (o != (e1[d] > e2[d] ? e1[d] : e2[d])) return TP_ERR_SHAPE;
        plan->stride1[d] = e1[d] == 1 ? 0 : s1;
        plan->stride2[d] = e2[d] == 1 ? 0 : s2;
        s1 *= e1[d];
        s2 *= e2[d];
    }
    return TP_OK;
}

/* True when both inputs have exactly the output's element count and layout (no broadcast),
 * i.e. the op is a flat element-wise loop. */
static inline int tp_broadcast_is_flat(const tp_broadcast_plan *plan) {
    int32_t d, s = 1;
    for (d = TP_MAX_DIMS - 1; d >= 0; --d) {
        if (plan->out[d] != 1 && (plan->stride1[d] != s || plan->stride2[d] != s)) return 0;
        s *= plan->out[d];
    }
    return 1;
}

/* Shape checks shared by the pooling kernels (int8 and float params have the same layout up to
 * the activation bounds, so they are passed field by field). */
static inline int tp_pool_shape_ok(const tp_dims4 *in, const tp_dims4 *out, int32_t fh,
                                   int32_t fw, int32_t sh, int32_t sw, int32_t ph, int32_t pw) {
    return tp_dims4_ok(in) && tp_dims4_ok(out) && in->n == out->n && in->c == out->c &&
           fh >= 1 && fw >= 1 && sh >= 1 && sw >= 1 && ph >= 0 && pw >= 0;
}

/* Walks the output of a broadcasting binary op in row-major order and calls ELEM(i, i1, i2)
 * with the output index and the two input indices. The innermost dimension is a plain loop
 * with constant input strides; the outer five dimensions advance like an odometer. */
#define TP_BROADCAST_FOR_EACH(plan, ELEM)                                                   \
    do {                                                                                    \
        int32_t idx_[TP_MAX_DIMS] = {0};                                                    \
        int32_t base1_ = 0, base2_ = 0, o_ = 0;                                             \
        const int32_t inner_ = (plan).out[TP_MAX_DIMS - 1];                                 \
        const int32_t st1_ = (plan).stride1[TP_MAX_DIMS - 1];                               \
        const int32_t st2_ = (plan).stride2[TP_MAX_DIMS - 1];                               \
        for (;;) {                                                                          \
            int32_t k_, d_;                                                                 \
            for (k_ = 0; k_ < inner_; ++k_) {                                               \
                const int32_t i1_ = base1_ + k_ * st1_;                                     \
                const int32_t i2_ = base2_ + k_ * st2_;                                     \
                ELEM(o_, i1_, i2_);                                                         \
                ++o_;                                                                       \
            }                                                                               \
            for (d_ = TP_MAX_DIMS - 2; d_ >= 0; --d_) {                                     \
                ++idx_[d_];                                                                 \
                base1_ += (plan).stride1[d_];                                               \
                base2_ += (plan).stride2[d_];                                               \
                if (idx_[d_] < (plan).out[d_]) break;                                       \
                base1_ -= (plan).stride1[d_] * (plan).out[d_];                              \
                base2_ -= (plan).stride2[d_] * (plan).out[d_];                              \
                idx_[d_] = 0;                                                               \
            }                                                                               \
            if (d_ < 0) break;                                                              \
        }                                                                                   \
    } while (0)

/* Advances a row-major multi-index idx[0..n-1] over extents ext[] (last index fastest) and
 * keeps *offset = sum(idx[d] * stride[d]) up to date. Returns 0 after the last index (idx is
 * then all zeros again), 1 otherwise. With n == 0 there is exactly one index. */
static inline int tp_odometer_next(int32_t n, const int32_t *ext, const int32_t *stride,
                                   int32_t *idx, int32_t *offset) {
    int32_t d;
    for (d = n - 1; d >= 0; --d) {
        *offset += stride[d];
        if (++idx[d] < ext[d]) return 1;
        *offset -= stride[d] * ext[d];
        idx[d] = 0;
    }
    return 0;
}

/* MEAN: the input dims split into kept ones (the output, in order) and reduced ones, each with
 * its input element stride. */
typedef struct {
    int32_t n_kept, n_red;
    int32_t kept_ext[TP_MAX_DIMS], kept_stride[TP_MAX_DIMS];
    int32_t red_ext[TP_MAX_DIMS], red_stride[TP_MAX_DIMS];
    int32_t count; /* elements averaged per output */
} tp_mean_plan;

static inline tp_status tp_mean_prepare(const tp_shape *in, uint32_t axis_mask,
                                        tp_mean_plan *plan) {
    int32_t d, stride = 1;
    if (in->rank < 1 || tp_shape_size(in) < 1) return TP_ERR_SHAPE;
    if ((axis_mask >> in->rank) != 0) return TP_ERR_PARAM;
    plan->n_kept = 0;
    plan->n_red = 0;
    plan->count = 1;
    for (d = 0; d < in->rank; ++d) {
        if (axis_mask & (1u << d)) {
            plan->count *= in->dims[d];
            ++plan->n_red;
        } else {
            ++plan->n_kept;
        }
    }
    {
        int32_t k = plan->n_kept, r = plan->n_red;
        for (d = in->rank - 1; d >= 0; --d) {
            if (axis_mask & (1u << d)) {
                --r;
                plan->red_ext[r] = in->dims[d];
                plan->red_stride[r] = stride;
            } else {
                --k;
                plan->kept_ext[k] = in->dims[d];
                plan->kept_stride[k] = stride;
            }
            stride *= in->dims[d];
        }
    }
    return TP_OK;
}

/* The filter taps k in [0, k_size) whose input coordinate origin + dilation * k falls inside
 * [0, in_size): a contiguous range [*start, *end) (empty when *start >= *end). Computing it
 * once per output pixel replaces the reference's per-tap "is the point inside" test; the
 * taps visited, and their order, are the same. */
static inline void tp_tap_range(int32_t origin, int32_t dilation, int32_t k_size, int32_t in_size,
                                int32_t *start, int32_t *end) {
    int32_t s = 0, e = k_size;
    while (s < e && origin + dilation * s < 0) ++s;
    while (e > s && origin + dilation * (e - 1) >= in_size) --e;
    *start = s;
    *end = e;
}

/* n int8 values from src to dst, four bytes at a time, then the bytes left: inline (a memcpy
 * call costs more than a row of a patch) and linear in n. The 4-byte memcpy is one LDR/STR on
 * cores with unaligned access, byte moves elsewhere. */
static inline void tp_copy_s8(int8_t *dst, const int8_t *src, int32_t n) {
    for (; n >= 4; n -= 4, src += 4, dst += 4) {
        uint32_t w;
        __builtin_memcpy(&w, src, 4);
        __builtin_memcpy(dst, &w, 4);
    }
    for (; n > 0; --n) *dst++ = *src++;
}

#endif /* TP_KERNEL_UTIL_H */
