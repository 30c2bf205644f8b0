/* SPDX-License-Identifier: MIT */
/* Configuration-space registers used by the PCI driver (PCI 3.0 6.1, PCIe 6.0 7.5). */
#ifndef PCI_REGS_H
#define PCI_REGS_H

#define PCI_VENDOR_ID 0x00
#define PCI_DEVICE_ID 0x02
#define PCI_COMMAND 0x04
#define PCI_COMMAND_IO 0x1
#define PCI_COMMAND_MEM 0x2
#define PCI_COMMAND_MASTER 0x4
#define PCI_STATUS 0x06
#define PCI_STATUS_CAP_LIST 0x10
#define PCI_CLASS_REV 0x08
#define PCI_HEADER_TYPE 0x0e
#define PCI_HEADER_MF 0x80
#define PCI_BAR0 0x10
#define PCI_BAR_IO 0x1
#define PCI_BAR_MEM_TYPE_64 0x4
#define PCI_BAR_PREFETCH 0x8
#define PCI_CAP_PTR 0x34

/* Type 1 (bridge) header, PCIe 6.0 7.5.1.3 */
#define PCI_PRIMARY_BUS 0x18
#define PCI_SECONDARY_BUS 0x19
#define PCI_SUBORDINATE_BUS 0x1a
#define PCI_MEM_BASE 0x20
#define PCI_MEM_LIMIT 0x22
#define PCI_PREF_BASE 0x24
#define PCI_PREF_LIMIT 0x26
#define PCI_PREF_BASE_UPPER 0x28
#define PCI_PREF_LIMIT_UPPER 0x2c
#define PCI_IO_BASE 0x1c
#define PCI_IO_LIMIT 0x1d

/* PCI Express capability, PCIe 6.0 7.5.3 */
#define PCI_EXP_DEVCAP 0x04
#define PCI_EXP_DEVCAP_FLR (1u << 28)
#define PCI_EXP_DEVCTL 0x08
#define PCI_EXP_DEVCTL_BCR_FLR 0x8000
#define PCI_EXP_DEVSTA 0x0a
#define PCI_EXP_DEVSTA_TRPND 0x20

/* PCIe 6.0 6.6.2: 100 ms after an FLR before the function must be ready. */
#define PCI_FLR_WAIT_NS 100000000ull
/* Configuration RRS completion may last up to 1 s after reset (PCIe 6.0 6.6.1). */
#define PCI_CRS_WAIT_NS 1000000000ull

#endif
