#include "phusong/io/deliverables.hpp"

#include <cpl_conv.h>
#include <gdal.h>
#include <ogr_api.h>
#include <ogr_srs_api.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <set>
#include <sstream>

#include "phusong/core/checksum.hpp"
#include "phusong/core/error.hpp"
#include "phusong/core/version.hpp"
#include "phusong/io/atomic_file.hpp"
#include "phusong/io/raster_output.hpp"
#include "phusong/io/styles.hpp"
#include "phusong/io/text_format.hpp"
#include "phusong/raster/gdal_raii.hpp"
#include "phusong/scenario/run.hpp"

namespace phusong::io {

namespace {

std::string fixed(double v, int decimals) { return io::fixed_or_empty(v, decimals); }

// analysis::reported_pct() in JSON: null where there is no figure.
nlohmann::ordered_json pct_json(double reported) {
  return std::isnan(reported) ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(reported);
}

// ... and in a GeoPackage field: NULL where there is no figure.
void set_pct(OGRFeatureH f, int field, double reported) {
  if (std::isnan(reported)) OGR_F_SetFieldNull(f, field);
  else OGR_F_SetFieldDouble(f, field, reported);
}
using io::csv_quote;

const radio::Cell* serving(const RunResult& run, int idx) {
  return idx >= 0 && idx < static_cast<int>(run.inputs.cells.size()) ? &run.inputs.cells[idx] : nullptr;
}

void add_field(OGRLayerH layer, const char* name, OGRFieldType type) {
  OGRFieldDefnH f = OGR_Fld_Create(name, type);
  OGR_L_CreateField(layer, f, TRUE);
  OGR_Fld_Destroy(f);
}

OGRLayerH make_layer(GDALDatasetH ds, const char* name, OGRSpatialReferenceH srs, OGRwkbGeometryType t) {
  const char* opts[] = {"SPATIAL_INDEX=YES", nullptr};
  OGRLayerH l = GDALDatasetCreateLayer(ds, name, srs, t, const_cast<char**>(opts));
  if (!l) throw Error(std::string("cannot create layer ") + name + ": " + gdal_last_error());
  return l;
}

void put(OGRLayerH l, OGRFeatureH f) {
  if (OGR_L_CreateFeature(l, f) != OGRERR_NONE) throw Error("cannot write feature: " + gdal_last_error());
}

}  // namespace

void write_coverage_gpkg(const std::string& path, const RunResult& run) {
  gdal_init();
  // Fixed timestamps make the GeoPackage byte-identical between runs.
  CPLSetThreadLocalConfigOption("OGR_CURRENT_DATE", "2000-01-01T00:00:00.000Z");
  std::error_code ec;
  std::filesystem::remove(path, ec);
  GdalDataset ds(GDALCreate(GDALGetDriverByName("GPKG"), path.c_str(), 0, 0, 0, GDT_Unknown, nullptr));
  if (!ds) throw Error("cannot create " + path + ": " + gdal_last_error());
  OsrHandle srs(OSRNewSpatialReference(run.inputs.dem.elevation_m.grid().crs_wkt.c_str()));
  OGRSpatialReferenceH s = static_cast<OGRSpatialReferenceH>(srs.get());
  const double thr = run.scenario.effective_threshold_dbm();
  GDALDatasetStartTransaction(ds.get(), FALSE);

  // villages
  OGRLayerH lv = make_layer(ds.get(), "villages", s, wkbPoint);
  for (auto [n, t] : {std::pair{"village_id", OFTString}, {"name", OFTString}, {"commune", OFTString},
                      {"population", OFTInteger64}, {"rsrp_dbm", OFTReal}, {"margin_db", OFTReal},
                      {"covered", OFTInteger}, {"servers", OFTInteger}, {"serving_site", OFTString},
                      {"serving_cell", OFTString}, {"carrier", OFTString}, {"lon", OFTReal}, {"lat", OFTReal}})
    add_field(lv, n, t);
  // Per carrier (scenario technology) and per other technology: covered 0/1.
  const int first_extra = OGR_FD_GetFieldCount(OGR_L_GetLayerDefn(lv));
  for (const auto& gr : run.by_carrier) add_field(lv, ("covered_" + gr.key).c_str(), OFTInteger);
  add_field(lv, "carriers_count", OFTInteger);
  for (const auto& gr : run.by_technology) add_field(lv, ("covered_" + gr.key).c_str(), OFTInteger);
  for (size_t i = 0; i < run.inputs.villages.size(); ++i) {
    const auto& v = run.inputs.villages[i];
    const auto& r = run.report.villages[i];
    OgrFeature f(OGR_F_Create(OGR_L_GetLayerDefn(lv)));
    OGRFeatureH fh = static_cast<OGRFeatureH>(f.get());
    OGR_F_SetFieldString(fh, 0, v.id.c_str());
    OGR_F_SetFieldString(fh, 1, v.name.c_str());
    OGR_F_SetFieldString(fh, 2, v.commune.c_str());
    OGR_F_SetFieldInteger64(fh, 3, v.population);
    if (!std::isnan(r.rsrp_dbm)) {
      OGR_F_SetFieldDouble(fh, 4, std::round(r.rsrp_dbm * 100) / 100);
      OGR_F_SetFieldDouble(fh, 5, std::round(r.margin_db * 100) / 100);
    }
    OGR_F_SetFieldInteger(fh, 6, r.covered ? 1 : 0);
    OGR_F_SetFieldInteger(fh, 7, r.servers);
    if (const radio::Cell* c = serving(run, r.cell_index)) {
      OGR_F_SetFieldString(fh, 8, c->site_id.c_str());
      OGR_F_SetFieldString(fh, 9, c->cell_id.c_str());
      OGR_F_SetFieldString(fh, 10, c->carrier.c_str());
    }
    OGR_F_SetFieldDouble(fh, 11, v.lon);
    OGR_F_SetFieldDouble(fh, 12, v.lat);
    int k = first_extra, carriers_count = 0;
    for (const auto& gr : run.by_carrier) {
      const bool cov = gr.report.villages[i].covered;
      carriers_count += cov ? 1 : 0;
      OGR_F_SetFieldInteger(fh, k++, cov ? 1 : 0);
    }
    OGR_F_SetFieldInteger(fh, k++, carriers_count);
    for (const auto& gr : run.by_technology) OGR_F_SetFieldInteger(fh, k++, gr.report.villages[i].covered ? 1 : 0);
    OgrGeometry g(OGR_G_CreateGeometry(wkbPoint));
    OGR_G_SetPoint_2D(static_cast<OGRGeometryH>(g.get()), 0, v.x, v.y);
    OGR_F_SetGeometry(fh, static_cast<OGRGeometryH>(g.get()));
    put(lv, fh);
  }

  // communes
  if (!run.inputs.communes.empty()) {
    OGRLayerH lc = make_layer(ds.get(), "communes", s, wkbMultiPolygon);
    for (auto [n, t] : {std::pair{"commune_id", OFTString}, {"name", OFTString}, {"villages_total", OFTInteger},
                        {"villages_covered", OFTInteger}, {"pct_villages_covered", OFTReal},
                        {"population_total", OFTInteger64}, {"population_covered", OFTInteger64},
                        {"pct_population_covered", OFTReal}, {"uncovered_villages", OFTString}})
      add_field(lc, n, t);
    for (const auto& c : run.inputs.communes) {
      const analysis::CommuneStats* st = nullptr;
      for (const auto& x : run.report.communes)
        if (x.name == c.name) st = &x;
      OgrFeature f(OGR_F_Create(OGR_L_GetLayerDefn(lc)));
      OGRFeatureH fh = static_cast<OGRFeatureH>(f.get());
      OGR_F_SetFieldString(fh, 0, c.id.c_str());
      OGR_F_SetFieldString(fh, 1, c.name.c_str());
      if (st) {
        OGR_F_SetFieldInteger(fh, 2, st->villages_total);
        OGR_F_SetFieldInteger(fh, 3, st->villages_covered);
        set_pct(fh, 4, st->pct_villages());
        OGR_F_SetFieldInteger64(fh, 5, st->population_total);
        OGR_F_SetFieldInteger64(fh, 6, st->population_covered);
        set_pct(fh, 7, st->pct_population());
        std::string names;
        for (size_t vi : st->uncovered) names += (names.empty() ? "" : "; ") + run.inputs.villages[vi].name;
        OGR_F_SetFieldString(fh, 8, names.c_str());
      }
      OGRGeometryH g = nullptr;
      OGR_G_CreateFromWkb(c.wkb.data(), nullptr, &g, static_cast<int>(c.wkb.size()));
      if (g) {
        OgrGeometry owned(g);
        OgrGeometry multi(OGR_G_ForceToMultiPolygon(static_cast<OGRGeometryH>(owned.release())));
        OGR_F_SetGeometry(fh, static_cast<OGRGeometryH>(multi.get()));
      }
      put(lc, fh);
    }
  }

  // sites (one feature per cell)
  OGRLayerH ls = make_layer(ds.get(), "sites", s, wkbPoint);
  for (auto [n, t] : {std::pair{"index", OFTInteger}, {"site_id", OFTString}, {"cell_id", OFTString},
                      {"name", OFTString}, {"carrier", OFTString}, {"technology", OFTString}, {"freq_mhz", OFTReal},
                      {"bandwidth_mhz", OFTReal}, {"height_m", OFTReal}, {"ground_m", OFTReal},
                      {"azimuth_deg", OFTReal}, {"tilt_deg", OFTReal}, {"eirp_dbm", OFTReal},
                      {"villages_served", OFTInteger}, {"lon", OFTReal}, {"lat", OFTReal}})
    add_field(ls, n, t);
  std::vector<int> served(run.inputs.cells.size(), 0);
  for (const auto& r : run.report.villages)
    if (r.covered && r.cell_index >= 0) ++served[r.cell_index];
  std::set<std::string> carriers;
  for (size_t i = 0; i < run.inputs.cells.size(); ++i) {
    const auto& c = run.inputs.cells[i];
    carriers.insert(c.carrier);
    OgrFeature f(OGR_F_Create(OGR_L_GetLayerDefn(ls)));
    OGRFeatureH fh = static_cast<OGRFeatureH>(f.get());
    OGR_F_SetFieldInteger(fh, 0, static_cast<int>(i));
    OGR_F_SetFieldString(fh, 1, c.site_id.c_str());
    OGR_F_SetFieldString(fh, 2, c.cell_id.c_str());
    OGR_F_SetFieldString(fh, 3, c.name.c_str());
    OGR_F_SetFieldString(fh, 4, c.carrier.c_str());
    OGR_F_SetFieldString(fh, 5, radio::technology_name(c.technology).c_str());
    OGR_F_SetFieldDouble(fh, 6, c.freq_mhz);
    OGR_F_SetFieldDouble(fh, 7, c.bandwidth_mhz);
    OGR_F_SetFieldDouble(fh, 8, c.height_m);
    OGR_F_SetFieldDouble(fh, 9, std::round(c.ground_m * 10) / 10);
    if (c.azimuth_deg) OGR_F_SetFieldDouble(fh, 10, *c.azimuth_deg);
    OGR_F_SetFieldDouble(fh, 11, c.tilt_deg);
    OGR_F_SetFieldDouble(fh, 12, c.eirp_dbm);
    OGR_F_SetFieldInteger(fh, 13, served[i]);
    OGR_F_SetFieldDouble(fh, 14, c.lon);
    OGR_F_SetFieldDouble(fh, 15, c.lat);
    OgrGeometry g(OGR_G_CreateGeometry(wkbPoint));
    OGR_G_SetPoint_2D(static_cast<OGRGeometryH>(g.get()), 0, c.x, c.y);
    OGR_F_SetGeometry(fh, static_cast<OGRGeometryH>(g.get()));
    put(ls, fh);
  }
  GDALDatasetCommitTransaction(ds.get());

  store_layer_style(ds.get(), "villages", "geom", qml_villages(thr), "phusong villages");
  if (!run.inputs.communes.empty()) store_layer_style(ds.get(), "communes", "geom", qml_communes(), "phusong communes");
  store_layer_style(ds.get(), "sites", "geom", qml_sites({carriers.begin(), carriers.end()}), "phusong sites");
  ds.reset();
  CPLSetThreadLocalConfigOption("OGR_CURRENT_DATE", nullptr);
}

void write_villages_csv(const std::string& path, const RunResult& run) {
  std::ostringstream o;
  o << "village_id,name,commune,population,lon,lat,rsrp_dbm,margin_db,covered,servers,serving_site,serving_cell,carrier";
  for (const auto& gr : run.by_carrier) o << ",covered_" << gr.key;
  o << ",carriers_count";
  for (const auto& gr : run.by_technology) o << ",covered_" << gr.key;
  const bool sinr = run.scenario.sinr.present && run.sinr_db.rows() > 0;
  if (sinr) o << ",sinr_db";
  o << '\n';
  for (size_t i = 0; i < run.inputs.villages.size(); ++i) {
    const auto& v = run.inputs.villages[i];
    const auto& r = run.report.villages[i];
    const radio::Cell* c = serving(run, r.cell_index);
    o << csv_quote(v.id) << ',' << csv_quote(v.name) << ',' << csv_quote(v.commune) << ',' << v.population << ','
      << fixed(v.lon, 6) << ',' << fixed(v.lat, 6) << ',' << fixed(r.rsrp_dbm, 2) << ',' << fixed(r.margin_db, 2)
      << ',' << (r.covered ? 1 : 0) << ',' << r.servers << ',' << (c ? csv_quote(c->site_id) : "") << ','
      << (c ? csv_quote(c->cell_id) : "") << ',' << (c ? csv_quote(c->carrier) : "");
    int n = 0;
    for (const auto& gr : run.by_carrier) {
      n += gr.report.villages[i].covered ? 1 : 0;
      o << ',' << (gr.report.villages[i].covered ? 1 : 0);
    }
    o << ',' << n;
    for (const auto& gr : run.by_technology) o << ',' << (gr.report.villages[i].covered ? 1 : 0);
    if (sinr) {
      // SINR at the village's grid cell (as rsrp_dbm).
      const Grid& g = run.sinr_db.grid();
      const int rr = static_cast<int>(std::floor(g.row_f(v.y))), cc = static_cast<int>(std::floor(g.col_f(v.x)));
      o << ',' << (run.sinr_db.in_bounds(rr, cc) ? fixed(run.sinr_db.at(rr, cc), 2) : "");
    }
    o << '\n';
  }
  write_text_file_atomic(path, o.str());
}

namespace {
nlohmann::ordered_json stats_json(const analysis::CommuneStats& s, const RunResult& run) {
  nlohmann::ordered_json j;
  j["name"] = s.name;
  j["villages_total"] = s.villages_total;
  j["villages_covered"] = s.villages_covered;
  j["pct_villages_covered"] = pct_json(s.pct_villages());
  j["population_total"] = s.population_total;
  j["population_covered"] = s.population_covered;
  j["pct_population_covered"] = pct_json(s.pct_population());
  nlohmann::ordered_json un = nlohmann::ordered_json::array();
  for (size_t vi : s.uncovered) un.push_back(run.inputs.villages[vi].name);
  j["uncovered_villages"] = un;
  return j;
}
}  // namespace

// Vertical datum of the DEM from its CRS (compound or vertical CRS), else
// the usual assumption for SRTM-derived DEMs.
static std::string vertical_datum_of(const std::string& wkt) {
  const std::string fallback = "unknown, assumed EGM96 (as for SRTM)";
  if (wkt.empty()) return fallback;
  OsrHandle h(OSRNewSpatialReference(nullptr));
  auto srs = static_cast<OGRSpatialReferenceH>(h.get());
  const char* text = wkt.c_str();
  if (OSRImportFromWkt(srs, const_cast<char**>(&text)) != OGRERR_NONE) return fallback;
  if (!OSRIsCompound(srs) && !OSRIsVertical(srs)) return fallback;
  for (const char* node : {"VERT_DATUM", "VERT_CS"}) {
    const char* v = OSRGetAttrValue(srs, node, 0);
    if (v && *v) return v;
  }
  return fallback;
}

nlohmann::ordered_json summary_json(const RunResult& run) {
  const Scenario& s = run.scenario;
  nlohmann::ordered_json j;
  j["software"] = {{"name", "phusong"}, {"version", kVersion}};
  j["scenario"] = {{"name", s.name}, {"file", std::filesystem::path(s.file).filename().string()}};
  nlohmann::ordered_json inputs;
  auto add_input = [&](const char* key, const std::string& p) {
    if (p.empty()) return;
    inputs[key] = {{"file", std::filesystem::path(p).filename().string()}, {"sha256", sha256_file(p)}};
  };
  add_input("scenario", s.file);
  add_input("dem", s.dem_path);
  add_input("sites", s.sites_path);
  for (size_t i = 0; i < s.extra_sites_paths.size(); ++i) add_input(("sites_" + std::to_string(i + 2)).c_str(), s.extra_sites_paths[i]);
  add_input("villages", s.villages_path);
  add_input("communes", s.communes_path);
  j["inputs"] = inputs;
  const Grid& g = run.inputs.dem.elevation_m.grid();
  j["grid"] = {{"crs", run.inputs.working_crs}, {"resolution_m", g.dx}, {"rows", g.rows}, {"cols", g.cols},
               {"x_min", g.x_min}, {"y_max", g.y_max}};
  j["terrain"] = {{"voids_filled", run.inputs.dem.info.voids_filled},
                  {"min_m", run.inputs.dem.info.min_m},
                  {"max_m", run.inputs.dem.info.max_m},
                  {"vertical_unit", run.inputs.dem.info.vertical_unit},
                  {"vertical_datum", vertical_datum_of(run.inputs.dem.info.source_crs_wkt)}};
  if (!run.inputs.communes.empty()) {
    j["commune_assignment"] = {{"villages_in_another_communes_polygon", run.inputs.communes_assigned.renamed},
                               {"villages_outside_every_polygon", run.inputs.communes_assigned.outside}};
  }
  if (s.clutter.present) {
    nlohmann::ordered_json cls = nlohmann::ordered_json::array();
    std::vector<long long> counts(run.inputs.clutter.classes.size(), 0);
    for (auto k : run.inputs.clutter.index.data())
      if (k >= 0) ++counts[static_cast<size_t>(k)];
    for (size_t i = 0; i < s.clutter.classes.size(); ++i) {
      const auto& k = s.clutter.classes[i];
      cls.push_back({{"value", k.value}, {"name", k.name}, {"height_m", k.height_m}, {"loss_db", k.loss_db},
                     {"loss_db_per_km", k.loss_db_per_km}, {"grid_cells", i < counts.size() ? counts[i] : 0}});
    }
    j["clutter"] = {{"raster", std::filesystem::path(s.clutter.raster_path).filename().string()},
                    {"receiver", s.clutter.p2108 ? "ITU-R P.2108-1 3.1 height-gain correction" : "class loss_db"},
                    {"woodland", "ITU-R P.833-10 2.1 eq. (1) over the last woodland section below the canopy"},
                    {"classes", cls}};
  }
  if (s.sinr.present) {
    long long n = 0, above0 = 0;
    for (float v : run.sinr_db.data()) {
      if (std::isnan(v)) continue;
      ++n;
      if (v >= 0) ++above0;
    }
    j["sinr"] = {{"carrier", s.sinr.carrier},
                 {"freq_mhz", s.sinr.freq_mhz},
                 {"cells", run.sinr_cells},
                 {"noise_figure_db", s.sinr.noise_figure_db},
                 {"noise_bandwidth_hz", run.sinr_noise_bandwidth_hz},
                 {"noise_dbm", std::round(run.sinr_noise_dbm * 100) / 100},
                 {"load", "full (every resource element of every cell transmitted)"},
                 {"cells_with_signal", n},
                 {"cells_sinr_at_least_0_db", above0}};
  }
  const auto& L = s.link;
  j["model"] = {{"name", s.model}, {"engine", s.engine}, {"k_factor", L.k_factor},
                {"environment", prop::environment_name(L.environment)}, {"climate", L.climate},
                {"n0", L.n0}, {"eps", L.eps}, {"sigma", L.sigma},
                {"polarization", L.pol == prop::Polarization::Vertical ? "vertical" : "horizontal"},
                {"time_pct", L.time_pct}, {"location_pct", L.location_pct}, {"situation_pct", L.situation_pct}};
  j["radio"] = {{"technology", radio::technology_name(s.technology)},
                {"quantity", radio::technology_quantity(s.technology)},
                {"threshold_dbm", s.threshold_dbm},
                {"location_probability_pct", s.location_pct},
                {"shadowing_sigma_db", s.shadowing_sigma_db},
                {"indoor_margin_db", s.indoor_margin_db},
                {"margin_db", std::round(s.margin_db() * 100) / 100},
                {"effective_threshold_dbm", std::round(s.effective_threshold_dbm() * 100) / 100},
                {"rx_height_m", L.rx_height_m},
                {"radius_km", s.radius_km},
                {"carriers", s.carriers},  // radio.carriers: [] = every carrier
                {"cells", run.inputs.cells.size()},
                {"cells_other_technology_or_carrier", run.inputs.cells_other},
                {"cells_out_of_area", run.inputs.cells_out_of_area}};
  j["district"] = stats_json(run.report.district, run);
  nlohmann::ordered_json cs = nlohmann::ordered_json::array();
  for (const auto& c : run.report.communes) cs.push_back(stats_json(c, run));
  j["communes"] = cs;
  nlohmann::ordered_json bc = nlohmann::ordered_json::array();
  for (const auto& gr : run.by_carrier) {
    auto x = stats_json(gr.report.district, run);
    x["name"] = gr.name;
    bc.push_back(x);
  }
  j["by_carrier"] = bc;
  nlohmann::ordered_json bt = nlohmann::ordered_json::array();
  for (const auto& gr : run.by_technology) {
    auto x = stats_json(gr.report.district, run);
    x["name"] = gr.name;
    x["threshold_dbm"] = std::round(gr.threshold_dbm * 100) / 100;
    bt.push_back(x);
  }
  j["by_other_technology"] = bt;
  // Area covered within the grid, km².
  long long covered = 0, known = 0;
  for (float v : run.composite.best_dbm.data()) {
    if (std::isnan(v)) continue;
    ++known;
    if (v >= s.effective_threshold_dbm()) ++covered;
  }
  j["area"] = {{"cells_with_signal", known},
               {"cells_covered", covered},
               {"km2_covered", std::round(covered * g.dx * g.dy / 1e4) / 100}};
  nlohmann::ordered_json files = nlohmann::ordered_json::array();
  for (const auto& f : run.files) files.push_back(f);
  j["files"] = files;
  return j;
}

std::string report_markdown(const RunResult& run) {
  const Scenario& s = run.scenario;
  const auto& d = run.report.district;
  std::ostringstream o;
  o << "# Coverage report — " << s.name << "\n\n";
  if (!s.description.empty()) o << s.description << "\n\n";
  o << "phusong " << kVersion << " · model `" << s.model << "` · " << radio::technology_name(s.technology) << " "
    << radio::technology_quantity(s.technology) << " ≥ " << fixed(s.threshold_dbm, 1) << " dBm";
  if (s.margin_db() != 0.0) {
    o << " + " << fixed(s.margin_db(), 1) << " dB margin (" << fixed(s.location_pct, 0) << " % of locations, σ "
      << fixed(s.shadowing_sigma_db, 1) << " dB";
    if (s.indoor_margin_db > 0) o << ", indoor " << fixed(s.indoor_margin_db, 1) << " dB";
    o << ")";
  }
  o << " · receiver "
    << fixed(s.link.rx_height_m, 1) << " m · radius " << fixed(s.radius_km, 1) << " km · grid "
    << fixed(run.inputs.dem.elevation_m.grid().dx, 1) << " m in " << run.inputs.working_crs << "\n\n";
  o << "## District\n\n";
  o << "- Villages covered: **" << d.villages_covered << " / " << d.villages_total << " (" << analysis::pct_text(d.pct_villages())
    << " %)**\n";
  o << "- Population covered: **" << d.population_covered << " / " << d.population_total << " ("
    << analysis::pct_text(d.pct_population()) << " %)**\n";
  o << "- Cells evaluated: " << run.inputs.cells.size();
  if (run.inputs.cells_other) o << " (" << run.inputs.cells_other << " of other technologies/carriers left out)";
  o << "\n- Terrain: " << std::filesystem::path(s.dem_path).filename().string() << ", "
    << fixed(run.inputs.dem.info.min_m, 0) << "–" << fixed(run.inputs.dem.info.max_m, 0) << " m";
  if (run.inputs.dem.info.voids_filled) o << ", " << run.inputs.dem.info.voids_filled << " void cells filled";
  const auto& ca = run.inputs.communes_assigned;
  if (ca.renamed) {
    o << "\n- Communes: " << ca.renamed << " village" << (ca.renamed > 1 ? "s lie" : " lies")
      << " in another commune's polygon than the villages file names; counted in the polygon's commune";
  }
  if (ca.outside) {
    o << "\n- Communes: " << ca.outside << " village" << (ca.outside > 1 ? "s lie" : " lies")
      << " outside every commune polygon; counted under the villages file's commune";
  }
  o << "\n\n## Communes\n\n| Commune | Villages covered | % | Population covered | % |\n|---|---:|---:|---:|---:|\n";
  for (const auto& c : run.report.communes) {
    o << "| " << io::md_cell(c.name) << " | " << c.villages_covered << " / " << c.villages_total << " | " << analysis::pct_text(c.pct_villages())
      << " | " << c.population_covered << " / " << c.population_total << " | " << analysis::pct_text(c.pct_population()) << " |\n";
  }
  if (!run.by_carrier.empty()) {
    o << "\n## By carrier (" << radio::technology_name(s.technology) << ")\n\n"
      << "| Carrier | Villages covered | % | Population covered | % |\n|---|---:|---:|---:|---:|\n";
    for (const auto& gr : run.by_carrier) {
      const auto& c = gr.report.district;
      o << "| " << io::md_cell(gr.name) << " | " << c.villages_covered << " / " << c.villages_total << " | "
        << analysis::pct_text(c.pct_villages()) << " | " << c.population_covered << " / " << c.population_total << " | "
        << analysis::pct_text(c.pct_population()) << " |\n";
    }
    o << "| any carrier | " << d.villages_covered << " / " << d.villages_total << " | " << analysis::pct_text(d.pct_villages())
      << " | " << d.population_covered << " / " << d.population_total << " | " << analysis::pct_text(d.pct_population())
      << " |\n";
  }
  if (!run.by_technology.empty()) {
    o << "\n## Other technologies (any carrier)\n\n"
      << "| Technology | Threshold (dBm) | Villages covered | % | Population covered | % |\n"
         "|---|---:|---:|---:|---:|---:|\n";
    for (const auto& gr : run.by_technology) {
      const auto& c = gr.report.district;
      o << "| " << io::md_cell(gr.name) << " | " << fixed(gr.threshold_dbm, 1) << " | " << c.villages_covered << " / "
        << c.villages_total << " | " << analysis::pct_text(c.pct_villages()) << " | " << c.population_covered << " / "
        << c.population_total << " | " << analysis::pct_text(c.pct_population()) << " |\n";
    }
  }
  o << "\n## Villages without coverage\n\n";
  if (d.uncovered.empty()) {
    o << "None: every village reaches the threshold.\n";
  } else {
    o << "| Village | Commune | Population | Best signal (dBm) | Missing (dB) | Best server |\n"
         "|---|---|---:|---:|---:|---|\n";
    for (size_t vi : d.uncovered) {
      const auto& v = run.inputs.villages[vi];
      const auto& r = run.report.villages[vi];
      const radio::Cell* c = serving(run, r.cell_index);
      o << "| " << io::md_cell(v.name) << " | " << io::md_cell(v.commune) << " | " << v.population << " | "
        << (std::isnan(r.rsrp_dbm) ? "no signal" : fixed(r.rsrp_dbm, 1)) << " | "
        << (std::isnan(r.margin_db) ? "—" : fixed(-r.margin_db, 1)) << " | "
        << (c ? io::md_cell(c->carrier + " " + c->cell_id) : "—") << " |\n";
    }
  }
  o << "\n## Files\n\n";
  for (const auto& f : run.files) o << "- `" << f << "`\n";
  o << "\nInputs' SHA-256 checksums, the grid and every model parameter are in `summary.json`.\n";
  return o.str();
}

}  // namespace phusong::io
