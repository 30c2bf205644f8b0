# core: boot flow, platform discovery, memory, console and log.
srcs-y += core/log.c core/platform.c core/platform_dt.c core/frame.c core/main.c core/crypto.c core/init.c core/boot_info.c \
	core/acpi.c core/acpi_tables.c core/acpi_iommu.c
