# The Linux guest (issue 16): Debian's stock arm64 kernel, fetched by scripts/bootstrap.sh
# into build/deps/linux, with an initramfs built here: /init (tests/guests/linux/init.c, a
# static program without a C library) and the nvme modules with what they depend on
# (tools/mkinitramfs.py). Configurations for 1 and 2 vCPUs, inline for direct boot and as ESP
# files for UEFI; a drive image with a known LBA 1 for QEMU's nvme.
LINUX_DEPS := $(DEPS)/linux
LINUX_KERNEL := $(LINUX_DEPS)/Image
LINUX_OUT := $(BUILD)/linux
LINUX_INIT := $(LINUX_OUT)/init
LINUX_INITRD := $(LINUX_OUT)/initrd.cpio
LINUX_DISK := $(LINUX_OUT)/nvme.img
LINUX_MODULES := nvme
LINUX_INIT_CFLAGS := -std=gnu11 -O2 -static -nostdlib -ffreestanding -fno-pie -no-pie \
	-fno-stack-protector -mgeneral-regs-only -Wall -Wextra -Werror -Wl,--build-id=none
LINUX_DTS := tests/guests/linux/linux.dts.in
LINUX_CONFIGS := $(LINUX_OUT)/linux-smp1.dtb $(LINUX_OUT)/linux-smp2.dtb
LINUX_ESPS := $(LINUX_OUT)/esp-linux-smp1.img $(LINUX_OUT)/esp-linux-smp2.img
LINUX_DIRECT_IMAGES := kernel = /incbin/("Image"); initrd = /incbin/("initrd.cpio");
LINUX_UEFI_IMAGES := kernel-module = "Image"; initrd-module = "initrd.cpio";
# The string /init prints from the drive (tests/system/scenarios/linux_arm64.py checks it).
LINUX_DISK_TEXT := MOAT-NVME-LBA1 known block of the drive behind the guest nvme

$(LINUX_INIT): tests/guests/linux/init.c
	@mkdir -p $(@D)
	@echo "  CC [linux init] $<"
	$(Q)aarch64-linux-gnu-gcc $(LINUX_INIT_CFLAGS) -o $@ $<

$(LINUX_INITRD): $(LINUX_INIT) tools/mkinitramfs.py $(LINUX_KERNEL)
	@echo "  CPIO $@"
	$(Q)python3 tools/mkinitramfs.py $@ $(LINUX_INIT) $(LINUX_DEPS)/modules $(LINUX_MODULES)

$(LINUX_OUT)/linux-smp%.dtb: $(LINUX_DTS) $(LINUX_INITRD) $(LINUX_KERNEL)
	@echo "  DTC $@"
	$(Q)sed -e 's/@VCPUS@/$*/' -e 's|@IMAGES@|$(LINUX_DIRECT_IMAGES)|' $< | \
		dtc -q -I dts -O dtb -i $(LINUX_DEPS) -i $(LINUX_OUT) -o $@ -

$(LINUX_OUT)/cfg-uefi-smp%.dtb: $(LINUX_DTS)
	@mkdir -p $(@D)
	$(Q)sed -e 's/@VCPUS@/$*/' -e 's|@IMAGES@|$(LINUX_UEFI_IMAGES)|' $< | \
		dtc -q -I dts -O dtb -o $@ -

# The ESP file is named Image, as the configuration says.
$(LINUX_OUT)/Image: $(LINUX_KERNEL)
	@mkdir -p $(@D)
	$(Q)cp -L $< $@.tmp && mv $@.tmp $@

$(LINUX_OUT)/esp-linux-smp%.img: $(LINUX_OUT)/cfg-uefi-smp%.dtb $(LINUX_INITRD) $(LINUX_OUT)/Image \
		build/arm64/BOOTAA64.EFI scripts/mkesp.sh
	@echo "  ESP $@"
	$(Q)scripts/mkesp.sh $@ build/arm64/BOOTAA64.EFI $< $(LINUX_OUT)/Image $(LINUX_INITRD)

# 1 MiB drive: LBA 1 (bytes 512..1023) holds the known text, the rest is zero.
$(LINUX_DISK): mk/linux.mk
	@mkdir -p $(@D)
	$(Q)truncate -s 0 $@.tmp && truncate -s 1M $@.tmp
	$(Q)printf '%s' '$(LINUX_DISK_TEXT)' | dd of=$@.tmp bs=512 seek=1 conv=notrunc status=none
	$(Q)mv $@.tmp $@

ifneq ($(ARCH),arm64)
build/arm64/BOOTAA64.EFI:
	$(Q)$(MAKE) --no-print-directory ARCH=arm64 image
endif

.PHONY: linux-guest
linux-guest: $(LINUX_CONFIGS) $(LINUX_ESPS) $(LINUX_DISK)
