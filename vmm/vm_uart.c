// SPDX-License-Identifier: MIT
/*
 * Virtual PL011 (PrimeCell UART TRM DDI 0183 r1p5, 3.2-3.3). Transmit: characters go to the
 * VM's console at once, so the transmit FIFO is always empty and TXRIS stays set once a
 * character was sent (until cleared). Receive: a 32-entry FIFO (TRM 2.4.3) fed from Moat's
 * console input (vuart_rx_push); RXRIS follows the IFLS trigger level (or one character with
 * the FIFOs off), RTRIS is raised when characters arrive and holds until cleared or the FIFO
 * is empty. The line is level-sensitive, RIS & IMSC, on SPI 33.
 *
 * Accesses: 8-, 16- and 32-bit, naturally aligned (the TRM's registers are at most 16 bits
 * wide; earlycon stores bytes to UARTDR, Linux's driver uses 16-bit accesses). A narrower
 * access at a byte offset inside a register reads or writes those bits of it.
 */
#include "vmm/hypercall.h"
#include "vmm/vm_mmio.h"
#include "lib/bits.h"

#define UART_DR 0x000
#define UART_RSR 0x004
#define UART_FR 0x018
#define UART_FR_RXFE BIT(4)
#define UART_FR_TXFF BIT(5)
#define UART_FR_RXFF BIT(6)
#define UART_FR_TXFE BIT(7)
#define UART_ILPR 0x020
#define UART_IBRD 0x024
#define UART_FBRD 0x028
#define UART_LCRH 0x02c
#define UART_LCRH_FEN BIT(4)
#define UART_CR 0x030
#define UART_CR_RESET 0x300 /* TXE | RXE (TRM 3.3.8) */
#define UART_IFLS 0x034
#define UART_IFLS_RESET 0x12 /* both trigger levels 1/2 */
#define UART_IMSC 0x038
#define UART_RIS 0x03c
#define UART_MIS 0x040
#define UART_ICR 0x044
#define UART_DMACR 0x048
#define UART_INT_RX BIT(4)
#define UART_INT_TX BIT(5)
#define UART_INT_RT BIT(6)
#define UART_INT_ALL 0x7ff
#define UART_PERIPHID0 0xfe0

/* UARTPeriphID0-3 and UARTPCellID0-3 (TRM 3.3.13-14), the values QEMU's PL011 reports. */
static const u8 uart_ids[8] = { 0x11, 0x10, 0x14, 0x00, 0x0d, 0xf0, 0x05, 0xb1 };

bool vuart_line(const struct vm *vm)
{
	return __atomic_load_n(&vm->uart.ris, __ATOMIC_ACQUIRE) &
	       __atomic_load_n(&vm->uart.imsc, __ATOMIC_ACQUIRE);
}

/* RXIFLSEL (TRM 3.3.9): 1/8, 1/4, 1/2, 3/4, 7/8 of the FIFO; one entry with FIFOs off. */
static unsigned vuart_rx_level(const struct vuart *u)
{
	static const u8 lvl[8] = { 4, 8, 16, 24, 28, 16, 16, 16 };

	if (!(u->lcr_h & UART_LCRH_FEN))
		return 1;
	return lvl[(u->ifls >> 3) & 7];
}

/* Recomputes the receive interrupt bits from the FIFO (uart lock held). */
static void vuart_rx_update(struct vuart *u)
{
	u32 ris = u->ris & ~(UART_INT_RX | UART_INT_RT);

	if (u->rx_count >= vuart_rx_level(u))
		ris |= UART_INT_RX;
	if (u->rx_count && u->rt_latched)
		ris |= UART_INT_RT;
	__atomic_store_n(&u->ris, ris, __ATOMIC_RELEASE);
}

static u32 vuart_rx_pop(struct vuart *u)
{
	u32 c;

	if (!u->rx_count)
		return 0;
	c = u->rx[u->rx_head];
	u->rx_head = (u->rx_head + 1) % VUART_RX_FIFO;
	if (--u->rx_count == 0)
		u->rt_latched = false;
	vuart_rx_update(u);
	return c;
}

static u32 vuart_fr(const struct vuart *u)
{
	u32 fr = UART_FR_TXFE;

	if (!u->rx_count)
		fr |= UART_FR_RXFE;
	if (u->rx_count == VUART_RX_FIFO || (!(u->lcr_h & UART_LCRH_FEN) && u->rx_count))
		fr |= UART_FR_RXFF;
	return fr & ~UART_FR_TXFF;
}

