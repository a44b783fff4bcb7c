// The files `phusong propose` delivers (docs/planning.md): proposals.gpkg
// (proposals, backhaul, villages; styled), rsrp_dbm_proposed.tif (+ .qml),
// proposals.csv, proposed_sites.csv, summary.json, report.md.
#include <cpl_conv.h>
#include <gdal.h>
#include <ogr_api.h>
#include <ogr_srs_api.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <sstream>

#include <nlohmann/json.hpp>

#include "phusong/core/checksum.hpp"
#include "phusong/core/error.hpp"
#include "phusong/core/version.hpp"
#include "phusong/io/atomic_file.hpp"
#include "phusong/io/raster_output.hpp"
#include "phusong/io/styles.hpp"
#include "phusong/io/text_format.hpp"
#include "phusong/io/styles_planning.hpp"
#include "phusong/planning/propose.hpp"
#include "phusong/raster/gdal_raii.hpp"

namespace phusong::planning {

namespace {

std::string fixed(double v, int decimals) { return io::fixed_or_empty(v, decimals); }
using io::csv_quote;

std::string gained_names(const ProposeResult& r, size_t k) {
  std::string names;
  const int idx = static_cast<int>(r.inputs.cells.size() + k);
  for (size_t vi : r.targets)
    if (r.report_after.villages[vi].covered && r.report_after.villages[vi].cell_index == idx)
      names += (names.empty() ? "" : "; ") + r.inputs.villages[vi].name;
  return names;
}

std::string backhaul_target(const ProposeResult& r, const ProposedSite& p) {
  if (p.backhaul.to < 0) return "";
  return p.backhaul.to_proposed ? r.sites[p.backhaul.to].site_id : r.existing_masts[p.backhaul.to].id;
}

OGRLayerH layer(GDALDatasetH ds, const char* name, OGRSpatialReferenceH srs, OGRwkbGeometryType t,
                const std::vector<std::pair<const char*, OGRFieldType>>& fields) {
  const char* opts[] = {"SPATIAL_INDEX=YES", nullptr};
  OGRLayerH l = GDALDatasetCreateLayer(ds, name, srs, t, const_cast<char**>(opts));
  if (!l) throw Error(std::string("cannot create layer ") + name + ": " + gdal_last_error());
  for (const auto& [n, ft] : fields) {
    OGRFieldDefnH f = OGR_Fld_Create(n, ft);
    OGR_L_CreateField(l, f, TRUE);
    OGR_Fld_Destroy(f);
  }
  return l;
}

void put(OGRLayerH l, OGRFeatureH f) {
  if (OGR_L_CreateFeature(l, f) != OGRERR_NONE) throw Error("cannot write feature: " + gdal_last_error());
}

void write_gpkg(const std::string& path, const ProposeResult& r) {
  gdal_init();
  CPLSetThreadLocalConfigOption("OGR_CURRENT_DATE", "2000-01-01T00:00:00.000Z");
  std::error_code ec;
  std::filesystem::remove(path, ec);
  GdalDataset ds(GDALCreate(GDALGetDriverByName("GPKG"), path.c_str(), 0, 0, 0, GDT_Unknown, nullptr));
  if (!ds) throw Error("cannot create " + path + ": " + gdal_last_error());
  OsrHandle srs(OSRNewSpatialReference(r.inputs.dem.elevation_m.grid().crs_wkt.c_str()));
  auto* s = static_cast<OGRSpatialReferenceH>(srs.get());
  GDALDatasetStartTransaction(ds.get(), FALSE);

  OGRLayerH lp = layer(ds.get(), "proposals", s, wkbPoint,
                       {{"site_id", OFTString}, {"candidate", OFTString}, {"origin", OFTString},
                        {"height_m", OFTReal}, {"ground_m", OFTReal}, {"cost", OFTReal},
                        {"villages_claimed", OFTInteger}, {"villages_gained", OFTInteger},
                        {"population_gained", OFTInteger64}, {"gained_villages", OFTString},
                        {"backhaul", OFTString}, {"backhaul_status", OFTString}, {"backhaul_target", OFTString},
                        {"backhaul_km", OFTReal}, {"lon", OFTReal}, {"lat", OFTReal}});
  for (size_t k = 0; k < r.sites.size(); ++k) {
    const auto& p = r.sites[k];
    OgrFeature f(OGR_F_Create(OGR_L_GetLayerDefn(lp)));
    auto* fh = static_cast<OGRFeatureH>(f.get());
    OGR_F_SetFieldString(fh, 0, p.site_id.c_str());
    OGR_F_SetFieldString(fh, 1, p.candidate.id.c_str());
    OGR_F_SetFieldString(fh, 2, p.candidate.origin.c_str());
    OGR_F_SetFieldDouble(fh, 3, p.height_m);
    OGR_F_SetFieldDouble(fh, 4, std::round(p.candidate.ground_m * 10) / 10);
    OGR_F_SetFieldDouble(fh, 5, p.cost);
    OGR_F_SetFieldInteger(fh, 6, static_cast<int>(p.claimed.size()));
    OGR_F_SetFieldInteger(fh, 7, p.villages_gained);
    OGR_F_SetFieldInteger64(fh, 8, p.population_gained);
    OGR_F_SetFieldString(fh, 9, gained_names(r, k).c_str());
    OGR_F_SetFieldString(fh, 10, p.backhaul_class.c_str());
    OGR_F_SetFieldString(fh, 11, p.backhaul.status.c_str());
    OGR_F_SetFieldString(fh, 12, backhaul_target(r, p).c_str());
    if (p.backhaul.to >= 0) OGR_F_SetFieldDouble(fh, 13, std::round(p.backhaul.distance_km * 100) / 100);
    OGR_F_SetFieldDouble(fh, 14, p.lon);
    OGR_F_SetFieldDouble(fh, 15, p.lat);
    OgrGeometry g(OGR_G_CreateGeometry(wkbPoint));
    OGR_G_SetPoint_2D(static_cast<OGRGeometryH>(g.get()), 0, r.proposed_cells[k].x, r.proposed_cells[k].y);
    OGR_F_SetGeometry(fh, static_cast<OGRGeometryH>(g.get()));
    put(lp, fh);
  }

  OGRLayerH lb = layer(ds.get(), "backhaul", s, wkbLineString,
                       {{"from_site", OFTString}, {"to_site", OFTString}, {"to_proposed", OFTInteger},
                        {"distance_km", OFTReal}, {"fresnel_clearance_ratio", OFTReal}, {"freq_mhz", OFTReal}});
  for (size_t k = 0; k < r.sites.size(); ++k) {
    const auto& p = r.sites[k];
    if (p.backhaul.to < 0) continue;
    const double tx = p.backhaul.to_proposed ? r.proposed_cells[p.backhaul.to].x : r.existing_masts[p.backhaul.to].x;
    const double ty = p.backhaul.to_proposed ? r.proposed_cells[p.backhaul.to].y : r.existing_masts[p.backhaul.to].y;
    OgrFeature f(OGR_F_Create(OGR_L_GetLayerDefn(lb)));
    auto* fh = static_cast<OGRFeatureH>(f.get());
    OGR_F_SetFieldString(fh, 0, p.site_id.c_str());
    OGR_F_SetFieldString(fh, 1, backhaul_target(r, p).c_str());
    OGR_F_SetFieldInteger(fh, 2, p.backhaul.to_proposed ? 1 : 0);
    OGR_F_SetFieldDouble(fh, 3, std::round(p.backhaul.distance_km * 100) / 100);
    if (std::isfinite(p.backhaul.clearance_ratio))
      OGR_F_SetFieldDouble(fh, 4, std::round(p.backhaul.clearance_ratio * 100) / 100);
    OGR_F_SetFieldDouble(fh, 5, r.scenario.proposals.backhaul_freq_mhz);
    OgrGeometry g(OGR_G_CreateGeometry(wkbLineString));
    OGR_G_AddPoint_2D(static_cast<OGRGeometryH>(g.get()), r.proposed_cells[k].x, r.proposed_cells[k].y);
    OGR_G_AddPoint_2D(static_cast<OGRGeometryH>(g.get()), tx, ty);
    OGR_F_SetGeometry(fh, static_cast<OGRGeometryH>(g.get()));
    put(lb, fh);
  }

  OGRLayerH lv = layer(ds.get(), "villages", s, wkbPoint,
                       {{"village_id", OFTString}, {"name", OFTString}, {"commune", OFTString},
                        {"population", OFTInteger64}, {"covered_before", OFTInteger}, {"covered", OFTInteger},
                        {"rsrp_before_dbm", OFTReal}, {"rsrp_dbm", OFTReal}, {"gained_from", OFTString}});
  for (size_t i = 0; i < r.inputs.villages.size(); ++i) {
    const auto& v = r.inputs.villages[i];
    const auto& b = r.report_before.villages[i];
    const auto& a = r.report_after.villages[i];
    OgrFeature f(OGR_F_Create(OGR_L_GetLayerDefn(lv)));
    auto* fh = static_cast<OGRFeatureH>(f.get());
    OGR_F_SetFieldString(fh, 0, v.id.c_str());
    OGR_F_SetFieldString(fh, 1, v.name.c_str());
    OGR_F_SetFieldString(fh, 2, v.commune.c_str());
    OGR_F_SetFieldInteger64(fh, 3, v.population);
    OGR_F_SetFieldInteger(fh, 4, b.covered ? 1 : 0);
    OGR_F_SetFieldInteger(fh, 5, a.covered ? 1 : 0);
    if (!std::isnan(b.rsrp_dbm)) OGR_F_SetFieldDouble(fh, 6, std::round(b.rsrp_dbm * 100) / 100);
    if (!std::isnan(a.rsrp_dbm)) OGR_F_SetFieldDouble(fh, 7, std::round(a.rsrp_dbm * 100) / 100);
    const int k = a.cell_index - static_cast<int>(r.inputs.cells.size());
    if (!b.covered && a.covered && k >= 0) OGR_F_SetFieldString(fh, 8, r.sites[k].site_id.c_str());
    OgrGeometry g(OGR_G_CreateGeometry(wkbPoint));
    OGR_G_SetPoint_2D(static_cast<OGRGeometryH>(g.get()), 0, v.x, v.y);
    OGR_F_SetGeometry(fh, static_cast<OGRGeometryH>(g.get()));
    put(lv, fh);
  }
  GDALDatasetCommitTransaction(ds.get());
  io::store_layer_style(ds.get(), "proposals", "geom", io::qml_proposals(), "phusong proposals");
  io::store_layer_style(ds.get(), "backhaul", "geom", io::qml_backhaul(), "phusong backhaul");
  io::store_layer_style(ds.get(), "villages", "geom", io::qml_villages(r.scenario.effective_threshold_dbm()), "phusong villages");
  ds.reset();
  CPLSetThreadLocalConfigOption("OGR_CURRENT_DATE", nullptr);
}

std::string proposals_csv(const ProposeResult& r) {
  std::ostringstream o;
  o << "site_id,candidate,origin,lon,lat,height_m,ground_m,cost,villages_claimed,villages_gained,population_gained,"
       "gained_villages,backhaul,backhaul_status,backhaul_target,backhaul_km,fresnel_clearance_ratio\n";
  for (size_t k = 0; k < r.sites.size(); ++k) {
    const auto& p = r.sites[k];
    o << csv_quote(p.site_id) << ',' << csv_quote(p.candidate.id) << ',' << p.candidate.origin << ','
      << fixed(p.lon, 6) << ',' << fixed(p.lat, 6) << ',' << fixed(p.height_m, 1) << ','
      << fixed(p.candidate.ground_m, 1) << ',' << fixed(p.cost, 2) << ',' << p.claimed.size() << ','
      << p.villages_gained << ',' << p.population_gained << ',' << csv_quote(gained_names(r, k)) << ','
      << p.backhaul_class << ',' << csv_quote(p.backhaul.status) << ',' << csv_quote(backhaul_target(r, p)) << ','
      << (p.backhaul.to >= 0 ? fixed(p.backhaul.distance_km, 2) : "") << ','
      << (p.backhaul.to >= 0 && std::isfinite(p.backhaul.clearance_ratio) ? fixed(p.backhaul.clearance_ratio, 2) : "")
      << '\n';
  }
  return o.str();
}

nlohmann::ordered_json selection_json(const Selection& s, bool min_sites) {
  nlohmann::ordered_json j;
  j["status"] = s.status;
  j["sites"] = s.chosen.size();
  j["villages_covered"] = s.covered_targets;
  j["weight_covered"] = s.covered_weight;
  j["cost"] = s.cost;
  if (s.status == "greedy") j["guarantee"] = s.guarantee;
  else j[min_sites ? "lower_bound" : "upper_bound"] = s.bound;
  j["seconds"] = std::round(s.seconds * 1000) / 1000;
  return j;
}

nlohmann::ordered_json stats(const analysis::CommuneStats& b, const analysis::CommuneStats& a) {
  nlohmann::ordered_json j;
  j["name"] = a.name;
  j["villages_total"] = a.villages_total;
  j["villages_covered_before"] = b.villages_covered;
  j["villages_covered_after"] = a.villages_covered;
  // analysis::reported_pct(): NaN (no villages, or no population) dumps as null
  j["pct_villages_before"] = b.pct_villages();
  j["pct_villages_after"] = a.pct_villages();
  j["population_covered_before"] = b.population_covered;
  j["population_covered_after"] = a.population_covered;
  j["pct_population_before"] = b.pct_population();
  j["pct_population_after"] = a.pct_population();
  return j;
}

// The gap of the greedy to the optimum (when the MILP proved one) or to the
// MILP's bound, in % of the greedy's value.
std::string gap_text(const ProposeResult& r) {
  if (!r.greedy_ran || !r.milp_ran) return "";
  const bool min = r.scenario.proposals.min_sites;
  const double gv = min ? r.greedy.cost : r.greedy.covered_weight;
  const double ref = r.milp.status == "optimal" ? (min ? r.milp.cost : r.milp.covered_weight) : r.milp.bound;
  if (!(std::abs(ref) > 0)) return "";
  const double gap = min ? (gv - ref) / ref * 100 : (ref - gv) / ref * 100;
  return fixed(gap, 1) + " % " + (r.milp.status == "optimal" ? "from the optimum" : "from the MILP bound");
}

nlohmann::ordered_json summary(const ProposeResult& r) {
  const Scenario& s = r.scenario;
  const ProposalConfig& P = s.proposals;
  nlohmann::ordered_json j;
  j["software"] = {{"name", "phusong"}, {"version", kVersion}, {"command", "propose"}};
  j["scenario"] = {{"name", s.name}, {"file", std::filesystem::path(s.file).filename().string()}};
  nlohmann::ordered_json inputs;
  for (auto [key, p] : {std::pair{"scenario", s.file}, {"dem", s.dem_path}, {"sites", s.sites_path},
                        {"villages", s.villages_path}, {"communes", s.communes_path}, {"candidates", P.candidates_path},
                        {"allowed_area", P.allowed_area_path}, {"exclusion", P.exclusion_path}, {"roads", P.roads_path}})
    if (!p.empty()) inputs[key] = {{"file", std::filesystem::path(p).filename().string()}, {"sha256", sha256_file(p)}};
  j["inputs"] = inputs;
  j["model"] = {{"name", s.model}, {"engine", s.engine}, {"evaluation", r.evaluation},
                {"existing_network", r.baseline_from.empty() ? "computed" : "read from phusong run output " +
                                                                                 std::filesystem::path(r.baseline_from).filename().string()}};
  j["proposals"] = {{"mode", P.min_sites ? "min_sites" : "max_coverage"},
                    {"objective", P.weight_population ? "population" : "villages"},
                    {"max_sites", P.max_sites},
                    {"tower_heights_m", P.tower_heights_m},
                    {"carrier", P.carrier},
                    {"technology", radio::technology_name(s.technology)},
                    {"freq_mhz", P.freq_mhz},
                    {"bandwidth_mhz", P.bandwidth_mhz},
                    {"eirp_dbm", P.eirp_dbm},
                    {"antenna", "omnidirectional, no tilt, 10 deg vertical beamwidth"},
                    {"cost_per_site", P.cost_per_site},
                    {"cost_per_m", P.cost_per_m},
                    {"solver", P.solver},
                    {"backhaul_freq_mhz", P.backhaul_freq_mhz},
                    {"backhaul_max_km", P.backhaul_max_km}};
  const auto& C = r.candidates;
  j["candidates"] = {{"positions", C.list.size()},
                     {"lattice_spacing_m", C.spacing_m},
                     {"lattice_squares", C.squares},
                     {"user_given", C.user_given},
                     {"user_out_of_reach", C.out_of_reach},
                     {"rejected_allowed_area", C.rejected_allowed_area},
                     {"rejected_exclusion", C.rejected_exclusion},
                     {"rejected_roads", C.rejected_roads},
                     {"rejected_separation", C.rejected_separation},
                     {"options_covering_a_village", r.options},
                     {"uncovered_villages", r.targets.size()},
                     {"coverable_villages", r.coverable}};
  nlohmann::ordered_json unreach = nlohmann::ordered_json::array();
  for (size_t vi : r.unreachable)
    unreach.push_back({{"id", r.inputs.villages[vi].id}, {"name", r.inputs.villages[vi].name},
                       {"commune", r.inputs.villages[vi].commune}});
  j["candidates"]["unreachable_villages"] = unreach;
  nlohmann::ordered_json sol;
  if (r.greedy_ran) sol["greedy"] = selection_json(r.greedy, P.min_sites);
  if (r.milp_ran) sol["milp"] = selection_json(r.milp, P.min_sites);
  sol["chosen"] = r.chosen_by;
  const std::string gap = gap_text(r);
  if (!gap.empty()) sol["greedy_gap"] = gap;
  j["solvers"] = sol;
  j["confirmation"] = {{"villages_claimed", r.claims},
                       {"claims_confirmed", r.claims_confirmed},
                       {"confirmed_not_claimed", r.confirmed_unclaimed},
                       {"max_estimate_error_db", std::round(r.max_estimate_error_db * 1e4) / 1e4}};
  nlohmann::ordered_json sites = nlohmann::ordered_json::array();
  for (size_t k = 0; k < r.sites.size(); ++k) {
    const auto& p = r.sites[k];
    sites.push_back({{"site_id", p.site_id},
                     {"candidate", p.candidate.id},
                     {"origin", p.candidate.origin},
                     {"lon", std::round(p.lon * 1e6) / 1e6},
                     {"lat", std::round(p.lat * 1e6) / 1e6},
                     {"height_m", p.height_m},
                     {"villages_claimed", p.claimed.size()},
                     {"villages_gained", p.villages_gained},
                     {"population_gained", p.population_gained},
                     {"backhaul", p.backhaul.status}});
  }
  j["sites"] = sites;
  j["district"] = stats(r.report_before.district, r.report_after.district);
  nlohmann::ordered_json cs = nlohmann::ordered_json::array();
  for (size_t i = 0; i < r.report_after.communes.size(); ++i)
    cs.push_back(stats(r.report_before.communes[i], r.report_after.communes[i]));
  j["communes"] = cs;
  nlohmann::ordered_json timing;
  for (const auto& [name, sec] : r.phase_seconds) timing[name + " s"] = std::round(sec * 100) / 100;
  timing["computation s"] = std::round(r.seconds * 100) / 100;  // all phases before the outputs
  j["timing"] = timing;
  j["files"] = r.files;
  return j;
}

std::string report(const ProposeResult& r) {
  const Scenario& s = r.scenario;
  const ProposalConfig& P = s.proposals;
  const auto& b = r.report_before.district;
  const auto& a = r.report_after.district;
  std::ostringstream o;
  o << "# New sites for uncovered villages — " << s.name << "\n\n";
  o << "phusong " << kVersion << " · model `" << s.model << "` (" << r.evaluation << " evaluation, confirmed forward) · "
    << radio::technology_name(s.technology) << " " << radio::technology_quantity(s.technology) << " ≥ "
    << fixed(s.threshold_dbm, 1) << " dBm · proposed cells omni, " << fixed(P.freq_mhz, 0) << " MHz, "
    << fixed(P.bandwidth_mhz, 1) << " MHz, EIRP " << fixed(P.eirp_dbm, 1) << " dBm · towers";
  for (double h : P.tower_heights_m) o << " " << fixed(h, 0) << " m";
  o << "\n\n## District\n\n";
  o << "- Villages covered: **" << b.villages_covered << " → " << a.villages_covered << " / " << a.villages_total
    << "** (" << analysis::pct_text(b.pct_villages()) << " % → " << analysis::pct_text(a.pct_villages()) << " %)\n";
  o << "- Population covered: **" << b.population_covered << " → " << a.population_covered << " / "
    << a.population_total << "** (" << analysis::pct_text(b.pct_population()) << " % → " << analysis::pct_text(a.pct_population())
    << " %)\n";
  o << "- Proposed sites: " << r.sites.size() << " (" << (P.min_sites ? "fewest sites / least cost" : "most ")
    << (P.min_sites ? "" : (P.weight_population ? "population" : "villages")) << (P.min_sites ? "" : " with at most ")
    << (P.min_sites ? "" : std::to_string(P.max_sites)) << "), chosen by the " << r.chosen_by << "\n";
  o << "- Uncovered villages any candidate reaches: " << r.coverable << " of " << r.targets.size() << " ("
    << r.candidates.list.size() << " candidate positions × " << P.tower_heights_m.size() << " heights)\n";
  o << "- Confirmation (forward computation with the proposed sites): " << r.claims_confirmed << " of " << r.claims
    << " claimed villages confirmed";
  if (r.confirmed_unclaimed) o << ", " << r.confirmed_unclaimed << " more";
  o << "; estimate vs forward at the claims: max |Δ| " << fixed(r.max_estimate_error_db, 3) << " dB\n";
  if (r.greedy_ran && r.milp_ran) {
    o << "- Greedy: " << r.greedy.covered_targets << " villages, cost " << fixed(r.greedy.cost, 2) << "; MILP ("
      << r.milp.status << "): " << r.milp.covered_targets << " villages, cost " << fixed(r.milp.cost, 2);
    const std::string gap = gap_text(r);
    if (!gap.empty()) o << "; greedy " << gap;
    o << "\n";
  }
  o << "\n## Proposed sites\n\n| Site | Lon | Lat | Tower (m) | Ground (m) | Villages gained | Population gained | Backhaul |\n"
       "|---|---:|---:|---:|---:|---|---:|---|\n";
  for (size_t k = 0; k < r.sites.size(); ++k) {
    const auto& p = r.sites[k];
    o << "| " << p.site_id << " | " << fixed(p.lon, 5) << " | " << fixed(p.lat, 5) << " | " << fixed(p.height_m, 0)
      << " | " << fixed(p.candidate.ground_m, 0) << " | " << p.villages_gained;
    const std::string names = gained_names(r, k);
    if (!names.empty()) o << " (" << io::md_cell(names) << ")";
    o << " | " << p.population_gained << " | " << p.backhaul.status;
    if (p.backhaul.to >= 0) o << ", " << fixed(p.backhaul.distance_km, 1) << " km";
    o << " |\n";
  }
  o << "\n## Communes, before → after\n\n| Commune | Villages covered | % | Population covered | % |\n"
       "|---|---:|---:|---:|---:|\n";
  for (size_t i = 0; i < r.report_after.communes.size(); ++i) {
    const auto& cb = r.report_before.communes[i];
    const auto& ca = r.report_after.communes[i];
    o << "| " << io::md_cell(ca.name) << " | " << cb.villages_covered << " → " << ca.villages_covered << " / " << ca.villages_total
      << " | " << analysis::pct_text(cb.pct_villages()) << " → " << analysis::pct_text(ca.pct_villages()) << " | "
      << cb.population_covered << " → " << ca.population_covered << " / " << ca.population_total << " | "
      << analysis::pct_text(cb.pct_population()) << " → " << analysis::pct_text(ca.pct_population()) << " |\n";
  }
  o << "\n## Still without coverage\n\n";
  if (a.uncovered.empty()) o << "None.\n";
  for (size_t vi : a.uncovered) {
    const auto& v = r.inputs.villages[vi];
    const bool unreachable = std::find(r.unreachable.begin(), r.unreachable.end(), vi) != r.unreachable.end();
    o << "- " << v.name << " (" << v.commune << ", " << v.population << " people)"
      << (unreachable ? ": unreachable, no candidate position reaches it with the proposal settings" : "") << "\n";
  }
  o << "\n## Files\n\n";
  for (const auto& f : r.files) o << "- `" << f << "`\n";
  o << "\n`proposed_sites.csv` is in the sites-table format: append its rows to the scenario's sites file and\n"
       "`phusong run` reproduces the coverage above.\n";
  return o.str();
}

}  // namespace

void write_proposals_outputs(const std::string& dir, ProposeResult& r) {
  auto at = [&](const std::string& f) { return (std::filesystem::path(dir) / f).string(); };
  r.files = {"rsrp_dbm_proposed.tif", "rsrp_dbm_proposed.qml", "proposals.gpkg", "proposals.csv",
             "proposed_sites.csv", "summary.json", "report.md"};
  const std::string q = radio::technology_quantity(r.scenario.technology);
  io::BandInfo info{"best-server " + q + " with the proposed sites", "dBm",
                    {{"PHUSONG_MODEL", r.scenario.model},
                     {"PHUSONG_THRESHOLD_DBM", fixed(r.scenario.threshold_dbm, 1)},
                     {"PHUSONG_TECHNOLOGY", radio::technology_name(r.scenario.technology)},
                     {"PHUSONG_PROPOSED_SITES", std::to_string(r.sites.size())}}};
  io::write_cog(at("rsrp_dbm_proposed.tif"), r.after.best_dbm, info);
  io::write_text_file_atomic(at("rsrp_dbm_proposed.qml"), io::qml_rsrp_raster(r.scenario.effective_threshold_dbm()));
  write_gpkg(at("proposals.gpkg"), r);
  io::write_text_file_atomic(at("proposals.csv"), proposals_csv(r));
  // proposed_sites.csv was written by propose() (the cells were read back from it).
  io::write_text_file_atomic(at("summary.json"), summary(r).dump(2) + "\n");
  io::write_text_file_atomic(at("report.md"), report(r));
}

}  // namespace phusong::planning
