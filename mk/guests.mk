# Test guests: bare-metal arm64 kernels built with the guest library, and the VM
# configuration (tests/guests/config.dts, images inlined) that Moat gets as its -initrd.
GUEST_OUT := $(BUILD)/guests
GUEST_CC := aarch64-linux-gnu-gcc
GUEST_CFLAGS := -std=gnu11 -O2 -g -ffreestanding -nostdlib -nostdinc \
	-isystem $(shell $(GUEST_CC) -print-file-name=include) -mgeneral-regs-only \
	-mstrict-align -fno-pie -fno-stack-protector -I. -Wall -Wextra -Werror -MMD -MP
GUEST_SRCS := tests/guests/start.S tests/guests/guest_tests.c tests/guests/guest_check.c \
	tests/guests/guest_abi_cases.c \
	guest_abi/lib/moat_guest.c
GUEST_OBJS := $(addprefix $(GUEST_OUT)/obj/,$(addsuffix .o,$(basename $(GUEST_SRCS))))
GUEST_CONFIG := $(GUEST_OUT)/moat-config.dtb
GUEST_BENCH_CONFIG := $(GUEST_OUT)/moat-bench.dtb

$(GUEST_OUT)/obj/%.o: %.c
	@mkdir -p $(@D)
	@echo "  CC [guest] $<"
	$(Q)$(GUEST_CC) $(GUEST_CFLAGS) -c $< -o $@

$(GUEST_OUT)/obj/%.o: %.S
	@mkdir -p $(@D)
	$(Q)$(GUEST_CC) $(GUEST_CFLAGS) -c $< -o $@

$(GUEST_OUT)/guest_tests.elf: $(GUEST_OBJS) tests/guests/guest.ld
	$(Q)$(GUEST_CC) $(GUEST_CFLAGS) -static -Wl,--build-id=none,--no-warn-rwx-segments -T tests/guests/guest.ld \
		-o $@ $(GUEST_OBJS) -lgcc

$(GUEST_OUT)/guest_tests.bin: $(GUEST_OUT)/guest_tests.elf
	$(Q)aarch64-linux-gnu-objcopy -O binary $< $@

$(GUEST_CONFIG): tests/guests/config.dts $(GUEST_OUT)/guest_tests.bin
	@echo "  DTC $@"
	$(Q)dtc -q -I dts -O dtb -i $(GUEST_OUT) -o $@ $<

$(GUEST_BENCH_CONFIG): tests/guests/bench.dts $(GUEST_OUT)/guest_tests.bin
	@echo "  DTC $@"
	$(Q)dtc -q -I dts -O dtb -i $(GUEST_OUT) -o $@ $<

$(GUEST_OUT)/bad-config.dtb: tests/guests/bad_config.dts
	@mkdir -p $(@D)
	$(Q)dtc -q -I dts -O dtb -o $@ $<

# mbedTLS for the e2e guest, which verifies its device's signatures itself: the Debian source
# Moat uses (build/deps), compiled a second time with the guest's flags and a verify-only
# configuration, picolibc's headers; tests/guests/guest_libc.c supplies the few functions.
GUEST_PICOLIBC_INC := /usr/lib/picolibc/aarch64-linux-gnu/include
GUEST_MBEDTLS_MODULES := asn1parse asn1write bignum constant_time ecdsa ecp ecp_curves md \
	memory_buffer_alloc oid pk pk_wrap pkparse platform platform_util sha256 sha512 x509 x509_crt
GUEST_MBEDTLS_OUT := $(GUEST_OUT)/mbedtls
GUEST_MBEDTLS_LIB := $(GUEST_MBEDTLS_OUT)/libmbedcrypto.a
GUEST_MBEDTLS_CPPFLAGS := -isystem $(GUEST_PICOLIBC_INC) -I$(MBEDTLS_SRC)/include \
	-Itests/guests/mbedtls -DMBEDTLS_CONFIG_FILE='"guest_mbedtls_config.h"'

$(GUEST_MBEDTLS_OUT)/%.o: $(MBEDTLS_SRC)/library/%.c tests/guests/mbedtls/guest_mbedtls_config.h
	@mkdir -p $(@D)
	@echo "  CC [guest mbedtls] $*.c"
	$(Q)$(GUEST_CC) $(GUEST_CFLAGS) -w $(GUEST_MBEDTLS_CPPFLAGS) -c $< -o $@

$(GUEST_MBEDTLS_LIB): $(GUEST_MBEDTLS_MODULES:%=$(GUEST_MBEDTLS_OUT)/%.o)
	$(Q)rm -f $@ && aarch64-linux-gnu-ar rcs $@ $^

