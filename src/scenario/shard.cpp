// Sharded runs, merge, staging folders and interrupts (scenario/shard.hpp,
// docs/distributed.md).
#include "phusong/scenario/shard.hpp"

#include <gdal_utils.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "phusong/core/checksum.hpp"
#include "phusong/core/error.hpp"
#include "phusong/core/progress.hpp"
#include "phusong/core/version.hpp"
#include "phusong/io/atomic_file.hpp"
#include "phusong/raster/gdal_raii.hpp"

namespace phusong {

namespace fs = std::filesystem;

// ---------------------------------------------------------------- interrupts

namespace {

std::atomic<bool> g_interrupted{false};
std::mutex g_staging_mu;          // guards g_staging and every commit
std::set<std::string> g_staging;  // live staging folders

std::string host_name() {
  char buf[256] = {0};
  if (gethostname(buf, sizeof buf - 1) != 0) return "host";
  std::string h;
  for (const char* p = buf; *p; ++p) {
    const char ch = *p;
    h.push_back((std::isalnum(static_cast<unsigned char>(ch)) || ch == '-') ? ch : '-');
  }
  return h.empty() ? "host" : h;
}

constexpr const char* kStagingPrefix = ".phusong-staging-";

// A staging folder of a process of this host that no longer runs.
bool stale_staging(const std::string& name, const std::string& host) {
  if (name.rfind(kStagingPrefix, 0) != 0) return false;
  const std::string rest = name.substr(std::strlen(kStagingPrefix));
  std::string pid_text = rest;
  const size_t dash = rest.rfind('-');
  if (dash != std::string::npos) {
    if (rest.substr(0, dash) != host) return false;  // another host's: left alone
    pid_text = rest.substr(dash + 1);
  }
  if (pid_text.empty() || pid_text.find_first_not_of("0123456789") != std::string::npos) return false;
  const long pid = std::stol(pid_text);
  if (pid == static_cast<long>(getpid())) return false;
  return kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH;
}

}  // namespace

bool interrupted() { return g_interrupted.load(); }

void install_interrupt_handler() {
  static std::once_flag once;
  std::call_once(once, [] {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, nullptr);
    std::thread([set] {
      int sig = 0;
      if (sigwait(&set, &sig) != 0) return;
      g_interrupted = true;
      std::lock_guard<std::mutex> lk(g_staging_mu);  // waits for a commit in progress
      std::error_code ec;
      for (const auto& d : g_staging) fs::remove_all(d, ec);
      std::fprintf(stderr, "phusong: interrupted by %s; staging folder removed, no new output written\n",
                   sig == SIGINT ? "SIGINT" : "SIGTERM");
      std::fflush(stderr);
      _exit(128 + sig);
    }).detach();
  });
}

StagingDir::StagingDir(const fs::path& out, const std::string& source) : out_(out) {
  std::error_code ec;
  if (!fs::exists(out_)) {
    fs::create_directories(out_, ec);
    if (ec) throw InputError(source, "output.dir", "cannot create folder " + out_.string(), "a writable folder");
    created_out_ = true;
  }
  const std::string host = host_name();
  for (const auto& e : fs::directory_iterator(out_, ec)) {
    if (e.is_directory() && stale_staging(e.path().filename().string(), host)) fs::remove_all(e.path(), ec);
  }
  dir_ = out_ / (kStagingPrefix + host + "-" + std::to_string(getpid()));
  fs::remove_all(dir_, ec);
  fs::create_directories(dir_, ec);
  if (ec) throw InputError(source, "output.dir", "cannot write into " + out_.string(), "a writable folder");
  std::lock_guard<std::mutex> lk(g_staging_mu);
  g_staging.insert(dir_.string());
}

StagingDir::~StagingDir() {
  std::lock_guard<std::mutex> lk(g_staging_mu);
  std::error_code ec;
  if (!dir_.empty()) {
    fs::remove_all(dir_, ec);
    g_staging.erase(dir_.string());
  }
  if (created_out_ && fs::is_empty(out_, ec)) fs::remove(out_, ec);
}

