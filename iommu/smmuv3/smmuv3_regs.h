/* SPDX-License-Identifier: MIT */
/*
 * Arm SMMUv3 register, descriptor, command and event layouts, defined once. Section numbers
 * refer to the SMMUv3 architecture specification (IHI 0070): chapter 6 registers, 5.2 STE,
 * 5.4 CD, 4.x commands, 7.3 event records, 3.5 queues.
 */
#ifndef IOMMU_SMMUV3_REGS_H
#define IOMMU_SMMUV3_REGS_H

#include "lib/bits.h"

/* 6.2: register page 0 (and page 1 at +64 KiB for the event/PRI queue pointers). */
#define SMMU_IDR0 0x00
#define SMMU_IDR1 0x04
#define SMMU_IDR3 0x0c
#define SMMU_IDR5 0x14
#define SMMU_AIDR 0x1c
#define SMMU_CR0 0x20
#define SMMU_CR0ACK 0x24
#define SMMU_CR1 0x28
#define SMMU_CR2 0x2c
#define SMMU_GBPA 0x44
#define SMMU_IRQ_CTRL 0x50
#define SMMU_IRQ_CTRLACK 0x54
#define SMMU_GERROR 0x60
#define SMMU_GERRORN 0x64
#define SMMU_STRTAB_BASE 0x80
#define SMMU_STRTAB_BASE_CFG 0x88
#define SMMU_CMDQ_BASE 0x90
#define SMMU_CMDQ_PROD 0x98
#define SMMU_CMDQ_CONS 0x9c
#define SMMU_EVENTQ_BASE 0xa0
#define SMMU_EVENTQ_PROD 0x100a8 /* page 1 */
#define SMMU_EVENTQ_CONS 0x100ac /* page 1 */
#define SMMU_MMIO_SIZE 0x20000

/* 6.3.1 IDR0 */
#define IDR0_S2P BIT(0)
#define IDR0_S1P BIT(1)
#define IDR0_TTF GENMASK(3, 2)
#define IDR0_TTF_AA64 2
#define IDR0_COHACC BIT(4)
#define IDR0_ATS BIT(10)
#define IDR0_ASID16 BIT(12)
#define IDR0_VMID16 BIT(18)
#define IDR0_CD2L BIT(19)
#define IDR0_TTENDIAN GENMASK(22, 21)
#define IDR0_TTENDIAN_BE 3
#define IDR0_STALL_MODEL GENMASK(25, 24)
#define IDR0_STALL_OPTIONAL 0 /* stall and terminate models: CD.S chooses, STE.S1STALLD vetoes */
#define IDR0_STALL_FORCED 2   /* stall model only: every faulting transaction stalls */
#define IDR0_ST_LEVEL GENMASK(28, 27)
#define IDR0_ST_LEVEL_2LVL 1

/* 6.3.2 IDR1 */
#define IDR1_SIDSIZE GENMASK(5, 0)
#define IDR1_SSIDSIZE GENMASK(10, 6)
#define IDR1_EVENTQS GENMASK(20, 16)
#define IDR1_CMDQS GENMASK(25, 21)
#define IDR1_REL BIT(28)
#define IDR1_QUEUES_PRESET BIT(29)
#define IDR1_TABLES_PRESET BIT(30)

/* 6.3.6 IDR5 */
#define IDR5_OAS GENMASK(2, 0)
#define IDR5_GRAN4K BIT(4)

/* 6.3.9 CR0 / CR0ACK */
#define CR0_SMMUEN BIT(0)
#define CR0_EVENTQEN BIT(2)
#define CR0_CMDQEN BIT(3)

/* 6.3.11 CR1: write-back cacheable, inner shareable tables and queues. */
#define CR1_TABLE_SH GENMASK(11, 10)
#define CR1_TABLE_OC GENMASK(9, 8)
#define CR1_TABLE_IC GENMASK(7, 6)
#define CR1_QUEUE_SH GENMASK(5, 4)
#define CR1_QUEUE_OC GENMASK(3, 2)
#define CR1_QUEUE_IC GENMASK(1, 0)
#define CR1_SH_ISH 3
#define CR1_CACHE_WB 1

