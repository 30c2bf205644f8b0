# Host tools: devemu (the SPDM responder behind QEMU's spdm-socket) and its test PKI, generated
# at build time with openssl (never committed). The responder core is also linked into the
# unit tests (libtestsupport) and the SPDM benchmark so the requester runs against it in-process.
TOOLS_OUT := $(BUILD)/tools
PKI_DIR := $(TOOLS_OUT)/pki
PKI_STAMPS := $(PKI_DIR)/p384/root.sha384 $(PKI_DIR)/p256/root.sha256
DEVEMU_BIN := $(TOOLS_OUT)/devemu
DEVEMU_CORE_SRCS := tools/devemu/devemu_core.c tools/devemu/devemu_sess.c \
	tools/devemu/devemu_tdisp.c
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
