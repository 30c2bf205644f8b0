// SPDX-License-Identifier: MIT
#include "lib/err.h"
#include "lib/compiler.h"

static const char *const err_names[E__COUNT] = {
	[E_OK] = "ok",
	[E_INVAL] = "invalid argument",
	[E_RANGE] = "out of range",
	[E_OVERFLOW] = "arithmetic overflow",
	[E_NOMEM] = "out of memory",
	[E_NOSPC] = "table full",
	[E_NOENT] = "not found",
	[E_EXIST] = "already exists",
	[E_BUSY] = "busy",
	[E_AGAIN] = "try again",
	[E_TIMEOUT] = "timed out",
	[E_IO] = "I/O error",
	[E_NODEV] = "no such device",
	[E_NOTSUP] = "not supported",
	[E_PERM] = "not permitted",
	[E_STATE] = "wrong state",
	[E_PROTO] = "protocol violation",
	[E_AUTH] = "authentication failed",
	[E_CORRUPT] = "corrupt data",
};

const char *err_str(int err)
{
	if (err < 0)
		err = -err;
	if (err >= E__COUNT)
		return "unknown error";
	return err_names[err];
}
