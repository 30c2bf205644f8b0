/* SPDX-License-Identifier: MIT */
#ifndef CORE_VERSION_H
#define CORE_VERSION_H

#define MOAT_VERSION "0.1.0"

#endif
