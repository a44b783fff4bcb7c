#pragma once
// Coordinate reference systems and transforms through PROJ.  Every transform
// uses traditional GIS axis order (x = easting/longitude, y = northing/latitude).
#include <memory>
#include <string>
#include <utility>

namespace phusong {

// EPSG code of the WGS 84 / UTM zone containing (lon, lat): 326zz north, 327zz south.
int utm_epsg_for(double lon_deg, double lat_deg);

// WKT2 of a CRS given as "EPSG:n", WKT or PROJ string.  Throws InputError.
std::string crs_to_wkt(const std::string& definition, const std::string& source = "crs");

// True when the CRS is geographic (degrees).
bool crs_is_geographic(const std::string& definition);

// A PROJ transform between two CRSs.  One instance per thread (PROJ contexts
// are not shared); copy-free, movable.
class Transformer {
 public:
  Transformer(const std::string& from, const std::string& to);
  ~Transformer();
  Transformer(Transformer&&) noexcept;
  Transformer& operator=(Transformer&&) noexcept;
  Transformer(const Transformer&) = delete;
  Transformer& operator=(const Transformer&) = delete;

  // Returns NaN coordinates where the point cannot be transformed.
  std::pair<double, double> forward(double x, double y) const;
  std::pair<double, double> inverse(double x, double y) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

inline constexpr const char* kWgs84 = "EPSG:4326";

// The grid bearing of true north at (lon, lat): degrees clockwise from the
// target CRS's grid north (to_grid: from WGS 84, lon/lat order), i.e. minus
// the meridian convergence; 0 in a geographic CRS.
double north_grid_bearing_deg(const Transformer& to_grid, double lon, double lat);

}  // namespace phusong
