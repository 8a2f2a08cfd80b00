//===- NirMaps.cpp - NIR's linear nodes as sparse maps --------------------===//
//
// Shapes and compositions of NIR's linear nodes (NirMaps.h). Convolution
// and pooling follow PyTorch's definitions, as NIR's do: weights (out
// channels, in channels / groups, kernel...), outputs floor((n + padding −
// dilation·(k − 1) − 1) / stride) + 1 per spatial dimension, average
// pooling counting padded cells.
//
//===----------------------------------------------------------------------===//

#include "backends/nir/NirMaps.h"
#include "backends/nir/NirCommon.h"
#include "runtime/Snn.h"

#include <algorithm>
#include <cmath>
#include <numeric>

using engram::runtime::Status;
using engram::runtime::StatusOr;

namespace engram::nir::detail {

size_t elements(const Shape &shape) {
  if (shape.empty())
    return 0;
  size_t n = 1;
  for (int64_t extent : shape) {
    if (extent <= 0 ||
        n > runtime::snn::kMaxPopulationSize / size_t(extent))
      return 0;
    n *= size_t(extent);
  }
  return n;
}

SparseMap SparseMap::identity(const Shape &shape) {
  SparseMap map;
  map.shape = shape;
  map.rows.resize(elements(shape));
  for (size_t i = 0; i < map.rows.size(); ++i)
    map.rows[i] = {{uint32_t(i), 1.0}};
  return map;
}

bool isLinearNode(const std::string &type) {
  // Identity: engram's name for a nested graph's Input and Output nodes.
  static const char *const kTypes[] = {"Affine",  "Linear",    "Conv1d",
                                       "Conv2d",  "SumPool2d", "AvgPool2d",
                                       "Flatten", "Delay",     "Identity"};
  return std::any_of(std::begin(kTypes), std::end(kTypes),
                     [&](const char *t) { return type == t; });
}

namespace {

Status fault(const NodeParams &node, const std::string &message) {
  return Status::error("node '" + node.name + "': " + message);
}

/// The integers of parameter `key`, `count` of them (a scalar is
/// broadcast); `fallback` when absent.
StatusOr<std::vector<int64_t>> ints(const NodeParams &node,
                                    const std::string &key, size_t count,
                                    int64_t fallback) {
  auto it = node.arrays.find(key);
  if (it == node.arrays.end())
    return std::vector<int64_t>(count, fallback);
  const std::vector<double> &v = it->second.values;
  if (v.size() != 1 && v.size() != count)
    return fault(node, "'" + key + "' has " + std::to_string(v.size()) +
                           " values, not " + std::to_string(count));
  std::vector<int64_t> out;
  for (size_t i = 0; i < count; ++i) {
    double x = v[v.size() == 1 ? 0 : i];
    if (!(x >= 0 && x <= 1e6) || x != std::floor(x))
      return fault(node, "'" + key + "' holds " + str(x) +
                             ", not a whole number in 0..1000000");
    out.push_back(int64_t(x));
  }
  return out;
}

/// The sliding window of a convolution or pooling node over `dims` spatial
/// dimensions: the input's channels and extents, kernel, stride, padding
/// (before), dilation and groups, and the output's extents.
struct Window {
  int64_t inChannels = 0, outChannels = 0, groups = 1;
  std::vector<int64_t> in, kernel, stride, pad, dilation, out;
};

/// The padding before each dimension: numbers, or "same" / "valid".
StatusOr<std::vector<int64_t>> padding(const NodeParams &node,
                                       const Window &w) {
  auto text = node.texts.find("padding");
  if (text == node.texts.end())
    return ints(node, "padding", w.kernel.size(), 0);
  std::vector<int64_t> pad;
  for (size_t d = 0; d < w.kernel.size(); ++d) {
    const int64_t total = w.dilation[d] * (w.kernel[d] - 1);
    if (text->second == "valid")
      pad.push_back(0);
    else if (text->second == "same")
      pad.push_back(total / 2);
    else
      return fault(node, "padding '" + text->second +
                             "' is not a number, 'same' or 'valid'");
  }
  return pad;
}

/// The output extents of `w` (its padding after each dimension mirrors the
/// padding before, except for 'same', which keeps the extents).
Status outputExtents(const NodeParams &node, Window &w) {
  const bool same = node.texts.count("padding") &&
                    node.texts.at("padding") == "same";
  if (elements(w.kernel) == 0)
    return fault(node, "the kernel has no taps, or too many");
  for (size_t d = 0; d < w.in.size(); ++d) {
    if (w.stride[d] < 1 || w.dilation[d] < 1 || w.kernel[d] < 1)
      return fault(node, "kernel, stride and dilation must be at least 1");
    if (same && w.stride[d] != 1)
      return fault(node, "padding 'same' needs a stride of 1");
    const int64_t span = w.dilation[d] * (w.kernel[d] - 1);
    const int64_t padded = same ? w.in[d] + span : w.in[d] + 2 * w.pad[d];
    if (padded - span < 1)
      return fault(node, "the kernel (" + std::to_string(w.kernel[d]) +
                             ") does not fit the input (" +
                             std::to_string(w.in[d]) + ")");
    w.out.push_back((padded - span - 1) / w.stride[d] + 1);
  }
  return Status::success();
}

/// The spatial extents of the input: `input_shape` when the node has one,
/// else those of `in` after its channels.
StatusOr<std::vector<int64_t>> spatial(const NodeParams &node, const Shape &in,
                                       size_t dims, int64_t channels) {
  std::vector<int64_t> extents;
  auto given = node.arrays.find("input_shape");
  if (given != node.arrays.end()) {
    const std::vector<double> &v = given->second.values;
    // (h, w) or (c, h, w).
    for (size_t i = v.size() >= dims ? v.size() - dims : 0; i < v.size(); ++i) {
      if (!(v[i] >= 1 && v[i] <= double(runtime::snn::kMaxPopulationSize)) ||
          v[i] != std::floor(v[i]))
        return fault(node, "input_shape holds " + str(v[i]));
      extents.push_back(int64_t(v[i]));
    }
  } else if (in.size() == dims + 1) {
    extents.assign(in.begin() + 1, in.end());
  }
  if (extents.size() != dims ||
      elements(extents) * size_t(channels) != elements(in))
    return fault(node, "its input of shape (" + [&] {
      std::string s;
      for (int64_t e : in)
        s += (s.empty() ? "" : ", ") + std::to_string(e);
      return s;
    }() + ") is not " + std::to_string(channels) + " channels of " +
                           std::to_string(dims) + "-d input_shape");
  return extents;
}

/// The window of a Conv1d or Conv2d node on an input of shape `in`.
StatusOr<Window> convWindow(const NodeParams &node, const Shape &in) {
  const size_t dims = node.type == "Conv1d" ? 1 : 2;
  auto weight = node.arrays.find("weight");
  if (weight == node.arrays.end() || weight->second.shape.size() != dims + 2)
    return fault(node, node.type + " needs a weight of " +
                           std::to_string(dims + 2) + " dimensions");
  const std::vector<int64_t> &ws = weight->second.shape;
  Window w;
  StatusOr<std::vector<int64_t>> groups = ints(node, "groups", 1, 1);
  if (!groups)
    return groups.status();
  w.groups = (*groups)[0];
  w.outChannels = ws[0];
  w.inChannels = ws[1] * w.groups;
  if (w.groups < 1 || w.outChannels % w.groups != 0)
    return fault(node, "groups must divide the output channels");
  w.kernel.assign(ws.begin() + 2, ws.end());
  StatusOr<std::vector<int64_t>> in2 = spatial(node, in, dims, w.inChannels);
  StatusOr<std::vector<int64_t>> stride = ints(node, "stride", dims, 1);
  StatusOr<std::vector<int64_t>> dilation = ints(node, "dilation", dims, 1);
  for (auto *s : {&in2, &stride, &dilation})
    if (!*s)
      return s->status();
  w.in = *in2;
  w.stride = *stride;
  w.dilation = *dilation;
  StatusOr<std::vector<int64_t>> pad = padding(node, w);
  if (!pad)
    return pad.status();
  w.pad = *pad;
  if (Status s = outputExtents(node, w); !s)
    return s;
  return w;
}

/// The window of a SumPool2d or AvgPool2d node: every channel pooled alone.
StatusOr<Window> poolWindow(const NodeParams &node, const Shape &in) {
  if (in.size() != 3)
    return fault(node, node.type + " needs an input of shape (c, h, w)");
  Window w;
  w.inChannels = w.outChannels = w.groups = in[0];
  StatusOr<std::vector<int64_t>> kernel = ints(node, "kernel_size", 2, 0);
  if (!kernel)
    return kernel.status();
  w.kernel = *kernel;
  StatusOr<std::vector<int64_t>> stride = ints(node, "stride", 2, 0);
  if (!stride)
    return stride.status();
  w.stride = *stride;
  for (size_t d = 0; d < 2; ++d)
    if (w.stride[d] == 0) // PyTorch's default: the kernel
      w.stride[d] = w.kernel[d];
  w.in.assign(in.begin() + 1, in.end());
  w.dilation = {1, 1};
  StatusOr<std::vector<int64_t>> pad = padding(node, w);
  if (!pad)
    return pad.status();
  w.pad = *pad;
  for (size_t d = 0; d < 2; ++d)
    if (w.pad[d] > w.kernel[d] / 2)
      return fault(node, "padding " + std::to_string(w.pad[d]) +
                             " exceeds half the kernel (" +
                             std::to_string(w.kernel[d]) + ")");
  if (Status s = outputExtents(node, w); !s)
    return s;
  return w;
}

Shape windowShape(const Window &w) {
  Shape shape = {w.outChannels};
  shape.insert(shape.end(), w.out.begin(), w.out.end());
  return shape;
}

/// The most products composing a node's map may take (its terms and the
/// taps it visits): a small file must not make the importer run for hours.
constexpr uint64_t kMaxWork = uint64_t(1) << 30;

/// Output i of `map` followed by the linear node `node` takes Σ c · (row k
/// of map) over the (k, c) that `terms(i, add)` passes to add; biases
/// likewise.
template <typename Terms>
StatusOr<SparseMap> combine(const NodeParams &node, const SparseMap &map,
                            Shape shape, Terms terms) {
  if (elements(shape) == 0)
    return fault(node, "its output has more neurons than engram takes (" +
                           std::to_string(runtime::snn::kMaxPopulationSize) +
                           ")");
  size_t pre = 0;
  for (const auto &row : map.rows)
    for (const auto &term : row)
      pre = std::max<size_t>(pre, size_t(term.first) + 1);
  std::vector<double> scratch(pre, 0);
  std::vector<char> listed(pre, 0);
  std::vector<uint32_t> touched;
  SparseMap out;
  out.shape = std::move(shape);
  out.rows.resize(elements(out.shape));
  if (!map.bias.empty())
    out.bias.assign(out.rows.size(), 0);
  uint64_t work = 0;
  for (size_t i = 0; i < out.rows.size(); ++i) {
    terms(i, [&](size_t k, double c) {
      work += 1 + map.rows[k].size();
      if (c == 0)
        return;
      for (const auto &[j, w] : map.rows[k]) {
        if (!listed[j])
          touched.push_back(j);
        listed[j] = 1;
        scratch[j] += c * w;
      }
      if (!map.bias.empty())
        out.bias[i] += c * map.bias[k];
    });
    std::sort(touched.begin(), touched.end());
    for (uint32_t j : touched) {
      if (scratch[j] != 0)
        out.rows[i].push_back({j, scratch[j]});
      scratch[j] = 0;
      listed[j] = 0;
    }
    touched.clear();
    if (work > kMaxWork)
      return fault(node, "composing it with the nodes before takes more "
                         "than 2^30 products; engram does not import it");
  }
  return out;
}

/// Adds `bias` (one per channel, each output of a channel the same) to
/// `out`.
void addChannelBias(SparseMap &out, const std::vector<double> &bias) {
  if (out.bias.empty())
    out.bias.assign(out.rows.size(), 0);
  const size_t per = out.rows.size() / bias.size();
  for (size_t i = 0; i < out.rows.size(); ++i)
    out.bias[i] += bias[i / per];
}

/// `map` through the window `w` with `weight(co, ci_in_group, kernel
/// offset)`: a convolution or a pooling.
template <typename Weight>
StatusOr<SparseMap> slide(const NodeParams &node, const SparseMap &map,
                          const Window &w, Weight weight) {
  const size_t dims = w.in.size();
  const int64_t inPerGroup = w.inChannels / w.groups;
  const int64_t outPerGroup = w.outChannels / w.groups;
  const size_t outSpatial = elements(w.out), inSpatial = elements(w.in);
  const size_t taps = elements(w.kernel);
  // Every output visits every tap of its group, inside the input or not.
  const double visits = double(elements(windowShape(w))) *
                        double(inPerGroup) * double(taps);
  if (visits > double(kMaxWork))
    return fault(node, "sliding its window takes more than 2^30 steps; "
                       "engram does not import it");
  std::vector<int64_t> pos(dims), k(dims);
  return combine(node, map, windowShape(w), [&](size_t i, auto add) {
    const int64_t co = int64_t(i / outSpatial);
    size_t rest = i % outSpatial;
    for (size_t d = dims; d-- > 0;) {
      pos[d] = int64_t(rest % size_t(w.out[d]));
      rest /= size_t(w.out[d]);
    }
    const int64_t group = co / outPerGroup;
    for (int64_t cg = 0; cg < inPerGroup; ++cg) {
      const int64_t ci = group * inPerGroup + cg;
      for (size_t tap = 0; tap < taps; ++tap) {
        size_t t = tap, index = 0;
        bool inside = true;
        for (size_t d = dims; d-- > 0;) {
          k[d] = int64_t(t % size_t(w.kernel[d]));
          t /= size_t(w.kernel[d]);
        }
        size_t stridePos = 1;
        for (size_t d = dims; d-- > 0;) {
          int64_t at = pos[d] * w.stride[d] - w.pad[d] + k[d] * w.dilation[d];
          inside = inside && at >= 0 && at < w.in[d];
          index += size_t(std::max<int64_t>(at, 0)) * stridePos;
          stridePos *= size_t(w.in[d]);
        }
        if (inside)
          add(size_t(ci) * inSpatial + index, weight(co, cg, tap));
      }
    }
  });
}

StatusOr<SparseMap> dense(const NodeParams &node, const SparseMap &map,
                          bool withBias) {
  auto weight = node.arrays.find("weight");
  if (weight == node.arrays.end() || weight->second.shape.size() != 2)
    return fault(node, node.type + " needs a 2-d weight");
  const size_t rows = size_t(weight->second.shape[0]);
  const size_t cols = size_t(weight->second.shape[1]);
  if (cols != map.rows.size())
    return fault(node, "weight has " + std::to_string(cols) +
                           " columns for an input of " +
                           std::to_string(map.rows.size()));
  const std::vector<double> &w = weight->second.values;
  for (double x : w)
    if (!std::isfinite(x))
      return fault(node, "a weight is not finite");
  StatusOr<SparseMap> out =
      combine(node, map, {int64_t(rows)}, [&](size_t i, auto add) {
        for (size_t k = 0; k < cols; ++k)
          add(k, w[i * cols + k]);
      });
  if (!out)
    return out;
  auto bias = node.arrays.find("bias");
  if (withBias && node.type == "Affine" && bias != node.arrays.end()) {
    if (bias->second.values.size() != rows)
      return fault(node, "bias has " +
                             std::to_string(bias->second.values.size()) +
                             " values for " + std::to_string(rows));
    for (double x : bias->second.values)
      if (!std::isfinite(x))
        return fault(node, "a bias is not finite");
    addChannelBias(*out, bias->second.values);
  }
  return out;
}

StatusOr<SparseMap> conv(const NodeParams &node, const SparseMap &map,
                         bool withBias) {
  StatusOr<Window> w = convWindow(node, map.shape);
  if (!w)
    return w.status();
  const std::vector<double> &weight = node.arrays.at("weight").values;
  const size_t taps = elements(w->kernel);
  const size_t perOut = size_t(w->inChannels / w->groups) * taps;
  if (weight.size() != size_t(w->outChannels) * perOut)
    return fault(node, "weight does not hold its shape's values");
  for (double x : weight)
    if (!std::isfinite(x))
      return fault(node, "a weight is not finite");
  StatusOr<SparseMap> out =
      slide(node, map, *w, [&](int64_t co, int64_t cg, size_t tap) {
        return weight[size_t(co) * perOut + size_t(cg) * taps + tap];
      });
  if (!out)
    return out;
  auto bias = node.arrays.find("bias");
  if (withBias && bias != node.arrays.end() &&
      !bias->second.values.empty()) {
    for (double x : bias->second.values)
      if (!std::isfinite(x))
        return fault(node, "a bias is not finite");
    if (bias->second.values.size() != size_t(w->outChannels))
      return fault(node, "bias has " +
                             std::to_string(bias->second.values.size()) +
                             " values for " +
                             std::to_string(w->outChannels) + " channels");
    addChannelBias(*out, bias->second.values);
  }
  return out;
}

StatusOr<SparseMap> pool(const NodeParams &node, const SparseMap &map) {
  StatusOr<Window> w = poolWindow(node, map.shape);
  if (!w)
    return w.status();
  const double c = node.type == "AvgPool2d"
                       ? 1.0 / double(elements(w->kernel))
                       : 1.0;
  return slide(node, map, *w, [c](int64_t, int64_t, size_t) { return c; });
}

} // namespace

StatusOr<Shape> outputShape(const NodeParams &node, const Shape &in) {
  if (node.type == "Affine" || node.type == "Linear") {
    auto weight = node.arrays.find("weight");
    if (weight == node.arrays.end() || weight->second.shape.size() != 2)
      return fault(node, node.type + " needs a 2-d weight");
    return Shape{weight->second.shape[0]};
  }
  if (node.type == "Conv1d" || node.type == "Conv2d") {
    StatusOr<Window> w = convWindow(node, in);
    if (!w)
      return w.status();
    return windowShape(*w);
  }
  if (node.type == "SumPool2d" || node.type == "AvgPool2d") {
    StatusOr<Window> w = poolWindow(node, in);
    if (!w)
      return w.status();
    return windowShape(*w);
  }
  if (node.type == "Flatten")
    return Shape{int64_t(elements(in))};
  return in;
}

StatusOr<SparseMap> compose(const NodeParams &node, const SparseMap &map,
                            bool withBias) {
  if (node.type == "Affine" || node.type == "Linear")
    return dense(node, map, withBias);
  if (node.type == "Conv1d" || node.type == "Conv2d")
    return conv(node, map, withBias);
  if (node.type == "SumPool2d" || node.type == "AvgPool2d")
    return pool(node, map);
  SparseMap out = map;
  if (node.type == "Flatten")
    out.shape = {int64_t(elements(map.shape))};
  return out;
}

} // namespace engram::nir::detail
