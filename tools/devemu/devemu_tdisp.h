/* SPDX-License-Identifier: MIT */
/* devemu's TDISP/IDE_KM device (devemu_tdisp.c), exposed for in-process tests. */
#ifndef DEVEMU_TDISP_H
#define DEVEMU_TDISP_H

#include "tests/models/tdisp_dev/tdev.h"

/* The device model behind devemu, re-initialised from DEVEMU_TDISP. */
struct tdev *devemu_tdisp_reset(void);

#endif
