/*
 * Kernel bodies, included by Kernels.c once per instruction set with
 *   WN_VW       floats per vector
 *   WN_V        vectors per dense-convolution tile (8 output channels x WN_V vectors of accumulators)
 *   WN_NAME(x)  the variant's name for x
 * and a `#pragma clang attribute` choosing the target features. No include guard on purpose.
 */

/* Clang extended vectors: a scalar converts to a splat (a plain `(VEC){} + x` would add -0.0
   semantics and cost an extra scalar add before every broadcast). */
typedef float WN_NAME(vec) __attribute__((ext_vector_type(WN_VW)));
typedef int WN_NAME(ivec) __attribute__((ext_vector_type(WN_VW)));
#define VEC WN_NAME(vec)
#define IVEC WN_NAME(ivec)
#define TILE (WN_VW * WN_V)
#define DW_TILE (WN_VW * 4)

static inline __attribute__((always_inline)) VEC WN_NAME(load)(const float *p) {
    VEC v;
    __builtin_memcpy(&v, p, sizeof v);
    return v;
}

static inline __attribute__((always_inline)) void WN_NAME(store)(float *p, VEC v) {
    __builtin_memcpy(p, &v, sizeof v);
}

static inline __attribute__((always_inline)) VEC WN_NAME(splat)(float x) {
    return (VEC)(x);
}

/* e^x: x = k ln2 + r with |r| <= ln2 / 2 (ln2 split in two so k ln2 is exact), e^r by its Taylor
   series to r^6 (relative error below 2e-7 on that interval), times 2^k built in the exponent
   bits. x is clamped so 2^k stays a normal float. */
static inline __attribute__((always_inline)) VEC WN_NAME(vexp)(VEC x) {
    /* The clamp below would turn NaN into a finite value (min/max ignore NaN): NaN lanes keep
       their input, so NaN propagates as in the unfused operators. */
    const IVEC nan = x != x;
    const IVEC input = __builtin_bit_cast(IVEC, x);
    x = __builtin_elementwise_min(__builtin_elementwise_max(x, WN_NAME(splat)(-87.0f)), WN_NAME(splat)(88.0f));
    VEC k = __builtin_elementwise_floor(x * 1.44269504088896341f + 0.5f);
    VEC r = x - k * 0.693145751953125f;
    r = r - k * 1.42860682030941723212e-6f;
    VEC p = WN_NAME(splat)(1.0f / 720.0f);
    p = p * r + (1.0f / 120.0f);
    p = p * r + (1.0f / 24.0f);
    p = p * r + (1.0f / 6.0f);
    p = p * r + 0.5f;
    p = p * r + 1.0f;
    p = p * r + 1.0f;
    IVEC bits = (__builtin_convertvector(k, IVEC) + 127) << 23;
    const IVEC result = __builtin_bit_cast(IVEC, p * __builtin_bit_cast(VEC, bits));
    return __builtin_bit_cast(VEC, (result & ~nan) | (input & nan));
}

static inline __attribute__((always_inline)) VEC WN_NAME(vsigmoid)(VEC x) {
    return 1.0f / (1.0f + WN_NAME(vexp)(-x));
}

/* r, with the lanes where x is NaN set to x (min/max ignore NaN; the unfused operators keep it). */
static inline __attribute__((always_inline)) VEC WN_NAME(keepnan)(VEC x, VEC r) {
    const IVEC nan = x != x;
    return __builtin_bit_cast(VEC, (__builtin_bit_cast(IVEC, r) & ~nan) | (__builtin_bit_cast(IVEC, x) & nan));
}

static inline __attribute__((always_inline)) VEC WN_NAME(vclamp)(VEC x, float lo, float hi) {
    return WN_NAME(keepnan)(x, __builtin_elementwise_min(__builtin_elementwise_max(x, WN_NAME(splat)(lo)), WN_NAME(splat)(hi)));
}

