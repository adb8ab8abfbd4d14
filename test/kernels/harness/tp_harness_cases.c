/*
 * The harness's cases: for every kernel, seeded random shapes and parameters chosen to reach
 * the corners — odd sizes (not multiples of the SIMD widths), per-channel requantisation with
 * extreme multipliers and shifts, every stride/dilation/padding combination that gives a valid
 * output, depth multipliers > 1, grouped convolutions, broadcast shapes of every rank, all
 * three int8 MEAN paths. Quantisation parameters are derived the way TFLM's Prepare does
 * (QuantizeMultiplier on double ratios) most of the time and drawn raw the rest of the time.
 *
 * No libm here: the firmware build needs none beyond what the kernels use.
 */
#include <float.h>
#include <string.h>

#include "tp_harness.h"

#ifdef TP_HARNESS_DEVICE
#include "tp_platform.h"
#endif

/* ------------------------------------------------------------------ random helpers */

static void fill_s8(h_rng *r, int8_t *p, int32_t n) {
    int32_t i;
    for (i = 0; i < n; ++i) p[i] = (int8_t)h_range(r, -128, 127);
}

/* Floats k * 2^-23 * mag with |k| < 2^23: exact, varied mantissas, some exact zeros. */
static void fill_f32(h_rng *r, float *p, int32_t n, float mag) {
    int32_t i;
    for (i = 0; i < n; ++i) {
        const int32_t k = (int32_t)(h_next(r) >> 8) - (1 << 23);
        p[i] = h_chance(r, 3) ? 0.0f : (float)k * (mag / 8388608.0f);
    }
}

static void fill_bias(h_rng *r, int32_t *p, int32_t n, int32_t mag) {
    int32_t i;
    for (i = 0; i < n; ++i) p[i] = h_range(r, -mag, mag);
}

/* tflite::QuantizeMultiplier without libm: frexp by exact halving/doubling, round half away
 * from zero (q is positive and below 2^31, so + 0.5 then truncation is exact). */
static void quantize_multiplier(double m, int32_t *qm, int32_t *shift) {
    int32_t e = 0;
    int64_t q;
    if (!(m > 0.0)) {
        *qm = 0;
        *shift = 0;
        return;
    }
    while (m >= 1.0) {
        m *= 0.5;
        ++e;
    }
    while (m < 0.5) {
        m *= 2.0;
        --e;
    }
    q = (int64_t)(m * 2147483648.0 + 0.5);
    if (q == (int64_t)1 << 31) {
        q /= 2;
        ++e;
    }
    if (e < -31) {
        e = 0;
        q = 0;
    }
    *qm = (int32_t)q;
    *shift = e;
}

/* A random scale in [lo, hi) (float, like TFLite tensors' scales). */
static float rand_scale(h_rng *r, float lo, float hi) {
    return lo + (hi - lo) * (float)(h_next(r) >> 8) * (1.0f / 16777216.0f);
}

/* Per-channel requantisation for an accumulator of typical magnitude ~2^acc_bits: mostly
 * realistic multipliers in [2^30, 2^31) with shifts that map the accumulator near the int8
 * range, sometimes the extremes (2^30, 2^31 - 1, 0, shifts -31 and > 0). */
static void gen_requant(h_rng *r, int32_t *mult, int32_t *shift, int32_t n, int32_t acc_bits) {
    int32_t i;
    for (i = 0; i < n; ++i) {
        const int pick = (int)(h_next(r) % 100u);
        if (pick < 80) {
            mult[i] = h_range(r, 1 << 30, INT32_MAX);
            shift[i] = h_range(r, -(acc_bits - 5), -(acc_bits - 9));
        } else if (pick < 85) {
            mult[i] = 1 << 30;
            shift[i] = h_range(r, -31, 1);
        } else if (pick < 90) {
            mult[i] = INT32_MAX;
            shift[i] = h_range(r, -31, 1);
        } else if (pick < 93) {
            mult[i] = 0;
            shift[i] = 0;
        } else if (pick < 96) {
            mult[i] = h_range(r, 1 << 30, INT32_MAX);
            shift[i] = -31;
        } else {
            mult[i] = h_range(r, 1 << 30, INT32_MAX);
            shift[i] = h_range(r, 0, 3);
        }
        if (shift[i] > 0 && acc_bits > 27) shift[i] = 0; /* keep x << shift inside int32 */
        if (shift[i] < -31) shift[i] = -31;
        if (shift[i] > 30) shift[i] = 30;
    }
}

/* Activation bounds of int8 NONE / RELU / RELU6 / RELU_N1_TO_1 / an arbitrary narrow range. */
static void gen_act_s8(h_rng *r, int32_t zp, int32_t *lo, int32_t *hi) {
    switch (h_next(r) % 5u) {
    case 0:
        *lo = -128;
        *hi = 127;
        break;
    case 1:
        *lo = zp;
        *hi = 127;
        break;
    case 2:
        *lo = zp;
        *hi = zp + h_range(r, 0, 127 - zp);
        break;
    case 3:
        *lo = zp - h_range(r, 0, zp + 128);
        *hi = zp + h_range(r, 0, 127 - zp);
        break;
    default:
        *lo = h_range(r, -128, 127);
        *hi = h_range(r, *lo, 127);
        break;
    }
}

static void gen_act_f32(h_rng *r, float *lo, float *hi) {
    switch (h_next(r) % 4u) {
    case 0:
        *lo = -FLT_MAX;
        *hi = FLT_MAX;
        break;
    case 1:
        *lo = 0.0f;
        *hi = FLT_MAX;
        break;
    case 2:
        *lo = 0.0f;
        *hi = 6.0f;
        break;
    default:
        *lo = -1.0f;
        *hi = 1.0f;
        break;
    }
}

static int32_t rand_zp(h_rng *r) {
    switch (h_next(r) % 6u) {
    case 0:
        return -128;
    case 1:
        return 127;
    case 2:
        return 0;
    default:
        return h_range(r, -128, 127);
    }
}

/* Picks padding (before, after) and the output extent for a window of effective size k_eff
 * (dilation included) over `in` with `stride`: VALID, SAME-like or arbitrary, always with at
 * least one output and padding smaller than the window. */
static void gen_window(h_rng *r, int32_t in, int32_t k_eff, int32_t stride, int32_t *pad,
                       int32_t *out) {
    int32_t before, after;
    for (;;) {
        const int kind = (int)(h_next(r) % 3u);
        if (kind == 0) {
            before = 0;
            after = 0;
        } else if (kind == 1) {
            /* TFLite SAME: out = ceil(in / stride), total padding split with the extra at the
             * end. */
            const int32_t o = (in + stride - 1) / stride;
            int32_t total = (o - 1) * stride + k_eff - in;
            if (total < 0) total = 0;
            before = total / 2;
            after = total - before;
        } else {
            before = h_range(r, 0, k_eff - 1);
            after = h_range(r, 0, k_eff - 1);
        }
        if (in + before + after >= k_eff && before < k_eff && after < k_eff) break;
    }
    *pad = before;
    *out = (in + before + after - k_eff) / stride + 1;
}

/* ------------------------------------------------------------------ FULLY_CONNECTED */

static void case_fc_s8(h_rng *r, int32_t index, int32_t batches, int32_t depth, int32_t outs) {
    tp_fc_s8_params p;
    int8_t *in, *w, *out, *out_ref;
    int32_t *bias, *mult, *shift;
    int32_t nq;
    tp_status st, st_ref;
    void *scratch;
    memset(&p, 0, sizeof p);
    p.batches = batches;
    p.input_depth = depth;
    p.output_depth = outs;
    p.per_channel = h_chance(r, 75);
    p.input_offset = -rand_zp(r);
    p.filter_offset = (!p.per_channel && h_chance(r, 40)) ? h_range(r, -127, 128) : 0;
    p.output_offset = rand_zp(r);
    gen_act_s8(r, p.output_offset, &p.activation_min, &p.activation_max);
    nq = p.per_channel ? outs : 1;
    mult = (int32_t *)h_alloc((size_t)nq * 4);
    shift = (int32_t *)h_alloc((size_t)nq * 4);
    {
        int32_t bits = 15;
        int32_t d = depth;
        while (d > 1) {
            ++bits;
            d >>= 2;
        }
        gen_requant(r, mult, shift, nq, bits);
    }
    p.output_multiplier = mult;
    p.output_shift = shift;
    in = (int8_t *)h_alloc((size_t)batches * (size_t)depth);
    w = (int8_t *)h_alloc((size_t)outs * (size_t)depth);
    fill_s8(r, in, batches * depth);
    fill_s8(r, w, outs * depth);
    if (h_chance(r, 85)) {
        bias = (int32_t *)h_alloc((size_t)outs * 4);
        fill_bias(r, bias, outs, 1 << h_range(r, 4, 20));
    } else {
        bias = NULL;
    }
    out = (int8_t *)h_alloc((size_t)batches * (size_t)outs);
    out_ref = (int8_t *)h_alloc((size_t)batches * (size_t)outs);
    {
        const int32_t bytes = tp_fully_connected_s8_get_scratch_size(&p);
        scratch = bytes > 0 ? h_alloc((size_t)bytes) : NULL;
    }
    st = tp_fully_connected_s8(&p, in, w, bias, out, scratch);
    st_ref = tp_fully_connected_s8_ref(&p, in, w, bias, out_ref, NULL);
    h_variant_check("fully_connected_s8", index, st, out, st_ref, out_ref,
                    (size_t)batches * (size_t)outs);
    h_rec_begin("fully_connected_s8", index);
    h_p_int("batches", p.batches);
    h_p_int("input_depth", p.input_depth);
    h_p_int("output_depth", p.output_depth);
    h_p_int("input_offset", p.input_offset);
    h_p_int("filter_offset", p.filter_offset);
    h_p_int("output_offset", p.output_offset);
    h_p_int("per_channel", p.per_channel);
    h_p_i32s("output_multiplier", mult, nq);
    h_p_i32s("output_shift", shift, nq);
    h_p_int("activation_min", p.activation_min);
    h_p_int("activation_max", p.activation_max);
    h_in("input", in, (size_t)batches * (size_t)depth);
    h_in("filter", w, (size_t)outs * (size_t)depth);
    h_in("bias", bias, bias ? (size_t)outs * 4 : 0);
    h_rec_end(st_ref, out_ref, (size_t)batches * (size_t)outs);
}

