// SPDX-License-Identifier: MIT
/*
 * libFuzzer harness over everything PCI reads from a device: the input is the configuration
 * space of every function that answers (00:00.0, 00:01.0 and whatever the bridges route to),
 * writable as hardware would be. Enumeration, capability walks and DOE discovery/exchange
 * must terminate and stay in bounds whatever the registers say.
 */
#include <stdint.h>
#include <string.h>

#include <arch/cpu.h>
#include <arch/mmio.h>

#include "lib/err.h"
#include "pci/doe.h"
#include "pci/pci.h"

#define ECAM_BASE 0x4010000000ull

static u8 cfg[4096];
static const u8 *in_p;
static size_t in_n;

/* Functions 00:00.0 and 00:01.0, plus function 0 of every other bus, share the fuzzed space. */
static bool present(uint64_t off)
{
	unsigned bus = (unsigned)(off >> 20), devfn = (unsigned)(off >> 12) & 0xff;

	return devfn == 0 || (bus == 0 && devfn == 8);
}

static uint64_t ecam_read(void *ctx, uint64_t off, unsigned w)
{
	uint64_t v = 0;

	(void)ctx;
	if (!present(off))
		return w == 8 ? ~0ull : (1ull << (8 * w)) - 1;
	/* DOE read mailbox and status take fresh input bytes when any are left. */
	if (w == 4 && in_n >= 4 && (off & 0xfff) >= 0x100) {
		memcpy(&v, in_p, 4);
		in_p += 4;
		in_n -= 4;
		return v ^ (cfg[off & 0xfff] & 1 ? 0 : v); /* sometimes fresh, sometimes zero */
	}
	memcpy(&v, cfg + (off & 0xfff), w);
	return v;
}

static void ecam_write(void *ctx, uint64_t off, uint64_t v, unsigned w)
{
	(void)ctx;
	if (present(off) && (off & 0xfff) < 0x40)
		memcpy(cfg + (off & 0xfff), &v, w);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct pci_state st;
	static int attached;
	/* Four buses: bridges and their routing are reached, and a scan costs a quarter of 16. */
	struct plat_ecam e = { .base = { ECAM_BASE },
			       .size = 4ull << 20,
			       .bus_end = 3,
			       .mem32 = { { 0x10000000 }, 0x10000000 } };
	struct pci_host h;
	struct doe_mb mb;
	u8 rsp[64];
	size_t len, n = size < sizeof(cfg) ? size : sizeof(cfg);

	if (!attached) {
		struct host_mmio_model m = { ECAM_BASE, 16ull << 20, ecam_read, ecam_write, NULL };
		if (host_mmio_register(&m))
			return 0;
		attached = 1;
	}
	host_time_step_ns = 50000000; /* 50 ms per poll: 1 s bounds take 20 polls */
	memset(cfg, 0, sizeof(cfg));
	memcpy(cfg, data, n);
	in_p = data + n;
	in_n = size - n;
	memset(&st, 0, sizeof(st));
	if (pci_host_init(&h, &e, (volatile u8 *)(uintptr_t)ECAM_BASE) || pci_enumerate(&st, &h))
		return 0;
	for (unsigned i = 0; i < st.ndevs; i++) {
		const struct pci_dev *d = &st.devs[i];
		(void)pci_find_cap(&h, d->bdf, 0x11);
		if (d->doe_cap && !doe_init(&mb, d, d->doe_cap))
			(void)doe_exchange(&mb, 1, 1, (const u8 *)"\x10\x84\0\0", 4, rsp,
					   sizeof(rsp), &len);
	}
	return 0;
}
