#include "phusong/scenario/inputs.hpp"

#include <gdalwarper.h>
#include <gdal_utils.h>

#include <algorithm>
#include <climits>
#include <cmath>
#include <filesystem>
#include <map>
#include <memory>
#include <set>

#include "phusong/core/error.hpp"
#include "phusong/geo/crs.hpp"
#include "phusong/io/vector_input.hpp"
#include "phusong/propagation/clutter.hpp"
#include "phusong/radio/antenna_pattern.hpp"
#include "phusong/raster/gdal_raii.hpp"
#include "phusong/raster/warp.hpp"

namespace phusong {

namespace {

// A pattern file whose horizontal cut varies by no more than this is an
// omnidirectional antenna (a cell without azimuth may use it).
constexpr double kOmniRippleDb = 3.0;

struct Reader {
  const io::VectorTable& t;
  size_t row;
  std::string where() const { return "row " + std::to_string(row + 2); }  // +header, 1-based
  int col(const std::string& name, bool required) const {
    const int i = t.field(name);
    if (i < 0 && required) throw InputError(t.path, name, "column missing", "a column named '" + name + "'");
    return i;
  }
  std::string str(const std::string& name, bool required = false) const {
    const int i = col(name, required);
    if (i < 0) return "";
    const std::string& v = t.rows[row].values[i];
    if (required && v.empty()) throw InputError(t.path, name, "empty in " + where(), "a value");
    return v;
  }
  double num(const std::string& name, bool required, double def, double lo, double hi, const std::string& unit) const {
    const std::string v = str(name, required);
    if (v.empty()) return def;
    double x;
    try {
      size_t pos = 0;
      x = std::stod(v, &pos);
      if (pos != v.size()) throw std::invalid_argument(v);
    } catch (const std::exception&) {
      throw InputError(t.path, name, "'" + v + "' in " + where() + " is not a number", fmt_num(lo) + " to " + fmt_num(hi) + unit);
    }
    if (!std::isfinite(x)) {
      throw InputError(t.path, name, "'" + v + "' in " + where() + " is not a finite number",
                       fmt_num(lo) + " to " + fmt_num(hi) + unit);
    }
    if (x < lo || x > hi) {
      throw InputError(t.path, name, "value " + v + " in " + where() + " out of range", fmt_num(lo) + " to " + fmt_num(hi) + unit);
    }
    return x;
  }
};

}  // namespace

std::vector<radio::Cell> parse_cells(const std::string& path, const std::string& working_crs) {
  auto cells = parse_cells_table(io::read_vector(path, working_crs, io::GeomKind::Point),
                                 std::filesystem::absolute(path).parent_path().string());
  // azimuths are from true north, the engine's bearings from grid north
  const Transformer to_grid(kWgs84, working_crs);
  for (auto& c : cells) c.north_grid_bearing_deg = north_grid_bearing_deg(to_grid, c.lon, c.lat);
  return cells;
}

std::vector<radio::Cell> parse_cells_table(const io::VectorTable& t, const std::string& sites_dir_path) {
  const std::string& path = t.path;
  std::vector<radio::Cell> cells;
  std::set<std::string> ids;
  std::map<std::string, std::shared_ptr<const radio::AntennaPattern>> patterns;  // by resolved path
  const std::filesystem::path sites_dir(sites_dir_path);
  for (size_t i = 0; i < t.rows.size(); ++i) {
    Reader r{t, i};
    radio::Cell c;
    c.site_id = r.str("site_id", true);
    c.cell_id = r.str("cell_id");
    if (c.cell_id.empty()) c.cell_id = c.site_id;
    if (!ids.insert(c.cell_id).second) {
      if (t.field("cell_id") < 0) {
        throw InputError(path, "site_id", "duplicate id '" + c.cell_id + "' in " + r.where(),
                         "unique site ids, or a cell_id column for several cells (sectors) per site");
      }
      throw InputError(path, "cell_id", "duplicate id '" + c.cell_id + "' in " + r.where(), "unique cell ids");
    }
    c.name = r.str("name");
    if (c.name.empty()) c.name = c.cell_id;
    c.carrier = r.str("carrier");
    if (c.carrier.empty()) c.carrier = "(unknown)";
    const std::string tech = r.str("technology");
    if (!tech.empty()) {
      auto tt = radio::parse_technology(tech);
      if (!tt) throw InputError(path, "technology", "unknown value '" + tech + "' in " + r.where(), "gsm, umts, lte or nr");
      c.technology = *tt;
    }
    c.lon = t.rows[i].lon;
    c.lat = t.rows[i].lat;
    c.x = t.rows[i].x;
    c.y = t.rows[i].y;
    c.height_m = r.num("height_m", true, 30, 0.5, 500, " m above ground");
    const std::string az = r.str("azimuth_deg");
    if (!az.empty() && az != "omni") c.azimuth_deg = r.num("azimuth_deg", false, 0, 0, 360, " degrees");
    const std::string pat = r.str("pattern");
    if (!pat.empty()) {
      std::filesystem::path pp(pat);
      if (pp.is_relative()) pp = sites_dir / pp;
      c.pattern_path = pp.lexically_normal().string();
      auto& slot = patterns[c.pattern_path];
      if (!slot) {
        if (!std::filesystem::exists(c.pattern_path)) {
          throw InputError(path, "pattern", "file '" + pat + "' in " + r.where() + " not found",
                           "an MSI/Planet pattern file, path relative to the sites file");
        }
        slot = std::make_shared<const radio::AntennaPattern>(radio::load_msi(c.pattern_path));
      }
      c.pattern = slot;
    }
    c.tilt_deg = r.num("tilt_deg", false, c.pattern ? c.pattern->electrical_tilt_deg : 0, -20, 30, " degrees");
    c.mechanical_tilt_deg = r.num("mechanical_tilt_deg", false, 0, -20, 30, " degrees");
    c.beamwidth_deg = r.num("beamwidth_deg", false, c.azimuth_deg ? 65 : 360, 5, 360, " degrees");
    // A parametric cell of 360 degrees is omnidirectional; with a pattern
    // file the beamwidth is ignored and the azimuth is the file's boresight.
    if (c.beamwidth_deg >= 360 && !c.pattern) c.azimuth_deg.reset();
    if (c.pattern && !c.azimuth_deg) {
      const auto [lo, hi] = std::minmax_element(c.pattern->horizontal_db.begin(), c.pattern->horizontal_db.end());
      if (*hi - *lo > kOmniRippleDb) {
        throw InputError(path, "azimuth_deg",
                         "empty in " + r.where() + ", but pattern '" + pat + "' is directional (its horizontal cut spans " +
                             fmt_num(std::round((*hi - *lo) * 10.0) / 10.0) + " dB)",
                         "the boresight's azimuth, 0 to 360 degrees clockwise from north");
      }
    }
    c.freq_mhz = r.num("freq_mhz", true, 1800, 30, 100000, " MHz");
    c.bandwidth_mhz = r.num("bandwidth_mhz", false, 10, 0.1, 400, " MHz");
    // NR's resource blocks here are FR1's at 30 kHz (TS 38.101-1); FR2 uses
    // 60 or 120 kHz, i.e. other counts and another RSRP per resource element.
    if (c.technology == radio::Technology::Nr && (c.freq_mhz < 410 || c.freq_mhz > 7125)) {
      throw InputError(path, "freq_mhz", "value " + fmt_num(c.freq_mhz) + " in " + r.where() + " is outside NR FR1",
                       "410 to 7125 MHz for nr (FR2 is not modelled)");
    }
    if ((c.technology == radio::Technology::Lte || c.technology == radio::Technology::Nr) &&
        radio::resource_blocks(c.technology, c.bandwidth_mhz) == 0) {
      throw InputError(path, "bandwidth_mhz", "value " + fmt_num(c.bandwidth_mhz) + " in " + r.where() +
                                                 " is not a standard " + radio::technology_name(c.technology) + " channel",
                       c.technology == radio::Technology::Lte ? "1.4, 3, 5, 10, 15 or 20 MHz" : "5 to 100 MHz (FR1)");
    }
    // EIRP in the main beam: given, or transmitter power + antenna gain − feeder loss.
    const double gain_dbi = r.num("gain_dbi", false, c.pattern ? c.pattern->gain_dbi : NAN, -20, 60, " dBi");
    if (!r.str("tx_power_dbm").empty()) {
      if (!r.str("eirp_dbm").empty()) {
        throw InputError(path, "eirp_dbm", "both eirp_dbm and tx_power_dbm in " + r.where(), "one of them");
      }
      if (std::isnan(gain_dbi)) {
        throw InputError(path, "gain_dbi", "missing in " + r.where() + " (tx_power_dbm needs an antenna gain)",
                         "gain_dbi, or a pattern file with GAIN");
      }
      c.eirp_dbm = r.num("tx_power_dbm", false, 0, -30, 70, " dBm") + gain_dbi -
                   r.num("feeder_loss_db", false, 0, 0, 30, " dB");
      if (c.eirp_dbm < -10 || c.eirp_dbm > 90) {
        throw InputError(path, "tx_power_dbm", "EIRP " + fmt_num(c.eirp_dbm) + " dBm in " + r.where() + " out of range",
                         "-10 to 90 dBm EIRP");
      }
    } else {
      c.eirp_dbm = r.num("eirp_dbm", true, 58, -10, 90, " dBm");
    }
    cells.push_back(std::move(c));
  }
  return cells;
}

std::vector<analysis::Village> parse_villages(const std::string& path, const std::string& working_crs) {
  return parse_villages_table(io::read_vector(path, working_crs, io::GeomKind::Point));
}

std::vector<analysis::Village> parse_villages_table(const io::VectorTable& t) {
  std::vector<analysis::Village> out;
  std::set<std::string> ids;
  const bool has_population = t.field("population") >= 0;
  for (size_t i = 0; i < t.rows.size(); ++i) {
    Reader r{t, i};
    analysis::Village v;
    v.id = r.str("id");
    if (v.id.empty()) v.id = std::to_string(i + 1);
    if (!ids.insert(v.id).second) {
      throw InputError(t.path, t.field("id") >= 0 ? "id" : "name",
                       "duplicate village id '" + v.id + "' in " + r.where(),
                       "a unique id per village (an empty id is the row number)");
    }
    v.name = r.str("name", true);
    v.commune = r.str("commune");
    // A head count: a whole number, given for every village once the column
    // is there (a blank or "1.122" would quietly change the population base).
    if (has_population && r.str("population").empty()) {
      throw InputError(t.path, "population", "empty in " + r.where(), "a whole number of people for every village (0 if none)");
    }
    const double pop = r.num("population", false, 0, 0, 1e8, " people");
    if (pop != std::floor(pop)) {
      throw InputError(t.path, "population", "'" + r.str("population") + "' in " + r.where() + " is not a whole number",
                       "a whole number of people, 0 to 1e+08, without thousands separators");
    }
    v.population = static_cast<long long>(pop);
    v.lon = t.rows[i].lon;
    v.lat = t.rows[i].lat;
    v.x = t.rows[i].x;
    v.y = t.rows[i].y;
    out.push_back(std::move(v));
  }
  return out;
}

std::vector<analysis::Commune> parse_communes(const std::string& path, const std::string& working_crs) {
  const io::VectorTable t = io::read_vector(path, working_crs, io::GeomKind::Polygon);
  const int name_col = t.field("name");
  if (name_col < 0) throw InputError(path, "name", "column missing", "a 'name' field with the commune name");
  const int id_col = t.field("commune_id");
  std::vector<analysis::Commune> out;
  for (const auto& row : t.rows) {
    analysis::Commune c;
    c.name = row.values[name_col];
    c.id = id_col >= 0 ? row.values[id_col] : std::to_string(row.fid);
    // (a polygon without a name would report 0 / 0 while its villages went to "(no commune)")
    if (c.name.empty()) throw InputError(path, "name", "empty in feature " + c.id, "a commune name for every polygon");
    c.wkb = row.wkb;
    c.x_min = row.env_min_x;
    c.y_min = row.env_min_y;
    c.x_max = row.env_max_x;
    c.y_max = row.env_max_y;
    out.push_back(std::move(c));
  }
  return out;
}

std::vector<radio::Cell> parse_scenario_cells(const Scenario& s, const std::string& working_crs) {
  auto cells = parse_cells(s.sites_path, working_crs);
  std::set<std::string> ids;
  for (const auto& c : cells) ids.insert(c.cell_id);
  for (const auto& p : s.extra_sites_paths) {
    for (auto& c : parse_cells(p, working_crs)) {
      if (!ids.insert(c.cell_id).second) {
        throw InputError(p, "cell_id", "'" + c.cell_id + "' also appears in an earlier sites file", "unique cell ids across inputs.sites");
      }
      cells.push_back(std::move(c));
    }
  }
  return cells;
}

ClutterMap load_clutter(const Scenario& s, const Grid& g) {
  const ClutterConfig& C = s.clutter;
  const std::string& path = C.raster_path;
  ClutterMap m;
  m.p2108 = C.p2108;
  m.index = Raster<std::int16_t>(g, -1);
  gdal_init();
  if (!std::filesystem::exists(path)) throw InputError(s.file, "clutter.raster", "file " + path + " not found", "a land-cover raster");
  GdalDataset src(GDALOpen(path.c_str(), GA_ReadOnly));
  if (!src || GDALGetRasterCount(src.get()) < 1)
    throw InputError(path, "clutter.raster", "cannot read as a raster: " + gdal_last_error(), "any GDAL raster with one band of class values");
  if (!GDALGetSpatialRef(src.get()))
    throw InputError(path, "clutter.raster", "raster has no coordinate reference system", "a georeferenced land-cover raster");
  // Nearest neighbour onto the working grid (or the band of it that the DEM
  // was loaded for): class values are not averaged.
  WarpSource ws;
  ws.dataset = src.get();
  if (GDALGetGeoTransform(src.get(), ws.file_gt) != CE_None)
    throw InputError(path, "clutter.raster", "raster has no geotransform", "a georeferenced land-cover raster");
  if (const char* w = GDALGetProjectionRef(src.get())) ws.crs_wkt = w;
  GdalDataset out;
  try {
    out = warp_to_grid(ws, g, g.row0 + g.rows, GRA_NearestNeighbour, GDT_Int32, static_cast<double>(INT_MIN));
  } catch (const Error& e) {
    throw InputError(path, "clutter.raster", std::string("cannot reproject to the working grid: ") + e.what());
  }
  std::vector<std::int32_t> buf(static_cast<size_t>(g.rows) * g.cols);
  if (GDALRasterIO(GDALGetRasterBand(out.get(), 1), GF_Read, 0, 0, g.cols, g.rows, buf.data(), g.cols, g.rows, GDT_Int32,
                   0, 0) != CE_None)
    throw Error("cannot read the reprojected land cover");
  for (const auto& k : C.classes) {
    m.classes.push_back({k.value, k.name, k.height_m, k.loss_db, k.loss_db_per_km / 1000.0, k.p2108_type});
  }
  std::set<int> missing;
  long long known = 0;
  for (size_t i = 0; i < buf.size(); ++i) {
    if (buf[i] == INT_MIN) continue;
    const ClutterClass* k = C.find(buf[i]);
    if (!k) {
      missing.insert(buf[i]);
      continue;
    }
    m.index.data()[i] = static_cast<std::int16_t>(k - C.classes.data());
    ++known;
  }
  if (!missing.empty()) {
    std::string list;
    for (int v : missing) list += (list.empty() ? "" : ", ") + std::to_string(v);
    throw InputError(s.file, "clutter.classes",
                     "land-cover class" + std::string(missing.size() > 1 ? "es " : " ") + list + " of " + path +
                         " missing from the table",
                     "an entry under clutter.classes for every class value in the area (or no-data in the raster)");
  }
  if (known == 0) throw InputError(path, "clutter.raster", "does not cover the area of interest", "land cover over the grid");
  return m;
}

Inputs load_inputs(const Scenario& s, const std::function<std::pair<int, int>(const Grid&)>& dem_rows) {
  Inputs in;
  // Working CRS: as given, or the UTM zone of the villages' centre.
  if (!s.crs.empty()) {
    crs_to_wkt(s.crs, s.file);
    in.working_crs = s.crs;
  } else {
    const auto ll = parse_villages(s.villages_path, kWgs84);
    double lon = 0, lat = 0;
    for (const auto& v : ll) {
      lon += v.lon;
      lat += v.lat;
    }
    in.working_crs = "EPSG:" + std::to_string(utm_epsg_for(lon / ll.size(), lat / ll.size()));
  }
  if (crs_is_geographic(in.working_crs)) {
    throw InputError(s.file, "grid.crs", in.working_crs + " is geographic", "a projected CRS in metres (or auto)");
  }
  auto all_cells = parse_scenario_cells(s, in.working_crs);
  if (s.freq_override_mhz) {
    for (auto& c : all_cells)
      if (c.technology == s.technology) c.freq_mhz = *s.freq_override_mhz;
  }
  // Every carrier the scenario selects must be one of the sites' (a
  // misspelt name would quietly leave that carrier out).
  for (const auto& want : s.carriers) {
    if (s.proposals.present && want == s.proposals.carrier) continue;  // a carrier with proposed sites only
    if (std::none_of(all_cells.begin(), all_cells.end(), [&](const radio::Cell& c) { return c.carrier == want; })) {
      std::set<std::string> known;
      for (const auto& c : all_cells) known.insert(c.carrier);
      std::string list;
      for (const auto& k : known) list += (list.empty() ? "" : ", ") + k;
      throw InputError(s.file, "radio.carriers", "'" + want + "' is not a carrier of the sites",
                       "carrier names as the sites' carrier column spells them: " + list);
    }
  }
  for (auto& c : all_cells) {
    const bool carrier_ok = s.carriers.empty() || std::find(s.carriers.begin(), s.carriers.end(), c.carrier) != s.carriers.end();
    if (c.technology == s.technology && carrier_ok) {
      in.cells.push_back(std::move(c));
    } else {
      ++in.cells_other;
      if (carrier_ok) in.other_cells.push_back(std::move(c));
    }
  }
  if (in.cells.empty()) {
    throw InputError(s.sites_path, "technology", "no cell of technology '" + radio::technology_name(s.technology) + "'" +
                                                   (s.carriers.empty() ? "" : " for the selected carriers"),
                     "at least one cell matching radio.technology / radio.carriers");
  }
  in.villages = parse_villages(s.villages_path, in.working_crs);
  if (!s.communes_path.empty()) in.communes = parse_communes(s.communes_path, in.working_crs);

  // Area of interest: everything, plus the radius around sites.
  const double rad = s.radius_km * 1000.0;
  Extent e{INFINITY, INFINITY, -INFINITY, -INFINITY};
  auto grow = [&](double x, double y, double m) {
    e.x_min = std::min(e.x_min, x - m);
    e.y_min = std::min(e.y_min, y - m);
    e.x_max = std::max(e.x_max, x + m);
    e.y_max = std::max(e.y_max, y + m);
  };
  for (const auto& v : in.villages) grow(v.x, v.y, 0);
  for (const auto& c : in.communes) {
    grow(c.x_min, c.y_min, 0);
    grow(c.x_max, c.y_max, 0);
  }
  // Cells farther than the radius from the area cannot serve it: left out
  // (counted); the others extend the area up to the radius.
  const Extent core = e;
  auto keep_near = [&](std::vector<radio::Cell>& cells, bool count) {
    std::vector<radio::Cell> near;
    for (auto& c : cells) {
      const double dx = std::max({core.x_min - c.x, 0.0, c.x - core.x_max});
      const double dy = std::max({core.y_min - c.y, 0.0, c.y - core.y_max});
      if (std::hypot(dx, dy) > rad) {
        if (count) ++in.cells_out_of_area;
        continue;
      }
      grow(c.x, c.y, 0);
      near.push_back(std::move(c));
    }
    cells = std::move(near);
  };
  keep_near(in.cells, true);
  keep_near(in.other_cells, false);
  e.x_min = std::max(e.x_min, core.x_min - rad);
  e.y_min = std::max(e.y_min, core.y_min - rad);
  e.x_max = std::min(e.x_max, core.x_max + rad);
  e.y_max = std::min(e.y_max, core.y_max + rad);
  // Keep a margin of one radius around the villages so that the raster shows
  // the coverage the area receives.

  DemRequest req;
  req.path = s.dem_path;
  req.working_crs = in.working_crs;
  req.resolution_m = s.resolution_m;
  req.extent = e;
  req.rows = dem_rows;
  // What the run holds per working-grid cell besides the DEM (refused up front
  // when the grid would not fit in memory): one path-loss raster (float), the
  // composite (float + int16 + uint8) for the whole network and for every
  // carrier and other technology, a raster being written out (double), SINR
  // sums (double + float) and land cover (int16 + the int32 warp).
  {
    std::set<std::string> groups;
    for (const auto& c : in.cells) groups.insert("carrier " + c.carrier);
    for (const auto& c : in.other_cells) groups.insert("technology " + radio::technology_name(c.technology));
    req.run_bytes_per_cell = 4.0 + 7.0 * (1.0 + static_cast<double>(groups.size())) + 8.0 +
                             (s.sinr.present ? 12.0 : 0.0) + (s.clutter.present ? 6.0 : 0.0);
    req.memory_source = s.file;
    req.memory_expected = "a smaller area: fewer or nearer sites (radio.radius_km " + fmt_num(s.radius_km) +
                          " km keeps sites that far from the villages) or a coarser grid.resolution_m";
  }
  in.dem = load_dem(req);
  const Grid& g = in.dem.elevation_m.grid();
  const Grid& w = in.dem.info.whole_grid;
  for (const auto& v : in.villages) {
    // A band (a shard) checks the villages on it; merge checks them all.
    if (dem_rows && w.contains(v.x, v.y) && !g.contains(v.x, v.y)) continue;
    if (!g.contains(v.x, v.y) || std::isnan(sample_bilinear(in.dem.elevation_m, v.x, v.y))) {
      throw InputError(s.villages_path, "village " + v.name, "lies outside the DEM (lon " + fmt_num(v.lon) + ", lat " +
                                                              fmt_num(v.lat) + ")", "every village inside the terrain raster");
    }
  }
  in.communes_assigned = analysis::assign_communes(in.villages, in.communes);
  if (s.clutter.present) {
    if (s.clutter.p2108) {
      // ITU-R P.2108 §3.1 validity for every class and frequency, before any computation.
      std::set<double> freqs;
      for (const auto& c : in.cells) freqs.insert(c.freq_mhz);
      for (const auto& c : in.other_cells) freqs.insert(c.freq_mhz);
      for (const auto& k : s.clutter.classes) {
        const double R = k.height_m > 0 ? k.height_m
                                        : prop::p2108_default_clutter_height_m(static_cast<prop::ClutterType>(k.p2108_type));
        for (double f : freqs) {
          prop::p2108_check_height_gain(f / 1000.0, s.link.rx_height_m, prop::kP2108DefaultStreetWidthM, R, k.p2108_type,
                                        s.file + ": clutter.classes." + std::to_string(k.value));
        }
      }
    }
    in.clutter = load_clutter(s, g);
  }
  return in;
}

}  // namespace phusong
