// libFuzzer target: the scenario YAML parser (phusong::parse_scenario) on
// arbitrary text.  An InputError is the expected answer to bad input; any
// other exception, a crash, a leak, undefined behaviour or a hang is a bug.
#include <cstddef>
#include <cstdint>
#include <string>

#include "phusong/core/error.hpp"
#include "phusong/scenario/scenario.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    (void)phusong::parse_scenario(text, "fuzz/scenario.yaml");
  } catch (const phusong::InputError&) {
  }
  return 0;
}
