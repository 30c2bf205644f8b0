// SPDX-License-Identifier: MIT
/*
 * The SVM exit handler under hostile exits (each 48-byte record: exit code selector, the two
 * exit infos, RAX/RCX/RDX/RDI/RSI, NRIPS and next RIP, byte 32, 15 bytes at RIP): MSR
 * accesses (x2APIC, EFER, PAT, IPIs to the other vCPU), port I/O (16550, power registers),
 * MMIO through #NPF, hypercalls through VMMCALL (through the fast path first when byte 32's
 * bit 0 is set), CPUID, HLT. Whatever arrives: the action is one of the enum, RIP moves by at
 * most 15 bytes or to IOIO's next-RIP, only documented exceptions are injected, and nothing
 * outside the VM's RAM is touched (ASan).
 */
#include <stdint.h>
#include <string.h>

#include "svm_fixture.c"

#include "vmm/hypercall.h"
#include "guest_abi/moat_abi.h"
#include "lib/bits.h"

static const uint64_t fz_codes[] = {
	SVM_EXIT_MSR,
	SVM_EXIT_IOIO,
	SVM_EXIT_NPF,
	SVM_EXIT_VMMCALL,
	SVM_EXIT_CPUID,
	SVM_EXIT_HLT,
	SVM_EXIT_INTR,
	SVM_EXIT_VINTR,
	SVM_EXIT_INVD,
	SVM_EXIT_VMRUN,
	SVM_EXIT_SHUTDOWN,
	SVM_EXIT_INVALID,
	SVM_EXIT_EXCP_BASE + 17,
	0x3ff,
};

/* The fast path first, as svm_entry.S tries it (the hypercall block filled and read back). */
static bool fast_exit(struct svm_vcpu *sv)
{
	static const unsigned reg[6] = { GPR_RDI, GPR_RSI, GPR_RDX, GPR_RCX, GPR_R8, GPR_R9 };
	u64 regs[HC_NREGS] = { 0 };
	bool done;

	for (unsigned i = 0; i < 6; i++)
		regs[1 + i] = sv->gprs[reg[i]];
	done = svm_exit_fast(sv, regs);
	for (unsigned i = 0; i < 6; i++)
		sv->gprs[reg[i]] = regs[1 + i];
	return done;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct svmf f;
	static bool init;

	if (!init) {
		svmf_init(&f);
		init = true;
	}
	for (size_t off = 0; off + 48 <= size; off += 48) {
		const uint8_t *r = data + off;
		unsigned cpu = r[0] & 1;
		struct svm_vcpu *sv = &f.sm.vcpu[cpu];
		uint64_t code = fz_codes[(r[0] >> 1) % ARRAY_SIZE(fz_codes)];
		uint64_t i1 = get_le32(r + 1) | (uint64_t)r[5] << 32, i2 = get_le64(r + 6);
		enum svm_action a;
		uint64_t inj;

		if (code == SVM_EXIT_IOIO)
			i2 = SVMF_CODE + (r[6] & 15);
		svmf_exit(&f, cpu, code, i1, i2, r + 33, 15);
		f.vmcb[cpu]->s.rax = get_le32(r + 14);
		sv->gprs[GPR_RCX] = (r[18] & 1) ? 0x800 + r[19] : get_le32(r + 18);
		sv->gprs[GPR_RDX] = (r[22] & 1) ? MOAT_GPA_ECAM : get_le32(r + 23);
		sv->gprs[GPR_RDI] = VM_RAM_BASE + get_le16(r + 27);
		sv->gprs[GPR_RSI] = r[29];
		sv->gprs[GPR_R9] = 0;
		f.sm.nrips =
			r[30] & 1; /* next RIP from the "CPU": 0..31 bytes on, some impossible */
		f.vmcb[cpu]->c.next_rip = SVMF_CODE + (r[31] & 31);
		a = SVM_RESUME;
		if (!((r[32] & 1) && fast_exit(sv)))
			a = svm_handle_exit(sv, off);
		if (a > SVM_RESET)
			__builtin_trap();
		if (f.vmcb[cpu]->s.rip < SVMF_CODE || f.vmcb[cpu]->s.rip > SVMF_CODE + 15)
			__builtin_trap();
		inj = f.vmcb[cpu]->c.event_inj & ~(0xffULL);
		if (inj && inj != (SVM_EV_TYPE_EXCP | SVM_EV_VALID) &&
		    inj != (SVM_EV_TYPE_EXCP | SVM_EV_VALID | SVM_EV_ERR_VALID))
			__builtin_trap();
		svm_inject_pending(sv);
	}
	return 0;
}
