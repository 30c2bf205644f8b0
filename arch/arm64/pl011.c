// SPDX-License-Identifier: MIT
/* PL011 console (Arm PrimeCell UART TRM DDI 0183): output, and input polled for a guest. */
#include <arch/cpu.h>
#include <arch/mm.h>
#include <arch/mmio.h>

#include "core/arch.h"
#include "arch/arm64/vcpu.h"
#include "core/log.h"
#include "lib/err.h"

#define UARTDR 0x00
#define UARTFR 0x18
#define UARTFR_RXFE (1U << 4)
#define UARTFR_TXFF (1U << 5)
#define UARTCR 0x30
#define UARTCR_UARTEN (1U << 0)
#define UARTCR_TXE (1U << 8)
#define UARTCR_RXE (1U << 9)

/* One character at 9600 baud takes ~1 ms; allow a full 32-entry FIFO to drain. */
#define PL011_TX_TIMEOUT_NS 40000000ULL

static u8 *pl011;
static bool pl011_stuck;

static void pl011_putc(char c)
{
	u64 start = arch_time_ns();

	while (mmio_read32(pl011 + UARTFR) & UARTFR_TXFF) {
		if (pl011_stuck || arch_time_ns() - start > PL011_TX_TIMEOUT_NS) {
			pl011_stuck = true; /* drop output rather than hang the hypervisor */
			return;
		}
		cpu_relax();
	}
	pl011_stuck = false;
	mmio_write32(pl011 + UARTDR, (u8)c);
}

static void pl011_write(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '\n')
			pl011_putc('\r');
		pl011_putc(s[i]);
	}
}

int arm64_console_getc(void)
{
	if (!pl011 || (mmio_read32(pl011 + UARTFR) & UARTFR_RXFE))
		return -1;
	return (int)(mmio_read32(pl011 + UARTDR) & 0xff); /* error bits 11:8 dropped */
}

int arch_console_init(const struct platform *p)
{
	u32 cr;

	if (p->uart != UART_PL011)
		return -E_NODEV;
	pl011 = arch_map_device(p->uart_base, 0x1000);
	if (!pl011)
		return -E_NOMEM;
	/* QEMU only transmits with UARTEN and TXE set; firmware may have left them clear. */
	cr = mmio_read32(pl011 + UARTCR);
	if ((cr & (UARTCR_UARTEN | UARTCR_TXE)) != (UARTCR_UARTEN | UARTCR_TXE))
		mmio_write32(pl011 + UARTCR, cr | UARTCR_UARTEN | UARTCR_TXE | UARTCR_RXE);
	log_set_sink(pl011_write);
	return 0;
}
