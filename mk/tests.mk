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

unit: $(UNIT_BINS) $(DTBS)

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

$(FUZZ_OUT)/libmoat.a: $(FUZZ_LIB_OBJS)
	$(Q)rm -f $@ && ar rcs $@ $^

$(FUZZ_OUT)/%: $(FUZZ_OUT)/obj/tests/fuzz/%.o $(FUZZ_OUT)/libmoat.a
	$(Q)clang -fsanitize=fuzzer,address,undefined -o $@ $< $(FUZZ_OUT)/libmoat.a $(HOST_LDLIBS)

FUZZ_SECONDS ?= 300
fuzz: $(FUZZ_BINS) $(DTBS)
	$(Q)python3 tests/run.py --fuzz --fuzz-seconds $(FUZZ_SECONDS)

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

$(BENCH_OUT)/%: $(BENCH_OUT)/obj/tests/bench/%.o $(BENCH_SUPPORT_OBJS) $(BENCH_LIB_OBJS)
	$(Q)$(HOST_CC) -o $@ $^ $(HOST_LDLIBS)

# ---- the whole pyramid -----------------------------------------------------------------------
# The system tests need every arch's image whatever ARCH says; building both also proves the
# generic code compiles for each target.
.PHONY: images-all
images-all:
	$(Q)$(MAKE) --no-print-directory ARCH=arm64 image
	$(Q)$(MAKE) --no-print-directory ARCH=x86_64 image

test: unit $(FUZZ_BINS) images-all guests
	$(Q)python3 tests/run.py --style --layers --images --unit --fuzz-smoke --system

soak: unit
	$(Q)MOAT_SOAK=1 python3 tests/run.py --unit

bench: $(BENCH_BINS)
	$(Q)python3 tests/run.py --bench