/* Applies `expr` (of the vector x) to src[0..<n] into dst; the tail goes through a zero-filled vector. */
#define WN_MAP(expr)                                                     \
    do {                                                                 \
        long i = 0;                                                      \
        for (; i + WN_VW <= n; i += WN_VW) {                             \
            VEC x = WN_NAME(load)(src + i);                              \
            WN_NAME(store)(dst + i, (expr));                             \
        }                                                                \
        if (i < n) {                                                     \
            float t[WN_VW] = {0};                                        \
            __builtin_memcpy(t, src + i, (size_t)(n - i) * sizeof(float)); \
            VEC x = WN_NAME(load)(t);                                    \
            WN_NAME(store)(t, (expr));                                   \
            __builtin_memcpy(dst + i, t, (size_t)(n - i) * sizeof(float)); \
        }                                                                \
    } while (0)

static void WN_NAME(activation)(const float *src, float *dst, long n, int kind, float alpha, float beta) {
    switch (kind) {
    case WN_ACT_RELU:
        WN_MAP(__builtin_elementwise_max(x, WN_NAME(splat)(0.0f)));
        break;
    case WN_ACT_CLIP:
        WN_MAP(WN_NAME(vclamp)(x, alpha, beta));
        break;
    case WN_ACT_SIGMOID:
        WN_MAP(WN_NAME(vsigmoid)(x));
        break;
    case WN_ACT_SILU:
        WN_MAP(x * WN_NAME(vsigmoid)(x));
        break;
    case WN_ACT_HARD_SIGMOID:
        WN_MAP(WN_NAME(vclamp)(x * alpha + beta, 0.0f, 1.0f));
        break;
    case WN_ACT_HARD_SWISH:
        WN_MAP(x * WN_NAME(vclamp)(x * (1.0f / 6.0f) + 0.5f, 0.0f, 1.0f));
        break;
    case WN_ACT_LEAKY_RELU:
        WN_MAP(WN_NAME(keepnan)(x, __builtin_elementwise_max(x, WN_NAME(splat)(0.0f)) + __builtin_elementwise_min(x, WN_NAME(splat)(0.0f)) * alpha));
        break;
    default:
        if (dst != src) __builtin_memmove(dst, src, (size_t)n * sizeof(float));
        break;
    }
}

/* One vector through an activation (the switch is loop-invariant where this is inlined). */
static inline __attribute__((always_inline)) VEC WN_NAME(act)(VEC x, int kind, float alpha, float beta) {
    switch (kind) {
    case WN_ACT_RELU: return __builtin_elementwise_max(x, WN_NAME(splat)(0.0f));
    case WN_ACT_CLIP: return WN_NAME(vclamp)(x, alpha, beta);
    case WN_ACT_SIGMOID: return WN_NAME(vsigmoid)(x);
    case WN_ACT_SILU: return x * WN_NAME(vsigmoid)(x);
    case WN_ACT_HARD_SIGMOID: return WN_NAME(vclamp)(x * alpha + beta, 0.0f, 1.0f);
    case WN_ACT_HARD_SWISH: return x * WN_NAME(vclamp)(x * (1.0f / 6.0f) + 0.5f, 0.0f, 1.0f);
    case WN_ACT_LEAKY_RELU:
        return WN_NAME(keepnan)(x, __builtin_elementwise_max(x, WN_NAME(splat)(0.0f)) + __builtin_elementwise_min(x, WN_NAME(splat)(0.0f)) * alpha);
    default: return x;
    }
}

