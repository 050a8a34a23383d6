#include "runtime/memory.h"

#include <algorithm>
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

std::shared_ptr<Buffer> Buffer::allocateUninitialized(size_t bytes, const char* what) {
  void* p = nullptr;
  if (posix_memalign(&p, 64, std::max<size_t>(bytes, 64)) != 0 || p == nullptr)
    throw CodedError("ERR_TOO_LARGE", std::string("cannot allocate ") + formatBytes(double(bytes)) + " for " + what);
  return std::shared_ptr<Buffer>(new Buffer(p, bytes, false));
}

Buffer::~Buffer() {
  if (mapped_) munmap(data_, size_);
  else std::free(data_);
}

namespace {

// The first number in `file`, or -1 when it is missing, unreadable or "max".
int64_t readNumber(const std::string& file) {
  FILE* f = std::fopen(file.c_str(), "r");
  if (!f) return -1;
  long long v = -1;
  if (std::fscanf(f, "%lld", &v) != 1) v = -1;
  std::fclose(f);
  return v;
}

// The value of `key` in a "key value" file such as memory.stat, or 0.
int64_t readStat(const std::string& file, const char* key) {
  FILE* f = std::fopen(file.c_str(), "r");
  if (!f) return 0;
  char name[128];
  long long v;
  int64_t out = 0;
  while (std::fscanf(f, "%127s %lld", name, &v) == 2) {
    if (std::strcmp(name, key) == 0) {
      out = v;
      break;
    }
  }
  std::fclose(f);
  return out;
}

int64_t meminfoAvailable(const std::string& root) {
  FILE* f = std::fopen((root + "/proc/meminfo").c_str(), "r");
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

// Headroom of one cgroup directory: limit − (usage − reclaimable file cache), or -1 without a limit.
int64_t cgroupHeadroom(const std::string& dir, bool v2) {
  int64_t limit = readNumber(dir + (v2 ? "/memory.max" : "/memory.limit_in_bytes"));
  if (limit < 0 || limit >= (int64_t(1) << 60)) return -1;  // "max", or v1's "unlimited" (~2^63)
  int64_t usage = readNumber(dir + (v2 ? "/memory.current" : "/memory.usage_in_bytes"));
  if (usage < 0) return -1;
  int64_t cache = readStat(dir + "/memory.stat", v2 ? "inactive_file" : "total_inactive_file");
  int64_t used = usage - (cache < usage ? cache : 0);
  return limit > used ? limit - used : 0;
}

// The smallest headroom of this process's memory cgroup and its ancestors (v1 or v2), or -1.
int64_t cgroupAvailable(const std::string& root) {
  FILE* f = std::fopen((root + "/proc/self/cgroup").c_str(), "r");
  if (!f) return -1;
  char line[1024];
  std::string v1Path, v2Path;
  bool hasV1 = false, hasV2 = false;
  while (std::fgets(line, sizeof line, f)) {
    std::string l(line);
    if (!l.empty() && l.back() == '\n') l.pop_back();
    size_t a = l.find(':'), b = a == std::string::npos ? a : l.find(':', a + 1);
    if (b == std::string::npos) continue;
    std::string controllers = l.substr(a + 1, b - a - 1), where = l.substr(b + 1);
    if (l.compare(0, a, "0") == 0 && controllers.empty()) {
      hasV2 = true;
      v2Path = where;
    } else if (("," + controllers + ",").find(",memory,") != std::string::npos) {
      hasV1 = true;
      v1Path = where;
    }
  }
  std::fclose(f);
  const bool v2 = !hasV1 && hasV2;
  if (!hasV1 && !hasV2) return -1;
  const std::string mount = root + (v2 ? "/sys/fs/cgroup" : "/sys/fs/cgroup/memory");
  std::string rel = v2 ? v2Path : v1Path;
  int64_t best = -1;
  // Walk from the process's own group up to the mount root. In a container the group path often
  // does not exist under the namespaced mount; then only the mount root counts.
  for (;;) {
    int64_t h = cgroupHeadroom(mount + (rel == "/" ? "" : rel), v2);
    if (h >= 0 && (best < 0 || h < best)) best = h;
    if (rel.empty() || rel == "/") break;
    size_t slash = rel.find_last_of('/');
    rel = slash == 0 || slash == std::string::npos ? "/" : rel.substr(0, slash);
  }
  return best;
}

}  // namespace

int64_t availableMemoryBytes(const std::string& root) {
  int64_t host = meminfoAvailable(root);
  int64_t group = cgroupAvailable(root);
  if (host < 0) return group;
  if (group < 0) return host;
  return group < host ? group : host;
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
