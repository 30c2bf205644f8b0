/* SPDX-License-Identifier: MIT */
/*
 * TDIs (TDISP device interfaces) and the operations the guest ABI calls on them: bind, get
 * report, get evidence, accept, unbind (docs/architecture.md section 3 "Bind/accept").
 * Moat's view of a TDI follows the TDISP states, every transition explicit
 * (tdi_transition()). Late bind is the default: the VM layer assigns the TDI to its VM when it
 * creates the vdev (before the VM runs); the guest later binds and accepts it.
 *
 * Invariants, checked by the exhaustive sequence test (tests/unit/test_tsm_explore.c):
 * - private MMIO is mapped only while the TDI is RUN and owned;
 * - trusted (T=1) DMA is enabled only while the TDI is RUN;
 * - a TDI in ERROR is torn down (no private MMIO, no trusted DMA) and its shared MMIO stays
 *   revoked until the device confirms CONFIG_UNLOCKED;
 * - shared MMIO is revoked whenever the TDI is not CONFIG_UNLOCKED.
 *
 * Teardown is always remove trusted DMA -> STOP_INTERFACE -> remove private MMIO -> forget TDI
 * state -> restore shared operation, on unbind, on device error, before an FLR and on VM
 * teardown. Trusted DMA goes before the STOP: the exchange suspends the operation (up to the
 * DOE bounds), and a TDI in ERROR or leaving RUN must not reach private RAM meanwhile; the
 * device's DMA to private addresses faults instead (issue 13, found by the stress test).
 *
 * Concurrency: the operations are synchronous code and not reentrant (a pdev's message buffers
 * and the report scratch buffers are shared); the caller serialises every call on the TSM.
 * Guest calls run them as device operations (core/devop.h): a DOE wait inside suspends the
 * operation, and the hypercall layer lets no other operation onto the same device meanwhile.
 */
#ifndef TSM_TDI_H
#define TSM_TDI_H

#include "lib/compiler.h"
#include "lib/types.h"
#include "tsm/report.h"
#include "tsm/tdisp.h"

#define TSM_DIGEST_LEN 32 /* SHA-256 of the interface report */
#define TSM_NONCE_LEN 32  /* a guest measurement nonce (DSP0274 GET_MEASUREMENTS) */
#define TSM_MSG_MAX 1024
#define TSM_REPORT_CHUNK 0x80 /* bytes asked per GET_DEVICE_INTERFACE_REPORT */
/*
 * Issue 13 item 5: the bound Moat sets on one report fetch, whatever the device answers.
 * A portion shorter than TSM_REPORT_MIN_PORTION is refused unless it is the rest of the
 * report, so a fetch takes at most TSM_REPORT_MAX_PORTIONS exchanges, and all of them
 * together at most TSM_REPORT_FETCH_NS (a device answering each just inside the DOE limit
 * is in error). Past either bound the fetch fails and the TDI is torn down.
 */
#define TSM_REPORT_MIN_PORTION 0x40
#define TSM_REPORT_MAX_PORTIONS (TDISP_REPORT_MAX / TSM_REPORT_MIN_PORTION)
#define TSM_REPORT_FETCH_NS 3000000000ull

struct tsm_pdev;
struct tdi;

/* How the TSM reaches a device's DSM. Implemented over the SPDM session by tsm/connect.c. */
struct tsm_dsm_ops {
	/* One vendor-defined request/response inside the secured session (`protocol`:
	 * IDE_KM_PROTOCOL_ID or TDISP_PROTOCOL_ID). */
	int (*vdm)(struct tsm_pdev *pd, u8 protocol, const u8 *req, size_t req_len, u8 *rsp,
		   size_t rsp_cap, size_t *rsp_len);
	/* Function-level reset of one function of the device. */
	int (*flr)(struct tsm_pdev *pd, u32 function_id);
	/* Fresh signed measurements over `nonce` (signature checked by the SPDM layer): the
	 * measurement record into `buf`. */
	int (*measure)(struct tsm_pdev *pd, const u8 nonce[TSM_NONCE_LEN], u8 *buf, size_t cap,
		       size_t *len);
};

enum tsm_evidence {
	TSM_EV_CERT_CHAIN = 1, /* the chain of the session's slot, as the device sent it */
	TSM_EV_MEASUREMENTS,   /* the signed measurement record taken at connect */
	TSM_EV_REPORT,	       /* the TDI's interface report (bound TDIs only) */
};

/* Device security state (docs/architecture.md section 2 `pdev`), the part TDIs need. */
struct tsm_pdev {
	const struct tsm_dsm_ops *ops;
	bool connected; /* SPDM session up, IDE keys programmed */
	u8 ide_stream_id;
	const u8 *cert_chain;
	size_t cert_chain_len;
	const u8 *meas;
	size_t meas_len;
	u8 req[TSM_MSG_MAX];
	u8 rsp[TSM_MSG_MAX];
};

/*
 * What the VM layer does for a TDI (filled by the VM layer; recorded by a fake in unit tests).
 * Removals cannot fail: the VM layer must isolate the device itself if hardware misbehaves.
 */
struct tsm_vm_ops {
	int (*revoke_shared_mmio)(struct tdi *t);
	void (*restore_shared_mmio)(struct tdi *t);
	/* Maps one report range (host-physical r->hpa, r->npages) private into the owning VM
	 * at the guest address of the same BAR offset. */
	int (*map_private_mmio)(struct tdi *t, const struct tdisp_mmio_range *r);
	void (*unmap_private_mmio)(struct tdi *t); /* every range mapped for the TDI */
	int (*enable_trusted_dma)(struct tdi *t);
	void (*disable_trusted_dma)(struct tdi *t);
};

