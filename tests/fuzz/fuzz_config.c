// SPDX-License-Identifier: MIT
/* libFuzzer harness: the VM configuration parser over arbitrary blobs. */
#include <stdint.h>
#include <string.h>

#include "vmm/config.h"
#include "core/log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void sink(const char *s, size_t len)
{
	(void)s;
	(void)len;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct moat_config cfg;
	static uint8_t buf[65536] __attribute__((aligned(8)));

	log_set_sink(sink);
	if (size > sizeof(buf))
		return 0;
	memcpy(buf, data, size); /* libfdt wants an 8-byte aligned blob */
	if (config_parse(buf, size, &cfg))
		return 0;
	/* A valid result must respect every documented bound. */
	if (!cfg.nvms || cfg.nvms > CFG_MAX_VMS)
		__builtin_trap();
	for (unsigned i = 0; i < cfg.nvms; i++) {
		const struct vm_config *v = &cfg.vm[i];
		if (!v->nvcpus || v->nvcpus > CFG_MAX_VCPUS || !v->private_size ||
		    v->private_size + v->shared_size > CFG_MEM_MAX || !v->name[0] ||
		    strnlen(v->name, CFG_NAME_MAX) == CFG_NAME_MAX || v->npci > CFG_MAX_PCI)
			__builtin_trap();
		if (v->kernel.data &&
		    (v->kernel.data < buf || v->kernel.data + v->kernel.size > buf + size))
			__builtin_trap();
	}
	return 0;
}
