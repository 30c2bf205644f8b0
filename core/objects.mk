# core: the boot flow and the services every component uses: platform discovery (DT, ACPI),
# frames, log, boot units, device operations, crypto self-test, the stack protector.
srcs-y += core/devop.c core/log.c core/platform.c core/platform_mem.c core/platform_dt.c core/dt_check.c core/frame.c core/own.c core/own_pt.c core/main.c core/crypto.c core/init.c core/boot_info.c \
	core/bootprof.c core/dt_index.c core/acpi.c core/acpi_aml.c core/acpi_tables.c core/acpi_iommu.c core/dt_iommu.c
# The platform's real-time clock, for certificate dates (images only: tests pass their own).
image-srcs-y += core/rtc.c
