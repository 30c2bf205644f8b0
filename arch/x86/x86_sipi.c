// SPDX-License-Identifier: MIT
/*
 * One IPI between a VM's vCPUs as both x86 backends take it (arch/x86/x86_vm.h): fixed and
 * lowest-priority to the target's virtual x2APIC, NMI, INIT and start-up (Intel SDM vol. 3A
 * 8.4.4.1, 10.6.1; AMD APM vol. 2 16.5). Only pending state changes here, atomically, for the
 * target's own CPU to take before its next entry; the backend kicks it. Pure: built for the
 * image and the host tests (test_svm, test_vmx).
 */
#include "arch/x86/x86_vm.h"

#include "arch/x86/vlapic.h"

bool x86_ipi_deliver(const struct x86_ipi_dest *d, const struct vlapic_ipi *ipi)
{
	switch (ipi->mode) {
	case APIC_DM_FIXED:
	case APIC_DM_LOWEST: vlapic_accept(d->lapic, ipi->vector); return true;
	case APIC_DM_NMI: __atomic_store_n(d->nmi_pending, true, __ATOMIC_RELEASE); return true;
	case APIC_DM_INIT:
		if (ipi->deassert)
			return false; /* the second half of the INIT-SIPI-SIPI sequence: nothing to do */
		__atomic_store_n(d->init_pending, true, __ATOMIC_RELEASE);
		return true;
	case APIC_DM_STARTUP:
		if (__atomic_load_n(d->init_pending, __ATOMIC_ACQUIRE)) {
			/* The INIT it follows is not taken yet: the first SIPI after it counts. */
			if (__atomic_load_n(d->sipi_after_init, __ATOMIC_ACQUIRE))
				return false;
			*d->sipi_vector = ipi->vector;
			__atomic_store_n(d->sipi_after_init, true, __ATOMIC_RELEASE);
			return true;
		}
		/* Only a vCPU waiting after INIT starts (SDM 8.4.4.1); others ignore it. */
		if (!__atomic_load_n(d->wait_sipi, __ATOMIC_ACQUIRE))
			return false;
		*d->sipi_vector = ipi->vector;
		__atomic_store_n(d->wait_sipi, false, __ATOMIC_RELEASE);
		return true;
	default: return false; /* SMI: not delivered to guests */
	}
}
