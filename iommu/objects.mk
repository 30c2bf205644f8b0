# iommu: the IOMMU core and the IO page-table library shared with the CPU stage-2.
srcs-y += iommu/iommu.c iommu/inv.c iommu/pt/pt.c iommu/pt/pt_fmt.c
