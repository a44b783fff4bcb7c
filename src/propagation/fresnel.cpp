// Exact single knife-edge diffraction loss from the Fresnel integrals,
// ITU-R P.526-15 §4.1 eq. (30):
//   J(v) = -20 log( sqrt([1 - C(v) - S(v)]^2 + [C(v) - S(v)]^2) / 2 )  dB
// with C(v) = int_0^v cos(pi s^2 / 2) ds and S(v) = int_0^v sin(pi s^2 / 2) ds.
// (knife_edge_j_db() in physics.cpp is the approximation of eq. (31).)
//
// C and S are computed to about 1e-14 absolute:
//   |v| <= 2: the power series of C + iS = sum_k (i pi v^2 / 2)^k v / (k! (2k+1))
//             (Abramowitz & Stegun §7.3);
//   |v| >  2: C + iS = (1 + i)/2 · erf(z), z = (sqrt(pi)/2)(1 - i) v
//             (A&S §7.3), erf = 1 - erfc and erfc(z) from the Laplace
//             continued fraction (A&S §7.1), evaluated by the
//             modified Lentz algorithm in complex arithmetic.
// C and S are odd functions, so negative v is folded onto positive v.
#include <cmath>
#include <complex>
#include <limits>

#include "phusong/propagation/model.hpp"

namespace phusong::prop {

namespace {

constexpr double kPi = 3.14159265358979323846;

// C(x), S(x) for x >= 0.
void fresnel_cs(double x, double& c, double& s) {
  if (x <= 2.0) {
    // Term k: t^k / k! · x / (2k + 1), t = pi x^2 / 2; even k feed C with sign
    // (-1)^(k/2), odd k feed S with sign (-1)^((k-1)/2).  With t <= 2 pi the
    // largest term is below 1e2, so cancellation costs < 3 digits.
    const double t = 0.5 * kPi * x * x;
    double p = 1.0;  // t^k / k!
    c = 0.0;
    s = 0.0;
    for (int k = 0; k < 200; ++k) {
      const double term = p * x / (2.0 * k + 1.0);
      const double sign = ((k / 2) % 2 == 0) ? 1.0 : -1.0;
      if (k % 2 == 0) {
        c += sign * term;
      } else {
        s += sign * term;
      }
      if (k > t && term < 1e-17) break;
      p *= t / (k + 1.0);
    }
    return;
  }
  using cplx = std::complex<double>;
  const double sqrt_pi = std::sqrt(kPi);
  const cplx z = 0.5 * sqrt_pi * cplx(1.0, -1.0) * x;
  // erfc(z) = exp(-z^2)/sqrt(pi) · K, K = 1/(z + (1/2)/(z + 1/(z + (3/2)/(z + ...)))),
  // i.e. partial numerators a_1 = 1, a_j = (j - 1)/2, denominators b_j = z.
  constexpr double kTiny = 1e-300;
  cplx f(kTiny, 0.0);
  cplx cc = f;
  cplx dd(0.0, 0.0);
  for (int j = 1; j < 1000; ++j) {
    const double a = (j == 1) ? 1.0 : 0.5 * (j - 1);
    dd = z + a * dd;
    if (std::abs(dd) == 0.0) dd = kTiny;
    cc = z + a / cc;
    if (std::abs(cc) == 0.0) cc = kTiny;
    dd = 1.0 / dd;
    const cplx delta = cc * dd;
    f *= delta;
    if (std::abs(delta - 1.0) < 1e-16) break;
  }
  // -z^2 = i pi x^2 / 2; reduce the phase before taking exp for large x.
  const double phase = std::fmod(0.5 * kPi * x * x, 2.0 * kPi);
  const cplx erfc_z = std::polar(1.0, phase) / sqrt_pi * f;
  const cplx w = cplx(0.5, 0.5) * (1.0 - erfc_z);
  c = w.real();
  s = w.imag();
}

}  // namespace

double knife_edge_j_exact_db(double v) {
  if (std::isnan(v)) return std::numeric_limits<double>::quiet_NaN();
  if (std::isinf(v)) return v < 0 ? 0.0 : std::numeric_limits<double>::infinity();
  double c = 0.0;
  double s = 0.0;
  fresnel_cs(std::fabs(v), c, s);
  if (v < 0.0) {
    c = -c;
    s = -s;
  }
  const double re = 1.0 - c - s;
  const double im = c - s;
  return -20.0 * std::log10(0.5 * std::sqrt(re * re + im * im));
}

}  // namespace phusong::prop
