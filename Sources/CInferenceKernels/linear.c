#include "CInferenceKernels.h"

#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

// The tile loops have constant trip counts once inlined; unrolling them keeps the accumulators
// in registers.
#define UNROLL _Pragma("clang loop unroll(full)")

typedef float f32x16 __attribute__((vector_size(64)));
typedef int8_t i8x16 __attribute__((vector_size(16)));
typedef _Float16 f16x16 __attribute__((vector_size(32)));

// Rows per register tile: AVX2 has 16 vector registers, 12 hold accumulators (6 rows x one
// 16-float vector, itself two registers). An AVX-512 variant (12 rows x 32 columns) measured 8%
// slower on the Zen 4 benches, which split 512-bit operations in two, so there is none.
enum { TILE_ROWS = 6 };
// Rows per chunk (a multiple of the tile height): a chunk of activations stays in L2 while every
// block of weights passes over it.
enum { CHUNK_ROWS = 48 };

size_t cabin_block_count(size_t n) { return (n + CABIN_BLOCK - 1) / CABIN_BLOCK; }

size_t cabin_packed_bytes(cabin_weight_format format, size_t n, size_t k) {
  return cabin_block_count(n) * k * CABIN_BLOCK * (format == CABIN_WEIGHTS_F16 ? 2 : 1);
}

int cabin_isa_supported(cabin_isa isa) {
  switch (isa) {
  case CABIN_ISA_SCALAR:
    return 1;
#if defined(__x86_64__)
  case CABIN_ISA_AVX2:
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") &&
           __builtin_cpu_supports("f16c");
#endif
  default:
    return 0;
  }
}

cabin_isa cabin_best_isa(void) {
  if (cabin_isa_supported(CABIN_ISA_AVX2)) return CABIN_ISA_AVX2;
  return CABIN_ISA_SCALAR;
}

float cabin_half_to_float(uint16_t bits) {
  int exponent = (bits >> 10) & 0x1f;
  int mantissa = bits & 0x3ff;
  float magnitude;
  if (exponent == 0)
    magnitude = ldexpf((float)mantissa, -24);
  else if (exponent == 31)
    magnitude = mantissa ? NAN : INFINITY;
  else
    magnitude = ldexpf((float)(mantissa | 0x400), exponent - 25);
  return (bits & 0x8000) ? -magnitude : magnitude;
}

uint16_t cabin_float_to_half(float value) {
  uint16_t sign = signbit(value) ? 0x8000 : 0;
  float magnitude = fabsf(value);
  if (isnan(magnitude)) return sign | 0x7e00;
  if (magnitude >= 65520.0f) return sign | 0x7c00;
  // Below the smallest normal half, the value is a count of 2^-24 units (1024 units carry into
  // the smallest normal, which the same bits encode).
  if (magnitude < 0x1p-14f) return sign | (uint16_t)nearbyintf(magnitude * 0x1p24f);
  int exponent;
  float fraction = frexpf(magnitude, &exponent);
  uint32_t significand = (uint32_t)nearbyintf(fraction * 2048.0f);
  if (significand == 2048) {
    significand = 1024;
    exponent += 1;
  }
  return sign | (uint16_t)(((uint32_t)(exponent + 14) << 10) | (significand - 1024));
}

void cabin_pack(cabin_weight_format format, const float *weight, size_t n, size_t k, void *packed,
                float *scales) {
  size_t blocks = cabin_block_count(n);
  memset(packed, 0, cabin_packed_bytes(format, n, k));
  memset(scales, 0, blocks * CABIN_BLOCK * sizeof(float));
  for (size_t c = 0; c < n; c++) {
    const float *row = weight + c * k;
    size_t first = (c / CABIN_BLOCK) * k * CABIN_BLOCK + c % CABIN_BLOCK;
    if (format == CABIN_WEIGHTS_F16) {
      scales[c] = 1;
      uint16_t *column = (uint16_t *)packed + first;
      for (size_t i = 0; i < k; i++) column[i * CABIN_BLOCK] = cabin_float_to_half(row[i]);
      continue;
    }
    float largest = 0;
    for (size_t i = 0; i < k; i++) largest = fmaxf(largest, fabsf(row[i]));
    if (!(largest > 0) || !isfinite(largest)) continue;
    float scale = largest / 127.0f;
    scales[c] = scale;
    int8_t *column = (int8_t *)packed + first;
    for (size_t i = 0; i < k; i++) {
      float q = nearbyintf(row[i] / scale);
      column[i * CABIN_BLOCK] = (int8_t)fmaxf(-127.0f, fminf(127.0f, q));
    }
  }
}

