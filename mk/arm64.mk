# arm64 image: aarch64-linux-gnu cross gcc, picolibc, Debian's arm64 libfdt.a, PIE linked at 0.
ARCH_DIR := arm64
CROSS := aarch64-linux-gnu-
IMAGE_CC := $(CROSS)gcc
IMAGE_AR := $(CROSS)ar
IMAGE_LD := $(CROSS)ld
IMAGE_OBJCOPY := $(CROSS)objcopy
PICOLIBC := /usr/lib/picolibc/aarch64-linux-gnu
ARM64_SYSROOT := $(DEPS)/arm64/sysroot
LIBFDT_A := $(ARM64_SYSROOT)/usr/lib/aarch64-linux-gnu/libfdt.a

IMAGE_CFLAGS := $(COMMON_CFLAGS) -ffreestanding -nostdinc \
	-isystem $(shell $(IMAGE_CC) -print-file-name=include) -isystem $(PICOLIBC)/include \
	-isystem $(ARM64_SYSROOT)/usr/include -mgeneral-regs-only -mstrict-align -mno-outline-atomics -fpie -fno-plt \
	-fstack-protector-strong -fno-omit-frame-pointer -MMD -MP
IMAGE_LDFLAGS := -nostdlib -pie --no-dynamic-linker -z norelro -z noexecstack \
	--gc-sections --hash-style=sysv -T linker/arm64.ld

IMAGE_ELF := $(OUT)/moat.elf
IMAGE := $(OUT)/Image
IMAGE_SRCS := $(srcs-y) $(image-srcs-y) $(arm64-srcs)
IMAGE_OBJS := $(addprefix $(OUT)/obj/,$(addsuffix .o,$(basename $(IMAGE_SRCS))))

$(OUT)/obj/%.o: %.c
	@mkdir -p $(@D)
	@echo "  CC [arm64] $<"
	$(Q)$(IMAGE_CC) $(IMAGE_CFLAGS) -Werror $(MBEDTLS_CPPFLAGS) -c $< -o $@

$(OUT)/obj/%.o: %.S
	@mkdir -p $(@D)
	@echo "  AS [arm64] $<"
	$(Q)$(IMAGE_CC) $(IMAGE_CFLAGS) -D__ASSEMBLY__ -c $< -o $@

$(IMAGE_ELF): $(IMAGE_OBJS) $(MBEDTLS_LIB) linker/arm64.ld
	@echo "  LD $@"
	$(Q)$(IMAGE_LD) $(IMAGE_LDFLAGS) -o $@ $(IMAGE_OBJS) --start-group $(MBEDTLS_LIB) \
		$(LIBFDT_A) $(PICOLIBC)/lib/libc.a --end-group
	$(Q)scripts/check-relocs.sh $@ $(CROSS)readelf

$(IMAGE): $(IMAGE_ELF)
	$(Q)$(IMAGE_OBJCOPY) -O binary $< $@
	@echo "  IMAGE $@ ($$(stat -c %s $@) bytes)"

# ---- the test image: the production objects plus tests/selftest (moat.selftest=...) ----------
TEST_ELF := $(OUT)/moat-test.elf
TEST_IMAGE := $(OUT)/Image-test
TEST_OBJS := $(addprefix $(OUT)/obj/,$(addsuffix .o,$(basename $(selftest-srcs-y) \
	$(arm64-selftest-srcs))))

$(TEST_ELF): $(IMAGE_OBJS) $(TEST_OBJS) $(MBEDTLS_LIB) linker/arm64.ld
	@echo "  LD $@"
	$(Q)$(IMAGE_LD) $(IMAGE_LDFLAGS) -o $@ $(IMAGE_OBJS) $(TEST_OBJS) --start-group \
		$(MBEDTLS_LIB) $(LIBFDT_A) $(PICOLIBC)/lib/libc.a --end-group
	$(Q)scripts/check-relocs.sh $@ $(CROSS)readelf

$(TEST_IMAGE): $(TEST_ELF)
	$(Q)$(IMAGE_OBJCOPY) -O binary $< $@
	@echo "  IMAGE $@ ($$(stat -c %s $@) bytes)"

# ---- UEFI application (GNU-EFI, the arm64 package extracted by scripts/bootstrap.sh) --------
EFI_LIBDIR := $(ARM64_SYSROOT)/usr/lib
EFI_CFLAGS := -isystem $(ARM64_SYSROOT)/usr/include/efi \
	-isystem $(ARM64_SYSROOT)/usr/include/efi/aarch64 -fshort-wchar
