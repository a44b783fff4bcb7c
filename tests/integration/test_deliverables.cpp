// The deliverables for QGIS, Google Earth and a browser: project.qgz,
// coverage.kmz and report.html, from a run of the Brindabella test scenario
// (real SRTM terrain) with four commune polygons added; and the rendering
// helpers they share (colour classes, markers, PNG, base64).
#include <doctest/doctest.h>
#include <cpl_minixml.h>
#include <cpl_string.h>
#include <cpl_vsi.h>
#include <gdal.h>
#include <ogr_api.h>

#include <cmath>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>

#include "phusong/io/deliverables.hpp"
#include "phusong/io/kmz.hpp"
#include "phusong/io/map_render.hpp"
#include "phusong/io/report_html.hpp"
#include "phusong/io/styles.hpp"
#include "phusong/raster/gdal_raii.hpp"
#include "phusong/scenario/run.hpp"
#include "test_support.hpp"

namespace fs = std::filesystem;
using namespace phusong;

namespace {

using test::slurp;

using test::write_text;

size_t count_of(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t p = text.find(what); p != std::string::npos; p = text.find(what, p + what.size())) ++n;
  return n;
}

struct Commune {
  const char* id;
  const char* name;
  double x0, y0, x1, y1;  // lon/lat box
};
// 2 x 2 over the Brindabella test villages (lon 149.02-149.34, lat -35.66 to -35.40).
const Commune kCommunes[] = {{"XA-01", "Xã Bắc Tây", 148.98, -35.53, 149.19, -35.37},
                             {"XA-02", "Xã Bắc Đông", 149.19, -35.53, 149.38, -35.37},
                             {"XA-03", "Xã Nam Tây", 148.98, -35.69, 149.19, -35.53},
                             {"XA-04", "Xã Nam Đông", 149.19, -35.69, 149.38, -35.53}};

// One run shared by the test cases (about a second).
const RunResult& brindabella_run() {
  static const RunResult run = [] {
    const fs::path dir = test::temp_dir("deliverables");
    std::string gj = "{\"type\":\"FeatureCollection\",\"features\":[";
    for (size_t i = 0; i < std::size(kCommunes); ++i) {
      const auto& c = kCommunes[i];
      char ring[512];
      std::snprintf(ring, sizeof ring, "[[%.2f,%.2f],[%.2f,%.2f],[%.2f,%.2f],[%.2f,%.2f],[%.2f,%.2f]]", c.x0, c.y0,
                    c.x1, c.y0, c.x1, c.y1, c.x0, c.y1, c.x0, c.y0);
      gj += std::string(i ? "," : "") + "{\"type\":\"Feature\",\"properties\":{\"commune_id\":\"" + c.id +
            "\",\"name\":\"" + c.name + "\"},\"geometry\":{\"type\":\"Polygon\",\"coordinates\":[" + ring + "]}}";
    }
    write_text(dir / "communes.geojson", gj + "]}");
    const fs::path data = test::source_dir() / "tests/data/brindabella";
    write_text(dir / "scenario.yaml",
               "name: Brindabella deliverables\ndescription: Deliverables test with communes.\ninputs:\n  dem: " +
                   test::shared_path("geodata/terrain/srtm3_S36E149_brindabella.tif").string() +
                   "\n  sites: " + (data / "sites.csv").string() + "\n  villages: " + (data / "villages.csv").string() +
                   "\n  communes: communes.geojson\ngrid:\n  resolution_m: 90\nmodel:\n  name: deygout\n"
                   "radio:\n  technology: lte\n  threshold_dbm: -105\n  radius_km: 8\n");
    RunOptions opt;
    opt.quiet = true;
    opt.out_dir = (dir / "out").string();
    return run_scenario(load_scenario((dir / "scenario.yaml").string()), opt);
  }();
  return run;
}

struct Xml {
  CPLXMLNode* doc;
  explicit Xml(const std::string& s) : doc(CPLParseXMLString(s.c_str())) {}
  ~Xml() {
    if (doc) CPLDestroyXMLNode(doc);
  }
};

