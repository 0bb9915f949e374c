// `dnagrad runs report`: one self-contained HTML page comparing the runs of a registry
// (registry.h) — no network, no external file: styles, the sorting script and the plots (inline
// SVG, genomics/plot) are in the page.
//   - the runs table: id, status, the settings that differ between runs, epochs and every final
//     metric; a click on a column header sorts by it (again: the other way);
//   - the validation loss of every run per epoch, on one plot;
//   - parallel coordinates: each numeric setting that differs between runs → best_val_loss;
//   - the best finished run (lowest best_val_loss) and its config as JSON, ready for
//     `dnagrad train --config`.
// The page is well-formed XML as well as HTML (every element closed, text escaped, the script in
// CDATA), so tests parse it with any XML parser.
#pragma once
#include <string>

#include "genomics/train/registry.h"

namespace dnagrad::genomics {

std::string runs_report_html(const Registry& registry, const std::string& title);

}  // namespace dnagrad::genomics
