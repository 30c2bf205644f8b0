# Host build of the real sources for unit tests: arch/host, ASan + UBSan, system libfdt,
# cmocka and mbedTLS from Debian's -dev packages.
HOST_CC := gcc
HOST_SAN := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
HOST_CFLAGS := -std=gnu11 -O1 -g $(WARN) -I. -Iarch/host/include $(HOST_SAN) -MMD -MP \
	-DMOAT_HOST=1
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
