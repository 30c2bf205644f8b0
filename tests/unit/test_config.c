// SPDX-License-Identifier: MIT
/* VM configuration parser: good configurations, and each kind of bad one refused by name. */
#include <libfdt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_util.h"

#include "vmm/config.h"

static struct moat_config cfg;
static u8 blob[8192];

/* One VM property override: name and raw bytes; NULL value means "leave it out". */
struct prop {
	const char *name;
	const void *val;
	int len;
};

static const u8 MEM16M[8] = { 0, 0, 0, 0, 0x01, 0, 0, 0 };
static const u8 MEM2M[8] = { 0, 0, 0, 0, 0x00, 0x20, 0, 0 };
static const u8 ONE[4] = { 0, 0, 0, 1 };
static const u8 TWO[4] = { 0, 0, 0, 2 };
static const u8 KERNEL[16] = { 0x1f, 0x20, 0x03, 0xd5 };

static const struct prop base_vm[] = {
	{ "vm-name", "guest0", 7 },	      { "vcpus", TWO, 4 },
	{ "memory-private", MEM16M, 8 },      { "memory-shared", MEM2M, 8 },
	{ "kernel", KERNEL, sizeof(KERNEL) },
};

static const struct prop *find(const struct prop *ov, unsigned n, const char *name)
{
	for (unsigned i = 0; i < n; i++)
		if (!strcmp(ov[i].name, name))
			return &ov[i];
	return NULL;
}

/* Builds "/ { compatible; vm@0 { base props with overrides, extra props }; }" into blob. */
static void build(const char *compat, unsigned nvms, const struct prop *ov, unsigned nov)
{
	assert_int_equal(fdt_create(blob, sizeof(blob)), 0);
	assert_int_equal(fdt_finish_reservemap(blob), 0);
	assert_int_equal(fdt_begin_node(blob, ""), 0);
	if (compat)
		assert_int_equal(fdt_property_string(blob, "compatible", compat), 0);
	for (unsigned v = 0; v < nvms; v++) {
		char node[16], name[16];
		struct prop named = { "vm-name", name, 0 };

		snprintf(node, sizeof(node), "vm@%u", v);
		snprintf(name, sizeof(name), "guest%u", v);
		assert_int_equal(fdt_begin_node(blob, node), 0);
		for (unsigned i = 0; i < sizeof(base_vm) / sizeof(base_vm[0]); i++) {
			const struct prop *p = find(ov, nov, base_vm[i].name);
			if (!p && !strcmp(base_vm[i].name, "vm-name") && v) {
				named.len = (int)strlen(name) + 1;
				p = &named;
			}
			p = p ? p : &base_vm[i];
			if (p->val)
				assert_int_equal(fdt_property(blob, p->name, p->val, p->len), 0);
		}
		for (unsigned i = 0; i < nov; i++)
			if (!find(base_vm, 5, ov[i].name) && ov[i].val)
				assert_int_equal(
					fdt_property(blob, ov[i].name, ov[i].val, ov[i].len), 0);
		assert_int_equal(fdt_end_node(blob), 0);
	}
	assert_int_equal(fdt_end_node(blob), 0);
	assert_int_equal(fdt_finish(blob), 0);
}

static int setup(void **state)
{
	(void)state;
	test_log_capture();
	test_log_reset();
	memset(&cfg, 0xa5, sizeof(cfg));
	return 0;
}

static void assert_untouched(void)
{
	static struct moat_config poison;

	memset(&poison, 0xa5, sizeof(poison));
	assert_memory_equal(&cfg, &poison, sizeof(cfg));
}

/* The configuration must be refused, name the node and property, and leave cfg alone. */
static void refused(const struct prop *ov, unsigned n, const char *msg)
{
	build("moat,config-v1", 1, ov, n);
	assert_int_not_equal(config_parse(blob, sizeof(blob), &cfg), 0);
	if (!test_log_has(msg))
		fail_msg("log lacks \"%s\":\n%s", msg, test_log_text());
	assert_untouched();
}

