#pragma once
// Location variability: lognormal shadowing turns a median prediction into
// the power exceeded at a target fraction of locations.
namespace phusong::radio {

// Standard normal quantile z(p) for 0 < p < 1 (Acklam's rational
// approximation refined by one Halley step on erfc; |error| < 1e-12).
double normal_quantile(double p);

// Margin (dB) to add to the threshold so that the median prediction covers
// the target percentage of locations: σ · z(pct/100).  0 at 50 %.
double location_margin_db(double sigma_db, double location_pct);

// Default shadowing standard deviation per environment (dB), used when the
// scenario gives none: 8 dB urban / large city, 7 dB suburban, 6 dB open/rural
// (within the 5–10 dB range reported for macro cells, e.g. ITU-R P.1546
// Annex 5 §12 and 3GPP TR 38.901 Table 7.4.1-1).
double default_shadowing_sigma_db(int environment_index);

}  // namespace phusong::radio
