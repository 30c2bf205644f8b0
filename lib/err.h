/* SPDX-License-Identifier: MIT */
/*
 * One error enum for the whole hypervisor. Actions return 0 or -E_*; predicates return bool.
 * Guest-visible status codes are a separate, stable enum in guest_abi/.
 */
#ifndef LIB_ERR_H
#define LIB_ERR_H

enum moat_err {
	E_OK = 0,
	E_INVAL,    /* malformed argument or input */
	E_RANGE,    /* value or address out of the allowed range */
	E_OVERFLOW, /* arithmetic on an input overflowed */
	E_NOMEM,    /* allocation failed */
	E_NOSPC,    /* a fixed-size table is full */
	E_NOENT,    /* no such object */
	E_EXIST,    /* object already exists */
	E_BUSY,	    /* resource in use, or operation in progress */
	E_AGAIN,    /* try again later (resumable operation) */
	E_TIMEOUT,  /* bounded wait on hardware expired */
	E_IO,	    /* hardware reported an error */
	E_NODEV,    /* no such device */
	E_NOTSUP,   /* feature not supported */
	E_PERM,	    /* caller does not own the object */
	E_STATE,    /* object is in the wrong state for this operation */
	E_PROTO,    /* peer violated a protocol */
	E_AUTH,	    /* authentication or signature check failed */
	E_CORRUPT,  /* table or structure failed its integrity checks */
	E__COUNT
};

const char *err_str(int err);

/*
 * trace_err(-E_X) returns its argument; in debug builds it also logs file:line, so the first
 * place an error arises is visible.
 */
#ifdef MOAT_DEBUG
void err_trace(const char *file, int line, int err);
#define trace_err(e)                                \
	({                                          \
		int __e = (e);                      \
		err_trace(__FILE__, __LINE__, __e); \
		__e;                                \
	})
#else
#define trace_err(e) (e)
#endif

#endif
