#define _GNU_SOURCE
#include "ckernels.h"
#if defined(__linux__)
#include <sched.h>
#include <malloc.h>
#endif

#include <stdlib.h>
#include <string.h>
#if defined(__x86_64__) && defined(__clang__)
#include <immintrin.h>
#endif

/* Position of a flattened output index: image of the group, row and column in its phase plane. */
typedef struct wn_cursor {
    long image, y, x;
} wn_cursor;

static inline wn_cursor wn_cursor_at(long q, long image_q, long pitch) {
    wn_cursor c;
    c.image = q / image_q;
    const long within = q - c.image * image_q;
    c.y = within / pitch;
    c.x = within - c.y * pitch;
    return c;
}

/* Moves a cursor `n` indices on without dividing in the common cases. */
static inline void wn_advance(wn_cursor *c, long n, long pitch, long rows) {
    c->x += n;
    if (c->x >= pitch) {
        if (c->x < 2 * pitch) {
            c->x -= pitch;
            c->y += 1;
        } else {
            c->y += c->x / pitch;
            c->x %= pitch;
        }
        if (c->y >= rows) {
            if (c->y < 2 * rows) {
                c->y -= rows;
                c->image += 1;
            } else {
                c->image += c->y / rows;
                c->y %= rows;
            }
        }
    }
}

/* A run of lanes of one output vector that lands in one output row (masked stores). */
typedef struct wn_piece {
    unsigned mask;
    long image, base;
} wn_piece;

/* The portable variant: plain vectors the compiler lowers to whatever the baseline target has. */
#define WN_VW 4
#define WN_V 1
#define WN_MASKED 0
#define WN_NAME(x) wn_##x##_baseline
#include "KernelTemplate.h"
#undef WN_MASKED
#undef WN_VW
#undef WN_V
#undef WN_NAME

#if defined(__x86_64__) && defined(__clang__)
#define WN_HAVE_X86_VARIANTS 1
/* AVX2 + FMA: 16 vector registers, so one vector of 8 outputs per tile row (8 accumulators). */
#pragma clang attribute push(__attribute__((target("avx2,fma"))), apply_to = function)
#define WN_VW 8
#define WN_V 1
#define WN_MASKED 0
#define WN_NAME(x) wn_##x##_avx2
#include "KernelTemplate.h"
#undef WN_MASKED
#undef WN_VW
#undef WN_V
#undef WN_NAME
#pragma clang attribute pop

/* AVX-512: 32 registers hold 8 x 3 accumulators, 3 input vectors and a weight. */
#pragma clang attribute push(__attribute__((target("avx512f,avx512vl,avx512dq,avx512bw,avx2,fma"))), apply_to = function)
#define WN_VW 16
#define WN_V 3
#define WN_MASKED 1
#define WN_NAME(x) wn_##x##_avx512
#include "KernelTemplate.h"
#undef WN_MASKED
#undef WN_VW
#undef WN_V
#undef WN_NAME
#pragma clang attribute pop
#endif

typedef struct wn_table {
    const char *name;
    int tile;
    void (*conv_tiles)(const wn_conv_geometry *, const float *, const float *, int, int, int, int, float *, const wn_epilogue *, int);
    void (*depthwise)(const wn_conv_geometry *, const float *, const float *, int, float *, const wn_epilogue *, int);
    void (*activation)(const float *, float *, long, int, float, float);
    void (*group_norm)(const float *, float *, int, long, float, const float *, const float *, int, float, float);
    void (*softmax_rows)(const float *, float *, long, long);
} wn_table;

