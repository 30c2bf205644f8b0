// SPDX-License-Identifier: MIT
/*
 * x86 instruction decoder for exits (arch/x86/insn.h). Encodings from Intel SDM vol. 2:
 * 2.1 (instruction format), 2.1.1 (prefix groups), 2.1.5 and tables 2-1/2-2 (ModR/M and SIB,
 * 16- and 32-bit addressing), 2.2.1 (REX, RIP-relative addressing in 64-bit mode); opcodes
 * from the MOV, MOVZX, MOVSX, HLT, CPUID, RDMSR, WRMSR, INVD, VMCALL pages and AMD APM vol. 3
 * (VMMCALL).
 */
#include "arch/x86/insn.h"

#include "lib/err.h"

struct dec {
	const u8 *b;
	unsigned n, pos;
	bool opsz, adsz, lock, rep;
	u8 rex;
	struct x86_insn_mode mode;
};

#define REX_W 0x8
#define REX_R 0x4

static bool dec_byte(struct dec *d, u8 *v)
{
	if (d->pos >= d->n || d->pos >= X86_INSN_MAX)
		return false;
	*v = d->b[d->pos++];
	return true;
}

static bool dec_skip(struct dec *d, unsigned k)
{
	if (k > d->n - d->pos || d->pos + k > X86_INSN_MAX)
		return false;
	d->pos += k;
	return true;
}

static bool is_legacy_prefix(u8 c)
{
	switch (c) {
	case 0x66:
	case 0x67:
	case 0xf0:
	case 0xf2:
	case 0xf3:
	case 0x26:
	case 0x2e:
	case 0x36:
	case 0x3e:
	case 0x64:
	case 0x65: return true;
	default: return false;
	}
}

/* Prefixes, then the first opcode byte. A REX that is not last before the opcode is ignored. */
static bool dec_prefixes(struct dec *d, u8 *op)
{
	u8 c;

	for (;;) {
		if (!dec_byte(d, &c))
			return false;
		if (d->mode.long64 && (c & 0xf0) == 0x40) {
			d->rex = c;
			continue;
		}
		if (!is_legacy_prefix(c))
			break;
		d->rex = 0;
		d->opsz |= c == 0x66;
		d->adsz |= c == 0x67;
		d->lock |= c == 0xf0;
		d->rep |= c == 0xf2 || c == 0xf3;
	}
	*op = c;
	return true;
}

static unsigned dec_opsize(const struct dec *d)
{
	if (d->mode.long64 && (d->rex & REX_W))
		return 8;
	return (d->mode.long64 || d->mode.d32) != d->opsz ? 4 : 2;
}

static unsigned dec_adsize(const struct dec *d)
{
	if (d->mode.long64)
		return d->adsz ? 4 : 8;
	return d->mode.d32 != d->adsz ? 4 : 2;
}

/* ModR/M (and SIB, displacement): tables 2-1 and 2-2; 64-bit mode uses the 32-bit forms. */
static bool dec_modrm(struct dec *d, struct x86_insn *in)
{
	u8 m, sib, mod, rm;
	unsigned disp = 0;

	if (!dec_byte(d, &m))
		return false;
	mod = m >> 6;
	rm = m & 7;
	in->reg = (u8)(((m >> 3) & 7) | ((d->rex & REX_R) ? 8 : 0));
	in->mem = mod != 3;
	if (mod == 3)
		return true;
	if (dec_adsize(d) == 2) {
		disp = mod == 1 ? 1 : (mod == 2 || (mod == 0 && rm == 6)) ? 2 : 0;
		return dec_skip(d, disp);
	}
	if (rm == 4) {
		if (!dec_byte(d, &sib))
			return false;
		if ((sib & 7) == 5 && mod == 0)
			disp = 4;
	}
	if (mod == 0 && rm == 5)
		disp = 4; /* disp32, or RIP-relative in 64-bit mode */
	else if (mod == 1)
		disp = 1;
	else if (mod == 2)
		disp = 4;
	return dec_skip(d, disp);
}

static bool dec_imm(struct dec *d, unsigned size, u64 *imm)
{
	u64 v = 0;
	unsigned k = size == 8 ? 4 : size; /* C7 with REX.W: imm32, sign-extended */

	if (k > d->n - d->pos || d->pos + k > X86_INSN_MAX)
		return false;
	for (unsigned i = 0; i < k; i++)
		v |= (u64)d->b[d->pos + i] << (8 * i);
	d->pos += k;
	if (k < 8 && (v >> (8 * k - 1)) & 1)
		v |= ~0ULL << (8 * k);
	*imm = size == 8 ? v : v & (~0ULL >> (64 - 8 * size));
	return true;
}

static void dec_reg8(const struct dec *d, struct x86_insn *in)
{
	/* Without any REX, byte registers 4..7 are AH, CH, DH, BH (SDM 3.4.1.1). */
	in->high8 = in->reg_size == 1 && !d->rex && in->reg >= 4 && in->reg < 8;
}

