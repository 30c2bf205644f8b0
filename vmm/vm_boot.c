// SPDX-License-Identifier: MIT
/*
 * VMs from the configuration (docs/architecture.md section 3, "VMs built from the configuration"): RAM
 * from the frame allocator, images copied in, stage-2 built; then, as the last boot step, the
 * vCPUs start.
 */
#define LOG_COMPONENT "vm"
#include "vmm/vm_boot.h"

#include <arch/mm.h>
#include <string.h>

#include "core/boot_info.h"
#include "vmm/config.h"
#include "core/init.h"
#include "core/log.h"
#include "vmm/vdev.h"
#include "vmm/vdev_boot.h"
#include "vmm/vm_load.h"
#include "lib/err.h"
#include "tsm/tsm.h"

static struct moat_config config;
static const struct boot_info *boot_info;

static int vm_build(struct moat_ctx *ctx, const struct vm_config *c, unsigned id)
{
	u64 total = c->private_size + c->shared_size; /* bounded by config_parse */
	struct vm *vm = vm_alloc();
	paddr_t ram;
	int err;

	if (!vm)
		return -E_NOSPC;
	if ((err = frame_alloc_run(ctx->frames, total >> PAGE_SHIFT, 2ULL << 20, &ram))) {
		pr_err("%s: no room for %llu MiB of RAM", c->name,
		       (unsigned long long)(total >> 20));
		return err;
	}
	memset(phys_to_virt(ram), 0, total);
	vm_init(vm, id, c, ram);
	if ((err = vm_load_images(vm, ctx->bi)) || (err = arch_vm_create(vm, ctx->frames)) ||
	    (err = vdev_vm_build(ctx, vm)))
		return err;
	pr_info("%s: id %u, %u vCPU(s), %llu MiB private + %llu MiB shared RAM", vm->name, id,
		vm->nvcpus, (unsigned long long)(c->private_size >> 20),
		(unsigned long long)(c->shared_size >> 20));
	return 0;
}

/* The blob's range comes from firmware (/chosen) or the boot path: it must be inside RAM. */
static bool vm_config_in_ram(const struct platform *plat, paddr_t base, u64 size)
{
	u64 end;

	if (!size || add_overflow(base.v, size, &end))
		return false;
	for (unsigned i = 0; i < plat->nmem; i++)
		if (base.v >= plat->mem[i].base.v && end - plat->mem[i].base.v <= plat->mem[i].size)
			return true;
	return false;
}

static int vm_boot_build(struct moat_ctx *ctx)
{
	const struct boot_info *bi = ctx->bi;
	int err;

	if (!bi->config.v)
		return -E_NODEV;
	boot_info = bi;
	if (!vm_config_in_ram(ctx->plat, bi->config, bi->config_size)) {
		pr_err("configuration at 0x%llx (%llu bytes) is not in RAM",
		       (unsigned long long)bi->config.v, (unsigned long long)bi->config_size);
		return -E_RANGE;
	}
	if ((err = config_parse(phys_to_virt(bi->config), bi->config_size, &config)))
		return err;
	for (unsigned i = 0; i < config.nvms; i++)
		if ((err = vm_build(ctx, &config.vm[i], i + 1)))
			return err;
	tsm_disconnect_unassigned(); /* a connected device no VM was given leaves now */
	return 0;
}

/* Power-off: no device operation of a VM may hold a mailbox when the TSM disconnects. */
static void vm_boot_shutdown(void)
{
	vdev_power_off();
}

int vm_reload(struct vm *vm)
{
	if (!boot_info)
		return -E_STATE;
	vdev_vm_reset(vm); /* devices first: no DMA into the memory being cleared */
	memset(phys_to_virt(vm->priv.hpa), 0, vm->priv.size);
	return vm_load_images(vm, boot_info);
}

static int vm_boot_start(struct moat_ctx *ctx)
{
	if (!vm_count())
		return -E_NODEV;
	return arch_vms_start(ctx->plat, ctx->frames);
}

MOAT_UNIT_SHUTDOWN("vm", INIT_VM, vm_boot_build, vm_boot_shutdown);
MOAT_UNIT("vm-start", INIT_LATE, vm_boot_start);
