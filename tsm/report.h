/* SPDX-License-Identifier: MIT */
/*
 * DEVICE_INTERFACE_REPORT (TDISP 1.0 table 11-15; spdm-tdisp-doe.md section 3.5): parsed from
 * the untrusted bytes the device returned, then validated against what Moat knows of the
 * function (its BARs and the MMIO_REPORTING_OFFSET it asked for at lock).
 */
#ifndef TSM_REPORT_H
#define TSM_REPORT_H

#include "lib/compiler.h"
#include "lib/types.h"

#define TDISP_REPORT_MAX 2048 /* bytes kept per TDI */
#define TDISP_REPORT_MAX_RANGES 32
/*
 * Layout (PCIe 6.x 11.3.11, "DEVICE_INTERFACE_REPORT"): u16 INTERFACE_INFO, u16 reserved,
 * u16 MSI_X_MESSAGE_CONTROL, u16 LNR_CONTROL, u32 TPH_CONTROL, u32 MMIO_RANGE_COUNT, the
 * ranges (u64 FIRST_PAGE, u32 NUMBER_OF_PAGES, u32 RANGE_ATTRIBUTES: bits 15:0 attributes,
 * 31:16 RANGE_ID), u32 DEVICE_SPECIFIC_INFO_LEN, the information.
 */
#define TDISP_REPORT_OFF_INFO 0
#define TDISP_REPORT_OFF_RSVD 2
#define TDISP_REPORT_OFF_MSIX 4
#define TDISP_REPORT_OFF_LNR 6
#define TDISP_REPORT_OFF_TPH 8
#define TDISP_REPORT_OFF_NRANGES 12
#define TDISP_REPORT_HDR_LEN 16
#define TDISP_RANGE_OFF_FIRST_PAGE 0
#define TDISP_RANGE_OFF_NPAGES 8
#define TDISP_RANGE_OFF_ATTRS 12
#define TDISP_MMIO_RANGE_LEN 16
#define TDISP_REPORT_DEVINFO_LEN_LEN 4

/* INTERFACE_INFO bits. */
#define TDISP_INFO_NO_FW_UPDATE 0x0001
#define TDISP_INFO_DMA_NO_PASID 0x0002
#define TDISP_INFO_DMA_PASID 0x0004
#define TDISP_INFO_ATS 0x0008
#define TDISP_INFO_PRS 0x0010
#define TDISP_INFO_KNOWN 0x001f

/* MMIO_RANGE attribute bits (low 16 bits of RANGE_ATTRIBUTES; RANGE_ID in bits 31:16). */
#define TDISP_RANGE_MSIX_TABLE 0x0001
#define TDISP_RANGE_MSIX_PBA 0x0002
#define TDISP_RANGE_NON_TEE 0x0004
#define TDISP_RANGE_ATTR_UPDATABLE 0x0008
#define TDISP_RANGE_KNOWN 0x000f

struct tdisp_mmio_range {
	u64 first_page; /* as reported: page number with the reporting offset added */
	u32 npages;
	u16 attrs;
	u16 range_id;
	paddr_t hpa; /* filled by tdisp_report_validate(): host-physical start */
	u8 bar;	     /* ... and the BAR it lies in */
};

struct tdisp_report {
	u16 interface_info;
	u16 msix_msg_ctrl;
	u16 lnr_ctrl;
	u32 tph_ctrl;
	u32 nranges;
	struct tdisp_mmio_range range[TDISP_REPORT_MAX_RANGES];
	u32 dev_info_len;
	const u8 *dev_info; /* points into the parsed buffer */
};

/* A function's memory BARs as Moat assigned them (size 0: no BAR). */
struct tsm_bars {
	struct pa_range bar[6];
};

/* Structure only: every length and count checked, reserved fields zero, nothing trailing. */
int tdisp_report_parse(const u8 *buf, size_t len, struct tdisp_report *r) __must_check;

/*
 * Semantics: each range (after removing `reporting_offset`) is non-empty, lies inside one of
 * the function's BARs, and no two ranges overlap; attributes and INTERFACE_INFO carry only
 * bits we understand, and no range is both MSI-X table and PBA. Fills range[i].hpa and
 * range[i].bar.
 */
int tdisp_report_validate(struct tdisp_report *r, const struct tsm_bars *bars,
			  u64 reporting_offset) __must_check;

#endif
