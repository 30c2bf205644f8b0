# Host tools: devemu (the SPDM responder behind QEMU's spdm-socket) and its test PKI, generated
# at build time with openssl (never committed). The responder core is also linked into the
# unit tests (libtestsupport) and the SPDM benchmark so the requester runs against it in-process.
TOOLS_OUT := $(BUILD)/tools
PKI_DIR := $(TOOLS_OUT)/pki
PKI_STAMPS := $(PKI_DIR)/p384/root.sha384 $(PKI_DIR)/p256/root.sha256
DEVEMU_BIN := $(TOOLS_OUT)/devemu
DEVEMU_CORE_SRCS := tools/devemu/devemu_core.c tools/devemu/devemu_auth.c \
	tools/devemu/devemu_chunk.c tools/devemu/devemu_sess.c tools/devemu/devemu_tdisp.c
DEVEMU_SRCS := $(DEVEMU_CORE_SRCS) tools/devemu/devemu_main.c tests/models/tdisp_dev/tdev.c
DEVEMU_CFLAGS := -std=gnu11 -O2 -g $(WARN) -Werror -I. -Itools/devemu -MMD -MP

$(PKI_DIR)/p384/root.sha384: tools/devemu/mkpki.sh
	@echo "  PKI $(@D)"
	$(Q)rm -rf $(@D) && tools/devemu/mkpki.sh $(@D) secp384r1 sha384

$(PKI_DIR)/p256/root.sha256: tools/devemu/mkpki.sh
	@echo "  PKI $(@D)"
	$(Q)rm -rf $(@D) && tools/devemu/mkpki.sh $(@D) prime256v1 sha256

$(TOOLS_OUT)/obj/%.o: %.c
	@mkdir -p $(@D)
	@echo "  CC [tool] $<"
	$(Q)$(HOST_CC) $(DEVEMU_CFLAGS) -c $< -o $@

$(DEVEMU_BIN): $(DEVEMU_SRCS:%.c=$(TOOLS_OUT)/obj/%.o)
	$(Q)$(HOST_CC) -o $@ $^ -lmbedx509 -lmbedcrypto

.PHONY: tools
tools: $(DEVEMU_BIN) $(PKI_STAMPS)

# The unit tests and benchmarks link the responder core and read the PKI.
$(TEST_SUPPORT_LIB): $(DEVEMU_CORE_SRCS:%.c=$(HOST_OUT)/obj/%.o)
$(BENCH_OUT)/bench_spdm: $(DEVEMU_CORE_SRCS:%.c=$(BENCH_OUT)/obj/%.o)
unit bench: $(PKI_STAMPS)
test: tools

# make run-spdm [SPDM_PORT=2323] [SPDM_FAULT=name]: the arm64 image with an nvme whose DOE
# mailbox is served by devemu (started here, stopped when QEMU exits).
SPDM_PORT ?= 2323
SPDM_FAULT ?= none
.PHONY: run-spdm
run-spdm: $(BUILD)/arm64/Image tools
	$(Q)build/tools/devemu --port $(SPDM_PORT) --pki $(PKI_DIR)/p384 --fault $(SPDM_FAULT) & \
	pid=$$!; sleep 0.3; \
	timeout 120 qemu-system-aarch64 -M virt,gic-version=3,virtualization=on,iommu=smmuv3 \
		-cpu max -accel tcg -nodefaults -display none -serial stdio -no-reboot -m 512 \
		-kernel $(BUILD)/arm64/Image \
		-append "moat.spdm.anchor=$$(cat $(PKI_DIR)/p384/root.sha384)" \
		-drive if=none,id=n0,file=/dev/null,format=raw,readonly=on \
		-device nvme,drive=n0,serial=moat,spdm_port=$(SPDM_PORT); \
	rc=$$?; kill $$pid; exit $$rc

clean: clean-tools
.PHONY: clean-tools
clean-tools:
	rm -rf $(TOOLS_OUT) $(BUILD)/bench
