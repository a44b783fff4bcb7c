#pragma once
// Antenna radiation patterns from MSI / Planet pattern files, and the 3-D
// gain derived from the horizontal and vertical cuts.
//
// File format (the Planet "MSI" text format used by antenna vendors):
//   NAME <text>
//   MAKE <text>                     (optional, any other header line is kept)
//   FREQUENCY <MHz>
//   H_WIDTH <deg>, V_WIDTH <deg>, FRONT_TO_BACK <dB>   (optional, informative)
//   GAIN <value> [dBd|dBi]          (dBd when no unit: G_dBi = G_dBd + 2.15)
//   TILT <deg> | TILT ELECTRICAL|MECHANICAL + ELECTRICAL_TILT <deg>  (optional, 0)
//   HORIZONTAL 360
//   <angle> <attenuation_db>        360 lines, angles 0..359 (each once),
//   VERTICAL 360                    clockwise from the boresight seen from above
//   <angle> <attenuation_db>        360 lines; angle 0 = horizon in front,
//                                   90 = straight down, 180 = horizon behind,
//                                   270 = straight up
// Attenuations are in dB relative to the maximum (>= 0).
//
// 3-D interpolation: the summing method (e.g. F. Gil, A. R. Claro, J. M.
// Ferreira, C. Pardelhas, L. M. Correia, "A 3D interpolation method for base-
// station-antenna radiation patterns", IEEE Antennas Propag. Mag. 43(2), 2001,
// §2; also the form of 3GPP TR 36.814 Table A.2.1.1-2):
//   A(φ, θ) = min(A_H(φ) + A_V(θ), A_max)
// with A_H the horizontal cut at azimuth φ from the boresight, A_V the
// vertical cut at depression θ (the front half of the vertical cut, 0..±90°,
// for every azimuth: the horizontal cut alone carries the front-to-back
// ratio), and A_max the deepest attenuation of either cut (the floor of the
// pattern).  Between the 1° samples the cuts are interpolated linearly in dB.
//
// Tilts:
//   electrical: the vertical cut is shifted, A_V'(θ) = A_V(θ − (t_e − t_file)),
//     where t_file is the tilt built into the file (TILT) and t_e the cell's
//     electrical tilt (a remote-electrical-tilt antenna re-steering its beam;
//     exact for the main lobe, an approximation for the side lobes).
//   mechanical: the whole antenna is rotated by t_m about the horizontal axis
//     perpendicular to its boresight; the receiver's direction is rotated into
//     the antenna's frame exactly (rotation of the unit vector), then the
//     interpolation above is applied.  For small angles this reduces to the
//     usual approximation θ' = θ − t_m cos φ.
#include <array>
#include <string>

