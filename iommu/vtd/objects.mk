# Intel VT-d driver, scalable mode (generic code: built for every image and the host tests).
srcs-y += iommu/vtd/vtd_hw.c iommu/vtd/vtd_ctx.c iommu/vtd/vtd_ir.c iommu/vtd/vtd_iommu.c
