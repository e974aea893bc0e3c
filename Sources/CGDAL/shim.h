// GDAL's C API (raster access, virtual file system, error state); no logic here.
#include <gdal.h>
#include <cpl_conv.h>
#include <cpl_error.h>
#include <cpl_string.h>
#include <cpl_vsi.h>
