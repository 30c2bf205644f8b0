/* SPDX-License-Identifier: MIT */
/*
 * VM configuration: a device tree (the same format on every boot path; docs/guest-abi.md
 * "Configuration"). The blob is untrusted input: it is checked whole, every property length
 * is checked, and a bad configuration is refused with a message naming the node and property.
 *
 *   / { compatible = "moat,config-v1";
 *       vm@0 { vm-name = "guest0"; vcpus = <2>;
 *              memory-private = <0x0 0x1000000>;      (bytes, 64-bit, 2 MiB multiple)
 *              memory-shared = <0x0 0x200000>;        (optional, 2 MiB multiple)
 *              kernel = /incbin/("guest.bin");        (inline image) or
 *              kernel-module = "guest.bin";           (a boot module / ESP file by name)
 *              initrd | initrd-module, dtb | dtb-module  (optional, same two forms)
 *              pci-functions = <seg bdf> ...;         (optional: assigned functions)
 *              tsm-policy = "none" | "optional" | "required";
 *              bootargs = "console=ttyAMA0"; }; };    (optional, for a generated DTB)
 */
#ifndef VMM_CONFIG_H
#define VMM_CONFIG_H

#include "lib/compiler.h"
#include "lib/types.h"

#define CFG_MAX_VMS 4
#define CFG_MAX_VCPUS 8
#define CFG_MAX_PCI 8
#define CFG_NAME_MAX 32
#define CFG_BOOTARGS_MAX 256
#define CFG_MEM_ALIGN (2ULL << 20)
/* Private plus shared RAM per VM: a bound so that GPA arithmetic never nears overflow. */
#define CFG_MEM_MAX (64ULL << 30)

enum tsm_policy {
	TSM_POLICY_NONE,
	TSM_POLICY_OPTIONAL,
	TSM_POLICY_REQUIRED
};

/* An image: bytes inside the configuration blob, or the name of a boot module. */
struct cfg_image {
	const u8 *data; /* inline image, NULL if none */
	u64 size;
	char module[CFG_NAME_MAX]; /* module name, "" if none */
};

struct cfg_pci_fn {
	u16 segment;
	u16 bdf; /* bus << 8 | device << 3 | function */
};

struct vm_config {
	char name[CFG_NAME_MAX];
	u64 private_size, shared_size;
	unsigned nvcpus;
	struct cfg_image kernel, initrd, dtb;
	unsigned npci;
	struct cfg_pci_fn pci[CFG_MAX_PCI];
	enum tsm_policy tsm;
	bool pci_dma_all; /* pci-dma = "all": plain functions reach all guest RAM, not only shared */
	char bootargs[CFG_BOOTARGS_MAX]; /* for the generated guest DTB's /chosen */
};

struct moat_config {
	unsigned nvms;
	struct vm_config vm[CFG_MAX_VMS];
};

/*
 * Parses and checks a configuration blob of at most `size` bytes. On success fills `out`
 * (whose inline images point into `blob`); on error logs "config: <node>: <property>: <why>"
 * and leaves `out` unchanged.
 */
int config_parse(const void *blob, size_t size, struct moat_config *out) __must_check;

const char *tsm_policy_name(enum tsm_policy p);

#endif