static void cases_fc_s8(h_rng *r) {
    int32_t i;
    for (i = 0; i < 40; ++i) {
        /* One draw per statement: the order in which C evaluates a call's arguments is
         * unspecified (GCC differs between x86 and Arm), and the host and the firmware must
         * generate the same cases. */
        const int32_t depth = h_chance(r, 20) ? h_range(r, 1, 8) : h_range(r, 1, 90);
        const int32_t batches = h_range(r, 1, 3);
        const int32_t outs = h_range(r, 1, 23);
        case_fc_s8(r, i, batches, depth, outs);
        h_pool_reset();
    }
    /* Shapes of real layers: every SIMD remainder path, long rows. */
    case_fc_s8(r, 40, 1, 784, 37);
    h_pool_reset();
    case_fc_s8(r, 41, 2, 250, 13);
    h_pool_reset();
    case_fc_s8(r, 42, 1, 1, 1);
    h_pool_reset();
    case_fc_s8(r, 43, 1, 16, 4);
    h_pool_reset();
}

static void cases_fc_f32(h_rng *r) {
    int32_t i;
    for (i = 0; i < 25; ++i) {
        tp_fc_f32_params p;
        float *in, *w, *bias, *out;
        tp_status st;
        p.batches = h_range(r, 1, 3);
        p.input_depth = h_range(r, 1, 40);
        p.output_depth = h_range(r, 1, 12);
        gen_act_f32(r, &p.activation_min, &p.activation_max);
        in = (float *)h_alloc((size_t)(p.batches * p.input_depth) * 4);
        w = (float *)h_alloc((size_t)(p.output_depth * p.input_depth) * 4);
        bias = h_chance(r, 80) ? (float *)h_alloc((size_t)p.output_depth * 4) : NULL;
        out = (float *)h_alloc((size_t)(p.batches * p.output_depth) * 4);
        fill_f32(r, in, p.batches * p.input_depth, 4.0f);
        fill_f32(r, w, p.output_depth * p.input_depth, 1.0f);
        if (bias) fill_f32(r, bias, p.output_depth, 2.0f);
        st = tp_fully_connected_f32(&p, in, w, bias, out);
        h_rec_begin("fully_connected_f32", i);
        h_p_int("batches", p.batches);
        h_p_int("input_depth", p.input_depth);
        h_p_int("output_depth", p.output_depth);
        h_p_f32("activation_min", p.activation_min);
        h_p_f32("activation_max", p.activation_max);
        h_in("input", in, (size_t)(p.batches * p.input_depth) * 4);
        h_in("filter", w, (size_t)(p.output_depth * p.input_depth) * 4);
        h_in("bias", bias, bias ? (size_t)p.output_depth * 4 : 0);
        h_rec_end(st, out, (size_t)(p.batches * p.output_depth) * 4);
        h_pool_reset();
    }
}

/* ------------------------------------------------------------------ CONV_2D */

/* Geometry shared by the conv and depthwise generators. */
typedef struct {
    tp_dims4 input, output;
    int32_t kh, kw, stride_h, stride_w, dil_h, dil_w, pad_h, pad_w;
} geom;

static void gen_geom(h_rng *r, geom *g, int32_t max_hw, int32_t max_k) {
    g->input.n = h_chance(r, 80) ? 1 : 2;
    g->input.h = h_range(r, 1, max_hw);
    g->input.w = h_range(r, 1, max_hw);
    g->kh = h_range(r, 1, max_k);
    g->kw = h_range(r, 1, max_k);
    g->stride_h = h_chance(r, 60) ? 1 : h_range(r, 2, 3);
    g->stride_w = h_chance(r, 60) ? 1 : h_range(r, 2, 3);
    g->dil_h = h_chance(r, 70) ? 1 : h_range(r, 2, 3);
    g->dil_w = h_chance(r, 70) ? 1 : h_range(r, 2, 3);
    /* The (dilated) window must fit the padded input: shrink the kernel until it can. */
    while ((g->kh - 1) * g->dil_h + 1 > 2 * g->input.h && g->kh > 1) --g->kh;
    while ((g->kw - 1) * g->dil_w + 1 > 2 * g->input.w && g->kw > 1) --g->kw;
    while ((g->kh - 1) * g->dil_h + 1 > 2 * g->input.h) g->dil_h = 1;
    while ((g->kw - 1) * g->dil_w + 1 > 2 * g->input.w) g->dil_w = 1;
    gen_window(r, g->input.h, (g->kh - 1) * g->dil_h + 1, g->stride_h, &g->pad_h, &g->output.h);
    gen_window(r, g->input.w, (g->kw - 1) * g->dil_w + 1, g->stride_w, &g->pad_w, &g->output.w);
    g->output.n = g->input.n;
}

static void emit_geom(const geom *g) {
    h_p_int("stride_h", g->stride_h);
    h_p_int("stride_w", g->stride_w);
    h_p_int("dilation_h", g->dil_h);
    h_p_int("dilation_w", g->dil_w);
    h_p_int("pad_h", g->pad_h);
    h_p_int("pad_w", g->pad_w);
}

static size_t dsize(const tp_dims4 *d) {
    return (size_t)d->n * (size_t)d->h * (size_t)d->w * (size_t)d->c;
}

/* tp_conv_s8_params for a geometry: offsets and activation range drawn, no requantisation. */
static void conv_params(h_rng *r, const geom *g, int32_t groups, tp_conv_s8_params *p) {
    memset(p, 0, sizeof *p);
    p->input = g->input;
    p->output = g->output;
    p->filter.n = g->output.c;
    p->filter.h = g->kh;
    p->filter.w = g->kw;
    p->filter.c = g->input.c / groups;
    p->stride_h = g->stride_h;
    p->stride_w = g->stride_w;
    p->dilation_h = g->dil_h;
    p->dilation_w = g->dil_w;
    p->pad_h = g->pad_h;
    p->pad_w = g->pad_w;
    p->input_offset = -rand_zp(r);
    p->output_offset = rand_zp(r);
    gen_act_s8(r, p->output_offset, &p->activation_min, &p->activation_max);
}

static void case_conv_s8(h_rng *r, int32_t index, const geom *g, int32_t groups) {
    tp_conv_s8_params p;
    int8_t *in, *w, *out, *out_ref;
    int32_t *bias, *mult, *shift;
    tp_status st, st_ref;
    void *scratch;
    size_t n_out;
    conv_params(r, g, groups, &p);
    mult = (int32_t *)h_alloc((size_t)p.output.c * 4);
    shift = (int32_t *)h_alloc((size_t)p.output.c * 4);
    {
        int32_t bits = 15, d = g->kh * g->kw * p.filter.c;
        while (d > 1) {
            ++bits;
            d >>= 2;
        }
        gen_requant(r, mult, shift, p.output.c, bits);
    }
    p.output_multiplier = mult;
    p.output_shift = shift;
    in = (int8_t *)h_alloc(dsize(&p.input));
    w = (int8_t *)h_alloc(dsize(&p.filter));
    fill_s8(r, in, (int32_t)dsize(&p.input));
    fill_s8(r, w, (int32_t)dsize(&p.filter));
    if (h_chance(r, 85)) {
        bias = (int32_t *)h_alloc((size_t)p.output.c * 4);
        fill_bias(r, bias, p.output.c, 1 << h_range(r, 4, 18));
    } else {
        bias = NULL;
    }
    n_out = dsize(&p.output);
    out = (int8_t *)h_alloc(n_out);
    out_ref = (int8_t *)h_alloc(n_out);
    {
        const int32_t bytes = tp_conv_2d_s8_get_scratch_size(&p);
        scratch = bytes > 0 ? h_alloc((size_t)bytes) : NULL;
    }
    st = tp_conv_2d_s8(&p, in, w, bias, out, scratch);
    st_ref = tp_conv_2d_s8_ref(&p, in, w, bias, out_ref, NULL);
    h_variant_check("conv_2d_s8", index, st, out, st_ref, out_ref, n_out);
    h_rec_begin("conv_2d_s8", index);
    h_p_dims4("input", &p.input);
    h_p_dims4("filter", &p.filter);
    h_p_dims4("output", &p.output);
    emit_geom(g);
    h_p_int("input_offset", p.input_offset);
    h_p_int("output_offset", p.output_offset);
    h_p_i32s("output_multiplier", mult, p.output.c);
    h_p_i32s("output_shift", shift, p.output.c);
    h_p_int("activation_min", p.activation_min);
    h_p_int("activation_max", p.activation_max);
    h_in("input", in, dsize(&p.input));
    h_in("filter", w, dsize(&p.filter));
    h_in("bias", bias, bias ? (size_t)p.output.c * 4 : 0);
    h_rec_end(st_ref, out_ref, n_out);
}

