#pragma once
// Device memory for one case at a time: cudaMalloc'ed blocks handed out by bumping a pointer, all released
// together by reset() before the next case. After a case that needed more than one block, reset() replaces
// them with a single block of the total, so steady state is one cudaMalloc for a whole campaign.
#include <cstddef>
#include <vector>

namespace parity::cuda {

class DeviceArena {
 public:
  DeviceArena() = default;
  DeviceArena(const DeviceArena&) = delete;
  DeviceArena& operator=(const DeviceArena&) = delete;
  ~DeviceArena();

  void* alloc(size_t bytes);  // 256-byte aligned; throws ExecutorError when cudaMalloc fails
  void reset();
  size_t capacity() const;

 private:
  struct Block {
    char* base = nullptr;
    size_t size = 0, used = 0;
  };
  void release_all();
  std::vector<Block> blocks_;
};

}  // namespace parity::cuda
