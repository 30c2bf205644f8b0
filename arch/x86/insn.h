/* SPDX-License-Identifier: MIT */
/*
 * Software decoding of the few guest instructions Moat emulates or steps over (Intel SDM
 * vol. 2 ch. 2, AMD APM vol. 3 ch. 1): SVM on QEMU has neither next-RIP saving nor decode
 * assists, so the length of an intercepted instruction and the operands of an MMIO access
 * come from the bytes at the guest's RIP. Those bytes are hostile: any sequence, any length,
 * possibly changed by another vCPU since the exit. The decoder accepts exactly the encodings
 * listed below and refuses everything else; it never reads past `n` bytes.
 *
 * Backend-neutral: the VMX backend (VMCALL, no NRIP either for MMIO) uses it too.
 */
#ifndef X86_INSN_H
#define X86_INSN_H

#include "lib/compiler.h"
#include "lib/types.h"

#define X86_INSN_MAX 15 /* SDM vol. 2 2.3.11: longer is #GP */

enum x86_insn_op {
	X86_OP_HLT = 1,	  /* F4 */
	X86_OP_VMMCALL,	  /* 0F 01 D9 */
	X86_OP_VMCALL,	  /* 0F 01 C1 */
	X86_OP_CPUID,	  /* 0F A2 */
	X86_OP_RDMSR,	  /* 0F 32 */
	X86_OP_WRMSR,	  /* 0F 30 */
	X86_OP_INVD,	  /* 0F 08 */
	X86_OP_MOV_STORE, /* 88 /r, 89 /r: r/m <- reg */
	X86_OP_MOV_LOAD,  /* 8A /r, 8B /r: reg <- r/m */
	X86_OP_MOV_IMM,	  /* C6 /0 ib, C7 /0 iw/id: r/m <- imm */
	X86_OP_MOVZX,	  /* 0F B6 /r, 0F B7 /r */
	X86_OP_MOVSX,	  /* 0F BE /r, 0F BF /r */
};

/* The code segment's mode: CS.L (64-bit) and CS.D (32-bit default), both false in real mode. */
struct x86_insn_mode {
	bool long64;
	bool d32;
};

struct x86_insn {
	enum x86_insn_op op;
	u8 len;	     /* bytes, prefixes included */
	u8 size;     /* memory operand bytes (1, 2, 4, 8) */
	u8 reg_size; /* register operand bytes (MOVZX/MOVSX: the destination) */
	u8 reg;	     /* register operand, 0..15 (RAX, RCX, RDX, RBX, RSP, RBP, RSI, RDI, R8..) */
	bool high8;  /* reg 4..7 name AH, CH, DH, BH (8-bit operand, no REX) */
	bool mem;    /* the r/m operand is memory (ModRM.mod != 3) */
	u64 imm;     /* MOV_IMM: the immediate, sign-extended to `size` */
};

/*
 * Decodes the instruction at b[0..n). 0 and *out filled; -E_INVAL when the bytes are not a
 * valid instruction Moat knows (truncated, longer than 15 bytes, LOCK where it is #UD);
 * -E_NOTSUP for a valid instruction Moat does not emulate. *out is unchanged on error.
 */
int x86_insn_decode(const u8 *b, unsigned n, struct x86_insn_mode mode,
		    struct x86_insn *out) __must_check;

/*
 * An MMIO access by a decoded MOV-family instruction against the general registers
 * (indexed as x86_insn.reg): the value stored, or where a loaded value goes. `access` does
 * the device side (*val in for writes, out for reads) and returns false when the device
 * refuses it. -E_INVAL when the instruction is not a memory MOV (the guest changed it, or
 * the fault was not on the operand), -E_IO when the device refused; registers unchanged then.
 */
int x86_insn_mmio(const struct x86_insn *in, u64 gprs[16],
		  bool (*access)(void *ctx, bool write, unsigned size, u64 *val),
		  void *ctx) __must_check;

#endif
