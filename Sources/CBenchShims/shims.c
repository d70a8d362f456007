#include "CBenchShims.h"
#include <stdlib.h>  // defines __GLIBC__ and __GLIBC_MINOR__

#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 33))
#include <malloc.h>

size_t sc_heap_in_use(void) {
    struct mallinfo2 m = mallinfo2();
    return m.uordblks + m.hblkhd;
}
#else
size_t sc_heap_in_use(void) { return 0; }
#endif
