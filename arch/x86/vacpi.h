/* SPDX-License-Identifier: MIT */
/*
 * The ACPI tables Moat generates for an x86 guest (ACPI 6.5): RSDP (5.2.5), XSDT (5.2.8),
 * a hardware-reduced FADT (5.2.9, 4.1: no SCI, no PM1 blocks; the sleep control/status
 * registers and the reset register at the I/O ports of vio.h), a DSDT holding only \_S5
 * (7.4.2.5), a MADT with one enabled local APIC per vCPU (5.2.12), and an MCFG for the
 * virtual ECAM when the VM has devices (PCI Firmware spec 4.1.2).
 */
#ifndef X86_VACPI_H
#define X86_VACPI_H

#include "lib/compiler.h"
#include "lib/types.h"

struct x86_acpi {
	u64 at; /* guest-physical address of the area (the RSDP comes first) */
	unsigned nvcpus;
	u64 ecam_base; /* 0: no MCFG */
};

/* Writes the tables into buf (the host view of `at`, `cap` bytes); their size, or -E_NOSPC. */
int x86_acpi_build(u8 *buf, u64 cap, const struct x86_acpi *a) __must_check;

#endif