static void cases_conv_s8(h_rng *r) {
    int32_t i;
    for (i = 0; i < 60; ++i) {
        geom g;
        int32_t groups = 1;
        gen_geom(r, &g, 9, 4);
        g.input.c = h_chance(r, 25) ? h_range(r, 8, 24) : h_range(r, 1, 7);
        if (h_chance(r, 15)) {
            groups = h_range(r, 2, 3);
            g.input.c = groups * h_range(r, 1, 5);
        }
        g.output.c = groups * h_range(r, 1, 6);
        case_conv_s8(r, i, &g, groups);
        h_pool_reset();
    }
    {
        /* A typical 3x3 SAME layer and a KWS-like 10x4 stride-2 first layer. */
        geom g;
        h_rng pw;
        memset(&g, 0, sizeof g);
        g.input.n = 1;
        g.input.h = 10;
        g.input.w = 10;
        g.input.c = 16;
        g.kh = g.kw = 3;
        g.stride_h = g.stride_w = g.dil_h = g.dil_w = 1;
        g.pad_h = g.pad_w = 1;
        g.output = g.input;
        g.output.c = 20;
        case_conv_s8(r, 60, &g, 1);
        h_pool_reset();
        g.input.h = 49;
        g.input.w = 10;
        g.input.c = 1;
        g.kh = 10;
        g.kw = 4;
        g.stride_h = g.stride_w = 2;
        g.pad_h = 4;
        g.pad_w = 1;
        g.output.h = 25;
        g.output.w = 5;
        g.output.c = 12;
        case_conv_s8(r, 61, &g, 1);
        h_pool_reset();
        /* Pointwise (the dsp kernel's 2x2 matrix-multiply blocks): an odd pixel count, an
         * odd channel count and a channel tail past the 8-byte steps; then stride 2. Their
         * own generator, so that the cases after them keep their data. */
        h_seed(&pw, 0x1u);
        g.input.h = g.input.w = 5;
        g.input.c = 45;
        g.kh = g.kw = 1;
        g.stride_h = g.stride_w = 1;
        g.pad_h = g.pad_w = 0;
        g.output.h = g.output.w = 5;
        g.output.c = 7;
        case_conv_s8(&pw, 62, &g, 1);
        h_pool_reset();
        g.input.h = 7;
        g.input.w = 6;
        g.input.c = 16;
        g.stride_h = g.stride_w = 2;
        g.output.h = 4;
        g.output.w = 3;
        g.output.c = 6;
        case_conv_s8(&pw, 63, &g, 1);
        h_pool_reset();
    }
}

/* tp_conv_2d_s8_small's weights (tp_kernels.h; the code generator's smallConvWeights in
 * src/codegen/ops/conv_small.ts): doubled, int16 pairs (taps 4i, 4i+2), (4i+1, 4i+3), blocks
 * of 4 channels pair-major, then the channels left over channel-major. */
static void small_conv_layout(const int8_t *w, int32_t out_c, int32_t n, uint32_t *dst) {
    const int32_t np = tp_conv_small_pairs(n), blocks = out_c / 4;
    int32_t oc, pair;
    for (oc = 0; oc < out_c; ++oc) {
        for (pair = 0; pair < np; ++pair) {
            const int32_t lo = 4 * (pair >> 1) + (pair & 1), hi = lo + 2;
            const int32_t wl = lo < n ? 2 * w[(size_t)oc * (size_t)n + (size_t)lo] : 0;
            const int32_t wh = hi < n ? 2 * w[(size_t)oc * (size_t)n + (size_t)hi] : 0;
            const size_t at = oc < 4 * blocks ? ((size_t)(oc / 4) * (size_t)np + (size_t)pair) * 4u + (size_t)(oc % 4)
                                              : (size_t)(4 * blocks) * (size_t)np + (size_t)(oc - 4 * blocks) * (size_t)np + (size_t)pair;
            dst[at] = (uint32_t)(uint16_t)wl | ((uint32_t)(uint16_t)wh << 16);
        }
    }
}

/* tp_conv_2d_s8_small (plain, or the dsp/ variant) against the plain tp_conv_2d_s8 on the
 * OHWI weights, over random small patches (1..4 input channels, padding, strides, dilations,
 * odd channel counts, odd and even output widths) within the kernel's contract: shifts <= -1, bounded accumulators. No
 * records: the reference interpreter has no re-laid-out weights; the comparison is
 * h_variant_check's (a mismatch fails the run). Own generator: the other cases keep their data. */
static void cases_conv_s8_small(void) {
    h_rng rr;
    int32_t i;
    h_seed(&rr, 0x5a11u);
    for (i = 0; i < 150; ++i) {
        h_rng *r = &rr;
        geom g;
        tp_conv_s8_params p;
        int8_t *in, *w, *out, *out_ref;
        int32_t *bias, *mult, *shift, n, oc;
        uint32_t *wl;
        tp_conv_small_requant *q;
        size_t n_out;
        gen_geom(r, &g, 12, 5);
        g.input.c = h_range(r, 1, 4);
        /* 30..40 channels: more 4-channel blocks than the dsp kernel's two-pixel call takes. */
        g.output.c = h_chance(r, 30) ? h_range(r, 1, 3) : h_chance(r, 15) ? h_range(r, 30, 40) : h_range(r, 4, 13);
        n = g.kh * g.kw * g.input.c;
        if (n > TP_CONV_SMALL_MAX_PATCH || g.kh * g.kw < 2) continue;
        conv_params(r, &g, 1, &p);
        mult = (int32_t *)h_alloc((size_t)p.output.c * 4);
        shift = (int32_t *)h_alloc((size_t)p.output.c * 4);
        for (oc = 0; oc < p.output.c; ++oc) {
            mult[oc] = h_chance(r, 5) ? 0 : h_range(r, 1 << 30, INT32_MAX);
            /* Within the contract: (|output_offset| + 1) * 2^-shift + 2^30 < 2^31. */
            shift[oc] = h_chance(r, 10) ? h_range(r, -21, -1) : h_range(r, -16, -1);
        }
        p.output_multiplier = mult;
        p.output_shift = shift;
        in = (int8_t *)h_alloc(dsize(&p.input));
        w = (int8_t *)h_alloc(dsize(&p.filter));
        wl = (uint32_t *)h_alloc((size_t)p.output.c * (size_t)tp_conv_small_pairs(n) * 4u);
        fill_s8(r, in, (int32_t)dsize(&p.input));
        fill_s8(r, w, (int32_t)dsize(&p.filter));
        small_conv_layout(w, p.output.c, n, wl);
        if (h_chance(r, 85)) {
            bias = (int32_t *)h_alloc((size_t)p.output.c * 4);
            fill_bias(r, bias, p.output.c, 1 << h_range(r, 4, 20));
        } else {
            bias = NULL;
        }
        /* The generator's smallConvRequant. */
        q = (tp_conv_small_requant *)h_alloc((size_t)p.output.c * sizeof *q);
        for (oc = 0; oc < p.output.c; ++oc) {
            q[oc].bias2 = bias ? 2 * bias[oc] : 0;
            q[oc].multiplier = mult[oc];
            q[oc].right = -shift[oc];
            q[oc].round_off = (int32_t)(((int64_t)1 << (q[oc].right - 1)) + (int64_t)p.output_offset * ((int64_t)1 << q[oc].right));
        }
        n_out = dsize(&p.output);
        out = (int8_t *)h_alloc(n_out);
        out_ref = (int8_t *)h_alloc(n_out);
        h_variant_check("conv_2d_s8_small", i, tp_conv_2d_s8_small(&p, in, wl, q, out, NULL), out,
                        tp_conv_2d_s8_ref(&p, in, w, bias, out_ref, NULL), out_ref, n_out);
        /* Outside the contract (a shift > -1) the kernel refuses. */
        if (i % 50 == 0) {
            shift[0] = 0;
            h_variant_check("conv_2d_s8_small shift", i, tp_conv_2d_s8_small(&p, in, wl, q, out, NULL), out,
                            TP_ERR_PARAM, out, n_out);
        }
        h_pool_reset();
    }
}

static void cases_conv_f32(h_rng *r) {
    int32_t i;
    for (i = 0; i < 25; ++i) {
        geom g;
        int32_t groups = h_chance(r, 15) ? 2 : 1;
        tp_conv_f32_params p;
        float *in, *w, *bias, *out;
        tp_status st;
        gen_geom(r, &g, 7, 3);
        g.input.c = groups * h_range(r, 1, 5);
        g.output.c = groups * h_range(r, 1, 4);
        memset(&p, 0, sizeof p);
        p.input = g.input;
        p.output = g.output;
        p.filter.n = g.output.c;
        p.filter.h = g.kh;
        p.filter.w = g.kw;
        p.filter.c = g.input.c / groups;
        p.stride_h = g.stride_h;
        p.stride_w = g.stride_w;
        p.dilation_h = g.dil_h;
        p.dilation_w = g.dil_w;
        p.pad_h = g.pad_h;
        p.pad_w = g.pad_w;
        gen_act_f32(r, &p.activation_min, &p.activation_max);
        in = (float *)h_alloc(dsize(&p.input) * 4);
        w = (float *)h_alloc(dsize(&p.filter) * 4);
        bias = h_chance(r, 80) ? (float *)h_alloc((size_t)p.output.c * 4) : NULL;
        out = (float *)h_alloc(dsize(&p.output) * 4);
        fill_f32(r, in, (int32_t)dsize(&p.input), 2.0f);
        fill_f32(r, w, (int32_t)dsize(&p.filter), 1.0f);
        if (bias) fill_f32(r, bias, p.output.c, 1.0f);
        st = tp_conv_2d_f32(&p, in, w, bias, out);
        h_rec_begin("conv_2d_f32", i);
        h_p_dims4("input", &p.input);
        h_p_dims4("filter", &p.filter);
        h_p_dims4("output", &p.output);
        emit_geom(&g);
        h_p_f32("activation_min", p.activation_min);
        h_p_f32("activation_max", p.activation_max);
        h_in("input", in, dsize(&p.input) * 4);
        h_in("filter", w, dsize(&p.filter) * 4);
        h_in("bias", bias, bias ? (size_t)p.output.c * 4 : 0);
        h_rec_end(st, out, dsize(&p.output) * 4);
        h_pool_reset();
    }
}