#define WN_TABLE(suffix, vw, v)                                                                                   \
    { #suffix, (vw) * (v), wn_conv_tiles_##suffix, wn_depthwise_##suffix, wn_activation_##suffix,            \
      wn_group_norm_##suffix, wn_softmax_rows_##suffix }

static const wn_table wn_baseline = WN_TABLE(baseline, 4, 1);
#ifdef WN_HAVE_X86_VARIANTS
static const wn_table wn_avx2 = WN_TABLE(avx2, 8, 1);
static const wn_table wn_avx512 = WN_TABLE(avx512, 16, 3);
#endif

static const wn_table *wn_supported(const char *name) {
    if (strcmp(name, "baseline") == 0) return &wn_baseline;
#ifdef WN_HAVE_X86_VARIANTS
    __builtin_cpu_init();
    if (strcmp(name, "avx2") == 0 && __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return &wn_avx2;
    if (strcmp(name, "avx512") == 0 && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") &&
        __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("fma"))
        return &wn_avx512;
#endif
    return 0;
}

static const wn_table *wn_current_table;

/* The best supported variant, or WINNOW_ISA's when that names a supported one. */
static const wn_table *wn_table_now(void) {
    const wn_table *t = __atomic_load_n(&wn_current_table, __ATOMIC_ACQUIRE);
    if (t) return t;
    const char *forced = getenv("WINNOW_ISA");
    t = forced ? wn_supported(forced) : 0;
    if (!t) t = wn_supported("avx512");
    if (!t) t = wn_supported("avx2");
    if (!t) t = &wn_baseline;
    __atomic_store_n(&wn_current_table, t, __ATOMIC_RELEASE);
    return t;
}

int wn_select_instruction_set(const char *name) {
    const wn_table *t = wn_supported(name);
    if (!t) return 0;
    __atomic_store_n(&wn_current_table, t, __ATOMIC_RELEASE);
    return 1;
}

const char *wn_instruction_set(void) { return wn_table_now()->name; }
int wn_conv_tile(void) { return wn_table_now()->tile; }
int wn_conv_block_rows(void) { return 8; }

long wn_conv_slack(const wn_conv_geometry *g) {
    long largest = 0;
    for (int k = 0; k < g->taps; k++)
        if (g->tap_offsets[k] > largest) largest = g->tap_offsets[k];
    /* The largest tile of any variant (dense 48, depthwise 64) plus the farthest tap. */
    return 64 + largest + 16;
}

void wn_prepare_input(const float *src, int images, long source_image_stride, int channels, int height, int width,
                      int pad_top, int pad_left, int stride_height, int stride_width, int phase_rows, int pitch,
                      long image_q, long phase_stride, long channel_stride, float *dst) {
    for (int py = 0; py < stride_height; py++) {
        for (int px = 0; px < stride_width; px++) {
            /* Columns j of this phase whose input column j * stride + px - pad_left lies inside. */
            int lo = 0;
            while (lo < pitch && lo * stride_width + px - pad_left < 0) lo++;
            int hi = lo;
            while (hi < pitch && hi * stride_width + px - pad_left < width) hi++;
            const int shift = px - pad_left;
            for (int c = 0; c < channels; c++) {
                for (int i = 0; i < images; i++) {
                    const float *plane = src + i * source_image_stride + (long)c * height * width;
                    float *phase = dst + c * channel_stride + (py * stride_width + px) * phase_stride + i * image_q;
                    for (int r = 0; r < phase_rows; r++) {
                        float *d = phase + (long)r * pitch;
                        const int row = r * stride_height + py - pad_top;
                        if (row < 0 || row >= height) {
                            for (int j = 0; j < pitch; j++) d[j] = 0.0f;
                            continue;
                        }
                        const float *s = plane + (long)row * width;
                        for (int j = 0; j < lo; j++) d[j] = 0.0f;
                        if (stride_width == 1) {
                            for (int j = lo; j < hi; j++) d[j] = s[j + shift];
                        } else {
                            for (int j = lo; j < hi; j++) d[j] = s[j * stride_width + shift];
                        }
                        for (int j = hi; j < pitch; j++) d[j] = 0.0f;
                    }
                }
            }
        }
    }
}

void wn_prepare_compact(const float *src, int images, long source_image_stride, int channels, int height, int width,
                        int pitch, int image_rows, long lead, long channel_stride, float *dst) {
    for (int c = 0; c < channels; c++) {
        float *block = dst + c * channel_stride;
        for (long j = 0; j < lead; j++) block[j] = 0.0f;
        for (int i = 0; i < images; i++) {
            const float *plane = src + i * source_image_stride + (long)c * height * width;
            float *image = block + lead + (long)i * image_rows * pitch;
            for (int r = 0; r < height; r++) {
                float *d = image + (long)r * pitch;
                const float *s = plane + (long)r * width;
                for (int j = 0; j < width; j++) d[j] = s[j];
                for (int j = width; j < pitch; j++) d[j] = 0.0f;
            }
            float *tail = image + (long)height * pitch;
            for (long j = 0; j < (long)(image_rows - height) * pitch; j++) tail[j] = 0.0f;
        }
    }
}

void wn_conv_tiles(const wn_conv_geometry *g, const float *prepared, const float *packed_weights, int tile_begin,
                   int tile_end, int block_begin, int block_end, float *out, const wn_epilogue *e, int image) {
    wn_table_now()->conv_tiles(g, prepared, packed_weights, tile_begin, tile_end, block_begin, block_end, out, e, image);
}

void wn_depthwise(const wn_conv_geometry *g, const float *prepared, const float *kernel, int channel, float *out,
                  const wn_epilogue *e, int image) {
    wn_table_now()->depthwise(g, prepared, kernel, channel, out, e, image);
}

void wn_activation(const float *src, float *dst, long count, int activation, float alpha, float beta) {
    wn_table_now()->activation(src, dst, count, activation, alpha, beta);
}

void wn_group_norm(const float *src, float *dst, int channels, long plane, float epsilon, const float *scale,
                   const float *shift, int activation, float alpha, float beta) {
    wn_table_now()->group_norm(src, dst, channels, plane, epsilon, scale, shift, activation, alpha, beta);
}

void wn_softmax_rows(const float *src, float *dst, long rows, long length) {
    wn_table_now()->softmax_rows(src, dst, rows, length);
}

#if defined(__linux__)
/* The CPUs the process may use, as first seen (wn_capture_affinity): threads created while the
   caller is bound to one CPU inherit that single CPU, so pinning reads this set, not theirs. */
static cpu_set_t wn_process_affinity;
static int wn_process_affinity_known;
#endif

/* The position, in that set, of the CPU the capturing thread ran on: pinning counts from it, so
   separate processes (each capturing wherever the kernel first ran it) spread over a large
   machine instead of all taking its first CPUs. */
static int wn_process_base;

void wn_capture_affinity(void) {
#if defined(__linux__)
    if (wn_process_affinity_known) return;
    if (sched_getaffinity(0, sizeof wn_process_affinity, &wn_process_affinity) != 0) return;
    wn_process_affinity_known = 1;
    const int current = sched_getcpu();
    int position = 0;
    for (int cpu = 0; cpu < CPU_SETSIZE && cpu < current; cpu++) {
        if (CPU_ISSET(cpu, &wn_process_affinity)) position++;
    }
    wn_process_base = current >= 0 && CPU_ISSET(current, &wn_process_affinity) ? position : 0;
#endif
}

int wn_cpu_for_index(int index) {
#if defined(__linux__)
    cpu_set_t allowed;
    int base = 0;
    if (wn_process_affinity_known) {
        allowed = wn_process_affinity;
        base = wn_process_base;
    } else if (sched_getaffinity(0, sizeof allowed, &allowed) != 0) {
        return -1;
    }
    const int count = CPU_COUNT(&allowed);
    if (count <= 0 || index < 0) return -1;
    int wanted = (base + index) % count, seen = 0;
    for (int cpu = 0; cpu < CPU_SETSIZE; cpu++) {
        if (!CPU_ISSET(cpu, &allowed)) continue;
        if (seen++ == wanted) return cpu;
    }
    return -1;
#else
    (void)index;
    return -1;
#endif
}

int wn_pin_current_thread(int index) {
#if defined(__linux__)
    const int cpu = wn_cpu_for_index(index);
    if (cpu < 0) return -1;
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    return sched_setaffinity(0, sizeof set, &set) == 0 ? 0 : -1;
#else
    (void)index;
    return -1;
#endif
}

void wn_release_freed_memory(void) {
#if defined(__GLIBC__)
    malloc_trim(0);
#endif
}

#if defined(__linux__)
static _Thread_local cpu_set_t wn_saved_affinity;
static _Thread_local int wn_bind_depth;
static _Thread_local int wn_bind_saved;
#endif

void wn_bind_caller(void) {
#if defined(__linux__)
    if (wn_bind_depth++ > 0) return;
    wn_bind_saved = sched_getaffinity(0, sizeof wn_saved_affinity, &wn_saved_affinity) == 0;
    if (wn_bind_saved) wn_pin_current_thread(0);
#endif
}

void wn_unbind_caller(void) {
#if defined(__linux__)
    if (wn_bind_depth <= 0 || --wn_bind_depth > 0) return;
    if (wn_bind_saved) sched_setaffinity(0, sizeof wn_saved_affinity, &wn_saved_affinity);
#endif
}
