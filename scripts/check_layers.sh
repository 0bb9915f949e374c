#!/usr/bin/env bash
# Fails when a library file includes a header from a layer above it or beside it
# (docs/architecture.md draws the layers). Run by ctest as `layer_check`, so CI runs it too.
#
#   core  <-  kernels  <-  autograd  <-  nn  <-  genomics
#
# and inside genomics/ (root = the shared vocabulary: sequence, motifs, tasks, metrics):
#
#   root <- io <- data <- models <- train, interpret <- tutorials;  plot (SVG) uses only root
#
# Also: htslib headers are included only under genomics/io/ (the target that links htslib).
# Usage: scripts/check_layers.sh [repository root]
set -euo pipefail
cd "${1:-$(dirname "$0")/..}"

# What each folder may include, besides itself.
declare -A allowed=(
  [core]=""
  [kernels]="core"
  [autograd]="core kernels"
  [nn]="core kernels autograd"
  [genomics]="core kernels autograd nn"
  [genomics/io]="core kernels autograd nn genomics"
  [genomics/plot]="core kernels autograd nn genomics"
  [genomics/data]="core kernels autograd nn genomics genomics/io"
  [genomics/models]="core kernels autograd nn genomics genomics/io genomics/data"
  [genomics/train]="core kernels autograd nn genomics genomics/io genomics/data genomics/models
                    genomics/plot"
  [genomics/interpret]="core kernels autograd nn genomics genomics/io genomics/data
                        genomics/models genomics/plot"
  [genomics/tutorials]="core kernels autograd nn genomics genomics/io genomics/data
                        genomics/models genomics/plot genomics/train genomics/interpret"
)

# The layer a path belongs to: genomics/<job>/... -> genomics/<job>, genomics/x.h -> genomics,
# kernels/cpu/x.cpp -> kernels.
layer_of() {
  case "$1" in
    genomics/*/*) local rest=${1#genomics/}; echo "genomics/${rest%%/*}" ;;
    *) echo "${1%%/*}" ;;
  esac
}

status=0
while IFS= read -r file; do
  from=$(layer_of "$file")
  [[ -v "allowed[$from]" ]] || { echo "$file: folder '$from' is not in the layer table"; status=1; continue; }
  while IFS= read -r line; do
    header=${line#*\"}; header=${header%%\"*}
    to=$(layer_of "$header")
    [[ -v "allowed[$to]" ]] || continue  # a header beside the file, or not one of ours
    [[ "$to" == "$from" || " ${allowed[$from]//$'\n'/ } " == *" $to "* ]] && continue
    echo "$file: includes $header ($to is above or beside $from)"
    status=1
  done < <(grep -E '^\s*#\s*include\s+"' "$file" || true)
  if [[ "$from" != genomics/io ]] && grep -qE '^\s*#\s*include\s+<htslib/' "$file"; then
    echo "$file: includes an htslib header outside genomics/io"
    status=1
  fi
done < <(find core kernels autograd nn genomics -type f \( -name '*.h' -o -name '*.cpp' -o -name '*.cu' -o -name '*.cuh' \) | sort)
[[ $status == 0 ]] && echo "layers: every include points down"
exit $status