static void linear_scalar(cabin_weight_format format, const float *x, size_t rows, size_t k,
                          const void *packed, const float *scales, const float *bias, size_t n,
                          size_t block_begin, size_t block_end, float *out) {
  for (size_t b = block_begin; b < block_end; b++) {
    for (size_t j = 0; j < CABIN_BLOCK && b * CABIN_BLOCK + j < n; j++) {
      size_t c = b * CABIN_BLOCK + j;
      size_t first = b * k * CABIN_BLOCK + j;
      for (size_t r = 0; r < rows; r++) {
        float sum = 0;
        for (size_t i = 0; i < k; i++) {
          size_t index = first + i * CABIN_BLOCK;
          float w = format == CABIN_WEIGHTS_F16 ? cabin_half_to_float(((const uint16_t *)packed)[index])
                                                : (float)((const int8_t *)packed)[index];
          sum += x[r * k + i] * w;
        }
        out[r * n + c] = bias[c] + scales[c] * sum;
      }
    }
  }
}

// One register tile: TILE_ROWS rows of x (interleaved: x[i * TILE_ROWS + r]) against the 16
// columns of one block starting at `first`. Inlined with a constant format into each kernel below;
// the unrolled loops keep the accumulators in registers.
static inline __attribute__((always_inline)) void tile(cabin_weight_format format, const float *x,
                                                        size_t k, const void *w, size_t first,
                                                        f32x16 acc[TILE_ROWS]) {
  UNROLL for (int r = 0; r < TILE_ROWS; r++) acc[r] = (f32x16){0};
  for (size_t i = 0; i < k; i++) {
    f32x16 weights;
    size_t index = i * CABIN_BLOCK + first;
    if (format == CABIN_WEIGHTS_F16) {
      f16x16 halves;
      memcpy(&halves, (const uint16_t *)w + index, sizeof halves);
      weights = __builtin_convertvector(halves, f32x16);
    } else {
      i8x16 bytes;
      memcpy(&bytes, (const int8_t *)w + index, sizeof bytes);
      weights = __builtin_convertvector(bytes, f32x16);
    }
    UNROLL for (int r = 0; r < TILE_ROWS; r++) acc[r] += x[i * TILE_ROWS + (size_t)r] * weights;
  }
}

// Interleaves rows [first, end) of x into tiles of `tile_rows` (zero rows pad the last tile), so a
// tile reads its activations sequentially.
static void interleave(const float *x, size_t first, size_t end, size_t k, size_t tile_rows,
                       float *tiles) {
  for (size_t row = first; row < end; row += tile_rows) {
    float *tile_start = tiles + (row - first) * k;
    for (size_t r = 0; r < tile_rows; r++) {
      if (row + r < end) {
        const float *source = x + (row + r) * k;
        for (size_t i = 0; i < k; i++) tile_start[i * tile_rows + r] = source[i];
      } else {
        for (size_t i = 0; i < k; i++) tile_start[i * tile_rows + r] = 0;
      }
    }
  }
}

static inline __attribute__((always_inline)) void
linear_tiled(cabin_weight_format format, const float *x, size_t rows, size_t k, const void *packed,
             const float *scales, const float *bias, size_t n, size_t block_begin,
             size_t block_end, float *out, float *tiles) {
  size_t element = format == CABIN_WEIGHTS_F16 ? 2 : 1;
  for (size_t chunk_start = 0; chunk_start < rows; chunk_start += CHUNK_ROWS) {
    size_t chunk_end = chunk_start + CHUNK_ROWS < rows ? chunk_start + CHUNK_ROWS : rows;
    interleave(x, chunk_start, chunk_end, k, TILE_ROWS, tiles);
    for (size_t b = block_begin; b < block_end; b++) {
      const void *w = (const char *)packed + b * k * CABIN_BLOCK * element;
      for (size_t first = 0; first < CABIN_BLOCK; first += 16) {
        size_t column = b * CABIN_BLOCK + first;
        if (column >= n) break;
        size_t width = n - column < 16 ? n - column : 16;
        f32x16 scale = {0}, offset = {0};
        memcpy(&scale, scales + column, width * sizeof(float));
        memcpy(&offset, bias + column, width * sizeof(float));
        for (size_t row = chunk_start; row < chunk_end; row += TILE_ROWS) {
          size_t valid = chunk_end - row < TILE_ROWS ? chunk_end - row : TILE_ROWS;
          f32x16 acc[TILE_ROWS];
          tile(format, tiles + (row - chunk_start) * k, k, w, first, acc);
          UNROLL for (int r = 0; r < TILE_ROWS; r++) {
            if ((size_t)r >= valid) break;
            f32x16 result = acc[r] * scale + offset;
            memcpy(out + (row + (size_t)r) * n + column, &result, width * sizeof(float));
          }
        }
      }
    }
  }
}

