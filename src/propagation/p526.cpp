// ITU-R P.526-15 diffraction: knife edge, Bullington, spherical earth,
// delta-Bullington and the three-edge Deygout construction, plus the "p526"
// model (P.525 free space + delta-Bullington diffraction over the profile).
//
// Written from the text of the recommendations:
//   ITU-R P.526-15 (10/2019) §3.1.1 (first-term residue series), §3.2
//   (spherical earth, any distance), §4.1 (knife edge, eq. (31)) and §4.5
//   (delta-Bullington); the identical algorithm with equation numbers as
//   cited below is ITU-R P.1812-6 §4.3.1-§4.3.4 eqs. (13)-(38) and Attachment 1
//   §5 eqs. (85)-(89), and ITU-R P.452-18 §4.2.
#include "phusong/propagation/p526.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "phusong/core/error.hpp"
#include "phusong/propagation/models.hpp"

namespace phusong::prop::p526 {

namespace {

constexpr double kPi = 3.14159265358979323846;
constexpr double kNegInf = -std::numeric_limits<double>::infinity();

// Wavelength in metres for a frequency in GHz (c = 299792458 m/s).
inline double lambda_m(double freq_ghz) { return 0.299792458 / freq_ghz; }

}  // namespace

// ---------------------------------------------------------------------------
// Bullington construction, P.1812-6 §4.3.1 eqs. (13)-(21):
//   Ce = 1/ae                                               (effective curvature)
//   Stim = max[(hi + 500 Ce di (d - di) - hts) / di]
//   Str  = (hrs - hts) / d
//   LoS (Stim < Str):
//     vmax = max[(hi + 500 Ce di(d-di) - (hts(d-di) + hrs di)/d)
//                · sqrt(0.002 d / (λ di (d - di)))]
//   trans-horizon:
//     Srim = max[(hi + 500 Ce di(d-di) - hrs) / (d - di)]
//     dbp  = (hrs - hts + Srim d) / (Stim + Srim)
//     vb   = (hts + Stim dbp - (hts(d - dbp) + hrs dbp)/d)
//            · sqrt(0.002 d / (λ dbp (d - dbp)))
//   Luc = J(v), the P.526 approximation eq. (31)
//   Lbull = Luc + (1 - exp(-Luc/6)) (10 + 0.02 d)             eq. (21)
Bullington bullington(std::span<const double> d_km, const double* h_m, double hts_m,
                      double hrs_m, double ae_km, double freq_ghz) {
  Bullington b;
  const std::size_t n = d_km.size();
  if (n < 2) return b;
  const double d = d_km[n - 1] - d_km[0];
  if (!(d > 0.0)) return b;
  const double ce = 1.0 / ae_km;
  const double lambda = lambda_m(freq_ghz);
  auto height = [&](std::size_t i) {
    const double di = d_km[i] - d_km[0];
    return (h_m ? h_m[i] : 0.0) + 500.0 * ce * di * (d - di);
  };
  b.str = (hrs_m - hts_m) / d;
  b.stim = kNegInf;
  std::size_t istim = 0;
  for (std::size_t i = 1; i + 1 < n; ++i) {
    const double di = d_km[i] - d_km[0];
    const double sl = (height(i) - hts_m) / di;
    if (sl > b.stim) {
      b.stim = sl;
      istim = i;
    }
  }
  if (n < 3) {
    // No interior point: nothing obstructs, Luc = 0.
    b.line_of_sight = true;
    b.v = kNegInf;
    return b;
  }
  if (b.stim < b.str) {
    b.line_of_sight = true;
    b.v = kNegInf;
    for (std::size_t i = 1; i + 1 < n; ++i) {
      const double di = d_km[i] - d_km[0];
      const double hi = height(i) - (hts_m * (d - di) + hrs_m * di) / d;
      const double v = hi * std::sqrt(0.002 * d / (lambda * di * (d - di)));
      if (v > b.v) {
        b.v = v;
        b.edge = i;
      }
    }
    b.dbp_km = d_km[b.edge] - d_km[0];
    b.hbp_m = height(b.edge);
  } else {
    double srim = kNegInf;
    for (std::size_t i = 1; i + 1 < n; ++i) {
      const double di = d_km[i] - d_km[0];
      const double sl = (height(i) - hrs_m) / (d - di);
      srim = std::max(srim, sl);
    }
    b = bullington_trans_horizon(b.stim, srim, d, hts_m, hrs_m, freq_ghz);
    b.edge = istim;
    return b;
  }
  b.luc_db = knife_edge_j_db(b.v);
  b.loss_db = b.luc_db + (1.0 - std::exp(-b.luc_db / 6.0)) * (10.0 + 0.02 * d);
  return b;
}

Bullington bullington_trans_horizon(double stim, double srim, double d_km, double hts_m, double hrs_m,
                                    double freq_ghz) {
  Bullington b;
  const double d = d_km;
  b.line_of_sight = false;
  b.str = (hrs_m - hts_m) / d;
  b.stim = stim;
  b.srim = srim;
  b.dbp_km = (hrs_m - hts_m + b.srim * d) / (b.stim + b.srim);  // dbp
  b.hbp_m = hts_m + b.stim * b.dbp_km;
  b.v = (b.hbp_m - (hts_m * (d - b.dbp_km) + hrs_m * b.dbp_km) / d) *
        std::sqrt(0.002 * d / (lambda_m(freq_ghz) * b.dbp_km * (d - b.dbp_km)));  // vb
  b.luc_db = knife_edge_j_db(b.v);
  b.loss_db = b.luc_db + (1.0 - std::exp(-b.luc_db / 6.0)) * (10.0 + 0.02 * d);  // eq. (21)
  return b;
}

// ---------------------------------------------------------------------------
// First-term spherical-earth diffraction, P.1812-6 §4.3.3 (P.526-15 §3.1.1
// with X, Y in the normalised units for f in GHz, distances in km):
//   KH = 0.036 (adft f)^(-1/3) [(εr - 1)² + (18σ/f)²]^(-1/4)
//   KV = KH [εr² + (18σ/f)²]^(1/2)
//   βdft = (1 + 1.6K² + 0.67K⁴) / (1 + 4.5K² + 1.53K⁴)
//   X = 21.88 βdft (f/adft²)^(1/3) d,  Y = 0.9575 βdft (f²/adft)^(1/3) h
//   F(X) = 11 + 10 log X - 17.6 X (X >= 1.6), -20 log X - 5.6488 X^1.425 else
//   G(Y) = 17.6 (B - 1.1)^0.5 - 5 log(B - 1.1) - 8 (B > 2), 20 log(B + 0.1 B³)
//          else, B = βdft Y; G(Y) >= 2 + 20 log K
//   Ldft = -F(X) - G(Yt) - G(Yr)
double first_term_one_db(double d_km, double hte_m, double hre_m, double adft_km,
                         double freq_ghz, Ground ground, Polarization pol) {
  const double f = freq_ghz;
  const double q = 18.0 * ground.sigma_s_m / f;
  const double er = ground.eps_r;
  const double kh = 0.036 * std::pow(adft_km * f, -1.0 / 3.0) *
                    std::pow((er - 1.0) * (er - 1.0) + q * q, -0.25);
  const double k = pol == Polarization::Horizontal ? kh : kh * std::sqrt(er * er + q * q);
  const double k2 = k * k, k4 = k2 * k2;
  const double beta = (1.0 + 1.6 * k2 + 0.67 * k4) / (1.0 + 4.5 * k2 + 1.53 * k4);
  const double x = 21.88 * beta * std::cbrt(f / (adft_km * adft_km)) * d_km;
  const double y = 0.9575 * beta * std::cbrt(f * f / adft_km);
  const double fx = x >= 1.6 ? 11.0 + 10.0 * std::log10(x) - 17.6 * x
                             : -20.0 * std::log10(x) - 5.6488 * std::pow(x, 1.425);
  const double gmin = 2.0 + 20.0 * std::log10(k);
  auto g = [&](double h) {
    const double bb = beta * y * h;
    const double gv = bb > 2.0 ? 17.6 * std::sqrt(bb - 1.1) - 5.0 * std::log10(bb - 1.1) - 8.0
                               : 20.0 * std::log10(bb + 0.1 * bb * bb * bb);
    return std::max(gv, gmin);
  };
  return -fx - g(hte_m) - g(hre_m);
}

double first_term_db(double d_km, double hte_m, double hre_m, double adft_km, double freq_ghz,
                     double omega, Polarization pol, Ground land) {
  double l = 0.0;
  if (omega > 0.0) l += omega * first_term_one_db(d_km, hte_m, hre_m, adft_km, freq_ghz, kSea, pol);
  if (omega < 1.0)
    l += (1.0 - omega) * first_term_one_db(d_km, hte_m, hre_m, adft_km, freq_ghz, land, pol);
  return l;
}

// Spherical-earth diffraction loss, P.1812-6 §4.3.2 eqs. (22)-(27) (P.526-15 §3.2):
//   dlos = sqrt(2 ap) (sqrt(0.001 hte) + sqrt(0.001 hre))
//   d >= dlos: Ldsph = Ldft(ap, d)
//   else  c = (hte - hre)/(hte + hre),  m = 250 d² / (ap (hte + hre))
//         b = 2 sqrt((m+1)/(3m)) cos(π/3 + acos(3c/2 sqrt(3m/(m+1)³))/3)
//         dse1 = d(1 + b)/2,  dse2 = d - dse1
//         hse = ((hte - 500 dse1²/ap) dse2 + (hre - 500 dse2²/ap) dse1) / d
//         hreq = 17.456 sqrt(dse1 dse2 λ / d)
//         hse > hreq: Ldsph = 0; else aem = 500 (d/(√hte + √hre))²,
//         Ldsph = (1 - hse/hreq) Ldft(aem, d), 0 if Ldft < 0          eq. (27)
SphericalEarth spherical_earth(double d_km, double hte_m, double hre_m, double ap_km,
                               double freq_ghz, double omega, Polarization pol, Ground land) {
  SphericalEarth r;
  const double d = d_km;
  hte_m = std::max(hte_m, 0.0);
  hre_m = std::max(hre_m, 0.0);
  r.dlos_km = std::sqrt(2.0 * ap_km) * (std::sqrt(0.001 * hte_m) + std::sqrt(0.001 * hre_m));
  if (d >= r.dlos_km) {
    r.beyond_horizon = true;
    r.loss_db = first_term_db(d, hte_m, hre_m, ap_km, freq_ghz, omega, pol, land);
    return r;
  }
  const double hsum = hte_m + hre_m;
  if (!(hsum > 0.0)) return r;
  const double c = (hte_m - hre_m) / hsum;
  const double m = 250.0 * d * d / (ap_km * hsum);
  const double arg = std::clamp(1.5 * c * std::sqrt(3.0 * m / std::pow(m + 1.0, 3.0)), -1.0, 1.0);
  const double b = 2.0 * std::sqrt((m + 1.0) / (3.0 * m)) *
                   std::cos(kPi / 3.0 + std::acos(arg) / 3.0);
  const double dse1 = d * (1.0 + b) / 2.0;
  const double dse2 = d - dse1;
  r.hse_m = ((hte_m - 500.0 * dse1 * dse1 / ap_km) * dse2 +
             (hre_m - 500.0 * dse2 * dse2 / ap_km) * dse1) / d;
  r.hreq_m = 17.456 * std::sqrt(dse1 * dse2 * lambda_m(freq_ghz) / d);
  if (r.hse_m > r.hreq_m) return r;
  const double s = std::sqrt(hte_m) + std::sqrt(hre_m);
  const double aem = 500.0 * (d / s) * (d / s);
  const double ldft = first_term_db(d, hte_m, hre_m, aem, freq_ghz, omega, pol, land);
  r.loss_db = ldft < 0.0 ? 0.0 : (1.0 - r.hse_m / r.hreq_m) * ldft;
  return r;
}

// ---------------------------------------------------------------------------
// Smooth surface, P.1812-6 Attachment 1 §5 (P.452-18 Attachment 2 §5.1.6);
// eqs. (85)-(89) (the limits hst <= h1, hsr <= hn of eq. (90) are applied by
// P.1812's ducting part, not here):
//   v1 = Σ (di - di-1)(hi + hi-1)
//   v2 = Σ (di - di-1)[hi (2di + di-1) + hi-1 (di + 2di-1)]
//   hst = (2 v1 d - v2)/d²,  hsr = (v2 - v1 d)/d²                  eqs. (85)-(86)
//   Hi = hi - (hts (d - di) + hrs di)/d,  hobs = max Hi,
//   αobt = max(Hi/di),  αobr = max(Hi/(d - di))
//   hobs <= 0: hstp = hst, hsrp = hsr; else with gt = αobt/(αobt + αobr),
//   gr = αobr/(αobt + αobr): hstp = hst - hobs gt, hsrp = hsr - hobs gr
//   hstd = min(hstp, h1),  hsrd = min(hsrp, hn)                     eq. (89)
SmoothSurface smooth_surface(std::span<const double> d_km, std::span<const double> h_m,
                             double hts_m, double hrs_m) {
  SmoothSurface s;
  const std::size_t n = d_km.size();
  if (n < 2 || h_m.size() != n) return s;
  const double d0 = d_km[0];
  const double d = d_km[n - 1] - d0;
  double v1 = 0.0, v2 = 0.0;
  for (std::size_t i = 1; i < n; ++i) {
    const double di = d_km[i] - d0, dim = d_km[i - 1] - d0;
    const double step = di - dim;
    v1 += step * (h_m[i] + h_m[i - 1]);
    v2 += step * (h_m[i] * (2.0 * di + dim) + h_m[i - 1] * (di + 2.0 * dim));
  }
  s.hst_m = (2.0 * v1 * d - v2) / (d * d);
  s.hsr_m = (v2 - v1 * d) / (d * d);
  double hobs = kNegInf, aobt = kNegInf, aobr = kNegInf;
  for (std::size_t i = 1; i + 1 < n; ++i) {
    const double di = d_km[i] - d0;
    const double hi = h_m[i] - (hts_m * (d - di) + hrs_m * di) / d;
    hobs = std::max(hobs, hi);
    aobt = std::max(aobt, hi / di);
    aobr = std::max(aobr, hi / (d - di));
  }
  double hstp = s.hst_m, hsrp = s.hsr_m;
  if (n > 2 && hobs > 0.0) {
    s.hobs_m = hobs;
    const double gt = aobt / (aobt + aobr);
    const double gr = aobr / (aobt + aobr);
    hstp = s.hst_m - hobs * gt;
    hsrp = s.hsr_m - hobs * gr;
  } else if (n > 2) {
    s.hobs_m = hobs;
  }
  s.hstd_m = std::min(hstp, h_m[0]);
  s.hsrd_m = std::min(hsrp, h_m[n - 1]);
  return s;
}

// ---------------------------------------------------------------------------
// Delta-Bullington, P.1812-6 §4.3.4 (P.526-15 §4.5, P.452-18 §4.2.3):
//   Lbulla: Bullington over the actual profile with hts, hrs;
//   htc' = hts - hstd, hrc' = hrs - hsrd                             eq. (37)
//   Lbulls: Bullington over a zero-height profile with htc', hrc';
//   Ldsph: spherical-earth loss over d with htc', hrc' and ap = ae;
//   Ld = Lbulla + max(Ldsph - Lbulls, 0)                              eq. (38)
DeltaBullington delta_bullington_smooth(const DeltaBullingtonInput& in) {
  DeltaBullington r;
  const std::size_t n = in.d_km.size();
  if (n < 2 || in.h_m.size() != n) return r;
  const auto hs = in.h_smooth_m.size() == n ? in.h_smooth_m : in.h_m;
  const double d = in.d_km[n - 1] - in.d_km[0];
  r.smooth = smooth_surface(in.d_km, hs, in.hts_m, in.hrs_m);
  r.htc_prime_m = in.hts_m - r.smooth.hstd_m;
  r.hrc_prime_m = in.hrs_m - r.smooth.hsrd_m;
  r.smooth_path = bullington(in.d_km, nullptr, r.htc_prime_m, r.hrc_prime_m, in.ae_km, in.freq_ghz);
  r.lbulls_db = r.smooth_path.loss_db;
  r.sph = spherical_earth(d, r.htc_prime_m, r.hrc_prime_m, in.ae_km, in.freq_ghz, in.omega, in.pol,
                          in.land);
  r.ldsph_db = r.sph.loss_db;
  r.ld_db = std::max(r.ldsph_db - r.lbulls_db, 0.0);
  return r;
}

DeltaBullington delta_bullington(const DeltaBullingtonInput& in) {
  const std::size_t n = in.d_km.size();
  if (n < 2 || in.h_m.size() != n) return DeltaBullington{};
  DeltaBullington r = delta_bullington_smooth(in);
  r.actual = bullington(in.d_km, in.h_m.data(), in.hts_m, in.hrs_m, in.ae_km, in.freq_ghz);
  r.lbulla_db = r.actual.loss_db;
  r.ld_db = r.lbulla_db + r.ld_db;
  return r;
}

// ---------------------------------------------------------------------------
// Deygout, three edges (the method of ITU-R P.452-13 §4.2.1 and earlier
// P.526 editions, before delta-Bullington replaced it).
// v = H sqrt(0.002 d / (λ d1 d2)) (P.526-15 §4.1, in km/m units), H the
// height of the edge (with the earth bulge 500 d1 d2 / ae) above the ray
// joining the ends of the (sub)path.
namespace {
struct EdgeV {
  double v = -1e9;
  std::size_t k = 0;
};
EdgeV max_v(std::span<const double> d, std::span<const double> z, std::size_t i, std::size_t j,
            double ya, double yb, double lambda) {
  EdgeV e;
  if (j <= i + 1) return e;
  const double dij = d[j] - d[i];
  for (std::size_t k = i + 1; k < j; ++k) {
    const double d1 = d[k] - d[i], d2 = d[j] - d[k];
    if (!(d1 > 0.0 && d2 > 0.0)) continue;
    const double h = z[k] - (ya * d2 + yb * d1) / dij;
    const double v = h * std::sqrt(0.002 * dij / (lambda * d1 * d2));
    if (v > e.v) {
      e.v = v;
      e.k = k;
    }
  }
  return e;
}
}  // namespace

Deygout deygout(std::span<const double> d_km, std::span<const double> h_m, double hts_m,
                double hrs_m, double ae_km, double freq_ghz, bool empirical_correction) {
  Deygout r;
  const std::size_t n = d_km.size();
  if (n < 3 || h_m.size() != n) return r;
  const double d = d_km[n - 1] - d_km[0];
  thread_local std::vector<double> z;
  z.resize(n);
  for (std::size_t i = 0; i < n; ++i) {
    const double di = d_km[i] - d_km[0];
    z[i] = h_m[i] + 500.0 * di * (d - di) / ae_km;
  }
  const double lambda = lambda_m(freq_ghz);
  const EdgeV p = max_v(d_km, z, 0, n - 1, hts_m, hrs_m, lambda);
  r.vp = p.v;
  r.ip = p.k;
  if (!(p.v > -0.78)) return r;
  r.edges = 1;
  const EdgeV t = max_v(d_km, z, 0, p.k, hts_m, z[p.k], lambda);
  const EdgeV q = max_v(d_km, z, p.k, n - 1, z[p.k], hrs_m, lambda);
  r.vt = t.v;
  r.it = t.k;
  r.vr = q.v;
  r.ir = q.k;
  if (t.v > -0.78) ++r.edges;
  if (q.v > -0.78) ++r.edges;
  const double jp = knife_edge_j_db(p.v);
  const double jt = knife_edge_j_db(t.v);
  const double jr = knife_edge_j_db(q.v);
  if (empirical_correction) {
    const double tt = 1.0 - std::exp(-jp / 6.0);
    const double c = 10.0 + 0.04 * d;
    r.loss_db = jp + tt * (jt + jr + c);
  } else {
    r.loss_db = jp + jt + jr;
  }
  return r;
}

double effective_radius_km(double delta_n) { return 6371.0 * 157.0 / (157.0 - delta_n); }

}  // namespace phusong::prop::p526

