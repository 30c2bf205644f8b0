// SPDX-License-Identifier: MIT
/*
 * VM configuration parser (format in vmm/config.h). Untrusted input: the blob is checked
 * whole with fdt_check_full() before any walk, every property length is checked before use,
 * unknown nodes and properties are refused (a typo must not silently drop a setting), and
 * nothing reaches the caller unless the whole configuration is valid.
 */
#define LOG_COMPONENT "config"
#include "vmm/config.h"
#include "core/dt_check.h"

#include <libfdt.h>
#include <string.h>

#include "core/log.h"
#include "lib/bits.h"
#include "lib/err.h"

#define CFG_COMPATIBLE "moat,config-v1"

struct cfg_parse {
	const void *fdt;
	const char *node; /* node name, for messages */
	struct vm_config *vm;
};

static int cfg_err(const struct cfg_parse *c, const char *prop, const char *why)
{
	pr_err("%s: %s: %s", c->node, prop, why);
	return trace_err(-E_INVAL);
}

static bool cfg_name_ok(const char *s, int len, size_t max)
{
	/* A NUL-terminated, non-empty run of printable ASCII that fits with its NUL. */
	if (len < 2 || (size_t)len > max || s[len - 1] != '\0')
		return false;
	for (int i = 0; i < len - 1; i++)
		if (s[i] < 0x21 || s[i] > 0x7e)
			return false;
	return true;
}

static int cfg_u64(const struct cfg_parse *c, const char *prop, const u8 *v, int len, u64 *out)
{
	if (len != 8)
		return cfg_err(c, prop, "must be one 64-bit value (2 cells)");
	*out = (u64)get_be32(v) << 32 | get_be32(v + 4);
	return 0;
}

static int cfg_mem(const struct cfg_parse *c, const char *prop, const u8 *v, int len, u64 *out)
{
	int err = cfg_u64(c, prop, v, len, out);

	if (err)
		return err;
	if (!IS_ALIGNED(*out, CFG_MEM_ALIGN))
		return cfg_err(c, prop, "not a multiple of 2 MiB");
	if (*out > CFG_MEM_MAX)
		return cfg_err(c, prop, "larger than 64 GiB");
	return 0;
}

static int cfg_prop_name(struct cfg_parse *c, const char *prop, const u8 *v, int len)
{
	if (!cfg_name_ok((const char *)v, len, CFG_NAME_MAX))
		return cfg_err(c, prop, "must be 1-31 printable characters");
	memcpy(c->vm->name, v, (size_t)len);
	return 0;
}

static int cfg_prop_vcpus(struct cfg_parse *c, const char *prop, const u8 *v, int len)
{
	u32 n;

	if (len != 4)
		return cfg_err(c, prop, "must be one cell");
	n = get_be32(v);
	if (n < 1 || n > CFG_MAX_VCPUS)
		return cfg_err(c, prop, "must be 1 to 8");
	c->vm->nvcpus = n;
	return 0;
}

static int cfg_prop_private(struct cfg_parse *c, const char *prop, const u8 *v, int len)
{
	int err = cfg_mem(c, prop, v, len, &c->vm->private_size);

	if (!err && !c->vm->private_size)
		return cfg_err(c, prop, "must not be zero");
	return err;
}

static int cfg_prop_shared(struct cfg_parse *c, const char *prop, const u8 *v, int len)
{
	return cfg_mem(c, prop, v, len, &c->vm->shared_size);
}

static int cfg_image_inline(struct cfg_parse *c, const char *prop, const u8 *v, int len,
			    struct cfg_image *img)
{
	if (len <= 0)
		return cfg_err(c, prop, "empty image");
	if (img->data || img->module[0])
		return cfg_err(c, prop, "image given twice");
	img->data = v;
	img->size = (u64)len;
	return 0;
}

static int cfg_image_module(struct cfg_parse *c, const char *prop, const u8 *v, int len,
			    struct cfg_image *img)
{
	if (!cfg_name_ok((const char *)v, len, CFG_NAME_MAX))
		return cfg_err(c, prop, "module name must be 1-31 printable characters");
	if (img->data || img->module[0])
		return cfg_err(c, prop, "image given twice");
	memcpy(img->module, v, (size_t)len);
	return 0;
}

static int cfg_prop_kernel(struct cfg_parse *c, const char *p, const u8 *v, int len)
{
	return cfg_image_inline(c, p, v, len, &c->vm->kernel);
}

static int cfg_prop_kernel_mod(struct cfg_parse *c, const char *p, const u8 *v, int len)
{
	return cfg_image_module(c, p, v, len, &c->vm->kernel);
}

