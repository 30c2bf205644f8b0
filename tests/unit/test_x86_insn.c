// SPDX-License-Identifier: MIT
/*
 * The x86 exit decoder (arch/x86/insn.c): byte-exact encodings from the SDM's instruction
 * pages, hostile bytes (truncated, over-long, LOCK), register semantics of the emulated MMIO
 * MOVs, and lengths checked against a third-party decoder: binutils' objdump disassembles a
 * stream of generated instructions, and every instruction must start where ours says the
 * previous one ended.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "test_util.h"

#include "arch/x86/insn.h"
#include "lib/err.h"

static const struct x86_insn_mode M64 = { .long64 = true }, M32 = { .d32 = true }, M16 = { 0 };

static struct x86_insn dec_ok(const u8 *b, unsigned n, struct x86_insn_mode m)
{
	struct x86_insn in;

	assert_int_equal(x86_insn_decode(b, n, m, &in), 0);
	return in;
}

static void intercepted_instructions_have_their_lengths(void **state)
{
	static const struct {
		u8 b[6];
		unsigned n, len;
		enum x86_insn_op op;
	} c[] = {
		{ { 0xf4 }, 1, 1, X86_OP_HLT },
		{ { 0x0f, 0x01, 0xd9 }, 3, 3, X86_OP_VMMCALL },
		{ { 0x0f, 0x01, 0xc1 }, 3, 3, X86_OP_VMCALL },
		{ { 0x0f, 0xa2 }, 2, 2, X86_OP_CPUID },
		{ { 0x0f, 0x32 }, 2, 2, X86_OP_RDMSR },
		{ { 0x0f, 0x30 }, 2, 2, X86_OP_WRMSR },
		{ { 0x66, 0x0f, 0xa2 }, 3, 3, X86_OP_CPUID },	  /* ignored prefix counts */
		{ { 0x48, 0x0f, 0x32 }, 3, 3, X86_OP_RDMSR },	  /* REX.W: still RDMSR */
		{ { 0x2e, 0x3e, 0xf4, 0x90 }, 4, 3, X86_OP_HLT }, /* trailing byte not read */
	};

	for (unsigned i = 0; i < ARRAY_SIZE(c); i++) {
		struct x86_insn in = dec_ok(c[i].b, c[i].n, M64);

		assert_int_equal(in.op, c[i].op);
		assert_int_equal(in.len, c[i].len);
	}
	(void)state;
}