namespace phusong::prop {

namespace {

// The "p526" model: free space (ITU-R P.525-4 eq. (7), on the 3-D distance
// between the antennas) plus the P.526-15 §4.5 delta-Bullington diffraction
// loss over the terrain profile.
//   Effective earth radius: ae = k·6371 km with k = LinkParams::k_factor
//   (4/3 by default, the median refractivity of ITU-R P.453).  P.526 leaves
//   the choice of ae to the user; the scenario's k keeps this model consistent
//   with the other geometric models of the project.
//   Ground: land with the scenario's eps / sigma, sea (εr = 80, σ = 5 S/m) for
//   the fraction of the profile in zone 1 (when Profile::zone is given).
//   Heights: the terrain alone (clutter is the business of P.1812 / P.2108).
class P526Model final : public Model {
 public:
  std::string_view name() const override { return "p526"; }
  std::string_view description() const override {
    return "free space (P.525) + ITU-R P.526-15 delta-Bullington diffraction over terrain";
  }
  void check(const LinkParams& p, const std::string& source) const override {
    check_common(p, source, 10.0, 100000.0);
    require_range(p.eps >= 1.0 && p.eps < 1000.0, source, "eps", p.eps, "1 to 1000");
    require_range(p.sigma > 0.0 && p.sigma < 100.0, source, "sigma", p.sigma, "above 0 and below 100 S/m");
  }
  PathLoss loss(const Profile& prof, const LinkParams& p) const noexcept override {
    PathLoss out;
    const std::size_t n = prof.size();
    if (n < 2 || prof.distance_m.size() != n || !(prof.length_m() > 0.0)) {
      out.loss_db = std::nan("");
      return out;
    }
    thread_local std::vector<double> d_km;
    d_km.resize(n);
    for (std::size_t i = 0; i < n; ++i) d_km[i] = prof.distance_m[i] / 1000.0;
    double omega = 0.0;
    if (prof.zone.size() == n) {
      double sea = 0.0;
      for (std::size_t i = 1; i < n; ++i) {
        const double step = d_km[i] - d_km[i - 1];
        sea += step * (0.5 * (prof.zone[i] == 1) + 0.5 * (prof.zone[i - 1] == 1));
      }
      omega = sea / d_km[n - 1];
    }
    p526::DeltaBullingtonInput in;
    in.d_km = d_km;
    in.h_m = prof.height_m;
    in.hts_m = prof.height_m.front() + p.tx_height_m;
    in.hrs_m = prof.height_m.back() + p.rx_height_m;
    in.ae_km = p.k_factor * kEarthRadiusM / 1000.0;
    in.freq_ghz = p.freq_mhz / 1000.0;
    in.omega = omega;
    in.pol = p.pol;
    in.land = p526::Ground{p.eps, p.sigma};
    const auto db = p526::delta_bullington(in);
    const double d3 = std::max(std::hypot(prof.length_m(), in.hts_m - in.hrs_m), 1.0);
    out.loss_db = fspl_db(p.freq_mhz, d3) + db.ld_db;
    out.mode = db.actual.line_of_sight ? Mode::LineOfSight : Mode::Diffraction;
    return out;
  }
};

}  // namespace

std::unique_ptr<Model> make_p526() { return std::make_unique<P526Model>(); }

}  // namespace phusong::prop
