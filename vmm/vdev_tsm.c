// SPDX-License-Identifier: MIT
/* Evidence a guest asks for beyond what tsm/tdi.c keeps (vmm/vdev_tsm.h). */
#include "lib/compiler.h" /* before any libc header: picolibc has its own */
#include <mbedtls/sha256.h>

#include "vmm/vdev_tsm.h"
#include "lib/err.h"
#include "tsm/tsm.h"

struct tdi *vdev_tsm_find(u16 segment, u16 bdf)
{
	return tsm_find_tdi(segment, bdf);
}

/* The SHA-256 of the device's SPDM VCA (GET_VERSION .. ALGORITHMS), as negotiated at connect. */
int vdev_tsm_vca_digest(struct tdi *t, u8 *buf, size_t cap, size_t *len)
{
	struct tsm_dev *td = container_of(t, struct tsm_dev, tdi);

	if (!td->pd.connected)
		return -E_NODEV;
	*len = 32;
	if (cap < 32)
		return -E_NOSPC;
	return mbedtls_sha256_ret(td->spdm.vca, td->spdm.vca_len, buf, 0) ? -E_IO : 0;
}
