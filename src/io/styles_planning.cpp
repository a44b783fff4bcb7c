// QML styles for the proposals and backhaul layers (see styles_planning.hpp).
#include "phusong/io/styles_planning.hpp"

#include <string>
#include <utility>
#include <vector>

#include "phusong/io/text_format.hpp"

namespace phusong::io {

namespace {

constexpr const char* kHead =
    "<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>\n"
    "<qgis version=\"3.22.0\" styleCategories=\"Symbology|Labeling\" labelsEnabled=\"1\""
    " hasScaleBasedVisibilityFlag=\"0\" minScale=\"100000000\" maxScale=\"0\" symbologyReferenceScale=\"-1\">\n";

std::string options(const std::vector<std::pair<std::string, std::string>>& kv) {
  std::string s = "          <Option type=\"Map\">\n";
  for (const auto& [k, v] : kv)
    s += "            <Option type=\"QString\" name=\"" + xml_escape(k) + "\" value=\"" + xml_escape(v) +
         "\"/>\n";
  return s + "          </Option>\n";
}

std::string star(const std::string& name, const std::string& rgba) {
  return "      <symbol type=\"marker\" name=\"" + name +
         "\" alpha=\"1\" clip_to_extent=\"1\" force_rhr=\"0\">\n"
         "        <layer class=\"SimpleMarker\" enabled=\"1\" locked=\"0\" pass=\"0\">\n" +
         options({{"angle", "0"},
                  {"color", rgba},
                  {"horizontal_anchor_point", "1"},
                  {"joinstyle", "bevel"},
                  {"name", "star"},
                  {"offset", "0,0"},
                  {"offset_unit", "MM"},
                  {"outline_color", "35,35,35,255"},
                  {"outline_style", "solid"},
                  {"outline_width", "0.3"},
                  {"outline_width_unit", "MM"},
                  {"scale_method", "diameter"},
                  {"size", "5"},
                  {"size_unit", "MM"},
                  {"vertical_anchor_point", "1"}}) +
         "        </layer>\n      </symbol>\n";
}

std::string labeling(const std::string& expr, int placement) {
  return "  <labeling type=\"simple\">\n    <settings calloutType=\"simple\">\n"
         "      <text-style fieldName=\"" + xml_escape(expr) +
         "\" isExpression=\"1\" fontFamily=\"Sans Serif\" namedStyle=\"Bold\" fontWeight=\"75\" fontItalic=\"0\""
         " fontSize=\"8\" fontSizeUnit=\"Point\" textColor=\"20,20,20,255\" textOpacity=\"1\" multilineHeight=\"1\""
         " capitalization=\"0\" allowHtml=\"0\" blendMode=\"0\">\n"
         "        <text-buffer bufferDraw=\"1\" bufferSize=\"0.8\" bufferSizeUnits=\"MM\" bufferColor=\"255,255,255,255\""
         " bufferOpacity=\"0.85\" bufferNoFill=\"1\" bufferJoinStyle=\"128\" bufferBlendMode=\"0\"/>\n"
         "      </text-style>\n"
         "      <text-format wrapChar=\"\" autoWrapLength=\"0\" multilineAlign=\"3\" formatNumbers=\"0\" decimals=\"3\""
         " plussign=\"0\" addDirectionSymbol=\"0\"/>\n"
         "      <placement placement=\"" + std::to_string(placement) +
         "\" dist=\"1.5\" distUnits=\"MM\" quadOffset=\"4\" xOffset=\"0\" yOffset=\"0\" offsetUnits=\"MM\""
         " priority=\"5\"/>\n"
         "      <rendering drawLabels=\"1\" obstacle=\"1\" obstacleFactor=\"1\" obstacleType=\"1\" displayAll=\"0\""
         " upsidedownLabels=\"0\" labelPerPart=\"0\" mergeLines=\"0\" limitNumLabels=\"0\" maxNumLabels=\"2000\""
         " minFeatureSize=\"0\" scaleVisibility=\"0\" zIndex=\"0\" unplacedVisibility=\"0\"/>\n"
         "    </settings>\n  </labeling>\n";
}

std::string tail(int geometry_type) {
  return "  <blendMode>0</blendMode>\n  <featureBlendMode>0</featureBlendMode>\n"
         "  <layerOpacity>1</layerOpacity>\n  <layerGeometryType>" +
         std::to_string(geometry_type) + "</layerGeometryType>\n</qgis>\n";
}

}  // namespace

std::string qml_proposals() {
  std::string s = kHead;
  s += "  <renderer-v2 type=\"categorizedSymbol\" attr=\"backhaul\" symbollevels=\"0\" forceraster=\"0\""
       " enableorderby=\"0\" referencescale=\"-1\">\n    <categories>\n"
       "      <category render=\"true\" symbol=\"0\" value=\"existing\" label=\"backhaul: line of sight to an existing site\"/>\n"
       "      <category render=\"true\" symbol=\"1\" value=\"relay\" label=\"backhaul: through another proposed site\"/>\n"
       "      <category render=\"true\" symbol=\"2\" value=\"none\" label=\"backhaul: needs relay / satellite\"/>\n"
       "    </categories>\n    <symbols>\n";
  s += star("0", "26,150,65,255");
  s += star("1", "253,174,97,255");
  s += star("2", "215,25,28,255");
  s += "    </symbols>\n    <rotation/>\n    <sizescale/>\n  </renderer-v2>\n";
  s += labeling("\"site_id\" || ' ' || \"height_m\" || ' m, +' || \"villages_gained\"", 0);
  return s + tail(0);
}

std::string qml_backhaul() {
  std::string s = kHead;
  s += "  <renderer-v2 type=\"singleSymbol\" symbollevels=\"0\" forceraster=\"0\" enableorderby=\"0\""
       " referencescale=\"-1\">\n    <symbols>\n"
       "      <symbol type=\"line\" name=\"0\" alpha=\"1\" clip_to_extent=\"1\" force_rhr=\"0\">\n"
       "        <layer class=\"SimpleLine\" enabled=\"1\" locked=\"0\" pass=\"0\">\n";
  s += options({{"capstyle", "round"},
                {"customdash", "3;2"},
                {"customdash_unit", "MM"},
                {"joinstyle", "round"},
                {"line_color", "94,60,153,255"},
                {"line_style", "dash"},
                {"line_width", "0.6"},
                {"line_width_unit", "MM"},
                {"offset", "0"},
                {"offset_unit", "MM"},
                {"use_custom_dash", "1"}});
  s += "        </layer>\n      </symbol>\n    </symbols>\n    <rotation/>\n    <sizescale/>\n  </renderer-v2>\n";
  s += labeling("\"distance_km\" || ' km'", 2);
  return s + tail(1);
}

}  // namespace phusong::io
