// SPDX-License-Identifier: MIT
/* Device-tree platform discovery: good trees, and malformed ones that must fail cleanly. */
#include <libfdt.h>
#include <stdlib.h>
#include <string.h>

#include "test_util.h"

#include "core/platform.h"
#include "lib/err.h"
#include "lib/bits.h"

static struct platform plat;

static int setup(void **state)
{
	(void)state;
	test_log_capture();
	memset(&plat, 0xa5, sizeof(plat));
	return 0;
}

static void assert_platform_untouched(void)
{
	struct platform poison;

	memset(&poison, 0xa5, sizeof(poison));
	assert_memory_equal(&plat, &poison, sizeof(plat));
}

static void discovers_virt_machine(void **state)
{
	size_t n;
	void *dtb = test_load_dtb("virt2", &n);
	char line[160];

	assert_int_equal(platform_from_dt(dtb, n, &plat), 0);
	assert_int_equal(plat.ncpus, 2);
	assert_int_equal(plat.cpu_id[1], 1);
	assert_int_equal(plat.nmem, 1);
	assert_int_equal(plat.mem[0].base.v, 0x40000000);
	assert_int_equal(plat.mem[0].size, 512ULL << 20);
	assert_int_equal(plat.nrsv, 1);
	assert_int_equal(plat.rsv[0].base.v, 0x40000000);
	assert_int_equal(plat.necam, 1);
	assert_int_equal(plat.ecam[0].base.v, 0x4010000000ULL);
	assert_int_equal(plat.ecam[0].bus_end, 255);
	assert_int_equal(plat.niommu, 1);
	assert_int_equal(plat.iommu[0].kind, IOMMU_KIND_SMMUV3);
	assert_int_equal(plat.iommu[0].base.v, 0x9050000);
	assert_int_equal(plat.iommu[0].phandle, 0x8004);
	assert_int_equal(plat.iommu[0].irq[PLAT_IOMMU_IRQ_EVTQ].intid, 0); /* none described */
	assert_int_equal(plat.gic_version, 3);
	assert_int_equal(plat.gicd.v, 0x8000000);
	assert_int_equal(plat.gicr.v, 0x80a0000);
	assert_int_equal(plat.gic_its.v, 0x8080000); /* the arm,gic-v3-its child of the GIC */
	assert_int_equal(plat.uart, UART_PL011);
	assert_int_equal(plat.uart_base.v, 0x9000000);
	assert_int_equal(plat.psci, PSCI_SMC);
	assert_string_equal(plat.bootargs, "console=ttyAMA0 moat.selftest=none");
	assert_true(platform_summary(&plat, line, sizeof(line)) > 0);
	assert_string_equal(line,
			    "cpus=2 ram=512MiB ecam=0x4010000000 iommu=smmuv3@0x9050000 gic=v3");
	assert_string_equal(test_log_text(), "");
	free(dtb);
	(void)state;
}

