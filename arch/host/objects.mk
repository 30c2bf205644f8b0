host-srcs += arch/host/host.c
host-srcs += arch/host/vm.c
host-srcs += arch/host/ctx.c
