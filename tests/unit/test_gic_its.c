// SPDX-License-Identifier: MIT
/*
 * The GICv3 ITS driver (arch/arm64/gic_its.c) against the ITS model (tests/models/its/):
 * bring-up of the tables, the command queue and the redistributor's LPIs; the commands it
 * sends, checked dword by dword against the layouts of IHI 0069H 5.3; translation of
 * (DeviceID, EventID) by the model to the LPI the driver chose and on to its handler; the
 * designed errors (a stalled queue, a timeout, out-of-range IDs, exhausted LPIs) that leave
 * no mapping behind.
 */
#include <stdlib.h>
#include <string.h>

#include "test_util.h"

#include "arch/arm64/gic_its.h"
#include "core/frame.h"
#include "its/its_model.h"
#include "lib/err.h"

#define ITS_BASE 0x40000000ULL
#define RD_BASE 0x40100000ULL
#define RAM_SIZE (4u << 20)

static struct {
	u8 *ram;
	struct frame_alloc fa;
	struct its_model *m;
	unsigned calls[4];
	u64 free_after_init;
} t;

static void lpi_arrives(void *ctx, unsigned intid)
{
	(void)ctx;
	assert_true(its_lpi_dispatch(intid)); /* what the EL2 IRQ path does with an LPI */
}

static void handler(void *ctx)
{
	t.calls[(uintptr_t)ctx]++;
}

static int up(struct its_model_cfg cfg)
{
	struct pa_range r;

	memset(&t, 0, sizeof(t));
	test_log_capture();
	test_log_reset();
	host_time_step_ns = 1000;
	its_reset();
	t.ram = aligned_alloc(1 << 21, RAM_SIZE);
	if (!t.ram)
		return -1;
	memset(t.ram, 0xa5, RAM_SIZE); /* the driver must zero what it gives the ITS */
	r = (struct pa_range){ pa((u64)(uintptr_t)t.ram), RAM_SIZE };
	if (frame_init(&t.fa, &r, 1, NULL, 0))
		return -1;
	t.m = its_model_create(ITS_BASE, RD_BASE, &cfg);
	if (!t.m)
		return -1;
	its_model_add_ram(t.m, r.base.v, RAM_SIZE);
	t.m->deliver = lpi_arrives;
	return 0;
}

static int init(void)
{
	struct its_desc d = { pa(ITS_BASE), pa(RD_BASE) };
	int err = its_init(&d, &t.fa);

	t.free_after_init = frame_free_count(&t.fa);
	return err;
}

static int setup(void **state)
{
	(void)state;
	if (up(its_model_default_cfg()) || init())
		return -1;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	its_model_destroy(t.m);
	free(t.ram);
	its_reset();
	return 0;
}

static void assert_cmd(unsigned i, u64 w0, u64 w1, u64 w2, u64 w3)
{
	assert_true(i < t.m->nlog);
	assert_int_equal(t.m->log[i].dw[0], w0);
	assert_int_equal(t.m->log[i].dw[1], w1);
	assert_int_equal(t.m->log[i].dw[2], w2);
	assert_int_equal(t.m->log[i].dw[3], w3);
}

/* 12.19, 12.11: tables valid, queue valid, LPIs on; then MAPC, INVALL, SYNC for collection 0. */
static void init_maps_collection_zero_on_the_redistributor(void **state)
{
	(void)state;
	assert_true(its_ready());
	assert_int_equal(t.m->ctlr & 1, 1);
	assert_true(t.m->baser[0] >> 63 && t.m->baser[1] >> 63 && t.m->cbaser >> 63);
	assert_int_equal(t.m->gicr_ctlr & 1, 1);
	assert_int_equal(t.m->propbaser & 0x1f, 13);		  /* 14 ID bits: LPIs 8192..16383 */
	assert_int_equal(t.m->pendbaser & 0xffff, 0x400 | 0x380); /* 64 KiB aligned, IS, WB */
	assert_int_equal(t.m->nlog, 3);
	assert_cmd(0, 0x09, 0, 1ULL << 63 | 0, 0); /* MAPC ICID 0 -> Processor_Number 0, V */
	assert_cmd(1, 0x0d, 0, 0, 0);		   /* INVALL ICID 0 */
	assert_cmd(2, 0x05, 0, 0, 0);		   /* SYNC RDbase 0 */
	assert_int_equal(t.m->errors, 0);
	assert_int_equal(its_doorbell().v, ITS_BASE + 0x10040);
	assert_true(test_log_has("its: ITS at 0x40000000: 8192 DeviceIDs"));
}

