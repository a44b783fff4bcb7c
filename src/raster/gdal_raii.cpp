#include "phusong/raster/gdal_raii.hpp"

#include <cpl_conv.h>
#include <cpl_error.h>
#include <ogr_srs_api.h>

#include <mutex>

namespace phusong {

namespace {
void CPL_STDCALL quiet_handler(CPLErr, CPLErrorNum, const char*) {}
}  // namespace

void gdal_init() {
  static std::once_flag once;
  std::call_once(once, [] {
    GDALAllRegister();
    CPLSetErrorHandler(quiet_handler);
  });
}

std::string gdal_last_error() {
  const char* m = CPLGetLastErrorMsg();
  return m ? m : "";
}

}  // namespace phusong