std::vector<const CPLXMLNode*> children(const CPLXMLNode* parent, const char* name) {
  std::vector<const CPLXMLNode*> v;
  for (const CPLXMLNode* n = parent ? parent->psChild : nullptr; n; n = n->psNext)
    if (n->eType == CXT_Element && std::strcmp(n->pszValue, name) == 0) v.push_back(n);
  return v;
}

// A PNG (bytes) read back through GDAL: width, height, RGBA pixels.
struct Png {
  int w = 0, h = 0, bands = 0;
  std::vector<unsigned char> px;
};
Png read_png(const std::string& bytes) {
  gdal_init();
  const std::string name = "/vsimem/test-deliverables.png";
  VSILFILE* f = VSIFileFromMemBuffer(name.c_str(),
                                     reinterpret_cast<GByte*>(const_cast<char*>(bytes.data())), bytes.size(), FALSE);
  REQUIRE(f);
  VSIFCloseL(f);
  Png p;
  {
    GdalDataset ds(GDALOpen(name.c_str(), GA_ReadOnly));
    REQUIRE(ds);
    p.w = GDALGetRasterXSize(ds.get());
    p.h = GDALGetRasterYSize(ds.get());
    p.bands = GDALGetRasterCount(ds.get());
    REQUIRE(p.bands == 4);
    p.px.resize(static_cast<size_t>(p.w) * p.h * 4);
    int bands[4] = {1, 2, 3, 4};
    REQUIRE(GDALDatasetRasterIO(ds.get(), GF_Read, 0, 0, p.w, p.h, p.px.data(), p.w, p.h, GDT_Byte, 4, bands, 4,
                                4 * static_cast<GSpacing>(p.w), 1) == CE_None);
  }
  VSIUnlink(name.c_str());
  return p;
}

std::string unbase64(const std::string& s) {
  int len = static_cast<int>(s.size());
  std::vector<GByte> buf(s.begin(), s.end());
  buf.push_back(0);
  len = CPLBase64DecodeInPlace(buf.data());
  return std::string(reinterpret_cast<char*>(buf.data()), static_cast<size_t>(len));
}

}  // namespace

// ----------------------------------------------------------------- helpers

TEST_CASE("map render: base64 matches RFC 4648 test vectors") {
  CHECK(io::base64("") == "");
  CHECK(io::base64("f") == "Zg==");
  CHECK(io::base64("fo") == "Zm8=");
  CHECK(io::base64("foo") == "Zm9v");
  CHECK(io::base64("foob") == "Zm9vYg==");
  CHECK(io::base64("fooba") == "Zm9vYmE=");
  CHECK(io::base64("foobar") == "Zm9vYmFy");
  const std::string bin("\x00\xff\x10\x80", 4);
  CHECK(unbase64(io::base64(bin)) == bin);
}

TEST_CASE("map render: received-power classes are those of rsrp_dbm.qml, a boundary value in the class below") {
  const auto ramp = io::rsrp_ramp(-110);
  REQUIRE(ramp.size() == 7);
  CHECK(ramp[0].upper == -130);
  CHECK(ramp[0].color.a == 0);  // not drawn
  CHECK(ramp[2].upper == -110);
  CHECK(std::isinf(ramp[6].upper));
  CHECK(io::hex_color(ramp[3].color) == "#ffd92f");
  CHECK(ramp[3].label.find("threshold") != std::string::npos);
  CHECK(io::ramp_class(ramp, -110.0) == 2);  // exactly the threshold: the class below (QGIS DISCRETE)
  CHECK(io::ramp_class(ramp, -109.99) == 3);
  CHECK(io::ramp_class(ramp, -200.0) == 0);
  CHECK(io::ramp_class(ramp, 10.0) == 6);
  CHECK(io::ramp_class(ramp, std::nan("")) == -1);
  CHECK_THROWS(io::ramp_from_qml("<qgis/>"));
}