namespace phusong::radio {

struct AntennaPattern {
  std::string name;
  std::string source;           // file it was read from ("" if generated)
  double freq_mhz = 0;          // FREQUENCY, 0 when absent
  double gain_dbi = 0;          // GAIN converted to dBi
  double electrical_tilt_deg = 0;  // tilt built into the vertical cut
  std::array<double, 360> horizontal_db{};  // attenuation at azimuth 0..359 from the boresight
  std::array<double, 360> vertical_db{};    // attenuation at 0..359 (0 horizon, 90 down)
  double floor_db = 0;          // A_max: max of both cuts
  std::string comment;          // COMMENT line, if any
};

// Parses MSI text; throws InputError(source, field, problem, expected) where
// `field` names the line ("line 17: HORIZONTAL") for wrong point counts,
// bad or repeated angles, negative or non-numeric attenuations, missing
// sections or a missing/invalid GAIN.
AntennaPattern parse_msi(const std::string& text, const std::string& source);
// Reads and parses a file (InputError when unreadable).
AntennaPattern load_msi(const std::string& path);
// Writes MSI text (one decimal place for angles' attenuations, 2 for header).
std::string format_msi(const AntennaPattern& p);

// Linear interpolation between the 1° samples (angles wrap modulo 360).
double horizontal_attenuation_db(const AntennaPattern& p, double azimuth_deg);
double vertical_attenuation_db(const AntennaPattern& p, double angle_deg);

// Attenuation (>= 0 dB) relative to the main beam toward a direction given by
// azimuth_off_deg (clockwise from the boresight azimuth) and depression_deg
// (below the horizontal positive), for an antenna with the given electrical
// tilt (absolute, same convention as the file) and mechanical downtilt.
double pattern_attenuation_db(const AntennaPattern& p, double azimuth_off_deg, double depression_deg,
                              double electrical_tilt_deg, double mechanical_tilt_deg);

// A lower bound of pattern_attenuation_db() over every direction with an
// azimuth off the boresight in [azimuth_lo_deg, azimuth_hi_deg] (any real
// values, azimuth_hi_deg - azimuth_lo_deg in [0, 360]; 360 or more: every
// azimuth) and a depression in [depression_lo_deg, depression_hi_deg]:
// min(H + V, A_max), H and V the smallest values of the two cuts over the
// ranges (the cuts being linear between their 1-degree samples, the
// smallest of the ends and the samples between them).  With a mechanical
// downtilt, over mechanical_tilt_cover() of the box (the directions in the
// antenna's frame).  Without one exact up to the roundings of the
// interpolation (ulps).
double pattern_min_attenuation_db(const AntennaPattern& p, double azimuth_lo_deg, double azimuth_hi_deg,
                                  double depression_lo_deg, double depression_hi_deg, double electrical_tilt_deg,
                                  double mechanical_tilt_deg);

// A box of directions in the frame of an antenna mechanically downtilted by
// tilt_deg that holds every direction of the box azimuth_lo_deg ..
// azimuth_hi_deg (off the boresight) x depression_lo_deg ..
// depression_hi_deg after rotate_for_mechanical_tilt().  The rotation moves
// a direction by at most |tilt| on the sphere, so the depression by at most
// |tilt| and, for a direction whose depression is at most e in magnitude,
// the azimuth by at most asin(sin |tilt| / cos e) (the azimuths of a cap of
// angular radius |tilt|; every azimuth when it holds a pole).  Returns
// {azimuth_lo, azimuth_hi, depression_lo, depression_hi}, degrees, a little
// wide against roundings; the same box when tilt_deg is 0.
std::array<double, 4> mechanical_tilt_cover(double azimuth_lo_deg, double azimuth_hi_deg, double depression_lo_deg,
                                            double depression_hi_deg, double tilt_deg);

// Rotates a direction (azimuth off boresight, depression) into the frame of
// an antenna mechanically downtilted by tilt_deg; returns {azimuth, depression}
// in that frame, degrees.
std::array<double, 2> rotate_for_mechanical_tilt(double azimuth_off_deg, double depression_deg, double tilt_deg);

// The project's analytical panel model (docs/scenario.md "Antenna patterns"):
//   horizontal: A_H(φ) = min(−20 n log10|cos(φ/2)|, F) with n chosen so that
//     A_H = 3 dB at φ = hpbw_h/2 (a cos^n(φ/2) field pattern), F the
//     front-to-back ratio;
//   vertical: a broadside uniform linear array of N isotropic-in-elevation
//     elements spaced d wavelengths, array factor |sin(Nψ/2)/(N sin(ψ/2))|
//     with ψ = 2π d sin θ, times the same cos^n element pattern in elevation
//     (cos^m((θ)/2) with m for a 65° element), N chosen as the smallest count
//     whose half-power beamwidth is <= hpbw_v, attenuation floored at F;
//   sampled at whole degrees, rounded to 0.1 dB.
struct PanelSpec {
  std::string name = "phusong panel 65deg 17dBi 1800MHz";
  double freq_mhz = 1800;
  double gain_dbi = 17;
  double hpbw_h_deg = 65;
  double hpbw_v_deg = 7;
  double front_to_back_db = 28;
  double element_spacing_wl = 0.85;
};
AntennaPattern make_panel_pattern(const PanelSpec& spec);

}  // namespace phusong::radio