void StagingDir::commit(const std::vector<std::string>& files) {
  std::lock_guard<std::mutex> lk(g_staging_mu);
  for (const auto& f : files) {
    std::error_code ec;
    fs::rename(dir_ / f, out_ / f, ec);
    if (ec) throw Error("cannot move " + f + " into " + out_.string() + ": " + ec.message());
  }
  created_out_ = false;
}

// ---------------------------------------------------------------- shards

ShardSpec parse_shard(const std::string& text) {
  const std::string expected = "I/N with 1 <= I <= N, e.g. 2/8";
  const size_t slash = text.find('/');
  auto whole = [&](const std::string& t) {
    if (t.empty() || t.size() > 6 || t.find_first_not_of("0123456789") != std::string::npos)
      throw InputError("command line", "--shard", "'" + text + "' is not a shard", expected);
    return std::stoi(t);
  };
  if (slash == std::string::npos) throw InputError("command line", "--shard", "'" + text + "' is not a shard", expected);
  ShardSpec s{whole(text.substr(0, slash)), whole(text.substr(slash + 1))};
  if (s.count < 1 || s.index < 1 || s.index > s.count)
    throw InputError("command line", "--shard", "'" + text + "' out of range", expected);
  return s;
}

std::pair<int, int> shard_rows(int rows, const ShardSpec& s) {
  const long long r = rows;
  return {static_cast<int>(r * (s.index - 1) / s.count), static_cast<int>(r * s.index / s.count)};
}

std::string shard_folder_name(const ShardSpec& s) {
  return "shard-" + std::to_string(s.index) + "-of-" + std::to_string(s.count);
}

