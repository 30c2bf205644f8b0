// SPDX-License-Identifier: MIT
/*
 * Host-side cost of the hypercall dispatcher (argument checks and the call itself, without
 * the trap): nanoseconds per call on this machine. The full round trip on arm64, trap
 * included, is measured in instructions by `make bench` (tests/system/scenarios/
 * vm_arm64_bench.py).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/devop.h"
#include "vmm/hypercall.h"
#include "core/log.h"
#include "guest_abi/moat_abi.h"

#define N 2000000

static void sink(const char *s, size_t len)
{
	(void)s;
	(void)len;
}

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static void bench(struct vcpu *v, const char *name, const u64 in[HC_NREGS], int64_t want)
{
	u64 r[HC_NREGS];
	double t0 = now_ns();

	for (int i = 0; i < N; i++) {
		memcpy(r, in, sizeof(r));
		hypercall_dispatch(v, r);
		__asm__ volatile("" : : "r"(r) : "memory");
	}
	if ((int64_t)r[0] != want) {
		printf("bench hypercall %s: unexpected status %lld\n", name, (long long)r[0]);
		exit(1);
	}
	printf("bench hypercall-dispatch %s: %.1f ns/call (host)\n", name, (now_ns() - t0) / N);
}

/* A resumable call's overhead: one suspension and one continuation of a device operation. */
static void waiting_op(struct devop *op)
{
	(void)op;
	for (;;)
		devop_wait();
}

static void bench_devop(void)
{
	static struct devop op;
	double t0;

	devop_prepare(&op, waiting_op);
	t0 = now_ns();
	for (int i = 0; i < N; i++)
		if (devop_run(&op))
			exit(1);
	printf("bench devop suspend+resume: %.1f ns per continuation (host), stack %u KiB per "
	       "device operation\n",
	       (now_ns() - t0) / N, (unsigned)(DEVOP_STACK_SIZE / 1024));
}

int main(void)
{
	static struct vm vm;
	static struct vm_config cfg = { .name = "bench", .private_size = 2 << 20, .nvcpus = 1 };
	u8 *ram = aligned_alloc(4096, 2 << 20);

	if (!ram)
		return 1;
	log_set_sink(sink);
	vm_init(&vm, 1, &cfg, pa((u64)(uintptr_t)ram));
	bench(&vm.vcpu[0], "null", (u64[HC_NREGS]){ MOAT_HC_NULL }, MOAT_OK);
	bench(&vm.vcpu[0], "vm_info", (u64[HC_NREGS]){ MOAT_HC_VM_INFO, VM_RAM_BASE, 80 }, MOAT_OK);
	bench(&vm.vcpu[0], "bad-address",
	      (u64[HC_NREGS]){ MOAT_HC_CONSOLE_WRITE, VM_RAM_BASE - 8, 16 }, MOAT_BAD_ADDRESS);
	bench_devop();
	free(ram);
	return 0;
}