TEST_CASE("map render: style categories and ranges are read from the QML styles") {
  const auto sites = io::categories_from_qml(io::qml_sites({"MobiFone", "Viettel", "Gmobile"}));
  REQUIRE(sites.size() == 4);  // three carriers and "all other values"
  CHECK(sites[1].value == "Viettel");
  CHECK(io::hex_color(sites[1].color) == io::fixed_carrier_color_hex("Viettel"));
  CHECK(sites[3].value.empty());
  const auto pal = io::categories_from_qml(io::qml_paletted_raster({{0, "a"}, {1, "b"}}));
  REQUIRE(pal.size() == 2);
  CHECK(io::hex_color(pal[1].color) == io::palette_color_hex(1));
  const auto ranges = io::ranges_from_qml(io::qml_communes());
  REQUIRE(ranges.size() == 4);
  CHECK(ranges[3].upper == 100);
  CHECK(ranges[3].color.a == 140);
}

TEST_CASE("map render: markers and PNG encoding round-trip through GDAL") {
  io::Image img(40, 30);
  const io::Rgba8 red{200, 20, 20, 255}, black{0, 0, 0, 255};
  io::draw_disc(img, 10, 10, 6, red, black, 1.5);
  io::draw_triangle(img, 30, 16, 8, {20, 20, 200, 255}, black, 1.5);
  CHECK(img.get(10, 10) == red);                 // centre of the disc
  CHECK(img.get(0, 29).a == 0);                  // untouched corner
  CHECK(img.get(10, 4).r < 100);                 // the disc's outline at its top
  CHECK(img.get(30, 15) == io::Rgba8{20, 20, 200, 255});
  const std::string png = io::encode_png(img);
  CHECK(png.compare(0, 8, "\x89PNG\r\n\x1a\n") == 0);
  CHECK(io::encode_png(img) == png);  // deterministic
  const Png back = read_png(png);
  CHECK(back.w == 40);
  CHECK(back.h == 30);
  CHECK(back.px == img.rgba());
}

// ----------------------------------------------------------------- project.qgz

