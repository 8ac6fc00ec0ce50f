#ifndef CABIN_COPENBLAS_SHIM_H
#define CABIN_COPENBLAS_SHIM_H
#include <cblas.h>
#endif
