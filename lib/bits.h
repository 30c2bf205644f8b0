/* SPDX-License-Identifier: MIT */
/* Bit and field helpers for register and descriptor layouts. */
#ifndef LIB_BITS_H
#define LIB_BITS_H

#include <stdint.h>

#define BIT(n) (1ULL << (n))
/* Bits h..l inclusive, h >= l. */
#define GENMASK(h, l) ((~0ULL >> (63 - (h))) & (~0ULL << (l)))
#define FIELD_GET(mask, v) (((uint64_t)(v) & (mask)) >> __builtin_ctzll(mask))
#define FIELD_PREP(mask, v) (((uint64_t)(v) << __builtin_ctzll(mask)) & (mask))

static inline uint32_t be32_to_cpu(uint32_t v)
{
	return __builtin_bswap32(v);
}
static inline uint64_t be64_to_cpu(uint64_t v)
{
	return __builtin_bswap64(v);
}
static inline uint32_t cpu_to_be32(uint32_t v)
{
	return __builtin_bswap32(v);
}

/* Unaligned little/big-endian loads from untrusted byte buffers. */
static inline uint16_t get_le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}
static inline uint32_t get_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static inline uint64_t get_le64(const uint8_t *p)
{
	return (uint64_t)get_le32(p) | (uint64_t)get_le32(p + 4) << 32;
}
static inline uint32_t get_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}
static inline void put_le16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}
static inline void put_le32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}
static inline void put_le64(uint8_t *p, uint64_t v)
{
	put_le32(p, (uint32_t)v);
	put_le32(p + 4, (uint32_t)(v >> 32));
}
static inline void put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

#endif