/* SDM MOV page encodings, with what each says about size, register and immediate. */
static void mmio_movs_decode_operands(void **state)
{
	static const struct {
		u8 b[12];
		unsigned n;
		struct x86_insn_mode m;
		enum x86_insn_op op;
		unsigned len, size, reg_size, reg;
		bool high8;
		u64 imm;
	} c[] = {
		/* mov %eax,(%rdx) */
		{ { 0x89, 0x02 }, 2, M64, X86_OP_MOV_STORE, 2, 4, 4, 0, false, 0 },
		/* mov %r9,0x10(%rsi): REX.WR */
		{ { 0x4c, 0x89, 0x4e, 0x10 }, 4, M64, X86_OP_MOV_STORE, 4, 8, 8, 9, false, 0 },
		/* mov 0x12345678(%rip),%ecx: RIP-relative disp32 */
		{ { 0x8b, 0x0d, 0x78, 0x56, 0x34, 0x12 },
		  6,
		  M64,
		  X86_OP_MOV_LOAD,
		  6,
		  4,
		  4,
		  1,
		  false,
		  0 },
		/* mov (%rax,%rbx,4),%dx: 66 + SIB */
		{ { 0x66, 0x8b, 0x14, 0x98 }, 4, M64, X86_OP_MOV_LOAD, 4, 2, 2, 2, false, 0 },
		/* mov %ah,(%rdi): byte register 4 without REX is AH */
		{ { 0x88, 0x27 }, 2, M64, X86_OP_MOV_STORE, 2, 1, 1, 4, true, 0 },
		/* mov %spl,(%rdi): with REX it is SPL */
		{ { 0x40, 0x88, 0x27 }, 3, M64, X86_OP_MOV_STORE, 3, 1, 1, 4, false, 0 },
		/* movl $0x80000000,0x8(%rbx): C7 /0 id */
		{ { 0xc7, 0x43, 0x08, 0x00, 0x00, 0x00, 0x80 },
		  7,
		  M64,
		  X86_OP_MOV_IMM,
		  7,
		  4,
		  4,
		  0,
		  false,
		  0x80000000 },
		/* movq $-1,(%rax): REX.W C7, imm32 sign-extended */
		{ { 0x48, 0xc7, 0x00, 0xff, 0xff, 0xff, 0xff },
		  7,
		  M64,
		  X86_OP_MOV_IMM,
		  7,
		  8,
		  8,
		  0,
		  false,
		  ~0ULL },
		/* movb $0x5a,(%rsp): C6 /0 ib with SIB (base RSP) */
		{ { 0xc6, 0x04, 0x24, 0x5a }, 4, M64, X86_OP_MOV_IMM, 4, 1, 1, 0, false, 0x5a },
		/* movzwl 0x4(%rcx),%eax */
		{ { 0x0f, 0xb7, 0x41, 0x04 }, 4, M64, X86_OP_MOVZX, 4, 2, 4, 0, false, 0 },
		/* movsbq (%rdx),%r10: REX.WR 0F BE */
		{ { 0x4c, 0x0f, 0xbe, 0x12 }, 4, M64, X86_OP_MOVSX, 4, 1, 8, 10, false, 0 },
		/* 32-bit code: mov %eax,0xfee00300 (disp32, no SIB) */
		{ { 0xa3 - 0x1a, 0x05, 0x00, 0x03, 0xe0, 0xfe },
		  6,
		  M32,
		  X86_OP_MOV_STORE,
		  6,
		  4,
		  4,
		  0,
		  false,
		  0 },
		/* 16-bit code: mov %ax,(%bx+%si); 66 makes it mov %eax */
		{ { 0x89, 0x00 }, 2, M16, X86_OP_MOV_STORE, 2, 2, 2, 0, false, 0 },
		{ { 0x66, 0x89, 0x00 }, 3, M16, X86_OP_MOV_STORE, 3, 4, 4, 0, false, 0 },
		/* 16-bit: mov 0x1234,%cx (mod 0, rm 6: disp16) */
		{ { 0x8b, 0x0e, 0x34, 0x12 }, 4, M16, X86_OP_MOV_LOAD, 4, 2, 2, 1, false, 0 },
		/* 67 in 64-bit mode: 32-bit addressing, same ModRM rules */
		{ { 0x67, 0x89, 0x04, 0x25, 0, 0, 0, 0 },
		  8,
		  M64,
		  X86_OP_MOV_STORE,
		  8,
		  4,
		  4,
		  0,
		  false,
		  0 },
	};

	for (unsigned i = 0; i < ARRAY_SIZE(c); i++) {
		struct x86_insn in = dec_ok(c[i].b, c[i].n, c[i].m);

		assert_int_equal(in.op, c[i].op);
		assert_int_equal(in.len, c[i].len);
		assert_int_equal(in.size, c[i].size);
		assert_int_equal(in.reg_size, c[i].reg_size);
		assert_int_equal(in.reg, c[i].reg);
		assert_int_equal(in.high8, c[i].high8);
		assert_true(in.mem);
		assert_int_equal(in.imm, c[i].imm);
	}
	(void)state;
}

