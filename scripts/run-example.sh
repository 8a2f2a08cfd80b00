#!/usr/bin/env bash
# run-example.sh - the main job on the shipped model: set up and build,
# import examples/fashion/model into engram IR, run it with the reference
# interpreter on the 10,000 Fashion-MNIST test images, compile it to native
# code for this CPU and run that too, printing the accuracies and speed.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${ENGRAM_BUILD_DIR:-$root/build}
"$root/scripts/setup.sh"

work="$build/fashion"
mkdir -p "$work"
model="$root/examples/fashion/model"
echo "== preparing the Fashion-MNIST test set"
/usr/bin/python3 "$root/examples/fashion/prepare_data.py" --out "$work"
echo "== engramc: importing $model"
"$build/bin/engramc" "$model" -o "$work/fashion.mlir"
"$build/bin/engramc" "$model" --mlir-elide-resource-strings-if-larger=16 | grep -E "engram\.(loop|recall|hebbian_update|readout)" | sed -E 's/ (\{|: ).*//'
echo "== engram-run: reference interpreter, float32 and float64"
for precision in f32 f64; do
  printf "%s: " "$precision"
  "$build/bin/engram-run" "$work/fashion.mlir" --input "$work/test_images.npy" \
    --labels "$work/test_labels.npy" --output "$work/probabilities_$precision.npy" \
    --precision "$precision"
done
echo "== engramc --target=cpu: native code for this CPU"
"$build/bin/engramc" "$model" --target=cpu -o "$work/fashion.so"
printf "cpu: "
"$build/bin/engram-run" "$work/fashion.so" --input "$work/test_images.npy" \
  --labels "$work/test_labels.npy" --output "$work/probabilities_cpu.npy" --bench
echo "recorded PyTorch accuracy: $(/usr/bin/python3 -c "import json; print(json.load(open('$model/metrics.json'))['test_accuracy_pytorch_f32'])")"