/* SMMUv3 interrupts: parsed when well-formed; anything hostile leaves the SMMU polled. */
static void smmu_interrupts_are_parsed_or_refused(void **state)
{
	size_t n;
	void *dtb = test_load_dtb("smmu_irqs", &n);
	const struct plat_irq *q;

	assert_int_equal(platform_from_dt(dtb, n, &plat), 0);
	assert_int_equal(plat.niommu, 8);
	q = plat.iommu[0].irq;
	assert_int_equal(q[PLAT_IOMMU_IRQ_EVTQ].intid, 106);
	assert_int_equal(q[PLAT_IOMMU_IRQ_PRIQ].intid, 107);
	assert_int_equal(q[PLAT_IOMMU_IRQ_CMDQ_SYNC].intid, 108);
	assert_int_equal(q[PLAT_IOMMU_IRQ_GERROR].intid, 109);
	assert_true(q[PLAT_IOMMU_IRQ_EVTQ].edge && q[PLAT_IOMMU_IRQ_GERROR].edge);
	q = plat.iommu[1].irq;
	assert_int_equal(q[PLAT_IOMMU_IRQ_EVTQ].intid, 131);
	assert_int_equal(q[PLAT_IOMMU_IRQ_GERROR].intid, 132);
	assert_int_equal(q[PLAT_IOMMU_IRQ_PRIQ].intid, 0);
	assert_false(q[PLAT_IOMMU_IRQ_EVTQ].edge);
	for (unsigned i = 2; i < 8; i++)
		for (unsigned k = 0; k < PLAT_IOMMU_NIRQ; k++)
			assert_int_equal(plat.iommu[i].irq[k].intid, 0);
	assert_true(test_log_has("smmu smmu@1200000: interrupts not usable (corrupt"));
	assert_true(test_log_has("smmu smmu@1300000: interrupts not usable"));
	assert_true(test_log_has("smmu smmu@1500000: interrupts not usable"));
	assert_true(test_log_has("smmu smmu@1600000: interrupts not usable"));
	assert_true(test_log_has("smmu smmu@1700000: interrupts not usable"));
	assert_false(test_log_has("error"));
	free(dtb);
	(void)state;
}

static void translates_ranges_and_skips_disabled_nodes(void **state)
{
	size_t n;
	void *dtb = test_load_dtb("virt4_nested", &n);

	assert_int_equal(platform_from_dt(dtb, n, &plat), 0);
	assert_int_equal(plat.ncpus, 4);
	assert_int_equal(plat.cpu_id[2], 0x100);
	assert_int_equal(plat.nmem, 3);
	assert_int_equal(platform_ram_bytes(&plat), 1024ULL << 20);
	assert_int_equal(plat.nrsv, 1);
	assert_int_equal(plat.rsv[0].base.v, 0x5f000000);
	assert_int_equal(plat.uart_base.v, 0x20001000);
	assert_int_equal(plat.gic_version, 2);
	assert_int_equal(plat.gicd.v, 0x20100000);
	assert_int_equal(plat.niommu, 1);
	assert_int_equal(plat.iommu[0].base.v, 0x20400000);
	assert_int_equal(plat.ecam[0].base.v, 0x28000000);
	assert_int_equal(plat.ecam[0].bus_end, 15);
	assert_int_equal(plat.psci, PSCI_NONE);
	free(dtb);
	(void)state;
}

/* virt2 with `compatible` of the node at `path` set to `len` bytes of `list`. */
static void *virt2_with_compatible(const char *path, const char *list, int len, size_t *n)
{
	size_t sz;
	void *orig = test_load_dtb("virt2", &sz), *dtb = malloc(sz + 4096);

	assert_int_equal(fdt_open_into(orig, dtb, (int)sz + 4096), 0);
	assert_int_equal(fdt_setprop(dtb, fdt_path_offset(dtb, path), "compatible", list, len), 0);
	assert_int_equal(fdt_pack(dtb), 0);
	free(orig);
	*n = fdt_totalsize(dtb);
	return dtb;
}

/*
 * Each node is the first device of discovery's table its compatible list names (the GIC
 * before the ITS, as the chain of checks had it), whatever the list's order; only strings
 * whose NUL is inside the property count.
 */
static void a_node_is_the_first_device_its_compatible_list_names(void **state)
{
	static const char its_and_gic[] = "arm,gic-v3-its\0arm,gic-v3";
	static const char other_then_psci[] = "vendor,psci\0arm,psci";
	size_t n;
	void *dtb = virt2_with_compatible("/intc@8000000/its@8080000", its_and_gic,
					  sizeof(its_and_gic), &n);

	(void)state;
	assert_int_equal(platform_from_dt(dtb, n, &plat), 0);
	assert_int_equal(plat.gic_version, 3);
	assert_int_equal(plat.gicd.v, 0x8000000); /* the first GIC stays */
	assert_int_equal(plat.gic_its.v, 0);	  /* read as a second GIC, not as the ITS */
	free(dtb);
	dtb = virt2_with_compatible("/psci", other_then_psci, sizeof(other_then_psci), &n);
	assert_int_equal(platform_from_dt(dtb, n, &plat), 0);
	assert_int_equal(plat.psci, PSCI_SMC);
	free(dtb);
	/* "arm,psci" without its NUL: not a string of the list. */
	dtb = virt2_with_compatible("/psci", other_then_psci, sizeof(other_then_psci) - 1, &n);
	assert_int_equal(platform_from_dt(dtb, n, &plat), 0);
	assert_int_equal(plat.psci, PSCI_NONE);
	free(dtb);
}

