# vmm: the VM objects above core, the IOMMU core, PCI and the TSM (docs/architecture.md):
# configuration, VMs and their memory map, hypercalls, guest console and UART, vdevs with their
# virtual ECAM, the vIOMMU. The arch VM backends implement what vmm/vm.h declares.
srcs-y += vmm/config.c vmm/vm.c vmm/hypercall.c vmm/vm_console.c vmm/vm_fdt.c \
	vmm/vm_mmio.c vmm/vm_uart.c vmm/vm_load.c vmm/vm_fault.c vmm/vmsix.c
# Building and starting VMs through the arch's VM backend (vmm/vm_backend.h).
arm64-srcs += vmm/vm_boot.c vmm/vdev_boot.c vmm/vdev_tsm.c
x86_64-srcs += vmm/vm_boot.c vmm/vdev_boot.c vmm/vdev_tsm.c
# Device assignment: vdevs with their virtual ECAM, the vIOMMU, the 1.1 hypercalls.
srcs-y += vmm/vdev.c vmm/vdev_msix.c vmm/viommu.c vmm/hypercall_dev.c
# The vIOMMU's vendor parts (vmm/viommu_vendor.h), chosen by the unit's driver at run time.
srcs-y += vmm/viommu_smmu.c vmm/viommu_vtd.c vmm/viommu_amd.c
host-srcs += arch/host/vm_host.c
