// SPDX-License-Identifier: MIT
/*
 * libFuzzer harness for the GICv3 ITS driver (arch/arm64/gic_its.c) against the ITS model:
 * what the hardware reports is hostile too, so the first bytes choose the ITS's identification
 * (DeviceID and EventID bits, ITT entry size, PTA, a fixed page size, stall or drop on error,
 * the tables' Entry_Size and Type, no physical LPIs); the rest is a sequence of mappings,
 * unmappings, device messages and injected command errors or a queue that stops. Invariants:
 * nothing crashes or leaks past the sanitizers; a handler runs only for a (DeviceID, EventID)
 * the driver reports mapped; a refused mapping leaves nothing mapped; once the driver reports
 * the ITS failed, no mapping is accepted. Injected command errors stall the queue (a correct
 * ITS does not drop a valid command).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <arch/cpu.h>

#include "arch/arm64/gic_its.h"
#include "core/frame.h"
#include "core/log.h"
#include "lib/err.h"

#include <sanitizer/asan_interface.h>

/*
 * The model is made and destroyed per input; its one allocation comes from a buffer of the
 * harness's, cleared for each (a calloc of a fresh ASan chunk was 14% of an input: page
 * faults). Poisoned while no model lives, so a model used after its destroy is still seen.
 */
static void *model_calloc(size_t n, size_t size);
static void model_free(void *p);
#define calloc model_calloc
#define free model_free
#include "its/its_model.c"
#undef calloc
#undef free

static union {
	struct its_model m;
	u8 bytes[sizeof(struct its_model)];
} model_buf;
static bool model_live;

static void *model_calloc(size_t n, size_t size)
{
	if (model_live || n != 1 || size != sizeof(model_buf))
		abort(); /* one model at a time, of the model's own size */
	ASAN_UNPOISON_MEMORY_REGION(&model_buf, sizeof(model_buf));
	memset(&model_buf, 0, sizeof(model_buf));
	model_live = true;
	return &model_buf;
}

static void model_free(void *p)
{
	if (p != &model_buf || !model_live)
		abort();
	model_live = false;
	ASAN_POISON_MEMORY_REGION(&model_buf, sizeof(model_buf));
}

#define ITS_BASE 0x40000000ULL
#define RD_BASE 0x40100000ULL
#define RAM (4u << 20)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * The RAM the driver's tables come from is all zero when an input starts, and only what the
 * last input was given is cleared for the next one (a 4 MiB clear per input was most of the
 * time): the harness is linked with -Wl,--wrap of frame_alloc_run and frame_free_run
 * (mk/tests.mk) and keeps the runs the frame allocator hands out. Frames not handed out stay
 * ASan-poisoned, and so do freed ones: a write by the driver or the model outside what it
 * was given is reported, so nothing outside the kept runs can be dirty.
 */
int __real_frame_alloc_run(struct frame_alloc *fa, u64 count, u64 align, paddr_t *out);
int __real_frame_free_run(struct frame_alloc *fa, paddr_t base, u64 count);
int __wrap_frame_alloc_run(struct frame_alloc *fa, u64 count, u64 align, paddr_t *out);
int __wrap_frame_free_run(struct frame_alloc *fa, paddr_t base, u64 count);

#define RUNS_MAX 1024

static u8 *ram;
static struct {
	u8 *p;
	size_t bytes;
} runs[RUNS_MAX];
static unsigned nruns; /* more than RUNS_MAX: the whole RAM is cleared */

static bool in_ram(paddr_t p, u64 count)
{
	u64 b = (u64)(uintptr_t)ram;

	return p.v >= b && count <= RAM / PAGE_SIZE && p.v - b <= RAM - count * PAGE_SIZE;
}

int __wrap_frame_alloc_run(struct frame_alloc *fa, u64 count, u64 align, paddr_t *out)
{
	int err = __real_frame_alloc_run(fa, count, align, out);

	if (err || !in_ram(*out, count))
		return err;
	ASAN_UNPOISON_MEMORY_REGION((void *)(uintptr_t)out->v, count * PAGE_SIZE);
	if (nruns < RUNS_MAX)
		runs[nruns] = (typeof(runs[0])){ (u8 *)(uintptr_t)out->v, count * PAGE_SIZE };
	nruns++;
	return 0;
}

int __wrap_frame_free_run(struct frame_alloc *fa, paddr_t base, u64 count)
{
	int err = __real_frame_free_run(fa, base, count);

	if (!err && in_ram(base, count))
		ASAN_POISON_MEMORY_REGION((void *)(uintptr_t)base.v, count * PAGE_SIZE);
	return err;
}

