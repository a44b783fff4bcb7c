#pragma once
// Small text formatting shared by the CSV and Markdown writers.
#include <cmath>
#include <cstdio>
#include <string>

namespace phusong::io {

// "%.*f" of v, or "" when v is NaN (an empty CSV / table cell).
inline std::string fixed_or_empty(double v, int decimals) {
  if (std::isnan(v)) return "";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

// A level in a legend or a layer name: rounded to 0.1 (dB, dBm), shortest
// form ("-90.3", "-100"); an effective threshold with margins would
// otherwise read -90.3106906067324.
inline std::string label_num(double v) {
  v = std::round(v * 10.0) / 10.0;
  if (v == 0.0) v = 0.0;  // no "-0"
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.1f", v);
  std::string out = buf;
  if (out.size() > 2 && out.compare(out.size() - 2, 2, ".0") == 0) out.resize(out.size() - 2);
  return out;
}

// Markdown table cell text: a '|' would split the cell, a newline the row.
inline std::string md_cell(const std::string& s) {
  std::string out;
  out.reserve(s.size());
  for (const char c : s) {
    if (c == '|') out += "\\|";
    else if (c == '\n' || c == '\r') out += ' ';
    else out += c;
  }
  return out;
}

// RFC 4180 quoting: fields with a comma, quote or newline are quoted, quotes doubled.
inline std::string csv_quote(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

// Escapes text for an XML attribute or element (QML, QGIS project):
// & < > " ' and the whitespace characters that attribute normalisation
// would otherwise turn into spaces (newline, carriage return, tab).
inline std::string xml_escape(const std::string& s) {
  std::string out;
  out.reserve(s.size() + 8);
  for (const char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      case '\n': out += "&#10;"; break;
      case '\r': out += "&#13;"; break;
      case '\t': out += "&#9;"; break;
      default: out += c;
    }
  }
  return out;
}

}  // namespace phusong::io
