// libFuzzer target: the MSI/Planet antenna pattern parser (parse_msi), and
// the 3-D interpolation on what it accepts.  An InputError is the expected
// answer to bad input; anything else is a bug.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "phusong/core/error.hpp"
#include "phusong/radio/antenna_pattern.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    const auto p = phusong::radio::parse_msi(text, "fuzz/pattern.msi");
    // An accepted pattern gives finite, non-negative attenuations.
    for (double az : {0.0, 37.5, 180.0, 359.9}) {
      const double a = phusong::radio::pattern_attenuation_db(p, az, 4.0, p.electrical_tilt_deg + 2, 3.0);
      if (!std::isfinite(a) || a < 0) std::abort();
    }
  } catch (const phusong::InputError&) {
  }
  return 0;
}
