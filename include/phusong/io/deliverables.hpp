#pragma once
// The files a run delivers: coverage.gpkg (villages, communes, sites, with
// default styles in layer_styles), villages.csv, summary.json, report.md.
// Every writer writes into `dir` (the run's staging folder).
#include <string>

#include <nlohmann/json.hpp>

namespace phusong {
struct RunResult;
}

namespace phusong::io {

void write_coverage_gpkg(const std::string& path, const RunResult& run);
void write_villages_csv(const std::string& path, const RunResult& run);
nlohmann::ordered_json summary_json(const RunResult& run);
std::string report_markdown(const RunResult& run);

}  // namespace phusong::io
