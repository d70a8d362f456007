// Allocator statistics for selfconnect-bench, which Swift's Glibc module does not export (malloc.h).
#ifndef CBENCHSHIMS_H
#define CBENCHSHIMS_H

#include <stddef.h>

/// Bytes handed out by malloc and not yet freed, from every arena: glibc mallinfo2()'s `uordblks` (heap
/// chunks in use) plus `hblkhd` (chunks served by mmap). 0 when the C library has no mallinfo2 (glibc < 2.33).
size_t sc_heap_in_use(void);

#endif
