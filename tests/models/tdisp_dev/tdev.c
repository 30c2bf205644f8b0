// SPDX-License-Identifier: MIT
/* TDISP + IDE_KM device model; see tdev.h. Written from the specifications. */
#include "tdev.h"

#include <string.h>

/* TDISP 1.0 chapter 11 values, spelled out here on purpose (independent of tsm/). */
#define V10 0x10
#define HDR 16
enum {
	RQ_VERSION = 0x81,
	RQ_CAPS = 0x82,
	RQ_LOCK = 0x83,
	RQ_REPORT = 0x84,
	RQ_STATE = 0x85,
	RQ_START = 0x86,
	RQ_STOP = 0x87,
	RS_ERROR = 0x7f,
};
enum {
	ER_INVALID_REQUEST = 1,
	ER_INVALID_STATE = 4,
	ER_UNSPECIFIED = 5,
	ER_UNSUPPORTED = 7,
	ER_VERSION = 0x41,
	ER_INVALID_INTERFACE = 0x101,
	ER_INVALID_NONCE = 0x102,
};

static uint16_t ld16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}
static uint32_t ld32(const uint8_t *p)
{
	return (uint32_t)ld16(p) | (uint32_t)ld16(p + 2) << 16;
}
static uint64_t ld64(const uint8_t *p)
{
	return (uint64_t)ld32(p) | (uint64_t)ld32(p + 4) << 32;
}
static void st16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}
static void st32(uint8_t *p, uint32_t v)
{
	st16(p, (uint16_t)v);
	st16(p + 2, (uint16_t)(v >> 16));
}
static void st64(uint8_t *p, uint64_t v)
{
	st32(p, (uint32_t)v);
	st32(p + 4, (uint32_t)(v >> 32));
}

static uint64_t tdev_rand(struct tdev *d)
{
	d->rng ^= d->rng << 13;
	d->rng ^= d->rng >> 7;
	d->rng ^= d->rng << 17;
	return d->rng;
}

void tdev_init(struct tdev *d, uint64_t seed)
{
	memset(d, 0, sizeof(*d));
	d->rng = seed ? seed : 0x9e3779b97f4a7c15ull;
	d->max_port = 1;
}

int tdev_add_iface(struct tdev *d, uint32_t function_id)
{
	if (d->nifc >= TDEV_MAX_IFACES)
		return -1;
	d->ifc[d->nifc].function_id = function_id;
	d->ifc[d->nifc].mse = true;
	return (int)d->nifc++;
}

struct tdev_iface *tdev_find(struct tdev *d, uint32_t function_id)
{
	for (unsigned i = 0; i < d->nifc; i++)
		if (d->ifc[i].function_id == function_id)
			return &d->ifc[i];
	return NULL;
}

/* ---- interface report (TDISP 1.0 table 11-15) ---------------------------------------------- */

static size_t tdev_put_range(uint8_t *p, uint64_t addr, uint32_t pages, uint16_t attrs, uint16_t id)
{
	st64(p, addr >> 12);
	st32(p + 8, pages);
	st32(p + 12, (uint32_t)attrs | (uint32_t)id << 16);
	return 16;
}

/*
 * Ranges: for each BAR of at least two pages, a TEE range over all but its last page and a
 * non-TEE MSI-X table range over the last page; single-page BARs get one TEE range. Then 64
 * bytes of device-specific information (with a serial that REPORT_CHANGES bumps).
 */
static void tdev_build_report(struct tdev *d, struct tdev_iface *f)
{
	uint8_t *r = f->report;
	size_t off = 16;
	uint32_t n = 0;

	memset(r, 0, sizeof(f->report));
	/* no FW update while locked, DMA without PASID */
	st16(r, (d->faults & TDEV_FAULT_FW_UPDATABLE) ? 0x0002 : 0x0003);
	for (unsigned b = 0; b < 6; b++) {
		uint64_t base = d->bar_base[b] + f->reporting_offset;
		uint32_t pages = (uint32_t)(d->bar_size[b] >> 12);

		if (pages == 0)
			continue;
		if (n == 0 && (d->faults & TDEV_FAULT_REPORT_OUTSIDE_BAR))
			base += d->bar_size[b];
		if (pages == 1) {
			off += tdev_put_range(r + off, base, 1, 0, (uint16_t)b);
			n++;
			continue;
		}
		off += tdev_put_range(r + off, base, pages - 1, 0, (uint16_t)b);
		off += tdev_put_range(r + off, base + ((uint64_t)(pages - 1) << 12), 1,
				      0x0001 | 0x0004, (uint16_t)b);
		n += 2;
	}
	st32(r + 12, n);
	st32(r + off, 64);
	memcpy(r + off + 4, "moat devemu TDISP model", 23);
	r[off + 4 + 63] = (uint8_t)f->report_serial;
	f->report_len = off + 4 + 64;
}