namespace {

constexpr const char* kManifest = "manifest.json";
constexpr int kManifestFormat = 1;

template <typename T>
GDALDataType gdal_type();
template <>
GDALDataType gdal_type<float>() { return GDT_Float32; }
template <>
GDALDataType gdal_type<std::int16_t>() { return GDT_Int16; }
template <>
GDALDataType gdal_type<std::uint8_t>() { return GDT_Byte; }

// Rows [r0, r1) of the whole grid, from `band` (which holds them), as a
// GeoTIFF on the whole grid's lattice.
template <typename T>
void write_tile(const std::string& path, const Raster<T>& band, int r0, int r1) {
  gdal_init();
  const Grid& g = band.grid();
  if (r0 < g.row0 || r1 > g.row0 + g.rows) throw Error("write_tile: rows outside the loaded band");
  const char* opts[] = {"COMPRESS=DEFLATE", "TILED=YES", nullptr};
  GdalDataset ds(GDALCreate(GDALGetDriverByName("GTiff"), path.c_str(), g.cols, r1 - r0, 1, gdal_type<T>(),
                            const_cast<char**>(opts)));
  if (!ds) throw Error("cannot create " + path + ": " + gdal_last_error());
  double gt[6];
  g.geotransform(gt);
  gt[3] = g.y_max - r0 * g.dy;
  GDALSetGeoTransform(ds.get(), gt);
  GDALSetProjection(ds.get(), g.crs_wkt.c_str());
  if (r1 > r0 && GDALRasterIO(GDALGetRasterBand(ds.get(), 1), GF_Write, 0, 0, g.cols, r1 - r0,
                              const_cast<T*>(band.row(r0 - g.row0)), g.cols, r1 - r0, gdal_type<T>(), 0, 0) != CE_None)
    throw Error("cannot write " + path + ": " + gdal_last_error());
  ds.reset();
}

// The tiles of one layer, through a VRT, onto the full grid.
template <typename T>
Raster<T> read_merged(const std::vector<std::string>& tiles, const Grid& g, T fill) {
  gdal_init();
  std::vector<const char*> names;
  for (const auto& t : tiles) names.push_back(t.c_str());
  const char* args[] = {"-srcnodata", "None", "-vrtnodata", "None", nullptr};
  GDALBuildVRTOptions* o = GDALBuildVRTOptionsNew(const_cast<char**>(args), nullptr);
  int usage = 0;
  GdalDataset vrt(GDALBuildVRT("", static_cast<int>(names.size()), nullptr, names.data(), o, &usage));
  GDALBuildVRTOptionsFree(o);
  if (!vrt) throw Error("cannot build a VRT of " + tiles.front() + ", ...: " + gdal_last_error());
  double gt[6];
  GDALGetGeoTransform(vrt.get(), gt);
  if (GDALGetRasterXSize(vrt.get()) != g.cols || GDALGetRasterYSize(vrt.get()) != g.rows ||
      std::abs(gt[0] - g.x_min) > 1e-6 * g.dx || std::abs(gt[3] - g.y_max) > 1e-6 * g.dy || gt[1] != g.dx) {
    throw Error("the shards' tiles of " + fs::path(tiles.front()).filename().string() +
                " do not make up the scenario's grid (" + std::to_string(GDALGetRasterXSize(vrt.get())) + " x " +
                std::to_string(GDALGetRasterYSize(vrt.get())) + " cells, expected " + std::to_string(g.cols) + " x " +
                std::to_string(g.rows) + ")");
  }
  Raster<T> r(g, fill);
  if (GDALRasterIO(GDALGetRasterBand(vrt.get(), 1), GF_Read, 0, 0, g.cols, g.rows, r.data().data(), g.cols, g.rows,
                   gdal_type<T>(), 0, 0) != CE_None)
    throw Error("cannot read the merged " + fs::path(tiles.front()).filename().string() + ": " + gdal_last_error());
  return r;
}

// Composite layers as tile files: prefix.best_dbm.tif, .best_cell.tif, .count.tif.
std::vector<std::string> composite_files(const std::string& prefix) {
  return {prefix + ".best_dbm.tif", prefix + ".best_cell.tif", prefix + ".count.tif"};
}

// Every composite of a run with the file prefix of its tiles.
std::vector<std::pair<std::string, Composite*>> composites_of(RunResult& run) {
  std::vector<std::pair<std::string, Composite*>> out{{"all", &run.composite}};
  for (auto& gr : run.by_carrier) out.emplace_back("carrier-" + gr.key, &gr.composite);
  for (auto& gr : run.by_technology) out.emplace_back("technology-" + gr.key, &gr.composite);
  return out;
}

// The files a result depends on: scenario, terrain, sites, villages,
// communes, land cover, antenna patterns (name -> path).
std::map<std::string, std::string> input_files(const Scenario& s, const Inputs* in) {
  std::map<std::string, std::string> f;
  auto add = [&](const std::string& key, const std::string& p) {
    if (!p.empty()) f[key] = fs::absolute(p).lexically_normal().string();
  };
  add("scenario", s.file);
  add("dem", s.dem_path);
  add("sites", s.sites_path);
  for (size_t i = 0; i < s.extra_sites_paths.size(); ++i) add("sites_" + std::to_string(i + 2), s.extra_sites_paths[i]);
  add("villages", s.villages_path);
  add("communes", s.communes_path);
  if (s.clutter.present) add("clutter", s.clutter.raster_path);
  if (in) {
    for (const auto* list : {&in->cells, &in->other_cells})
      for (const auto& c : *list)
        if (!c.pattern_path.empty()) add("pattern " + fs::path(c.pattern_path).filename().string(), c.pattern_path);
  }
  return f;
}

nlohmann::json read_manifest(const fs::path& dir) {
  std::ifstream in(dir / kManifest);
  if (!in) return nullptr;
  try {
    return nlohmann::json::parse(in);
  } catch (const std::exception&) {
    return nullptr;
  }
}

}  // namespace

