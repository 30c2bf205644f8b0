// SPDX-License-Identifier: MIT
/* Helpers the boot paths share to build a struct boot_info. */
#include "core/boot_info.h"

#include "core/platform.h"
#include "lib/err.h"

int boot_info_add_mem(struct boot_info *bi, paddr_t base, u64 size, enum boot_mem_kind kind)
{
	u64 end;

	if (!size || add_overflow(base.v, size, &end))
		return trace_err(-E_INVAL);
	for (unsigned i = 0; i < bi->nmem; i++) {
		struct boot_mem *m = &bi->mem[i];
		if (m->kind != kind)
			continue;
		if (m->base.v + m->size == base.v) {
			m->size += size;
			return 0;
		}
		if (end == m->base.v) {
			m->base = base;
			m->size += size;
			return 0;
		}
	}
	if (bi->nmem >= BOOT_MAX_MEM)
		return trace_err(-E_NOSPC);
	bi->mem[bi->nmem++] = (struct boot_mem){ base, size, kind };
	return 0;
}

static int plat_add_range(struct pa_range *arr, unsigned *n, unsigned max, paddr_t base, u64 size)
{
	for (unsigned i = 0; i < *n; i++) {
		if (arr[i].base.v + arr[i].size == base.v) {
			arr[i].size += size;
			return 0;
		}
		if (base.v + size == arr[i].base.v) {
			arr[i].base = base;
			arr[i].size += size;
			return 0;
		}
	}
	if (*n >= max)
		return trace_err(-E_NOSPC);
	arr[(*n)++] = (struct pa_range){ base, size };
	return 0;
}

int boot_info_memory(const struct boot_info *bi, struct platform *p)
{
	int err;

	p->nmem = 0;
	for (unsigned i = 0; i < bi->nmem; i++) {
		const struct boot_mem *m = &bi->mem[i];
		if ((err = plat_add_range(p->mem, &p->nmem, PLAT_MAX_MEM, m->base, m->size)))
			return err;
	}
	if ((err = boot_info_keep_ranges(bi, p)))
		return err;
	return p->nmem ? 0 : -E_NOENT;
}

int boot_info_keep_ranges(const struct boot_info *bi, struct platform *p)
{
	int err;

	for (unsigned i = 0; i < bi->nmem; i++) {
		const struct boot_mem *m = &bi->mem[i];
		if (m->kind == BOOT_MEM_KEEP &&
		    (err = plat_add_range(p->rsv, &p->nrsv, PLAT_MAX_RSV, m->base, m->size)))
			return err;
	}
	return 0;
}
