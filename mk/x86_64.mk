# x86_64 image: freestanding gcc with the in-tree C library subset (no picolibc package for
# x86_64) and Debian's amd64 libfdt.a. Two links of the same objects:
#   build/x86_64/moat.elf   direct boot (QEMU -kernel, PVH ELF note), static at 2 MiB;
#   build/x86_64/BOOTX64.EFI  the UEFI application (GNU-EFI, mk/efi.mk).
#   build/x86_64/moat.iso   the same moat.elf on a GRUB ISO, entered through multiboot2.
IMAGE_CC := gcc
IMAGE_AR := ar
IMAGE_LD := ld
IMAGE_OBJCOPY := objcopy
X86_INC := $(DEPS)/x86_64/include
LIBFDT_A := /usr/lib/x86_64-linux-gnu/libfdt.a

IMAGE_CFLAGS := $(COMMON_CFLAGS) -ffreestanding -nostdinc \
	-isystem $(shell $(IMAGE_CC) -print-file-name=include) -isystem lib/libc/include \
	-isystem $(X86_INC) -m64 -mno-red-zone -mgeneral-regs-only -fpie -fno-plt \
	-fstack-protector-strong -fno-omit-frame-pointer -MMD -MP

IMAGE_ELF := $(OUT)/moat.elf
IMAGE := $(IMAGE_ELF)
IMAGE_SRCS := $(srcs-y) $(image-srcs-y) $(x86_64-srcs)
IMAGE_OBJS := $(addprefix $(OUT)/obj/,$(addsuffix .o,$(basename $(IMAGE_SRCS))))
DIRECT_OBJS := $(addprefix $(OUT)/obj/,$(addsuffix .o,$(basename $(x86_64-direct-srcs))))

$(OUT)/obj/%.o: %.c
	@mkdir -p $(@D)
	@echo "  CC [x86_64] $<"
	$(Q)$(IMAGE_CC) $(IMAGE_CFLAGS) -Werror $(MBEDTLS_CPPFLAGS) -c $< -o $@

$(OUT)/obj/%.o: %.S
	@mkdir -p $(@D)
	@echo "  AS [x86_64] $<"
	$(Q)$(IMAGE_CC) $(IMAGE_CFLAGS) -D__ASSEMBLY__ -c $< -o $@

$(OUT)/libmoat.a: $(IMAGE_OBJS)
	$(Q)rm -f $@ && $(IMAGE_AR) rcs $@ $^

$(IMAGE_ELF): $(DIRECT_OBJS) $(OUT)/libmoat.a $(MBEDTLS_LIB) linker/x86_64.ld
	@echo "  LD $@"
	$(Q)$(IMAGE_LD) -nostdlib -static -z noexecstack --gc-sections -T linker/x86_64.ld -o $@ \
		$(DIRECT_OBJS) --whole-archive $(OUT)/libmoat.a --no-whole-archive \
		--start-group $(MBEDTLS_LIB) $(LIBFDT_A) --end-group

# ---- UEFI application (GNU-EFI, amd64 package) ----------------------------------------------
EFI_LIBDIR := /usr/lib
EFI_CFLAGS := -isystem /usr/include/efi -isystem /usr/include/efi/x86_64 -fshort-wchar \
	-DGNU_EFI_USE_MS_ABI -maccumulate-outgoing-args
EFI_SRCS := $(x86_64-efi-srcs)
EFI_OBJS := $(addprefix $(OUT)/obj/,$(addsuffix .o,$(basename $(EFI_SRCS))))
EFI_SO := $(OUT)/moat-efi.so
EFI_APP := $(OUT)/BOOTX64.EFI

$(OUT)/obj/boot/%.o: boot/%.c
	@mkdir -p $(@D)
	@echo "  CC [x86_64 efi] $<"
	$(Q)$(IMAGE_CC) $(IMAGE_CFLAGS) $(EFI_CFLAGS) -Werror -c $< -o $@