std::string verify_shard(const std::string& dir, const Scenario& s, const ShardSpec& spec) {
  const nlohmann::json m = read_manifest(dir);
  if (m.is_null()) return "no readable " + std::string(kManifest);
  try {
    if (m.at("format").get<int>() != kManifestFormat) return "manifest format differs";
    if (m.at("software").at("version").get<std::string>() != kVersion) return "made by another phusong version";
    if (m.at("shard").at("index").get<int>() != spec.index || m.at("shard").at("count").get<int>() != spec.count)
      return "manifest is of shard " + std::to_string(m.at("shard").at("index").get<int>()) + "/" +
             std::to_string(m.at("shard").at("count").get<int>());
    // Every input the scenario names now, and every input recorded, unchanged.
    const auto now = input_files(s, nullptr);
    const auto& rec = m.at("inputs");
    for (const auto& [key, path] : now) {
      if (!rec.contains(key) || rec.at(key).at("path").get<std::string>() != path) return "input " + key + " differs";
    }
    for (const auto& [key, v] : rec.items()) {
      const std::string p = v.at("path").get<std::string>();
      if (!fs::exists(p)) return "input " + key + " (" + p + ") is missing";
      if (sha256_file(p) != v.at("sha256").get<std::string>()) return "input " + key + " changed (checksum)";
    }
    for (const auto& o : m.at("outputs")) {
      const fs::path p = fs::path(dir) / o.at("file").get<std::string>();
      if (!fs::exists(p)) return "output " + p.filename().string() + " is missing";
      if (sha256_file(p.string()) != o.at("sha256").get<std::string>())
        return "output " + p.filename().string() + " changed (checksum)";
    }
  } catch (const std::exception& e) {
    return std::string("manifest incomplete: ") + e.what();
  }
  return "";
}

