#pragma once
// The radial sweep engine: path loss from one antenna to every grid cell
// within a radius, in O(R^2) work instead of the exact engine's O(R^3).
//
// Rays.  Let (r0, c0) be the grid cell holding the transmitter and N the
// number of cells that covers the radius.  One ray runs from the transmitter
// to the centre of each cell on the square ring of Chebyshev radius N around
// (r0, c0): 8N rays.  Along a ray the terrain is sampled once, bilinearly,
// every `step` metres (step = the smaller cell side), from the transmitter on.
//
// Which ray a cell takes.  A cell at offset (i, j) = (col - c0, row - r0) on
// ring k = max(|i|, |j|) >= 1 belongs to the ring-N cell obtained by scaling
// its offset by N/k and rounding the minor coordinate half up:
// (sgn(i) N, floor(j N/|i| + 1/2)) when |i| > |j|, the mirror rule when
// |j| > |i|, and the corner (sgn(i) N, sgn(j) N) on the diagonals.  This maps
// every cell to exactly one ray (a partition of the window), so each cell is
// written by one well-defined ray and the result does not depend on the
// number of threads.  The transmitter's own cell (ring 0) is computed by the
// exact method.
//
// What a cell gets.  The cell's own receiver — its true distance from the
// transmitter and its own terrain height (the DEM value at its centre) — over
// the ray's terrain: the profile is the transmitter, the ray samples closer
// than (distance - step/2), and the receiver.  So the ends of every path are
// those of the exact engine; only the terrain in between comes from the
// nearest ray (at most half a cell to the side).
//
// Cells a kernel marks as ill-conditioned (PathLoss::exact_needed: the
// Hata kernel where its effective height is within its error bound of the
// 1 m clamp) are computed as the exact engine computes them: the model on
// the profile sampled along the cell's own line.
//
// Per cell cost.  Models with a RayKernel (make_ray_kernel()) keep their state
// incrementally along the ray (running maxima of horizon slopes, an upper
// convex hull of the profile with the earth's curvature folded into the
// heights, running sums for least-squares fits) and answer each receiver in
// O(1) amortised or O(log n) (see src/engine/kernels_*.cpp).  Other models are
// called on the receiver's profile built from the ray's samples (terrain still
// sampled once per ray; the model's own cost per cell stays O(n)); for those
// the samples are respaced uniformly over the path length so models that
// assume equal spacing (ITM's PFL form) see a valid profile.
//
// Memory: the output raster plus O(N) per worker thread.
#include <memory>
#include <string>
#include <string_view>

#include "phusong/propagation/model.hpp"
#include "phusong/raster/raster.hpp"

namespace phusong {

// What the radial engine did, for profiling its kernels (phusong coverage
// prints it, `phusong run --engine-stats` sums it over a scenario's sites;
// docs/performance.md).  Each ray's work is its own, so these counts are the
// same at any thread count and on any host, unlike times.
struct RadialStats {
  long cells = 0;        // cells a kernel answered
  long beyond = 0;       // of those, answered "beyond the loss ceiling" (RayKernel::loss_ceiling)
  long unread = 0;       // of those, settled before their line was read (RayKernel::beyond_ceiling)
  long exact = 0;        // of those, handed to the exact computation (PathLoss::exact_needed)
  long line_reads = 0;   // heights read on the cells' own lines (RayKernel::cell_tail, cell_line)
  long bound_tests = 0;  // tests of a line bound over a sample or a block (RayKernel::bound_tests)
  RadialStats& operator+=(const RadialStats& o) {
    cells += o.cells;
    beyond += o.beyond;
    unread += o.unread;
    exact += o.exact;
    line_reads += o.line_reads;
    bound_tests += o.bound_tests;
    return *this;
  }
};

// One line: "N cells (B beyond the ceiling, U of them before reading their
// line, E exact), R line reads and T bound tests per cell".
std::string stats_line(const RadialStats& s);

// Same signature and meaning as path_loss_exact() (engine/coverage.hpp): NaN
// outside the radius or where the terrain on the path is unknown (near
// unknown terrain each cell is computed as path_loss_exact() does, so the
// cells known are the same).
// threads: 0 = all cores.
//
// ceiling_db (optional, the DEM's grid): per cell, the loss above which the
// caller does not need the cell's value (NaN or +infinity: it needs it).
// Where a kernel shows cheaply that the cell's loss exceeds its ceiling
// (RayKernel::loss_ceiling, beyond_ceiling: the deygout and p526 kernels
// from J(v), p1812 from p1812::lb_lower_bound_db), the
// cell holds +infinity instead of its loss; every other cell holds what it
// holds without a ceiling.  compute_coverage() passes, per site, the loss
// beyond which a cell could neither reach the threshold nor beat the best
// server so far.
//
// window (optional; window_within() of the same antenna and radius): the
// result covers that block of the DEM's grid only (window_raster()), as for
// path_loss_exact(): a site's raster costs its window, not the whole grid.
//
// stats (optional): what this call did is added to it.
Raster<float> path_loss_radial(const Raster<float>& dem, double tx_x, double tx_y, const prop::Model& model,
                               const prop::LinkParams& link, double radius_m, int threads = 0,
                               const Raster<float>* ceiling_db = nullptr, const CellWindow* window = nullptr,
                               RadialStats* stats = nullptr);

// The model's ray kernel: Model::ray_kernel() if it gives one, else the
// built-in kernel for the built-in models (fspl, hata, deygout, p526, itm),
// else null.
std::unique_ptr<prop::RayKernel> make_ray_kernel(const prop::Model& model, const prop::LinkParams& link);

// True for the models for which the radial engine meets its agreement
// contract with the exact engine (tests/reference/test_radial_agreement.cpp:
// >= 99 % of cells within 1 dB, none beyond 6 dB, on real 90 m terrain): the
// scenario's model.engine defaults to fast for these, exact for the others.
bool radial_is_default(std::string_view model_name);

// True when make_ray_kernel() gives a kernel for this model.
bool has_ray_kernel(const prop::Model& model);

}  // namespace phusong
