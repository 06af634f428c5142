// An allocator for large arrays read at random rows (the neighbour factors ALS gathers): backed
// by 2 MiB transparent huge pages where the kernel offers them on request (madvise mode), so a
// row fetched from a 36 MB matrix does not also miss the TLB and walk the page tables.
#pragma once
#include <sys/mman.h>

#include <cstdlib>
#include <new>

namespace crossmf {

template <class T>
struct HugePageAllocator {
  using value_type = T;
  static constexpr std::size_t kHuge = std::size_t(2) << 20;
  static constexpr std::align_val_t kLine{64};

  HugePageAllocator() = default;
  template <class U>
  HugePageAllocator(const HugePageAllocator<U>&) {}

  T* allocate(std::size_t n) {
    const std::size_t bytes = n * sizeof(T);
    if (bytes < kHuge) return static_cast<T*>(::operator new(bytes, kLine));
    const std::size_t rounded = (bytes + kHuge - 1) / kHuge * kHuge;
    void* p = std::aligned_alloc(kHuge, rounded);
    if (!p) throw std::bad_alloc();
    madvise(p, rounded, MADV_HUGEPAGE);  // before the first touch; a refusal only costs speed
    return static_cast<T*>(p);
  }
  void deallocate(T* p, std::size_t n) {
    if (n * sizeof(T) < kHuge) ::operator delete(p, kLine);
    else std::free(p);
  }
  template <class U>
  bool operator==(const HugePageAllocator<U>&) const { return true; }
};

}  // namespace crossmf
