// SPDX-License-Identifier: MIT
/*
 * DOE mailbox driver (PCIe 6.0 6.30). Everything read from the mailbox is untrusted: the
 * response header's vendor, type and length are checked before any payload is stored, and a
 * response never writes past the caller's buffer.
 */
#define LOG_COMPONENT "doe"
#include <arch/cpu.h>

#include "core/devop.h"
#include "core/log.h"
#include "lib/bits.h"
#include "lib/err.h"
#include "pci/doe.h"

#include <string.h>

/* DOE capability registers (PCIe 6.0 7.9.24). */
#define DOE_CAP 0x04
#define DOE_CTRL 0x08
#define DOE_CTRL_ABORT BIT(0)
#define DOE_CTRL_GO BIT(31)
#define DOE_STATUS 0x0c
#define DOE_STATUS_BUSY BIT(0)
#define DOE_STATUS_ERROR BIT(2)
#define DOE_STATUS_READY BIT(31)
#define DOE_WRITE 0x10
#define DOE_READ 0x14

/*
 * Data object header (PCIe 6.0 6.30.1): DW0 bits 15:0 Vendor ID, 23:16 Data Object Type;
 * DW1 bits 17:0 Length in DW including the header (0: 2^18). Discovery (6.30.1.1): the request
 * DW holds the Index (7:0); the response DW Vendor ID (15:0), Data Object Protocol (23:16) and
 * the Next Index (31:24, 0 after the last).
 */
#define DOE_HDR_DW 2
#define DOE_HDR_VENDOR GENMASK(15, 0)
#define DOE_HDR_TYPE GENMASK(23, 16)
#define DOE_LEN_MASK GENMASK(17, 0)
#define DOE_MAX_DW (1u << 18)
#define DOE_DISC_INDEX GENMASK(7, 0)
#define DOE_DISC_VENDOR GENMASK(15, 0)
#define DOE_DISC_TYPE GENMASK(23, 16)
#define DOE_DISC_NEXT GENMASK(31, 24)
#define DOE_DISC_LEN 4

static u32 doe_read(const struct doe_mb *mb, u16 reg)
{
	return pci_dev_read32(mb->dev, (u16)(mb->cap + reg));
}

static void doe_write(const struct doe_mb *mb, u16 reg, u32 v)
{
	pci_dev_write32(mb->dev, (u16)(mb->cap + reg), v);
}

/* Polls Status until (status & mask) == want; -E_TIMEOUT after `ns`. */
static int doe_wait(const struct doe_mb *mb, u32 mask, u32 want, u64 ns, u32 *status)
{
	u64 start = arch_time_ns();

	for (;;) {
		*status = doe_read(mb, DOE_STATUS);
		if ((*status & mask) == want)
			return 0;
		if (arch_time_ns() - start > ns)
			return -E_TIMEOUT;
		devop_wait();
	}
}

int doe_abort(struct doe_mb *mb)
{
	u32 st;

	doe_write(mb, DOE_CTRL, DOE_CTRL_ABORT);
	if (doe_wait(mb, DOE_STATUS_BUSY | DOE_STATUS_ERROR | DOE_STATUS_READY, 0, DOE_TIMEOUT_NS,
		     &st)) {
		mb->dead = true;
		pr_err("mailbox at 0x%x did not recover from abort (status 0x%08x)", mb->cap, st);
		return -E_TIMEOUT;
	}
	mb->dead = false;
	return 0;
}

static int doe_send(struct doe_mb *mb, u16 vendor, u8 type, const u8 *req, size_t len)
{
	u32 st;
	size_t ndw = (len + 3) / 4 + DOE_HDR_DW;

	if (ndw >= DOE_MAX_DW)
		return -E_RANGE;
	/* Busy set by another agent: give it the object time limit, then take over. */
	if (doe_wait(mb, DOE_STATUS_BUSY, 0, DOE_TIMEOUT_NS, &st) || (st & DOE_STATUS_ERROR) ||
	    (st & DOE_STATUS_READY)) {
		int err = doe_abort(mb);
		if (err)
			return err;
	}
	doe_write(mb, DOE_WRITE,
		  (u32)(FIELD_PREP(DOE_HDR_VENDOR, vendor) | FIELD_PREP(DOE_HDR_TYPE, type)));
	doe_write(mb, DOE_WRITE, (u32)ndw);
	for (size_t off = 0; off < len; off += 4) {
		u8 dw[4] = { 0 };
		memcpy(dw, req + off, MIN(4, len - off));
		doe_write(mb, DOE_WRITE, get_le32(dw));
	}
	doe_write(mb, DOE_CTRL, DOE_CTRL_GO);
	return 0;
}

static u32 doe_pop(const struct doe_mb *mb)
{
	u32 v = doe_read(mb, DOE_READ);

	doe_write(mb, DOE_READ, 0); /* any write advances to the next DW */
	return v;
}

