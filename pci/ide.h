/* SPDX-License-Identifier: MIT */
/*
 * The IDE Extended Capability (PCIe 6.x 7.9.26, extended capability ID 0x0030): the IDE
 * Capability register, the Link IDE register blocks and the Selective IDE Stream register
 * blocks, whose size depends on each block's number of Address Association register blocks.
 * The register file comes from the device and is untrusted: pci_ide_parse() snapshots the
 * layout once, refusing any count that runs past the capability's extent, and every later
 * access goes through that snapshot (never through counts re-read from the device).
 */
#ifndef PCI_IDE_H
#define PCI_IDE_H

#include "lib/compiler.h"
#include "lib/types.h"
#include "pci/pci.h"

/* 7.9.26.2 IDE Capability Register (offset 04h). */
#define PCI_IDE_CAP 0x04
#define PCI_IDE_CAP_LINK (1u << 0)
#define PCI_IDE_CAP_SELECTIVE (1u << 1)
#define PCI_IDE_CAP_FLOW_THROUGH (1u << 2)
#define PCI_IDE_CAP_AGGREGATION (1u << 4)
#define PCI_IDE_CAP_PCRC (1u << 5)
#define PCI_IDE_CAP_IDE_KM (1u << 6)
#define PCI_IDE_CAP_SEL_CFG (1u << 7)
#define PCI_IDE_CAP_ALGS(c) (((c) >> 8) & 0x1f)
#define PCI_IDE_CAP_LINK_TCS(c) ((((c) >> 13) & 0x7) + 1)
#define PCI_IDE_CAP_SEL_STREAMS(c) ((((c) >> 16) & 0xff) + 1)
#define PCI_IDE_CAP_TEE_LIMITED (1u << 24)
/* 7.9.26.3 IDE Control Register (offset 08h), then the Link IDE blocks (7.9.26.4). */
#define PCI_IDE_CTL 0x08
#define PCI_IDE_LINK_BLOCKS 0x0c
#define PCI_IDE_LINK_BLOCK_SIZE 8

/* 7.9.26.5 Selective IDE Stream register block: offsets inside one block. */
#define PCI_IDE_SEL_CAP 0x00 /* 7.9.26.5.1: bits 3:0 number of address association blocks */
#define PCI_IDE_SEL_CTL 0x04 /* 7.9.26.5.2 */
#define PCI_IDE_SEL_CTL_EN (1u << 0)
#define PCI_IDE_SEL_CTL_ALG_SHIFT 14
#define PCI_IDE_SEL_CTL_TC_SHIFT 19
#define PCI_IDE_SEL_CTL_DEFAULT (1u << 22)
#define PCI_IDE_SEL_CTL_TEE_LIMITED (1u << 23)
#define PCI_IDE_SEL_CTL_ID_SHIFT 24
#define PCI_IDE_SEL_STS 0x08 /* 7.9.26.5.3: bits 3:0 state */
#define PCI_IDE_SEL_STS_STATE(s) ((s)&0xf)
#define PCI_IDE_SEL_STS_FAIL_MSG (1u << 31)
#define PCI_IDE_STATE_INSECURE 0
#define PCI_IDE_STATE_SECURE 2
#define PCI_IDE_SEL_RID1 0x0c /* 7.9.26.5.4.1: bits 23:8 RID Limit */
#define PCI_IDE_SEL_RID2 0x10 /* 7.9.26.5.4.2: bit 0 Valid, bits 23:8 RID Base */
#define PCI_IDE_SEL_RID2_VALID (1u << 0)
#define PCI_IDE_SEL_ADDR 0x14 /* 7.9.26.5.5: address association blocks, 3 DW each */
#define PCI_IDE_ADDR_BLOCK_SIZE 12
#define PCI_IDE_ADDR1_VALID (1u << 0) /* bits 19:8 base[31:20], bits 31:20 limit[31:20] */
#define PCI_IDE_ADDR_GRANULE (1ull << 20)
#define PCI_IDE_SEL_BLOCK_SIZE(naddr) (PCI_IDE_SEL_ADDR + PCI_IDE_ADDR_BLOCK_SIZE * (naddr))

