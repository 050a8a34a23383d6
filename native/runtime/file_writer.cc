#include "runtime/file_writer.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <random>

#include "core/errors.h"

namespace cnn2mlp {

FileWriter::FileWriter(const std::string& path) : path_(path) {
  std::random_device rd;
  tmp_ = path + ".tmp-" + std::to_string(::getpid()) + "-" + std::to_string(rd() % 1000000000u);
  fd_ = ::open(tmp_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd_ < 0) fail("cannot create");
}

FileWriter::~FileWriter() {
  if (fd_ >= 0) ::close(fd_);
  if (!done_) ::unlink(tmp_.c_str());
}

void FileWriter::write(const void* data, uint64_t n) {
  const char* p = static_cast<const char*>(data);
  while (n > 0) {
    const size_t chunk = n > (64u << 20) ? (64u << 20) : size_t(n);
    ssize_t w = ::write(fd_, p, chunk);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) fail("cannot write");
    p += w;
    n -= uint64_t(w);
    pos_ += uint64_t(w);
  }
}

void FileWriter::padTo(uint64_t off) {
  static const char zeros[64] = {0};
  while (pos_ < off) write(zeros, std::min<uint64_t>(sizeof(zeros), off - pos_));
}

void FileWriter::finish(const void* header, uint64_t n) {
  if (::pwrite(fd_, header, n, 0) != ssize_t(n)) fail("cannot write the header of");
  if (::fsync(fd_) != 0) fail("cannot fsync");
  if (::close(fd_) != 0) {
    fd_ = -1;
    fail("cannot close");
  }
  fd_ = -1;
  if (::rename(tmp_.c_str(), path_.c_str()) != 0) fail("cannot rename the temporary file onto");
  done_ = true;
  // Make the rename durable too (best effort: some filesystems refuse fsync on a directory).
  std::string dir = path_.find('/') == std::string::npos ? "." : path_.substr(0, path_.rfind('/') + 1);
  int dfd = ::open(dir.empty() ? "/" : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
}

void FileWriter::fail(const char* what) {
  int e = errno;
  const bool onto = std::strstr(what, "onto") != nullptr;
  throw CodedError("ERR_BAD_FILE", std::string(what) + " " + (onto ? path_ : tmp_) + ": " + std::strerror(e));
}

}  // namespace cnn2mlp
