// SPDX-License-Identifier: MIT
/* Platform description helpers shared by DT and ACPI discovery. */
#include "core/platform.h"

#include <string.h>

#include "lib/fmt.h"

const char *iommu_kind_name(enum iommu_kind k)
{
	switch (k) {
	case IOMMU_KIND_SMMUV3: return "smmuv3";
	case IOMMU_KIND_VTD: return "vtd";
	case IOMMU_KIND_AMDVI: return "amdvi";
	default: return "none";
	}
}

u64 platform_ram_bytes(const struct platform *p)
{
	u64 total = 0;

	for (unsigned i = 0; i < p->nmem; i++)
		total += p->mem[i].size;
	return total;
}

int platform_summary(const struct platform *p, char *buf, size_t size)
{
	size_t n = 0;

#define APPEND(...) n += (size_t)fmt_snprintf(buf + MIN(n, size), size - MIN(n, size), __VA_ARGS__)
	APPEND("cpus=%u ram=%lluMiB", p->ncpus,
	       /* Rounded up: firmware memory maps leave small holes (x86: 0xa0000-0xfffff). */
	       (unsigned long long)((platform_ram_bytes(p) + (1ULL << 20) - 1) >> 20));
	if (p->necam)
		APPEND(" ecam=0x%llx", (unsigned long long)p->ecam[0].base.v);
	else
		APPEND(" ecam=none");
	if (p->niommu)
		APPEND(" iommu=%s@0x%llx", iommu_kind_name(p->iommu[0].kind),
		       (unsigned long long)p->iommu[0].base.v);
	else
		APPEND(" iommu=none");
	if (p->gic_version)
		APPEND(" gic=v%u", p->gic_version);
#undef APPEND
	return n >= size ? -1 : (int)n;
}

bool platform_bootarg(const struct platform *p, const char *key, char *val, size_t val_size)
{
	size_t klen = strlen(key);
	const char *s = p->bootargs;

	while (*s) {
		size_t wlen = 0;

		while (*s == ' ')
			s++;
		while (s[wlen] && s[wlen] != ' ')
			wlen++;
		if (wlen >= klen && !strncmp(s, key, klen) && (wlen == klen || s[klen] == '=')) {
			if (val && val_size) {
				size_t vlen = wlen > klen ? wlen - klen - 1 : 0;
				vlen = MIN(vlen, val_size - 1);
				memcpy(val, s + klen + (wlen > klen), vlen);
				val[vlen] = '\0';
			}
			return true;
		}
		s += wlen;
	}
	return false;
}