TEST_CASE("deliverables: project.qgz references every layer relatively, styled and grouped") {
  PHUSONG_REQUIRE_SHARED();
  const RunResult& run = brindabella_run();
  const fs::path out = run.out_dir;
  REQUIRE(fs::exists(out / "project.qgz"));
  CHECK_FALSE(fs::exists(out / "project.qgs"));
  // A zip with one entry, project.qgs (what QGIS opens inside a .qgz); the
  // braces because GDAL recognises .qgz as an archive only that way.
  const std::string vz = "/vsizip/{" + (out / "project.qgz").string() + "}";
  char** list = VSIReadDirRecursive(vz.c_str());
  std::vector<std::string> entries;
  for (char** p = list; p && *p; ++p) entries.emplace_back(*p);
  CSLDestroy(list);
  CHECK(entries == std::vector<std::string>{"project.qgs"});
  std::string text;
  {
    VSILFILE* fq = VSIFOpenL((vz + "/project.qgs").c_str(), "rb");
    REQUIRE(fq);
    char buf[4096];
    for (size_t n; (n = VSIFReadL(buf, 1, sizeof buf, fq)) > 0;) text.append(buf, n);
    VSIFCloseL(fq);
  }
  REQUIRE(!text.empty());
  CHECK(text.find(out.string()) == std::string::npos);  // no absolute path
  CHECK(text.find(out.parent_path().string()) == std::string::npos);
  Xml x(text);
  REQUIRE(x.doc);
  const CPLXMLNode* root = CPLSearchXMLNode(x.doc, "=qgis");
  REQUIRE(root);
  CHECK(std::string(CPLGetXMLValue(root, "title", "")) == "Brindabella deliverables");
  CHECK(std::string(CPLGetXMLValue(root, "projectCrs.spatialrefsys.authid", "")) == "EPSG:32755");
  CHECK(std::string(CPLGetXMLValue(root, "properties.Paths.Absolute", "")) == "false");

  const auto layers = children(CPLGetXMLNode(root, "projectlayers"), "maplayer");
  REQUIRE(run.by_carrier.size() == 3);  // MobiFone, VNPT, Viettel
  REQUIRE(layers.size() == 6 + run.by_carrier.size());
  std::vector<std::string> want_src{"./coverage.gpkg|layername=villages", "./coverage.gpkg|layername=sites",
                                    "./coverage.gpkg|layername=communes", "./rsrp_dbm.tif",
                                    "./best_server.tif", "./server_count.tif"};
  std::vector<std::string> want_renderer{"categorizedSymbol", "categorizedSymbol", "graduatedSymbol",
                                         "singlebandpseudocolor", "paletted", "paletted"};
  for (const auto& gr : run.by_carrier) {
    want_src.push_back("./rsrp_dbm_" + gr.key + ".tif");
    want_renderer.push_back("singlebandpseudocolor");
    CHECK(fs::exists(out / ("rsrp_dbm_" + gr.key + ".tif")));
  }
  std::set<std::string> ids;
  for (size_t i = 0; i < layers.size(); ++i) {
    const CPLXMLNode* l = layers[i];
    CAPTURE(i);
    CHECK(std::string(CPLGetXMLValue(l, "datasource", "")) == want_src[i]);
    const std::string id = CPLGetXMLValue(l, "id", "");
    CHECK(id.size() > 10);  // QGIS replaces shorter ids
    ids.insert(id);
    const bool raster = i >= 3;
    CHECK(std::string(CPLGetXMLValue(l, "type", "")) == (raster ? "raster" : "vector"));
    CHECK(std::string(CPLGetXMLValue(l, "provider", "")) == (raster ? "gdal" : "ogr"));
    const std::string renderer =
        raster ? CPLGetXMLValue(l, "pipe.rasterrenderer.type", "") : CPLGetXMLValue(l, "renderer-v2.type", "");
    CHECK(renderer == want_renderer[i]);
    if (!raster) CHECK(std::string(CPLGetXMLValue(l, "labeling.type", "")) == "simple");
  }
  CHECK(ids.size() == layers.size());
  // The raster styles are the side-car QML's, verbatim.
  const std::string qml = slurp(out / "rsrp_dbm.qml");
  const size_t a = qml.find("<colorrampshader"), b = qml.find("</colorrampshader>");
  REQUIRE(a != std::string::npos);
  std::string shader = qml.substr(a, b - a);
  CHECK(count_of(shader, "<item") == 7);
  CHECK(shader.find("threshold -105 dBm") != std::string::npos);

  // Groups and the layers in them, top first; only the received power shown among the rasters.
  const auto groups = children(CPLGetXMLNode(root, "layer-tree-group"), "layer-tree-group");
  REQUIRE(groups.size() == 4);
  CHECK(std::string(CPLGetXMLValue(groups[0], "name", "")) == "Villages & sites");
  CHECK(std::string(CPLGetXMLValue(groups[1], "name", "")) == "Communes");
  CHECK(std::string(CPLGetXMLValue(groups[2], "name", "")) == "Coverage rasters");
  CHECK(std::string(CPLGetXMLValue(groups[3], "name", "")) == "Received power per carrier");
  CHECK(children(groups[3], "layer-tree-layer").size() == run.by_carrier.size());
  const auto rasters = children(groups[2], "layer-tree-layer");
  REQUIRE(rasters.size() == 3);
  CHECK(std::string(CPLGetXMLValue(rasters[0], "checked", "")) == "Qt::Checked");
  CHECK(std::string(CPLGetXMLValue(rasters[1], "checked", "")) == "Qt::Unchecked");
  CHECK(std::string(CPLGetXMLValue(rasters[0], "name", "")).find("threshold -105 dBm") != std::string::npos);

  // Initial view: every village inside.
  const CPLXMLNode* ext = CPLGetXMLNode(root, "mapcanvas.extent");
  REQUIRE(ext);
  const double x0 = CPLAtof(CPLGetXMLValue(ext, "xmin", "0")), x1 = CPLAtof(CPLGetXMLValue(ext, "xmax", "0"));
  const double y0 = CPLAtof(CPLGetXMLValue(ext, "ymin", "0")), y1 = CPLAtof(CPLGetXMLValue(ext, "ymax", "0"));
  for (const auto& v : run.inputs.villages) {
    CHECK(v.x > x0);
    CHECK(v.x < x1);
    CHECK(v.y > y0);
    CHECK(v.y < y1);
  }
}