static void parses_one_vm(void **state)
{
	build("moat,config-v1", 1, NULL, 0);
	assert_int_equal(config_parse(blob, sizeof(blob), &cfg), 0);
	assert_int_equal(cfg.nvms, 1);
	assert_string_equal(cfg.vm[0].name, "guest0");
	assert_int_equal(cfg.vm[0].nvcpus, 2);
	assert_int_equal(cfg.vm[0].private_size, 16 << 20);
	assert_int_equal(cfg.vm[0].shared_size, 2 << 20);
	assert_int_equal(cfg.vm[0].kernel.size, sizeof(KERNEL));
	assert_memory_equal(cfg.vm[0].kernel.data, KERNEL, sizeof(KERNEL));
	assert_int_equal(cfg.vm[0].tsm, TSM_POLICY_NONE);
	assert_int_equal(cfg.vm[0].npci, 0);
	assert_false(cfg.vm[0].pci_dma_all);
}

/* pci-dma = "all" (plain functions reach all guest RAM) only where no TDISP is used. */
static void parses_pci_dma(void **state)
{
	(void)state;
	build("moat,config-v1", 1, (struct prop[]){ { "pci-dma", "all", 4 } }, 1);
	assert_int_equal(config_parse(blob, sizeof(blob), &cfg), 0);
	assert_true(cfg.vm[0].pci_dma_all);
	build("moat,config-v1", 1, (struct prop[]){ { "pci-dma", "shared", 7 } }, 1);
	assert_int_equal(config_parse(blob, sizeof(blob), &cfg), 0);
	assert_false(cfg.vm[0].pci_dma_all);
	memset(&cfg, 0xa5, sizeof(cfg));
	refused((struct prop[]){ { "pci-dma", "private", 8 } }, 1, "vm@0: pci-dma: must be");
	memset(&cfg, 0xa5, sizeof(cfg));
	refused((struct prop[]){ { "pci-dma", "all", 4 }, { "tsm-policy", "optional", 9 } }, 2,
		"vm@0: pci-dma: \"all\" needs tsm-policy \"none\"");
}

static void parses_modules_pci_and_policy(void **state)
{
	const u8 pci[16] = { 0, 0, 0, 0, 0, 0, 0x08, 0, 0, 0, 0, 1, 0, 0, 0x01, 0x02 };
	const struct prop ov[] = {
		{ "kernel", NULL, 0 },
		{ "kernel-module", "linux.bin", 10 },
		{ "initrd-module", "rootfs.cpio", 12 },
		{ "dtb", "\xd0\x0d", 2 },
		{ "pci-functions", pci, 16 },
		{ "tsm-policy", "required", 9 },
		{ "bootargs", "console=ttyAMA0 quiet", 22 },
	};

	build("moat,config-v1", 1, ov, 7);
	assert_int_equal(config_parse(blob, sizeof(blob), &cfg), 0);
	assert_null(cfg.vm[0].kernel.data);
	assert_string_equal(cfg.vm[0].kernel.module, "linux.bin");
	assert_string_equal(cfg.vm[0].initrd.module, "rootfs.cpio");
	assert_int_equal(cfg.vm[0].dtb.size, 2);
	assert_int_equal(cfg.vm[0].npci, 2);
	assert_int_equal(cfg.vm[0].pci[0].bdf, 0x0800);
	assert_int_equal(cfg.vm[0].pci[1].segment, 1);
	assert_int_equal(cfg.vm[0].pci[1].bdf, 0x0102);
	assert_int_equal(cfg.vm[0].tsm, TSM_POLICY_REQUIRED);
	assert_string_equal(tsm_policy_name(cfg.vm[0].tsm), "required");
	assert_string_equal(cfg.vm[0].bootargs, "console=ttyAMA0 quiet");
}

static void parses_four_vms_with_distinct_names(void **state)
{
	build("moat,config-v1", 4, NULL, 0);
	assert_int_equal(config_parse(blob, sizeof(blob), &cfg), 0);
	assert_int_equal(cfg.nvms, 4);
	assert_string_equal(cfg.vm[3].name, "guest3");
}

