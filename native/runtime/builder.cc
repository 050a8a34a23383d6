#include "runtime/builder.h"

#include <sys/mman.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstring>
#include <string>

#include "core/errors.h"
#include "kernels/rcsr_kernels.h"
#include "runtime/memory.h"
#include "runtime/thread_pool.h"

namespace cnn2mlp {
namespace {

using Entry = std::pair<int32_t, double>;

// Calls tap(logicalInput, weight) for every nonzero-structure tap of logical output o of P and
// returns P's own bias for o. Padding taps are left out.
template <typename Tap>
double forEachTap(const LayerSpec& s, int64_t o, Tap&& tap) {
  const PlanOp& p = s.op;
  switch (s.prim) {
    case PrimConv: {
      const int64_t co = o % p.outC, pix = o / p.outC;
      const int64_t ox = pix % p.outW, oy = pix / p.outW;
      const int64_t cinG = p.inC / p.groups, coutG = p.outC / p.groups, g = co / coutG;
      for (int ky = 0; ky < p.kh; ky++) {
        const int64_t y = oy * p.sh - p.padTop + int64_t(ky) * p.dh;
        if (y < 0 || y >= p.inH) continue;
        for (int kx = 0; kx < p.kw; kx++) {
          const int64_t x = ox * p.sw - p.padLeft + int64_t(kx) * p.dw;
          if (x < 0 || x >= p.inW) continue;
          const int64_t in0 = (y * p.inW + x) * p.inC + g * cinG;
          const float* w = s.weights + ((int64_t(ky) * p.kw + kx) * cinG) * p.outC + co;
          for (int64_t ci = 0; ci < cinG; ci++) tap(in0 + ci, double(w[ci * p.outC]));
        }
      }
      return s.bias ? double(s.bias[co]) : 0.0;
    }
    case PrimDense: {
      // weightsT: [out, in] (transposed once per layer by buildMlp, so a row reads contiguously)
      const float* w = s.weightsT + o * p.inC;
      for (int64_t i = 0; i < p.inC; i++) tap(i, double(w[i]));
      return s.bias ? double(s.bias[o]) : 0.0;
    }
    case PrimAvgPool: {
      const int64_t ch = o % p.outC, pix = o / p.outC;
      const int64_t ox = pix % p.outW, oy = pix / p.outW;
      // Divisor: real input pixels in the window, or (count_include_pad) the window's taps that
      // lie inside the padded input; taps past the explicit padding (ceil mode) never count.
      int64_t ny = 0, nx = 0, py = 0, px = 0;
      for (int ky = 0; ky < p.kh; ky++) {
        const int64_t y = oy * p.sh - p.padTop + int64_t(ky) * p.dh;
        ny += (y >= 0 && y < p.inH);
        py += (y >= -p.padTop && y < p.inH + p.padBottom);
      }
      for (int kx = 0; kx < p.kw; kx++) {
        const int64_t x = ox * p.sw - p.padLeft + int64_t(kx) * p.dw;
        nx += (x >= 0 && x < p.inW);
        px += (x >= -p.padLeft && x < p.inW + p.padRight);
      }
      const double div = (p.flags & kFlagCountIncludePad) ? double(py * px) : double(ny * nx);
      const double w = 1.0 / div;
      for (int ky = 0; ky < p.kh; ky++) {
        const int64_t y = oy * p.sh - p.padTop + int64_t(ky) * p.dh;
        if (y < 0 || y >= p.inH) continue;
        for (int kx = 0; kx < p.kw; kx++) {
          const int64_t x = ox * p.sw - p.padLeft + int64_t(kx) * p.dw;
          if (x < 0 || x >= p.inW) continue;
          tap((y * p.inW + x) * p.inC + ch, w);
        }
      }
      return 0.0;
    }
    default: {
      for (int32_t j = s.csrPtr[o]; j < s.csrPtr[o + 1]; j++) tap(s.csrCol[j], s.csrVal[j]);
      return s.csrBias[o];
    }
  }
}

double finishRow(const LayerSpec& s, int64_t r, std::vector<Entry>& e, double b);

// Row r's entries (sorted by column, merged) into `e`; returns its bias.
double buildRow(const LayerSpec& s, int64_t r, std::vector<Entry>& e) {
  e.clear();
  const int64_t o = s.rowLogical ? s.rowLogical[r] : r;
  double constant = 0;
  double b = 0;
  if (s.hasAddend) {
    for (int32_t j = s.csrPtr[r]; j < s.csrPtr[r + 1]; j++) e.emplace_back(s.csrCol[j], s.csrVal[j]);
    b = s.csrBias[r];
    if (r >= s.primaryRows) return finishRow(s, r, e, b);
  }
  b += forEachTap(s, o, [&](int64_t i, double w) {
    if (!s.hasMap) {
      e.emplace_back(int32_t(i), w);
      return;
    }
    const AffineMapView& m = s.map;
    for (int32_t k = m.off[i]; k < m.off[i + 1]; k++) e.emplace_back(m.unit[k], w * m.coef[k]);
    constant += w * m.cnst[i];
  });
  return finishRow(s, r, e, b + constant);
}

// Sorts row r's entries by column, merges duplicates, applies the row's scale and shift; returns its bias.
double finishRow(const LayerSpec& s, int64_t r, std::vector<Entry>& e, double b) {
  bool sorted = true;
  for (size_t j = 1; j < e.size() && sorted; j++) sorted = e[j - 1].first < e[j].first;
  if (!sorted) {
    std::sort(e.begin(), e.end(), [](const Entry& a, const Entry& c) { return a.first < c.first; });
    size_t k = 0;
    for (size_t j = 0; j < e.size(); j++) {
      if (k > 0 && e[k - 1].first == e[j].first) e[k - 1].second += e[j].second;
      else e[k++] = e[j];
    }
    e.resize(k);
  }
  const double sc = s.rowScale ? s.rowScale[r] : 1.0;
  if (sc != 1.0)
    for (auto& x : e) x.second *= sc;
  return b * sc + (s.rowShift ? s.rowShift[r] : 0.0);
}

// Entries of row r when no two taps can land on the same column (see collisionFree): the tap
// count pushed through the map, with no row built.
int64_t countRow(const LayerSpec& s, int64_t r) {
  const int64_t o = s.rowLogical ? s.rowLogical[r] : r;
  int64_t n = 0;
  if (s.prim == PrimExplicit) return s.csrPtr[o + 1] - s.csrPtr[o];
  if (!s.hasMap && s.prim == PrimDense) return s.op.inC;
  forEachTap(s, o, [&](int64_t i, double) { n += s.hasMap ? s.map.off[i + 1] - s.map.off[i] : 1; });
  return n;
}

// True when every row's taps reach distinct columns: P's taps of one row are distinct logical
// inputs, so this holds when no column appears twice in the map (explicit CSR rows arrive merged).
bool collisionFree(const LayerSpec& s) {
  if (s.hasAddend) return false;
  if (s.prim == PrimExplicit || !s.hasMap) return true;
  std::vector<uint8_t> seen(size_t(s.cols), 0);
  for (int64_t k = 0; k < s.map.off[s.map.n]; k++) {
    if (seen[s.map.unit[k]]) return false;
    seen[s.map.unit[k]] = 1;
  }
  return true;
}

struct Progress {
  const BuildOptions& opt;
  std::atomic<int64_t> done{0};
  void check() const {
    if (opt.abortFlag && __atomic_load_n(opt.abortFlag, __ATOMIC_RELAXED)) throw CodedError("ERR_ABORTED", "conversion aborted");
  }
  void add(int64_t n) {
    int64_t d = done.fetch_add(n) + n;
    if (opt.progress) __atomic_store_n(reinterpret_cast<int64_t*>(&opt.progress[0]), [&] {
        double v = double(d);
        int64_t bits;
        static_assert(sizeof bits == sizeof v, "");
        std::memcpy(&bits, &v, sizeof v);
        return bits;
      }(), __ATOMIC_RELAXED);
  }
};

void checkBudget(int64_t bytes, const BuildOptions& opt, const char* what) {
  if (opt.maxBytes > 0 && bytes > opt.maxBytes)
    throw CodedError("ERR_TOO_LARGE", std::string("the ") + what + " MLP needs " + formatBytes(double(bytes)) + " (" + std::to_string(bytes) +
                                          " bytes), more than maxBytes " + formatBytes(double(opt.maxBytes)) +
                                          (opt.format == MatrixFormat::Dense ? "; use format 'csr'" : ""));
  int64_t avail = availableMemoryBytes();
  if (avail > 0 && bytes > avail)
    throw CodedError("ERR_TOO_LARGE", std::string("the ") + what + " MLP needs " + formatBytes(double(bytes)) + " but only " + formatBytes(double(avail)) +
                                          " of memory is available" + (opt.format == MatrixFormat::Dense ? "; use format 'csr'" : ""));
}

}  // namespace

int64_t denseBytes(const std::vector<LayerSpec>& layers) {
  int64_t b = 0;
  for (const auto& l : layers) b += l.rows * denseLd(l.cols) * 4 + l.rows * 4;
  return b;
}

namespace {

// Dense weights are [in, out]; a row needs a column of them. Transposed once in 64×64 tiles.
std::shared_ptr<Buffer> transposeDense(const LayerSpec& s, int threads) {
  const int64_t in = s.op.inC, out = s.op.outC;
  auto transposed = Buffer::allocate(size_t(in) * size_t(out) * 4, "transposed dense weights");
  float* t = transposed->as<float>();
  const int64_t tilesOut = (out + 63) / 64, tilesIn = (in + 63) / 64;
  parallelFor(tilesOut * tilesIn, threads, [&](int64_t tile, int) {
    const int64_t o0 = (tile / tilesIn) * 64, i0 = (tile % tilesIn) * 64;
    for (int64_t i = i0; i < std::min(in, i0 + 64); i++)
      for (int64_t o = o0; o < std::min(out, o0 + 64); o++) t[o * in + i] = s.weights[i * out + o];
  });
  return transposed;
}

// One layer being built: its spec, its MlpLayer (bias already allocated) and the row chunks the
// pool shares out.
struct LayerBuild {
  const LayerSpec& s;
  MlpLayer& l;
  float* bias;
  Progress& prog;
  std::vector<std::vector<Entry>>& scratch;
  int threads;
  int64_t rowsPerChunk, chunks;
  std::pair<int64_t, int64_t> range(int64_t c) const { return {c * rowsPerChunk, std::min(s.rows, (c + 1) * rowsPerChunk)}; }
};

void fillDense(LayerBuild& b) {
  const LayerSpec& s = b.s;
  MlpLayer& l = b.l;
  l.ld = denseLd(s.cols);
  l.nnz = s.rows * s.cols;
  auto buf = Buffer::allocate(size_t(s.rows) * size_t(l.ld) * 4, "dense weights");
  float* v = buf->as<float>();
  // Base pages for a matrix written once and then streamed: on the test VM (THP defrag=madvise)
  // first-touching 2.3 GB took 8.8–13.3 s with huge pages vs 2.3–3.4 s without, while dense
  // GEMV over it ran at the same speed (≈0.33–0.45 s either way).
  if (buf->size() >= (size_t(1) << 21)) madvise(buf->data(), buf->size(), MADV_NOHUGEPAGE);
  parallelFor(b.chunks, b.threads, [&](int64_t c, int worker) {
    b.prog.check();
    auto [r0, r1] = b.range(c);
    auto& e = b.scratch[worker];
    for (int64_t r = r0; r < r1; r++) {
      b.bias[r] = float(buildRow(s, r, e));
      float* row = v + r * l.ld;
      // Write every page of the row, zeros included: untouched anonymous pages would read as
      // the shared zero page, making the matrix look resident and dense GEMV unrealistically fast.
      for (int64_t k = 0; k < l.ld; k += 1024) row[k] = 0.f;
      for (const auto& x : e) row[x.first] = float(x.second);
    }
    b.prog.add(r1 - r0);
  });
  l.values = v;
  l.storage.push_back(buf);
}

// Pass 1 of a sparse layer: entries per row into rowPtr[r + 1] and, when `runs`, each chunk's
// run patterns (rows rebuilt; otherwise counted without building when no taps can collide).
void countSparse(LayerBuild& b, int64_t* rowPtr, std::vector<RcsrArrays>* pats) {
  const LayerSpec& s = b.s;
  const bool fast = !pats && collisionFree(s);
  std::vector<std::vector<int32_t>> cols(size_t(b.threads));
  parallelFor(b.chunks, b.threads, [&](int64_t c, int worker) {
    b.prog.check();
    auto [r0, r1] = b.range(c);
    auto& e = b.scratch[worker];
    for (int64_t r = r0; r < r1; r++) {
      if (fast) {
        rowPtr[r + 1] = countRow(s, r);
        continue;
      }
      buildRow(s, r, e);
      rowPtr[r + 1] = int64_t(e.size());
      if (!pats) continue;
      auto& cl = cols[size_t(worker)];
      cl.resize(e.size());
      for (size_t j = 0; j < e.size(); j++) cl[j] = e[j].first;
      (*pats)[size_t(c)].addRow(cl.data(), int64_t(cl.size()));
    }
    b.prog.add(r1 - r0);
  });
  for (int64_t r = 0; r < s.rows; r++) rowPtr[r + 1] += rowPtr[r];
}

// Joins the chunks' patterns into the layer's run-CSR index arrays.
void joinPatterns(LayerBuild& b, const std::vector<RcsrArrays>& pats) {
  MlpLayer& l = b.l;
  int64_t P = 0, R = 0;
  for (const auto& a : pats) P += a.patterns(), R += a.numRuns();
  if (R > 2147483647LL || P > 2147483647LL) throw CodedError("ERR_TOO_LARGE", "a run-CSR layer has more than 2^31 runs; use format 'csr'");
  auto rp = Buffer::allocate(size_t(b.s.rows) * 4, "run-CSR row patterns");
  auto pp = Buffer::allocate(size_t(P + 1) * 4, "run-CSR pattern pointers");
  auto ru = Buffer::allocate(size_t(std::max<int64_t>(R, 1)) * 8, "run-CSR runs");
  int32_t *rowPat = rp->as<int32_t>(), *patPtr = pp->as<int32_t>(), *runs = ru->as<int32_t>();
  int64_t p0 = 0, q0 = 0;
  for (int64_t c = 0; c < b.chunks; c++) {
    const RcsrArrays& a = pats[size_t(c)];
    const int64_t r0 = b.range(c).first;
    for (size_t i = 0; i < a.rowPat.size(); i++) rowPat[r0 + int64_t(i)] = int32_t(a.rowPat[i] + p0);
    for (int64_t p = 0; p < a.patterns(); p++) patPtr[p0 + p] = int32_t(a.patPtr[size_t(p)] + q0);
    std::copy(a.runs.begin(), a.runs.end(), runs + 2 * q0);
    p0 += a.patterns(), q0 += a.numRuns();
  }
  patPtr[P] = int32_t(R);
  l.rowPat = rowPat, l.patPtr = patPtr, l.runs = runs, l.patterns = P, l.numRuns = R;
  l.storage.insert(l.storage.end(), {rp, pp, ru});
}

// Pass 2 of a sparse layer: values (and CSR column indices).
void fillSparse(LayerBuild& b, int64_t* rowPtr) {
  MlpLayer& l = b.l;
  const bool csr = l.format == MatrixFormat::Csr;
  auto ci = csr ? Buffer::allocate(size_t(std::max<int64_t>(l.nnz, 1)) * 4, "CSR column indices") : nullptr;
  auto va = Buffer::allocate(size_t(std::max<int64_t>(l.nnz, 1)) * 4, "sparse values");
  int32_t* colIdx = csr ? ci->as<int32_t>() : nullptr;
  float* vals = va->as<float>();
  parallelFor(b.chunks, b.threads, [&](int64_t c, int worker) {
    b.prog.check();
    auto [r0, r1] = b.range(c);
    auto& e = b.scratch[worker];
    RcsrRowSlots slots{l.rows, rowPtr, l.rowPat};  // run-CSR: interleaved per chunk
    for (int64_t r = r0; r < r1; r++) {
      b.bias[r] = float(buildRow(b.s, r, e));
      auto [k, stride] = csr ? std::pair<int64_t, int64_t>{rowPtr[r], 1} : slots.row(r);
      for (const auto& x : e) {
        if (colIdx) colIdx[k] = x.first;
        vals[k] = float(x.second);
        k += stride;
      }
    }
    b.prog.add(r1 - r0);
  });
  l.rowPtr = rowPtr;
  l.colIdx = colIdx;
  l.values = vals;
  if (ci) l.storage.push_back(ci);
  l.storage.push_back(va);
}

// format 'auto': the form with the fewest bytes, except that dense wins while it is at most 25 %
// larger than the best sparse form: a matrix this full runs faster as a dense GEMM at batch > 1
// (at batch 1 run-CSR's single stream is faster; docs/run-csr.md has the figures).
MatrixFormat chooseFormat(const int64_t bytes[3]) {
  const int64_t sparse = std::min(bytes[1], bytes[2]);
  if (bytes[0] * 4 <= sparse * 5) return MatrixFormat::Dense;
  return bytes[2] <= bytes[1] ? MatrixFormat::Rcsr : MatrixFormat::Csr;
}

// A sparse layer (CSR, run-CSR, or any form under 'auto'): count, weigh the forms, fill.
// bytesSoFar: the sparse layers so far, for the budget.
void fillSparseLayer(LayerBuild& b, const BuildOptions& opt, int64_t& bytesSoFar) {
  const LayerSpec& s = b.s;
  MlpLayer& l = b.l;
  auto rp = Buffer::allocate(size_t(s.rows + 1) * 8, "sparse row pointers");
  int64_t* rowPtr = rp->as<int64_t>();
  const bool runs = opt.autoFormat || opt.format == MatrixFormat::Rcsr;
  std::vector<RcsrArrays> pats(runs ? size_t(b.chunks) : 0);
  countSparse(b, rowPtr, runs ? &pats : nullptr);
  l.nnz = rowPtr[s.rows];
  if (l.nnz > 0 && s.cols > 2147483647LL) throw CodedError("ERR_TOO_LARGE", "a sparse layer has more than 2^31 columns");
  if (runs) joinPatterns(b, pats);
  pats.clear();
  l.candidateBytes[0] = s.rows * denseLd(s.cols) * 4;
  l.candidateBytes[1] = l.nnz * 8 + (s.rows + 1) * 8;
  l.candidateBytes[2] = runs ? MlpLayer::rcsrBytes(s.rows, l.nnz, l.patterns, l.numRuns) : -1;
  if (opt.autoFormat) l.format = chooseFormat(l.candidateBytes);
  if (l.format != MatrixFormat::Rcsr && runs) {
    l.rowPat = l.patPtr = l.runs = nullptr, l.patterns = l.numRuns = 0;
    l.storage.resize(1);  // drop the pattern arrays, keep the bias
  }
  bytesSoFar += l.bytes();
  checkBudget(bytesSoFar, opt, opt.autoFormat ? "auto" : l.format == MatrixFormat::Csr ? "CSR" : "run-CSR");
  if (l.format == MatrixFormat::Dense) return fillDense(b);
  l.storage.push_back(rp);
  fillSparse(b, rowPtr);
}

}  // namespace

std::shared_ptr<Mlp> buildMlp(int64_t inputSize, const std::vector<LayerSpec>& layers, const BuildOptions& opt) {
  const bool dense = opt.format == MatrixFormat::Dense && !opt.autoFormat;
  if (dense) checkBudget(denseBytes(layers), opt, "dense");
  int64_t total = 0;
  for (const auto& l : layers) total += dense ? l.rows : 2 * l.rows;
  if (opt.progress) opt.progress[1] = double(total);
  Progress prog{opt};
  const int threads = std::max(1, opt.threads);
  std::vector<std::vector<Entry>> scratch(threads);

  auto mlp = std::make_shared<Mlp>();
  mlp->inputSize = inputSize;
  int64_t bytesSoFar = 0;
  for (const auto& spec : layers) {
    LayerSpec s = spec;
    std::shared_ptr<Buffer> transposed;
    if (s.prim == PrimDense) {
      transposed = transposeDense(s, threads);
      s.weightsT = transposed->as<float>();
    }
    MlpLayer l;
    l.rows = s.rows;
    l.cols = s.cols;
    l.act = s.act;
    l.format = opt.format;
    auto biasBuf = Buffer::allocate(size_t(s.rows) * 4, "bias");
    l.bias = biasBuf->as<float>();
    l.storage.push_back(biasBuf);
    const int64_t rowsPerChunk = std::max<int64_t>(1, std::min<int64_t>(1024, s.rows / (int64_t(threads) * 8)));
    LayerBuild b{s, l, biasBuf->as<float>(), prog, scratch, threads, rowsPerChunk, (s.rows + rowsPerChunk - 1) / rowsPerChunk};
    if (dense)
      fillDense(b);
    else
      fillSparseLayer(b, opt, bytesSoFar);
    mlp->layers.push_back(std::move(l));
  }
  mlp->outputSize = layers.empty() ? inputSize : layers.back().rows;
  std::string bad = mlp->check();
  if (!bad.empty()) throw CodedError("ERR_NATIVE", "converted MLP is inconsistent: " + bad);
  return mlp;
}

}  // namespace cnn2mlp
