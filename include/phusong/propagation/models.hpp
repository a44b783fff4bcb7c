#pragma once
// Factories of the built-in models (used by the registry) and helpers they share.
#include <memory>
#include <string>

#include "phusong/propagation/model.hpp"

namespace phusong::prop {

std::unique_ptr<Model> make_fspl();
std::unique_ptr<Model> make_hata();
std::unique_ptr<Model> make_deygout();
std::unique_ptr<Model> make_itm();
std::unique_ptr<Model> make_p526();
std::unique_ptr<Model> make_p1812();

// Throws InputError(source, field, "value V out of range", expected) unless
// `ok`.  Write the condition so that NaN makes it false (`!(v >= lo && v <= hi)`
// style), which is how every model's check() rejects non-finite values.
void require_range(bool ok, const std::string& source, const std::string& field, double value,
                   const std::string& expected);

// Checks fields every model needs: frequency within [fmin, fmax] MHz,
// antenna heights >= 0 and finite, percentages in (0, 100).
void check_common(const LinkParams& p, const std::string& source, double fmin_mhz,
                  double fmax_mhz);

// Height of the earth's bulge at distance d1 from one end of a path of
// length d (d2 = d - d1), for effective earth radius k·a: d1·d2 / (2 k a).
inline double earth_bulge_m(double d1_m, double d2_m, double k_factor) {
  return d1_m * d2_m / (2.0 * k_factor * kEarthRadiusM);
}

// The Deygout model's diffraction loss (deygout.cpp) from the diffraction
// parameters of its main edge and of the dominant edge on each side of it
// (-1e300 or any v <= -0.78 where there is none): J(vm) + J(vl) + J(vr),
// the side edges counted only when the main edge's v > -0.78.
double deygout_diffraction_db(double vm, double vl, double vr);

}  // namespace phusong::prop
