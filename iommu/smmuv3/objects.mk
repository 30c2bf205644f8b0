# Arm SMMUv3 driver (generic code: built for every image and for the host unit tests).
srcs-y += iommu/smmuv3/smmu_hw.c iommu/smmuv3/smmu_ste.c iommu/smmuv3/smmu_iommu.c
