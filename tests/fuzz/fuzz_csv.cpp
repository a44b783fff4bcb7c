// libFuzzer target: the CSV reader (phusong::io::read_vector_text, GDAL's CSV
// driver on an in-memory file) and the sites and villages tables built from
// it (parse_cells_table, parse_villages_table).  An InputError is the
// expected answer to bad input; anything else is a bug.
#include <algorithm>
#include <cctype>
#include <cstddef>
#include <cstdint>
#include <string>

#include "phusong/core/error.hpp"
#include "phusong/io/vector_input.hpp"
#include "phusong/scenario/inputs.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  // A `pattern` column names a file to read (an absolute path could name
  // /dev/zero): the MSI parser has its own target, so such inputs are skipped.
  std::string lower(text);
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
  if (lower.find("pattern") != std::string::npos) return 0;
  try {
    const auto table = phusong::io::read_vector_text(text, "fuzz/sites.csv", "EPSG:32648", phusong::io::GeomKind::Point);
    try {
      (void)phusong::parse_cells_table(table, "/nonexistent-phusong-fuzz");
    } catch (const phusong::InputError&) {
    }
    (void)phusong::parse_villages_table(table);
  } catch (const phusong::InputError&) {
  }
  return 0;
}