/* dst[0..<n] = act(src + constant + addend) (addend may be NULL); src and dst may be the same. */
static inline __attribute__((always_inline)) void WN_NAME(finish)(float *dst, const float *src, float constant, const float *add,
                                                                   long n, int kind, float alpha, float beta) {
    if (kind == WN_ACT_NONE) {
        /* Plain copy with the additions: short rows (small planes) stay cheap. */
        if (add) {
            for (long j = 0; j < n; j++) dst[j] = src[j] + constant + add[j];
        } else {
            for (long j = 0; j < n; j++) dst[j] = src[j] + constant;
        }
        return;
    }
    long i = 0;
    for (; i + WN_VW <= n; i += WN_VW) {
        VEC x = WN_NAME(load)(src + i) + constant;
        if (add) x += WN_NAME(load)(add + i);
        WN_NAME(store)(dst + i, WN_NAME(act)(x, kind, alpha, beta));
    }
    if (i < n) {
        float t[WN_VW] = {0}, u[WN_VW] = {0};
        for (long j = 0; i + j < n; j++) {
            t[j] = src[i + j];
            if (add) u[j] = add[i + j];
        }
        VEC y = WN_NAME(act)(WN_NAME(load)(t) + constant + WN_NAME(load)(u), kind, alpha, beta);
        WN_NAME(store)(t, y);
        for (long j = 0; i + j < n; j++) dst[i + j] = t[j];
    }
}

/* Writes the valid outputs of `length` flattened indices starting at cursor `at` (rows of
   `length` floats, `stride` apart in tmp, bias already added; the activation too when
   `activated`) into their planes, adding the addend and applying the activation where that is
   still to do. */
static __attribute__((unused)) void WN_NAME(epilogue)(const wn_conv_geometry *g, const float *tmp, int stride, wn_cursor at, int length, int oc0,
                              int rows, float *out, const wn_epilogue *e, int image, int activated) {
    const long oh = g->out_height, ow = g->out_width, pitch = g->pitch, phase_rows = g->image_q / g->pitch;
    const long plane = oh * ow, out_image = (long)g->out_channels * plane;
    const int kind = activated ? WN_ACT_NONE : e->activation;
    long done = 0;
    while (done < length && at.image < g->images) {
        long segment = at.y < oh ? pitch - at.x : (phase_rows - at.y) * pitch - at.x;
        if (segment > length - done) segment = length - done;
        const long valid = at.y < oh && at.x < ow ? (ow - at.x < segment ? ow - at.x : segment) : 0;
        if (valid > 0) {
            for (int r = 0; r < rows; r++) {
                const int oc = oc0 + r;
                float *dst = out + at.image * out_image + oc * plane + at.y * ow + at.x;
                const float *s = tmp + (long)r * stride + done;
                const float *add = e->addend ? e->addend + (image + at.image) * e->addend_image_stride + oc * e->addend_channel_stride : 0;
                if (add && !e->addend_per_pixel) {
                    /* One value per channel: added like a bias. */
                    WN_NAME(finish)(dst, s, add[0], 0, valid, kind, e->alpha, e->beta);
                } else {
                    WN_NAME(finish)(dst, s, 0.0f, add ? add + at.y * ow + at.x : 0, valid, kind, e->alpha, e->beta);
                }
            }
        }
        wn_advance(&at, segment, pitch, phase_rows);
        done += segment;
    }
}

/* Finishes `rows` rows of NV vectors of accumulators (bias added here): vectors that fall
   inside one output row are stored straight into the output (addend and activation in
   registers); the rest go through tmp and the general epilogue. */
#if WN_MASKED
/* AVX-512: every vector is written with masked stores, one per output row it touches, so no
   output goes through tmp. `pieces` lists, per vector, the rows it touches. */
static inline int WN_NAME(pieces)(const wn_conv_geometry *g, wn_cursor c, long phase_rows, wn_piece *p) {
    int n = 0;
    long lane = 0;
    while (lane < WN_VW && c.image < g->images) {
        long step;
        if (c.y < g->out_height) {
            step = g->pitch - c.x;
            const long valid = c.x < g->out_width ? g->out_width - c.x : 0;
            long end = lane + valid;
            if (end > WN_VW) end = WN_VW;
            if (end > lane) {
                p[n].mask = ((1u << (end - lane)) - 1u) << lane;
                p[n].image = c.image;
                p[n].base = c.y * g->out_width + c.x - lane;
                n++;
            }
        } else {
            step = (phase_rows - c.y) * g->pitch - c.x;
        }
        lane += step;
        wn_advance(&c, step, g->pitch, phase_rows);
    }
    return n;
}

