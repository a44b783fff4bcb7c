#pragma once
// Building blocks for synthetic terrain that is identical byte for byte on
// every machine: a portable PRNG, elementary functions written with IEEE-754
// basic operations only (+ − × ÷ and sqrt, all correctly rounded), gradient
// noise, and a small hydrology kit (priority-flood routing, flow
// accumulation, valley carving).  Nothing here calls libm transcendental
// functions or std:: random distributions, whose results differ between
// platforms.
#include <cstdint>
#include <vector>

#include "phusong/raster/raster.hpp"

namespace phusong::synth {

// ---- pseudo-random numbers -------------------------------------------------
// xoshiro256** (Blackman & Vigna, 2018) seeded through splitmix64.
class Rng {
 public:
  explicit Rng(std::uint64_t seed);
  std::uint64_t next();
  // Uniform in [0, 1) with 53 random bits.
  double uniform();
  double uniform(double lo, double hi) { return lo + (hi - lo) * uniform(); }
  // Uniform integer in [lo, hi] (inclusive); unbiased (rejection).
  int uniform_int(int lo, int hi);
  // A child generator for an independent stream (derived from the seed and a tag).
  static Rng derive(std::uint64_t seed, std::uint64_t tag);

 private:
  std::uint64_t s_[4];
};

std::uint64_t splitmix64(std::uint64_t& state);
// A stateless 64-bit mix of three integers (for lattice hashes).
std::uint64_t hash3(std::uint64_t a, std::uint64_t b, std::uint64_t c);

// ---- portable elementary functions ----------------------------------------
// Accurate to a few ulp; results depend only on IEEE-754 basic operations.
inline constexpr double kPi = 3.14159265358979323846;
double det_sin(double x);
double det_cos(double x);
double det_atan(double x);
double det_atan2(double y, double x);  // radians, (-π, π]
double det_exp(double x);
double det_log(double x);              // natural log, x > 0
inline double det_log10(double x) { return det_log(x) * 0.43429448190325182765; }
inline double deg_to_rad(double d) { return d * (kPi / 180.0); }
inline double rad_to_deg(double r) { return r * (180.0 / kPi); }
// Hermite smoothstep of t clamped to [0, 1].
double smoothstep01(double t);

// ---- gradient noise --------------------------------------------------------
// Perlin-style gradient noise on the unit lattice (quintic fade), roughly in
// [-0.7, 0.7]; 16 fixed gradient directions chosen by hash3(ix, iy, seed).
double gradient_noise(double x, double y, std::uint64_t seed);
// Fractional Brownian motion: Σ gain^o · noise(lacunarity^o · p), normalised
// by Σ gain^o.
double fbm(double x, double y, int octaves, std::uint64_t seed, double lacunarity = 2.0,
           double gain = 0.5);
// Ridged multifractal (after F. K. Musgrave, "Texturing and Modeling", ch. 16):
// sharp crests where the base noise crosses zero; result in [0, 1].
double ridged(double x, double y, int octaves, std::uint64_t seed, double lacunarity = 2.0,
              double gain = 0.5);
// Periodic 1-D value noise with `period` lattice points, t in lattice units.
double periodic_noise1(double t, int period, std::uint64_t seed);

// ---- hydrology -------------------------------------------------------------
// Single-flow-direction (D8) routing on a surface whose every cell drains to
// the grid edge, by Priority-Flood (R. Barnes et al., "Priority-Flood: an
// optimal depression-filling and watershed-labeling algorithm", Computers &
// Geosciences 62, 2014): cells are taken from a priority queue seeded with
// the edge, and each cell drains to the neighbour that discovered it.
//   breach = false: the queue is keyed by the ε-filled height (flow crosses
//     depressions on their filled, flat surface);
//   breach = true: keyed by the original height, so a depression drains along
//     its own valley lines to the spill point and out (as if the rim were cut:
//     the carving variant of P. Soille, "Optimal removal of spurious pits in
//     grid digital elevation models", Water Resour. Res. 40, 2004).
// Ties are broken by cell index, so the result is unique.
struct FlowRouting {
  std::vector<double> filled_m;   // ε-filled heights (rising upstream by >= ε)
  std::vector<int> receiver;      // downstream neighbour, -1 at the outlets (edge cells)
  std::vector<int> order;         // cells from the outlets upstream (receiver precedes donor)
  std::vector<double> area_cells; // upslope area in cells, the cell itself included
};
FlowRouting route_flow(const std::vector<double>& height_m, int rows, int cols,
                       double eps_m = 1e-3, bool breach = false);
// Depressions filled to their spill height (flat, no ε).
std::vector<double> fill_depressions(const std::vector<double>& height_m, int rows, int cols);

// Carves valleys: every cell gets the lowest value of bed + rise(d) over the
// stream sources, d the Euclidean distance to the source cell, found by label
// propagation from the sources in increasing value (an approximate nearest-
// feature transform).  rise() is floor_slope·d within floor_m of the source
// (flat valley floors), then a side slope growing linearly from 0.3 × to 1 ×
// the local side_slope over ramp_m (rounded valley bottoms), then constant.
struct CarveSource {
  int cell = 0;
  double bed_m = 0.0;
  double floor_m = 0.0;  // half-width of the flat floor
};
struct CarveResult {
  std::vector<double> surface_m;  // carved surface (before min with the original)
  std::vector<int> source;        // index into the sources vector, -1 if unreached
  std::vector<double> dist_m;     // distance to that source
};
CarveResult carve_valleys(int rows, int cols, double cell_m, const std::vector<CarveSource>& sources,
                          const std::vector<double>& side_slope, double floor_slope,
                          double ramp_m);

// Gradient magnitude (tan of the slope) by Horn's 3×3 method (B. K. P. Horn,
// "Hill shading and the reflectance map", Proc. IEEE 69, 1981), edges clamped.
double slope_tan_horn(const Raster<float>& dem, int r, int c);

}  // namespace phusong::synth
