#include <cpl_conv.h>
#include <doctest/doctest.h>
#include <gdal.h>
#include <ogr_api.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <string>
#include <vector>

#include "phusong/core/error.hpp"
#include "phusong/io/atomic_file.hpp"
#include "phusong/io/styles.hpp"
#include "test_support.hpp"

using namespace phusong;
namespace fs = std::filesystem;

namespace {

size_t count_of(const std::string& hay, const std::string& needle) {
  size_t n = 0;
  for (size_t p = hay.find(needle); p != std::string::npos; p = hay.find(needle, p + needle.size())) ++n;
  return n;
}

// A small XML well-formedness check: tags properly nested, attribute values
// quoted, only the five predefined entities and numeric references, one root
// element named `qgis`.  Returns an empty string when fine, else the problem.
std::string xml_problem(const std::string& x) {
  std::vector<std::string> stack;
  int roots = 0;
  std::string root;
  size_t i = 0;
  auto check_entities = [](const std::string& s) -> bool {
    for (size_t p = s.find('&'); p != std::string::npos; p = s.find('&', p + 1)) {
      const size_t e = s.find(';', p);
      if (e == std::string::npos) return false;
      const std::string ent = s.substr(p + 1, e - p - 1);
      if (ent != "amp" && ent != "lt" && ent != "gt" && ent != "quot" && ent != "apos" &&
          !(ent.size() > 1 && ent[0] == '#'))
        return false;
    }
    return true;
  };
  while (i < x.size()) {
    const size_t lt = x.find('<', i);
    const std::string text = x.substr(i, lt == std::string::npos ? std::string::npos : lt - i);
    if (text.find('>') != std::string::npos) return "stray '>' in text";
    if (!check_entities(text)) return "bad entity in text";
    if (lt == std::string::npos) break;
    if (x.compare(lt, 9, "<!DOCTYPE") == 0) {
      if (roots > 0 || !stack.empty()) return "DOCTYPE after the root";
      i = x.find('>', lt) + 1;
      continue;
    }
    // Scan the tag, honouring quoted attribute values.
    size_t j = lt + 1;
    char quote = 0;
    for (; j < x.size(); ++j) {
      if (quote) {
        if (x[j] == quote) quote = 0;
        else if (x[j] == '<') return "'<' inside an attribute value";
      } else if (x[j] == '"' || x[j] == '\'') {
        quote = x[j];
      } else if (x[j] == '>') {
        break;
      }
    }
    if (j >= x.size()) return "unterminated tag";
    std::string tag = x.substr(lt + 1, j - lt - 1);
    if (!check_entities(tag)) return "bad entity in tag " + tag;
    if (!tag.empty() && tag[0] == '/') {
      const std::string name = tag.substr(1);
      if (stack.empty() || stack.back() != name) return "mismatched </" + name + ">";
      stack.pop_back();
    } else {
      const bool self_closing = !tag.empty() && tag.back() == '/';
      const std::string name = tag.substr(0, tag.find_first_of(" \t\n/"));
      if (name.empty()) return "empty tag name";
      if (stack.empty()) {
        ++roots;
        root = name;
      }
      if (!self_closing) stack.push_back(name);
    }
    i = j + 1;
  }
  if (!stack.empty()) return "unclosed <" + stack.back() + ">";
  if (roots != 1) return "expected one root element, found " + std::to_string(roots);
  if (root != "qgis") return "root element is <" + root + ">";
  return {};
}

void check_qml_shape(const std::string& qml) {
  CHECK(qml.rfind("<!DOCTYPE qgis", 0) == 0);
  CHECK(count_of(qml, "<qgis ") == 1);
  CHECK(qml.size() >= 8);
  CHECK(qml.substr(qml.size() - 8) == "</qgis>\n");
  CHECK(xml_problem(qml) == "");
}

std::string read_bytes(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// A GeoPackage with a point layer "villages" holding one feature.
GDALDatasetH make_gpkg(const fs::path& file) {
  GDALAllRegister();
  GDALDriverH drv = GDALGetDriverByName("GPKG");
  REQUIRE(drv != nullptr);
  GDALDatasetH ds = GDALCreate(drv, file.string().c_str(), 0, 0, 0, GDT_Unknown, nullptr);
  REQUIRE(ds != nullptr);
  OGRLayerH lyr = GDALDatasetCreateLayer(ds, "villages", nullptr, wkbPoint, nullptr);
  REQUIRE(lyr != nullptr);
  OGRFieldDefnH fd = OGR_Fld_Create("covered", OFTInteger);
  REQUIRE(OGR_L_CreateField(lyr, fd, TRUE) == OGRERR_NONE);
  OGR_Fld_Destroy(fd);
  OGRFeatureH f = OGR_F_Create(OGR_L_GetLayerDefn(lyr));
  OGR_F_SetFieldInteger(f, 0, 1);
  OGRGeometryH g = OGR_G_CreateGeometry(wkbPoint);
  OGR_G_SetPoint_2D(g, 0, 105.8, 21.0);
  OGR_F_SetGeometryDirectly(f, g);
  REQUIRE(OGR_L_CreateFeature(lyr, f) == OGRERR_NONE);
  OGR_F_Destroy(f);
  return ds;
}

struct StyleRow {
  std::string table, geom, name, qml, catalog, update_time;
  int use_as_default = -1;
};

std::vector<StyleRow> read_styles(const fs::path& file) {
  GDALDatasetH ds = GDALOpenEx(file.string().c_str(), GDAL_OF_VECTOR | GDAL_OF_READONLY, nullptr,
                               nullptr, nullptr);
  REQUIRE(ds != nullptr);
  std::vector<StyleRow> rows;
  OGRLayerH lyr = GDALDatasetGetLayerByName(ds, "layer_styles");
  REQUIRE(lyr != nullptr);
  OGRFeatureDefnH defn = OGR_L_GetLayerDefn(lyr);
  auto idx = [&](const char* n) {
    const int i = OGR_FD_GetFieldIndex(defn, n);
    REQUIRE(i >= 0);
    return i;
  };
  OGR_L_ResetReading(lyr);
  while (OGRFeatureH f = OGR_L_GetNextFeature(lyr)) {
    StyleRow r;
    r.table = OGR_F_GetFieldAsString(f, idx("f_table_name"));
    r.geom = OGR_F_GetFieldAsString(f, idx("f_geometry_column"));
    r.name = OGR_F_GetFieldAsString(f, idx("styleName"));
    r.qml = OGR_F_GetFieldAsString(f, idx("styleQML"));
    r.catalog = OGR_F_GetFieldAsString(f, idx("f_table_catalog"));
    r.update_time = OGR_F_GetFieldAsString(f, idx("update_time"));
    r.use_as_default = OGR_F_GetFieldAsInteger(f, idx("useAsDefault"));
    rows.push_back(r);
    OGR_F_Destroy(f);
  }
  // The table is registered in gpkg_contents as a non-spatial table.
  OGRLayerH sql = GDALDatasetExecuteSQL(
      ds, "SELECT data_type FROM gpkg_contents WHERE table_name = 'layer_styles'", nullptr, nullptr);
  REQUIRE(sql != nullptr);
  OGRFeatureH f = OGR_L_GetNextFeature(sql);
  REQUIRE(f != nullptr);
  CHECK(std::string(OGR_F_GetFieldAsString(f, 0)) == "attributes");
  OGR_F_Destroy(f);
  GDALDatasetReleaseResultSet(ds, sql);
  GDALClose(ds);
  return rows;
}

// Sets a GDAL configuration option for the lifetime of the object.
struct ConfigOption {
  std::string key, old;
  bool had;
  ConfigOption(const char* k, const char* v) : key(k) {
    const char* o = CPLGetConfigOption(k, nullptr);
    had = o != nullptr;
    if (had) old = o;
    CPLSetConfigOption(k, v);
  }
  ~ConfigOption() { CPLSetConfigOption(key.c_str(), had ? old.c_str() : nullptr); }
};

}  // namespace

TEST_CASE("styles: the XML checker itself rejects broken documents") {
  CHECK(xml_problem("<qgis a=\"1\"><x/></qgis>") == "");
  CHECK(xml_problem("<qgis><x></qgis>") != "");
  CHECK(xml_problem("<qgis a=\"1\">&nbsp;</qgis>") != "");
  CHECK(xml_problem("<qgis></qgis><qgis></qgis>") != "");
  CHECK(xml_problem("<qgis a=\"<\"></qgis>") != "");
}

TEST_CASE("styles: RSRP raster is a discrete pseudocolour ramp with a break at the threshold") {
  const std::string q = io::qml_rsrp_raster(-110.0);
  check_qml_shape(q);
  CHECK(q.find("type=\"singlebandpseudocolor\"") != std::string::npos);
  CHECK(q.find("colorRampType=\"DISCRETE\"") != std::string::npos);
  CHECK(count_of(q, "<item ") == 7);
  // Class upper bounds: thr-20, thr-10, thr, thr+10, thr+20, thr+40, inf.
  for (const char* v : {"-130", "-120", "-110", "-100", "-90", "-70", "inf"}) {
    CAPTURE(v);
    CHECK(q.find("<item value=\"" + std::string(v) + "\"") != std::string::npos);
  }
  // Below thr-20 transparent, every other class opaque.
  CHECK(q.find("<item value=\"-130\" color=\"#d7191c\" alpha=\"0\"") != std::string::npos);
  CHECK(count_of(q, "alpha=\"255\"") == 6);
  CHECK(q.find("dBm") != std::string::npos);
  CHECK(q.find("threshold -110 dBm") != std::string::npos);

  const std::string h = io::qml_rsrp_raster(-97.5);
  check_qml_shape(h);
  CHECK(h.find("<item value=\"-97.5\"") != std::string::npos);
  CHECK(h.find("<item value=\"-117.5\"") != std::string::npos);
  CHECK(io::qml_rsrp_raster(-97.5) == h);  // deterministic

  CHECK_THROWS_AS(io::qml_rsrp_raster(std::nan("")), InputError);
  CHECK_THROWS_AS(io::qml_rsrp_raster(1e300), InputError);
}

TEST_CASE("styles: paletted raster has one entry per value with distinct colours") {
  const std::vector<std::pair<int, std::string>> cells{
      {0, "Viettel HH-01 A"}, {1, "Viettel HH-01 B"}, {2, "VNPT <X> & \"Y\""}};
  const std::string q = io::qml_paletted_raster(cells);
  check_qml_shape(q);
  CHECK(q.find("type=\"paletted\"") != std::string::npos);
  CHECK(count_of(q, "<paletteEntry ") == 3);
  CHECK(q.find("value=\"1\"") != std::string::npos);
  CHECK(q.find("label=\"Viettel HH-01 A\"") != std::string::npos);
  CHECK(q.find("label=\"VNPT &lt;X&gt; &amp; &quot;Y&quot;\"") != std::string::npos);
  CHECK(io::qml_paletted_raster(cells) == q);

  std::vector<std::pair<int, std::string>> counts;
  for (int n = 1; n <= 5; ++n) counts.emplace_back(n, std::to_string(n));
  const std::string c = io::qml_paletted_raster(counts);
  check_qml_shape(c);
  CHECK(count_of(c, "<paletteEntry ") == 5);

  std::set<std::string> colours;
  for (size_t i = 0; i < 120; ++i) colours.insert(io::palette_color_hex(i));
  CHECK(colours.size() == 120);
  CHECK(io::palette_color_hex(25) == io::palette_color_hex(25));

  CHECK_THROWS_AS(io::qml_paletted_raster({{1, "a"}, {1, "b"}}), InputError);
  check_qml_shape(io::qml_paletted_raster({}));
}

TEST_CASE("styles: villages are categorized on covered with the threshold in the legend") {
  const std::string q = io::qml_villages(-105.0);
  check_qml_shape(q);
  CHECK(q.find("type=\"categorizedSymbol\" attr=\"covered\"") != std::string::npos);
  CHECK(count_of(q, "<category ") == 2);
  CHECK(q.find("value=\"1\" label=\"covered (RSRP &gt;= -105 dBm)\"") != std::string::npos);
  CHECK(q.find("value=\"0\" label=\"not covered (RSRP &lt; -105 dBm)\"") != std::string::npos);
  CHECK(count_of(q, "value=\"circle\"") == 2);
  CHECK(q.find("name=\"color\" value=\"26,150,65,255\"") != std::string::npos);  // green
  CHECK(q.find("name=\"color\" value=\"215,25,28,255\"") != std::string::npos);  // red
  CHECK(q.find("fieldName=\"name\" isExpression=\"0\"") != std::string::npos);
  CHECK(q.find("labelsEnabled=\"1\"") != std::string::npos);
  CHECK(q.find("<layerGeometryType>0</layerGeometryType>") != std::string::npos);
}

TEST_CASE("styles: communes are graduated on pct_villages_covered at 50, 80, 90 %") {
  const std::string q = io::qml_communes();
  check_qml_shape(q);
  CHECK(q.find("type=\"graduatedSymbol\" attr=\"pct_villages_covered\"") != std::string::npos);
  CHECK(count_of(q, "<range ") == 4);
  // Breaks just below 50, 80, 90 so that a break value falls in the upper
  // class under QGIS's lower <= v <= upper (first match) rule.
  CHECK(q.find("lower=\"0\" upper=\"49.999999\"") != std::string::npos);
  CHECK(q.find("lower=\"49.999999\" upper=\"79.999999\"") != std::string::npos);
  CHECK(q.find("lower=\"79.999999\" upper=\"89.999999\"") != std::string::npos);
  CHECK(q.find("lower=\"89.999999\" upper=\"100\"") != std::string::npos);
  CHECK(q.find("label=\"80 to &lt; 90 % villages covered\"") != std::string::npos);
  CHECK(count_of(q, "class=\"SimpleFill\"") == 4);
  CHECK(count_of(q, "name=\"color\" value=\"") == 4);
  CHECK(count_of(q, ",140\"/>") == 4);  // semi-transparent fills
  CHECK(q.find("fieldName=\"&quot;name&quot; || &apos;\\n&apos; || &quot;villages_covered&quot; "
               "|| &apos;/&apos; || &quot;villages_total&quot;\" isExpression=\"1\"") !=
        std::string::npos);
  CHECK(q.find("<layerGeometryType>2</layerGeometryType>") != std::string::npos);
}

TEST_CASE("styles: sites are categorized on carrier with the fixed carrier colours") {
  const std::string q = io::qml_sites({"Viettel", "VNPT", "MobiFone", "Gmobile", "Viettel"});
  check_qml_shape(q);
  CHECK(q.find("type=\"categorizedSymbol\" attr=\"carrier\"") != std::string::npos);
  CHECK(count_of(q, "<category ") == 5);  // 4 distinct carriers + "all other values"
  CHECK(q.find("value=\"Viettel\" label=\"Viettel\"") != std::string::npos);
  CHECK(q.find("value=\"Gmobile\" label=\"Gmobile\"") != std::string::npos);
  CHECK(q.find("value=\"\" label=\"other carrier\"") != std::string::npos);
  CHECK(count_of(q, "value=\"triangle\"") == 5);
  CHECK(q.find("name=\"color\" value=\"228,26,28,255\"") != std::string::npos);  // Viettel red
  CHECK(q.find("name=\"color\" value=\"31,92,200,255\"") != std::string::npos);  // VNPT blue
  CHECK(q.find("name=\"color\" value=\"0,150,136,255\"") != std::string::npos);  // MobiFone teal
  CHECK(q.find("name=\"angle\" value=\"0\"") != std::string::npos);
  CHECK(q.find("fieldName=\"name\" isExpression=\"0\"") != std::string::npos);

  CHECK(io::fixed_carrier_color_hex("viettel") == "#e41a1c");
  CHECK(io::fixed_carrier_color_hex("Mobi-Fone") == "#009688");
  CHECK(io::fixed_carrier_color_hex("VNPT") == "#1f5cc8");
  CHECK(io::fixed_carrier_color_hex("Gmobile") == "");
  CHECK(io::qml_sites({"A", "B"}) == io::qml_sites({"A", "B"}));
  check_qml_shape(io::qml_sites({}));
}

TEST_CASE("styles: write_text_file_atomic writes, replaces and leaves no temporary") {
  const fs::path dir = test::temp_dir("styles_atomic");
  const fs::path p = dir / "rsrp_dbm.qml";
  io::write_text_file_atomic(p.string(), "first\n");
  CHECK(read_bytes(p) == "first\n");
  const std::string q = io::qml_rsrp_raster(-110);
  io::write_text_file_atomic(p.string(), q);
  CHECK(read_bytes(p) == q);
  size_t files = 0;
  for (const auto& e : fs::directory_iterator(dir)) {
    (void)e;
    ++files;
  }
  CHECK(files == 1);
  CHECK_THROWS_AS(io::write_text_file_atomic((dir / "missing" / "x.qml").string(), "x"), Error);
}

TEST_CASE("styles: store_layer_style registers layer_styles and sets the default style") {
  ConfigOption date("OGR_CURRENT_DATE", "2000-01-01T00:00:00.000Z");
  const fs::path file = test::temp_dir("styles_gpkg") / "coverage.gpkg";
  const std::string qml = io::qml_villages(-110);
  {
    GDALDatasetH ds = make_gpkg(file);
    io::store_layer_style(ds, "villages", "", qml, "phusong");
    CHECK_THROWS_AS(io::store_layer_style(ds, "nosuch", "", qml, "phusong"), InputError);
    GDALClose(ds);
  }
  auto rows = read_styles(file);
  REQUIRE(rows.size() == 1);
  CHECK(rows[0].table == "villages");
  CHECK(rows[0].geom == "geom");
  CHECK(rows[0].name == "phusong");
  CHECK(rows[0].catalog == "");
  CHECK(rows[0].use_as_default == 1);
  CHECK(rows[0].qml == qml);
  CHECK(rows[0].update_time.rfind("2000/01/01 00:00:00", 0) == 0);

  // Same style name again: replaced, not duplicated.  Another name: becomes
  // the only default.
  {
    GDALDatasetH ds = GDALOpenEx(file.string().c_str(), GDAL_OF_VECTOR | GDAL_OF_UPDATE, nullptr,
                                 nullptr, nullptr);
    REQUIRE(ds != nullptr);
    io::store_layer_style(ds, "villages", "geom", qml, "phusong");
    io::store_layer_style(ds, "villages", "geom", io::qml_villages(-100), "strict");
    GDALClose(ds);
  }
  rows = read_styles(file);
  REQUIRE(rows.size() == 2);
  int defaults = 0;
  for (const auto& r : rows) {
    defaults += r.use_as_default;
    if (r.use_as_default == 1) {
      CHECK(r.name == "strict");
    }
  }
  CHECK(defaults == 1);

  // Inside a transaction opened by the caller (the pipeline writes all
  // layers in one): the style is part of the caller's commit.
  {
    GDALDatasetH ds = GDALOpenEx(file.string().c_str(), GDAL_OF_VECTOR | GDAL_OF_UPDATE, nullptr,
                                 nullptr, nullptr);
    REQUIRE(ds != nullptr);
    REQUIRE(GDALDatasetStartTransaction(ds, FALSE) == OGRERR_NONE);
    io::store_layer_style(ds, "villages", "geom", qml, "in-transaction");
    REQUIRE(GDALDatasetCommitTransaction(ds) == OGRERR_NONE);
    GDALClose(ds);
  }
  rows = read_styles(file);
  REQUIRE(rows.size() == 3);
  for (const auto& r : rows) CHECK(r.use_as_default == (r.name == "in-transaction" ? 1 : 0));
}

TEST_CASE("styles: two runs produce byte-identical GeoPackages") {
  ConfigOption date("OGR_CURRENT_DATE", "2000-01-01T00:00:00.000Z");
  std::vector<std::string> bytes;
  for (const char* run : {"styles_run_a", "styles_run_b"}) {
    const fs::path file = test::temp_dir(run) / "coverage.gpkg";
    GDALDatasetH ds = make_gpkg(file);
    io::store_layer_style(ds, "villages", "geom", io::qml_villages(-110), "phusong");
    GDALClose(ds);
    bytes.push_back(read_bytes(file));
  }
  REQUIRE(bytes[0].size() > 0);
  CHECK(bytes[0] == bytes[1]);
}