/* The whole 32-bit register at a word offset (uart lock held; a DR read pops the FIFO). */
static u32 vuart_reg_read(struct vuart *u, u64 reg, bool pop)
{
	switch (reg) {
	case UART_DR: return pop ? vuart_rx_pop(u) : 0;
	case UART_FR: return vuart_fr(u);
	case UART_ILPR: return u->ilpr;
	case UART_IBRD: return u->ibrd;
	case UART_FBRD: return u->fbrd;
	case UART_LCRH: return u->lcr_h;
	case UART_CR: return u->cr;
	case UART_IFLS: return u->ifls;
	case UART_IMSC: return u->imsc;
	case UART_RIS: return u->ris;
	case UART_MIS: return u->ris & u->imsc;
	case UART_DMACR: return u->dmacr;
	default:
		if (reg >= UART_PERIPHID0 && reg < UART_PERIPHID0 + 32)
			return uart_ids[(reg - UART_PERIPHID0) / 4];
		return 0; /* RSR (no errors), reserved and test registers */
	}
}

static void vuart_tx(struct vm *vm, u32 val)
{
	char c = (char)val;

	vm_console_write(vm, &c, 1);
	__atomic_fetch_or(&vm->uart.ris, UART_INT_TX, __ATOMIC_ACQ_REL);
}

/* A write of the whole register `reg` (uart lock held). */
static void vuart_reg_write(struct vm *vm, u64 reg, u32 val)
{
	struct vuart *u = &vm->uart;

	switch (reg) {
	case UART_DR: vuart_tx(vm, val); break;
	case UART_ILPR: u->ilpr = val & 0xff; break;
	case UART_IBRD: u->ibrd = val & 0xffff; break;
	case UART_FBRD: u->fbrd = val & 0x3f; break;
	case UART_LCRH: u->lcr_h = val & 0xff; break;
	case UART_CR: u->cr = val & 0xff87; break;
	case UART_IFLS: u->ifls = val & 0x3f; break;
	case UART_IMSC: __atomic_store_n(&u->imsc, val & UART_INT_ALL, __ATOMIC_RELEASE); break;
	case UART_ICR:
		if (val & UART_INT_RT)
			u->rt_latched = false;
		__atomic_fetch_and(&u->ris, ~(val & UART_INT_ALL & ~UART_INT_RX), __ATOMIC_ACQ_REL);
		break;
	case UART_DMACR: u->dmacr = val & 7; break;
	default: return; /* RSR/ECR (no errors to clear), read-only and reserved */
	}
	vuart_rx_update(u);
}

/* A rising edge of the level raises the SPI; while high, the arch re-raises it after each
 * EOI (vgic maintenance). */
static void vuart_edge(struct vm *vm, bool was)
{
	if (!was && vuart_line(vm))
		vgic_raise(vgic_spi_target(vm, VGIC_INTID_UART), VGIC_INTID_UART);
}

static void vuart_access_locked(struct vm *vm, u64 off, bool write, unsigned size, u64 *val)
{
	u64 reg = off & ~3ULL;
	unsigned sh = 8 * (unsigned)(off & 3);
	u32 mask = size == 4 ? 0xffffffffu : (u32)((BIT(8 * size) - 1) << sh);
	u32 cur;

	if (!write) {
		*val = (vuart_reg_read(&vm->uart, reg, sh == 0) & mask) >> sh;
		return;
	}
	if (reg == UART_DR || reg == UART_ICR) {
		if (sh == 0) /* bits 31:8 of DR and 31:11 of ICR are reserved */
			vuart_reg_write(vm, reg, (u32)*val);
		return;
	}
	cur = vuart_reg_read(&vm->uart, reg, false);
	vuart_reg_write(vm, reg, (cur & ~mask) | (((u32)*val << sh) & mask));
}

bool vuart_access(struct vcpu *v, u64 off, bool write, unsigned size, u64 *val)
{
	struct vm *vm = v->vm;
	bool was;

	if ((size != 1 && size != 2 && size != 4) || (off & (size - 1)) || off >= VM_UART_SIZE)
		return false;
	spin_lock(&vm->uart.lock);
	was = vuart_line(vm);
	vuart_access_locked(vm, off, write, size, val);
	vuart_edge(vm, was);
	spin_unlock(&vm->uart.lock);
	return true;
}

unsigned vuart_rx_push(struct vm *vm, const u8 *s, unsigned len)
{
	struct vuart *u = &vm->uart;
	unsigned n = 0;
	bool was;

	spin_lock(&u->lock);
	was = vuart_line(vm);
	/* UARTEN and RXE (TRM 3.3.8): a disabled receiver takes nothing. */
	while (n < len && u->rx_count < VUART_RX_FIFO && (u->cr & 0x201) == 0x201) {
		u->rx[(u->rx_head + u->rx_count) % VUART_RX_FIFO] = s[n++];
		u->rx_count++;
	}
	if (n)
		u->rt_latched = true;
	vuart_rx_update(u);
	vuart_edge(vm, was);
	spin_unlock(&u->lock);
	return n;
}

void vuart_reset(struct vm *vm)
{
	struct vuart *u = &vm->uart;

	*u = (struct vuart){ .cr = UART_CR_RESET, .ifls = UART_IFLS_RESET };
	spin_lock_init(&u->lock);
}
