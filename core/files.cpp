#include "core/files.h"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <utility>

#include "core/error.h"

namespace dnagrad {

AtomicFileWriter::AtomicFileWriter(std::string path) : path_(std::move(path)) {
  static std::atomic<uint64_t> counter{0};  // with the pid, keeps concurrent writers apart
  tmp_path_ = cat(path_, ".tmp-", ::getpid(), "-", counter++);
  fd_ = ::open(tmp_path_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
  if (fd_ < 0) {
    committed_ = true;  // nothing was created
    fail(path_, ": cannot create the temporary file ", tmp_path_, ": ", std::strerror(errno));
  }
}

AtomicFileWriter::~AtomicFileWriter() {
  if (fd_ >= 0) ::close(fd_);
  if (!committed_) ::unlink(tmp_path_.c_str());
}

void AtomicFileWriter::write(std::string_view bytes) {
  DNAGRAD_CHECK(fd_ >= 0, path_, ": write after commit");
  size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(fd_, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) fail(path_, ": cannot write ", tmp_path_, ": ", std::strerror(errno));
    done += static_cast<size_t>(n);
  }
}

void AtomicFileWriter::commit() {
  DNAGRAD_CHECK(fd_ >= 0, path_, ": committed twice");
  if (::fsync(fd_) != 0) fail(path_, ": cannot flush ", tmp_path_, ": ", std::strerror(errno));
  const int closed = ::close(fd_);
  fd_ = -1;
  if (closed != 0) fail(path_, ": cannot close ", tmp_path_, ": ", std::strerror(errno));
  if (::rename(tmp_path_.c_str(), path_.c_str()) != 0)
    fail(path_, ": cannot rename ", tmp_path_, " to it: ", std::strerror(errno));
  committed_ = true;
}

void write_file_atomically(const std::string& path, std::string_view bytes) {
  AtomicFileWriter file(path);
  file.write(bytes);
  file.commit();
}

}  // namespace dnagrad
