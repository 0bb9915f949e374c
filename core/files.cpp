#include "core/files.h"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdint>
#include <cstring>

#include "core/error.h"

namespace dnagrad {

namespace {

// The temporary file: closed, and removed unless committed, when it goes out of scope.
struct TempFile {
  std::string path;
  int fd = -1;
  bool committed = false;
  ~TempFile() {
    if (fd >= 0) ::close(fd);
    if (!committed) ::unlink(path.c_str());
  }
};

}  // namespace

void write_file_atomically(const std::string& path, std::string_view bytes) {
  static std::atomic<uint64_t> counter{0};  // with the pid, keeps concurrent writers apart
  TempFile tmp;
  tmp.path = cat(path, ".tmp-", ::getpid(), "-", counter++);
  tmp.fd = ::open(tmp.path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
  if (tmp.fd < 0) {
    tmp.committed = true;  // nothing was created
    fail(path, ": cannot create the temporary file ", tmp.path, ": ", std::strerror(errno));
  }
  size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(tmp.fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) fail(path, ": cannot write ", tmp.path, ": ", std::strerror(errno));
    done += static_cast<size_t>(n);
  }
  if (::fsync(tmp.fd) != 0) fail(path, ": cannot flush ", tmp.path, ": ", std::strerror(errno));
  const int closed = ::close(tmp.fd);
  tmp.fd = -1;
  if (closed != 0) fail(path, ": cannot close ", tmp.path, ": ", std::strerror(errno));
  if (::rename(tmp.path.c_str(), path.c_str()) != 0)
    fail(path, ": cannot rename ", tmp.path, " to it: ", std::strerror(errno));
  tmp.committed = true;
}

}  // namespace dnagrad