/* ------------------------------------------------------------------ DEPTHWISE_CONV_2D */

static void case_dwconv_s8(h_rng *r, int32_t index, const geom *g, int32_t mult_d) {
    tp_dwconv_s8_params p;
    int8_t *in, *w, *out, *out_ref;
    int32_t *bias, *mult, *shift;
    tp_status st, st_ref;
    void *scratch;
    size_t n_out;
    memset(&p, 0, sizeof p);
    p.input = g->input;
    p.output = g->output;
    p.output.c = g->input.c * mult_d;
    p.depth_multiplier = mult_d;
    p.filter.n = 1;
    p.filter.h = g->kh;
    p.filter.w = g->kw;
    p.filter.c = p.output.c;
    p.stride_h = g->stride_h;
    p.stride_w = g->stride_w;
    p.dilation_h = g->dil_h;
    p.dilation_w = g->dil_w;
    p.pad_h = g->pad_h;
    p.pad_w = g->pad_w;
    p.input_offset = -rand_zp(r);
    p.output_offset = rand_zp(r);
    gen_act_s8(r, p.output_offset, &p.activation_min, &p.activation_max);
    mult = (int32_t *)h_alloc((size_t)p.output.c * 4);
    shift = (int32_t *)h_alloc((size_t)p.output.c * 4);
    gen_requant(r, mult, shift, p.output.c, 15 + (g->kh * g->kw > 4 ? 2 : 0));
    p.output_multiplier = mult;
    p.output_shift = shift;
    in = (int8_t *)h_alloc(dsize(&p.input));
    w = (int8_t *)h_alloc(dsize(&p.filter));
    fill_s8(r, in, (int32_t)dsize(&p.input));
    fill_s8(r, w, (int32_t)dsize(&p.filter));
    if (h_chance(r, 85)) {
        bias = (int32_t *)h_alloc((size_t)p.output.c * 4);
        fill_bias(r, bias, p.output.c, 1 << h_range(r, 4, 16));
    } else {
        bias = NULL;
    }
    n_out = dsize(&p.output);
    out = (int8_t *)h_alloc(n_out);
    out_ref = (int8_t *)h_alloc(n_out);
    {
        const int32_t bytes = tp_depthwise_conv_2d_s8_get_scratch_size(&p);
        scratch = bytes > 0 ? h_alloc((size_t)bytes) : NULL;
    }
    st = tp_depthwise_conv_2d_s8(&p, in, w, bias, out, scratch);
    st_ref = tp_depthwise_conv_2d_s8_ref(&p, in, w, bias, out_ref, NULL);
    h_variant_check("depthwise_conv_2d_s8", index, st, out, st_ref, out_ref, n_out);
    h_rec_begin("depthwise_conv_2d_s8", index);
    h_p_dims4("input", &p.input);
    h_p_dims4("filter", &p.filter);
    h_p_dims4("output", &p.output);
    h_p_int("depth_multiplier", p.depth_multiplier);
    emit_geom(g);
    h_p_int("input_offset", p.input_offset);
    h_p_int("output_offset", p.output_offset);
    h_p_i32s("output_multiplier", mult, p.output.c);
    h_p_i32s("output_shift", shift, p.output.c);
    h_p_int("activation_min", p.activation_min);
    h_p_int("activation_max", p.activation_max);
    h_in("input", in, dsize(&p.input));
    h_in("filter", w, dsize(&p.filter));
    h_in("bias", bias, bias ? (size_t)p.output.c * 4 : 0);
    h_rec_end(st_ref, out_ref, n_out);
}

static void cases_dwconv_s8(h_rng *r) {
    int32_t i;
    for (i = 0; i < 60; ++i) {
        geom g;
        int32_t m = h_chance(r, 65) ? 1 : h_range(r, 2, 4);
        gen_geom(r, &g, 9, 4);
        g.input.c = h_chance(r, 30) ? h_range(r, 8, 21) : h_range(r, 1, 7);
        case_dwconv_s8(r, i, &g, m);
        h_pool_reset();
    }
    {
        /* MobileNet-like 3x3 SAME, channel counts on and off the SIMD width. */
        geom g;
        memset(&g, 0, sizeof g);
        g.input.n = 1;
        g.input.h = 9;
        g.input.w = 9;
        g.kh = g.kw = 3;
        g.stride_h = g.stride_w = g.dil_h = g.dil_w = 1;
        g.pad_h = g.pad_w = 1;
        g.output = g.input;
        g.input.c = 32;
        case_dwconv_s8(r, 60, &g, 1);
        h_pool_reset();
        g.input.c = 19;
        g.stride_h = g.stride_w = 2;
        g.output.h = g.output.w = 5;
        case_dwconv_s8(r, 61, &g, 1);
        h_pool_reset();
        g.input.c = 6;
        case_dwconv_s8(r, 62, &g, 2);
        h_pool_reset();
    }
}

static void cases_dwconv_f32(h_rng *r) {
    int32_t i;
    for (i = 0; i < 25; ++i) {
        geom g;
        tp_dwconv_f32_params p;
        float *in, *w, *bias, *out;
        tp_status st;
        int32_t m = h_chance(r, 60) ? 1 : h_range(r, 2, 3);
        gen_geom(r, &g, 7, 3);
        g.input.c = h_range(r, 1, 6);
        memset(&p, 0, sizeof p);
        p.input = g.input;
        p.output = g.output;
        p.output.c = g.input.c * m;
        p.depth_multiplier = m;
        p.filter.n = 1;
        p.filter.h = g.kh;
        p.filter.w = g.kw;
        p.filter.c = p.output.c;
        p.stride_h = g.stride_h;
        p.stride_w = g.stride_w;
        p.dilation_h = g.dil_h;
        p.dilation_w = g.dil_w;
        p.pad_h = g.pad_h;
        p.pad_w = g.pad_w;
        gen_act_f32(r, &p.activation_min, &p.activation_max);
        in = (float *)h_alloc(dsize(&p.input) * 4);
        w = (float *)h_alloc(dsize(&p.filter) * 4);
        bias = h_chance(r, 80) ? (float *)h_alloc((size_t)p.output.c * 4) : NULL;
        out = (float *)h_alloc(dsize(&p.output) * 4);
        fill_f32(r, in, (int32_t)dsize(&p.input), 2.0f);
        fill_f32(r, w, (int32_t)dsize(&p.filter), 1.0f);
        if (bias) fill_f32(r, bias, p.output.c, 1.0f);
        st = tp_depthwise_conv_2d_f32(&p, in, w, bias, out);
        h_rec_begin("depthwise_conv_2d_f32", i);
        h_p_dims4("input", &p.input);
        h_p_dims4("filter", &p.filter);
        h_p_dims4("output", &p.output);
        h_p_int("depth_multiplier", p.depth_multiplier);
        emit_geom(&g);
        h_p_f32("activation_min", p.activation_min);
        h_p_f32("activation_max", p.activation_max);
        h_in("input", in, dsize(&p.input) * 4);
        h_in("filter", w, dsize(&p.filter) * 4);
        h_in("bias", bias, bias ? (size_t)p.output.c * 4 : 0);
        h_rec_end(st, out, dsize(&p.output) * 4);
        h_pool_reset();
    }
}

/* ------------------------------------------------------------------ pooling */

static void gen_pool_geom(h_rng *r, tp_dims4 *in, tp_dims4 *out, int32_t *fh, int32_t *fw,
                          int32_t *sh, int32_t *sw, int32_t *ph, int32_t *pw) {
    in->n = h_chance(r, 80) ? 1 : 2;
    in->h = h_range(r, 1, 9);
    in->w = h_range(r, 1, 9);
    in->c = h_range(r, 1, 9);
    *fh = h_range(r, 1, in->h + 1 < 4 ? in->h + 1 : 4);
    *fw = h_range(r, 1, in->w + 1 < 4 ? in->w + 1 : 4);
    *sh = h_range(r, 1, 3);
    *sw = h_range(r, 1, 3);
    gen_window(r, in->h, *fh, *sh, ph, &out->h);
    gen_window(r, in->w, *fw, *sw, pw, &out->w);
    out->n = in->n;
    out->c = in->c;
}

static void emit_pool(const tp_dims4 *in, const tp_dims4 *out, int32_t fh, int32_t fw,
                      int32_t sh, int32_t sw, int32_t ph, int32_t pw) {
    h_p_dims4("input", in);
    h_p_dims4("output", out);
    h_p_int("filter_h", fh);
    h_p_int("filter_w", fw);
    h_p_int("stride_h", sh);
    h_p_int("stride_w", sw);
    h_p_int("pad_h", ph);
    h_p_int("pad_w", pw);
}

