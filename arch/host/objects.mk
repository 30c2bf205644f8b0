host-srcs += arch/host/host.c arch/host/irq.c
host-srcs += arch/host/vm.c
host-srcs += arch/host/ctx.c
