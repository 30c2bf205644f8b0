/* SPDX-License-Identifier: MIT */
/*
 * PCI host bridges in the device tree and the IOMMUs their requesters go through (the PCI
 * IOMMU binding: iommu-map, iommu-map-mask; linux,pci-domain for the segment). The blob is
 * untrusted: every length and range is checked before use (core/dt_iommu.c).
 */
#ifndef CORE_DT_IOMMU_H
#define CORE_DT_IOMMU_H

#include "core/platform.h"
#include "lib/compiler.h"
#include "lib/types.h"

/* The PCI segment of host-bridge `node`: its "linux,pci-domain", 0 without one. */
int dt_pci_domain(const void *fdt, int node, u16 *segment) __must_check;
/*
 * Adds host-bridge `node`'s iommu-map entries as SCOPE_RANGE entries (with the bridge's
 * segment and iommu-map-mask) to the IOMMUs of `p` whose phandle they name. Entries for an
 * IOMMU Moat does not drive are dropped: those requesters are behind no unit of Moat's.
 */
int dt_iommu_map(const void *fdt, int node, u16 segment, struct platform *p) __must_check;

#endif