static void cases_pool(h_rng *r) {
    int32_t i, kind;
    for (kind = 0; kind < 2; ++kind) {
        const char *name_s8 = kind == 0 ? "average_pool_2d_s8" : "max_pool_2d_s8";
        const char *name_f32 = kind == 0 ? "average_pool_2d_f32" : "max_pool_2d_f32";
        for (i = 0; i < 30; ++i) {
            tp_pool_s8_params p;
            int8_t *in, *out;
            tp_status st;
            memset(&p, 0, sizeof p);
            gen_pool_geom(r, &p.input, &p.output, &p.filter_h, &p.filter_w, &p.stride_h,
                          &p.stride_w, &p.pad_h, &p.pad_w);
            gen_act_s8(r, rand_zp(r), &p.activation_min, &p.activation_max);
            in = (int8_t *)h_alloc(dsize(&p.input));
            out = (int8_t *)h_alloc(dsize(&p.output));
            fill_s8(r, in, (int32_t)dsize(&p.input));
            st = kind == 0 ? tp_average_pool_2d_s8(&p, in, out) : tp_max_pool_2d_s8(&p, in, out);
            h_rec_begin(name_s8, i);
            emit_pool(&p.input, &p.output, p.filter_h, p.filter_w, p.stride_h, p.stride_w,
                      p.pad_h, p.pad_w);
            h_p_int("activation_min", p.activation_min);
            h_p_int("activation_max", p.activation_max);
            h_in("input", in, dsize(&p.input));
            h_rec_end(st, out, dsize(&p.output));
            h_pool_reset();
        }
        for (i = 0; i < 20; ++i) {
            tp_pool_f32_params p;
            float *in, *out;
            tp_status st;
            memset(&p, 0, sizeof p);
            gen_pool_geom(r, &p.input, &p.output, &p.filter_h, &p.filter_w, &p.stride_h,
                          &p.stride_w, &p.pad_h, &p.pad_w);
            gen_act_f32(r, &p.activation_min, &p.activation_max);
            in = (float *)h_alloc(dsize(&p.input) * 4);
            out = (float *)h_alloc(dsize(&p.output) * 4);
            fill_f32(r, in, (int32_t)dsize(&p.input), 8.0f);
            st = kind == 0 ? tp_average_pool_2d_f32(&p, in, out) : tp_max_pool_2d_f32(&p, in, out);
            h_rec_begin(name_f32, i);
            emit_pool(&p.input, &p.output, p.filter_h, p.filter_w, p.stride_h, p.stride_w,
                      p.pad_h, p.pad_w);
            h_p_f32("activation_min", p.activation_min);
            h_p_f32("activation_max", p.activation_max);
            h_in("input", in, dsize(&p.input) * 4);
            h_rec_end(st, out, dsize(&p.output) * 4);
            h_pool_reset();
        }
    }
}

/* ------------------------------------------------------------------ ADD, MUL */

/* An output shape of rank 0..6 and two inputs that broadcast to it: each input keeps a suffix
 * of the output's dims (rank <= output rank), each dim either the output's or 1. */
static void gen_broadcast(h_rng *r, tp_shape *in1, tp_shape *in2, tp_shape *out) {
    int32_t d, k;
    const int32_t rank = h_chance(r, 10) ? h_range(r, 0, 1) : h_range(r, 1, 6);
    tp_shape *ins[2];
    out->rank = rank;
    for (d = 0; d < rank; ++d) out->dims[d] = h_range(r, 1, rank > 4 ? 3 : 5);
    ins[0] = in1;
    ins[1] = in2;
    for (k = 0; k < 2; ++k) {
        tp_shape *s = ins[k];
        const int32_t same = h_chance(r, 30);
        s->rank = same ? rank : h_range(r, 0, rank);
        for (d = 0; d < s->rank; ++d) {
            const int32_t od = out->dims[rank - s->rank + d];
            s->dims[d] = (same || h_chance(r, 50)) ? od : 1;
        }
    }
    /* Make the output the true broadcast result (a dim that neither input covers is 1). */
    for (d = 0; d < rank; ++d) {
        int32_t m = 1;
        for (k = 0; k < 2; ++k) {
            const tp_shape *s = ins[k];
            const int32_t j = d - (rank - s->rank);
            if (j >= 0 && s->dims[j] > m) m = s->dims[j];
        }
        out->dims[d] = m;
    }
}

static int32_t shape_elems(const tp_shape *s) {
    int32_t n = 1, d;
    for (d = 0; d < s->rank; ++d) n *= s->dims[d];
    return n;
}

static void cases_add_mul(h_rng *r) {
    int32_t i;
    for (i = 0; i < 40; ++i) {
        tp_add_s8_params p;
        int8_t *a, *b, *out;
        tp_status st;
        memset(&p, 0, sizeof p);
        gen_broadcast(r, &p.input1, &p.input2, &p.output);
        p.input1_offset = -rand_zp(r);
        p.input2_offset = -rand_zp(r);
        p.output_offset = rand_zp(r);
        p.left_shift = 20;
        if (h_chance(r, 85)) {
            /* TFLM's AddPrepare on random scales. */
            const float s1 = rand_scale(r, 0.002f, 0.2f), s2 = rand_scale(r, 0.002f, 0.2f);
            const float so = rand_scale(r, 0.004f, 0.3f);
            const double twice_max = 2.0 * (double)(s1 > s2 ? s1 : s2);
            quantize_multiplier((double)s1 / twice_max, &p.input1_multiplier, &p.input1_shift);
            quantize_multiplier((double)s2 / twice_max, &p.input2_multiplier, &p.input2_shift);
            quantize_multiplier(twice_max / ((double)(1 << 20) * (double)so), &p.output_multiplier,
                                &p.output_shift);
        } else {
            p.input1_multiplier = h_range(r, 1 << 30, INT32_MAX);
            p.input1_shift = h_range(r, -8, 0);
            p.input2_multiplier = h_chance(r, 20) ? INT32_MAX : h_range(r, 1 << 30, INT32_MAX);
            p.input2_shift = h_range(r, -8, 0);
            p.output_multiplier = h_chance(r, 20) ? (1 << 30) : h_range(r, 1 << 30, INT32_MAX);
            p.output_shift = h_range(r, -24, -12);
        }
        gen_act_s8(r, p.output_offset, &p.activation_min, &p.activation_max);
        a = (int8_t *)h_alloc((size_t)shape_elems(&p.input1));
        b = (int8_t *)h_alloc((size_t)shape_elems(&p.input2));
        out = (int8_t *)h_alloc((size_t)shape_elems(&p.output));
        fill_s8(r, a, shape_elems(&p.input1));
        fill_s8(r, b, shape_elems(&p.input2));
        st = tp_add_s8(&p, a, b, out);
        h_rec_begin("add_s8", i);
        h_p_shape("input1", &p.input1);
        h_p_shape("input2", &p.input2);
        h_p_shape("output", &p.output);
        h_p_int("input1_offset", p.input1_offset);
        h_p_int("input2_offset", p.input2_offset);
        h_p_int("output_offset", p.output_offset);
        h_p_int("left_shift", p.left_shift);
        h_p_int("input1_multiplier", p.input1_multiplier);
        h_p_int("input1_shift", p.input1_shift);
        h_p_int("input2_multiplier", p.input2_multiplier);
        h_p_int("input2_shift", p.input2_shift);
        h_p_int("output_multiplier", p.output_multiplier);
        h_p_int("output_shift", p.output_shift);
        h_p_int("activation_min", p.activation_min);
        h_p_int("activation_max", p.activation_max);
        h_in("input1", a, (size_t)shape_elems(&p.input1));
        h_in("input2", b, (size_t)shape_elems(&p.input2));
        h_rec_end(st, out, (size_t)shape_elems(&p.output));
        h_pool_reset();
    }
    for (i = 0; i < 40; ++i) {
        tp_mul_s8_params p;
        int8_t *a, *b, *out;
        tp_status st;
        memset(&p, 0, sizeof p);
        gen_broadcast(r, &p.input1, &p.input2, &p.output);
        p.input1_offset = -rand_zp(r);
        p.input2_offset = -rand_zp(r);
        p.output_offset = rand_zp(r);
        if (h_chance(r, 85)) {
            const float s1 = rand_scale(r, 0.002f, 0.2f), s2 = rand_scale(r, 0.002f, 0.2f);
            const float so = rand_scale(r, 0.0001f, 0.3f);
            quantize_multiplier((double)s1 * (double)s2 / (double)so, &p.output_multiplier,
                                &p.output_shift);
        } else {
            p.output_multiplier = h_chance(r, 30) ? INT32_MAX : h_range(r, 1 << 30, INT32_MAX);
            p.output_shift = h_range(r, -20, 2);
        }
        gen_act_s8(r, p.output_offset, &p.activation_min, &p.activation_max);
        a = (int8_t *)h_alloc((size_t)shape_elems(&p.input1));
        b = (int8_t *)h_alloc((size_t)shape_elems(&p.input2));
        out = (int8_t *)h_alloc((size_t)shape_elems(&p.output));
        fill_s8(r, a, shape_elems(&p.input1));
        fill_s8(r, b, shape_elems(&p.input2));
        st = tp_mul_s8(&p, a, b, out);
        h_rec_begin("mul_s8", i);
        h_p_shape("input1", &p.input1);
        h_p_shape("input2", &p.input2);
        h_p_shape("output", &p.output);
        h_p_int("input1_offset", p.input1_offset);
        h_p_int("input2_offset", p.input2_offset);
        h_p_int("output_offset", p.output_offset);
        h_p_int("output_multiplier", p.output_multiplier);
        h_p_int("output_shift", p.output_shift);
        h_p_int("activation_min", p.activation_min);
        h_p_int("activation_max", p.activation_max);
        h_in("input1", a, (size_t)shape_elems(&p.input1));
        h_in("input2", b, (size_t)shape_elems(&p.input2));
        h_rec_end(st, out, (size_t)shape_elems(&p.output));
        h_pool_reset();
    }
    for (i = 0; i < 40; ++i) {
        tp_binary_f32_params p;
        float *a, *b, *out;
        tp_status st;
        const int is_mul = i >= 20;
        memset(&p, 0, sizeof p);
        gen_broadcast(r, &p.input1, &p.input2, &p.output);
        gen_act_f32(r, &p.activation_min, &p.activation_max);
        a = (float *)h_alloc((size_t)shape_elems(&p.input1) * 4);
        b = (float *)h_alloc((size_t)shape_elems(&p.input2) * 4);
        out = (float *)h_alloc((size_t)shape_elems(&p.output) * 4);
        fill_f32(r, a, shape_elems(&p.input1), 8.0f);
        fill_f32(r, b, shape_elems(&p.input2), 8.0f);
        st = is_mul ? tp_mul_f32(&p, a, b, out) : tp_add_f32(&p, a, b, out);
        h_rec_begin(is_mul ? "mul_f32" : "add_f32", is_mul ? i - 20 : i);
        h_p_shape("input1", &p.input1);
        h_p_shape("input2", &p.input2);
        h_p_shape("output", &p.output);
        h_p_f32("activation_min", p.activation_min);
        h_p_f32("activation_max", p.activation_max);
        h_in("input1", a, (size_t)shape_elems(&p.input1) * 4);
        h_in("input2", b, (size_t)shape_elems(&p.input2) * 4);
        h_rec_end(st, out, (size_t)shape_elems(&p.output) * 4);
        h_pool_reset();
    }
}

