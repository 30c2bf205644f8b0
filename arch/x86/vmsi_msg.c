// SPDX-License-Identifier: MIT
/* A guest's MSI message on x86 and what it names in its VM (vmsi_msg.h). */
#include "arch/x86/vmsi_msg.h"

#include "lib/bits.h"
#include "lib/err.h"

#define MSI_ADDR_LOGICAL BIT(2)
#define MSI_ADDR_REMAP BIT(4)
#define MSI_ADDR_DEST(a) (((a) >> 12) & 0xff)
#define MSI_DATA_MODE(d) (((d) >> 8) & 7) /* 0 fixed, 1 lowest priority */
#define MSI_VEC_MIN 32
#define INTID_VCPU_SHIFT 8

int x86_msi_target(u32 addr_lo, u32 addr_hi, u32 data, unsigned *intid)
{
	unsigned dest = MSI_ADDR_DEST(addr_lo), vcpu;

	if (addr_hi || (addr_lo >> 20) != 0xfee || (addr_lo & MSI_ADDR_REMAP))
		return -E_PERM;
	if (MSI_DATA_MODE(data) > 1 || (data & 0xff) < MSI_VEC_MIN)
		return -E_RANGE;
	if (addr_lo & MSI_ADDR_LOGICAL)
		vcpu = dest ? (unsigned)__builtin_ctz(dest) : 0; /* no bit: nobody, vCPU 0 */
	else
		vcpu = dest == 0xff ? 0 : dest;
	*intid = (data & 0xff) | vcpu << INTID_VCPU_SHIFT;
	return 0;
}

void x86_intid_target(unsigned intid, unsigned nvcpus, unsigned *vcpu, u8 *vector)
{
	unsigned v = intid >> INTID_VCPU_SHIFT;

	*vector = (u8)intid;
	*vcpu = v < nvcpus ? v : 0;
}
