#include "oracles/cuda/device_arena.h"

#include <cuda_runtime_api.h>

#include <algorithm>

#include "oracles/cuda/cuda_check.h"

namespace parity::cuda {

namespace {
constexpr size_t kAlign = 256;
constexpr size_t kMinBlock = size_t(16) << 20;  // 16 MiB: parity's generated cases fit in one block
}  // namespace

DeviceArena::~DeviceArena() { release_all(); }

void DeviceArena::release_all() {
  for (Block& b : blocks_) cudaFree(b.base);  // errors here have nowhere to go (destructor, or replaced)
  blocks_.clear();
}

void* DeviceArena::alloc(size_t bytes) {
  bytes = std::max<size_t>((bytes + kAlign - 1) / kAlign * kAlign, kAlign);
  if (blocks_.empty() || blocks_.back().size - blocks_.back().used < bytes) {
    Block b;
    b.size = std::max(bytes, std::max(kMinBlock, capacity()));
    void* p = nullptr;
    check_cuda(static_cast<int>(cudaMalloc(&p, b.size)), "cudaMalloc");
    b.base = static_cast<char*>(p);
    blocks_.push_back(b);
  }
  Block& b = blocks_.back();
  void* p = b.base + b.used;
  b.used += bytes;
  return p;
}

size_t DeviceArena::capacity() const {
  size_t n = 0;
  for (const Block& b : blocks_) n += b.size;
  return n;
}

void DeviceArena::reset() {
  if (blocks_.size() > 1) {
    const size_t total = capacity();
    release_all();
    Block b;
    void* p = nullptr;
    check_cuda(static_cast<int>(cudaMalloc(&p, total)), "cudaMalloc");
    b.base = static_cast<char*>(p);
    b.size = total;
    blocks_.push_back(b);
  }
  for (Block& b : blocks_) b.used = 0;
}

}  // namespace parity::cuda
