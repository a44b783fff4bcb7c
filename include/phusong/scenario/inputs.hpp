#pragma once
// Loading and validating a scenario's inputs on the working grid.
#include <string>
#include <vector>

#include "phusong/analysis/villages.hpp"
#include "phusong/radio/cell.hpp"
#include "phusong/scenario/scenario.hpp"
#include "phusong/terrain/dem.hpp"

namespace phusong {

struct Inputs {
  std::string working_crs;  // "EPSG:n" or as given
  Dem dem;
  std::vector<radio::Cell> cells;          // the cells this scenario evaluates
  std::vector<radio::Cell> other_cells;    // selected carriers' cells of other technologies
  int cells_other = 0;                     // cells in the file of other technologies / carriers
  int cells_out_of_area = 0;               // cells farther than the radius from every village/commune
  std::vector<analysis::Village> villages;
  std::vector<analysis::Commune> communes;
  int villages_reassigned = 0;             // village commune field differed from the polygon containing it
};

// Parses a sites table (one row per cell) into cells; throws InputError on
// missing columns, bad values (negative heights, unknown technology, ...).
std::vector<radio::Cell> parse_cells(const std::string& path, const std::string& working_crs);
std::vector<analysis::Village> parse_villages(const std::string& path, const std::string& working_crs);
std::vector<analysis::Commune> parse_communes(const std::string& path, const std::string& working_crs);

// Everything, checked, before any computation.
Inputs load_inputs(const Scenario& s);

}  // namespace phusong
