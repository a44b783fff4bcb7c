#include "phusong/core/error.hpp"

#include <cmath>
#include <cstdio>

namespace phusong {

namespace {
std::string compose(const std::string& source, const std::string& field,
                    const std::string& problem, const std::string& expected) {
  std::string msg;
  if (!source.empty()) msg += source + ": ";
  if (!field.empty()) msg += "'" + field + "': ";
  msg += problem;
  if (!expected.empty()) msg += " (expected " + expected + ")";
  return msg;
}
}  // namespace

InputError::InputError(std::string source, std::string field, std::string problem,
                       std::string expected)
    : Error(compose(source, field, problem, expected)),
      source_(std::move(source)),
      field_(std::move(field)),
      expected_(std::move(expected)) {}

std::string fmt_num(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.10g", v);
  return buf;
}

}  // namespace phusong