static void hostile_bytes_are_refused(void **state)
{
	static const u8 fifteen_prefixes[16] = { 0x2e, 0x2e, 0x2e, 0x2e, 0x2e, 0x2e, 0x2e, 0x2e,
						 0x2e, 0x2e, 0x2e, 0x2e, 0x2e, 0x2e, 0x2e, 0xf4 };
	static const u8 mov_long[16] = { 0x2e, 0x2e, 0x2e, 0x2e, 0x2e, 0x2e, 0x2e, 0x2e,
					 0x2e, 0x2e, 0x48, 0xc7, 0x80, 0x01, 0x02, 0x03 };
	static const u8 lock_mov[] = { 0xf0, 0x89, 0x02 };
	static const u8 trunc[][4] = { { 0x0f },       { 0x0f, 0x01 },	     { 0x89 },
				       { 0x89, 0x04 }, { 0x8b, 0x05, 0x00 }, { 0xc7, 0x00, 0x01 } };
	static const unsigned trunc_n[] = { 1, 2, 1, 2, 3, 3 };
	struct x86_insn in = { .op = X86_OP_HLT, .len = 99 };

	/* 14 prefixes + HLT is 15 bytes: fine; 15 prefixes + HLT is 16: #GP, refused. */
	assert_int_equal(dec_ok(fifteen_prefixes + 1, 15, M64).len, 15);
	assert_int_equal(x86_insn_decode(fifteen_prefixes, 16, M64, &in), -E_INVAL);
	assert_int_equal(x86_insn_decode(mov_long, 16, M64, &in), -E_INVAL);
	assert_int_equal(x86_insn_decode(lock_mov, 3, M64, &in), -E_INVAL);
	for (unsigned i = 0; i < ARRAY_SIZE(trunc); i++)
		assert_int_equal(x86_insn_decode(trunc[i], trunc_n[i], M64, &in), -E_INVAL);
	assert_int_equal(x86_insn_decode(lock_mov, 0, M64, &in), -E_INVAL);
	/* Valid but not emulated: NOP, INC (REX byte in 32-bit mode), C7 /1, 0F 01 D8 (VMRUN). */
	assert_int_equal(x86_insn_decode((const u8[]){ 0x90 }, 1, M64, &in), -E_NOTSUP);
	assert_int_equal(x86_insn_decode((const u8[]){ 0x48, 0x89, 0x02 }, 3, M32, &in), -E_NOTSUP);
	assert_int_equal(x86_insn_decode((const u8[]){ 0xc7, 0x08, 0, 0, 0, 0 }, 6, M64, &in),
			 -E_NOTSUP);
	assert_int_equal(x86_insn_decode((const u8[]){ 0x0f, 0x01, 0xd8 }, 3, M64, &in), -E_NOTSUP);
	/* A failed decode leaves the output alone. */
	assert_int_equal(in.len, 99);
	(void)state;
}

struct fake_dev {
	u64 val;
	unsigned size, calls;
	bool write, refuse;
};

static bool fake_access(void *ctx, bool write, unsigned size, u64 *val)
{
	struct fake_dev *d = ctx;

	d->calls++;
	d->write = write;
	d->size = size;
	if (d->refuse)
		return false;
	if (write)
		d->val = *val;
	else
		*val = d->val;
	return true;
}

static void mmio_emulation_follows_register_rules(void **state)
{
	u64 g[16];
	struct fake_dev d = { 0 };
	struct x86_insn in;

	for (unsigned i = 0; i < 16; i++)
		g[i] = 0x1111111111111111ULL * (i + 1);
	/* mov %ah,(%rdi) stores bits 15:8 of RAX */
	in = dec_ok((const u8[]){ 0x88, 0x27 }, 2, M64);
	assert_int_equal(x86_insn_mmio(&in, g, fake_access, &d), 0);
	assert_true(d.write);
	assert_int_equal(d.val, 0x11);
	/* 32-bit load zero-extends: mov (%rdx),%ecx */
	d.val = 0xfedcba98;
	in = dec_ok((const u8[]){ 0x8b, 0x0a }, 2, M64);
	assert_int_equal(x86_insn_mmio(&in, g, fake_access, &d), 0);
	assert_int_equal(g[1], 0xfedcba98);
	/* 16-bit load merges: mov (%rdx),%bx */
	d.val = 0xbeef;
	in = dec_ok((const u8[]){ 0x66, 0x8b, 0x1a }, 3, M64);
	assert_int_equal(x86_insn_mmio(&in, g, fake_access, &d), 0);
	assert_int_equal(g[3], 0x444444444444beefULL);
	/* 8-bit load into DH merges bits 15:8 of RDX */
	d.val = 0xa5;
	in = dec_ok((const u8[]){ 0x8a, 0x32 }, 2, M64);
	assert_int_equal(x86_insn_mmio(&in, g, fake_access, &d), 0);
	assert_int_equal(g[2], 0x333333333333a533ULL);
	/* movsbq sign-extends, movzwl zero-extends */
	d.val = 0x80;
	in = dec_ok((const u8[]){ 0x4c, 0x0f, 0xbe, 0x12 }, 4, M64);
	assert_int_equal(x86_insn_mmio(&in, g, fake_access, &d), 0);
	assert_int_equal(g[10], 0xffffffffffffff80ULL);
	d.val = 0xffff8000;
	in = dec_ok((const u8[]){ 0x0f, 0xb7, 0x01 }, 3, M64);
	assert_int_equal(x86_insn_mmio(&in, g, fake_access, &d), 0);
	assert_int_equal(g[0], 0x8000);
	assert_int_equal(d.size, 2);
	/* The device refuses: -E_IO, register unchanged. */
	d.refuse = true;
	in = dec_ok((const u8[]){ 0x8b, 0x0a }, 2, M64);
	assert_int_equal(x86_insn_mmio(&in, g, fake_access, &d), -E_IO);
	assert_int_equal(g[1], 0xfedcba98);
	/* Not a memory operand, or not a MOV: refused before the device is asked. */
	d.calls = 0;
	in = dec_ok((const u8[]){ 0x89, 0xc2 }, 2, M64);
	assert_int_equal(x86_insn_mmio(&in, g, fake_access, &d), -E_INVAL);
	in = dec_ok((const u8[]){ 0xf4 }, 1, M64);
	assert_int_equal(x86_insn_mmio(&in, g, fake_access, &d), -E_INVAL);
	assert_int_equal(d.calls, 0);
	(void)state;
}

