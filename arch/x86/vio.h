/* SPDX-License-Identifier: MIT */
/*
 * The I/O ports of an x86 VM (docs/guest-abi.md, x86 "Devices"): a 16550 UART at 0x3f8
 * (transmit path: each byte goes to the VM's console, prefixed with its name), the
 * hardware-reduced ACPI sleep control and status registers Moat's FADT names, and the reset
 * control register at 0xcf9. Any other port reads as all ones and ignores writes, like an
 * unclaimed ISA port. Backend-neutral: the exit handler of SVM (and later VMX) calls it with
 * the port, size and value the exit information gives.
 */
#ifndef X86_VIO_H
#define X86_VIO_H

#include "lib/types.h"

struct vm;

#define X86_COM1 0x3f8u
#define X86_PM_SLEEP_CTL 0x600u /* FADT SLEEP_CONTROL_REG (8-bit system I/O) */
#define X86_PM_SLEEP_STS 0x601u /* FADT SLEEP_STATUS_REG */
#define X86_RESET_PORT 0xcf9u	/* FADT RESET_REG */
#define X86_RESET_VALUE 0x06u	/* FADT RESET_VALUE: full reset (RST_CPU | SYS_RST) */
#define X86_SLP_TYP_S5 5u	/* \_S5 in Moat's DSDT */

struct v16550 {
	u8 ier, lcr, mcr, scr, dll, dlm;
};

struct x86_vio {
	struct v16550 com1;
};

enum x86_vio_result {
	X86_VIO_DONE,
	X86_VIO_POWER_OFF,
	X86_VIO_RESET,
};

/* One IN (*val out) or OUT (*val in) of 1, 2 or 4 bytes at `port`. */
enum x86_vio_result x86_vio_access(struct vm *vm, struct x86_vio *io, u16 port, unsigned size,
				   bool in, u32 *val);

#endif
