// SPDX-License-Identifier: MIT
/*
 * The end-to-end device-assignment guest (docs/guest-abi.md "Device assignment"). One image,
 * two roles, chosen by what the VM was given:
 *  - owner (a vdev with a TDI): finds its NVMe function on the virtual ECAM, checks the evidence against
 *    the trust anchor from its bootargs, binds, verifies the interface report (its own SHA-256),
 *    accepts, builds its own SMMUv3 stage-1 (CD + tables in shared RAM), runs NVMe Identify
 *    Controller with the queues and data in private RAM through the nested SMMUv3, unbinds and
 *    shows that DMA is back to shared RAM only (a fault in its fault queue for private RAM, a
 *    good Identify into shared RAM). Adversarial steps: accept before bind, accept with a stale
 *    digest, unbind with an NVMe Read in flight (its late write into private RAM faults), a
 *    guest FLR while running; with moat.e2e.mode=error the device enters ERROR while running
 *    and the guest is told.
 *  - other (a plain vdev, no TDI: QEMU's edu): DMA through its own vIOMMU into its shared RAM,
 *    DMA anywhere else faulting with the fault delivered by interrupt; then it tries to bind
 *    the owner's TDI, to make the owner's memory DMA-visible and to reach the owner's MMIO;
 *    each must fail with the documented status.
 * Runs with the MMU off: GPA == VA, every access is Device-nGnRnE, aligned.
 */
#include <stdbool.h>

#include "guest_abi/moat_guest.h"
#include "tests/guests/e2e_evidence.h"
#include "tests/guests/guest_out.h"

#define PSCI_SYSTEM_OFF 0x84000008u
#define GICD 0x08000000ul
#define GICR_SGI0 (0x080A0000ul + 0x10000ul) /* vCPU 0's SGI/PPI frame */
#define PPI_VTIMER 27

/* Guest memory plan (private RAM at 0x4000_0000, shared RAM right after it). */
#define PRIV_WORK 0x40800000ul /* NVMe queues and data while the TDI is accepted */
#define P_SQ (PRIV_WORK + 0x0000)
#define P_CQ (PRIV_WORK + 0x1000)
#define P_ID (PRIV_WORK + 0x2000)
#define P_IOCQ (PRIV_WORK + 0x3000) /* I/O completion queue 1 (the in-flight test) */
#define P_IOSQ (PRIV_WORK + 0x4000) /* I/O submission queue 1 */
/* The stage-1 (CD, L1, L2) while the TDI has trusted DMA: private, out of reach of the VM's
 * untrusted devices (Moat refuses trusted DMA through a CD in shared RAM otherwise). */
#define P_S1 (PRIV_WORK + 0x100000)
/* In shared RAM (base from VM_INFO): hypercall buffers, IOMMU tables, fault queue, queues. */
#define S_BUF 0x0000ul /* 16 KiB */
#define S_CD 0x10000ul
#define S_L1 0x11000ul
#define S_L2 0x12000ul
#define S_FQ 0x20000ul
#define S_SQ 0x30000ul
#define S_CQ 0x31000ul
#define S_ID 0x32000ul
#define S_MISC 0x33000ul /* digest, nonce, descriptors */
#define S_RD 0x34000ul	 /* NVMe Read data (the in-flight test) */
/* IOVAs the guest's own stage-1 gives them: 2 MiB blocks, deliberately not the IPAs. */
#define IOVA_PRIV 0x00200000ul	 /* -> PRIV_WORK */
#define IOVA_SHARED 0x00400000ul /* -> shared RAM base */
#define ASID 7
#define FAULT_SPI 40

static struct moat_vm_info info;
static volatile uint64_t nr_aborts, fault_irqs, timer_irqs;
static int failures;
static char line[200];
static uint64_t shb; /* shared RAM base */
static uint8_t anchor[48];
static int anchor_len;
static int mode_error;
static int mode_refuse; /* the device's report is bad: a refused bind is the expected outcome */

/* ---- output ------------------------------------------------------------------------------ */

static char *put_dec(char *p, int64_t v)
{
	char t[24];
	int n = 0;

	if (v < 0) {
		*p++ = '-';
		v = -v;
	}
	do {
		t[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n)
		*p++ = t[--n];
	return p;
}

static char *put_bytes(char *p, const uint8_t *b, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		*p++ = "0123456789abcdef"[b[i] >> 4];
		*p++ = "0123456789abcdef"[b[i] & 15];
	}
	return p;
}

static void emit(char *p)
{
	*p++ = '\n';
	*p = 0;
	say(line);
}

static void check(const char *what, int64_t got, int64_t want)
{
	char *p = line;

	if (got == want)
		return;
	failures++;
	p = put_str(p, "FAIL ");
	p = put_str(p, what);
	p = put_str(p, ": got ");
	p = put_dec(p, got);
	p = put_str(p, ", want ");
	p = put_dec(p, want);
	emit(p);
}

static void pass(const char *what, int before)
{
	char *p = line;

	p = put_str(p, failures == before ? "PASS " : "FAIL ");
	p = put_str(p, what);
	emit(p);
}

static void mcpy(void *d, const void *s, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		((volatile uint8_t *)d)[i] = ((const volatile uint8_t *)s)[i];
}

static void mset(void *d, uint8_t v, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		((volatile uint8_t *)d)[i] = v;
}

static int mcmp(const void *a, const void *b, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		if (((const volatile uint8_t *)a)[i] != ((const volatile uint8_t *)b)[i])
			return 1;
	return 0;
}

static uint32_t rd32(uint64_t a)
{
	return *(volatile uint32_t *)a;
}

static void wr32(uint64_t a, uint32_t v)
{
	*(volatile uint32_t *)a = v;
}

static struct moat_ret hc(uint64_t fn, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4,
			  uint64_t a5)
{
	return moat_call(fn, a1, a2, a3, a4, a5, 0);
}

static uint64_t now_ms(void);
static uint64_t hc_busy; /* MOAT_BUSY answers the last hc_retry() continued through */

/*
 * Device operations answer BUSY while the device works (docs/guest-abi.md "Resumable calls"):
 * the same call again continues them. Bounded: 10 s, well above the DOE and SPDM deadlines.
 */
static struct moat_ret hc_retry(uint64_t fn, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4,
				uint64_t a5)
{
	uint64_t t0 = now_ms();
	struct moat_ret r;

	hc_busy = 0;
	while ((r = hc(fn, a1, a2, a3, a4, a5)).status == MOAT_BUSY && now_ms() - t0 < 10000)
		hc_busy++;
	return r;
}

/* "<what>: N continuation(s)" when the call was BUSY at least once. */
static void emit_continued(const char *what)
{
	char *p;

	if (!hc_busy)
		return;
	p = put_str(line, what);
	p = put_str(p, ": ");
	p = put_dec(p, (int64_t)hc_busy);
	p = put_str(p, " continuation(s) while the device worked, vCPU not held");
	emit(p);
}

static void power_off(void)
{
	moat_call(PSCI_SYSTEM_OFF, 0, 0, 0, 0, 0, 0);
	for (;;)
		__asm__ volatile("wfi");
}

/* ---- SHA-256 (FIPS 180-4 section 6.2), to check the report digest Moat hands over ------- */

static const uint32_t sha_k[64] = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4,
	0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe,
	0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f,
	0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
	0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc,
	0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
	0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116,
	0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
	0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
	0xc67178f2
};

static uint32_t ror(uint32_t x, unsigned n)
{
	return x >> n | x << (32 - n);
}

static void sha_block(uint32_t h[8], const uint8_t *b)
{
	uint32_t w[64], a[8];

	for (int i = 0; i < 16; i++)
		w[i] = (uint32_t)b[4 * i] << 24 | (uint32_t)b[4 * i + 1] << 16 |
		       (uint32_t)b[4 * i + 2] << 8 | b[4 * i + 3];
	for (int i = 16; i < 64; i++)
		w[i] = w[i - 16] + (ror(w[i - 15], 7) ^ ror(w[i - 15], 18) ^ (w[i - 15] >> 3)) +
		       w[i - 7] + (ror(w[i - 2], 17) ^ ror(w[i - 2], 19) ^ (w[i - 2] >> 10));
	for (int i = 0; i < 8; i++)
		a[i] = h[i];
	for (int i = 0; i < 64; i++) {
		uint32_t t1 = a[7] + (ror(a[4], 6) ^ ror(a[4], 11) ^ ror(a[4], 25)) +
			      ((a[4] & a[5]) ^ (~a[4] & a[6])) + sha_k[i] + w[i];
		uint32_t t2 = (ror(a[0], 2) ^ ror(a[0], 13) ^ ror(a[0], 22)) +
			      ((a[0] & a[1]) ^ (a[0] & a[2]) ^ (a[1] & a[2]));
		for (int j = 7; j > 0; j--)
			a[j] = a[j - 1];
		a[4] += t1;
		a[0] = t1 + t2;
	}
	for (int i = 0; i < 8; i++)
		h[i] += a[i];
}

