// SPDX-License-Identifier: MIT
/*
 * devemu's DSM: PCI-SIG vendor-defined messages inside the SPDM session are answered by the
 * TDISP/IDE_KM device model (tests/models/tdisp_dev), the same one the unit tests use.
 *
 * devemu runs outside QEMU and cannot see the function's config space, so the BARs the model
 * reports and its fault switches come from the environment:
 *   DEVEMU_TDISP="bar0=0x10000000:0x4000,bar2=...,bdf=00:01.0,fault=refuse_stop+report_changes"
 * (bdf= and segment= name the function IDE_KM's QUERY_RESP reports; default 00:00.0, segment 0.)
 * Faults: report_outside_bar, state_mismatch, error_while_run, refuse_stop, report_changes,
 * key_prog_fail, fw_updatable. Every function ID that sends GET_TDISP_VERSION gets a TDI
 * (up to 4). The item `not_ready` makes the device answer each LOCK_INTERFACE, START_INTERFACE
 * and STOP_INTERFACE request first with ResponseNotReady (64 ms), as a device that needs time
 * to lock or start an interface: the requester waits and asks again (RESPOND_IF_READY).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "devemu_int.h"
#include "devemu_tdisp.h"

static struct tdev dt_dev;
static bool dt_ready;
static bool dt_not_ready;

static const struct {
	const char *name;
	uint32_t bit;
} dt_faults[] = {
	{ "report_outside_bar", TDEV_FAULT_REPORT_OUTSIDE_BAR },
	{ "state_mismatch", TDEV_FAULT_STATE_MISMATCH },
	{ "error_while_run", TDEV_FAULT_ERROR_WHILE_RUN },
	{ "refuse_stop", TDEV_FAULT_REFUSE_STOP },
	{ "report_changes", TDEV_FAULT_REPORT_CHANGES },
	{ "key_prog_fail", TDEV_FAULT_KEY_PROG_FAIL },
	{ "fw_updatable", TDEV_FAULT_FW_UPDATABLE },
};

static int dt_parse_faults(const char *v, size_t n)
{
	while (n) {
		size_t w = 0;
		unsigned i;

		while (w < n && v[w] != '+')
			w++;
		for (i = 0; i < sizeof(dt_faults) / sizeof(dt_faults[0]); i++)
			if (strlen(dt_faults[i].name) == w && !strncmp(v, dt_faults[i].name, w))
				break;
		if (i == sizeof(dt_faults) / sizeof(dt_faults[0]))
			return -1;
		dt_dev.faults |= dt_faults[i].bit;
		v += w + (w < n);
		n -= w + (w < n);
	}
	return 0;
}

/* "bdf=BB:DD.F" or "segment=N": the function the DSM is, as IDE_KM's QUERY_RESP reports it. */
static int dt_parse_function(const char *item)
{
	unsigned bus, dev, fn, seg;
	char tail;

	if (sscanf(item, "bdf=%x:%x.%x%c", &bus, &dev, &fn, &tail) == 3 && bus < 256 && dev < 32 &&
	    fn < 8) {
		dt_dev.bus = (uint8_t)bus;
		dt_dev.devfn = (uint8_t)(dev << 3 | fn);
		return 0;
	}
	if (sscanf(item, "segment=%u%c", &seg, &tail) == 1 && seg < 256) {
		dt_dev.segment = (uint8_t)seg;
		return 0;
	}
	return -1;
}

static int dt_parse_item(const char *s, size_t n)
{
	unsigned bar;
	unsigned long long base, size;
	char tail;

	if (n > 6 && !strncmp(s, "fault=", 6))
		return dt_parse_faults(s + 6, n - 6);
	if (n == 9 && !strncmp(s, "not_ready", 9)) {
		dt_not_ready = true;
		return 0;
	}
	char item[64];
	if (n >= sizeof(item))
		return -1;
	memcpy(item, s, n);
	item[n] = 0;
	if (!strncmp(item, "bdf=", 4) || !strncmp(item, "segment=", 8))
		return dt_parse_function(item);
	if (sscanf(item, "bar%u=%lli:%lli%c", &bar, &base, &size, &tail) != 3 || bar > 5)
		return -1;
	dt_dev.bar_base[bar] = base;
	dt_dev.bar_size[bar] = size;
	return 0;
}

