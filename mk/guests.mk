# Test guests: bare-metal arm64 kernels built with the guest library, and the VM
# configuration (tests/guests/config.dts, images inlined) that Moat gets as its -initrd.
GUEST_OUT := $(BUILD)/guests
GUEST_CC := aarch64-linux-gnu-gcc
GUEST_CFLAGS := -std=gnu11 -O2 -g -ffreestanding -nostdlib -nostdinc \
	-isystem $(shell $(GUEST_CC) -print-file-name=include) -mgeneral-regs-only \
	-mstrict-align -fno-pie -fno-stack-protector -I. -Wall -Wextra -Werror -MMD -MP
GUEST_SRCS := tests/guests/start.S tests/guests/guest_tests.c guest_abi/lib/moat_guest.c
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

# The end-to-end device-assignment guest and its configurations (normal, device-error mode),
# with the devemu PKI's root digest as the guest's trust anchor.
E2E_SRCS := tests/guests/start.S tests/guests/e2e_guest.c guest_abi/lib/moat_guest.c
E2E_OBJS := $(addprefix $(GUEST_OUT)/obj/,$(addsuffix .o,$(basename $(E2E_SRCS))))
E2E_CONFIGS := $(GUEST_OUT)/e2e-config.dtb $(GUEST_OUT)/e2e-error-config.dtb
E2E_ANCHOR := $(BUILD)/tools/pki/p384/root.sha384

$(GUEST_OUT)/e2e_guest.elf: $(E2E_OBJS) tests/guests/guest.ld
	$(Q)$(GUEST_CC) $(GUEST_CFLAGS) -static -Wl,--build-id=none,--no-warn-rwx-segments -T tests/guests/guest.ld \
		-o $@ $(E2E_OBJS) -lgcc

$(GUEST_OUT)/e2e_guest.bin: $(GUEST_OUT)/e2e_guest.elf
	$(Q)aarch64-linux-gnu-objcopy -O binary $< $@

$(GUEST_OUT)/e2e-%.dts: tests/guests/e2e.dts.in $(E2E_ANCHOR)
	$(Q)sed -e "s/@ANCHOR@/$$(cat $(E2E_ANCHOR))/" \
		-e "s/@MODE@/$(if $(filter error-config,$*),error,normal)/" $< >$@

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