static void refuses_five_vms(void **state)
{
	build("moat,config-v1", 5, NULL, 0);
	assert_int_not_equal(config_parse(blob, sizeof(blob), &cfg), 0);
	assert_true(test_log_has("more than 4 VMs"));
	assert_untouched();
}

static void refuses_duplicate_names(void **state)
{
	const struct prop ov[] = { { "vm-name", "same", 5 } };

	build("moat,config-v1", 2, ov, 1);
	assert_int_not_equal(config_parse(blob, sizeof(blob), &cfg), 0);
	assert_true(test_log_has("vm-name: \"same\" used twice"));
	assert_untouched();
}

static void refuses_wrong_compatible(void **state)
{
	build("moat,config-v0", 1, NULL, 0);
	assert_int_not_equal(config_parse(blob, sizeof(blob), &cfg), 0);
	assert_true(test_log_has("/: compatible"));
	build(NULL, 1, NULL, 0);
	assert_int_not_equal(config_parse(blob, sizeof(blob), &cfg), 0);
	assert_untouched();
}

static void refuses_corrupt_and_truncated_blobs(void **state)
{
	build("moat,config-v1", 1, NULL, 0);
	assert_int_not_equal(config_parse(blob, fdt_totalsize(blob) - 1, &cfg), 0);
	assert_int_not_equal(config_parse(blob, 8, &cfg), 0);
	assert_int_not_equal(config_parse(NULL, 100, &cfg), 0);
	blob[fdt_off_dt_struct(blob) + 8] ^= 0xff;
	assert_int_not_equal(config_parse(blob, sizeof(blob), &cfg), 0);
	assert_true(test_log_has("not a valid device tree"));
	assert_untouched();
}

static void refuses_missing_properties(void **state)
{
	refused((struct prop[]){ { "vm-name", NULL, 0 } }, 1, "vm@0: vm-name: missing");
	refused((struct prop[]){ { "vcpus", NULL, 0 } }, 1, "vm@0: vcpus: missing");
	refused((struct prop[]){ { "memory-private", NULL, 0 } }, 1,
		"vm@0: memory-private: missing");
	refused((struct prop[]){ { "kernel", NULL, 0 } }, 1, "vm@0: kernel: missing");
}

static void refuses_bad_values(void **state)
{
	const u8 zero[4] = { 0 }, nine[4] = { 0, 0, 0, 9 };
	const u8 odd[8] = { 0, 0, 0, 0, 0, 0x10, 0, 0 }, huge[8] = { 0, 0, 0, 0x20, 0, 0, 0, 0 };
	const u8 zero64[8] = { 0 }, small[8] = { 0, 0, 0, 0, 0, 0x20, 0, 0 };
	(void)small;

	refused((struct prop[]){ { "vcpus", zero, 4 } }, 1, "vm@0: vcpus: must be 1 to 8");
	refused((struct prop[]){ { "vcpus", nine, 4 } }, 1, "vm@0: vcpus: must be 1 to 8");
	refused((struct prop[]){ { "vcpus", ONE, 2 } }, 1, "vm@0: vcpus: must be one cell");
	refused((struct prop[]){ { "memory-private", odd, 8 } }, 1,
		"vm@0: memory-private: not a multiple of 2 MiB");
	refused((struct prop[]){ { "memory-private", huge, 8 } }, 1,
		"vm@0: memory-private: larger than 64 GiB");
	refused((struct prop[]){ { "memory-private", zero64, 8 } }, 1,
		"vm@0: memory-private: must not be zero");
	refused((struct prop[]){ { "memory-private", ONE, 4 } }, 1,
		"vm@0: memory-private: must be one 64-bit value");
	refused((struct prop[]){ { "memory-shared", odd, 8 } }, 1,
		"vm@0: memory-shared: not a multiple of 2 MiB");
	refused((struct prop[]){ { "vm-name", "bad name", 9 } }, 1, "vm@0: vm-name: must be 1-31");
	refused((struct prop[]){ { "vm-name", "noterm", 6 } }, 1, "vm@0: vm-name: must be 1-31");
	refused((struct prop[]){ { "vm-name", "", 1 } }, 1, "vm@0: vm-name: must be 1-31");
	refused((struct prop[]){ { "vm-name", "0123456789012345678901234567890123", 35 } }, 1,
		"vm@0: vm-name: must be 1-31");
	refused((struct prop[]){ { "tsm-policy", "always", 7 } }, 1, "vm@0: tsm-policy: must be");
	refused((struct prop[]){ { "tsm-policy", "required", 9 } }, 1,
		"vm@0: tsm-policy: \"required\" without pci-functions");
	refused((struct prop[]){ { "kernel", "", 0 } }, 1, "vm@0: kernel: empty image");
	refused((struct prop[]){ { "bootargs", "a\nb", 4 } }, 1,
		"vm@0: bootargs: must be printable");
	refused((struct prop[]){ { "bootargs", "abc", 3 } }, 1, "vm@0: bootargs: must be a string");
	refused((struct prop[]){ { "kernel-module", "x.bin", 6 } }, 1,
		"vm@0: kernel-module: image given twice");
}