# The end-to-end device-assignment guest and its configurations (normal, device-error mode),
# with the devemu PKI's root digest as the guest's trust anchor.
E2E_CRYPTO_SRCS := tests/guests/e2e_evidence.c tests/guests/guest_libc.c lib/fmt.c
E2E_SRCS := tests/guests/start.S tests/guests/e2e_guest.c guest_abi/lib/moat_guest.c \
	guest_abi/lib/moat_evidence.c $(E2E_CRYPTO_SRCS)
E2E_OBJS := $(addprefix $(GUEST_OUT)/obj/,$(addsuffix .o,$(basename $(E2E_SRCS))))
E2E_CONFIGS := $(GUEST_OUT)/e2e-config.dtb $(GUEST_OUT)/e2e-error-config.dtb \
	$(GUEST_OUT)/e2e-refuse-config.dtb
E2E_ANCHOR := $(BUILD)/tools/pki/p384/root.sha384

$(addprefix $(GUEST_OUT)/obj/,$(E2E_CRYPTO_SRCS:.c=.o)): GUEST_CFLAGS += $(GUEST_MBEDTLS_CPPFLAGS) \
	-fno-tree-loop-distribute-patterns
$(addprefix $(GUEST_OUT)/obj/,$(E2E_CRYPTO_SRCS:.c=.o)): $(GUEST_MBEDTLS_LIB)

$(GUEST_OUT)/e2e_guest.elf: $(E2E_OBJS) $(GUEST_MBEDTLS_LIB) tests/guests/guest.ld
	$(Q)$(GUEST_CC) $(GUEST_CFLAGS) -static -Wl,--build-id=none,--no-warn-rwx-segments -T tests/guests/guest.ld \
		-o $@ $(E2E_OBJS) $(GUEST_MBEDTLS_LIB) -lgcc

$(GUEST_OUT)/e2e_guest.bin: $(GUEST_OUT)/e2e_guest.elf
	$(Q)aarch64-linux-gnu-objcopy -O binary $< $@

$(GUEST_OUT)/e2e-%.dts: tests/guests/e2e.dts.in $(E2E_ANCHOR)
	$(Q)sed -e "s/@ANCHOR@/$$(cat $(E2E_ANCHOR))/" \
		-e "s/@MODE@/$(if $(filter error-config,$*),error,$(if $(filter refuse-config,$*),refuse,normal))/" $< >$@

$(GUEST_OUT)/e2e-%.dtb: $(GUEST_OUT)/e2e-%.dts $(GUEST_OUT)/e2e_guest.bin
	@echo "  DTC $@"
	$(Q)dtc -q -I dts -O dtb -i $(GUEST_OUT) -o $@ $<

guests: $(GUEST_CONFIG) $(GUEST_BENCH_CONFIG) $(GUEST_OUT)/bad-config.dtb $(E2E_CONFIGS)
.PHONY: guests guest-bench

# make bench: hypercall path length in instructions (QEMU -icount shift=0).
guest-bench: $(GUEST_BENCH_CONFIG)
	$(Q)$(MAKE) --no-print-directory ARCH=arm64 image
	$(Q)python3 tests/system/scenarios/vm_arm64_bench.py
bench: guest-bench

# The x86_64 test guest (tests/guests/x86/): the same guest library, the host's gcc in
# freestanding 64-bit mode, linked at the kernel slot of the x86 VM map.
X86_GUEST_CC := gcc
X86_GUEST_CFLAGS := -std=gnu11 -O2 -g -ffreestanding -nostdlib -nostdinc \
	-isystem $(shell $(X86_GUEST_CC) -print-file-name=include) -m64 -mno-red-zone \
	-mgeneral-regs-only -fno-pie -fno-stack-protector -fcf-protection=none -I. \
	-Wall -Wextra -Werror -MMD -MP
X86_GUEST_SRCS := tests/guests/x86/start.S tests/guests/x86/x86_guest.c tests/guests/guest_check.c \
	tests/guests/guest_abi_cases.c \
	guest_abi/lib/moat_guest.c
X86_GUEST_OBJS := $(addprefix $(GUEST_OUT)/x86/,$(addsuffix .o,$(basename $(X86_GUEST_SRCS))))

$(GUEST_OUT)/x86/%.o: %.c
	@mkdir -p $(@D)
	@echo "  CC [x86 guest] $<"
	$(Q)$(X86_GUEST_CC) $(X86_GUEST_CFLAGS) -c $< -o $@

$(GUEST_OUT)/x86/%.o: %.S
	@mkdir -p $(@D)
	$(Q)$(X86_GUEST_CC) $(X86_GUEST_CFLAGS) -c $< -o $@

