// Large, aligned, native allocations for weights and activations. Big blocks come from mmap
// (zero pages, huge-page advice, returned to the OS on free); every failure is a CodedError
// ("ERR_TOO_LARGE") with the size asked for, never a crash.
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace cnn2mlp {

// Owns one allocation; freed when the last shared_ptr to it goes.
class Buffer {
 public:
  // Zero-filled, 64-byte aligned. Throws CodedError("ERR_TOO_LARGE") on failure.
  static std::shared_ptr<Buffer> allocate(size_t bytes, const char* what);
  // Uninitialised, 64-byte aligned, from the heap at any size: for per-call copies the caller
  // overwrites at once. (A fresh mmap per call would pay a page fault per 4 KiB and the kernel's
  // zeroing on every call: ~2 ms of a 5 ms batch-32 seed run. The heap reuses freed memory.)
  static std::shared_ptr<Buffer> allocateUninitialized(size_t bytes, const char* what);
  ~Buffer();
  Buffer(const Buffer&) = delete;
  Buffer& operator=(const Buffer&) = delete;
  void* data() const { return data_; }
  size_t size() const { return size_; }
  template <typename T>
  T* as() const { return static_cast<T*>(data_); }

 private:
  Buffer(void* data, size_t size, bool mapped) : data_(data), size_(size), mapped_(mapped) {}
  void* data_;
  size_t size_;
  bool mapped_;
};

// Memory this process can still use (bytes), or -1 when unknown: MemAvailable from /proc/meminfo,
// lowered to the headroom of its memory cgroup (v1 or v2) and that group's ancestors when they
// set a limit. `root` prefixes every path read (tests point it at a fake /proc and /sys).
int64_t availableMemoryBytes(const std::string& root = "");
// Resident set size of this process now (bytes), from /proc/self/statm, or -1.
int64_t residentBytes();
// "9.81 GB"
std::string formatBytes(double bytes);

}  // namespace cnn2mlp
