// Longley-Rice Irregular Terrain Model (ITM) version 1.2.2.
//
// Written from the published algorithm:
//   [Alg]   G. A. Hufford, "The ITS Irregular Terrain Model, version 1.2.2:
//           the Algorithm", NTIA/ITS (1995).  Equation numbers below are
//           those of this document, section numbers where a step is described
//           in words only.
//   [82-100] G. A. Hufford, A. G. Longley, W. A. Kissick, "A guide to the use
//           of the ITS Irregular Terrain Model in the area prediction mode",
//           NTIA Report 82-100 (1982): siting criteria, variability modes.
//   [TN101] P. L. Rice et al., NBS Tech. Note 101 (1967), vol. II, and
//           [ERL67] A. G. Longley, P. L. Rice, ESSA Tech. Report ERL 79-ITS 67
//           (1968): the empirical climate curves used for variability.
//
// Constants: the Algorithm writes decibel terms as 10 log10(.), the scatter
// correction as delta H0 = 6 (0.6 - log eta_s) log s log q and F(theta d) with
// log10 coefficients (-10, -2.5, 5); the 1.2.2 Fortran source rounds these to
// natural-log forms (4.343 ln, 0.49 (1.38 - ln eta_s) ln s ln q, ...).  We use
// the Algorithm's forms, as the NTIA reference implementation does; with them
// the troposcatter results agree with its outputs to 1e-4 dB (about 3e-3 dB
// with the rounded forms).  See also the line-of-sight weight in los_init().
//
// Structure (one pass, no global state):
//   1. prepare()        wave number, N_s, effective curvature, ground impedance [Alg §2]
//   2. geometry         point-to-point: horizons, delta_h, effective heights [Alg §3];
//                       area: effective heights from the siting criteria [Alg §3, 82-100]
//   3. reference()      A_ref in the line-of-sight, diffraction or troposcatter
//                       region [Alg §4]
//   4. variability()    quantiles in time, location and situation [Alg §5]
//   5. A = A_fs + variability-adjusted A_ref.
// The loss needs no heap: the delta_h resampling uses a fixed stack array.
#include "phusong/propagation/itm.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <complex>
#include <functional>
#include <limits>

#include "phusong/core/error.hpp"
#include "phusong/propagation/models.hpp"