// ----------------------------------------------------------------- coverage.kmz

TEST_CASE("deliverables: coverage.kmz holds doc.kml first, the overlay PNG and every placemark") {
  PHUSONG_REQUIRE_SHARED();
  const RunResult& run = brindabella_run();
  const fs::path kmz = fs::path(run.out_dir) / "coverage.kmz";
  REQUIRE(fs::exists(kmz));
  const std::string bytes = slurp(kmz);
  // Zip local file header of the first entry: signature, then the name at offset 30.
  REQUIRE(bytes.size() > 40);
  CHECK(bytes.compare(0, 4, "PK\x03\x04") == 0);
  CHECK(bytes.compare(30, 7, "doc.kml") == 0);

  const std::string vz = "/vsizip/" + kmz.string();
  char** list = VSIReadDirRecursive(vz.c_str());
  std::set<std::string> entries;
  for (char** p = list; p && *p; ++p) entries.insert(*p);
  CSLDestroy(list);
  CHECK(entries.count("doc.kml"));
  CHECK(entries.count("files/rsrp_dbm.png"));
  CHECK(entries.count("files/site.png"));
  CHECK(entries.count("files/village.png"));
  for (const auto& gr : run.by_carrier) CHECK(entries.count("files/rsrp_dbm_" + gr.key + ".png"));

  // The KML parses (OGR) with one placemark per village, per site and carrier, per commune.
  gdal_init();
  GdalDataset ds(GDALOpenEx((vz + "/doc.kml").c_str(), GDAL_OF_VECTOR | GDAL_OF_READONLY, nullptr, nullptr, nullptr));
  REQUIRE(ds);
  auto count = [&](const char* layer) {
    OGRLayerH l = GDALDatasetGetLayerByName(ds.get(), layer);
    return l ? static_cast<int>(OGR_L_GetFeatureCount(l, TRUE)) : -1;
  };
  CHECK(count("Villages") == 7);
  CHECK(count("Sites") == 3);  // B1 Viettel, B2 VNPT (three cells), B3 MobiFone
  CHECK(count("Communes") == 4);
  OGRLayerH lv = GDALDatasetGetLayerByName(ds.get(), "Villages");
  REQUIRE(lv);
  OGR_L_ResetReading(lv);
  int seen = 0;
  while (OGRFeatureH f = OGR_L_GetNextFeature(lv)) {
    const std::string name = OGR_F_GetFieldAsString(f, OGR_F_GetFieldIndex(f, "Name"));
    const std::string desc = OGR_F_GetFieldAsString(f, OGR_F_GetFieldIndex(f, "description"));
    for (size_t i = 0; i < run.inputs.villages.size(); ++i) {
      if (run.inputs.villages[i].name != name) continue;
      ++seen;
      const auto& r = run.report.villages[i];
      CHECK(desc.find(run.inputs.villages[i].commune) != std::string::npos);
      CHECK(desc.find(std::to_string(run.inputs.villages[i].population)) != std::string::npos);
      if (!std::isnan(r.rsrp_dbm)) {
        char buf[32];
        std::snprintf(buf, sizeof buf, "%.1f dBm", r.rsrp_dbm);
        CHECK_MESSAGE(desc.find(buf) != std::string::npos, name << ": " << desc);
      }
    }
    OGR_F_Destroy(f);
  }
  CHECK(seen == 7);

  // The KML text: styles, the overlay box around every village.
  VSILFILE* fk = VSIFOpenL((vz + "/doc.kml").c_str(), "rb");
  REQUIRE(fk);
  std::string kml;
  char buf[4096];
  for (size_t n; (n = VSIFReadL(buf, 1, sizeof buf, fk)) > 0;) kml.append(buf, n);
  VSIFCloseL(fk);
  CHECK(count_of(kml, "<Placemark>") == 7 + 3 + 4);
  CHECK(count_of(kml, "#village-covered") == static_cast<size_t>(run.report.district.villages_covered));
  CHECK(count_of(kml, "<GroundOverlay>") == 1 + run.by_carrier.size());
  Xml x(kml);
  REQUIRE(x.doc);
  const CPLXMLNode* box = CPLSearchXMLNode(CPLSearchXMLNode(x.doc, "=kml"), "LatLonBox");
  REQUIRE(box);
  const double north = CPLAtof(CPLGetXMLValue(box, "north", "0")), south = CPLAtof(CPLGetXMLValue(box, "south", "0"));
  const double east = CPLAtof(CPLGetXMLValue(box, "east", "0")), west = CPLAtof(CPLGetXMLValue(box, "west", "0"));
  for (const auto& v : run.inputs.villages) {
    CHECK(v.lon > west);
    CHECK(v.lon < east);
    CHECK(v.lat > south);
    CHECK(v.lat < north);
  }

  // The overlay: only the style's colours, transparent where not drawn.
  VSILFILE* fp = VSIFOpenL((vz + "/files/rsrp_dbm.png").c_str(), "rb");
  REQUIRE(fp);
  std::string png;
  for (size_t n; (n = VSIFReadL(buf, 1, sizeof buf, fp)) > 0;) png.append(buf, n);
  VSIFCloseL(fp);
  const Png p = read_png(png);
  const auto ramp = io::rsrp_ramp(run.scenario.threshold_dbm);
  std::set<std::string> allowed;
  for (const auto& c : ramp)
    if (c.color.a) allowed.insert(io::hex_color(c.color));
  size_t opaque = 0, clear = 0, other = 0;
  for (size_t i = 0; i < p.px.size(); i += 4) {
    if (p.px[i + 3] == 0) {
      ++clear;
      continue;
    }
    ++opaque;
    if (!allowed.count(io::hex_color({p.px[i], p.px[i + 1], p.px[i + 2], 255})) || p.px[i + 3] != 255) ++other;
  }
  CHECK(opaque > 1000);
  CHECK(clear > 1000);
  CHECK(other == 0);
}

