/* whiteout.h - step06's layer format: OCI whiteouts become overlayfs ones. */
#pragma once

#include <stdbool.h>

#include "common/archive.h"

/* For extract_archive: the ".wh." entries of an image layer, stored the way
 * overlayfs reads them. */
extern const struct extract_special oci_whiteouts;

/* Are we in a user namespace other than the host's (step08)? Then opaque
 * directories are marked with user.overlay.opaque, for a "userxattr" overlay. */
bool in_user_namespace(void);
