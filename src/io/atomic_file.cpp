#include "phusong/io/atomic_file.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <system_error>

#include "phusong/core/error.hpp"

namespace phusong::io {

void write_text_file_atomic(const std::string& path, const std::string& text) {
  const std::string tmp = path + ".tmp-" + std::to_string(static_cast<long>(::getpid()));
  std::FILE* f = std::fopen(tmp.c_str(), "wb");
  if (!f) {
    throw Error("cannot create " + tmp + ": " + std::strerror(errno));
  }
  const size_t written = text.empty() ? 0 : std::fwrite(text.data(), 1, text.size(), f);
  const bool write_ok = written == text.size();
  const int write_errno = errno;
  const bool close_ok = std::fclose(f) == 0;
  if (!write_ok || !close_ok) {
    std::error_code ignored;
    std::filesystem::remove(tmp, ignored);
    throw Error("cannot write " + tmp + ": " + std::strerror(write_ok ? errno : write_errno));
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) {
    std::error_code ignored;
    std::filesystem::remove(tmp, ignored);
    throw Error("cannot rename " + tmp + " to " + path + ": " + ec.message());
  }
}

}  // namespace phusong::io