static void dt_init(void)
{
	const char *cfg = getenv("DEVEMU_TDISP");

	tdev_init(&dt_dev, 0x5eed);
	dt_ready = true;
	dt_not_ready = false;
	while (cfg && *cfg) {
		size_t n = strcspn(cfg, ",");

		if (dt_parse_item(cfg, n)) {
			fprintf(stderr, "devemu: DEVEMU_TDISP: cannot parse '%.*s'\n", (int)n, cfg);
			exit(2);
		}
		cfg += n + (cfg[n] == ',');
	}
}

struct tdev *devemu_tdisp_reset(void)
{
	dt_init();
	return &dt_dev;
}

bool devemu_tdisp_not_ready(const uint8_t *q, size_t qlen)
{
	size_t hdr = 11; /* as in devemu_pcisig_vdm() */

	if (!dt_ready)
		dt_init();
	if (!dt_not_ready || qlen < hdr + 3 || q[1] != 0xfe || rd16(q + 4) != 0x0003 || q[6] != 2 ||
	    rd16(q + 7) != 0x0001 || q[hdr] != 1)
		return false;
	/* LOCK_INTERFACE_REQUEST, START_INTERFACE_REQUEST, STOP_INTERFACE_REQUEST */
	return q[hdr + 2] == 0x83 || q[hdr + 2] == 0x86 || q[hdr + 2] == 0x87;
}

size_t devemu_pcisig_vdm(struct devemu *d, const uint8_t *q, size_t qlen, uint8_t *rsp)
{
	size_t hdr = 11, out = 0; /* SPDM 4, StandardID 2, len 1, VendorID 2, PayloadLength 2 */
	size_t plen;

	if (qlen < hdr + 1 || q[1] != 0xfe || rd16(q + 4) != 0x0003 || q[6] != 2 ||
	    rd16(q + 7) != 0x0001)
		return 0; /* not PCI-SIG: the generic vendor responder answers */
	plen = rd16(q + 9);
	if (plen < 1 || hdr + plen > qlen || q[hdr] > 1)
		return 0; /* not IDE_KM (0) or TDISP (1): left to the generic responder */
	if (!dt_ready)
		dt_init();
	if (d->ntrace && plen >= (q[hdr] ? 3u : 2u)) /* the trace names the protocol's message */
		d->trace[d->ntrace - 1] =
			(uint16_t)(0x1000 | q[hdr] << 8 | q[hdr + (q[hdr] ? 2 : 1)]);
	/* The ide-km-error fault: the first K_SET_GO gets an SPDM ERROR, as a device refusing
	 * one operation would answer. */
	if (d->fault == DEVEMU_FAULT_IDE_KM_ERROR && q[hdr] == 0 && q[hdr + 1] == 0x04 &&
	    !d->ide_go_seen++)
		return dv_error(d, rsp, ERR_INVALID_REQUEST, 0);
	/* TDISP: a TDI springs into existence on first contact. */
	if (q[hdr] == 1 && plen >= 17 && q[hdr + 2] == 0x81 &&
	    !tdev_find(&dt_dev, rd32(q + hdr + 5)))
		(void)tdev_add_iface(&dt_dev, rd32(q + hdr + 5));
	if (tdev_handle(&dt_dev, q[hdr], q + hdr + 1, plen - 1, rsp + hdr + 1, MSG_MAX - hdr - 1,
			&out))
		return dv_error(d, rsp, ERR_INVALID_REQUEST, 0);
	memcpy(rsp, q, hdr);
	rsp[1] = 0x7e;
	wr16(rsp + 9, (uint16_t)(out + 1));
	rsp[hdr] = q[hdr];
	return hdr + 1 + out;
}
