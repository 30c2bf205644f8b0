# lib: freestanding support shared by every build (host unit tests included).
srcs-y += lib/err.c lib/fmt.c
# The page-table library: one implementation of every IO and CPU stage-1/stage-2 format,
# used by the IOMMU drivers and the CPU stage-2 (so it sits below both arch and iommu).
srcs-y += lib/pt/pt.c lib/pt/pt_fmt.c lib/pt/pt_pool.c
# Only in the freestanding images (the host C library provides these).
image-srcs-y += core/ssp.c
# The small C library subset for x86_64 (picolibc is packaged for aarch64 only).
x86_64-srcs += lib/libc/string.c lib/libc/stdlib.c