static void refuses_bad_pci_functions(void **state)
{
	const u8 dup[16] = { 0, 0, 0, 0, 0, 0, 0x08, 0, 0, 0, 0, 0, 0, 0, 0x08, 0 };
	const u8 big[8] = { 0, 1, 0, 0, 0, 0, 0, 0 };
	u8 many[72] = { 0 };

	for (int i = 0; i < 9; i++)
		many[8 * i + 7] = (u8)i;
	refused((struct prop[]){ { "pci-functions", dup, 12 } }, 1,
		"vm@0: pci-functions: must be <segment bdf> pairs");
	refused((struct prop[]){ { "pci-functions", dup, 16 } }, 1,
		"vm@0: pci-functions: function listed twice");
	refused((struct prop[]){ { "pci-functions", big, 8 } }, 1,
		"vm@0: pci-functions: segment or bdf out of range");
	refused((struct prop[]){ { "pci-functions", many, 72 } }, 1,
		"vm@0: pci-functions: more than 8");
}

static void refuses_unknown_property_and_node(void **state)
{
	refused((struct prop[]){ { "memory-privat", MEM2M, 8 } }, 1,
		"vm@0: memory-privat: unknown property");

	assert_int_equal(fdt_create(blob, sizeof(blob)), 0);
	assert_int_equal(fdt_finish_reservemap(blob), 0);
	assert_int_equal(fdt_begin_node(blob, ""), 0);
	assert_int_equal(fdt_property_string(blob, "compatible", "moat,config-v1"), 0);
	assert_int_equal(fdt_begin_node(blob, "virtual-machine"), 0);
	assert_int_equal(fdt_end_node(blob), 0);
	assert_int_equal(fdt_end_node(blob), 0);
	assert_int_equal(fdt_finish(blob), 0);
	assert_int_not_equal(config_parse(blob, sizeof(blob), &cfg), 0);
	assert_true(test_log_has("virtual-machine: (node): unknown node"));
	assert_untouched();
}

static void refuses_empty_configuration(void **state)
{
	build("moat,config-v1", 0, NULL, 0);
	assert_int_not_equal(config_parse(blob, sizeof(blob), &cfg), 0);
	assert_true(test_log_has("/: no vm node"));
	assert_untouched();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(parses_one_vm, setup),
		cmocka_unit_test_setup(parses_pci_dma, setup),
		cmocka_unit_test_setup(parses_modules_pci_and_policy, setup),
		cmocka_unit_test_setup(parses_four_vms_with_distinct_names, setup),
		cmocka_unit_test_setup(refuses_five_vms, setup),
		cmocka_unit_test_setup(refuses_duplicate_names, setup),
		cmocka_unit_test_setup(refuses_wrong_compatible, setup),
		cmocka_unit_test_setup(refuses_corrupt_and_truncated_blobs, setup),
		cmocka_unit_test_setup(refuses_missing_properties, setup),
		cmocka_unit_test_setup(refuses_bad_values, setup),
		cmocka_unit_test_setup(refuses_bad_pci_functions, setup),
		cmocka_unit_test_setup(refuses_unknown_property_and_node, setup),
		cmocka_unit_test_setup(refuses_empty_configuration, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