ShardRunResult run_shard(const Scenario& s_in, const RunOptions& opt, const ShardSpec& spec, bool resume) {
  ShardRunResult res;
  Scenario s = s_in;
  if (!opt.out_dir.empty()) s.out_dir = opt.out_dir;
  res.dir = s.out_dir;
  if (resume) {
    res.resume_note = verify_shard(res.dir, s, spec);
    if (res.resume_note.empty()) {
      const nlohmann::json m = read_manifest(res.dir);
      res.reused = true;
      res.rows_first = m["rows"][0].get<int>();
      res.rows_end = m["rows"][1].get<int>();
      res.cells_computed = m["cells_computed"].get<int>();
      log_info(opt.quiet, "phusong: shard " + std::to_string(spec.index) + "/" + std::to_string(spec.count) +
                              " finished and verified in " + res.dir + "; reused");
      return res;
    }
  }
  // Only the tile's rows and a margin are loaded and computed: twice the
  // radius (a cell reaching the tile lies within one radius of it, and the
  // fast engine's rays span its whole square around it), plus slack.  The
  // band's cells get the whole grid's values (Grid::row0, raster/warp.hpp),
  // so memory follows the tile, not the area.
  const double rad = s.radius_km * 1000.0;
  RunOptions bopt = opt;
  bopt.dem_rows = [&](const Grid& whole) {
    const auto [t0, t1] = shard_rows(whole.rows, spec);
    const int margin = static_cast<int>(std::ceil(2.0 * rad / whole.dy)) + 4;
    return std::pair<int, int>{std::max(0, t0 - margin), std::min(whole.rows, t1 + margin)};
  };
  RunStages stg;
  prepare_run(stg, s, bopt);
  RunResult& run = stg.run;
  const Grid& whole = run.inputs.dem.info.whole_grid;
  const Grid& band = run.inputs.dem.elevation_m.grid();
  // (plain ints: clang before 16 cannot capture structured bindings)
  const std::pair<int, int> tile = shard_rows(whole.rows, spec);
  const int r0 = tile.first, r1 = tile.second;
  res.rows_first = r0;
  res.rows_end = r1;
  // A cell (sector) takes part when its radius reaches a row of the tile (one
  // row of slack: a cell that reaches nothing there changes nothing).
  auto keep = [&](const radio::Cell& c) {
    const int top = static_cast<int>(std::floor(whole.row_f(c.y + rad))) - 1;
    const int bottom = static_cast<int>(std::floor(whole.row_f(c.y - rad))) + 1;
    return bottom >= r0 && top < r1;
  };
  for (const auto* list : {&run.inputs.cells, &run.inputs.other_cells})
    for (const auto& c : *list) res.cells_computed += keep(c) ? 1 : 0;
  log_info(opt.quiet, "phusong: shard " + std::to_string(spec.index) + "/" + std::to_string(spec.count) + ": rows " +
                          std::to_string(r0) + ".." + std::to_string(r1 - 1) + " of " + std::to_string(whole.rows) +
                          " (terrain rows " + std::to_string(band.row0) + ".." + std::to_string(band.row0 + band.rows - 1) +
                          "), " + std::to_string(res.cells_computed) + " cells (sectors) reach it");
  StagingDir st(res.dir, s.file);
  compute_run(stg, opt, keep);
  compute_sinr(stg);
  res.compute_seconds = run.compute_seconds;

  std::vector<std::string> files;
  for (auto& [prefix, comp] : composites_of(run)) {
    const auto names = composite_files(prefix);
    write_tile((st.path() / names[0]).string(), comp->best_dbm, r0, r1);
    write_tile((st.path() / names[1]).string(), comp->best_cell, r0, r1);
    write_tile((st.path() / names[2]).string(), comp->count, r0, r1);
    files.insert(files.end(), names.begin(), names.end());
  }
  if (run.scenario.sinr.present) {
    write_tile((st.path() / "sinr_db.tif").string(), run.sinr_db, r0, r1);
    files.push_back("sinr_db.tif");
  }
  nlohmann::ordered_json m;
  m["format"] = kManifestFormat;
  m["software"] = {{"name", "phusong"}, {"version", kVersion}};
  m["shard"] = {{"index", spec.index}, {"count", spec.count}};
  m["rows"] = {r0, r1};
  m["terrain_rows"] = {band.row0, band.row0 + band.rows};  // the band loaded: tile and margin
  m["grid"] = {{"rows", whole.rows}, {"cols", whole.cols}, {"x_min", whole.x_min}, {"y_max", whole.y_max},
               {"dx", whole.dx}, {"dy", whole.dy}};
  nlohmann::ordered_json ins;
  for (const auto& [key, path] : input_files(run.scenario, &run.inputs))
    ins[key] = {{"path", path}, {"sha256", sha256_file(path)}};
  m["inputs"] = ins;
  m["cells_computed"] = res.cells_computed;
  nlohmann::ordered_json outs = nlohmann::ordered_json::array();
  for (const auto& f : files) outs.push_back({{"file", f}, {"sha256", sha256_file((st.path() / f).string())}});
  m["outputs"] = outs;
  io::write_text_file_atomic((st.path() / kManifest).string(), m.dump(2) + "\n");
  // The old manifest goes first: a folder is finished only once the new one is in.
  std::error_code ec;
  fs::remove(fs::path(res.dir) / kManifest, ec);
  files.push_back(kManifest);
  st.commit(files);
  return res;
}

