/* SPDX-License-Identifier: MIT */
/*
 * The TSM side of device assignment at boot (core/vdev_tsm.c), kept apart because
 * tsm/policy.h's `struct tsm_policy` and core/config.h's `enum tsm_policy` share a tag name.
 */
#ifndef CORE_VDEV_TSM_H
#define CORE_VDEV_TSM_H

#include "lib/compiler.h"
#include "lib/types.h"

struct tdi;

/* The TDI of a connected function, or NULL. */
struct tdi *vdev_tsm_find(u16 segment, u16 bdf);
/* vca: the SHA-256 of the SPDM VCA; else fresh signed measurements with `nonce`. */
int vdev_tsm_evidence(struct tdi *t, bool vca, const u8 *nonce, u8 *buf, size_t cap,
		      size_t *len) __must_check;

#endif
