// SPDX-License-Identifier: MIT
/* The hypercall cases shared by the arm64 and x86_64 test guests (guest_abi_cases.h). */
#include "tests/guests/guest_abi_cases.h"

#include "tests/guests/guest_check.h"

static int64_t hc(uint64_t fn, uint64_t a1, uint64_t a2, uint64_t a3)
{
	return moat_call(fn, a1, a2, a3, 0, 0, 0).status;
}

static void cases_discovery(void)
{
	uint32_t ver = 0;

	check("version", moat_version(&ver), MOAT_OK);
	check("version value", ver, MOAT_ABI_VERSION);
	check("version reserved", moat_call(MOAT_HC_VERSION, 0, 0, 0, 0, 0, 1).status,
	      MOAT_INVALID_PARAM);
	check("features null", hc(MOAT_HC_FEATURES, MOAT_HC_NULL, 0, 0), MOAT_OK);
	check("features unknown", hc(MOAT_HC_FEATURES, MOAT_HC_FN(0x77), 0, 0), MOAT_NOT_SUPPORTED);
	check("null", moat_null(), MOAT_OK);
	check("null reserved", hc(MOAT_HC_NULL, 0, 0, 1), MOAT_INVALID_PARAM);
	check("unknown function", hc(MOAT_HC_FN(0x77), 0, 0, 0), MOAT_NOT_SUPPORTED);
	check("not a Moat function", hc(0x1234, 0, 0, 0), MOAT_NOT_SUPPORTED);
}

static void cases_memory(const struct moat_vm_info *info, uint64_t ram_end)
{
	static const char msg[] = "console write from guest memory\n";
	struct moat_vm_info tmp;

	check("console", moat_console_write(msg, sizeof(msg) - 1), MOAT_OK);
	check("console len 0", hc(MOAT_HC_CONSOLE_WRITE, (uint64_t)msg, 0, 0), MOAT_INVALID_PARAM);
	check("console too long", hc(MOAT_HC_CONSOLE_WRITE, (uint64_t)msg, MOAT_CONSOLE_MAX + 1, 0),
	      MOAT_INVALID_PARAM);
	if (info->private_base >= 8)
		check("console below RAM", hc(MOAT_HC_CONSOLE_WRITE, info->private_base - 8, 8, 0),
		      MOAT_BAD_ADDRESS);
	check("console outside RAM", hc(MOAT_HC_CONSOLE_WRITE, ram_end, 8, 0), MOAT_BAD_ADDRESS);
	check("console past RAM end", hc(MOAT_HC_CONSOLE_WRITE, ram_end - 4, 8, 0),
	      MOAT_BAD_ADDRESS);
	check("console wraps", hc(MOAT_HC_CONSOLE_WRITE, ~0ull - 3, 8, 0), MOAT_BAD_ADDRESS);
	check("vm_info small", hc(MOAT_HC_VM_INFO, (uint64_t)&tmp, 8, 0), MOAT_BAD_SIZE);
	check("vm_info outside", hc(MOAT_HC_VM_INFO, ram_end, sizeof(tmp), 0), MOAT_BAD_ADDRESS);
}

static void cases_vcpus(const struct moat_vm_info *info)
{
	uint64_t st = 99, me = (uint64_t)info->vm_id << 16;

	check("vcpu_state self", moat_vcpu_state(me, &st), MOAT_OK);
	check("vcpu_state self on", st, MOAT_VCPU_ON);
	check("vcpu_state other VM", moat_vcpu_state(me + (1 << 16), &st), MOAT_BAD_HANDLE);
	check("vcpu_state past nvcpus", moat_vcpu_state(me | info->nr_vcpus, &st), MOAT_BAD_HANDLE);
}

static void cases_shared(const struct moat_vm_info *info)
{
	if (info->shared_size) {
		check("shared_check shared", hc(MOAT_HC_SHARED_CHECK, info->shared_base, 4096, 0),
		      MOAT_OK);
		check("shared_check private", hc(MOAT_HC_SHARED_CHECK, info->private_base, 4096, 0),
		      MOAT_BAD_ADDRESS);
	}
	check("shared_check unaligned", hc(MOAT_HC_SHARED_CHECK, info->shared_base + 1, 4096, 0),
	      MOAT_INVALID_PARAM);
}

void guest_abi_cases(const struct moat_vm_info *info)
{
	int before = failures;
	uint64_t ram_end = info->shared_size ? info->shared_base + info->shared_size
					     : info->private_base + info->private_size;

	cases_discovery();
	cases_memory(info, ram_end);
	cases_vcpus(info);
	cases_shared(info);
	result("hypercalls", before);
}
