#pragma once
// Helpers for tests: where the shared data and the project live, temporary
// folders, and a CSV reader for reference tables.
#include <doctest/doctest.h>

#include <sys/wait.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "phusong/raster/raster.hpp"

namespace phusong::test {

// An n x n grid of square cells of cell_m metres whose north-west corner is
// at (500 000, 1 800 000) in metres (a UTM-like place for engine tests).
inline Grid square_grid(int n, double cell_m) {
  Grid g;
  g.rows = g.cols = n;
  g.x_min = 500000.0;
  g.y_max = 1800000.0;
  g.dx = g.dy = cell_m;
  return g;
}

// Rolling hills on a grid, 300 m +- 100 m: two crossed sinusoids of about
// 4-6 km and a shorter oblique one, so that slopes vary in every direction.
inline Raster<float> rolling_terrain(const Grid& g) {
  Raster<float> dem(g, 0.0f);
  for (int r = 0; r < g.rows; ++r)
    for (int c = 0; c < g.cols; ++c) {
      const double x = g.cell_x(c), y = g.cell_y(r);
      dem.at(r, c) = static_cast<float>(300.0 + 80.0 * std::sin(x / 700.0) * std::cos(y / 900.0) +
                                        20.0 * std::sin(x / 130.0 + y / 170.0));
    }
  return dem;
}

inline std::filesystem::path source_dir() { return PHUSONG_SOURCE_DIR; }
inline std::filesystem::path shared_dir() { return PHUSONG_SHARED_DIR; }
inline bool shared_available() { return std::filesystem::is_directory(shared_dir() / "reference"); }
inline std::filesystem::path shared_path(const std::string& rel) { return shared_dir() / rel; }

// Skips the current test case (with a message) when ../shared is absent.
#define PHUSONG_REQUIRE_SHARED()                                                        \
  do {                                                                                  \
    if (!::phusong::test::shared_available()) {                                         \
      MESSAGE("skipped: " << ::phusong::test::shared_dir().string() << " is absent");   \
      return;                                                                           \
    }                                                                                   \
  } while (0)

// A fresh empty folder under the build tree's test area.
inline std::filesystem::path temp_dir(const std::string& name) {
  auto p = std::filesystem::current_path() / "tmp" / name;
  std::filesystem::remove_all(p);
  std::filesystem::create_directories(p);
  return p;
}

// A whole file's bytes ("" when it cannot be read).
inline std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// `phusong ARGS` (the binary of this build), stdout discarded: its exit
// status, and its stderr in *err when given.
inline int run_cli(const std::string& args, std::string* err = nullptr) {
  const auto errf = std::filesystem::current_path() / "tmp" / "cli_stderr.txt";
  std::filesystem::create_directories(errf.parent_path());
  const std::string cmd = std::string(PHUSONG_BINARY) + " " + args + " >/dev/null 2>" + errf.string();
  const int rc = std::system(cmd.c_str());
  if (err) *err = slurp(errf);
  return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

// Writes `text` to `p`, replacing it.
inline void write_text(const std::filesystem::path& p, const std::string& text) {
  std::ofstream o(p, std::ios::binary);
  o << text;
}

// A simple CSV table (comma separated, first line = header, no quoting).
struct Csv {
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;
  int col(const std::string& name) const {
    for (size_t i = 0; i < header.size(); ++i)
      if (header[i] == name) return static_cast<int>(i);
    throw std::runtime_error("no column " + name);
  }
  double num(size_t row, const std::string& name) const { return std::stod(rows[row][col(name)]); }
};

inline std::vector<std::string> split_csv_line(const std::string& line) {
  std::vector<std::string> out;
  std::string cell;
  std::istringstream ss(line);
  while (std::getline(ss, cell, ',')) {
    if (!cell.empty() && cell.back() == '\r') cell.pop_back();
    out.push_back(cell);
  }
  if (!line.empty() && line.back() == ',') out.emplace_back();
  return out;
}

inline Csv read_csv(const std::filesystem::path& p) {
  std::ifstream in(p);
  if (!in) throw std::runtime_error("cannot open " + p.string());
  Csv t;
  std::string line;
  if (std::getline(in, line)) t.header = split_csv_line(line);
  while (std::getline(in, line)) {
    if (line.empty() || line == "\r") continue;
    t.rows.push_back(split_csv_line(line));
  }
  return t;
}

}  // namespace phusong::test