static void sha256(const uint8_t *m, uint64_t len, uint8_t out[32])
{
	uint32_t h[8] = { 0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
			  0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19 };
	uint8_t b[64];
	uint64_t i = 0;

	for (; len - i >= 64; i += 64) {
		mcpy(b, m + i, 64);
		sha_block(h, b);
	}
	unsigned r = (unsigned)(len - i);
	mset(b, 0, 64);
	mcpy(b, m + i, r);
	b[r] = 0x80;
	if (r >= 56) {
		sha_block(h, b);
		mset(b, 0, 64);
	}
	for (int k = 0; k < 8; k++)
		b[63 - k] = (uint8_t)((len * 8) >> (8 * k));
	sha_block(h, b);
	for (int k = 0; k < 8; k++)
		for (int j = 0; j < 4; j++)
			out[4 * k + j] = (uint8_t)(h[k] >> (24 - 8 * j));
}

/* ---- bootargs from the generated DTB (DT spec 5.4: structure block tokens) -------------- */

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static const char *fdt_bootargs(uint64_t dtb)
{
	const uint8_t *f = (const uint8_t *)dtb;
	uint32_t size = be32(f + 4), off = be32(f + 8), strs = be32(f + 12);

	if (be32(f) != 0xd00dfeed || size > 0x10000)
		return "";
	for (uint32_t p = off; p + 8 <= size;) {
		uint32_t tok = be32(f + p);

		p += 4;
		if (tok == 1) { /* BEGIN_NODE: name, NUL, aligned */
			while (p < size && f[p])
				p++;
			p = (p + 4) & ~3u;
		} else if (tok == 3) { /* PROP: len, nameoff, value */
			uint32_t len = be32(f + p), name = be32(f + p + 4);
			const char *n = (const char *)f + strs + name;

			if (!mcmp(n, "bootargs", 9))
				return (const char *)f + p + 8;
			p = (p + 8 + len + 3) & ~3u;
		} else if (tok == 9) {
			break;
		}
	}
	return "";
}