/* 6.3.12 CR2 */
#define CR2_RECINVSID BIT(1)
#define CR2_PTM BIT(2)

/* 6.3.15 IRQ_CTRL / IRQ_CTRLACK */
#define IRQ_CTRL_GERROR_IRQEN BIT(0)
#define IRQ_CTRL_PRIQ_IRQEN BIT(1)
#define IRQ_CTRL_EVENTQ_IRQEN BIT(2)

/* 6.3.14 GBPA */
#define GBPA_ABORT BIT(20)
#define GBPA_UPDATE BIT(31)

/* 6.3.17 GERROR / GERRORN */
#define GERROR_CMDQ_ERR BIT(0)
#define GERROR_EVTQ_ABT_ERR BIT(2)
#define GERROR_PRIQ_ABT_ERR BIT(3)
#define GERROR_MSI_CMDQ_ABT_ERR BIT(4)
#define GERROR_MSI_EVTQ_ABT_ERR BIT(5)
#define GERROR_MSI_PRIQ_ABT_ERR BIT(6)
#define GERROR_MSI_GERROR_ABT_ERR BIT(7)
#define GERROR_SFM_ERR BIT(8)
#define GERROR_MASK GENMASK(8, 0)

/* 6.3.24 STRTAB_BASE, 6.3.25 STRTAB_BASE_CFG */
#define STRTAB_BASE_RA BIT(62)
#define STRTAB_BASE_ADDR GENMASK(51, 6)
#define STRTAB_CFG_LOG2SIZE GENMASK(5, 0)
#define STRTAB_CFG_SPLIT GENMASK(10, 6)
#define STRTAB_CFG_FMT GENMASK(17, 16)
#define STRTAB_FMT_LINEAR 0
#define STRTAB_FMT_2LVL 1

/* 6.3.26-.31 queue base and pointer registers */
#define Q_BASE_RWA BIT(62) /* RA for the command queue, WA for the event queue */
#define Q_BASE_ADDR GENMASK(51, 5)
#define Q_BASE_LOG2SIZE GENMASK(4, 0)
#define CMDQ_CONS_ERR GENMASK(30, 24)
#define EVTQ_PROD_OVFLG BIT(31)
#define EVTQ_CONS_OVACKFLG BIT(31)

/* 4.5 CMDQ_CONS.ERR codes */
#define CERROR_NONE 0
#define CERROR_ILL 1
#define CERROR_ABT 2
#define CERROR_ATC_INV_SYNC 3

/* 5.1 level-1 stream table descriptor */
#define L1STD_SPAN GENMASK(4, 0)
#define L1STD_L2PTR GENMASK(51, 6)

/* 5.2 STE (eight 64-bit words) */
#define STE_DWORDS 8
#define STE0_V BIT(0)
#define STE0_CONFIG GENMASK(3, 1)
#define STE_CFG_ABORT 0
#define STE_CFG_BYPASS 4
#define STE_CFG_S1 5
#define STE_CFG_S2 6
#define STE_CFG_NESTED 7
#define STE0_S1FMT GENMASK(5, 4)
#define STE0_S1CTXPTR GENMASK(51, 6)
#define STE0_S1CDMAX GENMASK(63, 59)
#define STE1_S1DSS GENMASK(1, 0)
#define STE1_S1CIR GENMASK(3, 2)
#define STE1_S1COR GENMASK(5, 4)
#define STE1_S1CSH GENMASK(7, 6)
#define STE1_S1STALLD BIT(27) /* CD.S = 1 is ILLEGAL; legal only with STALL_MODEL 0b00 */
#define STE1_EATS GENMASK(29, 28)
#define STE1_STRW GENMASK(31, 30)
#define STE1_SHCFG GENMASK(45, 44)
#define STE_SHCFG_INCOMING 1
#define STE2_S2VMID GENMASK(15, 0)
#define STE2_S2T0SZ GENMASK(37, 32)
#define STE2_S2SL0 GENMASK(39, 38)
#define STE2_S2IR0 GENMASK(41, 40)
#define STE2_S2OR0 GENMASK(43, 42)
#define STE2_S2SH0 GENMASK(45, 44)
#define STE2_S2TG GENMASK(47, 46)
#define STE2_S2PS GENMASK(50, 48)
#define STE2_S2AA64 BIT(51)
#define STE2_S2ENDI BIT(52)
#define STE2_S2AFFD BIT(53)
#define STE2_S2PTW BIT(54)
#define STE2_S2R BIT(58)
#define STE3_S2TTB GENMASK(51, 4)

