/* SPDX-License-Identifier: MIT */
/*
 * The TSM side of device assignment at boot (vmm/vdev_tsm.c): what it needs of struct tsm_dev.
 */
#ifndef VMM_VDEV_TSM_H
#define VMM_VDEV_TSM_H

#include "lib/compiler.h"
#include "lib/types.h"

struct tdi;

/* The TDI of a connected function, or NULL. */
struct tdi *vdev_tsm_find(u16 segment, u16 bdf);
/* The SHA-256 of the SPDM VCA of the TDI's device. */
int vdev_tsm_vca_digest(struct tdi *t, u8 *buf, size_t cap, size_t *len) __must_check;

#endif