$(GUEST_OUT)/x86_guest.elf: $(X86_GUEST_OBJS) tests/guests/x86/guest.ld
	$(Q)$(X86_GUEST_CC) $(X86_GUEST_CFLAGS) -static -no-pie \
		-Wl,--build-id=none,--no-warn-rwx-segments -T tests/guests/x86/guest.ld \
		-o $@ $(X86_GUEST_OBJS) -lgcc

$(GUEST_OUT)/x86_guest.bin: $(GUEST_OUT)/x86_guest.elf
	$(Q)objcopy -O binary $< $@

X86_GUEST_CONFIG := $(GUEST_OUT)/moat-x86-config.dtb
X86_GUEST_BENCH_CONFIG := $(GUEST_OUT)/moat-x86-bench.dtb
X86_GUEST_HOSTILE_CONFIG := $(GUEST_OUT)/moat-x86-hostile.dtb

$(GUEST_OUT)/moat-x86-%.dtb: tests/guests/x86/%.dts $(GUEST_OUT)/x86_guest.bin
	@echo "  DTC $@"
	$(Q)dtc -q -I dts -O dtb -i $(GUEST_OUT) -o $@ $<

guests: $(GUEST_OUT)/x86_guest.bin $(X86_GUEST_CONFIG) $(X86_GUEST_BENCH_CONFIG) \
	$(X86_GUEST_HOSTILE_CONFIG)

# make bench: the same two figures on x86_64 (the production image, QEMU -icount shift=0).
guest-bench-x86: $(X86_GUEST_BENCH_CONFIG)
	$(Q)$(MAKE) --no-print-directory ARCH=x86_64 image
	$(Q)python3 tests/system/scenarios/svm_x86_bench.py
bench: guest-bench-x86
.PHONY: guest-bench-x86

# ... and on VMX under Bochs (VMX test image; Bochs' TSC counts instructions).
guest-bench-vmx: $(GUEST_OUT)/x86_guest.bin
	$(Q)$(MAKE) --no-print-directory ARCH=x86_64 image
	$(Q)python3 tests/system/scenarios/bochs_vmx_bench.py
bench: guest-bench-vmx
.PHONY: guest-bench-vmx

# The x86 device-assignment guest (tests/guests/x86/x86_dev.c over tests/guests/dev_cases.c)
# and its configurations: one x86 VM that owns QEMU's edu or NVMe (tsm-policy "none") at
# 00:01.0 (VT-d) or at 00:02.0 behind QEMU's AMD-Vi (its own function is 00:01.0), which
# writes no fault records.
X86_DEV_SRCS := tests/guests/x86/start.S tests/guests/x86/x86_dev.c tests/guests/dev_cases.c \
	tests/guests/guest_check.c guest_abi/lib/moat_guest.c
X86_DEV_OBJS := $(addprefix $(GUEST_OUT)/x86/,$(addsuffix .o,$(basename $(X86_DEV_SRCS))))
X86_DEV_CONFIGS := $(GUEST_OUT)/moat-x86-dev.dtb $(GUEST_OUT)/moat-x86-dev-amdvi.dtb

$(GUEST_OUT)/x86_dev_guest.elf: $(X86_DEV_OBJS) tests/guests/x86/guest.ld
	$(Q)$(X86_GUEST_CC) $(X86_GUEST_CFLAGS) -static -no-pie \
		-Wl,--build-id=none,--no-warn-rwx-segments -T tests/guests/x86/guest.ld \
		-o $@ $(X86_DEV_OBJS) -lgcc

$(GUEST_OUT)/x86_dev_guest.bin: $(GUEST_OUT)/x86_dev_guest.elf
	$(Q)objcopy -O binary $< $@

$(GUEST_OUT)/moat-x86-dev.dts: tests/guests/x86/dev.dts.in
	@mkdir -p $(@D)
	$(Q)sed -e 's/@BDF@/0x0008/' -e 's/@BOOTARGS@//' $< >$@

$(GUEST_OUT)/moat-x86-dev-amdvi.dts: tests/guests/x86/dev.dts.in
	@mkdir -p $(@D)
	$(Q)sed -e 's/@BDF@/0x0010/' -e 's/@BOOTARGS@/moat.dev.no-records/' $< >$@

$(X86_DEV_CONFIGS): %.dtb: %.dts $(GUEST_OUT)/x86_dev_guest.bin
	@echo "  DTC $@"
	$(Q)dtc -q -I dts -O dtb -i $(GUEST_OUT) -o $@ $<

guests: $(X86_DEV_CONFIGS)
