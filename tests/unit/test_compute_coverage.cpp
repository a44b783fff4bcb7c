// compute_coverage skips a grid cell for a site when none of the site's
// cells could reach the threshold or beat the best signal so far (of the
// composite and of their groups' composites), and hands the radial engine
// the loss beyond which that holds (its loss ceiling: the deygout and p526
// kernels stop there).  A power sum makes every cell count, so it turns both off:
// the composites must be the same bytes with and without them.
#include <doctest/doctest.h>

#include <cmath>
#include <cstring>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "phusong/engine/coverage.hpp"
#include "phusong/propagation/model.hpp"
#include "phusong/radio/antenna_pattern.hpp"
#include "phusong/radio/cell.hpp"
#include "test_support.hpp"

using namespace phusong;

namespace {

template <typename T>
bool same_bytes(const Raster<T>& a, const Raster<T>& b) {
  return a.data().size() == b.data().size() &&
         std::memcmp(a.data().data(), b.data().data(), a.data().size() * sizeof(T)) == 0;
}

}  // namespace

TEST_CASE("compute_coverage: the cells it skips would not have changed any composite") {
  // the project's panel pattern file, as a sites table's `pattern` column
  // would give it
  const auto panel = std::make_shared<const radio::AntennaPattern>(radio::make_panel_pattern(radio::PanelSpec{}));
  for (const bool sectors : {true, false})
  for (const bool patterned : {false, true})
  for (const double mech_deg : {0.0, 3.0})
  for (const char* name : {"hata", "deygout", "p526", "p1812"}) {
    if (mech_deg != 0.0 && !sectors) continue;  // sectors only
    CAPTURE(name);
    CAPTURE(sectors);
    CAPTURE(patterned);
    CAPTURE(mech_deg);
    const Grid g = test::square_grid(121, 30.0);
    const Raster<float> dem = test::rolling_terrain(g);
    // Six three-sector (or omnidirectional) sites of two carriers on a
    // lattice, overlapping; the parametric pattern or the panel's file
    // (electrically tilted by 4 degrees, or on an omni cell turned to
    // bearing 0); sectors also mechanically tilted by 3 degrees.
    std::vector<radio::Cell> cells;
    CellGroups groups;
    for (int k = 0; k < 6; ++k) {
      for (int s = 0; s < (sectors ? 3 : 1); ++s) {
        radio::Cell c;
        c.site_id = "S" + std::to_string(k);
        c.cell_id = c.site_id + "-" + std::to_string(s + 1);
        c.x = g.cell_x(25 + 35 * (k % 3));
        c.y = g.cell_y(35 + 50 * (k / 3));
        c.height_m = 30.0;
        if (sectors) c.azimuth_deg = 120.0 * s;
        c.tilt_deg = 4.0;
        c.beamwidth_deg = 65.0;
        c.freq_mhz = 900.0;
        c.bandwidth_mhz = 10.0;
        c.eirp_dbm = 58.0;
        if (patterned) c.pattern = panel;
        c.mechanical_tilt_deg = mech_deg;
        cells.push_back(c);
        groups.group_of_cell.push_back(k % 2);
      }
    }
    groups.count = 2;
    auto model = prop::make_model(name);
    prop::LinkParams link;
    link.rx_height_m = 1.5;
    EngineConfig cfg;
    cfg.radius_m = 1500.0;
    // deygout, p526, p1812: the threshold where their shadows (diffraction beyond
    // 5 dB at 800 m) fall below it, so that their kernels stop on many cells
    cfg.threshold_dbm = std::string(name) == "hata" ? -70.0 : -60.0;
    cfg.threads = 2;
    cfg.kind = EngineKind::Fast;
    // with the carriers' composites, and without (then only the threshold
    // and the composite's best bound what a site can change)
    std::vector<Composite> per_skip, per_all;
    std::vector<radio::Cell> cells_a = cells, cells_b = cells, cells_c = cells, cells_d = cells;
    const Composite skip = compute_coverage(dem, cells_a, *model, link, cfg, nullptr, &groups, &per_skip);
    const Composite skip_alone = compute_coverage(dem, cells_c, *model, link, cfg);
    PowerSum ps;
    ps.member.assign(cells.size(), 1);
    cfg.power_sum = &ps;
    const Composite all = compute_coverage(dem, cells_b, *model, link, cfg, nullptr, &groups, &per_all);
    const Composite all_alone = compute_coverage(dem, cells_d, *model, link, cfg);

    // Not vacuous: cells below the threshold that several sites reach (where
    // the skip applies) and cells above it.
    long below = 0, above = 0;
    std::set<int> servers;
    for (size_t i = 0; i < all.best_dbm.data().size(); ++i) {
      const float b = all.best_dbm.data()[i];
      if (std::isnan(b)) continue;
      (b < cfg.threshold_dbm ? below : above)++;
      servers.insert(all.best_cell.data()[i]);
    }
    CHECK(below > 1000);
    CHECK(above > 1000);
    CHECK(servers.size() >= (sectors ? 12u : 6u));

    CHECK(same_bytes(skip.best_dbm, all.best_dbm));
    CHECK(same_bytes(skip.best_cell, all.best_cell));
    CHECK(same_bytes(skip.count, all.count));
    CHECK(same_bytes(skip_alone.best_dbm, all.best_dbm));
    CHECK(same_bytes(skip_alone.best_cell, all.best_cell));
    CHECK(same_bytes(skip_alone.count, all.count));
    CHECK(same_bytes(all_alone.best_dbm, all.best_dbm));
    REQUIRE(per_skip.size() == 2);
    REQUIRE(per_all.size() == 2);
    for (size_t k = 0; k < 2; ++k) {
      CHECK(same_bytes(per_skip[k].best_dbm, per_all[k].best_dbm));
      CHECK(same_bytes(per_skip[k].best_cell, per_all[k].best_cell));
      CHECK(same_bytes(per_skip[k].count, per_all[k].count));
    }
  }
}
