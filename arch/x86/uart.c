// SPDX-License-Identifier: MIT
/*
 * 16550 console (TI PC16550D data sheet): transmit only, 115200 8N1. The port comes from
 * ACPI SPCR when firmware has one, else COM1 at I/O port 0x3f8, the PC convention.
 */
#include <arch/cpu.h>
#include <arch/mm.h>
#include <arch/mmio.h>

#include "arch/x86/x86.h"
#include "core/arch.h"
#include "core/log.h"
#include "lib/err.h"

#define COM1 0x3f8
#define UART_THR 0
#define UART_IER 1
#define UART_DLL 0
#define UART_DLM 1
#define UART_FCR 2
#define UART_LCR 3
#define UART_MCR 4
#define UART_LSR 5
#define LCR_8N1 0x03
#define LCR_DLAB 0x80
#define LSR_THRE 0x20
#define BAUD_DIV_115200 1

/* One character at 9600 baud takes ~1 ms; allow a 16-byte FIFO to drain. */
#define UART_TX_TIMEOUT_NS 20000000ULL

static u16 uart_port;
static u8 *uart_mmio;
static bool uart_stuck;

static u8 uart_in(unsigned reg)
{
	return uart_mmio ? mmio_read8(uart_mmio + reg) : inb((u16)(uart_port + reg));
}

static void uart_out(unsigned reg, u8 v)
{
	if (uart_mmio)
		mmio_write8(uart_mmio + reg, v);
	else
		outb((u16)(uart_port + reg), v);
}

static void uart_putc(char c)
{
	u64 start = arch_time_ns();

	while (!(uart_in(UART_LSR) & LSR_THRE)) {
		if (uart_stuck || arch_time_ns() - start > UART_TX_TIMEOUT_NS) {
			uart_stuck = true; /* drop output rather than hang the hypervisor */
			return;
		}
		cpu_relax();
	}
	uart_stuck = false;
	uart_out(UART_THR, (u8)c);
}

static void uart_write(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '\n')
			uart_putc('\r');
		uart_putc(s[i]);
	}
}

int arch_console_init(const struct platform *p)
{
	if (p->uart == UART_16550_MMIO) {
		uart_mmio = arch_map_device(p->uart_base, 0x1000);
		if (!uart_mmio)
			return -E_NOMEM;
	} else {
		uart_port = p->uart == UART_16550_PIO ? (u16)p->uart_base.v : COM1;
	}
	uart_out(UART_IER, 0);
	uart_out(UART_LCR, LCR_DLAB);
	uart_out(UART_DLL, BAUD_DIV_115200);
	uart_out(UART_DLM, 0);
	uart_out(UART_LCR, LCR_8N1);
	uart_out(UART_FCR, 0x07); /* FIFOs on and cleared */
	uart_out(UART_MCR, 0x03); /* DTR, RTS */
	log_set_sink(uart_write);
	return 0;
}