#define WN_PLACE_TILE(NV, START, PIECES, COUNTS)                                                             \
    do {                                                                                                     \
        wn_cursor c_ = (START);                                                                              \
        for (int v = 0; v < NV; v++) {                                                                       \
            COUNTS[v] = WN_NAME(pieces)(g, c_, phase_rows, PIECES[v]);                                       \
            wn_advance(&c_, WN_VW, g->pitch, phase_rows);                                                    \
        }                                                                                                    \
    } while (0)

/* Finishes `rows` rows of `nv` vectors of accumulators (acc[r * nv + v], bias added here), for
   one activation `kind` (a constant where this is inlined). */
static inline __attribute__((always_inline)) void WN_NAME(finish_body)(const wn_conv_geometry *g, const wn_epilogue *e,
                                                                      const VEC *acc, int nv, int rows, int oc0,
                                                                      const wn_piece (*pieces)[WN_VW], const int *counts,
                                                                      float *out, int image, int kind) {
    const long out_image = (long)g->out_channels * g->out_height * g->out_width;
    const long plane = (long)g->out_height * g->out_width;
    int whole[8];
    for (int v = 0; v < nv; v++) whole[v] = counts[v] == 1 && pieces[v][0].mask == 0xFFFFu;
    for (int r = 0; r < rows; r++) {
        const int oc = oc0 + r;
        const VEC bias = WN_NAME(splat)(e->bias ? e->bias[oc] : 0.0f);
        const long channel = oc * plane;
        for (int v = 0; v < nv; v++) {
            VEC y = acc[r * nv + v] + bias;
            const wn_piece *pc = pieces[v];
            if (whole[v]) {
                float *d = out + pc[0].image * out_image + channel + pc[0].base;
                if (e->addend) {
                    const float *ab = e->addend + (image + pc[0].image) * e->addend_image_stride + oc * e->addend_channel_stride;
                    y += e->addend_per_pixel ? WN_NAME(load)(ab + pc[0].base) : WN_NAME(splat)(ab[0]);
                }
                WN_NAME(store)(d, WN_NAME(act)(y, kind, e->alpha, e->beta));
                continue;
            }
            if (e->addend) {
                __m512 a = _mm512_setzero_ps();
                for (int k = 0; k < counts[v]; k++) {
                    const float *ab = e->addend + (image + pc[k].image) * e->addend_image_stride + oc * e->addend_channel_stride;
                    a = e->addend_per_pixel ? _mm512_mask_loadu_ps(a, (__mmask16)pc[k].mask, ab + pc[k].base)
                                            : _mm512_mask_mov_ps(a, (__mmask16)pc[k].mask, _mm512_set1_ps(ab[0]));
                }
                y += __builtin_bit_cast(VEC, a);
            }
            const __m512 yy = __builtin_bit_cast(__m512, WN_NAME(act)(y, kind, e->alpha, e->beta));
            for (int k = 0; k < counts[v]; k++)
                _mm512_mask_storeu_ps(out + pc[k].image * out_image + channel + pc[k].base, (__mmask16)pc[k].mask, yy);
        }
    }
}

/* Out of line, so the accumulators of the compute loop stay in registers; one copy of the body
   per activation, so no switch runs per vector. */
