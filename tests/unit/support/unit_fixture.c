// SPDX-License-Identifier: MIT
/* One IOMMU unit on a register model, Moat's side (unit_fixture.h). */
#include "unit_fixture.h"

#include <stdlib.h>
#include <string.h>

#include "core/own.h"
#include "lib/err.h"

int unit_fixture_init(struct unit_fixture *f, size_t size, u32 owner, const struct plat_iommu *desc)
{
	memset(f, 0, sizeof(*f));
	if (!(f->ram = aligned_alloc(1 << 21, size)))
		return -1;
	f->r = (struct pa_range){ pa((u64)(uintptr_t)f->ram), size };
	if (frame_init(&f->fa, &f->r, 1, NULL, 0))
		return -1;
	pt_allocator_frames(&f->alloc, &f->fa);
	/* the RAM the domains map is the VM's (core/own.h); its tables come from the same frames */
	own_reset();
	if (own_add(f->r.base, size, own_vm(owner)))
		return -1;
	f->plat.niommu = 1;
	f->plat.iommu[0] = *desc;
	f->ctx = (struct moat_ctx){ .bi = &f->bi, .plat = &f->plat, .frames = &f->fa };
	return 0;
}

int unit_fixture_attach(struct unit_fixture *f)
{
	const struct iommu_driver *drv = iommu_driver_find(f->plat.iommu[0].kind);
	int err;

	if (!drv)
		return -E_NODEV;
	if ((err = drv->ops->probe(&f->ctx, &f->plat.iommu[0], &f->u)))
		return err;
	return iommu_unit_add(f->u, drv, &f->plat.iommu[0], &f->alloc);
}

void unit_fixture_free(struct unit_fixture *f)
{
	free(f->ram);
	f->ram = NULL;
}
