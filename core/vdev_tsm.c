// SPDX-License-Identifier: MIT
/* Evidence a guest asks for beyond what tsm/tdi.c keeps (core/vdev_tsm.h). */
#define LOG_COMPONENT "vdev"
#include "lib/compiler.h" /* before any libc header: picolibc has its own */
#include <mbedtls/sha256.h>

#include "core/log.h"
#include "core/vdev_tsm.h"
#include "lib/err.h"
#include "tsm/tsm.h"

struct tdi *vdev_tsm_find(u16 segment, u16 bdf)
{
	return tsm_find_tdi(segment, bdf);
}

/*
 * Over the device's SPDM session; the caller (the hypercall layer's operation slot) keeps
 * one exchange at a time. The measurements' signature is checked by the SPDM requester
 * against the leaf key of the chain verified at connect.
 */
int vdev_tsm_evidence(struct tdi *t, bool vca, const u8 *nonce, u8 *buf, size_t cap, size_t *len)
{
	struct tsm_dev *td = container_of(t, struct tsm_dev, tdi);
	struct spdm_measurements m = { .record = buf, .record_cap = cap };
	int err;

	if (!td->pd.connected)
		return -E_NODEV;
	if (vca) {
		*len = 32;
		if (cap < 32)
			return -E_NOSPC;
		return mbedtls_sha256_ret(td->spdm.vca, td->spdm.vca_len, buf, 0) ? -E_IO : 0;
	}
	if ((err = spdm_get_measurements(&td->spdm, nonce, &m)))
		return err;
	*len = m.len;
	pr_info("%s: fresh signed measurements for a guest (its nonce): %u block(s), %zu bytes",
		td->name, m.nblocks, m.len);
	return 0;
}
