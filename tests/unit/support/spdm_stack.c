// SPDX-License-Identifier: MIT
/* The unit tests' SPDM stack (spdm_stack.h). */
#include "spdm_stack.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "test_util.h"

#include "lib/err.h"

const char *spdm_stack_pki_dir(void)
{
	const char *d = getenv("MOAT_PKI_DIR");

	return d ? d : "build/tools/pki";
}

void *spdm_stack_pki_file(const char *alg, const char *name, size_t *n)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s/%s", spdm_stack_pki_dir(), alg, name);
	return test_load_file(path, n);
}

int spdm_stack_rng(void *ctx, unsigned char *out, size_t len)
{
	(void)ctx;
	return getrandom(out, len, 0) == (ssize_t)len ? 0 : -1;
}

int spdm_stack_doe(void *ctx, const uint8_t *obj, size_t len, uint8_t *out, size_t cap,
		   size_t *olen)
{
	return devemu_doe(ctx, obj, len, out, cap, olen);
}

static void spdm_stack_anchor(struct spdm_stack *s, const char *alg)
{
	size_t n;
	char *hex =
		spdm_stack_pki_file(alg, strcmp(alg, "p384") ? "root.sha256" : "root.sha384", &n);

	s->cfg.anchor_digest_len = (u8)(n / 2);
	for (size_t i = 0; i < n / 2; i++) {
		unsigned v;
		assert_int_equal(sscanf(hex + 2 * i, "%2x", &v), 1);
		s->cfg.anchor_digest[i] = (u8)v;
	}
	free(hex);
}

void spdm_stack_up(struct spdm_stack *s, const char *alg, enum devemu_fault fault)
{
	struct plat_ecam e = { .base = { SPDM_STACK_ECAM }, .size = 1ull << 20, .bus_end = 0 };
	struct pm_fn *f = pm_fn_new(0, 0x1b36, 0x0010, 0x010802, false);
	char dir[256];

	snprintf(dir, sizeof(dir), "%s/%s", spdm_stack_pki_dir(), alg);
	assert_int_equal(devemu_init(&s->dev, dir, fault), 0);
	pm_init(&s->model, SPDM_STACK_ECAM, 0, 0);
	pm_doe_init(&s->doe, spdm_stack_doe, &s->dev);
	pm_fn_pcie(f, true);
	pm_fn_doe(f, &s->doe);
	pm_add_root(&s->model, f);
	assert_int_equal(pm_attach(&s->model), 0);
	assert_int_equal(pci_host_init(&s->host, &e, (volatile u8 *)(uintptr_t)SPDM_STACK_ECAM), 0);
	assert_int_equal(pci_enumerate(&s->st, &s->host), 0);
	assert_int_equal(doe_init(&s->mb, &s->st.devs[0], s->st.devs[0].doe_cap), 0);
	assert_int_equal(spdm_doe_bind(&s->bind, &s->mb), 0);
	s->cfg.rng = spdm_stack_rng;
	if (!s->cfg.anchor_der)
		spdm_stack_anchor(s, alg);
	spdm_init(&s->conn, &s->bind.tp, &s->cfg);
}

int spdm_script_exchange(void *ctx, bool secured, const u8 *req, size_t req_len, u8 *rsp,
			 size_t cap, size_t *len)
{
	struct spdm_script *s = ctx;

	(void)secured;
	(void)req;
	(void)req_len;
	if (s->i >= s->n || s->len[s->i] > cap)
		return -E_IO;
	memcpy(rsp, s->rsp[s->i], s->len[s->i]);
	*len = s->len[s->i++];
	return 0;
}
