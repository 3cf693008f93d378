#include "common/files.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "absl/strings/str_cat.h"

namespace spillway {

absl::StatusOr<std::string> ReadRegularFile(const std::string& path, size_t max_bytes,
                                            absl::string_view what) {
  // O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer.
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) {
    return absl::NotFoundError(absl::StrCat("cannot read ", what, " '", path, "': ", strerror(errno)));
  }
  struct stat info;
  if (::fstat(fd, &info) != 0 || !S_ISREG(info.st_mode)) {
    ::close(fd);
    return absl::FailedPreconditionError(
        absl::StrCat(what, " '", path, "' is not a regular file (a directory, device or pipe?)"));
  }
  // st_size is only a hint (files under /proc report 0): read until EOF, but
  // never more than one byte past the limit.
  std::string text;
  text.resize(std::min<size_t>(max_bytes + 1, static_cast<size_t>(info.st_size) + 4096));
  size_t used = 0;
  for (;;) {
    if (used == text.size()) {
      if (used > max_bytes) break;
      text.resize(std::min(max_bytes + 1, text.size() * 2));
    }
    const ssize_t n = ::read(fd, text.data() + used, text.size() - used);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int error = errno;
      ::close(fd);
      return absl::FailedPreconditionError(
          absl::StrCat("cannot read ", what, " '", path, "': ", strerror(error)));
    }
    if (n == 0) break;
    used += static_cast<size_t>(n);
  }
  ::close(fd);
  if (used > max_bytes) {
    return absl::OutOfRangeError(absl::StrCat(what, " '", path, "' is larger than ", max_bytes,
                                              " bytes; is it the right file?"));
  }
  text.resize(used);
  return text;
}

}  // namespace spillway