#if defined(__x86_64__)
__attribute__((target("avx2,fma,f16c"))) static void
int8_avx2(const float *x, size_t rows, size_t k, const void *packed, const float *scales,
          const float *bias, size_t n, size_t b0, size_t b1, float *out, float *tiles) {
  linear_tiled(CABIN_WEIGHTS_INT8, x, rows, k, packed, scales, bias, n, b0, b1, out, tiles);
}

__attribute__((target("avx2,fma,f16c"))) static void
f16_avx2(const float *x, size_t rows, size_t k, const void *packed, const float *scales,
         const float *bias, size_t n, size_t b0, size_t b1, float *out, float *tiles) {
  linear_tiled(CABIN_WEIGHTS_F16, x, rows, k, packed, scales, bias, n, b0, b1, out, tiles);
}
#endif

void cabin_linear(cabin_isa isa, cabin_weight_format format, const float *x, size_t rows, size_t k,
                  const void *packed, const float *scales, const float *bias, size_t n,
                  size_t block_begin, size_t block_end, float *out) {
#if defined(__x86_64__)
  if (isa == CABIN_ISA_AVX2 && cabin_isa_supported(isa)) {
    // Room for one chunk of interleaved activations, padded to whole tiles.
    size_t chunk = rows < CHUNK_ROWS ? rows + TILE_ROWS : CHUNK_ROWS;
    float *tiles = malloc(chunk * k * sizeof(float));
    if (tiles != NULL) {
      (format == CABIN_WEIGHTS_F16 ? f16_avx2 : int8_avx2)(x, rows, k, packed, scales, bias, n,
                                                           block_begin, block_end, out, tiles);
      free(tiles);
      return;
    }
  }
#endif
  linear_scalar(format, x, rows, k, packed, scales, bias, n, block_begin, block_end, out);
}

// erf and its derivative on [0, 4] every 1/256, for cubic Hermite interpolation: the
// interpolation error (below 1e-11) is far under float's rounding, and a lookup costs a fraction
// of libm's erff. Beyond 4, erf differs from 1 by less than a float can show.
enum { ERF_STEPS = 256, ERF_LIMIT = 4, ERF_POINTS = ERF_STEPS * ERF_LIMIT + 2 };
static float erf_values[ERF_POINTS];
static float erf_slopes[ERF_POINTS];
static pthread_once_t erf_once = PTHREAD_ONCE_INIT;

static void erf_table_init(void) {
  for (int i = 0; i < ERF_POINTS; i++) {
    double x = (double)i / ERF_STEPS;
    erf_values[i] = (float)erf(x);
    erf_slopes[i] = (float)(2 / sqrt(M_PI) * exp(-x * x) / ERF_STEPS);
  }
}

static inline float erf_lookup(float x) {
  float magnitude = fabsf(x);
  if (!(magnitude < ERF_LIMIT)) return isnan(x) ? x : (x < 0 ? -1.0f : 1.0f);
  float scaled = magnitude * ERF_STEPS;
  int index = (int)scaled;
  float u = scaled - (float)index, v = 1 - u;
  float result = (1 + 2 * u) * v * v * erf_values[index] + u * v * v * erf_slopes[index] +
                 u * u * (3 - 2 * u) * erf_values[index + 1] - u * u * v * erf_slopes[index + 1];
  return x < 0 ? -result : result;
}

float cabin_erf(float x) {
  pthread_once(&erf_once, erf_table_init);
  return erf_lookup(x);
}

void cabin_gelu(float *x, size_t count) {
  pthread_once(&erf_once, erf_table_init);
  const float inverse_root2 = 0.70710678118654752f;
  for (size_t i = 0; i < count; i++) x[i] = 0.5f * x[i] * (1 + erf_lookup(x[i] * inverse_root2));
}