/* ------------------------------------------------------------------ SOFTMAX */

static void cases_softmax(h_rng *r) {
    int32_t i;
    for (i = 0; i < 30; ++i) {
        tp_softmax_s8_params p;
        int8_t *in, *out;
        tp_status st;
        int32_t n, k;
        const float beta = h_chance(r, 70) ? 1.0f : rand_scale(r, 0.2f, 3.0f);
        const float in_scale = rand_scale(r, 0.005f, 0.5f);
        p.outer_size = h_range(r, 1, 4);
        p.depth = i == 29 ? 600 : (h_chance(r, 20) ? h_range(r, 1, 4) : h_range(r, 2, 40));
        {
            /* PreprocessSoftmaxScaling(beta, scale, 5) and CalculateInputRadius(5, shift). */
            double real = (double)beta * (double)in_scale * (double)(1 << 26);
            int32_t m, s;
            if (real > 2147483647.0) real = 2147483647.0;
            quantize_multiplier(real, &m, &s);
            p.input_multiplier = m;
            p.input_left_shift = s;
            {
                const double radius = 31.0 * (double)(1 << 26) / (double)((int64_t)1 << s);
                p.diff_min = -(int32_t)radius; /* floor of a positive value, negated */
            }
        }
        n = p.outer_size * p.depth;
        in = (int8_t *)h_alloc((size_t)n);
        out = (int8_t *)h_alloc((size_t)n);
        fill_s8(r, in, n);
        if (h_chance(r, 20)) {
            for (k = 0; k < n; ++k) in[k] = (int8_t)(in[k] / 16 + 100); /* many near-ties */
        }
        st = tp_softmax_s8(&p, in, out);
        h_rec_begin("softmax_s8", i);
        h_p_int("outer_size", p.outer_size);
        h_p_int("depth", p.depth);
        h_p_int("input_multiplier", p.input_multiplier);
        h_p_int("input_left_shift", p.input_left_shift);
        h_p_int("diff_min", p.diff_min);
        h_p_f32("beta", beta);
        h_p_f32("input_scale", in_scale);
        h_in("input", in, (size_t)n);
        h_rec_end(st, out, (size_t)n);
        h_pool_reset();
    }
    for (i = 0; i < 20; ++i) {
        tp_softmax_f32_params p;
        float *in, *out;
        tp_status st;
        int32_t n;
        p.outer_size = h_range(r, 1, 4);
        p.depth = h_range(r, 1, 30);
        p.beta = h_chance(r, 70) ? 1.0f : rand_scale(r, 0.2f, 3.0f);
        n = p.outer_size * p.depth;
        in = (float *)h_alloc((size_t)n * 4);
        out = (float *)h_alloc((size_t)n * 4);
        fill_f32(r, in, n, 6.0f);
        st = tp_softmax_f32(&p, in, out);
        h_rec_begin("softmax_f32", i);
        h_p_int("outer_size", p.outer_size);
        h_p_int("depth", p.depth);
        h_p_f32("beta", p.beta);
        h_in("input", in, (size_t)n * 4);
        h_rec_end(st, out, (size_t)n * 4);
        h_pool_reset();
    }
}

/* ------------------------------------------------------------------ QUANTIZE, DEQUANTIZE */

static void cases_quant(h_rng *r) {
    int32_t i, k;
    for (i = 0; i < 20; ++i) {
        tp_quantize_f32_params p;
        float *in;
        int8_t *out;
        tp_status st;
        p.size = h_range(r, 1, 64);
        p.scale = rand_scale(r, 0.001f, 0.5f);
        p.zero_point = rand_zp(r);
        in = (float *)h_alloc((size_t)p.size * 4);
        out = (int8_t *)h_alloc((size_t)p.size);
        fill_f32(r, in, p.size, 200.0f * p.scale);
        for (k = 0; k < p.size; k += 3) {
            /* Exact halfway points: round half away from zero must show. */
            in[k] = ((float)h_range(r, -130, 130) + 0.5f) * p.scale;
        }
        st = tp_quantize_f32(&p, in, out);
        h_rec_begin("quantize_f32", i);
        h_p_int("size", p.size);
        h_p_f32("scale", p.scale);
        h_p_int("zero_point", p.zero_point);
        h_in("input", in, (size_t)p.size * 4);
        h_rec_end(st, out, (size_t)p.size);
        h_pool_reset();
    }
    for (i = 0; i < 20; ++i) {
        tp_quantize_s8_params p;
        int8_t *in, *out;
        tp_status st;
        p.size = h_range(r, 1, 64);
        p.input_zero_point = rand_zp(r);
        p.output_zero_point = rand_zp(r);
        {
            const float s_in = rand_scale(r, 0.01f, 0.5f);
            const float s_out = rand_scale(r, 0.01f, 0.5f);
            quantize_multiplier((double)s_in / (double)s_out, &p.multiplier, &p.shift);
        }
        in = (int8_t *)h_alloc((size_t)p.size);
        out = (int8_t *)h_alloc((size_t)p.size);
        fill_s8(r, in, p.size);
        st = tp_quantize_s8(&p, in, out);
        h_rec_begin("quantize_s8", i);
        h_p_int("size", p.size);
        h_p_int("input_zero_point", p.input_zero_point);
        h_p_int("output_zero_point", p.output_zero_point);
        h_p_int("multiplier", p.multiplier);
        h_p_int("shift", p.shift);
        h_in("input", in, (size_t)p.size);
        h_rec_end(st, out, (size_t)p.size);
        h_pool_reset();
    }
    for (i = 0; i < 20; ++i) {
        tp_dequantize_s8_params p;
        int8_t *in;
        float *out;
        tp_status st;
        p.size = h_range(r, 1, 64);
        p.scale = rand_scale(r, 0.0001f, 2.0f);
        p.zero_point = rand_zp(r);
        in = (int8_t *)h_alloc((size_t)p.size);
        out = (float *)h_alloc((size_t)p.size * 4);
        fill_s8(r, in, p.size);
        st = tp_dequantize_s8(&p, in, out);
        h_rec_begin("dequantize_s8", i);
        h_p_int("size", p.size);
        h_p_f32("scale", p.scale);
        h_p_int("zero_point", p.zero_point);
        h_in("input", in, (size_t)p.size);
        h_rec_end(st, out, (size_t)p.size * 4);
        h_pool_reset();
    }
}

/* ------------------------------------------------------------------ CONCATENATION, PAD */

static void cases_concat_pad(h_rng *r) {
    int32_t i, k, d;
    for (i = 0; i < 30; ++i) {
        const int is_f32 = i >= 15;
        tp_concat_params p;
        int32_t sizes[4];
        const void *ins[4];
        int32_t total = 0;
        size_t elem = is_f32 ? 4 : 1;
        void *out;
        tp_status st;
        p.num_inputs = h_range(r, 1, 4);
        p.outer_size = h_range(r, 1, 5);
        p.inner_size = h_range(r, 1, 6);
        for (k = 0; k < p.num_inputs; ++k) {
            sizes[k] = h_range(r, h_chance(r, 10) ? 0 : 1, 4);
            total += sizes[k];
        }
        p.axis_sizes = sizes;
        for (k = 0; k < p.num_inputs; ++k) {
            const int32_t n = p.outer_size * sizes[k] * p.inner_size;
            void *buf = h_alloc((size_t)n * elem);
            if (is_f32) {
                fill_f32(r, (float *)buf, n, 4.0f);
            } else {
                fill_s8(r, (int8_t *)buf, n);
            }
            ins[k] = buf;
        }
        out = h_alloc((size_t)(p.outer_size * total * p.inner_size) * elem);
        st = is_f32 ? tp_concatenation_f32(&p, (const float *const *)ins, (float *)out)
                    : tp_concatenation_s8(&p, (const int8_t *const *)ins, (int8_t *)out);
        h_rec_begin(is_f32 ? "concatenation_f32" : "concatenation_s8", is_f32 ? i - 15 : i);
        h_p_int("num_inputs", p.num_inputs);
        h_p_int("outer_size", p.outer_size);
        h_p_int("inner_size", p.inner_size);
        h_p_i32s("axis_sizes", sizes, p.num_inputs);
        for (k = 0; k < p.num_inputs; ++k) {
            static const char *names[4] = {"input0", "input1", "input2", "input3"};
            h_in(names[k], ins[k], (size_t)(p.outer_size * sizes[k] * p.inner_size) * elem);
        }
        h_rec_end(st, out, (size_t)(p.outer_size * total * p.inner_size) * elem);
        h_pool_reset();
    }
    for (i = 0; i < 30; ++i) {
        const int is_f32 = i >= 15;
        tp_shape shape;
        int32_t before[TP_MAX_DIMS], after[TP_MAX_DIMS];
        int32_t n_in, n_out = 1;
        size_t elem = is_f32 ? 4 : 1;
        void *in, *out;
        tp_status st;
        memset(before, 0, sizeof before);
        memset(after, 0, sizeof after);
        shape.rank = h_range(r, 1, 5);
        for (d = 0; d < shape.rank; ++d) {
            shape.dims[d] = h_range(r, 1, 4);
            before[d] = h_chance(r, 40) ? 0 : h_range(r, 0, 3);
            after[d] = h_chance(r, 40) ? 0 : h_range(r, 0, 3);
            n_out *= before[d] + shape.dims[d] + after[d];
        }
        n_in = shape_elems(&shape);
        in = h_alloc((size_t)n_in * elem);
        out = h_alloc((size_t)n_out * elem);
        if (is_f32) {
            tp_pad_f32_params p;
            memset(&p, 0, sizeof p);
            p.input = shape;
            memcpy(p.before, before, sizeof before);
            memcpy(p.after, after, sizeof after);
            p.pad_value = h_chance(r, 60) ? 0.0f : -1.5f;
            fill_f32(r, (float *)in, n_in, 4.0f);
            st = tp_pad_f32(&p, (const float *)in, (float *)out);
            h_rec_begin("pad_f32", i - 15);
            h_p_f32("pad_value", p.pad_value);
        } else {
            tp_pad_s8_params p;
            memset(&p, 0, sizeof p);
            p.input = shape;
            memcpy(p.before, before, sizeof before);
            memcpy(p.after, after, sizeof after);
            p.pad_value = (int8_t)rand_zp(r);
            fill_s8(r, (int8_t *)in, n_in);
            st = tp_pad_s8(&p, (const int8_t *)in, (int8_t *)out);
            h_rec_begin("pad_s8", i);
            h_p_int("pad_value", p.pad_value);
        }
        h_p_shape("input_shape", &shape);
        h_p_i32s("before", before, shape.rank);
        h_p_i32s("after", after, shape.rank);
        h_in("input", in, (size_t)n_in * elem);
        h_rec_end(st, out, (size_t)n_out * elem);
        h_pool_reset();
    }
}

