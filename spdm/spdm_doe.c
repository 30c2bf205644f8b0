// SPDX-License-Identifier: MIT
/* SPDM over the PCI DOE mailbox: data object types 1 (CMA/SPDM) and 2 (secured CMA/SPDM). */
#include "lib/err.h"
#include "spdm/spdm_doe.h"

static int spdm_doe_exchange(void *ctx, bool secured, const u8 *req, size_t req_len, u8 *rsp,
			     size_t rsp_cap, size_t *rsp_len)
{
	struct spdm_doe *b = ctx;

	return doe_exchange(b->mb, DOE_VENDOR_PCISIG,
			    secured ? DOE_TYPE_SECURED_SPDM : DOE_TYPE_CMA_SPDM, req, req_len, rsp,
			    rsp_cap, rsp_len);
}

int spdm_doe_bind(struct spdm_doe *b, struct doe_mb *mb)
{
	if (!doe_supports(mb, DOE_VENDOR_PCISIG, DOE_TYPE_CMA_SPDM) ||
	    !doe_supports(mb, DOE_VENDOR_PCISIG, DOE_TYPE_SECURED_SPDM))
		return -E_NOTSUP;
	b->mb = mb;
	b->tp = (struct spdm_transport){
		.exchange = spdm_doe_exchange,
		.ctx = b,
		.align = 4,	/* DOE objects are whole DWs */
		.seq_bytes = 0, /* DSP0277: no sequence number on PCI DOE */
	};
	return 0;
}
