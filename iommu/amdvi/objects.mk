# AMD-Vi driver (generic code: built for every image and the host tests).
srcs-y += iommu/amdvi/amdvi_hw.c iommu/amdvi/amdvi_dte.c iommu/amdvi/amdvi_iommu.c
