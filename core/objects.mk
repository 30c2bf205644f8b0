# core: boot flow, platform discovery, memory, console and log.
srcs-y += core/devop.c core/log.c core/platform.c core/platform_dt.c core/dt_check.c core/frame.c core/main.c core/crypto.c core/init.c core/boot_info.c \
	core/acpi.c core/acpi_tables.c core/acpi_iommu.c core/dt_iommu.c
# VMs: configuration, objects, hypercalls, guest console.
srcs-y += core/config.c core/vm.c core/hypercall.c core/vm_console.c core/vm_fdt.c \
	core/vm_mmio.c core/vm_uart.c core/vm_load.c
# Building and starting VMs through the arch's VM backend (core/vm_backend.h).
arm64-srcs += core/vm_boot.c core/vdev_boot.c core/vdev_tsm.c
x86_64-srcs += core/vm_boot.c core/vdev_boot.c core/vdev_tsm.c
# Device assignment: vdevs with their virtual ECAM, the vIOMMU, the 1.1 hypercalls.
srcs-y += core/vdev.c core/viommu.c core/hypercall_dev.c
host-srcs += arch/host/vm_host.c
# The platform's real-time clock, for certificate dates (images only: tests pass their own).
image-srcs-y += core/rtc.c