/* ---- TDISP responder ------------------------------------------------------------------------ */

static size_t tdev_hdr(uint8_t *rsp, uint8_t code, uint32_t fid)
{
	memset(rsp, 0, HDR);
	rsp[0] = V10;
	rsp[1] = code;
	st32(rsp + 4, fid);
	return HDR;
}

static size_t tdev_error(uint8_t *rsp, uint32_t fid, uint32_t code)
{
	size_t n = tdev_hdr(rsp, RS_ERROR, fid);

	st32(rsp + n, code);
	st32(rsp + n + 4, 0);
	return n + 8;
}

static size_t tdev_caps(uint8_t *rsp, uint32_t fid)
{
	size_t n = tdev_hdr(rsp, RQ_CAPS & 0x7f, fid);

	memset(rsp + n, 0, 28);
	rsp[n + 4] = 0xfe; /* requests 0x81..0x87 */
	st16(rsp + n + 20, 0x0007);
	rsp[n + 25] = 52;
	rsp[n + 26] = 1;
	rsp[n + 27] = 1;
	return n + 28;
}

static size_t tdev_lock(struct tdev *d, struct tdev_iface *f, const uint8_t *b, size_t blen,
			uint8_t *rsp)
{
	if (blen != 20 || (ld16(b) & ~0x001fu))
		return tdev_error(rsp, f->function_id, ER_INVALID_REQUEST);
	if (f->state != TDEV_UNLOCKED)
		return tdev_error(rsp, f->function_id, ER_INVALID_STATE);
	f->reporting_offset = ld64(b + 4);
	for (unsigned i = 0; i < 32; i += 8)
		st64(f->nonce + i, tdev_rand(d));
	tdev_build_report(d, f);
	f->state = TDEV_LOCKED;
	f->state_reads_in_run = 0;
	f->report_fetches = 0;
	d->nlock++;
	size_t n = tdev_hdr(rsp, RQ_LOCK & 0x7f, f->function_id);
	memcpy(rsp + n, f->nonce, 32);
	return n + 32;
}

static size_t tdev_report(struct tdev *d, struct tdev_iface *f, const uint8_t *b, size_t blen,
			  uint8_t *rsp)
{
	uint16_t off, want, portion;
	size_t n;

	if (blen != 4)
		return tdev_error(rsp, f->function_id, ER_INVALID_REQUEST);
	if (f->state != TDEV_LOCKED && f->state != TDEV_RUN)
		return tdev_error(rsp, f->function_id, ER_INVALID_STATE);
	off = ld16(b);
	want = ld16(b + 2);
	if (off > f->report_len || want == 0)
		return tdev_error(rsp, f->function_id, ER_INVALID_REQUEST);
	if (off == 0 && f->report_fetches && (d->faults & TDEV_FAULT_REPORT_CHANGES)) {
		f->report_serial++;
		tdev_build_report(d, f);
	}
	portion = (uint16_t)(f->report_len - off);
	if (portion > want)
		portion = want;
	if (portion > TDEV_PORTION_MAX)
		portion = TDEV_PORTION_MAX;
	n = tdev_hdr(rsp, RQ_REPORT & 0x7f, f->function_id);
	st16(rsp + n, portion);
	st16(rsp + n + 2, (uint16_t)(f->report_len - off - portion));
	memcpy(rsp + n + 4, f->report + off, portion);
	if (off + portion == f->report_len) {
		d->nreport++;
		f->report_fetches++;
	}
	return n + 4 + portion;
}

static size_t tdev_state(struct tdev *d, struct tdev_iface *f, uint8_t *rsp)
{
	size_t n = tdev_hdr(rsp, RQ_STATE & 0x7f, f->function_id);
	enum tdev_state s = f->state;

	if (s == TDEV_RUN && (d->faults & TDEV_FAULT_ERROR_WHILE_RUN) &&
	    f->state_reads_in_run++ >= 1)
		s = f->state = TDEV_ERROR;
	if (d->faults & TDEV_FAULT_STATE_MISMATCH)
		s = (enum tdev_state)((s + 1) % 3);
	rsp[n] = (uint8_t)s;
	return n + 1;
}