static int cfg_prop_initrd(struct cfg_parse *c, const char *p, const u8 *v, int len)
{
	return cfg_image_inline(c, p, v, len, &c->vm->initrd);
}

static int cfg_prop_initrd_mod(struct cfg_parse *c, const char *p, const u8 *v, int len)
{
	return cfg_image_module(c, p, v, len, &c->vm->initrd);
}

static int cfg_prop_dtb(struct cfg_parse *c, const char *p, const u8 *v, int len)
{
	return cfg_image_inline(c, p, v, len, &c->vm->dtb);
}

static int cfg_prop_dtb_mod(struct cfg_parse *c, const char *p, const u8 *v, int len)
{
	return cfg_image_module(c, p, v, len, &c->vm->dtb);
}

static int cfg_prop_pci(struct cfg_parse *c, const char *prop, const u8 *v, int len)
{
	unsigned n = (unsigned)len / 8;

	if (len <= 0 || len % 8)
		return cfg_err(c, prop, "must be <segment bdf> pairs");
	if (n > CFG_MAX_PCI)
		return cfg_err(c, prop, "more than 8 functions");
	for (unsigned i = 0; i < n; i++) {
		u32 seg = get_be32(v + 8 * i), bdf = get_be32(v + 8 * i + 4);

		if (seg > 0xffff || bdf > 0xffff)
			return cfg_err(c, prop, "segment or bdf out of range");
		for (unsigned j = 0; j < i; j++)
			if (c->vm->pci[j].segment == seg && c->vm->pci[j].bdf == bdf)
				return cfg_err(c, prop, "function listed twice");
		c->vm->pci[i] = (struct cfg_pci_fn){ (u16)seg, (u16)bdf };
	}
	c->vm->npci = n;
	return 0;
}

static int cfg_prop_tsm(struct cfg_parse *c, const char *prop, const u8 *v, int len)
{
	static const char *const names[] = { "none", "optional", "required" };

	for (unsigned i = 0; i < ARRAY_SIZE(names); i++) {
		if ((size_t)len == strlen(names[i]) + 1 && !memcmp(v, names[i], (size_t)len)) {
			c->vm->tsm = (enum tsm_policy)i;
			return 0;
		}
	}
	return cfg_err(c, prop, "must be \"none\", \"optional\" or \"required\"");
}

/* What plain (non-TDI) functions may DMA to: "shared" RAM only (the default) or "all" RAM. */
static int cfg_prop_pci_dma(struct cfg_parse *c, const char *prop, const u8 *v, int len)
{
	if (len == 7 && !memcmp(v, "shared", 7))
		c->vm->pci_dma_all = false;
	else if (len == 4 && !memcmp(v, "all", 4))
		c->vm->pci_dma_all = true;
	else
		return cfg_err(c, prop, "must be \"shared\" or \"all\"");
	return 0;
}

static int cfg_prop_bootargs(struct cfg_parse *c, const char *prop, const u8 *v, int len)
{
	/* Printable ASCII and spaces, NUL-terminated; it ends up in the guest's /chosen. */
	if (len < 1 || len > CFG_BOOTARGS_MAX || v[len - 1])
		return cfg_err(c, prop, "must be a string of at most 255 characters");
	for (int i = 0; i < len - 1; i++)
		if (v[i] < 0x20 || v[i] > 0x7e)
			return cfg_err(c, prop, "must be printable characters");
	memcpy(c->vm->bootargs, v, (size_t)len);
	return 0;
}

static const struct {
	const char *name;
	int (*fn)(struct cfg_parse *c, const char *prop, const u8 *v, int len);
} cfg_props[] = {
	{ "vm-name", cfg_prop_name },
	{ "vcpus", cfg_prop_vcpus },
	{ "memory-private", cfg_prop_private },
	{ "memory-shared", cfg_prop_shared },
	{ "kernel", cfg_prop_kernel },
	{ "kernel-module", cfg_prop_kernel_mod },
	{ "initrd", cfg_prop_initrd },
	{ "initrd-module", cfg_prop_initrd_mod },
	{ "dtb", cfg_prop_dtb },
	{ "dtb-module", cfg_prop_dtb_mod },
	{ "pci-functions", cfg_prop_pci },
	{ "tsm-policy", cfg_prop_tsm },
	{ "pci-dma", cfg_prop_pci_dma },
	{ "bootargs", cfg_prop_bootargs },
};

static int cfg_vm_prop(struct cfg_parse *c, int off)
{
	const char *prop;
	int len;
	const u8 *v = fdt_getprop_by_offset(c->fdt, off, &prop, &len);

	if (!v || !prop)
		return cfg_err(c, "?", "unreadable property");
	for (unsigned i = 0; i < ARRAY_SIZE(cfg_props); i++)
		if (!strcmp(prop, cfg_props[i].name))
			return cfg_props[i].fn(c, prop, v, len);
	return cfg_err(c, prop, "unknown property");
}

