// libFuzzer target: the terrain profile parser (parse_profile_text, ITM PFL
// and CSV forms) and the CSV round trip of what it accepts.  An InputError is
// the expected answer to bad input; anything else is a bug.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "phusong/core/error.hpp"
#include "phusong/terrain/profile_io.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  phusong::prop::Profile p;
  try {
    p = phusong::parse_profile_text(text, "fuzz/profile.txt");
  } catch (const phusong::InputError&) {
    return 0;
  }
  // What is accepted writes back and reads back to the same profile (an
  // exception here escapes: an accepted profile must be a valid one).
  const auto q = phusong::parse_profile_text(phusong::profile_to_csv(p), "fuzz/roundtrip.csv");
  if (q.distance_m != p.distance_m || q.height_m != p.height_m || q.clutter_m != p.clutter_m || q.zone != p.zone)
    std::abort();
  return 0;
}