static size_t tdev_start(struct tdev *d, struct tdev_iface *f, const uint8_t *b, size_t blen,
			 uint8_t *rsp)
{
	if (blen != 32)
		return tdev_error(rsp, f->function_id, ER_INVALID_REQUEST);
	if (f->state != TDEV_LOCKED)
		return tdev_error(rsp, f->function_id, ER_INVALID_STATE);
	if (memcmp(b, f->nonce, 32))
		return tdev_error(rsp, f->function_id, ER_INVALID_NONCE);
	memset(f->nonce, 0, 32);
	f->state = TDEV_RUN;
	d->nstart++;
	return tdev_hdr(rsp, RQ_START & 0x7f, f->function_id);
}

static size_t tdev_stop(struct tdev *d, struct tdev_iface *f, uint8_t *rsp)
{
	if (f->state == TDEV_UNLOCKED)
		return tdev_error(rsp, f->function_id, ER_INVALID_STATE);
	if ((d->faults & TDEV_FAULT_REFUSE_STOP) && f->state != TDEV_ERROR)
		return tdev_error(rsp, f->function_id, ER_UNSPECIFIED);
	f->state = TDEV_UNLOCKED; /* TVM data scrubbed */
	memset(f->nonce, 0, 32);
	d->nstop++;
	return tdev_hdr(rsp, RQ_STOP & 0x7f, f->function_id);
}

static size_t tdev_dispatch(struct tdev *d, struct tdev_iface *f, uint8_t code, const uint8_t *b,
			    size_t blen, uint8_t *rsp)
{
	switch (code) {
	case RQ_VERSION: {
		size_t n = tdev_hdr(rsp, RQ_VERSION & 0x7f, f->function_id);
		rsp[n] = 1;
		rsp[n + 1] = V10;
		return n + 2;
	}
	case RQ_CAPS:
		return blen == 4 ? tdev_caps(rsp, f->function_id)
				 : tdev_error(rsp, f->function_id, ER_INVALID_REQUEST);
	case RQ_LOCK: return tdev_lock(d, f, b, blen, rsp);
	case RQ_REPORT: return tdev_report(d, f, b, blen, rsp);
	case RQ_STATE: return tdev_state(d, f, rsp);
	case RQ_START: return tdev_start(d, f, b, blen, rsp);
	case RQ_STOP: return tdev_stop(d, f, rsp);
	default: return tdev_error(rsp, f->function_id, ER_UNSUPPORTED);
	}
}

static size_t tdev_tdisp(struct tdev *d, const uint8_t *req, size_t len, uint8_t *rsp)
{
	uint32_t fid;
	struct tdev_iface *f;

	if (len < HDR)
		return tdev_error(rsp, 0, ER_INVALID_REQUEST);
	fid = ld32(req + 4);
	if (req[0] != V10)
		return tdev_error(rsp, fid, ER_VERSION);
	f = tdev_find(d, fid);
	if (!f || ld64(req + 8) != 0)
		return tdev_error(rsp, fid, ER_INVALID_INTERFACE);
	return tdev_dispatch(d, f, req[1], req + HDR, len - HDR, rsp);
}

/* ---- IDE_KM responder (PCIe 6.x 6.33.3) ----------------------------------------------------
 *
 * Byte positions after the Protocol ID, from the spec's message tables (spelled out here on
 * purpose, see above):
 *   QUERY          0 Object ID 00h | 1 reserved | 2 PortIndex                            3 bytes
 *   QUERY_RESP     0 01h | 1 rsvd | 2 PortIndex | 3 Dev/Func | 4 Bus | 5 Segment
 *                  | 6 MaxPortIndex | 7.. IDE capability registers (DWs)
 *   KEY_PROG       0 02h | 1-2 rsvd | 3 Stream ID | 4 rsvd | 5 KeySubStream | 6 PortIndex
 *                  | 7..38 Key (8 DW) | 39..46 IFV (2 DW)                               47 bytes
 *   KP_ACK         0 03h | 1-2 rsvd | 3 Stream ID | 4 Status | 5 KeySubStream | 6 PortIndex  7
 *   K_SET_GO/STOP  0 04h/05h | 1-2 rsvd | 3 Stream ID | 4 rsvd | 5 KeySubStream | 6 PortIndex 7
 *   K_GOSTOP_ACK   0 06h | same as K_SET_GO                                            7 bytes
 */

static size_t tdev_ide_query(struct tdev *d, const uint8_t *req, size_t len, uint8_t *rsp)
{
	static const uint32_t regs[10] = {
		/* IDE Cap: selective IDE, IDE_KM, AES-GCM-256, 1 selective stream */
		0x00000042, 0, 0x00000001, 0, 0, 0, 0, 0, 0, 0,
	};

	if (len != 3 || req[2] > d->max_port)
		return 0;
	rsp[0] = 0x01;
	rsp[1] = 0;
	rsp[2] = req[2];
	rsp[3] = d->devfn; /* the function this DSM is (device << 3 | function) */
	rsp[4] = d->bus;
	rsp[5] = d->segment;
	rsp[6] = d->max_port;
	for (unsigned i = 0; i < 10; i++)
		st32(rsp + 7 + 4 * i, regs[i]);
	return 7 + 40;
}