static void rejects_tree(const char *name, const char *msg)
{
	size_t n;
	void *dtb = test_load_dtb(name, &n);

	test_log_reset();
	assert_true(platform_from_dt(dtb, n, &plat) < 0);
	assert_platform_untouched();
	if (!test_log_has(msg))
		fail_msg("%s: log lacks \"%s\": %s", name, msg, test_log_text());
	free(dtb);
}

static void rejects_malformed_trees(void **state)
{
	rejects_tree("bad_nocpus", "no /cpus node");
	rejects_tree("bad_memory_noreg", "memory node memory@40000000: bad or missing reg");
	rejects_tree("bad_reg_length", "memory node memory@40000000: bad or missing reg");
	rejects_tree("bad_bus_range", "bad bus-range");
	rejects_tree("bad_reg_overflow", "device tree rejected: arithmetic overflow");
	rejects_tree("bad_cells", "memory node memory@40000000: bad or missing reg");
	rejects_tree("bad_unmapped_bus", "smmu smmu@0: bad reg");
	(void)state;
}

static void rejects_truncated_blob(void **state)
{
	size_t n;
	void *dtb = test_load_dtb("virt2", &n);

	assert_true(platform_from_dt(dtb, n - 1, &plat) < 0);
	assert_true(platform_from_dt(dtb, 16, &plat) < 0);
	assert_true(platform_from_dt(NULL, n, &plat) < 0);
	assert_platform_untouched();
	assert_true(test_log_has("device tree rejected: header invalid"));
	free(dtb);
	(void)state;
}

static void rejects_bad_offsets(void **state)
{
	size_t n;
	struct fdt_header *h;
	void *dtb = test_load_dtb("virt2", &n);
	void *copy = malloc(n);

	h = copy;
	/* Structure block past the end of the blob. */
	memcpy(copy, dtb, n);
	h->off_dt_struct = cpu_to_fdt32(fdt_totalsize(dtb) + 64);
	assert_true(platform_from_dt(copy, n, &plat) < 0);
	/* Strings block overlapping the header. */
	memcpy(copy, dtb, n);
	h->off_dt_strings = cpu_to_fdt32(4);
	assert_true(platform_from_dt(copy, n, &plat) < 0);
	/* Strings size running past the end. */
	memcpy(copy, dtb, n);
	h->size_dt_strings = cpu_to_fdt32(0x7fffffff);
	assert_true(platform_from_dt(copy, n, &plat) < 0);
	/* Pre-17 layouts are refused (libfdt 1.6.1's fdt_check_full() crashes on some of them:
	 * found by fuzz_dt). */
	memcpy(copy, dtb, n);
	h->version = cpu_to_fdt32(13);
	h->last_comp_version = cpu_to_fdt32(0);
	test_log_reset();
	assert_true(platform_from_dt(copy, n, &plat) < 0);
	assert_true(test_log_has("device tree rejected: version older than 17"));
	/* Total size larger than what is mapped. */
	memcpy(copy, dtb, n);
	h->totalsize = cpu_to_fdt32((uint32_t)n + 4096);
	assert_true(platform_from_dt(copy, n, &plat) < 0);
	/* A property length of 2^32 - 12 (the root's first property: after the BEGIN_NODE token
	 * and its empty name): libfdt 1.6.1 walks backwards for ever (found by fuzz_dt). */
	memcpy(copy, dtb, n);
	assert_int_equal(get_be32((u8 *)copy + fdt_off_dt_struct(dtb) + 8), 3 /* FDT_PROP */);
	put_be32((u8 *)copy + fdt_off_dt_struct(dtb) + 12, 0xfffffff4);
	test_log_reset();
	assert_true(platform_from_dt(copy, n, &plat) < 0);
	assert_true(test_log_has("structure block malformed"));
	assert_platform_untouched();
	free(copy);
	free(dtb);
	(void)state;
}