static int hexval(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

static void parse_bootargs(const char *a)
{
	for (const char *p = a; *p; p++) {
		if (!mcmp(p, "moat.e2e.anchor=", 16)) {
			p += 16;
			while (anchor_len < 64 && hexval(p[0]) >= 0 && hexval(p[1]) >= 0) {
				anchor[anchor_len++] = (uint8_t)(hexval(p[0]) << 4 | hexval(p[1]));
				p += 2;
			}
		}
		if (!mcmp(p, "moat.e2e.mode=error", 19))
			mode_error = 1;
		if (!mcmp(p, "moat.e2e.mode=refuse", 20))
			mode_refuse = 1;
	}
}

/* ---- exceptions and interrupts ---------------------------------------------------------- */

void guest_sync(uint64_t *frame)
{
	(void)frame;
	nr_aborts++;
	write_sysreg(elr_el1, read_sysreg(elr_el1) + 4);
}

void guest_irq(uint64_t *frame)
{
	uint64_t iar = read_sysreg(S3_0_C12_C12_0); /* ICC_IAR1_EL1 */

	(void)frame;
	if ((iar & 0xffffff) == FAULT_SPI)
		fault_irqs++;
	if ((iar & 0xffffff) == PPI_VTIMER) {
		write_sysreg(cntv_ctl_el0, 2); /* IMASK: the deadline has passed, once */
		timer_irqs++;
	}
	write_sysreg(S3_0_C12_C12_1, iar); /* ICC_EOIR1_EL1 */
}

void guest_unexpected(uint64_t *frame)
{
	(void)frame;
	say("FAIL unexpected exception\n");
	power_off();
}

void guest_secondary(uint64_t ctx)
{
	(void)ctx;
	power_off();
}

/* The fault queue's SPI, routed to vCPU 0. */
static void gic_enable_spi(unsigned intid)
{
	wr32(GICD, 2); /* GICD_CTLR.EnableGrp1 */
	*(volatile uint8_t *)(GICD + 0x400 + intid) = 0x80;
	*(volatile uint64_t *)(GICD + 0x6000 + 8 * intid) = 0;
	wr32(GICD + 0x100 + 4 * (intid / 32), 1u << (intid % 32));
	write_sysreg(S3_0_C12_C12_5, 7); /* ICC_SRE_EL1 */
	__asm__ volatile("isb");
	write_sysreg(S3_0_C4_C6_0, 0xff); /* ICC_PMR_EL1 */
	write_sysreg(S3_0_C12_C12_7, 1);  /* ICC_IGRPEN1_EL1 */
	__asm__ volatile("isb\n msr daifclr, #2");
}

/* A load that must fault (no stage-2 mapping): returns 1 if it did. */
static int load_faults(uint64_t a)
{
	uint64_t before = nr_aborts;

	(void)rd32(a);
	return nr_aborts == before + 1;
}

/* ---- timing ---------------------------------------------------------------------------- */

static uint64_t now_ms(void)
{
	return read_sysreg(cntvct_el0) * 1000 / read_sysreg(cntfrq_el0);
}

/*
 * Sleeps (WFI) until the fault-queue SPI has been taken or `ms` have passed. The virtual
 * timer is armed for the deadline, so a lost interrupt ends in a FAIL with the queue's state
 * instead of a vCPU asleep for ever.
 */
static void wait_fault_irq(const char *what, uint64_t ms)
{
	struct moat_fault_queue *q = (struct moat_fault_queue *)(shb + S_FQ);
	uint64_t end = now_ms() + ms;
	char *p;

	*(volatile uint8_t *)(GICR_SGI0 + 0x400 + PPI_VTIMER) = 0x80;
	wr32(GICR_SGI0 + 0x100, 1u << PPI_VTIMER); /* ISENABLER0 */
	write_sysreg(cntv_cval_el0, read_sysreg(cntvct_el0) + ms * read_sysreg(cntfrq_el0) / 1000);
	write_sysreg(cntv_ctl_el0, 1); /* enabled, interrupt unmasked */
	__asm__ volatile("isb");
	while (!fault_irqs && now_ms() < end)
		__asm__ volatile("wfi");
	write_sysreg(cntv_ctl_el0, 0);
	if (fault_irqs)
		return;
	p = put_str(line, "  no fault interrupt for ");
	p = put_str(p, what);
	p = put_str(p, " within ");
	p = put_dec(p, (int64_t)ms);
	p = put_str(p, " ms: queue head ");
	p = put_dec(p, q->head);
	p = put_str(p, ", tail ");
	p = put_dec(p, q->tail);
	p = put_str(p, ", overflow ");
	p = put_dec(p, q->overflow);
	p = put_str(p, ", timer interrupts ");
	p = put_dec(p, (int64_t)timer_irqs);
	emit(p);
}

/* ---- the guest's own SMMUv3 stage-1 (SMMUv3 5.4 CD; VMSAv8-64 4 KiB tables) ------------- */

#define PTE_TABLE 3ull
#define PTE_BLOCK (1ull | 1ull << 6 | 3ull << 8 | 1ull << 10) /* AP=RW any EL, ISH, AF */
#define CD0_BITS                                                                              \
	(25ull | 1ull << 8 | 1ull << 10 | 3ull << 12 | 1ull << 30 | 1ull << 31 | 2ull << 32 | \
	 1ull << 41 | 1ull << 45 |                                                            \
	 1ull << 46) /* T0SZ 25, WB, ISH, EPD1, V, IPS 40b, AA64, R, A */

/* The guest's stage-1 at `at`: CD, then L1 and L2 tables in the next two pages. */
static void s1_build(uint64_t at)
{
	volatile uint64_t *l1 = (volatile uint64_t *)(at + 0x1000);
	volatile uint64_t *l2 = (volatile uint64_t *)(at + 0x2000);
	volatile uint64_t *cd = (volatile uint64_t *)at;

	mset((void *)(at + 0x1000), 0, 0x2000);
	mset((void *)at, 0, 64);
	l2[IOVA_PRIV >> 21] = PRIV_WORK | PTE_BLOCK;
	l2[IOVA_SHARED >> 21] = shb | PTE_BLOCK;
	l1[0] = (at + 0x2000) | PTE_TABLE;
	cd[1] = at + 0x1000;
	cd[3] = 0x04ff; /* MAIR: attr 0 normal write-back */
	cd[0] = CD0_BITS | (uint64_t)ASID << 48;
	__asm__ volatile("dsb sy");
}

/* ---- a minimal NVMe admin queue pair (NVMe base 2.0 sections 3.1, 5.15) ----------------- */

#define NVME_CC 0x14
#define NVME_CSTS 0x1c
#define NVME_AQA 0x24
#define NVME_ASQ 0x28
#define NVME_ACQ 0x30
#define QDEPTH 8

struct nvme {
	uint64_t bar;
	uint32_t dstrd;
	uint64_t sq, cq;	   /* guest addresses */
	uint64_t sq_iova, cq_iova; /* as the device sees them */
	uint16_t sq_tail, cq_head, cid;
	uint32_t phase;
};

static struct nvme nv;

static int nvme_wait_ready(uint32_t want)
{
	uint64_t end = now_ms() + 5000;

	while (now_ms() < end) {
		uint32_t s = rd32(nv.bar + NVME_CSTS);

		if (s & 2)
			return -2; /* controller fatal status */
		if ((s & 1) == want)
			return 0;
	}
	return -1;
}

static int nvme_init(uint64_t sq, uint64_t cq, uint64_t sq_iova, uint64_t cq_iova)
{
	int err;

	nv.dstrd = (rd32(nv.bar + 4) & 0xf); /* CAP.DSTRD (bits 35:32) */
	wr32(nv.bar + NVME_CC, 0);
	if ((err = nvme_wait_ready(0)))
		return err;
	mset((void *)sq, 0, 4096);
	mset((void *)cq, 0, 4096);
	nv.sq = sq;
	nv.cq = cq;
	nv.sq_iova = sq_iova;
	nv.cq_iova = cq_iova;
	nv.sq_tail = nv.cq_head = 0;
	nv.phase = 1;
	wr32(nv.bar + NVME_AQA, (QDEPTH - 1) << 16 | (QDEPTH - 1));
	wr32(nv.bar + NVME_ASQ, (uint32_t)sq_iova);
	wr32(nv.bar + NVME_ASQ + 4, (uint32_t)(sq_iova >> 32));
	wr32(nv.bar + NVME_ACQ, (uint32_t)cq_iova);
	wr32(nv.bar + NVME_ACQ + 4, (uint32_t)(cq_iova >> 32));
	__asm__ volatile("dsb sy");
	wr32(nv.bar + NVME_CC, 1 | 6u << 16 | 4u << 20); /* EN, IOSQES 64 B, IOCQES 16 B */
	return nvme_wait_ready(1);
}

/* Identify Controller (opcode 0x06, CNS 1) into the 4 KiB at `buf_iova`. */
static void nvme_identify_submit(uint64_t buf_iova)
{
	volatile uint32_t *c = (volatile uint32_t *)(nv.sq + 64ul * nv.sq_tail);

	for (int i = 0; i < 16; i++)
		c[i] = 0;
	c[0] = 0x06 | (uint32_t)(++nv.cid) << 16;
	c[6] = (uint32_t)buf_iova;
	c[7] = (uint32_t)(buf_iova >> 32);
	c[10] = 1;
	nv.sq_tail = (nv.sq_tail + 1) % QDEPTH;
	__asm__ volatile("dsb sy");
	wr32(nv.bar + 0x1000, nv.sq_tail); /* SQ 0 tail doorbell */
}

/* The completion's status (0: success), or -1 when none came within `ms`. */
static int nvme_complete(unsigned ms)
{
	volatile uint32_t *e = (volatile uint32_t *)(nv.cq + 16ul * nv.cq_head);
	uint64_t end = now_ms() + ms;

	while (((e[3] >> 16) & 1) != nv.phase)
		if (now_ms() > end)
			return -1;
	int status = (int)((e[3] >> 17) & 0x7fff);
	if (++nv.cq_head == QDEPTH) {
		nv.cq_head = 0;
		nv.phase ^= 1;
	}
	wr32(nv.bar + 0x1000 + (4u << nv.dstrd), nv.cq_head); /* CQ 0 head doorbell */
	return status;
}

/* One admin command (NVMe 2.0 5.x) and its completion status; -1 if none came. */
static int nvme_admin(uint8_t opc, uint64_t prp1, uint32_t cdw10, uint32_t cdw11)
{
	volatile uint32_t *c = (volatile uint32_t *)(nv.sq + 64ul * nv.sq_tail);

	for (int i = 0; i < 16; i++)
		c[i] = 0;
	c[0] = opc | (uint32_t)(++nv.cid) << 16;
	c[6] = (uint32_t)prp1;
	c[7] = (uint32_t)(prp1 >> 32);
	c[10] = cdw10;
	c[11] = cdw11;
	nv.sq_tail = (nv.sq_tail + 1) % QDEPTH;
	__asm__ volatile("dsb sy");
	wr32(nv.bar + 0x1000, nv.sq_tail);
	return nvme_complete(2000);
}

#define IOQ 1

/*
 * I/O completion queue 1 then submission queue 1 (Create I/O CQ 0x05, SQ 0x01; physically
 * contiguous, no interrupt), both in private RAM. The CQ is filled with 0x5a: its phase bits
 * read 0, so nothing counts as posted, and any byte the device writes shows.
 */
static int nvme_io_queues(void)
{
	int st;

	mset((void *)P_IOSQ, 0, 4096);
	mset((void *)P_IOCQ, 0x5a, 4096);
	st = nvme_admin(0x05, IOVA_PRIV + (P_IOCQ - PRIV_WORK), (QDEPTH - 1) << 16 | IOQ, 1);
	if (st)
		return st;
	return nvme_admin(0x01, IOVA_PRIV + (P_IOSQ - PRIV_WORK), (QDEPTH - 1) << 16 | IOQ,
			  IOQ << 16 | 1);
}

/* Read (0x02) of LBA 0 of namespace 1, one block, into `buf_iova`: slot 0 of I/O SQ 1. */
static void nvme_read_submit(uint64_t buf_iova)
{
	volatile uint32_t *c = (volatile uint32_t *)P_IOSQ;

	for (int i = 0; i < 16; i++)
		c[i] = 0;
	c[0] = 0x02 | (uint32_t)(++nv.cid) << 16;
	c[1] = 1;
	c[6] = (uint32_t)buf_iova;
	c[7] = (uint32_t)(buf_iova >> 32);
	__asm__ volatile("dsb sy");
	wr32(nv.bar + 0x1000 + ((2u * IOQ) << (2 + nv.dstrd)), 1); /* SQ 1 tail doorbell */
}

static unsigned iocq_bytes_touched(void)
{
	unsigned touched = 0;

	for (unsigned i = 0; i < 4096; i++)
		touched += ((volatile uint8_t *)P_IOCQ)[i] != 0x5a;
	return touched;
}

/* Identify data: VID (bytes 0-1), serial (4-23), model (24-63), trailing spaces cut. */
static char *put_ident(char *p, uint64_t buf)
{
	const volatile uint8_t *d = (const volatile uint8_t *)buf;
	int end;

	p = put_str(p, "VID ");
	p = put_hex(p, d[0] | d[1] << 8);
	p = put_str(p, ", serial '");
	for (end = 23; end >= 4 && d[end] == ' '; end--)
		;
	for (int i = 4; i <= end; i++)
		*p++ = (char)d[i];
	p = put_str(p, "', model '");
	for (end = 63; end >= 24 && d[end] == ' '; end--)
		;
	for (int i = 24; i <= end; i++)
		*p++ = (char)d[i];
	return put_str(p, "'");
}

/* ---- the owner ------------------------------------------------------------------------- */

static uint32_t vh; /* the vdev handle */
static uint16_t vendor_id, device_id;
static uint8_t report_digest[32];

static const char *const tdi_names[] = { "NONE", "CONFIG_UNLOCKED", "CONFIG_LOCKED", "RUN",
					 "ERROR" };

static struct moat_ret tdi_state(void)
{
	return hc_retry(MOAT_HC_TDI_STATE, vh, 0, 0, 0, 0);
}

static void owner_find(void)
{
	struct moat_vdev_info *vi = (struct moat_vdev_info *)(shb + S_BUF);
	struct moat_ret r = hc(MOAT_HC_VDEV_LIST, shb + S_BUF, 4 * sizeof(*vi), 0, 0, 0);
	char *p = line;

	check("vdev list", r.status, MOAT_OK);
	check("vdevs", (int64_t)r.r1, 1);
	vh = vi->handle;
	vendor_id = vi->vendor;
	device_id = vi->device;
	nv.bar = vi->bar_gpa[0];
	p = put_str(p, "vdev ");
	p = put_hex(p, vh);
	p = put_str(p, ": ");
	p = put_hex(p, vendor_id);
	p = put_str(p, ":");
	p = put_hex(p, device_id);
	p = put_str(p, ", BAR0 at ");
	p = put_hex(p, nv.bar);
	p = put_str(p, " size ");
	p = put_hex(p, vi->bar_size[0]);
	p = put_str(p, ", TDI ");
	p = put_str(p, tdi_names[vi->tdi_state < 5 ? vi->tdi_state : 0]);
	emit(p);
}

static void owner_ecam(void)
{
	int before = failures;
	uint32_t id = rd32(MOAT_GPA_ECAM), cap = rd32(MOAT_GPA_ECAM + 0x34) & 0xff;

	check("ECAM IDs", id, (uint32_t)device_id << 16 | vendor_id);
	check("ECAM BAR0", rd32(MOAT_GPA_ECAM + 0x10) & ~0xfu, (uint32_t)nv.bar);
	check("ECAM capability is PCIe", cap ? rd32(MOAT_GPA_ECAM + cap) & 0xff : 0, 0x10);
	check("ECAM capability list ends", cap ? (rd32(MOAT_GPA_ECAM + cap) >> 8) & 0xff : 1, 0);
	check("ECAM extended space (DOE) hidden", rd32(MOAT_GPA_ECAM + 0x100), 0);
	check("ECAM empty slot", rd32(MOAT_GPA_ECAM + (1 << 15)), 0xffffffff);
	pass("virtual ECAM: filtered config space, DOE hidden", before);
}

static uint32_t nvme_vs;

static void owner_shared_mmio(void)
{
	int before = failures;
	char *p = line;

	nvme_vs = rd32(nv.bar + 8);
	check("shared MMIO read", nvme_vs == 0 || nvme_vs == 0xffffffff, 0);
	p = put_str(p, "NVMe version ");
	p = put_hex(p, nvme_vs);
	p = put_str(p, " read through shared MMIO");
	emit(p);
	pass("shared MMIO before bind", before);
}

/* Evidence buffers: the chain at S_BUF, the measurement blob 8 KiB further. */
#define EV_BUF_CAP 0x2000ul
#define MIN_CAP(n) ((n) < EV_BUF_CAP ? (n) : EV_BUF_CAP)

/* A failed evidence check: the reason on its own line (the FAIL line comes from check()). */
static void ev_why(int err, const char *why)
{
	if (!err)
		return;
	emit(put_str(put_str(line, "  evidence check failed: "), why));
}

static const char *hash_name(uint32_t hash_len)
{
	return hash_len == 64 ? "SHA-512" : hash_len == 48 ? "SHA-384" : "SHA-256";
}

/*
 * The guest trusts the device's root (its anchor: a SHA-256, -384 or -512 digest), not Moat: it
 * verifies everything itself. The chain's root hash is in the negotiated hash, which the
 * signed evidence names (`hash_len`, from the VCA the device signed).
 */
static void owner_evidence_chain(uint8_t *buf, uint32_t hash_len)
{
	int before = failures, err;
	const char *why = "";
	unsigned ncerts = 0, curve = 0;
	struct moat_ret r;
	char *p;

	r = hc_retry(MOAT_HC_TDI_GET_EVIDENCE, vh, MOAT_EV_CERT_CHAIN, (uint64_t)buf, EV_BUF_CAP,
		     0);
	check("certificate chain", r.status, MOAT_OK);
	check("trust anchor given", anchor_len == 32 || anchor_len == 48 || anchor_len == 64, 1);
	check("chain within the buffer", r.r1 <= EV_BUF_CAP, 1);
	err = ev_chain_verify(buf, MIN_CAP(r.r1), hash_len, anchor, anchor_len, &ncerts, &curve,
			      &why);
	ev_why(err, why);
	check("certificate chain verified by the guest", err, 0);
	p = put_str(line, "certificate chain ");
	p = put_dec(p, (int64_t)r.r1);
	p = put_str(p, " bytes, ");
	p = put_dec(p, ncerts);
	p = put_str(p, " certs, root ");
	p = put_bytes(p, buf + 4, 8);
	p = put_str(p, "... = trust anchor, each signed by its issuer, leaf ");
	p = put_str(p, curve == 384 ? "P-384" : "P-256");
	emit(p);
	pass("evidence: the guest verified the certificate chain up to its trust anchor", before);
}

/* The signed exchange over the guest's nonce; the VCA digest must be that of its VCA. */
static uint64_t owner_evidence_meas(uint8_t *blob, const uint8_t *nonce)
{
	uint8_t *dig = (uint8_t *)(shb + S_MISC + 0x200), mine[32];
	struct moat_ev_meas_view v;
	int before = failures, err;
	const char *why = "";
	struct moat_ret r;
	char *p;

	r = hc_retry(MOAT_HC_TDI_GET_EVIDENCE, vh, MOAT_EV_SIGNED_MEASUREMENTS, (uint64_t)blob,
		     EV_BUF_CAP, (uint64_t)nonce);
	check("signed measurements with the guest's nonce", r.status, MOAT_OK);
	check("evidence within the buffer", r.r1 <= EV_BUF_CAP, 1);
	err = ev_meas_verify(blob, MIN_CAP(r.r1), nonce, &v, &why);
	ev_why(err, why);
	check("measurement signature verified by the guest", err, 0);
	if (err)
		return 0;
	p = put_str(line, "signed measurements (guest nonce ");
	p = put_bytes(p, v.nonce, 4);
	p = put_str(p, "...): ");
	p = put_dec(p, (int64_t)r.r1);
	p = put_str(p, " bytes, ");
	p = put_dec(p, v.nblocks);
	p = put_str(p, " blocks, SPDM 1.");
	p = put_dec(p, v.hdr->spdm_version & 0xf);
	p = put_str(p, v.base_asym == 0x80 ? " P-384/" : " P-256/");
	p = put_str(p, hash_name(v.hash_len));
	p = put_str(p, " over L1/L2 (");
	p = put_dec(p, v.signed_len);
	p = put_str(p, " B) verified");
	emit(p);
	pass("evidence: the guest verified the measurement signature over its own nonce", before);
	before = failures;
	r = hc_retry(MOAT_HC_TDI_GET_EVIDENCE, vh, MOAT_EV_VCA_DIGEST, (uint64_t)dig, 32, 0);
	check("VCA digest", r.status, MOAT_OK);
	ev_sha256(v.vca, v.vca_len, mine);
	check("VCA digest is SHA-256 of the signed VCA", mcmp(mine, dig, 32), 0);
	p = put_str(line, "VCA digest ");
	p = put_bytes(p, dig, 8);
	p = put_str(p, "... = SHA-256 of the signed VCA (");
	p = put_dec(p, v.vca_len);
	p = put_str(p, " bytes)");
	emit(p);
	pass("evidence: VCA digest matches the VCA the device signed", before);
	return r.status == MOAT_OK ? (uint64_t)v.hdr->total : 0;
}

/* Tampering the guest must catch: a flipped response byte; a nonce that is not its own. */
static void owner_evidence_tampered(uint8_t *blob, uint64_t len, const uint8_t *nonce)
{
	struct moat_ev_meas_view v;
	const struct moat_ev_meas *h = (const struct moat_ev_meas *)blob;
	uint8_t other[32], saved[32];
	int before = failures;
	const char *why = "";

	blob[h->rsp.off + 8] ^= 0x01; /* the first measurement block's index */
	check("flipped response byte refused", ev_meas_verify(blob, len, nonce, &v, &why),
	      EV_E_SIGNATURE);
	blob[h->rsp.off + 8] ^= 0x01;
	check("restored response verifies", ev_meas_verify(blob, len, nonce, &v, &why), 0);
	pass("evidence: a flipped byte in the response fails verification", before);
	before = failures;
	for (int i = 0; i < 32; i++)
		other[i] = (uint8_t)(nonce[i] ^ 0x5a);
	/* The device answered another nonce than the one the guest expects... */
	check("response to another nonce refused", ev_meas_verify(blob, len, other, &v, &why),
	      EV_E_NONCE);
	/* ...and a request rewritten to show the expected nonce breaks the signature. */
	mcpy(saved, blob + h->req.off + 4, 32);
	mcpy(blob + h->req.off + 4, other, 32);
	check("rewritten nonce refused", ev_meas_verify(blob, len, other, &v, &why),
	      EV_E_SIGNATURE);
	mcpy(blob + h->req.off + 4, saved, 32);
	pass("evidence: a wrong nonce is detected", before);
}

/* The hash the device and Moat negotiated, from a signed-measurements blob (0: none). */
static uint32_t owner_negotiated_hash(uint8_t *blob, const uint8_t *nonce)
{
	struct moat_ev_meas_view v;
	struct moat_ret r = hc_retry(MOAT_HC_TDI_GET_EVIDENCE, vh, MOAT_EV_SIGNED_MEASUREMENTS,
				     (uint64_t)blob, EV_BUF_CAP, (uint64_t)nonce);

	if (r.status != MOAT_OK || moat_ev_meas_parse(blob, MIN_CAP(r.r1), &v))
		return 0;
	return v.hash_len;
}

static void owner_evidence(void)
{
	uint8_t *buf = (uint8_t *)(shb + S_BUF), *blob = buf + EV_BUF_CAP;
	uint8_t *nonce = (uint8_t *)(shb + S_MISC + 0x100);
	uint32_t hash_len;
	uint64_t len;

	for (int i = 0; i < 32; i++)
		nonce[i] = (uint8_t)(0xa5 ^ i * 13);
	hash_len = owner_negotiated_hash(blob, nonce);
	check("negotiated hash named by the evidence", hash_len != 0, 1);
	owner_evidence_chain(buf, hash_len);
	len = owner_evidence_meas(blob, nonce);
	if (len)
		owner_evidence_tampered(blob, len, nonce);
}

/*
 * Moat refused the bind (the device's interface report failed its checks): the guest says so
 * and goes on; the VM and its device must still work as a plain assignment.
 */
static void owner_after_refused_bind(int64_t status)
{
	int before = failures;
	char *p;

	p = put_str(line, "bind refused by Moat: status ");
	p = put_dec(p, status);
	p = put_str(p, mode_refuse ? " (this run's device reports an interface Moat must refuse)"
				   : " (unexpected)");
	emit(p);
	if (!mode_refuse)
		failures++;
	check("state after the refused bind", (int64_t)tdi_state().r1, MOAT_TDI_UNLOCKED);
	check("shared MMIO after the refused bind", rd32(nv.bar + 8), nvme_vs);
	/* no stage-1 of the guest's yet: IOVAs are its IPAs, its shared RAM reachable */
	check("NVMe enable (queues in shared RAM)",
	      nvme_init(shb + S_SQ, shb + S_CQ, shb + S_SQ, shb + S_CQ), 0);
	mset((void *)(shb + S_ID), 0, 4096);
	nvme_identify_submit(shb + S_ID);
	check("Identify into shared RAM", nvme_complete(5000), 0);
	check("Identify VID (shared)", *(volatile uint16_t *)(shb + S_ID), vendor_id);
	pass("after a refused bind: TDI CONFIG_UNLOCKED, shared MMIO and DMA to shared RAM work",
	     before);
}

/* Bind, then the report's own checks; false if Moat refused the bind. */
static bool owner_bind_and_report(void)
{
	uint8_t *rep = (uint8_t *)(shb + S_BUF), *dig = (uint8_t *)(shb + S_MISC), mine[32];
	int before = failures;
	struct moat_ret r;
	char *p;

	mset(dig, 0, 32);
	check("accept before bind", hc_retry(MOAT_HC_TDI_ACCEPT, vh, shb + S_MISC, 0, 0, 0).status,
	      MOAT_BAD_STATE);
	r = hc_retry(MOAT_HC_TDI_BIND, vh, 0, 0, 0, 0);
	emit_continued("bind");
	if (r.status != MOAT_OK) {
		owner_after_refused_bind(r.status);
		return false;
	}
	if (mode_refuse)
		check("bind refused (the report is outside the BAR)", r.status, MOAT_DEVICE_ERROR);
	check("state after bind", (int64_t)tdi_state().r1, MOAT_TDI_LOCKED);
	check("shared MMIO revoked by bind", load_faults(nv.bar + 8), 1);
	r = hc_retry(MOAT_HC_TDI_GET_REPORT, vh, shb + S_BUF, 0x4000, shb + S_MISC, 0);
	check("report", r.status, MOAT_OK);
	sha256(rep, r.r1, mine);
	check("report digest is SHA-256 of the report", mcmp(mine, dig, 32), 0);
	mcpy(report_digest, dig, 32);
	uint32_t nr = be32(rep + 12) >> 24 | (be32(rep + 12) >> 8 & 0xff00) |
		      (be32(rep + 12) << 8 & 0xff0000) | be32(rep + 12) << 24;
	p = put_str(line, "interface report ");
	p = put_dec(p, (int64_t)r.r1);
	p = put_str(p, " bytes, info ");
	p = put_hex(p, rep[0] | rep[1] << 8);
	p = put_str(p, ", ");
	p = put_dec(p, nr);
	p = put_str(p, " MMIO range(s), digest ");
	p = put_bytes(p, mine, 8);
	p = put_str(p, "...");
	emit(p);
	for (uint32_t i = 0; i < nr && i < 8 && 16 + 16 * i + 16 <= r.r1; i++) {
		const uint8_t *m = rep + 16 + 16 * i;
		uint64_t pg = 0;

		for (int k = 7; k >= 0; k--)
			pg = pg << 8 | m[k];
		p = put_str(line, "  range ");
		p = put_dec(p, i);
		p = put_str(p, ": page ");
		p = put_hex(p, pg);
		p = put_str(p, " +");
		p = put_dec(p, m[8] | m[9] << 8);
		p = put_str(p, (m[12] & 3) ? " MSI-X (non-TEE)" : " TEE");
		emit(p);
	}
	pass("bind: CONFIG_LOCKED, report checked", before);
	return true;
}

static void owner_accept(void)
{
	uint8_t *dig = (uint8_t *)(shb + S_MISC);
	int before = failures;

	mcpy(dig, report_digest, 32);
	dig[3] ^= 0x40;
	check("accept with a stale digest",
	      hc_retry(MOAT_HC_TDI_ACCEPT, vh, shb + S_MISC, 0, 0, 0).status, MOAT_MISMATCH);
	check("still locked", (int64_t)tdi_state().r1, MOAT_TDI_LOCKED);
	mcpy(dig, report_digest, 32);
	check("accept", hc_retry(MOAT_HC_TDI_ACCEPT, vh, shb + S_MISC, 0, 0, 0).status, MOAT_OK);
	emit_continued("accept");
	check("state after accept", (int64_t)tdi_state().r1, MOAT_TDI_RUN);
	check("private MMIO mapped by accept", rd32(nv.bar + 8), nvme_vs);
	check("non-TEE MSI-X page not mapped", load_faults(nv.bar + 0x3000), 1);
	pass("accept: RUN, private MMIO at the BAR's guest address", before);
}

static int64_t s1_set(uint64_t at)
{
	struct moat_s1_desc *s1 = (struct moat_s1_desc *)(shb + S_MISC + 0x200);

	s1_build(at);
	mset(s1, 0, sizeof(*s1));
	s1->size = sizeof(*s1);
	s1->type = MOAT_IOMMU_SMMUV3;
	s1->smmu.cd_table = at;
	s1->smmu.asid = ASID;
	return hc_retry(MOAT_HC_VIOMMU_SET_S1, vh, (uint64_t)s1, sizeof(*s1), 0, 0).status;
}

/* `at`: where the stage-1 lives (private RAM while the TDI has trusted DMA). */
static void owner_stage1(uint64_t at)
{
	struct moat_inv *inv = (struct moat_inv *)(shb + S_MISC + 0x300);
	struct moat_viommu_info *vi = (struct moat_viommu_info *)(shb + S_MISC + 0x400);
	int before = failures;
	struct moat_ret r;

	check("viommu info", hc(MOAT_HC_VIOMMU_INFO, (uint64_t)vi, sizeof(*vi), 0, 0, 0).status,
	      MOAT_OK);
	check("viommu type", vi->type, MOAT_IOMMU_SMMUV3);
	check("fault queue", hc_retry(MOAT_HC_VIOMMU_FAULTQ, shb + S_FQ, FAULT_SPI, 0, 0, 0).status,
	      MOAT_OK);
	gic_enable_spi(FAULT_SPI);
	check("set stage-1", s1_set(at), MOAT_OK);
	mset(inv, 0, 2 * sizeof(*inv));
	inv[0].size = inv[1].size = sizeof(*inv);
	inv[0].op = MOAT_INV_SMMU_CFGI_CD;
	inv[0].vdev = vh;
	inv[1].op = MOAT_INV_SMMU_TLBI_ASID;
	inv[1].asid = ASID;
	r = hc_retry(MOAT_HC_VIOMMU_INVALIDATE, (uint64_t)inv, 2, 0, 0, 0);
	check("invalidate", r.status, MOAT_OK);
	check("invalidations done", (int64_t)r.r1, 2);
	inv[1].asid = 0;
	inv[1].op = MOAT_INV_SMMU_TLBI_ALL;
	inv[1].reserved0 = 1;
	r = hc_retry(MOAT_HC_VIOMMU_INVALIDATE, (uint64_t)inv, 2, 0, 0, 0);
	check("invalidate, bad second entry", r.status, MOAT_INVALID_PARAM);
	check("failing index", (int64_t)r.r2, 1);
	pass("own stage-1 (CD + tables) on the nested SMMUv3, invalidations", before);
}

static void owner_dma_private(void)
{
	int before = failures, st;
	char *p;

	mset((void *)P_ID, 0, 4096);
	check("NVMe enable (admin queues in private RAM)",
	      nvme_init(P_SQ, P_CQ, IOVA_PRIV + (P_SQ - PRIV_WORK), IOVA_PRIV + (P_CQ - PRIV_WORK)),
	      0);
	nvme_identify_submit(IOVA_PRIV + (P_ID - PRIV_WORK));
	st = nvme_complete(5000);
	check("Identify Controller status", st, 0);
	check("Identify VID", *(volatile uint16_t *)P_ID, vendor_id);
	p = put_str(line, "Identify Controller into private RAM via IOVA ");
	p = put_hex(p, IOVA_PRIV + (P_ID - PRIV_WORK));
	p = put_str(p, ": ");
	p = put_ident(p, P_ID);
	emit(p);
	pass("DMA into private memory through the nested SMMUv3", before);
}

/*
 * Unbind while the device still owes a DMA into private RAM. QEMU's nvme sits on a null-co
 * drive with 1.5 s of latency (e2e_arm64.py), so a Read stays in flight long enough; its data
 * goes to shared RAM (QEMU maps a Read's buffer when it is submitted, translating it once),
 * and its completion entry goes to the I/O CQ in private RAM, written through the SMMU only
 * when the Read completes: after the unbind, when the stream is back on the shared view.
 * That late write must fault (a record in the fault queue, by interrupt) and change no
 * private byte; the command never completes and the guest resets the controller. The guest
 * waits 100 ms after the doorbell so that the controller has fetched the command from the
 * private SQ before the unbind takes trusted DMA away.
 */
static void owner_unbind_in_flight(void)
{
	struct moat_fault_queue *q = (struct moat_fault_queue *)(shb + S_FQ);
	int before = failures;
	struct moat_ret r;
	uint64_t end;
	char *p;

	check("I/O queues in private RAM", nvme_io_queues(), 0);
	fault_irqs = 0;
	q->head = q->tail;
	nvme_read_submit(IOVA_SHARED + S_RD);
	/* Let the controller fetch the command (from the private SQ) first: the unbind removes
	 * trusted DMA before its STOP, so a fetch after that would fault instead (tsm/tdi.h).
	 * The fetch runs in QEMU's main loop, which a loaded host can hold off for 100 ms and
	 * more; 400 ms plus the unbind (about 170 ms) still ends well before the Read (1500). */
	for (end = now_ms() + 400; now_ms() < end;)
		;
	end = now_ms();
	check("unbind with DMA in flight", hc_retry(MOAT_HC_TDI_UNBIND, vh, 0, 0, 0, 0).status,
	      MOAT_OK);
	end = now_ms() - end;
	check("Read still in flight when unbind returned", iocq_bytes_touched(), 0);
	p = put_str(line, "  unbind returned after ");
	p = put_dec(p, (int64_t)end);
	p = put_str(p, " ms with the Read in flight (due after 1500 ms)");
	emit(p);
	r = tdi_state();
	check("state after unbind", (int64_t)r.r1, MOAT_TDI_UNLOCKED);
	/* back on the shared view, which cannot reach the private stage-1: its shared copy */
	check("stage-1 in shared RAM again", s1_set(shb + S_CD), MOAT_OK);
	check("teardown cause", (int64_t)r.r2, MOAT_CAUSE_UNBIND);
	check("BAR back to shared MMIO", rd32(nv.bar + 8), nvme_vs);
	wait_fault_irq("the late DMA", 5000);
	check("late DMA fault interrupt", fault_irqs > 0, 1);
	check("late DMA fault record", q->tail != q->head, 1);
	p = put_str(line, "  late completion (private CQ): ");
	if (q->tail != q->head) {
		check("fault record's vdev", q->rec[q->head].vdev, vh);
		check("fault at the completion queue", q->rec[q->head].addr,
		      IOVA_PRIV + (P_IOCQ - PRIV_WORK));
		check("stage-2 fault", q->rec[q->head].stage, 2);
		p = put_str(p, "fault queued, IOVA ");
		p = put_hex(p, q->rec[q->head].addr);
		p = put_str(p, ", stage ");
		p = put_dec(p, q->rec[q->head].stage);
		q->head = q->tail;
	}
	check("private bytes written by the late DMA", iocq_bytes_touched(), 0);
	p = put_str(p, "; private bytes written ");
	p = put_dec(p, iocq_bytes_touched());
	p = put_str(p, "; no completion");
	emit(p);
	pass("unbind during in-flight DMA: the late DMA faults, private RAM untouched", before);
}

static void owner_shared_only(void)
{
	struct moat_fault_queue *q = (struct moat_fault_queue *)(shb + S_FQ);
	int before = failures, st;
	char *p;

	check("NVMe enable (queues in shared RAM)",
	      nvme_init(shb + S_SQ, shb + S_CQ, IOVA_SHARED + S_SQ, IOVA_SHARED + S_CQ), 0);
	fault_irqs = 0;
	mset((void *)P_ID, 0x5a, 4096);
	nvme_identify_submit(IOVA_PRIV + (P_ID - PRIV_WORK));
	st = nvme_complete(3000);
	/* QEMU's nvme may still complete with success: what matters is what reached memory */
	unsigned touched = 0;
	for (unsigned i = 0; i < 4096; i++)
		touched += ((volatile uint8_t *)P_ID)[i] != 0x5a;
	check("private RAM untouched by the device", touched, 0);
	p = put_str(line, "  Identify into private RAM: status ");
	p = put_dec(p, st);
	p = put_str(p, ", private bytes written by the device: ");
	p = put_dec(p, touched);
	emit(p);
	wait_fault_irq("the Identify into private RAM", 3000);
	check("fault interrupt", fault_irqs > 0, 1);
	check("fault record", q->tail != q->head, 1);
	if (q->tail != q->head) {
		struct moat_fault *f = &q->rec[q->head];

		check("fault record's vdev", f->vdev, vh);
		p = put_str(line, "  fault queued: vdev ");
		p = put_hex(p, f->vdev);
		p = put_str(p, ", IOVA ");
		p = put_hex(p, f->addr);
		p = put_str(p, ", stage ");
		p = put_dec(p, f->stage);
		p = put_str(p, ", kind ");
		p = put_dec(p, f->kind);
		emit(p);
		q->head = q->tail;
	}
	mset((void *)(shb + S_ID), 0, 4096);
	nvme_identify_submit(IOVA_SHARED + S_ID);
	check("Identify into shared RAM", nvme_complete(5000), 0);
	check("Identify VID (shared)", *(volatile uint16_t *)(shb + S_ID), vendor_id);
	pass("after unbind: DMA reaches shared RAM only", before);
}

static unsigned private_bytes_touched(void)
{
	unsigned touched = 0;

	for (unsigned i = 0; i < 4096; i++)
		touched += ((volatile uint8_t *)P_ID)[i] != 0x5a;
	return touched;
}

/* MOAT_HC_MEM_SHARE: a private page marked shared is DMA-reachable until it is unshared. */
static void owner_mem_share(void)
{
	struct moat_fault_queue *q = (struct moat_fault_queue *)(shb + S_FQ);
	int before = failures;

	check("share a private page",
	      hc_retry(MOAT_HC_MEM_SHARE, P_ID, 4096, MOAT_SHARE, 0, 0).status, MOAT_OK);
	mset((void *)P_ID, 0x5a, 4096);
	nvme_identify_submit(IOVA_PRIV + (P_ID - PRIV_WORK));
	check("Identify into the shared page", nvme_complete(5000), 0);
	check("Identify VID (shared page)", *(volatile uint16_t *)P_ID, vendor_id);
	check("unshare it", hc_retry(MOAT_HC_MEM_SHARE, P_ID, 4096, MOAT_UNSHARE, 0, 0).status,
	      MOAT_OK);
	mset((void *)P_ID, 0x5a, 4096);
	nvme_identify_submit(IOVA_PRIV + (P_ID - PRIV_WORK));
	(void)nvme_complete(3000);
	check("unshared page untouched by the device", private_bytes_touched(), 0);
	q->head = q->tail;
	pass("memory sharing: a shared page is DMA-reachable, unsharing removes it at once",
	     before);
}

static void owner_rebind(void)
{
	uint8_t *dig = (uint8_t *)(shb + S_MISC);
	struct moat_ret r;

	check("bind again", hc_retry(MOAT_HC_TDI_BIND, vh, 0, 0, 0, 0).status, MOAT_OK);
	r = hc_retry(MOAT_HC_TDI_GET_REPORT, vh, shb + S_BUF, 0x4000, shb + S_MISC, 0);
	check("report again", r.status, MOAT_OK);
	(void)dig;
	check("stage-1 to private RAM before accept", s1_set(P_S1), MOAT_OK);
	check("accept again", hc_retry(MOAT_HC_TDI_ACCEPT, vh, shb + S_MISC, 0, 0, 0).status,
	      MOAT_OK);
}

static void owner_flr(void)
{
	int before = failures;
	struct moat_ret r;

	owner_rebind();
	check("RUN before FLR", (int64_t)tdi_state().r1, MOAT_TDI_RUN);
	uint32_t cap = rd32(MOAT_GPA_ECAM + 0x34) & 0xff;
	*(volatile uint16_t *)(MOAT_GPA_ECAM + cap + 8) = 0x8000; /* DevCtl: Initiate FLR */
	r = tdi_state();
	check("state after FLR", (int64_t)r.r1, MOAT_TDI_UNLOCKED);
	check("teardown cause FLR", (int64_t)r.r2, MOAT_CAUSE_FLR);
	check("shared MMIO after FLR", rd32(nv.bar + 8), nvme_vs);
	pass("FLR while running: teardown first, then the reset", before);
}

/* devemu's error_while_run: the device enters ERROR right after Moat confirmed RUN. */
static void owner_device_error(void)
{
	uint8_t *dig = (uint8_t *)(shb + S_MISC);
	int before = failures;
	struct moat_ret r;

	struct moat_fault_queue *q = (struct moat_fault_queue *)(shb + S_FQ);

	check("fault queue", hc_retry(MOAT_HC_VIOMMU_FAULTQ, shb + S_FQ, FAULT_SPI, 0, 0, 0).status,
	      MOAT_OK);
	gic_enable_spi(FAULT_SPI);
	fault_irqs = 0;
	mcpy(dig, report_digest, 32);
	check("accept", hc_retry(MOAT_HC_TDI_ACCEPT, vh, shb + S_MISC, 0, 0, 0).status, MOAT_OK);
	emit_continued("accept");
	r = tdi_state(); /* Moat asks the device, finds ERROR and tears the TDI down */
	wait_fault_irq("the TDI teardown", 2000);
	check("teardown event interrupt", fault_irqs > 0, 1);
	check("teardown event queued", q->tail != q->head, 1);
	if (q->tail != q->head) {
		check("event record", q->rec[q->head].stage, MOAT_FAULT_TDI_EVENT);
		check("event cause", q->rec[q->head].kind, MOAT_CAUSE_DEVICE_ERROR);
		q->head = q->tail;
	}
	check("not running after the device error", r.r1 == MOAT_TDI_RUN, 0);
	check("guest told the cause", (int64_t)r.r2, MOAT_CAUSE_DEVICE_ERROR);
	say(r.r2 == MOAT_CAUSE_DEVICE_ERROR ? "  notified (fault queue + SPI, TDI state): TDI torn "
					      "down after a device error\n"
					    : "  no device-error notification\n");
	owner_stage1(shb + S_CD);
	check("NVMe enable", nvme_init(P_SQ, P_CQ, IOVA_PRIV, IOVA_PRIV + 0x1000), 0);
	nvme_identify_submit(IOVA_PRIV + 0x2000);
	check("private DMA after the teardown", nvme_complete(2000) == 0, 0);
	pass("device ERROR while running: guest notified, TDI torn down, no private DMA", before);
}

static void role_owner(void)
{
	say("e2e: owner of an assigned device\n");
	owner_find();
	owner_ecam();
	owner_shared_mmio();
	owner_evidence();
	if (!owner_bind_and_report())
		return;
	if (mode_error) {
		owner_device_error();
		return;
	}
	owner_accept();
	owner_stage1(P_S1);
	owner_dma_private();
	owner_unbind_in_flight();
	owner_shared_only();
	owner_mem_share();
	owner_flr();
}

/* ---- the other VM ---------------------------------------------------------------------- */

/*
 * Beta's own device: QEMU's edu (hw/misc/edu.c), assigned without a TDI. Its DMA engine moves
 * up to 4 KiB between RAM and a device buffer at 0x40000, 100 ms of virtual time after the
 * command is written; beta has no stage-1, so its IOVAs are its own IPAs, translated by the
 * shared (T=0) view of its vIOMMU: its shared RAM and nothing else.
 */
#define EDU_ID 0x00
#define EDU_DMA_SRC 0x80
#define EDU_DMA_DST 0x88
#define EDU_DMA_CNT 0x90
#define EDU_DMA_CMD 0x98
#define EDU_CMD_START 1u
#define EDU_CMD_TO_RAM 2u
#define EDU_BUF 0x40000ul
#define EDU_LEN 64u
#define B_SRC 0x40000ul /* in beta's shared RAM */
#define B_DST 0x41000ul
#define B_PRIV 0x40400000ul    /* a private page of beta (not shared: no T=0 DMA) */
#define B_OUTSIDE 0x41000000ul /* no RAM of beta's: where alpha's RAM sits in alpha's map */

static uint64_t edu_bar;
static uint32_t edu_vh;

static int edu_dma(uint64_t src, uint64_t dst, uint32_t cmd)
{
	volatile uint64_t *r = (volatile uint64_t *)edu_bar;
	uint64_t end = now_ms() + 2000;

	r[EDU_DMA_SRC / 8] = src;
	r[EDU_DMA_DST / 8] = dst;
	r[EDU_DMA_CNT / 8] = EDU_LEN;
	r[EDU_DMA_CMD / 8] = cmd | EDU_CMD_START;
	while ((r[EDU_DMA_CMD / 8] & EDU_CMD_START) && now_ms() < end)
		;
	return (r[EDU_DMA_CMD / 8] & EDU_CMD_START) ? -1 : 0;
}

/* The vdev list: one function, edu, without a TDI. */
static void other_find_edu(void)
{
	struct moat_vdev_info *vi = (struct moat_vdev_info *)(shb + S_BUF);
	struct moat_ret r = hc(MOAT_HC_VDEV_LIST, shb + S_BUF, 4 * sizeof(*vi), 0, 0, 0);
	char *p;

	check("vdev list", r.status, MOAT_OK);
	check("one vdev", (int64_t)r.r1, 1);
	check("edu IDs", vi->vendor << 16 | vi->device, 0x123411e8);
	check("no TDI", vi->tdi_state, MOAT_TDI_NONE);
	edu_vh = vi->handle;
	edu_bar = vi->bar_gpa[0];
	check("edu ID register through shared MMIO", rd32(edu_bar + EDU_ID), 0x010000ed);
	p = put_str(line, "vdev ");
	p = put_hex(p, edu_vh);
	p = put_str(p, ": edu 0x1234:0x11e8, BAR0 at ");
	p = put_hex(p, edu_bar);
	p = put_str(p, ", no TDI");
	emit(p);
}

/* One DMA to `iova` that must fault: nothing written there, a record by interrupt. */
static void other_dma_fault(const char *what, uint64_t iova)
{
	struct moat_fault_queue *q = (struct moat_fault_queue *)(shb + S_FQ);
	char *p;

	fault_irqs = 0;
	q->head = q->tail;
	check(what, edu_dma(EDU_BUF, iova, EDU_CMD_TO_RAM), 0);
	wait_fault_irq(what, 2000);
	check("fault interrupt", fault_irqs > 0, 1);
	check("fault record", q->tail != q->head, 1);
	if (q->tail == q->head)
		return;
	check("fault record's vdev", q->rec[q->head].vdev, edu_vh);
	check("fault address", q->rec[q->head].addr, iova);
	check("stage-2 translation fault", q->rec[q->head].stage << 8 | q->rec[q->head].kind,
	      2 << 8 | 1);
	p = put_str(line, "  fault by interrupt: vdev ");
	p = put_hex(p, q->rec[q->head].vdev);
	p = put_str(p, ", IOVA ");
	p = put_hex(p, q->rec[q->head].addr);
	p = put_str(p, ", stage 2, kind 1");
	emit(p);
	q->head = q->tail;
}

static void other_edu_dma(void)
{
	int before = failures;

	other_find_edu();
	check("fault queue", hc_retry(MOAT_HC_VIOMMU_FAULTQ, shb + S_FQ, FAULT_SPI, 0, 0, 0).status,
	      MOAT_OK);
	gic_enable_spi(FAULT_SPI);
	for (unsigned i = 0; i < EDU_LEN; i++)
		((volatile uint8_t *)(shb + B_SRC))[i] = (uint8_t)(0xc0 + i);
	mset((void *)(shb + B_DST), 0, EDU_LEN);
	check("edu DMA from shared RAM", edu_dma(shb + B_SRC, EDU_BUF, 0), 0);
	check("edu DMA to shared RAM", edu_dma(EDU_BUF, shb + B_DST, EDU_CMD_TO_RAM), 0);
	check("data came back", mcmp((void *)(shb + B_SRC), (void *)(shb + B_DST), EDU_LEN), 0);
	pass("edu DMA through beta's own vIOMMU into its shared RAM", before);
	before = failures;
	mset((void *)B_PRIV, 0x5a, EDU_LEN);
	other_dma_fault("edu DMA to a private page", B_PRIV);
	unsigned touched = 0;
	for (unsigned i = 0; i < EDU_LEN; i++)
		touched += ((volatile uint8_t *)B_PRIV)[i] != 0x5a;
	check("private page untouched", touched, 0);
	other_dma_fault("edu DMA outside beta's RAM", B_OUTSIDE);
	check("bind a vdev without a TDI", hc(MOAT_HC_TDI_BIND, edu_vh, 0, 0, 0, 0).status,
	      MOAT_DENIED);
	pass("edu DMA outside beta's shared RAM faults; the fault arrives by interrupt", before);
}

static void role_other(void)
{
	uint64_t foreign = 1ull << 16 | MOAT_VDEV_TAG; /* VM 1's first vdev */
	struct moat_inv *inv = (struct moat_inv *)(shb + S_MISC);
	int before;

	say("e2e: VM with a plain device (edu), trying to reach another VM's\n");
	other_edu_dma();
	for (int round = 0; round < 20; round++) {
		before = failures;
		check("only its own vdev", (int64_t)hc(MOAT_HC_VDEV_LIST, 0, 0, 0, 0, 0).r1, 1);
		check("bind another VM's TDI", hc(MOAT_HC_TDI_BIND, foreign, 0, 0, 0, 0).status,
		      MOAT_BAD_HANDLE);
		check("accept another VM's TDI",
		      hc(MOAT_HC_TDI_ACCEPT, foreign, shb + S_MISC, 0, 0, 0).status,
		      MOAT_BAD_HANDLE);
		check("unbind another VM's TDI", hc(MOAT_HC_TDI_UNBIND, foreign, 0, 0, 0, 0).status,
		      MOAT_BAD_HANDLE);
		check("evidence of another VM's TDI",
		      hc(MOAT_HC_TDI_GET_EVIDENCE, foreign, 1, shb + S_BUF, 4096, 0).status,
		      MOAT_BAD_HANDLE);
		if (round == 0)
			pass("bind/accept/unbind/evidence of another VM's TDI refused (BAD_HANDLE)",
			     before);
		before = failures;
		check("stage-1 on another VM's device",
		      hc(MOAT_HC_VIOMMU_SET_S1, foreign, shb + S_MISC, 40, 0, 0).status,
		      MOAT_BAD_HANDLE);
		check("share memory it does not have",
		      hc(MOAT_HC_MEM_SHARE, 0x80000000ul, 0x1000, MOAT_SHARE, 0, 0).status,
		      MOAT_BAD_ADDRESS);
		mset(inv, 0, sizeof(*inv));
		inv->size = sizeof(*inv);
		inv->op = MOAT_INV_SMMU_CFGI_CD;
		inv->vdev = (uint32_t)foreign;
		/* beta has a vIOMMU now: the call may find the device-operation slot taken */
		check("invalidate for another VM's device",
		      hc_retry(MOAT_HC_VIOMMU_INVALIDATE, (uint64_t)inv, 1, 0, 0, 0).status,
		      MOAT_DENIED);
		if (round == 0)
			pass("DMA set-up on another VM's device or memory refused", before);
		before = failures;
		/* Its window holds edu's 1 MiB BAR only; alpha's nvme BAR has no address here. */
		check("its own BAR is edu's", rd32(edu_bar + EDU_ID), 0x010000ed);
		check("another VM's BAR unreachable", load_faults(MOAT_GPA_BARS + 0x100000), 1);
		check("another VM's BAR (page 3)", load_faults(MOAT_GPA_BARS + 0x103000), 1);
		check("virtual ECAM: edu only", rd32(MOAT_GPA_ECAM), 0x11e81234);
		check("virtual ECAM: no second device", rd32(MOAT_GPA_ECAM + 0x8000), 0xffffffff);
		if (round == 0)
			pass("another VM's MMIO unreachable (abort), virtual ECAM shows edu only",
			     before);
		uint64_t end = now_ms() + 100;
		while (now_ms() < end)
			;
	}
}

void guest_main(uint64_t first_count, uint64_t dtb)
{
	(void)first_count;
	if (moat_vm_info(&info)) {
		say("FAIL vm info\n");
		power_off();
	}
	shb = info.shared_base;
	parse_bootargs(fdt_bootargs(dtb));
	struct moat_vdev_info *vi = (struct moat_vdev_info *)(shb + S_BUF);
	struct moat_ret r = hc(MOAT_HC_VDEV_LIST, shb + S_BUF, sizeof(*vi), 0, 0, 0);
	if (r.status == MOAT_OK && r.r1 > 0 && vi->tdi_state != MOAT_TDI_NONE)
		role_owner();
	else
		role_other();
	say(failures ? "FAIL e2e guest\n" : "PASS e2e guest done\n");
	power_off();
}