static __attribute__((noinline)) void WN_NAME(finish_tile)(const wn_conv_geometry *g, const wn_epilogue *e, const VEC *acc, int nv,
                                                            int rows, int oc0, const wn_piece (*pieces)[WN_VW], const int *counts,
                                                            float *out, int image, float *tmp, int stride) {
    (void)tmp;
    (void)stride;
    switch (e->activation) {
    case WN_ACT_RELU: WN_NAME(finish_body)(g, e, acc, nv, rows, oc0, pieces, counts, out, image, WN_ACT_RELU); break;
    case WN_ACT_CLIP: WN_NAME(finish_body)(g, e, acc, nv, rows, oc0, pieces, counts, out, image, WN_ACT_CLIP); break;
    case WN_ACT_SILU: WN_NAME(finish_body)(g, e, acc, nv, rows, oc0, pieces, counts, out, image, WN_ACT_SILU); break;
    case WN_ACT_NONE: WN_NAME(finish_body)(g, e, acc, nv, rows, oc0, pieces, counts, out, image, WN_ACT_NONE); break;
    default: WN_NAME(finish_body)(g, e, acc, nv, rows, oc0, pieces, counts, out, image, e->activation); break;
    }
}

#define WN_TILE_STATE(NV) wn_piece placement[NV][WN_VW]; int counts[NV]
#define WN_TILE_ARGS placement, counts
#else
/* Finishes `rows` rows of `nv` vectors of accumulators (acc[r * nv + v], bias added here):
   vectors inside the valid columns of one output row are stored straight into the output, the
   rest go through tmp (rows `stride` apart) and the general epilogue. */
static __attribute__((noinline)) void WN_NAME(finish_tile)(const wn_conv_geometry *g, const wn_epilogue *e, const VEC *acc, int nv,
                                                            int rows, int oc0, const wn_cursor *cursors, const int *direct,
                                                            float *out, int image, float *tmp, int stride) {
    const long out_image = (long)g->out_channels * g->out_height * g->out_width;
    const long plane = (long)g->out_height * g->out_width;
    const int tmp_activated = e->addend == 0 && e->activation != WN_ACT_NONE;
    for (int r = 0; r < rows; r++) {
        const int oc = oc0 + r;
        const VEC bias = WN_NAME(splat)(e->bias ? e->bias[oc] : 0.0f);
        for (int v = 0; v < nv; v++) {
            VEC y = acc[r * nv + v] + bias;
            if (direct[v]) {
                const long pixel = cursors[v].y * g->out_width + cursors[v].x;
                if (e->addend) {
                    const float *a = e->addend + (image + cursors[v].image) * e->addend_image_stride + oc * e->addend_channel_stride;
                    y += e->addend_per_pixel ? WN_NAME(load)(a + pixel) : WN_NAME(splat)(a[0]);
                }
                y = WN_NAME(act)(y, e->activation, e->alpha, e->beta);
                WN_NAME(store)(out + cursors[v].image * out_image + oc * plane + pixel, y);
            } else {
                if (tmp_activated) y = WN_NAME(act)(y, e->activation, e->alpha, e->beta);
                WN_NAME(store)(tmp + r * stride + v * WN_VW, y);
            }
        }
    }
    for (int v = 0; v < nv; v++)
        if (!direct[v]) WN_NAME(epilogue)(g, tmp + v * WN_VW, stride, cursors[v], WN_VW, oc0, rows, out, e, image, tmp_activated);
}

/* Cursors of the NV vectors of a tile starting at `start`, and whether each lies inside the valid
   columns of one output row (then it is stored straight into the output). */
#define WN_PLACE_TILE(NV, START, CURSORS, DIRECT)                                                            \
    do {                                                                                                     \
        wn_cursor c_ = (START);                                                                              \
        for (int v = 0; v < NV; v++) {                                                                       \
            CURSORS[v] = c_;                                                                                 \
            DIRECT[v] = c_.image < g->images && c_.y < g->out_height && c_.x + WN_VW <= g->out_width;          \
            wn_advance(&c_, WN_VW, g->pitch, phase_rows);                                                    \
        }                                                                                                    \
    } while (0)
#define WN_TILE_STATE(NV) wn_cursor placement[NV]; int counts[NV]
#define WN_TILE_ARGS placement, counts
#endif

