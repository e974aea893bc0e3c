#ifndef WINNOW_CKERNELS_H
#define WINNOW_CKERNELS_H
/*
 * Vectorised float32 kernels for inference (direct and depthwise convolution with fused
 * epilogues, activations, group normalisation, softmax rows). Each kernel is compiled once per
 * instruction set (AVX-512, AVX2+FMA, and the portable baseline) and the fastest one the CPU
 * supports is chosen at the first call. Single-threaded: callers split the work.
 *
 * Prepared input layout (convolution): every input channel of a group of images is copied, zero
 * padded, into `stride * stride` phase planes (phase (py, px) holds padded rows py, py+stride, ...
 * and columns px, px+stride, ...), each `phase_rows` x `pitch` per image, the group's images one
 * after another (`image_q` floats apart) inside each phase. A strided convolution then reads
 * every tap at a constant offset from the output's flattened index
 * q = image * image_q + y * pitch + x, so one vector of consecutive q serves every stride and,
 * for small planes, several images. Outputs with x >= out_width or y >= out_height are computed
 * and discarded; reads may run up to `wn_conv_slack` floats past the last channel block.
 */
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

enum wn_activation_kind {
    WN_ACT_NONE = 0,
    WN_ACT_RELU = 1,
    WN_ACT_CLIP = 2,          /* min(max(x, alpha), beta) */
    WN_ACT_SIGMOID = 3,
    WN_ACT_SILU = 4,          /* x * sigmoid(x) */
    WN_ACT_HARD_SIGMOID = 5,  /* max(0, min(1, alpha * x + beta)) */
    WN_ACT_HARD_SWISH = 6,    /* x * max(0, min(1, x / 6 + 1 / 2)) */
    WN_ACT_LEAKY_RELU = 7,    /* x < 0 ? alpha * x : x */
};

/* What happens to each output value after the sum: + bias[oc], + addend, then the activation. */
typedef struct wn_epilogue {
    const float *bias;            /* one value per output channel, or NULL */
    const float *addend;          /* NULL, or the value added for image 0 */
    long addend_image_stride;     /* floats between images of the addend */
    long addend_channel_stride;   /* floats between channels of the addend */
    int addend_per_pixel;         /* 1: one addend value per output pixel (y * out_width + x); 0: one per channel */
    int activation;               /* enum wn_activation_kind */
    float alpha, beta;
} wn_epilogue;

/* One convolution over prepared input (see the layout above). */
typedef struct wn_conv_geometry {
    int channels;                 /* input channels summed per output channel (1 for depthwise) */
    int out_channels;
    int out_height, out_width;
    int pitch;                    /* row pitch of the prepared planes */
    int images;                   /* images in the prepared group */
    long image_q;                 /* flattened indices between consecutive images (phase_rows * pitch) */
    int taps;                     /* kernel height * kernel width */
    const long *tap_offsets;      /* per tap: offset inside one channel's prepared block */
    long channel_stride;          /* floats between input channels' prepared blocks */
} wn_conv_geometry;

/* The instruction set the kernels run with ("avx512", "avx2", "baseline"): the best the CPU
   supports, or the environment variable WINNOW_ISA's when the CPU supports that one. */
const char *wn_instruction_set(void);
/* Switches to a named instruction set (tests run every variant); returns 0 when unsupported. */
int wn_select_instruction_set(const char *name);
/* Flattened outputs per tile of wn_conv_tiles. */
int wn_conv_tile(void);
/* Output channels per packed weight block (weights are packed [OC/8][C][taps][8]). */
int wn_conv_block_rows(void);
/* Floats the kernels may read past the last prepared channel block. */
long wn_conv_slack(const wn_conv_geometry *g);

/* Copies `channels` planes height x width of each of `images` images (`source_image_stride`
   floats apart in src) into the prepared layout (zero padding), with stride_height *
   stride_width phase planes per channel and images `image_q` floats apart inside a phase. */
void wn_prepare_input(const float *src, int images, long source_image_stride, int channels, int height, int width,
                      int pad_top, int pad_left, int stride_height, int stride_width, int phase_rows, int pitch,
                      long image_q, long phase_stride, long channel_stride, float *dst);

/* The stride-1 ("compact") layout: one zero column and row serve as the right/bottom padding of
   one row/image and the left/top padding of the next, so a channel block is `lead` zeros
   (pad_left + pad_top rows), then each image's `image_rows` rows of `pitch` floats (data in the
   first `height` rows and `width` columns, zeros elsewhere). Taps then sit at offsets
   ky * dilation * pitch + kx * dilation from q = image * image_q + y * pitch + x, with
   pitch >= width + max(pad_left, pad_right) and image_rows >= height + max(pad_top, pad_bottom). */
void wn_prepare_compact(const float *src, int images, long source_image_stride, int channels, int height, int width,
                        int pitch, int image_rows, long lead, long channel_stride, float *dst);

/* Dense convolution of one group of images for tiles [tile_begin, tile_end) and output channel blocks
   [block_begin, block_end) (8 channels each). `out` is the output of the group's first image
   (index `image` in the batch, for the addend); images follow at out_channels * out_height *
   out_width floats. Tiles cover q in [0, (images - 1) * image_q + out_height * pitch). */
void wn_conv_tiles(const wn_conv_geometry *g, const float *prepared, const float *packed_weights,
                   int tile_begin, int tile_end, int block_begin, int block_end, float *out,
                   const wn_epilogue *e, int image);

/* Depthwise convolution of channel `channel` of a group of images: `prepared` is that channel's
   block, `kernel` its taps; writes plane `channel` of each image's output (`out` is the first
   image's output, index `image` in the batch). */
void wn_depthwise(const wn_conv_geometry *g, const float *prepared, const float *kernel, int channel,
                  float *out, const wn_epilogue *e, int image);

/* dst[i] = activation(src[i]) (dst may equal src). */
void wn_activation(const float *src, float *dst, long count, int activation, float alpha, float beta);

/* Normalises `channels` planes of `plane` floats together (one group), then per channel
   y = x_hat * scale[c] + shift[c] (scale/shift may be NULL: 1 and 0), then the activation. */
void wn_group_norm(const float *src, float *dst, int channels, long plane, float epsilon,
                   const float *scale, const float *shift, int activation, float alpha, float beta);

/* Softmax over each of `rows` contiguous rows of `length` floats. */
void wn_softmax_rows(const float *src, float *dst, long rows, long length);

/* Returns freed heap memory to the system where the C library can (glibc malloc_trim). */
void wn_release_freed_memory(void);

/* Records the CPUs the process may use and the one the caller runs on (once; call before any
   thread is bound). Later pinning picks from this set, counting from that CPU. */
void wn_capture_affinity(void);

/* The CPU `index` places from the captured one (modulo the set's size): index 0 is the captured
   CPU itself (an inference pass's caller), 1, 2, ... the pool's workers. -1 where unsupported. */
int wn_cpu_for_index(int index);

/* Binds the calling thread to wn_cpu_for_index(index) (Linux); returns 0 on success, -1 where
   unsupported. */
int wn_pin_current_thread(int index);

/* Binds the calling thread to wn_cpu_for_index(0) until the matching wn_unbind_caller, which
   restores its previous CPU set (calls nest; Linux only, elsewhere they do nothing). */
void wn_bind_caller(void);
void wn_unbind_caller(void);

#ifdef __cplusplus
}
#endif
#endif