/* "0 0000b: AES-GCM 256 key size, 96b MAC", the only algorithm PCIe 6.x defines. */
#define PCI_IDE_ALG_AES_GCM_256 0
#define PCI_IDE_MAX_SEL 256 /* the 8-bit count field, plus one */
#define PCI_IDE_MAX_ADDR 15 /* the 4-bit count field */

/*
 * Bound on the Insecure -> Secure transition once both ports have their keys (K_SET_GO) and
 * the stream is enabled: the ports are ready within 10 ms of K_SET_GO (Intel TEE-IO device
 * guide, Table B-6 and its key-refresh rule; spdm-tdisp-doe.md 3.7). No TLP exchange is needed
 * for a selective stream to become Secure (PCIe 6.x 6.33.4).
 */
#define PCI_IDE_SECURE_WAIT_NS 10000000ull

/* The layout of one function's IDE capability, as parsed once. */
struct pci_ide {
	u16 off;   /* capability offset */
	u16 limit; /* exclusive end of the capability's extent */
	u32 cap;   /* IDE Capability register */
	u8 nlink_tc;
	u16 nsel;
	u16 sel_off[PCI_IDE_MAX_SEL]; /* absolute offset of each selective stream block */
	u8 sel_naddr[PCI_IDE_MAX_SEL];
};

struct pci_ide_range {
	u64 base;
	u64 limit; /* inclusive */
};

/* What to program into one selective stream block (7.9.26.5.2, .4, .5). */
struct pci_ide_stream_cfg {
	u8 stream_id;
	u8 alg;
	u8 tc;
	bool default_stream;
	bool tee_limited;
	u16 rid_base, rid_limit;
	unsigned naddr;
	struct pci_ide_range addr[PCI_IDE_MAX_ADDR];
};

/* Reads one config DW of the function at `off` (the parser is pure, for fuzzing). */
typedef u32 (*pci_ide_read_fn)(void *ctx, u16 off);

/*
 * Parses the capability at `off`, which may use config space up to `limit` (exclusive).
 * -E_INVAL: not an IDE capability header or a bad offset; -E_RANGE: the counts it claims run
 * past `limit`. *out is written only on success.
 */
int pci_ide_parse(pci_ide_read_fn rd, void *ctx, u16 off, u16 limit,
		  struct pci_ide *out) __must_check;
/* pci_ide_parse() over d's config space; the extent ends at the next extended capability. */
int pci_ide_probe(const struct pci_dev *d, struct pci_ide *out) __must_check;

/* The first selective stream block whose Enable is clear (-E_BUSY if none). */
int pci_ide_sel_find_free(const struct pci_dev *d, const struct pci_ide *ide,
			  unsigned *block) __must_check;
/*
 * Programs block `block` with Enable clear: control, RID association (Valid), address
 * association blocks (Valid for cfg->naddr, cleared for the rest). -E_BUSY if the block is
 * enabled (association registers must not change under a live stream), -E_NOSPC if the block
 * has fewer address association blocks than asked, -E_NOTSUP for an unsupported algorithm or
 * TEE-limited stream, -E_INVAL for unaligned ranges or a TC above 7. Nothing is written on error.
 */
int pci_ide_sel_program(const struct pci_dev *d, const struct pci_ide *ide, unsigned block,
			const struct pci_ide_stream_cfg *cfg) __must_check;
int pci_ide_sel_enable(const struct pci_dev *d, const struct pci_ide *ide,
		       unsigned block) __must_check;
/* Clears Enable, then the association Valid bits. */
void pci_ide_sel_disable(const struct pci_dev *d, const struct pci_ide *ide, unsigned block);
/* The block's Selective IDE Stream State (7.9.26.5.3), or -E_RANGE. */
int pci_ide_sel_state(const struct pci_dev *d, const struct pci_ide *ide, unsigned block);
/* Polls the state until Secure, bounded by `timeout_ns`: -E_TIMEOUT. */
int pci_ide_sel_wait_secure(const struct pci_dev *d, const struct pci_ide *ide, unsigned block,
			    u64 timeout_ns) __must_check;

/* The Root Port above d (PCIe capability port type 4), or NULL (root-complex integrated). */
struct pci_dev *pci_root_port(const struct pci_dev *d);

#endif
