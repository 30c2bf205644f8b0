# Host build of the real sources for unit tests: arch/host, ASan + UBSan, system libfdt,
# cmocka and mbedTLS from Debian's -dev packages.
HOST_CC := gcc
HOST_SAN := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
# The unit tests are a debug build (MOAT_DEBUG: trace_err() logs file:line), so the trace
# runs in make test; the images are not (DEBUG=1 builds one, see mk/tests.mk).
HOST_CFLAGS := -std=gnu11 -O1 -g $(WARN) -I. -Iarch/host/include $(HOST_SAN) -MMD -MP \
	-DMOAT_HOST=1 -DMOAT_DEBUG=1
HOST_LDLIBS := -lcmocka -lfdt -lmbedx509 -lmbedcrypto
HOST_SRCS := $(srcs-y) $(host-srcs)
HOST_OBJS := $(addprefix $(HOST_OUT)/obj/,$(addsuffix .o,$(basename $(HOST_SRCS))))
HOST_LIB := $(HOST_OUT)/libmoat.a

$(HOST_OUT)/obj/%.o: %.c
	@mkdir -p $(@D)
	@echo "  CC [host] $<"
	$(Q)$(HOST_CC) $(HOST_CFLAGS) -Werror -c $< -o $@

$(HOST_LIB): $(HOST_OBJS)
	$(Q)rm -f $@ && ar rcs $@ $^