/* Reads the response object once Data Object Ready is set (6.30.2). */
static int doe_read_object(struct doe_mb *mb, u8 *rsp, size_t cap, size_t *len)
{
	u32 st, hdr0, ndw;

	hdr0 = doe_pop(mb);
	ndw = (u32)FIELD_GET(DOE_LEN_MASK, doe_pop(mb));
	if (ndw == 0)
		ndw = DOE_MAX_DW;
	if (FIELD_GET(DOE_HDR_VENDOR, hdr0) != mb->pend_vendor ||
	    FIELD_GET(DOE_HDR_TYPE, hdr0) != mb->pend_type || ndw < DOE_HDR_DW)
		return -E_PROTO;
	if ((size_t)(ndw - DOE_HDR_DW) * 4 > cap)
		return -E_NOSPC;
	for (u32 i = 0; i < ndw - DOE_HDR_DW; i++) {
		/* Data Object Ready drops early if the device sends less than it announced. */
		if (!(doe_read(mb, DOE_STATUS) & DOE_STATUS_READY))
			return -E_PROTO;
		put_le32(rsp + 4 * i, doe_pop(mb));
	}
	st = doe_read(mb, DOE_STATUS);
	if (st & (DOE_STATUS_ERROR | DOE_STATUS_READY))
		return -E_PROTO; /* error, or more data than announced */
	*len = (size_t)(ndw - DOE_HDR_DW) * 4;
	return 0;
}

int doe_submit(struct doe_mb *mb, u16 vendor, u8 type, const u8 *req, size_t req_len)
{
	int err;

	if (mb->dead)
		return -E_IO;
	if (mb->in_flight)
		return -E_BUSY;
	err = doe_send(mb, vendor, type, req, req_len);
	if (err) {
		if (err != -E_RANGE && doe_abort(mb))
			err = -E_IO;
		return err;
	}
	mb->in_flight = true;
	mb->go_ns = arch_time_ns();
	mb->pend_vendor = vendor;
	mb->pend_type = type;
	return 0;
}

int doe_poll(struct doe_mb *mb, u8 *rsp, size_t rsp_cap, size_t *rsp_len)
{
	u32 st;
	int err;

	if (!mb->in_flight)
		return -E_STATE;
	st = doe_read(mb, DOE_STATUS);
	if (st & DOE_STATUS_ERROR)
		err = -E_IO;
	else if (st & DOE_STATUS_READY)
		err = doe_read_object(mb, rsp, rsp_cap, rsp_len);
	else if (arch_time_ns() - mb->go_ns <= DOE_TIMEOUT_NS)
		return -E_AGAIN;
	else
		err = -E_TIMEOUT;
	mb->in_flight = false;
	if (err && doe_abort(mb))
		err = -E_IO;
	return err;
}

int doe_exchange(struct doe_mb *mb, u16 vendor, u8 type, const u8 *req, size_t req_len, u8 *rsp,
		 size_t rsp_cap, size_t *rsp_len)
{
	int err = doe_submit(mb, vendor, type, req, req_len);

	if (err)
		return err;
	/* Bounded: doe_poll() gives up 1 s after Go. Inside a device operation (a guest's
	 * resumable call) the wait gives the CPU back instead of spinning. */
	while ((err = doe_poll(mb, rsp, rsp_cap, rsp_len)) == -E_AGAIN)
		devop_wait();
	return err;
}

static int doe_discover_one(struct doe_mb *mb, u8 index, u8 *next)
{
	u8 req[DOE_DISC_LEN], rsp[DOE_DISC_LEN];
	size_t len;
	int err;

	put_le32(req, (u32)FIELD_PREP(DOE_DISC_INDEX, index)); /* Discovery Version 0 */
	err = doe_exchange(mb, DOE_VENDOR_PCISIG, DOE_TYPE_DISCOVERY, req, sizeof(req), rsp,
			   sizeof(rsp), &len);
	if (err)
		return err;
	if (len != DOE_DISC_LEN)
		return -E_PROTO;
	u32 v = get_le32(rsp);
	if (mb->nprot >= DOE_MAX_PROTOCOLS)
		return -E_NOSPC;
	mb->prot[mb->nprot++] = (struct doe_protocol){ (u16)FIELD_GET(DOE_DISC_VENDOR, v),
						       (u8)FIELD_GET(DOE_DISC_TYPE, v) };
	*next = (u8)FIELD_GET(DOE_DISC_NEXT, v);
	return 0;
}

int doe_init(struct doe_mb *mb, const struct pci_dev *dev, u16 cap)
{
	u8 index = 0, next = 0;
	int err;

	memset(mb, 0, sizeof(*mb));
	mb->dev = dev;
	mb->cap = cap;
	err = doe_abort(mb);
	if (err)
		return err;
	/* Each index is visited once: a device cannot make discovery loop. */
	for (unsigned i = 0; i < DOE_MAX_PROTOCOLS; i++) {
		err = doe_discover_one(mb, index, &next);
		if (err)
			return err;
		if (next == 0)
			return 0;
		if (next <= index)
			return -E_PROTO;
		index = next;
	}
	return -E_NOSPC;
}

bool doe_supports(const struct doe_mb *mb, u16 vendor, u8 type)
{
	for (unsigned i = 0; i < mb->nprot; i++)
		if (mb->prot[i].vendor == vendor && mb->prot[i].type == type)
			return true;
	return false;
}