// ----------------------------------------------------------------- report.html

TEST_CASE("deliverables: report.html is self-contained with maps, charts and tables") {
  PHUSONG_REQUIRE_SHARED();
  const RunResult& run = brindabella_run();
  const std::string html = slurp(fs::path(run.out_dir) / "report.html");
  REQUIRE(!html.empty());
  CHECK(html.rfind("<!DOCTYPE html>", 0) == 0);
  CHECK(html.find("<table id=\"communes\">") != std::string::npos);
  for (const auto& c : kCommunes) CHECK(html.find(c.name) != std::string::npos);
  CHECK(html.find("<table id=\"uncovered\">") != std::string::npos);
  for (size_t vi : run.report.district.uncovered) CHECK(html.find(run.inputs.villages[vi].name) != std::string::npos);
  // Two maps, embedded PNGs that decode.
  const std::string tag = "<img src=\"data:image/png;base64,";
  CHECK(count_of(html, tag) == 2);
  const size_t a = html.find(tag) + tag.size();
  const std::string png = unbase64(html.substr(a, html.find('"', a) - a));
  const Png p = read_png(png);
  CHECK(p.w > 300);
  CHECK(p.h > 300);
  // Charts, scale bar and north arrow as inline SVG; nothing loaded from elsewhere.
  CHECK(count_of(html, "<svg class=\"chart\"") == 2);
  CHECK(count_of(html, "<svg class=\"overlay\"") == 2);
  CHECK(html.find(">N</text>") != std::string::npos);
  CHECK(html.find("src=\"http") == std::string::npos);
  CHECK(html.find("href=\"http") == std::string::npos);
  CHECK(html.find("<link") == std::string::npos);
  CHECK(html.find("<script") == std::string::npos);
  // The model, its parameters and the inputs' checksums.
  const auto sum = io::summary_json(run);
  for (auto it = sum["inputs"].begin(); it != sum["inputs"].end(); ++it) {
    CHECK(html.find(it.value()["sha256"].get<std::string>()) != std::string::npos);
  }
  CHECK(html.find("<td>deygout</td>") != std::string::npos);
  CHECK(html.find("k_factor") != std::string::npos);
  // Same run, same bytes.
  CHECK(io::report_html(run) == html);
}
