# iommu: the IOMMU core (the page-table library it shares with the CPU stage-2 is lib/pt).
srcs-y += iommu/iommu.c iommu/attach.c iommu/inv.c iommu/scope.c
