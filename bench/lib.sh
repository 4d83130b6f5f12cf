# Shared by the bench/*.sh scripts (sourced, not run). Sets $bin to the actsim binary:
# $ACTSIM if set (e.g. a copy, so that a rebuild during a long benchmark cannot swap it),
# otherwise ./target/release/actsim after `cargo build --release -p actsim-cli`.
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export NO_COLOR=1
if [[ -n "${ACTSIM:-}" ]]; then
  bin="$ACTSIM"
else
  cargo build --quiet --release -p actsim-cli
  bin=./target/release/actsim
fi
command -v hyperfine >/dev/null || { echo "needs hyperfine (Debian: apt-get install hyperfine)" >&2; exit 2; }

# mean_of CSV ROW: the mean wall time (seconds) of row ROW (1-based) of a hyperfine CSV export.
mean_of() { awk -F, -v r="$2" 'NR == r + 1 { print $2 }' "$1"; }
# user_of CSV ROW: the mean user CPU time (seconds) of row ROW.
user_of() { awk -F, -v r="$2" 'NR == r + 1 { print $5 }' "$1"; }
# median_of CSV ROW / min_of CSV ROW: the median / fastest wall time (seconds) of row ROW.
median_of() { awk -F, -v r="$2" 'NR == r + 1 { print $4 }' "$1"; }
min_of() { awk -F, -v r="$2" 'NR == r + 1 { print $7 }' "$1"; }
# sys_of CSV ROW: the mean system CPU time (seconds) of row ROW.
sys_of() { awk -F, -v r="$2" 'NR == r + 1 { print $6 }' "$1"; }
