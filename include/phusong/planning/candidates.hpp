#pragma once
// Candidate positions for new sites (docs/planning.md): terrain high points
// and ridge cells in and near the district, thinned to one per square of a
// lattice, plus the user's list; restricted by the optional allowed area,
// exclusion polygons, distance to roads and separation from existing sites.
#include <string>
#include <vector>

#include "phusong/scenario/inputs.hpp"
#include "phusong/scenario/scenario.hpp"

namespace phusong::planning {

struct Candidate {
  std::string id;      // "T00042" (terrain) or the user's id
  std::string origin;  // "peak", "ridge", "lattice" (highest cell of its square) or "user"
  int row = -1, col = -1;  // grid cell; the site stands at its centre
  double x = 0, y = 0;     // cell centre, working CRS
  double ground_m = 0;     // DEM value of the cell
};

struct CandidateSet {
  std::vector<Candidate> list;
  double spacing_m = 0;      // lattice square side used
  int squares = 0;           // lattice squares inside the search area
  int user_given = 0;        // rows in the user's candidates file
  // Cells turned down (counted once, by the first rule that rejects them):
  int rejected_allowed_area = 0, rejected_exclusion = 0, rejected_roads = 0, rejected_separation = 0;
  int out_of_reach = 0;      // user candidates farther than the radius from every uncovered village
};

// Local maximum (>= its 8 neighbours, > at least one) and ridge (higher than
// both neighbours along at least two of the four directions N-S, E-W and
// the diagonals) flags of a DEM cell; the border cells are neither.
bool is_peak(const Raster<float>& dem, int r, int c);
bool is_ridge(const Raster<float>& dem, int r, int c);

// The candidates for the villages `targets` (indices into in.villages):
// cells within the scenario's radius of at least one of them, inside the
// search area (the communes, or the villages' bounding box, grown by
// proposals.search_margin_km, and within the area the DEM was loaded for).
// Throws InputError on unreadable or invalid optional layers.
CandidateSet make_candidates(const Scenario& s, const Inputs& in, const std::vector<size_t>& targets);

}  // namespace phusong::planning
