// SPDX-License-Identifier: MIT
/* Multiboot2 boot information (arch/x86/mb2.h). Every size is checked against the total. */
#define LOG_COMPONENT "mb2"
#include "arch/x86/mb2.h"

#include <string.h>

#include "lib/compiler.h"
#include "lib/err.h"
#include "lib/fmt.h"

#define TAG_HDR 8u   /* u32 type, u32 size (3.6.1) */
#define MMAP_HDR 16u /* tag header, u32 entry_size, u32 entry_version (3.6.8) */
#define MMAP_ENTRY_MIN 24u
#define MODULE_HDR 16u /* tag header, u32 mod_start, u32 mod_end, then the string (3.6.6) */
#define E820_RAM 1
#define E820_ACPI 3
#define E820_NVS 4

static u32 rd32(const u8 *p)
{
	u32 v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static u64 rd64(const u8 *p)
{
	u64 v;

	memcpy(&v, p, sizeof(v));
	return v;
}

/* A NUL-terminated string of at most `n` bytes into `out` (cut to `cap`); false without NUL. */
static bool mb2_string(const u8 *s, u32 n, char *out, size_t cap)
{
	const u8 *nul = memchr(s, 0, n);
	size_t len;

	if (!nul)
		return false;
	len = MIN((size_t)(nul - s), cap - 1);
	memcpy(out, s, len);
	out[len] = '\0';
	return true;
}

static void mb2_mmap(const u8 *t, u32 size, struct boot_info *bi)
{
	u32 esz = size >= MMAP_HDR ? rd32(t + 8) : 0;

	if (esz < MMAP_ENTRY_MIN || esz % 8)
		return;
	for (u32 off = MMAP_HDR; size - off >= esz; off += esz) {
		u64 base = rd64(t + off), len = rd64(t + off + 8);
		u32 type = rd32(t + off + 16);
		enum boot_mem_kind kind = type == E820_RAM ? BOOT_MEM_RAM : BOOT_MEM_KEEP;

		if (type != E820_RAM && type != E820_ACPI && type != E820_NVS)
			continue;
		if (boot_info_add_mem(bi, pa(base), len, kind))
			bi->mem_dropped = true;
	}
}

static void mb2_module(const u8 *t, u32 size, struct boot_info *bi)
{
	struct boot_module *m = &bi->modules[bi->nmodules];
	u32 start, end;

	if (size < MODULE_HDR + 1 || bi->nmodules >= BOOT_MAX_MODULES)
		return;
	start = rd32(t + 8);
	end = rd32(t + 12);
	if (end <= start ||
	    !mb2_string(t + MODULE_HDR, size - MODULE_HDR, m->name, sizeof(m->name)))
		return;
	if (!m->name[0])
		fmt_snprintf(m->name, sizeof(m->name), "module%u", bi->nmodules);
	m->base = pa(start);
	m->size = end - start;
	bi->nmodules++;
}

static void mb2_tag(const u8 *t, u32 type, u32 size, u64 tag_pa, struct boot_info *bi)
{
	switch (type) {
	case MB2_TAG_CMDLINE:
		if (!mb2_string(t + TAG_HDR, size - TAG_HDR, bi->cmdline, sizeof(bi->cmdline)))
			bi->cmdline[0] = '\0';
		break;
	case MB2_TAG_MODULE: mb2_module(t, size, bi); break;
	case MB2_TAG_MMAP: mb2_mmap(t, size, bi); break;
	case MB2_TAG_ACPI_OLD:
	case MB2_TAG_ACPI_NEW:
		/* The RSDP copy (20 or 36 bytes); core checks its signature and checksum. */
		if (size >= TAG_HDR + 20 && (!bi->rsdp.v || type == MB2_TAG_ACPI_NEW))
			bi->rsdp = pa(tag_pa + TAG_HDR);
		break;
	default: break; /* other tags: not needed */
	}
}

/* Walks the tags; -E_INVAL when one runs past the total or the end tag is missing. */
static int mb2_walk(const u8 *mbi, u32 total, paddr_t mbi_pa, struct boot_info *bi)
{
	for (u32 off = 8; total - off >= TAG_HDR;) {
		u32 type = rd32(mbi + off), size = rd32(mbi + off + 4);

		if (size < TAG_HDR || size > total - off)
			return -E_INVAL;
		if (type == MB2_TAG_END)
			return 0;
		mb2_tag(mbi + off, type, size, mbi_pa.v + off, bi);
		off += (size + 7) & ~7u; /* total - off is a multiple of 8: no step past it */
	}
	return -E_INVAL;
}

int mb2_parse(const u8 *mbi, u64 avail, paddr_t mbi_pa, struct boot_info *bi)
{
	u32 total;
	int err;

	if (avail < 16 || (mbi_pa.v & 7))
		return -E_INVAL;
	total = rd32(mbi);
	if (total < 16 || total > avail || total > MB2_MAX_SIZE || (total & 7))
		return -E_INVAL;
	bi->path = BOOT_DIRECT;
	if ((err = mb2_walk(mbi, total, mbi_pa, bi)))
		return err;
	if (bi->nextra_rsv >= ARRAY_SIZE(bi->extra_rsv))
		return -E_NOSPC;
	bi->extra_rsv[bi->nextra_rsv++] = (struct pa_range){ mbi_pa, total };
	return 0;
}
