#pragma once
// The propagation-model interface.  A model maps a terrain profile and the
// link parameters to a basic transmission loss.  Every model lives in its own
// file (src/propagation/<model>.cpp), cites its recommendation, and is listed
// in the registry (registry.cpp).  Models are pure: loss() never throws and
// never touches global state, so the engine may call it from any thread.
#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace phusong::prop {

// A terrain profile from the transmitter (index 0) to the receiver (last).
// distance_m is strictly increasing from 0; height_m is terrain above the
// vertical datum.  clutter_m / zone are optional per-sample attributes (same
// length as height_m, or empty) used by models that know them (P.1812).
struct Profile {
  std::vector<double> distance_m;
  std::vector<double> height_m;
  std::vector<double> clutter_m;
  std::vector<int> zone;  // ITU-R P.1812 zones: 1 sea, 3 coastal land, 4 inland

  std::size_t size() const { return height_m.size(); }
  double length_m() const { return distance_m.empty() ? 0.0 : distance_m.back(); }
  void clear() { distance_m.clear(); height_m.clear(); clutter_m.clear(); zone.clear(); }
  // Fills an equally spaced profile (ITM's PFL form).
  static Profile uniform(double step_m, std::vector<double> heights);
};

enum class Polarization { Horizontal = 0, Vertical = 1 };

// Okumura-Hata / COST-231 environment classes.
enum class Environment { Urban, LargeCity, Suburban, Open };

// The scenario's and the CLI's names: urban, large_city, suburban, open
// ("rural" reads as open).
const char* environment_name(Environment e);
std::optional<Environment> parse_environment(std::string_view name);

struct LinkParams {
  double freq_mhz = 1800.0;
  double tx_height_m = 30.0;   // antenna above ground at the transmitter
  double rx_height_m = 1.5;    // antenna above ground at the receiver
  Polarization pol = Polarization::Vertical;
  int climate = 1;             // ITM radio climate 1..7 (1 = equatorial)
  double n0 = 301.0;           // surface refractivity, N-units
  double eps = 15.0;           // relative permittivity of ground
  double sigma = 0.005;        // ground conductivity, S/m
  double time_pct = 50.0;
  double location_pct = 50.0;
  double situation_pct = 50.0;
  int mdvar = 12;              // ITM variability mode 0..3 (+10 no location, +20 no situation variability); 12 as ITS p2p
  double k_factor = 4.0 / 3.0; // effective earth-radius factor for geometric models
  Environment environment = Environment::Open;
  // ITU-R P.1812-6 inputs (read by the "p1812" model; N0 is n0 above):
  double delta_n = 45.0;       // ΔN, average radio-refractivity lapse rate through the
                               // lowest 1 km of the atmosphere, N-units/km (P.1812-6 §3.5)
  double lat_deg = 16.0;       // latitude of the path centre, degrees (P.1812-6 §3.5, β0)
  double location_sigma_db = 0.0;  // σL, location variability std. dev., dB (P.1812-6 §4.7);
                                   // 0: location_pct has no effect
};

// Warning bits a model may raise (parameters outside its validity range).
enum Warning : std::uint32_t {
  kWarnNone = 0,
  kWarnFrequency = 1u << 0,
  kWarnDistance = 1u << 1,
  kWarnTxHeight = 1u << 2,
  kWarnRxHeight = 1u << 3,
  kWarnTerrain = 1u << 4,
  kWarnOther = 1u << 5,
};

enum class Mode : int { None = 0, LineOfSight = 1, Diffraction = 2, Troposcatter = 3 };

struct PathLoss {
  double loss_db = 0.0;  // basic transmission loss; NaN when undefined
  Mode mode = Mode::None;
  std::uint32_t warnings = kWarnNone;
  // Set only by a RayKernel's query(): the cell is ill-conditioned for the
  // ray's approximation (a small change of the terrain samples would change
  // the loss by decibels), so the radial engine computes it as the exact
  // engine does instead (loss_db is then ignored).
  bool exact_needed = false;
};