static void WN_NAME(conv_tiles)(const wn_conv_geometry *g, const float *prepared, const float *packed,
                                int tile_begin, int tile_end, int block_begin, int block_end, float *out,
                                const wn_epilogue *e, int image) {
    const int channels = g->channels, taps = g->taps, oc = g->out_channels;
    const long cs = g->channel_stride, phase_rows = g->image_q / g->pitch;
    const long *offsets = g->tap_offsets;
    float tmp[8 * TILE] __attribute__((aligned(64)));
    wn_cursor tile_cursor = wn_cursor_at((long)tile_begin * TILE, g->image_q, g->pitch);
    for (int t = tile_begin; t < tile_end; t++) {
        const long q0 = (long)t * TILE;
        WN_TILE_STATE(WN_V);
        WN_PLACE_TILE(WN_V, tile_cursor, placement, counts);
        wn_advance(&tile_cursor, TILE, g->pitch, phase_rows);
        for (int b = block_begin; b < block_end; b++) {
            VEC acc[8][WN_V];
            for (int r = 0; r < 8; r++)
                for (int v = 0; v < WN_V; v++) acc[r][v] = (VEC){};
            const float *w = packed + (long)b * channels * taps * 8;
            for (int c = 0; c < channels; c++) {
                const float *src = prepared + c * cs + q0;
                for (int k = 0; k < taps; k++) {
                    const float *s = src + offsets[k];
                    VEC x[WN_V];
                    for (int v = 0; v < WN_V; v++) x[v] = WN_NAME(load)(s + v * WN_VW);
                    for (int r = 0; r < 8; r++) {
                        const VEC wr = WN_NAME(splat)(w[r]);
                        for (int v = 0; v < WN_V; v++) acc[r][v] += wr * x[v];
                    }
                    w += 8;
                }
            }
            const int rows = oc - b * 8 < 8 ? oc - b * 8 : 8;
            VEC result[8 * WN_V];
            for (int r = 0; r < 8; r++)
                for (int v = 0; v < WN_V; v++) result[r * WN_V + v] = acc[r][v];
            WN_NAME(finish_tile)(g, e, result, WN_V, rows, b * 8, placement, counts, out, image, tmp, TILE);
        }
    }
}

static void WN_NAME(depthwise)(const wn_conv_geometry *g, const float *prepared, const float *kernel, int channel,
                               float *out, const wn_epilogue *e, int image) {
    const int taps = g->taps;
    const long total = (long)(g->images - 1) * g->image_q + (long)g->out_height * g->pitch;
    const long *offsets = g->tap_offsets, phase_rows = g->image_q / g->pitch;
    float tmp[DW_TILE] __attribute__((aligned(64)));
    wn_cursor tile_cursor = {0, 0, 0};
    const int c = channel;
    for (long q0 = 0; q0 < total; q0 += DW_TILE) {
        VEC a0 = (VEC){}, a1 = (VEC){}, a2 = (VEC){}, a3 = (VEC){};
        for (int k = 0; k < taps; k++) {
            const VEC wk = WN_NAME(splat)(kernel[k]);
            const float *s = prepared + q0 + offsets[k];
            a0 += wk * WN_NAME(load)(s);
            a1 += wk * WN_NAME(load)(s + WN_VW);
            a2 += wk * WN_NAME(load)(s + 2 * WN_VW);
            a3 += wk * WN_NAME(load)(s + 3 * WN_VW);
        }
        VEC result[4] = {a0, a1, a2, a3};
        WN_TILE_STATE(4);
        WN_PLACE_TILE(4, tile_cursor, placement, counts);
        wn_advance(&tile_cursor, DW_TILE, g->pitch, phase_rows);
        WN_NAME(finish_tile)(g, e, result, 4, 1, c, placement, counts, out, image, tmp, DW_TILE);
    }
}

/* Sum of src[0..<n] (squared deviations from `center` when `squares`), with vector partial
   sums added in a fixed order. */
