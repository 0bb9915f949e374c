#include "genomics/tutorials/demo_cubic.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>

#include "autograd/ops.h"
#include "core/error.h"
#include "genomics/metrics.h"
#include "genomics/plot/plots.h"
#include "genomics/plot/svg.h"
#include "genomics/tutorials/fit.h"
#include "nn/layers.h"
#include "nn/optim.h"

namespace dnagrad::genomics {

namespace {

void score(CubicFit& fit, const std::vector<double>& y) {
  fit.mse = mean_squared_error(fit.pred, y);
  fit.r2 = r_squared(fit.pred, y);
}

Array column(const std::vector<double>& v) {
  return Array::from_vector({static_cast<int64_t>(v.size()), 1}, v);
}

}  // namespace

CubicDemoResult run_cubic_demo(const CubicDemoOptions& o, std::ostream& log) {
  DNAGRAD_CHECK(o.points >= 2, "demo cubic: need at least 2 points, got ", o.points);
  CubicDemoResult r;
  Generator gen(o.seed);
  Array noise = Array::empty({o.points});
  gen.fill_normal(noise, 0, o.noise_sd);
  for (int i = 0; i < o.points; ++i) {
    const double x = -2.0 + 4.0 * i / (o.points - 1);
    r.x.push_back(x);
    r.y.push_back(x * x * x + noise.data<float>()[i]);
  }
  const double n = o.points;

  // (a) Closed form: the normal equations of y = a x + b, solved for the 2x2 system.
  double sx = 0, sy = 0, sxx = 0, sxy = 0;
  for (int i = 0; i < o.points; ++i) {
    sx += r.x[i];
    sy += r.y[i];
    sxx += r.x[i] * r.x[i];
    sxy += r.x[i] * r.y[i];
  }
  r.closed_slope = (n * sxy - sx * sy) / (n * sxx - sx * sx);
  r.closed_intercept = (sy - r.closed_slope * sx) / n;
  r.closed_form.name = "least squares (closed form)";
  for (double x : r.x) r.closed_form.pred.push_back(r.closed_slope * x + r.closed_intercept);
  score(r.closed_form, r.y);

  const Tensor x(column(r.x)), y(column(r.y));

  // (b) The same line by gradient descent on the MSE, through autograd.
  Tensor a(Array::zeros({1, 1}), true), b(Array::zeros({1}), true);
  nn::SGD sgd({a, b}, {.lr = o.line_lr});
  r.gradient_descent.name = "line by gradient descent";
  for (int it = 0; it < o.line_iterations; ++it) {
    sgd.zero_grad();
    Tensor loss = mse_loss(add(matmul(x, a), b), y);
    loss.backward();
    sgd.step();
    r.gradient_descent.loss.push_back(loss.item());
  }
  r.gd_slope = a.data().item();
  r.gd_intercept = b.data().item();
  for (double xv : r.x) r.gradient_descent.pred.push_back(r.gd_slope * xv + r.gd_intercept);
  score(r.gradient_descent, r.y);

  // (c) An MLP: Linear(1 -> hidden) -> ReLU -> Linear(hidden -> 1), Adam, full batch.
  nn::Sequential mlp({std::make_shared<nn::Linear>(1, o.hidden, gen), std::make_shared<nn::ReLU>(),
                      std::make_shared<nn::Linear>(o.hidden, 1, gen)});
  nn::Adam adam(mlp.parameters(), {.lr = o.mlp_lr});
  r.mlp.name = "MLP (1 hidden layer, ReLU)";
  for (int it = 0; it < o.mlp_iterations; ++it) {
    adam.zero_grad();
    Tensor loss = mse_loss(mlp(x), y);
    loss.backward();
    adam.step();
    r.mlp.loss.push_back(loss.item());
    if (!o.quiet && (it + 1) % 1000 == 0)
      log << "cubic: MLP iteration " << it + 1 << "/" << o.mlp_iterations << ", MSE "
          << r.mlp.loss.back() << "\n";
  }
  r.mlp.pred =
      predict(mlp, x.data(), std::max<int64_t>(x.size(0), 1));  // one batch: the full-batch numbers
  score(r.mlp, r.y);
  return r;
}

void write_cubic_demo_outputs(const CubicDemoResult& r, const std::string& out_dir) {
  using plots::Series;
  const std::string fit = plots::line_plot(
      {Series{"data: y = x\u00b3 + noise", r.x, r.y, plots::SeriesKind::Points, "#555555", ""},
       Series{r.closed_form.name, r.x, r.closed_form.pred, plots::SeriesKind::Line, "#1f77b4",
              "none"},
       Series{r.gradient_descent.name, r.x, r.gradient_descent.pred, plots::SeriesKind::Line,
              "#ff7f0e", "6 4"},
       Series{r.mlp.name, r.x, r.mlp.pred, plots::SeriesKind::Line, "#2ca02c", "none"}},
      {.title = "y = x\u00b3: straight lines cannot bend, an MLP can",
       .x_label = "x",
       .y_label = "y"});
  const std::string loss = plots::line_plot(
      {Series{r.gradient_descent.name,
              {},
              r.gradient_descent.loss,
              plots::SeriesKind::Line,
              "#ff7f0e",
              "none"},
       Series{r.mlp.name, {}, r.mlp.loss, plots::SeriesKind::Line, "#2ca02c", "none"}},
      {.title = "Training loss per iteration",
       .x_label = "iteration",
       .y_label = "MSE",
       .log_y = true});
  std::error_code ec;
  std::filesystem::create_directories(out_dir, ec);
  DNAGRAD_CHECK(!ec, "demo cubic: cannot create the output directory ", out_dir, ": ",
                ec.message());
  svg::write_file(out_dir + "/cubic_fit.svg", fit);
  svg::write_file(out_dir + "/cubic_loss.svg", loss);
}

void print_cubic_demo_summary(const CubicDemoResult& r, std::ostream& out) {
  char line[160];
  std::snprintf(line, sizeof line, "\ny = x^3 + noise, %zu points\n%-30s %10s %8s\n", r.x.size(),
                "fit", "MSE", "R2");
  out << line;
  for (const CubicFit* f : {&r.closed_form, &r.gradient_descent, &r.mlp}) {
    std::snprintf(line, sizeof line, "%-30s %10.4f %8.4f\n", f->name.c_str(), f->mse, f->r2);
    out << line;
  }
  std::snprintf(line, sizeof line,
                "closed-form line y = %.4f x + %.4f; gradient descent reached y = %.4f x + %.4f\n",
                r.closed_slope, r.closed_intercept, r.gd_slope, r.gd_intercept);
  out << line;
}

}  // namespace dnagrad::genomics
