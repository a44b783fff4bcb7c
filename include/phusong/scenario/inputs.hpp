#pragma once
#include <functional>
#include <utility>
// Loading and validating a scenario's inputs on the working grid.
#include <string>
#include <vector>

#include "phusong/analysis/villages.hpp"
#include "phusong/engine/clutter_loss.hpp"
#include "phusong/io/vector_input.hpp"
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
  analysis::CommuneAssignment communes_assigned;  // villages whose commune column the polygons overrode, or outside them
  ClutterMap clutter;                      // land cover on the working grid (scenario `clutter:`; empty classes = none)
};

// Reads the land-cover raster of the scenario's `clutter:` block, warps it
// (nearest neighbour) onto the working grid and maps its values to classes.
// InputError when the raster cannot be read, has no CRS, does not overlap the
// grid, or holds class values missing from clutter.classes (all named).
ClutterMap load_clutter(const Scenario& s, const Grid& working_grid);

// Parses a sites table (one row per cell) into cells; throws InputError on
// missing columns, bad values (negative heights, unknown technology, ...).
std::vector<radio::Cell> parse_cells(const std::string& path, const std::string& working_crs);
std::vector<analysis::Village> parse_villages(const std::string& path, const std::string& working_crs);
std::vector<analysis::Commune> parse_communes(const std::string& path, const std::string& working_crs);
// The same from a table already read (io::read_vector / read_vector_text);
// relative pattern paths are resolved against sites_dir.
std::vector<radio::Cell> parse_cells_table(const io::VectorTable& t, const std::string& sites_dir);
std::vector<analysis::Village> parse_villages_table(const io::VectorTable& t);

// All cells of the scenario's sites file(s), ids unique across files.
std::vector<radio::Cell> parse_scenario_cells(const Scenario& s, const std::string& working_crs);

// Everything, checked, before any computation.
// dem_rows: rows of the whole working grid to load (DemRequest::rows; a
// shard's tile and margin); empty = all.
Inputs load_inputs(const Scenario& s, const std::function<std::pair<int, int>(const Grid&)>& dem_rows = {});

}  // namespace phusong
