#include "runtime/memory.h"

#include <sys/mman.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "core/errors.h"

namespace cnn2mlp {

namespace {
constexpr size_t kMapThreshold = 1 << 20;
}

std::shared_ptr<Buffer> Buffer::allocate(size_t bytes, const char* what) {
  if (bytes == 0) bytes = 64;
  if (bytes >= kMapThreshold) {
    void* p = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED)
      throw CodedError("ERR_TOO_LARGE", std::string("cannot allocate ") + formatBytes(double(bytes)) + " for " + what + ": " + std::strerror(errno));
#ifdef MADV_HUGEPAGE
    madvise(p, bytes, MADV_HUGEPAGE);
#endif
    return std::shared_ptr<Buffer>(new Buffer(p, bytes, true));
  }
  void* p = nullptr;
  if (posix_memalign(&p, 64, bytes) != 0 || p == nullptr)
    throw CodedError("ERR_TOO_LARGE", std::string("cannot allocate ") + formatBytes(double(bytes)) + " for " + what);
  std::memset(p, 0, bytes);
  return std::shared_ptr<Buffer>(new Buffer(p, bytes, false));
}

Buffer::~Buffer() {
  if (mapped_) munmap(data_, size_);
  else std::free(data_);
}

int64_t availableMemoryBytes() {
  FILE* f = std::fopen("/proc/meminfo", "r");
  if (!f) return -1;
  char line[256];
  int64_t kb = -1;
  while (std::fgets(line, sizeof line, f)) {
    long long v;
    if (std::sscanf(line, "MemAvailable: %lld kB", &v) == 1) {
      kb = v;
      break;
    }
  }
  std::fclose(f);
  return kb < 0 ? -1 : kb * 1024;
}

int64_t residentBytes() {
  FILE* f = std::fopen("/proc/self/statm", "r");
  if (!f) return -1;
  long long size = 0, rss = 0;
  int n = std::fscanf(f, "%lld %lld", &size, &rss);
  std::fclose(f);
  return n == 2 ? rss * sysconf(_SC_PAGESIZE) : -1;
}

std::string formatBytes(double b) {
  char buf[64];
  if (b >= 1e9) std::snprintf(buf, sizeof buf, "%.2f GB", b / 1e9);
  else if (b >= 1e6) std::snprintf(buf, sizeof buf, "%.2f MB", b / 1e6);
  else if (b >= 1e3) std::snprintf(buf, sizeof buf, "%.2f kB", b / 1e3);
  else std::snprintf(buf, sizeof buf, "%.0f B", b);
  return buf;
}

}  // namespace cnn2mlp