/* ---- cross-check against objdump ------------------------------------------------------- */

static const u8 prefixes[][2] = { { 0 }, { 0x66 }, { 0x67 }, { 0x2e }, { 0x65 }, { 0x66, 0x67 } };
static const u8 prefix_len[] = { 0, 1, 1, 1, 1, 2 };

/* One random supported instruction; returns its length by construction-independent means:
 * our decoder. */
static unsigned gen_insn(u64 *rng, u8 *out)
{
	static const u8 ops[] = { 0x88, 0x89, 0x8a, 0x8b, 0xc6, 0xc7, 0xb6, 0xb7, 0xbe, 0xbf };
	unsigned p = test_rand(rng) % ARRAY_SIZE(prefixes), k = 0;
	u8 op = ops[test_rand(rng) % ARRAY_SIZE(ops)];
	u8 mod = (u8)(test_rand(rng) % 3), rm = (u8)(test_rand(rng) % 8);
	u8 reg = (op == 0xc6 || op == 0xc7) ? 0 : (u8)(test_rand(rng) % 8);

	for (unsigned i = 0; i < prefix_len[p]; i++)
		out[k++] = prefixes[p][i];
	if (test_rand(rng) & 1)
		out[k++] = (u8)(0x40 | (test_rand(rng) & 0xf));
	if (op >= 0xb6 && op <= 0xbf)
		out[k++] = 0x0f;
	out[k++] = op;
	out[k++] = (u8)(mod << 6 | reg << 3 | rm);
	/* SIB, displacement and immediate bytes: random, so every form occurs. */
	for (unsigned i = 0; i < 10; i++)
		out[k + i] = (u8)test_rand(rng);
	return k + 10; /* bytes available; the decoder says how many form the instruction */
}

static void lengths_agree_with_objdump(void **state)
{
	char bin[] = "/tmp/moat-insn-XXXXXX", cmd[256], line[512];
	u8 buf[16], *stream = malloc(64 * 1024);
	unsigned off[2100], n = 0, total = 0, seen = 0, at = 0;
	u64 rng = 0x1234567;
	FILE *f, *p;
	int fd = mkstemp(bin);

	assert_true(fd >= 0 && stream);
	while (n < 2000) {
		unsigned avail = gen_insn(&rng, buf);
		struct x86_insn in;

		if (x86_insn_decode(buf, avail, M64, &in))
			continue;
		off[n++] = total;
		memcpy(stream + total, buf, in.len);
		total += in.len;
	}
	memset(stream + total, 0x90, 16); /* NOPs: objdump's last instruction is ours */
	f = fdopen(fd, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(stream, 1, total + 16, f), total + 16);
	fclose(f);
	snprintf(cmd, sizeof(cmd), "objdump -D -b binary -m i386:x86-64 -w %s", bin);
	p = popen(cmd, "r");
	assert_non_null(p);
	while (fgets(line, sizeof(line), p)) {
		unsigned a;
		char colon;

		if (sscanf(line, " %x%c", &a, &colon) != 2 || colon != ':' || a >= total)
			continue;
		if (at >= n || off[at] != a)
			fail_msg("objdump starts an instruction at %#x, we expected %#x", a,
				 at < n ? off[at] : 0);
		at++;
		seen++;
	}
	pclose(p);
	unlink(bin);
	free(stream);
	assert_int_equal(seen, n);
	(void)state;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(intercepted_instructions_have_their_lengths),
		cmocka_unit_test(mmio_movs_decode_operands),
		cmocka_unit_test(hostile_bytes_are_refused),
		cmocka_unit_test(mmio_emulation_follows_register_rules),
		cmocka_unit_test(lengths_agree_with_objdump),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
