// SPDX-License-Identifier: MIT
/* The EPT walker and TLB model (ept_model.h), from the Intel SDM vol. 3C 28.3-28.4. */
#include "ept_model.h"

#include <string.h>

#define ADDR_BITS 0x000ffffffffff000ULL /* bits 51:12 (MAXPHYADDR 52) */

static bool memtype_ok(unsigned t)
{
	return t == 0 || t == 1 || t == 4 || t == 5 || t == 6;
}

bool ept_model_eptp_valid(uint64_t eptp, bool ad_supported)
{
	unsigned mt = eptp & 7, walk = (eptp >> 3) & 7;

	if ((mt != 0 && mt != 6) || walk != 3 || (eptp & 0xf80))
		return false;
	if ((eptp >> 6 & 1) && !ad_supported)
		return false;
	return !(eptp >> 52);
}

/* Misconfigured (28.3.3.1): W without R; X-only is allowed only with the capability (not
 * assumed here); a leaf with a reserved memory type; reserved bits 51:MAXPHYADDR are none
 * with 52 bits; bits 7:3 of a non-leaf, PS at level 4. */
static bool misconfigured(uint64_t e, unsigned level, bool leaf)
{
	if ((e & 2) && !(e & 1))
		return true;
	if ((e & 7) == 4)
		return true; /* execute-only: not offered by Moat's CPUs in the model */
	if (leaf)
		return !memtype_ok((e >> 3) & 7);
	return level == 4 ? (e & 0xf8) != 0 : (e & 0x78) != 0;
}

struct ept_walk ept_model_walk(uint64_t eptp, uint64_t gpa)
{
	const uint64_t *table = (const uint64_t *)(uintptr_t)(eptp & ADDR_BITS);
	struct ept_walk w = { EPTW_NOT_PRESENT, 0, 0, 0, 4 };
	unsigned perms = 7;

	for (unsigned level = 4; level >= 1; level--) {
		unsigned shift = 12 + 9 * (level - 1);
		uint64_t e = table[(gpa >> shift) & 511];
		bool leaf = level == 1 || (level <= 3 && (e >> 7 & 1));

		w.level = level;
		if (!(e & 7))
			return w; /* not present */
		if ((level == 4 && (e >> 7 & 1)) || misconfigured(e, level, leaf)) {
			w.status = EPTW_MISCONFIG;
			return w;
		}
		perms &= (unsigned)(e & 7);
		if (leaf) {
			uint64_t size = 1ULL << shift;
			w.status = EPTW_OK;
			w.hpa = (e & ADDR_BITS & ~(size - 1)) | (gpa & (size - 1));
			w.perms = perms;
			w.memtype = (e >> 3) & 7;
			return w;
		}
		table = (const uint64_t *)(uintptr_t)(e & ADDR_BITS);
	}
	return w;
}

void tlbm_reset(struct tlb_model *t)
{
	memset(t, 0, sizeof(*t));
}

int64_t tlbm_access(struct tlb_model *t, uint64_t eptp, uint16_t vpid, uint64_t gpa, bool linear)
{
	uint64_t ep4ta = eptp & ADDR_BITS, page = gpa >> 12;
	struct ept_walk w = ept_model_walk(eptp, gpa);
	int free_slot = -1;

	for (unsigned i = 0; i < TLBM_MAX; i++) {
		if (!t->e[i].valid) {
			free_slot = free_slot < 0 ? (int)i : free_slot;
			continue;
		}
		if (t->e[i].ep4ta == ep4ta && t->e[i].page == page && t->e[i].linear == linear &&
		    (!linear || t->e[i].vpid == vpid)) {
			if (w.status != EPTW_OK || (w.hpa >> 12) != t->e[i].hpa)
				t->stale_hits++;
			return (int64_t)(t->e[i].hpa << 12 | (gpa & 0xfff));
		}
	}
	if (w.status != EPTW_OK)
		return -1;
	if (free_slot >= 0)
		t->e[free_slot] = (typeof(t->e[0])){ true, linear, vpid, ep4ta, page, w.hpa >> 12 };
	return (int64_t)w.hpa;
}

void tlbm_entry_or_exit(struct tlb_model *t, uint16_t vpid)
{
	if (vpid)
		return;
	for (unsigned i = 0; i < TLBM_MAX; i++)
		if (t->e[i].valid && t->e[i].linear && t->e[i].vpid == 0)
			t->e[i].valid = false;
}

void tlbm_invept(struct tlb_model *t, unsigned type, uint64_t eptp)
{
	if (type == 1)
		t->invept_single++;
	else
		t->invept_all++;
	for (unsigned i = 0; i < TLBM_MAX; i++)
		if (type != 1 || t->e[i].ep4ta == (eptp & ADDR_BITS))
			t->e[i].valid = false;
}

void tlbm_invvpid(struct tlb_model *t, unsigned type, uint16_t vpid)
{
	if (type == 1)
		t->invvpid_single++;
	else
		t->invvpid_all++;
	for (unsigned i = 0; i < TLBM_MAX; i++)
		if (t->e[i].linear && t->e[i].vpid && (type != 1 || t->e[i].vpid == vpid))
			t->e[i].valid = false;
}

unsigned tlbm_count(const struct tlb_model *t, bool linear, uint16_t vpid)
{
	unsigned n = 0;

	for (unsigned i = 0; i < TLBM_MAX; i++)
		n += t->e[i].valid && t->e[i].linear == linear && (!linear || t->e[i].vpid == vpid);
	return n;
}
