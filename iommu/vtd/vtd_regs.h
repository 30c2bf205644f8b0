/* SPDX-License-Identifier: MIT */
/*
 * Intel VT-d registers and in-memory structures, each with its section of the VT-d
 * architecture specification (rev. 4.x). Only the driver's files include this.
 */
#ifndef IOMMU_VTD_REGS_H
#define IOMMU_VTD_REGS_H

#include "lib/bits.h"

/* 11.4 register offsets. 32-bit registers take 4-byte accesses only (QEMU aborts otherwise). */
#define VTD_VER 0x00
#define VTD_CAP 0x08
#define VTD_ECAP 0x10
#define VTD_GCMD 0x18
#define VTD_GSTS 0x1c
#define VTD_RTADDR 0x20
#define VTD_FSTS 0x34
#define VTD_FECTL 0x38
#define VTD_FEDATA 0x3c
#define VTD_FEADDR 0x40
#define VTD_FEUADDR 0x44
#define VTD_IQH 0x80
#define VTD_IQT 0x88
#define VTD_IQA 0x90
#define VTD_ICS 0x9c
#define VTD_IECTL 0xa0
#define VTD_IRTA 0xb8
#define VTD_MMIO_SIZE 0x1000

/* 11.4.2 CAP */
#define CAP_ND GENMASK(2, 0)
#define CAP_CM BIT(7)
#define CAP_SAGAW GENMASK(12, 8)
#define CAP_MGAW GENMASK(21, 16)
#define CAP_FRO GENMASK(33, 24)
#define CAP_SLLPS GENMASK(37, 34)
#define CAP_NFR GENMASK(47, 40)
#define CAP_MAMV GENMASK(53, 48)
#define CAP_FS1GP BIT(56)
#define CAP_FS5LP BIT(60)

/* 11.4.3 ECAP */
#define ECAP_QI BIT(1)
#define ECAP_DT BIT(2)
#define ECAP_IR BIT(3)
#define ECAP_EIM BIT(4)
#define ECAP_PT BIT(6)
#define ECAP_NEST BIT(26)
#define ECAP_PSS GENMASK(39, 35) /* PASID size supported - 1 */
#define ECAP_PASID BIT(40)
#define ECAP_SMTS BIT(43)
#define ECAP_SLTS BIT(46)
#define ECAP_FLTS BIT(47)

/* 11.4.4 GCMD / GSTS (same bit positions) */
#define GCMD_TE BIT(31)
#define GCMD_SRTP BIT(30)
#define GCMD_QIE BIT(26)
#define GCMD_IRE BIT(25)
#define GCMD_SIRTP BIT(24)
#define GCMD_CFI BIT(23)
#define GCMD_PERSISTENT (GCMD_TE | GCMD_QIE | GCMD_IRE | GCMD_CFI)

/* 11.4.5 RTADDR: TTM 01 = scalable mode */
#define RTADDR_SMT BIT(10)

/* 11.4.9 FSTS / FECTL */
#define FSTS_PFO BIT(0)
#define FSTS_PPF BIT(1)
#define FSTS_IQE BIT(4)
#define FSTS_FRI GENMASK(15, 8)
#define FECTL_IM BIT(31)

/* 11.4.14 fault-recording register, high qword */
#define FRCD_SID GENMASK(15, 0)
#define FRCD_PP BIT(31)
#define FRCD_FR GENMASK(39, 32)
#define FRCD_PV GENMASK(59, 40)
#define FRCD_T BIT(62) /* 1: read */
#define FRCD_F BIT(63)

/* 11.4.10 IQA: base, DW (256-bit descriptors), QS (2^QS 4 KiB pages) */
#define IQA_DW BIT(11)
#define IQA_QS GENMASK(2, 0)

/* 11.4.12 IRTA: base, EIME, S (2^(S+1) entries) */
#define IRTA_S GENMASK(3, 0)

/* 9.1 root entry (scalable mode): lower and upper context-table pointers, present bits */
#define RE_P BIT(0)

/* 9.4 scalable-mode context entry, qword 0 / 1 */
#define SCE_P BIT(0)
#define SCE_FPD BIT(1)
#define SCE_DTE BIT(2)
#define SCE_PDTS GENMASK(11, 9) /* 2^(PDTS + 7) directory entries */
#define SCE_RID_PASID GENMASK(19, 0)

/* 9.5 PASID directory entry */
#define PDE_P BIT(0)

/* 9.6 scalable-mode PASID-table entry, qwords 0..2 */
#define PE0_P BIT(0)
#define PE0_FPD BIT(1)
#define PE0_AW GENMASK(4, 2)
#define PE0_PGTT GENMASK(8, 6)
#define PE1_DID GENMASK(15, 0)
#define PE2_SRE BIT(0)
#define PE2_FSPM GENMASK(3, 2) /* 0: 4-level, 1: 5-level */
#define PE2_WPE BIT(4)
#define PE2_EAFE BIT(7)
#define PGTT_FL 1
#define PGTT_SL 2
#define PGTT_NESTED 3

/* 6.5.2 invalidation descriptors: type in bits 3:0 and 11:9 of qword 0 */
#define QI_CC 0x1    /* context cache (6.5.2.1) */
#define QI_IOTLB 0x2 /* IOTLB: second-stage-only mappings (6.5.2.3) */
#define QI_IEC 0x4   /* interrupt entry cache (6.5.2.5) */
#define QI_WAIT 0x5  /* invalidation wait (6.5.2.8) */
#define QI_PIOTLB 0x6
#define QI_PC 0x7
#define QI_DEVTLB 0x3
#define QI_PDEVTLB 0x8
#define QI_GRAN GENMASK(5, 4)
#define QI_DID GENMASK(31, 16)
#define QI_PASID GENMASK(51, 32)
#define QI_CC_SID GENMASK(47, 32)
#define QI_WAIT_IF BIT(4)
#define QI_WAIT_SW BIT(5)
#define QI_WAIT_FN BIT(6)
#define QI_WAIT_DATA GENMASK(63, 32)
#define QI_ADDR_AM GENMASK(5, 0)
#define QI_ADDR_IH BIT(6)
#define QI_DEVTLB_SID GENMASK(47, 32)
#define QI_PDEVTLB_SID GENMASK(31, 16)
#define QI_DEVTLB_S BIT(0) /* 128-bit form, qword 1 */
#define QI_PDEVTLB_S BIT(11)
#define QI_IEC_INDEXED BIT(4)
#define QI_IEC_IM GENMASK(31, 27)
#define QI_IEC_IIDX GENMASK(47, 32)

/* 9.10 interrupt-remapping table entry (remapped format) */
#define IRTE_P BIT(0)
#define IRTE_FPD BIT(1)
#define IRTE_VECTOR GENMASK(23, 16)
#define IRTE_DST_XAPIC GENMASK(47, 40)
#define IRTE_SID GENMASK(15, 0)
#define IRTE_SQ GENMASK(17, 16)
#define IRTE_SVT GENMASK(19, 18)
#define IRTE_SVT_SID 1

/* 5.1.5.2 remappable MSI address: 0xFEE, handle[14:0] in 19:5, format 1, SHV, handle[15] */
#define MSI_REMAP_FMT BIT(4)
#define MSI_HANDLE_LO GENMASK(19, 5)
#define MSI_HANDLE_HI BIT(2)

#endif
