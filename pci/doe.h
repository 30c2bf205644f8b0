/* SPDX-License-Identifier: MIT */
/*
 * The PCIe DOE mailbox (PCIe 6.0 6.30, capability 7.9.24): discovery, one request/response
 * exchange at a time, abort and recovery, every wait bounded by the 1 s object limit.
 */
#ifndef PCI_DOE_H
#define PCI_DOE_H

#include "lib/compiler.h"
#include "lib/types.h"
#include "pci/pci.h"

#define DOE_VENDOR_PCISIG 0x0001
#define DOE_TYPE_DISCOVERY 0x00
#define DOE_TYPE_CMA_SPDM 0x01
#define DOE_TYPE_SECURED_SPDM 0x02
#define DOE_MAX_PROTOCOLS 8
/* Largest data object Moat exchanges (payload bytes, header excluded). */
#define DOE_MAX_PAYLOAD 8192

/* PCIe 6.0 6.30.2: a response must arrive within 1 s of Go; abort completes within 1 s. */
#define DOE_TIMEOUT_NS 1000000000ull

struct doe_protocol {
	u16 vendor;
	u8 type;
};

struct doe_mb {
	const struct pci_dev *dev;
	u16 cap;
	bool dead;	 /* abort failed: the mailbox is unusable until re-initialised */
	bool in_flight;	 /* one outstanding request per mailbox */
	u64 go_ns;	 /* when Go was set for the request in flight */
	u16 pend_vendor; /* the protocol of the request in flight */
	u8 pend_type;
	unsigned nprot;
	struct doe_protocol prot[DOE_MAX_PROTOCOLS];
};

/* Aborts any stale exchange and runs discovery. */
int doe_init(struct doe_mb *mb, const struct pci_dev *dev, u16 cap) __must_check;
bool doe_supports(const struct doe_mb *mb, u16 vendor, u8 type);
/*
 * Sends one data object (payload `req`, padded to DWs) and receives the response payload into
 * `rsp` (*rsp_len: its length in bytes, a multiple of 4). A response with the wrong vendor/type
 * or bigger than `rsp_cap` is an error; the mailbox is aborted on every error.
 */
int doe_exchange(struct doe_mb *mb, u16 vendor, u8 type, const u8 *req, size_t req_len, u8 *rsp,
		 size_t rsp_cap, size_t *rsp_len) __must_check;
/*
 * The same exchange in two halves, so that a caller (a guest's resumable hypercall) need not
 * wait in the hypervisor: doe_submit() writes the object and sets Go; doe_poll() returns
 * -E_AGAIN until the response is ready, then receives it like doe_exchange(), or fails (and
 * aborts) on Error or 1 s after Go.
 */
int doe_submit(struct doe_mb *mb, u16 vendor, u8 type, const u8 *req, size_t req_len) __must_check;
int doe_poll(struct doe_mb *mb, u8 *rsp, size_t rsp_cap, size_t *rsp_len) __must_check;
/* Abort (PCIe 6.0 6.30.2): clears Busy and Error within 1 s, else marks the mailbox dead. */
int doe_abort(struct doe_mb *mb) __must_check;

#endif
