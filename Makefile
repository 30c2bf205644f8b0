# Moat: one entry point. See README.md.
#   make [ARCH=arm64|x86_64]     build the hypervisor image (default arm64)
#   make run [ARCH=] [BOOT=direct|uefi] [IOMMU=smmuv3|vtd|amdvi]
#   make test                    unit tests (ASan/UBSan), fuzz smoke runs, QEMU system tests
#   make deps | bench | fuzz | soak | clean
ARCH ?= arm64
BOOT ?= direct
IOMMU ?= smmuv3
V ?= 0

ifeq ($(V),0)
Q := @
else
Q :=
endif

BUILD := build
DEPS := $(BUILD)/deps
OUT := $(BUILD)/$(ARCH)
HOST_OUT := $(BUILD)/host
FUZZ_OUT := $(BUILD)/fuzz

.DEFAULT_GOAL := all
.PHONY: all image run test unit fuzz-smoke systest bench fuzz soak deps clean distclean format help
.SUFFIXES:
.SECONDARY:

# Every target except these needs the dependencies; the bootstrap is idempotent and quiet
# when there is nothing to do, so it runs on every invocation.
NO_DEPS_GOALS := clean distclean help format
ifeq ($(filter-out $(NO_DEPS_GOALS),$(or $(MAKECMDGOALS),all)),)
else ifndef MOAT_SKIP_BOOTSTRAP
BOOTSTRAP_RC := $(shell scripts/bootstrap.sh >&2; echo $$?)
ifneq ($(BOOTSTRAP_RC),0)
$(error dependency bootstrap failed (see above); run 'make deps' for details)
endif
export MOAT_SKIP_BOOTSTRAP := 1
endif

deps:
	@scripts/bootstrap.sh

# ---- sources -------------------------------------------------------------------------------
srcs-y :=
image-srcs-y :=
selftest-srcs-y :=
arm64-srcs :=
x86_64-srcs :=
host-srcs :=
include $(sort $(wildcard */objects.mk */*/objects.mk))

ARCH_DIR := $(if $(filter x86_64,$(ARCH)),x86,$(ARCH))
ifeq ($(filter arm64 x86_64,$(ARCH)),)
$(error ARCH must be arm64 or x86_64, not '$(ARCH)')
endif

WARN := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wvla \
	-Wno-unused-parameter
COMMON_CFLAGS := -std=gnu11 -O2 -g -fno-common -ffunction-sections -fdata-sections $(WARN) \
	-I. -Iarch/$(ARCH_DIR)/include

include mk/mbedtls.mk
include mk/guests.mk
include mk/$(ARCH).mk
include mk/host.mk
include mk/tests.mk
include mk/tools.mk

all: $(IMAGE)

# ---- housekeeping --------------------------------------------------------------------------
clean:
	rm -rf $(BUILD)/arm64 $(BUILD)/x86_64 $(BUILD)/host $(BUILD)/fuzz $(BUILD)/test

distclean:
	rm -rf $(BUILD)

format:
	@clang-format -i $$(git ls-files '*.c' '*.h')

help:
	@sed -n '2,6p' Makefile

-include $(shell find $(BUILD) -path $(DEPS) -prune -o -name '*.d' -type f -print 2>/dev/null)