/* 5.4 CD (sixteen 32-bit words; the driver builds them only in self-tests and models) */
#define CD_DWORDS 8
#define CD0_T0SZ GENMASK(5, 0)
#define CD0_TG0 GENMASK(7, 6)
#define CD0_IR0 GENMASK(9, 8)
#define CD0_OR0 GENMASK(11, 10)
#define CD0_SH0 GENMASK(13, 12)
#define CD0_EPD0 BIT(14)
#define CD0_EPD1 BIT(30)
#define CD0_V BIT(31)
#define CD0_IPS GENMASK(34, 32)
#define CD0_AFFD BIT(35)
#define CD0_AA64 BIT(41)
#define CD0_R BIT(45)
#define CD0_A BIT(46)
#define CD0_ASID GENMASK(63, 48)
#define CD1_TTB0 GENMASK(51, 4)

/* 4.1-4.7 commands: 16 bytes, opcode in bits 7:0 of the first word */
#define CMD_DWORDS 2
#define CMD0_OP GENMASK(7, 0)
#define CMD0_SSID GENMASK(31, 12)
#define CMD0_SID GENMASK(63, 32)
#define CMD0_VMID GENMASK(47, 32)
#define CMD0_ASID GENMASK(63, 48)
#define CMD0_SSV BIT(11)
#define CMD0_SYNC_CS GENMASK(13, 12)
#define CMD0_NUM GENMASK(16, 12)
#define CMD0_SCALE GENMASK(24, 20)
#define CMD1_TTL GENMASK(9, 8)
#define CMD1_TG GENMASK(11, 10)
#define CMD1_LEAF BIT(0)
#define CMD1_RANGE GENMASK(4, 0)
#define CMD1_ADDR GENMASK(63, 12)
#define CMD1_ATC_SIZE GENMASK(5, 0)
#define CMD_CFGI_STE 0x03
#define CMD_CFGI_STE_RANGE 0x04 /* Range = 31 is CFGI_ALL */
#define CMD_CFGI_CD 0x05
#define CMD_CFGI_CD_ALL 0x06
#define CMD_TLBI_NH_ALL 0x10
#define CMD_TLBI_NH_ASID 0x11
#define CMD_TLBI_NH_VA 0x12
#define CMD_TLBI_NH_VAA 0x13
#define CMD_TLBI_EL2_ALL 0x20
#define CMD_TLBI_S12_VMALL 0x28
#define CMD_TLBI_S2_IPA 0x2a
#define CMD_TLBI_NSNH_ALL 0x30
#define CMD_ATC_INV 0x40
#define CMD_SYNC 0x46

/* 7.3 event records: 32 bytes */
#define EVT_DWORDS 4
#define EVT0_TYPE GENMASK(7, 0)
#define EVT0_SSV BIT(11)
#define EVT0_SSID GENMASK(31, 12)
#define EVT0_SID GENMASK(63, 32)
#define EVT1_PNU BIT(33)
#define EVT1_IND BIT(34)
#define EVT1_RNW BIT(35)
#define EVT1_S2 BIT(39)
#define EVT1_CLASS GENMASK(41, 40)
#define EVT3_IPA GENMASK(51, 12)
#define EVT_C_BAD_STREAMID 0x02
#define EVT_F_STE_FETCH 0x03
#define EVT_C_BAD_STE 0x04
#define EVT_F_STREAM_DISABLED 0x06
#define EVT_C_BAD_SUBSTREAMID 0x08
#define EVT_F_CD_FETCH 0x09
#define EVT_C_BAD_CD 0x0a
#define EVT_F_WALK_EABT 0x0b
#define EVT_F_TRANSLATION 0x10
#define EVT_F_ADDR_SIZE 0x11
#define EVT_F_ACCESS 0x12
#define EVT_F_PERMISSION 0x13

#endif