/* Flipping bytes anywhere must never crash: the tree is either accepted or rejected. */
static void survives_random_corruption(void **state)
{
	size_t n;
	void *dtb = test_load_dtb("virt2", &n);
	unsigned char *copy = malloc(n);
	uint64_t seed = 0x1234567;
	int rejected = 0;

	for (int i = 0; i < 4000; i++) {
		memcpy(copy, dtb, n);
		for (int k = 0; k < 1 + i % 4; k++)
			copy[test_rand(&seed) % n] ^= (unsigned char)(1 + test_rand(&seed) % 255);
		struct platform p;
		if (platform_from_dt(copy, n, &p) < 0)
			rejected++;
		else
			assert_true(p.ncpus >= 1 && p.ncpus <= PLAT_MAX_CPUS &&
				    p.nmem <= PLAT_MAX_MEM);
	}
	assert_true(rejected > 0);
	free(copy);
	free(dtb);
	(void)state;
}

static void finds_boot_arguments(void **state)
{
	struct platform p;
	char v[16];

	memset(&p, 0, sizeof(p));
	strcpy(p.bootargs,
	       "console=ttyAMA0  moat.selftest=fault moat.quiet moat.long=0123456789abcdefXYZ");
	assert_true(platform_bootarg(&p, "moat.selftest", v, sizeof(v)));
	assert_string_equal(v, "fault");
	assert_true(platform_bootarg(&p, "moat.quiet", v, sizeof(v)));
	assert_string_equal(v, "");
	assert_true(platform_bootarg(&p, "moat.long", v, sizeof(v)));
	assert_string_equal(v, "0123456789abcde");
	assert_false(platform_bootarg(&p, "moat", v, sizeof(v)));
	assert_false(platform_bootarg(&p, "moat.self", v, sizeof(v)));
	assert_false(platform_bootarg(&p, "ttyAMA0", v, sizeof(v)));
	(void)state;
}

static bool has_ram(u64 base, u64 size)
{
	for (unsigned i = 0; i < plat.nmem; i++)
		if (plat.mem[i].base.v == base && plat.mem[i].size == size)
			return true;
	return false;
}

/*
 * Issue 13 item 6: memory nodes over the GIC, the UART, the SMMU, the ECAM and the PCI
 * window. Before, all of it was RAM for the frame allocator (VM RAM, IOMMU tables).
 */
static void ram_over_device_registers_is_punched_out(void **state)
{
	size_t n;
	void *dtb = test_load_dtb("mem_over_devices", &n);

	(void)state;
	test_log_capture();
	assert_int_equal(platform_from_dt(dtb, n, &plat), 0);
	assert_int_equal(plat.nmem, 4);
	assert_true(has_ram(0x8010000, 0x90000));   /* GICD below, GICR above */
	assert_true(has_ram(0x9001000, 0x4f000));   /* UART below, SMMU above */
	assert_true(has_ram(0x9070000, 0x6f90000)); /* SMMU below, the PCI window above */
	assert_true(has_ram(0x40000000, 0x20000000));
	assert_int_equal(platform_ram_bytes(&plat), 0x90000 + 0x4f000 + 0x6f90000 + 0x20000000);
	assert_true(test_log_has("RAM 0x8000000+0x8800000 overlaps smmuv3 0x9050000-0x906ffff: "
				 "punched out of RAM"));
	assert_true(test_log_has("overlaps GIC distributor 0x8000000-0x800ffff"));
	assert_true(test_log_has("RAM 0x4010000000+0x100000 overlaps ECAM"));
	assert_true(test_log_has("overlaps PCI 32-bit window 0x10000000-0x3efeffff"));
	free(dtb);
}

