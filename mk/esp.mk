# EFI system partition images (scripts/mkesp.sh, mtools): included by mk/$(ARCH).mk after it
# defines EFI_APP. esp.img carries the default configuration (boot/moat*.dts); esp-test.img the
# boot-matrix configuration, which names a file for the UEFI entry to load.
ESP_IMG := $(OUT)/esp.img
ESP_TEST_IMG := $(OUT)/esp-test.img

$(OUT)/cfg/%.dtb: boot/%.dts
	@mkdir -p $(@D)
	$(Q)dtc -q -I dts -O dtb -o $@ $<

$(OUT)/cfg/%.dtb: tests/system/esp/%.dts
	@mkdir -p $(@D)
	$(Q)dtc -q -I dts -O dtb -o $@ $<

# The arch's test guest goes on esp.img with the arch's default configuration: arm64 runs it
# as VM "alpha" (boot/moat.dts), x86_64 as VMs "alpha" and "beta" (boot/moat-x86_64.dts); the
# x86_64 boot matrix's esp-test.img only loads a configuration's module.
ifeq ($(ARCH),arm64)
GUEST_BIN := $(BUILD)/guests/guest_tests.bin
ESP_CFG := $(OUT)/cfg/moat.dtb
ESP_TEST_CFG := $(OUT)/cfg/moat.dtb
ESP_TEST_FILES := $(GUEST_BIN)
else
GUEST_BIN := $(BUILD)/guests/x86_guest.bin
ESP_CFG := $(OUT)/cfg/moat-x86_64.dtb
ESP_TEST_CFG := $(ESP_CFG)
ESP_TEST_FILES := $(GUEST_BIN)
endif

$(ESP_IMG): $(EFI_APP) $(ESP_CFG) $(GUEST_BIN) scripts/mkesp.sh
	$(Q)scripts/mkesp.sh $@ $(EFI_APP) $(ESP_CFG) $(GUEST_BIN)
	@echo "  ESP $@"

$(ESP_TEST_IMG): $(EFI_APP) $(ESP_TEST_CFG) $(ESP_TEST_FILES) scripts/mkesp.sh
	$(Q)scripts/mkesp.sh $@ $(EFI_APP) $(ESP_TEST_CFG) $(ESP_TEST_FILES)

# A configuration that is not a device tree: the UEFI entry must refuse to start.
$(OUT)/esp-badcfg.img: $(EFI_APP) tests/system/esp/payload.bin scripts/mkesp.sh
	$(Q)scripts/mkesp.sh $@ $(EFI_APP) tests/system/esp/payload.bin

image: $(ESP_IMG) $(ESP_TEST_IMG) $(OUT)/esp-badcfg.img

# The ESP as a virtio disk; snapshot=on keeps the image unchanged and lets runs share it.
QEMU_ESP = -drive file=$(ESP_IMG),format=raw,if=none,id=esp,snapshot=on \
	-device virtio-blk-pci,drive=esp
