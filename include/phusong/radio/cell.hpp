#pragma once
// Radio cells (sectors) of base stations, antenna gain and link budget.
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace phusong::radio {

struct AntennaPattern;  // radio/antenna_pattern.hpp

enum class Technology { Gsm, Umts, Lte, Nr };

// Parses "gsm"/"2g", "umts"/"3g", "lte"/"4g", "nr"/"5g" (case-insensitive).
std::optional<Technology> parse_technology(const std::string& s);
std::string technology_name(Technology t);
// The quantity a technology's coverage is judged by: RxLev, RSCP, RSRP, SS-RSRP.
std::string technology_quantity(Technology t);
// Default coverage threshold (dBm) for outdoor coverage at street level.
double default_threshold_dbm(Technology t);

struct Cell {
  std::string site_id, cell_id, name, carrier;
  Technology technology = Technology::Lte;
  double lon = 0, lat = 0;     // WGS 84
  double x = 0, y = 0;         // working CRS
  double ground_m = 0;         // terrain height at the site (from the DEM)
  double height_m = 30;        // antenna height above ground
  std::optional<double> azimuth_deg;  // from true north; empty = omnidirectional
  // The grid bearing of true north at the site in the working CRS (minus
  // the meridian convergence: about -0.5 degrees at 16.6 N, 1.7 degrees
  // east of a UTM zone's central meridian).  The engine's bearings are grid
  // bearings; the gain functions turn them to true ones with this.
  double north_grid_bearing_deg = 0;
  double tilt_deg = 0;         // electrical downtilt, degrees (positive = down)
  double mechanical_tilt_deg = 0;  // mechanical downtilt: rotates the whole pattern
  double beamwidth_deg = 65;   // horizontal half-power beamwidth
  double vertical_beamwidth_deg = 10;
  double freq_mhz = 1800;
  double bandwidth_mhz = 10;
  double eirp_dbm = 58;        // total EIRP in the main beam over the channel
  // Pattern from an MSI/Planet file (sites column `pattern`); empty = the
  // parametric TR 36.814 pattern from beamwidth_deg / vertical_beamwidth_deg.
  // With a pattern, tilt_deg is the absolute electrical tilt (the file's own
  // tilt when the sites table leaves it empty).
  std::shared_ptr<const AntennaPattern> pattern;
  std::string pattern_path;    // as resolved from the sites table
};

// Number of resource blocks for an LTE channel bandwidth (3GPP TS 36.101
// Table 5.6-1) or an NR channel at 30 kHz SCS (TS 38.101-1 Table 5.3.2-1).
// 0 when the bandwidth is not a standard one.
int resource_blocks(Technology t, double bandwidth_mhz);

// Power of the reference quantity in the main beam, dBm EIRP:
//   GSM RxLev: BCCH carrier at full power: EIRP.
//   UMTS RSCP: CPICH at 10 % of the carrier power: EIRP - 10 dB.
//   LTE RSRP / NR SS-RSRP: power per resource element: EIRP - 10 log10(12 N_RB).
double reference_eirp_dbm(const Cell& c);

// What an interfering cell at full load sends, over its reference power, in
// the reference quantity's bandwidth (downlink SINR): UMTS its whole carrier
// (CPICH at 10 %: +10 dB over the 3.84 MHz chip rate); GSM, LTE and NR 0 dB
// (the BCCH carrier, every resource element at the reference power).
double full_load_over_reference_db(Technology t);

// Antenna gain relative to the main beam (<= 0 dB), 3GPP TR 36.814
// Table A.2.1.1-2: A_H = -min(12 (φ/φ3dB)², 25), A_V = -min(12 ((θ-θtilt)/θ3dB)², 20),
// A = -min(-(A_H + A_V), 25).  Omni cells use the vertical part only.
// bearing_deg: clockwise from grid north in the working CRS to the receiver
// (c.north_grid_bearing_deg turns it to true north); elevation_deg: angle
// below the horizontal is positive (receiver lower than antenna).
// A mechanical downtilt rotates the direction into the antenna frame first
// (rotate_for_mechanical_tilt in antenna_pattern.hpp; sectors only).  Cells
// with a pattern file use pattern_attenuation_db (summing method, see
// antenna_pattern.hpp) instead of the parametric formula.
double relative_gain_db(const Cell& c, double bearing_deg, double depression_deg);
// An upper bound of relative_gain_db() over every direction with a bearing
// in [bearing_lo_deg, bearing_hi_deg] (clockwise from grid north, any real
// values, bearing_hi_deg - bearing_lo_deg in [0, 360]; 360 or more: every
// bearing) and a depression in [depression_lo_deg, depression_hi_deg]:
// the parametric pattern's gain at the point of the box nearest the main
// beam (each of A_H and A_V falls with the angle from it); with a
// mechanical downtilt (bearing and depression mixed), over the box's
// mechanical_tilt_cover() (antenna_pattern.hpp).  With a pattern file,
// minus pattern_min_attenuation_db() over the box.  Never above 0 dB.
double max_relative_gain_db(const Cell& c, double bearing_lo_deg, double bearing_hi_deg, double depression_lo_deg,
                            double depression_hi_deg);
// False when relative_gain_db() ignores the bearing: an omnidirectional
// cell (no azimuth) with the parametric pattern, whose gain depends on the
// depression angle only.
inline bool gain_uses_bearing(const Cell& c) { return c.azimuth_deg.has_value() || c.pattern != nullptr; }

}  // namespace phusong::radio