/* The same check on a description from ACPI and the memory map (x86: VT-d, ECAM, UART). */
static void acpi_memory_map_over_device_registers_is_punched_out(void **state)
{
	(void)state;
	test_log_capture();
	memset(&plat, 0, sizeof(plat));
	plat.nmem = 2;
	plat.mem[0] = (struct pa_range){ pa(0), 0xc0000000 };
	plat.mem[1] = (struct pa_range){ pa(0xfed00000), 0x100000 };
	plat.necam = 1;
	plat.ecam[0] = (struct plat_ecam){ .base = pa(0xb0000000), .size = 0x10000000 };
	plat.niommu = 1;
	plat.iommu[0] = (struct plat_iommu){ .kind = IOMMU_KIND_VTD,
					     .base = pa(0xfed90000),
					     .size = 0x1000 };
	assert_int_equal(platform_mem_check(&plat), 0);
	assert_int_equal(plat.nmem, 3);
	assert_true(has_ram(0, 0xb0000000));
	assert_true(has_ram(0xfed00000, 0x90000));
	assert_true(has_ram(0xfed91000, 0x6f000));
	assert_true(test_log_has("overlaps vtd 0xfed90000-0xfed90fff"));
	/* With every RAM slot in use a split cannot be recorded: the description is refused. */
	plat.nmem = PLAT_MAX_MEM;
	for (unsigned i = 0; i < PLAT_MAX_MEM; i++)
		plat.mem[i] = (struct pa_range){ pa(0x100000000ull * (i + 1)), 0x1000000 };
	plat.mem[3] = (struct pa_range){ pa(0xfed80000), 0x100000 };
	assert_int_equal(platform_mem_check(&plat), -E_NOSPC);
}

static void summary_has_one_form(void **state)
{
	struct platform p;
	char line[160];

	memset(&p, 0, sizeof(p));
	p.ncpus = 4;
	p.nmem = 2;
	p.mem[0].size = 1ULL << 30;
	p.mem[1].size = 512ULL << 20;
	assert_true(platform_summary(&p, line, sizeof(line)) > 0);
	assert_string_equal(line, "cpus=4 ram=1536MiB ecam=none iommu=none");
	p.necam = 1;
	p.ecam[0].base = pa(0xb0000000);
	p.niommu = 1;
	p.iommu[0].kind = IOMMU_KIND_VTD;
	p.iommu[0].base = pa(0xfed90000);
	assert_true(platform_summary(&p, line, sizeof(line)) > 0);
	assert_string_equal(line, "cpus=4 ram=1536MiB ecam=0xb0000000 iommu=vtd@0xfed90000");
	assert_true(platform_summary(&p, line, 20) < 0);
	(void)state;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(discovers_virt_machine, setup),
		cmocka_unit_test_setup(smmu_interrupts_are_parsed_or_refused, setup),
		cmocka_unit_test_setup(translates_ranges_and_skips_disabled_nodes, setup),
		cmocka_unit_test_setup(a_node_is_the_first_device_its_compatible_list_names, setup),
		cmocka_unit_test_setup(rejects_malformed_trees, setup),
		cmocka_unit_test_setup(rejects_truncated_blob, setup),
		cmocka_unit_test_setup(rejects_bad_offsets, setup),
		cmocka_unit_test_setup(survives_random_corruption, setup),
		cmocka_unit_test_setup(finds_boot_arguments, setup),
		cmocka_unit_test_setup(ram_over_device_registers_is_punched_out, setup),
		cmocka_unit_test_setup(acpi_memory_map_over_device_registers_is_punched_out, setup),
		cmocka_unit_test_setup(summary_has_one_form, setup),
	};
	return cmocka_run_group_tests_name("dt", tests, NULL, NULL);
}
