#pragma once
#include <string>

namespace phusong {
// SHA-256 of a file's bytes, lowercase hex (OpenSSL EVP).  Throws Error.
std::string sha256_file(const std::string& path);
}  // namespace phusong
