/* SPDX-License-Identifier: MIT */
/* Device-assignment hypercall handlers (vmm/hypercall_dev.c), called by the dispatcher. */
#ifndef VMM_HYPERCALL_DEV_H
#define VMM_HYPERCALL_DEV_H

#include "vmm/hypercall.h"
#include "guest_abi/moat_abi.h"

void hc_mem_share(struct vcpu *v, u64 *regs);
void hc_vdev_list(struct vcpu *v, u64 *regs);
void hc_viommu_info(struct vcpu *v, u64 *regs);
void hc_viommu_set_s1(struct vcpu *v, u64 *regs);
void hc_viommu_clear_s1(struct vcpu *v, u64 *regs);
void hc_viommu_invalidate(struct vcpu *v, u64 *regs);
void hc_viommu_faultq(struct vcpu *v, u64 *regs);
void hc_tdi_bind(struct vcpu *v, u64 *regs);
void hc_tdi_get_report(struct vcpu *v, u64 *regs);
void hc_tdi_get_evidence(struct vcpu *v, u64 *regs);
void hc_tdi_accept(struct vcpu *v, u64 *regs);
void hc_tdi_unbind(struct vcpu *v, u64 *regs);
void hc_tdi_state(struct vcpu *v, u64 *regs);

struct tsm_pdev;
/*
 * For device work outside hypercalls (the guest's FLR, a VM reset), with the operation lock
 * (vdev_op_begin()) held: hc_ops_drain() runs the device's suspended operation to its end (its
 * owner still gets the results); hc_ops_vm_gone() ends a VM's operations, dropping results.
 */
void hc_ops_drain(const struct tsm_pdev *pd);
void hc_ops_vm_gone(u32 vm);
/* Device operations suspended or waiting for their owner (tests check invariants between). */
unsigned hc_ops_in_flight(void);

#endif
