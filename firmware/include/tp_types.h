/*
 * tinyprune runtime kernels: shared types (status codes, shapes).
 *
 * C99, no allocation, no libc beyond <stdint.h>/<stddef.h> here. Every public symbol is
 * prefixed tp_ (types, functions) or TP_ (macros, enum values).
 */
#ifndef TP_TYPES_H
#define TP_TYPES_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Result of every kernel. Kernels check their arguments cheaply (pointers, dimension
 * consistency, documented ranges) before touching any data and return a non-zero code instead
 * of running on bad input; the code generator validates the same things on the host, so on a
 * device a non-zero status means a bug or memory corruption, never a normal condition.
 * On any error the output buffer is left untouched, except TP_ERR_EMPTY_WINDOW (see there).
 */
typedef enum {
    TP_OK = 0,
    TP_ERR_NULL = 1,         /* a required pointer is NULL */
    TP_ERR_SHAPE = 2,        /* a dimension is < 1, or dimensions disagree with each other */
    TP_ERR_PARAM = 3,        /* a scalar parameter is outside its documented range */
    TP_ERR_EMPTY_WINDOW = 4, /* AVERAGE_POOL_2D: an output's window holds no input element
                              * (padding >= filter size). TFLM's reference kernel returns an
                              * error too; outputs before the failing one have been written. */
    TP_ERR_SCRATCH = 5       /* the kernel needs scratch memory and got NULL */
} tp_status;

/* Largest tensor rank the element-wise, PAD, MEAN and CONCATENATION kernels accept. TFLM's
 * reference kernels go up to 4-D (older) or 5/6-D (newer broadcast); 6 covers all of them. */
#define TP_MAX_DIMS 6

/* A 4-D NHWC extent (or OHWI / 1HWO for filters; see each params struct). All fields >= 1. */
typedef struct {
    int32_t n;
    int32_t h;
    int32_t w;
    int32_t c;
} tp_dims4;

/* An N-D shape, row-major (last dimension contiguous), 0 <= rank <= TP_MAX_DIMS.
 * dims[0..rank-1] are the extents (each >= 1); entries at and beyond rank are ignored.
 * A rank-0 shape is a scalar (one element). */
typedef struct {
    int32_t rank;
    int32_t dims[TP_MAX_DIMS];
} tp_shape;

#ifdef __cplusplus
}
#endif

#endif /* TP_TYPES_H */
