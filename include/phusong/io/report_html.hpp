#pragma once
// report.html: the run's report as one self-contained HTML file (no
// external resources; pictures embedded as data: URIs), for a browser or
// for printing:
//   - district figures;
//   - two maps rendered by phusong from its own rasters: the received power
//     (classes of rsrp_dbm.qml) and the best server (colours of
//     best_server.qml), each blended with a hillshade of the DEM (GDAL
//     DEMProcessing), villages and sites drawn on top, PNG through GDAL;
//     labels, scale bar and north arrow (grid convergence taken into
//     account) in an inline SVG laid over the picture; legends beside it;
//   - charts as inline SVG: village coverage by commune, received-power
//     histogram over the grid;
//   - tables: communes, villages without coverage, every village;
//   - the model and its parameters, the grid, the inputs' SHA-256 (from
//     summary_json).
// Deterministic: the same run gives the same bytes.
#include <string>

namespace phusong {
struct RunResult;
}

namespace phusong::io {

std::string report_html(const RunResult& run);

// Writes <dir>/report.html (atomically).
void write_report_html(const std::string& dir, const RunResult& run);

}  // namespace phusong::io
