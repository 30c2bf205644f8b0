/* SPDX-License-Identifier: MIT */
/*
 * Device-side model of a DSM speaking TDISP 1.0 and IDE_KM (the responder half), written from
 * the specifications (PCIe 6.x section 6.33, TDISP 1.0 chapter 11) and sharing no definitions
 * with tsm/. Used by the host unit tests and by tools/devemu (the QEMU spdm-socket responder).
 *
 * Rules it follows like a real device: the TDI state machine of TDISP 1.0 section 11.1 with the
 * legal-request table (LOCK only in CONFIG_UNLOCKED, START only in CONFIG_LOCKED with the lock's
 * nonce, reports only while LOCKED or RUN, STOP not in CONFIG_UNLOCKED); an FLR drops a LOCKED
 * or RUN TDI to ERROR; clearing memory-space enable drops it to CONFIG_UNLOCKED.
 *
 * Fault switches (TDEV_FAULT_*) make it misbehave the ways the TSM must survive.
 */
#ifndef TDEV_H
#define TDEV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TDEV_MAX_IFACES 4
#define TDEV_REPORT_MAX 512
#define TDEV_PORTION_MAX 0x40 /* the device caps every report portion at this */
#define TDEV_IDE_SLOTS 12     /* {K0,K1} x {RX,TX} x {PR,NPR,CPL} */

enum tdev_fault {
	TDEV_FAULT_REPORT_OUTSIDE_BAR = 1u << 0, /* first range reported past its BAR */
	TDEV_FAULT_STATE_MISMATCH = 1u << 1,	 /* GET_STATE answers a state it is not in */
	TDEV_FAULT_ERROR_WHILE_RUN = 1u << 2, /* enters ERROR after the first state read in RUN */
	TDEV_FAULT_REFUSE_STOP = 1u << 3,    /* STOP of a LOCKED/RUN TDI: TDISP_ERROR UNSPECIFIED */
	TDEV_FAULT_REPORT_CHANGES = 1u << 4, /* report differs on every re-fetch */
	TDEV_FAULT_KEY_PROG_FAIL = 1u << 5,  /* KP_ACK with status "unspecified failure" */
	TDEV_FAULT_FW_UPDATABLE = 1u << 6,   /* report omits "no FW update while locked" */
};

enum tdev_state {
	TDEV_UNLOCKED = 0,
	TDEV_LOCKED = 1,
	TDEV_RUN = 2,
	TDEV_ERROR = 3
};

struct tdev_iface {
	uint32_t function_id;
	enum tdev_state state;
	uint8_t nonce[32];
	uint64_t reporting_offset;
	uint8_t report[TDEV_REPORT_MAX];
	size_t report_len;
	unsigned state_reads_in_run;
	unsigned report_serial;
	unsigned report_fetches; /* complete fetches since LOCK */
	bool mse;		 /* memory-space enable of the function */
};

struct tdev {
	struct tdev_iface ifc[TDEV_MAX_IFACES];
	unsigned nifc;
	uint64_t bar_base[6], bar_size[6]; /* the functions' BARs (all interfaces alike) */
	uint32_t faults;
	uint64_t rng;
	/* IDE_KM, one port (index 1 as spdm-emu and TF-RMM use). */
	uint8_t max_port;
	uint8_t bus, devfn, segment; /* the DSM's own function, reported in QUERY_RESP */
	uint8_t stream_id;
	uint16_t keys_programmed; /* bit per slot */
	uint16_t keys_go;
	/* Counters for tests. */
	unsigned nlock, nstart, nstop, nreport, nkey_prog, ngo, nstop_keys;
};

void tdev_init(struct tdev *d, uint64_t seed);
/* Adds a TDI; returns its index or -1. */
int tdev_add_iface(struct tdev *d, uint32_t function_id);
struct tdev_iface *tdev_find(struct tdev *d, uint32_t function_id);

/* One vendor-defined request (`protocol`: 0 IDE_KM, 1 TDISP); always produces a response
 * unless the request cannot be answered at all (then returns -1). */
int tdev_handle(struct tdev *d, uint8_t protocol, const uint8_t *req, size_t len, uint8_t *rsp,
		size_t cap, size_t *rsp_len);

/* Host-visible events on a function. */
void tdev_flr(struct tdev *d, uint32_t function_id);
void tdev_set_mse(struct tdev *d, uint32_t function_id, bool on);
/* The device detects a security event (IDE failure, ...) on a LOCKED or RUN TDI. */
void tdev_inject_error(struct tdev *d, uint32_t function_id);

#endif
