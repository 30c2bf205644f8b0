# mbedTLS 2.28.3 from Debian's source package (fetched by scripts/bootstrap.sh into build/deps),
# compiled freestanding per arch with Moat's flags and lib/mbedtls/moat_mbedtls_config.h.
MBEDTLS_VERSION := 2.28.3
MBEDTLS_SRC := $(DEPS)/mbedtls-$(MBEDTLS_VERSION)
MBEDTLS_MODULES := aes asn1parse asn1write bignum cipher cipher_wrap constant_time ctr_drbg \
	ecdh ecdsa ecp ecp_curves entropy gcm hkdf md memory_buffer_alloc oid pk pk_wrap pkparse \
	platform platform_util sha256 sha512 x509 x509_crt
# One build per arch, shared by the debug build (DEBUG=1 changes no mbedTLS flag that matters).
MBEDTLS_OUT := $(BUILD)/$(ARCH)/mbedtls
MBEDTLS_LIB := $(MBEDTLS_OUT)/libmbedcrypto.a
MBEDTLS_OBJS := $(MBEDTLS_MODULES:%=$(MBEDTLS_OUT)/%.o)
MBEDTLS_CPPFLAGS := -I$(MBEDTLS_SRC)/include -Ilib/mbedtls \
	-DMBEDTLS_CONFIG_FILE='"moat_mbedtls_config.h"'

$(MBEDTLS_OUT)/%.o: $(MBEDTLS_SRC)/library/%.c lib/mbedtls/moat_mbedtls_config.h
	@mkdir -p $(@D)
	@echo "  CC [mbedtls] $*.c"
	$(Q)$(IMAGE_CC) $(IMAGE_CFLAGS) -w $(MBEDTLS_CPPFLAGS) -c $< -o $@

$(MBEDTLS_LIB): $(MBEDTLS_OBJS)
	$(Q)rm -f $@ && $(IMAGE_AR) rcs $@ $^
