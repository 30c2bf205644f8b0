# Tests: host unit tests (cmocka, ASan/UBSan), device models, fuzz harnesses, QEMU system tests.
UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(patsubst tests/unit/%.c,$(HOST_OUT)/tests/%,$(UNIT_SRCS))
TEST_SUPPORT_SRCS := $(wildcard tests/unit/support/*.c) $(shell find tests/models -name '*.c' 2>/dev/null)
TEST_SUPPORT_OBJS := $(addprefix $(HOST_OUT)/obj/,$(TEST_SUPPORT_SRCS:.c=.o))
TEST_SUPPORT_LIB := $(HOST_OUT)/libtestsupport.a
DTS_SRCS := $(wildcard tests/unit/dts/*.dts)
DTBS := $(patsubst tests/unit/dts/%.dts,$(HOST_OUT)/dtb/%.dtb,$(DTS_SRCS))
TEST_CPPFLAGS := -DTEST_DTB_DIR='"$(abspath $(HOST_OUT)/dtb)"' -Itests/unit/support -Itests/models

$(HOST_OUT)/dtb/%.dtb: tests/unit/dts/%.dts
	@mkdir -p $(@D)
	$(Q)dtc -q -I dts -O dtb -o $@ $<

$(HOST_OUT)/obj/tests/%.o: tests/%.c
	@mkdir -p $(@D)
	@echo "  CC [test] $<"
	$(Q)$(HOST_CC) $(HOST_CFLAGS) $(TEST_CPPFLAGS) -Wno-missing-prototypes -c $< -o $@

$(TEST_SUPPORT_LIB): $(TEST_SUPPORT_OBJS)
	$(Q)rm -f $@ && ar rcs $@ $^

$(HOST_OUT)/tests/%: $(HOST_OUT)/obj/tests/unit/%.o $(TEST_SUPPORT_LIB) $(HOST_LIB)
	@mkdir -p $(@D)
	$(Q)$(HOST_CC) $(HOST_SAN) -o $@ $< $(TEST_SUPPORT_LIB) $(HOST_LIB) $(HOST_LDLIBS)

# ---- ThreadSanitizer flavour of the concurrency tests (test_conc*, test_stress*) -----------
TSAN_OUT := $(BUILD)/host-tsan
TSAN_CFLAGS := $(filter-out $(HOST_SAN),$(HOST_CFLAGS)) -fsanitize=thread -fno-omit-frame-pointer
TSAN_UNIT_SRCS := $(wildcard tests/unit/test_conc*.c tests/unit/test_stress*.c)
TSAN_BINS := $(patsubst tests/unit/%.c,$(TSAN_OUT)/tests/%,$(TSAN_UNIT_SRCS))
TSAN_LIB_OBJS := $(addprefix $(TSAN_OUT)/obj/,$(addsuffix .o,$(basename $(HOST_SRCS))))
TSAN_SUPPORT_OBJS := $(addprefix $(TSAN_OUT)/obj/,$(TEST_SUPPORT_SRCS:.c=.o))

$(TSAN_OUT)/obj/tests/%.o: tests/%.c
	@mkdir -p $(@D)
	@echo "  CC [tsan] $<"
	$(Q)$(HOST_CC) $(TSAN_CFLAGS) $(TEST_CPPFLAGS) -Wno-missing-prototypes -c $< -o $@

$(TSAN_OUT)/obj/%.o: %.c
	@mkdir -p $(@D)
	@echo "  CC [tsan] $<"
	$(Q)$(HOST_CC) $(TSAN_CFLAGS) -Werror -c $< -o $@

$(TSAN_OUT)/libmoat.a: $(TSAN_LIB_OBJS)
	$(Q)rm -f $@ && ar rcs $@ $^

$(TSAN_OUT)/libtestsupport.a: $(TSAN_SUPPORT_OBJS)
	$(Q)rm -f $@ && ar rcs $@ $^

$(TSAN_OUT)/tests/%: $(TSAN_OUT)/obj/tests/unit/%.o $(TSAN_OUT)/libtestsupport.a $(TSAN_OUT)/libmoat.a
	@mkdir -p $(@D)
	$(Q)$(HOST_CC) -fsanitize=thread -o $@ $< $(TSAN_OUT)/libtestsupport.a $(TSAN_OUT)/libmoat.a \
		$(HOST_LDLIBS)

unit: $(UNIT_BINS) $(DTBS) $(TSAN_BINS)

# ---- fuzzing: libFuzzer harnesses over the same sources, built with clang -----------------
FUZZ_SRCS := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BINS := $(patsubst tests/fuzz/%.c,$(FUZZ_OUT)/%,$(FUZZ_SRCS))
FUZZ_CFLAGS := -std=gnu11 -O1 -g -I. -Iarch/host/include -Itests/unit/support -Itests/models \
	-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all -DMOAT_HOST=1 -MMD -MP
FUZZ_LIB_OBJS := $(addprefix $(FUZZ_OUT)/obj/,$(addsuffix .o,$(basename $(HOST_SRCS))))

$(FUZZ_OUT)/obj/%.o: %.c
	@mkdir -p $(@D)
	@echo "  CC [fuzz] $<"
	$(Q)clang $(FUZZ_CFLAGS) -c $< -o $@

# The log formatter is not what any harness is after, and its coverage only tells inputs apart by
# how many digits a number printed: no coverage callbacks there (sanitizers stay on).
FUZZ_NOCOV := -fno-sanitize-coverage=inline-8bit-counters,indirect-calls,trace-cmp,pc-table
$(FUZZ_OUT)/obj/lib/fmt.o $(FUZZ_OUT)/obj/core/log.o: FUZZ_CFLAGS += $(FUZZ_NOCOV)

$(FUZZ_OUT)/libmoat.a: $(FUZZ_LIB_OBJS)
	$(Q)rm -f $@ && ar rcs $@ $^

# A harness may stand in for a library call at link time (-Wl,--wrap): fuzz_its wraps the
# frame allocator's, to clear only the RAM an input was given.
FUZZ_LDFLAGS_fuzz_its := -Wl,--wrap=frame_alloc_run,--wrap=frame_free_run

$(FUZZ_OUT)/%: $(FUZZ_OUT)/obj/tests/fuzz/%.o $(FUZZ_OUT)/libmoat.a
	$(Q)clang -fsanitize=fuzzer,address,undefined $(FUZZ_LDFLAGS_$*) -o $@ $< \
		$(FUZZ_OUT)/libmoat.a $(HOST_LDLIBS)

FUZZ_SECONDS ?= 300
fuzz: $(FUZZ_BINS) $(DTBS)
	$(Q)python3 tests/run.py --fuzz --fuzz-seconds $(FUZZ_SECONDS)

# Every harness to 10^7 executions or CAMPAIGN_SECONDS each (the cap: 33 harnesses at
# 10^4 execs/s would take 9 hours), corpus kept in build/fuzz/campaign/.
CAMPAIGN_SECONDS ?= 120
fuzz-campaign: $(FUZZ_BINS) $(DTBS)
	$(Q)python3 tests/run.py --fuzz-campaign --campaign-seconds $(CAMPAIGN_SECONDS)
.PHONY: fuzz-campaign

# ---- benchmarks: tests/bench/bench_*.c, optimised, no sanitizers; print figures ----------------
BENCH_OUT := $(BUILD)/bench
BENCH_SRCS := $(wildcard tests/bench/bench_*.c)
BENCH_BINS := $(patsubst tests/bench/%.c,$(BENCH_OUT)/%,$(BENCH_SRCS))
BENCH_CFLAGS := -std=gnu11 -O2 -g $(WARN) -I. -Iarch/host/include -Itests/unit/support \
	-Itests/models -DMOAT_HOST=1 -DNDEBUG -MMD -MP
BENCH_LIB_OBJS := $(addprefix $(BENCH_OUT)/obj/,$(addsuffix .o,$(basename $(HOST_SRCS))))
BENCH_SUPPORT_OBJS := $(addprefix $(BENCH_OUT)/obj/,$(filter tests/models/%,$(TEST_SUPPORT_SRCS:.c=.o)))

$(BENCH_OUT)/obj/%.o: %.c
	@mkdir -p $(@D)
	@echo "  CC [bench] $<"
	$(Q)$(HOST_CC) $(BENCH_CFLAGS) -Wno-missing-prototypes -c $< -o $@

BENCH_LIB := $(BENCH_OUT)/libmoat.a

# An archive, as for the unit tests: a benchmark pulls in only the objects it needs.
$(BENCH_LIB): $(BENCH_LIB_OBJS)
	$(Q)rm -f $@ && ar rcs $@ $^

$(BENCH_OUT)/%: $(BENCH_OUT)/obj/tests/bench/%.o $(BENCH_SUPPORT_OBJS) $(BENCH_LIB)
	$(Q)$(HOST_CC) -o $@ $^ $(HOST_LDLIBS)

# ---- the whole pyramid -----------------------------------------------------------------------
# The system tests need every arch's image whatever ARCH says; building both also proves the
# generic code compiles for each target.
.PHONY: images-all
images-all:
	$(Q)$(MAKE) --no-print-directory ARCH=arm64 image
	$(Q)$(MAKE) --no-print-directory ARCH=x86_64 image
	$(Q)$(MAKE) --no-print-directory ARCH=arm64 DEBUG=1 $(BUILD)/arm64-debug/Image

test: unit $(FUZZ_BINS) images-all guests linux-guest
	$(Q)python3 tests/run.py --style --layers --images --unit --fuzz-smoke --system

soak: unit
	$(Q)MOAT_SOAK=1 python3 tests/run.py --unit

bench: $(BENCH_BINS)
	$(Q)python3 tests/run.py --bench
