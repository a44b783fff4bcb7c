#pragma once
// Errors raised by phusong.  Bad input is detected before any parallel work
// and reported as an InputError naming the source (file), the field and what
// was expected; the CLI prints it as one line and exits non-zero.
#include <stdexcept>
#include <string>

namespace phusong {

class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class InputError : public Error {
 public:
  InputError(std::string source, std::string field, std::string problem,
             std::string expected = {});
  const std::string& source() const noexcept { return source_; }
  const std::string& field() const noexcept { return field_; }
  const std::string& expected() const noexcept { return expected_; }

 private:
  std::string source_, field_, expected_;
};

// Formats a double compactly for messages ("12.5", "-32767").
std::string fmt_num(double v);

}  // namespace phusong
