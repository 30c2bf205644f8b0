/* SPDX-License-Identifier: MIT */
/*
 * The PCI DOE binding of SPDM (PCIe 6.0 6.31.3 CMA, DSP0277 PCI DOE transport): plain SPDM
 * messages travel as DOE type 1 objects, secured messages as type 2; objects are padded to
 * DWs and secured records carry no sequence number bytes.
 */
#ifndef SPDM_SPDM_DOE_H
#define SPDM_SPDM_DOE_H

#include "pci/doe.h"
#include "spdm/spdm.h"

struct spdm_doe {
	struct doe_mb *mb;
	struct spdm_transport tp;
};

/* -E_NOTSUP if the mailbox does not offer both CMA/SPDM and secured CMA/SPDM. */
int spdm_doe_bind(struct spdm_doe *b, struct doe_mb *mb) __must_check;

#endif
