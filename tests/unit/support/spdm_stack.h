/* SPDX-License-Identifier: MIT */
/*
 * The SPDM stack of the unit tests: devemu's responder core behind the PCIe DOE model, under
 * Moat's real PCI enumeration, DOE mailbox driver and SPDM requester; and a scripted
 * transport for hostile responses. Shared by test_spdm, test_evidence and test_tsm_connect.
 */
#ifndef TEST_SPDM_STACK_H
#define TEST_SPDM_STACK_H

#include "../../tools/devemu/devemu.h"
#include "pci/doe.h"
#include "pci/pci.h"
#include "pcie/pcie_model.h"
#include "spdm/spdm.h"
#include "spdm/spdm_doe.h"

#define SPDM_STACK_ECAM 0x4010000000ull

struct spdm_stack {
	struct pcie_model model;
	struct pm_doe doe;
	struct devemu dev;
	struct pci_state st;
	struct pci_host host;
	struct doe_mb mb;
	struct spdm_doe bind;
	struct spdm_conn conn;
	struct spdm_config cfg;
};

/* The generated test PKI ($MOAT_PKI_DIR, else build/tools/pki) and a file of it. */
const char *spdm_stack_pki_dir(void);
void *spdm_stack_pki_file(const char *alg, const char *name, size_t *n);
int spdm_stack_rng(void *ctx, unsigned char *out, size_t len);
/* pm_doe handler: the DOE object goes to devemu (`ctx`). */
int spdm_stack_doe(void *ctx, const uint8_t *obj, size_t len, uint8_t *out, size_t cap,
		   size_t *olen);
/*
 * One nvme-like function with a DOE mailbox served by devemu with `alg`'s PKI ("p384",
 * "p256") and `fault`, enumerated, its mailbox initialised and bound to SPDM; the trust
 * anchor is the PKI's root digest unless s->cfg.anchor_der is set. Not yet connected.
 */
void spdm_stack_up(struct spdm_stack *s, const char *alg, enum devemu_fault fault);

/* A transport answering from a list, one response per exchange, then -E_IO. */
struct spdm_script {
	const u8 *rsp[8];
	size_t len[8];
	unsigned n, i;
};
int spdm_script_exchange(void *ctx, bool secured, const u8 *req, size_t req_len, u8 *rsp,
			 size_t cap, size_t *len);

#endif