RunResult merge_shards(const std::vector<std::string>& dirs, const MergeOptions& opt) {
  if (dirs.empty()) throw InputError("command line", "RUN_DIRS", "missing", "the folders of shards 1..N");
  if (opt.out_dir.empty()) throw InputError("command line", "--out", "missing", "an output folder");
  // Shards 1..N of one scenario, each once.
  int count = 0;
  std::string scenario_path, scenario_sha;
  std::map<int, std::string> by_index;
  for (const auto& d : dirs) {
    const nlohmann::json m = read_manifest(d);
    if (m.is_null()) throw InputError(d, kManifest, "missing or unreadable", "a finished shard folder (phusong run --shard I/N)");
    const int i = m["shard"]["index"].get<int>(), n = m["shard"]["count"].get<int>();
    const std::string sp = m["inputs"]["scenario"]["path"].get<std::string>();
    const std::string sh = m["inputs"]["scenario"]["sha256"].get<std::string>();
    if (count == 0) {
      count = n;
      scenario_path = sp;
      scenario_sha = sh;
    }
    if (n != count) throw InputError(d, "shard", "is of " + std::to_string(n) + " shards, another folder of " + std::to_string(count), "shards of one split");
    if (sh != scenario_sha) throw InputError(d, "scenario", "differs from the other shards' (" + sp + ")", "shards of one scenario");
    if (!by_index.emplace(i, d).second) throw InputError(d, "shard", "shard " + std::to_string(i) + " given twice (also " + by_index[i] + ")", "each shard once");
  }
  std::string missing;
  for (int i = 1; i <= count; ++i)
    if (!by_index.count(i)) missing += (missing.empty() ? "" : ", ") + std::to_string(i);
  if (!missing.empty()) throw InputError("command line", "RUN_DIRS", "shard(s) " + missing + " of " + std::to_string(count) + " missing", "the folders of every shard 1.." + std::to_string(count));
  const Scenario s = load_scenario(opt.scenario_path.empty() ? scenario_path : opt.scenario_path);
  for (const auto& [i, d] : by_index) {
    const std::string why = verify_shard(d, s, ShardSpec{i, count});
    if (!why.empty()) throw InputError(d, kManifest, "shard " + std::to_string(i) + " does not verify: " + why, "a finished shard of this scenario (re-run it)");
  }
  RunOptions ro;
  ro.out_dir = opt.out_dir;
  ro.threads = opt.threads;
  ro.quiet = opt.quiet;
  RunStages stg;
  prepare_run(stg, s, ro);
  RunResult& run = stg.run;
  const Raster<float>& dem = run.inputs.dem.elevation_m;
  const Grid& g = dem.grid();
  // Every row once: the manifests' rows tile the grid.
  for (const auto& [i, d] : by_index) {
    const nlohmann::json m = read_manifest(d);
    const auto want = shard_rows(g.rows, ShardSpec{i, count});
    if (m["grid"]["rows"].get<int>() != g.rows || m["grid"]["cols"].get<int>() != g.cols ||
        m["rows"][0].get<int>() != want.first || m["rows"][1].get<int>() != want.second)
      throw InputError(d, kManifest, "grid or rows differ from the scenario's grid now", "shards of this scenario's grid");
  }
  StagingDir st(run.out_dir, s.file);
  // Ground heights at the sites, as the engine sets them.
  for (auto& c : run.inputs.cells) c.ground_m = sample_bilinear(dem, c.x, c.y);
  for (auto& [prefix, comp] : composites_of(run)) {
    const auto names = composite_files(prefix);
    std::vector<std::string> t0, t1, t2;
    for (const auto& [i, d] : by_index) {
      t0.push_back((fs::path(d) / names[0]).string());
      t1.push_back((fs::path(d) / names[1]).string());
      t2.push_back((fs::path(d) / names[2]).string());
    }
    comp->best_dbm = read_merged<float>(t0, g, kNoDataF);
    comp->best_cell = read_merged<std::int16_t>(t1, g, -1);
    comp->count = read_merged<std::uint8_t>(t2, g, 0);
  }
  if (s.sinr.present) {
    std::vector<std::string> t;
    for (const auto& [i, d] : by_index) t.push_back((fs::path(d) / "sinr_db.tif").string());
    run.sinr_noise_bandwidth_hz = sinr_noise_bandwidth_hz(run.scenario);
    run.sinr_noise_dbm = sinr_noise_dbm(run.scenario);
    run.sinr_db = read_merged<float>(t, g, kNoDataF);
  }
  analyse_run(stg);
  write_run_outputs(stg, st);
  return std::move(stg.run);
}

}  // namespace phusong
