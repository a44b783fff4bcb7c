#pragma once
// RAII around GDAL/OGR C handles, and one-time driver registration.
#include <gdal.h>
#include <ogr_api.h>
#include <ogr_srs_api.h>

#include <memory>
#include <string>

namespace phusong {

void gdal_init();  // registers drivers once; quiet error handler

struct GdalDatasetCloser {
  void operator()(void* h) const {
    if (h) GDALClose(static_cast<GDALDatasetH>(h));
  }
};
using GdalDataset = std::unique_ptr<void, GdalDatasetCloser>;

struct OgrFeatureCloser {
  void operator()(void* h) const {
    if (h) OGR_F_Destroy(static_cast<OGRFeatureH>(h));
  }
};
using OgrFeature = std::unique_ptr<void, OgrFeatureCloser>;

struct OgrGeometryCloser {
  void operator()(void* h) const {
    if (h) OGR_G_DestroyGeometry(static_cast<OGRGeometryH>(h));
  }
};
using OgrGeometry = std::unique_ptr<void, OgrGeometryCloser>;

struct OsrCloser {
  void operator()(void* h) const {
    if (h) OSRDestroySpatialReference(static_cast<OGRSpatialReferenceH>(h));
  }
};
using OsrHandle = std::unique_ptr<void, OsrCloser>;

// The last GDAL error message (or "" when none).
std::string gdal_last_error();

}  // namespace phusong