/* ------------------------------------------------------------------ MEAN */

static void cases_mean(h_rng *r) {
    int32_t i, d;
    for (i = 0; i < 55; ++i) {
        const int is_f32 = i >= 40;
        tp_shape shape;
        uint32_t mask = 0;
        int32_t n_in, n_out = 1;
        void *in, *out;
        tp_status st;
        shape.rank = h_range(r, 1, 5);
        if (i % 10 == 0) shape.rank = 4;
        for (d = 0; d < shape.rank; ++d) {
            shape.dims[d] = h_range(r, 1, 5);
            if (h_chance(r, 45)) mask |= 1u << d;
        }
        if (i % 10 == 0) mask = 6u; /* the 4-D axes {1, 2} case (global average pooling) */
        for (d = 0; d < shape.rank; ++d) {
            if (!(mask & (1u << d))) n_out *= shape.dims[d];
        }
        n_in = shape_elems(&shape);
        if (is_f32) {
            tp_mean_f32_params p;
            p.input = shape;
            p.axis_mask = mask;
            in = h_alloc((size_t)n_in * 4);
            out = h_alloc((size_t)n_out * 4);
            fill_f32(r, (float *)in, n_in, 4.0f);
            st = tp_mean_f32(&p, (const float *)in, (float *)out);
            h_rec_begin("mean_f32", i - 40);
        } else {
            tp_mean_s8_params p;
            memset(&p, 0, sizeof p);
            p.input = shape;
            p.axis_mask = mask;
            p.method = (int32_t)(i % 4);
            p.input_zero_point = rand_zp(r);
            p.input_scale = rand_scale(r, 0.01f, 0.3f);
            if (p.method == TP_MEAN_S8_SAME_QUANT) {
                p.output_zero_point = p.input_zero_point;
                p.output_scale = p.input_scale;
            } else {
                p.output_zero_point = rand_zp(r);
                p.output_scale = rand_scale(r, 0.01f, 0.3f);
            }
            quantize_multiplier((double)p.input_scale / (double)p.output_scale, &p.multiplier,
                                &p.shift);
            if (p.method == TP_MEAN_S8_FOLDED) {
                /* Fold 1/count into the multiplier as the integer QuantizedMeanOrSum does. */
                const int32_t count = n_in / n_out;
                int32_t s = 0;
                while (((int64_t)1 << (s + 1)) <= (int64_t)count) ++s; /* floor(log2) */
                if (s > 32) s = 32;
                if (s > 31 + p.shift) s = 31 + p.shift;
                p.multiplier = (int32_t)(((int64_t)p.multiplier << s) / count);
                p.shift -= s;
            }
            in = h_alloc((size_t)n_in);
            out = h_alloc((size_t)n_out);
            fill_s8(r, (int8_t *)in, n_in);
            st = tp_mean_s8(&p, (const int8_t *)in, (int8_t *)out);
            h_rec_begin("mean_s8", i);
            h_p_int("method", p.method);
            h_p_int("input_zero_point", p.input_zero_point);
            h_p_int("output_zero_point", p.output_zero_point);
            h_p_f32("input_scale", p.input_scale);
            h_p_f32("output_scale", p.output_scale);
            h_p_int("multiplier", p.multiplier);
            h_p_int("shift", p.shift);
        }
        h_p_shape("input_shape", &shape);
        h_p_int("axis_mask", (int32_t)mask);
        h_in("input", in, (size_t)n_in * (is_f32 ? 4 : 1));
        h_rec_end(st, out, (size_t)n_out * (is_f32 ? 4 : 1));
        h_pool_reset();
    }
}

/* ------------------------------------------------------------------ all */

void h_run_all_cases(uint32_t seed) {
    h_rng r;
    h_seed(&r, seed);
    cases_fc_s8(&r);
    cases_fc_f32(&r);
    cases_conv_s8(&r);
    cases_conv_f32(&r);
    cases_dwconv_s8(&r);
    cases_dwconv_f32(&r);
    cases_pool(&r);
    cases_add_mul(&r);
    cases_softmax(&r);
    cases_quant(&r);
    cases_concat_pad(&r);
    cases_mean(&r);
    cases_conv_s8_small();
}

/* ------------------------------------------------------------------ argument checks */

static uint32_t g_self_failures;

static void expect(const char *what, tp_status got, tp_status want) {
    if (got == want) return;
    ++g_self_failures;
    h_puts("SELFTEST ");
    h_puts(what);
    h_puts(": got ");
    h_put_i32((int32_t)got);
    h_puts(" want ");
    h_put_i32((int32_t)want);
    h_puts("\n");
}

uint32_t h_selftest(void) {
    int8_t in[64], w[64], out[64];
    int32_t mult[4] = {1 << 30, 1 << 30, 1 << 30, 1 << 30};
    int32_t shift[4] = {-4, -4, -4, -4};
    g_self_failures = 0;
    memset(in, 1, sizeof in);
    memset(w, 1, sizeof w);
    {
        tp_fc_s8_params p;
        memset(&p, 0, sizeof p);
        p.batches = 1;
        p.input_depth = 4;
        p.output_depth = 4;
        p.per_channel = 1;
        p.output_multiplier = mult;
        p.output_shift = shift;
        p.activation_min = -128;
        p.activation_max = 127;
        expect("fc ok", tp_fully_connected_s8(&p, in, w, NULL, out, NULL), TP_OK);
        expect("fc null input", tp_fully_connected_s8(&p, NULL, w, NULL, out, NULL), TP_ERR_NULL);
        expect("fc null params", tp_fully_connected_s8(NULL, in, w, NULL, out, NULL), TP_ERR_NULL);
        p.output_depth = 0;
        expect("fc zero depth", tp_fully_connected_s8(&p, in, w, NULL, out, NULL), TP_ERR_SHAPE);
        p.output_depth = 4;
        p.activation_min = 5;
        p.activation_max = 4;
        expect("fc act range", tp_fully_connected_s8(&p, in, w, NULL, out, NULL), TP_ERR_PARAM);
        p.activation_min = -128;
        p.activation_max = 127;
        shift[2] = 31;
        expect("fc shift range", tp_fully_connected_s8(&p, in, w, NULL, out, NULL), TP_ERR_PARAM);
        shift[2] = -4;
    }
    {
        tp_conv_s8_params p;
        memset(&p, 0, sizeof p);
        p.input.n = 1;
        p.input.h = 3;
        p.input.w = 3;
        p.input.c = 2;
        p.filter.n = 4;
        p.filter.h = 2;
        p.filter.w = 2;
        p.filter.c = 2;
        p.output.n = 1;
        p.output.h = 2;
        p.output.w = 2;
        p.output.c = 4;
        p.stride_h = p.stride_w = p.dilation_h = p.dilation_w = 1;
        p.output_multiplier = mult;
        p.output_shift = shift;
        p.activation_min = -128;
        p.activation_max = 127;
        expect("conv ok", tp_conv_2d_s8(&p, in, w, NULL, out, NULL), TP_OK);
        p.filter.c = 3; /* does not divide input channels */
        expect("conv groups", tp_conv_2d_s8(&p, in, w, NULL, out, NULL), TP_ERR_SHAPE);
        p.filter.c = 2;
        p.stride_w = 0;
        expect("conv stride", tp_conv_2d_s8(&p, in, w, NULL, out, NULL), TP_ERR_PARAM);
        p.stride_w = 1;
        expect("conv null out", tp_conv_2d_s8(&p, in, w, NULL, NULL, NULL), TP_ERR_NULL);
    }
    {
        tp_dwconv_s8_params p;
        memset(&p, 0, sizeof p);
        p.input.n = 1;
        p.input.h = 3;
        p.input.w = 3;
        p.input.c = 2;
        p.filter.n = 1;
        p.filter.h = 2;
        p.filter.w = 2;
        p.filter.c = 4;
        p.output.n = 1;
        p.output.h = 2;
        p.output.w = 2;
        p.output.c = 4;
        p.depth_multiplier = 2;
        p.stride_h = p.stride_w = p.dilation_h = p.dilation_w = 1;
        p.output_multiplier = mult;
        p.output_shift = shift;
        p.activation_min = -128;
        p.activation_max = 127;
        expect("dw ok", tp_depthwise_conv_2d_s8(&p, in, w, NULL, out, NULL), TP_OK);
        p.depth_multiplier = 3;
        expect("dw mult", tp_depthwise_conv_2d_s8(&p, in, w, NULL, out, NULL), TP_ERR_SHAPE);
    }
    {
        tp_pool_s8_params p;
        memset(&p, 0, sizeof p);
        p.input.n = p.output.n = 1;
        p.input.h = p.input.w = 2;
        p.input.c = p.output.c = 1;
        p.output.h = p.output.w = 3;
        p.filter_h = p.filter_w = 2;
        p.stride_h = p.stride_w = 2;
        p.pad_h = p.pad_w = 2; /* the first window is all padding */
        p.activation_min = -128;
        p.activation_max = 127;
        expect("avgpool empty", tp_average_pool_2d_s8(&p, in, out), TP_ERR_EMPTY_WINDOW);
    }
    {
        tp_add_s8_params p;
        memset(&p, 0, sizeof p);
        p.input1.rank = 1;
        p.input1.dims[0] = 3;
        p.input2.rank = 1;
        p.input2.dims[0] = 2;
        p.output.rank = 1;
        p.output.dims[0] = 3;
        p.left_shift = 20;
        p.activation_min = -128;
        p.activation_max = 127;
        expect("add bad broadcast", tp_add_s8(&p, in, w, out), TP_ERR_SHAPE);
        p.input2.dims[0] = 1;
        expect("add ok", tp_add_s8(&p, in, w, out), TP_OK);
        p.input1_shift = 1;
        expect("add positive shift", tp_add_s8(&p, in, w, out), TP_ERR_PARAM);
    }
    {
        tp_mean_s8_params p;
        memset(&p, 0, sizeof p);
        p.input.rank = 2;
        p.input.dims[0] = 2;
        p.input.dims[1] = 2;
        p.axis_mask = 4u; /* axis 2 of a rank-2 tensor */
        expect("mean axis", tp_mean_s8(&p, in, out), TP_ERR_PARAM);
        p.axis_mask = 1u;
        p.method = 7;
        expect("mean method", tp_mean_s8(&p, in, out), TP_ERR_PARAM);
    }
    {
        tp_softmax_s8_params p;
        memset(&p, 0, sizeof p);
        p.outer_size = 1;
        p.depth = 5000;
        expect("softmax depth", tp_softmax_s8(&p, in, out), TP_ERR_SHAPE);
    }
    return g_self_failures;
}