namespace phusong::prop::itm {

namespace {

constexpr double kSqrt2 = 1.41421356237309504880;
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Fortran DIM: positive difference.
inline double dim(double x, double y) { return x > y ? x - y : 0.0; }

// All quantities of one prediction.  Names follow the algorithm's symbols.
struct State {
  // primary parameters [Alg §2]
  bool p2p = true;           // point-to-point (else area) mode
  double hg[2] = {0, 0};     // structural antenna heights, m
  double wn = 0;             // wave number k = f / f0, f0 = 47.7 MHz·m, 1/m
  double dh = 0;             // terrain irregularity delta_h, m
  double ens = 0;            // surface refractivity N_s
  double gme = 0;            // effective earth curvature gamma_e, 1/m
  std::complex<double> zgnd; // surface transfer impedance Z_g
  double inv_abs_zgnd = 0;   // 1 / |Z_g|
  double he[2] = {0, 0};     // effective heights
  double dl[2] = {0, 0};     // horizon distances
  double the[2] = {0, 0};    // horizon elevation angles
  double dist = 0;           // path length, m
  // secondary parameters [Alg §4]
  double dls[2] = {0, 0};    // smooth-earth horizon distances
  double dlsa = 0;           // d_Ls = dls1 + dls2
  double dla = 0;            // d_L = dl1 + dl2
  double tha = 0;            // theta_e total bending angle
  double xae = 0;            // (k gamma_e^2)^(-1/3)
  double emd = 0, aed = 0;   // diffraction line: A = aed + emd d
  double ems = 0, aes = 0;   // scatter line: A = aes + ems d
  double dx = 0;             // diffraction/scatter boundary
  double ak1 = 0, ak2 = 0, ael = 0;  // line-of-sight fit: ael + ak1 d + ak2 ln d
  // constants of the diffraction function, set once per path
  double wd1 = 0, xd1 = 0, afo = 0, qk = 0, aht = 0, xht = 0;
  // weight of the two-ray term in line of sight
  double wls = 0;
  // constants of the scatter function
  double ad = 0, rr = 0, etq = 0, h0s = 0;
  // outputs
  double aref = 0;
  Mode mode = Mode::None;
  std::uint32_t flags = 0;
  int kwx = 0;
};

// ---- §2 preparatory computations -------------------------------------------
// N_s = N_0 exp(-z_s / z_1), z_1 = 9.46 km (z_s = 0: N_0 itself).
double surface_refractivity(double n0, double zsys) {
  return zsys != 0.0 ? n0 * std::exp(-zsys / 9460.0) : n0;
}
// gamma_e = gamma_a (1 - 0.04665 e^(N_s / N_1)), gamma_a = 157e-9 1/m, N_1 = 179.3.
double curvature_of(double ens) { return 157e-9 * (1.0 - 0.04665 * std::exp(ens / 179.3)); }

// The link's part (wave number, Z_g) is in prepare_link(); this is the path's:
// zsys, the mean elevation used to reduce N_0 to N_s (0 in area mode).
void prepare(State& s, const PreparedLink& link, double zsys) {
  s.wn = link.wn;
  s.zgnd = std::complex<double>(link.zgnd_re, link.zgnd_im);
  s.inv_abs_zgnd = link.inv_abs_zgnd;
  s.ens = surface_refractivity(link.params.n0, zsys);
  s.gme = curvature_of(s.ens);
}

// ---- §3 terrain analysis (point-to-point) -----------------------------------
// Horizon distances and elevation angles for each end, searched from the
// profile with the effective curvature; a line-of-sight path keeps d_L = d.
void horizons(const double* z, int np, double xi, State& s) {
  const double za = z[0] + s.hg[0];
  const double zb = z[np] + s.hg[1];
  const double qc = 0.5 * s.gme;
  const double slope = (zb - za) / s.dist;
  s.the[0] = slope - qc * s.dist;
  s.the[1] = -slope - qc * s.dist;
  s.dl[0] = s.dist;
  s.dl[1] = s.dist;
  if (np < 2) return;
  double sa = 0.0;
  double sb = s.dist;
  bool tx_clear = true;  // the receiver side is searched once the transmitter sees an obstacle
  for (int i = 1; i < np; ++i) {
    sa += xi;
    sb -= xi;
    double q = z[i] - (qc * sa + s.the[0]) * sa - za;
    if (q > 0.0) {
      s.the[0] += q / sa;
      s.dl[0] = sa;
      tx_clear = false;
    }
    if (!tx_clear) {
      q = z[i] - (qc * sb + s.the[1]) * sb - zb;
      if (q > 0.0) {
        s.the[1] += q / sb;
        s.dl[1] = sb;
      }
    }
  }
}

// Least-squares straight line through the profile samples between x1 and x2
// (metres from the transmitter; the end samples carry half weight).  Returns
// the fitted heights at the transmitter (z0) and the receiver (zn).
void fit_line(const double* z, int np, double xi, double x1, double x2, double& z0, double& zn) {
  const double xn = np;
  double xa = std::trunc(dim(x1 / xi, 0.0));
  double xb = xn - std::trunc(dim(xn, x2 / xi));
  if (xb <= xa) {
    xa = dim(xa, 1.0);
    xb = xn - dim(xn, xb + 1.0);
  }
  int ja = static_cast<int>(xa);
  const int jb = static_cast<int>(xb);
  const int n = jb - ja;
  const double len = xb - xa;       // number of intervals fitted
  double x = -0.5 * len;            // sample position relative to the centre
  const double centre = xb + x;
  double a = 0.5 * (z[ja] + z[jb]);
  double b = 0.5 * (z[ja] - z[jb]) * x;
  for (int i = 2; i <= n; ++i) {
    ++ja;
    x += 1.0;
    a += z[ja];
    b += z[ja] * x;
  }
  a /= len;                                   // mean height
  b = b * 12.0 / ((len * len + 2.0) * len);   // slope per sample
  z0 = a - b * centre;
  zn = a + b * (xn - centre);
}

// Terrain irregularity delta_h between x1 and x2 [Alg §3]: the profile is
// resampled at n = 10 ka - 5 points (ka = 4..25), detrended by a least-squares
// line, and the interdecile range of the residuals (ka-th largest minus
// ka-th smallest) is scaled by 1 / (1 - 0.8 exp(-(x2 - x1) / 50 km)).
double terrain_delta_h(const double* z, int np, double xi, double x1, double x2) {
  double xa = x1 / xi;
  double xb = x2 / xi;
  if (!(xb - xa >= 2.0)) return 0.0;  // also rejects NaN
  int ka = static_cast<int>(0.1 * (xb - xa + 8.0));
  ka = std::min(std::max(4, ka), 25);
  const int n = 10 * ka - 5;
  const int kb = n - ka + 1;
  const double sn = n - 1;
  std::array<double, 245> r{};  // n <= 245
  const double step = (xb - xa) / sn;
  int k = static_cast<int>(xa + 1.0);
  xa -= k;
  for (int j = 0; j < n; ++j) {
    while (xa > 0.0 && k < np) {
      xa -= 1.0;
      ++k;
    }
    r[j] = z[k] + (z[k] - z[k - 1]) * xa;  // linear interpolation (xa <= 0)
    xa += step;
  }
  double f0 = 0.0, fn = 0.0;
  fit_line(r.data(), n - 1, 1.0, 0.0, sn, f0, fn);
  const double slope = (fn - f0) / sn;
  for (int j = 0; j < n; ++j) r[j] -= f0 + slope * j;
  for (int j = 0; j < n; ++j)
    if (std::isnan(r[j])) return kNaN;  // keep nth_element's ordering well defined
  // ka-th and kb-th largest residuals (1-based).
  auto* first = r.data();
  auto* last = r.data() + n;
  std::nth_element(first, first + (ka - 1), last, std::greater<double>());
  const double upper = first[ka - 1];
  // the first partition left only values <= upper after ka - 1: select there
  std::nth_element(first + ka, first + (kb - 1), last, std::greater<double>());
  const double lower = first[kb - 1];
  return (upper - lower) / (1.0 - 0.8 * std::exp(-(x2 - x1) / 50e3));
}

// Point-to-point geometry [Alg §3]: horizons, delta_h over the section between
// the antennas' "foreground" (min(15 hg, 0.1 dL) from each end), effective
// heights above the fitted terrain line, and for line-of-sight paths horizon
// distances and angles estimated from delta_h as in the area mode (eq. 3.3).
// Effective heights above the fitted terrain lines (za at the transmitter, zb
// at the receiver) and, on line-of-sight paths, horizon distances and angles
// estimated from delta_h as in the area mode (eq. 3.3) [Alg §3].
void effective_heights(double z0, double zn, double za, double zb, State& s) {
  s.he[0] = s.hg[0] + dim(z0, za);
  s.he[1] = s.hg[1] + dim(zn, zb);
  if (s.dl[0] + s.dl[1] > 1.5 * s.dist) {
    for (int j = 0; j < 2; ++j)
      s.dl[j] = std::sqrt(2.0 * s.he[j] / s.gme) * std::exp(-0.07 * std::sqrt(s.dh / std::max(s.he[j], 5.0)));
    double q = s.dl[0] + s.dl[1];
    if (q <= s.dist) {
      // horizons would fall short of the path: raise the effective heights
      q = (s.dist / q) * (s.dist / q);
      for (int j = 0; j < 2; ++j) {
        s.he[j] *= q;
        s.dl[j] = std::sqrt(2.0 * s.he[j] / s.gme) * std::exp(-0.07 * std::sqrt(s.dh / std::max(s.he[j], 5.0)));
      }
    }
    for (int j = 0; j < 2; ++j) {
      q = std::sqrt(2.0 * s.he[j] / s.gme);
      s.the[j] = (0.65 * s.dh * (q / s.dl[j] - 1.0) - 2.0 * s.he[j]) / q;
    }
  }
}

// Point-to-point geometry [Alg §3]: horizons, delta_h over the section between
// the antennas' "foreground" (min(15 hg, 0.1 dL) from each end), and the
// terrain lines for the effective heights: one line fitted over the whole
// section on line-of-sight paths (dL1 + dL2 > 1.5 d), else a line over each
// foreground up to 0.9 of its horizon.
void p2p_geometry(const double* z, int np, double xi, State& s) {
  horizons(z, np, xi, s);
  double xl[2];
  for (int j = 0; j < 2; ++j) xl[j] = std::min(15.0 * s.hg[j], 0.1 * s.dl[j]);
  xl[1] = s.dist - xl[1];
  s.dh = terrain_delta_h(z, np, xi, xl[0], xl[1]);
  double za = 0.0, zb = 0.0, unused = 0.0;
  if (s.dl[0] + s.dl[1] > 1.5 * s.dist) {
    fit_line(z, np, xi, xl[0], xl[1], za, zb);
  } else {
    fit_line(z, np, xi, xl[0], 0.9 * s.dl[0], za, unused);
    fit_line(z, np, xi, s.dist - 0.9 * s.dl[1], xl[1], unused, zb);
  }
  effective_heights(z[0], z[np], za, zb, s);
}

// Area-mode geometry [Alg §3; 82-100 siting criteria]: effective heights from
// the siting criteria, horizon distances by eq. 3.3 and horizon angles from delta_h.
void area_geometry(const Siting siting[2], State& s) {
  for (int j = 0; j < 2; ++j) {
    if (siting[j] == Siting::Random) {
      s.he[j] = s.hg[j];
    } else {
      double q = (siting[j] == Siting::Careful) ? 4.0 : 9.0;
      if (s.hg[j] < 5.0) q *= std::sin(0.3141593 * s.hg[j]);
      s.he[j] = s.hg[j] + (1.0 + q) * std::exp(-std::min(20.0, 2.0 * s.hg[j] / std::max(1e-3, s.dh)));
    }
    const double q = std::sqrt(2.0 * s.he[j] / s.gme);  // smooth-earth horizon d_Ls,j
    s.dl[j] = q * std::exp(-0.07 * std::sqrt(s.dh / std::max(s.he[j], 5.0)));  // eq. 3.3, H3 = 5 m
    s.the[j] = (0.65 * s.dh * (q / s.dl[j] - 1.0) - 2.0 * s.he[j]) / q;
  }
}

// ---- §6 special functions --------------------------------------------------
// Knife-edge attenuation F(v) with v^2 as argument [Alg eq. 4.21, 6.1].
double knife_edge(double v2) {
  if (v2 < 5.76) return 6.02 + 9.11 * std::sqrt(v2) - 1.27 * v2;
  return 12.953 + 10.0 * std::log10(v2);
}

// Height-gain function of the three-radii smooth-earth method [Alg eq. 4.20, 6.2-6.7].
double height_gain(double x, double pk) {
  if (x < 200.0) {
    const double w = -std::log(pk);
    if (pk < 1e-5 || x * w * w * w > 5495.0) {
      double f = -117.0;
      if (x > 1.0) f += 17.372 * std::log(x);
      return f;
    }
    return 2.5e-5 * x * x / pk - 8.686 * w - 15.0;
  }
  double f = 0.05751 * x - 10.0 * std::log10(x);
  if (x < 2000.0) {
    const double w = 0.0134 * x * std::exp(-0.005 * x);
    f = (1.0 - w) * f + w * (17.372 * std::log(x) - 117.0);
  }
  return f;
}

// Frequency-gain function H_0 of the scatter region [Alg §6], r = 2 k theta h.
double h0_function(double r, double et) {
  static constexpr double a[5] = {25.0, 80.0, 177.0, 395.0, 705.0};
  static constexpr double b[5] = {24.0, 45.0, 68.0, 80.0, 105.0};
  int it = static_cast<int>(et);
  double q = 0.0;
  if (it <= 0) {
    it = 1;
  } else if (it >= 5) {
    it = 5;
  } else {
    q = et - it;
  }
  const double x = (1.0 / r) * (1.0 / r);
  double h = 10.0 * std::log10((a[it - 1] * x + b[it - 1]) * x + 1.0);
  if (q != 0.0) h = (1.0 - q) * h + q * 10.0 * std::log10((a[it] * x + b[it]) * x + 1.0);
  return h;
}

// Attenuation function F(theta d) of the scatter region [Alg §6, eq. 6.9]:
// a + b theta d + c log10(theta d).
double scatter_f(double td) {
  static constexpr double a[3] = {133.4, 104.6, 71.8};
  static constexpr double b[3] = {0.332e-3, 0.212e-3, 0.157e-3};
  static constexpr double c[3] = {-10.0, -2.5, 5.0};
  const int i = (td <= 10e3) ? 0 : (td <= 70e3 ? 1 : 2);
  return a[i] + b[i] * td + c[i] * std::log10(td);
}

// ---- §4 reference attenuation ------------------------------------------------
// Diffraction attenuation [Alg eq. 4.11]: a convex combination of double
// knife-edge (F of eq. 4.21 / 6.1 at each horizon) and smooth-earth
// three-radii diffraction (eq. 4.20), weighted by terrain roughness, plus the
// clutter factor A_fo.
void diffraction_init(State& s) {
  double q = s.hg[0] * s.hg[1];
  s.qk = s.he[0] * s.he[1] - q;
  if (s.p2p) q += 10.0;
  s.wd1 = std::sqrt(1.0 + s.qk / q);
  s.xd1 = s.dla + s.tha / s.gme;
  q = (1.0 - 0.8 * std::exp(-s.dlsa / 50e3)) * s.dh;
  q *= 0.78 * std::exp(-std::sqrt(std::sqrt(q / 16.0)));  // sigma_h of the terrain ((q/16)^(1/4))
  s.afo = std::min(15.0, 2.171 * std::log(1.0 + 4.77e-4 * s.hg[0] * s.hg[1] * s.wn * q));
  s.qk = s.inv_abs_zgnd;
  s.aht = 20.0;
  s.xht = 0.0;
  for (int j = 0; j < 2; ++j) {
    const double a = 0.5 * s.dl[j] * s.dl[j] / s.he[j];  // radius of the terminal's horizon arc
    const double wa = std::cbrt(a * s.wn);
    const double pk = s.qk / wa;
    const double x = (1.607 - pk) * 151.0 * wa * s.dl[j] / a;
    s.xht += x;
    s.aht += height_gain(x, pk);
  }
}

double diffraction(double d, const State& s) {
  const double th = s.tha + d * s.gme;
  const double ds = d - s.dla;
  double q = 0.0795775 * s.wn * ds * th * th;
  const double a_knife = knife_edge(q * s.dl[0] / (ds + s.dl[0])) + knife_edge(q * s.dl[1] / (ds + s.dl[1]));
  const double a = ds / th;
  const double wa = std::cbrt(a * s.wn);
  const double pk = s.qk / wa;
  q = (1.607 - pk) * 151.0 * wa * th + s.xht;
  const double a_round = 0.05751 * q - 10.0 * std::log10(q) - s.aht;
  q = (s.wd1 + s.xd1 / d) * std::min((1.0 - 0.8 * std::exp(-d / 50e3)) * s.dh * s.wn, 6283.2);
  const double w = 25.1 / (25.1 + std::sqrt(q));
  return a_round * w + (1.0 - w) * a_knife + s.afo;
}

// Line-of-sight attenuation [Alg §4 line of sight]: two-ray interference with
// a rough-earth reflection coefficient, blended (weight wls) with the
// extrapolated diffraction line.  The weight is the Algorithm's
// w = 1 / (1 + D1 k delta_h / max(D2, d_Ls)), D1 = 47.7 m, D2 = 10 km; the
// 1.2.2 Fortran source writes D1 as 1/0.021 (= 47.6 m), the NTIA reference
// implementation uses 47.7 m, i.e. k D1 = f in MHz.  We follow the latter: it
// reproduces the NTIA reference outputs to a few thousandths of a dB where
// the 0.021 form is off by up to 0.02 dB.
void los_init(State& s) { s.wls = 1.0 / (1.0 + 47.7 * s.wn * s.dh / std::max(10e3, s.dlsa)); }

double line_of_sight(double d, const State& s) {
  double q = (1.0 - 0.8 * std::exp(-d / 50e3)) * s.dh;
  const double sigma_h = 0.78 * q * std::exp(-std::sqrt(std::sqrt(q / 16.0)));  // (q/16)^(1/4)
  q = s.he[0] + s.he[1];
  const double sps = q / std::sqrt(d * d + q * q);  // sine of the grazing angle
  // reflection coefficient r = (sps - Z_g) / (sps + Z_g) exp(-min(10, k sigma_h sps)), in
  // real arithmetic (|sps + Z_g| >= Re Z_g > 0 for the valid ground of check_params)
  const double zr = s.zgnd.real(), zi = s.zgnd.imag();
  const double nr = sps - zr, dr = sps + zr;  // numerator (nr, -zi), denominator (dr, zi)
  const double att = std::exp(-std::min(10.0, s.wn * sigma_h * sps)) / (dr * dr + zi * zi);
  double rr = (nr * dr - zi * zi) * att;
  double ri = (-zi * dr - nr * zi) * att;
  q = rr * rr + ri * ri;
  if (q < 0.25 || q < sps) {
    const double f = std::sqrt(sps / q);
    rr *= f;
    ri *= f;
  }
  const double a_line = s.emd * d + s.aed;
  q = s.wn * s.he[0] * s.he[1] * 2.0 / d;  // phase difference of the two rays
  if (q > 1.57) q = 3.14 - 2.4649 / q;
  const double er = std::cos(q) + rr, ei = ri - std::sin(q);
  const double a_two_ray = -10.0 * std::log10(er * er + ei * ei);
  return (a_two_ray - a_line) * s.wls + a_line;
}

// Troposcatter attenuation [Alg §4 troposcatter, eq. 4.63, with H_0 and F of §6]; 1001 marks
// "not available" (both antennas too low for the scatter geometry).
void scatter_init(State& s) {
  s.ad = s.dl[0] - s.dl[1];
  s.rr = s.he[1] / s.he[0];
  if (s.ad < 0.0) {
    s.ad = -s.ad;
    s.rr = 1.0 / s.rr;
  }
  s.etq = (5.67e-6 * s.ens - 2.32e-3) * s.ens + 0.031;
  s.h0s = -15.0;
}

double scatter(double d, State& s) {
  double h0 = 0.0;
  if (s.h0s > 15.0) {
    h0 = s.h0s;
  } else {
    const double th = s.the[0] + s.the[1] + d * s.gme;
    double r2 = 2.0 * s.wn * th;
    const double r1 = r2 * s.he[0];
    r2 *= s.he[1];
    if (r1 < 0.2 && r2 < 0.2) return 1001.0;
    double ss = (d - s.ad) / (d + s.ad);
    double q = s.rr / ss;
    ss = std::max(0.1, ss);
    q = std::min(std::max(0.1, q), 10.0);
    const double z0 = (d - s.ad) * (d + s.ad) * th * 0.25 / d;  // height of the crossover above the chord
    const double t = std::pow(std::min(1.7, z0 / 8.0e3), 6.0);
    const double et = (s.etq * std::exp(-t) + 1.0) * z0 / 1.7556e3;
    const double ett = std::max(et, 1.0);
    h0 = (h0_function(r1, ett) + h0_function(r2, ett)) * 0.5;
    h0 += std::min(h0, 6.0 * (0.6 - std::log10(ett)) * std::log10(ss) * std::log10(q));  // delta H0
    h0 = dim(h0, 0.0);
    if (et < 1.0) {
      const double g = (1.0 + kSqrt2 / r1) * (1.0 + kSqrt2 / r2);
      h0 = et * h0 + (1.0 - et) * 10.0 * std::log10(g * g * (r1 + r2) / (r1 + r2 + 2.0 * kSqrt2));
    }
    if (h0 > 15.0 && s.h0s >= 0.0) h0 = s.h0s;
  }
  s.h0s = h0;
  const double th = s.tha + d * s.gme;
  return scatter_f(th * d) + 10.0 * std::log10(47.7 * s.wn * th * th * th * th) -
         0.1 * (s.ens - 301.0) * std::exp(-th * d / 40e3) + h0;
}

// Reference attenuation A_ref at s.dist and the region it falls in [Alg §4].
// want_dx = false: the scatter line (and d_x) is computed only where the path
// may reach it (beyond d_x's lower bound).
void reference(State& s, bool want_dx) {
  for (int j = 0; j < 2; ++j) s.dls[j] = std::sqrt(2.0 * s.he[j] / s.gme);
  s.dlsa = s.dls[0] + s.dls[1];
  s.dla = s.dl[0] + s.dl[1];
  s.tha = std::max(s.the[0] + s.the[1], -s.dla * s.gme);

  // validity flags [Alg §4 "checks"; flag bits of the NTIA implementation]
  if (s.wn < 0.838 || s.wn > 210.0) s.kwx = std::max(s.kwx, 1);
  for (int j = 0; j < 2; ++j)
    if (s.hg[j] < 1.0 || s.hg[j] > 1000.0) s.kwx = std::max(s.kwx, 1);
  for (int j = 0; j < 2; ++j) {
    const bool angle = std::abs(s.the[j]) > 200e-3;
    const bool near = s.dl[j] < 0.1 * s.dls[j];
    const bool far = s.dl[j] > 3.0 * s.dls[j];
    if (angle) s.flags |= (j == 0) ? kFlagTxHorizonAngle : kFlagRxHorizonAngle;
    if (near) s.flags |= (j == 0) ? kFlagTxHorizonDistance1 : kFlagRxHorizonDistance1;
    if (far) s.flags |= (j == 0) ? kFlagTxHorizonDistance2 : kFlagRxHorizonDistance2;
    if (angle || near || far) s.kwx = std::max(s.kwx, 3);
  }
  if (s.ens < 250.0 || s.ens > 400.0 || s.gme < 75e-9 || s.gme > 250e-9 ||
      s.zgnd.real() <= std::abs(s.zgnd.imag()) || s.wn < 0.419 || s.wn > 420.0)
    s.kwx = 4;
  for (int j = 0; j < 2; ++j)
    if (s.hg[j] < 0.5 || s.hg[j] > 3000.0) s.kwx = 4;

  const double dmin = std::abs(s.he[0] - s.he[1]) / 200e-3;
  diffraction_init(s);
  s.xae = std::cbrt(1.0 / (s.wn * s.gme * s.gme));
  // diffraction line through two points beyond the horizons [Alg §4 diffraction]
  const double d3 = std::max(s.dlsa, 1.3787 * s.xae + s.dla);
  const double d4 = d3 + 2.7574 * s.xae;
  const double a3 = diffraction(d3, s);
  const double a4 = diffraction(d4, s);
  s.emd = (a4 - a3) / (d4 - d3);
  s.aed = a3 - s.emd * d3;

  const double d = s.dist;
  if (d > 0.0) {
    if (d > 1000e3) {
      s.kwx = std::max(s.kwx, 1);
      s.flags |= kFlagPathDistanceTooBig1;
    }
    if (d > 2000e3) s.flags |= kFlagPathDistanceTooBig2;
    if (d < dmin) {
      s.kwx = std::max(s.kwx, 3);
      s.flags |= kFlagPathDistanceTooSmall1;
    }
    if (d < 1e3) s.flags |= kFlagPathDistanceTooSmall2;
    if (d < 1e3 || d > 2000e3) s.kwx = 4;
  }

  if (d < s.dlsa) {
    // line of sight: A = ael + ak1 d + ak2 ln d fitted through three points
    los_init(s);
    const double d2 = s.dlsa;
    const double a2 = s.aed + d2 * s.emd;
    double d0 = 1.908 * s.wn * s.he[0] * s.he[1];
    double d1 = 0.0;
    if (s.aed >= 0.0) {
      d0 = std::min(d0, 0.5 * s.dla);
      d1 = d0 + 0.25 * (s.dla - d0);
    } else {
      d1 = std::max(-s.aed / s.emd, 0.25 * s.dla);
    }
    const double a1 = line_of_sight(d1, s);
    bool fitted = false;
    if (d0 < d1) {
      const double a0 = line_of_sight(d0, s);
      const double q = std::log(d2 / d0);
      s.ak2 = std::max(0.0, ((d2 - d0) * (a1 - a0) - (d1 - d0) * (a2 - a0)) /
                                ((d2 - d0) * std::log(d1 / d0) - (d1 - d0) * q));
      fitted = s.aed >= 0.0 || s.ak2 > 0.0;
      if (fitted) {
        s.ak1 = (a2 - a0 - s.ak2 * q) / (d2 - d0);
        if (s.ak1 < 0.0) {
          s.ak1 = 0.0;
          s.ak2 = dim(a2, a0) / q;
          if (s.ak2 == 0.0) s.ak1 = s.emd;
        }
      }
    }
    if (!fitted) {
      s.ak1 = dim(a2, a1) / (d2 - d1);
      s.ak2 = 0.0;
      if (s.ak1 == 0.0) s.ak1 = s.emd;
    }
    s.ael = a2 - s.ak1 * d2 - s.ak2 * std::log(d2);
    s.aref = (d > 0.0) ? s.ael + s.ak1 * d + s.ak2 * std::log(d) : 0.0;
    s.mode = Mode::LineOfSight;
  } else if (!want_dx && d <= std::max(s.dlsa, s.dla + 0.3 * s.xae * std::log(47.7 * s.wn))) {
    // short of d_x's lower bound (below): the diffraction line
    s.dx = kNaN;
    s.aref = s.aed + s.emd * d;
    s.mode = Mode::Diffraction;
  } else {
    // beyond the horizon: diffraction line, or the scatter line past d_x
    scatter_init(s);
    const double d5 = s.dla + 200e3;
    const double d6 = d5 + 200e3;
    const double a6 = scatter(d6, s);
    const double a5 = scatter(d5, s);
    if (a5 < 1000.0) {
      s.ems = (a6 - a5) / 200e3;
      s.dx = std::max(s.dlsa, std::max(s.dla + 0.3 * s.xae * std::log(47.7 * s.wn),
                                       (a5 - s.aed - s.ems * d5) / (s.emd - s.ems)));
      s.aes = (s.emd - s.ems) * s.dx + s.aed;
    } else {
      s.ems = s.emd;
      s.aes = s.aed;
      s.dx = 10e6;
    }
    if (d > s.dx) {
      s.aref = s.aes + s.ems * d;
      s.mode = Mode::Troposcatter;
    } else {
      s.aref = s.aed + s.emd * d;
      s.mode = Mode::Diffraction;
    }
  }
  s.aref = std::max(s.aref, 0.0);
}

// ---- §5 variability ----------------------------------------------------------
// Climate constants [Alg §5; TN101 vol. II, ERL67]: curves of the median
// (bv, xv), of the standard deviation below (bsm, xsm) and above (bsp, xsp)
// the median, and the frequency factors (bfm, bfp).  Index = climate - 1:
// equatorial, continental subtropical, maritime subtropical, desert,
// continental temperate, maritime temperate over land, over sea.
struct Climate {
  double bv1, bv2, xv1, xv2, xv3;
  double bsm1, bsm2, xsm1, xsm2, xsm3;
  double bsp1, bsp2, xsp1, xsp2, xsp3;
  double bsd1, bzd1;
  double bfm1, bfm2, bfm3, bfp1, bfp2, bfp3;
};

constexpr Climate kClimates[7] = {
    {-9.67, 12.7, 144.9e3, 190.3e3, 133.8e3, 2.13, 159.5, 762.2e3, 123.6e3, 94.5e3, 2.11, 102.3,
     636.9e3, 134.8e3, 95.6e3, 1.224, 1.282, 1.0, 0.0, 0.0, 1.0, 0.0, 0.0},
    {-0.62, 9.19, 228.9e3, 205.2e3, 143.6e3, 2.66, 7.67, 100.4e3, 172.5e3, 136.4e3, 6.87, 15.53,
     138.7e3, 143.7e3, 98.6e3, 0.801, 2.161, 1.0, 0.0, 0.0, 0.93, 0.31, 2.00},
    {1.26, 15.5, 262.6e3, 185.2e3, 99.8e3, 6.11, 6.65, 138.2e3, 242.2e3, 178.6e3, 10.08, 9.60,
     165.3e3, 225.7e3, 129.7e3, 1.380, 1.282, 1.0, 0.0, 0.0, 1.0, 0.0, 0.0},
    {-9.21, 9.05, 84.1e3, 101.1e3, 98.6e3, 1.98, 13.11, 139.1e3, 132.7e3, 193.5e3, 3.68, 159.3,
     464.4e3, 93.1e3, 94.2e3, 1.000, 20.0, 1.0, 0.0, 0.0, 0.93, 0.19, 1.79},
    {-0.62, 9.19, 228.9e3, 205.2e3, 143.6e3, 2.68, 7.16, 93.7e3, 186.8e3, 133.5e3, 4.75, 8.12,
     93.2e3, 135.9e3, 113.4e3, 1.224, 1.282, 0.92, 0.25, 1.77, 0.93, 0.31, 2.00},
    {-0.39, 2.86, 141.7e3, 315.9e3, 167.4e3, 6.86, 10.38, 187.8e3, 169.6e3, 108.9e3, 8.58, 13.97,
     216.0e3, 152.0e3, 122.7e3, 1.518, 1.282, 1.0, 0.0, 0.0, 1.0, 0.0, 0.0},
    {3.15, 857.9, 2222.0e3, 164.8e3, 116.3e3, 8.51, 169.8, 609.8e3, 119.9e3, 106.6e3, 8.43, 8.19,
     136.2e3, 188.5e3, 122.9e3, 1.518, 1.282, 1.0, 0.0, 0.0, 1.0, 0.0, 0.0},
};

// The climate curve form c(de) = (c1 + c2 / (1 + ((de - x2)/x3)^2)) (de/x1)^2 / (1 + (de/x1)^2).
double curve(double c1, double c2, double x1, double x2, double x3, double de) {
  const double t = (de - x2) / x3;
  const double u = (de / x1) * (de / x1);
  return (c1 + c2 / (1.0 + t * t)) * u / (1.0 + u);
}

// Attenuation with variability for the standard normal deviates zt (time),
// zl (location), zc (situation) [Alg §5].  mdvar: 0 single message,
// 1 accidental, 2 mobile, 3 broadcast; +10 no location variability,
// +20 no situation variability.
// The link's constants (gm, gp, the deviates, cbrt(575.7e12 / k)) come from
// prepare_link().
double variability(const State& s, const PreparedLink& link, std::uint32_t& flags) {
  const Climate& c = kClimates[std::clamp(link.params.climate, 1, 7) - 1];
  double zt = link.zt, zl = link.zl;
  const double zc = link.zc;
  int kdv = link.params.mdvar;
  const bool no_situation = kdv >= 20;
  if (no_situation) kdv -= 20;
  const bool no_location = kdv >= 10;
  if (no_location) kdv -= 10;

  const double gm = link.gm;
  const double gp = link.gp;
  // effective distance
  const double dexa = std::sqrt(18e6 * s.he[0]) + std::sqrt(18e6 * s.he[1]) + link.dexa_wn_m;
  const double de = (s.dist < dexa) ? 130e3 * s.dist / dexa : 130e3 + s.dist - dexa;
  const double vmd = curve(c.bv1, c.bv2, c.xv1, c.xv2, c.xv3, de);
  const double sgtm = curve(c.bsm1, c.bsm2, c.xsm1, c.xsm2, c.xsm3, de) * gm;
  const double sgtp = curve(c.bsp1, c.bsp2, c.xsp1, c.xsp2, c.xsp3, de) * gp;
  const double sgtd = sgtp * c.bsd1;
  const double tgtd = (sgtp - sgtd) * c.bzd1;
  double sgl = 0.0;  // location variability
  if (!no_location) {
    const double q = (1.0 - 0.8 * std::exp(-s.dist / 50e3)) * s.dh * s.wn;
    sgl = 10.0 * q / (q + 13.0);
  }
  double vs0 = 0.0;  // situation variability (squared)
  if (!no_situation) {
    const double t = 5.0 + 3.0 * std::exp(-de / 100e3);
    vs0 = t * t;
  }
  switch (kdv) {
    case 0: zt = zc; zl = zc; break;  // single message: one combined reliability
    case 1: zl = zc; break;           // accidental
    case 2: zl = zt; break;           // mobile
    default: break;                   // broadcast
  }
  if (std::abs(zt) > 3.1 || std::abs(zl) > 3.1 || std::abs(zc) > 3.1) flags |= kFlagExtremeVariabilities;
  double sgt = 0.0;
  if (zt < 0.0) {
    sgt = sgtm;
  } else if (zt <= c.bzd1) {
    sgt = sgtp;
  } else {
    sgt = sgtd + tgtd / zt;
  }
  const double vs = vs0 + (sgt * zt) * (sgt * zt) / (7.8 + zc * zc) + (sgl * zl) * (sgl * zl) / (24.0 + zc * zc);
  double yr = 0.0, sgc = 0.0;
  switch (kdv) {
    case 0: yr = 0.0; sgc = std::sqrt(sgt * sgt + sgl * sgl + vs); break;
    case 1: yr = sgt * zt; sgc = std::sqrt(sgl * sgl + vs); break;
    case 2: yr = std::sqrt(sgt * sgt + sgl * sgl) * zt; sgc = std::sqrt(vs); break;
    default: yr = sgt * zt + sgl * zl; sgc = std::sqrt(vs); break;
  }
  double a = s.aref - vmd - yr - sgc * zc;
  if (a < 0.0) a = a * (29.0 - a) / (29.0 - 10.0 * a);  // soft floor for large gains
  return a;
}

Result finish(State& s, const PreparedLink& link) {
  if (s.ens < 250.0) s.flags |= kFlagSurfaceRefractivity;
  const double avar = variability(s, link, s.flags);
  Result r;
  r.free_space_db = link.free_space_f_db + 20.0 * std::log10(s.dist / 1000.0);
  r.loss_db = r.free_space_db + avar;
  r.a_ref_db = s.aref;
  r.distance_m = s.dist;
  r.delta_h_m = s.dh;
  r.n_s = s.ens;
  r.gamma_e_per_m = s.gme;
  for (int j = 0; j < 2; ++j) {
    r.h_e_m[j] = s.he[j];
    r.d_hzn_m[j] = s.dl[j];
    r.theta_hzn_rad[j] = s.the[j];
  }
  r.d_sml_m = s.dlsa;
  r.d_ml_m = s.dla;
  r.d_x_m = (s.mode == Mode::LineOfSight) ? 0.0 : s.dx;
  r.mode = s.mode;
  r.flags = s.flags;
  r.kwx = s.kwx;
  return r;
}

Result invalid() {
  Result r;
  r.loss_db = kNaN;
  r.kwx = 4;
  return r;
}

}  // namespace

double inverse_ccdf(double q) {
  constexpr double c0 = 2.515516698, c1 = 0.802853, c2 = 0.010328;
  constexpr double d1 = 1.432788, d2 = 0.189269, d3 = 0.001308;
  const double x = 0.5 - q;
  double t = std::max(0.5 - std::abs(x), 0.000001);
  t = std::sqrt(-2.0 * std::log(t));
  double v = t - ((c2 * t + c1) * t + c0) / (((d3 * t + d2) * t + d1) * t + 1.0);
  if (x < 0.0) v = -v;
  return v;
}

PreparedLink prepare_link(const LinkParams& p) noexcept {
  PreparedLink c;
  c.params = p;
  c.wn = p.freq_mhz / 47.7;  // k = f / f0
  // Z_g: horizontal sqrt(eps_r' - 1); vertical sqrt(eps_r' - 1) / eps_r',
  // eps_r' = eps + i Z_0 sigma / k, Z_0 = 376.62 ohm [Alg §2].
  const std::complex<double> zq(p.eps, 376.62 * p.sigma / c.wn);
  std::complex<double> zgnd = std::sqrt(zq - 1.0);
  if (p.pol == Polarization::Vertical) zgnd /= zq;
  c.zgnd_re = zgnd.real();
  c.zgnd_im = zgnd.imag();
  c.inv_abs_zgnd = 1.0 / std::abs(zgnd);
  // variability [Alg §5]: deviates of the percentages, frequency factors of the climate curves
  c.zt = inverse_ccdf(p.time_pct / 100.0);
  c.zl = inverse_ccdf(p.location_pct / 100.0);
  c.zc = inverse_ccdf(p.situation_pct / 100.0);
  const Climate& cl = kClimates[std::clamp(p.climate, 1, 7) - 1];
  const double q = std::log(0.133 * c.wn);
  c.gm = cl.bfm1 + cl.bfm2 / ((cl.bfm3 * q) * (cl.bfm3 * q) + 1.0);
  c.gp = cl.bfp1 + cl.bfp2 / ((cl.bfp3 * q) * (cl.bfp3 * q) + 1.0);
  c.dexa_wn_m = std::cbrt(575.7e12 / c.wn);
  c.free_space_f_db = 32.45 + 20.0 * std::log10(p.freq_mhz);
  if (p.tx_height_m < 1.0 || p.tx_height_m > 1000.0) c.input_flags |= kFlagTxTerminalHeight;
  if (p.rx_height_m < 1.0 || p.rx_height_m > 1000.0) c.input_flags |= kFlagRxTerminalHeight;
  if (p.freq_mhz < 40.0 || p.freq_mhz > 10000.0) c.input_flags |= kFlagFrequency;
  return c;
}

namespace {

bool valid_link(const LinkParams& p) {
  return std::isfinite(p.freq_mhz) && std::isfinite(p.tx_height_m) && std::isfinite(p.rx_height_m);
}

void start(State& s, const PreparedLink& link, double dist_m, bool p2p) {
  s.p2p = p2p;
  s.hg[0] = link.params.tx_height_m;
  s.hg[1] = link.params.rx_height_m;
  s.dist = dist_m;
  s.flags = link.input_flags;
}

// point_to_point(); want_dx = false for callers that use only the loss.
Result profile_prediction(const double* height_m, std::size_t count, double step_m,
                          const LinkParams& p, bool want_dx) {
  if (height_m == nullptr || count < 2 || !(step_m > 0.0) || !std::isfinite(step_m) || !valid_link(p))
    return invalid();
  const PreparedLink link = prepare_link(p);
  const int np = static_cast<int>(count - 1);
  State s;
  start(s, link, np * step_m, true);
  // N_s from the mean elevation of the path without its first and last 10 % [Alg §2]
  const int p10 = static_cast<int>(0.1 * np);
  double zsys = 0.0;
  for (int i = p10; i <= np - p10; ++i) zsys += height_m[i];
  zsys /= (np - 2 * p10 + 1);
  prepare(s, link, zsys);
  p2p_geometry(height_m, np, step_m, s);
  reference(s, want_dx);
  return finish(s, link);
}

}  // namespace

Result point_to_point(const double* height_m, std::size_t count, double step_m,
                      const LinkParams& p) noexcept {
  return profile_prediction(height_m, count, step_m, p, true);
}

double effective_curvature(double n0, double zsys_m) {
  return curvature_of(surface_refractivity(n0, zsys_m));
}

double delta_h(const double* height_m, std::size_t count, double step_m, double x1_m, double x2_m) {
  if (height_m == nullptr || count < 2 || !(step_m > 0.0)) return kNaN;
  return terrain_delta_h(height_m, static_cast<int>(count - 1), step_m, x1_m, x2_m);
}

Result point_to_point_analysed(const TerrainAnalysis& t, const PreparedLink& link) noexcept {
  if (!(t.distance_m > 0.0) || !std::isfinite(t.distance_m) || !valid_link(link.params)) return invalid();
  State s;
  start(s, link, t.distance_m, true);
  prepare(s, link, t.zsys_m);
  for (int j = 0; j < 2; ++j) {
    s.the[j] = t.theta_hzn_rad[j];
    s.dl[j] = t.d_hzn_m[j];
  }
  s.dh = t.delta_h_m;
  effective_heights(t.z_m[0], t.z_m[1], t.fit_m[0], t.fit_m[1], s);
  reference(s, false);
  return finish(s, link);
}

Result point_to_point_analysed(const TerrainAnalysis& t, const LinkParams& p) noexcept {
  return point_to_point_analysed(t, prepare_link(p));
}

Result area(const AreaInput& a, const LinkParams& p) noexcept {
  if (!(a.delta_h_m >= 0.0) || !(a.distance_km > 0.0) || !std::isfinite(a.distance_km) || !valid_link(p))
    return invalid();
  const PreparedLink link = prepare_link(p);
  State s;
  start(s, link, a.distance_km * 1000.0, false);
  s.dh = a.delta_h_m;
  prepare(s, link, 0.0);
  const Siting siting[2] = {a.tx_siting, a.rx_siting};
  area_geometry(siting, s);
  reference(s, true);
  return finish(s, link);
}

LinkParams cr_params(const LinkParams& p, double confidence_pct, double reliability_pct) {
  LinkParams q = p;
  q.time_pct = reliability_pct;
  q.location_pct = 50.0;
  q.situation_pct = confidence_pct;
  return q;
}

void check_params(const LinkParams& p, const std::string& source) {
  auto range = [&](double v, double lo, double hi, const char* field, const std::string& expected) {
    require_range(v >= lo && v <= hi, source, field, v, expected);
  };
  range(p.freq_mhz, 20.0, 20000.0, "freq_mhz", "20 to 20000 MHz for ITM");
  range(p.tx_height_m, 0.5, 3000.0, "tx_height_m", "0.5 to 3000 m above ground for ITM");
  range(p.rx_height_m, 0.5, 3000.0, "rx_height_m", "0.5 to 3000 m above ground for ITM");
  range(p.n0, 250.0, 400.0, "n0", "250 to 400 N-units");
  require_range(p.eps >= 1.0 && std::isfinite(p.eps), source, "eps", p.eps, "relative permittivity >= 1");
  require_range(p.sigma > 0.0 && std::isfinite(p.sigma), source, "sigma", p.sigma, "conductivity > 0 S/m");
  require_range(p.climate >= 1 && p.climate <= 7, source, "climate", p.climate, "ITM radio climate 1 to 7");
  if (p.pol != Polarization::Horizontal && p.pol != Polarization::Vertical)
    throw InputError(source, "pol", "unknown polarisation", "horizontal or vertical");
  const int base = p.mdvar % 10;
  require_range(p.mdvar >= 0 && p.mdvar <= 33 && base <= 3, source, "mdvar", p.mdvar,
                "0..3 (single message, accidental, mobile, broadcast) plus 10 and/or 20");
  for (auto [v, n] : {std::pair{p.time_pct, "time_pct"}, std::pair{p.location_pct, "location_pct"},
                      std::pair{p.situation_pct, "situation_pct"}})
    require_range(v > 0.0 && v < 100.0, source, n, v, "strictly between 0 and 100 %");
}

void check_area(const AreaInput& a, const std::string& source) {
  require_range(a.distance_km > 0.0 && std::isfinite(a.distance_km), source, "distance_km", a.distance_km,
                "> 0 km");
  require_range(a.delta_h_m >= 0.0 && std::isfinite(a.delta_h_m), source, "delta_h_m", a.delta_h_m, ">= 0 m");
  for (auto [v, n] : {std::pair{a.tx_siting, "tx_siting"}, std::pair{a.rx_siting, "rx_siting"}}) {
    const int k = static_cast<int>(v);
    require_range(k >= 0 && k <= 2, source, n, k, "0 random, 1 careful, 2 very careful");
  }
}

std::uint32_t to_warnings(std::uint32_t flags) {
  std::uint32_t w = kWarnNone;
  if (flags & kFlagTxTerminalHeight) w |= kWarnTxHeight;
  if (flags & kFlagRxTerminalHeight) w |= kWarnRxHeight;
  if (flags & kFlagFrequency) w |= kWarnFrequency;
  if (flags & (kFlagPathDistanceTooBig1 | kFlagPathDistanceTooBig2 | kFlagPathDistanceTooSmall1 |
               kFlagPathDistanceTooSmall2))
    w |= kWarnDistance;
  if (flags & (kFlagTxHorizonAngle | kFlagRxHorizonAngle | kFlagTxHorizonDistance1 |
               kFlagRxHorizonDistance1 | kFlagTxHorizonDistance2 | kFlagRxHorizonDistance2))
    w |= kWarnTerrain;
  if (flags & (kFlagExtremeVariabilities | kFlagSurfaceRefractivity)) w |= kWarnOther;
  return w;
}

}  // namespace phusong::prop::itm

namespace phusong::prop {

namespace {

class Itm final : public Model {
 public:
  std::string_view name() const override { return "itm"; }
  std::string_view description() const override {
    return "Longley-Rice Irregular Terrain Model 1.2.2 (NTIA/ITS), point-to-point mode";
  }
  void check(const LinkParams& p, const std::string& source) const override {
    itm::check_params(p, source);
  }
  PathLoss loss(const Profile& prof, const LinkParams& p) const noexcept override {
    PathLoss out;
    const std::size_t n = prof.size();
    if (n < 2 || prof.distance_m.size() != n) {
      out.loss_db = std::nan("");
      return out;
    }
    // ITM's PFL form: equally spaced samples, step xi.
    const double xi = prof.distance_m[1] - prof.distance_m[0];
    const itm::Result r = itm::profile_prediction(prof.height_m.data(), n, xi, p, false);
    out.loss_db = r.loss_db;
    out.mode = r.mode;
    out.warnings = itm::to_warnings(r.flags);
    return out;
  }
};

}  // namespace

std::unique_ptr<Model> make_itm() { return std::make_unique<Itm>(); }

}  // namespace phusong::prop
