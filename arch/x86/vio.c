// SPDX-License-Identifier: MIT
/*
 * x86 VM I/O ports (arch/x86/vio.h). 16550 registers from the TI PC16550D data sheet
 * (table 2: RBR/THR, IER, IIR/FCR, LCR, MCR, LSR, MSR, SCR; DLAB selects DLL/DLM); the sleep
 * registers from ACPI 6.5 4.8.3.7 (SLP_TYPx in bits 4:2, SLP_EN bit 5, WAK_STS bit 7); the
 * reset register from ACPI 6.5 4.8.3.6 and the PCH's reset control (RST_CPU bit 2).
 */
#include "arch/x86/vio.h"

#include "vmm/hypercall.h"

#define LCR_DLAB 0x80
#define LSR_THRE 0x20
#define LSR_TEMT 0x40
#define IIR_NONE 0x01
#define MSR_DCD_DSR_CTS 0xb0
#define SLP_EN 0x20
#define RST_CPU 0x04

static u32 uart_read(const struct v16550 *u, unsigned reg)
{
	bool dlab = u->lcr & LCR_DLAB;

	switch (reg) {
	case 0: return dlab ? u->dll : 0; /* no receive path: RBR reads 0 */
	case 1: return dlab ? u->dlm : u->ier;
	case 2: return IIR_NONE; /* no interrupt is ever pending */
	case 3: return u->lcr;
	case 4: return u->mcr;
	case 5: return LSR_THRE | LSR_TEMT; /* transmitter always empty */
	case 6: return MSR_DCD_DSR_CTS;
	default: return u->scr;
	}
}

static void uart_write(struct vm *vm, struct v16550 *u, unsigned reg, u8 v)
{
	bool dlab = u->lcr & LCR_DLAB;
	char c = (char)v;

	switch (reg) {
	case 0:
		if (dlab)
			u->dll = v;
		else
			vm_console_write(vm, &c, 1);
		break;
	case 1:
		if (dlab)
			u->dlm = v;
		else
			u->ier = v & 0x0f;
		break;
	case 3: u->lcr = v; break;
	case 4: u->mcr = v & 0x1f; break;
	case 7: u->scr = v; break;
	default: break; /* FCR, LSR, MSR: nothing to keep */
	}
}

enum x86_vio_result x86_vio_access(struct vm *vm, struct x86_vio *io, u16 port, unsigned size,
				   bool in, u32 *val)
{
	u32 mask = size >= 4 ? ~0u : (1u << (8 * size)) - 1;

	if (port >= X86_COM1 && port < X86_COM1 + 8 && size == 1) {
		if (in)
			*val = uart_read(&io->com1, port - X86_COM1);
		else
			uart_write(vm, &io->com1, port - X86_COM1, (u8)*val);
		return X86_VIO_DONE;
	}
	if (port == X86_PM_SLEEP_CTL && size == 1 && !in && (*val & SLP_EN))
		return ((*val >> 2) & 7) == X86_SLP_TYP_S5 ? X86_VIO_POWER_OFF : X86_VIO_DONE;
	if (port == X86_RESET_PORT && size == 1 && !in && (*val & RST_CPU))
		return X86_VIO_RESET;
	if (in)
		*val = (port == X86_PM_SLEEP_STS || port == X86_PM_SLEEP_CTL) && size == 1 ? 0
											   : mask;
	return X86_VIO_DONE;
}
