// SPDX-License-Identifier: MIT
/*
 * Virtual PL011 (PrimeCell UART TRM DDI 0183, 3.2): transmit only. Characters go to the VM's
 * console; the transmit FIFO is always empty, so every character sent sets the transmit
 * interrupt (TXRIS) at once. The interrupt line is level-sensitive: RIS & IMSC, on SPI 33.
 */
#include "vmm/hypercall.h"
#include "vmm/vm_mmio.h"
#include "lib/bits.h"

#define UART_DR 0x000
#define UART_FR 0x018
#define UART_FR_RXFE BIT(4)
#define UART_FR_TXFE BIT(7)
#define UART_IMSC 0x038
#define UART_RIS 0x03c
#define UART_MIS 0x040
#define UART_ICR 0x044
#define UART_INT_TX BIT(5)
#define UART_INT_ALL 0x7ff
#define UART_PERIPHID0 0xfe0

/* UARTPeriphID0-3 and UARTPCellID0-3 (TRM 3.3.13-14), the values QEMU's PL011 reports. */
static const u8 uart_ids[8] = { 0x11, 0x10, 0x14, 0x00, 0x0d, 0xf0, 0x05, 0xb1 };

bool vuart_line(const struct vm *vm)
{
	return __atomic_load_n(&vm->uart.ris, __ATOMIC_ACQUIRE) & vm->uart.imsc;
}

static u64 vuart_read(const struct vm *vm, u64 off)
{
	switch (off) {
	case UART_FR: return UART_FR_TXFE | UART_FR_RXFE;
	case UART_IMSC: return vm->uart.imsc;
	case UART_RIS: return vm->uart.ris;
	case UART_MIS: return vm->uart.ris & vm->uart.imsc;
	default:
		if (off >= UART_PERIPHID0 && off < UART_PERIPHID0 + 32 && !(off & 3))
			return uart_ids[(off - UART_PERIPHID0) / 4];
		return 0;
	}
}

bool vuart_access(struct vcpu *v, u64 off, bool write, u64 *val)
{
	struct vm *vm = v->vm;
	bool was = vuart_line(vm);

	if (off & 3)
		return false;
	if (!write) {
		*val = vuart_read(vm, off);
		return true;
	}
	if (off == UART_DR) {
		char c = (char)*val;
		vm_console_write(vm, &c, 1);
		__atomic_fetch_or(&vm->uart.ris, UART_INT_TX, __ATOMIC_ACQ_REL);
	} else if (off == UART_IMSC) {
		__atomic_store_n(&vm->uart.imsc, (u32)*val & UART_INT_ALL, __ATOMIC_RELEASE);
	} else if (off == UART_ICR) {
		__atomic_fetch_and(&vm->uart.ris, ~((u32)*val & UART_INT_ALL), __ATOMIC_ACQ_REL);
	}
	/* A rising edge of the level raises the SPI; while high, the arch re-raises it after
	 * each EOI (vgic maintenance). */
	if (!was && vuart_line(vm))
		vgic_raise(vgic_spi_target(vm, VGIC_INTID_UART), VGIC_INTID_UART);
	return true;
}