// Incremental evaluation along a ray (optional fast path of the radial
// engine, engine/radial.hpp).  The engine walks outward from the transmitter:
// begin() starts a ray, push() appends the next terrain sample, query() asks
// for the loss to a receiver beyond the last sample.  The profile of a query
// is the transmitter sample, every sample pushed since begin(), and the
// receiver (distance_m, ground_m).  A kernel belongs to one thread; it may
// keep any state (that is its purpose) but never throws.  Results should
// agree with Model::loss() on the same profile within the bound the radial
// agreement test checks (99 % of cells within 1 dB, none beyond 6 dB).
class RayKernel {
 public:
  virtual ~RayKernel() = default;
  // A new ray; tx_ground_m is the terrain at the transmitter (distance 0).
  virtual void begin(double tx_ground_m) noexcept = 0;
  // Appends the next terrain sample; distances strictly increase and are > 0.
  virtual void push(double distance_m, double height_m) noexcept = 0;
  // Appends samples first .. end-1 of a ray sampled every step_m metres
  // (sample i at i * step_m, height z[i]); the same as push() for each, which
  // is what the default does.  A kernel may override it to save the call per
  // sample.
  virtual void push_samples(const double* z, int first, int end, double step_m) noexcept {
    for (int i = first; i < end; ++i) push(i * step_m, z[i]);
  }
  // Loss to a receiver at distance_m (> the last pushed distance) on ground ground_m.
  virtual PathLoss query(double distance_m, double ground_m) noexcept = 0;
  // False when the kernel ignores push() (a distance-only model): the engine
  // may then skip sampling the ray where it knows no sample is unknown.
  virtual bool uses_samples() const noexcept { return true; }
  // The distance from the transmitter, m, beyond which the kernel never
  // reads a sample, whatever the receiver's distance (Hata's section ends
  // 15 km out).  Where the engine knows no sample of the ray is unknown it
  // may then stop pushing once a pushed sample lies beyond it; queries go on
  // with the samples pushed so far.  A kernel with a finite reach takes no
  // cell tail (tail_samples() = 0).
  virtual double reach_m() const noexcept { return std::numeric_limits<double>::infinity(); }

  // A kernel that corrects for the cell lying beside the ray, or bounds its
  // own error (and answers exact_needed where the bound is too large), may
  // ask for more inputs.  When wants_slopes() is true the engine also calls
  // push_slopes() for every sample pushed (the same indices as
  // push_samples(); slope[i] bounds the terrain's slope, m/m, within the DEM
  // cell holding sample i; lateral[i] is the bilinear surface's derivative
  // there across the ray, m/m, towards the ray's left) and, before each
  // query(), cell_offset() with the receiver cell centre's signed distance
  // from the ray, m (positive to the left).
  virtual bool wants_slopes() const noexcept { return false; }
  virtual void push_slopes(const double* /*slope*/, const double* /*lateral*/, int /*first*/,
                           int /*end*/) noexcept {}
  virtual void cell_offset(double /*offset_m*/) noexcept {}
  // A kernel that bounds the terrain of a cell's own line from the ray's
  // samples (rather than estimating it) may also ask, with
  // wants_neighbourhood_slopes(), for push_neighbourhood_slopes() after each
  // push_slopes() (the same indices): slope5[i] bounds the terrain
  // gradient's length, m/m, over the 5 x 5 bilinear squares around sample
  // i's (squares between four DEM cell centres; fewer at the grid's edges),
  // so that |z(P) - z(Q)| <= slope5[i] |P - Q| for any point Q within 1.5
  // grid steps of sample i's position P: a bound of the terrain anywhere on
  // the line to a cell the ray owns (that line passes at most half a cell
  // beside the ray, and samples at most one step apart from it).
  virtual bool wants_neighbourhood_slopes() const noexcept { return false; }
  virtual void push_neighbourhood_slopes(const double* /*slope5*/, int /*first*/, int /*end*/) noexcept {}

