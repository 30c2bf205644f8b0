// SPDX-License-Identifier: MIT
/* Guest-side wrappers (guest_abi/moat_guest.h). Guests run with MMU off: GPA == VA. */
#include "guest_abi/moat_guest.h"

int64_t moat_version(uint32_t *abi_version)
{
	struct moat_ret r = moat_call(MOAT_HC_VERSION, 0, 0, 0, 0, 0, 0);

	if (!r.status && abi_version)
		*abi_version = (uint32_t)r.r1;
	return r.status;
}

int64_t moat_null(void)
{
	return moat_call(MOAT_HC_NULL, 0, 0, 0, 0, 0, 0).status;
}

int64_t moat_console_write(const char *s, size_t len)
{
	while (len) {
		size_t n = len > MOAT_CONSOLE_MAX ? MOAT_CONSOLE_MAX : len;
		int64_t st = moat_call(MOAT_HC_CONSOLE_WRITE, (uint64_t)(uintptr_t)s, n, 0, 0, 0, 0)
				     .status;
		if (st)
			return st;
		s += n;
		len -= n;
	}
	return MOAT_OK;
}

int64_t moat_vm_info(struct moat_vm_info *info)
{
	return moat_call(MOAT_HC_VM_INFO, (uint64_t)(uintptr_t)info, sizeof(*info), 0, 0, 0, 0)
		.status;
}

int64_t moat_vcpu_state(uint64_t handle, uint64_t *state)
{
	struct moat_ret r = moat_call(MOAT_HC_VCPU_STATE, handle, 0, 0, 0, 0, 0);

	if (!r.status && state)
		*state = r.r1;
	return r.status;
}
