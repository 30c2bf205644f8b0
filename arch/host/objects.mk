host-srcs += arch/host/host.c