/* 5.3.9 MAPD, 5.3.11 MAPTI, 5.3.8 INV, 5.3.20 SYNC, byte for byte. */
static void map_sends_mapd_mapti_inv_sync(void **state)
{
	u64 itt;

	(void)state;
	assert_int_equal(its_map_event(0x0010, 3, handler, (void *)1), 0);
	assert_int_equal(t.m->nlog, 7);
	itt = t.m->log[3].dw[2] & ~(1ULL << 63);
	assert_true(itt >= (u64)(uintptr_t)t.ram && itt < (u64)(uintptr_t)t.ram + RAM_SIZE);
	assert_int_equal(itt & 0xff, 0);			     /* ITT_addr is bits 51:8 */
	assert_cmd(3, 0x08 | 0x10ULL << 32, 7, 1ULL << 63 | itt, 0); /* 8 EventID bits */
	assert_cmd(4, 0x0a | 0x10ULL << 32, 3 | 8192ULL << 32, 0, 0);
	assert_cmd(5, 0x0c | 0x10ULL << 32, 3, 0, 0);
	assert_cmd(6, 0x05, 0, 0, 0);
	assert_int_equal(its_lpi_of(0x10, 3), 8192);
	assert_int_equal(its_model_lookup(t.m, 0x10, 3), 8192);
	/* A second event of the same device: no new MAPD. */
	assert_int_equal(its_map_event(0x0010, 0, handler, (void *)2), 0);
	assert_int_equal(t.m->nlog, 10);
	assert_cmd(7, 0x0a | 0x10ULL << 32, 0 | 8193ULL << 32, 0, 0);
	assert_int_equal(t.m->errors, 0);
}

/* A device write to GITS_TRANSLATER reaches exactly the handler of its (DeviceID, EventID). */
static void a_message_reaches_only_its_handler(void **state)
{
	(void)state;
	assert_int_equal(its_map_event(0x0010, 3, handler, (void *)1), 0);
	assert_int_equal(its_map_event(0x0018, 3, handler, (void *)2), 0);
	assert_int_equal(its_model_msi(t.m, 0x0010, 3), 0);
	assert_int_equal(t.calls[1], 1);
	assert_int_equal(t.calls[2], 0);
	assert_int_equal(its_model_msi(t.m, 0x0018, 3), 0);
	assert_int_equal(t.calls[2], 1);
	assert_int_equal(its_model_msi(t.m, 0x0010, 4), -1); /* an event Moat did not map */
	assert_int_equal(its_model_msi(t.m, 0x0011, 3), -1); /* another requester */
	assert_int_equal(t.calls[1] + t.calls[2], 2);
	assert_int_equal(t.m->dropped, 2);
	assert_false(its_lpi_dispatch(8192 + 200)); /* an LPI nobody mapped */
	assert_false(its_lpi_dispatch(100));
}

/* 5.3.4 DISCARD then SYNC; the device's last event takes its ITT with it (MAPD V=0). */
static void unmap_discards_and_frees_the_itt(void **state)
{
	(void)state;
	assert_int_equal(its_map_event(0x0010, 3, handler, (void *)1), 0);
	assert_true(frame_free_count(&t.fa) < t.free_after_init);
	its_unmap_event(0x0010, 3);
	assert_int_equal(t.m->nlog, 11);
	assert_cmd(7, 0x0f | 0x10ULL << 32, 3, 0, 0);
	assert_cmd(8, 0x05, 0, 0, 0);
	assert_cmd(9, 0x08 | 0x10ULL << 32, 7, 0, 0);
	assert_cmd(10, 0x05, 0, 0, 0);
	assert_int_equal(frame_free_count(&t.fa), t.free_after_init);
	assert_int_equal(its_lpi_of(0x10, 3), 0);
	assert_int_equal(its_model_msi(t.m, 0x0010, 3), -1);
	assert_int_equal(t.calls[1], 0);
	its_unmap_event(0x0010, 3); /* twice: nothing more is sent */
	assert_int_equal(t.m->nlog, 11);
	/* The LPI is handed out again. */
	assert_int_equal(its_map_event(0x0020, 1, handler, (void *)1), 0);
	assert_int_equal(its_lpi_of(0x20, 1), 8192);
}

/* IDs outside what the ITS or Moat supports, duplicates and exhaustion are refused, and the
 * ITS is not told anything. */