$(EFI_SO): $(EFI_OBJS) $(OUT)/libmoat.a $(MBEDTLS_LIB) linker/x86_64-efi.ld
	@echo "  LD $@"
	$(Q)$(IMAGE_LD) -nostdlib -pie --no-dynamic-linker -z norelro -z noexecstack \
		--hash-style=sysv --gc-sections -T linker/x86_64-efi.ld -o $@ \
		$(EFI_LIBDIR)/crt0-efi-x86_64.o $(EFI_OBJS) --whole-archive $(OUT)/libmoat.a \
		--no-whole-archive --start-group $(MBEDTLS_LIB) $(LIBFDT_A) \
		$(EFI_LIBDIR)/libgnuefi.a --end-group
	$(Q)scripts/check-relocs.sh $@ readelf R_X86_64_RELATIVE

$(EFI_APP): $(EFI_SO)
	$(Q)$(IMAGE_OBJCOPY) -j .text -j .reloc -j .rodata -j .dynamic -j .rela.dyn -j .dynsym \
		-j .dynstr -j .data --target efi-app-x86_64 --subsystem=10 $< $@
	@echo "  EFI $@ ($$(stat -c %s $@) bytes)"

all: $(EFI_APP)

# The GRUB ISO (BIOS, multiboot2) for boot chains that load a multiboot2 kernel, and Bochs.
ISO := $(OUT)/moat.iso
$(ISO): $(IMAGE_ELF) scripts/mkiso.sh
	@echo "  ISO $@"
	$(Q)scripts/mkiso.sh $@ $(IMAGE_ELF)

image: $(IMAGE) $(ISO)
include mk/esp.mk

QEMU_X86 := qemu-system-x86_64 -M q35 -cpu max -accel tcg -nodefaults -display none \
	-serial stdio -no-reboot -smp 2 -m 512
X86_IOMMU_vtd := -device intel-iommu,x-scalable-mode=on
X86_IOMMU_amdvi := -device amd-iommu,pt=off
X86_IOMMU_smmuv3 :=
DEV ?= edu
X86_DEV_edu := -device edu
X86_DEV_nvme := -drive if=none,id=n0,file=/dev/null,format=raw -device nvme,drive=n0,serial=deadbeef
OVMF_CODE := /usr/share/OVMF/OVMF_CODE_4M.fd
OVMF_VARS := /usr/share/OVMF/OVMF_VARS_4M.fd
QEMU_OVMF := -drive if=pflash,format=raw,unit=0,readonly=on,file=$(OVMF_CODE) \
	-drive if=pflash,format=raw,unit=1,snapshot=on,file=$(OVMF_VARS)
# CPU=vmx: Intel VMX under Bochs (QEMU/TCG has none); DEMO=guests (the default there) runs
# the x86 test guests (tests/guests/x86/config.dts) on the production image, booted by GRUB
# with the configuration as its first module. BOCHS_CPU picks the Bochs CPU model.
CPU ?=
BOCHS_CPU ?= corei7_skylake_x
VMXTEST_ELF := $(OUT)/moat-vmxtest.elf
ifeq ($(CPU),vmx)
run: $(IMAGE) $(X86_GUEST_CONFIG)
	@if [ -n "$(DEMO)" ] && [ "$(DEMO)" != guests ]; then \
		echo "make run CPU=vmx: DEMO must be guests"; exit 2; fi
	python3 tests/system/bochs.py --elf $(IMAGE) --cpu $(BOCHS_CPU) --name run \
		--module $(X86_GUEST_CONFIG) --timeout 120
else ifeq ($(BOOT)-$(DEMO),direct-guests)
# The two x86 ABI test guests (tests/guests/x86/config.dts) on SVM with nested paging.
run: $(IMAGE) $(X86_GUEST_CONFIG)
	timeout 120 $(QEMU_X86) $(X86_IOMMU_$(IOMMU)) -kernel $(IMAGE) -initrd $(X86_GUEST_CONFIG)
else ifeq ($(BOOT)-$(DEMO),direct-vm)
# DEMO=vm [DEV=edu|nvme]: an x86 VM on SVM owns QEMU's edu or NVMe through the IOMMU
# (IOMMU=vtd or amdvi; tests/guests/x86/dev.dts.in, tests/system/scenarios/x86_dev.py).
run: $(IMAGE) $(X86_DEV_CONFIGS)
	@if [ "$(IOMMU)" != vtd ] && [ "$(IOMMU)" != amdvi ]; then \
		echo "make run ARCH=x86_64 DEMO=vm: IOMMU must be vtd or amdvi"; exit 2; fi
	timeout 60 $(QEMU_X86) $(X86_IOMMU_$(IOMMU)),intremap=on $(X86_DEV_$(DEV)) \
		-kernel $(IMAGE) -initrd $(GUEST_OUT)/moat-x86-dev$(if $(filter amdvi,$(IOMMU)),-amdvi).dtb
