/* whiteout.h - step06's layer format: OCI whiteouts become overlayfs ones. */
#pragma once

#include "common/archive.h"

/* For extract_archive: the ".wh." entries of an image layer, stored the way
 * overlayfs reads them. */
extern const struct extract_special oci_whiteouts;
