#include "runtime/cpu.h"

#include <cpuid.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <cstring>

namespace cnn2mlp {
namespace {

unsigned long long readXcr0() {
  unsigned int eax, edx;
  __asm__ volatile("xgetbv" : "=a"(eax), "=d"(edx) : "c"(0));
  return (static_cast<unsigned long long>(edx) << 32) | eax;
}

CpuFeatures detect() {
  CpuFeatures f;
  unsigned int a = 0, b = 0, c = 0, d = 0;
  if (__get_cpuid(0, &a, &b, &c, &d)) {
    char v[13];
    std::memcpy(v, &b, 4);
    std::memcpy(v + 4, &d, 4);
    std::memcpy(v + 8, &c, 4);
    v[12] = 0;
    f.vendor = v;
  }
  unsigned int maxExt = __get_cpuid_max(0x80000000, nullptr);
  if (maxExt >= 0x80000004) {
    char brand[49] = {0};
    for (unsigned int i = 0; i < 3; i++) {
      __get_cpuid(0x80000002 + i, &a, &b, &c, &d);
      std::memcpy(brand + 16 * i, &a, 4);
      std::memcpy(brand + 16 * i + 4, &b, 4);
      std::memcpy(brand + 16 * i + 8, &c, 4);
      std::memcpy(brand + 16 * i + 12, &d, 4);
    }
    f.brand = brand;
    size_t s = f.brand.find_first_not_of(' ');
    f.brand = s == std::string::npos ? "" : f.brand.substr(s);
  }
  long n = sysconf(_SC_NPROCESSORS_ONLN);
  f.logicalCores = n > 0 ? static_cast<int>(n) : 1;

  if (!__get_cpuid(1, &a, &b, &c, &d)) return f;
  const bool osxsave = c & (1u << 27);
  const bool fma = c & (1u << 12);
  const bool avx = c & (1u << 28);
  if (!osxsave || !avx) return f;
  const unsigned long long xcr0 = readXcr0();
  const bool ymmSaved = (xcr0 & 0x6) == 0x6;
  const bool zmmSaved = (xcr0 & 0xe6) == 0xe6;
  if (__get_cpuid_max(0, nullptr) < 7) return f;
  __cpuid_count(7, 0, a, b, c, d);
  const bool avx2 = b & (1u << 5);
  const bool avx512f = b & (1u << 16);
  const bool avx512dq = b & (1u << 17);
  const bool avx512bw = b & (1u << 30);
  const bool avx512vl = b & (1u << 31);
  f.avx2 = ymmSaved && avx2 && fma;
  f.avx512 = f.avx2 && zmmSaved && avx512f && avx512dq && avx512bw && avx512vl;
  return f;
}

std::atomic<int> g_active{-1};

Isa initialIsa() {
  Isa isa = bestIsa();
  if (const char* env = std::getenv("CNN2MLP_ISA")) {
    Isa forced;
    if (parseIsa(env, &forced) && isaSupported(forced)) isa = forced;
  }
  return isa;
}

}  // namespace

const CpuFeatures& cpuFeatures() {
  static const CpuFeatures f = detect();
  return f;
}

bool isaSupported(Isa isa) {
  switch (isa) {
    case Isa::Avx512: return cpuFeatures().avx512;
    case Isa::Avx2: return cpuFeatures().avx2;
    default: return true;
  }
}

Isa bestIsa() {
  if (cpuFeatures().avx512) return Isa::Avx512;
  if (cpuFeatures().avx2) return Isa::Avx2;
  return Isa::Scalar;
}

Isa activeIsa() {
  int v = g_active.load(std::memory_order_relaxed);
  if (v < 0) {
    v = static_cast<int>(initialIsa());
    g_active.store(v, std::memory_order_relaxed);
  }
  return static_cast<Isa>(v);
}

bool setActiveIsa(Isa isa) {
  if (!isaSupported(isa)) return false;
  g_active.store(static_cast<int>(isa), std::memory_order_relaxed);
  return true;
}

bool parseIsa(const std::string& name, Isa* out) {
  if (name == "scalar") *out = Isa::Scalar;
  else if (name == "avx2") *out = Isa::Avx2;
  else if (name == "avx512") *out = Isa::Avx512;
  else if (name == "auto" || name.empty()) *out = bestIsa();
  else return false;
  return true;
}

}  // namespace cnn2mlp