/* ------------------------------------------------------------------ instruction counts */

#ifdef TP_HARNESS_DEVICE
/* Instruction counts of the linked variant against the plain reference on real layer shapes,
 * for the QEMU plugin: every measurement makes four tp_mark calls (plain start/end, variant
 * start/end) and prints "@icount <name> macs <n>", in the same order, so the host pairs the
 * n-th line with marks 4n .. 4n+3. The outputs of both are compared too. */

static void icount_report(const char *name, uint32_t macs) {
    h_puts("@icount ");
    h_puts(name);
    h_puts(" macs ");
    h_put_u32(macs);
    h_puts("\n");
}

/* FC 784 -> 300 (FIRMWARE.md's benchmark) with the input offset in the kernel (in_off != 0)
 * or folded into the bias by the code generator (in_off == 0). */
static void icount_fc(h_rng *r, const char *name, int32_t in_off) {
    tp_fc_s8_params p;
    int8_t *in, *w, *out, *out_ref;
    int32_t *bias, *mult, *shift;
    tp_status st, st_ref;
    memset(&p, 0, sizeof p);
    p.batches = 1;
    p.input_depth = 784;
    p.output_depth = 300;
    p.per_channel = 1;
    p.input_offset = in_off;
    p.output_offset = -5;
    p.activation_min = -128;
    p.activation_max = 127;
    mult = (int32_t *)h_alloc(300 * 4);
    shift = (int32_t *)h_alloc(300 * 4);
    gen_requant(r, mult, shift, 300, 20);
    p.output_multiplier = mult;
    p.output_shift = shift;
    in = (int8_t *)h_alloc(784);
    w = (int8_t *)h_alloc(784 * 300);
    bias = (int32_t *)h_alloc(300 * 4);
    out = (int8_t *)h_alloc(300);
    out_ref = (int8_t *)h_alloc(300);
    fill_s8(r, in, 784);
    fill_s8(r, w, 784 * 300);
    fill_bias(r, bias, 300, 1 << 14);
    tp_mark(1);
    st_ref = tp_fully_connected_s8_ref(&p, in, w, bias, out_ref, NULL);
    tp_mark(2);
    tp_mark(3);
    st = tp_fully_connected_s8(&p, in, w, bias, out, NULL);
    tp_mark(4);
    h_variant_check(name, 0, st, out, st_ref, out_ref, 300);
    icount_report(name, 784u * 300u);
    h_pool_reset();
}

/* A 3x3 SAME conv, 16x16x32 -> 16x16x32. */
static void icount_conv(h_rng *r) {
    tp_conv_s8_params p;
    int8_t *in, *w, *out, *out_ref;
    int32_t *mult, *shift, *bias;
    tp_status st, st_ref;
    memset(&p, 0, sizeof p);
    p.input.n = 1;
    p.input.h = 16;
    p.input.w = 16;
    p.input.c = 32;
    p.filter.n = 32;
    p.filter.h = 3;
    p.filter.w = 3;
    p.filter.c = 32;
    p.output = p.input;
    p.stride_h = p.stride_w = p.dilation_h = p.dilation_w = 1;
    p.pad_h = p.pad_w = 1;
    p.input_offset = 3;
    p.output_offset = -7;
    p.activation_min = -128;
    p.activation_max = 127;
    mult = (int32_t *)h_alloc(32 * 4);
    shift = (int32_t *)h_alloc(32 * 4);
    bias = (int32_t *)h_alloc(32 * 4);
    gen_requant(r, mult, shift, 32, 19);
    p.output_multiplier = mult;
    p.output_shift = shift;
    in = (int8_t *)h_alloc(16 * 16 * 32);
    w = (int8_t *)h_alloc(32 * 9 * 32);
    out = (int8_t *)h_alloc(16 * 16 * 32);
    out_ref = (int8_t *)h_alloc(16 * 16 * 32);
    fill_s8(r, in, 16 * 16 * 32);
    fill_s8(r, w, 32 * 9 * 32);
    fill_bias(r, bias, 32, 1 << 12);
    tp_mark(1);
    st_ref = tp_conv_2d_s8_ref(&p, in, w, bias, out_ref, NULL);
    tp_mark(2);
    tp_mark(3);
    st = tp_conv_2d_s8(&p, in, w, bias, out, NULL);
    tp_mark(4);
    h_variant_check("conv_16x16x32_3x3x32", 0, st, out, st_ref, out_ref, 16 * 16 * 32);
    /* MACs of the in-bounds taps only (the borders skip padding). */
    icount_report("conv_16x16x32_3x3x32", (uint32_t)(14 * 14 * 9 + 2 * 14 * 6 * 2 + 4 * 4) * 32u * 32u);
    h_pool_reset();
}

/* A 3x3 SAME depthwise layer, 16x16x64. */
static void icount_dwconv(h_rng *r) {
    tp_dwconv_s8_params p;
    int8_t *in, *w, *out, *out_ref;
    int32_t *mult, *shift, *bias;
    tp_status st, st_ref;
    memset(&p, 0, sizeof p);
    p.input.n = 1;
    p.input.h = 16;
    p.input.w = 16;
    p.input.c = 64;
    p.filter.n = 1;
    p.filter.h = 3;
    p.filter.w = 3;
    p.filter.c = 64;
    p.output = p.input;
    p.depth_multiplier = 1;
    p.stride_h = p.stride_w = p.dilation_h = p.dilation_w = 1;
    p.pad_h = p.pad_w = 1;
    p.input_offset = 3;
    p.output_offset = -7;
    p.activation_min = -128;
    p.activation_max = 127;
    mult = (int32_t *)h_alloc(64 * 4);
    shift = (int32_t *)h_alloc(64 * 4);
    bias = (int32_t *)h_alloc(64 * 4);
    gen_requant(r, mult, shift, 64, 15);
    p.output_multiplier = mult;
    p.output_shift = shift;
    in = (int8_t *)h_alloc(16 * 16 * 64);
    w = (int8_t *)h_alloc(9 * 64);
    out = (int8_t *)h_alloc(16 * 16 * 64);
    out_ref = (int8_t *)h_alloc(16 * 16 * 64);
    fill_s8(r, in, 16 * 16 * 64);
    fill_s8(r, w, 9 * 64);
    fill_bias(r, bias, 64, 1 << 12);
    tp_mark(1);
    st_ref = tp_depthwise_conv_2d_s8_ref(&p, in, w, bias, out_ref, NULL);
    tp_mark(2);
    tp_mark(3);
    st = tp_depthwise_conv_2d_s8(&p, in, w, bias, out, NULL);
    tp_mark(4);
    h_variant_check("dwconv_16x16x64_3x3", 0, st, out, st_ref, out_ref, 16 * 16 * 64);
    icount_report("dwconv_16x16x64_3x3", (uint32_t)(14 * 14 * 9 + 2 * 14 * 6 * 2 + 4 * 4) * 64u);
    h_pool_reset();
}

void h_run_icount(void) {
    h_rng r;
    h_seed(&r, 784300u);
    icount_fc(&r, "fc_784x300", 128);
    icount_fc(&r, "fc_784x300_folded_offset", 0);
    icount_conv(&r);
    icount_dwconv(&r);
}
#endif