/* 88/89/8A/8B /r and C6/C7 /0. */
static int dec_mov(struct dec *d, u8 op, struct x86_insn *in)
{
	in->size = (op & 1) ? (u8)dec_opsize(d) : 1;
	in->reg_size = in->size;
	if (op == 0xc6 || op == 0xc7) {
		in->op = X86_OP_MOV_IMM;
		if (!dec_modrm(d, in))
			return -E_INVAL;
		if (in->reg & 7) /* C6/C7 with reg != 0: XABORT/XBEGIN or undefined */
			return -E_NOTSUP;
		return dec_imm(d, in->size, &in->imm) ? 0 : -E_INVAL;
	}
	in->op = (op & 2) ? X86_OP_MOV_LOAD : X86_OP_MOV_STORE;
	if (!dec_modrm(d, in))
		return -E_INVAL;
	dec_reg8(d, in);
	return 0;
}

static int dec_0f(struct dec *d, struct x86_insn *in)
{
	u8 op, op3;

	if (!dec_byte(d, &op))
		return -E_INVAL;
	switch (op) {
	case 0x01:
		if (!dec_byte(d, &op3))
			return -E_INVAL;
		if (op3 == 0xd9 || op3 == 0xc1) {
			in->op = op3 == 0xd9 ? X86_OP_VMMCALL : X86_OP_VMCALL;
			return 0;
		}
		return -E_NOTSUP;
	case 0xa2: in->op = X86_OP_CPUID; return 0;
	case 0x32: in->op = X86_OP_RDMSR; return 0;
	case 0x30: in->op = X86_OP_WRMSR; return 0;
	case 0x08: in->op = X86_OP_INVD; return 0;
	case 0xb6:
	case 0xb7:
	case 0xbe:
	case 0xbf:
		in->op = op < 0xbe ? X86_OP_MOVZX : X86_OP_MOVSX;
		in->size = (op & 1) ? 2 : 1;
		in->reg_size = (u8)dec_opsize(d);
		return dec_modrm(d, in) ? 0 : -E_INVAL;
	default: return -E_NOTSUP;
	}
}

int x86_insn_decode(const u8 *b, unsigned n, struct x86_insn_mode mode, struct x86_insn *out)
{
	struct dec d = { .b = b, .n = n, .mode = mode };
	struct x86_insn in = { 0 };
	int err;
	u8 op;

	if (!dec_prefixes(&d, &op))
		return -E_INVAL;
	if (op == 0xf4) {
		in.op = X86_OP_HLT;
		err = 0;
	} else if (op == 0x0f) {
		err = dec_0f(&d, &in);
	} else if (op == 0x88 || op == 0x89 || op == 0x8a || op == 0x8b || op == 0xc6 ||
		   op == 0xc7) {
		err = dec_mov(&d, op, &in);
	} else {
		err = -E_NOTSUP;
	}
	if (err)
		return err;
	/* LOCK is #UD on all of these (a MOV is not a read-modify-write); REP is ignored. */
	if (d.lock)
		return -E_INVAL;
	in.len = (u8)d.pos;
	*out = in;
	return 0;
}

/* ---- register operands ------------------------------------------------------------------ */

static u64 reg_get(const u64 gprs[16], const struct x86_insn *in)
{
	u64 v = in->high8 ? gprs[in->reg - 4] >> 8 : gprs[in->reg];

	return in->reg_size == 8 ? v : v & ((1ULL << (8 * in->reg_size)) - 1);
}

/* SDM 3.4.1.1: a 32-bit write zero-extends to 64 bits; 8- and 16-bit writes merge. */
static void reg_put(u64 gprs[16], const struct x86_insn *in, u64 v)
{
	u64 *r = &gprs[in->high8 ? in->reg - 4 : in->reg];

	switch (in->reg_size) {
	case 8: *r = v; break;
	case 4: *r = (u32)v; break;
	case 2: *r = (*r & ~0xffffULL) | (v & 0xffff); break;
	default:
		if (in->high8)
			*r = (*r & ~0xff00ULL) | (v & 0xff) << 8;
		else
			*r = (*r & ~0xffULL) | (v & 0xff);
	}
}

static u64 sign_extend(u64 v, unsigned size)
{
	unsigned sh = 64 - 8 * size;

	return (u64)((int64_t)(v << sh) >> sh);
}

int x86_insn_mmio(const struct x86_insn *in, u64 gprs[16],
		  bool (*access)(void *ctx, bool write, unsigned size, u64 *val), void *ctx)
{
	u64 v;

	if (!in->mem)
		return -E_INVAL;
	switch (in->op) {
	case X86_OP_MOV_STORE: v = reg_get(gprs, in); break;
	case X86_OP_MOV_IMM: v = in->imm; break;
	case X86_OP_MOV_LOAD:
	case X86_OP_MOVZX:
	case X86_OP_MOVSX: v = 0; break;
	default: return -E_INVAL;
	}
	if (!access(ctx, in->op == X86_OP_MOV_STORE || in->op == X86_OP_MOV_IMM, in->size, &v))
		return -E_IO;
	if (in->op == X86_OP_MOV_STORE || in->op == X86_OP_MOV_IMM)
		return 0;
	v = in->size == 8 ? v : v & ((1ULL << (8 * in->size)) - 1);
	reg_put(gprs, in, in->op == X86_OP_MOVSX ? sign_extend(v, in->size) : v);
	return 0;
}
