# x86_64 image: freestanding gcc with the in-tree C library subset (no picolibc package for
# x86_64) and Debian's amd64 libfdt.a. Two links of the same objects:
#   build/x86_64/moat.elf   direct boot (QEMU -kernel, PVH ELF note), static at 2 MiB;
#   build/x86_64/BOOTX64.EFI  the UEFI application (GNU-EFI, mk/efi.mk).
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

image: $(IMAGE)

QEMU_X86 := qemu-system-x86_64 -M q35 -cpu max -accel tcg -nodefaults -display none \
	-serial stdio -no-reboot -smp 2 -m 512
X86_IOMMU_vtd := -device intel-iommu,x-scalable-mode=on
X86_IOMMU_amdvi := -device amd-iommu,pt=off
X86_IOMMU_smmuv3 :=
run: $(IMAGE)
ifeq ($(BOOT),direct)
	timeout 60 $(QEMU_X86) $(X86_IOMMU_$(IOMMU)) -kernel $(IMAGE)
else
	@echo "make run: BOOT=$(BOOT) on x86_64 is not available yet"; exit 2
endif