/* Cross-property checks once every property of the node is read. */
static int cfg_vm_check(struct cfg_parse *c)
{
	struct vm_config *vm = c->vm;
	u64 total;

	if (!vm->name[0])
		return cfg_err(c, "vm-name", "missing");
	if (!vm->nvcpus)
		return cfg_err(c, "vcpus", "missing");
	if (!vm->private_size)
		return cfg_err(c, "memory-private", "missing");
	if (add_overflow(vm->private_size, vm->shared_size, &total) || total > CFG_MEM_MAX)
		return cfg_err(c, "memory-shared", "private plus shared RAM larger than 64 GiB");
	if (!vm->kernel.data && !vm->kernel.module[0])
		return cfg_err(c, "kernel", "missing (kernel or kernel-module)");
	if (vm->kernel.size > vm->private_size)
		return cfg_err(c, "kernel", "larger than private RAM");
	if (vm->tsm == TSM_POLICY_REQUIRED && !vm->npci)
		return cfg_err(c, "tsm-policy", "\"required\" without pci-functions");
	if (vm->pci_dma_all && vm->tsm != TSM_POLICY_NONE)
		return cfg_err(c, "pci-dma", "\"all\" needs tsm-policy \"none\"");
	return 0;
}

static int cfg_vm_node(const void *fdt, int node, struct vm_config *vm)
{
	struct cfg_parse c = { .fdt = fdt, .vm = vm };
	int off, err;

	c.node = fdt_get_name(fdt, node, NULL);
	if (!c.node)
		return trace_err(-E_CORRUPT);
	if (strcmp(c.node, "vm") && strncmp(c.node, "vm@", 3))
		return cfg_err(&c, "(node)", "unknown node (expected vm@N)");
	if (fdt_first_subnode(fdt, node) >= 0)
		return cfg_err(&c, "(node)", "unexpected child node");
	memset(vm, 0, sizeof(*vm));
	fdt_for_each_property_offset (off, fdt, node) {
		if ((err = cfg_vm_prop(&c, off)))
			return err;
	}
	if (off != -FDT_ERR_NOTFOUND)
		return cfg_err(&c, "?", "malformed property list");
	return cfg_vm_check(&c);
}

static int cfg_check_blob(const void *blob, size_t size)
{
	int len;
	const char *compat;

	const char *why;
	int err = dt_check_blob(blob, size, &why);

	if (err) {
		pr_err("/: not a valid device tree blob: %s", why);
		return err;
	}
	compat = fdt_getprop(blob, 0, "compatible", &len);
	if (!compat || len < 1 || compat[len - 1] || strcmp(compat, CFG_COMPATIBLE)) {
		pr_err("/: compatible: must be \"" CFG_COMPATIBLE "\"");
		return trace_err(-E_INVAL);
	}
	return 0;
}

static int cfg_unique_names(const struct moat_config *cfg)
{
	for (unsigned i = 0; i < cfg->nvms; i++)
		for (unsigned j = 0; j < i; j++)
			if (!strcmp(cfg->vm[i].name, cfg->vm[j].name)) {
				pr_err("vm #%u: vm-name: \"%s\" used twice", i, cfg->vm[i].name);
				return trace_err(-E_INVAL);
			}
	return 0;
}

int config_parse(const void *blob, size_t size, struct moat_config *out)
{
	static struct moat_config tmp; /* large; parsed here, copied out only when valid */
	int node, err;

	if (!blob || (err = cfg_check_blob(blob, size)))
		return blob ? err : -E_INVAL;
	memset(&tmp, 0, sizeof(tmp));
	fdt_for_each_subnode (node, blob, 0) {
		if (tmp.nvms == CFG_MAX_VMS) {
			pr_err("/: more than %d VMs", CFG_MAX_VMS);
			return trace_err(-E_NOSPC);
		}
		if ((err = cfg_vm_node(blob, node, &tmp.vm[tmp.nvms])))
			return err;
		tmp.nvms++;
	}
	if (!tmp.nvms) {
		pr_err("/: no vm node");
		return trace_err(-E_INVAL);
	}
	if ((err = cfg_unique_names(&tmp)))
		return err;
	*out = tmp;
	return 0;
}

const char *tsm_policy_name(enum tsm_policy p)
{
	switch (p) {
	case TSM_POLICY_OPTIONAL: return "optional";
	case TSM_POLICY_REQUIRED: return "required";
	default: return "none";
	}
}
