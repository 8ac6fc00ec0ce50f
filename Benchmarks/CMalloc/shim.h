#ifndef CABIN_CMALLOC_SHIM_H
#define CABIN_CMALLOC_SHIM_H

/* glibc's malloc statistics (mallinfo2), which Swift's Glibc module leaves out: the speech
   benchmark reports the heap a recogniser holds. */
#include <malloc.h>

#endif