static void bad_ids_and_exhaustion_are_refused(void **state)
{
	unsigned n;

	(void)state;
	n = t.m->nlog;
	assert_int_equal(its_map_event(8192, 0, handler, NULL), -E_RANGE); /* past the table */
	assert_int_equal(its_map_event(1, ITS_MAX_EVENTS, handler, NULL), -E_RANGE);
	assert_int_equal(its_map_event(1, 0, NULL, NULL), -E_INVAL);
	assert_int_equal(t.m->nlog, n);
	assert_int_equal(its_map_event(1, 0, handler, NULL), 0);
	assert_int_equal(its_map_event(1, 0, handler, NULL), -E_BUSY);
	for (u32 d = 2; d <= ITS_MAX_DEVICES; d++)
		assert_int_equal(its_map_event(d, 0, handler, NULL), 0);
	assert_int_equal(its_map_event(ITS_MAX_DEVICES + 1, 0, handler, NULL), -E_NOSPC);
	for (u32 e = 1; e < ITS_MAX_EVENTS; e++)
		assert_int_equal(its_map_event(1, e, handler, NULL),
				 e < ITS_MAX_LPIS - ITS_MAX_DEVICES + 1 ? 0 : -E_NOSPC);
	assert_int_equal(t.m->errors, 0);
}

/* A command error stalls the queue: the mapping is undone, the ITS is stopped, one line. */
static void a_stalled_queue_stops_the_its(void **state)
{
	(void)state;
	t.m->fail_op = 0x0a;
	t.m->fail_count = 1;
	assert_int_equal(its_map_event(0x0010, 3, handler, (void *)1), -E_IO);
	assert_true(t.m->creadr & 1);
	assert_false(its_ready());
	assert_int_equal(its_lpi_of(0x10, 3), 0);
	assert_true(test_log_has("its: error: command MAPTI not completed (I/O error"));
	assert_int_equal(its_map_event(0x0018, 0, handler, (void *)1), -E_IO);
	assert_int_equal(its_model_msi(t.m, 0x0010, 3), -1);
	assert_int_equal(t.calls[1], 0);
}

/* An ITS that never consumes its queue: a bounded wait, then -E_TIMEOUT. */
static void a_queue_that_never_moves_times_out(void **state)
{
	(void)state;
	t.m->stuck = true;
	assert_int_equal(its_map_event(0x0010, 3, handler, (void *)1), -E_TIMEOUT);
	assert_false(its_ready());
	assert_int_equal(its_lpi_of(0x10, 3), 0);
	assert_true(test_log_has("its: error: command MAPD not completed (timed out"));
}

/* Page_Size read-only at 64 KiB (QEMU's reset value): tables sized and aligned to it. */
static void a_fixed_64k_page_size_is_followed(void **state)
{
	struct its_model_cfg cfg = its_model_default_cfg();

	(void)state;
	cfg.psize_ro = 3;
	cfg.pta = true;
	assert_int_equal(up(cfg), 0);
	assert_int_equal(init(), 0);
	assert_int_equal((t.m->baser[0] >> 8) & 3, 2);
	assert_int_equal(t.m->baser[0] & 0xffff000, t.m->baser[0] & 0xfff0000);
	assert_int_equal(t.m->baser[0] & 0xff, 0); /* one 64 KiB page */
	/* PTA: RDbase is the redistributor's physical address >> 16. */
	assert_cmd(0, 0x09, 0, 1ULL << 63 | (RD_BASE >> 16) << 16, 0);
	assert_int_equal(its_map_event(0x0010, 3, handler, (void *)1), 0);
	assert_int_equal(its_model_msi(t.m, 0x0010, 3), 0);
	assert_int_equal(t.calls[1], 1);
}

/* No physical LPIs on the redistributor: the ITS is left disabled, its registers clear. */
static void without_lpis_nothing_is_left_enabled(void **state)
{
	struct its_model_cfg cfg = its_model_default_cfg();

	(void)state;
	cfg.no_plpis = true;
	assert_int_equal(up(cfg), 0);
	assert_int_equal(init(), -E_NODEV);
	assert_false(its_ready());
	assert_int_equal(t.m->ctlr, 0);
	assert_int_equal(t.m->baser[0] >> 63, 0);
	assert_int_equal(t.m->cbaser, 0);
	assert_int_equal(its_map_event(0x10, 0, handler, NULL), -E_NODEV);
	assert_true(test_log_has("its: error: ITS at 0x40000000 not used: no such device"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(init_maps_collection_zero_on_the_redistributor,
						setup, teardown),
		cmocka_unit_test_setup_teardown(map_sends_mapd_mapti_inv_sync, setup, teardown),
		cmocka_unit_test_setup_teardown(a_message_reaches_only_its_handler, setup,
						teardown),
		cmocka_unit_test_setup_teardown(unmap_discards_and_frees_the_itt, setup, teardown),
		cmocka_unit_test_setup_teardown(bad_ids_and_exhaustion_are_refused, setup,
						teardown),
		cmocka_unit_test_setup_teardown(a_stalled_queue_stops_the_its, setup, teardown),
		cmocka_unit_test_setup_teardown(a_queue_that_never_moves_times_out, setup,
						teardown),
		cmocka_unit_test_teardown(a_fixed_64k_page_size_is_followed, teardown),
		cmocka_unit_test_teardown(without_lpis_nothing_is_left_enabled, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