static double WN_NAME(sum)(const float *src, long n, int squares, float center) {
    VEC s0 = (VEC){}, s1 = (VEC){}, s2 = (VEC){}, s3 = (VEC){};
    long i = 0;
    for (; i + 4 * WN_VW <= n; i += 4 * WN_VW) {
        VEC d0 = WN_NAME(load)(src + i) - center, d1 = WN_NAME(load)(src + i + WN_VW) - center;
        VEC d2 = WN_NAME(load)(src + i + 2 * WN_VW) - center, d3 = WN_NAME(load)(src + i + 3 * WN_VW) - center;
        if (squares) {
            s0 += d0 * d0;
            s1 += d1 * d1;
            s2 += d2 * d2;
            s3 += d3 * d3;
        } else {
            s0 += d0;
            s1 += d1;
            s2 += d2;
            s3 += d3;
        }
    }
    VEC s = (s0 + s1) + (s2 + s3);
    double total = 0;
    for (int lane = 0; lane < WN_VW; lane++) total += s[lane];
    for (; i < n; i++) {
        const double d = (double)(src[i] - center);
        total += squares ? d * d : d;
    }
    return total;
}

static void WN_NAME(group_norm)(const float *src, float *dst, int channels, long plane, float epsilon,
                                const float *scale, const float *shift, int activation, float alpha, float beta) {
    const long n = (long)channels * plane;
    if (n == 0) return;
    const float mean = (float)(WN_NAME(sum)(src, n, 0, 0.0f) / (double)n);
    const double variance = WN_NAME(sum)(src, n, 1, mean) / (double)n;
    const float inverse = (float)(1.0 / __builtin_sqrt(variance + (double)epsilon));
    for (int c = 0; c < channels; c++) {
        const float a = inverse * (scale ? scale[c] : 1.0f);
        const float b = shift ? shift[c] : 0.0f;
        const float *s = src + c * plane;
        float *d = dst + c * plane;
        for (long i = 0; i < plane; i++) d[i] = (s[i] - mean) * a + b;
        if (activation != WN_ACT_NONE) WN_NAME(activation)(d, d, plane, activation, alpha, beta);
    }
}

static void WN_NAME(softmax_rows)(const float *source, float *destination, long rows, long length) {
    for (long row = 0; row < rows; row++) {
        const float *src = source + row * length;
        float *dst = destination + row * length;
        long n = length;
        float m = -__builtin_inff();
        long i = 0;
        if (n >= WN_VW) {
            VEC mv = WN_NAME(load)(src);
            for (i = WN_VW; i + WN_VW <= n; i += WN_VW) mv = __builtin_elementwise_max(mv, WN_NAME(load)(src + i));
            for (int lane = 0; lane < WN_VW; lane++) m = mv[lane] > m ? mv[lane] : m;
        }
        for (; i < n; i++) m = src[i] > m ? src[i] : m;
        VEC sv = (VEC){};
        i = 0;
        for (; i + WN_VW <= n; i += WN_VW) {
            VEC e = WN_NAME(vexp)(WN_NAME(load)(src + i) - m);
            WN_NAME(store)(dst + i, e);
            sv += e;
        }
        float total = 0;
        for (int lane = 0; lane < WN_VW; lane++) total += sv[lane];
        if (i < n) {
            float t[WN_VW];
            for (int lane = 0; lane < WN_VW; lane++) t[lane] = i + lane < n ? src[i + lane] - m : -100.0f;
            VEC e = WN_NAME(vexp)(WN_NAME(load)(t));
            for (long lane = 0; i + lane < n; lane++) {
                dst[i + lane] = e[lane];
                total += e[lane];
            }
        }
        const float inverse = 1.0f / total;
        for (i = 0; i < n; i++) dst[i] *= inverse;
    }
}

#undef VEC
#undef IVEC
#undef TILE
#undef DW_TILE
#undef WN_MAP
#undef WN_PLACE_TILE
#undef WN_TILE_STATE
#undef WN_TILE_ARGS
