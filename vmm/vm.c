// SPDX-License-Identifier: MIT
/* VM and vCPU objects and the guest memory map checks every hypercall relies on. */
#include "vmm/vm.h"

#include <arch/mm.h>
#include <string.h>

#include "vmm/vm_backend.h"
#include "vmm/vm_mmio.h"

static struct vm vms[VM_MAX];
static unsigned nvms;

static bool ram_contains(const struct vm_ram *r, u64 g, u64 len)
{
	u64 end;

	if (!r->size || add_overflow(g, len, &end))
		return false;
	return g >= r->base.v && end <= r->base.v + r->size;
}

void *vm_gpa_to_host(const struct vm *vm, gpa_t g, u64 len, enum vm_mem_kind kinds)
{
	const struct vm_ram *r = NULL;

	if (!len)
		return NULL;
	if ((kinds & VM_MEM_PRIVATE) && ram_contains(&vm->priv, g.v, len))
		r = &vm->priv;
	else if ((kinds & VM_MEM_SHARED) && ram_contains(&vm->shared, g.v, len))
		r = &vm->shared;
	if (!r)
		return NULL;
	return (u8 *)phys_to_virt(r->hpa) + (g.v - r->base.v);
}

enum vm_mem_kind vm_gpa_kind(const struct vm *vm, gpa_t g)
{
	if (ram_contains(&vm->priv, g.v, 1))
		return VM_MEM_PRIVATE;
	if (ram_contains(&vm->shared, g.v, 1))
		return VM_MEM_SHARED;
	return 0;
}

void vm_init(struct vm *vm, unsigned id, const struct vm_config *cfg, paddr_t ram)
{
	struct vm_layout l;

	vmb_vm_layout(&l);
	memset(vm, 0, sizeof(*vm));
	vm->id = id;
	vm->cfg = cfg;
	memcpy(vm->name, cfg->name, sizeof(vm->name));
	vm->priv = (struct vm_ram){ l.ram_base, cfg->private_size, ram };
	if (cfg->shared_size)
		vm->shared = (struct vm_ram){ gpa(l.ram_base.v + cfg->private_size),
					      cfg->shared_size, pa(ram.v + cfg->private_size) };
	vm->nvcpus = cfg->nvcpus;
	vm->running = cfg->nvcpus;
	vm->online = 1;
	for (unsigned i = 0; i < vm->nvcpus; i++) {
		vm->vcpu[i].vm = vm;
		vm->vcpu[i].id = i;
		vm->vcpu[i].power = i ? VCPU_OFF : VCPU_ON;
	}
	vm_mmio_reset(vm);
}

struct vm *vm_get(unsigned idx)
{
	return idx < nvms ? &vms[idx] : NULL;
}

unsigned vm_count(void)
{
	return nvms;
}

struct vm *vm_alloc(void)
{
	return nvms < VM_MAX ? &vms[nvms++] : NULL;
}

u64 vcpu_handle(const struct vcpu *v)
{
	return (u64)v->vm->id << 16 | v->id;
}

struct vcpu *vcpu_from_handle(struct vm *vm, u64 handle)
{
	u64 idx = handle & 0xffff;

	if (handle >> 32 || (handle >> 16) != vm->id || idx >= vm->nvcpus)
		return NULL;
	return &vm->vcpu[idx];
}
