// glibc's malloc tuning (mallopt), which Swift's Glibc module does not export.
#include <malloc.h>

static inline int ambient_M_MMAP_THRESHOLD(void) { return M_MMAP_THRESHOLD; }