else ifeq ($(BOOT)-$(IOMMU),direct-vtd)
# The VT-d isolation demo: the test image drives edu DMA through the intel-iommu.
run: $(OUT)/moat-test.elf
	timeout 60 $(QEMU_X86) $(X86_IOMMU_vtd) -device edu -kernel $< -append moat.selftest=vtd
else ifeq ($(BOOT)-$(IOMMU),direct-amdvi)
# The AMD-Vi isolation demo: the test image drives edu DMA through amd-iommu (pt=off).
run: $(OUT)/moat-test.elf
	timeout 60 $(QEMU_X86) $(X86_IOMMU_amdvi),intremap=on -device edu -kernel $< \
		-append moat.selftest=amdvi
else ifeq ($(BOOT),direct)
run: $(IMAGE)
	timeout 60 $(QEMU_X86) $(X86_IOMMU_$(IOMMU)) -kernel $(IMAGE)
else ifeq ($(BOOT),uefi)
run: $(ESP_IMG)
	timeout 120 $(QEMU_X86) $(X86_IOMMU_$(IOMMU)) $(QEMU_OVMF) $(QEMU_ESP)
else
run:
	@echo "make run: BOOT must be direct or uefi"; exit 2
endif

# ---- the test image: moat.elf plus tests/selftest (moat.selftest=..., moat.tsm.selftest) ------
TEST_ELF := $(OUT)/moat-test.elf
TEST_OBJS := $(addprefix $(OUT)/obj/,$(addsuffix .o,$(basename $(selftest-srcs-y) \
	$(x86_64-selftest-srcs))))

$(TEST_ELF): $(DIRECT_OBJS) $(TEST_OBJS) $(OUT)/libmoat.a $(MBEDTLS_LIB) linker/x86_64.ld
	@echo "  LD $@"
	$(Q)$(IMAGE_LD) -nostdlib -static -z noexecstack --gc-sections -T linker/x86_64.ld -o $@ \
		$(DIRECT_OBJS) $(TEST_OBJS) --whole-archive $(OUT)/libmoat.a --no-whole-archive \
		--start-group $(MBEDTLS_LIB) $(LIBFDT_A) --end-group

image: $(TEST_ELF)

# ---- the VMX test image (not the production image) -------------------------------------------
# moat.elf plus tests/vmxtest: one VM whose guest state the test can break (an entry failure
# reported, tests/system/scenarios/bochs_vmx.py) and the bench figures (bochs_vmx_bench.py).
VMXTEST_GUEST := $(GUEST_OUT)/x86_guest.bin
VMXTEST_OBJS := $(OUT)/obj/tests/vmxtest/vmxtest.o $(OUT)/obj/tests/vmxtest/guest_blob.o

$(OUT)/obj/tests/vmxtest/guest_blob.o: tests/vmxtest/guest_blob.S $(VMXTEST_GUEST)
	@mkdir -p $(@D)
	$(Q)$(IMAGE_CC) $(IMAGE_CFLAGS) -D__ASSEMBLY__ -DVMXTEST_GUEST_BIN='"$(VMXTEST_GUEST)"' \
		-c $< -o $@

$(VMXTEST_ELF): $(DIRECT_OBJS) $(VMXTEST_OBJS) $(OUT)/libmoat.a $(MBEDTLS_LIB) linker/x86_64.ld
	@echo "  LD $@"
	$(Q)$(IMAGE_LD) -nostdlib -static -z noexecstack --gc-sections -T linker/x86_64.ld -o $@ \
		$(DIRECT_OBJS) $(VMXTEST_OBJS) --whole-archive $(OUT)/libmoat.a --no-whole-archive \
		--start-group $(MBEDTLS_LIB) $(LIBFDT_A) --end-group

image: $(VMXTEST_ELF)
