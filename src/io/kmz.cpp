#include "phusong/io/kmz.hpp"

#include <cpl_conv.h>
#include <cpl_string.h>
#include <gdal.h>
#include <gdal_utils.h>
#include <ogr_api.h>
#include <ogr_srs_api.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>
#include <set>

#include "phusong/core/error.hpp"
#include "phusong/io/raster_output.hpp"
#include "phusong/io/styles.hpp"
#include "phusong/io/text_format.hpp"
#include "phusong/raster/gdal_raii.hpp"
#include "phusong/scenario/run.hpp"

// KML 2.2 (OGC 07-147r2): Document, Style/IconStyle (colour aabbggrr
// multiplies the icon), Folder, GroundOverlay with LatLonBox, Placemark with
// Point/Polygon in WGS 84 lon,lat.  KMZ: a zip whose first entry is the KML.

namespace phusong::io {

namespace {

namespace fs = std::filesystem;

constexpr int kMaxOverlayPx = 4096;
// The rasters' QML opacity (0.85) as the overlay's KML colour alpha.
constexpr const char* kOverlayColor = "d9ffffff";

std::string fixed(double v, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

// HTML inside <![CDATA[ ... ]]>: the only sequence to avoid is "]]>".
std::string cdata(const std::string& html) {
  std::string s = html;
  for (size_t p = s.find("]]>"); p != std::string::npos; p = s.find("]]>", p)) s.replace(p, 3, "]]&gt;");
  return "<![CDATA[" + s + "]]>";
}

std::string kml_color(const Rgba8& c) {
  static const char* d = "0123456789abcdef";
  std::string s;
  for (const int v : {c.a, c.b, c.g, c.r}) {
    s += d[v / 16];
    s += d[v % 16];
  }
  return s;
}

std::string row(const std::string& k, const std::string& v) {
  return "<tr><th align=\"left\">" + xml_escape(k) + "</th><td>" + xml_escape(v) + "</td></tr>";
}

std::string dbm_text(double v) { return std::isnan(v) ? "no signal" : fixed(v, 1) + " dBm"; }

Image icon(bool triangle) {
  Image img(32, 32);
  const Rgba8 white{255, 255, 255, 255}, dark{30, 30, 30, 255};
  if (triangle) {
    draw_triangle(img, 16, 18, 15, white, dark, 2.5);
  } else {
    draw_disc(img, 16, 16, 14, white, dark, 2.5);
  }
  return img;
}

struct ZipWriter {
  void* h = nullptr;
  std::string path;
  explicit ZipWriter(const std::string& p) : h(CPLCreateZip(p.c_str(), nullptr)), path(p) {
    if (!h) throw Error("cannot create " + p + ": " + gdal_last_error());
  }
  void add(const std::string& name, const std::string& bytes) {
    if (CPLCreateFileInZip(h, name.c_str(), nullptr) != CE_None ||
        CPLWriteFileInZip(h, bytes.data(), static_cast<int>(bytes.size())) != CE_None ||
        CPLCloseFileInZip(h) != CE_None) {
      throw Error("cannot write " + name + " into " + path + ": " + gdal_last_error());
    }
  }
  void close() {
    void* x = h;
    h = nullptr;
    if (CPLCloseZip(x) != CE_None) throw Error("cannot finish " + path + ": " + gdal_last_error());
  }
  ~ZipWriter() {
    if (h) CPLCloseZip(h);
  }
};

}  // namespace

GeoOverlay rsrp_overlay_wgs84(const Raster<float>& r, double threshold_dbm) {
  gdal_init();
  const Grid& g = r.grid();
  GdalDataset src(GDALCreate(GDALGetDriverByName("MEM"), "", g.cols, g.rows, 1, GDT_Float32, nullptr));
  if (!src) throw Error("cannot create an in-memory raster: " + gdal_last_error());
  double gt[6];
  g.geotransform(gt);
  GDALSetGeoTransform(src.get(), gt);
  GDALSetProjection(src.get(), g.crs_wkt.c_str());
  GDALRasterBandH band = GDALGetRasterBand(src.get(), 1);
  GDALSetRasterNoDataValue(band, std::nan(""));
  std::vector<float> buf = r.data();
  if (GDALRasterIO(band, GF_Write, 0, 0, g.cols, g.rows, buf.data(), g.cols, g.rows, GDT_Float32, 0, 0) != CE_None) {
    throw Error("cannot fill an in-memory raster: " + gdal_last_error());
  }

  auto warp = [&](int w, int h) {
    std::vector<std::string> args{"-of", "MEM", "-t_srs", "EPSG:4326", "-r", "near", "-dstnodata", "nan"};
    if (w > 0) {
      for (const auto& a : {std::string("-ts"), std::to_string(w), std::to_string(h)}) args.push_back(a);
    }
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    GDALWarpAppOptions* o = GDALWarpAppOptionsNew(argv.data(), nullptr);
    if (!o) throw Error("overlay: bad warp options");
    GDALDatasetH in = src.get();
    int usage = 0;
    GdalDataset out(GDALWarp("", nullptr, 1, &in, o, &usage));
    GDALWarpAppOptionsFree(o);
    if (!out) throw Error("cannot warp the received power to EPSG:4326: " + gdal_last_error());
    return out;
  };
  GdalDataset w = warp(0, 0);
  int W = GDALGetRasterXSize(w.get()), H = GDALGetRasterYSize(w.get());
  if (std::max(W, H) > kMaxOverlayPx) {
    const double f = static_cast<double>(kMaxOverlayPx) / std::max(W, H);
    w = warp(std::max(1, static_cast<int>(W * f)), std::max(1, static_cast<int>(H * f)));
    W = GDALGetRasterXSize(w.get());
    H = GDALGetRasterYSize(w.get());
  }
  double wgt[6];
  GDALGetGeoTransform(w.get(), wgt);
  std::vector<float> vals(static_cast<size_t>(W) * H);
  if (GDALRasterIO(GDALGetRasterBand(w.get(), 1), GF_Read, 0, 0, W, H, vals.data(), W, H, GDT_Float32, 0, 0) !=
      CE_None) {
    throw Error("cannot read the warped received power: " + gdal_last_error());
  }

  GeoOverlay ov;
  ov.image = Image(W, H);
  const auto ramp = rsrp_ramp(threshold_dbm);
  for (int y = 0; y < H; ++y) {
    for (int x = 0; x < W; ++x) {
      const int k = ramp_class(ramp, vals[static_cast<size_t>(y) * W + x]);
      if (k >= 0) ov.image.set(x, y, ramp[k].color);
    }
  }
  ov.west = wgt[0];
  ov.north = wgt[3];
  ov.east = wgt[0] + W * wgt[1];
  ov.south = wgt[3] + H * wgt[5];
  return ov;
}

std::string coverage_kml(const RunResult& run, const std::vector<GeoOverlay>& overlays) {
  if (overlays.empty()) throw Error("coverage.kml: no overlay");
  gdal_init();
  const Scenario& s = run.scenario;
  const auto& d = run.report.district;
  const std::string q = radio::technology_quantity(s.technology);
  const double thr = s.effective_threshold_dbm();  // with the location and indoor margins

  // Colours from the same styles as coverage.gpkg.
  std::set<std::string> carrier_set;
  for (const auto& c : run.inputs.cells) carrier_set.insert(c.carrier);
  const auto carrier_cats = categories_from_qml(qml_sites({carrier_set.begin(), carrier_set.end()}));
  const auto village_cats = categories_from_qml(qml_villages(thr));
  auto village_color = [&](bool covered) {
    for (const auto& c : village_cats)
      if (c.value == (covered ? "1" : "0")) return c.color;
    return covered ? Rgba8{26, 150, 65, 255} : Rgba8{215, 25, 28, 255};
  };
  std::map<std::string, size_t> carrier_style;  // carrier -> category index
  for (size_t i = 0; i < carrier_cats.size(); ++i) carrier_style[carrier_cats[i].value] = i;

  std::string k = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<kml xmlns=\"http://www.opengis.net/kml/2.2\">\n";
  k += "<Document>\n  <name>" + xml_escape(s.name) + "</name>\n  <open>1</open>\n";
  {
    std::string html = "<p>" + xml_escape(s.description) + "</p><table>" +
                       row("Villages covered", std::to_string(d.villages_covered) + " / " +
                                                   std::to_string(d.villages_total) + " (" +
                                                   analysis::pct_text(d.pct_villages()) + " %)") +
                       row("Population covered", std::to_string(d.population_covered) + " / " +
                                                     std::to_string(d.population_total) + " (" +
                                                     analysis::pct_text(d.pct_population()) + " %)") +
                       row("Model", s.model) +
                       row("Coverage threshold", q + " >= " + fixed(thr, 1) + " dBm at " +
                                                     fixed(s.link.rx_height_m, 1) + " m") +
                       "</table>";
    k += "  <description>" + cdata(html) + "</description>\n";
  }
  // Styles.
  for (const bool covered : {true, false}) {
    k += std::string("  <Style id=\"village-") + (covered ? "covered" : "uncovered") + "\">\n";
    k += "    <IconStyle><color>" + kml_color(village_color(covered)) +
         "</color><scale>0.6</scale><Icon><href>files/village.png</href></Icon>"
         "<hotSpot x=\"0.5\" y=\"0.5\" xunits=\"fraction\" yunits=\"fraction\"/></IconStyle>\n"
         "    <LabelStyle><scale>0.75</scale></LabelStyle>\n  </Style>\n";
  }
  for (size_t i = 0; i < carrier_cats.size(); ++i) {
    k += "  <Style id=\"carrier-" + std::to_string(i) + "\">\n";
    k += "    <IconStyle><color>" + kml_color(carrier_cats[i].color) +
         "</color><scale>0.9</scale><Icon><href>files/site.png</href></Icon>"
         "<hotSpot x=\"0.5\" y=\"0.5\" xunits=\"fraction\" yunits=\"fraction\"/></IconStyle>\n"
         "    <LabelStyle><scale>0.8</scale></LabelStyle>\n  </Style>\n";
  }
  k += "  <Style id=\"commune\">\n    <LineStyle><color>ff282828</color><width>1.5</width></LineStyle>\n"
       "    <PolyStyle><fill>0</fill><outline>1</outline></PolyStyle>\n  </Style>\n";

  // Received power overlays with their legend.
  {
    const auto ramp = rsrp_ramp(thr);
    std::string legend = "<table>";
    for (const auto& c : ramp) {
      if (c.color.a == 0) continue;
      legend += "<tr><td style=\"background:" + hex_color(c.color) + ";width:2em\">&nbsp;</td><td>" +
                xml_escape(c.label) + "</td></tr>";
    }
    legend += "</table>";
    k += "  <Folder>\n    <name>Received power</name>\n    <open>1</open>\n";
    for (size_t i = 0; i < overlays.size(); ++i) {
      const GeoOverlay& ov = overlays[i];
      const GroupResult* gr = i > 0 && i - 1 < run.by_carrier.size() ? &run.by_carrier[i - 1] : nullptr;
      const std::string who = gr ? xml_escape(gr->name) : std::string("all carriers");
      k += "    <GroundOverlay>\n      <name>Best-server " + xml_escape(q) + " (dBm), " + who + "</name>\n";
      if (i > 0) k += "      <visibility>0</visibility>\n";
      k += "      <description>" + cdata("<p>Best-server " + xml_escape(q) + " of " + who + " at " +
                                         fixed(s.link.rx_height_m, 1) + " m; threshold " +
                                         fixed(gr ? gr->threshold_dbm : thr, 1) + " dBm.</p>" + legend) +
           "</description>\n";
      k += std::string("      <color>") + kOverlayColor + "</color>\n      <drawOrder>" + std::to_string(i + 1) +
           "</drawOrder>\n";
      k += "      <Icon><href>files/" + (gr ? "rsrp_dbm_" + gr->key : std::string("rsrp_dbm")) +
           ".png</href></Icon>\n";
      k += "      <LatLonBox><north>" + fixed(ov.north, 7) + "</north><south>" + fixed(ov.south, 7) +
           "</south><east>" + fixed(ov.east, 7) + "</east><west>" + fixed(ov.west, 7) + "</west></LatLonBox>\n";
      k += "    </GroundOverlay>\n";
    }
    k += "  </Folder>\n";
  }

  // Communes.
  if (!run.inputs.communes.empty()) {
    OsrHandle from(OSRNewSpatialReference(run.inputs.dem.elevation_m.grid().crs_wkt.c_str()));
    OsrHandle to(OSRNewSpatialReference(nullptr));
    OSRImportFromEPSG(static_cast<OGRSpatialReferenceH>(to.get()), 4326);
    for (void* h : {from.get(), to.get()})
      OSRSetAxisMappingStrategy(static_cast<OGRSpatialReferenceH>(h), OAMS_TRADITIONAL_GIS_ORDER);
    OGRCoordinateTransformationH ct = OCTNewCoordinateTransformation(
        static_cast<OGRSpatialReferenceH>(from.get()), static_cast<OGRSpatialReferenceH>(to.get()));
    if (!ct) throw Error("cannot transform the communes to EPSG:4326: " + gdal_last_error());
    k += "  <Folder>\n    <name>Communes</name>\n";
    for (const auto& c : run.inputs.communes) {
      OGRGeometryH geom = nullptr;
      if (OGR_G_CreateFromWkb(c.wkb.data(), nullptr, &geom, static_cast<int>(c.wkb.size())) != OGRERR_NONE || !geom)
        continue;
      OgrGeometry owned(geom);
      if (OGR_G_Transform(geom, ct) != OGRERR_NONE) continue;
      char* kml = OGR_G_ExportToKML(geom, nullptr);
      if (!kml) continue;
      const std::string gk = kml;
      CPLFree(kml);
      std::string html = "<table>";
      for (const auto& st : run.report.communes) {
        if (st.name != c.name) continue;
        html += row("Villages covered", std::to_string(st.villages_covered) + " / " +
                                            std::to_string(st.villages_total) + " (" + analysis::pct_text(st.pct_villages()) +
                                            " %)");
        html += row("Population covered", std::to_string(st.population_covered) + " / " +
                                              std::to_string(st.population_total) + " (" +
                                              analysis::pct_text(st.pct_population()) + " %)");
        std::string un;
        for (size_t vi : st.uncovered) un += (un.empty() ? "" : ", ") + run.inputs.villages[vi].name;
        if (!un.empty()) html += row("Villages not covered", un);
      }
      html += "</table>";
      k += "    <Placemark>\n      <name>" + xml_escape(c.name) + "</name>\n      <description>" + cdata(html) +
           "</description>\n      <styleUrl>#commune</styleUrl>\n      " + gk + "\n    </Placemark>\n";
    }
    OCTDestroyCoordinateTransformation(ct);
    k += "  </Folder>\n";
  }

  // Sites: one placemark per (site, carrier), in the order of first appearance.
  std::vector<int> served(run.inputs.cells.size(), 0);
  for (const auto& r : run.report.villages)
    if (r.covered && r.cell_index >= 0) ++served[r.cell_index];
  std::vector<std::pair<std::string, std::string>> keys;
  std::map<std::pair<std::string, std::string>, std::vector<size_t>> by_site;
  for (size_t i = 0; i < run.inputs.cells.size(); ++i) {
    const auto& c = run.inputs.cells[i];
    const auto key = std::make_pair(c.site_id, c.carrier);
    if (!by_site.count(key)) keys.push_back(key);
    by_site[key].push_back(i);
  }
  k += "  <Folder>\n    <name>Sites</name>\n";
  for (const auto& key : keys) {
    const auto& cells = by_site[key];
    const radio::Cell& c0 = run.inputs.cells[cells.front()];
    const auto it = carrier_style.find(c0.carrier);
    const size_t style = it != carrier_style.end() ? it->second : carrier_cats.size() - 1;
    std::string html = "<table>" + row("Site", c0.site_id) + row("Carrier", c0.carrier) +
                       row("Technology", radio::technology_name(c0.technology)) +
                       row("Ground", fixed(c0.ground_m, 0) + " m") + "</table>";
    html += "<table border=\"1\" cellspacing=\"0\" cellpadding=\"2\"><tr><th>Cell</th><th>Azimuth</th>"
            "<th>Tilt</th><th>Height</th><th>Frequency</th><th>EIRP</th><th>Villages served</th></tr>";
    for (size_t i : cells) {
      const auto& c = run.inputs.cells[i];
      html += "<tr><td>" + xml_escape(c.cell_id) + "</td><td>" +
              (c.azimuth_deg ? fixed(*c.azimuth_deg, 0) + "°" : std::string("omni")) + "</td><td>" +
              fixed(c.tilt_deg, 1) + "°</td><td>" + fixed(c.height_m, 1) + " m</td><td>" + fixed(c.freq_mhz, 0) +
              " MHz</td><td>" + fixed(c.eirp_dbm, 1) + " dBm</td><td>" + std::to_string(served[i]) + "</td></tr>";
    }
    html += "</table>";
    const std::string name = c0.name.empty() || cells.size() > 1 ? c0.site_id : c0.name;
    k += "    <Placemark>\n      <name>" + xml_escape(name) + "</name>\n      <description>" + cdata(html) +
         "</description>\n      <styleUrl>#carrier-" + std::to_string(style) + "</styleUrl>\n" +
         "      <Point><coordinates>" + fixed(c0.lon, 7) + "," + fixed(c0.lat, 7) +
         ",0</coordinates></Point>\n    </Placemark>\n";
  }
  k += "  </Folder>\n";

  // Villages.
  k += "  <Folder>\n    <name>Villages</name>\n";
  for (size_t i = 0; i < run.inputs.villages.size(); ++i) {
    const auto& v = run.inputs.villages[i];
    const auto& r = run.report.villages[i];
    const radio::Cell* c =
        r.cell_index >= 0 && r.cell_index < static_cast<int>(run.inputs.cells.size()) ? &run.inputs.cells[r.cell_index]
                                                                                      : nullptr;
    std::string html = "<table>" + row("Village", v.name) + row("Commune", v.commune) +
                       row("Population", std::to_string(v.population)) + row(q, dbm_text(r.rsrp_dbm)) +
                       row("Margin", std::isnan(r.margin_db) ? "—" : fixed(r.margin_db, 1) + " dB") +
                       row("Covered", r.covered ? "yes" : "no") +
                       row("Servers at or above " + fixed(thr, 1) + " dBm", std::to_string(r.servers)) +
                       row("Serving cell", c ? c->site_id + " / " + c->cell_id : "—") +
                       row("Carrier", c ? c->carrier : "—") + "</table>";
    k += "    <Placemark>\n      <name>" + xml_escape(v.name) + "</name>\n      <description>" + cdata(html) +
         "</description>\n      <styleUrl>#village-" + (r.covered ? "covered" : "uncovered") + "</styleUrl>\n" +
         "      <Point><coordinates>" + fixed(v.lon, 7) + "," + fixed(v.lat, 7) +
         ",0</coordinates></Point>\n    </Placemark>\n";
  }
  k += "  </Folder>\n</Document>\n</kml>\n";
  return k;
}

void write_zip_atomic(const std::string& path, const std::vector<std::pair<std::string, std::string>>& entries) {
  gdal_init();
  const std::string tmp = temp_name_for(path);
  std::error_code ec;
  fs::remove(tmp, ec);
  try {
    ZipWriter zip(tmp);
    for (const auto& [name, bytes] : entries) zip.add(name, bytes);
    zip.close();
  } catch (...) {
    fs::remove(tmp, ec);
    throw;
  }
  commit_file(tmp, path);
}

void write_coverage_kmz(const std::string& dir, const RunResult& run) {
  gdal_init();
  std::vector<GeoOverlay> overlays{rsrp_overlay_wgs84(run.composite.best_dbm, run.scenario.effective_threshold_dbm())};
  if (run.by_carrier.size() > 1) {
    for (const auto& gr : run.by_carrier) overlays.push_back(rsrp_overlay_wgs84(gr.composite.best_dbm, gr.threshold_dbm));
  }
  std::vector<std::pair<std::string, std::string>> entries;
  entries.emplace_back("doc.kml", coverage_kml(run, overlays));  // first entry: what Google Earth opens
  entries.emplace_back("files/rsrp_dbm.png", encode_png(overlays[0].image));
  for (size_t i = 1; i < overlays.size(); ++i) {
    entries.emplace_back("files/rsrp_dbm_" + run.by_carrier[i - 1].key + ".png", encode_png(overlays[i].image));
  }
  entries.emplace_back("files/site.png", encode_png(icon(true)));
  entries.emplace_back("files/village.png", encode_png(icon(false)));
  write_zip_atomic((fs::path(dir) / "coverage.kmz").string(), entries);
}

}  // namespace phusong::io
