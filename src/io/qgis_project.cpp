#include "phusong/io/qgis_project.hpp"
#include "phusong/io/text_format.hpp"

#include <cpl_conv.h>
#include <cpl_minixml.h>
#include <gdal.h>
#include <ogr_api.h>
#include <ogr_srs_api.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <set>
#include <sstream>
#include <vector>

#include "phusong/core/error.hpp"
#include "phusong/io/kmz.hpp"
#include "phusong/raster/gdal_raii.hpp"
#include "phusong/scenario/run.hpp"

// The project document follows the layout QGIS 3.22 writes
// (QgsProject::writeProjectFile): <qgis> root with <homePath>, <title>,
// <projectCrs>, <layer-tree-group>, <mapcanvas>, <ProjectViewSettings>,
// <projectlayers> (one <maplayer> per layer, carrying the layer's style
// exactly as QgsMapLayer::exportNamedStyle writes it inside a QML document),
// <layerorder>, <properties> (Paths/Absolute = false: relative sources) and
// <projectMetadata>.  Elements QGIS does not find keep their defaults.

namespace phusong::io {

namespace {

namespace fs = std::filesystem;

std::string num(double v) {
  if (!std::isfinite(v)) return "0";
  if (v == 0.0) v = 0.0;
  std::array<char, 64> buf{};
  const auto res = std::to_chars(buf.data(), buf.data() + buf.size(), v);
  return std::string(buf.data(), res.ptr);
}

std::string attr(const std::string& name, const std::string& value) {
  return " " + name + "=\"" + xml_escape(value) + "\"";
}

struct Box {
  double x_min = std::numeric_limits<double>::infinity(), y_min = x_min;
  double x_max = -x_min, y_max = -x_min;
  bool empty() const { return !(x_min <= x_max && y_min <= y_max); }
  void add(double x, double y) {
    if (!std::isfinite(x) || !std::isfinite(y)) return;
    x_min = std::min(x_min, x);
    y_min = std::min(y_min, y);
    x_max = std::max(x_max, x);
    y_max = std::max(y_max, y);
  }
  void add(const Box& b) {
    if (b.empty()) return;
    add(b.x_min, b.y_min);
    add(b.x_max, b.y_max);
  }
  std::string xml(const std::string& indent) const {
    return indent + "<extent>\n" + indent + "  <xmin>" + num(x_min) + "</xmin>\n" + indent + "  <ymin>" +
           num(y_min) + "</ymin>\n" + indent + "  <xmax>" + num(x_max) + "</xmax>\n" + indent + "  <ymax>" +
           num(y_max) + "</ymax>\n" + indent + "</extent>\n";
  }
};

// ---------------------------------------------------------------- styles

std::string read_text(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) throw Error("QGIS project: cannot read the style " + p.string());
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

bool gpkg_has_layer(const std::string& gpkg, const std::string& layer) {
  GdalDataset ds(GDALOpenEx(gpkg.c_str(), GDAL_OF_VECTOR | GDAL_OF_READONLY, nullptr, nullptr, nullptr));
  if (!ds) throw Error("QGIS project: cannot open " + gpkg);
  return GDALDatasetGetLayerByName(ds.get(), layer.c_str()) != nullptr;
}

// A QML document split into the root element's attributes that a
// <maplayer> also carries and the root's content (the style elements).
struct EmbeddedStyle {
  std::string attrs;    // e.g. ' labelsEnabled="1" minScale="..."'
  std::string content;  // everything between <qgis ...> and </qgis>
};

EmbeddedStyle embed(const std::string& qml, const std::string& what) {
  EmbeddedStyle e;
  CPLXMLNode* doc = CPLParseXMLString(qml.c_str());
  if (!doc) throw Error("QGIS project: the style of " + what + " does not parse as XML");
  const CPLXMLNode* root = CPLSearchXMLNode(doc, "=qgis");
  if (!root) {
    CPLDestroyXMLNode(doc);
    throw Error("QGIS project: the style of " + what + " has no <qgis> root");
  }
  for (const char* a : {"hasScaleBasedVisibilityFlag", "minScale", "maxScale", "symbologyReferenceScale",
                        "labelsEnabled"}) {
    const char* v = CPLGetXMLValue(root, a, nullptr);
    if (v) e.attrs += attr(a, v);
  }
  CPLDestroyXMLNode(doc);
  const size_t open = qml.find("<qgis");
  const size_t open_end = open == std::string::npos ? open : qml.find('>', open);
  const size_t close = qml.rfind("</qgis>");
  if (open_end == std::string::npos || close == std::string::npos || close < open_end) {
    throw Error("QGIS project: the style of " + what + " has no <qgis> element");
  }
  // Re-indent the style's lines by four spaces (inside <maplayer>).
  std::istringstream lines(qml.substr(open_end + 1, close - open_end - 1));
  std::string line;
  while (std::getline(lines, line)) {
    if (line.empty()) continue;
    e.content += "    " + line + "\n";
  }
  return e;
}

// ---------------------------------------------------------------- CRS

std::string spatialrefsys(const std::string& wkt, const std::string& indent) {
  OsrHandle srs(OSRNewSpatialReference(wkt.c_str()));
  OGRSpatialReferenceH h = static_cast<OGRSpatialReferenceH>(srs.get());
  std::string authid, srid, proj4, description;
  if (h) {
    const char* an = OSRGetAuthorityName(h, nullptr);
    const char* ac = OSRGetAuthorityCode(h, nullptr);
    if (an && ac) {
      authid = std::string(an) + ":" + ac;
      if (std::string(an) == "EPSG") srid = ac;
    }
    char* p4 = nullptr;
    if (OSRExportToProj4(h, &p4) == OGRERR_NONE && p4) proj4 = p4;
    CPLFree(p4);
    const char* name = OSRGetName(h);
    if (name) description = name;
  }
  const bool geographic = h && OSRIsGeographic(h);
  std::string s = indent + "<spatialrefsys nativeFormat=\"Wkt\">\n";
  s += indent + "  <wkt>" + xml_escape(wkt) + "</wkt>\n";
  s += indent + "  <proj4>" + xml_escape(proj4) + "</proj4>\n";
  if (!srid.empty()) s += indent + "  <srid>" + srid + "</srid>\n";
  s += indent + "  <authid>" + xml_escape(authid) + "</authid>\n";
  s += indent + "  <description>" + xml_escape(description) + "</description>\n";
  s += indent + "  <geographicflag>" + (geographic ? "true" : "false") + "</geographicflag>\n";
  s += indent + "</spatialrefsys>\n";
  return s;
}

// ---------------------------------------------------------------- layers

// Layer ids: QGIS keeps an id read from a project only when it is longer
// than 10 characters (else it makes up a new one), hence "phusong_<name>".
struct Layer {
  std::string id, name, kind /* vector|raster */, provider, source;
  std::string geometry, wkb_type;  // vectors
  Box extent;
  EmbeddedStyle style;
  bool visible = true;
  std::string srs;  // <spatialrefsys> indented for <maplayer><srs>
};

std::string maplayer_xml(const Layer& l) {
  std::string s = "    <maplayer" + attr("type", l.kind) +
                  " autoRefreshEnabled=\"0\" autoRefreshTime=\"0\" refreshOnNotifyEnabled=\"0\""
                  " refreshOnNotifyMessage=\"\" styleCategories=\"AllStyleCategories\"" +
                  l.style.attrs;
  if (l.kind == "vector") {
    s += attr("geometry", l.geometry) + attr("wkbType", l.wkb_type) +
         " readOnly=\"0\" simplifyAlgorithm=\"0\" simplifyDrawingHints=\"0\" simplifyDrawingTol=\"1\""
         " simplifyLocal=\"1\" simplifyMaxScale=\"1\"";
  }
  s += ">\n";
  if (!l.extent.empty()) s += l.extent.xml("      ");
  s += "      <id>" + xml_escape(l.id) + "</id>\n";
  s += "      <datasource>" + xml_escape(l.source) + "</datasource>\n";
  s += "      <keywordList>\n        <value></value>\n      </keywordList>\n";
  s += "      <layername>" + xml_escape(l.name) + "</layername>\n";
  s += "      <srs>\n" + l.srs + "      </srs>\n";
  if (l.kind == "vector") {
    s += "      <provider encoding=\"UTF-8\">" + xml_escape(l.provider) + "</provider>\n";
  } else {
    s += "      <provider>" + xml_escape(l.provider) + "</provider>\n";
    s += "      <noData>\n        <noDataList bandNo=\"1\" useSrcNoData=\"1\"/>\n      </noData>\n";
  }
  s += "      <map-layer-style-manager current=\"default\">\n"
       "        <map-layer-style name=\"default\"/>\n"
       "      </map-layer-style-manager>\n";
  s += "      <flags>\n        <Identifiable>1</Identifiable>\n        <Removable>1</Removable>\n"
       "        <Searchable>1</Searchable>\n        <Private>0</Private>\n      </flags>\n";
  s += l.style.content;
  s += "    </maplayer>\n";
  return s;
}

std::string tree_layer_xml(const Layer& l) {
  return "      <layer-tree-layer" + attr("id", l.id) + attr("name", l.name) + attr("source", l.source) +
         attr("providerKey", l.provider) + attr("checked", l.visible ? "Qt::Checked" : "Qt::Unchecked") +
         " expanded=\"" + (l.visible ? "1" : "0") +
         "\" legend_exp=\"\" patch_size=\"-1,-1\" legend_split_behavior=\"0\" legend_split_max_count=\"0\""
         " legend_split_count=\"0\">\n"
         "        <customproperties>\n          <Option/>\n        </customproperties>\n"
         "      </layer-tree-layer>\n";
}

}  // namespace

std::string gpkg_default_style(const std::string& gpkg, const std::string& layer) {
  gdal_init();
  GdalDataset ds(GDALOpenEx(gpkg.c_str(), GDAL_OF_VECTOR | GDAL_OF_READONLY, nullptr, nullptr, nullptr));
  if (!ds) throw Error("QGIS project: cannot open " + gpkg);
  OGRLayerH styles = GDALDatasetGetLayerByName(ds.get(), "layer_styles");
  if (!styles) throw Error("QGIS project: " + gpkg + " has no layer_styles table");
  const std::string filter = "f_table_name = '" + layer + "' AND useAsDefault = 1";
  OGR_L_SetAttributeFilter(styles, filter.c_str());
  OGR_L_ResetReading(styles);
  std::string qml;
  const int i_qml = OGR_FD_GetFieldIndex(OGR_L_GetLayerDefn(styles), "styleQML");
  if (OGRFeatureH f = OGR_L_GetNextFeature(styles)) {
    if (i_qml >= 0) qml = OGR_F_GetFieldAsString(f, i_qml);
    OGR_F_Destroy(f);
  }
  if (qml.empty()) throw Error("QGIS project: no default style for layer " + layer + " in " + gpkg);
  return qml;
}

QgisProject qgis_project_of_run(const std::string& dir_in, const RunResult& run) {
  gdal_init();
  const fs::path dir(dir_in);
  const Scenario& s = run.scenario;
  const Grid& g = run.inputs.dem.elevation_m.grid();
  const std::string quantity = radio::technology_quantity(s.technology);
  const std::string thr = io::label_num(s.effective_threshold_dbm());

  // Vector styles from the GeoPackage.
  const fs::path gpkg = dir / "coverage.gpkg";
  const bool has_communes = !run.inputs.communes.empty() && gpkg_has_layer(gpkg.string(), "communes");

  Box villages_box, sites_box, communes_box, grid_box;
  for (const auto& v : run.inputs.villages) villages_box.add(v.x, v.y);
  for (const auto& c : run.inputs.cells) sites_box.add(c.x, c.y);
  for (const auto& c : run.inputs.communes) {
    communes_box.add(c.x_min, c.y_min);
    communes_box.add(c.x_max, c.y_max);
  }
  grid_box.add(g.x_min, g.y_min());
  grid_box.add(g.x_max(), g.y_max);

  auto extent = [](QgisLayer& l, const Box& b) {
    if (b.empty()) return;
    l.x_min = b.x_min;
    l.y_min = b.y_min;
    l.x_max = b.x_max;
    l.y_max = b.y_max;
  };
  auto vec = [&](const std::string& id, const std::string& name, const std::string& geometry,
                 const std::string& wkb, const Box& ext) {
    QgisLayer l;
    l.id = "phusong_" + id;
    l.name = name;
    l.source = "./coverage.gpkg|layername=" + id;
    l.geometry = geometry;
    l.wkb_type = wkb;
    extent(l, ext);
    l.qml = gpkg_default_style(gpkg.string(), id);
    return l;
  };
  auto ras = [&](const std::string& file, const std::string& name, bool visible) {
    QgisLayer l;
    const std::string stem = fs::path(file).stem().string();
    l.id = "phusong_" + stem;
    l.name = name;
    l.raster = true;
    l.source = "./" + file;
    extent(l, grid_box);
    l.visible = visible;
    l.qml = read_text(dir / (stem + ".qml"));
    return l;
  };

  QgisProject p;
  p.title = s.name;
  p.abstract = s.description;
  p.crs_wkt = g.crs_wkt;
  p.groups.push_back({"Villages & sites", {vec("villages", "Villages", "Point", "Point", villages_box),
                                           vec("sites", "Sites (cells)", "Point", "Point", sites_box)}});
  if (has_communes) {
    // Listed above the rasters (its fills are semi-transparent) but not shown
    // at first: two choropleths on top of each other read badly; one click
    // in the layer panel shows the communes' village coverage.
    p.groups.push_back({"Communes", {vec("communes", "Communes", "Polygon", "MultiPolygon", communes_box)}});
    p.groups.back().layers.back().visible = false;
  }
  p.groups.push_back(
      {"Coverage rasters",
       {ras("rsrp_dbm.tif", "Received power " + quantity + " (dBm), threshold " + thr + " dBm", true),
        ras("best_server.tif", "Best server", false),
        ras("server_count.tif", "Servers at or above " + thr + " dBm", false)}});
  // Received power of each carrier (rsrp_dbm_<key>.tif, when written).
  QgisGroup per_carrier{"Received power per carrier", {}};
  for (const auto& gr : run.by_carrier) {
    const std::string file = "rsrp_dbm_" + gr.key + ".tif";
    if (!fs::exists(dir / file)) continue;
    per_carrier.layers.push_back(ras(file, gr.name + ": received power " + quantity + " (dBm)", false));
  }
  if (!per_carrier.layers.empty()) p.groups.push_back(std::move(per_carrier));

  // Initial view: villages and communes, 8 % margin, at least 1 km across.
  Box view;
  view.add(villages_box);
  view.add(communes_box);
  if (view.empty()) view = grid_box;
  {
    const double cx = (view.x_min + view.x_max) / 2, cy = (view.y_min + view.y_max) / 2;
    const double hw = std::max(500.0, (view.x_max - view.x_min) * 0.58);
    const double hh = std::max(500.0, (view.y_max - view.y_min) * 0.58);
    p.view_x_min = cx - hw;
    p.view_y_min = cy - hh;
    p.view_x_max = cx + hw;
    p.view_y_max = cy + hh;
  }
  return p;
}

std::string qgis_project_xml(const QgisProject& p) {
  gdal_init();
  const std::string srs6 = spatialrefsys(p.crs_wkt, "        ");
  const std::string srs4 = spatialrefsys(p.crs_wkt, "    ");
  std::set<std::string> ids;
  std::vector<std::vector<Layer>> layers;  // per group
  for (const auto& gr : p.groups) {
    layers.emplace_back();
    for (const auto& q : gr.layers) {
      if (q.id.size() <= 10 || !ids.insert(q.id).second) {
        throw Error("QGIS project: layer id '" + q.id + "' is not unique or has 10 characters or fewer");
      }
      Layer l;
      l.id = q.id;
      l.name = q.name;
      l.kind = q.raster ? "raster" : "vector";
      l.provider = q.raster ? "gdal" : "ogr";
      l.source = q.source;
      l.geometry = q.geometry;
      l.wkb_type = q.wkb_type;
      l.extent.add(q.x_min, q.y_min);
      l.extent.add(q.x_max, q.y_max);
      l.style = embed(q.qml, q.name);
      l.visible = q.visible;
      l.srs = q.crs_wkt.empty() ? srs6 : spatialrefsys(q.crs_wkt, "        ");
      layers.back().push_back(std::move(l));
    }
  }
  const Box view{p.view_x_min, p.view_y_min, p.view_x_max, p.view_y_max};
  const std::string& title = p.title;
  const std::string& abstract = p.abstract;

  std::string x = "<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>\n";
  x += "<qgis" + attr("projectname", title) + " version=\"3.22.0-Białowieża\" saveUser=\"\" saveUserFull=\"\"" +
       " saveDateTime=\"\">\n";
  x += "  <homePath path=\"\"/>\n";
  x += "  <title>" + xml_escape(title) + "</title>\n";
  x += "  <transaction mode=\"Disabled\"/>\n";
  x += "  <projectFlags set=\"\"/>\n";
  x += "  <projectCrs>\n" + srs4 + "  </projectCrs>\n";

  // Layer tree: first group on top.
  x += "  <layer-tree-group>\n    <customproperties>\n      <Option/>\n    </customproperties>\n";
  for (size_t gi = 0; gi < p.groups.size(); ++gi) {
    x += "    <layer-tree-group" + attr("name", p.groups[gi].name) +
         " checked=\"Qt::Checked\" expanded=\"1\" groupLayer=\"\">\n"
         "      <customproperties>\n        <Option/>\n      </customproperties>\n";
    for (const Layer& l : layers[gi]) x += tree_layer_xml(l);
    x += "    </layer-tree-group>\n";
  }
  x += "    <custom-order enabled=\"0\"/>\n  </layer-tree-group>\n";

  x += "  <mapcanvas name=\"theMapCanvas\" annotationsVisible=\"1\">\n";
  x += "    <units>meters</units>\n" + view.xml("    ");
  x += "    <rotation>0</rotation>\n    <destinationsrs>\n" + srs6 + "    </destinationsrs>\n";
  x += "    <rendermaptile>0</rendermaptile>\n    <expressionContextScope/>\n  </mapcanvas>\n";
  x += "  <ProjectViewSettings UseProjectScales=\"0\" rotation=\"0\">\n    <Scales/>\n";
  x += "    <DefaultViewExtent" + attr("xmin", num(view.x_min)) + attr("ymin", num(view.y_min)) +
       attr("xmax", num(view.x_max)) + attr("ymax", num(view.y_max)) + ">\n" + spatialrefsys(p.crs_wkt, "      ") +
       "    </DefaultViewExtent>\n  </ProjectViewSettings>\n";

  x += "  <projectlayers>\n";
  std::vector<const Layer*> order;
  for (const auto& gr : layers)
    for (const Layer& l : gr) order.push_back(&l);
  for (const Layer* l : order) x += maplayer_xml(*l);
  x += "  </projectlayers>\n";
  x += "  <layerorder>\n";
  for (const Layer* l : order) x += "    <layer" + attr("id", l->id) + "/>\n";
  x += "  </layerorder>\n";

  x += "  <properties>\n"
       "    <Paths>\n      <Absolute type=\"bool\">false</Absolute>\n    </Paths>\n"
       "    <SpatialRefSys>\n      <ProjectionsEnabled type=\"int\">1</ProjectionsEnabled>\n"
       "    </SpatialRefSys>\n"
       "    <Measurement>\n      <DistanceUnits type=\"QString\">meters</DistanceUnits>\n"
       "      <AreaUnits type=\"QString\">km2</AreaUnits>\n    </Measurement>\n"
       "  </properties>\n";
  x += "  <projectMetadata>\n    <identifier></identifier>\n    <parentidentifier></parentidentifier>\n"
       "    <language></language>\n    <type></type>\n";
  x += "    <title>" + xml_escape(title) + "</title>\n";
  x += "    <abstract>" + xml_escape(abstract) + "</abstract>\n";
  x += "    <links/>\n    <author>phusong</author>\n    <creation></creation>\n  </projectMetadata>\n";
  x += "</qgis>\n";
  return x;
}

std::string qgis_project_xml(const std::string& dir, const RunResult& run) {
  return qgis_project_xml(qgis_project_of_run(dir, run));
}

void write_qgis_project(const std::string& path, const QgisProject& project) {
  // QGIS 3.22+ (QgsProject::write to a .qgz): a zip whose .qgs entry carries
  // the base name of the archive; the auxiliary-storage .qgd is optional and
  // QGIS creates an empty one when it is absent.
  const std::string entry = fs::path(path).stem().string() + ".qgs";
  write_zip_atomic(path, {{entry, qgis_project_xml(project)}});
}

void write_qgis_project(const std::string& dir, const RunResult& run) {
  write_qgis_project((fs::path(dir) / "project.qgz").string(), qgis_project_of_run(dir, run));
}

}  // namespace phusong::io
