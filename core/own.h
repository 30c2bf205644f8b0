/* SPDX-License-Identifier: MIT */
/*
 * The ownership record (issue 13, "ownership of every host frame"; pKVM's page-ownership
 * tracking is the model). Every host-physical page Moat lets anyone map has exactly one owner,
 * recorded here and nowhere else:
 *   OWN_MOAT      RAM Moat keeps: its image, heap, tables, and the frames it has not given out;
 *   OWN_VM(n)     RAM given to VM n (its private and shared RAM);
 *   OWN_BAR(n)    a device BAR that passed pci/bar.c, assigned to a vdev of VM n (0: to none);
 * a page that is in no record (OWN_NONE) is neither RAM nor a BAR and may be mapped nowhere.
 * Every map into a CPU stage-2 (arm64 stage-2, x86 NPT) or an IOMMU stage-2 calls own_check()
 * first with the owner it needs, so a page of another owner cannot enter the tables: the map
 * fails before a table is touched. Ownership moves only by own_transfer(), page-granular, and
 * only from the owner the caller names. The record is one lock-protected table of disjoint
 * ranges; own_for_each() hands an invariant checker a consistent view.
 *
 * The record also counts, per page, the stage-2 and IOMMU table entries that map it: a map
 * path calls own_map() (the owner check and count + 1) before it writes a table and
 * own_unmap() once the entry is gone from the table and from the TLBs (core/own_pt.h does
 * both around lib/pt). own_transfer() refuses (-E_BUSY) while any page of the range is
 * mapped, so a page returns to Moat, or a BAR to "unassigned", only when nothing maps it.
 * A count errs only upwards (an unmap whose invalidation failed keeps its count: the page is
 * never given back), never below the tables.
 */
#ifndef CORE_OWN_H
#define CORE_OWN_H

#include "lib/compiler.h"
#include "lib/types.h"

/* RAM ranges, one per VM, every BAR of PCI_MAX_DEVS functions (most merge), with room. */
#define OWN_MAX_RANGES 512
/* Mappings of one page: a per-page count (u8) and a range's count. */
#define OWN_MAX_MAPS_PAGE 255u
#define OWN_MAX_MAPS 65535u

enum own_kind {
	OWN_NONE,
	OWN_MOAT,
	OWN_VM,
	OWN_BAR,
	OWN_DOORBELL, /* an MSI target page (the ITS translation page) mapped into IOMMU views */
};

struct own_id {
	u16 kind; /* enum own_kind */
	u16 vm;	  /* OWN_VM, OWN_BAR: the VM id (OWN_BAR 0: assigned to no VM) */
};

static inline struct own_id own_moat(void)
{
	return (struct own_id){ OWN_MOAT, 0 };
}
static inline struct own_id own_vm(unsigned vm)
{
	return (struct own_id){ OWN_VM, (u16)vm };
}
static inline struct own_id own_bar(unsigned vm)
{
	return (struct own_id){ OWN_BAR, (u16)vm };
}
static inline struct own_id own_doorbell(void)
{
	return (struct own_id){ OWN_DOORBELL, 0 };
}
static inline bool own_eq(struct own_id a, struct own_id b)
{
	return a.kind == b.kind && a.vm == b.vm;
}

/* Forgets every record (boot, and host tests between cases). */
void own_reset(void);
/*
 * Records pages nobody owned yet (`base` and `size` page-aligned): -E_EXIST if any of them is
 * already recorded, -E_NOSPC when the table is full; nothing changes on an error.
 */
int own_add(paddr_t base, u64 size, struct own_id who) __must_check;
/*
 * As own_add(), with a per-page mapping count array `counts` (zeroed, size / PAGE_SIZE
 * bytes, alive as long as the record): for RAM, whose pages are mapped one by one.
 */
int own_add_counted(paddr_t base, u64 size, struct own_id who, u8 *counts) __must_check;
/*
 * Moves pages that all belong to `from` to `to`; -E_PERM (nothing changes) otherwise, -E_BUSY
 * while a table maps any of them.
 */
int own_transfer(paddr_t base, u64 size, struct own_id from, struct own_id to) __must_check;
/*
 * 0 when every page of [base, base + size) belongs to `who`; -E_PERM otherwise, with one
 * line naming the first page that does not and its owner. Called by every stage-2 map.
 */
int own_check(paddr_t base, u64 size, struct own_id who) __must_check;

/*
 * own_check() and one more mapping of every page of [base, base + size) (rounded out to
 * pages), or nothing: -E_PERM as own_check(), -E_NOSPC when a count is at its maximum.
 */
int own_map(paddr_t base, u64 size, struct own_id who) __must_check;
/* One mapping fewer of each page; -E_INVAL (nothing changes) if a page is unrecorded or 0. */
int own_unmap(paddr_t base, u64 size);
/* The mapping count of the page holding `p` (0 when unrecorded). */
u32 own_maps(paddr_t p);

/* The owner of the page holding `p` (OWN_NONE when unrecorded). */
struct own_id own_owner(paddr_t p);
/*
 * Calls `fn` for each recorded range in address order, with the record locked (a consistent
 * view for an invariant checker): `fn` must not call own_*().
 */
void own_for_each(void (*fn)(void *ctx, paddr_t base, u64 size, struct own_id who), void *ctx);

/* "moat", "vm 2", "bar of vm 2", "unassigned bar", "nobody" */
const char *own_name(struct own_id who, char *buf, size_t size);

#endif
