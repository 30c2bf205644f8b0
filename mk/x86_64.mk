# x86_64: freestanding gcc with the in-tree C library subset (no picolibc package for x86_64)
# and Debian's amd64 libfdt.a. The x86 entry (PVH/multiboot2, UEFI) arrives with issue 3; until
# then the build compiles every generic source and mbedTLS for the target into libmoat.a.
IMAGE_CC := gcc
IMAGE_AR := ar
X86_INC := $(DEPS)/x86_64/include
LIBFDT_A := /usr/lib/x86_64-linux-gnu/libfdt.a

IMAGE_CFLAGS := $(COMMON_CFLAGS) -ffreestanding -nostdinc \
	-isystem $(shell $(IMAGE_CC) -print-file-name=include) -isystem lib/libc/include \
	-isystem $(X86_INC) -m64 -mno-red-zone -mgeneral-regs-only -fpie -fno-plt \
	-fstack-protector-strong -fno-omit-frame-pointer -MMD -MP

IMAGE := $(OUT)/libmoat.a
IMAGE_SRCS := $(srcs-y) $(image-srcs-y) $(x86_64-srcs)
IMAGE_OBJS := $(addprefix $(OUT)/obj/,$(addsuffix .o,$(basename $(IMAGE_SRCS))))

$(OUT)/obj/%.o: %.c
	@mkdir -p $(@D)
	@echo "  CC [x86_64] $<"
	$(Q)$(IMAGE_CC) $(IMAGE_CFLAGS) -Werror $(MBEDTLS_CPPFLAGS) -c $< -o $@

$(IMAGE): $(IMAGE_OBJS) $(MBEDTLS_LIB)
	$(Q)rm -f $@ && $(IMAGE_AR) rcs $@ $(IMAGE_OBJS)
	@echo "  AR $@ (x86_64 generic code; the x86 entry comes with issue 3)"

image: $(IMAGE)

run:
	@echo "make run: ARCH=x86_64 boots once the x86 entry exists (issue 3)"; exit 2
