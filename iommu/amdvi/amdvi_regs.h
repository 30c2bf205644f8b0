/* SPDX-License-Identifier: MIT */
/*
 * AMD-Vi registers and in-memory structures, from the AMD I/O Virtualization Technology
 * (IOMMU) Specification 48882 (rev. 3.x): "MMIO Registers", "Device Table Entry Format",
 * "Commands", "Event Log", "Interrupt Remapping Tables". Only the driver's files include this.
 */
#ifndef IOMMU_AMDVI_REGS_H
#define IOMMU_AMDVI_REGS_H

#include "lib/bits.h"

/* MMIO offsets. The 64-bit base registers are written with one 8-byte access (QEMU latches
 * them on the high dword). */
#define AMDVI_DEVTAB 0x0000
#define AMDVI_CMDBUF 0x0008
#define AMDVI_EVTLOG 0x0010
#define AMDVI_CONTROL 0x0018
#define AMDVI_EXCL_BASE 0x0020
#define AMDVI_EXCL_LIMIT 0x0028
#define AMDVI_EFR 0x0030
#define AMDVI_CMD_HEAD 0x2000
#define AMDVI_CMD_TAIL 0x2008
#define AMDVI_EVT_HEAD 0x2010
#define AMDVI_EVT_TAIL 0x2018
#define AMDVI_STATUS 0x2020
#define AMDVI_MMIO_MAP 0x4000 /* what the driver touches (QEMU's window) */

#define AMDVI_BASE_ADDR GENMASK(51, 12)
#define AMDVI_DEVTAB_SIZE GENMASK(8, 0) /* 4 KiB pages - 1 */
#define AMDVI_BUF_LEN GENMASK(59, 56)	/* 2^len 16-byte entries */
#define AMDVI_PTR GENMASK(18, 4)	/* head/tail: byte offsets */

/* Control register. */
#define CTL_IOMMU_EN BIT(0)
#define CTL_EVTLOG_EN BIT(2)
#define CTL_EVTINT_EN BIT(3)
#define CTL_COMWAITINT_EN BIT(4)
#define CTL_CMDBUF_EN BIT(12)

/* Status register: overflow and interrupt bits are write-1-to-clear. */
#define ST_EVT_OVERFLOW BIT(0)
#define ST_EVT_INT BIT(1)
#define ST_COMWAIT_INT BIT(2)
#define ST_EVT_RUN BIT(3)
#define ST_CMD_RUN BIT(4)

/* Extended Feature Register. */
#define EFR_PREF BIT(0)
#define EFR_PPR BIT(1)
#define EFR_XT BIT(2)
#define EFR_NX BIT(3)
#define EFR_GT BIT(4)
#define EFR_IA BIT(6)
#define EFR_GA BIT(7)
#define EFR_HE BIT(8)
#define EFR_PC BIT(9)
#define EFR_HATS GENMASK(11, 10)   /* host levels: 0 = 4, 1 = 5, 2 = 6 */
#define EFR_GATS GENMASK(13, 12)   /* guest levels: 0 = 4, 1 = 5 */
#define EFR_GLX GENMASK(15, 14)	   /* GLXSup: 0 = one-level GCR3 table, 1 = two levels */
#define EFR_PASMAX GENMASK(36, 32) /* PASID bits supported - 1 */
#define EFR_GIOSUP BIT(48)	   /* GIoV: requests without PASID through PASID 0's tables */

/* Device table entry: four qwords. */
#define DTE0_V BIT(0)
#define DTE0_TV BIT(1)
#define DTE0_MODE GENMASK(11, 9)
#define DTE0_PTR GENMASK(51, 12)
#define DTE0_GIOV BIT(54)
#define DTE0_GV BIT(55)
#define DTE0_GLX GENMASK(57, 56)
#define DTE0_GCR3_LO GENMASK(60, 58) /* GCR3 root [14:12] */
#define DTE0_IR BIT(61)
#define DTE0_IW BIT(62)
#define DTE1_DOMID GENMASK(15, 0)
#define DTE1_GCR3_MID GENMASK(31, 16) /* [30:15] */
#define DTE1_I BIT(32)		      /* IOTLB (ATS) enable */
#define DTE1_GCR3_HI GENMASK(63, 43)  /* [51:31] */
#define DTE2_IV BIT(0)
#define DTE2_INTTABLEN GENMASK(4, 1)
#define DTE2_INTTAB GENMASK(51, 6)
#define DTE2_GPM GENMASK(55, 54) /* guest paging mode: 0 = 4 levels, 1 = 5 */
#define DTE2_INTCTL GENMASK(61, 60)
#define INTCTL_ABORT 0
#define INTCTL_REMAP 2

/* Commands: 128 bits, opcode in bits 63:60 of the first qword. */
#define CMD_OP GENMASK(63, 60)
#define CMD_COMPLETION_WAIT 0x1
#define CMD_INV_DEVTAB_ENTRY 0x2
#define CMD_INV_IOMMU_PAGES 0x3
#define CMD_INV_IOTLB_PAGES 0x4
#define CMD_INV_INTR_TABLE 0x5
#define CMD_INV_IOMMU_ALL 0x8
#define CW_S BIT(0)
#define CW_ADDR GENMASK(51, 3)
#define CMD_DEVID GENMASK(15, 0)
#define IP_PASID GENMASK(19, 0)
#define IP_DOMID GENMASK(47, 32)
#define IP_S BIT(0) /* second qword: size, PDE, GN, address */
#define IP_PDE BIT(1)
#define IP_GN BIT(2)
#define IT_PASID_HI GENMASK(23, 16) /* INVALIDATE_IOTLB_PAGES: PASID[15:8] */
#define IT_MAXPEND GENMASK(31, 24)
#define IT_QUEUEID GENMASK(47, 32)
#define IT_PASID_LO GENMASK(55, 48)	   /* PASID[7:0] */
#define INV_ALL_ADDR 0x7ffffffffffff000ULL /* with S: every address */

/* Event log records: 128 bits. */
#define EV_DEVID GENMASK(15, 0)
#define EV_PASID_HI GENMASK(19, 16)
#define EV_TAG GENMASK(47, 32) /* DomainID or PASID[15:0] */
#define EV_FLAGS GENMASK(59, 48)
#define EV_CODE GENMASK(63, 60)
#define EVC_ILLEGAL_DTE 0x1
#define EVC_IO_PAGE_FAULT 0x2
#define EVC_DEVTAB_HW_ERR 0x3
#define EVC_PAGETAB_HW_ERR 0x4
#define EVC_ILLEGAL_CMD 0x5
#define EVC_CMD_HW_ERR 0x6
#define EVC_IOTLB_INV_TIMEOUT 0x7
#define EVC_INVALID_DEV_REQ 0x8
#define EVF_GN BIT(0) /* flags, bits 59:48 of the first qword */
#define EVF_I BIT(3)
#define EVF_RW BIT(5)
#define EVF_PE BIT(6)
#define EVF_RZ BIT(7)

/* Legacy (32-bit) interrupt remapping table entry. */
#define IRTE_REMAP_EN BIT(0)
#define IRTE_DEST GENMASK(15, 8)
#define IRTE_VECTOR GENMASK(23, 16)

#endif
