// `dnagrad demo cubic`: seed 003's unit 0. Data y = x^3 + noise on a grid of x, fitted three
// ways: (a) the closed-form least-squares line, (b) the same line by gradient descent through
// the autograd engine, (c) a one-hidden-layer ReLU MLP. The lines cannot bend; the MLP can.
#pragma once
#include <ostream>
#include <string>
#include <vector>

namespace dnagrad::genomics {

struct CubicDemoOptions {
  int points = 200;  // x on an even grid over [-2, 2]
  double noise_sd = 0.15;
  int line_iterations = 500;
  double line_lr = 0.05;
  int hidden = 64;
  int mlp_iterations = 3000;
  double mlp_lr = 0.01;  // Adam
  uint64_t seed = 17;
  bool quiet = false;
};

struct CubicFit {
  std::string name;
  std::vector<double> pred;  // at each x
  double mse = 0, r2 = 0;
  std::vector<double> loss;  // per iteration (empty for the closed form)
};

struct CubicDemoResult {
  std::vector<double> x, y;
  double closed_slope = 0, closed_intercept = 0, gd_slope = 0, gd_intercept = 0;
  CubicFit closed_form, gradient_descent, mlp;
};

CubicDemoResult run_cubic_demo(const CubicDemoOptions& options, std::ostream& log);
// Writes cubic_fit.svg and cubic_loss.svg into out_dir (created if needed), atomically.
void write_cubic_demo_outputs(const CubicDemoResult& result, const std::string& out_dir);
void print_cubic_demo_summary(const CubicDemoResult& result, std::ostream& out);

}  // namespace dnagrad::genomics