/* Moat's TDI state: the TDISP state as Moat last confirmed it with the device. */
enum tdi_state {
	TDI_CONFIG_UNLOCKED = 0,
	TDI_CONFIG_LOCKED,
	TDI_RUN,
	TDI_ERROR,
};

enum tdi_event {
	TDI_EV_LOCKED = 1, /* LOCK_INTERFACE_RESPONSE and state confirmed */
	TDI_EV_STARTED,	   /* START_INTERFACE_RESPONSE and RUN confirmed */
	TDI_EV_STOPPED,	   /* STOP_INTERFACE_RESPONSE (or the device confirmed UNLOCKED) */
	TDI_EV_FAILED,	   /* device error, mismatch, reset or refusal: tear down */
};

/* Why a teardown runs (for the log and the guest notification). */
enum tdi_cause {
	TDI_CAUSE_UNBIND = 1,
	TDI_CAUSE_DEVICE_ERROR,
	TDI_CAUSE_FLR,
	TDI_CAUSE_VM_TEARDOWN,
	TDI_CAUSE_BIND_FAILED,
	TDI_CAUSE_ACCEPT_FAILED,
};

struct tdi {
	struct tsm_pdev *pdev;
	u32 function_id; /* TDISP INTERFACE_ID.FUNCTION_ID */
	struct tsm_bars bars;
	u16 lock_flags;
	u64 reporting_offset;
	/* Assignment (VM layer, at vdev creation): the only VM that may bind. 0: none. */
	u32 vm;
	const struct tsm_vm_ops *vm_ops;
	enum tdi_state state;
	bool shared_revoked;
	bool private_mapped;
	bool trusted_dma;
	/* Secret capability to START the interface; zeroised after use and on teardown. */
	u8 nonce[TDISP_NONCE_LEN];
	bool nonce_valid;
	u8 report[TDISP_REPORT_MAX];
	size_t report_len;
	u8 report_digest[TSM_DIGEST_LEN];
	struct tdisp_report parsed;
	struct tdisp_error last_err; /* the device's last TDISP_ERROR, for the log */
	/* A report being fetched: per TDI, since an operation may be suspended mid-fetch while
	 * another device's runs (core/devop.h). */
	u8 scratch[TDISP_REPORT_MAX];
};

const char *tdi_state_name(enum tdi_state s);

/* The explicit transition table; an event not allowed in the state returns -E_STATE. */
int tdi_transition(struct tdi *t, enum tdi_event ev) __must_check;

/* Set-up by the TSM (function ID, BARs) and by the VM layer (owner and its operations). */
void tdi_init(struct tdi *t, struct tsm_pdev *pd, u32 function_id, const struct tsm_bars *bars);
int tdi_assign(struct tdi *t, u32 vm, const struct tsm_vm_ops *ops) __must_check;

/* Guest operations. `vm` is the calling VM; each checks ownership and state first. */
int tdi_bind(struct tdi *t, u32 vm) __must_check;
int tdi_get_report(struct tdi *t, u32 vm, u8 *buf, size_t cap, size_t *len,
		   u8 digest[TSM_DIGEST_LEN]) __must_check;
int tdi_get_evidence(struct tdi *t, u32 vm, enum tsm_evidence kind, u8 *buf, size_t cap,
		     size_t *len) __must_check;
/* Fresh signed measurements over the guest's nonce; the record is passed through unaltered. */
int tdi_get_measurements(struct tdi *t, u32 vm, const u8 nonce[TSM_NONCE_LEN], u8 *buf, size_t cap,
			 size_t *len) __must_check;
int tdi_accept(struct tdi *t, u32 vm, const u8 digest[TSM_DIGEST_LEN]) __must_check;
int tdi_unbind(struct tdi *t, u32 vm) __must_check;

/* Host events. Each runs the ordered teardown if the TDI is bound. */
int tdi_device_error(struct tdi *t) __must_check;
/* Teardown first, then the FLR (unbind, revoke, then reset). */
int tdi_flr(struct tdi *t) __must_check;
/* VM teardown: unbinds the TDI if `vm` owns it and drops the assignment. */
int tdi_vm_teardown(struct tdi *t, u32 vm) __must_check;
/* A TDI no VM owns any more but the device has not stopped (it refused before): STOP it. */
int tdi_stop_unowned(struct tdi *t) __must_check;
/* Reads the device's state now; a mismatch with Moat's view tears the TDI down. */
int tdi_check_device(struct tdi *t) __must_check;

/* TDISP requests (tsm/tdisp_req.c): one exchange each, results checked. */
int tdisp_req_version(struct tdi *t) __must_check;
int tdisp_req_caps(struct tdi *t, struct tdisp_caps *caps) __must_check;
int tdisp_req_lock(struct tdi *t, const struct tdisp_lock_req *lk) __must_check;
int tdisp_req_report(struct tdi *t, u8 *buf, size_t cap, size_t *len) __must_check;
int tdisp_req_state(struct tdi *t, enum tdisp_state *state) __must_check;
int tdisp_req_start(struct tdi *t) __must_check;
int tdisp_req_stop(struct tdi *t) __must_check;

#endif