static int tdev_ide_slot(uint8_t ks)
{
	unsigned sub = ks >> 4;

	if ((ks & 0x0c) || sub > 2)
		return -1;
	return (int)(sub * 4 + (ks & 3));
}

/* The seven bytes every IDE_KM acknowledgement starts with: the request's, recoded. */
static size_t tdev_ide_ack(const uint8_t *req, uint8_t object, uint8_t status, uint8_t *rsp)
{
	rsp[0] = object;
	rsp[1] = 0;
	rsp[2] = 0;
	rsp[3] = req[3];
	rsp[4] = status;
	rsp[5] = req[5];
	rsp[6] = req[6];
	return 7;
}

static size_t tdev_ide_keyprog(struct tdev *d, const uint8_t *req, size_t len, uint8_t *rsp)
{
	int slot = len >= 7 ? tdev_ide_slot(req[5]) : -1;
	uint8_t status = 0;

	if (len < 7)
		return 0;
	if (len != 47)
		status = 1; /* incorrect length */
	else if (req[6] > d->max_port)
		status = 2; /* unsupported port index */
	else if (slot < 0)
		status = 3; /* unsupported value */
	else if (d->faults & TDEV_FAULT_KEY_PROG_FAIL)
		status = 4; /* unspecified failure */
	if (status == 0) {
		d->keys_programmed |= (uint16_t)(1u << slot);
		d->stream_id = req[3];
		d->nkey_prog++;
	}
	return tdev_ide_ack(req, 0x03, status, rsp);
}

static size_t tdev_ide_gostop(struct tdev *d, const uint8_t *req, size_t len, uint8_t *rsp)
{
	int slot = len == 7 ? tdev_ide_slot(req[5]) : -1;

	if (slot < 0 || req[6] > d->max_port)
		return 0;
	if (req[0] == 0x04 && (d->keys_programmed & (1u << slot))) {
		d->keys_go |= (uint16_t)(1u << slot);
		d->ngo++;
	} else if (req[0] == 0x05) {
		d->keys_go &= (uint16_t) ~(1u << slot);
		d->keys_programmed &= (uint16_t) ~(1u << slot);
		d->nstop_keys++;
	}
	return tdev_ide_ack(req, 0x06, 0, rsp);
}

static size_t tdev_ide(struct tdev *d, const uint8_t *req, size_t len, uint8_t *rsp)
{
	if (len < 1)
		return 0;
	switch (req[0]) {
	case 0x00: return tdev_ide_query(d, req, len, rsp);
	case 0x02: return tdev_ide_keyprog(d, req, len, rsp);
	case 0x04:
	case 0x05: return tdev_ide_gostop(d, req, len, rsp);
	default: return 0;
	}
}

int tdev_handle(struct tdev *d, uint8_t protocol, const uint8_t *req, size_t len, uint8_t *rsp,
		size_t cap, size_t *rsp_len)
{
	uint8_t buf[HDR + 4 + TDEV_REPORT_MAX];
	size_t n;

	if (protocol == 1)
		n = tdev_tdisp(d, req, len, buf);
	else if (protocol == 0)
		n = tdev_ide(d, req, len, buf);
	else
		n = 0;
	if (n == 0 || n > cap)
		return -1;
	memcpy(rsp, buf, n);
	*rsp_len = n;
	return 0;
}

/* ---- host events --------------------------------------------------------------------------- */

void tdev_flr(struct tdev *d, uint32_t function_id)
{
	struct tdev_iface *f = tdev_find(d, function_id);

	if (f && (f->state == TDEV_LOCKED || f->state == TDEV_RUN))
		f->state = TDEV_ERROR;
	if (f)
		memset(f->nonce, 0, 32);
}

void tdev_set_mse(struct tdev *d, uint32_t function_id, bool on)
{
	struct tdev_iface *f = tdev_find(d, function_id);

	if (!f)
		return;
	if (!on && f->mse && (f->state == TDEV_LOCKED || f->state == TDEV_RUN)) {
		f->state = TDEV_UNLOCKED; /* TDISP: MSE cleared, back to UNLOCKED */
		memset(f->nonce, 0, 32);
	}
	f->mse = on;
}

void tdev_inject_error(struct tdev *d, uint32_t function_id)
{
	struct tdev_iface *f = tdev_find(d, function_id);

	if (f && (f->state == TDEV_LOCKED || f->state == TDEV_RUN))
		f->state = TDEV_ERROR;
}
