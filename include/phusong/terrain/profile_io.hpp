#pragma once
// Terrain profile files for point-to-point predictions (`phusong p2p`).
//
// Two formats are read, told apart by their first non-comment line:
//
//  * ITM "PFL" text: np, xi_m, z0, z1, ..., z_np — the number of intervals,
//    the spacing in metres and np + 1 terrain heights (m), transmitter first.
//    Values are separated by commas and/or white space and may span lines.
//    This is the form of the NTIA ITM reference profiles.
//  * CSV with a header naming the columns: `distance_m` and `height_m`
//    (`terrain_m` is accepted for it, so `phusong profile` output reads back),
//    optional `clutter_m` (representative clutter height, m) and `zone`
//    (ITU-R P.1812 radio-climatic zone: 1 sea, 3 coastal land, 4 inland).
//    The other columns `phusong profile` writes are ignored; any other column
//    is an error.  Distances start at 0 and strictly increase.
//
// Lines whose first non-blank character is '#' are comments in both formats.
// Every problem is an InputError naming "file:line", the field and what was
// expected.
#include <string>

#include "phusong/propagation/model.hpp"

namespace phusong {

// Reads a profile file (either format).  Throws InputError.
prop::Profile read_profile_file(const std::string& path);

// Parses profile text; `source` names it in errors (a file name).
prop::Profile parse_profile_text(const std::string& text, const std::string& source);

// The profile as CSV text (`distance_m,height_m` plus `clutter_m` / `zone`
// when present), numbers written so that they read back exactly.
std::string profile_to_csv(const prop::Profile& p);

// True when every step differs from the mean step (length / intervals) by at
// most max(rel_tol · mean step, abs_tol_m) — ITM's PFL form requires equal
// steps; the absolute tolerance admits distances printed to the millimetre.
bool is_equally_spaced(const prop::Profile& p, double rel_tol = 1e-6, double abs_tol_m = 0.002);

}  // namespace phusong
