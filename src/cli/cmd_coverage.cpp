// phusong coverage: one transmitter's path loss (or received power) over a
// DEM, written as a Float32 COG; prints cells, seconds and throughput.
#include <boost/program_options.hpp>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <iostream>
#include <thread>

#include "commands.hpp"
#include "phusong/core/error.hpp"
#include "phusong/engine/coverage.hpp"
#include "phusong/engine/radial.hpp"
#include "phusong/geo/crs.hpp"
#include "phusong/io/raster_output.hpp"
#include "phusong/propagation/model.hpp"
#include "phusong/terrain/dem.hpp"

namespace po = boost::program_options;

namespace phusong::cli {

int cmd_coverage(int argc, char** argv) {
  double lat = NAN, lon = NAN, tx_h = NAN, rx_h = 1.5, freq = NAN, erp_w = NAN, radius_km = NAN, res = 0.0;
  std::string dem_path, model_name = "itm", engine = "fast", out, quantity = "loss";
  int threads = 0;
  po::options_description desc(
      "Usage: phusong coverage --dem DEM --lat LAT --lon LON --tx-height-m H --freq-mhz F --erp-w W\n"
      "                        --radius-km R --model M --out FILE.tif [options]\n\nOptions");
  desc.add_options()
      ("help,h", "this help")
      ("dem", po::value<std::string>(&dem_path), "terrain raster (any GDAL format with a CRS)")
      ("lat", po::value<double>(&lat), "transmitter latitude, WGS 84 degrees")
      ("lon", po::value<double>(&lon), "transmitter longitude, WGS 84 degrees")
      ("tx-height-m", po::value<double>(&tx_h), "antenna height above ground, m")
      ("rx-height-m", po::value<double>(&rx_h)->default_value(1.5), "receiver height above ground, m")
      ("freq-mhz", po::value<double>(&freq), "frequency, MHz")
      ("erp-w", po::value<double>(&erp_w), "effective radiated power, W (ERP, relative to a half-wave dipole)")
      ("radius-km", po::value<double>(&radius_km), "computation radius, km")
      ("model", po::value<std::string>(&model_name)->default_value("itm"), "propagation model (phusong --help)")
      ("engine", po::value<std::string>(&engine)->default_value("fast"), "fast (radial sweep) or exact")
      ("threads,j", po::value<int>(&threads)->default_value(0), "worker threads (0 = all cores)")
      ("resolution-m", po::value<double>(&res)->default_value(0.0), "grid cell size, m (0 = about the DEM's)")
      ("out,o", po::value<std::string>(&out), "output GeoTIFF (COG, Float32, NaN = no data)")
      ("quantity", po::value<std::string>(&quantity)->default_value("loss"),
       "loss (basic transmission loss, dB) or rx_dbm (received power into an isotropic antenna)");
  po::variables_map vm;
  po::store(po::command_line_parser(argc, argv).options(desc).run(), vm);
  if (vm.count("help")) {
    std::cout << desc
              << "\nComputes one transmitter's coverage on a UTM grid around it (the DEM is\n"
                 "reprojected bilinearly) and writes it as a Cloud-Optimized GeoTIFF.\n"
                 "rx_dbm = ERP (dBm) + 2.15 dB (dipole to isotropic) - loss.\n"
                 "Prints the number of cells computed, the engine's wall and CPU seconds and\n"
                 "cells per second per core (docs/performance.md).\n";
    return 0;
  }
  po::notify(vm);
  const std::string src = "command line";
  auto need = [&](double v, const char* name) {
    if (!std::isfinite(v)) throw InputError(src, name, "missing or not a number", "see phusong coverage --help");
  };
  if (dem_path.empty()) throw InputError(src, "--dem", "missing", "a terrain raster");
  if (out.empty()) throw InputError(src, "--out", "missing", "an output .tif path");
  need(lat, "--lat");
  need(lon, "--lon");
  need(tx_h, "--tx-height-m");
  need(freq, "--freq-mhz");
  need(radius_km, "--radius-km");
  if (!(radius_km > 0.0 && radius_km <= 200.0)) throw InputError(src, "--radius-km", "out of range", "0 to 200 km");
  if (engine != "fast" && engine != "exact") throw InputError(src, "--engine", "unknown value '" + engine + "'", "fast or exact");
  if (quantity != "loss" && quantity != "rx_dbm")
    throw InputError(src, "--quantity", "unknown value '" + quantity + "'", "loss or rx_dbm");
  if (quantity == "rx_dbm") {
    need(erp_w, "--erp-w");
    if (!(erp_w > 0.0)) throw InputError(src, "--erp-w", "must be positive", "> 0 W");
  }
  if (threads < 0) throw InputError(src, "--threads", "negative", "0 (all cores) or more");
  if (!(res >= 0.0 && res <= 5000.0)) throw InputError(src, "--resolution-m", "out of range", "0 to 5000 m");

  auto model = prop::make_model(model_name, src);
  prop::LinkParams link;
  link.freq_mhz = freq;
  link.tx_height_m = tx_h;
  link.rx_height_m = rx_h;
  model->check(link, src);

  const std::string crs = "EPSG:" + std::to_string(utm_epsg_for(lon, lat));
  Transformer tr(kWgs84, crs);
  const auto [x, y] = tr.forward(lon, lat);
  const double radius_m = radius_km * 1000.0;
  DemRequest req;
  req.path = dem_path;
  req.working_crs = crs;
  req.resolution_m = res;
  const double margin = radius_m + 2.0 * std::max(res, 100.0);
  req.extent = Extent{x - margin, y - margin, x + margin, y + margin};
  const Dem dem = load_dem(req);
  const Raster<float>& z = dem.elevation_m;
  if (!z.grid().contains(x, y) || std::isnan(sample_bilinear(z, x, y)))
    throw InputError(src, "--lat/--lon", "the transmitter lies outside the DEM", "a point inside the terrain raster");

  const int used_threads = threads > 0 ? threads : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  const auto t0 = std::chrono::steady_clock::now();
  const std::clock_t c0 = std::clock();
  RadialStats stats;
  Raster<float> loss = engine == "fast" ? path_loss_radial(z, x, y, *model, link, radius_m, threads, nullptr, nullptr, &stats)
                                        : path_loss_exact(z, x, y, *model, link, radius_m, threads);
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const double cpu = static_cast<double>(std::clock() - c0) / CLOCKS_PER_SEC;
  long cells = 0;
  for (float v : loss.data()) cells += std::isfinite(v);

  io::BandInfo info;
  info.metadata["model"] = model_name;
  info.metadata["engine"] = engine;
  info.metadata["freq_mhz"] = fmt_num(freq);
  info.metadata["tx_height_m"] = fmt_num(tx_h);
  info.metadata["rx_height_m"] = fmt_num(rx_h);
  if (quantity == "rx_dbm") {
    const double eirp_dbm = 10.0 * std::log10(erp_w * 1000.0) + 2.15;
    for (float& v : loss.data())
      if (std::isfinite(v)) v = static_cast<float>(eirp_dbm - v);
    info.description = "received power (isotropic receiver)";
    info.unit = "dBm";
    info.metadata["erp_w"] = fmt_num(erp_w);
  } else {
    info.description = "basic transmission loss";
    info.unit = "dB";
  }
  io::write_cog(out, loss, info, threads);
  const Grid& g = z.grid();
  std::printf("coverage: model %s, engine %s, grid %d x %d of %.1f m (%s)\n", model_name.c_str(), engine.c_str(),
              g.cols, g.rows, g.dx, crs.c_str());
  std::printf("cells %ld\nseconds %.3f (cpu %.3f, threads %d)\ncells/s/core %.0f\n", cells, wall, cpu, used_threads,
              cells / std::max(cpu, 1e-9));
  if (engine == "fast") std::printf("kernel: %s\n", stats_line(stats).c_str());
  std::printf("wrote %s\n", out.c_str());
  return 0;
}

}  // namespace phusong::cli
