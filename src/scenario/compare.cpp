#include "phusong/scenario/compare.hpp"

#include <gdal.h>
#include <cpl_conv.h>
#include <ogr_api.h>
#include <ogr_srs_api.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "phusong/core/error.hpp"
#include "phusong/io/atomic_file.hpp"
#include "phusong/io/qgis_project.hpp"
#include "phusong/io/raster_output.hpp"
#include "phusong/io/styles.hpp"
#include "phusong/io/text_format.hpp"
#include "phusong/raster/warp.hpp"
#include "phusong/raster/gdal_raii.hpp"
#include "phusong/raster/warp.hpp"
#include "phusong/scenario/run.hpp"
#include "phusong/scenario/scenario.hpp"

namespace phusong {

namespace fs = std::filesystem;

std::string VillageChange::status() const {
  if (covered_a && covered_b) return "covered";
  if (!covered_a && covered_b) return "gained";
  if (covered_a && !covered_b) return "lost";
  return "uncovered";
}

namespace {

struct RunDir {
  std::string dir, name;
  nlohmann::json summary;
  double threshold_dbm = 0;
};

bool is_yaml(const std::string& p) {
  const std::string ext = fs::path(p).extension().string();
  return ext == ".yaml" || ext == ".yml";
}

RunDir open_run(const std::string& arg, const std::string& scratch, const CompareOptions& opt) {
  RunDir r;
  if (is_yaml(arg)) {
    RunOptions ro;
    ro.out_dir = scratch;
    ro.threads = opt.threads;
    ro.quiet = opt.quiet;
    const RunResult run = run_scenario(load_scenario(arg), ro);
    r.dir = run.out_dir;
  } else {
    r.dir = arg;
  }
  const fs::path sj = fs::path(r.dir) / "summary.json";
  if (!fs::exists(sj)) {
    throw InputError(arg, "summary.json", "not a phusong run folder or scenario",
                     "a folder written by 'phusong run' or a scenario .yaml");
  }
  std::ifstream in(sj);
  try {
    r.summary = nlohmann::json::parse(in);
    r.name = r.summary.at("scenario").at("name").get<std::string>();
    r.threshold_dbm = r.summary.at("radio").value("effective_threshold_dbm",
                                                  r.summary.at("radio").at("threshold_dbm").get<double>());
  } catch (const std::exception& e) {
    throw InputError(sj.string(), "summary", std::string("unreadable: ") + e.what(), "a summary.json from phusong run");
  }
  return r;
}

// villages.csv rows keyed by village_id, read through OGR's CSV driver.
struct VRow {
  std::string name, commune;
  long long population = 0;
  bool covered = false;
  double rsrp = NAN;
};

std::map<std::string, VRow> read_villages(const std::string& dir, std::vector<std::string>* order) {
  gdal_init();
  const std::string path = (fs::path(dir) / "villages.csv").string();
  GdalDataset ds(GDALOpenEx(path.c_str(), GDAL_OF_VECTOR, nullptr, nullptr, nullptr));
  if (!ds) throw InputError(path, "villages.csv", "cannot read", "the villages.csv of a phusong run");
  OGRLayerH l = GDALDatasetGetLayer(ds.get(), 0);
  OGRFeatureDefnH d = OGR_L_GetLayerDefn(l);
  auto col = [&](const char* n) {
    const int i = OGR_FD_GetFieldIndex(d, n);
    if (i < 0) throw InputError(path, n, "column missing", "a villages.csv written by phusong run");
    return i;
  };
  const int ci = col("village_id"), cn = col("name"), cc = col("commune"), cp = col("population"),
            cv = col("covered"), cr = col("rsrp_dbm");
  std::map<std::string, VRow> out;
  while (OgrFeature f{OGR_L_GetNextFeature(l)}) {
    OGRFeatureH h = static_cast<OGRFeatureH>(f.get());
    VRow v;
    v.name = OGR_F_GetFieldAsString(h, cn);
    v.commune = OGR_F_GetFieldAsString(h, cc);
    v.population = std::atoll(OGR_F_GetFieldAsString(h, cp));
    v.covered = std::atoi(OGR_F_GetFieldAsString(h, cv)) == 1;
    const std::string r = OGR_F_GetFieldAsString(h, cr);
    v.rsrp = r.empty() ? NAN : std::atof(r.c_str());
    const std::string id = OGR_F_GetFieldAsString(h, ci);
    if (order) order->push_back(id);
    if (!out.emplace(id, v).second) {
      throw InputError(path, "village_id", "'" + id + "' appears twice",
                       "one row per village id (phusong run now refuses a villages file that repeats an id)");
    }
  }
  return out;
}

// Reads a Float32 raster, resampled onto `onto` (nearest; same CRS lattice
// in practice) when given.  Cells outside become NaN.
Raster<float> read_on_grid(const std::string& path, const Grid* onto) {
  gdal_init();
  GdalDataset src(GDALOpen(path.c_str(), GA_ReadOnly));
  if (!src) throw InputError(path, "raster", "cannot open", "rsrp_dbm.tif of a phusong run");
  double gt[6];
  GDALGetGeoTransform(src.get(), gt);
  const char* wkt = GDALGetProjectionRef(src.get());
  if (onto) {
    WarpSource ws;
    ws.dataset = src.get();
    std::copy(gt, gt + 6, ws.file_gt);
    ws.crs_wkt = wkt ? wkt : "";
    GdalDataset ds;
    try {
      ds = warp_to_grid(ws, *onto, onto->row0 + onto->rows, GRA_NearestNeighbour, GDT_Float32,
                        std::numeric_limits<double>::quiet_NaN());
    } catch (const Error& e) {
      throw Error("cannot resample " + path + ": " + e.what());
    }
    Raster<float> r(*onto, kNoDataF);
    if (GDALRasterIO(GDALGetRasterBand(ds.get(), 1), GF_Read, 0, 0, onto->cols, onto->rows, r.data().data(),
                     onto->cols, onto->rows, GDT_Float32, 0, 0) != CE_None)
      throw Error("cannot read " + path);
    return r;
  }
  Grid g;
  g.cols = GDALGetRasterXSize(src.get());
  g.rows = GDALGetRasterYSize(src.get());
  g.x_min = gt[0];
  g.y_max = gt[3];
  g.dx = gt[1];
  g.dy = -gt[5];
  g.crs_wkt = wkt ? wkt : "";
  Raster<float> r(g, kNoDataF);
  if (GDALRasterIO(GDALGetRasterBand(src.get(), 1), GF_Read, 0, 0, g.cols, g.rows, r.data().data(), g.cols, g.rows,
                   GDT_Float32, 0, 0) != CE_None)
    throw Error("cannot read " + path);
  return r;
}

std::string qml_difference() {
  struct C {
    double upper;
    const char* color;
    const char* label;
  };
  const C cls[] = {{-20, "#b2182b", "< -20 dB (B weaker)"}, {-6, "#ef8a62", "-20 to -6 dB"},
                   {-1, "#fddbc7", "-6 to -1 dB"},         {1, "#f7f7f7", "-1 to 1 dB (unchanged)"},
                   {6, "#d1e5f0", "1 to 6 dB"},            {20, "#67a9cf", "6 to 20 dB"},
                   {1e9, "#2166ac", "> 20 dB (B stronger)"}};
  std::string s =
      "<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>\n<qgis version=\"3.22.0\" styleCategories=\"AllStyleCategories\">\n"
      "  <pipe>\n    <rasterrenderer type=\"singlebandpseudocolor\" band=\"1\" opacity=\"0.8\" alphaBand=\"-1\" "
      "classificationMin=\"-40\" classificationMax=\"40\">\n      <rastershader>\n"
      "        <colorrampshader colorRampType=\"DISCRETE\" classificationMode=\"1\" clip=\"0\">\n";
  for (const auto& c : cls) {
    char buf[256];
    // Labels escaped: "< -20 dB" unescaped made the QML (and the project) invalid XML.
    std::snprintf(buf, sizeof buf, "          <item value=\"%g\" color=\"%s\" alpha=\"255\" label=\"%s\"/>\n", c.upper,
                  c.color, io::xml_escape(c.label).c_str());
    s += buf;
  }
  s += "        </colorrampshader>\n      </rastershader>\n    </rasterrenderer>\n  </pipe>\n</qgis>\n";
  return s;
}

std::string qml_change() {
  return "<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>\n<qgis version=\"3.22.0\" styleCategories=\"AllStyleCategories\">\n"
         "  <pipe>\n    <rasterrenderer type=\"paletted\" band=\"1\" opacity=\"0.8\" alphaBand=\"-1\">\n"
         "      <colorPalette>\n"
         "        <paletteEntry value=\"1\" color=\"#bdbdbd\" alpha=\"160\" label=\"covered in both\"/>\n"
         "        <paletteEntry value=\"2\" color=\"#1a9641\" alpha=\"255\" label=\"gained in B\"/>\n"
         "        <paletteEntry value=\"3\" color=\"#d7191c\" alpha=\"255\" label=\"lost in B\"/>\n"
         "      </colorPalette>\n    </rasterrenderer>\n  </pipe>\n</qgis>\n";
}

std::string qml_village_change() {
  auto sym = [](const char* name, const char* color) {
    return std::string("      <symbol name=\"") + name +
           "\" type=\"marker\" alpha=\"1\" clip_to_extent=\"1\" force_rhr=\"0\">\n"
           "        <layer class=\"SimpleMarker\" enabled=\"1\" locked=\"0\" pass=\"0\">\n"
           "          <Option type=\"Map\">\n"
           "            <Option name=\"name\" value=\"circle\" type=\"QString\"/>\n"
           "            <Option name=\"color\" value=\"" + color + "\" type=\"QString\"/>\n"
           "            <Option name=\"outline_color\" value=\"35,35,35,255\" type=\"QString\"/>\n"
           "            <Option name=\"size\" value=\"2.6\" type=\"QString\"/>\n"
           "          </Option>\n        </layer>\n      </symbol>\n";
  };
  std::string s =
      "<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>\n<qgis version=\"3.22.0\" styleCategories=\"AllStyleCategories\">\n"
      "  <renderer-v2 type=\"categorizedSymbol\" attr=\"status\" symbollevels=\"0\" forceraster=\"0\" enableorderby=\"0\">\n"
      "    <categories>\n"
      "      <category render=\"true\" symbol=\"0\" value=\"gained\" label=\"gained\"/>\n"
      "      <category render=\"true\" symbol=\"1\" value=\"lost\" label=\"lost\"/>\n"
      "      <category render=\"true\" symbol=\"2\" value=\"covered\" label=\"covered in both\"/>\n"
      "      <category render=\"true\" symbol=\"3\" value=\"uncovered\" label=\"uncovered in both\"/>\n"
      "    </categories>\n    <symbols>\n";
  s += sym("0", "26,150,65,255");
  s += sym("1", "215,25,28,255");
  s += sym("2", "150,150,150,255");
  s += sym("3", "40,40,40,255");
  s += "    </symbols>\n  </renderer-v2>\n</qgis>\n";
  return s;
}

std::string pct(long long a, long long b) { return analysis::pct_text(analysis::reported_pct(a, b)); }

// A run's pct_population_covered from its summary.json (null: no figure).
std::string pct_of(const nlohmann::json& v) { return v.is_number() ? analysis::pct_text(v.get<double>()) : "n/a"; }

}  // namespace

CompareResult compare_runs(const std::string& a_arg, const std::string& b_arg, const CompareOptions& opt) {
  if (opt.out_dir.empty()) throw InputError("command line", "--out", "missing", "an output folder");
  CompareResult res;
  res.out_dir = opt.out_dir;
  const fs::path out(opt.out_dir);
  fs::create_directories(out);
  const RunDir a = open_run(a_arg, (out / "a").string(), opt);
  const RunDir b = open_run(b_arg, (out / "b").string(), opt);
  res.name_a = a.name;
  res.name_b = b.name;
  res.dir_a = a.dir;
  res.dir_b = b.dir;

  // Villages.
  std::vector<std::string> order;
  const auto va = read_villages(a.dir, &order);
  const auto vb = read_villages(b.dir, nullptr);
  // The same villages in both runs, matched by id; a village without an id
  // in its input has its row number, so a list reordered or with a row
  // added would pair different places: the names must agree too.
  const std::string same = "the same villages in both runs (an id column in the villages file keeps them "
                           "matched when rows are added or reordered)";
  for (const auto& id : order) {
    auto it = vb.find(id);
    if (it == vb.end()) throw InputError(b.dir, "villages.csv", "village '" + id + "' of A is missing in B", same);
    const VRow& x = va.at(id);
    if (x.name != it->second.name) {
      throw InputError(b.dir, "villages.csv",
                       "village '" + id + "' is '" + x.name + "' in A but '" + it->second.name + "' in B", same);
    }
    VillageChange c{id, x.name, x.commune, x.population, x.covered, it->second.covered, x.rsrp, it->second.rsrp};
    if (c.covered_a && c.covered_b) ++res.both;
    else if (!c.covered_a && c.covered_b) {
      ++res.gained;
      res.population_gained += c.population;
    } else if (c.covered_a && !c.covered_b) {
      ++res.lost;
      res.population_lost += c.population;
    } else ++res.neither;
    res.villages.push_back(c);
  }

  for (const auto& [id, v] : vb) {
    if (!va.count(id)) {
      throw InputError(a.dir, "villages.csv", "village '" + id + "' (" + v.name + ") of B is missing in A", same);
    }
  }

  // Rasters on A's grid.
  const Raster<float> ra = read_on_grid((fs::path(a.dir) / "rsrp_dbm.tif").string(), nullptr);
  const Raster<float> rb = read_on_grid((fs::path(b.dir) / "rsrp_dbm.tif").string(), &ra.grid());
  Raster<float> diff(ra.grid(), kNoDataF);
  Raster<std::uint8_t> change(ra.grid(), 0);
  const double cell_km2 = ra.grid().dx * ra.grid().dy / 1e6;
  long long na = 0, nb = 0, ng = 0, nl = 0;
  for (size_t i = 0; i < ra.data().size(); ++i) {
    const float x = ra.data()[i], y = rb.data()[i];
    if (!std::isnan(x) && !std::isnan(y)) diff.data()[i] = y - x;
    const bool ca = !std::isnan(x) && x >= a.threshold_dbm;
    const bool cb = !std::isnan(y) && y >= b.threshold_dbm;
    na += ca;
    nb += cb;
    if (ca && cb) change.data()[i] = 1;
    else if (!ca && cb) change.data()[i] = 2, ++ng;
    else if (ca && !cb) change.data()[i] = 3, ++nl;
  }
  res.km2_a = na * cell_km2;
  res.km2_b = nb * cell_km2;
  res.km2_gained = ng * cell_km2;
  res.km2_lost = nl * cell_km2;

  // Outputs, staged then moved into place.
  const fs::path st = out / (".phusong-staging-" + std::to_string(getpid()));
  fs::remove_all(st);
  fs::create_directories(st);
  struct Cleanup {
    fs::path p;
    ~Cleanup() {
      std::error_code ec;
      fs::remove_all(p, ec);
    }
  } cleanup{st};
  auto at = [&](const std::string& f) { return (st / f).string(); };
  io::write_cog(at("diff_rsrp_db.tif"), diff, io::BandInfo{"received power B - A", "dB", {{"PHUSONG_A", a.name}, {"PHUSONG_B", b.name}}});
  io::write_text_file_atomic(at("diff_rsrp_db.qml"), qml_difference());
  io::write_cog(at("coverage_change.tif"), change,
                io::BandInfo{"coverage change: 1 both, 2 gained in B, 3 lost in B", "", {}, true});
  io::write_text_file_atomic(at("coverage_change.qml"), qml_change());

  // compare.gpkg: villages with their status, styled.
  {
    CPLSetThreadLocalConfigOption("OGR_CURRENT_DATE", "2000-01-01T00:00:00.000Z");
    GdalDataset ds(GDALCreate(GDALGetDriverByName("GPKG"), at("compare.gpkg").c_str(), 0, 0, 0, GDT_Unknown, nullptr));
    if (!ds) throw Error("cannot create compare.gpkg: " + gdal_last_error());
    OsrHandle srs(OSRNewSpatialReference(nullptr));
    OSRSetFromUserInput(static_cast<OGRSpatialReferenceH>(srs.get()), "EPSG:4326");
    OSRSetAxisMappingStrategy(static_cast<OGRSpatialReferenceH>(srs.get()), OAMS_TRADITIONAL_GIS_ORDER);
    OGRLayerH l = GDALDatasetCreateLayer(ds.get(), "villages", static_cast<OGRSpatialReferenceH>(srs.get()), wkbPoint, nullptr);
    for (auto [n, t] : {std::pair{"village_id", OFTString}, {"name", OFTString}, {"commune", OFTString},
                        {"population", OFTInteger64}, {"status", OFTString}, {"rsrp_a_dbm", OFTReal},
                        {"rsrp_b_dbm", OFTReal}, {"delta_db", OFTReal}}) {
      OGRFieldDefnH f = OGR_Fld_Create(n, t);
      OGR_L_CreateField(l, f, TRUE);
      OGR_Fld_Destroy(f);
    }
    // Village positions from B's villages.csv (lon/lat columns).
    GdalDataset vds(GDALOpenEx((fs::path(b.dir) / "villages.csv").c_str(), GDAL_OF_VECTOR, nullptr, nullptr, nullptr));
    std::map<std::string, std::pair<double, double>> pos;
    if (vds) {
      OGRLayerH vl = GDALDatasetGetLayer(vds.get(), 0);
      OGRFeatureDefnH d = OGR_L_GetLayerDefn(vl);
      const int ci = OGR_FD_GetFieldIndex(d, "village_id"), cx = OGR_FD_GetFieldIndex(d, "lon"),
                cy = OGR_FD_GetFieldIndex(d, "lat");
      while (OgrFeature f{OGR_L_GetNextFeature(vl)}) {
        OGRFeatureH h = static_cast<OGRFeatureH>(f.get());
        pos[OGR_F_GetFieldAsString(h, ci)] = {OGR_F_GetFieldAsDouble(h, cx), OGR_F_GetFieldAsDouble(h, cy)};
      }
    }
    GDALDatasetStartTransaction(ds.get(), FALSE);
    for (const auto& v : res.villages) {
      OgrFeature f(OGR_F_Create(OGR_L_GetLayerDefn(l)));
      OGRFeatureH h = static_cast<OGRFeatureH>(f.get());
      OGR_F_SetFieldString(h, 0, v.id.c_str());
      OGR_F_SetFieldString(h, 1, v.name.c_str());
      OGR_F_SetFieldString(h, 2, v.commune.c_str());
      OGR_F_SetFieldInteger64(h, 3, v.population);
      OGR_F_SetFieldString(h, 4, v.status().c_str());
      if (!std::isnan(v.rsrp_a_dbm)) OGR_F_SetFieldDouble(h, 5, v.rsrp_a_dbm);
      if (!std::isnan(v.rsrp_b_dbm)) OGR_F_SetFieldDouble(h, 6, v.rsrp_b_dbm);
      if (!std::isnan(v.rsrp_a_dbm) && !std::isnan(v.rsrp_b_dbm))
        OGR_F_SetFieldDouble(h, 7, std::round((v.rsrp_b_dbm - v.rsrp_a_dbm) * 100) / 100);
      OgrGeometry g(OGR_G_CreateGeometry(wkbPoint));
      const auto p = pos.count(v.id) ? pos[v.id] : std::pair<double, double>{0, 0};
      OGR_G_SetPoint_2D(static_cast<OGRGeometryH>(g.get()), 0, p.first, p.second);
      OGR_F_SetGeometry(h, static_cast<OGRGeometryH>(g.get()));
      if (OGR_L_CreateFeature(l, h) != OGRERR_NONE) throw Error("cannot write compare.gpkg: " + gdal_last_error());
    }
    GDALDatasetCommitTransaction(ds.get());
    io::store_layer_style(ds.get(), "villages", "geom", qml_village_change(), "phusong village change");
    CPLSetThreadLocalConfigOption("OGR_CURRENT_DATE", nullptr);
  }

  // project.qgz: the comparison's layers in QGIS, with the styles above.
  {
    const Grid& g = ra.grid();
    io::QgisProject p;
    p.title = "Comparison: " + a.name + " / " + b.name;
    p.abstract = "A: " + a.name + "; B: " + b.name +
                 ". Villages gained / lost, B - A received power and coverage change on A's grid.";
    p.crs_wkt = g.crs_wkt;
    p.view_x_min = g.x_min;
    p.view_y_min = g.y_min();
    p.view_x_max = g.x_max();
    p.view_y_max = g.y_max;
    io::QgisLayer v;
    v.id = "phusong_compare_villages";
    v.name = "Villages: gained / lost in B";
    v.source = "./compare.gpkg|layername=villages";
    {
      OsrHandle w(OSRNewSpatialReference(nullptr));
      OSRImportFromEPSG(static_cast<OGRSpatialReferenceH>(w.get()), 4326);
      char* wkt = nullptr;
      if (OSRExportToWkt(static_cast<OGRSpatialReferenceH>(w.get()), &wkt) == OGRERR_NONE && wkt) v.crs_wkt = wkt;
      CPLFree(wkt);
    }
    v.qml = qml_village_change();
    auto raster = [&](const std::string& stem, const std::string& name, bool visible, const std::string& qml) {
      io::QgisLayer l;
      l.id = "phusong_" + stem;
      l.name = name;
      l.raster = true;
      l.source = "./" + stem + ".tif";
      l.x_min = g.x_min;
      l.y_min = g.y_min();
      l.x_max = g.x_max();
      l.y_max = g.y_max;
      l.visible = visible;
      l.qml = qml;
      return l;
    };
    p.groups.push_back({"Villages", {v}});
    p.groups.push_back({"Change", {raster("coverage_change", "Coverage change (1 both, 2 gained, 3 lost)", true,
                                          qml_change()),
                                   raster("diff_rsrp_db", "Received power B - A (dB)", false, qml_difference())}});
    io::write_qgis_project(at("project.qgz"), p);
  }

  // compare.json and compare.md
  nlohmann::ordered_json j;
  j["a"] = {{"name", a.name}, {"folder", fs::path(a.dir).filename().string()}, {"effective_threshold_dbm", a.threshold_dbm}};
  j["b"] = {{"name", b.name}, {"folder", fs::path(b.dir).filename().string()}, {"effective_threshold_dbm", b.threshold_dbm}};
  j["villages"] = {{"gained", res.gained}, {"lost", res.lost}, {"covered_in_both", res.both},
                   {"uncovered_in_both", res.neither}, {"population_gained", res.population_gained},
                   {"population_lost", res.population_lost}};
  auto r2 = [](double v) { return std::round(v * 100) / 100; };
  j["area_km2"] = {{"a", r2(res.km2_a)}, {"b", r2(res.km2_b)}, {"gained", r2(res.km2_gained)}, {"lost", r2(res.km2_lost)}};
  nlohmann::ordered_json ch = nlohmann::ordered_json::array();
  for (const auto& v : res.villages)
    if (v.covered_a != v.covered_b) ch.push_back({{"village_id", v.id}, {"name", v.name}, {"commune", v.commune},
                                                   {"population", v.population}, {"status", v.status()}});
  j["changed_villages"] = ch;
  // Per commune side by side, from the two summaries.
  std::ostringstream md;
  md << "# Scenario comparison\n\n- **A**: " << a.name << "\n- **B**: " << b.name << "\n\n";
  const auto& da = a.summary.at("district");
  const auto& db = b.summary.at("district");
  md << "| | A | B |\n|---|---:|---:|\n";
  md << "| Villages covered | " << da.at("villages_covered").get<int>() << " / " << da.at("villages_total").get<int>()
     << " (" << pct(da.at("villages_covered").get<int>(), da.at("villages_total").get<int>()) << " %) | "
     << db.at("villages_covered").get<int>() << " / " << db.at("villages_total").get<int>() << " ("
     << pct(db.at("villages_covered").get<int>(), db.at("villages_total").get<int>()) << " %) |\n";
  md << "| Population covered | " << pct_of(da.at("pct_population_covered")) << " % | "
     << pct_of(db.at("pct_population_covered")) << " % |\n";
  char area[160];
  std::snprintf(area, sizeof area, "| Area covered (km², A's grid) | %.2f | %.2f |\n", res.km2_a, res.km2_b);
  md << area << "\n";
  std::snprintf(area, sizeof area, "%.2f km² gained, %.2f km² lost", res.km2_gained, res.km2_lost);
  md << "Villages gained: **" << res.gained << "** (population " << res.population_gained << ") · lost: **" << res.lost
     << "** (population " << res.population_lost << ") · unchanged: " << res.both << " covered, " << res.neither
     << " uncovered · " << area << ".\n\n";
  md << "## Communes\n\n| Commune | A villages | A % | B villages | B % | Δ villages |\n|---|---:|---:|---:|---:|---:|\n";
  nlohmann::ordered_json jc = nlohmann::ordered_json::array();
  const auto& ca = a.summary.at("communes");
  const auto& cb = b.summary.at("communes");
  for (const auto& c : ca) {
    const std::string n = c.at("name");
    int bcov = 0, btot = 0;
    for (const auto& x : cb)
      if (x.at("name") == n) {
        bcov = x.at("villages_covered");
        btot = x.at("villages_total");
      }
    const int acov = c.at("villages_covered"), atot = c.at("villages_total");
    md << "| " << io::md_cell(n) << " | " << acov << " / " << atot << " | " << pct(acov, atot) << " | " << bcov << " / " << btot
       << " | " << pct(bcov, btot) << " | " << (bcov - acov >= 0 ? "+" : "") << bcov - acov << " |\n";
    jc.push_back({{"name", n}, {"a_covered", acov}, {"a_total", atot}, {"b_covered", bcov}, {"b_total", btot}});
  }
  for (const auto& x : cb) {  // communes of B only
    const std::string n = x.at("name");
    if (std::any_of(ca.begin(), ca.end(), [&](const auto& c) { return c.at("name") == n; })) continue;
    const int bcov = x.at("villages_covered"), btot = x.at("villages_total");
    md << "| " << io::md_cell(n) << " | 0 / 0 | " << pct(0, 0) << " | " << bcov << " / " << btot << " | " << pct(bcov, btot) << " | +"
       << bcov << " |\n";
    jc.push_back({{"name", n}, {"a_covered", 0}, {"a_total", 0}, {"b_covered", bcov}, {"b_total", btot}});
  }
  j["communes"] = jc;
  md << "\n## Villages that change\n\n";
  if (ch.empty()) md << "None.\n";
  else {
    md << "| Village | Commune | Population | Change | A (dBm) | B (dBm) |\n|---|---|---:|---|---:|---:|\n";
    for (const auto& v : res.villages) {
      if (v.covered_a == v.covered_b) continue;
      char ra_s[32] = "no signal", rb_s[32] = "no signal";
      if (!std::isnan(v.rsrp_a_dbm)) std::snprintf(ra_s, sizeof ra_s, "%.1f", v.rsrp_a_dbm);
      if (!std::isnan(v.rsrp_b_dbm)) std::snprintf(rb_s, sizeof rb_s, "%.1f", v.rsrp_b_dbm);
      md << "| " << io::md_cell(v.name) << " | " << io::md_cell(v.commune) << " | " << v.population << " | " << v.status() << " | " << ra_s
         << " | " << rb_s << " |\n";
    }
  }
  md << "\nFiles: `compare.gpkg` (villages with status), `diff_rsrp_db.tif` (B − A, dB), `coverage_change.tif` "
        "(1 both, 2 gained, 3 lost), `compare.json`, `project.qgz` (QGIS project of these layers).\n";
  io::write_text_file_atomic(at("compare.json"), j.dump(2) + "\n");
  io::write_text_file_atomic(at("compare.md"), md.str());
  res.files = {"diff_rsrp_db.tif", "diff_rsrp_db.qml", "coverage_change.tif", "coverage_change.qml",
               "compare.gpkg", "compare.json", "compare.md", "project.qgz"};
  for (const auto& f : res.files) {
    std::error_code ec;
    fs::rename(st / f, out / f, ec);
    if (ec) throw Error("cannot move " + f + " into " + opt.out_dir);
  }
  return res;
}

}  // namespace phusong
