// Reduced-precision weight kernels for the encoder's linear layers.
//
// Weights are packed in blocks of CABIN_BLOCK output columns: block b holds, for each input index
// i, the 32 weights of columns 32b..32b+31 contiguously (columns past n are zero), either as int8
// quantised per output column (symmetric, scale = max|w| / 127) or as IEEE half floats (scale 1).
// Activations stay F32; each product converts weights to F32 on the fly and accumulates in F32:
//   out[r][c] = bias[c] + scale[c] * sum_i x[r][i] * w[c][i]
#ifndef CABIN_INFERENCE_KERNELS_H
#define CABIN_INFERENCE_KERNELS_H

#include <stddef.h>
#include <stdint.h>

#define CABIN_BLOCK 32

/// How packed weights are stored.
typedef enum {
  CABIN_WEIGHTS_INT8 = 1,
  CABIN_WEIGHTS_F16 = 2,
} cabin_weight_format;

/// The instruction sets the kernels come in.
typedef enum {
  CABIN_ISA_SCALAR = 0,
  CABIN_ISA_AVX2 = 1,
} cabin_isa;

/// The fastest kernel the running CPU supports.
cabin_isa cabin_best_isa(void);

/// Whether the running CPU can execute `isa`'s kernel (1) or not (0).
int cabin_isa_supported(cabin_isa isa);

/// Number of blocks for `n` output columns.
size_t cabin_block_count(size_t n);

/// Bytes of packed weights for an [n][k] matrix in `format`.
size_t cabin_packed_bytes(cabin_weight_format format, size_t n, size_t k);

/// Converts `weight` ([n][k], row-major, one row per output column) into `packed`
/// (cabin_packed_bytes bytes) and `scales` (block_count(n) * CABIN_BLOCK floats).
void cabin_pack(cabin_weight_format format, const float *weight, size_t n, size_t k, void *packed,
                float *scales);

/// Computes the columns of blocks [block_begin, block_end) of out[rows][n] from x[rows][k] with
/// the kernel `isa` (the scalar kernel when the CPU lacks `isa`). Different block ranges may run
/// concurrently.
void cabin_linear(cabin_isa isa, cabin_weight_format format, const float *x, size_t rows, size_t k,
                  const void *packed, const float *scales, const float *bias, size_t n,
                  size_t block_begin, size_t block_end, float *out);

/// IEEE half-float bits to float (portable; the SIMD kernels use the hardware conversion).
float cabin_half_to_float(uint16_t bits);

/// Float to IEEE half-float bits, rounding to nearest even.
uint16_t cabin_float_to_half(float value);

/// The error function to float precision (absolute error below 3e-7), by cubic Hermite
/// interpolation in a table; +-1 beyond +-4.
float cabin_erf(float x);

/// In-place GELU in BERT's exact form, 0.5 x (1 + erf(x / sqrt 2)).
void cabin_gelu(float *x, size_t count);

#endif
