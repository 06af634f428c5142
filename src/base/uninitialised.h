// Buffers whose elements start uninitialised.
//
// std::vector<T>(n) zeroes n elements on the calling thread, so every page of a large buffer is
// first touched (and faulted in) by one core before the threads that fill it start. These
// buffers are written once, in parallel, by the threads that fill them (a read, a sort, a
// routing), so their pages are first touched by those threads instead.
#pragma once
#include <memory>
#include <utility>
#include <vector>

namespace crossmf {

template <class T>
struct Uninitialised : std::allocator<T> {
  template <class U>
  struct rebind { using other = Uninitialised<U>; };
  Uninitialised() = default;
  template <class U>
  Uninitialised(const Uninitialised<U>&) {}
  template <class U>
  void construct(U* p) { ::new (static_cast<void*>(p)) U; }
  template <class U, class... A>
  void construct(U* p, A&&... a) { ::new (static_cast<void*>(p)) U(std::forward<A>(a)...); }
};

// A vector whose resize() leaves new elements uninitialised (for trivial T).
template <class T>
using UninitVector = std::vector<T, Uninitialised<T>>;

}  // namespace crossmf