/* All zero and poisoned again but the first frame (the allocator's bitmap: frame_init's). */
static void ram_reset(void)
{
	if (nruns > RUNS_MAX) {
		ASAN_UNPOISON_MEMORY_REGION(ram, RAM);
		memset(ram, 0, RAM);
		ASAN_POISON_MEMORY_REGION(ram + PAGE_SIZE, RAM - PAGE_SIZE);
	}
	for (unsigned i = 0; i < nruns && nruns <= RUNS_MAX; i++) {
		ASAN_UNPOISON_MEMORY_REGION(runs[i].p, runs[i].bytes);
		memset(runs[i].p, 0, runs[i].bytes);
		ASAN_POISON_MEMORY_REGION(runs[i].p, runs[i].bytes);
	}
	memset(ram, 0, PAGE_SIZE);
	nruns = 0;
}

static struct its_model *m;
static unsigned hits;
static u32 last_dev, last_ev;

static void sink(const char *s, size_t len)
{
	(void)s, (void)len;
}

static void handler(void *ctx)
{
	u32 key = (u32)(uintptr_t)ctx;

	if (key != (last_dev << 8 | last_ev))
		abort(); /* a message reached another mapping's handler */
	hits++;
}

static void deliver(void *ctx, unsigned intid)
{
	(void)ctx;
	(void)its_lpi_dispatch(intid); /* none: the IRQ path logs it and moves on */
}

static struct its_model_cfg cfg_from(const uint8_t *d)
{
	return (struct its_model_cfg){ .devbits = 1 + d[0] % 32,
				       .idbits = 1 + d[1] % 32,
				       .ite_size = 1 + d[2] % 16,
				       .pta = d[3] & 1,
				       .psize_ro = (d[3] >> 1) & 3,
				       .stall_errors = d[3] & 8,
				       .no_plpis = (d[3] & 0x30) == 0x30,
				       .procnum = d[4] };
}

static void step(const uint8_t *op)
{
	u32 dev = op[1] | (u32)(op[2] & 0x3f) << 8, ev = op[3];

	switch (op[0] % 6) {
	case 0:
	case 1: {
		bool was = its_ready(), had = its_lpi_of(dev, ev);
		int err = its_map_event(dev, ev, handler, (void *)(uintptr_t)(dev << 8 | ev));

		if (err && !had && its_lpi_of(dev, ev))
			abort(); /* refused, yet mapped */
		if (!err && (!was || !its_lpi_of(dev, ev)))
			abort();
		break;
	}
	case 2: its_unmap_event(dev, ev); break;
	case 3:
		last_dev = dev, last_ev = ev;
		(void)its_model_msi(m, dev, ev);
		break;
	case 4:
		/* Injected errors stall the queue; an ITS that silently drops a valid command
		 * (DISCARD) would let a reused LPI reach another mapping: not what one does. */
		if (m->cfg.stall_errors) {
			m->fail_op = op[1] & 0x0f;
			m->fail_count = op[2] & 3;
		}
		break;
	default: m->stuck = op[1] == 0xff; break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct frame_alloc fa;
	struct pa_range r;
	struct its_model_cfg cfg;
	struct its_desc d = { pa(ITS_BASE), pa(RD_BASE) };

	if (size < 8)
		return 0;
	log_set_sink(sink);
	host_time_step_ns = 1000000;
	if (!ram) {
		if (!(ram = aligned_alloc(1 << 21, RAM)))
			return 0;
		memset(ram, 0, RAM);
		ASAN_POISON_MEMORY_REGION(ram + PAGE_SIZE, RAM - PAGE_SIZE);
	}
	r = (struct pa_range){ pa((u64)(uintptr_t)ram), RAM };
	if (frame_init(&fa, &r, 1, NULL, 0))
		return 0;
	cfg = cfg_from(data);
	its_reset();
	m = its_model_create(ITS_BASE, RD_BASE, &cfg);
	if (!m)
		return 0;
	its_model_add_ram(m, r.base.v, RAM);
	m->deliver = deliver;
	/* Hostile identification: the tables' Entry_Size (8..32 bytes: the model keeps its own
	 * 8-byte entries in them) and Type as the bytes say. */
	m->baser[0] = (m->baser[0] & ~(0x1fULL << 48)) | (u64)(8 * (1 + (data[5] & 3)) - 1) << 48;
	m->baser[1] = (m->baser[1] & ~(7ULL << 56)) | (u64)(data[6] & 7) << 56;
	hits = 0;
	if (its_init(&d, &fa) == 0)
		for (size_t i = 8; i + 4 <= size; i += 4)
			step(data + i);
	its_model_destroy(m);
	its_reset();
	ram_reset();
	return 0;
}