EFI_SRCS := $(arm64-efi-srcs)
EFI_OBJS := $(addprefix $(OUT)/obj/,$(addsuffix .o,$(basename $(EFI_SRCS))))
# Everything but the Linux Image header, which has its own .text.head.
EFI_IMAGE_OBJS := $(filter-out $(OUT)/obj/arch/arm64/head.o,$(IMAGE_OBJS))
EFI_SO := $(OUT)/moat-efi.so
EFI_APP := $(OUT)/BOOTAA64.EFI

$(OUT)/obj/boot/%.o: boot/%.c
	@mkdir -p $(@D)
	@echo "  CC [arm64 efi] $<"
	$(Q)$(IMAGE_CC) $(IMAGE_CFLAGS) $(EFI_CFLAGS) -Werror -c $< -o $@

$(EFI_SO): $(EFI_OBJS) $(EFI_IMAGE_OBJS) $(MBEDTLS_LIB) linker/arm64-efi.ld
	@echo "  LD $@"
	$(Q)$(IMAGE_LD) -nostdlib -pie --no-dynamic-linker -z norelro -z noexecstack \
		--hash-style=sysv --gc-sections --defsym=EFI_SUBSYSTEM=0xa -T linker/arm64-efi.ld \
		-o $@ $(EFI_LIBDIR)/crt0-efi-aarch64.o $(EFI_OBJS) $(EFI_IMAGE_OBJS) --start-group \
		$(MBEDTLS_LIB) $(LIBFDT_A) $(PICOLIBC)/lib/libc.a $(EFI_LIBDIR)/libgnuefi.a --end-group
	$(Q)scripts/check-relocs.sh $@ $(CROSS)readelf

$(EFI_APP): $(EFI_SO)
	$(Q)$(IMAGE_OBJCOPY) -O binary $< $@
	@echo "  EFI $@ ($$(stat -c %s $@) bytes)"

all: $(EFI_APP)

image: $(IMAGE) $(TEST_IMAGE)
include mk/esp.mk

QEMU_ARM64 := qemu-system-aarch64 -M virt,gic-version=3,virtualization=on,iommu=$(IOMMU) \
	-cpu max -accel tcg -nodefaults -display none -serial stdio -no-reboot
ifeq ($(BOOT),direct)
ifeq ($(DEMO),guests)
# The two ABI test guests of issue 8.
run: $(IMAGE) $(GUEST_CONFIG)
	timeout 60 $(QEMU_ARM64) -smp 3 -m 512 -kernel $(IMAGE) -initrd $(GUEST_CONFIG)
else ifeq ($(DEMO),linux)
# Debian's stock kernel as a 2-vCPU guest (mk/linux.mk): its console is Moat's console; /init
# prints what it found (LBA 1 of the nvme assigned to it, read by Linux's own driver) and
# powers the VM off, and Moat then powers off.
run: $(IMAGE) linux-guest
	timeout 120 $(QEMU_ARM64) -smp 2 -m 1024 -kernel $(IMAGE) -initrd $(LINUX_OUT)/linux-smp2.dtb \
		-drive file=$(LINUX_DISK),format=raw,if=none,id=nv,snapshot=on \
		-device nvme,drive=nv,serial=moatlinux,addr=03.0
else
# The default: confidential device assignment end to end (tools/run_demo.py starts and stops
# devemu, boots the demo VMs with QEMU's nvme and the SMMUv3, prints a transcript). With
# SPDM_RESPONDER=PORT SPDM_ANCHOR=root.der it uses a responder the user runs instead.
run: $(IMAGE) guests tools
	python3 tools/run_demo.py $(if $(SPDM_RESPONDER),--responder $(SPDM_RESPONDER)) \
		$(if $(SPDM_ANCHOR),--anchor $(SPDM_ANCHOR))
endif
else ifeq ($(BOOT),uefi)
# QEMU_EFI.fd as -bios: AAVMF reaches an EFI application in about 6 s under TCG.
run: $(ESP_IMG)
	timeout 120 $(QEMU_ARM64) -smp 2 -m 512 -bios /usr/share/qemu-efi-aarch64/QEMU_EFI.fd \
		$(QEMU_ESP)
else
run:
	@echo "make run: BOOT must be direct or uefi"; exit 2
endif