  // A kernel that takes the last samples before the receiver from the
  // cell's own line (the straight profile the exact engine samples, on
  // which the knife-edge models depend most) rather than from the ray
  // returns how many it wants.  Before each query() the engine then calls
  // cell_tail() with the heights of the last `count` interior samples of
  // that profile: `total` interior samples, sample i at the fraction
  // i / (total + 1) of the straight line from the transmitter to the cell
  // centre (extract_profile's samples at the grid step: total is the number
  // of ray samples pushed, or one more), count <= min(wanted, total) and
  // total - count <= the samples pushed; the kernel's profile is then the
  // ray's first total - count samples and the tail.  count = 0 when that
  // line crosses unknown terrain.
  virtual int tail_samples() const noexcept { return 0; }
  virtual void cell_tail(const double* /*height_m*/, int /*count*/, int /*total*/) noexcept {}
  // With the tail, the same profile's height at any interior sample i
  // (1 .. total), for the few samples a kernel needs beyond the tail (a
  // horizon that the ray's samples leave in doubt); null when the tail is
  // not offered.  Valid until the next cell_tail().
  class CellLine {
   public:
    virtual ~CellLine() = default;
    virtual double height_m(int i) const noexcept = 0;
  };
  virtual void cell_line(const CellLine* /*line*/) noexcept {}

  // Before each query() when the caller bounds what it needs (the radial
  // engine's loss ceiling, engine/radial.hpp): the loss, dB, above which the
  // cell's value does not matter (+infinity: it always matters).  A kernel
  // that can show cheaply that its loss for the next query would exceed it
  // may answer loss_db = +infinity instead of computing it; it must not do so
  // otherwise.  Valid for the next query() only.
  virtual void loss_ceiling(double /*ceiling_db*/) noexcept {}
  // Before cell_tail(), with the ceiling and cell_offset() already given,
  // when the engine will offer the cell's own line (`total` interior
  // samples, as cell_tail() would say): true when the kernel can show from
  // the ray's state alone that the cell's loss exceeds the ceiling.  The
  // engine then writes the cell as beyond the ceiling (+infinity) without
  // reading its line or calling query().  As for query() under a ceiling,
  // a kernel must answer true only where it can show that the loss exceeds
  // the ceiling.
  virtual bool beyond_ceiling(double /*distance_m*/, double /*ground_m*/, int /*total*/) noexcept { return false; }

  // For profiling (the radial engine's RadialStats): how many line-bound
  // tests (of a sample or of a block of samples) this kernel has made since
  // it was made; 0 for kernels without line searches.
  virtual long bound_tests() const noexcept { return 0; }
};

class Model {
 public:
  virtual ~Model() = default;
  virtual std::string_view name() const = 0;
  // One line for --help and docs.
  virtual std::string_view description() const = 0;
  // Validates parameters before any parallel work; throws InputError naming
  // the field and the allowed range.  `source` names where they came from.
  virtual void check(const LinkParams& p, const std::string& source) const = 0;
  // Basic transmission loss over the profile.  Never throws.
  virtual PathLoss loss(const Profile& profile, const LinkParams& p) const noexcept = 0;
  // True when the model reads the terrain between the ends (false: distance only).
  virtual bool uses_terrain() const { return true; }
  // An incremental kernel for the radial engine, or null (the engine then
  // calls loss() on each receiver's profile).  Built-in models get theirs from
  // make_ray_kernel() (engine/radial.hpp); a new model may override this.
  virtual std::unique_ptr<RayKernel> ray_kernel(const LinkParams&) const { return nullptr; }
};

// Registry of the built-in models.
std::unique_ptr<Model> make_model(const std::string& name, const std::string& source = "model");
std::vector<std::string> model_names();

// ---- shared physics ---------------------------------------------------------
inline constexpr double kEarthRadiusM = 6371000.0;
inline constexpr double kSpeedOfLight = 299792458.0;
double wavelength_m(double freq_mhz);
// Free-space basic transmission loss, ITU-R P.525-4 eq. (7): 20 log(4πd/λ).
double fspl_db(double freq_mhz, double distance_m);
// Knife-edge diffraction loss J(v), ITU-R P.526-15 eq. (31); 0 for v <= -0.78.
double knife_edge_j_db(double v);
// Exact J(v) from the Fresnel integrals, ITU-R P.526-15 eq. (30) (fresnel.cpp).
double knife_edge_j_exact_db(double v);

}  // namespace phusong::prop
