// SPDX-License-Identifier: MIT
/*
 * The SMMUv3 driver's iommu-map parser over arbitrary blobs: it must reject or accept without
 * reading outside the blob, and every RID it maps must land inside a parsed range.
 */
#include <stdint.h>
#include <string.h>

#include "iommu/smmuv3/smmu_dt.h"
#include "lib/bits.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct smmu_rid_map m;
	u32 phandle = size >= 4 ? get_be32(data + size - 4) : 0x8004;

	if (smmu_dt_rid_map(data, size, phandle, &m))
		return 0;
	if (m.n > SMMU_RID_MAP_MAX || (!m.present && m.n))
		__builtin_trap();
	for (u32 rid = 0; rid < 0x10000; rid += 0x101) {
		u32 sid;
		if (smmu_rid_to_sid(&m, rid, &sid) && m.present == false)
			__builtin_trap(); /* without a map every RID maps to itself */
	}
	return 0;
}
